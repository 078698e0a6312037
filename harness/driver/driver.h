/*
 * driver: runs a scenario (`dnsprop run`): drives changes through the
 * targets at the scheduled rate (open loop, ramps, a bounded number of
 * API calls in flight), and after each acknowledged change polls every
 * nameserver serving that target until the change shows, storing every
 * result and judging the SLOs.
 *
 * The pieces, one file each (harness/driver/):
 *   model      operations, zones, records, values
 *   schedule   the open-loop pacing, on the monotonic clock
 *   workers    the API queue and the threads that call the target
 *   polls      poll submission (local pool or agents) and accounting
 *   phase_*    the phase kinds: mix, reverse, zone sync, operation table
 *   verdict    the SLOs
 *   campaign   begin, cleanup, end, assessment, summary and report
 *   sampler    the timeline thread (and the agents' reaper)
 *   progress   what the user is told while it runs
 *   driver     driver_run: the campaign's story
 *
 * Ownership: driver_run borrows the scenario and the options for the
 * whole run. Thread-safety: driver_run runs one campaign on the calling
 * thread (it starts and joins its own threads); several may run at once
 * in one process. opts->say is called from any of the driver's threads.
 */
#ifndef DP_DRIVER_H
#define DP_DRIVER_H

#include <signal.h>
#include <stdbool.h>

#include "harness/scenario/scenario.h"
#include "harness/serve/prom.h"
#include "storage/store.h"

/* What the driver tells the user, and how the caller shows it. */
typedef enum {
    DRIVER_MSG_NOTE,         /* a line about the run ("campaign X: 2 phases, ...") */
    DRIVER_MSG_ERROR,        /* why something failed (a line, as NOTE) */
    DRIVER_MSG_PROGRESS,     /* the progress line, once a second */
    DRIVER_MSG_PROGRESS_END, /* the last progress line */
    DRIVER_MSG_TEXT,         /* text for people, whole lines (zone-sync plans) */
    DRIVER_MSG_JSON,         /* a JSON document for programs (summary, plans) */
} driver_msg_t;

/* text holds no trailing newline except for DRIVER_MSG_TEXT. Must be
 * thread-safe (API workers report failed operations). */
typedef void (*driver_say_fn)(void *arg, driver_msg_t kind, const char *text);

typedef struct {
    bool quiet;                  /* no NOTE or PROGRESS messages */
    bool no_store;               /* no results store (store is ignored) */
    bool force;                  /* apply zone-sync plans over the thresholds */
    bool dry_run;                /* plan zone syncs, print, change nothing */
    volatile sig_atomic_t *stop; /* set by a signal handler: stop cleanly */
    /* stop signals counted by the handler (NULL: not counted): one that
     * comes during the end's cleanup cuts it short, the zones left named */
    volatile sig_atomic_t *signals;
    const store_opts_t *store; /* how to open the results store */
    const char *version;       /* stored with the campaign */
    prom_std_t *prom;          /* --metrics-listen's families, or NULL */
    bool monitor;              /* run [monitor]'s canaries instead of the phases */
    double monitor_duration;   /* s; 0: [monitor] duration (0 there: until stopped) */
    driver_say_fn say;         /* NULL: errors through log.h, the rest dropped */
    void *say_arg;
} driver_opts_t;

/* driver_run's outcomes; errors are negative codes (harness/common/errcode.h),
 * said through opts->say before it returns. */
enum {
    DRIVER_SLO_OK = 0,   /* the campaign ran, the SLOs hold (or a dry run) */
    DRIVER_SLO_FAIL = 1, /* the campaign ran, the SLOs do not hold */
    DRIVER_STOPPED = 2,  /* stopped by *opts->stop (what was measured is kept) */
};

/* Run sc: DRIVER_SLO_OK, DRIVER_SLO_FAIL, DRIVER_STOPPED, or a negative
 * error code (bad operation table or zone-sync plan, clock, store,
 * target, threads). */
int driver_run(const scenario_t *sc, const driver_opts_t *opts);

#endif
