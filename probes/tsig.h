/*
 * tsig: TSIG keys (RFC 8945) as dnsprop takes them, for ldns resolvers:
 * "ALGORITHM:KEYNAME:BASE64SECRET", or "KEYNAME:BASE64SECRET" for
 * hmac-sha256 (nsupdate -y style). Used by probes/dnsq.c, which gives
 * keys to its resolvers; tsig_check lets a caller without ldns check a key
 * before anything is sent. This header does not include ldns (struct
 * ldns_struct_resolver is ldns_resolver, struct ldns_struct_pkt ldns_pkt).
 * Pure functions, thread-safe.
 */
#ifndef DP_TSIG_H
#define DP_TSIG_H

#include <stddef.h>

struct ldns_struct_resolver;
struct ldns_struct_pkt;

#define TSIG_FORMAT                                                                      \
    "expected ALGORITHM:KEYNAME:BASE64SECRET (e.g. hmac-sha256:dnsprop-key:c2VjcmV0), "  \
    "or KEYNAME:BASE64SECRET for hmac-sha256"

/* Parse spec and give the key to res (which signs with it, and verifies
 * answers with it). keyname gets the key's name. Errors start with what
 * (e.g. "[target x] tsig_key") and never echo the secret: DP_EPARSE. */
int tsig_resolver_set(struct ldns_struct_resolver *res, const char *spec,
                      const char *what, char *keyname, size_t keylen, char *err,
                      size_t errlen);
/* The checks of tsig_resolver_set (key names up to 255 characters), and
 * its errors, without a resolver. */
int tsig_check(const char *spec, const char *what, char *err, size_t errlen);
/* The RFC 8945 5.2 error of an answer's TSIG (16 BADSIG, 17 BADKEY,
 * 18 BADTIME, ...), 0 if none or unsigned. */
unsigned tsig_answer_error(const struct ldns_struct_pkt *r);
/* " (TSIG BADSIG)" style text for an error, "" for 0; buf of 32. */
const char *tsig_error_text(unsigned te, char buf[32]);

#endif
