#!/usr/bin/env bash
# Campaign faults (issue 12, cases 7, 8 and 12's hanging target), against
# the lab and a redis-server of this script's own (it is paused):
#   7. a campaign SIGKILLed while Redis is paused leaves results in its
#      spool: `dnsprop report` replays them into Redis, reports the
#      campaign INCOMPLETE (report.json, .md, verdict) and exits non-zero;
#      `dnsprop export` replays too.
#   8. a results folder on a 200 KiB tmpfs (needs root to mount): the run
#      exits 2, says where the results are, leaves no empty PNG or
#      truncated report.json; Redis has the results.
#  12. a target that hangs 8 s: the progress line goes on (STALLED), the
#      summary counts the stall and the late operations, the offered rate
#      is the one the target got, and the backlog is not fired in a burst.
#  API. the PowerDNS API stopped for 4 s mid-campaign (a relay in front of
#      it is killed, then started again): the operations it refused are
#      counted failed with the reason, nothing is polled for them, the
#      others are measured and stored, exit 1.
#  NS. a secondary (Knot) stopped mid-campaign: its polls end ERROR
#      (unreachable) and are stored like any other, the primary's all
#      complete, exit 1; Knot serves again once started.
# Usage: tests/faults/test_campaign_faults.sh ./dnsprop-asan (LAB_* set).
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/../cli/lib.sh"
bin=$(readlink -f "${1:-./dnsprop-asan}")
here=$(readlink -f "$(dirname "$0")")
: "${LAB_DIR:?run through tests/run-tests.sh (needs the lab)}"
need_tools test_campaign_faults redis-server redis-cli python3 pdnsutil dig curl
tmp=$(mktemp -d)
redis_pid=
run_pid=
relay_pid=
tiny=
cleanup() {
    [ -n "$run_pid" ] && kill -KILL "$run_pid" 2>/dev/null
    [ -n "$relay_pid" ] && kill -KILL "$relay_pid" 2>/dev/null
    if [ -n "$redis_pid" ]; then
        kill -CONT "$redis_pid" 2>/dev/null
        kill "$redis_pid" 2>/dev/null
        wait "$redis_pid" 2>/dev/null
    fi
    [ -n "$tiny" ] && umount "$tiny" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1
seed=$((RANDOM * 7 + $$ % 1000 + 1))

port=$(free_port)
mkdir redis
redis-server --port "$port" --bind 127.0.0.1 --dir "$tmp/redis" --save '' \
    --appendonly no --daemonize no --logfile "$tmp/redis/log" &
redis_pid=$!
for _ in $(seq 100); do
    redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break
    sleep 0.05
done
url=redis://127.0.0.1:$port/1
rcli() { redis-cli -p "$port" -n 1 "$@"; }

# A PowerDNS campaign of count operations at 10/s, results under $2
# (api_url, probe_timeout and op_rate override the API, 15 s and 10/s).
pdns_ini() { # NAME RESULTS COUNT PLOTS
    cat <<EOF
[campaign]
name = $1
results = $2
seed = $((seed + ${#1}))
[storage]
redis = $url
[target pdns]
type = powerdns
url = ${api_url:-$LAB_PDNS_API}
api_key_file = $LAB_PDNS_API_KEY_FILE
catalog = $LAB_CATALOG
[nameserver primary]
address = $LAB_PDNS_ADDR
role = primary
[nameserver knot]
address = $LAB_KNOT_ADDR
role = secondary
[probe]
frequency = 0.05
timeout = ${probe_timeout:-15}
[phase steady]
zones = 1
zone_suffix = $1-$seed.faults.test.
count = $3
rate = ${op_rate:-10}
mix = record_create:3 record_update:1
[slo]
p99 = 10
converged = yes
[report]
plots = $4
EOF
}

# killed_midway NAME [S]: a campaign SIGKILLed S s (default 4) after Redis
# was paused (S s into it); Redis resumed. Sets kid (its id) and kspooled
# (results spooled).
killed_midway() {
    pdns_ini "$1" "$tmp/results" 200 no > "$1.ini"
    "$bin" run --quiet "$1.ini" > "$1.out" 2> "$1.err" &
    run_pid=$!
    sleep "${2:-4}"
    kill -STOP "$redis_pid"
    sleep "${2:-4}"
    kill -KILL "$run_pid"
    wait "$run_pid" 2>/dev/null
    run_pid=
    kill -CONT "$redis_pid"
    kid=$(ls "$tmp/results" | grep "^$1-" | head -1)
    kspooled=$(grep -c '^r' "$tmp/results/$kid/spool.jsonl" 2>/dev/null || echo 0)
}

# ---- 7. SIGKILL while Redis is paused, then report and export ----------------------
killed_midway killed 5
id=$kid
spool=$tmp/results/$id/spool.jsonl
spooled=$kspooled
before=$(rcli llen "dnsprop:campaign:$id:results")
if [ -n "$id" ] && [ "$spooled" -gt 0 ]; then
    ok "7: killed with Redis paused: $spooled results in the spool, $before in Redis"
else
    ko "7: the killed campaign left no spooled results (id '$id')" "$(tail -5 killed.err)"
fi
"$bin" report "$id" --redis "$url" --results "$tmp/results" --no-render > rep.out 2> rep.err
rc=$?
after=$(rcli llen "dnsprop:campaign:$id:results")
if [ "$rc" -ne 0 ] && grep -q "INCOMPLETE" rep.err && grep -q "replayed" rep.err; then
    ok "7: dnsprop report replays the spool, says INCOMPLETE and exits $rc"
else
    ko "7: dnsprop report on a killed campaign (exit $rc)" "$(cat rep.err)"
fi
if [ ! -s "$spool" ] && [ "$after" -gt "$before" ] && [ "$after" -le $((before + spooled)) ]; then
    ok "7: the spool is replayed and emptied: Redis has $after results (was $before)"
else
    ko "7: spool replay: Redis $before -> $after, spool $(wc -c < "$spool" 2>/dev/null) bytes"
fi
if python3 - "$tmp/results/$id" <<'PY'; then
import json, sys
d = sys.argv[1]
r = json.load(open(d + "/report.json"))
assert r["complete"] is False and r["slo"]["ok"] is False, r["slo"]
assert any(c["slo"] == "complete" and not c["ok"] for c in r["slo"]["checks"])
md = open(d + "/report.md").read()
assert "INCOMPLETE" in md and "PASS" not in md, md[:600]
assert "INCOMPLETE" in open(d + "/report.html").read()
PY
    ok "7: report.json/md/html mark the campaign incomplete and its verdict failed"
else
    ko "7: the report does not say incomplete"
fi
# export replays as well: a second killed campaign, then export alone
killed_midway killed2
id2=$kid
sp2=$kspooled
"$bin" export "$id2" --redis "$url" --results "$tmp/results" -o export.csv 2> export.err
rc=$?
rows=$(($(wc -l < export.csv) - 1))
n2=$(rcli llen "dnsprop:campaign:$id2:results")
if [ "$sp2" -gt 0 ] && [ "$rc" = 0 ] && [ "$rows" = "$n2" ] &&
    [ ! -s "$tmp/results/$id2/spool.jsonl" ] && grep -q replayed export.err; then
    ok "7: dnsprop export replays the spool first ($sp2 spooled, $rows rows)"
else
    ko "7: export of a killed campaign (exit $rc, $sp2 spooled, $rows rows, $n2 in Redis)" \
        "$(cat export.err)"
fi
# and a new run under the same results folder replays what a killed one
# left before it starts
killed_midway killed3
id3=$kid
sp3=$kspooled
b3=$(rcli llen "dnsprop:campaign:$id3:results")
pdns_ini next "$tmp/results" 4 no > next.ini
"$bin" run next.ini > next.out 2> next.err
rc=$?
a3=$(rcli llen "dnsprop:campaign:$id3:results")
if [ "$sp3" -gt 0 ] && [ "$rc" = 0 ] && [ ! -s "$tmp/results/$id3/spool.jsonl" ] &&
    [ "$a3" -gt "$b3" ] && grep -q "replayed [0-9]* results left in 1 earlier campaign spool" next.err; then
    ok "7: a new run replays a killed campaign's spool first ($sp3 spooled; Redis $b3 -> $a3)"
else
    ko "7: a new run after a killed one (exit $rc, $sp3 spooled, Redis $b3 -> $a3)" \
        "$(grep -i 'replay\|spool\|error' next.err | head -5)"
fi

# ---- 8. a full disk ----------------------------------------------------------------
if [ "$(id -u)" = 0 ] && mkdir -p "$tmp/tiny" && mount -t tmpfs -o size=200k tmpfs "$tmp/tiny"; then
    tiny=$tmp/tiny
    pdns_ini full "$tiny/results" 30 yes > full.ini
    timeout 180 "$bin" run --quiet full.ini > full.out 2> full.err
    rc=$?
    fid=$(ls "$tiny/results" 2>/dev/null | grep '^full-' | head -1)
    n=$(rcli llen "dnsprop:campaign:$fid:results")
    empty=$(find "$tiny/results" \( -name '*.png' -o -name 'report.json' \) -size 0 | wc -l)
    if [ "$rc" = 2 ] && grep -q "No space left on device" full.err &&
        grep -q "the results are kept: $n in redis://" full.err &&
        grep -q "dnsprop report $fid" full.err; then
        ok "8: full disk: exit 2, says the $n results are in Redis and how to rebuild"
    else
        ko "8: full disk (exit $rc, want 2)" "$(grep -v 'kernel clock' full.err | tail)"
    fi
    if [ "$empty" = 0 ] && [ "$n" -gt 0 ]; then
        ok "8: no empty PNG or report.json left behind; Redis holds $n results"
    else
        ko "8: $empty empty files left, $n results in Redis" \
            "$(find "$tiny/results" -size 0)"
    fi
    umount "$tiny" && tiny=
else
    echo "SKIP 8: mounting a 200 KiB tmpfs needs root"
fi

# ---- 12. a target that hangs 8 s ---------------------------------------------------
cat > hang.sh <<'EOF'
#!/bin/sh
# pdnsutil, hanging while the file "hang" beside it holds a future epoch
d=$(dirname "$0")
if [ -f "$d/hang" ]; then
    until=$(cat "$d/hang")
    now=$(date +%s)
    [ "$now" -lt "$until" ] && sleep $((until - now))
fi
exec pdnsutil --config-dir="$LAB_DIR/pdns" "$@"
EOF
chmod +x hang.sh
pdns_port=${LAB_PDNS_ADDR##*:}
cat > hang.ini <<EOF
[campaign]
name = hang
results = $tmp/results
seed = $seed
api_inflight = 2
[target db]
type = exec
zone_create = $tmp/hang.sh create-zone \${zone}
zone_delete = $tmp/hang.sh delete-zone \${zone}
record_create = $tmp/hang.sh replace-rrset \${zone} \${relname} \${type} \${ttl} \${value}
record_update = $tmp/hang.sh replace-rrset \${zone} \${relname} \${type} \${ttl} \${value}
serial = dig +short -p $pdns_port @127.0.0.1 \${zone} SOA
[nameserver primary]
address = $LAB_PDNS_ADDR
role = primary
[probe]
frequency = 0.05
timeout = 10
[phase steady]
zones = 1
zone_suffix = hang-$seed.faults.test.
count = 60
rate = 5
mix = record_create:3 record_update:1
[report]
plots = no
EOF
(sleep 4 && echo $(($(date +%s) + 8)) > hang) &
hang_pid=$!
LAB_DIR=$LAB_DIR timeout 120 "$bin" run --no-store hang.ini > hang.out 2> hang.err
rc=$?
wait "$hang_pid" 2>/dev/null
if grep -q "STALLED [0-9]* s: the target takes no operation" hang.err &&
    grep -q "the target held the schedule back" hang.err; then
    ok "12: the progress line goes on while the target hangs, and says STALLED"
else
    ko "12: no stall shown (exit $rc)" "$(grep -v 'kernel clock' hang.err | tail -15)"
fi
if python3 - hang.out hang.err <<'PY'; then
import json, re, sys
s = json.load(open(sys.argv[1]))
sch = s["schedule"]
assert sch["stalls"] >= 1 and sch["stalled_s"] >= 5 and sch["late_ops"] >= 1, sch
assert s["offered_rate"] < 5 * 0.8, s  # what the target got, not the plan's 5/s
# no burst: between two progress lines (about a second apart), never more
# than the rate plus the queue (api_inflight 2) plus slack
prev = None
worst = 0
for line in open(sys.argv[2]):
    m = re.search(r"\[\s*([0-9.]+)s\] steady\s+ops (\d+) offered", line)
    if m:
        t, n = float(m.group(1)), int(m.group(2))
        if prev is not None and t > prev[0]:
            worst = max(worst, (n - prev[1]) / max(t - prev[0], 1.0))
        prev = (t, n)
assert worst <= 5 + 2 + 3, "a burst of %.0f ops/s after the stall" % worst
PY
    ok "12: the summary counts the stall and late operations; no burst after it"
else
    ko "12: schedule not honest about the stall" "$(cat hang.out | head -40)"
fi

# ---- API: the PowerDNS API stopped mid-campaign ---------------------------------------
# A TCP relay in front of the real API: killing it is the API going away
# (connection refused), starting it again on its port brings it back.
cat > relay.py <<'PY'
import socket, sys, threading
lport, dport = int(sys.argv[1]), int(sys.argv[2])
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", lport))
ls.listen(64)
def pump(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
while True:
    c, _ = ls.accept()
    u = socket.create_connection(("127.0.0.1", dport))
    threading.Thread(target=pump, args=(c, u), daemon=True).start()
    threading.Thread(target=pump, args=(u, c), daemon=True).start()
PY
api_port=$(python3 -c "import urllib.parse,sys; print(urllib.parse.urlsplit(sys.argv[1]).port)" "$LAB_PDNS_API")
rport=$(free_port)
relay() {
    python3 relay.py "$rport" "$api_port" > /dev/null 2>&1 &
    relay_pid=$!
    for _ in $(seq 50); do
        curl -s -o /dev/null "http://127.0.0.1:$rport/" && return 0
        sleep 0.1
    done
}
relay
api_url=${LAB_PDNS_API/:$api_port/:$rport}
op_rate=3 probe_timeout=10 pdns_ini apidown "$tmp/results" 30 no > apidown.ini
api_url=
"$bin" run --quiet apidown.ini > apidown.json 2> apidown.err &
run_pid=$!
sleep 3
kill -KILL "$relay_pid"
wait "$relay_pid" 2>/dev/null
sleep 4
relay
timeout 120 tail --pid=$run_pid -f /dev/null
wait "$run_pid"
rc=$?
run_pid=
kill "$relay_pid" 2>/dev/null
aid=$(ls "$tmp/results" | grep '^apidown-' | head -1)
stored=$(rcli llen "dnsprop:campaign:$aid:results")
if [ "$rc" = 1 ] && python3 - apidown.json "$tmp/results/$aid" "$stored" <<'PY'; then
import json, sys
s = json.load(open(sys.argv[1]))
r = json.load(open(sys.argv[2] + "/report.json"))
stored = int(sys.argv[3])
assert s["failed"] > 0 and s["acked"] > 0, s
assert s["acked"] + s["failed"] == s["operations"], s
# polls for acknowledged changes only, on both nameservers, each stored
assert s["polls"] == 2 * s["acked"], s
assert s["completed"] == s["polls"] and stored == s["polls"], (s, stored)
errs = r["target_errors"]
assert sum(e["count"] for e in errs) == s["failed"], errs
# refused while the relay was down; or, for the one call in flight when it
# was killed, the connection cut with no answer (curl: "Server returned
# nothing", "reset by peer", "Recv failure")
cut = ("onnect", "refused", "returned nothing", "reset", "Recv failure")
assert all(any(c in e["reason"] for c in cut) for e in errs), errs
assert sum(e["count"] for e in errs if "onnect" in e["reason"]) > 0, errs
md = open(sys.argv[2] + "/report.md").read()
assert "## Operations the target refused" in md
print(s["failed"], s["acked"], s["polls"])
PY
    ok "API: stopped 4 s: the refused operations counted failed with the reason, the rest measured and stored, exit 1"
else
    ko "API: the API stopped mid-campaign (exit $rc, $stored stored)" \
        "$(head -c 1500 apidown.json; grep -v 'kernel clock' apidown.err | tail -5)"
fi

# ---- NS: a secondary stopped mid-campaign --------------------------------------------
op_rate=3 probe_timeout=6 pdns_ini nsdown "$tmp/results" 24 no > nsdown.ini
"$bin" run --quiet nsdown.ini > nsdown.json 2> nsdown.err &
run_pid=$!
sleep 3
"$here/../lab/lab.sh" knot-stop "$LAB_DIR" 2> /dev/null
timeout 120 tail --pid=$run_pid -f /dev/null
wait "$run_pid"
rc=$?
run_pid=
"$here/../lab/lab.sh" knot-start "$LAB_DIR" 2> knot-start.err
back=$?
nid=$(ls "$tmp/results" | grep '^nsdown-' | head -1)
"$bin" export "$nid" --redis "$url" --results "$tmp/results" -o nsdown.csv 2> /dev/null
if [ "$rc" = 1 ] && python3 - nsdown.json nsdown.csv <<'PY'; then
import csv, json, sys
s = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == s["polls"] == 2 * s["acked"], (len(rows), s)
by = {}
for r in rows:
    by.setdefault((r["ns_name"], r["status"]), []).append(r)
prim = [k for k in by if k[0] == "primary"]
assert prim == [("primary", "COMPLETED")], sorted(by)
knot_err = by.get(("knot", "ERROR"), [])
assert len(knot_err) > 0 and s["errors"] == len(knot_err), (sorted((k, len(v)) for k, v in by.items()), s)
assert all("unreachable" in r["reason"] for r in knot_err), knot_err[0]
print(len(knot_err))
PY
    ok "NS: Knot stopped mid-campaign: its polls end ERROR (unreachable), stored, the primary's complete, exit 1"
else
    ko "NS: a nameserver stopped mid-campaign (exit $rc)" \
        "$(head -c 1500 nsdown.json; grep -v 'kernel clock' nsdown.err | tail -5)"
fi
[ "$back" = 0 ] && dig +short +time=2 -p "${LAB_KNOT_ADDR##*:}" @127.0.0.1 lab.test. SOA | grep -q . &&
    ok "NS: Knot serves again once started" ||
    ko "NS: Knot did not come back" "$(cat knot-start.err)"

echo "test_campaign_faults: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
