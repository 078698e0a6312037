/*
 * libFuzzer target: dnsmsg_parse() on arbitrary bytes, for several
 * (qname, qtype) pairs, collecting values. Besides memory errors it
 * checks the answer's invariants and aborts when one breaks:
 *   - on error nothing is left allocated and values is NULL;
 *   - values are strictly sorted (so unique) and no more than nmatch;
 *   - have_soa only for SOA queries; have_cname never for CNAME queries;
 *   - every value of a comparable type is a fixed point of
 *     rdata_from_text() (wire and user text meet in one canonical form).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/dnsmsg.h"
#include "probes/dnssec.h"
#include "probes/rdata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
    const char *qname; /* canonical */
    uint16_t qtype;
} queries[] = {
    {"example.com.", RDATA_T_SOA},
    {"example.com.", RDATA_T_A},
    {"example.com.", RDATA_T_AAAA},
    {"example.com.", RDATA_T_MX},
    {"example.com.", RDATA_T_TXT},
    {"example.com.", RDATA_T_NS},
    {"www.example.com.", RDATA_T_CNAME},
    {"_sip._tcp.example.com.", RDATA_T_SRV},
    {"1.2.0.192.in-addr.arpa.", RDATA_T_PTR},
    {".", RDATA_T_NS},
    {"example.com.", 65},
    /* the corpus's lab_* answers: real PowerDNS 4.7, Knot 3.2, BIND 9.18 and
     * NSD 4.6 answers (and referrals) for these names, from test_cli.sh's
     * records */
    {"caa.rrtypes-17081.test.", 257},
    {"naptr.rrtypes-17081.test.", 35},
    {"svcb.rrtypes-17081.test.", 64},
    {"https.rrtypes-17081.test.", 65},
    {"rp.rrtypes-17081.test.", 17},
    {"loc.rrtypes-17081.test.", 29},
    {"unk.rrtypes-17081.test.", 65534},
    {"dname.rrtypes-17081.test.", 39},
    {"deleg.rrtypes-17081.test.", 43},
    {"deleg.rrtypes-17081.test.", RDATA_T_NS},
    {"_443._tcp.rrtypes-17081.test.", 52},
};

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_dnsmsg: invariant broken: %s [%s]\n", what,
            detail ? detail : "");
    abort();
}

static void check(const dnsmsg_answer_t *a, uint16_t qtype)
{
    size_t i;

    if (a->nvalues > a->nmatch)
        fail("more values than matching RRs", NULL);
    if (a->nvalues > 0 && a->values == NULL)
        fail("nvalues without values", NULL);
    if (a->have_soa && qtype != RDATA_T_SOA)
        fail("have_soa for a non-SOA query", NULL);
    if (a->have_cname && qtype == RDATA_T_CNAME)
        fail("have_cname for a CNAME query", NULL);
    if (a->nmatch > a->ancount && !a->referral)
        fail("nmatch > ancount outside a referral", NULL);
    if (a->referral && (a->aa || a->rcode != 0))
        fail("a referral with AA or an error rcode", NULL);
    if (a->referral_at_qname && !a->referral)
        fail("referral_at_qname without a referral", NULL);
    if (a->rcode < 0 || a->rcode > 15)
        fail("rcode out of 4 bits", NULL);
    for (i = 0; i < a->nvalues; i++) {
        if (a->values[i] == NULL)
            fail("NULL value", NULL);
        if (i > 0 && strcmp(a->values[i - 1], a->values[i]) >= 0)
            fail("values not strictly sorted", a->values[i]);
        if (rdata_type_comparable(qtype)) {
            char *again = NULL;
            if (rdata_from_text(qtype, a->values[i], &again) != 0)
                fail("canonical value does not parse as text", a->values[i]);
            if (strcmp(again, a->values[i]) != 0)
                fail("canonical value is not a fixed point", a->values[i]);
            free(again);
        }
    }
}

/* A zone key (made by PowerDNS for the lab), for the DNSSEC check of any
 * answer: it must say yes or no, never crash. */
static dnssec_keys_t *fuzz_keys(void)
{
    static dnssec_keys_t *k;
    char err[256];

    if (k == NULL &&
        dnssec_keys_parse("example.com. 60 IN DNSKEY 257 3 13 "
                          "jwljEROxfYJzLLPSHkCUV8YoQJ77M+bME0iswP7EFAiybpqDhBfVFEIB "
                          "RGNpCpvJtiiYhagGdftrGaVIiOGPPQ==",
                          &k, err, sizeof(err)) < 0)
        fail("the fuzz key does not parse", err);
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t q;
    char why[256];

    for (int denial = 0; denial < 2; denial++) {
        why[0] = '\0';
        if (!dnssec_check(fuzz_keys(), data, size, "www.example.com.", RDATA_T_A, denial,
                          why, sizeof(why)) &&
            why[0] == '\0')
            fail("a DNSSEC check failed without saying why", NULL);
    }

    for (q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
        dnsmsg_answer_t a;
        int ret = dnsmsg_parse(data, size, queries[q].qname, queries[q].qtype, true, &a);

        if (ret == 0) {
            check(&a, queries[q].qtype);
            if (a.nsid_state == DNSMSG_NSID_PRESENT) {
                char text[DNSMSG_NSID_TEXT_MAX];
                if (a.nsid < data || a.nsid + a.nsid_len > data + size || !a.edns)
                    fail("the NSID is not inside the message's OPT", NULL);
                if (dnsmsg_nsid_text(a.nsid, a.nsid_len, text) >= sizeof(text))
                    fail("NSID text too long", text);
            }
        } else if (a.values != NULL || a.nvalues != 0) {
            fail("values left after an error", NULL);
        }
        dnsmsg_answer_clear(&a);
        /* the same without values must agree on everything else */
        {
            dnsmsg_answer_t b;
            int ret2 =
                dnsmsg_parse(data, size, queries[q].qname, queries[q].qtype, false, &b);
            if (ret2 == 0 && b.values != NULL)
                fail("values collected while not wanted", NULL);
            if (ret == 0 && ret2 == 0 &&
                (a.nmatch != b.nmatch || a.have_soa != b.have_soa ||
                 a.soa_serial != b.soa_serial || a.have_cname != b.have_cname ||
                 a.qmatch != b.qmatch || a.rcode != b.rcode))
                fail("want_values changes the verdict", NULL);
            dnsmsg_answer_clear(&b);
        }
    }
    return 0;
}
