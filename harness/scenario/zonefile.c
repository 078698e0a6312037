/*
 * zonefile: $INCLUDE and $GENERATE expanded into one text for ldns, with
 * a map from each line of that text back to the FILE:LINE it came from
 * (see zonefile.h).
 *
 * The input is read line by line. A line is a directive when it starts
 * with '$' while no parenthesis is open and no quoted string runs on
 * (RFC 1035 5.1: parentheses continue a record over lines, so a '$' at the
 * start of a continuation line is data). Lines that are not $INCLUDE or
 * $GENERATE are copied as they are; $ORIGIN lines are also followed, to
 * know the origin that relative $INCLUDE origins are relative to, and that
 * an $INCLUDE restores.
 *
 * The line map is a list of segments: a run of lines copied from one file
 * (expanded line out+k is line line+k there) or a run of lines made by
 * one directive (every one of them is that directive's line). A $GENERATE
 * of 200000 records is one segment, not 200000.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "harness/common/errcode.h"
#include "harness/common/fsutil.h"
#include "harness/common/quote.h"
#include "harness/common/vec.h"
#include "harness/scenario/zonefile.h"

/* A name in presentation form: 255 octets, each at most "\DDD". */
#define ZF_NAME_MAX 1024
/* Tokens a directive line is split into (more is an error). */
#define ZF_MAX_TOKENS 32
/* $GENERATE's widest field (no label or name is longer). */
#define ZF_WIDTH_MAX 255

typedef struct {
    size_t out; /* first expanded line (0-based) of the segment */
    size_t file;
    long line;
    bool same; /* every line is `line` (a directive's output) */
} zf_seg_t;

struct zf_text {
    char *buf;
    size_t len;
    size_t cap;
    size_t lines; /* lines in buf */
    zf_seg_t *segs;
    size_t nsegs;
    size_t segcap;
    char **files;
    size_t nfiles;
    size_t filecap;
};

typedef struct {
    dev_t dev;
    ino_t ino;
} zf_id_t;

typedef struct {
    zf_text_t *t;
    size_t max_bytes;
    bool no_include;
    char origin[ZF_NAME_MAX];
    zf_id_t stack[ZF_MAX_DEPTH + 1];
    int depth; /* files being read, below the one being read */
    char *err;
    size_t errlen;
} zf_ctx_t;

/* Where a line comes from, for messages and the map. */
typedef struct {
    size_t file;
    long line;
} zf_pos_t;

typedef struct {
    const char *s;
    size_t n;
} zf_tok_t;

/* ---- output and the line map ------------------------------------------------------ */

static const char *file_name(const zf_ctx_t *c, size_t file)
{
    return c->t->files[file];
}

/* err = "FILE:LINE: " + the message; returns DP_EPARSE. */
__attribute__((format(printf, 3, 4))) static int fail(zf_ctx_t *c, zf_pos_t at,
                                                      const char *fmt, ...)
{
    va_list ap;
    size_t o;

    if (c->errlen == 0)
        return DP_EPARSE;
    snprintf(c->err, c->errlen, "%s:%ld: ", file_name(c, at.file), at.line);
    o = strlen(c->err);
    va_start(ap, fmt);
    if (o < c->errlen)
        vsnprintf(c->err + o, c->errlen - o, fmt, ap);
    va_end(ap);
    return DP_EPARSE;
}

static int map_line(zf_text_t *t, zf_pos_t at, bool same)
{
    zf_seg_t *g = t->nsegs > 0 ? &t->segs[t->nsegs - 1] : NULL;

    if (g != NULL && g->file == at.file && g->same == same &&
        (same ? g->line == at.line
              : at.line - g->line >= 0 &&
                    (size_t)(at.line - g->line) == t->lines - g->out))
        return 0;
    g = VEC_PUSH(t->segs, t->nsegs, t->segcap);
    if (g == NULL)
        return -ENOMEM;
    g->out = t->lines;
    g->file = at.file;
    g->line = at.line;
    g->same = same;
    return 0;
}

/* One expanded line: the n bytes at s and a newline. */
static int emit(zf_ctx_t *c, zf_pos_t at, bool same, const char *s, size_t n)
{
    zf_text_t *t = c->t;
    char lim[32];

    if (n >= c->max_bytes || t->len > c->max_bytes - n - 1) {
        snprintf(lim, sizeof(lim), "%zu", c->max_bytes);
        return fail(c, at, "the expanded zone would be over %s bytes: split it", lim);
    }
    if (VEC_RESERVE(t->buf, t->cap, t->len + n + 2) < 0 || map_line(t, at, same) < 0)
        return -ENOMEM;
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len++] = '\n';
    t->buf[t->len] = '\0';
    t->lines++;
    return 0;
}

/* ---- lexing ----------------------------------------------------------------------- */

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/* The parenthesis depth and quote state after line s[0..n) (RFC 1035 5.1:
 * ';' starts a comment outside quotes, '\' escapes the next character). */
static void scan_state(const char *s, size_t n, int *paren, bool *inq, long *opened,
                       long line)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '\\') {
            i++;
        } else if (*inq) {
            if (ch == '"')
                *inq = false;
        } else if (ch == ';') {
            return;
        } else if (ch == '"') {
            *inq = true;
        } else if (ch == '(') {
            if ((*paren)++ == 0)
                *opened = line;
        } else if (ch == ')' && *paren > 0) {
            (*paren)--;
        }
    }
}

/* Split a directive line into tokens (quoted ones without their quotes),
 * up to a comment. Returns the count, or DP_EPARSE with err set. */
static int tokenize(zf_ctx_t *c, zf_pos_t at, const char *s, size_t n, zf_tok_t *tok,
                    size_t *rawend)
{
    size_t i = 0;
    int nt = 0;

    *rawend = 0;
    for (;;) {
        size_t b;
        while (i < n && is_space(s[i]))
            i++;
        if (i >= n || s[i] == ';')
            return nt;
        if (nt == ZF_MAX_TOKENS)
            return fail(c, at, "%s: too many fields", "directive");
        if (s[i] == '(' || s[i] == ')')
            return fail(c, at, "%s: parentheses are not supported in directives",
                        "directive");
        if (s[i] == '"') {
            b = ++i;
            while (i < n && s[i] != '"')
                i += s[i] == '\\' ? 2 : 1;
            if (i >= n)
                return fail(c, at, "%s: a quoted string is not closed", "directive");
            tok[nt].s = s + b;
            tok[nt++].n = i - b;
            i++;
        } else {
            b = i;
            while (i < n && !is_space(s[i]) && s[i] != ';')
                i += s[i] == '\\' && i + 1 < n ? 2 : 1;
            tok[nt].s = s + b;
            tok[nt++].n = i - b;
        }
        *rawend = i;
    }
}

/* Does the name end in an unescaped dot (absolute)? */
static bool name_absolute(const char *s, size_t n)
{
    size_t bs = 0;

    if (n == 0 || s[n - 1] != '.')
        return false;
    while (bs + 1 < n && s[n - 2 - bs] == '\\')
        bs++;
    return bs % 2 == 0;
}

/* The name (n bytes at s) made absolute against the current origin, into
 * out (ZF_NAME_MAX). */
static int qualify(zf_ctx_t *c, zf_pos_t at, const char *s, size_t n, char *out)
{
    int w;

    if (n == 1 && s[0] == '@')
        w = snprintf(out, ZF_NAME_MAX, "%s", c->origin);
    else if (name_absolute(s, n))
        w = snprintf(out, ZF_NAME_MAX, "%.*s", (int)n, s);
    else
        w = snprintf(out, ZF_NAME_MAX, "%.*s%s%s", (int)n, s,
                     strcmp(c->origin, ".") == 0 ? "" : ".", c->origin);
    if (w < 0 || w >= ZF_NAME_MAX)
        return fail(c, at, "%s: the name is too long", "origin");
    return 0;
}

/* ---- $GENERATE -------------------------------------------------------------------- */

typedef struct {
    unsigned long start, stop, step;
} zf_range_t;

/* Digits at s[*i..n) into *v (at most max); false when there are none or
 * the number is too big. */
static bool take_num(const char *s, size_t n, size_t *i, unsigned long max,
                     unsigned long *v)
{
    size_t b = *i;

    *v = 0;
    while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
        unsigned d = (unsigned)(s[*i] - '0');
        if (*v > (max - d) / 10)
            return false;
        *v = *v * 10 + d;
        (*i)++;
    }
    return *i > b;
}

/* An unsigned 32-bit decimal number at the start of s[0..n): *used bytes. */
static int parse_ulong(const char *s, size_t n, unsigned long *v, size_t *used)
{
    *used = 0;
    return take_num(s, n, used, UINT32_MAX, v) ? 0 : -1;
}

/* "start-stop[/step]", each an unsigned 32-bit decimal number. */
static int parse_range(zf_ctx_t *c, zf_pos_t at, const zf_tok_t *tk, zf_range_t *r)
{
    char what[64];
    size_t u = 0;
    size_t o;
    unsigned long count;

    snprintf(what, sizeof(what), "%.*s", (int)(tk->n < 40 ? tk->n : 40), tk->s);
    r->step = 1;
    if (parse_ulong(tk->s, tk->n, &r->start, &u) < 0 || u >= tk->n || tk->s[u] != '-')
        goto bad;
    o = u + 1;
    if (parse_ulong(tk->s + o, tk->n - o, &r->stop, &u) < 0)
        goto bad;
    o += u;
    if (o < tk->n) {
        if (tk->s[o] != '/' ||
            parse_ulong(tk->s + o + 1, tk->n - o - 1, &r->step, &u) < 0 ||
            o + 1 + u != tk->n || r->step == 0)
            goto bad;
    }
    if (r->stop < r->start)
        return fail(c, at, "$GENERATE range %s: stop is below start", what);
    count = (r->stop - r->start) / r->step + 1;
    if (count > ZF_GENERATE_MAX) {
        snprintf(what, sizeof(what), "%lu records; at most %u", count, ZF_GENERATE_MAX);
        return fail(c, at, "$GENERATE would make %s: split the range or the zone", what);
    }
    return 0;
bad:
    return fail(c, at,
                "$GENERATE range '%s': expected START-STOP or START-STOP/STEP "
                "(unsigned numbers, STEP >= 1)",
                what);
}

/* BIND's nibble form: hex digits of v, least significant first, dots
 * between; width counts digits and dots; at least one digit. */
static int put_nibbles(char *o, size_t cap, unsigned long v, unsigned width, bool upper)
{
    const char *hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t k = 0;

    do {
        if (k + 2 >= cap)
            return -1;
        o[k++] = hex[v & 0xf];
        v >>= 4;
        if (width > 0)
            width--;
        if (width > 0 || v != 0) {
            o[k++] = '.';
            if (width > 0)
                width--;
        }
    } while (v != 0 || width > 0);
    o[k] = '\0';
    return (int)k;
}

typedef struct {
    long long off;
    unsigned long width;
    char base;
} zf_mod_t;

/* The modifier "{off[,width[,base]]}" at s (after the '$'): *used bytes. */
static int parse_mod(zf_ctx_t *c, zf_pos_t at, const char *s, size_t n, zf_mod_t *m,
                     size_t *used)
{
    char what[48];
    size_t i = 1;
    unsigned long v;
    bool neg = false;

    m->off = 0;
    m->width = 0;
    m->base = 'd';
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (!take_num(s, n, &i, UINT32_MAX, &v))
        goto bad;
    m->off = neg ? -(long long)v : (long long)v;
    if (i < n && s[i] == ',') {
        i++;
        if (!take_num(s, n, &i, ZF_WIDTH_MAX, &m->width))
            goto bad;
        if (i < n && s[i] == ',') {
            if (i + 1 >= n || strchr("doxXnN", s[i + 1]) == NULL || s[i + 1] == '\0')
                goto bad;
            m->base = s[i + 1];
            i += 2;
        }
    }
    if (i >= n || s[i] != '}')
        goto bad;
    *used = i + 1;
    return 0;
bad:
    snprintf(what, sizeof(what), "%.*s", (int)(n < 24 ? n : 24), s);
    return fail(c, at,
                "$GENERATE: bad modifier '$%s': expected ${OFFSET[,WIDTH[,BASE]]}, WIDTH "
                "<= 255, BASE one of d o x X n N",
                what);
}

/* The iterator it formatted by modifier m into num (cap bytes). */
static int format_num(zf_ctx_t *c, zf_pos_t at, const zf_mod_t *m, unsigned long it,
                      char *num, size_t cap)
{
    long long v = (long long)it + m->off;
    int w = (int)m->width;
    int k;

    if (v < 0 || v > (long long)UINT32_MAX) {
        char what[64];
        snprintf(what, sizeof(what), "%lu%+lld = %lld", it, m->off, v);
        return fail(c, at, "$GENERATE: %s is out of range (0 to 4294967295)", what);
    }
    switch (m->base) {
    case 'o':
        k = snprintf(num, cap, "%0*llo", w, v);
        break;
    case 'x':
        k = snprintf(num, cap, "%0*llx", w, v);
        break;
    case 'X':
        k = snprintf(num, cap, "%0*llX", w, v);
        break;
    case 'n':
    case 'N':
        k = put_nibbles(num, cap, (unsigned long)v, (unsigned)w, m->base == 'N');
        break;
    default:
        k = snprintf(num, cap, "%0*lld", w, v);
        break;
    }
    return k < 0 || (size_t)k >= cap ? -ENOMEM : k;
}

/* n bytes at s appended to the growing buffer *o. */
static int put(char **o, size_t *olen, size_t *ocap, const char *s, size_t n)
{
    if (VEC_RESERVE(*o, *ocap, *olen + n + 2) < 0)
        return -ENOMEM;
    memcpy(*o + *olen, s, n);
    *olen += n;
    (*o)[*olen] = '\0';
    return 0;
}

/* Template s[0..n) with the iterator it appended to *o. */
static int subst(zf_ctx_t *c, zf_pos_t at, const char *s, size_t n, unsigned long it,
                 char **o, size_t *olen, size_t *ocap)
{
    char num[ZF_WIDTH_MAX * 2 + 32];
    size_t i = 0;
    int ret = 0;

    while (i < n && ret == 0) {
        zf_mod_t m = {0, 0, 'd'};
        size_t used = 0;
        int k;

        if (s[i] == '\\') { /* kept as written: ldns reads the escape */
            size_t l = i + 1 < n ? 2 : 1;
            ret = put(o, olen, ocap, s + i, l);
            i += l;
            continue;
        }
        if (s[i] != '$') {
            ret = put(o, olen, ocap, s + i, 1);
            i++;
            continue;
        }
        if (i + 1 < n && s[i + 1] == '$') { /* "$$": a literal '$' */
            ret = put(o, olen, ocap, "$", 1);
            i += 2;
            continue;
        }
        if (i + 1 < n && s[i + 1] == '{') {
            ret = parse_mod(c, at, s + i + 1, n - i - 1, &m, &used);
            if (ret < 0)
                return ret;
        }
        k = format_num(c, at, &m, it, num, sizeof(num));
        if (k < 0)
            return k;
        ret = put(o, olen, ocap, num, (size_t)k);
        i += 1 + used;
    }
    return ret;
}

/* "$GENERATE range lhs [ttl] [class] type rhs": one line per iterator
 * value, "LHS REST" with REST everything after lhs as written. */
static int do_generate(zf_ctx_t *c, zf_pos_t at, const zf_tok_t *tok, int nt,
                       size_t rawend, const char *line)
{
    const char *rest;
    size_t rlen;
    zf_range_t r = {0, 0, 1};
    char *o = NULL;
    size_t olen = 0;
    size_t ocap = 0;
    unsigned long it;
    int ret;

    if (nt < 5)
        return fail(c, at,
                    "%s: expected $GENERATE START-STOP[/STEP] LHS [TTL] [CLASS] "
                    "TYPE RHS",
                    "$GENERATE");
    if (tok[2].s > line && tok[2].s[-1] == '"')
        return fail(c, at, "$GENERATE: %s", "the owner (LHS) cannot be quoted");
    ret = parse_range(c, at, &tok[1], &r);
    if (ret < 0)
        return ret;
    rest = tok[3].s - (tok[3].s > line && tok[3].s[-1] == '"' ? 1 : 0);
    rlen = (size_t)(line + rawend - rest);
    for (it = r.start; ret == 0; it += r.step) {
        olen = 0;
        ret = subst(c, at, tok[2].s, tok[2].n, it, &o, &olen, &ocap);
        if (ret == 0)
            ret = put(&o, &olen, &ocap, " ", 1);
        if (ret == 0)
            ret = subst(c, at, rest, rlen, it, &o, &olen, &ocap);
        if (ret == 0)
            ret = emit(c, at, true, o, olen);
        if (r.stop - it < r.step)
            break;
    }
    free(o);
    return ret;
}

/* ---- $INCLUDE --------------------------------------------------------------------- */

static int expand_file(zf_ctx_t *c, size_t file, const char *data, size_t len);

static int add_file(zf_text_t *t, const char *name, size_t *idx)
{
    char **f = VEC_PUSH(t->files, t->nfiles, t->filecap);

    if (f == NULL)
        return -ENOMEM;
    *f = strdup(name);
    if (*f == NULL) {
        t->nfiles--;
        return -ENOMEM;
    }
    *idx = t->nfiles - 1;
    return 0;
}

/* path as the including file (its name inc) sees it, into out. */
static int include_path(const char *inc, const zf_tok_t *f, char *out, size_t cap)
{
    const char *slash = strrchr(inc, '/');
    int w;

    if (f->s[0] == '/' || slash == NULL)
        w = snprintf(out, cap, "%.*s", (int)f->n, f->s);
    else
        w = snprintf(out, cap, "%.*s/%.*s", (int)(slash - inc), inc, (int)f->n, f->s);
    return w < 0 || (size_t)w >= cap ? -ENAMETOOLONG : 0;
}

/* Read path (a regular file of at most max_bytes, fsutil.h) and check it
 * against the files being read (a cycle). */
static int open_include(zf_ctx_t *c, zf_pos_t at, const char *path, char **data,
                        size_t *len)
{
    struct stat st;
    char why[256];
    int ret;
    int i;

    ret = fsutil_read_input(path, c->max_bytes, data, len, &st, why, sizeof(why));
    if (ret == -ENOMEM)
        return ret;
    if (ret < 0) {
        bool file = fsutil_input_refused(ret) != 0;
        snprintf(c->err, c->errlen, "%s:%ld: $INCLUDE %s: %s", file_name(c, at.file),
                 at.line, path, file ? why : strerror(-ret));
        return file ? DP_EPARSE : ret;
    }
    for (i = 0; ret == 0 && i <= c->depth; i++) {
        if (c->stack[i].dev == st.st_dev && c->stack[i].ino == st.st_ino)
            ret = fail(c, at,
                       "$INCLUDE %s: a cycle (that file is already being read): remove "
                       "the $INCLUDE",
                       path);
    }
    if (ret == 0) {
        c->stack[c->depth + 1].dev = st.st_dev;
        c->stack[c->depth + 1].ino = st.st_ino;
    } else {
        free(*data);
        *data = NULL;
    }
    return ret;
}

/* "$INCLUDE file [origin]" (RFC 1035 5.1). */
static int do_include(zf_ctx_t *c, zf_pos_t at, const zf_tok_t *tok, int nt)
{
    char path[PATH_MAX];
    char saved[ZF_NAME_MAX];
    char line[ZF_NAME_MAX + 16];
    char *data = NULL;
    size_t len = 0;
    size_t idx = 0;
    int ret;

    if (c->no_include)
        return fail(c, at, "%s: not allowed here", "$INCLUDE");
    if (nt < 2 || nt > 3)
        return fail(c, at, "%s: expected $INCLUDE FILE [ORIGIN]", "$INCLUDE");
    if (c->depth + 1 > ZF_MAX_DEPTH)
        return fail(c, at, "$INCLUDE: nested more than %d deep", ZF_MAX_DEPTH);
    if (include_path(file_name(c, at.file), &tok[1], path, sizeof(path)) < 0)
        return fail(c, at, "$INCLUDE: %s", "the path is too long");
    ret = open_include(c, at, path, &data, &len);
    if (ret == 0)
        ret = add_file(c->t, path, &idx);
    memcpy(saved, c->origin, sizeof(saved));
    if (ret == 0 && nt == 3) {
        char o[ZF_NAME_MAX];
        ret = qualify(c, at, tok[2].s, tok[2].n, o);
        memcpy(c->origin, o, sizeof(o));
        snprintf(line, sizeof(line), "$ORIGIN %s", c->origin);
        if (ret == 0)
            ret = emit(c, at, true, line, strlen(line));
    }
    if (ret == 0) {
        c->depth++;
        ret = expand_file(c, idx, data, len);
        c->depth--;
    }
    /* RFC 1035 5.1: the parent's origin is as it was. */
    if (ret == 0 && strcmp(saved, c->origin) != 0) {
        memcpy(c->origin, saved, sizeof(saved));
        snprintf(line, sizeof(line), "$ORIGIN %s", c->origin);
        ret = emit(c, at, true, line, strlen(line));
    }
    free(data);
    return ret;
}

/* ---- lines ------------------------------------------------------------------------ */

static bool tok_is(const zf_tok_t *t, const char *word)
{
    return t->n == strlen(word) && strncasecmp(t->s, word, t->n) == 0;
}

/* A line that starts with '$'. */
static int directive(zf_ctx_t *c, zf_pos_t at, const char *s, size_t n)
{
    zf_tok_t tok[ZF_MAX_TOKENS];
    size_t rawend = 0;
    int nt;

    /* Only $INCLUDE and $GENERATE are split here: other directives go to
     * ldns as written ($ORIGIN followed too), whatever their quoting. */
    if (n >= 7 && strncasecmp(s, "$ORIGIN", 7) == 0 && (n == 7 || is_space(s[7]))) {
        nt = tokenize(c, at, s, n, tok, &rawend);
        if (nt < 0)
            return DP_EPARSE;
        if (nt == 2) {
            /* Written out absolute: ldns 1.8.3 takes a relative $ORIGIN
             * as relative to the root, BIND and RFC 1035 5.1 to the
             * current origin. */
            char o[ZF_NAME_MAX];
            char l[ZF_NAME_MAX + 16];
            int ret = qualify(c, at, tok[1].s, tok[1].n, o);
            if (ret < 0)
                return ret;
            memcpy(c->origin, o, sizeof(o));
            snprintf(l, sizeof(l), "$ORIGIN %s", c->origin);
            return emit(c, at, false, l, strlen(l));
        }
        return emit(c, at, false, s, n);
    }
    if (!((n >= 8 && strncasecmp(s, "$INCLUDE", 8) == 0) ||
          (n >= 9 && strncasecmp(s, "$GENERATE", 9) == 0)))
        return emit(c, at, false, s, n);
    nt = tokenize(c, at, s, n, tok, &rawend);
    if (nt < 0)
        return DP_EPARSE;
    if (tok_is(&tok[0], "$INCLUDE"))
        return do_include(c, at, tok, nt);
    if (tok_is(&tok[0], "$GENERATE"))
        return do_generate(c, at, tok, nt, rawend, s);
    return emit(c, at, false, s, n);
}

static int expand_file(zf_ctx_t *c, size_t file, const char *data, size_t len)
{
    zf_pos_t at = {file, 0};
    int paren = 0;
    bool inq = false;
    long opened = 0;
    size_t i = 0;
    int ret = 0;

    while (i < len && ret == 0) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t n = nl != NULL ? (size_t)(nl - (data + i)) : len - i;
        const char *s = data + i;

        at.line++;
        if (memchr(s, '\0', n) != NULL)
            return fail(c, at, "%s: a NUL byte: is it a zone file?", "binary data");
        if (paren == 0 && !inq && n > 0 && s[0] == '$')
            ret = directive(c, at, s, n);
        else
            ret = emit(c, at, false, s, n);
        scan_state(s, n, &paren, &inq, &opened, at.line);
        i += n + 1;
    }
    if (ret == 0 && c->depth > 0 && (paren > 0 || inq)) {
        at.line = opened;
        return fail(c, at, "%s: the file ends before the record that starts here",
                    inq ? "an unclosed quoted string" : "an unclosed parenthesis");
    }
    return ret;
}

/* ---- the API ---------------------------------------------------------------------- */

static int expand_top(const char *name, const char *data, size_t len, const char *origin,
                      const zf_opts_t *opts, const zf_id_t *id, zf_text_t **out,
                      char *err, size_t errlen)
{
    zf_ctx_t c;
    size_t idx;
    int ret;

    *out = NULL;
    memset(&c, 0, sizeof(c));
    c.err = err;
    c.errlen = errlen;
    c.max_bytes =
        opts != NULL && opts->max_bytes > 0 ? opts->max_bytes : ZF_DEFAULT_MAX_BYTES;
    c.no_include = opts != NULL && opts->no_include;
    if (id != NULL) {
        c.stack[0] = *id;
    } else {
        c.stack[0].dev = (dev_t)-1; /* no file: matches none */
        c.stack[0].ino = 0;
    }
    if (snprintf(c.origin, sizeof(c.origin), "%s", origin != NULL ? origin : ".") >=
        (int)sizeof(c.origin)) {
        snprintf(err, errlen, "%s: the origin is too long", name);
        return DP_EPARSE;
    }
    c.t = calloc(1, sizeof(*c.t));
    if (c.t == NULL)
        return -ENOMEM;
    ret = add_file(c.t, name, &idx);
    if (ret == 0)
        ret = VEC_RESERVE(c.t->buf, c.t->cap, 1);
    if (ret == 0) {
        c.t->buf[0] = '\0';
        ret = expand_file(&c, idx, data, len);
    }
    if (ret == -ENOMEM)
        snprintf(err, errlen, "%s: out of memory", name);
    if (ret < 0) {
        quote_message(err, errlen); /* messages quote the file's lines */
        zf_text_destroy(c.t);
        return ret;
    }
    *out = c.t;
    return 0;
}

int zf_expand_mem(const char *name, const char *data, size_t len, const char *origin,
                  const zf_opts_t *opts, zf_text_t **out, char *err, size_t errlen)
{
    return expand_top(name, data, len, origin, opts, NULL, out, err, errlen);
}

int zf_expand(const char *path, const char *origin, const zf_opts_t *opts,
              zf_text_t **out, char *err, size_t errlen)
{
    struct stat st;
    zf_id_t id;
    char why[256];
    char *data = NULL;
    size_t len = 0;
    size_t max =
        opts != NULL && opts->max_bytes > 0 ? opts->max_bytes : ZF_DEFAULT_MAX_BYTES;
    int ret;

    *out = NULL;
    ret = fsutil_read_input(path, max, &data, &len, &st, why, sizeof(why));
    if (fsutil_input_refused(ret)) {
        snprintf(err, errlen, "%s: the zone file: %s", path, why);
        ret = DP_EPARSE;
    } else if (ret < 0) {
        snprintf(err, errlen, "%s: cannot %s the zone file: %s", path,
                 strncmp(why, "cannot open", 11) == 0 ? "open" : "read", strerror(-ret));
    }
    if (ret == 0) {
        id.dev = st.st_dev;
        id.ino = st.st_ino;
        ret = expand_top(path, data, len, origin, opts, &id, out, err, errlen);
    }
    free(data);
    if (ret < 0)
        quote_message(err, errlen); /* messages quote the file's lines */
    return ret;
}

const char *zf_text_data(const zf_text_t *t, size_t *len)
{
    *len = t->len;
    return t->buf;
}

int zf_text_where(const zf_text_t *t, long line, const char **file, long *fline)
{
    size_t lo = 0;
    size_t hi;
    size_t k;
    const zf_seg_t *g;

    if (line < 1 || t->nsegs == 0)
        return -ERANGE;
    k = (size_t)line - 1;
    if (k >= t->lines)
        k = t->lines - 1;
    /* The last segment starting at or before k. */
    hi = t->nsegs;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->segs[mid].out <= k)
            lo = mid;
        else
            hi = mid;
    }
    g = &t->segs[lo];
    *file = t->files[g->file];
    *fline = g->same ? g->line : g->line + (long)(k - g->out);
    return 0;
}

void zf_text_destroy(zf_text_t *t)
{
    size_t i;

    if (t == NULL)
        return;
    for (i = 0; i < t->nfiles; i++)
        free(t->files[i]);
    free(t->files);
    free(t->segs);
    free(t->buf);
    free(t);
}

/* Octets of the character-string s[0..n) as written (RFC 1035 5.1: "\DDD"
 * and "\X" are one octet each). */
static size_t string_octets(const char *s, size_t n)
{
    size_t i = 0;
    size_t k = 0;

    while (i < n) {
        if (s[i] == '\\' && i + 3 < n + 0 && s[i + 1] >= '0' && s[i + 1] <= '9')
            i += 4;
        else
            i += s[i] == '\\' ? 2 : 1;
        k++;
    }
    return k;
}

/* One line: a quoted string, or a word after TXT / SPF, over 255 octets? */
static bool line_long_string(const char *s, size_t n, bool *txt)
{
    size_t i = 0;

    while (i < n) {
        size_t b;
        if (is_space(s[i]) || s[i] == '(' || s[i] == ')') {
            i++;
            continue;
        }
        if (s[i] == ';')
            return false;
        if (s[i] == '"') {
            b = ++i;
            while (i < n && s[i] != '"')
                i += s[i] == '\\' ? 2 : 1;
            if (string_octets(s + b, (i < n ? i : n) - b) > 255)
                return true;
            i++;
            continue;
        }
        b = i;
        while (i < n && !is_space(s[i]) && s[i] != ';' && s[i] != '(' && s[i] != ')')
            i += s[i] == '\\' ? 2 : 1;
        if (i > n)
            i = n;
        if (*txt && string_octets(s + b, i - b) > 255)
            return true;
        if ((i - b == 3 && strncasecmp(s + b, "TXT", 3) == 0) ||
            (i - b == 3 && strncasecmp(s + b, "SPF", 3) == 0))
            *txt = true;
    }
    return false;
}

/* Offset of the start of line `line` (1-based) of t: a linear scan, as
 * this runs once, on an error. */
static size_t line_start(const zf_text_t *t, long line)
{
    size_t cur = 1;
    size_t i = 0;

    while (cur < (size_t)line && i < t->len) {
        if (t->buf[i++] == '\n')
            cur++;
    }
    return i;
}

bool zf_text_long_string(const zf_text_t *t, long line)
{
    const char *ls[64];
    size_t lens[64];
    size_t nl = 0;
    size_t k;
    bool txt = false;

    if (line < 1 || (size_t)line > t->lines)
        return false;
    /* Line `line`, and the lines before it up to the one that starts the
     * record (a continuation line starts with a blank), last first. */
    k = line_start(t, line);
    for (;;) {
        const char *nlp = memchr(t->buf + k, '\n', t->len - k);
        size_t end = nlp != NULL ? (size_t)(nlp - t->buf) : t->len;

        ls[nl] = t->buf + k;
        lens[nl++] = end - k;
        if (k == 0 || nl == 64 || !is_space(t->buf[k]))
            break;
        k--; /* the newline ending the line before */
        while (k > 0 && t->buf[k - 1] != '\n')
            k--;
    }
    /* Read in file order: a TXT on the first line makes the words after
     * it strings. */
    while (nl > 0) {
        nl--;
        if (line_long_string(ls[nl], lens[nl], &txt))
            return true;
    }
    return false;
}
