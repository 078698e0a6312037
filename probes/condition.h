/*
 * condition: when does an answer satisfy a poll request.
 *
 *   serial_not_lower  the zone's SOA serial is >= N in RFC 1982 serial
 *                     number arithmetic (wrap-around at 2^32);
 *   value_present     the RRset of (name, type) holds every expected
 *                     value (or, with exact matching, is exactly the
 *                     expected set); values compared in canonical form;
 *   empty_response    the name is gone: NXDOMAIN, or NODATA (NOERROR with
 *                     no RR of the type, RFC 2308 section 2.2); for a zone
 *                     also REFUSED or NOTAUTH from a server that dropped
 *                     it. Which one was seen is reported.
 * Ownership: a cond_spec_t borrows its values (the request owns them, and
 * outlives the spec). Thread-safety: pure functions, no state; any thread
 * may call them.
 */
#ifndef DP_CONDITION_H
#define DP_CONDITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/dnsmsg.h"

typedef enum {
    COND_SERIAL_NOT_LOWER = 0,
    COND_VALUE_PRESENT,
    COND_EMPTY_RESPONSE,
} cond_kind_t;

typedef enum {
    COND_EMPTY_NONE = 0,
    COND_EMPTY_NXDOMAIN,
    COND_EMPTY_NODATA,
    COND_EMPTY_REFUSED,
    COND_EMPTY_NOTAUTH,
} cond_empty_t;

typedef struct {
    cond_kind_t kind;
    bool is_zone;        /* the request names a zone, not a record */
    uint32_t serial;     /* serial_not_lower */
    bool any_serial;     /* serial_not_lower: any SOA holds (serial ignored) */
    char *const *values; /* value_present: canonical, sorted, unique */
    size_t nvalues;
    bool exact; /* value_present: RRset must equal values */
} cond_spec_t;

int cond_kind_from_str(const char *s, cond_kind_t *out);
const char *cond_kind_str(cond_kind_t kind);
/* "NXDOMAIN", "NODATA", "REFUSED", "NOTAUTH", or NULL for none. */
const char *cond_empty_str(cond_empty_t empty);

/* RFC 1982 section 3.2: -1 if a < b, 0 if equal, 1 if a > b, and 2 when
 * the comparison is undefined (a and b exactly 2^31 apart). */
int cond_serial_cmp(uint32_t a, uint32_t b);
/* observed >= expected in serial arithmetic; undefined counts as lower. */
bool cond_serial_not_lower(uint32_t observed, uint32_t expected);

/* Does the answer satisfy spec? For empty_response, *empty says which
 * kind of emptiness was seen (COND_EMPTY_NONE when not satisfied). */
bool cond_eval(const cond_spec_t *spec, const dnsmsg_answer_t *ans, cond_empty_t *empty);

/* Is values[0..n) (sorted) a subset of / equal to have[0..m) (sorted)? */
bool cond_values_match(char *const *want, size_t n, char *const *have, size_t m,
                       bool exact);

#endif
