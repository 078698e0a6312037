#!/usr/bin/env bash
# Run every test: unit tests (ASan+UBSan), then a real lab of nameservers
# (tests/lab/lab.sh) for the integration tests (ASan+UBSan), the
# command-line tests (ASan, then TSan) and a valgrind run; beside them, in the
# background, the Designate group (tests/designate/run.sh). Prints one closing line:
# "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
step() {
    local name=$1
    shift
    echo "=== $name"
    if "$@"; then
        passed=$((passed + 1))
        echo "--- ok: $name"
    else
        failed=$((failed + 1))
        echo "--- FAILED: $name"
    fi
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Criterion forks per test; keep its output plain.
export CRITERION_NO_EARLY_EXIT=1

step "format" make --no-print-directory format-check
step "layout: includes one way, no DNS code in plot/storage, no stderr in the library, functions <= 120 lines" \
    tests/check-layout.sh
# One worker: Criterion 2.4's runner leaks a 48-byte block of its own
# (LeakSanitizer fails the run) when two workers finish at once.
step "unit (asan)" ./build/test-unit-asan --jobs 1
step "make install/uninstall: files, man pages (mandoc lint), every option documented" \
    tests/cli/test_install.sh
step "fuzz: corpora + ${FUZZ_RUNS:-30000} runs each from a fixed seed" \
    make --no-print-directory fuzz-test FUZZ_RUNS="${FUZZ_RUNS:-30000}"

# The Designate group (its own lab and Redis) runs in the background, beside
# the PowerDNS lab's steps: Designate mostly waits on its worker's polls.
designate_out=$(mktemp "${TMPDIR:-/tmp}/dnsprop-designate-out.XXXXXX")
tests/designate/run.sh ./dnsprop-asan >"$designate_out" 2>&1 &
designate_pid=$!

LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dnsprop-lab.XXXXXX")
export LAB_DIR
cleanup() {
    tests/lab/lab.sh down "$LAB_DIR" >/dev/null 2>&1 || true
    kill "$designate_pid" 2>/dev/null # its own trap stops its lab
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM
if ! lab_env=$(tests/lab/lab.sh up); then
    echo "the lab did not start; logs under $LAB_DIR" >&2
    for f in "$LAB_DIR"/*.log; do echo "--- $f"; tail -20 "$f"; done >&2
    echo "$passed passed, $((failed + 1)) failed"
    exit 1
fi
eval "$lab_env"

# A redis-server of the tests' own, on a free port in a temp dir.
redis_dir=$(mktemp -d "${TMPDIR:-/tmp}/dnsprop-redis.XXXXXX")
redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$redis_dir" --save '' \
    --appendonly no --daemonize no --logfile "$redis_dir/log" &
redis_pid=$!
trap 'kill $redis_pid 2>/dev/null; rm -rf "$redis_dir"; cleanup' EXIT
for _ in $(seq 100); do
    redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
    sleep 0.05
done
export DNSPROP_TEST_REDIS="redis://127.0.0.1:$redis_port/1"
# The CLI tests use the embedded default store under a temp results dir.
export DNSPROP_TEST_RESULTS="$redis_dir/results"

step "integration (asan)" ./build/test-int-asan --jobs 1 --verbose
step "cli (asan)" tests/cli/test_cli.sh ./dnsprop-asan
# Criterion's forking runner cannot start under TSan, so the threaded
# engine is checked for races through the CLI against the same lab.
step "cli (tsan)" env TSAN_OPTIONS=halt_on_error=1 tests/cli/test_cli.sh ./dnsprop-tsan
step "store (asan)" tests/cli/test_store.sh ./dnsprop-asan
step "clock vs chronyd (asan)" tests/cli/test_clock.sh ./dnsprop-asan
step "run (asan)" tests/cli/test_run.sh ./dnsprop-asan
step "run (tsan)" env TSAN_OPTIONS=halt_on_error=1 tests/cli/test_run.sh ./dnsprop-tsan
step "metrics: promtool, the Python parser and a real Prometheus vs the report (asan)" \
    tests/cli/test_metrics.sh ./dnsprop-asan
step "monitor: canaries, a secondary stopped and started again, SIGTERM (asan)" \
    tests/cli/test_monitor.sh ./dnsprop-asan
step "anycast: two NSD instances behind one address, told apart by NSID (asan)" \
    tests/cli/test_anycast.sh ./dnsprop-asan
step "dnssec: signed data validated, a stale signature is a lag (asan)" \
    tests/cli/test_dnssec.sh ./dnsprop-asan
step "discover: every address of a delegated zone's nameservers, IPv4, IPv6, one dead (asan)" \
    tests/cli/test_discover.sh ./dnsprop-asan
step "several providers: each change to PowerDNS and to a BIND primary over RFC 2136 (asan)" \
    tests/cli/test_multiprovider.sh ./dnsprop-asan
step "assess vs the lab (asan)" tests/cli/test_assess.sh ./dnsprop-asan
step "plots: escaping, sizes, gnuplot missing" tests/cli/test_plots.sh
step "plots and reports (asan)" tests/cli/test_report.sh ./dnsprop-asan
step "serve (asan)" tests/cli/test_serve.sh ./dnsprop-asan
step "agents over Redis Streams, one killed (asan)" tests/cli/test_agents.sh ./dnsprop-asan
step "agents over Redis Streams (tsan)" env TSAN_OPTIONS=halt_on_error=1 tests/cli/test_agents.sh ./dnsprop-tsan
step "http target (asan)" tests/cli/test_http.sh ./dnsprop-asan
step "provider in-sync claim: lying, honest and failing stand-ins (asan)" \
    tests/cli/test_provider.sh ./dnsprop-asan
step "zone sync vs knot and bind" tests/cli/test_zonesync.sh
step "real zone files (PowerDNS, dnspython, octoDNS, gdnsd, Knot, NSD) synced to the lab (asan)" \
    tests/cli/test_realzones.sh ./dnsprop-asan
step "rfc2136 target vs knot and bind" env DNSPROP_BIN=./dnsprop-asan tests/cli/test_rfc2136.sh
step "faults: Redis, agents, nameservers, the API, kills, full disks, hostile input (asan)" \
    tests/faults/run.sh ./dnsprop-asan
step "valgrind" tests/cli/valgrind.sh ./dnsprop
designate_group() {
    wait "$designate_pid"
    local rc=$?
    cat "$designate_out"
    rm -f "$designate_out"
    return "$rc"
}
step "Designate 15 lab: campaigns through its API, BIND/PowerDNS/NSD pool (asan)" designate_group

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
