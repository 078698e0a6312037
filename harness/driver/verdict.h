/*
 * verdict: the campaign's summary and its SLOs ([slo] p99, max_timeouts,
 * converged), plus what fails a campaign whatever the SLOs say (changes
 * the target refused, polls nobody answered).
 *
 * Thread-safety: call under the driver's lock, once the probe pool is
 * shut down and the feed stopped (the counts are then final).
 */
#ifndef DP_DRIVER_VERDICT_H
#define DP_DRIVER_VERDICT_H

#include <jansson.h>
#include <stdbool.h>

#include "plot/sketch.h"

typedef struct drv drv_t;
typedef struct op op_t;

/* What the summary keeps of an operation once it is done with and freed
 * (polls_retire): its change's propagation if every nameserver served it
 * (in a sketch: exact for the first 65,536 changes, then within 0.5%, in
 * bounded memory: plot/sketch.h), whether it did, its claim, and the
 * bounds of the rates. A campaign of any length holds this, not its
 * operations. */
typedef struct {
    sketch_t prop;
    bool unconverged; /* some change did not reach every nameserver */
    uint64_t watched, claims, before, claim_failed, claim_timeouts;
    size_t nrated;                 /* acknowledged changes (zone creations aside) */
    double f0, f1, s0, s1, a0, a1; /* due, sent, acknowledged: first and last */
} verdict_fold_t;

void verdict_fold_init(verdict_fold_t *f);
void verdict_fold_free(verdict_fold_t *f);
/* Fold op in (under the driver's lock; its claim read under claim_mu). */
void verdict_fold_op(drv_t *d, verdict_fold_t *f, op_t *op);

/* The summary (a new JSON object: rates, counts, propagation p50/p99,
 * converged, slo_ok, slo_failures); *ok whether the SLOs hold. */
json_t *verdict(drv_t *d, bool *ok);

#endif
