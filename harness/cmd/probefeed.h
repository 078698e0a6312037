/*
 * probefeed: `dnsprop probe`'s requests into the probe pool and its
 * results out (printed, stored), at most max_pending polls at once.
 *
 * A file of a million requests is read as it is probed (probes/request.h
 * probe_req_each_csv), not loaded: what the process holds is the polls in
 * flight, a few dozen bytes per request the pool has (what its stored
 * result must say that the result does not: frequency, timeout, what was
 * expected) and the store's queue, whatever the file's length. Past
 * max_pending, a request waits for a result before it is submitted (as
 * dnsperf's outstanding-query limit), so its start_time is when it was
 * submitted.
 *
 * Ownership: the pool and store are borrowed. Thread-safety: one thread
 * (the command's), which is also the one taking the pool's results.
 */
#ifndef DP_PROBEFEED_H
#define DP_PROBEFEED_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "harness/common/buf.h"
#include "probes/pool.h"
#include "probes/request.h"
#include "storage/store.h"

#define PROBEFEED_MAX_PENDING 100000

/* What a pending request's stored result needs from it. */
typedef struct {
    bool used;
    bool serial_cond;
    uint32_t serial;
    double frequency, timeout;
    char **values;
    size_t nvalues;
} pfeed_slot_t;

typedef struct {
    probe_pool_t *pool;
    store_t *store;   /* NULL: not stored */
    const char *host; /* the results' vantage */
    bool json;        /* print results as JSON */
    size_t max_pending;
    volatile sig_atomic_t *signal; /* set: cancel what is pending, submit no more */
    pfeed_slot_t *slots;
    size_t nslots, cap;
    size_t *freelist;
    size_t nfree, freecap;
    size_t pending;
    int worst; /* exit status: DP_EXIT_OK, _TIMEOUT or _ERROR */
    buf_t rec; /* a result's record being made */
} pfeed_t;

void pfeed_init(pfeed_t *f);
/* Submit req (taken: cleared here) once fewer than max_pending polls are
 * pending, printing and storing results meanwhile. 0, or PROBE_REQ_STOP
 * once a signal came. */
int pfeed_submit(pfeed_t *f, probe_req_t *req);
/* Wait for every pending result. */
void pfeed_drain(pfeed_t *f);
void pfeed_free(pfeed_t *f);

#endif
