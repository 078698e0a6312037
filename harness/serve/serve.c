/*
 * serve: poll requests over HTTP, Digaas-compatible (see serve.h).
 *
 * Why the pieces are where they are:
 *  - A POST is written to Redis (one MULTI/EXEC round trip on the MHD
 *    thread's own connection) before the 202 goes out, so that an
 *    accepted request survives a crash and is resumed; the cost is one
 *    round trip per POST on that thread (measured by `make bench`).
 *  - The probe pool's result callback must not wait for anything: it
 *    updates the request in memory (GETs see COMPLETED at once) and
 *    queues its final state for the writer thread, which sends batches
 *    of them as one MULTI/EXEC and only then drops them from memory. A
 *    GET looks in memory first, then in Redis: a request is always in at
 *    least one of them.
 *  - Stats run gnuplot (a second or so): they get their own thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <hiredis.h>
#include <math.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "harness/common/buf.h"
#include "harness/common/errcode.h"
#include "harness/common/fsutil.h"
#include "harness/common/log.h"
#include "harness/common/numparse.h"
#include "harness/serve/serve.h"
#include "harness/common/timebase.h"
#include "plot/dataset.h"
#include "plot/plots.h"
#include "plot/stats.h"
#include "probes/pool.h"
#include "storage/store.h"
#include "harness/serve/metrics.h"

#define KEY_REQ           STORE_PREFIX "request:"
#define KEY_REQS          STORE_PREFIX "requests"
#define KEY_PENDING       STORE_PREFIX "requests:pending"
#define KEY_STATS         STORE_PREFIX "stats:"
#define KEY_STATS_PENDING STORE_PREFIX "stats:pending"

#define WRITER_BATCH   256
#define REDIS_CHUNK    500
#define RETRY_MS       500
#define STOP_FLUSH_S   5
#define IMAGE_MAX      (32 * 1024 * 1024)
#define JSON_FLAGS     (JSON_COMPACT | JSON_REAL_PRECISION(16))
#define MAX_TIMEOUT_S  604800.0
#define MAX_EPOCH_S    1e11
#define DISCARD_FACTOR 16 /* bytes of an oversized chunked body read before closing */

/* A request this process polls, or whose final state Redis has not
 * taken yet. */
typedef struct entry {
    struct entry *next;
    char id[SERVE_ID_LEN + 1];
    json_t *rec; /* what GET shows */
    char *text;  /* rec as JSON text */
    bool done;
} entry_t;

/* A final state for the writer. */
typedef struct witem {
    struct witem *next;
    char id[SERVE_ID_LEN + 1];
    char *text;
} witem_t;

typedef struct sjob {
    struct sjob *next;
    char id[SERVE_ID_LEN + 1];
} sjob_t;

struct serve {
    store_t *store;
    struct metrics *metrics;
    char *token;
    size_t token_len;
    char *results;
    size_t max_body;
    char where[80];
    struct MHD_Daemon *mhd;
    probe_pool_t *pool;
    pthread_key_t ctx_key; /* each MHD thread's redisContext */
    bool key_ok;
    _Atomic bool stopping;
    /* requests in memory, by id (chained hash table) */
    pthread_mutex_t mu;
    entry_t **buckets;
    size_t nbuckets;
    size_t nentries;
    /* writer */
    pthread_mutex_t wmu;
    pthread_cond_t wcond;
    witem_t *whead;
    witem_t *wtail;
    size_t wqueued;
    bool wstop;
    int64_t wdeadline;
    pthread_t writer;
    bool writer_started;
    /* stats worker */
    pthread_mutex_t smu;
    pthread_cond_t scond;
    sjob_t *shead;
    sjob_t *stail;
    bool sstop;
    pthread_t statsw;
    bool stats_started;
    _Atomic uint64_t accepted, finished, resumed, expired, stats_resumed;
};

/* ---- small helpers ------------------------------------------------------------ */

static char *dumps(const json_t *o)
{
    return json_dumps(o, JSON_FLAGS);
}

/* A random (version 4) UUID, as Digaas's ids are (RFC 9562 section 5.4). */
static void new_id(char out[SERVE_ID_LEN + 1])
{
    unsigned char b[16];
    size_t got = 0;

    while (got < sizeof(b)) {
        ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            /* no entropy source: ids must still be unique, not secret */
            uint64_t t = (uint64_t)timebase_real_ns() ^ (uint64_t)timebase_mono_ns();
            for (; got < sizeof(b); got++) {
                t = t * 6364136223846793005ULL + 1442695040888963407ULL;
                b[got] = (unsigned char)(t >> 56);
            }
            break;
        }
        got += (size_t)n;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, SERVE_ID_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
}

/* Ids in URLs are checked before they reach a Redis key or a path. */
static bool valid_id(const char *s, size_t n)
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

static int64_t mono_ms(void)
{
    return timebase_mono_ns() / TB_NS_PER_MS;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* ---- parsing -------------------------------------------------------------------- */

int serve_parse_listen(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[INET6_ADDRSTRLEN + 2];
    const char *colon;
    const char *port_s;
    uint16_t port;
    size_t hl;

    memset(ss, 0, sizeof(*ss));
    if (text == NULL)
        return DP_EBADADDR;
    if (text[0] == '[') {
        const char *end = strchr(text, ']');
        if (end == NULL || end[1] != ':')
            return DP_EBADADDR;
        hl = (size_t)(end - text - 1);
        if (hl >= sizeof(host))
            return DP_EBADADDR;
        memcpy(host, text + 1, hl);
        host[hl] = '\0';
        port_s = end + 2;
    } else {
        colon = strrchr(text, ':');
        if (colon == NULL || strchr(text, ':') != colon)
            return DP_EBADADDR;
        hl = (size_t)(colon - text);
        if (hl >= sizeof(host))
            return DP_EBADADDR;
        memcpy(host, text, hl);
        host[hl] = '\0';
        port_s = colon + 1;
    }
    if (numparse_u16(port_s, &port) < 0)
        return DP_EBADADDR;
    if (text[0] == '[') {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
            return DP_EBADADDR;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        *len = sizeof(*s6);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
            return DP_EBADADDR;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        *len = sizeof(*s4);
    }
    return 0;
}

typedef struct {
    char *field;
    size_t fieldlen;
    char *msg;
    size_t msglen;
} perr_t;

static int bad(perr_t *pe, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(perr_t *pe, const char *field, const char *fmt, ...)
{
    va_list ap;

    snprintf(pe->field, pe->fieldlen, "%s", field);
    va_start(ap, fmt);
    vsnprintf(pe->msg, pe->msglen, fmt, ap);
    va_end(ap);
    return DP_EPARSE;
}

/* A field that is absent or null is "not given" (Digaas clients send
 * null for what does not apply). */
static json_t *given(const json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);

    return json_is_null(v) ? NULL : v;
}

/* An optional number in [min, max]; *out untouched when not given. */
static int opt_number(const json_t *body, const char *k, double min, double max,
                      bool min_open, double *out, perr_t *pe, const char *what)
{
    json_t *v = given(body, k);
    double d;

    if (v == NULL)
        return 0;
    if (!json_is_number(v))
        return bad(pe, k, "must be a number (%s)", what);
    d = json_number_value(v);
    if (!isfinite(d) || d > max || d < min || (min_open && d <= min))
        return bad(pe, k, "%g is out of range (%s)", d, what);
    *out = d;
    return 0;
}

static const char *cond_help = "serial_not_lower, value_present, empty_response; "
                               "Digaas's data=<value>, zone_removed";

int serve_request_parse(const json_t *body, double now, probe_req_t *req, json_t **rec,
                        char *field, size_t fieldlen, char *msg, size_t msglen)
{
    perr_t pe = {field, fieldlen, msg, msglen};
    const char *ns_s, *zone_s, *zone_field, *name_s = NULL, *cond_s, *type_s = NULL;
    const char *data_value = NULL;
    json_t *v;
    json_t *values = NULL;
    json_t *out = NULL;
    bool record;
    char err[1100];
    size_t i;
    int ret = 0;

    *rec = NULL;
    if (!json_is_object(body))
        return bad(&pe, "body", "must be a JSON object");

    v = given(body, "nameserver");
    if (v == NULL)
        return bad(&pe, "nameserver",
                   "missing (an IP address with an optional port: 192.0.2.1, "
                   "192.0.2.1:5353, [2001:db8::1]:5353)");
    ns_s = json_string_value(v);
    if (ns_s == NULL)
        return bad(&pe, "nameserver", "must be a string (an IP address, optional port)");
    if (probe_ns_parse(ns_s, &req->ns) < 0)
        return bad(&pe, "nameserver",
                   "'%.200s' is not an IP address with an optional port (192.0.2.1, "
                   "192.0.2.1:5353, [2001:db8::1]:5353; port 53 by default)",
                   ns_s);

    /* Our shape names the zone; Digaas's /poll_requests names the query. */
    if (given(body, "zone_name") != NULL) {
        zone_field = "zone_name";
    } else if (given(body, "query_name") != NULL) {
        zone_field = "query_name";
    } else {
        return bad(&pe, "zone_name",
                   "missing (the zone to poll; Digaas's /poll_requests clients send "
                   "query_name)");
    }
    zone_s = json_string_value(json_object_get(body, zone_field));
    if (zone_s == NULL || zone_s[0] == '\0')
        return bad(&pe, zone_field, "must be a non-empty string (a domain name)");
    if ((v = given(body, "name")) != NULL) {
        name_s = json_string_value(v);
        if (name_s == NULL || name_s[0] == '\0')
            return bad(&pe, "name", "must be a non-empty string (the record's name)");
    }

    v = given(body, "condition");
    if (v == NULL)
        return bad(&pe, "condition", "missing (%s)", cond_help);
    cond_s = json_string_value(v);
    if (cond_s == NULL)
        return bad(&pe, "condition", "must be a string (%s)", cond_help);

    if ((v = given(body, "rdatatype")) != NULL) {
        type_s = json_string_value(v);
        if (type_s == NULL)
            return bad(&pe, "rdatatype", "must be a string (A, AAAA, TXT, ...)");
        if (rdata_type_from_str(type_s, &req->qtype) < 0)
            return bad(&pe, "rdatatype", "unknown record type '%.100s'", type_s);
    }
    if ((v = given(body, "serial")) != NULL) {
        json_int_t s = json_is_integer(v) ? json_integer_value(v) : -1;
        if (s < 0 || s > (json_int_t)UINT32_MAX)
            return bad(&pe, "serial", "must be an integer in [0, 4294967295]");
        req->serial = (uint32_t)s;
        req->has_serial = true;
    }
    if ((v = given(body, "value")) != NULL) {
        json_t *e;
        if (json_is_string(v)) {
            values = json_array();
            json_array_append(values, v);
        } else if (json_is_array(v) && json_array_size(v) > 0) {
            json_array_foreach(v, i, e)
            {
                if (!json_is_string(e))
                    return bad(&pe, "value", "must be a string or an array of strings");
            }
            values = json_incref(v);
        } else {
            return bad(&pe, "value",
                       "must be a string or a non-empty array of strings (zone-file "
                       "form: 192.0.2.1, \"10 mail.example.\")");
        }
    }
    if ((v = given(body, "match")) != NULL) {
        const char *m = json_string_value(v);
        if (m != NULL && strcmp(m, "exact") == 0) {
            req->exact = true;
        } else if (m == NULL || strcmp(m, "subset") != 0) {
            ret = bad(&pe, "match", "must be \"subset\" or \"exact\"");
            goto out;
        }
    }
    req->start_time = now;
    if ((ret = opt_number(body, "start_time", 0, MAX_EPOCH_S, false, &req->start_time,
                          &pe, "epoch seconds, or null for now")) < 0 ||
        (ret = opt_number(body, "timeout", 0, MAX_TIMEOUT_S, true, &req->timeout, &pe,
                          "seconds in (0, 604800]")) < 0 ||
        (ret = opt_number(body, "frequency", PROBE_MIN_FREQUENCY, 86400, false,
                          &req->frequency, &pe, "seconds in [0.001, 86400]")) < 0)
        goto out;

    /* The condition decides what is queried: a zone's SOA, or a record
     * (name defaults to the zone: its apex, as Digaas's data= polls). */
    if (strcmp(cond_s, "serial_not_lower") == 0) {
        req->cond = COND_SERIAL_NOT_LOWER;
        record = false;
        if (!req->has_serial) {
            ret = bad(&pe, "serial",
                      "missing (serial_not_lower waits for an SOA serial >= serial, "
                      "RFC 1982 arithmetic)");
            goto out;
        }
    } else if (strcmp(cond_s, "zone_removed") == 0) {
        req->cond = COND_EMPTY_RESPONSE;
        record = false;
    } else if (strcmp(cond_s, "empty_response") == 0) {
        req->cond = COND_EMPTY_RESPONSE;
        record = name_s != NULL || type_s != NULL;
    } else if (strcmp(cond_s, "value_present") == 0) {
        req->cond = COND_VALUE_PRESENT;
        record = true;
        if (values == NULL) {
            ret = bad(&pe, "value",
                      "missing (value_present waits for the value(s) in the RRset)");
            goto out;
        }
    } else if (strncmp(cond_s, "data=", 5) == 0) {
        req->cond = COND_VALUE_PRESENT;
        record = true;
        data_value = cond_s + 5;
        if (data_value[0] == '\0') {
            ret = bad(&pe, "condition", "data= needs a value (data=192.0.2.1)");
            goto out;
        }
        if (values != NULL) {
            ret = bad(&pe, "value",
                      "give the value either in condition (data=...) or in value, not "
                      "both");
            goto out;
        }
    } else {
        ret = bad(&pe, "condition", "unknown condition '%.100s' (%s)", cond_s, cond_help);
        goto out;
    }
    if (!record && type_s != NULL && req->qtype != RDATA_T_SOA) {
        ret =
            bad(&pe, "rdatatype", "%s polls the zone's SOA; leave rdatatype out", cond_s);
        goto out;
    }
    if (!record)
        req->qtype = RDATA_T_SOA;
    else if (req->qtype == 0)
        req->qtype = RDATA_T_A;
    if (record && name_s != NULL) {
        ret = probe_req_set_name(req, name_s, false, err, sizeof(err));
        if (ret < 0) {
            ret = bad(&pe, "name", "%s", err);
            goto out;
        }
    } else {
        /* a zone in a NOTAUTH/REFUSED answer counts as removed only for
         * zone polls (probes/condition.h) */
        ret = probe_req_set_name(req, zone_s, !record, err, sizeof(err));
        if (ret < 0) {
            ret = bad(&pe, zone_field, "%s", err);
            goto out;
        }
    }
    if (data_value != NULL) {
        ret = probe_req_add_value(req, data_value, err, sizeof(err));
        if (ret < 0) {
            ret = bad(&pe, "condition", "%s", err);
            goto out;
        }
    }
    json_array_foreach(values, i, v)
    {
        ret = probe_req_add_value(req, json_string_value(v), err, sizeof(err));
        if (ret < 0) {
            ret = bad(&pe, "value", "%s", err);
            goto out;
        }
    }
    ret = probe_req_finish(req, err, sizeof(err));
    if (ret < 0) {
        ret = bad(&pe, "request", "%s", err);
        goto out;
    }

    /* The echo: what was sent (numbers as sent), start_time resolved. */
    out = json_object();
    if (out == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    json_object_set_new(out, "nameserver", json_string(ns_s));
    json_object_set_new(out, zone_field, json_string(zone_s));
    if (name_s != NULL)
        json_object_set_new(out, "name", json_string(name_s));
    json_object_set_new(out, "rdatatype",
                        type_s != NULL ? json_string(type_s) : json_null());
    if ((v = given(body, "value")) != NULL)
        json_object_set_new(out, "value", json_deep_copy(v));
    if ((v = given(body, "match")) != NULL)
        json_object_set_new(out, "match", json_deep_copy(v));
    v = given(body, "serial");
    json_object_set_new(out, "serial", v != NULL ? json_deep_copy(v) : json_null());
    json_object_set_new(out, "condition", json_string(cond_s));
    json_object_set_new(out, "start_time", json_real(req->start_time));
    v = given(body, "timeout");
    json_object_set_new(out, "timeout",
                        v != NULL ? json_deep_copy(v) : json_real(req->timeout));
    v = given(body, "frequency");
    json_object_set_new(out, "frequency",
                        v != NULL ? json_deep_copy(v) : json_real(req->frequency));
    *rec = out;
out:
    json_decref(values);
    return ret;
}

/* Condition names of the statistics: Digaas's spellings fold into ours. */
static const char *cond_kind_of(const char *cond)
{
    if (cond == NULL)
        return "unknown";
    if (strcmp(cond, "zone_removed") == 0)
        return "empty_response";
    if (strncmp(cond, "data=", 5) == 0)
        return "value_present";
    return cond;
}

/* ---- the table of requests in memory -------------------------------------------- */

static size_t hash_id(const char *id)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */

    for (; *id != '\0'; id++) {
        h ^= (unsigned char)*id;
        h *= 1099511628211ULL;
    }
    return (size_t)h;
}

/* Under s->mu. */
static entry_t **table_slot(serve_t *s, const char *id)
{
    entry_t **p = &s->buckets[hash_id(id) & (s->nbuckets - 1)];

    while (*p != NULL && strcmp((*p)->id, id) != 0)
        p = &(*p)->next;
    return p;
}

/* Under s->mu. Doubling keeps chains short; a failed growth only makes
 * them longer. */
static void table_grow(serve_t *s)
{
    size_t n = s->nbuckets * 2;
    entry_t **nb;
    size_t i;

    if (s->nentries < s->nbuckets * 2)
        return;
    nb = calloc(n, sizeof(*nb));
    if (nb == NULL)
        return;
    for (i = 0; i < s->nbuckets; i++) {
        entry_t *e = s->buckets[i];
        while (e != NULL) {
            entry_t *next = e->next;
            size_t b = hash_id(e->id) & (n - 1);
            e->next = nb[b];
            nb[b] = e;
            e = next;
        }
    }
    free(s->buckets);
    s->buckets = nb;
    s->nbuckets = n;
}

static void entry_free(entry_t *e)
{
    if (e == NULL)
        return;
    json_decref(e->rec);
    free(e->text);
    free(e);
}

/* Takes rec and text. */
static int table_insert(serve_t *s, const char *id, json_t *rec, char *text)
{
    entry_t *e = calloc(1, sizeof(*e));

    if (e == NULL) {
        json_decref(rec);
        free(text);
        return -ENOMEM;
    }
    snprintf(e->id, sizeof(e->id), "%s", id);
    e->rec = rec;
    e->text = text;
    pthread_mutex_lock(&s->mu);
    table_grow(s);
    e->next = NULL;
    *table_slot(s, id) = e;
    s->nentries++;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static void table_remove(serve_t *s, const char *id, bool only_done)
{
    entry_t **p;
    entry_t *e = NULL;

    pthread_mutex_lock(&s->mu);
    p = table_slot(s, id);
    if (*p != NULL && (!only_done || (*p)->done)) {
        e = *p;
        *p = e->next;
        s->nentries--;
    }
    pthread_mutex_unlock(&s->mu);
    entry_free(e);
}

/* A copy of the request's text, or NULL when it is not in memory. */
static char *table_text(serve_t *s, const char *id)
{
    entry_t *e;
    char *t = NULL;

    pthread_mutex_lock(&s->mu);
    e = *table_slot(s, id);
    if (e != NULL)
        t = strdup(e->text);
    pthread_mutex_unlock(&s->mu);
    return t;
}

/* ---- Redis ------------------------------------------------------------------------- */

static void ctx_free(void *c)
{
    redisFree(c);
}

/* The calling MHD thread's connection (a hiredis context belongs to one
 * thread), made on first use and again after an error. */
static redisContext *thread_ctx(serve_t *s, char *err, size_t errlen)
{
    redisContext *c = pthread_getspecific(s->ctx_key);

    if (c != NULL && c->err == 0)
        return c;
    if (c != NULL) {
        redisFree(c);
        pthread_setspecific(s->ctx_key, NULL);
    }
    c = store_connect(s->store, err, errlen);
    if (c != NULL)
        pthread_setspecific(s->ctx_key, c);
    return c;
}

/* Send the n appended commands' replies; the last one's reply is kept in
 * *last (caller frees). 0, or -EIO with err saying why. */
static int collect(redisContext *c, int n, redisReply **last, char *err, size_t errlen)
{
    int i;
    int ret = 0;

    *last = NULL;
    for (i = 0; i < n; i++) {
        void *r = NULL;
        if (redisGetReply(c, &r) != REDIS_OK) {
            snprintf(err, errlen, "redis: %s",
                     c->errstr[0] != '\0' ? c->errstr : "I/O error");
            freeReplyObject(*last);
            *last = NULL;
            return -EIO;
        }
        if (((redisReply *)r)->type == REDIS_REPLY_ERROR && ret == 0) {
            snprintf(err, errlen, "redis: %s", ((redisReply *)r)->str);
            ret = -EIO;
        }
        if (i == n - 1) {
            *last = r;
        } else {
            freeReplyObject(r);
        }
    }
    if (ret == 0 && (*last == NULL || (*last)->type != REDIS_REPLY_ARRAY)) {
        snprintf(err, errlen, "redis: the transaction was not applied");
        ret = -EIO;
    }
    if (ret < 0) {
        freeReplyObject(*last);
        *last = NULL;
    }
    return ret;
}

/* A new request: its record, its place in time, pending. */
static int persist_new(redisContext *c, const char *id, const char *text, double start,
                       char *err, size_t errlen)
{
    redisReply *r = NULL;
    char score[64];
    int ret;

    snprintf(score, sizeof(score), "%.17g", start);
    redisAppendCommand(c, "MULTI");
    redisAppendCommand(c, "SET " KEY_REQ "%s %s", id, text);
    redisAppendCommand(c, "ZADD " KEY_REQS " %s %s", score, id);
    redisAppendCommand(c, "SADD " KEY_PENDING " %s", id);
    redisAppendCommand(c, "EXEC");
    ret = collect(c, 5, &r, err, errlen);
    freeReplyObject(r);
    return ret;
}

static void unpersist(redisContext *c, const char *id)
{
    redisReply *r;

    r = redisCommand(c, "DEL " KEY_REQ "%s", id);
    freeReplyObject(r);
    r = redisCommand(c, "ZREM " KEY_REQS " %s", id);
    freeReplyObject(r);
    r = redisCommand(c, "SREM " KEY_PENDING " %s", id);
    freeReplyObject(r);
}

/* GET key: 1 with *text (caller frees), 0 when absent, -EIO. */
static int redis_get(redisContext *c, const char *prefix, const char *id, char **text,
                     char *err, size_t errlen)
{
    redisReply *r = redisCommand(c, "GET %s%s", prefix, id);
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

/* ---- the writer -------------------------------------------------------------------- */

static void writer_push(serve_t *s, const char *id, char *text)
{
    witem_t *it = calloc(1, sizeof(*it));

    if (it == NULL) {
        /* the request stays pending in Redis: it is polled again at the
         * next start rather than lost */
        log_err("serve: out of memory queueing the result of %s", id);
        free(text);
        return;
    }
    snprintf(it->id, sizeof(it->id), "%s", id);
    it->text = text;
    pthread_mutex_lock(&s->wmu);
    if (s->wtail != NULL)
        s->wtail->next = it;
    else
        s->whead = it;
    s->wtail = it;
    s->wqueued++;
    pthread_cond_signal(&s->wcond);
    pthread_mutex_unlock(&s->wmu);
}

static int writer_batch(redisContext *c, witem_t *batch, int n, char *err, size_t errlen)
{
    redisReply *r = NULL;
    witem_t *it;
    int ret;

    redisAppendCommand(c, "MULTI");
    for (it = batch; it != NULL; it = it->next) {
        redisAppendCommand(c, "SET " KEY_REQ "%s %s", it->id, it->text);
        redisAppendCommand(c, "SREM " KEY_PENDING " %s", it->id);
    }
    redisAppendCommand(c, "EXEC");
    ret = collect(c, 2 * n + 2, &r, err, errlen);
    freeReplyObject(r);
    return ret;
}

static void *writer_main(void *arg)
{
    serve_t *s = arg;
    redisContext *c = NULL;
    char err[512];
    bool warned = false;

    pthread_mutex_lock(&s->wmu);
    for (;;) {
        witem_t *batch;
        witem_t *last;
        int n = 1;

        while (s->whead == NULL && !s->wstop)
            pthread_cond_wait(&s->wcond, &s->wmu);
        if (s->whead == NULL || (s->wstop && mono_ms() > s->wdeadline))
            break;
        batch = s->whead;
        last = batch;
        while (last->next != NULL && n < WRITER_BATCH) {
            last = last->next;
            n++;
        }
        s->whead = last->next;
        if (s->whead == NULL)
            s->wtail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&s->wmu);

        if (c == NULL)
            c = store_connect(s->store, err, sizeof(err));
        if (c != NULL && writer_batch(c, batch, n, err, sizeof(err)) == 0) {
            witem_t *it = batch;
            while (it != NULL) {
                witem_t *next = it->next;
                /* in Redis now: GETs read it there */
                table_remove(s, it->id, true);
                free(it->text);
                free(it);
                it = next;
            }
            warned = false;
            pthread_mutex_lock(&s->wmu);
            s->wqueued -= (size_t)n;
            continue;
        }
        if (!warned)
            log_warn("serve: cannot write finished requests (%s); retrying every %d ms",
                     err, RETRY_MS);
        warned = true;
        redisFree(c);
        c = NULL;
        pthread_mutex_lock(&s->wmu);
        last->next = s->whead;
        s->whead = batch;
        if (s->wtail == NULL)
            s->wtail = last;
        if (!s->wstop)
            timebase_cond_wait_ms(&s->wcond, &s->wmu, RETRY_MS);
        else if (mono_ms() + RETRY_MS <= s->wdeadline)
            timebase_cond_wait_ms(&s->wcond, &s->wmu, RETRY_MS);
    }
    if (s->wqueued > 0)
        log_warn("serve: %zu finished requests could not be written; they stay pending "
                 "in Redis and are polled again at the next start",
                 s->wqueued);
    pthread_mutex_unlock(&s->wmu);
    redisFree(c);
    return NULL;
}

/* ---- results of polls ----------------------------------------------------------------
 */

static json_t *num_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

/* Digaas clients know ACCEPTED, COMPLETED and ERROR; our precise outcome
 * (TIMEOUT is not ERROR to us) goes to "result". */
static const char *digaas_status(probe_status_t st)
{
    return st == PROBE_COMPLETED ? "COMPLETED" : "ERROR";
}

static void on_result(const probe_result_t *r, void *arg)
{
    serve_t *s = arg;
    entry_t *e;
    char *text = NULL;

    /* cancelled by a stop: it stays pending in Redis, for the next start */
    if (r->status == PROBE_CANCELLED && atomic_load(&s->stopping))
        return;
    if (r->id == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    e = *table_slot(s, r->id);
    if (e != NULL && !e->done) {
        json_t *o = e->rec;
        char *t;
        json_object_set_new(o, "status", json_string(digaas_status(r->status)));
        json_object_set_new(o, "duration", num_or_null(r->duration));
        json_object_set_new(o, "result", json_string(probe_status_str(r->status)));
        json_object_set_new(o, "reason", json_string(r->reason));
        json_object_set_new(o, "lower_bound", json_real(r->lower_bound));
        json_object_set_new(o, "queries", json_integer(r->queries));
        json_object_set_new(o, "observed_at",
                            r->status == PROBE_COMPLETED ? json_real(r->observed_at)
                                                         : json_null());
        t = dumps(o);
        if (t != NULL) {
            free(e->text);
            e->text = t;
            e->done = true;
            text = strdup(t);
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (text != NULL) {
        atomic_fetch_add(&s->finished, 1);
        writer_push(s, r->id, text);
        metrics_poll(s->metrics, r->status, r->ns, r->duration);
    }
}

/* ---- HTTP replies -------------------------------------------------------------------
 */

typedef struct {
    unsigned status;
    char *body; /* malloc'd */
    size_t len;
    const char *ctype;
    const char *allow; /* 405 */
    bool challenge;    /* 401 */
} reply_t;

static void reply_text(reply_t *rp, unsigned status, char *text)
{
    size_t n;

    free(rp->body);
    rp->status = status;
    rp->ctype = "application/json";
    if (text == NULL) {
        rp->status = MHD_HTTP_SERVICE_UNAVAILABLE;
        text = strdup("{\"message\":\"out of memory\"}");
    }
    n = text != NULL ? strlen(text) : 0;
    /* a final newline, for people reading curl's output */
    if (text != NULL) {
        char *t = realloc(text, n + 2);
        if (t != NULL) {
            t[n++] = '\n';
            t[n] = '\0';
            text = t;
        }
    }
    rp->body = text;
    rp->len = n;
}

static void reply_json(reply_t *rp, unsigned status, json_t *o)
{
    reply_text(rp, status, o != NULL ? dumps(o) : NULL);
    json_decref(o);
}

static void reply_error(reply_t *rp, unsigned status, const char *field, const char *fmt,
                        ...) __attribute__((format(printf, 4, 5)));

static void reply_error(reply_t *rp, unsigned status, const char *field, const char *fmt,
                        ...)
{
    char msg[1400];
    char full[1500];
    va_list ap;
    json_t *o;
    size_t i;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(full, sizeof(full), "%s%s%s", field != NULL ? field : "",
             field != NULL ? ": " : "", msg);
    /* Messages quote what clients sent, and snprintf may have cut a UTF-8
     * sequence: keep ASCII, so that the JSON is always valid. */
    for (i = 0; full[i] != '\0'; i++) {
        unsigned char ch = (unsigned char)full[i];
        if (ch < 0x20 || ch >= 0x7f)
            full[i] = '?';
    }
    o = json_object();
    json_object_set_new(o, "message", json_string(full));
    if (field != NULL)
        json_object_set_new(o, "field", json_string(field));
    reply_json(rp, status, o);
}

/* ---- handlers ------------------------------------------------------------------------
 */

/* The body as JSON; NULL after a 400 that says where it is not. */
static json_t *body_json(const char *body, size_t len, reply_t *rp)
{
    json_error_t je;
    json_t *in = json_loadb(body != NULL ? body : "", len, JSON_REJECT_DUPLICATES, &je);

    if (in == NULL)
        reply_error(rp, MHD_HTTP_BAD_REQUEST, "body",
                    "not valid JSON: %s (line %d, column %d)", je.text, je.line,
                    je.column);
    return in;
}

static void post_request(serve_t *s, const char *body, size_t len, reply_t *rp)
{
    json_t *in = NULL;
    json_t *rec = NULL;
    probe_req_t req;
    redisContext *c;
    char field[64] = "";
    char msg[1200] = "";
    char err[512];
    char id[SERVE_ID_LEN + 1];
    char *text = NULL;
    char *answer = NULL;
    double now = timebase_real_s();
    int ret;

    probe_req_init(&req);
    in = body_json(body, len, rp);
    if (in == NULL)
        goto out;
    if (serve_request_parse(in, now, &req, &rec, field, sizeof(field), msg, sizeof(msg)) <
        0) {
        if (field[0] == '\0')
            reply_error(rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "out of memory");
        else
            reply_error(rp, MHD_HTTP_BAD_REQUEST, field, "%s", msg);
        goto out;
    }
    new_id(id);
    json_object_set_new(rec, "id", json_string(id));
    json_object_set_new(rec, "status", json_string("ACCEPTED"));
    json_object_set_new(rec, "duration", json_null());
    json_object_set_new(rec, "result", json_null());
    json_object_set_new(rec, "reason", json_null());
    json_object_set_new(rec, "lower_bound", json_null());
    json_object_set_new(rec, "queries", json_null());
    json_object_set_new(rec, "observed_at", json_null());
    json_object_set_new(rec, "accepted_at", json_real(now));
    text = dumps(rec);
    answer = text != NULL ? strdup(text) : NULL;
    if (answer == NULL) {
        reply_error(rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "out of memory");
        goto out;
    }
    /* In Redis before the 202: an accepted request survives a crash. One
     * retry on a fresh connection covers a Redis that restarted. */
    c = thread_ctx(s, err, sizeof(err));
    ret = c != NULL ? persist_new(c, id, text, req.start_time, err, sizeof(err)) : -EIO;
    if (ret < 0 && (c = thread_ctx(s, err, sizeof(err))) != NULL)
        ret = persist_new(c, id, text, req.start_time, err, sizeof(err));
    if (ret < 0) {
        log_warn("serve: cannot store a request: %s", err);
        reply_error(rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL,
                    "the results store is unavailable (%s); try again", err);
        goto out;
    }
    ret = table_insert(s, id, rec, text);
    rec = NULL;
    text = NULL;
    metrics_count(s->metrics, "requests.accepted", 1);
    if (ret == 0) {
        req.id = strdup(id);
        ret = req.id != NULL ? probe_pool_submit(s->pool, &req) : -ENOMEM;
        if (ret < 0)
            table_remove(s, id, false);
    }
    if (ret < 0) {
        if (c != NULL && c->err == 0)
            unpersist(c, id);
        reply_error(rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "cannot poll now: %s",
                    dp_strerror(ret));
        goto out;
    }
    atomic_fetch_add(&s->accepted, 1);
    reply_text(rp, MHD_HTTP_ACCEPTED, answer);
    answer = NULL;
out:
    free(answer);
    free(text);
    json_decref(rec);
    json_decref(in);
    probe_req_clear(&req);
}

/* GET a stored object: memory (requests only), then Redis. */
static void get_stored(serve_t *s, const char *prefix, const char *id, const char *what,
                       reply_t *rp)
{
    redisContext *c;
    char err[512];
    char *text = NULL;
    int ret;

    if (strcmp(prefix, KEY_REQ) == 0) {
        text = table_text(s, id);
        if (text != NULL) {
            reply_text(rp, MHD_HTTP_OK, text);
            return;
        }
    }
    c = thread_ctx(s, err, sizeof(err));
    ret = c != NULL ? redis_get(c, prefix, id, &text, err, sizeof(err)) : -EIO;
    if (ret < 0) {
        reply_error(rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL,
                    "the results store is unavailable (%s); try again", err);
    } else if (ret == 0) {
        reply_error(rp, MHD_HTTP_NOT_FOUND, NULL, "no %s with id %s", what, id);
    } else {
        reply_text(rp, MHD_HTTP_OK, text);
    }
}

static void stats_push(serve_t *s, const char *id)
{
    sjob_t *j = calloc(1, sizeof(*j));

    if (j == NULL)
        return; /* stays pending in Redis, for the next start */
    snprintf(j->id, sizeof(j->id), "%s", id);
    pthread_mutex_lock(&s->smu);
    if (s->stail != NULL)
        s->stail->next = j;
    else
        s->shead = j;
    s->stail = j;
    pthread_cond_signal(&s->scond);
    pthread_mutex_unlock(&s->smu);
}

static void post_stats(serve_t *s, const char *body, size_t len, reply_t *rp)
{
    char fbuf[64];
    char mbuf[512];
    perr_t pe = {fbuf, sizeof(fbuf), mbuf, sizeof(mbuf)};
    json_t *in = NULL;
    json_t *rec = NULL;
    redisContext *c;
    redisReply *r = NULL;
    char id[SERVE_ID_LEN + 1];
    char err[512];
    char *text = NULL;
    double start = NAN;
    double end = NAN;

    in = body_json(body, len, rp);
    if (in == NULL)
        goto out;
    if (!json_is_object(in)) {
        reply_error(rp, MHD_HTTP_BAD_REQUEST, "body", "must be a JSON object");
        goto out;
    }
    if (given(in, "start_time") == NULL || given(in, "end_time") == NULL) {
        const char *f = given(in, "start_time") == NULL ? "start_time" : "end_time";
        reply_error(rp, MHD_HTTP_BAD_REQUEST, f,
                    "missing (epoch seconds: the requests whose start_time is in "
                    "[start_time, end_time])");
        goto out;
    }
    if (opt_number(in, "start_time", 0, MAX_EPOCH_S, false, &start, &pe,
                   "epoch seconds") < 0 ||
        opt_number(in, "end_time", 0, MAX_EPOCH_S, false, &end, &pe, "epoch seconds") <
            0) {
        reply_error(rp, MHD_HTTP_BAD_REQUEST, fbuf, "%s", mbuf);
        goto out;
    }
    if (end < start) {
        reply_error(rp, MHD_HTTP_BAD_REQUEST, "end_time", "is before start_time");
        goto out;
    }
    new_id(id);
    rec = json_pack("{s:s, s:s, s:f, s:f, s:n, s:[], s:n, s:n, s:n, s:f}", "id", id,
                    "status", "ACCEPTED", "start_time", start, "end_time", end,
                    "image_id", "image_ids", "requests", "pending", "reason",
                    "created_at", timebase_real_s());
    text = rec != NULL ? dumps(rec) : NULL;
    if (text == NULL) {
        reply_error(rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "out of memory");
        goto out;
    }
    c = thread_ctx(s, err, sizeof(err));
    if (c != NULL) {
        redisAppendCommand(c, "MULTI");
        redisAppendCommand(c, "SET " KEY_STATS "%s %s", id, text);
        redisAppendCommand(c, "SADD " KEY_STATS_PENDING " %s", id);
        redisAppendCommand(c, "EXEC");
    }
    if (c == NULL || collect(c, 4, &r, err, sizeof(err)) < 0) {
        reply_error(rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL,
                    "the results store is unavailable (%s); try again", err);
        goto out;
    }
    stats_push(s, id);
    reply_text(rp, MHD_HTTP_ACCEPTED, text);
    text = NULL;
out:
    freeReplyObject(r);
    free(text);
    json_decref(rec);
    json_decref(in);
}

static void get_summary(serve_t *s, const char *id, reply_t *rp)
{
    redisContext *c;
    json_t *rec = NULL;
    char key[SERVE_ID_LEN + 16];
    char err[512];
    char *text = NULL;
    const char *st;
    int ret;

    c = thread_ctx(s, err, sizeof(err));
    ret = c != NULL ? redis_get(c, KEY_STATS, id, &text, err, sizeof(err)) : -EIO;
    if (ret == 1) {
        rec = json_loads(text, 0, NULL);
        free(text);
        text = NULL;
        st = json_string_value(json_object_get(rec, "status"));
        if (st != NULL && strcmp(st, "ACCEPTED") == 0) {
            reply_error(rp, MHD_HTTP_CONFLICT, NULL,
                        "stats %s are not computed yet (status ACCEPTED): GET /stats/%s "
                        "until COMPLETED",
                        id, id);
            goto out;
        }
        snprintf(key, sizeof(key), "%s:summary", id);
        ret = redis_get(c, KEY_STATS, key, &text, err, sizeof(err));
    }
    if (ret < 0) {
        reply_error(rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL,
                    "the results store is unavailable (%s); try again", err);
    } else if (ret == 0) {
        reply_error(rp, MHD_HTTP_NOT_FOUND, NULL, "no stats summary with id %s", id);
    } else {
        reply_text(rp, MHD_HTTP_OK, text);
        text = NULL;
    }
out:
    free(text);
    json_decref(rec);
}

/* GET /images/<stats id>-<plot>: the PNG the stats worker rendered. */
static void get_image(serve_t *s, const char *id, size_t n, reply_t *rp)
{
    char path[4096];
    char plot[64];
    struct stat sb;
    FILE *f = NULL;
    char *data = NULL;
    size_t i;

    if (n <= SERVE_ID_LEN + 1 || n - SERVE_ID_LEN - 1 >= sizeof(plot) ||
        !valid_id(id, SERVE_ID_LEN) || id[SERVE_ID_LEN] != '-')
        goto notfound;
    memcpy(plot, id + SERVE_ID_LEN + 1, n - SERVE_ID_LEN - 1);
    plot[n - SERVE_ID_LEN - 1] = '\0';
    for (i = 0; plot[i] != '\0'; i++) {
        if (!((plot[i] >= 'a' && plot[i] <= 'z') || (plot[i] >= '0' && plot[i] <= '9') ||
              plot[i] == '_'))
            goto notfound;
    }
    snprintf(path, sizeof(path), "%s/serve/stats-%.*s/%s.png", s->results, SERVE_ID_LEN,
             id, plot);
    f = fopen(path, "rb");
    if (f == NULL || fstat(fileno(f), &sb) < 0 || !S_ISREG(sb.st_mode) ||
        sb.st_size > IMAGE_MAX)
        goto notfound;
    data = malloc((size_t)sb.st_size + 1);
    if (data == NULL || fread(data, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
        free(data);
        fclose(f);
        reply_error(rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "cannot read image %.*s",
                    (int)n, id);
        return;
    }
    fclose(f);
    free(rp->body);
    rp->status = MHD_HTTP_OK;
    rp->ctype = "image/png";
    rp->body = data;
    rp->len = (size_t)sb.st_size;
    return;
notfound:
    if (f != NULL)
        fclose(f);
    reply_error(rp, MHD_HTTP_NOT_FOUND, NULL, "no image with id %.*s",
                (int)(n > 200 ? 200 : n), id);
}

static bool is_get(const char *m)
{
    return strcmp(m, MHD_HTTP_METHOD_GET) == 0 || strcmp(m, MHD_HTTP_METHOD_HEAD) == 0;
}

/* Is url[0..n) exactly p? */
static bool path_is(const char *url, size_t n, const char *p)
{
    return n == strlen(p) && strncmp(url, p, n) == 0;
}

/* Is url[0..n) p followed by something? *rest, *rn: that something. */
static bool path_under(const char *url, size_t n, const char *p, const char **rest,
                       size_t *rn)
{
    size_t pl = strlen(p);

    if (n <= pl || strncmp(url, p, pl) != 0)
        return false;
    *rest = url + pl;
    *rn = n - pl;
    return true;
}

/* The id that is all of rest[0..rn), into id as a string; false when rest
 * is not an id (a 404). */
static bool url_id(const char *rest, size_t rn, char id[SERVE_ID_LEN + 1])
{
    if (!valid_id(rest, rn))
        return false;
    memcpy(id, rest, SERVE_ID_LEN);
    id[SERVE_ID_LEN] = '\0';
    return true;
}

static void route(serve_t *s, const char *method, const char *url, const char *body,
                  size_t len, reply_t *rp)
{
    size_t n = strlen(url);
    const char *rest = NULL;
    size_t rn = 0;
    char id[SERVE_ID_LEN + 1];

    while (n > 1 && url[n - 1] == '/')
        n--; /* "/requests/" is "/requests" */
    if (n <= 1) {
        if (!is_get(method))
            goto not_allowed_get;
        reply_json(rp, MHD_HTTP_OK,
                   json_pack("{s:s, s:s, s:s}", "service", "dnsprop", "version", "0.1.0",
                             "api", "digaas-compatible poll requests"));
        return;
    }
    if (path_is(url, n, "/requests") || path_is(url, n, "/poll_requests")) {
        if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
            rp->allow = "POST";
            reply_error(rp, MHD_HTTP_METHOD_NOT_ALLOWED, NULL,
                        "POST a poll request here; GET %.*s/{id} reads one", (int)n, url);
            return;
        }
        post_request(s, body, len, rp);
        return;
    }
    if (path_is(url, n, "/stats")) {
        if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
            rp->allow = "POST";
            reply_error(rp, MHD_HTTP_METHOD_NOT_ALLOWED, NULL,
                        "POST {start_time, end_time} here; GET /stats/{id} reads one");
            return;
        }
        post_stats(s, body, len, rp);
        return;
    }
    if (path_under(url, n, "/requests/", &rest, &rn) ||
        path_under(url, n, "/poll_requests/", &rest, &rn)) {
        if (!is_get(method))
            goto not_allowed_get;
        if (!url_id(rest, rn, id))
            goto notfound;
        get_stored(s, KEY_REQ, id, "request", rp);
        return;
    }
    if (path_under(url, n, "/stats/", &rest, &rn)) {
        bool summary = rn == SERVE_ID_LEN + strlen("/summary") &&
                       strncmp(rest + SERVE_ID_LEN, "/summary", strlen("/summary")) == 0;
        if (!is_get(method))
            goto not_allowed_get;
        if (!url_id(rest, summary ? SERVE_ID_LEN : rn, id))
            goto notfound;
        if (summary)
            get_summary(s, id, rp);
        else
            get_stored(s, KEY_STATS, id, "stats request", rp);
        return;
    }
    if (path_under(url, n, "/images/", &rest, &rn)) {
        if (!is_get(method))
            goto not_allowed_get;
        get_image(s, rest, rn, rp);
        return;
    }
notfound:
    reply_error(rp, MHD_HTTP_NOT_FOUND, NULL, "nothing at %.*s", (int)(n > 200 ? 200 : n),
                url);
    return;
not_allowed_get:
    rp->allow = "GET, HEAD";
    reply_error(rp, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, "%s is not allowed here; use GET",
                method);
}

/* ---- libmicrohttpd glue ------------------------------------------------------------ */

/* Per HTTP request: the body, as it arrives. */
typedef struct {
    buf_t body;
    size_t seen;
    bool too_big;
} conn_t;

static enum MHD_Result send_reply(struct MHD_Connection *conn, reply_t *rp)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;

    resp = MHD_create_response_from_buffer(rp->len, rp->body, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(rp->body);
        return MHD_NO;
    }
    rp->body = NULL;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            rp->ctype != NULL ? rp->ctype : "application/json");
    if (rp->allow != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, rp->allow);
    if (rp->challenge)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Bearer realm=\"dnsprop\"");
    ret = MHD_queue_response(conn, rp->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* RFC 6750 section 2.1: "Authorization: Bearer <token>". The comparison
 * takes the same time whatever the first differing byte. */
static bool authorised(const serve_t *s, struct MHD_Connection *conn)
{
    const char *h;
    size_t n;
    size_t i;
    unsigned char diff = 0;

    if (s->token == NULL)
        return true;
    h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
        return false;
    h += 7;
    while (*h == ' ')
        h++;
    n = strlen(h);
    while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t'))
        n--;
    if (n != s->token_len)
        return false;
    for (i = 0; i < n; i++)
        diff |= (unsigned char)(h[i] ^ s->token[i]);
    return diff == 0;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **con_cls)
{
    serve_t *s = cls;
    conn_t *cs = *con_cls;
    reply_t rp;

    (void)version;
    memset(&rp, 0, sizeof(rp));
    if (cs == NULL) {
        const char *cl;
        uint64_t clen;
        cs = calloc(1, sizeof(*cs));
        if (cs == NULL)
            return MHD_NO;
        *con_cls = cs;
        /* Answered before any body is read: MHD then discards the rest
         * and closes the connection. */
        if (!authorised(s, conn)) {
            rp.challenge = true;
            reply_error(&rp, MHD_HTTP_UNAUTHORIZED, NULL,
                        "this service needs \"Authorization: Bearer <token>\" (the "
                        "token of its --token-file)");
            return send_reply(conn, &rp);
        }
        cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                         MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl != NULL && numparse_u64(cl, UINT64_MAX, &clen) == 0 &&
            clen > s->max_body) {
            reply_error(&rp, MHD_HTTP_CONTENT_TOO_LARGE, "body",
                        "%llu bytes; at most %zu are accepted", (unsigned long long)clen,
                        s->max_body);
            return send_reply(conn, &rp);
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        /* A chunked body has no length to check first: read on, keep
         * nothing once over the limit, answer 413 at its end (MHD cannot
         * answer in the middle of an upload); close on a flood. */
        cs->seen += n;
        *upload_data_size = 0;
        if (!cs->too_big && cs->body.len + n > s->max_body) {
            cs->too_big = true;
            buf_free(&cs->body);
        }
        if (!cs->too_big)
            buf_add(&cs->body, upload_data, n);
        if (cs->too_big && cs->seen > DISCARD_FACTOR * s->max_body)
            return MHD_NO;
        return MHD_YES;
    }
    if (cs->too_big) {
        reply_error(&rp, MHD_HTTP_CONTENT_TOO_LARGE, "body",
                    "at most %zu bytes are accepted", s->max_body);
    } else if (cs->body.oom) {
        reply_error(&rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "out of memory");
    } else {
        route(s, method, url, cs->body.p, cs->body.len, &rp);
    }
    return send_reply(conn, &rp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    conn_t *cs = *con_cls;

    (void)cls;
    (void)conn;
    (void)toe;
    if (cs == NULL)
        return;
    buf_free(&cs->body);
    free(cs);
    *con_cls = NULL;
}

/* MHD's own messages (printf format from MHD) through our logger. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    size_t n;

    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n > 0 && msg[n - 1] == '\n')
        msg[--n] = '\0';
    log_warn("serve: http: %s", msg);
}

/* ---- stats
 * ----------------------------------------------------------------------------- */

/* One stored request as a result of the dataset (plot/dataset.h): the
 * condition is the operation kind, the nameserver its address. */
static json_t *ds_record(json_t *rec, uint64_t op_id)
{
    const char *ns_s = json_string_value(json_object_get(rec, "nameserver"));
    const char *name = json_string_value(json_object_get(rec, "name"));
    const char *type = json_string_value(json_object_get(rec, "rdatatype"));
    const char *result = json_string_value(json_object_get(rec, "result"));
    const char *reason = json_string_value(json_object_get(rec, "reason"));
    json_t *lb = json_object_get(rec, "lower_bound");
    json_t *dur = json_object_get(rec, "duration");
    probe_ns_t ns;

    if (name == NULL)
        name = json_string_value(json_object_get(rec, "zone_name"));
    if (name == NULL)
        name = json_string_value(json_object_get(rec, "query_name"));
    if (ns_s == NULL || probe_ns_parse(ns_s, &ns) < 0)
        snprintf(ns.text, sizeof(ns.text), "%s", ns_s != NULL ? ns_s : "unknown");
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:f, s:o, s:I, s:s, s:s, s:s}",
                     "op_id", (json_int_t)op_id, "op_kind",
                     cond_kind_of(json_string_value(json_object_get(rec, "condition"))),
                     "ns_name", ns.text, "nameserver", ns.text, "status",
                     result != NULL ? result : "ERROR", "start_time",
                     json_deep_copy(json_object_get(rec, "start_time")), "lower_bound",
                     json_is_number(lb) ? json_number_value(lb) : 0.0, "duration",
                     json_is_number(dur) ? json_deep_copy(dur) : json_null(), "queries",
                     json_integer_value(json_object_get(rec, "queries")), "reason",
                     reason != NULL ? reason : "", "name", name != NULL ? name : "",
                     "type", type != NULL ? type : "");
}

/* Read the requests of [start, end] into ds; counts what is still pending. */
static int stats_read(redisContext *c, double start, double end, dataset_t *ds,
                      size_t *pending, char *err, size_t errlen)
{
    redisReply *ids = NULL;
    const char **argv = NULL;
    size_t *argl = NULL;
    char(*keys)[sizeof(KEY_REQ) + SERVE_ID_LEN] = NULL;
    uint64_t op = 0;
    char lo[64];
    char hi[64];
    size_t i;
    int ret = 0;

    *pending = 0;
    snprintf(lo, sizeof(lo), "%.17g", start);
    snprintf(hi, sizeof(hi), "%.17g", end);
    ids = redisCommand(c, "ZRANGEBYSCORE " KEY_REQS " %s %s", lo, hi);
    if (ids == NULL || ids->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "redis: %s",
                 ids == NULL                      ? c->errstr
                 : ids->type == REDIS_REPLY_ERROR ? ids->str
                                                  : "?");
        ret = -EIO;
        goto out;
    }
    argv = calloc(REDIS_CHUNK + 1, sizeof(*argv));
    argl = calloc(REDIS_CHUNK + 1, sizeof(*argl));
    keys = calloc(REDIS_CHUNK, sizeof(*keys));
    if (argv == NULL || argl == NULL || keys == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    for (i = 0; i < ids->elements; i += REDIS_CHUNK) {
        size_t n = ids->elements - i < REDIS_CHUNK ? ids->elements - i : REDIS_CHUNK;
        redisReply *vals;
        size_t k;
        argv[0] = "MGET";
        argl[0] = 4;
        for (k = 0; k < n; k++) {
            snprintf(keys[k], sizeof(keys[k]), KEY_REQ "%.*s", SERVE_ID_LEN,
                     ids->element[i + k]->str != NULL ? ids->element[i + k]->str : "");
            argv[k + 1] = keys[k];
            argl[k + 1] = strlen(keys[k]);
        }
        vals = redisCommandArgv(c, (int)n + 1, argv, argl);
        if (vals == NULL || vals->type != REDIS_REPLY_ARRAY) {
            snprintf(err, errlen, "redis: %s", vals == NULL ? c->errstr : "MGET failed");
            freeReplyObject(vals);
            ret = -EIO;
            goto out;
        }
        for (k = 0; k < vals->elements; k++) {
            redisReply *v = vals->element[k];
            json_t *rec;
            json_t *dr;
            char *t;
            const char *st;
            if (v->type != REDIS_REPLY_STRING)
                continue;
            rec = json_loadb(v->str, v->len, 0, NULL);
            st = json_string_value(json_object_get(rec, "status"));
            if (st == NULL || strcmp(st, "ACCEPTED") == 0) {
                if (st != NULL)
                    (*pending)++;
                json_decref(rec);
                continue;
            }
            dr = ds_record(rec, op + 1);
            t = dr != NULL ? dumps(dr) : NULL;
            if (dr != NULL && t == NULL)
                ret = -ENOMEM;
            else if (t != NULL && ds_add_text(ds, t) == -ENOMEM)
                ret = -ENOMEM;
            else if (t != NULL)
                op++; /* op ids stay dense: the dataset finds them in O(1) */
            free(t);
            json_decref(dr);
            json_decref(rec);
        }
        freeReplyObject(vals);
        if (ret < 0)
            goto out;
    }
out:
    freeReplyObject(ids);
    free(argv);
    free(argl);
    free(keys);
    return ret;
}

static int stats_run(serve_t *s, redisContext *c, const char *id)
{
    dataset_t ds;
    json_t *rec = NULL;
    json_t *meta = NULL;
    json_t *st = NULL;
    json_t *index = NULL;
    json_t *images = NULL;
    json_t *summary = NULL;
    redisReply *r = NULL;
    plot_opts_t po;
    char dir[4096];
    char err[1024] = "";
    char perr[1024] = "";
    char *text = NULL;
    char *stext = NULL;
    bool rendered = false;
    size_t pending = 0;
    double start, end;
    size_t i;
    json_t *e;
    int ret;

    ds_init(&ds);
    ret = redis_get(c, KEY_STATS, id, &text, err, sizeof(err));
    if (ret <= 0)
        goto out; /* gone (0): nothing to do */
    rec = json_loads(text, 0, NULL);
    free(text);
    text = NULL;
    if (rec == NULL) {
        ret = 0; /* not ours to fix: left as it is */
        goto out;
    }
    start = json_number_value(json_object_get(rec, "start_time"));
    end = json_number_value(json_object_get(rec, "end_time"));
    ret = stats_read(c, start, end, &ds, &pending, err, sizeof(err));
    if (ret < 0)
        goto out;
    /* no "start": the x axes count from the first request of the range
     * (plot/dataset.h ds_start) */
    meta = json_pack("{s:s, s:s}", "name", "dnsprop serve", "campaign", id);
    ds_set_campaign(&ds, meta);
    st = stats_json(&ds);
    snprintf(dir, sizeof(dir), "%s/serve/stats-%s", s->results, id);
    memset(&po, 0, sizeof(po));
    images = json_array();
    if (st == NULL || images == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    if (plot_campaign(&ds, st, dir, &po, &index, &rendered, perr, sizeof(perr)) == 0) {
        json_array_foreach(index, i, e)
        {
            const char *name = json_string_value(json_object_get(e, "name"));
            char img[SERVE_ID_LEN + 80];
            if (name == NULL || !json_is_string(json_object_get(e, "png")))
                continue;
            snprintf(img, sizeof(img), "%s-%s", id, name);
            json_array_append_new(images, json_string(img));
        }
    }
    json_object_set_new(rec, "status", json_string("COMPLETED"));
    json_object_set(rec, "image_ids", images);
    /* Digaas had one image: the propagation plot, drawn first */
    json_object_set_new(rec, "image_id",
                        json_array_size(images) > 0 ? json_copy(json_array_get(images, 0))
                                                    : json_null());
    json_object_set_new(rec, "requests", json_integer((json_int_t)ds.n));
    json_object_set_new(rec, "pending", json_integer((json_int_t)pending));
    json_object_set_new(rec, "reason", json_string(perr));
    summary = json_pack(
        "{s:s, s:f, s:f, s:I, s:I, s:O, s:O, s:O}", "id", id, "start_time", start,
        "end_time", end, "requests", (json_int_t)ds.n, "pending", (json_int_t)pending,
        "overall", json_object_get(st, "overall"), "nameservers",
        json_object_get(st, "nameservers"), "conditions", json_object_get(st, "kinds"));
    text = dumps(rec);
    stext = summary != NULL ? dumps(summary) : NULL;
    if (text == NULL || stext == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    redisAppendCommand(c, "MULTI");
    redisAppendCommand(c, "SET " KEY_STATS "%s:summary %s", id, stext);
    redisAppendCommand(c, "SET " KEY_STATS "%s %s", id, text);
    redisAppendCommand(c, "SREM " KEY_STATS_PENDING " %s", id);
    redisAppendCommand(c, "EXEC");
    ret = collect(c, 5, &r, err, sizeof(err));
out:
    if (ret < 0)
        log_warn("serve: stats %s: %s", id, err[0] != '\0' ? err : dp_strerror(ret));
    freeReplyObject(r);
    free(text);
    free(stext);
    json_decref(rec);
    json_decref(meta);
    json_decref(st);
    json_decref(index);
    json_decref(images);
    json_decref(summary);
    ds_clear(&ds);
    return ret;
}

static void *stats_main(void *arg)
{
    serve_t *s = arg;
    redisContext *c = NULL;
    char err[512];

    pthread_mutex_lock(&s->smu);
    for (;;) {
        sjob_t *j;
        int tries;
        while (s->shead == NULL && !s->sstop)
            pthread_cond_wait(&s->scond, &s->smu);
        if (s->sstop)
            break; /* what is left stays pending in Redis */
        j = s->shead;
        s->shead = j->next;
        if (s->shead == NULL)
            s->stail = NULL;
        pthread_mutex_unlock(&s->smu);
        for (tries = 0; tries < 3; tries++) {
            if (c == NULL)
                c = store_connect(s->store, err, sizeof(err));
            if (c != NULL && stats_run(s, c, j->id) != -EIO)
                break;
            redisFree(c);
            c = NULL;
            sleep_ms(RETRY_MS);
        }
        free(j);
        pthread_mutex_lock(&s->smu);
    }
    pthread_mutex_unlock(&s->smu);
    redisFree(c);
    return NULL;
}

/* ---- resuming what a previous run left ------------------------------------------------
 */

/* An unfinished request from Redis: poll it again with its original
 * start_time and what is left of its timeout, or end it. */
static void resume_one(serve_t *s, const char *id, const char *text, double now)
{
    json_t *rec = json_loads(text, 0, NULL);
    json_t *echo = NULL;
    probe_req_t req;
    char field[64];
    char msg[1200];
    char *t;
    double accepted;
    double timeout;
    double left;
    int ret;

    probe_req_init(&req);
    if (rec == NULL) {
        log_warn("serve: request %s in Redis is not JSON; left as it is", id);
        goto out;
    }
    ret = serve_request_parse(rec, now, &req, &echo, field, sizeof(field), msg,
                              sizeof(msg));
    accepted = json_number_value(json_object_get(rec, "accepted_at"));
    if (accepted <= 0)
        accepted = req.start_time;
    timeout = req.timeout;
    left = accepted + timeout - now;
    if (ret < 0 || left <= 0) {
        char reason[1400];
        if (ret < 0)
            snprintf(reason, sizeof(reason), "stored request unreadable: %s: %s", field,
                     msg);
        else
            snprintf(reason, sizeof(reason),
                     "the service was down when its timeout passed (accepted at %.3f, "
                     "timeout %g s, resumed at %.3f); not polled again",
                     accepted, timeout, now);
        json_object_set_new(rec, "status", json_string("ERROR"));
        json_object_set_new(rec, "result", json_string(ret < 0 ? "ERROR" : "TIMEOUT"));
        json_object_set_new(rec, "reason", json_string(reason));
        json_object_set_new(rec, "duration", json_null());
        json_object_set_new(rec, "resumed_at", json_real(now));
        if (!json_is_number(json_object_get(rec, "lower_bound")))
            json_object_set_new(rec, "lower_bound", json_real(0));
        if (!json_is_integer(json_object_get(rec, "queries")))
            json_object_set_new(rec, "queries", json_integer(0));
        t = dumps(rec);
        if (t != NULL)
            writer_push(s, id, t);
        atomic_fetch_add(&s->expired, 1);
        goto out;
    }
    json_object_set_new(rec, "resumed_at", json_real(now));
    t = dumps(rec);
    if (t == NULL)
        goto out;
    /* the table owns rec from here: the pool's callback may change it */
    ret = table_insert(s, id, rec, t);
    rec = NULL;
    if (ret < 0)
        goto out;
    req.timeout = left;
    req.id = strdup(id);
    if (req.id == NULL || probe_pool_submit(s->pool, &req) < 0) {
        table_remove(s, id, false);
        goto out;
    }
    atomic_fetch_add(&s->resumed, 1);
out:
    json_decref(echo);
    json_decref(rec);
    probe_req_clear(&req);
}

static int resume(serve_t *s, char *err, size_t errlen)
{
    redisContext *c = store_connect(s->store, err, errlen);
    redisReply *ids = NULL;
    redisReply *sids = NULL;
    double now = timebase_real_s();
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
    /* pipelined GETs, REDIS_CHUNK at a time */
    for (i = 0; i < ids->elements; i += REDIS_CHUNK) {
        size_t n = ids->elements - i < REDIS_CHUNK ? ids->elements - i : REDIS_CHUNK;
        size_t k;
        for (k = 0; k < n; k++)
            redisAppendCommand(c, "GET " KEY_REQ "%s", ids->element[i + k]->str);
        for (k = 0; k < n; k++) {
            void *rv = NULL;
            redisReply *r;
            const char *id = ids->element[i + k]->str;
            if (redisGetReply(c, &rv) != REDIS_OK) {
                snprintf(err, errlen, "reading the pending requests from Redis: %s",
                         c->errstr);
                ret = -EIO;
                goto out;
            }
            r = rv;
            if (r->type == REDIS_REPLY_STRING && valid_id(id, strlen(id))) {
                resume_one(s, id, r->str, now);
            } else if (r->type == REDIS_REPLY_NIL) {
                redisReply *d = redisCommand(c, "SREM " KEY_PENDING " %s", id);
                freeReplyObject(d);
            }
            freeReplyObject(r);
        }
    }
    for (i = 0; i < sids->elements; i++) {
        if (sids->element[i]->str != NULL &&
            valid_id(sids->element[i]->str, strlen(sids->element[i]->str))) {
            stats_push(s, sids->element[i]->str);
            atomic_fetch_add(&s->stats_resumed, 1);
        }
    }
out:
    freeReplyObject(ids);
    freeReplyObject(sids);
    redisFree(c);
    return ret;
}

/* ---- life cycle -----------------------------------------------------------------------
 */

int serve_create(serve_t **out, const serve_opts_t *opts, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    probe_pool_opts_t po;
    const union MHD_DaemonInfo *info;
    const char *listen = opts->listen != NULL ? opts->listen : SERVE_DEFAULT_LISTEN;
    unsigned flags;
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
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->wmu, NULL);
    pthread_cond_init(&s->wcond, NULL);
    pthread_mutex_init(&s->smu, NULL);
    pthread_cond_init(&s->scond, NULL);
    s->store = opts->store;
    s->metrics = opts->metrics;
    s->max_body = opts->max_body > 0 ? opts->max_body : SERVE_DEFAULT_MAX_BODY;
    s->results = strdup(opts->results != NULL ? opts->results : "results");
    s->nbuckets = 1024;
    s->buckets = calloc(s->nbuckets, sizeof(*s->buckets));
    if (opts->token != NULL) {
        s->token = strdup(opts->token);
        s->token_len = s->token != NULL ? strlen(s->token) : 0;
    }
    if (s->results == NULL || s->buckets == NULL ||
        (opts->token != NULL && s->token == NULL)) {
        ret = -ENOMEM;
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    ret = -pthread_key_create(&s->ctx_key, ctx_free);
    if (ret < 0) {
        snprintf(err, errlen, "pthread_key_create: %s", strerror(-ret));
        goto out;
    }
    s->key_ok = true;

    memset(&po, 0, sizeof(po));
    po.threads = opts->probe_threads;
    po.query_timeout_ms = opts->query_timeout_ms;
    po.on_result = on_result;
    po.cb_arg = s;
    ret = probe_pool_create(&s->pool, &po);
    if (ret < 0) {
        snprintf(err, errlen, "cannot start the probe pool: %s", dp_strerror(ret));
        goto out;
    }
    ret = -pthread_create(&s->writer, NULL, writer_main, s);
    if (ret < 0) {
        snprintf(err, errlen, "cannot start the writer: %s", strerror(-ret));
        goto out;
    }
    s->writer_started = true;
    ret = -pthread_create(&s->statsw, NULL, stats_main, s);
    if (ret < 0) {
        snprintf(err, errlen, "cannot start the stats worker: %s", strerror(-ret));
        goto out;
    }
    s->stats_started = true;
    ret = resume(s, err, errlen);
    if (ret < 0)
        goto out;

    flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* the logger first: MHD logs its own way until it has seen it */
    s->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, on_access, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned int)(opts->http_threads > 0 ? opts->http_threads : 2),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)30, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1000,
        MHD_OPTION_END);
    if (s->mhd == NULL) {
        snprintf(err, errlen,
                 "cannot listen on %s (in use? not an address of this host?)", listen);
        ret = -EADDRINUSE;
        goto out;
    }
    info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    {
        char host[INET6_ADDRSTRLEN];
        unsigned port = info != NULL ? info->port : 0;
        if (ss.ss_family == AF_INET6) {
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host,
                      sizeof(host));
            snprintf(s->where, sizeof(s->where), "[%s]:%u", host, port);
        } else {
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host,
                      sizeof(host));
            snprintf(s->where, sizeof(s->where), "%s:%u", host, port);
        }
    }
out:
    if (ret < 0) {
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
    pthread_mutex_lock(&s->wmu);
    out->unwritten = s->wqueued;
    pthread_mutex_unlock(&s->wmu);
}

void serve_destroy(serve_t *s)
{
    size_t i;

    if (s == NULL)
        return;
    /* 1. no more calls; 2. no more polls (those cancelled stay pending);
     * 3. no new stats; 4. what finished goes to Redis. */
    if (s->mhd != NULL)
        MHD_stop_daemon(s->mhd);
    atomic_store(&s->stopping, true);
    if (s->pool != NULL)
        probe_pool_destroy(s->pool);
    if (s->stats_started) {
        pthread_mutex_lock(&s->smu);
        s->sstop = true;
        pthread_cond_signal(&s->scond);
        pthread_mutex_unlock(&s->smu);
        pthread_join(s->statsw, NULL);
    }
    if (s->writer_started) {
        pthread_mutex_lock(&s->wmu);
        s->wstop = true;
        s->wdeadline = mono_ms() + STOP_FLUSH_S * 1000;
        pthread_cond_signal(&s->wcond);
        pthread_mutex_unlock(&s->wmu);
        pthread_join(s->writer, NULL);
    }
    while (s->whead != NULL) {
        witem_t *it = s->whead;
        s->whead = it->next;
        free(it->text);
        free(it);
    }
    while (s->shead != NULL) {
        sjob_t *j = s->shead;
        s->shead = j->next;
        free(j);
    }
    for (i = 0; s->buckets != NULL && i < s->nbuckets; i++) {
        while (s->buckets[i] != NULL) {
            entry_t *e = s->buckets[i];
            s->buckets[i] = e->next;
            entry_free(e);
        }
    }
    if (s->key_ok) {
        /* the MHD threads have ended (their contexts with them); this
         * thread may hold one too */
        redisFree(pthread_getspecific(s->ctx_key));
        pthread_key_delete(s->ctx_key);
    }
    free(s->buckets);
    free(s->token);
    free(s->results);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->wmu);
    pthread_cond_destroy(&s->wcond);
    pthread_mutex_destroy(&s->smu);
    pthread_cond_destroy(&s->scond);
    free(s);
}
