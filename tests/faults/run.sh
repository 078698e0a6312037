#!/usr/bin/env bash
# The fault tests (issue 12): each tests/faults/test_*.sh breaks something
# real (Redis killed or paused, an agent stopped, a nameserver or the
# PowerDNS API down, a campaign SIGKILLed, a tiny filesystem, slow clients,
# hostile input) and asserts what was kept, what was reported and the exit
# status. Run through tests/run-tests.sh (the lab's LAB_* and
# DNSPROP_TEST_* set), or alone: tests/faults/run.sh ./dnsprop-asan [NAME...]
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-./dnsprop-asan}
shift || true
failed=0
ran=0
for t in tests/faults/test_*.sh; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .sh)
    if [ $# -gt 0 ] && [[ " $* " != *" ${name#test_} "* ]]; then
        continue
    fi
    ran=$((ran + 1))
    echo "--- faults: $name"
    if ! "$t" "$bin"; then
        failed=$((failed + 1))
        echo "--- faults: $name FAILED"
    fi
done
echo "faults: $ran scripts, $failed failed"
[ "$failed" -eq 0 ]
