/*
 * workers: the API side. Operations wait in a bounded queue (at most
 * api_inflight of them: a full queue holds the scheduling thread back, and
 * the offered rate then outruns the achieved one, which is recorded);
 * api_inflight worker threads, each with its own target connection, take
 * them in order, call the API, and on the acknowledgement submit the
 * change's polls.
 *
 * Ownership: the workers and their target connections belong to the
 * drv_t (workers_destroy frees them). Thread-safety: workers_enqueue is
 * called under the driver's lock; the rest from the scheduling thread.
 */
#ifndef DP_DRIVER_WORKERS_H
#define DP_DRIVER_WORKERS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "harness/driver/model.h"
#include "harness/targets/target.h"

typedef struct drv drv_t;

typedef struct {
    drv_t *d;
    pthread_t thread;
    target_t **targets; /* one connection per [target] (scenario order) */
} worker_t;

/* Worker w's connection to op's target. */
target_t *worker_target(const worker_t *w, const op_t *op);

/* Connect and start sc->api_inflight workers; on failure says why (those
 * started are stopped by workers_close). */
int workers_start(drv_t *d);
/* Queue op, due now or at op->due (under the driver's lock; may wait for
 * room, releasing it). A change to a zone on several targets is queued
 * once per target (model_op_sibling). */
void workers_enqueue(drv_t *d, op_t *op);
/* Wait until every queued and in-flight API call is done and its change
 * has been seen everywhere (or its polls ended), or a stop. */
void workers_wait_idle(drv_t *d);
/* Stop asking the provider for claims: those still out are cancelled
 * (their results stored). Idempotent; also done by workers_close. */
void workers_stop_watch(drv_t *d);
/* No more operations: the workers finish the queue and end. Idempotent. */
void workers_close(drv_t *d);
/* Close the target connections and free the workers. */
void workers_destroy(drv_t *d);

#endif
