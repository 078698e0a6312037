/*
 * phase_mix: a phase of operations drawn from its mix (see phases.h).
 * Its zones are made first (not part of the rate), then the i-th
 * operation is due at a time set by the rate alone (open loop).
 */
#include <math.h>
#include <stdint.h>

#include "harness/driver/drv_int.h"
#include "harness/driver/phases.h"
#include "harness/driver/schedule.h"

/* The phase's zones, waited for on every nameserver: records need them. */
static void make_zones(drv_t *d, const scen_phase_t *ph)
{
    unsigned k;

    pthread_mutex_lock(&d->mu);
    d->m.cur_phase = ph->name;
    d->m.cur_rate = NAN; /* zones made at the start are not part of the rate */
    if (ph->sync_zone != NULL && model_find_zone(&d->m, ph->sync_zone) < 0) {
        /* zone = NAME: a zone that exists (on each of the phase's targets),
         * changed, never created nor deleted */
        size_t z = model_zone_add(&d->m, ph->sync_zone, &d->sc->targets[0]);
        if (z != SIZE_MAX) {
            d->m.zones[z].alive = true;
            d->m.zones[z].existing = true;
        }
    }
    for (k = 0; k < ph->zones && !drv_stopping(d); k++) {
        op_t *op = model_make_op(&d->m, ph, OP_ZONE_CREATE);
        if (op == NULL)
            break;
        op->due = sched_now();
        workers_enqueue(d, op);
    }
    pthread_mutex_unlock(&d->mu);
    workers_wait_idle(d);
}

/* A kind drawn from the mix's weights (wsum their sum). */
static op_kind_t pick_kind(drv_t *d, const scen_phase_t *ph, unsigned wsum)
{
    unsigned pick = (unsigned)(model_rand(&d->m) % wsum);

    for (int i = 0; i < OP_KINDS; i++) {
        if (pick < ph->mix[i])
            return (op_kind_t)i;
        pick -= ph->mix[i];
    }
    return OP_RECORD_CREATE;
}

void phase_mix_run(drv_t *d, const scen_phase_t *ph)
{
    unsigned wsum = 0;
    sched_t s;

    make_zones(d, ph);
    for (int i = 0; i < OP_KINDS; i++)
        wsum += ph->mix[i];
    if (wsum == 0)
        return;
    sched_start(&s);
    while (!drv_stopping(d) && !sched_over(&s, ph)) {
        double rate;
        op_kind_t kind;
        op_t *op;

        sched_wait(&s);
        rate = sched_phase_rate(ph, sched_frac(&s, ph));
        pthread_mutex_lock(&d->mu);
        d->m.cur_rate = rate;
        kind = pick_kind(d, ph, wsum);
        op = model_make_op(&d->m, ph, kind);
        if (op == NULL && kind != OP_RECORD_CREATE)
            op = model_make_op(&d->m, ph, OP_RECORD_CREATE); /* nothing to update or
                                                              * delete yet */
        if (op != NULL) {
            op->due = s.due;
            workers_enqueue(d, op);
        }
        pthread_mutex_unlock(&d->mu);
        sched_next(&s, rate);
        if (sched_progress_due(&s))
            drv_progress(d, ph->name);
    }
}
