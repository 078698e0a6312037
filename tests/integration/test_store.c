/*
 * The store against a real redis-server (DNSPROP_TEST_REDIS, started by
 * tests/run-tests.sh): results in, counts checked, CSV export read back
 * with libcsv field by field, names with commas and quotes included; the
 * poll service's requests (storage/requests.h) under their README keys.
 */
#include <criterion/criterion.h>
#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pthread.h>

#include "harness/common/timebase.h"
#include "storage/requests.h"
#include "storage/record.h"
#include "storage/store.h"
#include <hiredis.h>

static const char *redis_url(void)
{
    const char *u = getenv("DNSPROP_TEST_REDIS");
    if (u == NULL)
        cr_assert_fail("DNSPROP_TEST_REDIS is not set: run through tests/run-tests.sh");
    return u;
}

/* columns a row may have: more than store_csv_columns (checked below) */
#define STORE_TEST_COLS 64

typedef struct {
    char *cells[64][STORE_TEST_COLS];
    size_t nrows, ncol;
} table_t;

static void on_field(void *s, size_t len, void *data)
{
    table_t *t = data;
    if (t->nrows < 64 && t->ncol < STORE_TEST_COLS)
        t->cells[t->nrows][t->ncol++] = strndup(s, len);
}

static void on_row(int c, void *data)
{
    table_t *t = data;
    (void)c;
    t->nrows++;
    t->ncol = 0;
}

static int col(table_t *t, const char *name)
{
    int k;
    for (k = 0; k < STORE_TEST_COLS && t->cells[0][k] != NULL; k++)
        if (strcmp(t->cells[0][k], name) == 0)
            return k;
    cr_assert_fail("no column %s", name);
    return -1;
}

#define NREC 20

Test(store, results_counted_and_exported_as_csv, .timeout = 60)
{
    store_opts_t so = {0};
    store_t *s = NULL;
    store_stats_t st;
    char err[512];
    char id[256];
    char names[NREC][128];
    double start = timebase_real_s();
    FILE *f;
    struct csv_parser p;
    table_t t;
    char buf[4096];
    size_t n, rows = 0;
    int i, k;

    so.url = redis_url();
    cr_assert_eq(store_open(&s, &so, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(store_campaign_begin(s, "unit", start, NULL, id, sizeof(id)), 0);
    for (i = 0; i < NREC; i++) {
        json_t *r = json_object();
        /* Names CSV must quote: commas, double quotes, both. */
        snprintf(names[i], sizeof(names[i]),
                 i % 3 == 0   ? "a,b%d.test."
                 : i % 3 == 1 ? "q\"uote%d.test."
                              : "plain%d.test.",
                 i);
        json_object_set_new(r, "name", json_string(names[i]));
        json_object_set_new(r, "status", json_string(i % 2 ? "COMPLETED" : "TIMEOUT"));
        json_object_set_new(r, "start_time", json_real(start + i));
        json_object_set_new(r, "duration", i % 2 ? json_real(0.25 * i) : json_null());
        json_object_set_new(r, "ns_name", json_string(i % 2 ? "knot" : "bind"));
        json_object_set_new(r, "op_kind", json_string("record_create"));
        json_object_set_new(r, "values",
                            json_pack("[ss]", "192.0.2.1", "\"txt, \\\"x\\\"\""));
        cr_assert_eq(store_put_result(s, r), 0);
    }
    cr_assert_eq(store_campaign_end(s, NULL, timebase_real_s(), 10, &st), 0);
    cr_expect_eq(st.produced, NREC);
    cr_expect_eq(st.stored, NREC);
    cr_expect_eq(st.written, NREC);

    f = tmpfile();
    cr_assert_not_null(f);
    cr_assert_eq(store_export(s, id, f, false, &rows, err, sizeof(err)), 0, "%s", err);
    cr_expect_eq(rows, NREC);
    rewind(f);
    memset(&t, 0, sizeof(t));
    cr_assert_eq(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI), 0);
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        cr_assert_eq(csv_parse(&p, buf, n, on_field, on_row, &t), n, "%s",
                     csv_strerror(csv_error(&p)));
    cr_assert_eq(csv_fini(&p, on_field, on_row, &t), 0);
    csv_free(&p);
    fclose(f);

    cr_assert_eq(t.nrows, NREC + 1, "header + %d rows, got %zu", NREC, t.nrows);
    for (k = 0; store_csv_columns[k] != NULL; k++) {
        cr_assert_lt(k, STORE_TEST_COLS);
        cr_expect_str_eq(t.cells[0][k], store_csv_columns[k]);
    }
    for (i = 0; i < NREC; i++) {
        char *const *row = t.cells[i + 1];
        char seq[16];
        snprintf(seq, sizeof(seq), "%d", i + 1);
        cr_expect_str_eq(row[col(&t, "name")], names[i]);
        cr_expect_str_eq(row[col(&t, "seq")], seq);
        cr_expect_str_eq(row[col(&t, "campaign")], id);
        cr_expect_str_eq(row[col(&t, "status")], i % 2 ? "COMPLETED" : "TIMEOUT");
        cr_expect_str_eq(row[col(&t, "values")], "192.0.2.1|\"txt, \\\"x\\\"\"");
        if (i % 2)
            cr_expect_float_eq(strtod(row[col(&t, "duration")], NULL), 0.25 * i, 1e-9);
        else
            cr_expect_str_eq(row[col(&t, "duration")], "");
    }
    for (i = 0; i <= NREC; i++)
        for (k = 0; k < STORE_TEST_COLS; k++)
            free(t.cells[i][k]);
    store_close(s);
}

Test(store, campaign_ids_are_unique, .timeout = 30)
{
    store_opts_t so = {0};
    store_t *s = NULL;
    char err[512];
    char a[256], b[256];
    store_stats_t st;
    json_t *list = NULL;
    double now = timebase_real_s();
    size_t i;
    json_t *c;
    int seen = 0;

    so.url = redis_url();
    cr_assert_eq(store_open(&s, &so, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(store_campaign_begin(s, "same", now, NULL, a, sizeof(a)), 0);
    store_campaign_end(s, NULL, now, 5, &st);
    cr_assert_eq(store_campaign_begin(s, "same", now, NULL, b, sizeof(b)), 0);
    store_campaign_end(s, NULL, now, 5, &st);
    cr_expect_str_neq(a, b);
    cr_assert_eq(store_list_campaigns(s, &list, err, sizeof(err)), 0, "%s", err);
    json_array_foreach(list, i, c)
    {
        const char *id = json_string_value(json_object_get(c, "campaign"));
        seen += strcmp(id, a) == 0 || strcmp(id, b) == 0;
    }
    cr_expect_eq(seen, 2);
    json_decref(list);
    store_close(s);
}

/* A batch whose transaction ran but whose reply was lost is spooled and
 * replayed: its marker must make the replay a no-op (no result indexed
 * twice), while a batch that never ran is applied. */
Test(store, replay_skips_batches_already_applied, .timeout = 60)
{
    store_opts_t so = {0};
    store_t *s = NULL;
    store_stats_t st;
    char err[512];
    char id[256];
    char spool[] = "/tmp/dnsprop-spool-XXXXXX";
    redisContext *c;
    redisReply *r;
    char marker[256] = "";
    FILE *f;
    int fd;
    int i;

    so.url = redis_url();
    cr_assert_eq(store_open(&s, &so, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(
        store_campaign_begin(s, "replay", timebase_real_s(), NULL, id, sizeof(id)), 0);
    for (i = 0; i < 10; i++) {
        json_t *rec =
            json_pack("{s:s, s:f, s:s, s:s}", "status", "COMPLETED", "start_time",
                      timebase_real_s(), "ns_name", "knot", "op_kind", "probe");
        cr_assert_eq(store_put_result(s, rec), 0);
    }
    cr_assert_eq(store_campaign_end(s, NULL, timebase_real_s(), 10, &st), 0);
    store_close(s);
    s = NULL;

    /* Rebuild, as a spool would hold it, the batch that carried them. */
    fd = mkstemp(spool);
    cr_assert_geq(fd, 0);
    f = fdopen(fd, "w");
    {
        /* the store's own connection parameters: host:port/db of the URL */
        const char *url = redis_url();
        char host[64];
        int port = 0, db = 0;
        cr_assert_eq(sscanf(url, "redis://%63[^:]:%d/%d", host, &port, &db), 3, "%s",
                     url);
        c = redisConnect(host, port);
        cr_assert(c != NULL && c->err == 0);
        r = redisCommand(c, "SELECT %d", db);
        freeReplyObject(r);
    }
    r = redisCommand(c, "LRANGE dnsprop:campaign:%s:results 0 -1", id);
    cr_assert_eq(r->elements, 10);
    freeReplyObject(r);
    /* markers are bits of a bitmap per writer (dnsprop:batches:<writer>),
     * numbered in order, and expire */
    r = redisCommand(c, "KEYS dnsprop:batches:*");
    cr_assert_geq(r->elements, 1);
    {
        /* Replaying every marker of ours must add nothing. */
        size_t k;
        for (k = 0; k < r->elements; k++) {
            redisReply *v = redisCommand(c, "TTL %s", r->element[k]->str);
            cr_expect_gt(v->integer, 0, "markers expire");
            freeReplyObject(v);
            for (int n = 0; n < 64; n++) {
                redisReply *bit = redisCommand(c, "GETBIT %s %d", r->element[k]->str, n);
                char m[256];
                redisReply *l;
                int set = bit->integer == 1;
                freeReplyObject(bit);
                if (!set)
                    continue;
                snprintf(m, sizeof(m), "dnsprop:batch:%s:%d",
                         r->element[k]->str + strlen("dnsprop:batches:"), n);
                if (marker[0] == '\0')
                    snprintf(marker, sizeof(marker), "%s", m);
                {
                    redisReply *e = redisCommand(c, "EXISTS %s", m);
                    cr_expect_eq(e->integer, 0, "a bit, not a key per batch: %s", m);
                    freeReplyObject(e);
                }
                fprintf(f, "b%s\n", m);
                l = redisCommand(c, "LRANGE dnsprop:campaign:%s:results 0 -1", id);
                for (i = 0; i < (int)l->elements; i++) {
                    /* the spool holds JSON lines; the store compact records */
                    json_t *o =
                        record_text_to_json(l->element[i]->str, l->element[i]->len, id);
                    char *t = json_dumps(o, JSON_COMPACT);
                    cr_assert_not_null(t, "a stored record decodes: %s",
                                       l->element[i]->str);
                    fprintf(f, "r%s\n", t);
                    free(t);
                    json_decref(o);
                }
                freeReplyObject(l);
            }
        }
    }
    freeReplyObject(r);
    /* and one batch that never ran: result 11 */
    fprintf(f, "bdnsprop:batch:never-ran-%s:1\n", id);
    fprintf(f,
            "r{\"campaign\":\"%s\",\"seq\":11,\"status\":\"TIMEOUT\",\"start_time\":1.0,"
            "\"ns_name\":\"knot\",\"op_kind\":\"probe\"}\n",
            id);
    fclose(f);

    so.spool_path = spool;
    cr_assert_eq(store_open(&s, &so, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(store_flush(s, 10), 0);
    store_close(s);

    r = redisCommand(c, "LLEN dnsprop:campaign:%s:results", id);
    cr_expect_eq(r->integer, 11, "10 replayed as already there, 1 new: got %lld",
                 (long long)r->integer);
    freeReplyObject(r);
    r = redisCommand(c, "LINDEX dnsprop:campaign:%s:results -1", id);
    cr_assert_eq(r->type, REDIS_REPLY_STRING);
    {
        json_t *o = record_text_to_json(r->str, r->len, id);
        cr_expect_eq(json_integer_value(json_object_get(o, "seq")), 11);
        cr_expect_str_eq(json_string_value(json_object_get(o, "status")), "TIMEOUT");
        json_decref(o);
    }
    freeReplyObject(r);
    {
        FILE *g = fopen(spool, "r");
        cr_assert_not_null(g);
        cr_expect_eq(fgetc(g), EOF, "the spool is emptied after the replay");
        fclose(g);
    }
    cr_expect_neq(marker[0], '\0');
    unlink(spool);
    redisFree(c);
}

/* ---- the service's requests (storage/requests.h) ---- */

/* A connection of the test's own, to look at the keys directly. */
static redisContext *raw_connect(void)
{
    const char *url = redis_url();
    char host[64];
    int port = 0, db = 0;
    redisContext *c;
    redisReply *r;

    cr_assert_eq(sscanf(url, "redis://%63[^:]:%d/%d", host, &port, &db), 3, "%s", url);
    c = redisConnect(host, port);
    cr_assert(c != NULL && c->err == 0);
    r = redisCommand(c, "SELECT %d", db);
    freeReplyObject(r);
    return c;
}

static void raw_drop(redisContext *c, const char *id)
{
    freeReplyObject(redisCommand(c, "DEL dnsprop:request:%s", id));
    freeReplyObject(redisCommand(c, "ZREM dnsprop:requests %s", id));
    freeReplyObject(redisCommand(c, "SREM dnsprop:requests:pending %s", id));
    freeReplyObject(
        redisCommand(c, "DEL dnsprop:stats:%s dnsprop:stats:%s:summary", id, id));
    freeReplyObject(redisCommand(c, "SREM dnsprop:stats:pending %s", id));
}

static char *raw_get(redisContext *c, const char *fmt, const char *id)
{
    redisReply *r = redisCommand(c, fmt, id);
    char *t = r != NULL && r->type == REDIS_REPLY_STRING ? strdup(r->str) : NULL;

    freeReplyObject(r);
    return t;
}

static long long raw_int(redisContext *c, const char *fmt, const char *id)
{
    redisReply *r = redisCommand(c, fmt, id);
    long long v = r != NULL && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;

    freeReplyObject(r);
    return v;
}

/* In how many expiry buckets is id (requests:expiring's)? */
static int in_bucket(redisContext *c, const char *id)
{
    redisReply *bs = redisCommand(c, "ZRANGE dnsprop:requests:expiring 0 -1");
    int n = 0;

    cr_assert(bs != NULL && bs->type == REDIS_REPLY_ARRAY);
    for (size_t i = 0; i < bs->elements; i++) {
        redisReply *m = redisCommand(c, "SISMEMBER dnsprop:requests:expiring:%s %s",
                                     bs->element[i]->str, id);
        n += m != NULL && m->type == REDIS_REPLY_INTEGER && m->integer == 1;
        freeReplyObject(m);
    }
    freeReplyObject(bs);
    return n;
}

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    char last[64];
    int written;
} written_t;

static void on_written(const char *id, void *arg)
{
    written_t *w = arg;

    pthread_mutex_lock(&w->mu);
    snprintf(w->last, sizeof(w->last), "%s", id);
    w->written++;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->mu);
}

typedef struct {
    const char *want;
    int seen;
    char text[256];
} seen_t;

static void on_pending(const char *id, const char *text, void *arg)
{
    seen_t *sn = arg;

    if (strcmp(id, sn->want) == 0) {
        sn->seen++;
        snprintf(sn->text, sizeof(sn->text), "%s", text);
    }
}

static void on_stats_pending(const char *id, void *arg)
{
    (void)id;
    (void)arg;
}

static int on_range(const char *text, size_t len, void *arg)
{
    seen_t *sn = arg;

    if (strlen(text) == len && strstr(text, sn->want) != NULL)
        sn->seen++;
    return 0;
}

static void test_id(char *id, size_t len, const char *what)
{
    snprintf(id, len, "test-%s-%ld-%lld", what, (long)getpid(),
             (long long)timebase_mono_ns());
}

Test(store, requests_new_final_and_read_back, .timeout = 60)
{
    store_opts_t so = {0};
    store_t *s = NULL;
    store_req_t *rq = NULL;
    written_t w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, "", 0};
    redisContext *c = raw_connect();
    char err[512];
    char id[64];
    char text[256];
    char *got = NULL;
    double start = 1700000000.125;
    seen_t sn = {id, 0, ""};

    test_id(id, sizeof(id), "req");
    snprintf(text, sizeof(text), "{\"id\":\"%s\",\"status\":\"ACCEPTED\"}", id);
    so.url = redis_url();
    cr_assert_eq(store_open(&s, &so, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(store_req_open(s, on_written, &w, 0, &rq, err, sizeof(err)), 0, "%s",
                 err);

    /* new: the three keys of README's schema, at once */
    cr_assert_eq(store_req_put_new(rq, id, text, start, err, sizeof(err)), 0, "%s", err);
    got = raw_get(c, "GET dnsprop:request:%s", id);
    cr_expect_str_eq(got, text);
    free(got);
    got = raw_get(c, "ZSCORE dnsprop:requests %s", id);
    cr_expect_not_null(got);
    cr_expect_eq(got != NULL ? strtod(got, NULL) : 0, start);
    free(got);
    cr_expect_eq(raw_int(c, "SISMEMBER dnsprop:requests:pending %s", id), 1);
    cr_expect_eq(store_req_get(rq, id, &got, err, sizeof(err)), 1, "%s", err);
    cr_expect_str_eq(got, text);
    free(got);

    /* what a restart finds, and what /stats reads */
    cr_assert_eq(
        store_req_pending(rq, on_pending, on_stats_pending, &sn, err, sizeof(err)), 0,
        "%s", err);
    cr_expect_eq(sn.seen, 1);
    cr_expect_str_eq(sn.text, text);
    sn.seen = 0;
    cr_assert_eq(
        store_req_range(rq, start - 1, start + 1, on_range, &sn, err, sizeof(err)), 0,
        "%s", err);
    cr_expect_eq(sn.seen, 1);

    /* final: written by the writer, then on_written */
    snprintf(text, sizeof(text), "{\"id\":\"%s\",\"status\":\"COMPLETED\"}", id);
    store_req_finish(rq, id, strdup(text));
    pthread_mutex_lock(&w.mu);
    while (w.written == 0)
        pthread_cond_wait(&w.cond, &w.mu);
    pthread_mutex_unlock(&w.mu);
    cr_expect_str_eq(w.last, id);
    cr_expect_eq(store_req_unwritten(rq), 0);
    got = raw_get(c, "GET dnsprop:request:%s", id);
    cr_expect_str_eq(got, text);
    free(got);
    cr_expect_eq(raw_int(c, "SISMEMBER dnsprop:requests:pending %s", id), 0);

    /* undone: nothing left */
    store_req_unput(rq, id);
    cr_expect_eq(raw_int(c, "EXISTS dnsprop:request:%s", id), 0);
    cr_expect_eq(raw_int(c, "ZRANK dnsprop:requests %s", id), -1);
    cr_expect_eq(store_req_get(rq, id, &got, err, sizeof(err)), 0);
    store_req_close(rq, 5);
    store_close(s);
    raw_drop(c, id);
    redisFree(c);
}

Test(store, requests_pending_without_a_record_are_dropped, .timeout = 30)
{
    store_opts_t so = {0};
    store_t *s = NULL;
    store_req_t *rq = NULL;
    redisContext *c = raw_connect();
    char err[512];
    char id[64];
    seen_t sn = {id, 0, ""};

    test_id(id, sizeof(id), "gone");
    freeReplyObject(redisCommand(c, "SADD dnsprop:requests:pending %s", id));
    so.url = redis_url();
    cr_assert_eq(store_open(&s, &so, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(store_req_open(s, NULL, NULL, 0, &rq, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(
        store_req_pending(rq, on_pending, on_stats_pending, &sn, err, sizeof(err)), 0,
        "%s", err);
    cr_expect_eq(sn.seen, 0);
    cr_expect_eq(raw_int(c, "SISMEMBER dnsprop:requests:pending %s", id), 0);
    store_req_close(rq, 5);
    store_close(s);
    raw_drop(c, id);
    redisFree(c);
}

Test(store, stats_requests_and_summaries, .timeout = 30)
{
    store_opts_t so = {0};
    store_t *s = NULL;
    store_req_t *rq = NULL;
    redisContext *c = raw_connect();
    char err[512];
    char id[64];
    char *got = NULL;

    test_id(id, sizeof(id), "stats");
    so.url = redis_url();
    cr_assert_eq(store_open(&s, &so, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(store_req_open(s, NULL, NULL, 0, &rq, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(
        store_req_stats_new(rq, id, "{\"status\":\"ACCEPTED\"}", err, sizeof(err)), 0,
        "%s", err);
    cr_expect_eq(raw_int(c, "SISMEMBER dnsprop:stats:pending %s", id), 1);
    cr_expect_eq(store_req_stats_get(rq, id, true, &got, err, sizeof(err)), 0);
    cr_assert_eq(store_req_stats_done(rq, id, "{\"status\":\"COMPLETED\"}",
                                      "{\"requests\":0}", err, sizeof(err)),
                 0, "%s", err);
    cr_expect_eq(raw_int(c, "SISMEMBER dnsprop:stats:pending %s", id), 0);
    cr_expect_eq(store_req_stats_get(rq, id, false, &got, err, sizeof(err)), 1);
    cr_expect_str_eq(got, "{\"status\":\"COMPLETED\"}");
    free(got);
    got = raw_get(c, "GET dnsprop:stats:%s:summary", id);
    cr_expect_str_eq(got, "{\"requests\":0}");
    free(got);
    store_req_close(rq, 5);
    store_close(s);
    raw_drop(c, id);
    redisFree(c);
}

/* ---- the putter (group commit) and retention ---- */

#define NPUTS 300

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int done;
} puts_done_t;

static void on_put(store_req_put_t *p)
{
    puts_done_t *d = p->arg;

    pthread_mutex_lock(&d->mu);
    d->done++;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->mu);
}

/* Many puts queued at once (one or a few pipelines), each answered; with a
 * retention of 1 s their keys expire and the writer prunes the indexes,
 * and what an older dnsprop left in its expiry index of ids goes too. */
Test(store, requests_put_async_and_retention, .timeout = 60)
{
    store_opts_t so = {0};
    store_t *s = NULL;
    store_req_t *rq = NULL;
    redisContext *c = raw_connect();
    puts_done_t d = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    static store_req_put_t p[NPUTS + 1];
    static char ids[NPUTS + 1][64];
    char idem[96];
    char err[512];
    long long ttl;
    int i;
    int left = -1;

    char old[96];

    so.url = redis_url();
    test_id(old, sizeof(old), "old-expiry");
    freeReplyObject(redisCommand(c, "ZADD dnsprop:requests:expiry 1421867419 %s", old));
    freeReplyObject(redisCommand(c, "ZADD dnsprop:requests 1421867419 %s", old));
    freeReplyObject(redisCommand(c, "SADD dnsprop:requests:pending %s", old));
    cr_assert_eq(store_open(&s, &so, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(store_req_open(s, NULL, NULL, 1, &rq, err, sizeof(err)), 0, "%s", err);
    test_id(idem, sizeof(idem), "idem");
    for (i = 0; i <= NPUTS; i++) {
        snprintf(ids[i], sizeof(ids[i]), "put-%d-%ld-%d", i, (long)getpid(), NPUTS);
        memset(&p[i], 0, sizeof(p[i]));
        p[i].kind = i % 2 == 0 ? STORE_REQ_POLL : STORE_REQ_OBSERVER;
        p[i].id = ids[i];
        p[i].text = "{\"status\":\"ACCEPTED\"}";
        p[i].start = 1421867419 + i;
        p[i].timeout = 0.5;
        /* the first and the last share an Idempotency-Key */
        p[i].idem = i == 0 || i == NPUTS ? idem : NULL;
        p[i].done = on_put;
        p[i].arg = &d;
        if (i < NPUTS)
            store_req_put_async(rq, &p[i]);
    }
    pthread_mutex_lock(&d.mu);
    while (d.done < NPUTS)
        pthread_cond_wait(&d.cond, &d.mu);
    pthread_mutex_unlock(&d.mu);
    store_req_put_async(rq, &p[NPUTS]);
    pthread_mutex_lock(&d.mu);
    while (d.done < NPUTS + 1)
        pthread_cond_wait(&d.cond, &d.mu);
    pthread_mutex_unlock(&d.mu);
    for (i = 0; i < NPUTS; i++)
        cr_expect_eq(p[i].ret, 0, "put %d: %d %s", i, p[i].ret, p[i].err);
    cr_expect_eq(p[NPUTS].ret, 1, "the Idempotency-Key's retry: %d %s", p[NPUTS].ret,
                 p[NPUTS].err);
    cr_expect_str_eq(p[NPUTS].other, ids[0]);
    cr_expect_eq(raw_int(c, "EXISTS dnsprop:request:%s", ids[NPUTS]), 0);
    /* the key outlives the poll's timeout (0.5 s, rounded up) by 1 s */
    ttl = raw_int(c, "TTL dnsprop:request:%s", ids[0]);
    cr_expect(ttl >= 1 && ttl <= 2, "TTL %lld", ttl);
    cr_expect_geq(raw_int(c, "ZRANK dnsprop:requests %s", ids[0]), 0);
    cr_expect_geq(raw_int(c, "ZRANK dnsprop:observers %s", ids[1]), 0);
    cr_expect_eq(in_bucket(c, ids[2]), 1, "%s in no expiry bucket", ids[2]);
    cr_expect_eq(in_bucket(c, ids[1]), 1, "%s (an observer) in no expiry bucket", ids[1]);
    cr_expect_eq(in_bucket(c, ids[0]), 1, "%s (with a key) in no expiry bucket", ids[0]);
    cr_expect_eq(raw_int(c, "SISMEMBER dnsprop:requests:pending %s", ids[3]), 1);
    /* within 5 s: keys gone, ids out of every index */
    for (int tries = 0; tries < 50 && left != 0; tries++) {
        usleep(100 * 1000);
        left = 0;
        for (i = 0; i < NPUTS; i += 37)
            left += (int)(raw_int(c, "EXISTS dnsprop:request:%s", ids[i]) +
                          in_bucket(c, ids[i]) +
                          (raw_int(c, "ZRANK dnsprop:requests %s", ids[i]) >= 0) +
                          (raw_int(c, "ZRANK dnsprop:observers %s", ids[i]) >= 0) +
                          raw_int(c, "SISMEMBER dnsprop:requests:pending %s", ids[i]));
    }
    cr_expect_eq(left, 0, "%d keys or index entries left after 5 s", left);
    cr_expect_lt(raw_int(c, "ZRANK dnsprop:requests %s", old), 0);
    cr_expect_lt(raw_int(c, "ZRANK dnsprop:requests:expiry %s", old), 0);
    cr_expect_eq(raw_int(c, "SISMEMBER dnsprop:requests:pending %s", old), 0);
    store_req_close(rq, 5);
    store_close(s);
    redisFree(c);
}

/* One burst of puts (one pipeline for as many as have queued): the ids
 * store_req_settle gave up on fail alone (one put plain, one with a key of
 * its own, the script's path) and leave no trace but the tombstone, a
 * second put with an Idempotency-Key the burst already used gets the
 * first's id and stores nothing, the rest are stored; a put of an id
 * already stored leaves it as it is, and settling it says it landed. */
Test(store, requests_put_burst_with_tombstone_and_repeated_key, .timeout = 60)
{
    store_opts_t so = {0};
    store_t *s = NULL;
    store_req_t *rq = NULL;
    redisContext *c = raw_connect();
    puts_done_t d = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    enum { N = 40, TOMB = 7, TOMB_KEY = 11, FIRST = 3, AGAIN = 30 };
    static store_req_put_t p[N];
    static char ids[N][64];
    char idem[96];
    char idem2[96];
    char err[512];
    char other[64];
    char *t;
    int i;

    so.url = redis_url();
    cr_assert_eq(store_open(&s, &so, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(store_req_open(s, NULL, NULL, 0, &rq, err, sizeof(err)), 0, "%s", err);
    test_id(idem, sizeof(idem), "burst-idem");
    test_id(idem2, sizeof(idem2), "burst-idem-tomb");
    for (i = 0; i < N; i++) {
        snprintf(ids[i], sizeof(ids[i]), "burst-%d-%ld-%lld", i, (long)getpid(),
                 (long long)timebase_mono_ns());
        memset(&p[i], 0, sizeof(p[i]));
        p[i].kind = STORE_REQ_POLL;
        p[i].id = ids[i];
        p[i].text = "{\"status\":\"ACCEPTED\"}";
        p[i].start = 1421867419 + i;
        p[i].idem = i == FIRST || i == AGAIN ? idem : i == TOMB_KEY ? idem2 : NULL;
        p[i].done = on_put;
        p[i].arg = &d;
    }
    cr_assert_eq(store_req_settle(rq, ids[TOMB], err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(store_req_settle(rq, ids[TOMB_KEY], err, sizeof(err)), 0, "%s", err);
    for (i = 0; i < N; i++)
        store_req_put_async(rq, &p[i]);
    pthread_mutex_lock(&d.mu);
    while (d.done < N)
        pthread_cond_wait(&d.cond, &d.mu);
    pthread_mutex_unlock(&d.mu);
    for (i = 0; i < N; i++) {
        if (i == TOMB || i == TOMB_KEY) {
            cr_expect_eq(p[i].ret, -EIO, "the tombstoned put %d: %d", i, p[i].ret);
            cr_expect(strstr(p[i].err, "tombstone") != NULL, "%s", p[i].err);
            cr_expect_eq(store_req_get(rq, ids[i], &t, err, sizeof(err)), 0, "%s", err);
            cr_expect_null(t);
            cr_expect_eq(raw_int(c, "SISMEMBER dnsprop:requests:pending %s", ids[i]), 0);
            cr_expect_lt(raw_int(c, "ZRANK dnsprop:requests %s", ids[i]), 0);
            cr_expect_eq(store_req_settle(rq, ids[i], err, sizeof(err)), 0, "%s", err);
        } else if (i == AGAIN) {
            cr_expect_eq(p[i].ret, 1, "the repeated key: %d %s", p[i].ret, p[i].err);
            cr_expect_str_eq(p[i].other, ids[FIRST]);
            cr_expect_eq(raw_int(c, "EXISTS dnsprop:request:%s", ids[i]), 0);
        } else {
            cr_expect_eq(p[i].ret, 0, "put %d: %d %s", i, p[i].ret, p[i].err);
            cr_expect_eq(raw_int(c, "SISMEMBER dnsprop:requests:pending %s", ids[i]), 1);
            cr_expect_geq(raw_int(c, "ZRANK dnsprop:requests %s", ids[i]), 0);
        }
    }
    /* stored already (a retry of a put that landed): left alone, stored */
    freeReplyObject(
        redisCommand(c, "SET dnsprop:request:%s {\"status\":\"COMPLETED\"}", ids[0]));
    cr_expect_eq(store_req_put_once(rq, STORE_REQ_POLL, ids[0], "{}", 1421867419, 0, NULL,
                                    other, sizeof(other), err, sizeof(err)),
                 0, "%s", err);
    t = raw_get(c, "GET dnsprop:request:%s", ids[0]);
    cr_expect(t != NULL && strstr(t, "COMPLETED") != NULL, "%s",
              t != NULL ? t : "(none)");
    free(t);
    cr_expect_eq(store_req_settle(rq, ids[0], err, sizeof(err)), 1, "%s", err);
    t = raw_get(c, "GET dnsprop:request:%s", ids[0]);
    cr_expect(t != NULL && strstr(t, "COMPLETED") != NULL, "%s",
              t != NULL ? t : "(none)");
    free(t);
    for (i = 0; i < N; i++) {
        freeReplyObject(redisCommand(c, "DEL dnsprop:request:%s", ids[i]));
        freeReplyObject(redisCommand(c, "ZREM dnsprop:requests %s", ids[i]));
        freeReplyObject(redisCommand(c, "SREM dnsprop:requests:pending %s", ids[i]));
    }
    freeReplyObject(redisCommand(c, "DEL dnsprop:idempotency:%s", idem));
    freeReplyObject(redisCommand(c, "DEL dnsprop:idempotency:%s", idem2));
    store_req_close(rq, 5);
    store_close(s);
    redisFree(c);
}

/* An expiry bucket that ended with more ids than a prune gives up (64
 * scripts of 1,000) is drained over several prunes, a second apart, each
 * id leaving the indexes, and the bucket leaves requests:expiring last. */
Test(store, requests_expiry_bucket_drained_over_prunes, .timeout = 60)
{
    enum { N = 70000, PER = 1000 };
    store_opts_t so = {0};
    store_t *s = NULL;
    store_req_t *rq = NULL;
    redisContext *c = raw_connect();
    char bucket[24];
    char err[512];
    long long left = -1;
    const char *argv[PER + 2];
    size_t argl[PER + 2];
    static char ids[PER][48];

    /* a bucket that ended a second ago (not one the service would name:
     * a name below any real one, 1 s wide) */
    snprintf(bucket, sizeof(bucket), "%ld", (long)getpid());
    freeReplyObject(redisCommand(c, "DEL dnsprop:requests:expiring:%s", bucket));
    for (int b = 0; b < N / PER; b++) {
        char key[96];
        snprintf(key, sizeof(key), "dnsprop:requests:expiring:%s", bucket);
        argv[0] = "SADD";
        argv[1] = key;
        for (int i = 0; i < PER; i++) {
            snprintf(ids[i], sizeof(ids[i]), "drain-%s-%d", bucket, b * PER + i);
            argv[i + 2] = ids[i];
        }
        for (int i = 0; i < PER + 2; i++)
            argl[i] = strlen(argv[i]);
        freeReplyObject(redisCommandArgv(c, PER + 2, argv, argl));
        argv[0] = "SADD";
        argv[1] = "dnsprop:requests:pending";
        argl[1] = strlen(argv[1]);
        freeReplyObject(redisCommandArgv(c, PER + 2, argv, argl));
    }
    freeReplyObject(
        redisCommand(c, "ZADD dnsprop:requests:expiring %s %s", bucket, bucket));
    cr_assert_eq(raw_int(c, "SCARD dnsprop:requests:expiring:%s", bucket), N);
    so.url = redis_url();
    cr_assert_eq(store_open(&s, &so, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(store_req_open(s, NULL, NULL, 60, &rq, err, sizeof(err)), 0, "%s", err);
    /* the first prune comes at once and stops at 64,000; the next, a
     * second later, takes the rest: the 6,000 left in between are seen */
    bool between = false;
    for (int tries = 0; tries < 500 && left != 0; tries++) {
        usleep(20 * 1000);
        left = raw_int(c, "SCARD dnsprop:requests:expiring:%s", bucket);
        between |= left == N - 64 * PER;
    }
    cr_expect(between, "no prune stopped at %d ids", 64 * PER);
    cr_expect_eq(left, 0, "%lld ids left in the bucket after 10 s", left);
    cr_expect_lt(raw_int(c, "ZRANK dnsprop:requests:expiring %s", bucket), 0);
    cr_expect_eq(raw_int(c, "SISMEMBER dnsprop:requests:pending %s", ids[0]), 0);
    store_req_close(rq, 5);
    store_close(s);
    redisFree(c);
}
