/*
 * result: the record of one finished poll (what the engine hands back,
 * what the store keeps) and how it is shown, as one text line or one
 * JSON object (jansson). The JSON fields are a contract for scripts:
 * id, status, nameserver, name, type, condition, start_time, observed_at,
 * duration, lower_bound, queries, answers, rcode, reason, serial, values,
 * empty.
 *
 * Ownership: a result owns id, qname and values; probe_result_clear()
 * frees them. Thread-safety: every function here only reads its argument
 * (and writes to the FILE it is given), so any thread may call them on a
 * result it holds; pool threads do.
 */
#ifndef DP_PROBES_RESULT_H
#define DP_PROBES_RESULT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "probes/request.h"

typedef enum {
    PROBE_COMPLETED = 0,
    PROBE_TIMEOUT,
    PROBE_ERROR,
    PROBE_CANCELLED,
} probe_status_t;

typedef struct {
    char *id;     /* the request's id (may be NULL) */
    uint64_t tag; /* the request's tag */
    char ns[PROBE_NS_TEXT_MAX];
    char *qname;
    uint16_t qtype;
    bool is_zone;
    cond_kind_t cond;
    probe_status_t status;
    char reason[256];   /* why not COMPLETED, or what was seen */
    double start_time;  /* epoch seconds */
    double observed_at; /* epoch s of the satisfying answer, or 0 */
    double duration;    /* seconds; NAN unless COMPLETED */
    double lower_bound; /* seconds */
    uint32_t queries;   /* queries sent */
    uint32_t answers;   /* answers received */
    int rcode;          /* rcode of the last answer, -1 if none */
    bool have_serial;
    uint32_t serial; /* observed SOA serial */
    char **values;   /* observed RRset (canonical) */
    size_t nvalues;
    cond_empty_t empty; /* empty_response: what was seen */
    /* When the request kept them (probe_req_t.keep_queries): per answered
     * query, in the order sent, (when it was sent, s after start_time;
     * its response time, s), at most PROBE_QUERY_LOG_MAX pairs. */
    double *query_log;
    uint32_t nquery_log;
    /* The NSID (RFC 5001, as dnsmsg_nsid_text writes it) of the answer
     * that satisfied the condition and of the last one that did not; NULL
     * when that answer had none (or there was no such answer). "!malformed"
     * for an NSID option that overran its OPT record. They belong to the
     * pool and live until probe_pool_destroy. nsid_asked: the queries
     * asked for it (probe_req_t.edns has DNSMSG_Q_NSID). */
    bool nsid_asked;
    const char *nsid;
    const char *nsid_last;
    /* DNSSEC (probe_req_t.keys): the data was checked against the keys;
     * plain_duration: s until it was first served at all, signed or not
     * (NAN when never); duration is until it was served validly signed */
    bool dnssec;
    double plain_duration;
} probe_result_t;

#define PROBE_QUERY_LOG_MAX 4096

const char *probe_status_str(probe_status_t status);
/* Free what a result from probe_pool_next() owns. */
void probe_result_clear(probe_result_t *res);

/* A new JSON object for r (caller json_decref()s it), NULL on ENOMEM. */
json_t *probe_result_json(const probe_result_t *r);
/* Print r as one line of text or JSON (compact) followed by a newline. */
int probe_result_print(FILE *f, const probe_result_t *r, bool json);

#endif
