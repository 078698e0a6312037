/*
 * dstats: Digaas master's statistics of a time range (see serve_int.h),
 * on the stats worker's thread: the observers whose start_time is in
 * [start, end], summarised as its GET /stats/{id}/summary shows them
 * (README of pglass/digaas, "GET /stats/{id}/summary"):
 *
 *   {"observers_by_type": {TYPE: S}, "observers_by_nameserver": {NS: S},
 *    "queries": {NS: S}, "queries_over_threshold": {}}
 *
 * where S is {average, median, min, max, per66, per75, per90, per95,
 * per99, success_count, error_count} over the COMPLETE observers'
 * durations (null when none completed; every other status is an error,
 * as in Digaas), percentiles nearest-rank as everywhere in dnsprop
 * (plot/stats.h). "queries" is the same over each nameserver's DNS query
 * response times (the observers' query_times: answered queries are
 * successes, unanswered ones errors), "queries_over_threshold" over those
 * of DSTATS_QUERY_THRESHOLD s or more (Digaas's dns_query_stats_threshold
 * default; an unanswered query waited at least the query timeout, so it
 * counts as an error there too). Digaas picks queries by their own time in
 * the range, dnsprop by their observer's start_time. The plots are
 * Digaas's three scatters (scatter.c), "query" of each answered query's
 * response time at the time it was sent.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/vec.h"
#include "harness/serve/serve_int.h"
#include "plot/stats.h"

/* Digaas's dns_query_stats_threshold default, seconds. */
#define DSTATS_QUERY_THRESHOLD 1.0

/* One group of observers (a type, a nameserver). */
typedef struct {
    char *key;
    serve_series_t pts;  /* (start_time, duration) of the COMPLETE ones */
    serve_series_t qpts; /* (sent at, response time) of each answered query */
    size_t errors;
    uint64_t queries, answers;
} dgroup_t;

typedef struct {
    dgroup_t *g;
    size_t n, cap;
} dgroups_t;

typedef struct {
    dgroups_t by_type, by_ns;
    size_t n, pending;
    bool oom;
} drange_t;

static dgroup_t *group_of(dgroups_t *gs, const char *key)
{
    dgroup_t *g;
    size_t i;

    for (i = 0; i < gs->n; i++) {
        if (strcmp(gs->g[i].key, key) == 0)
            return &gs->g[i];
    }
    g = VEC_PUSH(gs->g, gs->n, gs->cap);
    if (g == NULL)
        return NULL;
    g->key = strdup(key);
    if (g->key == NULL) {
        gs->n--;
        return NULL;
    }
    return g;
}

static bool add_point(serve_series_t *sr, double x, double y)
{
    if (VEC_RESERVE(sr->xy, sr->cap, 2 * (sr->n + 1)) < 0)
        return false;
    sr->xy[2 * sr->n] = x;
    sr->xy[2 * sr->n + 1] = y;
    sr->n++;
    return true;
}

/* One finished observer into a group. */
static bool group_add(dgroups_t *gs, const char *key, const json_t *rec, bool done)
{
    dgroup_t *g = group_of(gs, key);
    double start = json_number_value(json_object_get(rec, "start_time"));
    json_int_t q = json_integer_value(json_object_get(rec, "queries"));
    json_int_t a = json_integer_value(json_object_get(rec, "answers"));
    json_t *qt;
    size_t i;

    if (g == NULL)
        return false;
    g->queries += q > 0 ? (uint64_t)q : 0;
    g->answers += a > 0 && a <= q ? (uint64_t)a : 0;
    json_array_foreach(json_object_get(rec, "query_times"), i, qt)
    {
        if (!add_point(&g->qpts, json_number_value(json_array_get(qt, 0)),
                       json_number_value(json_array_get(qt, 1))))
            return false;
    }
    if (!done) {
        g->errors++;
        return true;
    }
    return add_point(&g->pts, start, json_number_value(json_object_get(rec, "duration")));
}

static int add_observer(const char *text, size_t len, void *arg)
{
    drange_t *dr = arg;
    json_t *rec = json_loadb(text, len, 0, NULL);
    const char *st = json_string_value(json_object_get(rec, "status"));
    const char *type = json_string_value(json_object_get(rec, "type"));
    const char *ns = json_string_value(json_object_get(rec, "nameserver"));
    bool done;

    if (st == NULL || type == NULL || ns == NULL || strcmp(st, "ACCEPTED") == 0) {
        dr->pending += st != NULL && strcmp(st, "ACCEPTED") == 0;
        json_decref(rec);
        return 0;
    }
    done =
        strcmp(st, "COMPLETE") == 0 && json_is_number(json_object_get(rec, "duration"));
    if (!group_add(&dr->by_type, type, rec, done) ||
        !group_add(&dr->by_ns, ns, rec, done))
        dr->oom = true;
    dr->n++;
    json_decref(rec);
    return dr->oom ? -ENOMEM : 0;
}

static json_t *num_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(round(v * 1e6) / 1e6);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Digaas's summary of n durations (sorted here) with success and error
 * counts. */
static json_t *summary_of(double *v, size_t n, size_t success, size_t errors)
{
    static const struct {
        const char *k;
        double p;
    } pk[] = {{"median", 50}, {"per66", 66}, {"per75", 75}, {"per90", 90},
              {"per95", 95},  {"per99", 99}, {"max", 100}};
    json_t *o = json_object();
    double sum = 0;
    size_t i;

    if (o == NULL)
        return NULL;
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_double);
    for (i = 0; i < n; i++)
        sum += v[i];
    json_object_set_new(o, "average", num_or_null(n > 0 ? sum / (double)n : NAN));
    json_object_set_new(o, "min", num_or_null(n > 0 ? v[0] : NAN));
    for (i = 0; i < sizeof(pk) / sizeof(pk[0]); i++)
        json_object_set_new(o, pk[i].k, num_or_null(stats_percentile(v, n, pk[i].p)));
    json_object_set_new(o, "success_count", json_integer((json_int_t)success));
    json_object_set_new(o, "error_count", json_integer((json_int_t)errors));
    return o;
}

/* Which of a group's figures a view summarises. */
typedef enum { VIEW_OBSERVERS, VIEW_QUERIES, VIEW_SLOW_QUERIES } view_t;

/* The summary of one group in view. Queries not answered are errors; a
 * group with no query over the threshold is left out of that view, as
 * Digaas finds no row for it. */
static json_t *group_summary(const dgroup_t *g, view_t view, bool *skip)
{
    const serve_series_t *sr = view == VIEW_OBSERVERS ? &g->pts : &g->qpts;
    double *v = malloc((sr->n + 1) * sizeof(*v));
    size_t errors =
        view == VIEW_OBSERVERS ? g->errors : (size_t)(g->queries - g->answers);
    size_t n = 0;
    json_t *sm;

    *skip = false;
    if (v == NULL)
        return NULL;
    for (size_t k = 0; k < sr->n; k++) {
        double y = sr->xy[2 * k + 1];
        if (view != VIEW_SLOW_QUERIES || y >= DSTATS_QUERY_THRESHOLD)
            v[n++] = y;
    }
    *skip = view == VIEW_SLOW_QUERIES && n == 0 && errors == 0;
    sm = *skip ? NULL : summary_of(v, n, n, errors);
    free(v);
    return sm;
}

/* {key: summary} of a grouping in view. */
static json_t *view_of(const dgroups_t *gs, view_t view)
{
    json_t *o = json_object();
    size_t i;

    for (i = 0; o != NULL && i < gs->n; i++) {
        bool skip;
        json_t *sm = group_summary(&gs->g[i], view, &skip);
        if (skip)
            continue;
        if (sm == NULL || json_object_set_new(o, gs->g[i].key, sm) < 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* The three plots; names of those drawn into plots, perr why not. */
static void draw(serve_t *s, const char *id, const drange_t *dr, json_t *plots,
                 char *perr, size_t perrlen)
{
    char dir[4096];
    serve_series_t *sr = calloc(dr->by_ns.n + dr->by_type.n + 1, sizeof(*sr));
    size_t i;

    snprintf(dir, sizeof(dir), "%s/serve/stats-%s", s->results, id);
    if (sr == NULL) {
        snprintf(perr, perrlen, "out of memory");
        return;
    }
    for (i = 0; i < dr->by_type.n; i++) {
        sr[i] = dr->by_type.g[i].pts;
        sr[i].label = dr->by_type.g[i].key;
    }
    if (serve_scatter_png(dir, "propagation_by_type",
                          "API-to-nameserver propagation times by change type "
                          "(successful propagations only)",
                          "Timestamp of API request", "Propagation time (seconds)", sr,
                          dr->by_type.n, perr, perrlen) == 0)
        json_array_append_new(plots, json_string("propagation_by_type"));
    for (i = 0; i < dr->by_ns.n; i++) {
        sr[i] = dr->by_ns.g[i].pts;
        sr[i].label = dr->by_ns.g[i].key;
    }
    if (serve_scatter_png(dir, "propagation_by_nameserver",
                          "API-to-nameserver propagation times by nameserver "
                          "(successful propagations only)",
                          "Timestamp of API request", "Propagation time (seconds)", sr,
                          dr->by_ns.n, perr, perrlen) == 0)
        json_array_append_new(plots, json_string("propagation_by_nameserver"));
    for (i = 0; i < dr->by_ns.n; i++) {
        sr[i] = dr->by_ns.g[i].qpts;
        sr[i].label = dr->by_ns.g[i].key;
    }
    if (serve_scatter_png(dir, "query",
                          "DNS query response times (successful queries only)",
                          "Timestamp of query", "Response time (seconds)", sr,
                          dr->by_ns.n, perr, perrlen) == 0)
        json_array_append_new(plots, json_string("query"));
    free(sr);
}

static void groups_free(dgroups_t *gs)
{
    size_t i;

    for (i = 0; i < gs->n; i++) {
        free(gs->g[i].key);
        free(gs->g[i].pts.xy);
        free(gs->g[i].qpts.xy);
    }
    free(gs->g);
}

int serve_dstats_compute(serve_t *s, const char *id, json_t *rec, char *err,
                         size_t errlen)
{
    drange_t dr;
    json_t *plots = json_array();
    json_t *summary = NULL;
    char perr[1024] = "";
    char *text = NULL;
    char *stext = NULL;
    int ret;

    memset(&dr, 0, sizeof(dr));
    ret = store_req_range_of(
        s->rq, STORE_REQ_OBSERVER, json_number_value(json_object_get(rec, "start")),
        json_number_value(json_object_get(rec, "end")), add_observer, &dr, err, errlen);
    if (ret < 0 || plots == NULL)
        goto out;
    summary = json_pack("{s:o, s:o, s:o, s:o}", "observers_by_type",
                        view_of(&dr.by_type, VIEW_OBSERVERS), "observers_by_nameserver",
                        view_of(&dr.by_ns, VIEW_OBSERVERS), "queries",
                        view_of(&dr.by_ns, VIEW_QUERIES), "queries_over_threshold",
                        view_of(&dr.by_ns, VIEW_SLOW_QUERIES));
    draw(s, id, &dr, plots, perr, sizeof(perr));
    json_object_set_new(rec, "status", json_string("COMPLETE"));
    json_object_set_new(rec, "observers", json_integer((json_int_t)dr.n));
    json_object_set_new(rec, "pending", json_integer((json_int_t)dr.pending));
    json_object_set(rec, "plots", plots);
    json_object_set_new(rec, "reason", json_string(perr));
    text = jsonw_dumps(rec);
    stext = summary != NULL ? jsonw_dumps(summary) : NULL;
    ret = text != NULL && stext != NULL
              ? store_req_stats_done(s->rq, id, text, stext, err, errlen)
              : -ENOMEM;
out:
    if (ret == -ENOMEM)
        snprintf(err, errlen, "out of memory");
    free(text);
    free(stext);
    json_decref(summary);
    json_decref(plots);
    groups_free(&dr.by_type);
    groups_free(&dr.by_ns);
    return ret;
}
