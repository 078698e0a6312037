#!/usr/bin/env bash
# The Designate group: starts the Designate lab (tests/lab/designate.sh) and a
# Redis of its own once, runs every tests/designate/test_*.sh against them,
# and stops both. tests/run-tests.sh runs this group in the background, beside
# the PowerDNS lab's groups: Designate's services mostly wait (its worker
# polls the pool), so the two labs share the two cores well.
# Usage: tests/designate/run.sh ./dnsprop-asan [NAME...]
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=$(readlink -f "${1:-./dnsprop-asan}")
shift || true

DLAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dnsprop-designate.XXXXXX")
export DLAB_DIR
redis_dir=$(mktemp -d "${TMPDIR:-/tmp}/dnsprop-dredis.XXXXXX")
redis_pid=
cleanup() {
    [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    rm -rf "$redis_dir"
    tests/lab/designate.sh down "$DLAB_DIR" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$SECONDS
if ! env=$(tests/lab/designate.sh up); then
    echo "the Designate lab did not start; logs under $DLAB_DIR" >&2
    for f in "$DLAB_DIR"/*.log "$DLAB_DIR"/designate/*.log; do
        [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }
    done >&2
    echo "designate: lab did not start"
    exit 1
fi
eval "$env"
echo "designate: lab up in $((SECONDS - t0)) s"

redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$redis_dir" --save '' \
    --appendonly no --daemonize no --logfile "$redis_dir/log" &
redis_pid=$!
for _ in $(seq 100); do
    redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
    sleep 0.05
done
export DNSPROP_TEST_REDIS="redis://127.0.0.1:$redis_port/1"
export DNSPROP_TEST_RESULTS="$redis_dir/results"
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

failed=0
ran=0
for t in tests/designate/test_*.sh; do
    name=$(basename "$t" .sh)
    if [ $# -gt 0 ] && [[ " $* " != *" ${name#test_} "* ]]; then
        continue
    fi
    ran=$((ran + 1))
    echo "--- designate: $name"
    if ! "$t" "$bin"; then
        failed=$((failed + 1))
        echo "--- designate: $name FAILED"
        for f in "$DLAB_DIR"/designate/designate-worker.log "$DLAB_DIR"/follower.log; do
            [ -f "$f" ] && { echo "--- last of $f"; tail -15 "$f"; }
        done
    fi
done
# down stops exactly what up started: nothing of the lab may be left, not
# RabbitMQ's Erlang VM, its epmd, nor a forked Designate worker
tests/lab/designate.sh down "$DLAB_DIR" >/dev/null 2>&1
left=$(pgrep -af -- "$DLAB_DIR" | grep -v pgrep)
if [ -n "$left" ]; then
    echo "FAIL designate.sh down left processes:"
    sed 's/^/     /' <<<"$left"
    failed=$((failed + 1))
else
    echo "ok   designate.sh down stopped every process of the lab"
fi
echo "designate: $ran scripts, $failed failed ($((SECONDS - t0)) s)"
[ "$failed" -eq 0 ]
