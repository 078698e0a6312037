#!/usr/bin/env bash
# make bench, step 7: a campaign of a million results, built the way the
# issue measured it: `dnsprop probe --file` of N requests that complete at
# once on a real knotd, stored in a real redis-server, then `dnsprop
# report`. Run at two sizes (BENCH_SCALE_SIZES, default "200000 1000000")
# so that memory per result is a slope, not a total that hides a fixed
# base. Prints, per size:
#   scale: results=N probe_s=S probe_rss_mib=M redis_bytes_per_result=B
#          report_s=R report_rss_mib=Q plots_bytes=P
# then the figures of the largest size with their targets:
#   probe_bytes_per_result=X (<=100) redis_bytes_per_result=Y (<=250)
#   report_s=R (<=20) report_rss_mib=Q (<=256) assess_s=A (<=10)
# Usage: scale.sh [OUTDIR]   (OUTDIR: where to keep the logs; a temp dir)
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
sizes=${BENCH_SCALE_SIZES:-200000 1000000}
bin=./dnsprop
dir=$(mktemp -d "${TMPDIR:-/tmp}/dnsprop-scale.XXXXXX")
knot_pid=
redis_pid=
cleanup() {
    bench_kill "$knot_pid" "$redis_pid"
    rm -rf "$dir"
}
trap cleanup EXIT

# knotd with a zone of 10,000 names (the requests cycle through them)
port=$(bench_free_port)
bench_knot "$dir" scale.test "$port"
rport=$(bench_free_port)
bench_redis "$dir" "$rport"
used() { redis-cli -p "$rport" info memory | tr -d '\r' | sed -n 's/^used_memory://p'; }
url="redis://127.0.0.1:$rport/0"

declare -A probe_kib probe_s redis_b report_s report_kib
for n in $sizes; do
    awk -v n="$n" -v ns="127.0.0.1:$port" 'BEGIN {
        print "id,nameserver,name,type,condition,value,timeout,frequency"
        for (i = 0; i < n; i++)
            printf "r%d,%s,i%d.scale.test,A,value_present,192.0.2.%d,10,0.5\n",
                   i, ns, i % 10000, (i % 10000) % 250 + 1
    }' > "$dir/req.csv"
    before=$(used)
    /usr/bin/time -f '%e %M' -o "$dir/probe.time" "$bin" probe --file "$dir/req.csv" \
        --redis "$url" --results "$dir/results" --campaign "scale$n" --no-report \
        > /dev/null 2> "$dir/probe.err" || {
        echo "scale: dnsprop probe failed:" >&2
        tail -5 "$dir/probe.err" >&2
        exit 1
    }
    after=$(used)
    c=$(redis-cli -p "$rport" zrange dnsprop:campaigns 0 -1 | grep "^scale$n-" | tail -1)
    stored=$(redis-cli -p "$rport" llen "dnsprop:campaign:$c:results")
    [ "$stored" = "$n" ] || { echo "scale: $stored of $n results stored" >&2; exit 1; }
    read -r probe_s[$n] probe_kib[$n] < "$dir/probe.time"
    redis_b[$n]=$(((after - before) / n))
    /usr/bin/time -f '%e %M' -o "$dir/report.time" "$bin" report "$c" --redis "$url" \
        --results "$dir/results" > /dev/null 2> "$dir/report.err" || {
        echo "scale: dnsprop report failed:" >&2
        tail -5 "$dir/report.err" >&2
        exit 1
    }
    read -r report_s[$n] report_kib[$n] < "$dir/report.time"
    plots=$(du -sb "$dir/results/$c" | cut -f1)
    echo "scale: results=$n probe_s=${probe_s[$n]} probe_rss_mib=$((probe_kib[$n] / 1024))" \
        "redis_bytes_per_result=${redis_b[$n]} report_s=${report_s[$n]}" \
        "report_rss_mib=$((report_kib[$n] / 1024)) report_dir_bytes=$plots"
    redis-cli -p "$rport" del "dnsprop:campaign:$c:results" > /dev/null
done

# dnsprop assess: a million records across 4 sources (the master and
# three others, each missing a different 1% of it)
awk 'BEGIN {
    print "source,presence,name,type,class,ttl,rdata"
    for (s = 0; s < 4; s++)
        for (i = 0; i < 250000; i++)
            if (s == 0 || (i % 100) != s)
                printf "%s,present,r%d.scale.test.,A,IN,3600,192.0.2.%d\n",
                       s == 0 ? "master" : "ns" s, i, i % 250 + 1
}' > "$dir/records.csv"
/usr/bin/time -f '%e %M' -o "$dir/assess.time" "$bin" assess --records "$dir/records.csv" \
    --master master > /dev/null 2> "$dir/assess.err" || [ $? = 1 ] || {
    echo "scale: dnsprop assess failed:" >&2
    tail -5 "$dir/assess.err" >&2
    exit 1
}
read -r assess_s assess_kib < <(tail -1 "$dir/assess.time")
records=$(($(wc -l < "$dir/records.csv") - 1))

set -- $sizes
lo=$1
hi=${!#}
slope=$(((probe_kib[$hi] - probe_kib[$lo]) * 1024 / (hi - lo)))
echo "scale: assess records=$records sources=4 assess_s=$assess_s assess_rss_mib=$((assess_kib / 1024))"
echo "probe_bytes_per_result=$slope (<=100) redis_bytes_per_result=${redis_b[$hi]} (<=250)" \
    "report_s=${report_s[$hi]} (<=20) report_rss_mib=$((report_kib[$hi] / 1024)) (<=256)" \
    "assess_s=$assess_s (<=10) results=$hi"
