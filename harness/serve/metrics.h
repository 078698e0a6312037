/*
 * metrics: a statsd client for live campaign metrics (counters, timers,
 * gauges sent over UDP while a campaign runs, from the driver, the service
 * and agents).
 *
 * The calls that record a value never block on the network and never fail:
 * they append to an in-memory aggregate under a short mutex (counters are
 * summed by name, gauges keep their last value, timers are kept one by one
 * up to a bound) and return. A background thread flushes the aggregate
 * every flush interval (100 ms by default) as statsd lines
 * "prefix.name:value|type\n" packed into datagrams of at most
 * METRICS_DGRAM_MAX bytes, sent on a non-blocking UDP socket. Anything that
 * cannot be kept or sent (timer bound reached, too many distinct names, a
 * full socket buffer, nobody listening) is counted as dropped, never
 * reported to the caller: metrics are best effort, the measurement is not.
 *
 * Metric names and the prefix are sanitised: every byte outside
 * [A-Za-z0-9_.-] becomes '_' (so nameserver and campaign names can go into
 * names and ':', '|', '@', '#' or a newline can never break the statsd line
 * format); names longer than METRICS_NAME_MAX with the prefix are cut.
 *
 * Ownership: the handle owns its socket, thread and buffers; name strings
 * are copied. Thread-safety: every call may come from any thread at once,
 * except metrics_destroy(), which must be the last call on the handle.
 * Every call on a NULL handle is a no-op, so that callers without a statsd
 * server configured need no conditionals.
 */
#ifndef DP_METRICS_H
#define DP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "probes/pool.h"

/* Largest datagram payload. 1500 (Ethernet MTU) - 60 (largest IPv4 header,
 * with options) - 8 (UDP header) = 1432, the size statsd's documentation
 * gives for Ethernet networks: such
 * a datagram is never IP-fragmented on a 1500-byte path, and a fragmented
 * one is lost whole when any fragment is lost or a firewall drops
 * fragments. IPv6 (40-byte header) leaves even more room. */
#define METRICS_DGRAM_MAX 1432
/* Longest "prefix.name" in bytes; longer names are cut to this. */
#define METRICS_NAME_MAX 200

#define METRICS_DEFAULT_INTERVAL_MS 100
#define METRICS_DEFAULT_MAX_TIMERS  65536
#define METRICS_DEFAULT_MAX_NAMES   4096

typedef struct metrics metrics_t;

/* Tunables for metrics_create_opts(); 0 in a field means its default. */
typedef struct {
    int flush_interval_ms; /* background flush period, 1..60000 */
    size_t max_timers;     /* timer values kept between two flushes; more are dropped */
    size_t max_names;      /* distinct (name, type) pairs over the handle's life; values
                              under new names beyond it are dropped */
} metrics_opts_t;

/* What happened to the values recorded so far. A "value" is one call of
 * metrics_count/timing_ms/gauge before aggregation, or one statsd line
 * after it (a line may carry many summed counts). */
typedef struct {
    uint64_t sent_datagrams;    /* accepted by the kernel */
    uint64_t sent_lines;        /* statsd lines in them */
    uint64_t dropped_datagrams; /* send failed (EAGAIN, ECONNREFUSED, ...) */
    uint64_t dropped_lines;     /* statsd lines in the dropped datagrams */
    uint64_t dropped_values;    /* never buffered: timer bound, name table full,
                                   empty name, NaN/inf or |v| >= 1e15 */
} metrics_stats_t;

/* Create a client sending to hostport: "HOST:PORT", HOST an IPv4 literal,
 * a bracketed IPv6 literal ("[::1]:8125") or a host name resolved once,
 * here (this call may block on DNS; the others never do). The port is
 * required. prefix (NULL or "" for none) goes before every name with a
 * '.'; it is sanitised like names. On failure returns DP_EPARSE (syntax),
 * DP_EBADADDR (does not resolve), -ENOMEM or another -errno, with a message
 * in err for the user, and *out is NULL. */
int metrics_create(metrics_t **out, const char *hostport, const char *prefix, char *err,
                   size_t errlen);
/* The same with tunables (opts may be NULL: all defaults). DP_ERANGE when a
 * tunable is out of range. */
int metrics_create_opts(metrics_t **out, const char *hostport, const char *prefix,
                        const metrics_opts_t *opts, char *err, size_t errlen);

/* statsd counter ("c"): n is added to the name's sum since the last flush. */
void metrics_count(metrics_t *m, const char *name, int64_t n);
/* statsd timer ("ms"), sent with three decimals. Each value is kept (up to
 * max_timers between two flushes). NaN, infinities and |ms| >= 1e15 are
 * dropped, as for gauges. */
void metrics_timing_ms(metrics_t *m, const char *name, double ms);
/* statsd gauge ("g"): the last value set before a flush is sent. A negative
 * value is sent as "name:0|g" then "name:-v|g" in one datagram, because
 * statsd reads a signed gauge value as a change, not a value. */
void metrics_gauge(metrics_t *m, const char *name, double v);

/* Send what is buffered now, in the calling thread (non-blocking sends; it
 * may wait for a background flush in progress to finish). */
void metrics_flush(metrics_t *m);
/* The two numbers callers usually want: datagrams sent, and everything
 * dropped (dropped_values + dropped_lines). Either pointer may be NULL. */
void metrics_stats(metrics_t *m, uint64_t *sent_datagrams, uint64_t *dropped);
/* All of them. Zeroes *out for a NULL handle. */
void metrics_stats_get(metrics_t *m, metrics_stats_t *out);

/* Stop the background thread, flush, close, free. NULL is fine. */
void metrics_destroy(metrics_t *m);

/* One finished poll, as the campaign, the service and the agents all
 * count it: polls.completed|timeouts|errors|cancelled, and for a completed
 * one the timer ns.<ns>.propagation_ms (ns sanitised like any name). */
void metrics_poll(metrics_t *m, probe_status_t status, const char *ns, double duration_s);

/* Copy name into out (size outlen > 0), every byte outside [A-Za-z0-9_.-]
 * replaced by '_', cut to outlen - 1 bytes. Returns the length written.
 * Public for the tests and for callers building names. */
size_t metrics_sanitize(const char *name, char *out, size_t outlen);

#endif
