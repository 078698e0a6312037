/*
 * dnsmsg: probe query construction and answer parsing (see dnsmsg.h).
 * Message layout per RFC 1035 section 4.1.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "probes/dnsmsg.h"
#include "probes/rdata.h"

#define CLASS_IN  1
#define TYPE_OPT  41  /* RFC 6891 6.1.1 */
#define TYPE_TSIG 250 /* RFC 8945 4.2 */
#define OPT_NSID  3   /* RFC 5001 2.3 */

static uint16_t get16(const unsigned char *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

int dnsmsg_build_query(const char *qname, uint16_t qtype, unsigned char *buf,
                       size_t buflen)
{
    int nlen;

    if (buflen < DNSMSG_HDR_LEN + 4 + 1)
        return DP_ERANGE;
    memset(buf, 0, DNSMSG_HDR_LEN);
    /* id 0 (the pool sets one per query), QR=0 OPCODE=QUERY, RD=0. */
    buf[5] = 1; /* QDCOUNT = 1 */
    nlen = rdata_name_to_wire(qname, buf + DNSMSG_HDR_LEN, buflen - DNSMSG_HDR_LEN - 4);
    if (nlen < 0)
        return nlen;
    buf[DNSMSG_HDR_LEN + nlen] = (unsigned char)(qtype >> 8);
    buf[DNSMSG_HDR_LEN + nlen + 1] = (unsigned char)(qtype & 0xff);
    buf[DNSMSG_HDR_LEN + nlen + 2] = 0;
    buf[DNSMSG_HDR_LEN + nlen + 3] = CLASS_IN;
    return DNSMSG_HDR_LEN + nlen + 4;
}

int dnsmsg_build_query_opt(const char *qname, uint16_t qtype, unsigned flags,
                           unsigned char *buf, size_t buflen)
{
    int n = dnsmsg_build_query(qname, qtype, buf, buflen);
    unsigned char *o;

    if (n < 0 || flags == 0)
        return n;
    if ((size_t)n + DNSMSG_OPT_LEN > buflen)
        return DP_ERANGE;
    /* RFC 6891 6.1.2: owner root, TYPE OPT, CLASS the UDP payload, TTL
     * extended RCODE 0, VERSION 0, DO and Z; RDATA the options */
    o = buf + n;
    memset(o, 0, DNSMSG_OPT_LEN);
    o[2] = TYPE_OPT;
    o[3] = (unsigned char)(DNSMSG_EDNS_PAYLOAD >> 8);
    o[4] = (unsigned char)(DNSMSG_EDNS_PAYLOAD & 0xff);
    if (flags & DNSMSG_Q_DO)
        o[7] = 0x80;
    if (flags & DNSMSG_Q_NSID) {
        o[10] = 4;        /* RDLENGTH: one option, empty (RFC 5001 2.1) */
        o[12] = OPT_NSID; /* OPTION-CODE 3, OPTION-LENGTH 0 */
        n += DNSMSG_OPT_LEN;
    } else {
        n += DNSMSG_OPT_LEN - 4;
    }
    buf[11] = 1; /* ARCOUNT */
    return n;
}

int dnsmsg_question_end(const unsigned char *buf, int len)
{
    int off = DNSMSG_HDR_LEN;

    /* the question's name is uncompressed: walk its labels */
    while (off < len && buf[off] != 0)
        off += 1 + buf[off];
    off += 1 + 4;
    return off > len ? len : off;
}

int dnsmsg_strip_opt(unsigned char *buf, int len)
{
    int off = dnsmsg_question_end(buf, len);

    buf[10] = buf[11] = 0;
    return off;
}

size_t dnsmsg_nsid_text(const unsigned char *nsid, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";
    const size_t room = DNSMSG_NSID_TEXT_MAX - 4; /* "..." and NUL */
    bool text = len > 0;
    size_t n = 0;
    size_t i;

    for (i = 0; i < len && text; i++)
        text = nsid[i] >= 0x20 && nsid[i] < 0x7f;
    if (text) {
        for (i = 0; i < len && n < room; i++)
            out[n++] = (char)nsid[i];
    } else {
        /* "0x" marks it, so that a text NSID of hex digits stays apart */
        out[n++] = '0';
        out[n++] = 'x';
        for (i = 0; i < len && n + 2 <= room; i++) {
            out[n++] = hex[nsid[i] >> 4];
            out[n++] = hex[nsid[i] & 0xf];
        }
    }
    if (i < len) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return n;
}

/* Decompress the name at *off into wire form; advance *off past it. */
static int read_name(const unsigned char *msg, size_t len, size_t *off,
                     unsigned char wire[256])
{
    size_t used = 0;

    if (rdata_name_unpack(msg, len, *off, wire, &used) < 0)
        return DP_EMALFORMED;
    *off += used;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Smallest answer RR: a root or compressed owner (1 octet at least) and
 * TYPE, CLASS, TTL, RDLENGTH (RFC 1035 4.1.3). */
#define RR_MIN_LEN 11

/* The values go into one array, sized when the first one comes to the RRs
 * that can still follow: at most the rest of ANCOUNT, and no more than
 * the rest of the message can hold (so a forged ANCOUNT cannot make it
 * large). It never grows: the poll keeps it until the next answer, so it
 * holds what it needs and no doubling slack. */
static int add_value(dnsmsg_answer_t *out, size_t *room, size_t rrs_left,
                     size_t bytes_left, char *v)
{
    if (out->values == NULL) {
        *room = bytes_left / RR_MIN_LEN < rrs_left ? bytes_left / RR_MIN_LEN : rrs_left;
        if (*room == 0)
            *room = 1;
        out->values = calloc(*room, sizeof(*out->values));
    }
    if (out->values == NULL || out->nvalues >= *room) {
        free(v);
        return out->values == NULL ? -ENOMEM : DP_EMALFORMED;
    }
    out->values[out->nvalues++] = v;
    return 0;
}

/* Sort and drop duplicates: an RRset is a set (RFC 2181 section 5). */
static void uniq_values(dnsmsg_answer_t *out)
{
    size_t i;
    size_t w = 0;

    if (out->nvalues < 2)
        return;
    qsort(out->values, out->nvalues, sizeof(char *), cmp_str);
    for (i = 0; i < out->nvalues; i++) {
        if (w > 0 && strcmp(out->values[w - 1], out->values[i]) == 0) {
            free(out->values[i]);
            continue;
        }
        out->values[w++] = out->values[i];
    }
    out->nvalues = w;
}

/* One RR at *off: owner into name, type/class/rdlength out, *off moved to
 * its RDATA. */
static int rr_head(const unsigned char *msg, size_t len, size_t *off,
                   unsigned char name[256], uint16_t *type, uint16_t *klass,
                   uint16_t *rdlen)
{
    if (read_name(msg, len, off, name) < 0 || *off + 10 > len)
        return DP_EMALFORMED;
    *type = get16(msg + *off);
    *klass = get16(msg + *off + 2);
    *rdlen = get16(msg + *off + 8);
    *off += 10;
    return *off + *rdlen > len ? DP_EMALFORMED : 0;
}

/* A referral (RFC 1034 4.3.2 step 3b; RFC 8499 "referral"): NOERROR, AA
 * clear, nothing of (qname, qtype) in the answer, an NS RRset in the
 * authority section. What it says about qname is measured there:
 *   - qtype NS and the NS owner is qname: the delegation itself, its NS
 *     set read from the authority section (the parent's copy, which is
 *     what the zone being changed holds);
 *   - qtype A/AAAA: glue for qname, read from the additional section.
 * off is the start of the authority section. */
static int read_referral(const unsigned char *msg, size_t len, size_t off,
                         const unsigned char *qwire, uint16_t qtype, bool want_values,
                         dnsmsg_answer_t *out)
{
    unsigned ns = get16(msg + 8);
    unsigned ar = get16(msg + 10);
    unsigned char name[256];
    size_t room = 0;
    unsigned i;

    for (i = 0; i < ns + ar; i++) {
        uint16_t type, klass, rdlen;
        size_t rr_start = off;
        bool take;

        if (rr_head(msg, len, &off, name, &type, &klass, &rdlen) < 0)
            return DP_EMALFORMED;
        if (i < ns && type == RDATA_T_SOA) {
            out->referral = false; /* a negative answer (RFC 2308 2.2) */
            break;
        }
        if (i < ns && type == RDATA_T_NS) {
            out->referral = true;
            if (rdata_name_wire_equal(name, qwire))
                out->referral_at_qname = true;
        }
        take = klass == 1 && type == qtype && rdata_name_wire_equal(name, qwire) &&
               (i < ns ? qtype == RDATA_T_NS : qtype != RDATA_T_NS);
        if (take && out->referral) {
            out->nmatch++;
            if (want_values) {
                char *v = NULL;
                int ret = rdata_from_wire(type, msg, len, msg + off, rdlen, &v);
                if (ret == 0)
                    ret = add_value(out, &room, ns + ar - i, len - rr_start, v);
                if (ret < 0)
                    return ret;
            }
        }
        off += rdlen;
    }
    if (!out->referral) {
        /* RRs of qname outside the answer of a non-referral count for nothing */
        out->referral_at_qname = false;
        out->nmatch = 0;
        dnsmsg_answer_clear(out);
    }
    return 0;
}

/* The OPT record in the additional section (RFC 6891 6.1.1: at most one,
 * owner root) and the NSID option in it. off is the start of the
 * authority section. Broken records here end the walk and leave the
 * answer as it is (they were never read before EDNS); options that
 * overrun the OPT's RDATA make the NSID malformed, not the answer. */
static void read_opt(const unsigned char *msg, size_t len, size_t off,
                     dnsmsg_answer_t *out)
{
    unsigned ns = get16(msg + 8);
    unsigned ar = get16(msg + 10);
    unsigned char name[256];
    unsigned i;

    for (i = 0; i < ns + ar; i++) {
        uint16_t type, klass, rdlen;
        size_t p, end;

        if (rr_head(msg, len, &off, name, &type, &klass, &rdlen) < 0)
            return;
        if (i < ns || type != TYPE_OPT || name[0] != 0) {
            off += rdlen;
            continue;
        }
        out->edns = true;
        for (p = off, end = off + rdlen; p < end;) {
            uint16_t code, olen;
            if (p + 4 > end || p + 4 + get16(msg + p + 2) > end) {
                out->nsid_state = DNSMSG_NSID_MALFORMED;
                return;
            }
            code = get16(msg + p);
            olen = get16(msg + p + 2);
            if (code == OPT_NSID) {
                out->nsid_state = DNSMSG_NSID_PRESENT;
                out->nsid = msg + p + 4;
                out->nsid_len = olen;
            }
            p += 4 + (size_t)olen;
        }
        return;
    }
}

int dnsmsg_tsig_count(const unsigned char *msg, size_t len)
{
    unsigned char name[256];
    size_t off = DNSMSG_HDR_LEN;
    unsigned qd, rrs, first_ar, i;
    int n = 0;

    if (msg == NULL || len < DNSMSG_HDR_LEN)
        return DP_EMALFORMED;
    qd = get16(msg + 4);
    first_ar = (unsigned)get16(msg + 6) + get16(msg + 8);
    rrs = first_ar + get16(msg + 10);
    for (i = 0; i < qd; i++) {
        if (read_name(msg, len, &off, name) < 0 || off + 4 > len)
            return DP_EMALFORMED;
        off += 4;
    }
    for (i = 0; i < rrs; i++) {
        uint16_t type, klass, rdlen;

        if (rr_head(msg, len, &off, name, &type, &klass, &rdlen) < 0)
            return DP_EMALFORMED;
        if (type == TYPE_TSIG && i >= first_ar)
            n++;
        off += rdlen;
    }
    return n;
}

int dnsmsg_parse(const unsigned char *msg, size_t len, const char *qname_canon,
                 uint16_t qtype, bool want_values, dnsmsg_answer_t *out)
{
    unsigned char qwire[256];

    memset(out, 0, sizeof(*out));
    if (rdata_name_to_wire(qname_canon, qwire, sizeof(qwire)) < 0)
        return msg == NULL || len < DNSMSG_HDR_LEN || (msg[2] & 0x80) == 0 ? DP_EMALFORMED
                                                                           : DP_EBADNAME;
    return dnsmsg_parse_wire(msg, len, qwire, qtype, want_values, out);
}

int dnsmsg_parse_wire(const unsigned char *msg, size_t len, const unsigned char *qwire,
                      uint16_t qtype, bool want_values, dnsmsg_answer_t *out)
{
    unsigned char name[256];
    size_t off = DNSMSG_HDR_LEN;
    size_t rr_start;
    size_t room = 0;
    unsigned qd;
    unsigned i;
    int ret = 0;

    memset(out, 0, sizeof(*out));
    if (msg == NULL || len < DNSMSG_HDR_LEN)
        return DP_EMALFORMED;
    out->id = get16(msg);
    out->aa = (msg[2] & 0x04) != 0;
    out->tc = (msg[2] & 0x02) != 0;
    out->rcode = msg[3] & 0x0f;
    qd = get16(msg + 4);
    out->ancount = get16(msg + 6);
    if ((msg[2] & 0x80) == 0)
        return DP_EMALFORMED; /* not a response */

    for (i = 0; i < qd; i++) {
        ret = read_name(msg, len, &off, name);
        if (ret < 0 || off + 4 > len)
            goto bad;
        if (i == 0 && rdata_name_wire_equal(name, qwire) && get16(msg + off) == qtype &&
            get16(msg + off + 2) == CLASS_IN)
            out->qmatch = true;
        off += 4;
    }

    /* RFC 1034 4.3.2: the answer section holds the RRset of the QNAME (and
     * a CNAME chain); we look at the QNAME's own RRs only. */
    for (i = 0; i < out->ancount; i++) {
        uint16_t type, klass, rdlen;
        bool owner_match;

        rr_start = off;
        ret = read_name(msg, len, &off, name);
        if (ret < 0 || off + 10 > len)
            goto bad;
        type = get16(msg + off);
        klass = get16(msg + off + 2);
        rdlen = get16(msg + off + 8);
        off += 10;
        if (off + rdlen > len)
            goto bad;
        owner_match = klass == CLASS_IN && rdata_name_wire_equal(name, qwire);
        if (owner_match && type == qtype) {
            out->nmatch++;
            if (type == RDATA_T_SOA) {
                /* SOA RDATA: MNAME RNAME SERIAL ... (RFC 1035 3.3.13). */
                size_t p = off;
                ret = read_name(msg, len, &p, name);
                if (ret == 0)
                    ret = read_name(msg, len, &p, name);
                if (ret < 0 || p + 20 > off + rdlen)
                    goto bad;
                out->have_soa = true;
                out->soa_serial = get32(msg + p);
            }
            if (want_values) {
                char *v = NULL;
                ret = rdata_from_wire(type, msg, len, msg + off, rdlen, &v);
                if (ret == 0)
                    ret = add_value(out, &room, out->ancount - i, len - rr_start, v);
                if (ret == DP_EMALFORMED)
                    goto bad;
                if (ret < 0)
                    goto fail;
            }
        } else if (owner_match && type == RDATA_T_CNAME) {
            out->have_cname = true;
        }
        off += rdlen;
    }
    if (out->nmatch == 0 && !out->aa && out->rcode == 0 && out->qmatch &&
        (qtype == RDATA_T_NS || qtype == RDATA_T_A || qtype == RDATA_T_AAAA)) {
        ret = read_referral(msg, len, off, qwire, qtype, want_values, out);
        if (ret == DP_EMALFORMED)
            goto bad;
        if (ret < 0)
            goto fail;
    }
    if (get16(msg + 10) > 0)
        read_opt(msg, len, off, out);
    uniq_values(out);
    return 0;
bad:
    ret = DP_EMALFORMED;
fail:
    dnsmsg_answer_clear(out);
    return ret;
}

void dnsmsg_answer_clear(dnsmsg_answer_t *ans)
{
    size_t i;

    for (i = 0; i < ans->nvalues; i++)
        free(ans->values[i]);
    free(ans->values);
    ans->values = NULL;
    ans->nvalues = 0;
}
