/*
 * dataset: one campaign's results in a compact form, for statistics,
 * plots and reports.
 *
 * Filled the same way whether the results come from the driver as they
 * are produced (each result as the JSON text the store writes) or back
 * from Redis (`dnsprop report`): ds_add_text() is the one way in, so a
 * report rebuilt later equals the one written at the end of the campaign.
 * Strings (nameservers, operation kinds, reasons, phases, vantages) are
 * interned into small tables; results refer to them by index.
 *
 * Ownership: the dataset owns copies of every string it is given and a
 * reference to the campaign metadata; ds_clear() frees them all. Tables
 * and arrays grow through harness/common/vec.h, so a pointer into them
 * (ds->res, ds->ops, ds->ns) is valid only until the next ds_add_text.
 *
 * Thread-safety: none, no lock: a dataset belongs to one thread at a
 * time. ds_sort() reorders it, and stats_json(), the plots and the report
 * call ds_sort(), so even they must not run on one dataset at once.
 * Different datasets are independent.
 */
#ifndef DP_DATASET_H
#define DP_DATASET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/record.h"

#define DS_CHUNK 65536

typedef enum {
    DS_COMPLETED = 0,
    DS_TIMEOUT,
    DS_ERROR,
    DS_CANCELLED,
    DS_STATUSES,
} ds_status_t;

typedef struct {
    char **v;
    size_t n, cap;
    uint32_t *h; /* index + 1 by hash of the name (0: empty), open addressing */
    size_t hcap;
} ds_names_t;

/* A nameserver of the campaign, in scenario order. */
typedef struct {
    char *name;
    char *addr; /* as probed, "127.0.0.1:5300" */
    char *role; /* "primary", "secondary", "resolver", "" when unknown */
    /* DNSSEC polls (probes/dnssec.h): when each one's data was first
     * served, signed or not (its plain_duration), for the stage "signed
     * and served" beside plain propagation; ndnssec: such results */
    double *plain;
    size_t nplain, capplain;
    size_t ndnssec;
} ds_ns_t;

/* A change (one operation of the driver), from its results. Laid out
 * small: a campaign of a million probes has a million of them. */
typedef struct {
    uint64_t id;
    /* zone and type point into the zones and types tables, name and cut
     * into the dataset's chunks: none is freed on its own */
    char *zone;
    char *name;                   /* queried name */
    char *type;                   /* queried type */
    double submit_time, ack_time; /* epoch s */
    double offered_rate;          /* phase's scheduled rate when due; NAN unknown */
    double claimed_at;            /* epoch s the claim said in sync; NAN unless */
    /* Below a zone cut (harness/scenario/zonecut.h): the cut (NULL when
     * none), and how it was measured (measure: index in measures: "" for
     * an answer, "referral", "glue", "serial"). name and type are then the
     * changed RRset's, which a serial poll does not query. */
    char *cut;
    uint16_t kind;  /* index in kinds */
    uint16_t phase; /* index in phases ("" when none) */
    uint32_t orig;  /* ds_sort()'s scratch */
    uint16_t measure;
    /* Several targets ([phase] targets =): the target it went to (index + 1
     * in targets, 0: not said), the change it is one of (the id of the
     * change's first operation, id - change_back: ds_op_change; its copies
     * are made together, so the distance is small) and how many targets
     * the change went to (0: not said). 16 bits and the order of these
     * fields keep the struct at 88 bytes, as before there were targets. */
    uint16_t target;
    uint16_t change_back;
    uint8_t change_targets;
    /* The provider's own claim (harness/targets/target.h target_claim_t:
     * 0 none, the target reported none). */
    uint8_t claim;
} ds_op_t;

/* The change op is one of (its first operation's id). */
static inline uint64_t ds_op_change(const ds_op_t *op)
{
    return op->id - op->change_back;
}

/* A result: 48 bytes (checked in dataset.c). */
typedef struct {
    uint32_t op;        /* index in ops */
    unsigned ns;        /* index in ns */
    unsigned reason;    /* index in reasons ("" when none) */
    unsigned vantage;   /* index in vantages */
    double start_time;  /* epoch s: the acknowledgement */
    double lower_bound; /* s: the change was not visible at this point */
    double duration;    /* s: visible by then; NAN unless COMPLETED */
    unsigned queries;
    uint8_t status; /* ds_status_t */
    /* The anycast instance (RFC 5001 NSID) that answered: index + 1 in
     * nsids, of the satisfying answer when COMPLETED, else of the last
     * unsatisfied one; "" in nsids when it gave none; 0 when the probe did
     * not ask */
    uint16_t inst;
} ds_result_t;

typedef struct {
    json_t *campaign; /* metadata (owned): name, start, end, scenario, clock_start,
                         clock_end, slo, timeline, assessment, plot options... */
    ds_ns_t *ns;
    size_t nns, nscap;
    ds_op_t *ops;
    size_t nops, opcap;
    ds_result_t *res;
    size_t n, cap;
    ds_names_t kinds, reasons, phases, vantages, measures, nsids, targets;
    ds_names_t zones, types; /* what ops' zone and type point into */
    char **chunks;           /* what ops' name and cut point into (arena_dup) */
    size_t nchunks, chunkcap, used;
    record_t scratch; /* ds_add_stored's decoding */
    bool sorted;
    /* change id -> index in ops + 1 (0: empty), open addressing: finding a
     * result's change is O(1) in whatever order results come */
    uint32_t *opidx;
    size_t opidxcap; /* a power of two, at least twice nops; 0 after ds_sort */
    /* results kept: start_time in [since, until) (a monitor's window);
     * ds_init: all of them */
    double since, until;
} dataset_t;

void ds_init(dataset_t *ds);
void ds_clear(dataset_t *ds);

/* Campaign metadata (a reference is taken). Its "nameservers" array
 * ([{name, addr, role}]) fixes the nameservers' order; others are added
 * as results name them. */
int ds_set_campaign(dataset_t *ds, json_t *campaign);

/* One result as stored (a JSON object text). DP_EPARSE when it is not one. */
int ds_add_text(dataset_t *ds, const char *json_text);
/* One result as the store gives it back (storage/store.h store_each_fn):
 * a compact record (storage/record.h), read without building its JSON, or
 * a JSON text. DP_EPARSE when it is neither. */
int ds_add_stored(dataset_t *ds, const char *text, size_t len);

/* Changes in id order and results in (start_time, op id, nameserver
 * index) order, whatever order they arrived in. stats_json() and the
 * plots call it; idempotent. */
void ds_sort(dataset_t *ds);

/* The indexes of t's names in name order (strcmp), malloc'd (the caller
 * frees it; NULL on ENOMEM): tables, keys and plots list kinds and
 * vantages in that order, never in the order results happened to arrive. */
unsigned *ds_names_order(const ds_names_t *t);

/* The nameserver's index; -1 when absent. */
long ds_ns_index(const dataset_t *ds, const char *name);
const char *ds_status_str(ds_status_t st);

/* Campaign start (epoch s): the "start" of the metadata, else the first
 * result's start_time, else 0. */
double ds_start(const dataset_t *ds);

#endif
