/*
 * phase_table: the operation table (see phases.h). Its operations, each
 * at start + at, in order; a row waits while an earlier change to the
 * same name is still propagating.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/timebase.h"
#include "harness/driver/drv_int.h"
#include "harness/driver/phases.h"
#include "harness/driver/schedule.h"
#include "probes/rdata.h"

/* The zone (*zi) and record (*ri, -1 for zone operations) of row r, added
 * when new: a zone the table did not create is taken to exist (under the
 * lock). */
static int row_target(drv_t *d, const optable_row_t *r, long *zi, long *ri)
{
    *zi = model_find_zone(&d->m, r->zone);
    *ri = -1;
    if (*zi < 0 || (r->kind == OP_ZONE_CREATE && !d->m.zones[*zi].alive)) {
        size_t z = model_zone_add(&d->m, r->zone, &d->sc->targets[0]);
        if (z == SIZE_MAX)
            return -1;
        *zi = (long)z;
        d->m.zones[z].alive = r->kind != OP_ZONE_CREATE;
    }
    if (r->kind >= OP_RECORD_CREATE) {
        *ri = model_find_rec(&d->m, r->name, r->type);
        if (*ri < 0)
            *ri = model_rec_add(&d->m, (size_t)*zi, r->name, r->type, NULL);
    }
    /* held across wait_free, which lets go of the lock */
    model_keep(&d->m, *zi, *ri);
    return 0;
}

/* Wait while the row's zone or record (or, to delete a zone, one of its
 * records) is busy (under the lock). */
static void wait_free(drv_t *d, const optable_row_t *r, long zi, long ri)
{
    while (!drv_stopping(d) &&
           (d->m.zones[zi].busy || (ri >= 0 && d->m.recs[ri].busy) ||
            (r->kind == OP_ZONE_DELETE && model_zone_recs_busy(&d->m, (size_t)zi))))
        timebase_cond_wait_mono_ms(&d->cond, &d->mu, 100);
}

/* Row r's operation, due at due (under the lock). */
static void queue_row(drv_t *d, const optable_row_t *r, long zi, long ri, double due)
{
    op_t *op = model_op_new(&d->m, r->kind);

    if (op == NULL)
        return;
    op->zone = (size_t)zi;
    op->rec = ri;
    op->name = strdup(r->name);
    op->type = r->kind >= OP_RECORD_CREATE ? r->type
               : r->kind == OP_ZONE_UPDATE ? RDATA_T_TXT
                                           : RDATA_T_SOA;
    op->value = r->value != NULL            ? strdup(r->value)
                : r->kind == OP_ZONE_UPDATE ? model_gen_value(&d->m, RDATA_T_TXT, op->id)
                                            : NULL;
    op->due = due;
    op->ttl = r->ttl;
    op->ttl_set = true;
    if (ri >= 0)
        d->m.recs[ri].busy = true;
    else
        d->m.zones[zi].busy = true;
    workers_enqueue(d, op);
}

void phase_table_run(drv_t *d, const optable_row_t *rows, size_t n)
{
    sched_t s;
    size_t i;

    sched_start(&s);
    pthread_mutex_lock(&d->mu);
    d->m.cur_phase = "table";
    d->m.cur_rate = NAN;
    pthread_mutex_unlock(&d->mu);
    for (i = 0; i < n && !drv_stopping(d); i++) {
        const optable_row_t *r = &rows[i];
        long zi;
        long ri;

        s.due = s.t0 + r->at;
        sched_wait(&s); /* (moves t0 after a stall: the table's gaps are kept) */
        pthread_mutex_lock(&d->mu);
        if (row_target(d, r, &zi, &ri) == 0) {
            wait_free(d, r, zi, ri);
            queue_row(d, r, zi, ri, s.t0 + r->at);
        }
        pthread_mutex_unlock(&d->mu);
        if (sched_progress_due(&s))
            drv_progress(d, "table");
    }
}
