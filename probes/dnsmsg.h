/*
 * dnsmsg: build the probe's query and read what matters in an answer.
 *
 * The query has RD clear (we ask authoritative servers, RFC 1035 4.1.1)
 * and no EDNS, so that large RRsets come back truncated and are retried
 * over TCP (RFC 7766 section 5) by the pool. The parser reads the header,
 * checks the question, and collects from the answer section the RRset of
 * exactly (qname, qtype) and, for SOA queries, the serial; from a referral
 * (a delegation below the zone's apex, RFC 1034 4.3.2) the NS set at a
 * cut from the authority section, or glue from the additional section. Name
 * decompression is rdata_name_unpack's (probes/rdata.h).
 *
 * Ownership: a parsed answer owns its values (dnsmsg_answer_clear frees
 * them). Thread-safety: no state; any thread may call any function on
 * its own buffers (each pool thread parses its own answers).
 */
#ifndef DP_DNSMSG_H
#define DP_DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNSMSG_HDR_LEN 12

typedef struct {
    uint16_t id;
    int rcode;
    bool aa;
    bool tc;
    bool qmatch;   /* question section is (qname, qtype, IN) */
    bool have_soa; /* SOA of qname in the answer section */
    uint32_t soa_serial;
    bool have_cname;  /* CNAME at qname while qtype is not CNAME */
    unsigned ancount; /* RRs in the answer section */
    /* A referral (AA clear, NS in the authority section, no SOA): for an
     * NS query at the cut itself (referral_at_qname) nmatch and values
     * are the authority section's NS set; for an A/AAAA query they are
     * the glue for qname in the additional section. */
    bool referral;
    bool referral_at_qname;
    unsigned nmatch; /* RRs of (qname, qtype) in the answer section */
    char **values;   /* their canonical values (rdata.h), sorted, unique */
    size_t nvalues;
} dnsmsg_answer_t;

/* Build a query for (qname, qtype, class IN) with id 0 (the sender sets
 * it) and RD clear into
 * buf; returns the message length or a negative error. qname may be in
 * any text form rdata_name_canon accepts. */
int dnsmsg_build_query(const char *qname, uint16_t qtype, unsigned char *buf,
                       size_t buflen);

/* Parse msg. qname_canon must be canonical (rdata_name_canon). Values are
 * collected only when want_values. On success the caller owns out and
 * calls dnsmsg_answer_clear(). DP_EMALFORMED for a broken message. */
int dnsmsg_parse(const unsigned char *msg, size_t len, const char *qname_canon,
                 uint16_t qtype, bool want_values, dnsmsg_answer_t *out);
/* The same with the query name already in uncompressed wire form (the
 * probe engine converts it once per poll, not once per answer). */
int dnsmsg_parse_wire(const unsigned char *msg, size_t len, const unsigned char *qwire,
                      uint16_t qtype, bool want_values, dnsmsg_answer_t *out);
void dnsmsg_answer_clear(dnsmsg_answer_t *ans);

#endif
