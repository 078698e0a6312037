/*
 * dnsmsg: the probe's query bytes, and parsing of hand-built responses
 * (RFC 1035 section 4.1 layout; compression per 4.1.4).
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "probes/condition.h"
#include "probes/dnsmsg.h"
#include "probes/dnssec.h"
#include "probes/rdata.h"

/* ---- a tiny message builder, independent of the code under test --------- */

typedef struct {
    unsigned char b[4096];
    size_t n;
} mb_t;

enum { T_A = 1, T_NS = 2, T_CNAME = 5, T_SOA = 6, T_MX = 15, T_TXT = 16, T_AAAA = 28 };
enum { C_IN = 1, C_CH = 3 };
enum { F_QR = 0x8000, F_AA = 0x0400, F_TC = 0x0200, F_RD = 0x0100 };
#define QNAME_OFF 12 /* the question name, target of 0xc00c pointers */

static void put8(mb_t *m, unsigned v)
{
    cr_assert_lt(m->n, sizeof(m->b));
    m->b[m->n++] = (unsigned char)v;
}

static void put16(mb_t *m, unsigned v)
{
    put8(m, (v >> 8) & 0xff);
    put8(m, v & 0xff);
}

static void put32(mb_t *m, uint32_t v)
{
    put16(m, v >> 16);
    put16(m, v & 0xffff);
}

static void putmem(mb_t *m, const void *p, size_t n)
{
    cr_assert_leq(m->n + n, sizeof(m->b));
    memcpy(m->b + m->n, p, n);
    m->n += n;
}

/* Dotted name without escapes ("" or "." = root), uncompressed. */
static void putname(mb_t *m, const char *name)
{
    const char *p = name;

    while (*p != '\0' && strcmp(p, ".") != 0) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        put8(m, (unsigned)len);
        putmem(m, p, len);
        p += len;
        if (*p == '.')
            p++;
    }
    put8(m, 0);
}

static void putptr(mb_t *m, unsigned off)
{
    put16(m, 0xc000 | off);
}

static void header(mb_t *m, unsigned id, unsigned flags, unsigned rcode, unsigned qd,
                   unsigned an, unsigned ns, unsigned ar)
{
    m->n = 0;
    put16(m, id);
    put16(m, flags | rcode);
    put16(m, qd);
    put16(m, an);
    put16(m, ns);
    put16(m, ar);
}

static void question(mb_t *m, const char *name, unsigned type, unsigned klass)
{
    putname(m, name);
    put16(m, type);
    put16(m, klass);
}

/* RR header after the owner name has been put; returns the RDLENGTH
 * position for rr_end(). */
static size_t rr_head(mb_t *m, unsigned type, unsigned klass, uint32_t ttl)
{
    size_t at;

    put16(m, type);
    put16(m, klass);
    put32(m, ttl);
    at = m->n;
    put16(m, 0);
    return at;
}

static void rr_end(mb_t *m, size_t at)
{
    size_t len = m->n - at - 2;

    m->b[at] = (unsigned char)(len >> 8);
    m->b[at + 1] = (unsigned char)(len & 0xff);
}

/* An A RR owned by the question name (pointer). */
static void rr_a_at_qname(mb_t *m, unsigned a, unsigned b, unsigned c, unsigned d)
{
    size_t at;

    putptr(m, QNAME_OFF);
    at = rr_head(m, T_A, C_IN, 300);
    put8(m, a);
    put8(m, b);
    put8(m, c);
    put8(m, d);
    rr_end(m, at);
}

static void soa_rdata(mb_t *m, uint32_t serial)
{
    putname(m, "ns1.example.com");
    putname(m, "hostmaster.example.com");
    put32(m, serial);
    put32(m, 7200);
    put32(m, 3600);
    put32(m, 1209600);
    put32(m, 300);
}

static int parse(const mb_t *m, const char *qname, uint16_t qtype, bool want,
                 dnsmsg_answer_t *ans)
{
    return dnsmsg_parse(m->b, m->n, qname, qtype, want, ans);
}

static void assert_cleared(const dnsmsg_answer_t *a)
{
    cr_assert_null(a->values);
    cr_assert_eq(a->nvalues, 0);
}

/* ---- query -------------------------------------------------------------- */

Test(dnsmsg, build_query_bytes)
{
    unsigned char buf[512];
    static const unsigned char want[] = {
        0x00, 0x00, /* id 0 */
        0x00, 0x00, /* QR 0, opcode 0, AA TC RD 0, rcode 0 */
        0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* QD 1, AN NS AR 0 */
        7,    'e',  'x',  'a',  'm',  'p',  'l',  'e',
        3,    'c',  'o',  'm',  0,    0x00, 0x01, /* A */
        0x00, 0x01,                               /* IN */
    };
    int n;

    memset(buf, 0xee, sizeof(buf));
    n = dnsmsg_build_query("example.com.", RDATA_T_A, buf, sizeof(buf));
    cr_assert_eq(n, (int)sizeof(want));
    cr_assert_eq(memcmp(buf, want, sizeof(want)), 0);
    cr_assert_eq(buf[2] & 0x01, 0, "RD must be clear");
    cr_assert_eq(buf[2] & 0x80, 0, "QR must be clear");
    /* no trailing name dot: same message */
    cr_assert_eq(dnsmsg_build_query("example.com", RDATA_T_A, buf, sizeof(buf)), n);
    cr_assert_eq(memcmp(buf, want, sizeof(want)), 0);
}

Test(dnsmsg, build_query_types_and_names)
{
    unsigned char buf[512];
    int n;

    n = dnsmsg_build_query("example.com", RDATA_T_SOA, buf, sizeof(buf));
    cr_assert_eq(n, 29);
    cr_assert_eq(buf[25], 0x00);
    cr_assert_eq(buf[26], 0x06);
    n = dnsmsg_build_query("example.com", 65, buf, sizeof(buf));
    cr_assert_eq(buf[25], 0x00);
    cr_assert_eq(buf[26], 0x41);
    n = dnsmsg_build_query("example.com", 0xabcd, buf, sizeof(buf));
    cr_assert_eq(buf[25], 0xab, "type is big-endian");
    cr_assert_eq(buf[26], 0xcd);
    cr_assert_eq(buf[27], 0x00);
    cr_assert_eq(buf[28], 0x01, "class IN");

    n = dnsmsg_build_query(".", RDATA_T_NS, buf, sizeof(buf));
    cr_assert_eq(n, 12 + 1 + 4);
    cr_assert_eq(buf[12], 0);
    cr_assert_eq(buf[14], RDATA_T_NS);

    n = dnsmsg_build_query("a\\.b.example", RDATA_T_TXT, buf, sizeof(buf));
    cr_assert_eq(n, 12 + 13 + 4);
    /* 13 octets: the literal's NUL is the root label */
    cr_assert_eq(memcmp(buf + 12,
                        "\x03"
                        "a.b"
                        "\x07"
                        "example",
                        13),
                 0);
}

Test(dnsmsg, build_query_errors)
{
    unsigned char buf[512];

    cr_assert_eq(dnsmsg_build_query("example.com", RDATA_T_A, buf, 29), 29, "exact fit");
    cr_assert_lt(dnsmsg_build_query("example.com", RDATA_T_A, buf, 28), 0);
    cr_assert_lt(dnsmsg_build_query("example.com", RDATA_T_A, buf, 10), 0);
    cr_assert_lt(dnsmsg_build_query("a..b", RDATA_T_A, buf, sizeof(buf)), 0);
    cr_assert_lt(dnsmsg_build_query("", RDATA_T_A, buf, sizeof(buf)), 0);
}

Test(dnsmsg, own_query_as_response)
{
    unsigned char buf[512];
    dnsmsg_answer_t a;
    int n = dnsmsg_build_query("Example.COM", RDATA_T_AAAA, buf, sizeof(buf));

    cr_assert_gt(n, 0);
    cr_assert_eq(dnsmsg_parse(buf, (size_t)n, "example.com.", RDATA_T_AAAA, true, &a),
                 DP_EMALFORMED, "a query is not a response");
    buf[2] |= 0x80; /* QR */
    buf[3] |= 3;    /* NXDOMAIN */
    cr_assert_eq(dnsmsg_parse(buf, (size_t)n, "example.com.", RDATA_T_AAAA, true, &a), 0);
    cr_assert(a.qmatch);
    cr_assert_eq(a.rcode, 3);
    cr_assert_eq(a.ancount, 0);
    cr_assert_eq(a.nmatch, 0);
    dnsmsg_answer_clear(&a);
}

/* ---- responses ---------------------------------------------------------- */

Test(dnsmsg, noerror_a_rrset_sorted_unique)
{
    mb_t m;
    dnsmsg_answer_t a;
    size_t at;

    header(&m, 0x1234, F_QR | F_AA, 0, 1, 7, 0, 0);
    question(&m, "example.com", T_A, C_IN);
    rr_a_at_qname(&m, 192, 0, 2, 9);
    rr_a_at_qname(&m, 192, 0, 2, 10);
    rr_a_at_qname(&m, 192, 0, 2, 9); /* duplicate */
    /* not ours: other owner, other type, other class */
    putname(&m, "other.example.com");
    at = rr_head(&m, T_A, C_IN, 300);
    putmem(&m, "\xc0\x00\x02\x63", 4);
    rr_end(&m, at);
    putptr(&m, QNAME_OFF);
    at = rr_head(&m, T_AAAA, C_IN, 300);
    putmem(&m, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
    rr_end(&m, at);
    putptr(&m, QNAME_OFF);
    at = rr_head(&m, T_A, C_CH, 300);
    putmem(&m, "\x0a\x00\x00\x01", 4);
    rr_end(&m, at);
    rr_a_at_qname(&m, 192, 0, 2, 1);

    cr_assert_eq(parse(&m, "example.com.", T_A, true, &a), 0);
    cr_assert_eq(a.id, 0x1234);
    cr_assert_eq(a.rcode, 0);
    cr_assert(a.aa);
    cr_assert_not(a.tc);
    cr_assert(a.qmatch);
    cr_assert_not(a.have_soa);
    cr_assert_not(a.have_cname);
    cr_assert_eq(a.ancount, 7);
    cr_assert_eq(a.nmatch, 4, "RRs of (qname, A, IN), duplicates included");
    cr_assert_eq(a.nvalues, 3, "values are a set");
    /* sorted as strings (strcmp), the order cond_values_match relies on */
    cr_assert_str_eq(a.values[0], "192.0.2.1");
    cr_assert_str_eq(a.values[1], "192.0.2.10");
    cr_assert_str_eq(a.values[2], "192.0.2.9");
    dnsmsg_answer_clear(&a);
    assert_cleared(&a);
    dnsmsg_answer_clear(&a); /* twice is harmless */
}

Test(dnsmsg, two_value_rrset)
{
    mb_t m;
    dnsmsg_answer_t a;

    header(&m, 1, F_QR | F_AA, 0, 1, 2, 0, 0);
    question(&m, "www.example.com", T_A, C_IN);
    rr_a_at_qname(&m, 198, 51, 100, 7);
    rr_a_at_qname(&m, 192, 0, 2, 1);
    cr_assert_eq(parse(&m, "www.example.com.", T_A, true, &a), 0);
    cr_assert_eq(a.nmatch, 2);
    cr_assert_eq(a.nvalues, 2);
    cr_assert_str_eq(a.values[0], "192.0.2.1");
    cr_assert_str_eq(a.values[1], "198.51.100.7");
    dnsmsg_answer_clear(&a);

    /* without values: counts only */
    cr_assert_eq(parse(&m, "www.example.com.", T_A, false, &a), 0);
    cr_assert_eq(a.nmatch, 2);
    cr_assert_eq(a.nvalues, 0);
    cr_assert_null(a.values);
    dnsmsg_answer_clear(&a);
}

Test(dnsmsg, nxdomain)
{
    mb_t m;
    dnsmsg_answer_t a;
    size_t at;

    header(&m, 7, F_QR | F_AA, 3, 1, 0, 1, 0);
    question(&m, "gone.example.com", T_A, C_IN);
    putname(&m, "example.com");
    at = rr_head(&m, T_SOA, C_IN, 300);
    soa_rdata(&m, 99);
    rr_end(&m, at);
    cr_assert_eq(parse(&m, "gone.example.com.", T_A, true, &a), 0);
    cr_assert_eq(a.rcode, 3);
    cr_assert(a.qmatch);
    cr_assert_eq(a.ancount, 0);
    cr_assert_eq(a.nmatch, 0);
    cr_assert_not(a.have_soa, "an SOA in the authority section is not an answer");
    cr_assert_eq(a.nvalues, 0);
    dnsmsg_answer_clear(&a);
}

Test(dnsmsg, nodata_with_soa_in_authority)
{
    mb_t m;
    dnsmsg_answer_t a;
    size_t at;

    header(&m, 7, F_QR | F_AA, 0, 1, 0, 1, 0);
    question(&m, "example.com", T_SOA, C_IN);
    putptr(&m, QNAME_OFF);
    at = rr_head(&m, T_SOA, C_IN, 300);
    soa_rdata(&m, 5);
    rr_end(&m, at);
    /* even for an SOA query, the authority SOA is not the answer */
    cr_assert_eq(parse(&m, "example.com.", T_SOA, true, &a), 0);
    cr_assert_eq(a.rcode, 0);
    cr_assert_eq(a.nmatch, 0);
    cr_assert_not(a.have_soa);
    cr_assert_eq(a.nvalues, 0);
    dnsmsg_answer_clear(&a);
}

Test(dnsmsg, soa_answer_serial)
{
    mb_t m;
    dnsmsg_answer_t a;
    size_t at;

    header(&m, 9, F_QR | F_AA, 0, 1, 1, 0, 0);
    question(&m, "example.com", T_SOA, C_IN);
    putptr(&m, QNAME_OFF);
    at = rr_head(&m, T_SOA, C_IN, 3600);
    /* compressed MNAME and RNAME inside the RDATA */
    put8(&m, 3);
    putmem(&m, "ns1", 3);
    putptr(&m, QNAME_OFF);
    put8(&m, 10);
    putmem(&m, "hostmaster", 10);
    putptr(&m, QNAME_OFF);
    put32(&m, 2024010101u);
    put32(&m, 7200);
    put32(&m, 3600);
    put32(&m, 1209600);
    put32(&m, 300);
    rr_end(&m, at);
    cr_assert_eq(parse(&m, "example.com.", T_SOA, false, &a), 0);
    cr_assert(a.have_soa);
    cr_assert_eq(a.soa_serial, 2024010101u);
    cr_assert_eq(a.nmatch, 1);
    dnsmsg_answer_clear(&a);

    /* serial with the top bit set is read unsigned */
    header(&m, 9, F_QR | F_AA, 0, 1, 1, 0, 0);
    question(&m, "example.com", T_SOA, C_IN);
    putptr(&m, QNAME_OFF);
    at = rr_head(&m, T_SOA, C_IN, 3600);
    soa_rdata(&m, 0xfffffff0u);
    rr_end(&m, at);
    cr_assert_eq(parse(&m, "example.com.", T_SOA, true, &a), 0);
    cr_assert(a.have_soa);
    cr_assert_eq(a.soa_serial, 0xfffffff0u);
    cr_assert_eq(a.nvalues, 1, "SOA value");
    cr_assert_str_eq(
        a.values[0],
        "ns1.example.com. hostmaster.example.com. 4294967280 7200 3600 1209600 300");
    dnsmsg_answer_clear(&a);

    /* not an SOA query: no serial even with an SOA at qname */
    cr_assert_eq(parse(&m, "example.com.", T_NS, false, &a), 0);
    cr_assert_not(a.have_soa);
    cr_assert_not(a.qmatch, "question is SOA, not NS");
    dnsmsg_answer_clear(&a);
}

Test(dnsmsg, soa_rdata_too_short)
{
    mb_t m;
    dnsmsg_answer_t a;
    size_t at;

    header(&m, 9, F_QR | F_AA, 0, 1, 1, 0, 0);
    question(&m, "example.com", T_SOA, C_IN);
    putptr(&m, QNAME_OFF);
    at = rr_head(&m, T_SOA, C_IN, 3600);
    putname(&m, "ns1.example.com");
    putname(&m, "hostmaster.example.com");
    put32(&m, 1);
    put32(&m, 2);
    put32(&m, 3);
    put32(&m, 4); /* MINIMUM missing: 16 octets after the names */
    rr_end(&m, at);
    putmem(&m, "\0\0\0\0\0\0\0\0", 8); /* bytes after the RR must not be read */
    cr_assert_eq(parse(&m, "example.com.", T_SOA, false, &a), DP_EMALFORMED);
    assert_cleared(&a);
}

Test(dnsmsg, cname_at_qname)
{
    mb_t m;
    dnsmsg_answer_t a;
    size_t at;
    size_t target;

    header(&m, 3, F_QR | F_AA, 0, 1, 2, 0, 0);
    question(&m, "www.example.com", T_A, C_IN);
    putptr(&m, QNAME_OFF);
    at = rr_head(&m, T_CNAME, C_IN, 300);
    target = m.n;
    putname(&m, "web.example.net");
    rr_end(&m, at);
    putptr(&m, (unsigned)target);
    at = rr_head(&m, T_A, C_IN, 300);
    putmem(&m, "\xc0\x00\x02\x01", 4);
    rr_end(&m, at);

    cr_assert_eq(parse(&m, "www.example.com.", T_A, true, &a), 0);
    cr_assert(a.have_cname);
    cr_assert_eq(a.nmatch, 0, "the A RR belongs to the CNAME target");
    cr_assert_eq(a.nvalues, 0);
    cr_assert_eq(a.ancount, 2);
    dnsmsg_answer_clear(&a);

    /* asking for the CNAME itself: it is the answer, not a "CNAME seen" */
    m.b[QNAME_OFF + 17] = 0;
    m.b[QNAME_OFF + 18] = T_CNAME; /* question type */
    cr_assert_eq(parse(&m, "www.example.com.", T_CNAME, true, &a), 0);
    cr_assert(a.qmatch);
    cr_assert_not(a.have_cname);
    cr_assert_eq(a.nmatch, 1);
    cr_assert_eq(a.nvalues, 1);
    cr_assert_str_eq(a.values[0], "web.example.net.");
    dnsmsg_answer_clear(&a);
}

Test(dnsmsg, owner_case_insensitive)
{
    mb_t m;
    dnsmsg_answer_t a;
    size_t at;

    header(&m, 3, F_QR | F_AA, 0, 1, 1, 0, 0);
    question(&m, "ExAmPlE.CoM", T_A, C_IN); /* 0x20-style echo */
    putname(&m, "EXAMPLE.com");
    at = rr_head(&m, T_A, C_IN, 300);
    putmem(&m, "\xc0\x00\x02\x01", 4);
    rr_end(&m, at);
    cr_assert_eq(parse(&m, "example.com.", T_A, true, &a), 0);
    cr_assert(a.qmatch);
    cr_assert_eq(a.nmatch, 1);
    cr_assert_eq(a.nvalues, 1);
    cr_assert_str_eq(a.values[0], "192.0.2.1");
    dnsmsg_answer_clear(&a);
}

Test(dnsmsg, question_mismatch)
{
    mb_t m;
    dnsmsg_answer_t a;

    header(&m, 3, F_QR, 0, 1, 0, 0, 0);
    question(&m, "example.org", T_A, C_IN);
    cr_assert_eq(parse(&m, "example.com.", T_A, true, &a), 0);
    cr_assert_not(a.qmatch, "other name");
    header(&m, 3, F_QR, 0, 1, 0, 0, 0);
    question(&m, "example.com", T_AAAA, C_IN);
    cr_assert_eq(parse(&m, "example.com.", T_A, true, &a), 0);
    cr_assert_not(a.qmatch, "other type");
    header(&m, 3, F_QR, 0, 1, 0, 0, 0);
    question(&m, "example.com", T_A, C_CH);
    cr_assert_eq(parse(&m, "example.com.", T_A, true, &a), 0);
    cr_assert_not(a.qmatch, "other class");
    header(&m, 3, F_QR, 5, 0, 0, 0, 0); /* REFUSED without a question */
    cr_assert_eq(parse(&m, "example.com.", T_A, true, &a), 0);
    cr_assert_not(a.qmatch);
    cr_assert_eq(a.rcode, 5);
}

Test(dnsmsg, flags_and_rcodes)
{
    mb_t m;
    dnsmsg_answer_t a;

    header(&m, 0xbeef, F_QR | F_TC | F_RD, 2, 1, 0, 0, 0);
    question(&m, "example.com", T_A, C_IN);
    cr_assert_eq(parse(&m, "example.com.", T_A, true, &a), 0);
    cr_assert_eq(a.id, 0xbeef);
    cr_assert(a.tc);
    cr_assert_not(a.aa);
    cr_assert_eq(a.rcode, 2);
    header(&m, 1, F_QR | F_AA, 9, 1, 0, 0, 0);
    question(&m, "example.com", T_A, C_IN);
    cr_assert_eq(parse(&m, "example.com.", T_A, true, &a), 0);
    cr_assert(a.aa);
    cr_assert_eq(a.rcode, 9);
}

Test(dnsmsg, rdata_values_mx_txt_aaaa)
{
    mb_t m;
    dnsmsg_answer_t a;
    size_t at;

    header(&m, 1, F_QR | F_AA, 0, 1, 2, 0, 0);
    question(&m, "example.com", T_MX, C_IN);
    putptr(&m, QNAME_OFF);
    at = rr_head(&m, T_MX, C_IN, 300);
    put16(&m, 20);
    put8(&m, 4);
    putmem(&m, "MAIL", 4);
    putptr(&m, QNAME_OFF);
    rr_end(&m, at);
    putptr(&m, QNAME_OFF);
    at = rr_head(&m, T_MX, C_IN, 300);
    put16(&m, 10);
    putname(&m, "mx.example.net");
    rr_end(&m, at);
    cr_assert_eq(parse(&m, "example.com.", T_MX, true, &a), 0);
    cr_assert_eq(a.nvalues, 2);
    cr_assert_str_eq(a.values[0], "10 mx.example.net.");
    cr_assert_str_eq(a.values[1], "20 mail.example.com.");
    dnsmsg_answer_clear(&a);

    header(&m, 1, F_QR | F_AA, 0, 1, 1, 0, 0);
    question(&m, "example.com", T_TXT, C_IN);
    putptr(&m, QNAME_OFF);
    at = rr_head(&m, T_TXT, C_IN, 300);
    putmem(&m, "\x05hello\x05world", 12);
    rr_end(&m, at);
    cr_assert_eq(parse(&m, "example.com.", T_TXT, true, &a), 0);
    cr_assert_eq(a.nvalues, 1);
    cr_assert_str_eq(a.values[0], "\"hello\" \"world\"");
    dnsmsg_answer_clear(&a);

    header(&m, 1, F_QR | F_AA, 0, 1, 1, 0, 0);
    question(&m, "example.com", T_AAAA, C_IN);
    putptr(&m, QNAME_OFF);
    at = rr_head(&m, T_AAAA, C_IN, 300);
    putmem(&m, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
    rr_end(&m, at);
    cr_assert_eq(parse(&m, "example.com.", T_AAAA, true, &a), 0);
    cr_assert_eq(a.nvalues, 1);
    cr_assert_str_eq(a.values[0], "2001:db8::1");
    dnsmsg_answer_clear(&a);
}

Test(dnsmsg, root_qname)
{
    mb_t m;
    dnsmsg_answer_t a;
    size_t at;

    header(&m, 1, F_QR | F_AA, 0, 1, 1, 0, 0);
    question(&m, ".", T_NS, C_IN);
    put8(&m, 0); /* owner: root */
    at = rr_head(&m, T_NS, C_IN, 300);
    putname(&m, "a.root-servers.net");
    rr_end(&m, at);
    cr_assert_eq(parse(&m, ".", T_NS, true, &a), 0);
    cr_assert(a.qmatch);
    cr_assert_eq(a.nmatch, 1);
    cr_assert_str_eq(a.values[0], "a.root-servers.net.");
    dnsmsg_answer_clear(&a);
}

/* ---- malformed ---------------------------------------------------------- */

Test(dnsmsg, short_messages)
{
    mb_t m;
    dnsmsg_answer_t a;
    size_t full;
    size_t cut;

    cr_assert_eq(dnsmsg_parse(NULL, 0, "example.com.", T_A, true, &a), DP_EMALFORMED);
    header(&m, 1, F_QR | F_AA, 0, 1, 2, 0, 0);
    question(&m, "example.com", T_A, C_IN);
    rr_a_at_qname(&m, 192, 0, 2, 1);
    rr_a_at_qname(&m, 192, 0, 2, 2);
    full = m.n;
    cr_assert_eq(parse(&m, "example.com.", T_A, true, &a), 0);
    cr_assert_eq(a.nvalues, 2);
    dnsmsg_answer_clear(&a);

    /* every proper prefix is malformed (counts promise more) */
    for (cut = 0; cut < full; cut++) {
        int ret = dnsmsg_parse(m.b, cut, "example.com.", T_A, true, &a);
        cr_assert_eq(ret, DP_EMALFORMED, "prefix of %zu octets: %d", cut, ret);
        assert_cleared(&a);
    }
}

Test(dnsmsg, ancount_larger_than_records)
{
    mb_t m;
    dnsmsg_answer_t a;

    header(&m, 1, F_QR | F_AA, 0, 1, 2, 0, 0);
    question(&m, "example.com", T_A, C_IN);
    rr_a_at_qname(&m, 192, 0, 2, 1);
    cr_assert_eq(parse(&m, "example.com.", T_A, true, &a), DP_EMALFORMED);
    assert_cleared(&a);
    cr_assert_eq(parse(&m, "example.com.", T_A, false, &a), DP_EMALFORMED);
}

Test(dnsmsg, rdlength_past_end)
{
    mb_t m;
    dnsmsg_answer_t a;

    header(&m, 1, F_QR | F_AA, 0, 1, 1, 0, 0);
    question(&m, "example.com", T_A, C_IN);
    rr_a_at_qname(&m, 192, 0, 2, 1);
    m.b[m.n - 5] = 5; /* RDLENGTH 4 -> 5 */
    cr_assert_eq(parse(&m, "example.com.", T_A, false, &a), DP_EMALFORMED);
    m.b[m.n - 6] = 0xff; /* RDLENGTH 0xff05 */
    cr_assert_eq(parse(&m, "example.com.", T_A, false, &a), DP_EMALFORMED);
}

Test(dnsmsg, bad_a_rdata_with_values)
{
    mb_t m;
    dnsmsg_answer_t a;
    size_t at;

    header(&m, 1, F_QR | F_AA, 0, 1, 2, 0, 0);
    question(&m, "example.com", T_A, C_IN);
    rr_a_at_qname(&m, 192, 0, 2, 1); /* a good one first: must be freed */
    putptr(&m, QNAME_OFF);
    at = rr_head(&m, T_A, C_IN, 300);
    putmem(&m, "\xc0\x00\x02\x01\x05", 5); /* A with 5 octets */
    rr_end(&m, at);
    cr_assert_eq(parse(&m, "example.com.", T_A, true, &a), DP_EMALFORMED);
    assert_cleared(&a);
}

Test(dnsmsg, bad_compression_pointers)
{
    mb_t m;
    dnsmsg_answer_t a;
    size_t at;
    size_t self;

    /* owner pointer beyond the end of the message */
    header(&m, 1, F_QR | F_AA, 0, 1, 1, 0, 0);
    question(&m, "example.com", T_A, C_IN);
    putptr(&m, 0x3ff);
    at = rr_head(&m, T_A, C_IN, 300);
    putmem(&m, "\xc0\x00\x02\x01", 4);
    rr_end(&m, at);
    cr_assert_eq(parse(&m, "example.com.", T_A, true, &a), DP_EMALFORMED);

    /* owner pointer to itself */
    header(&m, 1, F_QR | F_AA, 0, 1, 1, 0, 0);
    question(&m, "example.com", T_A, C_IN);
    self = m.n;
    putptr(&m, (unsigned)self);
    at = rr_head(&m, T_A, C_IN, 300);
    putmem(&m, "\xc0\x00\x02\x01", 4);
    rr_end(&m, at);
    cr_assert_eq(parse(&m, "example.com.", T_A, true, &a), DP_EMALFORMED);

    /* question name is a pointer loop between two labels */
    header(&m, 1, F_QR, 0, 1, 0, 0, 0);
    put8(&m, 1);
    put8(&m, 'a');
    putptr(&m, 12);
    put16(&m, T_A);
    put16(&m, C_IN);
    cr_assert_eq(parse(&m, "a.", T_A, true, &a), DP_EMALFORMED);

    /* pointer inside an NS RDATA pointing past the end */
    header(&m, 1, F_QR | F_AA, 0, 1, 1, 0, 0);
    question(&m, "example.com", T_NS, C_IN);
    putptr(&m, QNAME_OFF);
    at = rr_head(&m, T_NS, C_IN, 300);
    put8(&m, 3);
    putmem(&m, "ns1", 3);
    putptr(&m, 0x200);
    rr_end(&m, at);
    cr_assert_eq(parse(&m, "example.com.", T_NS, true, &a), DP_EMALFORMED);
    assert_cleared(&a);
}

Test(dnsmsg, not_a_response)
{
    mb_t m;
    dnsmsg_answer_t a;

    header(&m, 1, F_AA, 0, 1, 1, 0, 0); /* QR clear */
    question(&m, "example.com", T_A, C_IN);
    rr_a_at_qname(&m, 192, 0, 2, 1);
    cr_assert_eq(parse(&m, "example.com.", T_A, true, &a), DP_EMALFORMED);
    assert_cleared(&a);
}

Test(dnsmsg, owner_with_zero_octet_label_is_another_name)
{
    /* "example.com.\000." is a different name from "example.com." (a label
     * of one 0x00 octet is legal, RFC 2181 section 11). Its RRs must not
     * be counted as the qname's. */
    mb_t m;
    dnsmsg_answer_t a;
    size_t at;

    header(&m, 1, F_QR | F_AA, 0, 1, 1, 0, 0);
    question(&m, "example.com", T_A, C_IN);
    put8(&m, 7);
    putmem(&m, "example", 7);
    put8(&m, 3);
    putmem(&m, "com", 3);
    put8(&m, 1);
    put8(&m, 0);
    put8(&m, 0);
    at = rr_head(&m, T_A, C_IN, 300);
    putmem(&m, "\xc6\x33\x64\x01", 4);
    rr_end(&m, at);
    cr_assert_eq(parse(&m, "example.com.", T_A, true, &a), 0);
    cr_expect_eq(a.nmatch, 0, "RR of example.com.\\000. counted for example.com.");
    cr_expect_eq(a.nvalues, 0);
    dnsmsg_answer_clear(&a);
}

/* ---- referrals (RFC 1034 4.3.2): delegations and glue ------------------- */

/* A referral for qname/qtype from the cut "sub.example.com": NS
 * ns1.sub.example.com and NS2.Example. in the authority section, glue
 * for ns1.sub.example.com in the additional section (if glue). */
static void referral(mb_t *m, const char *qname, unsigned qtype, bool glue)
{
    size_t at;

    header(m, 5, F_QR, 0, 1, 0, 2, glue ? 1 : 0);
    question(m, qname, qtype, C_IN);
    putname(m, "sub.example.com");
    at = rr_head(m, T_NS, C_IN, 60);
    putname(m, "ns1.sub.example.com");
    rr_end(m, at);
    putname(m, "sub.example.com");
    at = rr_head(m, T_NS, C_IN, 60);
    putname(m, "NS2.Example");
    rr_end(m, at);
    if (glue) {
        putname(m, "ns1.sub.example.com");
        at = rr_head(m, T_A, C_IN, 60);
        put32(m, 0xc0000235); /* 192.0.2.53 */
        rr_end(m, at);
    }
}

Test(dnsmsg, referral_ns_at_the_cut)
{
    mb_t m;
    dnsmsg_answer_t a;
    cond_empty_t e;
    char w1[] = "ns1.sub.example.com.", w2[] = "ns2.example.";
    char *want[] = {w1, w2};
    cond_spec_t present = {
        .kind = COND_VALUE_PRESENT, .values = want, .nvalues = 2, .exact = true};
    cond_spec_t gone = {.kind = COND_EMPTY_RESPONSE};

    referral(&m, "sub.example.com", T_NS, true);
    cr_assert_eq(parse(&m, "sub.example.com.", T_NS, true, &a), 0);
    cr_expect(a.referral);
    cr_expect(a.referral_at_qname);
    cr_expect_not(a.aa);
    cr_expect_eq(a.nmatch, 2);
    cr_assert_eq(a.nvalues, 2);
    cr_expect_str_eq(a.values[0], "ns1.sub.example.com.");
    cr_expect_str_eq(a.values[1], "ns2.example.");
    /* the delegation is there: present, and not "empty" */
    cr_expect(cond_eval(&present, &a, &e));
    cr_expect_not(cond_eval(&gone, &a, &e), "a referral at the cut is not NODATA");
    dnsmsg_answer_clear(&a);
}

Test(dnsmsg, referral_glue_and_occluded_names)
{
    mb_t m;
    dnsmsg_answer_t a;
    cond_empty_t e;
    char w1[] = "192.0.2.53";
    char *want[] = {w1};
    cond_spec_t present = {.kind = COND_VALUE_PRESENT, .values = want, .nvalues = 1};
    cond_spec_t gone = {.kind = COND_EMPTY_RESPONSE};

    /* glue: from the additional section */
    referral(&m, "ns1.sub.example.com", T_A, true);
    cr_assert_eq(parse(&m, "ns1.sub.example.com.", T_A, true, &a), 0);
    cr_expect(a.referral);
    cr_expect_not(a.referral_at_qname);
    cr_assert_eq(a.nvalues, 1);
    cr_expect_str_eq(a.values[0], "192.0.2.53");
    cr_expect(cond_eval(&present, &a, &e));
    cr_expect_not(cond_eval(&gone, &a, &e));
    dnsmsg_answer_clear(&a);
    /* glue gone: the referral no longer carries it */
    referral(&m, "ns1.sub.example.com", T_A, false);
    cr_assert_eq(parse(&m, "ns1.sub.example.com.", T_A, true, &a), 0);
    cr_expect_eq(a.nvalues, 0);
    cr_expect(cond_eval(&gone, &a, &e));
    cr_expect_eq(e, COND_EMPTY_NODATA);
    dnsmsg_answer_clear(&a);
    /* an AAAA query is not answered by A glue; the NS RRs in the authority
     * section are not values of an A query */
    referral(&m, "ns1.sub.example.com", T_AAAA, true);
    cr_assert_eq(parse(&m, "ns1.sub.example.com.", T_AAAA, true, &a), 0);
    cr_expect_eq(a.nvalues, 0);
    dnsmsg_answer_clear(&a);
    /* a name below the cut without glue: occluded, not served here */
    referral(&m, "deep.sub.example.com", T_A, true);
    cr_assert_eq(parse(&m, "deep.sub.example.com.", T_A, true, &a), 0);
    cr_expect(a.referral);
    cr_expect_eq(a.nvalues, 0);
    cr_expect(cond_eval(&gone, &a, &e));
    dnsmsg_answer_clear(&a);
    /* authoritative: no referral reading, whatever the sections hold */
    referral(&m, "ns1.sub.example.com", T_A, true);
    m.b[2] |= 0x04;
    cr_assert_eq(parse(&m, "ns1.sub.example.com.", T_A, true, &a), 0);
    cr_expect_not(a.referral);
    cr_expect_eq(a.nvalues, 0);
    dnsmsg_answer_clear(&a);
}

/* ---- EDNS: the OPT record we send, the NSID we read (RFC 6891, RFC 5001) ---- */

Test(dnsmsg, build_query_opt_layout)
{
    unsigned char q[512];
    int plain = dnsmsg_build_query("www.example.com.", T_A, q, sizeof(q));
    int n = dnsmsg_build_query_opt("www.example.com.", T_A, DNSMSG_Q_NSID, q, sizeof(q));
    const unsigned char *o = q + plain;

    cr_assert_eq(n, plain + DNSMSG_OPT_LEN);
    cr_assert_eq(q[10] << 8 | q[11], 1, "ARCOUNT 1");
    cr_assert_eq(o[0], 0, "owner: the root");
    cr_assert_eq(o[1] << 8 | o[2], 41, "TYPE OPT");
    cr_assert_eq(o[3] << 8 | o[4], DNSMSG_EDNS_PAYLOAD, "CLASS: the UDP payload");
    cr_assert_eq(o[5] | o[6] | o[7] | o[8], 0, "ext-rcode 0, version 0, DO clear");
    cr_assert_eq(o[9] << 8 | o[10], 4, "RDLENGTH: one empty option");
    cr_assert_eq(o[11] << 8 | o[12], 3, "OPTION-CODE NSID");
    cr_assert_eq(o[13] << 8 | o[14], 0, "OPTION-LENGTH 0");
    cr_assert_eq(dnsmsg_question_end(q, n), plain);
    cr_assert_eq(dnsmsg_strip_opt(q, n), plain, "stripped: the plain query");
    cr_assert_eq(q[10] << 8 | q[11], 0, "ARCOUNT 0 again");

    n = dnsmsg_build_query_opt("www.example.com.", T_A, DNSMSG_Q_DO, q, sizeof(q));
    cr_assert_eq(n, plain + DNSMSG_OPT_LEN - 4, "DO alone: no option");
    cr_assert_eq(q[plain + 7], 0x80, "the DO bit (RFC 3225)");
    n = dnsmsg_build_query_opt("www.example.com.", T_A, 0, q, sizeof(q));
    cr_assert_eq(n, plain, "no flags: no EDNS");
    cr_assert_eq(dnsmsg_build_query_opt("www.example.com.", T_A, DNSMSG_Q_NSID, q,
                                        (size_t)plain + 3),
                 DP_ERANGE);
}

/* An answer with one A RR and an OPT whose RDATA is opts[0..nopts). */
static void answer_with_opt(mb_t *m, const unsigned char *opts, size_t nopts)
{
    size_t at;

    header(m, 7, F_QR | F_AA, 0, 1, 1, 0, 1);
    question(m, "www.example.com", T_A, C_IN);
    rr_a_at_qname(m, 192, 0, 2, 1);
    put8(m, 0);
    at = rr_head(m, 41, 1232, 0);
    putmem(m, opts, nopts);
    rr_end(m, at);
}

Test(dnsmsg, nsid_read_from_the_opt_record)
{
    /* a cookie option first (RFC 7873), then NSID "fra1" */
    static const unsigned char opts[] = {0, 10, 0, 8, 1, 2, 3,   4,   5,   6,
                                         7, 8,  0, 3, 0, 4, 'f', 'r', 'a', '1'};
    dnsmsg_answer_t ans;
    mb_t m;

    answer_with_opt(&m, opts, sizeof(opts));
    cr_assert_eq(parse(&m, "www.example.com.", T_A, true, &ans), 0);
    cr_assert(ans.edns);
    cr_assert_eq(ans.nsid_state, DNSMSG_NSID_PRESENT);
    cr_assert_eq(ans.nsid_len, 4);
    cr_assert_eq(memcmp(ans.nsid, "fra1", 4), 0);
    cr_assert_eq(ans.nvalues, 1, "the answer is read as before");
    dnsmsg_answer_clear(&ans);

    /* an OPT without NSID, and no OPT at all */
    answer_with_opt(&m, opts, 12);
    cr_assert_eq(parse(&m, "www.example.com.", T_A, true, &ans), 0);
    cr_assert(ans.edns);
    cr_assert_eq(ans.nsid_state, DNSMSG_NSID_NONE);
    dnsmsg_answer_clear(&ans);
    header(&m, 7, F_QR | F_AA, 0, 1, 1, 0, 0);
    question(&m, "www.example.com", T_A, C_IN);
    rr_a_at_qname(&m, 192, 0, 2, 1);
    cr_assert_eq(parse(&m, "www.example.com.", T_A, true, &ans), 0);
    cr_assert(!ans.edns);
    cr_assert_eq(ans.nsid_state, DNSMSG_NSID_NONE);
    dnsmsg_answer_clear(&ans);
}

Test(dnsmsg, malformed_nsid_is_not_a_malformed_answer)
{
    /* the option says 200 octets; the OPT holds 2 */
    static const unsigned char opts[] = {0, 3, 0, 200, 'a', 'b'};
    static const unsigned char cut[] = {0, 3, 0}; /* an option header cut short */
    dnsmsg_answer_t ans;
    mb_t m;

    answer_with_opt(&m, opts, sizeof(opts));
    cr_assert_eq(parse(&m, "www.example.com.", T_A, true, &ans), 0);
    cr_assert_eq(ans.nsid_state, DNSMSG_NSID_MALFORMED);
    cr_assert_eq(ans.nvalues, 1);
    dnsmsg_answer_clear(&ans);
    answer_with_opt(&m, cut, sizeof(cut));
    cr_assert_eq(parse(&m, "www.example.com.", T_A, true, &ans), 0);
    cr_assert_eq(ans.nsid_state, DNSMSG_NSID_MALFORMED);
    dnsmsg_answer_clear(&ans);
    /* an additional section that is not there: the answer still stands */
    answer_with_opt(&m, opts, sizeof(opts));
    m.n -= 8;
    cr_assert_eq(parse(&m, "www.example.com.", T_A, true, &ans), 0);
    cr_assert_eq(ans.nvalues, 1);
    cr_assert_eq(ans.nsid_state, DNSMSG_NSID_NONE);
    dnsmsg_answer_clear(&ans);
}

Test(dnsmsg, nsid_as_text)
{
    char out[DNSMSG_NSID_TEXT_MAX];
    unsigned char big[300];

    cr_assert_eq(dnsmsg_nsid_text((const unsigned char *)"ams-3", 5, out), 5);
    cr_assert_str_eq(out, "ams-3");
    dnsmsg_nsid_text((const unsigned char *)"\x01\xab", 2, out);
    cr_assert_str_eq(out, "0x01ab", "binary: hex");
    dnsmsg_nsid_text((const unsigned char *)"", 0, out);
    cr_assert_str_eq(out, "0x", "empty: 0x");
    memset(big, 'x', sizeof(big));
    cr_assert_eq(dnsmsg_nsid_text(big, sizeof(big), out), DNSMSG_NSID_TEXT_MAX - 1);
    cr_assert(strstr(out, "...") != NULL, "cut, and says so");
    big[0] = 0;
    cr_assert_leq(dnsmsg_nsid_text(big, sizeof(big), out), DNSMSG_NSID_TEXT_MAX - 1);
    cr_assert_eq(strncmp(out, "0x0078", 6), 0);
}

/* RFC 8945 5.1: at most one TSIG, the last of the additional section.
 * ldns 1.8.3 loses (leaks) every TSIG but the last one it reads, so the
 * DNSSEC check counts them first and turns such an answer away. */
static size_t tsig_msg(unsigned char *m, unsigned ar, unsigned tsigs)
{
    static const unsigned char hdr[] = {0x12, 0x34, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    static const unsigned char rr[] = {0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 0};
    size_t n = sizeof(hdr);

    memcpy(m, hdr, sizeof(hdr));
    m[11] = (unsigned char)ar;
    m[n++] = 0; /* question: . A IN */
    m[n++] = 0;
    m[n++] = 1;
    m[n++] = 0;
    m[n++] = 1;
    for (unsigned i = 0; i < ar; i++) {
        memcpy(m + n, rr, sizeof(rr));
        if (i >= tsigs)
            m[n + 2] = 16; /* TXT, not TSIG */
        n += sizeof(rr);
    }
    return n;
}

Test(dnsmsg, tsig_count_and_the_dnssec_check)
{
    unsigned char m[128];
    dnssec_keys_t *k = NULL;
    char err[256];
    char why[256] = "";
    size_t n;

    n = tsig_msg(m, 3, 0);
    cr_assert_eq(dnsmsg_tsig_count(m, n), 0);
    n = tsig_msg(m, 3, 1);
    cr_assert_eq(dnsmsg_tsig_count(m, n), 1);
    n = tsig_msg(m, 3, 3);
    cr_assert_eq(dnsmsg_tsig_count(m, n), 3);
    cr_assert_eq(dnsmsg_tsig_count(m, n - 1), DP_EMALFORMED);
    cr_assert_eq(dnsmsg_tsig_count(m, 5), DP_EMALFORMED);
    /* three TSIGs: not handed to ldns (LeakSanitizer would see two lost) */
    cr_assert_eq(dnssec_keys_parse("example.com. 60 IN DNSKEY 257 3 13 "
                                   "jwljEROxfYJzLLPSHkCUV8YoQJ77M+bME0iswP7EFAiybpqDhBfV"
                                   "FEIBRGNpCpvJtiiYhagGdftrGaVIiOGPPQ==",
                                   &k, err, sizeof(err)),
                 0, "%s", err);
    cr_assert_not(
        dnssec_check(k, m, n, "www.example.com.", RDATA_T_A, false, why, sizeof(why)));
    cr_assert(strstr(why, "does not parse") != NULL, "%s", why);
    dnssec_keys_unref(k);
}
