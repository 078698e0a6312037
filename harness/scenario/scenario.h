/*
 * scenario: a workload scenario file (INI, parsed with inih).
 *
 * Sections: [campaign] [storage] [clock] [target NAME]... [nameserver
 * NAME]... [probe] [phase NAME]... [operations] [slo]. Every key is
 * checked; an error names FILE:LINE, the section and the key, and nothing
 * is returned (see README, "Scenario files", for the keys). Values may use
 * ${VAR} for environment variables; `include = FILE` in [campaign] reads
 * another scenario file's sections in place (e.g. the lab's lab.ini).
 * Not thread-safe; a scenario_t is read-only once loaded.
 */
#ifndef DP_SCENARIO_H
#define DP_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/scenario/reverse.h"
#include "probes/request.h"

typedef enum {
    TARGET_POWERDNS = 0,
    TARGET_RFC2136,
    TARGET_HTTP,
    TARGET_EXEC,
} target_kind_t;

typedef enum { NS_PRIMARY = 0, NS_SECONDARY, NS_RESOLVER } ns_role_t;

typedef enum {
    OP_ZONE_CREATE = 0,
    OP_ZONE_UPDATE,
    OP_ZONE_DELETE,
    OP_RECORD_CREATE,
    OP_RECORD_UPDATE,
    OP_RECORD_DELETE,
    OP_KINDS,
} op_kind_t;

typedef struct {
    char *name;
    target_kind_t kind;
    char *url;
    char *api_key;        /* from api_key or api_key_file */
    char *catalog;        /* powerdns: catalog zone for new zones (optional) */
    char *zone_kind;      /* powerdns: Native | Master (default Master) */
    char *server;         /* rfc2136: the primary, ADDR[:PORT] */
    char *tsig;           /* rfc2136: "ALGORITHM:NAME:BASE64SECRET" (tsig_key, or the
                             first line of tsig_key_file) */
    char *exec[OP_KINDS]; /* exec: an argv template per operation kind */
    char *exec_serial;    /* exec: argv template printing a zone's serial */
    char **kv;            /* http: every other key and its value, in pairs
                             (kv[2i] key, kv[2i+1] value), NULL-ended;
                             ${VAR} set in the environment is expanded, any
                             other ${...} is kept for the target to fill */
    size_t nkv;
    int line;
} scen_target_t;

typedef struct {
    char *name;
    probe_ns_t addr;
    ns_role_t role;
    char *target; /* name of the target whose data it serves */
    int line;
} scen_ns_t;

typedef struct {
    char *name;
    unsigned zones;    /* zones created at the start of the phase */
    char *zone_suffix; /* canonical, e.g. "example.test." */
    double duration;   /* seconds, or 0 with count */
    uint64_t count;    /* operations, or 0 with duration */
    double rate_from;  /* operations/s; rate_to != rate_from: a ramp */
    double rate_to;
    unsigned mix[OP_KINDS]; /* weights */
    uint16_t types[16];     /* record types to use */
    size_t ntypes;
    bool ptr;              /* prefix = ...: A/AAAA + PTR pairs */
    char *zonefile;        /* zonefile = ...: sync the zone to this file */
    char *sync_zone;       /* zone = ... (the file's origin) */
    double max_update_pct; /* refuse a plan updating more (octoDNS) */
    double max_delete_pct; /* ... or deleting more, unless --force */
    reverse_prefix_t prefix;
    int line;
} scen_phase_t;

typedef struct {
    char *path;
    /* [campaign] */
    char *name;
    char *results;
    uint64_t seed;
    /* [storage] */
    char *redis;
    char *redis_password_file;
    /* [clock] */
    char *ntp_server;
    double max_offset_ms;
    /* [target NAME] [nameserver NAME] */
    scen_target_t *targets;
    size_t ntargets;
    scen_ns_t *ns;
    size_t nns;
    /* [probe] */
    double frequency;
    double timeout;
    unsigned threads;
    double query_timeout;
    /* [phase NAME] */
    scen_phase_t *phases;
    size_t nphases;
    /* [operations] */
    char *ops_file;
    unsigned api_inflight; /* [campaign] api_inflight: API calls at once */
    bool cleanup;          /* [campaign] cleanup: delete the zones at the end */
    /* [slo] */
    bool has_p99;
    double slo_p99;
    bool has_max_timeouts;
    uint64_t slo_max_timeouts;
    bool slo_converged;
    /* [report] */
    unsigned plot_width, plot_height; /* PNG size in pixels */
    bool plots;                       /* render PNGs (scripts are always written) */
    /* [probe] mode = agents: polls go to probe agents over Redis Streams,
     * one request per vantage; an agent's unacknowledged polls are taken
     * over by the others after reclaim_after seconds */
    bool agents;
    char **vantages;
    size_t nvantages;
    double reclaim_after;
    /* [metrics] */
    char *statsd; /* HOST:PORT, or NULL */
    char *statsd_prefix;
} scenario_t;

const char *op_kind_str(op_kind_t kind);
/* "primary", "secondary" or "resolver": the [nameserver] role key's words. */
const char *ns_role_str(ns_role_t role);
int op_kind_from_str(const char *s, op_kind_t *out);

int scenario_load(const char *path, scenario_t *sc, char *err, size_t errlen);
void scenario_free(scenario_t *sc);
/* The target a nameserver serves. */
const scen_target_t *scenario_ns_target(const scenario_t *sc, const scen_ns_t *ns);

#endif
