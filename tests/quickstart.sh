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
python3 - "results/$campaign/results.csv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
by = {}
for r in rows:
    by.setdefault((r["ns_name"]), []).append(r)
print(f'\n{"nameserver":<10} {"polls":>6} {"done":>6} {"p50 s":>7} {"p99 s":>7} {"max s":>7}')
for ns, rs in sorted(by.items()):
    d = sorted(float(r["duration"]) for r in rs if r["status"] == "COMPLETED")
    q = lambda p: d[max(0, int(round(p * len(d))) - 1)] if d else float("nan")
    print(f'{ns:<10} {len(rs):>6} {len(d):>6} {q(.5):>7.3f} {q(.99):>7.3f} {q(1):>7.3f}')
PY
echo "== results in results/$campaign/ (summary.json, results.csv) and in Redis"
echo "   (./dnsprop campaigns; ./dnsprop export $campaign)"
exit "$rc"
