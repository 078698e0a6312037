/*
 * assess_live: records for the assessment from live nameservers (see
 * assess_live.h).
 *
 * Each source is worked by one thread with its own ldns resolver and its
 * own record and error lists, merged into the caller's set once every
 * thread is joined: no shared state while the queries run. A set built
 * here is sorted and deduplicated before it is appended (assess_run lists
 * a master's record once per copy of it).
 *
 * Values are made canonical the way zone sync and the probes do it: from
 * the RDATA's uncompressed wire form (ldns_rr_rdata2buffer_wire) with
 * rdata_from_wire, so that an intended value written with rdata_from_text
 * and the same value read off the wire are one string. Types probes/rdata.h
 * cannot compare (SOA, CAA, DNSKEY, ...) come out as ldns's text of the
 * record's canonical form (RFC 4034 6.2: names in RDATA lower-cased), the
 * same text for the same record from any server.
 *
 * ldns 1.8.3 behaviour relied upon: ldns_resolver_send with flags 0 and
 * a non-recursive resolver sends RD=0; with fallback on, a truncated UDP
 * answer is asked again over TCP (the query already has EDNS, so there is
 * no EDNS retry first).
 *
 * Transfers are zone sync's (zs_axfr_each, harness/scenario/zonesync.h: the RFC
 * 5936 checks, why a server refused, ldns's AXFR worked around); its
 * callback here keeps every record, where zone sync's filters them.
 */
#include <dirent.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "harness/common/errcode.h"
#include "harness/common/numparse.h"
#include "probes/tsig.h"
#include "harness/scenario/zonesync.h"
#include "plot/assess/assess_live.h"
#include "probes/rdata.h"
#include "probes/request.h"

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
    if (l->n == l->cap) {
        size_t ncap = l->cap == 0 ? 64 : l->cap * 2;
        assess_rec_t *nv;
        if (ncap > SIZE_MAX / sizeof(*nv)) {
            free(rdata);
            return -ENOMEM;
        }
        nv = realloc(l->v, ncap * sizeof(*nv));
        if (nv == NULL) {
            free(rdata);
            return -ENOMEM;
        }
        l->v = nv;
        l->cap = ncap;
    }
    r = &l->v[l->n];
    memset(r, 0, sizeof(*r));
    r->present = present;
    r->type = type;
    r->ttl = ttl;
    r->rdata = rdata;
    r->source = strdup(source);
    r->name = strdup(name);
    r->klass = strdup(klass);
    if (r->source == NULL || r->name == NULL || r->klass == NULL) {
        rec_clear(r);
        return -ENOMEM;
    }
    l->n++;
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
    size_t need = to->n + from->n;

    if (need < to->n || need > SIZE_MAX / sizeof(*to->v))
        return -ENOMEM;
    if (need > to->cap) {
        assess_rec_t *nv = realloc(to->v, need * sizeof(*nv));
        if (nv == NULL)
            return -ENOMEM;
        to->v = nv;
        to->cap = need;
    }
    if (from->n > 0)
        memcpy(to->v + to->n, from->v, from->n * sizeof(*from->v));
    to->n = need;
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
    assess_rec_t *nv;
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
    if (set->n + k < set->n || set->n + k > SIZE_MAX / sizeof(*nv))
        return -ENOMEM;
    nv = realloc(set->recs, (set->n + k) * sizeof(*nv));
    if (nv == NULL)
        return -ENOMEM;
    memcpy(nv + set->n, l->v, k * sizeof(*nv));
    set->recs = nv;
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
    bool nomem;
} errs_t;

static void errs_add(errs_t *e, const char *what, const char *name, uint16_t type)
{
    char tb[16];
    err_ent_t *nv;
    size_t i;

    for (i = 0; i < e->n; i++) {
        if (strcmp(e->v[i].what, what) == 0) {
            e->v[i].count++;
            return;
        }
    }
    nv = realloc(e->v, (e->n + 1) * sizeof(*nv));
    if (nv == NULL) {
        e->nomem = true;
        return;
    }
    e->v = nv;
    memset(&e->v[e->n], 0, sizeof(e->v[e->n]));
    e->v[e->n].what = strdup(what);
    if (e->v[e->n].what == NULL) {
        e->nomem = true;
        return;
    }
    e->v[e->n].count = 1;
    if (name != NULL)
        snprintf(e->v[e->n].first, sizeof(e->v[e->n].first), "%s %s", name,
                 rdata_type_to_str(type, tb));
    e->n++;
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

/* ---- names and values off the wire --------------------------------------------------
 */

/* name is apex or below it (both uncompressed wire). */
static bool wire_under(const unsigned char *name, const unsigned char *apex)
{
    size_t nl = 0;
    size_t al = 0;
    size_t i = 0;

    while (name[nl] != 0)
        nl += (size_t)name[nl] + 1;
    while (apex[al] != 0)
        al += (size_t)apex[al] + 1;
    /* Walk name's labels until what is left is as long as apex. */
    while (nl - i > al && name[i] != 0)
        i += (size_t)name[i] + 1;
    return nl - i == al && rdata_name_wire_equal(name + i, apex);
}

static const char *class_str(ldns_rr_class c, char buf[16])
{
    if (c == LDNS_RR_CLASS_IN)
        return "IN";
    if (c == LDNS_RR_CLASS_CH)
        return "CH";
    if (c == LDNS_RR_CLASS_HS)
        return "HS";
    snprintf(buf, 16, "CLASS%u", (unsigned)c);
    return buf;
}

/* ldns's text of the canonical form of rr's RDATA (RFC 4034 6.2), fields
 * joined by a space. */
static int rr_text_value(const ldns_rr *rr, char **out)
{
    ldns_rr *c = ldns_rr_clone(rr);
    char *s = NULL;
    size_t len = 0;
    size_t i;
    int ret = 0;

    *out = NULL;
    if (c == NULL)
        return -ENOMEM;
    ldns_rr2canonical(c);
    for (i = 0; i < ldns_rr_rd_count(c); i++) {
        char *f = ldns_rdf2str(ldns_rr_rdf(c, i));
        size_t fl;
        char *ns;
        if (f == NULL) {
            ret = -ENOMEM;
            goto out;
        }
        fl = strlen(f);
        ns = realloc(s, len + fl + 2);
        if (ns == NULL) {
            free(f);
            ret = -ENOMEM;
            goto out;
        }
        s = ns;
        if (len > 0)
            s[len++] = ' ';
        memcpy(s + len, f, fl + 1);
        len += fl;
        free(f);
    }
    if (s == NULL)
        s = strdup("");
    if (s == NULL)
        ret = -ENOMEM;
out:
    ldns_rr_free(c);
    if (ret < 0)
        free(s);
    else
        *out = s;
    return ret;
}

/* Canonical text of rr's RDATA into *out (malloc'd). */
static int rr_value(ldns_buffer *buf, const ldns_rr *rr, char **out)
{
    uint16_t type = (uint16_t)ldns_rr_get_type(rr);
    const unsigned char *data;
    size_t len;

    if (!rdata_type_comparable(type))
        return rr_text_value(rr, out);
    ldns_buffer_clear(buf);
    if (ldns_rr_rdata2buffer_wire(buf, rr) != LDNS_STATUS_OK)
        return DP_EMALFORMED;
    data = ldns_buffer_begin(buf);
    len = ldns_buffer_position(buf);
    /* Uncompressed: the RDATA is its own message for rdata_from_wire. */
    return rdata_from_wire(type, data, len, data, len, out);
}

/* Canonical owner of rr; DP_EBADNAME if it is not a name. */
static int rr_owner(const ldns_rr *rr, char *text, size_t textlen)
{
    const ldns_rdf *o = ldns_rr_owner(rr);

    if (o == NULL || ldns_rdf_get_type(o) != LDNS_RDF_TYPE_DNAME ||
        ldns_rdf_size(o) < 1 || ldns_rdf_size(o) > 255)
        return DP_EBADNAME;
    return rdata_wire_to_canon(ldns_rdf_data(o), text, textlen) < 0 ? DP_EBADNAME : 0;
}

/* A resolver for one server: no recursion, no search list, no EDNS
 * retries but TCP on truncation. */
static int resolver_for(const probe_ns_t *ns, unsigned timeout_s, ldns_resolver **out)
{
    ldns_resolver *res = ldns_resolver_new();
    struct sockaddr_storage sa;
    uint16_t port = 53;
    ldns_rdf *addr;
    struct timeval tv;

    *out = NULL;
    if (res == NULL)
        return -ENOMEM;
    memcpy(&sa, &ns->sa, sizeof(sa));
    addr = ldns_sockaddr_storage2rdf(&sa, &port);
    if (addr == NULL || ldns_resolver_push_nameserver(res, addr) != LDNS_STATUS_OK) {
        ldns_rdf_deep_free(addr);
        ldns_resolver_deep_free(res);
        return -ENOMEM;
    }
    ldns_rdf_deep_free(addr);
    ldns_resolver_set_port(res, port);
    ldns_resolver_set_recursive(res, false);
    ldns_resolver_set_random(res, false);
    ldns_resolver_set_dnsrch(res, false);
    ldns_resolver_set_defnames(res, false);
    ldns_resolver_set_dnssec(res, false);
    ldns_resolver_set_fallback(res, true);
    ldns_resolver_set_usevc(res, false);
    ldns_resolver_set_edns_udp_size(res, ASSESS_EDNS_SIZE);
    ldns_resolver_set_retry(res, ASSESS_QUERY_RETRIES + 1);
    ldns_resolver_set_retrans(res, ASSESS_QUERY_TIMEOUT_S);
    tv.tv_sec = timeout_s;
    tv.tv_usec = 0;
    ldns_resolver_set_timeout(res, tv);
    *out = res;
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
    size_t i;

    /* Linear: one query per (name, type); intended states list each once
     * or twice (deleted, created again). */
    for (i = q->n; i-- > 0;) {
        if (q->v[i].type == type && strcmp(q->v[i].name, name) == 0)
            return 0;
    }
    if (q->n == q->cap) {
        size_t ncap = q->cap == 0 ? 64 : q->cap * 2;
        query_t *nv;
        if (ncap > SIZE_MAX / sizeof(*nv))
            return -ENOMEM;
        nv = realloc(q->v, ncap * sizeof(*nv));
        if (nv == NULL)
            return -ENOMEM;
        q->v = nv;
        q->cap = ncap;
    }
    q->v[q->n].name = strdup(name);
    if (q->v[q->n].name == NULL)
        return -ENOMEM;
    q->v[q->n].type = type;
    q->v[q->n].zone_absent = zone_absent;
    q->n++;
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
        if ((size_t)zl > best && wire_under(nw, zw)) {
            best = (size_t)zl;
            absent = presence_of(z) == 0;
        }
    }
    return absent;
}

/* The intended state into records of source and (q may be NULL) the
 * queries it implies. */
static int intended_parse(const json_t *in, const char *source, recs_t *recs,
                          queries_t *q, char *err, size_t errlen)
{
    const json_t *zones = json_object_get(in, "zones");
    const json_t *records = json_object_get(in, "records");
    char name[RDATA_NAME_TEXT_MAX];
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
    json_array_foreach(records, i, e)
    {
        const char *rn = json_string_value(json_object_get(e, "name"));
        const char *tn = json_string_value(json_object_get(e, "type"));
        const json_t *values = json_object_get(e, "values");
        const json_t *jttl = json_object_get(e, "ttl");
        uint32_t ttl = 0;
        uint16_t type;
        int p = presence_of(e);
        size_t k;
        json_t *v;

        if (rn == NULL || rdata_name_canon(rn, name, sizeof(name)) < 0) {
            snprintf(err, errlen, "records[%zu]: name: missing or not a domain name", i);
            return DP_EPARSE;
        }
        if (tn == NULL || rdata_type_from_str(tn, &type) < 0) {
            snprintf(err, errlen, "records[%zu] (%s): type: missing or not a record type",
                     i, name);
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
        if (p == 0) {
            ret = recs_push_own(recs, source, false, name, type, "IN", ttl,
                                strdup(ASSESS_ANY_RDATA));
            if (ret < 0)
                return ret;
            continue;
        }
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
                snprintf(err, errlen, "records[%zu] (%s): values[%zu]: not a string", i,
                         name, k);
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
    }
    return 0;
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

/* ---- workers -------------------------------------------------------------------- */

typedef struct {
    const char *source;
    /* live */
    const probe_ns_t *ns;
    const queries_t *q;
    /* axfr */
    const char *server;
    const char *zone; /* canonical */
    const char *tsig;
    recs_t recs;
    errs_t errs;
    int ret; /* -ENOMEM, else 0: errors of the source are in errs */
    pthread_t tid;
    bool started;
} job_t;

static void *live_worker(void *arg)
{
    job_t *j = arg;
    ldns_resolver *res = NULL;
    ldns_buffer *buf = ldns_buffer_new(LDNS_MAX_PACKETLEN);
    char dead[256] = "";
    size_t i;
    int ret;

    ret = buf == NULL ? -ENOMEM : resolver_for(j->ns, ASSESS_QUERY_TIMEOUT_S, &res);
    for (i = 0; ret == 0 && i < j->q->n; i++) {
        const query_t *q = &j->q->v[i];
        unsigned char qw[256];
        ldns_rdf *qname = NULL;
        ldns_pkt *pkt = NULL;
        ldns_status st;
        bool any = false;
        int rcode;
        char rb[16];

        if (dead[0] != '\0') {
            errs_add(&j->errs, "not asked: an earlier query got no answer", q->name,
                     q->type);
            ret = recs_marker(&j->recs, j->source, q->name, q->type);
            continue;
        }
        qname = ldns_dname_new_frm_str(q->name);
        if (qname == NULL || rdata_name_to_wire(q->name, qw, sizeof(qw)) < 0) {
            ldns_rdf_deep_free(qname);
            errs_add(&j->errs, "not asked: a name ldns cannot parse", q->name, q->type);
            ret = recs_marker(&j->recs, j->source, q->name, q->type);
            continue;
        }
        st = ldns_resolver_send(&pkt, res, qname, (ldns_rr_type)q->type, LDNS_RR_CLASS_IN,
                                0);
        ldns_rdf_deep_free(qname);
        if (st != LDNS_STATUS_OK || pkt == NULL) {
            snprintf(dead, sizeof(dead), "no answer (%s, %d tries of %d s)",
                     ldns_get_errorstr_by_id(st), ASSESS_QUERY_RETRIES + 1,
                     ASSESS_QUERY_TIMEOUT_S);
            errs_add(&j->errs, dead, q->name, q->type);
            ldns_pkt_free(pkt);
            ret = recs_marker(&j->recs, j->source, q->name, q->type);
            continue;
        }
        rcode = (int)ldns_pkt_get_rcode(pkt);
        if (rcode == LDNS_RCODE_NOERROR) {
            /* RFC 1034 4.3.2: the RRset of qname and qtype in the answer
             * section (a CNAME chain's other owners are not it). */
            ldns_rr_list *an = ldns_pkt_answer(pkt);
            size_t k;
            for (k = 0; ret == 0 && k < ldns_rr_list_rr_count(an); k++) {
                const ldns_rr *rr = ldns_rr_list_rr(an, k);
                const ldns_rdf *o = ldns_rr_owner(rr);
                char *v = NULL;
                if ((uint16_t)ldns_rr_get_type(rr) != q->type ||
                    ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN || o == NULL ||
                    ldns_rdf_get_type(o) != LDNS_RDF_TYPE_DNAME ||
                    !rdata_name_wire_equal(ldns_rdf_data(o), qw))
                    continue;
                if (q->type == RDATA_T_SOA) {
                    v = strdup(ASSESS_ANY_RDATA);
                } else if (rr_value(buf, rr, &v) < 0) {
                    errs_add(&j->errs, "malformed record in the answer", q->name,
                             q->type);
                    continue;
                }
                ret = recs_push_own(&j->recs, j->source, true, q->name, q->type, "IN",
                                    ldns_rr_ttl(rr), v);
                any = true;
            }
        } else if (rcode != LDNS_RCODE_NXDOMAIN &&
                   !(q->zone_absent &&
                     (rcode == LDNS_RCODE_REFUSED || rcode == LDNS_RCODE_NOTAUTH))) {
            errs_add(&j->errs, rdata_rcode_str(rcode, rb), q->name, q->type);
        }
        ldns_pkt_free(pkt);
        if (ret == 0 && !any)
            ret = recs_marker(&j->recs, j->source, q->name, q->type);
    }
    if (ret == 0 && j->errs.nomem)
        ret = -ENOMEM;
    j->ret = ret;
    if (buf != NULL)
        ldns_buffer_free(buf);
    ldns_resolver_deep_free(res);
    return NULL;
}

/* axfr_worker's each: every record as it is, SOA and apex NS included. */
typedef struct {
    job_t *j;
    ldns_buffer *buf;
} axfr_keep_t;

static int axfr_keep(const ldns_rr *rr, void *arg, char *err, size_t errlen)
{
    axfr_keep_t *k = arg;
    char owner[RDATA_NAME_TEXT_MAX];
    uint16_t type = (uint16_t)ldns_rr_get_type(rr);
    char cb[16];
    char *v = NULL;
    int ret;

    if (rr_owner(rr, owner, sizeof(owner)) < 0) {
        snprintf(err, errlen, "a record with a malformed owner name");
        return DP_EMALFORMED;
    }
    ret = rr_value(k->buf, rr, &v);
    if (ret == -ENOMEM)
        return ret;
    if (ret < 0) {
        snprintf(err, errlen, "%.300s %s: malformed RDATA", owner,
                 rdata_type_to_str(type, cb));
        return DP_EMALFORMED;
    }
    return recs_push_own(&k->j->recs, k->j->source, true, owner, type,
                         class_str(ldns_rr_get_class(rr), cb), ldns_rr_ttl(rr), v);
}

static void *axfr_worker(void *arg)
{
    job_t *j = arg;
    axfr_keep_t k = {j, ldns_buffer_new(LDNS_MAX_PACKETLEN)};
    char msg[1024];
    char what[1100];
    int ret = -ENOMEM;

    if (k.buf != NULL)
        ret = zs_axfr_each(j->server, j->zone, j->tsig, NULL, "server", axfr_keep, &k,
                           msg, sizeof(msg));
    if (ret < 0 && ret != -ENOMEM) {
        /* A failed or partial transfer: the source has no records, but
         * the ABSENT marker of the zone's SOA makes it a source of the
         * assessment (every record of the master missing there). */
        snprintf(what, sizeof(what), "AXFR%s: %s", ret == -EACCES ? " refused" : "", msg);
        recs_free(&j->recs);
        errs_add(&j->errs, what, NULL, 0);
        ret = recs_marker(&j->recs, j->source, j->zone, RDATA_T_SOA);
    }
    if (ret == 0 && j->errs.nomem)
        ret = -ENOMEM;
    j->ret = ret;
    if (k.buf != NULL)
        ldns_buffer_free(k.buf);
    return NULL;
}

/* Run fn on every job, one thread each (in this thread when no thread can
 * be started), then merge: records into all (moved), errors into errors. */
static int run_jobs(job_t *jobs, size_t n, void *(*fn)(void *), recs_t *all,
                    json_t *errors)
{
    size_t i;
    int ret = 0;

    for (i = 0; i < n; i++)
        jobs[i].started = pthread_create(&jobs[i].tid, NULL, fn, &jobs[i]) == 0;
    for (i = 0; i < n; i++) {
        if (jobs[i].started)
            pthread_join(jobs[i].tid, NULL);
        else
            fn(&jobs[i]);
    }
    for (i = 0; i < n; i++) {
        int r = jobs[i].ret;
        if (r == 0)
            r = recs_move(all, &jobs[i].recs);
        if (r == 0)
            r = errs_to_json(&jobs[i].errs, jobs[i].source, errors);
        if (ret == 0)
            ret = r;
        recs_free(&jobs[i].recs);
        errs_free(&jobs[i].errs);
    }
    return ret;
}

int assess_live_collect_errors(const scenario_t *sc, const json_t *intended,
                               assess_set_t *set, json_t *errors, char *err,
                               size_t errlen)
{
    const scen_target_t *target = sc->ntargets > 0 ? &sc->targets[0] : NULL;
    recs_t all = {0};
    queries_t q = {0};
    job_t *jobs = NULL;
    size_t njobs = 0;
    size_t i;
    int ret;

    ret = intended_parse(intended, "", &all, &q, err, errlen);
    if (ret < 0)
        goto out;
    jobs = calloc(sc->nns > 0 ? sc->nns : 1, sizeof(*jobs));
    if (jobs == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    /* The driver sends every change to the first target (intended.json
     * does not name one): its nameservers are the sources. */
    for (i = 0; i < sc->nns; i++) {
        if (scenario_ns_target(sc, &sc->ns[i]) != target)
            continue;
        jobs[njobs].source = sc->ns[i].name;
        jobs[njobs].ns = &sc->ns[i].addr;
        jobs[njobs].q = &q;
        njobs++;
    }
    ret = run_jobs(jobs, njobs, live_worker, &all, errors);
    if (ret == 0)
        ret = recs_to_set(&all, set);
out:
    if (ret == -ENOMEM)
        snprintf(err, errlen, "out of memory");
    recs_free(&all);
    queries_free(&q);
    free(jobs);
    return ret;
}

int assess_live_collect(const scenario_t *sc, const json_t *intended, assess_set_t *set,
                        char *err, size_t errlen)
{
    return assess_live_collect_errors(sc, intended, set, NULL, err, errlen);
}

int assess_axfr_collect_errors(const char *zone, const char *const *ns, size_t nns,
                               const char *tsig, assess_set_t *set, json_t *errors,
                               char *err, size_t errlen)
{
    char canon[RDATA_NAME_TEXT_MAX];
    char keyname[256];
    recs_t all = {0};
    job_t *jobs = NULL;
    probe_ns_t pn;
    size_t i;
    int ret;

    if (zone == NULL || rdata_name_canon(zone, canon, sizeof(canon)) < 0) {
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
    if (tsig != NULL) {
        /* The key is checked once here rather than once per thread. */
        ldns_resolver *r = ldns_resolver_new();
        if (r == NULL) {
            snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
        ret = tsig_resolver_set(r, tsig, "tsig", keyname, sizeof(keyname), err, errlen);
        ldns_resolver_deep_free(r);
        if (ret < 0)
            return ret;
    }
    jobs = calloc(nns > 0 ? nns : 1, sizeof(*jobs));
    if (jobs == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    for (i = 0; i < nns; i++) {
        jobs[i].source = ns[i];
        jobs[i].server = ns[i];
        jobs[i].zone = canon;
        jobs[i].tsig = tsig;
    }
    ret = run_jobs(jobs, nns, axfr_worker, &all, errors);
    if (ret == 0)
        ret = recs_to_set(&all, set);
out:
    if (ret == -ENOMEM)
        snprintf(err, errlen, "out of memory");
    recs_free(&all);
    free(jobs);
    return ret;
}

int assess_axfr_collect(const char *zone, const char *const *ns, size_t nns,
                        const char *tsig, assess_set_t *set, char *err, size_t errlen)
{
    return assess_axfr_collect_errors(zone, ns, nns, tsig, set, NULL, err, errlen);
}
