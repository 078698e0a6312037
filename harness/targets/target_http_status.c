/*
 * target_http_status: the status poll of the http target (see
 * target_http_status.h): the status.* keys, what an answer says, and the
 * watcher.
 *
 * Threading, and why: the driver's API workers send the scheduled
 * operations (open loop: an operation is due at its time whatever came
 * before). A status poll run by the worker that made the change would
 * keep that worker from the next operation for as long as the provider
 * takes to say ACTIVE (seconds to minutes for Designate), and the
 * schedule would slip behind the offered rate. So the claims are asked by
 * one watcher thread per campaign with one libcurl multi handle: every
 * watched change has its own fixed schedule (ack, ack + frequency, ...;
 * a slot missed while the previous ask is still out is skipped, as the
 * probes do), at most one ask out at a time, all of them multiplexed on
 * that handle's connections (CURLMOPT_MAX_TOTAL_CONNECTIONS bounds what
 * the API sees). The workers only hand a filled URL over (a queue under
 * a mutex, and curl_multi_wakeup); the callbacks run on the watcher's
 * thread. Timing is on the monotonic clock; claimed_at is read from the
 * realtime clock, as every stored timestamp is.
 */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/buf.h"
#include "harness/common/errcode.h"
#include "harness/common/log.h"
#include "harness/common/numparse.h"
#include "harness/common/timebase.h"
#include "harness/common/vec.h"
#include "harness/targets/target_http.h"
#include "harness/targets/target_http_status.h"

#define MAX_CONNECTIONS 8 /* to the status API at once */

/* ---- the keys ------------------------------------------------------------------- */

/* Blank- or comma-separated words into *out (replacing). */
static int words(const char *v, char ***out, size_t *n, char *err, size_t errlen)
{
    char **w = NULL;
    size_t nw = 0, cap = 0;
    const char *p = v;

    while (*p != '\0') {
        size_t len;
        p += strspn(p, " \t,");
        len = strcspn(p, " \t,");
        if (len == 0)
            break;
        if (VEC_RESERVE(w, cap, nw + 1) < 0 || (w[nw] = strndup(p, len)) == NULL) {
            for (size_t i = 0; i < nw; i++)
                free(w[i]);
            free(w);
            return -ENOMEM;
        }
        nw++;
        p += len;
    }
    if (nw == 0) {
        snprintf(err, errlen, "empty (one or more values, blank-separated)");
        return DP_EPARSE;
    }
    for (size_t i = 0; i < *n; i++)
        free((*out)[i]);
    free(*out);
    *out = w;
    *n = nw;
    return 0;
}

static int gone_codes(target_http_status_conf_t *sc, const char *v, char *err,
                      size_t errlen)
{
    char **w = NULL;
    size_t nw = 0;
    int ret = words(v, &w, &nw, err, errlen);

    if (ret < 0)
        return ret;
    if (nw > TARGET_HTTP_STATUS_GONE_MAX) {
        snprintf(err, errlen, "at most %d status codes", TARGET_HTTP_STATUS_GONE_MAX);
        ret = DP_EPARSE;
    }
    for (size_t i = 0; ret == 0 && i < nw; i++) {
        uint16_t c;
        if (numparse_u16(w[i], &c) < 0 || c < 100 || c > 599) {
            snprintf(err, errlen, "'%s' is not an HTTP status code (100 to 599)", w[i]);
            ret = DP_EPARSE;
        } else {
            sc->gone[i] = c;
        }
    }
    if (ret == 0)
        sc->ngone = nw;
    for (size_t i = 0; i < nw; i++)
        free(w[i]);
    free(w);
    return ret;
}

int target_http_status_conf_key(target_http_status_conf_t *sc, const char *key,
                                const char *value, char *err, size_t errlen)
{
    if (strcmp(key, "in_sync") == 0)
        return words(value, &sc->in_sync, &sc->nin_sync, err, errlen);
    if (strcmp(key, "failed") == 0)
        return words(value, &sc->failed, &sc->nfailed, err, errlen);
    if (strcmp(key, "gone") == 0)
        return gone_codes(sc, value, err, errlen);
    if (strcmp(key, "frequency") == 0 || strcmp(key, "timeout") == 0) {
        bool freq = key[0] == 'f';
        double d;
        if (numparse_double(value, freq ? 0.01 : 0.1, freq ? 3600 : 86400, &d) < 0) {
            snprintf(err, errlen, "'%s' is not a number of seconds (%s)", value,
                     freq ? "0.01 to 3600" : "0.1 to 86400");
            return DP_EPARSE;
        }
        *(freq ? &sc->frequency : &sc->timeout) = d;
        return 0;
    }
    return DP_EEMPTY;
}

void target_http_status_conf_clear(target_http_status_conf_t *sc)
{
    size_t i;

    free(sc->method);
    free(sc->pointer);
    for (i = 0; i < OP_KINDS; i++)
        free(sc->kpointer[i]);
    for (i = 0; i < sc->nin_sync; i++)
        free(sc->in_sync[i]);
    free(sc->in_sync);
    for (i = 0; i < sc->nfailed; i++)
        free(sc->failed[i]);
    free(sc->failed);
    memset(sc, 0, sizeof(*sc));
}

/* ---- an answer ------------------------------------------------------------------ */

static bool in_words(char *const *w, size_t n, const char *v)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(w[i], v) == 0)
            return true;
    return false;
}

target_http_status_answer_t target_http_status_answer(const target_http_status_conf_t *sc,
                                                      op_kind_t kind, long code,
                                                      const char *body, char *seen,
                                                      size_t seenlen)
{
    const char *ptr = (unsigned)kind < OP_KINDS && sc->kpointer[kind] != NULL
                          ? sc->kpointer[kind]
                          : sc->pointer;
    target_http_status_answer_t a = TARGET_HTTP_STATUS_PENDING;
    json_error_t je;
    json_t *doc;
    json_t *v;
    char *text;

    snprintf(seen, seenlen, "HTTP %ld", code);
    if (kind == OP_ZONE_DELETE || kind == OP_RECORD_DELETE) {
        for (size_t i = 0; i < sc->ngone; i++)
            if (code == sc->gone[i])
                return TARGET_HTTP_STATUS_IN_SYNC; /* deleted, as it should be */
    }
    if (code < 200 || code > 299 || ptr == NULL)
        return TARGET_HTTP_STATUS_PENDING;
    doc = json_loads(body != NULL ? body : "", JSON_DECODE_ANY, &je);
    if (doc == NULL) {
        snprintf(seen, seenlen, "HTTP %ld, not JSON", code);
        return TARGET_HTTP_STATUS_PENDING;
    }
    if (target_http_json_pointer(doc, ptr, &v) < 0) {
        snprintf(seen, seenlen, "HTTP %ld, nothing at %s", code, ptr);
    } else if ((text = target_http_json_text(v)) != NULL) {
        snprintf(seen, seenlen, "%s = %.100s", ptr, text);
        if (in_words(sc->in_sync, sc->nin_sync, text))
            a = TARGET_HTTP_STATUS_IN_SYNC;
        else if (in_words(sc->failed, sc->nfailed, text))
            a = TARGET_HTTP_STATUS_FAILED;
        free(text);
    }
    json_decref(doc);
    return a;
}

/* ---- the watcher -------------------------------------------------------------- */

typedef struct item {
    struct item *next;
    uint64_t tag;
    op_kind_t kind;
    char *url;
    int64_t next_at;  /* monotonic ns: the next ask is due */
    int64_t deadline; /* monotonic ns: the status timeout */
    CURL *easy;       /* the ask out, or NULL */
    buf_t resp;
    char seen[160]; /* the last answer, for the timeout's message */
} item_t;

typedef struct {
    target_watch_t base;
    const target_http_status_conf_t *sc;
    target_claim_fn cb;
    void *arg;
    void (*done)(void *owner);
    void *owner;
    int64_t freq_ns, timeout_ns;
    long call_timeout;
    struct curl_slist *hdrs;
    CURLM *multi;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu; /* incoming, stopping */
    item_t *incoming;
    bool stopping;
    item_t *items; /* the thread's own */
} watch_t;

static void item_free(watch_t *w, item_t *it)
{
    if (it->easy != NULL) {
        curl_multi_remove_handle(w->multi, it->easy);
        curl_easy_cleanup(it->easy);
    }
    buf_free(&it->resp);
    free(it->url);
    free(it);
}

/* One ask of it's status URL, on the multi handle. */
static int item_ask(watch_t *w, item_t *it)
{
    const char *method = w->sc->method != NULL ? w->sc->method : "GET";

    it->easy = curl_easy_init();
    if (it->easy == NULL)
        return -ENOMEM;
    buf_clear(&it->resp);
    curl_easy_setopt(it->easy, CURLOPT_URL, it->url);
    if (strcmp(method, "GET") != 0)
        curl_easy_setopt(it->easy, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(it->easy, CURLOPT_HTTPHEADER, w->hdrs);
    curl_easy_setopt(it->easy, CURLOPT_WRITEFUNCTION, buf_curl_write);
    curl_easy_setopt(it->easy, CURLOPT_WRITEDATA, &it->resp);
    curl_easy_setopt(it->easy, CURLOPT_TIMEOUT, w->call_timeout);
    curl_easy_setopt(it->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(it->easy, CURLOPT_PRIVATE, it);
    if (curl_multi_add_handle(w->multi, it->easy) != CURLM_OK) {
        curl_easy_cleanup(it->easy);
        it->easy = NULL;
        return -ENOMEM;
    }
    return 0;
}

/* The answer to it's ask came (rc: curl's outcome): true when it ends the
 * watch (the callback made). */
static bool item_answered(watch_t *w, item_t *it, CURLcode rc)
{
    long code = 0;
    target_http_status_answer_t a = TARGET_HTTP_STATUS_PENDING;

    if (rc == CURLE_OK) {
        curl_easy_getinfo(it->easy, CURLINFO_RESPONSE_CODE, &code);
        a = target_http_status_answer(w->sc, it->kind, code,
                                      it->resp.oom ? NULL : it->resp.p, it->seen,
                                      sizeof(it->seen));
    } else {
        snprintf(it->seen, sizeof(it->seen), "%s", curl_easy_strerror(rc));
    }
    curl_multi_remove_handle(w->multi, it->easy);
    curl_easy_cleanup(it->easy);
    it->easy = NULL;
    if (a == TARGET_HTTP_STATUS_PENDING)
        return false;
    w->cb(it->tag,
          a == TARGET_HTTP_STATUS_IN_SYNC ? TARGET_CLAIM_IN_SYNC : TARGET_CLAIM_FAILED,
          a == TARGET_HTTP_STATUS_IN_SYNC ? timebase_real_s() : NAN, w->arg);
    return true;
}

/* The asks that came back. */
static void collect(watch_t *w)
{
    CURLMsg *m;
    int left;

    while ((m = curl_multi_info_read(w->multi, &left)) != NULL) {
        item_t *it = NULL;
        item_t **pp;
        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&it);
        if (it == NULL || !item_answered(w, it, m->data.result))
            continue;
        for (pp = &w->items; *pp != NULL && *pp != it; pp = &(*pp)->next)
            ;
        if (*pp != NULL)
            *pp = it->next;
        item_free(w, it);
    }
}

/* Start the asks that are due, end the watches past their timeout; the
 * time until the next thing to do (ms, at most 1000). */
static int schedule(watch_t *w)
{
    int64_t now = timebase_mono_ns();
    int64_t next = now + 1000000000;
    item_t **pp = &w->items;

    while (*pp != NULL) {
        item_t *it = *pp;
        if (it->easy == NULL && now >= it->deadline) {
            log_debug("status of change %llu: no claim within the timeout (last: %s)",
                      (unsigned long long)it->tag, it->seen);
            w->cb(it->tag, TARGET_CLAIM_TIMEOUT, NAN, w->arg);
            *pp = it->next;
            item_free(w, it);
            continue;
        }
        if (it->easy == NULL && now >= it->next_at) {
            /* fixed schedule: the slots missed while an ask was out are
             * skipped, not made up in a burst */
            while (it->next_at <= now)
                it->next_at += w->freq_ns;
            if (item_ask(w, it) < 0)
                log_warn("status of change %llu: out of memory",
                         (unsigned long long)it->tag);
        }
        if (it->easy == NULL) {
            int64_t t = it->next_at < it->deadline ? it->next_at : it->deadline;
            if (t < next)
                next = t;
        } else if (it->deadline < next) {
            next = it->deadline; /* (checked again when the ask is back) */
        }
        pp = &it->next;
    }
    return next <= now ? 0 : (int)((next - now + 999999) / 1000000);
}

static void *watch_main(void *arg)
{
    watch_t *w = arg;

    for (;;) {
        item_t *in;
        bool stop;
        int running;
        pthread_mutex_lock(&w->mu);
        in = w->incoming;
        w->incoming = NULL;
        stop = w->stopping;
        pthread_mutex_unlock(&w->mu);
        while (in != NULL) {
            item_t *next = in->next;
            in->next = w->items;
            w->items = in;
            in = next;
        }
        if (stop)
            break;
        curl_multi_perform(w->multi, &running);
        collect(w);
        curl_multi_poll(w->multi, NULL, 0, schedule(w), NULL);
    }
    while (w->items != NULL) {
        item_t *it = w->items;
        w->items = it->next;
        w->cb(it->tag, TARGET_CLAIM_CANCELLED, NAN, w->arg);
        item_free(w, it);
    }
    return NULL;
}

int target_http_status_watch_add(target_watch_t *base, uint64_t tag, char *req)
{
    watch_t *w = (watch_t *)(void *)base;
    item_t *it;
    int64_t now = timebase_mono_ns();
    int ret = 0;

    if (req == NULL || req[0] < '0' || req[0] >= '0' + OP_KINDS || req[1] != ' ') {
        free(req);
        return DP_EUSAGE;
    }
    it = calloc(1, sizeof(*it));
    if (it == NULL) {
        free(req);
        return -ENOMEM;
    }
    it->tag = tag;
    it->kind = (op_kind_t)(req[0] - '0');
    memmove(req, req + 2, strlen(req + 2) + 1);
    it->url = req;
    it->next_at = now;
    it->deadline = now + w->timeout_ns;
    snprintf(it->seen, sizeof(it->seen), "no answer");
    pthread_mutex_lock(&w->mu);
    if (w->stopping) {
        ret = DP_EUSAGE;
    } else {
        it->next = w->incoming;
        w->incoming = it;
    }
    pthread_mutex_unlock(&w->mu);
    if (ret < 0) {
        free(it->url);
        free(it);
        return ret;
    }
    curl_multi_wakeup(w->multi);
    return 0;
}

void target_http_status_watch_destroy(target_watch_t *base)
{
    watch_t *w = (watch_t *)(void *)base;

    if (w->started) {
        pthread_mutex_lock(&w->mu);
        w->stopping = true;
        pthread_mutex_unlock(&w->mu);
        curl_multi_wakeup(w->multi);
        pthread_join(w->thread, NULL);
    }
    if (w->multi != NULL)
        curl_multi_cleanup(w->multi);
    curl_slist_free_all(w->hdrs);
    pthread_mutex_destroy(&w->mu);
    if (w->done != NULL)
        w->done(w->owner);
    free(w);
}

int target_http_status_watch_create(target_watch_t **out, const target_kind_t *kind,
                                    const target_http_watch_opts_t *o, char *err,
                                    size_t errlen)
{
    watch_t *w = calloc(1, sizeof(*w));
    const target_http_status_conf_t *sc = o->sc;
    double freq = sc->frequency > 0 ? sc->frequency : TARGET_HTTP_STATUS_FREQUENCY;
    double tmo = sc->timeout > 0 ? sc->timeout : o->timeout;

    if (w == NULL)
        return -ENOMEM;
    w->base.kind = kind;
    w->sc = sc;
    w->cb = o->cb;
    w->arg = o->arg;
    w->done = o->done;
    w->owner = o->owner;
    w->freq_ns = (int64_t)(freq * 1e9);
    w->timeout_ns = (int64_t)(tmo * 1e9);
    w->call_timeout = o->call_timeout;
    pthread_mutex_init(&w->mu, NULL);
    for (size_t i = 0; i < o->nheaders; i++) {
        struct curl_slist *l = curl_slist_append(w->hdrs, o->headers[i]);
        if (l == NULL)
            goto oom;
        w->hdrs = l;
    }
    w->multi = curl_multi_init();
    if (w->multi == NULL)
        goto oom;
    curl_multi_setopt(w->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)MAX_CONNECTIONS);
    if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
        snprintf(err, errlen, "status poll: cannot start its thread");
        target_http_status_watch_destroy(&w->base);
        return -EAGAIN;
    }
    w->started = true;
    *out = &w->base;
    return 0;
oom:
    snprintf(err, errlen, "status poll: out of memory");
    target_http_status_watch_destroy(&w->base);
    return -ENOMEM;
}
