/*
 * rdata: type names, canonical names, and canonical values from zone-file
 * text and from the wire. Expected strings follow the rules in rdata.h:
 * names lower case (RFC 4343) and fully qualified, IPv6 in RFC 5952 form,
 * TXT as quoted character-strings (RFC 1035 3.3.14), unknown types in
 * RFC 3597 generic form.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "probes/rdata.h"

/* ---- helpers ------------------------------------------------------------ */

/* rdata_from_text must succeed and give want. */
static void text_ok(uint16_t type, const char *in, const char *want)
{
    char *out = NULL;
    int ret = rdata_from_text(type, in, &out);

    cr_assert_eq(ret, 0, "type %u '%s': error %d", (unsigned)type, in, ret);
    cr_assert_not_null(out);
    cr_expect_str_eq(out, want, "type %u '%s': got '%s', want '%s'", (unsigned)type, in,
                     out, want);
    free(out);
}

static void text_bad(uint16_t type, const char *in)
{
    char *out = NULL;
    int ret = rdata_from_text(type, in, &out);

    cr_expect_lt(ret, 0, "type %u '%s' accepted as '%s'", (unsigned)type, in,
                 out ? out : "(null)");
    if (ret < 0)
        cr_expect_null(out, "type %u '%s': *out set on error", (unsigned)type, in);
    free(out);
}

/* Both texts give the same canonical value. */
static void text_same(uint16_t type, const char *a, const char *b)
{
    char *oa = NULL;
    char *ob = NULL;

    cr_assert_eq(rdata_from_text(type, a, &oa), 0, "'%s'", a);
    cr_assert_eq(rdata_from_text(type, b, &ob), 0, "'%s'", b);
    cr_expect_str_eq(oa, ob, "'%s' -> '%s' and '%s' -> '%s' differ", a, oa, b, ob);
    free(oa);
    free(ob);
}

static void canon_ok(const char *in, const char *want)
{
    char out[RDATA_NAME_TEXT_MAX];
    int ret = rdata_name_canon(in, out, sizeof(out));

    cr_assert_eq(ret, 0, "'%s': error %d", in, ret);
    cr_assert_str_eq(out, want, "'%s'", in);
}

static void canon_bad(const char *in)
{
    char out[RDATA_NAME_TEXT_MAX];
    int ret = rdata_name_canon(in, out, sizeof(out));

    cr_expect_eq(ret, DP_EBADNAME, "'%s' accepted (%d): '%s'", in, ret,
                 ret == 0 ? out : "");
}

/* A name of labels of the given lengths, letters only, no trailing dot. */
static char *make_name(const size_t *lens, size_t n)
{
    size_t total = 0;
    size_t i, k;
    char *s, *p;

    for (i = 0; i < n; i++)
        total += lens[i] + 1;
    s = malloc(total + 1);
    cr_assert_not_null(s);
    p = s;
    for (i = 0; i < n; i++) {
        for (k = 0; k < lens[i]; k++)
            *p++ = (char)('a' + (i + k) % 26);
        if (i + 1 < n)
            *p++ = '.';
    }
    *p = '\0';
    return s;
}

/* rdata_from_wire over rdata that sits at rdoff inside msg. */
static int from_wire(uint16_t type, const unsigned char *msg, size_t msglen, size_t rdoff,
                     size_t rdlen, char **out)
{
    *out = NULL;
    return rdata_from_wire(type, msg, msglen, msg + rdoff, rdlen, out);
}

static void wire_ok(uint16_t type, const unsigned char *msg, size_t msglen, size_t rdoff,
                    size_t rdlen, const char *want)
{
    char *out = NULL;
    int ret = from_wire(type, msg, msglen, rdoff, rdlen, &out);

    cr_assert_eq(ret, 0, "type %u: error %d", (unsigned)type, ret);
    cr_assert_not_null(out);
    cr_expect_str_eq(out, want, "type %u: got '%s', want '%s'", (unsigned)type, out,
                     want);
    free(out);
}

static void wire_bad(uint16_t type, const unsigned char *msg, size_t msglen, size_t rdoff,
                     size_t rdlen)
{
    char *out = NULL;
    int ret = from_wire(type, msg, msglen, rdoff, rdlen, &out);

    cr_assert_eq(ret, DP_EMALFORMED, "type %u rdlen %zu: got %d ('%s')", (unsigned)type,
                 rdlen, ret, out ? out : "(null)");
    cr_assert_null(out);
}

/* A fake message: 12 zero header octets then body. Returns total length. */
static size_t msg_with(unsigned char *msg, const void *body, size_t blen)
{
    memset(msg, 0, 12);
    memcpy(msg + 12, body, blen);
    return 12 + blen;
}

/* ---- types -------------------------------------------------------------- */

Test(rdata, type_from_str_known)
{
    static const struct {
        const char *s;
        uint16_t t;
    } ok[] = {{"A", 1},        {"a", 1},       {"NS", 2},     {"cname", 5},
              {"SOA", 6},      {"PTR", 12},    {"Mx", 15},    {"TXT", 16},
              {"aaaa", 28},    {"AAAA", 28},   {"SRV", 33},   {"DS", 43},
              {"DNSKEY", 48},  {"CAA", 257},   {"HTTPS", 65}, {"SVCB", 64},
              {"TYPE65", 65},  {"type65", 65}, {"TYPE1", 1},  {"TYPE65535", 65535},
              {"Type257", 257}};
    size_t i;

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint16_t t = 0;
        cr_assert_eq(rdata_type_from_str(ok[i].s, &t), 0, "'%s'", ok[i].s);
        cr_assert_eq(t, ok[i].t, "'%s' -> %u", ok[i].s, (unsigned)t);
    }
}

Test(rdata, type_from_str_bad)
{
    static const char *const bad[] = {
        "",       "B",      "AA",        "A ",
        " A",     "TYPE",   "TYPE0",     "TYPE-1",
        "TYPE 1", "TYPE1x", "TYPE65536", "TYPEx",
        "TYPE+5", "1",      "TYP1",      "TYPE99999999999999999999"};
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint16_t t = 4242;
        cr_assert_eq(rdata_type_from_str(bad[i], &t), DP_EBADTYPE, "'%s'", bad[i]);
        cr_assert_eq(t, 4242, "'%s' changed *out", bad[i]);
    }
    {
        uint16_t t = 4242;
        cr_assert_eq(rdata_type_from_str(NULL, &t), DP_EBADTYPE);
    }
}

Test(rdata, type_to_str)
{
    char buf[16];

    cr_assert_str_eq(rdata_type_to_str(1, buf), "A");
    cr_assert_str_eq(rdata_type_to_str(28, buf), "AAAA");
    cr_assert_str_eq(rdata_type_to_str(6, buf), "SOA");
    cr_assert_str_eq(rdata_type_to_str(65, buf), "HTTPS");
    cr_assert_str_eq(rdata_type_to_str(999, buf), "TYPE999");
    cr_assert_str_eq(rdata_type_to_str(65535, buf), "TYPE65535");
    /* and back */
    {
        uint16_t t = 0;
        cr_assert_eq(rdata_type_from_str(rdata_type_to_str(999, buf), &t), 0);
        cr_assert_eq(t, 999);
    }
}

Test(rdata, type_comparable)
{
    /* every data type, known to ldns or not (RFC 3597) */
    static const uint16_t yes[] = {1,  2,  5,  6,   12,  15,  16,  28,    33,
                                   35, 39, 43, 44,  48,  52,  64,  65,    99,
                                   29, 17, 61, 256, 257, 999, 260, 65534, 65535};
    /* 0, OPT (RFC 6891) and the QTYPE/meta range (RFC 6895 3.1) */
    static const uint16_t no[] = {0, 41, 128, 249, 250, 251, 252, 255};
    static const uint16_t basic[] = {1, 2, 5, 12, 15, 16, 28, 33};
    size_t i;

    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        cr_assert(rdata_type_comparable(yes[i]), "%u", (unsigned)yes[i]);
    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        cr_assert_not(rdata_type_comparable(no[i]), "%u", (unsigned)no[i]);
    for (i = 0; i < sizeof(basic) / sizeof(basic[0]); i++)
        cr_assert(rdata_type_basic(basic[i]), "%u", (unsigned)basic[i]);
    cr_assert_not(rdata_type_basic(257));
    cr_assert_not(rdata_type_basic(6));
}

Test(rdata, rcode_str)
{
    char buf[16];

    /* RFC 1035 4.1.1, RFC 2136 2.2 */
    cr_assert_str_eq(rdata_rcode_str(0, buf), "NOERROR");
    cr_assert_str_eq(rdata_rcode_str(1, buf), "FORMERR");
    cr_assert_str_eq(rdata_rcode_str(2, buf), "SERVFAIL");
    cr_assert_str_eq(rdata_rcode_str(3, buf), "NXDOMAIN");
    cr_assert_str_eq(rdata_rcode_str(4, buf), "NOTIMP");
    cr_assert_str_eq(rdata_rcode_str(5, buf), "REFUSED");
    cr_assert_str_eq(rdata_rcode_str(9, buf), "NOTAUTH");
    cr_assert_str_eq(rdata_rcode_str(10, buf), "NOTZONE");
    cr_assert_str_eq(rdata_rcode_str(11, buf), "RCODE11");
    cr_assert_str_eq(rdata_rcode_str(-1, buf), "RCODE-1");
}

/* ---- names -------------------------------------------------------------- */

Test(rdata, name_canon_case_and_dot)
{
    canon_ok("Example.COM", "example.com.");
    canon_ok("example.com.", "example.com.");
    canon_ok("EXAMPLE.COM.", "example.com.");
    canon_ok("a", "a.");
    canon_ok("xn--BcHer-kva.Example", "xn--bcher-kva.example.");
    canon_ok(".", ".");
}

Test(rdata, name_canon_escapes)
{
    canon_ok("a\\.b.example", "a\\.b.example."); /* one label "a.b" */
    canon_ok("a\\046b.example", "a\\.b.example.");
    canon_ok("\\065bc", "abc."); /* \065 = 'A', folded */
    canon_ok("\\097\\098\\099", "abc.");
    canon_ok("A\\BC", "abc."); /* \X = X for a non-digit */
    canon_ok("a\\ b", "a\\032b.");
    canon_ok("a\\032b", "a\\032b.");
    canon_ok("a\\\\b", "a\\\\b.");
    canon_ok("a\\\"b", "a\\\"b.");
    canon_ok("a\\;b", "a\\;b.");
    canon_ok("a\\(b\\)", "a\\(b\\).");
    canon_ok("a@b", "a\\@b."); /* one escaping of specials, whatever the input */
    canon_ok("a\\@b", "a\\@b.");
    canon_ok("a$b", "a\\$b.");
    canon_ok("\\000", "\\000.");
    canon_ok("\\200x", "\\200x.");
    canon_ok("\\255", "\\255.");
    canon_ok("a\\.", "a\\.."); /* the last dot is escaped: label "a." */
    canon_ok("\\..", "\\..");  /* label "." */
    canon_ok("_sip._TCP", "_sip._tcp.");
}

Test(rdata, name_canon_bad)
{
    canon_bad("");
    canon_bad("..");
    canon_bad(".example");
    canon_bad("a..b");
    canon_bad("a.b..");
    canon_bad("a\\");   /* dangling backslash */
    canon_bad("\\256"); /* > 255 */
    canon_bad("\\999");
    canon_bad("a\\"); /* same, after a label */
    canon_bad(NULL);
}

Test(rdata, short_decimal_escapes_rejected)
{
    /* RFC 1035 5.1: "\DDD" is exactly three digits and "\X" is for X
     * "other than a digit", so "\1" and "\12" followed by a non-digit are
     * malformed (BIND: bad escape). Read as literal digits they change the
     * value silently: "\12" would become the two octets "12". */
    canon_bad("a\\12");
    canon_bad("a\\1.example");
    canon_bad("\\12b");
    text_bad(RDATA_T_TXT, "\"\\12\"");
    text_bad(RDATA_T_TXT, "\"x\\1y\"");
}

Test(rdata, name_canon_label_length)
{
    char want[200];
    size_t l63 = 63, l64 = 64;
    char *n63 = make_name(&l63, 1);
    char *n64 = make_name(&l64, 1);
    char *n63x;

    snprintf(want, sizeof(want), "%s.", n63);
    canon_ok(n63, want);
    canon_bad(n64);

    /* A 63-octet label made of escapes counts octets, not characters. */
    n63x = malloc(63 * 4 + 2);
    cr_assert_not_null(n63x);
    n63x[0] = '\0';
    for (size_t i = 0; i < 63; i++)
        strcat(n63x, "\\065");
    {
        char out[RDATA_NAME_TEXT_MAX];
        cr_assert_eq(rdata_name_canon(n63x, out, sizeof(out)), 0);
        cr_assert_eq(strlen(out), 64);
        strcat(n63x, "a");
        cr_assert_eq(rdata_name_canon(n63x, out, sizeof(out)), DP_EBADNAME, "64 octets");
    }
    free(n63);
    free(n64);
    free(n63x);
}

Test(rdata, name_canon_name_length)
{
    /* Wire length = sum(1 + label) + 1 (root). 63+63+63+61 -> 255. */
    size_t ok[] = {63, 63, 63, 61};
    size_t over[] = {63, 63, 63, 62};
    char *n = make_name(ok, 4);
    char *m = make_name(over, 4);
    char out[RDATA_NAME_TEXT_MAX];
    unsigned char wire[300];

    cr_assert_eq(rdata_name_canon(n, out, sizeof(out)), 0, "255 octets is the limit");
    cr_assert_eq(strlen(out), strlen(n) + 1);
    cr_assert_eq(rdata_name_to_wire(n, wire, sizeof(wire)), 255);
    cr_assert_eq(rdata_name_canon(m, out, sizeof(out)), DP_EBADNAME, "256 octets");
    cr_assert_lt(rdata_name_to_wire(m, wire, sizeof(wire)), 0);
    free(n);
    free(m);

    /* 127 one-octet labels: 127 * 2 + 1 = 255; 128: 257. */
    {
        char s[300];
        size_t i;
        for (i = 0; i < 127; i++)
            memcpy(s + 2 * i, "x.", 2);
        s[254] = '\0';
        cr_assert_eq(rdata_name_canon(s, out, sizeof(out)), 0);
        cr_assert_eq(rdata_name_to_wire(s, wire, sizeof(wire)), 255);
        memcpy(s + 254, "x.", 3);
        cr_assert_eq(rdata_name_canon(s, out, sizeof(out)), DP_EBADNAME);
    }
}

Test(rdata, name_canon_small_output_buffer)
{
    char out[8];

    cr_assert_eq(rdata_name_canon("abc.de", out, sizeof(out)), 0); /* "abc.de." + NUL */
    cr_assert_str_eq(out, "abc.de.");
    cr_assert_lt(rdata_name_canon("abcd.de", out, sizeof(out)), 0);
    cr_assert_lt(rdata_name_canon(".", out, 1), 0);
}

Test(rdata, name_to_wire)
{
    unsigned char w[300];
    static const unsigned char want[] = "\x07"
                                        "Example"
                                        "\x03"
                                        "com";

    cr_assert_eq(rdata_name_to_wire("Example.com", w, sizeof(w)), 13);
    cr_assert_eq(memcmp(w, want, 13), 0, "wire keeps case; 13th octet is the root");
    cr_assert_eq(rdata_name_to_wire("Example.com.", w, sizeof(w)), 13);
    cr_assert_eq(rdata_name_to_wire(".", w, sizeof(w)), 1);
    cr_assert_eq(w[0], 0);
    cr_assert_eq(rdata_name_to_wire("a\\.b", w, sizeof(w)), 5);
    cr_assert_eq(memcmp(w,
                        "\x03"
                        "a.b",
                        5),
                 0);
    /* buffer too small: needs 13 */
    cr_assert_lt(rdata_name_to_wire("Example.com", w, 12), 0);
    cr_assert_eq(rdata_name_to_wire("Example.com", w, 13), 13);
    cr_assert_lt(rdata_name_to_wire("a..b", w, sizeof(w)), 0);
    cr_assert_lt(rdata_name_to_wire("", w, sizeof(w)), 0);
}

/* ---- values from text --------------------------------------------------- */

Test(rdata, text_a)
{
    text_ok(RDATA_T_A, "192.0.2.1", "192.0.2.1");
    text_ok(RDATA_T_A, "  192.0.2.1\t", "192.0.2.1");
    text_ok(RDATA_T_A, "0.0.0.0", "0.0.0.0");
    text_ok(RDATA_T_A, "255.255.255.255", "255.255.255.255");
    text_bad(RDATA_T_A, "256.1.1.1");
    text_bad(RDATA_T_A, "1.2.3.300");
    text_bad(RDATA_T_A, "1.2.3");
    text_bad(RDATA_T_A, "1.2.3.4.5");
    text_bad(RDATA_T_A, "1.2.3.-4");
    text_bad(RDATA_T_A, "192.0.2.01"); /* octal or decimal? refuse */
    text_bad(RDATA_T_A, "1.2.3.4 5.6.7.8");
    text_bad(RDATA_T_A, "a.b.c.d");
    text_bad(RDATA_T_A, "");
    text_bad(RDATA_T_A, "::1");
    text_bad(RDATA_T_A, NULL);
}

Test(rdata, text_aaaa)
{
    text_ok(RDATA_T_AAAA, "2001:DB8:0:0::1", "2001:db8::1");
    text_same(RDATA_T_AAAA, "2001:DB8:0:0::1", "2001:db8::1");
    text_same(RDATA_T_AAAA, "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1");
    text_ok(RDATA_T_AAAA, "::1", "::1");
    text_ok(RDATA_T_AAAA, "::", "::");
    /* RFC 5952 4.2.3: the longest run of zeros is compressed */
    text_ok(RDATA_T_AAAA, "2001:0:0:1:0:0:0:1", "2001:0:0:1::1");
    /* RFC 5952 4.2.2: a single 16-bit 0 field is not shortened to :: */
    text_ok(RDATA_T_AAAA, "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
    /* IPv4-mapped: one value whatever its spelling (RFC 5952 section 5) */
    text_ok(RDATA_T_AAAA, "::ffff:192.0.2.1", "::ffff:192.0.2.1");
    text_same(RDATA_T_AAAA, "::FFFF:192.0.2.1", "::ffff:c000:201");
    text_same(RDATA_T_AAAA, "0:0:0:0:0:ffff:c000:0201", "::ffff:192.0.2.1");
    text_bad(RDATA_T_AAAA, "2001:db8::1::2");
    text_bad(RDATA_T_AAAA, "12345::");
    text_bad(RDATA_T_AAAA, "g::1");
    text_bad(RDATA_T_AAAA, "192.0.2.1");
    text_bad(RDATA_T_AAAA, "::1 ::2");
    text_bad(RDATA_T_AAAA, "");
}

Test(rdata, text_names)
{
    static const uint16_t types[] = {RDATA_T_NS, RDATA_T_CNAME, RDATA_T_PTR};
    size_t i;

    for (i = 0; i < 3; i++) {
        text_ok(types[i], "NS1.Example.COM", "ns1.example.com.");
        text_ok(types[i], "ns1.example.com.", "ns1.example.com.");
        text_ok(types[i], " ns1.example.com ", "ns1.example.com.");
        text_ok(types[i], ".", ".");
        text_same(types[i], "Host.Example", "host.example.");
        text_bad(types[i], "a..b");
        text_bad(types[i], "ns1 ns2");
        text_bad(types[i], "");
    }
    text_ok(RDATA_T_PTR, "1.2.0.192.IN-ADDR.ARPA", "1.2.0.192.in-addr.arpa.");
}

Test(rdata, text_mx)
{
    text_ok(RDATA_T_MX, "10 Mail.Example", "10 mail.example.");
    text_same(RDATA_T_MX, "10 Mail.Example", "10   mail.example.");
    text_ok(RDATA_T_MX, "0 .", "0 ."); /* RFC 7505 null MX */
    text_ok(RDATA_T_MX, "65535 mx.example.", "65535 mx.example.");
    text_ok(RDATA_T_MX, "010 mx.example", "10 mx.example.");
    text_bad(RDATA_T_MX, "mail.example");
    text_bad(RDATA_T_MX, "10");
    text_bad(RDATA_T_MX, "65536 mx.example");
    text_bad(RDATA_T_MX, "-1 mx.example");
    text_bad(RDATA_T_MX, "x mx.example");
    text_bad(RDATA_T_MX, "10 mx.example extra");
    text_bad(RDATA_T_MX, "10 a..b");
    text_bad(RDATA_T_MX, "mx.example 10");
    text_bad(RDATA_T_MX, "");
}

Test(rdata, text_srv)
{
    text_ok(RDATA_T_SRV, "0 5 5060 SIP.Example.", "0 5 5060 sip.example.");
    text_ok(RDATA_T_SRV, "10 20 443 .", "10 20 443 .");
    text_ok(RDATA_T_SRV, "65535 65535 65535 x", "65535 65535 65535 x.");
    text_bad(RDATA_T_SRV, "0 5 sip.example");
    text_bad(RDATA_T_SRV, "0 5 70000 sip.example");
    text_bad(RDATA_T_SRV, "0 5 5060 sip.example extra");
    text_bad(RDATA_T_SRV, "0 x 5060 sip.example");
    text_bad(RDATA_T_SRV, "0 5 5060 a..b");
    text_bad(RDATA_T_SRV, "");
}

Test(rdata, text_txt_raw_and_quoted)
{
    text_ok(RDATA_T_TXT, "hello, world", "\"hello, world\"");
    text_same(RDATA_T_TXT, "hello, world", "\"hello, world\"");
    text_ok(RDATA_T_TXT, "\"hello, world\"", "\"hello, world\"");
    text_ok(RDATA_T_TXT, "v=spf1 -all", "\"v=spf1 -all\"");
    /* TXT is case-sensitive data: no folding */
    text_ok(RDATA_T_TXT, "Hello", "\"Hello\"");
    text_ok(RDATA_T_TXT, "", "\"\"");
    text_ok(RDATA_T_TXT, "\"\"", "\"\"");
}

Test(rdata, text_txt_multiple_strings)
{
    text_ok(RDATA_T_TXT, "\"a\" \"b c\"", "\"a\" \"b c\"");
    text_same(RDATA_T_TXT, "\"a\"   \"b c\"", "\"a\"\t\"b c\"");
    text_same(RDATA_T_TXT, "\"a\"\"b\"", "\"a\" \"b\"");
    text_ok(RDATA_T_TXT, "\"a\" \"\" \"c\" ", "\"a\" \"\" \"c\"");
    /* two strings are not the one concatenated string */
    {
        char *x = NULL, *y = NULL;
        cr_assert_eq(rdata_from_text(RDATA_T_TXT, "\"ab\"", &x), 0);
        cr_assert_eq(rdata_from_text(RDATA_T_TXT, "\"a\" \"b\"", &y), 0);
        cr_assert_str_neq(x, y);
        free(x);
        free(y);
    }
}

Test(rdata, text_txt_escapes)
{
    text_ok(RDATA_T_TXT, "\"say \\\"hi\\\"\"", "\"say \\\"hi\\\"\"");
    /* the same text given raw: the quotes are data */
    text_same(RDATA_T_TXT, "say \"hi\"", "\"say \\\"hi\\\"\"");
    text_ok(RDATA_T_TXT, "\"\\065BC\"", "\"ABC\"");
    text_same(RDATA_T_TXT, "\"\\065BC\"", "ABC");
    text_ok(RDATA_T_TXT, "\"a\\\\b\"", "\"a\\\\b\"");
    text_ok(RDATA_T_TXT, "\"\\007\"", "\"\\007\"");
    text_ok(RDATA_T_TXT, "\"\\255\"", "\"\\255\"");
    text_ok(RDATA_T_TXT, "\"\\x\"", "\"x\"");
    text_ok(RDATA_T_TXT, "\"tab\\009here\"", "\"tab\\009here\"");
}

Test(rdata, text_txt_bad)
{
    text_bad(RDATA_T_TXT, "\"abc");
    text_bad(RDATA_T_TXT, "\"abc\" \"def");
    text_bad(RDATA_T_TXT, "\"abc\\\""); /* the closing quote is escaped */
    text_bad(RDATA_T_TXT, "\"abc\\");
    text_bad(RDATA_T_TXT, "\"a\"b"); /* text after a quoted string */
    text_bad(RDATA_T_TXT, "\"a\" b");
    text_bad(RDATA_T_TXT, "\"\\256\"");
    text_bad(RDATA_T_TXT, NULL);
}

Test(rdata, text_txt_long_raw_split)
{
    char raw[601];
    char *out = NULL;
    char *want;
    size_t i;

    for (i = 0; i < 600; i++)
        raw[i] = (char)('a' + i % 26);
    raw[600] = '\0';
    /* 600 = 255 + 255 + 90 */
    want = malloc(700);
    cr_assert_not_null(want);
    snprintf(want, 700, "\"%.255s\" \"%.255s\" \"%.90s\"", raw, raw + 255, raw + 510);
    cr_assert_eq(rdata_from_text(RDATA_T_TXT, raw, &out), 0);
    cr_assert_str_eq(out, want);
    free(out);

    /* exactly 255: one string */
    raw[255] = '\0';
    cr_assert_eq(rdata_from_text(RDATA_T_TXT, raw, &out), 0);
    snprintf(want, 700, "\"%s\"", raw);
    cr_assert_str_eq(out, want);
    free(out);

    /* 256: 255 + 1 */
    raw[255] = 'v';
    raw[256] = '\0';
    cr_assert_eq(rdata_from_text(RDATA_T_TXT, raw, &out), 0);
    snprintf(want, 700, "\"%.255s\" \"v\"", raw);
    cr_assert_str_eq(out, want);
    free(out);
    free(want);
}

Test(rdata, text_txt_quoted_length_limit)
{
    char q[300];
    char *out = NULL;

    q[0] = '"';
    memset(q + 1, 'x', 255);
    q[256] = '"';
    q[257] = '\0';
    cr_assert_eq(rdata_from_text(RDATA_T_TXT, q, &out), 0, "255 octets fit");
    cr_assert_eq(strlen(out), 257);
    free(out);
    q[256] = 'x';
    q[257] = '"';
    q[258] = '\0';
    text_bad(RDATA_T_TXT, q); /* 256 octets in one character-string */
}

Test(rdata, text_unsupported_types)
{
    char *out = NULL;

    cr_assert_eq(rdata_from_text(0, "x", &out), DP_EBADTYPE);
    cr_assert_eq(rdata_from_text(41, "\\# 0", &out), DP_EBADTYPE);  /* OPT */
    cr_assert_eq(rdata_from_text(255, "\\# 0", &out), DP_EBADTYPE); /* ANY */
    cr_assert_eq(rdata_from_text(252, "\\# 0", &out), DP_EBADTYPE); /* AXFR */
    cr_assert_null(out);
}

/* ---- values from the wire ----------------------------------------------- */

Test(rdata, wire_a_aaaa)
{
    unsigned char m[64];
    static const unsigned char a[] = {192, 0, 2, 1, 7};
    static const unsigned char aaaa[] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0,
                                         0,    0,    0,    0,    0, 0, 1, 9};
    static const unsigned char mapped[] = {0, 0, 0,    0,    0,   0, 0, 0,
                                           0, 0, 0xff, 0xff, 192, 0, 2, 1};
    size_t n;

    n = msg_with(m, a, sizeof(a));
    wire_ok(RDATA_T_A, m, n, 12, 4, "192.0.2.1");
    wire_bad(RDATA_T_A, m, n, 12, 3);
    wire_bad(RDATA_T_A, m, n, 12, 5);
    wire_bad(RDATA_T_A, m, n, 12, 0);

    n = msg_with(m, aaaa, sizeof(aaaa));
    wire_ok(RDATA_T_AAAA, m, n, 12, 16, "2001:db8::1");
    wire_bad(RDATA_T_AAAA, m, n, 12, 15);
    wire_bad(RDATA_T_AAAA, m, n, 12, 17);
    wire_bad(RDATA_T_AAAA, m, n, 12, 4);

    n = msg_with(m, mapped, sizeof(mapped));
    {
        char *w = NULL, *t = NULL;
        cr_assert_eq(from_wire(RDATA_T_AAAA, m, n, 12, 16, &w), 0);
        cr_assert_eq(rdata_from_text(RDATA_T_AAAA, "::ffff:192.0.2.1", &t), 0);
        cr_assert_str_eq(w, t, "wire and text agree on mapped addresses");
        free(w);
        free(t);
    }
}

Test(rdata, wire_name_uncompressed)
{
    unsigned char m[64];
    static const char body[] = "\x03NS1\x07"
                               "Example\x03"
                               "COM";           /* + root NUL */
    size_t n = msg_with(m, body, sizeof(body)); /* 17 octets */

    wire_ok(RDATA_T_NS, m, n, 12, 17, "ns1.example.com.");
    wire_ok(RDATA_T_CNAME, m, n, 12, 17, "ns1.example.com.");
    wire_ok(RDATA_T_PTR, m, n, 12, 17, "ns1.example.com.");
    wire_bad(RDATA_T_NS, m, n, 12, 16); /* rdlength disagrees with the name */
    wire_bad(RDATA_T_NS, m, n + 1, 12, 18);

    /* the root */
    m[12] = 0;
    wire_ok(RDATA_T_NS, m, 13, 12, 1, ".");
}

Test(rdata, wire_name_compressed)
{
    /* header | 12: example.com (13 octets) | 25: ns1 + pointer to 12 */
    unsigned char m[64];
    static const unsigned char body[] = {7,   'e', 'x', 'a', 'm', 'p', 'l', 'e',  3, 'c',
                                         'o', 'm', 0,   3,   'n', 's', '1', 0xc0, 12};
    size_t n = msg_with(m, body, sizeof(body));

    cr_assert_eq(n, 31);
    wire_ok(RDATA_T_NS, m, n, 25, 6, "ns1.example.com.");
    wire_bad(RDATA_T_NS, m, n, 25, 5); /* pointer cut off */
    wire_bad(RDATA_T_NS, m, n, 25, 7);
    /* pointer alone */
    wire_ok(RDATA_T_CNAME, m, n, 29, 2, "example.com.");
}

Test(rdata, wire_name_bad_pointers)
{
    unsigned char m[64];
    size_t n;

    /* forward pointer past the end of the message */
    static const unsigned char fwd[] = {3, 'n', 's', '1', 0xc0, 60};
    /* pointer to itself: a loop */
    static const unsigned char loop[] = {3, 'n', 's', '1', 0xc0, 16};
    /* label runs past the end */
    static const unsigned char cut[] = {9, 'n', 's', '1'};
    /* reserved label type 0x40 */
    static const unsigned char ext[] = {0x41, 'x', 0};

    n = msg_with(m, fwd, sizeof(fwd));
    wire_bad(RDATA_T_NS, m, n, 12, 6);
    n = msg_with(m, loop, sizeof(loop));
    wire_bad(RDATA_T_NS, m, n, 12, 6);
    n = msg_with(m, cut, sizeof(cut));
    wire_bad(RDATA_T_NS, m, n, 12, 4);
    n = msg_with(m, ext, sizeof(ext));
    wire_bad(RDATA_T_NS, m, n, 12, 3);
}

Test(rdata, wire_name_special_octets_match_text)
{
    /* Octets that need escaping must come out exactly as the canonical
     * form of the same name typed by a user. */
    static const struct {
        unsigned char wire[16];
        size_t len;
        const char *text;
    } cases[] = {
        {{3, 'a', '.', 'b', 0}, 5, "a\\.b"},     {{3, 'A', ' ', 'B', 0}, 5, "a\\032b"},
        {{3, 'a', '"', 'b', 0}, 5, "a\\\"b"},    {{3, 'a', '\\', 'b', 0}, 5, "a\\\\b"},
        {{3, 'a', ';', 'b', 0}, 5, "a\\;b"},     {{3, 'a', '@', 'b', 0}, 5, "a@b"},
        {{3, '(', '$', ')', 0}, 5, "\\(\\$\\)"}, {{2, 0xc8, 0x7f, 0}, 4, "\\200\\127"},
        {{2, 0, 0, 0}, 4, "\\000\\000"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned char m[64];
        size_t n = msg_with(m, cases[i].wire, cases[i].len);
        char *w = NULL, *t = NULL;
        int ret = from_wire(RDATA_T_NS, m, n, 12, cases[i].len, &w);

        cr_assert_eq(ret, 0, "case %zu: %d", i, ret);
        cr_assert_eq(rdata_from_text(RDATA_T_NS, cases[i].text, &t), 0, "case %zu", i);
        cr_expect_str_eq(w, t, "case %zu: wire '%s' vs text '%s'", i, w, t);
        free(w);
        free(t);
    }
}

Test(rdata, wire_name_one_octet_zero_label)
{
    /* A label of one 0x00 octet is a valid label (RFC 2181 section 11:
     * any binary string). "\000." is not the root, and "a.\000." is not
     * "a.". c-ares 1.18's ares_expand_name() writes such an octet raw, i.e.
     * as the string terminator, and rdata_from_wire() trusts that text. */
    unsigned char m[64];
    static const unsigned char zero[] = {1, 0, 0};
    static const unsigned char a_zero[] = {1, 'a', 1, 0, 0};
    static const unsigned char zero_a[] = {1, 0, 1, 'a', 0};
    size_t n;

    n = msg_with(m, zero, sizeof(zero));
    wire_ok(RDATA_T_NS, m, n, 12, sizeof(zero), "\\000.");
    n = msg_with(m, a_zero, sizeof(a_zero));
    wire_ok(RDATA_T_NS, m, n, 12, sizeof(a_zero), "a.\\000.");
    n = msg_with(m, zero_a, sizeof(zero_a));
    wire_ok(RDATA_T_NS, m, n, 12, sizeof(zero_a), "\\000.a.");
}

Test(rdata, wire_mx_srv)
{
    unsigned char m[64];
    /* 12: MX 10 Mail.Example. */
    static const unsigned char mx[] = {0,   10,  4,   'M', 'a', 'i', 'l', 7,
                                       'E', 'x', 'a', 'm', 'p', 'l', 'e', 0};
    /* 12: SRV 1 5 5060 sip.example. ; prio 256+1 to check byte order */
    static const unsigned char srv[] = {1, 1,   0,   5,   0x13, 0xc4, 3,   's', 'i', 'p',
                                        7, 'e', 'x', 'a', 'm',  'p',  'l', 'e', 0};
    size_t n;

    n = msg_with(m, mx, sizeof(mx));
    wire_ok(RDATA_T_MX, m, n, 12, sizeof(mx), "10 mail.example.");
    wire_bad(RDATA_T_MX, m, n, 12, 2);
    wire_bad(RDATA_T_MX, m, n, 12, sizeof(mx) - 1);
    {
        char *w = NULL, *t = NULL;
        cr_assert_eq(from_wire(RDATA_T_MX, m, n, 12, sizeof(mx), &w), 0);
        cr_assert_eq(rdata_from_text(RDATA_T_MX, "10 Mail.Example", &t), 0);
        cr_assert_str_eq(w, t);
        free(w);
        free(t);
    }

    n = msg_with(m, srv, sizeof(srv));
    wire_ok(RDATA_T_SRV, m, n, 12, sizeof(srv), "257 5 5060 sip.example.");
    wire_bad(RDATA_T_SRV, m, n, 12, 6);
    wire_bad(RDATA_T_SRV, m, n, 12, sizeof(srv) - 1);
}

Test(rdata, wire_txt)
{
    unsigned char m[64];
    static const unsigned char two[] = {5,   'h', 'e', 'l', 'l', 'o', 6,
                                        ',', ' ', 'W', 'o', 'r', 'd'};
    static const unsigned char special[] = {4, '"', '\\', 7, 0xff};
    static const unsigned char empty[] = {0};
    static const unsigned char over[] = {6, 'h', 'e', 'l', 'l', 'o'};
    size_t n;

    n = msg_with(m, two, sizeof(two));
    wire_ok(RDATA_T_TXT, m, n, 12, sizeof(two), "\"hello\" \", Word\"");
    {
        char *w = NULL, *t = NULL;
        cr_assert_eq(from_wire(RDATA_T_TXT, m, n, 12, sizeof(two), &w), 0);
        cr_assert_eq(rdata_from_text(RDATA_T_TXT, "\"hello\" \", Word\"", &t), 0);
        cr_assert_str_eq(w, t);
        free(w);
        free(t);
    }
    wire_bad(RDATA_T_TXT, m, n, 12, sizeof(two) - 1); /* 2nd string cut */
    wire_ok(RDATA_T_TXT, m, n, 12, 6, "\"hello\"");

    n = msg_with(m, special, sizeof(special));
    wire_ok(RDATA_T_TXT, m, n, 12, sizeof(special), "\"\\\"\\\\\\007\\255\"");
    {
        char *w = NULL, *t = NULL;
        cr_assert_eq(from_wire(RDATA_T_TXT, m, n, 12, sizeof(special), &w), 0);
        cr_assert_eq(rdata_from_text(RDATA_T_TXT, "\"\\\"\\\\\\007\\255\"", &t), 0);
        cr_assert_str_eq(w, t);
        free(w);
        free(t);
    }

    n = msg_with(m, empty, sizeof(empty));
    wire_ok(RDATA_T_TXT, m, n, 12, 1, "\"\"");
    wire_bad(RDATA_T_TXT, m, n, 12, 0); /* TXT has at least one string */

    n = msg_with(m, over, sizeof(over));
    wire_bad(RDATA_T_TXT, m, n, 12, sizeof(over));
}

Test(rdata, wire_txt_long_matches_raw_text)
{
    /* A 300-octet raw string is stored as 255 + 45 (what zone tools do). */
    unsigned char m[400];
    unsigned char body[302];
    char raw[301];
    char *w = NULL, *t = NULL;
    size_t i;

    for (i = 0; i < 300; i++)
        raw[i] = (char)('A' + i % 26);
    raw[300] = '\0';
    body[0] = 255;
    memcpy(body + 1, raw, 255);
    body[256] = 45;
    memcpy(body + 257, raw + 255, 45);
    msg_with(m, body, sizeof(body));
    cr_assert_eq(from_wire(RDATA_T_TXT, m, 12 + sizeof(body), 12, sizeof(body), &w), 0);
    cr_assert_eq(rdata_from_text(RDATA_T_TXT, raw, &t), 0);
    cr_assert_str_eq(w, t);
    free(w);
    free(t);
}

Test(rdata, wire_generic)
{
    unsigned char m[64];
    static const unsigned char body[] = {0x00, 0x01, 0xab, 0xff};
    size_t n = msg_with(m, body, sizeof(body));

    /* RFC 3597 section 5: \# <length> <hex> */
    wire_ok(65, m, n, 12, 4, "\\# 4 0001abff");
    wire_ok(999, m, n, 12, 1, "\\# 1 00");
    wire_ok(999, m, n, 12, 0, "\\# 0");
    /* SOA is not comparable: generic too */
    wire_ok(RDATA_T_SOA, m, n, 14, 2, "\\# 2 abff");
}

/* RDATA ldns reads and prints but cannot read back from its print: an
 * HTTPS "alpn" of three empty alpn-ids (found by fuzz_dnsmsg) prints as
 * "alpn=,,". It gets the generic form, which does read back. */
Test(rdata, wire_not_printable_is_generic)
{
    unsigned char m[64];
    static const unsigned char body[] = {0x00, 0x01, 0x00, 0x00, 0x01,
                                         0x00, 0x03, 0x00, 0x00, 0x00};
    size_t n = msg_with(m, body, sizeof(body));
    char *t = NULL;

    wire_ok(65, m, n, 12, sizeof(body), "\\# 10 00010000010003000000");
    cr_assert_eq(rdata_from_text(65, "\\# 10 00010000010003000000", &t), 0);
    cr_assert_str_eq(t, "\\# 10 00010000010003000000");
    free(t);
}

/* ---- every other type: canonical wire form through ldns ------------------ */

/* Two texts of TYPE that must not be the same value. */
static void text_differ(uint16_t type, const char *a, const char *b)
{
    char *oa = NULL;
    char *ob = NULL;

    cr_assert_eq(rdata_from_text(type, a, &oa), 0, "'%s'", a);
    cr_assert_eq(rdata_from_text(type, b, &ob), 0, "'%s'", b);
    cr_expect_str_neq(oa, ob, "'%s' and '%s' both -> '%s'", a, b, oa);
    free(oa);
    free(ob);
}

Test(rdata, type_names_from_ldns)
{
    static const struct {
        const char *s;
        uint16_t t;
    } ok[] = {{"CAA", 257},  {"sshfp", 44}, {"TLSA", 52},       {"LOC", 29},
              {"NAPTR", 35}, {"DNAME", 39}, {"RP", 17},         {"SPF", 99},
              {"URI", 256},  {"CERT", 37},  {"Openpgpkey", 61}, {"SVCB", 64},
              {"HTTPS", 65}, {"HINFO", 13}};
    char buf[16];
    size_t i;

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint16_t t = 0;
        cr_assert_eq(rdata_type_from_str(ok[i].s, &t), 0, "'%s'", ok[i].s);
        cr_assert_eq(t, ok[i].t, "'%s' -> %u", ok[i].s, (unsigned)t);
        cr_assert_str_eq(rdata_type_to_str(t, buf), ok[i].s[0] == 's'   ? "SSHFP"
                                                    : ok[i].s[0] == 'O' ? "OPENPGPKEY"
                                                                        : ok[i].s);
    }
    cr_assert_str_eq(rdata_type_to_str(65534, buf), "TYPE65534");
    cr_assert_str_eq(rdata_type_to_str(54, buf), "TYPE54"); /* unassigned */
}

Test(rdata, text_every_type_presentation)
{
    text_ok(257, "0 issue \"ca.example\"", "0 issue \"ca.example\"");
    text_ok(44, "1 1 ABCDEF0123456789abcdef0123456789abcdef01",
            "1 1 abcdef0123456789abcdef0123456789abcdef01");
    text_ok(52,
            "3 1 1 ( 0123456789ABCDEF 0123456789abcdef0123456789abcdef0123456789abcdef )",
            "3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    text_ok(64, "1 svc.example. port=8443 alpn=h2,h3",
            "1 svc.example. alpn=h2,h3 port=8443");
    text_ok(65, "1 . alpn=h2 ipv4hint=192.0.2.1", "1 . alpn=h2 ipv4hint=192.0.2.1");
    text_ok(29, "52 22 23 N 4 53 32 E -2m",
            "52 22 23.000 N 04 53 32.000 E -2m 1m 10000m 10m");
    text_ok(35, "100 10 \"U\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .",
            "100 10 \"u\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .");
    text_ok(39, "Target.Example.", "target.example.");
    text_ok(43, "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
            "60485 5 1 2bb183af5f22588179a53b0a98631fad1a292118");
    text_ok(17, "Mbox.Example. TXT.Example.", "mbox.example. txt.example.");
    text_ok(99, "\"v=spf1 -all\"", "\"v=spf1 -all\"");
    text_ok(256, "10 1 \"https://Example.com/\"", "10 1 \"https://Example.com/\"");
    text_ok(37, "1 0 0 Zm9v", "PKIX 0 0 Zm9v");
    text_ok(61, "Zm9v YmFy", "Zm9vYmFy");
    text_ok(65534, "\\# 4 0A000001", "\\# 4 0a000001");
    text_ok(65534, "\\# 0", "\\# 0");
    text_ok(RDATA_T_SOA, "NS1.example. Host.example. 1 2 3 4 5",
            "ns1.example. host.example. 1 2 3 4 5");
    /* names without a final dot are absolute, as for the eight basic types */
    text_ok(39, "target.example", "target.example.");
}

/* RFC 4034 6.2 / RFC 4343: names of the listed types compare without case;
 * RFC 3597 5: \# LEN HEX is the same RDATA as its typed form. */
Test(rdata, text_every_type_same_value)
{
    text_same(RDATA_T_MX, "10 Mail.Example.", "10 mail.example.");
    text_same(RDATA_T_AAAA, "2001:DB8::1", "2001:db8:0::1");
    /* RFC 8659 4.1: CAA tags match case-insensitively */
    text_same(257, "0 ISSUE \"ca.example\"", "0 issue \"ca.example\"");
    text_same(257, "128 IoDeF \"mailto:a@example\"", "128 iodef \"mailto:a@example\"");
    text_same(44, "1 1 ABCDEF0123456789ABCDEF0123456789ABCDEF01",
              "1 1 abcdef0123456789abcdef0123456789abcdef01");
    text_same(52, "3 1 1 AABB", "3 1 1 ( aa bb )");
    text_same(43, "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
              "60485 5 1 2bb183af5f22588179a53b0a98631fad1a292118");
    text_same(64, "1 svc.example. port=8443 alpn=h2", "1 svc.example. alpn=h2 port=8443");
    text_same(29, "52 22 23 N 4 53 32 E -2m", "52 22 23.000 N 04 53 32.000 E -2.00m 1m");
    /* NAPTR flags: RFC 3403 4.1, case not significant; replacement: 4034 6.2 */
    text_same(35, "100 10 \"U\" \"E2U+sip\" \"!^.*$!sip:a@example.com!\" Repl.Example.",
              "100 10 \"u\" \"E2U+sip\" \"!^.*$!sip:a@example.com!\" repl.example.");
    text_same(39, "Target.EXAMPLE.", "target.example.");
    text_same(17, "Mbox.Example. TXT.Example.", "mbox.example. txt.example.");
    text_same(37, "PKIX 0 0 Zm9v", "1 0 0 Zm9v");
    text_same(61, "Zm9vYmFy", "Zm9v YmFy");
    text_same(65534, "\\# 4 0A000001", "\\# 4 0a 00 00 01");
    /* \# equals the typed form */
    text_same(RDATA_T_A, "\\# 4 c0000201", "192.0.2.1");
    text_same(RDATA_T_AAAA, "\\# 16 20010DB8000000000000000000000001", "2001:db8::1");
    text_same(RDATA_T_MX, "\\# 16 000a 046d61696c 076578616d706c65 00",
              "10 Mail.Example.");
    text_same(RDATA_T_TXT, "\\# 4 03616263", "\"abc\"");
    text_same(257, "\\# 17 00 05 6973737565 6361 2e 6578616d706c65",
              "0 issue \"ca.example\"");
    text_same(257, "\\# 17 00 05 4953535545 6361 2e 6578616d706c65",
              "0 issue \"ca.example\"");
    text_same(65, "\\# 10 0001 00 0001 0003 026832", "1 . alpn=h2");
    text_same(44, "\\# 4 0101abcd", "1 1 ABCD");
    text_same(39, "\\# 11 0154 07 4558414d504c45 00", "t.example.");
}

Test(rdata, text_every_type_different_values)
{
    /* CAA values are not case-folded, only tags (RFC 8659 4.1) */
    text_differ(257, "0 issue \"CA.example\"", "0 issue \"ca.example\"");
    text_differ(257, "0 issue \"ca.example\"", "128 issue \"ca.example\"");
    /* RFC 4034 6.2 does not list SVCB/HTTPS (RFC 9460) or URI: case kept */
    text_differ(64, "1 Svc.Example.", "1 svc.example.");
    text_differ(256, "10 1 \"https://Example.com/\"", "10 1 \"https://example.com/\"");
    text_differ(44, "1 1 abcd", "1 2 abcd");
    text_differ(65534, "\\# 1 00", "\\# 2 0000");
}

Test(rdata, text_every_type_bad)
{
    text_bad(257, "0 issue");
    text_bad(44, "1 1 zz");
    text_bad(65534, "\\# 3 0102"); /* length says 3, two octets given */
    text_bad(65534, "hello");      /* unknown type: only \# form */
    text_bad(RDATA_T_A, "\\# 3 c00002");
    text_bad(RDATA_T_A, "1.2.3.4 junk");
    text_bad(29, "north pole");
    text_bad(64, "1 svc.example. port=http");
}

/* An RR tail as on the wire: RDLENGTH then RDATA, names compressed
 * against "Example." at offset 12 (RFC 1035 4.1.4). */
static size_t msg_rr(unsigned char *m, const unsigned char *rd, size_t rdlen)
{
    static const unsigned char owner[] = {7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 0};

    memset(m, 0, 12);
    memcpy(m + 12, owner, sizeof(owner));
    m[21] = (unsigned char)(rdlen >> 8);
    m[22] = (unsigned char)(rdlen & 0xff);
    memcpy(m + 23, rd, rdlen);
    return 23 + rdlen;
}

Test(rdata, wire_every_type_compressed)
{
    unsigned char m[128];
    /* RP: "Mbox" + pointer, then a bare pointer: mbox.example. example. */
    static const unsigned char rp[] = {4, 'M', 'b', 'o', 'x', 0xc0, 12, 0xc0, 12};
    /* NAPTR 10 20 "S" "" "" _sip._UDP.<ptr> */
    static const unsigned char naptr[] = {0,   10,  0,   20,  1,    'S', 0,
                                          0,   4,   '_', 's', 'i',  'p', 4,
                                          '_', 'U', 'D', 'P', 0xc0, 12};
    /* DNAME: the bare pointer */
    static const unsigned char dname[] = {0xc0, 12};
    /* CAA 0 "ISSUE" "ca" */
    static const unsigned char caa[] = {0, 5, 'I', 'S', 'S', 'U', 'E', 'c', 'a'};
    size_t n;

    n = msg_rr(m, rp, sizeof(rp));
    wire_ok(17, m, n, 23, sizeof(rp), "mbox.example. example.");
    n = msg_rr(m, naptr, sizeof(naptr));
    wire_ok(35, m, n, 23, sizeof(naptr), "10 20 \"s\" \"\" \"\" _sip._udp.example.");
    n = msg_rr(m, dname, sizeof(dname));
    wire_ok(39, m, n, 23, sizeof(dname), "example.");
    n = msg_rr(m, caa, sizeof(caa));
    wire_ok(257, m, n, 23, sizeof(caa), "0 issue \"ca\"");
    /* and the same from text, through one canonical form */
    text_ok(17, "MBOX.example. Example.", "mbox.example. example.");
    text_ok(257, "0 ISSUE \"ca\"", "0 issue \"ca\"");
}

Test(rdata, wire_every_type_malformed_is_generic)
{
    unsigned char m[64];
    /* CAA whose tag length runs past the RDATA: not a CAA, shown as \# */
    static const unsigned char caa[] = {0, 9, 'i', 's'};
    /* a pointer forwards */
    static const unsigned char dname[] = {0xc0, 40};
    size_t n;

    n = msg_rr(m, caa, sizeof(caa));
    wire_ok(257, m, n, 23, sizeof(caa), "\\# 4 00096973");
    n = msg_rr(m, dname, sizeof(dname));
    wire_ok(39, m, n, 23, sizeof(dname), "\\# 2 c028");
}

/* Field kinds ldns does not print back for every input (APL, HIP, ...)
 * are shown in RFC 3597 form, which still equals the typed form. */
Test(rdata, text_unprintable_kinds_are_generic)
{
    text_ok(42, "1:192.168.32.0/21", "\\# 7 00011503c0a820");
    text_same(42, "1:192.168.32.0/21", "\\# 7 0001 1503 c0a820");
}

/* A generic value longer than ldns's first buffer (256 octets): ldns's
 * write_u8 asserts room instead of growing, so this aborted before. */
Test(rdata, generic_longer_than_a_buffer)
{
    char text[2 * 300 + 32];
    char *out = NULL;
    char *gen = NULL;
    int o = snprintf(text, sizeof(text), "\\# 300 ");

    for (int i = 0; i < 300; i++)
        o += snprintf(text + o, sizeof(text) - (size_t)o, "%02x", i & 0xff);
    cr_assert_eq(rdata_from_text(65534, text, &out), 0);
    cr_assert_not_null(out);
    cr_assert_eq(rdata_generic(65534, text, &gen), 0);
    cr_assert_str_eq(gen, text);
    free(out);
    free(gen);
}

/* A typed value in RFC 3597 form, for a server without the type's name. */
Test(rdata, generic_of_a_typed_value)
{
    char *gen = NULL;

    cr_assert_eq(rdata_generic(1, "192.0.2.1", &gen), 0);
    cr_assert_str_eq(gen, "\\# 4 c0000201");
    free(gen);
    cr_assert_eq(rdata_generic(15, "10 Mail.Example.", &gen), 0);
    cr_assert_str_eq(gen, "\\# 16 000a044d61696c074578616d706c6500");
    free(gen);
    cr_assert_lt(rdata_generic(1, "not an address", &gen), 0);
}

/* An SVCB whose text outgrows ldns's first buffer (256 octets): ldns's
 * parameter printer writes a character at a time with write_u8, which
 * asserts room instead of growing, so an answer like this one aborted
 * the process (fuzz_rdata found it). 200 '"' in one alpn-id print as
 * 400 characters; a "mandatory" list of 60 keys as 1,000. */
Test(rdata, wire_svcb_text_longer_than_a_buffer)
{
    unsigned char rd[300];
    unsigned char m[400];
    char want[1200];
    char *out = NULL;
    size_t n = 0;
    int o;

    rd[n++] = 0; /* SvcPriority 1, TargetName "." */
    rd[n++] = 1;
    rd[n++] = 0;
    rd[n++] = 0; /* alpn (key 1), one alpn-id of 200 '"' */
    rd[n++] = 1;
    rd[n++] = 0;
    rd[n++] = 201;
    rd[n++] = 200;
    memset(rd + n, '"', 200);
    n += 200;
    n = msg_rr(m, rd, n);
    o = snprintf(want, sizeof(want), "1 . alpn=");
    for (int i = 0; i < 200; i++)
        o += snprintf(want + o, sizeof(want) - (size_t)o, "\\\"");
    wire_ok(64, m, n, 23, n - 23, want);
    /* mandatory=no-default-alpn,... (key 2, 60 times: RFC 9460 section 8
     * wants them sorted and unique, so the value is not read back: RFC
     * 3597 form, without an abort on the way) */
    n = 0;
    rd[n++] = 0;
    rd[n++] = 1;
    rd[n++] = 0;
    rd[n++] = 0; /* mandatory (key 0), 60 keys */
    rd[n++] = 0;
    rd[n++] = 0;
    rd[n++] = 120;
    for (int i = 0; i < 60; i++) {
        rd[n++] = 0;
        rd[n++] = 2;
    }
    n = msg_rr(m, rd, n);
    cr_assert_eq(from_wire(64, m, n, 23, n - 23, &out), 0);
    cr_assert_not_null(out);
    cr_assert(strlen(out) > 0, "%s", out);
    free(out);
}
