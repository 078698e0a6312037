/*
 * quote: terminal-safe messages (see quote.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/quote.h"

/* The length of the UTF-8 sequence at s (n bytes left), 0 when invalid
 * (RFC 3629 section 4's table of well-formed sequences). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;
    size_t len;
    size_t i;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        len = 3;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        len = 4;
    else
        return 0;
    if (s[0] == 0xe0)
        lo = 0xa0; /* overlong */
    else if (s[0] == 0xed)
        hi = 0x9f; /* surrogates */
    else if (s[0] == 0xf0)
        lo = 0x90; /* overlong */
    else if (s[0] == 0xf4)
        hi = 0x8f; /* over U+10FFFF */
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (i = 2; i < len; i++) {
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    }
    return len;
}

bool quote_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        size_t k = utf8_len(p + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

void quote_message(char *msg, size_t cap)
{
    const unsigned char *in;
    char *copy;
    size_t n;
    size_t i = 0;
    size_t o = 0;

    if (cap == 0)
        return;
    n = strnlen(msg, cap - 1);
    copy = malloc(n + 1);
    if (copy == NULL) {
        /* no memory: drop what cannot be shown rather than show it */
        for (i = 0; i < n; i++) {
            if ((unsigned char)msg[i] < 0x20 || (unsigned char)msg[i] >= 0x7f)
                msg[i] = '?';
        }
        msg[n] = '\0';
        return;
    }
    memcpy(copy, msg, n);
    in = (const unsigned char *)copy;
    while (i < n) {
        size_t k = utf8_len(in + i, n - i);
        /* C1 controls (U+0080..U+009F) are 0xc2 0x80..0x9f */
        bool show = k > 1 ? !(in[i] == 0xc2 && in[i + 1] < 0xa0)
                          : k == 1 && in[i] >= 0x20 && in[i] != 0x7f;
        if (show) {
            if (o + k >= cap)
                break;
            memcpy(msg + o, in + i, k);
            o += k;
            i += k;
        } else {
            if (o + 4 >= cap)
                break;
            snprintf(msg + o, 5, "\\x%02x", in[i]);
            o += 4;
            i++;
        }
    }
    msg[o] = '\0';
    free(copy);
}
