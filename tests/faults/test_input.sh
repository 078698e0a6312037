#!/usr/bin/env bash
# Fault tests, hostile input (issue 12, case 3 and the input parts of 12):
# special files as the scenario, its include, the operation table, a zone
# file and its $INCLUDE are refused at once (no spin, no growing memory);
# over-size files are refused by the limit the message names; include
# loops are errors; zones = 0 with record operations is an error, not a
# PASS that ran nothing; a non-UTF-8 CSV cell is an error at FILE:LINE,
# not a field missing from the JSON; an over-long scenario line is named
# at its own line; ${VAR} values are whole or an error; messages escape
# the input's control bytes. Needs no lab: every case fails before any
# server is contacted. Usage: tests/faults/test_input.sh ./dnsprop-asan
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:-./dnsprop-asan}")
. tests/cli/lib.sh
tmp=$(mktemp -d)
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
cd "$tmp" || exit 1

# run_bounded SECONDS OUT -- CMD...: run CMD, SIGKILLed after SECONDS (the
# run command catches SIGTERM), its output in OUT, its exit status in
# OUT.rc (137: killed) and the largest RSS seen (kB) in OUT.rss; one
# past 400 MB is killed there, not left to eat the machine.
run_bounded() {
    local secs=$1 out=$2 pid rss max=0 i
    shift 3
    "$@" > "$out" 2>&1 &
    pid=$!
    for ((i = 0; i < secs * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null)
        [ -n "$rss" ] && [ "$rss" -gt "$max" ] && max=$rss
        [ "$max" -gt 400000 ] && break # growing without bound: stop it here
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null
    echo $? > "$out.rc"
    echo "$max" > "$out.rss"
}

# bounded NAME WANT PATTERN -- CMD...: exit WANT within 10 s, output
# matching PATTERN, RSS under 300 MB (ASan's shadow included).
bounded() {
    local name=$1 want=$2 pat=$3 rc rss
    shift 4
    run_bounded 10 out.txt -- "$@"
    rc=$(cat out.txt.rc)
    rss=$(cat out.txt.rss)
    if [ "$rc" != "$want" ]; then
        ko "$name (exit $rc, want $want within 10 s; RSS $rss kB)" "$(tail -c 400 out.txt)"
    elif ! grep -qE -- "$pat" out.txt; then
        ko "$name (no /$pat/ in output)" "$(tail -c 400 out.txt)"
    elif [ "$rss" -gt 300000 ]; then
        ko "$name (RSS $rss kB)"
    else
        ok "$name"
    fi
}

# scen FILE [LINES...]: a scenario whose target and nameserver nothing
# contacts (every case here fails or ends before that), then LINES.
scen() {
    local f=$1
    shift
    printf '%s\n' "[campaign]" "name = input" "results = $tmp/results" \
        "[target t]" "type = powerdns" "url = http://127.0.0.1:1" "api_key = k" \
        "[nameserver a]" "address = 127.0.0.1:1" "role = primary" "$@" > "$f"
}
phase=("[phase p]" "zones = 1" "count = 1" "rate = 1" "mix = record_create")

# ---- case 3: special and over-size files --------------------------------------------
mkfifo fifo
truncate -s 2M big.ini
truncate -s 2G big.csv
scen inc_zero.ini "[campaign]" "include = /dev/zero" "${phase[@]}"
bounded "include = /dev/zero: refused at once" 2 \
    "inc_zero.ini:12: \[campaign\] include: /dev/zero: not a regular file \(a character device\)" \
    -- "$bin" run --dry-run inc_zero.ini
scen inc_fifo.ini "[campaign]" "include = $tmp/fifo" "${phase[@]}"
bounded "include = a FIFO nobody writes to: refused, the open does not block" 2 \
    "include: $tmp/fifo: a FIFO that gave nothing to read \(no writer\?\)" \
    -- "$bin" run --dry-run inc_fifo.ini
scen inc_big.ini "[campaign]" "include = $tmp/big.ini" "${phase[@]}"
bounded "include = a 2 MB file: refused, the limit named" 2 \
    "big.ini: is 2097152 bytes, over the limit of 1048576 bytes" -- "$bin" run --dry-run inc_big.ini
bounded "the scenario itself a device: refused" 2 "/dev/zero: not a regular file" \
    -- "$bin" run --dry-run /dev/zero
scen loop.ini "[campaign]" "include = $tmp/loop.ini" "${phase[@]}"
bounded "include loop: an error naming it" 2 \
    "loop.ini:12: \[campaign\] include: $tmp/loop.ini: an include loop" -- "$bin" run --dry-run loop.ini
scen ops_zero.ini "[operations]" "file = /dev/zero"
bounded "[operations] file = /dev/zero: refused, memory flat" 2 \
    "/dev/zero: not a regular file \(a character device\)" -- "$bin" run --no-store ops_zero.ini
scen ops_fifo.ini "[operations]" "file = $tmp/fifo"
bounded "[operations] file = a FIFO nobody writes to: refused" 2 \
    "fifo: a FIFO that gave nothing to read" \
    -- "$bin" run --no-store ops_fifo.ini
scen ops_big.ini "[operations]" "file = $tmp/big.csv"
bounded "[operations] file = 2 GB: refused by its size" 2 \
    "big.csv: is 2147483648 bytes, over the limit of 67108864 bytes" -- "$bin" run --no-store ops_big.ini
bounded "probe --file /dev/zero: refused" 64 "/dev/zero: not a regular file" \
    -- "$bin" probe --file /dev/zero
printf '$ORIGIN z.test.\n@ 60 IN SOA ns hm 1 2 3 4 5\n@ 60 IN NS ns\n$INCLUDE /dev/zero\n' > z.zone
scen zf.ini "[phase s]" "zonefile = $tmp/z.zone" "zone = z.test."
bounded "zone file \$INCLUDE /dev/zero: refused at its line" 2 \
    "z.zone:4: \\\$INCLUDE /dev/zero: not a regular file" -- "$bin" run --dry-run zf.ini
scen zf_fifo.ini "[phase s]" "zonefile = $tmp/fifo" "zone = z.test."
bounded "zonefile = a FIFO nobody writes to: refused, the open does not block" 2 \
    "fifo: the zone file: a FIFO that gave nothing to read" -- "$bin" run --dry-run zf_fifo.ini
# A pipe with a writer is read like a file, to the same bound.
expect "the scenario from a pipe: read" 0 "" \
    -- "$bin" run --dry-run --quiet <(cat inc_big.ini | sed '/include/d')
expect "the scenario on stdin: read" 0 "" \
    -- sh -c "sed '/include/d' inc_big.ini | '$bin' run --dry-run --quiet /dev/stdin"
bounded "a pipe giving 2 MB: cut at the bound, refused" 2 \
    "gave over the limit of 1048576 bytes while being read" \
    -- "$bin" run --dry-run <(cat inc_big.ini; head -c 2M /dev/zero | tr '\0' '#')

# ---- case 12: zones = 0 with record operations ----------------------------------------
scen zones0.ini "[phase p]" "zones = 0" "count = 5" "rate = 5" "mix = record_create record_update"
bounded "zones = 0 with record operations: an error at FILE:LINE, not PASS" 2 \
    "zones0.ini:12: \[phase p\] zones: 0 and no earlier phase makes a zone" \
    -- "$bin" run --no-store zones0.ini

# ---- case 12: a non-UTF-8 CSV cell --------------------------------------------------
printf 'id,nameserver,zone_name,condition,timeout,frequency\nok\377id,127.0.0.1:9,lab.test,empty_response,0.3,0.1\n' > nonutf.csv
bounded "non-UTF-8 CSV id: an error at FILE:LINE, not a dropped field" 64 \
    "nonutf.csv:2: field 'id': 'ok\\\\xffid' is not UTF-8" -- "$bin" probe --file nonutf.csv --json
printf 'at,op,zone,name,type,ttl,value\n0,record_create,z.test.,www,TXT,60,"caf\351"\n' > nonutf_ops.csv
scen ops_nonutf.ini "[operations]" "file = $tmp/nonutf_ops.csv"
bounded "non-UTF-8 operation value: an error at FILE:LINE" 2 \
    "nonutf_ops.csv:2: field 'value': 'caf\\\\xe9' is not UTF-8" -- "$bin" run --no-store ops_nonutf.ini

# ---- case 12: long lines and long ${VAR} values ---------------------------------------
long=$(head -c 300 /dev/zero | tr '\0' a)
scen long300.ini "[metrics]" "prefix = $long" "${phase[@]}"
bounded "a 300-byte line loads (inih's 200-byte buffer was 'not INI')" 0 "" \
    -- "$bin" run --dry-run long300.ini
huge=$(head -c 5000 /dev/zero | tr '\0' a)
scen long5k.ini "[metrics]" "; $huge" "prefix = x" "${phase[@]}"
bounded "a 5002-byte line: too long, at its own line" 2 \
    "long5k.ini:12: the line is 5002 bytes, over the limit of 4096" -- "$bin" run --dry-run long5k.ini
scen var.ini "[campaign]" 'results = ${DP_HUGE}' "${phase[@]}"
bounded "\${VAR} over 65,536 bytes: an error, not cut" 2 \
    "var.ini:12: \[campaign\] results: the value, \\\$\{...\} expanded, is over 65536 bytes" \
    -- env DP_HUGE="$(head -c 70000 /dev/zero | tr '\0' r)" "$bin" run --dry-run var.ini

# ---- case 12: control bytes in messages ---------------------------------------------
scen esc.ini "[campaign]" "$(printf 'seed = \033]0;pwned\007\033[2J')" "${phase[@]}"
run_bounded 10 out.txt -- "$bin" run --dry-run esc.ini
if [ "$(cat out.txt.rc)" = 2 ] && ! grep -q $'\033' out.txt &&
    grep -qF "'\x1b]0;pwned\x07\x1b[2J' is not a whole number" out.txt; then
    ok "a message quoting input escapes its control bytes"
else
    ko "control bytes (exit $(cat out.txt.rc))" "$(cat -v out.txt)"
fi

echo "input: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
