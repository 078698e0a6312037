#!/usr/bin/env bash
# dnsprop serve under hostile clients and a paused Redis (issue 12):
#  case 4  1,100 slow clients (a header line every 3 s, from 127.0.0.2)
#          must not starve a client from 127.0.0.1; a request that takes
#          longer than --request-timeout to arrive is cut; slow clients
#          from 12 addresses hold no more than the caps in all and per
#          address, and a kept-alive idle connection is closed after
#          --idle-timeout;
#  case 5  a POST answered 503 while Redis was paused (SIGSTOP) and that
#          Redis applied once resumed is polled at once (not at the next
#          restart), and an Idempotency-Key retry gets that same request;
#  case 11 floors and ceilings (frequency, timeout, values: 429 naming the
#          limit) and counts (pending per client, in all, queries a second
#          per nameserver address, measured at UDP sinks that never answer).
# Redis is our own redis-server (it is SIGSTOPped), in a temp dir.
# Usage: tests/faults/test_serve_limits.sh ./dnsprop-asan (with LAB_*).
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/../cli/lib.sh"
bin=$(readlink -f "${1:-./dnsprop-asan}")
: "${LAB_KNOT_ADDR:?needs the lab (tests/lab/lab.sh up; eval its env)}"
need_tools test_serve_limits curl python3 redis-server redis-cli
tmp=$(mktemp -d)
pids=()
redis_pid=
cleanup() {
    local p
    [ -n "$redis_pid" ] && kill -CONT "$redis_pid" 2>/dev/null
    for p in "${pids[@]}"; do
        kill -TERM "$p" 2>/dev/null
    done
    for p in "${pids[@]}"; do
        wait "$p" 2>/dev/null
    done
    [ -n "$redis_pid" ] && kill -TERM "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --dir "$tmp" --save '' --appendonly no \
    > "$tmp/redis.log" 2>&1 &
redis_pid=$!
redis_url=redis://127.0.0.1:$rport/0
rcli() { redis-cli -p "$rport" "$@"; }
for _ in $(seq 50); do rcli ping > /dev/null 2>&1 && break; sleep 0.1; done

# serve NAME ARGS...: start one on a free port ($port_NAME), wait until it answers.
serve() {
    local name=$1 port i
    shift
    port=$(free_port)
    "$bin" serve --listen "127.0.0.1:$port" --redis "$redis_url" --results "$tmp/res" \
        "$@" >> "$tmp/serve-$name.log" 2>&1 &
    pids+=($!)
    printf -v "port_$name" '%s' "$port"
    for ((i = 0; i < 300; i++)); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" = 200 ] && return 0
        sleep 0.1
    done
    return 1
}
# post PORT BODY [CURL ARGS...]: $code, the body in $tmp/resp.
post() {
    local port=$1 body=$2
    shift 2
    code=$(curl -s -m 15 -o "$tmp/resp" -w '%{http_code}' "$@" -X POST \
        "http://127.0.0.1:$port/requests" --data-binary "$body")
}
jf() { python3 -c "import json; d=json.load(open('$tmp/resp')); print($1)" 2>/dev/null; }
# want429 NAME LIMIT: the last answer was a 429 naming LIMIT.
want429() {
    if [ "$code" = 429 ] && [ "$(jf 'd["limit"]')" = "$2" ]; then
        ok "$1"
    else
        ko "$1 (HTTP $code, want 429 limit $2)" "$(head -c 400 "$tmp/resp")"
    fi
}
zone_req() { # NS FREQ TIMEOUT
    printf '{"nameserver": "%s", "zone_name": "lab.test.", "serial": 1, "condition": "serial_not_lower", "timeout": %s, "frequency": %s}' "$1" "$3" "$2"
}

serve a || { ko "serve (defaults) starts" "$(tail -5 "$tmp/serve-a.log")"; }
serve b --request-timeout 2 --max-pending-per-client 3 --max-pending 4 --max-ns-rate 25 ||
    ko "serve with limits' options starts" "$(tail -5 "$tmp/serve-b.log")"
A=${port_a:-1}
B=${port_b:-1}

# ---- case 11: floors and ceilings (defaults) ------------------------------------------------
post "$A" "$(zone_req "$LAB_KNOT_ADDR" 0.001 5)"
want429 "case 11: frequency 0.001 is refused" min-frequency
post "$A" "$(zone_req "$LAB_KNOT_ADDR" 1 604800)"
want429 "case 11: a week of polling is refused" max-timeout
python3 - "$LAB_KNOT_ADDR" > "$tmp/many.json" <<'EOF'
import json, sys
vals = ["10.%d.%d.%d" % (i // 65536, (i // 256) % 256, i % 256) for i in range(4300)]
print(json.dumps({"nameserver": sys.argv[1], "zone_name": "lab.test.", "timeout": 2,
                  "frequency": 1, "condition": "value_present", "value": vals}))
EOF
post "$A" "@$tmp/many.json"
want429 "case 11: 4,300 values are refused" max-values
post "$A" "$(zone_req "$LAB_KNOT_ADDR" 0.1 5)"
[ "$code" = 202 ] && ok "case 11: a request within the limits is accepted" ||
    ko "case 11: a request within the limits (HTTP $code)" "$(cat "$tmp/resp")"

# ---- case 11: counts (serve b: 3 per client, 4 in all, 25 queries/s per address) -------------
sport=$(free_port)
python3 - "$sport" 12 > "$tmp/sink.out" 2>&1 <<'EOF' &
# UDP sinks that never answer: packets counted per address.
import select, socket, sys, time
port, dur = int(sys.argv[1]), float(sys.argv[2])
socks = {}
for a in ("127.0.0.5", "127.0.0.6"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a, port))
    socks[s] = a
n = {a: 0 for a in socks.values()}
t0 = time.monotonic()
print("ready", flush=True)
while time.monotonic() < t0 + dur:
    r, _, _ = select.select(list(socks), [], [], 0.2)
    for s in r:
        s.recv(4096)
        n[socks[s]] += 1
print("count", n["127.0.0.5"], n["127.0.0.6"], flush=True)
EOF
sink_pid=$!
pids+=("$sink_pid")
for _ in $(seq 50); do grep -q ready "$tmp/sink.out" 2>/dev/null && break; sleep 0.1; done
t_sink=$(date +%s.%N)
post "$B" "$(zone_req "127.0.0.5:$sport" 0.1 9)"
c1=$code
post "$B" "$(zone_req "127.0.0.5:$((sport + 1))" 0.1 9)"
c2=$code
[ "$c1 $c2" = "202 202" ] && ok "case 11: two polls at 10 queries/s each at one address" ||
    ko "case 11: two polls at 10 queries/s (HTTP $c1 $c2)" "$(cat "$tmp/resp")"
post "$B" "$(zone_req "127.0.0.5:$sport" 0.1 9)"
want429 "case 11: a third (30 > 25 queries/s at 127.0.0.5, another port) is refused" max-ns-rate
post "$B" "$(zone_req "127.0.0.6:$sport" 1 3)"
[ "$code" = 202 ] && ok "case 11: a third poll of this client, elsewhere" ||
    ko "case 11: a third poll of this client (HTTP $code)" "$(cat "$tmp/resp")"
post "$B" "$(zone_req "127.0.0.6:$sport" 1 3)"
want429 "case 11: a fourth poll of one client is refused" max-pending-per-client
post "$B" "$(zone_req "127.0.0.6:$sport" 1 3)" --interface 127.0.0.2
[ "$code" = 202 ] && ok "case 11: another client's poll is accepted" ||
    ko "case 11: another client's poll (HTTP $code)" "$(cat "$tmp/resp")"
post "$B" "$(zone_req "127.0.0.6:$sport" 1 3)" --interface 127.0.0.3
want429 "case 11: a fifth poll in all is refused" max-pending
sleep 4.5 # the 3 s polls have ended: their share is given back
post "$B" "$(zone_req "127.0.0.6:$sport" 1 2)"
[ "$code" = 202 ] && ok "case 11: polls that ended count no more" ||
    ko "case 11: polls that ended count no more (HTTP $code)" "$(cat "$tmp/resp")"
wait "$sink_pid" 2>/dev/null
read -r _ n5 _ < <(grep count "$tmp/sink.out")
el=$(python3 -c "import time; print(time.time() - $t_sink)")
if python3 -c "import sys; sys.exit(0 if 0 < ${n5:-0} <= 25 * 9 * 1.1 else 1)"; then
    ok "case 11: 127.0.0.5 got ${n5} queries in 9 s of polls (cap 25/s)"
else
    ko "case 11: 127.0.0.5 got ${n5:-?} queries ($el s; cap 25/s for 9 s)" "$(cat "$tmp/sink.out")"
fi

# ---- case 4: slow clients ---------------------------------------------------------------
cat > "$tmp/slow.py" <<'EOF'
# N connections from SRC that send a header line every INTERVAL s, never
# ending their request; prints how many the server has closed.
import socket, sys, time
port, n, dur, src, every = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], float(sys.argv[5])
socks = []
for i in range(n):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        socks.append(s)
    except OSError:
        s.close()
print("connected", len(socks), flush=True)
end, k, closed = time.monotonic() + dur, 0, set()
while time.monotonic() < end:
    time.sleep(every)
    for i, s in enumerate(socks):
        if i in closed:
            continue
        try:
            s.sendall(b"X-Slow-%d: y\r\n" % k)
        except OSError:
            closed.add(i)
    k += 1
    print("closed", len(closed), "at", round(dur - (end - time.monotonic()), 1), flush=True)
EOF
timeout 40 python3 "$tmp/slow.py" "$A" 1100 30 127.0.0.2 3 > "$tmp/slow.out" 2>&1 &
slow_pid=$!
pids+=("$slow_pid")
sleep 7
good=0
for i in 1 2 3; do
    c=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$A/")
    [ "$c" = 200 ] && good=$((good + 1))
done
[ "$good" = 3 ] && ok "case 4: GET / answers while 1,100 slow clients hold connections" ||
    ko "case 4: GET / under 1,100 slow clients: $good of 3 answered" "$(tail -3 "$tmp/slow.out")"
post "$A" "$(zone_req "$LAB_KNOT_ADDR" 0.1 5)"
[ "$code" = 202 ] && ok "case 4: POST /requests answers too" ||
    ko "case 4: POST /requests under slow clients (HTTP $code)"
kill "$slow_pid" 2>/dev/null
wait "$slow_pid" 2>/dev/null
# one slow client on serve b (--request-timeout 2): cut within about 2 s
timeout 15 python3 "$tmp/slow.py" "$B" 1 8 127.0.0.1 0.5 > "$tmp/slow1.out" 2>&1
at=$(awk '$1 == "closed" && $2 == 1 {print $4; exit}' "$tmp/slow1.out")
if [ -n "$at" ] && python3 -c "import sys; sys.exit(0 if $at <= 4.5 else 1)"; then
    ok "case 4: a request still arriving after --request-timeout 2 is cut (at ${at} s)"
else
    ko "case 4: a request trickling in for 8 s was not cut" "$(tail -3 "$tmp/slow1.out")"
fi

# many clients at once (12 addresses, 8 connections each): serve c holds at
# most 40 connections in all and 8 per address, and cuts them after its
# --request-timeout 3, so a client that comes after them is answered
serve c --max-connections 40 --max-connections-per-client 8 --request-timeout 3 \
    --idle-timeout 2 || ko "serve c (connection caps) starts" "$(tail -5 "$tmp/serve-c.log")"
C=${port_c:-1}
for i in $(seq 20 31); do
    timeout 15 python3 "$tmp/slow.py" "$C" 8 6 "127.0.0.$i" 0.5 > "$tmp/many-$i.out" 2>&1 &
    pids+=($!)
done
sleep 1.5
# the connections the service holds (its side), by client address: the
# fewest of five looks 0.2 s apart, each connection once per look. A look
# can catch a socket the service accepted over its cap and is closing at
# that instant, and /proc/net/tcp read in pieces can list one twice; a
# service over its cap stays over it in every look.
read -r held most addrs <<< "$(python3 - "$C" <<'PY'
import sys, time
port, looks = int(sys.argv[1]), []
for _ in range(5):
    seen, by = set(), {}
    with open("/proc/net/tcp") as f:
        lines = f.read().splitlines()[1:]
    for line in lines:
        f = line.split()
        # established and accepted: a connection still in the kernel's listen
        # queue (the service stops accepting at its cap) has no inode yet
        if f[3] != "01" or int(f[1].split(":")[1], 16) != port or f[9] == "0":
            continue
        if (f[1], f[2]) in seen:
            continue
        seen.add((f[1], f[2]))
        ip = f[2].split(":")[0]
        by[ip] = by.get(ip, 0) + 1
    looks.append((sum(by.values()), max(by.values(), default=0), len(by)))
    time.sleep(0.2)
print(*min(looks))
PY
)"
if [ "${held:-0}" -ge 30 ] && [ "$held" -le 40 ] && [ "$most" -le 8 ] && [ "$addrs" -ge 4 ]; then
    ok "case 4: 96 slow connections from 12 addresses: $held held (cap 40), at most $most per address (cap 8)"
else
    ko "case 4: connection caps: ${held:-?} held from ${addrs:-?} addresses, ${most:-?} at most per address (caps 40, 8)" \
        "$(tail -2 "$tmp/serve-c.log")"
fi
sleep 3 # past --request-timeout 3: the slow ones are cut
c=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$C/")
[ "$c" = 200 ] && ok "case 4: once they are cut, a new client is answered" ||
    ko "case 4: a client after the slow ones (HTTP $c)" "$(tail -2 "$tmp/serve-c.log")"
# idle timeout: a kept-alive connection idle after its answer is closed
# after --idle-timeout 2
idle=$(python3 - "$C" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
got = b""
while b"\r\n\r\n" not in got:
    got += s.recv(4096)
head, body = got.split(b"\r\n\r\n", 1)
n = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
while len(body) < n:
    body += s.recv(4096)
t = time.monotonic()
try:
    while s.recv(4096):
        pass
except socket.timeout:
    print("open")
    sys.exit()
print(round(time.monotonic() - t, 1))
PY
)
if [ -n "$idle" ] && [ "$idle" != open ] && python3 -c "import sys; sys.exit(0 if 1.0 <= $idle <= 4.5 else 1)"; then
    ok "case 4: a kept-alive connection idle after its answer is closed after --idle-timeout 2 (${idle} s)"
else
    ko "case 4: idle timeout: closed after '${idle:-?}' s (want about 2)"
fi

# ---- case 5: a write that timed out and landed --------------------------------------------
for i in 1 2 3 4 5 6; do post "$A" "$(zone_req "$LAB_KNOT_ADDR" 1 2)"; done # each HTTP thread's connection
before=$(rcli --scan --pattern 'dnsprop:request:*' | wc -l)
key=k-$RANDOM-$RANDOM
kill -STOP "$redis_pid"
post "$A" "$(zone_req "$LAB_KNOT_ADDR" 0.2 30)" -H "Idempotency-Key: $key"
c503=$code
id=$(jf 'd.get("id", "")')
stored=$(jf 'd.get("stored", "")')
kill -CONT "$redis_pid"
[ "$c503" = 503 ] && [ -n "$id" ] && [ "$stored" = unknown ] &&
    ok "case 5: a POST while Redis is paused: 503 with its id, stored unknown" ||
    ko "case 5: a POST while Redis is paused (HTTP $c503, id '$id', stored '$stored')" "$(cat "$tmp/resp")"
# whatever the 503 said, the request Redis took must be polled now
status=
for ((i = 0; i < 100; i++)); do
    pend=$(rcli smembers dnsprop:requests:pending)
    landed=$(rcli --scan --pattern 'dnsprop:request:*' | wc -l)
    status=
    for p in $pend; do
        status+="$(rcli get "dnsprop:request:$p" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])') "
    done
    [ "$landed" -gt "$before" ] && [ -z "$pend" ] && break
    sleep 0.1
done
if [ "$landed" -gt "$before" ] && [ -z "$pend" ]; then
    ok "case 5: the request Redis took after the 503 was polled at once (nothing left pending)"
else
    ko "case 5: after the 503: $((landed - before)) request(s) landed, pending: ${status:-none}"
fi
post "$A" "$(zone_req "$LAB_KNOT_ADDR" 0.2 30)" -H "Idempotency-Key: $key"
after=$(rcli --scan --pattern 'dnsprop:request:*' | wc -l)
if [ "$code" = 202 ] && [ "$(jf 'd["id"]')" = "$id" ] && [ "$after" = "$landed" ]; then
    ok "case 5: the Idempotency-Key retry gets the same request ($id), nothing new stored"
else
    ko "case 5: Idempotency-Key retry: HTTP $code, id $(jf 'd.get("id")') (want $id), $((after - landed)) new" "$(head -c 300 "$tmp/resp")"
fi
post "$A" "$(zone_req "$LAB_KNOT_ADDR" 0.2 30)" -H "Idempotency-Key: two words"
[ "$code" = 400 ] && ok "case 5: an Idempotency-Key with a blank is a 400" ||
    ko "case 5: an Idempotency-Key with a blank (HTTP $code)"

# ---- the services stop cleanly (no sanitizer report) ----------------------------------------
for n in 0 1; do
    p=${pids[$n]}
    kill -TERM "$p" 2>/dev/null
    if wait "$p"; then ok "serve $n stops cleanly"; else ko "serve $n exit status" "$(tail -n 5 "$tmp"/serve-*.log)"; fi
done
pids=("${pids[@]:2}")
if grep -q "ERROR: AddressSanitizer\|runtime error:" "$tmp"/serve-*.log; then
    ko "no sanitizer report" "$(grep -h -A5 "AddressSanitizer\|runtime error" "$tmp"/serve-*.log | head -20)"
fi

echo "test_serve_limits: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
