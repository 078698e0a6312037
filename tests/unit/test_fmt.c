/*
 * fmt: each function writes what the snprintf it replaces writes, byte
 * for byte, cut at the same place when the room is short.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "harness/common/fmt.h"

Test(fmt, int_as_printf)
{
    static const long long v[] = {
        0,         1,         -1,        9,         10,        -10,           99,
        100,       123456789, -98765432, LLONG_MAX, LLONG_MIN, LLONG_MIN + 1, 2592000,
        1796508051};
    char got[FMT_INT_MAX + 8];
    char want[64];

    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        size_t n = fmt_int(got, v[i]);
        int wn = snprintf(want, sizeof(want), "%lld", v[i]);
        cr_assert_str_eq(got, want);
        cr_assert_eq(n, (size_t)wn);
        cr_assert_leq(n + 1, FMT_INT_MAX, "FMT_INT_MAX holds %s", want);
    }
    /* every number of digits, both signs */
    for (long long x = 1; x <= LLONG_MAX / 10; x = x * 10 + 7) {
        fmt_int(got, x);
        snprintf(want, sizeof(want), "%lld", x);
        cr_assert_str_eq(got, want);
        fmt_int(got, -x);
        snprintf(want, sizeof(want), "%lld", -x);
        cr_assert_str_eq(got, want);
    }
}

Test(fmt, copy_as_printf_and_cut_where_it_cuts)
{
    static const char *src[] = {"", "a", "request:", "0123456789abcdef", "é-ü"};

    for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
        for (size_t cap = 1; cap < 20; cap++) {
            char got[24];
            char want[24];
            memset(got, 'x', sizeof(got));
            memset(want, 'x', sizeof(want));
            size_t n = fmt_copy(got, cap, src[i]);
            snprintf(want, cap, "%s", src[i]);
            cr_assert_eq(memcmp(got, want, sizeof(got)), 0, "'%s' in %zu", src[i], cap);
            cr_assert_eq(n, strlen(want));
        }
    }
}

Test(fmt, cat_as_printf_precision)
{
    char got[16];
    char want[16];
    size_t n = fmt_copy(got, sizeof(got), "request:");

    n = fmt_cat(got, sizeof(got), n, "0123456789", 4);
    snprintf(want, sizeof(want), "request:%.*s", 4, "0123456789");
    cr_assert_str_eq(got, want);
    cr_assert_eq(n, strlen(want));
    /* the room ends first: cut as snprintf cuts, never past cap */
    n = fmt_cat(got, sizeof(got), n, ":stats:tail", 100);
    cr_assert_str_eq(got, "request:0123:st");
    cr_assert_eq(n, sizeof(got) - 1);
    /* full already: nothing more, still terminated */
    n = fmt_cat(got, sizeof(got), n, "more", 4);
    cr_assert_str_eq(got, "request:0123:st");
    cr_assert_eq(n, sizeof(got) - 1);
    cr_assert_eq(fmt_cat(got, 0, 0, "x", 1), 0, "no room at all: nothing written");
}
