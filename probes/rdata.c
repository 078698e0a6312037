/*
 * rdata: canonical text for record values (see rdata.h).
 *
 * Names read off the wire are decompressed here (RFC 1035 4.1.4) into
 * wire form and printed by the same canonicaliser as user input, so both
 * sides agree on one escaping. (c-ares 1.18's ares_expand_name prints a
 * label holding a single zero octet raw, which cuts its string short.)
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "harness/common/errcode.h"
#include "harness/common/numparse.h"
#include "harness/common/vec.h"
#include "probes/rdata.h"

static const struct {
    const char *name;
    uint16_t type;
} type_names[] = {
    {"A", RDATA_T_A},
    {"NS", RDATA_T_NS},
    {"CNAME", RDATA_T_CNAME},
    {"SOA", RDATA_T_SOA},
    {"PTR", RDATA_T_PTR},
    {"MX", RDATA_T_MX},
    {"TXT", RDATA_T_TXT},
    {"AAAA", RDATA_T_AAAA},
    {"SRV", RDATA_T_SRV},
    {"DS", 43},
    {"DNSKEY", 48},
    {"CAA", 257},
    {"NAPTR", 35},
    {"SPF", 99},
    {"HTTPS", 65},
    {"SVCB", 64},
    {"TLSA", 52},
    {"ANY", 255},
};

int rdata_type_from_str(const char *s, uint16_t *out)
{
    ldns_rr_type t;
    size_t i;

    if (s == NULL)
        return DP_EBADTYPE;
    for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
        if (strcasecmp(s, type_names[i].name) == 0) {
            *out = type_names[i].type;
            return 0;
        }
    }
    /* RFC 3597 section 5: TYPEnnn. */
    if (strncasecmp(s, "TYPE", 4) == 0) {
        uint16_t v;
        if (numparse_u16(s + 4, &v) == 0 && v != 0) {
            *out = v;
            return 0;
        }
        return DP_EBADTYPE;
    }
    /* Every other mnemonic ldns knows (CAA, SSHFP, LOC, URI, ...). */
    t = ldns_get_rr_type_by_name(s);
    if (t == 0)
        return DP_EBADTYPE;
    *out = (uint16_t)t;
    return 0;
}

const char *rdata_type_to_str(uint16_t type, char buf[16])
{
    const ldns_rr_descriptor *d;
    size_t i;

    for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
        if (type_names[i].type == type)
            return type_names[i].name;
    }
    d = ldns_rr_descript(type);
    if (d != NULL && d->_type == type && d->_name != NULL && type != 0 &&
        strncmp(d->_name, "TYPE", 4) != 0)
        snprintf(buf, 16, "%s", d->_name);
    else
        snprintf(buf, 16, "TYPE%u", (unsigned)type);
    return buf;
}

bool rdata_type_comparable(uint16_t type)
{
    /* Every data type: known to ldns or not (RFC 3597 generic form). Not
     * comparable: type 0, OPT (a pseudo-RR, RFC 6891) and the QTYPE/meta
     * range 128-255 (RFC 6895 section 3.1: TKEY, TSIG, IXFR, AXFR, ANY...),
     * which never form an RRset in an answer. */
    return type != 0 && type != LDNS_RR_TYPE_OPT && (type < 128 || type > 255);
}

bool rdata_type_basic(uint16_t type)
{
    switch (type) {
    case RDATA_T_A:
    case RDATA_T_AAAA:
    case RDATA_T_NS:
    case RDATA_T_CNAME:
    case RDATA_T_PTR:
    case RDATA_T_MX:
    case RDATA_T_TXT:
    case RDATA_T_SRV:
        return true;
    default:
        return false;
    }
}

const char *rdata_rcode_str(int rcode, char buf[16])
{
    static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                        "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                        "NXRRSET", "NOTAUTH", "NOTZONE"};

    if (rcode >= 0 && (size_t)rcode < sizeof(names) / sizeof(names[0]))
        return names[rcode];
    snprintf(buf, 16, "RCODE%d", rcode);
    return buf;
}

/* ---- names ------------------------------------------------------------ */

/* Read one (possibly escaped) character of a zone-file name or string.
 * Returns the number of input bytes consumed, or 0 on a bad escape. */
static size_t read_escaped(const char *p, unsigned char *c)
{
    if (p[0] != '\\') {
        *c = (unsigned char)p[0];
        return 1;
    }
    /* RFC 1035 5.1: \DDD is exactly three digits; \X quotes a non-digit. */
    if (isdigit((unsigned char)p[1])) {
        int v;
        if (!isdigit((unsigned char)p[2]) || !isdigit((unsigned char)p[3]))
            return 0;
        v = (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
        if (v > 255)
            return 0;
        *c = (unsigned char)v;
        return 4;
    }
    if (p[1] == '\0')
        return 0;
    *c = (unsigned char)p[1];
    return 2;
}

int rdata_name_to_wire(const char *in, unsigned char *wire, size_t wirelen)
{
    size_t w = 0;
    const char *p = in;

    if (in == NULL || wirelen < 1)
        return DP_EBADNAME;
    if (strcmp(in, ".") == 0) {
        wire[0] = 0;
        return 1;
    }
    if (*p == '\0' || *p == '.')
        return DP_EBADNAME;
    while (*p != '\0') {
        size_t lenpos = w++;
        size_t len = 0;

        while (*p != '\0' && *p != '.') {
            unsigned char c;
            size_t n = read_escaped(p, &c);
            if (n == 0)
                return DP_EBADNAME;
            p += n;
            if (len == 63 || w >= wirelen || w >= 254)
                return DP_EBADNAME;
            wire[w++] = c;
            len++;
        }
        if (len == 0)
            return DP_EBADNAME; /* empty label: "a..b" */
        wire[lenpos] = (unsigned char)len;
        if (*p == '.')
            p++;
    }
    if (w >= wirelen || w + 1 > 255)
        return DP_EBADNAME;
    wire[w++] = 0;
    return (int)w;
}

int rdata_wire_to_canon(const unsigned char *wire, char *out, size_t outlen)
{
    size_t o = 0;
    size_t i = 0;

    if (wire[0] == 0) {
        if (outlen < 2)
            return DP_ERANGE;
        memcpy(out, ".", 2);
        return 0;
    }
    while (wire[i] != 0) {
        size_t len = wire[i++];
        size_t k;

        for (k = 0; k < len; k++, i++) {
            unsigned char c = (unsigned char)tolower(wire[i]);
            char tmp[5];
            size_t n;

            if (c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';' ||
                c == '@' || c == '$') {
                tmp[0] = '\\';
                tmp[1] = (char)c;
                n = 2;
            } else if (c < 0x21 || c > 0x7e) {
                snprintf(tmp, sizeof(tmp), "\\%03u", (unsigned)c);
                n = 4;
            } else {
                tmp[0] = (char)c;
                n = 1;
            }
            if (o + n + 2 > outlen)
                return DP_ERANGE;
            memcpy(out + o, tmp, n);
            o += n;
        }
        out[o++] = '.';
    }
    out[o] = '\0';
    return 0;
}

int rdata_name_canon(const char *in, char *out, size_t outlen)
{
    unsigned char wire[256];
    int ret = rdata_name_to_wire(in, wire, sizeof(wire));

    if (ret < 0)
        return ret;
    return rdata_wire_to_canon(wire, out, outlen) == 0 ? 0 : DP_EBADNAME;
}

/* ---- TXT ---------------------------------------------------------------- */

/* Append one character-string as canonical quoted text. */
static int txt_append(char **buf, size_t *len, size_t *cap, const unsigned char *s,
                      size_t slen)
{
    size_t i;

    /* room for the worst case: a separator, two quotes, every byte as
     * \DDD and the NUL */
    if (slen > (SIZE_MAX - *len - 4) / 4 ||
        vec_reserve(buf, cap, *len + slen * 4 + 4, 1) < 0)
        return -ENOMEM;
    if (*len > 0)
        (*buf)[(*len)++] = ' ';
    (*buf)[(*len)++] = '"';
    for (i = 0; i < slen; i++) {
        unsigned char c = s[i];
        if (c == '"' || c == '\\') {
            (*buf)[(*len)++] = '\\';
            (*buf)[(*len)++] = (char)c;
        } else if (c < 0x20 || c > 0x7e) {
            *len += (size_t)snprintf(*buf + *len, 5, "\\%03u", (unsigned)c);
        } else {
            (*buf)[(*len)++] = (char)c;
        }
    }
    (*buf)[(*len)++] = '"';
    (*buf)[*len] = '\0';
    return 0;
}

/* TXT in zone-file form: either one raw string (taken as is, split into
 * 255-octet character-strings as zone-file tools do), or one or more
 * quoted strings with \X and \DDD escapes. */
static int txt_from_text(const char *text, char **out)
{
    char *buf = NULL;
    size_t len = 0;
    size_t cap = 0;
    const char *p = text;
    unsigned char cs[255];
    int ret = 0;

    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != '"') {
        size_t total = strlen(text);
        size_t off = 0;
        do {
            size_t n = total - off > 255 ? 255 : total - off;
            ret = txt_append(&buf, &len, &cap, (const unsigned char *)text + off, n);
            if (ret < 0)
                goto out;
            off += n;
        } while (off < total);
        goto out;
    }
    while (*p != '\0') {
        size_t n = 0;

        if (*p != '"') {
            ret = DP_EBADVALUE;
            goto out;
        }
        p++;
        while (*p != '"') {
            unsigned char c;
            size_t used;
            if (*p == '\0' || n == sizeof(cs)) {
                ret = DP_EBADVALUE; /* unterminated, or > 255 octets */
                goto out;
            }
            used = read_escaped(p, &c);
            if (used == 0) {
                ret = DP_EBADVALUE;
                goto out;
            }
            cs[n++] = c;
            p += used;
        }
        p++;
        ret = txt_append(&buf, &len, &cap, cs, n);
        if (ret < 0)
            goto out;
        while (*p == ' ' || *p == '\t')
            p++;
    }
out:
    if (ret < 0) {
        free(buf);
        return ret;
    }
    if (buf == NULL)
        buf = strdup("\"\"");
    *out = buf;
    return buf == NULL ? -ENOMEM : 0;
}

static uint16_t get16(const unsigned char *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

/* ---- every other type, through ldns --------------------------------------- */

/* RFC 3597 section 5: "\# LEN HEX" is a value of any type. */
static bool generic_form(const char *text)
{
    while (*text == ' ' || *text == '\t')
        text++;
    return text[0] == '\\' && text[1] == '#' &&
           (text[2] == '\0' || text[2] == ' ' || text[2] == '\t');
}

/* A value in zone-file form (typed, or RFC 3597 generic) to its
 * uncompressed wire RDATA, preceded by its RDLENGTH, in *buf. Names in
 * the value are absolute whether or not they end in a dot (as
 * rdata_name_canon takes them): ldns completes them with the root. */
/* "\# LEN HEX" (RFC 3597 section 5; the hex may be split by blanks or
 * parentheses) into b after a 2-octet RDLENGTH. Read here rather than by
 * ldns, which refuses a generic RDATA its typed parser would not read:
 * such RDATA is still a value (it is what rdata_from_wire prints). */
static int generic_to_wire(const char *text, ldns_buffer *b)
{
    const char *p = text;
    unsigned long len = 0;
    size_t n = 0;
    int hi = -1;

    while (*p == ' ' || *p == '\t')
        p++;
    p += 2; /* \# */
    while (*p == ' ' || *p == '\t')
        p++;
    if (!isdigit((unsigned char)*p))
        return DP_EBADVALUE;
    while (isdigit((unsigned char)*p) && len <= 65535)
        len = len * 10 + (unsigned long)(*p++ - '0');
    if (len > 65535)
        return DP_EBADVALUE;
    /* ldns_buffer_write_u8/u16 assert room rather than growing (ldns
     * 1.8.3): make it once, for RDLENGTH and the LEN octets. */
    if (!ldns_buffer_reserve(b, 2 + (size_t)len))
        return -ENOMEM;
    ldns_buffer_write_u16(b, (uint16_t)len);
    for (; *p != '\0'; p++) {
        int v;
        if (strchr(" \t\n()", *p) != NULL && hi < 0)
            continue;
        if (!isxdigit((unsigned char)*p) || n == len)
            return DP_EBADVALUE;
        v = isdigit((unsigned char)*p) ? *p - '0' : tolower((unsigned char)*p) - 'a' + 10;
        if (hi < 0) {
            hi = v;
            continue;
        }
        ldns_buffer_write_u8(b, (uint8_t)(hi << 4 | v));
        hi = -1;
        n++;
    }
    if (n != len || hi >= 0 || ldns_buffer_status(b) != LDNS_STATUS_OK)
        return DP_EBADVALUE;
    return 0;
}

static int text_to_wire(uint16_t type, const char *text, ldns_buffer **buf)
{
    size_t need = strlen(text) + 32;
    char *line = malloc(need);
    ldns_rdf *origin = ldns_dname_new_frm_str(".");
    ldns_rr *rr = NULL;
    ldns_buffer *b = NULL;
    ldns_status st;
    int ret = DP_EBADVALUE;

    if (line == NULL || origin == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    if (generic_form(text)) {
        b = ldns_buffer_new(256);
        if (b == NULL) {
            ret = -ENOMEM;
            goto out;
        }
        ret = generic_to_wire(text, b);
        if (ret == 0) {
            *buf = b;
            b = NULL;
        }
        goto out;
    }
    /* TYPEnnn (RFC 3597 section 5) reaches ldns's typed parser for a type it
     * knows, and the generic one for a type it does not. */
    snprintf(line, need, ". 0 IN TYPE%u %s", (unsigned)type, text);
    st = ldns_rr_new_frm_str(&rr, line, 0, origin, NULL);
    if (st != LDNS_STATUS_OK || rr == NULL || ldns_rr_get_type(rr) != type)
        goto out;
    b = ldns_buffer_new(256);
    if (b == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    /* RDLENGTH first, so that the bytes read like an RR's tail on the wire. */
    ldns_buffer_write_u16(b, 0);
    if (ldns_rr_rdata2buffer_wire(b, rr) != LDNS_STATUS_OK ||
        ldns_buffer_position(b) - 2 > 65535)
        goto out;
    ldns_buffer_write_u16_at(b, 0, (uint16_t)(ldns_buffer_position(b) - 2));
    *buf = b;
    b = NULL;
    ret = 0;
out:
    ldns_buffer_free(b);
    ldns_rr_free(rr);
    ldns_rdf_deep_free(origin);
    free(line);
    return ret;
}

static int generic_text(const unsigned char *rdata, size_t rdlen, char **out);

int rdata_generic(uint16_t type, const char *text, char **out)
{
    ldns_buffer *b = NULL;
    int ret = text_to_wire(type, text, &b);

    if (ret == 0) /* past RDLENGTH */
        ret = generic_text(ldns_buffer_begin(b) + 2, ldns_buffer_position(b) - 2, out);
    ldns_buffer_free(b);
    return ret;
}

static int ldns_from_text(uint16_t type, const char *text, char **out)
{
    ldns_buffer *b = NULL;
    int ret = text_to_wire(type, text, &b);
    const unsigned char *w;
    size_t len;

    if (ret < 0)
        return ret;
    w = ldns_buffer_begin(b);
    len = ldns_buffer_position(b);
    /* The same function as an answer's RDATA: one canonical form. */
    ret = rdata_from_wire(type, w, len, w + 2, len - 2, out);
    ldns_buffer_free(b);
    return ret == DP_EMALFORMED ? DP_EBADVALUE : ret;
}

/* ASCII lower case of a <character-string> rdf (length octet first). */
static void lower_str_rdf(ldns_rdf *rdf)
{
    uint8_t *d = ldns_rdf_data(rdf);
    size_t i;

    for (i = 1; i < ldns_rdf_size(rdf); i++)
        d[i] = (uint8_t)tolower(d[i]);
}

/* Canonical RDATA (RFC 4034 section 6.2). ldns_rr2canonical lower-cases
 * the names of the types RFC 4034 6.2 lists (NS MD MF CNAME SOA MB MG MR
 * PTR MINFO MX RP AFSDB RT SIG PX NXT NAPTR KX SRV DNAME A6 RRSIG; not
 * NSEC, per RFC 6840 section 5.1), and no others: a name in SVCB or HTTPS
 * keeps its case. Beyond that, fields whose own RFC says they compare
 * without regard to case are folded:
 *   - CAA tag: RFC 8659 section 4.1, "Matching of tags is case insensitive";
 *   - NAPTR flags: RFC 3403 section 4.1, "the case of the alphabetic
 *     characters is not significant". */
static void canonicalise(ldns_rr *rr)
{
    ldns_rr2canonical(rr);
    if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CAA && ldns_rr_rd_count(rr) == 3)
        lower_str_rdf(ldns_rr_rdf(rr, 1));
    if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NAPTR && ldns_rr_rd_count(rr) == 6)
        lower_str_rdf(ldns_rr_rdf(rr, 2));
}

/* SvcParams (RFC 9460 section 2.2): key, length, value, keys strictly
 * increasing, filling the field exactly. ldns prints a broken list as
 * nothing at all. */
static bool svcparams_ok(const ldns_rdf *f)
{
    const uint8_t *d = ldns_rdf_data(f);
    size_t n = ldns_rdf_size(f);
    size_t i = 0;
    long last = -1;

    while (i < n) {
        if (n - i < 4 || (long)get16(d + i) <= last || n - i - 4 < get16(d + i + 2))
            return false;
        last = get16(d + i);
        i += 4 + get16(d + i + 2);
    }
    return true;
}

/* A LOC ldns prints as it reads (RFC 1876 section 2): version 0 (ldns
 * prints others as bare hex), SIZE/HORIZ PRE/VERT PRE mantissa and
 * exponent 0-9 each, latitude within 90 and longitude within 180 degrees
 * of 2^31 thousandths of an arcsecond. */
static bool loc_ok(const ldns_rdf *f)
{
    const uint8_t *d = ldns_rdf_data(f);
    const uint32_t mid = UINT32_C(1) << 31;
    uint32_t lat;
    uint32_t lon;
    int i;

    if (ldns_rdf_size(f) != 16 || d[0] != 0)
        return false;
    for (i = 1; i <= 3; i++) {
        if ((d[i] >> 4) > 9 || (d[i] & 0x0f) > 9)
            return false;
    }
    lat = ldns_read_uint32(d + 4);
    lon = ldns_read_uint32(d + 8);
    return (lat >= mid ? lat - mid : mid - lat) <= UINT32_C(90) * 3600000 &&
           (lon >= mid ? lon - mid : mid - lon) <= UINT32_C(180) * 3600000;
}

/* Field kinds ldns 1.8.3 prints, for any octets of the right size, as
 * text its parser reads back as the same octets. Others (APL, WKS, NSAP,
 * ATMA, IPSECKEY, HIP, AMTRELAY, NSEC3 salt, ...) print some inputs as
 * prose ("Unknown address family: 0 data: ..."). */
static bool rdf_prints_back(const ldns_rdf *f)
{
    switch (ldns_rdf_get_type(f)) {
    case LDNS_RDF_TYPE_DNAME:
    case LDNS_RDF_TYPE_INT8:
    case LDNS_RDF_TYPE_INT16:
    case LDNS_RDF_TYPE_INT32:
    case LDNS_RDF_TYPE_A:
    case LDNS_RDF_TYPE_AAAA:
    case LDNS_RDF_TYPE_STR:
    case LDNS_RDF_TYPE_B64:
    case LDNS_RDF_TYPE_HEX:
    case LDNS_RDF_TYPE_ALG:
    case LDNS_RDF_TYPE_CERT_ALG:
    case LDNS_RDF_TYPE_TYPE:
    case LDNS_RDF_TYPE_CLASS:
    case LDNS_RDF_TYPE_TIME:
    case LDNS_RDF_TYPE_PERIOD:
    case LDNS_RDF_TYPE_TAG:
    case LDNS_RDF_TYPE_LONG_STR:
    case LDNS_RDF_TYPE_CERTIFICATE_USAGE:
    case LDNS_RDF_TYPE_SELECTOR:
    case LDNS_RDF_TYPE_MATCHING_TYPE:
    case LDNS_RDF_TYPE_EUI48:
    case LDNS_RDF_TYPE_EUI64:
    case LDNS_RDF_TYPE_ILNP64:
    case LDNS_RDF_TYPE_NSEC:
        return true;
    case LDNS_RDF_TYPE_LOC:
        return loc_ok(f);
    case LDNS_RDF_TYPE_SVCPARAMS:
        return svcparams_ok(f);
    default:
        return false;
    }
}

/* Does what ldns read print as text that ldns reads back as the same
 * RDATA? ldns 1.8.3 stops at the end of the RDATA without complaint when
 * fields are missing (a DS without a digest); some field kinds do not
 * print back (rdf_prints_back). Such RDATA gets the RFC 3597 form. */
static bool ldns_reads_back(const ldns_rr *rr)
{
    const ldns_rr_descriptor *d = ldns_rr_descript(ldns_rr_get_type(rr));
    size_t n = ldns_rr_rd_count(rr);
    size_t i;

    if (n < ldns_rr_descriptor_minimum(d) || n > ldns_rr_descriptor_maximum(d))
        return false;
    for (i = 0; i < n; i++) {
        if (!rdf_prints_back(ldns_rr_rdf(rr, i)))
            return false;
    }
    return true;
}

/* Does text, printed from rr, read back as rr's RDATA? The field checks
 * above catch the known cases; this catches the rest, e.g. an SVCB "alpn"
 * of empty alpn-ids, which ldns 1.8.3 prints as "alpn=,," and cannot read
 * (RFC 9460 section 7.1.1 wants each alpn-id non-empty). */
static bool text_reads_back(const ldns_rr *rr, const char *text)
{
    ldns_buffer *want = ldns_buffer_new(256);
    ldns_buffer *got = NULL;
    bool same = false;

    if (want == NULL || text_to_wire(ldns_rr_get_type(rr), text, &got) != 0)
        goto out;
    ldns_buffer_write_u16(want, 0); /* RDLENGTH, as text_to_wire writes it */
    if (ldns_rr_rdata2buffer_wire(want, rr) != LDNS_STATUS_OK)
        goto out;
    ldns_buffer_write_u16_at(want, 0, (uint16_t)(ldns_buffer_position(want) - 2));
    same = ldns_buffer_position(want) == ldns_buffer_position(got) &&
           memcmp(ldns_buffer_begin(want), ldns_buffer_begin(got),
                  ldns_buffer_position(want)) == 0;
out:
    ldns_buffer_free(want);
    ldns_buffer_free(got);
    return same;
}

/* ldns_from_wire's buffer: characters of text per octet of RDATA, more
 * than any of ldns's printers writes without growing its buffer. */
#define RDATA_TEXT_PER_OCTET 16

/* The RDATA whose RDLENGTH is at msg[pos] through ldns (names
 * decompressed), canonical, printed in zone-file presentation form.
 * DP_EMALFORMED when ldns cannot read it as its type. */
static int ldns_from_wire(uint16_t type, const unsigned char *msg, size_t msglen,
                          size_t pos, char **out)
{
    static const uint8_t root = 0;
    size_t end = pos + 2 + get16(msg + pos);
    ldns_rr *rr = ldns_rr_new();
    ldns_rdf *owner = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, 1, &root);
    /* Room for the longest text the RDATA can print as, made before:
     * some of ldns 1.8.3's printers write a character at a time with
     * ldns_buffer_write_u8, which asserts room instead of growing (the
     * SVCB/HTTPS parameters' printer, RFC 9460 section 2.1), so an answer
     * whose text outgrew the buffer aborted the process (found by
     * fuzz_rdata). The most text an octet makes there is 8 characters
     * (a "mandatory" list's key, 2 octets, as ",no-default-alpn"): twice
     * that is allowed. printf-written fields (\ddd, names) grow the
     * buffer themselves. */
    ldns_buffer *b = ldns_buffer_new(64 + RDATA_TEXT_PER_OCTET * (end - pos));
    int ret = DP_EMALFORMED;
    size_t i;

    if (rr == NULL || owner == NULL || b == NULL) {
        ldns_rdf_deep_free(owner);
        ret = -ENOMEM;
        goto out;
    }
    ldns_rr_set_owner(rr, owner); /* ldns_rr2canonical lower-cases it */
    ldns_rr_set_type(rr, (ldns_rr_type)type);
    if (ldns_wire2rdf(rr, msg, msglen, &pos) != LDNS_STATUS_OK || pos != end ||
        !ldns_reads_back(rr))
        goto out;
    canonicalise(rr);
    for (i = 0; i < ldns_rr_rd_count(rr); i++) {
        if (i > 0) /* printf grows the buffer; write_u8 only asserts room */
            ldns_buffer_printf(b, " ");
        if (ldns_rdf2buffer_str(b, ldns_rr_rdf(rr, i)) != LDNS_STATUS_OK)
            goto out;
    }
    if (i == 0)
        ldns_buffer_printf(b, "\\# 0");
    /* ldns ends some fields (APL, the type bitmaps) with a blank */
    while (ldns_buffer_position(b) > 0 &&
           ldns_buffer_read_u8_at(b, ldns_buffer_position(b) - 1) == ' ')
        ldns_buffer_skip(b, -1);
    *out = ldns_buffer_export2str(b);
    ret = *out == NULL ? -ENOMEM : 0;
    if (ret == 0 && !text_reads_back(rr, *out)) {
        free(*out);
        *out = NULL;
        ret = DP_EMALFORMED;
    }
out:
    ldns_buffer_free(b);
    ldns_rr_free(rr);
    return ret;
}

/* ---- values from text -------------------------------------------------- */

/* Split "10 mail.example." style values into at most max words. */
static int split_words(const char *text, char *copy, size_t copylen, char **words,
                       int max)
{
    int n = 0;
    char *p;
    size_t tl = strlen(text);

    if (tl + 1 > copylen)
        return DP_EBADVALUE;
    memcpy(copy, text, tl + 1);
    p = copy;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        if (n == max)
            return DP_EBADVALUE;
        words[n++] = p;
        while (*p != '\0' && *p != ' ' && *p != '\t')
            p++;
        if (*p != '\0')
            *p++ = '\0';
    }
    return n;
}

static int name_value(const char *text, char **out)
{
    char canon[RDATA_NAME_TEXT_MAX];

    if (rdata_name_canon(text, canon, sizeof(canon)) < 0)
        return DP_EBADVALUE;
    *out = strdup(canon);
    return *out == NULL ? -ENOMEM : 0;
}

int rdata_from_text(uint16_t type, const char *text, char **out)
{
    char copy[2048];
    char *w[4];
    char canon[RDATA_NAME_TEXT_MAX];
    char buf[RDATA_NAME_TEXT_MAX + 32];
    unsigned char addr[16];
    uint16_t a, b, c;
    int n;

    if (text == NULL)
        return DP_EBADVALUE;
    if (!rdata_type_comparable(type))
        return DP_EBADTYPE;
    if (!rdata_type_basic(type) || generic_form(text))
        return ldns_from_text(type, text, out);
    switch (type) {
    case RDATA_T_A:
    case RDATA_T_AAAA: {
        int af = type == RDATA_T_A ? AF_INET : AF_INET6;
        n = split_words(text, copy, sizeof(copy), w, 1);
        if (n != 1 || inet_pton(af, w[0], addr) != 1)
            return DP_EBADVALUE;
        if (inet_ntop(af, addr, buf, sizeof(buf)) == NULL)
            return DP_EBADVALUE;
        break;
    }
    case RDATA_T_NS:
    case RDATA_T_CNAME:
    case RDATA_T_PTR:
        n = split_words(text, copy, sizeof(copy), w, 1);
        if (n != 1)
            return DP_EBADVALUE;
        return name_value(w[0], out);
    case RDATA_T_MX:
        n = split_words(text, copy, sizeof(copy), w, 2);
        if (n != 2 || numparse_u16(w[0], &a) < 0 ||
            rdata_name_canon(w[1], canon, sizeof(canon)) < 0)
            return DP_EBADVALUE;
        snprintf(buf, sizeof(buf), "%u %s", (unsigned)a, canon);
        break;
    case RDATA_T_SRV:
        n = split_words(text, copy, sizeof(copy), w, 4);
        if (n != 4 || numparse_u16(w[0], &a) < 0 || numparse_u16(w[1], &b) < 0 ||
            numparse_u16(w[2], &c) < 0 ||
            rdata_name_canon(w[3], canon, sizeof(canon)) < 0)
            return DP_EBADVALUE;
        snprintf(buf, sizeof(buf), "%u %u %u %s", (unsigned)a, (unsigned)b, (unsigned)c,
                 canon);
        break;
    case RDATA_T_TXT:
        return txt_from_text(text, out);
    default:
        return DP_EBADTYPE;
    }
    *out = strdup(buf);
    return *out == NULL ? -ENOMEM : 0;
}

/* ---- values from the wire ---------------------------------------------- */

int rdata_name_unpack(const unsigned char *msg, size_t msglen, size_t off,
                      unsigned char wire[256], size_t *used)
{
    size_t w = 0;
    size_t pos = off;
    size_t end = 0;     /* where the name ends in the message, at the first pointer */
    size_t limit = off; /* pointers must go strictly backwards: no loops */
    bool jumped = false;

    for (;;) {
        unsigned len;

        if (pos >= msglen)
            return DP_EMALFORMED;
        len = msg[pos];
        if ((len & 0xc0) == 0xc0) {
            size_t target;
            if (pos + 1 >= msglen)
                return DP_EMALFORMED;
            target = ((len & 0x3f) << 8) | msg[pos + 1];
            if (target >= limit)
                return DP_EMALFORMED;
            if (!jumped)
                end = pos + 2;
            jumped = true;
            limit = target;
            pos = target;
            continue;
        }
        if ((len & 0xc0) != 0)
            return DP_EMALFORMED; /* 0x40/0x80: obsolete label types */
        if (pos + 1 + len > msglen || w + 1 + len > 255)
            return DP_EMALFORMED;
        memcpy(wire + w, msg + pos, 1 + len);
        w += 1 + len;
        pos += 1 + len;
        if (len == 0)
            break;
    }
    *used = (jumped ? end : pos) - off;
    return (int)w;
}

bool rdata_name_wire_equal(const unsigned char *a, const unsigned char *b)
{
    size_t i = 0;

    /* Label lengths are < 64, never in 'A'..'Z': one case-folding compare
     * of the whole wire form is a label-by-label compare (RFC 4343). */
    for (;;) {
        unsigned len = a[i];
        size_t k;

        if (len != b[i])
            return false;
        if (len == 0)
            return true;
        for (k = 1; k <= len; k++) {
            if (tolower(a[i + k]) != tolower(b[i + k]))
                return false;
        }
        i += 1 + len;
    }
}

/* Decompress the name at p (inside msg) and canonicalise it. *used gets
 * the octets it occupies at p. */
static int wire_name(const unsigned char *p, const unsigned char *msg, size_t msglen,
                     char *out, size_t outlen, long *used)
{
    unsigned char wire[256];
    size_t u = 0;

    if (rdata_name_unpack(msg, msglen, (size_t)(p - msg), wire, &u) < 0 ||
        rdata_wire_to_canon(wire, out, outlen) < 0)
        return DP_EMALFORMED;
    *used = (long)u;
    return 0;
}

/* RFC 3597 generic form: \# len hex. */
static int generic_text(const unsigned char *rdata, size_t rdlen, char **out)
{
    size_t i;
    size_t need = 16 + rdlen * 2;
    char *g = malloc(need);
    int o;

    if (g == NULL)
        return -ENOMEM;
    o = snprintf(g, need, "\\# %zu%s", rdlen, rdlen > 0 ? " " : "");
    for (i = 0; i < rdlen; i++)
        o += snprintf(g + o, need - (size_t)o, "%02x", rdata[i]);
    *out = g;
    return 0;
}

/* Has ldns a field layout for type (a descriptor of its own, not the
 * placeholder of an unassigned code)? */
static bool ldns_knows(uint16_t type)
{
    const ldns_rr_descriptor *d = ldns_rr_descript(type);

    return d != NULL && d->_type == type && d->_name != NULL &&
           strncmp(d->_name, "TYPE", 4) != 0;
}

/* ldns reads an RR's RDATA from its RDLENGTH on. In a message (the probes'
 * case) it is right before rdata; a bare RDATA gets a copy with one. */
static int rdata_other_from_wire(uint16_t type, const unsigned char *msg, size_t msglen,
                                 const unsigned char *rdata, size_t rdlen, char **out)
{
    unsigned char *copy;
    int ret;

    if (rdlen > 65535 || rdata < msg || rdata + rdlen > msg + msglen)
        return DP_EMALFORMED;
    if (!ldns_knows(type))
        return generic_text(rdata, rdlen, out); /* RFC 3597 section 5 */
    if (rdata - msg >= 2 && get16(rdata - 2) == rdlen)
        return ldns_from_wire(type, msg, msglen, (size_t)(rdata - msg - 2), out);
    copy = malloc(rdlen + 2);
    if (copy == NULL)
        return -ENOMEM;
    copy[0] = (unsigned char)(rdlen >> 8);
    copy[1] = (unsigned char)(rdlen & 0xff);
    memcpy(copy + 2, rdata, rdlen);
    ret = ldns_from_wire(type, copy, rdlen + 2, 0, out);
    free(copy);
    return ret;
}

/* Dotted decimal (RFC 1035 3.4.1's A, inet_ntop's form): glibc's
 * inet_ntop goes through sprintf, which was a tenth of the probe engine's
 * own CPU per answer. buf holds at least 16 octets. */
static void ipv4_text(const unsigned char a[4], char *buf)
{
    int i;

    for (i = 0; i < 4; i++) {
        unsigned v = a[i];
        if (v >= 100)
            *buf++ = (char)('0' + v / 100);
        if (v >= 10)
            *buf++ = (char)('0' + v / 10 % 10);
        *buf++ = (char)('0' + v % 10);
        *buf++ = i < 3 ? '.' : '\0';
    }
}

int rdata_from_wire(uint16_t type, const unsigned char *msg, size_t msglen,
                    const unsigned char *rdata, size_t rdlen, char **out)
{
    char name[RDATA_NAME_TEXT_MAX];
    char buf[RDATA_NAME_TEXT_MAX + 32];
    long used = 0;
    int ret;

    switch (type) {
    case RDATA_T_A:
        if (rdlen != 4)
            return DP_EMALFORMED;
        ipv4_text(rdata, buf);
        break;
    case RDATA_T_AAAA:
        if (rdlen != 16 || inet_ntop(AF_INET6, rdata, buf, sizeof(buf)) == NULL)
            return DP_EMALFORMED;
        break;
    case RDATA_T_NS:
    case RDATA_T_CNAME:
    case RDATA_T_PTR:
        ret = wire_name(rdata, msg, msglen, name, sizeof(name), &used);
        if (ret < 0 || (size_t)used != rdlen)
            return DP_EMALFORMED;
        *out = strdup(name);
        return *out == NULL ? -ENOMEM : 0;
    case RDATA_T_MX:
        if (rdlen < 3)
            return DP_EMALFORMED;
        ret = wire_name(rdata + 2, msg, msglen, name, sizeof(name), &used);
        if (ret < 0 || (size_t)used + 2 != rdlen)
            return DP_EMALFORMED;
        snprintf(buf, sizeof(buf), "%u %s", (unsigned)get16(rdata), name);
        break;
    case RDATA_T_SRV:
        if (rdlen < 7)
            return DP_EMALFORMED;
        ret = wire_name(rdata + 6, msg, msglen, name, sizeof(name), &used);
        if (ret < 0 || (size_t)used + 6 != rdlen)
            return DP_EMALFORMED;
        snprintf(buf, sizeof(buf), "%u %u %u %s", (unsigned)get16(rdata),
                 (unsigned)get16(rdata + 2), (unsigned)get16(rdata + 4), name);
        break;
    case RDATA_T_TXT: {
        char *tb = NULL;
        size_t len = 0;
        size_t cap = 0;
        size_t i = 0;

        if (rdlen == 0)
            return DP_EMALFORMED;
        while (i < rdlen) {
            size_t sl = rdata[i];
            if (i + 1 + sl > rdlen) {
                free(tb);
                return DP_EMALFORMED;
            }
            ret = txt_append(&tb, &len, &cap, rdata + i + 1, sl);
            if (ret < 0) {
                free(tb);
                return ret;
            }
            i += 1 + sl;
        }
        *out = tb;
        return 0;
    }
    default:
        ret = rdata_other_from_wire(type, msg, msglen, rdata, rdlen, out);
        if (ret != DP_EMALFORMED)
            return ret;
        /* ldns cannot read it as its type: the RFC 3597 generic form still
         * tells one value from another, and equals no well-formed value. */
        return generic_text(rdata, rdlen, out);
    }
    *out = strdup(buf);
    return *out == NULL ? -ENOMEM : 0;
}
