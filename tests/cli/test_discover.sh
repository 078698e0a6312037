#!/usr/bin/env bash
# Issue 16, part 1: discover a zone's nameservers and watch every address.
# In the lab: child zone disc.lab.test. (created through the PowerDNS API,
# transferred to Knot by the catalog), delegated from lab.test. to three
# NS names with glue: ns1 -> 127.0.0.1 and ns2 -> ::1 (Knot listens on
# both, on its port, given as discover_port) and ns3 -> 127.0.0.3, where
# nothing listens. A monitor with [nameserver fleet] discover = the child
# must watch the three addresses as NS-NAME/ADDR, see the change on the
# two that answer, and fail its verdict on the one that never served.
# `dnsprop probe --discover` asks a server that has only the parent (the
# lab's anycast NSD pair) and gets the addresses from the referral's glue.
# Needs the lab's environment (tests/lab/lab.sh).
# Usage: tests/cli/test_discover.sh [./dnsprop]
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
bin=$(readlink -f "${1:-./dnsprop}")
need_tools discover python3 dig curl
: "${LAB_DIR:?run under the lab (tests/lab/lab.sh)}"
pass=0
fail=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dnsprop-discover.XXXXXX")
child=disc.lab.test.
cleanup() {
    tests/lab/lab.sh anycast-down "$LAB_DIR" 2>/dev/null
    tests/lab/lab.sh zone-delete "$child" "$LAB_DIR" 2>/dev/null
    pdns_api PATCH "/zones/$LAB_ZONE" "$(rrsets DELETE)" > /dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# the delegation in the parent, with glue (CHANGETYPE REPLACE or DELETE)
rrsets() {
    local recs
    recs() { [ "$1" = DELETE ] || printf '"records": [%s], ' "$2"; }
    printf '{"rrsets": ['
    printf '{"name": "%s", "type": "NS", "ttl": 60, "changetype": "%s", %s"comments": []},' \
        "$child" "$1" "$(recs "$1" '{"content": "ns1.disc.lab.test.", "disabled": false}, {"content": "ns2.disc.lab.test.", "disabled": false}, {"content": "ns3.disc.lab.test.", "disabled": false}')"
    printf '{"name": "ns1.%s", "type": "A", "ttl": 60, "changetype": "%s", %s"comments": []},' \
        "$child" "$1" "$(recs "$1" '{"content": "127.0.0.1", "disabled": false}')"
    printf '{"name": "ns2.%s", "type": "AAAA", "ttl": 60, "changetype": "%s", %s"comments": []},' \
        "$child" "$1" "$(recs "$1" '{"content": "::1", "disabled": false}')"
    printf '{"name": "ns3.%s", "type": "A", "ttl": 60, "changetype": "%s", %s"comments": []}' \
        "$child" "$1" "$(recs "$1" '{"content": "127.0.0.3", "disabled": false}')"
    printf ']}'
}

# the child: its own NS RRset and addresses (the same as the glue)
tests/lab/lab.sh zone-create "$child" "$LAB_DIR" 2> "$tmp/zc.err" ||
    ko "zone-create $child" "$(cat "$tmp/zc.err")"
body=$(rrsets REPLACE)
pdns_api PATCH "/zones/$child" "$body" > "$tmp/api.out" 2>&1 &&
    pdns_api PATCH "/zones/$LAB_ZONE" "$body" >> "$tmp/api.out" 2>&1 &&
    ok "the delegation of $child from $LAB_ZONE, with glue, and the child's NS RRset" ||
    ko "pdns API" "$(cat "$tmp/api.out")"
kport=${LAB_KNOT_ADDR##*:}
for _ in $(seq 1 100); do
    dig +norec +short +time=1 +tries=1 -p "$kport" @::1 "$child" SOA | grep -q . && break
    sleep 0.2
done

cat > "$tmp/disc.ini" <<EOF
[campaign]
name = disc
results = $tmp/results
include = $tmp/target.ini

[nameserver primary]
address = $LAB_PDNS_ADDR
role = primary

[nameserver fleet]
discover = $child
discover_port = $kport
role = secondary

[probe]
frequency = 0.1
timeout = 4
query_timeout = 0.5

[monitor]
zones = $child
interval = 2
EOF
sed -n '/^\[target pdns\]/,/^$/p' "$LAB_DIR/lab.ini" > "$tmp/target.ini"
"$bin" monitor --quiet --duration 9 "$tmp/disc.ini" > "$tmp/mon.json" 2> "$tmp/mon.err"
rc=$?
[ "$rc" -eq 1 ] && ok "monitor over the discovered fleet: exit 1 (an address never served)" ||
    ko "monitor exit $rc, want 1" "$(tail -5 "$tmp/mon.err")"
c=$(last_campaign "$bin" "$tmp/results" disc)
dir=$tmp/results/$c
if python3 - "$dir/report.json" "$kport" > "$tmp/check.out" 2>&1 <<'PY'; then
import json, sys
doc, port = json.load(open(sys.argv[1])), sys.argv[2]
st = doc["statistics"]["nameservers"]
want = {"ns1.disc.lab.test/127.0.0.1", "ns2.disc.lab.test/::1", "ns3.disc.lab.test/127.0.0.3"}
assert want <= set(st), st.keys()
assert st["ns1.disc.lab.test/127.0.0.1"]["completed"] > 0, st["ns1.disc.lab.test/127.0.0.1"]
assert st["ns2.disc.lab.test/::1"]["completed"] > 0, st["ns2.disc.lab.test/::1"]
assert st["ns3.disc.lab.test/127.0.0.3"]["completed"] == 0, st["ns3.disc.lab.test/127.0.0.3"]
ns = {n["name"]: n for n in doc["nameservers"]}
assert ns["ns2.disc.lab.test/::1"]["addr"] == f"[::1]:{port}", ns["ns2.disc.lab.test/::1"]
assert ns["ns2.disc.lab.test/::1"]["family"] == "ipv6" and ns["ns1.disc.lab.test/127.0.0.1"]["family"] == "ipv4"
assert all(ns[n]["discovered"] == "disc.lab.test." for n in want)
checks = {c["slo"]: c for c in doc["slo"]["checks"]}
e = checks["every_address_served"]
assert not e["ok"] and e["value"] == ["ns3.disc.lab.test/127.0.0.3"], e
assert not doc["slo"]["ok"]
print("3 addresses (IPv4, IPv6, one silent)")
PY
    ok "report.json: $(cat "$tmp/check.out"); the SLO names the one that never served"
else
    ko "report.json" "$(cat "$tmp/check.out")"
fi
for f in report.md report.html; do
    grep -q "Discovered nameservers" "$dir/$f" && grep -q "ns3.disc.lab.test" "$dir/$f" &&
        ok "$f: the discovered nameservers, grouped by NS name" || ko "$f: no discovered section"
done
"$bin" export "$c" --results "$tmp/results" --out "$tmp/disc.csv" 2> /dev/null
n=$(python3 -c 'import csv,sys; print(len({r["ns_name"] for r in csv.DictReader(open(sys.argv[1])) if "/" in r["ns_name"]}))' "$tmp/disc.csv")
[ "$n" = 3 ] && ok "export: the three NS-NAME/ADDR endpoints" || ko "export: $n endpoints"

# assess asks the discovered addresses too: ns3 is an error, not evidence
"$bin" assess --scenario "$tmp/disc.ini" > "$tmp/assess.out" 2>&1
rc=$?
[ "$rc" -ge 1 ] && [ "$rc" -le 2 ] &&
    grep -Eq "^error +ns3.disc.lab.test/127.0.0.3 +no answer" "$tmp/assess.out" &&
    grep -Eq "ns1.disc.lab.test/127.0.0.1|ns2.disc.lab.test/::1" "$tmp/assess.out" &&
    ok "assess asks the discovered addresses: the silent one an error (exit $rc)" ||
    ko "assess --scenario with discover (exit $rc)" "$(cat "$tmp/assess.out")"

# probe --discover from a server with the parent only: the referral's glue
if out=$(tests/lab/lab.sh anycast-up "$LAB_DIR" 2> "$tmp/any.err"); then
    eval "$out"
    "$bin" probe --ns "$LAB_ANYCAST_ADDR" --discover "$child" --discover-port "$kport" \
        --zone "$child" --condition serial_not_lower --serial 1 --timeout 2 --json \
        --no-store > "$tmp/probe.json" 2> "$tmp/probe.err"
    rc=$?
    if [ "$rc" -eq 2 ] && python3 - "$tmp/probe.json" > "$tmp/check.out" 2>&1 <<'PY'; then
import json, sys
rs = {r["id"]: r for r in map(json.loads, open(sys.argv[1]))}
assert set(rs) == {"ns1.disc.lab.test/127.0.0.1", "ns2.disc.lab.test/::1", "ns3.disc.lab.test/127.0.0.3"}, rs.keys()
assert rs["ns1.disc.lab.test/127.0.0.1"]["status"] == "COMPLETED"
assert rs["ns2.disc.lab.test/::1"]["status"] == "COMPLETED"
assert rs["ns3.disc.lab.test/127.0.0.3"]["status"] == "ERROR", rs["ns3.disc.lab.test/127.0.0.3"]
print(rs["ns3.disc.lab.test/127.0.0.3"]["reason"][:60])
PY
        ok "probe --discover via the parent's referral: 2 COMPLETED, ns3 ERROR ($(cat "$tmp/check.out")), exit 2"
    else
        ko "probe --discover (exit $rc)" "$(cat "$tmp/probe.err" "$tmp/check.out" 2>/dev/null)"
    fi
else
    ko "lab.sh anycast-up" "$(cat "$tmp/any.err")"
fi
expect "probe --discover of a zone nobody serves" 2 "no NS RRset|REFUSED|NXDOMAIN" -- \
    "$bin" probe --ns "$LAB_PDNS_ADDR" --discover nowhere.invalid. --zone nowhere.invalid. \
    --condition serial_not_lower --serial 1 --no-store
printf '%s\n' "[campaign]" "name = bad" "include = $tmp/target.ini" "[nameserver x]" \
    "address = 127.0.0.1" "discover = $child" > "$tmp/bad.ini"
expect "address and discover together" 2 "bad.ini:[0-9]+: \[nameserver x\] address and discover" -- \
    "$bin" run "$tmp/bad.ini"

echo "discover: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
