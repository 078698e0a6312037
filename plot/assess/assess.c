/*
 * assess: multi-source convergence assessment (see assess.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness/common/csvtab.h"
#include "harness/common/errcode.h"
#include "harness/common/numparse.h"
#include "harness/common/vec.h"
#include "plot/assess/assess.h"
#include "probes/rdata.h"

enum { C_SOURCE, C_PRESENCE, C_NAME, C_TYPE, C_CLASS, C_TTL, C_RDATA, C_N };
static const char *const cols[C_N] = {"source", "presence", "name", "type",
                                      "class",  "ttl",      "rdata"};

typedef struct {
    assess_set_t *set;
    size_t cap;
} rows_t;

/* One record into the set in arg. */
static int row(csvtab_t *t, void *arg)
{
    rows_t *c = arg;
    assess_rec_t r;
    assess_rec_t *slot;
    char name[RDATA_NAME_TEXT_MAX];
    const char *v;
    int ret;

    memset(&r, 0, sizeof(r));
    r.ttl = 86400;
    v = csvtab_get(t, C_PRESENCE);
    if (strcasecmp(v, "present") == 0)
        r.present = true;
    else if (strcasecmp(v, "absent") != 0)
        return csvtab_fail(t, "presence", "'%s': neither present nor absent", v);
    if (rdata_name_canon(csvtab_get(t, C_NAME), name, sizeof(name)) < 0)
        return csvtab_fail(t, "name", "'%s': not a domain name", csvtab_get(t, C_NAME));
    if (rdata_type_from_str(csvtab_get(t, C_TYPE), &r.type) < 0)
        return csvtab_fail(t, "type", "'%s': unknown record type", csvtab_get(t, C_TYPE));
    v = csvtab_get(t, C_TTL);
    if (v[0] != '\0' && numparse_u32(v, &r.ttl) < 0)
        return csvtab_fail(t, "ttl", "'%s': not a TTL in seconds", v);
    v = csvtab_get(t, C_CLASS);
    if (v[0] != '\0' && strcasecmp(v, "IN") != 0 && strcasecmp(v, "CH") != 0 &&
        strcasecmp(v, "HS") != 0)
        return csvtab_fail(t, "class", "'%s': not IN, CH or HS", v);
    ret = rdata_type_comparable(r.type)
              ? rdata_from_text(r.type, csvtab_get(t, C_RDATA), &r.rdata)
              : ((r.rdata = strdup(csvtab_get(t, C_RDATA))) ? 0 : -ENOMEM);
    if (ret < 0)
        return csvtab_fail(t, "rdata", "'%s': not valid for its type",
                           csvtab_get(t, C_RDATA));
    r.source = strdup(csvtab_get(t, C_SOURCE));
    r.name = strdup(name);
    r.klass = strdup(v[0] != '\0' ? v : "IN");
    for (char *p = r.klass; p != NULL && *p != '\0'; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    slot = VEC_PUSH(c->set->recs, c->set->n, c->cap);
    if (slot == NULL) {
        free(r.source);
        free(r.name);
        free(r.klass);
        free(r.rdata);
        return -ENOMEM;
    }
    *slot = r;
    return 0;
}

int assess_load_csv(const char *path, assess_set_t *set, char *err, size_t errlen)
{
    rows_t c = {set, 0};
    csvtab_spec_t spec = {cols,
                          C_N,
                          (1u << C_CLASS) | (1u << C_TTL),
                          "source,presence,name,type,class,ttl,rdata",
                          row,
                          &c};
    int ret;

    memset(set, 0, sizeof(*set));
    ret = csvtab_read(path, &spec, err, errlen);
    if (ret < 0)
        assess_set_free(set);
    return ret;
}

void assess_set_free(assess_set_t *set)
{
    size_t i;

    for (i = 0; i < set->n; i++) {
        free(set->recs[i].source);
        free(set->recs[i].name);
        free(set->recs[i].klass);
        free(set->recs[i].rdata);
    }
    free(set->recs);
    memset(set, 0, sizeof(*set));
}

static bool same(const assess_rec_t *a, const assess_rec_t *b)
{
    return a->type == b->type && strcmp(a->name, b->name) == 0 &&
           strcmp(a->klass, b->klass) == 0 && strcmp(a->rdata, b->rdata) == 0;
}

/* Is r present at source (some PRESENT assertion of it there)? */
static bool present_at(const assess_set_t *set, const char *source, const assess_rec_t *r)
{
    size_t i;

    for (i = 0; i < set->n; i++) {
        const assess_rec_t *x = &set->recs[i];
        if (x->present && strcmp(x->source, source) == 0 && same(x, r))
            return true;
    }
    return false;
}

static json_t *rec_json(const assess_rec_t *r)
{
    char tb[16];

    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s}", "class", r->klass, "type",
                     rdata_type_to_str(r->type, tb), "name", r->name, "rdata", r->rdata,
                     "ttl", (json_int_t)r->ttl, "presence",
                     r->present ? "PRESENT" : "ABSENT", "source", r->source);
}

static void add_to(json_t *map, const char *source, json_t *rec)
{
    json_t *arr = json_object_get(map, source);

    if (arr == NULL) {
        arr = json_array();
        json_object_set_new(map, source, arr);
    }
    json_array_append_new(arr, rec);
}

int assess_run(const assess_set_t *set, const char *master, json_t **out, char *err,
               size_t errlen)
{
    json_t *missing = json_object();
    json_t *over = json_object();
    bool converged = true;
    bool master_seen = false;
    size_t i;
    size_t j;

    for (i = 0; i < set->n; i++)
        master_seen |= strcmp(set->recs[i].source, master) == 0;
    if (!master_seen) {
        snprintf(err, errlen, "no record has the source '%s' (the master)", master);
        json_decref(missing);
        json_decref(over);
        return DP_EEMPTY;
    }
    for (i = 0; i < set->n; i++) {
        const char *src = set->recs[i].source;
        bool first = true;
        if (strcmp(src, master) == 0)
            continue;
        for (j = 0; j < i && first; j++)
            first = strcmp(set->recs[j].source, src) != 0;
        if (!first)
            continue; /* each source once */
        /* missing: PRESENT at the master, not present at src */
        for (j = 0; j < set->n; j++) {
            const assess_rec_t *m = &set->recs[j];
            if (strcmp(m->source, master) == 0 && m->present &&
                !present_at(set, src, m)) {
                json_t *r = rec_json(m);
                json_object_set_new(r, "source", json_string(src));
                json_object_set_new(r, "presence", json_string("ABSENT"));
                add_to(missing, src, r);
                converged = false;
            }
        }
        /* overpresent: present at src, not PRESENT at the master (the
         * master's ABSENT records included) */
        for (j = 0; j < set->n; j++) {
            const assess_rec_t *x = &set->recs[j];
            bool dup = false;
            size_t k;
            if (strcmp(x->source, src) != 0 || !x->present || present_at(set, master, x))
                continue;
            for (k = 0; k < j && !dup; k++)
                dup = set->recs[k].present && strcmp(set->recs[k].source, src) == 0 &&
                      same(&set->recs[k], x);
            if (dup)
                continue;
            add_to(over, src, rec_json(x));
            converged = false;
        }
    }
    *out = json_pack("{s:b, s:o, s:o}", "converged", converged, "missing", missing,
                     "overpresent", over);
    return 0;
}
