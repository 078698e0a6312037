/*
 * optable: operation tables (see optable.h).
 */
#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/errcode.h"
#include "harness/numparse.h"
#include "harness/optable.h"
#include "probes/rdata.h"

enum { C_AT, C_OP, C_ZONE, C_NAME, C_TYPE, C_TTL, C_VALUE, C_N };
static const char *const cols[C_N] = {"at", "op", "zone", "name", "type", "ttl", "value"};

typedef struct {
    const char *path;
    unsigned long line;
    unsigned long rec_line;
    char *field[C_N + 8];
    size_t nf;
    int map[C_N + 8]; /* header position -> column, -1 unknown */
    size_t ncols;
    int have_header;
    optable_row_t *rows;
    size_t n, cap;
    int ret;
    char *err;
    size_t errlen;
} ctx_t;

__attribute__((format(printf, 3, 4))) static int fail(ctx_t *c, const char *field,
                                                      const char *fmt, ...)
{
    va_list ap;
    size_t o;

    if (c->ret < 0)
        return c->ret;
    o = (size_t)snprintf(c->err, c->errlen, "%s:%lu: field '%s': ", c->path, c->rec_line,
                         field);
    if (o < c->errlen) {
        va_start(ap, fmt);
        vsnprintf(c->err + o, c->errlen - o, fmt, ap);
        va_end(ap);
    }
    c->ret = DP_EPARSE;
    return c->ret;
}

static void on_field(void *s, size_t len, void *data)
{
    ctx_t *c = data;

    if (c->nf < sizeof(c->field) / sizeof(c->field[0]))
        c->field[c->nf] = strndup(s, len);
    c->nf++;
}

static const char *get(ctx_t *c, int col)
{
    size_t i;

    for (i = 0; i < c->ncols && i < c->nf; i++) {
        if (c->map[i] == col && c->field[i] != NULL)
            return c->field[i];
    }
    return "";
}

static void header(ctx_t *c)
{
    size_t i;
    int k;
    bool seen[C_N] = {false};

    c->ncols = c->nf < sizeof(c->map) / sizeof(c->map[0])
                   ? c->nf
                   : sizeof(c->map) / sizeof(c->map[0]);
    for (i = 0; i < c->ncols; i++) {
        c->map[i] = -1;
        for (k = 0; k < C_N; k++) {
            if (c->field[i] != NULL && strcmp(c->field[i], cols[k]) == 0) {
                c->map[i] = k;
                seen[k] = true;
            }
        }
        if (c->map[i] < 0) {
            fail(c, c->field[i] != NULL ? c->field[i] : "?",
                 "unknown column (at, op, zone, name, type, ttl, value)");
            return;
        }
    }
    for (k = 0; k < C_N; k++) {
        if (!seen[k] && k != C_TTL) {
            fail(c, cols[k], "missing from the header (at,op,zone,name,type,ttl,value)");
            return;
        }
    }
    c->have_header = 1;
}

static int row(ctx_t *c)
{
    optable_row_t r;
    char zone[RDATA_NAME_TEXT_MAX];
    char name[RDATA_NAME_TEXT_MAX];
    const char *v;
    size_t i;
    bool blank = true;

    for (i = 0; i < c->nf && i < sizeof(c->field) / sizeof(c->field[0]); i++)
        blank &= c->field[i] == NULL || c->field[i][0] == '\0';
    if (blank)
        return 0;
    memset(&r, 0, sizeof(r));
    r.line = c->rec_line;
    r.ttl = 60;
    if (numparse_double(get(c, C_AT), 0, 86400 * 30, &r.at) < 0)
        return fail(c, "at", "'%s' is not seconds from the start", get(c, C_AT));
    if (op_kind_from_str(get(c, C_OP), &r.kind) < 0)
        return fail(
            c, "op",
            "'%s' is not one of zone_create zone_update zone_delete record_create "
            "record_update record_delete",
            get(c, C_OP));
    if (rdata_name_canon(get(c, C_ZONE), zone, sizeof(zone)) < 0)
        return fail(c, "zone", "'%s' is not a domain name", get(c, C_ZONE));
    v = get(c, C_TTL);
    if (v[0] != '\0' && numparse_u32(v, &r.ttl) < 0)
        return fail(c, "ttl", "'%s' is not a TTL in seconds", v);
    if (r.kind >= OP_RECORD_CREATE) {
        const char *nm = get(c, C_NAME);
        char full[RDATA_NAME_TEXT_MAX * 2];
        size_t nl = strlen(nm);
        /* zone-file convention: a name without a final dot is relative */
        if (nl > 0 && nm[nl - 1] != '.')
            snprintf(full, sizeof(full), "%s.%s", nm, zone);
        else
            snprintf(full, sizeof(full), "%s", nm);
        if (nl == 0 || rdata_name_canon(full, name, sizeof(name)) < 0)
            return fail(c, "name", "'%s' is not a domain name", nm);
        if (strlen(name) < strlen(zone) ||
            strcmp(name + strlen(name) - strlen(zone), zone) != 0 ||
            (strlen(name) > strlen(zone) && name[strlen(name) - strlen(zone) - 1] != '.'))
            return fail(c, "name", "'%s' is not inside zone %s", name, zone);
        if (rdata_type_from_str(get(c, C_TYPE), &r.type) < 0 ||
            !rdata_type_comparable(r.type))
            return fail(
                c, "type",
                "'%s' is not a type dnsprop can write and check (A AAAA TXT MX CNAME "
                "NS PTR SRV)",
                get(c, C_TYPE));
        if (r.kind != OP_RECORD_DELETE) {
            int ret = rdata_from_text(r.type, get(c, C_VALUE), &r.value);
            if (ret < 0)
                return fail(c, "value", "'%s' is not a valid %s value", get(c, C_VALUE),
                            get(c, C_TYPE));
        }
    } else {
        snprintf(name, sizeof(name), "%s", zone);
    }
    r.zone = strdup(zone);
    r.name = strdup(name);
    if (c->n == c->cap) {
        size_t ncap = c->cap == 0 ? 64 : c->cap * 2;
        optable_row_t *nr = realloc(c->rows, ncap * sizeof(*nr));
        if (nr == NULL) {
            free(r.zone);
            free(r.name);
            free(r.value);
            c->ret = -ENOMEM;
            return c->ret;
        }
        c->rows = nr;
        c->cap = ncap;
    }
    c->rows[c->n++] = r;
    return 0;
}

static void on_row(int term, void *data)
{
    ctx_t *c = data;
    size_t i;

    (void)term;
    if (c->ret == 0) {
        if (!c->have_header)
            header(c);
        else
            row(c);
    }
    for (i = 0; i < c->nf && i < sizeof(c->field) / sizeof(c->field[0]); i++) {
        free(c->field[i]);
        c->field[i] = NULL;
    }
    c->nf = 0;
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
    struct csv_parser p;
    ctx_t c;
    FILE *f;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;

    memset(&c, 0, sizeof(c));
    c.path = path;
    c.err = err;
    c.errlen = errlen;
    *rows = NULL;
    *n = 0;
    f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -errno;
    }
    csv_init(&p, CSV_STRICT | CSV_STRICT_FINI);
    while (c.ret == 0 && (len = getline(&line, &cap, f)) >= 0) {
        c.line++;
        if (c.nf == 0 && p.pstate == 0) {
            if (line[0] == '#')
                continue;
            c.rec_line = c.line;
        }
        if (csv_parse(&p, line, (size_t)len, on_field, on_row, &c) != (size_t)len &&
            c.ret == 0) {
            c.rec_line = c.line;
            fail(&c, "-", "%s", csv_strerror(csv_error(&p)));
        }
    }
    if (c.ret == 0 && csv_fini(&p, on_field, on_row, &c) != 0 && c.ret == 0)
        fail(&c, "-", "unterminated quoted field at the end of the file");
    if (c.ret == 0 && !c.have_header) {
        snprintf(err, errlen,
                 "%s: empty (want the header at,op,zone,name,type,ttl,value)", path);
        c.ret = DP_EPARSE;
    }
    csv_free(&p);
    free(line);
    fclose(f);
    /* free the fields of a record the parser never ended */
    for (size_t k = 0; k < c.nf && k < sizeof(c.field) / sizeof(c.field[0]); k++)
        free(c.field[k]);
    if (c.ret < 0) {
        optable_free(c.rows, c.n);
        return c.ret;
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
