/*
 * zonecut: how a change to each RRset of a zone can be seen by a query.
 *
 * A non-apex NS RRset is a zone cut (RFC 1034 section 4.2.1): the zone is
 * authoritative above it only, and a server answers any query at or below
 * it with a referral (RFC 1034 section 4.3.2 step 3b: NS in the authority
 * section, AA clear, addresses of the nameservers in the additional
 * section). So, for an RRset of the zone:
 *   ZS_BY_ANSWER    anywhere not at or below a cut, and the DS of a cut
 *                   (the parent's, RFC 4034 section 5): an answer;
 *   ZS_BY_REFERRAL  the NS of a cut (the delegation itself): the NS set of
 *                   the referral's authority section;
 *   ZS_BY_GLUE      an A or AAAA at or below a cut whose owner is one of
 *                   that cut's nameservers: the referral's additional
 *                   section (RFC 9471 calls it in-domain glue);
 *   ZS_BY_SERIAL    anything else at or below a cut (data beside the NS at
 *                   the cut, names under it that no NS names, a cut under
 *                   a cut): occluded, no server answers it. Its change is
 *                   seen by the zone's SOA serial reaching the serial the
 *                   primary had right after it (an upper bound: the serial
 *                   read may also carry later changes).
 * The cut is the highest one above the name: under a cut everything, NS
 * included, belongs to the child.
 *
 * Names are the canonical text of harness/scenario/zonesync.h (lower case,
 * fully qualified, RFC 1035 escapes). Ownership: a zs_cuts_t points into
 * the zone it was built from, which must outlive it.
 */
#ifndef DP_ZONECUT_H
#define DP_ZONECUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

typedef struct zs_zone zs_zone_t;

typedef enum {
    ZS_BY_ANSWER = 0,
    ZS_BY_REFERRAL,
    ZS_BY_GLUE,
    ZS_BY_SERIAL,
    ZS_BY_COUNT,
} zs_measure_t;

typedef struct zs_cuts zs_cuts_t;

/* The cuts of z (its non-apex NS RRsets) into *out. 0 or -ENOMEM. */
int zs_cuts_build(const zs_zone_t *z, zs_cuts_t **out);
void zs_cuts_free(zs_cuts_t *c);

/* How a change to rs (an RRset of the zone c was built from, or of a zone
 * with the same origin) is measured; *cut (may be NULL) gets the cut's
 * name, or NULL for ZS_BY_ANSWER. O(labels * log cuts). */
zs_measure_t zs_cuts_measure(const zs_cuts_t *c, const char *name, unsigned type,
                             const char **cut);

/* "answer", "referral", "glue", "serial": the results' measured_by. */
const char *zs_measure_str(zs_measure_t m);

/* For zonesync.c's zs_plan_print and zs_plan_json (plan: a zs_plan_t).
 * zs_cuts_note: after a change's line, how it is measured when not by an
 * answer ("  [occluded below sub.example.: measured by the zone's SOA
 * serial]"). zs_cuts_print: the desired zone's RRsets at or below cuts,
 * counted by how they are measured, each occluded one on its own line;
 * nothing when the zone has no cut. zs_cuts_json: the same as
 * {"referral":L,"glue":L,"serial":L}, L = {"count":N,"rrsets":[{"rrset":
 * "NAME TYPE","cut":"CUT"},...]}; NULL when out of memory. */
typedef struct zs_plan zs_plan_t;
typedef struct zs_change zs_change_t;
void zs_cuts_note(FILE *f, const zs_plan_t *plan, const zs_change_t *ch);
void zs_cuts_print(FILE *f, const zs_plan_t *plan);
json_t *zs_cuts_json(const zs_plan_t *plan);

#endif
