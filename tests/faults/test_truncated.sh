#!/usr/bin/env bash
# Issue 12, case 10: a truncated answer is never evidence. A server that
# answers every query with TC=1 and an empty answer section, over UDP and
# over TCP (c-ares asks again over TCP after a truncated UDP answer), once
# made empty_response report COMPLETED (NODATA): a false "deleted". Now
# the poll ends ERROR saying the answers were truncated, and a server that
# is truncated over UDP only is still measured (over TCP).
# Usage: tests/faults/test_truncated.sh ./dnsprop-asan   (no lab needed)
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/../cli/lib.sh"
bin=$(readlink -f "${1:-./dnsprop-asan}")
need_tools test_truncated python3
pass=0
fail=0
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# tc_server PORT MODE: MODE "both" sets TC over UDP and TCP; "udp" only over
# UDP (over TCP it answers NOERROR with one A record, 192.0.2.1).
cat >"$tmp/tc.py" <<'PY'
import socket, struct, sys, threading
port, mode = int(sys.argv[1]), sys.argv[2]

def answer(q, tcp):
    qid = q[:2]
    # the question as asked
    i = 12
    while q[i]:
        i += q[i] + 1
    question = q[12:i + 5]
    tc = mode == "both" or not tcp
    flags = 0x8400 | (0x0200 if tc else 0)  # QR AA (TC)
    if tc:
        return qid + struct.pack(">HHHHH", flags, 1, 0, 0, 0) + question
    rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([192, 0, 2, 1])
    return qid + struct.pack(">HHHHH", flags, 1, 1, 0, 0) + question + rr

def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    while True:
        q, a = s.recvfrom(512)
        s.sendto(answer(q, False), a)

def tcp():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    while True:
        c, _ = s.accept()
        try:
            while True:
                n = c.recv(2)
                if len(n) < 2:
                    break
                q = c.recv(struct.unpack(">H", n)[0])
                r = answer(q, True)
                c.sendall(struct.pack(">H", len(r)) + r)
        except OSError:
            pass
        c.close()

threading.Thread(target=tcp, daemon=True).start()
udp()
PY
port_both=$(free_port)
port_udp=$(free_port)
python3 "$tmp/tc.py" "$port_both" both &
pids+=($!)
python3 "$tmp/tc.py" "$port_udp" udp &
pids+=($!)
sleep 0.5

"$bin" probe --ns "127.0.0.1:$port_both" --name gone.test. --condition empty_response \
    --timeout 2 --frequency 0.2 --no-store >"$tmp/out" 2>&1
rc=$?
if [ $rc != 0 ] && grep -q 'truncated' "$tmp/out" && ! grep -q 'COMPLETED' "$tmp/out"; then
    ok "TC over UDP and TCP: empty_response is not COMPLETED (exit $rc, $(grep -o 'truncated: [^;]*' "$tmp/out" | head -1))"
else
    ko "TC everywhere taken as NODATA (exit $rc)" "$(cat "$tmp/out")"
fi
"$bin" probe --ns "127.0.0.1:$port_both" --zone gone.test. --condition serial_not_lower \
    --serial 1 --timeout 1 --frequency 0.2 --no-store >"$tmp/out2" 2>&1
rc=$?
[ $rc != 0 ] && grep -q 'truncated' "$tmp/out2" &&
    ok "TC everywhere: serial_not_lower is an ERROR saying so (exit $rc)" ||
    ko "serial_not_lower over TC (exit $rc)" "$(cat "$tmp/out2")"
"$bin" probe --ns "127.0.0.1:$port_udp" --name www.test. --condition value_present \
    --value 192.0.2.1 --timeout 3 --frequency 0.2 --no-store >"$tmp/out3" 2>&1
rc=$?
[ $rc = 0 ] && grep -q 'COMPLETED' "$tmp/out3" &&
    ok "TC over UDP only: measured over TCP (COMPLETED)" ||
    ko "TC over UDP only (exit $rc)" "$(cat "$tmp/out3")"
# `dnsprop assess` (live) asked the same server: a truncated answer with an
# empty answer section once read as "the record is absent", so a record
# meant to be gone was "converged" (exit 0). It is an error, not verified.
printf '%s\n' "[campaign]" "name = tcassess" "results = $tmp/results" "[target x]" \
    "type = exec" "record_create = true" "[nameserver tc]" "address = 127.0.0.1:$port_both" \
    "[phase p]" "zones = 1" "zone_suffix = x.test." "count = 1" > "$tmp/assess.ini"
printf '%s' '{"zones": [], "records": [{"name": "gone.test.", "zone": "test.", "type": "A",
  "presence": "ABSENT", "values": ["192.0.2.1"]}]}' > "$tmp/intended.json"
"$bin" assess --scenario "$tmp/assess.ini" --intended "$tmp/intended.json" > "$tmp/as.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q 'truncated answer (TC set, over TCP too): no evidence' "$tmp/as.out" &&
    grep -q 'not verified' "$tmp/as.out" &&
    ok "assess: a truncated answer is no evidence of absence (exit 2, not verified)" ||
    ko "assess over TC (exit $rc)" "$(cat "$tmp/as.out")"
echo "truncated: $pass passed, $fail failed"
[ "$fail" = 0 ]
