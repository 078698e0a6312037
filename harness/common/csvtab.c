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
#include "harness/common/fsutil.h"
#include "harness/common/quote.h"
#include "harness/common/vec.h"

/* csvtab's own wording (csvtab_spec_t.style NULL). */
static const csvtab_style_t own_style = {
    "-", "unterminated quoted field at the end of the file", NULL, false};

struct csvtab {
    const csvtab_spec_t *spec;
    const csvtab_style_t *style;
    const char *path;
    unsigned long line;
    unsigned long rec_line;
    char **field; /* the current record's cells */
    size_t nf;
    size_t capf;
    int *map; /* header position -> column */
    size_t nmap;
    size_t capmap;
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
    if (field != NULL)
        o = (size_t)snprintf(t->err, t->errlen, "%s:%lu: field '%s': ", t->path,
                             t->rec_line, field);
    else
        o = (size_t)snprintf(t->err, t->errlen, "%s:%lu: ", t->path, t->rec_line);
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

size_t csvtab_nfields(const csvtab_t *t)
{
    return t->nf;
}

const char *csvtab_field(const csvtab_t *t, size_t i, int *col)
{
    *col = i < t->nmap ? t->map[i] : -1;
    return i < t->nf && t->field[i] != NULL ? t->field[i] : "";
}

unsigned long csvtab_line(const csvtab_t *t)
{
    return t->rec_line;
}

static void on_field(void *s, size_t len, void *data)
{
    csvtab_t *t = data;
    char **f;

    if (t->ret < 0)
        return;
    f = VEC_PUSH(t->field, t->nf, t->capf);
    if (f == NULL || (*f = strndup(s != NULL ? s : "", len)) == NULL) {
        snprintf(t->err, t->errlen, "%s: out of memory", t->path);
        t->ret = -ENOMEM;
    }
}

static void header(csvtab_t *t)
{
    const csvtab_spec_t *sp = t->spec;
    unsigned seen = 0;
    size_t i;
    int k;

    if (VEC_RESERVE(t->map, t->capmap, t->nf) < 0) {
        snprintf(t->err, t->errlen, "%s: out of memory", t->path);
        t->ret = -ENOMEM;
        return;
    }
    t->nmap = t->nf;
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
    if (sp->head != NULL) {
        int ret = sp->head(t, sp->arg);
        if (ret < 0)
            t->ret = ret;
    }
}

static void free_fields(csvtab_t *t)
{
    size_t i;

    for (i = 0; i < t->nf; i++) {
        free(t->field[i]);
        t->field[i] = NULL;
    }
    t->nf = 0;
}

/* Every cell is UTF-8 (what JSON, Redis keys and the reports carry:
 * jansson refuses anything else, and a cell it refused would silently go
 * missing). */
static bool cells_utf8(csvtab_t *t)
{
    size_t i;

    for (i = 0; i < t->nf; i++) {
        int col = i < t->nmap ? t->map[i] : -1;
        if (t->field[i] == NULL || quote_utf8_valid(t->field[i], strlen(t->field[i])))
            continue;
        csvtab_fail(t, col >= 0 ? t->spec->cols[col] : NULL,
                    "'%s' is not UTF-8: write the text in UTF-8", t->field[i]);
        return false;
    }
    return true;
}

static void on_record(int term, void *data)
{
    csvtab_t *t = data;
    bool blank = true;
    size_t i;
    int ret;

    (void)term;
    for (i = 0; i < t->nf; i++)
        blank &= t->field[i] == NULL || t->field[i][0] == '\0';
    if (t->ret == 0 && !cells_utf8(t)) {
        free_fields(t);
        return;
    }
    if (!t->have_header && t->style->blank_header)
        blank = false;
    if (t->ret == 0 && !blank) {
        if (!t->have_header) {
            header(t);
        } else {
            /* The row's code wins over csvtab_fail's DP_EPARSE. */
            ret = t->spec->row(t, t->spec->arg);
            if (ret < 0)
                t->ret = ret;
        }
    }
    free_fields(t);
}

/* One line (with its '\n', if any) to the parser. */
static void parse_line(csvtab_t *t, struct csv_parser *p, const char *line, size_t len)
{
    t->line++;
    if (t->nf == 0 && p->pstate == 0) {
        if (line[0] == '#')
            return;
        t->rec_line = t->line;
    }
    if (csv_parse(p, line, len, on_field, on_record, t) != len && t->ret == 0) {
        t->rec_line = t->line;
        csvtab_fail(t, t->style->syntax_field, "%s", csv_strerror(csv_error(p)));
    }
}

/* The whole lines in buf[0, *have) to the parser (the last one too at
 * eof); what is left of a line is moved to the front. */
static void parse_lines(csvtab_t *t, struct csv_parser *p, char *buf, size_t *have,
                        bool eof)
{
    size_t pos = 0;

    while (t->ret == 0 && pos < *have) {
        const char *nl = memchr(buf + pos, '\n', *have - pos);
        size_t len = nl != NULL ? (size_t)(nl - (buf + pos)) + 1 : *have - pos;
        if (nl == NULL && !eof)
            break;
        parse_line(t, p, buf + pos, len);
        pos += len;
    }
    memmove(buf, buf + pos, *have - pos);
    *have -= pos;
}

/* Read and parse the input a chunk at a time: a table of a million rows
 * is never in memory whole, only the row being read. */
static int read_all(csvtab_t *t, struct csv_parser *p, fsutil_in_t *in, char *why,
                    size_t whylen)
{
    size_t cap = CSVTAB_CHUNK;
    size_t have = 0;
    char *buf = malloc(cap);
    ssize_t n = 1;

    while (buf != NULL && t->ret == 0 && n > 0) {
        if (have + 1 >= cap) { /* one line longer than the buffer */
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL)
                break;
            buf = nb;
            cap *= 2;
        }
        n = fsutil_read_next(in, buf + have, cap - 1 - have, why, whylen);
        if (n < 0)
            break;
        have += (size_t)n;
        parse_lines(t, p, buf, &have, n == 0);
    }
    free(buf);
    if (buf == NULL || (n > 0 && t->ret == 0))
        return -ENOMEM;
    return n < 0 ? (int)n : 0;
}

int csvtab_read(const char *path, const csvtab_spec_t *spec, char *err, size_t errlen)
{
    struct csv_parser p;
    csvtab_t t;
    fsutil_in_t in;
    char why[256];
    int ret;

    memset(&t, 0, sizeof(t));
    t.spec = spec;
    t.style = spec->style != NULL ? spec->style : &own_style;
    t.path = path;
    t.err = err;
    t.errlen = errlen;
    ret = fsutil_open_input(path, spec->max != 0 ? spec->max : CSVTAB_MAX_BYTES, &in, why,
                            sizeof(why));
    if (ret < 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        quote_message(err, errlen);
        return ret;
    }
    csv_init(&p, CSV_STRICT | CSV_STRICT_FINI);
    ret = read_all(&t, &p, &in, why, sizeof(why));
    fsutil_close_input(&in);
    if (ret < 0 && t.ret == 0) {
        snprintf(err, errlen, "%s: %s", path, ret == -ENOMEM ? "out of memory" : why);
        t.ret = ret;
    }
    if (t.ret == 0 && csv_fini(&p, on_field, on_record, &t) != 0)
        csvtab_fail(&t, t.style->syntax_field, "%s", t.style->unterminated);
    if (t.ret == 0 && !t.have_header) {
        if (t.style->empty != NULL)
            snprintf(err, errlen, "%s: %s", path, t.style->empty);
        else
            snprintf(err, errlen, "%s: empty (want the header %s)", path, spec->want);
        t.ret = DP_EPARSE;
    }
    free_fields(&t); /* a record the parser never ended */
    free(t.field);
    free(t.map);
    csv_free(&p);
    if (t.ret < 0)
        quote_message(err, errlen); /* messages quote the cells */
    return t.ret;
}
