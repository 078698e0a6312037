#!/usr/bin/env bash
# dnsprop serve for real, against the lab: every condition through curl,
# the shapes Digaas's clients send through a python3-requests client,
# 400s that name the field (and no 5xx for anything a client sends), 404s,
# 413, the bearer token, a restart that resumes unfinished requests (with
# the embedded Redis), and /stats with its PNGs and summary.
# Usage: tests/cli/test_serve.sh ./dnsprop (with LAB_* and DNSPROP_TEST_REDIS).
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
bin=${1:-./dnsprop}
: "${LAB_KNOT_ADDR:?run through tests/run-tests.sh (needs the lab)}"
: "${DNSPROP_TEST_REDIS:?run through tests/run-tests.sh (needs a redis-server)}"
need_tools test_serve curl python3 redis-cli gnuplot
python3 -c 'import requests' 2>/dev/null ||
    { echo "test_serve: python3-requests is not installed ('make deps')"; exit 1; }
client=$(readlink -f "$(dirname "$0")/digaas_client.py")
bin=$(readlink -f "$bin")
tmp=$(mktemp -d)
srv_pid=
last_id=
cleanup() {
    [ -n "$srv_pid" ] && kill -TERM "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
t_start=$(date +%s.%N)

# Our own Redis database (the other tests use 1 and 3), emptied first.
redis_url="${DNSPROP_TEST_REDIS%/*}/6"
rcli() { redis-cli -u "$redis_url" "$@"; }
rcli flushdb > /dev/null || { ko "redis-cli flushdb $redis_url"; exit 1; }

port=$(free_port)
base=http://127.0.0.1:$port
auth=()

# start_serve ARGS...: start it and wait until it answers (ASan is slow).
start_serve() {
    "$bin" serve --listen "127.0.0.1:$port" "$@" >> "$tmp/serve.log" 2>&1 &
    srv_pid=$!
    for _ in $(seq 300); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/")" != 000 ] && return 0
        kill -0 "$srv_pid" 2>/dev/null || break
        sleep 0.1
    done
    return 1
}
# stop_serve: SIGTERM, its exit status (0: clean, no sanitizer report).
stop_serve() {
    local rc
    kill -TERM "$srv_pid"
    wait "$srv_pid"
    rc=$?
    srv_pid=
    return $rc
}
# post PATH BODY / get PATH: $code, and the body in $tmp/resp.
post() {
    code=$(curl -s -o "$tmp/resp" -w '%{http_code}' "${auth[@]}" -X POST "$base$1" \
        --data-binary "$2")
}
get() {
    code=$(curl -s -o "$tmp/resp" -w '%{http_code}' "${auth[@]}" "$base$1")
}
# jf EXPR: a Python expression over the last response's JSON (d).
jf() { python3 -c "import json; d=json.load(open('$tmp/resp')); print($1)" 2>/dev/null; }
# final ID [SECONDS]: GET /requests/ID until its status is not ACCEPTED.
final() {
    local i
    for ((i = 0; i < ${2:-15} * 10; i++)); do
        get "/requests/$1"
        [ "$code" = 200 ] && [ "$(jf 'd["status"]')" != ACCEPTED ] && return 0
        sleep 0.1
    done
    return 1
}
# final_obs ID: GET /observers/ID until its status is not ACCEPTED.
final_obs() {
    local i
    for ((i = 0; i < 150; i++)); do
        get "/observers/$1"
        [ "$code" = 200 ] && [ "$(jf 'd["status"]')" != ACCEPTED ] && return 0
        sleep 0.1
    done
    return 1
}
# poll NAME BODY WANT_STATUS WANT_RESULT: POST, check the 202 echo, GET
# until final, check the statuses.
poll() {
    local name=$1 body=$2 want=$3 result=$4 id
    post /requests "$body"
    if [ "$code" != 202 ] || [ "$(jf 'd["status"], d["duration"], len(d["id"])')" != "ACCEPTED None 36" ]; then
        ko "$name: POST (HTTP $code)" "$(cat "$tmp/resp")"
        return
    fi
    id=$(jf 'd["id"]')
    last_id=$id
    if ! final "$id" 20; then
        ko "$name: GET /requests/$id never left ACCEPTED" "$(cat "$tmp/resp")"
        return
    fi
    if [ "$(jf 'd["status"], d["result"], d["id"]')" = "$want $result $id" ] &&
        [ "$(jf '(d["duration"] is None) == (d["status"] != "COMPLETED") and d["queries"] >= 1 and d["lower_bound"] >= 0')" = True ]; then
        ok "$name: $want ($result)"
    else
        ko "$name: want $want/$result" "$(cat "$tmp/resp")"
    fi
}

start_serve --redis "$redis_url" --results "$tmp/results" ||
    { ko "serve did not start" "$(cat "$tmp/serve.log")"; exit 1; }
grep -q "2 HTTP threads waiting with poll, up to 1000 connections" "$tmp/serve.log" &&
    ok "serve: HTTP threads wait with poll by default" ||
    ko "serve: no poll line" "$(cat "$tmp/serve.log")"
get /
[ "$code" = 200 ] && [ "$(jf 'd["service"], d["version"], d["implementation"]')" = "digaas 0.0.2 dnsprop" ] &&
    ok "GET /: Digaas's version document (service digaas, version 0.0.2), implementation dnsprop" ||
    ko "GET /" "$(cat "$tmp/resp")"

# 1. every condition, our shape, through curl
post /requests "{\"nameserver\": \"$LAB_KNOT_ADDR\", \"zone_name\": \"lab.test.\", \"serial\": 1,
    \"start_time\": 1421867419, \"timeout\": 7.3, \"frequency\": 1.2, \"condition\": \"serial_not_lower\"}"
if [ "$code" = 202 ] &&
    [ "$(jf 'd["nameserver"], d["zone_name"], d["serial"], d["start_time"], d["timeout"], d["frequency"], d["condition"], d["status"], d["duration"]')" = \
        "$LAB_KNOT_ADDR lab.test. 1 1421867419.0 7.3 1.2 serial_not_lower ACCEPTED None" ]; then
    ok "POST /requests: 202 echoing the request, ACCEPTED, duration null"
else
    ko "POST /requests echo (HTTP $code)" "$(cat "$tmp/resp")"
fi
poll "serial_not_lower on knot" "{\"nameserver\": \"$LAB_KNOT_ADDR\", \"zone_name\": \"lab.test\",
    \"serial\": 1, \"timeout\": 5, \"frequency\": 0.1, \"condition\": \"serial_not_lower\"}" COMPLETED COMPLETED
poll "value_present on bind" "{\"nameserver\": \"$LAB_BIND_ADDR\", \"zone_name\": \"lab.test.\",
    \"name\": \"multi.lab.test.\", \"rdatatype\": \"A\", \"value\": [\"192.0.2.10\", \"192.0.2.11\"],
    \"timeout\": 5, \"frequency\": 0.1, \"condition\": \"value_present\"}" COMPLETED COMPLETED
poll "value_present TXT on nsd" "{\"nameserver\": \"$LAB_NSD_ADDR\", \"zone_name\": \"lab.test.\",
    \"name\": \"txt.lab.test\", \"rdatatype\": \"TXT\", \"value\": \"\\\"hello, world\\\"\",
    \"timeout\": 5, \"frequency\": 0.1, \"condition\": \"value_present\"}" COMPLETED COMPLETED
poll "empty_response of a record, knot over IPv6" "{\"nameserver\": \"$LAB_KNOT_ADDR6\",
    \"zone_name\": \"lab.test.\", \"name\": \"gone.lab.test\", \"timeout\": 5, \"frequency\": 0.1,
    \"condition\": \"empty_response\"}" COMPLETED COMPLETED
poll "empty_response of a zone the server lacks" "{\"nameserver\": \"$LAB_PDNS_ADDR\",
    \"zone_name\": \"absent.test.\", \"timeout\": 5, \"frequency\": 0.1,
    \"condition\": \"empty_response\"}" COMPLETED COMPLETED
poll "a value that never shows times out" "{\"nameserver\": \"$LAB_KNOT_ADDR\",
    \"zone_name\": \"lab.test.\", \"name\": \"www.lab.test\", \"value\": \"203.0.113.1\",
    \"timeout\": 1, \"frequency\": 0.2, \"condition\": \"value_present\"}" ERROR TIMEOUT
poll "an unreachable nameserver fails" "{\"nameserver\": \"127.0.0.1:9\",
    \"zone_name\": \"lab.test.\", \"serial\": 1, \"timeout\": 1, \"frequency\": 0.2,
    \"condition\": \"serial_not_lower\"}" ERROR ERROR
get "/requests/$(jf 'd["id"]')"
[ "$(jf 'd["reason"]')" != "" ] && ok "an error says why ($(jf 'd["reason"]'))" ||
    ko "error reason" "$(cat "$tmp/resp")"

# 2. the shapes Digaas's clients send, through python3-requests
digaas() { python3 "$client" "$base" "$@" > "$tmp/py" 2> "$tmp/pyerr"; }
if digaas poll --nameserver "$LAB_KNOT_ADDR" --query-name lab.test. --condition serial_not_lower \
    --serial 1 --timeout 5 --frequency 0.1 --expect COMPLETED; then
    ok "digaas client: /poll_requests query_name serial_not_lower COMPLETED"
else
    ko "digaas client serial_not_lower" "$(cat "$tmp/pyerr")"
fi
if digaas poll --nameserver "$LAB_BIND_ADDR" --query-name multi.lab.test. --rdatatype A \
    --condition data=192.0.2.11 --timeout 5 --frequency 0.1 --expect COMPLETED; then
    ok "digaas client: data=<value> with rdatatype COMPLETED"
else
    ko "digaas client data=" "$(cat "$tmp/pyerr")"
fi
if digaas poll --nameserver "$LAB_KNOT_ADDR" --query-name absent.test. --condition zone_removed \
    --timeout 5 --frequency 0.1 --expect COMPLETED; then
    ok "digaas client: zone_removed of a zone knot does not serve COMPLETED"
else
    ko "digaas client zone_removed" "$(cat "$tmp/pyerr")"
fi
if digaas poll --nameserver "$LAB_NSD_ADDR" --query-name lab.test. --condition zone_removed \
    --timeout 1 --frequency 0.2 --expect ERROR &&
    python3 -c "import json; d=json.load(open('$tmp/py')); assert d['rdatatype'] is None and d['result'] == 'TIMEOUT', d"; then
    ok "digaas client: zone_removed of a served zone ends ERROR (result TIMEOUT)"
else
    ko "digaas client zone_removed timeout" "$(cat "$tmp/pyerr" "$tmp/py")"
fi
now=$(date +%s)
if digaas poll --nameserver "$LAB_KNOT_ADDR" --query-name lab.test. --condition serial_not_lower \
    --serial 1 --start-time null --timeout 5 --frequency 0.1 --expect COMPLETED &&
    python3 -c "import json; d=json.load(open('$tmp/py')); assert abs(d['start_time'] - $now) < 30 and d['duration'] < 5, d"; then
    ok "start_time null means now"
else
    ko "start_time null" "$(cat "$tmp/pyerr" "$tmp/py")"
fi
if digaas poll --endpoint requests --nameserver "$LAB_KNOT_ADDR" --query-name lab.test. \
    --condition serial_not_lower --serial 1 --timeout 5 --frequency 0.1 --expect COMPLETED; then
    ok "digaas client against /requests with zone_name"
else
    ko "digaas client /requests" "$(cat "$tmp/pyerr")"
fi

# 3. bad input: 400 naming the field; never a 5xx
good="\"nameserver\": \"$LAB_KNOT_ADDR\", \"zone_name\": \"lab.test.\", \"condition\": \"serial_not_lower\", \"serial\": 1"
# with KEY JSON: the good body with KEY set to JSON
with() {
    python3 -c 'import json, sys; d = json.loads("{" + sys.argv[1] + "}"); d[sys.argv[2]] = json.loads(sys.argv[3]); print(json.dumps(d))' "$good" "$1" "$2"
}
bad400() {
    local name=$1 field=$2 body=$3
    post "${4:-/requests}" "$body"
    if [ "$code" = 400 ] && [ "$(jf 'd["field"]')" = "$field" ] &&
        grep -q "\"message\":\"$field: " "$tmp/resp"; then
        ok "400 $name: $(jf 'd["message"]' | cut -c1-90)"
    else
        ko "400 $name (HTTP $code, want field $field)" "$(cat "$tmp/resp")"
    fi
}
bad400 "bad JSON" body '{"nameserver": '
bad400 "not an object" body '[1, 2]'
bad400 "empty body" body ''
bad400 "bad nameserver" nameserver "$(with nameserver '"300.1.1.1:53"')"
bad400 "nameserver a number" nameserver '{"nameserver": 53, "zone_name": "lab.test."}'
bad400 "missing nameserver" nameserver '{"zone_name": "lab.test.", "condition": "serial_not_lower"}'
bad400 "missing zone_name" zone_name "{\"nameserver\": \"$LAB_KNOT_ADDR\", \"condition\": \"serial_not_lower\", \"serial\": 1}"
bad400 "zone_name a list" zone_name "{\"nameserver\": \"$LAB_KNOT_ADDR\", \"zone_name\": [\"a\"], \"condition\": \"serial_not_lower\"}"
bad400 "bad domain name" zone_name "{\"nameserver\": \"$LAB_KNOT_ADDR\", \"zone_name\": \"a..b\", \"condition\": \"serial_not_lower\", \"serial\": 1}"
bad400 "bad condition" condition "$(with condition '"soon"')"
bad400 "condition a number" condition "$(with condition '3')"
bad400 "negative timeout" timeout "$(with timeout '-1')"
bad400 "timeout a string" timeout "$(with timeout '"5"')"
bad400 "frequency 0" frequency "$(with frequency '0')"
bad400 "start_time a string" start_time "$(with start_time '"yesterday"')"
bad400 "negative start_time" start_time "$(with start_time '-5')"
bad400 "serial a string" serial "$(with serial '"1"')"
bad400 "serial too big" serial "$(with serial '4294967296')"
bad400 "serial_not_lower without serial" serial "{\"nameserver\": \"$LAB_KNOT_ADDR\", \"zone_name\": \"lab.test.\", \"condition\": \"serial_not_lower\"}"
bad400 "value_present without value" value "{\"nameserver\": \"$LAB_KNOT_ADDR\", \"zone_name\": \"lab.test.\", \"condition\": \"value_present\"}"
bad400 "bad value" value "{\"nameserver\": \"$LAB_KNOT_ADDR\", \"zone_name\": \"lab.test.\", \"name\": \"www.lab.test\", \"condition\": \"value_present\", \"value\": \"192.0.2.300\"}"
bad400 "value a number" value "{\"nameserver\": \"$LAB_KNOT_ADDR\", \"zone_name\": \"lab.test.\", \"condition\": \"value_present\", \"value\": 7}"
bad400 "unknown rdatatype" rdatatype "{\"nameserver\": \"$LAB_KNOT_ADDR\", \"zone_name\": \"lab.test.\", \"condition\": \"empty_response\", \"rdatatype\": \"AAAAX\"}"
bad400 "data= without a value" condition "{\"nameserver\": \"$LAB_KNOT_ADDR\", \"query_name\": \"lab.test.\", \"condition\": \"data=\"}" /poll_requests
bad400 "stats without end_time" end_time '{"start_time": 1}' /stats
bad400 "stats ending before start" end_time '{"start_time": 10, "end_time": 5}' /stats
bad400 "stats start_time a string" start_time '{"start_time": "x", "end_time": 5}' /stats
# mutations of a valid body: every answer is 202 or 400
python3 - "$base" "$LAB_KNOT_ADDR" > "$tmp/fuzz" 2>&1 <<'PY'
import json, random, sys, requests
base, ns = sys.argv[1], sys.argv[2]
random.seed(7)
good = {"nameserver": ns, "zone_name": "lab.test.", "serial": 1, "start_time": None,
        "timeout": 0.5, "frequency": 0.1, "condition": "serial_not_lower"}
junk = [None, True, -1, 0, 1e308, "", "x" * 300, [], {}, [1], "data=", "\u00e9\udcff",
        "192.0.2.1", "[::1]:0", 2 ** 64, -0.0, "zone_removed", "value_present"]
bad = []
for i in range(150):
    body = dict(good)
    for _ in range(random.randint(1, 3)):
        k = random.choice(list(good) + ["name", "value", "rdatatype", "query_name", "match"])
        if random.random() < 0.2:
            body.pop(k, None)
        else:
            body[k] = random.choice(junk)
    raw = json.dumps(body)
    if random.random() < 0.2:
        cut = random.randint(0, len(raw))
        raw = raw[:cut] + random.choice(["", "\x00", "}", "\xff", "{{"]) + raw[cut:]
    r = requests.post(base + "/requests", data=raw.encode("utf-8", "surrogateescape"))
    if r.status_code not in (202, 400) or "message" not in r.json() and r.status_code == 400:
        bad.append((r.status_code, raw, r.text))
# Digaas master's observers: every answer 201 or 400
good = {"name": "lab.test.", "nameserver": ns, "type": "RECORD_CREATE", "rdata": "192.0.2.1",
        "rdatatype": "A", "serial": 0, "start_time": None, "timeout": 0.5, "interval": 0.1}
junk += ["ZONE_CREATE", "ZONE_UPDATE", "RECORD_DELETE", "AAAA", "TXT", "10 mx.lab.test."]
for i in range(150):
    body = dict(good)
    for _ in range(random.randint(1, 3)):
        k = random.choice(list(good))
        if random.random() < 0.2:
            body.pop(k, None)
        else:
            body[k] = random.choice(junk)
    if body.get("timeout") is None:
        body["timeout"] = 0.5  # not the default 30 s: section 5 waits for none pending
    raw = json.dumps(body)
    r = requests.post(base + "/observers", data=raw.encode("utf-8", "surrogateescape"),
                      headers={"Content-Type": "application/json"})
    if r.status_code not in (201, 400) or r.status_code == 400 and "message" not in r.json() \
            or r.status_code == 201 and not isinstance(r.json()["id"], int):
        bad.append((r.status_code, raw, r.text))
print("%d bodies, %d unexpected" % (300, len(bad)))
for b in bad[:5]:
    print(b)
sys.exit(1 if bad else 0)
PY
[ $? = 0 ] && ok "150 mutated requests and 150 mutated observers: every answer 202/201 or 400 with a message" ||
    ko "mutated bodies" "$(cat "$tmp/fuzz")"

# 4. unknown ids 404, wrong methods 405, big bodies 413
for path in /requests/0b5d5f4e-3c1e-4b7e-9a0b-2f4a1c9e8d7f /poll_requests/not-an-id \
    /stats/0b5d5f4e-3c1e-4b7e-9a0b-2f4a1c9e8d7f /stats/0b5d5f4e-3c1e-4b7e-9a0b-2f4a1c9e8d7f/summary \
    /images/0b5d5f4e-3c1e-4b7e-9a0b-2f4a1c9e8d7f-propagation "/images/..%2F..%2Fetc%2Fpasswd" /nowhere; do
    get "$path"
    [ "$code" = 404 ] && ok "404 $path" || ko "404 $path (HTTP $code)" "$(cat "$tmp/resp")"
done
get /stats
[ "$code" = 405 ] && ok "405 GET /stats" || ko "405 GET /stats (HTTP $code)"
head -c 70000 /dev/zero | tr '\0' 'x' > "$tmp/big"
code=$(curl -s -o "$tmp/resp" -w '%{http_code}' -X POST "$base/requests" --data-binary @"$tmp/big")
[ "$code" = 413 ] && ok "413 for a 70 KB body" || ko "413 (HTTP $code)" "$(cat "$tmp/resp")"
code=$(curl -s -o "$tmp/resp" -w '%{http_code}' -X POST "$base/requests" \
    -H 'Transfer-Encoding: chunked' --data-binary @"$tmp/big")
[ "$code" = 413 ] && ok "413 for a 70 KB chunked body" || ko "413 chunked (HTTP $code)" "$(cat "$tmp/resp")"
# headers: 8 KiB of them pass; past SERVE_MAX_HEADER_BYTES (12 KiB) a 431
# before anything runs. Just below the connection's 16 KiB MHD has no
# room left for a reply's own header and closes the connection (as it
# does just below its default 32 KiB): there the POST was stored and never
# answered; now it is refused unstored, whether the 431 fits or not.
# Past 16 KiB MHD's own 431; the service goes on.
hdr() { head -c "$1" /dev/zero | tr '\0' 'h'; }
code=$(curl -s -o "$tmp/resp" -w '%{http_code}' -H "X-Pad: $(hdr 8192)" "$base/")
[ "$code" = 200 ] && ok "a GET with 8 KiB of headers" || ko "8 KiB headers (HTTP $code)" "$(cat "$tmp/resp")"
n0=$(rcli zcard dnsprop:requests)
hpost() {
    : > "$tmp/resp"
    code=$(curl -s -o "$tmp/resp" -w '%{http_code}' -H "X-Pad: $(hdr "$1")" -X POST "$base/requests" \
        --data-binary "{\"nameserver\": \"$LAB_KNOT_ADDR\", \"zone_name\": \"lab.test.\", \"serial\": 1, \"condition\": \"serial_not_lower\"}")
}
hpost 12800
[ "$code" = 431 ] && jf 'd["message"]' | grep -q "at most 12288 are read" &&
    ok "431 for a POST with 12,800 bytes of headers" || ko "431 at 12800 (HTTP $code)" "$(cat "$tmp/resp")"
for pad in 15712 15800; do
    hpost $pad
    case $code in
    431 | 000) ok "a POST with $pad bytes of headers refused (HTTP $code)" ;;
    *) ko "headers of $pad bytes (HTTP $code)" "$(cat "$tmp/resp")" ;;
    esac
done
[ "$(rcli zcard dnsprop:requests)" = "$n0" ] && ok "no request stored by a refused POST" ||
    ko "a refused POST stored a request ($n0 -> $(rcli zcard dnsprop:requests))"
code=$(curl -s -o "$tmp/resp" -w '%{http_code}' -H "X-Pad: $(hdr 20480)" "$base/")
[ "$code" = 431 ] && ok "431 for 20 KiB of headers" || ko "431 (HTTP $code)" "$(cat "$tmp/resp")"
get /
[ "$code" = 200 ] && ok "serve answers after the 431s" || ko "serve after the 431s (HTTP $code)"

# 5. Redis holds every request: the index, nothing left pending
for _ in $(seq 50); do # the mutated observers poll for up to a second
    p=$(rcli scard dnsprop:requests:pending)
    [ "$p" = 0 ] && break
    sleep 0.1
done
n=$(rcli zcard dnsprop:requests)
if [ "$n" -ge 15 ] && [ "$p" = 0 ] &&
    rcli get "dnsprop:request:$last_id" | grep -q '"status":"ERROR","duration":null,"result":"ERROR"'; then
    ok "Redis: $n requests indexed by start_time, none pending"
else
    ko "Redis: $n requests, $p pending" "$(rcli keys '*' | head)"
fi

# 6. /stats: images and summary, through the python client and curl
if digaas stats --start "$t_start" --end "$(date +%s.%N)" --min-requests 10 &&
    python3 -c "
import json; d = json.load(open('$tmp/py'))
s = d['summary']
assert '$LAB_KNOT_ADDR' in s['nameservers'] and '127.0.0.1:9' in s['nameservers'], s['nameservers'].keys()
assert set(s['conditions']) == {'serial_not_lower', 'value_present', 'empty_response'}, s['conditions'].keys()
assert s['conditions']['serial_not_lower']['completed'] >= 3, s
" 2> "$tmp/pyerr2"; then
    ok "digaas client: /stats COMPLETED, every image a PNG, summary by nameserver and condition"
else
    ko "stats" "$(cat "$tmp/pyerr" "$tmp/pyerr2" "$tmp/py" | head -c 3000)"
fi
img=$(python3 -c "import json; print(json.load(open('$tmp/py'))['stats']['image_id'])" 2>/dev/null)
code=$(curl -s -o "$tmp/img.png" -w '%{http_code} %{content_type}' "$base/images/$img")
if [ "$code" = "200 image/png" ] && [ "$(head -c 8 "$tmp/img.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
    ok "curl GET /images/$img: a PNG"
else
    ko "GET /images/$img ($code)"
fi

# 6b. Digaas's /poll_requests generation (pglass/digaas old-master): GET /,
# GET /stats-file, and a /stats range where nothing finished still gives a
# PNG (designate-locust saved /images/<image_id> whatever came)
if digaas version; then ok "digaas client: GET / service digaas"; else ko "digaas version" "$(cat "$tmp/pyerr")"; fi
if digaas stats-file --start "$t_start" --end "$(date +%s.%N)" && grep -q '^update ' "$tmp/py" &&
    grep -q '^remove [0-9.]* None$' "$tmp/py" && grep -q '^remove [0-9.]* [0-9.]*$' "$tmp/py"; then
    ok "digaas client: GET /stats-file, $(wc -l < "$tmp/py") lines of <update|remove> <start_time> <duration|None>"
else
    ko "stats-file" "$(cat "$tmp/pyerr" "$tmp/py" | head -20)"
fi
get "/stats-file?start_time=1"
[ "$code" = 400 ] && [ "$(jf 'd["field"]')" = end_time ] && ok "400 /stats-file without end_time" ||
    ko "stats-file 400 (HTTP $code)" "$(cat "$tmp/resp")"
jf_py2() { python3 -c "import json; d=json.load(open('$tmp/py')); print($1)" 2>/dev/null; }
if digaas fetch-plot --start 1 --end 2 --out "$tmp/empty.png" &&
    file "$tmp/empty.png" | grep -q 'PNG image data' &&
    python3 -c "import sys; sys.exit(open('$tmp/empty.png','rb').read(8) != b'\x89PNG\r\n\x1a\n')"; then
    ok "a /stats range where nothing finished: image_id $(python3 -c "import json; print(json.load(open('$tmp/py'))['image_id'][-11:])"), a real PNG (file, python)"
else
    ko "empty /stats range" "$(cat "$tmp/pyerr" "$tmp/py"; file "$tmp/empty.png")"
fi
# the same over this run's results: gnuplot is not always done within the
# second designate-locust waits before its GET; the POST waits for it
if digaas fetch-plot --start "$t_start" --end "$(date +%s.%N)" --out "$tmp/full.png" &&
    [ "$(jf_py2 'd["status"]')" = COMPLETED ] && file "$tmp/full.png" | grep -q 'PNG image data'; then
    ok "designate-locust's fetch_plot (first 200 a second after POST /stats): COMPLETED, a PNG of this run"
else
    ko "fetch_plot of this run" "$(cat "$tmp/pyerr" "$tmp/py"; file "$tmp/full.png")"
fi
bad400 "poll_requests stats with end_time == start_time (old-master refused it)" end_time '{"start_time": 5, "end_time": 5}' /stats

# 6c. Digaas master's /observers and /stats {start, end}, through a client
# written as designate-locust's and Digaas's spec clients are
ocl=$(readlink -f "$(dirname "$0")/digaas_observers_client.py")
obs() { python3 "$ocl" "$base" "$@" > "$tmp/py" 2> "$tmp/pyerr"; }
observe() {
    local what=$1
    shift
    if obs observe "$@"; then
        ok "observer $what: $(jf_py 'd["status"], d["type"], "id", d["id"]')"
    else
        ko "observer $what" "$(cat "$tmp/pyerr")"
    fi
}
jf_py() { python3 -c "import json; d=json.load(open('$tmp/py')); print(*($1))" 2>/dev/null; }
if obs version; then ok "observers client: GET / (ping_check, service digaas, version 0.0.2)"; else ko "observers version" "$(cat "$tmp/pyerr")"; fi
t_obs=$(date +%s)
observe "ZONE_CREATE on knot" --type ZONE_CREATE --name lab.test. --nameserver "$LAB_KNOT_ADDR" --expect COMPLETE
observe "ZONE_CREATE of an absent zone times out" --type ZONE_CREATE --name absent.test. --nameserver "$LAB_KNOT_ADDR" --timeout 1 --expect ERROR
observe "ZONE_UPDATE serial 1 on bind" --type ZONE_UPDATE --name lab.test. --serial 1 --nameserver "$LAB_BIND_ADDR" --expect COMPLETE
observe "ZONE_DELETE of a zone knot lacks" --type ZONE_DELETE --name absent.test. --nameserver "$LAB_KNOT_ADDR" --expect COMPLETE
observe "ZONE_DELETE of a served zone times out" --type ZONE_DELETE --name lab.test. --nameserver "$LAB_NSD_ADDR" --timeout 1 --expect ERROR
observe "RECORD_CREATE A on bind" --type RECORD_CREATE --name multi.lab.test. --rdata 192.0.2.11 --rdatatype A --nameserver "$LAB_BIND_ADDR" --expect COMPLETE
observe "RECORD_UPDATE TXT on nsd" --type RECORD_UPDATE --name txt.lab.test. --rdata '"hello, world"' --rdatatype TXT --nameserver "$LAB_NSD_ADDR" --expect COMPLETE
observe "RECORD_UPDATE to a value never served times out" --type RECORD_UPDATE --name www.lab.test. --rdata 203.0.113.9 --rdatatype A --nameserver "$LAB_KNOT_ADDR" --timeout 1 --expect ERROR
observe "RECORD_DELETE of a name knot lacks" --type RECORD_DELETE --name gone.lab.test. --rdata 192.0.2.1 --rdatatype A --nameserver "$LAB_KNOT_ADDR" --expect COMPLETE
observe "RECORD_DELETE of a served record times out" --type RECORD_DELETE --name multi.lab.test. --rdata 192.0.2.11 --rdatatype A --nameserver "$LAB_BIND_ADDR" --timeout 1 --expect ERROR
# serial 0 means any SOA (designate-locust's zone import sends it): a zone
# whose serial is 3000000000 (RFC 1982 calls 0 newer than it)
big=big$RANDOM.digaas.test.
curl -s -o "$tmp/big" -w '%{http_code}' -X POST -H "X-API-Key: $LAB_PDNS_API_KEY" "$LAB_PDNS_API/zones" \
    -d '{"name":"'$big'","kind":"Master","catalog":"'"$LAB_CATALOG"'","soa_edit_api":"","nameservers":[],"rrsets":[{"name":"'$big'","type":"SOA","ttl":60,"records":[{"content":"ns1.lab.test. hostmaster.'$big' 3000000000 60 10 604800 60","disabled":false}]},{"name":"'$big'","type":"NS","ttl":300,"records":[{"content":"ns1.lab.test.","disabled":false}]}]}' > "$tmp/bigcode"
[ "$(cat "$tmp/bigcode")" = 201 ] || ko "creating $big in PowerDNS" "$(cat "$tmp/big")"
for ns in "$LAB_KNOT_ADDR" "$LAB_BIND_ADDR"; do
    "$bin" probe --ns "$ns" --zone "$big" --condition serial_not_lower --serial 2999999999 \
        --timeout 20 --frequency 0.2 --no-store > /dev/null 2>&1 || ko "$big never reached $ns"
done
observe "ZONE_UPDATE serial 0 on a zone at serial 3000000000 (bind)" --type ZONE_UPDATE --name "$big" --serial 0 --nameserver "$LAB_BIND_ADDR" --expect COMPLETE
observe "ZONE_CREATE serial 0 on it (knot)" --type ZONE_CREATE --name "$big" --serial 0 --nameserver "$LAB_KNOT_ADDR" --expect COMPLETE
if digaas poll --nameserver "$LAB_KNOT_ADDR" --query-name "$big" --condition serial_not_lower \
    --serial 0 --timeout 5 --frequency 0.2 --expect COMPLETED; then
    ok "/poll_requests serial_not_lower serial 0 on the zone at 3000000000: COMPLETED"
else
    ko "/poll_requests serial 0" "$(cat "$tmp/pyerr" "$tmp/py")"
fi
"$bin" probe --ns "$LAB_KNOT_ADDR" --zone "$big" --condition serial_not_lower --serial 0 \
    --timeout 1 --frequency 0.2 --no-store > "$tmp/probe0" 2>&1
[ $? = 1 ] && grep -q 'still lower than 0' "$tmp/probe0" &&
    ok "dnsprop probe keeps RFC 1982: serial 0 is newer than 3000000000 (TIMEOUT)" ||
    ko "probe serial 0" "$(cat "$tmp/probe0")"
# bad observers: 400 naming the field
bad400 "observer of an unknown type" type "{\"name\": \"lab.test.\", \"nameserver\": \"$LAB_KNOT_ADDR\", \"type\": \"ZONE_MOVE\", \"timeout\": 1, \"interval\": 1, \"start_time\": 1}" /observers
bad400 "RECORD_CREATE without rdata" rdata "{\"name\": \"lab.test.\", \"nameserver\": \"$LAB_KNOT_ADDR\", \"type\": \"RECORD_CREATE\", \"rdatatype\": \"A\", \"timeout\": 1, \"interval\": 1}" /observers
bad400 "ZONE_UPDATE without serial" serial "{\"name\": \"lab.test.\", \"nameserver\": \"$LAB_KNOT_ADDR\", \"type\": \"ZONE_UPDATE\", \"timeout\": 1, \"interval\": 1}" /observers
get /observers/0b5d5f4e-3c1e-4b7e-9a0b-2f4a1c9e8d7f
[ "$code" = 404 ] && ok "404 /observers/<a poll request's kind of id>" || ko "404 observers uuid (HTTP $code)"
get /observers/999999999
[ "$code" = 404 ] && ok "404 /observers/999999999" || ko "404 observers 999999999 (HTTP $code)"
mkdir -p "$tmp/plots"
if obs stats --start "$t_obs" --end "$(date +%s)" --plots "$tmp/plots" \
    --want-type ZONE_CREATE --want-type ZONE_UPDATE --want-type ZONE_DELETE \
    --want-type RECORD_CREATE --want-type RECORD_UPDATE --want-type RECORD_DELETE \
    --want-nameserver "$LAB_KNOT_ADDR" --want-nameserver "$LAB_BIND_ADDR" --want-nameserver "$LAB_NSD_ADDR" &&
    python3 -c "
import json; s = json.load(open('$tmp/py'))['summary']['observers_by_type']
assert s['ZONE_CREATE']['success_count'] >= 2 and s['ZONE_CREATE']['error_count'] == 1, s['ZONE_CREATE']
assert s['RECORD_DELETE']['success_count'] == 1 and s['RECORD_DELETE']['error_count'] == 1, s['RECORD_DELETE']
" 2> "$tmp/pyerr2" && [ "$(file "$tmp"/plots/*.png | grep -c 'PNG image data')" = 3 ]; then
    ok "observers client: POST /stats {start, end} 201, COMPLETE, summary by type and nameserver (counts right), 3 plots image/png"
else
    ko "observer stats" "$(cat "$tmp/pyerr" "$tmp/pyerr2"; file "$tmp"/plots/*)"
fi
if obs stats-refused --start 20 --end 10; then ok "POST /stats {start: 20, end: 10}: 400"; else ko "stats refused" "$(cat "$tmp/pyerr")"; fi
post /stats '{"start": 5, "end": 5}'
[ "$code" = 201 ] && [ "$(jf 'type(d["id"]).__name__')" = int ] &&
    ok "POST /stats {start: 5, end: 5}: 201 (Digaas's spec posts start == end)" || ko "stats start == end (HTTP $code)" "$(cat "$tmp/resp")"
get /stats/999999999/plots/query
[ "$code" = 404 ] && ok "404 plots of unknown stats" || ko "404 plots (HTTP $code)"
stop_serve && ok "SIGTERM: clean stop (exit 0)" || ko "SIGTERM exit $?" "$(tail -20 "$tmp/serve.log")"

# 7. bearer token
printf 's3cret-%s\n' "$RANDOM" > "$tmp/token"
start_serve --redis "$redis_url" --results "$tmp/results" --token-file "$tmp/token" ||
    { ko "serve with a token did not start" "$(tail "$tmp/serve.log")"; exit 1; }
body="{$good, \"timeout\": 5, \"frequency\": 0.1}"
code=$(curl -s -o "$tmp/resp" -D "$tmp/hdr" -w '%{http_code}' -X POST "$base/requests" --data-binary "$body")
[ "$code" = 401 ] && grep -qi '^WWW-Authenticate: Bearer' "$tmp/hdr" &&
    ok "401 without a token, with WWW-Authenticate" || ko "401 (HTTP $code)" "$(cat "$tmp/hdr")"
auth=(-H "Authorization: Bearer wrong")
get /requests/0b5d5f4e-3c1e-4b7e-9a0b-2f4a1c9e8d7f
[ "$code" = 401 ] && ok "401 with a wrong token (before the 404)" || ko "wrong token (HTTP $code)"
auth=(-H "Authorization: Bearer $(head -1 "$tmp/token")")
post /requests "$body"
[ "$code" = 202 ] && ok "202 with the token" || ko "token (HTTP $code)" "$(cat "$tmp/resp")"
if python3 "$client" "$base" --token "$(head -1 "$tmp/token")" poll --nameserver "$LAB_KNOT_ADDR" \
    --query-name lab.test. --condition serial_not_lower --serial 1 --timeout 5 \
    --frequency 0.1 --expect COMPLETED > /dev/null 2> "$tmp/pyerr"; then
    ok "digaas client with the token"
else
    ko "digaas client with the token" "$(cat "$tmp/pyerr")"
fi
stop_serve || ko "stop with a token: exit $?" "$(tail "$tmp/serve.log")"
auth=()

# 8. restart: unfinished requests resume (the embedded Redis, the default)
emb="$tmp/emb"
start_serve --results "$emb" || { ko "serve (embedded redis) did not start" "$(tail "$tmp/serve.log")"; exit 1; }
post /observers "{\"name\": \"www.lab.test.\", \"nameserver\": \"$LAB_KNOT_ADDR\", \"type\": \"RECORD_UPDATE\",
    \"rdata\": \"203.0.113.79\", \"rdatatype\": \"A\", \"start_time\": $(date +%s), \"timeout\": 8, \"interval\": 0.2}"
obs_long=$(jf 'd["id"]')
post /requests "{\"nameserver\": \"$LAB_KNOT_ADDR\", \"zone_name\": \"lab.test.\", \"name\": \"www.lab.test\",
    \"value\": \"203.0.113.77\", \"timeout\": 8, \"frequency\": 0.2, \"condition\": \"value_present\"}"
long=$(jf 'd["id"]')
post /requests "{\"nameserver\": \"$LAB_KNOT_ADDR\", \"zone_name\": \"lab.test.\", \"name\": \"www.lab.test\",
    \"value\": \"203.0.113.78\", \"timeout\": 1.5, \"frequency\": 0.2, \"condition\": \"value_present\"}"
short=$(jf 'd["id"]')
sleep 0.5
t_kill=$(date +%s.%N)
stop_serve || ko "stop with pending requests: exit $?" "$(tail "$tmp/serve.log")"
sleep 1.5 # the short one's timeout passes while the service is down
: > "$tmp/serve.log"
start_serve --results "$emb" || { ko "restart did not start" "$(tail "$tmp/serve.log")"; exit 1; }
grep -q "2 unfinished requests resumed, 1 ended" "$tmp/serve.log" &&
    ok "restart: 1 request and 1 observer resumed, 1 ended as timed out while down" ||
    ko "restart message" "$(cat "$tmp/serve.log")"
if final "$short" 5 && [ "$(jf 'd["status"], d["result"]')" = "ERROR TIMEOUT" ] &&
    jf 'd["reason"]' | grep -q "service was down"; then
    ok "the request whose timeout passed while down: ERROR, TIMEOUT, $(jf 'd["reason"]' | cut -c1-50)..."
else
    ko "expired while down" "$(cat "$tmp/resp")"
fi
get "/requests/$long"
[ "$(jf 'd["status"]')" = ACCEPTED ] && ok "the other one is polled again (ACCEPTED)" ||
    ko "resumed request" "$(cat "$tmp/resp")"
if final "$long" 15 && [ "$(jf 'd["status"], d["result"]')" = "ERROR TIMEOUT" ] &&
    [ "$(jf 'd["queries"] >= 1 and d["resumed_at"] > '"$t_kill"' and d["duration"] is None')" = True ]; then
    ok "the resumed request ends with a final status within its original timeout"
else
    ko "resumed request final" "$(cat "$tmp/resp")"
fi
if final_obs "$obs_long" && [ "$(jf 'd["id"]')" = "$obs_long" ] && [ "$(jf 'd["status"], d["result"], d["resumed_at"] > '"$t_kill")" = "ERROR TIMEOUT True" ]; then
    ok "the resumed observer $obs_long ends ERROR (result TIMEOUT) within its original timeout"
else
    ko "resumed observer" "$(cat "$tmp/resp")"
fi
post /observers "{\"name\": \"lab.test.\", \"nameserver\": \"$LAB_KNOT_ADDR\", \"type\": \"ZONE_CREATE\", \"timeout\": 2, \"interval\": 0.2, \"start_time\": null}"
[ "$code" = 201 ] && [ "$(jf 'd["id"]')" = $((obs_long + 1)) ] &&
    ok "observer ids survive the restart (Redis INCR): the next one is $((obs_long + 1))" ||
    ko "observer id after restart (HTTP $code)" "$(cat "$tmp/resp")"
# an ended request back in the pending set, as a put's first try that
# Redis applies after the request ended puts it (its SADD runs, its SET NX
# leaves the record): the next start drops it, neither polls nor ends it
get "/requests/$long"
reason_long=$(jf 'd["reason"]')
esock=$(find "$emb" -name redis.sock | head -1)
redis-cli -s "$esock" sadd dnsprop:requests:pending "$long" > /dev/null
stop_serve || ko "stop after resume: exit $?" "$(tail "$tmp/serve.log")"
# and a third start has nothing left to resume
: > "$tmp/serve.log"
start_serve --results "$emb" && grep -q "0 unfinished requests resumed, 0 ended" "$tmp/serve.log" &&
    get "/requests/$long" && [ "$(jf 'd["status"]')" = ERROR ] &&
    [ "$(jf 'd["reason"]')" = "$reason_long" ] &&
    [ "$(redis-cli -s "$esock" sismember dnsprop:requests:pending "$long")" = 0 ] &&
    ok "after a clean finish nothing is pending, the result persists, an ended request found pending is dropped as it is" ||
    ko "third start" "$(cat "$tmp/serve.log" "$tmp/resp")"
stop_serve || ko "final stop: exit $?" "$(tail "$tmp/serve.log")"

# 8b. --statsd: the service's metrics reach a UDP listener
sport=$(free_port)
statsd_listen "$sport" "$tmp/statsd.log" &
lpid=$!
statsd_wait "$tmp/statsd.log"
if start_serve --redis "$redis_url" --results "$tmp/results" --statsd "127.0.0.1:$sport"; then
    post /requests '{"nameserver":"'"$LAB_KNOT_ADDR"'","zone_name":"lab.test.","serial":1,"start_time":null,"timeout":5,"frequency":0.1,"condition":"serial_not_lower"}'
    final "$(jf 'd["id"]')" 10
    stop_serve
    sleep 0.3
fi
kill "$lpid" 2>/dev/null
if grep -q '^dnsprop.serve.requests.accepted:1|c' "$tmp/statsd.log" &&
    grep -q '^dnsprop.serve.polls.completed:1|c' "$tmp/statsd.log" &&
    grep -q '^dnsprop.serve.ns.127.0.0.1_[0-9]*.propagation_ms:[0-9.]*|ms' "$tmp/statsd.log"; then
    ok "serve --statsd: requests accepted, polls completed, propagation per nameserver"
else
    ko "serve --statsd" "$(cat "$tmp/statsd.log")"
fi

# 8c. retention: keys expire, and the indexes are pruned to match (issue 14).
# First the default (30d): a request's key has a TTL, not for ever. (With
# over 4096 connections allowed, the HTTP threads wait with epoll, not poll:
# a POST, its poll and GET through that path too.)
rcli flushdb > /dev/null
lines=$(wc -l < "$tmp/serve.log")
if start_serve --redis "$redis_url" --results "$tmp/results" --max-connections 5000; then
    tail -n +$((lines + 1)) "$tmp/serve.log" |
        grep -q "2 HTTP threads waiting with epoll, up to 5000 connections" &&
        ok "serve: --max-connections 5000: epoll" ||
        ko "serve: --max-connections 5000 does not say epoll" "$(cat "$tmp/serve.log")"
    post /requests '{"nameserver":"'"$LAB_KNOT_ADDR"'","zone_name":"lab.test.","serial":1,"start_time":null,"timeout":1,"frequency":0.1,"condition":"serial_not_lower"}'
    id=$(jf 'd["id"]')
    final "$id" 5 && [ "$(jf 'd["status"]')" = COMPLETED ] &&
        ok "serve (epoll): POST, poll, GET: COMPLETED" ||
        ko "serve (epoll): request $id" "$(cat "$tmp/resp")"
    sleep 0.3
    ttl=$(rcli ttl "dnsprop:request:$id")
    [ "$ttl" -gt $((29 * 86400)) ] && [ "$ttl" -le $((30 * 86400)) ] &&
        ok "serve: by default a request is kept 30 days (TTL $ttl s)" ||
        ko "serve default retention: TTL of request:$id is $ttl"
    stop_serve || ko "stop (default retention): exit $?" "$(tail "$tmp/serve.log")"
fi
# Then --retention 2s: n requests and an observer (1 s timeouts: keys live
# 3 s), all gone with their index entries a few seconds later.
# expiring: the ids in the expiry buckets (requests:expiring's sets)
expiring() {
    local b sum=0
    for b in $(rcli zrange dnsprop:requests:expiring 0 -1); do
        sum=$((sum + $(rcli scard "dnsprop:requests:expiring:$b")))
    done
    echo "$sum"
}
rcli flushdb > /dev/null
n=200
if start_serve --redis "$redis_url" --results "$tmp/results" --retention 2s; then
    python3 - "$base" "$LAB_KNOT_ADDR" "$n" > "$tmp/ids" <<'PY' || ko "retention: POSTs failed" "$(tail -3 "$tmp/ids")"
import json, sys, requests
base, ns, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with requests.Session() as s:
    for i in range(n):
        r = s.post(base + "/requests", json={"nameserver": ns, "zone_name": "lab.test.",
                   "serial": 1, "start_time": 1421867419 + i, "timeout": 1,
                   "frequency": 0.1, "condition": "serial_not_lower"})
        assert r.status_code == 202, (r.status_code, r.text)
        print(r.json()["id"])
    r = s.post(base + "/observers", json={"name": "lab.test.", "nameserver": ns,
               "type": "ZONE_CREATE", "timeout": 1, "interval": 0.2, "start_time": None})
    assert r.status_code == 201, (r.status_code, r.text)
    print(r.json()["id"])
PY
    first=$(head -1 "$tmp/ids")
    obs=$(tail -1 "$tmp/ids")
    ttl=$(rcli ttl "dnsprop:request:$first")
    got="$(rcli zcard dnsprop:requests) $(rcli zcard dnsprop:observers) $(expiring)"
    [ "$got" = "$n 1 $((n + 1))" ] && [ "$ttl" -ge 1 ] && [ "$ttl" -le 3 ] &&
        ok "serve --retention 2s: $n requests and an observer indexed, each key with a TTL ($ttl s)" ||
        ko "retention: indexes '$got' (want '$n 1 $((n + 1))'), TTL $ttl"
    for _ in $(seq 100); do
        [ "$(rcli zcard dnsprop:requests)" = 0 ] && [ "$(rcli zcard dnsprop:requests:expiring)" = 0 ] && break
        sleep 0.1
    done
    left=$(rcli --scan --pattern 'dnsprop:request:*' | wc -l)
    got="$(rcli zcard dnsprop:requests) $(rcli zcard dnsprop:observers) $(expiring) $(rcli scard dnsprop:requests:pending) $left"
    [ "$got" = "0 0 0 0 0" ] &&
        ok "serve --retention 2s: within 10 s every key has expired and the indexes are empty" ||
        ko "retention: after 10 s: zcard requests/observers/expiry, pending, keys = $got"
    get "/requests/$first"
    c1=$code
    get "/observers/$obs"
    [ "$c1 $code" = "404 404" ] && ok "serve --retention: an expired request and observer are 404" ||
        ko "retention: GET after expiry: $c1 $code"
    post /stats '{"start_time": 1421867419, "end_time": 1421869419}'
    sid=$(jf 'd["id"]')
    sleep 0.5
    ttl=$(rcli ttl "dnsprop:stats:$sid")
    [ "$ttl" -ge 1 ] && [ "$ttl" -le 2 ] && ok "serve --retention: stats keys expire too (TTL $ttl s)" ||
        ko "retention: stats:$sid TTL $ttl"
    stop_serve || ko "stop (retention): exit $?" "$(tail "$tmp/serve.log")"
fi
# --retention 0: for ever, as Digaas kept them
rcli flushdb > /dev/null
if start_serve --redis "$redis_url" --results "$tmp/results" --retention 0; then
    post /requests '{"nameserver":"'"$LAB_KNOT_ADDR"'","zone_name":"lab.test.","serial":1,"start_time":null,"timeout":1,"frequency":0.1,"condition":"serial_not_lower"}'
    id=$(jf 'd["id"]')
    final "$id" 5
    sleep 0.3
    [ "$(rcli ttl "dnsprop:request:$id") $(rcli zcard dnsprop:requests:expiring) $(expiring)" = "-1 0 0" ] &&
        ok "serve --retention 0: kept for ever (no TTL, no expiry index)" ||
        ko "retention 0: TTL $(rcli ttl "dnsprop:request:$id")"
    stop_serve || ko "stop (retention 0): exit $?" "$(tail "$tmp/serve.log")"
fi

# 9. usage errors
expect "serve: bad --listen" 64 "--listen" -- "$bin" serve --listen 127.0.0.1
expect "serve: empty --token-file" 64 "--token-file" -- "$bin" serve --token-file /dev/null
expect "serve: bad --retention" 64 "--retention" -- "$bin" serve --retention 3x
expect "serve: address in use" 2 "cannot listen" -- "$bin" serve --listen "$LAB_KNOT_ADDR" \
    --redis "$redis_url" --results "$tmp/results"

echo "test_serve: $pass passed, $fail failed ($(python3 -c "import time; print(f'{time.time() - $t_start:.0f}')") s)"
[ "$fail" -eq 0 ]
