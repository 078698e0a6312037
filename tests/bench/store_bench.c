/*
 * store_bench: results per second through the store's pipelined writer
 * into a real Redis, for tests/bench/bench.sh.
 *
 *   store_bench URL COUNT
 *
 * Results look like the probe engine's (same fields, realistic sizes).
 * Two figures: put_per_s, the caller's side (building and serialising a
 * result and queueing it), and store_results_per_s, the pipeline: the
 * writer is held while COUNT results are queued, then released, and the
 * clock runs until store_campaign_end has every result acknowledged and
 * counted in Redis.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness/common/numparse.h"
#include "harness/common/timebase.h"
#include "storage/store.h"

int main(int argc, char **argv)
{
    store_opts_t so = {0};
    store_t *s = NULL;
    store_stats_t st;
    char err[512];
    char id[256];
    uint32_t n;
    uint32_t i;
    int64_t tp, t0, t1;
    double now = timebase_real_s();

    if (argc != 3 || numparse_u32(argv[2], &n) < 0 || n == 0) {
        fprintf(stderr, "usage: store_bench URL COUNT\n");
        return 64;
    }
    so.url = argv[1];
    if (store_open(&s, &so, err, sizeof(err)) < 0) {
        fprintf(stderr, "store_bench: %s\n", err);
        return 2;
    }
    store_campaign_begin(s, "bench", now, NULL, id, sizeof(id));
    store_pause(s, true);
    tp = timebase_mono_ns();
    for (i = 0; i < n; i++) {
        char name[64];
        json_t *r;
        snprintf(name, sizeof(name), "r%u.zone%u.example.test.", i, i % 100);
        r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:i, s:i, s:s, "
                      "s:s, s:n, s:[s], s:n, s:s, s:s, s:s, s:s, s:f, s:f, s:[s]}",
                      "id", name, "status", "COMPLETED", "nameserver", "127.0.0.1:5302",
                      "name", name, "type", "A", "condition", "value_present",
                      "start_time", now + i * 1e-3, "observed_at", now + i * 1e-3 + 0.7,
                      "duration", 0.7, "lower_bound", 0.65, "queries", 8, "answers", 8,
                      "rcode", "NOERROR", "reason", "", "serial", "values", "192.0.2.1",
                      "empty", "op_kind", i % 3 ? "record_create" : "record_update",
                      "op_id", name, "ns_name", i % 2 ? "knot" : "bind", "vantage",
                      "bench", "frequency", 0.1, "timeout", 30.0, "expected",
                      "192.0.2.1");
        if (r == NULL || store_put_result(s, r) < 0) {
            fprintf(stderr, "store_bench: out of memory\n");
            return 2;
        }
    }
    t0 = timebase_mono_ns();
    store_pause(s, false);
    store_campaign_end(s, NULL, timebase_real_s(), 120, &st);
    t1 = timebase_mono_ns();
    printf("store: produced=%llu stored=%llu batches=%llu put_seconds=%.3f "
           "pipeline_seconds=%.3f\n",
           (unsigned long long)st.produced, (unsigned long long)st.stored,
           (unsigned long long)st.batches, (double)(t0 - tp) / 1e9,
           (double)(t1 - t0) / 1e9);
    printf("store_put_per_s=%.0f\n", (double)n / ((double)(t0 - tp) / 1e9));
    printf("store_results_per_s=%.0f\n", (double)st.stored / ((double)(t1 - t0) / 1e9));
    store_close(s);
    return st.stored == n ? 0 : 1;
}
