/*
 * dataset: a campaign's results for statistics, plots and reports (see
 * dataset.h). Results arrive as the JSON text the store writes, so that
 * the driver's copy and the one read back from Redis are built alike.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "harness/common/vec.h"
#include "harness/targets/target.h"
#include "plot/dataset.h"
#include "storage/record.h"

_Static_assert(sizeof(ds_result_t) == 48, "a result: 48 bytes (a million a campaign)");
_Static_assert(sizeof(ds_op_t) <= 88,
               "a change: 88 bytes at most (a million a campaign)");

static const char *const status_names[DS_STATUSES] = {"COMPLETED", "TIMEOUT", "ERROR",
                                                      "CANCELLED"};

const char *ds_status_str(ds_status_t st)
{
    return st < DS_STATUSES ? status_names[st] : "?";
}

void ds_init(dataset_t *ds)
{
    memset(ds, 0, sizeof(*ds));
    ds->since = -INFINITY;
    ds->until = INFINITY;
}

static void names_clear(ds_names_t *t)
{
    size_t i;

    for (i = 0; i < t->n; i++)
        free(t->v[i]);
    free(t->v);
    free(t->h);
    memset(t, 0, sizeof(*t));
}

void ds_clear(dataset_t *ds)
{
    size_t i;

    for (i = 0; i < ds->nns; i++) {
        free(ds->ns[i].name);
        free(ds->ns[i].addr);
        free(ds->ns[i].role);
        free(ds->ns[i].plain);
    }
    for (i = 0; i < ds->nchunks; i++)
        free(ds->chunks[i]);
    free(ds->chunks);
    record_clear(&ds->scratch);
    free(ds->ns);
    free(ds->ops);
    free(ds->res);
    free(ds->opidx);
    names_clear(&ds->kinds);
    names_clear(&ds->reasons);
    names_clear(&ds->phases);
    names_clear(&ds->vantages);
    names_clear(&ds->measures);
    names_clear(&ds->nsids);
    names_clear(&ds->targets);
    names_clear(&ds->zones);
    names_clear(&ds->types);
    json_decref(ds->campaign);
    ds_init(ds);
}

static size_t name_hash(const char *s)
{
    size_t h = 14695981039346656037ULL; /* FNV-1a */

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static long find(const ds_names_t *t, const char *s)
{
    size_t k;

    if (s == NULL || t->hcap == 0)
        return -1;
    for (k = name_hash(s) & (t->hcap - 1); t->h[k] != 0; k = (k + 1) & (t->hcap - 1)) {
        if (strcmp(t->v[t->h[k] - 1], s) == 0)
            return (long)(t->h[k] - 1);
    }
    return -1;
}

/* The hash of t's names, sized for n + 1 of them (at most half full). */
static int names_rehash(ds_names_t *t, size_t n)
{
    size_t cap = 16;
    size_t i;

    while (cap < 2 * (n + 1))
        cap *= 2;
    if (cap <= t->hcap)
        return 0;
    free(t->h);
    t->h = calloc(cap, sizeof(*t->h));
    t->hcap = t->h != NULL ? cap : 0;
    if (t->h == NULL)
        return -ENOMEM;
    for (i = 0; i < t->n; i++) {
        size_t k = name_hash(t->v[i]) & (cap - 1);
        while (t->h[k] != 0)
            k = (k + 1) & (cap - 1);
        t->h[k] = (uint32_t)(i + 1);
    }
    return 0;
}

/* Index of s in t, added when new. Hashed: zones and reasons may number
 * in the thousands in a large campaign. */
static long intern(ds_names_t *t, const char *s)
{
    long i = find(t, s != NULL ? s : "");
    size_t k;

    if (i >= 0)
        return i;
    if (s == NULL)
        s = "";
    if (VEC_RESERVE(t->v, t->cap, t->n + 1) < 0 || names_rehash(t, t->n + 1) < 0)
        return -ENOMEM;
    t->v[t->n] = strdup(s);
    if (t->v[t->n] == NULL)
        return -ENOMEM;
    for (k = name_hash(s) & (t->hcap - 1); t->h[k] != 0; k = (k + 1) & (t->hcap - 1))
        ;
    t->h[k] = (uint32_t)(t->n + 1);
    return (long)t->n++;
}

/* A copy of s in the dataset's own chunks (freed by ds_clear): one
 * allocation per 64 KiB, not one per change's name. NULL on ENOMEM. */
static char *arena_dup(dataset_t *ds, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p;

    if (ds->nchunks == 0 || DS_CHUNK - ds->used < n) {
        size_t sz = n > DS_CHUNK ? n : DS_CHUNK;
        if (VEC_RESERVE(ds->chunks, ds->chunkcap, ds->nchunks + 1) < 0)
            return NULL;
        ds->chunks[ds->nchunks] = malloc(sz);
        if (ds->chunks[ds->nchunks] == NULL)
            return NULL;
        ds->nchunks++;
        ds->used = 0;
        if (n > DS_CHUNK) { /* a chunk of its own, full at once */
            ds->used = DS_CHUNK;
            return memcpy(ds->chunks[ds->nchunks - 1], s, n);
        }
    }
    p = ds->chunks[ds->nchunks - 1] + ds->used;
    ds->used += n;
    return memcpy(p, s, n);
}

static int cmp_name(const void *a, const void *b, void *arg)
{
    const ds_names_t *t = arg;

    return strcmp(t->v[*(const unsigned *)a], t->v[*(const unsigned *)b]);
}

unsigned *ds_names_order(const ds_names_t *t)
{
    unsigned *order = malloc((t->n + 1) * sizeof(unsigned));
    size_t i;

    if (order == NULL)
        return NULL;
    for (i = 0; i < t->n; i++)
        order[i] = (unsigned)i;
    if (t->n > 0)
        qsort_r(order, t->n, sizeof(unsigned), cmp_name, (void *)t);
    return order;
}

long ds_ns_index(const dataset_t *ds, const char *name)
{
    size_t i;

    for (i = 0; name != NULL && i < ds->nns; i++) {
        if (strcmp(ds->ns[i].name, name) == 0)
            return (long)i;
    }
    return -1;
}

static long ns_add(dataset_t *ds, const char *name, const char *addr, const char *role)
{
    long i = ds_ns_index(ds, name);
    ds_ns_t *n;

    if (i >= 0)
        return i;
    if (VEC_RESERVE(ds->ns, ds->nscap, ds->nns + 1) < 0)
        return -ENOMEM;
    n = &ds->ns[ds->nns];
    memset(n, 0, sizeof(*n));
    n->name = strdup(name);
    n->addr = strdup(addr != NULL ? addr : "");
    n->role = strdup(role != NULL ? role : "");
    if (n->name == NULL || n->addr == NULL || n->role == NULL) {
        free(n->name);
        free(n->addr);
        free(n->role);
        return -ENOMEM;
    }
    return (long)ds->nns++;
}

static void ns_set(ds_ns_t *n, const char *addr, const char *role)
{
    char *a = strdup(addr != NULL ? addr : "");
    char *r = strdup(role != NULL ? role : "");

    if (a == NULL || r == NULL) {
        free(a);
        free(r);
        return; /* the old texts stay: still valid */
    }
    free(n->addr);
    free(n->role);
    n->addr = a;
    n->role = r;
}

int ds_set_campaign(dataset_t *ds, json_t *campaign)
{
    json_t *arr;
    json_t *e;
    size_t i;
    size_t k = 0;

    json_decref(ds->campaign);
    ds->campaign = json_incref(campaign);
    arr = json_object_get(campaign, "nameservers");
    /* The scenario's nameservers first, in its order (results may have
     * named some already, in the order they completed): colours, tables
     * and keys then follow the scenario, however the run went. */
    json_array_foreach(arr, i, e)
    {
        const char *name = json_string_value(json_object_get(e, "name"));
        long j;
        ds_ns_t t;
        if (name == NULL)
            continue;
        j = ns_add(ds, name, NULL, NULL);
        if (j < 0)
            return -ENOMEM;
        ns_set(&ds->ns[j], json_string_value(json_object_get(e, "addr")),
               json_string_value(json_object_get(e, "role")));
        if ((size_t)j < k)
            continue; /* listed twice */
        /* swap j into place k, and the results' indexes with it */
        t = ds->ns[k];
        ds->ns[k] = ds->ns[j];
        ds->ns[j] = t;
        for (size_t r = 0; r < ds->n; r++) {
            if (ds->res[r].ns == (unsigned)j)
                ds->res[r].ns = (unsigned)k;
            else if (ds->res[r].ns == (unsigned)k)
                ds->res[r].ns = (unsigned)j;
        }
        k++;
    }
    return 0;
}

/* What the dataset takes from one result, whatever form it came in. */
typedef struct {
    bool has_opid;
    uint64_t opid, seq;
    const char *status, *nameserver, *ns_name, *reason, *vantage;
    const char *op_kind, *phase, *measured_by, *zone, *name, *type, *cut;
    const char *rrset_name, *rrset_type, *claim_status; /* NULL when absent */
    const char *instance; /* nsid or nsid_last (ds_result_t.inst); NULL: not asked */
    const char *target;   /* "" when not said */
    bool has_change;
    uint64_t change;
    unsigned change_targets;
    bool dnssec;
    double plain_duration; /* NAN unless dnssec and first served */
    double start_time, lower_bound, duration, submit_time, ack_time, offered_rate,
        claimed_at;
    unsigned queries;
} ds_in_t;

static double num(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);

    return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s != NULL ? s : "";
}

static void in_from_json(ds_in_t *in, json_t *o)
{
    in->has_opid = json_is_integer(json_object_get(o, "op_id"));
    in->opid = (uint64_t)json_integer_value(json_object_get(o, "op_id"));
    in->seq = (uint64_t)json_integer_value(json_object_get(o, "seq"));
    in->status = str(o, "status");
    in->nameserver = str(o, "nameserver");
    in->ns_name = json_object_get(o, "ns_name") != NULL ? str(o, "ns_name") : NULL;
    in->reason = str(o, "reason");
    in->vantage = str(o, "vantage");
    in->op_kind = str(o, "op_kind");
    in->phase = str(o, "phase");
    in->measured_by = str(o, "measured_by");
    in->zone = str(o, "zone");
    in->name = str(o, "name");
    in->type = str(o, "type");
    in->cut = str(o, "cut");
    in->rrset_name = json_string_value(json_object_get(o, "rrset_name"));
    in->rrset_type = str(o, "rrset_type");
    in->claim_status = json_string_value(json_object_get(o, "claim_status"));
    in->start_time = num(o, "start_time");
    in->lower_bound = num(o, "lower_bound");
    in->duration = num(o, "duration");
    in->submit_time = num(o, "submit_time");
    in->ack_time = num(o, "ack_time");
    in->offered_rate = num(o, "offered_rate");
    in->claimed_at = num(o, "claimed_at");
    in->queries = (unsigned)json_integer_value(json_object_get(o, "queries"));
    {
        json_t *id = json_object_get(
            o, strcmp(in->status, "COMPLETED") == 0 ? "nsid" : "nsid_last");
        in->instance = id == NULL           ? NULL
                       : json_is_string(id) ? json_string_value(id)
                                            : "";
    }
    in->dnssec = json_is_true(json_object_get(o, "dnssec"));
    in->plain_duration = num(o, "plain_duration");
    in->target = str(o, "target");
    in->has_change = json_is_integer(json_object_get(o, "change"));
    in->change = (uint64_t)json_integer_value(json_object_get(o, "change"));
    in->change_targets =
        (unsigned)json_integer_value(json_object_get(o, "change_targets"));
}

static void in_from_rec(ds_in_t *in, const record_t *r)
{
    int64_t v = 0;

    in->has_opid = record_int(r, RF_OP_ID, &v);
    in->opid = (uint64_t)v;
    v = 0;
    record_int(r, RF_SEQ, &v);
    in->seq = (uint64_t)v;
    in->status = record_str(r, RF_STATUS);
    in->nameserver = record_str(r, RF_NAMESERVER);
    in->ns_name = r->kind[RF_NS_NAME] != RK_ABSENT ? record_str(r, RF_NS_NAME) : NULL;
    in->reason = record_str(r, RF_REASON);
    in->vantage = record_str(r, RF_VANTAGE);
    in->op_kind = record_str(r, RF_OP_KIND);
    in->phase = record_str(r, RF_PHASE);
    in->measured_by = record_str(r, RF_MEASURED_BY);
    in->zone = record_str(r, RF_ZONE);
    in->name = record_str(r, RF_NAME);
    in->type = record_str(r, RF_TYPE);
    in->cut = record_str(r, RF_CUT);
    in->rrset_name = r->kind[RF_RRSET_NAME] == RK_STR ? r->text[RF_RRSET_NAME] : NULL;
    in->rrset_type = record_str(r, RF_RRSET_TYPE);
    in->claim_status =
        r->kind[RF_CLAIM_STATUS] == RK_STR ? r->text[RF_CLAIM_STATUS] : NULL;
    in->start_time = record_num(r, RF_START_TIME);
    in->lower_bound = record_num(r, RF_LOWER_BOUND);
    in->duration = record_num(r, RF_DURATION);
    in->submit_time = record_num(r, RF_SUBMIT_TIME);
    in->ack_time = record_num(r, RF_ACK_TIME);
    in->offered_rate = record_num(r, RF_OFFERED_RATE);
    in->claimed_at = record_num(r, RF_CLAIMED_AT);
    /* a stored count past UINT_MAX is nonsense, but converting it would be
     * undefined behaviour (C11 6.3.1.4): clamp, NaN to 0 */
    double q = record_num(r, RF_QUERIES);
    in->queries = q > 0 ? (q < (double)UINT_MAX ? (unsigned)q : UINT_MAX) : 0;
    {
        record_field_t f = strcmp(in->status, "COMPLETED") == 0 ? RF_NSID : RF_NSID_LAST;
        in->instance = r->kind[f] == RK_ABSENT ? NULL : record_str(r, f);
    }
    in->dnssec = r->kind[RF_DNSSEC] == RK_JSON && strcmp(r->text[RF_DNSSEC], "true") == 0;
    in->plain_duration = record_num(r, RF_PLAIN_DURATION);
    in->target = record_str(r, RF_TARGET);
    v = 0;
    in->has_change = record_int(r, RF_CHANGE, &v);
    in->change = (uint64_t)v;
    v = 0;
    record_int(r, RF_CHANGE_TARGETS, &v);
    in->change_targets = v > 0 && v < 256 ? (unsigned)v : 0;
}

/* Changes are looked up by id; ids are dense (1, 2, ...) in the driver,
 * so the last few are checked first and a scan is the fallback. */
static size_t id_slot(uint64_t id, size_t cap)
{
    /* murmur3's finaliser: ids are dense, slots must not be */
    id ^= id >> 33;
    id *= 0xff51afd7ed558ccdULL;
    id ^= id >> 33;
    return (size_t)id & (cap - 1);
}

static void idx_put(dataset_t *ds, uint64_t id, size_t i)
{
    size_t k = id_slot(id, ds->opidxcap);

    while (ds->opidx[k] != 0)
        k = (k + 1) & (ds->opidxcap - 1);
    ds->opidx[k] = (uint32_t)(i + 1);
}

/* The id table sized for n changes (rebuilt from ops). 0 or -ENOMEM. */
static int idx_rebuild(dataset_t *ds, size_t n)
{
    size_t cap = 64;
    size_t i;

    while (cap < 2 * n)
        cap *= 2;
    if (cap != ds->opidxcap) {
        uint32_t *t = calloc(cap, sizeof(uint32_t));
        if (t == NULL)
            return -ENOMEM;
        free(ds->opidx);
        ds->opidx = t;
        ds->opidxcap = cap;
    } else {
        memset(ds->opidx, 0, cap * sizeof(uint32_t));
    }
    for (i = 0; i < ds->nops; i++)
        idx_put(ds, ds->ops[i].id, i);
    return 0;
}

static long op_find(dataset_t *ds, uint64_t id)
{
    size_t k;

    if (ds->opidxcap == 0 && ds->nops > 0 && idx_rebuild(ds, ds->nops) < 0)
        return -1; /* (dropped by ds_sort: built again when needed) */
    if (ds->opidxcap == 0)
        return -1;
    for (k = id_slot(id, ds->opidxcap); ds->opidx[k] != 0;
         k = (k + 1) & (ds->opidxcap - 1)) {
        if (ds->ops[ds->opidx[k] - 1].id == id)
            return (long)(ds->opidx[k] - 1);
    }
    return -1;
}

static long op_add(dataset_t *ds, const ds_in_t *in, uint64_t id)
{
    ds_op_t *op;
    const char *type = in->type;
    const char *name = in->name;
    long k, p, m, z, t;

    /* indexes are 32 bits: four billion changes is more than any store */
    if (ds->nops >= UINT32_MAX - 1 || VEC_RESERVE(ds->ops, ds->opcap, ds->nops + 1) < 0)
        return -ENOMEM;
    if (in->rrset_name != NULL) {
        name = in->rrset_name;
        type = in->rrset_type;
    }
    k = intern(&ds->kinds, in->op_kind);
    p = intern(&ds->phases, in->phase);
    m = intern(&ds->measures, in->measured_by);
    z = intern(&ds->zones, in->zone);
    t = intern(&ds->types, type);
    if (k < 0 || p < 0 || m < 0 || z < 0 || t < 0)
        return -ENOMEM;
    if (k > UINT16_MAX || p > UINT16_MAX || m > UINT16_MAX)
        return DP_EPARSE; /* 65,536 kinds, phases or measures: not a campaign */
    op = &ds->ops[ds->nops];
    memset(op, 0, sizeof(*op));
    op->id = id;
    op->kind = (uint16_t)k;
    op->phase = (uint16_t)p;
    op->zone = ds->zones.v[z];
    op->type = ds->types.v[t];
    op->name = arena_dup(ds, name);
    op->measure = (uint16_t)m;
    op->cut = *in->cut != '\0' ? arena_dup(ds, in->cut) : NULL;
    op->submit_time = in->submit_time;
    op->ack_time = in->ack_time;
    op->offered_rate = in->offered_rate;
    op->claim = (uint8_t)target_claim_from_str(in->claim_status);
    op->claimed_at = op->claim == TARGET_CLAIM_IN_SYNC ? in->claimed_at : NAN;
    /* a change id after the operation's, or too far before it, is
     * nonsense: the operation is then a change of its own */
    op->change_back = in->has_change && in->change <= id && id - in->change <= UINT16_MAX
                          ? (uint16_t)(id - in->change)
                          : 0;
    op->change_targets = (uint8_t)(in->change_targets < 256 ? in->change_targets : 0);
    if (*in->target != '\0' && ds->targets.n < UINT16_MAX) {
        long ti = intern(&ds->targets, in->target);
        if (ti < 0)
            return -ENOMEM;
        op->target = (uint16_t)(ti + 1);
    }
    if (op->name == NULL || (*in->cut != '\0' && op->cut == NULL))
        return -ENOMEM;
    if (2 * (ds->nops + 1) > ds->opidxcap && idx_rebuild(ds, ds->nops + 1) < 0)
        return -ENOMEM;
    idx_put(ds, id, ds->nops);
    return (long)ds->nops++;
}

static int add_in(dataset_t *ds, const ds_in_t *in)
{
    ds_result_t *r;
    long ns, op, reason, vantage;
    /* dnsprop probe results have no op_id: each is its own change */
    uint64_t opid = in->has_opid ? in->opid : in->seq;

    if (isnan(in->start_time))
        return DP_EPARSE;
    if (in->start_time < ds->since || in->start_time >= ds->until)
        return 0; /* outside the window: not part of this report */
    if (VEC_RESERVE(ds->res, ds->cap, ds->n + 1) < 0)
        return -ENOMEM;
    op = op_find(ds, opid);
    if (op < 0)
        op = op_add(ds, in, opid);
    ns = ns_add(ds, in->ns_name != NULL ? in->ns_name : in->nameserver, in->nameserver,
                NULL);
    reason = intern(&ds->reasons, in->reason);
    vantage = intern(&ds->vantages, in->vantage);
    if (op < 0 || ns < 0 || reason < 0 || vantage < 0)
        return -ENOMEM;
    r = &ds->res[ds->n];
    memset(r, 0, sizeof(*r));
    r->op = (uint32_t)op;
    r->ns = (unsigned)ns;
    r->reason = (unsigned)reason;
    r->vantage = (unsigned)vantage;
    for (r->status = DS_COMPLETED; r->status < DS_CANCELLED; r->status++) {
        if (strcmp(in->status, status_names[r->status]) == 0)
            break;
    }
    r->start_time = in->start_time;
    r->lower_bound = in->lower_bound;
    r->duration = r->status == DS_COMPLETED ? in->duration : NAN;
    r->queries = in->queries;
    if (in->dnssec) {
        ds_ns_t *n = &ds->ns[ns];
        n->ndnssec++;
        if (isfinite(in->plain_duration) && in->plain_duration >= 0) {
            if (VEC_RESERVE(n->plain, n->capplain, n->nplain + 1) < 0)
                return -ENOMEM;
            n->plain[n->nplain++] = in->plain_duration;
        }
    }
    if (in->instance != NULL && ds->nsids.n < UINT16_MAX) {
        long k = intern(&ds->nsids, in->instance);
        if (k < 0)
            return -ENOMEM;
        r->inst = (uint16_t)(k + 1);
    }
    ds->n++;
    ds->sorted = false;
    return 0;
}

int ds_add_text(dataset_t *ds, const char *text)
{
    json_error_t je;
    json_t *o = json_loads(text, 0, &je);
    ds_in_t in;
    int ret = DP_EPARSE;

    if (json_is_object(o)) {
        in_from_json(&in, o);
        ret = add_in(ds, &in);
    }
    json_decref(o);
    return ret;
}

int ds_add_stored(dataset_t *ds, const char *text, size_t len)
{
    ds_in_t in;
    int ret;

    if (!record_is_compact(text, len))
        return ds_add_text(ds, text);
    ret = record_decode(&ds->scratch, text, len);
    if (ret < 0)
        return ret;
    in_from_rec(&in, &ds->scratch);
    return add_in(ds, &in);
}

static int cmp_res(const void *a, const void *b, void *arg)
{
    const ds_result_t *x = a;
    const ds_result_t *y = b;
    const dataset_t *ds = arg;
    uint64_t ix = ds->ops[x->op].id;
    uint64_t iy = ds->ops[y->op].id;

    if (x->start_time != y->start_time)
        return x->start_time < y->start_time ? -1 : 1;
    if (ix != iy)
        return ix < iy ? -1 : 1;
    if (x->ns != y->ns)
        return x->ns < y->ns ? -1 : 1;
    return x->vantage < y->vantage ? -1 : x->vantage > y->vantage;
}

static int cmp_op(const void *a, const void *b)
{
    const ds_op_t *x = a;
    const ds_op_t *y = b;

    return (x->id > y->id) - (x->id < y->id);
}

void ds_sort(dataset_t *ds)
{
    uint32_t *where = NULL;
    size_t i;

    if (ds->sorted)
        return;
    /* changes by id, results remapped to them: the order they arrived in
     * (completion order, which differs between runs of the same thing)
     * must not show in anything computed from here on */
    where = malloc((ds->nops + 1) * sizeof(uint32_t));
    if (where == NULL)
        return;
    for (i = 0; i < ds->nops; i++)
        ds->ops[i].orig = (uint32_t)i;
    if (ds->nops > 0)
        qsort(ds->ops, ds->nops, sizeof(*ds->ops), cmp_op);
    for (i = 0; i < ds->nops; i++)
        where[ds->ops[i].orig] = (uint32_t)i;
    for (i = 0; i < ds->n; i++)
        ds->res[i].op = where[ds->res[i].op];
    free(where);
    if (ds->n > 0)
        qsort_r(ds->res, ds->n, sizeof(*ds->res), cmp_res, ds);
    /* the changes moved: their id table is dropped (op_find builds it
     * again if more results come), memory the statistics can use */
    free(ds->opidx);
    ds->opidx = NULL;
    ds->opidxcap = 0;
    ds->sorted = true;
}

double ds_start(const dataset_t *ds)
{
    json_t *v = json_object_get(ds->campaign, "start");
    double t = INFINITY;
    size_t i;

    if (json_is_number(v))
        return json_number_value(v);
    for (i = 0; i < ds->n; i++)
        t = fmin(t, ds->res[i].start_time);
    return isinf(t) ? 0 : t;
}
