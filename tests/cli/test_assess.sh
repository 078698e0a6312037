#!/usr/bin/env bash
# `dnsprop assess --axfr` and `--scenario` against real nameservers on
# loopback: the lab (tests/lab/lab.sh: PowerDNS primary, Knot, BIND and NSD
# secondaries; the shared one of tests/run-tests.sh when LAB_DIR is set,
# else one of our own) serving a zone made here through the PowerDNS API,
# plus a Knot and an NSD secondary of that zone started here (the lab's
# Knot and NSD do not allow transfers): our Knot refreshes only when told
# (refresh-min-interval), so it lags behind a change on purpose.
#   --axfr      whole zones agree after propagation; a change at the primary
#               lists the lagging secondary's missing and overpresent
#               records (SOA included); a server refusing the transfer has
#               everything missing and an error; --master among the --ns
#   --scenario  hand-written intended states: served, ABSENT but served
#               (overpresent), PRESENT but not served (missing), a 40-value
#               RRset (TCP fallback), an ABSENT zone; --master NAME; the
#               newest campaign under the results dir, --campaign; a
#               nameserver that never answers
#   usage and file errors (64 / 2) with their messages.
# Usage: tests/cli/test_assess.sh ./dnsprop-asan
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
bin=$(readlink -f "${1:-./dnsprop}")
cd "$(dirname "$0")/../.." || exit 1
root=$PWD

need_tools assess knotd knotc nsd dig curl python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dnsprop-assess.XXXXXX")
pids=()
own_lab=""
zone=""
cleanup() {
    local p
    [ -n "$zone" ] && [ -z "$own_lab" ] && "$root/tests/lab/lab.sh" zone-delete "$zone" >/dev/null 2>&1
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null
    done
    for p in "${pids[@]}"; do
        wait "$p" 2>/dev/null
    done
    [ -n "$own_lab" ] && "$root/tests/lab/lab.sh" down "$own_lab" >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the lab -------------------------------------------------------------------------
if [ -n "${LAB_DIR:-}" ] && [ -f "$LAB_DIR/lab.env" ]; then
    # shellcheck source=/dev/null
    . "$LAB_DIR/lab.env"
else
    own_lab=$tmp/lab
    export LAB_DIR=$own_lab
    env=$(tests/lab/lab.sh up) || { echo "assess: the lab did not start (logs in $own_lab)"; exit 1; }
    eval "$env"
fi
export LAB_DIR

zone="assess$$.test."
Z=${zone%.}
pdns_port=${LAB_PDNS_ADDR##*:}

api() { # METHOD PATH [BODY]
    curl -sS --noproxy '*' -f -X "$1" -H "X-API-Key: $LAB_PDNS_API_KEY" \
        ${3:+-d "$3"} "$LAB_PDNS_API$2"
}
# serial ADDR:PORT: the zone's SOA serial there, or nothing
serial() {
    dig +short +norec +time=1 +tries=1 @"${1%:*}" -p "${1##*:}" "$zone" SOA 2>/dev/null |
        awk '{print $3}'
}
# wait_serial ADDR:PORT SERIAL: until the server serves it (15 s at most)
wait_serial() {
    local _
    for _ in $(seq 150); do
        [ "$(serial "$1")" = "$2" ] && return 0
        sleep 0.1
    done
    echo "assess: $1 does not serve $zone serial $2 (has '$(serial "$1")')" >&2
    return 1
}
rrset() { # NAME TYPE CHANGETYPE [RECORD-CONTENTS-JSON-ARRAY]
    printf '{"name":"%s.%s","type":"%s","ttl":60,"changetype":"%s","records":%s}' \
        "$1" "$zone" "$2" "$3" "${4:-[]}"
}
recs() { python3 -c 'import json,sys; print(json.dumps([{"content":c,"disabled":False} for c in sys.argv[1:]]))' "$@"; }
big_values() { python3 -c 'print("\n".join("\"v%02d-%s\"" % (i, "x" * 200) for i in range(40)))'; }

# ---- the zone on the primary, propagated to the lab's secondaries ---------------------------
tests/lab/lab.sh zone-create "$zone" 2>/dev/null || { echo "assess: zone-create $zone failed"; exit 1; }
mapfile -t big < <(big_values)
api PATCH "/zones/$zone" "{\"rrsets\":[$(rrset a A REPLACE "$(recs 192.0.2.1)"),
$(rrset keep TXT REPLACE "$(recs '"still here"')"),
$(rrset old A REPLACE "$(recs 192.0.2.7)"),
$(rrset mail MX REPLACE "$(recs '10 a.'"$zone")"),
$(rrset big TXT REPLACE "$(recs "${big[@]}")")]}" >/dev/null ||
    { echo "assess: the API did not take the records"; exit 1; }
s1=$(serial "$LAB_PDNS_ADDR")
for a in "$LAB_KNOT_ADDR" "$LAB_BIND_ADDR" "$LAB_NSD_ADDR"; do
    wait_serial "$a" "$s1" || exit 1
done

# ---- our Knot and NSD secondaries of it, transfers allowed ---------------------------
knot_port=$(free_port)
mkdir -p "$tmp/knot/db" "$tmp/knot/zones"
cat >"$tmp/knot/knot.conf" <<EOF
server:
    rundir: "$tmp/knot"
    pidfile: "$tmp/knot/knot.pid"
    listen: 127.0.0.1@$knot_port
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: info
database:
    storage: "$tmp/knot/db"
control:
    listen: "$tmp/knot/knot.sock"
remote:
  - id: pdns
    address: 127.0.0.1@$pdns_port
    via: 127.0.0.1
acl:
  - id: xfr
    address: 127.0.0.1
    action: transfer
zone:
  - domain: $zone
    storage: "$tmp/knot/zones"
    zonefile-sync: -1
    zonefile-load: none
    journal-content: none
    master: pdns
    acl: xfr
    # no refresh on its own during the test: it lags until zone-refresh
    refresh-min-interval: 3600
    refresh-max-interval: 3600
EOF
knotd -c "$tmp/knot/knot.conf" >"$tmp/knot/knot.log" 2>&1 </dev/null &
pids+=($!)
nsd_port=$(free_port)
mkdir -p "$tmp/nsd/zones" "$tmp/nsd/xfr"
cat >"$tmp/nsd/nsd.conf" <<EOF
server:
    ip-address: 127.0.0.1
    port: $nsd_port
    do-ip6: no
    server-count: 1
    reuseport: no
    username: ""
    chroot: ""
    zonesdir: "$tmp/nsd/zones"
    database: ""
    zonelistfile: "$tmp/nsd/zone.list"
    xfrdfile: "$tmp/nsd/xfrd.state"
    xfrdir: "$tmp/nsd/xfr"
    pidfile: "$tmp/nsd/nsd.pid"
    verbosity: 1
remote-control:
    control-enable: no
zone:
    name: "$zone"
    request-xfr: 127.0.0.1@$pdns_port NOKEY
    allow-notify: 127.0.0.1 NOKEY
    provide-xfr: 127.0.0.1 NOKEY
    outgoing-interface: 127.0.0.1
EOF
nsd -d -c "$tmp/nsd/nsd.conf" >"$tmp/nsd/nsd.log" 2>&1 </dev/null &
pids+=($!)
KNOT=127.0.0.1:$knot_port
NSD=127.0.0.1:$nsd_port
wait_serial "$KNOT" "$s1" || { tail "$tmp/knot/knot.log"; exit 1; }
wait_serial "$NSD" "$s1" || { tail "$tmp/nsd/nsd.log"; exit 1; }

# jcheck NAME FILE PYTHON-ASSERTS (the JSON as j): ok/ko
jcheck() {
    local name=$1 file=$2 code=$3
    if python3 -c "import json, sys
j = json.load(open(sys.argv[1]))
def recs(lst, src):
    return sorted((r['name'], r['type'], r['rdata']) for r in j[lst].get(src, []))
$code" "$file" 2>"$tmp/jcheck.err"; then
        ok "$name"
    else
        ko "$name" "$(cat "$tmp/jcheck.err" "$file" | tail -40)"
    fi
}
# runj ARGS...: stdout to $tmp/out.json, exit status in rc
runj() {
    "$bin" assess "$@" >"$tmp/out.json" 2>"$tmp/err"
    rc=$?
}

# ---- --axfr --------------------------------------------------------------------------
expect "axfr: primary, BIND, Knot, NSD agree after propagation" 0 "^converged" -- \
    "$bin" assess --axfr --zone "$zone" --ns "$LAB_PDNS_ADDR" --ns "$LAB_BIND_ADDR" \
    --ns "$KNOT" --ns "$NSD"
runj --axfr --zone "$Z" --ns "$LAB_PDNS_ADDR" --ns "$LAB_BIND_ADDR" --ns "$KNOT" --ns "$NSD" --json
jcheck "axfr --json: converged, no errors, 45 records compared" "$tmp/out.json" "
assert j['converged'] is True and j['missing'] == {} and j['overpresent'] == {}, j
assert j['errors'] == {} and j['master'] == '$LAB_PDNS_ADDR', j"

# The lab's Knot refuses transfers: it has no records, and says why.
runj --axfr --zone "$zone" --ns "$LAB_PDNS_ADDR" --ns "$LAB_KNOT_ADDR" --json
jcheck "axfr: a server refusing the transfer misses everything (exit $rc)" "$tmp/out.json" "
assert $rc == 1 and j['converged'] is False, j
m = recs('missing', '$LAB_KNOT_ADDR')
assert ('$zone', 'SOA', 'ns1.lab.test. hostmaster.$zone $s1 60 10 604800 60') in m, m
assert ('a.$zone', 'A', '192.0.2.1') in m and len(m) == 46, m
assert any('AXFR refused' in e for e in j['errors']['$LAB_KNOT_ADDR']), j['errors']"

# A change at the primary: the lab's BIND gets it by NOTIFY, our Knot lags.
api PATCH "/zones/$zone" "{\"rrsets\":[$(rrset fresh TXT REPLACE "$(recs '"new value"')"),
$(rrset old A DELETE)]}" >/dev/null || { echo "assess: the API did not take the change"; exit 1; }
s2=$(serial "$LAB_PDNS_ADDR")
wait_serial "$LAB_BIND_ADDR" "$s2" || exit 1
if [ "$(serial "$KNOT")" = "$s1" ]; then ok "our Knot lags at serial $s1"; else ko "our Knot did not lag"; fi
runj --axfr --zone "$zone" --ns "$LAB_PDNS_ADDR" --ns "$LAB_BIND_ADDR" --ns "$KNOT" --json
jcheck "axfr: the lagging secondary's missing and overpresent records (exit $rc)" "$tmp/out.json" "
assert $rc == 1 and j['converged'] is False, j
soa = 'ns1.lab.test. hostmaster.$zone %s 60 10 604800 60'
assert recs('missing', '$KNOT') == [('$zone', 'SOA', soa % $s2), ('fresh.$zone', 'TXT', '\"new value\"')], recs('missing', '$KNOT')
assert recs('overpresent', '$KNOT') == [('$zone', 'SOA', soa % $s1), ('old.$zone', 'A', '192.0.2.7')], recs('overpresent', '$KNOT')
assert set(j['missing']) == {'$KNOT'} and set(j['overpresent']) == {'$KNOT'}, j
r = [x for x in j['missing']['$KNOT'] if x['type'] == 'TXT'][0]
assert r == {'class': 'IN', 'type': 'TXT', 'name': 'fresh.$zone', 'rdata': '\"new value\"', 'ttl': 60, 'presence': 'ABSENT', 'source': '$KNOT'}, r"
expect "axfr text: names the lagging source's missing record" 1 \
    "^missing +$KNOT +fresh\.$Z\. IN TXT \"new value\"" -- \
    "$bin" assess --axfr --zone "$zone" --ns "$LAB_PDNS_ADDR" --ns "$KNOT"
expect "axfr text: ... and its extra record" 1 "^overpresent +$KNOT +old\.$Z\. IN A 192\.0\.2\.7" -- \
    "$bin" assess --axfr --zone "$zone" --ns "$LAB_PDNS_ADDR" --ns "$KNOT"

# --master: our NSD (not notified either, at serial s1) as the reference.
runj --axfr --zone "$zone" --ns "$LAB_PDNS_ADDR" --ns "$NSD" --master "$NSD" --json
jcheck "axfr --master: the primary compared with the lagging NSD (exit $rc)" "$tmp/out.json" "
assert $rc == 1 and j['master'] == '$NSD', j
assert ('fresh.$zone', 'TXT', '\"new value\"') in recs('overpresent', '$LAB_PDNS_ADDR'), j
assert ('old.$zone', 'A', '192.0.2.7') in recs('missing', '$LAB_PDNS_ADDR'), j
assert set(j['missing']) == {'$LAB_PDNS_ADDR'}, j"

# Our Knot catches up when told to refresh.
knotc -c "$tmp/knot/knot.conf" zone-refresh "$zone" >/dev/null 2>&1
if wait_serial "$KNOT" "$s2"; then
    expect "axfr: converged again after the refresh" 0 "^converged" -- \
        "$bin" assess --axfr --zone "$zone" --ns "$KNOT" --ns "$LAB_PDNS_ADDR" --ns "$LAB_BIND_ADDR"
else
    ko "our Knot did not refresh" "$(tail -5 "$tmp/knot/knot.log")"
fi

# ---- --scenario ----------------------------------------------------------------------
for a in "$LAB_KNOT_ADDR" "$LAB_NSD_ADDR"; do
    wait_serial "$a" "$s2" || exit 1
done
scenario() { # FILE NAME [EXTRA-LINES]
    # shellcheck disable=SC2016 # ${LAB_DIR} is for dnsprop to expand
    printf '%s\n' "[campaign]" "name = $2" "results = $tmp/results" \
        'include = ${LAB_DIR}/lab.ini' "[phase p]" "zones = 1" "count = 1" "rate = 1" \
        "mix = record_create:1" "${3:-}" >"$1"
}
scenario "$tmp/s.ini" asstest
bigjson=$(printf '%s\n' "${big[@]}" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read().split("\n")[:-1]))')
# served, ABSENT but served, PRESENT but not served
cat >"$tmp/mixed.json" <<EOF
{"zones": [{"zone": "$zone", "presence": "PRESENT"}],
 "records": [
  {"name": "a.$zone", "zone": "$zone", "type": "A", "presence": "PRESENT", "values": ["192.0.2.1"]},
  {"name": "keep.$zone", "zone": "$zone", "type": "TXT", "presence": "ABSENT"},
  {"name": "ghost.$zone", "zone": "$zone", "type": "A", "presence": "PRESENT", "values": ["192.0.2.99"]}]}
EOF
# everything as served: a 40-value RRset (8 kB: TCP after TC), a deleted
# record, a deleted zone (REFUSED there is right, not an error)
cat >"$tmp/good.json" <<EOF
{"zones": [{"zone": "$zone", "presence": "PRESENT"}, {"zone": "gone$$.test.", "presence": "ABSENT"}],
 "records": [
  {"name": "a.$zone", "zone": "$zone", "type": "A", "presence": "PRESENT", "values": ["192.0.2.1"]},
  {"name": "KEEP.$Z", "zone": "$zone", "type": "TXT", "presence": "PRESENT", "values": ["still here"]},
  {"name": "mail.$zone", "zone": "$zone", "type": "MX", "presence": "PRESENT", "values": ["10 A.$zone"]},
  {"name": "big.$zone", "zone": "$zone", "type": "TXT", "presence": "PRESENT", "values": $bigjson},
  {"name": "old.$zone", "zone": "$zone", "type": "A", "presence": "ABSENT"},
  {"name": "fresh.$zone", "zone": "$zone", "type": "TXT", "presence": "PRESENT", "values": ["\\"new value\\""]},
  {"name": "www.gone$$.test.", "zone": "gone$$.test.", "type": "A", "presence": "ABSENT"}]}
EOF
runj --scenario "$tmp/s.ini" --intended "$tmp/mixed.json" --json
jcheck "scenario: missing and overpresent at every nameserver (exit $rc)" "$tmp/out.json" "
assert $rc == 1 and j['converged'] is False and j['master'] == '', j
for ns in ('primary', 'knot', 'bind', 'nsd'):
    m = j['missing'][ns]
    assert [(r['name'], r['type'], r['rdata'], r['presence'], r['source']) for r in m] == [('ghost.$zone', 'A', '192.0.2.99', 'ABSENT', ns)], m
    o = j['overpresent'][ns]
    assert [(r['name'], r['type'], r['rdata'], r['ttl'], r['presence'], r['source']) for r in o] == [('keep.$zone', 'TXT', '\"still here\"', 60, 'PRESENT', ns)], o
    assert set(o[0]) == {'class', 'type', 'name', 'rdata', 'ttl', 'presence', 'source'}, o
assert set(j['missing']) == set(j['overpresent']) == {'primary', 'knot', 'bind', 'nsd'}, j
assert j['errors'] == {}, j['errors']"
expect "scenario text: the missing record per nameserver" 1 "^missing +nsd +ghost\.$Z\. IN A 192\.0\.2\.99" -- \
    "$bin" assess --scenario "$tmp/s.ini" --intended "$tmp/mixed.json"
runj --scenario "$tmp/s.ini" --intended "$tmp/good.json" --json
jcheck "scenario: converged, a 40-value RRset over TCP, a deleted zone (exit $rc)" "$tmp/out.json" "
assert $rc == 0 and j['converged'] is True, j
assert j['missing'] == {} and j['overpresent'] == {} and j['errors'] == {}, j"
expect "scenario text: converged" 0 "^converged$" -- \
    "$bin" assess --scenario "$tmp/s.ini" --intended "$tmp/good.json"

# --master NAME: a nameserver is the reference, the intended state the source ''
runj --scenario "$tmp/s.ini" --intended "$tmp/mixed.json" --master knot --json
jcheck "scenario --master knot: the intended state is the source '' (exit $rc)" "$tmp/out.json" "
assert $rc == 1 and j['master'] == 'knot', j
assert recs('missing', '') == [('keep.$zone', 'TXT', '\"still here\"')], j
assert recs('overpresent', '') == [('ghost.$zone', 'A', '192.0.2.99')], j
assert set(j['missing']) == {''} and set(j['overpresent']) == {''}, j"
expect "scenario --master bind: converged with good.json" 0 "^converged" -- \
    "$bin" assess --scenario "$tmp/s.ini" --intended "$tmp/good.json" --master bind
expect "scenario --master: (none) in text" 1 "^missing +\(none\) +keep\.$Z\. IN TXT" -- \
    "$bin" assess --scenario "$tmp/s.ini" --intended "$tmp/mixed.json" --master primary

# The newest campaign of the scenario's name under its results dir
mkdir -p "$tmp/results/asstest-20260101T000000Z" "$tmp/results/asstest-20260102T000000Z" \
    "$tmp/results/asstest-20260102T000000Z-2" "$tmp/results/asstest-20260103T000000Z" \
    "$tmp/results/asstestx-20270101T000000Z" "$tmp/results/asstest-later"
cp "$tmp/good.json" "$tmp/results/asstest-20260101T000000Z/intended.json"
cp "$tmp/mixed.json" "$tmp/results/asstest-20260102T000000Z/intended.json"
cp "$tmp/good.json" "$tmp/results/asstest-20260102T000000Z-2/intended.json"
cp "$tmp/mixed.json" "$tmp/results/asstestx-20270101T000000Z/intended.json"
cp "$tmp/mixed.json" "$tmp/results/asstest-later/intended.json"
# (asstest-20260103T000000Z has no intended.json: skipped)
runj --scenario "$tmp/s.ini" --json
jcheck "scenario: the newest campaign's intended state (exit $rc)" "$tmp/out.json" "
assert $rc == 0 and j['intended'].endswith('/asstest-20260102T000000Z-2/intended.json'), j"
runj --scenario "$tmp/s.ini" --campaign asstest-20260102T000000Z --json
jcheck "scenario --campaign ID (exit $rc)" "$tmp/out.json" "
assert $rc == 1 and j['intended'].endswith('/asstest-20260102T000000Z/intended.json'), j"

# A nameserver that never answers (a UDP socket nobody reads)
silent_port=$(free_port)
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
time.sleep(60)' "$silent_port" &
pids+=($!)
scenario "$tmp/silent.ini" asstest "[nameserver silent]
address = 127.0.0.1:$silent_port"
runj --scenario "$tmp/silent.ini" --intended "$tmp/good.json" --json
jcheck "scenario: a silent nameserver misses everything, one error per kind (exit $rc)" "$tmp/out.json" "
assert $rc == 1, j
assert ('$zone', 'SOA', '(any)') in recs('missing', 'silent'), j
assert set(j['missing']) == {'silent'} and j['overpresent'] == {}, j
e = j['errors']['silent']
assert len(e) == 2 and e[0].startswith('no answer') and e[1].startswith('not asked'), e"
expect "scenario: a silent master is an error" 2 "the master silent answered nothing: no answer" -- \
    "$bin" assess --scenario "$tmp/silent.ini" --intended "$tmp/good.json" --master silent

# ---- usage and file errors -----------------------------------------------------------
scenario "$tmp/nocamp.ini" nocamp
printf '{"zones": [], "records": [{"name": "a.%s", "type": "BOGUS", "presence": "ABSENT"}]}\n' \
    "$zone" >"$tmp/badtype.json"
printf '{"zones": [], "records": []}\n' >"$tmp/empty.json"
expect "no campaign" 2 "no campaign of scenario nocamp under $tmp/results .*run \`dnsprop run FILE\` first or give --intended" -- \
    "$bin" assess --scenario "$tmp/nocamp.ini"
expect "unknown campaign" 2 "campaign nocamp-x has no intended state" -- \
    "$bin" assess --scenario "$tmp/nocamp.ini" --campaign nocamp-x
expect "unreadable intended" 2 "nope.json: cannot read the intended state" -- \
    "$bin" assess --scenario "$tmp/s.ini" --intended "$tmp/nope.json"
expect "intended not JSON" 2 "s.ini:1: not JSON" -- \
    "$bin" assess --scenario "$tmp/s.ini" --intended "$tmp/s.ini"
expect "intended with a bad type" 2 "badtype.json: records\[0\] \(a\.$Z\.\): type" -- \
    "$bin" assess --scenario "$tmp/s.ini" --intended "$tmp/badtype.json"
expect "empty intended" 2 "nothing to assess" -- \
    "$bin" assess --scenario "$tmp/s.ini" --intended "$tmp/empty.json"
expect "unknown --master name" 64 "--master: 'nope' is not a nameserver of .*s.ini serving target pdns \(primary, knot, bind, nsd" -- \
    "$bin" assess --scenario "$tmp/s.ini" --intended "$tmp/good.json" --master nope
expect "bad scenario" 2 "cannot open|No such file" -- "$bin" assess --scenario "$tmp/nope.ini"
expect "--intended and --campaign" 64 "--campaign: give --intended FILE or --campaign ID, not both" -- \
    "$bin" assess --scenario "$tmp/s.ini" --intended "$tmp/good.json" --campaign x
expect "axfr: missing --zone" 64 "assess: --zone: missing" -- \
    "$bin" assess --axfr --ns "$LAB_PDNS_ADDR" --ns "$KNOT"
expect "axfr: one --ns" 64 "--ns: give at least two servers" -- \
    "$bin" assess --axfr --zone "$zone" --ns "$LAB_PDNS_ADDR"
expect "axfr: bad --ns" 64 "--ns: 'ns1.example' is not an IPv4/IPv6 address" -- \
    "$bin" assess --axfr --zone "$zone" --ns "$LAB_PDNS_ADDR" --ns ns1.example
expect "axfr: --master not among --ns" 64 "--master: '127.0.0.1:9' is not one of the --ns" -- \
    "$bin" assess --axfr --zone "$zone" --ns "$LAB_PDNS_ADDR" --ns "$KNOT" --master 127.0.0.1:9
expect "axfr: bad --tsig" 64 "--tsig: .*expected ALGORITHM:KEYNAME:BASE64SECRET" -- \
    "$bin" assess --axfr --zone "$zone" --ns "$LAB_PDNS_ADDR" --ns "$KNOT" --tsig nonsense
expect "axfr: a master refusing the transfer is an error" 2 "the master $LAB_NSD_ADDR has no zone $Z\. to compare with: AXFR refused" -- \
    "$bin" assess --axfr --zone "$zone" --ns "$LAB_NSD_ADDR" --ns "$LAB_PDNS_ADDR"
expect "no mode" 64 "give exactly one of --records" -- "$bin" assess --master x
expect "two modes" 64 "give exactly one of --records" -- \
    "$bin" assess --axfr --scenario "$tmp/s.ini" --zone "$zone"
expect "--zone without --axfr" 64 "--zone: only with --axfr" -- \
    "$bin" assess --scenario "$tmp/s.ini" --zone "$zone"

echo "assess: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
