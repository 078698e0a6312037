/*
 * survey: the same questions put to several nameservers at once, or one
 * zone transferred from several servers at once, for the live assessment
 * (plot/assess/assess_live.c), which keeps the records and the verdict.
 *
 *   survey_ask   every question to every server: one thread and one
 *                resolver (probes/dnsq.h) per server, questions in order,
 *                each reply to the server's callback
 *   survey_axfr  one AXFR per server (dnsq_axfr_each), one thread each,
 *                every record to the server's callback
 *
 * After a question gets no answer at all (timeouts, tries spent), the
 * server's remaining questions are not sent (SURVEY_SKIPPED): a dead
 * server would otherwise cost the timeout once per question.
 *
 * Threads: each server's callback runs on that server's thread (or on the
 * caller's, when no thread can be started), for that server only; give
 * each server its own state and merge after the call returns, when every
 * thread is joined. The questions are only read. No ldns types here.
 */
#ifndef DP_SURVEY_H
#define DP_SURVEY_H

#include <stddef.h>
#include <stdint.h>

#include "probes/dnsq.h"
#include "probes/request.h"

typedef struct {
    const char *name; /* canonical */
    uint16_t type;
} survey_question_t;

typedef enum {
    SURVEY_ANSWERED,  /* rcode, and rrs the RRset of (name, type, IN) in the answer */
    SURVEY_NO_ANSWER, /* why: ldns's reason */
    SURVEY_SKIPPED,   /* not asked: an earlier question got no answer */
    SURVEY_BAD_NAME,  /* not asked: the name is not one ldns can send */
    SURVEY_TRUNCATED, /* answered with TC set, over TCP too: no evidence of
                         anything (RFC 2181 section 9) */
} survey_outcome_t;

typedef struct {
    survey_outcome_t outcome;
    int rcode;
    const char *why;
    const dnsq_rr_t *rrs; /* RFC 1034 4.3.2: a CNAME chain's other owners left out */
    size_t nrrs;
} survey_reply_t;

/* Called for each question in order; r and what it points to are valid
 * for the call only. A negative return ends the server's survey and is
 * its ret. */
typedef int (*survey_reply_fn)(void *arg, size_t qi, const survey_reply_t *r);

typedef struct {
    const probe_ns_t *ns;     /* in: the server */
    survey_reply_fn on_reply; /* in */
    void *arg;                /* in */
    int ret;                  /* out: 0, -ENOMEM or what on_reply returned */
} survey_server_t;

/* Put qs to every server with opts (timeouts, EDNS; dnsq.h), in parallel.
 * Returns when every server is done; the outcome of each is in its ret. */
void survey_ask(survey_server_t *servers, size_t n, const survey_question_t *qs,
                size_t nq, const dnsq_opts_t *opts);

typedef struct {
    const char *server; /* in: ADDR[:PORT] */
    dnsq_axfr_fn each;  /* in: every record */
    void *arg;          /* in */
    int ret;            /* out: what dnsq_axfr_each returned */
    char err[1024];     /* out: its message when ret < 0 */
} survey_axfr_t;

/* One transfer of zone from each job's server (dnsq_axfr_each: tsig, may
 * be NULL, signs each request; the servers are called "server" in the
 * messages), in parallel. */
void survey_axfr(survey_axfr_t *jobs, size_t n, const char *zone, const char *tsig);

#endif
