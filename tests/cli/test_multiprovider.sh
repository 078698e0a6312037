#!/usr/bin/env bash
# Issue 16, part 4: several targets at once. One zone, multi.test., is
# served by two independent providers of the lab: PowerDNS (its API) with
# its three secondaries, and a BIND primary updated over RFC 2136 (TSIG)
# with an NSD secondary of its own (tests/lab/lab.sh second-up --slow: no
# NOTIFY, the NSD refreshes every 3 s, so that provider lags). A phase with
# `targets = pdns second` sends each change to both: one acknowledgement
# per target, polls on each target's own nameservers; the report gives
# each provider's figures, the stage "served by every provider" and names
# the lagging one; `dnsprop report` from Redis and `dnsprop export` agree.
# `dnsprop assess` takes each provider's nameservers as sources of their
# own: a record removed from one provider fails that provider alone.
# A zone-sync phase plans each provider against its own primary.
# Then the second provider refuses every change (a wrong TSIG secret): its
# refusals are counted against it, and no change is "served by every
# provider".
# Needs the lab's environment (tests/lab/lab.sh) and DNSPROP_TEST_REDIS.
# Usage: tests/cli/test_multiprovider.sh [./dnsprop]
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
bin=$(readlink -f "${1:-./dnsprop}")
need_tools multiprovider named nsd nsupdate python3 dig
: "${LAB_DIR:?run under the lab (tests/lab/lab.sh)}"
: "${DNSPROP_TEST_REDIS:?needs a Redis (tests/run-tests.sh sets DNSPROP_TEST_REDIS)}"
pass=0
fail=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dnsprop-multi.XXXXXX")
zone=multi-$$.test.
cleanup() {
    tests/lab/lab.sh second-down "$LAB_DIR" 2>/dev/null
    tests/lab/lab.sh zone-delete "$zone" "$LAB_DIR" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if out=$(tests/lab/lab.sh second-up "$zone" --slow "$LAB_DIR" 2> "$tmp/second-up.err") &&
    tests/lab/lab.sh zone-create "$zone" "$LAB_DIR" 2>> "$tmp/second-up.err"; then
    eval "$out"
    ok "two providers of $zone: PowerDNS, and BIND $LAB_B_PRIMARY_ADDR with NSD $LAB_B_SECONDARY_ADDR"
else
    ko "lab.sh second-up / zone-create" "$(cat "$tmp/second-up.err")"
    exit 1
fi

# scenario NAME TSIG [PHASES]: a campaign on both providers; PHASES (even
# empty) instead of the phase "both"
both_phase="[phase both]
zone = $zone
targets = pdns second
count = 24
rate = 4
mix = record_create:4 record_update:3 record_delete:1
record_types = A TXT"
scenario() {
    cat <<EOF
[campaign]
name = $1
results = $tmp/results
include = $LAB_DIR/lab.ini
[storage]
redis = $DNSPROP_TEST_REDIS
[target second]
type = rfc2136
server = $LAB_B_PRIMARY_ADDR
tsig_key = $2
[nameserver second-primary]
address = $LAB_B_PRIMARY_ADDR
role = primary
target = second
[nameserver second-nsd]
address = $LAB_B_SECONDARY_ADDR
role = secondary
target = second
[probe]
frequency = 0.1
timeout = 15
${3-$both_phase}
[slo]
p99 = 10
converged = yes
EOF
}

# -- zone sync, a plan per provider -----------------------------------------------------
# The providers differ before the sync: both have shared A; the second has
# ns1 A (its zone's own glue, which the file has too) and only-b TXT, which
# the file lacks. PowerDNS plans 3 creates (www, txt, ns1); the second, 2
# creates and a delete. www and txt are one change each, sent to both;
# ns1 goes to PowerDNS alone, the delete to the second alone.
pdns_api PATCH "/zones/$zone" '{"rrsets": [{"name": "shared.'"$zone"'", "type": "A", "ttl": 60,
    "changetype": "REPLACE", "records": [{"content": "192.0.2.1", "disabled": false}]}]}' \
    > "$tmp/pdns-seed.out" 2>&1
printf 'server 127.0.0.1 %s\nzone %s\nupdate add shared.%s 60 A 192.0.2.1\nupdate add only-b.%s 60 TXT "b"\nsend\n' \
    "${LAB_B_PRIMARY_ADDR##*:}" "$zone" "$zone" "$zone" |
    nsupdate -y "${LAB_B_TSIG%%:*}:$(cut -d: -f2- <<< "$LAB_B_TSIG")" 2> "$tmp/nsupdate-seed.err"
printf '$ORIGIN %s\n$TTL 60\n@ SOA ns1 hostmaster 1 60 10 604800 60\n@ NS ns1\nns1 A 127.0.0.1\nshared A 192.0.2.1\nwww A 192.0.2.10\ntxt TXT "synced"\n' \
    "$zone" > "$tmp/want.zone"
scenario sync "$LAB_B_TSIG" "[phase sync]
zonefile = $tmp/want.zone
zone = $zone
targets = pdns second
rate = 5
max_delete_pct = 100" > "$tmp/sync.ini"
sleep 4 # the slow NSD has the seed
"$bin" run --dry-run --quiet "$tmp/sync.ini" > "$tmp/plan.json" 2> "$tmp/plan.txt"
rc=$?
if [ "$rc" = 0 ] && python3 - "$tmp/plan.json" "$tmp/plan.txt" <<'PY'; then
import json, sys
plans = {p["target"]: p for p in json.load(open(sys.argv[1]))}
assert set(plans) == {"pdns", "second"}, plans
a, b = plans["pdns"], plans["second"]
assert (a["creates"], a["updates"], a["deletes"]) == (3, 0, 0), a
assert (b["creates"], b["updates"], b["deletes"]) == (2, 0, 1), b
assert "on [target second]" in open(sys.argv[2]).read()
PY
    ok "zone sync: a plan per provider, each against its own primary (3 creates; 2 creates and a delete)"
else
    ko "zone sync dry run on two providers (exit $rc)" "$(cat "$tmp/plan.json" "$tmp/plan.txt" "$tmp/pdns-seed.out" "$tmp/nsupdate-seed.err" | tail -20)"
fi
"$bin" run --quiet --no-store "$tmp/sync.ini" > "$tmp/sync.json" 2> "$tmp/sync.err"
rc=$?
sdir=$(ls -d "$tmp"/results/sync-* 2>/dev/null | head -1)
if [ "$rc" = 0 ] && python3 - "$tmp/sync.json" "$sdir/report.json" <<'PY'; then
import json, sys
s = json.load(open(sys.argv[1]))
assert s["operations"] == 6 and s["acked"] == 6, s
assert s["polls"] == 3 * 4 + 3 * 2 and s["completed"] == s["polls"], s
st = json.load(open(sys.argv[2]))["statistics"]
assert st["targets"]["pdns"]["changes"] == 3 and st["targets"]["second"]["changes"] == 3, st["targets"]
ep = st["every_provider"]
assert ep["count"] == 2 and ep["completed"] == 2, ep
PY
    ok "zone sync applied per provider: the shared changes served by every provider, the delete on the second alone"
else
    ko "zone sync on two providers (exit $rc)" "$(head -c 1000 "$tmp/sync.json"; tail -5 "$tmp/sync.err")"
fi
"$bin" run --dry-run --quiet "$tmp/sync.ini" > "$tmp/plan2.json" 2> /dev/null
python3 -c 'import json,sys; assert all(p["creates"]+p["updates"]+p["deletes"]==0 for p in json.load(open(sys.argv[1])))' \
    "$tmp/plan2.json" && ok "zone sync: both providers in sync afterwards" ||
    ko "zone sync: plans left after the sync" "$(cat "$tmp/plan2.json")"

# -- a campaign on both -------------------------------------------------------------
scenario multi "$LAB_B_TSIG" > "$tmp/multi.ini"
"$bin" run --quiet "$tmp/multi.ini" > "$tmp/multi.json" 2> "$tmp/multi.err"
rc=$?
dir=$(ls -d "$tmp"/results/multi-* 2>/dev/null | head -1)
id=$(basename "${dir:-none}")
if [ "$rc" = 0 ] && python3 - "$tmp/multi.json" "$dir/report.json" <<'PY'; then
import json, sys
s = json.load(open(sys.argv[1]))
# 24 changes, each to both providers; 4 + 2 nameservers
assert s["operations"] == 48 and s["acked"] == 48 and s["changes"] == 24, s
assert s["targets"] == {"pdns": {"acked": 24, "failed": 0}, "second": {"acked": 24, "failed": 0}}, s
assert s["polls"] == 24 * 6 and s["completed"] == 24 * 6, s
st = json.load(open(sys.argv[2]))["statistics"]
t = st["targets"]
assert t["pdns"]["nameservers"] == ["primary", "knot", "bind", "nsd"], t["pdns"]
assert t["second"]["nameservers"] == ["second-primary", "second-nsd"], t["second"]
assert t["pdns"]["changes"] == 24 and t["second"]["changes"] == 24, t
assert t["pdns"]["count"] == 96 and t["second"]["count"] == 48, t
ep = st["every_provider"]
assert ep["count"] == 24 and ep["completed"] == 24, ep
# the second provider's secondary refreshes every 3 s, without NOTIFY
assert ep["lagging"] == "second", ep
assert ep["last_to_serve"]["second"] > ep["last_to_serve"]["pdns"], ep
assert ep["p50"] >= t["pdns"]["p50"], (ep, t["pdns"])
print("every provider p50 %.2f s; pdns p99 %.2f s, second p99 %.2f s" %
      (ep["p50"], t["pdns"]["p99"], t["second"]["p99"]))
PY
    ok "each change to both providers, polled on each one's nameservers; the slow one named lagging"
else
    ko "a campaign on two providers (exit $rc)" "$(head -c 1500 "$tmp/multi.json"; tail -5 "$tmp/multi.err")"
fi
if grep -q "^## Providers (several targets)" "$dir/report.md" &&
    grep -q "24 changes, each sent to every target of its zone: 2 targets" "$dir/report.md" &&
    grep -q "Served by every provider: 24 changes went to several targets; 24 were served" \
        "$dir/report.md" && grep -q "Providers (several targets)" "$dir/report.html"; then
    ok "report.md/html: the providers' table and the stage served by every provider"
else
    ko "report.md/html: no providers section" "$(grep -A8 'Providers' "$dir/report.md")"
fi

# export: every result says its target and its change; each change has
# results from both providers
"$bin" export "$id" --redis "$DNSPROP_TEST_REDIS" --results "$tmp/results" \
    -o "$tmp/multi.csv" 2> "$tmp/export.err"
if python3 - "$tmp/multi.csv" <<'PY'; then
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 144, len(rows)
by = {}
for r in rows:
    by.setdefault(r["change"], set()).add(r["target"])
assert len(by) == 24 and all(v == {"pdns", "second"} for v in by.values()), by
PY
    ok "export: 144 rows, each with its target and change; every change on both"
else
    ko "export of a two-provider campaign" "$(head -3 "$tmp/multi.csv"; cat "$tmp/export.err")"
fi

# dnsprop report from Redis rebuilds the same figures
"$bin" report "$id" --redis "$DNSPROP_TEST_REDIS" --results "$tmp/rebuilt" --no-render \
    > /dev/null 2> "$tmp/report.err"
rrc=$?
if [ "$rrc" = 0 ] && python3 - "$dir/report.json" "$tmp/rebuilt/$id/report.json" <<'PY'; then
import json, sys
a = json.load(open(sys.argv[1]))["statistics"]
b = json.load(open(sys.argv[2]))["statistics"]
assert a["targets"] == b["targets"], (a["targets"], b["targets"])
assert a["every_provider"] == b["every_provider"]
PY
    ok "dnsprop report from Redis: the same per-provider figures"
else
    ko "dnsprop report from Redis (exit $rrc)" "$(tail -5 "$tmp/report.err")"
fi

# the assessment: each provider's nameservers are sources of their own;
# a record removed from the second provider alone makes it (and only it)
# not converged
sleep 4 # the slow NSD's next refresh
"$bin" assess --scenario "$tmp/multi.ini" --campaign "$id" --json > "$tmp/assess1.json" \
    2> "$tmp/assess1.err"
arc1=$?
victim=$(python3 -c "
import json, sys
st = json.load(open(sys.argv[1]))
print(next(r['name'] + ' ' + r['type'] for r in st['records'] if r['presence'] == 'PRESENT'))
" "$dir/intended.json")
printf 'server 127.0.0.1 %s\nzone %s\nupdate delete %s\nsend\n' "${LAB_B_PRIMARY_ADDR##*:}" \
    "$zone" "$victim" | nsupdate -y "${LAB_B_TSIG%%:*}:$(cut -d: -f2- <<< "$LAB_B_TSIG")" \
    2> "$tmp/nsupdate.err"
sleep 4
"$bin" assess --scenario "$tmp/multi.ini" --campaign "$id" --json > "$tmp/assess2.json" \
    2> "$tmp/assess2.err"
arc2=$?
if [ "$arc1" = 0 ] && [ "$arc2" = 1 ] && python3 - "$tmp/assess1.json" "$tmp/assess2.json" <<'PY'; then
import json, sys
a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
assert a["converged"] and all(p["converged"] for p in a["providers"].values()), a["providers"]
assert a["providers"]["second"]["sources"] == ["second-primary", "second-nsd"], a["providers"]
assert not b["converged"], b
assert b["providers"]["pdns"]["converged"] and not b["providers"]["second"]["converged"], b["providers"]
assert set(b["missing"]) == {"second-primary", "second-nsd"}, b["missing"]
PY
    ok "assess: each provider a source; a record gone from the second provider alone fails it alone"
else
    ko "assess on two providers (exit $arc1, then $arc2)" \
        "$(head -c 800 "$tmp/assess2.json"; cat "$tmp/assess1.err" "$tmp/assess2.err" "$tmp/nsupdate.err")"
fi

# the second provider refuses (a wrong TSIG secret): counted against it
scenario refused "hmac-sha256:second-key:$(head -c 32 /dev/urandom | base64)" |
    sed 's/^count = 24/count = 8/' > "$tmp/refused.ini"
"$bin" run --quiet "$tmp/refused.ini" > "$tmp/refused.json" 2> "$tmp/refused.err"
rc=$?
rdir=$(ls -d "$tmp"/results/refused-* 2>/dev/null | head -1)
if [ "$rc" = 1 ] && python3 - "$tmp/refused.json" "$rdir/report.json" <<'PY'; then
import json, sys
s = json.load(open(sys.argv[1]))
assert s["operations"] == 16 and s["acked"] == 8 and s["failed"] == 8, s
assert s["targets"]["second"] == {"acked": 0, "failed": 8}, s
assert s["polls"] == 8 * 4 and s["completed"] == 32, s
r = json.load(open(sys.argv[2]))
errs = r["target_errors"]
assert errs and all(e["target"] == "second" for e in errs), errs
assert sum(e["count"] for e in errs) == 8, errs
ep = r["statistics"]["every_provider"]
assert ep["count"] == 8 and ep["completed"] == 0 and ep["timeouts"] == 8, ep
PY
    ok "a provider refusing every change: 8 refusals counted against it, no change served by every provider, exit 1"
else
    ko "a refusing provider (exit $rc)" "$(head -c 1200 "$tmp/refused.json"; tail -4 "$tmp/refused.err")"
fi

# a monitor's canaries to both providers ([monitor] targets =)
scenario mon "$LAB_B_TSIG" "" > "$tmp/mon.ini"
printf '%s\n' "[monitor]" "zones = $zone" "interval = 2" "targets = pdns second" >> "$tmp/mon.ini"
"$bin" monitor --quiet --no-store --duration 10 "$tmp/mon.ini" > "$tmp/mon.json" 2> "$tmp/mon.err"
rc=$?
mdir=$(ls -d "$tmp"/results/mon-* 2>/dev/null | head -1)
if [ "$rc" = 0 ] && python3 - "$mdir/report.json" <<'PY'; then
import json, sys
st = json.load(open(sys.argv[1]))["statistics"]
t, ep = st["targets"], st["every_provider"]
assert t["pdns"]["changes"] == t["second"]["changes"] >= 2, t
assert ep["count"] == t["pdns"]["changes"] and ep["completed"] >= ep["count"] - 1, ep
PY
    ok "monitor: each canary to both providers ([monitor] targets)"
else
    ko "monitor on two providers (exit $rc)" "$(head -c 600 "$tmp/mon.json"; tail -4 "$tmp/mon.err")"
fi

# the shipped scenario runs as documented
sed -n '/^;/!p' workloads/multi-provider.ini | sed "s|^results = results|results = $tmp/results|;s|multi.test.|$zone|" \
    > "$tmp/shipped.ini"
LAB_B_PRIMARY_ADDR=$LAB_B_PRIMARY_ADDR "$bin" run --quiet --no-store "$tmp/shipped.ini" \
    > "$tmp/shipped.json" 2> "$tmp/shipped.err"
rc=$?
if [ "$rc" = 0 ] && python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))
assert s['acked'] == s['operations'] == 80 and s['completed'] == s['polls'] == 240, s
" "$tmp/shipped.json"; then
    ok "workloads/multi-provider.ini runs: 40 changes on both providers"
else
    ko "workloads/multi-provider.ini (exit $rc)" "$(tail -5 "$tmp/shipped.err")"
fi

echo "multiprovider: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
