#!/usr/bin/env bash
# zonesync against real primaries: a Knot DNS knotd (and, when installed, a
# BIND named) started here on a free loopback port in a temp dir, serving
#   sync.test.   ~20 RRsets, AXFR allowed from 127.0.0.1 without a key
#   small.test.  3 RRsets (below octoDNS's MIN_EXISTING_RECORDS)
#   keyed.test.  3000 RRsets (a multi-message AXFR), AXFR only with TSIG
# The zones are read with zs_zone_axfr and planned against desired zone
# files with zs_plan (through tests/cli/zonesync_tool.c, built here):
# the served file itself, respelt, plans nothing; a changed file plans the
# exact creates/updates/deletes; a gutted file is refused by the safety
# thresholds unless forced, a small zone is exempt; TSIG keys are checked
# (right, wrong secret, unknown key, none); the zone split over $INCLUDEs and
# $GENERATEs plans nothing, and errors name the included file and line.
# Loopback traffic only.
# Usage: tests/cli/test_zonesync.sh   (ZONESYNC_VALGRIND=0 skips valgrind)
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.." || exit 1

need_tools zonesync knotd kdig python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dnsprop-zonesync.XXXXXX")
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
tool_bin=$(project_tool zonesync-tool) || { echo "zonesync: the tool does not build"; exit 1; }
tool() { "$tool_bin" "$@"; }

key_main=$(secret 32)
key_512=$(secret 64)
K="hmac-sha256:xfr-key:$key_main"

# ---- zones ---------------------------------------------------------------------------
z=$tmp/zones
mkdir -p "$z"
# sync.test: 21 RRsets dnsprop keeps (a CAA among them: every type is
# compared, probes/rdata.h), the SOA and apex NS it leaves to the target.
cat >"$z/sync.test.zone" <<'EOF'
$ORIGIN sync.test.
$TTL 300
@         SOA   ns1 hostmaster 2024010101 3600 600 86400 60
@         NS    ns1
@         NS    ns2
@         MX    10 mail
@         TXT   "v=spf1 mx -all"
ns1       A     127.0.0.1
ns2       A     127.0.0.2
www       A     192.0.2.1
www       AAAA  2001:db8::1
api       A     192.0.2.2
api       A     192.0.2.3
mail      A     192.0.2.4
txt       TXT   "hello world" "second string"
plain     TXT   "plain"
_sip._tcp SRV   10 5 5060 sip
sip       A     192.0.2.5
alias     CNAME www
ptr       PTR   host.example.
old1      A     192.0.2.91
old2      A     192.0.2.92
sub       NS    ns.sub
ns.sub    A     192.0.2.53
h1        A     192.0.2.101
h2        A     192.0.2.102
caa       CAA   0 issue "ca.example"
EOF
SYNC_SETS=21

# The same records, spelt otherwise: case, absolute names, IPv6 and TXT forms,
# another SOA and apex NS (the target's own).
cat >"$tmp/respelt.zone" <<'EOF'
$TTL 300
sync.test.          SOA   other.example. x.example. 1 1 1 1 1
sync.test.          NS    elsewhere.example.
SYNC.TEST.          MX    10 MAIL.SYNC.TEST.
@                   TXT   ( "v=spf1 mx -all" )
NS1                 A     127.0.0.1
ns2.sync.test.      A     127.0.0.2
WWW                 A     192.0.2.1
www                 AAAA  2001:DB8:0:0:0:0:0:1
api                 A     192.0.2.3
api                 A     192.0.2.2
api                 A     192.0.2.2
mail                A     192.0.2.4
txt                 TXT   "hello world" second\ string
plain               TXT   plain
_SIP._TCP           SRV   10 5 5060 SIP.sync.test.
sip                 A     192.0.2.5
alias               CNAME WWW.sync.test.
ptr                 PTR   HOST.EXAMPLE.
old1                A     192.0.2.91
old2                A     192.0.2.92
sub                 NS    NS.SUB
ns.sub              A     192.0.2.53
h1                  A     192.0.2.101
h2                  A     192.0.2.102
caa                 CAA   0 ISSUE "ca.example"
EOF

# The sync.test. records split as people split zones: $INCLUDE with an origin
# (relative to the current one), a path relative to the including file, a
# nested $INCLUDE, $GENERATE for old1, old2, h1 and h2; the top file's origin
# is restored after each $INCLUDE (RFC 1035 5.1).
mkdir -p "$tmp/split/parts"
cat >"$tmp/split/top.zone" <<'EOF'
$ORIGIN sync.test.
$TTL 300
@         SOA   ns1 hostmaster 2024010101 3600 600 86400 60
@         NS    ns1
$INCLUDE parts/mail.zone
$INCLUDE parts/sub.zone sub
api       A     192.0.2.2
api       A     192.0.2.3
txt       TXT   "hello world" "second string"
plain     TXT   "plain"
_sip._tcp SRV   10 5 5060 sip
sip       A     192.0.2.5
alias     CNAME www
ptr       PTR   host.example.
caa       CAA   0 issue "ca.example"
$GENERATE 1-2 old$ A 192.0.2.9$
$GENERATE 101-102/1 h${-100} A 192.0.2.$
EOF
cat >"$tmp/split/parts/mail.zone" <<'EOF'
@         MX    10 mail
@         TXT   "v=spf1 mx -all"
mail      A     192.0.2.4
$INCLUDE hosts.zone
EOF
cat >"$tmp/split/parts/hosts.zone" <<'EOF'
$ORIGIN sync.test.
ns1       A     127.0.0.1
ns2       A     127.0.0.2
www       A     192.0.2.1
www       AAAA  2001:db8::1
EOF
cat >"$tmp/split/parts/sub.zone" <<'EOF'
@         NS    ns
ns        A     192.0.2.53
EOF
# A bad $GENERATE two files down: the error names that file and line.
printf '$ORIGIN sync.test.\n$INCLUDE parts/bad.zone\n' >"$tmp/split/bad-top.zone"
printf 'ok A 192.0.2.1\n$GENERATE 1-3 b${0,3,z} A 192.0.2.$\n' >"$tmp/split/parts/bad.zone"

# Changed: 2 creates (new A, new AAAA), 3 updates (www A value, mail TTL,
# api gains a value), 2 deletes (old1, old2).
sed -e 's/^www       A     192.0.2.1$/www       A     192.0.2.10/' \
    -e 's/^mail      A /mail  60  A /' \
    -e '/^old[12] /d' \
    -e '$a new       A     192.0.2.77\nnew       AAAA  2001:db8::77\napi       A     192.0.2.4' \
    "$z/sync.test.zone" >"$tmp/changed.zone"

# Gutted: only 6 of the 21 RRsets left: 15 deletes (71.4%).
head -11 "$z/sync.test.zone" >"$tmp/gutted.zone"

cat >"$z/small.test.zone" <<'EOF'
$ORIGIN small.test.
$TTL 60
@   SOA ns1 hostmaster 1 3600 600 86400 60
@   NS  ns1
ns1 A   127.0.0.1
a   A   192.0.2.1
b   TXT "b"
EOF
printf '; nothing: delete everything\n' >"$tmp/empty.zone"

{
    # shellcheck disable=SC2016 # zone-file directives, not shell
    printf '$ORIGIN keyed.test.\n$TTL 120\n'
    printf '@ SOA ns1 hostmaster 7 3600 600 86400 60\n@ NS ns1\nns1 A 127.0.0.1\n'
    for i in $(seq 1 2999); do
        printf 'host%d A 10.%d.%d.%d\n' "$i" $((i / 65536)) $((i / 256 % 256)) $((i % 256))
    done
} >"$z/keyed.test.zone"
KEYED_SETS=3000

# ---- Knot ----------------------------------------------------------------------------
wait_soa() {
    local port=$1 zone=$2 _
    for _ in $(seq 100); do
        kdig @127.0.0.1 -p "$port" +norec +time=1 +retry=0 "$zone" SOA 2>/dev/null |
            grep -q 'status: NOERROR' && return 0
        sleep 0.1
    done
    return 1
}

start_knot() {
    local d=$tmp/knot
    mkdir -p "$d/db"
    knot_port=$(free_port)
    cat >"$d/knot.conf" <<EOF
server:
    rundir: "$d"
    pidfile: "$d/knot.pid"
    listen: 127.0.0.1@$knot_port
    udp-workers: 1
    tcp-workers: 2
    background-workers: 1
log:
  - target: stderr
    any: info
database:
    storage: "$d/db"
control:
    listen: "$d/knot.sock"
key:
  - id: xfr-key
    algorithm: hmac-sha256
    secret: $key_main
  - id: xfr-512
    algorithm: hmac-sha512
    secret: $key_512
acl:
  - id: xfr-open
    address: 127.0.0.1
    action: transfer
  - id: xfr-keyed
    address: 127.0.0.1
    key: [ xfr-key, xfr-512 ]
    action: transfer
template:
  - id: default
    storage: "$z"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: sync.test
    file: sync.test.zone
    acl: xfr-open
  - domain: small.test
    file: small.test.zone
    acl: xfr-open
  - domain: keyed.test
    file: keyed.test.zone
    acl: xfr-keyed
EOF
    knotd -c "$d/knot.conf" >"$d/knot.log" 2>&1 </dev/null &
    pids+=($!)
    wait_soa "$knot_port" sync.test. && wait_soa "$knot_port" small.test. &&
        wait_soa "$knot_port" keyed.test.
}

start_bind() {
    local d=$tmp/bind
    mkdir -p "$d"
    cp "$z/sync.test.zone" "$z/keyed.test.zone" "$d/"
    bind_port=$(free_port)
    cat >"$d/named.conf" <<EOF
key "xfr-key" { algorithm hmac-sha256; secret "$key_main"; };
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
zone "sync.test" { type primary; file "sync.test.zone"; allow-transfer { 127.0.0.1; }; };
zone "keyed.test" { type primary; file "keyed.test.zone"; allow-transfer { key xfr-key; }; };
EOF
    named -4 -g -n 1 -c "$d/named.conf" >"$d/named.log" 2>&1 </dev/null &
    pids+=($!)
    wait_soa "$bind_port" sync.test. && wait_soa "$bind_port" keyed.test.
}

# ---- checks --------------------------------------------------------------------------
# run ARGS...: the tool's stdout in out, stderr in errout, exit status in rc.
run() {
    tool "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    out=$(cat "$tmp/out")
    errout=$(cat "$tmp/err")
}
# check NAME WANT-RC STDOUT-ERE [STDERR-ERE]
check() {
    local name=$1 want=$2 pat=$3 epat=${4:-}
    if [ "$rc" -ne "$want" ]; then
        ko "$name (exit $rc, want $want)" "$out
$errout"
    elif [ -n "$pat" ] && ! grep -qE -- "$pat" <<<"$out"; then
        ko "$name (no /$pat/ in stdout)" "$out
$errout"
    elif [ -n "$epat" ] && ! grep -qE -- "$epat" <<<"$errout"; then
        ko "$name (no /$epat/ in stderr)" "$out
$errout"
    else
        ok "$name"
    fi
}

# The suite against one primary (knot or bind) at 127.0.0.1:PORT.
suite() {
    local srv=$1 port=$2
    local S=127.0.0.1:$port

    run axfr "$S" sync.test
    check "$srv: AXFR sync.test: $SYNC_SETS RRsets, serial, the CAA kept" 0 \
        "^origin=sync.test. serial=2024010101 sets=$SYNC_SETS skipped=0$"
    check "$srv: AXFR CAA in canonical form" 0 '^caa.sync.test. CAA 300 0 issue "ca.example"$'
    if grep -qE '^sync.test. (SOA|NS) ' <<<"$out"; then
        ko "$srv: AXFR leaves out the SOA and the apex NS" "$out"
    else
        ok "$srv: AXFR leaves out the SOA and the apex NS"
    fi
    check "$srv: AXFR values in canonical form" 0 \
        '^api.sync.test. A 300 192.0.2.2 \| 192.0.2.3$'
    check "$srv: AXFR keeps the delegation and its glue" 0 \
        '^sub.sync.test. NS 300 ns.sub.sync.test.$'

    # The file the primary serves, planned against what it serves: nothing.
    run plan "$S" sync.test "$z/sync.test.zone"
    check "$srv: served file vs its AXFR: empty plan" 0 \
        "^plan: 0 creates, 0 updates, 0 deletes, $SYNC_SETS unchanged \($SYNC_SETS RRsets on the target\)$"
    run plan "$S" sync.test "$tmp/respelt.zone"
    check "$srv: respelt file (case, dots, IPv6, TXT quoting, CAA tag) vs AXFR: empty plan" 0 \
        "^plan: 0 creates, 0 updates, 0 deletes, $SYNC_SETS unchanged"
    [ "$rc" -eq 0 ] && grep -qE '^[-+~] ' <<<"$out" && ko "$srv: respelt: no change lines" "$out"
    check "$srv: the plan lists the SOA and apex NS it leaves to the target" 0 \
        '^left to the target \(it owns them; not synced\): 2 RRsets \(NS 1, SOA 1\)$'
    # The same zone as people split it: $INCLUDE (with an origin, paths relative
    # to the including file) and $GENERATE (h1, h2), planned against the primary.
    run plan "$S" sync.test "$tmp/split/top.zone"
    check "$srv: \$INCLUDE + \$GENERATE file vs AXFR: empty plan" 0 \
        "^plan: 0 creates, 0 updates, 0 deletes, $SYNC_SETS unchanged"

    run plan "$S" sync.test "$tmp/changed.zone"
    check "$srv: changed file: 2 creates, 3 updates, 2 deletes" 0 \
        "^plan: 2 creates, 3 updates, 2 deletes, 16 unchanged \($SYNC_SETS RRsets on the target\)$"
    local want_lines
    want_lines=$(
        cat <<'EOF'
~ update api.sync.test. A (300 192.0.2.2, 192.0.2.3 -> 300 192.0.2.2, 192.0.2.3, 192.0.2.4)
~ update mail.sync.test. A (300 192.0.2.4 -> 60 192.0.2.4)
+ create new.sync.test. A 300 192.0.2.77
+ create new.sync.test. AAAA 300 2001:db8::77
~ update www.sync.test. A (300 192.0.2.1 -> 300 192.0.2.10)
- delete old1.sync.test. A 300 192.0.2.91
- delete old2.sync.test. A 300 192.0.2.92
EOF
    )
    if [ "$(grep -E '^[-+~] ' <<<"$out")" = "$want_lines" ]; then
        ok "$srv: changed file: the exact changes, in order"
    else
        ko "$srv: changed file: the exact changes, in order" "$(diff <(echo "$want_lines") \
            <(grep -E '^[-+~] ' <<<"$out"))"
    fi
    # every type is compared (issue 11 section 2): the CAA is planned like
    # any RRset and nothing is skipped
    if grep -qE '^(SKIPPED|WARNING)' <<<"$out"; then
        ko "$srv: nothing skipped: the CAA is compared like any type" "$out"
    else
        ok "$srv: nothing skipped: the CAA is compared like any type"
    fi
    run plan --json "$S" sync.test "$tmp/changed.zone"
    if [ "$rc" -eq 0 ] && python3 - "$tmp/out" "$SYNC_SETS" <<'PY'; then
import json, sys
p = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
assert (p["creates"], p["updates"], p["deletes"], p["unchanged"], p["existing"]) == \
    (2, 3, 2, 16, n), p
ops = [(c["op"], c["name"], c["type"]) for c in p["changes"]]
assert ops[0] == ("record_update", "api.sync.test.", "A"), ops
assert ops[-1] == ("record_delete", "old2.sync.test.", "A"), ops
mail = [c for c in p["changes"] if c["name"] == "mail.sync.test."][0]
assert (mail["ttl"], mail["old_ttl"], mail["values"]) == (60, 300, ["192.0.2.4"]), mail
PY
        ok "$srv: changed file: JSON plan"
    else
        ko "$srv: changed file: JSON plan (exit $rc)" "$out$errout"
    fi

    # Safety: 15 deletes of 21 (71.4%) is refused, unless forced or allowed.
    run plan "$S" sync.test "$tmp/gutted.zone"
    check "$srv: gutted file refused" 3 "^plan: 0 creates, 0 updates, 15 deletes" \
        "^unsafe: plan deletes 15 of $SYNC_SETS existing RRsets \(71.4%\) > max_delete_pct 30: use --force to apply it$"
    run plan --force "$S" sync.test "$tmp/gutted.zone"
    check "$srv: gutted file with --force" 0 "15 deletes"
    run plan --max-delete 80 "$S" sync.test "$tmp/gutted.zone"
    check "$srv: gutted file with max_delete_pct 80" 0 "15 deletes"
    run plan --max-update 10 "$S" sync.test "$tmp/changed.zone"
    check "$srv: 3 updates of 21 (14.3%) > max_update_pct 10" 3 "3 updates" \
        "^unsafe: plan updates 3 of $SYNC_SETS existing RRsets \(14.3%\) > max_update_pct 10: use --force to apply it$"

    # TSIG: the keyed zone, 3000 RRsets in several messages.
    run axfr --tsig "$K" "$S" keyed.test
    check "$srv: TSIG AXFR of keyed.test ($KEYED_SETS RRsets)" 0 \
        "^origin=keyed.test. serial=7 sets=$KEYED_SETS skipped=0$"
    check "$srv: keyed.test last record" 0 '^host2999.keyed.test. A 120 10.0.11.183$'
    run plan --tsig "$K" "$S" keyed.test "$z/keyed.test.zone"
    check "$srv: keyed.test served file vs TSIG AXFR: empty plan" 0 \
        "^plan: 0 creates, 0 updates, 0 deletes, $KEYED_SETS unchanged"
    run axfr "$S" keyed.test
    check "$srv: keyed.test without a key: refused" 1 "" \
        "AXFR keyed.test. from $S: (NOTAUTH|REFUSED)"
    run axfr --tsig "hmac-sha256:xfr-key:$(secret 32)" "$S" keyed.test
    check "$srv: keyed.test with a wrong secret: BADSIG" 1 "" \
        "AXFR keyed.test. from $S: NOTAUTH \(TSIG BADSIG\): the key's secret \(or algorithm\) differs from the primary's"
    if grep -qF -- "$key_main" <<<"$errout"; then
        ko "$srv: errors do not show the secret" "$errout"
    fi
    run axfr --tsig "hmac-sha256:no-such-key:$key_main" "$S" keyed.test
    check "$srv: keyed.test with an unknown key: BADKEY" 1 "" \
        "AXFR keyed.test. from $S: NOTAUTH \(TSIG BADKEY\)"
    run axfr --tsig "$K" "$S" nosuch.test
    check "$srv: a zone it does not serve" 1 "" \
        "AXFR nosuch.test. from $S: (NOTAUTH|REFUSED)"
}

# ---- without a server ----------------------------------------------------------------
run axfr "127.0.0.1:$(free_port)" sync.test
check "nothing listening: cannot connect" 1 "" \
    "^error: zonesync: AXFR sync.test. from 127.0.0.1:[0-9]+: cannot connect over TCP"
run axfr nowhere sync.test
check "bad server address" 1 "" "server 'nowhere' is not an IPv4/IPv6 address"
run axfr --tsig "hmac-sha384:k:$(secret 32)" 127.0.0.1:53 sync.test
check "unsupported TSIG algorithm" 1 "" "algorithm 'hmac-sha384' is not one ldns can sign with"
# shellcheck disable=SC2016 # zone-file directives, not shell
printf '$ORIGIN x.test.\nwww A 192.0.2.1\n\nbad A 192.0.2.300\n' >"$tmp/bad.zone"
run load "$tmp/bad.zone"
check "zone file syntax error names FILE:LINE" 1 "" \
    "^error: $tmp/bad.zone:4: Syntax error, could not parse the RR's rdata$"
run diff "$tmp/changed.zone" "$z/sync.test.zone" sync.test
check "two files: the same plan as against the AXFR" 0 \
    "^plan: 2 creates, 3 updates, 2 deletes, 16 unchanged \($SYNC_SETS RRsets on the target\)$"

# ---- zone files as people write them (no server) -------------------------------------
run load "$tmp/split/top.zone"
check "\$INCLUDE/\$GENERATE: the split file loads as the one file does" 0 \
    "^origin=sync.test. serial=2024010101 sets=$SYNC_SETS skipped=0$"
check "\$INCLUDE with an origin: sub's NS and glue under sub.sync.test." 0 \
    '^ns.sub.sync.test. A 300 192.0.2.53$'
check "\$GENERATE \${-100}: h1 from 101" 0 '^h1.sync.test. A 300 192.0.2.101$'
run load "$tmp/split/bad-top.zone"
check "a bad \$GENERATE in an included file: that file's FILE:LINE" 1 "" \
    "^error: $tmp/split/parts/bad.zone:2: [$]GENERATE: bad modifier '[$][{]0,3,z[}]'"

# ---- a broken primary ----------------------------------------------------------------
# A fake primary on loopback answering AXFR with crafted messages, by zone:
#   nosoa.test.    no SOA first              serial.test.  closing SOA differs
#   cut.test.      connection closed early   outside.test. a record of another zone
#   split.test.    a good transfer over three messages
fport=$(free_port)
python3 - "$fport" "$tmp/fake.up" <<'PY' &
import socket, struct, sys
port, up = int(sys.argv[1]), sys.argv[2]
def name(n):
    return b"".join(bytes([len(l)]) + l.encode() for l in n.rstrip(".").split(".")) + b"\0"
def rr(owner, t, rdata, ttl=60):
    return name(owner) + struct.pack(">HHIH", t, 1, ttl, len(rdata)) + rdata
def soa(z, serial):
    return rr(z, 6, name("ns1." + z) + name("h." + z) + struct.pack(">IIIII", serial, 1, 1, 1, 1))
def a(owner, ip):
    return rr(owner, 1, socket.inet_aton(ip))
def msg(qid, q, rrs):
    return struct.pack(">HHHHHH", qid, 0x8400, 1, len(rrs), 0, 0) + q + b"".join(rrs)
def recvn(c, n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            raise EOFError
        b += d
    return b
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(5)
s.settimeout(60)
open(up, "w").close()
while True:
    try:
        c, _ = s.accept()
    except socket.timeout:
        break
    try:
        q = recvn(c, struct.unpack(">H", recvn(c, 2))[0])
        qid = struct.unpack(">H", q[:2])[0]
        i, labels = 12, []
        while q[i]:
            labels.append(q[i + 1:i + 1 + q[i]].decode())
            i += 1 + q[i]
        question = q[12:i + 5]
        z = ".".join(labels) + "."
        if z == "nosoa.test.":
            msgs = [[a("www." + z, "192.0.2.1"), soa(z, 1)]]
        elif z == "serial.test.":
            msgs = [[soa(z, 1), a("www." + z, "192.0.2.1"), soa(z, 2)]]
        elif z == "cut.test.":
            msgs = [[soa(z, 1), a("www." + z, "192.0.2.1")]]
        elif z == "outside.test.":
            msgs = [[soa(z, 1), a("www.other.test.", "192.0.2.1"), soa(z, 1)]]
        else:
            msgs = [[soa(z, 3), a("a." + z, "192.0.2.1")], [a("a." + z, "192.0.2.2")],
                    [a("b." + z, "192.0.2.3"), soa(z, 3)]]
        for m in msgs:
            w = msg(qid, question, m)
            c.sendall(struct.pack(">H", len(w)) + w)
    except (EOFError, OSError):
        pass
    c.close()
PY
pids+=($!)
for _ in $(seq 50); do [ -e "$tmp/fake.up" ] && break; sleep 0.1; done
F=127.0.0.1:$fport
run axfr "$F" split.test
check "fake: a transfer over three messages" 0 "^origin=split.test. serial=3 sets=2 skipped=0$"
check "fake: an RRset split over two messages" 0 '^a.split.test. A 60 192.0.2.1 \| 192.0.2.2$'
run axfr "$F" nosoa.test
check "fake: no SOA first" 1 "" \
    "AXFR nosoa.test. from $F: the transfer does not start with the zone's SOA \(RFC 5936 2.2\)"
run axfr "$F" serial.test
check "fake: the closing SOA differs" 1 "" \
    "the closing SOA's serial differs from the opening one's \(1\): the zone changed during the transfer; try again"
run axfr "$F" cut.test
check "fake: connection closed before the closing SOA" 1 "" \
    "AXFR cut.test. from $F: the transfer ended after 2 records without the closing SOA"
run axfr "$F" outside.test
check "fake: a record of another zone" 1 "" \
    "AXFR outside.test. from $F: www.other.test. A is not inside the zone outside.test."

# ---- Knot DNS ------------------------------------------------------------------------
if start_knot; then
    ok "knotd answers on 127.0.0.1:$knot_port"
    suite knot "$knot_port"
    # small.test: 3 RRsets; deleting them all is allowed (small-zone exemption).
    run plan "127.0.0.1:$knot_port" small.test "$tmp/empty.zone"
    check "knot: small zone (3 RRsets): deleting all is not refused" 0 \
        "^plan: 0 creates, 0 updates, 3 deletes, 0 unchanged \(3 RRsets on the target\)$"
    run axfr --tsig "hmac-sha512:xfr-512:$key_512" "127.0.0.1:$knot_port" keyed.test
    check "knot: TSIG hmac-sha512" 0 "sets=$KEYED_SETS "
    msgs=$(kdig @127.0.0.1 -p "$knot_port" -y "$K" AXFR keyed.test. |
        sed -n 's/.*(\([0-9]*\) messages.*/\1/p')
    if [ "${msgs:-0}" -gt 1 ]; then
        ok "knot: keyed.test took $msgs messages (multi-message AXFR read)"
    else
        ko "knot: keyed.test took several messages" "messages: ${msgs:-?}"
    fi
    if grep -qE '\[keyed\.test\.\] AXFR, outgoing, remote 127\.0\.0\.1@[0-9]+.*finished, .*[0-9]+ messages' \
        "$tmp/knot/knot.log"; then
        ok "knot: its log shows the signed AXFRs of keyed.test finished"
    else
        ko "knot: its log shows the signed AXFRs of keyed.test finished" \
            "$(grep -i axfr "$tmp/knot/knot.log" | tail)"
    fi
else
    ko "knotd answers" "$(tail -20 "$tmp/knot/knot.log")"
fi

# ---- BIND ----------------------------------------------------------------------------
if command -v named >/dev/null; then
    if start_bind; then
        ok "named answers on 127.0.0.1:$bind_port"
        suite bind "$bind_port"
    else
        ko "named answers" "$(tail -20 "$tmp/bind/named.log")"
    fi
else
    echo "skip BIND: named is not installed"
fi

# ---- valgrind ------------------------------------------------------------------------
if [ "${ZONESYNC_VALGRIND:-1}" != 0 ] && command -v valgrind >/dev/null &&
    [ -n "${knot_port:-}" ]; then
    # name WANT-EXIT ARGS...
    vgcheck() {
        local name=$1 want=$2 rc
        shift 2
        valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
            --error-exitcode=99 "$tool_bin" "$@" >"$tmp/vg.out" 2>&1
        rc=$?
        if [ $rc -eq "$want" ]; then
            ok "valgrind: $name"
        else
            ko "valgrind: $name (exit $rc, want $want; 99: valgrind errors)" \
                "$(tail -30 "$tmp/vg.out")"
        fi
    }
    S=127.0.0.1:$knot_port
    vgcheck "TSIG AXFR + plan" 0 plan --tsig "$K" "$S" keyed.test "$z/keyed.test.zone"
    vgcheck "plan --json" 0 plan --json "$S" sync.test "$tmp/changed.zone"
    vgcheck "unsafe plan" 3 plan "$S" sync.test "$tmp/gutted.zone"
    vgcheck "BADSIG" 1 axfr --tsig "hmac-sha256:xfr-key:$(secret 32)" "$S" keyed.test
    vgcheck "no server" 1 axfr "127.0.0.1:$(free_port)" sync.test
    vgcheck "\$INCLUDE + \$GENERATE file" 0 load "$tmp/split/top.zone"
    vgcheck "a bad \$GENERATE in an included file" 1 load "$tmp/split/bad-top.zone"
    vgcheck "zone file syntax error" 1 load "$tmp/bad.zone"
fi

echo "zonesync: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
