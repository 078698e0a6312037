/*
 * http: the service's HTTP side on libmicrohttpd (see serve_int.h): bodies
 * as they arrive (with the size limit), the bearer token, the routes and
 * the replies, and the bounds on connections (how many, per client, how
 * slow). The endpoints themselves are in handlers.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "harness/common/buf.h"
#include "harness/common/log.h"
#include "harness/common/numparse.h"
#include "harness/common/timebase.h"
#include "harness/common/vec.h"
#include "harness/serve/serve_int.h"

#define DISCARD_FACTOR 16 /* bytes of an oversized chunked body read before closing */

/* ---- replies ------------------------------------------------------------------ */

void serve_reply_text(serve_reply_t *rp, unsigned status, char *text)
{
    size_t n;
    size_t cap;

    free(rp->body);
    rp->status = status;
    rp->ctype = "application/json";
    if (text == NULL) {
        rp->status = MHD_HTTP_SERVICE_UNAVAILABLE;
        text = strdup("{\"message\":\"out of memory\"}");
    }
    n = text != NULL ? strlen(text) : 0;
    cap = n + 1;
    /* a final newline, for people reading curl's output */
    if (text != NULL && VEC_RESERVE(text, cap, n + 2) == 0) {
        text[n++] = '\n';
        text[n] = '\0';
    }
    rp->body = text;
    rp->len = n;
}

void serve_reply_json(serve_reply_t *rp, unsigned status, json_t *o)
{
    serve_reply_text(rp, status, o != NULL ? jsonw_dumps(o) : NULL);
    json_decref(o);
}

void serve_reply_error(serve_reply_t *rp, unsigned status, const char *field,
                       const char *fmt, ...)
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
    serve_reply_json(rp, status, o);
}

/* ---- routes ---------------------------------------------------------------------- */

static bool is_get(const char *m)
{
    return strcmp(m, MHD_HTTP_METHOD_GET) == 0 || strcmp(m, MHD_HTTP_METHOD_HEAD) == 0;
}

static bool is_post(const char *m)
{
    return strcmp(m, MHD_HTTP_METHOD_POST) == 0;
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
    if (!serve_valid_id(rest, rn))
        return false;
    memcpy(id, rest, SERVE_ID_LEN);
    id[SERVE_ID_LEN] = '\0';
    return true;
}

static void not_allowed_get(serve_reply_t *rp, const char *method)
{
    rp->allow = "GET, HEAD";
    serve_reply_error(rp, MHD_HTTP_METHOD_NOT_ALLOWED, NULL,
                      "%s is not allowed here; use GET", method);
}

static void not_found(serve_reply_t *rp, const char *url, size_t n)
{
    serve_reply_error(rp, MHD_HTTP_NOT_FOUND, NULL, "nothing at %.*s",
                      (int)(n > 200 ? 200 : n), url);
}

/* The endpoints a POST reaches: /requests (or /poll_requests),
 * /observers, /stats. */
static bool route_post(serve_t *s, const serve_call_t *call, const char *method,
                       const char *url, size_t n, const char *body, size_t len,
                       serve_reply_t *rp)
{
    bool reqs = path_is(url, n, "/requests") || path_is(url, n, "/poll_requests");
    bool obs = !reqs && path_is(url, n, "/observers");

    if (!reqs && !obs && !path_is(url, n, "/stats"))
        return false;
    if (!is_post(method)) {
        rp->allow = "POST";
        if (reqs || obs)
            serve_reply_error(rp, MHD_HTTP_METHOD_NOT_ALLOWED, NULL,
                              "POST a poll request here; GET %.*s/{id} reads one", (int)n,
                              url);
        else
            serve_reply_error(rp, MHD_HTTP_METHOD_NOT_ALLOWED, NULL,
                              "POST {start_time, end_time} (or Digaas's {start, end}) "
                              "here; GET /stats/{id} reads one");
    } else if (reqs) {
        serve_post_request(s, call, body, len, rp);
    } else if (obs) {
        serve_post_observer(s, call, body, len, rp);
    } else {
        serve_post_stats(s, body, len, rp);
    }
    return true;
}

/* GET /stats/<id>[/summary | /plots/<plot>]: rest is what follows
 * "/stats/"; a UUID (/poll_requests's stats) or an integer (Digaas
 * master's). */
static void route_stats(serve_t *s, const char *url, size_t n, const char *rest,
                        size_t rn, serve_reply_t *rp)
{
    const char *slash = memchr(rest, '/', rn);
    size_t idn = slash != NULL ? (size_t)(slash - rest) : rn;
    const char *tail = rest + idn;
    size_t tn = rn - idn;
    bool num = serve_valid_num_id(rest, idn);
    char id[SERVE_ID_LEN + 1];

    if (!num && !serve_valid_id(rest, idn)) {
        not_found(rp, url, n);
        return;
    }
    memcpy(id, rest, idn);
    id[idn] = '\0';
    if (tn == 0)
        serve_get_stats(s, id, false, rp);
    else if (tn == strlen("/summary") && strncmp(tail, "/summary", tn) == 0)
        serve_get_stats(s, id, true, rp);
    else if (num && tn > strlen("/plots/") && strncmp(tail, "/plots/", 7) == 0)
        serve_get_dstats_plot(s, id, tail + 7, tn - 7, rp);
    else
        not_found(rp, url, n);
}

/* The endpoints a GET reaches under /requests/, /poll_requests/,
 * /observers/, /stats/ and /images/, and /stats-file. */
static bool route_get(serve_t *s, struct MHD_Connection *conn, const char *method,
                      const char *url, size_t n, serve_reply_t *rp)
{
    const char *rest = NULL;
    size_t rn = 0;
    char id[SERVE_ID_LEN + 1];
    bool req = path_under(url, n, "/requests/", &rest, &rn) ||
               path_under(url, n, "/poll_requests/", &rest, &rn);
    bool obs = !req && path_under(url, n, "/observers/", &rest, &rn);
    bool stats = !req && !obs && path_under(url, n, "/stats/", &rest, &rn);
    bool image = !req && !obs && !stats && path_under(url, n, "/images/", &rest, &rn);
    bool sfile = path_is(url, n, "/stats-file");

    if (!req && !obs && !stats && !image && !sfile)
        return false;
    if (!is_get(method)) {
        not_allowed_get(rp, method);
    } else if (sfile) {
        serve_get_stats_file(
            s, MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "start_time"),
            MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "end_time"), rp);
    } else if (image) {
        serve_get_image(s, rest, rn, rp);
    } else if (stats) {
        route_stats(s, url, n, rest, rn, rp);
    } else if (obs && serve_valid_num_id(rest, rn)) {
        memcpy(id, rest, rn);
        id[rn] = '\0';
        serve_get_request(s, id, rp);
    } else if (!obs && url_id(rest, rn, id)) {
        serve_get_request(s, id, rp);
    } else {
        not_found(rp, url, n);
    }
    return true;
}

/* GET /: Digaas's version document, which both generations' clients read
 * ("service" must be "digaas": old-master's tests and designate-locust's
 * ping check; master's spec also wants "version" 0.0.2), and ours beside
 * it. */
static json_t *version_doc(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:[s, s, s]}", "service", "digaas", "version",
                     "0.0.2", "implementation", "dnsprop", "dnsprop_version", "0.1.0",
                     "apis", "/requests", "/poll_requests", "/observers");
}

/* The client's address as text: the key of the per-client limits. */
static void client_of(struct MHD_Connection *conn, char *out, size_t outlen)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;

    snprintf(out, outlen, "?");
    if (sa != NULL && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                  out, (socklen_t)outlen);
    else if (sa != NULL && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)outlen);
}

/* An Idempotency-Key (draft-ietf-httpapi-idempotency-key-header: a
 * client-made unique string): 1 to SERVE_IDEM_MAX printable ASCII
 * characters, no blanks (it becomes part of a Redis key). */
static bool idem_ok(const char *k)
{
    size_t i;

    for (i = 0; k[i] != '\0'; i++) {
        if (k[i] <= ' ' || k[i] > '~' || i >= SERVE_IDEM_MAX)
            return false;
    }
    return i > 0;
}

static void route(serve_t *s, struct MHD_Connection *conn, serve_async_t **async,
                  const char *method, const char *url, const char *body, size_t len,
                  serve_reply_t *rp)
{
    size_t n = strlen(url);
    char client[INET6_ADDRSTRLEN + 1];
    serve_call_t call = {client, NULL, conn, async};

    client_of(conn, client, sizeof(client));
    call.idem = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Idempotency-Key");
    if (call.idem != NULL && !idem_ok(call.idem)) {
        serve_reply_error(rp, MHD_HTTP_BAD_REQUEST, "Idempotency-Key",
                          "must be 1 to %d printable ASCII characters without blanks "
                          "(a UUID will do)",
                          SERVE_IDEM_MAX);
        return;
    }

    while (n > 1 && url[n - 1] == '/')
        n--; /* "/requests/" is "/requests" */
    if (n <= 1) {
        if (!is_get(method))
            not_allowed_get(rp, method);
        else
            serve_reply_json(rp, MHD_HTTP_OK, version_doc());
        return;
    }
    if (!route_post(s, &call, method, url, n, body, len, rp) &&
        !route_get(s, conn, method, url, n, rp))
        not_found(rp, url, n);
}

/* ---- slow clients ------------------------------------------------------------------ */

/* MHD's own connection timeout is an idle timeout: a client that sends a
 * header line every few seconds keeps a connection for ever, and enough
 * of them fill the connection limit (issue 12, case 4, slowloris). So
 * each connection is tracked from its start (MHD_OPTION_NOTIFY_CONNECTION)
 * and a reaper thread shuts down (shutdown(2), MHD then closes it) any
 * that has spent more than the request timeout on one request: headers
 * and body, from its first byte (the connection's start, or its request
 * line on a kept-alive connection) to the last. Answers and idle
 * kept-alive connections are MHD's idle timeout's. */
typedef struct hconn {
    struct hconn *prev;
    struct hconn *next;
    int fd;
    int64_t since_ns; /* when the request being read began (monotonic) */
    bool reading;     /* a request is arriving: the request timeout applies */
    bool cut;         /* shut down by the reaper */
} hconn_t;

#define REAP_EVERY_MS 250
#define LOG_WINDOW_S  10 /* MHD's messages: at most LOG_BURST per window */
#define LOG_BURST     10

struct serve_http {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    hconn_t *head;
    bool stop;
    pthread_t reaper;
    bool started;
    int64_t timeout_ns;
    uint64_t cut_unlogged; /* under mu */
    int64_t cut_logged_ns;
    /* MHD's messages, counted per window: a flood of clients is a flood of
     * "connection closed" lines otherwise */
    pthread_mutex_t log_mu;
    int64_t log_window;
    unsigned log_n;
    unsigned log_dropped;
};

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct serve_http *h = ((serve_t *)cls)->http;
    hconn_t *hc = *socket_context;
    const union MHD_ConnectionInfo *ci;

    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        hc = calloc(1, sizeof(*hc));
        if (hc == NULL || ci == NULL) {
            free(hc); /* untracked: only MHD's idle timeout applies */
            return;
        }
        hc->fd = ci->connect_fd;
        hc->since_ns = timebase_mono_ns();
        hc->reading = true;
        pthread_mutex_lock(&h->mu);
        hc->next = h->head;
        if (h->head != NULL)
            h->head->prev = hc;
        h->head = hc;
        pthread_mutex_unlock(&h->mu);
        *socket_context = hc;
        return;
    }
    if (hc == NULL)
        return;
    /* MHD closes the socket after this call: the reaper never touches a
     * descriptor number that may have been given to another connection */
    pthread_mutex_lock(&h->mu);
    if (hc->prev != NULL)
        hc->prev->next = hc->next;
    else
        h->head = hc->next;
    if (hc->next != NULL)
        hc->next->prev = hc->prev;
    pthread_mutex_unlock(&h->mu);
    free(hc);
    *socket_context = NULL;
}

/* A request begins (reading) or has been read whole. */
static void mark_reading(serve_t *s, struct MHD_Connection *conn, bool reading)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    hconn_t *hc = ci != NULL ? ci->socket_context : NULL;

    if (hc == NULL)
        return;
    pthread_mutex_lock(&s->http->mu);
    if (reading && !hc->reading)
        hc->since_ns = timebase_mono_ns();
    hc->reading = reading;
    pthread_mutex_unlock(&s->http->mu);
}

/* MHD_OPTION_URI_LOG_CALLBACK: a request line has arrived. What it
 * returns becomes the request's con_cls: NULL, as on_access expects. */
static void *on_request_line(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)uri;
    mark_reading(cls, conn, true);
    return NULL;
}

/* Under h->mu: shut down what is too slow; how many. */
static unsigned reap(struct serve_http *h, int64_t now)
{
    unsigned n = 0;
    hconn_t *hc;

    for (hc = h->head; hc != NULL; hc = hc->next) {
        if (!hc->reading || hc->cut || now - hc->since_ns <= h->timeout_ns)
            continue;
        shutdown(hc->fd, SHUT_RDWR);
        hc->cut = true;
        n++;
    }
    return n;
}

static void *reaper_main(void *arg)
{
    struct serve_http *h = arg;

    pthread_mutex_lock(&h->mu);
    while (!h->stop) {
        int64_t now;
        timebase_cond_wait_ms(&h->cond, &h->mu, REAP_EVERY_MS);
        now = timebase_mono_ns();
        h->cut_unlogged += reap(h, now);
        if (h->cut_unlogged > 0 && now - h->cut_logged_ns >= LOG_WINDOW_S * TB_NS_PER_S) {
            log_warn("serve: http: closed %llu connections that took more than %lld s to "
                     "send a request (--request-timeout)",
                     (unsigned long long)h->cut_unlogged,
                     (long long)(h->timeout_ns / TB_NS_PER_S));
            h->cut_unlogged = 0;
            h->cut_logged_ns = now;
        }
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

/* ---- libmicrohttpd glue ------------------------------------------------------------ */

/* Per HTTP request: the body, as it arrives; what a suspended POST waits
 * with. */
typedef struct {
    buf_t body;
    size_t seen;
    bool too_big;
    serve_async_t *async;
} conn_t;

static enum MHD_Result send_reply(struct MHD_Connection *conn, serve_reply_t *rp)
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

/* MHD_get_connection_values_n: the bytes of a request's header lines. */
static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    (void)key;
    (void)value;
    *(size_t *)cls += key_size + value_size + 4; /* ": " and CRLF */
    return MHD_YES;
}

/* A request's first call (headers only): answered before any body is read
 * when it is not authorised, has too long a request line and headers, or
 * announces too large a body (MHD then discards the rest and closes the
 * connection). */
static enum MHD_Result on_headers(serve_t *s, struct MHD_Connection *conn,
                                  const char *url, void **con_cls)
{
    serve_reply_t rp;
    const char *cl;
    uint64_t clen;
    size_t hbytes = strlen(url);
    conn_t *cs = calloc(1, sizeof(*cs));

    if (cs == NULL)
        return MHD_NO;
    *con_cls = cs;
    memset(&rp, 0, sizeof(rp));
    if (!authorised(s, conn)) {
        rp.challenge = true;
        serve_reply_error(&rp, MHD_HTTP_UNAUTHORIZED, NULL,
                          "this service needs \"Authorization: Bearer <token>\" (the "
                          "token of its --token-file)");
        return send_reply(conn, &rp);
    }
    /* Headers that leave the connection's memory (SERVE_CONN_POOL) too
     * little for a reply's own are refused before anything is stored:
     * MHD would run the request and then close the connection, a POST
     * stored and never answered (RFC 6585 section 5). */
    MHD_get_connection_values_n(conn, MHD_HEADER_KIND, count_header, &hbytes);
    if (hbytes > SERVE_MAX_HEADER_BYTES) {
        serve_reply_error(&rp, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE, NULL,
                          "the request line and headers take %zu bytes; at most %d are "
                          "read",
                          hbytes, SERVE_MAX_HEADER_BYTES);
        return send_reply(conn, &rp);
    }
    cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl != NULL && numparse_u64(cl, UINT64_MAX, &clen) == 0 && clen > s->max_body) {
        serve_reply_error(&rp, MHD_HTTP_CONTENT_TOO_LARGE, "body",
                          "%llu bytes; at most %zu are accepted",
                          (unsigned long long)clen, s->max_body);
        return send_reply(conn, &rp);
    }
    return MHD_YES;
}

/* A piece of the body. A chunked body has no length to check first: read
 * on, keep nothing once over the limit, answer 413 at its end (MHD cannot
 * answer in the middle of an upload); close on a flood. */
static enum MHD_Result on_upload(serve_t *s, conn_t *cs, const char *data, size_t n)
{
    cs->seen += n;
    if (!cs->too_big && cs->body.len + n > s->max_body) {
        cs->too_big = true;
        buf_free(&cs->body);
    }
    if (!cs->too_big)
        buf_add(&cs->body, data, n);
    if (cs->too_big && cs->seen > DISCARD_FACTOR * s->max_body)
        return MHD_NO;
    return MHD_YES;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **con_cls)
{
    serve_t *s = cls;
    conn_t *cs = *con_cls;
    serve_reply_t rp;

    (void)version;
    if (cs == NULL)
        return on_headers(s, conn, url, con_cls);
    memset(&rp, 0, sizeof(rp));
    if (cs->async != NULL) {
        /* resumed: the put is answered */
        serve_accept_resume(s, cs->async, &rp);
        cs->async = NULL;
        return send_reply(conn, &rp);
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        return on_upload(s, cs, upload_data, n);
    }
    mark_reading(s, conn, false);
    if (cs->too_big) {
        serve_reply_error(&rp, MHD_HTTP_CONTENT_TOO_LARGE, "body",
                          "at most %zu bytes are accepted", s->max_body);
    } else if (cs->body.oom) {
        serve_reply_error(&rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "out of memory");
    } else {
        route(s, conn, &cs->async, method, url, cs->body.p, cs->body.len, &rp);
    }
    if (rp.suspended)
        return MHD_YES; /* answered when resumed */
    return send_reply(conn, &rp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    conn_t *cs = *con_cls;
    serve_reply_t rp;

    (void)toe;
    /* answered (or given up): a kept-alive connection is idle now */
    mark_reading(cls, conn, false);
    if (cs == NULL)
        return;
    if (cs->async != NULL) {
        /* resumed, but the client went away before its answer: the
         * request is polled (or settled) all the same, as if answered */
        memset(&rp, 0, sizeof(rp));
        serve_accept_resume(cls, cs->async, &rp);
        free(rp.body);
    }
    buf_free(&cs->body);
    free(cs);
    *con_cls = NULL;
}

/* MHD's own messages (printf format from MHD) through our logger. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Under h->log_mu: may this message go out? */
static bool log_allowed(struct serve_http *h)
{
    int64_t w = timebase_mono_ns() / (LOG_WINDOW_S * TB_NS_PER_S);

    if (w != h->log_window) {
        if (h->log_dropped > 0)
            log_warn("serve: http: %u more messages of the HTTP library in %d s were "
                     "not shown",
                     h->log_dropped, LOG_WINDOW_S);
        h->log_window = w;
        h->log_n = 0;
        h->log_dropped = 0;
    }
    if (h->log_n >= LOG_BURST) {
        h->log_dropped++;
        return false;
    }
    h->log_n++;
    return true;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct serve_http *h = ((serve_t *)cls)->http;
    char msg[512];
    size_t n;
    bool ok;

    pthread_mutex_lock(&h->log_mu);
    ok = log_allowed(h);
    pthread_mutex_unlock(&h->log_mu);
    if (!ok)
        return;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n > 0 && msg[n - 1] == '\n')
        msg[--n] = '\0';
    log_warn("serve: http: %s", msg);
}

/* "127.0.0.1:9090" or "[::1]:9090" with the port MHD bound. */
static void set_where(serve_t *s, const struct sockaddr_storage *ss)
{
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info != NULL ? info->port : 0;
    char host[INET6_ADDRSTRLEN];

    if (ss->ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, host,
                  sizeof(host));
        snprintf(s->where, sizeof(s->where), "[%s]:%u", host, port);
    } else {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, host,
                  sizeof(host));
        snprintf(s->where, sizeof(s->where), "%s:%u", host, port);
    }
}

/* The connection list, its reaper and the log's counters. */
static int http_state(serve_t *s, char *err, size_t errlen)
{
    struct serve_http *h = calloc(1, sizeof(*h));
    int ret;

    if (h == NULL) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    pthread_mutex_init(&h->mu, NULL);
    pthread_mutex_init(&h->log_mu, NULL);
    pthread_cond_init(&h->cond, NULL);
    h->timeout_ns = (int64_t)s->lim.request_timeout_s * TB_NS_PER_S;
    h->log_window = -1;
    s->http = h;
    ret = -pthread_create(&h->reaper, NULL, reaper_main, h);
    if (ret < 0) {
        snprintf(err, errlen, "cannot start the HTTP reaper: %s", strerror(-ret));
        return ret;
    }
    pthread_setname_np(h->reaper, "dp-reaper");
    h->started = true;
    return 0;
}

int serve_http_start(serve_t *s, const struct sockaddr_storage *ss, const char *listen,
                     unsigned http_threads, char *err, size_t errlen)
{
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    const serve_limits_t *lim = &s->lim;
    bool use_poll;
    int ret = http_state(s, err, errlen);

    if (ret < 0)
        return ret;
    /* poll(2) up to SERVE_POLL_MAX_CONNS connections, epoll beyond. Each
     * POST suspends its connection until Redis has its request, and MHD's
     * epoll mode takes a suspended socket out of its set and puts it back
     * (two epoll_ctl), then reads to EAGAIN (edge-triggered): 7.5 system
     * calls on the HTTP thread per POST against 3 with poll, whose one
     * call per round walks every connection (`make bench`, step 5). */
    use_poll = lim->max_connections <= SERVE_POLL_MAX_CONNS;
    flags |= use_poll ? MHD_USE_POLL : MHD_USE_EPOLL;
    s->http_wait = use_poll ? "poll" : "epoll";
    s->http_threads = http_threads > 0 ? http_threads : 2;
    if (ss->ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* the logger first: MHD logs its own way until it has seen it */
    s->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, on_access, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)ss, MHD_OPTION_THREAD_POOL_SIZE,
        s->http_threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_URI_LOG_CALLBACK,
        on_request_line, s, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_CONN_POOL,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)lim->idle_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)lim->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)lim->max_connections_per_client,
        MHD_OPTION_END);
    if (s->mhd == NULL) {
        snprintf(err, errlen,
                 "cannot listen on %s (in use? not an address of this host?)", listen);
        return -EADDRINUSE;
    }
    set_where(s, ss);
    return 0;
}

void serve_http_stop(serve_t *s)
{
    struct serve_http *h = s->http;

    /* No connection may be suspended when MHD stops (it aborts): no new
     * suspensions, and those waiting get their answers (the putter answers
     * each within its Redis timeouts). */
    atomic_store(&s->http_closing, true);
    while (s->mhd != NULL && atomic_load(&s->async_inflight) > 0) {
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    /* MHD next: its connections' CLOSED notices empty the list */
    if (s->mhd != NULL)
        MHD_stop_daemon(s->mhd);
    s->mhd = NULL;
    if (h == NULL)
        return;
    if (h->started) {
        pthread_mutex_lock(&h->mu);
        h->stop = true;
        pthread_cond_signal(&h->cond);
        pthread_mutex_unlock(&h->mu);
        pthread_join(h->reaper, NULL);
    }
    while (h->head != NULL) {
        hconn_t *hc = h->head;
        h->head = hc->next;
        free(hc);
    }
    pthread_mutex_destroy(&h->mu);
    pthread_mutex_destroy(&h->log_mu);
    pthread_cond_destroy(&h->cond);
    free(h);
    s->http = NULL;
}
