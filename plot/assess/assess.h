/*
 * assess: multi-source convergence (the NetDNS idea, see the brief).
 *
 * Records carry a source (a nameserver, a provider, a vantage point; ""
 * is the source none, the authoritative intent) and a presence (PRESENT
 * or ABSENT). Relative to a master source, for every other source:
 *   missing     = PRESENT at the master, not present at the source;
 *   overpresent = present at the source, not PRESENT at the master
 *                 (including records the master says must be ABSENT).
 * converged when every list is empty. A record's identity is (name, type,
 * class, rdata), names compared case-insensitively and rdata in canonical
 * form (probes/rdata.h); the TTL is carried, not compared: a record whose
 * TTL differs is the same record. Pure functions, no state.
 */
#ifndef DP_ASSESS_H
#define DP_ASSESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *source; /* "" = none */
    bool present;
    char *name; /* canonical */
    uint16_t type;
    char *klass; /* "IN" unless given */
    uint32_t ttl;
    char *rdata; /* canonical */
} assess_rec_t;

typedef struct {
    assess_rec_t *recs;
    size_t n;
} assess_set_t;

/* CSV with a header naming the columns source,presence,name,type,class,ttl,
 * rdata (class defaults to IN, ttl to 86400). Errors: FILE:LINE: field 'x'. */
int assess_load_csv(const char *path, assess_set_t *set, char *err, size_t errlen);
void assess_set_free(assess_set_t *set);

/* {"converged": bool, "missing": {source: [records]}, "overpresent":
 * {source: [records]}}, each record {"class","type","name","rdata","ttl",
 * "presence","source"}. DP_EEMPTY when the master has no record at all. */
int assess_run(const assess_set_t *set, const char *master, json_t **out, char *err,
               size_t errlen);

#endif
