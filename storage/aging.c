/*
 * aging: a long-running campaign's oldest results dropped once they are
 * older than its retention (see store.h, store_trim_results).
 *
 * [storage] retention expires a campaign's keys a retention after its
 * last write; a monitor writes every interval for weeks, so its list would
 * never expire and grow without bound. Its results are trimmed by age
 * instead: the list is in arrival order (RPUSH), which is start_time order
 * up to a poll's length, so the old ones are at its head. LTRIM removes
 * them at once, and a concurrent RPUSH (the store's writer) only appends
 * at the tail: nothing younger is lost.
 */
#include <errno.h>
#include <hiredis.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "storage/record.h"
#include "storage/store.h"
#include "storage/store_int.h"

/* Results read at a time, and at most per call (a trim runs every few
 * minutes: a backlog goes in several). */
#define AGING_BATCH 1024
#define AGING_MAX   (64 * AGING_BATCH)

/* The start_time of a stored result, compact or JSON; NAN when none. */
static double start_time_of(record_t *rec, const char *text, size_t len)
{
    json_t *o;
    double t;

    if (record_is_compact(text, len))
        return record_decode(rec, text, len) == 0 ? record_num(rec, RF_START_TIME) : NAN;
    o = json_loadb(text, len, 0, NULL);
    t = json_is_number(json_object_get(o, "start_time"))
            ? json_number_value(json_object_get(o, "start_time"))
            : NAN;
    json_decref(o);
    return t;
}

/* How many results at the head of key are older than before. */
static long count_old(redisContext *c, const char *key, double before, char *err,
                      size_t errlen)
{
    record_t rec;
    long n = 0;

    memset(&rec, 0, sizeof(rec));
    while (n < AGING_MAX) {
        redisReply *r = redisCommand(c, "LRANGE %s %ld %ld", key, n, n + AGING_BATCH - 1);
        size_t i;
        if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
            snprintf(err, errlen, "LRANGE %s: %s", key,
                     r != NULL && r->type == REDIS_REPLY_ERROR ? r->str : c->errstr);
            freeReplyObject(r);
            n = DP_EEMPTY;
            break;
        }
        for (i = 0; i < r->elements; i++) {
            const redisReply *e = r->element[i];
            double t =
                e->type == REDIS_REPLY_STRING ? start_time_of(&rec, e->str, e->len) : NAN;
            if (!(t < before)) /* (a result without a time stops the walk too) */
                break;
            n++;
        }
        bool more = i == r->elements && r->elements == AGING_BATCH;
        freeReplyObject(r);
        if (!more)
            break;
    }
    record_clear(&rec);
    return n;
}

int store_trim_results(store_t *s, const char *campaign, double before, size_t *removed,
                       char *err, size_t errlen)
{
    redisContext *c = store_redis_connect(s, err, errlen);
    char key[700];
    long n;
    int ret = 0;

    *removed = 0;
    if (c == NULL)
        return DP_EEMPTY;
    snprintf(key, sizeof(key), STORE_PREFIX "campaign:%s:results", campaign);
    n = count_old(c, key, before, err, errlen);
    if (n < 0) {
        ret = (int)n;
    } else if (n > 0) {
        redisReply *r = redisCommand(c, "LTRIM %s %ld -1", key, n);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            snprintf(err, errlen, "LTRIM %s: %s", key, r != NULL ? r->str : c->errstr);
            ret = DP_EEMPTY;
        } else {
            *removed = (size_t)n;
            store_count_expired(s, (uint64_t)n);
        }
        freeReplyObject(r);
    }
    redisFree(c);
    return ret;
}
