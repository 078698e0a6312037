/*
 * table: the requests this process polls, or whose final state Redis has
 * not taken yet, by id (see serve_int.h). A GET looks here first, then in
 * Redis: the probe pool's callback updates a request here at once (GETs
 * see COMPLETED before the writer has stored it), and the writer drops it
 * once Redis has it.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/buf.h"
#include "harness/common/fmt.h"
#include "harness/common/hash.h"
#include "harness/common/jsonw.h"
#include "harness/common/quote.h"
#include "harness/serve/serve_int.h"

#define TABLE_BUCKETS 1024

struct serve_entry {
    struct serve_entry *next;
    char id[SERVE_ID_LEN + 1];
    char *base;     /* the record without its poll fields (serve_record_texts) */
    char *text;     /* what GET shows */
    bool finishing; /* serve_table_finish reads base (outside the lock) */
    bool done;
};

static size_t hash_id(const char *id)
{
    return (size_t)hash_fnv1a_str(HASH_FNV1A_INIT, id);
}

int serve_table_init(serve_table_t *t)
{
    memset(t, 0, sizeof(*t));
    t->nbuckets = TABLE_BUCKETS;
    t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
    if (t->buckets == NULL)
        return -ENOMEM;
    pthread_mutex_init(&t->mu, NULL);
    return 0;
}

static void entry_free(serve_entry_t *e)
{
    if (e == NULL)
        return;
    free(e->base);
    free(e->text);
    free(e);
}

void serve_table_clear(serve_table_t *t)
{
    size_t i;

    for (i = 0; t->buckets != NULL && i < t->nbuckets; i++) {
        while (t->buckets[i] != NULL) {
            serve_entry_t *e = t->buckets[i];
            t->buckets[i] = e->next;
            entry_free(e);
        }
    }
    free(t->buckets);
    t->buckets = NULL;
    pthread_mutex_destroy(&t->mu);
}

/* Under t->mu. */
static serve_entry_t **table_slot(serve_table_t *t, const char *id)
{
    serve_entry_t **p = &t->buckets[hash_id(id) & (t->nbuckets - 1)];

    while (*p != NULL && strcmp((*p)->id, id) != 0)
        p = &(*p)->next;
    return p;
}

/* Under t->mu. Doubling keeps chains short; a failed growth only makes
 * them longer. (A rehash into new buckets, not an array that grows in
 * place: vec.h does not apply.) */
static void table_grow(serve_table_t *t)
{
    size_t n = t->nbuckets * 2;
    serve_entry_t **nb;
    size_t i;

    if (t->nentries < t->nbuckets * 2)
        return;
    nb = calloc(n, sizeof(*nb));
    if (nb == NULL)
        return;
    for (i = 0; i < t->nbuckets; i++) {
        serve_entry_t *e = t->buckets[i];
        while (e != NULL) {
            serve_entry_t *next = e->next;
            size_t b = hash_id(e->id) & (n - 1);
            e->next = nb[b];
            nb[b] = e;
            e = next;
        }
    }
    free(t->buckets);
    t->buckets = nb;
    t->nbuckets = n;
}

int serve_table_insert(serve_table_t *t, const char *id, char *base, char *text)
{
    serve_entry_t *e = calloc(1, sizeof(*e));

    if (e == NULL) {
        free(base);
        free(text);
        return -ENOMEM;
    }
    fmt_copy(e->id, sizeof(e->id), id);
    e->base = base;
    e->text = text;
    pthread_mutex_lock(&t->mu);
    table_grow(t);
    e->next = NULL;
    *table_slot(t, id) = e;
    t->nentries++;
    pthread_mutex_unlock(&t->mu);
    return 0;
}

void serve_table_remove(serve_table_t *t, const char *id, bool only_done)
{
    serve_entry_t **p;
    serve_entry_t *e = NULL;

    pthread_mutex_lock(&t->mu);
    p = table_slot(t, id);
    if (*p != NULL && (!only_done || (*p)->done)) {
        e = *p;
        *p = e->next;
        t->nentries--;
    }
    pthread_mutex_unlock(&t->mu);
    entry_free(e);
}

char *serve_table_text(serve_table_t *t, const char *id)
{
    serve_entry_t *e;
    char *text = NULL;

    pthread_mutex_lock(&t->mu);
    e = *table_slot(t, id);
    if (e != NULL)
        text = strdup(e->text);
    pthread_mutex_unlock(&t->mu);
    return text;
}

/* The fields a poll's end sets: written last, in this order, after the
 * record's own (serve_record_texts takes them out of the tree). */
static const char *const poll_keys[] = {"status",  "duration",    "result",
                                        "reason",  "lower_bound", "queries",
                                        "answers", "observed_at", "query_times"};

/* What they say until the poll ends (what Digaas shows of an accepted
 * request). */
static const char accepted_tail[] =
    "\"status\":\"ACCEPTED\",\"duration\":null,\"result\":null,\"reason\":null,"
    "\"lower_bound\":null,\"queries\":null,\"observed_at\":null}";

/* *text: base (a record's text ending in ',', or "{") and the accepted
 * tail; 0, or -ENOMEM with both freed and NULL. Takes *base. */
static int accepted_text(char **base, char **text)
{
    size_t n = strlen(*base);

    *text = malloc(n + sizeof(accepted_tail));
    if (*text == NULL) {
        free(*base);
        *base = NULL;
        return -ENOMEM;
    }
    memcpy(*text, *base, n);
    memcpy(*text + n, accepted_tail, sizeof(accepted_tail)); /* (its NUL too) */
    return 0;
}

int serve_record_texts(json_t *rec, char **base, char **text)
{
    size_t i;
    size_t n;

    *text = NULL;
    for (i = 0; i < sizeof(poll_keys) / sizeof(poll_keys[0]); i++)
        json_object_del(rec, poll_keys[i]);
    *base = jsonw_dumps(rec);
    if (*base == NULL)
        return -ENOMEM;
    /* "{...}" becomes "{...," ("{}": "{"), ready for the poll fields */
    n = strlen(*base);
    if (n >= 2 && (*base)[n - 1] == '}')
        (*base)[n - 1] = n == 2 ? '\0' : ',';
    return accepted_text(base, text);
}

int serve_echo_texts(char *echo, const char *id, double accepted_at, char **base,
                     char **text)
{
    char num[JSONW_REAL_MAX];
    size_t n = strlen(echo);
    buf_t b = {.p = echo, .len = n, .cap = n + 1};

    *text = NULL;
    *base = NULL;
    /* "{...}" less its brace, then what serve_accepted_fields adds: the
     * same text serve_record_texts writes of the tree */
    if (n < 2 || echo[n - 1] != '}' || echo[n - 2] == '{') {
        free(echo);
        return -EINVAL;
    }
    b.len = n - 1;
    jsonw_add_key(&b, "id");
    if (serve_id_is_num(id))
        buf_add(&b, id, strlen(id));
    else
        jsonw_add_string(&b, id);
    jsonw_add_key(&b, "accepted_at");
    buf_add(&b, num, jsonw_real(num, accepted_at));
    buf_add(&b, ",", 1);
    if (b.oom) {
        buf_free(&b);
        return -ENOMEM;
    }
    *base = b.p;
    return accepted_text(base, text);
}

/* Digaas clients know ACCEPTED, COMPLETED and ERROR; our precise outcome
 * (TIMEOUT is not ERROR to us) goes to "result". */
static const char *digaas_status(probe_status_t st, const char *id)
{
    /* Digaas master's observers (integer ids) say COMPLETE */
    if (st == PROBE_COMPLETED)
        return serve_id_is_num(id) ? "COMPLETE" : "COMPLETED";
    return "ERROR";
}

/* A real to the microsecond, as the results' times (null: NaN). */
static void add_real(buf_t *b, double v, bool usec)
{
    char t[JSONW_REAL_MAX];

    buf_add(b, t, jsonw_real(t, usec ? round(v * 1e6) / 1e6 : v));
}

/* (null where JSON could not hold it, as jansson's json_string refused it) */
static void add_str(buf_t *b, const char *s)
{
    if (s == NULL || !quote_utf8_valid(s, strlen(s)))
        buf_add(b, "null", 4);
    else
        jsonw_add_string(b, s);
}

/* [[sent at (epoch s), response time (s)], ...]: each answered query, as
 * Digaas stores every query's time (its "queries" statistics, dstats.c). */
static void add_query_times(buf_t *b, const probe_result_t *r)
{
    bool first = true;

    buf_add(b, "[", 1);
    for (uint32_t i = 0; i < r->nquery_log; i++) {
        double sent = r->start_time + r->query_log[2 * i];
        double rt = r->query_log[2 * i + 1];
        /* a pair with no number is left out, as json_pack refused it: not
         * a point at (0, 0) in Digaas's query statistics */
        if (!isfinite(sent) || !isfinite(rt))
            continue;
        buf_add(b, first ? "[" : ",[", first ? 1 : 2);
        add_real(b, sent, true);
        buf_add(b, ",", 1);
        add_real(b, rt, true);
        buf_add(b, "]", 1);
        first = false;
    }
    buf_add(b, "]", 1);
}

/* A poll's end after the record's own members: the text GET shows from
 * now on, malloc'd (NULL on no memory). Written here, not through a
 * jansson tree: the end of every poll pays for this text, and a tree kept
 * per request cost its allocations on the HTTP thread and its frees on
 * the writer's. */
static char *finish_text(const char *base, const probe_result_t *r)
{
    char n[FMT_INT_MAX];
    buf_t b = {0};

    buf_add(&b, base, strlen(base));
    buf_add(&b, "\"status\":", 9);
    add_str(&b, digaas_status(r->status, r->id));
    jsonw_add_key(&b, "duration");
    add_real(&b, r->duration, false);
    jsonw_add_key(&b, "result");
    add_str(&b, probe_status_str(r->status));
    jsonw_add_key(&b, "reason");
    add_str(&b, r->reason);
    jsonw_add_key(&b, "lower_bound");
    add_real(&b, r->lower_bound, false);
    jsonw_add_key(&b, "queries");
    buf_add(&b, n, fmt_int(n, (long long)r->queries));
    jsonw_add_key(&b, "answers");
    buf_add(&b, n, fmt_int(n, (long long)r->answers));
    jsonw_add_key(&b, "observed_at");
    add_real(&b, r->status == PROBE_COMPLETED ? r->observed_at : NAN, false);
    jsonw_add_key(&b, "query_times");
    add_query_times(&b, r);
    buf_add(&b, "}", 1);
    if (b.oom) {
        buf_free(&b);
        return NULL;
    }
    return b.p;
}

/* The text is written outside the table's lock (the HTTP threads insert
 * under the same lock): `finishing` keeps base this call's meanwhile. The
 * entry cannot go away: only a done entry is removed once polled. */
char *serve_table_finish(serve_table_t *t, const probe_result_t *r)
{
    serve_entry_t *e;
    char *text = NULL;
    char *copy = NULL;

    pthread_mutex_lock(&t->mu);
    e = *table_slot(t, r->id);
    if (e == NULL || e->done || e->finishing || e->base == NULL) {
        pthread_mutex_unlock(&t->mu);
        return NULL;
    }
    e->finishing = true;
    pthread_mutex_unlock(&t->mu);
    text = finish_text(e->base, r);
    copy = text != NULL ? strdup(text) : NULL;
    pthread_mutex_lock(&t->mu);
    e->finishing = false;
    if (copy != NULL) {
        free(e->text);
        e->text = text;
        text = NULL;
        free(e->base);
        e->base = NULL;
        e->done = true;
    }
    pthread_mutex_unlock(&t->mu);
    free(text);
    return copy;
}
