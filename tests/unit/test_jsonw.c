/*
 * Unit tests for harness/common/jsonw.h: its text reads back as the same
 * value (every real to the same double), it is jansson's own text where
 * no real is involved, and the microsecond path agrees with printf.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/jsonw.h"

static uint64_t g_rng = 88172645463325252ULL;

static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

static double any_double(void)
{
    switch (rnd() % 5) {
    case 0: /* an epoch time to the microsecond, as the records hold */
        return round((1.7e9 + (double)(rnd() % 100000000) / 7.0) * 1e6) / 1e6;
    case 1: /* a duration */
        return round((double)(rnd() % 10000000) / 1e3 * 1e6) / 1e6;
    case 2: { /* any bits that make a finite double */
        double d;
        do {
            uint64_t u = rnd();
            memcpy(&d, &u, sizeof(d));
        } while (!isfinite(d));
        return d;
    }
    case 3:
        return (double)(int64_t)(rnd() % 2000001) - 1e6;
    default:
        return (double)(rnd() % 1000) / 10.0;
    }
}

Test(jsonw, reals_read_back_as_the_same_double)
{
    char t[JSONW_REAL_MAX];

    for (int i = 0; i < 200000; i++) {
        double v = any_double();
        size_t n = jsonw_real(t, v);
        cr_assert_eq(n, strlen(t));
        cr_assert_eq(strtod(t, NULL), v, "%.17g written %s", v, t);
        cr_assert(strpbrk(t, ".eE") != NULL, "%s reads back as a real", t);
    }
}

/* Instants that are not whole microseconds (observed_at): printf's
 * shortest text that reads back, digit for digit. */
Test(jsonw, instants_are_printf_text)
{
    char t[JSONW_REAL_MAX], p[64];

    for (int i = 0; i < 200000; i++) {
        /* a microsecond start plus a nanosecond duration, or any double
         * of the range, either sign */
        double v = rnd() % 2 == 0
                       ? round((1.7e9 + (double)(rnd() % 100000000)) * 1e6) / 1e6 +
                             (double)(rnd() % 10000000000ULL) / 1e9
                       : ldexp((double)(rnd() >> 11), -53) * (0x1p33 - 0x1p30) + 0x1p30;
        if (i % 7 == 0)
            v = -v;
        if (i == 0)
            v = nextafter(0x1p33, 0); /* the range's ends */
        if (i == 1)
            v = 0x1p30;
        jsonw_real(t, v);
        snprintf(p, sizeof(p), "%.16g", v);
        if (strtod(p, NULL) != v)
            snprintf(p, sizeof(p), "%.17g", v);
        if (strpbrk(p, ".eE") == NULL)
            strcat(p, ".0");
        cr_assert_str_eq(t, p, "%.17g", v);
    }
}

Test(jsonw, microsecond_reals_are_printf_text)
{
    char t[JSONW_REAL_MAX], p[64];
    static const double v[] = {
        0.0,          5.0,     0.25, 1.000001, -3.5,  0.0001, 1733337600.123456,
        1733337600.1, 86400.0, 0.1,  12.3,     -0.001};

    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        jsonw_real(t, v[i]);
        snprintf(p, sizeof(p), "%.16g", v[i]);
        if (strchr(p, '.') == NULL)
            strcat(p, ".0");
        cr_assert_str_eq(t, p);
    }
    jsonw_real(t, NAN);
    cr_assert_str_eq(t, "null");
}

Test(jsonw, text_without_reals_is_janssons)
{
    json_t *o = json_pack("{s:s, s:i, s:I, s:b, s:n, s:[s, s, {}], s:{s:[]}}", "a\"b\\c",
                          "x\n\t\x01\x1f/é", "n", -42, "big", (json_int_t)INT64_MIN, "t",
                          1, "z", "arr", "", "\x7f", "o", "k", "");
    char *a = jsonw_dumps(o);
    char *b = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(16));

    cr_assert_str_eq(a, b);
    free(a);
    free(b);
    json_decref(o);
}

Test(jsonw, nested_values_round_trip)
{
    for (int round_ = 0; round_ < 200; round_++) {
        json_t *o = json_object(), *a = json_array(), *back;
        char key[16];
        for (int i = 0; i < 20; i++) {
            snprintf(key, sizeof(key), "k%d", (int)(rnd() % 1000));
            json_object_set_new(o, key, json_real(any_double()));
            json_array_append_new(a,
                                  json_pack("[f, I]", any_double(), (json_int_t)rnd()));
        }
        json_object_set_new(o, "list", a);
        char *t = jsonw_dumps(o);
        back = json_loads(t, 0, NULL);
        cr_assert_not_null(back, "%s", t);
        cr_assert(json_equal(o, back), "%s", t);
        json_decref(back);
        json_decref(o);
        free(t);
    }
}
