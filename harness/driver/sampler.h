/*
 * sampler: the rates-over-time plot's data. A thread of its own samples
 * the driver's counters, cumulative, once a second on the monotonic clock
 * (the scheduling thread sleeps until operations are due, and may wait on
 * a full queue), sends the gauges to statsd, and in agents mode reaps the
 * polls no agent will answer.
 *
 * The timeline is bounded: at most SAMPLER_ROWS rows of fixed size,
 * allocated once. When they are full, every other row is dropped and rows
 * are kept at twice the interval from then on: the counters are cumulative,
 * so the rows kept are exact and the rates between them are averages over
 * the longer interval. A campaign of any length holds the same memory for
 * its timeline (an hour at 1 s, then 2 s...; a week at 512 s).
 *
 * Ownership: the rows are the sampler's, written under the drv_t's mu.
 * Thread-safety: sampler_start and sampler_stop from the scheduling
 * thread only; sampler_timeline from any thread.
 */
#ifndef DP_DRIVER_SAMPLER_H
#define DP_DRIVER_SAMPLER_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

typedef struct drv drv_t;

#define SAMPLER_COLS 10
#define SAMPLER_ROWS 2048

typedef struct {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond; /* monotonic clock */
    bool stop;           /* (mu) */
    bool running;
    bool inited;
    /* the timeline (the drv_t's mu) */
    double (*rows)[SAMPLER_COLS];
    size_t nrows;
    uint64_t samples; /* taken, rows kept or not */
    uint64_t stride;  /* a row kept every stride samples */
} sampler_t;

/* The timeline as JSON: {"interval": s, "columns": [...], "rows": [...]},
 * interval the seconds between rows kept (the last row is the end's).
 * NULL when out of memory. */
json_t *sampler_timeline(drv_t *d);
int sampler_start(drv_t *d);
/* The rows' table (sampler_start does it), and one sample of the
 * counters: kept when it falls on the grid (every stride samples) or is
 * the last; a full table keeps every other row first and doubles the
 * stride. (d->mu) */
int sampler_rows_init(sampler_t *s);
void sampler_keep(sampler_t *s, const double *v, bool last);
/* The last row, and the thread joined. Idempotent. */
void sampler_stop(drv_t *d);
void sampler_destroy(drv_t *d);

#endif
