/*
 * probe_bench: drive the probe pool at full speed against one nameserver
 * and print key=value figures for tests/bench/bench.sh.
 *
 *   probe_bench qps   NS ZONE COUNT SECONDS THREADS POLLS FREQUENCY
 *   probe_bench scale NS ZONE COUNT SECONDS THREADS POLLS FREQUENCY
 *   probe_bench fidelity NS ZONE COUNT SECONDS THREADS POLLS FREQUENCY
 *
 * Polls ask for i<k>.ZONE A (k < COUNT), a name that exists, expecting a
 * value that never comes (198.51.100.254), so every poll keeps querying
 * on its schedule until the end. "qps" offers more than the server can
 * take and counts answers per second; "scale" holds POLLS concurrent
 * polls (submitted evenly over the first period, as a workload would),
 * and reports RSS per poll and the scheduling lag.
 *
 * "fidelity" holds POLLS such polls (each querying every
 * BENCH_BG_FREQUENCY s, default 10) and, on the same nameserver, makes
 * BENCH_CHANGES (100) changes through knotc (BENCH_KNOTC_SOCKET, the
 * knotd's control socket): each adds a name to ZONE, polled for with
 * value_present every FREQUENCY s since before the change. Each change
 * lands between two CLOCK_REALTIME moments, just before `knotc
 * zone-commit` and when it returned; it is measured late by observed_at
 * - the second, and its true moment is inside (lower_bound, duration]
 * when the band meets the commit's window. SECONDS is unused.
 */
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
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

/* CPU time of the whole process (every thread), user + system, in ns. */
static int64_t cpu_ns(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru) < 0)
        return 0;
    return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * TB_NS_PER_S +
           ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
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

/* Run knotc with args (NULL-terminated after the socket), wait for it. */
static int knotc(const char *sock, const char *const *args)
{
    posix_spawn_file_actions_t fa;
    char *argv[12];
    pid_t pid;
    int st;
    int ret;
    int n = 0;

    argv[n++] = (char *)"knotc";
    argv[n++] = (char *)"-s";
    argv[n++] = (char *)sock;
    while (*args != NULL && n < 11)
        argv[n++] = (char *)*args++;
    argv[n] = NULL;
    /* its "OK" would mix with our key=value lines */
    if (posix_spawn_file_actions_init(&fa) != 0)
        return -1;
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    ret = posix_spawnp(&pid, "knotc", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (ret != 0)
        return -1;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    return 0;
}

typedef struct {
    double begin; /* CLOCK_REALTIME just before zone-commit */
    double end;   /* when it returned */
    bool done;
    double late_ms;
    bool inside;
} change_t;

/* One change: name A value into zone, committed; its window in *c. */
static int make_change(const char *sock, const char *zone, const char *name,
                       const char *value, change_t *c)
{
    const char *begin[] = {"zone-begin", zone, NULL};
    const char *set[] = {"zone-set", zone, name, "60", "A", value, NULL};
    const char *commit[] = {"zone-commit", zone, NULL};

    if (knotc(sock, begin) < 0 || knotc(sock, set) < 0)
        return -1;
    c->begin = timebase_real_s();
    if (knotc(sock, commit) < 0)
        return -1;
    c->end = timebase_real_s();
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Take the change polls' results as they come (tag = change index). */
static void collect(probe_pool_t *pool, change_t *ch, unsigned n, int timeout_ms)
{
    probe_result_t r;

    while (probe_pool_next(pool, &r, timeout_ms) == 0) {
        if (r.tag < n && r.status == PROBE_COMPLETED) {
            change_t *c = &ch[r.tag];
            double lb = r.start_time + r.lower_bound;
            c->done = true;
            c->late_ms = (r.observed_at - c->end) * 1e3;
            /* the change landed in [begin, end]; the band (lb, observed]
             * must be able to hold that moment */
            c->inside = lb < c->end && r.observed_at >= c->begin;
        }
        probe_result_clear(&r);
    }
}

/* The fidelity run (see the top of the file), on a pool already holding
 * the background polls. */
static int run_fidelity(probe_pool_t *pool, const probe_ns_t *ns, const char *zone,
                        double freq, unsigned polls)
{
    const char *sock = getenv("BENCH_KNOTC_SOCKET");
    /* the changes go to a zone of their own when one is given: knotd 3.2.6
     * was seen to crash committing to the zone the background polls load */
    const char *czone = getenv("BENCH_CHANGE_ZONE");
    uint32_t n = 100;
    change_t *ch;
    double *late;
    probe_req_t req;
    probe_stats_t st;
    char err[1100], name[300], value[32];
    unsigned k, got = 0, inside = 0;
    unsigned run = (unsigned)getpid();
    unsigned seed = run;

    if (getenv("BENCH_CHANGES") != NULL)
        numparse_u32(getenv("BENCH_CHANGES"), &n);
    if (sock == NULL || n == 0) {
        fprintf(stderr, "probe_bench: fidelity needs BENCH_KNOTC_SOCKET\n");
        return 64;
    }
    if (czone != NULL && *czone != '\0')
        zone = czone;
    ch = calloc(n, sizeof(*ch));
    late = calloc(n, sizeof(*late));
    if (ch == NULL || late == NULL)
        return 2;
    for (k = 0; k < n; k++) {
        /* a name of this run only: earlier runs' names are in the zone */
        snprintf(name, sizeof(name), "f%u-%u.%s", run, k, zone);
        snprintf(value, sizeof(value), "198.51.100.%u", k % 250 + 1);
        probe_req_init(&req);
        req.ns = *ns;
        req.cond = COND_VALUE_PRESENT;
        req.qtype = RDATA_T_A;
        req.frequency = freq;
        req.timeout = 3600;
        req.tag = k;
        if (probe_req_set_name(&req, name, false, err, sizeof(err)) < 0 ||
            probe_req_add_value(&req, value, err, sizeof(err)) < 0 ||
            probe_req_finish(&req, err, sizeof(err)) < 0 ||
            probe_pool_submit(pool, &req) < 0) {
            fprintf(stderr, "probe_bench: change poll %u: %s\n", k, err);
            return 2;
        }
        probe_req_clear(&req);
    }
    sleep_until(timebase_mono_ns() + (int64_t)(2 * freq * 1e9) + 100 * TB_NS_PER_MS);
    for (k = 0; k < n; k++) {
        /* a random phase against the polls' schedule */
        sleep_until(timebase_mono_ns() +
                    (int64_t)(freq * 1e9 * rand_r(&seed) / RAND_MAX));
        snprintf(name, sizeof(name), "f%u-%u", run, k);
        snprintf(value, sizeof(value), "198.51.100.%u", k % 250 + 1);
        if (make_change(sock, zone, name, value, &ch[k]) < 0) {
            fprintf(stderr, "probe_bench: knotc change %u failed\n", k);
            return 2;
        }
        collect(pool, ch, n, 0);
    }
    collect(pool, ch, n, (int)(3 * freq * 1e3) + 1000);
    for (k = 0; k < n; k++) {
        if (!ch[k].done)
            continue;
        late[got++] = ch[k].late_ms;
        inside += ch[k].inside;
    }
    qsort(late, got, sizeof(*late), cmp_double);
    probe_pool_stats(pool, &st);
    printf(
        "changes=%u measured=%u late_ms_p50=%.2f late_ms_max=%.2f sched_lag_p99_ms=%.3f "
        "deferred=%llu\n",
        n, got, got > 0 ? late[got / 2] : NAN, got > 0 ? late[got - 1] : NAN,
        st.lag_p99_ms, (unsigned long long)st.deferred);
    /* nearest rank: the 99th of 100 */
    printf(
        "fidelity_p99_late_ms=%.2f fidelity_freq_ms=%.0f inside_band=%u/%u pending=%u\n",
        got > 0 ? late[(size_t)ceil(0.99 * got) - 1] : NAN, freq * 1e3, inside, n, polls);
    free(ch);
    free(late);
    return 0;
}

/* POLLS never-satisfied polls of i<k>.zone, submitted evenly over their
 * first period (as a workload would). */
static int submit_background(probe_pool_t *pool, probe_req_t *req, const char *zone,
                             uint32_t count, uint32_t polls, double freq)
{
    char err[1100];
    char name[300];
    int64_t start = timebase_mono_ns();
    uint32_t i;
    int ret;

    req->frequency = freq;
    for (i = 0; i < polls; i++) {
        snprintf(name, sizeof(name), "i%u.%s", i % count, zone);
        if (probe_req_set_name(req, name, false, err, sizeof(err)) < 0 ||
            probe_req_finish(req, err, sizeof(err)) < 0) {
            fprintf(stderr, "probe_bench: %s\n", err);
            return 2;
        }
        ret = probe_pool_submit(pool, req);
        if (ret < 0) {
            fprintf(stderr, "probe_bench: submit: %s\n", dp_strerror(ret));
            return 2;
        }
        /* Spread submissions over the first period in 1 ms steps. */
        if (i % 64 == 63)
            sleep_until(start + (int64_t)((double)i / polls * freq * 1e9));
    }
    /* Warm up one period (at least 1 s). */
    sleep_until(start + (int64_t)((freq > 1 ? freq : 1) * 1e9));
    return 0;
}

/* qps and scale: measure for secs and print. */
static void measure(probe_pool_t *pool, const char *mode, uint32_t polls,
                    uint32_t threads, double freq, uint32_t secs, long rss0)
{
    probe_stats_t s0, s1;
    int64_t t0, t1, c0, c1;
    long rss1;

    probe_pool_stats(pool, &s0);
    t0 = timebase_mono_ns();
    c0 = cpu_ns();
    sleep_until(t0 + (int64_t)secs * TB_NS_PER_S);
    probe_pool_stats(pool, &s1);
    c1 = cpu_ns();
    t1 = timebase_mono_ns();
    rss1 = rss_kib();

    double el = (double)(t1 - t0) / 1e9;
    uint64_t answers = s1.answers - s0.answers;
    printf("mode=%s polls=%u threads=%u frequency=%g seconds=%.2f\n", mode, polls,
           threads, freq, el);
    printf(
        "queries=%llu answers=%llu query_timeouts=%llu query_errors=%llu deferred=%llu "
        "skipped_slots=%llu\n",
        (unsigned long long)(s1.queries - s0.queries), (unsigned long long)answers,
        (unsigned long long)(s1.query_timeouts - s0.query_timeouts),
        (unsigned long long)(s1.query_errors - s0.query_errors),
        (unsigned long long)(s1.deferred - s0.deferred),
        (unsigned long long)(s1.skipped_slots - s0.skipped_slots));
    printf("dnsprop_qps=%.0f\n", (double)answers / el);
    /* the process's CPU (user + system, every thread) per answered query */
    printf("dnsprop_cpu_us_per_query=%.2f\n",
           answers > 0 ? (double)(c1 - c0) / 1e3 / (double)answers : 0.0);
    printf("rss_kib_before=%ld rss_kib_after=%ld rss_kib_per_poll=%.3f\n", rss0, rss1,
           (double)(rss1 - rss0) / polls);
    printf("sched_lag_p50_ms=%.3f sched_lag_p99_ms=%.3f sched_lag_max_ms=%.3f "
           "lag_samples=%llu\n",
           s1.lag_p50_ms, s1.lag_p99_ms, s1.lag_max_ms,
           (unsigned long long)s1.lag_samples);
}

int main(int argc, char **argv)
{
    probe_pool_opts_t opts;
    probe_pool_t *pool = NULL;
    probe_req_t req;
    char err[1100];
    uint32_t count, secs, threads, polls;
    double freq, bg_freq;
    bool fidelity;
    long rss0;
    int ret;

    if (argc != 9 || numparse_u32(argv[4], &count) < 0 ||
        numparse_u32(argv[5], &secs) < 0 || numparse_u32(argv[6], &threads) < 0 ||
        numparse_u32(argv[7], &polls) < 0 ||
        numparse_double(argv[8], 0.001, 3600, &freq) < 0 || count == 0 || polls == 0) {
        fprintf(
            stderr,
            "usage: probe_bench qps|scale|fidelity NS ZONE COUNT SECONDS THREADS POLLS "
            "FREQUENCY\n");
        return 64;
    }
    fidelity = strcmp(argv[1], "fidelity") == 0;
    bg_freq = freq;
    if (fidelity &&
        (getenv("BENCH_BG_FREQUENCY") == NULL ||
         numparse_double(getenv("BENCH_BG_FREQUENCY"), 0.001, 3600, &bg_freq) < 0))
        bg_freq = 10;
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
    req.timeout = secs + 3600; /* never times out during the run */
    if (probe_req_add_value(&req,
                            getenv("BENCH_VALUE") != NULL ? getenv("BENCH_VALUE")
                                                          : "198.51.100.254",
                            err, sizeof(err)) < 0)
        return 2;

    rss0 = rss_kib();
    ret = submit_background(pool, &req, argv[3], count, polls, bg_freq);
    if (ret == 0 && fidelity)
        ret = run_fidelity(pool, &req.ns, argv[3], freq, polls);
    else if (ret == 0)
        measure(pool, argv[1], polls, threads, freq, secs, rss0);
    probe_req_clear(&req);
    probe_pool_destroy(pool);
    return ret;
}
