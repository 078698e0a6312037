/*
 * jsonw: compact JSON text of jansson values, written fast (the service's
 * records, the stored results: a real each few bytes of a hot path).
 *
 * The text is what json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(16))
 * means, with one difference in reals: a real is written with the fewest
 * digits that read back as the same double (RFC 8259 section 6 leaves the
 * precision to the implementation). The usual reals here are times rounded
 * to the microsecond, m / 1e6: those are written from the integer m, not
 * through printf, which was most of the cost. Keys come in the object's
 * order (insertion order in jansson 2.14), strings escaped as RFC 8259
 * section 7 requires (quote, backslash, control characters), UTF-8 kept.
 *
 * Ownership: jsonw_dumps' text is the caller's (free). Thread-safety: no
 * state; reentrant.
 */
#ifndef DP_JSONW_H
#define DP_JSONW_H

#include <jansson.h>

#include "harness/common/buf.h"

/* Space a real's text needs, its NUL included. */
#define JSONW_REAL_MAX 32

/* A finite real's text into out (JSONW_REAL_MAX bytes), always with a '.'
 * or an exponent so that it reads back as a real; returns its length.
 * NaN and infinities, which JSON cannot say, are written as null. */
size_t jsonw_real(char *out, double v);
/* A value's text appended to b (b->oom on no memory). */
void jsonw_add(buf_t *b, const json_t *v);
/* A NUL-terminated string's text (quoted, escaped) appended to b. The
 * bytes are not checked: the caller makes sure they are UTF-8 (JSON
 * text is, RFC 8259 section 8.1; quote.h's quote_utf8_valid). */
void jsonw_add_string(buf_t *b, const char *s);
/* ",\"k\":" appended to b: a member after the first of an object. */
void jsonw_add_key(buf_t *b, const char *k);
/* A value's text, malloc'd; NULL on no memory or a NULL value. */
char *jsonw_dumps(const json_t *v);

#endif
