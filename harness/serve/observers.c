/*
 * observers: Digaas master's API (pglass/digaas, README "API Overview":
 * POST /observers, GET /observers/{id}, POST /stats {start, end}, GET
 * /stats/{id}/plots/{type}) and old-master's raw-data endpoint GET
 * /stats-file, on MHD's threads (see serve_int.h). Observers are poll
 * requests under integer ids (a Redis counter, so that ids survive a
 * restart), polled, stored, finished and resumed as the others are.
 */
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness/common/buf.h"
#include "harness/common/errcode.h"
#include "harness/common/log.h"
#include "harness/common/timebase.h"
#include "harness/serve/parse.h"
#include "harness/serve/serve_int.h"

/* A new integer id from the counter, as text. */
static int next_id(serve_t *s, const char *counter, char id[SERVE_ID_LEN + 1],
                   serve_reply_t *rp)
{
    unsigned long long n;
    char err[512];

    if (store_req_next_id(s->rq, counter, &n, err, sizeof(err)) < 0) {
        log_warn("serve: cannot get an id: %s", err);
        serve_store_unavailable(rp, err);
        return -EIO;
    }
    snprintf(id, SERVE_ID_LEN + 1, "%llu", n);
    return 0;
}

/* Stored, then polled; 201 with Digaas's echo (takes rec). */
static void accept_observer(serve_t *s, const serve_call_t *call, json_t *rec,
                            probe_req_t *req, double now, serve_reply_t *rp)
{
    char id[SERVE_ID_LEN + 1];

    if (next_id(s, "observers", id, rp) < 0) {
        json_decref(rec);
        return;
    }
    serve_accepted_fields(rec, id, now);
    serve_accept_poll(s, call, STORE_REQ_OBSERVER, id, rec, req, MHD_HTTP_CREATED, rp);
}

void serve_post_observer(serve_t *s, const serve_call_t *call, const char *body,
                         size_t len, serve_reply_t *rp)
{
    json_t *in = serve_body_json(body, len, rp);
    json_t *rec = NULL;
    probe_req_t req;
    char field[64] = "";
    char msg[1200] = "";
    double now = timebase_real_s();

    probe_req_init(&req);
    req.keep_queries = true; /* Digaas's query statistics (dstats.c) */
    if (in == NULL)
        goto out;
    if (serve_observer_parse(in, now, &req, &rec, field, sizeof(field), msg,
                             sizeof(msg)) < 0) {
        if (field[0] == '\0')
            serve_reply_error(rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "out of memory");
        else
            serve_reply_error(rp, MHD_HTTP_BAD_REQUEST, field, "%s", msg);
        goto out;
    }
    if (!serve_limits_request(s, &req, "interval", rp)) {
        json_decref(rec);
        goto out;
    }
    accept_observer(s, call, rec, &req, now, rp);
out:
    json_decref(in);
    probe_req_clear(&req);
}

void serve_post_dstats(serve_t *s, const json_t *in, serve_reply_t *rp)
{
    char field[64] = "";
    char msg[512] = "";
    char id[SERVE_ID_LEN + 1];
    json_t *rec = NULL;
    double start;
    double end;

    if (serve_dstats_parse(in, &start, &end, field, sizeof(field), msg, sizeof(msg)) <
        0) {
        serve_reply_error(rp, MHD_HTTP_BAD_REQUEST, field, "%s", msg);
        return;
    }
    if (next_id(s, "stats", id, rp) < 0)
        return;
    /* Digaas's shape (start and end as sent, an integer id), and ours */
    rec = json_pack("{s:I, s:O, s:O, s:s, s:n, s:n, s:[], s:f}", "id",
                    (json_int_t)strtoll(id, NULL, 10), "start",
                    json_object_get(in, "start"), "end", json_object_get(in, "end"),
                    "status", "ACCEPTED", "observers", "pending", "plots", "created_at",
                    timebase_real_s());
    serve_stats_accept(s, id, rec, MHD_HTTP_CREATED, rp);
    json_decref(rec);
}

/* Digaas's plot types (its consts.PlotTypes, compared upper-cased). */
static const char *const dplots[] = {"propagation_by_type", "propagation_by_nameserver",
                                     "query"};

void serve_get_dstats_plot(serve_t *s, const char *id, const char *plot, size_t n,
                           serve_reply_t *rp)
{
    char path[4096];
    size_t i;

    for (i = 0; i < sizeof(dplots) / sizeof(dplots[0]); i++) {
        if (n != strlen(dplots[i]) || strncasecmp(plot, dplots[i], n) != 0)
            continue;
        snprintf(path, sizeof(path), "%s/serve/stats-%s/%s.png", s->results, id,
                 dplots[i]);
        if (serve_reply_png(rp, path))
            return;
        serve_reply_error(rp, MHD_HTTP_NOT_FOUND, NULL,
                          "no %s plot for stats %s (not computed yet?)", dplots[i], id);
        return;
    }
    serve_reply_error(rp, MHD_HTTP_NOT_FOUND, NULL,
                      "no plot '%.*s' (propagation_by_type, propagation_by_nameserver, "
                      "query)",
                      (int)(n > 100 ? 100 : n), plot);
}

/* ---- GET /stats-file ----------------------------------------------------------------
 */

/* The finished requests of a range as old-master's lines, into two
 * buffers: "update" (serial_not_lower, data=, value_present) and
 * "remove" (zone_removed, empty_response), as its two sorted sets. */
typedef struct {
    buf_t upd;
    buf_t rem;
} sfile_t;

static int sfile_line(const char *text, size_t len, void *arg)
{
    sfile_t *sf = arg;
    json_t *rec = json_loadb(text, len, 0, NULL);
    const char *st = json_string_value(json_object_get(rec, "status"));
    const char *kind =
        serve_cond_kind(json_string_value(json_object_get(rec, "condition")));
    json_t *dur = json_object_get(rec, "duration");
    buf_t *b;
    char line[128];

    if (st != NULL && strcmp(st, "ACCEPTED") != 0) {
        b = strcmp(kind, "empty_response") == 0 ? &sf->rem : &sf->upd;
        if (json_is_number(dur))
            snprintf(line, sizeof(line), "%s %.17g %.17g\n",
                     b == &sf->rem ? "remove" : "update",
                     json_number_value(json_object_get(rec, "start_time")),
                     json_number_value(dur));
        else
            snprintf(line, sizeof(line), "%s %.17g None\n",
                     b == &sf->rem ? "remove" : "update",
                     json_number_value(json_object_get(rec, "start_time")));
        buf_add(b, line, strlen(line));
    }
    json_decref(rec);
    return sf->upd.oom || sf->rem.oom ? -ENOMEM : 0;
}

/* An epoch from a query argument (Digaas: float(), else 400). */
static bool arg_epoch(const char *v, double *out)
{
    char *end = NULL;

    if (v == NULL || v[0] == '\0')
        return false;
    *out = strtod(v, &end);
    return *end == '\0' && isfinite(*out);
}

void serve_get_stats_file(serve_t *s, const char *start, const char *end,
                          serve_reply_t *rp)
{
    sfile_t sf;
    double lo;
    double hi;
    char err[512];
    int ret;

    if (!arg_epoch(start, &lo) || !arg_epoch(end, &hi)) {
        const char *which = !arg_epoch(start, &lo) ? "start_time" : "end_time";
        serve_reply_error(rp, MHD_HTTP_BAD_REQUEST, which,
                          "need a \"%s\" URL parameter (epoch seconds)", which);
        return;
    }
    memset(&sf, 0, sizeof(sf));
    ret = store_req_range(s->rq, lo, hi, sfile_line, &sf, err, sizeof(err));
    if (ret == 0 && sf.rem.len > 0)
        buf_add(&sf.upd, sf.rem.p, sf.rem.len);
    if (ret == -EIO) {
        serve_store_unavailable(rp, err);
    } else if (ret < 0 || sf.upd.oom) {
        serve_reply_error(rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "out of memory");
    } else {
        /* old-master joined the lines with "\n": no final newline */
        if (sf.upd.len > 0)
            sf.upd.p[--sf.upd.len] = '\0';
        free(rp->body);
        rp->status = MHD_HTTP_OK;
        rp->ctype = "text/plain";
        rp->body = sf.upd.p != NULL ? sf.upd.p : strdup("");
        rp->len = sf.upd.len;
        sf.upd.p = NULL;
        if (rp->body == NULL)
            serve_reply_error(rp, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "out of memory");
    }
    buf_free(&sf.upd);
    buf_free(&sf.rem);
}
