/*
 * phases: the kinds of phase a campaign runs, one file each (as Knot's
 * event handlers):
 *   phase_mix.c      [phase] with a mix: its zones, then operations of the
 *                    mix at the scheduled rate (open loop, ramps)
 *   phase_reverse.c  [phase] prefix = ...: A/AAAA + PTR pairs
 *   phase_sync.c     [phase] zonefile = ...: a zone synced to a file, by a
 *                    plan made before the campaign starts
 *   phase_table.c    [operations] file = ...: a table of timed operations
 *   phase_monitor.c  [monitor] (dnsprop monitor): a canary change in each
 *                    zone every interval, until stopped or its duration
 *
 * Each runs on the scheduling thread, makes operations under the driver's
 * lock and queues them to the API workers; it returns when its last
 * operation is queued (or on a stop).
 */
#ifndef DP_DRIVER_PHASES_H
#define DP_DRIVER_PHASES_H

#include <stddef.h>

#include "harness/driver/driver.h"
#include "harness/scenario/optable.h"
#include "harness/scenario/scenario.h"

typedef struct drv drv_t;
typedef struct syncplan syncplan_t;

void phase_mix_run(drv_t *d, const scen_phase_t *ph);
void phase_reverse_run(drv_t *d, const scen_phase_t *ph);
void phase_table_run(drv_t *d, const optable_row_t *rows, size_t n);
void phase_monitor_run(drv_t *d);
/* Phase i's plan (made by phase_sync_plan). */
void phase_sync_run(drv_t *d, const scen_phase_t *ph, syncplan_t *plans, size_t i);

/* For each zone-sync phase: read its zone file, the zone from the primary
 * by AXFR, plan, show the plan (and with --dry-run print them as JSON) and
 * check its safety. *out (one per phase) is set even on error; 0, or a
 * negative code after saying why. */
int phase_sync_plan(drv_t *d, syncplan_t **out);
void phase_sync_free(syncplan_t *plans, size_t n);

#endif
