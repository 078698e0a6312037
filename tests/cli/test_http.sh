#!/usr/bin/env bash
# The http target (templated REST calls) against the lab:
#   1. workloads/http/powerdns.ini drives a campaign, an operation table and
#      a zone sync (multi-value RRsets) through PowerDNS's API; every change
#      is seen on every nameserver;
#   2. captured values (RFC 6901 pointers into responses) feed later URLs;
#   3. a wrong template fails the run (exit 1) with the server's message;
#   4. template mistakes stop the run before it starts (exit 2), naming the key;
#   5. workloads/http/designate-v2.ini runs against a small stand-in for
#      the Designate v2 API (Python, on loopback) that applies the calls
#      to the lab's PowerDNS: zone and recordset ids are UUIDs only the
#      stand-in knows, so a recordset id must be captured on create and
#      found again for the same name and type on update and delete.
# Usage: tests/cli/test_http.sh ./dnsprop (with LAB_*, see tests/run-tests.sh).
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
bin=${1:-./dnsprop}
: "${LAB_DIR:?run through tests/run-tests.sh (needs the lab)}"
repo=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(readlink -f "$bin")
tmp=$(mktemp -d)
mock_pid=
cleanup() {
    if [ -n "$mock_pid" ]; then
        kill "$mock_pid" 2>/dev/null
        wait "$mock_pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1

# powerdns.ini reads these (users set them to their own server)
export PDNS_URL=$LAB_PDNS_API PDNS_API_KEY=$LAB_PDNS_API_KEY
# loopback only: no proxy may see the lab's calls
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
# seeds (and so zone names, d<seed>-p-1.http.test.) of this run only: a
# zone left by an earlier, failed run cannot get in the way
run_id=$$
seed0=$(((run_id % 4000) * 16))

nns=4
nameservers() { # TARGET: the lab's four nameservers, serving TARGET
    printf '%s\n' "[nameserver primary]" "address = $LAB_PDNS_ADDR" "role = primary" \
        "target = $1" "[nameserver knot]" "address = $LAB_KNOT_ADDR" "target = $1" \
        "[nameserver bind]" "address = $LAB_BIND_ADDR" "target = $1" \
        "[nameserver nsd]" "address = $LAB_NSD_ADDR" "target = $1"
}

# scenario NAME SEED INCLUDE TARGET TARGET-LINES REST-LINES
scenario() {
    printf '%s\n' "[campaign]" "name = $1" "results = $tmp/results" "seed = $2" \
        "include = $3" "[target $4]" "$5"
    nameservers "$4"
    printf '%s\n' "[probe]" "frequency = 0.05" "timeout = 15" "$6"
}

phase() { # COUNT [MIX]
    printf '%s\n' "[phase p]" "zones = 1" "zone_suffix = http.test." "count = $1" \
        "rate = 5" "mix = ${2:-record_create:5 record_update:3 record_delete:2 zone_update:1}" \
        "record_types = A AAAA TXT MX" "[slo]" "max_timeouts = 0" "converged = yes"
}

# a run meant to fail: what it polls ends sooner
failing() { # COUNT
    phase "$1" record_create:1
    printf '%s\n' "[probe]" "timeout = 5"
}

# all_seen SUMMARY OPERATIONS: every operation acked, every poll completed
all_seen() {
    python3 - "$1" "$2" "$nns" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
ops, nns = int(sys.argv[2]), int(sys.argv[3])
assert s["operations"] == ops and s["acked"] == ops and s["failed"] == 0, s
assert s["polls"] == ops * nns and s["completed"] == s["polls"], s
assert s["timeouts"] == 0 and s["converged"] and s["slo_ok"], s
PY
}

pdns_ini=$repo/workloads/http/powerdns.ini
cat_line="catalog = $LAB_CATALOG"

# 1. the PowerDNS template set: a campaign (1 zone + 15 operations) ...
scenario pdns $((seed0 + 1)) "$pdns_ini" pdnshttp "$cat_line" "$(phase 15)" > pdns.ini
"$bin" run --quiet pdns.ini > pdns.json 2> pdns.err
rc=$?
if [ $rc = 0 ] && all_seen pdns.json 16; then
    ok "powerdns.ini campaign: 16 operations acked, every poll completed"
else
    ko "powerdns.ini campaign (exit $rc)" "$(cat pdns.json pdns.err | tail -20)"
fi

# ... and an operation table, zone_create to zone_delete
zone=tbl-$run_id.http.test.
printf '%s\n' "at,op,zone,name,type,ttl,value" "0,zone_create,$zone,,,," \
    "1,record_create,$zone,www,A,60,192.0.2.10" \
    "1.3,record_create,$zone,txt,TXT,60,\"\"\"hello, http target\"\"\"" \
    "1.6,record_create,$zone,mail,MX,60,10 mx1.example." \
    "2,record_update,$zone,www,A,60,192.0.2.11" "2.5,zone_update,$zone,,,," \
    "3,record_delete,$zone,txt,TXT,," "6,zone_delete,$zone,,,," > ops.csv
scenario table $((seed0 + 2)) "$pdns_ini" pdnshttp "$cat_line" \
    "$(printf '%s\n' "[operations]" "file = $tmp/ops.csv" "[slo]" "converged = yes")" \
    > table.ini
"$bin" run --quiet table.ini > table.json 2> table.err
rc=$?
if [ $rc = 0 ] && all_seen table.json 8; then
    ok "powerdns.ini operation table: 8 operations acked, every poll completed"
else
    ko "powerdns.ini operation table (exit $rc)" "$(cat table.json table.err | tail -20)"
fi

# ... and a zone sync phase: multi-value RRsets and their TTLs (PowerDNS's
# records array comes from record_create.values, once per value), a TXT
# with quotes and backslashes JSON-escaped on the way
zone=zs-$run_id.http.test.
"$repo/tests/lab/lab.sh" zone-create "$zone" "$LAB_DIR" 2> zs-create.err
printf '%s\n' "\$ORIGIN $zone" '$TTL 300' '@ SOA ns1.lab.test. hostmaster 1 60 10 604800 60' \
    '@ NS ns1.lab.test.' 'multi A 192.0.2.10' 'multi A 192.0.2.11' 'multi A 192.0.2.12' \
    'txt TXT "a \"quoted\" string" "and a \\ backslash"' 'mx 120 MX 10 mail' > zs.zone
scenario zonesync $((seed0 + 9)) "$pdns_ini" pdnshttp "$cat_line" \
    "$(printf '%s\n' "[phase sync]" "zonefile = $tmp/zs.zone" "zone = $zone" "rate = 5" \
        "[slo]" "max_timeouts = 0" "converged = yes")" > zonesync.ini
"$bin" run --quiet zonesync.ini > zonesync.json 2> zonesync.err
rc=$?
if [ $rc = 0 ] && all_seen zonesync.json 3; then
    ok "zone sync through powerdns.ini: 3 RRsets (3 A values, 2 TXT strings) seen everywhere"
else
    ko "zone sync through powerdns.ini (exit $rc)" \
        "$(cat zs-create.err zonesync.json zonesync.err | tail -20)"
fi
"$repo/tests/lab/lab.sh" zone-delete "$zone" "$LAB_DIR" 2> /dev/null

# 2. captures: zone_create keeps the zone's /url (PowerDNS answers
#    "/api/v1/servers/localhost/zones/Z."); every later call of the zone is
#    an absolute URL built from it, so nothing works unless it was captured
export PDNS_ORIGIN=${LAB_PDNS_API%%/api/*}
cap_lines=$(printf '%s\n' "zone_create.capture = zone_id=/id" \
    "zone_create.capture+ = zone_url=/url" \
    'zone_update.url = ${PDNS_ORIGIN}${zone_url}' \
    'zone_delete.url = ${PDNS_ORIGIN}${zone_url}' \
    'record_create.url = ${PDNS_ORIGIN}${zone_url}' \
    'record_update.url = ${PDNS_ORIGIN}/api/v1/servers/localhost/zones/${zone_id}' \
    'record_delete.url = ${PDNS_ORIGIN}${zone_url}' \
    'serial.url = ${PDNS_ORIGIN}${zone_url}?rrsets=false' "$cat_line")
scenario capture $((seed0 + 3)) "$pdns_ini" pdnshttp "$cap_lines" "$(phase 12)" > capture.ini
"$bin" run --quiet capture.ini > capture.json 2> capture.err
rc=$?
if [ $rc = 0 ] && all_seen capture.json 13; then
    ok "captures: \${zone_url} and \${zone_id} from zone_create feed the later calls"
else
    ko "captures (exit $rc)" "$(cat capture.json capture.err | tail -20)"
fi
scenario nocap $((seed0 + 4)) "$pdns_ini" pdnshttp "zone_create.capture = zone_id=/no~1such/0
$cat_line" "$(failing 1)" > nocap.ini
expect "a capture that finds nothing fails the run, naming the pointer" 1 \
    "zone_create.capture: zone_id: nothing at '/no~1such/0' in the response" -- \
    "$bin" run nocap.ini
# the zone was created (the capture failed after): not the driver's to clean up
"$repo/tests/lab/lab.sh" zone-delete "$(printf 'd%04x-p-1.http.test.' $((seed0 + 4)))" \
    "$LAB_DIR" 2> /dev/null

# 3. a wrong template: the run fails with the status and the server's message
scenario notfound $((seed0 + 5)) "$pdns_ini" pdnshttp 'record_create.url = /nope/${zone}' \
    "$(failing 2)" > notfound.ini
expect "a wrong URL fails the run with HTTP 404 and the body" 1 \
    "record_create r[0-9]+\.d[0-9a-f]+-p-1\.http\.test\.: PATCH http://[^ ]+/nope/d[^ ]+: HTTP 404: Not Found" \
    -- "$bin" run notfound.ini
scenario badbody $((seed0 + 6)) "$pdns_ini" pdnshttp \
    'record_create.body = {"rrsets": [{"name": "${name}", "type": "${type}", "changetype": "BOGUS"}]}' \
    "$(failing 2)" > badbody.ini
expect "a body the server refuses: HTTP 422 and its {\"error\"} message" 1 \
    "HTTP 422: Changetype not understood" -- "$bin" run badbody.ini

# 4. template mistakes: exit 2 before anything starts, naming the key
nbad=0
bad() { # WHAT PATTERN TARGET-LINES
    nbad=$((nbad + 1))
    scenario "bad$nbad" $((seed0 + 7)) "$pdns_ini" pdnshttp "$3" "$(phase 3)" > "bad$nbad.ini"
    expect "$1" 2 "$2" -- "$bin" run "bad$nbad.ini"
}
bad "an unknown variable" \
    'record_update.url: \$\{recordset_id\} is not a placeholder .* not set in the environment' \
    'record_update.url = /zones/${zone}/${recordset_id}'
bad "a body that is not JSON once filled" "record_create.body: not JSON once filled" \
    'record_create.body = {"rrsets": [{"name": "${name}"}]'
bad "an unknown key" "record_crate.url: unknown key" 'record_crate.url = /zones'
bad "a bad JSON pointer" "zone_create.capture: '/id~2' is not a JSON pointer" \
    'zone_create.capture = id=/id~2'
bad "a record capture used by a zone operation" \
    'zone_update.url: \$\{rs\} is captured per record' \
    "$(printf '%s\n' 'record_create.capture = rs=/id' 'zone_update.url = /zones/${rs}')"
bad "an empty URL" "zone_delete.url: empty" 'zone_delete.url ='
bad "a lower-case method" "record_create.method: 'patch' is not an HTTP method" \
    'record_create.method = patch'
bad "a continuation of nothing" "record_delete.capture\+: continues record_delete.capture" \
    'record_delete.capture+ = x=/y'
expect "an unset environment variable" 2 "environment variable PDNS_URL is not set" -- \
    env -u PDNS_URL "$bin" run pdns.ini

# 5. Designate v2 (designate-v2.ini) against a stand-in on top of PowerDNS
# (tests/cli/designate_standin.py; its status poll: tests/cli/test_provider.sh)
export OS_TOKEN=tok-$run_id
python3 "$repo/tests/cli/designate_standin.py" "$LAB_PDNS_API" "$LAB_PDNS_API_KEY" "$LAB_CATALOG" "$OS_TOKEN" \
    "$tmp/mock.port" 2> mock.err &
mock_pid=$!
for _ in $(seq 100); do
    [ -s mock.port ] && break
    sleep 0.05
done
if [ ! -s mock.port ]; then
    ko "the Designate stand-in did not start" "$(cat mock.err)"
else
    DESIGNATE_URL=http://127.0.0.1:$(cat mock.port)
    export DESIGNATE_URL
    des_ini=$repo/workloads/http/designate-v2.ini
    scenario designate $((seed0 + 8)) "$des_ini" designate "" "$(phase 15)" > designate.ini
    "$bin" run --quiet designate.ini > designate.json 2> designate.err
    rc=$?
    if [ $rc = 0 ] && all_seen designate.json 16; then
        ok "designate-v2.ini campaign (stand-in): recordset ids captured per name and type"
    else
        ko "designate-v2.ini campaign (exit $rc)" \
            "$(cat designate.json designate.err mock.err | tail -20)"
    fi
    OS_TOKEN=wrong "$bin" run designate.ini > /dev/null 2> designate-401.err
    rc=$?
    if [ $rc = 1 ] && grep -q "HTTP 401: Authentication required" designate-401.err; then
        ok "designate-v2.ini: a wrong token fails with Designate's {\"message\"}"
    else
        ko "designate-v2.ini with a wrong token (exit $rc)" "$(tail -5 designate-401.err)"
    fi
fi

echo "http: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
