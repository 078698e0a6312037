/*
 * agent: a probe agent (`dnsprop agent`): takes poll requests for its
 * vantage from a Redis stream (consumer group, see storage/streams.h),
 * probes them with the local probe pool, stores each result tagged with
 * the vantage (once, whatever redeliveries happen) and acknowledges the
 * request only then. Requests another agent left pending (it died) are
 * taken over after reclaim_after seconds. Its clock status and a
 * heartbeat go to its agent hash.
 */
#ifndef DP_AGENT_H
#define DP_AGENT_H

#include <signal.h>
#include <stdbool.h>

#include "storage/store.h"

struct metrics;

typedef struct {
    const char *vantage;
    const char *consumer;    /* NULL: host-pid */
    unsigned threads;        /* probe threads; 0: the pool's default */
    unsigned max_inflight;   /* requests taken at once; 0: 4096 */
    double reclaim_after;    /* seconds; 0: 10 */
    const char *ntp_server;  /* for the clock status, or NULL */
    struct metrics *metrics; /* may be NULL */
    bool quiet;
    volatile sig_atomic_t *stop;
} agent_opts_t;

/* Run until *stop; 0, or a negative code after saying why on stderr. */
int agent_run(store_t *s, const agent_opts_t *opts);

#endif
