#!/usr/bin/env bash
# The probe engine under valgrind: no leak, no invalid access, with
# results that complete, time out, fail, and polls cancelled at shutdown.
set -uo pipefail
bin=${1:-./dnsprop}
: "${LAB_KNOT_ADDR:?needs the lab}"
tmp=$(mktemp -d)
# Work in the temp dir: results (and the embedded redis) go there, not
# into the repository's results/.
bin=$(readlink -f "$bin")
cd "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/req.csv" <<CSV
nameserver,zone_name,name,type,condition,serial,value,timeout,frequency
$LAB_KNOT_ADDR,lab.test,,,serial_not_lower,1,,3,0.1
$LAB_BIND_ADDR,,multi.lab.test,A,value_present,,192.0.2.11,3,0.1
$LAB_NSD_ADDR,,nothing.lab.test,,empty_response,,,3,0.1
$LAB_KNOT_ADDR,,www.lab.test,A,value_present,,198.51.100.7,1,0.1
127.0.0.1:9,lab.test,,,empty_response,,,1,0.1
CSV
valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
    --error-exitcode=99 "$bin" probe --file "$tmp/req.csv" > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ $rc -eq 99 ]; then
    echo "valgrind found errors:"; cat "$tmp/err"; exit 1
fi
if [ $rc -ne 2 ] || [ "$(wc -l < "$tmp/out")" -ne 5 ]; then
    echo "unexpected exit $rc or output:"; cat "$tmp/out" "$tmp/err"; exit 1
fi
# cancellation path: SIGTERM while polls (and queries) are pending
cat > "$tmp/long.csv" <<CSV
nameserver,name,type,condition,value,timeout,frequency
$LAB_KNOT_ADDR,www.lab.test,A,value_present,198.51.100.7,60,0.05
$LAB_BIND_ADDR,www.lab.test,A,value_present,198.51.100.7,60,0.05
127.0.0.1:9,www.lab.test,A,value_present,198.51.100.7,60,0.05
CSV
valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
    --error-exitcode=99 "$bin" probe --file "$tmp/long.csv" > "$tmp/out2" 2> "$tmp/err2" &
pid=$!
sleep 3
kill -TERM "$pid"
wait "$pid"
rc=$?
if [ $rc -ne 130 ] || [ "$(grep -c '^CANCELLED' "$tmp/out2")" -ne 3 ]; then
    echo "valgrind after SIGTERM: exit $rc"; cat "$tmp/err2" "$tmp/out2"; exit 1
fi
echo "valgrind: clean"
