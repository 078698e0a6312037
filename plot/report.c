/*
 * report: report.json, report.md and report.html (see report.h).
 *
 * The JSON document is built first; the Markdown and HTML pages are both
 * written from it through one small writer (doc_*) that emits each
 * heading, paragraph, table and image in the two syntaxes at once, so the
 * two pages cannot drift apart. Every text that comes from a scenario is
 * escaped for the page it lands in (HTML entities; Markdown table pipes
 * and line breaks).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/common/errcode.h"
#include "harness/common/fsutil.h"
#include "harness/common/log.h"
#include "harness/common/timebase.h"
#include "plot/report.h"
#include "plot/stats.h"

#define SLOWEST_N 10

/* ---- the document ----------------------------------------------------------- */

static double num_or(json_t *v, double dflt)
{
    return json_is_number(v) ? json_number_value(v) : dflt;
}

static json_t *copy_field(json_t *meta, const char *k)
{
    json_t *v = json_object_get(meta, k);

    return v != NULL ? json_deep_copy(v) : json_null();
}

#define REPORT_CUT_ROWS 100

/* {"total":N,"referral":N,"glue":N,"serial":N,"examples":[...]}: the
 * changes measured other than by an answer (stats' "measured_by"), the
 * first REPORT_CUT_ROWS of them in full. */
static json_t *below_cuts(const stats_changes_t *ch)
{
    json_t *o = json_pack("{s:i, s:i, s:i, s:i}", "total", 0, "referral", 0, "glue", 0,
                          "serial", 0);
    json_t *ex = json_array();
    const dataset_t *ds = ch->ds;
    size_t i;

    for (i = 0; i < ds->nops; i++) {
        const char *m = ds->measures.v[ds->ops[i].measure];
        json_t *n = *m != '\0' ? json_object_get(o, m) : NULL;
        if (n == NULL)
            continue;
        json_integer_set(n, json_integer_value(n) + 1);
        n = json_object_get(o, "total");
        json_integer_set(n, json_integer_value(n) + 1);
        if (json_array_size(ex) < REPORT_CUT_ROWS)
            json_array_append_new(ex, stats_change(ch, i));
    }
    json_object_set_new(o, "examples", ex);
    return o;
}

/* Is change a slower than b: never converged first, then the slowest;
 * ties by id (as cmp_change orders their JSON). */
static bool slower(const stats_changes_t *ch, size_t a, size_t b)
{
    double ca = ch->conv[a];
    double cb = ch->conv[b];

    if (isnan(ca) != isnan(cb))
        return isnan(ca);
    if (!isnan(ca) && ca != cb)
        return ca > cb;
    return ch->ds->ops[a].id < ch->ds->ops[b].id;
}

/* The SLOWEST_N slowest changes, in one pass (an insertion into a short
 * list), whatever their number. */
static json_t *slowest_changes(const stats_changes_t *ch)
{
    size_t top[SLOWEST_N];
    size_t n = 0;
    json_t *out = json_array();
    size_t i, k;

    for (i = 0; i < ch->ds->nops; i++) {
        if (n == SLOWEST_N && !slower(ch, i, top[n - 1]))
            continue;
        k = n < SLOWEST_N ? n++ : n - 1;
        for (; k > 0 && slower(ch, i, top[k - 1]); k--)
            top[k] = top[k - 1];
        top[k] = i;
    }
    for (i = 0; i < n; i++)
        json_array_append_new(out, stats_change(ch, top[i]));
    return out;
}

typedef struct {
    unsigned ns;
    double p99, mean;
} nsrank_t;

static int cmp_nsrank(const void *a, const void *b)
{
    const nsrank_t *x = a;
    const nsrank_t *y = b;

    if (isnan(x->p99) != isnan(y->p99))
        return isnan(x->p99) ? 1 : -1;
    if (x->p99 != y->p99)
        return x->p99 > y->p99 ? -1 : 1;
    if (x->mean != y->mean)
        return x->mean > y->mean ? -1 : 1;
    return (x->ns > y->ns) - (x->ns < y->ns);
}

static json_t *slowest_nameservers(const dataset_t *ds, json_t *byns)
{
    nsrank_t *r = calloc(ds->nns + 1, sizeof(*r));
    json_t *out = json_array();
    size_t i;

    if (r == NULL)
        return out;
    for (i = 0; i < ds->nns; i++) {
        json_t *s = json_object_get(byns, ds->ns[i].name);
        r[i].ns = (unsigned)i;
        r[i].p99 = num_or(json_object_get(s, "p99"), NAN);
        r[i].mean = num_or(json_object_get(s, "mean"), NAN);
    }
    qsort(r, ds->nns, sizeof(*r), cmp_nsrank);
    for (i = 0; i < ds->nns; i++) {
        json_t *s = json_object_get(byns, ds->ns[r[i].ns].name);
        json_array_append_new(
            out, json_pack("{s:s, s:s, s:O, s:O, s:O, s:O, s:O}", "nameserver",
                           ds->ns[r[i].ns].name, "role", ds->ns[r[i].ns].role, "p50",
                           json_object_get(s, "p50"), "p99", json_object_get(s, "p99"),
                           "mean", json_object_get(s, "mean"), "timeouts",
                           json_object_get(s, "timeouts"), "errors",
                           json_object_get(s, "errors")));
    }
    free(r);
    return out;
}

/* Results that did not complete, counted by (status, reason, nameserver),
 * most frequent first, ties by name (never by arrival order). */
typedef struct {
    size_t count;
    const char *status, *reason, *ns;
} errcell_t;

static int cmp_err(const void *a, const void *b)
{
    const errcell_t *x = a;
    const errcell_t *y = b;
    int c;

    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    if ((c = strcmp(x->status, y->status)) != 0)
        return c;
    if ((c = strcmp(x->reason, y->reason)) != 0)
        return c;
    return strcmp(x->ns, y->ns);
}

static json_t *errors_by_reason(const dataset_t *ds)
{
    size_t nr = ds->reasons.n;
    size_t cells = DS_STATUSES * (nr + 1) * (ds->nns + 1);
    size_t *count = calloc(cells, sizeof(size_t));
    errcell_t *e = NULL;
    json_t *out = json_array();
    size_t i, n = 0;

    if (count == NULL)
        return out;
    for (i = 0; i < ds->n; i++) {
        const ds_result_t *r = &ds->res[i];
        if (r->status == DS_COMPLETED)
            continue;
        count[((size_t)r->status * (nr + 1) + r->reason) * (ds->nns + 1) + r->ns]++;
    }
    e = calloc(cells + 1, sizeof(*e));
    for (i = 0; e != NULL && i < cells; i++) {
        if (count[i] == 0)
            continue;
        e[n].count = count[i];
        e[n].ns = ds->ns[i % (ds->nns + 1)].name;
        e[n].reason = ds->reasons.v[(i / (ds->nns + 1)) % (nr + 1)];
        e[n].status = ds_status_str((ds_status_t)(i / (ds->nns + 1) / (nr + 1)));
        n++;
    }
    if (n > 0)
        qsort(e, n, sizeof(*e), cmp_err);
    for (i = 0; i < n; i++)
        json_array_append_new(out,
                              json_pack("{s:s, s:s, s:s, s:I}", "status", e[i].status,
                                        "reason", e[i].reason, "nameserver", e[i].ns,
                                        "count", (json_int_t)e[i].count));
    free(e);
    free(count);
    return out;
}

/* A campaign is complete when it stored its end record (end time, counts):
 * without one it was killed (or is still running), some of its results may
 * never have reached the store, and no verdict can be a PASS. The check
 * joins the SLO checks, so that every consumer of slo.ok (the report's
 * verdict, `dnsprop report`'s exit status, CI) sees it. */
static void completeness(json_t *doc, json_t *meta)
{
    json_t *slo = json_object_get(doc, "slo");
    bool complete = json_is_number(json_object_get(meta, "end"));

    json_object_set_new(doc, "complete", json_boolean(complete));
    if (complete)
        return;
    json_object_set_new(doc, "incomplete",
                        json_string("the campaign never ended (no end record: killed, "
                                    "or still running); its results may be partial"));
    json_array_append_new(json_object_get(slo, "checks"),
                          json_pack("{s:s, s:b, s:b, s:b}", "slo", "complete", "limit", 1,
                                    "value", 0, "ok", 0));
    json_object_set_new(slo, "ok", json_false());
}

/* The document, the changes taken one by one from ch (opened on ds). */
static json_t *build(dataset_t *ds, json_t *stats_in, json_t *plots,
                     const stats_changes_t *ch)
{
    json_t *meta = ds->campaign;
    json_t *stats = stats_in != NULL ? json_incref(stats_in) : stats_json(ds);
    json_t *doc = json_object();
    json_t *statistics = json_object();
    double start = ds_start(ds);
    double end = num_or(json_object_get(meta, "end"), NAN);
    const char *k;
    json_t *v;

    json_object_set_new(doc, "campaign", copy_field(meta, "campaign"));
    json_object_set_new(doc, "name", copy_field(meta, "name"));
    json_object_set_new(doc, "scenario",
                        json_pack("{s:O, s:O}", "path",
                                  json_object_get(meta, "scenario") != NULL
                                      ? json_object_get(meta, "scenario")
                                      : json_null(),
                                  "text",
                                  json_object_get(meta, "scenario_text") != NULL
                                      ? json_object_get(meta, "scenario_text")
                                      : json_null()));
    json_object_set_new(doc, "host", copy_field(meta, "host"));
    json_object_set_new(doc, "version", copy_field(meta, "version"));
    json_object_set_new(doc, "seed", copy_field(meta, "seed"));
    json_object_set_new(doc, "start", json_real(start));
    json_object_set_new(doc, "end", isnan(end) ? json_null() : json_real(end));
    json_object_set_new(doc, "duration",
                        isnan(end) ? json_null()
                                   : json_real(round((end - start) * 1e3) / 1e3));
    json_object_set_new(doc, "nameservers", copy_field(meta, "nameservers"));
    if (json_object_get(meta, "ns_without_address") != NULL)
        json_object_set_new(doc, "ns_without_address",
                            copy_field(meta, "ns_without_address"));
    json_object_set_new(doc, "phases", copy_field(meta, "phases"));
    json_object_set_new(doc, "clock",
                        json_pack("{s:o, s:o}", "start", copy_field(meta, "clock_start"),
                                  "end", copy_field(meta, "clock_end")));
    json_object_set_new(doc, "summary", copy_field(meta, "summary"));
    json_object_set_new(doc, "results", json_integer((json_int_t)ds->n));
    if (json_object_get(meta, "window") != NULL) /* (report --since/--until) */
        json_object_set_new(doc, "window", copy_field(meta, "window"));
    json_object_set_new(doc, "slo", stats_slo(ds, stats));
    completeness(doc, meta);
    json_object_foreach(stats, k, v)
    {
        if (strcmp(k, "changes") != 0)
            json_object_set(statistics, k, v);
    }
    json_object_set_new(doc, "statistics", statistics);
    json_object_set_new(doc, "slowest_nameservers",
                        slowest_nameservers(ds, json_object_get(stats, "nameservers")));
    json_object_set_new(doc, "slowest_changes", slowest_changes(ch));
    json_object_set_new(doc, "below_cuts", below_cuts(ch));
    json_object_set_new(doc, "errors_by_reason", errors_by_reason(ds));
    json_object_set_new(doc, "target_errors", copy_field(meta, "target_errors"));
    json_object_set_new(doc, "assessment", copy_field(meta, "assessment"));
    json_object_set_new(doc, "plots", plots != NULL ? json_incref(plots) : json_array());
    json_decref(stats);
    return doc;
}

json_t *report_build(dataset_t *ds, json_t *stats, json_t *plots)
{
    stats_changes_t ch;
    json_t *doc = NULL;

    if (stats_changes_open(&ch, ds) == 0)
        doc = build(ds, stats, plots, &ch);
    stats_changes_close(&ch);
    return doc;
}

/* ---- Markdown and HTML at once ---------------------------------------------- */

typedef struct {
    FILE *md;
    FILE *html;
} doc_t;

void report_html_esc(FILE *f, const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

/* Markdown inline text: the characters that start emphasis, code, links,
 * raw HTML or a table cell are backslash-escaped, line breaks become
 * spaces (a table row is one line). Our own texts never start a line with
 * a block marker (#, >, -, digits). */
void report_md_esc(FILE *f, const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        if (*s == '\n' || *s == '\r' || *s == '\t')
            fputc(' ', f);
        else if (strchr("\\`*_[]<|", *s) != NULL)
            fprintf(f, "\\%c", *s);
        else
            fputc(*s, f);
    }
}

static void doc_h(doc_t *d, int level, const char *text)
{
    fprintf(d->md, "\n%.*s ", level, "######");
    report_md_esc(d->md, text);
    fputs("\n\n", d->md);
    /* an id from the words (letters and digits, '-' between): links to
     * a part of the page, #verdict or #convergence-assessment */
    fprintf(d->html, "<h%d id=\"", level);
    {
        bool dash = false;
        bool any = false;
        for (const char *p = text; *p != '\0' && level > 1; p++) {
            if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                (*p >= 'A' && *p <= 'Z')) {
                if (dash && any)
                    fputc('-', d->html);
                fputc(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p, d->html);
                dash = false;
                any = true;
            } else {
                dash = true;
            }
        }
        if (level == 1)
            fputs("top", d->html);
    }
    fputs("\">", d->html);
    report_html_esc(d->html, text);
    fprintf(d->html, "</h%d>\n", level);
}

static void doc_p(doc_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void doc_p(doc_t *d, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    report_md_esc(d->md, buf);
    fputs("\n\n", d->md);
    fputs("<p>", d->html);
    report_html_esc(d->html, buf);
    fputs("</p>\n", d->html);
}

static void doc_pre(doc_t *d, const char *text)
{
    /* a fence longer than any run of backquotes in the text */
    size_t run = 0, longest = 0;
    const char *s;

    for (s = text; *s != '\0'; s++) {
        run = *s == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    fprintf(d->md, "%.*s\n%s%s%.*s\n\n", (int)(longest < 3 ? 3 : longest + 1),
            "``````````````````", text,
            text[0] != '\0' && text[strlen(text) - 1] != '\n' ? "\n" : "",
            (int)(longest < 3 ? 3 : longest + 1), "``````````````````");
    fputs("<pre>", d->html);
    report_html_esc(d->html, text);
    fputs("</pre>\n", d->html);
}

static void doc_img(doc_t *d, const char *src, const char *alt)
{
    fputs("![", d->md);
    report_md_esc(d->md, alt);
    fprintf(d->md, "](%s)\n\n", src); /* src: our own file names */
    fprintf(d->html, "<figure><img src=\"%s\" alt=\"", src);
    report_html_esc(d->html, alt);
    fputs("\"><figcaption>", d->html);
    report_html_esc(d->html, alt);
    fputs("</figcaption></figure>\n", d->html);
}

static void doc_table(doc_t *d, const char *const *cols, size_t ncols)
{
    size_t i;

    fputs("|", d->md);
    for (i = 0; i < ncols; i++) {
        fputc(' ', d->md);
        report_md_esc(d->md, cols[i]);
        fputs(" |", d->md);
    }
    fputs("\n|", d->md);
    for (i = 0; i < ncols; i++)
        fputs(i == 0 ? " --- |" : " ---: |", d->md);
    fputs("\n", d->md);
    fputs("<table><thead><tr>", d->html);
    for (i = 0; i < ncols; i++) {
        fputs("<th>", d->html);
        report_html_esc(d->html, cols[i]);
        fputs("</th>", d->html);
    }
    fputs("</tr></thead><tbody>\n", d->html);
}

static void doc_row(doc_t *d, char **cells, size_t n)
{
    size_t i;

    fputs("|", d->md);
    fputs("<tr>", d->html);
    for (i = 0; i < n; i++) {
        fputc(' ', d->md);
        report_md_esc(d->md, cells[i]);
        fputs(" |", d->md);
        fputs(i == 0 ? "<td>" : "<td class=\"n\">", d->html);
        report_html_esc(d->html, cells[i]);
        fputs("</td>", d->html);
    }
    fputs("\n", d->md);
    fputs("</tr>\n", d->html);
}

static void doc_table_end(doc_t *d)
{
    fputs("\n", d->md);
    fputs("</tbody></table>\n", d->html);
}

/* ---- cells -------------------------------------------------------------------- */

typedef struct {
    char *v[24];
    size_t n;
} row_t;

static void cell(row_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cell(row_t *r, const char *fmt, ...)
{
    va_list ap;

    if (r->n >= sizeof(r->v) / sizeof(r->v[0]))
        return;
    va_start(ap, fmt);
    if (vasprintf(&r->v[r->n], fmt, ap) < 0)
        r->v[r->n] = NULL;
    va_end(ap);
    if (r->v[r->n] != NULL)
        r->n++;
}

static void cell_s(row_t *r, json_t *v)
{
    if (json_is_number(v))
        cell(r, "%.3f", json_number_value(v));
    else if (json_is_string(v))
        cell(r, "%s", json_string_value(v));
    else
        cell(r, "-");
}

static void cell_n(row_t *r, json_t *v)
{
    cell(r, "%lld", (long long)json_integer_value(v));
}

static void row_out(doc_t *d, row_t *r)
{
    size_t i;

    doc_row(d, r->v, r->n);
    for (i = 0; i < r->n; i++)
        free(r->v[i]);
    r->n = 0;
}

static const char *const stat_cols[] = {"count", "completed", "timeouts", "errors", "min",
                                        "mean",  "p50",       "p66",      "p75",    "p90",
                                        "p95",   "p99",       "max"};
#define NSTAT (sizeof(stat_cols) / sizeof(stat_cols[0]))

static void stats_cells(row_t *r, json_t *s)
{
    size_t i;

    for (i = 0; i < NSTAT; i++) {
        json_t *v = json_object_get(s, stat_cols[i]);
        if (i < 4)
            cell_n(r, v);
        else
            cell_s(r, v);
    }
}

/* A table of statistics groups: first column what, then the figures. */
static void stats_table(doc_t *d, const char *what, json_t *groups,
                        const char *const *keys, size_t nkeys, const char *const *labels)
{
    const char *cols[NSTAT + 1];
    row_t r = {{NULL}, 0};
    size_t i;

    cols[0] = what;
    for (i = 0; i < NSTAT; i++)
        cols[i + 1] = i < 4 ? stat_cols[i] : NULL;
    /* figures in seconds: say it once in the headers */
    static const char *const sec_cols[] = {"min (s)", "mean (s)", "p50 (s)",
                                           "p66 (s)", "p75 (s)",  "p90 (s)",
                                           "p95 (s)", "p99 (s)",  "max (s)"};
    for (i = 4; i < NSTAT; i++)
        cols[i + 1] = sec_cols[i - 4];
    doc_table(d, cols, NSTAT + 1);
    for (i = 0; i < nkeys; i++) {
        json_t *s = json_object_get(groups, keys[i]);
        if (s == NULL)
            continue;
        cell(&r, "%s", labels != NULL ? labels[i] : keys[i]);
        stats_cells(&r, s);
        row_out(d, &r);
    }
    doc_table_end(d);
}

static const char *str_of(json_t *o, const char *k, const char *dflt)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s != NULL ? s : dflt;
}

static void clock_par(doc_t *d, const char *when, json_t *c)
{
    if (!json_is_object(c)) {
        doc_p(d, "Clock at %s: not recorded.", when);
        return;
    }
    doc_p(d, "Clock at %s: kernel clock %s (%s); SNTP %s%s.", when,
          json_is_true(json_object_get(c, "synchronised")) ? "synchronised"
                                                           : "NOT synchronised",
          str_of(c, "state_name", "state unknown"),
          json_is_true(json_object_get(c, "sntp_used")) ? "checked against " : "not used",
          json_is_true(json_object_get(c, "sntp_used")) ? str_of(c, "sntp_server", "?")
                                                        : "");
    if (json_is_number(json_object_get(c, "esterror_s")) ||
        json_is_number(json_object_get(c, "sntp_offset_s"))) {
        const char *cols[] = {"clock",          "kernel offset (s)", "est. error (s)",
                              "max. error (s)", "SNTP offset (s)",   "SNTP delay (s)"};
        row_t r = {{NULL}, 0};
        doc_table(d, cols, 6);
        cell(&r, "%s", when);
        cell_s(&r, json_object_get(c, "kernel_offset_s"));
        cell_s(&r, json_object_get(c, "esterror_s"));
        cell_s(&r, json_object_get(c, "maxerror_s"));
        cell_s(&r, json_object_get(c, "sntp_offset_s"));
        cell_s(&r, json_object_get(c, "sntp_delay_s"));
        row_out(d, &r);
        doc_table_end(d);
    }
}

static void assessment_part(doc_t *d, json_t *a)
{
    const char *src;
    json_t *arr;
    size_t shown = 0;
    row_t r = {{NULL}, 0};
    const char *cols[] = {"verdict", "source", "name", "type", "rdata"};

    doc_h(d, 2, "Convergence assessment");
    if (!json_is_object(a)) {
        doc_p(d, "No assessment was stored with this campaign (it was stopped, or ran "
                 "without a convergence check).");
        return;
    }
    doc_p(d, "Master: %s. %s", str_of(a, "master", "the campaign's intended state"),
          json_is_true(json_object_get(a, "converged"))
              ? "Converged: every source serves what the master says, and nothing else."
              : "NOT converged: the records below differ from the master.");
    if (json_is_true(json_object_get(a, "converged")))
        return;
    doc_table(d, cols, 5);
    for (int pass = 0; pass < 2; pass++) {
        const char *what = pass == 0 ? "missing" : "overpresent";
        json_object_foreach(json_object_get(a, what), src, arr)
        {
            size_t i;
            json_t *rec;
            json_array_foreach(arr, i, rec)
            {
                if (shown++ >= 50)
                    break;
                cell(&r, "%s", what);
                cell(&r, "%s", src[0] != '\0' ? src : "(none)");
                cell(&r, "%s", str_of(rec, "name", ""));
                cell(&r, "%s", str_of(rec, "type", ""));
                cell(&r, "%s", str_of(rec, "rdata", ""));
                row_out(d, &r);
            }
        }
    }
    doc_table_end(d);
    if (shown > 50)
        doc_p(d, "%zu more in report.json.", shown - 50);
}

static const char *html_head =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>dnsprop report</title>\n<style>\n"
    "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;"
    "max-width:1400px;padding:0 1em;color:#222}\n"
    "h1{border-bottom:2px solid #444}h2{margin-top:2em;border-bottom:1px solid #bbb}\n"
    "table{border-collapse:collapse;margin:1em 0;font-size:0.9em}\n"
    "th,td{border:1px solid #ccc;padding:0.25em 0.6em}th{background:#eee}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "tbody tr:nth-child(even){background:#f8f8f8}\n"
    "pre{background:#f4f4f4;padding:1em;overflow:auto;font-size:0.85em}\n"
    "figure{margin:1.5em 0}img{max-width:100%;border:1px solid #ddd}\n"
    "figcaption{color:#555;font-size:0.9em}\n"
    ".ok{color:#060;font-weight:bold}.bad{color:#a00;font-weight:bold}\n"
    "</style></head><body>\n";

/* The title, where and when the campaign ran. */
static void title_part(doc_t *d, json_t *doc)
{
    char title[600];
    const char *name = str_of(doc, "campaign", str_of(doc, "name", "campaign"));
    time_t t0 = timebase_epoch_time(num_or(json_object_get(doc, "start"), 0));
    struct tm tm;
    char when[64];

    snprintf(title, sizeof(title), "dnsprop report: %s", name);
    doc_h(d, 1, title);
    doc_p(d, "Scenario %s, run on %s by dnsprop %s; %lld results.",
          str_of(json_object_get(doc, "scenario"), "path", "(none)"),
          str_of(doc, "host", "?"), str_of(doc, "version", "?"),
          (long long)json_integer_value(json_object_get(doc, "results")));
    gmtime_r(&t0, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
    doc_p(d, "Started %s, lasted %.1f s.", when,
          num_or(json_object_get(doc, "duration"), 0));
    if (json_object_get(doc, "window") != NULL) {
        const json_t *w = json_object_get(doc, "window");
        doc_p(d, "Only the results whose start_time is in [%.3f, %.3f) (epoch s).",
              num_or(json_object_get(w, "since"), -INFINITY),
              num_or(json_object_get(w, "until"), INFINITY));
    }
}

/* What an SLO check measures, for a reader. */
static const char *slo_label(const char *what)
{
    if (strcmp(what, "p99") == 0)
        return "p99 convergence time (s)";
    if (strcmp(what, "max_timeouts") == 0)
        return "timeouts + errors";
    if (strcmp(what, "converged") == 0)
        return "changes not served everywhere";
    if (strcmp(what, "complete") == 0)
        return "campaign ended (end record stored)";
    if (strcmp(what, "every_address_served") == 0)
        return "discovered addresses that never served a change";
    if (strcmp(what, "claim_before_served") == 0)
        return "changes the provider claimed in sync before every nameserver served them";
    return "operations failed at the target";
}

/* An integer as a count, anything else as seconds. */
static void cell_limit(row_t *r, json_t *v)
{
    if (json_is_integer(v))
        cell_n(r, v);
    else
        cell_s(r, v);
}

/* The verdict first: what a reader (or a CI job) wants to know. */
/* "2: a, b" for a list of names (the first few). */
static void names_cell(row_t *r, json_t *arr)
{
    char list[400] = "";
    size_t used = 0;
    json_t *e;
    size_t i;

    json_array_foreach(arr, i, e)
    {
        int w = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
                         json_string_value(e) != NULL ? json_string_value(e) : "?");
        if (w < 0 || (size_t)w >= sizeof(list) - used)
            break;
        used += (size_t)w;
    }
    cell(r, "%zu%s%s", json_array_size(arr), used ? ": " : "", list);
}

static void verdict_part(doc_t *d, json_t *slo, const char *incomplete)
{
    const char *cols[] = {"SLO", "limit", "measured", "verdict"};
    row_t r = {{NULL}, 0};
    json_t *e;
    size_t i;

    doc_h(d, 2, "Verdict");
    if (incomplete != NULL)
        doc_p(d, "INCOMPLETE: %s.", incomplete);
    doc_p(d, "%s",
          json_is_true(json_object_get(slo, "ok")) ? "PASS: every SLO holds."
                                                   : "FAIL: an SLO does not hold.");
    doc_table(d, cols, 4);
    json_array_foreach(json_object_get(slo, "checks"), i, e)
    {
        const char *what = str_of(e, "slo", "?");
        cell(&r, "%s", slo_label(what));
        if (strcmp(what, "converged") == 0)
            cell(&r, "0");
        else if (strcmp(what, "complete") == 0)
            cell(&r, "yes");
        else
            cell_limit(&r, json_object_get(e, "limit"));
        if (json_is_boolean(json_object_get(e, "value")))
            cell(&r, "%s", json_is_true(json_object_get(e, "value")) ? "yes" : "no");
        else if (json_is_array(json_object_get(e, "value")))
            names_cell(&r, json_object_get(e, "value"));
        else
            cell_limit(&r, json_object_get(e, "value"));
        cell(&r, "%s", json_is_true(json_object_get(e, "ok")) ? "ok" : "FAILED");
        row_out(d, &r);
    }
    doc_table_end(d);
}

static long long int_of(json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

/* The campaign's counts in one paragraph, then its slowest nameserver. */
/* The schedule as kept: a target that held it back (stalls) and the
 * operations sent late (harness/driver/schedule.h). Nothing when it was
 * kept. */
static void schedule_par(doc_t *d, json_t *sch, json_t *scheduled)
{
    if (int_of(sch, "late_ops") == 0 && int_of(sch, "stalls") == 0)
        return;
    doc_p(d,
          "Schedule not kept: the target held it back %lld time%s, %.1f s in all "
          "(longest %.1f s); %lld operations were sent over a second late (at most "
          "%.1f s); the schedule went on after each stall without a burst, so the "
          "offered rate above is what the target got (scheduled: %.2f/s).",
          int_of(sch, "stalls"), int_of(sch, "stalls") == 1 ? "" : "s",
          num_or(json_object_get(sch, "stalled_s"), 0),
          num_or(json_object_get(sch, "longest_stall_s"), 0), int_of(sch, "late_ops"),
          num_or(json_object_get(sch, "max_late_s"), 0), num_or(scheduled, 0));
}

static void summary_part(doc_t *d, json_t *sum, json_t *st)
{
    json_t *sl = json_object_get(st, "slowest");

    if (json_is_integer(json_object_get(sum, "changes")))
        doc_p(d, "%lld changes, each sent to every target of its zone: %zu targets.",
              int_of(sum, "changes"), json_object_size(json_object_get(sum, "targets")));
    if (json_is_object(sum))
        doc_p(
            d,
            "%lld operations (%lld acknowledged, %lld failed); offered %.2f/s, achieved "
            "%.2f/s; %lld polls: %lld completed, %lld timed out, %lld errors, %lld "
            "cancelled.",
            int_of(sum, "operations"), int_of(sum, "acked"), int_of(sum, "failed"),
            num_or(json_object_get(sum, "offered_rate"), 0),
            num_or(json_object_get(sum, "achieved_rate"), 0), int_of(sum, "polls"),
            int_of(sum, "completed"), int_of(sum, "timeouts"), int_of(sum, "errors"),
            int_of(sum, "cancelled"));
    schedule_par(d, json_object_get(sum, "schedule"),
                 json_object_get(sum, "scheduled_rate"));
    if (json_is_object(sl))
        doc_p(d,
              "Slowest nameserver: %s, p99 %.3f s against %.3f s for the others "
              "(lags them by %.3f s at p99, %.3f s at p50).",
              str_of(sl, "nameserver", "?"), num_or(json_object_get(sl, "p99"), NAN),
              num_or(json_object_get(sl, "others_p99"), NAN),
              num_or(json_object_get(sl, "lag_p99"), NAN),
              num_or(json_object_get(sl, "lag_p50"), NAN));
}

/* The keys of a JSON object in its order, in a calloc'ed array (the
 * strings belong to obj); *n set to their count. NULL when out of memory. */
static const char **object_keys(json_t *obj, size_t *n)
{
    const char **keys = calloc(json_object_size(obj) + 1, sizeof(char *));
    const char *k;
    json_t *v;

    *n = 0;
    json_object_foreach(obj, k, v)
    {
        if (keys != NULL)
            keys[(*n)++] = k;
    }
    return keys;
}

/* Propagation time by nameserver, in the scenario's order with each role;
 * without one (a probe campaign), in the figures' own order. */
static void nameservers_part(doc_t *d, json_t *doc, json_t *st)
{
    json_t *nss = json_object_get(doc, "nameservers");
    json_t *byns = json_object_get(st, "nameservers");
    size_t n = json_array_size(nss);
    const char **keys = calloc(n + 1, sizeof(char *));
    const char **labels = calloc(n + 1, sizeof(char *));
    char **lab = calloc(n + 1, sizeof(char *));
    size_t i;

    doc_h(d, 2, "Propagation time by nameserver");
    doc_p(d, "From the acknowledgement of a change by the target to the first answer "
             "showing it; percentiles are nearest-rank over completed polls.");
    for (i = 0; keys != NULL && labels != NULL && lab != NULL && i < n; i++) {
        json_t *ns = json_array_get(nss, i);
        keys[i] = str_of(ns, "name", "?");
        if (asprintf(&lab[i], "%s (%s)", keys[i], str_of(ns, "role", "?")) < 0)
            lab[i] = NULL;
        labels[i] = lab[i] != NULL ? lab[i] : keys[i];
    }
    if (n == 0) {
        free(keys);
        keys = object_keys(byns, &n);
        free(labels);
        labels = NULL;
    }
    if (keys != NULL)
        stats_table(d, "nameserver", byns, keys, n, labels);
    for (i = 0; lab != NULL && i < json_array_size(nss); i++)
        free(lab[i]);
    free(lab);
    free(keys);
    free(labels);
}

/* The stages of a change, then the operation kinds. */
static void stages_kinds_part(doc_t *d, json_t *st)
{
    static const char *const stage_keys[] = {"api",      "primary", "secondaries",
                                             "transfer", "all",     "provider"};
    static const char *const stage_labels[] = {
        "API: submitted -> acknowledged",
        "acknowledged -> primary serves it",
        "acknowledged -> every secondary serves it",
        "primary -> every secondary",
        "acknowledged -> every nameserver (convergence)",
        "acknowledged -> the provider claims it in sync"};
    size_t n;
    const char **keys;
    /* the provider's stage only for changes whose target reports a claim */
    json_t *prov = json_object_get(json_object_get(st, "stages"), "provider");
    size_t nstages = json_integer_value(json_object_get(prov, "count")) > 0 ? 6 : 5;

    doc_h(d, 2, "Stages of a change");
    doc_p(d, "Per change; a change that did not reach a stage counts as a timeout "
             "there.");
    stats_table(d, "stage", json_object_get(st, "stages"), stage_keys, nstages,
                stage_labels);
    keys = object_keys(json_object_get(st, "kinds"), &n);
    doc_h(d, 2, "Propagation time by operation kind");
    if (keys != NULL)
        stats_table(d, "operation", json_object_get(st, "kinds"), keys, n, NULL);
    free(keys);
}

/* One side of the claims: count, share, and by how much. */
static void claim_row(doc_t *d, const char *label, json_t *side)
{
    row_t r = {{NULL}, 0};
    json_t *by = json_object_get(side, "by");
    json_t *fr = json_object_get(side, "fraction");

    cell(&r, "%s", label);
    cell_n(&r, json_object_get(side, "count"));
    if (json_is_number(fr))
        cell(&r, "%.1f %%", json_number_value(fr) * 100);
    else
        cell(&r, "-");
    cell_s(&r, json_object_get(by, "p50"));
    cell_s(&r, json_object_get(by, "p90"));
    cell_s(&r, json_object_get(by, "p99"));
    cell_s(&r, json_object_get(by, "max"));
    row_out(d, &r);
}

/* The provider's own "in sync" claim against what the nameservers served
 * (statistics.provider, plot/stats.h); nothing when no target reported
 * one. */
static void provider_part(doc_t *d, json_t *st)
{
    static const char *const cols[] = {"the claim came", "changes", "of claims",
                                       "p50 (s)",        "p90 (s)", "p99 (s)",
                                       "max (s)"};
    json_t *p = json_object_get(st, "provider");
    json_t *before = json_object_get(p, "claim_before_served");

    if (!json_is_object(p))
        return;
    doc_h(d, 2, "The provider's in-sync claim");
    doc_p(d,
          "The target's own status for %lld changes: %lld claimed in sync, %lld failed, "
          "%lld not claimed within the status timeout, %lld cancelled. A claim before "
          "every nameserver served the change is a claim the nameservers did not bear "
          "out yet (by how much: served by all - claimed; %lld of them were never served "
          "by every nameserver and have no such figure); after it, the provider was that "
          "much slower to say so (claimed - served by all).",
          int_of(p, "changes"), int_of(p, "claims"), int_of(p, "failed"),
          int_of(p, "timeouts"), int_of(p, "cancelled"), int_of(before, "never_served"));
    doc_table(d, cols, 7);
    claim_row(d, "before every nameserver served it", before);
    claim_row(d, "after every nameserver served it",
              json_object_get(p, "claim_after_served"));
    doc_table_end(d);
}

static void ns_kind_part(doc_t *d, json_t *st)
{
    const char *cols[] = {"nameserver", "operation", "count",   "timeouts", "errors",
                          "p50 (s)",    "p90 (s)",   "p99 (s)", "max (s)"};
    row_t r = {{NULL}, 0};
    const char *nsn;
    json_t *per;

    doc_h(d, 2, "By nameserver and operation kind");
    doc_table(d, cols, 9);
    json_object_foreach(json_object_get(st, "ns_kind"), nsn, per)
    {
        const char *k;
        json_t *s;
        json_object_foreach(per, k, s)
        {
            cell(&r, "%s", nsn);
            cell(&r, "%s", k);
            cell_n(&r, json_object_get(s, "count"));
            cell_n(&r, json_object_get(s, "timeouts"));
            cell_n(&r, json_object_get(s, "errors"));
            cell_s(&r, json_object_get(s, "p50"));
            cell_s(&r, json_object_get(s, "p90"));
            cell_s(&r, json_object_get(s, "p99"));
            cell_s(&r, json_object_get(s, "max"));
            row_out(d, &r);
        }
    }
    doc_table_end(d);
}

/* DNSSEC: per nameserver, first served (signed or not) against served
 * validly signed: the stage "signed and served" and the signing lag. */
static void signing_part(doc_t *d, json_t *st)
{
    const char *cols[] = {
        "nameserver",     "polls",          "served p50 (s)",      "served p99 (s)",
        "signed p50 (s)", "signed p99 (s)", "signing lag p50 (s)", "not signed in time"};
    json_t *all = json_object_get(st, "signing");
    row_t r = {{NULL}, 0};
    const char *nsn;
    json_t *e;

    if (json_object_size(all) == 0)
        return;
    doc_h(d, 2, "Signed and served (DNSSEC)");
    doc_p(d, "With DNSSEC checked, a poll completes when the change is served covered by "
             "an RRSIG that validates over exactly the new data with the zone's DNSKEY "
             "(RFC 4035 5.3); a denial, by validated NSEC/NSEC3 records. \"Served\" is "
             "when the data was first served, signed or not; the difference is the "
             "signing lag.");
    doc_table(d, cols, 8);
    json_object_foreach(all, nsn, e)
    {
        json_t *pl = json_object_get(e, "plain");
        json_t *sg = json_object_get(e, "signed");
        cell(&r, "%s", nsn);
        cell_n(&r, json_object_get(pl, "count"));
        cell_s(&r, json_object_get(pl, "p50"));
        cell_s(&r, json_object_get(pl, "p99"));
        cell_s(&r, json_object_get(sg, "p50"));
        cell_s(&r, json_object_get(sg, "p99"));
        cell_s(&r, json_object_get(e, "lag_p50"));
        cell(&r, "%lld",
             (long long)(json_integer_value(json_object_get(sg, "timeouts")) +
                         json_integer_value(json_object_get(sg, "errors"))));
        row_out(d, &r);
    }
    doc_table_end(d);
}

/* Several providers ([phase] targets =): each target's nameservers and
 * figures, then the stage "served by every provider" and which provider
 * was the last to serve. */
static void targets_part(doc_t *d, json_t *st)
{
    const char *cols[] = {"target",  "nameservers", "changes",
                          "polls",   "completed",   "p50 (s)",
                          "p99 (s)", "max (s)",     "last to serve"};
    json_t *all = json_object_get(st, "targets");
    json_t *ep = json_object_get(st, "every_provider");
    json_t *lasts = json_object_get(ep, "last_to_serve");
    row_t r = {{NULL}, 0};
    const char *tn;
    json_t *e;

    if (json_object_size(all) < 2)
        return;
    doc_h(d, 2, "Providers (several targets)");
    doc_p(d, "Each change of a phase with several targets went to each of them: one "
             "acknowledgement per target, polled on that target's own nameservers. "
             "Durations run from that target's acknowledgement.");
    doc_table(d, cols, 9);
    json_object_foreach(all, tn, e)
    {
        cell(&r, "%s", tn);
        names_cell(&r, json_object_get(e, "nameservers"));
        cell_n(&r, json_object_get(e, "changes"));
        cell_n(&r, json_object_get(e, "count"));
        cell_n(&r, json_object_get(e, "completed"));
        cell_s(&r, json_object_get(e, "p50"));
        cell_s(&r, json_object_get(e, "p99"));
        cell_s(&r, json_object_get(e, "max"));
        if (json_is_integer(json_object_get(lasts, tn)))
            cell_n(&r, json_object_get(lasts, tn));
        else
            cell(&r, "-");
        row_out(d, &r);
    }
    doc_table_end(d);
    if (ep == NULL)
        return;
    doc_p(
        d,
        "Served by every provider: %lld change%s went to several targets; %lld %s served "
        "by every nameserver of every one, p50 %.3f s, p99 %.3f s, max %.3f s (from the "
        "first acknowledgement to the last nameserver that served it); %lld %s not. "
        "The provider last to serve most often: %s.",
        (long long)json_integer_value(json_object_get(ep, "count")),
        json_integer_value(json_object_get(ep, "count")) == 1 ? "" : "s",
        (long long)json_integer_value(json_object_get(ep, "completed")),
        json_integer_value(json_object_get(ep, "completed")) == 1 ? "was" : "were",
        num_or(json_object_get(ep, "p50"), NAN), num_or(json_object_get(ep, "p99"), NAN),
        num_or(json_object_get(ep, "max"), NAN),
        (long long)json_integer_value(json_object_get(ep, "timeouts")),
        json_integer_value(json_object_get(ep, "timeouts")) == 1 ? "was" : "were",
        str_of(ep, "lagging", "none"));
}

/* Per address, the instances that answered (RFC 5001 NSID): which one
 * lags behind an anycast address, and how many each vantage reached. */
static void instances_part(doc_t *d, json_t *st)
{
    const char *cols[] = {"nameserver", "instance", "count",   "completed", "timeouts",
                          "errors",     "p50 (s)",  "p90 (s)", "p99 (s)",   "max (s)"};
    json_t *all = json_object_get(st, "instances");
    row_t r = {{NULL}, 0};
    const char *nsn;
    json_t *per;

    if (json_object_size(all) == 0)
        return;
    doc_h(d, 2, "Instances behind each address (NSID)");
    doc_p(d, "Each answer's NSID (RFC 5001) names the server instance that sent it: "
             "behind an anycast address, several. A completed poll counts for the "
             "instance whose answer satisfied it; one that timed out or failed, for the "
             "instance of its last answer that did not.");
    doc_table(d, cols, 10);
    json_object_foreach(all, nsn, per)
    {
        json_t *s;
        size_t i;
        json_array_foreach(json_object_get(per, "instances"), i, s)
        {
            cell(&r, "%s", nsn);
            cell(&r, "%s", str_of(s, "label", "?"));
            cell_n(&r, json_object_get(s, "count"));
            cell_n(&r, json_object_get(s, "completed"));
            cell_n(&r, json_object_get(s, "timeouts"));
            cell_n(&r, json_object_get(s, "errors"));
            cell_s(&r, json_object_get(s, "p50"));
            cell_s(&r, json_object_get(s, "p90"));
            cell_s(&r, json_object_get(s, "p99"));
            cell_s(&r, json_object_get(s, "max"));
            row_out(d, &r);
        }
    }
    doc_table_end(d);
    json_object_foreach(all, nsn, per)
    {
        json_t *slow = json_object_get(per, "slowest");
        char reach[512] = "";
        size_t used = 0;
        const char *v;
        json_t *n;
        json_object_foreach(json_object_get(per, "vantages"), v, n)
        {
            int w = snprintf(reach + used, sizeof(reach) - used, "%s%s %lld",
                             used > 0 ? ", " : "", v, (long long)json_integer_value(n));
            if (w < 0 || (size_t)w >= sizeof(reach) - used)
                break;
            used += (size_t)w;
        }
        if (json_is_object(slow))
            doc_p(d,
                  "%s: slowest instance %s (p50 %.3f s, p99 %.3f s); instances reached "
                  "per vantage: %s.",
                  nsn, str_of(slow, "nsid", "?"),
                  json_number_value(json_object_get(slow, "p50")),
                  json_number_value(json_object_get(slow, "p99")), reach);
        else
            doc_p(d, "%s: one instance seen; instances reached per vantage: %s.", nsn,
                  reach);
    }
}

/* The nameservers [nameserver] discover found, grouped by NS name, each
 * address (IPv4 first) with its figures. */
static void discovered_part(doc_t *d, json_t *doc, json_t *st)
{
    const char *cols[] = {"NS name",  "family", "address", "count",   "completed",
                          "timeouts", "errors", "p50 (s)", "p99 (s)", "zone"};
    json_t *byns = json_object_get(st, "nameservers");
    row_t r = {{NULL}, 0};
    bool any = false;
    json_t *e;
    size_t i;

    json_array_foreach(json_object_get(doc, "nameservers"), i, e) any =
        any || json_object_get(e, "discovered") != NULL;
    if (!any)
        return;
    doc_h(d, 2, "Discovered nameservers");
    doc_p(d, "Each address of each NS name of the zone, as found at the start "
             "(RFC 1034 4.3.2: the NS RRset, then glue or A/AAAA queries).");
    doc_table(d, cols, 10);
    json_array_foreach(json_object_get(doc, "nameservers"), i, e)
    {
        json_t *s = json_object_get(byns, str_of(e, "name", ""));
        if (json_object_get(e, "discovered") == NULL)
            continue;
        cell(&r, "%s", str_of(e, "ns_name", "?"));
        cell(&r, "%s", str_of(e, "family", "?"));
        cell(&r, "%s", str_of(e, "addr", "?"));
        cell_n(&r, json_object_get(s, "count"));
        cell_n(&r, json_object_get(s, "completed"));
        cell_n(&r, json_object_get(s, "timeouts"));
        cell_n(&r, json_object_get(s, "errors"));
        cell_s(&r, json_object_get(s, "p50"));
        cell_s(&r, json_object_get(s, "p99"));
        cell(&r, "%s", str_of(e, "discovered", "?"));
        row_out(d, &r);
    }
    doc_table_end(d);
    json_array_foreach(json_object_get(doc, "ns_without_address"), i, e)
        doc_p(d, "NS %s: no address found; not watched.", json_string_value(e));
}

static void slowest_ns_part(doc_t *d, json_t *doc)
{
    const char *cols[] = {"nameserver", "role",     "p50 (s)", "p99 (s)",
                          "mean (s)",   "timeouts", "errors"};
    row_t r = {{NULL}, 0};
    json_t *e;
    size_t i;

    doc_h(d, 2, "Slowest nameservers");
    doc_table(d, cols, 7);
    json_array_foreach(json_object_get(doc, "slowest_nameservers"), i, e)
    {
        cell(&r, "%s", str_of(e, "nameserver", "?"));
        cell(&r, "%s", str_of(e, "role", ""));
        cell_s(&r, json_object_get(e, "p50"));
        cell_s(&r, json_object_get(e, "p99"));
        cell_s(&r, json_object_get(e, "mean"));
        cell_n(&r, json_object_get(e, "timeouts"));
        cell_n(&r, json_object_get(e, "errors"));
        row_out(d, &r);
    }
    doc_table_end(d);
}

/* "ns1 0.123, ns2 TIMEOUT, ...": a change's time (or status) at each
 * nameserver, cut at the last entry that fits in per. */
static void per_ns_text(json_t *byns, char *per, size_t size)
{
    const char *k;
    json_t *v;
    size_t len = 0;

    per[0] = '\0';
    json_object_foreach(byns, k, v)
    {
        int w;
        if (json_is_number(v))
            w = snprintf(per + len, size - len, "%s%s %.3f", len > 0 ? ", " : "", k,
                         json_number_value(v));
        else
            w = snprintf(per + len, size - len, "%s%s %s", len > 0 ? ", " : "", k,
                         json_string_value(v));
        if (w < 0 || (size_t)w >= size - len)
            break;
        len += (size_t)w;
    }
}

static void slowest_changes_part(doc_t *d, json_t *doc)
{
    const char *cols[] = {"change",       "operation",           "name",          "type",
                          "acked at (s)", "converged after (s)", "per nameserver"};
    row_t r = {{NULL}, 0};
    json_t *e;
    size_t i;

    doc_h(d, 2, "Slowest changes");
    doc_p(d, "Changes no nameserver set left behind come last; \"acked at\" is seconds "
             "since the campaign started.");
    doc_table(d, cols, 7);
    json_array_foreach(json_object_get(doc, "slowest_changes"), i, e)
    {
        char per[1024];
        cell(&r, "%lld", int_of(e, "id"));
        cell(&r, "%s", str_of(e, "kind", "?"));
        cell(&r, "%s", str_of(e, "name", "?"));
        cell(&r, "%s", str_of(e, "type", "?"));
        cell_s(&r, json_object_get(e, "ack_at"));
        if (json_is_null(json_object_get(e, "converged_after")))
            cell(&r, "not converged");
        else
            cell_s(&r, json_object_get(e, "converged_after"));
        per_ns_text(json_object_get(e, "nameservers"), per, sizeof(per));
        cell(&r, "%s", per);
        row_out(d, &r);
    }
    doc_table_end(d);
}

/* Changes below a zone cut (harness/scenario/zonecut.h): which, and how
 * each was measured, since no server answers a query for them. */
static void cuts_part(doc_t *d, json_t *doc)
{
    const char *cols[] = {"change", "operation",          "name", "type", "measured by",
                          "cut",    "converged after (s)"};
    json_t *counts = json_object_get(doc, "below_cuts");
    row_t r = {{NULL}, 0};
    json_int_t shown = 0;
    json_t *e;
    size_t i;
    char line[512];

    if (json_integer_value(json_object_get(counts, "total")) == 0)
        return;
    doc_h(d, 2, "Below zone cuts");
    snprintf(line, sizeof(line),
             "A server answers a query at or below a zone cut with a referral (RFC 1034 "
             "4.3.2). Of these changes, %lld (delegations) were measured by the "
             "referral's NS set, %lld (glue) by its additional section, and %lld "
             "(occluded: no query sees them) by the zone's SOA serial reaching the "
             "primary's serial right after the change, an upper bound.",
             (long long)json_integer_value(json_object_get(counts, "referral")),
             (long long)json_integer_value(json_object_get(counts, "glue")),
             (long long)json_integer_value(json_object_get(counts, "serial")));
    doc_p(d, "%s", line);
    doc_table(d, cols, 7);
    json_array_foreach(json_object_get(counts, "examples"), i, e)
    {
        cell(&r, "%lld", int_of(e, "id"));
        cell(&r, "%s", str_of(e, "kind", "?"));
        cell(&r, "%s", str_of(e, "name", "?"));
        cell(&r, "%s", str_of(e, "type", "?"));
        cell(&r, "%s", str_of(e, "measured_by", "?"));
        cell(&r, "%s", str_of(e, "cut", "?"));
        if (json_is_null(json_object_get(e, "converged_after")))
            cell(&r, "not converged");
        else
            cell_s(&r, json_object_get(e, "converged_after"));
        row_out(d, &r);
    }
    doc_table_end(d);
    if (shown > REPORT_CUT_ROWS) {
        snprintf(line, sizeof(line), "%lld more in report.json's \"changes\".",
                 (long long)(shown - REPORT_CUT_ROWS - 1));
        doc_p(d, "%s", line);
    }
}

static void errors_part(doc_t *d, json_t *doc)
{
    const char *cols[] = {"status", "reason", "nameserver", "polls"};
    json_t *errs = json_object_get(doc, "errors_by_reason");
    row_t r = {{NULL}, 0};
    json_t *e;
    size_t i;

    doc_h(d, 2, "Timeouts and errors by reason");
    if (json_array_size(errs) == 0) {
        doc_p(d, "Every poll completed.");
        return;
    }
    doc_table(d, cols, 4);
    json_array_foreach(errs, i, e)
    {
        cell(&r, "%s", str_of(e, "status", "?"));
        cell(&r, "%s", str_of(e, "reason", ""));
        cell(&r, "%s", str_of(e, "nameserver", "?"));
        cell_n(&r, json_object_get(e, "count"));
        row_out(d, &r);
    }
    doc_table_end(d);
}

/* Operations the target refused, by kind and reason (from the driver:
 * they have no results). */
static void target_errors_part(doc_t *d, json_t *doc)
{
    const char *cols[] = {"operation", "target", "status", "reason", "count", "example"};
    json_t *errs = json_object_get(doc, "target_errors");
    row_t r = {{NULL}, 0};
    json_t *e;
    size_t i;

    if (!json_is_array(errs))
        return; /* a campaign from before they were kept */
    doc_h(d, 2, "Operations the target refused");
    if (json_array_size(errs) == 0) {
        doc_p(d, "The target acknowledged every operation.");
        return;
    }
    doc_p(d, "Status: the HTTP status (powerdns, http), the DNS RCODE (rfc2136) or the "
             "exit status (exec). These operations have no propagation results.");
    doc_table(d, cols, 6);
    json_array_foreach(errs, i, e)
    {
        cell(&r, "%s", str_of(e, "kind", "?"));
        cell(&r, "%s", str_of(e, "target", "-"));
        cell_n(&r, json_object_get(e, "status"));
        cell(&r, "%s", str_of(e, "reason", ""));
        cell_n(&r, json_object_get(e, "count"));
        cell(&r, "%s", str_of(e, "example", ""));
        row_out(d, &r);
    }
    doc_table_end(d);
}

/* Each plot's PNG, or how to render it when it was not. */
static void plots_part(doc_t *d, json_t *doc)
{
    json_t *plots = json_object_get(doc, "plots");
    json_t *e;
    size_t i;

    doc_h(d, 2, "Plots");
    if (json_array_size(plots) == 0)
        doc_p(d, "No plots.");
    json_array_foreach(plots, i, e)
    {
        const char *png = str_of(e, "png", NULL);
        char src[512];
        if (png == NULL) {
            doc_p(d, "%s: not rendered; run gnuplot on plots/%s.",
                  str_of(e, "title", "?"), str_of(e, "script", "?"));
            continue;
        }
        snprintf(src, sizeof(src), "plots/%s", png);
        doc_img(d, src, str_of(e, "title", png));
    }
}

/* The clock the times were taken on, and the scenario as it was run. */
static void clock_scenario_part(doc_t *d, json_t *doc)
{
    const char *text = str_of(json_object_get(doc, "scenario"), "text", NULL);

    doc_h(d, 2, "Clock");
    doc_p(d, "Durations are measured on this host's clock; timestamps are its realtime "
             "clock, as disciplined by NTP.");
    clock_par(d, "start", json_object_get(json_object_get(doc, "clock"), "start"));
    clock_par(d, "end", json_object_get(json_object_get(doc, "clock"), "end"));
    doc_h(d, 2, "Scenario");
    if (text != NULL)
        doc_pre(d, text);
    else
        doc_p(d, "Not recorded.");
}

/* report.md and report.html from report.json's document, in reading
 * order: the verdict, the statistics, the plots, then how it was run. */
static void write_pages(doc_t *d, json_t *doc)
{
    json_t *st = json_object_get(doc, "statistics");

    fputs(html_head, d->html);
    title_part(d, doc);
    verdict_part(d, json_object_get(doc, "slo"), str_of(doc, "incomplete", NULL));
    summary_part(d, json_object_get(doc, "summary"), st);
    nameservers_part(d, doc, st);
    stages_kinds_part(d, st);
    provider_part(d, st);
    ns_kind_part(d, st);
    discovered_part(d, doc, st);
    targets_part(d, st);
    signing_part(d, st);
    instances_part(d, st);
    slowest_ns_part(d, doc);
    slowest_changes_part(d, doc);
    cuts_part(d, doc);
    errors_part(d, doc);
    target_errors_part(d, doc);
    assessment_part(d, json_object_get(doc, "assessment"));
    plots_part(d, doc);
    clock_scenario_part(d, doc);
    fputs("</body></html>\n", d->html);
}

/* ---- files ----------------------------------------------------------------------- */

/* report.json: the document, then its "changes" array written one change
 * at a time (stats_change), so that a campaign of a million changes is
 * never a million JSON objects in memory at once. */
static int dump_json(FILE *f, json_t *doc, const stats_changes_t *ch)
{
    /* 16 digits: epoch seconds to the microsecond; the durations were
     * rounded to the microsecond already, and print short */
    char *head = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(16));
    char *close = head != NULL ? strrchr(head, '}') : NULL;
    const dataset_t *ds = ch->ds;
    size_t i;
    int ret = 0;

    if (close == NULL) {
        free(head);
        return -ENOMEM;
    }
    while (close > head && (close[-1] == '\n' || close[-1] == ' '))
        close--;
    fwrite(head, 1, (size_t)(close - head), f);
    fputs(",\n  \"changes\": [", f);
    for (i = 0; i < ds->nops && ret == 0; i++) {
        json_t *c = stats_change(ch, i);
        fputs(i > 0 ? ",\n    " : "\n    ", f);
        if (c == NULL || json_dumpf(c, f, JSON_COMPACT | JSON_REAL_PRECISION(16)) < 0)
            ret = c == NULL ? -ENOMEM : -EIO;
        json_decref(c);
    }
    fputs(ds->nops > 0 ? "\n  ]\n}\n" : "]\n}\n", f);
    free(head);
    return ret;
}

static int write_json(const char *path, json_t *doc, const stats_changes_t *ch, char *err,
                      size_t errlen)
{
    FILE *f = fopen(path, "w");
    int ret = f != NULL ? dump_json(f, doc, ch) : -errno;
    int e = errno;

    if (f != NULL) {
        bool bad = ferror(f) != 0;
        if (fclose(f) != 0 || bad) {
            if (ret == 0)
                ret = -EIO;
            e = errno;
        }
    }
    if (ret < 0) {
        snprintf(err, errlen, "cannot write %s: %s", path,
                 ret == -ENOMEM ? "out of memory" : strerror(e));
        unlink(path); /* no truncated report.json for a script to read */
        return e == ENOSPC ? -ENOSPC : ret;
    }
    return 0;
}

/* Close both pages; fclose flushes, and on a full disk that is where the
 * write fails. */
static int close_pages(doc_t *d, const char *dir, char *err, size_t errlen)
{
    bool bad = (d->md != NULL && (ferror(d->md) || fclose(d->md) != 0)) ||
               (d->html != NULL && (ferror(d->html) || fclose(d->html) != 0));
    int e = errno;

    d->md = d->html = NULL; /* (closed, whatever fclose said) */
    if (!bad)
        return 0;
    snprintf(err, errlen, "cannot write report.md/report.html under %s: %s", dir,
             strerror(e));
    return e == ENOSPC ? -ENOSPC : -EIO;
}

int report_write(dataset_t *ds, const char *dir, const report_opts_t *opts, json_t **out,
                 char *err, size_t errlen)
{
    char path[4096];
    char perr[1024] = "";
    json_t *plots = NULL;
    json_t *stats = NULL;
    json_t *doc = NULL;
    doc_t d = {NULL, NULL};
    stats_changes_t ch;
    bool rendered = false;
    int pret = 0;
    int ret;

    if (out != NULL)
        *out = NULL;
    memset(&ch, 0, sizeof(ch));
    ds_sort(ds);
    ret = fsutil_mkdirs(dir, 0755);
    if (ret < 0) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(-ret));
        goto out;
    }
    stats = stats_json(ds);
    snprintf(path, sizeof(path), "%s/plots", dir);
    pret = plot_campaign(ds, stats, path, &opts->plot, &plots, &rendered, perr,
                         sizeof(perr));
    if (pret < 0 && plots == NULL) {
        ret = pret;
        snprintf(err, errlen, "%s", perr);
        goto out;
    }
    if (!rendered && perr[0] != '\0' && pret == 0)
        log_warn("%s", perr);
    /* the changes one by one, for the document and report.json (after the
     * plots: their memory is given back by then) */
    ret = stats_changes_open(&ch, ds);
    if (ret < 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    doc = build(ds, stats, plots, &ch);
    snprintf(path, sizeof(path), "%s/report.json", dir);
    ret = write_json(path, doc, &ch, err, errlen);
    if (ret < 0)
        goto out;
    snprintf(path, sizeof(path), "%s/report.md", dir);
    d.md = fopen(path, "w");
    snprintf(path, sizeof(path), "%s/report.html", dir);
    d.html = fopen(path, "w");
    if (d.md == NULL || d.html == NULL) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        ret = -EIO;
        goto out;
    }
    write_pages(&d, doc);
    ret = close_pages(&d, dir, err, errlen);
    if (ret == 0 && pret < 0) {
        /* the pages are written, a plot is not: still a failure */
        ret = pret;
        snprintf(err, errlen, "%s", perr);
    }
out:
    if (pret < 0 && ret < 0 && strcmp(err, perr) != 0)
        log_err("%s", perr); /* a plot lost too, besides what err says */
    if (d.md != NULL)
        fclose(d.md);
    if (d.html != NULL)
        fclose(d.html);
    stats_changes_close(&ch);
    json_decref(stats);
    json_decref(plots);
    if (out != NULL && ret == 0)
        *out = doc;
    else
        json_decref(doc);
    return ret;
}
