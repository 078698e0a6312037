/*
 * sampler: the timeline thread (see sampler.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/timebase.h"
#include "harness/driver/drv_int.h"
#include "harness/driver/schedule.h"

/* The columns of a timeline row, in order. */
static const char *const columns[] = {
    "t",          "offered",   "acked",    "failed", "polls_submitted",
    "polls_done", "completed", "timeouts", "errors", "queries",
};

_Static_assert(sizeof(columns) / sizeof(columns[0]) == SAMPLER_COLS, "timeline columns");

json_t *sampler_timeline(drv_t *d)
{
    sampler_t *s = &d->smp;
    json_t *c = json_array(), *rows = json_array(), *tl = NULL;

    if (c == NULL || rows == NULL)
        goto out;
    for (size_t i = 0; i < SAMPLER_COLS; i++)
        if (json_array_append_new(c, json_string(columns[i])) < 0)
            goto out;
    pthread_mutex_lock(&d->mu);
    for (size_t r = 0; r < s->nrows; r++) {
        json_t *row = json_array();
        for (size_t i = 0; row != NULL && i < SAMPLER_COLS; i++)
            json_array_append_new(row, i == 0 ? json_real(s->rows[r][0])
                                              : json_integer((json_int_t)s->rows[r][i]));
        if (json_array_append_new(rows, row) < 0)
            break;
    }
    pthread_mutex_unlock(&d->mu);
    tl = json_pack("{s:f, s:O, s:O}", "interval", (double)(s->stride ? s->stride : 1),
                   "columns", c, "rows", rows);
out:
    json_decref(c);
    json_decref(rows);
    return tl;
}

int sampler_rows_init(sampler_t *s)
{
    s->rows = malloc(SAMPLER_ROWS * sizeof(s->rows[0]));
    /* touched now: the table is part of the campaign's fixed base, not
     * memory that seems to grow for its first half hour */
    if (s->rows != NULL)
        memset(s->rows, 0, SAMPLER_ROWS * sizeof(s->rows[0]));
    s->nrows = 0;
    s->samples = 0;
    s->stride = 1;
    return s->rows == NULL ? -ENOMEM : 0;
}

void sampler_keep(sampler_t *s, const double *v, bool last)
{
    bool due = s->samples++ % s->stride == 0;

    if (s->rows == NULL || !(due || last))
        return;
    if (s->nrows == SAMPLER_ROWS) {
        size_t n = 0;
        for (size_t r = 0; r < s->nrows; r += 2)
            memcpy(s->rows[n++], s->rows[r], sizeof(s->rows[0]));
        s->nrows = n;
        s->stride *= 2;
        if (!last && (s->samples - 1) % s->stride != 0)
            return; /* not on the new grid */
    }
    memcpy(s->rows[s->nrows++], v, sizeof(s->rows[0]));
}

static void sample(drv_t *d, bool last)
{
    probe_stats_t ps;
    double v[SAMPLER_COLS];
    uint64_t done;

    probe_pool_stats(d->pool, &ps);
    pthread_mutex_lock(&d->mu);
    if (d->sc->agents)
        polls_reap(d);
    polls_retire(d);
    done = polls_count(d, ACCT_DONE);
    v[0] = round((sched_now() - d->start_mono) * 1e3) / 1e3;
    v[1] = (double)d->m.nops;
    v[2] = (double)d->acked;
    v[3] = (double)d->failed;
    v[4] = (double)d->polls_submitted;
    v[5] = (double)done;
    v[6] = (double)polls_count(d, ACCT_COMPLETED);
    v[7] = (double)polls_count(d, ACCT_TIMEOUTS);
    v[8] = (double)polls_count(d, ACCT_ERRORS);
    v[9] = (double)ps.queries;
    sampler_keep(&d->smp, v, last);
    /* probe queries sent, as a counter: the difference since last time */
    metrics_count(d->metrics, "probe.queries", (int64_t)(ps.queries - d->queries_seen));
    metrics_gauge(d->metrics, "polls.pending", (double)(d->polls_submitted - done));
    if (d->opts->prom != NULL) {
        prom_add(d->opts->prom->queries, NULL, (double)(ps.queries - d->queries_seen));
        prom_set(d->opts->prom->pending, NULL, (double)(d->polls_submitted - done));
        prom_std_rss(d->opts->prom);
    }
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
            sample(d, false);
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
    sample(d, true); /* the end */
    return NULL;
}

int sampler_start(drv_t *d)
{
    sampler_t *s = &d->smp;

    if (sampler_rows_init(s) < 0)
        return -ENOMEM;
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
    free(d->smp.rows);
    d->smp.rows = NULL;
    d->smp.nrows = 0;
}
