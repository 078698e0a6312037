/*
 * dnsprop compare's statistics: the bootstrap interval of B - A covers a
 * known shift and excludes 0; two samples of one distribution give no
 * detectable difference; timeouts move the rate; a threshold gates only
 * what is worse by more than it allows; threshold specs parse or say why.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "plot/compare.h"
#include "plot/dataset.h"
#include "plot/stats.h"

static int cmp_d(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;

    return a < b ? -1 : a > b;
}

/* A campaign of n changes on one nameserver "ns", durations from an
 * exponential law (mean, shifted by shift), every k-th one a timeout
 * (k 0: none); its own seed so that two campaigns are two samples. */
static void campaign(dataset_t *ds, const char *name, size_t n, double mean, double shift,
                     size_t k, unsigned seed)
{
    char buf[1024];
    json_t *c;
    size_t i;

    ds_init(ds);
    c = json_pack("{s:s, s:f, s:[{s:s, s:s, s:s}]}", "campaign", name, "start", 1000.0,
                  "nameservers", "name", "ns", "addr", "127.0.0.1:1", "role",
                  "secondary");
    cr_assert_not_null(c);
    cr_assert_eq(ds_set_campaign(ds, c), 0);
    json_decref(c);
    srand(seed);
    for (i = 0; i < n; i++) {
        double u = ((double)rand() + 1) / ((double)RAND_MAX + 2);
        double d = shift - mean * log(u);
        bool to = k > 0 && i % k == 0;
        snprintf(buf, sizeof(buf),
                 "{\"op_id\":%zu,\"op_kind\":\"record_create\",\"phase\":\"p\","
                 "\"zone\":\"z.test.\",\"name\":\"n%zu.z.test.\",\"type\":\"TXT\","
                 "\"ns_name\":\"ns\",\"nameserver\":\"127.0.0.1:1\",\"vantage\":\"h\","
                 "\"status\":\"%s\",\"start_time\":%zu.5,\"submit_time\":%zu.25,"
                 "\"ack_time\":%zu.5,\"lower_bound\":%s,\"duration\":%s,\"queries\":2,"
                 "\"reason\":\"\"}",
                 i + 1, i, to ? "TIMEOUT" : "COMPLETED", 1000 + i, 1000 + i, 1000 + i,
                 to ? "30" : "0", to ? "null" : "DUR");
        /* the duration in place of DUR */
        if (!to) {
            char *p = strstr(buf, "DUR");
            char tail[512];
            snprintf(tail, sizeof(tail), "%s", p + 3);
            snprintf(p, sizeof(buf) - (size_t)(p - buf), "%.6f%s", d, tail);
        }
        cr_assert_eq(ds_add_text(ds, buf), 0, "%s", buf);
    }
    ds_sort(ds);
}

static json_t *row(json_t *cmp, const char *name)
{
    json_t *r;
    size_t i;

    json_array_foreach(json_object_get(cmp, "rows"), i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "name")), name) == 0)
            return r;
    }
    cr_assert_fail("no row %s", name);
    return NULL;
}

static json_t *metric(json_t *cmp, const char *name, const char *m)
{
    return json_object_get(json_object_get(row(cmp, name), "metrics"), m);
}

static double ci(json_t *e, size_t i)
{
    return json_number_value(json_array_get(json_object_get(e, "ci"), i));
}

Test(compare, a_known_shift_is_inside_the_interval_and_worse)
{
    dataset_t a, b;
    cmp_opts_t o;
    json_t *cmp = NULL;
    json_t *e;

    /* B is A's law moved by +0.5 s: every percentile moves by 0.5 s */
    campaign(&a, "a", 800, 0.3, 0.1, 0, 1);
    campaign(&b, "b", 800, 0.3, 0.6, 0, 2);
    memset(&o, 0, sizeof(o));
    cr_assert_eq(cmp_run(&a, &b, &o, &cmp), 0);
    e = metric(cmp, "ns", "p50");
    cr_expect(ci(e, 0) < 0.5 && 0.5 < ci(e, 1), "p50 CI [%g, %g]", ci(e, 0), ci(e, 1));
    cr_expect(ci(e, 0) > 0);
    cr_expect_str_eq(json_string_value(json_object_get(e, "verdict")), "worse");
    e = metric(cmp, "ns", "p90");
    cr_expect(ci(e, 0) < 0.5 && 0.5 < ci(e, 1), "p90 CI [%g, %g]", ci(e, 0), ci(e, 1));
    cr_expect_str_eq(json_string_value(json_object_get(cmp, "verdict")), "worse");
    cr_expect_str_eq(json_string_value(json_object_get(cmp, "gate")), "fail");
    /* and the other way round: better, the gate passes */
    json_decref(cmp);
    cr_assert_eq(cmp_run(&b, &a, &o, &cmp), 0);
    cr_expect_str_eq(
        json_string_value(json_object_get(metric(cmp, "ns", "p50"), "verdict")),
        "better");
    cr_expect_str_eq(json_string_value(json_object_get(cmp, "gate")), "pass");
    json_decref(cmp);
    ds_clear(&a);
    ds_clear(&b);
}

Test(compare, one_law_twice_is_no_detectable_difference)
{
    dataset_t a, b;
    cmp_opts_t o;
    json_t *cmp = NULL;
    json_t *r;
    size_t i;

    campaign(&a, "a", 500, 0.3, 0.1, 50, 3);
    campaign(&b, "b", 500, 0.3, 0.1, 50, 4);
    memset(&o, 0, sizeof(o));
    cr_assert_eq(cmp_run(&a, &b, &o, &cmp), 0);
    json_array_foreach(json_object_get(cmp, "rows"), i, r)
    {
        cr_expect_str_eq(json_string_value(json_object_get(r, "verdict")),
                         "no detectable difference", "%s",
                         json_string_value(json_object_get(r, "name")));
    }
    cr_expect_str_eq(json_string_value(json_object_get(cmp, "gate")), "pass");
    /* 490 completed: 4.9 beyond the p99, under 10: no verdict there */
    cr_expect_str_eq(
        json_string_value(json_object_get(metric(cmp, "ns", "p99"), "verdict")),
        "too few changes");
    cr_expect_str_neq(
        json_string_value(json_object_get(metric(cmp, "ns", "p90"), "verdict")),
        "too few changes");
    /* the same seed, the same figures */
    {
        json_t *again = NULL;
        cr_assert_eq(cmp_run(&a, &b, &o, &again), 0);
        cr_expect(json_equal(cmp, again));
        json_decref(again);
    }
    json_decref(cmp);
    ds_clear(&a);
    ds_clear(&b);
}

Test(compare, timeouts_move_the_rate)
{
    dataset_t a, b;
    cmp_opts_t o;
    json_t *cmp = NULL;
    json_t *e;

    campaign(&a, "a", 1000, 0.3, 0.1, 0, 5);
    campaign(&b, "b", 1000, 0.3, 0.1, 10, 6); /* 10% time out */
    memset(&o, 0, sizeof(o));
    cr_assert_eq(cmp_run(&a, &b, &o, &cmp), 0);
    e = metric(cmp, "ns", "timeouts");
    cr_expect_float_eq(json_number_value(json_object_get(e, "b")), 0.1, 1e-9);
    cr_expect(ci(e, 0) > 0.07 && ci(e, 1) < 0.13, "[%g, %g]", ci(e, 0), ci(e, 1));
    cr_expect_str_eq(json_string_value(json_object_get(e, "verdict")), "worse");
    json_decref(cmp);
    ds_clear(&a);
    ds_clear(&b);
}

Test(compare, thresholds_gate_only_beyond_their_limit)
{
    dataset_t a, b;
    cmp_threshold_t t[2];
    cmp_opts_t o;
    json_t *cmp = NULL;
    char err[512];

    campaign(&a, "a", 800, 0.3, 0.1, 0, 7);
    campaign(&b, "b", 800, 0.3, 0.6, 0, 8); /* +0.5 s */
    memset(&o, 0, sizeof(o));
    cr_assert_eq(cmp_threshold_parse("ns:p50=+2s", &t[0], err, sizeof(err)), 0, "%s",
                 err);
    o.thresholds = t;
    o.nthresholds = 1;
    cr_assert_eq(cmp_run(&a, &b, &o, &cmp), 0);
    cr_expect_str_eq(json_string_value(json_object_get(cmp, "gate")), "pass");
    json_decref(cmp);
    cr_assert_eq(cmp_threshold_parse("p50=+100ms", &t[1], err, sizeof(err)), 0, "%s",
                 err);
    o.nthresholds = 2;
    cr_assert_eq(cmp_run(&a, &b, &o, &cmp), 0);
    cr_expect_str_eq(json_string_value(json_object_get(cmp, "gate")), "fail");
    cr_expect_eq(json_array_size(json_object_get(
                     json_array_get(json_object_get(cmp, "thresholds"), 1), "exceeded")),
                 3); /* the secondaries and all stages, and the nameserver */
    json_decref(cmp);
    ds_clear(&a);
    ds_clear(&b);
}

Test(compare, threshold_specs)
{
    cmp_threshold_t t;
    char err[512];

    cr_assert_eq(cmp_threshold_parse("p99=+20%", &t, err, sizeof(err)), 0);
    cr_expect(t.relative && fabs(t.limit - 0.2) < 1e-12 && t.row[0] == '\0');
    cr_assert_eq(cmp_threshold_parse("nsd:p50=+0.5s", &t, err, sizeof(err)), 0);
    cr_expect_str_eq(t.row, "nsd");
    cr_expect(!t.relative && fabs(t.limit - 0.5) < 1e-12 && t.metric == CMP_P50);
    cr_assert_eq(cmp_threshold_parse("all:p90=+200ms", &t, err, sizeof(err)), 0);
    cr_expect(fabs(t.limit - 0.2) < 1e-12);
    cr_assert_eq(cmp_threshold_parse("timeouts=+1pp", &t, err, sizeof(err)), 0);
    cr_expect(fabs(t.limit - 0.01) < 1e-12 && t.metric == CMP_TIMEOUTS);
    const char *bad[] = {"p99",      "p98=+1s",      "p99=+1",
                         "p99=-1s",  "timeouts=+1%", "p50=+1pp",
                         ":p50=+1s", "p99=+nans",    "p50=+1e999s"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_expect_eq(cmp_threshold_parse(bad[i], &t, err, sizeof(err)), DP_EPARSE, "%s",
                     bad[i]);
        cr_expect(strstr(err, bad[i]) != NULL && strstr(err, "METRIC") != NULL, "%s",
                  err);
    }
}

/* The interval from the Beta/Binomial draws against a bootstrap that
 * resamples every change literally (with timeouts among them): the same
 * distribution, so the same interval up to Monte Carlo noise. */
static double lit_pct(const double *v, const bool *ok, size_t n, double p, unsigned *seed,
                      double *buf)
{
    size_t c = 0;

    for (size_t i = 0; i < n; i++) {
        size_t j = (size_t)rand_r(seed) % n;
        if (ok[j])
            buf[c++] = v[j];
    }
    qsort(buf, c, sizeof(double), cmp_d);
    return c == 0 ? NAN : stats_percentile(buf, c, p);
}

Test(compare, draws_match_a_literal_bootstrap)
{
    enum { N = 300, R = 4000 };
    static double va[N], vb[N], buf[N], d[R];
    static bool oka[N], okb[N];
    dataset_t a, b;
    cmp_opts_t o;
    json_t *cmp = NULL;
    unsigned seed = 11;
    const double pcts[2] = {50, 90};
    const char *names[2] = {"p50", "p90"};

    /* A constant: the interval is B's alone, no bias cancels out */
    campaign(&a, "a", N, 0.0, 0.1, 7, 21);
    campaign(&b, "b", N, 0.3, 0.2, 9, 22);
    /* the same values, by change, as the datasets hold them */
    for (size_t i = 0; i < N; i++) {
        double *slot[2] = {&va[i], &vb[i]};
        dataset_t *ds[2] = {&a, &b};
        bool *ok[2] = {&oka[i], &okb[i]};
        for (int s = 0; s < 2; s++) {
            for (size_t r = 0; r < ds[s]->n; r++) {
                if (ds[s]->res[r].op != i)
                    continue;
                *ok[s] = ds[s]->res[r].status == DS_COMPLETED;
                *slot[s] = ds[s]->res[r].duration;
            }
        }
    }
    memset(&o, 0, sizeof(o));
    o.resamples = R;
    cr_assert_eq(cmp_run(&a, &b, &o, &cmp), 0);
    for (int m = 0; m < 2; m++) {
        json_t *e = metric(cmp, "ns", names[m]);
        double lo, hi, width;
        for (size_t r = 0; r < R; r++)
            d[r] = lit_pct(vb, okb, N, pcts[m], &seed, buf) -
                   lit_pct(va, oka, N, pcts[m], &seed, buf);
        qsort(d, R, sizeof(double), cmp_d);
        lo = stats_percentile(d, R, 2.5);
        hi = stats_percentile(d, R, 97.5);
        width = hi - lo;
        cr_expect(fabs(ci(e, 0) - lo) < 0.1 * width && fabs(ci(e, 1) - hi) < 0.1 * width,
                  "%s: drawn [%g, %g], literal [%g, %g]", names[m], ci(e, 0), ci(e, 1),
                  lo, hi);
    }
    json_decref(cmp);
    ds_clear(&a);
    ds_clear(&b);
}
