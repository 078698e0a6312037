# Shared by the bench scripts (sourced): a free port, and knotd serving a
# zone of 10,000 names i0..i9999 (A 192.0.2.(i % 250 + 1)) on loopback.

bench_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# bench_knot DIR ZONE PORT: start knotd (its pid in $knot_pid) and wait
# until it answers. It also serves an empty zone fid.test, where the
# fidelity step commits its changes.
bench_knot() {
    local dir=$1 zone=$2 port=$3 i
    {
        echo "\$ORIGIN $zone."
        echo '$TTL 3600'
        echo '@ SOA ns1 hostmaster 1 3600 600 86400 60'
        echo '@ NS ns1'
        echo 'ns1 A 127.0.0.1'
        for ((i = 0; i < 10000; i++)); do echo "i$i A 192.0.2.$((i % 250 + 1))"; done
    } > "$dir/$zone.zone"
    printf '%s\n' '$ORIGIN fid.test.' '$TTL 3600' '@ SOA ns1 hostmaster 1 3600 600 86400 60' \
        '@ NS ns1' 'ns1 A 127.0.0.1' > "$dir/fid.test.zone"
    cat > "$dir/knot.conf" <<CONF
server:
    listen: 127.0.0.1@$port
    rundir: $dir
log:
  - target: $dir/knot.log
    any: warning
database:
    storage: $dir
zone:
  - domain: $zone.
    storage: $dir
    file: $zone.zone
  - domain: fid.test.
    storage: $dir
    file: fid.test.zone
CONF
    knotd -c "$dir/knot.conf" > "$dir/knotd.out" 2>&1 &
    knot_pid=$!
    for ((i = 0; i < 100; i++)); do
        dig +short +norec +time=1 +tries=1 -p "$port" @127.0.0.1 "i1.$zone" A 2>/dev/null |
            grep -q . && return 0
        sleep 0.1
    done
    echo "bench: knotd did not answer on 127.0.0.1:$port" >&2
    return 1
}

# bench_redis DIR PORT: a redis-server without persistence (so that the
# runs measure Redis and the client, not the disk), its pid in $redis_pid,
# waited for until it answers.
bench_redis() {
    local dir=$1 port=$2 i
    redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no \
        --daemonize no --logfile "$dir/redis.log" &
    redis_pid=$!
    for ((i = 0; i < 100; i++)); do
        redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && return 0
        sleep 0.05
    done
    echo "bench: redis-server did not answer on 127.0.0.1:$port" >&2
    return 1
}

# bench_kill PID...: stop the servers a bench started (empty pids skipped).
bench_kill() {
    local p
    for p in "$@"; do
        [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    return 0
}
