/*
 * fmt: the few formats of the service's hot paths without printf. A
 * snprintf of "%s" or "%ld" costs 500 to 1,000 instructions (its format
 * parsed, a FILE set up); the service made about twenty of them a POST
 * (callgrind, `dnsprop serve` under wrk), for Redis keys, lifetimes and
 * copies of ids.
 *
 * Each writes a NUL-terminated text and, as snprintf, never more than
 * cap bytes with the NUL (cap > 0); a text that does not fit is cut.
 * Thread-safety: no state; reentrant.
 */
#ifndef DP_FMT_H
#define DP_FMT_H

#include <stddef.h>

/* Room for any long long's decimal text, its sign and NUL included. */
#define FMT_INT_MAX 21

/* src copied into dst (snprintf(dst, cap, "%s", src)); returns the
 * length written. */
size_t fmt_copy(char *dst, size_t cap, const char *src);
/* At most max bytes of src appended at dst[at] (at < cap): "%.*s" after
 * what dst holds. Returns the new length. */
size_t fmt_cat(char *dst, size_t cap, size_t at, const char *src, size_t max);
/* v's decimal text into out (FMT_INT_MAX bytes); returns its length. */
size_t fmt_int(char *out, long long v);

#endif
