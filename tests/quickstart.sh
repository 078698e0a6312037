#!/usr/bin/env bash
# make run: start the lab of real nameservers (PowerDNS primary; Knot, BIND
# and NSD secondaries), run the quickstart campaign (workloads/quickstart.ini)
# against it, and leave the results under results/<campaign>/ and in Redis.
# KEEP_LAB=1 leaves the lab running (stop it with `tests/lab/lab.sh down DIR`).
set -euo pipefail
cd "$(dirname "$0")/.."

LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dnsprop-lab.XXXXXX")
export LAB_DIR
if [ "${KEEP_LAB:-0}" != 1 ]; then
    trap 'tests/lab/lab.sh down "$LAB_DIR" >/dev/null 2>&1 || true' EXIT
fi
echo "== starting the lab in $LAB_DIR"
eval "$(tests/lab/lab.sh up)"
echo "== ./dnsprop run workloads/quickstart.ini"
rc=0
./dnsprop run workloads/quickstart.ini > results/quickstart-summary.json || rc=$?
cat results/quickstart-summary.json
campaign=$(./dnsprop campaigns --json 2>/dev/null | python3 -c '
import json, sys
print([c["campaign"] for c in json.load(sys.stdin) if c["campaign"].startswith("quickstart-")][-1])')
./dnsprop export "$campaign" --out "results/$campaign/results.csv"
mv results/quickstart-summary.json "results/$campaign/summary.json"
python3 - "results/$campaign/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
st = r["statistics"]
f = lambda v: "%7.3f" % v if v is not None else "      -"
print(f'\n{"nameserver":<10} {"role":<9} {"polls":>6} {"done":>6} {"p50 s":>7} {"p99 s":>7} {"max s":>7}')
for ns in r["nameservers"]:
    s = st["nameservers"].get(ns["name"], {})
    print(f'{ns["name"]:<10} {ns["role"]:<9} {s.get("count", 0):>6} {s.get("completed", 0):>6} '
          f'{f(s.get("p50"))} {f(s.get("p99"))} {f(s.get("max"))}')
a = r["assessment"] or {}
print("\nSLOs:", "PASS" if r["slo"]["ok"] else "FAIL",
      "| convergence assessment:", "converged" if a.get("converged") else "NOT converged")
PY
echo "== report: results/$campaign/report.html (plots in results/$campaign/plots/,"
echo "   report.md, report.json); results.csv; rebuild: ./dnsprop report $campaign"
exit "$rc"
