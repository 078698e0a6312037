#!/usr/bin/env bash
# Faults under [probe] mode = agents (issue 12, cases 6 and 9), against the
# lab and a redis-server of this test's own (it is stopped and started
# again: never the shared one). Redis keeps its data across a restart here
# (appendonly yes, appendfsync always): a restart without persistence loses
# the streams, the done-hashes and the stored results with them, and the
# campaign then reports the polls it published before as unanswered.
#  6a. Redis restarted (3 s down) mid-campaign: the agents and the campaign
#      reconnect; every poll gets exactly one result per vantage, exit 0,
#      and `dnsprop report` from Redis agrees.
#  6b. Redis down for longer than the campaign can wait: the polls it could
#      not measure are counted (every poll is a result or unanswered, none
#      dropped from the count), exit 1, Redis holds exactly the results the
#      campaign counted.
#  9.  An agent SIGSTOPped 8 s at the end of the campaign: another takes its
#      polls over; its late results are refused once the campaign has
#      closed; exactly one result per poll, the campaign's verdict and
#      `dnsprop report`'s agree.
# Usage: tests/faults/test_agents_faults.sh ./dnsprop-asan (with LAB_*).
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/../cli/lib.sh"
bin=${1:-./dnsprop-asan}
: "${LAB_DIR:?run through tests/run-tests.sh or tests/faults/run.sh (needs the lab)}"
need_tools test_agents_faults python3 redis-cli redis-server
bin=$(readlink -f "$bin")
tmp=$(mktemp -d)
pids=()
redis_pid=
cleanup() {
    for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; done
    [ -n "$redis_pid" ] && kill -9 "$redis_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1
mkdir redis
port=$(free_port)
R=redis://127.0.0.1:$port/3

redis_start() {
    redis-server --port "$port" --bind 127.0.0.1 --dir "$tmp/redis" --save '' \
        --appendonly yes --appendfsync always --daemonize no \
        --logfile "$tmp/redis/log" > /dev/null 2>&1 &
    redis_pid=$!
    disown
    for _ in $(seq 100); do
        redis-cli -p "$port" ping 2> /dev/null | grep -q PONG && return 0
        sleep 0.05
    done
    echo "redis-server did not start on port $port" >&2
    return 1
}
redis_stop() { # SIGTERM: a clean shutdown (the AOF is complete)
    kill "$redis_pid"
    for _ in $(seq 100); do kill -0 "$redis_pid" 2> /dev/null || break; sleep 0.05; done
    redis_pid=
}
redis_start || exit 1

agent() { # CONSUMER VANTAGE RECLAIM
    "$bin" agent --redis "$R" --vantage "$2" --reclaim-after "$3" --consumer "$1" \
        2> "$1.log" &
    pids+=($!)
    disown
}
stop_agents() { # kill them (they must still run) and wait, up to 10 s
    local p alive=0
    for p in "$@"; do kill -0 "$p" 2> /dev/null && alive=$((alive + 1)); kill "$p" 2> /dev/null; done
    for _ in $(seq 100); do
        local left=0
        for p in "$@"; do kill -0 "$p" 2> /dev/null && left=1; done
        [ $left = 0 ] && break
        sleep 0.1
    done
    echo "$alive"
}
scenario() { # NAME VANTAGES TIMEOUT RECLAIM COUNT
    cat <<EOF
[campaign]
name = $1
results = $tmp/results
seed = 1206
include = \${LAB_DIR}/lab.ini
[storage]
redis = $R
[probe]
frequency = 0.05
timeout = $3
mode = agents
vantages = $2
reclaim_after = $4
[phase p]
zones = 2
zone_suffix = $1.faults.test.
count = $5
rate = 10
mix = record_create:3 record_update:1 record_delete:1
[slo]
p99 = 10
max_timeouts = 0
converged = yes
EOF
}
# results of CAMPAIGN in Redis: rows, and how many poll@vantage have more than one
stored() {
    "$bin" export "$1" --redis "$R" --out "$1.csv" 2> /dev/null
    python3 - "$1.csv" <<'PY'
import collections, csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
k = collections.Counter((r["op_id"], r["ns_name"], r["vantage"]) for r in rows)
print(len(rows), sum(1 for v in k.values() if v > 1))
PY
}
# `dnsprop report` from Redis: exit status, results and SLO verdict
report() { # CAMPAIGN
    "$bin" report "$1" --redis "$R" --results "$tmp/results" --no-render --out "rep-$1" \
        > "rep-$1.out" 2>&1
    local rc=$?
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["results"], r["slo"]["ok"])' \
        "rep-$1/report.json" 2> /dev/null | sed "s/^/$rc /"
}
summary() { # FILE: polls completed unanswered slo_ok
    python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["operations"], s["polls"], s["completed"], s["unanswered"], s["slo_ok"])' "$1" 2> /dev/null
}
campaign_of() { ls "$tmp/results" | grep "^$1-" | head -1; }

# ---- 6a: a 3-second Redis restart mid-campaign --------------------------------------
scenario outage "east west" 10 2 60 > outage.ini
agent e1 east 2
a1=$!
agent w1 west 2
a2=$!
sleep 1
"$bin" run --quiet outage.ini > outage.json 2> outage.err &
run=$!
pids+=($run)
sleep 5 # zones made (about 2 s), record changes under way
redis_stop
sleep 3
redis_start || exit 1
timeout 120 tail --pid=$run -f /dev/null
wait $run
rc=$?
alive=$(stop_agents "$a1" "$a2")
id=$(campaign_of outage)
read -r ops polls completed unanswered slo <<< "$(summary outage.json)"
read -r rows dups <<< "$(stored "$id")"
read -r rrc rresults rslo <<< "$(report "$id")"
if [ "$rc" = 0 ] && [ "$alive" = 2 ] && [ "$polls" = $((ops * 4 * 2)) ] &&
    [ "$completed" = "$polls" ] && [ "$unanswered" = 0 ] && [ "$rows" = "$polls" ] &&
    [ "$dups" = 0 ] && [ "$rrc" = 0 ] && [ "$rresults" = "$polls" ]; then
    ok "6a: Redis restarted 3 s: agents reconnected, $polls polls of $ops changes x 4 ns x 2 vantages, one result each, exit 0, report agrees"
else
    ko "6a: Redis restart (run exit $rc, agents alive $alive/2, ops $ops polls $polls completed $completed unanswered $unanswered, stored $rows dup $dups, report exit $rrc results $rresults)" \
        "$(tail -n 4 outage.err e1.log w1.log)"
fi
grep -q "Redis is back" e1.log && grep -q "lost Redis" outage.err &&
    ok "6a: the agent says it got Redis back, the campaign that it lost it" ||
    ko "6a: no reconnection in the logs" "$(tail -n 3 e1.log outage.err)"

# ---- 6b: Redis down longer than the campaign can wait -------------------------------
# timeout 3, reclaim_after 1: a poll no agent could take by ack + 3 + 2 s is
# given up on 5 s later; Redis is down 16 s, from the middle of the changes
scenario longout east 3 1 60 > longout.ini
agent e1 east 1
a1=$!
sleep 1
"$bin" run --quiet longout.ini > longout.json 2> longout.err &
run=$!
pids+=($run)
sleep 5
redis_stop
sleep 16
redis_start || exit 1
timeout 120 tail --pid=$run -f /dev/null
wait $run
rc=$?
alive=$(stop_agents "$a1")
id=$(campaign_of longout)
read -r ops polls completed unanswered slo <<< "$(summary longout.json)"
read -r rows dups <<< "$(stored "$id")"
if [ "$rc" = 1 ] && [ "$alive" = 1 ] && [ "$polls" = $((ops * 4)) ] &&
    [ "$unanswered" -gt 0 ] && [ $((completed + unanswered)) = "$polls" ] &&
    [ "$rows" = "$completed" ] && [ "$dups" = 0 ] &&
    grep -q '"[0-9]* polls got no result' longout.json; then
    ok "6b: Redis down 16 s: $unanswered of $polls polls reported unanswered, $completed results (= Redis's), exit 1, agent alive"
else
    ko "6b: long outage (run exit $rc, agent alive $alive/1, ops $ops polls $polls completed $completed unanswered $unanswered, stored $rows dup $dups)" \
        "$(cat longout.json; tail -n 4 longout.err e1.log)"
fi

# ---- 9: an agent stalled 8 s over the campaign's end ---------------------------------
scenario stall east 8 2 60 > stall.ini
agent e1 east 2
a1=$!
agent e2 east 2
a2=$!
sleep 1
"$bin" run --quiet stall.ini > stall.json 2> stall.err &
run=$!
pids+=($run)
sleep 7 # the last changes: e1 has polls in flight
kill -STOP "$a1"
sleep 8 # e2 takes them over after 2 s; the campaign ends meanwhile
kill -CONT "$a1"
timeout 120 tail --pid=$run -f /dev/null
wait $run
rc=$?
sleep 2 # e1's probes end and it tries to store them
alive=$(stop_agents "$a1" "$a2")
id=$(campaign_of stall)
read -r ops polls completed unanswered slo <<< "$(summary stall.json)"
read -r rows dups <<< "$(stored "$id")"
read -r rrc rresults rslo <<< "$(report "$id")"
# e1's closing line: what it was refused (results of polls e2 had stored,
# had taken over, or of a campaign closed meanwhile): before the fix these
# were stored a second time
read -r already late_c over <<< "$(sed -n 's/.* \([0-9]*\) already stored, \([0-9]*\) too late.*, \([0-9]*\) taken over,.*/\1 \2 \3/p' e1.log | tail -1)"
late=$((${already:-0} + ${late_c:-0} + ${over:-0}))
taken=$(grep -c "took over" e2.log)
if [ "$taken" -gt 0 ] && [ "$late" -gt 0 ] && [ "$rows" = "$((polls - unanswered))" ] && [ "$dups" = 0 ] &&
    [ "$rrc" = "$rc" ] && [ "$rresults" = "$rows" ] &&
    [ "${rslo,,}" = "${slo,,}" ]; then
    ok "9: e1 stalled 8 s, e2 took over $taken: $rows results for $polls polls, no duplicate ($late late results of e1 refused: ${already:-?} already stored, ${late_c:-?} too late, ${over:-?} taken over), run and report both exit $rc"
else
    ko "9: stalled agent (took over $taken, e1 refused $late, run exit $rc slo $slo, polls $polls unanswered $unanswered, stored $rows dup $dups, report exit $rrc results $rresults slo $rslo)" \
        "$(tail -n 3 stall.err e1.log e2.log rep-"$id".out)"
fi
[ "$rc" = 0 ] && [ "$completed" = "$polls" ] && [ "$alive" = 2 ] &&
    ok "9: every poll completed once, exit 0" ||
    ko "9: run exit $rc, $completed of $polls completed, agents alive $alive/2" "$(tail -n 3 stall.err)"

echo "agents_faults: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
