#!/usr/bin/env bash
# `dnsprop run` against the lab: a short campaign completes with every poll
# accounted for and stored; scenario errors name FILE:LINE; SIGINT keeps
# what was measured. Usage: tests/cli/test_run.sh ./dnsprop (with LAB_*).
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
bin=${1:-./dnsprop}
: "${LAB_DIR:?run through tests/run-tests.sh (needs the lab)}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=$(readlink -f "$bin")
cd "$tmp" || exit 1

scenario() { # NAME SEED EXTRA-PHASE-LINES
    printf '%s\n' "[campaign]" "name = $1" "results = $tmp/results" "seed = $2" \
        'include = ${LAB_DIR}/lab.ini' "[probe]" "frequency = 0.05" "timeout = 15" \
        "[phase p]" "zones = 2" "zone_suffix = runtest.test." "$3" "[slo]" "p99 = 10" \
        "max_timeouts = 0" "converged = yes"
}

# 1. a short campaign: every change reaches every nameserver
scenario short 101 "count = 24
rate = 8
mix = record_create:5 record_update:3 record_delete:2 zone_update:1
record_types = A AAAA TXT MX" > short.ini
"$bin" run --quiet short.ini > short.json 2> short.err
rc=$?
nns=$(grep -c '^\[nameserver' "$LAB_DIR/lab.ini")
if [ $rc = 0 ] && python3 - short.json "$nns" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
nns = int(sys.argv[2])
assert s["operations"] == 26 and s["acked"] == 26 and s["failed"] == 0, s
assert s["polls"] == s["operations"] * nns, s
assert s["completed"] + s["timeouts"] + s["errors"] + s["cancelled"] == s["polls"], s
assert s["completed"] == s["polls"] and s["converged"] and s["slo_ok"], s
assert 0 < s["propagation_p99"] < 10, s
PY
then ok "short campaign: all polls completed, SLOs hold"; else ko "short campaign (exit $rc)" "$(cat short.json short.err | tail -20)"; fi

# ... and stored: one result per poll, with the operation's fields
c=$(last_campaign "$bin" "$tmp/results" short)
"$bin" export "$c" --results "$tmp/results" --out short.csv 2>/dev/null
if python3 - short.csv short.json <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
s = json.load(open(sys.argv[2]))
assert len(rows) == s["polls"], (len(rows), s["polls"])
kinds = {r["op_kind"] for r in rows}
assert {"zone_create", "record_create"} <= kinds, kinds
assert all(r["status"] == "COMPLETED" for r in rows)
assert all(float(r["duration"]) >= 0 for r in rows)
PY
then ok "every poll stored with its operation"; else ko "stored results" "$(head -3 short.csv)"; fi

# 1b. zones through the PowerDNS API. A zone DELETE is acknowledged when
#     PowerDNS answers (a body-less call once went as a chunked upload that
#     waited a second for a "100 Continue" PowerDNS never sends), and the
#     cleanup deletes every zone the campaign made, on all 4 API workers'
#     connections at once.
printf '%s\n' "at,op,zone,name,type,ttl,value" "0,zone_create,del1.runtest.test.,,,," \
    "0.2,zone_create,del2.runtest.test.,,,," "0.4,zone_create,del3.runtest.test.,,,," \
    "2,zone_delete,del1.runtest.test.,,,," "2.2,zone_delete,del2.runtest.test.,,,," \
    "2.4,zone_delete,del3.runtest.test.,,,," > del.csv
printf '%s\n' "[campaign]" "name = zonedel" "results = $tmp/results" "seed = 111" \
    'include = ${LAB_DIR}/lab.ini' "[probe]" "frequency = 0.05" "timeout = 15" \
    "[operations]" "file = $tmp/del.csv" > zonedel.ini
"$bin" run --quiet zonedel.ini > zonedel.json 2> zonedel.err
rc=$?
if [ $rc = 0 ] && python3 - "$tmp/results" <<'PY'
import glob, json, sys
r = json.load(open(glob.glob(sys.argv[1] + "/zonedel-*/report.json")[0]))
dels = [c for c in r["changes"] if c["kind"] == "zone_delete"]
assert len(dels) == 3, r["changes"]
assert all(c["api"] < 0.5 for c in dels), [c["api"] for c in dels]
PY
then ok "zone DELETE through the PowerDNS API acknowledged at once (under 0.5 s)"
else ko "zone DELETE acknowledgement (exit $rc)" "$(cat zonedel.json zonedel.err | tail -20)"; fi
printf '%s\n' "[campaign]" "name = cleanup" "results = $tmp/results" "seed = 112" \
    "api_inflight = 4" 'include = ${LAB_DIR}/lab.ini' "[probe]" "frequency = 0.05" \
    "timeout = 15" "[phase p]" "zones = 4" "zone_suffix = cleanup.runtest.test." \
    "count = 16" "rate = 20" "mix = zone_create:1" > cleanup.ini
"$bin" run cleanup.ini > cleanup.json 2> cleanup.err
rc=$?
left=$(curl -s -H "X-API-Key: $(cat "$LAB_PDNS_API_KEY_FILE")" \
    "$LAB_PDNS_API/zones" | python3 -c 'import json, sys
print(sum(z["name"].endswith(".cleanup.runtest.test.") for z in json.load(sys.stdin)))')
if [ $rc = 0 ] && grep -q "cleanup: 20 zones deleted" cleanup.err && [ "$left" = 0 ]; then
    ok "cleanup on 4 API workers: 20 zones deleted, none left in PowerDNS"
else
    ko "cleanup (exit $rc, $left left)" "$(grep -v '^\[' cleanup.err | tail -5)"
fi

# 1c. a signal during the cleanup cuts it short and names what is left:
#     zones made by an exec target (pdnsutil), each delete 0.4 s, one
#     worker (the cleanup runs on each); SIGINT once the first delete has
#     begun
pu="pdnsutil --config-dir=$LAB_DIR/pdns"
printf '%s\n' "[campaign]" "name = cut" "results = $tmp/results" "seed = 113" \
    "api_inflight = 1" "[target db]" "type = exec" "zone_create = $pu create-zone \${zone}" \
    "zone_delete = sh -c \"touch $tmp/cut.mark; sleep 0.4; exec $pu delete-zone \$0\" \${zone}" \
    "[nameserver primary]" "address = $LAB_PDNS_ADDR" "role = primary" \
    "[probe]" "frequency = 0.05" "timeout = 10" "[phase p]" "zones = 12" \
    "zone_suffix = cut.runtest.test." "count = 1" "rate = 20" "mix = zone_create:1" > cut.ini
rm -f cut.mark
"$bin" run --quiet cut.ini > cut.json 2> cut.err &
cut_pid=$!
for _ in $(seq 300); do [ -e cut.mark ] && break; sleep 0.05; done
kill -INT "$cut_pid"
t0=$(date +%s.%N)
wait "$cut_pid"
rc=$?
took=$(python3 -c "import time; print(f'{time.time() - $t0:.1f}')")
cut_left=$($pu list-all-zones 2>/dev/null | grep -c 'cut\.runtest\.test\.\?$' || true)
if [ -e cut.mark ] && python3 - cut.err "$cut_left" "$took" <<'PY'
import re, sys
err = open(sys.argv[1]).read()
m = re.search(r"cleanup: stopped by a signal after (\d+) zone deletes?; (\d+) zones? left "
              r"on the targets \(([^)]*)\)", err)
assert m, err
deleted, left = int(m.group(1)), int(m.group(2))
# 13 zones made; the cut stops it well before the 5 s the deletes would take
assert deleted + left == 13 and 1 <= deleted < 8, (deleted, left)
assert left == int(sys.argv[2]), ("PowerDNS has", sys.argv[2], "left:", left)
assert "cut.runtest.test." in m.group(3), m.group(3)
assert float(sys.argv[3]) < 3.0, sys.argv[3]
PY
then ok "a signal during the cleanup cuts it short (${took} s) and names the $cut_left zones left"
else ko "cleanup cut by a signal (exit $rc, ${took} s, $cut_left left)" "$(tail -5 cut.err)"; fi
$pu list-all-zones 2>/dev/null | grep 'cut\.runtest\.test\.\?$' | while read -r z; do
    $pu delete-zone "$z" > /dev/null 2>&1
done

# 2. the achieved rate tracks the offered one: 40 operations at 20/s
#    (after the zones) take about 2 s of scheduling
scenario rate 102 "count = 40
rate = 20
mix = record_create:1" > rate.ini
"$bin" run rate.ini > rate.json 2> rate.err
if python3 - rate.json rate.err <<'PY'
import json, re, sys
s = json.load(open(sys.argv[1]))
assert s["acked"] == 42 and s["slo_ok"], s
assert abs(s["offered_rate"] - 20) < 1, s
assert abs(s["achieved_rate"] / s["offered_rate"] - 1) < 0.2, s
PY
then ok "rate campaign: achieved rate tracks the offered 20/s"; else ko "rate campaign" "$(cat rate.json)"; fi

# 3. scenario errors: FILE:LINE, section, key; exit 2, nothing starts
scenario bad 103 "count = 5
rate = fast
mix = record_create:1" > bad.ini
expect "bad rate names file:line" 2 "bad.ini:13: \[phase p\] rate: 'fast'" -- "$bin" run bad.ini
printf '[campaign]\nname = x\n[target t]\ntype = powerdns\nurl = http://127.0.0.1:1\napi_key = k\n[nameserver n]\naddress = 127.0.0.1:1\n[phase p]\ncount = 1\nrate = 1\nmix = record_create:1\n[slo]\np99 = soon\n' > bad2.ini
expect "bad slo names file:line" 2 "bad2.ini:14: \[slo\] p99" -- "$bin" run bad2.ini
expect "missing file" 2 "cannot open" -- "$bin" run nope.ini

# 4. an operation table (the shipped example): every change seen everywhere
repo=$(cd "$(dirname "$bin")" && pwd)
printf '%s\n' "[campaign]" "name = table" "results = $tmp/results" \
    'include = ${LAB_DIR}/lab.ini' "[probe]" "frequency = 0.05" "timeout = 15" \
    "[operations]" "file = $repo/workloads/example-ops.csv" "[slo]" "converged = yes" \
    > table.ini
"$bin" run --quiet table.ini > table.json 2> table.err
rc=$?
if [ $rc = 0 ] && python3 - table.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["operations"] == 9 and s["acked"] == 9 and s["completed"] == s["polls"], s
PY
then ok "operation table: 9 operations, every poll completed"; else ko "operation table (exit $rc)" "$(cat table.json table.err | tail)"; fi
printf 'at,op,zone,name,type,ttl,value\n0,zone_create,t.test.,,,,\n1,record_create,t.test.,www,A,60,192.0.2.300\n' > bad-ops.csv
printf '%s\n' "[campaign]" "name = badtable" "results = $tmp/results" \
    'include = ${LAB_DIR}/lab.ini' "[operations]" "file = $tmp/bad-ops.csv" > badtable.ini
expect "bad table row names file:line and field" 2 "bad-ops.csv:3: field 'value': '192.0.2.300'" -- \
    "$bin" run badtable.ini

# 5. an exec target: pdnsutil (a real command, run without a shell) changes
#    the primary's database; the primary serves it at once
printf '%s\n' "[campaign]" "name = exec" "results = $tmp/results" \
    "[target db]" "type = exec" \
    'record_create = pdnsutil --config-dir=${LAB_DIR}/pdns replace-rrset ${zone} ${relname} ${type} ${ttl} ${value}' \
    'record_update = pdnsutil --config-dir=${LAB_DIR}/pdns replace-rrset ${zone} ${relname} ${type} ${ttl} ${value}' \
    'record_delete = pdnsutil --config-dir=${LAB_DIR}/pdns delete-rrset ${zone} ${relname} ${type}' \
    "[nameserver primary]" "address = $LAB_PDNS_ADDR" "role = primary" \
    "[probe]" "frequency = 0.05" "timeout = 10" "[operations]" "file = $tmp/exec-ops.csv" \
    "[slo]" "converged = yes" "max_timeouts = 0" > exec.ini
printf '%s\n' "at,op,zone,name,type,ttl,value" "0,record_create,lab.test.,ex1,A,60,192.0.2.91" \
    '0.2,record_create,lab.test.,ex2,TXT,60,"""via exec, no shell"""' \
    "0.4,record_update,lab.test.,ex1,A,60,192.0.2.92" "0.6,record_delete,lab.test.,ex2,TXT,," \
    > exec-ops.csv
"$bin" run --quiet exec.ini > exec.json 2> exec.err
rc=$?
if [ $rc = 0 ] && python3 - exec.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["acked"] == 4 and s["completed"] == 4 and s["slo_ok"], s
PY
then ok "exec target (pdnsutil): 4 changes applied and seen"; else ko "exec target (exit $rc)" "$(cat exec.json exec.err | tail)"; fi
sed -i 's/replace-rrset/no-such-subcommand/' exec.ini
expect "exec failure is reported with the command's stderr" 1 "pdnsutil exited" -- \
    "$bin" run exec.ini

# 6. reverse zones (the shipped workload): A/AAAA + PTR pairs, the
#    in-addr.arpa./ip6.arpa. zones derived from the prefixes
repo_ini=$(cd "$(dirname "$bin")" && pwd)/workloads/reverse.ini
sed "s|^results = results|results = $tmp/results|" "$repo_ini" > reverse.ini
"$bin" run --quiet reverse.ini > reverse.json 2> reverse.err
rc=$?
if [ $rc = 0 ] && python3 - reverse.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
# 2 phases: forward and reverse zones, each reverse zone's parent (the lab
# serves none) and its delegation, then 14 + 10 pairs
assert s["operations"] == 2 * 4 + 2 * 14 + 2 * 10 and s["failed"] == 0, s
assert s["completed"] == s["polls"] and s["slo_ok"], s
PY
then ok "reverse phases: A/AAAA + PTR pairs seen everywhere"; else ko "reverse (exit $rc)" "$(cat reverse.json reverse.err | tail)"; fi

# 7. zone sync: plan against what the primary serves (AXFR), dry run,
#    apply, converge; an unsafe plan is refused unless --force
repo=$(cd "$(dirname "$bin")" && pwd)
szone="sync-$$.test."
"$repo/tests/lab/lab.sh" zone-create "$szone" "$LAB_DIR" > /dev/null 2>&1
{
    printf '$ORIGIN %s\n$TTL 120\n@ SOA ns1 hostmaster 1 60 10 604800 60\n@ NS ns1.lab.test.\n' "$szone"
    for i in $(seq 1 20); do printf 'h%d A 192.0.2.%d\n' "$i" "$i"; done
    printf 'txt TXT "synced, with a comma"\n'
} > want1.zone
{
    printf '$ORIGIN %s\n$TTL 120\n@ SOA ns1 hostmaster 1 60 10 604800 60\n@ NS ns1.lab.test.\n' "$szone"
    for i in $(seq 1 5); do printf 'h%d A 192.0.2.%d\n' "$i" "$i"; done
} > want2.zone
sync_ini() { # ZONEFILE
    printf '%s\n' "[campaign]" "name = sync" "results = $tmp/results" "cleanup = no" \
        'include = ${LAB_DIR}/lab.ini' "[probe]" "frequency = 0.05" "timeout = 15" \
        "[phase sync]" "zonefile = $1" "zone = $szone" "rate = 20" \
        "[slo]" "converged = yes" "max_timeouts = 0"
}
sync_ini want1.zone > sync1.ini
"$bin" run --dry-run --quiet sync1.ini > plan1.json 2> plan1.txt
if [ $? = 0 ] && python3 - plan1.json <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))[0]
assert p["creates"] == 21 and p["updates"] == 0 and p["deletes"] == 0, p
PY
then ok "sync dry run: 21 creates planned, nothing applied"; else ko "sync dry run" "$(cat plan1.json plan1.txt | tail)"; fi
"$bin" run --quiet sync1.ini > sync1.json 2> sync1.err
if [ $? = 0 ] && python3 - sync1.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["acked"] == 21 and s["completed"] == s["polls"] and s["slo_ok"], s
PY
then ok "sync applied: 21 changes seen on every nameserver"; else ko "sync apply" "$(cat sync1.json sync1.err | tail)"; fi
"$bin" run --dry-run --quiet sync1.ini > plan1b.json 2>/dev/null
python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))[0]; assert p["creates"]+p["updates"]+p["deletes"]==0, p' plan1b.json &&
    ok "after the sync the plan is empty" || ko "after the sync the plan is empty" "$(cat plan1b.json)"
sync_ini want2.zone > sync2.ini
expect "unsafe plan refused (16 of 21 deletes)" 2 "unsafe: .*delete.*--force" -- "$bin" run --quiet sync2.ini
"$bin" run --quiet --force sync2.ini > sync2.json 2> sync2.err
if [ $? = 0 ] && python3 - sync2.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["acked"] == 16 and s["completed"] == s["polls"], s
PY
then ok "--force applies it: 16 deletes seen everywhere"; else ko "--force" "$(cat sync2.json sync2.err | tail)"; fi
"$repo/tests/lab/lab.sh" zone-delete "$szone" "$LAB_DIR" > /dev/null 2>&1

# 8. SIGINT: stops offering, keeps and stores what it measured, exit 130
scenario interrupted "$((1000 + $$ % 50000))" "duration = 30
rate = 5
mix = record_create:1" > int.ini
"$bin" run --quiet int.ini > int.json 2> int.err &
pid=$!
sleep 6 # the zones first (about 2 s), then record changes
kill -INT "$pid"
wait "$pid"
rc=$?
if [ $rc = 130 ] && python3 - int.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert 5 <= s["operations"] < 100, s
assert s["completed"] + s["timeouts"] + s["errors"] + s["cancelled"] == s["polls"], s
assert s["completed"] > 0, s
PY
then ok "SIGINT: exit 130 with a summary of what was measured"; else ko "SIGINT (exit $rc)" "$(cat int.json int.err | tail)"; fi
if python3 - int.json "$tmp"/results/interrupted-*/report.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
r = json.load(open(sys.argv[2]))
assert r["results"] == s["polls"], (r["results"], s["polls"])
assert r["statistics"]["overall"]["count"] == s["polls"], r["statistics"]["overall"]
assert r["statistics"]["overall"]["cancelled"] == s["cancelled"], r["statistics"]["overall"]
assert r["assessment"] is None  # not assessed: stopped
PY
then ok "SIGINT: the report holds every poll, cancelled ones counted"; else ko "SIGINT report" ""; fi

# 8b. SIGINT while API calls are under way: they finish, and the summary
#     counts them and their polls (cancelled), computed once the workers
#     are done (before, it was made beside them: an operation acked after
#     it was missing, or its polls counted as never answered)
printf '%s\n' "at,op,zone,name,type,ttl,value" "0,record_create,lab.test.,slow1,A,60,192.0.2.61" \
    "0.1,record_create,lab.test.,slow2,A,60,192.0.2.62" > slow-ops.csv
printf '%s\n' "[campaign]" "name = slowint" "results = $tmp/results" "[target db]" "type = exec" \
    "record_create = sleep 2" "[nameserver primary]" "address = $LAB_PDNS_ADDR" \
    "role = primary" "[probe]" "frequency = 0.05" "timeout = 10" "[operations]" \
    "file = $tmp/slow-ops.csv" > slowint.ini
"$bin" run --quiet slowint.ini > slowint.json 2> slowint.err &
pid=$!
sleep 1
kill -INT "$pid"
wait "$pid"
rc=$?
if [ $rc = 130 ] && python3 - slowint.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["operations"] == 2 and s["acked"] == 2 and s["polls"] == 2, s
assert s["cancelled"] == 2 and s["unanswered"] == 0, s
PY
then ok "SIGINT during API calls: both finish, acked, their polls counted (cancelled)"
else ko "SIGINT during API calls (exit $rc)" "$(cat slowint.json slowint.err | tail)"; fi

# 9. --statsd: live metrics of a local campaign, to a UDP listener
port=$(free_port)
statsd_listen "$port" statsd.log &
listener=$!
statsd_wait statsd.log
scenario metrics 109 "count = 10
rate = 10
mix = record_create:1" > metrics.ini
"$bin" run --quiet --statsd "127.0.0.1:$port" metrics.ini > metrics.json 2> metrics.err
sleep 0.5
kill "$listener" 2>/dev/null
if python3 - statsd.log metrics.json <<'PY'
import collections, json, sys
s = json.load(open(sys.argv[2]))
c = collections.Counter()
t = collections.Counter()
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    name, rest = line.split(":", 1)
    val, kind = rest.split("|")
    if kind == "c":
        c[name] += int(float(val))
    elif kind == "ms":
        t[name] += 1
assert c["dnsprop.ops.offered"] == s["operations"] == c["dnsprop.ops.acknowledged"], c
assert c["dnsprop.polls.completed"] == s["completed"], c
assert c["dnsprop.probe.queries"] > 0, c
assert t["dnsprop.ns.knot.propagation_ms"] == s["operations"], t
assert t["dnsprop.ops.api_ms"] == s["operations"], t
PY
then ok "--statsd: counters and timers of a local campaign arrive"; else ko "--statsd" "$(head -5 statsd.log; cat metrics.err)"; fi

echo "run: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
