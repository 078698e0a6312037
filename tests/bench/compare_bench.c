/*
 * compare_bench: what `dnsprop compare` costs as campaigns grow, for
 * tests/bench/bench.sh.
 *
 *   compare_bench N...
 *
 * For each N: two synthetic campaigns of N changes on four nameservers
 * (4 N results each, as the store gives them back: compact records; the
 * load time is the dataset's reading of them), then cmp_run
 * with its defaults (2000 resamples). Prints, per N, the time to load the
 * results, the time of the comparison, and the process's peak RSS growth
 * per result. The bootstrap draws each resample's order statistic from
 * its Beta law, so the comparison grows as the sort (N log N), not as
 * resamples x N.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "harness/common/numparse.h"
#include "harness/common/timebase.h"
#include "plot/compare.h"
#include "plot/dataset.h"
#include "storage/record.h"

static const char *const ns[4] = {"p", "a", "b", "c"};

/* Load time: only the dataset's reading of the records, not their making. */
static int64_t load_ns;

/* One result as the store gives it back: its compact record. */
static void add_as_stored(dataset_t *ds, const char *json)
{
    json_error_t je;
    json_t *o = json_loads(json, 0, &je);
    buf_t b = {0};
    int64_t t;

    if (o != NULL && record_encode(o, false, &b) == 0) {
        t = timebase_mono_ns();
        ds_add_stored(ds, b.p, b.len);
        load_ns += timebase_mono_ns() - t;
    }
    buf_free(&b);
    json_decref(o);
}

static void fill(dataset_t *ds, const char *name, uint32_t n, double shift, unsigned seed)
{
    char buf[768];
    json_t *c;
    uint32_t i;
    int k;

    ds_init(ds);
    c = json_pack(
        "{s:s, s:f, s:[{s:s,s:s,s:s},{s:s,s:s,s:s},{s:s,s:s,s:s},{s:s,s:s,s:s}]}",
        "campaign", name, "start", 1000.0, "nameservers", "name", "p", "addr",
        "127.0.0.1:1", "role", "primary", "name", "a", "addr", "127.0.0.1:2", "role",
        "secondary", "name", "b", "addr", "127.0.0.1:3", "role", "secondary", "name", "c",
        "addr", "127.0.0.1:4", "role", "secondary");
    ds_set_campaign(ds, c);
    json_decref(c);
    srand(seed);
    for (i = 0; i < n; i++) {
        for (k = 0; k < 4; k++) {
            double u = ((double)rand() + 1) / ((double)RAND_MAX + 2);
            snprintf(
                buf, sizeof(buf),
                "{\"op_id\":%u,\"op_kind\":\"record_create\",\"phase\":\"p\","
                "\"zone\":\"z%u.test.\",\"name\":\"r%u.z%u.test.\",\"type\":\"A\","
                "\"ns_name\":\"%s\",\"nameserver\":\"127.0.0.1:5\",\"vantage\":\"h\","
                "\"status\":\"COMPLETED\",\"start_time\":%u.5,\"submit_time\":%u.25,"
                "\"ack_time\":%u.5,\"lower_bound\":0,\"duration\":%.6f,"
                "\"queries\":3,\"reason\":\"\",\"seq\":%u}",
                i + 1, i % 100, i, i % 100, ns[k], 1000 + i / 100, 1000 + i / 100,
                1000 + i / 100, shift - 0.3 * log(u), 4 * i + (uint32_t)k + 1);
            add_as_stored(ds, buf);
        }
    }
    ds_sort(ds);
}

static long peak_kib(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        uint64_t n;
        dataset_t a, b;
        cmp_opts_t o;
        json_t *cmp = NULL;
        int64_t t0, t1, t2;
        long rss0 = peak_kib();

        if (numparse_u64(argv[i], 10000000, &n) < 0 || n == 0) {
            fprintf(stderr, "compare_bench: '%s' is not a count of changes\n", argv[i]);
            return 2;
        }
        load_ns = 0;
        fill(&a, "a", (uint32_t)n, 0.1, 1);
        fill(&b, "b", (uint32_t)n, 0.2, 2);
        t1 = timebase_mono_ns();
        t0 = t1 - load_ns;
        memset(&o, 0, sizeof(o));
        if (cmp_run(&a, &b, &o, &cmp) < 0) {
            fprintf(stderr, "compare_bench: out of memory\n");
            return 2;
        }
        t2 = timebase_mono_ns();
        printf("compare: changes=%llu results=%llu load_s=%.2f compare_s=%.3f "
               "rss_bytes_per_result=%.0f verdict=%s\n",
               (unsigned long long)n, (unsigned long long)(8 * n),
               (double)(t1 - t0) / 1e9, (double)(t2 - t1) / 1e9,
               (double)(peak_kib() - rss0) * 1024.0 / (double)(8 * n),
               json_string_value(json_object_get(cmp, "verdict")));
        json_decref(cmp);
        ds_clear(&a);
        ds_clear(&b);
    }
    return 0;
}
