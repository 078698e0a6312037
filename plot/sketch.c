/*
 * sketch: bounded-memory percentiles (see sketch.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/vec.h"
#include "plot/sketch.h"
#include "plot/stats.h"

/* log(gamma), and the buckets' range: indexes of SKETCH_MIN .. SKETCH_MAX */
static double log_gamma(void)
{
    return log((1 + SKETCH_ALPHA) / (1 - SKETCH_ALPHA));
}

static long bin_lo(void)
{
    return (long)ceil(log(SKETCH_MIN) / log_gamma());
}

static size_t nbins(void)
{
    return (size_t)((long)ceil(log(SKETCH_MAX) / log_gamma()) - bin_lo() + 1);
}

static size_t bin_of(double v)
{
    long i;

    v = fmin(fmax(v, SKETCH_MIN), SKETCH_MAX);
    i = (long)ceil(log(v) / log_gamma()) - bin_lo();
    return i < 0 ? 0 : (size_t)i >= nbins() ? nbins() - 1 : (size_t)i;
}

static double bin_value(size_t b)
{
    double g = (1 + SKETCH_ALPHA) / (1 - SKETCH_ALPHA);

    return 2 * pow(g, (double)((long)b + bin_lo())) / (g + 1);
}

void sketch_init(sketch_t *s)
{
    memset(s, 0, sizeof(*s));
}

void sketch_free(sketch_t *s)
{
    free(s->exact);
    free(s->bins);
    memset(s, 0, sizeof(*s));
}

/* Past SKETCH_EXACT_MAX: the exact values move into the buckets. */
static int to_bins(sketch_t *s)
{
    s->bins = calloc(nbins(), sizeof(*s->bins));
    if (s->bins == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < s->nexact; i++)
        s->bins[bin_of(s->exact[i])]++;
    free(s->exact);
    s->exact = NULL;
    s->nexact = s->capexact = 0;
    return 0;
}

int sketch_add(sketch_t *s, double v)
{
    if (isnan(v))
        return 0;
    if (s->bins == NULL && s->nexact < SKETCH_EXACT_MAX) {
        if (VEC_RESERVE(s->exact, s->capexact, s->nexact + 1) < 0)
            return -ENOMEM;
        s->exact[s->nexact++] = v;
        s->n++;
        return 0;
    }
    if (s->bins == NULL && to_bins(s) < 0)
        return -ENOMEM;
    s->bins[bin_of(v)]++; /* (2^32 in one bucket: a count that will not be reached) */
    s->n++;
    return 0;
}

int sketch_copy(sketch_t *dst, const sketch_t *src)
{
    *dst = *src;
    dst->exact = NULL;
    dst->bins = NULL;
    if (src->exact != NULL) {
        dst->exact = malloc((src->nexact + 1) * sizeof(double));
        if (dst->exact == NULL)
            return -ENOMEM;
        memcpy(dst->exact, src->exact, src->nexact * sizeof(double));
        dst->capexact = src->nexact + 1;
    }
    if (src->bins != NULL) {
        dst->bins = malloc(nbins() * sizeof(*dst->bins));
        if (dst->bins == NULL) {
            free(dst->exact);
            return -ENOMEM;
        }
        memcpy(dst->bins, src->bins, nbins() * sizeof(*dst->bins));
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return (x > y) - (x < y);
}

double sketch_percentile(sketch_t *s, double p)
{
    double rank;
    uint64_t k, seen = 0;

    if (s->n == 0)
        return NAN;
    if (s->bins == NULL) {
        qsort(s->exact, s->nexact, sizeof(double), cmp_double);
        return stats_percentile(s->exact, s->nexact, p);
    }
    /* the same nearest rank as stats_percentile: the k-th smallest */
    rank = ceil(p / 100.0 * (double)s->n - 1e-9);
    k = rank < 1 ? 1 : (uint64_t)rank;
    for (size_t b = 0; b < nbins(); b++) {
        seen += s->bins[b];
        if (seen >= k)
            return bin_value(b);
    }
    return bin_value(nbins() - 1);
}
