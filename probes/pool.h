/*
 * pool: the probe engine, a pool of threads that poll nameservers until a
 * condition holds.
 *
 * Each thread owns an epoll loop, its own UDP sockets to each nameserver
 * it talks to (queries sent with sendmmsg, UDP GSO where the kernel has
 * it, answers read with recvmmsg, matched by ID and question), a c-ares
 * channel per nameserver for TCP (driven through ARES_OPT_SOCK_STATE_CB
 * and ares_process_fd), and a min-heap of poll schedules. Queries of a
 * poll go out on a fixed schedule, `frequency` apart from the first one,
 * whether or not earlier queries were answered; slots missed because the
 * thread was late are skipped, not bunched. Every answer (REFUSED and
 * SERVFAIL included) is handed to the condition; a query is sent once,
 * to one server, never retried elsewhere; an answer truncated over UDP is
 * asked again over TCP (RFC 7766 5).
 *
 * Timing (see harness/common/timebase.h): start_time is wall-clock; it is mapped
 * to the monotonic clock at submission, and
 *   duration    = arrival of the first satisfying answer - start_time
 *   lower_bound = sending of the last query whose answer did not satisfy
 *                 the condition - start_time (0 when none did)
 * so the moment the change became visible lies in (lower_bound, duration].
 *
 * Ownership: the pool (an opaque handle from probe_pool_create) owns its
 * threads, sockets and every poll; probe_pool_submit copies the request,
 * so the caller keeps its own. A result taken with probe_pool_next is
 * the caller's (probe_result_clear frees it).
 *
 * Thread-safety: probe_pool_submit, probe_pool_next and probe_pool_stats
 * may be called from any thread, at once. probe_pool_shutdown and
 * probe_pool_destroy belong to the pool's owner: one thread, not two of
 * them at once, destroy last (submit and next then fail cleanly with
 * DP_ESHUTDOWN / DP_EEMPTY until destroy). The result callback runs on the
 * pool threads, several at once when there are several threads; the
 * result it gets is valid only during the call.
 */
#ifndef DP_POOL_H
#define DP_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/request.h"
#include "probes/result.h"

typedef void (*probe_result_cb)(const probe_result_t *res, void *arg);

typedef struct {
    unsigned threads;          /* 0 = number of online CPUs */
    unsigned query_timeout_ms; /* per query; 0 = 1000 */
    unsigned max_inflight;     /* queries in flight per thread and nameserver; 0 = 256.
                                * Beyond it a due query waits for an answer to
                                * make room (counted as deferred, and as lag):
                                * a busy server is not flooded into dropping. */
    probe_result_cb on_result; /* NULL: results are queued for probe_pool_next */
    void *cb_arg;
} probe_pool_opts_t;

typedef struct {
    uint64_t submitted;
    uint64_t completed;
    uint64_t timeouts;
    uint64_t errors;
    uint64_t cancelled;
    uint64_t active;  /* polls not yet finished */
    uint64_t queries; /* sent */
    uint64_t answers;
    uint64_t query_timeouts; /* queries without an answer in time */
    uint64_t query_errors;   /* other failures (ICMP refused, no route, ...) */
    uint64_t malformed;
    uint64_t skipped_slots; /* schedule slots missed because the thread was late */
    uint64_t deferred;      /* slots skipped because max_inflight was reached */
    uint64_t lag_samples;
    double lag_p50_ms; /* sending time - scheduled time */
    double lag_p99_ms;
    double lag_max_ms;
} probe_stats_t;

typedef struct probe_pool probe_pool_t;

int probe_pool_create(probe_pool_t **out, const probe_pool_opts_t *opts);
/* Copy req (which must have passed probe_req_finish) and start polling.
 * DP_ESHUTDOWN once the pool is stopping. */
int probe_pool_submit(probe_pool_t *pool, const probe_req_t *req);
/* Wait up to timeout_ms (-1: forever) for a queued result; the caller owns
 * it and calls probe_result_clear(). -ETIMEDOUT, or DP_EEMPTY when the
 * pool has stopped and the queue is empty. */
int probe_pool_next(probe_pool_t *pool, probe_result_t *out, int timeout_ms);
/* Merge the per-thread statistics. */
void probe_pool_stats(probe_pool_t *pool, probe_stats_t *out);
/* Cancel every pending poll (each yields a CANCELLED result) and stop the
 * threads. Queued results stay readable. Idempotent. */
void probe_pool_shutdown(probe_pool_t *pool);
/* Shut down if needed and free everything. */
void probe_pool_destroy(probe_pool_t *pool);

#endif
