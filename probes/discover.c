/*
 * discover: a zone's authoritative addresses (see discover.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "harness/common/vec.h"
#include "probes/discover.h"
#include "probes/dnsq.h"
#include "probes/rdata.h"

typedef struct {
    discover_t *d;
    size_t cap, capno;
    char *names[DISCOVER_MAX_NS]; /* the NS names, canonical */
    bool has_addr[DISCOVER_MAX_NS];
    size_t nnames;
} disc_t;

/* An ldns name as canonical text (lower case, final dot). */
static int name_text(const ldns_rdf *rdf, char *out, size_t len)
{
    char *s = ldns_rdf2str(rdf);
    int ret = DP_EBADNAME;

    if (s != NULL && rdata_name_canon(s, out, len) == 0)
        ret = 0;
    free(s);
    return ret;
}

static bool owner_is(const ldns_rr *rr, const char *name)
{
    char o[RDATA_NAME_TEXT_MAX];

    return name_text(ldns_rr_owner(rr), o, sizeof(o)) == 0 && strcmp(o, name) == 0;
}

/* The NS names of zone in list (owner zone, type NS). */
static void take_ns(disc_t *x, const ldns_rr_list *list, const char *zone)
{
    for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(list, i);
        char n[RDATA_NAME_TEXT_MAX];
        size_t k;
        if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS || !owner_is(rr, zone) ||
            ldns_rr_rd_count(rr) < 1 || name_text(ldns_rr_rdf(rr, 0), n, sizeof(n)) < 0)
            continue;
        for (k = 0; k < x->nnames && strcmp(x->names[k], n) != 0; k++)
            ;
        if (k == x->nnames && x->nnames < DISCOVER_MAX_NS &&
            (x->names[x->nnames] = strdup(n)) != NULL)
            x->nnames++;
    }
}

static int add_ep(disc_t *x, size_t k, const ldns_rr *rr, uint16_t port, bool glue)
{
    const ldns_rdf *f = ldns_rr_rd_count(rr) > 0 ? ldns_rr_rdf(rr, 0) : NULL;
    bool v6 = ldns_rr_get_type(rr) == LDNS_RR_TYPE_AAAA;
    char a[INET6_ADDRSTRLEN];
    char text[INET6_ADDRSTRLEN + 16];
    discover_ep_t *e;
    size_t i;

    if (f == NULL || ldns_rdf_size(f) != (v6 ? 16u : 4u) ||
        inet_ntop(v6 ? AF_INET6 : AF_INET, ldns_rdf_data(f), a, sizeof(a)) == NULL)
        return 0;
    snprintf(text, sizeof(text), v6 ? "[%s]:%u" : "%s:%u", a, (unsigned)port);
    for (i = 0; i < x->d->n; i++) {
        if (strcmp(x->d->eps[i].ns_name, x->names[k]) == 0 &&
            strcmp(x->d->eps[i].addr.text, text) == 0)
            return 0; /* the same address twice (glue and answer) */
    }
    if (x->d->n >= DISCOVER_MAX_EPS)
        return 0;
    e = VEC_PUSH(x->d->eps, x->d->n, x->cap);
    if (e == NULL)
        return -ENOMEM;
    memset(e, 0, sizeof(*e));
    if (probe_ns_parse(text, &e->addr) < 0) {
        x->d->n--;
        return 0;
    }
    e->v6 = v6;
    e->glue = glue;
    e->ns_name = strdup(x->names[k]);
    /* "ns1.example.com/192.0.2.1": the name without its final dot */
    if (e->ns_name == NULL ||
        asprintf(&e->name, "%.*s/%s", (int)strlen(x->names[k]) - 1, x->names[k], a) < 0) {
        e->name = NULL;
        return -ENOMEM;
    }
    x->has_addr[k] = true;
    return 0;
}

/* Addresses in list for the NS names (owner one of them, A or AAAA). */
static int take_addrs(disc_t *x, const ldns_rr_list *list, uint16_t port, bool glue)
{
    for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(list, i);
        ldns_rr_type t = ldns_rr_get_type(rr);
        if (t != LDNS_RR_TYPE_A && t != LDNS_RR_TYPE_AAAA)
            continue;
        for (size_t k = 0; k < x->nnames; k++) {
            if (owner_is(rr, x->names[k]) && add_ep(x, k, rr, port, glue) < 0)
                return -ENOMEM;
        }
    }
    return 0;
}

static int cmp_ep(const void *a, const void *b)
{
    const discover_ep_t *x = a;
    const discover_ep_t *y = b;
    int c = strcmp(x->ns_name, y->ns_name);

    if (c != 0)
        return c;
    if (x->v6 != y->v6)
        return x->v6 ? 1 : -1;
    return strcmp(x->addr.text, y->addr.text);
}

/* Ask for the A and AAAA of the names without glue; an answer or a
 * referral's glue both count. A name nobody answers for is left without. */
static int ask_addrs(disc_t *x, dnsq_t *q, uint16_t port)
{
    static const uint16_t types[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA};
    size_t nglue = x->nnames;

    for (size_t k = 0; k < nglue; k++) {
        if (x->has_addr[k])
            continue;
        for (size_t t = 0; t < 2; t++) {
            ldns_pkt *p = NULL;
            char why[256];
            int ret;
            if (dnsq_query(q, x->names[k], types[t], &p, why, sizeof(why)) < 0)
                continue;
            ret = take_addrs(x, ldns_pkt_answer(p), port, false);
            if (ret == 0)
                ret = take_addrs(x, ldns_pkt_additional(p), port, false);
            dnsq_pkt_free(p);
            if (ret < 0)
                return ret;
        }
    }
    return 0;
}

/* The zone's NS RRset from the server: its answer, or a referral's. */
static int ask_ns(disc_t *x, dnsq_t *q, const char *zone, ldns_pkt **out, char *err,
                  size_t errlen)
{
    char why[256];
    char rb[16];
    int ret = dnsq_query(q, zone, LDNS_RR_TYPE_NS, out, why, sizeof(why));

    if (ret < 0) {
        snprintf(err, errlen, "%s did not answer %s NS: %s", dnsq_server(q), zone, why);
        return ret;
    }
    if (dnsq_pkt_rcode(*out) != DNSQ_RCODE_NOERROR) {
        snprintf(err, errlen, "%s answered %s to %s NS", dnsq_server(q),
                 rdata_rcode_str(dnsq_pkt_rcode(*out), rb), zone);
        return -EPROTO;
    }
    take_ns(x, ldns_pkt_answer(*out), zone);
    if (x->nnames == 0) {
        take_ns(x, ldns_pkt_authority(*out), zone);
        x->d->referral = x->nnames > 0;
    }
    if (x->nnames == 0) {
        snprintf(err, errlen, "no NS RRset for %s at %s", zone, dnsq_server(q));
        return -ENOENT;
    }
    return 0;
}

int discover_zone(const char *zone, const char *server, uint16_t port, discover_t *out,
                  char *err, size_t errlen)
{
    dnsq_opts_t o = {.timeout_s = 2, .tries = 2, .edns_size = 1232};
    char canon[RDATA_NAME_TEXT_MAX];
    disc_t x;
    dnsq_t *q = NULL;
    ldns_pkt *p = NULL;
    int ret;

    memset(out, 0, sizeof(*out));
    memset(&x, 0, sizeof(x));
    x.d = out;
    if (rdata_name_canon(zone, canon, sizeof(canon)) < 0) {
        snprintf(err, errlen, "'%.300s' is not a zone name", zone);
        return DP_EBADNAME;
    }
    ret = dnsq_create(&q, server, &o, err, errlen);
    if (ret < 0)
        goto out;
    ret = ask_ns(&x, q, canon, &p, err, errlen);
    if (ret < 0)
        goto out;
    /* glue first (RFC 1034 4.3.2 step 3b), then questions for the rest */
    ret = take_addrs(&x, ldns_pkt_additional(p), port, true);
    if (ret == 0)
        ret = ask_addrs(&x, q, port);
    if (ret < 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < x.nnames; k++) {
        char **slot;
        if (x.has_addr[k])
            continue;
        slot = VEC_PUSH(out->noaddr, out->nnoaddr, x.capno);
        if (slot == NULL || (*slot = strdup(x.names[k])) == NULL) {
            ret = -ENOMEM;
            goto out;
        }
    }
    if (out->n == 0) {
        snprintf(err, errlen, "none of %s's %zu NS names has an address at %s", canon,
                 x.nnames, dnsq_server(q));
        ret = -ENOENT;
        goto out;
    }
    qsort(out->eps, out->n, sizeof(*out->eps), cmp_ep);
out:
    for (size_t k = 0; k < x.nnames; k++)
        free(x.names[k]);
    dnsq_pkt_free(p);
    dnsq_destroy(q);
    if (ret < 0)
        discover_free(out);
    return ret;
}

void discover_free(discover_t *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->eps[i].name);
        free(d->eps[i].ns_name);
    }
    for (size_t i = 0; i < d->nnoaddr; i++)
        free(d->noaddr[i]);
    free(d->eps);
    free(d->noaddr);
    memset(d, 0, sizeof(*d));
}
