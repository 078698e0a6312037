/*
 * cmd_store: `dnsprop campaigns` and `dnsprop export`, reading what the
 * store holds.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/cmd/cmd.h"
#include "harness/cmd/storeopt.h"
#include "harness/common/timebase.h"

enum { OPT_JSON = 256, OPT_OUT };

static const struct option long_opts[] = {
    STOREOPT_LONGOPTS,
    {"json", no_argument, NULL, OPT_JSON},
    {"out", required_argument, NULL, OPT_OUT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Parse the shared options; returns -1 for --help (printed), or an exit
 * status > 0 on a usage error, 0 to go on. */
static int parse(int argc, char **argv, storeopt_t *so, bool *json, const char **outp,
                 void (*usage)(FILE *))
{
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", long_opts, NULL)) != -1) {
        if (storeopt_getopt(so, c, optarg))
            continue;
        switch (c) {
        case 'h':
            usage(stdout);
            return -1;
        case OPT_JSON:
            if (json == NULL)
                goto bad;
            *json = true;
            break;
        case 'o':
        case OPT_OUT:
            if (outp == NULL)
                goto bad;
            *outp = optarg;
            break;
        default:
            goto bad;
        }
    }
    return 0;
bad:
    usage(stderr);
    return DP_EXIT_USAGE;
}

static void campaigns_usage(FILE *f)
{
    fprintf(f, "usage: dnsprop campaigns [--json] [--redis URL] [--results DIR]\n"
               "\n"
               "List the campaigns in the results store, oldest first.\n"
               "\n" STOREOPT_HELP "  --json               one JSON array\n");
}

int cmd_campaigns(int argc, char **argv)
{
    storeopt_t so;
    store_t *s = NULL;
    json_t *arr = NULL;
    json_t *c;
    bool json = false;
    char err[1024];
    size_t i;
    int rc;

    storeopt_init(&so);
    rc = parse(argc, argv, &so, &json, NULL, campaigns_usage);
    if (rc != 0)
        return rc < 0 ? DP_EXIT_OK : rc;
    if (optind < argc) {
        fprintf(stderr, "dnsprop campaigns: unexpected '%s'\n", argv[optind]);
        return DP_EXIT_USAGE;
    }
    if (storeopt_open(&so, "dnsprop campaigns", &s) < 0)
        return DP_EXIT_ERROR;
    if (store_list_campaigns(s, &arr, err, sizeof(err)) < 0) {
        fprintf(stderr, "dnsprop campaigns: %s\n", err);
        store_close(s);
        return DP_EXIT_ERROR;
    }
    if (json) {
        char *t = json_dumps(arr, JSON_INDENT(2) | JSON_REAL_PRECISION(16));
        printf("%s\n", t != NULL ? t : "[]");
        free(t);
    } else {
        printf("%-40s %-20s %9s %9s  %s\n", "campaign", "start (UTC)", "produced",
               "stored", "host");
        json_array_foreach(arr, i, c)
        {
            char when[32] = "-";
            json_t *st = json_object_get(c, "start");
            if (json_is_number(st)) {
                time_t t = timebase_epoch_time(json_number_value(st));
                struct tm tm;
                gmtime_r(&t, &tm);
                strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
            }
            printf("%-40s %-20s %9lld %9lld  %s\n",
                   json_string_value(json_object_get(c, "campaign")), when,
                   (long long)json_integer_value(json_object_get(c, "produced")),
                   (long long)json_integer_value(json_object_get(c, "stored")),
                   json_is_string(json_object_get(c, "host"))
                       ? json_string_value(json_object_get(c, "host"))
                       : "-");
        }
    }
    json_decref(arr);
    store_close(s);
    return DP_EXIT_OK;
}

static void export_usage(FILE *f)
{
    fprintf(
        f,
        "usage: dnsprop export CAMPAIGN [--json] [--out FILE] [--redis URL] [--results "
        "DIR]\n"
        "\n"
        "Write every result of CAMPAIGN as CSV (a header row, then one row per\n"
        "result in start_time order), or with --json as JSON lines (one object\n"
        "per result, every field), to FILE or standard output. Results the\n"
        "campaign left in RESULTS/CAMPAIGN/spool.jsonl are replayed into the\n"
        "store first.\n"
        "\n" STOREOPT_HELP
        "  --json               JSON lines, every field of every result\n"
        "  --out FILE, -o FILE  write there instead of standard output\n");
}

int cmd_export(int argc, char **argv)
{
    storeopt_t so;
    store_t *s = NULL;
    const char *outp = NULL;
    FILE *f = stdout;
    bool json = false;
    char err[1024];
    size_t rows = 0;
    int ret;
    int rc;

    storeopt_init(&so);
    rc = parse(argc, argv, &so, &json, &outp, export_usage);
    if (rc != 0)
        return rc < 0 ? DP_EXIT_OK : rc;
    if (optind != argc - 1) {
        fprintf(stderr, "dnsprop export: give exactly one CAMPAIGN ('dnsprop campaigns' "
                        "lists them)\n");
        return DP_EXIT_USAGE;
    }
    if (storeopt_open(&so, "dnsprop export", &s) < 0)
        return DP_EXIT_ERROR;
    if (cmd_replay_spool(s, so.results, argv[optind], "dnsprop export") < 0) {
        store_close(s);
        return DP_EXIT_ERROR;
    }
    if (outp != NULL) {
        f = fopen(outp, "w");
        if (f == NULL) {
            fprintf(stderr, "dnsprop export: --out %s: %s\n", outp, strerror(errno));
            store_close(s);
            return DP_EXIT_ERROR;
        }
    }
    ret = store_export(s, argv[optind], f, json, &rows, err, sizeof(err));
    if (f != stdout && fclose(f) != 0 && ret == 0) {
        snprintf(err, sizeof(err), "--out %s: %s", outp, strerror(errno));
        ret = -EIO;
    }
    store_close(s);
    if (ret < 0) {
        fprintf(stderr, "dnsprop export: %s\n", err);
        return DP_EXIT_ERROR;
    }
    if (outp != NULL)
        fprintf(stderr, "dnsprop export: %zu results of %s written to %s\n", rows,
                argv[optind], outp);
    return DP_EXIT_OK;
}
