/*
 * dnssec: answers checked against the zone's keys (see dnssec.h), with
 * ldns's validator.
 */
#include <errno.h>
#include <ldns/ldns.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "probes/dnsmsg.h"
#include "probes/dnsq.h"
#include "probes/dnssec.h"
#include "probes/rdata.h"

struct dnssec_keys {
    atomic_uint refs;
    ldns_rr_list *keys;
    char zone[RDATA_NAME_TEXT_MAX];
    char *none; /* dnssec_keys_none: why there are no keys */
};

static dnssec_keys_t *keys_new(void)
{
    dnssec_keys_t *k = calloc(1, sizeof(*k));

    if (k == NULL)
        return NULL;
    atomic_init(&k->refs, 1);
    k->keys = ldns_rr_list_new();
    if (k->keys == NULL) {
        free(k);
        return NULL;
    }
    return k;
}

dnssec_keys_t *dnssec_keys_ref(dnssec_keys_t *k)
{
    if (k != NULL)
        atomic_fetch_add(&k->refs, 1);
    return k;
}

void dnssec_keys_unref(dnssec_keys_t *k)
{
    if (k == NULL || atomic_fetch_sub(&k->refs, 1) != 1)
        return;
    ldns_rr_list_deep_free(k->keys);
    free(k->none);
    free(k);
}

int dnssec_keys_none(const char *zone, const char *why, dnssec_keys_t **out)
{
    dnssec_keys_t *k = keys_new();

    *out = NULL;
    if (k == NULL || (k->none = strdup(why)) == NULL) {
        dnssec_keys_unref(k);
        return -ENOMEM;
    }
    snprintf(k->zone, sizeof(k->zone), "%s", zone);
    *out = k;
    return 0;
}

const char *dnssec_keys_zone(const dnssec_keys_t *k)
{
    return k->zone;
}

size_t dnssec_keys_count(const dnssec_keys_t *k)
{
    return ldns_rr_list_rr_count(k->keys);
}

/* Keep a DNSKEY (its owner the zone's name, in k->zone once set). */
static int keep_key(dnssec_keys_t *k, const ldns_rr *rr)
{
    char *owner;
    ldns_rr *c;

    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_DNSKEY)
        return 0;
    owner = ldns_rdf2str(ldns_rr_owner(rr));
    if (owner != NULL && k->zone[0] == '\0')
        rdata_name_canon(owner, k->zone, sizeof(k->zone));
    free(owner);
    c = ldns_rr_clone(rr);
    if (c == NULL || !ldns_rr_list_push_rr(k->keys, c)) {
        ldns_rr_free(c);
        return -ENOMEM;
    }
    return 0;
}

int dnssec_keys_parse(const char *text, dnssec_keys_t **out, char *err, size_t errlen)
{
    dnssec_keys_t *k = keys_new();
    const char *p = text;
    int line = 0;

    *out = NULL;
    if (k == NULL)
        return -ENOMEM;
    while (*p != '\0') {
        size_t n = strcspn(p, "\n");
        char buf[8192];
        ldns_rr *rr = NULL;
        line++;
        if (n > 0 && n < sizeof(buf)) {
            memcpy(buf, p, n);
            buf[n] = '\0';
            if (ldns_rr_new_frm_str(&rr, buf, 0, NULL, NULL) != LDNS_STATUS_OK ||
                ldns_rr_get_type(rr) != LDNS_RR_TYPE_DNSKEY) {
                snprintf(err, errlen, "line %d: not a DNSKEY record", line);
                ldns_rr_free(rr);
                dnssec_keys_unref(k);
                return DP_EPARSE;
            }
            keep_key(k, rr);
            ldns_rr_free(rr);
        }
        p += n + (p[n] == '\n');
    }
    if (dnssec_keys_count(k) == 0) {
        snprintf(err, errlen, "no DNSKEY record");
        dnssec_keys_unref(k);
        return DP_EPARSE;
    }
    *out = k;
    return 0;
}

int dnssec_keys_fetch(const char *zone, const char *server, dnssec_keys_t **out,
                      char *err, size_t errlen)
{
    dnsq_opts_t o = {.timeout_s = 2, .tries = 2, .edns_size = 1232};
    dnssec_keys_t *k = NULL;
    ldns_rr_list *ans;
    ldns_pkt *p = NULL;
    dnsq_t *q = NULL;
    char why[256];
    int ret;

    *out = NULL;
    ret = dnsq_create(&q, server, &o, err, errlen);
    if (ret < 0)
        return ret;
    ret = dnsq_query(q, zone, LDNS_RR_TYPE_DNSKEY, &p, why, sizeof(why));
    if (ret < 0) {
        snprintf(err, errlen, "%s did not answer %s DNSKEY: %s", dnsq_server(q), zone,
                 why);
        goto out;
    }
    k = keys_new();
    ret = k != NULL ? 0 : -ENOMEM;
    ans = ldns_pkt_answer(p);
    for (size_t i = 0; ret == 0 && i < ldns_rr_list_rr_count(ans); i++)
        ret = keep_key(k, ldns_rr_list_rr(ans, i));
    if (ret == 0 && dnssec_keys_count(k) == 0) {
        snprintf(err, errlen, "%s has no DNSKEY for %s: the zone is not signed there",
                 dnsq_server(q), zone);
        ret = -ENOENT;
    }
out:
    dnsq_pkt_free(p);
    dnsq_destroy(q);
    if (ret < 0)
        dnssec_keys_unref(k);
    else
        *out = k;
    return ret;
}

/* The RRSIGs in sec covering type (owner: any when owner is NULL). */
static ldns_rr_list *sigs_over(const ldns_pkt *pkt, ldns_pkt_section sec,
                               const ldns_rdf *owner, ldns_rr_type type)
{
    ldns_rr_list *all = ldns_pkt_rr_list_by_type(pkt, LDNS_RR_TYPE_RRSIG, sec);
    ldns_rr_list *out = ldns_rr_list_new();

    for (size_t i = 0; all != NULL && out != NULL && i < ldns_rr_list_rr_count(all);
         i++) {
        ldns_rr *s = ldns_rr_list_rr(all, i);
        ldns_rdf *cov = ldns_rr_rrsig_typecovered(s);
        if (cov == NULL || ldns_rdf2rr_type(cov) != type)
            continue;
        if (owner != NULL && ldns_dname_compare(ldns_rr_owner(s), owner) != 0)
            continue;
        ldns_rr_list_push_rr(out, ldns_rr_clone(s));
    }
    ldns_rr_list_deep_free(all);
    return out;
}

/* One RRset validated: sigs over it, one of them by one of the keys. */
static bool rrset_valid(const dnssec_keys_t *k, ldns_rr_list *rrset, ldns_rr_list *sigs,
                        const char *what, char *why, size_t whylen)
{
    ldns_status st;

    if (ldns_rr_list_rr_count(sigs) == 0) {
        snprintf(why, whylen, "no RRSIG over %s", what);
        return false;
    }
    st = ldns_verify(rrset, sigs, k->keys, NULL);
    if (st != LDNS_STATUS_OK) {
        snprintf(why, whylen, "RRSIG over %s does not validate: %s", what,
                 ldns_get_errorstr_by_id(st));
        return false;
    }
    return true;
}

/* Every NSEC/NSEC3 RRset of the authority section validated, then the
 * denial of (qname, qtype) proved by them. */
static bool denial_valid(const dnssec_keys_t *k, const ldns_pkt *pkt, ldns_rdf *qname,
                         uint16_t qtype, char *why, size_t whylen)
{
    ldns_rr_type nt = LDNS_RR_TYPE_NSEC;
    ldns_rr_list *nsecs = ldns_pkt_rr_list_by_type(pkt, nt, LDNS_SECTION_AUTHORITY);
    ldns_rr_list *sigs = NULL;
    ldns_rr *q = NULL;
    ldns_status st;
    bool ok = false;

    if (nsecs == NULL || ldns_rr_list_rr_count(nsecs) == 0) {
        ldns_rr_list_deep_free(nsecs);
        nt = LDNS_RR_TYPE_NSEC3;
        nsecs = ldns_pkt_rr_list_by_type(pkt, nt, LDNS_SECTION_AUTHORITY);
    }
    if (nsecs == NULL || ldns_rr_list_rr_count(nsecs) == 0) {
        snprintf(why, whylen, "no NSEC or NSEC3 record proves the denial");
        goto out;
    }
    sigs = sigs_over(pkt, LDNS_SECTION_AUTHORITY, NULL, nt);
    for (size_t i = 0; i < ldns_rr_list_rr_count(nsecs); i++) {
        /* each NSEC(3) is its own RRset: one record at its owner */
        ldns_rr_list *one = ldns_rr_list_new();
        ldns_rr_list *its = sigs_over(pkt, LDNS_SECTION_AUTHORITY,
                                      ldns_rr_owner(ldns_rr_list_rr(nsecs, i)), nt);
        bool good;
        ldns_rr_list_push_rr(one, ldns_rr_list_rr(nsecs, i));
        good = rrset_valid(k, one, its, nt == LDNS_RR_TYPE_NSEC ? "an NSEC" : "an NSEC3",
                           why, whylen);
        ldns_rr_list_free(one);
        ldns_rr_list_deep_free(its);
        if (!good)
            goto out;
    }
    q = ldns_rr_new();
    ldns_rr_set_owner(q, ldns_rdf_clone(qname));
    ldns_rr_set_type(q, (ldns_rr_type)qtype);
    ldns_rr_set_question(q, true);
    st = nt == LDNS_RR_TYPE_NSEC
             ? ldns_dnssec_verify_denial(q, nsecs, sigs)
             : ldns_dnssec_verify_denial_nsec3(q, nsecs, sigs, ldns_pkt_get_rcode(pkt),
                                               (ldns_rr_type)qtype,
                                               ldns_pkt_ancount(pkt) == 0);
    ok = st == LDNS_STATUS_OK;
    if (!ok)
        snprintf(why, whylen, "the %s records do not prove the denial: %s",
                 nt == LDNS_RR_TYPE_NSEC ? "NSEC" : "NSEC3", ldns_get_errorstr_by_id(st));
out:
    ldns_rr_free(q);
    ldns_rr_list_deep_free(nsecs);
    ldns_rr_list_deep_free(sigs);
    return ok;
}

bool dnssec_check(const dnssec_keys_t *k, const unsigned char *msg, size_t len,
                  const char *qname, uint16_t qtype, bool denial, char *why,
                  size_t whylen)
{
    ldns_pkt *pkt = NULL;
    ldns_rdf *owner = ldns_dname_new_frm_str(qname);
    ldns_rr_list *rrset = NULL;
    ldns_rr_list *sigs = NULL;
    char what[RDATA_NAME_TEXT_MAX + 32];
    char tb[16];
    bool ok = false;

    if (k->none != NULL) {
        snprintf(why, whylen, "no DNSKEY to check with: %s", k->none);
        goto out;
    }
    /* ldns 1.8.3's ldns_wire2pkt keeps the last TSIG of the additional
     * section and loses the others without freeing them (found by
     * fuzz_dnsmsg): an answer with more than one, which RFC 8945 5.1
     * forbids, or one whose records do not read, never reaches it */
    if (owner == NULL || (unsigned)dnsmsg_tsig_count(msg, len) > 1 ||
        ldns_wire2pkt(&pkt, msg, len) != LDNS_STATUS_OK) {
        snprintf(why, whylen, "the answer does not parse for DNSSEC");
        goto out;
    }
    ldns_dname2canonical(owner);
    if (denial) {
        ok = denial_valid(k, pkt, owner, qtype, why, whylen);
        goto out;
    }
    snprintf(what, sizeof(what), "%s %s", qname, dnsq_type_str(qtype, tb));
    rrset = ldns_pkt_rr_list_by_name_and_type(pkt, owner, (ldns_rr_type)qtype,
                                              LDNS_SECTION_ANSWER);
    if (rrset == NULL || ldns_rr_list_rr_count(rrset) == 0) {
        snprintf(why, whylen, "no %s RRset to validate", what);
        goto out;
    }
    sigs = sigs_over(pkt, LDNS_SECTION_ANSWER, owner, (ldns_rr_type)qtype);
    ok = rrset_valid(k, rrset, sigs, what, why, whylen);
out:
    ldns_rdf_deep_free(owner);
    ldns_rr_list_deep_free(rrset);
    ldns_rr_list_deep_free(sigs);
    ldns_pkt_free(pkt);
    return ok;
}
