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

#include "harness/serve/serve_int.h"

#define TABLE_BUCKETS 1024

struct serve_entry {
    struct serve_entry *next;
    char id[SERVE_ID_LEN + 1];
    json_t *rec;    /* what GET shows */
    char *text;     /* rec as JSON text */
    bool finishing; /* serve_table_finish owns rec (outside the lock) */
    bool done;
};

static size_t hash_id(const char *id)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */

    for (; *id != '\0'; id++) {
        h ^= (unsigned char)*id;
        h *= 1099511628211ULL;
    }
    return (size_t)h;
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
    json_decref(e->rec);
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

int serve_table_insert(serve_table_t *t, const char *id, json_t *rec, char *text)
{
    serve_entry_t *e = calloc(1, sizeof(*e));

    if (e == NULL) {
        json_decref(rec);
        free(text);
        return -ENOMEM;
    }
    snprintf(e->id, sizeof(e->id), "%s", id);
    e->rec = rec;
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

static json_t *num_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(v);
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

/* [[sent at (epoch s), response time (s)], ...]: each answered query, as
 * Digaas stores every query's time (its "queries" statistics, dstats.c). */
static json_t *query_times(const probe_result_t *r)
{
    json_t *a = json_array();

    for (uint32_t i = 0; a != NULL && i < r->nquery_log; i++)
        json_array_append_new(
            a,
            json_pack("[f, f]", round((r->start_time + r->query_log[2 * i]) * 1e6) / 1e6,
                      round(r->query_log[2 * i + 1] * 1e6) / 1e6));
    return a != NULL ? a : json_null();
}

/* A poll's end into rec (status, duration, ...). */
static void finish_fields(json_t *o, const probe_result_t *r)
{
    json_object_set_new(o, "status", json_string(digaas_status(r->status, r->id)));
    json_object_set_new(o, "duration", num_or_null(r->duration));
    json_object_set_new(o, "result", json_string(probe_status_str(r->status)));
    json_object_set_new(o, "reason", json_string(r->reason));
    json_object_set_new(o, "lower_bound", json_real(r->lower_bound));
    json_object_set_new(o, "queries", json_integer(r->queries));
    json_object_set_new(o, "answers", json_integer(r->answers));
    json_object_set_new(o, "observed_at",
                        r->status == PROBE_COMPLETED ? json_real(r->observed_at)
                                                     : json_null());
    json_object_set_new(o, "query_times", query_times(r));
}

/* The record is changed and dumped outside the table's lock (the dump is
 * most of a request's cost on this path, and the HTTP threads insert
 * under the same lock): `finishing` makes it this call's alone meanwhile.
 * The entry cannot go away: only a done entry is removed once polled. */
char *serve_table_finish(serve_table_t *t, const probe_result_t *r)
{
    serve_entry_t *e;
    char *text = NULL;
    char *copy = NULL;

    pthread_mutex_lock(&t->mu);
    e = *table_slot(t, r->id);
    if (e == NULL || e->done || e->finishing) {
        pthread_mutex_unlock(&t->mu);
        return NULL;
    }
    e->finishing = true;
    pthread_mutex_unlock(&t->mu);
    finish_fields(e->rec, r);
    text = jsonw_dumps(e->rec);
    copy = text != NULL ? strdup(text) : NULL;
    pthread_mutex_lock(&t->mu);
    e->finishing = false;
    if (copy != NULL) {
        free(e->text);
        e->text = text;
        text = NULL;
        e->done = true;
    }
    pthread_mutex_unlock(&t->mu);
    free(text);
    return copy;
}
