/*
 * csvtab: header-named CSV tables (see csvtab.h).
 */
#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/csvtab.h"
#include "harness/common/errcode.h"

#define MAX_FIELDS 32

struct csvtab {
    const csvtab_spec_t *spec;
    const char *path;
    unsigned long line;
    unsigned long rec_line;
    char *field[MAX_FIELDS];
    size_t nf;
    int map[MAX_FIELDS]; /* header position -> column */
    size_t nmap;
    bool have_header;
    int ret;
    char *err;
    size_t errlen;
};

int csvtab_fail(csvtab_t *t, const char *field, const char *fmt, ...)
{
    va_list ap;
    size_t o;

    if (t->ret < 0)
        return t->ret;
    o = (size_t)snprintf(t->err, t->errlen, "%s:%lu: field '%s': ", t->path, t->rec_line,
                         field);
    if (o < t->errlen) {
        va_start(ap, fmt);
        vsnprintf(t->err + o, t->errlen - o, fmt, ap);
        va_end(ap);
    }
    t->ret = DP_EPARSE;
    return t->ret;
}

const char *csvtab_get(const csvtab_t *t, int col)
{
    size_t i;

    for (i = 0; i < t->nmap && i < t->nf; i++) {
        if (t->map[i] == col && t->field[i] != NULL)
            return t->field[i];
    }
    return "";
}

unsigned long csvtab_line(const csvtab_t *t)
{
    return t->rec_line;
}

static void on_field(void *s, size_t len, void *data)
{
    csvtab_t *t = data;

    if (t->nf < MAX_FIELDS)
        t->field[t->nf] = strndup(s, len);
    t->nf++;
}

static void header(csvtab_t *t)
{
    const csvtab_spec_t *sp = t->spec;
    unsigned seen = 0;
    size_t i;
    int k;

    t->nmap = t->nf < MAX_FIELDS ? t->nf : MAX_FIELDS;
    for (i = 0; i < t->nmap; i++) {
        t->map[i] = -1;
        for (k = 0; k < sp->ncols; k++) {
            if (t->field[i] != NULL && strcmp(t->field[i], sp->cols[k]) == 0) {
                t->map[i] = k;
                seen |= 1u << k;
            }
        }
        if (t->map[i] < 0) {
            csvtab_fail(t, t->field[i] != NULL ? t->field[i] : "?", "unknown column (%s)",
                        sp->want);
            return;
        }
    }
    for (k = 0; k < sp->ncols; k++) {
        if (!(seen & (1u << k)) && !(sp->optional & (1u << k))) {
            csvtab_fail(t, sp->cols[k], "missing from the header (%s)", sp->want);
            return;
        }
    }
    t->have_header = true;
}

static void free_fields(csvtab_t *t)
{
    size_t i;

    for (i = 0; i < t->nf && i < MAX_FIELDS; i++) {
        free(t->field[i]);
        t->field[i] = NULL;
    }
    t->nf = 0;
}

static void on_record(int term, void *data)
{
    csvtab_t *t = data;
    bool blank = true;
    size_t i;
    int ret;

    (void)term;
    for (i = 0; i < t->nf && i < MAX_FIELDS; i++)
        blank &= t->field[i] == NULL || t->field[i][0] == '\0';
    if (t->ret == 0 && !blank) {
        if (!t->have_header) {
            header(t);
        } else {
            ret = t->spec->row(t, t->spec->arg);
            if (ret < 0 && t->ret == 0)
                t->ret = ret;
        }
    }
    free_fields(t);
}

int csvtab_read(const char *path, const csvtab_spec_t *spec, char *err, size_t errlen)
{
    struct csv_parser p;
    csvtab_t t;
    FILE *f;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;

    memset(&t, 0, sizeof(t));
    t.spec = spec;
    t.path = path;
    t.err = err;
    t.errlen = errlen;
    f = fopen(path, "r");
    if (f == NULL) {
        int e = errno;
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
        return -e;
    }
    csv_init(&p, CSV_STRICT | CSV_STRICT_FINI);
    while (t.ret == 0 && (len = getline(&line, &cap, f)) >= 0) {
        t.line++;
        if (t.nf == 0 && p.pstate == 0) {
            if (line[0] == '#')
                continue;
            t.rec_line = t.line;
        }
        if (csv_parse(&p, line, (size_t)len, on_field, on_record, &t) != (size_t)len &&
            t.ret == 0) {
            t.rec_line = t.line;
            csvtab_fail(&t, "-", "%s", csv_strerror(csv_error(&p)));
        }
    }
    if (t.ret == 0 && csv_fini(&p, on_field, on_record, &t) != 0)
        csvtab_fail(&t, "-", "unterminated quoted field at the end of the file");
    if (t.ret == 0 && !t.have_header) {
        snprintf(err, errlen, "%s: empty (want the header %s)", path, spec->want);
        t.ret = DP_EPARSE;
    }
    free_fields(&t); /* a record the parser never ended */
    csv_free(&p);
    free(line);
    fclose(f);
    return t.ret;
}
