#!/usr/bin/env bash
# Probe agents over Redis Streams, for real: a campaign with [probe] mode =
# agents over two vantages, three agents against one redis-server and the
# lab, one agent killed with SIGKILL mid-campaign: every poll request gets
# exactly one result per vantage, the report breaks them down by vantage,
# the campaign's and the agents' metrics reach a statsd listener, and an
# agent's Prometheus figures count every poll of its vantage.
# Usage: tests/cli/test_agents.sh ./dnsprop (with LAB_* and DNSPROP_TEST_REDIS).
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
bin=${1:-./dnsprop}
: "${LAB_DIR:?run through tests/run-tests.sh (needs the lab)}"
: "${DNSPROP_TEST_REDIS:?run through tests/run-tests.sh (needs a redis-server)}"
need_tools test_agents python3 redis-cli
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
bin=$(readlink -f "$bin")
cd "$tmp" || exit 1
# a database of its own: the streams and agents of this test only
redis=${DNSPROP_TEST_REDIS%/*}/7
redis-cli -u "$redis" FLUSHDB > /dev/null

# a statsd listener: every datagram, one per line, into statsd.log
statsd_port=$(free_port)
statsd_listen "$statsd_port" statsd.log &
pids+=($!)
statsd_wait statsd.log
disown

cat > ag.ini <<EOF
[campaign]
name = agents
results = $tmp/results
seed = 811
include = \${LAB_DIR}/lab.ini
[storage]
redis = $redis
[probe]
frequency = 0.05
timeout = 15
mode = agents
vantages = east west
reclaim_after = 2
[metrics]
statsd = 127.0.0.1:$statsd_port
prefix = dnsprop.test
[phase p]
zones = 2
zone_suffix = agentstest.test.
count = 40
rate = 5
mix = record_create:3 record_update:1 record_delete:1
[slo]
p99 = 10
max_timeouts = 0
converged = yes
EOF

agent() { # CONSUMER VANTAGE [AGENT OPTIONS...]
    "$bin" agent --redis "$redis" --vantage "$2" --reclaim-after 2 --consumer "$1" \
        --statsd "127.0.0.1:$statsd_port" "${@:3}" 2> "$1.log" &
    pids+=($!)
    disown
}
agent e1 east
e1=$!
agent e2 east
w1_metrics=$(free_port)
agent w1 west --metrics-listen "127.0.0.1:$w1_metrics"
sleep 1
"$bin" run --quiet ag.ini > ag.json 2> ag.err &
run=$!
sleep 5 # the zones first (about 2 s), then record changes: e1 has polls in flight
kill -9 "$e1"
wait "$run"
rc=$?
sleep 0.5
id=$(ls "$tmp/results" | grep '^agents-' | head -1)

if [ $rc = 0 ] && python3 - ag.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["operations"] == 42 and s["failed"] == 0, s
nns = 4
assert s["polls"] == s["operations"] * nns * 2, s   # one per nameserver and vantage
assert s["completed"] == s["polls"] and s["converged"], s
PY
then ok "campaign over two vantages, one agent killed: every poll completed"
else ko "agents campaign (exit $rc)" "$(cat ag.json; tail -5 ag.err e1.log e2.log w1.log)"; fi

if grep -q "took over" e2.log; then
    ok "the killed agent's pending polls were taken over ($(grep -c 'took over' e2.log))"
else
    ko "nothing taken over from the killed agent" "$(tail -5 e2.log)"
fi

"$bin" export "$id" --redis "$redis" --out results.csv 2> /dev/null
if python3 - results.csv ag.json <<'PY'
import collections, csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
s = json.load(open(sys.argv[2]))
keys = collections.Counter((r["op_id"], r["ns_name"], r["vantage"]) for r in rows)
assert len(rows) == s["polls"], (len(rows), s["polls"])
assert max(keys.values()) == 1, [k for k, v in keys.items() if v > 1][:5]
by = collections.Counter(r["vantage"] for r in rows)
assert by == {"east": s["polls"] // 2, "west": s["polls"] // 2}, by
assert len({r["seq"] for r in rows}) == len(rows)
PY
then ok "exactly one stored result per poll request and vantage, none lost"
else ko "stored results" "$(head -3 results.csv)"; fi

if python3 - "$tmp/results/$id/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
v = r["statistics"]["vantages"]
assert set(v) == {"east", "west"}, v
assert v["east"]["completed"] == v["west"]["completed"] > 0, v
nv = r["statistics"]["ns_vantage"]
assert set(nv["primary"]) == {"east", "west"}, nv
plots = {p["name"]: p for p in r["plots"]}
assert "vantages" in plots and plots["vantages"]["png"], plots.keys()
PY
then ok "the report and plots break results down by vantage"; else ko "report by vantage" ""; fi

# the west agent's Prometheus figures: every west poll, by vantage
curl -sf "http://127.0.0.1:$w1_metrics/metrics" > w1.prom
if python3 - w1.prom ag.json <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
s = json.load(open(sys.argv[2]))
polls = sum(float(v) for v in re.findall(r'^dnsprop_polls_total\{[^}]*\} (\S+)$', text, re.M))
assert polls == s["polls"] // 2, (polls, s["polls"])
counts = re.findall(r'^dnsprop_propagation_seconds_count\{[^}]*vantage="west"[^}]*\} (\S+)$',
                    text, re.M)
assert counts and sum(map(float, counts)) == polls, counts
assert 'command="agent"' in text
PY
then ok "agent --metrics-listen: every west poll counted, by vantage"
else ko "agent metrics" "$(grep -v '^#' w1.prom | grep -v bucket | head)"; fi

# the agents' heartbeat and clock status
if python3 - "$(redis-cli -u "$redis" --raw HGET dnsprop:agent:east:e2 clock)" \
    "$(redis-cli -u "$redis" --raw HGET dnsprop:agent:east:e2 stored)" <<'PY'
import json, sys
c = json.loads(sys.argv[1])
assert "synchronised" in c and "maxerror_s" in c, c
assert int(sys.argv[2]) > 0
PY
then ok "agents record their clock status and counts"; else ko "agent hash" ""; fi

# statsd: the campaign's counters equal the summary; timers per nameserver;
# the agents' counters too
for p in "${pids[@]:1}"; do kill "$p" 2>/dev/null; done
sleep 1
if python3 - statsd.log ag.json <<'PY'
import collections, json, re, sys
s = json.load(open(sys.argv[2]))
counts = collections.Counter()
timers = collections.Counter()
for line in open(sys.argv[1]):
    m = re.fullmatch(r"([A-Za-z0-9_.-]+):(-?[0-9.]+)\|(c|ms|g)", line.strip())
    if not line.strip():
        continue
    assert m, line
    name, val, kind = m.groups()
    if kind == "c":
        counts[name] += float(val)
    elif kind == "ms":
        timers[name] += 1
assert counts["dnsprop.test.ops.offered"] == s["operations"], counts
assert counts["dnsprop.test.ops.acknowledged"] == s["acked"], counts
assert counts["dnsprop.test.polls.completed"] == s["completed"], counts
assert counts["dnsprop.test.probe.queries"] >= 0
for ns in ("primary", "knot", "bind", "nsd"):
    assert timers["dnsprop.test.ns.%s.propagation_ms" % ns] == s["completed"] // 4, (ns, timers)
# (the killed agent's last counts, up to 100 ms of them, died with it)
agent_done = sum(v for k, v in counts.items() if k.startswith("dnsprop.agent.") and k.endswith("polls.completed"))
assert 0.8 * s["completed"] <= agent_done <= s["completed"], (agent_done, s["completed"])
PY
then ok "statsd: campaign counters match the summary, a timer per poll and nameserver, agents' counters"
else ko "statsd metrics" "$(head -5 statsd.log)"; fi

# a vantage no agent serves: its polls get no result, the run says so
python3 - ag.ini > orphan.ini <<'PY'
import re, sys
t = open(sys.argv[1]).read()
t = re.sub(r"(?m)^vantages = .*", "vantages = nobody", t)
t = re.sub(r"(?m)^timeout = .*", "timeout = 3", t)
t = re.sub(r"(?m)^reclaim_after = .*", "reclaim_after = 1", t)
t = re.sub(r"(?m)^count = .*", "count = 2", t)
t = re.sub(r"(?m)^name = .*", "name = orphan", t)
t = re.sub(r"(?ms)^\[metrics\].*?^prefix = [^\n]*\n", "", t)
print(t)
PY
"$bin" run --quiet orphan.ini > orphan.json 2> orphan.err
rc=$?
if [ $rc = 1 ] && python3 - orphan.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["unanswered"] == s["polls"] > 0 and s["completed"] == 0, s
assert any("no result" in f and "vantage" in f for f in s["slo_failures"]), s
PY
then ok "a vantage without agents: exit 1, its polls counted as unanswered, no hang"
else ko "vantage without agents (exit $rc)" "$(cat orphan.json orphan.err | tail)"; fi

# errors
expect "agent without --redis" 64 "--redis" -- "$bin" agent --vantage east
expect "agent with a bad vantage" 64 "--vantage" -- "$bin" agent --redis "$redis" --vantage 'a b'
printf '[campaign]\nname = x\n[target t]\ntype = powerdns\nurl = http://127.0.0.1:1\napi_key = k\n[nameserver n]\naddress = 127.0.0.1:1\n[probe]\nmode = agents\n[phase p]\ncount = 1\nrate = 1\nmix = record_create:1\n' > novantage.ini
expect "mode = agents without vantages" 2 "needs vantages" -- "$bin" run novantage.ini
printf '[campaign]\nname = x\n[probe]\nvantages = ok bad/name\n' > badvantage.ini
expect "a bad vantage name names file:line" 2 "badvantage.ini:4: \[probe\] vantages" -- "$bin" run badvantage.ini

echo "agents: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
