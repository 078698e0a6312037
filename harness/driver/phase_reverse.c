/*
 * phase_reverse: a reverse phase (see phases.h). The forward zone and the
 * prefix's reverse zone (RFC 1035 3.5 in-addr.arpa., RFC 3596 2.5
 * ip6.arpa.), then for the n-th address of the prefix an A or AAAA record
 * h<n>.<forward zone> and its PTR, both due at the same moment, at the
 * phase's rate.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/driver/drv_int.h"
#include "harness/driver/phases.h"
#include "harness/driver/schedule.h"
#include "harness/scenario/reverse.h"
#include "probes/rdata.h"

/* Queue op, due now (under the lock). */
static void queue_now(drv_t *d, op_t *op)
{
    if (op == NULL)
        return;
    op->due = sched_now();
    workers_enqueue(d, op);
}

/* The reverse zone's parent, one label up (2.0.192.in-addr.arpa. ->
 * 0.192.in-addr.arpa.; one nibble up in ip6.arpa.): when the target does
 * not serve it yet, create it and delegate the zone to it (NS, RFC 1034
 * 4.2.2), so that the reverse tree holds together below the apex. */
static void ensure_parent(drv_t *d, const char *rzone, size_t rz)
{
    const char *dot = strchr(rzone, '.');
    const char *parent = dot != NULL ? dot + 1 : "";
    char err[512];
    char ns[RDATA_NAME_TEXT_MAX + 8];
    target_t *t = NULL;
    uint32_t serial;
    bool exists;
    long pz;

    if (strcmp(parent, "in-addr.arpa.") == 0 || strcmp(parent, "ip6.arpa.") == 0 ||
        parent[0] == '\0' || !d->m.zones[rz].alive)
        return;
    if (target_create(&t, &d->sc->targets[0], err, sizeof(err)) < 0)
        return;
    exists = target_zone_serial(t, parent, &serial) == 0;
    target_destroy(t);
    if (exists)
        return; /* served already: its owner delegates */
    pthread_mutex_lock(&d->mu);
    queue_now(d, model_zone_create_op(&d->m, parent));
    pthread_mutex_unlock(&d->mu);
    workers_wait_idle(d);
    pthread_mutex_lock(&d->mu);
    pz = model_find_zone(&d->m, parent);
    if (pz >= 0 && d->m.zones[pz].alive) {
        snprintf(ns, sizeof(ns), "ns1.%s", rzone); /* the zone's own NS */
        queue_now(d, model_record_op(&d->m, (size_t)pz, rzone, RDATA_T_NS, ns));
    }
    pthread_mutex_unlock(&d->mu);
    workers_wait_idle(d);
}

/* The forward zone (*fz) and the reverse zone rzone (*rz), made and seen
 * everywhere; -1 when they could not be made. */
static int make_zones(drv_t *d, const scen_phase_t *ph, const char *rzone, size_t *fz,
                      size_t *rz)
{
    op_t *op;

    pthread_mutex_lock(&d->mu);
    d->m.cur_phase = ph->name;
    d->m.cur_rate = NAN;
    op = model_make_op(&d->m, ph, OP_ZONE_CREATE); /* the forward zone */
    if (op == NULL)
        goto fail;
    *fz = op->zone;
    model_keep(&d->m, (long)*fz, -1); /* its index is held for the phase */
    queue_now(d, op);
    op = model_zone_create_op(&d->m, rzone);
    if (op == NULL)
        goto fail;
    *rz = op->zone;
    queue_now(d, op);
    pthread_mutex_unlock(&d->mu);
    workers_wait_idle(d);
    ensure_parent(d, rzone, *rz);
    return 0;
fail:
    pthread_mutex_unlock(&d->mu);
    return -1;
}

/* The n-th pair: h<n>.<forward zone> and its PTR, due at due (under the
 * lock). */
static void make_pair(drv_t *d, int fam, const unsigned char *addr, uint64_t n, size_t fz,
                      size_t rz, double due)
{
    char host[RDATA_NAME_TEXT_MAX + 32];
    char text[64];
    char ptr[RDATA_NAME_TEXT_MAX];
    op_t *op;

    reverse_addr_text(fam, addr, text, sizeof(text));
    reverse_ptr_name(fam, addr, ptr, sizeof(ptr));
    snprintf(host, sizeof(host), "h%llu.%s", (unsigned long long)n, d->m.zones[fz].name);
    if (!d->m.zones[fz].alive || !d->m.zones[rz].alive)
        return;
    op =
        model_record_op(&d->m, fz, host, fam == AF_INET ? RDATA_T_A : RDATA_T_AAAA, text);
    if (op != NULL) {
        op->due = due;
        workers_enqueue(d, op);
    }
    op = model_record_op(&d->m, rz, ptr, RDATA_T_PTR, host);
    if (op != NULL) {
        op->due = due;
        workers_enqueue(d, op);
    }
}

void phase_reverse_run(drv_t *d, const scen_phase_t *ph)
{
    char rzone[RDATA_NAME_TEXT_MAX];
    unsigned char addr[16];
    size_t fz;
    size_t rz;
    sched_t s;

    if (reverse_zone(&ph->prefix, rzone, sizeof(rzone)) < 0 ||
        make_zones(d, ph, rzone, &fz, &rz) < 0)
        return;
    sched_start(&s);
    while (!drv_stopping(d) && !sched_over(&s, ph) &&
           reverse_nth_addr(&ph->prefix, s.n, addr) >= 0) {
        double rate = sched_phase_rate(ph, sched_frac(&s, ph));

        sched_wait(&s);
        pthread_mutex_lock(&d->mu);
        d->m.cur_rate = rate;
        make_pair(d, ph->prefix.family, addr, s.n, fz, rz, s.due);
        pthread_mutex_unlock(&d->mu);
        sched_next(&s, rate); /* only this thread writes it */
        if (sched_progress_due(&s))
            drv_progress(d, ph->name);
    }
}
