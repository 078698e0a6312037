/*
 * resume: at start, what a previous run left pending in Redis (see
 * serve_int.h). Each unfinished request is polled again with its original
 * start_time and what is left of its timeout, so that its duration stays
 * measured from the change; one whose timeout passed while the service
 * was down is ended as ERROR (result TIMEOUT) and says so. Pending stats
 * are queued for the worker.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/log.h"
#include "harness/common/timebase.h"
#include "harness/serve/parse.h"
#include "harness/serve/serve_int.h"

typedef struct {
    serve_t *s;
    double now;
} resume_t;

/* A request that cannot be polled again: ended as ERROR, with why. */
static void end_request(serve_t *s, const char *id, json_t *rec, double now,
                        const char *reason, bool unreadable)
{
    char *text;

    json_object_set_new(rec, "status", json_string("ERROR"));
    json_object_set_new(rec, "result", json_string(unreadable ? "ERROR" : "TIMEOUT"));
    json_object_set_new(rec, "reason", json_string(reason));
    json_object_set_new(rec, "duration", json_null());
    json_object_set_new(rec, "resumed_at", json_real(now));
    if (!json_is_number(json_object_get(rec, "lower_bound")))
        json_object_set_new(rec, "lower_bound", json_real(0));
    if (!json_is_integer(json_object_get(rec, "queries")))
        json_object_set_new(rec, "queries", json_integer(0));
    text = jsonw_dumps(rec);
    if (text != NULL)
        store_req_finish(s->rq, id, text);
    atomic_fetch_add(&s->expired, 1);
}

/* Poll it again for the left seconds (rec is taken). */
static void repoll(serve_t *s, const char *id, json_t *rec, probe_req_t *req, double now,
                   double left)
{
    char *base;
    char *text;
    int ret;

    json_object_set_new(rec, "resumed_at", json_real(now));
    ret = serve_record_texts(rec, &base, &text);
    json_decref(rec);
    if (ret < 0 || serve_table_insert(&s->table, id, base, text) < 0)
        return;
    req->timeout = left;
    req->id = strdup(id);
    if (req->id == NULL || probe_pool_submit(s->pool, req) < 0) {
        serve_table_remove(&s->table, id, false);
        return;
    }
    atomic_fetch_add(&s->resumed, 1);
}

/* An unfinished request from Redis (store_req_each_fn). */
static void resume_one(const char *id, const char *text, void *arg)
{
    resume_t *rs = arg;
    json_t *rec = json_loads(text, 0, NULL);
    json_t *echo = NULL;
    const char *st;
    probe_req_t req;
    char field[64] = "";
    char msg[1200] = "";
    char reason[1400];
    double accepted;
    double left;
    int ret;

    probe_req_init(&req);
    req.keep_queries = true; /* Digaas's query statistics (dstats.c) */
    if (rec == NULL || !json_is_object(rec) ||
        (!serve_valid_id(id, strlen(id)) && !serve_id_is_num(id))) {
        /* nothing stored is trusted: ended, never resumed, never fatal */
        log_warn("serve: request %.64s in Redis is %s; ended as ERROR", id,
                 rec == NULL || !json_is_object(rec) ? "not a JSON object"
                                                     : "not under a valid id");
        json_decref(rec);
        rec = json_object();
        if (rec != NULL)
            end_request(rs->s, id, rec, rs->now,
                        "stored request unreadable: not a JSON object under a valid id",
                        true);
        goto clear;
    }
    /* Ended already (a final state is written before the id leaves the
     * pending set): pending again only through a late first try of its
     * put (storage/requests.h, store_req_unpend), whose SET NX left the
     * record alone. Polled again, it would be measured twice, or its
     * result overwritten with a TIMEOUT. */
    st = json_string_value(json_object_get(rec, "status"));
    if (st != NULL && strcmp(st, "ACCEPTED") != 0) {
        store_req_unpend(rs->s->rq, id);
        goto clear;
    }
    /* integer ids are Digaas's observers */
    ret = serve_id_is_num(id) ? serve_observer_parse(rec, rs->now, &req, &echo, field,
                                                     sizeof(field), msg, sizeof(msg))
                              : serve_request_parse(rec, rs->now, &req, &echo, field,
                                                    sizeof(field), msg, sizeof(msg));
    accepted = json_number_value(json_object_get(rec, "accepted_at"));
    if (!(accepted > 0 && accepted <= rs->now + SERVE_MAX_AHEAD_S))
        accepted = req.start_time; /* missing, NaN or out of range: not trusted */
    /* never more than the request's own timeout, and NaN ends it */
    left = fmin(accepted + req.timeout - rs->now, req.timeout);
    if (ret < 0) {
        snprintf(reason, sizeof(reason), "stored request unreadable: %s: %s", field, msg);
        end_request(rs->s, id, rec, rs->now, reason, true);
    } else if (!(left > 0)) {
        snprintf(reason, sizeof(reason),
                 "the service was down when its timeout passed (accepted at %.3f, "
                 "timeout %g s, resumed at %.3f); not polled again",
                 accepted, req.timeout, rs->now);
        end_request(rs->s, id, rec, rs->now, reason, false);
    } else {
        repoll(rs->s, id, rec, &req, rs->now, left);
        rec = NULL;
    }
clear:
    probe_req_clear(&req);
    json_decref(echo);
    json_decref(rec);
}

static void resume_stats(const char *id, void *arg)
{
    resume_t *rs = arg;

    if (!serve_valid_id(id, strlen(id)) && !serve_id_is_num(id))
        return;
    serve_stats_push(rs->s, id);
    atomic_fetch_add(&rs->s->stats_resumed, 1);
}

int serve_resume(serve_t *s, char *err, size_t errlen)
{
    resume_t rs = {s, timebase_real_s()};

    return store_req_pending(s->rq, resume_one, resume_stats, &rs, err, errlen);
}
