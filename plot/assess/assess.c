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

/* ---- identities in O(1): the same record at any source, and a source ------------- */

/* Hashing replaces the old pairwise scan (O(sources x records^2): a
 * million records took hours). A record's identity is its (name, type,
 * class, rdata); each record gets the index of the first record with the
 * same identity, and each source a small number, so "r is present at s"
 * is one lookup of the pair in a set. */
typedef struct {
    size_t *ident; /* per record: the first record with its identity */
    size_t *src;   /* per record: its source's number */
    size_t nsrc;
    uint64_t *pairs; /* ident * nsrc + src + 1 of every PRESENT record; 0 empty */
    size_t pcap;
    size_t *mark;         /* per identity: the source + 1 it was last reported over for */
    const char **srcname; /* per source number */
} idx_t;

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static uint64_t str_hash(uint64_t h, const char *s)
{
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return (h ^ 0xff) * 0x100000001b3ULL; /* a field's end: "ab","c" is not "a","bc" */
}

static bool same(const assess_rec_t *a, const assess_rec_t *b)
{
    return a->type == b->type && strcmp(a->name, b->name) == 0 &&
           strcmp(a->klass, b->klass) == 0 && strcmp(a->rdata, b->rdata) == 0;
}

static size_t pow2_over(size_t n)
{
    size_t c = 64;

    while (c < 2 * n)
        c *= 2;
    return c;
}

/* For every record: the first record equal to it by eq, hashed by h. */
static int first_equal(const assess_set_t *set, uint64_t (*h)(const assess_rec_t *),
                       bool (*eq)(const assess_rec_t *, const assess_rec_t *),
                       size_t *out)
{
    size_t cap = pow2_over(set->n);
    size_t *t = calloc(cap, sizeof(size_t));
    size_t i, k;

    if (t == NULL)
        return -ENOMEM;
    for (i = 0; i < set->n; i++) {
        for (k = mix(h(&set->recs[i])) & (cap - 1); t[k] != 0; k = (k + 1) & (cap - 1)) {
            if (eq(&set->recs[t[k] - 1], &set->recs[i]))
                break;
        }
        if (t[k] == 0)
            t[k] = i + 1;
        out[i] = t[k] - 1;
    }
    free(t);
    return 0;
}

static uint64_t ident_hash(const assess_rec_t *r)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ r->type;

    return str_hash(str_hash(str_hash(h, r->name), r->klass), r->rdata);
}

static uint64_t source_hash(const assess_rec_t *r)
{
    return str_hash(0xcbf29ce484222325ULL, r->source);
}

static bool same_source(const assess_rec_t *a, const assess_rec_t *b)
{
    return strcmp(a->source, b->source) == 0;
}

static bool pair_in(const idx_t *x, size_t ident, size_t src, bool add)
{
    uint64_t key = (uint64_t)ident * x->nsrc + src + 1;
    size_t k;

    for (k = mix(key) & (x->pcap - 1); x->pairs[k] != 0; k = (k + 1) & (x->pcap - 1)) {
        if (x->pairs[k] == key)
            return true;
    }
    if (add)
        x->pairs[k] = key;
    return false;
}

static void idx_free(idx_t *x)
{
    free(x->ident);
    free(x->src);
    free(x->pairs);
    free(x->mark);
    free(x->srcname);
}

static int idx_build(const assess_set_t *set, idx_t *x)
{
    size_t i;

    memset(x, 0, sizeof(*x));
    x->ident = malloc((set->n + 1) * sizeof(size_t));
    x->src = malloc((set->n + 1) * sizeof(size_t));
    x->pcap = pow2_over(set->n);
    x->pairs = calloc(x->pcap, sizeof(uint64_t));
    x->mark = calloc(set->n + 1, sizeof(size_t));
    x->srcname = calloc(set->n + 1, sizeof(char *));
    if (x->ident == NULL || x->src == NULL || x->pairs == NULL || x->mark == NULL ||
        x->srcname == NULL || first_equal(set, ident_hash, same, x->ident) < 0 ||
        first_equal(set, source_hash, same_source, x->src) < 0)
        return -ENOMEM;
    /* sources numbered in order of first appearance */
    for (i = 0; i < set->n; i++) {
        if (x->src[i] == i)
            x->srcname[x->nsrc] = set->recs[i].source;
        x->src[i] = x->src[i] == i ? x->nsrc++ : x->src[x->src[i]];
    }
    for (i = 0; i < set->n; i++) {
        if (set->recs[i].present)
            pair_in(x, x->ident[i], x->src[i], true);
    }
    return 0;
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

/* One source against the master: what it lacks, what it has too many of,
 * each in the order of the input (a duplicate reported once). */
static bool against_master(const assess_set_t *set, idx_t *x, size_t msrc, size_t src,
                           json_t *missing, json_t *over)
{
    const char *name = x->srcname[src];
    bool converged = true;
    size_t j;

    for (j = 0; j < set->n; j++) {
        const assess_rec_t *m = &set->recs[j];
        json_t *r;
        /* missing: PRESENT at the master, not present at src */
        if (x->src[j] != msrc || !m->present || pair_in(x, x->ident[j], src, false))
            continue;
        r = rec_json(m);
        json_object_set_new(r, "source", json_string(name));
        json_object_set_new(r, "presence", json_string("ABSENT"));
        add_to(missing, name, r);
        converged = false;
    }
    for (j = 0; j < set->n; j++) {
        const assess_rec_t *r = &set->recs[j];
        /* overpresent: present at src, not PRESENT at the master (its
         * ABSENT records included); the first of equal ones */
        if (x->src[j] != src || !r->present || pair_in(x, x->ident[j], msrc, false))
            continue;
        if (x->mark[x->ident[j]] == src + 1)
            continue; /* reported already */
        x->mark[x->ident[j]] = src + 1;
        add_to(over, name, rec_json(r));
        converged = false;
    }
    return converged;
}

int assess_run(const assess_set_t *set, const char *master, json_t **out, char *err,
               size_t errlen)
{
    json_t *missing = json_object();
    json_t *over = json_object();
    bool converged = true;
    size_t msrc = SIZE_MAX;
    idx_t x;
    size_t i;
    int ret = 0;

    for (i = 0; i < set->n && msrc == SIZE_MAX; i++) {
        if (strcmp(set->recs[i].source, master) == 0)
            msrc = i;
    }
    if (msrc == SIZE_MAX) {
        snprintf(err, errlen, "no record has the source '%s' (the master)", master);
        json_decref(missing);
        json_decref(over);
        return DP_EEMPTY;
    }
    if (idx_build(set, &x) < 0) {
        snprintf(err, errlen, "out of memory");
        ret = -ENOMEM;
        goto out;
    }
    msrc = x.src[msrc];
    for (i = 0; i < x.nsrc; i++) {
        if (i != msrc)
            converged &= against_master(set, &x, msrc, i, missing, over);
    }
    *out = json_pack("{s:b, s:O, s:O}", "converged", converged, "missing", missing,
                     "overpresent", over);
out:
    idx_free(&x);
    json_decref(missing);
    json_decref(over);
    return ret;
}
