/*
 * Multi-source convergence (NetDNS semantics): missing and overpresent
 * relative to a master, ABSENT records at the master, the source none,
 * records differing only in TTL or case, CSV errors.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plot/assess.h"

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
