/*
 * compare: two campaigns side by side (see compare.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "plot/compare.h"
#include "plot/plots.h"
#include "plot/stats.h"

const char *const cmp_metric_names[CMP_NMETRICS] = {"p50", "p90", "p99", "timeouts"};
static const double metric_pct[3] = {50, 90, 99};

/* ---- a fixed-seed generator and the draws the bootstrap needs --------------------- */

typedef struct {
    uint64_t s;
} rng_t;

/* splitmix64: small, fast, and the same sequence on every host */
static uint64_t rng_next(rng_t *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* uniform in (0, 1) */
static double rng_unit(rng_t *r)
{
    return ((double)(rng_next(r) >> 11) + 0.5) / 9007199254740992.0;
}

static double rng_normal(rng_t *r)
{
    return sqrt(-2.0 * log(rng_unit(r))) * cos(2.0 * M_PI * rng_unit(r));
}

/* Gamma(a, 1), Marsaglia and Tsang (2000); a >= 1 here (a Beta's shapes
 * are ranks, at least 1). */
static double rng_gamma(rng_t *r, double a)
{
    double d = a - 1.0 / 3.0;
    double c = 1.0 / sqrt(9.0 * d);

    for (;;) {
        double x = rng_normal(r);
        double v = 1.0 + c * x;
        double u;
        if (v <= 0)
            continue;
        v = v * v * v;
        u = rng_unit(r);
        if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
            return d * v;
    }
}

static double rng_beta(rng_t *r, double a, double b)
{
    double x = rng_gamma(r, a);

    return x / (x + rng_gamma(r, b));
}

/* Binomial(n, p): exact below 1,000 trials, the normal approximation
 * above (its error is far below the bootstrap's own there). */
static size_t rng_binomial(rng_t *r, size_t n, double p)
{
    double x;
    size_t i, k = 0;

    if (p <= 0)
        return 0;
    if (p >= 1)
        return n;
    if (n <= 1000) {
        for (i = 0; i < n; i++)
            k += rng_unit(r) < p;
        return k;
    }
    x = round((double)n * p + sqrt((double)n * p * (1 - p)) * rng_normal(r));
    return x < 0 ? 0 : x > (double)n ? n : (size_t)x;
}

/* ---- one side of a row: the changes it counts and their values -------------------- */

typedef struct {
    double *v; /* completed values, sorted */
    size_t c;  /* completed */
    size_t n;  /* counted: completed, timed out or failed */
} side_t;

/* From per-change values (NAN: did not get there) and counted flags. */
static int side_from(side_t *s, const double *v, const unsigned *counted, size_t nops)
{
    size_t i;

    memset(s, 0, sizeof(*s));
    s->v = malloc((nops + 1) * sizeof(double));
    if (s->v == NULL)
        return -ENOMEM;
    for (i = 0; i < nops; i++) {
        if (!counted[i])
            continue;
        s->n++;
        if (!isnan(v[i]))
            s->v[s->c++] = v[i];
    }
    qsort(s->v, s->c, sizeof(double), stats_cmp_double);
    return 0;
}

static double side_metric(const side_t *s, int m)
{
    if (m == CMP_TIMEOUTS)
        return s->n > 0 ? (double)(s->n - s->c) / (double)s->n : NAN;
    return stats_percentile(s->v, s->c, metric_pct[m]);
}

/* The metric on one bootstrap resample of the side's changes. */
static double side_resample(const side_t *s, int m, rng_t *r)
{
    size_t c = rng_binomial(r, s->n, s->n > 0 ? (double)s->c / (double)s->n : 0);
    double rank, u;
    size_t k, idx;

    if (m == CMP_TIMEOUTS)
        return s->n > 0 ? (double)(s->n - c) / (double)s->n : NAN;
    if (c == 0)
        return NAN;
    rank = ceil(metric_pct[m] / 100.0 * (double)c - 1e-9);
    k = rank < 1 ? 1 : (size_t)rank;
    u = rng_beta(r, (double)k, (double)(c - k + 1));
    idx = (size_t)(u * (double)s->c);
    return s->v[idx < s->c ? idx : s->c - 1];
}

/* ---- a row: one stage or nameserver, every metric ---------------------------------- */

static const char *verdict_of(double diff, double lo, double hi, double minimum)
{
    if (isnan(diff) || isnan(lo))
        return "not comparable";
    if (lo > 0 && diff >= minimum)
        return "worse";
    if (hi < 0 && -diff >= minimum)
        return "better";
    return "no detectable difference";
}

/* A tail percentile needs values beyond it: the bootstrap of a p99 from
 * 200 changes resamples the two largest, and its interval is far too
 * narrow (measured: A against a re-run of A came out "worse"). At least
 * CMP_TAIL_MIN completed values above the percentile, or no verdict. */
#define CMP_TAIL_MIN 10
static bool too_few(const side_t *s, int m)
{
    return (double)s->c * (1 - metric_pct[m] / 100) < CMP_TAIL_MIN;
}

static json_t *num(double x)
{
    return isnan(x) ? json_null() : json_real(round(x * 1e6) / 1e6);
}

static json_t *metric_json(const side_t *a, const side_t *b, int m, const cmp_opts_t *o,
                           rng_t *r, double *boot)
{
    double va = side_metric(a, m);
    double vb = side_metric(b, m);
    double diff = vb - va;
    double lo = NAN, hi = NAN, minimum;
    size_t i, k = 0;

    for (i = 0; i < o->resamples; i++) {
        double d = side_resample(b, m, r) - side_resample(a, m, r);
        if (!isnan(d))
            boot[k++] = d;
    }
    if (k > 0 && !isnan(diff)) {
        qsort(boot, k, sizeof(double), stats_cmp_double);
        lo = stats_percentile(boot, k, (1 - o->confidence) / 2 * 100);
        hi = stats_percentile(boot, k, (1 + o->confidence) / 2 * 100);
    }
    minimum =
        m == CMP_TIMEOUTS ? o->min_rate : fmax(o->min_seconds, o->min_relative * va);
    return json_pack("{s:o, s:o, s:o, s:[o,o], s:s}", "a", num(va), "b", num(vb), "diff",
                     num(diff), "ci", num(lo), num(hi), "verdict",
                     m != CMP_TIMEOUTS && (too_few(a, m) || too_few(b, m))
                         ? "too few changes"
                         : verdict_of(diff, lo, hi, minimum));
}

static json_t *row_json(const char *scope, const char *name, const side_t *a,
                        const side_t *b, const cmp_opts_t *o, rng_t *r, double *boot)
{
    json_t *metrics = json_object();
    const char *verdict = "no detectable difference";
    int m;

    for (m = 0; m < CMP_NMETRICS; m++) {
        json_t *e = metric_json(a, b, m, o, r, boot);
        const char *v = json_string_value(json_object_get(e, "verdict"));
        if (strcmp(v, "worse") == 0)
            verdict = "worse";
        else if (strcmp(v, "better") == 0 && strcmp(verdict, "worse") != 0)
            verdict = "better";
        json_object_set_new(metrics, cmp_metric_names[m], e);
    }
    return json_pack("{s:s, s:s, s:I, s:I, s:o, s:s}", "scope", scope, "name", name,
                     "a_changes", (json_int_t)a->n, "b_changes", (json_int_t)b->n,
                     "metrics", metrics, "verdict", verdict);
}

/* ---- thresholds ---------------------------------------------------------------------
 */

int cmp_threshold_parse(const char *spec, cmp_threshold_t *t, char *err, size_t errlen)
{
    const char *eq = strchr(spec, '=');
    const char *colon;
    const char *metric = spec;
    char *end = NULL;
    double x;
    int m;

    memset(t, 0, sizeof(*t));
    snprintf(t->spec, sizeof(t->spec), "%s", spec);
    t->metric = -1;
    if (eq == NULL || strlen(spec) >= sizeof(t->spec))
        goto bad;
    colon = memchr(spec, ':', (size_t)(eq - spec));
    if (colon != NULL) {
        if (colon == spec || (size_t)(colon - spec) >= sizeof(t->row))
            goto bad;
        memcpy(t->row, spec, (size_t)(colon - spec));
        metric = colon + 1;
    }
    for (m = 0; m < CMP_NMETRICS; m++) {
        size_t len = strlen(cmp_metric_names[m]);
        if ((size_t)(eq - metric) == len &&
            strncmp(metric, cmp_metric_names[m], len) == 0)
            t->metric = m;
    }
    if (t->metric < 0 || (eq[1] != '+' && !(eq[1] >= '0' && eq[1] <= '9')))
        goto bad;
    errno = 0;
    x = strtod(eq + 1, &end);
    if (errno != 0 || end == eq + 1 || !isfinite(x) || x < 0)
        goto bad;
    if (t->metric == CMP_TIMEOUTS && strcmp(end, "pp") == 0) {
        t->limit = x / 100;
    } else if (t->metric != CMP_TIMEOUTS && strcmp(end, "%") == 0) {
        t->limit = x / 100;
        t->relative = true;
    } else if (t->metric != CMP_TIMEOUTS && strcmp(end, "s") == 0) {
        t->limit = x;
    } else if (t->metric != CMP_TIMEOUTS && strcmp(end, "ms") == 0) {
        t->limit = x / 1000;
    } else {
        goto bad;
    }
    return 0;
bad:
    snprintf(err, errlen,
             "'%s': want [ROW:]METRIC=+LIMIT, METRIC one of p50 p90 p99 (LIMIT in %%, s "
             "or ms: p99=+20%%, nsd:p50=+0.5s) or timeouts (LIMIT in percentage points: "
             "timeouts=+1pp); ROW a nameserver or a stage (api primary secondaries "
             "transfer all provider)",
             spec);
    return DP_EPARSE;
}

/* Which rows exceed t: worse (detectably) by more than its limit. */
static json_t *threshold_json(const cmp_threshold_t *t, json_t *rows, bool *failed)
{
    json_t *ex = json_array();
    json_t *row;
    size_t i;

    json_array_foreach(rows, i, row)
    {
        const char *name = json_string_value(json_object_get(row, "name"));
        json_t *e =
            json_object_get(json_object_get(row, "metrics"), cmp_metric_names[t->metric]);
        double a = json_number_value(json_object_get(e, "a"));
        double diff = json_number_value(json_object_get(e, "diff"));
        double limit = t->relative ? t->limit * a : t->limit;
        if (t->row[0] != '\0' && strcmp(t->row, name) != 0)
            continue;
        if (strcmp(json_string_value(json_object_get(e, "verdict")), "worse") != 0 ||
            !(diff > limit))
            continue;
        json_array_append_new(ex, json_pack("{s:s, s:s, s:o, s:o}", "row", name, "metric",
                                            cmp_metric_names[t->metric], "diff",
                                            num(diff), "limit", num(limit)));
        *failed = true;
    }
    return json_pack("{s:s, s:o}", "spec", t->spec, "exceeded", ex);
}

/* ---- the whole comparison -----------------------------------------------------------
 */

static json_t *campaign_json(const dataset_t *ds)
{
    json_t *name = json_object_get(ds->campaign, "campaign");

    return json_pack("{s:O?, s:I, s:I}", "campaign", name, "changes",
                     (json_int_t)ds->nops, "results", (json_int_t)ds->n);
}

typedef struct {
    dataset_t *a, *b;
    const cmp_opts_t *o;
    rng_t rng;
    double *va, *vb, *boot;
    unsigned *ca, *cb;
    json_t *rows;
} run_t;

static int add_row(run_t *r, const char *scope, const char *name)
{
    side_t sa = {NULL, 0, 0}, sb = {NULL, 0, 0};
    int ret = 0;

    if (side_from(&sa, r->va, r->ca, r->a->nops) < 0 ||
        side_from(&sb, r->vb, r->cb, r->b->nops) < 0) {
        ret = -ENOMEM;
        goto out;
    }
    if (sa.n > 0 && sb.n > 0)
        json_array_append_new(r->rows,
                              row_json(scope, name, &sa, &sb, r->o, &r->rng, r->boot));
out:
    free(sa.v);
    free(sb.v);
    return ret;
}

static int all_rows(run_t *r)
{
    size_t i;
    int k;

    for (k = 0; k < STATS_NSTAGES; k++) {
        if (stats_stage_values(r->a, k, r->va, r->ca) < 0 ||
            stats_stage_values(r->b, k, r->vb, r->cb) < 0 ||
            add_row(r, "stage", stats_stage_names[k]) < 0)
            return -ENOMEM;
    }
    for (i = 0; i < r->a->nns; i++) {
        long j = ds_ns_index(r->b, r->a->ns[i].name);
        if (j < 0)
            continue;
        stats_ns_values(r->a, (unsigned)i, r->va, r->ca);
        stats_ns_values(r->b, (unsigned)j, r->vb, r->cb);
        if (add_row(r, "nameserver", r->a->ns[i].name) < 0)
            return -ENOMEM;
    }
    return 0;
}

static const char *overall(json_t *rows)
{
    const char *v = "no detectable difference";
    json_t *row;
    size_t i;

    json_array_foreach(rows, i, row)
    {
        const char *rv = json_string_value(json_object_get(row, "verdict"));
        if (strcmp(rv, "worse") == 0)
            return "worse";
        if (strcmp(rv, "better") == 0)
            v = "better";
    }
    return v;
}

int cmp_run(dataset_t *a, dataset_t *b, const cmp_opts_t *opts, json_t **out)
{
    cmp_opts_t o = *opts;
    json_t *ths = json_array();
    bool failed = false;
    run_t r;
    size_t i;
    int ret = 0;

    *out = NULL;
    o.resamples = o.resamples > 0 ? o.resamples : 2000;
    o.confidence = o.confidence > 0 && o.confidence < 1 ? o.confidence : 0.95;
    o.min_seconds = o.min_seconds > 0 ? o.min_seconds : 0.01;
    o.min_relative = o.min_relative > 0 ? o.min_relative : 0.05;
    o.min_rate = o.min_rate > 0 ? o.min_rate : 0.005;
    memset(&r, 0, sizeof(r));
    r.a = a;
    r.b = b;
    r.o = &o;
    r.rng.s = o.seed;
    r.va = calloc(a->nops + 1, sizeof(double));
    r.vb = calloc(b->nops + 1, sizeof(double));
    r.ca = calloc(a->nops + 1, sizeof(unsigned));
    r.cb = calloc(b->nops + 1, sizeof(unsigned));
    r.boot = calloc(o.resamples, sizeof(double));
    r.rows = json_array();
    if (r.va == NULL || r.vb == NULL || r.ca == NULL || r.cb == NULL || r.boot == NULL ||
        all_rows(&r) < 0) {
        ret = -ENOMEM;
        goto out;
    }
    for (i = 0; i < o.nthresholds; i++)
        json_array_append_new(ths, threshold_json(&o.thresholds[i], r.rows, &failed));
    if (o.nthresholds == 0)
        failed = strcmp(overall(r.rows), "worse") == 0;
    *out = json_pack("{s:o, s:o, s:I, s:f, s:I, s:O, s:O, s:s, s:s}", "a",
                     campaign_json(a), "b", campaign_json(b), "resamples",
                     (json_int_t)o.resamples, "confidence", o.confidence, "seed",
                     (json_int_t)o.seed, "rows", r.rows, "thresholds", ths, "verdict",
                     overall(r.rows), "gate", failed ? "fail" : "pass");
    if (*out == NULL)
        ret = -ENOMEM;
out:
    json_decref(r.rows);
    json_decref(ths);
    free(r.va);
    free(r.vb);
    free(r.ca);
    free(r.cb);
    free(r.boot);
    return ret;
}
