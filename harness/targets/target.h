/*
 * target: where the workload's changes go. One file per kind, each a
 * table entry (target_kind_t, as dnsperf's transports in src/net.h) that
 * reads its own [target NAME] keys and provides the operations:
 *
 *   powerdns  target_pdns.c     the PowerDNS Authoritative HTTP API (libcurl)
 *   rfc2136   target_rfc2136.c  DNS UPDATE signed with TSIG (ldns)
 *   http      target_http.c     any REST API, from request templates
 *   exec      target_exec.c     a command per operation, from argv templates
 *
 * Adding a kind is one new file defining its target_kind_t, plus its line
 * in the table of target.c (and its declaration below). The scenario
 * reader (harness/scenario) knows no kind's keys: for each key of a
 * [target NAME] section it calls target_conf_key(), after expanding
 * ${VAR} as target_conf_keeps() says; `type` picks the kind
 * (target_conf_set_kind()), and target_conf_check() checks the section
 * once the file is read.
 *
 * Ownership: a target_conf_t owns its strings and the kind's
 * configuration (target_conf_clear() frees them); it is read-only once
 * the scenario is loaded and must outlive every target_t made from it. A
 * target_t is one connection's worth of state (a CURL handle, an ldns
 * resolver): not thread-safe; give each API worker its own
 * (target_create() and target_destroy() may run on different threads for
 * different targets; http targets made from one target_conf_t share
 * their captured values under a lock). The op-kind helpers and the table
 * look-ups are pure and thread-safe.
 */
#ifndef DP_TARGET_H
#define DP_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    OP_ZONE_CREATE = 0,
    OP_ZONE_UPDATE,
    OP_ZONE_DELETE,
    OP_RECORD_CREATE,
    OP_RECORD_UPDATE,
    OP_RECORD_DELETE,
    OP_KINDS,
} op_kind_t;

/* "zone_create" ... "record_delete" ("unknown" out of range). */
const char *op_kind_str(op_kind_t kind);
/* 0 and *out, or DP_EPARSE for a word that names no operation kind. */
int op_kind_from_str(const char *s, op_kind_t *out);

typedef struct {
    op_kind_t kind;
    const char *zone; /* canonical, trailing dot */
    const char *name; /* canonical owner (records) */
    uint16_t type;
    uint32_t ttl;        /* as given: 0 is a TTL (RFC 2181 section 8) */
    char *const *values; /* zone-file form (canonical), REPLACE */
    size_t nvalues;
} target_op_t;

typedef struct {
    double submit_time; /* epoch s, when the call started */
    double ack_time;    /* epoch s, when the API acknowledged */
    long status;        /* HTTP status (powerdns, http), DNS RCODE (rfc2136, -1: no
                           answer), exit status (exec); 0 if none */
    unsigned retries;   /* transient failures retried before the acknowledgement */
    char error[512];    /* the server's message when it failed */
    /* What to ask the provider to learn whether it holds the change as in
     * sync (the kind's own form, e.g. the http kind's filled status URL),
     * or NULL when the kind or its configuration cannot say. Malloc'd by
     * apply; the caller hands it to target_watch_add() or frees it. */
    char *claim_req;
} target_ack_t;

/* The provider's own "in sync" claim about one change (Designate's status
 * ACTIVE, Route 53's INSYNC, Google Cloud DNS's done), as a watcher
 * reports it. A stage of its own, compared with what the nameservers
 * serve: a provider may claim sync before every nameserver serves the
 * change. */
typedef enum {
    TARGET_CLAIM_NONE = 0,  /* not asked: the target cannot report one */
    TARGET_CLAIM_IN_SYNC,   /* it said the change is live (claimed_at) */
    TARGET_CLAIM_FAILED,    /* it said the change failed */
    TARGET_CLAIM_TIMEOUT,   /* it said neither within the status timeout */
    TARGET_CLAIM_CANCELLED, /* the campaign stopped before it said */
} target_claim_t;

/* "none", "in_sync", "failed", "timeout", "cancelled": the stored words. */
const char *target_claim_str(target_claim_t c);
/* The claim a stored word names; TARGET_CLAIM_NONE for any other. */
target_claim_t target_claim_from_str(const char *s);

/* A watcher: asks the provider about acknowledged changes at its own
 * frequency, on its own thread, and calls back once per change (on that
 * thread) with the claim and, for TARGET_CLAIM_IN_SYNC, claimed_at (epoch
 * s, realtime clock: when the answer saying so arrived; NAN otherwise).
 * Each kind's watcher embeds this first. */
typedef struct target_watch {
    const struct target_kind *kind;
} target_watch_t;

typedef void (*target_claim_fn)(uint64_t tag, target_claim_t claim, double claimed_at,
                                void *arg);

typedef struct target_kind target_kind_t;

/* One [target NAME] section. */
typedef struct {
    char *name;                /* NAME (first: the scenario finds sections by it) */
    const target_kind_t *kind; /* from type = (NULL until set) */
    int line;                  /* the section's first key, for messages */
    char *tsig;                /* tsig_key, or the first line of tsig_key_file:
                                  "ALGORITHM:NAME:BASE64SECRET". rfc2136 signs its
                                  UPDATEs with it; any kind's primary is read by
                                  AXFR with it (zone sync). NULL: none */
    void *conf;                /* the kind's own keys (opaque; kind->conf_size) */
} target_conf_t;

/* A target: each kind's state embeds this first. */
typedef struct target {
    const target_conf_t *cfg;
} target_t;

struct target_kind {
    const char *name; /* the word of `type =` */
    const char *keys; /* its keys, for "unknown key (...)" (not type, tsig_*) */
    bool tsig;        /* takes tsig_key / tsig_key_file */
    size_t conf_size; /* the configuration, zeroed before the first key */
    /* Whether ${var} in key's value is left as written (the kind fills
     * it), not taken from the environment. NULL: never. */
    bool (*keeps)(const char *key, const char *var);
    /* One key = value (value expanded). 0; DP_EEMPTY when key is none of
     * the kind's; DP_EPARSE with err saying what is wrong (the caller
     * adds FILE:LINE: [target NAME] key:); -ENOMEM. */
    int (*conf_key)(void *conf, const char *key, const char *value, char *err,
                    size_t errlen);
    /* Once every key is read: 0, or DP_EPARSE with *key the key at fault
     * and err what is wrong (e.g. "missing"). NULL: nothing to check. */
    int (*conf_check)(const void *conf, const char **key, char *err, size_t errlen);
    /* The value given for key (expanded), NULL when none. */
    const char *(*conf_get)(const void *conf, const char *key);
    void (*conf_clear)(void *conf); /* frees what the kind's keys allocated */
    /* A target from cfg (cfg->kind is this kind); err names [target NAME]. */
    int (*create)(target_t **out, const target_conf_t *cfg, char *err, size_t errlen);
    int (*apply)(target_t *t, const target_op_t *op, target_ack_t *ack);
    /* The zone's SOA serial as the primary has it now. */
    int (*zone_serial)(target_t *t, const char *zone, uint32_t *serial);
    void (*destroy)(target_t *t);
    /* The provider's claim (optional: NULL for kinds that cannot report
     * one). A watcher for cfg: DP_EEMPTY when its configuration asks for
     * no claim; timeout: the campaign's poll timeout, the default of the
     * kind's own. */
    int (*watch_create)(target_watch_t **out, const target_conf_t *cfg, double timeout,
                        target_claim_fn cb, void *arg, char *err, size_t errlen);
    /* Watch one change (tag: the caller's; req: from its target_ack_t,
     * taken). -ENOMEM, or DP_EUSAGE once the watcher is stopping: then
     * no call back comes for it. Thread-safe. */
    int (*watch_add)(target_watch_t *w, uint64_t tag, char *req);
    /* Stop: the changes still watched are called back CANCELLED (on the
     * watcher's thread) before it ends; then free. */
    void (*watch_destroy)(target_watch_t *w);
};

extern const target_kind_t target_kind_powerdns;
extern const target_kind_t target_kind_rfc2136;
extern const target_kind_t target_kind_http;
extern const target_kind_t target_kind_exec;

/* The kind named name, or NULL. */
const target_kind_t *target_kind_find(const char *name);

/* ---- configuration (the scenario reader, tools) ---------------------------- */

/* An empty section named name: 0 or -ENOMEM. */
int target_conf_init(target_conf_t *tc, const char *name);
/* type = NAME (NULL: the default kind, powerdns). DP_EPARSE and err for
 * an unknown kind or a section that already has another one; -ENOMEM. */
int target_conf_set_kind(target_conf_t *tc, const char *type, char *err, size_t errlen);
/* Whether ${var} in key's value stays as written (see target_kind_t). */
bool target_conf_keeps(const target_conf_t *tc, const char *key, const char *var);
/* key = value (expanded; not type; the kind is set). 0, DP_EPARSE with
 * err (what is wrong, without the location), -ENOMEM. */
int target_conf_key(target_conf_t *tc, const char *key, const char *value, char *err,
                    size_t errlen);
/* The section is complete? 0, or DP_EPARSE with *key and err. */
int target_conf_check(const target_conf_t *tc, const char **key, char *err,
                      size_t errlen);
/* The value given for key ("type" and "tsig_key" included), or NULL. */
const char *target_conf_get(const target_conf_t *tc, const char *key);
void target_conf_clear(target_conf_t *tc);

/* ---- for the kinds ------------------------------------------------------------ */

/* Replace *dst by a copy of v: 0 or -ENOMEM. */
int target_set_str(char **dst, const char *v);
/* The first line of the file at path into *dst (a key file): 0, DP_EPARSE
 * with err "cannot read PATH: why", -ENOMEM. */
int target_read_key_file(char **dst, const char *path, char *err, size_t errlen);

/* The keys of the kinds that call an HTTP API (powerdns, http). */
typedef struct {
    char *url;     /* url: the API's base */
    char *api_key; /* api_key, or the first line of api_key_file */
    char *catalog; /* catalog: new zones join this catalog zone (optional) */
} target_api_conf_t;

#define TARGET_API_KEYS "url, api_key, api_key_file, catalog"

/* As target_kind_t.conf_key, for url, api_key, api_key_file, catalog. */
int target_api_conf_key(target_api_conf_t *a, const char *key, const char *value,
                        char *err, size_t errlen);
const char *target_api_conf_get(const target_api_conf_t *a, const char *key);
void target_api_conf_clear(target_api_conf_t *a);

/* ---- targets (the driver) ------------------------------------------------------ */

/* A target of cfg's kind (cfg outlives it). 0, or a negative code and err. */
int target_create(target_t **out, const target_conf_t *cfg, char *err, size_t errlen);

static inline int target_apply(target_t *t, const target_op_t *op, target_ack_t *ack)
{
    return t->cfg->kind->apply(t, op, ack);
}

static inline int target_zone_serial(target_t *t, const char *zone, uint32_t *serial)
{
    return t->cfg->kind->zone_serial(t, zone, serial);
}

static inline void target_destroy(target_t *t)
{
    if (t != NULL)
        t->cfg->kind->destroy(t);
}

/* A watcher of the provider's claims for changes made through cfg's
 * targets: 0 and *out, DP_EEMPTY (and *out NULL) when the kind or the
 * configuration reports none, or a negative code and err. */
int target_watch_create(target_watch_t **out, const target_conf_t *cfg, double timeout,
                        target_claim_fn cb, void *arg, char *err, size_t errlen);

static inline int target_watch_add(target_watch_t *w, uint64_t tag, char *req)
{
    return w->kind->watch_add(w, tag, req);
}

static inline void target_watch_destroy(target_watch_t *w)
{
    if (w != NULL)
        w->kind->watch_destroy(w);
}

#endif
