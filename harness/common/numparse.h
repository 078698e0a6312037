/*
 * numparse: strict number parsing for user input (no atoi: the whole
 * string must be a number, in range, or the call fails with DP_EPARSE or
 * DP_ERANGE and leaves *out untouched).
 * Thread-safety: no state of its own (strtod reads the locale, which
 * dnsprop never changes from "C"); any thread may call them.
 */
#ifndef DP_NUMPARSE_H
#define DP_NUMPARSE_H

#include <stdint.h>

int numparse_u64(const char *s, uint64_t max, uint64_t *out);
int numparse_u32(const char *s, uint32_t *out);
int numparse_u16(const char *s, uint16_t *out);
/* A finite double in [min, max]. */
int numparse_double(const char *s, double min, double max, double *out);
/* A length of time: a number of seconds, or a number followed by one unit
 * s, m, h, d or w ("30d", "1.5h"), at least 0 and at most max seconds.
 * What retention, expiry and other long durations are written in. */
int numparse_duration(const char *s, double max, double *out);
/* An instant (epoch seconds): a number of seconds since the epoch, an
 * ISO 8601 UTC time ("2026-12-04T18:00:00Z", "2026-12-04T18:00Z",
 * "2026-12-04"), or a length of time before now ("-2h", "-7d"). */
int numparse_time(const char *s, double now, double *out);

#endif
