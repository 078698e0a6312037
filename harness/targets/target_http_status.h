/*
 * target_http_status: the provider's own "in sync" claim for the http
 * target (target_http.c): after a change is acknowledged, its status URL
 * (filled from the same templates and captures as the change's call) is
 * asked at a fixed frequency until the JSON value at a pointer says in
 * sync or failed, a status code says the deleted object is gone, or the
 * status timeout passes. The keys, read by target_http.c:
 *
 *   status.url       = /v2/zones/${zone_id}     ; every kind with a K.url
 *   K.status.url     = /v2/zones/${zone_id}/recordsets/${recordset_id}
 *   status.method    = GET                      ; default GET
 *   status.pointer   = /status                  ; RFC 6901 (K.status.pointer)
 *   status.in_sync   = ACTIVE                   ; words: the value in sync
 *   status.failed    = ERROR                    ; words: the value failed
 *   status.gone      = 404                      ; after a delete: in sync
 *   status.frequency = 0.5                      ; s between asks (default 0.5)
 *   status.timeout   = 60                       ; s (default: [probe] timeout)
 *
 * The watcher is one thread with one libcurl multi handle for the whole
 * campaign (see target_http_status.c for why).
 *
 * Ownership: a target_http_status_conf_t owns its strings
 * (target_http_status_conf_clear); a watcher borrows its configuration,
 * which must outlive it. Thread-safety: target_http_status_answer is pure;
 * the watcher calls are as target.h says.
 */
#ifndef DP_TARGET_HTTP_STATUS_H
#define DP_TARGET_HTTP_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/targets/target.h"

#define TARGET_HTTP_STATUS_FREQUENCY 0.5 /* s, default status.frequency */
#define TARGET_HTTP_STATUS_GONE_MAX  8

typedef struct {
    char *method;             /* status.method (NULL: GET) */
    char *pointer;            /* status.pointer */
    char *kpointer[OP_KINDS]; /* K.status.pointer (NULL: pointer) */
    char **in_sync;           /* status.in_sync words */
    size_t nin_sync;
    char **failed; /* status.failed words */
    size_t nfailed;
    long gone[TARGET_HTTP_STATUS_GONE_MAX]; /* status.gone (default 404) */
    size_t ngone;
    double frequency; /* s */
    double timeout;   /* s; 0: the campaign's poll timeout */
} target_http_status_conf_t;

/* What one answer says about a change. */
typedef enum {
    TARGET_HTTP_STATUS_PENDING = 0, /* ask again */
    TARGET_HTTP_STATUS_IN_SYNC,
    TARGET_HTTP_STATUS_FAILED,
} target_http_status_answer_t;

/* One status.KEY = value (KEY after "status."): 0, DP_EEMPTY when KEY is
 * none of in_sync, failed, gone, frequency, timeout, DP_EPARSE with err
 * (what is wrong), -ENOMEM. method and pointer are kept by the caller. */
int target_http_status_conf_key(target_http_status_conf_t *sc, const char *key,
                                const char *value, char *err, size_t errlen);
void target_http_status_conf_clear(target_http_status_conf_t *sc);

/* The answer to a status ask for a change of kind: HTTP status code and
 * body (NUL-terminated). A code in gone after a delete is in sync; any
 * other non-2xx is pending (the API may lag behind its own 202); a 2xx
 * whose value at the pointer (a string as it is, a number in decimal,
 * true/false) is one of in_sync or failed says so. seen gets what was
 * read, for messages. */
target_http_status_answer_t target_http_status_answer(const target_http_status_conf_t *sc,
                                                      op_kind_t kind, long code,
                                                      const char *body, char *seen,
                                                      size_t seenlen);

/* A watcher (target.h). Requests are the http kind's: the op kind's digit,
 * a blank, the filled status URL. */
typedef struct {
    const target_http_status_conf_t *sc; /* borrowed, outlives the watcher */
    const char *const *headers;          /* header lines sent with every ask */
    size_t nheaders;
    long call_timeout; /* s per ask */
    double timeout;    /* s, the status timeout unless status.timeout */
    target_claim_fn cb;
    void *arg;
    void (*done)(void *owner); /* called last by destroy (NULL: none) */
    void *owner;
} target_http_watch_opts_t;

int target_http_status_watch_create(target_watch_t **out, const target_kind_t *kind,
                                    const target_http_watch_opts_t *o, char *err,
                                    size_t errlen);
int target_http_status_watch_add(target_watch_t *w, uint64_t tag, char *req);
void target_http_status_watch_destroy(target_watch_t *w);

#endif
