/*
 * Multi-source convergence (NetDNS semantics): missing and overpresent
 * relative to a master, ABSENT records at the master, the source none,
 * records differing only in TTL or case, CSV errors; the intended state
 * of a campaign as records (assess_live.h): canonical values, zones as
 * SOAs, ABSENT records, checks; finding the newest campaign's file.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/common/errcode.h"
#include "plot/assess/assess.h"
#include "plot/assess/assess_live.h"

static char path[64];

static void load(const char *csv, assess_set_t *set)
{
    char err[512];
    int fd;
    FILE *f;

    snprintf(path, sizeof(path), "/tmp/dnsprop-assess-XXXXXX");
    fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    f = fdopen(fd, "w");
    fputs(csv, f);
    fclose(f);
    cr_assert_eq(assess_load_csv(path, set, err, sizeof(err)), 0, "%s", err);
    unlink(path);
}

static size_t count(json_t *res, const char *list, const char *source)
{
    return json_array_size(json_object_get(json_object_get(res, list), source));
}

#define HDR "source,presence,name,type,class,ttl,rdata\n"

Test(assess, converged_sources)
{
    assess_set_t set;
    json_t *res = NULL;
    char err[256];

    load(HDR ",present,www.example.,A,IN,300,192.0.2.1\n"
             "knot,present,WWW.Example,A,,60,192.0.2.1\n" /* case, dot, TTL differ */
             "bind,present,www.example.,A,IN,300,192.0.2.1\n",
         &set);
    cr_assert_eq(assess_run(&set, "", &res, err, sizeof(err)), 0, "%s", err);
    cr_expect(json_is_true(json_object_get(res, "converged")));
    cr_expect_eq(json_object_size(json_object_get(res, "missing")), 0);
    cr_expect_eq(json_object_size(json_object_get(res, "overpresent")), 0);
    json_decref(res);
    assess_set_free(&set);
}

/* Every type's rdata is compared in canonical form (probes/rdata.h): CAA
 * tag case (RFC 8659 4.1), hex case, \# form; a CAA value's case is not
 * folded, so bind's differs. */
Test(assess, every_type_in_canonical_form)
{
    assess_set_t set;
    json_t *res = NULL;
    char err[256];

    load(HDR ",present,c.example.,CAA,IN,300,\"0 issue \"\"ca.example\"\"\"\n"
             ",present,s.example.,SSHFP,IN,300,1 1 abcdef\n"
             ",present,u.example.,TYPE65534,IN,300,\\# 2 0a0b\n"
             "knot,present,c.example.,CAA,IN,300,\"0 ISSUE \"\"ca.example\"\"\"\n"
             "knot,present,s.example.,SSHFP,IN,300,\\# 5 0101ABCDEF\n"
             "knot,present,u.example.,TYPE65534,IN,300,\\# 2 0A0B\n"
             "bind,present,c.example.,CAA,IN,300,\"0 issue \"\"CA.example\"\"\"\n"
             "bind,present,s.example.,SSHFP,IN,300,1 1 ABCDEF\n"
             "bind,present,u.example.,TYPE65534,IN,300,\\# 2 0a0b\n",
         &set);
    cr_assert_eq(assess_run(&set, "", &res, err, sizeof(err)), 0, "%s", err);
    cr_expect(json_is_false(json_object_get(res, "converged")));
    cr_expect_eq(count(res, "missing", "knot"), 0);
    cr_expect_eq(count(res, "overpresent", "knot"), 0);
    cr_expect_eq(count(res, "missing", "bind"), 1);
    cr_expect_eq(count(res, "overpresent", "bind"), 1);
    json_decref(res);
    assess_set_free(&set);
}

Test(assess, missing_and_overpresent)
{
    assess_set_t set;
    json_t *res = NULL;
    char err[256];
    json_t *m;

    load(HDR "master,present,a.example.,A,IN,300,192.0.2.1\n"
             "master,present,a.example.,A,IN,300,192.0.2.2\n"
             "master,absent,old.example.,TXT,IN,300,\"gone\"\n"
             "knot,present,a.example.,A,IN,300,192.0.2.1\n" /* lacks .2 */
             "knot,present,old.example.,TXT,IN,300,gone\n"  /* must be ABSENT */
             "knot,present,extra.example.,AAAA,IN,300,2001:DB8::1\n"
             "nsd,present,a.example.,A,IN,300,192.0.2.1\n"
             "nsd,present,a.example.,A,IN,300,192.0.2.2\n"
             "nsd,absent,old.example.,TXT,IN,300,gone\n",
         &set);
    cr_assert_eq(assess_run(&set, "master", &res, err, sizeof(err)), 0, "%s", err);
    cr_expect(json_is_false(json_object_get(res, "converged")));
    cr_expect_eq(count(res, "missing", "knot"), 1);
    m = json_array_get(json_object_get(json_object_get(res, "missing"), "knot"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(m, "rdata")), "192.0.2.2");
    cr_expect_str_eq(json_string_value(json_object_get(m, "source")), "knot");
    cr_expect_eq(count(res, "overpresent", "knot"), 2,
                 "the ABSENT TXT and the extra AAAA");
    cr_expect_eq(count(res, "missing", "nsd"), 0, "nsd has both values");
    cr_expect_eq(count(res, "overpresent", "nsd"), 0, "an ABSENT row is not a presence");
    json_decref(res);
    assess_set_free(&set);
}

Test(assess, named_master_and_source_none)
{
    assess_set_t set;
    json_t *res = NULL;
    char err[256];

    load(HDR ",present,x.example.,MX,IN,,10 Mail.Example\n"
             "primary,present,x.example.,MX,IN,,10 mail.example.\n"
             "knot,present,x.example.,MX,IN,,20 mail.example.\n",
         &set);
    cr_assert_eq(assess_run(&set, "primary", &res, err, sizeof(err)), 0, "%s", err);
    cr_expect_eq(count(res, "missing", ""), 0, "the source none agrees with the primary");
    cr_expect_eq(count(res, "missing", "knot"), 1);
    cr_expect_eq(count(res, "overpresent", "knot"), 1);
    json_decref(res);
    cr_expect_lt(assess_run(&set, "nobody", &res, err, sizeof(err)), 0);
    cr_expect(strstr(err, "nobody") != NULL, "%s", err);
    assess_set_free(&set);
}

Test(assess, csv_errors_name_line_and_field)
{
    assess_set_t set;
    char err[512];
    int fd;
    FILE *f;

    snprintf(path, sizeof(path), "/tmp/dnsprop-assess-XXXXXX");
    fd = mkstemp(path);
    f = fdopen(fd, "w");
    fputs(HDR ",present,a.example.,A,IN,60,192.0.2.1\nknot,maybe,a.example.,A,IN,60,"
              "192.0.2.1\n",
          f);
    fclose(f);
    cr_expect_lt(assess_load_csv(path, &set, err, sizeof(err)), 0);
    cr_expect(strstr(err, ":3: field 'presence'") != NULL, "%s", err);
    f = fopen(path, "w");
    fputs(HDR "knot,present,a.example.,A,IN,60,192.0.2.300\n", f);
    fclose(f);
    cr_expect_lt(assess_load_csv(path, &set, err, sizeof(err)), 0);
    cr_expect(strstr(err, ":2: field 'rdata'") != NULL, "%s", err);
    unlink(path);
}

/* The driver's intended.json, as records of the source none. */
Test(assess, intended_records)
{
    assess_set_t set;
    json_t *in;
    json_error_t je;
    char err[256];
    size_t i;
    size_t present = 0;
    bool soa = false;
    bool txt = false;

    in = json_loads("{\"zones\": [{\"zone\": \"Z1.Example\", \"presence\": \"PRESENT\"},"
                    "  {\"zone\": \"z2.example.\", \"presence\": \"ABSENT\"}],"
                    " \"records\": ["
                    "  {\"name\": \"A.z1.example\", \"zone\": \"z1.example.\", \"type\": "
                    "\"txt\", \"presence\": \"PRESENT\", \"values\": [\"hello, world\", "
                    "\"\\\"hello, world\\\"\", \"\\\"b\\\"\"], \"ttl\": 60},"
                    "  {\"name\": \"b.z1.example.\", \"type\": \"AAAA\", \"presence\": "
                    "\"present\", \"values\": [\"2001:DB8:0::1\"]},"
                    "  {\"name\": \"c.z2.example.\", \"type\": \"A\", \"presence\": "
                    "\"ABSENT\"}]}",
                    0, &je);
    cr_assert_not_null(in, "%s", je.text);
    memset(&set, 0, sizeof(set));
    cr_assert_eq(assess_intended_records(in, "", &set, err, sizeof(err)), 0, "%s", err);
    /* SOA z1 + SOA z2 (absent) + 2 TXT (one duplicate dropped) + AAAA + A (absent) */
    cr_expect_eq(set.n, 6);
    for (i = 0; i < set.n; i++) {
        const assess_rec_t *r = &set.recs[i];
        cr_expect_str_eq(r->source, "");
        cr_expect_str_eq(r->klass, "IN");
        present += r->present;
        if (r->type == 6 && strcmp(r->name, "z1.example.") == 0)
            soa = r->present && strcmp(r->rdata, ASSESS_ANY_RDATA) == 0;
        if (r->type == 16 && strcmp(r->rdata, "\"hello, world\"") == 0)
            txt = strcmp(r->name, "a.z1.example.") == 0 && r->ttl == 60;
        if (r->type == 28)
            cr_expect_str_eq(r->rdata, "2001:db8::1");
        if (r->type == 1)
            cr_expect(!r->present, "ABSENT as stated");
    }
    cr_expect_eq(present, 4);
    cr_expect(soa, "a PRESENT zone is its SOA, contents not compared");
    cr_expect(txt, "values canonical, names lower-cased, TTL kept");
    /* and assess_run takes it as the master */
    {
        json_t *res = NULL;
        cr_expect_eq(assess_run(&set, "", &res, err, sizeof(err)), 0, "%s", err);
        json_decref(res);
    }
    assess_set_free(&set);
    json_decref(in);
}

static void intended_bad(const char *text, const char *want)
{
    assess_set_t set;
    json_t *in = json_loads(text, 0, NULL);
    char err[256] = "";

    cr_assert_not_null(in, "%s", text);
    memset(&set, 0, sizeof(set));
    cr_expect_eq(assess_intended_records(in, "", &set, err, sizeof(err)), DP_EPARSE, "%s",
                 text);
    cr_expect(strstr(err, want) != NULL, "'%s' lacks '%s'", err, want);
    assess_set_free(&set);
    json_decref(in);
}

Test(assess, intended_errors_name_the_entry)
{
    intended_bad("[]", "not a JSON object");
    intended_bad("{\"zones\": {}}", "must be arrays");
    intended_bad("{\"zones\": [{\"zone\": \"a..b\", \"presence\": \"PRESENT\"}]}",
                 "zones[0]: zone");
    intended_bad("{\"zones\": [{\"zone\": \"z.\", \"presence\": \"maybe\"}]}",
                 "zones[0]: presence");
    intended_bad("{\"records\": [{\"name\": \"a.z.\", \"type\": \"NOPE\", "
                 "\"presence\": \"ABSENT\"}]}",
                 "records[0] (a.z.): type");
    intended_bad("{\"records\": [{\"name\": \"a.z.\", \"type\": \"A\", "
                 "\"presence\": \"PRESENT\"}]}",
                 "records[0] (a.z.): values");
    intended_bad("{\"records\": [{\"name\": \"a.z.\", \"type\": \"A\", "
                 "\"presence\": \"PRESENT\", \"values\": [\"192.0.2.300\"]}]}",
                 "values[0]: '192.0.2.300' is not valid");
    intended_bad("{\"records\": [{\"name\": \"a.z.\", \"type\": \"A\", "
                 "\"presence\": \"ABSENT\", \"ttl\": -1}]}",
                 "records[0] (a.z.): ttl");
}

static void touch_campaign(const char *dir, const char *id, bool with_file)
{
    char p[512];
    FILE *f;

    snprintf(p, sizeof(p), "%s/%s", dir, id);
    cr_assert_eq(mkdir(p, 0755), 0, "%s", p);
    if (!with_file)
        return;
    snprintf(p, sizeof(p), "%s/%s/intended.json", dir, id);
    f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs("{}\n", f);
    fclose(f);
}

Test(assess, intended_find_newest_campaign)
{
    char dir[] = "/tmp/dnsprop-assess-find-XXXXXX";
    char p[1024];
    char err[512];

    cr_assert_not_null(mkdtemp(dir));
    cr_expect_eq(assess_intended_find(dir, "qs", NULL, p, sizeof(p), err, sizeof(err)),
                 -ENOENT);
    cr_expect(strstr(err, "no campaign of scenario qs under") != NULL, "%s", err);
    cr_expect(strstr(err, "give --intended") != NULL, "%s", err);
    touch_campaign(dir, "qs-20260101T000000Z", true);
    touch_campaign(dir, "qs-20260102T000000Z", true);
    touch_campaign(dir, "qs-20260102T000000Z-2", true);
    touch_campaign(dir, "qs-20260102T000000Z-10", true);    /* 10 > 2, not as text */
    touch_campaign(dir, "qs-20260103T000000Z", false);      /* no intended.json */
    touch_campaign(dir, "qs-extra-20270101T000000Z", true); /* scenario qs-extra */
    touch_campaign(dir, "qs-2027", true);
    cr_assert_eq(assess_intended_find(dir, "qs", NULL, p, sizeof(p), err, sizeof(err)), 0,
                 "%s", err);
    cr_expect(strstr(p, "/qs-20260102T000000Z-10/intended.json") != NULL, "%s", p);
    cr_assert_eq(assess_intended_find(dir, "qs", "qs-20260101T000000Z", p, sizeof(p), err,
                                      sizeof(err)),
                 0, "%s", err);
    cr_expect(strstr(p, "/qs-20260101T000000Z/intended.json") != NULL, "%s", p);
    cr_expect_eq(assess_intended_find(dir, "qs", "qs-20260103T000000Z", p, sizeof(p), err,
                                      sizeof(err)),
                 -ENOENT);
    cr_expect(strstr(err, "campaign qs-20260103T000000Z has no intended state") != NULL,
              "%s", err);
    cr_expect_eq(assess_intended_find(dir, "qs", "../x", p, sizeof(p), err, sizeof(err)),
                 -ENOENT);
    cr_expect_eq(assess_intended_find("/nonexistent-dnsprop", "qs", NULL, p, sizeof(p),
                                      err, sizeof(err)),
                 -ENOENT);
    snprintf(p, sizeof(p), "rm -rf '%s'", dir);
    cr_expect_eq(system(p), 0);
}

/* ---- the hashed assessment against the pairwise one it replaced ---------- */

static bool ref_same(const assess_rec_t *a, const assess_rec_t *b)
{
    return a->type == b->type && strcmp(a->name, b->name) == 0 &&
           strcmp(a->klass, b->klass) == 0 && strcmp(a->rdata, b->rdata) == 0;
}

static bool ref_present_at(const assess_set_t *set, const char *source,
                           const assess_rec_t *r)
{
    for (size_t i = 0; i < set->n; i++) {
        const assess_rec_t *x = &set->recs[i];
        if (x->present && strcmp(x->source, source) == 0 && ref_same(x, r))
            return true;
    }
    return false;
}

/* The old O(sources x records^2) definition, as (source, list, index)
 * lines in the order it reported them. */
static void reference(const assess_set_t *set, const char *master, char *out, size_t len)
{
    size_t o = 0;

    out[0] = '\0';
    for (size_t i = 0; i < set->n; i++) {
        const char *src = set->recs[i].source;
        bool first = true;
        if (strcmp(src, master) == 0)
            continue;
        for (size_t j = 0; j < i && first; j++)
            first = strcmp(set->recs[j].source, src) != 0;
        if (!first)
            continue;
        for (size_t j = 0; j < set->n; j++) {
            const assess_rec_t *m = &set->recs[j];
            if (strcmp(m->source, master) == 0 && m->present &&
                !ref_present_at(set, src, m))
                o += (size_t)snprintf(out + o, len - o, "%s missing %s %s\n", src,
                                      m->name, m->rdata);
        }
        for (size_t j = 0; j < set->n; j++) {
            const assess_rec_t *x = &set->recs[j];
            bool dup = false;
            if (strcmp(x->source, src) != 0 || !x->present ||
                ref_present_at(set, master, x))
                continue;
            for (size_t k = 0; k < j && !dup; k++)
                dup = set->recs[k].present && strcmp(set->recs[k].source, src) == 0 &&
                      ref_same(&set->recs[k], x);
            if (!dup)
                o += (size_t)snprintf(out + o, len - o, "%s overpresent %s %s\n", src,
                                      x->name, x->rdata);
        }
    }
}

/* The result as reference() prints it: per source in the input's order,
 * its missing records, then its overpresent ones. */
static void lines_of(json_t *res, const assess_set_t *set, char *out, size_t len)
{
    json_t *lists[2] = {json_object_get(res, "missing"),
                        json_object_get(res, "overpresent")};
    json_t *done = json_object();
    json_t *r;
    size_t o = 0, i, k;

    out[0] = '\0';
    for (k = 0; k < set->n; k++) {
        const char *src = set->recs[k].source;
        if (json_object_get(done, src) != NULL)
            continue;
        json_object_set_new(done, src, json_true());
        for (int l = 0; l < 2; l++) {
            json_array_foreach(json_object_get(lists[l], src), i, r)
            {
                o += (size_t)snprintf(out + o, len - o, "%s %s %s %s\n", src,
                                      l == 0 ? "missing" : "overpresent",
                                      json_string_value(json_object_get(r, "name")),
                                      json_string_value(json_object_get(r, "rdata")));
            }
        }
    }
    json_decref(done);
}

Test(assess, hashed_equals_pairwise_on_random_sets)
{
    static char want[1 << 16], got[1 << 16];
    const char *sources[] = {"m", "a", "b", "c"};
    const char *rdata[] = {"192.0.2.1", "192.0.2.2", "192.0.2.3"};
    unsigned seed = 7;

    for (int trial = 0; trial < 200; trial++) {
        assess_set_t set;
        size_t n = 1 + (size_t)(rand_r(&seed) % 40);
        json_t *res = NULL;
        char err[256];

        set.n = n;
        set.recs = calloc(n, sizeof(*set.recs));
        cr_assert_not_null(set.recs);
        for (size_t i = 0; i < n; i++) {
            char name[32];
            assess_rec_t *r = &set.recs[i];
            snprintf(name, sizeof(name), "n%u.example.", rand_r(&seed) % 4);
            /* the master first so that it is always there */
            r->source = strdup(i == 0 ? "m" : sources[rand_r(&seed) % 4]);
            r->present = rand_r(&seed) % 5 != 0;
            r->name = strdup(name);
            r->type = 1;
            r->klass = strdup("IN");
            r->rdata = strdup(rdata[rand_r(&seed) % 3]);
        }
        reference(&set, "m", want, sizeof(want));
        cr_assert_eq(assess_run(&set, "m", &res, err, sizeof(err)), 0, "%s", err);
        lines_of(res, &set, got, sizeof(got));
        cr_assert_str_eq(got, want, "trial %d:\ngot:\n%s\nwant:\n%s", trial, got, want);
        cr_assert_eq(json_is_true(json_object_get(res, "converged")), want[0] == '\0');
        json_decref(res);
        assess_set_free(&set);
    }
}
