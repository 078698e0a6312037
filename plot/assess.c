/*
 * assess: multi-source convergence assessment (see assess.h).
 */
#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness/errcode.h"
#include "harness/numparse.h"
#include "plot/assess.h"
#include "probes/rdata.h"

enum { C_SOURCE, C_PRESENCE, C_NAME, C_TYPE, C_CLASS, C_TTL, C_RDATA, C_N };
static const char *const cols[C_N] = {"source", "presence", "name", "type",
                                      "class",  "ttl",      "rdata"};

typedef struct {
    const char *path;
    unsigned long line;
    unsigned long rec_line;
    char *field[16];
    size_t nf;
    int map[16];
    size_t ncols;
    bool have_header;
    assess_set_t *set;
    size_t cap;
    int ret;
    char *err;
    size_t errlen;
} ctx_t;

static int fail(ctx_t *c, const char *field, const char *msg, const char *v)
{
    if (c->ret < 0)
        return c->ret;
    snprintf(c->err, c->errlen, "%s:%lu: field '%s': %s%s%.200s%s", c->path, c->rec_line,
             field, msg, v != NULL ? " ('" : "", v != NULL ? v : "",
             v != NULL ? "')" : "");
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

static int header(ctx_t *c)
{
    size_t i;
    int k;
    bool seen[C_N] = {false};

    c->ncols = c->nf < 16 ? c->nf : 16;
    for (i = 0; i < c->ncols; i++) {
        c->map[i] = -1;
        for (k = 0; k < C_N; k++) {
            if (c->field[i] != NULL && strcmp(c->field[i], cols[k]) == 0) {
                c->map[i] = k;
                seen[k] = true;
            }
        }
        if (c->map[i] < 0)
            return fail(
                c, c->field[i] != NULL ? c->field[i] : "?",
                "unknown column (source, presence, name, type, class, ttl, rdata)", NULL);
    }
    for (k = 0; k < C_N; k++) {
        if (!seen[k] && k != C_CLASS && k != C_TTL)
            return fail(c, cols[k], "missing from the header", NULL);
    }
    c->have_header = true;
    return 0;
}

static int row(ctx_t *c)
{
    assess_rec_t r;
    char name[RDATA_NAME_TEXT_MAX];
    const char *v;
    size_t i;
    bool blank = true;
    int ret;

    for (i = 0; i < c->nf && i < 16; i++)
        blank &= c->field[i] == NULL || c->field[i][0] == '\0';
    if (blank)
        return 0;
    memset(&r, 0, sizeof(r));
    r.ttl = 86400;
    v = get(c, C_PRESENCE);
    if (strcasecmp(v, "present") == 0)
        r.present = true;
    else if (strcasecmp(v, "absent") != 0)
        return fail(c, "presence", "neither present nor absent", v);
    if (rdata_name_canon(get(c, C_NAME), name, sizeof(name)) < 0)
        return fail(c, "name", "not a domain name", get(c, C_NAME));
    if (rdata_type_from_str(get(c, C_TYPE), &r.type) < 0)
        return fail(c, "type", "unknown record type", get(c, C_TYPE));
    v = get(c, C_TTL);
    if (v[0] != '\0' && numparse_u32(v, &r.ttl) < 0)
        return fail(c, "ttl", "not a TTL in seconds", v);
    v = get(c, C_CLASS);
    if (v[0] != '\0' && strcasecmp(v, "IN") != 0 && strcasecmp(v, "CH") != 0 &&
        strcasecmp(v, "HS") != 0)
        return fail(c, "class", "not IN, CH or HS", v);
    ret = rdata_type_comparable(r.type)
              ? rdata_from_text(r.type, get(c, C_RDATA), &r.rdata)
              : ((r.rdata = strdup(get(c, C_RDATA))) ? 0 : -ENOMEM);
    if (ret < 0)
        return fail(c, "rdata", "not valid for its type", get(c, C_RDATA));
    r.source = strdup(get(c, C_SOURCE));
    r.name = strdup(name);
    r.klass = strdup(v[0] != '\0' ? v : "IN");
    for (char *p = r.klass; p != NULL && *p != '\0'; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    if (c->set->n == c->cap) {
        size_t ncap = c->cap == 0 ? 64 : c->cap * 2;
        assess_rec_t *nr = realloc(c->set->recs, ncap * sizeof(*nr));
        if (nr == NULL) {
            c->ret = -ENOMEM;
            return c->ret;
        }
        c->set->recs = nr;
        c->cap = ncap;
    }
    c->set->recs[c->set->n++] = r;
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
    for (i = 0; i < c->nf && i < 16; i++) {
        free(c->field[i]);
        c->field[i] = NULL;
    }
    c->nf = 0;
}

int assess_load_csv(const char *path, assess_set_t *set, char *err, size_t errlen)
{
    struct csv_parser p;
    ctx_t c;
    FILE *f;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    size_t k;

    memset(set, 0, sizeof(*set));
    memset(&c, 0, sizeof(c));
    c.path = path;
    c.set = set;
    c.err = err;
    c.errlen = errlen;
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
        if (csv_parse(&p, line, (size_t)len, on_field, on_row, &c) != (size_t)len)
            fail(&c, "-", csv_strerror(csv_error(&p)), NULL);
    }
    if (c.ret == 0 && csv_fini(&p, on_field, on_row, &c) != 0)
        fail(&c, "-", "unterminated quoted field at the end of the file", NULL);
    if (c.ret == 0 && !c.have_header) {
        snprintf(err, errlen,
                 "%s: empty (want source,presence,name,type,class,ttl,rdata)", path);
        c.ret = DP_EPARSE;
    }
    for (k = 0; k < c.nf && k < 16; k++)
        free(c.field[k]);
    csv_free(&p);
    free(line);
    fclose(f);
    if (c.ret < 0)
        assess_set_free(set);
    return c.ret;
}

void assess_set_free(assess_set_t *set)
{
    size_t i;

    for (i = 0; i < set->n; i++) {
        free(set->recs[i].source);
        free(set->recs[i].name);
        free(set->recs[i].klass);
        free(set->recs[i].rdata);
    }
    free(set->recs);
    memset(set, 0, sizeof(*set));
}

static bool same(const assess_rec_t *a, const assess_rec_t *b)
{
    return a->type == b->type && strcmp(a->name, b->name) == 0 &&
           strcmp(a->klass, b->klass) == 0 && strcmp(a->rdata, b->rdata) == 0;
}

/* Is r present at source (some PRESENT assertion of it there)? */
static bool present_at(const assess_set_t *set, const char *source, const assess_rec_t *r)
{
    size_t i;

    for (i = 0; i < set->n; i++) {
        const assess_rec_t *x = &set->recs[i];
        if (x->present && strcmp(x->source, source) == 0 && same(x, r))
            return true;
    }
    return false;
}

static json_t *rec_json(const assess_rec_t *r)
{
    char tb[16];

    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s}", "class", r->klass, "type",
                     rdata_type_to_str(r->type, tb), "name", r->name, "rdata", r->rdata,
                     "ttl", (json_int_t)r->ttl, "presence",
                     r->present ? "PRESENT" : "ABSENT", "source", r->source);
}

static void add_to(json_t *map, const char *source, json_t *rec)
{
    json_t *arr = json_object_get(map, source);

    if (arr == NULL) {
        arr = json_array();
        json_object_set_new(map, source, arr);
    }
    json_array_append_new(arr, rec);
}

int assess_run(const assess_set_t *set, const char *master, json_t **out, char *err,
               size_t errlen)
{
    json_t *missing = json_object();
    json_t *over = json_object();
    bool converged = true;
    bool master_seen = false;
    size_t i;
    size_t j;

    for (i = 0; i < set->n; i++)
        master_seen |= strcmp(set->recs[i].source, master) == 0;
    if (!master_seen) {
        snprintf(err, errlen, "no record has the source '%s' (the master)", master);
        json_decref(missing);
        json_decref(over);
        return DP_EEMPTY;
    }
    for (i = 0; i < set->n; i++) {
        const char *src = set->recs[i].source;
        bool first = true;
        if (strcmp(src, master) == 0)
            continue;
        for (j = 0; j < i && first; j++)
            first = strcmp(set->recs[j].source, src) != 0;
        if (!first)
            continue; /* each source once */
        /* missing: PRESENT at the master, not present at src */
        for (j = 0; j < set->n; j++) {
            const assess_rec_t *m = &set->recs[j];
            if (strcmp(m->source, master) == 0 && m->present &&
                !present_at(set, src, m)) {
                json_t *r = rec_json(m);
                json_object_set_new(r, "source", json_string(src));
                json_object_set_new(r, "presence", json_string("ABSENT"));
                add_to(missing, src, r);
                converged = false;
            }
        }
        /* overpresent: present at src, not PRESENT at the master (the
         * master's ABSENT records included) */
        for (j = 0; j < set->n; j++) {
            const assess_rec_t *x = &set->recs[j];
            bool dup = false;
            size_t k;
            if (strcmp(x->source, src) != 0 || !x->present || present_at(set, master, x))
                continue;
            for (k = 0; k < j && !dup; k++)
                dup = set->recs[k].present && strcmp(set->recs[k].source, src) == 0 &&
                      same(&set->recs[k], x);
            if (dup)
                continue;
            add_to(over, src, rec_json(x));
            converged = false;
        }
    }
    *out = json_pack("{s:b, s:o, s:o}", "converged", converged, "missing", missing,
                     "overpresent", over);
    return 0;
}
