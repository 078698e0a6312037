/*
 * probe_bench: drive the probe pool at full speed against one nameserver
 * and print key=value figures for tests/bench/bench.sh.
 *
 *   probe_bench qps   NS ZONE COUNT SECONDS THREADS POLLS FREQUENCY
 *   probe_bench scale NS ZONE COUNT SECONDS THREADS POLLS FREQUENCY
 *
 * Polls ask for i<k>.ZONE A (k < COUNT), a name that exists, expecting a
 * value that never comes (198.51.100.254), so every poll keeps querying
 * on its schedule until the end. "qps" offers more than the server can
 * take and counts answers per second; "scale" holds POLLS concurrent
 * polls (submitted evenly over the first period, as a workload would),
 * and reports RSS per poll and the scheduling lag.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/common/errcode.h"
#include "harness/common/numparse.h"
#include "harness/common/timebase.h"
#include "probes/pool.h"

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            v = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

static void sleep_until(int64_t mono)
{
    int64_t now = timebase_mono_ns();
    struct timespec ts;

    if (mono <= now)
        return;
    ts.tv_sec = (mono - now) / TB_NS_PER_S;
    ts.tv_nsec = (mono - now) % TB_NS_PER_S;
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
    probe_pool_opts_t opts;
    probe_pool_t *pool = NULL;
    probe_stats_t s0, s1;
    probe_req_t req;
    char err[1100];
    char name[300];
    uint32_t count, secs, threads, polls;
    double freq;
    long rss0, rss1;
    int64_t t0, t1, start;
    uint32_t i;
    int ret;

    if (argc != 9 || numparse_u32(argv[4], &count) < 0 ||
        numparse_u32(argv[5], &secs) < 0 || numparse_u32(argv[6], &threads) < 0 ||
        numparse_u32(argv[7], &polls) < 0 ||
        numparse_double(argv[8], 0.001, 3600, &freq) < 0 || count == 0 || polls == 0) {
        fprintf(stderr,
                "usage: probe_bench qps|scale NS ZONE COUNT SECONDS THREADS POLLS "
                "FREQUENCY\n");
        return 64;
    }
    memset(&opts, 0, sizeof(opts));
    opts.threads = threads;
    opts.query_timeout_ms = 1000;
    if (getenv("BENCH_MAX_INFLIGHT") != NULL)
        numparse_u32(getenv("BENCH_MAX_INFLIGHT"), &opts.max_inflight);
    ret = probe_pool_create(&pool, &opts);
    if (ret < 0) {
        fprintf(stderr, "probe_bench: pool: %s\n", dp_strerror(ret));
        return 2;
    }
    probe_req_init(&req);
    if (probe_ns_parse(argv[2], &req.ns) < 0) {
        fprintf(stderr, "probe_bench: bad nameserver %s\n", argv[2]);
        return 64;
    }
    req.cond = COND_VALUE_PRESENT;
    req.qtype = RDATA_T_A;
    /* BENCH_TYPE / BENCH_VALUE: poll another type (the answers' values of
     * types beyond the basic eight are read through ldns, probes/rdata.h) */
    if (getenv("BENCH_TYPE") != NULL &&
        rdata_type_from_str(getenv("BENCH_TYPE"), &req.qtype) < 0)
        return 64;
    req.frequency = freq;
    req.timeout = secs + 3600; /* never times out during the run */
    if (probe_req_add_value(&req,
                            getenv("BENCH_VALUE") != NULL ? getenv("BENCH_VALUE")
                                                          : "198.51.100.254",
                            err, sizeof(err)) < 0)
        return 2;

    rss0 = rss_kib();
    start = timebase_mono_ns();
    for (i = 0; i < polls; i++) {
        snprintf(name, sizeof(name), "i%u.%s", i % count, argv[3]);
        if (probe_req_set_name(&req, name, false, err, sizeof(err)) < 0 ||
            probe_req_finish(&req, err, sizeof(err)) < 0) {
            fprintf(stderr, "probe_bench: %s\n", err);
            return 2;
        }
        ret = probe_pool_submit(pool, &req);
        if (ret < 0) {
            fprintf(stderr, "probe_bench: submit: %s\n", dp_strerror(ret));
            return 2;
        }
        /* Spread submissions over the first period in 1 ms steps. */
        if (i % 64 == 63)
            sleep_until(start + (int64_t)((double)i / polls * freq * 1e9));
    }
    probe_req_clear(&req);

    /* Warm up one period (at least 1 s), then measure. */
    sleep_until(start + (int64_t)((freq > 1 ? freq : 1) * 1e9));
    probe_pool_stats(pool, &s0);
    t0 = timebase_mono_ns();
    sleep_until(t0 + (int64_t)secs * TB_NS_PER_S);
    probe_pool_stats(pool, &s1);
    t1 = timebase_mono_ns();
    rss1 = rss_kib();

    double el = (double)(t1 - t0) / 1e9;
    printf("mode=%s polls=%u threads=%u frequency=%g seconds=%.2f\n", argv[1], polls,
           threads, freq, el);
    printf(
        "queries=%llu answers=%llu query_timeouts=%llu query_errors=%llu deferred=%llu "
        "skipped_slots=%llu\n",
        (unsigned long long)(s1.queries - s0.queries),
        (unsigned long long)(s1.answers - s0.answers),
        (unsigned long long)(s1.query_timeouts - s0.query_timeouts),
        (unsigned long long)(s1.query_errors - s0.query_errors),
        (unsigned long long)(s1.deferred - s0.deferred),
        (unsigned long long)(s1.skipped_slots - s0.skipped_slots));
    printf("dnsprop_qps=%.0f\n", (double)(s1.answers - s0.answers) / el);
    printf("rss_kib_before=%ld rss_kib_after=%ld rss_kib_per_poll=%.3f\n", rss0, rss1,
           (double)(rss1 - rss0) / polls);
    printf("sched_lag_p50_ms=%.3f sched_lag_p99_ms=%.3f sched_lag_max_ms=%.3f "
           "lag_samples=%llu\n",
           s1.lag_p50_ms, s1.lag_p99_ms, s1.lag_max_ms,
           (unsigned long long)s1.lag_samples);
    probe_pool_destroy(pool);
    return 0;
}
