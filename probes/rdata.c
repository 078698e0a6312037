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
    }
    return DP_EBADTYPE;
}

const char *rdata_type_to_str(uint16_t type, char buf[16])
{
    size_t i;

    for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
        if (type_names[i].type == type)
            return type_names[i].name;
    }
    snprintf(buf, 16, "TYPE%u", (unsigned)type);
    return buf;
}

bool rdata_type_comparable(uint16_t type)
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

static uint16_t get16(const unsigned char *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
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
        if (rdlen != 4 || inet_ntop(AF_INET, rdata, buf, sizeof(buf)) == NULL)
            return DP_EMALFORMED;
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
    default: {
        /* RFC 3597 generic form: \# len hex. */
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
    }
    *out = strdup(buf);
    return *out == NULL ? -ENOMEM : 0;
}
