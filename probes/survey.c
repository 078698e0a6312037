/*
 * survey: questions and transfers to several servers at once (see
 * survey.h). One thread per server, each with its own resolver; nothing
 * is shared while they run but the questions, which are only read.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "probes/dnsq.h"
#include "probes/rdata.h"
#include "probes/survey.h"

typedef struct {
    survey_server_t *s;
    const survey_question_t *qs;
    size_t nq;
    const dnsq_opts_t *opts;
} ask_job_t;

typedef struct {
    survey_axfr_t *a;
    const char *zone;
    const char *tsig;
} axfr_job_t;

/* Ask q of server d and give the reply to the server's callback; *dead
 * is set when no answer came. */
static int ask_one(dnsq_t *d, survey_server_t *s, size_t qi, const survey_question_t *q,
                   bool *dead)
{
    survey_reply_t r;
    unsigned char qw[256];
    char why[256];
    struct ldns_struct_pkt *pkt = NULL;
    dnsq_rr_t *rrs = NULL;
    int ret;

    memset(&r, 0, sizeof(r));
    if (rdata_name_to_wire(q->name, qw, sizeof(qw)) < 0) {
        r.outcome = SURVEY_BAD_NAME;
        return s->on_reply(s->arg, qi, &r);
    }
    ret = dnsq_query(d, q->name, q->type, &pkt, why, sizeof(why));
    if (ret == DP_EBADNAME) {
        r.outcome = SURVEY_BAD_NAME;
        return s->on_reply(s->arg, qi, &r);
    }
    if (ret < 0) {
        *dead = true;
        r.outcome = SURVEY_NO_ANSWER;
        r.why = why;
        return s->on_reply(s->arg, qi, &r);
    }
    if (dnsq_pkt_tc(pkt)) {
        /* ldns asked again over TCP; still cut: what it holds proves
         * nothing, least of all that a record is absent (issue 12) */
        r.outcome = SURVEY_TRUNCATED;
        ret = s->on_reply(s->arg, qi, &r);
        dnsq_pkt_free(pkt);
        return ret;
    }
    r.outcome = SURVEY_ANSWERED;
    r.rcode = dnsq_pkt_rcode(pkt);
    ret = r.rcode == DNSQ_RCODE_NOERROR ? dnsq_pkt_rrset(pkt, qw, q->type, &rrs, &r.nrrs)
                                        : 0;
    r.rrs = rrs;
    if (ret == 0)
        ret = s->on_reply(s->arg, qi, &r);
    free(rrs);
    dnsq_pkt_free(pkt);
    return ret;
}

static void *ask_worker(void *arg)
{
    ask_job_t *j = arg;
    survey_server_t *s = j->s;
    survey_reply_t skipped = {SURVEY_SKIPPED, 0, NULL, NULL, 0};
    char err[512];
    dnsq_t *d = NULL;
    bool dead = false;
    size_t i;
    int ret;

    ret = dnsq_create_ns(&d, s->ns, j->opts, err, sizeof(err));
    for (i = 0; ret == 0 && i < j->nq; i++) {
        if (dead)
            ret = s->on_reply(s->arg, i, &skipped);
        else
            ret = ask_one(d, s, i, &j->qs[i], &dead);
    }
    s->ret = ret;
    dnsq_destroy(d);
    return NULL;
}

static void *axfr_worker(void *arg)
{
    axfr_job_t *j = arg;
    survey_axfr_t *a = j->a;

    a->err[0] = '\0';
    a->ret = dnsq_axfr_each(a->server, j->zone, j->tsig, NULL, "server", a->each, a->arg,
                            a->err, sizeof(a->err));
    return NULL;
}

/* fn on every job (of size bytes each), one thread each, or in this thread
 * when no thread can be started; returns when all are done. */
static void run_all(void *jobs, size_t n, size_t size, void *(*fn)(void *))
{
    pthread_t *tids = calloc(n > 0 ? n : 1, sizeof(*tids));
    bool *started = calloc(n > 0 ? n : 1, sizeof(*started));
    size_t i;

    for (i = 0; tids != NULL && started != NULL && i < n; i++)
        started[i] = pthread_create(&tids[i], NULL, fn, (char *)jobs + i * size) == 0;
    for (i = 0; i < n; i++) {
        if (tids != NULL && started != NULL && started[i])
            pthread_join(tids[i], NULL);
        else
            fn((char *)jobs + i * size);
    }
    free(tids);
    free(started);
}

void survey_ask(survey_server_t *servers, size_t n, const survey_question_t *qs,
                size_t nq, const dnsq_opts_t *opts)
{
    ask_job_t *jobs = calloc(n > 0 ? n : 1, sizeof(*jobs));
    size_t i;

    if (jobs == NULL) {
        for (i = 0; i < n; i++)
            servers[i].ret = -ENOMEM;
        return;
    }
    for (i = 0; i < n; i++) {
        jobs[i].s = &servers[i];
        jobs[i].qs = qs;
        jobs[i].nq = nq;
        jobs[i].opts = opts;
    }
    run_all(jobs, n, sizeof(*jobs), ask_worker);
    free(jobs);
}

void survey_axfr(survey_axfr_t *jobs, size_t n, const char *zone, const char *tsig)
{
    axfr_job_t *aj = calloc(n > 0 ? n : 1, sizeof(*aj));
    size_t i;

    if (aj == NULL) {
        for (i = 0; i < n; i++) {
            jobs[i].ret = -ENOMEM;
            snprintf(jobs[i].err, sizeof(jobs[i].err), "out of memory");
        }
        return;
    }
    for (i = 0; i < n; i++) {
        aj[i].a = &jobs[i];
        aj[i].zone = zone;
        aj[i].tsig = tsig;
    }
    run_all(aj, n, sizeof(*aj), axfr_worker);
    free(aj);
}
