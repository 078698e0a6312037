/*
 * sampler: the timeline thread (see sampler.h).
 */
#include <errno.h>
#include <math.h>

#include "harness/common/timebase.h"
#include "harness/driver/drv_int.h"
#include "harness/driver/schedule.h"

/* The columns of a timeline row, in order. */
static const char *const columns[] = {
    "t",          "offered",   "acked",    "failed", "polls_submitted",
    "polls_done", "completed", "timeouts", "errors", "queries",
};

json_t *sampler_timeline_new(void)
{
    json_t *c = json_array();

    for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
        json_array_append_new(c, json_string(columns[i]));
    return json_pack("{s:f, s:o, s:[]}", "interval", 1.0, "columns", c, "rows");
}

static void sample(drv_t *d)
{
    probe_stats_t ps;
    json_t *row;
    uint64_t done;

    probe_pool_stats(d->pool, &ps);
    pthread_mutex_lock(&d->mu);
    if (d->sc->agents)
        polls_reap(d);
    polls_retire(d);
    done = polls_count(d, ACCT_DONE);
    row = json_pack("[f, I, I, I, I, I, I, I, I, I]",
                    round((sched_now() - d->start_mono) * 1e3) / 1e3,
                    (json_int_t)d->m.nops, (json_int_t)d->acked, (json_int_t)d->failed,
                    (json_int_t)d->polls_submitted, (json_int_t)done,
                    (json_int_t)polls_count(d, ACCT_COMPLETED),
                    (json_int_t)polls_count(d, ACCT_TIMEOUTS),
                    (json_int_t)polls_count(d, ACCT_ERRORS), (json_int_t)ps.queries);
    json_array_append_new(json_object_get(d->timeline, "rows"), row);
    /* probe queries sent, as a counter: the difference since last time */
    metrics_count(d->metrics, "probe.queries", (int64_t)(ps.queries - d->queries_seen));
    metrics_gauge(d->metrics, "polls.pending", (double)(d->polls_submitted - done));
    d->queries_seen = ps.queries;
    pthread_mutex_unlock(&d->mu);
}

static void *sampler_main(void *arg)
{
    drv_t *d = arg;
    sampler_t *s = &d->smp;
    int64_t next = timebase_mono_ns();

    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        int64_t now = timebase_mono_ns();
        if (now >= next) {
            pthread_mutex_unlock(&s->mu);
            sample(d);
            pthread_mutex_lock(&s->mu);
            next += TB_NS_PER_S;
            if (next < now)
                next = now + TB_NS_PER_S; /* late (suspended): no burst of rows */
            continue;
        }
        timebase_cond_wait_mono_ms(&s->cond, &s->mu,
                                   (int)((next - now) / TB_NS_PER_MS) + 1);
    }
    pthread_mutex_unlock(&s->mu);
    sample(d); /* the end */
    return NULL;
}

int sampler_start(drv_t *d)
{
    sampler_t *s = &d->smp;

    pthread_mutex_init(&s->mu, NULL);
    timebase_cond_init_mono(&s->cond);
    s->inited = true;
    s->running = pthread_create(&s->thread, NULL, sampler_main, d) == 0;
    return s->running ? 0 : -EAGAIN;
}

void sampler_stop(drv_t *d)
{
    sampler_t *s = &d->smp;

    if (!s->running)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    s->running = false;
}

void sampler_destroy(drv_t *d)
{
    sampler_stop(d);
    if (d->smp.inited) {
        pthread_mutex_destroy(&d->smp.mu);
        pthread_cond_destroy(&d->smp.cond);
        d->smp.inited = false;
    }
}
