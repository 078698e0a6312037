/*
 * Unit tests for plot/sketch.h: exact while small (the same value as
 * stats_percentile), then within SKETCH_ALPHA (relative) of the exact
 * nearest-rank percentile for a million values of several shapes, in
 * memory that does not grow with them.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "plot/sketch.h"
#include "plot/stats.h"

static uint64_t g_rng = 0x9e3779b97f4a7c15ULL;

static double uniform(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return ((double)(g_rng >> 11) + 0.5) / 9007199254740992.0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

Test(sketch, exact_while_small)
{
    sketch_t s;
    double v[1000];

    sketch_init(&s);
    cr_assert(isnan(sketch_percentile(&s, 50)));
    for (int i = 0; i < 1000; i++) {
        v[i] = uniform() * 3;
        cr_assert_eq(sketch_add(&s, v[i]), 0);
    }
    qsort(v, 1000, sizeof(double), cmp);
    for (double p = 0; p <= 100; p += 0.5)
        cr_assert_eq(sketch_percentile(&s, p), stats_percentile(v, 1000, p), "p%g", p);
    cr_assert_null(s.bins);
    sketch_free(&s);
}

/* Propagation-like shapes: a lognormal around 1 s, a bimodal one (a fast
 * primary and slow secondaries), and one with a long tail of timeouts. */
static double draw(int shape)
{
    double u1 = uniform(), u2 = uniform();
    double z = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);

    switch (shape) {
    case 0:
        return exp(z * 0.8);
    case 1:
        return uniform() < 0.25 ? 0.0004 * exp(z * 0.3) : 1.2 * exp(z * 0.4);
    default:
        return uniform() < 0.02 ? 30 + uniform() * 3000 : 0.05 * exp(z);
    }
}

Test(sketch, within_alpha_of_exact_beyond)
{
    const size_t n = 1000000;
    static const double ps[] = {0, 1, 10, 50, 66, 90, 95, 99, 99.9, 100};

    for (int shape = 0; shape < 3; shape++) {
        double *v = malloc(n * sizeof(double));
        sketch_t s;
        cr_assert_not_null(v);
        sketch_init(&s);
        for (size_t i = 0; i < n; i++) {
            v[i] = draw(shape);
            cr_assert_eq(sketch_add(&s, v[i]), 0);
        }
        cr_assert_null(s.exact, "past the exact bound, buckets only");
        cr_assert_not_null(s.bins);
        qsort(v, n, sizeof(double), cmp);
        for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
            double exact = stats_percentile(v, n, ps[i]);
            double got = sketch_percentile(&s, ps[i]);
            cr_assert_leq(fabs(got - exact), SKETCH_ALPHA * exact * (1 + 1e-9),
                          "shape %d p%g: %.9g vs exact %.9g", shape, ps[i], got, exact);
        }
        sketch_t c;
        cr_assert_eq(sketch_copy(&c, &s), 0);
        cr_assert_eq(sketch_percentile(&c, 99), sketch_percentile(&s, 99));
        sketch_free(&c);
        sketch_free(&s);
        free(v);
    }
}
