# Shared by the command-line test scripts (sourced): counters, results,
# and expect NAME STATUS PATTERN -- command...: the exit status, and an
# extended regex in stdout+stderr.
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     /' <<<"$2"; }
expect() {
    local name=$1 want=$2 pat=$3
    shift 4
    local out rc
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        ko "$name (exit $rc, want $want)" "$out"
    elif [ -n "$pat" ] && ! grep -qE -- "$pat" <<<"$out"; then
        ko "$name (no /$pat/ in output)" "$out"
    else
        ok "$name"
    fi
}

# pdns_api METHOD PATH [DATA]: call the lab's PowerDNS API, print the body
# (fails on an HTTP error, with the body).
pdns_api() {
    curl -sS --noproxy '*' --max-time 10 --fail-with-body -X "$1" \
        -H "X-API-Key: $LAB_PDNS_API_KEY" -H 'Content-Type: application/json' \
        ${3:+--data "$3"} "$LAB_PDNS_API$2"
}

# A port free for both TCP and UDP on 127.0.0.1.
free_port() {
    python3 - <<'PY'
import socket
while True:
    t = socket.socket()
    t.bind(("127.0.0.1", 0))
    p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p))
    except OSError:
        continue
    print(p)
    break
PY
}

# A random base64 secret of N octets (TSIG keys).
secret() { head -c "$1" /dev/urandom | base64 -w0; }

# need_tools NAME TOOL...: say which one is missing and stop.
need_tools() {
    local who=$1 t
    shift
    for t in "$@"; do
        command -v "$t" >/dev/null || { echo "$who: $t is not installed"; exit 1; }
    done
}

# A project helper binary (built by the Makefile with the project's flags
# and sources): its path, building it first if need be.
project_tool() {
    local t=build/$1
    [ -x "$t" ] || make -s --no-print-directory "$t" >&2 || return 1
    printf '%s\n' "$PWD/$t"
}

# statsd_listen PORT FILE: a statsd stand-in on 127.0.0.1:PORT writing every
# datagram it receives to FILE (one metric per line) until killed, or 30 s
# without one. In the background, then statsd_wait FILE until it listens:
#   statsd_listen P F & pid=$!; statsd_wait F
statsd_listen() {
    python3 - "$1" "$2.ready" > "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
open(sys.argv[2], "w").close()
s.settimeout(30)
try:
    while True:
        d, _ = s.recvfrom(65536)
        sys.stdout.write(d.decode() + ("" if d.endswith(b"\n") else "\n"))
        sys.stdout.flush()
except socket.timeout:
    pass
PY
}
statsd_wait() {
    for _ in $(seq 100); do
        [ -e "$1.ready" ] && return 0
        sleep 0.05
    done
    return 1
}

# start_prometheus DIR PORT TARGET: Debian's prometheus on 127.0.0.1:PORT,
# its TSDB under DIR, scraping TARGET (ADDR:PORT) every second; its pid in
# $prom_pid. Waits until it is ready; 1 when it is not.
start_prometheus() {
    local dir=$1 port=$2 target=$3 i
    mkdir -p "$dir"
    cat > "$dir/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: dnsprop
    static_configs:
      - targets: ['$target']
YML
    prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/tsdb" \
        --web.listen-address="127.0.0.1:$port" > "$dir/prometheus.log" 2>&1 &
    prom_pid=$!
    for ((i = 0; i < 100; i++)); do
        curl -sf "http://127.0.0.1:$port/-/ready" > /dev/null && return 0
        sleep 0.2
    done
    return 1
}

# last_campaign BIN RESULTS NAME: the id of NAME's newest campaign in the
# store under RESULTS (ids are NAME-<UTC time>).
last_campaign() {
    python3 -c 'import json,sys; print([x["campaign"] for x in json.loads(sys.argv[1]) if x["campaign"].startswith(sys.argv[2] + "-")][-1])' \
        "$("$1" campaigns --results "$2" --json)" "$3"
}
