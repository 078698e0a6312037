/*
 * agent: a probe agent (see agent.h).
 *
 * One thread talks to Redis (a hiredis context belongs to one thread): it
 * takes requests (XREADGROUP, waiting at most 50 ms so that finished polls
 * are stored promptly), hands them to the probe pool, collects finished
 * polls from the pool's queue, stores each result and acknowledges its
 * request. The pool's threads do the probing. An in-flight table maps the
 * pool's tags to stream entries.
 *
 * Redis may go away (a restart, the network): the agent then keeps probing
 * what it has, keeps each finished result in its slot, and opens a new
 * connection with exponential backoff (100 ms up to 5 s between tries) for
 * as long as it runs: an agent outlives campaigns, and each campaign
 * decides itself how long it waits for its results (the polls it never
 * gets back it reports as unanswered). Once Redis is back, the kept
 * results are stored (once: the done-hash) and acknowledged.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/serve/agent.h"
#include "harness/common/clock.h"
#include "harness/common/errcode.h"
#include "harness/common/jsonw.h"
#include "harness/common/log.h"
#include "harness/serve/metrics.h"
#include "probes/result.h"
#include "harness/common/timebase.h"
#include "probes/pool.h"
#include "probes/request.h"
#include "storage/streams.h"

typedef struct {
    bool used;
    char id[64];
    char *campaign;
    char *poll;
    json_t *rec; /* the campaign's fields for the stored result */
    /* probed, not stored yet (Redis was away): the result to store */
    char *text;
    char *ns_name;
    char *op_kind;
    char *reason;
    probe_status_t status;
    double duration;
} slot_t;

typedef struct {
    const agent_opts_t *o;
    char consumer[200];
    store_t *s;
    streams_t *st;    /* NULL while Redis is away */
    int64_t down_ns;  /* monotonic: when it went away */
    int64_t next_try; /* monotonic: the next connection attempt */
    int64_t backoff;  /* ns between attempts, doubled up to LINK_BACKOFF_MAX */
    unsigned tries;
    size_t unstored; /* slots holding a result to store */
    probe_pool_t *pool;
    slot_t *slots;
    size_t nslots, inflight;
    size_t free_hint;
    uint64_t taken, stored, duplicates, reclaimed, bad, expired, late, outages;
} agent_t;

#define LINK_BACKOFF_MIN (100 * TB_NS_PER_MS)
#define LINK_BACKOFF_MAX (5 * TB_NS_PER_S)

static double reclaim_s(const agent_t *a)
{
    return a->o->reclaim_after > 0 ? a->o->reclaim_after : 10;
}

static void slot_clear(slot_t *s)
{
    free(s->campaign);
    free(s->poll);
    free(s->text);
    free(s->ns_name);
    free(s->op_kind);
    free(s->reason);
    json_decref(s->rec);
    memset(s, 0, sizeof(*s));
}

static bool in_flight(const agent_t *a, const char *id)
{
    size_t i;

    for (i = 0; i < a->nslots; i++) {
        if (a->slots[i].used && strcmp(a->slots[i].id, id) == 0)
            return true;
    }
    return false;
}

static long slot_take(agent_t *a)
{
    size_t i;

    for (i = 0; i < a->nslots; i++) {
        size_t k = (a->free_hint + i) % a->nslots;
        if (!a->slots[k].used) {
            a->free_hint = k + 1;
            return (long)k;
        }
    }
    return -1;
}

/* Redis is gone (hiredis cannot use this connection again): close it; the
 * loop opens a new one with backoff. */
static void link_lost(agent_t *a, const char *why)
{
    if (a->st == NULL)
        return;
    streams_close(a->st);
    a->st = NULL;
    a->outages++;
    a->down_ns = timebase_mono_ns();
    a->backoff = LINK_BACKOFF_MIN;
    a->next_try = a->down_ns + a->backoff;
    a->tries = 0;
    if (!a->o->quiet)
        log_warn("agent: %s: lost Redis (%s); reconnecting with backoff, results kept "
                 "until it is back",
                 a->consumer, why);
}

/* After a failed command: was it the connection? */
static void link_check(agent_t *a, const char *why)
{
    if (a->st != NULL && streams_broken(a->st))
        link_lost(a, why);
}

/* Connected, or a new connection when the backoff allows one (the
 * vantage's group too: a Redis restarted without persistence has lost
 * it). */
static bool link_up(agent_t *a)
{
    char err[512];
    int64_t now;

    if (a->st != NULL)
        return true;
    now = timebase_mono_ns();
    if (now < a->next_try)
        return false;
    if (streams_open(a->s, &a->st, err, sizeof(err)) == 0 &&
        streams_group_ensure(a->st, a->o->vantage, err, sizeof(err)) == 0) {
        if (!a->o->quiet)
            log_info("agent: %s: Redis is back after %.1f s; %zu results to store",
                     a->consumer, (double)(now - a->down_ns) / 1e9, a->unstored);
        return true;
    }
    streams_close(a->st);
    a->st = NULL;
    a->backoff = a->backoff * 2 < LINK_BACKOFF_MAX ? a->backoff * 2 : LINK_BACKOFF_MAX;
    a->next_try = now + a->backoff;
    if (!a->o->quiet && a->tries++ % 10 == 0)
        log_warn("agent: %s: Redis still away after %.1f s (%s); %zu results kept",
                 a->consumer, (double)(now - a->down_ns) / 1e9, err, a->unstored);
    return false;
}

/* A request off the stream: probe it, or acknowledge it at once when it
 * cannot be (a malformed request would otherwise come back forever). */
static void take(agent_t *a, const streams_entry_t *e)
{
    json_error_t je;
    json_t *p = json_loads(e->payload, 0, &je);
    const char *campaign = json_string_value(json_object_get(p, "campaign"));
    const char *poll = json_string_value(json_object_get(p, "poll"));
    probe_req_t req;
    char err[512];
    long k;
    double left;

    probe_req_init(&req);
    if (in_flight(a, e->id))
        goto out; /* reclaimed from ourselves: already probing it */
    if (campaign == NULL || poll == NULL ||
        probe_req_from_json(json_object_get(p, "req"), &req, err, sizeof(err)) < 0) {
        if (!a->o->quiet)
            log_warn("agent: request %s refused: %s", e->id,
                     campaign == NULL || poll == NULL ? "no campaign or poll" : err);
        a->bad++;
        if (streams_ack(a->st, a->o->vantage, e->id, err, sizeof(err)) < 0)
            link_check(a, err);
        goto out;
    }
    if (timebase_real_s() > req.start_time + req.timeout + 2 * reclaim_s(a)) {
        /* its campaign has given up on it long ago (no agent was there in
         * time): probing now would measure nothing */
        a->expired++;
        if (streams_ack(a->st, a->o->vantage, e->id, err, sizeof(err)) < 0)
            link_check(a, err);
        goto out;
    }
    k = slot_take(a);
    if (k < 0)
        goto out; /* full: it stays pending and comes back by reclaim */
    /* The poll ends when the campaign meant it to (start + timeout), also
     * when it was taken over late from an agent that died; at least one
     * round of queries even then. */
    left = req.start_time + req.timeout - timebase_real_s();
    req.timeout = left > req.frequency ? left : req.frequency;
    req.tag = (uint64_t)k;
    if (probe_pool_submit(a->pool, &req) < 0)
        goto out;
    a->slots[k].used = true;
    snprintf(a->slots[k].id, sizeof(a->slots[k].id), "%s", e->id);
    a->slots[k].campaign = strdup(campaign);
    a->slots[k].poll = strdup(poll);
    a->slots[k].rec = json_incref(json_object_get(p, "rec"));
    a->inflight++;
    a->taken++;
    metrics_count(a->o->metrics, "polls.taken", 1);
out:
    probe_req_clear(&req);
    json_decref(p);
}

/* The slot's result stored (once) and its request acknowledged, the slot
 * freed: 0; or -EIO when Redis is away (the result stays in its slot for
 * the next try). A result Redis refuses is not acknowledged: the request
 * goes idle and is probed again by whichever agent reclaims it. */
static int store_slot(agent_t *a, slot_t *s)
{
    char err[512];
    uint64_t seq = 0;

    if (a->st == NULL)
        return -EIO;
    if (streams_store_result(a->st, s->campaign, s->poll, a->o->vantage, s->text, &seq,
                             err, sizeof(err)) < 0) {
        if (streams_broken(a->st)) {
            link_lost(a, err);
            return -EIO;
        }
        if (!a->o->quiet)
            log_warn("agent: %s: not stored (%s); it will be probed again", s->id, err);
        goto out;
    }
    if (seq == STREAMS_SEQ_CLOSED) {
        a->late++; /* its campaign has counted its results and gone */
    } else if (seq == 0) {
        a->duplicates++;
    } else {
        a->stored++;
        metrics_poll(a->o->metrics, s->status, s->ns_name, s->duration);
        prom_std_poll(a->o->prom, s->ns_name, s->op_kind, a->o->vantage,
                      probe_status_str(s->status), s->reason, s->duration);
    }
    /* (a lost XACK leaves the request pending: whoever takes it again finds
     * its result stored already, and acknowledges it) */
    if (streams_ack(a->st, a->o->vantage, s->id, err, sizeof(err)) < 0)
        link_check(a, err);
out:
    slot_clear(s);
    a->inflight--;
    a->unstored--;
    return 0;
}

/* Results kept while Redis was away, stored now that it is back. */
static void store_kept(agent_t *a)
{
    for (size_t i = 0; i < a->nslots && a->unstored > 0 && a->st != NULL; i++) {
        if (a->slots[i].used && a->slots[i].text != NULL &&
            store_slot(a, &a->slots[i]) < 0)
            break;
    }
}

/* A finished poll: its result, with the campaign's fields, into its slot,
 * then stored if Redis is there. */
static void finish(agent_t *a, const probe_result_t *r)
{
    slot_t *s = r->tag < a->nslots ? &a->slots[r->tag] : NULL;
    json_t *rec;
    const char *ns_name;
    const char *op_kind;

    if (s == NULL || !s->used)
        return;
    rec = probe_result_json(r);
    if (rec == NULL)
        goto lost;
    if (json_is_object(s->rec))
        json_object_update_missing(rec, s->rec);
    json_object_set_new(rec, "campaign", json_string(s->campaign));
    json_object_set_new(rec, "vantage", json_string(a->o->vantage));
    json_object_set_new(rec, "agent", json_string(a->consumer));
    json_object_del(rec, "seq");
    /* the campaign's names, else what a bare request has */
    ns_name = json_string_value(json_object_get(rec, "ns_name"));
    op_kind = json_string_value(json_object_get(rec, "op_kind"));
    s->ns_name = strdup(ns_name != NULL ? ns_name : r->ns);
    s->op_kind = strdup(op_kind != NULL ? op_kind : "probe");
    s->reason = strdup(r->reason);
    s->text = jsonw_dumps(rec);
    s->status = r->status;
    s->duration = r->duration;
    json_decref(rec);
    if (s->text == NULL || s->ns_name == NULL || s->op_kind == NULL || s->reason == NULL)
        goto lost;
    a->unstored++;
    store_slot(a, s);
    return;
lost:
    /* out of memory: not acknowledged, so probed again by a reclaim */
    if (!a->o->quiet)
        log_warn("agent: %s: not stored (out of memory); it will be probed again", s->id);
    slot_clear(s);
    a->inflight--;
}

static void beat(agent_t *a, const clock_status_t *clk, double started)
{
    char host[256] = "";
    char err[256];
    probe_stats_t ps;
    json_t *f;

    gethostname(host, sizeof(host) - 1);
    probe_pool_stats(a->pool, &ps);
    f = json_pack("{s:s, s:i, s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:o}", "host", host,
                  "pid", (int)getpid(), "started", started, "seen", timebase_real_s(),
                  "inflight", (json_int_t)a->inflight, "taken", (json_int_t)a->taken,
                  "stored", (json_int_t)a->stored, "reclaimed", (json_int_t)a->reclaimed,
                  "queries", (json_int_t)ps.queries, "clock", clock_status_json(clk));
    if (streams_agent_beat(a->st, a->o->vantage, a->consumer, f, err, sizeof(err)) < 0)
        link_check(a, err);
    json_decref(f);
}

/* Finished polls waiting in the pool's queue: store and acknowledge them. */
static void collect(agent_t *a)
{
    probe_result_t r;

    while (probe_pool_next(a->pool, &r, 0) == 0) {
        finish(a, &r);
        probe_result_clear(&r);
    }
}

/* Our own requests must not look abandoned while we probe them: reset
 * their idle time in the group. */
static void touch_own(agent_t *a)
{
    const char **ids = calloc(a->inflight, sizeof(char *));
    char err[512];
    size_t k = 0;

    if (ids == NULL)
        return;
    for (size_t i = 0; i < a->nslots; i++) {
        if (a->slots[i].used)
            ids[k++] = a->slots[i].id;
    }
    if (streams_touch(a->st, a->o->vantage, a->consumer, ids, k, err, sizeof(err)) < 0)
        link_check(a, err);
    free(ids);
}

/* Requests another agent left pending longer than reclaim_after (it
 * died): take them over. */
static void reclaim_abandoned(agent_t *a)
{
    streams_entry_t *e = NULL;
    size_t n = 0;
    char err[512];

    if (streams_reclaim(a->st, a->o->vantage, a->consumer, (int64_t)(reclaim_s(a) * 1e3),
                        64, &e, &n, err, sizeof(err)) < 0) {
        link_check(a, err);
    } else {
        for (size_t i = 0; i < n && a->st != NULL; i++) {
            if (!in_flight(a, e[i].id)) {
                a->reclaimed++;
                if (!a->o->quiet)
                    log_info("agent: took over %s", e[i].id);
            }
            take(a, &e[i]);
        }
    }
    streams_entries_free(e, n);
}

/* New requests for our vantage, as many as there are free slots (at most
 * 256 a read, waiting at most 50 ms). A failed read starts over on a new
 * connection, whatever the error (a NOGROUP after Redis restarted without
 * persistence included: the new connection makes the group again). */
static void read_requests(agent_t *a)
{
    streams_entry_t *e = NULL;
    size_t n = 0;
    size_t room = a->nslots - a->inflight;
    char err[512];

    if (streams_read(a->st, a->o->vantage, a->consumer,
                     (unsigned)(room < 256 ? room : 256), 50, &e, &n, err,
                     sizeof(err)) < 0) {
        link_lost(a, err);
        return;
    }
    for (size_t i = 0; i < n && a->st != NULL; i++)
        take(a, &e[i]);
    streams_entries_free(e, n);
}

/* The agent's name, slots, clock status, stream group and probe pool. 0,
 * or a negative code with the reason in err. */
static int agent_start(agent_t *a, store_t *s, const agent_opts_t *o, clock_status_t *clk,
                       char *err, size_t errlen)
{
    probe_pool_opts_t po;
    char host[128] = "";
    int ret;

    memset(a, 0, sizeof(*a));
    a->o = o;
    a->s = s;
    gethostname(host, sizeof(host) - 1);
    if (o->consumer != NULL)
        snprintf(a->consumer, sizeof(a->consumer), "%s", o->consumer);
    else
        snprintf(a->consumer, sizeof(a->consumer), "%s-%d", host, (int)getpid());
    a->nslots = o->max_inflight > 0 ? o->max_inflight : 4096;
    a->slots = calloc(a->nslots, sizeof(*a->slots));
    if (a->slots == NULL) {
        snprintf(err, errlen, "%s", dp_strerror(-ENOMEM));
        return -ENOMEM;
    }
    clock_read(clk, o->ntp_server, 1000);
    clock_warn_if_unsynced(clk);
    ret = streams_open(s, &a->st, err, errlen);
    if (ret == 0)
        ret = streams_group_ensure(a->st, o->vantage, err, errlen);
    if (ret < 0)
        return ret;
    memset(&po, 0, sizeof(po));
    po.threads = o->threads;
    ret = probe_pool_create(&a->pool, &po);
    if (ret < 0) {
        snprintf(err, errlen, "cannot start the probe pool");
        return ret;
    }
    return 0;
}

static void agent_free(agent_t *a)
{
    probe_pool_destroy(a->pool);
    for (size_t i = 0; a->slots != NULL && i < a->nslots; i++)
        slot_clear(&a->slots[i]);
    free(a->slots);
    streams_close(a->st);
}

/* One round of the loop, connected: kept results stored, the heartbeat,
 * our requests touched, abandoned ones taken over, new ones read. */
static void agent_round(agent_t *a, const clock_status_t *clk, double started,
                        int64_t next[3])
{
    int64_t now = timebase_mono_ns();

    store_kept(a);
    if (a->st != NULL && now >= next[0]) {
        beat(a, clk, started);
        next[0] = now + TB_NS_PER_S;
    }
    if (a->st != NULL && now >= next[1] && a->inflight > 0) {
        touch_own(a);
        next[1] = now + (int64_t)(reclaim_s(a) / 3 * 1e9);
    }
    if (a->st != NULL && now >= next[2] && a->inflight < a->nslots) {
        reclaim_abandoned(a);
        next[2] = now + (int64_t)(reclaim_s(a) / 2 * 1e9);
    }
    if (a->st == NULL)
        return;
    if (a->inflight >= a->nslots) {
        usleep(10000);
        return;
    }
    read_requests(a);
}

int agent_run(store_t *s, const agent_opts_t *o, char *err, size_t errlen)
{
    agent_t a;
    clock_status_t clk;
    int64_t next[3] = {0, 0, 0}; /* beat, touch, reclaim */
    double started = timebase_real_s();
    int ret;

    ret = agent_start(&a, s, o, &clk, err, errlen);
    if (ret < 0)
        goto out;
    if (!o->quiet)
        log_info("agent: %s polls for vantage %s (reclaim after %.1f s)", a.consumer,
                 o->vantage, reclaim_s(&a));
    while (!*o->stop) {
        collect(&a);
        if (link_up(&a))
            agent_round(&a, &clk, started, next);
        else
            usleep(50000); /* Redis away: probing goes on, results are kept */
    }
    /* Stopped: what is still being probed, or not stored yet, stays pending
     * (not acknowledged) for another agent to take over. */
    if (!o->quiet)
        log_info("agent: stopped: %llu taken, %llu stored, %llu already stored, "
                 "%llu too late (campaign closed), %llu taken over, %llu expired, "
                 "%llu Redis outages, %zu left pending (%zu of them probed, not stored)",
                 (unsigned long long)a.taken, (unsigned long long)a.stored,
                 (unsigned long long)a.duplicates, (unsigned long long)a.late,
                 (unsigned long long)a.reclaimed, (unsigned long long)a.expired,
                 (unsigned long long)a.outages, a.inflight, a.unstored);
    if (a.st != NULL)
        beat(&a, &clk, started);
out:
    agent_free(&a);
    return ret;
}
