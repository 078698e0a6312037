/*
 * campaign: begin and end of a campaign (see campaign.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "harness/common/fsutil.h"
#include "harness/common/timebase.h"
#include "harness/driver/campaign.h"
#include "harness/driver/drv_int.h"
#include "harness/driver/schedule.h"

/* The host's clock, read and checked against [clock]. */
static int check_clock(drv_t *d, clock_status_t *clk)
{
    const scenario_t *sc = d->sc;
    char err[1024];

    clock_read(clk, sc->ntp_server, 1000);
    prom_std_clock(d->opts->prom, clk->synchronised,
                   clk->sntp_ok ? clk->sntp_offset_s : clk->kernel_offset_s,
                   clk->maxerror_s);
    if (sc->ntp_server != NULL && !clk->sntp_ok) {
        drv_say(d, DRIVER_MSG_ERROR, "[clock] ntp_server %s: %s", sc->ntp_server,
                clk->sntp_error);
        return DP_EUSAGE;
    }
    if (clock_check(clk, sc->max_offset_ms, err, sizeof(err)) < 0) {
        drv_say(d, DRIVER_MSG_ERROR, "%s", err);
        return DP_ERANGE;
    }
    return 0;
}

/* The campaign's id: begun in the store, or (--no-store) the same kind of
 * id for the results folder. */
static int open_store(drv_t *d, const clock_status_t *clk)
{
    store_opts_t so = {0};
    char err[1024];
    int ret;

    if (d->opts->no_store) {
        store_campaign_id(d->sc->name, d->start, d->id, sizeof(d->id));
        return 0;
    }
    if (d->opts->store != NULL)
        so = *d->opts->store;
    ret = store_open(&d->store, &so, err, sizeof(err));
    if (ret < 0) {
        d->store = NULL;
        drv_say(d, DRIVER_MSG_ERROR, "results store: %s", err);
        return ret;
    }
    clock_warn_if_unsynced(clk);
    store_campaign_begin(d->store, d->sc->name, d->start, d->begin_meta, d->id,
                         sizeof(d->id));
    return 0;
}

static int open_metrics(drv_t *d)
{
    const scenario_t *sc = d->sc;
    char prefix[600];
    char err[1024];
    int ret;

    if (sc->statsd == NULL)
        return 0;
    snprintf(prefix, sizeof(prefix), "%s",
             sc->statsd_prefix != NULL ? sc->statsd_prefix : "dnsprop");
    ret = metrics_create(&d->metrics, sc->statsd, prefix, err, sizeof(err));
    if (ret < 0)
        drv_say(d, DRIVER_MSG_ERROR, "[metrics] statsd: %s", err);
    return ret;
}

/* [probe] mode = agents: polls go out as requests on each vantage's
 * stream; results come back on the campaign's feed. */
static int open_agents(drv_t *d)
{
    if (!d->sc->agents)
        return 0;
    if (d->store == NULL) {
        drv_say(d, DRIVER_MSG_ERROR,
                "[probe] mode = agents needs the results store "
                "(not --no-store): the agents store the results");
        return DP_EUSAGE;
    }
    return relay_start(d);
}

/* Results earlier campaigns left in their spools under RESULTS/ (killed,
 * or ended while Redis was away): into the store now, so that nothing
 * measured stays only on this disk. */
static void replay_old_spools(drv_t *d)
{
    size_t n = 0;
    size_t files = 0;
    char err[1024];

    if (store_replay_spools(d->store, d->sc->results, &n, &files, err, sizeof(err)) < 0)
        drv_say(d, DRIVER_MSG_ERROR, "earlier campaigns' spools: %s", err);
    else if (n > 0)
        drv_say(
            d, DRIVER_MSG_NOTE,
            "replayed %zu results left in %zu earlier campaign spool%s under %s into %s",
            n, files, files == 1 ? "" : "s", d->sc->results, store_where(d->store));
}

/* RESULTS/<campaign>/, where the store spools what Redis did not take. */
static void results_dir(drv_t *d)
{
    char sp[1200];

    /* what store_campaign_begin adds to the hash, for the report's copy */
    json_object_set_new(d->begin_meta, "campaign", json_string(d->id));
    json_object_set_new(d->begin_meta, "name", json_string(d->sc->name));
    json_object_set_new(d->begin_meta, "start", json_real(d->start));
    snprintf(d->dir, sizeof(d->dir), "%s/%s", d->sc->results, d->id);
    if (fsutil_mkdirs(d->dir, 0755) == 0 && d->store != NULL) {
        snprintf(sp, sizeof(sp), "%s/spool.jsonl", d->dir);
        store_set_spool(d->store, sp);
        replay_old_spools(d);
    }
}

static int start_pool(drv_t *d)
{
    probe_pool_opts_t po;

    memset(&po, 0, sizeof(po));
    po.threads = d->sc->threads;
    po.query_timeout_ms =
        d->sc->query_timeout > 0 ? (unsigned)(d->sc->query_timeout * 1000) : 0;
    po.on_result = polls_on_result;
    po.cb_arg = d;
    if (probe_pool_create(&d->pool, &po) < 0) {
        drv_say(d, DRIVER_MSG_ERROR, "cannot start the probe pool");
        return -EAGAIN;
    }
    return 0;
}

int campaign_begin(drv_t *d)
{
    clock_status_t clk;
    int ret;

    ret = check_clock(d, &clk);
    if (ret < 0)
        return ret;
    d->begin_meta = campaign_meta(d, &clk);
    d->start = timebase_real_s();
    d->start_mono = sched_now();
    ret = open_store(d, &clk);
    if (ret == 0)
        ret = open_metrics(d);
    if (ret == 0)
        ret = open_agents(d);
    if (ret < 0)
        return ret;
    results_dir(d);
    return start_pool(d);
}

void campaign_stop_counting(drv_t *d)
{
    sampler_stop(d);
    relay_stop(d);
}

/* The threads stopped, the agents' feed dropped. */
static void stop_threads(drv_t *d)
{
    workers_close(d);
    campaign_stop_counting(d); /* (done already unless out early) */
    relay_free(d);
    if (d->timeline == NULL)
        d->timeline = sampler_timeline(d);
    sampler_destroy(d);
}

/* The cleanup's shared state: zones are taken in turn by the API workers'
 * connections, one thread each. */
typedef struct {
    drv_t *d;
    atomic_size_t next; /* the next zone to take */
    atomic_uint removed;
    sig_atomic_t signals; /* counted when it began */
} clean_t;

/* A stop signal came since the cleanup began (the first one of a run
 * stops the campaign, which then cleans up: the user who presses Ctrl-C
 * again wants out now, as with make or docker compose). */
static bool clean_cut(const clean_t *c)
{
    return c->d->opts->signals != NULL && *c->d->opts->signals != c->signals;
}

typedef struct {
    clean_t *c;
    unsigned w; /* whose target connections */
    pthread_t thread;
} cleaner_t;

/* Zone z off each target it was made on, through worker w's connections. */
static void clean_zone(clean_t *c, unsigned w, size_t z)
{
    zone_t *zn = &c->d->m.zones[z];
    uint64_t left = zn->tmask;

    if (!zn->alive || zn->existing)
        return;
    while (left != 0) {
        unsigned ti = (unsigned)__builtin_ctzll(left);
        target_op_t top;
        target_ack_t ack;
        int ret;

        memset(&top, 0, sizeof(top));
        memset(&ack, 0, sizeof(ack));
        top.kind = OP_ZONE_DELETE;
        top.zone = zn->name;
        ret = target_apply(c->d->workers[w].targets[ti], &top, &ack);
        free(ack.claim_req); /* (not measured) */
        if (ret < 0)
            break;
        left &= left - 1;
        atomic_fetch_add(&c->removed, 1);
    }
    if (left == 0)
        zn->alive = false; /* the intended state from now on (z is this thread's) */
}

static void *cleaner_main(void *arg)
{
    cleaner_t *cl = arg;
    size_t z;

    while (!clean_cut(cl->c) &&
           (z = atomic_fetch_add(&cl->c->next, 1)) < cl->c->d->m.nzones)
        clean_zone(cl->c, cl->w, z);
    return NULL;
}

/* The cleanup was cut short: which zones are left on the targets (the
 * first few named; a run with the same seed makes and deletes the same
 * names). */
static void cleanup_cut_say(drv_t *d, unsigned removed)
{
    char names[512] = "";
    size_t len = 0;
    unsigned left = 0;

    for (size_t z = 0; z < d->m.nzones; z++) {
        const zone_t *zn = &d->m.zones[z];
        if (!zn->alive || zn->existing || zn->tmask == 0)
            continue;
        if (left++ < 5 && len + strlen(zn->name) + 3 < sizeof(names))
            len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
                                    len > 0 ? ", " : "", zn->name);
    }
    drv_say(d, DRIVER_MSG_ERROR,
            "cleanup: stopped by a signal after %u zone delete%s; %u zone%s left on the "
            "targets%s%s%s",
            removed, removed == 1 ? "" : "s", left, left == 1 ? "" : "s",
            left > 0 ? " (" : "", names,
            left > 5   ? ", ...)"
            : left > 0 ? ")"
                       : "");
}

/* Not measured, and after the workers are done with their connections:
 * leave the target as it was, so that the same seed (the same names) can
 * run again. On every worker's connections at once: a campaign whose mix
 * creates zones as often as it deletes them can leave thousands, and one
 * at a time through the PowerDNS API that took longer than the campaign
 * (README, "make soak"). */
static void cleanup(drv_t *d)
{
    clean_t c = {.d = d};
    cleaner_t *cl = calloc(d->nworkers, sizeof(*cl));
    unsigned started = 0;
    unsigned removed;

    atomic_init(&c.next, 0);
    atomic_init(&c.removed, 0);
    c.signals = d->opts->signals != NULL ? *d->opts->signals : 0;
    /* (no memory for the others: this thread alone) */
    for (unsigned w = 1; cl != NULL && w < d->nworkers; w++) {
        cl[w].c = &c;
        cl[w].w = w;
        if (pthread_create(&cl[w].thread, NULL, cleaner_main, &cl[w]) != 0)
            break;
        pthread_setname_np(cl[w].thread, "dp-cleanup");
        started = w;
    }
    {
        cleaner_t self = {.c = &c, .w = 0};
        cleaner_main(&self);
    }
    for (unsigned w = 1; w <= started; w++)
        pthread_join(cl[w].thread, NULL);
    free(cl);
    removed = atomic_load(&c.removed);
    if (clean_cut(&c))
        cleanup_cut_say(d, removed);
    else if (!d->opts->quiet && removed > 0)
        drv_say(d, DRIVER_MSG_NOTE, "cleanup: %u zone%s deleted", removed,
                removed == 1 ? "" : "s");
}

/* What the end adds to the campaign's metadata before the cleanup. */
static void end_meta(drv_t *d)
{
    clock_status_t ce;

    clock_read(&ce, d->sc->ntp_server, 1000);
    prom_std_clock(d->opts->prom, ce.synchronised,
                   ce.sntp_ok ? ce.sntp_offset_s : ce.kernel_offset_s, ce.maxerror_s);
    json_object_set_new(d->end_meta, "clock_end", clock_status_json(&ce));
    if (!drv_stopping(d)) {
        json_t *st = model_intended_state(&d->m);
        const char *why = json_string_value(json_object_get(st, "incomplete"));
        if (why != NULL)
            drv_say(d, DRIVER_MSG_ERROR, "assessment: %s", why);
        if (st != NULL) {
            json_t *as = campaign_assess(d, st);
            if (why != NULL)
                json_object_set_new(as, "incomplete", json_string(why));
            json_object_set_new(d->end_meta, "assessment", as);
        }
        json_decref(st);
    }
    json_object_set_new(d->end_meta, "timeline", json_incref(d->timeline));
    json_object_set_new(d->end_meta, "target_errors", json_incref(d->target_errors));
    if (d->summary != NULL)
        json_object_set_new(d->end_meta, "summary", json_incref(d->summary));
}

static int add_stored(const char *text, size_t len, void *arg)
{
    int ret = ds_add_stored(arg, text, len);

    /* a stored value that is not a result is skipped, not fatal */
    return ret == -ENOMEM ? ret : 0;
}

/* The results Redis could not take at the end, from the spool's "r" lines
 * (JSON), so that the report still counts every one. */
static void reload_spool(drv_t *d)
{
    char path[1200];
    char *line = NULL;
    size_t cap = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/spool.jsonl", d->dir);
    f = fopen(path, "r");
    if (f == NULL)
        return;
    while (getline(&line, &cap, f) > 0) {
        if (line[0] == 'r')
            ds_add_text(&d->ds, line + 1);
    }
    free(line);
    fclose(f);
}

/* The report's results, read back from the store in batches (and from
 * the spool, what is still there). */
static void reload_results(drv_t *d, const store_stats_t *st)
{
    char err[1024];

    if (store_read_campaign(d->store, d->id, NULL, add_stored, &d->ds, err, sizeof(err)) <
        0)
        drv_say(d, DRIVER_MSG_ERROR,
                "report: cannot read the results back (%s): it shows those in the spool "
                "only; `dnsprop report %s` rebuilds it once the store answers",
                err, d->id);
    if (st->in_spool > 0)
        reload_spool(d);
}

/* The campaign closed in the store: -EIO when that failed. */
static int close_store(drv_t *d)
{
    store_stats_t st;
    int ret = 0;

    if (d->store == NULL)
        return 0;
    memset(&st, 0, sizeof(st));
    if (store_campaign_end(d->store, d->end_meta,
                           json_real_value(json_object_get(d->end_meta, "end")), 30,
                           &st) < 0)
        ret = -EIO;
    if (!d->opts->quiet)
        drv_say(d, DRIVER_MSG_NOTE, "%llu results stored in %s",
                (unsigned long long)st.stored, store_where(d->store));
    snprintf(d->where, sizeof(d->where), "%s", store_where(d->store));
    d->stored = st.stored;
    d->spooled = st.in_spool;
    if (d->ran)
        reload_results(d, &st);
    store_close(d->store);
    d->store = NULL;
    return ret;
}

int campaign_end(drv_t *d, int ret)
{
    int oret;

    stop_threads(d);
    d->end_meta = json_object();
    if (d->ran)
        end_meta(d);
    if (d->ran && d->sc->cleanup && d->nworkers > 0)
        cleanup(d);
    if (d->ran)
        json_object_set_new(d->end_meta, "intended", model_intended_state(&d->m));
    workers_destroy(d);
    probe_pool_destroy(d->pool);
    d->pool = NULL;
    json_object_set_new(d->end_meta, "end", json_real(timebase_real_s()));
    if (close_store(d) < 0 && ret == DRIVER_SLO_OK)
        ret = -EIO;
    oret = campaign_outputs(d);
    if (oret < 0 && ret != DRIVER_STOPPED)
        ret = oret; /* a campaign without its report is not a PASS (nor a mere FAIL) */
    return ret;
}
