/*
 * verdict: the summary and the SLOs (see verdict.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/vec.h"
#include "harness/driver/drv_int.h"
#include "harness/driver/verdict.h"
#include "plot/stats.h"

/* The counts the summary is made of. */
typedef struct {
    uint64_t completed, timeouts, errors, cancelled, unanswered;
    double p50, p99;
    size_t np; /* changes that reached every nameserver */
    bool converged;
    /* the provider's claims (changes watched, claimed in sync, of which
     * before every nameserver served them; failed; timed out) */
    uint64_t watched, claims, before, claim_failed, claim_timeouts;
} tally_t;

void verdict_fold_init(verdict_fold_t *f)
{
    memset(f, 0, sizeof(*f));
    f->f0 = f->s0 = f->a0 = INFINITY;
    f->f1 = f->s1 = f->a1 = -INFINITY;
}

void verdict_fold_free(verdict_fold_t *f)
{
    sketch_free(&f->prop);
    memset(f, 0, sizeof(*f));
}

/* Propagation: per change, the time until it showed on its slowest
 * nameserver; the provider's claims against what the nameservers served
 * (a claim before the slowest nameserver served the change, or when one
 * never did, is one before served); the bounds of the rates. */
void verdict_fold_op(drv_t *d, verdict_fold_t *f, op_t *op)
{
    unsigned expected = polls_expected(op);
    target_claim_t c;
    double at;

    if (!op->applied || op->failed || expected == 0 ||
        atomic_load(&op->ncompleted) != expected)
        f->unconverged = true;
    else
        sketch_add(&f->prop, atomic_load(&op->max_duration)); /* (no memory: one fewer) */
    if (op->applied && op->kind != OP_ZONE_CREATE && !op->failed) {
        f->nrated++;
        f->f0 = fmin(f->f0, op->due);
        f->f1 = fmax(f->f1, op->due);
        f->s0 = fmin(f->s0, op->sent);
        f->s1 = fmax(f->s1, op->sent);
        f->a0 = fmin(f->a0, op->ack.ack_time);
        f->a1 = fmax(f->a1, op->ack.ack_time);
    }
    if (!op->watched)
        return;
    pthread_mutex_lock(&d->claim_mu);
    c = op->claim;
    at = op->claimed_at;
    pthread_mutex_unlock(&d->claim_mu);
    f->watched++;
    f->claim_failed += c == TARGET_CLAIM_FAILED;
    f->claim_timeouts += c == TARGET_CLAIM_TIMEOUT;
    if (c != TARGET_CLAIM_IN_SYNC)
        return;
    f->claims++;
    if (atomic_load(&op->ncompleted) != expected ||
        at < op->ack.ack_time + atomic_load(&op->max_duration))
        f->before++;
}

/* The fold of the freed operations and of those still held, without
 * changing the first (the summary may be asked for again). */
static int fold_all(drv_t *d, verdict_fold_t *f)
{
    *f = d->fold;
    if (sketch_copy(&f->prop, &d->fold.prop) < 0)
        return -ENOMEM;
    for (uint64_t id = d->m.first_live; id <= d->m.nops; id++) {
        op_t *op = id >= 1 ? model_op_at(&d->m, id) : NULL;
        if (op != NULL)
            verdict_fold_op(d, f, op);
    }
    return 0;
}

static void propagation(verdict_fold_t *f, tally_t *t)
{
    t->np = f->prop.n;
    t->converged = !f->unconverged;
    t->p50 = sketch_percentile(&f->prop, 50);
    t->p99 = sketch_percentile(&f->prop, 99);
}

/* What fails the campaign, one sentence each; *ok false if any. */
/* Discovered addresses that never served a change: a fleet member that
 * never answers must not pass unseen (stats.c every_address_served). */
static void silent_addresses(drv_t *d, json_t *fails)
{
    const scenario_t *sc = d->sc;
    char list[512] = "";
    size_t used = 0, n = 0;

    for (size_t i = 0; i < sc->nns; i++) {
        if (sc->ns[i].discovered == NULL || atomic_load(&d->ns_served[i]) > 0)
            continue;
        if (n++ < 8 && used < sizeof(list)) {
            int w = snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "",
                             sc->ns[i].name);
            used += w > 0 ? (size_t)w : 0;
        }
    }
    if (n > 0)
        json_array_append_new(
            fails, json_sprintf("%zu discovered address%s never served a "
                                "change: %s%s",
                                n, n == 1 ? "" : "es", list, n > 8 ? ", ..." : ""));
}

static json_t *failures(drv_t *d, const tally_t *t, bool *ok)
{
    const scenario_t *sc = d->sc;
    json_t *fails = json_array();

    if (sc->has_p99 && t->np == 0)
        json_array_append_new(fails,
                              json_string("p99: no change reached every nameserver"));
    else if (sc->has_p99 && t->p99 > sc->slo_p99)
        json_array_append_new(fails,
                              json_sprintf("p99 %.3f s > %.3f s", t->p99, sc->slo_p99));
    if (sc->has_max_timeouts && t->timeouts + t->errors > sc->slo_max_timeouts)
        json_array_append_new(fails,
                              json_sprintf("%llu timeouts/errors > %llu",
                                           (unsigned long long)(t->timeouts + t->errors),
                                           (unsigned long long)sc->slo_max_timeouts));
    if (t->unanswered > 0 && !drv_stopping(d))
        /* agents mode: requests nobody answered (no agent for a vantage?) */
        json_array_append_new(
            fails,
            json_sprintf("%llu polls got no result%s", (unsigned long long)t->unanswered,
                         sc->agents ? ": is an agent running for every vantage?" : ""));
    if (d->failed > 0)
        /* whatever the SLOs: changes the target refused are a failure */
        json_array_append_new(fails, json_sprintf("%llu operation%s failed at the target",
                                                  (unsigned long long)d->failed,
                                                  d->failed == 1 ? "" : "s"));
    if (sc->has_claim_before_served && t->watched == 0)
        json_array_append_new(
            fails, json_string("claim_before_served: no change has a provider claim "
                               "(does the target report one? status.url)"));
    else if (sc->has_claim_before_served && t->before > sc->slo_claim_before_served)
        json_array_append_new(
            fails, json_sprintf("%llu change%s claimed in sync by the provider before "
                                "every nameserver served %s > %llu",
                                (unsigned long long)t->before, t->before == 1 ? "" : "s",
                                t->before == 1 ? "it" : "them",
                                (unsigned long long)sc->slo_claim_before_served));
    silent_addresses(d, fails);
    if (sc->slo_converged && !t->converged)
        json_array_append_new(fails,
                              json_string("not every change reached every nameserver"));
    *ok = json_array_size(fails) == 0;
    return fails;
}

static json_t *rate_of(size_t n, double t0, double t1)
{
    return n > 1 && t1 > t0 ? json_real((double)(n - 1) / (t1 - t0)) : json_null();
}

/* Scheduled: when operations were due (after any move of the schedule);
 * offered: when they were sent to the target (a target that held the
 * schedule back lowers it: it is what the target was really offered);
 * achieved: when they were acknowledged (zone creations at phase starts
 * left out). */
static void rates(drv_t *d, const verdict_fold_t *f, json_t *v)
{
    json_object_set_new(v, "scheduled_rate", rate_of(f->nrated, f->f0, f->f1));
    json_object_set_new(v, "offered_rate", rate_of(f->nrated, f->s0, f->s1));
    json_object_set_new(
        v, "schedule",
        json_pack("{s:I, s:f, s:I, s:f, s:f}", "late_ops", (json_int_t)d->late_ops,
                  "max_late_s", round(d->late_max * 1e3) / 1e3, "stalls",
                  (json_int_t)d->stalls, "stalled_s", round(d->stalled_s * 1e3) / 1e3,
                  "longest_stall_s", round(d->stall_longest * 1e3) / 1e3));
    json_object_set_new(v, "achieved_rate",
                        f->nrated > 1 && f->a1 > f->a0
                            ? json_real((double)(f->nrated - 1) / (f->a1 - f->a0))
                            : json_null());
}

static json_t *jreal_or_null(double x)
{
    return isnan(x) ? json_null() : json_real(x);
}

json_t *verdict(drv_t *d, bool *ok)
{
    json_t *v = json_object();
    json_t *fails;
    verdict_fold_t f;
    tally_t t;

    if (fold_all(d, &f) < 0)
        return NULL;
    propagation(&f, &t);
    t.watched = f.watched;
    t.claims = f.claims;
    t.before = f.before;
    t.claim_failed = f.claim_failed;
    t.claim_timeouts = f.claim_timeouts;
    t.completed = polls_count(d, ACCT_COMPLETED);
    t.timeouts = polls_count(d, ACCT_TIMEOUTS);
    t.errors = polls_count(d, ACCT_ERRORS);
    t.cancelled = polls_count(d, ACCT_CANCELLED);
    t.unanswered = d->unanswered + (d->polls_submitted - polls_count(d, ACCT_DONE));
    fails = failures(d, &t, ok);
    rates(d, &f, v);
    json_object_set_new(v, "operations", json_integer((json_int_t)d->m.nops));
    if (d->sc->ntargets > 1) {
        /* several providers: the changes, and each target's share */
        json_t *per = json_object();
        for (size_t i = 0; d->tacked != NULL && i < d->sc->ntargets; i++)
            json_object_set_new(per, d->sc->targets[i].name,
                                json_pack("{s:I, s:I}", "acked", (json_int_t)d->tacked[i],
                                          "failed", (json_int_t)d->tfailed[i]));
        json_object_set_new(v, "changes", json_integer((json_int_t)d->changes));
        json_object_set_new(v, "targets", per);
    }
    json_object_set_new(v, "acked", json_integer((json_int_t)d->acked));
    json_object_set_new(v, "failed", json_integer((json_int_t)d->failed));
    json_object_set_new(v, "polls", json_integer((json_int_t)d->polls_submitted));
    json_object_set_new(v, "completed", json_integer((json_int_t)t.completed));
    json_object_set_new(v, "timeouts", json_integer((json_int_t)t.timeouts));
    json_object_set_new(v, "errors", json_integer((json_int_t)t.errors));
    json_object_set_new(v, "cancelled", json_integer((json_int_t)t.cancelled));
    json_object_set_new(v, "unanswered", json_integer((json_int_t)t.unanswered));
    json_object_set_new(v, "propagation_p50", jreal_or_null(t.p50));
    json_object_set_new(v, "propagation_p99", jreal_or_null(t.p99));
    json_object_set_new(v, "converged", json_boolean(t.converged));
    if (t.watched > 0)
        json_object_set_new(
            v, "provider",
            json_pack("{s:I, s:I, s:I, s:I, s:I}", "changes", (json_int_t)t.watched,
                      "claims", (json_int_t)t.claims, "claim_before_served",
                      (json_int_t)t.before, "failed", (json_int_t)t.claim_failed,
                      "timeouts", (json_int_t)t.claim_timeouts));
    json_object_set_new(v, "slo_ok", json_boolean(*ok));
    json_object_set_new(v, "slo_failures", fails);
    sketch_free(&f.prop);
    return v;
}
