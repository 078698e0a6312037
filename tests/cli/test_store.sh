#!/usr/bin/env bash
# The results store for real: dnsprop probe stores every result in a real
# redis-server; killing that server mid-run loses nothing (spool, replay,
# exactly once); SIGINT flushes; export and campaigns read it back.
# Usage: tests/cli/test_store.sh ./dnsprop   (with the lab's LAB_* variables)
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
bin=${1:-./dnsprop}
: "${LAB_KNOT_ADDR:?run through tests/run-tests.sh (needs the lab)}"
tmp=$(mktemp -d)
redis_pid=
cleanup() {
    [ -n "$redis_pid" ] && kill -9 "$redis_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

port=$(free_port)
mkdir -p "$tmp/redis"
start_redis() {
    redis-server --port "$port" --bind 127.0.0.1 --dir "$tmp/redis" --appendonly yes \
        --appendfsync always --save '' --daemonize no --logfile "$tmp/redis/log" &
    redis_pid=$!
    for _ in $(seq 100); do
        redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && return 0
        sleep 0.05
    done
    return 1
}
rc() { redis-cli -p "$port" "$@"; }
url="redis://127.0.0.1:$port/3"
start_redis || { echo "redis-server did not start"; exit 1; }

# 1. every result stored, with the indexes the reports read
"$bin" probe --ns "$LAB_KNOT_ADDR" --zone lab.test --condition serial_not_lower --serial 1 \
    --redis "$url" --results "$tmp/results" --campaign one > "$tmp/out" 2> "$tmp/err"
c=$(rc -n 3 zrange dnsprop:campaigns 0 -1 | tail -1)
if [[ $c == one-* ]] && [ "$(rc -n 3 llen "dnsprop:campaign:$c:results")" = 1 ] &&
    rc -n 3 lindex "dnsprop:campaign:$c:results" 0 | grep -q '^R3' &&
    "$bin" export "$c" --json --redis "$url" --results "$tmp/results" |
    grep -q '"status":"COMPLETED"' &&
    [ "$(rc -n 3 hget "dnsprop:campaign:$c" stored)" = 1 ]; then
    ok "probe result stored as a compact record ($c)"
else
    ko "probe result stored" "$(cat "$tmp/err"; rc -n 3 keys '*')"
fi

# 2. kill -9 the server mid-run, restart it: nothing lost, nothing twice.
# 1500 never-satisfied polls finishing over 6 s (timeouts 1..6 s).
n=1500
{
    echo "id,nameserver,name,type,condition,value,timeout,frequency"
    for ((i = 0; i < n; i++)); do
        echo "k$i,$LAB_KNOT_ADDR,www.lab.test,A,value_present,198.51.100.9,$((1 + i % 6)).$((i % 10)),0.5"
    done
} > "$tmp/many.csv"
"$bin" probe --file "$tmp/many.csv" --redis "$url" --results "$tmp/results" \
    --campaign killed > "$tmp/kout" 2> "$tmp/kerr" &
pid=$!
sleep 2
kill -9 "$redis_pid"
wait "$redis_pid" 2>/dev/null
redis_pid=
sleep 2.5
start_redis || ko "redis restart"
wait "$pid"
status=$?
c=$(rc -n 3 zrange dnsprop:campaigns 0 -1 | grep '^killed-' | tail -1)
stored=$(rc -n 3 llen "dnsprop:campaign:$c:results")
"$bin" export "$c" --json --redis "$url" --results "$tmp/results" > "$tmp/killed.jsonl"
uniq_idx=$(python3 -c 'import json,sys; print(len({json.loads(l)["seq"] for l in open(sys.argv[1])}))' "$tmp/killed.jsonl")
ns_idx=$(grep -c "\"ns_name\":\"$LAB_KNOT_ADDR\"" "$tmp/killed.jsonl")
keys=$(wc -l < "$tmp/killed.jsonl")
ids=$(python3 -c 'import json,sys; print(len({json.loads(l)["id"] for l in open(sys.argv[1])}))' "$tmp/killed.jsonl")
lines=$(wc -l < "$tmp/kout")
if [ "$status" = 1 ] && [ "$lines" = "$n" ] && [ "$stored" = "$n" ] && [ "$keys" = "$n" ] &&
    [ "$ids" = "$n" ] && [ "$uniq_idx" = "$n" ] && [ "$ns_idx" = "$n" ] &&
    grep -q 'outage' "$tmp/kerr"; then
    ok "killed redis: $n results produced, $stored stored ($uniq_idx distinct seqs), $keys exported, $ids distinct ids"
else
    ko "killed redis (exit $status, lines $lines, stored $stored/$uniq_idx/$ns_idx, keys $keys, ids $ids)" \
        "$(tail -5 "$tmp/kerr"; grep -v '^TIMEOUT' "$tmp/kout" | sort | uniq -c | sort -rn | head -5)"
fi
[ ! -s "$tmp/results/$c/spool.jsonl" ] && ok "spool emptied after replay" ||
    ko "spool emptied after replay" "$(wc -l "$tmp/results/$c/spool.jsonl")"

# 3. SIGINT: pending polls cancelled, everything flushed, exit 130
"$bin" probe --file "$tmp/many.csv" --redis "$url" --results "$tmp/results" \
    --campaign interrupted > "$tmp/iout" 2> "$tmp/ierr" &
pid=$!
sleep 1.5
kill -INT "$pid"
wait "$pid"
status=$?
c=$(rc -n 3 zrange dnsprop:campaigns 0 -1 | grep '^interrupted-' | tail -1)
stored=$(rc -n 3 llen "dnsprop:campaign:$c:results")
cancelled=$(grep -c '^CANCELLED' "$tmp/iout")
if [ "$status" = 130 ] && [ "$stored" = "$n" ] && [ "$cancelled" -gt 0 ]; then
    ok "SIGINT: exit 130, $stored stored ($cancelled cancelled)"
else
    ko "SIGINT (exit $status, stored $stored, cancelled $cancelled)" "$(tail -3 "$tmp/ierr")"
fi

# 4. campaigns and export read it back
out=$("$bin" campaigns --redis "$url" 2>&1)
if grep -q "^killed-.* $n  *$n " <<<"$out"; then ok "campaigns lists them"; else ko "campaigns" "$out"; fi
c=$(rc -n 3 zrange dnsprop:campaigns 0 -1 | grep '^killed-' | tail -1)
"$bin" export "$c" --redis "$url" --out "$tmp/k.csv" 2> "$tmp/eerr"
if [ $? = 0 ] && python3 - "$tmp/k.csv" "$n" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == int(sys.argv[2]), len(rows)
assert all(r["status"] == "TIMEOUT" for r in rows), {r["status"] for r in rows}
assert len({r["id"] for r in rows}) == len(rows)
starts = [float(r["start_time"]) for r in rows]
assert starts == sorted(starts)
PY
then ok "export: $n rows, in start_time order"; else ko "export" "$(cat "$tmp/eerr")"; fi
"$bin" export no-such-campaign --redis "$url" > /dev/null 2> "$tmp/eerr"
[ $? = 2 ] && grep -q "no campaign 'no-such-campaign'" "$tmp/eerr" && ok "export of an unknown campaign" ||
    ko "export of an unknown campaign" "$(cat "$tmp/eerr")"

# 5. errors name the URL, never the password
"$bin" probe --ns "$LAB_KNOT_ADDR" --zone lab.test --condition serial_not_lower --serial 1 \
    --redis "redis://:sekrit@127.0.0.1:1/0" > /dev/null 2> "$tmp/perr"
if [ $? = 2 ] && grep -q 'redis://\*\*\*@127.0.0.1:1/0' "$tmp/perr" && ! grep -q sekrit "$tmp/perr"; then
    ok "unreachable URL named, password hidden"
else
    ko "unreachable URL" "$(cat "$tmp/perr")"
fi

# 6. the embedded default: no URL, a private server under RESULTS/.redis, stopped at exit
"$bin" probe --ns "$LAB_KNOT_ADDR" --zone lab.test --condition serial_not_lower --serial 1 \
    --results "$tmp/emb" > /dev/null 2>&1
"$bin" campaigns --results "$tmp/emb" > "$tmp/emb.out" 2>&1
if grep -q '^probe-' "$tmp/emb.out" && [ -d "$tmp/emb/.redis/appendonlydir" ] &&
    ! pgrep -f "$tmp/emb/.redis/redis.sock" > /dev/null; then
    ok "embedded redis persists results and is stopped"
else
    ko "embedded redis" "$(cat "$tmp/emb.out")"
fi

# ... and a restarted embedded server that is still reading a large
# append-only file back: dnsprop waits until it is loaded instead of
# writing into "-LOADING" answers (found running `make run` twice)
emb=$tmp/emb/.redis
redis-server --port 0 --unixsocket "$emb/redis.sock" --unixsocketperm 700 --dir "$emb" \
    --appendonly yes --save '' --daemonize no --logfile "$emb/fill.log" \
    --enable-debug-command local > /dev/null 2>&1 &
fill_pid=$!
for _ in $(seq 100); do
    redis-cli -s "$emb/redis.sock" ping 2> /dev/null | grep -q PONG && break
    sleep 0.05
done
redis-cli -s "$emb/redis.sock" DEBUG POPULATE 3000000 filler 20 > /dev/null
redis-cli -s "$emb/redis.sock" BGREWRITEAOF > /dev/null
for _ in $(seq 300); do
    redis-cli -s "$emb/redis.sock" info persistence | grep -q 'aof_rewrite_in_progress:0' &&
        ! redis-cli -s "$emb/redis.sock" info persistence | grep -q 'aof_rewrite_scheduled:1' &&
        break
    sleep 0.1
done
redis-cli -s "$emb/redis.sock" shutdown > /dev/null 2>&1
wait "$fill_pid" 2> /dev/null
"$bin" campaigns --results "$tmp/emb" --json > "$tmp/emb-load.out" 2> "$tmp/emb-load.err"
if [ $? = 0 ] && grep -q '"probe-' "$tmp/emb-load.out" &&
    ! grep -q LOADING "$tmp/emb-load.err"; then
    ok "a restarted embedded redis is waited for until its data is loaded"
else
    ko "embedded redis loading" "$(cat "$tmp/emb-load.out" "$tmp/emb-load.err" | tail -5)"
fi

# ... and with the default, relative, results folder (redis-server changes
# directory before it binds its socket)
binabs=$(readlink -f "$bin")
mkdir -p "$tmp/rel"
(cd "$tmp/rel" && "$binabs" probe --ns "$LAB_KNOT_ADDR" --zone lab.test \
    --condition serial_not_lower --serial 1 > /dev/null 2>&1 &&
    "$binabs" campaigns > campaigns.out 2>&1)
if [ $? = 0 ] && grep -q '^probe-.* 1  *1 ' "$tmp/rel/campaigns.out" &&
    [ -d "$tmp/rel/results/.redis/appendonlydir" ]; then
    ok "embedded redis under the default ./results"
else
    ko "embedded redis under the default ./results" "$(cat "$tmp/rel/campaigns.out" "$tmp/rel/results/.redis/redis.log" 2>&1 | tail -5)"
fi

# a campaign stored by an earlier version (a JSON key per result, the list
# holding seqs) is still read: export and report
lc=legacy-20261101T000000Z
rc -n 3 hset "dnsprop:campaign:$lc" name legacy start 1761955200 end 1761955260 \
    produced 2 stored 2 > /dev/null
rc -n 3 zadd dnsprop:campaigns 1761955200 "$lc" > /dev/null
for i in 1 2; do
    rc -n 3 set "dnsprop:result:$lc:$i" "{\"campaign\":\"$lc\",\"seq\":$i,\"id\":\"old$i\",\"status\":\"COMPLETED\",\"nameserver\":\"127.0.0.1:53\",\"name\":\"a.test.\",\"type\":\"A\",\"condition\":\"value_present\",\"start_time\":1761955200.$i,\"observed_at\":1761955201.0,\"duration\":0.$((i + 2)),\"lower_bound\":0.1,\"queries\":2,\"answers\":2,\"rcode\":\"NOERROR\",\"reason\":\"\",\"serial\":null,\"values\":[\"192.0.2.1\"],\"empty\":null,\"op_kind\":\"probe\",\"ns_name\":\"old\"}" > /dev/null
    rc -n 3 rpush "dnsprop:campaign:$lc:results" "$i" > /dev/null
done
"$bin" export "$lc" --json --redis "$url" --results "$tmp/results" > "$tmp/legacy.jsonl" 2> "$tmp/legacy.err"
"$bin" report "$lc" --redis "$url" --results "$tmp/results" --no-render > /dev/null 2>> "$tmp/legacy.err"
if [ "$(wc -l < "$tmp/legacy.jsonl")" = 2 ] && grep -q '"id":"old2"' "$tmp/legacy.jsonl" &&
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["results"] == 2, r["results"]' \
        "$tmp/results/$lc/report.json"; then
    ok "a campaign stored by an earlier version (a key per result) is exported and reported"
else
    ko "legacy campaign" "$(cat "$tmp/legacy.err" "$tmp/legacy.jsonl")"
fi

# retention: --retention expires a campaign's hash and results together,
# and `dnsprop campaigns` then drops it from dnsprop:campaigns
"$bin" probe --ns "$LAB_KNOT_ADDR" --zone lab.test --condition serial_not_lower --serial 1 \
    --redis "$url" --results "$tmp/results" --campaign kept --retention 3s --no-report \
    > /dev/null 2> "$tmp/ret.err"
c=$(rc -n 3 zrange dnsprop:campaigns 0 -1 | grep '^kept-' | tail -1)
t1=$(rc -n 3 ttl "dnsprop:campaign:$c")
t2=$(rc -n 3 ttl "dnsprop:campaign:$c:results")
if [ -n "$c" ] && [ "$t1" -gt 0 ] && [ "$t1" -le 3 ] && [ "$t2" -gt 0 ] && [ "$t2" -le 3 ]; then
    ok "--retention 3s: the campaign's hash and results expire (TTL $t1 s, $t2 s)"
else
    ko "--retention sets TTLs (campaign '$c': $t1 $t2)" "$(cat "$tmp/ret.err")"
fi
for ((i = 0; i < 50; i++)); do
    [ "$(rc -n 3 exists "dnsprop:campaign:$c" "dnsprop:campaign:$c:results")" = 0 ] && break
    sleep 0.2
done
"$bin" campaigns --redis "$url" --results "$tmp/results" > "$tmp/ret.list" 2>&1
if [ "$i" -lt 50 ] && ! grep -q "^$c " "$tmp/ret.list" &&
    [ -z "$(rc -n 3 zscore dnsprop:campaigns "$c")" ] && grep -q '^one-' "$tmp/ret.list"; then
    ok "expired campaign gone from Redis and from 'dnsprop campaigns'; others kept"
else
    ko "expired campaign pruned" "$(cat "$tmp/ret.list"; rc -n 3 zscore dnsprop:campaigns "$c")"
fi
"$bin" probe --ns "$LAB_KNOT_ADDR" --zone lab.test --retention 3y > /dev/null 2> "$tmp/ret.bad"
st=$?
if [ "$st" = 64 ] && grep -q -- "--retention.*'3y'" "$tmp/ret.bad"; then
    ok "a bad --retention is a usage error naming it"
else
    ko "bad --retention (exit $st)" "$(cat "$tmp/ret.bad")"
fi
[ "$(rc -n 3 ttl "dnsprop:campaign:$(rc -n 3 zrange dnsprop:campaigns 0 -1 | grep '^one-' | tail -1)")" = -1 ] &&
    ok "without --retention a campaign is kept forever" || ko "no retention: no TTL"

echo "store: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
