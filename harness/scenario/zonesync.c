/*
 * zonesync: desired zone (zone file) vs existing zone (AXFR) -> a plan of
 * RRset changes, with octoDNS's safety thresholds (see zonesync.h).
 *
 * Both loaders feed ldns RRs to one builder, which keeps the records
 * dnsprop can write, turns each into (canonical owner, type, TTL,
 * canonical value) and groups them into RRsets. Values are made canonical
 * from the RDATA's wire form (ldns_rr_rdata2buffer_wire, uncompressed)
 * with rdata_from_wire, the function the probes use on answers: a record
 * read from a file and the same record read off the wire give the same
 * string, whatever ldns's text form would be.
 *
 * Sorting is by canonical DNS name order (RFC 4034 6.1: labels compared
 * from the root down, as octet strings case-folded), then type: the order
 * of an AXFR-ed zone in `ldns-read-zone -z`, and what makes the plan read
 * like a zone file.
 *
 * ldns 1.8.3 behaviour this module works around or depends on:
 *   - ldns_zone_new_frm_fp_l with no origin makes relative names relative
 *     to the root ("www" -> "www."), silently; we give it a sentinel origin
 *     under .invalid (RFC 6761 6.4) and refuse names that end up under it;
 *   - on a syntax error it leaks every record read before it: a first
 *     pass with ldns_rr_new_frm_fp_l finds the error (see syntax_pass);
 *   - it keeps the first SOA apart (ldns_zone_soa) and drops later SOAs
 *     silently; $INCLUDE is "not implemented" and $GENERATE unknown:
 *     zonefile.h expands both first, and maps ldns's line numbers back;
 *   - the line number it reports is where it stopped reading: for a record
 *     spread over lines in parentheses, its last line.
 * The transfer itself is probes/dnsq.c's (dnsq_axfr_each), which works
 * around ldns's AXFR; records reach the builder as dnsq_rr_t views.
 */
#include <errno.h>
#include <ldns/ldns.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness/common/errcode.h"
#include "harness/common/log.h"
#include "harness/common/quote.h"
#include "harness/common/vec.h"
#include "harness/scenario/zonefile.h"
#include "harness/scenario/zonesync.h"
#include "probes/dnsq.h"
#include "probes/rdata.h"
#include "probes/request.h"

/* The origin given to ldns when the caller gives none: any name that ends
 * up under it was relative with no $ORIGIN before it. */
#define ZS_NO_ORIGIN "zonesync-no-origin.invalid."
/* NSAP-PTR's RDATA is a domain name (RFC 1348); ldns 1.8.3 reads and
 * writes it as a character-string, so the target would get RDATA no
 * server reads as a name, and ldns misreads a correct one off the wire.
 * It is skipped (listed as such in the plan) rather than written wrong. */
#define ZS_T_NSAP_PTR 23
/* How many skipped RRsets a warning names before "and N more". */
#define ZS_WARN_NAMES 5

/* ---- names ---------------------------------------------------------------------- */

/* Offsets of the labels of an uncompressed wire name; returns how many
 * (at most 127 in 255 octets). */
static size_t wire_labels(const unsigned char *w, size_t off[128])
{
    size_t n = 0;
    size_t i = 0;

    while (w[i] != 0 && n < 128) {
        off[n++] = i;
        i += (size_t)w[i] + 1;
    }
    return n;
}

static unsigned char ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* RFC 4034 6.1 canonical order of two uncompressed wire names. */
static int wire_cmp(const unsigned char *a, const unsigned char *b)
{
    size_t oa[128];
    size_t ob[128];
    size_t na = wire_labels(a, oa);
    size_t nb = wire_labels(b, ob);

    while (na > 0 && nb > 0) {
        const unsigned char *x = a + oa[--na];
        const unsigned char *y = b + ob[--nb];
        size_t lx = x[0];
        size_t ly = y[0];
        size_t m = lx < ly ? lx : ly;
        size_t k;

        for (k = 1; k <= m; k++) {
            unsigned char cx = ascii_lower(x[k]);
            unsigned char cy = ascii_lower(y[k]);
            if (cx != cy)
                return cx < cy ? -1 : 1;
        }
        if (lx != ly)
            return lx < ly ? -1 : 1;
    }
    if (na != nb)
        return na < nb ? -1 : 1;
    return 0;
}

/* Types a DNSSEC signer maintains: the target's, like the SOA. */
static bool signer_type(uint16_t t)
{
    switch (t) {
    case 46: /* RRSIG */
    case 47: /* NSEC */
    case 48: /* DNSKEY */
    case 50: /* NSEC3 */
    case 51: /* NSEC3PARAM */
    case 59: /* CDS */
    case 60: /* CDNSKEY */
    case 63: /* ZONEMD */
        return true;
    default:
        return false;
    }
}

static bool name_type(uint16_t t)
{
    return t == RDATA_T_NS || t == RDATA_T_CNAME || t == RDATA_T_PTR || t == RDATA_T_MX ||
           t == RDATA_T_SRV;
}

static const char *type_str(uint16_t t, char buf[16])
{
    /* ldns knows more mnemonics (CAA, DS, HINFO, ...) than rdata.c does. */
    return dnsq_type_str(t, buf);
}

/* ---- the builder: ldns RRs -> RRsets ---------------------------------------- */

typedef struct {
    size_t woff; /* owner's wire form in the arena */
    const unsigned char *wire;
    char *name;
    char *value; /* NULL: a record of a type left out */
    uint16_t type;
    uint32_t ttl;
} zs_ent_t;

typedef struct {
    const char *src; /* "FILE" or "AXFR ZONE from SERVER", for messages */
    unsigned char apex[256];
    char apex_text[RDATA_NAME_TEXT_MAX];
    unsigned char no_origin[256]; /* wire of ZS_NO_ORIGIN; [0] == 0: not used */
    zs_ent_t *ents;
    size_t n;
    size_t cap;
    unsigned char *arena;
    size_t aused;
    size_t acap;
} builder_t;

static int builder_init(builder_t *b, const char *src, bool sentinel)
{
    memset(b, 0, sizeof(*b));
    b->src = src;
    if (sentinel &&
        rdata_name_to_wire(ZS_NO_ORIGIN, b->no_origin, sizeof(b->no_origin)) < 0)
        return DP_EBADNAME;
    return 0;
}

static int builder_set_apex(builder_t *b, const unsigned char *wire)
{
    int len = 0;

    while (wire[len] != 0)
        len += wire[len] + 1;
    memcpy(b->apex, wire, (size_t)len + 1);
    return rdata_wire_to_canon(b->apex, b->apex_text, sizeof(b->apex_text)) < 0
               ? DP_EBADNAME
               : 0;
}

static void builder_clear(builder_t *b)
{
    size_t i;

    for (i = 0; i < b->n; i++) {
        free(b->ents[i].name);
        free(b->ents[i].value);
    }
    free(b->ents);
    free(b->arena);
    memset(b, 0, sizeof(*b));
}

static bool under_sentinel(const builder_t *b, const unsigned char *wire)
{
    return b->no_origin[0] != 0 && dnsq_wire_under(wire, b->no_origin);
}

static int builder_push(builder_t *b, const unsigned char *wire, const char *name,
                        uint16_t type, uint32_t ttl, char *value)
{
    size_t wlen = 0;
    zs_ent_t *e;

    while (wire[wlen] != 0)
        wlen += (size_t)wire[wlen] + 1;
    wlen++;
    if (VEC_RESERVE(b->arena, b->acap, b->aused + wlen) < 0)
        return -ENOMEM;
    e = VEC_PUSH(b->ents, b->n, b->cap);
    if (e == NULL)
        return -ENOMEM;
    e->name = strdup(name);
    if (e->name == NULL) {
        b->n--;
        return -ENOMEM;
    }
    memcpy(b->arena + b->aused, wire, wlen);
    e->woff = b->aused;
    b->aused += wlen;
    e->type = type;
    e->ttl = ttl;
    e->value = value;
    return 0;
}

/* Keep, drop or count one RR. DP_EPARSE with err set when it cannot be in
 * the zone. */
static int builder_add(builder_t *b, const dnsq_rr_t *rr, char *err, size_t errlen)
{
    const unsigned char *wire = rr->owner;
    char name[RDATA_NAME_TEXT_MAX];
    char tb[16];
    uint16_t type = rr->type;
    char *value = NULL;
    int ret;

    if (dnsq_rr_owner(rr, name, sizeof(name)) < 0) {
        snprintf(err, errlen, "%s: a record with a malformed owner name", b->src);
        return DP_EPARSE;
    }
    if (under_sentinel(b, wire)) {
        /* "www.zonesync-no-origin.invalid." -> "www", as written */
        size_t rel = strlen(name) - strlen(ZS_NO_ORIGIN);
        snprintf(err, errlen,
                 "%s: %.*s %s: a relative name with no $ORIGIN before it: add $ORIGIN "
                 "or give the zone's origin",
                 b->src, rel > 0 ? (int)rel - 1 : 1, rel > 0 ? name : "@",
                 type_str(type, tb));
        return DP_EPARSE;
    }
    if (!dnsq_wire_under(wire, b->apex)) {
        snprintf(err, errlen, "%s: %.300s %s is not inside the zone %.300s", b->src, name,
                 type_str(type, tb), b->apex_text);
        return DP_EPARSE;
    }
    if (rr->klass != LDNS_RR_CLASS_IN) {
        snprintf(err, errlen, "%s: %.300s %s: class %u; only IN is supported", b->src,
                 name, type_str(type, tb), (unsigned)rr->klass);
        return DP_EPARSE;
    }
    /* The target owns the SOA, the apex NS RRset and the signer's types. */
    if (type == RDATA_T_SOA || signer_type(type) ||
        (type == RDATA_T_NS && rdata_name_wire_equal(wire, b->apex)))
        return 0;
    if (rdata_type_comparable(type) && type != ZS_T_NSAP_PTR) {
        ret = dnsq_rr_value(rr, &value);
        if (ret == -ENOMEM)
            return ret;
        if (ret < 0) {
            snprintf(err, errlen, "%s: %.300s %s: malformed RDATA", b->src, name,
                     type_str(type, tb));
            return DP_EPARSE;
        }
        if (b->no_origin[0] != 0 && name_type(type)) {
            size_t vl = strlen(value);
            size_t sl = strlen(ZS_NO_ORIGIN);
            if (vl >= sl && strcmp(value + vl - sl, ZS_NO_ORIGIN) == 0 &&
                (vl == sl || value[vl - sl - 1] == '.' || value[vl - sl - 1] == ' ')) {
                snprintf(err, errlen,
                         "%s: %.300s %s: a relative name in the value with no $ORIGIN "
                         "before it: add $ORIGIN or give the zone's origin",
                         b->src, name, type_str(type, tb));
                free(value);
                return DP_EPARSE;
            }
        }
    }
    ret = builder_push(b, wire, name, type, rr->ttl, value);
    if (ret < 0)
        free(value);
    return ret;
}

static int ent_cmp(const void *pa, const void *pb)
{
    const zs_ent_t *a = pa;
    const zs_ent_t *b = pb;
    int c = wire_cmp(a->wire, b->wire);

    if (c != 0)
        return c;
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    if (a->value == NULL || b->value == NULL)
        return (a->value != NULL) - (b->value != NULL);
    return strcmp(a->value, b->value);
}

static bool same_set(const zs_ent_t *a, const zs_ent_t *b)
{
    return a->type == b->type && strcmp(a->name, b->name) == 0;
}

static void rrset_free(zs_rrset_t *s)
{
    size_t i;

    for (i = 0; i < s->nvalues; i++)
        free(s->values[i]);
    free(s->values);
    free(s->name);
    memset(s, 0, sizeof(*s));
}

void zs_zone_free(zs_zone_t *z)
{
    size_t i;

    if (z == NULL)
        return;
    for (i = 0; i < z->n; i++)
        rrset_free(&z->sets[i]);
    free(z->sets);
    for (i = 0; i < z->nskipped; i++)
        free(z->skipped[i]);
    free(z->skipped);
    for (i = 0; i < z->nowned; i++)
        free(z->owned[i]);
    free(z->owned);
    free(z->origin);
    memset(z, 0, sizeof(*z));
}

/* RFC 1034 3.6.2 / RFC 2181 10.1: a CNAME is the only data at its name,
 * and there is one. [from, to) are the entries of one name. */
static int check_cname(const builder_t *b, size_t from, size_t to, char *err,
                       size_t errlen)
{
    char tb[16];
    size_t ncname = 0;
    size_t i;
    const zs_ent_t *other = NULL;

    for (i = from; i < to; i++) {
        if (b->ents[i].type == RDATA_T_CNAME)
            ncname++;
        else if (other == NULL)
            other = &b->ents[i];
    }
    if (ncname == 0)
        return 0;
    if (rdata_name_wire_equal(b->ents[from].wire, b->apex)) {
        snprintf(err, errlen,
                 "%s: %.300s CNAME: a CNAME at the zone apex, beside its SOA and NS "
                 "(RFC 1034 3.6.2)",
                 b->src, b->ents[from].name);
        return DP_EPARSE;
    }
    if (other != NULL) {
        snprintf(err, errlen,
                 "%s: %.300s: a CNAME and other data (%s) at the same name (RFC 1034 "
                 "3.6.2): keep one of them",
                 b->src, b->ents[from].name, type_str(other->type, tb));
        return DP_EPARSE;
    }
    if (ncname > 1) {
        snprintf(err, errlen,
                 "%s: %.300s CNAME: %zu values; a name has one CNAME (RFC 2181 10.1)",
                 b->src, b->ents[from].name, ncname);
        return DP_EPARSE;
    }
    return 0;
}

static void warn_skipped(const builder_t *b, const zs_zone_t *z)
{
    char list[ZS_WARN_NAMES * (RDATA_NAME_TEXT_MAX + 20)];
    size_t o = 0;
    size_t i;

    if (z->nskipped == 0)
        return;
    list[0] = '\0';
    for (i = 0; i < z->nskipped && i < ZS_WARN_NAMES; i++)
        o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i > 0 ? ", " : "",
                              z->skipped[i]);
    log_warn("zonesync: %s: %zu RRset%s of types dnsprop cannot write left out (the plan "
             "neither creates nor deletes %s): %s%s",
             b->src, z->nskipped, z->nskipped == 1 ? "" : "s",
             z->nskipped == 1 ? "it" : "them", list,
             z->nskipped > ZS_WARN_NAMES ? ", ..." : "");
}

/* The entries [i, j) of one RRset into *s (the values moved; s->values is
 * set first, so that s is to be freed once it is not NULL). */
static int build_set(builder_t *b, size_t i, size_t j, zs_rrset_t *s)
{
    const zs_ent_t *e = &b->ents[i];
    uint32_t lo = e->ttl;
    uint32_t hi = e->ttl;
    char tb[16];
    size_t k;

    s->values = calloc(j - i, sizeof(*s->values));
    if (s->values == NULL)
        return -ENOMEM;
    s->name = strdup(e->name);
    if (s->name == NULL)
        return -ENOMEM;
    s->type = e->type;
    for (k = i; k < j; k++) {
        zs_ent_t *f = &b->ents[k];
        if (f->ttl < lo)
            lo = f->ttl;
        if (f->ttl > hi)
            hi = f->ttl;
        /* Sorted: a duplicate follows its twin. */
        if (s->nvalues > 0 && strcmp(s->values[s->nvalues - 1], f->value) == 0)
            continue;
        s->values[s->nvalues++] = f->value;
        f->value = NULL;
    }
    if (lo != hi)
        log_warn("zonesync: %s: %s %s has records with TTLs %u to %u; using %u for the "
                 "RRset (RFC 2181 5.2)",
                 b->src, s->name, type_str(s->type, tb), (unsigned)lo, (unsigned)hi,
                 (unsigned)lo);
    s->ttl = lo;
    return 0;
}

/* Sort, group and check the entries into *out (empty on error). */
static int builder_finish(builder_t *b, zs_zone_t *out, char *err, size_t errlen)
{
    zs_rrset_t *sets = NULL;
    char **skipped = NULL;
    size_t nsets = 0;
    size_t nskipped = 0;
    size_t i;
    size_t j;
    size_t name_from = 0;
    int ret = 0;

    for (i = 0; i < b->n; i++)
        b->ents[i].wire = b->arena + b->ents[i].woff;
    if (b->n > 0)
        qsort(b->ents, b->n, sizeof(*b->ents), ent_cmp);
    /* Upper bounds: one RRset / one skipped RRset per entry. */
    if (b->n > 0) {
        sets = calloc(b->n, sizeof(*sets));
        skipped = calloc(b->n, sizeof(*skipped));
        if (sets == NULL || skipped == NULL) {
            ret = -ENOMEM;
            goto out;
        }
    }
    for (i = 0; i < b->n; i = j) {
        zs_ent_t *e = &b->ents[i];
        char tb[16];

        if (i == 0 || strcmp(e->name, b->ents[name_from].name) != 0) {
            size_t k = i;
            name_from = i;
            while (k < b->n && strcmp(b->ents[k].name, e->name) == 0)
                k++;
            ret = check_cname(b, i, k, err, errlen);
            if (ret < 0)
                goto out;
        }
        for (j = i + 1; j < b->n && same_set(&b->ents[j], e); j++)
            ;
        if (e->value == NULL) {
            size_t len = strlen(e->name) + 20;
            skipped[nskipped] = malloc(len);
            if (skipped[nskipped] == NULL) {
                ret = -ENOMEM;
                goto out;
            }
            snprintf(skipped[nskipped], len, "%s %s", e->name, type_str(e->type, tb));
            nskipped++;
            continue;
        }
        ret = build_set(b, i, j, &sets[nsets]);
        if (sets[nsets].values != NULL)
            nsets++;
        if (ret < 0)
            goto out;
    }
    out->origin = strdup(b->apex_text);
    if (out->origin == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    out->sets = sets;
    out->n = nsets;
    out->skipped = skipped;
    out->nskipped = nskipped;
    sets = NULL;
    skipped = NULL;
    warn_skipped(b, out);
out:
    for (i = 0; sets != NULL && i < nsets; i++)
        rrset_free(&sets[i]);
    free(sets);
    for (i = 0; skipped != NULL && i < nskipped; i++)
        free(skipped[i]);
    free(skipped);
    return ret;
}

/* ---- zone file ------------------------------------------------------------------ */

/* A syntax pass over the file, record by record, freeing each: on a
 * syntax error ldns_zone_new_frm_fp_l (1.8.3) frees its zone shallowly
 * and leaks every record read before the error. Both share ldns's record
 * parser, so they agree on the errors and on the line numbers; the file
 * is parsed twice, once without keeping anything. */
static ldns_status syntax_pass(FILE *fp, const ldns_rdf *origin, int *line)
{
    ldns_rdf *orig = ldns_rdf_clone(origin);
    ldns_rdf *prev = ldns_rdf_clone(origin);
    ldns_status st = LDNS_STATUS_OK;
    uint32_t ttl = 0;

    if (orig == NULL || prev == NULL) {
        st = LDNS_STATUS_MEM_ERR;
        goto out;
    }
    while (!feof(fp)) {
        ldns_rr *rr = NULL;

        st = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &orig, &prev, line);
        ldns_rr_free(rr);
        if (st == LDNS_STATUS_SYNTAX_INCLUDE) {
            st = LDNS_STATUS_SYNTAX_INCLUDE_ERR_NOTIMPL; /* as the zone parser says */
            break;
        }
        if (st != LDNS_STATUS_OK && st != LDNS_STATUS_SYNTAX_EMPTY &&
            st != LDNS_STATUS_SYNTAX_TTL && st != LDNS_STATUS_SYNTAX_ORIGIN)
            break;
        st = LDNS_STATUS_OK;
    }
out:
    ldns_rdf_deep_free(orig);
    ldns_rdf_deep_free(prev);
    return st;
}

/* ldns's complaint, said for people: ldns 1.8.3 says "could not parse
 * the RR's rdata" (or "Invalid string") for a character-string over 255
 * octets (RFC 1035 3.3), a TXT one most often. */
static const char *status_msg(ldns_status st, const zf_text_t *t, int line)
{
    if (st == LDNS_STATUS_INVALID_STR ||
        (st == LDNS_STATUS_SYNTAX_RDATA_ERR && zf_text_long_string(t, line)))
        return "a character-string (a TXT string, ...) is over 255 octets or malformed "
               "(RFC 1035 3.3): split a long TXT value into several quoted strings of at "
               "most 255 octets each";
    return dnsq_status_str(st);
}

/* The zone file at path, its $INCLUDE and $GENERATE expanded
 * (zonefile.h), parsed by ldns into *z, origin its origin (err:
 * "FILE:LINE: ...", the line as written, also in an included file). */
static int parse_file(const char *path, const ldns_rdf *origin, ldns_zone **z, char *err,
                      size_t errlen)
{
    zf_text_t *t = NULL;
    char *otext = ldns_rdf2str(origin);
    const char *data;
    const char *file = path;
    long fline = 0;
    FILE *fp = NULL;
    size_t len = 0;
    ldns_status st;
    int line = 0;
    int ret;

    *z = NULL;
    ret = otext == NULL ? -ENOMEM : zf_expand(path, otext, NULL, &t, err, errlen);
    free(otext);
    if (ret < 0)
        return ret;
    data = zf_text_data(t, &len);
    /* glibc's fmemopen refuses a size of 0; an empty file is one newline */
    if (len == 0) {
        data = "\n";
        len = 1;
    }
    fp = fmemopen((void *)(uintptr_t)data, len, "r");
    if (fp == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    st = syntax_pass(fp, origin, &line);
    if (st == LDNS_STATUS_OK) {
        rewind(fp);
        line = 0;
        /* ttl 0: records with no TTL and no $TTL before them get ldns's
         * default (3600), or the last TTL stated (RFC 1035 5.1). */
        st = ldns_zone_new_frm_fp_l(z, fp, origin, 0, LDNS_RR_CLASS_IN, &line);
    }
    if (st != LDNS_STATUS_OK) {
        zf_text_where(t, line, &file, &fline);
        snprintf(err, errlen, "%s:%ld: %s", file, fline, status_msg(st, t, line));
        ret = dnsq_status_code(st) == -ENOMEM ? -ENOMEM : DP_EPARSE;
        *z = NULL;
    }
out:
    if (fp != NULL)
        fclose(fp);
    zf_text_destroy(t);
    return ret;
}

/* The file's SOA (may be NULL) against the apex: it sets the apex when no
 * origin was given, else it must be the apex's. */
static int check_soa(builder_t *b, const ldns_rr *soa, bool have_origin, zs_zone_t *out,
                     char *err, size_t errlen)
{
    const char *path = b->src;
    char name[RDATA_NAME_TEXT_MAX];
    dnsq_rr_t v;

    if (soa == NULL) {
        if (have_origin)
            return 0;
        snprintf(err, errlen,
                 "%s: no SOA and no origin given: give the zone's origin (the SOA is "
                 "not needed: the target keeps its own)",
                 path);
        return DP_EPARSE;
    }
    dnsq_rr_view(soa, &v);
    if (dnsq_rr_owner(&v, name, sizeof(name)) < 0) {
        snprintf(err, errlen, "%s: the SOA's owner is malformed", path);
        return DP_EPARSE;
    }
    if (under_sentinel(b, v.owner)) {
        snprintf(err, errlen,
                 "%s: the SOA's owner is relative with no $ORIGIN before it: add "
                 "$ORIGIN or give the zone's origin",
                 path);
        return DP_EPARSE;
    }
    if (!have_origin) {
        int ret = builder_set_apex(b, v.owner);
        if (ret < 0)
            return ret;
    } else if (!rdata_name_wire_equal(v.owner, b->apex)) {
        snprintf(err, errlen,
                 "%s: the SOA is for %.300s, not for the zone %.300s: is it the "
                 "right file?",
                 path, name, b->apex_text);
        return DP_EPARSE;
    }
    dnsq_rr_soa_serial(&v, &out->serial);
    out->has_soa = true;
    return 0;
}

/* origin (canonical) as the builder's apex, and as ldns's origin. */
static int set_origin(builder_t *b, const char *path, const char *origin, ldns_rdf **orig,
                      char *err, size_t errlen)
{
    char canon[RDATA_NAME_TEXT_MAX];
    unsigned char apex[256];
    int ret;

    if (origin != NULL) {
        if (rdata_name_canon(origin, canon, sizeof(canon)) < 0 ||
            rdata_name_to_wire(canon, apex, sizeof(apex)) < 0) {
            snprintf(err, errlen, "%s: origin '%.300s' is not a domain name", path,
                     origin);
            return DP_EBADNAME;
        }
        ret = builder_set_apex(b, apex);
        if (ret < 0)
            return ret;
    }
    *orig = ldns_dname_new_frm_str(origin != NULL ? canon : ZS_NO_ORIGIN);
    return *orig == NULL ? -ENOMEM : 0;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The RRsets of the file that the target owns (as builder_add drops
 * them: the SOA, the apex NS, the signer's types) into out->owned, as
 * "NAME TYPE", sorted and unique. */
static int list_owned(const builder_t *b, const ldns_zone *z, zs_zone_t *out)
{
    const ldns_rr_list *rrs = ldns_zone_rrs(z);
    size_t n = ldns_rr_list_rr_count(rrs);
    size_t cap = 0;
    size_t i;

    for (i = 0; i <= n; i++) {
        const ldns_rr *rr = i < n ? ldns_rr_list_rr(rrs, i) : ldns_zone_soa(z);
        char name[RDATA_NAME_TEXT_MAX];
        char tb[16];
        char **e;
        dnsq_rr_t v;

        if (rr == NULL)
            continue;
        dnsq_rr_view(rr, &v);
        if (!(v.type == RDATA_T_SOA || signer_type(v.type) ||
              (v.type == RDATA_T_NS && rdata_name_wire_equal(v.owner, b->apex))))
            continue;
        if (dnsq_rr_owner(&v, name, sizeof(name)) < 0)
            continue; /* builder_add reports it */
        e = VEC_PUSH(out->owned, out->nowned, cap);
        if (e == NULL)
            return -ENOMEM;
        if (asprintf(e, "%s %s", name, type_str(v.type, tb)) < 0) {
            *e = NULL;
            out->nowned--;
            return -ENOMEM;
        }
    }
    if (out->nowned > 1)
        qsort(out->owned, out->nowned, sizeof(*out->owned), str_cmp);
    for (i = 1, n = out->nowned > 0 ? 1 : 0; i < out->nowned; i++) {
        if (strcmp(out->owned[i], out->owned[n - 1]) == 0)
            free(out->owned[i]);
        else
            out->owned[n++] = out->owned[i];
    }
    out->nowned = n;
    return 0;
}

int zs_zone_load(const char *path, const char *origin, zs_zone_t *out, size_t *skipped,
                 char *err, size_t errlen)
{
    builder_t b;
    ldns_zone *z = NULL;
    ldns_rdf *orig = NULL;
    ldns_rr_list *rrs;
    size_t i;
    int ret;

    memset(out, 0, sizeof(*out));
    if (skipped != NULL)
        *skipped = 0;
    ret = builder_init(&b, path, origin == NULL);
    if (ret == 0)
        ret = set_origin(&b, path, origin, &orig, err, errlen);
    if (ret == 0)
        ret = parse_file(path, orig, &z, err, errlen);
    if (ret == 0)
        ret = check_soa(&b, ldns_zone_soa(z), origin != NULL, out, err, errlen);
    if (ret < 0)
        goto out;
    rrs = ldns_zone_rrs(z);
    for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
        dnsq_rr_t v;
        dnsq_rr_view(ldns_rr_list_rr(rrs, i), &v);
        ret = builder_add(&b, &v, err, errlen);
        if (ret < 0)
            goto out;
    }
    ret = builder_finish(&b, out, err, errlen);
    if (ret == 0)
        ret = list_owned(&b, z, out);
    if (ret == 0 && skipped != NULL)
        *skipped = out->nskipped;
out:
    if (ret < 0) {
        if (ret == -ENOMEM)
            snprintf(err, errlen, "%s: out of memory", path);
        quote_message(err, errlen); /* messages quote the file's lines */
        zs_zone_free(out);
    }
    if (z != NULL)
        ldns_zone_deep_free(z);
    ldns_rdf_deep_free(orig);
    builder_clear(&b);
    return ret;
}

/* ---- AXFR ------------------------------------------------------------------------ */

/* zs_zone_axfr's each: the builder, and the serial of the opening SOA
 * (the only SOA each is given). */
typedef struct {
    builder_t b;
    uint32_t serial;
} axfr_zone_t;

static int axfr_zone_rr(const dnsq_rr_t *rr, void *arg, char *err, size_t errlen)
{
    axfr_zone_t *z = arg;
    int ret;

    dnsq_rr_soa_serial(rr, &z->serial);
    ret = builder_add(&z->b, rr, err, errlen);
    /* A record that cannot be in the zone: the primary's data, not ours. */
    return ret == DP_EPARSE ? -EPROTO : ret;
}

int zs_zone_axfr(const char *server, const char *zone, const char *tsig, zs_zone_t *out,
                 char *err, size_t errlen)
{
    char canon[RDATA_NAME_TEXT_MAX];
    unsigned char apex[256];
    char what[RDATA_NAME_TEXT_MAX + PROBE_NS_TEXT_MAX + 32];
    char sub[2048] = "";
    probe_ns_t ns;
    axfr_zone_t z;
    int ret;

    memset(out, 0, sizeof(*out));
    memset(&z, 0, sizeof(z));
    ret = dnsq_axfr_check(server, zone, &ns, canon, apex, sub, sizeof(sub));
    if (ret < 0) {
        snprintf(err, errlen, "zonesync: %s", sub);
        return ret;
    }
    snprintf(what, sizeof(what), "AXFR %s from %s", canon, ns.text);
    ret = builder_init(&z.b, what, false);
    if (ret == 0)
        ret = builder_set_apex(&z.b, apex);
    if (ret == 0)
        ret = dnsq_axfr_each(server, canon, tsig, what, "primary", axfr_zone_rr, &z, sub,
                             sizeof(sub));
    if (ret == 0) {
        out->has_soa = true;
        out->serial = z.serial;
        ret = builder_finish(&z.b, out, sub, sizeof(sub));
        if (ret == DP_EPARSE)
            ret = -EPROTO;
    }
    /* zonesync.h: a refusal is -EPROTO here, as malformed data is. */
    if (ret == -EACCES)
        ret = -EPROTO;
    if (ret == -ENOMEM)
        snprintf(err, errlen, "zonesync: %s: out of memory", what);
    else if (ret < 0)
        snprintf(err, errlen, "zonesync: %s", sub);
    if (ret < 0)
        zs_zone_free(out);
    builder_clear(&z.b);
    return ret;
}

/* ---- the plan --------------------------------------------------------------------- */

typedef struct {
    const zs_rrset_t *set;
    size_t woff;
    const unsigned char *wire;
} pkey_t;

static int pkey_cmp(const void *pa, const void *pb)
{
    const pkey_t *a = pa;
    const pkey_t *b = pb;
    int c = wire_cmp(a->wire, b->wire);

    if (c != 0)
        return c;
    return a->set->type < b->set->type ? -1 : a->set->type > b->set->type;
}

/* The RRsets of z, sorted by (name, type), into *keys (wire forms in
 * *arena). DP_EUSAGE for a bad name or a repeated (name, type). */
static int keyed(const zs_zone_t *z, pkey_t **keys, unsigned char **arena)
{
    pkey_t *k = NULL;
    unsigned char *a = NULL;
    size_t total = 0;
    size_t used = 0;
    size_t i;
    int ret = -ENOMEM;

    *keys = NULL;
    *arena = NULL;
    if (z->n == 0)
        return 0;
    /* A wire name takes at most two octets more than its text ("a" ->
     * 01 61 00). */
    for (i = 0; i < z->n; i++) {
        size_t len = z->sets[i].name != NULL ? strlen(z->sets[i].name) + 2 : 0;
        if (len == 0 || total > SIZE_MAX - len) {
            ret = len == 0 ? DP_EUSAGE : -ENOMEM;
            goto out;
        }
        total += len;
    }
    k = calloc(z->n, sizeof(*k));
    a = malloc(total);
    if (k == NULL || a == NULL)
        goto out;
    for (i = 0; i < z->n; i++) {
        int len = rdata_name_to_wire(z->sets[i].name, a + used, total - used);
        if (len < 0) {
            ret = DP_EUSAGE;
            goto out;
        }
        k[i].set = &z->sets[i];
        k[i].woff = used;
        used += (size_t)len;
    }
    for (i = 0; i < z->n; i++)
        k[i].wire = a + k[i].woff;
    qsort(k, z->n, sizeof(*k), pkey_cmp);
    for (i = 1; i < z->n; i++) {
        if (pkey_cmp(&k[i - 1], &k[i]) == 0) {
            ret = DP_EUSAGE;
            goto out;
        }
    }
    *keys = k;
    *arena = a;
    return 0;
out:
    free(k);
    free(a);
    return ret;
}

static bool value_in(const zs_rrset_t *s, const char *v)
{
    size_t i;

    for (i = 0; i < s->nvalues; i++) {
        if (strcmp(s->values[i], v) == 0)
            return true;
    }
    return false;
}

/* Same TTL and the same set of values. */
static bool rrset_equal(const zs_rrset_t *a, const zs_rrset_t *b)
{
    size_t i;

    if (a->ttl != b->ttl)
        return false;
    for (i = 0; i < a->nvalues; i++) {
        if (!value_in(b, a->values[i]))
            return false;
    }
    for (i = 0; i < b->nvalues; i++) {
        if (!value_in(a, b->values[i]))
            return false;
    }
    return true;
}

/* A create at a name and a delete there that cannot both be in the zone:
 * one of them is a CNAME (RFC 1034 3.6.2). */
static bool conflicts(const zs_rrset_t *create, const zs_rrset_t *del)
{
    return (create->type == RDATA_T_CNAME) != (del->type == RDATA_T_CNAME);
}

/* zs_plan's lists between the merge and the ordering. */
typedef struct {
    zs_change_t *cu; /* creates and updates */
    const unsigned char **cuw;
    size_t ncu;
    pkey_t **del; /* deletes, by their key */
    bool *done;
    size_t ndel;
} plan_work_t;

/* Merge the two sorted lists into creates, updates and deletes. */
static void plan_merge(const zs_zone_t *want, const zs_zone_t *have, const pkey_t *wk,
                       pkey_t *hk, plan_work_t *w, zs_plan_t *plan)
{
    size_t i = 0;
    size_t j = 0;

    while (i < want->n || j < have->n) {
        int c = i == want->n ? 1 : j == have->n ? -1 : pkey_cmp(&wk[i], &hk[j]);

        if (c < 0) {
            w->cu[w->ncu].kind = OP_RECORD_CREATE;
            w->cu[w->ncu].want = wk[i].set;
            w->cuw[w->ncu++] = wk[i].wire;
            plan->creates++;
            i++;
        } else if (c > 0) {
            w->del[w->ndel++] = &hk[j];
            plan->deletes++;
            j++;
        } else {
            if (rrset_equal(wk[i].set, hk[j].set)) {
                plan->unchanged++;
            } else {
                w->cu[w->ncu].kind = OP_RECORD_UPDATE;
                w->cu[w->ncu].want = wk[i].set;
                w->cu[w->ncu].have = hk[j].set;
                w->cuw[w->ncu++] = wk[i].wire;
                plan->updates++;
            }
            i++;
            j++;
        }
    }
}

/* Creates and updates in order; a conflicting delete just before its
 * create; then the other deletes. */
static void plan_order(plan_work_t *w, zs_plan_t *plan)
{
    size_t i;
    size_t k;

    for (i = 0; i < w->ncu; i++) {
        if (w->cu[i].kind == OP_RECORD_CREATE && w->ndel > 0) {
            size_t lo = 0;
            size_t hi = w->ndel;
            /* first delete at or after this name */
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (wire_cmp(w->del[mid]->wire, w->cuw[i]) < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (k = lo; k < w->ndel && wire_cmp(w->del[k]->wire, w->cuw[i]) == 0; k++) {
                if (!w->done[k] && conflicts(w->cu[i].want, w->del[k]->set)) {
                    plan->changes[plan->n].kind = OP_RECORD_DELETE;
                    plan->changes[plan->n++].have = w->del[k]->set;
                    w->done[k] = true;
                }
            }
        }
        plan->changes[plan->n++] = w->cu[i];
    }
    for (k = 0; k < w->ndel; k++) {
        if (!w->done[k]) {
            plan->changes[plan->n].kind = OP_RECORD_DELETE;
            plan->changes[plan->n++].have = w->del[k]->set;
        }
    }
}

int zs_plan(const zs_zone_t *want, const zs_zone_t *have, zs_plan_t *plan)
{
    pkey_t *wk = NULL;
    pkey_t *hk = NULL;
    unsigned char *wa = NULL;
    unsigned char *ha = NULL;
    plan_work_t w;
    int ret;

    memset(plan, 0, sizeof(*plan));
    memset(&w, 0, sizeof(w));
    if ((want->origin == NULL) != (have->origin == NULL) ||
        (want->origin != NULL && strcmp(want->origin, have->origin) != 0))
        return DP_EUSAGE;
    ret = keyed(want, &wk, &wa);
    if (ret == 0)
        ret = keyed(have, &hk, &ha);
    if (ret < 0)
        goto out;
    ret = -ENOMEM;
    if (want->n + have->n > 0) {
        w.cu = calloc(want->n + 1, sizeof(*w.cu));
        w.cuw = calloc(want->n + 1, sizeof(*w.cuw));
        w.del = calloc(have->n + 1, sizeof(*w.del));
        w.done = calloc(have->n + 1, sizeof(*w.done));
        plan->changes = calloc(want->n + have->n, sizeof(*plan->changes));
        if (w.cu == NULL || w.cuw == NULL || w.del == NULL || w.done == NULL ||
            plan->changes == NULL)
            goto out;
    }
    plan_merge(want, have, wk, hk, &w, plan);
    plan_order(&w, plan);
    plan->existing = have->n;
    plan->want = want;
    plan->have = have;
    ret = zs_cuts_build(want, &plan->want_cuts);
    if (ret == 0)
        ret = zs_cuts_build(have, &plan->have_cuts);
out:
    if (ret < 0)
        zs_plan_free(plan);
    free(wk);
    free(hk);
    free(wa);
    free(ha);
    free(w.cu);
    free(w.cuw);
    free(w.del);
    free(w.done);
    return ret;
}

zs_measure_t zs_plan_measure(const zs_plan_t *plan, const zs_change_t *ch,
                             const char **cut)
{
    const zs_rrset_t *rs = ch->want != NULL ? ch->want : ch->have;

    return zs_cuts_measure(ch->want != NULL ? plan->want_cuts : plan->have_cuts, rs->name,
                           rs->type, cut);
}

void zs_plan_free(zs_plan_t *plan)
{
    if (plan == NULL)
        return;
    zs_cuts_free(plan->want_cuts);
    zs_cuts_free(plan->have_cuts);
    free(plan->changes);
    memset(plan, 0, sizeof(*plan));
}

/* "updates 3 of 20 existing RRsets (15%) > max_update_pct 10" when n is
 * too many; nothing otherwise. */
static bool over(char *why, size_t whylen, size_t *o, const char *verb, size_t n,
                 size_t existing, double max_pct, const char *key)
{
    /* n / existing > max / 100, without dividing */
    if ((double)n * 100.0 <= max_pct * (double)existing)
        return false;
    if (*o < whylen)
        *o += (size_t)snprintf(why + *o, whylen - *o,
                               "%s%s %zu of %zu existing RRsets (%.3g%%) > %s %g",
                               *o == 0 ? "plan " : "; ", verb, n, existing,
                               (double)n * 100.0 / (double)existing, key, max_pct);
    return true;
}

int zs_plan_check(const zs_plan_t *plan, double max_update_pct, double max_delete_pct,
                  char *why, size_t whylen)
{
    size_t o = 0;
    bool unsafe = false;

    if (whylen > 0)
        why[0] = '\0';
    if (isnan(max_update_pct) || isnan(max_delete_pct) || max_update_pct < 0 ||
        max_delete_pct < 0) {
        snprintf(why, whylen, "max_update_pct and max_delete_pct must be >= 0");
        return -EINVAL;
    }
    /* octoDNS's MIN_EXISTING_RECORDS: small zones are exempt. */
    if (plan->existing < ZS_MIN_EXISTING)
        return 0;
    unsafe |= over(why, whylen, &o, "updates", plan->updates, plan->existing,
                   max_update_pct, "max_update_pct");
    unsafe |= over(why, whylen, &o, "deletes", plan->deletes, plan->existing,
                   max_delete_pct, "max_delete_pct");
    if (!unsafe)
        return 0;
    if (o < whylen)
        snprintf(why + o, whylen - o, ": use --force to apply it");
    return DP_EUSAGE;
}

/* ---- output -------------------------------------------------------------------- */

static void print_set(FILE *f, const zs_rrset_t *s)
{
    size_t i;

    fprintf(f, "%u ", (unsigned)s->ttl);
    for (i = 0; i < s->nvalues; i++)
        fprintf(f, "%s%s", i > 0 ? ", " : "", s->values[i]);
}

static const char *plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* The RRsets a plan leaves out: a list of "NAME TYPE" strings. */
typedef struct {
    const char *key;     /* JSON key */
    const char *heading; /* text heading */
    char *const *list;
    size_t n;
} left_out_t;

/* The three lists of a plan (some may be empty; zones may be NULL). */
static size_t left_out(const zs_plan_t *plan, left_out_t out[3])
{
    const zs_zone_t *w = plan->want;
    const zs_zone_t *h = plan->have;

    out[0] = (left_out_t){"owned", "left to the target (it owns them; not synced)",
                          w != NULL ? w->owned : NULL, w != NULL ? w->nowned : 0};
    out[1] = (left_out_t){
        "skipped", "SKIPPED in the zone file (types dnsprop cannot write; NOT synced)",
        w != NULL ? w->skipped : NULL, w != NULL ? w->nskipped : 0};
    out[2] = (left_out_t){"skipped_on_target",
                          "skipped on the target (types dnsprop cannot write; left as "
                          "they are)",
                          h != NULL ? h->skipped : NULL, h != NULL ? h->nskipped : 0};
    return 3;
}

/* Count per type of a list of "NAME TYPE", in order of first appearance:
 * types[k] (pointing into the list) and counts[k]; returns how many. */
static size_t by_type(const left_out_t *l, const char **types, size_t *counts, size_t cap)
{
    size_t nt = 0;
    size_t i;
    size_t k;

    for (i = 0; i < l->n; i++) {
        const char *sp = strrchr(l->list[i], ' ');
        const char *t = sp != NULL ? sp + 1 : l->list[i];
        for (k = 0; k < nt && strcmp(types[k], t) != 0; k++)
            ;
        if (k == nt && nt == cap)
            continue;
        if (k == nt) {
            types[nt] = t;
            counts[nt++] = 0;
        }
        counts[k]++;
    }
    return nt;
}

static void print_left_out(FILE *f, const left_out_t *l)
{
    const char *types[64];
    size_t counts[64];
    size_t nt;
    size_t i;

    if (l->n == 0)
        return;
    nt = by_type(l, types, counts, 64);
    fprintf(f, "%s: %zu %s (", l->heading, l->n, l->n == 1 ? "RRset" : "RRsets");
    for (i = 0; i < nt; i++)
        fprintf(f, "%s%s %zu", i > 0 ? ", " : "", types[i], counts[i]);
    fputs(")\n", f);
    for (i = 0; i < l->n; i++)
        fprintf(f, "    %s\n", l->list[i]);
}

void zs_plan_print(FILE *f, const zs_plan_t *plan)
{
    left_out_t lo[3];
    size_t nlo = left_out(plan, lo);
    char tb[16];
    size_t i;

    for (i = 0; i < plan->n; i++) {
        const zs_change_t *c = &plan->changes[i];
        const zs_rrset_t *s = c->want != NULL ? c->want : c->have;

        switch (c->kind) {
        case OP_RECORD_CREATE:
            fprintf(f, "+ create %s %s ", s->name, type_str(s->type, tb));
            print_set(f, c->want);
            break;
        case OP_RECORD_UPDATE:
            fprintf(f, "~ update %s %s (", s->name, type_str(s->type, tb));
            print_set(f, c->have);
            fputs(" -> ", f);
            print_set(f, c->want);
            fputc(')', f);
            break;
        default:
            fprintf(f, "- delete %s %s ", s->name, type_str(s->type, tb));
            print_set(f, c->have);
            break;
        }
        zs_cuts_note(f, plan, c);
        fputc('\n', f);
    }
    zs_cuts_print(f, plan);
    for (i = 0; i < nlo; i++)
        print_left_out(f, &lo[i]);
    if (lo[1].n > 0)
        fprintf(f,
                "WARNING: %zu %s of the zone file %s not synced (types dnsprop cannot "
                "write): the target will not match the file\n",
                lo[1].n, plural(lo[1].n, "RRset", "RRsets"), lo[1].n == 1 ? "is" : "are");
    fprintf(f, "plan: %zu %s, %zu %s, %zu %s, %zu unchanged (%zu %s on the target)\n",
            plan->creates, plural(plan->creates, "create", "creates"), plan->updates,
            plural(plan->updates, "update", "updates"), plan->deletes,
            plural(plan->deletes, "delete", "deletes"), plan->unchanged, plan->existing,
            plural(plan->existing, "RRset", "RRsets"));
}

static json_t *values_json(const zs_rrset_t *s)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; a != NULL && i < s->nvalues; i++) {
        if (json_array_append_new(a, json_string(s->values[i])) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* As scenario.c's op_kind_str(), without linking the scenario parser. */
static const char *op_name(op_kind_t k)
{
    switch (k) {
    case OP_RECORD_CREATE:
        return "record_create";
    case OP_RECORD_UPDATE:
        return "record_update";
    case OP_RECORD_DELETE:
        return "record_delete";
    default:
        return "unknown";
    }
}

static json_t *change_json(const zs_plan_t *plan, const zs_change_t *c)
{
    const zs_rrset_t *s = c->want != NULL ? c->want : c->have;
    const char *cut = NULL;
    zs_measure_t m = zs_plan_measure(plan, c, &cut);
    char tb[16];
    json_t *o = json_object();
    int bad = o == NULL;

    bad = bad || json_object_set_new(o, "op", json_string(op_name(c->kind))) < 0;
    bad = bad || json_object_set_new(o, "name", json_string(s->name)) < 0;
    bad = bad || json_object_set_new(o, "type", json_string(type_str(s->type, tb))) < 0;
    bad = bad || json_object_set_new(o, "ttl", json_integer(s->ttl)) < 0;
    bad = bad || json_object_set_new(o, "values", values_json(s)) < 0;
    if (c->kind == OP_RECORD_UPDATE) {
        bad = bad || json_object_set_new(o, "old_ttl", json_integer(c->have->ttl)) < 0;
        bad = bad || json_object_set_new(o, "old_values", values_json(c->have)) < 0;
    }
    bad =
        bad || json_object_set_new(o, "measured_by", json_string(zs_measure_str(m))) < 0;
    if (cut != NULL)
        bad = bad || json_object_set_new(o, "cut", json_string(cut)) < 0;
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* {"count":N,"by_type":{...},"rrsets":[...]} */
static json_t *left_out_json(const left_out_t *l)
{
    const char *types[64];
    size_t counts[64];
    size_t nt = by_type(l, types, counts, 64);
    json_t *o = json_object();
    json_t *bt = json_object();
    json_t *a = json_array();
    size_t i;
    int bad = o == NULL || bt == NULL || a == NULL;

    for (i = 0; !bad && i < nt; i++)
        bad = json_object_set_new(bt, types[i], json_integer((json_int_t)counts[i])) < 0;
    for (i = 0; !bad && i < l->n; i++)
        bad = json_array_append_new(a, json_string(l->list[i])) < 0;
    bad = bad || json_object_set_new(o, "count", json_integer((json_int_t)l->n)) < 0;
    if (!bad) {
        bad = json_object_set_new(o, "by_type", bt) < 0;
        bt = NULL;
    }
    if (!bad) {
        bad = json_object_set_new(o, "rrsets", a) < 0;
        a = NULL;
    }
    json_decref(bt);
    json_decref(a);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The lists of what the plan leaves out, and "complete", into root. */
static int left_out_into(json_t *root, const zs_plan_t *plan)
{
    left_out_t lo[3];
    size_t nlo = left_out(plan, lo);
    size_t i;

    for (i = 0; i < nlo; i++) {
        if (json_object_set_new(root, lo[i].key, left_out_json(&lo[i])) < 0)
            return -ENOMEM;
    }
    return json_object_set_new(root, "complete", json_boolean(lo[1].n == 0)) < 0 ? -ENOMEM
                                                                                 : 0;
}

json_t *zs_plan_json(const zs_plan_t *plan)
{
    json_t *root = json_object();
    json_t *changes = json_array();
    size_t i;
    int bad = root == NULL || changes == NULL;

    bad = bad ||
          json_object_set_new(root, "creates", json_integer((json_int_t)plan->creates));
    bad = bad ||
          json_object_set_new(root, "updates", json_integer((json_int_t)plan->updates));
    bad = bad ||
          json_object_set_new(root, "deletes", json_integer((json_int_t)plan->deletes));
    bad = bad || json_object_set_new(root, "unchanged",
                                     json_integer((json_int_t)plan->unchanged));
    bad = bad ||
          json_object_set_new(root, "existing", json_integer((json_int_t)plan->existing));
    bad = bad || left_out_into(root, plan) < 0;
    bad = bad || json_object_set_new(root, "below_cuts", zs_cuts_json(plan)) < 0;
    for (i = 0; !bad && i < plan->n; i++)
        bad = json_array_append_new(changes, change_json(plan, &plan->changes[i])) < 0;
    if (!bad) {
        bad = json_object_set_new(root, "changes", changes) < 0;
        changes = NULL;
    }
    json_decref(changes);
    if (bad) {
        json_decref(root);
        return NULL;
    }
    return root;
}
