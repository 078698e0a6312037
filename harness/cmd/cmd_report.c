/*
 * cmd_report: `dnsprop report CAMPAIGN`: rebuild a campaign's plots and
 * report.{json,md,html} from what Redis holds, at any later time (the
 * same files `dnsprop run` wrote at the end of the campaign, or the first
 * ones for a campaign that was stopped before it could write them).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmd/cmd.h"
#include "harness/cmd/cmdutil.h"
#include "harness/common/numparse.h"
#include "harness/common/timebase.h"
#include "harness/cmd/storeopt.h"
#include "plot/dataset.h"
#include "plot/report.h"

enum { OPT_OUT = 256, OPT_SIZE, OPT_NOPLOTS, OPT_JSON, OPT_SINCE, OPT_UNTIL };

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: dnsprop report CAMPAIGN [--out DIR] [--size WxH] [--no-render] [--json]\n"
        "                      [--since T] [--until T] [--redis URL] [--results DIR]\n"
        "\n"
        "Rebuild CAMPAIGN's plots (gnuplot scripts, data, PNGs) and its report\n"
        "(report.json, report.md, report.html) from the results store.\n"
        "\n" STOREOPT_HELP
        "  --out DIR            write there (default: RESULTS/CAMPAIGN)\n"
        "  --size WxH           PNG size in pixels (default: the campaign's [report]\n"
        "                       width and height, else 1280x720)\n"
        "  --no-render          write the gnuplot scripts and data, not the PNGs\n"
        "  --json               print report.json on standard output\n"
        "  --since T, --until T only the results whose start_time is in [T, T2)\n"
        "                       (a monitor's window): epoch seconds, an ISO 8601\n"
        "                       UTC time (2026-12-04T18:00:00Z) or a time ago (-2h);\n"
        "                       write it elsewhere with --out\n"
        "\n"
        "Results the campaign left in RESULTS/CAMPAIGN/spool.jsonl (Redis was away)\n"
        "are replayed into the store first. A campaign that never ended (killed: no\n"
        "end record) is reported INCOMPLETE and fails its verdict.\n"
        "\n"
        "exit status: 0 written and every SLO holds, 1 written and an SLO does not\n"
        "(or the campaign is incomplete), 2 error, 64 usage error\n");
}

static int parse_size(const char *s, unsigned *w, unsigned *h)
{
    char wb[32];
    const char *x = strchr(s, 'x');
    uint64_t a, b;

    if (x == NULL || (size_t)(x - s) >= sizeof(wb))
        return -1;
    snprintf(wb, sizeof(wb), "%.*s", (int)(x - s), s);
    if (numparse_u64(wb, 16384, &a) < 0 || numparse_u64(x + 1, 16384, &b) < 0 ||
        a < 200 || b < 150)
        return -1;
    *w = (unsigned)a;
    *h = (unsigned)b;
    return 0;
}

static int add_result(const char *text, size_t len, void *arg)
{
    int ret = ds_add_stored(arg, text, len);

    /* a stored value that is not a result is skipped, not fatal */
    return ret == -ENOMEM ? ret : 0;
}

int cmd_read_dataset(store_t *s, const char *campaign, dataset_t *ds, json_t **meta,
                     char *err, size_t errlen)
{
    int ret = store_read_campaign(s, campaign, meta, add_result, ds, err, errlen);

    if (ret == 0)
        ds_set_campaign(ds, *meta);
    return ret;
}

int cmd_replay_spool(store_t *s, const char *results, const char *campaign,
                     const char *prog)
{
    char path[4096];
    char err[1024];
    size_t n = 0;
    int ret;

    if (strchr(campaign, '/') != NULL || strcmp(campaign, "..") == 0)
        return 0; /* not a campaign id: nothing of it can be spooled */
    snprintf(path, sizeof(path), "%s/%s/spool.jsonl", results, campaign);
    ret = store_replay_spool(s, path, &n, err, sizeof(err));
    if (ret < 0)
        fprintf(stderr,
                "%s: %s: the campaign's results there are not in the store yet; "
                "retry when %s answers\n",
                prog, err, store_where(s));
    else if (n > 0)
        fprintf(stderr, "%s: replayed %zu results the campaign left in %s into %s\n",
                prog, n, path, store_where(s));
    return ret;
}

int cmd_report_from_store(store_t *s, const char *campaign, const char *dir,
                          const report_opts_t *given, json_t **doc, size_t *nresults,
                          char *err, size_t errlen)
{
    dataset_t ds;
    report_opts_t ro = *given;
    json_t *meta = NULL;
    int ret;

    ds_init(&ds);
    if (ro.since > 0)
        ds.since = ro.since;
    if (ro.until > 0)
        ds.until = ro.until;
    ret = cmd_read_dataset(s, campaign, &ds, &meta, err, errlen);
    if (ret < 0)
        goto out;
    if (ro.since > 0 || ro.until > 0) /* (the report says which window it is) */
        json_object_set_new(meta, "window",
                            json_pack("{s:o, s:o}", "since",
                                      ro.since > 0 ? json_real(ro.since) : json_null(),
                                      "until",
                                      ro.until > 0 ? json_real(ro.until) : json_null()));
    if (ro.plot.width == 0) {
        /* the campaign's own [report] settings */
        json_t *r = json_object_get(meta, "report");
        json_int_t w = json_integer_value(json_object_get(r, "width"));
        json_int_t h = json_integer_value(json_object_get(r, "height"));
        if (w >= 200 && h >= 150 && w <= 16384 && h <= 16384) {
            ro.plot.width = (unsigned)w;
            ro.plot.height = (unsigned)h;
        }
        if (json_is_false(json_object_get(r, "plots")))
            ro.plot.no_render = true;
    }
    ret = report_write(&ds, dir, &ro, doc, err, errlen);
    if (nresults != NULL)
        *nresults = ds.n;
out:
    json_decref(meta);
    ds_clear(&ds);
    return ret;
}

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        STOREOPT_LONGOPTS,
        {"out", required_argument, NULL, OPT_OUT},
        {"size", required_argument, NULL, OPT_SIZE},
        {"no-render", no_argument, NULL, OPT_NOPLOTS},
        {"json", no_argument, NULL, OPT_JSON},
        {"since", required_argument, NULL, OPT_SINCE},
        {"until", required_argument, NULL, OPT_UNTIL},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    storeopt_t so;
    store_t *s = NULL;
    report_opts_t ro;
    json_t *doc = NULL;
    size_t n = 0;
    const char *out = NULL;
    char dir[4096];
    char err[1024];
    bool json = false;
    int rc = DP_EXIT_OK;
    int c;

    storeopt_init(&so);
    memset(&ro, 0, sizeof(ro));
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (storeopt_getopt(&so, c, optarg))
            continue;
        switch (c) {
        case 'h':
            usage(stdout);
            return DP_EXIT_OK;
        case OPT_OUT:
            out = optarg;
            break;
        case OPT_SIZE:
            if (parse_size(optarg, &ro.plot.width, &ro.plot.height) < 0)
                return cmd_bad("report", "--size",
                               "'%s': want WIDTHxHEIGHT in pixels, from 200x150 to "
                               "16384x16384",
                               optarg);
            break;
        case OPT_NOPLOTS:
            ro.plot.no_render = true;
            break;
        case OPT_JSON:
            json = true;
            break;
        case OPT_SINCE:
        case OPT_UNTIL:
            if (numparse_time(optarg, timebase_real_s(),
                              c == OPT_SINCE ? &ro.since : &ro.until) < 0)
                return cmd_bad("report", c == OPT_SINCE ? "--since" : "--until",
                               "'%s': epoch seconds, an ISO 8601 UTC time "
                               "(2026-12-04T18:00:00Z) or a time ago (-2h, -7d)",
                               optarg);
            break;
        default:
            usage(stderr);
            return DP_EXIT_USAGE;
        }
    }
    if (ro.since > 0 && ro.until > 0 && !(ro.until > ro.since))
        return cmd_bad("report", "--until", "must come after --since");
    if (optind != argc - 1)
        return cmd_bad("report", "CAMPAIGN",
                       "give exactly one campaign ('dnsprop campaigns' lists them)");
    if (storeopt_open(&so, "dnsprop report", &s) < 0)
        return DP_EXIT_ERROR;
    if (cmd_replay_spool(s, so.results, argv[optind], "dnsprop report") < 0) {
        rc = DP_EXIT_ERROR;
        goto out;
    }
    snprintf(dir, sizeof(dir), "%s/%s", so.results != NULL ? so.results : "results",
             argv[optind]);
    if (out != NULL)
        snprintf(dir, sizeof(dir), "%s", out);
    if (cmd_report_from_store(s, argv[optind], dir, &ro, &doc, &n, err, sizeof(err)) <
        0) {
        fprintf(stderr, "dnsprop report: %s\n", err);
        rc = DP_EXIT_ERROR;
        goto out;
    }
    if (json) {
        /* report.json as written: its changes are streamed into the file,
         * not held in doc */
        char path[4200];
        char buf[65536];
        size_t k;
        FILE *f;
        snprintf(path, sizeof(path), "%s/report.json", dir);
        f = fopen(path, "r");
        while (f != NULL && (k = fread(buf, 1, sizeof(buf), f)) > 0)
            fwrite(buf, 1, k, stdout);
        if (f != NULL)
            fclose(f);
        fflush(stdout);
    }
    fprintf(stderr,
            "dnsprop report: %zu results of %s: %s/report.html (and .md, .json); %s%s\n",
            n, argv[optind], dir,
            json_is_true(json_object_get(doc, "complete")) ? "" : "INCOMPLETE: ",
            json_is_true(json_object_get(doc, "complete"))
                ? (json_is_true(json_object_get(json_object_get(doc, "slo"), "ok"))
                       ? "every SLO holds"
                       : "an SLO does not hold")
                : json_string_value(json_object_get(doc, "incomplete")));
    rc = json_is_true(json_object_get(json_object_get(doc, "slo"), "ok"))
             ? DP_EXIT_OK
             : DP_EXIT_TIMEOUT;
out:
    json_decref(doc);
    store_close(s);
    return rc;
}
