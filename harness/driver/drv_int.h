/*
 * drv_int: the state one campaign's pieces share (private to
 * harness/driver).
 *
 * Threads: the caller's (scheduling) thread runs the phases and the
 * campaign's begin and end; api_inflight API workers (workers.c); the
 * probe pool's threads (polls.c, on_result); in agents mode the feed
 * thread (polls.c); the sampler thread (sampler.c).
 *
 * Locking: mu guards the model, the API queue and the counters marked
 * (mu); cond (on the monotonic clock) is broadcast after every change
 * under mu that someone may wait for (queue room, a name released, an
 * API call done). Poll results are counted without mu (acct, per-thread
 * counters; each operation's own counts are atomics); only the last
 * result of an operation takes mu, to release its name. Fields without a
 * mark are set by the scheduling thread before the other threads start
 * and read-only while they run.
 */
#ifndef DP_DRIVER_DRV_INT_H
#define DP_DRIVER_DRV_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "harness/driver/driver.h"
#include "harness/driver/model.h"
#include "harness/driver/phases.h"
#include "harness/driver/polls.h"
#include "harness/driver/verdict.h"
#include "harness/driver/relay.h"
#include "harness/driver/sampler.h"
#include "harness/driver/workers.h"
#include "harness/serve/metrics.h"
#include "plot/dataset.h"
#include "probes/pool.h"
#include "storage/store.h"
#include "storage/streams.h"

struct drv {
    const scenario_t *sc;
    const driver_opts_t *opts;
    /* polls completed per nameserver (scenario order): a discovered
     * address that never served is a failure (verdict.c) */
    _Atomic uint64_t *ns_served;
    /* [probe] dnssec: each zone's DNSKEY RRset per target, fetched from
     * the target's primary the first time a poll of the zone needs it
     * (zk_mu) */
    pthread_mutex_t zk_mu;
    struct drv_zkeys {
        const target_conf_t *target;
        char *zone;
        struct dnssec_keys *keys;
        size_t next; /* the next of its bucket: index + 1, 0 for none */
    } * zkeys;
    size_t nzkeys, capzkeys; /* (a deleted zone's go: polls_zkeys_drop) */
    size_t *zk_buckets;      /* by (target, zone): the first's index + 1 */
    size_t zk_nbuckets;      /* 0 or a power of two */
    optable_row_t *rows;     /* [operations] file */
    size_t nrows;
    syncplan_t *plans; /* one per phase (zone-sync phases' made) */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    model_t m; /* (mu) */
    /* the API queue (mu), see workers.h */
    op_t *qhead, *qtail;
    size_t qlen;
    bool closing;
    worker_t *workers;
    unsigned nworkers;
    target_watch_t *watch;    /* the provider's claims (mu), NULL: none */
    pthread_mutex_t claim_mu; /* the operations' claim fields (model.h) */
    /* counters (mu) */
    uint64_t acked, failed, polls_submitted;
    uint64_t changes;           /* operations' changes (one per target each) */
    uint64_t *tacked, *tfailed; /* the same as acked, failed per target */
    uint64_t unanswered;        /* agents mode: polls given up on */
    uint64_t queries_seen;      /* for the metrics */
    uint64_t mon_missed;        /* canaries not made: the one before still propagating */
    uint64_t mon_trimmed; /* results removed from the store, older than the retention */
    acct_t acct;          /* poll results (no lock), see polls.h */
    verdict_fold_t fold;  /* the freed operations, for the summary (mu) */
    /* the schedule kept honest (mu), see schedule.h */
    uint64_t late_ops;    /* sent over SCHED_LATE_S after they were due */
    double late_max;      /* s, the latest of them */
    double stall_since;   /* monotonic s the queue has been full since; 0 */
    uint64_t stalls;      /* times the target held the schedule back >= 1 s */
    double stalled_s;     /* s, in all */
    double stall_longest; /* s */
    /* the campaign */
    char id[512];
    char host[128];
    double start;       /* realtime epoch s: stored */
    double start_mono;  /* the same instant, monotonic s: elapsed times */
    metrics_t *metrics; /* [metrics] statsd, or NULL */
    store_t *store;     /* NULL with --no-store */
    probe_pool_t *pool;
    relay_t relay; /* [probe] mode = agents (relay.h) */
    /* the report's data: ds holds every result as it comes only without a
     * store (--no-store); with one it stays empty until the end, when the
     * results are read back from the store (campaign.c reload_results) */
    pthread_mutex_t ds_mu;
    dataset_t ds;          /* (ds_mu) */
    json_t *timeline;      /* the sampler's rows, once it stopped */
    json_t *target_errors; /* failed operations by kind and reason (under mu) */
    sampler_t smp;
    /* the progress line (the scheduling thread's) */
    uint64_t prog_queries;
    double prog_t;
    /* the end */
    json_t *begin_meta, *end_meta, *summary;
    bool ran; /* the phases ran: there is something to report */
    char dir[1100];
    /* where the results went, for a campaign that cannot write its report */
    char where[800];  /* the store's URL (redacted), or "" (--no-store) */
    uint64_t stored;  /* results of the campaign in it at the end */
    uint64_t spooled; /* still in RESULTS/<campaign>/spool.jsonl */
};

/* Tell the user (opts->say); printf-like. */
void drv_say(drv_t *d, driver_msg_t kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The progress line for phase (nothing with --quiet); "done" ends it. */
void drv_progress(drv_t *d, const char *phase);
/* Stop was asked for (a signal). */
static inline bool drv_stopping(const drv_t *d)
{
    return *d->opts->stop != 0;
}

#endif
