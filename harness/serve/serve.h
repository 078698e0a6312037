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
 * Requests live in Redis under "dnsprop:" (the results store's server):
 *   dnsprop:request:<id>       string  the request as GET shows it (JSON)
 *   dnsprop:requests           zset    ids scored by start_time
 *   dnsprop:requests:pending   set     ids not finished yet
 *   dnsprop:stats:<id>         string  a stats request (JSON)
 *   dnsprop:stats:<id>:summary string  its statistics (JSON)
 *   dnsprop:stats:pending      set     stats ids not computed yet
 * A request is in Redis before its 202 goes out; its final state is
 * written by one writer thread (batched, MULTI/EXEC) after the poll ends.
 * At start every pending request is polled again with its original
 * start_time and what is left of its timeout (or ended as ERROR when its
 * timeout passed while the service was down), and pending stats are
 * computed.
 *
 * Threads: MHD's own (a pool of http_threads, each with its own hiredis
 * context, created on first use), the probe pool's (whose result
 * callback only updates memory and queues the write: it never waits for
 * Redis), the writer and the stats worker (each with its own context).
 *
 * serve_create and serve_destroy are called from one thread; serve_where
 * and serve_info from any.
 */
#ifndef DP_SERVE_H
#define DP_SERVE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "probes/request.h"
#include "storage/store.h"

#define SERVE_DEFAULT_LISTEN   "127.0.0.1:9090"
#define SERVE_DEFAULT_MAX_BODY (64 * 1024)
#define SERVE_ID_LEN           36 /* a UUID: 8-4-4-4-12 hex digits */

typedef struct serve serve_t;

typedef struct {
    const char *listen;     /* "ADDR:PORT" or "[V6]:PORT"; NULL: SERVE_DEFAULT_LISTEN */
    const char *token;      /* bearer token every call must carry; NULL: none */
    store_t *store;         /* borrowed: its Redis holds the requests */
    const char *results;    /* results folder: stats go to RESULTS/serve/ */
    unsigned probe_threads; /* 0: number of CPUs */
    unsigned query_timeout_ms; /* per DNS query; 0: 1000 */
    unsigned http_threads;     /* MHD's thread pool; 0: 2 */
    size_t max_body;           /* request body limit; 0: SERVE_DEFAULT_MAX_BODY */
    struct metrics *metrics;   /* borrowed, may be NULL: statsd counters and timers */
} serve_opts_t;

typedef struct {
    uint64_t resumed; /* unfinished requests polled again at start */
    uint64_t expired; /* unfinished requests whose timeout passed while down */
    uint64_t stats_resumed;
    uint64_t accepted;  /* POSTed since start */
    uint64_t finished;  /* polls ended since start */
    uint64_t unwritten; /* final states Redis has not taken yet */
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

/* "127.0.0.1:9090", "[::1]:9090" into a socket address. */
int serve_parse_listen(const char *text, struct sockaddr_storage *ss, socklen_t *len);

/* A poll request body (either shape: ours with zone_name, Digaas's
 * /poll_requests with query_name) into *req (initialised by the caller,
 * finished here) and *rec, the fields to echo (caller owns). start_time
 * null or absent means now. On failure DP_EPARSE, field names the
 * offending field and msg says what is wrong. */
int serve_request_parse(const json_t *body, double now, probe_req_t *req, json_t **rec,
                        char *field, size_t fieldlen, char *msg, size_t msglen);

#endif
