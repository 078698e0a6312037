/*
 * streams: poll requests and results over Redis Streams (see streams.h).
 */
#include <errno.h>
#include <hiredis.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/buf.h"
#include "harness/common/errcode.h"
#include "harness/common/vec.h"
#include "storage/record.h"
#include "storage/store_int.h"
#include "storage/streams.h"

#define PFX STORE_PREFIX

struct streams {
    redisContext *c;
};

/* Store one result once: nothing once the campaign is closed (it has
 * counted its results: a late one, from an agent that was stopped or cut
 * off, would make Redis disagree with the campaign's own report); else
 * the done-hash says whether poll@vantage has one already (a request
 * redelivered after its agent died, or was stalled, after storing but
 * before XACK); if not, the result gets the next seq, which begins its
 * compact record (storage/record.h), and goes to the campaign's results
 * list and its feed, all in one step. */
static const char *const store_lua =
    "if redis.call('EXISTS', KEYS[5]) == 1 then return -1 end\n"
    "if redis.call('HSETNX', KEYS[1], ARGV[1], '0') == 0 then return 0 end\n"
    "local seq = redis.call('INCR', KEYS[2])\n"
    "redis.call('HSET', KEYS[1], ARGV[1], seq)\n"
    "local rec = '" REC_MAGIC "' .. seq .. '\\t' .. ARGV[2]\n"
    "redis.call('RPUSH', KEYS[3], rec)\n"
    "redis.call('XADD', KEYS[4], '*', 'r', rec)\n"
    "return seq\n";

int streams_open(store_t *s, streams_t **out, char *err, size_t errlen)
{
    streams_t *st = calloc(1, sizeof(*st));

    *out = NULL;
    if (st == NULL)
        return -ENOMEM;
    st->c = store_redis_connect(s, err, errlen);
    if (st->c == NULL) {
        free(st);
        return DP_EEMPTY;
    }
    *out = st;
    return 0;
}

bool streams_broken(const streams_t *st)
{
    return st == NULL || st->c == NULL || st->c->err != 0;
}

void streams_close(streams_t *st)
{
    if (st == NULL)
        return;
    redisFree(st->c);
    free(st);
}

void streams_entries_free(streams_entry_t *e, size_t n)
{
    size_t i;

    for (i = 0; e != NULL && i < n; i++)
        free(e[i].payload);
    free(e);
}

static int reply_err(streams_t *st, redisReply *r, const char *what, char *err,
                     size_t errlen)
{
    snprintf(err, errlen, "%s: %s", what,
             r != NULL && r->type == REDIS_REPLY_ERROR ? r->str
             : st->c->err != 0                         ? st->c->errstr
                                                       : "unexpected reply");
    freeReplyObject(r);
    return DP_EEMPTY;
}

int streams_group_ensure(streams_t *st, const char *vantage, char *err, size_t errlen)
{
    redisReply *r = redisCommand(
        st->c, "XGROUP CREATE " PFX "polls:%s " STREAMS_GROUP " 0 MKSTREAM", vantage);

    if (r != NULL &&
        (r->type == REDIS_REPLY_STATUS ||
         (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "BUSYGROUP", 9) == 0))) {
        freeReplyObject(r);
        return 0;
    }
    return reply_err(st, r, "XGROUP CREATE", err, errlen);
}

int streams_publish(streams_t *st, const char *vantage, const char *payload, char *err,
                    size_t errlen)
{
    redisReply *r = redisCommand(st->c, "XADD " PFX "polls:%s * p %s", vantage, payload);

    if (r != NULL && r->type == REDIS_REPLY_STRING) {
        freeReplyObject(r);
        return 0;
    }
    return reply_err(st, r, "XADD", err, errlen);
}

/* Entries of one stream's reply ([id, [field, value, ...]] each; a nil
 * entry is one deleted meanwhile) whose field is want. */
static int take_entries(redisReply *arr, const char *want, streams_entry_t **out,
                        size_t *n)
{
    streams_entry_t *e;
    size_t cap = *n; /* *out holds at least *n entries */
    size_t i, k;

    if (arr == NULL || arr->type != REDIS_REPLY_ARRAY || arr->elements == 0)
        return 0;
    if (arr->elements > SIZE_MAX - *n || VEC_RESERVE(*out, cap, *n + arr->elements) < 0)
        return -ENOMEM;
    e = *out;
    for (i = 0; i < arr->elements; i++) {
        redisReply *ent = arr->element[i];
        redisReply *fv;
        if (ent == NULL || ent->type != REDIS_REPLY_ARRAY || ent->elements < 2 ||
            ent->element[0]->type != REDIS_REPLY_STRING)
            continue;
        fv = ent->element[1];
        for (k = 0; fv->type == REDIS_REPLY_ARRAY && k + 1 < fv->elements; k += 2) {
            if (strcmp(fv->element[k]->str, want) != 0)
                continue;
            snprintf(e[*n].id, sizeof(e[*n].id), "%s", ent->element[0]->str);
            e[*n].payload = strdup(fv->element[k + 1]->str);
            if (e[*n].payload == NULL)
                return -ENOMEM;
            (*n)++;
            break;
        }
    }
    return 0;
}

/* XREAD / XREADGROUP reply: nil on timeout, else [[stream, entries]]. */
static int read_reply(streams_t *st, redisReply *r, const char *field, const char *what,
                      streams_entry_t **out, size_t *n, char *err, size_t errlen)
{
    int ret = 0;

    *out = NULL;
    *n = 0;
    if (r != NULL && r->type == REDIS_REPLY_NIL) {
        freeReplyObject(r);
        return 0;
    }
    if (r == NULL || r->type != REDIS_REPLY_ARRAY)
        return reply_err(st, r, what, err, errlen);
    for (size_t i = 0; i < r->elements && ret == 0; i++) {
        redisReply *s = r->element[i];
        if (s->type == REDIS_REPLY_ARRAY && s->elements == 2)
            ret = take_entries(s->element[1], field, out, n);
    }
    freeReplyObject(r);
    if (ret < 0) {
        streams_entries_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return ret;
}

int streams_read(streams_t *st, const char *vantage, const char *consumer, unsigned count,
                 int block_ms, streams_entry_t **out, size_t *n, char *err, size_t errlen)
{
    redisReply *r = redisCommand(st->c,
                                 "XREADGROUP GROUP " STREAMS_GROUP
                                 " %s COUNT %u BLOCK %d STREAMS " PFX "polls:%s >",
                                 consumer, count, block_ms, vantage);

    return read_reply(st, r, "p", "XREADGROUP", out, n, err, errlen);
}

int streams_reclaim(streams_t *st, const char *vantage, const char *consumer,
                    int64_t min_idle_ms, unsigned count, streams_entry_t **out, size_t *n,
                    char *err, size_t errlen)
{
    redisReply *r = redisCommand(
        st->c, "XAUTOCLAIM " PFX "polls:%s " STREAMS_GROUP " %s %lld 0-0 COUNT %u",
        vantage, consumer, (long long)min_idle_ms, count);
    int ret;

    *out = NULL;
    *n = 0;
    /* [next start id, [entries], (Redis 7: [deleted ids])] */
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 2)
        return reply_err(st, r, "XAUTOCLAIM", err, errlen);
    ret = take_entries(r->element[1], "p", out, n);
    freeReplyObject(r);
    return ret;
}

int streams_touch(streams_t *st, const char *vantage, const char *consumer,
                  const char *const *ids, size_t n, char *err, size_t errlen)
{
    const char **argv;
    char key[256];
    size_t i;
    redisReply *r;

    if (n == 0)
        return 0;
    argv = calloc(n + 7, sizeof(char *));
    if (argv == NULL)
        return -ENOMEM;
    snprintf(key, sizeof(key), PFX "polls:%s", vantage);
    argv[0] = "XCLAIM";
    argv[1] = key;
    argv[2] = STREAMS_GROUP;
    argv[3] = consumer;
    argv[4] = "0";
    for (i = 0; i < n; i++)
        argv[5 + i] = ids[i];
    argv[5 + n] = "JUSTID";
    r = redisCommandArgv(st->c, (int)(n + 6), argv, NULL);
    free(argv);
    if (r != NULL && r->type == REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        return 0;
    }
    return reply_err(st, r, "XCLAIM", err, errlen);
}

int streams_store_result(streams_t *st, const char *campaign, const char *poll,
                         const char *vantage, const char *rec, uint64_t *seq, char *err,
                         size_t errlen)
{
    char k[5][700];
    char pv[300];
    json_error_t je;
    json_t *o = json_loads(rec, 0, &je);
    buf_t body = {0};
    redisReply *r;
    const char *argv[10];
    int i;

    *seq = 0;
    /* the script puts the seq in front of the rest of the record */
    if (!json_is_object(o) || record_encode(o, true, &body) < 0) {
        json_decref(o);
        buf_free(&body);
        snprintf(err, errlen, "result is not a JSON object");
        return DP_EPARSE;
    }
    json_decref(o);
    snprintf(k[0], sizeof(k[0]), PFX "campaign:%s:done", campaign);
    snprintf(k[1], sizeof(k[1]), PFX "campaign:%s:seq", campaign);
    snprintf(k[2], sizeof(k[2]), PFX "campaign:%s:results", campaign);
    snprintf(k[3], sizeof(k[3]), PFX "campaign:%s:feed", campaign);
    snprintf(k[4], sizeof(k[4]), PFX "campaign:%s:closed", campaign);
    snprintf(pv, sizeof(pv), "%s@%s", poll, vantage);
    argv[0] = "EVAL";
    argv[1] = store_lua;
    argv[2] = "5";
    for (i = 0; i < 5; i++)
        argv[3 + i] = k[i];
    argv[8] = pv;
    argv[9] = body.p != NULL ? body.p : "";
    r = redisCommandArgv(st->c, 10, argv, NULL);
    buf_free(&body);
    if (r != NULL && r->type == REDIS_REPLY_INTEGER) {
        *seq = r->integer < 0 ? STREAMS_SEQ_CLOSED : (uint64_t)r->integer;
        freeReplyObject(r);
        return 0;
    }
    return reply_err(st, r, "storing a result", err, errlen);
}

int streams_ack(streams_t *st, const char *vantage, const char *id, char *err,
                size_t errlen)
{
    redisReply *r =
        redisCommand(st->c, "XACK " PFX "polls:%s " STREAMS_GROUP " %s", vantage, id);

    if (r != NULL && r->type == REDIS_REPLY_INTEGER) {
        freeReplyObject(r);
        return 0;
    }
    return reply_err(st, r, "XACK", err, errlen);
}

int streams_agent_beat(streams_t *st, const char *vantage, const char *consumer,
                       json_t *fields, char *err, size_t errlen)
{
    const char *k;
    json_t *v;
    const char **argv = calloc(2 + 2 * json_object_size(fields) + 1, sizeof(char *));
    char **texts = calloc(json_object_size(fields) + 1, sizeof(char *));
    char key[300];
    size_t n = 0, i;
    redisReply *r;
    int ret = 0;

    if (argv == NULL || texts == NULL) {
        free(argv);
        free(texts);
        return -ENOMEM;
    }
    snprintf(key, sizeof(key), PFX "agent:%s:%s", vantage, consumer);
    argv[0] = "HSET";
    argv[1] = key;
    json_object_foreach(fields, k, v)
    {
        texts[n] = json_is_string(v) ? strdup(json_string_value(v))
                                     : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        argv[2 + 2 * n] = k;
        argv[3 + 2 * n] = texts[n] != NULL ? texts[n] : "";
        n++;
    }
    r = n > 0 ? redisCommandArgv(st->c, (int)(2 + 2 * n), argv, NULL) : NULL;
    if (n > 0 && (r == NULL || r->type == REDIS_REPLY_ERROR))
        ret = reply_err(st, r, "HSET agent", err, errlen);
    else
        freeReplyObject(r);
    for (i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
    free(argv);
    return ret;
}

int streams_feed_read(streams_t *st, const char *campaign, char last[64], int block_ms,
                      streams_entry_t **out, size_t *n, char *err, size_t errlen)
{
    redisReply *r =
        block_ms < 0
            ? redisCommand(st->c, "XREAD COUNT 1000 STREAMS " PFX "campaign:%s:feed %s",
                           campaign, last)
            : redisCommand(st->c,
                           "XREAD COUNT 1000 BLOCK %d STREAMS " PFX "campaign:%s:feed %s",
                           block_ms, campaign, last);
    int ret = read_reply(st, r, "r", "XREAD", out, n, err, errlen);

    if (ret == 0 && *n > 0)
        snprintf(last, 64, "%s", (*out)[*n - 1].id);
    return ret;
}

int streams_campaign_close(streams_t *st, const char *campaign, char *err, size_t errlen)
{
    redisReply *r = redisCommand(st->c, "SET " PFX "campaign:%s:closed 1", campaign);

    if (r != NULL && r->type == REDIS_REPLY_STATUS) {
        freeReplyObject(r);
        return 0;
    }
    return reply_err(st, r, "closing the campaign", err, errlen);
}

int streams_feed_drop(streams_t *st, const char *campaign)
{
    redisReply *r = redisCommand(
        st->c, "DEL " PFX "campaign:%s:feed " PFX "campaign:%s:done", campaign, campaign);

    freeReplyObject(r);
    return 0;
}
