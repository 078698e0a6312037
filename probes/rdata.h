/*
 * rdata: record types, names and values in one canonical text form.
 *
 * value_present compares RRsets as sets of canonical strings: a value
 * given by the user in zone-file form and a value read off the wire are
 * both reduced to the same text, so that string equality is record
 * equality:
 *   - addresses go through inet_pton/inet_ntop (binary compare, RFC 5952
 *     text for IPv6), so 2001:DB8:0::1 equals 2001:db8::1;
 *   - names are fully qualified, lower-cased (RFC 4343: comparisons are
 *     case-insensitive) and escaped one way only (\DDD for bytes outside
 *     printable ASCII, \X for the zone-file specials);
 *   - TXT is a sequence of quoted character-strings (RFC 1035 3.3.14).
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
};

/* "A", "aaaa", "TYPE65" (RFC 3597) -> type code. */
int rdata_type_from_str(const char *s, uint16_t *out);
/* Mnemonic for a type; buf (16 bytes) is used for TYPEnnn. */
const char *rdata_type_to_str(uint16_t type, char buf[16]);
/* Types whose values value_present can compare. */
bool rdata_type_comparable(uint16_t type);
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
 * (needed for name compression) to canonical text, malloc'd into *out.
 * Types that are not comparable come out in RFC 3597 generic form. */
int rdata_from_wire(uint16_t type, const unsigned char *msg, size_t msglen,
                    const unsigned char *rdata, size_t rdlen, char **out);

#endif
