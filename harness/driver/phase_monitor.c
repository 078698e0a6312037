/*
 * phase_monitor: `dnsprop monitor`'s canaries (see phases.h). Every
 * [monitor] interval, in each zone of [monitor] zones (zones that exist at
 * the target: the monitor never creates or deletes one), the TXT RRset at
 * <name>.<zone> is replaced by one value carrying a sequence number and
 * the time it was made; with serial = yes the zone's serial is bumped too.
 * Each change is then polled on every nameserver like any campaign's.
 *
 * A canary whose previous one is still propagating (some poll not ended
 * yet) is not made: the interval is counted missed, never queued, so a
 * nameserver that is down costs one pending change per zone, not a
 * backlog that grows while it is down.
 *
 * With [storage] retention, the results older than it are trimmed from
 * the store every few minutes (storage/aging.c): a monitor writes for
 * weeks, and its keys' expiry alone would never come.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/timebase.h"
#include "harness/driver/drv_int.h"
#include "harness/driver/phases.h"
#include "harness/driver/schedule.h"
#include "probes/rdata.h"

#define CANARY_DEFAULT_NAME "_dnsprop-canary"
#define CANARY_TTL          60

/* The zones and canary records in the model, once (under the lock). */
static int monitor_model(drv_t *d, long *zi, long *ri)
{
    const scenario_t *sc = d->sc;
    const char *rel = sc->mon_name != NULL ? sc->mon_name : CANARY_DEFAULT_NAME;

    for (size_t z = 0; z < sc->mon_nzones; z++) {
        char name[RDATA_NAME_TEXT_MAX + 64];
        zi[z] = model_find_zone(&d->m, sc->mon_zones[z]);
        if (zi[z] < 0) {
            size_t n = model_zone_add(&d->m, sc->mon_zones[z], &sc->targets[0]);
            if (n == SIZE_MAX)
                return -1;
            zi[z] = (long)n;
            d->m.zones[n].alive = true; /* it exists: the monitor never creates one */
        }
        snprintf(name, sizeof(name), "%s.%s", rel, sc->mon_zones[z]);
        ri[z] = model_rec_add(&d->m, (size_t)zi[z], name, RDATA_T_TXT, NULL);
        if (ri[z] < 0)
            return -1;
        model_keep(&d->m, zi[z], ri[z]); /* held for the monitor's life */
    }
    return 0;
}

/* The canary's value: "dnsprop canary seq=N at=EPOCH" (RFC 1035 section
 * 3.3.14 character-string, quoted). */
static char *canary_value(uint64_t seq)
{
    char v[128];

    snprintf(v, sizeof(v), "\"dnsprop canary seq=%llu at=%.3f\"", (unsigned long long)seq,
             timebase_real_s());
    return strdup(v);
}

/* One zone's canary, due at due (under the lock); false when the one
 * before it still propagates. */
static bool canary(drv_t *d, long zi, long ri, uint64_t seq, double due)
{
    op_t *op;

    if (d->m.recs[ri].busy || d->m.zones[zi].busy)
        return false;
    op = model_op_new(&d->m, OP_RECORD_UPDATE);
    if (op == NULL)
        return true; /* (no memory, or 64 M operations in flight: none sent) */
    op->zone = (size_t)zi;
    op->rec = ri;
    op->name = strdup(d->m.recs[ri].name);
    op->type = RDATA_T_TXT;
    op->value = canary_value(seq);
    op->due = due;
    op->ttl = CANARY_TTL;
    op->ttl_set = true;
    d->m.recs[ri].busy = true;
    workers_enqueue(d, op);
    if (d->sc->mon_serial) {
        /* a zone update as the mixes make one, measured by serial_not_lower */
        op = model_zone_op(&d->m, OP_ZONE_UPDATE, (size_t)zi);
        if (op != NULL) {
            op->rec = -1;
            op->due = due;
            workers_enqueue(d, op);
        }
    }
    return true;
}

/* Sleep until monotonic t, the end, or a stop, in short steps: a signal
 * may be taken by another thread and not cut this one's sleep. */
static void wait_until(drv_t *d, double t)
{
    while (!drv_stopping(d) && sched_now() < t)
        sched_sleep_until(fmin(t, sched_now() + 0.2));
}

static void tick(drv_t *d, const long *zi, const long *ri, uint64_t seq, double due)
{
    const scenario_t *sc = d->sc;

    pthread_mutex_lock(&d->mu);
    for (size_t z = 0; z < sc->mon_nzones; z++) {
        if (canary(d, zi[z], ri[z], seq, due))
            continue;
        d->mon_missed++;
        if (d->opts->prom != NULL) {
            const char *const v[] = {sc->mon_zones[z]};
            prom_add(d->opts->prom->canary_missed, v, 1);
        }
    }
    pthread_mutex_unlock(&d->mu);
}

/* The results older than the retention removed every minute (every
 * quarter of the retention when it is shorter, but not more often than
 * the canaries). */
#define AGING_EVERY_S 60.0

static double aging_every(const drv_t *d)
{
    double keep = d->opts->store != NULL ? d->opts->store->retention : 0;

    return fmax(fmin(AGING_EVERY_S, keep / 4), d->sc->mon_interval);
}

static void age_results(drv_t *d)
{
    double keep = d->opts->store != NULL ? d->opts->store->retention : 0;
    size_t removed = 0;
    char err[512];

    if (d->store == NULL || !(keep > 0) || d->id[0] == '\0')
        return;
    if (store_trim_results(d->store, d->id, timebase_real_s() - keep, &removed, err,
                           sizeof(err)) < 0) {
        drv_say(d, DRIVER_MSG_NOTE, "monitor: results older than the retention: %s", err);
        return;
    }
    pthread_mutex_lock(&d->mu);
    d->mon_trimmed += removed;
    pthread_mutex_unlock(&d->mu);
}

void phase_monitor_run(drv_t *d)
{
    const scenario_t *sc = d->sc;
    double duration =
        d->opts->monitor_duration > 0 ? d->opts->monitor_duration : sc->mon_duration;
    double t0 = sched_now();
    double end = duration > 0 ? t0 + duration : INFINITY;
    long *zi = calloc(sc->mon_nzones, sizeof(*zi));
    long *ri = calloc(sc->mon_nzones, sizeof(*ri));
    double aged = t0;
    int ret = -1;

    pthread_mutex_lock(&d->mu);
    d->m.cur_phase = "monitor";
    d->m.cur_rate = (double)sc->mon_nzones / sc->mon_interval;
    d->m.cur_tmask = sc->mon_tmask; /* the canaries go to each of these */
    if (zi != NULL && ri != NULL)
        ret = monitor_model(d, zi, ri);
    pthread_mutex_unlock(&d->mu);
    if (ret < 0) {
        drv_say(d, DRIVER_MSG_ERROR, "monitor: out of memory");
        goto out;
    }
    for (uint64_t seq = 1; !drv_stopping(d); seq++) {
        double due = t0 + (double)(seq - 1) * sc->mon_interval;
        if (due >= end)
            break;
        wait_until(d, due);
        if (drv_stopping(d))
            break;
        tick(d, zi, ri, seq, due);
        drv_progress(d, "monitor");
        if (sched_now() - aged >= aging_every(d)) {
            aged = sched_now();
            age_results(d);
        }
    }
    /* the last interval runs its course before the drain */
    wait_until(d, fmin(end, t0 + ceil((sched_now() - t0) / sc->mon_interval) *
                                     sc->mon_interval));
out:
    free(zi);
    free(ri);
}
