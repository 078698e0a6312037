#!/usr/bin/env bash
# make bench: the probe engine against dnsperf on the same real Knot
# server, same machine, same run. Prints the figures side by side and ends
# with one line:
#   dnsperf_qps=N dnsprop_qps=N ratio=R rss_kib_per_poll=K sched_lag_p99_ms=L
#   dnsperf_cpu_us_per_query=X dnsprop_cpu_us_per_query=Y cpu_ratio=Z
#   fidelity_p99_late_ms=X fidelity_freq_ms=F inside_band=N/100 pending=P
# then the store's line, the service's, the comparison's (with the plots')
# and the million-result campaign's:
#   serve_accepted_per_s=N serve_runs=A/B/C/D/E serve_conns=C serve_cpu_us_per_post=U serve_roundtrip_ms_p50=P serve_roundtrip_ms_p99=Q
#   serve_accepted_per_s_32_conns=N serve_runs_32_conns=A/B/C
#   serve_anchor_mhd_per_s=N serve_anchor_mhd_cpu_us_per_post=U serve_anchor_handoff_per_s=N ...
#   serve_anchor_loop_per_s=N serve_anchor_loop_cpu_us_per_post=U serve_anchor_loop_redis_us_per_post=R
#   serve_machine_cpu_us_per_post=T (serve S redis R knot K wrk W; 20000/s on C cores: <=B)
#   serve_floor_cpu_us_per_post=F (one loop, HTTP and the put: ...)
#   compare_s_per_million_changes=S load_s_per_million_results=L ... plot_s=P
#   probe_bytes_per_result=X (<=100) redis_bytes_per_result=Y (<=250) report_s=R
#   (<=20) report_rss_mib=Q (<=256) assess_s=A (<=10) results=N
# (dnsprop compare on two synthetic campaigns of BENCH_COMPARE_SIZES
# changes, four nameservers each: cost as the campaigns grow).
# BENCH_SECONDS (default 10) sets the length of each measurement,
# BENCH_POLLS (default 100000) the concurrent polls of the scale run.
# The ratio compares like with like: dnsperf's defaults are one thread,
# one socket and 100 queries outstanding, so the probe engine runs with
# one thread and max_inflight 100 (BENCH_THREADS, BENCH_MAX_INFLIGHT). A
# second run with the pool's own defaults (a thread per core, 256 in
# flight per thread) is printed beside it.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
secs=${BENCH_SECONDS:-10}
polls=${BENCH_POLLS:-100000}
threads=${BENCH_THREADS:-1}
inflight=${BENCH_MAX_INFLIGHT:-100}
bin=build/probe-bench

dir=$(mktemp -d "${TMPDIR:-/tmp}/dnsprop-bench.XXXXXX")
knot_pid=
redis_pid=
serve_pid=
cleanup() {
    bench_kill "$serve_pid" "$knot_pid" "$redis_pid"
    rm -rf "$dir"
}
trap cleanup EXIT

port=$(bench_free_port)
# A zone of 10,000 names, and the same names as dnsperf's query file.
bench_knot "$dir" bench.test "$port"
for ((i = 0; i < 10000; i++)); do echo "i$i.bench.test A"; done > "$dir/queries.txt"
echo "bench: knotd $(knotd -V | head -1 | awk '{print $NF}') on 127.0.0.1:$port, 10000 names, ${secs}s per run, $(nproc) cores"

# 1. dnsperf, its defaults (one socket, 100 queries outstanding), and its
#    CPU (user + system, getrusage of the child) per answered query
python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], "w"), stderr=subprocess.STDOUT)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("dnsperf_cpu_s=%.6f" % (r.ru_utime + r.ru_stime))' "$dir/dnsperf.out" \
    dnsperf -s 127.0.0.1 -p "$port" -d "$dir/queries.txt" -l "$secs" > "$dir/dnsperf.cpu"
dnsperf_qps=$(awk '/Queries per second/ {printf "%.0f", $4}' "$dir/dnsperf.out")
dnsperf_cpu=$(awk -F= '{print $2}' "$dir/dnsperf.cpu")
dnsperf_cpu_us=$(awk -v c="$dnsperf_cpu" '/Queries completed/ {printf "%.2f", c * 1e6 / $3}' \
    "$dir/dnsperf.out")
echo "dnsperf: $(grep -E 'Queries (completed|lost)' "$dir/dnsperf.out" | tr -s ' ' | tr '\n' ' ')"

# 2. the probe engine: never-satisfied polls offering 1.5x what dnsperf
#    reached, so the engine, not the schedule, is the limit.
freq=0.05
qps_polls=$(python3 -c "print(max(1000, int($dnsperf_qps * 1.5 * $freq)))")
BENCH_MAX_INFLIGHT=$inflight "$bin" qps "127.0.0.1:$port" bench.test 10000 "$secs" \
    "$threads" "$qps_polls" "$freq" > "$dir/qps.out"
sed "s/^/dnsprop qps ($threads thread, $inflight in flight): /" "$dir/qps.out"
dnsprop_qps=$(sed -n 's/^dnsprop_qps=//p' "$dir/qps.out")
dnsprop_cpu_us=$(sed -n 's/^dnsprop_cpu_us_per_query=//p' "$dir/qps.out")
BENCH_MAX_INFLIGHT=256 "$bin" qps "127.0.0.1:$port" bench.test 10000 "$secs" \
    "$(nproc)" "$qps_polls" "$freq" > "$dir/qps-defaults.out"
sed "s/^/dnsprop qps (pool defaults, $(nproc) threads, 256 in flight each): /" \
    "$dir/qps-defaults.out" | grep -E 'queries=|qps='

# 3. scale: 100,000 concurrent polls, each querying every 10 s.
BENCH_MAX_INFLIGHT=$inflight "$bin" scale "127.0.0.1:$port" bench.test 10000 "$secs" "$threads" "$polls" 10 > "$dir/scale.out"
sed 's/^/dnsprop scale: /' "$dir/scale.out"
rss=$(sed -n 's/.*rss_kib_per_poll=\([0-9.]*\).*/\1/p' "$dir/scale.out")
lag=$(sed -n 's/.*sched_lag_p99_ms=\([0-9.]*\).*/\1/p' "$dir/scale.out")

# 3b. fidelity: BENCH_POLLS never-satisfied polls pending (every 10 s),
#     BENCH_CHANGES (100) changes committed through knotc, each polled for
#     every BENCH_FIDELITY_FREQ (0.1) s: how late each is measured.
BENCH_KNOTC_SOCKET="$dir/knot.sock" BENCH_CHANGE_ZONE=fid.test BENCH_MAX_INFLIGHT=$inflight \
    "$bin" fidelity \
    "127.0.0.1:$port" bench.test 10000 "$secs" "$threads" "$polls" \
    "${BENCH_FIDELITY_FREQ:-0.1}" > "$dir/fidelity.out"
sed 's/^/dnsprop fidelity: /' "$dir/fidelity.out"

ratio=$(python3 -c "print(f'{$dnsprop_qps / $dnsperf_qps:.2f}')")
cpu_ratio=$(python3 -c "print(f'{$dnsprop_cpu_us / $dnsperf_cpu_us:.2f}')")
probe_line="dnsperf_qps=$dnsperf_qps dnsprop_qps=$dnsprop_qps ratio=$ratio rss_kib_per_poll=$rss sched_lag_p99_ms=$lag
dnsperf_cpu_us_per_query=$dnsperf_cpu_us dnsprop_cpu_us_per_query=$dnsprop_cpu_us cpu_ratio=$cpu_ratio
$(grep '^fidelity_' "$dir/fidelity.out")"

# 4. the results store: one redis-server (no persistence, so both runs
#    measure Redis and the client, not the disk), results through the
#    store's pipelined writer, then redis-benchmark's pipelined SET.
rport=$(bench_free_port)
bench_redis "$dir" "$rport"
nres=${BENCH_RESULTS:-300000}
build/store-bench "redis://127.0.0.1:$rport/0" "$nres" > "$dir/store.out"
sed 's/^/store: /' "$dir/store.out"
store_rps=$(sed -n 's/^store_results_per_s=//p' "$dir/store.out")
redis-cli -p "$rport" flushall > /dev/null
redis-benchmark -p "$rport" -t set -P 16 -n 2000000 -q 2>/dev/null | tr '\r' '\n' |
    grep -E '^SET: [0-9.]+ requests per second' | tail -1 > "$dir/rb.out"
echo "redis-benchmark: $(cat "$dir/rb.out")"
set_rps=$(awk '{printf "%.0f", $2}' "$dir/rb.out")
sratio=$(python3 -c "print(f'{$store_rps / $set_rps:.2f}')")

# 5. the service: `dnsprop serve` against the same redis-server (its own
#    database), POST /requests driven by wrk, BENCH_SERVE_RUNS (5) times
#    BENCH_SERVE_SECONDS (5) over BENCH_SERVE_CONNS (128) connections,
#    then 3 times over 32, with polls of a serial knotd already serves,
#    then the round trip POST -> GET until COMPLETED, one request at a
#    time. 128 connections are what one client may open by default
#    (--max-connections-per-client): at 32 each connection waits out a
#    round trip (1.8 ms) between POSTs and the machine idles a tenth of
#    the time; the figure is the service's capacity, so the load is one
#    that keeps it busy, and the 32-connection figure is printed beside.
sport=$(bench_free_port)
# (the service's own limits raised: the bench measures its throughput,
# not its rate limiting of one nameserver)
./dnsprop serve --listen "127.0.0.1:$sport" --redis "redis://127.0.0.1:$rport/2" \
    --max-ns-rate 1000000 --max-pending 1000000 --max-pending-per-client 1000000 \
    --max-connections-per-client 1000 \
    --results "$dir/results" > "$dir/serve.log" 2>&1 &
serve_pid=$!
for ((i = 0; i < 100; i++)); do
    curl -s -o /dev/null "http://127.0.0.1:$sport/" && break
    sleep 0.05
done
ssecs=${BENCH_SERVE_SECONDS:-5}
sruns=${BENCH_SERVE_RUNS:-5}
sconns=${BENCH_SERVE_CONNS:-128}
# BENCH_SERVE_RUNS (5) runs of wrk, the median the figure (one run moves
# 20% with whatever else the machine does), and the service's CPU (user +
# system, /proc) per POST over all of them
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# wrk's CPU: a subshell's children's time (stat fields 16, 17) once it
# has waited for wrk; over $2 connections (sconns)
wrk_post() {
    (
        SERVE_NS="127.0.0.1:$port" SERVE_ZONE=bench.test. wrk -t1 -c"${2:-$sconns}" -d"${ssecs}s" \
            -s tests/bench/serve_post.lua "http://127.0.0.1:$1/requests" > "$dir/wrk.out" 2>&1
        awk '{print $16 + $17}' "/proc/$BASHPID/stat" > "$dir/wrk.ticks"
    )
}
us_per_post() { python3 -c "print(f'{$1 / $(getconf CLK_TCK) * 1e6 / max(1, $2):.1f}')"; }
# one answer of the service, the bare server's body (same length)
curl -s -o "$dir/reply.json" -H 'Content-Type: application/json' --data \
    "{\"nameserver\": \"127.0.0.1:$port\", \"zone_name\": \"bench.test.\", \"serial\": 1, \"start_time\": null, \"timeout\": 5, \"frequency\": 0.5, \"condition\": \"serial_not_lower\"}" \
    "http://127.0.0.1:$sport/requests"
rates=()
cpu0=$(ticks "$serve_pid")
rcpu0=$(ticks "$redis_pid")
kcpu0=$(ticks "$knot_pid")
wcpu=0
posts=0
for ((r = 1; r <= sruns; r++)); do
    wrk_post "$sport"
    wcpu=$((wcpu + $(cat "$dir/wrk.ticks")))
    sed "s/^/serve wrk $r: /" "$dir/wrk.out" |
        grep -E 'Requests/sec|Latency|requests in|Non-2xx|errors'
    if grep -q -E 'Non-2xx|Socket errors' "$dir/wrk.out"; then
        echo "bench: dnsprop serve refused some POSTs or connections; see $dir/serve.log" >&2
        exit 1
    fi
    rates+=("$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$dir/wrk.out")")
    posts=$((posts + $(awk '/requests in/ {print $1}' "$dir/wrk.out")))
    sleep 1
done
cpu1=$(ticks "$serve_pid")
rcpu1=$(ticks "$redis_pid")
kcpu1=$(ticks "$knot_pid")
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
serve_rps=$(median "${rates[@]}")
serve_runs=$(IFS=/; echo "${rates[*]}")
serve_cpu_us=$(us_per_post $((cpu1 - cpu0)) "$posts")
redis_cpu_us=$(us_per_post $((rcpu1 - rcpu0)) "$posts")
knot_cpu_us=$(us_per_post $((kcpu1 - kcpu0)) "$posts")
wrk_cpu_us=$(us_per_post "$wcpu" "$posts")
# the same over 32 connections (the figure of 2026-12-05 and before)
rates32=()
for ((r = 1; r <= 3; r++)); do
    wrk_post "$sport" 32
    sed "s/^/serve wrk 32 connections $r: /" "$dir/wrk.out" | grep -E 'Requests/sec|Latency'
    rates32+=("$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$dir/wrk.out")")
    sleep 1
done
serve32_rps=$(median "${rates32[@]}")
serve32_runs=$(IFS=/; echo "${rates32[*]}")
sleep 1 # let the polls wrk caused finish
python3 tests/bench/serve_roundtrip.py "127.0.0.1:$sport" "127.0.0.1:$port" bench.test. \
    "${BENCH_SERVE_ROUNDTRIPS:-300}" > "$dir/rt.out"
sed 's/^/serve round trip: /' "$dir/rt.out"
rt=$(grep -o 'serve_roundtrip_ms_p50=[0-9.]* serve_roundtrip_ms_p99=[0-9.]*' "$dir/rt.out")
kill "$serve_pid" && wait "$serve_pid"
serve_pid=

# 5b. the service's anchor: libmicrohttpd alone, as the service runs it,
#     answering each POST at once with the service's answer (and after a
#     hand-off to another thread, as each POST waits for the putter), with
#     the same wrk. With the CPU per POST of every process above, it says
#     how much of the machine one POST takes and where.
anchor() {
    local c0 c1 r0 r1 rps n
    build/mhd-bare "$sport" "$dir/reply.json" "$@" > "$dir/bare.log" 2>&1 &
    serve_pid=$!
    for ((i = 0; i < 100; i++)); do
        curl -s -o /dev/null "http://127.0.0.1:$sport/" && break
        sleep 0.05
    done
    c0=$(ticks "$serve_pid")
    r0=$(ticks "$redis_pid")
    wrk_post "$sport"
    c1=$(ticks "$serve_pid")
    r1=$(ticks "$redis_pid")
    kill "$serve_pid" && wait "$serve_pid"
    serve_pid=
    sed "s/^/serve anchor ${1:-bare} wrk: /" "$dir/wrk.out" | grep -E 'Requests/sec|Latency'
    if grep -q -E 'Non-2xx|Socket errors' "$dir/wrk.out"; then
        echo "bench: the anchor (${1:-bare}) refused some POSTs; see $dir/bare.log" >&2
        exit 1
    fi
    rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$dir/wrk.out")
    n=$(awk '/requests in/ {print $1}' "$dir/wrk.out")
    echo "$rps $(us_per_post $((c1 - c0)) "$n") $(us_per_post $((r1 - r0)) "$n")" \
        > "$dir/anchor.out"
}
anchor
read -r bare_rps bare_us _ < "$dir/anchor.out"
anchor handoff
read -r hand_rps hand_us _ < "$dir/anchor.out"
# 5c. the design without hand-offs: HTTP and the put in one event loop
#     (mhd_bare loop: the service's own put into the same redis-server),
#     and the floor it sets with the other processes of this step
anchor loop "$rport"
read -r loop_rps loop_us loop_redis_us < "$dir/anchor.out"
machine_us=$(python3 -c "print(f'{$serve_cpu_us + $redis_cpu_us + $knot_cpu_us + $wrk_cpu_us:.1f}')")
floor_us=$(python3 -c "print(f'{$loop_us + $loop_redis_us + $knot_cpu_us + $wrk_cpu_us:.1f}')")
cores=$(nproc)

# 6. dnsprop compare as campaigns grow (no server: synthetic results as
#    the store gives them back)
build/compare-bench ${BENCH_COMPARE_SIZES:-10000 100000 300000} > "$dir/compare.out"
cat "$dir/compare.out"
cmp_line=$(tail -1 "$dir/compare.out" | python3 -c '
import sys
f = dict(kv.split("=") for kv in sys.stdin.read().split()[1:])
n, r = float(f["changes"]), float(f["results"])
print("compare_s_per_million_changes=%.2f load_s_per_million_results=%.1f rss_bytes_per_result=%s"
      % (float(f["compare_s"]) / n * 1e6, float(f["load_s"]) / r * 1e6, f["rss_bytes_per_result"]))')

# 6b. the plots as campaigns grow: synthetic campaigns (nameservers x
#     changes per size), plot_campaign with gnuplot rendering
build/plot-bench ${BENCH_PLOT_SIZES:-100x10 1000x100 10000x100} > "$dir/plot.out"
sed 's/^/plots: /' "$dir/plot.out"
plot_line=$(tail -1 "$dir/plot.out" | python3 -c '
import sys
f = dict(kv.split("=", 1) for kv in sys.stdin.read().split())
print("plot_results=%s plot_s=%s plot_max_data_bytes=%s" % (f["results"], f["plot_s"], f["max_data_bytes"]))')

# 7. a million results: probe, Redis, report, assess (tests/bench/scale.sh)
tests/bench/scale.sh > "$dir/million.out"
grep '^scale:' "$dir/million.out"
scale_line=$(tail -1 "$dir/million.out")

echo "$probe_line"
echo "store_results_per_s=$store_rps redis_benchmark_set_per_s=$set_rps ratio=$sratio"
echo "serve_accepted_per_s=$serve_rps serve_runs=$serve_runs serve_conns=$sconns serve_cpu_us_per_post=$serve_cpu_us $rt"
echo "serve_accepted_per_s_32_conns=$serve32_rps serve_runs_32_conns=$serve32_runs"
echo "serve_anchor_mhd_per_s=$bare_rps serve_anchor_mhd_cpu_us_per_post=$bare_us serve_anchor_handoff_per_s=$hand_rps serve_anchor_handoff_cpu_us_per_post=$hand_us"
echo "serve_anchor_loop_per_s=$loop_rps serve_anchor_loop_cpu_us_per_post=$loop_us serve_anchor_loop_redis_us_per_post=$loop_redis_us"
echo "serve_machine_cpu_us_per_post=$machine_us (serve $serve_cpu_us redis $redis_cpu_us knot $knot_cpu_us wrk $wrk_cpu_us; 20000/s on $cores cores: <=$((cores * 1000000 / 20000)))"
echo "serve_floor_cpu_us_per_post=$floor_us (one loop, HTTP and the put: $loop_us, its redis $loop_redis_us, knot $knot_cpu_us, wrk $wrk_cpu_us; before the poll and the final state)"
echo "$cmp_line $plot_line"
echo "$scale_line"
