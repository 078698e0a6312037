/*
 * rdata: record types, names and values in one canonical text form.
 *
 * value_present compares RRsets as sets of canonical strings: a value
 * given by the user in zone-file form and a value read off the wire are
 * both reduced to the same text, so that string equality is record
 * equality. The canonical text is zone-file presentation form, printed
 * from the value's canonical wire form (RFC 4034 section 6.2), so equal
 * text is equal canonical RDATA:
 *   - every type ldns knows, and any type in RFC 3597 generic form
 *     (\# LEN HEX, which equals the typed form of the same RDATA), is
 *     read into wire form by ldns (names decompressed), made canonical
 *     with ldns_rr2canonical (names lower-cased for the types RFC 4034 6.2
 *     lists, not others) plus the fields whose RFC says case does not
 *     matter (CAA tags, RFC 8659 4.1; NAPTR flags, RFC 3403 4.1), and
 *     printed by ldns; a type ldns does not know prints as \# LEN HEX;
 *   - the eight types the workload model writes (A AAAA NS CNAME PTR MX
 *     TXT SRV) have hand-written fast paths giving the same text ldns
 *     would accept: addresses through inet_pton/inet_ntop (RFC 5952 text
 *     for IPv6), names fully qualified, lower-cased and escaped one way
 *     only (\DDD outside printable ASCII, \X for the zone-file specials),
 *     TXT as quoted character-strings (RFC 1035 3.3.14).
 * Ownership: the *out strings of rdata_from_text and rdata_from_wire are
 * malloc'd for the caller, who frees them; everything else writes into
 * the caller's buffers. Thread-safety: all functions are pure (no state),
 * so any thread may call them.
 */
#ifndef DP_RDATA_H
#define DP_RDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest canonical name text: 255 wire octets, each possibly \DDD. */
#define RDATA_NAME_TEXT_MAX 1024

enum {
    RDATA_T_A = 1,
    RDATA_T_NS = 2,
    RDATA_T_CNAME = 5,
    RDATA_T_SOA = 6,
    RDATA_T_PTR = 12,
    RDATA_T_MX = 15,
    RDATA_T_TXT = 16,
    RDATA_T_AAAA = 28,
    RDATA_T_SRV = 33,
    RDATA_T_DS = 43,
};

/* "A", "aaaa", "TYPE65" (RFC 3597) -> type code. */
int rdata_type_from_str(const char *s, uint16_t *out);
/* Mnemonic for a type; buf (16 bytes) is used for TYPEnnn. */
const char *rdata_type_to_str(uint16_t type, char buf[16]);
/* Types whose values value_present can compare: every data type (known
 * to ldns or not); not 0, OPT or the QTYPE/meta range 128-255. */
bool rdata_type_comparable(uint16_t type);
/* The eight types the workload model generates values for (A AAAA NS
 * CNAME PTR MX TXT SRV). */
bool rdata_type_basic(uint16_t type);
/* "NOERROR", "NXDOMAIN", ... or "RCODEn" in buf (16 bytes). */
const char *rdata_rcode_str(int rcode, char buf[16]);

/* Text name (escapes allowed, trailing dot optional, "." is the root) to
 * canonical text: lower case, trailing dot. DP_EBADNAME if it is not a
 * valid name (empty label, label > 63, name > 255 octets). */
int rdata_name_canon(const char *in, char *out, size_t outlen);
/* Text name to uncompressed wire form; returns wire length or < 0. */
int rdata_name_to_wire(const char *in, unsigned char *wire, size_t wirelen);

/* Uncompressed wire name to canonical text. */
int rdata_wire_to_canon(const unsigned char *wire, char *out, size_t outlen);
/* Decompress the name at msg[off] (RFC 1035 4.1.4; pointers must point
 * backwards) into wire (uncompressed); *used gets the octets the name
 * takes at off. Returns the wire length or DP_EMALFORMED. */
int rdata_name_unpack(const unsigned char *msg, size_t msglen, size_t off,
                      unsigned char wire[256], size_t *used);
/* Equal uncompressed wire names, ASCII case-insensitively (RFC 4343). */
bool rdata_name_wire_equal(const unsigned char *a, const unsigned char *b);

/* A user-supplied value in zone-file form for TYPE to its canonical text,
 * malloc'd into *out. DP_EBADVALUE (or DP_EBADTYPE) on error. */
int rdata_from_text(uint16_t type, const char *text, char **out);
/* RDATA of TYPE found at rdata[0..rdlen) inside the message msg[0..msglen)
 * (needed for name compression; rdata may also be msg itself, an
 * uncompressed RDATA) to canonical text, malloc'd into *out. RDATA that
 * ldns cannot read as its type comes out in RFC 3597 generic form. */
int rdata_from_wire(uint16_t type, const unsigned char *msg, size_t msglen,
                    const unsigned char *rdata, size_t rdlen, char **out);
/* A value in zone-file form for TYPE in RFC 3597 generic form ("\# LEN
 * HEX", section 5), malloc'd into *out: for a server that does not know
 * the type by name. DP_EBADVALUE (or -ENOMEM) on error. */
int rdata_generic(uint16_t type, const char *text, char **out);

#endif
