/*
 * numparse: strict parsing, the whole string must be a number in range;
 * on failure DP_EPARSE / DP_ERANGE and *out is left untouched.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>

#include "harness/common/errcode.h"
#include "harness/common/numparse.h"

#define SENT64 UINT64_C(0xdeadbeefcafef00d)

Test(numparse, u64_valid)
{
    uint64_t v = 0;

    cr_assert_eq(numparse_u64("0", UINT64_MAX, &v), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(numparse_u64("42", UINT64_MAX, &v), 0);
    cr_assert_eq(v, 42);
    cr_assert_eq(numparse_u64("18446744073709551615", UINT64_MAX, &v), 0);
    cr_assert_eq(v, UINT64_MAX);
    cr_assert_eq(numparse_u64("100", 100, &v), 0, "max is inclusive");
    cr_assert_eq(v, 100);
    cr_assert_eq(numparse_u64("007", 100, &v), 0, "leading zeros are decimal");
    cr_assert_eq(v, 7);
}

Test(numparse, u64_rejects_garbage_and_leaves_out_untouched)
{
    static const char *const bad[] = {"",      " 1",  "1 ",   "+1",  "-1",
                                      "1a",    "a1",  "0x10", "1.0", "1e3",
                                      "1,000", "\t5", "1\n",  "--1", "12 34"};
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t v = SENT64;
        cr_assert_eq(numparse_u64(bad[i], UINT64_MAX, &v), DP_EPARSE, "'%s'", bad[i]);
        cr_assert_eq(v, SENT64, "'%s' changed *out", bad[i]);
    }
    {
        uint64_t v = SENT64;
        cr_assert_eq(numparse_u64(NULL, UINT64_MAX, &v), DP_EPARSE);
        cr_assert_eq(v, SENT64);
    }
}

Test(numparse, u64_range)
{
    uint64_t v = SENT64;

    cr_assert_eq(numparse_u64("18446744073709551616", UINT64_MAX, &v), DP_ERANGE);
    cr_assert_eq(v, SENT64);
    cr_assert_eq(numparse_u64("99999999999999999999999", UINT64_MAX, &v), DP_ERANGE);
    cr_assert_eq(v, SENT64);
    cr_assert_eq(numparse_u64("101", 100, &v), DP_ERANGE);
    cr_assert_eq(v, SENT64);
    cr_assert_eq(numparse_u64("1", 0, &v), DP_ERANGE);
    cr_assert_eq(numparse_u64("0", 0, &v), 0);
    cr_assert_eq(v, 0);
}

Test(numparse, u32)
{
    uint32_t v = 7;

    cr_assert_eq(numparse_u32("4294967295", &v), 0);
    cr_assert_eq(v, UINT32_MAX);
    cr_assert_eq(numparse_u32("0", &v), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(numparse_u32("2024010101", &v), 0);
    cr_assert_eq(v, 2024010101u);
    v = 7;
    cr_assert_eq(numparse_u32("4294967296", &v), DP_ERANGE);
    cr_assert_eq(v, 7);
    cr_assert_eq(numparse_u32("-1", &v), DP_EPARSE, "strtoull would wrap -1");
    cr_assert_eq(v, 7);
    cr_assert_eq(numparse_u32("", &v), DP_EPARSE);
    cr_assert_eq(numparse_u32("12x", &v), DP_EPARSE);
    cr_assert_eq(v, 7);
}

Test(numparse, u16)
{
    uint16_t v = 7;

    cr_assert_eq(numparse_u16("65535", &v), 0);
    cr_assert_eq(v, 65535);
    cr_assert_eq(numparse_u16("53", &v), 0);
    cr_assert_eq(v, 53);
    v = 7;
    cr_assert_eq(numparse_u16("65536", &v), DP_ERANGE);
    cr_assert_eq(v, 7);
    cr_assert_eq(numparse_u16("70000", &v), DP_ERANGE);
    cr_assert_eq(numparse_u16("4294967296", &v), DP_ERANGE);
    cr_assert_eq(numparse_u16("-0", &v), DP_EPARSE);
    cr_assert_eq(numparse_u16(" 53", &v), DP_EPARSE);
    cr_assert_eq(v, 7);
}

Test(numparse, double_valid)
{
    double d = -1;

    cr_assert_eq(numparse_double("0.5", 0, 10, &d), 0);
    cr_assert_float_eq(d, 0.5, 1e-12);
    cr_assert_eq(numparse_double("10", 0, 10, &d), 0, "max inclusive");
    cr_assert_float_eq(d, 10.0, 1e-12);
    cr_assert_eq(numparse_double("0", 0, 10, &d), 0, "min inclusive");
    cr_assert_float_eq(d, 0.0, 1e-12);
    cr_assert_eq(numparse_double("1e-3", 0.001, 1, &d), 0);
    cr_assert_float_eq(d, 0.001, 1e-15);
    cr_assert_eq(numparse_double("-2.5", -5, 5, &d), 0);
    cr_assert_float_eq(d, -2.5, 1e-12);
    cr_assert_eq(numparse_double("1700000000.25", 0, 1e11, &d), 0);
    cr_assert_float_eq(d, 1700000000.25, 1e-6);
}

Test(numparse, double_rejects_garbage)
{
    static const char *const bad[] = {"", "abc", "1.5s", "1,5", "0.5 ", "1e", "--1", "."};
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        double d = 123.0;
        cr_assert_eq(numparse_double(bad[i], -1e9, 1e9, &d), DP_EPARSE, "'%s'", bad[i]);
        cr_assert_float_eq(d, 123.0, 0, "'%s' changed *out", bad[i]);
    }
    {
        double d = 123.0;
        cr_assert_eq(numparse_double(NULL, 0, 1, &d), DP_EPARSE);
        cr_assert_float_eq(d, 123.0, 0);
    }
}

Test(numparse, double_range_and_non_finite)
{
    double d = 123.0;

    cr_assert_eq(numparse_double("10.0001", 0, 10, &d), DP_ERANGE);
    cr_assert_eq(numparse_double("-0.1", 0, 10, &d), DP_ERANGE);
    cr_assert_eq(numparse_double("1e400", 0, HUGE_VAL, &d), DP_ERANGE, "overflow");
    cr_assert_eq(numparse_double("inf", 0, HUGE_VAL, &d), DP_ERANGE, "infinity");
    cr_assert_lt(numparse_double("nan", -HUGE_VAL, HUGE_VAL, &d), 0, "NaN is not finite");
    cr_assert_float_eq(d, 123.0, 0, "*out untouched on range errors");
}

Test(numparse, double_is_strict_about_leading_space)
{
    /* The header promises "the whole string must be a number"; the integer
     * parsers reject " 1", so the double parser should too. */
    double d = 123.0;

    cr_assert_eq(numparse_double(" 1", 0, 10, &d), DP_EPARSE,
                 "numparse_double accepts leading white space (strtod skips it)");
    cr_assert_eq(numparse_double("\t1", 0, 10, &d), DP_EPARSE);
    cr_assert_float_eq(d, 123.0, 0);
}

Test(numparse, duration)
{
    double d = -1;

    cr_assert_eq(numparse_duration("30d", 1e9, &d), 0);
    cr_assert_float_eq(d, 30 * 86400.0, 1e-9);
    cr_assert_eq(numparse_duration("1.5h", 1e9, &d), 0);
    cr_assert_float_eq(d, 5400.0, 1e-9);
    cr_assert_eq(numparse_duration("90", 1e9, &d), 0, "bare seconds");
    cr_assert_float_eq(d, 90.0, 1e-9);
    cr_assert_eq(numparse_duration("2w", 1e9, &d), 0);
    cr_assert_float_eq(d, 14 * 86400.0, 1e-9);
    cr_assert_eq(numparse_duration("0", 1e9, &d), 0);
    cr_assert_float_eq(d, 0.0, 1e-9);
    d = 7;
    cr_assert_eq(numparse_duration("d", 1e9, &d), DP_EPARSE, "a unit alone");
    cr_assert_eq(numparse_duration("30y", 1e9, &d), DP_EPARSE, "unknown unit");
    cr_assert_eq(numparse_duration("-1d", 1e9, &d), DP_ERANGE);
    cr_assert_eq(numparse_duration("12d", 86400, &d), DP_ERANGE, "above max");
    cr_assert_eq(numparse_duration("", 1e9, &d), DP_EPARSE);
    cr_assert_eq(numparse_duration(NULL, 1e9, &d), DP_EPARSE);
    cr_assert_float_eq(d, 7.0, 1e-9, "untouched on error");
}

Test(numparse, instants)
{
    double t = 0;

    cr_assert_eq(numparse_time("1733337600.5", 0, &t), 0);
    cr_assert_eq(t, 1733337600.5);
    cr_assert_eq(numparse_time("2026-12-04T18:00:00Z", 0, &t), 0);
    cr_assert_eq(t, 1796407200.0);
    cr_assert_eq(numparse_time("2026-12-04T18:00", 0, &t), 0);
    cr_assert_eq(t, 1796407200.0);
    cr_assert_eq(numparse_time("2026-12-04", 0, &t), 0);
    cr_assert_eq(t, 1796342400.0);
    cr_assert_eq(numparse_time("-2h", 10000, &t), 0);
    cr_assert_eq(t, 10000 - 7200);
    cr_assert_lt(numparse_time("2026-13-04", 0, &t), 0);
    cr_assert_lt(numparse_time("2026-12-04T18:00:00+01:00", 0, &t), 0);
    cr_assert_lt(numparse_time("yesterday", 0, &t), 0);
    cr_assert_lt(numparse_time("", 0, &t), 0);
    cr_assert_lt(numparse_time("-2x", 0, &t), 0);
}
