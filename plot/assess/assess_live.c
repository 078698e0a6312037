/*
 * assess_live: records for the assessment from live nameservers (see
 * assess_live.h).
 *
 * The questions and the transfers are probes/survey.h's: one thread and
 * one resolver per source. This file keeps what they mean for the
 * assessment: the intended state, the records of each source (its own
 * record and error lists, filled on its thread by the survey's callbacks
 * and merged into the caller's set once every thread is joined), and
 * which failures are errors. A set built here is sorted and deduplicated
 * before it is appended (assess_run lists a master's record once per copy
 * of it).
 *
 * Values are canonical the way zone sync and the probes make them
 * (dnsq_rr_value, probes/dnsq.h): an intended value written with
 * rdata_from_text and the same value read off the wire are one string.
 * Types probes/rdata.h cannot compare (SOA, CAA, DNSKEY, ...) come out as
 * ldns's text of the record's canonical form (RFC 4034 6.2), the same text
 * for the same record from any server.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "harness/common/errcode.h"
#include "harness/common/numparse.h"
#include "harness/common/vec.h"
#include "plot/assess/assess_live.h"
#include "probes/dnsq.h"
#include "probes/rdata.h"
#include "probes/request.h"
#include "probes/survey.h"
#include "probes/tsig.h"

/* EDNS buffer size of live queries: the DNS Flag Day 2020 value, which
 * avoids IP fragmentation; larger answers come over TCP (RFC 7766). */
#define ASSESS_EDNS_SIZE 1232

/* ---- growing record lists --------------------------------------------------------- */

typedef struct {
    assess_rec_t *v;
    size_t n;
    size_t cap;
} recs_t;

static void rec_clear(assess_rec_t *r)
{
    free(r->source);
    free(r->name);
    free(r->klass);
    free(r->rdata);
}

static void recs_free(recs_t *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        rec_clear(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* Append a record; rdata is taken over (freed on error too). */
static int recs_push_own(recs_t *l, const char *source, bool present, const char *name,
                         uint16_t type, const char *klass, uint32_t ttl, char *rdata)
{
    assess_rec_t *r;

    if (rdata == NULL)
        return -ENOMEM;
    r = VEC_PUSH(l->v, l->n, l->cap);
    if (r == NULL) {
        free(rdata);
        return -ENOMEM;
    }
    r->present = present;
    r->type = type;
    r->ttl = ttl;
    r->rdata = rdata;
    r->source = strdup(source);
    r->name = strdup(name);
    r->klass = strdup(klass);
    if (r->source == NULL || r->name == NULL || r->klass == NULL) {
        rec_clear(r);
        l->n--;
        return -ENOMEM;
    }
    return 0;
}

/* An ABSENT record of (name, type) at source: it answered nothing. */
static int recs_marker(recs_t *l, const char *source, const char *name, uint16_t type)
{
    return recs_push_own(l, source, false, name, type, "IN", 0, strdup(ASSESS_ANY_RDATA));
}

/* Move every record of from to the end of to (from is left empty). */
static int recs_move(recs_t *to, recs_t *from)
{
    if (to->n + from->n < to->n || VEC_RESERVE(to->v, to->cap, to->n + from->n) < 0)
        return -ENOMEM;
    if (from->n > 0)
        memcpy(to->v + to->n, from->v, from->n * sizeof(*from->v));
    to->n += from->n;
    free(from->v);
    memset(from, 0, sizeof(*from));
    return 0;
}

static int rec_cmp(const void *pa, const void *pb)
{
    const assess_rec_t *a = pa;
    const assess_rec_t *b = pb;
    int c = strcmp(a->source, b->source);

    if (c == 0)
        c = strcmp(a->name, b->name);
    if (c == 0)
        c = (int)a->type - (int)b->type;
    if (c == 0)
        c = strcmp(a->klass, b->klass);
    if (c == 0)
        c = strcmp(a->rdata, b->rdata);
    if (c == 0)
        c = (int)b->present - (int)a->present;
    return c;
}

/* Sort l, drop duplicates, append to set; l is left empty. */
static int recs_to_set(recs_t *l, assess_set_t *set)
{
    size_t cap = set->n; /* an assess_set_t keeps no capacity: assume it full */
    size_t i;
    size_t k = 0;

    if (l->n == 0)
        return 0;
    qsort(l->v, l->n, sizeof(*l->v), rec_cmp);
    for (i = 0; i < l->n; i++) {
        if (k > 0 && rec_cmp(&l->v[k - 1], &l->v[i]) == 0) {
            rec_clear(&l->v[i]);
            continue;
        }
        l->v[k++] = l->v[i];
    }
    l->n = k;
    if (set->n + k < set->n || VEC_RESERVE(set->recs, cap, set->n + k) < 0)
        return -ENOMEM;
    memcpy(set->recs + set->n, l->v, k * sizeof(*l->v));
    set->n += k;
    free(l->v);
    memset(l, 0, sizeof(*l));
    return 0;
}

/* ---- per-source errors --------------------------------------------------------------
 */

typedef struct {
    char *what;       /* "REFUSED", "no answer (...)", an AXFR's message */
    size_t count;     /* queries it happened to */
    char first[1100]; /* "NAME TYPE" of the first, "" for a transfer */
} err_ent_t;

typedef struct {
    err_ent_t *v;
    size_t n;
    size_t cap;
    bool nomem;
} errs_t;

static void errs_add(errs_t *e, const char *what, const char *name, uint16_t type)
{
    char tb[16];
    err_ent_t *ent;
    size_t i;

    for (i = 0; i < e->n; i++) {
        if (strcmp(e->v[i].what, what) == 0) {
            e->v[i].count++;
            return;
        }
    }
    ent = VEC_PUSH(e->v, e->n, e->cap);
    if (ent == NULL || (ent->what = strdup(what)) == NULL) {
        if (ent != NULL)
            e->n--;
        e->nomem = true;
        return;
    }
    ent->count = 1;
    if (name != NULL)
        snprintf(ent->first, sizeof(ent->first), "%s %s", name,
                 rdata_type_to_str(type, tb));
}

static void errs_free(errs_t *e)
{
    size_t i;

    for (i = 0; i < e->n; i++)
        free(e->v[i].what);
    free(e->v);
    memset(e, 0, sizeof(*e));
}

/* errors[source] += one text per kind. */
static int errs_to_json(const errs_t *e, const char *source, json_t *errors)
{
    json_t *arr;
    size_t i;

    if (errors == NULL || e->n == 0)
        return 0;
    arr = json_object_get(errors, source);
    if (arr == NULL) {
        arr = json_array();
        if (arr == NULL || json_object_set_new(errors, source, arr) < 0)
            return -ENOMEM;
    }
    for (i = 0; i < e->n; i++) {
        char line[2400];
        if (e->v[i].first[0] == '\0')
            snprintf(line, sizeof(line), "%s", e->v[i].what);
        else
            snprintf(line, sizeof(line), "%s: %zu quer%s (first %s)", e->v[i].what,
                     e->v[i].count, e->v[i].count == 1 ? "y" : "ies", e->v[i].first);
        if (json_array_append_new(arr, json_string(line)) < 0)
            return -ENOMEM;
    }
    return 0;
}

/* ---- the intended state --------------------------------------------------------- */

typedef struct {
    char *name; /* canonical */
    uint16_t type;
    bool zone_absent; /* under a zone the intended state says is ABSENT */
} query_t;

typedef struct {
    query_t *v;
    size_t n;
    size_t cap;
} queries_t;

static void queries_free(queries_t *q)
{
    size_t i;

    for (i = 0; i < q->n; i++)
        free(q->v[i].name);
    free(q->v);
    memset(q, 0, sizeof(*q));
}

static int queries_push(queries_t *q, const char *name, uint16_t type, bool zone_absent)
{
    query_t *e;
    size_t i;

    /* Linear: one query per (name, type); intended states list each once
     * or twice (deleted, created again). */
    for (i = q->n; i-- > 0;) {
        if (q->v[i].type == type && strcmp(q->v[i].name, name) == 0)
            return 0;
    }
    e = VEC_PUSH(q->v, q->n, q->cap);
    if (e == NULL)
        return -ENOMEM;
    e->name = strdup(name);
    if (e->name == NULL) {
        q->n--;
        return -ENOMEM;
    }
    e->type = type;
    e->zone_absent = zone_absent;
    return 0;
}

/* PRESENT -> 1, ABSENT -> 0, else -1. */
static int presence_of(const json_t *o)
{
    const char *p = json_string_value(json_object_get(o, "presence"));

    if (p == NULL)
        return -1;
    if (strcasecmp(p, "PRESENT") == 0)
        return 1;
    if (strcasecmp(p, "ABSENT") == 0)
        return 0;
    return -1;
}

/* Is name (canonical) under a zone the intended state says is ABSENT (its
 * closest enclosing zone of the list)? */
static bool in_absent_zone(const json_t *zones, const char *name)
{
    unsigned char nw[256];
    size_t best = 0;
    bool absent = false;
    size_t i;
    json_t *z;

    if (rdata_name_to_wire(name, nw, sizeof(nw)) < 0)
        return false;
    json_array_foreach(zones, i, z)
    {
        unsigned char zw[256];
        const char *zn = json_string_value(json_object_get(z, "zone"));
        int zl;
        if (zn == NULL || (zl = rdata_name_to_wire(zn, zw, sizeof(zw))) < 0)
            continue;
        if ((size_t)zl > best && dnsq_wire_under(nw, zw)) {
            best = (size_t)zl;
            absent = presence_of(z) == 0;
        }
    }
    return absent;
}

/* The zones of the intended state: each its SOA, and (q may be NULL) its
 * SOA query. */
static int intended_zones(const json_t *zones, const char *source, recs_t *recs,
                          queries_t *q, char *err, size_t errlen)
{
    char name[RDATA_NAME_TEXT_MAX];
    size_t i;
    json_t *e;
    int ret;

    json_array_foreach(zones, i, e)
    {
        const char *zn = json_string_value(json_object_get(e, "zone"));
        int p = presence_of(e);
        if (zn == NULL || rdata_name_canon(zn, name, sizeof(name)) < 0) {
            snprintf(err, errlen, "zones[%zu]: zone: missing or not a domain name", i);
            return DP_EPARSE;
        }
        if (p < 0) {
            snprintf(err, errlen, "zones[%zu]: presence: not PRESENT or ABSENT", i);
            return DP_EPARSE;
        }
        /* The zone's presence is its SOA's (RFC 1035 4.3.4: a zone is
         * where an SOA is); its contents are not compared in live mode
         * (ASSESS_ANY_RDATA). */
        ret = recs_push_own(recs, source, p == 1, name, RDATA_T_SOA, "IN", 0,
                            strdup(ASSESS_ANY_RDATA));
        if (ret == 0 && q != NULL)
            ret = queries_push(q, name, RDATA_T_SOA, p == 0);
        if (ret < 0)
            return ret;
    }
    return 0;
}

/* The values of records[i], a PRESENT record of name and type, as records
 * of source. */
static int intended_values(const json_t *values, size_t i, const char *name,
                           uint16_t type, uint32_t ttl, const char *source, recs_t *recs,
                           char *err, size_t errlen)
{
    size_t k;
    json_t *v;
    int ret;

    if (!json_is_array(values) || json_array_size(values) == 0) {
        snprintf(err, errlen,
                 "records[%zu] (%s): values: a PRESENT record needs a non-empty "
                 "array of values",
                 i, name);
        return DP_EPARSE;
    }
    json_array_foreach(values, k, v)
    {
        const char *t = json_string_value(v);
        char *canon = NULL;
        if (t == NULL) {
            snprintf(err, errlen, "records[%zu] (%s): values[%zu]: not a string", i, name,
                     k);
            return DP_EPARSE;
        }
        if (type == RDATA_T_SOA) {
            canon = strdup(ASSESS_ANY_RDATA);
        } else if (rdata_type_comparable(type)) {
            if (rdata_from_text(type, t, &canon) < 0) {
                snprintf(err, errlen,
                         "records[%zu] (%s): values[%zu]: '%.200s' is not valid "
                         "for its type",
                         i, name, k, t);
                return DP_EPARSE;
            }
        } else {
            /* As the driver keeps it: the text it was given. */
            canon = strdup(t);
        }
        ret = recs_push_own(recs, source, true, name, type, "IN", ttl, canon);
        if (ret < 0)
            return ret;
    }
    return 0;
}

/* records[i] (e) as records of source, and (q may be NULL) its query. */
static int intended_record(const json_t *zones, const json_t *e, size_t i,
                           const char *source, recs_t *recs, queries_t *q, char *err,
                           size_t errlen)
{
    const char *rn = json_string_value(json_object_get(e, "name"));
    const char *tn = json_string_value(json_object_get(e, "type"));
    const json_t *jttl = json_object_get(e, "ttl");
    char name[RDATA_NAME_TEXT_MAX];
    uint32_t ttl = 0;
    uint16_t type;
    int p = presence_of(e);
    int ret;

    if (rn == NULL || rdata_name_canon(rn, name, sizeof(name)) < 0) {
        snprintf(err, errlen, "records[%zu]: name: missing or not a domain name", i);
        return DP_EPARSE;
    }
    if (tn == NULL || rdata_type_from_str(tn, &type) < 0) {
        snprintf(err, errlen, "records[%zu] (%s): type: missing or not a record type", i,
                 name);
        return DP_EPARSE;
    }
    if (p < 0) {
        snprintf(err, errlen, "records[%zu] (%s): presence: not PRESENT or ABSENT", i,
                 name);
        return DP_EPARSE;
    }
    if (jttl != NULL) {
        if (!json_is_integer(jttl) || json_integer_value(jttl) < 0 ||
            json_integer_value(jttl) > (json_int_t)UINT32_MAX) {
            snprintf(err, errlen, "records[%zu] (%s): ttl: not a TTL in seconds", i,
                     name);
            return DP_EPARSE;
        }
        ttl = (uint32_t)json_integer_value(jttl);
    }
    if (q != NULL) {
        ret = queries_push(q, name, type, in_absent_zone(zones, name));
        if (ret < 0)
            return ret;
    }
    if (p == 0)
        return recs_push_own(recs, source, false, name, type, "IN", ttl,
                             strdup(ASSESS_ANY_RDATA));
    return intended_values(json_object_get(e, "values"), i, name, type, ttl, source, recs,
                           err, errlen);
}

/* The intended state into records of source and (q may be NULL) the
 * queries it implies. */
static int intended_parse(const json_t *in, const char *source, recs_t *recs,
                          queries_t *q, char *err, size_t errlen)
{
    const json_t *zones = json_object_get(in, "zones");
    const json_t *records = json_object_get(in, "records");
    size_t i;
    json_t *e;
    int ret;

    if (!json_is_object(in)) {
        snprintf(err, errlen, "not a JSON object with \"zones\" and \"records\"");
        return DP_EPARSE;
    }
    if ((zones != NULL && !json_is_array(zones)) ||
        (records != NULL && !json_is_array(records))) {
        snprintf(err, errlen, "\"zones\" and \"records\" must be arrays");
        return DP_EPARSE;
    }
    ret = intended_zones(zones, source, recs, q, err, errlen);
    json_array_foreach(records, i, e)
    {
        if (ret == 0)
            ret = intended_record(zones, e, i, source, recs, q, err, errlen);
    }
    return ret;
}

int assess_intended_records(const json_t *intended, const char *source, assess_set_t *set,
                            char *err, size_t errlen)
{
    recs_t recs = {0};
    int ret;

    ret = intended_parse(intended, source, &recs, NULL, err, errlen);
    if (ret == 0)
        ret = recs_to_set(&recs, set);
    if (ret == -ENOMEM)
        snprintf(err, errlen, "out of memory");
    recs_free(&recs);
    return ret;
}

int assess_intended_load(const char *path, json_t **out, char *err, size_t errlen)
{
    json_error_t je;
    recs_t recs = {0};
    char sub[1024];
    json_t *j;
    FILE *f;
    int ret;

    *out = NULL;
    f = fopen(path, "r");
    if (f == NULL) {
        ret = -errno;
        snprintf(err, errlen, "%s: cannot read the intended state: %s", path,
                 dp_strerror(ret));
        return ret;
    }
    j = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    fclose(f);
    if (j == NULL) {
        snprintf(err, errlen, "%s:%d: not JSON: %s", path, je.line, je.text);
        return DP_EPARSE;
    }
    /* Check it all now, so that a bad file is named before any query. */
    ret = intended_parse(j, "", &recs, NULL, sub, sizeof(sub));
    recs_free(&recs);
    if (ret < 0) {
        if (ret == -ENOMEM)
            snprintf(sub, sizeof(sub), "out of memory");
        snprintf(err, errlen, "%s: %s", path, sub);
        json_decref(j);
        return ret;
    }
    *out = j;
    return 0;
}

/* "<name>-YYYYMMDDTHHMMSSZ[-N]": stamp and N (0 without). */
static bool campaign_id_parse(const char *id, const char *name, char stamp[17],
                              uint64_t *n)
{
    size_t nl = strlen(name);
    const char *s;
    size_t i;

    if (strncmp(id, name, nl) != 0 || id[nl] != '-')
        return false;
    s = id + nl + 1;
    for (i = 0; i < 16; i++) {
        bool ok = i == 8    ? s[i] == 'T'
                  : i == 15 ? s[i] == 'Z'
                            : s[i] >= '0' && s[i] <= '9';
        if (!ok)
            return false;
    }
    memcpy(stamp, s, 16);
    stamp[16] = '\0';
    *n = 0;
    if (s[16] == '\0')
        return true;
    return s[16] == '-' && numparse_u64(s + 17, UINT64_MAX, n) == 0;
}

static bool readable_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int assess_intended_find(const char *results, const char *name, const char *campaign,
                         char *path, size_t pathlen, char *err, size_t errlen)
{
    char best[256] = "";
    char best_stamp[17] = "";
    uint64_t best_n = 0;
    struct dirent *de;
    DIR *d;
    int n;

    if (campaign != NULL) {
        if (campaign[0] == '\0' || strchr(campaign, '/') != NULL ||
            strcmp(campaign, ".") == 0 || strcmp(campaign, "..") == 0) {
            snprintf(err, errlen, "'%s' is not a campaign id (e.g. %s-20260101T000000Z)",
                     campaign, name);
            return -ENOENT;
        }
        n = snprintf(path, pathlen, "%s/%s/intended.json", results, campaign);
        if (n < 0 || (size_t)n >= pathlen) {
            snprintf(err, errlen, "%s/%s: path too long", results, campaign);
            return -ENAMETOOLONG;
        }
        if (!readable_file(path)) {
            snprintf(err, errlen,
                     "campaign %s has no intended state (%s): give another --campaign "
                     "(its directory under %s) or --intended",
                     campaign, path, results);
            return -ENOENT;
        }
        return 0;
    }
    d = opendir(results);
    if (d == NULL && errno != ENOENT) {
        int e = -errno;
        snprintf(err, errlen, "%s: %s", results, dp_strerror(e));
        return e;
    }
    while (d != NULL && (de = readdir(d)) != NULL) {
        char stamp[17];
        char file[4096];
        uint64_t k;
        if (strlen(de->d_name) >= sizeof(best) ||
            !campaign_id_parse(de->d_name, name, stamp, &k))
            continue;
        n = strcmp(stamp, best_stamp);
        if (best[0] != '\0' && (n < 0 || (n == 0 && k <= best_n)))
            continue;
        n = snprintf(file, sizeof(file), "%s/%s/intended.json", results, de->d_name);
        if (n < 0 || (size_t)n >= sizeof(file) || !readable_file(file))
            continue;
        snprintf(best, sizeof(best), "%s", de->d_name);
        memcpy(best_stamp, stamp, sizeof(best_stamp));
        best_n = k;
    }
    if (d != NULL)
        closedir(d);
    if (best[0] == '\0') {
        snprintf(err, errlen,
                 "no campaign of scenario %s under %s (a directory %s-<UTC time> with "
                 "intended.json): run `dnsprop run FILE` first or give --intended",
                 name, results, name);
        return -ENOENT;
    }
    n = snprintf(path, pathlen, "%s/%s/intended.json", results, best);
    if (n < 0 || (size_t)n >= pathlen) {
        snprintf(err, errlen, "%s/%s: path too long", results, best);
        return -ENAMETOOLONG;
    }
    return 0;
}

/* ---- sources -------------------------------------------------------------------- */

/* One source's records and errors, filled on its survey thread. */
typedef struct {
    const char *source;
    const queries_t *q; /* live */
    recs_t recs;
    errs_t errs;
} src_t;

/* The records an answered question gives: the RRset, or nothing. */
static int live_answer(src_t *s, const query_t *q, const survey_reply_t *r, bool *any)
{
    char rb[16];
    size_t k;
    int ret = 0;

    if (r->rcode == DNSQ_RCODE_NOERROR) {
        /* RFC 1034 4.3.2: the RRset of qname and qtype in the answer
         * section (survey leaves a CNAME chain's other owners out). */
        for (k = 0; ret == 0 && k < r->nrrs; k++) {
            char *v = NULL;
            if (q->type == RDATA_T_SOA) {
                v = strdup(ASSESS_ANY_RDATA);
            } else if (dnsq_rr_value(&r->rrs[k], &v) < 0) {
                errs_add(&s->errs, "malformed record in the answer", q->name, q->type);
                continue;
            }
            ret = recs_push_own(&s->recs, s->source, true, q->name, q->type, "IN",
                                r->rrs[k].ttl, v);
            *any = true;
        }
    } else if (r->rcode != DNSQ_RCODE_NXDOMAIN &&
               !(q->zone_absent &&
                 (r->rcode == DNSQ_RCODE_REFUSED || r->rcode == DNSQ_RCODE_NOTAUTH))) {
        errs_add(&s->errs, rdata_rcode_str(r->rcode, rb), q->name, q->type);
    }
    return ret;
}

/* survey_ask's callback: the reply to question qi, into the source's
 * records (an ABSENT marker when nothing) and errors. */
static int live_reply(void *arg, size_t qi, const survey_reply_t *r)
{
    src_t *s = arg;
    const query_t *q = &s->q->v[qi];
    char dead[256];
    bool any = false;
    int ret = 0;

    switch (r->outcome) {
    case SURVEY_SKIPPED:
        errs_add(&s->errs, "not asked: an earlier query got no answer", q->name, q->type);
        break;
    case SURVEY_BAD_NAME:
        errs_add(&s->errs, "not asked: a name ldns cannot parse", q->name, q->type);
        break;
    case SURVEY_NO_ANSWER:
        snprintf(dead, sizeof(dead), "no answer (%s, %d tries of %d s)", r->why,
                 ASSESS_QUERY_RETRIES + 1, ASSESS_QUERY_TIMEOUT_S);
        errs_add(&s->errs, dead, q->name, q->type);
        break;
    case SURVEY_TRUNCATED:
        errs_add(&s->errs, "truncated answer (TC set, over TCP too): no evidence",
                 q->name, q->type);
        break;
    case SURVEY_ANSWERED:
        ret = live_answer(s, q, r, &any);
        break;
    }
    if (ret == 0 && !any)
        ret = recs_marker(&s->recs, s->source, q->name, q->type);
    return ret;
}

/* survey_axfr's callback: every record as it is, SOA and apex NS included. */
static int axfr_keep(const dnsq_rr_t *rr, void *arg, char *err, size_t errlen)
{
    src_t *s = arg;
    char owner[RDATA_NAME_TEXT_MAX];
    char cb[16];
    char *v = NULL;
    int ret;

    if (dnsq_rr_owner(rr, owner, sizeof(owner)) < 0) {
        snprintf(err, errlen, "a record with a malformed owner name");
        return DP_EMALFORMED;
    }
    ret = dnsq_rr_value(rr, &v);
    if (ret == -ENOMEM)
        return ret;
    if (ret < 0) {
        snprintf(err, errlen, "%.300s %s: malformed RDATA", owner,
                 rdata_type_to_str(rr->type, cb));
        return DP_EMALFORMED;
    }
    return recs_push_own(&s->recs, s->source, true, owner, rr->type,
                         dnsq_class_str(rr->klass, cb), rr->ttl, v);
}

/* Merge every source (its ret the survey's): records into all (moved),
 * errors into errors; frees the sources' lists. */
static int merge(src_t *srcs, const int *rets, size_t n, recs_t *all, json_t *errors)
{
    size_t i;
    int ret = 0;

    for (i = 0; i < n; i++) {
        int r = rets[i];
        if (r == 0 && srcs[i].errs.nomem)
            r = -ENOMEM;
        if (r == 0)
            r = recs_move(all, &srcs[i].recs);
        if (r == 0)
            r = errs_to_json(&srcs[i].errs, srcs[i].source, errors);
        if (ret == 0)
            ret = r;
        recs_free(&srcs[i].recs);
        errs_free(&srcs[i].errs);
    }
    return ret;
}

uint64_t assess_intended_tmask(const scenario_t *sc, const json_t *intended)
{
    json_t *names = json_object_get(intended, "targets");
    json_t *e;
    uint64_t mask = 0;
    size_t i, t;

    json_array_foreach(names, i, e)
    {
        for (t = 0; t < sc->ntargets && t < 64; t++) {
            if (json_is_string(e) &&
                strcmp(sc->targets[t].name, json_string_value(e)) == 0)
                mask |= UINT64_C(1) << t;
        }
    }
    return mask != 0 ? mask : 1;
}

void assess_live_providers(const scenario_t *sc, const json_t *intended, json_t *res)
{
    uint64_t mask = assess_intended_tmask(sc, intended);
    json_t *prov;

    if ((mask & (mask - 1)) == 0)
        return; /* one provider: the sources say it all */
    prov = json_object();
    for (size_t t = 0; t < sc->ntargets && t < 64; t++) {
        json_t *srcs = json_array();
        bool ok = true;
        if (!(mask & (UINT64_C(1) << t))) {
            json_decref(srcs);
            continue;
        }
        for (size_t i = 0; i < sc->nns; i++) {
            const char *n = sc->ns[i].name;
            if (scenario_ns_target(sc, &sc->ns[i]) != &sc->targets[t])
                continue;
            json_array_append_new(srcs, json_string(n));
            ok = ok &&
                 json_array_size(json_object_get(json_object_get(res, "missing"), n)) ==
                     0 &&
                 json_array_size(
                     json_object_get(json_object_get(res, "overpresent"), n)) == 0 &&
                 json_array_size(json_object_get(json_object_get(res, "errors"), n)) == 0;
        }
        json_object_set_new(prov, sc->targets[t].name,
                            json_pack("{s:b, s:o}", "converged", ok, "sources", srcs));
    }
    json_object_set_new(res, "providers", prov);
}

/* The live questions to the nameservers of sc serving the targets in
 * tmask (the intended state's: assess_intended_tmask). */
static int live_sources(const scenario_t *sc, uint64_t tmask, const queries_t *q,
                        recs_t *all, json_t *errors)
{
    const dnsq_opts_t opts = {
        .timeout_s = ASSESS_QUERY_TIMEOUT_S,
        .tries = ASSESS_QUERY_RETRIES + 1,
        .retrans_s = ASSESS_QUERY_TIMEOUT_S,
        .edns_size = ASSESS_EDNS_SIZE,
    };
    size_t cap = sc->nns > 0 ? sc->nns : 1;
    survey_question_t *qs = calloc(q->n > 0 ? q->n : 1, sizeof(*qs));
    survey_server_t *sv = calloc(cap, sizeof(*sv));
    src_t *srcs = calloc(cap, sizeof(*srcs));
    int *rets = calloc(cap, sizeof(*rets));
    size_t n = 0;
    size_t i;
    int ret = -ENOMEM;

    if (qs == NULL || sv == NULL || srcs == NULL || rets == NULL)
        goto out;
    for (i = 0; i < q->n; i++) {
        qs[i].name = q->v[i].name;
        qs[i].type = q->v[i].type;
    }
    /* The nameservers of every target the campaign changed (each provider
     * a source of its own, the NetDNS idea): intended.json names them; one
     * from before it did is of the first target. */
    for (i = 0; i < sc->nns; i++) {
        const target_conf_t *t = scenario_ns_target(sc, &sc->ns[i]);
        if (t == NULL || !(tmask & (UINT64_C(1) << scenario_target_index(sc, t))))
            continue;
        srcs[n].source = sc->ns[i].name;
        srcs[n].q = q;
        sv[n].ns = &sc->ns[i].addr;
        sv[n].on_reply = live_reply;
        sv[n].arg = &srcs[n];
        n++;
    }
    survey_ask(sv, n, qs, q->n, &opts);
    for (i = 0; i < n; i++)
        rets[i] = sv[i].ret;
    ret = merge(srcs, rets, n, all, errors);
out:
    free(qs);
    free(sv);
    free(srcs);
    free(rets);
    return ret;
}

int assess_live_collect_errors(const scenario_t *sc, const json_t *intended,
                               assess_set_t *set, json_t *errors, char *err,
                               size_t errlen)
{
    recs_t all = {0};
    queries_t q = {0};
    int ret;

    ret = intended_parse(intended, "", &all, &q, err, errlen);
    if (ret == 0)
        ret = live_sources(sc, assess_intended_tmask(sc, intended), &q, &all, errors);
    if (ret == 0)
        ret = recs_to_set(&all, set);
    if (ret == -ENOMEM)
        snprintf(err, errlen, "out of memory");
    recs_free(&all);
    queries_free(&q);
    return ret;
}

int assess_live_collect(const scenario_t *sc, const json_t *intended, assess_set_t *set,
                        char *err, size_t errlen)
{
    return assess_live_collect_errors(sc, intended, set, NULL, err, errlen);
}

/* A failed or partial transfer: the source has no records, but the
 * ABSENT marker of the zone's SOA makes it a source of the assessment
 * (every record of the master missing there). */
static int axfr_failed(src_t *s, const survey_axfr_t *a, const char *zone)
{
    char what[1100];

    snprintf(what, sizeof(what), "AXFR%s: %s", a->ret == -EACCES ? " refused" : "",
             a->err);
    recs_free(&s->recs);
    errs_add(&s->errs, what, NULL, 0);
    return recs_marker(&s->recs, s->source, zone, RDATA_T_SOA);
}

/* Arguments checked before anything is sent: zone into canon. */
static int axfr_args(const char *zone, const char *const *ns, size_t nns,
                     const char *tsig, char canon[RDATA_NAME_TEXT_MAX], char *err,
                     size_t errlen)
{
    probe_ns_t pn;
    size_t i;

    if (zone == NULL || rdata_name_canon(zone, canon, RDATA_NAME_TEXT_MAX) < 0) {
        snprintf(err, errlen, "zone '%.300s' is not a domain name", zone ? zone : "");
        return DP_EBADNAME;
    }
    for (i = 0; i < nns; i++) {
        if (probe_ns_parse(ns[i], &pn) < 0) {
            snprintf(err, errlen,
                     "server '%.100s' is not an IPv4/IPv6 address with optional port "
                     "(ADDR, ADDR:PORT, [ADDR6]:PORT)",
                     ns[i]);
            return DP_EBADADDR;
        }
    }
    /* The key is checked once here rather than once per thread. */
    return tsig != NULL ? tsig_check(tsig, "tsig", err, errlen) : 0;
}

int assess_axfr_collect_errors(const char *zone, const char *const *ns, size_t nns,
                               const char *tsig, assess_set_t *set, json_t *errors,
                               char *err, size_t errlen)
{
    char canon[RDATA_NAME_TEXT_MAX];
    recs_t all = {0};
    survey_axfr_t *jobs = NULL;
    src_t *srcs = NULL;
    int *rets = NULL;
    size_t i;
    int ret;

    ret = axfr_args(zone, ns, nns, tsig, canon, err, errlen);
    if (ret < 0)
        return ret;
    jobs = calloc(nns > 0 ? nns : 1, sizeof(*jobs));
    srcs = calloc(nns > 0 ? nns : 1, sizeof(*srcs));
    rets = calloc(nns > 0 ? nns : 1, sizeof(*rets));
    ret = -ENOMEM;
    if (jobs == NULL || srcs == NULL || rets == NULL)
        goto out;
    for (i = 0; i < nns; i++) {
        srcs[i].source = ns[i];
        jobs[i].server = ns[i];
        jobs[i].each = axfr_keep;
        jobs[i].arg = &srcs[i];
    }
    survey_axfr(jobs, nns, canon, tsig);
    for (i = 0; i < nns; i++) {
        rets[i] = jobs[i].ret;
        if (rets[i] < 0 && rets[i] != -ENOMEM)
            rets[i] = axfr_failed(&srcs[i], &jobs[i], canon);
    }
    ret = merge(srcs, rets, nns, &all, errors);
    if (ret == 0)
        ret = recs_to_set(&all, set);
out:
    if (ret == -ENOMEM)
        snprintf(err, errlen, "out of memory");
    recs_free(&all);
    free(jobs);
    free(srcs);
    free(rets);
    return ret;
}

int assess_axfr_collect(const char *zone, const char *const *ns, size_t nns,
                        const char *tsig, assess_set_t *set, char *err, size_t errlen)
{
    return assess_axfr_collect_errors(zone, ns, nns, tsig, set, NULL, err, errlen);
}
