/*
 * optable: operation tables (see optable.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/csvtab.h"
#include "harness/common/errcode.h"
#include "harness/common/numparse.h"
#include "harness/common/vec.h"
#include "harness/scenario/optable.h"
#include "probes/rdata.h"

enum { C_AT, C_OP, C_ZONE, C_NAME, C_TYPE, C_TTL, C_VALUE, C_N };
static const char *const cols[C_N] = {"at", "op", "zone", "name", "type", "ttl", "value"};

typedef struct {
    optable_row_t *rows;
    size_t n, cap;
} rows_t;

/* One record of the table into the growing array in arg. */
static int row(csvtab_t *t, void *arg)
{
    rows_t *c = arg;
    optable_row_t r;
    optable_row_t *slot;
    char zone[RDATA_NAME_TEXT_MAX];
    char name[RDATA_NAME_TEXT_MAX];
    const char *v;

    memset(&r, 0, sizeof(r));
    r.line = csvtab_line(t);
    r.ttl = 60;
    if (numparse_double(csvtab_get(t, C_AT), 0, 86400 * 30, &r.at) < 0)
        return csvtab_fail(t, "at", "'%s' is not seconds from the start",
                           csvtab_get(t, C_AT));
    if (op_kind_from_str(csvtab_get(t, C_OP), &r.kind) < 0)
        return csvtab_fail(
            t, "op",
            "'%s' is not one of zone_create zone_update zone_delete record_create "
            "record_update record_delete",
            csvtab_get(t, C_OP));
    if (rdata_name_canon(csvtab_get(t, C_ZONE), zone, sizeof(zone)) < 0)
        return csvtab_fail(t, "zone", "'%s' is not a domain name", csvtab_get(t, C_ZONE));
    v = csvtab_get(t, C_TTL);
    if (v[0] != '\0' && numparse_u32(v, &r.ttl) < 0)
        return csvtab_fail(t, "ttl", "'%s' is not a TTL in seconds", v);
    if (r.kind >= OP_RECORD_CREATE) {
        const char *nm = csvtab_get(t, C_NAME);
        char full[RDATA_NAME_TEXT_MAX * 2];
        size_t nl = strlen(nm);
        /* zone-file convention: a name without a final dot is relative */
        if (nl > 0 && nm[nl - 1] != '.')
            snprintf(full, sizeof(full), "%s.%s", nm, zone);
        else
            snprintf(full, sizeof(full), "%s", nm);
        if (nl == 0 || rdata_name_canon(full, name, sizeof(name)) < 0)
            return csvtab_fail(t, "name", "'%s' is not a domain name", nm);
        if (strlen(name) < strlen(zone) ||
            strcmp(name + strlen(name) - strlen(zone), zone) != 0 ||
            (strlen(name) > strlen(zone) && name[strlen(name) - strlen(zone) - 1] != '.'))
            return csvtab_fail(t, "name", "'%s' is not inside zone %s", name, zone);
        if (rdata_type_from_str(csvtab_get(t, C_TYPE), &r.type) < 0 ||
            !rdata_type_comparable(r.type))
            return csvtab_fail(
                t, "type",
                "'%s' is not a record type dnsprop can write and check (a mnemonic "
                "such as CAA, or TYPEnnn; not a meta type such as ANY)",
                csvtab_get(t, C_TYPE));
        if (r.kind != OP_RECORD_DELETE) {
            int ret = rdata_from_text(r.type, csvtab_get(t, C_VALUE), &r.value);
            if (ret < 0)
                return csvtab_fail(t, "value", "'%s' is not a valid %s value",
                                   csvtab_get(t, C_VALUE), csvtab_get(t, C_TYPE));
        }
    } else {
        snprintf(name, sizeof(name), "%s", zone);
    }
    r.zone = strdup(zone);
    r.name = strdup(name);
    slot = VEC_PUSH(c->rows, c->n, c->cap);
    if (slot == NULL) {
        free(r.zone);
        free(r.name);
        free(r.value);
        return -ENOMEM;
    }
    *slot = r;
    return 0;
}

static int cmp_at(const void *a, const void *b)
{
    const optable_row_t *x = a;
    const optable_row_t *y = b;

    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line); /* stable: file order */
}

int optable_load(const char *path, optable_row_t **rows, size_t *n, char *err,
                 size_t errlen)
{
    rows_t c = {NULL, 0, 0};
    csvtab_spec_t spec = {cols, C_N, 1u << C_TTL, "at,op,zone,name,type,ttl,value",
                          row,  &c};
    int ret;

    *rows = NULL;
    *n = 0;
    ret = csvtab_read(path, &spec, err, errlen);
    if (ret < 0) {
        optable_free(c.rows, c.n);
        return ret;
    }
    if (c.n > 1)
        qsort(c.rows, c.n, sizeof(*c.rows), cmp_at);
    *rows = c.rows;
    *n = c.n;
    return 0;
}

void optable_free(optable_row_t *rows, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(rows[i].zone);
        free(rows[i].name);
        free(rows[i].value);
    }
    free(rows);
}
