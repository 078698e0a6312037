/*
 * discover: the authoritative addresses of a zone, as a resolver would
 * find them (RFC 1034 4.3.2), asked of one server: the zone's NS RRset
 * (from the answer when the server is authoritative for the zone, from
 * the authority section of a referral when it is the parent), then each
 * NS name's A and AAAA RRsets (the glue in the additional section when
 * there is some, else a query for each). Every address is one endpoint,
 * named "NS-NAME/ADDR" (the NS name without its final dot), on the port
 * the caller gives: the addresses of a zone say nothing of ports.
 *
 * Bounded: at most DISCOVER_MAX_NS names and DISCOVER_MAX_EPS endpoints
 * (a hostile answer cannot make it large); NS names beyond are reported.
 *
 * Ownership: a discover_t owns its strings (discover_free). Thread-safety:
 * no state; each call has its own resolver.
 */
#ifndef DP_DISCOVER_H
#define DP_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/request.h"

#define DISCOVER_MAX_NS  64
#define DISCOVER_MAX_EPS 256

typedef struct {
    char *name;      /* "ns1.example.com/192.0.2.1" */
    char *ns_name;   /* "ns1.example.com." (canonical) */
    probe_ns_t addr; /* the address, on the given port */
    bool v6;
    bool glue; /* from the additional section (else asked for) */
} discover_ep_t;

typedef struct {
    discover_ep_t *eps; /* by NS name, IPv4 first, then by address */
    size_t n;
    char **noaddr; /* NS names with no address (none found, or cut) */
    size_t nnoaddr;
    bool referral; /* the NS RRset came from a referral (the parent's copy) */
} discover_t;

/* Discover zone's addresses by asking server ("ADDR[:PORT]"); each
 * endpoint on port. 0, or a negative code with err saying what failed
 * and where ("127.0.0.1:53 answered REFUSED to example.com. NS", "no NS
 * RRset for example.com. at 127.0.0.1:53", "none of example.com.'s 2 NS
 * names has an address"). */
int discover_zone(const char *zone, const char *server, uint16_t port, discover_t *out,
                  char *err, size_t errlen);
void discover_free(discover_t *d);

#endif
