/*
 * stats: a campaign's figures (see stats.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/targets/target.h"
#include "plot/stats.h"

const double stats_pcts[STATS_NPCT] = {50, 66, 75, 90, 95, 99, 100};
static const char *const pct_names[STATS_NPCT] = {"p50", "p66", "p75", "p90",
                                                  "p95", "p99", "max"};

int stats_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return x < y ? -1 : x > y;
}

double stats_percentile(const double *v, size_t n, double p)
{
    double rank;
    size_t k;

    if (n == 0)
        return NAN;
    /* nearest rank: the ceil(p/100 * n)-th smallest value (1-based); the
     * small epsilon keeps 0.66 * 50 = 33.000000000000004 at rank 33 */
    rank = ceil(p / 100.0 * (double)n - 1e-9);
    k = rank < 1 ? 0 : (size_t)rank - 1;
    return v[k < n ? k : n - 1];
}

void stats_from(stats_t *st, double *dur, size_t n)
{
    double sum = 0;
    size_t i;

    st->completed = n;
    if (n == 0) {
        st->min = st->mean = NAN;
        for (i = 0; i < STATS_NPCT; i++)
            st->pct[i] = NAN;
        return;
    }
    qsort(dur, n, sizeof(double), stats_cmp_double);
    for (i = 0; i < n; i++)
        sum += dur[i];
    st->min = dur[0];
    st->mean = sum / (double)n;
    for (i = 0; i < STATS_NPCT; i++)
        st->pct[i] = stats_percentile(dur, n, stats_pcts[i]);
}

/* Rounded to the microsecond: what the clocks can tell, and the same
 * digits however the sums were ordered. */
static json_t *usec(double v)
{
    if (isnan(v) || isinf(v))
        return json_null();
    return json_real(round(v * 1e6) / 1e6);
}

static json_t *stats_to_json(const stats_t *st)
{
    json_t *o = json_object();
    size_t i;

    json_object_set_new(o, "count", json_integer((json_int_t)st->count));
    json_object_set_new(o, "completed", json_integer((json_int_t)st->completed));
    json_object_set_new(o, "timeouts", json_integer((json_int_t)st->timeouts));
    json_object_set_new(o, "errors", json_integer((json_int_t)st->errors));
    json_object_set_new(o, "cancelled", json_integer((json_int_t)st->cancelled));
    json_object_set_new(o, "min", usec(st->min));
    json_object_set_new(o, "mean", usec(st->mean));
    for (i = 0; i < STATS_NPCT; i++)
        json_object_set_new(o, pct_names[i], usec(st->pct[i]));
    return o;
}

/* A group of results: those for which keep(r) holds. */
typedef bool (*keep_fn)(const dataset_t *ds, const ds_result_t *r, const void *arg);

static json_t *group(const dataset_t *ds, keep_fn keep, const void *arg, double *buf)
{
    stats_t st;
    size_t i;
    size_t n = 0;

    memset(&st, 0, sizeof(st));
    for (i = 0; i < ds->n; i++) {
        const ds_result_t *r = &ds->res[i];
        if (keep != NULL && !keep(ds, r, arg))
            continue;
        st.count++;
        switch (r->status) {
        case DS_COMPLETED:
            buf[n++] = r->duration;
            break;
        case DS_TIMEOUT:
            st.timeouts++;
            break;
        case DS_ERROR:
            st.errors++;
            break;
        default:
            st.cancelled++;
            break;
        }
    }
    stats_from(&st, buf, n);
    return stats_to_json(&st);
}

static bool keep_ns(const dataset_t *ds, const ds_result_t *r, const void *arg)
{
    (void)ds;
    return r->ns == *(const unsigned *)arg;
}

static bool keep_kind(const dataset_t *ds, const ds_result_t *r, const void *arg)
{
    return ds->ops[r->op].kind == *(const unsigned *)arg;
}

static bool keep_ns_kind(const dataset_t *ds, const ds_result_t *r, const void *arg)
{
    const unsigned *nk = arg;

    return r->ns == nk[0] && ds->ops[r->op].kind == nk[1];
}

static bool keep_target(const dataset_t *ds, const ds_result_t *r, const void *arg)
{
    return ds->ops[r->op].target == *(const unsigned *)arg;
}

static bool keep_vantage(const dataset_t *ds, const ds_result_t *r, const void *arg)
{
    (void)ds;
    return r->vantage == *(const unsigned *)arg;
}

static bool keep_ns_vantage(const dataset_t *ds, const ds_result_t *r, const void *arg)
{
    const unsigned *nv = arg;

    (void)ds;
    return r->ns == nv[0] && r->vantage == nv[1];
}

static bool keep_ns_inst(const dataset_t *ds, const ds_result_t *r, const void *arg)
{
    const unsigned *ni = arg;

    (void)ds;
    return r->ns == ni[0] && r->inst == ni[1];
}

static bool keep_role(const dataset_t *ds, const ds_result_t *r, const void *arg)
{
    return strcmp(ds->ns[r->ns].role, (const char *)arg) == 0;
}

static bool keep_others(const dataset_t *ds, const ds_result_t *r, const void *arg)
{
    (void)ds;
    return r->ns != *(const unsigned *)arg;
}

/* Per change, the worst status and slowest duration over a set of
 * nameservers (role, or NULL for all): NAN unless every one of them that
 * was polled served it. Returns how many changes had such polls. */
typedef struct {
    double slowest; /* NAN: not all served; -INFINITY: none polled (8 bytes,
                       not 16: there are three per change of a campaign) */
} op_agg_t;

static unsigned polled(const op_agg_t *a)
{
    return a->slowest != -INFINITY;
}

static void aggregate(const dataset_t *ds, const char *role, op_agg_t *agg)
{
    size_t i;

    for (i = 0; i < ds->nops; i++)
        agg[i].slowest = -INFINITY;
    for (i = 0; i < ds->n; i++) {
        const ds_result_t *r = &ds->res[i];
        op_agg_t *a = &agg[r->op];
        if (role != NULL && strcmp(ds->ns[r->ns].role, role) != 0)
            continue;
        if (a->slowest == -INFINITY)
            a->slowest = 0; /* polled */
        if (r->status != DS_COMPLETED)
            a->slowest = NAN;
        else if (!isnan(a->slowest) && r->duration > a->slowest)
            a->slowest = r->duration;
    }
}

void stats_convergence(dataset_t *ds, double *conv)
{
    op_agg_t *agg = calloc(ds->nops + 1, sizeof(*agg));
    size_t i;

    for (i = 0; i < ds->nops; i++)
        conv[i] = NAN;
    if (agg == NULL)
        return;
    aggregate(ds, NULL, agg);
    for (i = 0; i < ds->nops; i++)
        conv[i] = polled(&agg[i]) ? agg[i].slowest : NAN;
    free(agg);
}

/* A stage's figures from per-change values (NAN: did not get there). */
static json_t *stage(const double *v, const unsigned *polled, size_t n, double *buf)
{
    stats_t st;
    size_t i;
    size_t k = 0;

    memset(&st, 0, sizeof(st));
    for (i = 0; i < n; i++) {
        if (polled != NULL && polled[i] == 0)
            continue;
        st.count++;
        if (isnan(v[i]))
            st.timeouts++; /* did not get there: a poll timed out or failed */
        else
            buf[k++] = v[i];
    }
    stats_from(&st, buf, k);
    return stats_to_json(&st);
}

const char *const stats_stage_names[STATS_NSTAGES] = {
    "api", "primary", "secondaries", "transfer", "all", "provider",
};

/* One stage's per-change values from the per-role aggregates. */
static void stage_values(const dataset_t *ds, int stage, const op_agg_t *prim,
                         const op_agg_t *sec, const op_agg_t *all, double *v,
                         unsigned *counted)
{
    size_t i;

    for (i = 0; i < ds->nops; i++) {
        const ds_op_t *op = &ds->ops[i];
        switch (stage) {
        case STATS_STAGE_API:
            /* changes made outside (dnsprop probe) have no API times */
            v[i] =
                op->ack_time - op->submit_time < 0 ? NAN : op->ack_time - op->submit_time;
            counted[i] = !isnan(v[i]);
            break;
        case STATS_STAGE_PRIMARY:
            v[i] = prim[i].slowest;
            counted[i] = polled(&prim[i]);
            break;
        case STATS_STAGE_SECONDARIES:
            v[i] = sec[i].slowest;
            counted[i] = polled(&sec[i]);
            break;
        case STATS_STAGE_TRANSFER:
            /* primary -> secondaries: only changes both were polled for */
            v[i] = sec[i].slowest - prim[i].slowest;
            counted[i] = polled(&prim[i]) && polled(&sec[i]);
            if (!isnan(v[i]) && v[i] < 0)
                v[i] = 0; /* a secondary answered first: the NOTIFY beat the poll */
            break;
        case STATS_STAGE_ALL:
            v[i] = all[i].slowest;
            counted[i] = polled(&all[i]);
            break;
        default:
            /* acknowledged -> the provider said in sync (only changes whose
             * target reports a claim; failed or none in time: a timeout) */
            v[i] = op->claimed_at - op->ack_time;
            counted[i] = op->claim != TARGET_CLAIM_NONE;
            break;
        }
    }
}

/* The per-role aggregates the stages read, each ds->nops + 1 long:
 * primary, secondary, then every nameserver. NULL on ENOMEM. */
static op_agg_t *role_aggs(const dataset_t *ds)
{
    op_agg_t *agg = calloc(3 * (ds->nops + 1), sizeof(*agg));

    if (agg == NULL)
        return NULL;
    aggregate(ds, "primary", agg);
    aggregate(ds, "secondary", agg + ds->nops + 1);
    aggregate(ds, NULL, agg + 2 * (ds->nops + 1));
    return agg;
}

int stats_stage_values(dataset_t *ds, int stage, double *v, unsigned *counted)
{
    op_agg_t *agg = role_aggs(ds);

    if (agg == NULL)
        return -ENOMEM;
    stage_values(ds, stage, agg, agg + ds->nops + 1, agg + 2 * (ds->nops + 1), v,
                 counted);
    free(agg);
    return 0;
}

void stats_ns_values(const dataset_t *ds, unsigned ns, double *v, unsigned *counted)
{
    size_t i;

    for (i = 0; i < ds->nops; i++) {
        v[i] = NAN;
        counted[i] = 0;
    }
    for (i = 0; i < ds->n; i++) {
        const ds_result_t *r = &ds->res[i];
        if (r->ns != ns || r->status == DS_CANCELLED)
            continue;
        counted[r->op] = 1;
        v[r->op] = r->status == DS_COMPLETED ? r->duration : NAN;
    }
}

static json_t *stages(dataset_t *ds, double *buf)
{
    json_t *o = json_object();
    double *v = calloc(ds->nops + 1, sizeof(double));
    unsigned *counted = calloc(ds->nops + 1, sizeof(unsigned));
    op_agg_t *agg = role_aggs(ds); /* once for every stage */
    int k;

    for (k = 0; v != NULL && counted != NULL && agg != NULL && k < STATS_NSTAGES; k++) {
        json_t *st;
        stage_values(ds, k, agg, agg + ds->nops + 1, agg + 2 * (ds->nops + 1), v,
                     counted);
        st = stage(v, counted, ds->nops, buf);
        /* a target that reports no claim has no provider stage */
        if (k == STATS_STAGE_PROVIDER &&
            json_integer_value(json_object_get(st, "count")) == 0) {
            json_decref(st);
            continue;
        }
        json_object_set_new(o, stats_stage_names[k], st);
    }
    free(agg);
    free(v);
    free(counted);
    return o;
}

/* {"count", "fraction" (of claims), "by": {p50, p90, p99, max}} of n
 * gaps (sorted in place) out of claims. */
static json_t *claim_side(double *gap, size_t n, size_t count, size_t claims)
{
    static const double p[] = {50, 90, 99, 100};
    static const char *const pn[] = {"p50", "p90", "p99", "max"};
    json_t *by = json_object();

    qsort(gap, n, sizeof(double), stats_cmp_double);
    for (size_t i = 0; i < 4; i++)
        json_object_set_new(by, pn[i], usec(stats_percentile(gap, n, p[i])));
    return json_pack("{s:I, s:o, s:o}", "count", (json_int_t)count, "fraction",
                     claims > 0
                         ? json_real(round((double)count / (double)claims * 1e6) / 1e6)
                         : json_null(),
                     "by", by);
}

/* The provider's claims against the nameservers (see stats.h); NULL when
 * no change's target reported one. conv: per change, acknowledged ->
 * served by every nameserver (NAN: not all did). */
static json_t *provider(const dataset_t *ds, const double *conv)
{
    double *before = calloc(ds->nops + 1, sizeof(double));
    double *after = calloc(ds->nops + 1, sizeof(double));
    size_t nb = 0, na = 0, nbefore = 0, never = 0;
    size_t changes = 0, claims = 0, failed = 0, timeouts = 0, cancelled = 0;
    json_t *o = NULL;

    if (before == NULL || after == NULL)
        goto out;
    for (size_t i = 0; i < ds->nops; i++) {
        const ds_op_t *op = &ds->ops[i];
        double served = op->ack_time + conv[i];
        if (op->claim == TARGET_CLAIM_NONE)
            continue;
        changes++;
        failed += op->claim == TARGET_CLAIM_FAILED;
        timeouts += op->claim == TARGET_CLAIM_TIMEOUT;
        cancelled += op->claim == TARGET_CLAIM_CANCELLED;
        if (op->claim != TARGET_CLAIM_IN_SYNC)
            continue;
        claims++;
        if (isnan(conv[i])) {
            nbefore++; /* a nameserver never served it */
            never++;
        } else if (op->claimed_at < served) {
            nbefore++;
            before[nb++] = served - op->claimed_at;
        } else {
            after[na++] = op->claimed_at - served;
        }
    }
    if (changes == 0)
        goto out;
    o = json_pack("{s:I, s:I, s:I, s:I, s:I}", "changes", (json_int_t)changes, "claims",
                  (json_int_t)claims, "failed", (json_int_t)failed, "timeouts",
                  (json_int_t)timeouts, "cancelled", (json_int_t)cancelled);
    json_object_set_new(o, "claim_before_served",
                        claim_side(before, nb, nbefore, claims));
    json_object_set_new(json_object_get(o, "claim_before_served"), "never_served",
                        json_integer((json_int_t)never));
    json_object_set_new(o, "claim_after_served", claim_side(after, na, na, claims));
out:
    free(before);
    free(after);
    return o != NULL ? o : json_null();
}

/* The slowest nameserver (by p99 of its completed polls, then by mean)
 * and its lag: its p50/p99 minus those of all the other nameservers'
 * results pooled. */
static json_t *slowest(const dataset_t *ds, json_t *byns, double *buf)
{
    long best = -1;
    double bp99 = -1, bmean = -1;
    json_t *others;
    json_t *o;
    size_t i;

    for (i = 0; i < ds->nns; i++) {
        json_t *s = json_object_get(byns, ds->ns[i].name);
        double p99 = json_number_value(json_object_get(s, "p99"));
        double mean = json_number_value(json_object_get(s, "mean"));
        if (!json_is_number(json_object_get(s, "p99")))
            continue;
        if (p99 > bp99 || (p99 == bp99 && mean > bmean)) {
            best = (long)i;
            bp99 = p99;
            bmean = mean;
        }
    }
    if (best < 0 || ds->nns < 2)
        return json_null();
    {
        unsigned b = (unsigned)best;
        json_t *s = json_object_get(byns, ds->ns[b].name);
        others = group(ds, keep_others, &b, buf);
        o = json_object();
        json_object_set_new(o, "nameserver", json_string(ds->ns[b].name));
        json_object_set_new(o, "p50", json_incref(json_object_get(s, "p50")));
        json_object_set_new(o, "p99", json_incref(json_object_get(s, "p99")));
        json_object_set_new(o, "mean", json_incref(json_object_get(s, "mean")));
        json_object_set_new(o, "others_p50", json_incref(json_object_get(others, "p50")));
        json_object_set_new(o, "others_p99", json_incref(json_object_get(others, "p99")));
        json_object_set_new(o, "others_mean",
                            json_incref(json_object_get(others, "mean")));
        json_object_set_new(o, "lag_p50",
                            usec(json_number_value(json_object_get(s, "p50")) -
                                 json_number_value(json_object_get(others, "p50"))));
        json_object_set_new(o, "lag_p99",
                            usec(json_number_value(json_object_get(s, "p99")) -
                                 json_number_value(json_object_get(others, "p99"))));
        json_object_set_new(o, "lag_mean",
                            usec(json_number_value(json_object_get(s, "mean")) -
                                 json_number_value(json_object_get(others, "mean"))));
        json_decref(others);
    }
    return o;
}

int stats_changes_open(stats_changes_t *c, dataset_t *ds)
{
    size_t i;

    memset(c, 0, sizeof(*c));
    ds_sort(ds);
    c->ds = ds;
    c->start = ds_start(ds);
    c->conv = malloc((ds->nops + 1) * sizeof(double));
    c->first = calloc(ds->nops + 2, sizeof(uint32_t));
    c->byop = malloc((ds->n + 1) * sizeof(uint32_t));
    if (c->conv == NULL || c->first == NULL || c->byop == NULL) {
        stats_changes_close(c);
        return -ENOMEM;
    }
    stats_convergence(ds, c->conv);
    /* results grouped by change (a counting sort: they are in time order) */
    for (i = 0; i < ds->n; i++)
        c->first[ds->res[i].op + 2]++;
    for (i = 2; i < ds->nops + 2; i++)
        c->first[i] += c->first[i - 1];
    for (i = 0; i < ds->n; i++)
        c->byop[c->first[ds->res[i].op + 1]++] = (uint32_t)i;
    return 0;
}

void stats_changes_close(stats_changes_t *c)
{
    free(c->conv);
    free(c->first);
    free(c->byop);
    memset(c, 0, sizeof(*c));
}

json_t *stats_change(const stats_changes_t *c, size_t i)
{
    const dataset_t *ds = c->ds;
    const ds_op_t *op = &ds->ops[i];
    json_t *per = json_object();
    json_t *o;
    size_t k;

    for (k = c->first[i]; k < c->first[i + 1]; k++) {
        const ds_result_t *r = &ds->res[c->byop[k]];
        json_object_set_new(per, ds->ns[r->ns].name,
                            r->status == DS_COMPLETED
                                ? usec(r->duration)
                                : json_string(ds_status_str(r->status)));
    }
    o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "id",
                  (json_int_t)op->id, "kind", ds->kinds.v[op->kind], "phase",
                  ds->phases.v[op->phase], "zone", op->zone, "name", op->name, "type",
                  op->type, "ack_at", usec(op->ack_time - c->start), "api",
                  usec(op->ack_time - op->submit_time), "converged_after",
                  usec(c->conv[i]), "nameservers", per);
    if (o == NULL)
        return NULL;
    if (op->claim != TARGET_CLAIM_NONE)
        /* the provider's claim: s after the acknowledgement, or why not */
        json_object_set_new(o, "provider",
                            op->claim == TARGET_CLAIM_IN_SYNC
                                ? usec(op->claimed_at - op->ack_time)
                                : json_string(target_claim_str(op->claim)));
    if (*ds->measures.v[op->measure] != '\0') {
        /* below a zone cut (harness/scenario/zonecut.h) */
        json_object_set_new(o, "measured_by", json_string(ds->measures.v[op->measure]));
        json_object_set_new(o, "cut", json_string(op->cut != NULL ? op->cut : ""));
    }
    return o;
}

/* How an instance reads in reports: its NSID, or what stood instead. */
const char *stats_inst_label(const char *nsid)
{
    if (nsid[0] == '\0')
        return "(no NSID)";
    if (strcmp(nsid, "!malformed") == 0)
        return "(malformed NSID)";
    if (strcmp(nsid, "!too-many-nsids") == 0)
        return "(too many NSIDs)";
    return nsid;
}

/* One address's instances: which of them a result's answer came from. */
static json_t *ns_instances(const dataset_t *ds, unsigned ns, const uint8_t *seen,
                            double *buf)
{
    json_t *arr = json_array();
    json_t *o = json_object();
    json_t *byv = json_object();
    json_t *slow = json_null();
    double sp50 = -1;
    uint8_t *reached;
    size_t k, v;

    for (k = 0; k < ds->nsids.n; k++) {
        unsigned key[2] = {ns, (unsigned)k + 1};
        const char *id = ds->nsids.v[k];
        json_t *g;
        if (!seen[k])
            continue;
        g = group(ds, keep_ns_inst, key, buf);
        json_object_set_new(
            g, "nsid", id[0] != '\0' && id[0] != '!' ? json_string(id) : json_null());
        json_object_set_new(g, "label", json_string(stats_inst_label(id)));
        if (id[0] != '\0' && id[0] != '!' && json_is_number(json_object_get(g, "p50")) &&
            json_number_value(json_object_get(g, "p50")) > sp50) {
            sp50 = json_number_value(json_object_get(g, "p50"));
            json_decref(slow);
            slow = json_pack("{s:s, s:O, s:O}", "nsid", id, "p50",
                             json_object_get(g, "p50"), "p99", json_object_get(g, "p99"));
        }
        json_array_append_new(arr, g);
    }
    /* instances each vantage reached (anycast routes differ per vantage):
     * one pass, a flag per (vantage, instance) */
    reached = calloc(ds->vantages.n * ds->nsids.n + 1, 1);
    for (k = 0; reached != NULL && k < ds->n; k++) {
        const ds_result_t *r = &ds->res[k];
        if (r->ns == ns && r->inst > 0)
            reached[r->vantage * ds->nsids.n + r->inst - 1] = 1;
    }
    for (v = 0; reached != NULL && v < ds->vantages.n; v++) {
        size_t n = 0;
        for (k = 0; k < ds->nsids.n; k++)
            n += reached[v * ds->nsids.n + k] && ds->nsids.v[k][0] != '\0' &&
                 ds->nsids.v[k][0] != '!';
        json_object_set_new(byv,
                            ds->vantages.v[v][0] != '\0' ? ds->vantages.v[v] : "local",
                            json_integer((json_int_t)n));
    }
    free(reached);
    json_object_set_new(o, "address", json_string(ds->ns[ns].addr));
    json_object_set_new(o, "instances", arr);
    json_object_set_new(o, "slowest", json_array_size(arr) > 1 ? slow : json_null());
    if (json_array_size(arr) <= 1)
        json_decref(slow);
    json_object_set_new(o, "vantages", byv);
    return o;
}

/* DNSSEC: per nameserver, when its polls' data was first served at all
 * ("plain") beside when it was served validly signed ("signed", the
 * nameserver's own figures): the signing lag between them. {} when no
 * poll checked signatures. */
static json_t *signing(const dataset_t *ds, json_t *byns, double *buf)
{
    json_t *o = json_object();

    for (size_t i = 0; i < ds->nns; i++) {
        const ds_ns_t *n = &ds->ns[i];
        json_t *sg = json_object_get(byns, n->name);
        json_t *pl;
        stats_t st;
        if (n->ndnssec == 0)
            continue;
        memset(&st, 0, sizeof(st));
        st.count = n->ndnssec;
        memcpy(buf, n->plain, n->nplain * sizeof(double));
        stats_from(&st, buf, n->nplain);
        pl = stats_to_json(&st);
        json_object_set_new(
            o, n->name,
            json_pack(
                "{s:o, s:O, s:o, s:o}", "plain", pl, "signed", sg, "lag_p50",
                usec(fmax(0, json_number_value(json_object_get(sg, "p50")) - st.pct[0])),
                "lag_p99",
                usec(
                    fmax(0, json_number_value(json_object_get(sg, "p99")) - st.pct[5]))));
    }
    return o;
}

/* Per address, the instances behind it (RFC 5001 NSID), for the addresses
 * whose probes asked; {} when none did. */
static json_t *instances(const dataset_t *ds, double *buf)
{
    json_t *o = json_object();
    uint8_t *seen = calloc(ds->nsids.n + 1, 1);
    size_t i, ns;

    for (ns = 0; seen != NULL && ns < ds->nns; ns++) {
        bool any = false;
        memset(seen, 0, ds->nsids.n + 1);
        for (i = 0; i < ds->n; i++) {
            const ds_result_t *r = &ds->res[i];
            if (r->ns == ns && r->inst > 0) {
                seen[r->inst - 1] = 1;
                any = true;
            }
        }
        if (any)
            json_object_set_new(o, ds->ns[ns].name,
                                ns_instances(ds, (unsigned)ns, seen, buf));
    }
    free(seen);
    return o;
}

/* Operations by change, then id (the change's operations together). */
static int cmp_change(const void *a, const void *b, void *arg)
{
    const dataset_t *ds = arg;
    const ds_op_t *x = &ds->ops[*(const uint32_t *)a];
    const ds_op_t *y = &ds->ops[*(const uint32_t *)b];

    if (ds_op_change(x) != ds_op_change(y))
        return ds_op_change(x) < ds_op_change(y) ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* One change sent to several targets (ops idx[0..n)): when the last
 * nameserver of the last provider served it, from its first
 * acknowledgement (NAN: some poll did not see it), and which target was
 * the last (index + 1 in targets). */
static double every_provider(const dataset_t *ds, const double *conv, const uint32_t *idx,
                             size_t n, unsigned *last)
{
    double first = INFINITY;
    double end = -INFINITY;

    *last = 0;
    for (size_t k = 0; k < n; k++) {
        const ds_op_t *op = &ds->ops[idx[k]];
        double at = op->ack_time + conv[idx[k]];
        if (op->ack_time < first)
            first = op->ack_time;
        if (isnan(at))
            return NAN;
        if (at > end) {
            end = at;
            *last = op->target;
        }
    }
    return end - first;
}

long stats_every_provider(const dataset_t *ds, const double *conv, double *out,
                          uint16_t *last)
{
    uint32_t *idx;
    size_t i, j;
    long k = 0;

    if (ds->targets.n == 0)
        return 0; /* no result names a target: one target, no such change */
    idx = malloc((ds->nops + 1) * sizeof(*idx));
    if (idx == NULL)
        return -ENOMEM;
    for (i = 0; i < ds->nops; i++)
        idx[i] = (uint32_t)i;
    qsort_r(idx, ds->nops, sizeof(*idx), cmp_change, (void *)ds);
    for (i = 0; i < ds->nops; i = j) {
        unsigned lt = 0;
        for (j = i + 1; j < ds->nops &&
                        ds_op_change(&ds->ops[idx[j]]) == ds_op_change(&ds->ops[idx[i]]);
             j++)
            ;
        if (j - i < 2 && ds->ops[idx[i]].change_targets < 2)
            continue;
        /* a target that refused the change has no results for it: it was
         * not served by that provider */
        out[k] = j - i < ds->ops[idx[i]].change_targets
                     ? NAN
                     : every_provider(ds, conv, idx + i, j - i, &lt);
        if (last != NULL)
            last[k] = (uint16_t)lt;
        k++;
    }
    free(idx);
    return k;
}

/* The changes sent to several providers ([phase] targets =): "served by
 * every provider" (stats_every_provider) over them, and per target how
 * often it was the last to serve. NULL when no change went to two. */
static json_t *every_providers(const dataset_t *ds, const double *conv, double *buf)
{
    double *v = NULL;
    uint16_t *last = NULL;
    unsigned *lastn = NULL;
    json_t *o = NULL;
    json_t *lasts;
    stats_t st;
    size_t i, j, k = 0;
    long n;

    if (ds->targets.n == 0)
        return NULL; /* one target (stats_every_provider) */
    v = malloc((ds->nops + 1) * sizeof(*v));
    last = malloc((ds->nops + 1) * sizeof(*last));
    lastn = calloc(ds->targets.n + 1, sizeof(*lastn));
    if (v == NULL || last == NULL || lastn == NULL)
        goto out;
    n = stats_every_provider(ds, conv, v, last);
    if (n <= 0)
        goto out;
    memset(&st, 0, sizeof(st));
    for (i = 0; i < (size_t)n; i++) {
        st.count++;
        if (isnan(v[i])) {
            st.timeouts++; /* not served by every provider */
            continue;
        }
        buf[k++] = v[i];
        if (last[i] <= ds->targets.n)
            lastn[last[i]]++;
    }
    stats_from(&st, buf, k);
    o = stats_to_json(&st);
    lasts = json_object();
    for (i = 0; i < ds->targets.n; i++)
        json_object_set_new(lasts, ds->targets.v[i], json_integer(lastn[i + 1]));
    json_object_set_new(o, "last_to_serve", lasts);
    for (i = 1, j = 0; i <= ds->targets.n; i++)
        j = lastn[i] > lastn[j] ? i : j;
    json_object_set_new(o, "lagging",
                        j > 0 ? json_string(ds->targets.v[j - 1]) : json_null());
out:
    free(v);
    free(last);
    free(lastn);
    return o;
}

/* Per target ([phase] targets =, the results say it): its changes, its
 * nameservers and their figures. {} when results name no target. */
static json_t *targets(const dataset_t *ds, double *buf)
{
    json_t *o = json_object();
    size_t *changes = calloc(ds->targets.n + 1, sizeof(*changes));
    uint16_t *nst = calloc(ds->nns + 1, sizeof(*nst)); /* each address's target */
    size_t i;

    if (changes == NULL || nst == NULL || ds->targets.n == 0)
        goto out;
    for (i = 0; i < ds->nops; i++)
        changes[ds->ops[i].target]++;
    for (i = 0; i < ds->n; i++) {
        if (nst[ds->res[i].ns] == 0)
            nst[ds->res[i].ns] = ds->ops[ds->res[i].op].target;
    }
    for (unsigned t = 1; t <= ds->targets.n; t++) {
        json_t *g = group(ds, keep_target, &t, buf);
        json_t *names = json_array();
        for (i = 0; i < ds->nns; i++) {
            if (nst[i] == t)
                json_array_append_new(names, json_string(ds->ns[i].name));
        }
        json_object_set_new(g, "changes", json_integer((json_int_t)changes[t]));
        json_object_set_new(g, "nameservers", names);
        json_object_set_new(o, ds->targets.v[t - 1], g);
    }
out:
    free(changes);
    free(nst);
    return o;
}

json_t *stats_json(dataset_t *ds)
{
    json_t *o = json_object();
    json_t *byns = json_object();
    json_t *bykind = json_object();
    json_t *nk = json_object();
    double *buf = malloc((ds->n + ds->nops + 1) * sizeof(double));
    double *conv = malloc((ds->nops + 1) * sizeof(double));
    unsigned *kinds = ds_names_order(&ds->kinds);
    size_t i, k;

    if (buf == NULL || conv == NULL || kinds == NULL)
        goto out;
    ds_sort(ds);
    json_object_set_new(o, "overall", group(ds, NULL, NULL, buf));
    for (i = 0; i < ds->nns; i++) {
        unsigned ni = (unsigned)i;
        json_t *per = json_object();
        json_object_set_new(byns, ds->ns[i].name, group(ds, keep_ns, &ni, buf));
        for (k = 0; k < ds->kinds.n; k++) {
            unsigned key[2] = {ni, kinds[k]};
            json_t *g = group(ds, keep_ns_kind, key, buf);
            if (json_integer_value(json_object_get(g, "count")) > 0)
                json_object_set_new(per, ds->kinds.v[kinds[k]], g);
            else
                json_decref(g);
        }
        json_object_set_new(nk, ds->ns[i].name, per);
    }
    for (k = 0; k < ds->kinds.n; k++)
        json_object_set_new(bykind, ds->kinds.v[kinds[k]],
                            group(ds, keep_kind, &kinds[k], buf));
    {
        json_t *roles = json_object();
        static const char *const rn[] = {"primary", "secondary", "resolver"};
        for (k = 0; k < 3; k++) {
            json_t *g = group(ds, keep_role, rn[k], buf);
            if (json_integer_value(json_object_get(g, "count")) > 0)
                json_object_set_new(roles, rn[k], g);
            else
                json_decref(g);
        }
        json_object_set_new(o, "roles", roles);
    }
    json_object_set_new(o, "nameservers", byns);
    json_object_set_new(o, "kinds", bykind);
    json_object_set_new(o, "ns_kind", nk);
    byns = bykind = nk = NULL;
    if (ds->vantages.n > 1) {
        /* probe agents on several hosts: the same figures per vantage */
        json_t *byv = json_object();
        json_t *nsv = json_object();
        unsigned *vs = ds_names_order(&ds->vantages);
        for (k = 0; vs != NULL && k < ds->vantages.n; k++)
            json_object_set_new(byv, ds->vantages.v[vs[k]],
                                group(ds, keep_vantage, &vs[k], buf));
        for (i = 0; vs != NULL && i < ds->nns; i++) {
            json_t *per = json_object();
            for (k = 0; k < ds->vantages.n; k++) {
                unsigned key[2] = {(unsigned)i, vs[k]};
                json_object_set_new(per, ds->vantages.v[vs[k]],
                                    group(ds, keep_ns_vantage, key, buf));
            }
            json_object_set_new(nsv, ds->ns[i].name, per);
        }
        free(vs);
        json_object_set_new(o, "vantages", byv);
        json_object_set_new(o, "ns_vantage", nsv);
    }
    json_object_set_new(o, "stages", stages(ds, buf));
    json_object_set_new(o, "instances", instances(ds, buf));
    json_object_set_new(o, "signing",
                        signing(ds, json_object_get(o, "nameservers"), buf));
    json_object_set_new(o, "slowest",
                        slowest(ds, json_object_get(o, "nameservers"), buf));
    stats_convergence(ds, conv);
    json_object_set_new(o, "provider", provider(ds, conv));
    json_object_set_new(o, "targets", targets(ds, buf));
    {
        json_t *ep = every_providers(ds, conv, buf);
        if (ep != NULL)
            json_object_set_new(o, "every_provider", ep);
    }
out:
    json_decref(byns);
    json_decref(bykind);
    json_decref(nk);
    free(buf);
    free(conv);
    free(kinds);
    return o;
}

static json_t *check(const char *slo, json_t *limit, json_t *value, bool ok)
{
    return json_pack("{s:s, s:o, s:o, s:b}", "slo", slo, "limit", limit, "value",
                     value != NULL ? value : json_null(), "ok", ok);
}

/* Were some of the campaign's nameservers found by [nameserver] discover? */
static bool discovered(const dataset_t *ds)
{
    json_t *e;
    size_t i;

    json_array_foreach(json_object_get(ds->campaign, "nameservers"), i, e)
    {
        if (json_object_get(e, "discovered") != NULL)
            return true;
    }
    return false;
}

json_t *stats_slo(const dataset_t *ds, const json_t *stats)
{
    json_t *slo = json_object_get(ds->campaign, "slo");
    json_t *all = json_object_get(json_object_get(stats, "stages"), "all");
    json_t *overall = json_object_get(stats, "overall");
    json_t *checks = json_array();
    json_t *v;
    bool ok = true;
    json_int_t failed = json_integer_value(
        json_object_get(json_object_get(ds->campaign, "summary"), "failed"));

    if ((v = json_object_get(slo, "p99")) != NULL && json_is_number(v)) {
        /* on the changes' convergence times: served by every nameserver */
        json_t *p = json_object_get(all, "p99");
        bool good = json_is_number(p) && json_number_value(p) <= json_number_value(v);
        ok = ok && good;
        json_array_append_new(checks, check("p99", json_incref(v), json_incref(p), good));
    }
    if ((v = json_object_get(slo, "max_timeouts")) != NULL && json_is_integer(v)) {
        json_int_t bad = json_integer_value(json_object_get(overall, "timeouts")) +
                         json_integer_value(json_object_get(overall, "errors"));
        bool good = bad <= json_integer_value(v);
        ok = ok && good;
        json_array_append_new(
            checks, check("max_timeouts", json_incref(v), json_integer(bad), good));
    }
    if (json_is_true(json_object_get(slo, "converged"))) {
        json_int_t notall = json_integer_value(json_object_get(all, "timeouts"));
        bool good = notall == 0;
        ok = ok && good;
        json_array_append_new(
            checks, check("converged", json_true(), json_integer(notall), good));
    }
    if ((v = json_object_get(slo, "claim_before_served")) != NULL && json_is_integer(v)) {
        /* no claim at all is a failure: the SLO cannot have been meant */
        json_t *n = json_object_get(
            json_object_get(json_object_get(stats, "provider"), "claim_before_served"),
            "count");
        bool good = json_is_integer(n) && json_integer_value(n) <= json_integer_value(v);
        ok = ok && good;
        json_array_append_new(
            checks, check("claim_before_served", json_incref(v), json_incref(n), good));
    }
    /* nameservers found by discovery: each address must have served
     * something, or a fleet member that never answers would pass unseen */
    if (discovered(ds)) {
        json_t *silent = json_array();
        for (size_t i = 0; i < ds->nns; i++) {
            json_t *s =
                json_object_get(json_object_get(stats, "nameservers"), ds->ns[i].name);
            if (json_integer_value(json_object_get(s, "completed")) == 0)
                json_array_append_new(silent, json_string(ds->ns[i].name));
        }
        bool good = json_array_size(silent) == 0;
        ok = ok && good;
        json_array_append_new(
            checks, check("every_address_served", json_integer(0), silent, good));
    }
    /* whatever the SLOs: changes the target refused are a failure */
    {
        bool good = failed == 0;
        ok = ok && good;
        json_array_append_new(checks, check("failed_operations", json_integer(0),
                                            json_integer(failed), good));
    }
    return json_pack("{s:b, s:o}", "ok", ok, "checks", checks);
}
