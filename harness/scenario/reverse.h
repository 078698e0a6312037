/*
 * reverse: reverse DNS names and zones for address prefixes.
 *
 * The workload phase that creates A/AAAA + PTR pairs (the Cyder IPAM idea:
 * a forward tree and a reverse tree kept in step) needs, for a prefix such
 * as 192.0.2.0/24 or 2001:db8::/48, the reverse zone that holds its PTR
 * records, the addresses it contains, and each address's PTR owner name.
 *
 *   - IPv4 reverse names live under in-addr.arpa. (RFC 1035 3.5), one label
 *     per octet, least significant first; a prefix's zone is cut at the
 *     octet boundary at or above its length: a /20 lives in its /16's zone,
 *     a /26 in its /24's zone. RFC 2317 classless delegation is not done:
 *     the harness owns the whole enclosing zone.
 *   - IPv6 reverse names live under ip6.arpa. (RFC 3596 2.5), one label per
 *     nibble, least significant first; the zone is cut at the nibble
 *     boundary at or above the length: a /127 in its /124's zone, a /49 in
 *     its /48's.
 *
 * Names come out canonical as rdata.h defines it: lower case, trailing dot.
 *
 * Errors: DP_EPARSE (malformed text), DP_ERANGE (prefix length out of
 * range; no n-th address), DP_EBADVALUE (host bits set), -EINVAL (a
 * reverse_prefix_t that reverse_prefix_parse would not have produced),
 * -EAFNOSUPPORT (family other than AF_INET/AF_INET6), -ENOSPC (output
 * buffer too small; nothing useful is left in it).
 *
 * Ownership: every result goes into the caller's buffers or structs; no
 * function allocates. Thread-safety: all functions are pure (no state),
 * so any thread may call them.
 */
#ifndef DP_REVERSE_H
#define DP_REVERSE_H

#include <stddef.h>
#include <stdint.h>

/* Longest reverse name with its NUL: 32 nibble labels ("x." each, 64
 * chars) + "ip6.arpa." (9) + 1. IPv4 names are shorter (29 + 1). */
#define REVERSE_NAME_MAX 74
/* Longest address text with its NUL (INET6_ADDRSTRLEN). */
#define REVERSE_ADDR_TEXT_MAX 46

typedef struct {
    int family;             /* AF_INET or AF_INET6 */
    unsigned char addr[16]; /* network address, host bits cleared; IPv4 in addr[0..4) */
    unsigned plen;          /* prefix length: 0..32 (IPv4), 0..128 (IPv6) */
} reverse_prefix_t;

/* "192.0.2.0/24", "10.0.0.0/8", "2001:db8::/48", "1234::/16",
 * "1234:0:0:0::/64". The address goes through inet_pton (so any IPv6
 * spelling works; a ':' means IPv6); the length is decimal, 0..32 or
 * 0..128. Host bits set beyond the prefix ("192.0.2.1/24") are an error
 * that names the bits and the network the user probably meant. On error
 * *out is untouched and err (if errlen > 0) says what is wrong:
 * DP_EPARSE (no '/', bad address, length not a number), DP_ERANGE (length
 * too large for the family), DP_EBADVALUE (host bits set). */
int reverse_prefix_parse(const char *s, reverse_prefix_t *out, char *err, size_t errlen);

/* The reverse zone that holds the prefix's PTR records, e.g.
 * 10.0.0.0/8 -> "10.in-addr.arpa.", 192.0.2.0/20 -> "0.192.in-addr.arpa.",
 * 2001:db8::/32 -> "8.b.d.0.1.0.0.2.ip6.arpa.". A /0 gives the apex
 * ("in-addr.arpa." / "ip6.arpa."). REVERSE_NAME_MAX bytes always suffice. */
int reverse_zone(const reverse_prefix_t *p, char *zone, size_t len);

/* The PTR owner name of an address (AF_INET: 4 bytes, AF_INET6: 16 bytes),
 * e.g. 192.0.2.5 -> "5.2.0.192.in-addr.arpa.". REVERSE_NAME_MAX bytes
 * always suffice. */
int reverse_ptr_name(int family, const unsigned char *addr, char *name, size_t len);

/* The n-th host address of the prefix, in out (4 or 16 bytes used, the
 * rest zeroed). IPv4 prefixes shorter than /31 skip the network and
 * broadcast addresses: n = 0 is network + 1 and the last is broadcast - 1.
 * IPv4 /31 (RFC 3021: both addresses are hosts) and /32, and every IPv6
 * prefix (RFC 4291 has no broadcast; the Subnet-Router anycast address is
 * an address like any other for our records), start at the network
 * address itself. DP_ERANGE when the prefix has no such address; out is
 * untouched on error. */
int reverse_nth_addr(const reverse_prefix_t *p, uint64_t n, unsigned char out[16]);

/* How many addresses reverse_nth_addr gives, saturating at UINT64_MAX: an
 * IPv6 prefix of /64 or shorter has 2^64 or more, and then every n is
 * valid, UINT64_MAX included. 0 for an invalid prefix. */
uint64_t reverse_capacity(const reverse_prefix_t *p);

/* Text of an address (inet_ntop: dotted quad, or RFC 5952 canonical text
 * for IPv6). REVERSE_ADDR_TEXT_MAX bytes always suffice. */
int reverse_addr_text(int family, const unsigned char *addr, char *out, size_t len);

#endif
