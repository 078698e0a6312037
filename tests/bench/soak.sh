#!/usr/bin/env bash
# `make soak`: a steady campaign against the lab (tests/lab/lab.sh: the
# PowerDNS primary, Knot, BIND and NSD secondaries) for SOAK_MINUTES (60,
# plus 2) at SOAK_RATE changes a second (10), zones and records made, changed
# and deleted all along, stored in a redis-server of its own. The
# campaign's RSS is read each minute: a campaign of any length must run in
# memory that does not grow with its duration (what is pending plus
# compact figures), so the RSS at the end is within a few MB of the RSS
# at 10 minutes. Prints
#   soak_minutes=M soak_operations=N soak_rss_kib_at_1min=A
#   soak_rss_kib_at_10min=B soak_rss_kib_at_end=C soak_growth_bytes_per_op=G
# and each minute's line. Exit 1 when it grew over SOAK_MAX_GROWTH_KIB
# (4096) from minute 10 to the end, or the campaign failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh

mins=${SOAK_MINUTES:-60}
rate=${SOAK_RATE:-10}
max_growth=${SOAK_MAX_GROWTH_KIB:-4096}
dir=$(mktemp -d /tmp/dnsprop-soak.XXXXXX)
lab_up=
redis_pid=
run_pid=
cleanup() {
    [ -n "$run_pid" ] && kill "$run_pid" 2> /dev/null && wait "$run_pid" 2> /dev/null
    bench_kill "$redis_pid"
    [ -n "$lab_up" ] && tests/lab/lab.sh down "$dir/lab" > /dev/null 2>&1
    rm -rf "$dir"
}
trap 'cleanup' EXIT
trap 'exit 130' INT TERM

[ -x ./dnsprop ] || { echo "soak: build ./dnsprop first (make)" >&2; exit 2; }
export LAB_DIR=$dir/lab
mkdir -p "$LAB_DIR"
tests/lab/lab.sh up > "$dir/lab.env" 2> "$dir/lab.log" ||
    { echo "soak: the lab did not start:" >&2; tail -5 "$dir/lab.log" >&2; exit 2; }
lab_up=1
rport=$(bench_free_port)
bench_redis "$dir" "$rport" || exit 2

cat > "$dir/soak.ini" <<EOF
[campaign]
name = soak
results = $dir/results
seed = 11
; the lab goes with the soak: no zone-by-zone cleanup at the end
cleanup = no
include = $LAB_DIR/lab.ini
[probe]
frequency = 0.05
timeout = 30
threads = 2
[phase warmup]
zones = 4
zone_suffix = soak.test.
count = 20
rate = $rate
mix = record_create:1
[phase steady]
zone_suffix = soak.test.
duration = $((mins * 60 + 120))
rate = $rate
mix = record_create:4 record_update:2 record_delete:4 zone_create:1 zone_delete:1 zone_update:1
record_types = A AAAA TXT MX
[storage]
redis = redis://127.0.0.1:$rport/0
EOF

# (a copy: a rebuild meanwhile does not touch the running binary)
cp ./dnsprop "$dir/dnsprop"
"$dir/dnsprop" run --quiet "$dir/soak.ini" > "$dir/summary.json" 2> "$dir/run.log" &
run_pid=$!
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$run_pid/status" 2> /dev/null || echo 0; }
declare -A at
# (by the clock: the steady phase runs 2 minutes past the last reading,
# so that every reading is of the running campaign, none of its report)
t0=$(date +%s)
for ((m = 1; m <= mins; m++)); do
    while [ "$(date +%s)" -lt $((t0 + m * 60)) ]; do
        kill -0 "$run_pid" 2> /dev/null || break 2
        sleep 1
    done
    at[$m]=$(rss)
    ops=$(redis-cli -p "$rport" llen "$(redis-cli -p "$rport" --scan --pattern 'dnsprop:campaign:*:results' |
        head -1)" 2> /dev/null || echo ?)
    echo "soak: minute $m rss ${at[$m]} KiB, $ops results stored"
done
echo "soak: the campaign ends in about 2 minutes, then writes its report"
rc=0
wait "$run_pid" || rc=$?
run_pid=
if [ "$rc" -gt 1 ]; then
    echo "soak: the campaign failed (exit $rc):" >&2
    tail -5 "$dir/run.log" >&2
    exit 1
fi
nops=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['operations'])" \
    "$dir/summary.json")
base=10 # the first minutes fill the fixed base (pools, buffers, the timeline)
[ "$mins" -gt 10 ] || base=1
ten=${at[$base]:-0}
end=${at[$mins]:-0}
growth=$((end - ten))
per_op=$(python3 -c "print(round(max(0, $growth) * 1024 / max(1, $nops * ($mins - $base) / $mins)))")
first=
[ "$base" = 1 ] || first="soak_rss_kib_at_1min=${at[1]} "
echo "soak_minutes=$mins soak_operations=$nops ${first}soak_rss_kib_at_${base}min=$ten soak_rss_kib_at_end=$end soak_growth_bytes_per_op=$per_op"
if [ "$growth" -gt "$max_growth" ]; then
    echo "soak: the campaign grew $growth KiB from minute $base to the end (over $max_growth)" >&2
    exit 1
fi
