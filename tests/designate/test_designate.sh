#!/usr/bin/env bash
# A campaign through a real OpenStack Designate 15 (tests/lab/designate.sh):
# workloads/http/designate-v2.ini creates zones, then creates, updates and
# deletes recordsets and deletes zones through the v2 API (answers 202,
# PENDING), and every change is measured on each pool nameserver: BIND
# (bind9 backend), PowerDNS (pdns4 backend) and NSD. Designate's own claim
# (status ACTIVE, or 404 once a zone is deleted) is measured for every
# change: it comes once the pool serves the change (Designate's worker
# polls every nameserver first), never earlier than dnsprop's probes can
# tell. Then: the results are in the store and export; the campaign's zones
# are gone from Designate and from every nameserver. Usage: tests/designate/test_designate.sh ./dnsprop
# (through tests/designate/run.sh: DLAB_*, DESIGNATE_URL, DNSPROP_TEST_*).
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/../cli/lib.sh"
bin=$(readlink -f "${1:-./dnsprop}")
: "${DLAB_DIR:?run through tests/designate/run.sh (needs the Designate lab)}"
tmp=$(mktemp -d)
trap "${KEEP_TMP:+:} rm -rf $tmp" EXIT
cd "$tmp" || exit 1
suffix="d$$.designate.test."

cat >campaign.ini <<INI
[campaign]
name = designate
results = $DNSPROP_TEST_RESULTS
seed = $$
include = \${DLAB_DIR}/designate.ini

[storage]
redis = $DNSPROP_TEST_REDIS

[probe]
frequency = 0.05
timeout = 60
threads = 2

[phase zones]
zones = 3
zone_suffix = $suffix
count = 12
rate = 3
mix = record_create:1
record_types = A AAAA TXT MX

[phase main]
zone_suffix = $suffix
count = 24
rate = 3
mix = record_create:4 record_update:3 record_delete:2
record_types = A AAAA TXT MX

[phase end]
zone_suffix = $suffix
count = 2
rate = 1
mix = zone_delete:1
INI

"$bin" run --quiet campaign.ini >summary.json 2>run.err
rc=$?
if [ "$rc" -ne 0 ]; then
    ko "campaign through Designate: exit $rc" "$(tail -20 run.err)"
else
    ok "campaign through Designate's v2 API: exit 0"
fi
read -r ops acked failedops polls completed timeouts errors < <(python3 - summary.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(s["operations"], s["acked"], s["failed"], s["polls"], s["completed"], s["timeouts"], s["errors"])
PY
) || { ko "summary.json readable" "$(cat summary.json)"; ops=0; }
if [ "${ops:-0}" -ge 38 ] && [ "$acked" = "$ops" ] && [ "$failedops" = 0 ]; then
    ok "$ops operations (zone and recordset creates, updates, deletes) all acknowledged by Designate"
else
    ko "operations: $ops, acked $acked, failed $failedops" "$(tail -20 run.err)"
fi
if [ "${polls:-0}" = $((ops * 3)) ] && [ "$completed" = "$polls" ] && [ "$timeouts" = 0 ] &&
    [ "$errors" = 0 ]; then
    ok "every change seen on BIND, PowerDNS and NSD: $completed of $polls polls completed"
else
    ko "polls $polls (want $((ops * 3))), completed $completed, timeouts $timeouts, errors $errors" \
        "$(grep -A12 'by reason' "$DNSPROP_TEST_RESULTS"/designate-*/report.md | tail -12)"
fi
report=$(ls -d "$DNSPROP_TEST_RESULTS"/designate-*/ | tail -1)
if python3 - "$report/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ns = {n["name"] for n in r["nameservers"]}
assert ns == {"bind", "pdns", "nsd"}, ns
kinds = r["statistics"]["kinds"]
for k in ("zone_create", "record_create", "record_update", "record_delete", "zone_delete"):
    assert kinds[k]["count"] > 0 and kinds[k]["completed"] == kinds[k]["count"], (k, kinds)
PY
then
    ok "report: the three pool nameservers, every operation kind"
else
    ko "report.json: nameservers and kinds" "$(head -c 600 "$report/report.json")"
fi
if python3 - "$report/report.json" summary.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
p = r["statistics"]["provider"]
n = s["operations"]
assert p["changes"] == n and p["claims"] == n, p
assert p["failed"] == 0 and p["timeouts"] == 0, p
assert p["claim_before_served"]["never_served"] == 0, p
# Designate says ACTIVE after its worker saw the change on every pool
# nameserver: a claim "before" can only be within the probes' resolution
# (frequency 0.05 s, plus a query's round trip)
b = p["claim_before_served"]
assert b["count"] == 0 or b["by"]["max"] < 0.15, b
assert p["claim_after_served"]["count"] >= n - b["count"], p
st = r["statistics"]["stages"]["provider"]
assert st["completed"] == n and st["p50"] > 0, st
assert s["provider"]["claims"] == n, s["provider"]
PY
then
    ok "Designate's in-sync claim measured for every change, after the pool served it"
else
    ko "provider stage against Designate" \
        "$(python3 -c "import json,sys; print(json.dumps(json.load(open(sys.argv[1]))['statistics'].get('provider'), indent=1))" "$report/report.json" | head -40)"
fi
if grep -q "## The provider's in-sync claim" "$report/report.md"; then
    ok "report.md: the provider's in-sync claim section"
else
    ko "report.md has no provider section"
fi
campaign=$(basename "$report")
"$bin" export "$campaign" --redis "$DNSPROP_TEST_REDIS" --results "$DNSPROP_TEST_RESULTS" \
    >export.csv
n=$(python3 - export.csv <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
head, body = rows[0], rows[1:]
i = head.index("claim_status")
print(len(body) if all(r[i] == "in_sync" and r[i + 1] for r in body) else -1)
PY
)
if [ "$n" = "$polls" ]; then
    ok "export: $n results from the store, each with Designate's claim"
else
    ko "export: $n rows with an in_sync claim, want $polls" "$(head -3 export.csv)"
fi

# Cleanup deleted the zones the campaign made: gone from Designate, and
# every pool nameserver stops serving them once Designate says so.
left=$(curl -sf -H 'X-Auth-All-Projects: true' "$DESIGNATE_URL/v2/zones?limit=1000" |
    python3 -c "import json,sys; print(sum(z['name'].endswith('$suffix') for z in json.load(sys.stdin)['zones']))")
for _ in $(seq 100); do
    [ "$left" = 0 ] && break
    sleep 0.3
    left=$(curl -sf -H 'X-Auth-All-Projects: true' "$DESIGNATE_URL/v2/zones?limit=1000" |
        python3 -c "import json,sys; print(sum(z['name'].endswith('$suffix') for z in json.load(sys.stdin)['zones']))")
done
if [ "$left" = 0 ]; then
    ok "every zone of the campaign deleted from Designate"
else
    ko "$left zones of the campaign left in Designate"
fi
served=0
for a in "$DLAB_BIND_ADDR" "$DLAB_PDNS_ADDR" "$DLAB_NSD_ADDR"; do
    for z in $(grep -ho "[a-z0-9-]*\.$suffix" "$report/report.json" | sort -u); do
        dig +norec +short +time=1 +tries=1 -p "${a#*:}" @127.0.0.1 "$z" SOA | grep -q . &&
            served=$((served + 1))
    done
done
if [ "$served" = 0 ]; then
    ok "no pool nameserver serves a zone of the campaign any more"
else
    ko "$served zone(s) still served after the campaign"
fi
# What Designate refuses is in the report, grouped by reason: an SRV
# record needs a _service._proto name (RFC 2782), and r1.zone is not one.
cat >srv.ini <<INI
[campaign]
name = designate-srv
results = $DNSPROP_TEST_RESULTS
seed = $$
include = \${DLAB_DIR}/designate.ini
[probe]
timeout = 20
[phase p]
zones = 1
zone_suffix = srv.$suffix
count = 3
rate = 3
mix = record_create
record_types = SRV
INI
"$bin" run --no-store --quiet srv.ini >srv.json 2>srv.err
rc=$?
report=$(ls -d "$DNSPROP_TEST_RESULTS"/designate-srv-*/ | tail -1)
if [ "$rc" = 1 ] && python3 - "$report/report.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))["target_errors"]
assert len(e) == 1, e
e = e[0]
assert (e["kind"], e["status"], e["count"]) == ("record_create", 400, 3), e
assert e["reason"] == "HTTP 400: name is invalid", e
PY
then
    ok "Designate's refusals (HTTP 400 for an SRV name) in report.json by reason, exit 1"
else
    ko "refused operations: exit $rc" "$(tail -5 srv.err; head -c 800 "$report/report.json")"
fi
if grep -q "## Operations the target refused" "$report/report.md" &&
    grep -q "name is invalid" "$report/report.html"; then
    ok "report.md/html: the operations the target refused"
else
    ko "report.md/html: no refused-operations section"
fi
echo "designate: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
