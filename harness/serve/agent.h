/*
 * agent: a probe agent (`dnsprop agent`): takes poll requests for its
 * vantage from a Redis stream (consumer group, see storage/streams.h),
 * probes them with the local probe pool, stores each result tagged with
 * the vantage (once, whatever redeliveries happen) and acknowledges the
 * request only then. Requests another agent left pending (it died) are
 * taken over after reclaim_after seconds. Its clock status and a
 * heartbeat go to its agent hash.
 *
 * Ownership: the caller owns s and everything opts points to, and keeps
 * them until agent_run returns; the agent opens its own streams
 * connection on s and its own probe pool, and frees both. One agent_run
 * per thread: it blocks that thread until *opts->stop is set (from a
 * signal handler). opts->metrics may be shared with other threads (see
 * metrics.h).
 */
#ifndef DP_AGENT_H
#define DP_AGENT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "harness/serve/prom.h"
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
    prom_std_t *prom;        /* --metrics-listen's families, or NULL */
    bool quiet;
    volatile sig_atomic_t *stop;
} agent_opts_t;

/* Run until *stop; 0, or a negative code with the reason in err (the
 * caller shows it). Progress (start, requests taken over, the counts at
 * the end) goes to log_info and problems it works around (a refused
 * request, a result not stored, a lost connection) to log_warn, unless
 * opts->quiet. */
int agent_run(store_t *s, const agent_opts_t *opts, char *err, size_t errlen);

#endif
