/*
 * plot_bench: what a campaign's plots cost as campaigns grow, for
 * tests/bench/bench.sh.
 *
 *   plot_bench [-n] CHANGESxNAMESERVERS...      (e.g. 100x10 1000x100 10000x100)
 *
 * For each size: a synthetic campaign of CHANGES changes polled on
 * NAMESERVERS nameservers from two vantages (one result each, built as
 * the store gives them back: ds_add_text), its durations drawn from a
 * log-normal law (median 0.4 s, a long tail), 0.5% timeouts and 0.1%
 * errors, a ramp phase from 5 to 50 changes/s and a timeline; then
 * stats_json and plot_campaign with rendering by the real gnuplot (-n:
 * data and scripts only). Prints one line per size:
 *   results=N plot_s=S data_bytes=B max_data_bytes=M rss_mib=R held_rss_mib=H
 *   build_rss_mib=D plots=P
 * plot_s is plot_campaign alone (writing and rendering), data_bytes the
 * sum of the .dat files (max_data_bytes the largest), rss_mib this
 * process's peak RSS while it plotted (the dataset it holds included: the
 * peak is reset first through /proc/self/clear_refs), held_rss_mib its
 * RSS when plot_campaign started (the dataset and statistics: rss_mib
 * minus it is what the plots add), build_rss_mib its peak before.
 * gnuplot runs in children, one script at a time (measure it with
 * /usr/bin/time gnuplot NAME.gp in a folder kept with PLOT_BENCH_KEEP=1).
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/common/numparse.h"
#include "harness/common/timebase.h"
#include "plot/dataset.h"
#include "plot/plots.h"
#include "plot/stats.h"

#define RATE_FROM 5.0
#define RATE_TO   50.0

/* A uniform draw in (0, 1) from a 64-bit LCG (Knuth's MMIX constants):
 * the same campaign on every run and every libc. */
static double uniform(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
}

static json_t *bench_campaign(unsigned nns, double span)
{
    json_t *ns = json_array();
    json_t *rows = json_array();
    json_t *c;
    char name[32], addr[32];

    for (unsigned j = 0; j < nns; j++) {
        snprintf(name, sizeof(name), "ns%03u", j);
        snprintf(addr, sizeof(addr), "127.0.0.%u:53", j % 250 + 1);
        json_array_append_new(ns, json_pack("{s:s, s:s, s:s}", "name", name, "addr", addr,
                                            "role", j == 0 ? "primary" : "secondary"));
    }
    /* a sample a second of the cumulative counters */
    for (unsigned t = 0; t <= (unsigned)span + 1; t++) {
        double done = (double)t / (span + 1);
        json_array_append_new(
            rows, json_pack("[i, f, f, i, f, f, f, f, i, f]", t, done * span * 20,
                            done * span * 20, 0, done * span * 20 * nns,
                            done * span * 20 * nns, done * span * 20 * nns * 0.994,
                            done * span * 20 * nns * 0.005, 0, done * span * 60 * nns));
    }
    c = json_pack(
        "{s:s, s:s, s:f, s:o, s:[{s:s, s:f, s:f}], s:{s:f, s:[ssssssssss], s:o}}", "name",
        "bench", "campaign", "bench-20260101T000000Z", "start", 1000.0, "nameservers", ns,
        "phases", "name", "up", "rate_from", RATE_FROM, "rate_to", RATE_TO, "timeline",
        "interval", 1.0, "columns", "t", "offered", "acked", "failed", "polls_submitted",
        "polls_done", "completed", "timeouts", "errors", "queries", "rows", rows);
    return c;
}

/* One result, as the store gives it back. */
static int add_result(dataset_t *ds, unsigned op, unsigned j, double t, double rate,
                      uint64_t *seed)
{
    char buf[768], dur[32];
    double u = uniform(seed);
    /* log-normal: median 0.4 s (more for later nameservers), sigma 0.8 */
    double z = sqrt(-2 * log(uniform(seed))) * cos(2 * M_PI * uniform(seed));
    double d = 0.4 * (1 + 0.01 * j) * exp(0.8 * z);
    const char *status = u < 0.005 ? "TIMEOUT" : u < 0.006 ? "ERROR" : "COMPLETED";

    if (u < 0.006)
        snprintf(dur, sizeof(dur), "null");
    else
        snprintf(dur, sizeof(dur), "%.6f", d);
    snprintf(buf, sizeof(buf),
             "{\"seq\":%llu,\"op_id\":%u,\"op_kind\":\"%s\",\"phase\":\"up\","
             "\"offered_rate\":%.3f,\"zone\":\"z%u.test.\",\"name\":\"r%u.z%u.test.\","
             "\"type\":\"A\",\"ns_name\":\"ns%03u\",\"nameserver\":\"127.0.0.%u:53\","
             "\"vantage\":\"%s\",\"status\":\"%s\",\"start_time\":%.6f,"
             "\"submit_time\":%.6f,\"ack_time\":%.6f,\"lower_bound\":%.6f,"
             "\"duration\":%s,\"queries\":3,\"reason\":\"\"}",
             (unsigned long long)op * 1000 + j, op,
             op % 3 ? "record_update" : "record_create", rate, op % 100, op, op % 100, j,
             j % 250 + 1, op % 2 ? "h1" : "h2", status, t, t - 0.05, t,
             u < 0.005   ? 30.0
             : u < 0.006 ? 0.5
                         : fmax(0, d - 0.2),
             dur);
    return ds_add_text(ds, buf);
}

/* changes x nns results, the changes at a rate ramping from RATE_FROM to
 * RATE_TO; its span (s). */
static int fill(dataset_t *ds, unsigned changes, unsigned nns)
{
    /* t(k): the time of change k under a linear ramp r(t) = a + b t */
    double a = RATE_FROM, span = 2.0 * changes / (RATE_FROM + RATE_TO);
    double b = (RATE_TO - RATE_FROM) / span;
    uint64_t seed = 42;
    json_t *c = bench_campaign(nns, span);
    int ret = c != NULL ? ds_set_campaign(ds, c) : -1;

    json_decref(c);
    for (unsigned k = 0; k < changes && ret == 0; k++) {
        double t = (-a + sqrt(a * a + 2 * b * k)) / b;
        for (unsigned j = 0; j < nns && ret == 0; j++)
            ret = add_result(ds, k + 1, j, 1000.0 + t, a + b * t, &seed);
    }
    return ret;
}

static long long data_bytes(const char *dir, long long *max)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    long long sum = 0;
    char path[512];
    struct stat st;

    *max = 0;
    while (d != NULL && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 4 || strcmp(e->d_name + len - 4, ".dat") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (stat(path, &st) == 0) {
            sum += st.st_size;
            *max = st.st_size > *max ? st.st_size : *max;
        }
    }
    if (d != NULL)
        closedir(d);
    return sum;
}

/* A size of /proc/self/status (VmHWM: the peak RSS, VmRSS: the RSS) in
 * MiB; with reset, the peak is then reset to the current RSS (Linux: "5"
 * into clear_refs). */
static double status_mib(const char *field, bool reset)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kib = NAN;

    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, field, strlen(field)) == 0)
            kib = strtod(line + strlen(field), NULL);
    }
    if (f != NULL)
        fclose(f);
    f = reset ? fopen("/proc/self/clear_refs", "w") : NULL;
    if (f != NULL) {
        fputs("5", f);
        fclose(f);
    }
    return kib / 1024.0;
}

static int run(unsigned changes, unsigned nns, bool render)
{
    char dir[] = "/tmp/dnsprop-plot-bench-XXXXXX";
    char cmd[128], err[512];
    plot_opts_t opts = {0, 0, NULL, !render};
    dataset_t ds;
    json_t *stats = NULL, *index = NULL;
    bool rendered = false;
    long long max = 0, bytes;
    double build, held;
    int64_t t0, t1;
    int ret;

    ds_init(&ds);
    if (mkdtemp(dir) == NULL || fill(&ds, changes, nns) < 0) {
        fprintf(stderr, "plot_bench: cannot build the campaign\n");
        return -1;
    }
    stats = stats_json(&ds);
    held = status_mib("VmRSS:", false);
    build = status_mib("VmHWM:", true);
    t0 = timebase_mono_ns();
    ret = plot_campaign(&ds, stats, dir, &opts, &index, &rendered, err, sizeof(err));
    t1 = timebase_mono_ns();
    if (ret < 0 || (render && !rendered))
        fprintf(stderr, "plot_bench: %s\n", err);
    bytes = data_bytes(dir, &max);
    printf("results=%zu plot_s=%.2f data_bytes=%lld max_data_bytes=%lld rss_mib=%.0f "
           "held_rss_mib=%.0f build_rss_mib=%.0f plots=%zu\n",
           ds.n, (double)(t1 - t0) / 1e9, bytes, max, status_mib("VmHWM:", false), held,
           build, json_array_size(index));
    fflush(stdout);
    if (getenv("PLOT_BENCH_KEEP") == NULL) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "plot_bench: cannot remove %s\n", dir);
    } else {
        fprintf(stderr, "plot_bench: kept %s\n", dir);
    }
    json_decref(stats);
    json_decref(index);
    ds_clear(&ds);
    return ret < 0 || (render && !rendered) ? -1 : 0;
}

int main(int argc, char **argv)
{
    bool render = true;
    int status = 0;

    for (int i = 1; i < argc; i++) {
        uint64_t changes, nns;
        char *x = strchr(argv[i], 'x');
        if (strcmp(argv[i], "-n") == 0) {
            render = false;
            continue;
        }
        if (x != NULL)
            *x = '\0';
        if (x == NULL || numparse_u64(argv[i], 100000000, &changes) < 0 ||
            numparse_u64(x + 1, 10000, &nns) < 0 || changes == 0 || nns == 0) {
            fprintf(stderr, "plot_bench: want CHANGESxNAMESERVERS (100x10), not '%s'\n",
                    argv[i]);
            return 2;
        }
        if (run((unsigned)changes, (unsigned)nns, render) < 0)
            status = 1;
    }
    return status;
}
