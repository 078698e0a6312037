/*
 * jsonw: fast compact JSON text (see jsonw.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/fmt.h"
#include "harness/common/jsonw.h"

/* Decimal digits of u, right-aligned to end; returns where they start. */
static char *utoa_end(char *end, uint64_t u)
{
    do {
        *--end = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    return end;
}

/* The scales of the fast path: m / pow10 with |m| < 2^53 (below). */
static const struct {
    double pow10, below;
    int digits;
} scales[] = {{1e6, 9e9, 6}, {1e9, 9e6, 9}};

/* m / 10^digits as decimal text, trailing zeros of the fraction dropped
 * but one digit kept after the point ("5.0", "0.25", "-1733337600.123456"). */
static size_t scaled_text(char *out, int64_t m, int digits)
{
    uint64_t pow10 = 1;
    char tmp[32];
    char *end = tmp + sizeof(tmp);
    uint64_t u = m < 0 ? (uint64_t)0 - (uint64_t)m : (uint64_t)m;
    uint64_t ip, fp;
    size_t n = 0;
    char *p;

    for (int i = 0; i < digits; i++)
        pow10 *= 10;
    ip = u / pow10;
    fp = u % pow10;
    while (digits > 1 && fp % 10 == 0) {
        fp /= 10;
        digits--;
    }
    if (m < 0)
        out[n++] = '-';
    p = utoa_end(end, ip);
    memcpy(out + n, p, (size_t)(end - p));
    n += (size_t)(end - p);
    out[n++] = '.';
    p = utoa_end(end, fp);
    for (int z = digits - (int)(end - p); z > 0; z--)
        out[n++] = '0'; /* leading zeros of the fraction */
    memcpy(out + n, p, (size_t)(end - p));
    n += (size_t)(end - p);
    out[n] = '\0';
    return n;
}

/* An instant (epoch seconds, 2004 to 2038: [2^30, 2^31)) that is not a
 * whole microsecond, such as a result's observed_at (a start to the
 * microsecond plus a duration to the nanosecond). There a double is a
 * multiple of 2^-22: its fraction f = j / 2^22 is exact, and so is
 * f * 1e7 = j * 10^7 / 2^22 (j * 10^7 < 2^53). Rounded to 7 digits (to
 * even, as printf rounds) it is within 0.5e-7 of v, less than half the
 * spacing of doubles there (2^-23), so it reads back as v. 6 digits did
 * not: the microsecond scale's v * 1e6 is within 0.125 of exact, so its
 * llround finds the 6 digits whenever they are within 0.119 (half the
 * spacing). So these are printf's "%.17g" digits, which it writes after a
 * "%.16g" and a strtod that fail: 5,000 instructions a result. Above
 * 2^31 the spacing allows 6 digits the microsecond scale can miss. */
static size_t instant_text(char *out, double v)
{
    double a = fabs(v);
    double ip = floor(a);
    int64_t m = (int64_t)ip * 10000000 + (int64_t)llrint((a - ip) * 1e7);

    return scaled_text(out, v < 0 ? -m : m, 7);
}

size_t jsonw_real(char *out, double v)
{
    int n;

    if (!isfinite(v)) {
        memcpy(out, "null", 5);
        return 4;
    }
    /* m / 10^k is correctly rounded (IEEE 754 division of exact
     * operands), and so is strtod of its exact decimal text: equal
     * doubles, so the text reads back as v. |m| < 2^53 keeps m exact.
     * Times to the microsecond, durations to the nanosecond. */
    for (size_t i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
        if (!(fabs(v) < scales[i].below))
            continue;
        int64_t m = (int64_t)llround(v * scales[i].pow10);
        if ((double)m / scales[i].pow10 == v)
            return scaled_text(out, m, scales[i].digits);
    }
    if (fabs(v) >= 0x1p30 && fabs(v) < 0x1p31)
        return instant_text(out, v);
    n = snprintf(out, JSONW_REAL_MAX, "%.16g", v);
    if (strtod(out, NULL) != v)
        n = snprintf(out, JSONW_REAL_MAX, "%.17g", v);
    if (strpbrk(out, ".eEn") == NULL && n + 2 < JSONW_REAL_MAX) {
        memcpy(out + n, ".0", 3);
        n += 2;
    }
    return (size_t)n;
}

/* RFC 8259 section 7: quote, backslash and U+0000..U+001F escaped. */
static void add_string(buf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF"; /* (as jansson writes them) */
    size_t from = 0;

    buf_add(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char e[6] = {'\\', 0, '0', '0', 0, 0};
        size_t elen = 2;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        switch (c) {
        case '"':
        case '\\':
            e[1] = (char)c;
            break;
        case '\b':
            e[1] = 'b';
            break;
        case '\f':
            e[1] = 'f';
            break;
        case '\n':
            e[1] = 'n';
            break;
        case '\r':
            e[1] = 'r';
            break;
        case '\t':
            e[1] = 't';
            break;
        default:
            e[1] = 'u';
            e[4] = hex[c >> 4];
            e[5] = hex[c & 15];
            elen = 6;
        }
        buf_add(b, s + from, i - from);
        buf_add(b, e, elen);
        from = i + 1;
    }
    buf_add(b, s + from, n - from);
    buf_add(b, "\"", 1);
}

static void add_integer(buf_t *b, json_int_t v)
{
    char tmp[FMT_INT_MAX];

    buf_add(b, tmp, fmt_int(tmp, (long long)v));
}

/* Depth bounded as jansson's encoder bounds it (JSON_PARSER_MAX_DEPTH
 * is the parser's; a value built in memory can be deeper, and a cycle
 * would never end). */
#define JSONW_MAX_DEPTH 2048

static void add_value(buf_t *b, const json_t *v, int depth)
{
    char num[JSONW_REAL_MAX];

    if (depth > JSONW_MAX_DEPTH) {
        b->oom = true; /* (not text jansson would write either) */
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *x;
        bool first = true;
        buf_add(b, "{", 1);
        json_object_foreach((json_t *)v, k, x)
        {
            if (!first)
                buf_add(b, ",", 1);
            first = false;
            add_string(b, k, strlen(k));
            buf_add(b, ":", 1);
            add_value(b, x, depth + 1);
        }
        buf_add(b, "}", 1);
        break;
    }
    case JSON_ARRAY:
        buf_add(b, "[", 1);
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i > 0)
                buf_add(b, ",", 1);
            add_value(b, json_array_get(v, i), depth + 1);
        }
        buf_add(b, "]", 1);
        break;
    case JSON_STRING:
        add_string(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        add_integer(b, json_integer_value(v));
        break;
    case JSON_REAL:
        buf_add(b, num, jsonw_real(num, json_real_value(v)));
        break;
    case JSON_TRUE:
        buf_add(b, "true", 4);
        break;
    case JSON_FALSE:
        buf_add(b, "false", 5);
        break;
    default:
        buf_add(b, "null", 4);
    }
}

void jsonw_add(buf_t *b, const json_t *v)
{
    add_value(b, v, 0);
}

void jsonw_add_string(buf_t *b, const char *s)
{
    add_string(b, s, strlen(s));
}

void jsonw_add_key(buf_t *b, const char *k)
{
    buf_add(b, ",", 1);
    add_string(b, k, strlen(k));
    buf_add(b, ":", 1);
}

#define JSONW_FIRST_CAP 768

char *jsonw_dumps(const json_t *v)
{
    buf_t b = {0};

    if (v == NULL)
        return NULL;
    /* room for a request of the service at once, not eight doublings
     * (its every POST and poll result; below glibc's 1 KiB, where a
     * malloc would first consolidate the fast bins) */
    b.p = malloc(JSONW_FIRST_CAP); /* (vec_reserve would round it up to 1 KiB) */
    if (b.p == NULL)
        return NULL;
    b.cap = JSONW_FIRST_CAP;
    add_value(&b, v, 0);
    if (b.oom) {
        buf_free(&b);
        return NULL;
    }
    return b.p;
}
