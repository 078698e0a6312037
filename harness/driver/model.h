/*
 * model: what a campaign changes, the operations and the zones and records
 * they act on, with the values they set (reproducible from the scenario's
 * seed).
 *
 * An operation (op_t) is made by the scheduling thread, handed to an API
 * worker through the queue (harness/driver/workers.h), then polled for
 * (harness/driver/polls.h) until its change has been seen everywhere. A
 * record or zone takes one change at a time: it is busy from the moment
 * an operation on it is made until that operation's polls are all done
 * (model_op_release), so that a later change cannot overtake an earlier
 * one before it was seen.
 *
 * Ownership and thread-safety: the model owns its zones, records and
 * operations (and every string in them), freed by model_clear. It is not
 * locked itself: every call here, and every read of zones[] and recs[],
 * is made under the driver's lock (drv_t.mu), except
 *   - model_op_at: operations never move once made (pages of pointers),
 *     so a thread that got an id after the operation was made (a probe
 *     pool thread, from a poll submitted for it) may look it up unlocked;
 *   - the fields of an op_t that are set before it is queued (kind, zname,
 *     target, name, type, value, vals, ttl, due, phase, rate): read-only
 *     afterwards, read by any thread.
 */
#ifndef DP_DRIVER_MODEL_H
#define DP_DRIVER_MODEL_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/scenario/scenario.h"
#include "harness/targets/target.h"

typedef struct {
    char *name; /* canonical */
    char *zone; /* its zone's name (the zone's string) */
    size_t zidx;
    uint16_t type;
    char *value;   /* canonical, what it holds */
    unsigned busy; /* operations on it in flight or still propagating (one
                      per target a change went to) */
    bool alive;
    bool mix;     /* made by a phase's mix: retired once gone (model_retire) */
    long hnext;   /* the next record in its bucket of model_t.rh, or -1 */
    uint64_t seq; /* 1, 2, ... as made (slots are reused: the newest of a
                     name is the highest seq, not the highest index) */
} rec_t;

typedef struct {
    char *name;
    unsigned busy; /* as rec_t's */
    bool deleting; /* its delete is in flight: no record may be created in it */
    bool alive;
    bool existing; /* there before the campaign ([phase] zone =): never deleted */
    bool mix;      /* made by a phase's mix: retired once gone (model_keep) */
    bool retired;  /* gone and written down (name NULL once its slot is free) */
    uint64_t seq;  /* 1, 2, ... as made (as rec_t's) */
    const target_conf_t *target; /* the first of its targets */
    /* the targets it was created on, one bit per [target] (scenario
     * order): every change to it goes to each ([phase] targets =) */
    uint64_t tmask;
} zone_t;

typedef struct op {
    uint64_t id; /* 1, 2, ... in the order they were made */
    op_kind_t kind;
    size_t zone; /* index in zones */
    /* Copied from zones[zone] when queued (under the lock): other threads
     * read these without it, while the zones array may be reallocated. */
    const char *zname;
    const target_conf_t *target;
    /* A change sent to several targets is one operation per target (each
     * its own acknowledgement and polls, on that target's nameservers):
     * change is the first one's id, for every one of them; nchange how
     * many there are (1: a change to one target). */
    uint64_t change;
    unsigned nchange;
    long rec; /* index in recs, -1 for zone operations */
    char *name;
    uint16_t type;
    char *value; /* canonical, NULL for deletes */
    char **vals; /* several values (zone sync), else NULL */
    size_t nvals;
    uint32_t ttl;      /* when ttl_set (0 is a TTL: RFC 2181 section 8) */
    bool ttl_set;      /* else the target gets 60 s */
    double due;        /* monotonic s (timebase_mono_ns) when scheduled */
    double sent;       /* monotonic s when a worker took it to the target */
    const char *phase; /* the phase that made it ("" for tables) */
    double rate;       /* the phase's scheduled rate when it was due; NAN */
    /* Written by its API worker, then read under the lock. */
    target_ack_t ack;
    bool failed;
    bool applied;    /* the API call returned (ack is final), under the lock */
    uint32_t serial; /* zone operations, and record operations measured by
                        ZS_BY_SERIAL: serial after the change */
    /* Zone sync's record operations (harness/scenario/zonecut.h): how the
     * change is seen (a zs_measure_t; ZS_BY_ANSWER elsewhere) and the zone
     * cut it is at or below (NULL when none). */
    unsigned char measure;
    char *cut;
    /* Its polls (harness/driver/polls.c): atomics, updated by the pool
     * threads without the lock. The provider's claim, when watched, is
     * one more expected "poll" (the name is held until it is in). */
    _Atomic uint64_t polls; /* expected << 32 | done, and a "reaped" bit */
    /* The provider's claim (target.h): watched is set by its API worker
     * before the polls are submitted; the rest under drv_t.claim_mu,
     * final once claim_done. Its results wait in held (a JSON array of
     * records) until then, so that each is stored with the claim. */
    bool watched;
    bool claim_done;
    target_claim_t claim;
    double claimed_at; /* epoch s; NAN unless TARGET_CLAIM_IN_SYNC */
    json_t *held;
    _Atomic unsigned ncompleted, ntimeout, nerror;
    _Atomic double max_duration;
    _Atomic double max_primary, max_secondary; /* the same per role (the stages) */
    /* Threads using it now (an API worker applying it, a result or claim
     * being counted): polls_retire frees an operation only when none does
     * and nothing more can come for it. polled: its polls were counted
     * (polls_submit), under the driver's lock. */
    _Atomic unsigned users;
    bool polled;
    struct op *qnext; /* the API queue's link (under the lock) */
} op_t;

/* Operations per page of the operation table. */
#define MODEL_OP_PAGE  4096u
#define MODEL_OP_PAGES 16384u /* a ring: 64 M operations in flight at most */

typedef struct {
    const scenario_t *sc;
    zone_t *zones;
    size_t nzones, capzones;
    rec_t *recs;
    size_t nrecs, caprecs;
    /* records by (name, type) for model_find_rec: bucket heads (indexes
     * in recs, -1 none), a power of two at least twice the records */
    long *rh;
    size_t nrh;
    op_t ***pages; /* a ring of npages pages of MODEL_OP_PAGE operations */
    size_t npages; /* MODEL_OP_PAGES (a test may make it smaller) */
    size_t nops;
    uint64_t first_live;   /* every operation below this id is freed */
    const char *cur_phase; /* what model_op_new stamps on new operations */
    double cur_rate;
    uint64_t cur_tmask; /* the targets of zones made now (0: their own) */
    uint64_t rng;       /* xorshift64* state, from the seed */
    /* Retirement: a campaign of any length holds the zones and records
     * still there or still changing, not every one it ever made. A mix's
     * record (or zone) gone for good and idle is written down as ABSENT
     * in the journal (a temporary file, read back by
     * model_intended_state) and its slot reused. A zone's slot waits until
     * every operation made before it retired is freed (an operation keeps
     * a pointer to its zone's name: op_t.zname); until then its index is
     * in zlimbo with that bound. */
    FILE *journal;          /* NULL: nothing retired (or no temporary file) */
    uint64_t nretired;      /* entries in the journal */
    uint64_t retired_tmask; /* the targets of the retired zones */
    size_t zones_made;      /* every zone added, retired ones too (names) */
    uint64_t recs_made;     /* every record added (rec_t.seq) */
    size_t *free_recs, nfree_recs, capfree_recs;
    size_t *free_zones, nfree_zones, capfree_zones;
    struct model_limbo {
        size_t zone;
        uint64_t below; /* free once first_live passes it */
    } * zlimbo;
    size_t nzlimbo, capzlimbo;
} model_t;

int model_init(model_t *m, const scenario_t *sc);
void model_clear(model_t *m);

/* The next pseudo-random number (xorshift64*). */
uint64_t model_rand(model_t *m);
/* A random canonical value of type for operation n (malloc'd), NULL on
 * error. */
char *model_gen_value(model_t *m, uint16_t type, uint64_t n);

/* A new operation of kind (id nops + 1), stamped with the current phase
 * and rate; NULL on ENOMEM, or when 64 M operations are in flight (the
 * ring's slot for its page still holds one, see MODEL_OP_PAGES). */
op_t *model_op_new(model_t *m, op_kind_t kind);
/* Operation id (1 <= id <= nops; see the header's note on threads); NULL
 * once freed (model_op_free). */
op_t *model_op_at(const model_t *m, uint64_t id);
/* Free operation id, done with (its page too once all of it is): a
 * campaign holds the operations still in flight, not every one it made. */
void model_op_free(model_t *m, uint64_t id);

/* Add a zone (not alive, not busy) on target t (on cur_tmask's targets
 * when set): its index, or SIZE_MAX on ENOMEM. */
size_t model_zone_add(model_t *m, const char *name, const target_conf_t *t);
/* Add a record of zone (value may be NULL): its index, or -1 on ENOMEM. */
long model_rec_add(model_t *m, size_t zone, const char *name, uint16_t type,
                   const char *value);
/* The last zone / record so named, or -1. */
long model_find_zone(const model_t *m, const char *name);
long model_find_rec(const model_t *m, const char *name, uint16_t type);
/* Zone zi (and record ri, when >= 0) never to be retired: a phase that
 * found it by name holds its index while it waits (unlocked) for it to
 * be idle, and a mix's own zone or record would otherwise be retired and
 * its slot reused meanwhile. */
void model_keep(model_t *m, long zi, long ri);
/* A record of zone zi still changing or propagating: a zone deleted then
 * would make its polls time out (the servers answer REFUSED for the zone,
 * which is not "gone" for a record). */
bool model_zone_recs_busy(const model_t *m, size_t zi);
/* Something is busy (an operation in flight or propagating). */
bool model_busy(const model_t *m);

/* The next operation of kind k for a phase's mix (its zone or record
 * marked busy); NULL when none fits. */
op_t *model_make_op(model_t *m, const scen_phase_t *ph, op_kind_t k);
/* A zone update or delete of zone zi (a TXT at the apex for an update,
 * which moves the serial), the zone marked busy; NULL on ENOMEM. */
op_t *model_zone_op(model_t *m, op_kind_t k, size_t zi);
/* A zone_create of name (a new zone, busy), NULL on ENOMEM. */
op_t *model_zone_create_op(model_t *m, const char *name);
/* A record_create of (name, type, text) in zone zi (a new record, busy). */
op_t *model_record_op(model_t *m, size_t zi, const char *name, uint16_t type,
                      const char *text);
/* The same change as op, for target t: a new operation (its own id, op's
 * change), its record or zone one more time busy; NULL on ENOMEM. */
op_t *model_op_sibling(model_t *m, const op_t *op, const target_conf_t *t);
/* One operation on the record (or zone) of op is done: once none is, it
 * may take its next change. */
void model_op_release(model_t *m, op_t *op);
/* The API call of op returned (ret 0: acknowledged; created: a zone was
 * made, even if its serial could not be read then): the zones' and
 * records' state from now on. A failed operation is released. */
void model_op_applied(model_t *m, op_t *op, int ret, bool created);

/* Free the slots of retired zones no operation can point to any more
 * (every operation below first_live is freed): after polls_retire. */
void model_collect(model_t *m);

/* What the workload meant the target to hold: every zone and record it
 * touched, PRESENT (with its values) or ABSENT (a new object), the
 * retired ones read back from the journal (when it cannot be read, the
 * rest, and "incomplete" saying so); NULL without memory. */
json_t *model_intended_state(const model_t *m);

#endif
