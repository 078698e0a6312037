#!/usr/bin/env bash
# Issue 16, part 2: anycast instances by NSID (RFC 5001). Two NSD
# processes share one address and port (SO_REUSEPORT), each with its own
# nsid, both secondaries of the lab's PowerDNS for lab.test. (lab.sh
# anycast-up): "fast" refreshes every second, "slow" every 5 s. The kernel spreads the probe
# threads' sockets over the two, so the monitor's canaries are served by
# both, and the report must say which instance lags. BIND (no nsid set)
# reads "(no NSID)". Then, against small Python servers: an NSID option
# that overruns its OPT record reads "(malformed NSID)" and the poll still
# completes; a server that answers EDNS with FORMERR is asked again
# without it (RFC 6891 7); `[probe] nsid = no` sends no OPT at all.
# Needs the lab's environment (tests/lab/lab.sh).
# Usage: tests/cli/test_anycast.sh [./dnsprop]
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
bin=$(readlink -f "${1:-./dnsprop}")
need_tools anycast nsd python3 dig
: "${LAB_DIR:?run under the lab (tests/lab/lab.sh)}"
pass=0
fail=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dnsprop-anycast.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    tests/lab/lab.sh anycast-down "$LAB_DIR" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# -- two instances behind one address ---------------------------------------------
if out=$(tests/lab/lab.sh anycast-up "$LAB_DIR" 2> "$tmp/anycast-up.err"); then
    eval "$out"
    ok "two NSD instances, fast and slow, share $LAB_ANYCAST_ADDR (SO_REUSEPORT)"
else
    ko "lab.sh anycast-up" "$(cat "$tmp/anycast-up.err")"
    exit 1
fi

sed -n '/^\[target pdns\]/,/^$/p' "$LAB_DIR/lab.ini" > "$tmp/target.ini"
cat > "$tmp/anycast.ini" <<EOF
[campaign]
name = anycast
results = $tmp/results
include = $tmp/target.ini

[nameserver primary]
address = $LAB_PDNS_ADDR
role = primary

[nameserver anycast]
address = $LAB_ANYCAST_ADDR
role = secondary

[nameserver bind]
address = $LAB_BIND_ADDR
role = secondary

[probe]
frequency = 0.1
timeout = 15
# one socket per thread and nameserver: 16 source ports, which the
# kernel's SO_REUSEPORT hash spreads over both instances
threads = 16

[monitor]
zones = $LAB_ZONE
name = _anycast-canary
interval = 1
EOF
# Which instance a probe socket reaches is the kernel's hash of its source
# port: about 10 canaries over 16 sockets split as a coin would, so one
# instance gets fewer than the 3 the checks below want in about 1 run of
# 9 (binomial, 10 draws). A run that did is run again, up to 3 times.
for attempt in 1 2 3; do
    "$bin" monitor --quiet --duration 40 "$tmp/anycast.ini" > "$tmp/mon.json" 2> "$tmp/mon.err"
    rc=$?
    c=$(last_campaign "$bin" "$tmp/results" anycast)
    dir=$tmp/results/$c
    n=$(python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))["statistics"]["instances"]["anycast"]["instances"]
print(len(a) if all(i["completed"] >= 3 for i in a) else 0)' "$dir/report.json" 2> /dev/null)
    [ "$n" = 2 ] && break
done
[ "$rc" -eq 0 ] && ok "monitor over the anycast pair: exit 0 (run $attempt)" ||
    ko "monitor exit $rc" "$(tail "$tmp/mon.err")"
if python3 - "$dir/report.json" > "$tmp/check.out" 2>&1 <<'PY'; then
import json, sys
doc = json.load(open(sys.argv[1]))
inst = doc["statistics"]["instances"]
a = inst["anycast"]
by = {i["label"]: i for i in a["instances"]}
assert set(by) == {"fast", "slow"}, by.keys()
fast, slow = by["fast"], by["slow"]
assert fast["completed"] >= 3 and slow["completed"] >= 3, (fast, slow)
assert fast["count"] + slow["count"] == doc["statistics"]["nameservers"]["anycast"]["count"]
# a 5 s refresh against 1 s: about 2 s apart on average (a margin of 1 s)
assert slow["p50"] > fast["p50"] + 1, (fast["p50"], slow["p50"])
assert a["slowest"]["nsid"] == "slow", a["slowest"]
assert list(a["vantages"].values()) == [2], a["vantages"]
b = inst["bind"]["instances"]
assert [i["label"] for i in b] == ["(no NSID)"] and b[0]["nsid"] is None, b
assert inst["primary"]["instances"][0]["nsid"], inst["primary"]
plots = {p["name"]: p for p in doc["plots"]}
assert "instances" in plots, plots.keys()
import os
png = os.path.join(os.path.dirname(sys.argv[1]), "plots", plots["instances"]["png"])
assert os.path.getsize(png) > 1000, png
print(f"fast p50 {fast['p50']:.3f} s ({fast['completed']}), slow p50 {slow['p50']:.3f} s "
      f"({slow['completed']}); bind: (no NSID); instances.png")
PY
    ok "report.json: the slow instance named, per-instance percentiles: $(cat "$tmp/check.out")"
else
    ko "report.json instances" "$(cat "$tmp/check.out")"
fi
for f in report.md report.html; do
    grep -q "Instances behind each address (NSID)" "$dir/$f" &&
        grep -q "anycast: slowest instance slow" "$dir/$f" &&
        ok "$f: the instances section names the slowest" || ko "$f: no instances section"
done
"$bin" export "$c" --results "$tmp/results" --out "$tmp/any.csv" 2> /dev/null
if python3 - "$tmp/any.csv" > "$tmp/check.out" 2>&1 <<'PY'; then
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
a = [r for r in rows if r["ns_name"] == "anycast"]
assert a and all(r["nsid"] in ("fast", "slow") for r in a if r["status"] == "COMPLETED"), a[:3]
assert all(r["nsid"] == "" for r in rows if r["ns_name"] == "bind"), "bind has an nsid"
# a slow canary's earlier answers came from the slow instance too
assert any(r["nsid_last"] == "slow" for r in a if r["nsid"] == "slow"), "no nsid_last"
print(len(a))
PY
    ok "export: nsid and nsid_last columns ($(cat "$tmp/check.out") anycast results)"
else
    ko "export nsid columns" "$(cat "$tmp/check.out")"
fi

# the shipped scenario, as the README runs it (results under $tmp)
wl=$(readlink -f workloads/anycast.ini)
mkdir -p "$tmp/wl"
(cd "$tmp/wl" && LAB_ANYCAST_ADDR=$LAB_ANYCAST_ADDR "$bin" monitor --quiet --no-store --duration 4 \
    "$wl" > wl.json 2> wl.err)
rc=$?
if [ "$rc" -le 1 ] && python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["polls"] > 0, s' "$tmp/wl/wl.json" 2> /dev/null &&
    grep -q "Instances behind each address" "$tmp"/wl/results/anycast-*/report.md 2> /dev/null; then
    ok "workloads/anycast.ini runs on the lab (exit $rc)"
else
    ko "workloads/anycast.ini (exit $rc)" "$(tail -3 "$tmp/wl/wl.err")"
fi

# -- servers that answer oddly --------------------------------------------------------
# MODE malformed: an A answer with an OPT whose NSID option claims more
# octets than the OPT holds; formerr: FORMERR (no OPT) to any query with
# EDNS, an A answer to one without; noedns: an A answer, and it records
# whether the query carried an OPT record.
cat > "$tmp/odd.py" <<'PY'
import socket, struct, sys
port, mode, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
open(log + ".ready", "w").close()
while True:
    q, a = s.recvfrom(4096)
    i = 12
    while q[i]:
        i += q[i] + 1
    question = q[12:i + 5]
    edns = struct.unpack(">H", q[10:12])[0] > 0
    qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
    open(log, "a").write("%s %d\n" % ("edns" if edns else "plain", qtype))
    rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([192, 0, 2, 1])
    if mode == "formerr" and edns:
        s.sendto(q[:2] + struct.pack(">HHHHH", 0x8401, 1, 0, 0, 0) + question, a)
        continue
    if mode == "malformed":
        # OPT: root, type 41, payload 1232; RDATA 6 octets holding an NSID
        # option that says 200
        opt = b"\x00" + struct.pack(">HHIH", 41, 1232, 0, 6) + struct.pack(">HH", 3, 200) + b"ab"
        s.sendto(q[:2] + struct.pack(">HHHHH", 0x8400, 1, 1, 0, 1) + question + rr + opt, a)
        continue
    s.sendto(q[:2] + struct.pack(">HHHHH", 0x8400, 1, 1, 0, 0) + question + rr, a)
PY
odd_server() { # MODE: a server on a free port, in odd_port
    odd_port=$(free_port)
    python3 "$tmp/odd.py" "$odd_port" "$1" "$tmp/$1.log" > /dev/null 2>&1 &
    pids+=($!)
    # bound before the first query (under load Python takes a while to
    # start: a query to a port not yet bound was refused, one too many)
    for _ in $(seq 100); do
        [ -e "$tmp/$1.log.ready" ] && break
        sleep 0.05
    done
}
probe_odd() { # MODE -> the probe's JSON result in r
    odd_server "$1"
    r=$("$bin" probe --ns "127.0.0.1:$odd_port" --name x.odd.test. --condition value_present \
        --value 192.0.2.1 --timeout 3 --frequency 0.2 --json --no-store 2> "$tmp/$1.err")
}
probe_odd malformed
if python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert r["status"] == "COMPLETED" and r["nsid"] == "!malformed", r' "$r" 2> "$tmp/err"; then
    ok "an NSID option overrunning its OPT: COMPLETED, nsid \"!malformed\""
else
    ko "malformed NSID" "$r $(cat "$tmp/err" "$tmp/malformed.err")"
fi
probe_odd formerr
if python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert r["status"] == "COMPLETED" and r["nsid"] is None, r' "$r" 2> "$tmp/err" &&
    [ "$(tr '\n' ' ' < "$tmp/formerr.log")" = "edns 1 plain 1 " ]; then
    ok "FORMERR to EDNS: asked again without it, COMPLETED (queries: $(tr '\n' ' ' < "$tmp/formerr.log"))"
else
    ko "FORMERR fallback" "$r $(cat "$tmp/err" "$tmp/formerr.log")"
fi

# [probe] nsid = no: no OPT record in any query, no nsid in the results
odd_server noedns
printf '%s\n' "[campaign]" "name = nonsid" "results = $tmp/results" "include = $tmp/target.ini" \
    "[nameserver odd]" "address = 127.0.0.1:$odd_port" "[probe]" "nsid = no" "timeout = 3" \
    "frequency = 0.2" "[monitor]" "zones = $LAB_ZONE" "interval = 1" > "$tmp/nonsid.ini"
"$bin" monitor --quiet --duration 3 "$tmp/nonsid.ini" > /dev/null 2> "$tmp/nonsid.err"
c=$(last_campaign "$bin" "$tmp/results" nonsid)
"$bin" export "$c" --results "$tmp/results" --json --out "$tmp/nonsid.jsonl" 2> /dev/null
# the probes' TXT queries carry no OPT (the assessment at the end asks
# through ldns, with EDNS, and is not a probe)
if python3 - "$tmp/noedns.log" "$tmp/nonsid.jsonl" > "$tmp/check.out" 2>&1 <<'PY'; then
import json, sys, time
rows = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
sent = sum(r["queries"] for r in rows)
# (the server, Python on a loaded machine, may not have read the last
# query off its socket yet when the monitor has ended)
for _ in range(30):
    log = open(sys.argv[1]).read().split("\n")
    plain = log.count("plain 16")
    if plain >= sent:
        break
    time.sleep(0.1)
assert rows and all("nsid" not in r and "nsid_last" not in r for r in rows), rows
assert sent > 0 and plain == sent, (plain, sent)
print(sent)
PY
    ok "[probe] nsid = no: the $(cat "$tmp/check.out") probe queries carry no OPT; no nsid in the results"
else
    ko "nsid = no" "$(cat "$tmp/check.out"; sort "$tmp/noedns.log" | uniq -c)"
fi
printf '%s\n' "[campaign]" "name = badnsid" "[probe]" "nsid = perhaps" > "$tmp/bad.ini"
expect "[probe] nsid = perhaps" 2 "bad.ini:4: \[probe\] nsid" -- "$bin" run "$tmp/bad.ini"

echo "anycast: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
