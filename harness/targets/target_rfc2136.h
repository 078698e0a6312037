/*
 * target_rfc2136: DNS UPDATE (RFC 2136) to a primary, signed with TSIG
 * (RFC 8945), as a target (built and signed with ldns).
 *
 *   record_create, record_update, zone_update
 *                  one UPDATE: delete the RRset (NAME, TYPE) (RFC 2136
 *                  2.5.2) then add every value with the op's TTL (2.5.1):
 *                  the RRset is replaced
 *   record_delete  one UPDATE: delete the RRset (NAME, TYPE)
 *   zone_create, zone_delete
 *                  refused without sending anything: RFC 2136 cannot
 *                  create or delete zones
 *   zone_serial    SOA query (RD clear) to the primary, UDP then TCP if
 *                  truncated
 *
 * Configuration ([target NAME], read by this kind): `server` = ADDR[:PORT]
 * of the primary (port 53 by default); the generic `tsig_key` (or the
 * first line of `tsig_key_file`: target_conf_t.tsig) =
 * "ALGORITHM:KEYNAME:BASE64SECRET" or
 * "KEYNAME:BASE64SECRET" (hmac-sha256), as nsupdate -y takes it.
 * ALGORITHM is hmac-sha256, hmac-sha512, hmac-sha1 or hmac-md5 (what
 * ldns 1.8.3 can compute). No tsig_key: the UPDATEs go unsigned.
 *
 * apply() returns 0 when the primary answered NOERROR (and, with a key,
 * the answer's TSIG verified), else a negative code with ack->error set:
 *   DP_EUSAGE    zone_create / zone_delete, or an unknown op
 *   DP_EBADNAME, DP_EBADVALUE  the op does not make an RR (nothing sent)
 *   -EIO         no answer (timeout, connection refused); ack->status -1
 *   -EPROTO      an answer that is not NOERROR, or whose TSIG does not
 *                verify; ack->status is its RCODE
 * ack->status is the RCODE of the answer (0 NOERROR, 5 REFUSED, 9 NOTAUTH,
 * ...) or -1 when there was none.
 *
 * A target_t from here owns one ldns_resolver: not thread-safe; give each
 * API worker its own (as target.h says). It keeps a pointer to cfg, which
 * must outlive it.
 */
#ifndef DP_TARGET_RFC2136_H
#define DP_TARGET_RFC2136_H

#include <stddef.h>

#include "harness/targets/target.h"

/* The kind is target_kind_rfc2136 (target.h): target_create() makes one. */

#endif
