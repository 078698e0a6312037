/*
 * relay: [probe] mode = agents, the campaign's side of the streams (see
 * storage/streams.h): poll requests out to every vantage's stream, the
 * results the agents stored back from the campaign's feed, and the end,
 * when the campaign is closed in Redis so that no result lands after it
 * has counted them.
 *
 * Redis may go away meanwhile (a restart, the network). Publications are
 * then held, in order, and sent once it is back; a held request whose
 * poll an agent would no longer take (start + timeout + 2 reclaim_after,
 * the agents' own limit) is dropped, and its poll counted unanswered by
 * polls_reap. The feed reconnects and goes on from the last entry it read.
 * Both try again with exponential backoff (100 ms up to 5 s) for as long
 * as the campaign runs: the drain's deadline (timeout + 2 reclaim_after +
 * 5 s after the last change) bounds how long a campaign waits, and what
 * did not come back by then is reported as unanswered.
 *
 * Thread-safety: relay_publish on any thread (API workers; under the
 * relay's lock); relay_start, relay_stop and relay_free on the scheduling
 * thread. The feed thread also sends the held publications (under the
 * lock, so a worker may wait on it while it connects: up to the store's
 * I/O timeout).
 */
#ifndef DP_DRIVER_RELAY_H
#define DP_DRIVER_RELAY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "storage/streams.h"

typedef struct drv drv_t;

/* A connection's reconnection state (monotonic ns). */
typedef struct {
    int64_t down;    /* when it went away */
    int64_t next;    /* the next attempt */
    int64_t backoff; /* between attempts */
    unsigned tries;
} relay_link_t;

typedef struct {
    size_t vantage; /* index in the scenario's vantages */
    double expires; /* realtime s: no agent takes it after this */
    char *text;
} relay_msg_t;

typedef struct {
    pthread_mutex_t mu;
    streams_t *pub;    /* (mu) poll requests out; NULL while Redis is away */
    relay_link_t publ; /* (mu) */
    relay_msg_t *held; /* (mu) publications waiting for Redis, in order */
    size_t nheld, capheld;
    uint64_t dropped; /* (mu) held past their poll's end */
    /* the feed thread's, then (joined) the scheduling thread's */
    streams_t *feed;
    relay_link_t feedl;
    char last[64]; /* the last feed entry read */
    uint64_t fed;  /* results read */
    pthread_t thread;
    _Atomic bool stop;
    bool started; /* relay_start opened the connections */
    bool running; /* the feed thread runs */
    bool closed;  /* the campaign is closed in Redis */
} relay_t;

/* relay_init on a zeroed relay; the owner destroys r->mu at the very end. */
void relay_init(relay_t *r);
/* Connections, each vantage's group, the feed thread. 0, or a negative
 * code (said through drv_say). */
int relay_start(drv_t *d);
/* The poll request text for vantage v, sent or held: 0; or a negative
 * code when Redis refused it (not a lost connection: then it is held). */
int relay_publish(drv_t *d, size_t v, const char *text, double expires);
/* The feed thread stopped, the campaign closed in Redis (waiting for it
 * up to a bound if it is away), the results stored before that read.
 * Idempotent. */
void relay_stop(drv_t *d);
/* The feed dropped (once closed), the store told how many results the
 * agents produced, connections and held publications freed. Idempotent. */
void relay_free(drv_t *d);

#endif
