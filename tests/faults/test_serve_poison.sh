#!/usr/bin/env bash
# Issue 12, cases 1 and 2: a poison request, and resuming what Redis holds.
#   1. POST /requests with "start_time": 1e10 (a float in JSON's range, year
#      2286) once overflowed the monotonic conversion: the ASan build
#      aborted before the 202, the request was already in Redis, and every
#      restart aborted again. Now a 400 naming start_time; the service answers.
#   2. Requests stored in Redis are not trusted at resume: not JSON, not an
#      object, a start_time of 1e10, an accepted_at of NaN/1e300, a timeout of
#      1e300, a bad id. Each is ended ERROR with a reason, the service starts
#      and keeps answering, and a sound pending request is still resumed.
# Usage: tests/faults/test_serve_poison.sh ./dnsprop-asan (LAB_*, DNSPROP_TEST_REDIS).
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/../cli/lib.sh"
bin=$(readlink -f "${1:-./dnsprop-asan}")
: "${DNSPROP_TEST_REDIS:?needs a redis-server (tests/run-tests.sh)}"
: "${LAB_KNOT_ADDR:?needs the lab (tests/run-tests.sh)}"
need_tools test_serve_poison curl python3 redis-cli
pass=0
fail=0
tmp=$(mktemp -d)
srv_pid=
cleanup() {
    [ -n "$srv_pid" ] && kill -KILL "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
# a database of this test's own (test_serve uses 6)
redis_url="${DNSPROP_TEST_REDIS%/*}/9"
rcli() { redis-cli -u "$redis_url" "$@"; }
rcli flushdb >/dev/null || { ko "redis-cli flushdb $redis_url"; exit 1; }
port=$(free_port)
base=http://127.0.0.1:$port

start_serve() {
    "$bin" serve --listen "127.0.0.1:$port" --redis "$redis_url" --results "$tmp/results" \
        >>"$tmp/serve.log" 2>&1 &
    srv_pid=$!
    for _ in $(seq 300); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/")" = 200 ] && return 0
        kill -0 "$srv_pid" 2>/dev/null || break
        sleep 0.1
    done
    return 1
}
stop_serve() {
    local rc
    kill -TERM "$srv_pid"
    wait "$srv_pid"
    rc=$?
    srv_pid=
    return $rc
}
post() {
    code=$(curl -s -m 20 -o "$tmp/resp" -w '%{http_code}' -X POST "$base$1" --data-binary "$2")
}
get() { code=$(curl -s -m 20 -o "$tmp/resp" -w '%{http_code}' "$base$1"); }
jf() { python3 -c "import json; d=json.load(open('$tmp/resp')); print($1)" 2>/dev/null; }

start_serve || { ko "serve starts" "$(tail -20 "$tmp/serve.log")"; exit 1; }

# ---- 1: the poison request ----------------------------------------------------------
for st in 1e10 1e300 '1.7e308'; do
    post /requests '{"nameserver":"'"$LAB_KNOT_ADDR"'","zone_name":"lab.test.","serial":1,"start_time":'"$st"',"timeout":2,"frequency":0.2,"condition":"serial_not_lower"}'
    if [ "$code" = 400 ] && [ "$(jf 'd["field"]')" = start_time ]; then
        ok "POST /requests start_time $st: 400 naming start_time"
    else
        ko "start_time $st (HTTP $code)" "$(cat "$tmp/resp"; tail -5 "$tmp/serve.log")"
    fi
done
post /observers '{"name":"lab.test.","nameserver":"'"$LAB_KNOT_ADDR"'","type":"ZONE_CREATE","timeout":2,"interval":0.2,"start_time":1e10}'
[ "$code" = 400 ] && [ "$(jf 'd["field"]')" = start_time ] &&
    ok "POST /observers start_time 1e10: 400 naming start_time" ||
    ko "observer start_time 1e10 (HTTP $code)" "$(cat "$tmp/resp")"
get /
[ "$code" = 200 ] && kill -0 "$srv_pid" && ok "the service still answers after them" ||
    ko "service alive (HTTP $code)" "$(tail -20 "$tmp/serve.log")"
n=$(rcli scard dnsprop:requests:pending)
[ "$n" = 0 ] && ok "nothing of them stored (pending: $n)" || ko "pending after 400s: $n"

# a sound request, left pending by a kill, to be resumed
post /requests '{"nameserver":"'"$LAB_KNOT_ADDR"'","zone_name":"lab.test.","serial":1,"start_time":null,"timeout":30,"frequency":0.2,"condition":"serial_not_lower"}'
good=$(jf 'd["id"]')
[ "$code" = 202 ] || ko "a sound request (HTTP $code)" "$(cat "$tmp/resp")"
kill -KILL "$srv_pid"
wait "$srv_pid" 2>/dev/null
srv_pid=
# the SIGKILL may have come after the poll ended: put it back as pending
rcli sadd dnsprop:requests:pending "$good" >/dev/null
python3 - "$redis_url" "$good" <<'PY' || ko "re-arming the sound request"
import json, subprocess, sys
url, rid = sys.argv[1], sys.argv[2]
cli = ["redis-cli", "-u", url]
d = json.loads(subprocess.check_output(cli + ["get", f"dnsprop:request:{rid}"]))
d.update(status="ACCEPTED", duration=None, result=None)
subprocess.check_call(cli + ["set", f"dnsprop:request:{rid}", json.dumps(d)], stdout=subprocess.DEVNULL)
PY

# ---- 2: what Redis holds is not trusted -------------------------------------------
# Each a pending request written straight to Redis, as a bug or a hand could.
python3 - "$redis_url" "$LAB_KNOT_ADDR" >"$tmp/ids" <<'PY'
import json, subprocess, sys, time, uuid
url, ns = sys.argv[1], sys.argv[2]
cli = ["redis-cli", "-u", url]
now = time.time()
base = {"nameserver": ns, "zone_name": "lab.test.", "serial": 1, "timeout": 5,
        "frequency": 0.2, "condition": "serial_not_lower", "status": "ACCEPTED"}
cases = {
    "not JSON": "{not json",
    "not an object": "[1, 2, 3]",
    "start_time 1e10": json.dumps(dict(base, start_time=1e10, accepted_at=now)),
    "accepted_at 1e300": json.dumps(dict(base, start_time=now, accepted_at=1e300)),
    "accepted_at NaN": json.dumps(dict(base, start_time=now)).replace("}", ', "accepted_at": NaN}'),
    "timeout 1e300": json.dumps(dict(base, start_time=now, accepted_at=now, timeout=1e300)),
    "binary bytes": '{"nameserver": "\xff\xfe", "zone_name": 5}',
}
for what, text in cases.items():
    rid = str(uuid.uuid4())
    subprocess.check_call(cli + ["set", f"dnsprop:request:{rid}", text], stdout=subprocess.DEVNULL)
    subprocess.check_call(cli + ["sadd", "dnsprop:requests:pending", rid], stdout=subprocess.DEVNULL)
    print(rid, what)
# and a pending id that is no id at all
subprocess.check_call(cli + ["sadd", "dnsprop:requests:pending", "../../etc\x01passwd"],
                      stdout=subprocess.DEVNULL)
PY
if start_serve; then
    ok "the service starts over 8 poisoned pending requests"
else
    ko "serve starts over poisoned requests" "$(tail -30 "$tmp/serve.log")"
    exit 1
fi
while read -r rid what; do
    get "/requests/$rid"
    st=$(jf 'd["status"]')
    reason=$(jf 'd["reason"]')
    if [ "$what" = "accepted_at 1e300" ]; then
        # an untrusted accepted_at is ignored: the rest is sound, so polled
        for _ in $(seq 100); do
            [ "$st" != ACCEPTED ] && break
            sleep 0.1
            get "/requests/$rid"
            st=$(jf 'd["status"]')
        done
        [ "$st" = COMPLETED ] && ok "stored $what: ignored, the request polled from its start_time" ||
            ko "stored $what (status $st)" "$(cat "$tmp/resp")"
    elif [ "$code" = 200 ] && [ "$st" = ERROR ] && [ -n "$reason" ]; then
        ok "stored $what: ended ERROR ($reason)"
    else
        ko "stored $what (HTTP $code, status $st)" "$(cat "$tmp/resp")"
    fi
done <"$tmp/ids"
n=$(rcli scard dnsprop:requests:pending)
for _ in $(seq 100); do
    n=$(rcli scard dnsprop:requests:pending)
    [ "$n" -le 1 ] && break
    sleep 0.1
done
[ "$n" -le 1 ] && ok "every poisoned request left the pending set ($n left: the sound one, still polling)" ||
    ko "pending set after resume: $n" "$(rcli smembers dnsprop:requests:pending)"
# the sound request was resumed and ends as it should
for _ in $(seq 150); do
    get "/requests/$good"
    [ "$(jf 'd["status"]')" != ACCEPTED ] && break
    sleep 0.1
done
[ "$(jf 'd["status"]')" = COMPLETED ] && [ -n "$(jf 'd.get("resumed_at")')" ] &&
    ok "the sound pending request was resumed and COMPLETED" ||
    ko "the sound request after resume" "$(cat "$tmp/resp")"
get /
[ "$code" = 200 ] && ok "GET / answers after the resume" || ko "GET / after resume (HTTP $code)"
if stop_serve && ! grep -q 'ERROR: AddressSanitizer\|runtime error' "$tmp/serve.log"; then
    ok "clean stop, no sanitizer report"
else
    ko "serve stop" "$(grep -A5 'Sanitizer\|runtime error' "$tmp/serve.log" | head -20)"
fi
rcli flushdb >/dev/null
echo "serve_poison: $pass passed, $fail failed"
[ "$fail" = 0 ]
