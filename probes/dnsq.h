/*
 * dnsq: the one DNS query helper (ldns) of dnsprop. Everything that asks a
 * nameserver something outside the poll engine goes through here: the
 * rfc2136 target (UPDATE and its SOA query), zone sync's AXFR and the live
 * assessment (probes/survey.h). One place sets up an ldns resolver.
 *
 *   dnsq_create / dnsq_create_ns   a resolver for one server, ADDR[:PORT]
 *                        (IPv4/IPv6), RD clear, no search list, timeouts,
 *                        UDP then TCP or TCP only, an optional TSIG key
 *   dnsq_send            one prepared message (an UPDATE, a query), the
 *                        answer checked to be the one to it
 *   dnsq_query           one question (RD=0), UDP then TCP when truncated
 *   dnsq_tsig_sign       sign a message with the handle's key (RFC 8945)
 *   dnsq_axfr_each       one zone transfer (RFC 5936), record by record
 *   dnsq_rr_*            a record's owner and value as canonical text
 *   dnsq_wire_under      is a name at or below a zone (wire forms)
 *   dnsq_status_*        ldns's status codes as text and as errcode.h codes
 *
 * This header does not include ldns: code above probes (plot/ above all)
 * can use the record views and the helpers without DNS library types.
 * Messages and records are ldns's (struct ldns_struct_pkt is ldns_pkt,
 * struct ldns_struct_rr is ldns_rr); a caller that builds or reads them
 * includes <ldns/ldns.h> itself.
 *
 * Errors are 0 or negative codes (harness/common/errcode.h); "why"
 * buffers get the reason only, without the caller's context, so that each
 * caller words its messages as before ("rfc2136: UPDATE z. at ADDR: " +
 * why).
 *
 * Ownership and threads: a dnsq_t owns its ldns resolver and its copy of
 * the key; it is not thread-safe (one per thread, or serialise the calls).
 * Answers returned by dnsq_send / dnsq_query belong to the caller
 * (dnsq_pkt_free). Record views point into their message or transfer and
 * live as long as it. Every other function keeps no state and is
 * thread-safe; dnsq_axfr_each makes its own resolver, so transfers in
 * several threads at once are safe.
 */
#ifndef DP_DNSQ_H
#define DP_DNSQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/request.h"

/* ldns's message and record (ldns/packet.h, ldns/rr.h). */
struct ldns_struct_pkt;
struct ldns_struct_rr;

/* RCODEs the callers tell apart (RFC 1035 4.1.1, RFC 2136 2.2). */
#define DNSQ_RCODE_NOERROR  0
#define DNSQ_RCODE_NXDOMAIN 3
#define DNSQ_RCODE_REFUSED  5
#define DNSQ_RCODE_NOTAUTH  9

/* AXFR: seconds to connect and to wait for each message. */
#define DNSQ_AXFR_TIMEOUT_S 10

typedef struct dnsq dnsq_t;

typedef struct {
    unsigned timeout_s;     /* UDP: seconds to wait for an answer to each try */
    unsigned tries;         /* UDP tries (1 + retries); 0: ldns's default (3) */
    unsigned retrans_s;     /* seconds between UDP tries; 0: ldns's default (2) */
    unsigned tcp_timeout_s; /* TCP (dnsq_send tcp, tcp_only): connect and answer; 0:
                               timeout_s */
    uint16_t edns_size;     /* EDNS(0) UDP payload size to offer; 0: no EDNS */
    bool tcp_only;          /* dnsq_query over TCP only */
    bool no_fallback;       /* keep a truncated UDP answer (the caller asks again over
                               TCP with dnsq_send) instead of ldns asking again */
    const char *tsig;       /* NULL, or a key "ALG:NAME:SECRET" (probes/tsig.h) */
    const char *tsig_what;  /* how key errors start ("[target x] tsig_key"); NULL:
                               "tsig key" */
} dnsq_opts_t;

/* A resolver for server ("192.0.2.1", "[2001:db8::1]:5353", port 53 by
 * default) with opts. Returns 0, DP_EBADADDR (err: "server 'X' is not an
 * IPv4/IPv6 address with optional port (ADDR, ADDR:PORT, [ADDR6]:PORT)"),
 * DP_EPARSE (a bad key: err from tsig_resolver_set, secret never shown) or
 * -ENOMEM (err: "cannot set up an ldns resolver for ADDR"). */
int dnsq_create(dnsq_t **out, const char *server, const dnsq_opts_t *opts, char *err,
                size_t errlen);
/* The same for an address already parsed (probe_ns_parse). */
int dnsq_create_ns(dnsq_t **out, const probe_ns_t *ns, const dnsq_opts_t *opts, char *err,
                   size_t errlen);
void dnsq_destroy(dnsq_t *q);

/* "192.0.2.1:53", "[2001:db8::1]:5353": the server, for messages. */
const char *dnsq_server(const dnsq_t *q);
/* Has the handle a TSIG key, and its name ("" without). */
bool dnsq_keyed(const dnsq_t *q);
const char *dnsq_keyname(const dnsq_t *q);

/* Send req (built by the caller, its ID set) and return the answer in
 * *answer. tcp: over TCP, one attempt, tcp_timeout_s (an UPDATE must not
 * be resent); else UDP with the handle's tries and timeout. ldns_send
 * rather than ldns_resolver_send_pkt: an answer whose TSIG does not verify
 * is returned, with *tsig_ok false (RFC 8945 5.4: NOTAUTH + BADSIG/BADKEY
 * is the very answer that says what is wrong). A server that failed once
 * is asked again (ldns would mark it unreachable for good). Returns 0,
 * -EIO (why: "cannot connect over TCP (Connection refused)", "no answer
 * over UDP (REASON; timeout 2 s)") or -EPROTO (why: ldns's reason, or "the
 * answer does not match the request (id 1/2, opcode 0/5)"). */
int dnsq_send(dnsq_t *q, const struct ldns_struct_pkt *req, bool tcp,
              struct ldns_struct_pkt **answer, bool *tsig_ok, char *why, size_t whylen);

/* Ask name (text) type, class IN, RD clear, signed with the handle's key
 * if any; over UDP (EDNS with edns_size) and again over TCP when the
 * answer is truncated, or over TCP only (tcp_only). Returns 0 (*answer the
 * caller's, whatever its RCODE), DP_EBADNAME (name is not a domain name;
 * nothing sent), -ENOMEM, or -EIO when no answer came (timeouts, tries
 * spent, no connection): why gets ldns's reason ("Could not send or
 * receive, because of network error"). */
int dnsq_query(dnsq_t *q, const char *name, uint16_t type,
               struct ldns_struct_pkt **answer, char *why, size_t whylen);

/* Sign msg with the handle's key, fudge seconds (RFC 8945 5.1: the HMAC of
 * the whole message, appended as the last additional RR). Nothing to do
 * without a key. DP_EPARSE (why: "cannot sign with TSIG key K: REASON"). */
int dnsq_tsig_sign(const dnsq_t *q, struct ldns_struct_pkt *msg, uint16_t fudge,
                   char *why, size_t whylen);

/* ---- messages ---------------------------------------------------------------- */

/* The RCODE, and the AA and TC bits of an answer. */
int dnsq_pkt_rcode(const struct ldns_struct_pkt *p);
bool dnsq_pkt_aa(const struct ldns_struct_pkt *p);
bool dnsq_pkt_tc(const struct ldns_struct_pkt *p);
/* The RFC 8945 5.2 error of the message's TSIG, 0 if none (tsig.h). */
unsigned dnsq_pkt_tsig_error(const struct ldns_struct_pkt *p);
void dnsq_pkt_free(struct ldns_struct_pkt *p);

/* ---- records ----------------------------------------------------------------- */

/* A record as its fields, without ldns types. */
typedef struct {
    const struct ldns_struct_rr *rr; /* ldns's record, for code that uses ldns */
    const unsigned char *owner;      /* uncompressed wire; NULL: not a name (malformed) */
    uint16_t type;
    uint16_t klass;
    uint32_t ttl;
} dnsq_rr_t;

/* The view of an ldns record (rr must outlive it). */
void dnsq_rr_view(const struct ldns_struct_rr *rr, dnsq_rr_t *out);
/* The records of p's answer section that are the RRset of (owner, type,
 * class IN): RFC 1034 4.3.2, the owners of a CNAME chain are not it.
 * *rrs (malloc'd, NULL when none) views into p. 0 or -ENOMEM. */
int dnsq_pkt_rrset(const struct ldns_struct_pkt *p, const unsigned char *owner,
                   uint16_t type, dnsq_rr_t **rrs, size_t *n);

/* The owner as canonical text (probes/rdata.h: lower case, fully
 * qualified); DP_EBADNAME when it is not a name. */
int dnsq_rr_owner(const dnsq_rr_t *rr, char *text, size_t textlen);
/* The RDATA as canonical text into *out (malloc'd): for the types
 * probes/rdata.h compares, rdata_from_wire of its uncompressed wire form
 * (the probes' strings: a value read from a file and off the wire are one
 * string); for the others, ldns's text of the record's canonical form (RFC
 * 4034 6.2), fields joined by a space. 0, DP_EMALFORMED or -ENOMEM. */
int dnsq_rr_value(const dnsq_rr_t *rr, char **out);
/* The serial of an SOA record (RFC 1035 3.3.13); false for another type. */
bool dnsq_rr_soa_serial(const dnsq_rr_t *rr, uint32_t *serial);

/* "A", "CAA", "TYPE65000": ldns's mnemonics, which are more than rdata.c's. */
const char *dnsq_type_str(uint16_t type, char buf[16]);
/* "IN", "CH", "HS", "CLASS7". */
const char *dnsq_class_str(uint16_t klass, char buf[16]);

/* name is apex or below it (both uncompressed wire, labels compared
 * case-insensitively). */
bool dnsq_wire_under(const unsigned char *name, const unsigned char *apex);

/* ---- zone transfer ------------------------------------------------------------- */

/* dnsq_axfr_each's callback: called for each record of the transfer, in
 * the order received, the opening SOA included, its closing copy not; rr
 * is the caller's for the call only. A negative return ends the transfer
 * and is what dnsq_axfr_each returns; err is for saying why (it is
 * returned as written). */
typedef int (*dnsq_axfr_fn)(const dnsq_rr_t *rr, void *arg, char *err, size_t errlen);

/* One AXFR (RFC 5936) of zone from server over TCP (DNSQ_AXFR_TIMEOUT_S
 * to connect and for each message), the request signed with tsig (may be
 * NULL; "tsig key: ..." errors; the answers' TSIG is NOT verified: ldns
 * drops the wire form it would need), each called on every record. It
 * checks that the transfer starts with the zone's SOA and ends with the
 * same SOA again (same serial: RFC 5936 2.2), and says why a server
 * refused it (RCODE, TSIG error, what to change). where (may be NULL) goes
 * in front of the transfer's messages ("AXFR example.test. from
 * 127.0.0.1:53: the transfer ended after ..."), not of the argument errors
 * (server, zone, key) nor of each's; peer (NULL: "server") is what they
 * call the server ("the primary does not serve the zone, ..."). Returns 0
 * (every record given to each), DP_EBADADDR, DP_EBADNAME, DP_EPARSE (bad
 * key), -EIO (no connection, timeout, connection closed before the
 * transfer ended), -EACCES (the server refused: an error RCODE, NOTAUTH +
 * TSIG error, ...), -EPROTO (not the zone's SOA first, the closing SOA
 * differs), -ENOMEM or what each returned. */
int dnsq_axfr_each(const char *server, const char *zone, const char *tsig,
                   const char *where, const char *peer, dnsq_axfr_fn each, void *arg,
                   char *err, size_t errlen);

/* dnsq_axfr_each's checks of its arguments, for a caller that needs their
 * results first: server into *ns, zone as canonical text and uncompressed
 * wire. 0, DP_EBADADDR or DP_EBADNAME, err as dnsq_axfr_each says them. */
int dnsq_axfr_check(const char *server, const char *zone, probe_ns_t *ns,
                    char canon[RDATA_NAME_TEXT_MAX], unsigned char apex[256], char *err,
                    size_t errlen);

/* ---- ldns status codes ----------------------------------------------------------- */

/* ldns's text for a status (ldns_status), "unknown ldns error" for one it
 * does not know. */
const char *dnsq_status_str(int status);
/* The errcode.h code for a status: 0 (OK), -ENOMEM, -EIO (network, no
 * server, no answer), DP_EPARSE (syntax of a name, record or zone file),
 * DP_EBADNAME (a bad domain name), -EPROTO (TSIG, malformed message,
 * anything else). */
int dnsq_status_code(int status);

#endif
