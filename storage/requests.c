/*
 * requests: the poll service's requests in Redis (see requests.h).
 *
 * Why the pieces are where they are:
 *  - A new request is one MULTI/EXEC round trip on the caller's (an HTTP
 *    thread's) own connection, before its 202: an accepted request
 *    survives a crash and is resumed; the cost is one round trip per POST
 *    on that thread (measured by `make bench`).
 *  - Final states come from the probe pool's result callback, which must
 *    not wait for anything: they are queued for the writer thread, which
 *    sends batches of them as one MULTI/EXEC and only then tells the
 *    service (on_written), which drops them from memory. A request is
 *    always in the service's memory, in Redis, or both.
 *  - The writer is not the store's results writer (storage/store.c): that
 *    one adds batch markers and spools to a file, which requests do not
 *    need (an unwritten final state leaves its request pending, polled
 *    again at the next start) and whose keys they must not gain.
 */
#include <errno.h>
#include <hiredis.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/log.h"
#include "harness/common/timebase.h"
#include "storage/requests.h"
#include "storage/store_int.h"

#define KEY_REQ           STORE_PREFIX "request:"
#define KEY_REQS          STORE_PREFIX "requests"
#define KEY_PENDING       STORE_PREFIX "requests:pending"
#define KEY_STATS         STORE_PREFIX "stats:"
#define KEY_STATS_PENDING STORE_PREFIX "stats:pending"
#define KEY_OBSERVERS     STORE_PREFIX "observers"
#define KEY_LAST_ID       ":last_id"
#define KEY_TOMB          STORE_PREFIX "request-tomb:"
#define KEY_IDEM          STORE_PREFIX "idempotency:"

#define WRITER_BATCH 256
#define REDIS_CHUNK  500
#define RETRY_MS     500
#define KEY_ID_MAX   64 /* the service's ids are 36 characters (UUIDs) */

/* A final state for the writer; the id lives in the same allocation. */
typedef struct witem {
    struct witem *next;
    char *text;
    char id[];
} witem_t;

struct store_req {
    store_t *store;
    store_req_written_fn on_written;
    void *arg;
    pthread_key_t ctx_key; /* each calling thread's redisContext */
    bool key_ok;
    /* the writer's queue */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    witem_t *head;
    witem_t *tail;
    size_t queued;
    bool stop;
    int64_t deadline_ms; /* with stop: try Redis until then */
    pthread_t writer;
    bool started;
};

static int64_t mono_ms(void)
{
    return timebase_mono_ns() / TB_NS_PER_MS;
}

/* ---- connections ----------------------------------------------------------------- */

static void ctx_free(void *c)
{
    redisFree(c);
}

/* The calling thread's connection (a hiredis context belongs to one
 * thread), made on first use and again after an error. */
static redisContext *thread_ctx(store_req_t *rq, char *err, size_t errlen)
{
    redisContext *c = pthread_getspecific(rq->ctx_key);

    if (c != NULL && c->err == 0)
        return c;
    if (c != NULL) {
        redisFree(c);
        pthread_setspecific(rq->ctx_key, NULL);
    }
    c = store_redis_connect(rq->store, err, errlen);
    if (c != NULL)
        pthread_setspecific(rq->ctx_key, c);
    return c;
}

/* Read the replies of n appended commands, a transaction's (MULTI ...
 * EXEC): 0 when it ran, or -EIO with err saying why. */
static int collect(redisContext *c, int n, char *err, size_t errlen)
{
    redisReply *last = NULL;
    int i;
    int ret = 0;

    for (i = 0; i < n; i++) {
        void *r = NULL;
        if (redisGetReply(c, &r) != REDIS_OK) {
            snprintf(err, errlen, "redis: %s",
                     c->errstr[0] != '\0' ? c->errstr : "I/O error");
            freeReplyObject(last);
            return -EIO;
        }
        if (((redisReply *)r)->type == REDIS_REPLY_ERROR && ret == 0) {
            snprintf(err, errlen, "redis: %s", ((redisReply *)r)->str);
            ret = -EIO;
        }
        if (i == n - 1)
            last = r;
        else
            freeReplyObject(r);
    }
    if (ret == 0 && (last == NULL || last->type != REDIS_REPLY_ARRAY)) {
        snprintf(err, errlen, "redis: the transaction was not applied");
        ret = -EIO;
    }
    freeReplyObject(last);
    return ret;
}

/* GET <prefix><id><suffix>: 1 with *text (caller frees), 0 when absent,
 * -EIO. */
static int redis_get(redisContext *c, const char *prefix, const char *id,
                     const char *suffix, char **text, char *err, size_t errlen)
{
    redisReply *r = redisCommand(c, "GET %s%s%s", prefix, id, suffix);
    int ret;

    *text = NULL;
    if (r == NULL) {
        snprintf(err, errlen, "redis: %s",
                 c->errstr[0] != '\0' ? c->errstr : "I/O error");
        return -EIO;
    }
    if (r->type == REDIS_REPLY_STRING) {
        *text = strndup(r->str, r->len);
        ret = *text != NULL ? 1 : -ENOMEM;
    } else if (r->type == REDIS_REPLY_NIL) {
        ret = 0;
    } else {
        snprintf(err, errlen, "redis: %s",
                 r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
        ret = -EIO;
    }
    freeReplyObject(r);
    return ret;
}

/* ---- requests --------------------------------------------------------------------- */

/* A new request in one atomic step (a script runs whole, as MULTI/EXEC
 * does), unless the service has given up on its id (a tombstone, see
 * store_req_settle) or its Idempotency-Key already names a request:
 * KEYS request:<id>, the index, the pending set, tomb:<id>, idem:<key>;
 * ARGV text, score, id, the key's lifetime, "1" when there is a key.
 * Returns {1, id} stored, {2, other id} the key's, {0, ""} tombstoned. A
 * request already there is left alone: a first try that Redis applies
 * after its retry did must not turn a finished request back to ACCEPTED. */
static const char put_script[] =
    "if redis.call('EXISTS', KEYS[4]) == 1 then return {0, ''} end "
    "if redis.call('EXISTS', KEYS[1]) == 1 then return {1, ARGV[3]} end "
    "if ARGV[5] == '1' then "
    "  local got = redis.call('GET', KEYS[5]) "
    "  if got then return {2, got} end "
    "end "
    "redis.call('SET', KEYS[1], ARGV[1]) "
    "redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3]) "
    "redis.call('SADD', KEYS[3], ARGV[3]) "
    "if ARGV[5] == '1' then redis.call('SET', KEYS[5], ARGV[3], 'EX', ARGV[4]) end "
    "return {1, ARGV[3]}";

/* Did request:<id> land? If not, a tombstone makes sure it never does:
 * KEYS request:<id>, tomb:<id>; ARGV the tombstone's lifetime. */
static const char settle_script[] =
    "if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end "
    "redis.call('SET', KEYS[2], '1', 'EX', ARGV[1]) "
    "return 0";

/* put_script's reply: 0 stored, 1 with *other, -EIO (err). */
static int put_reply(redisContext *c, redisReply *r, const char *id, char *other,
                     size_t otherlen, char *err, size_t errlen)
{
    long long code;

    if (r == NULL) {
        snprintf(err, errlen, "redis: %s",
                 c->errstr[0] != '\0' ? c->errstr : "I/O error");
        return -EIO;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_INTEGER ||
        r->element[1]->type != REDIS_REPLY_STRING) {
        snprintf(err, errlen, "redis: %s",
                 r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply to EVAL");
        return -EIO;
    }
    code = r->element[0]->integer;
    if (code == 0) {
        snprintf(err, errlen, "request %s was given up on (tombstone)", id);
        return -EIO;
    }
    /* a retry on a fresh connection may find its own first try */
    if (code == 1 || strcmp(r->element[1]->str, id) == 0)
        return 0;
    snprintf(other, otherlen, "%s", r->element[1]->str);
    return 1;
}

static int put_new(redisContext *c, const char *zset, const char *id, const char *text,
                   double start, const char *idem, char *other, size_t otherlen,
                   char *err, size_t errlen)
{
    char score[64];
    char ttl[32];
    redisReply *r;
    int ret;

    snprintf(score, sizeof(score), "%.17g", start);
    snprintf(ttl, sizeof(ttl), "%d", STORE_REQ_IDEM_TTL_S);
    r = redisCommand(c,
                     "EVAL %s 5 " KEY_REQ "%s %s " KEY_PENDING " " KEY_TOMB "%s " KEY_IDEM
                     "%s %s %s %s %s %s",
                     put_script, id, zset, id, idem != NULL ? idem : "", text, score, id,
                     ttl, idem != NULL ? "1" : "0");
    ret = put_reply(c, r, id, other, otherlen, err, errlen);
    freeReplyObject(r);
    return ret;
}

/* Observers (Digaas's /observers) have an index of their own: each API
 * generation's /stats reads its own requests, as Digaas's did. */
static const char *index_key(store_req_kind_t kind)
{
    return kind == STORE_REQ_OBSERVER ? KEY_OBSERVERS : KEY_REQS;
}

int store_req_put_once(store_req_t *rq, store_req_kind_t kind, const char *id,
                       const char *text, double start, const char *idem, char *other,
                       size_t otherlen, char *err, size_t errlen)
{
    redisContext *c = thread_ctx(rq, err, errlen);
    const char *zset = index_key(kind);
    int ret = c != NULL
                  ? put_new(c, zset, id, text, start, idem, other, otherlen, err, errlen)
                  : -EIO;

    if (ret == -EIO && (c = thread_ctx(rq, err, errlen)) != NULL)
        ret = put_new(c, zset, id, text, start, idem, other, otherlen, err, errlen);
    return ret;
}

int store_req_put(store_req_t *rq, store_req_kind_t kind, const char *id,
                  const char *text, double start, char *err, size_t errlen)
{
    char other[KEY_ID_MAX];

    return store_req_put_once(rq, kind, id, text, start, NULL, other, sizeof(other), err,
                              errlen);
}

int store_req_settle(store_req_t *rq, const char *id, char *err, size_t errlen)
{
    redisContext *c = thread_ctx(rq, err, errlen);
    redisReply *r;
    int ret = -EIO;

    if (c == NULL)
        return -EIO;
    r = redisCommand(c, "EVAL %s 2 " KEY_REQ "%s " KEY_TOMB "%s %d", settle_script, id,
                     id, STORE_REQ_TOMB_TTL_S);
    if (r != NULL && r->type == REDIS_REPLY_INTEGER)
        ret = r->integer == 1 ? 1 : 0;
    else
        snprintf(err, errlen, "redis: %s",
                 r == NULL                      ? c->errstr
                 : r->type == REDIS_REPLY_ERROR ? r->str
                                                : "unexpected reply to EVAL");
    freeReplyObject(r);
    return ret;
}

int store_req_put_new(store_req_t *rq, const char *id, const char *text, double start,
                      char *err, size_t errlen)
{
    return store_req_put(rq, STORE_REQ_POLL, id, text, start, err, errlen);
}

int store_req_next_id(store_req_t *rq, const char *counter, unsigned long long *id,
                      char *err, size_t errlen)
{
    redisContext *c = thread_ctx(rq, err, errlen);
    redisReply *r;
    int ret = -EIO;

    if (c == NULL)
        return -EIO;
    r = redisCommand(c, "INCR " STORE_PREFIX "%s" KEY_LAST_ID, counter);
    if (r != NULL && r->type == REDIS_REPLY_INTEGER && r->integer > 0) {
        *id = (unsigned long long)r->integer;
        ret = 0;
    } else {
        snprintf(err, errlen, "redis: %s",
                 r == NULL                      ? c->errstr
                 : r->type == REDIS_REPLY_ERROR ? r->str
                                                : "INCR gave no id");
    }
    freeReplyObject(r);
    return ret;
}

void store_req_unput(store_req_t *rq, const char *id)
{
    redisContext *c = pthread_getspecific(rq->ctx_key);
    redisReply *r;

    if (c == NULL || c->err != 0)
        return;
    r = redisCommand(c, "DEL " KEY_REQ "%s", id);
    freeReplyObject(r);
    r = redisCommand(c, "ZREM " KEY_REQS " %s", id);
    freeReplyObject(r);
    r = redisCommand(c, "ZREM " KEY_OBSERVERS " %s", id);
    freeReplyObject(r);
    r = redisCommand(c, "SREM " KEY_PENDING " %s", id);
    freeReplyObject(r);
}

int store_req_get(store_req_t *rq, const char *id, char **text, char *err, size_t errlen)
{
    redisContext *c = thread_ctx(rq, err, errlen);

    *text = NULL;
    return c != NULL ? redis_get(c, KEY_REQ, id, "", text, err, errlen) : -EIO;
}

/* n pending ids: their texts (pipelined GETs) to req_fn once all replies
 * are in (so that req_fn may use this thread's connection); ids whose
 * request is gone leave the pending set. */
static int pending_chunk(redisContext *c, redisReply **ids, size_t n,
                         store_req_each_fn req_fn, void *arg, char *err, size_t errlen)
{
    redisReply *got[REDIS_CHUNK] = {NULL};
    size_t k;
    int ret = 0;

    for (k = 0; k < n; k++)
        redisAppendCommand(c, "GET " KEY_REQ "%s", ids[k]->str);
    for (k = 0; k < n; k++) {
        void *rv = NULL;
        if (redisGetReply(c, &rv) != REDIS_OK) {
            snprintf(err, errlen, "reading the pending requests from Redis: %s",
                     c->errstr);
            ret = -EIO;
            goto out;
        }
        got[k] = rv;
    }
    for (k = 0; k < n; k++) {
        if (got[k]->type == REDIS_REPLY_STRING) {
            req_fn(ids[k]->str, got[k]->str, arg);
        } else if (got[k]->type == REDIS_REPLY_NIL) {
            redisReply *d = redisCommand(c, "SREM " KEY_PENDING " %s", ids[k]->str);
            freeReplyObject(d);
        }
    }
out:
    for (k = 0; k < n; k++)
        freeReplyObject(got[k]);
    return ret;
}

int store_req_pending(store_req_t *rq, store_req_each_fn req_fn, store_req_id_fn stats_fn,
                      void *arg, char *err, size_t errlen)
{
    redisContext *c = thread_ctx(rq, err, errlen);
    redisReply *ids = NULL;
    redisReply *sids = NULL;
    size_t i;
    int ret = 0;

    if (c == NULL)
        return -EIO;
    ids = redisCommand(c, "SMEMBERS " KEY_PENDING);
    sids = redisCommand(c, "SMEMBERS " KEY_STATS_PENDING);
    if (ids == NULL || ids->type != REDIS_REPLY_ARRAY || sids == NULL ||
        sids->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "reading the pending requests from Redis: %s",
                 c->errstr[0] != '\0' ? c->errstr : "unexpected reply");
        ret = -EIO;
        goto out;
    }
    for (i = 0; i < ids->elements && ret == 0; i += REDIS_CHUNK) {
        size_t n = ids->elements - i < REDIS_CHUNK ? ids->elements - i : REDIS_CHUNK;
        ret = pending_chunk(c, ids->element + i, n, req_fn, arg, err, errlen);
    }
    for (i = 0; i < sids->elements && ret == 0; i++) {
        if (sids->element[i]->type == REDIS_REPLY_STRING)
            stats_fn(sids->element[i]->str, arg);
    }
out:
    freeReplyObject(ids);
    freeReplyObject(sids);
    return ret;
}

/* One MGET of n request keys; each string value to each(). */
static int range_chunk(redisContext *c, redisReply **ids, size_t n,
                       store_req_text_fn each, void *arg, char *err, size_t errlen)
{
    static const char *const mget = "MGET";
    const char *argv[REDIS_CHUNK + 1];
    size_t argl[REDIS_CHUNK + 1];
    char(*keys)[sizeof(KEY_REQ) + KEY_ID_MAX] = calloc(n, sizeof(*keys));
    redisReply *vals = NULL;
    size_t k;
    int ret = 0;

    if (keys == NULL)
        return -ENOMEM;
    argv[0] = mget;
    argl[0] = strlen(mget);
    for (k = 0; k < n; k++) {
        snprintf(keys[k], sizeof(keys[k]), KEY_REQ "%.*s", KEY_ID_MAX,
                 ids[k]->str != NULL ? ids[k]->str : "");
        argv[k + 1] = keys[k];
        argl[k + 1] = strlen(keys[k]);
    }
    vals = redisCommandArgv(c, (int)n + 1, argv, argl);
    if (vals == NULL || vals->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "redis: %s", vals == NULL ? c->errstr : "MGET failed");
        ret = -EIO;
        goto out;
    }
    for (k = 0; k < vals->elements && ret == 0; k++) {
        redisReply *v = vals->element[k];
        if (v->type == REDIS_REPLY_STRING)
            ret = each(v->str, v->len, arg);
    }
out:
    freeReplyObject(vals);
    free(keys);
    return ret;
}

int store_req_range(store_req_t *rq, double start, double end, store_req_text_fn each,
                    void *arg, char *err, size_t errlen)
{
    return store_req_range_of(rq, STORE_REQ_POLL, start, end, each, arg, err, errlen);
}

int store_req_range_of(store_req_t *rq, store_req_kind_t kind, double start, double end,
                       store_req_text_fn each, void *arg, char *err, size_t errlen)
{
    redisContext *c = thread_ctx(rq, err, errlen);
    redisReply *ids = NULL;
    char lo[64];
    char hi[64];
    size_t i;
    int ret = 0;

    if (c == NULL)
        return -EIO;
    snprintf(lo, sizeof(lo), "%.17g", start);
    snprintf(hi, sizeof(hi), "%.17g", end);
    ids = redisCommand(c, "ZRANGEBYSCORE %s %s %s", index_key(kind), lo, hi);
    if (ids == NULL || ids->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "redis: %s",
                 ids == NULL                      ? c->errstr
                 : ids->type == REDIS_REPLY_ERROR ? ids->str
                                                  : "?");
        ret = -EIO;
        goto out;
    }
    for (i = 0; i < ids->elements && ret == 0; i += REDIS_CHUNK) {
        size_t n = ids->elements - i < REDIS_CHUNK ? ids->elements - i : REDIS_CHUNK;
        ret = range_chunk(c, ids->element + i, n, each, arg, err, errlen);
    }
out:
    freeReplyObject(ids);
    return ret;
}

/* ---- stats requests ------------------------------------------------------------- */

int store_req_stats_new(store_req_t *rq, const char *id, const char *text, char *err,
                        size_t errlen)
{
    redisContext *c = thread_ctx(rq, err, errlen);

    if (c == NULL)
        return -EIO;
    redisAppendCommand(c, "MULTI");
    redisAppendCommand(c, "SET " KEY_STATS "%s %s", id, text);
    redisAppendCommand(c, "SADD " KEY_STATS_PENDING " %s", id);
    redisAppendCommand(c, "EXEC");
    return collect(c, 4, err, errlen);
}

int store_req_stats_done(store_req_t *rq, const char *id, const char *text,
                         const char *summary, char *err, size_t errlen)
{
    redisContext *c = thread_ctx(rq, err, errlen);

    if (c == NULL)
        return -EIO;
    redisAppendCommand(c, "MULTI");
    redisAppendCommand(c, "SET " KEY_STATS "%s:summary %s", id, summary);
    redisAppendCommand(c, "SET " KEY_STATS "%s %s", id, text);
    redisAppendCommand(c, "SREM " KEY_STATS_PENDING " %s", id);
    redisAppendCommand(c, "EXEC");
    return collect(c, 5, err, errlen);
}

int store_req_stats_get(store_req_t *rq, const char *id, bool summary, char **text,
                        char *err, size_t errlen)
{
    redisContext *c = thread_ctx(rq, err, errlen);

    *text = NULL;
    if (c == NULL)
        return -EIO;
    return redis_get(c, KEY_STATS, id, summary ? ":summary" : "", text, err, errlen);
}

/* ---- the writer ---------------------------------------------------------------------
 */

void store_req_finish(store_req_t *rq, const char *id, char *text)
{
    size_t idl = strlen(id) + 1;
    witem_t *it = malloc(sizeof(*it) + idl);

    if (it == NULL) {
        /* the request stays pending in Redis: it is polled again at the
         * next start rather than lost */
        log_err("serve: out of memory queueing the result of %s", id);
        free(text);
        return;
    }
    it->next = NULL;
    it->text = text;
    memcpy(it->id, id, idl);
    pthread_mutex_lock(&rq->mu);
    if (rq->tail != NULL)
        rq->tail->next = it;
    else
        rq->head = it;
    rq->tail = it;
    rq->queued++;
    pthread_cond_signal(&rq->cond);
    pthread_mutex_unlock(&rq->mu);
}

size_t store_req_unwritten(store_req_t *rq)
{
    size_t n;

    pthread_mutex_lock(&rq->mu);
    n = rq->queued;
    pthread_mutex_unlock(&rq->mu);
    return n;
}

static int writer_batch(redisContext *c, witem_t *batch, int n, char *err, size_t errlen)
{
    witem_t *it;

    redisAppendCommand(c, "MULTI");
    for (it = batch; it != NULL; it = it->next) {
        redisAppendCommand(c, "SET " KEY_REQ "%s %s", it->id, it->text);
        redisAppendCommand(c, "SREM " KEY_PENDING " %s", it->id);
    }
    redisAppendCommand(c, "EXEC");
    return collect(c, 2 * n + 2, err, errlen);
}

/* Under rq->mu: take up to WRITER_BATCH items off the queue; *last gets
 * the batch's last item, *n its length. NULL when there is nothing to
 * write now. */
static witem_t *writer_take(store_req_t *rq, witem_t **last, int *n)
{
    witem_t *batch;

    while (rq->head == NULL && !rq->stop)
        pthread_cond_wait(&rq->cond, &rq->mu);
    if (rq->head == NULL || (rq->stop && mono_ms() > rq->deadline_ms))
        return NULL;
    batch = rq->head;
    *last = batch;
    *n = 1;
    while ((*last)->next != NULL && *n < WRITER_BATCH) {
        *last = (*last)->next;
        (*n)++;
    }
    rq->head = (*last)->next;
    if (rq->head == NULL)
        rq->tail = NULL;
    (*last)->next = NULL;
    return batch;
}

/* A batch in Redis: the service may drop it from memory now. */
static void writer_done(store_req_t *rq, witem_t *batch)
{
    while (batch != NULL) {
        witem_t *next = batch->next;
        if (rq->on_written != NULL)
            rq->on_written(batch->id, rq->arg);
        free(batch->text);
        free(batch);
        batch = next;
    }
}

/* Under rq->mu: a batch that failed goes back to the queue's head; wait
 * before the next try (unless the stop's deadline is too close). */
static void writer_requeue(store_req_t *rq, witem_t *batch, witem_t *last)
{
    last->next = rq->head;
    rq->head = batch;
    if (rq->tail == NULL)
        rq->tail = last;
    if (!rq->stop || mono_ms() + RETRY_MS <= rq->deadline_ms)
        timebase_cond_wait_ms(&rq->cond, &rq->mu, RETRY_MS);
}

static void *writer_main(void *arg)
{
    store_req_t *rq = arg;
    redisContext *c = NULL;
    char err[512];
    bool warned = false;

    pthread_mutex_lock(&rq->mu);
    for (;;) {
        witem_t *last = NULL;
        int n = 0;
        witem_t *batch = writer_take(rq, &last, &n);

        if (batch == NULL)
            break;
        pthread_mutex_unlock(&rq->mu);
        if (c == NULL)
            c = store_redis_connect(rq->store, err, sizeof(err));
        if (c != NULL && writer_batch(c, batch, n, err, sizeof(err)) == 0) {
            /* counted as written before on_written runs: whoever it
             * wakes must find store_req_unwritten() without this batch */
            pthread_mutex_lock(&rq->mu);
            rq->queued -= (size_t)n;
            pthread_mutex_unlock(&rq->mu);
            writer_done(rq, batch);
            warned = false;
            pthread_mutex_lock(&rq->mu);
            continue;
        }
        if (!warned)
            log_warn("serve: cannot write finished requests (%s); retrying every %d ms",
                     err, RETRY_MS);
        warned = true;
        redisFree(c);
        c = NULL;
        pthread_mutex_lock(&rq->mu);
        writer_requeue(rq, batch, last);
    }
    if (rq->queued > 0)
        log_warn("serve: %zu finished requests could not be written; they stay pending "
                 "in Redis and are polled again at the next start",
                 rq->queued);
    pthread_mutex_unlock(&rq->mu);
    redisFree(c);
    return NULL;
}

/* ---- life cycle ------------------------------------------------------------------- */

int store_req_open(store_t *s, store_req_written_fn on_written, void *arg,
                   store_req_t **out, char *err, size_t errlen)
{
    store_req_t *rq = calloc(1, sizeof(*rq));
    int ret;

    *out = NULL;
    if (rq == NULL) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    rq->store = s;
    rq->on_written = on_written;
    rq->arg = arg;
    pthread_mutex_init(&rq->mu, NULL);
    pthread_cond_init(&rq->cond, NULL);
    ret = -pthread_key_create(&rq->ctx_key, ctx_free);
    if (ret < 0) {
        snprintf(err, errlen, "pthread_key_create: %s", strerror(-ret));
        goto out;
    }
    rq->key_ok = true;
    ret = -pthread_create(&rq->writer, NULL, writer_main, rq);
    if (ret < 0) {
        snprintf(err, errlen, "cannot start the writer: %s", strerror(-ret));
        goto out;
    }
    rq->started = true;
out:
    if (ret < 0) {
        store_req_close(rq, 0);
        return ret;
    }
    *out = rq;
    return 0;
}

void store_req_close(store_req_t *rq, double flush_s)
{
    if (rq == NULL)
        return;
    if (rq->started) {
        pthread_mutex_lock(&rq->mu);
        rq->stop = true;
        rq->deadline_ms = mono_ms() + (int64_t)(flush_s * 1000);
        pthread_cond_signal(&rq->cond);
        pthread_mutex_unlock(&rq->mu);
        pthread_join(rq->writer, NULL);
    }
    while (rq->head != NULL) {
        witem_t *it = rq->head;
        rq->head = it->next;
        free(it->text);
        free(it);
    }
    if (rq->key_ok) {
        /* the other callers' threads have ended (their connections with
         * them); this thread may hold one too */
        redisFree(pthread_getspecific(rq->ctx_key));
        pthread_setspecific(rq->ctx_key, NULL);
        pthread_key_delete(rq->ctx_key);
    }
    pthread_mutex_destroy(&rq->mu);
    pthread_cond_destroy(&rq->cond);
    free(rq);
}
