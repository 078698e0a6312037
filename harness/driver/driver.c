/*
 * driver: the workload driver (see driver.h).
 *
 * Threads: the caller's thread schedules operations (open loop: the i-th
 * operation is due at a time fixed by the rate, whatever happened to the
 * earlier ones) into a bounded queue; api_inflight workers, each with its
 * own target connection, take them, call the API, and on the
 * acknowledgement submit one poll per nameserver of that target, with
 * start_time = the acknowledgement. The probe pool's threads hand results
 * to the store and to the per-operation tallies the SLOs are judged on.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/common/clock.h"
#include "harness/cmd/cmd.h"
#include "harness/driver/driver.h"
#include "harness/common/errcode.h"
#include "harness/common/fsutil.h"
#include "harness/scenario/optable.h"
#include "harness/scenario/zonesync.h"
#include "probes/result.h"
#include "harness/cmd/storeopt.h"
#include "harness/targets/target.h"
#include "harness/common/timebase.h"
#include "probes/pool.h"
#include "probes/rdata.h"
#include "storage/store.h"
#include "storage/streams.h"
#include "harness/serve/metrics.h"
#include "harness/common/log.h"
#include "plot/assess/assess.h"
#include "plot/assess/assess_live.h"
#include "plot/dataset.h"
#include "plot/report.h"
#include "plot/stats.h"

typedef struct {
    char *name; /* canonical */
    char *zone;
    size_t zidx; /* its zone's index */
    uint16_t type;
    char *value; /* canonical */
    bool busy;   /* an operation on it is in flight or still propagating */
    bool alive;
} rec_t;

typedef struct {
    char *name;
    bool busy;
    bool alive;
    const scen_target_t *target;
} zone_t;

typedef struct op {
    uint64_t id;
    op_kind_t kind;
    size_t zone; /* index in zones */
    /* Copied from zones[zone] when queued (under the lock): other threads
     * read these without it, while the zones array may be reallocated. */
    const char *zname;
    const scen_target_t *target;
    long rec; /* index in recs, -1 for zone operations */
    char *name;
    uint16_t type;
    char *value;  /* canonical, NULL for deletes */
    char **vals;  /* several values (zone sync), else NULL */
    uint32_t ttl; /* 0: 60 s */
    size_t nvals;
    double due; /* epoch s when scheduled */
    target_ack_t ack;
    bool failed;
    bool applied;      /* the API call returned (ack is final), under mu */
    uint32_t serial;   /* zone operations: serial after the change */
    bool reaped;       /* agents mode: given up on (no result in time) */
    const char *phase; /* the phase that made it ("" for tables) */
    double rate;       /* the phase's scheduled rate when it was due; NAN */
    /* polls (under the driver's lock) */
    unsigned npolls, ndone, ncompleted, ntimeout, nerror;
    double max_duration;
    struct op *qnext;
} op_t;

typedef struct {
    const scenario_t *sc;
    const driver_opts_t *opts;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    /* state (under mu) */
    zone_t *zones;
    size_t nzones, zcap;
    rec_t *recs;
    size_t nrecs, rcap;
    op_t **ops;
    size_t nops, opcap;
    op_t *qhead, *qtail;
    size_t qlen;
    bool closing;
    uint64_t acked, failed, polls_submitted, polls_done;
    uint64_t completed, timeouts, errors, cancelled;
    const char *cur_phase; /* what op_new() stamps on new operations */
    double cur_rate;
    pthread_mutex_t ds_mu;
    char id[512];       /* the campaign */
    metrics_t *metrics; /* [metrics] statsd, or NULL */
    /* [probe] mode = agents */
    streams_t *pub; /* poll requests out (under pub_mu) */
    pthread_mutex_t pub_mu;
    streams_t *feed; /* results back (the feed thread's) */
    pthread_t feed_thread;
    _Atomic bool feed_stop;
    uint64_t feed_results;
    uint64_t queries_seen; /* for the metrics (under mu) */
    bool feeding;          /* the feed thread runs */
    uint64_t unanswered;   /* agents mode: polls given up on (under mu) */
    dataset_t ds;          /* every result, for the report (under ds_mu) */
    json_t *timeline;      /* rows of cumulative counters, one a second */
    /* pool and store */
    probe_pool_t *pool;
    store_t *store;
    char host[128];
    uint64_t rng;
} drv_t;

/* xorshift64*: reproducible names and values from the scenario's seed. */
static uint64_t rnd(drv_t *d)
{
    d->rng ^= d->rng >> 12;
    d->rng ^= d->rng << 25;
    d->rng ^= d->rng >> 27;
    return d->rng * UINT64_C(2685821657736338717);
}

/* ---- values ---------------------------------------------------------------- */

static char *gen_value(drv_t *d, uint16_t type, uint64_t n)
{
    char buf[256];
    char *canon = NULL;
    uint64_t r = rnd(d);

    switch (type) {
    case RDATA_T_A:
        snprintf(buf, sizeof(buf), "198.51.%u.%u", (unsigned)(100 + r % 2),
                 (unsigned)(1 + (r >> 8) % 254));
        break;
    case RDATA_T_AAAA:
        snprintf(buf, sizeof(buf), "2001:db8::%x:%x", (unsigned)(r & 0xffff),
                 (unsigned)((r >> 16) & 0xffff));
        break;
    case RDATA_T_TXT:
        snprintf(buf, sizeof(buf), "\"dnsprop %llu %llx\"", (unsigned long long)n,
                 (unsigned long long)(r & 0xffffffffu));
        break;
    case RDATA_T_MX:
        snprintf(buf, sizeof(buf), "%u mx%llu.example.", (unsigned)(r % 50) * 10,
                 (unsigned long long)n);
        break;
    case RDATA_T_SRV:
        snprintf(buf, sizeof(buf), "0 5 %u sip%llu.example.", (unsigned)(5000 + r % 1000),
                 (unsigned long long)n);
        break;
    default: /* CNAME NS PTR */
        snprintf(buf, sizeof(buf), "t%llu-%llx.example.", (unsigned long long)n,
                 (unsigned long long)(r & 0xffff));
        break;
    }
    if (rdata_from_text(type, buf, &canon) < 0)
        return NULL;
    return canon;
}

/* ---- operations -------------------------------------------------------------- */

static op_t *op_new(drv_t *d, op_kind_t kind)
{
    op_t *op = calloc(1, sizeof(*op));

    if (op == NULL)
        return NULL;
    if (d->nops == d->opcap) {
        size_t ncap = d->opcap == 0 ? 256 : d->opcap * 2;
        op_t **no = realloc(d->ops, ncap * sizeof(*no));
        if (no == NULL) {
            free(op);
            return NULL;
        }
        d->ops = no;
        d->opcap = ncap;
    }
    op->id = d->nops + 1;
    op->kind = kind;
    op->phase = d->cur_phase != NULL ? d->cur_phase : "";
    op->rate = d->cur_rate;
    op->rec = -1;
    d->ops[d->nops++] = op;
    return op;
}

static size_t zone_add(drv_t *d, const char *name, const scen_target_t *t)
{
    if (d->nzones == d->zcap) {
        size_t ncap = d->zcap == 0 ? 16 : d->zcap * 2;
        zone_t *nz = realloc(d->zones, ncap * sizeof(*nz));
        if (nz == NULL)
            return SIZE_MAX;
        d->zones = nz;
        d->zcap = ncap;
    }
    memset(&d->zones[d->nzones], 0, sizeof(zone_t));
    d->zones[d->nzones].name = strdup(name);
    d->zones[d->nzones].target = t;
    return d->nzones++;
}

static long rec_add(drv_t *d, size_t zone, const char *name, uint16_t type,
                    const char *value)
{
    if (d->nrecs == d->rcap) {
        size_t ncap = d->rcap == 0 ? 256 : d->rcap * 2;
        rec_t *nr = realloc(d->recs, ncap * sizeof(*nr));
        if (nr == NULL)
            return -1;
        d->recs = nr;
        d->rcap = ncap;
    }
    memset(&d->recs[d->nrecs], 0, sizeof(rec_t));
    d->recs[d->nrecs].name = strdup(name);
    d->recs[d->nrecs].zone = d->zones[zone].name;
    d->recs[d->nrecs].zidx = zone;
    d->recs[d->nrecs].type = type;
    d->recs[d->nrecs].value = value != NULL ? strdup(value) : NULL;
    return (long)d->nrecs++;
}

/* A random idle, live record (or -1), for updates and deletes. */
static long pick_rec(drv_t *d)
{
    size_t tries;

    for (tries = 0; tries < 64 && d->nrecs > 0; tries++) {
        size_t i = rnd(d) % d->nrecs;
        if (d->recs[i].alive && !d->recs[i].busy && d->zones[d->recs[i].zidx].alive &&
            !d->zones[d->recs[i].zidx].busy)
            return (long)i;
    }
    return -1;
}

/* A record of zone zi still changing or propagating (under mu): a zone
 * deleted then would make its polls time out (the servers answer REFUSED
 * for the zone, which is not "gone" for a record). */
static bool zone_recs_busy(drv_t *d, size_t zi)
{
    size_t i;

    for (i = 0; i < d->nrecs; i++) {
        if (d->recs[i].zidx == zi && d->recs[i].busy)
            return true;
    }
    return false;
}

static long pick_zone(drv_t *d, bool idle)
{
    size_t tries;

    for (tries = 0; tries < 64 && d->nzones > 0; tries++) {
        size_t i = rnd(d) % d->nzones;
        if (d->zones[i].alive && (!idle || !d->zones[i].busy))
            return (long)i;
    }
    return -1;
}

/* Build the next operation of kind k (under mu); NULL when none fits. */
static op_t *make_op(drv_t *d, const scen_phase_t *ph, op_kind_t k)
{
    op_t *op;
    long zi;
    long ri;
    char name[600];

    switch (k) {
    case OP_ZONE_CREATE:
        op = op_new(d, k);
        if (op == NULL)
            return NULL;
        snprintf(name, sizeof(name), "d%04llx-%s-%zu.%s",
                 (unsigned long long)(d->sc->seed & 0xffff), ph->name, d->nzones + 1,
                 ph->zone_suffix);
        op->zone = zone_add(d, name, &d->sc->targets[0]);
        d->zones[op->zone].busy = true;
        op->name = strdup(name);
        op->type = RDATA_T_SOA;
        return op;
    case OP_ZONE_UPDATE:
    case OP_ZONE_DELETE:
        zi = pick_zone(d, true);
        if (zi < 0 || (k == OP_ZONE_DELETE && zone_recs_busy(d, (size_t)zi)))
            return NULL;
        op = op_new(d, k);
        if (op == NULL)
            return NULL;
        op->zone = (size_t)zi;
        d->zones[zi].busy = true;
        op->name = strdup(d->zones[zi].name);
        op->type = k == OP_ZONE_UPDATE ? RDATA_T_TXT : RDATA_T_SOA;
        if (k == OP_ZONE_UPDATE)
            op->value = gen_value(d, RDATA_T_TXT, op->id);
        return op;
    case OP_RECORD_CREATE:
        zi = pick_zone(d, false);
        if (zi < 0)
            return NULL;
        op = op_new(d, k);
        if (op == NULL)
            return NULL;
        op->zone = (size_t)zi;
        op->type = ph->types[rnd(d) % ph->ntypes];
        snprintf(name, sizeof(name), "r%llu.%s", (unsigned long long)op->id,
                 d->zones[zi].name);
        op->name = strdup(name);
        op->value = gen_value(d, op->type, op->id);
        op->rec = rec_add(d, op->zone, name, op->type, op->value);
        if (op->rec >= 0)
            d->recs[op->rec].busy = true;
        return op;
    case OP_RECORD_UPDATE:
    case OP_RECORD_DELETE:
        ri = pick_rec(d);
        if (ri < 0)
            return NULL;
        op = op_new(d, k);
        if (op == NULL)
            return NULL;
        op->rec = ri;
        d->recs[ri].busy = true;
        op->zone = d->recs[ri].zidx;
        op->name = strdup(d->recs[ri].name);
        op->type = d->recs[ri].type;
        if (k == OP_RECORD_UPDATE)
            op->value = gen_value(d, op->type, op->id);
        return op;
    default:
        return NULL;
    }
}

/* The record (or zone) of op may take its next change: one change at a
 * time per name, until it has reached every nameserver, so that a later
 * change cannot overtake an earlier one before it was seen (under mu). */
static void op_release(drv_t *d, op_t *op)
{
    if (op->rec >= 0)
        d->recs[op->rec].busy = false;
    else
        d->zones[op->zone].busy = false;
}

/* ---- results ------------------------------------------------------------------- */

/* One finished poll (of nameserver nsi) in the tallies and the metrics
 * (the SLOs, the progress line, the release of its name for the next
 * change). Returns its operation. */
static op_t *tally(drv_t *d, uint64_t opid, size_t nsi, probe_status_t status,
                   double duration)
{
    op_t *op;

    pthread_mutex_lock(&d->mu);
    op = opid >= 1 && opid <= d->nops ? d->ops[opid - 1] : NULL;
    if (op != NULL && op->reaped) {
        pthread_mutex_unlock(&d->mu);
        return NULL; /* too late: counted as unanswered already */
    }
    if (op != NULL) {
        op->ndone++;
        if (op->ndone == op->npolls)
            op_release(d, op);
        if (status == PROBE_COMPLETED) {
            op->ncompleted++;
            if (duration > op->max_duration)
                op->max_duration = duration;
            d->completed++;
        } else if (status == PROBE_TIMEOUT) {
            op->ntimeout++;
            d->timeouts++;
        } else if (status == PROBE_ERROR) {
            op->nerror++;
            d->errors++;
        } else {
            d->cancelled++;
        }
    }
    d->polls_done++;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->mu);
    if (op != NULL)
        metrics_poll(d->metrics, status, nsi < d->sc->nns ? d->sc->ns[nsi].name : "?",
                     duration);
    return op;
}

/* What a stored result says about its operation, beside the probe's own
 * fields (also what probe agents are given to store with theirs). */
static json_t *op_fields(drv_t *d, const op_t *op, size_t nsi)
{
    json_t *rec = json_object();

    json_object_set_new(rec, "op_id", json_integer((json_int_t)op->id));
    json_object_set_new(rec, "op_kind", json_string(op_kind_str(op->kind)));
    json_object_set_new(rec, "zone", json_string(op->zname));
    json_object_set_new(rec, "ns_name",
                        json_string(nsi < d->sc->nns ? d->sc->ns[nsi].name : "?"));
    json_object_set_new(rec, "vantage", json_string(d->host));
    json_object_set_new(rec, "submit_time", json_real(op->ack.submit_time));
    json_object_set_new(rec, "ack_time", json_real(op->ack.ack_time));
    json_object_set_new(rec, "api_retries", json_integer(op->ack.retries));
    json_object_set_new(rec, "phase", json_string(op->phase));
    json_object_set_new(rec, "offered_rate",
                        isnan(op->rate) ? json_null() : json_real(op->rate));
    json_object_set_new(rec, "frequency", json_real(d->sc->frequency));
    json_object_set_new(rec, "timeout", json_real(d->sc->timeout));
    json_object_set_new(rec, "expected",
                        op->kind == OP_ZONE_CREATE || op->kind == OP_ZONE_UPDATE
                            ? json_integer(op->serial)
                        : op->value != NULL ? json_pack("[s]", op->value)
                                            : json_array());
    return rec;
}

/* The report's copy goes through the same JSON text as the store's, so
 * that `dnsprop report` later finds the same numbers. */
static void keep_for_report(drv_t *d, const char *text)
{
    pthread_mutex_lock(&d->ds_mu);
    ds_add_text(&d->ds, text);
    pthread_mutex_unlock(&d->ds_mu);
}

static void on_result(const probe_result_t *r, void *arg)
{
    drv_t *d = arg;
    size_t nsi = (size_t)(r->tag & 0xffff);
    op_t *op = tally(d, r->tag >> 16, nsi, r->status, r->duration);
    json_t *rec;
    char *text;

    if (op == NULL)
        return;
    rec = probe_result_json(r);
    if (rec == NULL)
        return;
    {
        json_t *f = op_fields(d, op, nsi);
        json_object_update(rec, f);
        json_decref(f);
    }
    text = json_dumps(rec, JSON_COMPACT | JSON_REAL_PRECISION(16));
    if (text != NULL)
        keep_for_report(d, text);
    free(text);
    if (d->store != NULL)
        store_put_result(d->store, rec);
    else
        json_decref(rec);
}

/* [probe] mode = agents: results come back through the campaign's feed,
 * stored already by the agents; tallied and kept for the report here. */
static void *feed_main(void *arg)
{
    drv_t *d = arg;
    char last[64] = "0";
    char err[512];

    while (!d->feed_stop) {
        streams_entry_t *e = NULL;
        size_t n = 0;
        if (streams_feed_read(d->feed, d->id, last, 200, &e, &n, err, sizeof(err)) < 0) {
            log_warn("campaign %s: reading results from the agents: %s", d->id, err);
            usleep(500000);
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            json_error_t je;
            json_t *rec = json_loads(e[i].payload, 0, &je);
            const char *st = json_string_value(json_object_get(rec, "status"));
            probe_status_t status = PROBE_CANCELLED;
            json_int_t tag = json_integer_value(json_object_get(rec, "tag"));
            size_t nsi = (size_t)(tag & 0xffff);
            double dur = json_number_value(json_object_get(rec, "duration"));
            if (rec == NULL)
                continue;
            if (st != NULL && strcmp(st, "COMPLETED") == 0)
                status = PROBE_COMPLETED;
            else if (st != NULL && strcmp(st, "TIMEOUT") == 0)
                status = PROBE_TIMEOUT;
            else if (st != NULL && strcmp(st, "ERROR") == 0)
                status = PROBE_ERROR;
            if (tally(d, (uint64_t)tag >> 16, nsi, status, dur) != NULL) {
                d->feed_results++;
                keep_for_report(d, e[i].payload);
            }
            json_decref(rec);
        }
        streams_entries_free(e, n);
    }
    return NULL;
}

/* [probe] mode = agents: the poll request, once per vantage. */
static int publish_poll(drv_t *d, const op_t *op, size_t nsi, const probe_req_t *req)
{
    json_t *rec = op_fields(d, op, nsi);
    json_t *p;
    char poll[64];
    char err[512];
    char *text;
    int failed = 0;

    json_object_del(rec, "vantage"); /* the agent's */
    json_object_set_new(rec, "tag", json_integer((json_int_t)req->tag));
    snprintf(poll, sizeof(poll), "%llu.%zu", (unsigned long long)op->id, nsi);
    p = json_pack("{s:s, s:s, s:o, s:o}", "campaign", d->id, "poll", poll, "req",
                  probe_req_to_json(req), "rec", rec);
    text = p != NULL ? json_dumps(p, JSON_COMPACT | JSON_REAL_PRECISION(16)) : NULL;
    json_decref(p);
    pthread_mutex_lock(&d->pub_mu);
    for (size_t v = 0; v < d->sc->nvantages; v++) {
        if (text == NULL ||
            streams_publish(d->pub, d->sc->vantages[v], text, err, sizeof(err)) < 0) {
            log_warn("campaign %s: publishing a poll for vantage %s: %s", d->id,
                     d->sc->vantages[v], text != NULL ? err : "out of memory");
            failed++;
        }
    }
    pthread_mutex_unlock(&d->pub_mu);
    free(text);
    return failed;
}

/* After the acknowledgement: one poll per nameserver of the target. */
static void submit_polls(drv_t *d, op_t *op)
{
    size_t i;
    unsigned n = 0;
    unsigned failed = 0;
    char err[1100];

    for (i = 0; i < d->sc->nns; i++)
        n += scenario_ns_target(d->sc, &d->sc->ns[i]) == op->target;
    if (d->sc->agents)
        n *= (unsigned)d->sc->nvantages; /* one result per vantage */
    /* npolls is known before the first result can come back */
    pthread_mutex_lock(&d->mu);
    op->npolls = n;
    d->polls_submitted += n;
    if (n == 0)
        op_release(d, op);
    pthread_mutex_unlock(&d->mu);
    for (i = 0; i < d->sc->nns; i++) {
        const scen_ns_t *ns = &d->sc->ns[i];
        probe_req_t req;

        if (scenario_ns_target(d->sc, ns) != op->target)
            continue;
        probe_req_init(&req);
        req.ns = ns->addr;
        req.start_time = op->ack.ack_time;
        req.frequency = d->sc->frequency;
        req.timeout = d->sc->timeout;
        req.tag = (op->id << 16) | i;
        switch (op->kind) {
        case OP_ZONE_CREATE:
        case OP_ZONE_UPDATE:
            probe_req_set_name(&req, op->zname, true, err, sizeof(err));
            req.cond = COND_SERIAL_NOT_LOWER;
            req.serial = op->serial;
            req.has_serial = true;
            break;
        case OP_ZONE_DELETE:
            probe_req_set_name(&req, op->zname, true, err, sizeof(err));
            req.cond = COND_EMPTY_RESPONSE;
            break;
        case OP_RECORD_CREATE:
        case OP_RECORD_UPDATE:
            probe_req_set_name(&req, op->name, false, err, sizeof(err));
            req.qtype = op->type;
            req.cond = COND_VALUE_PRESENT;
            req.exact = true; /* the RRset is exactly the new value(s) */
            if (op->vals != NULL) {
                for (size_t v = 0; v < op->nvals; v++)
                    probe_req_add_value(&req, op->vals[v], err, sizeof(err));
            } else {
                probe_req_add_value(&req, op->value, err, sizeof(err));
            }
            break;
        case OP_RECORD_DELETE:
            probe_req_set_name(&req, op->name, false, err, sizeof(err));
            req.qtype = op->type;
            req.cond = COND_EMPTY_RESPONSE;
            break;
        default:
            break;
        }
        if (probe_req_finish(&req, err, sizeof(err)) < 0)
            failed += d->sc->agents ? (unsigned)d->sc->nvantages : 1;
        else if (d->sc->agents)
            failed += (unsigned)publish_poll(d, op, i, &req);
        else if (probe_pool_submit(d->pool, &req) < 0)
            failed++;
        probe_req_clear(&req);
    }
    if (failed > 0) {
        pthread_mutex_lock(&d->mu);
        op->npolls -= failed;
        d->polls_submitted -= failed;
        if (op->ndone == op->npolls)
            op_release(d, op);
        pthread_cond_broadcast(&d->cond);
        pthread_mutex_unlock(&d->mu);
    }
}

/* ---- API workers ------------------------------------------------------------------ */

typedef struct {
    drv_t *d;
    pthread_t thread;
    target_t *target;
} worker_t;

static void apply_op(drv_t *d, target_t *t, op_t *op)
{
    bool created;
    target_op_t top;
    char *vals[1];
    int ret;

    memset(&top, 0, sizeof(top));
    top.kind = op->kind;
    top.zone = op->zname;
    top.name = op->name;
    top.type = op->type;
    top.ttl = op->ttl > 0 ? op->ttl : 60;
    if (op->vals != NULL) {
        top.values = op->vals;
        top.nvalues = op->nvals;
    } else if (op->value != NULL) {
        vals[0] = op->value;
        top.values = vals;
        top.nvalues = 1;
    }
    ret = target_apply(t, &top, &op->ack);
    created = ret == 0 && op->kind == OP_ZONE_CREATE;
    if (ret == 0 && (op->kind == OP_ZONE_CREATE || op->kind == OP_ZONE_UPDATE)) {
        /* the serial to wait for: what the primary has after the change */
        ret = target_zone_serial(t, top.zone, &op->serial);
        if (ret < 0)
            snprintf(op->ack.error, sizeof(op->ack.error), "cannot read the serial of %s",
                     top.zone);
    }
    pthread_mutex_lock(&d->mu);
    op->applied = true;
    op->failed = ret < 0;
    if (created)
        d->zones[op->zone].alive = true; /* exists, even if its serial could not be read:
                                          * cleanup must delete it */
    /* (the metrics client only appends to its buffer: fine under the lock) */
    metrics_count(d->metrics, ret < 0 ? "ops.failed" : "ops.acknowledged", 1);
    if (ret == 0)
        metrics_timing_ms(d->metrics, "ops.api_ms",
                          (op->ack.ack_time - op->ack.submit_time) * 1e3);
    if (ret < 0) {
        d->failed++;
    } else {
        d->acked++;
        if (op->kind == OP_ZONE_CREATE)
            d->zones[op->zone].alive = true;
        else if (op->kind == OP_ZONE_DELETE)
            d->zones[op->zone].alive = false;
        else if (op->kind == OP_RECORD_CREATE && op->rec >= 0)
            d->recs[op->rec].alive = true;
        else if (op->kind == OP_RECORD_DELETE)
            d->recs[op->rec].alive = false;
        else if (op->kind == OP_RECORD_UPDATE) {
            free(d->recs[op->rec].value);
            d->recs[op->rec].value = strdup(op->value);
        }
    }
    if (ret < 0)
        op_release(d, op); /* else when its polls are done */
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->mu);
    if (ret < 0) {
        if (!d->opts->quiet)
            fprintf(stderr, "dnsprop run: %s %s: %s%s\n", op_kind_str(op->kind), op->name,
                    op->ack.error,
                    op->kind == OP_ZONE_CREATE && op->ack.status == 409
                        ? " (left by an earlier run with the same seed? delete it, or "
                          "change [campaign] seed)"
                        : "");
        return;
    }
    submit_polls(d, op);
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    drv_t *d = w->d;

    pthread_mutex_lock(&d->mu);
    for (;;) {
        op_t *op;
        while (d->qhead == NULL && !d->closing)
            pthread_cond_wait(&d->cond, &d->mu);
        if (d->qhead == NULL)
            break;
        op = d->qhead;
        d->qhead = op->qnext;
        if (d->qhead == NULL)
            d->qtail = NULL;
        d->qlen--;
        pthread_cond_broadcast(&d->cond);
        pthread_mutex_unlock(&d->mu);
        apply_op(d, w->target, op);
        pthread_mutex_lock(&d->mu);
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

/* Queue an operation; waits while api_inflight calls are queued already
 * (the offered rate then outruns the achieved one, which is recorded). */
static void enqueue(drv_t *d, op_t *op)
{
    metrics_count(d->metrics, "ops.offered", 1);
    op->zname = d->zones[op->zone].name;
    op->target = d->zones[op->zone].target;
    while (d->qlen >= d->sc->api_inflight && !*d->opts->stop)
        timebase_cond_wait_ms(&d->cond, &d->mu, 100);
    op->qnext = NULL;
    if (d->qtail != NULL)
        d->qtail->qnext = op;
    else
        d->qhead = op;
    d->qtail = op;
    d->qlen++;
    pthread_cond_broadcast(&d->cond);
}

static void sleep_until_real(double t)
{
    double now = timebase_real_s();

    if (t > now)
        usleep((useconds_t)((t - now) * 1e6));
}

/* Wait until every queued and in-flight API call is done and its change
 * has been seen everywhere (or its polls ended). */
static void wait_api_idle(drv_t *d)
{
    size_t i;

    pthread_mutex_lock(&d->mu);
    for (;;) {
        bool busy = d->qhead != NULL;
        for (i = 0; i < d->nzones && !busy; i++)
            busy = d->zones[i].busy;
        for (i = 0; i < d->nrecs && !busy; i++)
            busy = d->recs[i].busy;
        if (!busy || *d->opts->stop)
            break;
        timebase_cond_wait_ms(&d->cond, &d->mu, 100);
    }
    pthread_mutex_unlock(&d->mu);
}

static void progress(drv_t *d, double start, const char *phase)
{
    /* One line a second: rewritten in place on a terminal, plain lines
     * otherwise (logs, CI); the query rate is over the last interval. */
    static uint64_t last_q;
    static double last_t;
    bool tty = isatty(2);
    bool done = strcmp(phase, "done") == 0;
    probe_stats_t ps;
    double now = timebase_real_s();
    double qps;

    if (d->opts->quiet)
        return;
    probe_pool_stats(d->pool, &ps);
    qps = last_t > 0 && now > last_t ? (double)(ps.queries - last_q) / (now - last_t) : 0;
    last_q = ps.queries;
    last_t = now;
    pthread_mutex_lock(&d->mu);
    fprintf(
        stderr,
        "%s[%7.1fs] %-8s ops %zu offered, %llu acked, %llu failed | polls %llu pending, "
        "%llu completed, %llu timed out | %.0f q/s%s",
        tty ? "\r\033[K" : "", now - start, phase, d->nops, (unsigned long long)d->acked,
        (unsigned long long)d->failed,
        (unsigned long long)(d->polls_submitted - d->polls_done),
        (unsigned long long)d->completed, (unsigned long long)d->timeouts, qps,
        tty && !done ? "" : "\n");
    pthread_mutex_unlock(&d->mu);
}

/* What the workload meant the target to hold at the end, for the
 * convergence report: every zone and record it touched, PRESENT (with its
 * values) or ABSENT. */
static json_t *intended_state(drv_t *d)
{
    json_t *o = json_object();
    json_t *zones = json_array();
    json_t *recs = json_array();
    size_t i;
    char tb[16];

    for (i = 0; i < d->nzones; i++)
        json_array_append_new(zones, json_pack("{s:s, s:s}", "zone", d->zones[i].name,
                                               "presence",
                                               d->zones[i].alive ? "PRESENT" : "ABSENT"));
    for (i = 0; i < d->nrecs; i++) {
        const rec_t *r = &d->recs[i];
        json_t *e = json_pack("{s:s, s:s, s:s, s:s}", "name", r->name, "zone", r->zone,
                              "type", rdata_type_to_str(r->type, tb), "presence",
                              r->alive && d->zones[r->zidx].alive ? "PRESENT" : "ABSENT");
        if (r->alive && r->value != NULL)
            json_object_set_new(e, "values", json_pack("[s]", r->value));
        json_array_append_new(recs, e);
    }
    json_object_set_new(o, "zones", zones);
    json_object_set_new(o, "records", recs);
    return o;
}

/* A record_create of (name, type, value) in zone zi (under mu). */
static op_t *record_op(drv_t *d, size_t zi, const char *name, uint16_t type,
                       const char *text)
{
    op_t *op = op_new(d, OP_RECORD_CREATE);

    if (op == NULL)
        return NULL;
    op->zone = zi;
    op->type = type;
    op->name = strdup(name);
    if (rdata_from_text(type, text, &op->value) < 0)
        op->value = strdup(text);
    op->rec = rec_add(d, zi, name, type, op->value);
    if (op->rec >= 0)
        d->recs[op->rec].busy = true;
    return op;
}

static long find_zone(drv_t *d, const char *name)
{
    size_t i;

    for (i = d->nzones; i-- > 0;) {
        if (strcmp(d->zones[i].name, name) == 0)
            return (long)i;
    }
    return -1;
}

static long find_rec(drv_t *d, const char *name, uint16_t type)
{
    size_t i;

    for (i = d->nrecs; i-- > 0;) {
        if (d->recs[i].type == type && strcmp(d->recs[i].name, name) == 0)
            return (long)i;
    }
    return -1;
}

/* The reverse zone's parent, one label up (2.0.192.in-addr.arpa. ->
 * 0.192.in-addr.arpa.; one nibble up in ip6.arpa.): when the target does
 * not serve it yet, create it and delegate the zone to it (NS, RFC 1034
 * 4.2.2), so that the reverse tree holds together below the apex. */
static void ensure_parent(drv_t *d, const char *rzone, size_t rz)
{
    const char *dot = strchr(rzone, '.');
    const char *parent = dot != NULL ? dot + 1 : "";
    char err[512];
    char ns[RDATA_NAME_TEXT_MAX + 8];
    target_t *t = NULL;
    uint32_t serial;
    bool exists;
    long pz;
    op_t *op;

    if (strcmp(parent, "in-addr.arpa.") == 0 || strcmp(parent, "ip6.arpa.") == 0 ||
        parent[0] == '\0' || !d->zones[rz].alive)
        return;
    if (target_create(&t, &d->sc->targets[0], err, sizeof(err)) < 0)
        return;
    exists = target_zone_serial(t, parent, &serial) == 0;
    target_destroy(t);
    if (exists)
        return; /* served already: its owner delegates */
    pthread_mutex_lock(&d->mu);
    op = op_new(d, OP_ZONE_CREATE);
    if (op != NULL) {
        pz = (long)zone_add(d, parent, &d->sc->targets[0]);
        op->zone = (size_t)pz;
        d->zones[pz].busy = true;
        op->name = strdup(parent);
        op->type = RDATA_T_SOA;
        op->due = timebase_real_s();
        enqueue(d, op);
    }
    pthread_mutex_unlock(&d->mu);
    wait_api_idle(d);
    pthread_mutex_lock(&d->mu);
    pz = find_zone(d, parent);
    if (pz >= 0 && d->zones[pz].alive) {
        snprintf(ns, sizeof(ns), "ns1.%s", rzone); /* the zone's own NS */
        op = record_op(d, (size_t)pz, rzone, RDATA_T_NS, ns);
        if (op != NULL) {
            op->due = timebase_real_s();
            enqueue(d, op);
        }
    }
    pthread_mutex_unlock(&d->mu);
    wait_api_idle(d);
}

/* The phase's scheduled rate at fraction frac of it: rate_from, or along
 * the ramp rate_from..rate_to, held at rate_to past the end. */
static double phase_rate(const scen_phase_t *ph, double frac)
{
    return ph->rate_from + (ph->rate_to - ph->rate_from) * (frac < 1 ? frac : 1);
}

/* A reverse phase: the forward zone and the prefix's reverse zone (RFC
 * 1035 3.5 in-addr.arpa., RFC 3596 2.5 ip6.arpa.), then for the n-th
 * address of the prefix an A or AAAA record h<n>.<forward zone> and its
 * PTR, both due at the same moment, at the phase's rate. */
static void run_ptr_phase(drv_t *d, const scen_phase_t *ph, double start)
{
    char rzone[RDATA_NAME_TEXT_MAX];
    double t0;
    double due;
    double last_progress = 0;
    uint64_t n = 0;
    size_t fz;
    size_t rz;
    op_t *op;

    if (reverse_zone(&ph->prefix, rzone, sizeof(rzone)) < 0)
        return;
    pthread_mutex_lock(&d->mu);
    d->cur_phase = ph->name;
    d->cur_rate = NAN;
    op = make_op(d, ph, OP_ZONE_CREATE); /* the forward zone */
    if (op == NULL) {
        pthread_mutex_unlock(&d->mu);
        return;
    }
    fz = op->zone;
    op->due = timebase_real_s();
    enqueue(d, op);
    op = op_new(d, OP_ZONE_CREATE);
    if (op == NULL) {
        pthread_mutex_unlock(&d->mu);
        return;
    }
    op->zone = rz = zone_add(d, rzone, &d->sc->targets[0]);
    d->zones[rz].busy = true;
    op->name = strdup(rzone);
    op->type = RDATA_T_SOA;
    op->due = timebase_real_s();
    enqueue(d, op);
    pthread_mutex_unlock(&d->mu);
    wait_api_idle(d);
    ensure_parent(d, rzone, rz);

    t0 = timebase_real_s();
    due = t0;
    for (;;) {
        double el = due - t0;
        double frac =
            ph->duration > 0 ? el / ph->duration : (double)n / (double)ph->count;
        unsigned char addr[16];
        char host[RDATA_NAME_TEXT_MAX + 32];
        char text[64];
        char ptr[RDATA_NAME_TEXT_MAX];
        int fam = ph->prefix.family;

        if (*d->opts->stop || (ph->duration > 0 && el >= ph->duration) ||
            (ph->count > 0 && n >= ph->count) ||
            reverse_nth_addr(&ph->prefix, n, addr) < 0)
            break;
        sleep_until_real(due);
        reverse_addr_text(fam, addr, text, sizeof(text));
        reverse_ptr_name(fam, addr, ptr, sizeof(ptr));
        pthread_mutex_lock(&d->mu);
        d->cur_rate = phase_rate(ph, frac);
        snprintf(host, sizeof(host), "h%llu.%s", (unsigned long long)n,
                 d->zones[fz].name);
        if (d->zones[fz].alive && d->zones[rz].alive) {
            op = record_op(d, fz, host, fam == AF_INET ? RDATA_T_A : RDATA_T_AAAA, text);
            if (op != NULL) {
                op->due = due;
                enqueue(d, op);
            }
            op = record_op(d, rz, ptr, RDATA_T_PTR, host);
            if (op != NULL) {
                op->due = due;
                enqueue(d, op);
            }
        }
        pthread_mutex_unlock(&d->mu);
        n++;
        due += 1.0 / d->cur_rate; /* only this thread writes it */
        if (timebase_real_s() - last_progress >= 1.0) {
            last_progress = timebase_real_s();
            progress(d, start, ph->name);
        }
    }
}

/* One phase: its zones, then operations at the scheduled rate. */
static void run_phase(drv_t *d, const scen_phase_t *ph, double start)
{
    unsigned k;
    unsigned wsum = 0;
    double t0;
    double last_progress = 0;
    uint64_t n = 0;
    int i;

    pthread_mutex_lock(&d->mu);
    d->cur_phase = ph->name;
    d->cur_rate = NAN; /* zones made at the start are not part of the rate */
    for (k = 0; k < ph->zones && !*d->opts->stop; k++) {
        op_t *op = make_op(d, ph, OP_ZONE_CREATE);
        if (op == NULL)
            break;
        op->due = timebase_real_s();
        enqueue(d, op);
    }
    pthread_mutex_unlock(&d->mu);
    wait_api_idle(d); /* records need their zones, on every nameserver */

    for (i = 0; i < OP_KINDS; i++)
        wsum += ph->mix[i];
    if (wsum == 0)
        return;
    t0 = timebase_real_s();
    double due = t0;
    for (;;) {
        double el = due - t0;
        double frac =
            ph->duration > 0 ? el / ph->duration : (double)n / (double)ph->count;
        double rate;
        unsigned pick;
        op_kind_t kind = OP_RECORD_CREATE;
        op_t *op;

        if (*d->opts->stop || (ph->duration > 0 && el >= ph->duration) ||
            (ph->count > 0 && n >= ph->count))
            break;
        sleep_until_real(due);
        rate = phase_rate(ph, frac);
        pthread_mutex_lock(&d->mu);
        d->cur_rate = rate;
        pick = (unsigned)(rnd(d) % wsum);
        for (i = 0; i < OP_KINDS; i++) {
            if (pick < ph->mix[i]) {
                kind = (op_kind_t)i;
                break;
            }
            pick -= ph->mix[i];
        }
        op = make_op(d, ph, kind);
        if (op == NULL && kind != OP_RECORD_CREATE)
            op = make_op(d, ph, OP_RECORD_CREATE); /* nothing to update or delete yet */
        if (op != NULL) {
            op->due = due;
            enqueue(d, op);
        }
        pthread_mutex_unlock(&d->mu);
        n++;
        /* Open loop: the next one is due 1/rate after this one was due. */
        due += 1.0 / rate;
        if (timebase_real_s() - last_progress >= 1.0) {
            last_progress = timebase_real_s();
            progress(d, start, ph->name);
        }
    }
}

/* ---- operation tables ------------------------------------------------------------- */

/* The table's operations, each at start + at, in order. A row waits
 * while an earlier change to the same name is still propagating. */
static void run_table(drv_t *d, const optable_row_t *rows, size_t n, double start)
{
    double t0 = timebase_real_s();
    double last_progress = 0;
    size_t i;

    pthread_mutex_lock(&d->mu);
    d->cur_phase = "table";
    d->cur_rate = NAN;
    pthread_mutex_unlock(&d->mu);
    for (i = 0; i < n && !*d->opts->stop; i++) {
        const optable_row_t *r = &rows[i];
        long zi;
        long ri = -1;
        op_t *op;

        sleep_until_real(t0 + r->at);
        pthread_mutex_lock(&d->mu);
        zi = find_zone(d, r->zone);
        if (zi < 0 || (r->kind == OP_ZONE_CREATE && !d->zones[zi].alive)) {
            /* a zone the table did not create is taken to exist */
            zi = (long)zone_add(d, r->zone, &d->sc->targets[0]);
            d->zones[zi].alive = r->kind != OP_ZONE_CREATE;
        }
        if (r->kind >= OP_RECORD_CREATE) {
            ri = find_rec(d, r->name, r->type);
            if (ri < 0)
                ri = rec_add(d, (size_t)zi, r->name, r->type, NULL);
        }
        while (!*d->opts->stop &&
               (d->zones[zi].busy || (ri >= 0 && d->recs[ri].busy) ||
                (r->kind == OP_ZONE_DELETE && zone_recs_busy(d, (size_t)zi))))
            timebase_cond_wait_ms(&d->cond, &d->mu, 100);
        op = op_new(d, r->kind);
        if (op != NULL) {
            op->zone = (size_t)zi;
            op->rec = ri;
            op->name = strdup(r->name);
            op->type = r->kind >= OP_RECORD_CREATE ? r->type
                       : r->kind == OP_ZONE_UPDATE ? RDATA_T_TXT
                                                   : RDATA_T_SOA;
            op->value = r->value != NULL            ? strdup(r->value)
                        : r->kind == OP_ZONE_UPDATE ? gen_value(d, RDATA_T_TXT, op->id)
                                                    : NULL;
            op->due = t0 + r->at;
            op->ttl = r->ttl;
            if (ri >= 0)
                d->recs[ri].busy = true;
            else
                d->zones[zi].busy = true;
            enqueue(d, op);
        }
        pthread_mutex_unlock(&d->mu);
        if (timebase_real_s() - last_progress >= 1.0) {
            last_progress = timebase_real_s();
            progress(d, start, "table");
        }
    }
}

/* A zone-sync phase: apply a plan made before the campaign started, one
 * change per RRset, at the phase's rate. */
static void run_sync_phase(drv_t *d, const scen_phase_t *ph, const zs_plan_t *plan,
                           const char *zone, double start)
{
    double t0 = timebase_real_s();
    double due = t0;
    double last_progress = 0;
    size_t i;
    long zi;

    pthread_mutex_lock(&d->mu);
    zi = find_zone(d, zone);
    if (zi < 0) {
        zi = (long)zone_add(d, zone, &d->sc->targets[0]);
        d->zones[zi].alive = true; /* synced zones exist on the target */
    }
    d->cur_phase = ph->name;
    d->cur_rate = ph->rate_from;
    pthread_mutex_unlock(&d->mu);
    for (i = 0; i < plan->n && !*d->opts->stop; i++) {
        const zs_change_t *ch = &plan->changes[i];
        const zs_rrset_t *rs = ch->want != NULL ? ch->want : ch->have;
        op_t *op;
        long ri;

        sleep_until_real(due);
        pthread_mutex_lock(&d->mu);
        ri = find_rec(d, rs->name, rs->type);
        if (ri < 0)
            ri = rec_add(d, (size_t)zi, rs->name, rs->type, NULL);
        while (!*d->opts->stop && ri >= 0 && d->recs[ri].busy)
            timebase_cond_wait_ms(&d->cond, &d->mu, 100);
        op = op_new(d, ch->kind);
        if (op != NULL) {
            op->zone = (size_t)zi;
            op->rec = ri;
            op->name = strdup(rs->name);
            op->type = rs->type;
            op->ttl = rs->ttl;
            if (ch->kind != OP_RECORD_DELETE && ch->want->nvalues > 0) {
                op->vals = calloc(ch->want->nvalues, sizeof(char *));
                for (size_t v = 0; op->vals != NULL && v < ch->want->nvalues; v++)
                    op->vals[op->nvals++] = strdup(ch->want->values[v]);
                op->value = strdup(ch->want->values[0]);
            }
            op->due = due;
            if (ri >= 0) {
                d->recs[ri].busy = true;
                free(d->recs[ri].value);
                d->recs[ri].value = op->value != NULL ? strdup(op->value) : NULL;
            }
            enqueue(d, op);
        }
        pthread_mutex_unlock(&d->mu);
        due += 1.0 / ph->rate_from;
        if (timebase_real_s() - last_progress >= 1.0) {
            last_progress = timebase_real_s();
            progress(d, start, ph->name);
        }
    }
}

/* ---- the SLO verdict
 * ------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return (x > y) - (x < y);
}

static json_t *verdict(drv_t *d, bool *ok)
{
    const scenario_t *sc = d->sc;
    double *prop = calloc(d->nops + 1, sizeof(double));
    size_t np = 0;
    size_t i;
    double p50 = NAN, p99 = NAN;
    bool converged = true;
    json_t *v = json_object();
    json_t *fails = json_array();

    for (i = 0; i < d->nops; i++) {
        op_t *op = d->ops[i];
        if (!op->applied || op->failed || op->npolls == 0 ||
            op->ncompleted != op->npolls) {
            converged = false;
            continue;
        }
        if (prop != NULL)
            prop[np++] = op->max_duration;
    }
    if (np > 0 && prop != NULL) {
        /* nearest rank, as the report's figures (plot/stats.h) */
        qsort(prop, np, sizeof(double), cmp_double);
        p50 = stats_percentile(prop, np, 50);
        p99 = stats_percentile(prop, np, 99);
    }
    free(prop);
    *ok = true;
    if (sc->has_p99 && np == 0) {
        *ok = false;
        json_array_append_new(fails,
                              json_string("p99: no change reached every nameserver"));
    } else if (sc->has_p99 && p99 > sc->slo_p99) {
        *ok = false;
        json_array_append_new(fails,
                              json_sprintf("p99 %.3f s > %.3f s", p99, sc->slo_p99));
    }
    if (sc->has_max_timeouts && d->timeouts + d->errors > sc->slo_max_timeouts) {
        *ok = false;
        json_array_append_new(fails,
                              json_sprintf("%llu timeouts/errors > %llu",
                                           (unsigned long long)(d->timeouts + d->errors),
                                           (unsigned long long)sc->slo_max_timeouts));
    }
    if (d->unanswered + (d->polls_submitted - d->polls_done) > 0 && !*d->opts->stop) {
        /* agents mode: requests nobody answered (no agent for a vantage?) */
        *ok = false;
        json_array_append_new(
            fails,
            json_sprintf(
                "%llu polls got no result%s",
                (unsigned long long)(d->unanswered + d->polls_submitted - d->polls_done),
                d->sc->agents ? ": is an agent running for every vantage?" : ""));
    }
    if (d->failed > 0) {
        /* whatever the SLOs: changes the target refused are a failure */
        *ok = false;
        json_array_append_new(fails, json_sprintf("%llu operation%s failed at the target",
                                                  (unsigned long long)d->failed,
                                                  d->failed == 1 ? "" : "s"));
    }
    if (sc->slo_converged && !converged) {
        *ok = false;
        json_array_append_new(fails,
                              json_string("not every change reached every nameserver"));
    }
    {
        /* Offered: when operations were due; achieved: when they were
         * acknowledged (zone creations at phase starts left out). */
        double f0 = INFINITY, f1 = -INFINITY, a0 = INFINITY, a1 = -INFINITY;
        size_t n = 0;
        for (i = 0; i < d->nops; i++) {
            op_t *op = d->ops[i];
            if (!op->applied || op->kind == OP_ZONE_CREATE || op->failed)
                continue;
            n++;
            f0 = fmin(f0, op->due);
            f1 = fmax(f1, op->due);
            a0 = fmin(a0, op->ack.ack_time);
            a1 = fmax(a1, op->ack.ack_time);
        }
        json_object_set_new(v, "offered_rate",
                            n > 1 && f1 > f0 ? json_real((double)(n - 1) / (f1 - f0))
                                             : json_null());
        json_object_set_new(v, "achieved_rate",
                            n > 1 && a1 > a0 ? json_real((double)(n - 1) / (a1 - a0))
                                             : json_null());
    }
    json_object_set_new(v, "operations", json_integer((json_int_t)d->nops));
    json_object_set_new(v, "acked", json_integer((json_int_t)d->acked));
    json_object_set_new(v, "failed", json_integer((json_int_t)d->failed));
    json_object_set_new(v, "polls", json_integer((json_int_t)d->polls_submitted));
    json_object_set_new(v, "completed", json_integer((json_int_t)d->completed));
    json_object_set_new(v, "timeouts", json_integer((json_int_t)d->timeouts));
    json_object_set_new(v, "errors", json_integer((json_int_t)d->errors));
    json_object_set_new(v, "cancelled", json_integer((json_int_t)d->cancelled));
    json_object_set_new(
        v, "unanswered",
        json_integer((json_int_t)(d->unanswered + d->polls_submitted - d->polls_done)));
    json_object_set_new(v, "propagation_p50", isnan(p50) ? json_null() : json_real(p50));
    json_object_set_new(v, "propagation_p99", isnan(p99) ? json_null() : json_real(p99));
    json_object_set_new(v, "converged", json_boolean(converged));
    json_object_set_new(v, "slo_ok", json_boolean(*ok));
    json_object_set_new(v, "slo_failures", fails);
    return v;
}

/* ---- the run
 * ------------------------------------------------------------------------------ */

static void drv_free(drv_t *d)
{
    size_t i;

    for (i = 0; i < d->nops; i++) {
        free(d->ops[i]->name);
        free(d->ops[i]->value);
        for (size_t v = 0; v < d->ops[i]->nvals; v++)
            free(d->ops[i]->vals[v]);
        free(d->ops[i]->vals);
        free(d->ops[i]);
    }
    for (i = 0; i < d->nrecs; i++) {
        free(d->recs[i].name);
        free(d->recs[i].value);
    }
    for (i = 0; i < d->nzones; i++)
        free(d->zones[i].name);
    free(d->ops);
    free(d->recs);
    free(d->zones);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->ds_mu);
    pthread_mutex_destroy(&d->pub_mu);
    metrics_destroy(d->metrics);
    ds_clear(&d->ds);
}

/* ---- zone sync plans (made before anything starts) -------------------------------- */

typedef struct {
    zs_zone_t want;
    zs_zone_t have;
    zs_plan_t plan;
    char zone[RDATA_NAME_TEXT_MAX];
    bool made;
} syncplan_t;

static void syncplans_free(syncplan_t *sp, size_t n)
{
    size_t i;

    for (i = 0; sp != NULL && i < n; i++) {
        if (sp[i].made)
            zs_plan_free(&sp[i].plan);
        zs_zone_free(&sp[i].want);
        zs_zone_free(&sp[i].have);
    }
    free(sp);
}

/* Read each sync phase's zone file, the zone from the primary by AXFR,
 * plan, print the plan and check its safety. Returns 0, or an exit status
 * after saying why. */
static int plan_syncs(const scenario_t *sc, const driver_opts_t *opts, syncplan_t *sp)
{
    json_t *all = json_array();
    size_t i;
    int rc = 0;

    for (i = 0; i < sc->nphases && rc == 0; i++) {
        const scen_phase_t *ph = &sc->phases[i];
        const scen_ns_t *primary = NULL;
        char err[1024];
        char why[512];
        size_t skipped = 0;
        size_t k;

        if (ph->zonefile == NULL)
            continue;
        for (k = 0; k < sc->nns && primary == NULL; k++) {
            if (sc->ns[k].role == NS_PRIMARY &&
                scenario_ns_target(sc, &sc->ns[k]) == &sc->targets[0])
                primary = &sc->ns[k];
        }
        if (primary == NULL) {
            fprintf(stderr,
                    "dnsprop run: %s: [phase %s] zonefile: no [nameserver] with role = "
                    "primary to read the zone from by AXFR\n",
                    sc->path, ph->name);
            rc = DP_EXIT_ERROR;
            break;
        }
        if (zs_zone_load(ph->zonefile, ph->sync_zone, &sp[i].want, &skipped, err,
                         sizeof(err)) < 0) {
            fprintf(stderr, "dnsprop run: [phase %s] zonefile: %s\n", ph->name, err);
            rc = DP_EXIT_ERROR;
            break;
        }
        snprintf(sp[i].zone, sizeof(sp[i].zone), "%s",
                 ph->sync_zone != NULL ? ph->sync_zone : sp[i].want.origin);
        if (zs_zone_axfr(primary->addr.text, sp[i].zone, sc->targets[0].tsig, &sp[i].have,
                         err, sizeof(err)) < 0) {
            fprintf(stderr, "dnsprop run: [phase %s] AXFR of %s from %s: %s\n", ph->name,
                    sp[i].zone, primary->addr.text, err);
            rc = DP_EXIT_ERROR;
            break;
        }
        zs_plan(&sp[i].want, &sp[i].have, &sp[i].plan);
        sp[i].made = true;
        if (!opts->quiet || opts->dry_run) {
            fprintf(stderr, "== [phase %s] sync %s to %s%s\n", ph->name, sp[i].zone,
                    ph->zonefile, skipped > 0 ? " (some types skipped)" : "");
            zs_plan_print(stderr, &sp[i].plan);
        }
        {
            json_t *pj = zs_plan_json(&sp[i].plan);
            json_object_set_new(pj, "phase", json_string(ph->name));
            json_object_set_new(pj, "zone", json_string(sp[i].zone));
            json_array_append_new(all, pj);
        }
        if (zs_plan_check(&sp[i].plan, ph->max_update_pct, ph->max_delete_pct, why,
                          sizeof(why)) < 0) {
            fprintf(stderr, "dnsprop run: [phase %s] unsafe: %s%s\n", ph->name, why,
                    opts->force ? " (applied: --force)" : "");
            if (!opts->force && !opts->dry_run)
                rc = DP_EXIT_ERROR;
        }
    }
    if (opts->dry_run && rc == 0) {
        char *t = json_dumps(all, JSON_INDENT(2));
        printf("%s\n", t != NULL ? t : "[]");
        free(t);
    }
    json_decref(all);
    return rc;
}

/* ---- what the report needs, stored with the campaign ---------------------------- */

/* The scenario file's text, for the report (at most 256 KiB). */
static json_t *scenario_text(const char *path)
{
    char buf[256 * 1024];
    FILE *f = fopen(path, "r");
    size_t n;

    if (f == NULL)
        return json_null();
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    {
        json_t *t = json_stringn(buf, n); /* NULL unless UTF-8 */
        return t != NULL ? t : json_string("(the scenario file is not UTF-8 text)");
    }
}

static json_t *campaign_meta(const scenario_t *sc, const clock_status_t *clk,
                             const char *host)
{
    json_t *meta = json_object();
    json_t *nss = json_array();
    json_t *phases = json_array();
    json_t *slo = json_object();
    size_t i;

    json_object_set_new(meta, "scenario", json_string(sc->path));
    json_object_set_new(meta, "scenario_text", scenario_text(sc->path));
    json_object_set_new(meta, "host", json_string(host));
    json_object_set_new(meta, "version", json_string(DNSPROP_VERSION));
    json_object_set_new(meta, "seed", json_integer((json_int_t)sc->seed));
    json_object_set_new(meta, "clock_start", clock_status_json(clk));
    for (i = 0; i < sc->nns; i++)
        json_array_append_new(nss, json_pack("{s:s, s:s, s:s}", "name", sc->ns[i].name,
                                             "addr", sc->ns[i].addr.text, "role",
                                             ns_role_str(sc->ns[i].role)));
    json_object_set_new(meta, "nameservers", nss);
    for (i = 0; i < sc->nphases; i++) {
        const scen_phase_t *ph = &sc->phases[i];
        json_array_append_new(
            phases, json_pack("{s:s, s:f, s:f, s:f, s:I}", "name", ph->name, "rate_from",
                              ph->rate_from, "rate_to", ph->rate_to, "duration",
                              ph->duration, "count", (json_int_t)ph->count));
    }
    json_object_set_new(meta, "phases", phases);
    if (sc->has_p99)
        json_object_set_new(slo, "p99", json_real(sc->slo_p99));
    if (sc->has_max_timeouts)
        json_object_set_new(slo, "max_timeouts",
                            json_integer((json_int_t)sc->slo_max_timeouts));
    json_object_set_new(slo, "converged", json_boolean(sc->slo_converged));
    json_object_set_new(meta, "slo", slo);
    json_object_set_new(meta, "report",
                        json_pack("{s:i, s:i, s:b}", "width", sc->plot_width, "height",
                                  sc->plot_height, "plots", sc->plots));
    return meta;
}

/* The rates-over-time plot's data: the driver's counters, cumulative,
 * sampled once a second by their own thread (the scheduling thread sleeps
 * until operations are due, and may wait on a full queue). */
#define TIMELINE_COLUMNS                                                                 \
    "t", "offered", "acked", "failed", "polls_submitted", "polls_done", "completed",     \
        "timeouts", "errors", "queries"

typedef struct {
    drv_t *d;
    double start; /* realtime epoch s of the campaign start */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool stop;
} sampler_t;

/* Agents mode: a poll no agent answers (no agent for its vantage, or all
 * of them gone) would hold its name, and the campaign, forever; once an
 * agent could no longer take it (agent.c drops requests this old), its
 * operation's missing polls are counted as unanswered (under mu). */
static void reap(drv_t *d)
{
    double now = timebase_real_s();
    double late = d->sc->timeout + 2 * d->sc->reclaim_after + 5;
    size_t i;

    for (i = 0; i < d->nops; i++) {
        op_t *op = d->ops[i];
        unsigned left;
        if (!op->applied || op->failed || op->reaped || op->ndone >= op->npolls ||
            now < op->ack.ack_time + late)
            continue;
        left = op->npolls - op->ndone;
        op->reaped = true;
        op->ndone = op->npolls;
        d->unanswered += left;
        d->polls_done += left;
        op_release(d, op);
        pthread_cond_broadcast(&d->cond);
    }
}

static void sample(drv_t *d, double start)
{
    probe_stats_t ps;
    json_t *row;

    probe_pool_stats(d->pool, &ps);
    pthread_mutex_lock(&d->mu);
    if (d->sc->agents)
        reap(d);
    row = json_pack("[f, I, I, I, I, I, I, I, I, I]",
                    round((timebase_real_s() - start) * 1e3) / 1e3, (json_int_t)d->nops,
                    (json_int_t)d->acked, (json_int_t)d->failed,
                    (json_int_t)d->polls_submitted, (json_int_t)d->polls_done,
                    (json_int_t)d->completed, (json_int_t)d->timeouts,
                    (json_int_t)d->errors, (json_int_t)ps.queries);
    json_array_append_new(json_object_get(d->timeline, "rows"), row);
    /* probe queries sent, as a counter: the difference since last time */
    metrics_count(d->metrics, "probe.queries", (int64_t)(ps.queries - d->queries_seen));
    metrics_gauge(d->metrics, "polls.pending",
                  (double)(d->polls_submitted - d->polls_done));
    d->queries_seen = ps.queries;
    pthread_mutex_unlock(&d->mu);
}

static void *sampler_main(void *arg)
{
    sampler_t *s = arg;
    int64_t next = timebase_mono_ns();

    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        int64_t now = timebase_mono_ns();
        if (now >= next) {
            pthread_mutex_unlock(&s->mu);
            sample(s->d, s->start);
            pthread_mutex_lock(&s->mu);
            next += 1000000000;
            if (next < now)
                next = now + 1000000000; /* late (suspended): no burst of rows */
            continue;
        }
        timebase_cond_wait_ms(&s->cond, &s->mu, (int)((next - now) / 1000000) + 1);
    }
    pthread_mutex_unlock(&s->mu);
    sample(s->d, s->start); /* the end */
    return NULL;
}

static void sampler_stop(sampler_t *s)
{
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
}

/* No more results: the sampler's last row, then the agents' feed (the
 * summary is computed after this; out: calls it again for early exits). */
static void stop_counting(drv_t *d, sampler_t *smp, bool *sampling)
{
    if (*sampling)
        sampler_stop(smp);
    *sampling = false;
    if (d->feeding) {
        atomic_store(&d->feed_stop, true);
        pthread_join(d->feed_thread, NULL);
        d->feeding = false;
    }
}

/* The convergence assessment at the end of the campaign (before any
 * cleanup): what every nameserver serves now against the intended state,
 * the master (NetDNS semantics, plot/assess/assess.h). */
static json_t *campaign_assess(const scenario_t *sc, const json_t *intended)
{
    assess_set_t set;
    json_t *errors = json_object();
    json_t *out = NULL;
    char err[1024];

    memset(&set, 0, sizeof(set));
    if (assess_live_collect_errors(sc, intended, &set, errors, err, sizeof(err)) < 0 ||
        assess_run(&set, "", &out, err, sizeof(err)) < 0) {
        out = json_pack("{s:s, s:b}", "error", err, "converged", 0);
    } else {
        json_object_set_new(out, "master", json_string("the campaign's intended state"));
        json_object_set(out, "errors", errors);
    }
    json_decref(errors);
    assess_set_free(&set);
    return out;
}

/* The report, from the results the driver saw (the same JSON texts it
 * stored) and the metadata as Redis will give it back. */
static void write_report(drv_t *d, json_t *begin, json_t *end, const char *dir)
{
    json_t *all = json_deep_copy(begin);
    json_t *norm;
    report_opts_t ro;
    char err[1024];

    json_object_update(all, end);
    norm = store_meta_normalise(all);
    json_decref(all);
    ds_set_campaign(&d->ds, norm);
    json_decref(norm);
    memset(&ro, 0, sizeof(ro));
    ro.plot.width = d->sc->plot_width;
    ro.plot.height = d->sc->plot_height;
    ro.plot.no_render = !d->sc->plots;
    if (report_write(&d->ds, dir, &ro, NULL, err, sizeof(err)) < 0)
        fprintf(stderr, "dnsprop run: report: %s\n", err);
    else if (!d->opts->quiet)
        fprintf(stderr, "dnsprop run: report in %s/report.html (and .md, .json)\n", dir);
}

int driver_run(const scenario_t *sc, const driver_opts_t *opts)
{
    drv_t d;
    worker_t *workers = NULL;
    probe_pool_opts_t po;
    storeopt_t so;
    clock_status_t clk;
    char err[1024];
    char id[512] = "";
    char dir[1100];
    double start;
    size_t i;
    unsigned nw = 0;
    int rc = DP_EXIT_OK;
    json_t *summary = NULL;
    json_t *begin_meta = NULL;
    json_t *end_meta = NULL;
    sampler_t smp;
    bool sampling = false;
    bool ok = false;
    bool ran = false;

    optable_row_t *rows = NULL;
    size_t nrows = 0;
    syncplan_t *syncplans = NULL;

    /* The table is read before anything starts: an error in it names its
     * line, and nothing is changed anywhere. */
    if (sc->ops_file != NULL &&
        optable_load(sc->ops_file, &rows, &nrows, err, sizeof(err)) < 0) {
        fprintf(stderr, "dnsprop run: %s\n", err);
        return DP_EXIT_ERROR;
    }
    syncplans = calloc(sc->nphases + 1, sizeof(*syncplans));
    if (syncplans == NULL) {
        optable_free(rows, nrows);
        return DP_EXIT_ERROR;
    }
    rc = plan_syncs(sc, opts, syncplans);
    if (rc != 0 || opts->dry_run) {
        syncplans_free(syncplans, sc->nphases);
        optable_free(rows, nrows);
        return rc;
    }
    memset(&d, 0, sizeof(d));
    d.sc = sc;
    d.opts = opts;
    d.rng = sc->seed * UINT64_C(0x9E3779B97F4A7C15) + 1;
    pthread_mutex_init(&d.mu, NULL);
    pthread_cond_init(&d.cond, NULL);
    pthread_mutex_init(&d.ds_mu, NULL);
    pthread_mutex_init(&d.pub_mu, NULL);
    ds_init(&d.ds);
    d.cur_rate = NAN;
    {
        static const char *const cols[] = {TIMELINE_COLUMNS};
        json_t *c = json_array();
        for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
            json_array_append_new(c, json_string(cols[i]));
        d.timeline = json_pack("{s:f, s:o, s:[]}", "interval", 1.0, "columns", c, "rows");
    }
    memset(&smp, 0, sizeof(smp));
    gethostname(d.host, sizeof(d.host) - 1);

    clock_read(&clk, sc->ntp_server, 1000);
    if (sc->ntp_server != NULL && !clk.sntp_ok) {
        fprintf(stderr, "dnsprop run: [clock] ntp_server %s: %s\n", sc->ntp_server,
                clk.sntp_error);
        rc = DP_EXIT_ERROR;
        goto out;
    }
    if (clock_check(&clk, sc->max_offset_ms, err, sizeof(err)) < 0) {
        fprintf(stderr, "dnsprop run: %s\n", err);
        rc = DP_EXIT_ERROR;
        goto out;
    }
    begin_meta = campaign_meta(sc, &clk, d.host);
    start = timebase_real_s();
    if (!opts->no_store) {
        storeopt_init(&so);
        so.redis = sc->redis;
        so.password_file = sc->redis_password_file;
        so.results = sc->results;
        if (storeopt_open(&so, "dnsprop run", &d.store) < 0) {
            rc = DP_EXIT_ERROR;
            goto out;
        }
        clock_warn_if_unsynced(&clk);
        store_campaign_begin(d.store, sc->name, start, begin_meta, id, sizeof(id));
    } else {
        /* not stored: the same kind of id, for the results folder */
        store_campaign_id(sc->name, start, id, sizeof(id));
    }
    snprintf(d.id, sizeof(d.id), "%s", id);
    if (sc->statsd != NULL) {
        char prefix[600];
        snprintf(prefix, sizeof(prefix), "%s",
                 sc->statsd_prefix != NULL ? sc->statsd_prefix : "dnsprop");
        if (metrics_create(&d.metrics, sc->statsd, prefix, err, sizeof(err)) < 0) {
            fprintf(stderr, "dnsprop run: [metrics] statsd: %s\n", err);
            rc = DP_EXIT_ERROR;
            goto out;
        }
    }
    if (sc->agents) {
        /* polls go out as requests on each vantage's stream; results come
         * back on the campaign's feed */
        if (d.store == NULL) {
            fprintf(stderr, "dnsprop run: [probe] mode = agents needs the results store "
                            "(not --no-store): the agents store the results\n");
            rc = DP_EXIT_ERROR;
            goto out;
        }
        if (streams_open(d.store, &d.pub, err, sizeof(err)) < 0 ||
            streams_open(d.store, &d.feed, err, sizeof(err)) < 0) {
            fprintf(stderr, "dnsprop run: %s\n", err);
            rc = DP_EXIT_ERROR;
            goto out;
        }
        for (i = 0; i < sc->nvantages; i++) {
            if (streams_group_ensure(d.pub, sc->vantages[i], err, sizeof(err)) < 0) {
                fprintf(stderr, "dnsprop run: vantage %s: %s\n", sc->vantages[i], err);
                rc = DP_EXIT_ERROR;
                goto out;
            }
        }
        if (pthread_create(&d.feed_thread, NULL, feed_main, &d) != 0) {
            rc = DP_EXIT_ERROR;
            goto out;
        }
        d.feeding = true;
    }
    /* what store_campaign_begin adds to the hash, for the report's copy */
    json_object_set_new(begin_meta, "campaign", json_string(id));
    json_object_set_new(begin_meta, "name", json_string(sc->name));
    json_object_set_new(begin_meta, "start", json_real(start));
    snprintf(dir, sizeof(dir), "%s/%s", sc->results, id);
    if (fsutil_mkdirs(dir, 0755) == 0 && d.store != NULL) {
        char sp[1200];
        snprintf(sp, sizeof(sp), "%s/spool.jsonl", dir);
        store_set_spool(d.store, sp);
    }

    memset(&po, 0, sizeof(po));
    po.threads = sc->threads;
    po.query_timeout_ms =
        sc->query_timeout > 0 ? (unsigned)(sc->query_timeout * 1000) : 0;
    po.on_result = on_result;
    po.cb_arg = &d;
    if (probe_pool_create(&d.pool, &po) < 0) {
        fprintf(stderr, "dnsprop run: cannot start the probe pool\n");
        rc = DP_EXIT_ERROR;
        goto out;
    }
    smp.d = &d;
    smp.start = start;
    pthread_mutex_init(&smp.mu, NULL);
    pthread_cond_init(&smp.cond, NULL);
    sampling = pthread_create(&smp.thread, NULL, sampler_main, &smp) == 0;
    workers = calloc(sc->api_inflight, sizeof(*workers));
    if (workers == NULL) {
        rc = DP_EXIT_ERROR;
        goto out;
    }
    for (nw = 0; nw < sc->api_inflight; nw++) {
        workers[nw].d = &d;
        if (target_create(&workers[nw].target, &sc->targets[0], err, sizeof(err)) < 0) {
            fprintf(stderr, "dnsprop run: %s\n", err);
            rc = DP_EXIT_ERROR;
            goto out;
        }
        if (pthread_create(&workers[nw].thread, NULL, worker_main, &workers[nw]) != 0) {
            target_destroy(workers[nw].target);
            rc = DP_EXIT_ERROR;
            goto out;
        }
    }
    if (!opts->quiet)
        fprintf(stderr, "dnsprop run: campaign %s: %zu phase%s, %zu nameserver%s\n",
                id[0] != '\0' ? id : sc->name, sc->nphases, sc->nphases == 1 ? "" : "s",
                sc->nns, sc->nns == 1 ? "" : "s");
    for (i = 0; i < sc->nphases && !*opts->stop; i++) {
        if (sc->phases[i].zonefile != NULL)
            run_sync_phase(&d, &sc->phases[i], &syncplans[i].plan, syncplans[i].zone,
                           start);
        else if (sc->phases[i].ptr)
            run_ptr_phase(&d, &sc->phases[i], start);
        else
            run_phase(&d, &sc->phases[i], start);
    }
    if (nrows > 0)
        run_table(&d, rows, nrows, start);
    wait_api_idle(&d);

    /* Let every poll finish (each ends by its own timeout). */
    {
        /* in agents mode, a poll an agent left may be taken over late */
        double deadline = timebase_real_s() + sc->timeout + 5 +
                          (sc->agents ? sc->reclaim_after * 2 : 0);
        double last = 0;
        pthread_mutex_lock(&d.mu);
        while (d.polls_done < d.polls_submitted && !*opts->stop &&
               timebase_real_s() < deadline) {
            timebase_cond_wait_ms(&d.cond, &d.mu, 200);
            if (timebase_real_s() - last >= 1.0) {
                last = timebase_real_s();
                pthread_mutex_unlock(&d.mu);
                progress(&d, start, "draining");
                pthread_mutex_lock(&d.mu);
            }
        }
        pthread_mutex_unlock(&d.mu);
    }
    probe_pool_shutdown(d.pool); /* what is left is CANCELLED, and stored */
    stop_counting(&d, &smp, &sampling);
    progress(&d, start, "done");
    /* API workers may still be finishing calls (after a signal): the lock */
    pthread_mutex_lock(&d.mu);
    summary = verdict(&d, &ok);
    pthread_mutex_unlock(&d.mu);
    rc = *opts->stop ? DP_EXIT_SIGNAL : ok ? DP_EXIT_OK : DP_EXIT_TIMEOUT;
    ran = true;
out:
    pthread_mutex_lock(&d.mu);
    d.closing = true;
    pthread_cond_broadcast(&d.cond);
    pthread_mutex_unlock(&d.mu);
    for (i = 0; i < nw; i++)
        pthread_join(workers[i].thread, NULL);
    stop_counting(&d, &smp, &sampling); /* (done already unless out early) */
    if (d.pub != NULL) {
        streams_feed_drop(d.pub, d.id);
        if (d.store != NULL)
            store_add_produced(d.store, d.feed_results);
    }
    streams_close(d.pub);
    streams_close(d.feed);
    if (smp.d != NULL) {
        pthread_mutex_destroy(&smp.mu);
        pthread_cond_destroy(&smp.cond);
    }
    end_meta = json_object();
    if (ran) {
        clock_status_t ce;
        clock_read(&ce, sc->ntp_server, 1000);
        json_object_set_new(end_meta, "clock_end", clock_status_json(&ce));
        if (!*opts->stop) {
            json_t *st = intended_state(&d);
            json_object_set_new(end_meta, "assessment", campaign_assess(sc, st));
            json_decref(st);
        }
        json_object_set_new(end_meta, "timeline", json_incref(d.timeline));
        if (summary != NULL)
            json_object_set_new(end_meta, "summary", json_incref(summary));
    }
    if (ran && sc->cleanup && nw > 0) {
        /* Not measured, and after the workers are done with their
         * connections: leave the target as it was, so that the same seed
         * (the same names) can run again. */
        size_t z;
        unsigned removed = 0;
        for (z = 0; z < d.nzones; z++) {
            target_op_t top;
            target_ack_t ack;
            if (!d.zones[z].alive)
                continue;
            memset(&top, 0, sizeof(top));
            top.kind = OP_ZONE_DELETE;
            top.zone = d.zones[z].name;
            if (target_apply(workers[0].target, &top, &ack) == 0) {
                removed++;
                d.zones[z].alive = false; /* the intended state from now on */
            }
        }
        if (!opts->quiet && removed > 0)
            fprintf(stderr, "dnsprop run: cleanup: %u zone%s deleted\n", removed,
                    removed == 1 ? "" : "s");
    }
    if (ran)
        json_object_set_new(end_meta, "intended", intended_state(&d));
    for (i = 0; i < nw; i++)
        target_destroy(workers[i].target);
    free(workers);
    probe_pool_destroy(d.pool);
    json_object_set_new(end_meta, "end", json_real(timebase_real_s()));
    if (d.store != NULL) {
        store_stats_t st;
        if (store_campaign_end(d.store, end_meta,
                               json_real_value(json_object_get(end_meta, "end")), 30,
                               &st) < 0 &&
            rc == DP_EXIT_OK)
            rc = DP_EXIT_ERROR;
        if (!opts->quiet)
            fprintf(stderr, "dnsprop run: %llu results stored in %s\n",
                    (unsigned long long)st.stored, store_where(d.store));
        store_close(d.store);
    }
    if (summary != NULL) {
        char *s = json_dumps(summary, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
        char path[1200];
        FILE *f;
        printf("%s\n", s != NULL ? s : "{}");
        snprintf(path, sizeof(path), "%s/%s/summary.json", sc->results, id);
        if (id[0] != '\0' && (f = fopen(path, "w")) != NULL) {
            fprintf(f, "%s\n", s != NULL ? s : "{}");
            fclose(f);
        }
        snprintf(path, sizeof(path), "%s/%s/intended.json", sc->results, id);
        if (id[0] != '\0' && json_object_get(end_meta, "intended") != NULL)
            json_dump_file(json_object_get(end_meta, "intended"), path, JSON_INDENT(1));
        free(s);
        json_decref(summary);
    }
    if (ran)
        write_report(&d, begin_meta, end_meta, dir);
    json_decref(begin_meta);
    json_decref(end_meta);
    json_decref(d.timeline);
    drv_free(&d);
    optable_free(rows, nrows);
    syncplans_free(syncplans, sc->nphases);
    return rc;
}
