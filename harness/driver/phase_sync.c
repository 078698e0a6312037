/*
 * phase_sync: a zone-sync phase (see phases.h). The plan is made before
 * the campaign starts (the zone file against the zone the primary gives
 * by AXFR, harness/scenario/zonesync.h), shown, checked against the
 * phase's safety thresholds, then applied one change per RRset at the
 * phase's rate.
 *
 * With several targets ([phase] targets =), each gets a plan of its own,
 * against what its own primary serves (providers drift apart: the point
 * of syncing each, as octoDNS does). A change to the same RRset in
 * several plans is one change, sent to each of those targets at once;
 * a change only one target needs goes to that one.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "harness/common/timebase.h"
#include "harness/driver/drv_int.h"
#include "harness/driver/phases.h"
#include "harness/driver/schedule.h"
#include "harness/scenario/zonesync.h"
#include "probes/rdata.h"

/* One target's plan: its primary's zone (AXFR) against the file. */
typedef struct {
    const target_conf_t *target;
    zs_zone_t have;
    zs_plan_t plan;
    bool made;
    bool *sent; /* per change: applied with another target's (run) */
} tplan_t;

struct syncplan {
    zs_zone_t want;
    char zone[RDATA_NAME_TEXT_MAX];
    tplan_t *tp; /* one per target of the phase, in scenario order */
    size_t ntp;
};

void phase_sync_free(syncplan_t *sp, size_t n)
{
    size_t i;

    for (i = 0; sp != NULL && i < n; i++) {
        for (size_t t = 0; t < sp[i].ntp; t++) {
            if (sp[i].tp[t].made)
                zs_plan_free(&sp[i].tp[t].plan);
            zs_zone_free(&sp[i].tp[t].have);
            free(sp[i].tp[t].sent);
        }
        free(sp[i].tp);
        zs_zone_free(&sp[i].want);
    }
    free(sp);
}

/* The primary nameserver of target t: where its zone is read. */
static const scen_ns_t *primary_of(const scenario_t *sc, const target_conf_t *t)
{
    for (size_t k = 0; k < sc->nns; k++) {
        if (sc->ns[k].role == NS_PRIMARY && scenario_ns_target(sc, &sc->ns[k]) == t)
            return &sc->ns[k];
    }
    return NULL;
}

/* The plan for people: a heading (saying how many RRsets of the file the
 * plan skips), one line per change, then what the plan leaves out
 * (zs_plan_print). Shown also with --quiet on a dry run: a dry run never
 * hides a skipped RRset. */
static void show_plan(drv_t *d, const scen_phase_t *ph, const syncplan_t *sp,
                      const tplan_t *tp, size_t skipped)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    if (f == NULL)
        return;
    fprintf(f, "== [phase %s] sync %s to %s", ph->name, sp->zone, ph->zonefile);
    if (sp->ntp > 1)
        fprintf(f, " on [target %s]", tp->target->name);
    if (skipped > 0)
        fprintf(f, " (%zu RRset%s of the file NOT synced: see SKIPPED below)", skipped,
                skipped == 1 ? "" : "s");
    fputc('\n', f);
    zs_plan_print(f, &tp->plan);
    if (fclose(f) == 0)
        drv_say(d, DRIVER_MSG_TEXT, "%s", text);
    free(text);
}

/* Target tp's plan for phase ph: its primary's zone by AXFR against the
 * file, shown and added to all (JSON). */
static int plan_target(drv_t *d, const scen_phase_t *ph, syncplan_t *sp, tplan_t *tp,
                       size_t skipped, json_t *all)
{
    const scenario_t *sc = d->sc;
    const scen_ns_t *primary = primary_of(sc, tp->target);
    char err[1024];
    json_t *pj;

    if (primary == NULL) {
        drv_say(d, DRIVER_MSG_ERROR,
                "%s: [phase %s] zonefile: no [nameserver] with role = primary and target "
                "= %s to read the zone from by AXFR",
                sc->path, ph->name, tp->target->name);
        return DP_EPARSE;
    }
    if (zs_zone_axfr(primary->addr.text, sp->zone, tp->target->tsig, &tp->have, err,
                     sizeof(err)) < 0) {
        drv_say(d, DRIVER_MSG_ERROR, "[phase %s] AXFR of %s from %s: %s", ph->name,
                sp->zone, primary->addr.text, err);
        return DP_EPARSE;
    }
    zs_plan(&sp->want, &tp->have, &tp->plan);
    tp->made = true;
    tp->sent = calloc(tp->plan.n + 1, sizeof(bool));
    if (tp->sent == NULL)
        return -ENOMEM;
    if (!d->opts->quiet || d->opts->dry_run)
        show_plan(d, ph, sp, tp, skipped);
    pj = zs_plan_json(&tp->plan);
    json_object_set_new(pj, "phase", json_string(ph->name));
    json_object_set_new(pj, "zone", json_string(sp->zone));
    json_object_set_new(pj, "target", json_string(tp->target->name));
    json_array_append_new(all, pj);
    return 0;
}

/* Phase ph's plans into sp, one per target, shown and added to all. */
static int plan_one(drv_t *d, const scen_phase_t *ph, syncplan_t *sp, json_t *all)
{
    const scenario_t *sc = d->sc;
    uint64_t mask = scenario_phase_tmask(ph);
    char err[1024];
    size_t skipped = 0;
    int ret = 0;

    if (zs_zone_load(ph->zonefile, ph->sync_zone, &sp->want, &skipped, err, sizeof(err)) <
        0) {
        drv_say(d, DRIVER_MSG_ERROR, "[phase %s] zonefile: %s", ph->name, err);
        return DP_EPARSE;
    }
    snprintf(sp->zone, sizeof(sp->zone), "%s",
             ph->sync_zone != NULL ? ph->sync_zone : sp->want.origin);
    sp->tp = calloc((size_t)__builtin_popcountll(mask), sizeof(*sp->tp));
    if (sp->tp == NULL)
        return -ENOMEM;
    for (size_t t = 0; t < sc->ntargets && t < 64; t++) {
        if (mask & (UINT64_C(1) << t))
            sp->tp[sp->ntp++].target = &sc->targets[t];
    }
    for (size_t k = 0; k < sp->ntp && ret == 0; k++)
        ret = plan_target(d, ph, sp, &sp->tp[k], skipped, all);
    return ret;
}

/* The plan's safety: an unsafe plan stops the run unless --force (or a
 * dry run, which only shows it). */
static int check_one(drv_t *d, const scen_phase_t *ph, const syncplan_t *sp)
{
    char why[512];
    int ret = 0;

    for (size_t t = 0; t < sp->ntp; t++) {
        if (zs_plan_check(&sp->tp[t].plan, ph->max_update_pct, ph->max_delete_pct, why,
                          sizeof(why)) == 0)
            continue;
        drv_say(d, DRIVER_MSG_ERROR, "[phase %s] unsafe%s%s: %s%s", ph->name,
                sp->ntp > 1 ? " on [target] " : "",
                sp->ntp > 1 ? sp->tp[t].target->name : "", why,
                d->opts->force ? " (applied: --force)" : "");
        if (!d->opts->force && !d->opts->dry_run)
            ret = DP_EUSAGE;
    }
    return ret;
}

int phase_sync_plan(drv_t *d, syncplan_t **out)
{
    const scenario_t *sc = d->sc;
    json_t *all = json_array();
    size_t i;
    int ret = 0;

    *out = calloc(sc->nphases + 1, sizeof(**out));
    if (*out == NULL) {
        json_decref(all);
        return -ENOMEM;
    }
    for (i = 0; i < sc->nphases && ret == 0; i++) {
        if (sc->phases[i].zonefile == NULL)
            continue;
        ret = plan_one(d, &sc->phases[i], &(*out)[i], all);
        if (ret == 0)
            ret = check_one(d, &sc->phases[i], &(*out)[i]);
    }
    if (d->opts->dry_run && ret == 0) {
        char *t = json_dumps(all, JSON_INDENT(2));
        drv_say(d, DRIVER_MSG_JSON, "%s", t != NULL ? t : "[]");
        free(t);
    }
    json_decref(all);
    return ret;
}

/* The operation of change ch of plan for target t, due at due, its
 * record one more time busy (under the lock); NULL on ENOMEM. */
static op_t *make_change(drv_t *d, const zs_plan_t *plan, const zs_change_t *ch,
                         const target_conf_t *t, long zi, long ri, double due)
{
    const zs_rrset_t *rs = ch->want != NULL ? ch->want : ch->have;
    op_t *op = model_op_new(&d->m, ch->kind);
    const char *cut = NULL;

    if (op == NULL)
        return NULL;
    op->target = t;
    op->measure = (unsigned char)zs_plan_measure(plan, ch, &cut);
    op->cut = cut != NULL ? strdup(cut) : NULL;
    op->zone = (size_t)zi;
    op->rec = ri;
    op->name = strdup(rs->name);
    op->type = rs->type;
    op->ttl = rs->ttl;
    op->ttl_set = true;
    if (ch->kind != OP_RECORD_DELETE && ch->want->nvalues > 0) {
        op->vals = calloc(ch->want->nvalues, sizeof(char *));
        for (size_t v = 0; op->vals != NULL && v < ch->want->nvalues; v++)
            op->vals[op->nvals++] = strdup(ch->want->values[v]);
        op->value = strdup(ch->want->values[0]);
    }
    op->due = due;
    if (ri >= 0) {
        d->m.recs[ri].busy++;
        free(d->m.recs[ri].value);
        d->m.recs[ri].value = op->value != NULL ? strdup(op->value) : NULL;
    }
    return op;
}

/* The change of the RRset (name, type) in tp's plan not sent yet, or -1. */
static long find_change(const tplan_t *tp, const char *name, uint16_t type)
{
    for (size_t i = 0; i < tp->plan.n; i++) {
        const zs_change_t *ch = &tp->plan.changes[i];
        const zs_rrset_t *rs = ch->want != NULL ? ch->want : ch->have;
        if (!tp->sent[i] && rs->type == type && strcmp(rs->name, name) == 0)
            return (long)i;
    }
    return -1;
}

/* Change ci of target ti's plan, with the same RRset's change in every
 * later target's plan, as one change (under the lock). */
static void queue_change(drv_t *d, syncplan_t *sp, size_t ti, size_t ci, long zi, long ri,
                         double due)
{
    const zs_change_t *ch = &sp->tp[ti].plan.changes[ci];
    const zs_rrset_t *rs = ch->want != NULL ? ch->want : ch->have;
    op_t *ops[64];
    unsigned n = 0;

    for (size_t t = ti; t < sp->ntp && n < 64; t++) {
        long k = t == ti ? (long)ci : find_change(&sp->tp[t], rs->name, rs->type);
        if (k < 0)
            continue; /* that target has it already */
        sp->tp[t].sent[k] = true;
        ops[n] = make_change(d, &sp->tp[t].plan, &sp->tp[t].plan.changes[k],
                             sp->tp[t].target, zi, ri, due);
        if (ops[n] != NULL)
            n++;
    }
    /* made before any is queued: once queued, one may be done and freed */
    for (unsigned i = 0; i < n; i++) {
        ops[i]->change = ops[0]->id;
        ops[i]->nchange = n;
    }
    for (unsigned i = 0; i < n; i++)
        workers_enqueue(d, ops[i]);
}

/* The synced zone (synced zones exist on the target), -1 on ENOMEM. */
static long sync_zone(drv_t *d, const char *zone)
{
    long zi = model_find_zone(&d->m, zone);
    size_t z;

    if (zi >= 0) {
        model_keep(&d->m, zi, -1); /* synced from now on: not a mix's */
        return zi;
    }
    z = model_zone_add(&d->m, zone, &d->sc->targets[0]);
    if (z == SIZE_MAX)
        return -1;
    d->m.zones[z].alive = true;
    d->m.zones[z].existing = true; /* not the campaign's: cleanup leaves it */
    return (long)z;
}

/* The next change to send: target *ti's change *ci not sent yet, in the
 * order of the first target's plan, then of the others'. false: none. */
static bool next_change(const syncplan_t *sp, size_t *ti, size_t *ci)
{
    for (size_t t = 0; t < sp->ntp; t++) {
        for (size_t i = 0; i < sp->tp[t].plan.n; i++) {
            if (!sp->tp[t].sent[i]) {
                *ti = t;
                *ci = i;
                return true;
            }
        }
    }
    return false;
}

void phase_sync_run(drv_t *d, const scen_phase_t *ph, syncplan_t *plans, size_t pi)
{
    syncplan_t *sp = &plans[pi];
    size_t ti, ci;
    sched_t s;
    long zi;

    sched_start(&s);
    pthread_mutex_lock(&d->mu);
    zi = sync_zone(d, sp->zone);
    d->m.cur_phase = ph->name;
    d->m.cur_rate = ph->rate_from;
    pthread_mutex_unlock(&d->mu);
    while (zi >= 0 && !drv_stopping(d) && next_change(sp, &ti, &ci)) {
        const zs_change_t *ch = &sp->tp[ti].plan.changes[ci];
        const zs_rrset_t *rs = ch->want != NULL ? ch->want : ch->have;
        long ri;

        sched_wait(&s);
        pthread_mutex_lock(&d->mu);
        ri = model_find_rec(&d->m, rs->name, rs->type);
        if (ri < 0)
            ri = model_rec_add(&d->m, (size_t)zi, rs->name, rs->type, NULL);
        model_keep(&d->m, zi, ri); /* held across the wait below */
        while (!drv_stopping(d) && ri >= 0 && d->m.recs[ri].busy)
            timebase_cond_wait_mono_ms(&d->cond, &d->mu, 100);
        queue_change(d, sp, ti, ci, zi, ri, s.due);
        pthread_mutex_unlock(&d->mu);
        sched_next(&s, ph->rate_from);
        if (sched_progress_due(&s))
            drv_progress(d, ph->name);
    }
}
