/*
 * compare: two campaigns side by side (`dnsprop compare A B`): per
 * nameserver and per stage of a change, how p50, p90, p99 and the timeout
 * rate moved from A to B, with a bootstrap confidence interval over
 * changes and a verdict (better, worse, no detectable difference), and
 * thresholds that gate a release.
 *
 * The bootstrap resamples changes with replacement (each campaign on its
 * own: two independent samples) and takes the percentile of each
 * resample. A resample's k-th smallest value is drawn directly: among n
 * draws from the sorted values, the k-th order statistic is the value at
 * floor(U * n) with U ~ Beta(k, n - k + 1) (the k-th order statistic of n
 * uniforms), so one resample costs O(1) whatever the campaign's size; the
 * number of completed changes in a resample is Binomial(n, c/n). This is
 * the same distribution as resampling every change, in O(n log n) for the
 * sort and O(resamples) after it.
 *
 * Ownership: cmp_run's *out is the caller's (json_decref). Thread-safety:
 * no global state; the datasets belong to the caller's thread.
 */
#ifndef DP_COMPARE_H
#define DP_COMPARE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "plot/dataset.h"

enum {
    CMP_P50,
    CMP_P90,
    CMP_P99,
    CMP_TIMEOUTS, /* the rate: timeouts and errors over changes counted */
    CMP_NMETRICS,
};
extern const char *const cmp_metric_names[CMP_NMETRICS];

/* "p99=+20%", "nsd:p50=+0.5s", "timeouts=+1pp", "all:p90=+200ms": a row
 * (a nameserver or a stage name; none: every row), a metric, and how much
 * worse B may be than A before the gate fails: relative (%), absolute
 * (s, ms) or, for the timeout rate, percentage points (pp). */
typedef struct {
    char spec[128];
    char row[64]; /* "" for every row */
    int metric;
    double limit; /* seconds, a fraction of A's value, or a rate */
    bool relative;
} cmp_threshold_t;

/* Parse one --threshold. 0, or DP_EPARSE with err saying what is wrong
 * and what is expected. */
int cmp_threshold_parse(const char *spec, cmp_threshold_t *t, char *err, size_t errlen);

typedef struct {
    unsigned resamples;  /* 0: 2000 */
    double confidence;   /* 0: 0.95 */
    uint64_t seed;       /* the bootstrap's (fixed: reproducible output) */
    double min_seconds;  /* smallest change of a percentile that counts; 0: 0.01 */
    double min_relative; /* and as a fraction of A's value; 0: 0.05 */
    double min_rate;     /* smallest change of the timeout rate; 0: 0.005 */
    const cmp_threshold_t *thresholds;
    size_t nthresholds;
} cmp_opts_t;

/* The comparison as JSON (the `--json` document, see the README):
 * {"a", "b": {campaign, changes, results}, "resamples", "confidence",
 * "seed", "rows": [{"scope": "stage"|"nameserver", "name", "a_changes",
 * "b_changes", "metrics": {metric: {"a", "b", "diff", "ci": [lo, hi],
 * "verdict"}}, "verdict"}], "thresholds": [{"spec", "exceeded": [{"row",
 * "metric", "diff", "limit"}]}], "verdict", "gate": "pass"|"fail"}. Rows:
 * every stage either campaign has, then every nameserver both have. 0 or
 * -ENOMEM. */
int cmp_run(dataset_t *a, dataset_t *b, const cmp_opts_t *opts, json_t **out);

/* The comparison as a text table (malloc'd; NULL on ENOMEM), and as
 * dir/compare.md and dir/compare.html (with the plots cmp lists, under
 * dir/plots/). 0 or a negative code with err set. */
char *cmp_text(const json_t *cmp);
int cmp_write_pages(const json_t *cmp, const char *dir, char *err, size_t errlen);

/* Overlay CDF plots (A and B on one axes): the "all" stage and one per
 * nameserver both have, data and scripts under dir (created), rendered
 * when gnuplot is there (*rendered; err says how otherwise); cmp gets
 * "plots": [{"name", "script", "title", "png"}]. 0, or a negative code
 * with err set. */
int cmp_plots(dataset_t *a, dataset_t *b, json_t *cmp, const char *dir,
              const char *gnuplot, bool *rendered, char *err, size_t errlen);

#endif
