/*
 * reverse: prefix parsing, reverse zones, PTR owner names, host addresses
 * of a prefix. Expected names are derived by hand from the RFCs, not from
 * the code: RFC 1035 3.5 (in-addr.arpa., octets least significant first,
 * its example 10.2.0.52 -> 52.0.2.10.IN-ADDR.ARPA.), RFC 3596 2.5
 * (ip6.arpa., nibbles least significant first, its example
 * 4321:0:1:2:3:4:567:89ab), RFC 3021 (/31: both addresses are hosts),
 * RFC 5952 (IPv6 text). Long ip6.arpa. names are written one 16-bit group
 * per string literal, last group first, so each can be checked by eye.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "harness/common/errcode.h"
#include "harness/scenario/reverse.h"

/* ---- helpers ------------------------------------------------------------ */

/* Parse s, which must be valid, into *p. */
static void parse_ok(const char *s, reverse_prefix_t *p)
{
    char err[256] = "";
    int ret = reverse_prefix_parse(s, p, err, sizeof(err));

    cr_assert_eq(ret, 0, "'%s': error %d (%s)", s, ret, err);
}

/* The zone of prefix s must be want. */
static void zone_is(const char *s, const char *want)
{
    reverse_prefix_t p;
    char zone[REVERSE_NAME_MAX];
    int ret;

    parse_ok(s, &p);
    ret = reverse_zone(&p, zone, sizeof(zone));
    cr_assert_eq(ret, 0, "'%s': reverse_zone error %d", s, ret);
    cr_expect_str_eq(zone, want, "'%s': got '%s', want '%s'", s, zone, want);
}

/* Labels in a name with a trailing dot. */
static unsigned count_labels(const char *name)
{
    unsigned n = 0;

    for (; *name != '\0'; name++) {
        if (*name == '.')
            n++;
    }
    return n;
}

/* Bytes of an address literal (inet_pton, independent of the module). */
static void pton(int family, const char *text, unsigned char out[16])
{
    memset(out, 0, 16);
    cr_assert_eq(inet_pton(family, text, out), 1, "test bug: '%s'", text);
}

/* n-th address of prefix s must be the literal want. */
static void nth_is(const char *s, uint64_t n, const char *want)
{
    reverse_prefix_t p;
    unsigned char got[16];
    unsigned char exp[16];
    char text[REVERSE_ADDR_TEXT_MAX] = "";
    int ret;

    parse_ok(s, &p);
    pton(p.family, want, exp);
    memset(got, 0xa5, sizeof(got));
    ret = reverse_nth_addr(&p, n, got);
    cr_assert_eq(ret, 0, "'%s' n=%llu: error %d", s, (unsigned long long)n, ret);
    inet_ntop(p.family, got, text, sizeof(text));
    cr_expect_eq(memcmp(got, exp, 16), 0, "'%s' n=%llu: got %s, want %s", s,
                 (unsigned long long)n, text, want);
}

/* prefix s has no n-th address, and out stays untouched. */
static void nth_out_of_range(const char *s, uint64_t n)
{
    reverse_prefix_t p;
    unsigned char got[16];
    unsigned char sentinel[16];
    int ret;

    parse_ok(s, &p);
    memset(got, 0xa5, sizeof(got));
    memset(sentinel, 0xa5, sizeof(sentinel));
    ret = reverse_nth_addr(&p, n, got);
    cr_expect_eq(ret, DP_ERANGE, "'%s' n=%llu: got %d, want DP_ERANGE", s,
                 (unsigned long long)n, ret);
    cr_expect_eq(memcmp(got, sentinel, 16), 0, "'%s' n=%llu: out changed on error", s,
                 (unsigned long long)n);
}

static uint64_t capacity_of(const char *s)
{
    reverse_prefix_t p;

    parse_ok(s, &p);
    return reverse_capacity(&p);
}

/* s must fail with code want, err must mention the input and each of the
 * NULL-terminated needles, and *out must stay untouched. */
static void parse_bad(const char *s, int want, const char *const *needles)
{
    reverse_prefix_t p;
    reverse_prefix_t sentinel;
    char err[512] = "";
    int ret;

    memset(&p, 0x5a, sizeof(p));
    memset(&sentinel, 0x5a, sizeof(sentinel));
    ret = reverse_prefix_parse(s, &p, err, sizeof(err));
    cr_expect_eq(ret, want, "'%s': got %d, want %d (%s)", s, ret, want, err);
    cr_expect_eq(memcmp(&p, &sentinel, sizeof(p)), 0, "'%s': *out changed on error", s);
    cr_expect_neq(err[0], '\0', "'%s': no error text", s);
    cr_expect_not_null(strstr(err, s), "'%s': error text does not quote the input: %s", s,
                       err);
    for (; needles != NULL && *needles != NULL; needles++)
        cr_expect_not_null(strstr(err, *needles), "'%s': error text lacks '%s': %s", s,
                           *needles, err);
}

/* name must end in zone, at a label boundary. */
static void in_zone(const char *name, const char *zone)
{
    size_t nl = strlen(name);
    size_t zl = strlen(zone);

    cr_assert_geq(nl, zl, "'%s' shorter than zone '%s'", name, zone);
    cr_expect_str_eq(name + nl - zl, zone, "'%s' is not in zone '%s'", name, zone);
    cr_expect(nl == zl || name[nl - zl - 1] == '.',
              "'%s' not at a label boundary of '%s'", name, zone);
}

/* ---- parsing ------------------------------------------------------------ */

Test(reverse, parse_ipv4)
{
    reverse_prefix_t p;
    static const unsigned char want[16] = {192, 0, 2, 0};

    parse_ok("192.0.2.0/24", &p);
    cr_expect_eq(p.family, AF_INET);
    cr_expect_eq(p.plen, 24);
    cr_expect_eq(memcmp(p.addr, want, 16), 0, "address bytes, rest zero");

    parse_ok("10.0.0.0/8", &p);
    cr_expect_eq(p.family, AF_INET);
    cr_expect_eq(p.plen, 8);
    cr_expect_eq(p.addr[0], 10);

    parse_ok("0.0.0.0/0", &p);
    cr_expect_eq(p.plen, 0);
    parse_ok("255.255.255.255/32", &p);
    cr_expect_eq(p.plen, 32);
    cr_expect_eq(p.addr[3], 255);
    /* 10 = 0000 1010: its low bit is outside /7 and clear, so 10/7 is a
     * network (10.0.0.0 - 11.255.255.255). */
    parse_ok("10.0.0.0/7", &p);
    cr_expect_eq(p.plen, 7);
}

Test(reverse, parse_ipv6_any_spelling)
{
    reverse_prefix_t a;
    reverse_prefix_t b;
    static const unsigned char db8[16] = {0x20, 0x01, 0x0d, 0xb8};
    static const unsigned char x1234[16] = {0x12, 0x34};

    parse_ok("2001:db8::/32", &a);
    cr_expect_eq(a.family, AF_INET6);
    cr_expect_eq(a.plen, 32);
    cr_expect_eq(memcmp(a.addr, db8, 16), 0);
    parse_ok("2001:0DB8:0000:0:0:0:0:0/32", &b);
    cr_expect_eq(memcmp(&a, &b, sizeof(a)), 0, "upper case, leading zeros, no ::");

    parse_ok("1234::/16", &a);
    parse_ok("1234:0:0:0::/64", &b);
    cr_expect_eq(a.family, AF_INET6);
    cr_expect_eq(b.family, AF_INET6);
    cr_expect_eq(memcmp(a.addr, x1234, 16), 0);
    cr_expect_eq(memcmp(b.addr, x1234, 16), 0, "same address");
    cr_expect_eq(a.plen, 16);
    cr_expect_eq(b.plen, 64);

    parse_ok("::/0", &a);
    cr_expect_eq(a.family, AF_INET6);
    cr_expect_eq(a.plen, 0);
    parse_ok("2001:db8::1/128", &a);
    cr_expect_eq(a.plen, 128);
    cr_expect_eq(a.addr[15], 1);
}

Test(reverse, parse_rejects_host_bits_and_names_them)
{
    /* 192.0.2.1/24: host part 0.0.0.1, only bit 31 (from 0 at the left). */
    parse_bad(
        "192.0.2.1/24", DP_EBADVALUE,
        (const char *const[]){"host bits", "0.0.0.1", "bit 31", "192.0.2.0/24", NULL});
    /* 192.0.2.255/24: eight bits, the first is bit 24. */
    parse_bad(
        "192.0.2.255/24", DP_EBADVALUE,
        (const char *const[]){"0.0.0.255", "8 bits", "bit 24", "192.0.2.0/24", NULL});
    /* 11 = 0000 1011: bit 7 is outside /7. */
    parse_bad("11.0.0.0/7", DP_EBADVALUE,
              (const char *const[]){"1.0.0.0", "bit 7", "10.0.0.0/7", NULL});
    /* 192.0.2.70 = .64 + 6 in a /26: 0100 0110, bits 29 and 30 set. */
    parse_bad(
        "192.0.2.70/26", DP_EBADVALUE,
        (const char *const[]){"0.0.0.6", "2 bits", "bit 29", "192.0.2.64/26", NULL});
    parse_bad("2001:db8::1/64", DP_EBADVALUE,
              (const char *const[]){"::1", "bit 127", "2001:db8::/64", NULL});
    /* 2001:db8:8000::/32: the top bit of group 2 is bit 32. */
    parse_bad("2001:db8:8000::/32", DP_EBADVALUE,
              (const char *const[]){"0:0:8000::", "bit 32", "2001:db8::/32", NULL});
    /* 0.0.0.1/0: everything is host bits. */
    parse_bad("0.0.0.1/0", DP_EBADVALUE,
              (const char *const[]){"bit 31", "0.0.0.0/0", NULL});
}

Test(reverse, parse_rejects_bad_lengths)
{
    parse_bad("192.0.2.0/33", DP_ERANGE, (const char *const[]){"33", "0..32", NULL});
    parse_bad("2001:db8::/129", DP_ERANGE, (const char *const[]){"129", "0..128", NULL});
    parse_bad("192.0.2.0/99999999999", DP_ERANGE, NULL);
    parse_bad("192.0.2.0/", DP_EPARSE, (const char *const[]){"missing", NULL});
    parse_bad("2001:db8::/", DP_EPARSE, (const char *const[]){"missing", NULL});
    parse_bad("192.0.2.0/x", DP_EPARSE, (const char *const[]){"\"x\"", NULL});
    parse_bad("192.0.2.0", DP_EPARSE, (const char *const[]){"missing", NULL});
    parse_bad("2001:db8::", DP_EPARSE, (const char *const[]){"missing", NULL});
    parse_bad("192.0.2.0/-1", DP_EPARSE, NULL);
    parse_bad("192.0.2.0/+24", DP_EPARSE, NULL);
    parse_bad("192.0.2.0/ 24", DP_EPARSE, NULL);
    parse_bad("192.0.2.0/24 ", DP_EPARSE, NULL);
    parse_bad("192.0.2.0/24/8", DP_EPARSE, NULL);
    parse_bad("192.0.2.0/0x18", DP_EPARSE, NULL);
}

Test(reverse, parse_rejects_bad_addresses)
{
    parse_bad("/24", DP_EPARSE, NULL);
    parse_bad("192.0.2/24", DP_EPARSE, (const char *const[]){"\"192.0.2\"", NULL});
    parse_bad("192.0.2.256/24", DP_EPARSE, NULL);
    parse_bad("example.com/24", DP_EPARSE, NULL);
    parse_bad(" 192.0.2.0/24", DP_EPARSE, NULL);
    parse_bad("2001:db8:::/48", DP_EPARSE, NULL);
    parse_bad("fe80::%eth0/64", DP_EPARSE, NULL);
    parse_bad("2001:0db8:0000:0000:0000:0000:0000:0000:0000/64", DP_EPARSE, NULL);
    parse_bad("", DP_EPARSE, NULL);
}

Test(reverse, parse_null_input_and_no_err_buffer)
{
    reverse_prefix_t p;

    cr_expect_eq(reverse_prefix_parse(NULL, &p, NULL, 0), DP_EPARSE);
    cr_expect_eq(reverse_prefix_parse("192.0.2.1/24", &p, NULL, 0), DP_EBADVALUE);
    cr_expect_eq(reverse_prefix_parse("192.0.2.0/24", &p, NULL, 0), 0);
    cr_expect_eq(p.plen, 24);
}

/* ---- zones: IPv4 (RFC 1035 3.5) ----------------------------------------- */

Test(reverse, zone_ipv4_octet_boundaries)
{
    zone_is("10.0.0.0/8", "10.in-addr.arpa.");
    zone_is("172.16.0.0/16", "16.172.in-addr.arpa.");
    zone_is("192.0.2.0/24", "2.0.192.in-addr.arpa.");
    zone_is("192.0.2.5/32", "5.2.0.192.in-addr.arpa.");
    zone_is("0.0.0.0/0", "in-addr.arpa.");
}

Test(reverse, zone_ipv4_between_octets_goes_up)
{
    /* /20: 172.16.16.0 - 172.16.31.255, inside 172.16/16 */
    zone_is("172.16.16.0/20", "16.172.in-addr.arpa.");
    /* /26: 192.0.2.64 - .127, inside 192.0.2/24 (no RFC 2317 zone) */
    zone_is("192.0.2.64/26", "2.0.192.in-addr.arpa.");
    /* /31 and /25 are still in the /24 */
    zone_is("192.0.2.128/25", "2.0.192.in-addr.arpa.");
    zone_is("192.0.2.4/31", "2.0.192.in-addr.arpa.");
    /* /9 and /15 in the /8, /7 at the apex */
    zone_is("10.128.0.0/9", "10.in-addr.arpa.");
    zone_is("10.0.0.0/15", "10.in-addr.arpa.");
    zone_is("10.0.0.0/7", "in-addr.arpa.");
}

/* ---- zones: IPv6 (RFC 3596 2.5) ----------------------------------------- */

Test(reverse, zone_ipv6_nibble_boundaries)
{
    /* 2001:0db8 -> nibbles 2 0 0 1 0 d b 8, reversed */
    zone_is("2001:db8::/32", "8.b.d.0.1.0.0.2.ip6.arpa.");
    zone_is("2001:db8:1234::/48", "4.3.2.1."
                                  "8.b.d.0.1.0.0.2.ip6.arpa.");
    /* /56: 14 nibbles, group 3 = 5600 contributes 5 6 */
    zone_is("2001:db8:1234:5600::/56", "6.5."
                                       "4.3.2.1."
                                       "8.b.d.0.1.0.0.2.ip6.arpa.");
    zone_is("2001:db8:1234:5678::/64", "8.7.6.5."
                                       "4.3.2.1."
                                       "8.b.d.0.1.0.0.2.ip6.arpa.");
    zone_is("::/0", "ip6.arpa.");
}

Test(reverse, zone_ipv6_between_nibbles_goes_up)
{
    /* /127 of 2001:db8::abc (last nibble c = 1100, low bit clear): the
     * /124 zone has 31 nibbles, all but the last c. */
    static const char z127[] = "b.a.0."
                               "0.0.0.0." /* group 6 */
                               "0.0.0.0." /* group 5 */
                               "0.0.0.0." /* group 4 */
                               "0.0.0.0." /* group 3 */
                               "0.0.0.0." /* group 2 */
                               "8.b.d.0."
                               "1.0.0.2.ip6.arpa.";
    zone_is("2001:db8::abc/127", z127);
    cr_expect_eq(count_labels(z127), 31 + 2, "test bug: 31 nibbles");
    /* /49: the extra bit is the top of group 3 (8000): /48 zone */
    zone_is("2001:db8:1234:8000::/49", "4.3.2.1."
                                       "8.b.d.0.1.0.0.2.ip6.arpa.");
    /* /35, /33: still in the /32 */
    zone_is("2001:db8:e000::/35", "8.b.d.0.1.0.0.2.ip6.arpa.");
    zone_is("2001:db8:8000::/33", "8.b.d.0.1.0.0.2.ip6.arpa.");
    /* /36: one more nibble, e */
    zone_is("2001:db8:e000::/36", "e.8.b.d.0.1.0.0.2.ip6.arpa.");
}

Test(reverse, zone_same_address_different_lengths)
{
    reverse_prefix_t a;
    reverse_prefix_t b;
    char za[REVERSE_NAME_MAX];
    char zb[REVERSE_NAME_MAX];

    parse_ok("1234::/16", &a);
    parse_ok("1234:0:0:0::/64", &b);
    cr_assert_eq(memcmp(a.addr, b.addr, 16), 0);
    cr_assert_eq(reverse_zone(&a, za, sizeof(za)), 0);
    cr_assert_eq(reverse_zone(&b, zb, sizeof(zb)), 0);
    cr_expect_str_eq(za, "4.3.2.1.ip6.arpa.");
    cr_expect_str_eq(zb, "0.0.0.0.0.0.0.0.0.0.0.0.4.3.2.1.ip6.arpa.");
    cr_expect_eq(count_labels(za), 4 + 2, "4 nibbles + ip6.arpa");
    cr_expect_eq(count_labels(zb), 16 + 2, "16 nibbles + ip6.arpa");
    cr_expect_str_neq(za, zb);
}

Test(reverse, zone_buffer_and_invalid_prefix)
{
    reverse_prefix_t p;
    char zone[REVERSE_NAME_MAX];
    static const char want[] = "2.0.192.in-addr.arpa.";

    parse_ok("192.0.2.0/24", &p);
    cr_expect_eq(reverse_zone(&p, zone, sizeof(want) - 1), -ENOSPC, "no room for NUL");
    cr_expect_eq(reverse_zone(&p, zone, 0), -ENOSPC);
    cr_expect_eq(reverse_zone(&p, zone, sizeof(want)), 0, "exact fit");
    cr_expect_str_eq(zone, want);

    /* structures reverse_prefix_parse would not produce */
    p.plen = 33;
    cr_expect_eq(reverse_zone(&p, zone, sizeof(zone)), -EINVAL);
    p.plen = 24;
    p.addr[3] = 1; /* host bit */
    cr_expect_eq(reverse_zone(&p, zone, sizeof(zone)), -EINVAL);
    p.addr[3] = 0;
    p.family = AF_UNIX;
    cr_expect_eq(reverse_zone(&p, zone, sizeof(zone)), -EAFNOSUPPORT);
    cr_expect_eq(reverse_zone(NULL, zone, sizeof(zone)), -EINVAL);
    memset(&p, 0, sizeof(p));
    p.family = AF_INET6;
    p.plen = 129;
    cr_expect_eq(reverse_zone(&p, zone, sizeof(zone)), -EINVAL);
}

/* ---- PTR names ---------------------------------------------------------- */

Test(reverse, ptr_name_ipv4)
{
    unsigned char a[16];
    char name[REVERSE_NAME_MAX];

    pton(AF_INET, "192.0.2.5", a);
    cr_assert_eq(reverse_ptr_name(AF_INET, a, name, sizeof(name)), 0);
    cr_expect_str_eq(name, "5.2.0.192.in-addr.arpa.");
    /* RFC 1035 3.5's own example, lower-cased */
    pton(AF_INET, "10.2.0.52", a);
    cr_assert_eq(reverse_ptr_name(AF_INET, a, name, sizeof(name)), 0);
    cr_expect_str_eq(name, "52.0.2.10.in-addr.arpa.");
    /* the longest IPv4 name: 29 characters */
    pton(AF_INET, "255.255.255.255", a);
    cr_assert_eq(reverse_ptr_name(AF_INET, a, name, sizeof(name)), 0);
    cr_expect_str_eq(name, "255.255.255.255.in-addr.arpa.");
    cr_expect_eq(strlen(name), 29);
    pton(AF_INET, "0.0.0.0", a);
    cr_assert_eq(reverse_ptr_name(AF_INET, a, name, sizeof(name)), 0);
    cr_expect_str_eq(name, "0.0.0.0.in-addr.arpa.");
}

Test(reverse, ptr_name_ipv6)
{
    unsigned char a[16];
    char name[REVERSE_NAME_MAX];

    pton(AF_INET6, "2001:db8::1", a);
    cr_assert_eq(reverse_ptr_name(AF_INET6, a, name, sizeof(name)), 0);
    cr_expect_str_eq(name, "1.0.0.0."
                           "0.0.0.0."
                           "0.0.0.0."
                           "0.0.0.0."
                           "0.0.0.0."
                           "0.0.0.0."
                           "8.b.d.0."
                           "1.0.0.2.ip6.arpa.");
    cr_expect_eq(count_labels(name), 32 + 2, "32 nibbles + ip6.arpa");
    /* RFC 3596 2.5's own example, lower-cased */
    pton(AF_INET6, "4321:0:1:2:3:4:567:89ab", a);
    cr_assert_eq(reverse_ptr_name(AF_INET6, a, name, sizeof(name)), 0);
    cr_expect_str_eq(name,
                     "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4."
                     "ip6.arpa.");
    /* upper-case hex digits never appear */
    pton(AF_INET6, "ABCD:EF01::", a);
    cr_assert_eq(reverse_ptr_name(AF_INET6, a, name, sizeof(name)), 0);
    cr_expect_str_eq(name, "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
                           "1.0.f.e.d.c.b.a.ip6.arpa.");
    /* every IPv6 name is 73 characters: REVERSE_NAME_MAX fits exactly */
    cr_expect_eq(strlen(name), 73);
    cr_expect_eq(reverse_ptr_name(AF_INET6, a, name, REVERSE_NAME_MAX - 1), -ENOSPC);
}

Test(reverse, ptr_name_bad_family)
{
    unsigned char a[16] = {0};
    char name[REVERSE_NAME_MAX];

    cr_expect_eq(reverse_ptr_name(AF_UNIX, a, name, sizeof(name)), -EAFNOSUPPORT);
    cr_expect_eq(reverse_ptr_name(AF_INET, NULL, name, sizeof(name)), -EINVAL);
    cr_expect_eq(reverse_ptr_name(AF_INET, a, name, 4), -ENOSPC);
}

/* ---- n-th address and capacity ------------------------------------------ */

Test(reverse, nth_ipv4_skips_network_and_broadcast)
{
    /* /30: .0 network, .1 .2 hosts, .3 broadcast */
    cr_expect_eq(capacity_of("192.0.2.0/30"), 2);
    nth_is("192.0.2.0/30", 0, "192.0.2.1");
    nth_is("192.0.2.0/30", 1, "192.0.2.2");
    nth_out_of_range("192.0.2.0/30", 2);
    nth_out_of_range("192.0.2.0/30", UINT64_MAX);

    /* /24: 254 hosts, .1 to .254 */
    cr_expect_eq(capacity_of("192.0.2.0/24"), 254);
    nth_is("192.0.2.0/24", 0, "192.0.2.1");
    nth_is("192.0.2.0/24", 253, "192.0.2.254");
    nth_out_of_range("192.0.2.0/24", 254);

    /* /26 at .64: .65 to .126 */
    cr_expect_eq(capacity_of("192.0.2.64/26"), 62);
    nth_is("192.0.2.64/26", 0, "192.0.2.65");
    nth_is("192.0.2.64/26", 61, "192.0.2.126");
    nth_out_of_range("192.0.2.64/26", 62);

    /* /8: 2^24 - 2; n = 255 is offset 256, a carry into the third octet */
    cr_expect_eq(capacity_of("10.0.0.0/8"), 16777214);
    nth_is("10.0.0.0/8", 255, "10.0.1.0");
    nth_is("10.0.0.0/8", 16777213, "10.255.255.254");
    nth_out_of_range("10.0.0.0/8", 16777214);

    /* /0: 2^32 - 2 */
    cr_expect_eq(capacity_of("0.0.0.0/0"), UINT64_C(4294967294));
    nth_is("0.0.0.0/0", UINT64_C(4294967293), "255.255.255.254");
    nth_out_of_range("0.0.0.0/0", UINT64_C(4294967294));
}

Test(reverse, nth_ipv4_31_and_32_start_at_the_network)
{
    /* RFC 3021: both addresses of a /31 are hosts */
    cr_expect_eq(capacity_of("192.0.2.4/31"), 2);
    nth_is("192.0.2.4/31", 0, "192.0.2.4");
    nth_is("192.0.2.4/31", 1, "192.0.2.5");
    nth_out_of_range("192.0.2.4/31", 2);

    cr_expect_eq(capacity_of("192.0.2.7/32"), 1);
    nth_is("192.0.2.7/32", 0, "192.0.2.7");
    nth_out_of_range("192.0.2.7/32", 1);
}

Test(reverse, nth_ipv4_zeroes_the_rest_of_out)
{
    reverse_prefix_t p;
    unsigned char out[16];
    static const unsigned char want[16] = {192, 0, 2, 1};

    parse_ok("192.0.2.0/24", &p);
    memset(out, 0xa5, sizeof(out));
    cr_assert_eq(reverse_nth_addr(&p, 0, out), 0);
    cr_expect_eq(memcmp(out, want, 16), 0);
}

Test(reverse, nth_ipv6)
{
    /* /126: 4 addresses, the network address first (no broadcast) */
    cr_expect_eq(capacity_of("2001:db8::/126"), 4);
    nth_is("2001:db8::/126", 0, "2001:db8::");
    nth_is("2001:db8::/126", 3, "2001:db8::3");
    nth_out_of_range("2001:db8::/126", 4);

    cr_expect_eq(capacity_of("2001:db8::abc/127"), 2);
    nth_is("2001:db8::abc/127", 1, "2001:db8::abd");
    nth_out_of_range("2001:db8::abc/127", 2);

    cr_expect_eq(capacity_of("2001:db8::1/128"), 1);
    nth_is("2001:db8::1/128", 0, "2001:db8::1");
    nth_out_of_range("2001:db8::1/128", 1);

    /* /65: 2^63 addresses */
    cr_expect_eq(capacity_of("2001:db8::/65"), UINT64_C(1) << 63);
    nth_is("2001:db8::/65", (UINT64_C(1) << 63) - 1, "2001:db8::7fff:ffff:ffff:ffff");
    nth_out_of_range("2001:db8::/65", UINT64_C(1) << 63);

    /* the host part is added to the network bits below it */
    nth_is("2001:db8:0:1::/96", 0x10000, "2001:db8:0:1::1:0");
    nth_is("2001:db8:0:1::/96", 0xffffffff, "2001:db8:0:1::ffff:ffff");
    nth_out_of_range("2001:db8:0:1::/96", UINT64_C(0x100000000));
}

Test(reverse, nth_ipv6_64_and_shorter_saturate)
{
    /* 2^64 addresses: capacity saturates, every uint64_t n is valid */
    cr_expect_eq(capacity_of("2001:db8::/64"), UINT64_MAX);
    nth_is("2001:db8::/64", 0, "2001:db8::");
    nth_is("2001:db8::/64", 0x10000, "2001:db8::1:0");
    nth_is("2001:db8::/64", UINT64_MAX, "2001:db8::ffff:ffff:ffff:ffff");
    cr_expect_eq(capacity_of("2001:db8::/48"), UINT64_MAX);
    nth_is("2001:db8::/48", UINT64_MAX, "2001:db8::ffff:ffff:ffff:ffff");
    cr_expect_eq(capacity_of("::/0"), UINT64_MAX);
}

Test(reverse, nth_and_capacity_of_invalid_prefix)
{
    reverse_prefix_t p;
    unsigned char out[16];

    memset(&p, 0, sizeof(p));
    p.family = AF_INET;
    p.plen = 33;
    cr_expect_eq(reverse_capacity(&p), 0);
    cr_expect_eq(reverse_nth_addr(&p, 0, out), -EINVAL);
    p.plen = 24;
    p.addr[3] = 0x80;
    cr_expect_eq(reverse_capacity(&p), 0);
    cr_expect_eq(reverse_nth_addr(&p, 0, out), -EINVAL);
    p.family = 0;
    cr_expect_eq(reverse_capacity(&p), 0);
    cr_expect_eq(reverse_nth_addr(&p, 0, out), -EAFNOSUPPORT);
    cr_expect_eq(reverse_capacity(NULL), 0);
}

/* ---- PTR names of a prefix's addresses lie in its zone ------------------ */

Test(reverse, ptr_names_fall_inside_the_zone)
{
    static const char *const prefixes[] = {
        "192.0.2.64/26", "172.16.16.0/20",    "10.0.0.0/8",     "192.0.2.4/31",
        "192.0.2.7/32",  "2001:db8::abc/127", "2001:db8::/126", "2001:db8:1234:8000::/49",
        "1234::/16",     "1234:0:0:0::/64",
    };
    size_t i;

    for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        reverse_prefix_t p;
        char zone[REVERSE_NAME_MAX];
        uint64_t cap;
        uint64_t samples[6];
        size_t k;

        parse_ok(prefixes[i], &p);
        cr_assert_eq(reverse_zone(&p, zone, sizeof(zone)), 0);
        cap = reverse_capacity(&p);
        cr_assert_gt(cap, 0, "%s", prefixes[i]);
        /* first, second, middle, last but one, last, and one past */
        samples[0] = 0;
        samples[1] = cap > 1 ? 1 : 0;
        samples[2] = cap / 2;
        samples[3] = cap > 1 ? cap - 2 : 0;
        samples[4] = cap - 1;
        samples[5] = cap == UINT64_MAX ? UINT64_MAX : cap;
        for (k = 0; k < 6; k++) {
            unsigned char a[16];
            char name[REVERSE_NAME_MAX];
            int ret = reverse_nth_addr(&p, samples[k], a);

            if (k == 5 && cap != UINT64_MAX) {
                cr_expect_eq(ret, DP_ERANGE, "%s: n = capacity", prefixes[i]);
                continue;
            }
            cr_assert_eq(ret, 0, "%s n=%llu: %d", prefixes[i],
                         (unsigned long long)samples[k], ret);
            cr_assert_eq(reverse_ptr_name(p.family, a, name, sizeof(name)), 0);
            in_zone(name, zone);
            cr_expect_eq(count_labels(name), p.family == AF_INET ? 4 + 2 : 32 + 2, "%s",
                         name);
        }
    }
}

Test(reverse, ptr_names_outside_the_prefix_are_not_in_the_zone)
{
    /* control for the suffix check above: a neighbour's name is not in it */
    unsigned char a[16];
    char name[REVERSE_NAME_MAX];

    pton(AF_INET, "192.0.3.1", a);
    cr_assert_eq(reverse_ptr_name(AF_INET, a, name, sizeof(name)), 0);
    cr_expect_null(strstr(name, "2.0.192.in-addr.arpa."));
    /* 12.0.192...: ends in "2.0.192.in-addr.arpa." as a string but not
     * at a label boundary */
    pton(AF_INET, "192.0.12.1", a);
    cr_assert_eq(reverse_ptr_name(AF_INET, a, name, sizeof(name)), 0);
    cr_expect_str_eq(name, "1.12.0.192.in-addr.arpa.");
    cr_expect_neq(name[strlen(name) - strlen("2.0.192.in-addr.arpa.") - 1], '.');
}

/* ---- address text (RFC 5952) -------------------------------------------- */

Test(reverse, addr_text)
{
    unsigned char a[16];
    char text[REVERSE_ADDR_TEXT_MAX];

    pton(AF_INET, "192.0.2.5", a);
    cr_assert_eq(reverse_addr_text(AF_INET, a, text, sizeof(text)), 0);
    cr_expect_str_eq(text, "192.0.2.5");

    /* RFC 5952 4.1 leading zeros, 4.3 lower case, 4.2.1 longest run */
    pton(AF_INET6, "2001:0DB8:0000:0000:0000:0000:0000:0001", a);
    cr_assert_eq(reverse_addr_text(AF_INET6, a, text, sizeof(text)), 0);
    cr_expect_str_eq(text, "2001:db8::1");
    /* 4.2.2: a single zero group is not compressed */
    pton(AF_INET6, "2001:db8:0:1:1:1:1:1", a);
    cr_assert_eq(reverse_addr_text(AF_INET6, a, text, sizeof(text)), 0);
    cr_expect_str_eq(text, "2001:db8:0:1:1:1:1:1");
    /* 4.2.3: of equal runs, the first is compressed */
    pton(AF_INET6, "2001:db8:0:0:1:0:0:1", a);
    cr_assert_eq(reverse_addr_text(AF_INET6, a, text, sizeof(text)), 0);
    cr_expect_str_eq(text, "2001:db8::1:0:0:1");
    /* 4.2.3: the longest run wins */
    pton(AF_INET6, "2001:0:0:1:0:0:0:1", a);
    cr_assert_eq(reverse_addr_text(AF_INET6, a, text, sizeof(text)), 0);
    cr_expect_str_eq(text, "2001:0:0:1::1");

    pton(AF_INET, "192.0.2.5", a);
    cr_expect_eq(reverse_addr_text(AF_INET, a, text, 9), -ENOSPC, "9 chars + NUL");
    cr_expect_eq(reverse_addr_text(AF_INET, a, text, 10), 0);
    cr_expect_eq(reverse_addr_text(AF_UNIX, a, text, sizeof(text)), -EAFNOSUPPORT);
    cr_expect_eq(reverse_addr_text(AF_INET, NULL, text, sizeof(text)), -EINVAL);
}
