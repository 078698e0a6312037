/*
 * relay: the campaign's side of the streams (see relay.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/common/log.h"
#include "harness/common/timebase.h"
#include "harness/common/vec.h"
#include "harness/driver/drv_int.h"
#include "harness/driver/relay.h"

#define BACKOFF_MIN (100 * TB_NS_PER_MS)
#define BACKOFF_MAX (5 * TB_NS_PER_S)
/* At the end, how long the campaign waits for Redis to close the campaign
 * in it: beyond, an agent could still store a result this campaign never
 * counts (it says so). */
#define CLOSE_WAIT_S 15.0

void relay_init(relay_t *r)
{
    memset(r, 0, sizeof(*r));
    pthread_mutex_init(&r->mu, NULL);
    snprintf(r->last, sizeof(r->last), "0");
}

/* ---- connections ------------------------------------------------------------- */

static void link_lost(drv_t *d, streams_t **st, relay_link_t *l, const char *what,
                      const char *why)
{
    streams_close(*st);
    *st = NULL;
    l->down = timebase_mono_ns();
    l->backoff = BACKOFF_MIN;
    l->next = l->down + l->backoff;
    l->tries = 0;
    log_warn("campaign %s: %s: lost Redis (%s); reconnecting with backoff", d->id, what,
             why);
}

/* *st connected, or a new connection when the backoff allows one (with
 * every vantage's group when groups: a Redis restarted without persistence
 * has lost them). 0, or -EAGAIN. */
static int link_up(drv_t *d, streams_t **st, relay_link_t *l, bool groups,
                   const char *what)
{
    char err[1024];
    int64_t now;
    int ret;

    if (*st != NULL)
        return 0;
    now = timebase_mono_ns();
    if (now < l->next)
        return -EAGAIN;
    ret = streams_open(d->store, st, err, sizeof(err));
    for (size_t i = 0; ret == 0 && groups && i < d->sc->nvantages; i++)
        ret = streams_group_ensure(*st, d->sc->vantages[i], err, sizeof(err));
    if (ret == 0) {
        log_info("campaign %s: %s: Redis is back after %.1f s", d->id, what,
                 (double)(now - l->down) / 1e9);
        return 0;
    }
    streams_close(*st);
    *st = NULL;
    l->backoff = l->backoff * 2 < BACKOFF_MAX ? l->backoff * 2 : BACKOFF_MAX;
    l->next = now + l->backoff;
    if (l->tries++ % 10 == 0)
        log_warn("campaign %s: %s: Redis still away after %.1f s (%s)", d->id, what,
                 (double)(now - l->down) / 1e9, err);
    return -EAGAIN;
}

/* ---- publications ------------------------------------------------------------ */

static int hold(relay_t *r, size_t v, const char *text, double expires)
{
    relay_msg_t *m = VEC_PUSH(r->held, r->nheld, r->capheld);

    if (m == NULL)
        return -ENOMEM;
    m->vantage = v;
    m->expires = expires;
    m->text = strdup(text);
    if (m->text == NULL) {
        r->nheld--;
        return -ENOMEM;
    }
    return 0;
}

/* Send one (under mu): 0, -EIO when Redis is away (r->pub closed), or
 * another negative code when it refused it. */
static int send_one(drv_t *d, size_t v, const char *text)
{
    relay_t *r = &d->relay;
    char err[512];

    if (r->pub == NULL)
        return -EIO;
    if (streams_publish(r->pub, d->sc->vantages[v], text, err, sizeof(err)) == 0)
        return 0;
    if (streams_broken(r->pub)) {
        link_lost(d, &r->pub, &r->publ, "publishing polls", err);
        return -EIO;
    }
    log_warn("campaign %s: publishing a poll for vantage %s: %s", d->id,
             d->sc->vantages[v], err);
    return -EINVAL;
}

int relay_publish(drv_t *d, size_t v, const char *text, double expires)
{
    relay_t *r = &d->relay;
    int ret;

    pthread_mutex_lock(&r->mu);
    /* behind the held ones, in order: an agent takes requests as they come */
    ret = r->nheld > 0 ? -EIO : send_one(d, v, text);
    if (ret == -EIO)
        ret = hold(r, v, text, expires);
    pthread_mutex_unlock(&r->mu);
    return ret;
}

/* The held publications, sent once Redis is back (the feed thread's). */
static void send_held(drv_t *d)
{
    relay_t *r = &d->relay;
    double now;
    size_t i = 0;

    pthread_mutex_lock(&r->mu);
    if (r->nheld == 0 || link_up(d, &r->pub, &r->publ, true, "publishing polls") < 0)
        goto out;
    now = timebase_real_s();
    for (; i < r->nheld; i++) {
        relay_msg_t *m = &r->held[i];
        /* past its end no agent takes it: polls_reap counts it unanswered;
         * one Redis refused is counted the same way */
        if (now > m->expires)
            r->dropped++;
        else if (send_one(d, m->vantage, m->text) == -EIO)
            break;
        free(m->text);
    }
    memmove(r->held, r->held + i, (r->nheld - i) * sizeof(*r->held));
    r->nheld -= i;
    if (r->nheld == 0 && i > 0)
        log_info("campaign %s: the polls held while Redis was away are published "
                 "(%llu too late to be)",
                 d->id, (unsigned long long)r->dropped);
out:
    pthread_mutex_unlock(&r->mu);
}

/* ---- the feed ------------------------------------------------------------------ */

/* Read what the feed has after r->last (waiting up to block_ms, < 0: not
 * at all) and count it: the entries read, or a negative code (the
 * connection closed when it was lost). */
static long feed_read(drv_t *d, int block_ms)
{
    relay_t *r = &d->relay;
    streams_entry_t *e = NULL;
    size_t n = 0;
    char err[512];

    if (streams_feed_read(r->feed, d->id, r->last, block_ms, &e, &n, err, sizeof(err)) <
        0) {
        /* whatever it was (a NOGROUP-like error cannot happen on XREAD), a
         * new connection: a reply error would come back on this one too */
        link_lost(d, &r->feed, &r->feedl, "reading results from the agents", err);
        return -EIO;
    }
    for (size_t i = 0; i < n; i++) {
        if (polls_feed_one(d, e[i].payload))
            r->fed++;
    }
    streams_entries_free(e, n);
    return (long)n;
}

static void *feed_main(void *arg)
{
    drv_t *d = arg;
    relay_t *r = &d->relay;

    while (!atomic_load(&r->stop)) {
        send_held(d);
        if (link_up(d, &r->feed, &r->feedl, false, "reading results from the agents") <
            0) {
            usleep(100000);
            continue;
        }
        feed_read(d, 200);
    }
    return NULL;
}

int relay_start(drv_t *d)
{
    relay_t *r = &d->relay;
    char err[1024];

    if (streams_open(d->store, &r->pub, err, sizeof(err)) < 0 ||
        streams_open(d->store, &r->feed, err, sizeof(err)) < 0) {
        drv_say(d, DRIVER_MSG_ERROR, "%s", err);
        return -EIO;
    }
    for (size_t i = 0; i < d->sc->nvantages; i++) {
        if (streams_group_ensure(r->pub, d->sc->vantages[i], err, sizeof(err)) < 0) {
            drv_say(d, DRIVER_MSG_ERROR, "vantage %s: %s", d->sc->vantages[i], err);
            return -EIO;
        }
    }
    r->started = true;
    if (pthread_create(&r->thread, NULL, feed_main, d) != 0)
        return -EAGAIN;
    pthread_setname_np(r->thread, "dp-relay");
    r->running = true;
    return 0;
}

/* ---- the end ------------------------------------------------------------------- */

/* Close the campaign in Redis (no agent stores a result after it), then
 * read the feed to its end: every result stored before the close is
 * there, so the campaign counts exactly what Redis keeps. */
static void close_campaign(drv_t *d)
{
    relay_t *r = &d->relay;
    int64_t until =
        timebase_mono_ns() + (drv_stopping(d) ? 0 : (int64_t)(CLOSE_WAIT_S * 1e9));
    char err[512] = "";

    for (;;) {
        if (link_up(d, &r->feed, &r->feedl, false, "closing the campaign") == 0) {
            if (streams_campaign_close(r->feed, d->id, err, sizeof(err)) == 0) {
                r->closed = true;
                break;
            }
            link_lost(d, &r->feed, &r->feedl, "closing the campaign", err);
        }
        if (timebase_mono_ns() >= until)
            break;
        usleep(100000);
    }
    if (!r->closed) {
        log_warn("campaign %s: cannot close the campaign in Redis (%s): a result an "
                 "agent stores from now on is in Redis but not in this campaign's report",
                 d->id, err[0] != '\0' ? err : "Redis is away");
        return;
    }
    while (feed_read(d, -1) > 0)
        ;
}

void relay_stop(drv_t *d)
{
    relay_t *r = &d->relay;

    if (!r->running)
        return;
    atomic_store(&r->stop, true);
    pthread_join(r->thread, NULL);
    r->running = false;
    close_campaign(d);
}

void relay_free(drv_t *d)
{
    relay_t *r = &d->relay;

    relay_stop(d);
    /* the done-hash is no longer needed once closed: the closed mark
     * refuses every late result first */
    if (r->closed && r->feed != NULL)
        streams_feed_drop(r->feed, d->id);
    if (r->started && d->store != NULL)
        store_add_produced(d->store, r->fed);
    r->started = false;
    streams_close(r->pub);
    streams_close(r->feed);
    r->pub = r->feed = NULL;
    for (size_t i = 0; i < r->nheld; i++)
        free(r->held[i].text);
    free(r->held);
    r->held = NULL;
    r->nheld = r->capheld = 0;
}
