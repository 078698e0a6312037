/*
 * zonesync: zone files into RRsets (what is kept, dropped, skipped, and
 * the errors with FILE:LINE), the plan of a desired zone against an
 * existing one (creates, updates, deletes, and the spellings that are the
 * same record), its order, its text and JSON, and octoDNS's safety
 * thresholds. Both zones come from zone files in temp files; the AXFR side
 * is tested against a real Knot in tests/cli/test_zonesync.sh.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/common/errcode.h"
#include "harness/common/log.h"
#include "harness/scenario/zonesync.h"
#include "probes/rdata.h"

static void quiet(void)
{
    /* the skipped-type and TTL warnings are checked by the CLI test */
    log_set_level(DP_LOG_ERR);
}

TestSuite(zonesync, .init = quiet);

/* ---- helpers ---------------------------------------------------------------------- */

/* text into a new temp file; its path in path (64 bytes). */
static void write_zone(char *path, const char *text)
{
    int fd;
    FILE *f;

    snprintf(path, 64, "/tmp/dnsprop-zs-XXXXXX");
    fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    f = fdopen(fd, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static void load_ok(const char *text, const char *origin, zs_zone_t *z, size_t *skipped)
{
    char path[64];
    char err[512] = "";
    int ret;

    write_zone(path, text);
    ret = zs_zone_load(path, origin, z, skipped, err, sizeof(err));
    unlink(path);
    cr_assert_eq(ret, 0, "zs_zone_load: %d: %s", ret, err);
}

/* Loading text fails with code want and an error matching "PATH" + rest. */
static void load_bad(const char *text, const char *origin, int want, const char *rest)
{
    char path[64];
    char err[512] = "";
    char expect[700];
    zs_zone_t z;
    int ret;

    write_zone(path, text);
    memset(&z, 0x5a, sizeof(z));
    ret = zs_zone_load(path, origin, &z, NULL, err, sizeof(err));
    unlink(path);
    cr_assert_eq(ret, want, "got %d (%s), want %d", ret, err, want);
    snprintf(expect, sizeof(expect), "%s%s", path, rest);
    cr_expect_str_eq(err, expect);
    cr_expect_eq(z.n, 0, "*out not emptied on error");
    cr_expect_null(z.sets);
    cr_expect_null(z.origin);
}

static const zs_rrset_t *find(const zs_zone_t *z, const char *name, uint16_t type)
{
    size_t i;

    for (i = 0; i < z->n; i++) {
        if (strcmp(z->sets[i].name, name) == 0 && z->sets[i].type == type)
            return &z->sets[i];
    }
    return NULL;
}

/* The RRset (name, type) has this TTL and exactly these values, in order
 * (canonical, sorted). */
static void has_set(const zs_zone_t *z, const char *name, uint16_t type, uint32_t ttl,
                    size_t n, const char *const *values)
{
    const zs_rrset_t *s = find(z, name, type);
    size_t i;

    cr_assert_not_null(s, "no RRset %s type %u", name, (unsigned)type);
    cr_expect_eq(s->ttl, ttl, "%s: TTL %u, want %u", name, (unsigned)s->ttl,
                 (unsigned)ttl);
    cr_assert_eq(s->nvalues, n, "%s: %zu values, want %zu", name, s->nvalues, n);
    for (i = 0; i < n; i++)
        cr_expect_str_eq(s->values[i], values[i], "%s value %zu", name, i);
}

/* The text zs_plan_print writes; with all = false, only the changes and
 * the summary (what the plan leaves out is tested apart, in
 * plan_lists_what_it_leaves_out: which types are skipped changes as
 * dnsprop learns types). */
static char *plan_text_of(const zs_plan_t *p, bool all)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    zs_plan_t q = *p;

    if (!all) {
        q.want = NULL;
        q.have = NULL;
    }
    cr_assert_not_null(f);
    zs_plan_print(f, &q);
    fclose(f);
    return buf;
}

static char *plan_text(const zs_plan_t *p)
{
    return plan_text_of(p, false);
}

/* ---- loading -------------------------------------------------------------------- */

static const char *existing_zone = "$ORIGIN example.test.\n"
                                   "$TTL 300\n"
                                   "@        SOA   ns1 hostmaster 10 3600 600 86400 60\n"
                                   "@        NS    ns1\n"
                                   "@        NS    ns2\n"
                                   "ns1      A     192.0.2.53\n"
                                   "ns2      A     192.0.2.54\n"
                                   "www      A     192.0.2.1\n"
                                   "ttl      A     192.0.2.2\n"
                                   "multi    A     192.0.2.10\n"
                                   "Case     A     192.0.2.3\n"
                                   "mx       MX    10 mail.example.test.\n"
                                   "v6       AAAA  2001:db8::1\n"
                                   "txt      TXT   \"hello world\"\n"
                                   "txt2     TXT   hello\n"
                                   "esc      TXT   \"a\\\"b\"\n"
                                   "_sip._tcp SRV  10 5 5060 sip.example.test.\n"
                                   "sub      NS    ns.sub.example.test.\n"
                                   "old      A     192.0.2.99\n"
                                   "old      TXT   \"bye\"\n"
                                   "caa      CAA   0 issue \"ca.example\"\n"
                                   "x        NSEC  y.example.test. A NSEC\n";

/* The same zone as wanted, spelt differently where it must not matter,
 * and changed where it must. */
static const char *desired_zone =
    "; the SOA and the apex NS are the target's: these differ and must not count\n"
    "$ORIGIN Example.TEST.\n"
    "$TTL 300\n"
    "@        SOA   ns9 other 99 1 1 1 1\n"
    "@        NS    ns9.elsewhere.\n"
    "NS1.example.test. A 192.0.2.53\n"
    "ns2      300   IN A 192.0.2.54\n"
    "www      A     192.0.2.100\n"
    "ttl      60    A 192.0.2.2\n"
    "multi    A     192.0.2.11\n"
    "multi    A     192.0.2.10\n"
    "case.example.test. A 192.0.2.3\n"
    "mx       MX    10 MAIL\n"
    "v6       AAAA  2001:DB8:0:0:0:0:0:1\n"
    "txt      TXT   ( \"hello world\" )\n"
    "txt2     TXT   \"hello\"\n"
    "esc      TXT   \"a\\034b\"\n"
    "_SIP._TCP.example.test. SRV 10 5 5060 SIP\n"
    "sub      NS    NS.SUB\n"
    "new      A     192.0.2.7\n"
    "new      AAAA  2001:db8::7\n"
    "caa      CAA   0 ISSUE \"ca.example\"\n";

Test(zonesync, load_keeps_drops_and_skips)
{
    zs_zone_t z;
    size_t skipped = 99;
    static const char *const v_multi[] = {"192.0.2.10"};
    static const char *const v_mx[] = {"10 mail.example.test."};
    static const char *const v_txt[] = {"\"hello world\""};
    static const char *const v_esc[] = {"\"a\\\"b\""};
    static const char *const v_srv[] = {"10 5 5060 sip.example.test."};
    static const char *const v_sub[] = {"ns.sub.example.test."};
    static const char *const v_case[] = {"192.0.2.3"};
    static const char *const v_caa[] = {"0 issue \"ca.example\""};

    load_ok(existing_zone, NULL, &z, &skipped);
    cr_expect_str_eq(z.origin, "example.test.");
    cr_expect(z.has_soa);
    cr_expect_eq(z.serial, 10);
    /* 16 kept: not the SOA, not the apex NS, not the NSEC */
    cr_expect_eq(z.n, 16, "%zu RRsets", z.n);
    cr_expect_null(find(&z, "example.test.", RDATA_T_SOA));
    cr_expect_null(find(&z, "example.test.", RDATA_T_NS));
    cr_expect_null(find(&z, "x.example.test.", 47));
    cr_expect_eq(skipped, 0);
    cr_assert_eq(z.nskipped, 0);
    has_set(&z, "caa.example.test.", 257, 300, 1, v_caa);
    has_set(&z, "multi.example.test.", RDATA_T_A, 300, 1, v_multi);
    has_set(&z, "case.example.test.", RDATA_T_A, 300, 1, v_case);
    has_set(&z, "mx.example.test.", RDATA_T_MX, 300, 1, v_mx);
    has_set(&z, "txt.example.test.", RDATA_T_TXT, 300, 1, v_txt);
    has_set(&z, "esc.example.test.", RDATA_T_TXT, 300, 1, v_esc);
    has_set(&z, "_sip._tcp.example.test.", RDATA_T_SRV, 300, 1, v_srv);
    /* a delegation's NS is the zone's data; only the apex NS is not */
    has_set(&z, "sub.example.test.", RDATA_T_NS, 300, 1, v_sub);
    zs_zone_free(&z);
    cr_expect_eq(z.n, 0);
    zs_zone_free(&z); /* twice is harmless */
}

/* Canonical values are what rdata_from_text gives for the same text. */
Test(zonesync, values_are_rdata_from_text_form)
{
    static const struct {
        const char *line;
        uint16_t type;
        const char *text; /* zone-file form, fully qualified */
    } cases[] = {
        {"a A 192.0.2.1", RDATA_T_A, "192.0.2.1"},
        {"a AAAA 2001:DB8::0:1", RDATA_T_AAAA, "2001:db8::1"},
        {"a MX 10 Mail.Example.Test.", RDATA_T_MX, "10 mail.example.test."},
        {"a SRV 1 2 3 t.example.test.", RDATA_T_SRV, "1 2 3 t.example.test."},
        {"a TXT \"x y\" z", RDATA_T_TXT, "\"x y\" \"z\""},
        {"a TXT \"\\195\\169t\\195\\169\"", RDATA_T_TXT, "\"\\195\\169t\\195\\169\""},
        {"a CNAME B.example.test.", RDATA_T_CNAME, "b.example.test."},
        {"a PTR host.example.", RDATA_T_PTR, "host.example."},
        {"a NS ns.example.", RDATA_T_NS, "ns.example."},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        zs_zone_t z;
        char *want = NULL;

        load_ok(cases[i].line, "example.test", &z, NULL);
        cr_assert_eq(rdata_from_text(cases[i].type, cases[i].text, &want), 0, "%s",
                     cases[i].text);
        cr_assert_eq(z.n, 1, "%s", cases[i].line);
        cr_expect_eq(z.sets[0].type, cases[i].type);
        cr_expect_str_eq(z.sets[0].name, "a.example.test.");
        cr_expect_str_eq(z.sets[0].values[0], want, "%s", cases[i].line);
        free(want);
        zs_zone_free(&z);
    }
}

Test(zonesync, origin_given_no_soa_needed)
{
    zs_zone_t z;
    static const char *const v[] = {"192.0.2.1", "192.0.2.2"};

    /* duplicates collapse; the values come out sorted */
    load_ok("www 60 A 192.0.2.2\nwww 60 A 192.0.2.1\nwww 60 A 192.0.2.2\n",
            "Example.Test", &z, NULL);
    cr_expect_str_eq(z.origin, "example.test.");
    cr_expect_not(z.has_soa);
    has_set(&z, "www.example.test.", RDATA_T_A, 60, 2, v);
    zs_zone_free(&z);
}

Test(zonesync, dollar_origin_without_origin_argument)
{
    zs_zone_t z;
    static const char *const v[] = {"192.0.2.1"};

    load_ok("$ORIGIN other.test.\n@ 60 SOA ns h 5 1 1 1 1\nwww 60 A 192.0.2.1\n", NULL,
            &z, NULL);
    cr_expect_str_eq(z.origin, "other.test.");
    cr_expect_eq(z.serial, 5);
    has_set(&z, "www.other.test.", RDATA_T_A, 60, 1, v);
    zs_zone_free(&z);
}

/* RFC 2181 5.2: one TTL per RRset; the lowest wins. */
Test(zonesync, rrset_ttl_is_the_lowest)
{
    zs_zone_t z;
    static const char *const v[] = {"192.0.2.1", "192.0.2.2"};

    load_ok("www 300 A 192.0.2.1\nwww 60 A 192.0.2.2\n", "example.test", &z, NULL);
    has_set(&z, "www.example.test.", RDATA_T_A, 60, 2, v);
    zs_zone_free(&z);
}

Test(zonesync, every_type_is_kept)
{
    zs_zone_t z;
    size_t skipped = 0;

    load_ok("a CAA 0 issue \"x\"\na CAA 0 iodef \"mailto:x@example\"\n"
            "b TYPE65534 \\# 2 0102\nc HINFO cpu os\nd A 192.0.2.1\n"
            "e DS 12345 8 1 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE\n",
            "example.test", &z, &skipped);
    /* compared in canonical form through ldns (probes/rdata.h) */
    cr_expect_eq(z.n, 5);
    cr_expect_eq(skipped, 0, "%zu skipped", skipped);
    cr_assert_eq(z.nskipped, 0);
    cr_expect_not_null(find(&z, "b.example.test.", 65534));
    cr_expect_not_null(find(&z, "e.example.test.", 43));
    zs_zone_free(&z);
}

Test(zonesync, syntax_error_names_the_line)
{
    load_bad("$TTL 60\nwww A 192.0.2.1\n\n; comment\nbad A 192.0.2.300\nok A 192.0.2.2\n",
             "example.test", DP_EPARSE,
             ":5: Syntax error, could not parse the RR's rdata");
    load_bad("bad AAAA zz\n", "example.test", DP_EPARSE,
             ":1: Syntax error, could not parse the RR's rdata");
    /* $INCLUDE is expanded (zonefile.h): a missing file is named */
    load_bad("$TTL 60\n$INCLUDE dnsprop-no-such.zone\n", "example.test", -ENOENT,
             ":2: $INCLUDE /tmp/dnsprop-no-such.zone: No such file or directory");
}

/* Issue 11: errors in text that $GENERATE made, or in an included file,
 * name the line as written; a TXT string over 255 octets says so. */
Test(zonesync, errors_in_expanded_text_name_the_line_written)
{
    char inc[64];
    char top[160];
    char path[64];
    char err[512] = "";
    char want[600];
    char text[400];
    zs_zone_t z;

    /* 192.0.2.256, the 7th record of the $GENERATE: ldns's error, line 3 */
    load_bad("$TTL 60\nok A 192.0.2.1\n$GENERATE 250-260 h$ A 192.0.2.$\nz A 192.0.2.2\n",
             "example.test", DP_EPARSE,
             ":3: Syntax error, could not parse the RR's rdata");
    snprintf(text, sizeof(text), "ok TXT \"x\"\nlong TXT \"%0256d\"\n", 0);
    load_bad(
        text, "example.test", DP_EPARSE,
        ":2: a character-string (a TXT string, ...) is over 255 octets or malformed "
        "(RFC 1035 3.3): split a long TXT value into several quoted strings of at most "
        "255 octets each");
    /* 255 octets is fine */
    snprintf(text, sizeof(text), "ok TXT \"%0255d\"\n", 0);
    load_ok(text, "example.test", &z, NULL);
    zs_zone_free(&z);
    /* an error on line 2 of an included file names that file */
    write_zone(inc, "a A 192.0.2.1\nb A 192.0.2.300\n");
    snprintf(top, sizeof(top), "$TTL 60\n$INCLUDE %s sub\n", inc);
    write_zone(path, top);
    cr_expect_eq(zs_zone_load(path, "example.test", &z, NULL, err, sizeof(err)),
                 DP_EPARSE);
    snprintf(want, sizeof(want), "%s:2: Syntax error, could not parse the RR's rdata",
             inc);
    cr_expect_str_eq(err, want);
    unlink(inc);
    unlink(path);
}

Test(zonesync, semantic_errors)
{
    load_bad("www A 192.0.2.1\nwww.other.test. A 192.0.2.2\n", "example.test", DP_EPARSE,
             ": www.other.test. A is not inside the zone example.test.");
    load_bad("www CNAME x\nwww TXT \"y\"\n", "example.test", DP_EPARSE,
             ": www.example.test.: a CNAME and other data (TXT) at the same name (RFC "
             "1034 3.6.2): keep one of them");
    load_bad("www CNAME x\nwww CNAME y\n", "example.test", DP_EPARSE,
             ": www.example.test. CNAME: 2 values; a name has one CNAME (RFC 2181 10.1)");
    load_bad(
        "@ CNAME x\n", "example.test", DP_EPARSE,
        ": example.test. CNAME: a CNAME at the zone apex, beside its SOA and NS (RFC "
        "1034 3.6.2)");
    load_bad("other.test. SOA ns h 1 1 1 1 1\n", "example.test", DP_EPARSE,
             ": the SOA is for other.test., not for the zone "
             "example.test.: is it the right file?");
    load_bad(
        "www A 192.0.2.1\n", NULL, DP_EPARSE,
        ": no SOA and no origin given: give the zone's origin (the SOA is not needed: "
        "the target keeps its own)");
    load_bad("@ SOA ns h 1 1 1 1 1\n", NULL, DP_EPARSE,
             ": the SOA's owner is relative with no $ORIGIN before it: add $ORIGIN or "
             "give the zone's origin");
    load_bad("example.test. SOA ns.example.test. h.example.test. 1 1 1 1 1\nwww A "
             "192.0.2.1\n",
             NULL, DP_EPARSE,
             ": www A: a relative name with no $ORIGIN "
             "before it: add $ORIGIN or give the zone's origin");
    load_bad("example.test. SOA ns.example.test. h.example.test. 1 1 1 1 1\n"
             "mx.example.test. MX 10 mail\n",
             NULL, DP_EPARSE,
             ": mx.example.test. MX: a relative name in the value with no $ORIGIN "
             "before it: add $ORIGIN or give the zone's origin");
    load_bad("www A 192.0.2.1\n", "bad..name", DP_EBADNAME,
             ": origin 'bad..name' is not a domain name");
}

Test(zonesync, missing_file)
{
    zs_zone_t z;
    char err[256];

    cr_expect_eq(
        zs_zone_load("/nonexistent/x.zone", "example.test", &z, NULL, err, sizeof(err)),
        -ENOENT);
    cr_expect_str_eq(err,
                     "/nonexistent/x.zone: cannot open the zone file: No such file or "
                     "directory");
}

/* ---- the plan ------------------------------------------------------------------- */

Test(zonesync, plan_creates_updates_deletes_unchanged)
{
    zs_zone_t want;
    zs_zone_t have;
    zs_plan_t p;
    size_t i;
    static const struct {
        op_kind_t kind;
        const char *name;
        uint16_t type;
    } order[] = {
        {OP_RECORD_UPDATE, "multi.example.test.", RDATA_T_A},
        {OP_RECORD_CREATE, "new.example.test.", RDATA_T_A},
        {OP_RECORD_CREATE, "new.example.test.", RDATA_T_AAAA},
        {OP_RECORD_UPDATE, "ttl.example.test.", RDATA_T_A},
        {OP_RECORD_UPDATE, "www.example.test.", RDATA_T_A},
        {OP_RECORD_DELETE, "old.example.test.", RDATA_T_A},
        {OP_RECORD_DELETE, "old.example.test.", RDATA_T_TXT},
    };

    load_ok(desired_zone, NULL, &want, NULL);
    load_ok(existing_zone, NULL, &have, NULL);
    cr_assert_eq(zs_plan(&want, &have, &p), 0);
    cr_expect_eq(p.creates, 2, "creates %zu", p.creates);
    cr_expect_eq(p.updates, 3, "updates %zu", p.updates);
    cr_expect_eq(p.deletes, 2, "deletes %zu", p.deletes);
    /* ns1 ns2 case mx v6 txt txt2 esc _sip._tcp sub: case, trailing dot,
     * IPv6, TXT and CAA tag (RFC 8659 4.1) spellings are the same records */
    cr_expect_eq(p.unchanged, 11, "unchanged %zu", p.unchanged);
    cr_expect_eq(p.existing, 16);
    cr_assert_eq(p.n, 7);
    for (i = 0; i < p.n; i++) {
        const zs_change_t *c = &p.changes[i];
        const zs_rrset_t *s = c->want != NULL ? c->want : c->have;
        cr_expect_eq(c->kind, order[i].kind, "change %zu: kind %d", i, (int)c->kind);
        cr_expect_str_eq(s->name, order[i].name, "change %zu", i);
        cr_expect_eq(s->type, order[i].type, "change %zu", i);
        cr_expect_eq(c->want == NULL, c->kind == OP_RECORD_DELETE);
        cr_expect_eq(c->have == NULL, c->kind == OP_RECORD_CREATE);
    }
    /* the update of multi: one value more */
    cr_expect_eq(p.changes[0].have->nvalues, 1);
    cr_expect_eq(p.changes[0].want->nvalues, 2);
    /* the update of ttl: same value, TTL 300 -> 60 */
    cr_expect_eq(p.changes[3].have->ttl, 300);
    cr_expect_eq(p.changes[3].want->ttl, 60);
    zs_plan_free(&p);
    zs_zone_free(&want);
    zs_zone_free(&have);
}

Test(zonesync, plan_text_and_json)
{
    zs_zone_t want;
    zs_zone_t have;
    zs_plan_t p;
    char *text;
    char *js;
    json_t *j;

    load_ok(desired_zone, NULL, &want, NULL);
    load_ok(existing_zone, NULL, &have, NULL);
    cr_assert_eq(zs_plan(&want, &have, &p), 0);
    text = plan_text(&p);
    cr_expect_str_eq(text,
                     "~ update multi.example.test. A (300 192.0.2.10 -> 300 192.0.2.10, "
                     "192.0.2.11)\n"
                     "+ create new.example.test. A 300 192.0.2.7\n"
                     "+ create new.example.test. AAAA 300 2001:db8::7\n"
                     "~ update ttl.example.test. A (300 192.0.2.2 -> 60 192.0.2.2)\n"
                     "~ update www.example.test. A (300 192.0.2.1 -> 300 192.0.2.100)\n"
                     "- delete old.example.test. A 300 192.0.2.99\n"
                     "- delete old.example.test. TXT 300 \"bye\"\n"
                     "plan: 2 creates, 3 updates, 2 deletes, 11 unchanged (16 RRsets on "
                     "the target)\n");
    free(text);

    j = zs_plan_json(&p);
    cr_assert_not_null(j);
    /* what the plan leaves out: plan_lists_what_it_leaves_out */
    cr_expect_not_null(json_object_get(j, "owned"));
    cr_expect_not_null(json_object_get(j, "skipped"));
    cr_expect_not_null(json_object_get(j, "skipped_on_target"));
    cr_expect_not_null(json_object_get(j, "complete"));
    json_object_del(j, "owned");
    json_object_del(j, "skipped");
    json_object_del(j, "skipped_on_target");
    json_object_del(j, "complete");
    /* sub is a cut, no change is at or below it (zone cuts:
     * plan_says_how_cuts_are_measured) */
    cr_expect_eq(
        json_integer_value(json_object_get(
            json_object_get(json_object_get(j, "below_cuts"), "referral"), "count")),
        1);
    json_object_del(j, "below_cuts");
    js = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    cr_assert_not_null(js);
    cr_expect_str_eq(
        js, "{\"creates\":2,\"updates\":3,\"deletes\":2,\"unchanged\":11,\"existing\":16,"
            "\"changes\":["
            "{\"op\":\"record_update\",\"name\":\"multi.example.test.\",\"type\":\"A\","
            "\"ttl\":300,\"values\":[\"192.0.2.10\",\"192.0.2.11\"],\"old_ttl\":300,"
            "\"old_values\":[\"192.0.2.10\"],\"measured_by\":\"answer\"},"
            "{\"op\":\"record_create\",\"name\":\"new.example.test.\",\"type\":\"A\","
            "\"ttl\":300,\"values\":[\"192.0.2.7\"],\"measured_by\":\"answer\"},"
            "{\"op\":\"record_create\",\"name\":\"new.example.test.\",\"type\":\"AAAA\","
            "\"ttl\":300,\"values\":[\"2001:db8::7\"],\"measured_by\":\"answer\"},"
            "{\"op\":\"record_update\",\"name\":\"ttl.example.test.\",\"type\":\"A\","
            "\"ttl\":60,\"values\":[\"192.0.2.2\"],\"old_ttl\":300,\"old_values\":"
            "[\"192.0.2.2\"],\"measured_by\":\"answer\"},"
            "{\"op\":\"record_update\",\"name\":\"www.example.test.\",\"type\":\"A\","
            "\"ttl\":300,\"values\":[\"192.0.2.100\"],\"old_ttl\":300,\"old_values\":"
            "[\"192.0.2.1\"],\"measured_by\":\"answer\"},"
            "{\"op\":\"record_delete\",\"name\":\"old.example.test.\",\"type\":\"A\","
            "\"ttl\":300,\"values\":[\"192.0.2.99\"],\"measured_by\":\"answer\"},"
            "{\"op\":\"record_delete\",\"name\":\"old.example.test.\",\"type\":\"TXT\","
            "\"ttl\":300,\"values\":[\"\\\"bye\\\"\"],\"measured_by\":\"answer\"}]}");
    free(js);
    json_decref(j);
    zs_plan_free(&p);
    zs_zone_free(&want);
    zs_zone_free(&have);
}

/* The plan lists what it leaves out (issue 11: a dry run never hides a
 * skipped RRset): the file's RRsets the target owns, loaded from a file;
 * skipped RRsets on either side, set by hand (which types are skipped
 * depends on the types dnsprop can write). */
Test(zonesync, plan_lists_what_it_leaves_out)
{
    zs_zone_t want;
    zs_zone_t have;
    zs_plan_t p;
    char f1[] = "a.example.test. LOC";
    char f2[] = "b.example.test. LOC";
    char f3[] = "c.example.test. URI";
    char t1[] = "t.example.test. LOC";
    char *fskip[] = {f1, f2, f3};
    char *tskip[] = {t1};
    char **saved_w;
    char **saved_h;
    size_t nw;
    size_t nh;
    char *text;
    char *js;
    json_t *j;

    load_ok("$ORIGIN example.test.\n$TTL 300\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\n@ NS ns2\n"
            "ns1 A 192.0.2.1\nsub NS ns1\n"
            "@ DNSKEY 256 3 8 AwEAAc3K8Lz+ElJr5MpgIWbE4H8XVkFsd9SAJqS3RnlV9vKq7xpgZ+1n "
            "PMSQZyGM1MUjwxuUptTYnrVjj7JY7OVIAXM=\n"
            "@ RRSIG SOA 8 2 300 20300101000000 20200101000000 1 example.test. AAAA\n"
            "@ RRSIG NS 8 2 300 20300101000000 20200101000000 1 example.test. AAAA\n",
            NULL, &want, NULL);
    load_ok("$ORIGIN example.test.\n$TTL 300\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\n", NULL,
            &have, NULL);
    /* owned: one RRset per (name, type), sub's NS is a delegation, kept */
    cr_assert_eq(want.nowned, 4);
    cr_expect_str_eq(want.owned[0], "example.test. DNSKEY");
    cr_expect_str_eq(want.owned[1], "example.test. NS");
    cr_expect_str_eq(want.owned[2], "example.test. RRSIG");
    cr_expect_str_eq(want.owned[3], "example.test. SOA");
    saved_w = want.skipped;
    saved_h = have.skipped;
    nw = want.nskipped;
    nh = have.nskipped;
    want.skipped = fskip;
    want.nskipped = 3;
    have.skipped = tskip;
    have.nskipped = 1;
    cr_assert_eq(zs_plan(&want, &have, &p), 0);
    text = plan_text_of(&p, true);
    cr_expect_str_eq(
        text,
        "+ create ns1.example.test. A 300 192.0.2.1\n"
        "+ create sub.example.test. NS 300 ns1.example.test.  [delegation: measured by "
        "the referral's NS set]\n"
        "below zone cuts (RFC 1034 4.2.1; servers answer with a referral): 1 "
        "delegation measured by the referral's NS set, 0 glue RRsets by its "
        "additional section, 0 occluded RRsets by the zone's SOA serial\n"
        "left to the target (it owns them; not synced): 4 RRsets (DNSKEY 1, NS 1, "
        "RRSIG 1, SOA 1)\n"
        "    example.test. DNSKEY\n    example.test. NS\n    example.test. RRSIG\n"
        "    example.test. SOA\n"
        "SKIPPED in the zone file (types dnsprop cannot write; NOT synced): 3 RRsets "
        "(LOC 2, URI 1)\n"
        "    a.example.test. LOC\n    b.example.test. LOC\n    c.example.test. URI\n"
        "skipped on the target (types dnsprop cannot write; left as they are): 1 "
        "RRset (LOC 1)\n"
        "    t.example.test. LOC\n"
        "WARNING: 3 RRsets of the zone file are not synced (types dnsprop cannot "
        "write): the target will not match the file\n"
        "plan: 2 creates, 0 updates, 0 deletes, 0 unchanged (0 RRsets on the "
        "target)\n");
    free(text);
    j = zs_plan_json(&p);
    cr_assert_not_null(j);
    json_object_del(j, "changes");
    json_object_del(j, "below_cuts");
    js = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    cr_expect_str_eq(
        js, "{\"creates\":2,\"updates\":0,\"deletes\":0,\"unchanged\":0,\"existing\":0,"
            "\"owned\":{\"count\":4,\"by_type\":{\"DNSKEY\":1,\"NS\":1,\"RRSIG\":1,"
            "\"SOA\":1},\"rrsets\":[\"example.test. DNSKEY\",\"example.test. NS\","
            "\"example.test. RRSIG\",\"example.test. SOA\"]},"
            "\"skipped\":{\"count\":3,\"by_type\":{\"LOC\":2,\"URI\":1},\"rrsets\":"
            "[\"a.example.test. LOC\",\"b.example.test. LOC\",\"c.example.test. URI\"]},"
            "\"skipped_on_target\":{\"count\":1,\"by_type\":{\"LOC\":1},\"rrsets\":"
            "[\"t.example.test. LOC\"]},\"complete\":false}");
    free(js);
    json_decref(j);
    zs_plan_free(&p);
    /* nothing skipped: complete, and no WARNING */
    want.nskipped = 0;
    have.nskipped = 0;
    cr_assert_eq(zs_plan(&want, &have, &p), 0);
    text = plan_text_of(&p, true);
    cr_expect_null(strstr(text, "WARNING"), "%s", text);
    cr_expect_null(strstr(text, "SKIPPED"), "%s", text);
    free(text);
    j = zs_plan_json(&p);
    cr_expect(json_is_false(json_object_get(j, "complete")) == 0);
    cr_expect_eq(
        json_integer_value(json_object_get(json_object_get(j, "skipped"), "count")), 0);
    json_decref(j);
    zs_plan_free(&p);
    want.skipped = saved_w;
    want.nskipped = nw;
    have.skipped = saved_h;
    have.nskipped = nh;
    zs_zone_free(&want);
    zs_zone_free(&have);
}

Test(zonesync, identical_zones_plan_nothing)
{
    zs_zone_t a;
    zs_zone_t b;
    zs_plan_t p;
    char *text;

    load_ok(existing_zone, NULL, &a, NULL);
    load_ok(existing_zone, NULL, &b, NULL);
    cr_assert_eq(zs_plan(&a, &b, &p), 0);
    cr_expect_eq(p.n, 0);
    cr_expect_eq(p.unchanged, 16);
    cr_expect_eq(zs_plan_check(&p, 0, 0, NULL, 0), 0);
    text = plan_text(&p);
    cr_expect_str_eq(text,
                     "plan: 0 creates, 0 updates, 0 deletes, 16 unchanged (16 RRsets on "
                     "the target)\n");
    free(text);
    zs_plan_free(&p);
    zs_zone_free(&a);
    zs_zone_free(&b);
}

Test(zonesync, empty_sides)
{
    zs_zone_t full;
    zs_zone_t empty;
    zs_plan_t p;

    load_ok("a A 192.0.2.1\nb A 192.0.2.2\n", "example.test", &full, NULL);
    load_ok("; nothing\n", "example.test", &empty, NULL);
    cr_expect_eq(empty.n, 0);
    cr_assert_eq(zs_plan(&empty, &full, &p), 0);
    cr_expect_eq(p.deletes, 2);
    cr_expect_eq(p.n, 2);
    zs_plan_free(&p);
    cr_assert_eq(zs_plan(&full, &empty, &p), 0);
    cr_expect_eq(p.creates, 2);
    cr_expect_eq(p.existing, 0);
    zs_plan_free(&p);
    cr_assert_eq(zs_plan(&empty, &empty, &p), 0);
    cr_expect_eq(p.n, 0);
    cr_expect_null(p.changes);
    zs_plan_free(&p);
    zs_zone_free(&full);
    zs_zone_free(&empty);
}

/* A CNAME cannot sit beside other data: the delete that makes room comes
 * just before the create, the other deletes stay at the end. */
Test(zonesync, cname_swaps_delete_first)
{
    zs_zone_t want;
    zs_zone_t have;
    zs_plan_t p;
    char *text;

    load_ok("alias CNAME www\nhost A 192.0.2.2\nwww A 192.0.2.1\n", "example.test", &want,
            NULL);
    load_ok("alias A 192.0.2.9\nalias TXT \"t\"\nhost CNAME www\nold A 192.0.2.8\n"
            "www A 192.0.2.1\n",
            "example.test", &have, NULL);
    cr_assert_eq(zs_plan(&want, &have, &p), 0);
    text = plan_text(&p);
    cr_expect_str_eq(text,
                     "- delete alias.example.test. A 3600 192.0.2.9\n"
                     "- delete alias.example.test. TXT 3600 \"t\"\n"
                     "+ create alias.example.test. CNAME 3600 www.example.test.\n"
                     "- delete host.example.test. CNAME 3600 www.example.test.\n"
                     "+ create host.example.test. A 3600 192.0.2.2\n"
                     "- delete old.example.test. A 3600 192.0.2.8\n"
                     "plan: 2 creates, 0 updates, 4 deletes, 1 unchanged (5 RRsets "
                     "on the target)\n",
                     "%s", text);
    free(text);
    zs_plan_free(&p);
    zs_zone_free(&want);
    zs_zone_free(&have);
}

/* Canonical order (RFC 4034 6.1): by labels from the root, not by text. */
Test(zonesync, canonical_name_order)
{
    zs_zone_t want;
    zs_zone_t have;
    zs_plan_t p;
    static const char *const names[] = {
        "example.test.",        "a.example.test.",      "yljkjljk.a.example.test.",
        "Z.a.example.test.",    "zABC.a.example.test.", "*.z.example.test.",
        "\\200.z.example.test."};
    size_t i;

    load_ok("\\200.z A 192.0.2.1\nzABC.a A 192.0.2.1\n*.z A 192.0.2.1\n"
            "Z.a A 192.0.2.1\n@ A 192.0.2.1\nyljkjljk.a A 192.0.2.1\na A 192.0.2.1\n",
            "example.test", &want, NULL);
    load_ok("", "example.test", &have, NULL);
    cr_assert_eq(zs_plan(&want, &have, &p), 0);
    cr_assert_eq(p.n, 7);
    for (i = 0; i < p.n; i++) {
        char canon[RDATA_NAME_TEXT_MAX];
        cr_assert_eq(rdata_name_canon(names[i], canon, sizeof(canon)), 0);
        cr_expect_str_eq(p.changes[i].want->name, canon, "position %zu", i);
    }
    zs_plan_free(&p);
    zs_zone_free(&want);
    zs_zone_free(&have);
}

Test(zonesync, plan_refuses_bad_input)
{
    zs_zone_t a;
    zs_zone_t b;
    zs_plan_t p;
    zs_rrset_t twice[2];
    char *v = (char *)"192.0.2.1";
    zs_zone_t dup = {.origin = (char *)"example.test.", .sets = twice, .n = 2};

    load_ok("a A 192.0.2.1\n", "example.test", &a, NULL);
    load_ok("a A 192.0.2.1\n", "other.test", &b, NULL);
    cr_expect_eq(zs_plan(&a, &b, &p), DP_EUSAGE);
    cr_expect_eq(p.n, 0);
    memset(twice, 0, sizeof(twice));
    twice[0].name = (char *)"x.example.test.";
    twice[0].type = RDATA_T_A;
    twice[0].values = &v;
    twice[0].nvalues = 1;
    twice[1] = twice[0];
    twice[1].name = (char *)"X.example.test";
    cr_expect_eq(zs_plan(&dup, &a, &p), DP_EUSAGE);
    cr_expect_eq(zs_plan(&a, &dup, &p), DP_EUSAGE);
    zs_zone_free(&a);
    zs_zone_free(&b);
}

/* A zone built by hand: names without the trailing dot, sets out of order,
 * values unsorted; the plan sorts and compares sets itself. */
Test(zonesync, hand_built_zones_need_no_order)
{
    char *v2[] = {(char *)"192.0.2.2", (char *)"192.0.2.1"};
    char *v1[] = {(char *)"192.0.2.1"};
    zs_rrset_t sets[2] = {
        {.name = (char *)"www.example.test",
         .type = RDATA_T_A,
         .ttl = 3600,
         .values = v2,
         .nvalues = 2},
        {.name = (char *)"a.example.test.",
         .type = RDATA_T_A,
         .ttl = 3600,
         .values = v1,
         .nvalues = 1},
    };
    zs_zone_t want = {.origin = (char *)"example.test.", .sets = sets, .n = 2};
    zs_zone_t have;
    zs_plan_t p;

    load_ok("www A 192.0.2.1\nwww A 192.0.2.2\na A 192.0.2.9\n", "example.test", &have,
            NULL);
    cr_assert_eq(zs_plan(&want, &have, &p), 0);
    cr_expect_eq(p.unchanged, 1);
    cr_expect_eq(p.updates, 1);
    cr_assert_eq(p.n, 1);
    cr_expect_eq(p.changes[0].want, &sets[1]);
    zs_plan_free(&p);
    zs_zone_free(&have);
}

/* ---- safety ------------------------------------------------------------------- */

static zs_plan_t counts(size_t existing, size_t updates, size_t deletes)
{
    zs_plan_t p;

    memset(&p, 0, sizeof(p));
    p.existing = existing;
    p.updates = updates;
    p.deletes = deletes;
    return p;
}

Test(zonesync, safety_thresholds)
{
    char why[256];
    zs_plan_t p;

    p = counts(20, 0, 12);
    cr_expect_eq(zs_plan_check(&p, 30, 30, why, sizeof(why)), DP_EUSAGE);
    cr_expect_str_eq(why, "plan deletes 12 of 20 existing RRsets (60%) > max_delete_pct "
                          "30: use --force to apply it");
    p = counts(20, 7, 0);
    cr_expect_eq(zs_plan_check(&p, 30, 30, why, sizeof(why)), DP_EUSAGE);
    cr_expect_str_eq(why, "plan updates 7 of 20 existing RRsets (35%) > max_update_pct "
                          "30: use --force to apply it");
    p = counts(30, 10, 11);
    cr_expect_eq(zs_plan_check(&p, 30, 30, why, sizeof(why)), DP_EUSAGE);
    cr_expect_str_eq(why,
                     "plan updates 10 of 30 existing RRsets (33.3%) > max_update_pct "
                     "30; deletes 11 of 30 existing RRsets (36.7%) > max_delete_pct "
                     "30: use --force to apply it");
    /* at the threshold is safe (octoDNS: "> max") */
    p = counts(10, 3, 3);
    cr_expect_eq(zs_plan_check(&p, 30, 30, why, sizeof(why)), 0);
    cr_expect_str_eq(why, "");
    p = counts(10, 3, 4);
    cr_expect_eq(zs_plan_check(&p, 30, 30, why, sizeof(why)), DP_EUSAGE);
    /* 100 allows everything; 0 allows nothing */
    p = counts(50, 50, 50);
    cr_expect_eq(zs_plan_check(&p, 100, 100, why, sizeof(why)), 0);
    p = counts(50, 1, 0);
    cr_expect_eq(zs_plan_check(&p, 0, 100, why, sizeof(why)), DP_EUSAGE);
    /* a short buffer is cut, not overrun */
    p = counts(20, 0, 12);
    cr_expect_eq(zs_plan_check(&p, 30, 30, why, 10), DP_EUSAGE);
    cr_expect_str_eq(why, "plan dele");
    cr_expect_eq(zs_plan_check(&p, 30, 30, NULL, 0), DP_EUSAGE);
    cr_expect_eq(zs_plan_check(&p, -1, 30, why, sizeof(why)), -EINVAL);
    cr_expect_eq(zs_plan_check(&p, 30, NAN, why, sizeof(why)), -EINVAL);
}

/* octoDNS's MIN_EXISTING_RECORDS: fewer than 10 RRsets on the target, no
 * thresholds. */
Test(zonesync, small_zones_are_exempt)
{
    char why[256];
    zs_plan_t p;

    p = counts(9, 9, 9);
    cr_expect_eq(zs_plan_check(&p, 0, 0, why, sizeof(why)), 0);
    p = counts(0, 0, 0);
    cr_expect_eq(zs_plan_check(&p, 0, 0, why, sizeof(why)), 0);
    p = counts(ZS_MIN_EXISTING, 0, 1);
    cr_expect_eq(zs_plan_check(&p, 0, 0, why, sizeof(why)), DP_EUSAGE);
}

/* The thresholds on a real plan: 3 updates and 2 deletes of 15. */
Test(zonesync, safety_on_a_loaded_plan)
{
    zs_zone_t want;
    zs_zone_t have;
    zs_plan_t p;
    char why[256];

    load_ok(desired_zone, NULL, &want, NULL);
    load_ok(existing_zone, NULL, &have, NULL);
    cr_assert_eq(zs_plan(&want, &have, &p), 0);
    cr_expect_eq(zs_plan_check(&p, ZS_DEFAULT_MAX_UPDATE_PCT, ZS_DEFAULT_MAX_DELETE_PCT,
                               why, sizeof(why)),
                 0);
    cr_expect_eq(zs_plan_check(&p, 20, 30, why, sizeof(why)), 0);
    cr_expect_eq(zs_plan_check(&p, 15, 30, why, sizeof(why)), DP_EUSAGE);
    cr_expect_str_eq(why, "plan updates 3 of 16 existing RRsets (18.8%) > max_update_pct "
                          "15: use --force to apply it");
    cr_expect_eq(zs_plan_check(&p, 30, 10, why, sizeof(why)), DP_EUSAGE);
    cr_expect_str_eq(why, "plan deletes 2 of 16 existing RRsets (12.5%) > max_delete_pct "
                          "10: use --force to apply it");
    zs_plan_free(&p);
    zs_zone_free(&want);
    zs_zone_free(&have);
}

/* ---- AXFR arguments (the transfers themselves: tests/cli/test_zonesync.sh) --- */

Test(zonesync, axfr_argument_errors)
{
    zs_zone_t z;
    char err[512];

    cr_expect_eq(zs_zone_axfr("nowhere", "example.test", NULL, &z, err, sizeof(err)),
                 DP_EBADADDR);
    cr_expect_str_eq(err, "zonesync: server 'nowhere' is not an IPv4/IPv6 address with "
                          "optional port (ADDR, ADDR:PORT, [ADDR6]:PORT)");
    cr_expect_eq(zs_zone_axfr("127.0.0.1:53", "a..b", NULL, &z, err, sizeof(err)),
                 DP_EBADNAME);
    cr_expect_str_eq(err, "zonesync: zone 'a..b' is not a domain name");
    cr_expect_eq(zs_zone_axfr("127.0.0.1:53", "example.test", "hmac-sha384:k:c2VjcmV0",
                              &z, err, sizeof(err)),
                 DP_EPARSE);
    cr_expect_str_eq(err,
                     "zonesync: tsig key: algorithm 'hmac-sha384' is not one ldns "
                     "can sign with (hmac-sha256, hmac-sha512, hmac-sha1, hmac-md5)");
    cr_expect_eq(zs_zone_axfr("127.0.0.1:53", "example.test", "k:not*base64", &z, err,
                              sizeof(err)),
                 DP_EPARSE);
    cr_expect_str_eq(err, "zonesync: tsig key: the secret of key 'k' is not base64 (RFC "
                          "4648); copy it from the primary's key");
    cr_expect_eq(
        zs_zone_axfr("127.0.0.1:53", "example.test", "nocolon", &z, err, sizeof(err)),
        DP_EPARSE);
    cr_expect_eq(z.n, 0);
}

/* ---- zone cuts (zonecut.h) ------------------------------------------------------ */

static const char *cut_zone =
    "$ORIGIN cut.test.\n"
    "$TTL 300\n"
    "@ SOA ns hostmaster 1 2 3 4 5\n"
    "@ NS ns\n"
    "ns A 192.0.2.1\n"
    "www A 192.0.2.2\n"
    "sub NS ns.sub\n"
    "sub NS sub\n"
    "sub NS ns.elsewhere.example.\n"
    "sub DS 12345 8 2 "
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
    "sub A 192.0.2.3\n"
    "sub TXT \"beside the NS\"\n"
    "ns.sub A 192.0.2.4\n"
    "ns.sub AAAA 2001:db8::4\n"
    "ns.sub TXT \"not glue\"\n"
    "www.sub A 192.0.2.5\n"
    "*.sub A 192.0.2.6\n"
    "deep.sub NS ns.deep.sub\n"
    "ns.deep.sub A 192.0.2.7\n"
    "a\\.sub A 192.0.2.8\n"
    "x.a\\.sub A 192.0.2.9\n"
    "sub2 NS ns.sub\n"
    "ns.sub2 A 192.0.2.10\n";

static void measured(const zs_cuts_t *c, const char *name, uint16_t type,
                     zs_measure_t want, const char *want_cut)
{
    const char *cut = "unset";
    zs_measure_t m = zs_cuts_measure(c, name, type, &cut);

    cr_expect_eq(m, want, "%s %u: %s, expected %s", name, (unsigned)type,
                 zs_measure_str(m), zs_measure_str(want));
    if (want_cut == NULL)
        cr_expect_null(cut, "%s %u: cut %s", name, (unsigned)type, cut);
    else
        cr_expect(cut != NULL && strcmp(cut, want_cut) == 0, "%s %u: cut %s, expected %s",
                  name, (unsigned)type, cut != NULL ? cut : "(null)", want_cut);
}

/* RFC 1034 4.2.1 and 4.3.2: what a server answers at and below a cut. */
Test(zonesync, zone_cuts_classify)
{
    zs_zone_t z;
    zs_cuts_t *c = NULL;

    load_ok(cut_zone, NULL, &z, NULL);
    cr_assert_eq(zs_cuts_build(&z, &c), 0);
    measured(c, "cut.test.", RDATA_T_NS, ZS_BY_ANSWER, NULL); /* the apex */
    measured(c, "www.cut.test.", RDATA_T_A, ZS_BY_ANSWER, NULL);
    measured(c, "sub.cut.test.", RDATA_T_NS, ZS_BY_REFERRAL, "sub.cut.test.");
    measured(c, "sub.cut.test.", RDATA_T_DS, ZS_BY_ANSWER, NULL); /* the parent's */
    measured(c, "sub.cut.test.", RDATA_T_A, ZS_BY_GLUE, "sub.cut.test."); /* NS sub */
    measured(c, "sub.cut.test.", RDATA_T_TXT, ZS_BY_SERIAL, "sub.cut.test.");
    measured(c, "ns.sub.cut.test.", RDATA_T_A, ZS_BY_GLUE, "sub.cut.test.");
    measured(c, "ns.sub.cut.test.", RDATA_T_AAAA, ZS_BY_GLUE, "sub.cut.test.");
    measured(c, "ns.sub.cut.test.", RDATA_T_TXT, ZS_BY_SERIAL, "sub.cut.test.");
    measured(c, "www.sub.cut.test.", RDATA_T_A, ZS_BY_SERIAL, "sub.cut.test.");
    measured(c, "*.sub.cut.test.", RDATA_T_A, ZS_BY_SERIAL, "sub.cut.test.");
    /* a cut under a cut is the child's data: occluded, NS and glue alike */
    measured(c, "deep.sub.cut.test.", RDATA_T_NS, ZS_BY_SERIAL, "sub.cut.test.");
    measured(c, "ns.deep.sub.cut.test.", RDATA_T_A, ZS_BY_SERIAL, "sub.cut.test.");
    /* "a\.sub" is one label: a sibling of sub, not under it */
    measured(c, "a\\.sub.cut.test.", RDATA_T_A, ZS_BY_ANSWER, NULL);
    measured(c, "x.a\\.sub.cut.test.", RDATA_T_A, ZS_BY_ANSWER, NULL);
    /* sub2's NS is under sub: sub2's own name server address is not its glue */
    measured(c, "sub2.cut.test.", RDATA_T_NS, ZS_BY_REFERRAL, "sub2.cut.test.");
    measured(c, "ns.sub2.cut.test.", RDATA_T_A, ZS_BY_SERIAL, "sub2.cut.test.");
    zs_cuts_free(c);
    zs_zone_free(&z);
}

/* The root as origin: every TLD is a cut. */
Test(zonesync, zone_cuts_under_the_root)
{
    zs_zone_t z;
    zs_cuts_t *c = NULL;

    load_ok(". SOA a.root. b.root. 1 2 3 4 5\n"
            ". NS a.root-servers.net.\n"
            "xn--0zwm56d. NS a.iana-servers.net.\n"
            "example. NS ns.example.\n"
            "ns.example. A 192.0.2.1\n",
            ".", &z, NULL);
    cr_assert_eq(zs_cuts_build(&z, &c), 0);
    measured(c, ".", RDATA_T_NS, ZS_BY_ANSWER, NULL);
    measured(c, "xn--0zwm56d.", RDATA_T_NS, ZS_BY_REFERRAL, "xn--0zwm56d.");
    measured(c, "xn--0zwm56d.", RDATA_T_DS, ZS_BY_ANSWER, NULL);
    measured(c, "ns.example.", RDATA_T_A, ZS_BY_GLUE, "example.");
    measured(c, "www.example.", RDATA_T_A, ZS_BY_SERIAL, "example.");
    zs_cuts_free(c);
    zs_zone_free(&z);
}

/* The plan says, per change and in JSON, how changes below cuts are seen;
 * a delete is judged in the zone it leaves. */
Test(zonesync, plan_says_how_cuts_are_measured)
{
    zs_zone_t want;
    zs_zone_t have;
    zs_plan_t p;
    char *text;
    json_t *j;
    json_t *bc;

    load_ok("$ORIGIN c.test.\n@ SOA ns h 2 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n"
            "sub NS ns.sub\nns.sub A 192.0.2.4\nwww.sub A 192.0.2.5\n",
            NULL, &want, NULL);
    load_ok("$ORIGIN c.test.\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n"
            "old NS ns.old\nns.old A 192.0.2.9\nx.old TXT gone\n",
            NULL, &have, NULL);
    cr_assert_eq(zs_plan(&want, &have, &p), 0);
    text = plan_text_of(&p, true);
    cr_expect(strstr(text, "+ create www.sub.c.test. A 3600 192.0.2.5  [occluded below "
                           "sub.c.test.: measured by the zone's SOA serial]\n") != NULL,
              "%s", text);
    cr_expect(strstr(text, "- delete x.old.c.test. TXT 3600 \"gone\"  [occluded below "
                           "old.c.test.: measured by the zone's SOA serial]\n") != NULL,
              "%s", text);
    cr_expect(strstr(text,
                     "- delete ns.old.c.test. A 3600 192.0.2.9  [glue of old.c.test.: "
                     "measured by the referral's additional section]\n") != NULL,
              "%s", text);
    cr_expect(strstr(text,
                     "below zone cuts (RFC 1034 4.2.1; servers answer with a "
                     "referral): 1 delegation measured by the referral's NS set, 1 "
                     "glue RRset by its additional section, 1 occluded RRset by the "
                     "zone's SOA serial\n    www.sub.c.test. A (occluded below "
                     "sub.c.test.)\n") != NULL,
              "%s", text);
    free(text);
    j = zs_plan_json(&p);
    cr_assert_not_null(j);
    bc = json_object_get(j, "below_cuts");
    cr_expect_eq(
        json_integer_value(json_object_get(json_object_get(bc, "serial"), "count")), 1);
    cr_expect_str_eq(
        json_string_value(json_object_get(
            json_array_get(json_object_get(json_object_get(bc, "glue"), "rrsets"), 0),
            "rrset")),
        "ns.sub.c.test. A");
    for (size_t i = 0; i < json_array_size(json_object_get(j, "changes")); i++) {
        json_t *ch = json_array_get(json_object_get(j, "changes"), i);
        const char *m = json_string_value(json_object_get(ch, "measured_by"));
        cr_expect_not_null(m);
        cr_expect_eq(json_object_get(ch, "cut") != NULL, strcmp(m, "answer") != 0);
    }
    json_decref(j);
    zs_plan_free(&p);
    zs_zone_free(&want);
    zs_zone_free(&have);
}
