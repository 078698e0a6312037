/*
 * driver: a campaign, from its scenario to its report (see driver.h for
 * the pieces). driver_run tells the story; each step is a call into the
 * piece that owns it.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "harness/common/timebase.h"
#include "harness/driver/campaign.h"
#include "harness/driver/drv_int.h"
#include "harness/driver/phases.h"
#include "harness/driver/schedule.h"
#include "harness/driver/verdict.h"
#include "probes/dnssec.h"

static int drv_init(drv_t *d, const scenario_t *sc, const driver_opts_t *opts)
{
    memset(d, 0, sizeof(*d));
    d->sc = sc;
    d->opts = opts;
    pthread_mutex_init(&d->mu, NULL);
    timebase_cond_init_mono(&d->cond);
    pthread_mutex_init(&d->ds_mu, NULL);
    pthread_mutex_init(&d->claim_mu, NULL);
    pthread_mutex_init(&d->zk_mu, NULL);
    relay_init(&d->relay);
    ds_init(&d->ds);
    verdict_fold_init(&d->fold);
    d->target_errors = json_array();
    gethostname(d->host, sizeof(d->host) - 1);
    d->ns_served = calloc(sc->nns + 1, sizeof(*d->ns_served));
    if (d->ns_served == NULL)
        return -ENOMEM;
    return model_init(&d->m, sc);
}

static void drv_free(drv_t *d)
{
    free((void *)d->ns_served);
    for (size_t i = 0; i < d->nzkeys; i++) {
        free(d->zkeys[i].zone);
        dnssec_keys_unref(d->zkeys[i].keys);
    }
    free(d->zkeys);
    free(d->zk_buckets);
    pthread_mutex_destroy(&d->zk_mu);
    json_decref(d->begin_meta);
    json_decref(d->end_meta);
    json_decref(d->summary);
    json_decref(d->timeline);
    json_decref(d->target_errors);
    model_clear(&d->m);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->ds_mu);
    pthread_mutex_destroy(&d->claim_mu);
    pthread_mutex_destroy(&d->relay.mu);
    metrics_destroy(d->metrics);
    ds_clear(&d->ds);
    verdict_fold_free(&d->fold);
    optable_free(d->rows, d->nrows);
    phase_sync_free(d->plans, d->sc->nphases);
}

/* The operation table and the zone-sync plans are read before anything
 * starts: an error in them names its line, and nothing is changed
 * anywhere. */
static int read_plans(drv_t *d)
{
    char err[1024];
    int ret;

    if (d->sc->ops_file != NULL) {
        ret = optable_load(d->sc->ops_file, &d->rows, &d->nrows, err, sizeof(err));
        if (ret < 0) {
            drv_say(d, DRIVER_MSG_ERROR, "%s", err);
            return ret;
        }
    }
    return phase_sync_plan(d, &d->plans);
}

static void run_phases(drv_t *d)
{
    const scenario_t *sc = d->sc;

    if (!d->opts->quiet)
        drv_say(d, DRIVER_MSG_NOTE, "campaign %s: %zu phase%s, %zu nameserver%s",
                d->id[0] != '\0' ? d->id : sc->name, sc->nphases,
                sc->nphases == 1 ? "" : "s", sc->nns, sc->nns == 1 ? "" : "s");
    if (d->opts->monitor) {
        phase_monitor_run(d);
        return;
    }
    for (size_t i = 0; i < sc->nphases && !drv_stopping(d); i++) {
        /* the zones the phase makes are made on its targets (model.h) */
        pthread_mutex_lock(&d->mu);
        d->m.cur_tmask = sc->phases[i].tmask;
        pthread_mutex_unlock(&d->mu);
        if (sc->phases[i].zonefile != NULL)
            phase_sync_run(d, &sc->phases[i], d->plans, i);
        else if (sc->phases[i].ptr)
            phase_reverse_run(d, &sc->phases[i]);
        else
            phase_mix_run(d, &sc->phases[i]);
    }
    pthread_mutex_lock(&d->mu);
    d->m.cur_tmask = 0;
    pthread_mutex_unlock(&d->mu);
    if (d->nrows > 0)
        phase_table_run(d, d->rows, d->nrows);
}

/* Let every poll finish (each ends by its own timeout; in agents mode, a
 * poll an agent left may be taken over late). */
static void drain(drv_t *d)
{
    const scenario_t *sc = d->sc;
    double deadline =
        sched_now() + sc->timeout + 5 + (sc->agents ? sc->reclaim_after * 2 : 0);
    double last = 0;

    pthread_mutex_lock(&d->mu);
    while (polls_count(d, ACCT_DONE) < d->polls_submitted && !drv_stopping(d) &&
           sched_now() < deadline) {
        timebase_cond_wait_mono_ms(&d->cond, &d->mu, 200);
        if (sched_now() - last >= 1.0) {
            last = sched_now();
            pthread_mutex_unlock(&d->mu);
            drv_progress(d, "draining");
            pthread_mutex_lock(&d->mu);
        }
    }
    pthread_mutex_unlock(&d->mu);
}

/* The summary and the SLOs, once every count is final. */
static int judge(drv_t *d)
{
    bool ok;

    /* The API workers first: one still finishing a call after a signal
     * counts its operation's polls as submitted, then submits them. Counted
     * between the two (the pool already shut), they were "unanswered"
     * polls that never existed (test_run's SIGINT case, 1 run in many
     * under TSan). Joined here, what they submit is cancelled below, and
     * counted. workers_close also stops the claims' watch: the claims
     * still out are called back cancelled, and stored. */
    workers_close(d);
    probe_pool_shutdown(d->pool); /* what is left is CANCELLED, and stored */
    campaign_stop_counting(d);
    drv_progress(d, "done");
    pthread_mutex_lock(&d->mu);
    d->summary = verdict(d, &ok);
    if (d->opts->monitor && d->summary != NULL) {
        json_object_set_new(d->summary, "canaries_missed",
                            json_integer((json_int_t)d->mon_missed));
        json_object_set_new(d->summary, "results_expired",
                            json_integer((json_int_t)d->mon_trimmed));
    }
    pthread_mutex_unlock(&d->mu);
    d->ran = true;
    return drv_stopping(d) ? DRIVER_STOPPED : ok ? DRIVER_SLO_OK : DRIVER_SLO_FAIL;
}

int driver_run(const scenario_t *sc, const driver_opts_t *opts)
{
    drv_t d;
    int ret;

    ret = drv_init(&d, sc, opts);
    if (ret == 0)
        ret = read_plans(&d);
    if (ret < 0 || opts->dry_run)
        goto out;
    ret = campaign_begin(&d);
    if (ret == 0) {
        sampler_start(&d); /* (without it, the report has no timeline) */
        ret = workers_start(&d);
    }
    if (ret == 0) {
        run_phases(&d);
        workers_wait_idle(&d);
        drain(&d);
        ret = judge(&d);
    }
    ret = campaign_end(&d, ret);
out:
    drv_free(&d);
    return ret;
}
