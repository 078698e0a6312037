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

typedef struct drv drv_t;

/* The summary (a new JSON object: rates, counts, propagation p50/p99,
 * converged, slo_ok, slo_failures); *ok whether the SLOs hold. */
json_t *verdict(drv_t *d, bool *ok);

#endif
