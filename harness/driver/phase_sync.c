/*
 * phase_sync: a zone-sync phase (see phases.h). The plan is made before
 * the campaign starts (the zone file against the zone the primary gives
 * by AXFR, harness/scenario/zonesync.h), shown, checked against the
 * phase's safety thresholds, then applied one change per RRset at the
 * phase's rate.
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

struct syncplan {
    zs_zone_t want;
    zs_zone_t have;
    zs_plan_t plan;
    char zone[RDATA_NAME_TEXT_MAX];
    bool made;
};

void phase_sync_free(syncplan_t *sp, size_t n)
{
    size_t i;

    for (i = 0; sp != NULL && i < n; i++) {
        if (sp[i].made)
            zs_plan_free(&sp[i].plan);
        zs_zone_free(&sp[i].want);
        zs_zone_free(&sp[i].have);
    }
    free(sp);
}

/* The primary nameserver of the first target: where the zone is read. */
static const scen_ns_t *primary_of(const scenario_t *sc)
{
    for (size_t k = 0; k < sc->nns; k++) {
        if (sc->ns[k].role == NS_PRIMARY &&
            scenario_ns_target(sc, &sc->ns[k]) == &sc->targets[0])
            return &sc->ns[k];
    }
    return NULL;
}

/* The plan for people: a heading (saying how many RRsets of the file the
 * plan skips), one line per change, then what the plan leaves out
 * (zs_plan_print). Shown also with --quiet on a dry run: a dry run never
 * hides a skipped RRset. */
static void show_plan(drv_t *d, const scen_phase_t *ph, const syncplan_t *sp,
                      size_t skipped)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    if (f == NULL)
        return;
    fprintf(f, "== [phase %s] sync %s to %s", ph->name, sp->zone, ph->zonefile);
    if (skipped > 0)
        fprintf(f, " (%zu RRset%s of the file NOT synced: see SKIPPED below)", skipped,
                skipped == 1 ? "" : "s");
    fputc('\n', f);
    zs_plan_print(f, &sp->plan);
    if (fclose(f) == 0)
        drv_say(d, DRIVER_MSG_TEXT, "%s", text);
    free(text);
}

/* Phase ph's plan into sp, shown and added to all (JSON). */
static int plan_one(drv_t *d, const scen_phase_t *ph, syncplan_t *sp, json_t *all)
{
    const scenario_t *sc = d->sc;
    const scen_ns_t *primary = primary_of(sc);
    char err[1024];
    size_t skipped = 0;
    json_t *pj;

    if (primary == NULL) {
        drv_say(d, DRIVER_MSG_ERROR,
                "%s: [phase %s] zonefile: no [nameserver] with role = primary to read "
                "the zone from by AXFR",
                sc->path, ph->name);
        return DP_EPARSE;
    }
    if (zs_zone_load(ph->zonefile, ph->sync_zone, &sp->want, &skipped, err, sizeof(err)) <
        0) {
        drv_say(d, DRIVER_MSG_ERROR, "[phase %s] zonefile: %s", ph->name, err);
        return DP_EPARSE;
    }
    snprintf(sp->zone, sizeof(sp->zone), "%s",
             ph->sync_zone != NULL ? ph->sync_zone : sp->want.origin);
    if (zs_zone_axfr(primary->addr.text, sp->zone, sc->targets[0].tsig, &sp->have, err,
                     sizeof(err)) < 0) {
        drv_say(d, DRIVER_MSG_ERROR, "[phase %s] AXFR of %s from %s: %s", ph->name,
                sp->zone, primary->addr.text, err);
        return DP_EPARSE;
    }
    zs_plan(&sp->want, &sp->have, &sp->plan);
    sp->made = true;
    if (!d->opts->quiet || d->opts->dry_run)
        show_plan(d, ph, sp, skipped);
    pj = zs_plan_json(&sp->plan);
    json_object_set_new(pj, "phase", json_string(ph->name));
    json_object_set_new(pj, "zone", json_string(sp->zone));
    json_array_append_new(all, pj);
    return 0;
}

/* The plan's safety: an unsafe plan stops the run unless --force (or a
 * dry run, which only shows it). */
static int check_one(drv_t *d, const scen_phase_t *ph, const syncplan_t *sp)
{
    char why[512];

    if (zs_plan_check(&sp->plan, ph->max_update_pct, ph->max_delete_pct, why,
                      sizeof(why)) == 0)
        return 0;
    drv_say(d, DRIVER_MSG_ERROR, "[phase %s] unsafe: %s%s", ph->name, why,
            d->opts->force ? " (applied: --force)" : "");
    return d->opts->force || d->opts->dry_run ? 0 : DP_EUSAGE;
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

/* The operation of change ch of plan, due at due (under the lock). */
static void queue_change(drv_t *d, const zs_plan_t *plan, const zs_change_t *ch, long zi,
                         long ri, double due)
{
    const zs_rrset_t *rs = ch->want != NULL ? ch->want : ch->have;
    op_t *op = model_op_new(&d->m, ch->kind);
    const char *cut = NULL;

    if (op == NULL)
        return;
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
        d->m.recs[ri].busy = true;
        free(d->m.recs[ri].value);
        d->m.recs[ri].value = op->value != NULL ? strdup(op->value) : NULL;
    }
    workers_enqueue(d, op);
}

/* The synced zone (synced zones exist on the target), -1 on ENOMEM. */
static long sync_zone(drv_t *d, const char *zone)
{
    long zi = model_find_zone(&d->m, zone);
    size_t z;

    if (zi >= 0)
        return zi;
    z = model_zone_add(&d->m, zone, &d->sc->targets[0]);
    if (z == SIZE_MAX)
        return -1;
    d->m.zones[z].alive = true;
    return (long)z;
}

void phase_sync_run(drv_t *d, const scen_phase_t *ph, const syncplan_t *plans, size_t pi)
{
    const zs_plan_t *plan = &plans[pi].plan;
    sched_t s;
    size_t i;
    long zi;

    sched_start(&s);
    pthread_mutex_lock(&d->mu);
    zi = sync_zone(d, plans[pi].zone);
    d->m.cur_phase = ph->name;
    d->m.cur_rate = ph->rate_from;
    pthread_mutex_unlock(&d->mu);
    for (i = 0; zi >= 0 && i < plan->n && !drv_stopping(d); i++) {
        const zs_change_t *ch = &plan->changes[i];
        const zs_rrset_t *rs = ch->want != NULL ? ch->want : ch->have;
        long ri;

        sched_wait(&s);
        pthread_mutex_lock(&d->mu);
        ri = model_find_rec(&d->m, rs->name, rs->type);
        if (ri < 0)
            ri = model_rec_add(&d->m, (size_t)zi, rs->name, rs->type, NULL);
        while (!drv_stopping(d) && ri >= 0 && d->m.recs[ri].busy)
            timebase_cond_wait_mono_ms(&d->cond, &d->mu, 100);
        queue_change(d, plan, ch, zi, ri, s.due);
        pthread_mutex_unlock(&d->mu);
        sched_next(&s, ph->rate_from);
        if (sched_progress_due(&s))
            drv_progress(d, ph->name);
    }
}
