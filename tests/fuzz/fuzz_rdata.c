/*
 * libFuzzer target: rdata text and wire parsers.
 *
 * The input, as a C string, goes through rdata_from_text() for the basic
 * types and a sample of the others, rdata_name_canon(), rdata_name_to_wire() and
 * rdata_type_from_str(). The same bytes, taken as a message, go through
 * rdata_from_wire() with a type chosen by the first octet and the RDATA
 * starting at the offset given by the second. Invariants (abort when
 * broken):
 *   - canonical forms are fixed points: canon(canon(x)) == canon(x), and
 *     from_text(from_text(x)) == from_text(x);
 *   - a canonical name has the same wire form as its input, up to ASCII
 *     case, and that wire form is at most 255 octets;
 *   - a wire value of a comparable type reads back from text unchanged;
 *   - on error nothing is returned.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/rdata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The eight basic types, then a sample of the types rdata reads through
 * ldns (CAA SSHFP TLSA SVCB HTTPS LOC NAPTR DNAME DS RP SPF URI OPENPGPKEY
 * HINFO SOA) and two it does not know (RFC 3597). Not CERT:
 * ldns 1.8.3 leaks the first field of a CERT it fails to parse (2 octets,
 * in ldns_rr_new_frm_str), which LeakSanitizer would report here. */
static const uint16_t types[] = {RDATA_T_A,   RDATA_T_AAAA, RDATA_T_NS,  RDATA_T_CNAME,
                                 RDATA_T_PTR, RDATA_T_MX,   RDATA_T_TXT, RDATA_T_SRV,
                                 257,         44,           52,          64,
                                 65,          29,           35,          39,
                                 43,          17,           99,          256,
                                 61,          13,           RDATA_T_SOA, 999,
                                 65534};
static const uint16_t wire_types[] = {
    RDATA_T_A, RDATA_T_AAAA, RDATA_T_NS, RDATA_T_CNAME, RDATA_T_PTR, RDATA_T_MX,
    RDATA_T_TXT, RDATA_T_SRV, RDATA_T_SOA, 257, 44, 52, 64, 65, 29, 35, 39, 43, 17, 99,
    256, 61, 13, 42, 999, 65534, 255,
    /* the types with binary fields: keys, signatures, bitmaps, hashes,
     * hints (an answer's bytes reach ldns's printer for each) */
    45, 46, 47, 48, 49, 50, 51, 53, 55, 59, 60, 62, 63, 104, 105, 106, 107, 108, 109, 260,
    11, 22};

static void fail(const char *what, const char *in, const char *out)
{
    fprintf(stderr, "fuzz_rdata: invariant broken: %s\n  in:  [%s]\n  out: [%s]\n", what,
            in ? in : "", out ? out : "");
    abort();
}

static void text_checks(const char *s)
{
    size_t i;

    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        char *out = NULL;
        char *again = NULL;
        int ret = rdata_from_text(types[i], s, &out);

        if (ret != 0) {
            if (out != NULL)
                fail("output set on error", s, out);
            continue;
        }
        if (out == NULL)
            fail("no output on success", s, NULL);
        if (rdata_from_text(types[i], out, &again) != 0)
            fail("canonical value does not parse", s, out);
        if (strcmp(out, again) != 0)
            fail("canonical value is not a fixed point", out, again);
        free(out);
        free(again);
    }
}

static int wire_equal_nocase(const unsigned char *a, const unsigned char *b, int n)
{
    int i;

    for (i = 0; i < n; i++)
        if (tolower(a[i]) != tolower(b[i]))
            return 0;
    return 1;
}

static void name_checks(const char *s)
{
    char c1[RDATA_NAME_TEXT_MAX];
    char c2[RDATA_NAME_TEXT_MAX];
    unsigned char w1[256];
    unsigned char w2[256];
    int n1, n2;
    uint16_t t;

    (void)rdata_type_from_str(s, &t);
    n1 = rdata_name_to_wire(s, w1, sizeof(w1));
    if (rdata_name_canon(s, c1, sizeof(c1)) != 0) {
        if (n1 >= 0)
            fail("name_to_wire accepts what name_canon rejects", s, NULL);
        return;
    }
    if (n1 < 1 || n1 > 255)
        fail("canon ok but wire length out of range", s, c1);
    if (rdata_name_canon(c1, c2, sizeof(c2)) != 0 || strcmp(c1, c2) != 0)
        fail("canonical name is not a fixed point", c1, c2);
    n2 = rdata_name_to_wire(c1, w2, sizeof(w2));
    if (n2 != n1 || !wire_equal_nocase(w1, w2, n1))
        fail("canonical name has another wire form", s, c1);
}

static void wire_checks(const uint8_t *data, size_t size)
{
    uint16_t type;
    size_t off;
    char *out = NULL;
    int ret;

    if (size < 2)
        return;
    type = wire_types[data[0] % (sizeof(wire_types) / sizeof(wire_types[0]))];
    off = data[1];
    if (off > size)
        off = size;
    ret = rdata_from_wire(type, data, size, data + off, size - off, &out);
    if (ret != 0) {
        if (out != NULL)
            fail("wire output set on error", NULL, out);
        return;
    }
    if (out == NULL)
        fail("no wire output on success", NULL, NULL);
    if (rdata_type_comparable(type)) {
        char *again = NULL;
        if (rdata_from_text(type, out, &again) != 0)
            fail("wire value does not parse as text", NULL, out);
        if (strcmp(out, again) != 0)
            fail("wire value is not a text fixed point", out, again);
        free(again);
    } else if (strncmp(out, "\\# ", 3) != 0) {
        fail("non-comparable type not in RFC 3597 form", NULL, out);
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s;

    if (size > 4096)
        return 0;
    s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    text_checks(s);
    name_checks(s);
    free(s);
    wire_checks(data, size);
    return 0;
}
