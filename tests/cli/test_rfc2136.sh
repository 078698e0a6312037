#!/usr/bin/env bash
# The rfc2136 target against real primaries: a Knot DNS knotd and (when
# installed) a BIND named, each started here on a free loopback port in a
# temp dir with the zone dyn.test. and TSIG keys that only may update it.
# Changes go through target_rfc2136 (driven by tests/cli/rfc2136_tool.c,
# built here) and are checked with kdig: creates show up, updates replace
# the RRset, deletes remove it, the serial moves; a wrong secret, an
# unknown key and no key change nothing; zone_create/zone_delete are
# refused without sending anything. Loopback traffic only.
# Usage: tests/cli/test_rfc2136.sh   (RFC2136_VALGRIND=0 skips valgrind)
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.." || exit 1

need_tools rfc2136 knotd kdig python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dnsprop-rfc2136.XXXXXX")
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null
    done
    for p in "${pids[@]}"; do
        wait "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

# ---- the tool ------------------------------------------------------------------------
tool_bin=$(project_tool rfc2136-tool) || { echo "rfc2136: the tool does not build"; exit 1; }


# Keys: the main one (hmac-sha256) and one per other algorithm ldns signs with.
key_main=$(secret 32)
key_sha1=$(secret 20)
key_sha512=$(secret 64)
key_md5=$(secret 16)
K="hmac-sha256:dnsprop-key:$key_main"

mkzone() {
    cat >"$1" <<'EOF'
$ORIGIN dyn.test.
$TTL 60
@       SOA ns1 hostmaster 1 3600 600 86400 60
@       NS  ns1
ns1     A   127.0.0.1
EOF
}

wait_soa() {
    local port=$1 _
    for _ in $(seq 100); do
        kdig @127.0.0.1 -p "$port" +norec +time=1 +retry=0 dyn.test. SOA 2>/dev/null |
            grep -q 'status: NOERROR' && return 0
        sleep 0.1
    done
    return 1
}

start_knot() {
    local d=$tmp/knot
    mkdir -p "$d/db" "$d/zones"
    mkzone "$d/zones/dyn.test.zone"
    knot_port=$(free_port)
    cat >"$d/knot.conf" <<EOF
server:
    rundir: "$d"
    pidfile: "$d/knot.pid"
    listen: 127.0.0.1@$knot_port
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: info
database:
    storage: "$d/db"
control:
    listen: "$d/knot.sock"
key:
  - id: dnsprop-key
    algorithm: hmac-sha256
    secret: $key_main
  - id: key-sha1
    algorithm: hmac-sha1
    secret: $key_sha1
  - id: key-sha512
    algorithm: hmac-sha512
    secret: $key_sha512
  - id: key-md5
    algorithm: hmac-md5
    secret: $key_md5
acl:
  - id: update-with-key
    key: [ dnsprop-key, key-sha1, key-sha512, key-md5 ]
    action: update
template:
  - id: default
    storage: "$d/zones"
    zonefile-sync: -1
    journal-content: changes
zone:
  - domain: dyn.test
    file: dyn.test.zone
    acl: update-with-key
EOF
    knotd -c "$d/knot.conf" >"$d/knot.log" 2>&1 </dev/null &
    pids+=($!)
    wait_soa "$knot_port"
}

start_bind() {
    local d=$tmp/bind
    mkdir -p "$d"
    mkzone "$d/dyn.test.zone"
    bind_port=$(free_port)
    cat >"$d/named.conf" <<EOF
key "dnsprop-key" { algorithm hmac-sha256; secret "$key_main"; };
key "key-sha1" { algorithm hmac-sha1; secret "$key_sha1"; };
key "key-sha512" { algorithm hmac-sha512; secret "$key_sha512"; };
key "key-md5" { algorithm hmac-md5; secret "$key_md5"; };
controls { };
options {
    directory "$d";
    pid-file "$d/named.pid";
    session-keyfile "$d/session.key";
    managed-keys-directory "$d";
    listen-on port $bind_port { 127.0.0.1; };
    listen-on-v6 { none; };
    recursion no;
    notify no;
    dnssec-validation no;
};
zone "dyn.test" {
    type primary;
    file "dyn.test.zone";
    allow-update { key dnsprop-key; key key-sha1; key key-sha512; key key-md5; };
};
EOF
    named -4 -g -n 1 -c "$d/named.conf" >"$d/named.log" 2>&1 </dev/null &
    pids+=($!)
    wait_soa "$bind_port"
}

# ---- checks --------------------------------------------------------------------------
# same NAME GOT WANT
same() {
    if [ "$2" = "$3" ]; then
        ok "$1"
    else
        ko "$1" "got:  $(tr '\n' '|' <<<"$2")
want: $(tr '\n' '|' <<<"$3")"
    fi
}

# The RFC 2136 suite against one primary. Sets out/rc from the last run.
suite() {
    local srv=$1 port=$2 n
    local S=127.0.0.1:$port
    q() { kdig @127.0.0.1 -p "$port" +norec +short "$@" | sort; }
    status() { kdig @127.0.0.1 -p "$port" +norec "$@" | sed -n 's/.*status: \([A-Z]*\).*/\1/p'; }
    serial() { kdig @127.0.0.1 -p "$port" +norec +short dyn.test. SOA | awk '{print $3}'; }
    run() {
        out=$("$tool_bin" "$@" 2>&1)
        rc=$?
    }
    # run_ok NAME ARGS...: exit 0, "ok serial=N" with N above the serial before
    # and equal to what the primary serves now.
    run_ok() {
        local name=$1 before after got
        shift
        before=$(serial)
        run "$@"
        after=$(serial)
        got=$(sed -n 's/^ok serial=\([0-9]*\)$/\1/p' <<<"$out")
        if [ $rc -ne 0 ] || [ -z "$got" ]; then
            ko "$srv: $name (exit $rc)" "$out"
        elif [ "$got" != "$after" ] || [ "$after" -le "$before" ]; then
            ko "$srv: $name (serial $before -> reported $got, served $after)" "$out"
        else
            ok "$srv: $name (serial $before -> $after)"
        fi
    }
    # run_refused NAME PATTERN ARGS...: exit non-zero, PATTERN in the message,
    # and the zone unchanged (same serial, the name absent).
    run_refused() {
        local name=$1 pat=$2 before after
        shift 2
        before=$(serial)
        run "$@"
        after=$(serial)
        if [ $rc -eq 0 ] || ! grep -qE -- "$pat" <<<"$out"; then
            ko "$srv: $name (exit $rc, want non-zero and /$pat/)" "$out"
        elif [ "$before" != "$after" ] || [ "$(status bad.dyn.test. A)" != NXDOMAIN ]; then
            ko "$srv: $name changed the zone (serial $before -> $after)" "$out"
        else
            ok "$srv: $name ($(grep -oE -- "$pat" <<<"$out" | head -1), nothing changed)"
        fi
    }

    run_ok "A create" "$S" "$K" record_create dyn.test www.dyn.test A 192.0.2.10
    same "$srv: A shows up" "$(q www.dyn.test. A)" "192.0.2.10"
    run_ok "AAAA create" "$S" "$K" record_create dyn.test v6.dyn.test AAAA 2001:DB8:0::1
    same "$srv: AAAA shows up" "$(q v6.dyn.test. AAAA)" "2001:db8::1"
    run_ok "TXT with spaces create" "$S" "$K" record_create dyn.test txt.dyn.test TXT \
        '"hello world with spaces"'
    same "$srv: TXT shows up" "$(q txt.dyn.test. TXT)" '"hello world with spaces"'
    run_ok "MX create" "$S" "$K" record_create dyn.test mx.dyn.test MX '10 mail.example.'
    same "$srv: MX shows up" "$(q mx.dyn.test. MX)" "10 mail.example."
    run_ok "two-value A create" "$S" "$K" record_create dyn.test multi.dyn.test A \
        192.0.2.1 192.0.2.2
    same "$srv: both values" "$(q multi.dyn.test. A)" "$(printf '192.0.2.1\n192.0.2.2')"
    run_ok "create with TTL 300" --ttl 300 "$S" "$K" record_create dyn.test ttl.dyn.test A \
        192.0.2.5
    same "$srv: TTL is 300" \
        "$(kdig @127.0.0.1 -p "$port" +norec +noall +answer ttl.dyn.test. A | awk '{print $2}')" \
        "300"

    run_ok "A update" "$S" "$K" record_update dyn.test www.dyn.test A 192.0.2.11
    same "$srv: update replaced the A RRset" "$(q www.dyn.test. A)" "192.0.2.11"
    run_ok "TXT update" "$S" "$K" record_update dyn.test txt.dyn.test TXT '"a b" "c"'
    same "$srv: update replaced the TXT RRset" "$(q txt.dyn.test. TXT)" '"a b" "c"'
    run_ok "two values -> one" "$S" "$K" record_update dyn.test multi.dyn.test A 192.0.2.3
    same "$srv: one value left" "$(q multi.dyn.test. A)" "192.0.2.3"
    run_ok "zone_update (apex TXT)" "$S" "$K" zone_update dyn.test dyn.test TXT '"zone v1"'
    run_ok "zone_update again" "$S" "$K" zone_update dyn.test dyn.test TXT '"zone v2"'
    same "$srv: apex TXT replaced" "$(q dyn.test. TXT)" '"zone v2"'
    same "$srv: apex SOA and NS untouched" "$(q dyn.test. NS)" "ns1.dyn.test."

    run_ok "A delete" "$S" "$K" record_delete dyn.test www.dyn.test A
    same "$srv: deleted name is NXDOMAIN" "$(status www.dyn.test. A)" "NXDOMAIN"
    run_ok "A beside TXT" "$S" "$K" record_create dyn.test txt.dyn.test A 192.0.2.7
    run_ok "delete only the A" "$S" "$K" record_delete dyn.test txt.dyn.test A
    same "$srv: the TXT stays" "$(q txt.dyn.test. TXT)" '"a b" "c"'
    same "$srv: the A is gone (NODATA)" "$(status txt.dyn.test. A)/$(q txt.dyn.test. A)" \
        "NOERROR/"

    for a in sha1:key-sha1:$key_sha1 sha512:key-sha512:$key_sha512 md5:key-md5:$key_md5; do
        n=${a%%:*}
        run_ok "signed with hmac-$n" "$S" "hmac-$a" record_create dyn.test \
            "alg-$n.dyn.test" A 192.0.2.20
        same "$srv: hmac-$n record shows up" "$(q "alg-$n.dyn.test." A)" "192.0.2.20"
    done

    run_refused "wrong secret" '(NOTAUTH|REFUSED)( \(TSIG BADSIG\))?' \
        "$S" "hmac-sha256:dnsprop-key:$(secret 32)" record_create dyn.test bad.dyn.test A \
        192.0.2.99
    if grep -q BADSIG <<<"$out"; then
        ok "$srv: wrong secret says BADSIG"
    else
        ko "$srv: wrong secret says BADSIG" "$out"
    fi
    run_refused "unknown key" '(NOTAUTH|REFUSED)( \(TSIG BADKEY\))?' \
        "$S" "hmac-sha256:no-such-key:$key_main" record_create dyn.test bad.dyn.test A \
        192.0.2.99
    run_refused "right secret, wrong algorithm" '(NOTAUTH|REFUSED)' \
        "$S" "hmac-sha512:dnsprop-key:$key_main" record_create dyn.test bad.dyn.test A \
        192.0.2.99
    run_refused "unsigned" '(NOTAUTH|REFUSED)' \
        "$S" - record_create dyn.test bad.dyn.test A 192.0.2.99
    run_refused "name outside the zone" 'NOTZONE' \
        "$S" "$K" record_create dyn.test bad.other.test A 192.0.2.99

    run "$S" "$K" serial dyn.test dyn.test SOA
    same "$srv: serial read back" "$out" "ok serial=$(serial)"
}

# ---- without a server ----------------------------------------------------------------
# zone_create / zone_delete: the message, and nothing sent (a listener on
# TCP and UDP records any byte it gets).
lport=$(free_port)
python3 - "$lport" "$tmp/listener.got" "$tmp/listener.up" <<'PY' &
import select, socket, sys
port, got, up = int(sys.argv[1]), sys.argv[2], sys.argv[3]
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", port)); t.listen(5)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", port))
open(up, "w").close()
while True:
    r, _, _ = select.select([t, u], [], [], 30)
    if not r:
        break
    with open(got, "a") as f:
        f.write("tcp\n" if t in r else "udp\n")
    if t in r:
        t.accept()
    else:
        u.recvfrom(65535)
PY
pids+=($!)
for _ in $(seq 50); do [ -e "$tmp/listener.up" ] && break; sleep 0.1; done
msg="rfc2136: zones cannot be created or deleted with dynamic UPDATE (RFC 2136); create them on the primary first"
for op in zone_create zone_delete; do
    out=$("$tool_bin" "127.0.0.1:$lport" "$K" "$op" new.test new.test SOA 2>&1)
    rc=$?
    if [ $rc -ne 0 ] && [ "$out" = "error: $msg" ]; then
        ok "$op refused with the RFC 2136 message"
    else
        ko "$op refused with the RFC 2136 message (exit $rc)" "$out"
    fi
done
if [ -e "$tmp/listener.got" ]; then
    ko "zone_create/zone_delete sent nothing" "$(cat "$tmp/listener.got")"
else
    ok "zone_create/zone_delete sent nothing"
fi

# Key and server errors name the key, never echo the secret.
sec=$(secret 32)
expect "empty tsig_key" 1 '^error: \[target tool\] tsig_key: empty' -- \
    "$tool_bin" 127.0.0.1:53 "" record_create dyn.test a.dyn.test A 192.0.2.1
expect "tsig_key without ':'" 1 '\[target tool\] tsig_key: no .:. in it' -- \
    "$tool_bin" 127.0.0.1:53 "$sec" record_create dyn.test a.dyn.test A 192.0.2.1
expect "tsig_key with an unknown algorithm" 1 \
    "\[target tool\] tsig_key: algorithm 'hmac-sha384' is not one ldns can sign with" -- \
    "$tool_bin" 127.0.0.1:53 "hmac-sha384:k:$sec" record_create dyn.test a.dyn.test A \
    192.0.2.1
expect "tsig_key with a secret that is not base64" 1 \
    "\[target tool\] tsig_key: the secret of key 'k' is not base64" -- \
    "$tool_bin" 127.0.0.1:53 "hmac-sha256:k:not*base64" record_create dyn.test a.dyn.test \
    A 192.0.2.1
out=$("$tool_bin" 127.0.0.1:53 "hmac-sha384:k:$sec" record_create dyn.test a.dyn.test A \
    192.0.2.1 2>&1)
if grep -qF -- "$sec" <<<"$out"; then
    ko "errors do not show the secret" "$out"
else
    ok "errors do not show the secret"
fi
expect "KEYNAME:SECRET means hmac-sha256" 1 'cannot connect over TCP' -- \
    "$tool_bin" "127.0.0.1:$(free_port)" "dnsprop-key:$sec" record_create dyn.test \
    a.dyn.test A 192.0.2.1
expect "bad server" 1 "\[target tool\] server: 'nowhere' is not an IPv4/IPv6 address" -- \
    "$tool_bin" nowhere "$K" record_create dyn.test a.dyn.test A 192.0.2.1
expect "nothing listening: a transport error" 1 \
    'UPDATE dyn.test. \(a.dyn.test. A\) at 127.0.0.1:[0-9]+: cannot connect over TCP \(Connection refused\)' -- \
    "$tool_bin" "127.0.0.1:$(free_port)" "$K" record_create dyn.test a.dyn.test A 192.0.2.1

# ---- Knot DNS ------------------------------------------------------------------------
if start_knot; then
    ok "knotd answers on 127.0.0.1:$knot_port"
    suite knot "$knot_port"
    if grep -q 'DDNS, finished' "$tmp/knot/knot.log"; then
        ok "knot: its log shows the DDNS"
    else
        ko "knot: its log shows the DDNS" "$(tail -20 "$tmp/knot/knot.log")"
    fi
else
    ko "knotd answers" "$(tail -20 "$tmp/knot/knot.log")"
fi

# ---- BIND ----------------------------------------------------------------------------
if command -v named >/dev/null; then
    if start_bind; then
        ok "named answers on 127.0.0.1:$bind_port"
        suite bind "$bind_port"
        if grep -q 'tsig verify failure (BADSIG)' "$tmp/bind/named.log"; then
            ok "bind: its log shows the BADSIG"
        else
            ko "bind: its log shows the BADSIG" "$(tail -20 "$tmp/bind/named.log")"
        fi
    else
        ko "named answers" "$(tail -20 "$tmp/bind/named.log")"
    fi
else
    echo "skip BIND: named is not installed"
fi

# ---- valgrind ------------------------------------------------------------------------
if [ "${RFC2136_VALGRIND:-1}" != 0 ] && command -v valgrind >/dev/null &&
    [ -n "${knot_port:-}" ]; then
    vg() {
        valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
            --error-exitcode=99 "$tool_bin" "$@" >"$tmp/vg.out" 2>&1
    }
    # name WANT-EXIT ARGS...
    vgcheck() {
        local name=$1 want=$2 rc
        shift 2
        vg "$@"
        rc=$?
        if [ $rc -eq "$want" ]; then
            ok "valgrind: $name"
        else
            ko "valgrind: $name (exit $rc, want $want; 99: valgrind errors)" "$(cat "$tmp/vg.out")"
        fi
    }
    vgcheck "update" 0 "127.0.0.1:$knot_port" "$K" record_update dyn.test vg.dyn.test TXT \
        '"x y"' '"z"'
    vgcheck "BADSIG" 1 "127.0.0.1:$knot_port" "hmac-sha256:dnsprop-key:$(secret 32)" \
        record_delete dyn.test vg.dyn.test TXT
    vgcheck "zone_create" 1 "127.0.0.1:$knot_port" "$K" zone_create new.test new.test SOA
    vgcheck "no server" 1 "127.0.0.1:$(free_port)" "$K" record_delete dyn.test vg.dyn.test TXT
    vgcheck "bad key" 1 "127.0.0.1:$knot_port" "hmac-sha256:k:not*base64" record_delete \
        dyn.test vg.dyn.test TXT
fi

# dnsprop run with an rfc2136 target: a table of record changes to the Knot
# primary, polled there; and a scenario asking it for a zone is refused.
dnsprop_bin=${DNSPROP_BIN:-./dnsprop}
if [ -x "$dnsprop_bin" ] && [ -n "${knot_port:-}" ]; then
    printf '%s\n' "at,op,zone,name,type,ttl,value" "0,record_create,dyn.test.,run1,A,60,192.0.2.61" \
        '0.2,record_create,dyn.test.,run2,TXT,60,"""signed, with TSIG"""' \
        "0.4,record_update,dyn.test.,run1,A,60,192.0.2.62" "0.6,record_delete,dyn.test.,run2,TXT,," \
        > "$tmp/ops.csv"
    printf '%s\n' "[campaign]" "name = rfc2136" "results = $tmp/results" "[target knot]" \
        "type = rfc2136" "server = 127.0.0.1:$knot_port" "tsig_key = $K" \
        "[nameserver knot]" "address = 127.0.0.1:$knot_port" "role = primary" \
        "[probe]" "frequency = 0.05" "timeout = 10" "[operations]" "file = $tmp/ops.csv" \
        "[slo]" "converged = yes" "max_timeouts = 0" > "$tmp/run.ini"
    "$dnsprop_bin" run --quiet --no-store "$tmp/run.ini" > "$tmp/run.json" 2> "$tmp/run.err"
    rc=$?
    if [ $rc = 0 ] && python3 - "$tmp/run.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["acked"] == 4 and s["completed"] == 4 and s["slo_ok"], s
PY
    then ok "dnsprop run: rfc2136 table applied and seen on the primary"
    else ko "dnsprop run with rfc2136 (exit $rc)" "$(cat "$tmp/run.json" "$tmp/run.err" | tail)"; fi
    printf '%s\n' "at,op,zone,name,type,ttl,value" "0,zone_create,new.test.,,,," > "$tmp/zops.csv"
    sed "s|$tmp/ops.csv|$tmp/zops.csv|" "$tmp/run.ini" > "$tmp/zrun.ini"
    out=$("$dnsprop_bin" run --no-store "$tmp/zrun.ini" 2>&1)
    rc=$?
    if [ $rc = 1 ] && grep -q 'zones cannot be created or deleted with dynamic UPDATE' <<<"$out"; then
        ok "dnsprop run: zone_create with rfc2136 is refused, saying why"
    else
        ko "zone_create with rfc2136 (exit $rc)" "$out"
    fi
fi

echo "rfc2136: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
