/*
 * Unit tests for harness/serve/prom.h: the exposition text (0.0.4) of
 * counters, gauges and histograms, label escaping, bounded series.
 * (tests/cli/test_metrics.sh checks the same text with promtool, the
 * Python client's parser and a real Prometheus.)
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/serve/prom.h"

static char *text(prom_t *p)
{
    buf_t b = {0};

    prom_write(p, &b);
    cr_assert(!b.oom);
    return b.p;
}

Test(prom, counters_gauges_and_escapes)
{
    prom_t *p = prom_new();
    const char *const labels[] = {"nameserver", "outcome", NULL};
    prom_family_t *c = prom_family(p, "dnsprop_polls_total", "Polls\\ended\nby outcome.",
                                   PROM_COUNTER, labels, NULL, 0);
    prom_family_t *g = prom_family(p, "dnsprop_clock_offset_seconds", "Offset.",
                                   PROM_GAUGE, NULL, NULL, 0);
    const char *const v1[] = {"knot", "COMPLETED"};
    const char *const v2[] = {"a\"b\\c\nd", "TIMEOUT"};
    char *t;

    cr_assert_not_null(c);
    cr_assert_eq(
        prom_family(p, "dnsprop_polls_total", "again", PROM_COUNTER, labels, NULL, 0), c,
        "a family registered twice is the same");
    prom_add(c, v1, 1);
    prom_add(c, v1, 2);
    prom_add(c, v1, -5); /* a counter never goes down */
    prom_add(c, v2, 1);
    prom_set(g, NULL, -0.25);
    prom_set(g, NULL, 0.5);
    t = text(p);
    cr_assert(
        strstr(t,
               "# HELP dnsprop_polls_total Polls\\\\ended\\nby outcome.\n"
               "# TYPE dnsprop_polls_total counter\n"
               "dnsprop_polls_total{nameserver=\"knot\",outcome=\"COMPLETED\"} 3\n"
               "dnsprop_polls_total{nameserver=\"a\\\"b\\\\c\\nd\",outcome=\"TIMEOUT\"} "
               "1\n") != NULL,
        "%s", t);
    cr_assert(strstr(t, "# TYPE dnsprop_clock_offset_seconds gauge\n"
                        "dnsprop_clock_offset_seconds 0.5\n") != NULL,
              "%s", t);
    cr_assert(strstr(t, "dnsprop_metrics_series_dropped_total 0\n") != NULL, "%s", t);
    free(t);
    prom_free(p);
}

Test(prom, histogram_buckets_are_cumulative)
{
    prom_t *p = prom_new();
    const char *const labels[] = {"nameserver", NULL};
    const double b[] = {0.5, 1, 2};
    prom_family_t *h = prom_family(p, "dnsprop_propagation_seconds", "Propagation.",
                                   PROM_HISTOGRAM, labels, b, 3);
    const char *const v[] = {"bind"};
    char *t;

    prom_observe(h, v, 0.1);
    prom_observe(h, v, 1.0); /* le: its own bound's bucket */
    prom_observe(h, v, 1.5);
    prom_observe(h, v, 7);
    t = text(p);
    cr_assert(
        strstr(t,
               "dnsprop_propagation_seconds_bucket{nameserver=\"bind\",le=\"0.5\"} 1\n"
               "dnsprop_propagation_seconds_bucket{nameserver=\"bind\",le=\"1\"} 2\n"
               "dnsprop_propagation_seconds_bucket{nameserver=\"bind\",le=\"2\"} 3\n"
               "dnsprop_propagation_seconds_bucket{nameserver=\"bind\",le=\"+Inf\"} 4\n"
               "dnsprop_propagation_seconds_sum{nameserver=\"bind\"} 9.6\n"
               "dnsprop_propagation_seconds_count{nameserver=\"bind\"} 4\n") != NULL,
        "%s", t);
    free(t);
    prom_free(p);
}

Test(prom, series_are_bounded_and_names_checked)
{
    prom_t *p = prom_new();
    const char *const labels[] = {"reason", NULL};
    prom_family_t *c = prom_family(p, "x_total", "", PROM_COUNTER, labels, NULL, 0);
    char v[32];
    const char *const vv[] = {v};
    char *t;

    cr_assert_null(prom_family(p, "9bad", "", PROM_COUNTER, NULL, NULL, 0));
    cr_assert_null(prom_family(p, "h", "", PROM_HISTOGRAM, NULL, NULL, 0),
                   "buckets needed");
    for (int i = 0; i < PROM_MAX_SERIES + 50; i++) {
        snprintf(v, sizeof(v), "r%d", i);
        prom_add(c, vv, 1);
    }
    prom_add(c, vv, 1); /* (a dropped one again) */
    snprintf(v, sizeof(v), "r0");
    prom_add(c, vv, 1); /* an old one is still counted */
    t = text(p);
    cr_assert(strstr(t, "x_total{reason=\"r0\"} 2\n") != NULL);
    cr_assert(strstr(t, "dnsprop_metrics_series_dropped_total 51\n") != NULL);
    free(t);
    prom_free(p);
}

Test(prom, reasons_are_classes)
{
    char c[128];

    prom_reason_class(
        "unreachable: no answer to 50 queries (Could not contact DNS servers)", c,
        sizeof(c));
    cr_assert_str_eq(c, "unreachable: no answer to N queries");
    prom_reason_class("serial 2026120401 is still lower than 2026120402", c, sizeof(c));
    cr_assert_str_eq(c, "serial N is still lower than N");
    prom_reason_class(
        "RRset never held the expected value (last answer: rcode NOERROR, 1 value)", c,
        sizeof(c));
    cr_assert_str_eq(c, "RRset never held the expected value");
    prom_reason_class("", c, sizeof(c));
    cr_assert_str_eq(c, "");
    prom_reason_class("a very long reason with 1234567890 in it", c, 10);
    cr_assert_str_eq(c, "a very lo");
}
