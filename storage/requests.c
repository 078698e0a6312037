/*
 * requests: the poll service's requests in Redis (see requests.h).
 *
 * Why the pieces are where they are:
 *  - A new request is in Redis before its 202: an accepted request
 *    survives a crash and is resumed. The HTTP threads hand their puts to
 *    the putter (store_req_put_async) and go on with other connections;
 *    the putter sends whatever has queued as one pipeline and answers each
 *    put when Redis has. One round trip per POST on the HTTP thread (as
 *    before) capped the service at its HTTP threads / round trip, and cost
 *    a write, a read and two wake-ups per request on both sides (`make
 *    bench`, step 5). store_req_put_once (the settler, tests) is still
 *    one round trip on the caller's connection.
 *  - The put is a Lua script (atomic) sent by its SHA1 (EVALSHA: the
 *    script's text is sent once per connection, not with every request).
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
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/fmt.h"
#include "harness/common/jsonw.h"
#include "harness/common/log.h"
#include "harness/common/timebase.h"
#include "storage/requests.h"
#include "storage/store_int.h"

#define KEY_REQ           STORE_PREFIX "request:"
#define KEY_REQS          STORE_PREFIX "requests"
#define KEY_PENDING       STORE_PREFIX "requests:pending"
#define KEY_EXPIRY        STORE_PREFIX "requests:expiry" /* (before buckets: drained) */
#define KEY_EXPIRING      STORE_PREFIX "requests:expiring"
#define KEY_STATS         STORE_PREFIX "stats:"
#define KEY_STATS_PENDING STORE_PREFIX "stats:pending"
#define KEY_OBSERVERS     STORE_PREFIX "observers"
#define KEY_LAST_ID       ":last_id"
#define KEY_IDEM          STORE_PREFIX "idempotency:"

#define WRITER_BATCH   256
#define PUT_BATCH      512
#define PRUNE_EVERY_MS 1000
#define PRUNE_CHUNK    1000 /* ids per prune script: Lua's unpack() limit is ~8000 */
#define PRUNE_BUCKETS  16   /* buckets a prune looks at, at most */
/* prune scripts a prune runs, at most: a bucket of 30 days' retention
 * holds 43 minutes of requests, given up over several prunes (64,000 ids
 * a second, more than the service takes) rather than in one that holds
 * the writer for seconds */
#define PRUNE_CALLS 64
/* A retention's buckets (requests:expiring): an id leaves the indexes at
 * most a thousandth of the retention after its key expired (30d: 43 min) */
#define EXPIRY_BUCKETS 1000
#define REDIS_CHUNK    500
#define RETRY_MS       500
#define KEY_ID_MAX     64 /* the service's ids are 36 characters (UUIDs) */
/* request:<id>'s value once the service gave up on the id (store_req_settle):
 * not JSON, so no request text can be it; readers take it for absent */
#define TOMB_TEXT "tombstone"

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
    long retention;        /* s; 0: keys never expire */
    int64_t next_prune_ms; /* the writer's */
    bool prune_warned;
    /* the putter's queue (store_req_put_async) */
    pthread_mutex_t pmu;
    pthread_cond_t pcond;
    store_req_put_t *phead;
    store_req_put_t *ptail;
    bool pstop;
    pthread_t putter;
    bool pstarted;
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

/* err: why c failed; -EIO. */
static int conn_err(const redisContext *c, char *err, size_t errlen)
{
    snprintf(err, errlen, "redis: %s", c->errstr[0] != '\0' ? c->errstr : "I/O error");
    return -EIO;
}

/* err: why r is not the reply wanted (NULL: c failed; an error reply: its
 * text; else what); -EIO. */
static int reply_err(const redisContext *c, const redisReply *r, const char *what,
                     char *err, size_t errlen)
{
    if (r == NULL)
        return conn_err(c, err, errlen);
    snprintf(err, errlen, "redis: %s", r->type == REDIS_REPLY_ERROR ? r->str : what);
    return -EIO;
}

/* argv[0..k) (their lengths into argl) as one command on c's pipeline. */
static void append_argv(redisContext *c, const char **argv, size_t *argl, int k)
{
    for (int i = 0; i < k; i++)
        argl[i] = strlen(argv[i]);
    redisAppendCommandArgv(c, k, argv, argl);
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
            freeReplyObject(last);
            return conn_err(c, err, errlen);
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
    if (r == NULL)
        return conn_err(c, err, errlen);
    if (r->type == REDIS_REPLY_STRING) {
        *text = strndup(r->str, r->len);
        ret = *text != NULL ? 1 : -ENOMEM;
    } else if (r->type == REDIS_REPLY_NIL) {
        ret = 0;
    } else {
        ret = reply_err(c, r, "unexpected reply", err, errlen);
    }
    freeReplyObject(r);
    return ret;
}

/* SET <prefix><id><suffix> text, with EX the retention when there is
 * one, appended to c's pipeline (argv: no format to parse, the text is
 * not copied twice). */
static void append_set(redisContext *c, const store_req_t *rq, const char *prefix,
                       const char *id, const char *suffix, const char *text)
{
    char key[sizeof(KEY_STATS) + KEY_ID_MAX + 16];
    char ttl[FMT_INT_MAX];
    const char *argv[5] = {"SET", key, text, "EX", ttl};
    size_t argl[5];

    size_t n =
        fmt_cat(key, sizeof(key), fmt_copy(key, sizeof(key), prefix), id, KEY_ID_MAX);

    argl[0] = 3;
    argl[1] = fmt_cat(key, sizeof(key), n, suffix, sizeof(key));
    argl[2] = strlen(text);
    argl[3] = 2;
    argl[4] = fmt_int(ttl, rq->retention);
    redisAppendCommandArgv(c, rq->retention > 0 ? 5 : 3, argv, argl);
}

/* ---- requests --------------------------------------------------------------------- */

/* A new request with an Idempotency-Key, in one atomic step (a script
 * runs whole, as MULTI/EXEC does), unless the service has given up on its
 * id (request:<id> is TOMB_TEXT, see store_req_settle) or the key already
 * names a request: KEYS request:<id>, the index, the pending set,
 * idem:<key>, its expiry bucket's set, the buckets' index; ARGV text,
 * score, id, the key's lifetime, "1" (there is a key), the request key's
 * lifetime (s, "0": none), the bucket (its name: when it ends).
 * Returns {1, id} stored, {2, other id} the key's, {0, ""} tombstoned. A
 * request already there is left alone: a first try that Redis applies
 * after its retry did must not turn a finished request back to ACCEPTED.
 * A put without a key needs no script (put_plain_append): a script costs
 * Redis twice the CPU of the same commands sent plainly (`make bench`). */
static const char put_script[] =
    "local v = redis.call('GET', KEYS[1]) "
    "if v == '" TOMB_TEXT "' then return {0, ''} end "
    "if v then return {1, ARGV[3]} end "
    "if ARGV[5] == '1' then "
    "  local got = redis.call('GET', KEYS[4]) "
    "  if got then return {2, got} end "
    "end "
    "if ARGV[6] == '0' then redis.call('SET', KEYS[1], ARGV[1]) "
    "else "
    "  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[6]) "
    "  redis.call('SADD', KEYS[5], ARGV[3]) "
    "  redis.call('ZADD', KEYS[6], 'NX', ARGV[7], ARGV[7]) "
    "end "
    "redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3]) "
    "redis.call('SADD', KEYS[3], ARGV[3]) "
    "if ARGV[5] == '1' then redis.call('SET', KEYS[4], ARGV[3], 'EX', ARGV[4]) end "
    "return {1, ARGV[3]}";

/* The indexes lose the ids whose keys have expired (at most ARGV[2] of
 * them, those scored up to ARGV[1]): KEYS the expiry index, requests,
 * observers, requests:pending. Returns how many went. The expiry index
 * of ids (a ZADD per request: 3.4 us of Redis, a seventh of its CPU per
 * POST) gave way to buckets; this drains what an older dnsprop left. */
static const char prune_script[] =
    "local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, "
    "ARGV[2]) "
    "if #ids == 0 then return 0 end "
    "redis.call('ZREM', KEYS[2], unpack(ids)) "
    "redis.call('ZREM', KEYS[3], unpack(ids)) "
    "redis.call('SREM', KEYS[4], unpack(ids)) "
    "redis.call('ZREM', KEYS[1], unpack(ids)) "
    "return #ids";

/* An expiry bucket's ids (at most ARGV[1] of them) leave the indexes:
 * KEYS the bucket's set, requests:expiring, requests, observers,
 * requests:pending; ARGV the count, the bucket's name. The bucket leaves
 * requests:expiring once empty. Returns how many ids went. */
static const char prune_bucket_script[] =
    "local ids = redis.call('SPOP', KEYS[1], ARGV[1]) "
    "if #ids > 0 then "
    "  redis.call('ZREM', KEYS[3], unpack(ids)) "
    "  redis.call('ZREM', KEYS[4], unpack(ids)) "
    "  redis.call('SREM', KEYS[5], unpack(ids)) "
    "end "
    "if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('ZREM', KEYS[2], ARGV[2]) end "
    "return #ids";

/* put_script's reply: 0 stored, 1 with p->other, -EIO (p->err). */
static int put_reply(const redisReply *r, store_req_put_t *p)
{
    long long code;

    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_INTEGER ||
        r->element[1]->type != REDIS_REPLY_STRING) {
        snprintf(p->err, sizeof(p->err), "redis: %s",
                 r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply to EVAL");
        return -EIO;
    }
    code = r->element[0]->integer;
    if (code == 0) {
        snprintf(p->err, sizeof(p->err), "request %s was given up on (tombstone)", p->id);
        return -EIO;
    }
    /* a retry on a fresh connection may find its own first try */
    if (code == 1 || strcmp(r->element[1]->str, p->id) == 0)
        return 0;
    snprintf(p->other, sizeof(p->other), "%s", r->element[1]->str);
    return 1;
}

/* A put's arguments for put_script (argv[0..3) are the caller's: EVAL
 * or EVALSHA, the script or its SHA1, "6"); put_plain_batch uses the key
 * and the texts. */
typedef struct {
    const char *argv[16];
    size_t argl[16];
    char key[sizeof(KEY_REQ) + KEY_ID_MAX];
    char idem[sizeof(KEY_IDEM) + 160];
    char score[32];
    char ttl[FMT_INT_MAX];
    char idem_ttl[FMT_INT_MAX];
    /* the expiry bucket: its name (when it ends, epoch seconds), its set */
    char bucket[FMT_INT_MAX];
    char bucket_key[sizeof(KEY_EXPIRING) + FMT_INT_MAX];
} put_args_t;

static const char *index_key(store_req_kind_t kind);

/* The expiry bucket of a key that expires ttl seconds from now: the
 * buckets are retention / EXPIRY_BUCKETS wide (at least 1 s), each holds
 * the ids whose keys expire by its end, and is named by its end (epoch
 * seconds, a multiple of the width): not by its number, which a slightly
 * different retention would give to a bucket ending days apart. */
static void put_bucket(put_args_t *a, long retention, long ttl)
{
    long width = retention / EXPIRY_BUCKETS > 1 ? retention / EXPIRY_BUCKETS : 1;
    long long n = (long long)ceil((timebase_real_s() + (double)ttl) / (double)width);

    fmt_int(a->bucket, n * width);
    fmt_cat(a->bucket_key, sizeof(a->bucket_key),
            fmt_copy(a->bucket_key, sizeof(a->bucket_key), KEY_EXPIRING ":"), a->bucket,
            sizeof(a->bucket));
}

static void put_args(put_args_t *a, long retention, const store_req_put_t *p)
{
    double timeout = p->timeout > 0 ? p->timeout : 0;
    long ttl = retention > 0 ? retention + (long)(timeout + 0.999) : 0;
    long idem_ttl = ttl > 0 && ttl < STORE_REQ_IDEM_TTL_S ? ttl : STORE_REQ_IDEM_TTL_S;
    const char *v[13];
    int i;

    /* (no printf: on the service's path for every request) */
    fmt_cat(a->key, sizeof(a->key), fmt_copy(a->key, sizeof(a->key), KEY_REQ), p->id,
            KEY_ID_MAX);
    fmt_cat(a->idem, sizeof(a->idem), fmt_copy(a->idem, sizeof(a->idem), KEY_IDEM),
            p->idem != NULL ? p->idem : "", sizeof(a->idem));
    /* (the score's text: jsonw's, the digits that read back the same) */
    jsonw_real(a->score, p->start);
    fmt_int(a->ttl, ttl);
    fmt_int(a->idem_ttl, idem_ttl);
    put_bucket(a, retention, ttl);
    v[0] = a->key;
    v[1] = index_key(p->kind);
    v[2] = KEY_PENDING;
    v[3] = a->idem;
    v[4] = a->bucket_key;
    v[5] = KEY_EXPIRING;
    v[6] = p->text;
    v[7] = a->score;
    v[8] = p->id;
    v[9] = a->idem_ttl;
    v[10] = p->idem != NULL ? "1" : "0";
    v[11] = a->ttl;
    v[12] = a->bucket;
    for (i = 0; i < 13; i++) {
        a->argv[3 + i] = v[i];
        a->argl[3 + i] = strlen(v[i]);
    }
    a->argv[2] = "6";
    a->argl[2] = 1;
}

/* put_plain_batch's puts (those without an Idempotency-Key), their
 * arguments, and room for one command's argv over all of them. */
typedef struct {
    int n;
    store_req_put_t **q;
    put_args_t *a;
    const char **argv;
    size_t *argl;
} plain_t;

/* argv[0..k) as one command; 1 (its reply). */
static int plain_append(redisContext *c, plain_t *b, int k)
{
    append_argv(c, b->argv, b->argl, k);
    return 1;
}

/* ZADD NX of the puts of one index (score start_time): replies, 0 or 1. */
static int plain_index(redisContext *c, plain_t *b, store_req_kind_t kind)
{
    int k = 3;

    b->argv[0] = "ZADD";
    b->argv[1] = index_key(kind);
    b->argv[2] = "NX";
    for (int i = 0; i < b->n; i++) {
        if (b->q[i]->kind == kind) {
            b->argv[k++] = b->a[i].score;
            b->argv[k++] = b->q[i]->id;
        }
    }
    return k > 3 ? plain_append(c, b, k) : 0;
}

/* Each expiry bucket the puts fall in (usually one): SADD of its ids,
 * ZADD NX of it to requests:expiring. Replies, two per bucket. */
static int plain_buckets(redisContext *c, plain_t *b, bool *done)
{
    int nrep = 0;

    for (int i = 0; i < b->n; i++) {
        int k = 2;
        if (done[i])
            continue;
        b->argv[0] = "SADD";
        b->argv[1] = b->a[i].bucket_key;
        for (int j = i; j < b->n; j++) {
            if (!done[j] && strcmp(b->a[j].bucket, b->a[i].bucket) == 0) {
                b->argv[k++] = b->q[j]->id;
                done[j] = true;
            }
        }
        nrep += plain_append(c, b, k);
        b->argv[0] = "ZADD";
        b->argv[1] = KEY_EXPIRING;
        b->argv[2] = "NX";
        b->argv[3] = b->a[i].bucket; /* scored by its end, its name */
        b->argv[4] = b->a[i].bucket;
        nrep += plain_append(c, b, 5);
    }
    return nrep;
}

/* n puts without an Idempotency-Key from p (those with one are skipped)
 * as one transaction of plain commands: MULTI, a SET request:<id> NX per
 * put (a request already there, or a tombstone, stays as it is), one ZADD
 * NX per index, one SADD to requests:pending, with a retention one SADD
 * per expiry bucket, EXEC. Atomic as a whole, as each put's script was;
 * EXEC's reply has each SET's in the puts' order (put_plain_reply). One
 * command per put and per index, not five per put: Redis's CPU per put is
 * a third of a script's (`make bench`). The number of replies, or -ENOMEM
 * (nothing appended). */
static int put_plain_batch(redisContext *c, long retention, store_req_put_t *p, int n)
{
    plain_t b = {n, calloc((size_t)n, sizeof(*b.q)), malloc((size_t)n * sizeof(*b.a)),
                 malloc((size_t)(2 * n + 5) * sizeof(*b.argv)),
                 malloc((size_t)(2 * n + 5) * sizeof(*b.argl))};
    bool *done = calloc((size_t)n, sizeof(*done));
    store_req_put_t *q;
    int nrep = 0, i = 0;

    if (b.q == NULL || b.a == NULL || b.argv == NULL || b.argl == NULL || done == NULL) {
        nrep = -ENOMEM;
        goto out;
    }
    redisAppendCommand(c, "MULTI");
    for (q = p; q != NULL && i < n; q = q->next) {
        if (q->idem != NULL)
            continue;
        b.q[i] = q;
        put_args(&b.a[i], retention, q);
        b.argv[0] = "SET";
        b.argv[1] = b.a[i].key;
        b.argv[2] = q->text;
        b.argv[3] = "NX";
        b.argv[4] = "EX";
        b.argv[5] = b.a[i].ttl;
        plain_append(c, &b, retention > 0 ? 6 : 4);
        i++;
    }
    nrep = 2 + n + plain_index(c, &b, STORE_REQ_POLL) +
           plain_index(c, &b, STORE_REQ_OBSERVER);
    b.argv[0] = "SADD";
    b.argv[1] = KEY_PENDING;
    for (i = 0; i < n; i++)
        b.argv[2 + i] = b.q[i]->id;
    nrep += plain_append(c, &b, n + 2);
    if (retention > 0)
        nrep += plain_buckets(c, &b, done);
    redisAppendCommand(c, "EXEC");
out:
    free(b.q);
    free(b.a);
    free(b.argv);
    free(b.argl);
    free(done);
    return nrep;
}

/* The first error among EXEC's replies, or NULL. */
static const char *exec_error(const redisReply *r)
{
    for (size_t k = 0; r->type == REDIS_REPLY_ARRAY && k < r->elements; k++) {
        if (r->element[k]->type == REDIS_REPLY_ERROR)
            return r->element[k]->str;
    }
    return NULL;
}

/* The EXEC of put_plain_batch, for the put that was i-th in it: 0 stored,
 * -EEXIST when request:<id> was there already (put_exists tells what it
 * was), -EIO (p->err). txerr is exec_error(r): a step that failed for all,
 * an index's ZADD or the SADD (WRONGTYPE, say), leaves each put half done,
 * so none is stored. */
static int put_plain_reply(const redisReply *r, const char *txerr, size_t i,
                           store_req_put_t *p)
{
    if (txerr != NULL) {
        snprintf(p->err, sizeof(p->err), "redis: %s", txerr);
        return -EIO;
    }
    if (r->type == REDIS_REPLY_ARRAY && r->elements > i) {
        if (r->element[i]->type == REDIS_REPLY_STATUS)
            return 0;
        if (r->element[i]->type == REDIS_REPLY_NIL)
            return -EEXIST;
        if (r->element[i]->type == REDIS_REPLY_ERROR) {
            snprintf(p->err, sizeof(p->err), "redis: %s", r->element[i]->str);
            return -EIO;
        }
    }
    snprintf(p->err, sizeof(p->err), "redis: %s",
             r->type == REDIS_REPLY_ERROR ? r->str : "the transaction was not applied");
    return -EIO;
}

/* request:<id> was there when its put came: the put's own first try,
 * which Redis applied before its retry (0), or a tombstone (-EIO); then
 * the indexes that the transaction added the id to lose it again. */
static int put_exists(redisContext *c, store_req_put_t *p)
{
    char *text = NULL;
    int ret = redis_get(c, KEY_REQ, p->id, "", &text, p->err, sizeof(p->err));
    bool tomb = ret == 0 || (ret == 1 && strcmp(text, TOMB_TEXT) == 0);

    free(text);
    if (ret < 0)
        return -EIO;
    if (!tomb)
        return 0;
    /* (its expiry bucket may keep it: a prune's ZREM of an id the
     * indexes lack is nothing) */
    redisAppendCommand(c, "ZREM %s %s", index_key(p->kind), p->id);
    redisAppendCommand(c, "SREM " KEY_PENDING " %s", p->id);
    for (int i = 0; i < 2; i++) {
        void *r = NULL;
        if (redisGetReply(c, &r) != REDIS_OK)
            break;
        freeReplyObject(r);
    }
    snprintf(p->err, sizeof(p->err), "request %s was given up on (tombstone)", p->id);
    return -EIO;
}

/* The replies of put_send's pipeline, read in the order it appended
 * them: the transaction of the puts without a key (nplain of them; nrep
 * replies, EXEC's last), then one per put with a key. -EIO when the
 * connection failed. */
static int put_read(redisContext *c, store_req_put_t *p, int nplain, int nrep, char *err,
                    size_t errlen)
{
    store_req_put_t *q;
    void *r = NULL;
    const char *txerr = NULL;
    size_t i = 0;

    for (int k = 0; k < (nplain > 0 ? nrep : 0); k++) {
        freeReplyObject(r);
        r = NULL;
        if (redisGetReply(c, &r) != REDIS_OK)
            goto fail;
    }
    if (r != NULL)
        txerr = exec_error(r);
    for (q = p; q != NULL; q = q->next) {
        if (q->idem == NULL) {
            q->ret = put_plain_reply(r, txerr, i++, q);
            continue;
        }
        void *one = NULL;
        if (redisGetReply(c, &one) != REDIS_OK)
            goto fail;
        store_req_put_result(one, q);
        freeReplyObject(one);
    }
    freeReplyObject(r);
    return 0;
fail:
    freeReplyObject(r);
    return conn_err(c, err, errlen);
}

/* The puts from p as one pipeline: those without an Idempotency-Key as
 * one transaction (put_plain_batch), each with one as EVALSHA sha (EVAL
 * by the script's text when sha is NULL); each put's ret. A NOSCRIPT
 * (Redis lost the script) is sent again by the text, a request found
 * there already is looked at (put_exists). -EIO when the connection
 * failed (err): no put's ret is to be trusted. */
static int put_send(redisContext *c, long retention, const char *sha, store_req_put_t *p,
                    char *err, size_t errlen)
{
    store_req_put_t *q;
    int nplain = 0, nrep = 0;

    for (q = p; q != NULL; q = q->next)
        nplain += q->idem == NULL;
    if (nplain > 0 && (nrep = put_plain_batch(c, retention, p, nplain)) < 0) {
        snprintf(err, errlen, "out of memory");
        return -EIO;
    }
    for (q = p; q != NULL; q = q->next) {
        if (q->idem != NULL)
            store_req_put_append(c, sha, retention, q);
    }
    if (put_read(c, p, nplain, nrep, err, errlen) < 0)
        return -EIO;
    for (q = p; q != NULL; q = q->next) {
        if (q->ret == -EAGAIN) {
            store_req_put_t *next = q->next;
            q->next = NULL;
            if (put_send(c, retention, NULL, q, err, errlen) < 0)
                q->ret = -EIO;
            q->next = next;
        } else if (q->ret == -EEXIST) {
            q->ret = put_exists(c, q);
        }
    }
    return c->err != 0 ? -EIO : 0;
}

/* One put on c, the script by its text when it needs one: 0, 1 or -EIO
 * (p->err), as store_req_put_once. */
static int put_new(redisContext *c, long retention, store_req_put_t *p)
{
    p->next = NULL;
    if (put_send(c, retention, NULL, p, p->err, sizeof(p->err)) < 0)
        return -EIO;
    return p->ret;
}

/* Observers (Digaas's /observers) have an index of their own: each API
 * generation's /stats reads its own requests, as Digaas's did. */
static const char *index_key(store_req_kind_t kind)
{
    return kind == STORE_REQ_OBSERVER ? KEY_OBSERVERS : KEY_REQS;
}

int store_req_put_once(store_req_t *rq, store_req_kind_t kind, const char *id,
                       const char *text, double start, double timeout, const char *idem,
                       char *other, size_t otherlen, char *err, size_t errlen)
{
    store_req_put_t p;
    redisContext *c = thread_ctx(rq, err, errlen);
    int ret;

    memset(&p, 0, sizeof(p));
    p.kind = kind;
    p.id = id;
    p.text = text;
    p.start = start;
    p.timeout = timeout;
    p.idem = idem;
    ret = c != NULL ? put_new(c, rq->retention, &p) : -EIO;
    if (ret == -EIO && (c = thread_ctx(rq, err, errlen)) != NULL)
        ret = put_new(c, rq->retention, &p);
    if (ret == -EIO && c != NULL)
        snprintf(err, errlen, "%s", p.err);
    if (ret == 1)
        snprintf(other, otherlen, "%s", p.other);
    return ret;
}

int store_req_put(store_req_t *rq, store_req_kind_t kind, const char *id,
                  const char *text, double start, char *err, size_t errlen)
{
    char other[KEY_ID_MAX];

    return store_req_put_once(rq, kind, id, text, start, 0, NULL, other, sizeof(other),
                              err, errlen);
}

/* A tombstone is request:<id> itself (SET NX: only if the put has not
 * landed), so that a put still on its way finds the key taken (its SET
 * NX) with no script on either side; the GET after it says which of the
 * two got there first. */
int store_req_settle(store_req_t *rq, const char *id, char *err, size_t errlen)
{
    redisContext *c = thread_ctx(rq, err, errlen);
    redisReply *r[2] = {NULL, NULL};
    int ret = -EIO;
    int i;

    if (c == NULL)
        return -EIO;
    redisAppendCommand(c, "SET " KEY_REQ "%s " TOMB_TEXT " NX EX %d", id,
                       STORE_REQ_TOMB_TTL_S);
    redisAppendCommand(c, "GET " KEY_REQ "%s", id);
    for (i = 0; i < 2; i++) {
        void *v = NULL;
        if (redisGetReply(c, &v) != REDIS_OK) {
            conn_err(c, err, errlen);
            goto out;
        }
        r[i] = v;
    }
    if (r[0]->type == REDIS_REPLY_ERROR || r[1]->type == REDIS_REPLY_ERROR) {
        snprintf(err, errlen, "redis: %s",
                 r[r[0]->type == REDIS_REPLY_ERROR ? 0 : 1]->str);
        goto out;
    }
    ret = r[1]->type == REDIS_REPLY_STRING && strcmp(r[1]->str, TOMB_TEXT) != 0 ? 1 : 0;
out:
    freeReplyObject(r[0]);
    freeReplyObject(r[1]);
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
        reply_err(c, r, "INCR gave no id", err, errlen);
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
    /* (its expiry bucket keeps it until the prune, which finds nothing) */
}

void store_req_unpend(store_req_t *rq, const char *id)
{
    char err[256];
    redisContext *c = thread_ctx(rq, err, sizeof(err));

    if (c != NULL)
        freeReplyObject(redisCommand(c, "SREM " KEY_PENDING " %s", id));
}

int store_req_get(store_req_t *rq, const char *id, char **text, char *err, size_t errlen)
{
    redisContext *c = thread_ctx(rq, err, errlen);
    int ret;

    *text = NULL;
    ret = c != NULL ? redis_get(c, KEY_REQ, id, "", text, err, errlen) : -EIO;
    if (ret == 1 && strcmp(*text, TOMB_TEXT) == 0) {
        free(*text);
        *text = NULL;
        ret = 0;
    }
    return ret;
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
        bool tomb =
            got[k]->type == REDIS_REPLY_STRING && strcmp(got[k]->str, TOMB_TEXT) == 0;
        if (got[k]->type == REDIS_REPLY_STRING && !tomb) {
            req_fn(ids[k]->str, got[k]->str, arg);
        } else if (got[k]->type == REDIS_REPLY_NIL || tomb) {
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
        if (v->type == REDIS_REPLY_STRING && strcmp(v->str, TOMB_TEXT) != 0)
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
        ret = reply_err(c, ids, "?", err, errlen);
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
    append_set(c, rq, KEY_STATS, id, "", text);
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
    append_set(c, rq, KEY_STATS, id, ":summary", summary);
    append_set(c, rq, KEY_STATS, id, "", text);
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

static int writer_batch(store_req_t *rq, redisContext *c, witem_t *batch, int n,
                        char *err, size_t errlen)
{
    const char **argv = malloc((size_t)(n + 2) * sizeof(*argv));
    size_t *argl = malloc((size_t)(n + 2) * sizeof(*argl));
    witem_t *it;
    int k = 2;

    if (argv == NULL || argl == NULL) {
        free(argv);
        free(argl);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    argv[0] = "SREM";
    argv[1] = KEY_PENDING;
    redisAppendCommand(c, "MULTI");
    for (it = batch; it != NULL; it = it->next) {
        append_set(c, rq, KEY_REQ, it->id, "", it->text);
        argv[k++] = it->id;
    }
    /* one SREM for the batch: a command and a reply less per request */
    append_argv(c, argv, argl, k);
    redisAppendCommand(c, "EXEC");
    free(argv);
    free(argl);
    return collect(c, n + 3, err, errlen);
}

/* Under rq->mu: take up to WRITER_BATCH items off the queue; *last gets
 * the batch's last item, *n its length. NULL when there is nothing to
 * write now: stopping, or (with a retention) time to prune. */
static witem_t *writer_take(store_req_t *rq, witem_t **last, int *n)
{
    witem_t *batch;

    while (rq->head == NULL && !rq->stop) {
        if (rq->retention == 0) {
            pthread_cond_wait(&rq->cond, &rq->mu);
            continue;
        }
        if (mono_ms() >= rq->next_prune_ms)
            return NULL;
        timebase_cond_wait_ms(&rq->cond, &rq->mu, PRUNE_EVERY_MS);
    }
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

/* One EVAL of a prune script whose reply is how many ids went: 0, or
 * -EIO (err). */
static int prune_eval(redisContext *c, long long *gone, char *err, size_t errlen,
                      const char *fmt, ...)
{
    va_list ap;
    redisReply *r;
    int ret = 0;

    va_start(ap, fmt);
    r = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (r != NULL && r->type == REDIS_REPLY_INTEGER) {
        *gone = r->integer;
    } else {
        ret = reply_err(c, r, "unexpected reply to EVAL", err, errlen);
    }
    freeReplyObject(r);
    return ret;
}

/* The buckets that ended by now give their ids up (PRUNE_CHUNK at a
 * time), PRUNE_BUCKETS of them and *calls scripts at most (counted down):
 * 0, or -EIO (err). */
static int prune_buckets(redisContext *c, const char *now, int *calls, char *err,
                         size_t errlen)
{
    redisReply *bs = redisCommand(c, "ZRANGEBYSCORE " KEY_EXPIRING " -inf %s LIMIT 0 %d",
                                  now, PRUNE_BUCKETS);
    int ret = 0;

    if (bs == NULL || bs->type != REDIS_REPLY_ARRAY) {
        ret = reply_err(c, bs, "unexpected reply to ZRANGEBYSCORE", err, errlen);
        freeReplyObject(bs);
        return ret;
    }
    for (size_t i = 0; i < bs->elements && ret == 0; i++) {
        const char *name = bs->element[i]->str != NULL ? bs->element[i]->str : "";
        long long gone = PRUNE_CHUNK;
        while (ret == 0 && gone == PRUNE_CHUNK && (*calls)-- > 0)
            ret = prune_eval(c, &gone, err, errlen,
                             "EVAL %s 5 " KEY_EXPIRING ":%s %s %s %s %s %d %s",
                             prune_bucket_script, name, KEY_EXPIRING, KEY_REQS,
                             KEY_OBSERVERS, KEY_PENDING, PRUNE_CHUNK, name);
    }
    freeReplyObject(bs);
    return ret;
}

/* The indexes lose what has expired: the buckets', then what an older
 * dnsprop left in the expiry index of ids (a prune script per PRUNE_CHUNK
 * ids). 0, or -EIO (err). */
static int prune(redisContext *c, char *err, size_t errlen)
{
    char now[32];
    long long gone = PRUNE_CHUNK;
    int calls = PRUNE_CALLS;
    int ret;

    snprintf(now, sizeof(now), "%.3f", timebase_real_s());
    ret = prune_buckets(c, now, &calls, err, errlen);
    while (ret == 0 && gone == PRUNE_CHUNK && calls-- > 0)
        ret = prune_eval(c, &gone, err, errlen, "EVAL %s 4 %s %s %s %s %s %d",
                         prune_script, KEY_EXPIRY, KEY_REQS, KEY_OBSERVERS, KEY_PENDING,
                         now, PRUNE_CHUNK);
    return ret;
}

/* Prune when it is time (the writer, without rq->mu); false when the
 * connection failed. */
static bool writer_prune(store_req_t *rq, redisContext *c)
{
    char err[512];

    if (rq->retention == 0 || mono_ms() < rq->next_prune_ms)
        return true;
    rq->next_prune_ms = mono_ms() + PRUNE_EVERY_MS;
    if (prune(c, err, sizeof(err)) == 0) {
        rq->prune_warned = false;
        return true;
    }
    if (!rq->prune_warned)
        log_warn("serve: cannot remove expired requests from the indexes (%s); trying "
                 "again every %d ms",
                 err, PRUNE_EVERY_MS);
    rq->prune_warned = true;
    return c->err == 0;
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

        if (batch == NULL && rq->stop)
            break;
        pthread_mutex_unlock(&rq->mu);
        if (c == NULL && (c = store_redis_connect(rq->store, err, sizeof(err))) != NULL)
            c->reader->maxbuf = 0; /* see putter_connect */
        if (c == NULL)
            rq->next_prune_ms = mono_ms() + PRUNE_EVERY_MS; /* Redis is away */
        else if (!writer_prune(rq, c)) {
            redisFree(c);
            c = NULL;
        }
        if (batch == NULL) {
            pthread_mutex_lock(&rq->mu);
            continue;
        }
        if (c != NULL && writer_batch(rq, c, batch, n, err, sizeof(err)) == 0) {
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

/* ---- the putter ------------------------------------------------------------------- */

void store_req_put_async(store_req_t *rq, store_req_put_t *p)
{
    p->next = NULL;
    p->ret = 0;
    p->other[0] = '\0';
    p->err[0] = '\0';
    pthread_mutex_lock(&rq->pmu);
    if (rq->ptail != NULL)
        rq->ptail->next = p;
    else
        rq->phead = p;
    rq->ptail = p;
    pthread_cond_signal(&rq->pcond);
    pthread_mutex_unlock(&rq->pmu);
}

/* A connection for the putter with put_script loaded (its SHA1 into sha):
 * NULL when Redis cannot be reached (err). */
static redisContext *putter_connect(store_req_t *rq, char sha[41], char *err,
                                    size_t errlen)
{
    redisContext *c = store_redis_connect(rq->store, err, errlen);
    redisReply *r;

    if (c == NULL)
        return NULL;
    /* its reply buffer kept: hiredis frees one that has grown past 16 KiB
     * once it is read, and each batch's replies grow it again */
    c->reader->maxbuf = 0;
    r = redisCommand(c, "SCRIPT LOAD %s", put_script);
    if (r != NULL && r->type == REDIS_REPLY_STRING && r->len == 40) {
        memcpy(sha, r->str, 41);
        freeReplyObject(r);
        return c;
    }
    snprintf(err, errlen, "redis: SCRIPT LOAD: %s",
             r == NULL                      ? c->errstr
             : r->type == REDIS_REPLY_ERROR ? r->str
                                            : "unexpected reply");
    freeReplyObject(r);
    redisFree(c);
    return NULL;
}

const char *store_req_put_script(void)
{
    return put_script;
}

int store_req_put_append(redisContext *c, const char *sha, long retention,
                         const store_req_put_t *p)
{
    put_args_t a;
    bool by_sha = sha != NULL && sha[0] != '\0';

    if (p->idem == NULL) {
        store_req_put_t one = *p;
        one.next = NULL;
        return put_plain_batch(c, retention, &one, 1);
    }
    put_args(&a, retention, p);
    a.argv[0] = by_sha ? "EVALSHA" : "EVAL";
    a.argl[0] = strlen(a.argv[0]);
    a.argv[1] = by_sha ? sha : put_script;
    a.argl[1] = strlen(a.argv[1]);
    redisAppendCommandArgv(c, 16, a.argv, a.argl);
    return 1;
}

int store_req_put_result(const redisReply *last, store_req_put_t *p)
{
    if (p->idem == NULL)
        p->ret = put_plain_reply(last, exec_error(last), 0, p);
    else if (last->type == REDIS_REPLY_ERROR && strncmp(last->str, "NOSCRIPT", 8) == 0)
        p->ret = -EAGAIN;
    else
        p->ret = put_reply(last, p);
    return p->ret;
}

/* Under rq->pmu: up to PUT_BATCH puts off the queue, or NULL when
 * stopping with none left. */
static store_req_put_t *putter_take(store_req_t *rq)
{
    store_req_put_t *batch;
    store_req_put_t *last;
    int n = 1;

    while (rq->phead == NULL && !rq->pstop)
        pthread_cond_wait(&rq->pcond, &rq->pmu);
    batch = rq->phead;
    if (batch == NULL)
        return NULL;
    for (last = batch; last->next != NULL && n < PUT_BATCH; n++)
        last = last->next;
    rq->phead = last->next;
    if (rq->phead == NULL)
        rq->ptail = NULL;
    last->next = NULL;
    return batch;
}

/* Group commit: whatever has queued goes as one pipeline; a failed
 * connection is made again and the batch sent once more (the script
 * finds a put that landed), as store_req_put_once retries. */
static void *putter_main(void *arg)
{
    store_req_t *rq = arg;
    redisContext *c = NULL;
    char sha[41] = "";
    char err[256];
    store_req_put_t *batch;
    int ret;

    pthread_mutex_lock(&rq->pmu);
    while ((batch = putter_take(rq)) != NULL) {
        pthread_mutex_unlock(&rq->pmu);
        ret = -EIO;
        for (int attempt = 0; attempt < 2 && ret < 0; attempt++) {
            if (c == NULL)
                c = putter_connect(rq, sha, err, sizeof(err));
            ret = c != NULL ? put_send(c, rq->retention, sha, batch, err, sizeof(err))
                            : -EIO;
            if (ret < 0) {
                redisFree(c);
                c = NULL;
            }
        }
        while (batch != NULL) {
            store_req_put_t *next = batch->next;
            if (ret < 0) {
                batch->ret = -EIO;
                snprintf(batch->err, sizeof(batch->err), "%s", err);
            }
            batch->done(batch); /* may free batch */
            batch = next;
        }
        pthread_mutex_lock(&rq->pmu);
    }
    pthread_mutex_unlock(&rq->pmu);
    redisFree(c);
    return NULL;
}

/* ---- life cycle ------------------------------------------------------------------- */

int store_req_open(store_t *s, store_req_written_fn on_written, void *arg,
                   double retention_s, store_req_t **out, char *err, size_t errlen)
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
    /* whole seconds (EX), at least one when there is a retention */
    rq->retention = retention_s > 0 ? (long)(retention_s + 0.999) : 0;
    pthread_mutex_init(&rq->mu, NULL);
    pthread_cond_init(&rq->cond, NULL);
    pthread_mutex_init(&rq->pmu, NULL);
    pthread_cond_init(&rq->pcond, NULL);
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
    pthread_setname_np(rq->writer, "dp-reqwriter");
    rq->started = true;
    ret = -pthread_create(&rq->putter, NULL, putter_main, rq);
    if (ret < 0) {
        snprintf(err, errlen, "cannot start the putter: %s", strerror(-ret));
        goto out;
    }
    pthread_setname_np(rq->putter, "dp-putter");
    rq->pstarted = true;
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
    /* the putter first: what it has queued is answered (Redis willing) */
    if (rq->pstarted) {
        pthread_mutex_lock(&rq->pmu);
        rq->pstop = true;
        pthread_cond_signal(&rq->pcond);
        pthread_mutex_unlock(&rq->pmu);
        pthread_join(rq->putter, NULL);
    }
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
    pthread_mutex_destroy(&rq->pmu);
    pthread_cond_destroy(&rq->pcond);
    free(rq);
}
