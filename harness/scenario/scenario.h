/*
 * scenario: a workload scenario file (INI, parsed with inih).
 *
 * Sections: [campaign] [storage] [clock] [target NAME]... [nameserver
 * NAME]... [probe] [phase NAME]... [operations] [slo]. Every key is
 * checked; an error names FILE:LINE, the section and the key, and nothing
 * is returned (see README, "Scenario files", for the keys). The keys of a
 * [target NAME] section go to its kind (harness/targets/target.h), which
 * checks them; `type =` may come after them. Values may use
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
#include "harness/targets/target.h"
#include "probes/request.h"

/* Bounds of a scenario file and each file it includes (issue 12): the
 * whole file, one line, one value once ${VAR} is expanded. */
#define SCENARIO_MAX_BYTES (1 << 20)
#define SCENARIO_MAX_LINE  4096
#define SCENARIO_MAX_VALUE 65536

typedef enum { NS_PRIMARY = 0, NS_SECONDARY, NS_RESOLVER } ns_role_t;

typedef struct {
    char *name;
    probe_ns_t addr;
    ns_role_t role;
    char *target; /* name of the target whose data it serves */
    int line;
    /* discover = ZONE: this section stands for every address of ZONE's
     * nameservers (probes/discover.h), found by scenario_discover before
     * the run, asked of discover_from (default: the primary's address),
     * each on discover_port (default 53) */
    char *discover;
    char *discover_from;
    uint16_t discover_port;
    /* an endpoint scenario_discover made: its NS name ("ns1.example.com."),
     * the zone it was discovered for, and its address family */
    char *group;
    char *discovered;
    bool v6;
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
    char *sync_zone;       /* zone = ... (the file's origin; without zonefile: an
                              existing zone the mix changes, on each target) */
    double max_update_pct; /* refuse a plan updating more (octoDNS) */
    double max_delete_pct; /* ... or deleting more, unless --force */
    reverse_prefix_t prefix;
    int line;
    int zones_line; /* the zones = line, 0 when not given */
    /* targets = NAME...: the zones this phase creates are created on each
     * of these targets, and every change to them goes to each (one bit
     * per [target], scenario order; 0: the first target only) */
    char *targets;
    uint64_t tmask;
    int targets_line;
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
    double retention; /* s a campaign's keys are kept after its last write; 0 forever */
    /* [clock] */
    char *ntp_server;
    double max_offset_ms;
    /* [target NAME] [nameserver NAME] */
    target_conf_t *targets;
    size_t ntargets, captargets;
    scen_ns_t *ns;
    size_t nns, capns;
    /* [probe] */
    double frequency;
    double timeout;
    unsigned threads;
    double query_timeout;
    /* [phase NAME] */
    scen_phase_t *phases;
    size_t nphases, capphases;
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
    bool has_claim_before_served;     /* changes the provider claimed in sync */
    uint64_t slo_claim_before_served; /* before every nameserver served them */
    /* [report] */
    unsigned plot_width, plot_height; /* PNG size in pixels */
    bool plots;                       /* render PNGs (scripts are always written) */
    /* [probe] mode = agents: polls go to probe agents over Redis Streams,
     * one request per vantage; an agent's unacknowledged polls are taken
     * over by the others after reclaim_after seconds */
    bool agents;
    char **vantages;
    size_t nvantages, capvantages;
    double reclaim_after;
    /* [probe] nsid: queries ask for the answering instance's NSID (RFC
     * 5001; default yes) */
    bool nsid;
    /* [probe] dnssec: only validly signed data counts (probes/dnssec.h),
     * with each zone's DNSKEY from its primary */
    bool dnssec;
    /* [metrics] */
    char *statsd; /* HOST:PORT, or NULL */
    char *statsd_prefix;
    /* [monitor]: `dnsprop monitor`'s canaries, one change per zone every
     * interval (a TXT at mon_name.<zone>, replaced), in zones that exist */
    bool has_monitor;
    double mon_interval; /* s between canaries (default 60) */
    char **mon_zones;    /* canonical, absolute */
    size_t mon_nzones, mon_capzones;
    char *mon_name;      /* relative to each zone (default _dnsprop-canary) */
    bool mon_serial;     /* a zone serial bump with each canary */
    double mon_duration; /* s the monitor runs; 0 until stopped */
    /* targets = NAME...: each canary goes to each of these (their zones
     * served by several providers); 0: the first target */
    char *mon_targets;
    uint64_t mon_tmask;
    int mon_targets_line;
    int mon_line; /* where [monitor] is, for errors */
    /* scenario_discover: NS names found without any address */
    char **noaddr;
    size_t nnoaddr, capnoaddr;
} scenario_t;

/* "primary", "secondary" or "resolver": the [nameserver] role key's words. */
const char *ns_role_str(ns_role_t role);

int scenario_load(const char *path, scenario_t *sc, char *err, size_t errlen);
void scenario_free(scenario_t *sc);
/* Replace each [nameserver] with discover = ZONE by the addresses of
 * ZONE's nameservers (probes/discover.h), named "NS-NAME/ADDR", each with
 * the section's role and target. Asks the network: called by the commands
 * that run, after scenario_load. err: "FILE:LINE: [nameserver X] discover:
 * why". */
int scenario_discover(scenario_t *sc, char *err, size_t errlen);
/* The target a nameserver serves. */
/* The index of target t among sc->targets[] (t must be one of them). */
size_t scenario_target_index(const scenario_t *sc, const target_conf_t *t);
/* Phase ph's targets (scen_phase_t.tmask), never 0. */
uint64_t scenario_phase_tmask(const scen_phase_t *ph);

const target_conf_t *scenario_ns_target(const scenario_t *sc, const scen_ns_t *ns);

#endif
