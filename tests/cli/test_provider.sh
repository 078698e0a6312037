#!/usr/bin/env bash
# The provider's own "in sync" claim as a stage (the http target's status
# poll, workloads/http/designate-v2.ini's status.* keys) against the
# Designate stand-in (tests/cli/designate_standin.py) on top of the lab's
# PowerDNS, which answers for the status as it is told:
#   1. lie: ACTIVE at once, before the secondaries transfer the change:
#      claims before served are counted (summary, report.json, report.md,
#      export CSV) and [slo] claim_before_served = 0 fails the run (exit 1);
#   2. honest: ACTIVE 3 s after the change (propagation here is ~1 s): every
#      claim comes after every nameserver served the change, the SLO holds;
#      the report rebuilt from Redis says the same;
#   3. error: ERROR: every claim counted failed, none in sync.
# Usage: tests/cli/test_provider.sh ./dnsprop (with LAB_* and DNSPROP_TEST_REDIS).
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
bin=${1:-./dnsprop}
: "${LAB_DIR:?run through tests/run-tests.sh (needs the lab)}"
: "${DNSPROP_TEST_REDIS:?run through tests/run-tests.sh (needs a redis-server)}"
repo=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(readlink -f "$bin")
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
redis=${DNSPROP_TEST_REDIS%/*}/9
run_id=$$
seed0=$(((run_id % 4000) * 16 + 70000))
export OS_TOKEN=tok-$run_id

# standin MODE: start one; its URL in $url
standin() {
    rm -f "$tmp/port"
    python3 "$repo/tests/cli/designate_standin.py" "$LAB_PDNS_API" "$LAB_PDNS_API_KEY" \
        "$LAB_CATALOG" "$OS_TOKEN" "$tmp/port" "$1" 2>> standin.err &
    pids+=($!)
    for _ in $(seq 100); do
        [ -s "$tmp/port" ] && break
        sleep 0.05
    done
    url=http://127.0.0.1:$(cat "$tmp/port" 2>/dev/null)
}

# scenario NAME SEED: 1 zone + 12 changes, every lab nameserver, the SLO
scenario() {
    printf '%s\n' "[campaign]" "name = $1" "results = $tmp/results" "seed = $2" \
        "include = $repo/workloads/http/designate-v2.ini" "[storage]" "redis = $redis" \
        "[target designate]" "status.frequency = 0.1" \
        "[nameserver primary]" "address = $LAB_PDNS_ADDR" "role = primary" \
        "target = designate" "[nameserver knot]" "address = $LAB_KNOT_ADDR" \
        "role = secondary" "target = designate" "[nameserver bind]" \
        "address = $LAB_BIND_ADDR" "role = secondary" "target = designate" \
        "[nameserver nsd]" "address = $LAB_NSD_ADDR" "role = secondary" \
        "target = designate" "[probe]" "frequency = 0.05" "timeout = 15" \
        "[phase p]" "zones = 1" "zone_suffix = claim.test." "count = 12" "rate = 4" \
        "mix = record_create:5 record_update:3 record_delete:2" \
        "record_types = A AAAA TXT" "[slo]" "claim_before_served = 0"
}

# campaign NAME MODE: runs it; exit status in $rc, its folder in $dir
campaign() {
    standin "$2"
    DESIGNATE_URL=$url
    export DESIGNATE_URL
    scenario "$1" "$3" > "$1.ini"
    "$bin" run --quiet "$1.ini" > "$1.json" 2> "$1.err"
    rc=$?
    dir=$(ls -d "$tmp/results/$1"-* 2>/dev/null | head -1)
}

# 1. a provider that lies
campaign lie lie $((seed0 + 1))
if [ $rc = 1 ] && python3 - lie.json "$dir/report.json" <<'PY'; then
import json, sys
s = json.load(open(sys.argv[1]))
r = json.load(open(sys.argv[2]))
p = s["provider"]
assert s["failed"] == 0 and s["acked"] == 13 and s["converged"], s
assert p["changes"] == 13 and p["claims"] == 13, p
assert p["claim_before_served"] > 0, p
assert any("claimed in sync by the provider before" in f for f in s["slo_failures"]), s
st = r["statistics"]
rp = st["provider"]
b = rp["claim_before_served"]
assert b["count"] == p["claim_before_served"], (b, p)
assert b["count"] + rp["claim_after_served"]["count"] == rp["claims"] == 13, rp
assert 0 < b["fraction"] <= 1 and b["by"]["max"] > 0 and b["by"]["p50"] <= b["by"]["max"], b
assert st["stages"]["provider"]["count"] == 13, st["stages"]["provider"]
assert st["stages"]["provider"]["completed"] == 13, st["stages"]["provider"]
# the claim came before the slowest nameserver: below the "all" stage
assert st["stages"]["provider"]["p50"] < st["stages"]["all"]["p50"], st["stages"]
c = [x for x in r["slo"]["checks"] if x["slo"] == "claim_before_served"]
assert c and c[0]["limit"] == 0 and c[0]["value"] == b["count"] and not c[0]["ok"], c
assert all(isinstance(x.get("provider"), float) for x in r["changes"]), r["changes"][:2]
PY
    ok "lying provider: claims before served counted, [slo] claim_before_served = 0 fails (exit 1)"
else
    ko "lying provider (exit $rc)" "$(cat lie.json lie.err standin.err | tail -20)"
fi
if grep -q "## The provider's in-sync claim" "$dir/report.md" &&
    grep -q "before every nameserver served it" "$dir/report.md" &&
    grep -q "acknowledged -> the provider claims it in sync" "$dir/report.md" &&
    grep -q "the provider claimed in sync" "$dir/plots/convergence.gp"; then
    ok "report.md: the provider's section and stage; convergence plot: its curve"
else
    ko "report.md / convergence plot without the provider" "$(grep -n provider "$dir/report.md" | head)"
fi
id=$(basename "$dir")
"$bin" export "$id" --redis "$redis" --out lie.csv 2> export.err
if python3 - lie.csv <<'PY'; then
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
head = list(rows[0].keys())
i = head.index("claim_status")
assert head[i + 1] == "claimed_at", head
assert len(rows) == 13 * 4, len(rows)
assert all(r["claim_status"] == "in_sync" and float(r["claimed_at"]) > 0 for r in rows)
assert all(float(r["claimed_at"]) >= float(r["start_time"]) for r in rows)
PY
    ok "export CSV: claim_status and claimed_at columns, on every result"
else
    ko "export CSV" "$(head -3 lie.csv; cat export.err)"
fi

# 2. an honest provider: ACTIVE well after the nameservers serve it
campaign honest honest:3 $((seed0 + 2))
if [ $rc = 0 ] && python3 - honest.json "$dir/report.json" <<'PY'; then
import json, sys
s = json.load(open(sys.argv[1]))
r = json.load(open(sys.argv[2]))
p = s["provider"]
assert s["slo_ok"] and p["claims"] == 13 and p["claim_before_served"] == 0, s
rp = r["statistics"]["provider"]
a = rp["claim_after_served"]
assert rp["claim_before_served"]["count"] == 0 and a["count"] == 13, rp
assert a["fraction"] == 1 and a["by"]["p50"] > 1.0, a
assert r["statistics"]["stages"]["provider"]["min"] >= 3.0, r["statistics"]["stages"]
c = [x for x in r["slo"]["checks"] if x["slo"] == "claim_before_served"]
assert c and c[0]["ok"] and c[0]["value"] == 0, c
PY
    ok "honest provider (ACTIVE after 3 s): every claim after served, the SLO holds (exit 0)"
else
    ko "honest provider (exit $rc)" "$(cat honest.json honest.err standin.err | tail -20)"
fi
"$bin" report "$(basename "$dir")" --redis "$redis" --out "$tmp/rebuilt" > /dev/null 2> rebuild.err
if python3 - "$dir/report.json" "$tmp/rebuilt/report.json" <<'PY'; then
import json, sys
a, b = (json.load(open(f))["statistics"] for f in sys.argv[1:3])
assert a["provider"] == b["provider"] and a["stages"]["provider"] == b["stages"]["provider"]
PY
    ok "the provider's figures rebuilt from Redis are the campaign's"
else
    ko "rebuilt report's provider figures differ" "$(tail -5 rebuild.err)"
fi

# 3. a provider that says ERROR
campaign error error $((seed0 + 3))
if python3 - error.json "$dir/report.json" <<'PY'; then
import json, sys
s = json.load(open(sys.argv[1]))
r = json.load(open(sys.argv[2]))
p = s["provider"]
assert p["changes"] == 13 and p["failed"] == 13 and p["claims"] == 0, p
rp = r["statistics"]["provider"]
assert rp["failed"] == 13 and rp["claim_before_served"]["fraction"] is None, rp
assert r["statistics"]["stages"]["provider"]["timeouts"] == 13
assert all(x["provider"] == "failed" for x in r["changes"])
PY
    ok "provider status ERROR: every claim counted failed (exit $rc)"
else
    ko "ERROR provider (exit $rc)" "$(cat error.json error.err | tail -20)"
fi

# 4. a status template mistake stops the run before it starts
printf '%s\n' "[target designate]" "status.in_sync =" >> error.ini
expect "an empty status.in_sync" 2 "status.in_sync: empty" -- "$bin" run --quiet error.ini

echo "provider: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
