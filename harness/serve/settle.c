/*
 * settle: requests whose write Redis did not confirm (issue 12, case 5).
 *
 * A POST whose store call fails may still have been stored: a Redis that
 * was paused (SIGSTOP, a long fork, a full network buffer) applies the
 * script it had already received once it runs again, after the service
 * gave up waiting and answered 503. Such a request is kept here, with
 * what is needed to poll it, and a thread asks Redis every SETTLE_EVERY_MS
 * whether it landed (storage/requests.h, store_req_settle, one atomic
 * step): if it did, its polls start at once (with what is left of its
 * timeout, counted from its acceptance); if it did not, a tombstone makes
 * sure it never does, and it is forgotten. So every id handed out in a
 * 503 ends either polled or absent, never ACCEPTED for ever; a client that
 * sent an Idempotency-Key and retries gets the request that landed.
 *
 * What the service is stopped with stays unsettled: if it landed, the
 * next start resumes it from Redis's pending set.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/log.h"
#include "harness/common/timebase.h"
#include "harness/serve/serve_int.h"

#define SETTLE_EVERY_MS 500

typedef struct uns {
    struct uns *next;
    char id[SERVE_ID_LEN + 1];
    char *base;
    char *text;
    probe_req_t req;
    int64_t accepted_ns; /* monotonic */
} uns_t;

struct serve_settle {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    uns_t *head;
    size_t n;
    bool stop;
    pthread_t thread;
    bool started;
};

static void uns_free(uns_t *u)
{
    free(u->base);
    free(u->text);
    probe_req_clear(&u->req);
    free(u);
}

int serve_settle_add(serve_t *s, const char *id, char *base, char *text, probe_req_t *req)
{
    serve_settle_t *st = s->settle;
    uns_t *u = calloc(1, sizeof(*u));

    if (u == NULL) {
        free(base);
        free(text);
        return -ENOMEM;
    }
    snprintf(u->id, sizeof(u->id), "%s", id);
    u->base = base;
    u->text = text;
    u->req = *req; /* moved: the caller's is left empty */
    probe_req_init(req);
    u->accepted_ns = timebase_mono_ns();
    pthread_mutex_lock(&st->mu);
    u->next = st->head;
    st->head = u;
    st->n++;
    pthread_cond_signal(&st->cond);
    pthread_mutex_unlock(&st->mu);
    return 0;
}

size_t serve_settle_count(serve_t *s)
{
    size_t n;

    if (s->settle == NULL)
        return 0;
    pthread_mutex_lock(&s->settle->mu);
    n = s->settle->n;
    pthread_mutex_unlock(&s->settle->mu);
    return n;
}

/* It landed: poll it for what is left of its timeout. */
static void landed(serve_t *s, uns_t *u)
{
    double waited = (double)(timebase_mono_ns() - u->accepted_ns) / 1e9;
    double left = u->req.timeout - waited;
    char id[SERVE_ID_LEN + 1];

    snprintf(id, sizeof(id), "%s", u->id);
    /* a poll of at least one query: its end is stored as any other's */
    u->req.timeout = left > 0.001 ? left : 0.001;
    log_warn("serve: request %s was stored after all (Redis confirmed it %.1f s "
             "late): polling it now",
             id, waited);
    if (serve_start_poll(s, id, u->base, u->text, &u->req) < 0)
        serve_quota_give_back(s, id);
    else
        atomic_fetch_add(&s->accepted, 1);
    u->base = NULL;
    u->text = NULL;
}

/* One pass over what is unsettled; Redis errors leave it for the next. */
static void settle_pass(serve_t *s)
{
    serve_settle_t *st = s->settle;
    uns_t *todo;
    uns_t *keep = NULL;
    char err[512];

    pthread_mutex_lock(&st->mu);
    todo = st->head;
    st->head = NULL;
    pthread_mutex_unlock(&st->mu);
    while (todo != NULL) {
        uns_t *u = todo;
        int ret = store_req_settle(s->rq, u->id, err, sizeof(err));
        todo = u->next;
        if (ret < 0) {
            u->next = keep;
            keep = u;
            continue;
        }
        if (ret == 1)
            landed(s, u);
        else
            serve_quota_give_back(s, u->id);
        pthread_mutex_lock(&st->mu);
        st->n--;
        pthread_mutex_unlock(&st->mu);
        uns_free(u);
    }
    pthread_mutex_lock(&st->mu);
    while (keep != NULL) {
        uns_t *u = keep;
        keep = u->next;
        u->next = st->head;
        st->head = u;
    }
    pthread_mutex_unlock(&st->mu);
}

static void *settle_main(void *arg)
{
    serve_t *s = arg;
    serve_settle_t *st = s->settle;

    pthread_mutex_lock(&st->mu);
    while (!st->stop) {
        if (st->head == NULL)
            pthread_cond_wait(&st->cond, &st->mu);
        else
            timebase_cond_wait_ms(&st->cond, &st->mu, SETTLE_EVERY_MS);
        if (st->stop || st->head == NULL)
            continue;
        pthread_mutex_unlock(&st->mu);
        settle_pass(s);
        pthread_mutex_lock(&st->mu);
    }
    pthread_mutex_unlock(&st->mu);
    return NULL;
}

int serve_settle_start(serve_t *s, char *err, size_t errlen)
{
    serve_settle_t *st = calloc(1, sizeof(*st));
    int ret;

    if (st == NULL) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    pthread_mutex_init(&st->mu, NULL);
    pthread_cond_init(&st->cond, NULL);
    s->settle = st;
    ret = -pthread_create(&st->thread, NULL, settle_main, s);
    if (ret < 0) {
        snprintf(err, errlen, "cannot start the settler: %s", strerror(-ret));
        return ret;
    }
    pthread_setname_np(st->thread, "dp-settle");
    st->started = true;
    return 0;
}

void serve_settle_stop(serve_t *s)
{
    serve_settle_t *st = s->settle;

    if (st == NULL)
        return;
    if (st->started) {
        pthread_mutex_lock(&st->mu);
        st->stop = true;
        pthread_cond_signal(&st->cond);
        pthread_mutex_unlock(&st->mu);
        pthread_join(st->thread, NULL);
    }
    if (st->n > 0)
        log_warn("serve: %zu requests' writes were never confirmed by Redis; those it "
                 "took are resumed at the next start",
                 st->n);
    while (st->head != NULL) {
        uns_t *u = st->head;
        st->head = u->next;
        uns_free(u);
    }
    pthread_mutex_destroy(&st->mu);
    pthread_cond_destroy(&st->cond);
    free(st);
    s->settle = NULL;
}
