/*
 * Plots: gnuplot string literals (quotes, control characters, backquotes,
 * the places where gnuplot 5.4 cannot read a doubled quote), read back by
 * gnuplot itself when it is installed; data files and scripts that are
 * the same bytes for the same dataset; plots left out when there is
 * nothing to draw; the message when gnuplot is missing.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plot/plots.h"
#include "plot/stats.h"

#define RSQUO "\xe2\x80\x99" /* U+2019, a quote gnuplot cannot read doubled there */
#define LSQUO "\xe2\x80\x98" /* U+2018, for a backquote */

static void expect_lit(const char *in, const char *want)
{
    char *got = plot_gp_string(in);

    cr_assert_not_null(got);
    cr_expect_str_eq(got, want, "plot_gp_string(\"%s\")", in != NULL ? in : "(null)");
    free(got);
}

Test(plots, gp_string_plain)
{
    expect_lit("knot", "'knot'");
    expect_lit("", "''");
    expect_lit(NULL, "''");
    expect_lit("z1.example.", "'z1.example.'");
    /* shown as they are: gnuplot does not read these in single quotes */
    expect_lit("a\"b\\c$(x)@x#;", "'a\"b\\c$(x)@x#;'");
    expect_lit("caf\xc3\xa9 \xe2\x98\x83", "'caf\xc3\xa9 \xe2\x98\x83'");
}

Test(plots, gp_string_quotes)
{
    expect_lit("a'b", "'a''b'");
    expect_lit("ab'", "'ab'''");
    expect_lit("a'b'c", "'a''b''c'");
    /* gnuplot 5.4 reads '''' and 'a''''b' as syntax errors: a quote
     * right after the opening one or after a doubled one is U+2019 */
    expect_lit("'", "'" RSQUO "'");
    expect_lit("'a", "'" RSQUO "a'");
    expect_lit("a''b", "'a''" RSQUO "b'");
    expect_lit("a'''b", "'a''" RSQUO "''b'");
    expect_lit("''", "'" RSQUO "'''");
}

Test(plots, gp_string_controls_and_backquotes)
{
    expect_lit("a\nb", "'a?b'");
    expect_lit("a\r\tb\x7f\x01", "'a?\?b?\?'");
    expect_lit("\xc2\x85", "'?'");         /* C1 control (NEL) */
    expect_lit("\xff\xc3", "'?\?'");       /* malformed UTF-8 */
    expect_lit("\xed\xa0\x80", "'?\?\?'"); /* a surrogate */
    expect_lit("`id`", "'" LSQUO "id" LSQUO "'");
}

/* The literal as gnuplot 5.4's scanner reads it: one token from the
 * first quote to the last, a doubled quote inside only where the
 * character before it is not a quote. Returns the text, or NULL when it
 * is not exactly one literal. */
static char *read_literal(const char *lit)
{
    size_t n = strlen(lit);
    char *out = malloc(n + 1);
    size_t o = 0;
    size_t i;

    if (out == NULL || n < 2 || lit[0] != '\'' || lit[n - 1] != '\'')
        goto bad;
    for (i = 1; i < n - 1; i++) {
        if ((unsigned char)lit[i] < 0x20 || lit[i] == 0x7f || lit[i] == '`')
            goto bad;
        if (lit[i] != '\'') {
            out[o++] = lit[i];
            continue;
        }
        if (lit[i + 1] != '\'' || lit[i - 1] == '\'' || i + 1 == n - 1)
            goto bad; /* the literal would end here */
        out[o++] = '\'';
        i++;
    }
    out[o] = '\0';
    return out;
bad:
    free(out);
    return NULL;
}

/* Random strings over the characters that matter. */
static void random_string(unsigned *seed, char *s, size_t cap)
{
    static const char alpha[] = "a'\"\\`@#;$() \n\t\x7f\xc3\xa9x";
    size_t n = (size_t)rand_r(seed) % (cap - 1);

    for (size_t i = 0; i < n; i++)
        s[i] = alpha[(size_t)rand_r(seed) % (sizeof(alpha) - 1)];
    s[n] = '\0';
}

Test(plots, gp_string_is_one_literal)
{
    unsigned seed = 42;
    char s[24];

    for (int i = 0; i < 20000; i++) {
        random_string(&seed, s, sizeof(s));
        char *lit = plot_gp_string(s);
        char *text = read_literal(lit);
        cr_assert_not_null(text, "not one literal: %s", lit);
        /* the same characters, but for the ones replaced */
        cr_assert_leq(strlen(text), 3 * strlen(s));
        free(text);
        free(lit);
    }
}

static bool have_gnuplot(void)
{
    return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

/* gnuplot itself: it prints every literal as read_literal() reads it,
 * expands no macro and runs no command. */
Test(plots, gp_string_read_by_gnuplot)
{
    char dir[] = "/tmp/dnsprop-gpstr-XXXXXX";
    char path[256], printed[256], pwned[256], cmd[600];
    unsigned seed = 7;
    char s[32];
    char line[512];
    FILE *f;
    FILE *in;
    int i;

    if (!have_gnuplot())
        cr_skip_test("gnuplot is not installed");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/t.gp", dir);
    snprintf(printed, sizeof(printed), "%s/printed", dir);
    snprintf(pwned, sizeof(pwned), "%s/PWNED", dir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "x = 'MACRO'\nset print '%s'\n", printed);
    {
        const char *fixed[] = {"`touch PWNED`",
                               "'`touch PWNED`'",
                               "\"`touch PWNED`\"",
                               "a'\"`touch PWNED`",
                               "@x",
                               "'@x'",
                               "\"@x\"",
                               "system(\"touch PWNED\")",
                               "a\\",
                               "'''",
                               "a''''b"};
        for (size_t k = 0; k < sizeof(fixed) / sizeof(fixed[0]); k++) {
            char *lit = plot_gp_string(fixed[k]);
            fprintf(f, "print %s\n", lit);
            free(lit);
        }
    }
    for (i = 0; i < 500; i++) {
        random_string(&seed, s, sizeof(s));
        char *lit = plot_gp_string(s);
        fprintf(f, "print %s\n", lit);
        free(lit);
    }
    fclose(f);
    snprintf(cmd, sizeof(cmd), "cd %s && gnuplot t.gp 2>err", dir);
    cr_assert_eq(system(cmd), 0, "gnuplot failed on the literals");
    cr_expect_neq(access(pwned, F_OK), 0, "a backquote or system() ran");

    /* again, comparing what gnuplot printed with what was meant */
    f = fopen(path, "r");
    in = fopen(printed, "r");
    cr_assert_not_null(f);
    cr_assert_not_null(in);
    while (fgets(line, sizeof(line), f) != NULL) {
        char got[512];
        if (strncmp(line, "print ", 6) != 0)
            continue;
        line[strcspn(line, "\n")] = '\0';
        cr_assert_not_null(fgets(got, sizeof(got), in), "fewer lines printed");
        got[strcspn(got, "\n")] = '\0';
        char *want = read_literal(line + 6);
        cr_assert_not_null(want, "%s", line);
        cr_expect_str_eq(got, want, "%s", line);
        cr_expect_null(strstr(got, "MACRO"), "%s: macro expanded", line);
        free(want);
    }
    fclose(f);
    fclose(in);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    cr_expect_eq(system(cmd), 0);
}

/* ---- whole campaigns ----------------------------------------------------------------
 */

static void add(dataset_t *ds, unsigned op, const char *kind, const char *ns,
                const char *status, double t, double dur, double rate)
{
    char buf[1024];
    char durs[32];

    if (strcmp(status, "COMPLETED") == 0)
        snprintf(durs, sizeof(durs), "%.3f", dur);
    else
        snprintf(durs, sizeof(durs), "null");
    snprintf(buf, sizeof(buf),
             "{\"seq\":%u,\"op_id\":%u,\"op_kind\":\"%s\",\"phase\":\"%s\","
             "\"offered_rate\":%.1f,\"zone\":\"z1.example.\",\"name\":\"a.z1.example.\","
             "\"type\":\"TXT\",\"ns_name\":\"%s\",\"nameserver\":\"127.0.0.1:5301\","
             "\"vantage\":\"host\",\"status\":\"%s\",\"start_time\":%.3f,"
             "\"submit_time\":%.3f,\"ack_time\":%.3f,\"lower_bound\":%.3f,"
             "\"duration\":%s,\"queries\":3,\"reason\":\"\"}",
             op * 2 + (ns[0] == 's'), op, kind, rate > 0 ? "up" : "steady", rate, ns,
             status, t, t - 0.05, t, strcmp(status, "COMPLETED") == 0 ? dur - 0.1 : 5.0,
             durs);
    cr_assert_eq(ds_add_text(ds, buf), 0, "%s", buf);
}

/* A small campaign: two nameservers, two kinds, a ramp, a timeout, an
 * error, a timeline. */
static void campaign(dataset_t *ds)
{
    json_error_t je;
    json_t *meta = json_loads(
        "{\"name\":\"unit\",\"campaign\":\"unit-20250101T000000Z\",\"start\":1000.0,"
        "\"nameservers\":[{\"name\":\"p\",\"addr\":\"127.0.0.1:1\",\"role\":\"primary\"},"
        "{\"name\":\"s\",\"addr\":\"127.0.0.1:2\",\"role\":\"secondary\"}],"
        "\"phases\":[{\"name\":\"steady\",\"rate_from\":5,\"rate_to\":5},"
        "{\"name\":\"up\",\"rate_from\":2,\"rate_to\":8}],"
        "\"timeline\":{\"interval\":1.0,\"columns\":[\"t\",\"offered\",\"acked\","
        "\"failed\",\"polls_submitted\",\"polls_done\",\"completed\",\"timeouts\","
        "\"errors\",\"queries\"],\"rows\":[[0,0,0,0,0,0,0,0,0,0],[1,5,5,0,10,8,8,0,0,40],"
        "[2,10,9,0,18,17,16,1,0,90]]}}",
        0, &je);

    cr_assert_not_null(meta, "%s", je.text);
    ds_init(ds);
    cr_assert_eq(ds_set_campaign(ds, meta), 0);
    json_decref(meta);
    for (unsigned i = 1; i <= 12; i++) {
        const char *kind = i % 2 ? "record_create" : "record_update";
        double t = 1000.0 + 0.3 * i;
        double rate = i > 6 ? 2.0 + (double)(i - 6) : 0;
        add(ds, i, kind, "p", "COMPLETED", t, 0.002 * i, rate);
        add(ds, i, kind, "s",
            i == 5   ? "TIMEOUT"
            : i == 9 ? "ERROR"
                     : "COMPLETED",
            t, 0.2 + 0.05 * i, rate);
    }
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void rm_rf(const char *dir)
{
    char cmd[300];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

/* No gnuplot (a program that does not exist): the files only. */
static json_t *write_plots(dataset_t *ds, const char *dir, bool *rendered, char *err,
                           size_t errlen)
{
    plot_opts_t opts = {640, 480, "/nonexistent/dnsprop-test-gnuplot"};
    json_t *stats = stats_json(ds);
    json_t *index = NULL;

    cr_assert_eq(plot_campaign(ds, stats, dir, &opts, &index, rendered, err, errlen), 0,
                 "%s", err);
    json_decref(stats);
    return index;
}

Test(plots, deterministic_files)
{
    char d1[] = "/tmp/dnsprop-plots1-XXXXXX";
    char d2[] = "/tmp/dnsprop-plots2-XXXXXX";
    const char *names[] = {"propagation", "cdf",  "percentiles",
                           "rates",       "ramp", "convergence"};
    dataset_t a, b;
    char err[512];
    bool rendered = true;
    json_t *ia, *ib;

    cr_assert_not_null(mkdtemp(d1));
    cr_assert_not_null(mkdtemp(d2));
    campaign(&a);
    campaign(&b);
    ia = write_plots(&a, d1, &rendered, err, sizeof(err));
    cr_expect(!rendered);
    ib = write_plots(&b, d2, &rendered, err, sizeof(err));
    cr_expect(json_equal(ia, ib));
    cr_assert_eq(json_array_size(ia), 6);
    for (size_t i = 0; i < 6; i++) {
        json_t *e = json_array_get(ia, i);
        cr_expect_str_eq(json_string_value(json_object_get(e, "name")), names[i]);
        cr_expect(json_is_null(json_object_get(e, "png")));
        for (int ext = 0; ext < 2; ext++) {
            char p1[128], p2[128];
            size_t n1 = 0, n2 = 0;
            snprintf(p1, sizeof(p1), "%s/%s.%s", d1, names[i], ext ? "dat" : "gp");
            snprintf(p2, sizeof(p2), "%s/%s.%s", d2, names[i], ext ? "dat" : "gp");
            char *c1 = slurp(p1, &n1);
            char *c2 = slurp(p2, &n2);
            cr_assert_not_null(c1, "%s", p1);
            cr_assert_not_null(c2, "%s", p2);
            cr_expect(n1 > 0 && n1 == n2 && memcmp(c1, c2, n1) == 0, "%s differs", p1);
            free(c1);
            free(c2);
        }
    }
    /* the script names no folder: it runs where it is */
    {
        size_t n = 0;
        char p[128];
        snprintf(p, sizeof(p), "%s/propagation.gp", d1);
        char *gp = slurp(p, &n);
        cr_assert_not_null(gp);
        gp[n] = '\0';
        cr_expect_null(strstr(gp, d1));
        cr_expect_not_null(strstr(gp, "size 640,480"));
        cr_expect_not_null(strstr(gp, "set output 'propagation.png'"));
        free(gp);
    }
    json_decref(ia);
    json_decref(ib);
    ds_clear(&a);
    ds_clear(&b);
    rm_rf(d1);
    rm_rf(d2);
}

Test(plots, gnuplot_missing)
{
    char dir[] = "/tmp/dnsprop-plots3-XXXXXX";
    dataset_t ds;
    char err[512];
    bool rendered = true;
    json_t *index;

    cr_assert_not_null(mkdtemp(dir));
    campaign(&ds);
    index = write_plots(&ds, dir, &rendered, err, sizeof(err));
    cr_expect(!rendered);
    cr_expect_not_null(strstr(err, "gnuplot not found"), "%s", err);
    cr_expect_not_null(strstr(err, "cd "), "%s", err);
    cr_expect_not_null(strstr(err, "gnuplot *.gp"), "%s", err);
    cr_expect_not_null(strstr(err, dir), "%s", err);
    json_decref(index);
    ds_clear(&ds);
    rm_rf(dir);
}

/* Only what can be drawn: no timeline, no ramp. */
Test(plots, left_out)
{
    char dir[] = "/tmp/dnsprop-plots4-XXXXXX";
    dataset_t ds;
    char err[512];
    bool rendered;
    json_t *index;
    char p[128];

    cr_assert_not_null(mkdtemp(dir));
    campaign(&ds);
    json_object_del(ds.campaign, "timeline");
    json_object_set_new(ds.campaign, "phases", json_array());
    index = write_plots(&ds, dir, &rendered, err, sizeof(err));
    cr_expect_eq(json_array_size(index), 4);
    snprintf(p, sizeof(p), "%s/rates.gp", dir);
    cr_expect_neq(access(p, F_OK), 0);
    snprintf(p, sizeof(p), "%s/ramp.dat", dir);
    cr_expect_neq(access(p, F_OK), 0);
    json_decref(index);
    ds_clear(&ds);
    rm_rf(dir);
}

/* A campaign without results or metadata: nothing to draw, no error. */
Test(plots, empty_campaign)
{
    char dir[] = "/tmp/dnsprop-plots6-XXXXXX";
    dataset_t ds;
    char err[512];
    bool rendered = false;
    json_t *index;
    DIR *d;
    struct dirent *e;
    int files = 0;

    cr_assert_not_null(mkdtemp(dir));
    ds_init(&ds);
    index = write_plots(&ds, dir, &rendered, err, sizeof(err));
    cr_expect_eq(json_array_size(index), 0);
    cr_expect(rendered, "nothing to render is no failure: %s", err);
    d = opendir(dir);
    cr_assert_not_null(d);
    while ((e = readdir(d)) != NULL)
        files += strstr(e->d_name, ".gp") != NULL || strstr(e->d_name, ".dat") != NULL;
    closedir(d);
    cr_expect_eq(files, 0);
    json_decref(index);
    ds_clear(&ds);
    rm_rf(dir);
}

/* Rendered for real when gnuplot is there: every PNG, of the size asked. */
Test(plots, rendered)
{
    char dir[] = "/tmp/dnsprop-plots5-XXXXXX";
    plot_opts_t opts = {400, 300, NULL};
    dataset_t ds;
    char err[512];
    bool rendered = false;
    json_t *stats;
    json_t *index = NULL;
    json_t *e;
    size_t i;

    if (!have_gnuplot())
        cr_skip_test("gnuplot is not installed");
    cr_assert_not_null(mkdtemp(dir));
    campaign(&ds);
    stats = stats_json(&ds);
    cr_assert_eq(
        plot_campaign(&ds, stats, dir, &opts, &index, &rendered, err, sizeof(err)), 0,
        "%s", err);
    cr_expect(rendered, "%s", err);
    json_array_foreach(index, i, e)
    {
        const char *png = json_string_value(json_object_get(e, "png"));
        unsigned char hdr[24];
        char p[128];
        FILE *f;
        cr_assert_not_null(png);
        snprintf(p, sizeof(p), "%s/%s", dir, png);
        f = fopen(p, "rb");
        cr_assert_not_null(f, "%s", p);
        cr_assert_eq(fread(hdr, 1, sizeof(hdr), f), sizeof(hdr));
        fclose(f);
        cr_expect(memcmp(hdr, "\x89PNG\r\n\x1a\n", 8) == 0 &&
                  memcmp(hdr + 12, "IHDR", 4) == 0);
        cr_expect_eq((hdr[16] << 24 | hdr[17] << 16 | hdr[18] << 8 | hdr[19]), 400);
        cr_expect_eq((hdr[20] << 24 | hdr[21] << 16 | hdr[22] << 8 | hdr[23]), 300);
    }
    json_decref(index);
    json_decref(stats);
    ds_clear(&ds);
    rm_rf(dir);
}

/* ---- large campaigns: binned plots ---------------------------------------------------
 */

/* campaign() and n more changes polled on both nameservers: skewed
 * durations (a cubed uniform: most short, a tail to 8 s), a timeout
 * every 97th poll and an error every 211th, in a ramp phase. */
static void big_campaign(dataset_t *ds, unsigned n)
{
    campaign(ds);
    for (unsigned i = 0; i < 2 * n; i++) {
        double u = (double)((i * 2654435761u) % 10007u) / 10007.0;
        const char *st = i % 97 == 0 ? "TIMEOUT" : i % 211 == 0 ? "ERROR" : "COMPLETED";
        add(ds, 13 + i / 2, i % 3 ? "record_update" : "record_create", i % 2 ? "s" : "p",
            st, 1010.0 + 0.01 * (i / 2), 0.01 + 8 * u * u * u, 2 + 6.0 * i / (2 * n));
    }
}

/* The blocks of a data file whose "# index N: WHAT" line starts WHAT
 * with what: their rows (lines of numbers) and the sum of all their
 * numbers. false when there is no such block. */
static bool dat_block(const char *text, const char *what, size_t *rows, double *sum)
{
    const char *line = text;
    bool in = false, found = false;

    *rows = 0;
    *sum = 0;
    while (line != NULL && *line != '\0') {
        const char *end = strchr(line, '\n');
        const char *colon = strchr(line, ':');
        if (strncmp(line, "# index ", 8) == 0) {
            in = colon != NULL && strncmp(colon + 2, what, strlen(what)) == 0;
            found = found || in;
        } else if (in && line[0] != '#' && line[0] != '\n') {
            char *p = (char *)line, *q;
            (*rows)++;
            for (;;) {
                while (*p == ' ')
                    p++;
                if (*p == '\n' || *p == '\0')
                    break; /* (strtod would read on into the next line) */
                double v = strtod(p, &q);
                if (q == p)
                    break;
                *sum += v;
                p = q;
            }
        }
        line = end != NULL ? end + 1 : NULL;
    }
    return found;
}

static size_t count_status(const dataset_t *ds, ds_status_t st)
{
    size_t n = 0;

    for (size_t i = 0; i < ds->n; i++)
        n += ds->res[i].status == st &&
             (st != DS_COMPLETED || !isnan(ds->res[i].duration));
    return n;
}

static char *plot_file(const char *dir, const char *name, size_t *len)
{
    char p[256];

    snprintf(p, sizeof(p), "%s/%s", dir, name);
    return slurp(p, len);
}

static void write_plots_at(dataset_t *ds, const char *dir, size_t bin_above)
{
    /* wide enough for the titles' details not to be clipped */
    plot_opts_t opts = {1280, 720, "/nonexistent/dnsprop-test-gnuplot", false, bin_above};
    json_t *stats = stats_json(ds);
    json_t *index = NULL;
    bool rendered;
    char err[512];

    cr_assert_eq(
        plot_campaign(ds, stats, dir, &opts, &index, &rendered, err, sizeof(err)), 0,
        "%s", err);
    cr_expect_eq(json_array_size(index), 6);
    json_decref(index);
    json_decref(stats);
}

/* 60,000 results: every data file under 1 MB (unbinned, the propagation
 * plot's alone is ~2.4 MB), and the density holds every served poll but
 * those drawn above it, the timeouts all drawn. */
Test(plots, binned_bounded, .timeout = 120)
{
    static const char *const names[] = {"propagation.dat", "cdf.dat",  "percentiles.dat",
                                        "rates.dat",       "ramp.dat", "convergence.dat"};
    char dir[] = "/tmp/dnsprop-plots7-XXXXXX";
    dataset_t ds;
    size_t len, rows, above;
    double sum, dummy;
    char *text;

    cr_assert_not_null(mkdtemp(dir));
    big_campaign(&ds, 30000);
    cr_assert_eq(ds.n, 60024);
    write_plots_at(&ds, dir, 0);
    for (size_t i = 0; i < 6; i++) {
        text = plot_file(dir, names[i], &len);
        cr_assert_not_null(text, "%s", names[i]);
        cr_expect_lt(len, 1000000, "%s: %zu bytes", names[i], len);
        free(text);
    }
    text = plot_file(dir, "propagation.dat", &len);
    cr_assert_not_null(text);
    text[len] = '\0';
    cr_assert(dat_block(text, "density", &rows, &sum));
    cr_expect_eq(rows, 200); /* a row per duration bin */
    cr_assert(dat_block(text, "above the density's range", &above, &dummy));
    cr_expect_gt(above, 0);
    cr_expect_eq((size_t)sum + above, count_status(&ds, DS_COMPLETED), "%.0f + %zu", sum,
                 above);
    cr_assert(dat_block(text, "timeouts", &rows, &dummy));
    cr_expect_eq(rows, count_status(&ds, DS_TIMEOUT));
    cr_assert(dat_block(text, "errors", &rows, &dummy));
    cr_expect_eq(rows, count_status(&ds, DS_ERROR));
    free(text);
    text = plot_file(dir, "propagation.gp", &len);
    cr_assert_not_null(text);
    text[len] = '\0';
    cr_expect_not_null(strstr(text, "density of 60,024 results in 400x200 bins"));
    free(text);
    /* two CDF curves: at most 2,000 quantiles each, plus their two ends */
    text = plot_file(dir, "cdf.dat", &len);
    cr_assert_not_null(text);
    text[len] = '\0';
    cr_assert(dat_block(text, "propagation time", &rows, &dummy));
    cr_expect_leq(rows, 2 * 2002);
    cr_expect_gt(rows, 2 * 1000);
    free(text);
    ds_clear(&ds);
    rm_rf(dir);
}

/* Up to the threshold (5,000 results here) every poll is drawn and the
 * files are those of the unbinned path, byte for byte; past it (the
 * threshold lowered to 1,000) the same campaign is binned. */
Test(plots, unbinned_below_threshold, .timeout = 60)
{
    static const char *const names[] = {"propagation", "cdf",  "percentiles",
                                        "rates",       "ramp", "convergence"};
    char d1[] = "/tmp/dnsprop-plots8-XXXXXX";
    char d2[] = "/tmp/dnsprop-plots9-XXXXXX";
    dataset_t ds;
    size_t rows, total = 0;
    double dummy;

    cr_assert_not_null(mkdtemp(d1));
    cr_assert_not_null(mkdtemp(d2));
    big_campaign(&ds, 2500);
    write_plots_at(&ds, d1, 0);
    write_plots_at(&ds, d2, SIZE_MAX);
    for (size_t i = 0; i < 6; i++) {
        for (int ext = 0; ext < 2; ext++) {
            char name[64];
            size_t n1 = 0, n2 = 0;
            snprintf(name, sizeof(name), "%s.%s", names[i], ext ? "dat" : "gp");
            char *c1 = plot_file(d1, name, &n1);
            char *c2 = plot_file(d2, name, &n2);
            cr_assert(c1 != NULL && c2 != NULL, "%s", name);
            cr_expect(n1 == n2 && memcmp(c1, c2, n1) == 0, "%s differs", name);
            free(c1);
            free(c2);
        }
    }
    {
        /* a row per poll: the completed ones' blocks, then the failures' */
        static const char *const kinds[] = {"completed", "timeouts", "errors"};
        size_t len;
        char *text = plot_file(d1, "propagation.dat", &len);
        cr_assert_not_null(text);
        text[len] = '\0';
        for (size_t k = 0; k < 3; k++) {
            cr_expect(dat_block(text, kinds[k], &rows, &dummy), "%s", kinds[k]);
            total += rows;
        }
        cr_expect_eq(total, ds.n);
        free(text);
    }
    write_plots_at(&ds, d2, 1000);
    {
        size_t len;
        char *text = plot_file(d2, "propagation.gp", &len);
        cr_assert_not_null(text);
        text[len] = '\0';
        cr_expect_not_null(strstr(text, "density of 5,024 results"));
        free(text);
    }
    ds_clear(&ds);
    rm_rf(d1);
    rm_rf(d2);
}

/* A long campaign's timeline (25,000 samples, 5 operations/s): its rows
 * merged three at a time, at most 10,000 of them, the rates unchanged. */
Test(plots, rates_long_timeline)
{
    char dir[] = "/tmp/dnsprop-plots10-XXXXXX";
    json_t *rows = json_array();
    dataset_t ds;
    size_t len, nrows;
    double sum;
    char *text;

    cr_assert_not_null(mkdtemp(dir));
    campaign(&ds);
    for (int t = 0; t < 25000; t++)
        json_array_append_new(rows, json_pack("[i,i,i,i,i,i,i,i,i,i]", t, 5 * t, 5 * t, 0,
                                              10 * t, 10 * t, 10 * t, 0, 0, 40 * t));
    json_object_set_new(json_object_get(ds.campaign, "timeline"), "rows", rows);
    write_plots_at(&ds, dir, 0);
    text = plot_file(dir, "rates.dat", &len);
    cr_assert_not_null(text);
    text[len] = '\0';
    cr_assert(dat_block(text, "t (s)", &nrows, &sum));
    cr_expect_eq(nrows, 8333, "%zu rows", nrows); /* 24,999 intervals, 3 a row */
    /* the second row: t = 6, then 5, 5, 0, 10, 0, 0, 40 a second */
    cr_expect_not_null(strstr(text, "\n 6.000000 5.000000 5.000000 0.000000 10.000000 "
                                    "0.000000 0.000000 40.000000\n"));
    free(text);
    text = plot_file(dir, "rates.gp", &len);
    cr_assert_not_null(text);
    text[len] = '\0';
    cr_expect_not_null(strstr(text, "rates over 3 samples each"));
    free(text);
    ds_clear(&ds);
    rm_rf(dir);
}
