/*
 * compare_out: a comparison (compare.h) as text, Markdown, HTML, and
 * overlay CDF plots.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/common/fsutil.h"
#include "plot/compare.h"
#include "plot/plots.h"
#include "plot/report.h"
#include "plot/stats.h"

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s != NULL ? s : "?";
}

/* A metric's value as people read it: seconds, or the timeout rate in %. */
static void fmt_val(char *b, size_t len, const json_t *v, bool rate, bool sign)
{
    double x = json_number_value(v);

    if (json_is_null(v) || v == NULL)
        snprintf(b, len, "-");
    else if (rate)
        snprintf(b, len, sign ? "%+.2f pp" : "%.2f %%", x * 100);
    else
        snprintf(b, len, sign ? "%+.3f s" : "%.3f s", x);
}

static void fmt_ci(char *b, size_t len, const json_t *ci, bool rate)
{
    char lo[32], hi[32];

    fmt_val(lo, sizeof(lo), json_array_get(ci, 0), rate, true);
    fmt_val(hi, sizeof(hi), json_array_get(ci, 1), rate, true);
    snprintf(b, len, "[%s, %s]", lo, hi);
}

/* The cells of one metric of one row. */
typedef struct {
    char row[96], metric[16], a[32], b[32], diff[32], ci[72];
    const char *verdict;
} line_t;

static void line_of(line_t *l, const json_t *row, int m)
{
    const json_t *e =
        json_object_get(json_object_get(row, "metrics"), cmp_metric_names[m]);
    bool rate = m == CMP_TIMEOUTS;

    snprintf(l->row, sizeof(l->row), "%s %s", str(row, "scope"), str(row, "name"));
    snprintf(l->metric, sizeof(l->metric), "%s", cmp_metric_names[m]);
    fmt_val(l->a, sizeof(l->a), json_object_get(e, "a"), rate, false);
    fmt_val(l->b, sizeof(l->b), json_object_get(e, "b"), rate, false);
    fmt_val(l->diff, sizeof(l->diff), json_object_get(e, "diff"), rate, true);
    fmt_ci(l->ci, sizeof(l->ci), json_object_get(e, "ci"), rate);
    l->verdict = str(e, "verdict");
}

static void head_lines(FILE *b, const json_t *cmp)
{
    const json_t *a = json_object_get(cmp, "a");
    const json_t *bb = json_object_get(cmp, "b");

    fprintf(b, "A = %s (%lld changes), B = %s (%lld changes)\n", str(a, "campaign"),
            (long long)json_integer_value(json_object_get(a, "changes")),
            str(bb, "campaign"),
            (long long)json_integer_value(json_object_get(bb, "changes")));
    fprintf(b,
            "B - A with %g%% confidence intervals from %lld bootstrap resamples of "
            "the changes (seed %lld)\n",
            json_number_value(json_object_get(cmp, "confidence")) * 100,
            (long long)json_integer_value(json_object_get(cmp, "resamples")),
            (long long)json_integer_value(json_object_get(cmp, "seed")));
}

static void gate_lines(FILE *b, const json_t *cmp)
{
    const json_t *t, *e;
    size_t i, j;

    fprintf(b, "verdict: %s; gate: %s\n", str(cmp, "verdict"), str(cmp, "gate"));
    json_array_foreach(json_object_get(cmp, "thresholds"), i, t)
    {
        json_array_foreach(json_object_get(t, "exceeded"), j, e)
        {
            fprintf(b, "threshold %s exceeded: %s %s %+g (limit %+g)\n", str(t, "spec"),
                    str(e, "row"), str(e, "metric"),
                    json_number_value(json_object_get(e, "diff")),
                    json_number_value(json_object_get(e, "limit")));
        }
    }
}

/* What fn writes, as a string (NULL on ENOMEM). */
static char *text_of(void (*fn)(FILE *, const json_t *), const json_t *cmp)
{
    char *t = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&t, &len);

    if (f == NULL)
        return NULL;
    fn(f, cmp);
    fclose(f);
    return t;
}

static void table_lines(FILE *f, const json_t *cmp)
{
    const json_t *row;
    size_t i;
    int m;

    head_lines(f, cmp);
    fprintf(f, "\n%-26s %-8s %11s %11s %11s  %-28s %s\n", "row", "metric", "A", "B",
            "B - A", "CI", "verdict");
    json_array_foreach(json_object_get(cmp, "rows"), i, row)
    {
        for (m = 0; m < CMP_NMETRICS; m++) {
            line_t l;
            line_of(&l, row, m);
            fprintf(f, "%-26s %-8s %11s %11s %11s  %-28s %s\n", m == 0 ? l.row : "",
                    l.metric, l.a, l.b, l.diff, l.ci, l.verdict);
        }
    }
    fprintf(f, "\n");
    gate_lines(f, cmp);
}

char *cmp_text(const json_t *cmp)
{
    return text_of(table_lines, cmp);
}

/* ---- Markdown and HTML ----------------------------------------------------------- */

/* A block of lines as Markdown: each its own paragraph, escaped. */
static void md_lines(FILE *f, const char *text)
{
    char *copy = strdup(text);
    char *save = NULL;

    for (char *l = copy != NULL ? strtok_r(copy, "\n", &save) : NULL; l != NULL;
         l = strtok_r(NULL, "\n", &save)) {
        report_md_esc(f, l);
        fputs("\n\n", f);
    }
    free(copy);
}

static void pages_table(FILE *md, FILE *html, const json_t *cmp)
{
    const char *cols[] = {"row", "metric", "A", "B", "B - A", "CI", "verdict"};
    const json_t *row;
    size_t i, c;
    int m;

    fprintf(md, "| row | metric | A | B | B - A | CI | verdict |\n");
    fprintf(md, "| --- | --- | ---: | ---: | ---: | ---: | --- |\n");
    fprintf(html, "<table>\n<tr>");
    for (c = 0; c < 7; c++)
        fprintf(html, "<th>%s</th>", cols[c]);
    fprintf(html, "</tr>\n");
    json_array_foreach(json_object_get(cmp, "rows"), i, row)
    {
        for (m = 0; m < CMP_NMETRICS; m++) {
            line_t l;
            const char *cells[7];
            line_of(&l, row, m);
            cells[0] = l.row, cells[1] = l.metric, cells[2] = l.a, cells[3] = l.b;
            cells[4] = l.diff, cells[5] = l.ci, cells[6] = l.verdict;
            fprintf(html, "<tr>");
            for (c = 0; c < 7; c++) {
                fprintf(md, "| ");
                report_md_esc(md, cells[c]);
                fprintf(md, " ");
                fprintf(html, "<td>");
                report_html_esc(html, cells[c]);
                fprintf(html, "</td>");
            }
            fprintf(md, "|\n");
            fprintf(html, "</tr>\n");
        }
    }
    fprintf(html, "</table>\n");
}

int cmp_write_pages(const json_t *cmp, const char *dir, char *err, size_t errlen)
{
    char path[1100];
    FILE *md = NULL, *html = NULL;
    char *head = text_of(head_lines, cmp);
    char *gate = text_of(gate_lines, cmp);
    const json_t *p;
    size_t i;
    int ret = 0;

    err[0] = '\0';
    if (head == NULL || gate == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    snprintf(path, sizeof(path), "%s/compare.md", dir);
    md = fopen(path, "w");
    if (md != NULL) {
        snprintf(path, sizeof(path), "%s/compare.html", dir);
        html = fopen(path, "w");
    }
    if (md == NULL || html == NULL) {
        ret = -errno;
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    fprintf(md, "# Comparison\n\n");
    md_lines(md, head);
    fprintf(md, "\n");
    fprintf(html, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
                  "Comparison</title></head><body>\n<h1>Comparison</h1>\n<pre>");
    report_html_esc(html, head);
    fprintf(html, "</pre>\n");
    pages_table(md, html, cmp);
    fprintf(md, "\n");
    md_lines(md, gate);
    fprintf(html, "<pre>");
    report_html_esc(html, gate);
    fprintf(html, "</pre>\n");
    json_array_foreach(json_object_get(cmp, "plots"), i, p)
    {
        const char *png = json_string_value(json_object_get(p, "png"));
        if (png == NULL)
            continue;
        fprintf(md, "\n![%s](plots/%s)\n", str(p, "name"), png);
        fprintf(html, "<p><img src=\"plots/%s\" alt=\"%s\"></p>\n", png, str(p, "name"));
    }
    fprintf(html, "</body></html>\n");
out:
    if (md != NULL && fclose(md) != 0 && ret == 0)
        ret = -errno;
    if (html != NULL && fclose(html) != 0 && ret == 0)
        ret = -errno;
    if (ret < 0 && err[0] == '\0')
        snprintf(err, errlen, "cannot write the pages under %s: %s", dir, strerror(-ret));
    free(head);
    free(gate);
    return ret;
}

/* ---- overlay CDF plots --------------------------------------------------------------
 */

/* One CDF block: the sorted completed values against the fraction of the
 * counted changes at or below them (a curve stops short of 1 by the
 * timeout rate, as the campaign's own cdf plot does). */
static void cdf_block(FILE *f, const double *v, const unsigned *counted, size_t nops,
                      double *buf)
{
    size_t i, n = 0, c = 0;

    for (i = 0; i < nops; i++) {
        if (!counted[i])
            continue;
        n++;
        if (!isnan(v[i]))
            buf[c++] = v[i];
    }
    qsort(buf, c, sizeof(double), stats_cmp_double);
    for (i = 0; i < c; i++)
        fprintf(f, "%.6f %.6f\n", buf[i], (double)(i + 1) / (double)n);
    if (c == 0)
        fprintf(f, "0 0\n");
    fprintf(f, "\n\n");
}

typedef struct {
    dataset_t *a, *b;
    const char *dir;
    double *va, *vb, *buf;
    unsigned *ca, *cb;
    json_t *index;
} plots_t;

/* compare-<n>.gp and .dat: the row's values of A and B on one axes. */
static int overlay(plots_t *p, unsigned n, const char *title)
{
    char path[1100];
    char *t = plot_gp_string(title);
    char *la =
        plot_gp_string(json_string_value(json_object_get(p->a->campaign, "campaign")));
    char *lb =
        plot_gp_string(json_string_value(json_object_get(p->b->campaign, "campaign")));
    FILE *dat = NULL, *gp = NULL;
    int ret = 0;

    snprintf(path, sizeof(path), "%s/compare-%u.dat", p->dir, n);
    dat = fopen(path, "w");
    snprintf(path, sizeof(path), "%s/compare-%u.gp", p->dir, n);
    gp = fopen(path, "w");
    if (t == NULL || la == NULL || lb == NULL || dat == NULL || gp == NULL) {
        ret = dat == NULL || gp == NULL ? -errno : -ENOMEM;
        goto out;
    }
    cdf_block(dat, p->va, p->ca, p->a->nops, p->buf);
    cdf_block(dat, p->vb, p->cb, p->b->nops, p->buf);
    fprintf(gp,
            "set terminal pngcairo size 1280,720\nset output 'compare-%u.png'\n"
            "set title %s\nset xlabel 'seconds'\nset ylabel 'fraction of changes'\n"
            "set yrange [0:1.02]\nset key bottom right\nset grid\n"
            "plot 'compare-%u.dat' index 0 using 1:2 with steps lw 2 title 'A: '.%s, \\\n"
            "     'compare-%u.dat' index 1 using 1:2 with steps lw 2 title 'B: '.%s\n",
            n, t, n, la, n, lb);
    snprintf(path, sizeof(path), "compare-%u", n);
    json_array_append_new(p->index, json_pack("{s:s, s:s+, s:s}", "name", path, "script",
                                              path, ".gp", "title", title));
out:
    if (dat != NULL && fclose(dat) != 0 && ret == 0)
        ret = -errno;
    if (gp != NULL && fclose(gp) != 0 && ret == 0)
        ret = -errno;
    free(t);
    free(la);
    free(lb);
    return ret;
}

int cmp_plots(dataset_t *a, dataset_t *b, json_t *cmp, const char *dir,
              const char *gnuplot, bool *rendered, char *err, size_t errlen)
{
    plots_t p;
    char title[300];
    unsigned n = 0;
    size_t i;
    int ret = 0;

    *rendered = false;
    err[0] = '\0';
    memset(&p, 0, sizeof(p));
    p.a = a;
    p.b = b;
    p.dir = dir;
    p.va = calloc(a->nops + 1, sizeof(double));
    p.vb = calloc(b->nops + 1, sizeof(double));
    p.ca = calloc(a->nops + 1, sizeof(unsigned));
    p.cb = calloc(b->nops + 1, sizeof(unsigned));
    p.buf = calloc((a->nops > b->nops ? a->nops : b->nops) + 1, sizeof(double));
    p.index = json_array();
    if (p.va == NULL || p.vb == NULL || p.ca == NULL || p.cb == NULL || p.buf == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    ret = fsutil_mkdirs(dir, 0755);
    if (ret == 0 && stats_stage_values(a, STATS_STAGE_ALL, p.va, p.ca) == 0 &&
        stats_stage_values(b, STATS_STAGE_ALL, p.vb, p.cb) == 0)
        ret =
            overlay(&p, n++, "acknowledged -> every nameserver served it (convergence)");
    for (i = 0; ret == 0 && i < a->nns; i++) {
        long j = ds_ns_index(b, a->ns[i].name);
        if (j < 0)
            continue;
        stats_ns_values(a, (unsigned)i, p.va, p.ca);
        stats_ns_values(b, (unsigned)j, p.vb, p.cb);
        snprintf(title, sizeof(title), "propagation time on %s", a->ns[i].name);
        ret = overlay(&p, n++, title);
    }
    if (ret < 0)
        snprintf(err, errlen, "cannot write the plots under %s: %s", dir, strerror(-ret));
    else
        ret = plot_render(dir, p.index, gnuplot, rendered, err, errlen);
    json_object_set(cmp, "plots", p.index);
out:
    json_decref(p.index);
    free(p.va);
    free(p.vb);
    free(p.ca);
    free(p.cb);
    free(p.buf);
    return ret;
}
