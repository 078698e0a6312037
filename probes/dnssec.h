/*
 * dnssec: is an answer's data signed, by the zone's keys, over exactly
 * the data (RFC 4035 5.3)? The probes ask with the DO bit (RFC 3225); a
 * record or zone condition counts only when the RRset it looked at is
 * covered by an RRSIG that validates over that very RRset with one of the
 * zone's DNSKEYs, and a denial (empty_response) only when the NSEC or
 * NSEC3 records that prove it validate and prove it (RFC 4035 5.4, RFC
 * 5155 8). A signer backdates a signature's inception (Knot by 90
 * minutes), so inception says nothing about when the change was signed:
 * a stale signature over the old data fails the check on the new data,
 * which is what makes "signed and served" a stage of its own.
 *
 * The keys are the DNSKEY RRset the zone's primary serves (dnssec_keys_fetch),
 * taken as the trust anchor: what is measured is the signing and serving
 * of changes, not the chain of trust above the zone.
 *
 * Ownership: a key set is reference-counted (dnssec_keys_ref/unref) so
 * that every poll of a zone shares one. Thread-safety: a key set is
 * read-only once made; dnssec_check may run on any thread.
 */
#ifndef DP_DNSSEC_H
#define DP_DNSSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dnssec_keys dnssec_keys_t;

/* The DNSKEY RRset of zone, asked of server ("ADDR[:PORT]") with DO set.
 * 0, or a negative code with err saying why ("127.0.0.1:53 has no DNSKEY
 * for example.com.: the zone is not signed"). */
int dnssec_keys_fetch(const char *zone, const char *server, dnssec_keys_t **out,
                      char *err, size_t errlen);
/* A key set from DNSKEY records in presentation format, one per line. */
int dnssec_keys_parse(const char *text, dnssec_keys_t **out, char *err, size_t errlen);
/* A key set that has no key, only the reason there is none: every
 * dnssec_check on it fails saying so (a poll of a zone whose keys could
 * not be had is no pass, and says why). */
int dnssec_keys_none(const char *zone, const char *why, dnssec_keys_t **out);
dnssec_keys_t *dnssec_keys_ref(dnssec_keys_t *k);
void dnssec_keys_unref(dnssec_keys_t *k);
/* The zone the keys are of ("example.com."). */
const char *dnssec_keys_zone(const dnssec_keys_t *k);
/* How many DNSKEYs. */
size_t dnssec_keys_count(const dnssec_keys_t *k);

/* Does the answer msg prove what the poll saw: with denial false, that
 * the RRset of (qname, qtype) in the answer section is signed by the keys
 * over exactly its records; with denial true, that qname/qtype does not
 * exist (NXDOMAIN or NODATA) by validated NSEC or NSEC3 records. true, or
 * false with why ("no RRSIG over a.example. TXT", "RRSIG over a.example.
 * TXT does not validate: Bogus DNSSEC signature"). */
bool dnssec_check(const dnssec_keys_t *k, const unsigned char *msg, size_t len,
                  const char *qname, uint16_t qtype, bool denial, char *why,
                  size_t whylen);

#endif
