/*
 * serve_int: what the files of the service share (not for other callers):
 *   serve.c     life cycle (create, destroy, info), poll results
 *   parse.c     listen address and request bodies (parse.h, public)
 *   table.c     the requests this process polls, in memory
 *   http.c      libmicrohttpd glue, authorisation, routes, replies
 *   handlers.c  one function per endpoint
 *   resume.c    what a previous run left pending
 *   statsjob.c  the stats worker (statistics and plots of a time range)
 *   observers.c Digaas master's /observers and /stats {start, end}, /stats-file
 *   dstats.c    Digaas master's summary and plots of a time range
 *   scatter.c   Digaas's scatter plots through gnuplot
 *   limits.c    what one client may ask: floors, ceilings, counts (429s)
 *   settle.c    requests whose write Redis did not confirm
 * Redis is storage/requests.h's: no file here holds a connection.
 *
 * Threads and what each may touch:
 *  - MHD's threads run http.c and handlers.c: they read the serve_t's
 *    settings (set before MHD starts, never changed), the table (locked),
 *    the atomics, the spare serve_async_t (async_mu), and call store_req_*
 *    (each on its own connection). A
 *    new request's put goes to storage's putter, its connection suspended
 *    (MHD_suspend_connection) until the putter's answer resumes it: the
 *    HTTP threads never wait for Redis on the way to a 202.
 *  - The probe pool's threads run on_result (serve.c): table and atomics,
 *    then store_req_finish, which only queues.
 *  - The stats worker runs statsjob.c on its own queue (locked).
 *  - The requests' writer (storage) calls back serve_table_remove.
 *  - The settler (settle.c) calls store_req_settle and serve_start_poll.
 *  - http.c's reaper closes connections that are too slow (its own list).
 *  - create/destroy run on one thread, with none of the above running yet
 *    or any more.
 */
#ifndef DP_SERVE_INT_H
#define DP_SERVE_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/common/jsonw.h"
#include "harness/serve/serve.h"
#include "probes/pool.h"
#include "probes/result.h"
#include "storage/requests.h"

/* The service's JSON text is jsonw's (harness/common/jsonw.h): compact,
 * reals to the digits that read back the same. */

/* ---- table.c: requests in memory, by id --------------------------------------- */

typedef struct serve_entry serve_entry_t;

/* A chained hash table under its own lock; every call is thread-safe. */
typedef struct {
    pthread_mutex_t mu;
    serve_entry_t **buckets;
    size_t nbuckets; /* a power of two */
    size_t nentries;
} serve_table_t;

int serve_table_init(serve_table_t *t);
void serve_table_clear(serve_table_t *t);
/* A request's record as the table keeps it: rec's poll fields (status,
 * duration, ...) taken out of rec (which stays the caller's), the rest
 * as JSON text with a ',' for its closing brace ("{" when there is
 * nothing else) (*base), and what GET shows
 * until the poll ends (*text: base, then the poll fields as an accepted
 * request has them). 0, or -ENOMEM with both NULL. */
int serve_record_texts(json_t *rec, char **base, char **text);
/* The same of a request's echo (serve_request_parse_text's, taken) with
 * serve_accepted_fields' id and time: the texts serve_record_texts gives
 * of its tree. -EINVAL when echo is not a non-empty object's text. */
int serve_echo_texts(char *echo, const char *id, double accepted_at, char **base,
                     char **text);
/* Takes base and text (serve_record_texts'), also on failure. */
int serve_table_insert(serve_table_t *t, const char *id, char *base, char *text);
/* Drop id (only once its poll ended, when only_done). */
void serve_table_remove(serve_table_t *t, const char *id, bool only_done);
/* A copy of the request's text (caller frees), or NULL when not in memory. */
char *serve_table_text(serve_table_t *t, const char *id);
/* A poll's end into its request (status, duration, ...), once: the new
 * text (a copy, for the writer; caller frees), or NULL when the request is
 * not in memory, had ended already, or memory ran out. */
char *serve_table_finish(serve_table_t *t, const probe_result_t *r);

/* ---- statsjob.c: the stats worker ------------------------------------------------ */

/* How long POST /stats of /poll_requests's generation waits for its plot. */
#define SERVE_STATS_POST_WAIT_MS 10000

typedef struct serve_sjob serve_sjob_t;

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    pthread_cond_t done;         /* a job ended (monotonic clock) */
    char busy[SERVE_ID_LEN + 1]; /* the job being computed, "" */
    serve_sjob_t *head;
    serve_sjob_t *tail;
    bool stop;
    pthread_t thread;
    bool started;
} serve_statsq_t;

/* ---- limits.c and settle.c ----------------------------------------------------------
 */

typedef struct serve_quota serve_quota_t;
typedef struct serve_settle serve_settle_t;
struct serve_http;

/* ---- the service ------------------------------------------------------------------ */

struct serve {
    /* settings: set by serve_create before any thread starts */
    store_t *store;
    struct metrics *metrics;
    prom_std_t *prom;
    char *token;
    size_t token_len;
    char *results;
    size_t max_body;
    serve_limits_t lim;
    unsigned http_threads;
    const char *http_wait; /* "poll" or "epoll" (http.c chose) */
    char where[80];
    /* parts */
    store_req_t *rq;
    struct MHD_Daemon *mhd;
    struct serve_http *http; /* http.c's connection list and reaper */
    serve_quota_t *quota;
    serve_settle_t *settle;
    probe_pool_t *pool;
    serve_table_t table;
    bool table_ok;
    serve_statsq_t stats;
    bool stats_ok;
    _Atomic bool stopping;
    _Atomic bool http_closing;  /* no more suspended connections */
    _Atomic int async_inflight; /* connections suspended for a put */
    pthread_mutex_t async_mu;   /* handlers.c's spare serve_async_t */
    struct serve_async *async_spare;
    unsigned async_nspare;
    _Atomic uint64_t accepted, finished, resumed, expired, stats_resumed, limited;
};

/* A random (version 4) UUID, as Digaas's ids are (RFC 9562 section 5.4). */
void serve_new_id(char out[SERVE_ID_LEN + 1]);
/* Ids in URLs are checked before they reach a Redis key or a path. */
bool serve_valid_id(const char *s, size_t n);
/* Digaas master's ids (observers, its /stats): decimal integers from
 * Redis counters, 1 to SERVE_NUM_ID_MAX digits, no leading zero. */
#define SERVE_NUM_ID_MAX 18
bool serve_valid_num_id(const char *s, size_t n);
/* Is this stored id one of those (an observer or Digaas master's stats)? */
bool serve_id_is_num(const char *id);

/* ---- http.c: replies --------------------------------------------------------- */

/* One HTTP answer, built by a handler and sent by http.c. */
typedef struct {
    unsigned status;
    char *body; /* malloc'd, owned by the reply */
    size_t len;
    const char *ctype; /* NULL: application/json */
    const char *allow; /* 405 */
    bool challenge;    /* 401 */
    bool suspended;    /* no reply yet: the connection waits for a put */
} serve_reply_t;

/* A JSON text as the body (taken; NULL gives a 503 "out of memory"). */
void serve_reply_text(serve_reply_t *rp, unsigned status, char *text);
/* o as the body (taken). */
void serve_reply_json(serve_reply_t *rp, unsigned status, json_t *o);
/* {"message": "FIELD: MSG", "field": FIELD}; field may be NULL. */
void serve_reply_error(serve_reply_t *rp, unsigned status, const char *field,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- handlers.c: one per endpoint (MHD threads); ids already checked --------------- */

typedef struct serve_async serve_async_t;

/* Who is calling: the client's address (the limits' key) and the
 * Idempotency-Key it sent (NULL: none; checked by http.c); the
 * connection (NULL: none, answer before returning) and where a handler
 * that suspends it leaves what it waits with. */
typedef struct {
    const char *client;
    const char *idem;
    struct MHD_Connection *conn;
    serve_async_t **async;
} serve_call_t;

/* handlers.c: a suspended POST's reply once its put is answered (on the
 * MHD thread that resumed it; frees a), and a's release when it never
 * gets there. */
void serve_accept_resume(serve_t *s, serve_async_t *a, serve_reply_t *rp);
void serve_async_free(serve_async_t *a);
/* Free the spare ones (serve_destroy, once MHD has stopped). */
void serve_async_drain(serve_t *s);

/* An Idempotency-Key's length and characters (printable ASCII). */
#define SERVE_IDEM_MAX 128

void serve_post_request(serve_t *s, const serve_call_t *call, const char *body,
                        size_t len, serve_reply_t *rp);
void serve_get_request(serve_t *s, const char *id, serve_reply_t *rp);
void serve_post_stats(serve_t *s, const char *body, size_t len, serve_reply_t *rp);
void serve_get_stats(serve_t *s, const char *id, bool summary, serve_reply_t *rp);
/* GET /images/<stats id>-<plot>: id[0..n) is that text, unchecked. */
void serve_get_image(serve_t *s, const char *id, size_t n, serve_reply_t *rp);

/* observers.c: Digaas master's API and old-master's /stats-file. */
void serve_post_observer(serve_t *s, const serve_call_t *call, const char *body,
                         size_t len, serve_reply_t *rp);
/* POST /stats with {start, end} (Digaas master): 201, an integer id. */
void serve_post_dstats(serve_t *s, const json_t *in, serve_reply_t *rp);
/* GET /stats/<int id>/plots/<plot>: plot[0..n) unchecked. */
void serve_get_dstats_plot(serve_t *s, const char *id, const char *plot, size_t n,
                           serve_reply_t *rp);
/* GET /stats-file?start_time=&end_time= (values unchecked, NULL: absent). */
void serve_get_stats_file(serve_t *s, const char *start, const char *end,
                          serve_reply_t *rp);
/* handlers.c: an accepted request's (or observer's) id and acceptance
 * time into its record, and its start: into memory and onto the probe
 * pool (takes base and text, serve_record_texts'; on failure it leaves
 * Redis again). */
void serve_accepted_fields(json_t *rec, const char *id, double now);
int serve_start_poll(serve_t *s, const char *id, char *base, char *text,
                     probe_req_t *req);
/* handlers.c: a new stats job: rec (its record, shown as it is) stored
 * under id before the reply, then queued; the reply is status with the
 * record, or 503 when Redis cannot take it. rec stays the caller's. */
void serve_stats_accept(serve_t *s, const char *id, const json_t *rec, unsigned status,
                        serve_reply_t *rp);
/* handlers.c: a PNG file as the reply (false: none there). */
bool serve_reply_png(serve_reply_t *rp, const char *path);
/* handlers.c: the body as JSON, or NULL after a 400 saying why. */
json_t *serve_body_json(const char *body, size_t len, serve_reply_t *rp);
/* handlers.c: a 503 "try again" for a store error. */
void serve_store_unavailable(serve_reply_t *rp, const char *err);

/* handlers.c: store a new request (kind's index), then poll it: the
 * reply is status with answer (taken) when stored, the request an
 * Idempotency-Key already names, a 503 (with the id, "stored": "unknown",
 * when Redis may still take it: settle.c finds out), or a 429 (limits.c).
 * Takes rec; req is moved or left to the caller. */
void serve_accept_poll(serve_t *s, const serve_call_t *call, store_req_kind_t kind,
                       const char *id, json_t *rec, probe_req_t *req, unsigned status,
                       serve_reply_t *rp);

/* limits.c: the per-request floors and ceilings (false after a 429;
 * freq_field: "frequency" or Digaas's "interval"); the counts, charged
 * under id (false after a 429 or 503); their release when the poll ends. */
int serve_quota_create(serve_quota_t **out);
void serve_quota_destroy(serve_quota_t *q);
bool serve_limits_request(serve_t *s, const probe_req_t *req, const char *freq_field,
                          serve_reply_t *rp);
bool serve_quota_take(serve_t *s, const char *id, const char *client,
                      const probe_req_t *req, serve_reply_t *rp);
void serve_quota_give_back(serve_t *s, const char *id);
/* A 429 {"message", "limit"}. */
void serve_limit_reply(serve_t *s, serve_reply_t *rp, const char *limit, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));

/* settle.c: keep a request whose write failed (takes base and text, moves
 * *req) until Redis says whether it landed; start/stop the thread. */
int serve_settle_add(serve_t *s, const char *id, char *base, char *text,
                     probe_req_t *req);
size_t serve_settle_count(serve_t *s);
int serve_settle_start(serve_t *s, char *err, size_t errlen);
void serve_settle_stop(serve_t *s);

/* dstats.c: Digaas master's statistics of a stats request (rec, its
 * stored JSON, is completed and stored with its summary). */
int serve_dstats_compute(serve_t *s, const char *id, json_t *rec, char *err,
                         size_t errlen);

/* scatter.c: one scatter plot as Digaas drew them (points (x, y) per
 * series, a colour each) into dir/name.png, through gnuplot; with no
 * point at all, a plot that says so. 0 or a negative code (err). */
typedef struct {
    const char *label;
    double *xy; /* x0 y0 x1 y1 ... */
    size_t n;   /* points */
    size_t cap; /* doubles allocated (vec.h) */
} serve_series_t;
int serve_scatter_png(const char *dir, const char *name, const char *title,
                      const char *xlabel, const char *ylabel,
                      const serve_series_t *series, size_t nseries, char *err,
                      size_t errlen);

/* http.c: start MHD on ss (listen: the text, for messages) and fill
 * s->where. */
int serve_http_start(serve_t *s, const struct sockaddr_storage *ss, const char *listen,
                     unsigned http_threads, char *err, size_t errlen);
/* http.c: stop answering (MHD and the reaper) and free what serve_http_start
 * made. */
void serve_http_stop(serve_t *s);

/* statsjob.c: start/stop the worker (what is queued at the stop stays
 * pending in Redis), and queue a stats id (any thread). */
int serve_stats_start(serve_t *s, char *err, size_t errlen);
void serve_stats_stop(serve_t *s);
void serve_stats_push(serve_t *s, const char *id);
/* Wait up to ms for the job id to end (computed or given up): true when it
 * did, false on timeout or shutdown. */
bool serve_stats_wait(serve_t *s, const char *id, int ms);

/* resume.c: poll again (or end) what Redis holds pending; queue pending
 * stats. On the creating thread, before MHD starts. */
int serve_resume(serve_t *s, char *err, size_t errlen);

#endif
