/*
 * serve: poll requests over HTTP, Digaas-compatible (see serve.h): the
 * service's life cycle, its ids and the end of each poll. The other files
 * are listed in serve_int.h.
 *
 * The order of the start (and, reversed, of the stop) is the contract:
 * requests' writer before anything can finish a poll, the probe pool and
 * the stats worker before what Redis holds pending is resumed onto them,
 * HTTP last, when everything it calls is there.
 */
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>

#include "harness/common/errcode.h"
#include "harness/common/timebase.h"
#include "harness/serve/metrics.h"
#include "harness/serve/serve_int.h"

#define STOP_FLUSH_S 5

/* ---- ids --------------------------------------------------------------------------- */

/* Random bytes for ids, a thread's own buffer filled 64 ids at a time: a
 * getrandom(2) per request was one system call in eleven on the way to a
 * 202 (and each costs a guest dearly). */
#define ID_POOL 1024

static void id_bytes(unsigned char b[16])
{
    static __thread unsigned char pool[ID_POOL];
    static __thread size_t left;
    size_t got = 0;

    if (left < 16) {
        while (got < sizeof(pool)) {
            ssize_t n = getrandom(pool + got, sizeof(pool) - got, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                /* no entropy source: ids must still be unique, not secret */
                uint64_t t = (uint64_t)timebase_real_ns() ^ (uint64_t)timebase_mono_ns();
                for (; got < sizeof(pool); got++) {
                    t = t * 6364136223846793005ULL + 1442695040888963407ULL;
                    pool[got] = (unsigned char)(t >> 56);
                }
                break;
            }
            got += (size_t)n;
        }
        left = sizeof(pool);
    }
    memcpy(b, pool + sizeof(pool) - left, 16);
    memset(pool + sizeof(pool) - left, 0, 16); /* (used once) */
    left -= 16;
}

void serve_new_id(char out[SERVE_ID_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    size_t o = 0;

    id_bytes(b);
    /* RFC 9562 section 5.4: version 4, variant 10 */
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 0x0f];
    }
    out[o] = '\0';
}

bool serve_valid_id(const char *s, size_t n)
{
    size_t i;

    if (n != SERVE_ID_LEN)
        return false;
    for (i = 0; i < n; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-'
                 : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    }
    return true;
}

bool serve_valid_num_id(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || n > SERVE_NUM_ID_MAX || s[0] == '0')
        return false;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

bool serve_id_is_num(const char *id)
{
    return serve_valid_num_id(id, strlen(id));
}

/* ---- the end of a poll ------------------------------------------------------------- */

/* The probe pool's result callback: memory only, then a queued write; it
 * never waits for Redis. */
static void on_result(const probe_result_t *r, void *arg)
{
    serve_t *s = arg;
    char *text;

    /* cancelled by a stop: it stays pending in Redis, for the next start */
    if (r->status == PROBE_CANCELLED && atomic_load(&s->stopping))
        return;
    if (r->id == NULL)
        return;
    serve_quota_give_back(s, r->id);
    text = serve_table_finish(&s->table, r);
    if (text != NULL) {
        atomic_fetch_add(&s->finished, 1);
        store_req_finish(s->rq, r->id, text);
        metrics_poll(s->metrics, r->status, r->ns, r->duration);
        prom_std_poll(s->prom, r->ns, "request", "", probe_status_str(r->status),
                      r->reason, r->duration);
    }
}

/* The writer has stored a final state: GETs read it in Redis now. */
static void on_written(const char *id, void *arg)
{
    serve_t *s = arg;

    serve_table_remove(&s->table, id, true);
}

/* ---- life cycle -------------------------------------------------------------------- */

/* The settings, copied. */
static int settings(serve_t *s, const serve_opts_t *opts, char *err, size_t errlen)
{
    s->store = opts->store;
    s->metrics = opts->metrics;
    s->prom = opts->prom;
    s->max_body = opts->max_body > 0 ? opts->max_body : SERVE_DEFAULT_MAX_BODY;
    s->lim = opts->limits;
    serve_limits_defaults(&s->lim);
    if (serve_quota_create(&s->quota) < 0) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    s->results = strdup(opts->results != NULL ? opts->results : "results");
    if (opts->token != NULL) {
        s->token = strdup(opts->token);
        s->token_len = s->token != NULL ? strlen(s->token) : 0;
    }
    s->table_ok = serve_table_init(&s->table) == 0;
    if (s->results == NULL || !s->table_ok || (opts->token != NULL && s->token == NULL)) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    return 0;
}

/* The requests' writer, the probe pool and the stats worker. */
static int start_workers(serve_t *s, const serve_opts_t *opts, char *err, size_t errlen)
{
    probe_pool_opts_t po;
    double keep = opts->retention_s == 0 ? SERVE_DEF_RETENTION_S : opts->retention_s;
    int ret;

    ret =
        store_req_open(s->store, on_written, s, keep > 0 ? keep : 0, &s->rq, err, errlen);
    if (ret < 0)
        return ret;
    memset(&po, 0, sizeof(po));
    /* Half the CPUs by default, not all as a campaign's pool: a service's
     * polls are few queries each, its HTTP threads want the other half,
     * and fewer probe threads answer more polls per wake-up (`make bench`
     * step 5, 2 cores: one probe thread 16,100 POST/s, two 14,000) */
    po.threads = opts->probe_threads;
    if (po.threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        po.threads = n > 2 ? (unsigned)(n / 2) : 1;
    }
    po.query_timeout_ms = opts->query_timeout_ms;
    po.on_result = on_result;
    po.cb_arg = s;
    ret = probe_pool_create(&s->pool, &po);
    if (ret < 0) {
        snprintf(err, errlen, "cannot start the probe pool: %s", dp_strerror(ret));
        return ret;
    }
    ret = serve_stats_start(s, err, errlen);
    s->stats_ok = true; /* started or not, its queue is set up */
    if (ret < 0)
        return ret;
    return serve_settle_start(s, err, errlen);
}

int serve_create(serve_t **out, const serve_opts_t *opts, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    const char *listen = opts->listen != NULL ? opts->listen : SERVE_DEFAULT_LISTEN;
    serve_t *s;
    int ret;

    *out = NULL;
    if (serve_parse_listen(listen, &ss, &sl) < 0) {
        snprintf(err, errlen, "'%s' is not ADDR:PORT or [V6]:PORT", listen);
        return DP_EBADADDR;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    pthread_mutex_init(&s->async_mu, NULL); /* (serve_destroy's from here) */
    if ((ret = settings(s, opts, err, errlen)) < 0 ||
        (ret = start_workers(s, opts, err, errlen)) < 0 ||
        (ret = serve_resume(s, err, errlen)) < 0 ||
        (ret = serve_http_start(s, &ss, listen, opts->http_threads, err, errlen)) < 0) {
        serve_destroy(s);
        return ret;
    }
    *out = s;
    return 0;
}

const char *serve_where(const serve_t *s)
{
    return s->where;
}

void serve_info(serve_t *s, serve_info_t *out)
{
    memset(out, 0, sizeof(*out));
    out->resumed = atomic_load(&s->resumed);
    out->expired = atomic_load(&s->expired);
    out->stats_resumed = atomic_load(&s->stats_resumed);
    out->accepted = atomic_load(&s->accepted);
    out->finished = atomic_load(&s->finished);
    out->unwritten = s->rq != NULL ? store_req_unwritten(s->rq) : 0;
    out->unsettled = serve_settle_count(s);
    out->limited = atomic_load(&s->limited);
    out->http_wait = s->http_wait;
    out->http_threads = s->http_threads;
    out->max_connections = (unsigned)s->lim.max_connections;
}

void serve_destroy(serve_t *s)
{
    if (s == NULL)
        return;
    /* 1. no more calls; 2. no more polls (those cancelled stay pending);
     * 3. no new stats; 4. what finished goes to Redis. (What is unsettled
     * is dropped: if Redis took it, it is pending there.) */
    serve_http_stop(s);
    /* before the pool: the settler starts polls */
    serve_settle_stop(s);
    atomic_store(&s->stopping, true);
    if (s->pool != NULL)
        probe_pool_destroy(s->pool);
    if (s->stats_ok)
        serve_stats_stop(s);
    store_req_close(s->rq, STOP_FLUSH_S);
    if (s->table_ok)
        serve_table_clear(&s->table);
    serve_quota_destroy(s->quota);
    serve_async_drain(s);
    pthread_mutex_destroy(&s->async_mu);
    free(s->token);
    free(s->results);
    free(s);
}
