/*
 * plots: a campaign's gnuplot data files, scripts and PNGs (see plots.h).
 *
 * Every plot is a script NAME.gp and one data file NAME.dat whose blocks
 * (separated by two blank lines, gnuplot's `index`) are the series. Data
 * files hold numbers only, printed with a fixed format, so that the same
 * dataset always gives byte-identical files; names reach the scripts only
 * as plot_gp_string() literals, never in comments (a comment ending in a
 * backslash would swallow the next line). Each script starts with `reset`
 * and sets its own terminal, so `gnuplot *.gp` renders them all in one go.
 *
 * Plots that cannot be drawn (no results, no timeline, no ramp phase) are
 * left out of the index and get no files.
 *
 * Large campaigns (more than opts->bin_above results, PLOT_BIN_ABOVE by
 * default) are binned before gnuplot sees them: a million points make a
 * 40 MB file, a minute of gnuplot and a solid blot. Then the propagation
 * plot is a density (DENS_NX x DENS_NY time x duration counts, log colour
 * scale) with per-time-bin p50/p90/p99 lines, the ramp plot per-rate-bin
 * bands (p1..p99.9) and lines, the CDFs and the convergence curves come
 * from at most CDF_ROWS rows of exact order statistics (so their shape is
 * kept), and in every plot the outliers (beyond the p99.9 of their bin,
 * timeouts, errors) are still drawn as points, at most OUTLIERS_MAX of
 * each kind (an even spread beyond that, which the key says); with more
 * nameservers than colours, the ramp plot pools them into one band. Each
 * data file is then bounded whatever the number of results (~1 MB at
 * most: see the sizes below). Titles say when a plot is binned. Up to the threshold
 * nothing changes: the files are byte-identical to the unbinned ones
 * (tests/unit/test_plots.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/common/errcode.h"
#include "harness/common/fsutil.h"
#include "harness/targets/target.h"
#include "plot/plots.h"
#include "plot/stats.h"

#define PLOT_W_DEFAULT 1280
#define PLOT_H_DEFAULT 720
/* per-change curves drawn on the convergence plot: more is only ink */
#define CONV_SAMPLE 200
/* rate bins of the ramp plot's percentile lines */
#define RAMP_BINS 20
/* names in keys and labels, in characters */
#define NAME_CHARS 32
/* Binned plots (see the top): the density's bins (its matrix is ~3 bytes
 * a bin: ~250 KB), the outliers drawn of each kind (~25 bytes each), the
 * rows of all the CDF curves of a plot together (~20 bytes each: 800 KB;
 * a curve gets CDF_ROWS / curves of them, CDF_Q_MIN at least: so up to
 * 2,000 curves, nameservers x vantages), the rows of each change the
 * convergence plot samples (CONV_SAMPLE x CONV_Q_CHANGE: 400 KB) and the
 * ramp's rate bins. */
#define DENS_NX       400
#define DENS_NY       200
#define OUTLIERS_MAX  5000
#define CDF_ROWS      40000
#define CDF_Q_MIN     20
#define CONV_Q_CHANGE 100
#define CDF_Q_MAX     2000
#define RAMP_BANDS    40
/* timeline rows of the rates plot: beyond, rows are merged (~80 bytes each) */
#define RATES_ROWS 10000

/* Nameserver colours (matplotlib's tab10: distinct, and readable on
 * white); they cycle beyond ten nameservers. */
static const char *const palette[] = {"1f77b4", "ff7f0e", "2ca02c", "d62728", "9467bd",
                                      "8c564b", "e377c2", "7f7f7f", "bcbd22", "17becf"};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))
/* Operation kinds' point types: filled shapes first, then open ones;
 * 2 (x) and 3 (*) are kept for timeouts and errors. */
static const int kind_pt[] = {7, 5, 9, 11, 13, 15, 6, 4, 8, 10, 12, 14};
#define NKIND_PT   (sizeof(kind_pt) / sizeof(kind_pt[0]))
#define PT_TIMEOUT 2
#define PT_ERROR   3

/* ---- gnuplot string literals ------------------------------------------------------ */

/* Length of the well-formed UTF-8 sequence at s (RFC 3629) and its code
 * point, 0 when the byte does not start one. */
static size_t utf8_len(const unsigned char *s, unsigned *cpp)
{
    unsigned cp;
    size_t n, i;

    *cpp = s[0];
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        n = 2;
        cp = s[0] & 0x1fu;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        n = 3;
        cp = s[0] & 0x0fu;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        n = 4;
        cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    *cpp = cp;
    return n;
}

/*
 * gnuplot 5.4 reads a single-quoted string without backslash escapes,
 * and does neither backquote (command) nor @ (macro) substitution inside
 * it (checked: tests/unit/test_plots.c runs gnuplot on such strings). So:
 *  - a quote is written doubled, except where gnuplot's scanner cannot
 *    read a doubled one: right after the opening quote or right after
 *    another doubled quote ('''' and 'a''''b' are syntax errors in 5.4);
 *    there it is shown as U+2019 (a typographic apostrophe);
 *  - control characters (a newline would end the command; C1 ones too)
 *    and malformed UTF-8 bytes are shown as '?';
 *  - backquotes are shown as U+2018 anyway: they would run in a double-
 *    quoted string, and a user restyling a script may well move a title
 *    into one;
 *  - @ stays: it is not expanded inside quotes.
 */
char *plot_gp_string(const char *s)
{
    const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
    size_t len = strlen((const char *)p);
    bool after_quote = true; /* the opening quote */
    char *out;
    size_t o = 0;

    /* every byte becomes at most 3 (U+2018/U+2019), plus quotes and NUL */
    if (len > (SIZE_MAX - 3) / 3)
        return NULL;
    out = malloc(3 * len + 3);
    if (out == NULL)
        return NULL;
    out[o++] = '\'';
    while (*p != '\0') {
        unsigned cp;
        size_t n = utf8_len(p, &cp);
        if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
            /* a malformed byte, or a C0/C1 control character */
            out[o++] = '?';
            after_quote = false;
            p += n > 0 ? n : 1;
        } else if (*p == '\'' && !after_quote) {
            out[o++] = '\'';
            out[o++] = '\'';
            after_quote = true;
            p++;
        } else if (*p == '\'' || *p == '`') {
            out[o++] = '\xe2';
            out[o++] = '\x80';
            out[o++] = *p == '`' ? '\x98' : '\x99';
            after_quote = false;
            p++;
        } else {
            memcpy(out + o, p, n);
            o += n;
            p += n;
            after_quote = false;
        }
    }
    out[o++] = '\'';
    out[o] = '\0';
    return out;
}

/* s cut to max characters (UTF-8 code points), the last one an
 * ellipsis when cut: a title or key wider than the picture is clipped by
 * gnuplot, and a long name would squeeze the plot. Malloc'd. */
static char *clip(const char *s, size_t max)
{
    size_t chars = 0, cut = 0, i;
    char *out;

    if (s == NULL)
        s = "";
    if (max < 2)
        max = 2;
    for (i = 0; s[i] != '\0'; i++) {
        if (((unsigned char)s[i] & 0xc0) == 0x80)
            continue;
        if (chars == max - 1)
            cut = i;
        chars++;
    }
    if (chars <= max)
        return strdup(s);
    out = malloc(cut + 4);
    if (out == NULL)
        return NULL;
    memcpy(out, s, cut);
    memcpy(out + cut, "\xe2\x80\xa6", 4); /* U+2026 and the NUL */
    return out;
}

/* ---- output files ----------------------------------------------------------------- */

typedef struct {
    FILE *f;
    char *path;
    int err; /* first error: the rest of the writes are skipped */
} out_t;

static char *textf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *textf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    return n < 0 ? NULL : s;
}

static int out_open(out_t *o, const char *dir, const char *name)
{
    memset(o, 0, sizeof(*o));
    o->path = textf("%s/%s", dir, name);
    if (o->path == NULL)
        return o->err = -ENOMEM;
    o->f = fopen(o->path, "w");
    if (o->f == NULL)
        o->err = errno != 0 ? -errno : -EIO;
    return o->err;
}

/* Closes it; the first error of its writes, or 0. */
static int out_close(out_t *o)
{
    if (o->f != NULL && fclose(o->f) != 0 && o->err == 0)
        o->err = errno != 0 ? -errno : -EIO;
    o->f = NULL;
    return o->err;
}

static void out_free(out_t *o)
{
    out_close(o);
    free(o->path);
    o->path = NULL;
}

static void wr(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void wr(out_t *o, const char *fmt, ...)
{
    va_list ap;

    if (o->err != 0)
        return;
    va_start(ap, fmt);
    if (vfprintf(o->f, fmt, ap) < 0)
        o->err = errno != 0 ? -errno : -EIO;
    va_end(ap);
}

/* s as a gnuplot literal: the only way names get into a script. */
static void wr_lit(out_t *o, const char *s)
{
    char *lit = plot_gp_string(s);

    if (lit == NULL) {
        if (o->err == 0)
            o->err = -ENOMEM;
        return;
    }
    wr(o, "%s", lit);
    free(lit);
}

/* A formatted text (title, key entry) as a gnuplot literal. */
static void wr_litf(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void wr_litf(out_t *o, const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    if (s == NULL) {
        if (o->err == 0)
            o->err = -ENOMEM;
        return;
    }
    wr_lit(o, s);
    free(s);
}

/* Numbers in data files: a fixed format (the files are compared byte for
 * byte), NaN for gnuplot's missing value. */
static void wr_num(out_t *o, double v)
{
    if (isnan(v) || isinf(v))
        wr(o, " NaN");
    else
        wr(o, " %.6f", v);
}

static void wr_row2(out_t *o, double a, double b)
{
    wr_num(o, a);
    wr_num(o, b);
    wr(o, "\n");
}

/* ---- one plot --------------------------------------------------------------------- */

typedef struct {
    dataset_t *ds;
    const json_t *stats;
    const char *dir;
    unsigned width, height;
    double start;
    char *label;     /* the campaign, for titles */
    unsigned *kinds; /* kind indexes in name order (as stats_json) */
    char **ns_name;  /* names as keys show them: clipped */
    char **kind_name;
    json_t *index;
    bool binned;      /* more than bin_above results: densities and quantiles */
    size_t *by_ns;    /* result indexes by nameserver, each in ds->res order */
    size_t *ns_first; /* nameserver j's: by_ns[ns_first[j] .. ns_first[j + 1]) */
} plot_ctx_t;

/* A plot being written: its script and data file, the next data block,
 * and the elements of its plot command so far. */
typedef struct {
    const char *name;
    out_t gp, dat;
    unsigned blocks;
    unsigned items;
} plot_t;

static size_t chars(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* "TITLE (DETAIL): CAMPAIGN", the detail and the campaign clipped to
 * what the width leaves them (a 13 pt title: up to 10 pixels a
 * character). */
static void plot_title(plot_ctx_t *c, plot_t *p, const char *title, const char *detail)
{
    size_t room = c->width / 10;
    size_t left = room > chars(title) + 4 ? room - chars(title) - 4 : 0;
    char *d = NULL, *label = NULL;

    if (detail != NULL) {
        d = clip(detail, left / 2 > 12 ? left / 2 : 12);
        if (d != NULL)
            left = left > chars(d) + 3 ? left - chars(d) - 3 : 0;
    }
    label = clip(c->label, left > 12 ? left : 12);
    wr(&p->gp, "set title ");
    if (label == NULL || (detail != NULL && d == NULL)) {
        p->gp.err = p->gp.err != 0 ? p->gp.err : -ENOMEM;
    } else {
        if (d != NULL)
            wr_litf(&p->gp, "%s (%s): %s", title, d, label);
        else
            wr_litf(&p->gp, "%s: %s", title, label);
        wr(&p->gp, " font ',13'\n");
    }
    free(d);
    free(label);
}

/* Opens NAME.gp and NAME.dat and writes the script's preamble: terminal,
 * title ("TITLE (DETAIL): CAMPAIGN"), colours. */
static int plot_begin(plot_ctx_t *c, plot_t *p, const char *name, const char *title,
                      const char *detail)
{
    char file[64];
    int ret;

    memset(p, 0, sizeof(*p));
    p->name = name;
    snprintf(file, sizeof(file), "%s.gp", name);
    ret = out_open(&p->gp, c->dir, file);
    if (ret < 0)
        return ret;
    snprintf(file, sizeof(file), "%s.dat", name);
    ret = out_open(&p->dat, c->dir, file);
    if (ret < 0)
        return ret;
    wr(&p->gp,
       "# dnsprop: the %s plot of a campaign, from %s.dat in this folder.\n"
       "# Restyle at will, then render %s.png with: gnuplot %s.gp\n"
       "reset\n"
       "set encoding utf8\n"
       "# noenhanced: names are shown as they are (enhanced text would read ^ _ @ { })\n"
       "set terminal pngcairo size %u,%u noenhanced font 'Sans,11'\n"
       "set output '%s.png'\n",
       name, name, name, name, c->width, c->height, name);
    plot_title(c, p, title, detail);
    for (size_t i = 0; i < NPALETTE; i++)
        wr(&p->gp, "set linetype %zu lc rgb '#%s' lw 1.5\n", i + 1, palette[i]);
    wr(&p->gp,
       "set linetype cycle %zu\n"
       "set grid lc rgb '#d0d0d0'\n"
       "set border lc rgb '#404040'\n",
       NPALETTE);
    wr(&p->dat, "# dnsprop %s plot data, read by %s.gp (blocks: gnuplot index)\n", name,
       name);
    return 0;
}

/* Starts the next data block; its index. */
static unsigned block(plot_t *p, const char *what)
{
    if (p->blocks > 0)
        wr(&p->dat, "\n\n");
    wr(&p->dat, "# index %u: %s\n", p->blocks, what);
    return p->blocks++;
}

/* Starts the next element of the plot command. */
static void item(plot_t *p)
{
    if (p->items == 0)
        wr(&p->gp, "plot \\\n    ");
    else
        wr(&p->gp, ", \\\n    ");
    p->items++;
}

/* A key entry alone (the series it names are drawn without titles). */
static void key_entry(plot_t *p, const char *style, const char *title)
{
    item(p);
    wr(&p->gp, "NaN with %s title ", style);
    wr_lit(&p->gp, title);
}

static void ns_key_entries(plot_ctx_t *c, plot_t *p, const bool *shown)
{
    char style[64];

    for (size_t j = 0; j < c->ds->nns; j++) {
        if (!shown[j])
            continue;
        snprintf(style, sizeof(style), "lines lw 5 lc %zu", j + 1);
        key_entry(p, style, c->ns_name[j]);
    }
}

/* Finishes the plot: its index entry when something was drawn, else its
 * files removed. */
static int plot_end(plot_ctx_t *c, plot_t *p, const char *title, const char *description)
{
    char file[64];
    int ret;

    if (p->items > 0)
        wr(&p->gp, "\n");
    ret = out_close(&p->gp);
    if (ret == 0)
        ret = out_close(&p->dat);
    if (ret < 0)
        return ret;
    if (p->items == 0) {
        unlink(p->gp.path);
        unlink(p->dat.path);
        return 0;
    }
    json_t *e = json_object();
    json_object_set_new(e, "name", json_string(p->name));
    json_object_set_new(e, "title", json_string(title));
    snprintf(file, sizeof(file), "%s.gp", p->name);
    json_object_set_new(e, "script", json_string(file));
    snprintf(file, sizeof(file), "%s.dat", p->name);
    json_object_set_new(e, "data", json_pack("[s]", file));
    json_object_set_new(e, "png", json_null());
    json_object_set_new(e, "description", json_string(description));
    if (json_array_append_new(c->index, e) < 0)
        return -ENOMEM;
    return 0;
}

static void plot_free(plot_t *p)
{
    out_free(&p->gp);
    out_free(&p->dat);
}

/* A poll that served the change, with its duration (a result without
 * one would upset the sorts). */
static bool served(const ds_result_t *r)
{
    return r->status == DS_COMPLETED && !isnan(r->duration);
}

static double stat_num(const json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);

    return json_is_number(v) ? json_number_value(v) : NAN;
}

static const json_t *ns_stats(const plot_ctx_t *c, size_t j)
{
    return json_object_get(json_object_get(c->stats, "nameservers"), c->ds->ns[j].name);
}

/* ---- bins and quantiles, for large campaigns --------------------------------------- */

/* Whether the i-th (from 0) of n items is drawn when at most max are: an
 * even spread of exactly max of them, the same ones on every run. */
static bool thin_keep(size_t i, size_t n, size_t max)
{
    return n <= max || (i * max) / n != ((i + 1) * max) / n;
}

/* "1,234,567": counts in titles and keys. */
static void thousands(size_t n, char *buf, size_t len)
{
    char digits[32];
    size_t nd = (size_t)snprintf(digits, sizeof(digits), "%zu", n);
    size_t o = 0;

    for (size_t i = 0; i < nd && o + 2 < len; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

/* The rows a CDF curve gets when a plot draws ncurves of them: every
 * point up to the threshold, else its share of CDF_ROWS. */
static size_t cdf_q(const plot_ctx_t *c, size_t ncurves)
{
    size_t q = CDF_ROWS / (ncurves > 0 ? ncurves : 1);

    if (!c->binned)
        return SIZE_MAX;
    return q < CDF_Q_MIN ? CDF_Q_MIN : q > CDF_Q_MAX ? CDF_Q_MAX : q;
}

/* The empirical CDF of sorted v[n] over total: a row per value when n <=
 * q, else q rows at evenly spaced ranks, each the exact order statistic
 * (so a step curve through them is the same shape, off by 1/q at most). */
static void cdf_rows(plot_t *p, const double *v, size_t n, double total, size_t q)
{
    if (n <= q) {
        for (size_t i = 0; i < n; i++)
            wr_row2(&p->dat, v[i], (double)(i + 1) / total);
        return;
    }
    for (size_t k = 1; k <= q; k++) {
        size_t rank = (k * n + q - 1) / q; /* 1..n, n for k == q */
        wr_row2(&p->dat, v[rank - 1], (double)rank / total);
    }
}

/* The results of nameserver j: by_ns[*from .. *to). */
static void ns_range(const plot_ctx_t *c, size_t j, size_t *from, size_t *to)
{
    *from = c->ns_first[j];
    *to = c->ns_first[j + 1];
}

/* ---- propagation time against the time of the change ---------------------------- */

#define PROPAGATION_TITLE "Propagation time of each change"

/* What the propagation plot drew, for its key. */
typedef struct {
    bool *shown;     /* per nameserver: a point drawn */
    bool *kind_used; /* per kind, in name order: a point drawn */
    bool timeouts, errors, means;
} prop_marks_t;

/* The completed polls of nameserver j and the kk-th kind (name order): a
 * block of points, each with a bar from its lower bound. */
static void prop_completed(plot_ctx_t *c, plot_t *p, size_t j, size_t kk, prop_marks_t *m)
{
    const dataset_t *ds = c->ds;
    unsigned k = c->kinds[kk];
    unsigned b = 0;
    bool any = false;

    for (size_t i = 0; i < ds->n; i++) {
        const ds_result_t *r = &ds->res[i];
        if (r->ns != j || ds->ops[r->op].kind != k || r->status != DS_COMPLETED)
            continue;
        if (!any)
            b = block(p, "completed: change time, duration, lower bound");
        any = true;
        wr_num(&p->dat, r->start_time - c->start);
        wr_num(&p->dat, r->duration);
        wr_num(&p->dat, isnan(r->lower_bound) ? r->duration : r->lower_bound);
        wr(&p->dat, "\n");
    }
    if (!any)
        return;
    m->shown[j] = m->kind_used[kk] = true;
    item(p);
    wr(&p->gp,
       "'propagation.dat' index %u using 1:2:3:2 with yerrorbars lc %zu pt %d "
       "ps 0.7 notitle",
       b, j + 1, kind_pt[kk % NKIND_PT]);
}

/* The polls of nameserver j that ended with status st (DS_TIMEOUT or
 * DS_ERROR): a block of points at their lower bound. */
static void prop_failed(plot_ctx_t *c, plot_t *p, size_t j, int st, prop_marks_t *m)
{
    const dataset_t *ds = c->ds;
    unsigned b = 0;
    bool any = false;

    for (size_t i = 0; i < ds->n; i++) {
        const ds_result_t *r = &ds->res[i];
        if (r->ns != j || (int)r->status != st)
            continue;
        if (!any)
            b = block(p, st == DS_TIMEOUT ? "timeouts: change time, lower bound"
                                          : "errors: change time, lower bound");
        any = true;
        wr_row2(&p->dat, r->start_time - c->start,
                isnan(r->lower_bound) ? 0 : r->lower_bound);
    }
    if (!any)
        return;
    m->shown[j] = true;
    m->timeouts = m->timeouts || st == DS_TIMEOUT;
    m->errors = m->errors || st == DS_ERROR;
    item(p);
    wr(&p->gp,
       "'propagation.dat' index %u using 1:2 with points lc %zu pt %d ps 1.4 "
       "lw 1.5 notitle",
       b, j + 1, st == DS_TIMEOUT ? PT_TIMEOUT : PT_ERROR);
}

/* A dashed line at each drawn nameserver's mean, over the time span of
 * the changes (cancelled polls left out). */
static void prop_means(plot_ctx_t *c, plot_t *p, prop_marks_t *m)
{
    const dataset_t *ds = c->ds;
    double xmin = INFINITY, xmax = -INFINITY;

    for (size_t i = 0; i < ds->n; i++) {
        if (ds->res[i].status != DS_CANCELLED) {
            xmin = fmin(xmin, ds->res[i].start_time - c->start);
            xmax = fmax(xmax, ds->res[i].start_time - c->start);
        }
    }
    for (size_t j = 0; j < ds->nns && p->items > 0; j++) {
        double mean = stat_num(ns_stats(c, j), "mean");
        if (isnan(mean) || !m->shown[j])
            continue;
        unsigned b = block(p, "mean propagation time of a nameserver");
        wr_row2(&p->dat, xmin, mean);
        wr_row2(&p->dat, xmax, mean);
        m->means = true;
        item(p);
        wr(&p->gp,
           "'propagation.dat' index %u using 1:2 with lines lc %zu lw 2 dt 2 notitle", b,
           j + 1);
    }
}

/* The key: nameservers by colour, kinds by point type, then the failures
 * and the means when drawn. */
static void prop_key(plot_ctx_t *c, plot_t *p, const prop_marks_t *m)
{
    char style[64];

    if (p->items == 0)
        return;
    ns_key_entries(c, p, m->shown);
    for (size_t kk = 0; kk < c->ds->kinds.n; kk++) {
        if (!m->kind_used[kk])
            continue;
        snprintf(style, sizeof(style), "points lc rgb 'black' pt %d",
                 kind_pt[kk % NKIND_PT]);
        key_entry(p, style, c->kind_name[c->kinds[kk]]);
    }
    if (m->timeouts)
        key_entry(p, "points lc rgb 'black' pt 2 ps 1.4", "timeout (at its lower bound)");
    if (m->errors)
        key_entry(p, "points lc rgb 'black' pt 3 ps 1.4", "error (at its lower bound)");
    if (m->means)
        key_entry(p, "lines lc rgb 'black' lw 2 dt 2", "mean of a nameserver");
}

/* ---- a large campaign's propagation plot: a density ---------------------------------
 */

/* The density of a binned propagation plot. */
typedef struct {
    double x0, dx, ytop, dy; /* bins: x0 + k dx (time), j dy (duration) */
    uint32_t *grid;          /* DENS_NY rows (from duration 0) of DENS_NX counts */
    double *thr;             /* per time bin: the p99.9 of its served polls, or NAN */
    double *v;               /* scratch: ds->n values */
    size_t served, binned;
} dens_t;

/* What a binned propagation plot draws as points, beside the density. */
enum { OUT_BEYOND, OUT_ABOVE, OUT_TIMEOUT, OUT_ERROR, OUT_KINDS };

static double res_x(const plot_ctx_t *c, size_t i)
{
    return c->ds->res[i].start_time - c->start;
}

static size_t dens_col(const dens_t *d, double x)
{
    double k = floor((x - d->x0) / d->dx);

    return k < 0 ? 0 : k >= DENS_NX ? DENS_NX - 1 : (size_t)k;
}

/* The density's span: x over the changes' times (cancelled polls left
 * out), y from 0 to the p99.9 of all served polls, so that a far tail
 * does not squash the density into its bottom rows (the polls above are
 * drawn as points). */
static void dens_span(const plot_ctx_t *c, dens_t *d)
{
    const dataset_t *ds = c->ds;
    double xmin = INFINITY, xmax = -INFINITY;
    size_t n = 0;

    for (size_t i = 0; i < ds->n; i++) {
        const ds_result_t *r = &ds->res[i];
        if (r->status == DS_CANCELLED)
            continue;
        xmin = fmin(xmin, res_x(c, i));
        xmax = fmax(xmax, res_x(c, i));
        if (served(r))
            d->v[n++] = r->duration;
    }
    d->served = n;
    d->ytop = 1;
    if (n > 0) {
        qsort(d->v, n, sizeof(double), stats_cmp_double);
        d->ytop = stats_percentile(d->v, n, 99.9);
        if (!(d->ytop > 0))
            d->ytop = d->v[n - 1] > 0 ? d->v[n - 1] : 1;
    }
    d->x0 = isfinite(xmin) ? xmin : 0;
    d->dx = xmax > xmin ? (xmax - xmin) / DENS_NX : 1;
    d->dy = d->ytop / DENS_NY;
}

/* The counts, as a gnuplot matrix (a row of DENS_NX counts per duration
 * bin): ~3 bytes a bin. Its block index. */
static unsigned dens_grid(const plot_ctx_t *c, plot_t *p, dens_t *d)
{
    const dataset_t *ds = c->ds;
    unsigned b;

    for (size_t i = 0; i < ds->n; i++) {
        const ds_result_t *r = &ds->res[i];
        if (!served(r) || r->duration > d->ytop)
            continue;
        double y = floor(r->duration / d->dy);
        size_t row = y >= DENS_NY ? DENS_NY - 1 : (size_t)y;
        d->grid[row * DENS_NX + dens_col(d, res_x(c, i))]++;
        d->binned++;
    }
    b = block(p, "density: a row of counts per duration bin (from 0), a column per "
                 "time bin");
    for (size_t row = 0; row < DENS_NY; row++) {
        for (size_t col = 0; col < DENS_NX; col++)
            wr(&p->dat, col > 0 ? " %u" : "%u", d->grid[row * DENS_NX + col]);
        wr(&p->dat, "\n");
    }
    return b;
}

/* p50, p90 and p99 of each time bin's served polls (results are in time
 * order, so a bin is a run of them); each bin's p99.9 into d->thr. Its
 * block index. */
static unsigned dens_percentiles(const plot_ctx_t *c, plot_t *p, dens_t *d)
{
    const dataset_t *ds = c->ds;
    unsigned b = block(p, "time bin centre (s), p50, p90, p99 of its served polls (s)");
    size_t i = 0;

    for (size_t col = 0; col < DENS_NX; col++)
        d->thr[col] = NAN;
    while (i < ds->n) {
        size_t col = dens_col(d, res_x(c, i)), n = 0;
        for (; i < ds->n && dens_col(d, res_x(c, i)) == col; i++) {
            if (served(&ds->res[i]))
                d->v[n++] = ds->res[i].duration;
        }
        if (n == 0)
            continue;
        qsort(d->v, n, sizeof(double), stats_cmp_double);
        d->thr[col] = stats_percentile(d->v, n, 99.9);
        wr_num(&p->dat, d->x0 + ((double)col + 0.5) * d->dx);
        wr_num(&p->dat, stats_percentile(d->v, n, 50));
        wr_num(&p->dat, stats_percentile(d->v, n, 90));
        wr_num(&p->dat, stats_percentile(d->v, n, 99));
        wr(&p->dat, "\n");
    }
    return b;
}

/* Whether result i is an outlier of that kind; *y where it is drawn. */
static bool dens_outlier(const plot_ctx_t *c, const dens_t *d, size_t i, int kind,
                         double *y)
{
    const ds_result_t *r = &c->ds->res[i];

    if (kind == OUT_TIMEOUT || kind == OUT_ERROR) {
        *y = isnan(r->lower_bound) ? 0 : r->lower_bound;
        return r->status == (kind == OUT_TIMEOUT ? DS_TIMEOUT : DS_ERROR);
    }
    *y = r->duration;
    if (!served(r))
        return false;
    if (kind == OUT_ABOVE)
        return r->duration > d->ytop;
    return r->duration <= d->ytop && r->duration > d->thr[dens_col(d, res_x(c, i))];
}

/* The outliers of a kind: a block of at most OUTLIERS_MAX points (an even
 * spread of them when there are more). Their count; *b the block. */
static size_t dens_outliers(const plot_ctx_t *c, plot_t *p, const dens_t *d, int kind,
                            unsigned *b)
{
    static const char *const what[] = {
        "beyond the p99.9 of their time bin: time, duration",
        "above the density's range: time, duration", "timeouts: time, lower bound",
        "errors: time, lower bound"};
    const dataset_t *ds = c->ds;
    size_t n = 0, k = 0;
    double y;

    for (size_t i = 0; i < ds->n; i++)
        n += dens_outlier(c, d, i, kind, &y);
    if (n == 0)
        return 0;
    *b = block(p, what[kind]);
    for (size_t i = 0; i < ds->n; i++) {
        if (dens_outlier(c, d, i, kind, &y) && thin_keep(k++, n, OUTLIERS_MAX))
            wr_row2(&p->dat, res_x(c, i), y);
    }
    return n;
}

/* The binned propagation plot's script: the density, its percentile
 * lines, then the outliers (n_out[k] of each kind, in block b_out[k]). */
static void dens_script(plot_t *p, const dens_t *d, unsigned b_grid, unsigned b_pct,
                        const unsigned *b_out, const size_t *n_out)
{
    static const char *const style[] = {"points pt 7 ps 0.4 lc rgb '#d62728'",
                                        "points pt 6 ps 0.7 lc rgb '#d62728'",
                                        "points pt 2 ps 1.2 lw 1.5 lc rgb '#000000'",
                                        "points pt 3 ps 1.2 lw 1.5 lc rgb '#9467bd'"};
    static const char *const title[] = {
        "beyond the p99.9 of its time bin", "above the p99.9 of all (the density's top)",
        "timeout (at its lower bound)", "error (at its lower bound)"};
    char n[32], shown[32];

    wr(&p->gp,
       "set xlabel 'time of the change (s since the campaign start)'\n"
       "set ylabel 'propagation time (s)'\n"
       "set yrange [0:*]\n"
       "set autoscale xfix\n"
       "set logscale cb\n"
       "set cblabel 'polls per bin (log scale)'\n"
       "set palette defined (0 '#deebf7', 1 '#9ecae1', 2 '#4292c6', 3 '#08306b')\n"
       "set key outside below center horizontal Left reverse height 1\n");
    item(p);
    /* an empty bin is NaN: not drawn, rather than the palette's bottom */
    wr(&p->gp,
       "'propagation.dat' index %u matrix using (%.6f + ($1 + 0.5) * %.6f):"
       "(($2 + 0.5) * %.6f):($3 > 0 ? $3 : NaN) with image notitle",
       b_grid, d->x0, d->dx, d->dy);
    item(p);
    wr(&p->gp,
       "'propagation.dat' index %u using 1:2 with lines lw 2 lc rgb '#000000' "
       "title 'p50 per time bin', \\\n    '' index %u using 1:3 with lines lw 1.5 dt 2 "
       "lc rgb '#000000' title 'p90', \\\n    '' index %u using 1:4 with lines lw 1.5 "
       "dt 3 lc rgb '#000000' title 'p99'",
       b_pct, b_pct, b_pct);
    for (int k = 0; k < OUT_KINDS; k++) {
        if (n_out[k] == 0)
            continue;
        item(p);
        wr(&p->gp, "'propagation.dat' index %u using 1:2 with %s title ", b_out[k],
           style[k]);
        thousands(n_out[k], n, sizeof(n));
        thousands(OUTLIERS_MAX, shown, sizeof(shown));
        if (n_out[k] > OUTLIERS_MAX)
            wr_litf(&p->gp, "%s (%s of %s shown)", title[k], shown, n);
        else
            wr_litf(&p->gp, "%s (%s)", title[k], n);
    }
}

/* The propagation plot of a large campaign: every served poll in the
 * density, the outliers as points. */
static int prop_binned(plot_ctx_t *c)
{
    dataset_t *ds = c->ds;
    unsigned b_grid, b_pct, b_out[OUT_KINDS] = {0};
    size_t n_out[OUT_KINDS];
    char n[32];
    char *detail = NULL;
    dens_t d;
    plot_t p;
    int ret = 0;

    memset(&p, 0, sizeof(p));
    memset(&d, 0, sizeof(d));
    d.grid = calloc((size_t)DENS_NX * DENS_NY, sizeof(uint32_t));
    d.thr = malloc(DENS_NX * sizeof(double));
    d.v = malloc((ds->n + 1) * sizeof(double));
    thousands(ds->n, n, sizeof(n));
    detail = textf("density of %s results in %ux%u bins", n, DENS_NX, DENS_NY);
    if (d.grid == NULL || d.thr == NULL || d.v == NULL || detail == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    dens_span(c, &d);
    ret = plot_begin(c, &p, "propagation", PROPAGATION_TITLE, detail);
    if (ret < 0)
        goto out;
    b_grid = dens_grid(c, &p, &d);
    b_pct = dens_percentiles(c, &p, &d);
    for (int k = 0; k < OUT_KINDS; k++)
        n_out[k] = dens_outliers(c, &p, &d, k, &b_out[k]);
    if (d.served > 0 || n_out[OUT_TIMEOUT] > 0 || n_out[OUT_ERROR] > 0)
        dens_script(&p, &d, b_grid, b_pct, b_out, n_out);
    ret = plot_end(c, &p, PROPAGATION_TITLE,
                   "The polls' propagation times (y, s) against the time of their change "
                   "(x, s since the campaign start), binned: the colour of a bin is the "
                   "number of polls in it (log scale), lines the p50, p90 and p99 of "
                   "each time bin; drawn as points, the polls beyond the p99.9 of their "
                   "time bin or of all, and the timeouts and errors at the time they "
                   "were given up.");
out:
    plot_free(&p);
    free(d.grid);
    free(d.thr);
    free(d.v);
    free(detail);
    return ret;
}

static int plot_propagation(plot_ctx_t *c)
{
    dataset_t *ds = c->ds;
    prop_marks_t m = {calloc(ds->nns + 1, sizeof(bool)),
                      calloc(ds->kinds.n + 1, sizeof(bool)), false, false, false};
    plot_t p;
    int ret;

    memset(&p, 0, sizeof(p));
    if (c->binned) {
        ret = prop_binned(c);
        goto out;
    }
    if (m.shown == NULL || m.kind_used == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    ret = plot_begin(c, &p, "propagation", PROPAGATION_TITLE, NULL);
    if (ret < 0)
        goto out;
    wr(&p.gp, "set xlabel 'time of the change (s since the campaign start)'\n"
              "set ylabel 'propagation time (s); bar: last miss to first hit'\n"
              "set yrange [0:*]\n"
              "set autoscale xfix\n"
              "set offsets graph 0.01, graph 0.01, graph 0.02, 0\n"
              "set bars small\n"
              "set key outside below center horizontal Left reverse height 1\n");
    /* the points: a block per nameserver and kind, then the failures */
    for (size_t j = 0; j < ds->nns; j++) {
        for (size_t kk = 0; kk < ds->kinds.n; kk++)
            prop_completed(c, &p, j, kk, &m);
        for (int st = DS_TIMEOUT; st <= DS_ERROR; st++)
            prop_failed(c, &p, j, st, &m);
    }
    prop_means(c, &p, &m);
    prop_key(c, &p, &m);
    ret = plot_end(c, &p, PROPAGATION_TITLE,
                   "Each poll's propagation time (y, s) against the time of its change "
                   "(x, s since the campaign start): colour = nameserver, point type = "
                   "operation kind, bar = from the last query that missed to the first "
                   "that hit; timeouts and errors at the time they were given up, "
                   "dashed lines the nameservers' means.");
out:
    plot_free(&p);
    free(m.shown);
    free(m.kind_used);
    return ret;
}

/* ---- CDF of propagation time ------------------------------------------------------ */

#define CDF_TITLE "Propagation time distribution per nameserver"

/* A CDF plot's axes (ylabel: a gnuplot string's contents, ours); returns
 * the slowest served poll, where every curve is drawn flat to. */
static double cdf_axes(const dataset_t *ds, plot_t *p, const char *ylabel)
{
    double xmax = 0;

    for (size_t i = 0; i < ds->n; i++) {
        if (served(&ds->res[i]))
            xmax = fmax(xmax, ds->res[i].duration);
    }
    wr(&p->gp,
       "set xlabel 'propagation time (s)'\n"
       "set ylabel '%s'\n"
       "set yrange [0:1.02]\n"
       "set ytics 0.1\n"
       "set xrange [0:*]\n"
       "set autoscale xfixmax\n"
       "set key outside below center horizontal Left reverse height 1\n",
       ylabel);
    return xmax;
}

/* One CDF curve's data block: the polls of nameserver ns (and of vantage
 * vantage, unless -1), served ones at their duration, over all of them
 * but the cancelled (so that a curve stays below 1 by the share of
 * timeouts and errors), at most q rows (cdf_rows). v is scratch for
 * ds->n values. false when none was served (nothing to draw). */
static bool cdf_curve(const plot_ctx_t *c, plot_t *p, size_t ns, long vantage, long inst,
                      double xmax, size_t q, double *v, unsigned *b, size_t *n,
                      size_t *total)
{
    const dataset_t *ds = c->ds;
    size_t from, to;

    *n = 0;
    *total = 0;
    ns_range(c, ns, &from, &to);
    for (size_t i = from; i < to; i++) {
        const ds_result_t *r = &ds->res[c->by_ns[i]];
        if ((vantage >= 0 && r->vantage != (unsigned)vantage) ||
            (inst >= 0 && r->inst != (unsigned)inst) || r->status == DS_CANCELLED)
            continue;
        (*total)++;
        if (served(r))
            v[(*n)++] = r->duration;
    }
    if (*n == 0)
        return false;
    qsort(v, *n, sizeof(double), stats_cmp_double);
    *b = block(p, "propagation time, fraction of the polls served by then");
    wr_row2(&p->dat, 0, 0);
    cdf_rows(p, v, *n, (double)*total, q);
    /* flat to the slowest of all, so that every curve ends alike */
    wr_row2(&p->dat, xmax, (double)*n / (double)*total);
    item(p);
    return true;
}

/* The title's detail of a binned CDF plot; NULL (none) when not binned. */
static char *cdf_detail(const plot_ctx_t *c, size_t q)
{
    char n[32], nq[32];

    if (!c->binned)
        return NULL;
    thousands(c->ds->n, n, sizeof(n));
    thousands(q, nq, sizeof(nq));
    return textf("%s results, %s quantiles a curve", n, nq);
}

static int plot_cdf(plot_ctx_t *c)
{
    dataset_t *ds = c->ds;
    double *v = malloc((ds->n + 1) * sizeof(double));
    size_t q = cdf_q(c, ds->nns);
    char *detail = cdf_detail(c, q);
    double xmax = 0;
    plot_t p;
    int ret;

    memset(&p, 0, sizeof(p));
    if (v == NULL || (c->binned && detail == NULL)) {
        ret = -ENOMEM;
        goto out;
    }
    ret = plot_begin(c, &p, "cdf", CDF_TITLE, detail);
    if (ret < 0)
        goto out;
    xmax = cdf_axes(ds, &p, "fraction of the nameserver''s polls served");
    for (size_t j = 0; j < ds->nns; j++) {
        size_t n, total;
        unsigned b;
        if (!cdf_curve(c, &p, j, -1, -1, xmax, q, v, &b, &n, &total))
            continue;
        wr(&p.gp, "'cdf.dat' index %u using 1:2 with steps lw 2 lc %zu title ", b, j + 1);
        wr_litf(&p.gp, "%s (%zu of %zu polls served)", c->ns_name[j], n, total);
    }
    ret = plot_end(c, &p, CDF_TITLE,
                   "Per nameserver, the fraction of its polls (y) served within a "
                   "propagation time (x, s); a curve stays below 1 by the share of "
                   "timeouts and errors.");
out:
    plot_free(&p);
    free(v);
    free(detail);
    return ret;
}

/* ---- the same per vantage (probe agents on several hosts) ---------------------------
 */

#define VANTAGES_TITLE "Propagation time per nameserver and vantage"

/* The CDF again, one curve per (nameserver, vantage): the nameserver's
 * colour, a dash pattern per vantage. Only for campaigns probed from
 * more than one vantage point. */
static int plot_vantages(plot_ctx_t *c)
{
    dataset_t *ds = c->ds;
    size_t nv = ds->vantages.n;
    double *v = NULL;
    unsigned *order = NULL;
    size_t q = cdf_q(c, ds->nns * nv);
    char *detail = NULL;
    double xmax = 0;
    plot_t p;
    int ret = 0;

    memset(&p, 0, sizeof(p));
    if (nv < 2)
        return 0;
    v = malloc((ds->n + 1) * sizeof(double));
    order = ds_names_order(&ds->vantages);
    detail = cdf_detail(c, q);
    if (v == NULL || order == NULL || (c->binned && detail == NULL)) {
        ret = -ENOMEM;
        goto out;
    }
    ret = plot_begin(c, &p, "vantages", VANTAGES_TITLE, detail);
    if (ret < 0)
        goto out;
    xmax = cdf_axes(ds, &p, "fraction of the polls served");
    for (size_t j = 0; j < ds->nns; j++) {
        for (size_t k = 0; k < nv; k++) {
            unsigned vi = order[k];
            size_t n, total;
            unsigned b;
            if (!cdf_curve(c, &p, j, (long)vi, -1, xmax, q, v, &b, &n, &total))
                continue;
            wr(&p.gp,
               "'vantages.dat' index %u using 1:2 with steps lw 2 lc %zu dt %zu title ",
               b, j + 1, k % 5 + 1);
            wr_litf(&p.gp, "%s from %s (%zu of %zu)", c->ns_name[j], ds->vantages.v[vi],
                    n, total);
        }
    }
    ret =
        plot_end(c, &p, VANTAGES_TITLE,
                 "Per nameserver (colour) and vantage point (dash pattern), the fraction "
                 "of the polls (y) served within a propagation time (x, s).");
out:
    plot_free(&p);
    free(v);
    free(order);
    free(detail);
    return ret;
}

/* ---- the same per anycast instance (NSID) ------------------------------------------ */

#define INSTANCES_TITLE "Propagation time per instance behind each address"

/* The instances (dataset.h inst, 1-based) of nameserver j: flags in
 * seen; the number of real NSIDs among them. */
static size_t ns_insts(const plot_ctx_t *c, size_t j, bool *seen)
{
    const dataset_t *ds = c->ds;
    size_t from, to, n = 0;

    memset(seen, 0, (ds->nsids.n + 1) * sizeof(bool));
    ns_range(c, j, &from, &to);
    for (size_t i = from; i < to; i++)
        seen[ds->res[c->by_ns[i]].inst] = true;
    for (size_t k = 1; k <= ds->nsids.n; k++)
        n += seen[k] && ds->nsids.v[k - 1][0] != '\0' && ds->nsids.v[k - 1][0] != '!';
    return n;
}

/* The CDF once per (address, instance) for the addresses behind which
 * several instances answered (RFC 5001 NSID): the address's colour, a
 * dash pattern per instance. */
static int plot_instances(plot_ctx_t *c)
{
    dataset_t *ds = c->ds;
    size_t q = cdf_q(c, ds->nns * (ds->nsids.n + 1));
    bool *seen = calloc(ds->nsids.n + 1, sizeof(bool));
    double *v = malloc((ds->n + 1) * sizeof(double));
    char *detail = cdf_detail(c, q);
    bool any = false;
    plot_t p;
    int ret = 0;

    memset(&p, 0, sizeof(p));
    if (seen == NULL || v == NULL || (c->binned && detail == NULL)) {
        ret = -ENOMEM;
        goto out;
    }
    for (size_t j = 0; j < ds->nns && !any; j++)
        any = ns_insts(c, j, seen) > 1;
    if (!any)
        goto out; /* no address with two instances: nothing to tell apart */
    ret = plot_begin(c, &p, "instances", INSTANCES_TITLE, detail);
    if (ret < 0)
        goto out;
    double xmax = cdf_axes(ds, &p, "fraction of the instance''s polls served");
    for (size_t j = 0; j < ds->nns; j++) {
        size_t dash = 0;
        if (ns_insts(c, j, seen) < 2)
            continue;
        for (size_t k = 1; k <= ds->nsids.n; k++) {
            size_t n, total;
            unsigned b;
            if (!seen[k] || !cdf_curve(c, &p, j, -1, (long)k, xmax, q, v, &b, &n, &total))
                continue;
            wr(&p.gp,
               "'instances.dat' index %u using 1:2 with steps lw 2 lc %zu dt %zu title ",
               b, j + 1, dash++ % 5 + 1);
            wr_litf(&p.gp, "%s: %s (%zu of %zu)", c->ns_name[j],
                    stats_inst_label(ds->nsids.v[k - 1]), n, total);
        }
    }
    ret =
        plot_end(c, &p, INSTANCES_TITLE,
                 "Per address with several instances behind it (colour) and instance "
                 "(its NSID, dash pattern), the fraction of the polls (y) that instance "
                 "served within a propagation time (x, s).");
out:
    plot_free(&p);
    free(seen);
    free(v);
    free(detail);
    return ret;
}

/* ---- per provider (several targets) ----------------------------------------------- */

#define TARGETS_TITLE "Propagation time per provider, and served by every provider"

/* One curve's data block from v[0..n) (unsorted; NAN: not served) over
 * total: false when none was served. */
static bool values_curve(plot_t *p, double *v, size_t n, size_t total, double xmax,
                         size_t q, unsigned *b, size_t *served_n)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++) {
        if (!isnan(v[i]))
            v[k++] = v[i];
    }
    *served_n = k;
    if (k == 0 || total == 0)
        return false;
    qsort(v, k, sizeof(double), stats_cmp_double);
    *b = block(p, "propagation time, fraction served by then");
    wr_row2(&p->dat, 0, 0);
    cdf_rows(p, v, k, (double)total, q);
    wr_row2(&p->dat, fmax(xmax, v[k - 1]), (double)k / (double)total);
    item(p);
    return true;
}

/* With several targets ([phase] targets =): the CDF of each target's polls
 * (on its own nameservers, from its own acknowledgement), and of the
 * changes' "served by every provider" time (stats_every_provider). */
static int plot_targets(plot_ctx_t *c)
{
    dataset_t *ds = c->ds;
    size_t q = cdf_q(c, ds->targets.n + 1);
    double *v = malloc((ds->n + ds->nops + 1) * sizeof(double));
    double *conv = malloc((ds->nops + 1) * sizeof(double));
    char *detail = cdf_detail(c, q);
    unsigned curve = 0;
    double xmax;
    plot_t p;
    long ne;
    int ret = 0;

    memset(&p, 0, sizeof(p));
    if (ds->targets.n < 2)
        goto out;
    if (v == NULL || conv == NULL || (c->binned && detail == NULL)) {
        ret = -ENOMEM;
        goto out;
    }
    ret = plot_begin(c, &p, "targets", TARGETS_TITLE, detail);
    if (ret < 0)
        goto out;
    xmax = cdf_axes(ds, &p, "fraction served");
    for (unsigned t = 1; t <= ds->targets.n; t++) {
        size_t n = 0, total = 0, k;
        unsigned b;
        for (size_t i = 0; i < ds->n; i++) {
            const ds_result_t *r = &ds->res[i];
            if (ds->ops[r->op].target != t || r->status == DS_CANCELLED)
                continue;
            total++;
            v[n++] = served(r) ? r->duration : NAN;
        }
        if (!values_curve(&p, v, n, total, xmax, q, &b, &k))
            continue;
        wr(&p.gp, "'targets.dat' index %u using 1:2 with steps lw 2 lc %u title ", b,
           ++curve);
        wr_litf(&p.gp, "%s: its polls (%zu of %zu)", ds->targets.v[t - 1], k, total);
    }
    stats_convergence(ds, conv);
    ne = stats_every_provider(ds, conv, v, NULL);
    if (ne > 0) {
        size_t k;
        unsigned b;
        if (values_curve(&p, v, (size_t)ne, (size_t)ne, xmax, q, &b, &k)) {
            wr(&p.gp,
               "'targets.dat' index %u using 1:2 with steps lw 3 lc rgb 'black' dt 2 "
               "title ",
               b);
            wr_litf(&p.gp, "served by every provider (%zu of %ld changes)", k, ne);
        }
    }
    ret =
        plot_end(c, &p, TARGETS_TITLE,
                 "Per provider (target), the fraction of its polls (y) served within a "
                 "propagation time (x, s) from its acknowledgement; dashed, the fraction "
                 "of the changes every nameserver of every provider served, from the "
                 "first acknowledgement.");
out:
    plot_free(&p);
    free(v);
    free(conv);
    free(detail);
    return ret;
}

/* ---- percentiles per nameserver and kind ------------------------------------------- */

#define PERCENTILES_TITLE "Propagation time percentiles per nameserver and operation"

/* With several kinds: the nameservers' names over their groups of
 * clusters (top axis), dotted lines between the groups. */
static int pct_groups(plot_ctx_t *c, plot_t *p, const size_t *group, size_t nclusters)
{
    const dataset_t *ds = c->ds;
    /* a group's name gets its share of the width (7 pixels a character at
     * 11 pt) */
    double px = (double)c->width * 0.85 / (double)nclusters;
    bool first = true;

    wr(&p->gp, "set link x2\nset x2tics scale 0 (");
    for (size_t j = 0; j < ds->nns; j++) {
        size_t n = group[j + 1] - group[j];
        char *name;
        if (n == 0)
            continue;
        name = clip(c->ns_name[j], (size_t)fmax(6, fmin(NAME_CHARS, px * n / 7)));
        if (name == NULL)
            return -ENOMEM;
        wr(&p->gp, "%s \\\n    ", first ? "" : ",");
        wr_lit(&p->gp, name);
        wr(&p->gp, " %.1f", (double)group[j] + (double)(n - 1) / 2);
        free(name);
        first = false;
    }
    wr(&p->gp, ")\n");
    for (size_t j = 0; j < ds->nns; j++) {
        if (group[j] > 0 && group[j + 1] > group[j])
            wr(&p->gp,
               "set arrow from %zu.5, graph 0 to %zu.5, graph 1 nohead dt 3 "
               "lc rgb '#808080'\n",
               group[j] - 1, group[j] - 1);
    }
    return 0;
}

static int plot_percentiles(plot_ctx_t *c)
{
    static const char *const pct[] = {"p50", "p90", "p99", "max"};
    static const char *const colour[] = {"9ecae1", "4292c6", "08519c", "08306b"};
    dataset_t *ds = c->ds;
    const json_t *nk = json_object_get(c->stats, "ns_kind");
    size_t *group = calloc(ds->nns + 1, sizeof(size_t)); /* first cluster of each */
    size_t nclusters = 0, nkinds_used = 0;
    double pad;
    unsigned b = 0;
    plot_t p;
    int ret;

    memset(&p, 0, sizeof(p));
    if (group == NULL)
        return -ENOMEM;
    ret = plot_begin(c, &p, "percentiles", PERCENTILES_TITLE, NULL);
    if (ret < 0)
        goto out;
    for (size_t kk = 0; kk < ds->kinds.n; kk++) {
        for (size_t j = 0; j < ds->nns; j++) {
            const json_t *s = json_object_get(json_object_get(nk, ds->ns[j].name),
                                              ds->kinds.v[c->kinds[kk]]);
            if (json_integer_value(json_object_get(s, "completed")) > 0) {
                nkinds_used++;
                break;
            }
        }
    }
    /* clusters (x = 0, 1, ...): nameservers in campaign order, kinds in
     * name order under each; with several kinds the kinds label the
     * clusters and the nameservers their groups, on the top axis. The
     * labels are in the script, the data is numbers. */
    wr(&p.gp, "set xtics (");
    for (size_t j = 0; j < ds->nns; j++) {
        group[j] = nclusters;
        for (size_t kk = 0; kk < ds->kinds.n; kk++) {
            unsigned k = c->kinds[kk];
            const json_t *s =
                json_object_get(json_object_get(nk, ds->ns[j].name), ds->kinds.v[k]);
            if (json_integer_value(json_object_get(s, "completed")) <= 0)
                continue;
            if (nclusters == 0)
                b = block(&p, "cluster, p50, p90, p99, max (s)");
            wr(&p.dat, "%zu", nclusters);
            for (size_t q = 0; q < 4; q++)
                wr_num(&p.dat, stat_num(s, pct[q]));
            wr(&p.dat, "\n");
            wr(&p.gp, "%s \\\n    ", nclusters > 0 ? "," : "");
            wr_lit(&p.gp, nkinds_used > 1 ? c->kind_name[k] : c->ns_name[j]);
            wr(&p.gp, " %zu", nclusters);
            nclusters++;
        }
    }
    group[ds->nns] = nclusters;
    wr(&p.gp, ")\n");
    if (nclusters == 0)
        goto end;
    pad = nclusters < 4 ? 0.6 + (double)(4 - nclusters) / 2 : 0.6;
    wr(&p.gp,
       "set xtics rotate by 30 right nomirror\n"
       /* room for four clusters at least: one alone is not a wall */
       "set xrange [%.1f:%.1f]\n"
       "set yrange [0:*]\n"
       "set offsets 0, 0, graph 0.05, 0\n"
       "set ylabel 'propagation time (s)'\n"
       "set style fill solid 0.9 border -1\n"
       "set grid noxtics ytics\n"
       "set key outside below center horizontal Left reverse height 1\n",
       -pad, (double)nclusters - 1 + pad);
    if (nkinds_used > 1) {
        ret = pct_groups(c, &p, group, nclusters);
        if (ret < 0)
            goto out;
    }
    for (size_t q = 0; q < 4; q++) {
        item(&p);
        wr(&p.gp,
           "'percentiles.dat' index %u using ($1%+.2f):%zu:(0.2) with boxes "
           "lc rgb '#%s' title '%s'",
           b, -0.3 + 0.2 * (double)q, q + 2, colour[q], pct[q]);
    }
end:
    ret =
        plot_end(c, &p, PERCENTILES_TITLE,
                 "For each nameserver (top) and operation kind (bottom), the p50, p90, "
                 "p99 and maximum of the completed polls' propagation times (s; nearest "
                 "rank, timeouts left out).");
out:
    plot_free(&p);
    free(group);
    return ret;
}

/* ---- rates over time ----------------------------------------------------------------
 */

#define RATES_TITLE "Rates over time"

/* Index of a timeline column, -1 when the campaign did not record it. */
static long tl_col(const json_t *cols, const char *name)
{
    size_t i;
    json_t *e;

    json_array_foreach(cols, i, e)
    {
        if (json_is_string(e) && strcmp(json_string_value(e), name) == 0)
            return (long)i;
    }
    return -1;
}

static double tl_val(const json_t *row, long col)
{
    json_t *v = col >= 0 ? json_array_get(row, (size_t)col) : NULL;

    return json_is_number(v) ? json_number_value(v) : NAN;
}

static int plot_rates(plot_ctx_t *c)
{
    /* y1: the driver's rates; y2: the probe engine's */
    static const struct {
        const char *col, *title, *style;
    } series[] = {
        /* wide and light: acknowledged follows it closely, on top */
        {"offered", "operations offered/s", "lines lw 5 lc rgb '#9ecae1'"},
        {"acked", "operations acknowledged/s", "lines lw 2 lc rgb '#2ca02c'"},
        {"failed", "operations failed/s", "lines lw 2 lc rgb '#d62728'"},
        {"completed", "polls completed/s (the change was served)",
         "lines lw 2 lc rgb '#ff7f0e'"},
        {"timeouts", "polls timed out/s", "lines lw 2 dt 3 lc rgb '#9467bd'"},
        {"errors", "polls failed/s", "lines lw 2 dt 4 lc rgb '#8c564b'"},
        {"queries", "probe queries/s (right axis)",
         "lines lw 1.5 dt 2 lc rgb '#7f7f7f' axes x1y2"},
    };
    enum { NSERIES = sizeof(series) / sizeof(series[0]) };
    const json_t *tl = json_object_get(c->ds->campaign, "timeline");
    const json_t *cols = json_object_get(tl, "columns");
    const json_t *rows = json_object_get(tl, "rows");
    long ct = tl_col(cols, "t");
    long col[NSERIES];
    bool any[NSERIES];
    size_t nrows = json_array_size(rows);
    /* a long campaign's samples merged stride at a time (rates over longer
     * intervals, from the same counters): at most RATES_ROWS rows */
    size_t stride = nrows > RATES_ROWS + 1 ? (nrows - 2) / RATES_ROWS + 1 : 1;
    char *detail = stride > 1 ? textf("rates over %zu samples each", stride) : NULL;
    unsigned b = 0;
    plot_t p;
    int ret;

    memset(&p, 0, sizeof(p));
    if (stride > 1 && detail == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    ret = plot_begin(c, &p, "rates", RATES_TITLE, detail);
    if (ret < 0)
        goto out;
    if (ct < 0 || nrows < 2)
        goto end;
    for (size_t s = 0; s < NSERIES; s++) {
        col[s] = tl_col(cols, series[s].col);
        any[s] = false;
    }
    /* rates between consecutive samples of the cumulative counters, at
     * the end of each interval */
    for (size_t i = 1, prev = 0; i < nrows; i++) {
        if (i % stride != 0 && i + 1 < nrows)
            continue;
        const json_t *r0 = json_array_get(rows, prev);
        const json_t *r1 = json_array_get(rows, i);
        double dt = tl_val(r1, ct) - tl_val(r0, ct);
        prev = i;
        if (!(dt > 0))
            continue; /* a repeated or missing sample */
        if (p.blocks == 0)
            b = block(&p, "t (s), then per second: offered, acked, failed, polls "
                          "completed, timed out, failed, probe queries");
        wr_num(&p.dat, tl_val(r1, ct));
        for (size_t s = 0; s < NSERIES; s++) {
            double v = (tl_val(r1, col[s]) - tl_val(r0, col[s])) / dt;
            wr_num(&p.dat, v);
            /* failures drawn only when there were some */
            if (!isnan(v) && (v != 0 || (strcmp(series[s].col, "failed") != 0 &&
                                         strcmp(series[s].col, "timeouts") != 0 &&
                                         strcmp(series[s].col, "errors") != 0)))
                any[s] = true;
        }
        wr(&p.dat, "\n");
    }
    if (p.blocks == 0)
        goto end;
    wr(&p.gp, "set xlabel 'time (s since the campaign start)'\n"
              "set ylabel 'operations/s, polls/s'\n"
              "set y2label 'probe queries/s'\n"
              "set yrange [0:*]\n"
              "set y2range [0:*]\n"
              "set ytics nomirror\n"
              "set y2tics\n"
              "set autoscale xfix\n"
              "set key outside below center horizontal Left reverse height 1\n");
    for (size_t s = 0; s < NSERIES; s++) {
        if (!any[s])
            continue;
        item(&p);
        wr(&p.gp, "'rates.dat' index %u using 1:%zu with %s title '%s'", b, s + 2,
           series[s].style, series[s].title);
    }
end:
    ret = plot_end(c, &p, RATES_TITLE,
                   "From the campaign's timeline (counters sampled every interval): "
                   "operations offered, acknowledged and failed per second and polls "
                   "completed (and timed out or failed, when any) per second (left "
                   "axis), probe queries per second (right axis), "
                   "against time (s since the campaign start).");
out:
    plot_free(&p);
    free(detail);
    return ret;
}

/* ---- propagation time against offered rate, in ramp phases ------------------------ */

#define RAMP_TITLE "Propagation time against offered write rate"

/* Which phases ramp: the campaign's "phases" say so (rate_from !=
 * rate_to); without them (older campaigns), a phase whose changes were
 * offered at different rates. */
static size_t ramp_phases(const plot_ctx_t *c, bool *ramp)
{
    const dataset_t *ds = c->ds;
    const json_t *phases = json_object_get(ds->campaign, "phases");
    size_t n = 0;

    for (size_t ph = 0; ph < ds->phases.n; ph++) {
        ramp[ph] = false;
        if (json_is_array(phases)) {
            size_t i;
            json_t *e;
            json_array_foreach(phases, i, e)
            {
                const char *name = json_string_value(json_object_get(e, "name"));
                double from = stat_num(e, "rate_from");
                double to = stat_num(e, "rate_to");
                if (name != NULL && strcmp(name, ds->phases.v[ph]) == 0 && !isnan(from) &&
                    !isnan(to) && from != to)
                    ramp[ph] = true;
            }
        } else {
            double lo = INFINITY, hi = -INFINITY;
            for (size_t i = 0; i < ds->nops; i++) {
                if (ds->ops[i].phase == ph && !isnan(ds->ops[i].offered_rate)) {
                    lo = fmin(lo, ds->ops[i].offered_rate);
                    hi = fmax(hi, ds->ops[i].offered_rate);
                }
            }
            ramp[ph] = hi > lo;
        }
        n += ramp[ph];
    }
    return n;
}

/* The span of the offered rates of the ramp phases' changes: lo > hi
 * when none has one. */
static void ramp_span(const dataset_t *ds, const bool *ramp, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < ds->nops; i++) {
        if (ramp[ds->ops[i].phase] && !isnan(ds->ops[i].offered_rate)) {
            *lo = fmin(*lo, ds->ops[i].offered_rate);
            *hi = fmax(*hi, ds->ops[i].offered_rate);
        }
    }
}

/* "phase NAME" or "phases NAME, NAME", the ramp phases for the title;
 * NULL when out of memory. */
static char *ramp_detail(const dataset_t *ds, const bool *ramp)
{
    char *phases = NULL;
    char *detail;

    for (size_t ph = 0; ph < ds->phases.n; ph++) {
        char *s;
        if (!ramp[ph])
            continue;
        s = phases == NULL ? textf("%s", ds->phases.v[ph])
                           : textf("%s, %s", phases, ds->phases.v[ph]);
        free(phases);
        phases = s;
        if (phases == NULL)
            return NULL;
    }
    if (phases == NULL)
        return NULL;
    detail = textf("%s %s", strchr(phases, ',') != NULL ? "phases" : "phase", phases);
    free(phases);
    return detail;
}

/* What the ramp plot drew, for its key. */
typedef struct {
    const bool *ramp; /* per phase: a ramp */
    bool *shown;      /* per nameserver: a point drawn */
    double lo, hi;    /* the offered rates' span */
    bool timeouts, errors, lines;
    /* binned (a large campaign): the current nameserver's p99.9 per rate
     * band, the points drawn of each kind per nameserver, whether some
     * were left out */
    double thr[RAMP_BANDS];
    size_t cap;
    bool bands, beyond, thinned;
    /* binned with more nameservers than colours: one band for all of
     * them (a hundred overlaid bands are a blur) */
    bool pooled;
} ramp_marks_t;

/* The results ramp_points and ramp_bands read for nameserver j (all of
 * them when pooled): by_ns[*from .. *to). */
static void ramp_range(const plot_ctx_t *c, const ramp_marks_t *m, size_t j, size_t *from,
                       size_t *to)
{
    if (m->pooled) {
        *from = 0;
        *to = c->ns_first[c->ds->nns];
    } else {
        ns_range(c, j, from, to);
    }
}

/* The line colour of nameserver j's curves, grey when pooled. */
static void ramp_lc(const ramp_marks_t *m, size_t j, char *lc, size_t len)
{
    if (m->pooled)
        snprintf(lc, len, "lc rgb '#404040'");
    else
        snprintf(lc, len, "lc %zu", j + 1);
}

/* The rate band of a large campaign's ramp plot that rate falls in. */
static size_t ramp_band(const ramp_marks_t *m, double rate)
{
    double k = m->hi > m->lo ? floor((rate - m->lo) / (m->hi - m->lo) * RAMP_BANDS) : 0;

    return k < 0 ? 0 : k >= RAMP_BANDS ? RAMP_BANDS - 1 : (size_t)k;
}

/* Whether result i is one of ramp_points' (status st, a ramp phase's;
 * binned, a completed one only beyond the p99.9 of its band); *y where it
 * is drawn. */
static bool ramp_is(const plot_ctx_t *c, const ramp_marks_t *m, size_t i, int st,
                    double *y)
{
    const ds_result_t *r = &c->ds->res[i];
    const ds_op_t *op = &c->ds->ops[r->op];

    if ((int)r->status != st || !m->ramp[op->phase] || isnan(op->offered_rate))
        return false;
    *y = st == DS_COMPLETED ? r->duration : (isnan(r->lower_bound) ? 0 : r->lower_bound);
    return st != DS_COMPLETED || !c->binned ||
           (served(r) && r->duration > m->thr[ramp_band(m, op->offered_rate)]);
}

/* The ramp phases' polls of nameserver j that ended with status st: a
 * block of points (completed ones light, at their duration; failures at
 * their lower bound), at most m->cap of them (an even spread). */
static void ramp_points(plot_ctx_t *c, plot_t *p, size_t j, int st, ramp_marks_t *m)
{
    const dataset_t *ds = c->ds;
    size_t from, to, n = 0, k = 0;
    unsigned b = 0;
    char lc[32];
    double y;

    ramp_range(c, m, j, &from, &to);
    ramp_lc(m, j, lc, sizeof(lc));
    for (size_t i = from; i < to; i++)
        n += ramp_is(c, m, c->by_ns[i], st, &y);
    if (n == 0)
        return;
    b = block(p, st == DS_COMPLETED ? "completed: offered rate, duration"
                                    : "failed: offered rate, lower bound");
    for (size_t i = from; i < to; i++) {
        if (ramp_is(c, m, c->by_ns[i], st, &y) && thin_keep(k++, n, m->cap))
            wr_row2(&p->dat, ds->ops[ds->res[c->by_ns[i]].op].offered_rate, y);
    }
    m->thinned = m->thinned || n > m->cap;
    m->shown[j] = !m->pooled;
    item(p);
    if (st == DS_COMPLETED && c->binned)
        wr(&p->gp, "'ramp.dat' index %u using 1:2 with points pt 6 ps 0.6 %s notitle", b,
           lc);
    else if (st == DS_COMPLETED)
        wr(&p->gp,
           "'ramp.dat' index %u using 1:2 with points pt 7 ps 0.5 "
           "lc rgb '#a0%s' notitle",
           b, palette[j % NPALETTE]);
    else if (c->binned)
        wr(&p->gp,
           "'ramp.dat' index %u using 1:2 with points pt %d ps 1.4 lw 1.5 %s notitle", b,
           st == DS_TIMEOUT ? PT_TIMEOUT : PT_ERROR, lc);
    else
        wr(&p->gp,
           "'ramp.dat' index %u using 1:2 with points pt %d ps 1.4 lw 1.5 lc %zu "
           "notitle",
           b, st == DS_TIMEOUT ? PT_TIMEOUT : PT_ERROR, j + 1);
    m->beyond = m->beyond || (st == DS_COMPLETED && c->binned);
    m->timeouts = m->timeouts || st == DS_TIMEOUT;
    m->errors = m->errors || st == DS_ERROR;
}

/* Whether result i is a served poll of a ramp phase's change. */
static bool ramp_served(const plot_ctx_t *c, const ramp_marks_t *m, size_t i)
{
    const ds_result_t *r = &c->ds->res[i];
    const ds_op_t *op = &c->ds->ops[r->op];

    return served(r) && m->ramp[op->phase] && !isnan(op->offered_rate);
}

/* A large campaign's nameserver j: its completed ramp polls' durations
 * sorted by rate band into v (first[k]: band k's start, a counting sort),
 * then a row per band: its p1, p50, p90, p99, p99.9, drawn as a band from
 * p1 to p99.9 with p50 and p99 lines; the p99.9s into m->thr. */
static void ramp_bands(plot_ctx_t *c, plot_t *p, size_t j, ramp_marks_t *m, double *v)
{
    size_t first[RAMP_BANDS + 1] = {0}, next[RAMP_BANDS];
    double width = m->hi > m->lo ? (m->hi - m->lo) / RAMP_BANDS : 1;
    size_t from, to, rows = 0;
    unsigned b;
    char lc[32];

    ramp_range(c, m, j, &from, &to);
    ramp_lc(m, j, lc, sizeof(lc));
    for (size_t k = 0; k < RAMP_BANDS; k++)
        m->thr[k] = INFINITY; /* an empty band: none beyond */
    for (size_t i = from; i < to; i++) {
        if (ramp_served(c, m, c->by_ns[i]))
            first[ramp_band(m, c->ds->ops[c->ds->res[c->by_ns[i]].op].offered_rate) +
                  1]++;
    }
    for (size_t k = 0; k < RAMP_BANDS; k++) {
        first[k + 1] += first[k];
        next[k] = first[k];
    }
    for (size_t i = from; i < to; i++) {
        const ds_result_t *r = &c->ds->res[c->by_ns[i]];
        if (ramp_served(c, m, c->by_ns[i]))
            v[next[ramp_band(m, c->ds->ops[r->op].offered_rate)]++] = r->duration;
    }
    b = block(p, "rate band centre, p1, p50, p90, p99, p99.9 of the completed polls (s)");
    for (size_t k = 0; k < RAMP_BANDS; k++) {
        double *bv = v + first[k];
        size_t n = first[k + 1] - first[k];
        if (n == 0)
            continue;
        qsort(bv, n, sizeof(double), stats_cmp_double);
        m->thr[k] = stats_percentile(bv, n, 99.9);
        wr_num(&p->dat, m->lo + width * ((double)k + 0.5));
        wr_num(&p->dat, stats_percentile(bv, n, 1));
        wr_num(&p->dat, stats_percentile(bv, n, 50));
        wr_num(&p->dat, stats_percentile(bv, n, 90));
        wr_num(&p->dat, stats_percentile(bv, n, 99));
        wr_num(&p->dat, m->thr[k]);
        wr(&p->dat, "\n");
        rows++;
    }
    if (rows == 0)
        return; /* an empty block: gnuplot skips it */
    m->shown[j] = !m->pooled;
    m->bands = true;
    item(p);
    wr(&p->gp,
       "'ramp.dat' index %u using 1:2:6 with filledcurves fc rgb '#c0%s' notitle, "
       "\\\n    '' index %u using 1:3 with lines lw 2 %s notitle, \\\n    '' index "
       "%u using 1:5 with lines lw 1.5 dt 2 %s notitle",
       b, m->pooled ? "808080" : palette[j % NPALETTE], b, lc, b, lc);
}

/* The durations of nameserver j's completed ramp polls offered at a rate
 * in bin k ([from, to), the last bin closed) into v; their count. */
static size_t ramp_bin(const dataset_t *ds, const ramp_marks_t *m, size_t j, unsigned k,
                       double from, double to, double *v)
{
    size_t n = 0;

    for (size_t i = 0; i < ds->n; i++) {
        const ds_result_t *r = &ds->res[i];
        const ds_op_t *op = &ds->ops[r->op];
        double rate = op->offered_rate;
        if (r->ns != j || !served(r) || !m->ramp[op->phase] || isnan(rate))
            continue;
        if (rate >= from && (rate < to || (k == RAMP_BINS - 1 && rate <= m->hi)))
            v[n++] = r->duration;
    }
    return n;
}

/* Nameserver j's p50 (a solid line) and p99 (dashed) per rate bin, v a
 * scratch array of ds->n doubles. */
static void ramp_lines(plot_ctx_t *c, plot_t *p, size_t j, ramp_marks_t *m, double *v)
{
    double lo = m->lo, hi = m->hi;
    double width = hi > lo ? (hi - lo) / RAMP_BINS : 1;
    unsigned b = block(p, "rate bin centre, p50, p99 of the completed polls (s)");
    bool anybin = false;

    for (unsigned k = 0; k < RAMP_BINS; k++) {
        double from = lo + width * k, to = lo + width * (k + 1);
        size_t n = ramp_bin(c->ds, m, j, k, from, to, v);
        if (n == 0)
            continue;
        qsort(v, n, sizeof(double), stats_cmp_double);
        wr_num(&p->dat, hi > lo ? (from + to) / 2 : lo);
        wr_num(&p->dat, stats_percentile(v, n, 50));
        wr_num(&p->dat, stats_percentile(v, n, 99));
        wr(&p->dat, "\n");
        anybin = true;
        if (!(hi > lo))
            break;
    }
    if (!anybin)
        return; /* an empty block: gnuplot skips it */
    m->lines = true;
    item(p);
    wr(&p->gp,
       "'ramp.dat' index %u using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc %zu "
       "notitle, \\\n    '' index %u using 1:3 with lines lw 1.5 dt 2 lc %zu notitle",
       b, j + 1, b, j + 1);
}

static void ramp_key(plot_ctx_t *c, plot_t *p, const ramp_marks_t *m)
{
    if (p->items == 0)
        return;
    ns_key_entries(c, p, m->shown);
    if (m->bands) {
        key_entry(p, "filledcurves fc rgb '#c0000000'",
                  m->pooled ? "p1 to p99.9 per rate bin, all nameservers together"
                            : "p1 to p99.9 per rate bin");
        key_entry(p, "lines lw 2 lc rgb 'black'", "p50 per rate bin");
        key_entry(p, "lines lw 1.5 dt 2 lc rgb 'black'", "p99 per rate bin");
    } else {
        key_entry(p, "points pt 7 ps 0.5 lc rgb '#a0000000'", "one poll");
    }
    if (m->beyond)
        key_entry(p, "points pt 6 ps 0.6 lc rgb 'black'",
                  m->thinned ? "beyond the p99.9 of its rate bin (a sample)"
                             : "beyond the p99.9 of its rate bin");
    if (m->lines) {
        key_entry(p, "linespoints lw 2 pt 7 ps 0.8 lc rgb 'black'", "p50 per rate bin");
        key_entry(p, "lines lw 1.5 dt 2 lc rgb 'black'", "p99 per rate bin");
    }
    if (m->timeouts)
        key_entry(p, "points lc rgb 'black' pt 2 ps 1.4",
                  m->thinned ? "timeout (at its lower bound; a sample)"
                             : "timeout (at its lower bound)");
    if (m->errors)
        key_entry(p, "points lc rgb 'black' pt 3 ps 1.4",
                  m->thinned ? "error (at its lower bound; a sample)"
                             : "error (at its lower bound)");
}

static int plot_ramp(plot_ctx_t *c)
{
    dataset_t *ds = c->ds;
    bool *ramp = calloc(ds->phases.n + 1, sizeof(bool));
    double *v = malloc((ds->n + 1) * sizeof(double));
    ramp_marks_t m = {ramp, calloc(ds->nns + 1, sizeof(bool)), 0, 0, false, false, false};
    char *detail = NULL;
    plot_t p;
    int ret = 0;

    memset(&p, 0, sizeof(p));
    if (ramp == NULL || m.shown == NULL || v == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    if (ramp_phases(c, ramp) == 0)
        goto out; /* not drawn, no files */
    ramp_span(ds, ramp, &m.lo, &m.hi);
    if (!(m.hi >= m.lo))
        goto out;
    detail = ramp_detail(ds, ramp);
    if (detail != NULL && c->binned) {
        char n[32], *d;
        thousands(ds->n, n, sizeof(n));
        d = textf("%s; %s results in %d bins", detail, n, RAMP_BANDS);
        free(detail);
        detail = d;
    }
    if (detail == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    /* the outliers of each kind drawn per nameserver, OUTLIERS_MAX in all */
    m.pooled = c->binned && ds->nns > NPALETTE;
    m.cap = SIZE_MAX;
    if (c->binned)
        m.cap = m.pooled ? OUTLIERS_MAX : OUTLIERS_MAX / ds->nns;
    ret = plot_begin(c, &p, "ramp", RAMP_TITLE, detail);
    if (ret < 0)
        goto out;
    wr(&p.gp, "set xlabel 'offered write rate when the change was due (operations/s)'\n"
              "set ylabel 'propagation time (s)'\n"
              "set yrange [0:*]\n"
              "set autoscale xfix\n"
              "set offsets graph 0.02, graph 0.02, graph 0.02, 0\n"
              "set key outside below center horizontal Left reverse height 1\n");
    for (size_t j = 0; j < (m.pooled ? 1 : ds->nns); j++) {
        /* binned: the bands first (the p99.9s), then the polls beyond them */
        if (c->binned)
            ramp_bands(c, &p, j, &m, v);
        /* every poll, light, then failures, then p50 and p99 per rate bin */
        for (int st = DS_COMPLETED; st <= DS_ERROR; st++)
            ramp_points(c, &p, j, st, &m);
        if (m.shown[j] && !c->binned)
            ramp_lines(c, &p, j, &m, v);
    }
    ramp_key(c, &p, &m);
    ret = plot_end(
        c, &p, RAMP_TITLE,
        c->binned ? "For the changes of ramp phases, per nameserver (colour) and bin "
                    "of the write rate offered when the change was due (x, "
                    "operations/s): the p1 to p99.9 of the polls' propagation times "
                    "(y, s) shaded, their p50 (solid) and p99 (dashed); the polls "
                    "beyond the p99.9 of their bin as points, and timeouts and errors "
                    "at their lower bound."
                  : "For the changes of ramp phases: each poll's propagation time (y, "
                    "s) against the write rate offered when its change was due (x, "
                    "operations/s), per nameserver (colour), with the p50 (solid) and "
                    "p99 (dashed) of rate bins; timeouts and errors at their lower "
                    "bound.");
out:
    plot_free(&p);
    free(ramp);
    free(m.shown);
    free(v);
    free(detail);
    return ret;
}

/* ---- convergence over time ----------------------------------------------------------
 */

#define CONVERGENCE_TITLE "Convergence after each change"

/* Results by change, then duration (failures last). */
static int cmp_by_op(const void *a, const void *b, void *arg)
{
    const dataset_t *ds = arg;
    const ds_result_t *x = &ds->res[*(const size_t *)a];
    const ds_result_t *y = &ds->res[*(const size_t *)b];
    double dx = served(x) ? x->duration : INFINITY;
    double dy = served(y) ? y->duration : INFINITY;

    if (x->op != y->op)
        return x->op < y->op ? -1 : 1;
    if (dx != dy)
        return dx < dy ? -1 : 1;
    return x->ns < y->ns ? -1 : x->ns > y->ns;
}

typedef struct {
    double t, w;
} event_t;

static int cmp_event(const void *a, const void *b)
{
    const event_t *x = a;
    const event_t *y = b;

    return x->t < y->t ? -1 : x->t > y->t;
}

/* The changes' polls, ordered for the convergence plot. */
typedef struct {
    size_t *idx;      /* results by change, then duration (failures last) */
    size_t *first;    /* per change: its first position in idx */
    unsigned *polled; /* per change: its polls */
    double *conv;     /* per change: when every nameserver served it */
    event_t *ev;      /* scratch: one per result */
    size_t nchanges;  /* changes polled */
    double xmax;      /* the x axis' end */
    double *prov;     /* scratch for the provider's claims, or NULL */
    size_t q;         /* rows a curve gets (cdf_q: every point unless binned) */
    size_t q_change;  /* rows a sampled change gets: CONV_Q_CHANGE when binned */
} conv_data_t;

static int conv_alloc(const dataset_t *ds, conv_data_t *cd)
{
    memset(cd, 0, sizeof(*cd));
    cd->idx = malloc((ds->n + 1) * sizeof(size_t));
    cd->first = malloc((ds->nops + 1) * sizeof(size_t));
    cd->polled = calloc(ds->nops + 1, sizeof(unsigned));
    cd->conv = malloc((ds->nops + 1) * sizeof(double));
    cd->ev = malloc((ds->n + 1) * sizeof(event_t));
    if (cd->idx == NULL || cd->first == NULL || cd->polled == NULL || cd->conv == NULL ||
        cd->ev == NULL)
        return -ENOMEM;
    return 0;
}

static void conv_free(conv_data_t *cd)
{
    free(cd->idx);
    free(cd->first);
    free(cd->polled);
    free(cd->conv);
    free(cd->ev);
    free(cd->prov);
}

/* Counts each change's polls, sorts the results by change and orders the
 * changes' convergence times. Every poll of a change counts, as in
 * stats_convergence(): one cancelled or timed out keeps the change from
 * converging. */
static void conv_prepare(dataset_t *ds, conv_data_t *cd)
{
    double xmax = 0;

    for (size_t i = 0; i < ds->n; i++) {
        const ds_result_t *r = &ds->res[i];
        cd->idx[i] = i;
        cd->polled[r->op]++;
        xmax = fmax(xmax, served(r) ? r->duration
                                    : (isnan(r->lower_bound) ? 0 : r->lower_bound));
    }
    cd->nchanges = 0;
    for (size_t k = 0; k < ds->nops; k++)
        cd->nchanges += cd->polled[k] > 0;
    cd->xmax = xmax > 0 ? xmax * 1.02 : 1;
    if (cd->nchanges == 0)
        return;
    qsort_r(cd->idx, ds->n, sizeof(size_t), cmp_by_op, ds);
    for (size_t k = 0; k < ds->nops; k++)
        cd->first[k] = SIZE_MAX;
    for (size_t i = ds->n; i-- > 0;)
        cd->first[ds->res[cd->idx[i]].op] = i;
    stats_convergence(ds, cd->conv);
}

/* A sample of the changes (CONV_SAMPLE of them, evenly spread over the
 * campaign), one sub-block each: a single blank line breaks the curve
 * without starting a new index. Its block index; *shown the changes
 * drawn. */
static unsigned conv_changes(const dataset_t *ds, plot_t *p, const conv_data_t *cd,
                             size_t *shown)
{
    unsigned b = block(p, "sampled changes: time since acknowledged (s), fraction "
                          "of nameservers serving it");
    size_t ordinal = 0;

    *shown = 0;
    for (size_t k = 0; k < ds->nops; k++) {
        size_t nserved = 0, total = 0;
        if (cd->polled[k] == 0)
            continue;
        ordinal++;
        if (cd->nchanges > CONV_SAMPLE && (ordinal - 1) * CONV_SAMPLE / cd->nchanges ==
                                              ordinal * CONV_SAMPLE / cd->nchanges)
            continue;
        if ((*shown)++ > 0)
            wr(&p->dat, "\n");
        wr_row2(&p->dat, 0, 0);
        /* its served polls come first, by duration (cmp_by_op): at most
         * cd->q_change of them drawn, at even ranks (as cdf_rows) */
        for (size_t i = cd->first[k];
             i < ds->n && ds->res[cd->idx[i]].op == k && served(&ds->res[cd->idx[i]]);
             i++)
            total++;
        for (size_t i = cd->first[k]; nserved < total; i++) {
            nserved++;
            if (thin_keep(nserved - 1, total, cd->q_change))
                wr_row2(&p->dat, ds->res[cd->idx[i]].duration,
                        (double)nserved / cd->polled[k]);
        }
        wr_row2(&p->dat, cd->xmax, (double)nserved / cd->polled[k]);
    }
    return b;
}

/* The mean over all changes of the fraction of nameservers serving it:
 * each poll served adds 1/polled/nchanges. Its block index. */
static unsigned conv_mean(const dataset_t *ds, plot_t *p, conv_data_t *cd)
{
    event_t *ev = cd->ev;
    size_t nev = 0;
    double cum = 0;
    /* binned: a row each time the mean has risen by 1/q (and the last) */
    double step = cd->q == SIZE_MAX ? 0 : 1.0 / (double)cd->q, next = 0;
    unsigned b;

    for (size_t i = 0; i < ds->n; i++) {
        const ds_result_t *r = &ds->res[i];
        if (served(r)) {
            ev[nev].t = r->duration;
            ev[nev].w = 1.0 / cd->polled[r->op] / (double)cd->nchanges;
            nev++;
        }
    }
    qsort(ev, nev, sizeof(event_t), cmp_event);
    b = block(p, "time since acknowledged (s), mean fraction of nameservers "
                 "serving a change");
    wr_row2(&p->dat, 0, 0);
    for (size_t i = 0; i < nev; i++) {
        cum += ev[i].w;
        /* one row per distinct time: the sum's order is fixed by the sort */
        if (i + 1 < nev && (ev[i + 1].t == ev[i].t || cum < next))
            continue;
        wr_row2(&p->dat, ev[i].t, cum);
        if (step > 0)
            next = (floor(cum / step) + 1) * step;
    }
    wr_row2(&p->dat, cd->xmax, cum);
    return b;
}

/* The fraction of changes every nameserver served, against time. Its
 * block index. */
static unsigned conv_all(const dataset_t *ds, plot_t *p, conv_data_t *cd)
{
    double *conv = cd->conv;
    size_t nconv = 0;
    unsigned b;

    for (size_t k = 0; k < ds->nops; k++) {
        if (cd->polled[k] > 0 && !isnan(conv[k]))
            conv[nconv++] = conv[k];
    }
    qsort(conv, nconv, sizeof(double), stats_cmp_double);
    b = block(p, "time since acknowledged (s), fraction of changes served by "
                 "every nameserver");
    wr_row2(&p->dat, 0, 0);
    cdf_rows(p, conv, nconv, (double)cd->nchanges, cd->q);
    wr_row2(&p->dat, cd->xmax, (double)nconv / (double)cd->nchanges);
    return b;
}

/* The changes the provider claimed in sync, against the time since their
 * acknowledgement, over the changes whose target reports a claim (its own
 * curve, beside the nameservers'). v: scratch for ds->nops values. The
 * block's index, or -1 when no change had a claim; *xmax grows to the
 * latest claim. */
static long conv_provider(const dataset_t *ds, plot_t *p, double *v, double *xmax,
                          size_t q, bool write)
{
    size_t n = 0, watched = 0;
    long b;

    for (size_t k = 0; k < ds->nops; k++) {
        const ds_op_t *op = &ds->ops[k];
        watched += op->claim != TARGET_CLAIM_NONE;
        if (op->claim == TARGET_CLAIM_IN_SYNC && !isnan(op->claimed_at))
            v[n++] = fmax(0, op->claimed_at - op->ack_time);
    }
    if (watched == 0)
        return -1;
    qsort(v, n, sizeof(double), stats_cmp_double);
    if (n > 0 && v[n - 1] > *xmax)
        *xmax = v[n - 1];
    if (!write)
        return 0;
    b = block(p, "time since acknowledged (s), fraction of changes the provider "
                 "claimed in sync");
    wr_row2(&p->dat, 0, 0);
    cdf_rows(p, v, n, (double)watched, q);
    wr_row2(&p->dat, *xmax, (double)n / (double)watched);
    return b;
}

/* The convergence script: the three kinds of curves, from blocks
 * b_changes, b_mean and b_all. */
static void conv_script(plot_t *p, const conv_data_t *cd, size_t shown,
                        unsigned b_changes, unsigned b_mean, unsigned b_all)
{
    wr(&p->gp,
       "set xlabel 'time since the change was acknowledged (s)'\n"
       "set ylabel 'fraction (of nameservers, of changes)'\n"
       "set xrange [0:%.6f]\n"
       "set yrange [0:1.02]\n"
       "set ytics 0.1\n"
       "set key outside below center horizontal Left reverse height 1\n",
       cd->xmax);
    item(p);
    wr(&p->gp,
       "'convergence.dat' index %u using 1:2 with steps lw 1 lc rgb '#b0808080' title ",
       b_changes);
    if (shown < cd->nchanges)
        wr_litf(&p->gp,
                "one change: fraction of nameservers serving it (%zu of %zu shown)",
                shown, cd->nchanges);
    else
        wr_lit(&p->gp, "one change: fraction of nameservers serving it");
    item(p);
    wr(&p->gp,
       "'convergence.dat' index %u using 1:2 with steps lw 5 lc rgb '#1f77b4' "
       "title 'mean fraction of nameservers serving a change'",
       b_mean);
    item(p);
    wr(&p->gp,
       "'convergence.dat' index %u using 1:2 with steps lw 2 lc rgb '#d62728' "
       "title 'fraction of changes served by every nameserver'",
       b_all);
}

static int plot_convergence(plot_ctx_t *c)
{
    dataset_t *ds = c->ds;
    conv_data_t cd;
    size_t shown = 0;
    unsigned b_changes, b_mean, b_all;
    long b_prov;
    char *detail = NULL;
    plot_t p;
    int ret;

    memset(&p, 0, sizeof(p));
    ret = conv_alloc(ds, &cd);
    if (ret < 0)
        goto out;
    cd.q = cdf_q(c, 4); /* (the three curves and the provider's) */
    /* a sampled change's curve has a point per nameserver serving it */
    cd.q_change = c->binned ? CONV_Q_CHANGE : SIZE_MAX;
    conv_prepare(ds, &cd);
    if (cd.nchanges == 0)
        goto out; /* not drawn, no files */
    cd.prov = malloc((ds->nops + 1) * sizeof(double));
    if (cd.prov != NULL)
        conv_provider(ds, &p, cd.prov, &cd.xmax, cd.q, false); /* (the x axis first) */
    detail = cdf_detail(c, cd.q);
    if (c->binned && detail == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    ret = plot_begin(c, &p, "convergence", CONVERGENCE_TITLE, detail);
    if (ret < 0)
        goto out;
    b_changes = conv_changes(ds, &p, &cd, &shown);
    b_mean = conv_mean(ds, &p, &cd);
    b_all = conv_all(ds, &p, &cd);
    b_prov = cd.prov != NULL ? conv_provider(ds, &p, cd.prov, &cd.xmax, cd.q, true) : -1;
    conv_script(&p, &cd, shown, b_changes, b_mean, b_all);
    if (b_prov >= 0) {
        item(&p);
        wr(&p.gp,
           "'convergence.dat' index %ld using 1:2 with steps lw 2 dt 2 lc rgb '#2ca02c' "
           "title 'fraction of changes the provider claimed in sync'",
           b_prov);
    }
    ret =
        plot_end(c, &p, CONVERGENCE_TITLE,
                 "Against the time since a change was acknowledged (x, s): for a sample "
                 "of changes, the fraction of nameservers serving it (grey steps); the "
                 "mean of that fraction over all changes (blue), and the fraction of "
                 "changes every nameserver served (red); where the target reports its "
                 "own claim, the fraction of changes it claimed in sync (green, "
                 "dashed).");
out:
    plot_free(&p);
    conv_free(&cd);
    free(detail);
    return ret;
}

/* ---- rendering ------------------------------------------------------------------------
 */

/* Runs `prog script` in dir, its output appended to logfd. 0 with the
 * exit status in *status, or the errno of chdir/exec in *exec_err (the
 * child reports it through a close-on-exec pipe, so a missing program is
 * told from a failing one). */
static int run_gnuplot(const char *prog, const char *dir, const char *script, int logfd,
                       int *status, int *exec_err)
{
    char *argv[] = {(char *)prog, (char *)script, NULL};
    int pfd[2];
    int devnull;
    pid_t pid;
    ssize_t n;
    int e = 0;

    *exec_err = 0;
    *status = 0;
    if (pipe2(pfd, O_CLOEXEC) < 0)
        return -errno;
    devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid = fork();
    if (pid < 0) {
        e = -errno;
        close(pfd[0]);
        close(pfd[1]);
        if (devnull >= 0)
            close(devnull);
        return e;
    }
    if (pid == 0) {
        /* the child: only async-signal-safe calls until exec (the caller
         * may have threads) */
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(logfd, 1);
        dup2(logfd, 2);
        if (chdir(dir) == 0)
            execvp(prog, argv);
        e = errno;
        n = write(pfd[1], &e, sizeof(e));
        (void)n;
        _exit(127);
    }
    close(pfd[1]);
    if (devnull >= 0)
        close(devnull);
    do {
        n = read(pfd[0], &e, sizeof(e));
    } while (n < 0 && errno == EINTR);
    close(pfd[0]);
    while (waitpid(pid, status, 0) < 0) {
        if (errno != EINTR)
            return -errno;
    }
    if (n == (ssize_t)sizeof(e))
        *exec_err = e;
    return 0;
}

/* The last non-empty line of the log, for an error message. */
static void log_tail(const char *path, char *line, size_t len)
{
    FILE *f = fopen(path, "r");
    char buf[512];

    if (len > 0)
        line[0] = '\0';
    if (f == NULL)
        return;
    while (fgets(buf, sizeof(buf), f) != NULL) {
        buf[strcspn(buf, "\r\n")] = '\0';
        size_t n = strlen(buf);
        if (n == 0 || len == 0)
            continue;
        if (n >= len)
            n = len - 1; /* truncated: it only illustrates the log */
        memcpy(line, buf, n);
        line[n] = '\0';
    }
    fclose(f);
}

/* gnuplot said it was done (exit 0) but its PNG is missing or empty: a
 * failure to write (a full disk: gnuplot 5.4 does not check its writes),
 * not a failure to plot. The empty file goes, so that nothing shows a
 * blank image as a plot. -ENOSPC when the folder's filesystem is full. */
static int png_missing(plot_ctx_t *c, const char *pngpath, const char *log, char *err,
                       size_t errlen)
{
    struct statvfs vfs;
    bool full = statvfs(c->dir, &vfs) == 0 && vfs.f_bavail == 0;

    unlink(pngpath);
    snprintf(err, errlen, "gnuplot exited 0 but wrote no image to %s%s (see %s)", pngpath,
             full ? ": no space left on the device" : "", log);
    return full ? -ENOSPC : -EIO;
}

/* Render every plot: 0, or < 0 when a PNG could not be written (err says
 * which; the report must not pass over it). A gnuplot that is missing or
 * fails leaves *rendered false and err saying so, and returns 0. */
static int render(plot_ctx_t *c, const char *prog, bool *rendered, char *err,
                  size_t errlen)
{
    char *log = textf("%s/gnuplot.log", c->dir);
    int logfd = -1;
    int wret = 0;
    size_t i;
    json_t *e;

    *rendered = true;
    if (log == NULL) {
        *rendered = false;
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (logfd < 0) {
        *rendered = false;
        wret = -errno;
        snprintf(err, errlen, "cannot write %s: %s", log, strerror(errno));
        goto out;
    }
    json_array_foreach(c->index, i, e)
    {
        const char *script = json_string_value(json_object_get(e, "script"));
        const char *name = json_string_value(json_object_get(e, "name"));
        char png[64];
        char *pngpath;
        struct stat st;
        int status, xerr;
        int ret = run_gnuplot(prog, c->dir, script, logfd, &status, &xerr);

        if (ret < 0 || xerr != 0) {
            *rendered = false;
            if (xerr == ENOENT)
                snprintf(
                    err, errlen,
                    "gnuplot not found (%s): scripts and data are in %s; render them "
                    "with: cd %s && gnuplot *.gp (apt-get install gnuplot-nox)",
                    prog, c->dir, c->dir);
            else
                snprintf(err, errlen, "cannot run %s in %s: %s", prog, c->dir,
                         strerror(xerr != 0 ? xerr : -ret));
            goto out; /* the others would fail alike */
        }
        snprintf(png, sizeof(png), "%s.png", name);
        pngpath = textf("%s/%s", c->dir, png);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && pngpath != NULL &&
            stat(pngpath, &st) == 0 && st.st_size > 0) {
            json_object_set_new(e, "png", json_string(png));
        } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && pngpath != NULL) {
            *rendered = false;
            if (wret == 0)
                wret = png_missing(c, pngpath, log, err, errlen);
            else
                unlink(pngpath);
        } else if (*rendered) {
            /* the first failure is the one to tell */
            char tail[256];
            *rendered = false;
            log_tail(log, tail, sizeof(tail));
            if (WIFEXITED(status))
                snprintf(err, errlen, "gnuplot failed on %s/%s (exit %d)%s%s (see %s)",
                         c->dir, script, WEXITSTATUS(status), tail[0] != '\0' ? ": " : "",
                         tail, log);
            else
                snprintf(err, errlen, "gnuplot killed by signal %d on %s/%s (see %s)",
                         WIFSIGNALED(status) ? WTERMSIG(status) : 0, c->dir, script, log);
        }
        free(pngpath);
    }
out:
    if (logfd >= 0 && close(logfd) < 0 && wret == 0) {
        wret = -errno;
        snprintf(err, errlen, "cannot write %s: %s", log, strerror(errno));
    }
    free(log);
    return wret;
}

/* ---- the campaign -------------------------------------------------------------------
 */

/* The campaign as titles show it: its id, which starts with its name
 * (quickstart-20250101T000000Z), else whichever of the two there is. */
static char *campaign_label(const dataset_t *ds)
{
    const char *name = json_string_value(json_object_get(ds->campaign, "name"));
    const char *id = json_string_value(json_object_get(ds->campaign, "campaign"));

    if (id != NULL && name != NULL && strncmp(id, name, strlen(name)) != 0)
        return textf("%s (%s)", name, id);
    if (id != NULL)
        return textf("%s", id);
    return textf("%s", name != NULL ? name : "unnamed campaign");
}

/* The results grouped by nameserver (a counting sort: each group keeps
 * ds->res order), so that per-nameserver curves read their own results
 * only, not all of them once per nameserver. */
static int ctx_by_ns(plot_ctx_t *c)
{
    const dataset_t *ds = c->ds;
    size_t *next;

    c->by_ns = malloc((ds->n + 1) * sizeof(size_t));
    c->ns_first = calloc(ds->nns + 2, sizeof(size_t));
    next = calloc(ds->nns + 1, sizeof(size_t));
    if (c->by_ns == NULL || c->ns_first == NULL || next == NULL) {
        free(next);
        return -ENOMEM;
    }
    for (size_t i = 0; i < ds->n; i++) {
        if (ds->res[i].ns < ds->nns)
            c->ns_first[ds->res[i].ns + 1]++;
    }
    for (size_t j = 0; j < ds->nns; j++) {
        c->ns_first[j + 1] += c->ns_first[j];
        next[j] = c->ns_first[j];
    }
    for (size_t i = 0; i < ds->n; i++) {
        if (ds->res[i].ns < ds->nns)
            c->by_ns[next[ds->res[i].ns]++] = i;
    }
    free(next);
    return 0;
}

int plot_render(const char *dir, json_t *index, const char *gnuplot, bool *rendered,
                char *err, size_t errlen)
{
    plot_ctx_t c;

    memset(&c, 0, sizeof(c));
    c.dir = dir;
    c.index = index;
    return render(&c, gnuplot != NULL ? gnuplot : "gnuplot", rendered, err, errlen);
}

int plot_campaign(dataset_t *ds, const json_t *stats, const char *dir,
                  const plot_opts_t *opts, json_t **index, bool *rendered, char *err,
                  size_t errlen)
{
    static int (*const plots[])(plot_ctx_t *) = {
        plot_propagation, plot_cdf,   plot_vantages, plot_instances,  plot_targets,
        plot_percentiles, plot_rates, plot_ramp,     plot_convergence};
    plot_ctx_t c;
    const char *prog = opts != NULL && opts->gnuplot != NULL ? opts->gnuplot : "gnuplot";
    int ret = 0;

    memset(&c, 0, sizeof(c));
    *index = NULL;
    *rendered = false;
    if (errlen > 0)
        err[0] = '\0';
    ds_sort(ds);
    c.ds = ds;
    c.stats = stats;
    c.dir = dir;
    c.width = opts != NULL && opts->width > 0 ? opts->width : PLOT_W_DEFAULT;
    c.height = opts != NULL && opts->height > 0 ? opts->height : PLOT_H_DEFAULT;
    c.start = ds_start(ds);
    c.label = campaign_label(ds);
    c.kinds = ds_names_order(&ds->kinds);
    c.index = json_array();
    c.binned =
        ds->n > (opts != NULL && opts->bin_above > 0 ? opts->bin_above : PLOT_BIN_ABOVE);
    if (c.label == NULL || c.kinds == NULL || c.index == NULL || ctx_by_ns(&c) < 0) {
        ret = -ENOMEM;
        snprintf(err, errlen, "out of memory writing the plots");
        goto out;
    }
    c.ns_name = calloc(ds->nns + 1, sizeof(char *));
    c.kind_name = calloc(ds->kinds.n + 1, sizeof(char *));
    if (c.ns_name == NULL || c.kind_name == NULL) {
        ret = -ENOMEM;
        snprintf(err, errlen, "out of memory writing the plots");
        goto out;
    }
    for (size_t j = 0; j < ds->nns; j++) {
        c.ns_name[j] =
            clip(ds->ns[j].name[0] != '\0' ? ds->ns[j].name : "(none)", NAME_CHARS);
        if (c.ns_name[j] == NULL)
            ret = -ENOMEM;
    }
    for (size_t k = 0; k < ds->kinds.n; k++) {
        c.kind_name[k] =
            clip(ds->kinds.v[k][0] != '\0' ? ds->kinds.v[k] : "(none)", NAME_CHARS);
        if (c.kind_name[k] == NULL)
            ret = -ENOMEM;
    }
    if (ret < 0) {
        snprintf(err, errlen, "out of memory writing the plots");
        goto out;
    }
    ret = fsutil_mkdirs(dir, 0755);
    if (ret < 0) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(-ret));
        goto out;
    }
    for (size_t i = 0; i < sizeof(plots) / sizeof(plots[0]); i++) {
        ret = plots[i](&c);
        if (ret < 0) {
            snprintf(err, errlen, "cannot write the plots under %s: %s", dir,
                     ret > DP_ERRBASE ? strerror(-ret) : dp_strerror(ret));
            goto out;
        }
    }
    if (opts == NULL || !opts->no_render)
        ret = render(&c, prog, rendered, err, errlen);
    *index = c.index; /* (also when a PNG could not be written: the rest stand) */
    c.index = NULL;
out:
    json_decref(c.index);
    free(c.label);
    free(c.kinds);
    for (size_t j = 0; c.ns_name != NULL && j < ds->nns; j++)
        free(c.ns_name[j]);
    for (size_t k = 0; c.kind_name != NULL && k < ds->kinds.n; k++)
        free(c.kind_name[k]);
    free(c.ns_name);
    free(c.kind_name);
    free(c.by_ns);
    free(c.ns_first);
    return ret;
}
