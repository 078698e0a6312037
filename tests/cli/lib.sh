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
