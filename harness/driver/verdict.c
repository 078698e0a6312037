/*
 * verdict: the summary and the SLOs (see verdict.h).
 */
#include <math.h>
#include <stdlib.h>

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

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Propagation: per change, the time until it showed on its slowest
 * nameserver; p50 and p99 by nearest rank, as the report's figures
 * (plot/stats.h). */
static void propagation(drv_t *d, tally_t *t)
{
    double *prop = calloc(d->m.nops + 1, sizeof(double));
    size_t i;

    t->p50 = t->p99 = NAN;
    t->np = 0;
    t->converged = true;
    for (i = 0; i < d->m.nops; i++) {
        op_t *op = model_op_at(&d->m, i + 1);
        unsigned expected = polls_expected(op);
        if (!op->applied || op->failed || expected == 0 ||
            atomic_load(&op->ncompleted) != expected) {
            t->converged = false;
            continue;
        }
        if (prop != NULL)
            prop[t->np++] = atomic_load(&op->max_duration);
    }
    if (t->np > 0 && prop != NULL) {
        qsort(prop, t->np, sizeof(double), cmp_double);
        t->p50 = stats_percentile(prop, t->np, 50);
        t->p99 = stats_percentile(prop, t->np, 99);
    }
    free(prop);
}

/* The provider's claims against what the nameservers served: a claim
 * before the slowest nameserver served the change (or when one never
 * did) is one before served. */
static void claims(drv_t *d, tally_t *t)
{
    t->watched = t->claims = t->before = t->claim_failed = t->claim_timeouts = 0;
    for (size_t i = 0; i < d->m.nops; i++) {
        op_t *op = model_op_at(&d->m, i + 1);
        target_claim_t c;
        double at;
        if (!op->watched)
            continue;
        pthread_mutex_lock(&d->claim_mu);
        c = op->claim;
        at = op->claimed_at;
        pthread_mutex_unlock(&d->claim_mu);
        t->watched++;
        t->claim_failed += c == TARGET_CLAIM_FAILED;
        t->claim_timeouts += c == TARGET_CLAIM_TIMEOUT;
        if (c != TARGET_CLAIM_IN_SYNC)
            continue;
        t->claims++;
        if (atomic_load(&op->ncompleted) != polls_expected(op) ||
            at < op->ack.ack_time + atomic_load(&op->max_duration))
            t->before++;
    }
}

/* What fails the campaign, one sentence each; *ok false if any. */
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
static void rates(drv_t *d, json_t *v)
{
    double f0 = INFINITY, f1 = -INFINITY, a0 = INFINITY, a1 = -INFINITY;
    double s0 = INFINITY, s1 = -INFINITY;
    size_t n = 0;

    for (size_t i = 0; i < d->m.nops; i++) {
        op_t *op = model_op_at(&d->m, i + 1);
        if (!op->applied || op->kind == OP_ZONE_CREATE || op->failed)
            continue;
        n++;
        f0 = fmin(f0, op->due);
        f1 = fmax(f1, op->due);
        s0 = fmin(s0, op->sent);
        s1 = fmax(s1, op->sent);
        a0 = fmin(a0, op->ack.ack_time);
        a1 = fmax(a1, op->ack.ack_time);
    }
    json_object_set_new(v, "scheduled_rate", rate_of(n, f0, f1));
    json_object_set_new(v, "offered_rate", rate_of(n, s0, s1));
    json_object_set_new(
        v, "schedule",
        json_pack("{s:I, s:f, s:I, s:f, s:f}", "late_ops", (json_int_t)d->late_ops,
                  "max_late_s", round(d->late_max * 1e3) / 1e3, "stalls",
                  (json_int_t)d->stalls, "stalled_s", round(d->stalled_s * 1e3) / 1e3,
                  "longest_stall_s", round(d->stall_longest * 1e3) / 1e3));
    json_object_set_new(v, "achieved_rate",
                        n > 1 && a1 > a0 ? json_real((double)(n - 1) / (a1 - a0))
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
    tally_t t;

    propagation(d, &t);
    claims(d, &t);
    t.completed = polls_count(d, ACCT_COMPLETED);
    t.timeouts = polls_count(d, ACCT_TIMEOUTS);
    t.errors = polls_count(d, ACCT_ERRORS);
    t.cancelled = polls_count(d, ACCT_CANCELLED);
    t.unanswered = d->unanswered + (d->polls_submitted - polls_count(d, ACCT_DONE));
    fails = failures(d, &t, ok);
    rates(d, v);
    json_object_set_new(v, "operations", json_integer((json_int_t)d->m.nops));
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
    return v;
}
