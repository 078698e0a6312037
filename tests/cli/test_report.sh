#!/usr/bin/env bash
# Plots and reports of a real campaign against the lab: every plot is a
# PNG of the configured size, names that try to inject gnuplot commands
# run nothing, the report holds the statistics, SLOs and the assessment,
# and `dnsprop report` rebuilt from Redis equals what the campaign wrote.
# Usage: tests/cli/test_report.sh ./dnsprop (with LAB_* and DNSPROP_TEST_REDIS).
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
bin=${1:-./dnsprop}
: "${LAB_DIR:?run through tests/run-tests.sh (needs the lab)}"
: "${DNSPROP_TEST_REDIS:?run through tests/run-tests.sh (needs a redis-server)}"
need_tools test_report python3 gnuplot
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=$(readlink -f "$bin")
cd "$tmp" || exit 1

# A nameserver whose name tries every way into a gnuplot script: quotes,
# backquotes and $(...) command substitution, system(), a macro. inih keeps
# 50 characters of a section name, and a section name cannot hold a
# newline (build/plot-tool tests that). gnuplot runs in the plots folder.
evil="k'\"\\\`>P1\`\$(>P2)system(\">P3\")@x"
cat > rep.ini <<EOF
[campaign]
name = rep
results = $tmp/results
seed = 501
[storage]
redis = $DNSPROP_TEST_REDIS
[target pdns]
type = powerdns
url = $LAB_PDNS_API
api_key_file = $LAB_PDNS_API_KEY_FILE
catalog = $LAB_CATALOG
[nameserver primary]
address = $LAB_PDNS_ADDR
role = primary
[nameserver $evil]
address = $LAB_KNOT_ADDR
role = secondary
[nameserver bind]
address = $LAB_BIND_ADDR
role = secondary
[nameserver nsd]
address = $LAB_NSD_ADDR
role = secondary
[probe]
frequency = 0.05
timeout = 15
[phase steady]
zones = 2
zone_suffix = reporttest.test.
count = 10
rate = 5
mix = record_create:3 record_update:1 record_delete:1
[phase ramp]
count = 24
rate = 4..16
mix = record_create:2 record_update:1
[slo]
p99 = 10
max_timeouts = 0
converged = yes
[report]
width = 800
height = 500
EOF

"$bin" run --quiet rep.ini > rep.json 2> rep.err
rc=$?
id=$(ls "$tmp/results" | grep '^rep-' | head -1)
dir=$tmp/results/$id
if [ $rc = 0 ] && [ -n "$id" ] && [ -f "$dir/report.json" ] && [ -f "$dir/report.md" ] &&
    [ -f "$dir/report.html" ]; then
    ok "the campaign wrote report.json, report.md and report.html"
else
    ko "campaign report (exit $rc)" "$(tail -20 rep.err)"
fi

# every plot: a script, its data, and a PNG of the [report] size
if python3 - "$dir" 800 500 <<'PY'
import json, os, struct, sys
d, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rep = json.load(open(os.path.join(d, "report.json")))
names = [p["name"] for p in rep["plots"]]
for want in ("propagation", "cdf", "percentiles", "rates", "ramp", "convergence"):
    assert want in names, (want, names)
for p in rep["plots"]:
    assert os.path.isfile(os.path.join(d, "plots", p["script"])), p
    png = os.path.join(d, "plots", p["png"])
    b = open(png, "rb").read(32)
    assert b[:8] == b"\x89PNG\r\n\x1a\n" and b[12:16] == b"IHDR", png
    pw, ph = struct.unpack(">II", b[16:24])
    assert (pw, ph) == (w, h), (png, pw, ph)
    assert os.path.getsize(png) > 5000, (png, os.path.getsize(png))
PY
then ok "six plots rendered as 800x500 PNGs"; else ko "plots" "$(ls -l "$dir/plots" 2>&1)"; fi

if ls "$dir"/plots/P[123] "$tmp"/P[123] >/dev/null 2>&1; then
    ko "a nameserver name ran a command through gnuplot" "$(ls "$dir"/plots/P* "$tmp"/P*)"
elif grep -q "system(" "$dir"/plots/*.gp && ! grep -q "gnuplot: .*error" "$dir"/plots/gnuplot.log 2>/dev/null; then
    ok "gnuplot injection through a nameserver name: shown as text, nothing ran"
else
    ko "injection test inconclusive" "$(cat "$dir/plots/gnuplot.log" 2>/dev/null | tail -5)"
fi

# the report's contents
if python3 - "$dir/report.json" "$evil" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
evil = sys.argv[2]
st = r["statistics"]
assert set(st["nameservers"]) == {"primary", evil, "bind", "nsd"}, st["nameservers"].keys()
for ns, s in st["nameservers"].items():
    assert s["count"] == s["completed"] > 0, (ns, s)
    assert 0 <= s["min"] <= s["p50"] <= s["p66"] <= s["p75"] <= s["p90"] <= s["p95"] <= s["p99"] <= s["max"], s
assert set(st["stages"]) == {"api", "primary", "secondaries", "transfer", "all"}, st["stages"]
assert st["stages"]["all"]["completed"] == r["summary"]["operations"], (st["stages"]["all"], r["summary"])
assert r["slo"]["ok"] is True, r["slo"]
assert {c["slo"] for c in r["slo"]["checks"]} >= {"p99", "max_timeouts", "converged"}, r["slo"]
assert r["slowest_nameservers"][0]["nameserver"] == st["slowest"]["nameserver"], r["slowest_nameservers"]
assert len(r["changes"]) == r["summary"]["operations"], len(r["changes"])
assert all(c["converged_after"] is not None for c in r["changes"]), r["changes"][:3]
assert "[phase ramp]" in r["scenario"]["text"], r["scenario"]
assert r["clock"]["start"] is not None and r["clock"]["end"] is not None
a = r["assessment"]
assert a is not None and a["converged"] is True, a
PY
then ok "report.json: statistics per nameserver and stage, SLOs, changes, assessment"
else ko "report.json contents" ""; fi

# the HTML page shows every PNG and escapes the names
if python3 - "$dir/report.html" "$dir/report.json" <<'PY'
import json, sys
h = open(sys.argv[1]).read()
r = json.load(open(sys.argv[2]))
for p in r["plots"]:
    assert '<img src="plots/%s"' % p["png"] in h, p
assert "k&#39;&quot;\\`&gt;P1`$(&gt;P2)system(&quot;&gt;P3&quot;)@x" in h, "name not escaped"
assert "<script" not in h
PY
then ok "report.html shows the plots, names escaped"; else ko "report.html" ""; fi

# 2. rebuilt from Redis: the same report, the same plot scripts and data
"$bin" report "$id" --redis "$DNSPROP_TEST_REDIS" --out "$tmp/rebuilt" > /dev/null 2> rebuild.err
rc=$?
if [ $rc = 0 ] && diff -r -x '*.png' -x gnuplot.log -x 'spool*' -x summary.json \
    -x intended.json "$dir" "$tmp/rebuilt" > rebuild.diff; then
    ok "dnsprop report rebuilt from Redis equals the campaign's report (json, md, html, scripts, data)"
else
    ko "rebuilt report differs (exit $rc)" "$(head -30 rebuild.diff; tail -5 rebuild.err)"
fi
# ... with its own size
"$bin" report "$id" --redis "$DNSPROP_TEST_REDIS" --out "$tmp/small" --size 640x400 \
    > /dev/null 2>&1
if python3 - "$tmp/small/plots/cdf.png" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read(24)
assert struct.unpack(">II", b[16:24]) == (640, 400)
PY
then ok "dnsprop report --size 640x400"; else ko "--size" ""; fi

# 3. without gnuplot: scripts and data, and how to render them
PATH=/nonexistent "$bin" report "$id" --redis "$DNSPROP_TEST_REDIS" --out "$tmp/nognu" \
    > /dev/null 2> nognu.err
rc=$?
if [ $rc = 0 ] && grep -q "gnuplot" nognu.err && ls "$tmp"/nognu/plots/*.gp > /dev/null 2>&1 &&
    ! ls "$tmp"/nognu/plots/*.png > /dev/null 2>&1 && [ -f "$tmp/nognu/report.html" ]; then
    ok "gnuplot missing: scripts, data and report written, the message says how to render"
else
    ko "gnuplot missing (exit $rc)" "$(cat nognu.err)"
fi
if (cd "$tmp/nognu/plots" && gnuplot ./*.gp 2>/dev/null) && [ -f "$tmp/nognu/plots/cdf.png" ]; then
    ok "the kept scripts render when run by hand"
else
    ko "rendering the kept scripts by hand" ""
fi

# ... or not rendered at all (--no-render, as [report] plots = no)
"$bin" report "$id" --redis "$DNSPROP_TEST_REDIS" --out "$tmp/norender" --no-render \
    > /dev/null 2>&1
if ls "$tmp"/norender/plots/*.gp > /dev/null 2>&1 && ! ls "$tmp"/norender/plots/*.png > /dev/null 2>&1 &&
    grep -q "not rendered" "$tmp/norender/report.md"; then
    ok "--no-render: scripts and data only, the report says so"
else
    ko "--no-render" "$(ls "$tmp/norender/plots")"
fi

# 4. errors
expect "unknown campaign" 2 "no campaign 'nope'" -- "$bin" report nope --redis "$DNSPROP_TEST_REDIS"
expect "no campaign given" 64 "give exactly one campaign" -- "$bin" report
expect "bad --size" 64 "WIDTHxHEIGHT" -- "$bin" report "$id" --size big --redis "$DNSPROP_TEST_REDIS"
printf '[report]\nwidth = 50\n' > badsize.ini
expect "[report] width too small" 2 "badsize.ini:2: \[report\] width" -- "$bin" run badsize.ini

echo "report: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
