/*
 * fmt: formats without printf (see fmt.h).
 */
#include "harness/common/fmt.h"

#include <string.h>

size_t fmt_cat(char *dst, size_t cap, size_t at, const char *src, size_t max)
{
    size_t n = strnlen(src, max);

    if (cap == 0)
        return 0;
    if (at >= cap)
        at = cap - 1;
    if (n > cap - 1 - at)
        n = cap - 1 - at;
    memcpy(dst + at, src, n);
    dst[at + n] = '\0';
    return at + n;
}

size_t fmt_copy(char *dst, size_t cap, const char *src)
{
    return fmt_cat(dst, cap, 0, src, (size_t)-1);
}

size_t fmt_int(char *out, long long v)
{
    char tmp[FMT_INT_MAX];
    char *p = tmp + sizeof(tmp);
    /* the magnitude as unsigned: -LLONG_MIN does not fit a long long */
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    size_t n;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    n = (size_t)(tmp + sizeof(tmp) - p);
    memcpy(out, p, n);
    out[n] = '\0';
    return n;
}
