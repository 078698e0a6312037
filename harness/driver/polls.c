/*
 * polls: submission and accounting of the polls (see polls.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/common/hash.h"
#include "harness/common/log.h"
#include "harness/common/timebase.h"
#include "harness/driver/drv_int.h"
#include "harness/driver/verdict.h"
#include "harness/common/vec.h"
#include "harness/scenario/zonecut.h"
#include "probes/dnssec.h"
#include "probes/request.h"

/* ---- per-thread counters ------------------------------------------------------ */

/* A thread's stripe, the same for every campaign: threads get stripes in
 * turn, so up to ACCT_STRIPES threads never share one (beyond, two may:
 * the counters are atomics, the sums stay exact). */
static atomic_uint g_next_stripe;
static _Thread_local unsigned tl_stripe; /* index + 1; 0: none yet */

static void acct_add(drv_t *d, acct_counter_t k, uint64_t n)
{
    if (tl_stripe == 0)
        tl_stripe = atomic_fetch_add(&g_next_stripe, 1) % ACCT_STRIPES + 1;
    atomic_fetch_add_explicit(&d->acct.s[tl_stripe - 1].c[k], n, memory_order_relaxed);
}

uint64_t polls_count(drv_t *d, acct_counter_t k)
{
    uint64_t sum = 0;

    for (size_t i = 0; i < ACCT_STRIPES; i++)
        sum += atomic_load_explicit(&d->acct.s[i].c[k], memory_order_relaxed);
    return sum;
}

/* ---- an operation's polls: expected << 32 | done, one word -------------------- */

#define PS_REAPED     (UINT64_C(1) << 63)
#define PS_DONE(w)    ((unsigned)((w)&0xffffffffu))
#define PS_EXP(w)     ((unsigned)(((w) >> 32) & 0x7fffffffu))
#define PS(exp, done) ((uint64_t)(exp) << 32 | (uint64_t)(done))

unsigned polls_expected(const op_t *op)
{
    return PS_EXP(atomic_load(&op->polls)) - (op->watched ? 1 : 0);
}

/* op's name is free for its next change (its last poll is done). */
static void release(drv_t *d, op_t *op)
{
    pthread_mutex_lock(&d->mu);
    model_op_release(&d->m, op);
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->mu);
}

/* A thread is using op (polls_retire leaves it alone until it is done). */
static op_t *hold_op(op_t *op)
{
    if (op != NULL)
        atomic_fetch_add(&op->users, 1);
    return op;
}

static void drop_op(op_t *op)
{
    if (op != NULL)
        atomic_fetch_sub(&op->users, 1);
}

void polls_hold(op_t *op)
{
    hold_op(op);
}

void polls_drop(op_t *op)
{
    drop_op(op);
}

static void max_of(_Atomic double *at, double duration)
{
    double cur = atomic_load(at);

    while (duration > cur && !atomic_compare_exchange_weak(at, &cur, duration))
        ;
}

/* The campaign's count of a result's status. */
static void acct_status(drv_t *d, probe_status_t status)
{
    acct_add(d,
             status == PROBE_COMPLETED ? ACCT_COMPLETED
             : status == PROBE_TIMEOUT ? ACCT_TIMEOUTS
             : status == PROBE_ERROR   ? ACCT_ERRORS
                                       : ACCT_CANCELLED,
             1);
}

static void tally_status(drv_t *d, op_t *op, size_t nsi, probe_status_t status,
                         double duration)
{
    acct_status(d, status);
    if (status == PROBE_COMPLETED) {
        atomic_fetch_add(&op->ncompleted, 1);
        if (nsi < d->sc->nns)
            atomic_fetch_add_explicit(&d->ns_served[nsi], 1, memory_order_relaxed);
        max_of(&op->max_duration, duration);
        if (nsi < d->sc->nns && d->sc->ns[nsi].role == NS_PRIMARY)
            max_of(&op->max_primary, duration);
        else if (nsi < d->sc->nns && d->sc->ns[nsi].role == NS_SECONDARY)
            max_of(&op->max_secondary, duration);
    } else if (status == PROBE_TIMEOUT) {
        atomic_fetch_add(&op->ntimeout, 1);
    } else if (status == PROBE_ERROR) {
        atomic_fetch_add(&op->nerror, 1);
    }
}

/* Agents mode: a result for an operation whose missing polls were counted
 * unanswered already (an agent stalled, or Redis away, past the reaper's
 * patience). It is in Redis, stored once per poll and vantage, so it is
 * one of the missing ones: it counts, as one unanswered poll fewer, and
 * the campaign's report and one made later from Redis say the same. false
 * when no unanswered poll is left to take it from (cannot happen). */
static bool tally_late(drv_t *d)
{
    bool ok;

    pthread_mutex_lock(&d->mu);
    ok = d->unanswered > 0;
    if (ok)
        d->unanswered--;
    pthread_mutex_unlock(&d->mu);
    return ok;
}

/* A change's stages once its last poll ended, for Prometheus: when every
 * nameserver served it, the time until the primary, the secondaries and
 * all of them did, and the transfer between (as the report's stages,
 * plot/stats.c; the API stage is observed at the acknowledgement). */
static void stages_observed(drv_t *d, op_t *op)
{
    prom_std_t *m = d->opts->prom;
    const char *kind = op_kind_str(op->kind);
    double prim = atomic_load(&op->max_primary);
    double sec = atomic_load(&op->max_secondary);

    if (m == NULL || atomic_load(&op->ncompleted) != polls_expected(op))
        return;
    prom_std_stage(m, "all", kind, atomic_load(&op->max_duration));
    /* (0: no nameserver of that role: a poll that ended took some time) */
    if (prim > 0)
        prom_std_stage(m, "primary", kind, prim);
    if (sec > 0)
        prom_std_stage(m, "secondaries", kind, sec);
    if (prim > 0 && sec > 0)
        prom_std_stage(m, "transfer", kind, fmax(0, sec - prim));
}

/* One finished poll (of nameserver nsi) in the tallies and the metrics
 * (the SLOs, the progress line, the release of its name for the next
 * change). Returns op, or NULL when it is unknown. */
static op_t *tally(drv_t *d, op_t *op, size_t nsi, probe_status_t status, double duration,
                   const char *reason, const char *vantage)
{
    uint64_t w;
    uint64_t nw;
    bool last = false;

    if (op == NULL) {
        acct_add(d, ACCT_DONE, 1);
        return NULL;
    }
    w = atomic_load(&op->polls);
    do {
        if (w & PS_REAPED) {
            /* (in ACCT_DONE already, by the reaper) */
            if (!tally_late(d))
                return NULL;
            goto counted;
        }
        nw = w + 1;
    } while (!atomic_compare_exchange_weak(&op->polls, &w, nw));
    acct_add(d, ACCT_DONE, 1);
    last = PS_DONE(nw) == PS_EXP(nw);
counted:
    tally_status(d, op, nsi, status, duration);
    if (last) {
        stages_observed(d, op);
        release(d, op);
    }
    metrics_poll(d->metrics, status, nsi < d->sc->nns ? d->sc->ns[nsi].name : "?",
                 duration);
    prom_std_poll(d->opts->prom, nsi < d->sc->nns ? d->sc->ns[nsi].name : "?",
                  op_kind_str(op->kind), vantage != NULL ? vantage : "",
                  probe_status_str(status), reason != NULL ? reason : "", duration);
    if (d->opts->prom != NULL && d->opts->monitor && op->kind == OP_RECORD_UPDATE &&
        nsi < d->sc->nns) {
        /* the last canary's time to each nameserver; +Inf: not served */
        const char *const v[] = {d->sc->ns[nsi].name, op->zname};
        prom_set(d->opts->prom->last_canary, v,
                 status == PROBE_COMPLETED ? duration : INFINITY);
    }
    return op;
}

/* Agents mode: a poll no agent answers (no agent for its vantage, or all
 * of them gone) would hold its name, and the campaign, forever; once an
 * agent could no longer take it (agent.c drops requests this old, by the
 * stored realtime ack_time, hence the realtime clock here too), its
 * operation's missing polls are counted as unanswered. */
void polls_reap(drv_t *d)
{
    double now = timebase_real_s();
    double late = d->sc->timeout + 2 * d->sc->reclaim_after + 5;
    uint64_t id;

    for (id = d->m.first_live > 0 ? d->m.first_live : 1; id <= d->m.nops; id++) {
        op_t *op = model_op_at(&d->m, id);
        uint64_t w;
        unsigned left;
        if (op == NULL || !op->applied || op->failed || now < op->ack.ack_time + late)
            continue;
        w = atomic_load(&op->polls);
        do {
            if ((w & PS_REAPED) || PS_DONE(w) >= PS_EXP(w))
                break;
        } while (!atomic_compare_exchange_weak(&op->polls, &w,
                                               PS(PS_EXP(w), PS_EXP(w)) | PS_REAPED));
        if ((w & PS_REAPED) || PS_DONE(w) >= PS_EXP(w))
            continue;
        left = PS_EXP(w) - PS_DONE(w);
        d->unanswered += left;
        acct_add(d, ACCT_DONE, left);
        model_op_release(&d->m, op);
        pthread_cond_broadcast(&d->cond);
    }
}

/* ---- results --------------------------------------------------------------------- */

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
    if (d->sc->ntargets > 1) {
        /* several providers: whose nameserver this is, and the change it
         * is one of (the same change sent to each target, model.h) */
        json_object_set_new(rec, "target", json_string(op->target->name));
        json_object_set_new(rec, "change", json_integer((json_int_t)op->change));
        json_object_set_new(rec, "change_targets", json_integer(op->nchange));
    }
    json_object_set_new(rec, "offered_rate",
                        isnan(op->rate) ? json_null() : json_real(op->rate));
    json_object_set_new(rec, "frequency", json_real(d->sc->frequency));
    json_object_set_new(rec, "timeout", json_real(d->sc->timeout));
    json_object_set_new(rec, "expected",
                        op->kind == OP_ZONE_CREATE || op->kind == OP_ZONE_UPDATE ||
                                op->measure == ZS_BY_SERIAL
                            ? json_integer(op->serial)
                        : op->value != NULL ? json_pack("[s]", op->value)
                                            : json_array());
    if (op->measure != ZS_BY_ANSWER) {
        char tb[16];
        /* below a zone cut: what was changed, since the query may not say */
        json_object_set_new(rec, "measured_by",
                            json_string(zs_measure_str((zs_measure_t)op->measure)));
        json_object_set_new(rec, "cut", json_string(op->cut != NULL ? op->cut : ""));
        json_object_set_new(rec, "rrset_name", json_string(op->name));
        json_object_set_new(rec, "rrset_type",
                            json_string(rdata_type_to_str(op->type, tb)));
    }
    return rec;
}

/* Without a store (--no-store) the report's copy is kept here, through
 * the same JSON text the store would have had. With one, nothing is kept:
 * the campaign reads its results back from the store at the end
 * (campaign.c), so its memory does not grow with its length and its
 * report is the one `dnsprop report` rebuilds. */
static void keep_for_report(drv_t *d, const char *text)
{
    if (d->store != NULL)
        return;
    pthread_mutex_lock(&d->ds_mu);
    ds_add_text(&d->ds, text);
    pthread_mutex_unlock(&d->ds_mu);
}

/* The provider's claim in a stored record (only for changes whose claim
 * was asked for: absent, the target could not say). */
static void add_claim(json_t *rec, const op_t *op)
{
    json_object_set_new(rec, "claim_status", json_string(target_claim_str(op->claim)));
    json_object_set_new(rec, "claimed_at",
                        isnan(op->claimed_at) ? json_null() : json_real(op->claimed_at));
}

/* One result's record to the report's copy and the store (rec taken). */
static void put_result(drv_t *d, json_t *rec)
{
    if (d->store == NULL) {
        char *text = json_dumps(rec, JSON_COMPACT | JSON_REAL_PRECISION(16));
        if (text != NULL)
            keep_for_report(d, text);
        free(text);
    }
    if (d->store != NULL)
        store_put_result(d->store, rec);
    else
        json_decref(rec);
}

/* A watched change's result waits for the claim (true: held, rec taken). */
static bool hold(drv_t *d, op_t *op, json_t *rec)
{
    bool held = false;
    bool done;

    pthread_mutex_lock(&d->claim_mu);
    done = op->claim_done;
    if (!done) {
        if (op->held == NULL)
            op->held = json_array();
        held = op->held != NULL && json_array_append_new(op->held, rec) == 0;
    }
    pthread_mutex_unlock(&d->claim_mu);
    if (done)
        add_claim(rec, op); /* (final once done) */
    return held;
}

void polls_on_claim(uint64_t tag, target_claim_t claim, double claimed_at, void *arg)
{
    drv_t *d = arg;
    /* submitted after it was made, and the claim is one of its polls: not
     * freed before it is counted, no lock */
    op_t *op = hold_op(model_op_at(&d->m, tag));
    json_t *held;
    json_t *rec;
    size_t i;
    uint64_t w;

    pthread_mutex_lock(&d->claim_mu);
    op->claim = claim;
    op->claimed_at = claim == TARGET_CLAIM_IN_SYNC ? claimed_at : NAN;
    op->claim_done = true;
    held = op->held;
    op->held = NULL;
    pthread_mutex_unlock(&d->claim_mu);
    json_array_foreach(held, i, rec)
    {
        add_claim(rec, op);
        put_result(d, json_incref(rec));
    }
    json_decref(held);
    /* the claim was the op's last expected "poll"? */
    w = atomic_fetch_add(&op->polls, 1) + 1;
    if (PS_DONE(w) == PS_EXP(w))
        release(d, op);
    drop_op(op);
}

void polls_on_result(const probe_result_t *r, void *arg)
{
    drv_t *d = arg;
    size_t nsi = (size_t)(r->tag & 0xffff);
    /* the poll was submitted after its operation was made, and its result
     * is not counted yet, so the operation is not freed: no lock */
    op_t *held_op = hold_op(model_op_at(&d->m, r->tag >> 16));
    op_t *op = tally(d, held_op, nsi, r->status, r->duration, r->reason, NULL);
    json_t *rec = NULL;
    json_t *f;

    if (op != NULL && r->have_serial && d->opts->prom != NULL && nsi < d->sc->nns) {
        const char *const v[] = {d->sc->ns[nsi].name, op->zname};
        prom_set(d->opts->prom->serial, v, (double)r->serial);
    }
    if (op != NULL)
        rec = probe_result_json(r);
    if (rec != NULL) {
        f = op_fields(d, op, nsi);
        json_object_update(rec, f);
        json_decref(f);
        if (!op->watched || !hold(d, op, rec))
            put_result(d, rec);
    }
    drop_op(held_op);
}

/* ---- agents mode: the campaign's feed ------------------------------------------ */

static probe_status_t status_of(const char *st)
{
    if (st != NULL && strcmp(st, "COMPLETED") == 0)
        return PROBE_COMPLETED;
    if (st != NULL && strcmp(st, "TIMEOUT") == 0)
        return PROBE_TIMEOUT;
    if (st != NULL && strcmp(st, "ERROR") == 0)
        return PROBE_ERROR;
    return PROBE_CANCELLED;
}

/* One result an agent stored: tallied and kept for the report. */
bool polls_feed_one(drv_t *d, const char *payload)
{
    json_t *rec = record_text_to_json(payload, strlen(payload), NULL);
    json_int_t tag;
    uint64_t id;
    op_t *op;
    probe_status_t st;
    bool freed;
    bool counted = false;

    if (rec == NULL)
        return false;
    tag = json_integer_value(json_object_get(rec, "tag"));
    id = (uint64_t)tag >> 16;
    /* an id from the network: looked up (and held) under the lock, which
     * polls_retire frees operations under */
    pthread_mutex_lock(&d->mu);
    op = id >= 1 && id <= d->m.nops ? hold_op(model_op_at(&d->m, id)) : NULL;
    freed = op == NULL && id >= 1 && id <= d->m.nops;
    pthread_mutex_unlock(&d->mu);
    st = status_of(json_string_value(json_object_get(rec, "status")));
    if (freed) {
        /* its operation was reaped, then freed: a late result */
        counted = tally_late(d);
        if (counted) {
            size_t nsi = (size_t)(tag & 0xffff);
            acct_status(d, st);
            prom_std_poll(d->opts->prom, nsi < d->sc->nns ? d->sc->ns[nsi].name : "?", "",
                          json_string_value(json_object_get(rec, "vantage")) ?: "",
                          probe_status_str(st),
                          json_string_value(json_object_get(rec, "reason")) ?: "",
                          json_number_value(json_object_get(rec, "duration")));
        }
    } else if (tally(d, op, (size_t)(tag & 0xffff), st,
                     json_number_value(json_object_get(rec, "duration")),
                     json_string_value(json_object_get(rec, "reason")),
                     json_string_value(json_object_get(rec, "vantage"))) != NULL) {
        counted = true;
    }
    if (counted)
        keep_for_report(d, payload);
    drop_op(op);
    json_decref(rec);
    return counted;
}

/* ---- submission ---------------------------------------------------------------------
 */

/* [probe] mode = agents: the poll request, once per vantage; returns the
 * publications that failed. */
static unsigned publish_poll(drv_t *d, const op_t *op, size_t nsi, const probe_req_t *req)
{
    json_t *rec = op_fields(d, op, nsi);
    json_t *p;
    char poll[64];
    char *text;
    unsigned failed = 0;
    double expires = req->start_time + d->sc->timeout + 2 * d->sc->reclaim_after;

    json_object_del(rec, "vantage"); /* the agent's */
    json_object_set_new(rec, "tag", json_integer((json_int_t)req->tag));
    snprintf(poll, sizeof(poll), "%llu.%zu", (unsigned long long)op->id, nsi);
    p = json_pack("{s:s, s:s, s:o, s:o}", "campaign", d->id, "poll", poll, "req",
                  probe_req_to_json(req), "rec", rec);
    text = p != NULL ? json_dumps(p, JSON_COMPACT | JSON_REAL_PRECISION(16)) : NULL;
    json_decref(p);
    for (size_t v = 0; v < d->sc->nvantages; v++) {
        /* sent, or held while Redis is away (relay.h); held no longer than
         * an agent would take it */
        if (text == NULL || relay_publish(d, v, text, expires) < 0) {
            if (text == NULL)
                log_warn("campaign %s: publishing a poll: out of memory", d->id);
            failed++;
        }
    }
    free(text);
    return failed;
}

/* The key cache is hashed: a campaign of thousands of signed zones looks
 * a zone up for every poll, under the cache's lock. FNV-1a of the zone's
 * name, seeded with the target's address. */
static size_t zkeys_hash(const target_conf_t *t, const char *zone)
{
    return (size_t)hash_fnv1a_str(HASH_FNV1A_INIT ^ (uint64_t)(uintptr_t)t, zone);
}

/* Under d->zk_mu: where the link to entry i is (its bucket's head or the
 * entry before it in the chain). */
static size_t *zkeys_link(drv_t *d, size_t i)
{
    const struct drv_zkeys *z = &d->zkeys[i];
    size_t *p = &d->zk_buckets[zkeys_hash(z->target, z->zone) & (d->zk_nbuckets - 1)];

    while (*p != i + 1)
        p = &d->zkeys[*p - 1].next;
    return p;
}

/* Under d->zk_mu: where zone's keys on t are in the cache, or nzkeys. */
static size_t zkeys_index(const drv_t *d, const target_conf_t *t, const char *zone)
{
    size_t j;

    if (d->zk_nbuckets == 0)
        return d->nzkeys;
    for (j = d->zk_buckets[zkeys_hash(t, zone) & (d->zk_nbuckets - 1)]; j != 0;
         j = d->zkeys[j - 1].next) {
        if (d->zkeys[j - 1].target == t && strcmp(d->zkeys[j - 1].zone, zone) == 0)
            return j - 1;
    }
    return d->nzkeys;
}

/* Under d->zk_mu: the buckets for n entries (no more than one a bucket on
 * average), every entry linked again when they grow. */
static int zkeys_rehash(drv_t *d, size_t n)
{
    size_t nb = d->zk_nbuckets > 0 ? d->zk_nbuckets : 64;
    size_t *b;

    while (nb < n)
        nb *= 2;
    if (nb == d->zk_nbuckets)
        return 0;
    b = calloc(nb, sizeof(*b));
    if (b == NULL)
        return -ENOMEM;
    free(d->zk_buckets);
    d->zk_buckets = b;
    d->zk_nbuckets = nb;
    for (size_t i = 0; i < d->nzkeys; i++) {
        size_t *head = &b[zkeys_hash(d->zkeys[i].target, d->zkeys[i].zone) & (nb - 1)];
        d->zkeys[i].next = *head;
        *head = i + 1;
    }
    return 0;
}

int polls_zkeys_put(drv_t *d, const target_conf_t *t, const char *zone,
                    dnssec_keys_t *keys)
{
    struct drv_zkeys *z;
    size_t *head;
    char *name;

    if (zkeys_rehash(d, d->nzkeys + 1) < 0 || (name = strdup(zone)) == NULL)
        return -ENOMEM;
    z = VEC_PUSH(d->zkeys, d->nzkeys, d->capzkeys);
    if (z == NULL) {
        free(name);
        return -ENOMEM;
    }
    z->zone = name;
    z->target = t;
    z->keys = dnssec_keys_ref(keys);
    head = &d->zk_buckets[zkeys_hash(t, zone) & (d->zk_nbuckets - 1)];
    z->next = *head;
    *head = d->nzkeys;
    return 0;
}

dnssec_keys_t *polls_zkeys_get(drv_t *d, const target_conf_t *t, const char *zone)
{
    size_t i = zkeys_index(d, t, zone);

    return i < d->nzkeys ? dnssec_keys_ref(d->zkeys[i].keys) : NULL;
}

/* [probe] dnssec: the keys of zone on target t (the driver's cache keeps
 * them, per target: two providers signing one zone have keys of their
 * own, RFC 8901), asked of the first primary of the target; when they
 * cannot be had, a key set that says why, so that the polls fail saying
 * so rather than pass. */
static struct dnssec_keys *zone_keys(drv_t *d, const target_conf_t *t, const char *zone)
{
    const scenario_t *sc = d->sc;
    const char *from = NULL;
    dnssec_keys_t *k;
    dnssec_keys_t *other;
    char err[600];

    pthread_mutex_lock(&d->zk_mu);
    k = polls_zkeys_get(d, t, zone);
    pthread_mutex_unlock(&d->zk_mu);
    if (k != NULL)
        return k;
    /* asked outside the lock: a fetch may take seconds, and polls_retire
     * drops keys holding the driver's lock */
    for (size_t i = 0; i < sc->nns && from == NULL; i++) {
        if (sc->ns[i].role == NS_PRIMARY && scenario_ns_target(sc, &sc->ns[i]) == t)
            from = sc->ns[i].addr.text;
    }
    if (from == NULL) {
        snprintf(err, sizeof(err),
                 "no [nameserver] with role = primary to ask for %s DNSKEY", zone);
        dnssec_keys_none(zone, err, &k);
    } else if (dnssec_keys_fetch(zone, from, &k, err, sizeof(err)) < 0) {
        dnssec_keys_none(zone, err, &k);
    }
    if (k == NULL)
        return NULL;
    pthread_mutex_lock(&d->zk_mu);
    other = polls_zkeys_get(d, t, zone); /* another thread asked too, first */
    if (other == NULL)
        (void)polls_zkeys_put(d, t, zone, k); /* (not kept: asked again next time) */
    pthread_mutex_unlock(&d->zk_mu);
    if (other != NULL) {
        dnssec_keys_unref(k);
        k = other;
    }
    return k;
}

/* The poll of op on nameserver nsi: start_time = the acknowledgement. */
static int poll_req(drv_t *d, const op_t *op, size_t nsi, probe_req_t *req)
{
    char err[1100];

    req->ns = d->sc->ns[nsi].addr;
    req->start_time = op->ack.ack_time;
    req->frequency = d->sc->frequency;
    req->timeout = d->sc->timeout;
    req->tag = (op->id << 16) | nsi;
    req->edns = d->sc->nsid ? DNSMSG_Q_NSID : 0;
    if (d->sc->dnssec && (req->keys = zone_keys(d, op->target, op->zname)) == NULL)
        return -ENOMEM;
    switch (op->kind) {
    case OP_ZONE_CREATE:
    case OP_ZONE_UPDATE:
        probe_req_set_name(req, op->zname, true, err, sizeof(err));
        req->cond = COND_SERIAL_NOT_LOWER;
        req->serial = op->serial;
        req->has_serial = true;
        break;
    case OP_ZONE_DELETE:
        probe_req_set_name(req, op->zname, true, err, sizeof(err));
        req->cond = COND_EMPTY_RESPONSE;
        break;
    case OP_RECORD_CREATE:
    case OP_RECORD_UPDATE:
    case OP_RECORD_DELETE:
        if (op->measure == ZS_BY_SERIAL) {
            /* occluded below a zone cut: no query sees it (zonecut.h) */
            probe_req_set_name(req, op->zname, true, err, sizeof(err));
            req->cond = COND_SERIAL_NOT_LOWER;
            req->serial = op->serial;
            req->has_serial = true;
            break;
        }
        probe_req_set_name(req, op->name, false, err, sizeof(err));
        if (op->kind == OP_RECORD_DELETE) {
            req->qtype = op->type;
            req->cond = COND_EMPTY_RESPONSE;
            break;
        }
        req->qtype = op->type;
        req->cond = COND_VALUE_PRESENT;
        req->exact = true; /* the RRset is exactly the new value(s) */
        if (op->vals != NULL) {
            for (size_t v = 0; v < op->nvals; v++)
                probe_req_add_value(req, op->vals[v], err, sizeof(err));
        } else {
            probe_req_add_value(req, op->value, err, sizeof(err));
        }
        break;
    default:
        break;
    }
    return probe_req_finish(req, err, sizeof(err));
}

/* Polls expected from one submission: one result per vantage in agents
 * mode. */
static unsigned per_poll(const drv_t *d)
{
    return d->sc->agents ? (unsigned)d->sc->nvantages : 1;
}

/* Take the polls that could not be submitted off what op expects. */
static void unsubmit(drv_t *d, op_t *op, unsigned failed)
{
    uint64_t w;
    uint64_t nw;

    pthread_mutex_lock(&d->mu);
    w = atomic_load(&op->polls);
    do
        nw = w - ((uint64_t)failed << 32);
    while (!atomic_compare_exchange_weak(&op->polls, &w, nw));
    d->polls_submitted -= failed;
    if (PS_DONE(nw) == PS_EXP(nw))
        model_op_release(&d->m, op);
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->mu);
}

void polls_submit(drv_t *d, op_t *op)
{
    const scenario_t *sc = d->sc;
    unsigned n = 0;
    unsigned failed = 0;
    size_t i;

    for (i = 0; i < sc->nns; i++)
        n += scenario_ns_target(sc, &sc->ns[i]) == op->target;
    n *= per_poll(d);
    /* a zone made (again, under a name it had): keys of its own, not
     * those of the one deleted before it */
    if (sc->dnssec && op->kind == OP_ZONE_CREATE)
        polls_zkeys_drop(d, op->target, op->zname);
    /* what op expects is known before the first result can come back (and
     * before its claim is asked for) */
    pthread_mutex_lock(&d->mu);
    atomic_store(&op->polls, PS(n + (op->watched ? 1 : 0), 0));
    op->polled = true;
    d->polls_submitted += n;
    if (n == 0 && !op->watched)
        model_op_release(&d->m, op);
    pthread_mutex_unlock(&d->mu);
    for (i = 0; i < sc->nns; i++) {
        probe_req_t req;

        if (scenario_ns_target(sc, &sc->ns[i]) != op->target)
            continue;
        probe_req_init(&req);
        if (poll_req(d, op, i, &req) < 0)
            failed += per_poll(d);
        else if (sc->agents)
            failed += publish_poll(d, op, i, &req);
        else if (probe_pool_submit(d->pool, &req) < 0)
            failed++;
        dnssec_keys_unref(req.keys); /* (zone_keys's reference) */
        probe_req_clear(&req);
    }
    if (failed > 0)
        unsubmit(d, op, failed);
}

/* ---- the end of an operation --------------------------------------------------- */

/* Done with: acknowledged (or refused) by its target, every poll (and the
 * claim) counted, and no thread using it. Under the driver's lock. */
static bool finished(op_t *op)
{
    uint64_t w = atomic_load(&op->polls);

    if (!op->applied || atomic_load(&op->users) > 0)
        return false;
    if (op->failed)
        return true;
    return op->polled && ((w & PS_REAPED) || PS_DONE(w) >= PS_EXP(w));
}

void polls_zkeys_drop(drv_t *d, const target_conf_t *t, const char *zone)
{
    size_t i;

    pthread_mutex_lock(&d->zk_mu);
    i = zkeys_index(d, t, zone);
    if (i < d->nzkeys) {
        size_t last = d->nzkeys - 1;
        *zkeys_link(d, i) = d->zkeys[i].next;
        free(d->zkeys[i].zone);
        dnssec_keys_unref(d->zkeys[i].keys); /* (polls still running hold theirs) */
        if (i != last) {
            /* the last entry moves into the hole: its link follows it */
            *zkeys_link(d, last) = i + 1;
            d->zkeys[i] = d->zkeys[last];
        }
        d->nzkeys--;
    }
    pthread_mutex_unlock(&d->zk_mu);
}

void polls_retire(drv_t *d)
{
    uint64_t id = d->m.first_live > 0 ? d->m.first_live : 1;
    bool prefix = true; /* every operation below id is freed */

    for (; id <= d->m.nops; id++) {
        op_t *op = model_op_at(&d->m, id);
        if (op != NULL && finished(op)) {
            verdict_fold_op(d, &d->fold, op);
            /* a deleted zone's keys: the cache would otherwise grow by a
             * key set per zone a churning campaign ever made */
            if (op->kind == OP_ZONE_DELETE && !op->failed && d->sc->dnssec)
                polls_zkeys_drop(d, op->target, op->zname);
            model_op_free(&d->m, id);
            op = NULL;
        }
        if (op == NULL && prefix)
            d->m.first_live = id + 1;
        else
            prefix = false;
    }
    model_collect(&d->m); /* retired zones no operation points to now */
}
