/*
 * tsig: TSIG keys (RFC 8945) as dnsprop takes them, for ldns resolvers:
 * "ALGORITHM:KEYNAME:BASE64SECRET", or "KEYNAME:BASE64SECRET" for
 * hmac-sha256 (nsupdate -y style). Shared by the rfc2136 target and zone
 * sync's AXFR. Pure functions, thread-safe.
 */
#ifndef DP_TSIG_H
#define DP_TSIG_H

#include <ldns/ldns.h>
#include <stddef.h>

#define TSIG_FORMAT                                                                      \
    "expected ALGORITHM:KEYNAME:BASE64SECRET (e.g. hmac-sha256:dnsprop-key:c2VjcmV0), "  \
    "or KEYNAME:BASE64SECRET for hmac-sha256"

/* Parse spec and give the key to res (which signs with it, and verifies
 * answers with it). keyname gets the key's name. Errors start with what
 * (e.g. "[target x] tsig_key") and never echo the secret: DP_EPARSE. */
int tsig_resolver_set(ldns_resolver *res, const char *spec, const char *what,
                      char *keyname, size_t keylen, char *err, size_t errlen);
/* The RFC 8945 5.2 error of an answer's TSIG (16 BADSIG, 17 BADKEY,
 * 18 BADTIME, ...), 0 if none or unsigned. */
unsigned tsig_answer_error(const ldns_pkt *r);
/* " (TSIG BADSIG)" style text for an error, "" for 0; buf of 32. */
const char *tsig_error_text(unsigned te, char buf[32]);

#endif
