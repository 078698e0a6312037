#!/usr/bin/env bash
# Command-line tests of `dnsprop probe` against the running lab: exit
# statuses, JSON fields, CSV input and its errors, signals.
# Usage: tests/cli/test_cli.sh ./dnsprop   (with the lab's LAB_* variables)
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
bin=${1:-./dnsprop}
: "${LAB_KNOT_ADDR:?run through tests/run-tests.sh (needs the lab)}"
tmp=$(mktemp -d)
# Work in the temp dir: results (and the embedded redis) go there, not
# into the repository's results/.
bin=$(readlink -f "$bin")
lab=$(readlink -f "$(dirname "$0")/../lab/lab.sh")
cd "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT



expect "help" 0 "usage: dnsprop" -- "$bin" --help
expect "probe help" 0 "--condition COND" -- "$bin" probe --help
expect "no command" 64 "usage" -- "$bin"
expect "unknown command" 64 "unknown command 'frobnicate'" -- "$bin" frobnicate
expect "bad address" 64 "--ns: '300.1.1.1:53' is not" -- \
    "$bin" probe --ns 300.1.1.1:53 --zone lab.test --condition serial_not_lower --serial 1
expect "bad type" 64 "--type: unknown record type 'AAAAX'" -- \
    "$bin" probe --ns "$LAB_KNOT_ADDR" --name www.lab.test --type AAAAX --condition empty_response
expect "bad value" 64 "--value: '192.0.2.300' is not a valid A value" -- \
    "$bin" probe --ns "$LAB_KNOT_ADDR" --name www.lab.test --condition value_present --value 192.0.2.300
expect "bad MX value" 64 "PREFERENCE NAME" -- \
    "$bin" probe --ns "$LAB_KNOT_ADDR" --name mx.lab.test --type MX --condition value_present --value mail.lab.test.
expect "missing serial" 64 "serial_not_lower needs a serial" -- \
    "$bin" probe --ns "$LAB_KNOT_ADDR" --zone lab.test --condition serial_not_lower
expect "bad condition" 64 "unknown condition 'soon'" -- \
    "$bin" probe --ns "$LAB_KNOT_ADDR" --zone lab.test --condition soon
expect "bad frequency" 64 "--frequency: 'fast'" -- \
    "$bin" probe --ns "$LAB_KNOT_ADDR" --zone lab.test --condition empty_response --frequency fast

# completed: exit 0 and the JSON contract
out=$("$bin" probe --ns "$LAB_KNOT_ADDR" --zone lab.test --condition serial_not_lower \
      --serial 1 --frequency 0.1 --timeout 10 --json)
rc=$?
if [ $rc -eq 0 ] && python3 - "$out" <<'PY'
import json, sys
o = json.loads(sys.argv[1])
for k in ("status", "duration", "lower_bound", "queries", "rcode", "reason", "serial", "values"):
    assert k in o, k
assert o["status"] == "COMPLETED", o
assert o["rcode"] == "NOERROR" and isinstance(o["serial"], int) and o["serial"] >= 1, o
assert o["duration"] is not None and o["lower_bound"] <= o["duration"], o
assert o["queries"] >= 1 and o["nameserver"] and o["name"] == "lab.test.", o
PY
then ok "json completed"; else ko "json completed (exit $rc)" "$out"; fi

expect "value_present raw TXT" 0 "^COMPLETED" -- \
    "$bin" probe --ns "$LAB_BIND_ADDR" --name txt.lab.test --type TXT --condition value_present --value 'hello, world'
expect "value_present quoted TXT" 0 "^COMPLETED" -- \
    "$bin" probe --ns "$LAB_NSD_ADDR" --name txt.lab.test --type TXT --condition value_present --value '"hello, world"'
expect "value_present MX, case and dot" 0 "^COMPLETED" -- \
    "$bin" probe --ns "$LAB_KNOT_ADDR" --name MX.Lab.Test --type MX --condition value_present --value '10 MAIL.lab.test'
expect "AAAA normalised" 0 "^COMPLETED" -- \
    "$bin" probe --ns "$LAB_KNOT_ADDR" --name v6.lab.test --type AAAA --condition value_present --value '2001:DB8:0:0::1'
expect "timeout exits 1" 1 "^TIMEOUT .*reason=\"RRset never held" -- \
    "$bin" probe --ns "$LAB_KNOT_ADDR" --name www.lab.test --condition value_present --value 203.0.113.1 --timeout 0.5 --frequency 0.1
expect "error exits 2" 2 "^ERROR .*unreachable" -- \
    "$bin" probe --ns 127.0.0.1:9 --zone lab.test --condition empty_response --timeout 0.5 --frequency 0.1
expect "ipv6 nameserver" 0 "^COMPLETED +ns=\[::1\]" -- \
    "$bin" probe --ns "$LAB_KNOT_ADDR6" --zone lab.test --condition serial_not_lower --serial 1

# many requests from a CSV file; quoting through libcsv
cat > "$tmp/req.csv" <<CSV
id,nameserver,zone_name,name,type,condition,serial,value,value,timeout,frequency
soa-knot,$LAB_KNOT_ADDR,lab.test,,,serial_not_lower,1,,,5,0.1
multi-bind,$LAB_BIND_ADDR,,multi.lab.test,A,value_present,,192.0.2.11,192.0.2.10,5,0.1
# a comment line
"txt,nsd",$LAB_NSD_ADDR,,txt.lab.test,TXT,value_present,,"""hello, world""",,5,0.1
gone-knot,$LAB_KNOT_ADDR,,nothing-here.lab.test,,empty_response,,,,5,0.1
never,$LAB_KNOT_ADDR,,www.lab.test,A,value_present,,198.51.100.7,,0.5,0.1
CSV
out=$("$bin" probe --file "$tmp/req.csv" --json)
rc=$?
if [ $rc -eq 1 ] && python3 - "$out" <<'PY'
import json, sys
rows = {}
for line in sys.argv[1].splitlines():
    o = json.loads(line)
    rows[o["id"]] = o
assert set(rows) == {"soa-knot", "multi-bind", "txt,nsd", "gone-knot", "never"}, rows.keys()
for k in ("soa-knot", "multi-bind", "txt,nsd", "gone-knot"):
    assert rows[k]["status"] == "COMPLETED", rows[k]
assert rows["gone-knot"]["empty"] == "NXDOMAIN", rows["gone-knot"]
assert rows["never"]["status"] == "TIMEOUT", rows["never"]
assert rows["multi-bind"]["values"] == ["192.0.2.10", "192.0.2.11"], rows["multi-bind"]
PY
then ok "csv file"; else ko "csv file (exit $rc)" "$out"; fi

printf 'nameserver,zone_name,condition,serial\n%s,lab.test,serial_not_lower,1\n%s,lab.test,serial_not_lower,12x\n' \
    "$LAB_KNOT_ADDR" "$LAB_KNOT_ADDR" > "$tmp/bad.csv"
expect "csv error names file:line and field" 64 "bad.csv:3: field 'serial': '12x'" -- \
    "$bin" probe --file "$tmp/bad.csv"
printf 'nameserver,zone_name,colour\n' > "$tmp/badcol.csv"
expect "csv unknown column" 64 "badcol.csv:1: field 'colour': unknown column" -- \
    "$bin" probe --file "$tmp/badcol.csv"
expect "csv missing file" 64 "cannot open" -- "$bin" probe --file "$tmp/nope.csv"

# dnsprop assess: NetDNS-style convergence, exit 0 converged / 1 not
printf 'source,presence,name,type,class,ttl,rdata\n,present,a.test.,A,IN,60,192.0.2.1\nknot,present,A.Test,A,,300,192.0.2.1\nbind,present,a.test.,A,IN,60,192.0.2.9\n' > "$tmp/recs.csv"
expect "assess: not converged exits 1" 1 '"missing"' -- "$bin" assess --records "$tmp/recs.csv" --master '' --json
expect "assess: names the lagging source" 1 "^missing +bind +a.test. IN A 192.0.2.1" -- \
    "$bin" assess --records "$tmp/recs.csv" --master ''
head -3 "$tmp/recs.csv" > "$tmp/recs-ok.csv" # without bind's stale value
expect "assess: converged exits 0" 0 "^converged" -- "$bin" assess --records "$tmp/recs-ok.csv" --master knot
expect "assess: unknown master" 2 "no record has the source 'x'" -- \
    "$bin" assess --records "$tmp/recs.csv" --master x

# Every record type (probes/rdata.h): records of types beyond the eight
# basic ones go to the primary through the PowerDNS API, and one `probe
# --file` run polls each, spelt differently from what was stored (case,
# hex case, SvcParam order, RFC 3597 \# form), on the primary and the Knot,
# BIND and NSD secondaries until it has propagated.
rz=rrtypes-$$.test.
if "$lab" zone-create "$rz" > "$tmp/zc.out" 2>&1; then
    python3 - "$rz" "$LAB_PDNS_API" "$LAB_PDNS_API_KEY" > "$tmp/types.csv" \
        "$LAB_PDNS_ADDR" "$LAB_KNOT_ADDR" "$LAB_BIND_ADDR" "$LAB_NSD_ADDR" <<'PY'
import csv, json, sys, urllib.request
z, api, key, servers = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
# (owner, type, content stored, value probed)
recs = [
    ("caa", "CAA", '0 issue "ca.example"', '0 issue "ca.example"'),
    ("caa2", "CAA", '0 issue "ca.example"', '0 ISSUE "ca.example"'),  # RFC 8659 4.1
    ("sshfp", "SSHFP", "1 1 abcdef0123456789abcdef0123456789abcdef01",
     "1 1 ABCDEF0123456789ABCDEF0123456789ABCDEF01"),
    ("_443._tcp", "TLSA", "3 1 1 " + "0123456789abcdef" * 4, "3 1 1 ( " + "0123456789ABCDEF " * 4 + ")"),
    ("svcb", "SVCB", "1 svc.example. alpn=h2,h3 port=8443", "1 svc.example. port=8443 alpn=h2,h3"),
    ("https", "HTTPS", "1 . alpn=h2 ipv4hint=192.0.2.1", r"\# 18 0001 00 0001 0003 026832 0004 0004 c0000201"),
    ("naptr", "NAPTR", '100 10 "U" "E2U+sip" "!^.*$!sip:info@example.com!" .',
     '100 10 "u" "E2U+sip" "!^.*$!sip:info@example.com!" .'),
    ("loc", "LOC", "52 22 23.000 N 4 53 32.000 E -2.00m 1.00m 10000.00m 10.00m", "52 22 23 N 4 53 32 E -2m"),
    ("deleg", "DS", "60485 5 1 2bb183af5f22588179a53b0a98631fad1a292118",
     "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118"),
    ("_http._tcp", "URI", '10 1 "https://example.com/"', '10 1 "https://example.com/"'),
    ("unk", "TYPE65534", r"\# 4 0a000001", r"\# 4 0A 00 00 01"),
    ("dname", "DNAME", "target.example.", "Target.EXAMPLE."),
    ("rp", "RP", "mbox.example. txt.example.", "MBox.example. TXT.example."),
    ("cert", "CERT", "1 0 0 Zm9v", "PKIX 0 0 Zm9v"),
    ("pgp", "OPENPGPKEY", "Zm9vYmFy", "Zm9v YmFy"),
    ("spf", "SPF", '"v=spf1 -all"', r"\# 12 0b763d73706631202d616c6c"),
    ("mx", "MX", "10 mail.example.", "10 Mail.Example."),
    ("v6", "AAAA", "2001:db8::1", "2001:DB8:0::1"),
]
# the DS sits at a delegation (RFC 4035 2.4), answered by the parent; sub
# is a delegation with in-zone glue: every server answers below it with a
# referral, measured in its authority (NS) and additional (glue) sections
sets = [{"name": "deleg." + z, "type": "NS", "ttl": 60, "changetype": "REPLACE",
         "records": [{"content": "ns.example.", "disabled": False}]},
        {"name": "sub." + z, "type": "NS", "ttl": 60, "changetype": "REPLACE",
         "records": [{"content": "ns1.sub." + z, "disabled": False},
                     {"content": "ns2.example.", "disabled": False}]},
        {"name": "ns1.sub." + z, "type": "A", "ttl": 60, "changetype": "REPLACE",
         "records": [{"content": "192.0.2.53", "disabled": False}]}]
for owner, t, content, _ in recs:
    sets.append({"name": owner + "." + z, "type": t, "ttl": 60, "changetype": "REPLACE",
                 "records": [{"content": content, "disabled": False}]})
req = urllib.request.Request(api + "/zones/" + z, method="PATCH",
                             data=json.dumps({"rrsets": sets}).encode(),
                             headers={"X-API-Key": key, "Content-Type": "application/json"})
urllib.request.urlopen(req).read()
w = csv.writer(sys.stdout)
neg = csv.writer(open("types-never.csv", "w"))
w.writerow(["id", "nameserver", "name", "type", "condition", "value", "timeout", "frequency"])
neg.writerow(["id", "nameserver", "name", "type", "condition", "value", "timeout", "frequency"])
for i, ns in enumerate(servers):
    for owner, t, _, probed in recs:
        w.writerow([f"{i} {owner} {t}", ns, owner + "." + z, t, "value_present", probed, 20, 0.1])
    # a value that differs (CAA value case is significant) never shows
    neg.writerow([f"{i} never", ns, "caa." + z, "CAA", "value_present", '0 issue "CA.example"', 1, 0.2])
    # the delegation by its referral, exactly; its glue; the cut is no NODATA
    w.writerow([f"{i} sub NS", ns, "SUB." + z, "NS", "value_present", "NS2.example.", 20, 0.1])
    w.writerow([f"{i} glue A", ns, "ns1.sub." + z, "A", "value_present", "192.0.2.53", 20, 0.1])
    neg.writerow([f"{i} cut never", ns, "sub." + z, "NS", "empty_response", "", 1, 0.2])
PY
    # what must show (waits for the secondaries), then, once it has, what
    # must not (never, and a delegation is no NODATA)
    out=$("$bin" probe --file "$tmp/types.csv" --json 2>&1)
    rc=$?
    [ $rc -eq 0 ] && out+=$'\n'$("$bin" probe --file "$tmp/types-never.csv" --json 2>&1)
    rc=$((rc + $?))
    if [ $rc -eq 1 ] && python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in sys.argv[1].splitlines() if l.startswith("{")]
assert len(rows) == 4 * 22, len(rows)
subs = [r for r in rows if r["id"].endswith(" sub NS")]
assert all(sorted(r["values"]) == ["ns1.sub." + r["name"][4:], "ns2.example."] for r in subs), subs
bad = [r for r in rows if (r["status"] == "TIMEOUT") != r["id"].endswith("never")]
assert not bad, "\n".join(f'{r["id"]} {r["nameserver"]}: {r["status"]} {r["values"]}' for r in bad)
caa = [r for r in rows if r["id"].endswith(" caa2 CAA")]
assert all(r["values"] == ['0 issue "ca.example"'] for r in caa), caa
PY
    then ok "every record type on primary, knot, bind, nsd"; else ko "every record type (exit $rc)" "$out"; fi
    "$lab" zone-delete "$rz" > /dev/null 2>&1
else
    ko "every record type: zone-create" "$(cat "$tmp/zc.out")"
fi

# SIGINT: pending polls are cancelled and reported, exit 130
"$bin" probe --ns "$LAB_KNOT_ADDR" --name www.lab.test --condition value_present \
    --value 203.0.113.1 --timeout 60 --frequency 0.1 > "$tmp/sig.out" 2>&1 &
pid=$!
sleep 1
kill -INT "$pid"
wait "$pid"
rc=$?
if [ $rc -eq 130 ] && grep -q '^CANCELLED' "$tmp/sig.out"; then
    ok "sigint cancels"
else
    ko "sigint cancels (exit $rc)" "$(cat "$tmp/sig.out")"
fi

# --file is read as it is probed, at most --max-pending polls at once:
# 300 never-satisfied polls of 1 s, 100 at a time, take three rounds, and
# every request still gets its result
{
    echo "id,nameserver,name,type,condition,value,timeout,frequency"
    for ((i = 0; i < 300; i++)); do
        echo "w$i,$LAB_KNOT_ADDR,www.lab.test,A,value_present,203.0.113.9,1,0.2"
    done
} > "$tmp/window.csv"
t0=$(date +%s.%N)
"$bin" probe --file "$tmp/window.csv" --max-pending 100 --json --no-store \
    > "$tmp/window.out" 2> "$tmp/window.err"
rc=$?
el=$(python3 -c "import time; print(round(time.time() - $t0, 1))")
if [ $rc = 1 ] && python3 - "$tmp/window.out" "$el" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 300 and {r["id"] for r in rows} == {f"w{i}" for i in range(300)}, len(rows)
assert all(r["status"] == "TIMEOUT" for r in rows)
starts = sorted(r["start_time"] for r in rows)
# three rounds of 100: the last request started at least 2 s after the first
assert starts[-1] - starts[0] >= 1.9, starts[-1] - starts[0]
# never more than 100 at once: at any start, fewer than 100 others running
ends = sorted(r["start_time"] + r["lower_bound"] for r in rows)
import bisect
for s in starts:
    running = bisect.bisect_right(starts, s) - bisect.bisect_right(ends, s)
    assert running <= 100 + 1, running
assert float(sys.argv[2]) >= 2.5, sys.argv[2]
PY
then
    ok "--max-pending 100: 300 requests in rounds of 100, every one answered (${el} s)"
else
    ko "--max-pending (exit $rc, ${el} s)" "$(tail -3 "$tmp/window.err")"
fi
# a bad line far down a file is found before anything is probed
cp "$tmp/window.csv" "$tmp/bad.csv"
echo "w300,$LAB_KNOT_ADDR,www.lab.test,A,value_present,not-an-address,1,0.2" >> "$tmp/bad.csv"
"$bin" probe --file "$tmp/bad.csv" --no-store > "$tmp/bad.out" 2> "$tmp/bad.err"
rc=$?
if [ $rc = 64 ] && [ ! -s "$tmp/bad.out" ] && grep -q "bad.csv:302" "$tmp/bad.err"; then
    ok "a bad request on line 302 is refused before any is probed"
else
    ko "bad line (exit $rc)" "$(head -3 "$tmp/bad.out" "$tmp/bad.err")"
fi

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
