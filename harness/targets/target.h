/*
 * target: where the workload's changes go, one module per kind behind one
 * table of operations (as dnsperf's transports): today the PowerDNS
 * Authoritative HTTP API (target_pdns.c, libcurl + jansson).
 *
 * A target_t is one connection's worth of state (a CURL handle reused
 * across calls): not thread-safe; give each API worker its own.
 */
#ifndef DP_TARGET_H
#define DP_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "harness/scenario/scenario.h"

typedef struct {
    op_kind_t kind;
    const char *zone; /* canonical, trailing dot */
    const char *name; /* canonical owner (records) */
    uint16_t type;
    uint32_t ttl;
    char *const *values; /* zone-file form (canonical), REPLACE */
    size_t nvalues;
} target_op_t;

typedef struct {
    double submit_time; /* epoch s, when the call started */
    double ack_time;    /* epoch s, when the API acknowledged */
    long status;        /* HTTP status (powerdns), DNS RCODE (rfc2136, -1: no answer),
                           exit status (exec); 0 if none */
    unsigned retries;   /* transient failures retried before the acknowledgement */
    char error[512];    /* the server's message when it failed */
} target_ack_t;

typedef struct target target_t;

typedef struct {
    int (*apply)(target_t *t, const target_op_t *op, target_ack_t *ack);
    /* The zone's SOA serial as the primary has it now. */
    int (*zone_serial)(target_t *t, const char *zone, uint32_t *serial);
    void (*destroy)(target_t *t);
} target_ops_t;

struct target {
    const target_ops_t *ops;
    const scen_target_t *cfg;
};

int target_create(target_t **out, const scen_target_t *cfg, char *err, size_t errlen);
int target_pdns_create(target_t **out, const scen_target_t *cfg, char *err,
                       size_t errlen);
int target_exec_create(target_t **out, const scen_target_t *cfg, char *err,
                       size_t errlen);
int target_http_create(target_t **out, const scen_target_t *cfg, char *err,
                       size_t errlen);

static inline int target_apply(target_t *t, const target_op_t *op, target_ack_t *ack)
{
    return t->ops->apply(t, op, ack);
}

static inline int target_zone_serial(target_t *t, const char *zone, uint32_t *serial)
{
    return t->ops->zone_serial(t, zone, serial);
}

static inline void target_destroy(target_t *t)
{
    if (t != NULL)
        t->ops->destroy(t);
}

#endif
