/*
 * request: a poll request, as the user states it, and its parsers.
 *
 * A request names a nameserver (IPv4/IPv6 literal, optional port), a
 * query name and type, a condition with its expected serial or values,
 * the moment the change was made (start_time, epoch seconds on the
 * realtime clock), how often to query (frequency) and for how long
 * (timeout). Parsers fill err with "what and where" on failure.
 *
 * A probe_req_t owns its id and values; probe_req_clear() frees them. Not
 * thread-safe; the pool copies what it needs at submission.
 */
#ifndef DP_REQUEST_H
#define DP_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "probes/condition.h"
#include "probes/rdata.h"

#define PROBE_NS_TEXT_MAX 64

typedef struct {
    struct sockaddr_storage sa;
    socklen_t len;
    char text[PROBE_NS_TEXT_MAX]; /* "192.0.2.1:53", "[2001:db8::1]:53" */
} probe_ns_t;

typedef struct {
    char *id; /* optional label, echoed in results */
    probe_ns_t ns;
    char qname[RDATA_NAME_TEXT_MAX]; /* canonical */
    uint16_t qtype;                  /* 0 = default: SOA for zones, else A */
    bool is_zone;
    cond_kind_t cond;
    bool has_serial;
    uint32_t serial;
    bool any_serial; /* serial_not_lower: any SOA answer holds (Digaas's serial 0) */
    char **values;   /* canonical, sorted, unique */
    size_t nvalues;
    size_t capvalues; /* room in values (harness/common/vec.h) */
    bool exact;
    double start_time; /* epoch seconds; < 0 = now */
    double frequency;  /* seconds between queries */
    double timeout;    /* seconds of polling */
    uint64_t tag;      /* opaque for the caller */
    /* The result's query_log: each answered query's send time and response
     * time (Digaas's query statistics; dnsprop serve asks for it). */
    bool keep_queries;
    /* EDNS in the queries: DNSMSG_Q_NSID, DNSMSG_Q_DO (probes/dnsmsg.h);
     * probe_req_init sets DNSMSG_Q_NSID */
    unsigned edns;
    /* DNSSEC: the zone's keys (probes/dnssec.h; the caller's, the pool
     * takes a reference): the condition then holds only on data signed by
     * them (sets DNSMSG_Q_DO); NULL: no check */
    struct dnssec_keys *keys;
} probe_req_t;

#define PROBE_DEFAULT_FREQUENCY 0.5
#define PROBE_DEFAULT_TIMEOUT   30.0
#define PROBE_MIN_FREQUENCY     0.001
/* probe_pool_submit refuses a timeout or frequency above this (seconds:
 * a year) or NaN with -EINVAL. */
#define PROBE_MAX_TIMEOUT_S 31536000.0

/* "192.0.2.1", "192.0.2.1:5353", "::1", "[::1]:5353"; port defaults to 53. */
int probe_ns_parse(const char *s, probe_ns_t *out);

void probe_req_init(probe_req_t *req);
void probe_req_clear(probe_req_t *req);
/* Set the query name (zone when is_zone). */
int probe_req_set_name(probe_req_t *req, const char *name, bool is_zone, char *err,
                       size_t errlen);
/* Add an expected value (zone-file form). Call after the type is known. */
int probe_req_add_value(probe_req_t *req, const char *text, char *err, size_t errlen);
/* Apply defaults and check the request is complete and consistent. */
int probe_req_finish(probe_req_t *req, char *err, size_t errlen);

/* Load requests from a CSV file with a header row. Columns (any order):
 * nameserver (or ns), zone_name (or zone) | name, type, condition, serial,
 * value (repeatable), start_time, frequency, timeout, match (subset |
 * exact), id. Empty cells take the defaults. On error, err says
 * "FILE:LINE: field 'X': ..." and nothing is returned. */
int probe_req_load_csv(const char *path, probe_req_t **reqs, size_t *nreqs, char *err,
                       size_t errlen);
void probe_req_free_array(probe_req_t *reqs, size_t n);

/* The same requests one at a time, as they are read (a file of a million
 * is never in memory whole; at most max bytes, 0: CSVTAB_MAX_BYTES):
 * each() takes the request (it clears it) with the line it ends on; its
 * negative return stops the read with that code (PROBE_REQ_STOP: stopped
 * on purpose, err untouched; another: err says FILE:LINE and the code). */
#define PROBE_REQ_STOP (-0x7000)
typedef int (*probe_req_each_fn)(probe_req_t *req, unsigned long line, void *arg);
int probe_req_each_csv(const char *path, size_t max, probe_req_each_fn each, void *arg,
                       char *err, size_t errlen);

/* A request as JSON and back (probe agents receive theirs over Redis
 * Streams): {"nameserver","name","is_zone","type","condition","serial",
 * "values","exact","start_time","frequency","timeout","tag","id"}. The
 * reader checks as probe_req_finish does; on error req is cleared by the
 * caller (probe_req_clear) and err names the field. */
json_t *probe_req_to_json(const probe_req_t *req);
int probe_req_from_json(const json_t *o, probe_req_t *req, char *err, size_t errlen);

#endif
