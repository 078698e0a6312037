/*
 * handlers: one function per endpoint of the service (see serve_int.h and
 * README, "dnsprop serve"), run on MHD's threads. Redis is reached through
 * storage/requests.h only.
 */
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/common/errcode.h"
#include "harness/common/fmt.h"
#include "harness/common/log.h"
#include "harness/common/timebase.h"
#include "harness/serve/metrics.h"
#include "harness/serve/parse.h"
#include "harness/serve/serve_int.h"

#define IMAGE_MAX (32 * 1024 * 1024)

void serve_store_unavailable(serve_reply_t *rp, const char *err)
{
    serve_reply_error(rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL,
                      "the results store is unavailable (%s); try again", err);
}

/* The body as JSON; NULL after a 400 that says where it is not. */
json_t *serve_body_json(const char *body, size_t len, serve_reply_t *rp)
{
    json_error_t je;
    json_t *in = json_loadb(body != NULL ? body : "", len, JSON_REJECT_DUPLICATES, &je);

    if (in == NULL)
        serve_reply_error(rp, MHD_HTTP_BAD_REQUEST, "body",
                          "not valid JSON: %s (line %d, column %d)", je.text, je.line,
                          je.column);
    return in;
}

/* Digaas master's ids are integers (its clients check the type). */
static json_t *id_json(const char *id)
{
    return serve_id_is_num(id) ? json_integer(strtoll(id, NULL, 10)) : json_string(id);
}

/* The record of an accepted request: the echo, its id, when. What is not
 * known yet (status ACCEPTED, duration null, ...) is serve_record_texts'. */
void serve_accepted_fields(json_t *rec, const char *id, double now)
{
    json_object_set_new(rec, "id", id_json(id));
    json_object_set_new(rec, "accepted_at", json_real(now));
}

/* An accepted request, stored: into memory and onto the probe pool (takes
 * base and text). On failure it leaves Redis again. */
int serve_start_poll(serve_t *s, const char *id, char *base, char *text, probe_req_t *req)
{
    int ret = serve_table_insert(&s->table, id, base, text);

    metrics_count(s->metrics, "requests.accepted", 1);
    if (ret == 0) {
        req->id = strdup(id);
        ret = req->id != NULL ? probe_pool_submit(s->pool, req) : -ENOMEM;
        if (ret < 0)
            serve_table_remove(&s->table, id, false);
    }
    if (ret < 0)
        store_req_unput(s->rq, id);
    return ret;
}

/* The request an Idempotency-Key names, as a new one would be answered. */
static void reply_existing(serve_t *s, const char *id, unsigned status, serve_reply_t *rp)
{
    char err[512];
    char *text = serve_table_text(&s->table, id);
    int ret = 1;

    if (text == NULL)
        ret = store_req_get(s->rq, id, &text, err, sizeof(err));
    if (ret < 0)
        serve_store_unavailable(rp, err);
    else if (ret == 0)
        serve_reply_error(rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL,
                          "the Idempotency-Key names request %s, which is gone", id);
    else
        serve_reply_text(rp, status, text);
}

/* Redis did not confirm the write: it may still land (a paused Redis
 * applies it later). The 503 says so and gives the id; settle.c finds out
 * and polls it if it did (takes base and text, moves *req). */
static void reply_unconfirmed(serve_t *s, const char *id, char *base, char *text,
                              probe_req_t *req, const char *err, serve_reply_t *rp)
{
    json_t *jid = id_json(id);
    json_t *o;

    log_warn("serve: Redis did not confirm request %s (%s): finding out whether it "
             "landed",
             id, err);
    if (serve_settle_add(s, id, base, text, req) < 0) {
        json_decref(jid);
        serve_quota_give_back(s, id);
        serve_store_unavailable(rp, err);
        return;
    }
    o = json_pack("{s:s, s:o, s:s}", "message", "", "id", jid, "stored", "unknown");
    json_object_set_new(
        o, "message",
        json_sprintf("the results store did not confirm this request (%s); it may still "
                     "be stored: the service polls it if it was. Retry with the same "
                     "Idempotency-Key header to get it, or GET it by its id",
                     err));
    serve_reply_json(rp, MHD_HTTP_SERVICE_UNAVAILABLE, o);
}

/* A stored (or not) request's continuation: what the put's answer
 * decides (takes base, text, answer, *req). */
static void after_put(serve_t *s, int ret, const char *id, const char *other,
                      const char *err, char *base, char *text, char *answer,
                      probe_req_t *req, unsigned status, serve_reply_t *rp)
{
    if (ret == 1) {
        serve_quota_give_back(s, id);
        reply_existing(s, other, status, rp);
        goto out;
    }
    if (ret < 0) {
        reply_unconfirmed(s, id, base, text, req, err, rp);
        base = NULL;
        text = NULL;
        goto out;
    }
    ret = serve_start_poll(s, id, base, text, req);
    base = NULL;
    text = NULL;
    if (ret < 0) {
        serve_quota_give_back(s, id);
        serve_reply_error(rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "cannot poll now: %s",
                          dp_strerror(ret));
        goto out;
    }
    atomic_fetch_add(&s->accepted, 1);
    serve_reply_text(rp, status, answer);
    answer = NULL;
out:
    free(answer);
    free(text);
    free(base);
}

/* A POST waiting for the putter (its connection suspended). */
struct serve_async {
    struct serve_async *next; /* spare */
    store_req_put_t put;
    serve_t *s;
    struct MHD_Connection *conn;
    char *base;
    char *text;
    char *answer;
    probe_req_t req;
    unsigned status;
    char id[SERVE_ID_LEN + 1];
    char idem[SERVE_IDEM_MAX + 1];
};

/* The putter's answer (its thread): MHD calls on_access again, which
 * calls serve_accept_resume. */
static void on_put_done(store_req_put_t *p)
{
    MHD_resume_connection(((serve_async_t *)p->arg)->conn);
}

/* Up to ASYNC_SPARE_MAX of them are kept for the next POSTs: one is 2 KiB
 * (a probe_req_t, a put), the size at which every glibc malloc first
 * consolidates the fast bins, and the memset of a calloc'd one was 1% of
 * the HTTP thread. */
#define ASYNC_SPARE_MAX 256

static serve_async_t *async_new(serve_t *s)
{
    serve_async_t *a;

    pthread_mutex_lock(&s->async_mu);
    a = s->async_spare;
    if (a != NULL) {
        s->async_spare = a->next;
        s->async_nspare--;
    }
    pthread_mutex_unlock(&s->async_mu);
    if (a == NULL && (a = malloc(sizeof(*a))) == NULL)
        return NULL;
    /* put_async sets the rest; the put's answer fields (ret, other, err)
     * are written by the putter only when they say something: zeroed */
    memset(&a->put, 0, sizeof(a->put));
    a->base = NULL;
    a->text = NULL;
    a->answer = NULL; /* (req: put_async's copy) */
    return a;
}

void serve_async_free(serve_async_t *a)
{
    serve_t *s;

    if (a == NULL)
        return;
    s = a->s;
    free(a->base);
    free(a->text);
    free(a->answer);
    probe_req_clear(&a->req);
    pthread_mutex_lock(&s->async_mu);
    if (s->async_nspare < ASYNC_SPARE_MAX) {
        a->next = s->async_spare;
        s->async_spare = a;
        s->async_nspare++;
        a = NULL;
    }
    pthread_mutex_unlock(&s->async_mu);
    free(a);
}

void serve_async_drain(serve_t *s)
{
    while (s->async_spare != NULL) {
        serve_async_t *a = s->async_spare;
        s->async_spare = a->next;
        free(a);
    }
    s->async_nspare = 0;
}

void serve_accept_resume(serve_t *s, serve_async_t *a, serve_reply_t *rp)
{
    after_put(s, a->put.ret, a->id, a->put.other, a->put.err, a->base, a->text, a->answer,
              &a->req, a->status, rp);
    a->base = NULL;
    a->text = NULL;
    a->answer = NULL;
    serve_async_free(a);
    atomic_fetch_sub(&s->async_inflight, 1);
}

/* Hand the put to the putter and suspend the connection until it is
 * answered (takes base, text and answer, moves *req): false when the
 * service is stopping (the caller puts it itself). Counted before the
 * check, so that serve_http_stop, which sets http_closing and then waits
 * for the count to fall to 0, never stops MHD with a connection
 * suspended (MHD would abort). */
static bool put_async(serve_t *s, const serve_call_t *call, store_req_kind_t kind,
                      const char *id, char **base, char **text, char **answer,
                      probe_req_t *req, unsigned status, serve_reply_t *rp)
{
    serve_async_t *a;

    atomic_fetch_add(&s->async_inflight, 1);
    if (call->conn == NULL || atomic_load(&s->http_closing) ||
        (a = async_new(s)) == NULL) {
        atomic_fetch_sub(&s->async_inflight, 1);
        return false;
    }
    a->s = s;
    a->conn = call->conn;
    a->base = *base;
    a->text = *text;
    a->answer = *answer;
    *base = NULL;
    *text = NULL;
    *answer = NULL;
    a->req = *req; /* moved: the caller's is left empty */
    probe_req_init(req);
    a->status = status;
    fmt_copy(a->id, sizeof(a->id), id);
    fmt_copy(a->idem, sizeof(a->idem), call->idem != NULL ? call->idem : "");
    a->put.kind = kind;
    a->put.id = a->id;
    a->put.text = a->text;
    a->put.start = a->req.start_time;
    a->put.timeout = a->req.timeout;
    a->put.idem = call->idem != NULL ? a->idem : NULL;
    a->put.done = on_put_done;
    a->put.arg = a;
    *call->async = a;
    rp->suspended = true;
    /* suspended before the put is queued: its answer may come at once */
    MHD_suspend_connection(call->conn);
    store_req_put_async(s->rq, &a->put);
    return true;
}

/* An accepted request's texts (taken; NULL: no memory) once its quota is
 * taken: stored, then polled and answered. */
static void accept_texts(serve_t *s, const serve_call_t *call, store_req_kind_t kind,
                         const char *id, char *base, char *text, probe_req_t *req,
                         unsigned status, serve_reply_t *rp)
{
    char err[512] = "";
    char other[SERVE_ID_LEN + 1] = "";
    char *answer = text != NULL ? strdup(text) : NULL;
    int ret;

    if (answer == NULL) {
        serve_quota_give_back(s, id);
        serve_reply_error(rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "out of memory");
        goto out;
    }
    /* In Redis before the 202: an accepted request survives a crash. */
    if (put_async(s, call, kind, id, &base, &text, &answer, req, status, rp))
        goto out;
    ret = store_req_put_once(s->rq, kind, id, text, req->start_time, req->timeout,
                             call->idem, other, sizeof(other), err, sizeof(err));
    after_put(s, ret, id, other, err, base, text, answer, req, status, rp);
    base = NULL;
    text = NULL;
    answer = NULL;
out:
    free(answer);
    free(text);
    free(base);
}

void serve_accept_poll(serve_t *s, const serve_call_t *call, store_req_kind_t kind,
                       const char *id, json_t *rec, probe_req_t *req, unsigned status,
                       serve_reply_t *rp)
{
    char *base = NULL;
    char *text = NULL;

    if (serve_quota_take(s, id, call->client, req, rp)) {
        /* the tree ends here, on the thread that made it: the table
         * keeps text */
        serve_record_texts(rec, &base, &text);
        accept_texts(s, call, kind, id, base, text, req, status, rp);
    }
    json_decref(rec);
}

void serve_post_request(serve_t *s, const serve_call_t *call, const char *body,
                        size_t len, serve_reply_t *rp)
{
    json_t *in = NULL;
    char *echo = NULL;
    char *base = NULL;
    char *text = NULL;
    probe_req_t req;
    char field[64] = "";
    char msg[1200] = "";
    char id[SERVE_ID_LEN + 1];
    /* to the microsecond, as the results' times (and written fast) */
    double now = round(timebase_real_s() * 1e6) / 1e6;

    probe_req_init(&req);
    req.keep_queries = true; /* Digaas's query statistics (dstats.c) */
    in = serve_body_json(body, len, rp);
    if (in == NULL)
        goto out;
    if (serve_request_parse_text(in, now, &req, &echo, field, sizeof(field), msg,
                                 sizeof(msg)) < 0) {
        if (field[0] == '\0')
            serve_reply_error(rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "out of memory");
        else
            serve_reply_error(rp, MHD_HTTP_BAD_REQUEST, field, "%s", msg);
        goto out;
    }
    if (!serve_limits_request(s, &req, "frequency", rp))
        goto out;
    serve_new_id(id);
    /* the record as text from the start: no tree on the way (the echo's
     * text and serve_accepted_fields' id and time, as a tree's would be) */
    if (serve_quota_take(s, id, call->client, &req, rp)) {
        serve_echo_texts(echo, id, now, &base, &text);
        echo = NULL;
        accept_texts(s, call, STORE_REQ_POLL, id, base, text, &req, MHD_HTTP_ACCEPTED,
                     rp);
    }
out:
    free(echo);
    json_decref(in);
    probe_req_clear(&req);
}

/* GET /requests/<id>: memory first, then Redis. */
void serve_get_request(serve_t *s, const char *id, serve_reply_t *rp)
{
    char err[512];
    char *text = serve_table_text(&s->table, id);
    int ret;

    if (text != NULL) {
        serve_reply_text(rp, MHD_HTTP_OK, text);
        return;
    }
    ret = store_req_get(s->rq, id, &text, err, sizeof(err));
    if (ret < 0)
        serve_store_unavailable(rp, err);
    else if (ret == 0)
        serve_reply_error(rp, MHD_HTTP_NOT_FOUND, NULL, "no request with id %s", id);
    else
        serve_reply_text(rp, MHD_HTTP_OK, text);
}

void serve_post_stats(serve_t *s, const char *body, size_t len, serve_reply_t *rp)
{
    char field[64] = "";
    char msg[512] = "";
    json_t *in = NULL;
    json_t *rec = NULL;
    char id[SERVE_ID_LEN + 1];
    double start;
    double end;

    in = serve_body_json(body, len, rp);
    if (in == NULL)
        goto out;
    /* Digaas master's clients send {start, end}; /poll_requests's
     * {start_time, end_time} */
    if (json_is_object(in) && json_object_get(in, "start_time") == NULL &&
        json_object_get(in, "end_time") == NULL &&
        (json_object_get(in, "start") != NULL || json_object_get(in, "end") != NULL)) {
        serve_post_dstats(s, in, rp);
        goto out;
    }
    if (serve_stats_parse(in, &start, &end, field, sizeof(field), msg, sizeof(msg)) < 0) {
        serve_reply_error(rp, MHD_HTTP_BAD_REQUEST, field, "%s", msg);
        goto out;
    }
    serve_new_id(id);
    rec = json_pack("{s:s, s:s, s:f, s:f, s:n, s:[], s:n, s:n, s:n, s:f}", "id", id,
                    "status", "ACCEPTED", "start_time", start, "end_time", end,
                    "image_id", "image_ids", "requests", "pending", "reason",
                    "created_at", timebase_real_s());
    serve_stats_accept(s, id, rec, MHD_HTTP_ACCEPTED, rp);
    /* designate-locust's fetch_plot GETs /stats/{id} one second later and
     * takes the first 200 as done, image_id and all (Digaas's gnuplot was
     * that fast): the 202 waits for the plot, up to SERVE_STATS_POST_WAIT_MS
     * (the body still says ACCEPTED, as Digaas's) */
    if (rp->status == MHD_HTTP_ACCEPTED)
        serve_stats_wait(s, id, SERVE_STATS_POST_WAIT_MS);
out:
    json_decref(rec);
    json_decref(in);
}

void serve_stats_accept(serve_t *s, const char *id, const json_t *rec, unsigned status,
                        serve_reply_t *rp)
{
    char err[512];
    char *text = rec != NULL ? jsonw_dumps(rec) : NULL;

    if (text == NULL) {
        serve_reply_error(rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "out of memory");
        return;
    }
    if (store_req_stats_new(s->rq, id, text, err, sizeof(err)) < 0) {
        serve_store_unavailable(rp, err);
        free(text);
        return;
    }
    serve_stats_push(s, id);
    serve_reply_text(rp, status, text); /* takes text */
}

/* The summary of stats that are computed (409 while they are not). */
static void get_summary(serve_t *s, const char *id, serve_reply_t *rp)
{
    json_t *rec = NULL;
    char err[512];
    char *text = NULL;
    const char *st;
    int ret = store_req_stats_get(s->rq, id, false, &text, err, sizeof(err));

    if (ret == 1) {
        rec = json_loads(text, 0, NULL);
        free(text);
        text = NULL;
        st = json_string_value(json_object_get(rec, "status"));
        if (st != NULL && strcmp(st, "ACCEPTED") == 0) {
            serve_reply_error(rp, MHD_HTTP_CONFLICT, NULL,
                              "stats %s are not computed yet (status ACCEPTED): GET "
                              "/stats/%s until COMPLETED",
                              id, id);
            goto out;
        }
        ret = store_req_stats_get(s->rq, id, true, &text, err, sizeof(err));
    }
    if (ret < 0) {
        serve_store_unavailable(rp, err);
    } else if (ret == 0) {
        serve_reply_error(rp, MHD_HTTP_NOT_FOUND, NULL, "no stats summary with id %s",
                          id);
    } else {
        serve_reply_text(rp, MHD_HTTP_OK, text);
        text = NULL;
    }
out:
    free(text);
    json_decref(rec);
}

void serve_get_stats(serve_t *s, const char *id, bool summary, serve_reply_t *rp)
{
    char err[512];
    char *text = NULL;
    int ret;

    if (summary) {
        get_summary(s, id, rp);
        return;
    }
    ret = store_req_stats_get(s->rq, id, false, &text, err, sizeof(err));
    if (ret < 0)
        serve_store_unavailable(rp, err);
    else if (ret == 0)
        serve_reply_error(rp, MHD_HTTP_NOT_FOUND, NULL, "no stats request with id %s",
                          id);
    else
        serve_reply_text(rp, MHD_HTTP_OK, text);
}

/* <stats id>-<plot>, plot in [a-z0-9_]: the path of its PNG, or false. */
static bool image_path(const serve_t *s, const char *id, size_t n, char *path,
                       size_t pathlen)
{
    char plot[64];
    size_t i;

    if (n <= SERVE_ID_LEN + 1 || n - SERVE_ID_LEN - 1 >= sizeof(plot) ||
        !serve_valid_id(id, SERVE_ID_LEN) || id[SERVE_ID_LEN] != '-')
        return false;
    memcpy(plot, id + SERVE_ID_LEN + 1, n - SERVE_ID_LEN - 1);
    plot[n - SERVE_ID_LEN - 1] = '\0';
    for (i = 0; plot[i] != '\0'; i++) {
        if (!((plot[i] >= 'a' && plot[i] <= 'z') || (plot[i] >= '0' && plot[i] <= '9') ||
              plot[i] == '_'))
            return false;
    }
    snprintf(path, pathlen, "%s/serve/stats-%.*s/%s.png", s->results, SERVE_ID_LEN, id,
             plot);
    return true;
}

bool serve_reply_png(serve_reply_t *rp, const char *path)
{
    struct stat sb;
    FILE *f = fopen(path, "rb");
    char *data = NULL;

    if (f == NULL)
        return false;
    if (fstat(fileno(f), &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > IMAGE_MAX) {
        fclose(f);
        return false;
    }
    data = malloc((size_t)sb.st_size + 1);
    if (data == NULL || fread(data, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
        free(data);
        fclose(f);
        serve_reply_error(rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "cannot read an image");
        return true;
    }
    fclose(f);
    free(rp->body);
    rp->status = MHD_HTTP_OK;
    rp->ctype = "image/png";
    rp->body = data;
    rp->len = (size_t)sb.st_size;
    return true;
}

void serve_get_image(serve_t *s, const char *id, size_t n, serve_reply_t *rp)
{
    char path[4096];

    if (image_path(s, id, n, path, sizeof(path)) && serve_reply_png(rp, path))
        return;
    serve_reply_error(rp, MHD_HTTP_NOT_FOUND, NULL, "no image with id %.*s",
                      (int)(n > 200 ? 200 : n), id);
}
