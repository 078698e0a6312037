/*
 * workers: the API queue and the threads that call the target (see
 * workers.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "harness/common/timebase.h"
#include "harness/driver/drv_int.h"
#include "harness/driver/schedule.h"
#include "harness/scenario/zonecut.h"

/* What the target is asked to do for op. */
static void target_op_of(const op_t *op, target_op_t *top, char **one)
{
    memset(top, 0, sizeof(*top));
    top->kind = op->kind;
    top->zone = op->zname;
    top->name = op->name;
    top->type = op->type;
    top->ttl = op->ttl_set ? op->ttl : 60;
    if (op->vals != NULL) {
        top->values = op->vals;
        top->nvalues = op->nvals;
    } else if (op->value != NULL) {
        one[0] = op->value;
        top->values = one;
        top->nvalues = 1;
    }
}

/* The reason of a failed call without the call: an http target's error
 * reads "METHOD URL: HTTP 413: Quota exceeded", and the URL holds ids, so
 * failures on different zones would not group. */
static const char *error_reason(const char *err)
{
    const char *p = err;
    const char *colon;

    while (*p >= 'A' && *p <= 'Z')
        p++;
    if (p == err || *p != ' ')
        return err;
    colon = strstr(p + 1, ": ");
    if (colon == NULL || memchr(p + 1, ' ', (size_t)(colon - p - 1)) != NULL)
        return err;
    return colon + 2;
}

/* A failed operation, counted with the others of its kind, status and
 * reason, for the report (the first one's whole message as an example).
 * At most 100 reasons are kept; more count in a last row. (under mu) */
static void note_target_error(drv_t *d, const op_t *op)
{
    const char *err = op->ack.error[0] != '\0' ? op->ack.error : "(no message)";
    const char *reason = error_reason(err);
    const char *kind = op_kind_str(op->kind);
    json_t *e;
    size_t i;

    if (json_array_size(d->target_errors) >= 100) {
        reason = "(other reasons: see the run's output)";
        err = reason;
    }
    json_array_foreach(d->target_errors, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "kind")), kind) == 0 &&
            strcmp(json_string_value(json_object_get(e, "target")), op->target->name) ==
                0 &&
            json_integer_value(json_object_get(e, "status")) == op->ack.status &&
            strcmp(json_string_value(json_object_get(e, "reason")), reason) == 0) {
            json_object_set_new(
                e, "count",
                json_integer(json_integer_value(json_object_get(e, "count")) + 1));
            return;
        }
    }
    /* (a message that is not UTF-8 is not a JSON string: dropped here, its
     * count still in the summary's "failed") */
    e = json_pack("{s:s, s:I, s:s, s:I, s:s, s:s, s:s}", "kind", kind, "status",
                  (json_int_t)op->ack.status, "reason", reason, "count", (json_int_t)1,
                  "example", err, "name", op->name != NULL ? op->name : "", "target",
                  op->target->name);
    if (e != NULL)
        json_array_append_new(d->target_errors, e);
}

/* The API call returned (ret): the model, the counters and the metrics. */
static void applied(drv_t *d, op_t *op, int ret, bool created)
{
    pthread_mutex_lock(&d->mu);
    model_op_applied(&d->m, op, ret, created);
    /* (the metrics client only appends to its buffer: fine under the lock) */
    metrics_count(d->metrics, ret < 0 ? "ops.failed" : "ops.acknowledged", 1);
    if (d->opts->prom != NULL) {
        const char *const v[] = {op_kind_str(op->kind),
                                 ret < 0 ? "failed" : "acknowledged"};
        prom_add(d->opts->prom->ops, v, 1);
        if (ret == 0)
            prom_std_stage(d->opts->prom, "api", op_kind_str(op->kind),
                           op->ack.ack_time - op->ack.submit_time);
    }
    if (ret == 0)
        metrics_timing_ms(d->metrics, "ops.api_ms",
                          (op->ack.ack_time - op->ack.submit_time) * 1e3);
    if (ret < 0) {
        d->failed++;
        note_target_error(d, op);
    } else {
        d->acked++;
    }
    if (d->tacked != NULL && op->target != NULL) {
        size_t ti = scenario_target_index(d->sc, op->target);
        (ret < 0 ? d->tfailed : d->tacked)[ti]++;
    }
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->mu);
}

/* Whether the provider's claim about op will be asked for: the target
 * made a request for it and the campaign has a watcher. */
static bool claim_wanted(drv_t *d, op_t *op)
{
    bool want;

    pthread_mutex_lock(&d->mu);
    /* (the watcher asks the first target: a claim of another is not its) */
    want =
        d->watch != NULL && op->ack.claim_req != NULL && op->target == &d->sc->targets[0];
    pthread_mutex_unlock(&d->mu);
    if (!want) {
        free(op->ack.claim_req);
        op->ack.claim_req = NULL;
    }
    return want;
}

/* Hand op's claim request to the watcher (after its polls are counted);
 * a watcher already stopping (a signal) makes it cancelled at once. */
static void claim_watch(drv_t *d, op_t *op)
{
    char *req = op->ack.claim_req;
    int ret = DP_EUSAGE;

    op->ack.claim_req = NULL;
    pthread_mutex_lock(&d->mu);
    if (d->watch != NULL)
        ret = target_watch_add(d->watch, op->id, req);
    else
        free(req);
    pthread_mutex_unlock(&d->mu);
    if (ret < 0)
        polls_on_claim(op->id, TARGET_CLAIM_CANCELLED, NAN, d);
}

static void apply_op(drv_t *d, target_t *t, op_t *op)
{
    target_op_t top;
    char *one[1];
    bool created;
    int ret;

    polls_hold(op); /* until this worker is done with it */
    target_op_of(op, &top, one);
    op->ack.claim_req = NULL; /* (kinds that cannot say leave it so) */
    ret = target_apply(t, &top, &op->ack);
    created = ret == 0 && op->kind == OP_ZONE_CREATE;
    if (ret == 0 && (op->kind == OP_ZONE_CREATE || op->kind == OP_ZONE_UPDATE ||
                     op->measure == ZS_BY_SERIAL)) {
        /* the serial to wait for: what the primary has after the change
         * (for an occluded record, the only sign of it a query can see) */
        ret = target_zone_serial(t, top.zone, &op->serial);
        if (ret < 0)
            snprintf(op->ack.error, sizeof(op->ack.error), "cannot read the serial of %s",
                     top.zone);
    }
    applied(d, op, ret, created);
    if (ret == 0) {
        op->watched = claim_wanted(d, op);
        polls_submit(d, op);
        if (op->watched)
            claim_watch(d, op);
        polls_drop(op);
        return;
    }
    free(op->ack.claim_req);
    op->ack.claim_req = NULL;
    if (!d->opts->quiet)
        drv_say(d, DRIVER_MSG_ERROR, "%s %s: %s%s", op_kind_str(op->kind), op->name,
                op->ack.error,
                op->kind == OP_ZONE_CREATE && op->ack.status == 409
                    ? " (left by an earlier run with the same seed? delete it, or "
                      "change [campaign] seed)"
                    : "");
    polls_drop(op);
}

/* op goes to the target now (under mu): how late against its due time. */
static void note_sent(drv_t *d, op_t *op)
{
    double late;

    op->sent = sched_now();
    late = op->sent - op->due;
    if (late > SCHED_LATE_S) {
        d->late_ops++;
        if (late > d->late_max)
            d->late_max = late;
    }
}

target_t *worker_target(const worker_t *w, const op_t *op)
{
    return w
        ->targets[op->target != NULL ? scenario_target_index(w->d->sc, op->target) : 0];
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    drv_t *d = w->d;

    pthread_mutex_lock(&d->mu);
    for (;;) {
        op_t *op;
        while (d->qhead == NULL && !d->closing)
            pthread_cond_wait(&d->cond, &d->mu);
        if (d->qhead == NULL)
            break;
        op = d->qhead;
        d->qhead = op->qnext;
        if (d->qhead == NULL)
            d->qtail = NULL;
        d->qlen--;
        note_sent(d, op);
        pthread_cond_broadcast(&d->cond);
        pthread_mutex_unlock(&d->mu);
        apply_op(d, worker_target(w, op), op);
        pthread_mutex_lock(&d->mu);
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

/* The provider's claims: a watcher when the target can report them (not
 * with probe agents, whose results are stored by the agents before any
 * claim could be added to them). */
static int watch_start(drv_t *d)
{
    char err[1024];
    target_watch_t *w = NULL;
    int ret;

    if (d->sc->agents)
        return 0;
    ret = target_watch_create(&w, &d->sc->targets[0], d->sc->timeout, polls_on_claim, d,
                              err, sizeof(err));
    if (ret == DP_EEMPTY)
        return 0;
    if (ret < 0) {
        drv_say(d, DRIVER_MSG_ERROR, "%s", err);
        return ret;
    }
    pthread_mutex_lock(&d->mu);
    d->watch = w;
    pthread_mutex_unlock(&d->mu);
    return 0;
}

void workers_stop_watch(drv_t *d)
{
    target_watch_t *w;

    pthread_mutex_lock(&d->mu);
    w = d->watch;
    d->watch = NULL;
    pthread_mutex_unlock(&d->mu);
    /* (the claims still watched are called back cancelled, on its thread) */
    target_watch_destroy(w);
}

static void worker_free_targets(drv_t *d, worker_t *w)
{
    for (size_t t = 0; w->targets != NULL && t < d->sc->ntargets; t++)
        target_destroy(w->targets[t]);
    free(w->targets);
    w->targets = NULL;
}

int workers_start(drv_t *d)
{
    const scenario_t *sc = d->sc;
    char err[1024];

    d->workers = calloc(sc->api_inflight, sizeof(*d->workers));
    d->tacked = calloc(sc->ntargets + 1, sizeof(*d->tacked));
    d->tfailed = calloc(sc->ntargets + 1, sizeof(*d->tfailed));
    if (d->workers == NULL || d->tacked == NULL || d->tfailed == NULL)
        return -ENOMEM;
    if (sc->ntargets > 0) {
        int ret = watch_start(d);
        if (ret < 0)
            return ret;
    }
    for (d->nworkers = 0; d->nworkers < sc->api_inflight; d->nworkers++) {
        worker_t *w = &d->workers[d->nworkers];
        w->d = d;
        w->targets = calloc(sc->ntargets, sizeof(*w->targets));
        if (w->targets == NULL)
            return -ENOMEM;
        for (size_t t = 0; t < sc->ntargets; t++) {
            int ret = target_create(&w->targets[t], &sc->targets[t], err, sizeof(err));
            if (ret < 0) {
                drv_say(d, DRIVER_MSG_ERROR, "%s", err);
                worker_free_targets(d, w);
                return ret;
            }
        }
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            worker_free_targets(d, w);
            return -EAGAIN;
        }
        pthread_setname_np(w->thread, "dp-target");
    }
    return 0;
}

/* The queue stayed full for a second or more: the target has taken
 * nothing meanwhile. Counted, and told when it ends (under mu). */
static void stall_end(drv_t *d)
{
    double len = sched_now() - d->stall_since;

    d->stall_since = 0;
    d->stalls++;
    d->stalled_s += len;
    if (len > d->stall_longest)
        d->stall_longest = len;
    if (!d->opts->quiet)
        drv_say(d, DRIVER_MSG_NOTE,
                "the target held the schedule back %.1f s (%s): %llu operation%s sent "
                "late so far; the schedule goes on from now, without a burst",
                len, d->m.cur_phase != NULL ? d->m.cur_phase : "-",
                (unsigned long long)d->late_ops, d->late_ops == 1 ? "" : "s");
}

/* Wait for room in the queue (under mu). While the target takes nothing,
 * the progress line goes on every second and says for how long (the
 * caller's scheduling thread is the one that prints it). */
static void wait_room(drv_t *d)
{
    double since = sched_now();
    double last = since;

    while (d->qlen >= d->sc->api_inflight && !drv_stopping(d)) {
        timebase_cond_wait_mono_ms(&d->cond, &d->mu, 100);
        if (sched_now() - last < 1.0)
            continue;
        const char *phase = d->m.cur_phase != NULL ? d->m.cur_phase : "-";
        last = sched_now();
        if (d->stall_since == 0)
            d->stall_since = since;
        pthread_mutex_unlock(&d->mu);
        drv_progress(d, phase);
        pthread_mutex_lock(&d->mu);
    }
    if (d->stall_since != 0)
        stall_end(d);
}

/* Queue one operation (under mu). */
static void enqueue_one(drv_t *d, op_t *op)
{
    metrics_count(d->metrics, "ops.offered", 1);
    if (d->opts->prom != NULL) {
        const char *const v[] = {op_kind_str(op->kind), "offered"};
        prom_add(d->opts->prom->ops, v, 1);
    }
    wait_room(d);
    op->qnext = NULL;
    if (d->qtail != NULL)
        d->qtail->qnext = op;
    else
        d->qhead = op;
    d->qtail = op;
    d->qlen++;
    pthread_cond_broadcast(&d->cond);
}

void workers_enqueue(drv_t *d, op_t *op)
{
    const zone_t *z = &d->m.zones[op->zone];
    op_t *sib[64];
    unsigned n = 0;
    uint64_t more;

    op->zname = z->name;
    if (op->change == op->id)
        d->changes++;
    if (op->target != NULL) {
        /* one target's own change (zone sync's plan per target) */
        enqueue_one(d, op);
        return;
    }
    op->target = z->target;
    /* every sibling is made before any is queued: once queued, one may be
     * done and freed while wait_room has released the lock */
    more = z->tmask & ~(UINT64_C(1) << scenario_target_index(d->sc, z->target));
    while (more != 0 && n < 64) {
        unsigned ti = (unsigned)__builtin_ctzll(more);
        more &= more - 1;
        sib[n] = model_op_sibling(&d->m, op, &d->sc->targets[ti]);
        if (sib[n] == NULL) {
            drv_say(d, DRIVER_MSG_ERROR, "%s %s: out of memory: not sent to [target %s]",
                    op_kind_str(op->kind), op->name, d->sc->targets[ti].name);
            continue;
        }
        n++;
    }
    op->nchange = n + 1;
    for (unsigned i = 0; i < n; i++)
        sib[i]->nchange = n + 1;
    enqueue_one(d, op);
    for (unsigned i = 0; i < n; i++)
        enqueue_one(d, sib[i]);
}

void workers_wait_idle(drv_t *d)
{
    pthread_mutex_lock(&d->mu);
    while ((d->qhead != NULL || model_busy(&d->m)) && !drv_stopping(d))
        timebase_cond_wait_mono_ms(&d->cond, &d->mu, 100);
    pthread_mutex_unlock(&d->mu);
}

void workers_close(drv_t *d)
{
    unsigned i;

    bool closed;

    pthread_mutex_lock(&d->mu);
    closed = d->closing;
    d->closing = true;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->mu);
    for (i = 0; !closed && i < d->nworkers; i++)
        pthread_join(d->workers[i].thread, NULL);
    workers_stop_watch(d);
}

void workers_destroy(drv_t *d)
{
    for (unsigned i = 0; i < d->nworkers; i++)
        worker_free_targets(d, &d->workers[i]);
    d->nworkers = 0;
    free(d->workers);
    d->workers = NULL;
    free(d->tacked);
    free(d->tfailed);
    d->tacked = d->tfailed = NULL;
}
