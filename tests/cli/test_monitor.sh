#!/usr/bin/env bash
# `dnsprop monitor` against the lab: canaries every 2 s in the lab's zone
# (which exists: the monitor must neither create nor delete it), the Knot
# secondary stopped and started again mid-way (tests/lab/lab.sh knot-stop,
# knot-start): its canaries TIMEOUT with a reason while it is down, are
# served again after, the intervals whose canary still propagated are
# counted missed, and Prometheus' view (dnsprop_canary_propagation_seconds)
# says the same. Then SIGTERM ends a monitor cleanly with its results, and
# bad [monitor] sections are refused with FILE:LINE.
# Needs the lab's environment (tests/lab/lab.sh).
# Usage: tests/cli/test_monitor.sh [./dnsprop]
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
bin=${1:-./dnsprop}
need_tools monitor curl python3 dig prometheus
: "${LAB_DIR:?run under the lab (tests/lab/lab.sh)}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dnsprop-monitor.XXXXXX")
mon_pid=
prom_pid=
cleanup() {
    [ -n "$mon_pid" ] && kill "$mon_pid" 2>/dev/null && wait "$mon_pid" 2>/dev/null
    [ -n "$prom_pid" ] && kill "$prom_pid" 2>/dev/null && wait "$prom_pid" 2>/dev/null
    # Knot serves the other tests: never leave it stopped
    [ -z "$(pgrep -f "knotd -c $LAB_DIR/")" ] && tests/lab/lab.sh knot-start "$LAB_DIR" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

scenario() { # NAME [MONITOR LINES...]
    local name=$1
    shift
    printf '%s\n' "[campaign]" "name = $name" "results = $tmp/results" \
        "include = \${LAB_DIR}/lab.ini" "" "[probe]" "frequency = 0.1" "timeout = 5" "" \
        "[monitor]" "$@"
}

# -- bad input ------------------------------------------------------------------------
scenario bad1 "interval = 2" > "$tmp/bad1.ini"
expect "[monitor] without zones" 2 "bad1.ini:1[0-9]: \[monitor\] zones: missing" -- \
    "$bin" monitor "$tmp/bad1.ini"
scenario bad2 "zones = lab.test." "interval = 0.2" > "$tmp/bad2.ini"
expect "[monitor] interval under 1 s" 2 "bad2.ini:12: \[monitor\] interval" -- \
    "$bin" monitor "$tmp/bad2.ini"
scenario bad3 "zones = lab.test." "colour = red" > "$tmp/bad3.ini"
expect "[monitor] unknown key" 2 "bad3.ini:12: \[monitor\] colour: unknown key" -- \
    "$bin" monitor "$tmp/bad3.ini"
scenario only "zones = lab.test." > "$tmp/only.ini"
expect "run on a monitor-only scenario" 2 "dnsprop monitor" -- "$bin" run "$tmp/only.ini"
printf '%s\n' "[campaign]" "name = nomon" "results = $tmp/results" \
    "include = \${LAB_DIR}/lab.ini" "[phase p]" "zones = 1" "zone_suffix = m.test." \
    "count = 1" > "$tmp/nomon.ini"
expect "monitor without [monitor]" 2 "no \[monitor\] section" -- "$bin" monitor "$tmp/nomon.ini"
expect "--duration 0" 64 "duration" -- "$bin" monitor --duration 0 "$tmp/only.ini"

# -- canaries with a secondary down and back ------------------------------------------
scenario mon "zones = $LAB_ZONE" "interval = 2" > "$tmp/mon.ini"
mport=$(free_port)
pport=$(free_port)
start_prometheus "$tmp/prom" "$pport" "127.0.0.1:$mport" ||
    ko "prometheus did not start" "$(tail "$tmp/prom/prometheus.log")"
t0=$(date +%s.%N)
"$bin" monitor --quiet --duration 30 --metrics-listen "127.0.0.1:$mport" --metrics-linger 3 \
    "$tmp/mon.ini" > "$tmp/mon.json" 2> "$tmp/mon.err" &
mon_pid=$!
sleep 8
tests/lab/lab.sh knot-stop "$LAB_DIR" 2>/dev/null
t_down=$(date +%s.%N)
sleep 9
curl -sf "http://127.0.0.1:$mport/metrics" > "$tmp/down.txt"
tests/lab/lab.sh knot-start "$LAB_DIR" 2>/dev/null
t_up=$(date +%s.%N)
sleep 9
curl -sf "http://127.0.0.1:$mport/metrics" > "$tmp/up.txt"
wait "$mon_pid"
rc=$?
mon_pid=
[ "$rc" -le 1 ] && ok "the monitor ended after --duration (exit $rc)" ||
    ko "monitor exit $rc" "$(tail "$tmp/mon.err")"
c=$(last_campaign "$bin" "$tmp/results" mon)
"$bin" export "$c" --results "$tmp/results" --out "$tmp/mon.csv" 2>/dev/null
if python3 - "$tmp/mon.csv" "$tmp/mon.json" "$t_down" "$t_up" > "$tmp/check.out" 2>&1 <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
s = json.load(open(sys.argv[2]))
down, up = float(sys.argv[3]), float(sys.argv[4])
assert len(rows) == s["polls"], (len(rows), s["polls"])
assert {r["op_kind"] for r in rows} == {"record_update"}, {r["op_kind"] for r in rows}
assert all(r["name"] == "_dnsprop-canary.lab.test." and r["type"] == "TXT" for r in rows)
knot = [r for r in rows if r["ns_name"] == "knot"]
others = [r for r in rows if r["ns_name"] != "knot"]
t = lambda r: float(r["start_time"])
before = [r for r in knot if t(r) < down - 5]
failed = [r for r in knot if r["status"] != "COMPLETED"]
after = [r for r in knot if t(r) > up + 2]
assert before and all(r["status"] == "COMPLETED" for r in before), before
# the canaries knot did not serve: made while it was down (or just before,
# not served yet), each with a reason
assert failed and all(r["status"] in ("TIMEOUT", "ERROR") and r["reason"] for r in failed), failed
assert all(down - 6 <= t(r) < up for r in failed), [(t(r), down, up) for r in failed]
assert after and all(r["status"] == "COMPLETED" for r in after), after
assert all(r["status"] == "COMPLETED" for r in others), [r for r in others if r["status"] != "COMPLETED"]
missed = s.get("canaries_missed", 0)
assert missed > 0, s
print(f"{len(before)} knot canaries served before, {len(failed)} not served while down "
      f"({failed[0]['reason']!r}), {len(after)} served after; {missed} intervals missed")
PY
then ok "knot down then up: $(cat "$tmp/check.out")"; else ko "monitor results" "$(cat "$tmp/check.out")"; fi
if grep -q '^dnsprop_canary_propagation_seconds{nameserver="knot",zone="lab.test."} +Inf$' "$tmp/down.txt" &&
    grep -qE '^dnsprop_canary_propagation_seconds\{nameserver="knot",zone="lab.test."\} [0-9.e-]+$' "$tmp/up.txt" &&
    grep -qE '^dnsprop_canary_missed_total\{zone="lab.test."\} [1-9]' "$tmp/up.txt" &&
    grep -q 'dnsprop_build_info{.*command="monitor"} 1' "$tmp/up.txt"; then
    ok "metrics: knot's last canary +Inf while down, a time after; missed intervals counted"
else
    ko "monitor metrics" "$(grep -E 'canary|build' "$tmp/down.txt" "$tmp/up.txt")"
fi
# Prometheus scraped the monitor every second: its p99 per nameserver is in
# the bucket of the monitor's own report's
rep=$(ls "$tmp"/results/mon-*/report.json 2>/dev/null | head -1)
if /usr/bin/python3 - "http://127.0.0.1:$pport" "$rep" > "$tmp/pq.out" 2>&1 <<'PY'
import json, sys, urllib.parse, urllib.request
api, report = sys.argv[1], json.load(open(sys.argv[2]))
def q(expr):
    url = api + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    r = json.load(urllib.request.urlopen(url))
    return {x["metric"].get("nameserver", ""): float(x["value"][1]) for x in r["data"]["result"]}
b = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10,
     15, 20, 30, 45, 60, 90, 120, 300, 600, 1800, 3600]
bucket = lambda v: next(i for i, x in enumerate(b) if v <= x)
p99 = q("histogram_quantile(0.99, sum by (le, nameserver) "
        "(last_over_time(dnsprop_propagation_seconds_bucket[2m])))")
polls = q("sum by (nameserver) (last_over_time(dnsprop_polls_total[2m]))")
for ns in report["slowest_nameservers"]:
    n = ns["nameserver"]
    assert bucket(ns["p99"]) - 1 <= bucket(p99[n]) <= bucket(ns["p99"]), (n, p99[n], ns)
    want = report["statistics"]["nameservers"][n]["count"]
    assert polls[n] == want, (n, polls[n], want)
print(", ".join(f"{n} {v:.2f} s" for n, v in sorted(p99.items())))
PY
then ok "PromQL p99 per nameserver agrees with the monitor's report: $(cat "$tmp/pq.out")"
else ko "PromQL vs the monitor's report" "$(cat "$tmp/pq.out")"; fi
kill "$prom_pid" && wait "$prom_pid"
prom_pid=
seq=$(dig +short +norec -p "${LAB_PDNS_ADDR##*:}" @127.0.0.1 TXT "_dnsprop-canary.$LAB_ZONE")
soa=$(dig +short +norec -p "${LAB_PDNS_ADDR##*:}" @127.0.0.1 SOA "$LAB_ZONE")
if [[ $seq == *"dnsprop canary seq=15 "* ]] && [ -n "$soa" ]; then
    ok "the primary serves the last canary ($seq); the zone was not deleted"
else
    ko "last canary at the primary" "TXT: $seq; SOA: $soa"
fi

# -- a report of a window of the monitor: only the canaries made in it ----------------
"$bin" report "$c" --results "$tmp/results" --since "$t_down" --until "$t_up" \
    --out "$tmp/window" --no-render > /dev/null 2> "$tmp/window.err"
if python3 - "$tmp/mon.csv" "$tmp/window/report.json" "$t_down" "$t_up" > "$tmp/win.out" 2>&1 <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
rep = json.load(open(sys.argv[2]))
lo, hi = float(sys.argv[3]), float(sys.argv[4])
want = [r for r in rows if lo <= float(r["start_time"]) < hi]
ov = rep["statistics"]["overall"]
assert 0 < ov["count"] == len(want) < len(rows), (ov["count"], len(want), len(rows))
assert ov["timeouts"] + ov["errors"] == sum(r["status"] != "COMPLETED" for r in want), ov
assert abs(rep["window"]["since"] - lo) < 1e-3 and abs(rep["window"]["until"] - hi) < 1e-3
print(f"{ov['count']} of {len(rows)} results, {ov['timeouts'] + ov['errors']} not served")
PY
then ok "report --since/--until: the window's results only ($(cat "$tmp/win.out"))"
else ko "report window" "$(cat "$tmp/win.out" "$tmp/window.err")"; fi
expect "report --until before --since" 64 "must come after" -- \
    "$bin" report "$c" --results "$tmp/results" --since 2000 --until 1000
expect "report --since garbage" 64 "ISO 8601" -- \
    "$bin" report "$c" --results "$tmp/results" --since yesterday

# -- retention: a monitor's results older than it leave the store as it runs
scenario aged "zones = $LAB_ZONE" "interval = 1" > "$tmp/aged.ini"
"$bin" monitor --quiet --duration 20 --retention 6 "$tmp/aged.ini" > "$tmp/aged.json" \
    2> "$tmp/aged.err"
rc=$?
t_end=$(date +%s.%N)
ca=$(last_campaign "$bin" "$tmp/results" aged)
"$bin" export "$ca" --results "$tmp/results" --out "$tmp/aged.csv" 2>/dev/null
if [ "$rc" -eq 0 ] && python3 - "$tmp/aged.csv" "$tmp/aged.json" "$t_end" > "$tmp/aged.out" 2>&1 <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
s = json.load(open(sys.argv[2]))
end = float(sys.argv[3])
assert s["results_expired"] > 0, s
assert len(rows) == s["polls"] - s["results_expired"], (len(rows), s)
oldest = min(float(r["start_time"]) for r in rows)
# trimmed every 1.5 s (a quarter of 6 s) at most, once a canary ends
assert oldest > end - 6 - 1.5 - 5 - 3, (oldest, end)
print(f"{s['results_expired']} of {s['polls']} results expired, the oldest kept "
      f"{end - oldest:.1f} s old")
PY
then ok "--retention 6: $(cat "$tmp/aged.out")"
else ko "monitor retention (exit $rc)" "$(cat "$tmp/aged.out" "$tmp/aged.err")"; fi

# -- serial = yes: each canary also bumps the zone's serial, measured as such
scenario ser "zones = $LAB_ZONE" "interval = 3" "serial = yes" > "$tmp/ser.ini"
"$bin" monitor --quiet --duration 8 "$tmp/ser.ini" > "$tmp/ser.json" 2> "$tmp/ser.err"
rc=$?
cs=$(last_campaign "$bin" "$tmp/results" ser)
"$bin" export "$cs" --results "$tmp/results" --out "$tmp/ser.csv" 2>/dev/null
if [ "$rc" -eq 0 ] && python3 - "$tmp/ser.csv" <<'PY'
import collections, csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
k = collections.Counter((r["op_kind"], r["condition"], r["status"]) for r in rows)
assert set(k) == {("record_update", "value_present", "COMPLETED"),
                  ("zone_update", "serial_not_lower", "COMPLETED")}, k
assert k[("record_update", "value_present", "COMPLETED")] == \
    k[("zone_update", "serial_not_lower", "COMPLETED")] >= 8, k
PY
then ok "serial = yes: a serial bump with each canary, served everywhere"
else ko "serial = yes (exit $rc)" "$(cat "$tmp/ser.json" "$tmp/ser.err" | tail -20)"; fi

# -- SIGTERM: a clean end with what was measured ---------------------------------------
scenario term "zones = $LAB_ZONE" "interval = 1" > "$tmp/term.ini"
"$bin" monitor --quiet "$tmp/term.ini" > "$tmp/term.json" 2> "$tmp/term.err" &
mon_pid=$!
sleep 6
kill -TERM "$mon_pid"
wait "$mon_pid"
rc=$?
mon_pid=
rep=$(ls "$tmp"/results/term-*/report.json 2>/dev/null | head -1)
if [ "$rc" -eq 0 ] && [ -n "$rep" ] && python3 - "$tmp/term.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
# a canary a second, each ~1 s to reach every nameserver: made or missed
assert s["operations"] >= 2 and s["operations"] + s["canaries_missed"] >= 5, s
assert s["completed"] >= 4 and s["polls"] == 4 * s["operations"], s
PY
then ok "SIGTERM: exit 0, results and report kept"; else ko "SIGTERM (exit $rc)" "$(tail -5 "$tmp/term.err"; cat "$tmp/term.json")"; fi

echo "monitor: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
