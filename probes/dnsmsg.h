/*
 * dnsmsg: build the probe's query and read what matters in an answer.
 *
 * The query has RD clear (we ask authoritative servers, RFC 1035 4.1.1).
 * With DNSMSG_Q_NSID or DNSMSG_Q_DO it carries an EDNS OPT record (RFC
 * 6891) offering DNSMSG_EDNS_PAYLOAD octets over UDP, asking for the
 * server's NSID (RFC 5001: which instance of an anycast address answered)
 * and the DNSSEC records (the DO bit, RFC 3225); without, no EDNS. Larger
 * answers come back truncated and are asked again over TCP (RFC 7766
 * section 5) by the pool. The parser reads the header,
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

/* The UDP payload offered in our OPT record: the DNS flag day 2020 value,
 * below any path MTU's fragmentation. */
#define DNSMSG_EDNS_PAYLOAD 1232
/* What dnsmsg_build_query_opt adds: an OPT RR (11 octets) with an empty
 * NSID option (4 octets). */
#define DNSMSG_OPT_LEN 15
#define DNSMSG_Q_NSID  0x1u /* ask for the NSID (RFC 5001) */
#define DNSMSG_Q_DO    0x2u /* DNSSEC OK (RFC 3225) */

typedef enum {
    DNSMSG_NSID_NONE = 0,  /* no OPT, or an OPT without NSID */
    DNSMSG_NSID_PRESENT,   /* nsid/nsid_len hold it (may be empty) */
    DNSMSG_NSID_MALFORMED, /* an OPT whose options overrun its RDATA */
} dnsmsg_nsid_t;

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
    /* EDNS (RFC 6891 6.1): the answer's OPT record, and the NSID option
     * in it (RFC 5001 2.3), which points into the message */
    bool edns;
    dnsmsg_nsid_t nsid_state;
    uint16_t nsid_len;
    const unsigned char *nsid;
} dnsmsg_answer_t;

/* An NSID as text: printable ASCII as it is, anything else as hex (RFC
 * 5001 2.4 leaves the octets opaque; dig shows both). Returns the length
 * of out (at most DNSMSG_NSID_TEXT_MAX - 1, longer ones cut and marked
 * with "..."). */
#define DNSMSG_NSID_TEXT_MAX 80
size_t dnsmsg_nsid_text(const unsigned char *nsid, size_t len, char *out);

/* Build a query for (qname, qtype, class IN) with id 0 (the sender sets
 * it) and RD clear into
 * buf; returns the message length or a negative error. qname may be in
 * any text form rdata_name_canon accepts. */
int dnsmsg_build_query(const char *qname, uint16_t qtype, unsigned char *buf,
                       size_t buflen);
/* The same with EDNS when flags (DNSMSG_Q_*) is not 0: the OPT record is
 * the message's last DNSMSG_OPT_LEN octets, so a server that refuses EDNS
 * (FORMERR, RFC 6891 7) is asked again without it by cutting them and
 * ARCOUNT (dnsmsg_strip_opt). */
int dnsmsg_build_query_opt(const char *qname, uint16_t qtype, unsigned flags,
                           unsigned char *buf, size_t buflen);
/* Drop the OPT record dnsmsg_build_query_opt added; returns the new length. */
int dnsmsg_strip_opt(unsigned char *buf, int len);
/* Where the question of a query we built ends (its length without OPT). */
int dnsmsg_question_end(const unsigned char *buf, int len);

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
/* The TSIG records in msg's additional section (RFC 8945 5.1: at most one,
 * the last), or DP_EMALFORMED when a record does not read. */
int dnsmsg_tsig_count(const unsigned char *msg, size_t len);

#endif
