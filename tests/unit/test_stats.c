/*
 * Statistics against hand-computed values: nearest-rank percentiles,
 * groups by nameserver, kind and role, the stages of a change, the
 * slowest nameserver and its lag, per-change convergence, SLO checks,
 * and the same figures whatever order the results arrive in.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot/dataset.h"
#include "plot/stats.h"

static double fig(json_t *o, const char *path1, const char *path2, const char *k)
{
    json_t *g = json_object_get(o, path1);

    if (path2 != NULL)
        g = json_object_get(g, path2);
    cr_assert(json_is_number(json_object_get(g, k)), "%s.%s.%s is not a number", path1,
              path2 != NULL ? path2 : "", k);
    return json_number_value(json_object_get(g, k));
}

static long cnt(json_t *o, const char *path1, const char *path2, const char *k)
{
    json_t *g = json_object_get(o, path1);

    if (path2 != NULL)
        g = json_object_get(g, path2);
    return (long)json_integer_value(json_object_get(g, k));
}

Test(stats, nearest_rank_percentiles)
{
    double v[10];
    double w[50];
    stats_t st;
    size_t i;

    for (i = 0; i < 10; i++)
        v[9 - i] = (double)(i + 1); /* unsorted: stats_from sorts */
    memset(&st, 0, sizeof(st));
    stats_from(&st, v, 10);
    cr_assert_float_eq(st.min, 1, 1e-12);
    cr_assert_float_eq(st.mean, 5.5, 1e-12);
    /* ceil(p/100 * 10)-th smallest: 5, 7, 8, 9, 10, 10, 10 */
    cr_assert_float_eq(st.pct[0], 5, 1e-12);
    cr_assert_float_eq(st.pct[1], 7, 1e-12);
    cr_assert_float_eq(st.pct[2], 8, 1e-12);
    cr_assert_float_eq(st.pct[3], 9, 1e-12);
    cr_assert_float_eq(st.pct[4], 10, 1e-12);
    cr_assert_float_eq(st.pct[5], 10, 1e-12);
    cr_assert_float_eq(st.pct[6], 10, 1e-12);
    /* 0.66 * 50 is 33.000000000000004 in binary: still the 33rd value */
    for (i = 0; i < 50; i++)
        w[i] = (double)(i + 1);
    cr_assert_float_eq(stats_percentile(w, 50, 66), 33, 1e-12);
    cr_assert_float_eq(stats_percentile(w, 50, 99), 50, 1e-12);
    cr_assert_float_eq(stats_percentile(w, 50, 50), 25, 1e-12);
    cr_assert(isnan(stats_percentile(w, 0, 50)));
    stats_from(&st, w, 0);
    cr_assert(isnan(st.mean) && isnan(st.pct[0]));
}

static void add(dataset_t *ds, int op, const char *kind, const char *ns,
                const char *status, double dur)
{
    char buf[1024];
    char d[32];

    if (isnan(dur))
        snprintf(d, sizeof(d), "null");
    else
        snprintf(d, sizeof(d), "%.6f", dur);
    snprintf(buf, sizeof(buf),
             "{\"op_id\":%d,\"op_kind\":\"%s\",\"phase\":\"p\",\"zone\":\"z.test.\","
             "\"name\":\"n%d.z.test.\",\"type\":\"TXT\",\"ns_name\":\"%s\","
             "\"nameserver\":\"127.0.0.1:53\",\"vantage\":\"h\",\"status\":\"%s\","
             "\"start_time\":%d.5,\"submit_time\":%d.25,\"ack_time\":%d.5,"
             "\"lower_bound\":%s,\"duration\":%s,\"queries\":2,\"reason\":\"%s\"}",
             op, kind, op, ns, status, 1000 + op, 1000 + op, 1000 + op,
             isnan(dur) ? "3" : "0", d, isnan(dur) ? "NODATA" : "");
    cr_assert_eq(ds_add_text(ds, buf), 0, "%s", buf);
}

static void campaign(dataset_t *ds)
{
    json_error_t je;
    json_t *c =
        json_loads("{\"name\":\"t\",\"start\":1000,\"nameservers\":["
                   "{\"name\":\"p\",\"addr\":\"127.0.0.1:1\",\"role\":\"primary\"},"
                   "{\"name\":\"s1\",\"addr\":\"127.0.0.1:2\",\"role\":\"secondary\"},"
                   "{\"name\":\"s2\",\"addr\":\"127.0.0.1:3\",\"role\":\"secondary\"}],"
                   "\"slo\":{\"p99\":1.0,\"max_timeouts\":0,\"converged\":true},"
                   "\"summary\":{\"failed\":0}}",
                   0, &je);
    cr_assert_not_null(c, "%s", je.text);
    cr_assert_eq(ds_set_campaign(ds, c), 0);
    json_decref(c);
}

/* change 1: p 0.1, s1 0.5, s2 0.9; change 2: p 0.2, s1 timed out, s2 1.0 */
static void fill(dataset_t *ds, bool reversed)
{
    campaign(ds);
    if (!reversed) {
        add(ds, 1, "record_create", "p", "COMPLETED", 0.1);
        add(ds, 1, "record_create", "s1", "COMPLETED", 0.5);
        add(ds, 1, "record_create", "s2", "COMPLETED", 0.9);
        add(ds, 2, "record_update", "p", "COMPLETED", 0.2);
        add(ds, 2, "record_update", "s1", "TIMEOUT", NAN);
        add(ds, 2, "record_update", "s2", "COMPLETED", 1.0);
    } else {
        add(ds, 2, "record_update", "s2", "COMPLETED", 1.0);
        add(ds, 2, "record_update", "s1", "TIMEOUT", NAN);
        add(ds, 1, "record_create", "s2", "COMPLETED", 0.9);
        add(ds, 2, "record_update", "p", "COMPLETED", 0.2);
        add(ds, 1, "record_create", "s1", "COMPLETED", 0.5);
        add(ds, 1, "record_create", "p", "COMPLETED", 0.1);
    }
}

Test(stats, groups_and_stages)
{
    dataset_t ds;
    json_t *st;
    json_t *slo;

    ds_init(&ds);
    fill(&ds, false);
    st = stats_json(&ds);
    /* overall: 6 polls, 5 completed {0.1 0.2 0.5 0.9 1.0} */
    cr_assert_eq(cnt(st, "overall", NULL, "count"), 6);
    cr_assert_eq(cnt(st, "overall", NULL, "completed"), 5);
    cr_assert_eq(cnt(st, "overall", NULL, "timeouts"), 1);
    cr_assert_float_eq(fig(st, "overall", NULL, "mean"), 0.54, 1e-9);
    cr_assert_float_eq(fig(st, "overall", NULL, "p50"), 0.5, 1e-9); /* ceil(2.5)=3rd */
    cr_assert_float_eq(fig(st, "overall", NULL, "p66"), 0.9, 1e-9); /* ceil(3.3)=4th */
    cr_assert_float_eq(fig(st, "overall", NULL, "max"), 1.0, 1e-9);
    /* per nameserver */
    cr_assert_eq(cnt(st, "nameservers", "s1", "timeouts"), 1);
    cr_assert_float_eq(fig(st, "nameservers", "s1", "p99"), 0.5, 1e-9);
    cr_assert_float_eq(fig(st, "nameservers", "s2", "mean"), 0.95, 1e-9);
    cr_assert_float_eq(fig(st, "nameservers", "p", "min"), 0.1, 1e-9);
    /* per kind and role */
    cr_assert_eq(cnt(st, "kinds", "record_update", "completed"), 2);
    cr_assert_float_eq(fig(st, "kinds", "record_create", "max"), 0.9, 1e-9);
    cr_assert_eq(cnt(st, "roles", "secondary", "count"), 4);
    cr_assert_float_eq(fig(json_object_get(st, "ns_kind"), "s2", "record_update", "p50"),
                       1.0, 1e-9);
    /* stages, per change */
    {
        json_t *sg = json_object_get(st, "stages");
        cr_assert_float_eq(fig(sg, "api", NULL, "max"), 0.25, 1e-9);
        cr_assert_eq(cnt(sg, "primary", NULL, "completed"), 2);
        cr_assert_float_eq(fig(sg, "primary", NULL, "max"), 0.2, 1e-9);
        /* change 2 never reached s1: not through the secondaries stage */
        cr_assert_eq(cnt(sg, "secondaries", NULL, "count"), 2);
        cr_assert_eq(cnt(sg, "secondaries", NULL, "completed"), 1);
        cr_assert_float_eq(fig(sg, "secondaries", NULL, "p50"), 0.9, 1e-9);
        cr_assert_float_eq(fig(sg, "transfer", NULL, "p50"), 0.8, 1e-9);
        cr_assert_eq(cnt(sg, "all", NULL, "timeouts"), 1);
        cr_assert_float_eq(fig(sg, "all", NULL, "p99"), 0.9, 1e-9);
    }
    /* slowest: s2 (p99 1.0); the others pooled {0.1 0.2 0.5}: p50 0.2, p99 0.5 */
    {
        json_t *sl = json_object_get(st, "slowest");
        cr_assert_str_eq(json_string_value(json_object_get(sl, "nameserver")), "s2");
        cr_assert_float_eq(json_number_value(json_object_get(sl, "lag_p99")), 0.5, 1e-9);
        cr_assert_float_eq(json_number_value(json_object_get(sl, "lag_p50")), 0.7, 1e-9);
    }
    /* per change: when each nameserver served it, when all had */
    {
        stats_changes_t it;
        json_t *c1, *c2;
        cr_assert_null(json_object_get(st, "changes"),
                       "one at a time, not in stats_json");
        cr_assert_eq(stats_changes_open(&it, &ds), 0);
        c1 = stats_change(&it, 0);
        c2 = stats_change(&it, 1);
        cr_assert_eq(ds.nops, 2);
        cr_assert_float_eq(json_number_value(json_object_get(c1, "converged_after")), 0.9,
                           1e-9);
        cr_assert(json_is_null(json_object_get(c2, "converged_after")));
        cr_assert_str_eq(
            json_string_value(json_object_get(json_object_get(c2, "nameservers"), "s1")),
            "TIMEOUT");
        cr_assert_float_eq(json_number_value(json_object_get(c1, "ack_at")), 1.5, 1e-9);
        json_decref(c1);
        json_decref(c2);
        stats_changes_close(&it);
    }
    /* SLOs: p99 0.9 <= 1.0 holds; one timeout > 0 and a change that did
     * not converge do not */
    slo = stats_slo(&ds, st);
    cr_assert(json_is_false(json_object_get(slo, "ok")));
    {
        json_t *checks = json_object_get(slo, "checks");
        cr_assert(json_is_true(json_object_get(json_array_get(checks, 0), "ok")));
        cr_assert(json_is_false(json_object_get(json_array_get(checks, 1), "ok")));
        cr_assert_eq(
            json_integer_value(json_object_get(json_array_get(checks, 1), "value")), 1);
        cr_assert(json_is_false(json_object_get(json_array_get(checks, 2), "ok")));
    }
    json_decref(slo);
    json_decref(st);
    ds_clear(&ds);
}

Test(stats, same_figures_whatever_the_order)
{
    dataset_t a, b;
    json_t *sa, *sb;
    char *ta, *tb;

    ds_init(&a);
    ds_init(&b);
    fill(&a, false);
    fill(&b, true);
    sa = stats_json(&a);
    sb = stats_json(&b);
    ta = json_dumps(sa, JSON_COMPACT | JSON_REAL_PRECISION(16));
    tb = json_dumps(sb, JSON_COMPACT | JSON_REAL_PRECISION(16));
    cr_assert_str_eq(ta, tb);
    free(ta);
    free(tb);
    json_decref(sa);
    json_decref(sb);
    ds_clear(&a);
    ds_clear(&b);
}

Test(stats, bad_results_refused)
{
    dataset_t ds;

    ds_init(&ds);
    cr_assert_lt(ds_add_text(&ds, "not json"), 0);
    cr_assert_lt(ds_add_text(&ds, "[1,2]"), 0);
    cr_assert_lt(ds_add_text(&ds, "{\"op_id\":1}"), 0); /* no start_time */
    cr_assert_eq(ds.n, 0);
    ds_clear(&ds);
}

Test(stats, nameservers_in_scenario_order)
{
    dataset_t ds;

    /* results first (completion order: s2, s1, p), the campaign after, as
     * the driver and `dnsprop report` both do */
    ds_init(&ds);
    add(&ds, 1, "record_create", "s2", "COMPLETED", 0.9);
    add(&ds, 1, "record_create", "s1", "COMPLETED", 0.5);
    add(&ds, 1, "record_create", "p", "COMPLETED", 0.1);
    campaign(&ds);
    cr_assert_eq(ds.nns, 3);
    cr_assert_str_eq(ds.ns[0].name, "p");
    cr_assert_str_eq(ds.ns[1].name, "s1");
    cr_assert_str_eq(ds.ns[2].name, "s2");
    cr_assert_str_eq(ds.ns[0].role, "primary");
    for (size_t i = 0; i < ds.n; i++) {
        /* each result still points at its own nameserver */
        double want = ds.ns[ds.res[i].ns].name[0] == 'p'   ? 0.1
                      : ds.ns[ds.res[i].ns].name[1] == '1' ? 0.5
                                                           : 0.9;
        cr_assert_float_eq(ds.res[i].duration, want, 1e-9);
    }
    ds_clear(&ds);
}

/* One result of change id on ns, served after dur s (NAN: timed out), the
 * provider's claim as stored. */
static void claim_res(dataset_t *ds, int id, const char *ns, double dur,
                      const char *claim, double claimed_at)
{
    char buf[600];
    char at[64];

    if (isnan(claimed_at))
        snprintf(at, sizeof(at), "null");
    else
        snprintf(at, sizeof(at), "%.6f", claimed_at);
    snprintf(buf, sizeof(buf),
             "{\"op_id\": %d, \"op_kind\": \"record_create\", \"ns_name\": \"%s\", "
             "\"nameserver\": \"%s\", \"status\": \"%s\", \"duration\": %.6f, "
             "\"start_time\": 1000, \"submit_time\": 999.9, \"ack_time\": 1000, "
             "\"claim_status\": \"%s\", \"claimed_at\": %s}",
             id, ns, ns, isnan(dur) ? "TIMEOUT" : "COMPLETED", isnan(dur) ? 0 : dur,
             claim, at);
    cr_assert_eq(ds_add_text(ds, buf), 0, "%s", buf);
}

Test(stats, provider_claims_against_the_nameservers)
{
    dataset_t ds;
    json_t *st;
    json_t *p;

    ds_init(&ds);
    /* 1: claimed at +0.5, served by all at +2: before, by 1.5 */
    claim_res(&ds, 1, "a", 0.2, "in_sync", 1000.5);
    claim_res(&ds, 1, "b", 2.0, "in_sync", 1000.5);
    /* 2: claimed at +4, served at +1: after, by 3 */
    claim_res(&ds, 2, "a", 1.0, "in_sync", 1004);
    claim_res(&ds, 2, "b", 0.5, "in_sync", 1004);
    /* 3: claimed, b never served it: before (never_served) */
    claim_res(&ds, 3, "a", 0.1, "in_sync", 1001);
    claim_res(&ds, 3, "b", NAN, "in_sync", 1001);
    /* 4: failed; 5: no claim in time */
    claim_res(&ds, 4, "a", 0.1, "failed", NAN);
    claim_res(&ds, 5, "a", 0.1, "timeout", NAN);
    st = stats_json(&ds);
    p = json_object_get(st, "provider");
    cr_assert_eq(cnt(st, "provider", NULL, "changes"), 5);
    cr_assert_eq(cnt(st, "provider", NULL, "claims"), 3);
    cr_assert_eq(cnt(st, "provider", NULL, "failed"), 1);
    cr_assert_eq(cnt(st, "provider", NULL, "timeouts"), 1);
    cr_assert_eq(cnt(p, "claim_before_served", NULL, "count"), 2);
    cr_assert_eq(cnt(p, "claim_before_served", NULL, "never_served"), 1);
    cr_assert_float_eq(fig(p, "claim_before_served", NULL, "fraction"), 2.0 / 3, 1e-6);
    cr_assert_float_eq(fig(p, "claim_before_served", "by", "max"), 1.5, 1e-9);
    cr_assert_eq(cnt(p, "claim_after_served", NULL, "count"), 1);
    cr_assert_float_eq(fig(p, "claim_after_served", "by", "p50"), 3, 1e-9);
    /* the stage: ack -> claim, failed and timed out as timeouts */
    cr_assert_eq(cnt(st, "stages", "provider", "count"), 5);
    cr_assert_eq(cnt(st, "stages", "provider", "completed"), 3);
    cr_assert_eq(cnt(st, "stages", "provider", "timeouts"), 2);
    cr_assert_float_eq(fig(st, "stages", "provider", "max"), 4, 1e-9);
    json_decref(st);
    ds_clear(&ds);
}

Test(stats, provider_null_without_claims)
{
    dataset_t ds;
    json_t *st;

    ds_init(&ds);
    cr_assert_eq(ds_add_text(&ds,
                             "{\"op_id\": 1, \"op_kind\": \"zone_create\", "
                             "\"ns_name\": \"a\", \"status\": \"COMPLETED\", "
                             "\"duration\": 0.1, \"start_time\": 1, \"ack_time\": 1}"),
                 0);
    st = stats_json(&ds);
    cr_assert(json_is_null(json_object_get(st, "provider")));
    cr_assert_eq(cnt(st, "stages", "provider", "count"), 0);
    json_decref(st);
    ds_clear(&ds);
}
