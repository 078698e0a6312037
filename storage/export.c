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
#include <stdlib.h>
#include <string.h>

#include "harness/common/buf.h"
#include "harness/common/errcode.h"
#include "harness/common/vec.h"
#include "storage/store.h"
#include "storage/store_int.h"

const char *const store_csv_columns[] = {
    "campaign",  "seq",        "id",           "op_id",       "op_kind",   "vantage",
    "ns_name",   "nameserver", "name",         "type",        "condition", "expected",
    "status",    "reason",     "start_time",   "observed_at", "duration",  "lower_bound",
    "queries",   "answers",    "rcode",        "serial",      "values",    "empty",
    "frequency", "timeout",    "claim_status", "claimed_at",  NULL,
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

int store_list_campaigns(store_t *s, json_t **out, char *err, size_t errlen)
{
    redisContext *c = store_redis_connect(s, err, errlen);
    redisReply *ids = NULL;
    json_t *arr = NULL;
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
        o = hash_to_json(h);
        json_object_set_new(o, "campaign", json_string(ids->element[i]->str));
        freeReplyObject(h);
        json_array_append_new(arr, o);
    }
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

int store_read_campaign(store_t *s, const char *campaign, json_t **meta,
                        store_each_fn each, void *arg, char *err, size_t errlen)
{
    redisContext *c = store_redis_connect(s, err, errlen);
    redisReply *seqs = NULL;
    redisReply *h = NULL;
    size_t i;
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
    seqs = redisCommand(c, "LRANGE " STORE_PREFIX "campaign:%s:results 0 -1", campaign);
    if (seqs == NULL || seqs->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "%s: cannot read campaign %s: %s", store_where(s), campaign,
                 seqs != NULL && seqs->type == REDIS_REPLY_ERROR ? seqs->str : c->errstr);
        ret = DP_EEMPTY;
        goto out;
    }
    /* Pipelined reads, a thousand at a time, in storing order. */
    for (i = 0; i < seqs->elements; i += 1000) {
        size_t n = seqs->elements - i < 1000 ? seqs->elements - i : 1000;
        size_t j;
        for (j = 0; j < n; j++)
            redisAppendCommand(c, "GET " STORE_PREFIX "result:%s:%s", campaign,
                               seqs->element[i + j]->str);
        for (j = 0; j < n; j++) {
            redisReply *r = NULL;
            if (redisGetReply(c, (void **)&r) != REDIS_OK) {
                snprintf(err, errlen, "%s: %s", store_where(s), c->errstr);
                ret = DP_EEMPTY;
                goto out;
            }
            if (r->type == REDIS_REPLY_STRING && ret == 0 && each(r->str, arg) < 0) {
                snprintf(err, errlen, "out of memory");
                ret = -ENOMEM;
            }
            freeReplyObject(r);
        }
    }
out:
    if (ret < 0 && meta != NULL) {
        json_decref(*meta);
        *meta = NULL;
    }
    freeReplyObject(h);
    freeReplyObject(seqs);
    redisFree(c);
    return ret;
}

typedef struct {
    row_t *all;
    size_t n, cap;
} rows_t;

static int collect_row(const char *text, void *arg)
{
    rows_t *rs = arg;
    json_error_t je;
    json_t *rec = json_loads(text, 0, &je);
    row_t *row;
    int ret = 0;

    if (rec == NULL)
        return 0; /* not a result: skipped, as a CSV row could not hold it */
    row = VEC_PUSH(rs->all, rs->n, rs->cap);
    if (row == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    row->json = strdup(text);
    row->start = json_number_value(json_object_get(rec, "start_time"));
    row->seq = (long long)json_integer_value(json_object_get(rec, "seq"));
    if (row->json == NULL) {
        rs->n--; /* the row is not kept */
        ret = -ENOMEM;
    }
out:
    json_decref(rec);
    return ret;
}

int store_export_csv(store_t *s, const char *campaign, FILE *f, size_t *rows, char *err,
                     size_t errlen)
{
    rows_t rs = {NULL, 0, 0};
    size_t i;
    size_t k;
    int ret;

    *rows = 0;
    ret = store_read_campaign(s, campaign, NULL, collect_row, &rs, err, errlen);
    if (ret < 0)
        goto out;
    /* the index is in storing order, the export in start_time order */
    if (rs.n > 0)
        qsort(rs.all, rs.n, sizeof(*rs.all), cmp_row);
    for (k = 0; store_csv_columns[k] != NULL; k++) {
        if (k > 0)
            fputc(',', f);
        csv_fwrite(f, store_csv_columns[k], strlen(store_csv_columns[k]));
    }
    fputc('\n', f);
    for (i = 0; i < rs.n; i++) {
        json_error_t je;
        json_t *rec = json_loads(rs.all[i].json, 0, &je);
        if (rec == NULL)
            continue;
        write_row(f, rec);
        json_decref(rec);
        (*rows)++;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "write error: %s", strerror(errno));
        ret = -EIO;
    }
out:
    for (i = 0; i < rs.n; i++)
        free(rs.all[i].json);
    free(rs.all);
    return ret;
}
