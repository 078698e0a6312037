/*
 * The store against a real redis-server (DNSPROP_TEST_REDIS, started by
 * tests/run-tests.sh): results in, counts checked, CSV export read back
 * with libcsv field by field, names with commas and quotes included.
 */
#include <criterion/criterion.h>
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/timebase.h"
#include "storage/store.h"

static const char *redis_url(void)
{
    const char *u = getenv("DNSPROP_TEST_REDIS");
    if (u == NULL)
        cr_assert_fail("DNSPROP_TEST_REDIS is not set: run through tests/run-tests.sh");
    return u;
}

typedef struct {
    char *cells[64][32];
    size_t nrows, ncol;
} table_t;

static void on_field(void *s, size_t len, void *data)
{
    table_t *t = data;
    if (t->nrows < 64 && t->ncol < 32)
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
    for (k = 0; k < 32 && t->cells[0][k] != NULL; k++)
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
    cr_assert_eq(store_export_csv(s, id, f, &rows, err, sizeof(err)), 0, "%s", err);
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
    for (k = 0; store_csv_columns[k] != NULL; k++)
        cr_expect_str_eq(t.cells[0][k], store_csv_columns[k]);
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
        for (k = 0; k < 32; k++)
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
