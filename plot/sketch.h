/*
 * sketch: percentiles of a stream in bounded memory, exact while small.
 *
 * The first SKETCH_EXACT_MAX values are kept as they are, and a percentile
 * is the exact nearest-rank one (stats_percentile). Beyond, they go into a
 * log-bucketed histogram (DDSketch: Masson, Rim and Lee, VLDB 2019) with
 * relative accuracy SKETCH_ALPHA: bucket i holds the values in
 * (gamma^(i-1), gamma^i], gamma = (1 + alpha) / (1 - alpha), and answers
 * 2 gamma^i / (gamma + 1), which is within alpha (relative) of every value
 * in it. So a percentile is within 0.5% of the exact nearest-rank value,
 * whatever the stream's length; values under SKETCH_MIN (1 us) or over
 * SKETCH_MAX (11.6 days) are counted at those bounds. Memory: at most
 * SKETCH_EXACT_MAX doubles (512 KiB) plus the buckets (11 KiB).
 *
 * Ownership: the sketch owns its arrays. Thread-safety: none (one owner,
 * or the caller's lock).
 */
#ifndef DP_PLOT_SKETCH_H
#define DP_PLOT_SKETCH_H

#include <stddef.h>
#include <stdint.h>

#define SKETCH_EXACT_MAX 65536
#define SKETCH_ALPHA     0.005
#define SKETCH_MIN       1e-6
#define SKETCH_MAX       1e6

typedef struct {
    double *exact; /* the values while n <= SKETCH_EXACT_MAX, else NULL */
    size_t nexact, capexact;
    uint32_t *bins; /* once past SKETCH_EXACT_MAX */
    uint64_t n;
} sketch_t;

void sketch_init(sketch_t *s);
void sketch_free(sketch_t *s);
/* v (>= 0) in; -ENOMEM when it could not be kept. */
int sketch_add(sketch_t *s, double v);
/* dst as a copy of src (dst not initialised); 0 or -ENOMEM. */
int sketch_copy(sketch_t *dst, const sketch_t *src);
/* The p-th percentile (nearest rank, p in [0, 100]); NAN when empty. It
 * may sort the exact values in place. */
double sketch_percentile(sketch_t *s, double p);

#endif
