#!/usr/bin/env bash
# Command-line tests of `dnsprop clock` against a real chronyd serving
# time on a free loopback port from a temp dir (local stratum 8, no
# upstream, -x: it never touches the system clock), plus a silent UDP
# listener for the timeout path. Loopback only; no internet.
# Usage: tests/cli/test_clock.sh [./dnsprop]
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
bin=${1:-./dnsprop}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dnsprop-clock.XXXXXX")
chrony_pid=
silent_pid=

cleanup() {
    # Only the processes started here, by pid.
    [ -n "$chrony_pid" ] && kill "$chrony_pid" 2>/dev/null && wait "$chrony_pid" 2>/dev/null
    [ -n "$silent_pid" ] && kill "$silent_pid" 2>/dev/null && wait "$silent_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM



# A UDP port on 127.0.0.1 that was free a moment ago (the kernel picks it).
if ! command -v chronyd >/dev/null; then
    echo "chronyd not found (apt-get install chrony)" >&2
    echo "clock: 0 passed, 1 failed"
    exit 1
fi

# --- usage errors need no server ------------------------------------------
expect "help" 0 "usage: dnsprop clock" -- "$bin" clock --help
expect "bad --max-offset-ms" 64 "--max-offset-ms: 'soon' is not milliseconds" -- \
    "$bin" clock --max-offset-ms soon
expect "negative --max-offset-ms" 64 "--max-offset-ms: '-1'" -- \
    "$bin" clock --max-offset-ms -1
expect "bad --timeout-ms" 64 "--timeout-ms: '0' is not milliseconds" -- \
    "$bin" clock --timeout-ms 0
expect "bad --ntp-server port" 64 "--ntp-server: '127.0.0.1:99999' is not HOST\[:PORT\]" -- \
    "$bin" clock --ntp-server 127.0.0.1:99999
expect "bad --ntp-server brackets" 64 "--ntp-server: '\[::1' is not" -- \
    "$bin" clock --ntp-server '[::1'
expect "unknown option" 64 "unknown option" -- "$bin" clock --frobnicate
expect "stray argument" 64 "unexpected 'now'" -- "$bin" clock now

# --- start chronyd --------------------------------------------------------
# -x: do not control the system clock; -d: foreground, log to stderr;
# -u: stay the current user (as root it would switch to _chrony, which
# cannot write the temp dir); -U: allow a non-root start.
# bindcmdaddress / disables the Unix command socket, which would otherwise
# be created under /run/chrony; cmdport 0 disables the UDP one.
start_chrony() {
    local port=$1
    cat >"$tmp/chrony.conf" <<EOF
port $port
bindaddress 127.0.0.1
allow 127.0.0.1
local stratum 8
cmdport 0
bindcmdaddress /
pidfile $tmp/chronyd.pid
driftfile $tmp/chrony.drift
EOF
    local extra=()
    [ "$(id -u)" -ne 0 ] && extra=(-U)
    chronyd -x -d -u "$(id -un)" "${extra[@]}" -f "$tmp/chrony.conf" \
        >"$tmp/chronyd.log" 2>&1 </dev/null &
    chrony_pid=$!
    # Wait until it answers (our own client, short timeouts).
    local i
    for i in $(seq 1 50); do
        if ! kill -0 "$chrony_pid" 2>/dev/null; then
            wait "$chrony_pid" 2>/dev/null
            chrony_pid=
            return 1
        fi
        "$bin" clock --ntp-server "127.0.0.1:$port" --timeout-ms 100 >/dev/null 2>&1 &&
            return 0
        sleep 0.1
    done
    return 1
}

port=
for attempt in 1 2 3; do
    p=$(free_port)
    if start_chrony "$p"; then
        port=$p
        break
    fi
    [ -n "$chrony_pid" ] && kill "$chrony_pid" 2>/dev/null && wait "$chrony_pid" 2>/dev/null
    chrony_pid=
    echo "chronyd did not answer on 127.0.0.1:$p (attempt $attempt):" >&2
    tail -5 "$tmp/chronyd.log" >&2
done
if [ -z "$port" ]; then
    ko "chronyd serves time on loopback"
    # A probe campaign records the clock (kernel and SNTP) at start and end,
# and refuses to start when the offset is above --max-offset-ms.
if [ -n "${LAB_KNOT_ADDR:-}" ]; then
    "$bin" probe --ns "$LAB_KNOT_ADDR" --zone lab.test --condition serial_not_lower \
        --serial 1 --ntp-server "127.0.0.1:$port" --max-offset-ms 100 \
        --results "$tmp/res" >/dev/null 2>"$tmp/probe.err"
    if [ $? -eq 0 ] && "$bin" campaigns --results "$tmp/res" --json | python3 -c '
import json, sys
c = json.load(sys.stdin)[-1]
for k in ("clock_start", "clock_end"):
    assert c[k]["sntp_ok"] is True and abs(c[k]["sntp_offset_s"]) < 0.05, c[k]
    assert "synchronised" in c[k] and "maxerror_s" in c[k], c[k]
'; then
        ok "probe campaign records the clock at start and end"
    else
        ko "probe campaign records the clock" "$(cat "$tmp/probe.err")"
    fi
    expect "probe refuses a clock off by more than --max-offset-ms" 2 "offset" -- \
        "$bin" probe --ns "$LAB_KNOT_ADDR" --zone lab.test --condition serial_not_lower \
        --serial 1 --ntp-server "127.0.0.1:$port" --max-offset-ms 0.000000001 \
        --results "$tmp/res"
fi

echo "clock: $pass passed, $fail failed"
    exit 1
fi
ok "chronyd serves time on 127.0.0.1:$port"
server="127.0.0.1:$port"

# --- measurements against chronyd -----------------------------------------
out=$("$bin" clock --ntp-server "$server" --json 2>"$tmp/err")
rc=$?
if [ $rc -eq 0 ] && python3 - "$out" "$server" <<'PY'; then
import json, sys
o = json.loads(sys.argv[1])
for k in ("at", "kernel_ok", "synchronised", "state", "kernel_offset_s", "maxerror_s",
          "esterror_s", "sntp_used", "sntp_ok", "sntp_server", "sntp_error",
          "sntp_offset_s", "sntp_delay_s", "sntp_stratum"):
    assert k in o, k
assert o["sntp_used"] is True and o["sntp_ok"] is True, o
assert o["sntp_server"] == sys.argv[2], o
assert o["sntp_error"] is None, o
# Same host, same clock: only the path asymmetry shows.
assert abs(o["sntp_offset_s"]) < 0.05, o
assert 0 <= o["sntp_delay_s"] < 0.05, o
# chronyd serves its 'local stratum' as is.
assert o["sntp_stratum"] == 8, o
assert o["kernel_ok"] is True, o
print("     chronyd: stratum %d, offset %+.9f s, delay %.9f s; kernel synchronised=%s %s"
      % (o["sntp_stratum"], o["sntp_offset_s"], o["sntp_delay_s"], o["synchronised"],
         o["state_name"]))
PY
    ok "json against chronyd"
else
    ko "json against chronyd (exit $rc)" "$out
$(cat "$tmp/err")"
fi

# The warning goes with an unsynchronised kernel clock, whatever SNTP says.
if grep -q '"synchronised":false' <<<"$out"; then
    if grep -q "kernel clock is not synchronised.*maxerror" "$tmp/err"; then
        ok "warns that the kernel clock is not synchronised"
    else
        ko "warns that the kernel clock is not synchronised" "$(cat "$tmp/err")"
    fi
fi

expect "text names the server" 0 "server +$server" -- "$bin" clock --ntp-server "$server"
expect "text shows stratum" 0 "stratum +8" -- "$bin" clock --ntp-server "$server"
expect "text shows kernel state" 0 "synchronised +(yes|no) \(state TIME_" -- \
    "$bin" clock --ntp-server "$server"
expect "within --max-offset-ms 1000" 0 "offset check +offset .* within 1000 ms" -- \
    "$bin" clock --ntp-server "$server" --max-offset-ms 1000
expect "localhost resolves" 0 "server +(127\.0\.0\.1|\[::1\]):$port" -- \
    "$bin" clock --ntp-server "localhost:$port"

# 1e-9 ms (1 ps) is below the resolution of an NTP offset (2^-33 s, 116 ps),
# so only an exactly zero offset passes. chronyd fills the bits below its
# precision with random noise and the path is never perfectly symmetric, so
# that does not happen in practice; three tries make it moot.
got=
for i in 1 2 3; do
    out=$("$bin" clock --ntp-server "$server" --max-offset-ms 0.000000001 2>&1)
    rc=$?
    if [ $rc -eq 1 ]; then
        got=1
        break
    fi
done
if [ -n "$got" ] && grep -qE "exceeds the limit of 1e-09 ms by [0-9.]+ ms" <<<"$out"; then
    ok "offset above --max-offset-ms exits 1"
else
    ko "offset above --max-offset-ms exits 1 (exit $rc)" "$out"
fi
out=$("$bin" clock --ntp-server "$server" --max-offset-ms 0.000000001 --json 2>/dev/null)
rc=$?
if [ $rc -eq 1 ] && grep -q '"offset_ok":false' <<<"$out"; then
    ok "json offset_ok false"
else
    ko "json offset_ok false (exit $rc)" "$out"
fi

# --- failures ---------------------------------------------------------------
dead=$(free_port)
expect "nobody listening exits 2" 2 "SNTP failed: 127\.0\.0\.1:$dead: connection refused" -- \
    "$bin" clock --ntp-server "127.0.0.1:$dead" --timeout-ms 500
out=$("$bin" clock --ntp-server "127.0.0.1:$dead" --json 2>/dev/null)
rc=$?
if [ $rc -eq 2 ] && grep -q '"sntp_ok":false' <<<"$out" &&
    grep -q "\"sntp_error\":\"127.0.0.1:$dead: " <<<"$out"; then
    ok "json sntp_error names the server"
else
    ko "json sntp_error names the server (exit $rc)" "$out"
fi

# A listener that never answers: the timeout must hold.
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(60)' >"$tmp/silent.port" &
silent_pid=$!
for i in $(seq 1 50); do
    [ -s "$tmp/silent.port" ] && break
    sleep 0.1
done
silent=$(cat "$tmp/silent.port")
t0=$(date +%s%N)
expect "silent server times out, exits 2" 2 "127\.0\.0\.1:$silent: no valid reply in time" -- \
    "$bin" clock --ntp-server "127.0.0.1:$silent" --timeout-ms 300
ms=$((($(date +%s%N) - t0) / 1000000))
if [ "$ms" -ge 300 ] && [ "$ms" -lt 2000 ]; then
    ok "timeout took ${ms} ms (300 asked)"
else
    ko "timeout took ${ms} ms (300 asked)"
fi

# A probe campaign records the clock (kernel and SNTP) at start and end,
# and refuses to start when the offset is above --max-offset-ms.
if [ -n "${LAB_KNOT_ADDR:-}" ]; then
    "$bin" probe --ns "$LAB_KNOT_ADDR" --zone lab.test --condition serial_not_lower \
        --serial 1 --ntp-server "127.0.0.1:$port" --max-offset-ms 100 \
        --results "$tmp/res" >/dev/null 2>"$tmp/probe.err"
    if [ $? -eq 0 ] && "$bin" campaigns --results "$tmp/res" --json | python3 -c '
import json, sys
c = json.load(sys.stdin)[-1]
for k in ("clock_start", "clock_end"):
    assert c[k]["sntp_ok"] is True and abs(c[k]["sntp_offset_s"]) < 0.05, c[k]
    assert "synchronised" in c[k] and "maxerror_s" in c[k], c[k]
'; then
        ok "probe campaign records the clock at start and end"
    else
        ko "probe campaign records the clock" "$(cat "$tmp/probe.err")"
    fi
    expect "probe refuses a clock off by more than --max-offset-ms" 2 "offset" -- \
        "$bin" probe --ns "$LAB_KNOT_ADDR" --zone lab.test --condition serial_not_lower \
        --serial 1 --ntp-server "127.0.0.1:$port" --max-offset-ms 0.000000001 \
        --results "$tmp/res"
fi

echo "clock: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
