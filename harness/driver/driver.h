/*
 * driver: runs a scenario (`dnsprop run`): drives changes through the
 * targets at the scheduled rate (open loop, ramps, a bounded number of
 * API calls in flight), and after each acknowledged change polls every
 * nameserver serving that target until the change shows, storing every
 * result and judging the SLOs.
 */
#ifndef DP_DRIVER_H
#define DP_DRIVER_H

#include <signal.h>
#include <stdbool.h>

#include "harness/scenario/scenario.h"

typedef struct {
    bool quiet;
    bool no_store;
    bool force;                  /* apply zone-sync plans over the thresholds */
    bool dry_run;                /* plan zone syncs, print, change nothing */
    volatile sig_atomic_t *stop; /* set by a signal handler: stop cleanly */
} driver_opts_t;

/* Run sc; returns the exit status: 0 SLOs hold, 1 they do not, 2 on an
 * error, 130 when stopped by a signal. */
int driver_run(const scenario_t *sc, const driver_opts_t *opts);

#endif
