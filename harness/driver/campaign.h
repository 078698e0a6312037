/*
 * campaign: a campaign's life around its phases.
 *   begin    the clock checked, the campaign stored (or only named), the
 *            metrics client, the agents' streams, the results folder, the
 *            probe pool
 *   end      the threads stopped, the end's metadata (clock, convergence
 *            assessment, timeline, summary), the cleanup (the zones the
 *            campaign made are deleted: the same seed can run again), the
 *            campaign closed in the store
 *   outputs  the summary (printed, and summary.json, intended.json) and
 *            the report (report.html, .md, .json, plots)
 *
 * Ownership: all of it is the drv_t's (begin_meta, end_meta, summary,
 * store, pool, streams), released by campaign_end and drv_free.
 * Thread-safety: the scheduling thread only.
 */
#ifndef DP_DRIVER_CAMPAIGN_H
#define DP_DRIVER_CAMPAIGN_H

#include <jansson.h>

#include "harness/common/clock.h"

typedef struct drv drv_t;

/* 0, or a negative code after saying why (the end still runs). */
int campaign_begin(drv_t *d);
/* No more results: the sampler's last row, then the agents' feed (the
 * campaign closed in Redis, the results stored before that counted).
 * Idempotent. */
void campaign_stop_counting(drv_t *d);
/* Everything after the phases (ret: the run's outcome so far); returns the
 * outcome, an error when the store could not close a campaign that went
 * well or when its summary or report could not be written (a full disk:
 * -ENOSPC; the results are in the store and its spool, and the message
 * says so). */
int campaign_end(drv_t *d, int ret);

/* campaign_out.c: what is stored with the campaign and written at the end. */
json_t *campaign_meta(drv_t *d, const clock_status_t *clk);
json_t *campaign_assess(drv_t *d, const json_t *intended);
/* The summary (printed, summary.json, intended.json) and the report: 0, or
 * < 0 when a file could not be written, after saying which and where the
 * results are. */
int campaign_outputs(drv_t *d);

#endif
