/*
 * store: every result dnsprop measures, in Redis, without loss.
 *
 * One writer thread owns its hiredis context and pipelines: results come
 * in through a queue (store_put_result never blocks on Redis), and each
 * round trip carries a whole batch (one SET per result and one multi-
 * member ZADD per index). While Redis is unreachable, batches go to a
 * spool file (JSON lines); they are replayed when it answers again and
 * at the end. Keys are deterministic (campaign + sequence number), so a
 * replay can never store a result twice. Schema: see README, "Results in
 * Redis".
 *
 * With no URL, a private redis-server (unix socket, append-only file with
 * appendfsync always) is started under embedded_dir and stopped by
 * store_close(), unless one is already serving there.
 *
 * store_open() makes the process ignore SIGPIPE (unless it is handled):
 * a write to a Redis that just died must fail and spool, not kill.
 *
 * Other modules of storage/ use the same server: requests.h (the poll
 * service's requests) and streams.h (probe agents); export.c holds the
 * readers below. Only storage/ talks to Redis.
 *
 * Ownership: a store_t belongs to the thread that opened it, which closes
 * it; the writer thread and the embedded server are its own. Records given
 * to store_put_result are taken; meta given to the campaign calls is
 * borrowed; JSON handed out (*meta, *out) belongs to the caller.
 *
 * Thread-safety: store_campaign_id, store_field_parse and
 * store_meta_normalise are pure; store_put_result, store_add_produced, store_pause,
 * store_set_spool, store_flush, store_replay_spool(s) and the readers
 * (store_list_campaigns, store_export, store_read_campaign) may be called from any
 * thread (e.g. the probe pool's result callback); store_open, store_close and
 * store_campaign_begin/end from the owning thread only, the campaign calls
 * while no result is being put.
 */
#ifndef DP_STORE_H
#define DP_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define STORE_PREFIX               "dnsprop:"
#define STORE_DEFAULT_EMBEDDED_DIR "results/.redis"

typedef struct store store_t;

typedef struct {
    const char *url;           /* NULL: the embedded private redis-server */
    const char *password_file; /* or REDISCLI_AUTH, or in the URL */
    const char *embedded_dir;  /* NULL: STORE_DEFAULT_EMBEDDED_DIR */
    const char *spool_path;    /* NULL: no spooling (results wait in memory) */
    /* Seconds a campaign's keys (its hash and results) are kept after its
     * last write ([storage] retention, --retention); 0: forever. */
    double retention;
} store_opts_t;

typedef struct {
    uint64_t produced; /* results handed to store_put_result */
    uint64_t written;  /* acknowledged by Redis (first try or replay) */
    uint64_t spooled;  /* results that went through the spool file */
    uint64_t in_spool; /* still in the spool file (Redis down at the end) */
    uint64_t stored;   /* results of the campaign counted in Redis at the end */
    uint64_t expired;  /* removed by age (store_trim_results): not lost */
    uint64_t batches;  /* pipelined round trips */
    uint64_t outages;  /* times the connection was lost */
} store_stats_t;

int store_open(store_t **out, const store_opts_t *opts, char *err, size_t errlen);
/* The URL shown to users (password redacted), or "embedded (PATH)". */
const char *store_where(const store_t *s);

/* A campaign's id: name-YYYYmmddTHHMMSSZ of start (UTC); campaigns that are
 * not stored take it as it is, store_campaign_begin makes it unique. */
void store_campaign_id(const char *name, double start, char *id, size_t idlen);
/* Start a campaign named name: its id is name-YYYYmmddTHHMMSSZ (made
 * unique in Redis). meta (borrowed) is stored in its hash, with start. */
int store_campaign_begin(store_t *s, const char *name, double start, json_t *meta,
                         char *id, size_t idlen);
/* Where results go while Redis is away (e.g. the campaign's folder), from
 * now on. NULL keeps them in memory. */
int store_set_spool(store_t *s, const char *path);
/* Hold queued results (true) or let the writer go on (false): for
 * measuring the pipeline alone. A flush (store_campaign_end) releases. */
void store_pause(store_t *s, bool paused);
/* Queue one result of the current campaign; takes ownership of rec and
 * adds campaign and seq to it. The index fields it reads: start_time,
 * ns_name (or nameserver), op_kind. */
int store_put_result(store_t *s, json_t *rec);
/* Results of the current campaign stored by others (probe agents): counted
 * as produced, for the count check at the end. */
void store_add_produced(store_t *s, uint64_t n);
/* The same, for a record already in its compact form without seq (body:
 * storage/record.h record_encode_probe, or record_encode with skip_seq):
 * the store puts its seq in front, as store_put_result does. */
int store_put_record(store_t *s, const char *body, size_t len);
/* Write everything (waiting up to timeout_s for an absent Redis), store
 * meta (borrowed: end time, clock, ...) and the counts, and compare the
 * results produced with those stored. */
int store_campaign_end(store_t *s, json_t *meta, double end, double timeout_s,
                       store_stats_t *st);
/* Wait up to timeout_s until everything queued or spooled is in Redis;
 * -ETIMEDOUT when something is still waiting. */
int store_flush(store_t *s, double timeout_s);
/* Replay a spool file a campaign left behind (it was killed, or ended
 * while Redis was away) into Redis on a connection of its own, and empty
 * it: safe beside a writer appending to it (flock) and after a partial
 * earlier replay (batch markers). *nresults gets the results replayed. 0
 * when there is no such file or it is empty; < 0 with err saying why,
 * and the file left as it was. */
int store_replay_spool(store_t *s, const char *path, size_t *nresults, char *err,
                       size_t errlen);
/* The same for every RESULTS/<campaign>/spool.jsonl under results;
 * *nspools counts the files that held results. */
int store_replay_spools(store_t *s, const char *results, size_t *nresults,
                        size_t *nspools, char *err, size_t errlen);
/* Stop the writer (after a final flush) and the embedded server. */
void store_close(store_t *s);

/* Readers: each call opens its own connection and closes it. */
int store_list_campaigns(store_t *s, json_t **out, char *err, size_t errlen);
/* Every result of campaign, in start_time order, as CSV (header row,
 * stable columns) or, with jsonl, as one JSON object per line with every
 * field the result has; *rows gets the count. */
int store_export(store_t *s, const char *campaign, FILE *f, bool jsonl, size_t *rows,
                 char *err, size_t errlen);

/* A long-running campaign's (a monitor's) results whose start_time is
 * before `before` (epoch s) removed from the head of its list, where the
 * oldest are (storage/aging.c); *removed counts them, and the count check
 * at the end counts them as stored. At most 65,536 a call. 0, or a
 * negative code with err saying why. */
int store_trim_results(store_t *s, const char *campaign, double before, size_t *removed,
                       char *err, size_t errlen);

/* A campaign's metadata (its hash, fields parsed by store_field_parse)
 * into *meta (caller owns), then each stored result, in storing order, to
 * each(): its text (len bytes, NUL-terminated), a compact record
 * (storage/record.h: rec_decode, or rec_text_to_json for either form) or,
 * for a campaign stored before records were compact, its JSON. Read in
 * batches: memory does not grow with the campaign. A negative return
 * from each() stops with -ENOMEM. DP_EEMPTY when there is no such
 * campaign or Redis fails (err says which). */
typedef int (*store_each_fn)(const char *text, size_t len, void *arg);
int store_read_campaign(store_t *s, const char *campaign, json_t **meta,
                        store_each_fn each, void *arg, char *err, size_t errlen);
/* A hash field's value: its JSON text parsed, else the plain string. */
json_t *store_field_parse(const char *text);
/* meta as the campaign's hash gives it back: every field through the
 * text it is stored as (so "007" comes back as the number 7). */
json_t *store_meta_normalise(const json_t *meta);

/* The stable CSV columns, NULL-terminated (JSON field names). */
extern const char *const store_csv_columns[];

#endif
