/*
 * export: read campaigns back from Redis: the list of campaigns and every
 * result of one as CSV (libcsv quoting: names with commas or quotes stay
 * one field). Columns are a stable contract (store_csv_columns).
 *
 * A reader of what store.c writes: it uses store.c (its connection through
 * store_int.h, store_field_parse to decode hash fields); store.c uses
 * nothing of it. Each call opens and closes its own connection.
 */
#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/buf.h"
#include "harness/common/errcode.h"
#include "harness/common/jsonw.h"
#include "harness/common/vec.h"
#include "storage/record.h"
#include "storage/store.h"
#include "storage/store_int.h"

const char *const store_csv_columns[] = {
    "campaign",       "seq",          "id",          "op_id",   "op_kind",
    "vantage",        "ns_name",      "nameserver",  "name",    "type",
    "condition",      "expected",     "status",      "reason",  "start_time",
    "observed_at",    "duration",     "lower_bound", "queries", "answers",
    "rcode",          "serial",       "values",      "empty",   "frequency",
    "timeout",        "claim_status", "claimed_at",  "nsid",    "nsid_last",
    "plain_duration", "target",       "change",      NULL,
};

static json_t *hash_to_json(redisReply *h)
{
    json_t *o = json_object();
    size_t k;

    for (k = 0; h != NULL && h->type == REDIS_REPLY_ARRAY && k + 1 < h->elements; k += 2)
        json_object_set_new(o, h->element[k]->str,
                            store_field_parse(h->element[k + 1]->str));
    return o;
}

/* Drop from dnsprop:campaigns the ids of campaigns whose hash expired
 * (those in ids not listed in arr): the sorted set has no expiry of its
 * own, and would otherwise grow with every campaign ever run. */
static void prune_campaigns(redisContext *c, const redisReply *ids, const json_t *arr)
{
    size_t i, j = 0;

    for (i = 0; i < ids->elements; i++) {
        const char *kept =
            json_string_value(json_object_get(json_array_get(arr, j), "campaign"));
        redisReply *r;
        if (kept != NULL && strcmp(kept, ids->element[i]->str) == 0) {
            j++;
            continue;
        }
        r = redisCommand(c, "ZREM " STORE_PREFIX "campaigns %s", ids->element[i]->str);
        freeReplyObject(r);
    }
}

int store_list_campaigns(store_t *s, json_t **out, char *err, size_t errlen)
{
    redisContext *c = store_redis_connect(s, err, errlen);
    redisReply *ids = NULL;
    json_t *arr = NULL;
    size_t gone = 0;
    size_t i;
    int ret = 0;

    if (c == NULL)
        return DP_EEMPTY;
    ids = redisCommand(c, "ZRANGE " STORE_PREFIX "campaigns 0 -1");
    if (ids == NULL || ids->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "%s: ZRANGE failed: %s", store_where(s),
                 ids != NULL && ids->type == REDIS_REPLY_ERROR ? ids->str : c->errstr);
        ret = DP_EEMPTY;
        goto out;
    }
    arr = json_array();
    for (i = 0; i < ids->elements; i++)
        redisAppendCommand(c, "HGETALL " STORE_PREFIX "campaign:%s",
                           ids->element[i]->str);
    for (i = 0; i < ids->elements; i++) {
        redisReply *h = NULL;
        json_t *o;
        if (redisGetReply(c, (void **)&h) != REDIS_OK) {
            snprintf(err, errlen, "%s: %s", store_where(s), c->errstr);
            ret = DP_EEMPTY;
            goto out;
        }
        if (h->type == REDIS_REPLY_ARRAY && h->elements == 0) {
            /* expired ([storage] retention): its keys are gone, so is it */
            freeReplyObject(h);
            gone++;
            continue;
        }
        o = hash_to_json(h);
        json_object_set_new(o, "campaign", json_string(ids->element[i]->str));
        freeReplyObject(h);
        json_array_append_new(arr, o);
    }
    if (gone > 0)
        prune_campaigns(c, ids, arr);
out:
    freeReplyObject(ids);
    redisFree(c);
    if (ret < 0) {
        json_decref(arr);
        return ret;
    }
    *out = arr;
    return 0;
}

/* The text of one field of a stored result for CSV. */
static char *cell(json_t *rec, const char *col)
{
    json_t *v = json_object_get(rec, col);

    if (v == NULL || json_is_null(v))
        return strdup("");
    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (json_is_array(v)) {
        /* values: one field, members separated by '|' (which no canonical
         * value contains unescaped outside TXT, and TXT values are quoted) */
        buf_t b = {0};
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m)
        {
            const char *t = json_is_string(m) ? json_string_value(m) : "";
            if (i > 0)
                buf_add(&b, "|", 1);
            buf_add(&b, t, strlen(t));
        }
        if (b.oom) {
            buf_free(&b);
            return NULL;
        }
        return b.p != NULL ? b.p : strdup("");
    }
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(16));
}

typedef struct {
    char *json;
    size_t len;
    double start;
    long long seq;
} row_t;

static int cmp_row(const void *a, const void *b)
{
    const row_t *x = a;
    const row_t *y = b;

    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static void write_row(FILE *f, json_t *rec)
{
    size_t k;

    for (k = 0; store_csv_columns[k] != NULL; k++) {
        char *t = cell(rec, store_csv_columns[k]);
        if (k > 0)
            fputc(',', f);
        if (t != NULL)
            csv_fwrite(f, t, strlen(t));
        free(t);
    }
    fputc('\n', f);
}

/* Results of a campaign stored before records were compact: the list
 * holds seqs, and each result is the JSON at dnsprop:result:<id>:<seq>.
 * Pipelined GETs, in the list's order. */
static int read_legacy(redisContext *c, const char *campaign, redisReply *seqs,
                       store_each_fn each, void *arg)
{
    size_t j;
    int ret = 0;

    for (j = 0; j < seqs->elements; j++)
        redisAppendCommand(c, "GET " STORE_PREFIX "result:%s:%s", campaign,
                           seqs->element[j]->str);
    for (j = 0; j < seqs->elements; j++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK)
            return DP_EEMPTY;
        if (r->type == REDIS_REPLY_STRING && ret == 0 && each(r->str, r->len, arg) < 0)
            ret = -ENOMEM;
        freeReplyObject(r);
    }
    return ret;
}

/* The campaign's results list, STORE_READ_BATCH elements per LRANGE. */
#define STORE_READ_BATCH 8192

static int read_results(redisContext *c, const char *campaign, store_each_fn each,
                        void *arg, char *err, size_t errlen)
{
    long long from;
    int ret = 0;

    for (from = 0; ret == 0; from += STORE_READ_BATCH) {
        redisReply *l =
            redisCommand(c, "LRANGE " STORE_PREFIX "campaign:%s:results %lld %lld",
                         campaign, from, from + STORE_READ_BATCH - 1);
        size_t j;
        if (l == NULL || l->type != REDIS_REPLY_ARRAY) {
            snprintf(err, errlen, "cannot read campaign %s: %s", campaign,
                     l != NULL && l->type == REDIS_REPLY_ERROR ? l->str : c->errstr);
            freeReplyObject(l);
            return DP_EEMPTY;
        }
        if (l->elements > 0 &&
            !record_is_compact(l->element[0]->str, l->element[0]->len)) {
            ret = read_legacy(c, campaign, l, each, arg);
        } else {
            for (j = 0; j < l->elements && ret == 0; j++) {
                if (each(l->element[j]->str, l->element[j]->len, arg) < 0)
                    ret = -ENOMEM;
            }
        }
        if (ret == DP_EEMPTY)
            snprintf(err, errlen, "cannot read campaign %s: %s", campaign, c->errstr);
        else if (ret < 0)
            snprintf(err, errlen, "out of memory");
        if (l->elements < STORE_READ_BATCH) {
            freeReplyObject(l);
            break;
        }
        freeReplyObject(l);
    }
    return ret;
}

int store_read_campaign(store_t *s, const char *campaign, json_t **meta,
                        store_each_fn each, void *arg, char *err, size_t errlen)
{
    redisContext *c = store_redis_connect(s, err, errlen);
    redisReply *h = NULL;
    int ret = 0;

    if (meta != NULL)
        *meta = NULL;
    if (c == NULL)
        return DP_EEMPTY;
    h = redisCommand(c, "HGETALL " STORE_PREFIX "campaign:%s", campaign);
    if (h == NULL || h->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "%s: cannot read campaign %s: %s", store_where(s), campaign,
                 h != NULL && h->type == REDIS_REPLY_ERROR ? h->str : c->errstr);
        ret = DP_EEMPTY;
        goto out;
    }
    if (h->elements == 0) {
        snprintf(err, errlen, "no campaign '%s' in %s ('dnsprop campaigns' lists them)",
                 campaign, store_where(s));
        ret = DP_EEMPTY;
        goto out;
    }
    if (meta != NULL)
        *meta = hash_to_json(h);
    ret = read_results(c, campaign, each, arg, err, errlen);
out:
    if (ret < 0 && meta != NULL) {
        json_decref(*meta);
        *meta = NULL;
    }
    freeReplyObject(h);
    redisFree(c);
    return ret;
}

typedef struct {
    row_t *all;
    size_t n, cap;
    record_t rec; /* scratch */
} rows_t;

/* Keep a result's text (compact: a third of its JSON) and what it sorts
 * by; rows are turned into JSON one at a time when written. */
static int collect_row(const char *text, size_t len, void *arg)
{
    rows_t *rs = arg;
    row_t *row;
    double start;
    int64_t seq = 0;

    if (record_is_compact(text, len)) {
        if (record_decode(&rs->rec, text, len) < 0)
            return 0; /* damaged: skipped, as a CSV row could not hold it */
        start = record_num(&rs->rec, RF_START_TIME);
        record_int(&rs->rec, RF_SEQ, &seq);
    } else {
        json_t *o = record_text_to_json(text, len, NULL);
        if (o == NULL)
            return 0;
        start = json_number_value(json_object_get(o, "start_time"));
        seq = (int64_t)json_integer_value(json_object_get(o, "seq"));
        json_decref(o);
    }
    row = VEC_PUSH(rs->all, rs->n, rs->cap);
    if (row == NULL)
        return -ENOMEM;
    row->json = malloc(len + 1);
    if (row->json == NULL) {
        rs->n--; /* the row is not kept */
        return -ENOMEM;
    }
    memcpy(row->json, text, len + 1);
    row->len = len;
    row->start = isnan(start) ? 0 : start;
    row->seq = seq;
    return 0;
}

int store_export(store_t *s, const char *campaign, FILE *f, bool jsonl, size_t *rows,
                 char *err, size_t errlen)
{
    rows_t rs;
    size_t i;
    size_t k;
    int ret;

    *rows = 0;
    memset(&rs, 0, sizeof(rs));
    ret = store_read_campaign(s, campaign, NULL, collect_row, &rs, err, errlen);
    if (ret < 0)
        goto out;
    /* the index is in storing order, the export in start_time order */
    if (rs.n > 0)
        qsort(rs.all, rs.n, sizeof(*rs.all), cmp_row);
    for (k = 0; !jsonl && store_csv_columns[k] != NULL; k++) {
        if (k > 0)
            fputc(',', f);
        csv_fwrite(f, store_csv_columns[k], strlen(store_csv_columns[k]));
    }
    if (!jsonl)
        fputc('\n', f);
    for (i = 0; i < rs.n && !ferror(f); i++) {
        json_t *rec = record_text_to_json(rs.all[i].json, rs.all[i].len, campaign);
        if (rec == NULL)
            continue;
        if (jsonl) {
            char *t = jsonw_dumps(rec);
            if (t != NULL)
                fprintf(f, "%s\n", t);
            free(t);
        } else {
            write_row(f, rec);
        }
        json_decref(rec);
        (*rows)++;
    }
    /* (errno as the failed write left it: a reader gone is EPIPE, SIGPIPE
     * being ignored; the rest is not written into a closed pipe) */
    if (ferror(f)) {
        snprintf(err, errlen, "write error after %zu rows: %s", *rows, strerror(errno));
        ret = -EIO;
    }
out:
    for (i = 0; i < rs.n; i++)
        free(rs.all[i].json);
    free(rs.all);
    record_clear(&rs.rec);
    return ret;
}
