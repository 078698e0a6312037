/*
 * plot_tool: a campaign's plots from a JSON Lines file, for
 * tests/cli/test_plots.sh (built by the Makefile as build/plot-tool).
 *
 *   plot-tool DIR FILE.jsonl [WIDTHxHEIGHT]
 *
 * The first line of FILE is the campaign metadata, every other line one
 * result as the store writes it. Builds the dataset, stats_json(), then
 * plot_campaign() into DIR, and prints the plots' index (JSON). The
 * gnuplot program is $DNSPROP_GNUPLOT when set (tests point it at a
 * missing program), else gnuplot from PATH.
 *
 *   plot-tool --gp-string
 *
 * reads JSON strings, one a line, and prints plot_gp_string() of each, one
 * a line (the escaping tests feed those to gnuplot).
 *
 * Exit status: 0 every plot rendered; 1 otherwise (the reason on stderr).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "harness/common/numparse.h"
#include "plot/dataset.h"
#include "plot/plots.h"
#include "plot/stats.h"

static int usage(void)
{
    fprintf(stderr, "usage: plot-tool DIR FILE.jsonl [WIDTHxHEIGHT]\n"
                    "       plot-tool --gp-string < STRINGS.jsonl\n");
    return 1;
}

/* WIDTHxHEIGHT, pixels. */
static int parse_size(const char *s, plot_opts_t *opts)
{
    const char *x = strchr(s, 'x');
    char w[16];
    uint64_t width, height;

    if (x == NULL || (size_t)(x - s) >= sizeof(w))
        return DP_EPARSE;
    memcpy(w, s, (size_t)(x - s));
    w[x - s] = '\0';
    if (numparse_u64(w, 100000, &width) < 0 || numparse_u64(x + 1, 100000, &height) < 0)
        return DP_EPARSE;
    opts->width = (unsigned)width;
    opts->height = (unsigned)height;
    return 0;
}

static int gp_strings(void)
{
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;

    while (getline(&line, &cap, stdin) > 0) {
        json_error_t je;
        json_t *s = json_loads(line, JSON_DECODE_ANY, &je);
        char *lit = json_is_string(s) ? plot_gp_string(json_string_value(s)) : NULL;
        if (lit == NULL) {
            fprintf(stderr, "plot-tool: not a JSON string: %s", line);
            rc = 1;
        } else {
            printf("%s\n", lit);
        }
        free(lit);
        json_decref(s);
    }
    free(line);
    return rc;
}

int main(int argc, char **argv)
{
    plot_opts_t opts = {0, 0, NULL};
    dataset_t ds;
    json_t *meta = NULL;
    json_t *stats = NULL;
    json_t *index = NULL;
    char *line = NULL;
    size_t cap = 0;
    size_t lineno = 0;
    char err[1024];
    bool rendered = false;
    FILE *f = NULL;
    int rc = 1;
    int ret;

    if (argc == 2 && strcmp(argv[1], "--gp-string") == 0)
        return gp_strings();
    if (argc != 3 && argc != 4)
        return usage();
    if (argc == 4 && parse_size(argv[3], &opts) < 0)
        return usage();
    opts.gnuplot = getenv("DNSPROP_GNUPLOT");
    ds_init(&ds);
    f = fopen(argv[2], "r");
    if (f == NULL) {
        fprintf(stderr, "plot-tool: cannot read %s: %s\n", argv[2], strerror(errno));
        goto out;
    }
    while (getline(&line, &cap, f) > 0) {
        lineno++;
        if (lineno == 1) {
            json_error_t je;
            meta = json_loads(line, 0, &je);
            if (!json_is_object(meta)) {
                fprintf(stderr, "%s:1: campaign metadata: %s\n", argv[2], je.text);
                goto out;
            }
            ds_set_campaign(&ds, meta);
            continue;
        }
        ret = ds_add_text(&ds, line);
        if (ret < 0) {
            fprintf(stderr, "%s:%zu: %s\n", argv[2], lineno, dp_strerror(ret));
            goto out;
        }
    }
    stats = stats_json(&ds);
    ret = plot_campaign(&ds, stats, argv[1], &opts, &index, &rendered, err, sizeof(err));
    if (ret < 0) {
        fprintf(stderr, "plot-tool: %s\n", err);
        goto out;
    }
    json_dumpf(index, stdout, JSON_INDENT(2));
    printf("\n");
    if (!rendered) {
        fprintf(stderr, "plot-tool: %s\n", err);
        goto out;
    }
    rc = 0;
out:
    if (f != NULL)
        fclose(f);
    free(line);
    json_decref(meta);
    json_decref(stats);
    json_decref(index);
    ds_clear(&ds);
    return rc;
}
