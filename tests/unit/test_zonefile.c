/*
 * zonefile: $INCLUDE (RFC 1035 5.1: the optional origin, paths relative to
 * the including file, the parent's origin restored, nesting bounded,
 * cycles refused) and BIND's $GENERATE (ranges and steps, "$", "${o,w,b}"
 * in bases d o x X n N, "$$", "\$"), the bound on the expansion, the line
 * map back to FILE:LINE, and each error naming the line that is wrong.
 * Files are written to a fresh temp directory per test.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/common/errcode.h"
#include "harness/scenario/zonefile.h"

static char dir[64];

static void mkdir_tmp(void)
{
    snprintf(dir, sizeof(dir), "/tmp/dnsprop-zf-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void rm_tmp(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(zonefile, .init = mkdir_tmp, .fini = rm_tmp);

/* text into dir/name (sub-directories made); its path into path. */
static void put_file(const char *name, const char *text, char *path, size_t cap)
{
    char d[256];
    FILE *f;

    snprintf(path, cap, "%s/%s", dir, name);
    snprintf(d, sizeof(d), "%s", path);
    *strrchr(d, '/') = '\0';
    mkdir(d, 0700);
    f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

/* Expand text (as dir/top.zone) and compare the result with want. */
static zf_text_t *expand_ok(const char *text, const char *origin, const char *want)
{
    char path[256];
    char err[512] = "";
    zf_text_t *t = NULL;
    const char *data;
    size_t len;
    int ret;

    put_file("top.zone", text, path, sizeof(path));
    ret = zf_expand(path, origin, NULL, &t, err, sizeof(err));
    cr_assert_eq(ret, 0, "zf_expand: %d: %s", ret, err);
    data = zf_text_data(t, &len);
    cr_expect_eq(strlen(data), len);
    if (want != NULL)
        cr_expect_str_eq(data, want);
    return t;
}

/* s with each "DIR" replaced by the test's directory, into out. */
static void with_dir(const char *s, char *out, size_t cap)
{
    size_t o = 0;

    while (*s != '\0' && o + 1 < cap) {
        if (strncmp(s, "DIR", 3) == 0) {
            o += (size_t)snprintf(out + o, cap - o, "%s", dir);
            s += 3;
        } else {
            out[o++] = *s++;
        }
    }
    out[o < cap ? o : cap - 1] = '\0';
}

/* Expanding text (as DIR/top.zone) fails with code want and err (DIR
 * replaced). */
static void expand_bad(const char *text, int want, const char *err_want)
{
    char path[256];
    char err[512] = "";
    char expect[700];
    zf_text_t *t = (zf_text_t *)1;
    int ret;

    put_file("top.zone", text, path, sizeof(path));
    ret = zf_expand(path, "example.test.", NULL, &t, err, sizeof(err));
    cr_assert_eq(ret, want, "got %d (%s), want %d", ret, err, want);
    cr_expect_null(t);
    with_dir(err_want, expect, sizeof(expect));
    cr_expect_str_eq(err, expect);
}

static void where_is(const zf_text_t *t, long line, const char *file, long fline)
{
    const char *f = NULL;
    long l = 0;
    char want[256];

    snprintf(want, sizeof(want), "%s/%s", dir, file);
    cr_assert_eq(zf_text_where(t, line, &f, &l), 0);
    cr_expect_str_eq(f, want, "line %ld", line);
    cr_expect_eq(l, fline, "line %ld: got %ld, want %ld", line, l, fline);
}

/* ---- pass-through ----------------------------------------------------------------- */

Test(zonefile, plain_text_is_unchanged)
{
    zf_text_t *t = expand_ok("$TTL 60\nwww A 192.0.2.1\nmx ( MX\n  10 mail )\n", "x.",
                             "$TTL 60\nwww A 192.0.2.1\nmx ( MX\n  10 mail )\n");
    where_is(t, 1, "top.zone", 1);
    where_is(t, 4, "top.zone", 4);
    where_is(t, 99, "top.zone", 4); /* past the end: the last line */
    cr_expect_eq(zf_text_where(t, 0, &(const char *){NULL}, &(long){0}), -ERANGE);
    zf_text_destroy(t);
}

Test(zonefile, dollar_inside_parentheses_or_quotes_is_data)
{
    /* RFC 1035 5.1: a record continued in parentheses; a '$' at the start
     * of its next line is not a directive */
    zf_text_t *t =
        expand_ok("a TXT ( \"x\"\n$GENERATE )\nb TXT \"a\\\"(\"\n$TTL 5\n", "x.",
                  "a TXT ( \"x\"\n$GENERATE )\nb TXT \"a\\\"(\"\n$TTL 5\n");
    zf_text_destroy(t);
}

Test(zonefile, relative_origin_is_made_absolute)
{
    /* ldns 1.8.3 would take "sub" as "sub." */
    zf_text_t *t = expand_ok(
        "$ORIGIN sub\na A 192.0.2.1\n$origin deeper ; c\n$ORIGIN x.\n", "example.test.",
        "$ORIGIN sub.example.test.\na A 192.0.2.1\n"
        "$ORIGIN deeper.sub.example.test.\n$ORIGIN x.\n");
    zf_text_destroy(t);
}

/* ---- $INCLUDE --------------------------------------------------------------------- */

Test(zonefile, include_relative_to_the_including_file)
{
    char p[256];
    zf_text_t *t;

    put_file("sub/a.zone", "a A 192.0.2.1\n$INCLUDE b.zone\n", p, sizeof(p));
    put_file("sub/b.zone", "b A 192.0.2.2\nc A 192.0.2.3\n", p, sizeof(p));
    t = expand_ok("x A 192.0.2.9\n$INCLUDE sub/a.zone ; comment\ny A 192.0.2.8\n",
                  "example.test.",
                  "x A 192.0.2.9\na A 192.0.2.1\nb A 192.0.2.2\nc A 192.0.2.3\n"
                  "y A 192.0.2.8\n");
    where_is(t, 1, "top.zone", 1);
    where_is(t, 2, "sub/a.zone", 1);
    where_is(t, 3, "sub/b.zone", 1);
    where_is(t, 4, "sub/b.zone", 2);
    where_is(t, 5, "top.zone", 3);
    zf_text_destroy(t);
}

Test(zonefile, include_with_origin_restores_the_parent_origin)
{
    char p[256];
    zf_text_t *t;

    put_file("in.zone", "a A 192.0.2.1\n$ORIGIN deeper\nb A 192.0.2.2\n", p, sizeof(p));
    /* a relative origin is relative to the current one; RFC 1035 5.1: the
     * parent's origin is as before the $INCLUDE */
    t = expand_ok(
        "$INCLUDE \"in.zone\" sub\nc A 192.0.2.3\n$INCLUDE in.zone other.test.\n",
        "example.test.",
        "$ORIGIN sub.example.test.\na A 192.0.2.1\n"
        "$ORIGIN deeper.sub.example.test.\nb A 192.0.2.2\n"
        "$ORIGIN example.test.\nc A 192.0.2.3\n"
        "$ORIGIN other.test.\na A 192.0.2.1\n$ORIGIN deeper.other.test.\n"
        "b A 192.0.2.2\n$ORIGIN example.test.\n");
    where_is(t, 1, "top.zone", 1);
    where_is(t, 2, "in.zone", 1);
    where_is(t, 5, "top.zone", 1);
    where_is(t, 6, "top.zone", 2);
    zf_text_destroy(t);
}

Test(zonefile, include_errors)
{
    char p[256];

    expand_bad(
        "a A 192.0.2.1\n$INCLUDE top.zone\n", DP_EPARSE,
        "DIR/top.zone:2: $INCLUDE DIR/top.zone: a cycle (that file is already being "
        "read): remove the $INCLUDE");
    /* a cycle two files long names the line in the second file */
    put_file("b.zone", "\n$INCLUDE top.zone\n", p, sizeof(p));
    expand_bad("$INCLUDE b.zone\n", DP_EPARSE,
               "DIR/b.zone:2: $INCLUDE DIR/top.zone: a cycle (that file is already being "
               "read): remove the $INCLUDE");
    expand_bad("\n\n$INCLUDE nope.zone\n", -ENOENT,
               "DIR/top.zone:3: $INCLUDE DIR/nope.zone: No such file or directory");
    expand_bad("$INCLUDE\n", DP_EPARSE,
               "DIR/top.zone:1: $INCLUDE: expected $INCLUDE FILE [ORIGIN]");
    expand_bad("$INCLUDE a b c\n", DP_EPARSE,
               "DIR/top.zone:1: $INCLUDE: expected $INCLUDE FILE [ORIGIN]");
    expand_bad("$INCLUDE \"a\n", DP_EPARSE,
               "DIR/top.zone:1: directive: a quoted string is not closed");
    /* an included file may not end inside a record */
    put_file("open.zone", "a A 192.0.2.1\nb TXT ( \"x\"\n", p, sizeof(p));
    expand_bad(
        "$INCLUDE open.zone\n", DP_EPARSE,
        "DIR/open.zone:2: an unclosed parenthesis: the file ends before the record "
        "that starts here");
}

Test(zonefile, include_nesting_is_bounded)
{
    char p[256];
    char name[32];
    char text[64];
    int i;

    /* d0 includes d1 ... includes d20: deeper than ZF_MAX_DEPTH */
    for (i = 0; i < 20; i++) {
        snprintf(name, sizeof(name), "d%d.zone", i);
        snprintf(text, sizeof(text), "$INCLUDE d%d.zone\n", i + 1);
        put_file(name, text, p, sizeof(p));
    }
    put_file("d20.zone", "a A 192.0.2.1\n", p, sizeof(p));
    expand_bad("$INCLUDE d0.zone\n", DP_EPARSE,
               "DIR/d15.zone:1: $INCLUDE: nested more than 16 deep");
}

Test(zonefile, include_refused_when_asked)
{
    zf_opts_t o = {0, true};
    char err[256];
    zf_text_t *t = NULL;

    cr_expect_eq(
        zf_expand_mem("mem", "$INCLUDE /etc/passwd\n", 21, ".", &o, &t, err, sizeof(err)),
        DP_EPARSE);
    cr_expect_str_eq(err, "mem:1: $INCLUDE: not allowed here");
    cr_expect_null(t);
}

/* ---- $GENERATE -------------------------------------------------------------------- */

Test(zonefile, generate_plain_and_step)
{
    zf_text_t *t =
        expand_ok("a A 192.0.2.1\n$GENERATE 1-3 h$ A 10.0.0.$\n"
                  "$GENERATE 0-10/5 $.r 300 IN PTR host-$.example. ; c\nz A 192.0.2.2\n",
                  "example.test.",
                  "a A 192.0.2.1\nh1 A 10.0.0.1\nh2 A 10.0.0.2\nh3 A 10.0.0.3\n"
                  "0.r 300 IN PTR host-0.example.\n5.r 300 IN PTR host-5.example.\n"
                  "10.r 300 IN PTR host-10.example.\nz A 192.0.2.2\n");
    where_is(t, 1, "top.zone", 1);
    where_is(t, 2, "top.zone", 2);
    where_is(t, 4, "top.zone", 2);
    where_is(t, 5, "top.zone", 3);
    where_is(t, 7, "top.zone", 3);
    where_is(t, 8, "top.zone", 4);
    zf_text_destroy(t);
}

Test(zonefile, generate_modifiers)
{
    /* BIND 9 ARM: ${offset,width,base}; width zero-pads; n/N nibbles,
     * least significant first, the width counting the dots */
    zf_text_t *t =
        expand_ok("$GENERATE 26-26 a${0,4,d}-${-6}-${0,3,o}-${0,0,x}-${0,0,X}"
                  " CNAME n${0,0,n}.m${0,5,N}.w${0,3,n}\n",
                  "example.test.", "a0026-20-032-1a-1A CNAME na.1.mA.1.0.wa.1\n");
    zf_text_destroy(t);
}

Test(zonefile, generate_dollars_and_escapes)
{
    /* "$$" is a literal '$'; "\$" stays for ldns, which reads it as '$' */
    zf_text_t *t =
        expand_ok("$GENERATE 7-8 t$ TXT \"cost $$$ \\$ ${1}\"\n", "example.test.",
                  "t7 TXT \"cost $7 \\$ 8\"\nt8 TXT \"cost $8 \\$ 9\"\n");
    zf_text_destroy(t);
}

Test(zonefile, generate_errors_name_the_directive_line)
{
    expand_bad(
        "a A 192.0.2.1\n$GENERATE 1-3 h$ A\n", DP_EPARSE,
        "DIR/top.zone:2: $GENERATE: expected $GENERATE START-STOP[/STEP] LHS [TTL] "
        "[CLASS] TYPE RHS");
    expand_bad("$GENERATE 5-1 h$ A 10.0.0.$\n", DP_EPARSE,
               "DIR/top.zone:1: $GENERATE range 5-1: stop is below start");
    expand_bad("$GENERATE 1-5/0 h$ A 10.0.0.$\n", DP_EPARSE,
               "DIR/top.zone:1: $GENERATE range '1-5/0': expected START-STOP or "
               "START-STOP/STEP (unsigned numbers, STEP >= 1)");
    expand_bad("$GENERATE x-5 h$ A 10.0.0.$\n", DP_EPARSE,
               "DIR/top.zone:1: $GENERATE range 'x-5': expected START-STOP or "
               "START-STOP/STEP (unsigned numbers, STEP >= 1)");
    expand_bad("$GENERATE 1-99999999999 h$ A 10.0.0.$\n", DP_EPARSE,
               "DIR/top.zone:1: $GENERATE range '1-99999999999': expected START-STOP or "
               "START-STOP/STEP (unsigned numbers, STEP >= 1)");
    expand_bad("\n$GENERATE 1-3 h${0,3,q} A 10.0.0.$\n", DP_EPARSE,
               "DIR/top.zone:2: $GENERATE: bad modifier '${0,3,q}': expected "
               "${OFFSET[,WIDTH[,BASE]]}, WIDTH <= 255, BASE one of d o x X n N");
    expand_bad("$GENERATE 1-3 h${0,3 A 10.0.0.$\n", DP_EPARSE,
               "DIR/top.zone:1: $GENERATE: bad modifier '${0,3': expected "
               "${OFFSET[,WIDTH[,BASE]]}, WIDTH <= 255, BASE one of d o x X n N");
    expand_bad("$GENERATE 1-3 h${0,256} A 10.0.0.$\n", DP_EPARSE,
               "DIR/top.zone:1: $GENERATE: bad modifier '${0,256}': expected "
               "${OFFSET[,WIDTH[,BASE]]}, WIDTH <= 255, BASE one of d o x X n N");
    expand_bad("$GENERATE 1-3 h${-2} A 10.0.0.$\n", DP_EPARSE,
               "DIR/top.zone:1: $GENERATE: 1-2 = -1 is out of range (0 to 4294967295)");
}

Test(zonefile, generate_is_bounded)
{
    char path[256];
    char err[512];
    zf_text_t *t = NULL;
    zf_opts_t small = {4096, false};

    /* 10^9 names is an error, not an out-of-memory */
    expand_bad("$GENERATE 0-999999999 h$ A 10.0.0.1\n", DP_EPARSE,
               "DIR/top.zone:1: $GENERATE would make 1000000000 records; at most 262144: "
               "split the range or the zone");
    /* within ZF_GENERATE_MAX, the byte bound holds */
    put_file("big.zone", "\n$GENERATE 0-100000 host$ A 10.0.0.1\n", path, sizeof(path));
    cr_expect_eq(zf_expand(path, ".", &small, &t, err, sizeof(err)), DP_EPARSE);
    cr_expect_null(t);
    cr_expect(strstr(err, "big.zone:2: the expanded zone would be over 4096 bytes") !=
                  NULL,
              "%s", err);
}

Test(zonefile, long_strings_are_found)
{
    char text[1200];
    zf_text_t *t;

    snprintf(text, sizeof(text),
             "ok TXT \"%0255d\"\nbad TXT ( \"x\"\n  \"%0256d\" )\n"
             "raw TXT %0256d\n",
             0, 0, 0);
    t = expand_ok(text, "example.test.", NULL);
    cr_expect_not(zf_text_long_string(t, 1));
    cr_expect(zf_text_long_string(t, 3)); /* the record's last line, as ldns says */
    cr_expect(zf_text_long_string(t, 4));
    zf_text_destroy(t);
}

/* Special files (issue 12): a FIFO blocked the open, /dev/zero was read
 * to the bound; now a device is refused, a FIFO nobody writes to is an
 * error at once, and a file that is too big is refused by its size
 * before a byte is read. */
Test(zonefile, special_files_are_refused)
{
    char fifo[256];
    char big[256];
    char err[512] = "";
    zf_text_t *t = NULL;
    zf_opts_t o;
    FILE *f;

    expand_bad("$INCLUDE /dev/zero\n", DP_EPARSE,
               "DIR/top.zone:1: $INCLUDE /dev/zero: not a regular file (a character "
               "device): give a file");
    snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    expand_bad("$INCLUDE fifo\n", DP_EPARSE,
               "DIR/top.zone:1: $INCLUDE DIR/fifo: a FIFO that gave nothing to read (no "
               "writer?): give a file or write to it");
    cr_expect_eq(zf_expand(fifo, "example.test.", NULL, &t, err, sizeof(err)), DP_EPARSE);
    cr_expect(strstr(err, "fifo: the zone file: a FIFO that gave nothing to read") !=
                  NULL,
              "%s", err);
    snprintf(big, sizeof(big), "%s/big.zone", dir);
    f = fopen(big, "w");
    cr_assert_not_null(f);
    cr_assert_eq(ftruncate(fileno(f), 4096), 0);
    fclose(f);
    memset(&o, 0, sizeof(o));
    o.max_bytes = 1000;
    cr_expect_eq(zf_expand(big, "example.test.", &o, &t, err, sizeof(err)), DP_EPARSE);
    cr_expect(strstr(err, "is 4096 bytes, over the limit of 1000 bytes") != NULL, "%s",
              err);
}

/* A message quoting a line shows its control bytes escaped. */
Test(zonefile, messages_escape_control_bytes)
{
    expand_bad("$INCLUDE \"a\x1b[2J\n", DP_EPARSE,
               "DIR/top.zone:1: directive: a quoted string is not closed");
    expand_bad(
        "$INCLUDE no\x1b[2Jpe.zone\n", -ENOENT,
        "DIR/top.zone:1: $INCLUDE DIR/no\\x1b[2Jpe.zone: No such file or directory");
}
