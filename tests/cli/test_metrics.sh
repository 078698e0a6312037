#!/usr/bin/env bash
# Prometheus exposition (`--metrics-listen`), checked by what Prometheus
# itself ships: a campaign against the lab serves /metrics, `promtool
# check metrics` lints the text, the Python client's parser reads it, and
# a real prometheus (Debian's, on a free loopback port, its TSDB in a temp
# dir) scrapes it every second; its HTTP API's figures must agree with the
# campaign's own report (poll counts exactly, p99 within the histogram's
# bucket). The example alert rules pass `promtool check rules` and their
# unit tests (`promtool test rules`).
# Needs the lab's environment (tests/lab/lab.sh).
# Usage: tests/cli/test_metrics.sh [./dnsprop]
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
bin=${1:-./dnsprop}
need_tools metrics prometheus promtool curl python3
: "${LAB_DIR:?run under the lab (tests/lab/lab.sh)}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dnsprop-metrics.XXXXXX")
prom_pid=
run_pid=
cleanup() {
    [ -n "$run_pid" ] && kill "$run_pid" 2>/dev/null && wait "$run_pid" 2>/dev/null
    [ -n "$prom_pid" ] && kill "$prom_pid" 2>/dev/null && wait "$prom_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# -- the example rules --------------------------------------------------------------
if promtool check rules workloads/prometheus/alerts.yml > "$tmp/rules.out" 2>&1; then
    ok "promtool check rules: the example alert rules"
else
    ko "promtool check rules" "$(cat "$tmp/rules.out")"
fi
if (cd workloads/prometheus && promtool test rules alerts_test.yml) > "$tmp/rt.out" 2>&1; then
    ok "promtool test rules: the SLO alert fires for a slow nameserver only"
else
    ko "promtool test rules" "$(cat "$tmp/rt.out")"
fi

# -- bad flags ----------------------------------------------------------------------
expect "--metrics-listen without a port" 64 "metrics-listen" -- \
    "$bin" run --metrics-listen 127.0.0.1 "$tmp/none.ini"
mport=$(free_port)
python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',$mport)); s.listen(); time.sleep(5)" &
busy=$!
for _ in $(seq 50); do # (until it listens)
    (exec 3<> "/dev/tcp/127.0.0.1/$mport") 2>/dev/null && break
    sleep 0.1
done
expect "--metrics-listen on a port in use" 64 "cannot listen" -- \
    "$bin" run --metrics-listen "127.0.0.1:$mport" "$tmp/none.ini"
kill "$busy" 2>/dev/null
wait "$busy" 2>/dev/null

# -- a campaign scraped by a real Prometheus (once it ended, its series are
#    stale: the queries take each one's last sample, last_over_time) ------
mport=$(free_port)
pport=$(free_port)
start_prometheus "$tmp/prom" "$pport" "127.0.0.1:$mport" ||
    ko "prometheus did not start" "$(tail "$tmp/prom/prometheus.log")"

cat > "$tmp/m.ini" <<INI
[campaign]
name = metrics
results = $tmp/results
seed = 23
include = \${LAB_DIR}/lab.ini

[probe]
frequency = 0.05
timeout = 20

[phase main]
zones = 2
zone_suffix = metrics.test.
duration = 10
rate = 6
mix = record_create:3 record_update:1 record_delete:1

[slo]
p99 = 20
INI
"$bin" run --quiet --no-store --metrics-listen "127.0.0.1:$mport" --metrics-linger 4 \
    "$tmp/m.ini" > "$tmp/run.json" 2> "$tmp/run.err" &
run_pid=$!
for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$mport/metrics" > "$tmp/scrape1.txt" && break
    sleep 0.1
done
sleep 5
curl -sf "http://127.0.0.1:$mport/metrics" > "$tmp/scrape.txt"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mport/other")
[ "$code" = 404 ] && ok "GET /other: 404" || ko "GET /other: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$mport/metrics")
[ "$code" = 405 ] && ok "POST /metrics: 405" || ko "POST /metrics: $code"
ctype=$(curl -s -o /dev/null -w '%{content_type}' "http://127.0.0.1:$mport/metrics")
[[ $ctype == "text/plain; version=0.0.4"* ]] && ok "content type $ctype" || ko "content type '$ctype'"
if promtool check metrics < "$tmp/scrape.txt" > "$tmp/lint.out" 2>&1; then
    ok "promtool check metrics: no lint problems while running"
else
    ko "promtool check metrics" "$(head -20 "$tmp/lint.out")"
fi
if /usr/bin/python3 - "$tmp/scrape.txt" > "$tmp/parse.out" 2>&1 <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
need = ["dnsprop_propagation_seconds", "dnsprop_polls", "dnsprop_queries_sent",
        "dnsprop_operations", "dnsprop_serial", "dnsprop_clock_synchronised",
        "dnsprop_build_info", "process_resident_memory_bytes", "process_start_time_seconds"]
missing = [n for n in need if n not in fams]
assert not missing, missing
assert fams["dnsprop_propagation_seconds"].type == "histogram"
assert fams["dnsprop_polls"].type == "counter"
b = [s for s in fams["dnsprop_build_info"].samples]
assert b and b[0].labels["command"] == "run", b
print("parsed", len(fams), "families")
PY
then ok "the Python client's parser reads it: $(cat "$tmp/parse.out")"; else ko "python parser" "$(cat "$tmp/parse.out")"; fi
wait "$run_pid"
rc=$?
run_pid=
[ "$rc" -eq 0 ] && ok "the campaign ended (exit 0)" || ko "campaign exit $rc" "$(tail "$tmp/run.err")"
sleep 1
report=$(ls "$tmp"/results/*/report.json 2>/dev/null | head -1)
if /usr/bin/python3 - "http://127.0.0.1:$pport" "$report" > "$tmp/cmp.out" 2>&1 <<'PY'
import json, sys, urllib.parse, urllib.request
api, report = sys.argv[1], json.load(open(sys.argv[2]))
def q(expr):
    url = api + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    r = json.load(urllib.request.urlopen(url))
    assert r["status"] == "success", r
    return {json.dumps(x["metric"], sort_keys=True): float(x["value"][1]) for x in r["data"]["result"]}
def one(expr):
    v = list(q(expr).values())
    assert len(v) == 1, (expr, v)
    return v[0]
ov = report["statistics"]["overall"]
polls = one("sum(last_over_time(dnsprop_polls_total[1m]))")
assert polls == ov["count"], ("polls", polls, ov["count"])
done = one("sum(last_over_time(dnsprop_propagation_seconds_count[1m]))")
assert done == ov["completed"], ("completed", done, ov["completed"])
ops = one('sum(last_over_time(dnsprop_operations_total{result="acknowledged"}[1m]))')
assert ops == report["summary"]["acked"], ("acked", ops, report["summary"]["acked"])
# a counter's rate over the campaign: queries were sent
rate = one("max_over_time(rate(dnsprop_queries_sent_total[5s])[1m:1s])")
assert rate > 0, rate
b = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10,
     15, 20, 30, 45, 60, 90, 120, 300, 600, 1800, 3600]
def bucket(v):
    return next(i for i, x in enumerate(b) if v <= x)
def close(promql, exact, what):
    # histogram_quantile interpolates inside the bucket the rank falls in:
    # the same bucket as the exact figure, or the next one down when the
    # exact percentile interpolates between two polls across a bound
    assert bucket(exact) - 1 <= bucket(promql) <= bucket(exact), (what, promql, exact)
p99 = one("histogram_quantile(0.99, sum by (le) (last_over_time(dnsprop_propagation_seconds_bucket[1m])))")
close(p99, ov["p99"], "overall p99")
per = q("histogram_quantile(0.99, sum by (le, nameserver) "
      "(last_over_time(dnsprop_propagation_seconds_bucket[1m])))")
for ns in report["slowest_nameservers"]:
    key = json.dumps({"nameserver": ns["nameserver"]}, sort_keys=True)
    close(per[key], ns["p99"], ns["nameserver"])
stq = q("histogram_quantile(0.99, sum by (le, stage) "
        "(last_over_time(dnsprop_stage_seconds_bucket[1m])))")
stn = q("sum by (stage) (last_over_time(dnsprop_stage_seconds_count[1m]))")
for st in ("api", "primary", "secondaries", "transfer", "all"):
    key = json.dumps({"stage": st}, sort_keys=True)
    rs = report["statistics"]["stages"][st]
    assert stn[key] == rs["completed"], (st, stn[key], rs)
    close(stq[key], rs["p99"], "stage " + st)
print(f"polls {polls:.0f}, p99 PromQL {p99:.3f} s vs report {ov['p99']:.3f} s, "
      f"{len(per)} nameservers and 5 stages agree")
PY
then ok "Prometheus agrees with the report: $(cat "$tmp/cmp.out")"
else ko "Prometheus vs the report" "$(cat "$tmp/cmp.out")"; fi

# -- serve and agent: the same families, their own command ---------------------------
if [ -n "${DNSPROP_TEST_REDIS:-}" ]; then
    sport=$(free_port)
    mport=$(free_port)
    "$bin" serve --listen "127.0.0.1:$sport" --redis "${DNSPROP_TEST_REDIS%/*}/7" \
        --results "$tmp/sres" --metrics-listen "127.0.0.1:$mport" > "$tmp/serve.log" 2>&1 &
    run_pid=$!
    for _ in $(seq 100); do
        curl -sf -o /dev/null "http://127.0.0.1:$sport/" && break
        sleep 0.1
    done
    for z in 1 2 3; do
        curl -sf -o /dev/null -H 'Content-Type: application/json' -d "{\"nameserver\": \
\"$LAB_KNOT_ADDR\", \"zone_name\": \"$LAB_ZONE\", \"serial\": 0, \"timeout\": 5, \
\"frequency\": 0.1, \"condition\": \"serial_not_lower\"}" "http://127.0.0.1:$sport/requests"
    done
    curl -sf -o /dev/null -H 'Content-Type: application/json' -d "{\"nameserver\": \
\"$LAB_KNOT_ADDR\", \"zone_name\": \"nowhere.invalid.\", \"serial\": 0, \"timeout\": 1, \
\"frequency\": 0.2, \"condition\": \"serial_not_lower\"}" "http://127.0.0.1:$sport/requests"
    sleep 2.5
    curl -sf "http://127.0.0.1:$mport/metrics" > "$tmp/serve.txt"
    n=$(grep -c "^dnsprop_polls_total{nameserver=\"$LAB_KNOT_ADDR\",outcome=\"COMPLETED\",reason=\"\"} 3$" "$tmp/serve.txt")
    t=$(grep -c "^dnsprop_polls_total{nameserver=\"$LAB_KNOT_ADDR\",outcome=\"\(TIMEOUT\|ERROR\)\",reason=\"[^\"]" "$tmp/serve.txt")
    if [ "$n" = 1 ] && [ "$t" = 1 ] && grep -q 'dnsprop_build_info{.*command="serve"} 1' "$tmp/serve.txt" &&
        promtool check metrics < "$tmp/serve.txt" > "$tmp/lint2.out" 2>&1; then
        ok "serve --metrics-listen: 3 polls COMPLETED, 1 failed with its reason, lint-clean"
    else
        ko "serve --metrics-listen" "$(grep -v '^#' "$tmp/serve.txt" | grep -v bucket | head -20; cat "$tmp/lint2.out")"
    fi
    kill "$run_pid" && wait "$run_pid"
    run_pid=
    mport=$(free_port)
    "$bin" agent --redis "${DNSPROP_TEST_REDIS%/*}/8" --vantage v1 --quiet \
        --metrics-listen "127.0.0.1:$mport" > "$tmp/agent.log" 2>&1 &
    run_pid=$!
    for _ in $(seq 50); do
        curl -sf "http://127.0.0.1:$mport/metrics" > "$tmp/agent.txt" && break
        sleep 0.1
    done
    if grep -q 'dnsprop_build_info{.*command="agent"} 1' "$tmp/agent.txt" &&
        promtool check metrics < "$tmp/agent.txt" > /dev/null 2>&1; then
        ok "agent --metrics-listen serves its figures"
    else
        ko "agent --metrics-listen" "$(head "$tmp/agent.txt"; cat "$tmp/agent.log")"
    fi
    kill "$run_pid" && wait "$run_pid"
    run_pid=
fi

echo "metrics: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
