/*
 * zonesync: plan the sync of a zone file to a target's primary, as
 * octoDNS does (populate the desired and the existing zone, compare,
 * refuse unsafe plans unless forced); applying the plan is the caller's
 * job (one record_create / record_update / record_delete per change).
 *
 *   zs_zone_load    the desired zone, from a zone file (ldns)
 *   zs_zone_axfr    the zone as the primary serves it, by AXFR (RFC 5936,
 *                   probes/dnsq.h's dnsq_axfr_each)
 *   zs_plan         desired vs existing: creates, updates, deletes
 *   zs_plan_check   the safety thresholds (octoDNS's MAX_SAFE_*_PCENT)
 *   zs_plan_print / zs_plan_json   the plan for people and for programs
 *
 * A zone is a set of RRsets (RFC 2181 5): one per (name, type), values as
 * canonical text (probes/rdata.h: the form rdata_from_text and
 * rdata_from_wire give), so that two spellings of one record (case,
 * trailing dot, 2001:DB8:0::1 / 2001:db8::1, TXT with or without quotes)
 * are the same value. Both loaders keep the same records:
 *   - types dnsprop can write and compare (rdata_type_comparable: every
 *     type ldns parses, and RFC 3597's TYPEnnn);
 *   - not the SOA and not the apex NS RRset: the target owns them (its
 *     serial, its nameservers), as octoDNS leaves root NS alone;
 *   - not the records a DNSSEC signer maintains (RRSIG NSEC NSEC3
 *     NSEC3PARAM DNSKEY CDS CDNSKEY ZONEMD): the target owns them too;
 *   - any other type is left out, counted and named (zs_zone_t.skipped)
 *     and logged as a warning: the plan can neither create nor delete it.
 * Records of one RRset with different TTLs get the lowest (RFC 2181 5.2),
 * with a warning.
 *
 * Errors are 0 or negative codes (harness/common/errcode.h); err gets what and
 * where ("FILE:LINE: ...", "AXFR example.test. from 127.0.0.1:53: ...")
 * and what to do.
 *
 * Ownership: a zs_zone_t owns all its strings (zs_zone_free). A zs_plan_t
 * owns its changes array only; each change points into the two zones
 * given to zs_plan, which must outlive the plan. No global state: calls on
 * different objects are thread-safe; one object is not.
 */
#ifndef DP_ZONESYNC_H
#define DP_ZONESYNC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/scenario/scenario.h"
#include "harness/scenario/zonecut.h"

/* Below this many RRsets on the target the thresholds do not apply (a
 * new or nearly empty zone changes by large fractions by nature; octoDNS's
 * MIN_EXISTING_RECORDS). */
#define ZS_MIN_EXISTING 10
/* octoDNS's defaults (MAX_SAFE_UPDATE_PCENT, MAX_SAFE_DELETE_PCENT). */
#define ZS_DEFAULT_MAX_UPDATE_PCT 30.0
#define ZS_DEFAULT_MAX_DELETE_PCT 30.0

typedef struct zs_rrset {
    char *name; /* canonical owner: lower case, fully qualified */
    uint16_t type;
    uint32_t ttl;
    char **values; /* canonical values, sorted (strcmp), unique, >= 1 */
    size_t nvalues;
} zs_rrset_t;

typedef struct zs_zone {
    char *origin;     /* canonical apex */
    zs_rrset_t *sets; /* in canonical order (RFC 4034 6.1) of name, then type */
    size_t n;
    bool has_soa;    /* the file had an SOA / the transfer's SOA */
    uint32_t serial; /* its serial (RFC 1982) when has_soa */
    char **skipped;  /* "NAME TYPE" of each RRset left out for its type */
    size_t nskipped;
    /* zs_zone_load only: "NAME TYPE" of each RRset of the file left to the
     * target (its SOA, apex NS, signer's types), sorted; the plan lists
     * them (zs_plan_print, zs_plan_json). */
    char **owned;
    size_t nowned;
} zs_zone_t;

/* Parse the zone file at path into *out: $INCLUDE and $GENERATE expanded
 * first (harness/scenario/zonefile.h), then ldns_zone_new_frm_fp; $ORIGIN
 * and $TTL are honoured (a relative $ORIGIN relative to the current one).
 * origin (may be NULL) is the zone's apex, also the origin of relative
 * names before any $ORIGIN; without it the apex is the SOA's owner, and a
 * file with relative names but no $ORIGIN before them is an error. A
 * record outside the zone, a CNAME beside other data or a CNAME RRset of
 * several values (RFC 1034 3.6.2, RFC 2181 10.1) are errors. *skipped
 * (may be NULL) gets out->nskipped. On error *out is empty and err says
 * FILE:LINE (the line as written, in the file it is in, also an included
 * one; for a record in parentheses, its last line; a character-string over
 * 255 octets is named as such) or FILE: NAME TYPE. out->owned lists the
 * file's RRsets the target owns. Returns 0, -errno (cannot read the file),
 * DP_EPARSE, DP_EBADNAME or -ENOMEM. */
int zs_zone_load(const char *path, const char *origin, zs_zone_t *out, size_t *skipped,
                 char *err, size_t errlen);

/* The zone as the primary serves it, by AXFR (RFC 5936) over TCP
 * (dnsq_axfr_each, probes/dnsq.h: DNSQ_AXFR_TIMEOUT_S to connect and for
 * each message, the opening and closing SOA checked), same filtering as
 * zs_zone_load.
 * server: ADDR[:PORT] (probe_ns_parse: "192.0.2.1", "[2001:db8::1]:5353").
 * tsig (may be NULL): "ALGORITHM:KEYNAME:BASE64SECRET" or
 * "KEYNAME:BASE64SECRET" (hmac-sha256) as the rfc2136 target's tsig_key;
 * ALGORITHM is hmac-sha256, hmac-sha512, hmac-sha1 or hmac-md5. The
 * request is signed with it (RFC 8945), which is what a primary's transfer
 * ACL checks; the answers' TSIG is NOT verified (ldns_axfr_next drops the
 * wire form it would need): read a primary over a trusted path only.
 * Returns 0, DP_EBADADDR, DP_EBADNAME, DP_EPARSE (bad tsig), -EIO (no
 * connection, timeout, connection closed before the transfer ended),
 * -EPROTO (the primary refused: REFUSED, NOTAUTH + TSIG error, ...;
 * malformed data) or -ENOMEM; err says which, the secret is never shown. */
int zs_zone_axfr(const char *server, const char *zone, const char *tsig, zs_zone_t *out,
                 char *err, size_t errlen);

/* Free what a zone owns and empty it; safe on an empty or freed zone. */
void zs_zone_free(zs_zone_t *z);

typedef struct zs_change {
    op_kind_t kind;         /* OP_RECORD_CREATE, OP_RECORD_UPDATE or OP_RECORD_DELETE */
    const zs_rrset_t *want; /* the desired RRset: create, update; NULL for delete */
    const zs_rrset_t *have; /* the target's RRset: update, delete; NULL for create */
} zs_change_t;

typedef struct zs_plan {
    zs_change_t *changes;
    size_t n;
    size_t creates, updates, deletes, unchanged;
    size_t existing;       /* RRsets on the target (have->n) */
    const zs_zone_t *want; /* the zones given to zs_plan: what each leaves */
    const zs_zone_t *have; /* out is listed with the plan */
    zs_cuts_t *want_cuts;  /* their zone cuts (zonecut.h) */
    zs_cuts_t *have_cuts;
} zs_plan_t;

/* want vs have, RRset by RRset: values compared as sets of canonical
 * strings, and the TTL (a TTL change alone is an update). Order: creates
 * and updates in canonical name order, then the deletes in name order,
 * except that a delete which must precede a create at the same name (a
 * CNAME replacing other data there, or the reverse: they cannot coexist,
 * RFC 1034 3.6.2) comes just before it. Returns 0, DP_EUSAGE (the zones
 * have different origins, or a zone has two RRsets of one name and type)
 * or -ENOMEM; *plan is empty on error. */
int zs_plan(const zs_zone_t *want, const zs_zone_t *have, zs_plan_t *plan);

/* octoDNS's safety check: DP_EUSAGE when the updates or the deletes are
 * more than max_update_pct / max_delete_pct percent of the RRsets on the
 * target, why saying which ("plan deletes 12 of 20 existing RRsets (60%)
 * > max_delete_pct 30: use --force to apply it"); 0 when safe, or when the
 * target has fewer than ZS_MIN_EXISTING RRsets. -EINVAL for a negative or
 * NaN percentage. */
int zs_plan_check(const zs_plan_t *plan, double max_update_pct, double max_delete_pct,
                  char *why, size_t whylen);

/* One line per change, values joined with ", ":
 *   + create www.example.test. A 60 192.0.2.1
 *   ~ update www.example.test. A (60 192.0.2.1 -> 300 192.0.2.1, 192.0.2.2)
 *   - delete old.example.test. TXT 60 "gone"
 * then what the plan leaves out, each RRset on its own indented line
 * under a heading with the count and the count per type:
 *   left to the target (it owns them; not synced): 2 RRsets (NS 1, SOA 1)
 *   SKIPPED in the zone file (types dnsprop cannot write; NOT synced): ...
 *   skipped on the target (types dnsprop cannot write; left as they are): ...
 * and, when the zone file has skipped RRsets, a line starting "WARNING:"
 * that says the target will not match the file; last
 * "plan: 1 create, 1 update, 1 delete, 7 unchanged (9 RRsets on the
 * target)". Empty sections are not printed. */
void zs_plan_print(FILE *f, const zs_plan_t *plan);

/* {"creates":1,"updates":1,"deletes":1,"unchanged":7,"existing":9,
 *  "changes":[{"op":"record_create","name":...,"type":"A","ttl":60,
 *  "values":[...]}, {"op":"record_update",...,"old_ttl":60,
 *  "old_values":[...]}, {"op":"record_delete",... the values deleted}]}
 * op is the operation's name in ops tables (op_kind_str); each change also
 * has "measured_by" and, below a zone cut, "cut" (zs_plan_measure), and
 * the plan "below_cuts" (zs_cuts_json, zonecut.h). Also
 * "owned" (the file's RRsets left to the target), "skipped" (the file's
 * RRsets of types dnsprop cannot write: not synced) and
 * "skipped_on_target" (the target's, left as they are), each
 * {"count":N,"by_type":{"TYPE":N,...},"rrsets":["NAME TYPE",...]}, and
 * "complete": false when "skipped" is not empty (the target will not
 * match the file after this plan). New reference, or NULL when out of
 * memory. */
json_t *zs_plan_json(const zs_plan_t *plan);

/* How change ch of plan is measured (zonecut.h): a create or an update
 * where its RRset is in the desired zone, a delete where it was in the
 * target's. *cut (may be NULL) gets the cut's name or NULL. */
zs_measure_t zs_plan_measure(const zs_plan_t *plan, const zs_change_t *ch,
                             const char **cut);

void zs_plan_free(zs_plan_t *plan);

#endif
