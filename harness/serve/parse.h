/*
 * parse: what the service reads from the network, as pure functions of
 * their input (no service, no Redis, no clock: `now` is a parameter), so
 * that unit tests and the fuzz target (tests/fuzz/fuzz_serve.c) call them
 * alone.
 *
 * Ownership: bodies are borrowed; *rec is the caller's (NULL on failure);
 * req is initialised by the caller (probe_req_init) and cleared by it
 * (probe_req_clear) whatever the outcome.
 *
 * Thread-safety: every function is reentrant (no shared state).
 */
#ifndef DP_SERVE_PARSE_H
#define DP_SERVE_PARSE_H

#include <jansson.h>
#include <stddef.h>
#include <sys/socket.h>

#include "probes/request.h"

#define SERVE_MAX_TIMEOUT_S 604800.0
#define SERVE_MAX_EPOCH_S   1e11
/* A request's start_time may be this far ahead of the service's clock. */
#define SERVE_MAX_AHEAD_S 86400.0

/* "127.0.0.1:9090", "[::1]:9090" into a socket address. */
int serve_parse_listen(const char *text, struct sockaddr_storage *ss, socklen_t *len);

/* A poll request body (either shape: ours with zone_name, Digaas's
 * /poll_requests with query_name) into *req (initialised by the caller,
 * finished here) and *rec, the fields to echo (caller owns). start_time
 * null or absent means now. On failure DP_EPARSE, field names the
 * offending field and msg says what is wrong; -ENOMEM leaves field empty. */
int serve_request_parse(const json_t *body, double now, probe_req_t *req, json_t **rec,
                        char *field, size_t fieldlen, char *msg, size_t msglen);
/* The same, the echo as the compact JSON text of an object (*text
 * malloc'd, the caller's; NULL on failure): what the service stores and
 * answers (jsonw's text), with no tree on the way. */
int serve_request_parse_text(const json_t *body, double now, probe_req_t *req,
                             char **text, char *field, size_t fieldlen, char *msg,
                             size_t msglen);

/* A POST /stats body: {start_time, end_time}, epoch seconds with
 * start_time < end_time, into *start and *end. On failure DP_EPARSE with
 * field and msg as serve_request_parse gives them. */
int serve_stats_parse(const json_t *body, double *start, double *end, char *field,
                      size_t fieldlen, char *msg, size_t msglen);

/* A Digaas /observers body (type ZONE_CREATE ... RECORD_DELETE, name,
 * nameserver, serial, rdata, rdatatype, start_time, interval, timeout)
 * into *req and *rec (Digaas's echo of it, plus "condition"), as
 * serve_request_parse does. serial 0 or absent means any SOA answers. */
int serve_observer_parse(const json_t *body, double now, probe_req_t *req, json_t **rec,
                         char *field, size_t fieldlen, char *msg, size_t msglen);

/* Digaas's POST /stats body: {start, end}, epoch seconds, start <= end. */
int serve_dstats_parse(const json_t *body, double *start, double *end, char *field,
                       size_t fieldlen, char *msg, size_t msglen);

/* Condition names of the statistics: Digaas's spellings fold into ours
 * (zone_removed is empty_response, data=<value> is value_present). */
const char *serve_cond_kind(const char *cond);

#endif
