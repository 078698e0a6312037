/*
 * sampler: the rates-over-time plot's data. A thread of its own samples
 * the driver's counters, cumulative, once a second on the monotonic clock
 * (the scheduling thread sleeps until operations are due, and may wait on
 * a full queue), sends the gauges to statsd, and in agents mode reaps the
 * polls no agent will answer.
 *
 * Ownership: the timeline (a JSON object: interval, columns, rows) is the
 * drv_t's; the sampler appends rows to it while it runs. Thread-safety:
 * sampler_start and sampler_stop from the scheduling thread only.
 */
#ifndef DP_DRIVER_SAMPLER_H
#define DP_DRIVER_SAMPLER_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>

typedef struct drv drv_t;

typedef struct {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond; /* monotonic clock */
    bool stop;           /* (mu) */
    bool running;
    bool inited;
} sampler_t;

/* An empty timeline: {"interval": 1, "columns": [...], "rows": []}. */
json_t *sampler_timeline_new(void);
int sampler_start(drv_t *d);
/* The last row, and the thread joined. Idempotent. */
void sampler_stop(drv_t *d);
void sampler_destroy(drv_t *d);

#endif
