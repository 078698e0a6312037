/*
 * serve: `dnsprop serve`, poll requests over HTTP (libmicrohttpd, jansson),
 * compatible with Digaas clients ("Dig as a Service").
 *
 * A client that has just made a change POSTs a poll request (nameserver,
 * zone, condition, start_time, timeout, frequency); the service answers
 * 202 at once, polls on the probe pool (probes/pool.h) and the client GETs
 * the request until its status is no longer ACCEPTED. POST /stats turns
 * the requests of a time range into the statistics and plots of plot/.
 * The HTTP contract (endpoints, fields, statuses, errors) is in README,
 * "dnsprop serve".
 *
 * Requests live in Redis, the results store's server, under keys that
 * storage/requests.h owns (README, "dnsprop serve", lists them): a request
 * is stored before its 202 goes out, and its final state is written by
 * storage's writer thread (batched, MULTI/EXEC) after the poll ends. At
 * start every pending request is polled again with its original
 * start_time and what is left of its timeout (or ended as ERROR when its
 * timeout passed while the service was down), and pending stats are
 * computed. The service itself holds no Redis connection.
 *
 * Threads: MHD's own (a pool of http_threads), the probe pool's (whose
 * result callback only updates memory and queues the write: it never
 * waits for Redis), storage's requests writer and the stats worker; each
 * thread that reaches Redis does so on its own connection (requests.h).
 * serve_int.h says which thread touches what.
 *
 * Ownership: a serve_t is its creator's, who destroys it; opts->store and
 * opts->metrics are borrowed and must outlive it.
 *
 * Thread-safety: serve_create and serve_destroy are called from one
 * thread; serve_where and serve_info from any. The parsers (parse.h) are
 * pure functions.
 */
#ifndef DP_SERVE_H
#define DP_SERVE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "harness/serve/parse.h"
#include "harness/serve/prom.h"
#include "probes/request.h"
#include "storage/store.h"

#define SERVE_DEFAULT_LISTEN   "127.0.0.1:9090"
#define SERVE_DEFAULT_MAX_BODY (64 * 1024)
#define SERVE_ID_LEN           36 /* a UUID: 8-4-4-4-12 hex digits */

typedef struct serve serve_t;

/* What one client may ask of the service (README, "dnsprop serve"): 0 in
 * any field takes its default. A poll request past a per-request limit or
 * a count is answered 429 with {"message", "limit": the option's name}.
 * Clients are told apart by their IP address. */
typedef struct {
    double min_frequency;            /* s between queries; SERVE_DEF_MIN_FREQUENCY */
    double max_timeout;              /* s of polling; SERVE_DEF_MAX_TIMEOUT */
    unsigned max_values;             /* values per request; SERVE_DEF_MAX_VALUES */
    unsigned max_pending;            /* polls running, in all */
    unsigned max_pending_per_client; /* polls running, per client */
    double max_ns_rate;              /* queries/s at one nameserver address, in all */
    unsigned max_connections;        /* HTTP connections, in all */
    unsigned max_connections_per_client;
    unsigned idle_timeout_s;    /* an idle connection is closed */
    unsigned request_timeout_s; /* a request must arrive whole within this */
} serve_limits_t;

#define SERVE_DEF_MIN_FREQUENCY      0.1
#define SERVE_DEF_MAX_TIMEOUT        86400.0
#define SERVE_DEF_MAX_VALUES         100
#define SERVE_DEF_MAX_PENDING        10000
#define SERVE_DEF_MAX_PENDING_CLIENT 1000
#define SERVE_DEF_MAX_NS_RATE        1000.0
#define SERVE_DEF_MAX_CONNS          1000
/* Up to this many connections poll(2), beyond it epoll (http.c) */
#define SERVE_POLL_MAX_CONNS       4096
#define SERVE_DEF_MAX_CONNS_CLIENT 128
/* Each connection's memory for its request line, headers and replies
 * (MHD_OPTION_CONNECTION_MEMORY_LIMIT): 16 KiB, not MHD's 32. MHD zeroes
 * what a request leaves of it, 48 KiB a POST at 32 (a quarter of the
 * service's instructions under callgrind). A request line and headers
 * over SERVE_MAX_HEADER_BYTES get 431 before anything runs: above about
 * 15.7 KiB MHD would run the request, then fail to write the reply's
 * own header and close (a POST stored, its client never told). nginx's
 * default refuses a header line over 8 KiB (large_client_header_buffers). */
#define SERVE_CONN_POOL             (16 * 1024)
#define SERVE_MAX_HEADER_BYTES      (12 * 1024)
#define SERVE_DEF_IDLE_TIMEOUT_S    30
#define SERVE_DEF_REQUEST_TIMEOUT_S 10

/* Zeros into defaults. */
void serve_limits_defaults(serve_limits_t *lim);

typedef struct {
    const char *listen;     /* "ADDR:PORT" or "[V6]:PORT"; NULL: SERVE_DEFAULT_LISTEN */
    const char *token;      /* bearer token every call must carry; NULL: none */
    store_t *store;         /* borrowed: its Redis holds the requests */
    const char *results;    /* results folder: stats go to RESULTS/serve/ */
    unsigned probe_threads; /* 0: half the CPUs (at least 1) */
    unsigned query_timeout_ms; /* per DNS query; 0: 1000 */
    unsigned http_threads;     /* MHD's thread pool; 0: 2 */
    size_t max_body;           /* request body limit; 0: SERVE_DEFAULT_MAX_BODY */
    struct metrics *metrics;   /* borrowed, may be NULL: statsd counters and timers */
    prom_std_t *prom;          /* borrowed, may be NULL: --metrics-listen's families */
    serve_limits_t limits;     /* zeros: defaults */
    double retention_s;        /* requests' and stats' keys expire after it; 0:
                                  SERVE_DEF_RETENTION_S, negative: never */
} serve_opts_t;

/* How long the service keeps a request (or stats) in Redis after its poll
 * (README, "dnsprop serve"): long enough for the /stats of any campaign
 * a person still looks at, bounded so that weeks of running do not fill
 * Redis (Digaas kept every request for ever). */
#define SERVE_DEF_RETENTION_S (30.0 * 86400)

typedef struct {
    uint64_t resumed; /* unfinished requests polled again at start */
    uint64_t expired; /* unfinished requests whose timeout passed while down */
    uint64_t stats_resumed;
    uint64_t accepted;     /* POSTed since start */
    uint64_t finished;     /* polls ended since start */
    uint64_t unwritten;    /* final states Redis has not taken yet */
    uint64_t unsettled;    /* requests whose write Redis has not confirmed */
    uint64_t limited;      /* requests answered 429 */
    const char *http_wait; /* how the HTTP threads wait: "poll" or "epoll" */
    unsigned http_threads;
    unsigned max_connections;
} serve_info_t;

/* Resume what Redis holds, start the probe pool, the writer, the stats
 * worker and the HTTP daemon. err says what failed (address in use,
 * Redis unreachable, ...). */
int serve_create(serve_t **out, const serve_opts_t *opts, char *err, size_t errlen);
/* Where it listens, "127.0.0.1:9090" or "[::1]:9090" (the real port when
 * 0 was asked). */
const char *serve_where(const serve_t *s);
void serve_info(serve_t *s, serve_info_t *out);
/* Stop answering, stop polling (unfinished requests stay pending in Redis
 * for the next start), write what finished (waiting up to 5 s for Redis)
 * and free everything. */
void serve_destroy(serve_t *s);

#endif
