#!/usr/bin/env bash
# The campaign plots (plot/plots.c) through build/plot-tool on a synthetic
# campaign: every PNG rendered by gnuplot at the configured size, names
# that try to inject gnuplot (and shell) commands shown as text, the same
# data twice giving the same files, and scripts and data left with a
# message when gnuplot is missing.
# Usage: tests/cli/test_plots.sh [build/plot-tool]   (no lab needed)
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
tool=${1:+$(readlink -f "$1")}
cd "$(dirname "$0")/../.." || exit 1
[ -n "$tool" ] || tool=$(project_tool plot-tool) || { echo "cannot build plot-tool"; exit 1; }
need_tools test_plots.sh gnuplot python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The injection string: quotes, a backslash, backquotes, $(...), a
# newline, gnuplot system() calls (one that runs if a quote ends the
# literal early, one as a shell command line after a newline) and a
# macro. Each command would create a file under $tmp.
evil="a'b\"c\\d\`touch $tmp/PWNED\`\$(touch $tmp/PWNED2) newline
then system(\"touch $tmp/PWNED3\") @x ''' x' . system(\"touch $tmp/PWNED4\") . '
!touch $tmp/PWNED5
\\"
export EVIL=$evil

# A campaign: 4 nameservers (one named with the injection string),
# 4 operation kinds, a steady phase then a ramp (2..20/s), timeouts and
# errors, a timeline of cumulative counters. Deterministic (seeded).
gen() { # gen FILE [evil|plain] [timeline|none]
    python3 - "$@" <<'PY'
import json, os, random, sys
out, mode, tl = sys.argv[1], sys.argv[2], sys.argv[3]
evil = os.environ["EVIL"] if mode == "evil" else "secondary-3"
rnd = random.Random(7)
start = 1763780000.0
ns = [("primary", "127.0.0.1:5301", "primary", 0.001, 0.004),
      ("knot", "127.0.0.1:5302", "secondary", 0.3, 0.6),
      ("bind", "127.0.0.1:5303", "secondary", 0.5, 0.9),
      (evil, "127.0.0.1:5304", "secondary", 0.8, 1.5)]
kinds = ["record_create", "record_update", "record_delete", "zone_create"]
phases = [{"name": "steady", "rate_from": 5.0, "rate_to": 5.0, "duration": 20, "count": 0},
          {"name": "ramp " + evil if mode == "evil" else "ramp", "rate_from": 2.0,
           "rate_to": 20.0, "duration": 30, "count": 0}]
meta = {"name": "plots-" + (evil if mode == "evil" else "demo"),
        "campaign": "plots-demo-20251122T030000Z", "start": start,
        "nameservers": [{"name": n, "addr": a, "role": r} for n, a, r, _, _ in ns],
        "phases": phases}
results, seq, t, opid = [], 0, 0.0, 0
events = []  # (time, what) for the timeline
for ph in phases:
    t0 = t
    while t < t0 + ph["duration"]:
        frac = (t - t0) / ph["duration"]
        rate = ph["rate_from"] + (ph["rate_to"] - ph["rate_from"]) * frac
        opid += 1
        kind = kinds[0] if opid < 5 else rnd.choice(kinds)
        sub = start + t
        ack = sub + rnd.uniform(0.01, 0.05)
        zone = ("z1." + evil + ".example.") if mode == "evil" else "z1.example."
        events.append((ack - start, "offered"))
        events.append((ack - start, "acked"))
        load = 1 + (rate / 20.0 if ph["rate_from"] != ph["rate_to"] else 0.2)
        for n, a, r, lo, hi in ns:
            seq += 1
            d = rnd.uniform(lo, hi) * load
            status, dur, lb, reason = "COMPLETED", d, max(0.0, d - 0.1), ""
            x = rnd.random()
            if r != "primary" and x < 0.02:
                status, dur, lb = "TIMEOUT", None, 5.0
            elif r != "primary" and x < 0.035:
                status, dur, lb, reason = "ERROR", None, rnd.uniform(0.1, 1.0), "REFUSED"
            results.append({"seq": seq, "op_id": opid, "op_kind": kind, "phase": ph["name"],
                            "offered_rate": round(rate, 3), "zone": zone,
                            "name": "a%d.%s" % (opid, zone), "type": "TXT", "ns_name": n,
                            "nameserver": a, "vantage": "host", "status": status,
                            "start_time": ack, "submit_time": sub, "ack_time": ack,
                            "lower_bound": lb, "duration": dur,
                            "queries": int((lb if dur is None else dur) / 0.1) + 1,
                            "reason": reason})
            events.append((ack - start + (lb if dur is None else dur), "done"))
        t += 1.0 / rate
if tl == "timeline":
    cols = ["t", "offered", "acked", "failed", "polls_submitted", "polls_done",
            "completed", "timeouts", "errors", "queries"]
    rows = []
    for s in range(0, int(t) + 3):
        off = sum(1 for e, w in events if w == "offered" and e <= s)
        ack = sum(1 for e, w in events if w == "acked" and e <= s)
        done = sum(1 for e, w in events if w == "done" and e <= s)
        rows.append([float(s), off, ack, 0, ack * 4, done, done, 0, 0, done * 6 + s * 40])
    meta["timeline"] = {"interval": 1.0, "columns": cols, "rows": rows}
with open(out, "w") as f:
    f.write(json.dumps(meta) + "\n")
    for r in results:
        f.write(json.dumps(r) + "\n")
PY
}

# png_size FILE: "WIDTHxHEIGHT" from the IHDR chunk, or why it is no PNG.
png_size() {
    python3 - "$1" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read(33)
if b[:8] != b"\x89PNG\r\n\x1a\n" or b[12:16] != b"IHDR":
    print("not a PNG")
else:
    w, h = struct.unpack(">II", b[16:24])
    print("%dx%d" % (w, h))
PY
}

plots="propagation cdf percentiles rates ramp convergence"

# check_render DIR SIZE: every plot's script, data and PNG of that size.
check_render() {
    local dir=$1 size=$2 p
    for p in $plots; do
        if [ ! -s "$dir/$p.gp" ] || [ ! -s "$dir/$p.dat" ]; then
            ko "$size: $p.gp and $p.dat written"
            continue
        fi
        local got
        got=$(png_size "$dir/$p.png" 2>&1)
        if [ "$got" = "$size" ]; then ok "$size: $p.png is a ${size} PNG"
        else ko "$size: $p.png is a ${size} PNG (got: $got)"; fi
    done
}

gen "$tmp/evil.jsonl" evil timeline
gen "$tmp/plain.jsonl" plain timeline
gen "$tmp/nophase.jsonl" plain none

# 1. the injection campaign, default size, then a second size
out=$("$tool" "$tmp/evil" "$tmp/evil.jsonl" 2>&1)
rc=$?
if [ $rc -eq 0 ]; then ok "evil names: rendered"; else ko "evil names: rendered (exit $rc)" "$out"; fi
check_render "$tmp/evil" 1280x720
for f in PWNED PWNED2 PWNED3 PWNED4 PWNED5; do
    if [ -e "$tmp/$f" ]; then ko "evil names: no $f"; else ok "evil names: no $f"; fi
done
if grep -q "warning\|error" "$tmp/evil/gnuplot.log" 2>/dev/null; then
    ko "evil names: gnuplot.log clean" "$(head -20 "$tmp/evil/gnuplot.log")"
else
    ok "evil names: gnuplot.log clean"
fi
# the index names each plot in a fixed order, with its PNG
names=$(python3 -c 'import json,sys; print(" ".join(e["name"] for e in json.load(sys.stdin) if e["png"] == e["name"] + ".png"))' <<<"$out")
if [ "$names" = "$plots" ]; then ok "index: every plot, in order"; else ko "index: every plot, in order (got: $names)" "$out"; fi

out=$("$tool" "$tmp/small" "$tmp/evil.jsonl" 800x600 2>&1)
rc=$?
if [ $rc -eq 0 ]; then ok "800x600: rendered"; else ko "800x600: rendered (exit $rc)" "$out"; fi
check_render "$tmp/small" 800x600

# 2. the same data twice: byte-identical scripts and data
"$tool" "$tmp/again" "$tmp/evil.jsonl" >/dev/null 2>&1
if diff -r -q --exclude='*.png' --exclude=gnuplot.log "$tmp/evil" "$tmp/again" >/dev/null; then
    ok "deterministic: same .gp and .dat"
else
    ko "deterministic: same .gp and .dat" "$(diff -r --exclude='*.png' --exclude=gnuplot.log "$tmp/evil" "$tmp/again" | head)"
fi

# 3. no timeline, no phases metadata: no rates plot; the ramp plot from
# the changes' offered rates
python3 - "$tmp/nophase.jsonl" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
meta = json.loads(lines[0])
del meta["phases"]
lines[0] = json.dumps(meta)
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
out=$("$tool" "$tmp/nophase" "$tmp/nophase.jsonl" 2>&1)
rc=$?
names=$(python3 -c 'import json,sys; print(" ".join(e["name"] for e in json.load(sys.stdin)))' <<<"$out" 2>&1)
if [ $rc -eq 0 ] && [ "$names" = "propagation cdf percentiles ramp convergence" ] &&
    [ ! -e "$tmp/nophase/rates.gp" ]; then
    ok "no timeline: rates left out"
else
    ko "no timeline: rates left out (exit $rc, plots: $names)" "$out"
fi

# 4. a steady campaign (no ramp) and a campaign without results
grep -v '"phase": "ramp"' "$tmp/plain.jsonl" | python3 -c '
import json, sys
lines = sys.stdin.read().splitlines()
meta = json.loads(lines[0]); meta["phases"] = meta["phases"][:1]
print(json.dumps(meta)); print("\n".join(lines[1:]))' >"$tmp/steady.jsonl"
out=$("$tool" "$tmp/steady" "$tmp/steady.jsonl" 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ ! -e "$tmp/steady/ramp.gp" ] && [ -s "$tmp/steady/rates.png" ]; then
    ok "steady campaign: no ramp plot"
else
    ko "steady campaign: no ramp plot (exit $rc)" "$out"
fi
head -1 "$tmp/plain.jsonl" >"$tmp/empty.jsonl"
out=$("$tool" "$tmp/empty" "$tmp/empty.jsonl" 2>&1)
rc=$?
names=$(python3 -c 'import json,sys; print(" ".join(e["name"] for e in json.load(sys.stdin)))' <<<"$out" 2>&1)
if [ $rc -eq 0 ] && [ "$names" = "rates" ]; then
    ok "no results: only the rates plot"
else
    ko "no results: only the rates plot (exit $rc, plots: $names)" "$out"
fi

# 5. gnuplot missing: a program that does not exist, then a PATH without
# gnuplot; the scripts and data stay, the message says how to render
expect "gnuplot missing (DNSPROP_GNUPLOT)" 1 \
    "gnuplot not found .*render them with: cd .*/nognuplot && gnuplot \*\.gp" -- \
    env DNSPROP_GNUPLOT="$tmp/no/such/gnuplot" "$tool" "$tmp/nognuplot" "$tmp/evil.jsonl"
n=$(find "$tmp/nognuplot" -name '*.gp' -o -name '*.dat' | wc -l)
if [ "$n" -eq 12 ] && [ -z "$(find "$tmp/nognuplot" -name '*.png')" ]; then
    ok "gnuplot missing: scripts and data left, no PNG"
else
    ko "gnuplot missing: scripts and data left, no PNG ($n files)" "$(ls "$tmp/nognuplot")"
fi
out=$(DNSPROP_GNUPLOT=/nonexistent/gnuplot "$tool" "$tmp/nognuplot" "$tmp/evil.jsonl" 2>/dev/null)
n=$(grep -c '"png": null' <<<"$out")
if [ "$n" -eq 6 ]; then ok "gnuplot missing: every png null in the index"
else ko "gnuplot missing: every png null in the index ($n)" "$out"; fi
mkdir -p "$tmp/bin"
expect "gnuplot missing (PATH)" 1 "gnuplot not found \(gnuplot\)" -- \
    env PATH="$tmp/bin" "$tool" "$tmp/nopath" "$tmp/evil.jsonl"
# ... and rendering them as the message says gives the same PNGs
if (cd "$tmp/nognuplot" && gnuplot ./*.gp) 2>/dev/null && [ "$(png_size "$tmp/nognuplot/ramp.png")" = 1280x720 ] &&
    cmp -s "$tmp/nognuplot/cdf.png" "$tmp/evil/cdf.png"; then
    ok "gnuplot *.gp renders the left scripts"
else
    ko "gnuplot *.gp renders the left scripts"
fi

# 6. gnuplot failing: a script gnuplot rejects is reported with its log
cat >"$tmp/bin/gnuplot" <<'SH'
#!/bin/sh
echo "line 1: simulated failure" >&2
exit 1
SH
chmod +x "$tmp/bin/gnuplot"
expect "gnuplot failing" 1 "gnuplot failed on .*propagation.gp \(exit 1\): line 1: simulated failure" -- \
    env DNSPROP_GNUPLOT="$tmp/bin/gnuplot" "$tool" "$tmp/failing" "$tmp/evil.jsonl"

# 7. escaping, directly: gnuplot reads each literal back as the text
# shown, runs nothing and expands no macro
python3 - "$tmp" >"$tmp/strings.jsonl" <<'PY'
import json, random, sys
tmp = sys.argv[1]
fixed = ["", "'", "''", "'''", "a'", "'a", "a''b", "a'''b", "\\", "a\\", "\\'",
         "`touch %s/PWNED4`" % tmp, "'`touch %s/PWNED5`'" % tmp,
         "\"`touch %s/PWNED6`\"" % tmp, "@x", "'@x'", "\"@x\"", "a\nb\r\tc\x7f",
         "system(\"touch %s/PWNED7\")" % tmp, "#c", "a;b", "é ü ☃", "\x80\xff"]
rnd = random.Random(1)
alpha = "a'\"\\`@#;$() \n" + "x"
rand = ["".join(rnd.choice(alpha) for _ in range(rnd.randint(1, 12))) for _ in range(300)]
for s in fixed + rand:
    print(json.dumps(s))
PY
"$tool" --gp-string <"$tmp/strings.jsonl" >"$tmp/lits" || ko "gp-string"
{
    echo "x = 'MACRO'"
    echo "set print '$tmp/printed'"
    sed 's/^/print /' "$tmp/lits"
} >"$tmp/strings.gp"
if gnuplot "$tmp/strings.gp" 2>"$tmp/strings.err"; then ok "escaping: gnuplot reads every literal"
else ko "escaping: gnuplot reads every literal" "$(head "$tmp/strings.err")"; fi
bad=$(python3 - "$tmp/lits" "$tmp/printed" <<'PY'
import sys
lits = open(sys.argv[1], encoding="utf-8").read().splitlines()
printed = open(sys.argv[2], encoding="utf-8").read().splitlines()
bad = 0
if len(lits) != len(printed):
    print("%d literals, %d printed" % (len(lits), len(printed)))
    sys.exit()
for lit, got in zip(lits, printed):
    want = lit[1:-1].replace("''", "'")
    if got != want or "MACRO" in got:
        bad += 1
        print("%r printed as %r" % (lit, got))
PY
)
if [ -z "$bad" ]; then ok "escaping: each literal printed as its text"; else ko "escaping: each literal printed as its text" "$bad"; fi
pw=$(find "$tmp" -name 'PWNED*')
if [ -z "$pw" ]; then ok "escaping: nothing ran"; else ko "escaping: nothing ran" "$pw"; fi

echo "plots: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
