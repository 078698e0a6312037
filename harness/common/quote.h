/*
 * quote: make a message that quotes user input safe for a terminal.
 * Input files may hold any bytes; an error that quotes them ("'%s' is not
 * a number") must not send escape sequences, NULs' tails or broken UTF-8
 * to the user's terminal or log (issue 12). Printable ASCII and valid
 * UTF-8 outside the C0/C1 controls stay as they are; any other byte
 * becomes \xNN.
 *
 * Thread-safety: no state.
 */
#ifndef DP_QUOTE_H
#define DP_QUOTE_H

#include <stdbool.h>
#include <stddef.h>

/* Rewrite the NUL-terminated msg in its buffer of cap bytes, escaped as
 * above; cut at a character boundary when the escapes do not fit. */
void quote_message(char *msg, size_t cap);

/* n bytes of s are UTF-8 (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF). */
bool quote_utf8_valid(const char *s, size_t n);

#endif
