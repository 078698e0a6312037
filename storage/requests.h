/*
 * requests: the poll service's requests (`dnsprop serve`) in Redis, the
 * store's server. Every key and write of the service is here; the service
 * (harness/serve) holds ids and JSON texts, never a connection.
 *
 * Keys (under STORE_PREFIX, "dnsprop:"; schema in README, "dnsprop serve"):
 *   request:<id>        string  a request as GET shows it (JSON), or "tombstone":
 *                               an id the service gave up on, whose write, if
 *                               still on its way, never lands (24 h)
 *   requests            zset    request ids scored by start_time
 *   requests:pending    set     ids not finished yet
 *   requests:expiring   zset    expiry buckets (numbers n) scored by when
 *                               they end (n * width, width a thousandth of
 *                               the retention, at least 1 s)
 *   requests:expiring:<n>  set  the request and observer ids whose keys
 *                               expire by then (with a retention)
 *   stats:<id>          string  a stats request (JSON)
 *   stats:<id>:summary  string  its statistics (JSON)
 *   stats:pending       set     stats ids not computed yet
 *   observers           zset    Digaas's observers (request:<id> too), by start_time
 *   observers:last_id   string  the last integer id given to an observer (INCR)
 *   stats:last_id       string  the same for Digaas's /stats {start, end}
 *   idempotency:<key>   string  the id a client's Idempotency-Key names (24 h)
 * Each change of more than one key is one MULTI/EXEC transaction or one
 * Lua script, so a request is never half stored: a new request (SET, ZADD,
 * SADD) before the service answers 202, a final state (SET, SREM) later,
 * by the writer.
 *
 * Retention (store_req_open's retention_s, 0: for ever, as Digaas kept
 * them): request:<id> expires retention after its poll's timeout would
 * have ended (the final state, retention after it was written), stats:<id>
 * and its summary retention after they were written; the writer removes
 * the ids of the buckets that have ended from the indexes (requests,
 * observers, requests:pending) at least once a second, so that they stop
 * growing. (requests:expiry, a zset of ids by expiry that an older dnsprop
 * kept, is drained the same way.)
 *
 * The putter: one thread, its own connection, for store_req_put_async.
 * Puts queued by any thread are sent together (one pipeline, each put
 * still its own MULTI/EXEC or script) and each caller's done() is called
 * once Redis has answered its put: group commit, so that a busy service
 * makes one round trip for many requests, and no HTTP thread waits.
 *
 * The writer: one thread, its own connection. Final states are queued by
 * store_req_finish (which never waits for Redis: the probe pool's result
 * callback calls it) and sent in batches of up to 256 as one MULTI/EXEC;
 * after a batch is acknowledged, on_written(id) is called for each of its
 * requests (from the writer thread), and only then are they dropped. While
 * Redis is away the batch is retried every 500 ms.
 *
 * Connections: every other call runs on the calling thread's own
 * connection (a hiredis context belongs to one thread), made on first use,
 * made again after an I/O error, and freed when the thread ends (or, for
 * the thread calling store_req_close, by that call).
 *
 * Ownership: ids and texts passed in are borrowed (copied when kept),
 * except store_req_finish's text, which it takes. Texts handed out (the
 * char ** of the getters) belong to the caller, who free()s them.
 *
 * Thread-safety: store_req_open and store_req_close from one thread, the
 * latter after every other caller has stopped; everything else from any
 * thread. Return values: 0 (or 1 for a getter that found the key), or a
 * negative code: -EIO when Redis failed (err says why), -ENOMEM.
 */
#ifndef DP_STORE_REQUESTS_H
#define DP_STORE_REQUESTS_H

#include <stdbool.h>
#include <stddef.h>

#include "storage/store.h"

typedef struct store_req store_req_t;

/* Called by the writer thread once a request's final state is in Redis. */
typedef void (*store_req_written_fn)(const char *id, void *arg);

/* Start the writer on s's server (s is borrowed and must outlive the
 * handle). on_written may be NULL. */
int store_req_open(store_t *s, store_req_written_fn on_written, void *arg,
                   double retention_s, store_req_t **out, char *err, size_t errlen);
/* Stop the writer after sending what is queued (trying Redis for up to
 * flush_s seconds; what is left stays pending in Redis and is logged),
 * and free everything. NULL is a no-op. */
void store_req_close(store_req_t *rq, double flush_s);

/* ---- requests ---- */

/* Which index a request joins: poll requests (/requests, /poll_requests)
 * or Digaas's observers. */
typedef enum {
    STORE_REQ_POLL = 0,
    STORE_REQ_OBSERVER,
} store_req_kind_t;

/* A new integer id from the counter <counter>:last_id (INCR: ids survive
 * restarts and are never given twice). */
int store_req_next_id(store_req_t *rq, const char *counter, unsigned long long *id,
                      char *err, size_t errlen);
/* How long an Idempotency-Key names its request, and a tombstone lasts. */
#define STORE_REQ_IDEM_TTL_S 86400
#define STORE_REQ_TOMB_TTL_S 86400

/* store_req_put with a client's Idempotency-Key (idem, NULL: none; the
 * caller checks its characters): 0 stored, 1 when the key already names a
 * request (its id into other, nothing written), < 0 (err). The check and
 * the write are one atomic step (a Lua script; without a key, a
 * MULTI/EXEC whose SET NX finds a tombstone), and a write that comes
 * after store_req_settle gave up on the id is dropped. */
int store_req_put_once(store_req_t *rq, store_req_kind_t kind, const char *id,
                       const char *text, double start, double timeout, const char *idem,
                       char *other, size_t otherlen, char *err, size_t errlen);
/* After a put failed (a timeout: it may still land, Redis applying it
 * later): 1 when request:<id> is in Redis, 0 when it is not and now never
 * will be (a tombstone), < 0 when Redis cannot tell yet (err). */
int store_req_settle(store_req_t *rq, const char *id, char *err, size_t errlen);
/* A put for the putter: the caller fills the first fields (borrowed until
 * done() is called) and keeps the struct alive until then. */
typedef struct store_req_put store_req_put_t;
struct store_req_put {
    store_req_kind_t kind;
    const char *id;
    const char *text;
    double start;
    double timeout;   /* the poll's: the key outlives it by the retention */
    const char *idem; /* NULL: none */
    /* called on the putter's thread once the put is known: */
    void (*done)(store_req_put_t *p);
    void *arg;
    /* what store_req_put_once would have returned, other and err with it */
    int ret;
    char other[64];
    char err[256];
    store_req_put_t *next; /* requests.c's */
};
/* Queue a put (never fails, never waits); done() comes from the putter,
 * after Redis answered (or after it failed twice, ret -EIO). */
void store_req_put_async(store_req_t *rq, store_req_put_t *p);
/* What the putter sends, for a caller with its own connection and event
 * loop (tests/bench/mhd_bare.c, the one-loop design's anchor): the put's
 * Lua script (SCRIPT LOAD it for its SHA1; only a put with an
 * Idempotency-Key needs it: sha NULL sends its text), one put appended
 * to c's pipeline (retention: whole seconds, 0 none), which returns how
 * many replies the put gets; the last of them to store_req_put_result,
 * which sets p->ret: 0, 1 or -EIO as store_req_put_once, or -EAGAIN
 * (NOSCRIPT: append again without sha) or -EEXIST (request:<id> was
 * there: a first try that landed, or a tombstone; store_req_put_once of
 * the same put tells which). */
struct redisContext;
struct redisReply;
const char *store_req_put_script(void);
int store_req_put_append(struct redisContext *c, const char *sha, long retention,
                         const store_req_put_t *p);
int store_req_put_result(const struct redisReply *last, store_req_put_t *p);

/* store_req_put_new for either index. */
int store_req_put(store_req_t *rq, store_req_kind_t kind, const char *id,
                  const char *text, double start, char *err, size_t errlen);

/* A new request: request:<id> = text, its id in requests (score start)
 * and in requests:pending, in one transaction. One retry on a fresh
 * connection covers a Redis that restarted. */
int store_req_put_new(store_req_t *rq, const char *id, const char *text, double start,
                      char *err, size_t errlen);
/* Undo store_req_put_new (the request could not be polled after all);
 * best effort, only on a connection that is still good. */
void store_req_unput(store_req_t *rq, const char *id);
/* id out of requests:pending, its record left as it is (best effort): a
 * request found pending with a final state, put back by a put's first
 * try that Redis applied after the request had ended (its SADD runs even
 * when its SET NX finds the record). */
void store_req_unpend(store_req_t *rq, const char *id);
/* Queue a request's final state for the writer (takes text; on out of
 * memory it is dropped and the request stays pending, polled again at the
 * next start). */
void store_req_finish(store_req_t *rq, const char *id, char *text);
/* Final states queued that Redis has not taken yet. */
size_t store_req_unwritten(store_req_t *rq);
/* request:<id> into *text: 1, 0 when absent, or < 0. */
int store_req_get(store_req_t *rq, const char *id, char **text, char *err, size_t errlen);

/* What a previous run left: each pending request (id, its stored text) to
 * req_fn and each pending stats id to stats_fn, both on the calling
 * thread. A pending id without a request key is dropped from the set. */
typedef void (*store_req_each_fn)(const char *id, const char *text, void *arg);
typedef void (*store_req_id_fn)(const char *id, void *arg);
int store_req_pending(store_req_t *rq, store_req_each_fn req_fn, store_req_id_fn stats_fn,
                      void *arg, char *err, size_t errlen);
/* Every stored request whose start_time is in [start, end] (the zset's
 * order), its text to each(); a negative return from each() stops and is
 * returned. */
typedef int (*store_req_text_fn)(const char *text, size_t len, void *arg);
int store_req_range(store_req_t *rq, double start, double end, store_req_text_fn each,
                    void *arg, char *err, size_t errlen);
/* The same over either index. */
int store_req_range_of(store_req_t *rq, store_req_kind_t kind, double start, double end,
                       store_req_text_fn each, void *arg, char *err, size_t errlen);

/* ---- stats requests ---- */

/* A new stats request: stats:<id> = text, id in stats:pending. */
int store_req_stats_new(store_req_t *rq, const char *id, const char *text, char *err,
                        size_t errlen);
/* Its result: stats:<id>:summary = summary, stats:<id> = text, id out of
 * stats:pending, in one transaction. */
int store_req_stats_done(store_req_t *rq, const char *id, const char *text,
                         const char *summary, char *err, size_t errlen);
/* stats:<id> (summary false) or stats:<id>:summary into *text: 1, 0 when
 * absent, or < 0. */
int store_req_stats_get(store_req_t *rq, const char *id, bool summary, char **text,
                        char *err, size_t errlen);

#endif
