/*
 * dataset: a campaign's results for statistics, plots and reports (see
 * dataset.h). Results arrive as the JSON text the store writes, so that
 * the driver's copy and the one read back from Redis are built alike.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "harness/common/vec.h"
#include "harness/targets/target.h"
#include "plot/dataset.h"

static const char *const status_names[DS_STATUSES] = {"COMPLETED", "TIMEOUT", "ERROR",
                                                      "CANCELLED"};

const char *ds_status_str(ds_status_t st)
{
    return st < DS_STATUSES ? status_names[st] : "?";
}

void ds_init(dataset_t *ds)
{
    memset(ds, 0, sizeof(*ds));
}

static void names_clear(ds_names_t *t)
{
    size_t i;

    for (i = 0; i < t->n; i++)
        free(t->v[i]);
    free(t->v);
    memset(t, 0, sizeof(*t));
}

void ds_clear(dataset_t *ds)
{
    size_t i;

    for (i = 0; i < ds->nns; i++) {
        free(ds->ns[i].name);
        free(ds->ns[i].addr);
        free(ds->ns[i].role);
    }
    for (i = 0; i < ds->nops; i++) {
        free(ds->ops[i].zone);
        free(ds->ops[i].name);
        free(ds->ops[i].type);
        free(ds->ops[i].cut);
    }
    free(ds->ns);
    free(ds->ops);
    free(ds->res);
    free(ds->opidx);
    names_clear(&ds->kinds);
    names_clear(&ds->reasons);
    names_clear(&ds->phases);
    names_clear(&ds->vantages);
    names_clear(&ds->measures);
    json_decref(ds->campaign);
    memset(ds, 0, sizeof(*ds));
}

static long find(const ds_names_t *t, const char *s)
{
    size_t i;

    for (i = 0; s != NULL && i < t->n; i++) {
        if (strcmp(t->v[i], s) == 0)
            return (long)i;
    }
    return -1;
}

/* Index of s in t, added when new. Tables stay small (nameservers, kinds,
 * reasons): a linear scan is cheaper than hashing them. */
static long intern(ds_names_t *t, const char *s)
{
    long i = find(t, s != NULL ? s : "");

    if (i >= 0)
        return i;
    if (s == NULL)
        s = "";
    if (VEC_RESERVE(t->v, t->cap, t->n + 1) < 0)
        return -ENOMEM;
    t->v[t->n] = strdup(s);
    if (t->v[t->n] == NULL)
        return -ENOMEM;
    return (long)t->n++;
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
    ds->opidx[k] = i + 1;
}

/* The id table sized for n changes (rebuilt from ops). 0 or -ENOMEM. */
static int idx_rebuild(dataset_t *ds, size_t n)
{
    size_t cap = 64;
    size_t i;

    while (cap < 2 * n)
        cap *= 2;
    if (cap != ds->opidxcap) {
        size_t *t = calloc(cap, sizeof(size_t));
        if (t == NULL)
            return -ENOMEM;
        free(ds->opidx);
        ds->opidx = t;
        ds->opidxcap = cap;
    } else {
        memset(ds->opidx, 0, cap * sizeof(size_t));
    }
    for (i = 0; i < ds->nops; i++)
        idx_put(ds, ds->ops[i].id, i);
    return 0;
}

static long op_find(dataset_t *ds, uint64_t id)
{
    size_t k;

    if (ds->opidxcap == 0)
        return -1;
    for (k = id_slot(id, ds->opidxcap); ds->opidx[k] != 0;
         k = (k + 1) & (ds->opidxcap - 1)) {
        if (ds->ops[ds->opidx[k] - 1].id == id)
            return (long)(ds->opidx[k] - 1);
    }
    return -1;
}

static long op_add(dataset_t *ds, json_t *o, uint64_t id)
{
    ds_op_t *op;
    long k;
    long p;
    const char *type = str(o, "type");
    const char *name = str(o, "name");
    const char *cut = str(o, "cut");
    long m;

    if (VEC_RESERVE(ds->ops, ds->opcap, ds->nops + 1) < 0)
        return -ENOMEM;
    k = intern(&ds->kinds, str(o, "op_kind"));
    p = intern(&ds->phases, str(o, "phase"));
    m = intern(&ds->measures, str(o, "measured_by"));
    if (k < 0 || p < 0 || m < 0)
        return -ENOMEM;
    if (json_is_string(json_object_get(o, "rrset_name"))) {
        name = str(o, "rrset_name");
        type = str(o, "rrset_type");
    }
    op = &ds->ops[ds->nops];
    memset(op, 0, sizeof(*op));
    op->id = id;
    op->kind = (unsigned)k;
    op->phase = (unsigned)p;
    op->zone = strdup(str(o, "zone"));
    op->name = strdup(name);
    op->type = strdup(type);
    op->measure = (unsigned)m;
    op->cut = *cut != '\0' ? strdup(cut) : NULL;
    op->submit_time = num(o, "submit_time");
    op->ack_time = num(o, "ack_time");
    op->offered_rate = num(o, "offered_rate");
    op->claim = (unsigned)target_claim_from_str(
        json_string_value(json_object_get(o, "claim_status")));
    op->claimed_at = op->claim == TARGET_CLAIM_IN_SYNC ? num(o, "claimed_at") : NAN;
    if (op->zone == NULL || op->name == NULL || op->type == NULL ||
        (*cut != '\0' && op->cut == NULL)) {
        free(op->zone);
        free(op->name);
        free(op->type);
        free(op->cut);
        return -ENOMEM;
    }
    if (2 * (ds->nops + 1) > ds->opidxcap) {
        if (idx_rebuild(ds, ds->nops + 1) < 0) {
            free(op->zone);
            free(op->name);
            free(op->type);
            free(op->cut);
            return -ENOMEM;
        }
    }
    idx_put(ds, id, ds->nops);
    return (long)ds->nops++;
}

int ds_add_text(dataset_t *ds, const char *text)
{
    json_error_t je;
    json_t *o = json_loads(text, 0, &je);
    const char *status;
    ds_result_t *r;
    long ns, op, reason, vantage;
    uint64_t opid;
    int ret = 0;

    if (!json_is_object(o)) {
        ret = DP_EPARSE;
        goto out;
    }
    if (VEC_RESERVE(ds->res, ds->cap, ds->n + 1) < 0) {
        ret = -ENOMEM;
        goto out;
    }
    /* dnsprop probe results have no op_id: each is its own change */
    opid = json_is_integer(json_object_get(o, "op_id"))
               ? (uint64_t)json_integer_value(json_object_get(o, "op_id"))
               : (uint64_t)json_integer_value(json_object_get(o, "seq"));
    op = op_find(ds, opid);
    if (op < 0)
        op = op_add(ds, o, opid);
    ns = ns_add(ds,
                json_object_get(o, "ns_name") != NULL ? str(o, "ns_name")
                                                      : str(o, "nameserver"),
                str(o, "nameserver"), NULL);
    reason = intern(&ds->reasons, str(o, "reason"));
    vantage = intern(&ds->vantages, str(o, "vantage"));
    if (op < 0 || ns < 0 || reason < 0 || vantage < 0) {
        ret = -ENOMEM;
        goto out;
    }
    r = &ds->res[ds->n];
    memset(r, 0, sizeof(*r));
    r->seq = (uint64_t)json_integer_value(json_object_get(o, "seq"));
    r->op = (size_t)op;
    r->ns = (unsigned)ns;
    r->reason = (unsigned)reason;
    r->vantage = (unsigned)vantage;
    status = str(o, "status");
    for (r->status = DS_COMPLETED; r->status < DS_CANCELLED; r->status++) {
        if (strcmp(status, status_names[r->status]) == 0)
            break;
    }
    r->start_time = num(o, "start_time");
    r->lower_bound = num(o, "lower_bound");
    r->duration = r->status == DS_COMPLETED ? num(o, "duration") : NAN;
    r->queries = (unsigned)json_integer_value(json_object_get(o, "queries"));
    if (isnan(r->start_time)) {
        ret = DP_EPARSE;
        goto out;
    }
    ds->n++;
    ds->sorted = false;
out:
    json_decref(o);
    return ret;
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
    size_t *where = NULL;
    size_t i;

    if (ds->sorted)
        return;
    /* changes by id, results remapped to them: the order they arrived in
     * (completion order, which differs between runs of the same thing)
     * must not show in anything computed from here on */
    where = malloc((ds->nops + 1) * sizeof(size_t));
    if (where == NULL)
        return;
    for (i = 0; i < ds->nops; i++)
        ds->ops[i].orig = i;
    if (ds->nops > 0)
        qsort(ds->ops, ds->nops, sizeof(*ds->ops), cmp_op);
    for (i = 0; i < ds->nops; i++)
        where[ds->ops[i].orig] = i;
    for (i = 0; i < ds->n; i++)
        ds->res[i].op = where[ds->res[i].op];
    free(where);
    if (ds->n > 0)
        qsort_r(ds->res, ds->n, sizeof(*ds->res), cmp_res, ds);
    /* the changes moved: their ids point at new places (without memory
     * for the table, none: op_add builds it again) */
    if (idx_rebuild(ds, ds->nops) < 0) {
        free(ds->opidx);
        ds->opidx = NULL;
        ds->opidxcap = 0;
    }
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
