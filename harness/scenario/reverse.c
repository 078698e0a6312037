/*
 * reverse: reverse DNS names and zones for address prefixes (see
 * reverse.h). Addresses are kept in network byte order, as inet_pton
 * gives them; bit 0 is the most significant bit of addr[0].
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "harness/common/errcode.h"
#include "harness/common/numparse.h"
#include "harness/scenario/reverse.h"

/* Address bytes of a family, 0 if we do not know it. */
static size_t family_len(int family)
{
    if (family == AF_INET)
        return 4;
    if (family == AF_INET6)
        return 16;
    return 0;
}

/* The bits of byte b that belong to a prefix of length plen. */
static unsigned char net_mask_byte(unsigned plen, size_t b)
{
    size_t first = b * 8;

    if (plen >= first + 8)
        return 0xff;
    if (plen <= first)
        return 0;
    return (unsigned char)(0xff << (8 - (plen - first)));
}

/* Is p something reverse_prefix_parse could have produced? */
static int prefix_check(const reverse_prefix_t *p)
{
    size_t alen;
    size_t b;

    if (p == NULL)
        return -EINVAL;
    alen = family_len(p->family);
    if (alen == 0)
        return -EAFNOSUPPORT;
    if (p->plen > alen * 8)
        return -EINVAL;
    for (b = 0; b < alen; b++) {
        if ((p->addr[b] & (unsigned char)~net_mask_byte(p->plen, b)) != 0)
            return -EINVAL;
    }
    return 0;
}

/* The reverse name of the first `labels` octets (IPv4) or nibbles (IPv6)
 * of addr: those labels least significant first, then the apex. */
static int build_name(int family, const unsigned char *addr, size_t labels, char *out,
                      size_t len)
{
    char buf[REVERSE_NAME_MAX];
    size_t o = 0;
    size_t i;
    int n;

    if (family == AF_INET) {
        /* RFC 1035 3.5: octets in reverse order, each a decimal label. */
        for (i = labels; i > 0; i--) {
            n = snprintf(buf + o, sizeof(buf) - o, "%u.", (unsigned)addr[i - 1]);
            o += (size_t)n;
        }
        n = snprintf(buf + o, sizeof(buf) - o, "in-addr.arpa.");
    } else {
        /* RFC 3596 2.5: nibbles in reverse order, each a lower-case hex
         * label; nibble 2k is the high half of byte k. */
        static const char hex[] = "0123456789abcdef";

        for (i = labels; i > 0; i--) {
            unsigned char byte = addr[(i - 1) / 2];
            unsigned nib = (i - 1) % 2 == 0 ? byte >> 4 : byte & 0x0f;

            buf[o++] = hex[nib];
            buf[o++] = '.';
        }
        n = snprintf(buf + o, sizeof(buf) - o, "ip6.arpa.");
    }
    o += (size_t)n;
    if (o + 1 > len)
        return -ENOSPC;
    memcpy(out, buf, o + 1);
    return 0;
}

/* Text for the error message: the user's input, bounded. */
#define IN_FMT "\"%.100s\""

/* The address before the '/' of s into p (family and bytes). */
static int prefix_addr(const char *s, const char *slash, reverse_prefix_t *p, char *err,
                       size_t errlen)
{
    char abuf[INET6_ADDRSTRLEN];
    size_t alen = (size_t)(slash - s);

    if (alen == 0 || alen >= sizeof(abuf)) {
        snprintf(err, errlen, IN_FMT ": no IPv4 or IPv6 address before '/'", s);
        return DP_EPARSE;
    }
    memcpy(abuf, s, alen);
    abuf[alen] = '\0';
    /* Any ':' makes it IPv6; inet_pton then accepts every RFC 4291 2.2
     * spelling (compressed, leading zeros, embedded IPv4). */
    p->family = memchr(abuf, ':', alen) != NULL ? AF_INET6 : AF_INET;
    if (inet_pton(p->family, abuf, p->addr) != 1) {
        snprintf(err, errlen, IN_FMT ": \"%s\" is not an %s address", s, abuf,
                 p->family == AF_INET ? "IPv4 (dotted quad)" : "IPv6");
        return DP_EPARSE;
    }
    return 0;
}

/* The length after the '/' of s into p->plen, within the family's bits. */
static int prefix_len(const char *s, const char *lenstr, reverse_prefix_t *p, char *err,
                      size_t errlen)
{
    unsigned maxbits = p->family == AF_INET ? 32 : 128;
    uint32_t plen = 0;
    int ret;

    if (*lenstr == '\0') {
        snprintf(err, errlen, IN_FMT ": missing prefix length after '/' (0..%u)", s,
                 maxbits);
        return DP_EPARSE;
    }
    ret = numparse_u32(lenstr, &plen);
    if (ret == DP_EPARSE) {
        snprintf(err, errlen,
                 IN_FMT ": prefix length \"%.20s\" is not a decimal number (0..%u)", s,
                 lenstr, maxbits);
        return ret;
    }
    if (ret == DP_ERANGE || (ret == 0 && plen > maxbits)) {
        snprintf(err, errlen,
                 IN_FMT ": prefix length %.20s is out of range for %s (0..%u)", s, lenstr,
                 p->family == AF_INET ? "IPv4" : "IPv6", maxbits);
        return DP_ERANGE;
    }
    if (ret < 0)
        return ret;
    p->plen = plen;
    return 0;
}

/* Host bits must be zero: "192.0.2.1/24" is almost always a typo for an
 * address or for the network, and guessing either would put records
 * where the user did not ask. DP_EBADVALUE naming the bits and the
 * network meant. */
static int prefix_host_bits(const char *s, const reverse_prefix_t *p, char *err,
                            size_t errlen)
{
    char host_text[INET6_ADDRSTRLEN];
    char net_text[INET6_ADDRSTRLEN];
    unsigned char host[16];
    unsigned char net[16];
    unsigned maxbits = p->family == AF_INET ? 32 : 128;
    unsigned nset = 0;
    unsigned first_set = 0;
    size_t b;

    memset(host, 0, sizeof(host));
    memcpy(net, p->addr, sizeof(net));
    for (b = 0; b < maxbits / 8; b++) {
        unsigned char hb = p->addr[b] & (unsigned char)~net_mask_byte(p->plen, b);
        unsigned bit;

        host[b] = hb;
        for (bit = 0; bit < 8; bit++) {
            if (hb & (0x80 >> bit)) {
                if (nset == 0)
                    first_set = (unsigned)b * 8 + bit;
                nset++;
            }
        }
    }
    if (nset == 0)
        return 0;
    for (b = 0; b < maxbits / 8; b++)
        net[b] &= net_mask_byte(p->plen, b);
    if (inet_ntop(p->family, host, host_text, sizeof(host_text)) == NULL ||
        inet_ntop(p->family, net, net_text, sizeof(net_text)) == NULL)
        return -errno;
    snprintf(err, errlen,
             IN_FMT ": host bits set beyond /%u: %s (%u bit%s set, first at bit %u, "
                    "counting from 0 at the left; bits %u..%u must be 0); the "
                    "network is %s/%u",
             s, p->plen, host_text, nset, nset == 1 ? "" : "s", first_set, p->plen,
             maxbits - 1, net_text, p->plen);
    return DP_EBADVALUE;
}

int reverse_prefix_parse(const char *s, reverse_prefix_t *out, char *err, size_t errlen)
{
    reverse_prefix_t p;
    const char *slash;
    int ret;

    memset(&p, 0, sizeof(p));
    if (errlen > 0)
        err[0] = '\0';
    if (s == NULL) {
        snprintf(err, errlen, "no prefix given");
        return DP_EPARSE;
    }
    slash = strchr(s, '/');
    if (slash == NULL) {
        snprintf(err, errlen,
                 IN_FMT ": missing prefix length (write ADDRESS/LENGTH, e.g. "
                        "192.0.2.0/24 or 2001:db8::/48)",
                 s);
        return DP_EPARSE;
    }
    ret = prefix_addr(s, slash, &p, err, errlen);
    if (ret == 0)
        ret = prefix_len(s, slash + 1, &p, err, errlen);
    if (ret == 0)
        ret = prefix_host_bits(s, &p, err, errlen);
    if (ret == 0)
        *out = p;
    return ret;
}

int reverse_zone(const reverse_prefix_t *p, char *zone, size_t len)
{
    int ret = prefix_check(p);

    if (ret < 0)
        return ret;
    /* The zone is cut at the label boundary at or above the prefix: the
     * labels that are wholly network bits. No RFC 2317 classless zones. */
    if (p->family == AF_INET)
        return build_name(AF_INET, p->addr, p->plen / 8, zone, len);
    return build_name(AF_INET6, p->addr, p->plen / 4, zone, len);
}

int reverse_ptr_name(int family, const unsigned char *addr, char *name, size_t len)
{
    size_t alen = family_len(family);

    if (alen == 0)
        return -EAFNOSUPPORT;
    if (addr == NULL)
        return -EINVAL;
    return build_name(family, addr, family == AF_INET ? alen : alen * 2, name, len);
}

uint64_t reverse_capacity(const reverse_prefix_t *p)
{
    unsigned hostbits;

    if (prefix_check(p) < 0)
        return 0;
    if (p->family == AF_INET) {
        hostbits = 32 - p->plen;
        /* Network and broadcast addresses are not hosts, except in a /31
         * (RFC 3021) and a /32. */
        if (p->plen < 31)
            return (UINT64_C(1) << hostbits) - 2;
        return UINT64_C(1) << hostbits;
    }
    hostbits = 128 - p->plen;
    if (hostbits >= 64)
        return UINT64_MAX;
    return UINT64_C(1) << hostbits;
}

int reverse_nth_addr(const reverse_prefix_t *p, uint64_t n, unsigned char out[16])
{
    unsigned char a[16];
    uint64_t off = n;
    size_t alen;
    size_t i;
    int ret = prefix_check(p);

    if (ret < 0)
        return ret;
    alen = family_len(p->family);
    if (p->family == AF_INET) {
        if (n >= reverse_capacity(p))
            return DP_ERANGE;
        if (p->plen < 31)
            off = n + 1; /* skip the network address */
    } else if (128 - p->plen < 64 && n >= reverse_capacity(p)) {
        /* With 64 or more host bits every uint64_t n is an address. */
        return DP_ERANGE;
    }
    /* off < 2^hostbits and the host bits of the network address are zero,
     * so adding is OR-ing into the low-order bytes, without carries. */
    memset(a, 0, sizeof(a));
    memcpy(a, p->addr, alen);
    for (i = 0; i < 8 && i < alen; i++)
        a[alen - 1 - i] |= (unsigned char)(off >> (8 * i));
    memcpy(out, a, sizeof(a));
    return 0;
}

int reverse_addr_text(int family, const unsigned char *addr, char *out, size_t len)
{
    char buf[INET6_ADDRSTRLEN];
    size_t n;

    if (family_len(family) == 0)
        return -EAFNOSUPPORT;
    if (addr == NULL)
        return -EINVAL;
    /* glibc's inet_ntop writes RFC 5952 text: lower case, longest run of
     * two or more zero groups compressed (the first on a tie). */
    if (inet_ntop(family, addr, buf, sizeof(buf)) == NULL)
        return -errno;
    n = strlen(buf);
    if (n + 1 > len)
        return -ENOSPC;
    memcpy(out, buf, n + 1);
    return 0;
}
