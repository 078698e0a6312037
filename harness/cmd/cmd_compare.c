/*
 * dnsprop compare: two campaigns from the store, per nameserver and per
 * stage, with bootstrap confidence intervals and a gate (plot/compare.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmd/cmd.h"
#include "harness/cmd/cmdutil.h"
#include "harness/cmd/storeopt.h"
#include "harness/common/fsutil.h"
#include "harness/common/numparse.h"
#include "plot/compare.h"
#include "plot/dataset.h"
#include "storage/store.h"

#define MAX_THRESHOLDS 32

enum { OPT_OUT = 256, OPT_JSON, OPT_THRESHOLD, OPT_RESAMPLES, OPT_SEED, OPT_NOPLOTS };

static void usage(FILE *f)
{
    fprintf(
        f, "usage: dnsprop compare CAMPAIGN_A CAMPAIGN_B [--json] [--threshold SPEC]...\n"
           "                       [--out DIR] [--resamples N] [--seed N] [--no-plots]\n"
           "                       [--redis URL] [--results DIR]\n"
           "\n"
           "How B differs from A, per stage of a change and per nameserver both have:\n"
           "p50, p90, p99 and the timeout rate, B - A with a 95%% confidence interval\n"
           "from a bootstrap over changes, and a verdict: better, worse, or no\n"
           "detectable difference (the interval excludes 0 and the change is at least\n"
           "10 ms and 5%% of A's value, or 0.5 points of timeout rate).\n"
           "\n"
           "  --threshold [ROW:]METRIC=+LIMIT   what B may lose before the gate fails:\n"
           "                       p99=+20%%, nsd:p50=+0.5s, all:p90=+200ms,\n"
           "                       timeouts=+1pp (repeatable; ROW a nameserver or a\n"
           "                       stage; none given: any 'worse' fails the gate)\n"
           "  --json               the comparison as JSON on standard output\n"
           "  --out DIR            compare.md, compare.html and plots/ there (default\n"
           "                       RESULTS/compare-A-vs-B)\n"
           "  --resamples N        bootstrap resamples (default 2000)\n"
           "  --seed N             the bootstrap's seed (default 1: the same output\n"
           "                       every time)\n"
           "  --no-plots           no overlay CDF plots\n" STOREOPT_HELP "\n"
           "Exit 0 when the gate passes, 1 when a threshold says worse, 2 on errors\n"
           "(a campaign not found), 64 on usage errors.\n");
}

static int load(store_t *s, const char *results, const char *campaign, dataset_t *ds)
{
    json_t *meta = NULL;
    char err[1024];
    int ret;

    if (cmd_replay_spool(s, results, campaign, "dnsprop compare") < 0)
        return DP_EXIT_ERROR;
    ret = cmd_read_dataset(s, campaign, ds, &meta, err, sizeof(err));
    json_decref(meta);
    if (ret < 0) {
        fprintf(stderr, "dnsprop compare: %s\n", err);
        return DP_EXIT_ERROR;
    }
    ds_sort(ds);
    return DP_EXIT_OK;
}

typedef struct {
    cmp_opts_t co;
    cmp_threshold_t th[MAX_THRESHOLDS];
    const char *out;
    bool json, no_plots;
} args_t;

static int parse_args(int argc, char **argv, args_t *a, storeopt_t *so)
{
    static const struct option opts[] = {
        STOREOPT_LONGOPTS,
        {"out", required_argument, NULL, OPT_OUT},
        {"json", no_argument, NULL, OPT_JSON},
        {"threshold", required_argument, NULL, OPT_THRESHOLD},
        {"resamples", required_argument, NULL, OPT_RESAMPLES},
        {"seed", required_argument, NULL, OPT_SEED},
        {"no-plots", no_argument, NULL, OPT_NOPLOTS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char err[512];
    uint64_t u;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (storeopt_getopt(so, c, optarg))
            continue;
        switch (c) {
        case 'h':
            usage(stdout);
            return 1;
        case OPT_OUT:
            a->out = optarg;
            break;
        case OPT_JSON:
            a->json = true;
            break;
        case OPT_NOPLOTS:
            a->no_plots = true;
            break;
        case OPT_THRESHOLD:
            if (a->co.nthresholds == MAX_THRESHOLDS)
                return cmd_bad("compare", "--threshold", "at most %d", MAX_THRESHOLDS);
            if (cmp_threshold_parse(optarg, &a->th[a->co.nthresholds], err, sizeof(err)) <
                0)
                return cmd_bad("compare", "--threshold", "%s", err);
            a->co.nthresholds++;
            break;
        case OPT_RESAMPLES:
            if (numparse_u64(optarg, 1000000, &u) < 0 || u < 100 || u > 1000000)
                return cmd_bad("compare", "--resamples", "'%s': want 100 to 1000000",
                               optarg);
            a->co.resamples = (unsigned)u;
            break;
        case OPT_SEED:
            if (numparse_u64(optarg, UINT64_MAX, &u) < 0)
                return cmd_bad("compare", "--seed", "'%s': want a whole number", optarg);
            a->co.seed = u;
            break;
        default:
            usage(stderr);
            return DP_EXIT_USAGE;
        }
    }
    if (optind != argc - 2)
        return cmd_bad("compare", "CAMPAIGN_A CAMPAIGN_B",
                       "give two campaigns ('dnsprop campaigns' lists them)");
    a->co.thresholds = a->th;
    return 0;
}

/* The pages and plots under the output folder; a failure there is said
 * and exits 2, but the verdict was printed first. */
static int write_outputs(dataset_t *a, dataset_t *b, json_t *cmp, const char *dir,
                         bool no_plots)
{
    char plots[4200];
    char err[1024];
    bool rendered = false;

    if (fsutil_mkdirs(dir, 0755) < 0) {
        fprintf(stderr, "dnsprop compare: cannot create %s: %s\n", dir, strerror(errno));
        return DP_EXIT_ERROR;
    }
    snprintf(plots, sizeof(plots), "%s/plots", dir);
    if (!no_plots && cmp_plots(a, b, cmp, plots, NULL, &rendered, err, sizeof(err)) < 0) {
        fprintf(stderr, "dnsprop compare: %s\n", err);
        return DP_EXIT_ERROR;
    }
    if (!no_plots && !rendered)
        fprintf(stderr, "dnsprop compare: %s\n", err);
    if (cmp_write_pages(cmp, dir, err, sizeof(err)) < 0) {
        fprintf(stderr, "dnsprop compare: %s\n", err);
        return DP_EXIT_ERROR;
    }
    return DP_EXIT_OK;
}

int cmd_compare(int argc, char **argv)
{
    args_t a;
    storeopt_t so;
    store_t *s = NULL;
    dataset_t da, db;
    json_t *cmp = NULL;
    char dir[4096];
    int rc;

    memset(&a, 0, sizeof(a));
    a.co.seed = 1;
    storeopt_init(&so);
    ds_init(&da);
    ds_init(&db);
    rc = parse_args(argc, argv, &a, &so);
    if (rc != 0)
        return rc == 1 ? DP_EXIT_OK : rc;
    if (storeopt_open(&so, "dnsprop compare", &s) < 0)
        return DP_EXIT_ERROR;
    rc = load(s, so.results, argv[optind], &da);
    if (rc == DP_EXIT_OK)
        rc = load(s, so.results, argv[optind + 1], &db);
    if (rc != DP_EXIT_OK)
        goto out;
    if (cmp_run(&da, &db, &a.co, &cmp) < 0) {
        fprintf(stderr, "dnsprop compare: out of memory\n");
        rc = DP_EXIT_ERROR;
        goto out;
    }
    snprintf(dir, sizeof(dir), "%s/compare-%s-vs-%s",
             so.results != NULL ? so.results : "results", argv[optind], argv[optind + 1]);
    if (a.out != NULL)
        snprintf(dir, sizeof(dir), "%s", a.out);
    rc = write_outputs(&da, &db, cmp, dir, a.no_plots);
    if (a.json) {
        char *t = json_dumps(cmp, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        printf("%s\n", t != NULL ? t : "{}");
        free(t);
    } else {
        char *t = cmp_text(cmp);
        printf("%s", t != NULL ? t : "");
        free(t);
    }
    if (rc == DP_EXIT_OK) {
        fprintf(stderr, "dnsprop compare: %s/compare.html (and .md)\n", dir);
        rc = strcmp(json_string_value(json_object_get(cmp, "gate")), "fail") == 0
                 ? DP_EXIT_TIMEOUT
                 : DP_EXIT_OK;
    }
out:
    json_decref(cmp);
    ds_clear(&da);
    ds_clear(&db);
    store_close(s);
    return rc;
}
