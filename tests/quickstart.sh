#!/usr/bin/env bash
# make run: start the lab of real nameservers (PowerDNS primary; Knot, BIND
# and NSD secondaries), make changes through the PowerDNS API and measure
# with `dnsprop probe` how long each takes to reach every nameserver.
# Results (text and JSON lines) go to results/quickstart-<UTC time>/.
# KEEP_LAB=1 leaves the lab running afterwards (stop it with
# `tests/lab/lab.sh down DIR`).
set -euo pipefail
cd "$(dirname "$0")/.."

out="results/quickstart-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dnsprop-lab.XXXXXX")
export LAB_DIR
if [ "${KEEP_LAB:-0}" != 1 ]; then
    trap 'tests/lab/lab.sh down "$LAB_DIR" >/dev/null 2>&1 || true' EXIT
fi
echo "== starting the lab in $LAB_DIR"
eval "$(tests/lab/lab.sh up)"

api() { # METHOD PATH [BODY]
    curl -sf -X "$1" -H "X-API-Key: $LAB_PDNS_API_KEY" \
        ${3:+--data-binary "$3"} "$LAB_PDNS_API$2"
}
serial_of() { # ZONE -> SOA serial as PowerDNS reports it
    api GET "/zones/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["serial"])'
}
now() { date +%s.%N; }

servers=("primary=$LAB_PDNS_ADDR" "knot=$LAB_KNOT_ADDR" "bind=$LAB_BIND_ADDR"
         "nsd=$LAB_NSD_ADDR")
csv="$out/requests.csv"
echo "id,nameserver,zone_name,name,type,condition,serial,value,start_time,frequency,timeout" > "$csv"
add() { # ID-PREFIX ZONE NAME TYPE CONDITION SERIAL VALUE START
    local s
    for s in "${servers[@]}"; do
        echo "$1@${s%%=*},${s#*=},$2,$3,$4,$5,$6,$7,$8,0.05,30" >> "$csv"
    done
}

zone="quick-$(date +%s).test."
echo "== changes through the PowerDNS API at $LAB_PDNS_API"
t=$(now)
api PATCH /zones/lab.test. '{"rrsets":[{"name":"quick.lab.test.","type":"A","ttl":60,"changetype":"REPLACE","records":[{"content":"192.0.2.200","disabled":false}]}]}'
add record_create "" quick.lab.test. A value_present "" 192.0.2.200 "$t"
echo "   record_create quick.lab.test. A 192.0.2.200 at $t"

t=$(now)
tests/lab/lab.sh zone-create "$zone" "$LAB_DIR" 2>/dev/null
add zone_create "$zone" "" SOA serial_not_lower "$(serial_of "$zone")" "" "$t"
echo "   zone_create $zone at $t"

t=$(now)
api PATCH /zones/lab.test. '{"rrsets":[{"name":"www.lab.test.","type":"A","changetype":"DELETE"}]}'
add record_delete "" www.lab.test. A empty_response "" "" "$t"
echo "   record_delete www.lab.test. A at $t"

t=$(now)
api PATCH /zones/lab.test. '{"rrsets":[{"name":"txt.lab.test.","type":"TXT","ttl":60,"changetype":"REPLACE","records":[{"content":"\"hello, again\"","disabled":false}]}]}'
add record_update "" txt.lab.test. TXT value_present "" '"""hello, again"""' "$t"
echo "   record_update txt.lab.test. TXT \"hello, again\" at $t"

echo "== polling every nameserver until each change shows (dnsprop probe --file)"
rc=0
./dnsprop probe --file "$csv" --json --campaign quickstart > "$out/results.jsonl" || rc=$?
python3 - "$out/results.jsonl" <<'PY' | tee "$out/summary.txt"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
rows.sort(key=lambda r: (r["id"].split("@")[0], r["id"]))
print(f'{"change@nameserver":<26} {"status":<10} {"lower":>7} {"duration":>9}  seen')
for r in rows:
    d = "-" if r["duration"] is None else f'{r["duration"]:.3f}'
    seen = r["empty"] or (f'serial {r["serial"]}' if r["serial"] is not None else
                          " ".join(r["values"])) or r["reason"]
    print(f'{r["id"]:<26} {r["status"]:<10} {r["lower_bound"]:>7.3f} {d:>9}  {seen}')
done = sum(r["status"] == "COMPLETED" for r in rows)
print(f"\n{done} of {len(rows)} polls completed; durations in seconds from the API ack,")
print("the true moment lies in (lower, duration].")
PY
echo "== results in $out/ (requests.csv, results.jsonl, summary.txt)"
exit "$rc"
