/*
 * polls: after an acknowledged change, one poll per nameserver serving its
 * target (to the local probe pool, or in agents mode to every vantage's
 * stream), and the accounting of their results: the tallies the SLOs are
 * judged on, the metrics, the stored results and the report's copy.
 *
 * Accounting without a shared lock: the campaign's poll counters are
 * per-thread (stripes of atomics, each written by the threads that got it,
 * summed on read as the probe pool's statistics are); an operation's own
 * counts are atomics, and its done/expected pair one word changed by
 * compare-and-swap, so exactly one result (or the reaper, or the
 * submission's own correction) sees its last poll done and takes the
 * driver's lock to release its name. The figures are those a lock taken
 * for every result would give.
 *
 * Thread-safety: polls_submit runs on API workers; polls_on_result on
 * probe pool threads (and on the thread that shuts the pool down);
 * polls_count on any thread (a sum of counters that may be moving: exact
 * once the pool is shut down and the feed stopped); polls_reap under the
 * driver's lock; polls_feed_one on the relay's feed thread (relay.h), or on
 * the scheduling thread once that is joined.
 */
#ifndef DP_DRIVER_POLLS_H
#define DP_DRIVER_POLLS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "harness/driver/model.h"
#include "probes/result.h"

typedef struct drv drv_t;

typedef enum {
    ACCT_DONE = 0, /* results counted (and polls given up on) */
    ACCT_COMPLETED,
    ACCT_TIMEOUTS,
    ACCT_ERRORS,
    ACCT_CANCELLED,
    ACCT_N,
} acct_counter_t;

/* One cache line of counters; a thread keeps to its own stripe. */
#define ACCT_STRIPES 64
typedef struct {
    _Alignas(64) _Atomic uint64_t c[ACCT_N];
} acct_stripe_t;

typedef struct {
    acct_stripe_t s[ACCT_STRIPES];
} acct_t;

/* Counter k, summed over the threads. */
uint64_t polls_count(drv_t *d, acct_counter_t k);

/* The polls of op, whose API call was acknowledged. */
void polls_submit(drv_t *d, op_t *op);
/* The probe pool's result callback (arg: the drv_t). */
void polls_on_result(const probe_result_t *r, void *arg);

/* The provider's claim about the change tagged with its op id (a
 * target_claim_fn; arg: the drv_t): its held results stored with it, and
 * its name released if that was the last thing it waited for. Runs on the
 * watcher's thread (target.h). */
void polls_on_claim(uint64_t tag, target_claim_t claim, double claimed_at, void *arg);

/* Polls op expects (after failed submissions are taken off; its claim is
 * not one). */
unsigned polls_expected(const op_t *op);

/* Agents mode: one result an agent stored (the feed's JSON text), counted
 * and kept for the report; false when it names no poll of this campaign. */
bool polls_feed_one(drv_t *d, const char *payload);
/* Agents mode: count as unanswered the polls no agent can take any more
 * (under the driver's lock). */
void polls_reap(drv_t *d);
/* Free the operations done with (counted, acknowledged, used by no
 * thread), their figures folded into the summary's (verdict.h): a campaign
 * of any length holds only the operations still in flight. Under the
 * driver's lock, from the sampler once a second. */
void polls_retire(drv_t *d);
/* [probe] dnssec: forget zone's keys on target t (polls_retire, once a
 * delete of the zone is done with; a zone made again fetches them anew). */
void polls_zkeys_drop(drv_t *d, const target_conf_t *t, const char *zone);
/* Under d->zk_mu: zone's keys on t into the cache (a reference of its own):
 * 0 or -ENOMEM; and the cached ones, a reference of the caller's
 * (polls_zkeys_drop may take the cache's before the probe pool has taken
 * one), or NULL. */
int polls_zkeys_put(drv_t *d, const target_conf_t *t, const char *zone,
                    struct dnssec_keys *keys);
struct dnssec_keys *polls_zkeys_get(drv_t *d, const target_conf_t *t, const char *zone);
/* An API worker holds the operation it applies (polls_retire waits). */
void polls_hold(op_t *op);
void polls_drop(op_t *op);

#endif
