/*
 * cmd_assess: `dnsprop assess`, the multi-source convergence assessment
 * (plot/assess.h). Offline from a CSV of records today.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmd.h"
#include "harness/cmdutil.h"
#include "plot/assess.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: dnsprop assess --records FILE.csv --master SOURCE [--json]\n"
               "\n"
               "Are the sources converged with the master? FILE.csv has the columns\n"
               "source,presence,name,type,class,ttl,rdata (presence: present | absent;\n"
               "class defaults to IN, ttl to 86400; an empty source is the source none,\n"
               "given as --master '').\n"
               "\n"
               "  missing      PRESENT at the master, not present at the source\n"
               "  overpresent  present at the source, not PRESENT at the master\n"
               "\n"
               "exit status: 0 converged, 1 not converged, 2 error, 64 usage error\n");
}

static void print_list(json_t *map, const char *what)
{
    const char *src;
    json_t *arr;
    size_t i;
    json_t *r;

    json_object_foreach(map, src, arr)
    {
        json_array_foreach(arr, i, r)
        {
            printf("%-11s %-12s %s %s %s %s\n", what, src[0] != '\0' ? src : "(none)",
                   json_string_value(json_object_get(r, "name")),
                   json_string_value(json_object_get(r, "class")),
                   json_string_value(json_object_get(r, "type")),
                   json_string_value(json_object_get(r, "rdata")));
        }
    }
}

int cmd_assess(int argc, char **argv)
{
    static const struct option opts[] = {
        {"records", required_argument, NULL, 'r'},
        {"master", required_argument, NULL, 'm'},
        {"json", no_argument, NULL, 'j'},
        {"scenario", required_argument, NULL, 's'},
        {"axfr", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *records = NULL;
    const char *master = NULL;
    bool json = false;
    assess_set_t set;
    json_t *res = NULL;
    char err[1024];
    int c;
    int rc;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return DP_EXIT_OK;
        case 'r':
            records = optarg;
            break;
        case 'm':
            master = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 's':
        case 'a':
            return cmd_bad("assess", c == 's' ? "--scenario" : "--axfr", "%s",
                           "live assessment is not implemented yet; use --records");
        default:
            usage(stderr);
            return DP_EXIT_USAGE;
        }
    }
    if (records == NULL)
        return cmd_bad("assess", "--records", "%s", "missing (the CSV of records)");
    if (master == NULL)
        return cmd_bad("assess", "--master", "%s",
                       "missing (the source the others are compared with)");
    if (optind < argc)
        return cmd_bad("assess", "arguments", "unexpected '%s'", argv[optind]);
    if (assess_load_csv(records, &set, err, sizeof(err)) < 0) {
        fprintf(stderr, "dnsprop assess: %s\n", err);
        return DP_EXIT_USAGE;
    }
    if (assess_run(&set, master, &res, err, sizeof(err)) < 0) {
        fprintf(stderr, "dnsprop assess: %s\n", err);
        assess_set_free(&set);
        return DP_EXIT_ERROR;
    }
    if (json) {
        char *t = json_dumps(res, JSON_INDENT(2) | JSON_SORT_KEYS);
        printf("%s\n", t != NULL ? t : "{}");
        free(t);
    } else {
        print_list(json_object_get(res, "missing"), "missing");
        print_list(json_object_get(res, "overpresent"), "overpresent");
        printf("%s\n", json_is_true(json_object_get(res, "converged")) ? "converged"
                                                                       : "not converged");
    }
    rc = json_is_true(json_object_get(res, "converged")) ? DP_EXIT_OK : DP_EXIT_TIMEOUT;
    json_decref(res);
    assess_set_free(&set);
    return rc;
}
