/*
 * stats: the numbers people quote about a campaign, from a dataset.
 *
 * A group (all results, one nameserver, one operation kind, one stage)
 * gets count, completed, timeouts, errors, cancelled and, over the
 * completed durations, min, mean and the percentiles p50 p66 p75 p90 p95
 * p99 and max. Percentiles are nearest-rank (the smallest value with at
 * least p% of the values at or below it): every figure is a duration
 * that was measured, and hand-computable. Timeouts are not folded into
 * the percentiles (their duration is only a lower bound); they are
 * counted beside them.
 *
 * Stages follow one change through the system:
 *   api          submit -> acknowledged by the target;
 *   primary      acknowledged -> served by the primary nameserver(s);
 *   secondaries  acknowledged -> served by every secondary (per change,
 *                the slowest of them; only changes all of them served);
 *   transfer     primary -> every secondary (secondaries - primary);
 *   all          acknowledged -> served by every nameserver polled: the
 *                change's convergence time (the SLO's p99 is on this);
 *   provider     acknowledged -> the provider claims it in sync (its own
 *                status, e.g. Designate's ACTIVE; only changes whose target
 *                reports one; a failed or missing claim is a timeout).
 *
 * "provider" compares the claims with the nameservers: {"changes" (with a
 * claim asked for), "claims" (in sync), "failed", "timeouts", "cancelled",
 * "claim_before_served": {"count", "fraction" (of claims), "never_served"
 * (claims of changes some nameserver never served), "by": {p50, p90, p99,
 * max} of (all served) - (claim), s}, "claim_after_served": {"count",
 * "fraction", "by": of (claim) - (all served)}}; null when no change had
 * a claim. before + after = claims; "by" of before leaves never_served
 * out (no served time).
 *
 * Ownership: the JSON objects returned are new references for the caller
 * (json_decref). stats_from() sorts the caller's array in place;
 * stats_convergence() fills the caller's. Thread-safety: stats_from and
 * stats_percentile are pure; stats_json (which calls ds_sort) and
 * stats_convergence work on the dataset, which belongs to the calling
 * thread (see dataset.h); no lock or global state.
 */
#ifndef DP_STATS_H
#define DP_STATS_H

#include <jansson.h>
#include <stddef.h>

#include "plot/dataset.h"

#define STATS_NPCT 7
/* p50 p66 p75 p90 p95 p99 p100(max) */
extern const double stats_pcts[STATS_NPCT];

typedef struct {
    size_t count, completed, timeouts, errors, cancelled;
    double min, mean;
    double pct[STATS_NPCT]; /* NAN when nothing completed */
} stats_t;

/* Fill st from n durations (completed ones; sorted in place) and the
 * other counts given. */
void stats_from(stats_t *st, double *dur, size_t n);
/* qsort's order of doubles, ascending (NaN not expected). */
int stats_cmp_double(const void *a, const void *b);
/* Nearest-rank percentile p (0..100] of sorted v[n]; NAN when n == 0. */
double stats_percentile(const double *sorted, size_t n, double p);
/* How an instance (dataset.h nsids) reads in reports: its NSID, "(no
 * NSID)", "(malformed NSID)". */
const char *stats_inst_label(const char *nsid);

/* Everything, as JSON: {"overall", "nameservers": {ns: stats}, "kinds":
 * {kind: stats}, "ns_kind": {ns: {kind: stats}}, "stages": {stage: stats},
 * "provider" (above), "instances": {ns: {"address", "instances": [stats
 * + "nsid" (null for none or malformed), "label"], "slowest": {"nsid",
 * "p50", "p99"} or null with one instance, "vantages": {vantage: number
 * of instances reached}}} for the addresses whose probes asked for NSIDs,
 * "slowest": {"nameserver", "p50", "p99", "others_p50", "others_p99",
 * "lag_p50", "lag_p99"}, "changes": [per change: id, kind, zone, name,
 * ack_time, per nameserver duration or status, converged_after]}; numbers
 * rounded to the microsecond so that a report is reproducible. */
json_t *stats_json(dataset_t *ds);

/* The stages of a change, in report order: api (submitted ->
 * acknowledged), primary, secondaries, all (acknowledged -> every
 * nameserver of the role, or every one, served it), transfer (primary ->
 * secondaries), provider (acknowledged -> the target claimed it in sync). */
enum {
    STATS_STAGE_API,
    STATS_STAGE_PRIMARY,
    STATS_STAGE_SECONDARIES,
    STATS_STAGE_TRANSFER,
    STATS_STAGE_ALL,
    STATS_STAGE_PROVIDER,
    STATS_NSTAGES,
};
extern const char *const stats_stage_names[STATS_NSTAGES];

/* A stage's value for each change (ds->nops of them) into v, NAN where
 * the change did not get there (a timeout or an error on the way), and
 * into counted whether the change counts for that stage at all (polled on
 * a nameserver of the role, has a claim...). 0 or -ENOMEM. */
int stats_stage_values(dataset_t *ds, int stage, double *v, unsigned *counted);

/* The same for one nameserver: the change's propagation time there (NAN:
 * a timeout or an error; cancelled polls do not count). */
void stats_ns_values(const dataset_t *ds, unsigned ns, double *v, unsigned *counted);

/* Per change: the time until every polled nameserver served it (NAN when
 * one did not), into conv[ds->nops]. */
void stats_convergence(dataset_t *ds, double *conv);
/* The changes sent to several targets ([phase] targets =), one value each
 * in out[] (room for ds->nops): when every nameserver of every target had
 * served it, from its first acknowledgement (s; NAN: some did not, or a
 * target refused it); last[] (unless NULL): the target last to serve
 * (index + 1 in ds->targets). Returns how many, or -ENOMEM. conv:
 * stats_convergence's. */
long stats_every_provider(const dataset_t *ds, const double *conv, double *out,
                          uint16_t *last);

/* The changes one by one, for report.json's "changes" array, which
 * stats_json() leaves out: a million changes as JSON objects would cost a
 * gigabyte, one at a time costs nothing. stats_change(c, i) is the i-th
 * change (in id order): {id, kind, phase, zone, name, type, ack_at, api,
 * converged_after, nameservers: {name: duration or status}, [provider],
 * [measured_by, cut]}; the caller json_decref()s it. */
typedef struct {
    dataset_t *ds;
    double start;
    double *conv;    /* per change: when every nameserver served it (NAN: never) */
    uint32_t *first; /* change i's results: byop[first[i] .. first[i + 1]) */
    uint32_t *byop;
} stats_changes_t;

int stats_changes_open(stats_changes_t *c, dataset_t *ds);
json_t *stats_change(const stats_changes_t *c, size_t i);
void stats_changes_close(stats_changes_t *c);

/* The SLOs of campaign metadata "slo" ({"p99": s, "max_timeouts": n,
 * "converged": bool, "claim_before_served": n}) judged on stats_json()'s figures and the
 * campaign's failed operations: {"ok": bool, "checks": [{"slo", "limit", "value",
 * "ok"}]}. */
json_t *stats_slo(const dataset_t *ds, const json_t *stats);

#endif
