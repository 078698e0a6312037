/*
 * RFC 1982 serial number arithmetic (SERIAL_BITS = 32):
 * cond_serial_cmp() and cond_serial_not_lower().
 *
 * RFC 1982 section 3.2: i1 < i2 iff (i1 < i2 and i2 - i1 < 2^31) or
 * (i1 > i2 and i1 - i2 > 2^31); i1 > i2 symmetrically; pairs exactly
 * 2^31 apart are undefined. The expected results below are derived from
 * that definition, not from the implementation.
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "probes/condition.h"

#define HALF UINT32_C(0x80000000) /* 2^31 */

/* Reference from the RFC text, written independently with 64-bit
 * arithmetic: returns -1, 0, 1 or 2 (undefined). */
static int rfc1982_ref(uint32_t i1, uint32_t i2)
{
    uint64_t a = i1;
    uint64_t b = i2;
    const uint64_t half = UINT64_C(1) << 31;

    if (a == b)
        return 0;
    if ((a < b && b - a < half) || (a > b && a - b > half))
        return -1;
    if ((a < b && b - a > half) || (a > b && a - b < half))
        return 1;
    return 2;
}

Test(serial, equal)
{
    cr_assert_eq(cond_serial_cmp(0, 0), 0);
    cr_assert_eq(cond_serial_cmp(1, 1), 0);
    cr_assert_eq(cond_serial_cmp(2024010101u, 2024010101u), 0);
    cr_assert_eq(cond_serial_cmp(UINT32_MAX, UINT32_MAX), 0);
    cr_assert_eq(cond_serial_cmp(HALF, HALF), 0);
    cr_assert(cond_serial_not_lower(0, 0));
    cr_assert(cond_serial_not_lower(UINT32_MAX, UINT32_MAX));
    cr_assert(cond_serial_not_lower(2024010101u, 2024010101u));
}

Test(serial, simple_less_and_greater)
{
    cr_assert_eq(cond_serial_cmp(1, 2), -1);
    cr_assert_eq(cond_serial_cmp(2, 1), 1);
    cr_assert_eq(cond_serial_cmp(2024010100u, 2024010101u), -1);
    cr_assert_eq(cond_serial_cmp(2024010101u, 2024010100u), 1);
    cr_assert_eq(cond_serial_cmp(0, 1), -1);
    cr_assert_eq(cond_serial_cmp(1, 0), 1);

    cr_assert(cond_serial_not_lower(2, 1), "2 is greater than 1");
    cr_assert_not(cond_serial_not_lower(1, 2), "1 is lower than 2");
    cr_assert(cond_serial_not_lower(2024010102u, 2024010101u));
    cr_assert_not(cond_serial_not_lower(2024010100u, 2024010101u));
}

Test(serial, around_the_wrap)
{
    /* 100 - 4294967290 = 106 (mod 2^32) < 2^31: 100 is "greater". */
    cr_assert_eq(cond_serial_cmp(4294967290u, 100), -1);
    cr_assert_eq(cond_serial_cmp(100, 4294967290u), 1);
    cr_assert(cond_serial_not_lower(100, 4294967290u),
              "observed 100 after expected 4294967290 wrapped: not lower");
    cr_assert_not(cond_serial_not_lower(4294967290u, 100),
                  "4294967290 is before 100 in serial arithmetic");

    /* Max and zero are neighbours. */
    cr_assert_eq(cond_serial_cmp(UINT32_MAX, 0), -1);
    cr_assert_eq(cond_serial_cmp(0, UINT32_MAX), 1);
    cr_assert(cond_serial_not_lower(0, UINT32_MAX));
    cr_assert_not(cond_serial_not_lower(UINT32_MAX, 0));
}

Test(serial, exactly_half_apart_is_undefined)
{
    cr_assert_eq(cond_serial_cmp(0, HALF), 2);
    cr_assert_eq(cond_serial_cmp(HALF, 0), 2);
    cr_assert_eq(cond_serial_cmp(1, HALF + 1), 2);
    cr_assert_eq(cond_serial_cmp(HALF + 1, 1), 2);
    cr_assert_eq(cond_serial_cmp(UINT32_MAX, HALF - 1), 2);
    cr_assert_eq(cond_serial_cmp(HALF - 1, UINT32_MAX), 2);
    /* Undefined counts as lower, both ways round. */
    cr_assert_not(cond_serial_not_lower(0, HALF));
    cr_assert_not(cond_serial_not_lower(HALF, 0));
    cr_assert_not(cond_serial_not_lower(12345, 12345 + HALF));
    cr_assert_not(cond_serial_not_lower(12345 + HALF, 12345));
}

Test(serial, just_inside_half)
{
    /* 2^31 - 1 apart: defined, the larger (mod 2^32) one is greater. */
    cr_assert_eq(cond_serial_cmp(0, HALF - 1), -1);
    cr_assert_eq(cond_serial_cmp(HALF - 1, 0), 1);
    cr_assert(cond_serial_not_lower(HALF - 1, 0));
    cr_assert_not(cond_serial_not_lower(0, HALF - 1));

    /* 2^31 + 1 apart: the numerically larger one is now "lower". */
    cr_assert_eq(cond_serial_cmp(0, HALF + 1), 1);
    cr_assert_eq(cond_serial_cmp(HALF + 1, 0), -1);
    cr_assert(cond_serial_not_lower(0, HALF + 1));
    cr_assert_not(cond_serial_not_lower(HALF + 1, 0));
}

Test(serial, rfc1982_examples)
{
    /* RFC 1982 section 5.2 uses SERIAL_BITS = 8; the same reasoning at
     * 32 bits: adding n < 2^31 to s gives a serial greater than s. */
    static const uint32_t bases[] = {0,           1,           4294967295u,
                                     2147483647u, 2147483648u, 3000000000u};
    static const uint32_t adds[] = {1, 2, 1000, 2147483647u};
    size_t i, k;

    for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
        for (k = 0; k < sizeof(adds) / sizeof(adds[0]); k++) {
            uint32_t s = bases[i];
            uint32_t t = s + adds[k]; /* wraps mod 2^32 */
            cr_assert_eq(cond_serial_cmp(s, t), -1, "s=%u t=%u", s, t);
            cr_assert_eq(cond_serial_cmp(t, s), 1, "s=%u t=%u", s, t);
            cr_assert(cond_serial_not_lower(t, s), "s=%u t=%u", s, t);
            cr_assert_not(cond_serial_not_lower(s, t), "s=%u t=%u", s, t);
        }
    }
}

Test(serial, against_reference_pseudo_random)
{
    /* xorshift32 with a fixed seed; plus the edges around each value. */
    uint32_t x = 0x9e3779b9u;
    int n;

    for (n = 0; n < 200000; n++) {
        uint32_t a, b;
        int ref, got;

        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        a = x;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        switch (n % 4) {
        case 0:
            b = x;
            break;
        case 1:
            b = a + HALF + (x % 3) - 1; /* around the undefined point */
            break;
        case 2:
            b = a + (x % 5); /* near equal */
            break;
        default:
            b = a - (x % 5);
            break;
        }
        ref = rfc1982_ref(a, b);
        got = cond_serial_cmp(a, b);
        cr_assert_eq(got, ref, "cmp(%u, %u) = %d, RFC 1982 says %d", a, b, got, ref);
        cr_assert_eq(cond_serial_not_lower(a, b), ref == 0 || ref == 1,
                     "not_lower(%u, %u)", a, b);
    }
}
