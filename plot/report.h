/*
 * report: a campaign's report, in three forms from one document:
 * report.json (everything, for scripts), report.md and report.html (for
 * people; the page shows the plots from plots/ next to it and needs no
 * server). Built from a dataset alone, so that `dnsprop report` can
 * rebuild it from Redis at any later time and get the same files.
 *
 * What it holds: the scenario (path and text), the clock status at start
 * and end, the driver's summary, the statistics (plot/stats.h), the SLO
 * checks, the convergence assessment the campaign stored, the slowest
 * changes and nameservers, errors by reason and the plots.
 *
 * Ownership: the documents returned (*out, report_build's result) are new
 * references for the caller (json_decref); stats and plots passed to
 * report_build are borrowed. Thread-safety: no global state; the dataset
 * belongs to the calling thread (report_write sorts it, see dataset.h),
 * so different campaigns may be reported from different threads. When
 * gnuplot is missing, report_write says how to render the scripts with
 * log_warn (harness/common/log.h).
 */
#ifndef DP_REPORT_H
#define DP_REPORT_H

#include <jansson.h>
#include <stdio.h>
#include <stdbool.h>

#include "plot/dataset.h"
#include "plot/plots.h"

typedef struct {
    plot_opts_t plot;
    /* only the results whose start_time is in [since, until) (epoch s; a
     * monitor's window); both 0: all of them */
    double since, until;
} report_opts_t;

/* Write dir/plots/..., dir/report.json, dir/report.md and dir/report.html.
 * *out (when not NULL) gets the report document. 0, or a negative code
 * with err saying why (a file or a PNG that could not be written: a full
 * disk is -ENOSPC); a plot gnuplot could not render is not an error (the
 * report says so and how to render it). */
int report_write(dataset_t *ds, const char *dir, const report_opts_t *opts, json_t **out,
                 char *err, size_t errlen);

/* s as HTML text (& < > " ' escaped), and as Markdown inline text (what
 * starts emphasis, code, links or a table cell escaped; line breaks as
 * spaces). For pages beside the report (dnsprop compare's). */
void report_html_esc(FILE *f, const char *s);
void report_md_esc(FILE *f, const char *s);

/* The report document alone (no files): what report.json holds. stats
 * is stats_json(ds) (NULL: computed), plots the plot index (may be
 * NULL). */
json_t *report_build(dataset_t *ds, json_t *stats, json_t *plots);

#endif
