/*
 * limits: what one client may ask of the service (serve.h,
 * serve_limits_t), so that no client can make it flood a nameserver or
 * eat its memory (issue 12, case 11): floors and ceilings per request,
 * and counts of the polls running, in all, per client and per nameserver
 * address (the sum of their query rates, 1/frequency each).
 *
 * A poll is charged under its id when it is accepted and given back when
 * it ends (or could not be started). Requests resumed at start are not
 * charged: no client is asking for them now.
 *
 * The counts are three chained hash tables of fixed size under one lock:
 * O(n / QUOTA_BUCKETS) a call, which is small for the default caps (10,000
 * polls); no growth to get wrong. Thread-safe.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/fmt.h"
#include "harness/common/hash.h"
#include "harness/serve/serve_int.h"

#define QUOTA_BUCKETS 4096
#define QUOTA_KEY_MAX 64 /* an IPv6 address as text, or an id */

typedef struct qent {
    struct qent *next;
    char key[QUOTA_KEY_MAX];
    unsigned count;
    double rate;
    /* charges only: where the poll was counted */
    char client[QUOTA_KEY_MAX];
    char ns[QUOTA_KEY_MAX];
} qent_t;

typedef struct {
    qent_t *b[QUOTA_BUCKETS];
} qmap_t;

struct serve_quota {
    pthread_mutex_t mu;
    qmap_t charges; /* by poll id */
    qmap_t clients; /* count, by client address */
    qmap_t ns;      /* rate, by nameserver address */
    unsigned pending;
};

void serve_limits_defaults(serve_limits_t *lim)
{
    if (lim->min_frequency <= 0)
        lim->min_frequency = SERVE_DEF_MIN_FREQUENCY;
    if (lim->max_timeout <= 0)
        lim->max_timeout = SERVE_DEF_MAX_TIMEOUT;
    if (lim->max_values == 0)
        lim->max_values = SERVE_DEF_MAX_VALUES;
    if (lim->max_pending == 0)
        lim->max_pending = SERVE_DEF_MAX_PENDING;
    if (lim->max_pending_per_client == 0)
        lim->max_pending_per_client = SERVE_DEF_MAX_PENDING_CLIENT;
    if (lim->max_ns_rate <= 0)
        lim->max_ns_rate = SERVE_DEF_MAX_NS_RATE;
    if (lim->max_connections == 0)
        lim->max_connections = SERVE_DEF_MAX_CONNS;
    if (lim->max_connections_per_client == 0)
        lim->max_connections_per_client = SERVE_DEF_MAX_CONNS_CLIENT;
    if (lim->idle_timeout_s == 0)
        lim->idle_timeout_s = SERVE_DEF_IDLE_TIMEOUT_S;
    if (lim->request_timeout_s == 0)
        lim->request_timeout_s = SERVE_DEF_REQUEST_TIMEOUT_S;
}

/* ---- the maps ------------------------------------------------------------------ */

static qent_t **qslot(qmap_t *m, const char *key)
{
    qent_t **p = &m->b[hash_fnv1a_str(HASH_FNV1A_INIT, key) % QUOTA_BUCKETS];

    while (*p != NULL && strcmp((*p)->key, key) != 0)
        p = &(*p)->next;
    return p;
}

/* The entry of key, made when absent (NULL: out of memory). */
static qent_t *qget(qmap_t *m, const char *key)
{
    qent_t **p = qslot(m, key);

    if (*p == NULL) {
        *p = calloc(1, sizeof(**p));
        if (*p != NULL)
            fmt_copy((*p)->key, sizeof((*p)->key), key);
    }
    return *p;
}

/* Take count and rate off key's entry; drop it once empty. */
static void qput(qmap_t *m, const char *key, unsigned count, double rate)
{
    qent_t **p = qslot(m, key);
    qent_t *e = *p;

    if (e == NULL)
        return;
    e->count -= count < e->count ? count : e->count;
    e->rate -= rate;
    if (e->count == 0) {
        *p = e->next;
        free(e);
    }
}

static void qclear(qmap_t *m)
{
    for (size_t i = 0; i < QUOTA_BUCKETS; i++) {
        while (m->b[i] != NULL) {
            qent_t *e = m->b[i];
            m->b[i] = e->next;
            free(e);
        }
    }
}

int serve_quota_create(serve_quota_t **out)
{
    serve_quota_t *q = calloc(1, sizeof(*q));

    *out = NULL;
    if (q == NULL)
        return -ENOMEM;
    pthread_mutex_init(&q->mu, NULL);
    *out = q;
    return 0;
}

void serve_quota_destroy(serve_quota_t *q)
{
    if (q == NULL)
        return;
    qclear(&q->charges);
    qclear(&q->clients);
    qclear(&q->ns);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

/* ---- checks ------------------------------------------------------------------------ */

void serve_limit_reply(serve_t *s, serve_reply_t *rp, const char *limit, const char *fmt,
                       ...)
{
    char msg[600];
    va_list ap;
    json_t *o;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    atomic_fetch_add(&s->limited, 1);
    o = json_pack("{s:s, s:s}", "message", msg, "limit", limit);
    serve_reply_json(rp, MHD_HTTP_TOO_MANY_REQUESTS, o);
}

bool serve_limits_request(serve_t *s, const probe_req_t *req, const char *freq_field,
                          serve_reply_t *rp)
{
    const serve_limits_t *lim = &s->lim;

    if (req->frequency < lim->min_frequency) {
        serve_limit_reply(s, rp, "min-frequency",
                          "%s: %g s is more often than this service allows (at least %g "
                          "s between queries; its --min-frequency)",
                          freq_field, req->frequency, lim->min_frequency);
        return false;
    }
    if (req->timeout > lim->max_timeout) {
        serve_limit_reply(s, rp, "max-timeout",
                          "timeout: %g s is longer than this service polls (at most %g "
                          "s; its --max-timeout)",
                          req->timeout, lim->max_timeout);
        return false;
    }
    if (req->nvalues > lim->max_values) {
        serve_limit_reply(s, rp, "max-values",
                          "value: %zu values; this service takes at most %u a request "
                          "(its --max-values)",
                          req->nvalues, lim->max_values);
        return false;
    }
    return true;
}

/* The nameserver's address without its port: the rate cap protects a
 * host, whichever port a client names. */
static void ns_host(const probe_ns_t *ns, char out[QUOTA_KEY_MAX])
{
    char host[INET6_ADDRSTRLEN] = "?";

    if (ns->sa.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&ns->sa)->sin6_addr, host,
                  sizeof(host));
    else
        inet_ntop(AF_INET, &((const struct sockaddr_in *)&ns->sa)->sin_addr, host,
                  sizeof(host));
    fmt_copy(out, QUOTA_KEY_MAX, host);
}

/* Under q->mu: which count a new poll would break (NULL: none). */
static const char *over(serve_t *s, const char *client, const char *ns, double rate,
                        char *msg, size_t msglen)
{
    serve_quota_t *q = s->quota;
    const serve_limits_t *lim = &s->lim;
    qent_t *c = *qslot(&q->clients, client);
    qent_t *n = *qslot(&q->ns, ns);

    if (q->pending >= lim->max_pending) {
        snprintf(msg, msglen,
                 "%u polls are running, as many as this service runs at once (its "
                 "--max-pending); try again once some have ended",
                 q->pending);
        return "max-pending";
    }
    if (c != NULL && c->count >= lim->max_pending_per_client) {
        snprintf(msg, msglen,
                 "%s has %u polls running, as many as one client may (--max-pending-per-"
                 "client); try again once some have ended",
                 client, c->count);
        return "max-pending-per-client";
    }
    if ((n != NULL ? n->rate : 0) + rate > lim->max_ns_rate * (1 + 1e-9)) {
        snprintf(msg, msglen,
                 "nameserver: %s is queried %.4g times a second by the polls running; "
                 "%.4g more would pass this service's cap of %.4g (--max-ns-rate); "
                 "query less often or try again later",
                 ns, n != NULL ? n->rate : 0, rate, lim->max_ns_rate);
        return "max-ns-rate";
    }
    return NULL;
}

bool serve_quota_take(serve_t *s, const char *id, const char *client,
                      const probe_req_t *req, serve_reply_t *rp)
{
    serve_quota_t *q = s->quota;
    char ns[QUOTA_KEY_MAX];
    char msg[600];
    const char *limit;
    double rate = 1.0 / req->frequency;
    qent_t *ch;
    qent_t *c;
    qent_t *n;

    ns_host(&req->ns, ns);
    pthread_mutex_lock(&q->mu);
    limit = over(s, client, ns, rate, msg, sizeof(msg));
    if (limit != NULL) {
        pthread_mutex_unlock(&q->mu);
        serve_limit_reply(s, rp, limit, "%s", msg);
        return false;
    }
    ch = qget(&q->charges, id);
    c = ch != NULL ? qget(&q->clients, client) : NULL;
    n = c != NULL ? qget(&q->ns, ns) : NULL;
    if (n == NULL) {
        /* the empty entries made so far go again */
        if (ch != NULL)
            qput(&q->charges, id, 0, 0);
        if (c != NULL && c->count == 0)
            qput(&q->clients, client, 0, 0);
        pthread_mutex_unlock(&q->mu);
        serve_reply_error(rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "out of memory");
        return false;
    }
    ch->count = 1;
    ch->rate = rate;
    fmt_copy(ch->client, sizeof(ch->client), client);
    fmt_copy(ch->ns, sizeof(ch->ns), ns);
    c->count++;
    n->count++;
    n->rate += rate;
    q->pending++;
    pthread_mutex_unlock(&q->mu);
    return true;
}

void serve_quota_give_back(serve_t *s, const char *id)
{
    serve_quota_t *q = s->quota;
    qent_t *ch;

    if (q == NULL)
        return;
    pthread_mutex_lock(&q->mu);
    ch = *qslot(&q->charges, id);
    if (ch != NULL) {
        qput(&q->clients, ch->client, 1, 0);
        qput(&q->ns, ch->ns, 1, ch->rate);
        q->pending--;
        qput(&q->charges, id, 1, 0);
    }
    pthread_mutex_unlock(&q->mu);
}
