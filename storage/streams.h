/*
 * streams: poll requests and results over Redis Streams, between a
 * campaign (`dnsprop run` with [probe] mode = agents) and probe agents
 * (`dnsprop agent`) on any number of hosts.
 *
 * Keys (all under dnsprop:):
 *   polls:<vantage>                  stream of poll requests, field "p" (JSON:
 *                                    {"campaign","poll","req","rec"}); consumer
 *                                    group "agents": each entry goes to one agent
 *                                    of the vantage
 *   campaign:<id>:feed               stream of the results as stored, field "r",
 *                                    which the campaign reads back
 *   campaign:<id>:done               hash poll@vantage -> seq: a result is stored
 *                                    once, whoever probes a redelivered request
 *   campaign:<id>:seq                counter of the agents' result seqs
 *   campaign:<id>:closed             set when the campaign has counted its
 *                                    results: nothing is stored after it
 *   agent:<vantage>:<consumer>       hash: host pid started seen clock inflight
 *                                    results (a heartbeat, once a second)
 * A result is stored (result key, the campaign's index lists, the feed) by
 * one Lua script, atomically, only when its poll@vantage is new; the agent
 * acknowledges the request (XACK) after that. An agent that dies leaves its
 * requests pending; the others take them over (XAUTOCLAIM) once they have
 * been idle reclaim_after seconds, and a live agent keeps its own from
 * going idle (XCLAIM ... JUSTID) while it is still probing them.
 *
 * A streams_t is one connection: not thread-safe, one per thread. Once
 * streams_broken() says so (the server went away: hiredis cannot use the
 * connection again), the owner closes it and opens a new one; nothing
 * here reconnects behind its back, so that every caller decides how long
 * it may wait.
 */
#ifndef DP_STREAMS_H
#define DP_STREAMS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/store.h"

#define STREAMS_GROUP "agents"

typedef struct streams streams_t;

typedef struct {
    char id[64];   /* stream entry id */
    char *payload; /* the "p" (or "r") field, malloc'd */
} streams_entry_t;

int streams_open(store_t *s, streams_t **out, char *err, size_t errlen);
void streams_close(streams_t *st);
/* The connection is lost (an I/O error, or st NULL): close it and open a
 * new one. A command that failed otherwise (a Redis error reply) leaves
 * it usable. */
bool streams_broken(const streams_t *st);
void streams_entries_free(streams_entry_t *e, size_t n);

/* The vantage's stream and its consumer group, whoever comes first. */
int streams_group_ensure(streams_t *st, const char *vantage, char *err, size_t errlen);
/* XADD a poll request (JSON text) for vantage. */
int streams_publish(streams_t *st, const char *vantage, const char *payload, char *err,
                    size_t errlen);

/* Agent side. New entries for this consumer (XREADGROUP ... >), waiting
 * up to block_ms. */
int streams_read(streams_t *st, const char *vantage, const char *consumer, unsigned count,
                 int block_ms, streams_entry_t **out, size_t *n, char *err,
                 size_t errlen);
/* Entries idle at least min_idle_ms, taken over by this consumer
 * (XAUTOCLAIM, Redis >= 6.2). */
int streams_reclaim(streams_t *st, const char *vantage, const char *consumer,
                    int64_t min_idle_ms, unsigned count, streams_entry_t **out, size_t *n,
                    char *err, size_t errlen);
/* Reset the idle time of entries this consumer still works on. */
int streams_touch(streams_t *st, const char *vantage, const char *consumer,
                  const char *const *ids, size_t n, char *err, size_t errlen);
/* Store one result (rec: a JSON object text, stored compact) of poll@vantage in campaign,
 * once: *seq gets its seq, 0 when it was stored already, STREAMS_SEQ_CLOSED
 * when the campaign is closed (the result is too late to count). */
#define STREAMS_SEQ_CLOSED UINT64_MAX
int streams_store_result(streams_t *st, const char *campaign, const char *poll,
                         const char *vantage, const char *rec, uint64_t *seq, char *err,
                         size_t errlen);
int streams_ack(streams_t *st, const char *vantage, const char *id, char *err,
                size_t errlen);
/* Heartbeat: the agent's hash (fields given as a JSON object). */
int streams_agent_beat(streams_t *st, const char *vantage, const char *consumer,
                       json_t *fields, char *err, size_t errlen);

/* Campaign side: results in the feed after *last (an entry id, "0" at
 * first; updated), waiting up to block_ms (< 0: not at all). */
int streams_feed_read(streams_t *st, const char *campaign, char last[64], int block_ms,
                      streams_entry_t **out, size_t *n, char *err, size_t errlen);
/* The campaign has counted its results: no agent stores one after this
 * (the results stored before it are all in the feed, to be read). */
int streams_campaign_close(streams_t *st, const char *campaign, char *err, size_t errlen);
/* Drop the campaign's feed and done-hash (the results and the closed mark
 * stay); only once it is closed, so that no late result is stored twice. */
int streams_feed_drop(streams_t *st, const char *campaign);

#endif
