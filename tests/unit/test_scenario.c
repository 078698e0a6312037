/*
 * Scenario files: the documented keys load; every error names the file,
 * the line, the section and the key.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/scenario/scenario.h"

static char path[64];

static void write_file(const char *text)
{
    int fd;
    FILE *f;

    snprintf(path, sizeof(path), "/tmp/dnsprop-scen-XXXXXX");
    fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
}

static const char *good = "[campaign]\n"
                          "name = quick\n"
                          "results = /tmp/res\n"
                          "seed = 42 ; reproducible\n"
                          "[target pdns]\n"
                          "type = powerdns\n"
                          "url = http://127.0.0.1:8081/api/v1/servers/localhost\n"
                          "api_key = secret\n"
                          "[nameserver primary]\n"
                          "address = 127.0.0.1:5301\n"
                          "role = primary\n"
                          "[nameserver knot]\n"
                          "address = [::1]:5302\n"
                          "[probe]\n"
                          "frequency = 0.1\n"
                          "timeout = 30\n"
                          "threads = 2\n"
                          "[phase main]\n"
                          "zones = 5\n"
                          "zone_suffix = Example.Test\n"
                          "duration = 60\n"
                          "rate = 5..100\n"
                          "mix = record_create:6 record_update:3 record_delete:1\n"
                          "record_types = A AAAA TXT\n"
                          "[slo]\n"
                          "p99 = 5.0\n"
                          "max_timeouts = 0\n"
                          "converged = yes\n";

Test(scenario, documented_keys_load)
{
    scenario_t sc;
    char err[512];

    write_file(good);
    cr_assert_eq(scenario_load(path, &sc, err, sizeof(err)), 0, "%s", err);
    cr_expect_str_eq(sc.name, "quick");
    cr_expect_eq(sc.seed, 42);
    cr_expect_eq(sc.ntargets, 1);
    cr_expect_str_eq(sc.targets[0].api_key, "secret");
    cr_expect_eq(sc.nns, 2);
    cr_expect_eq(sc.ns[0].role, NS_PRIMARY);
    cr_expect_eq(sc.ns[1].role, NS_SECONDARY, "secondary by default");
    cr_expect_str_eq(sc.ns[1].addr.text, "[::1]:5302");
    cr_expect_eq(scenario_ns_target(&sc, &sc.ns[1]), &sc.targets[0], "the only target");
    cr_expect_eq(sc.nphases, 1);
    cr_expect_str_eq(sc.phases[0].zone_suffix, "example.test.");
    cr_expect_float_eq(sc.phases[0].rate_from, 5, 1e-9);
    cr_expect_float_eq(sc.phases[0].rate_to, 100, 1e-9);
    cr_expect_eq(sc.phases[0].mix[OP_RECORD_CREATE], 6);
    cr_expect_eq(sc.phases[0].mix[OP_RECORD_DELETE], 1);
    cr_expect_eq(sc.phases[0].ntypes, 3);
    cr_expect(sc.has_p99 && sc.slo_p99 == 5.0);
    cr_expect(sc.has_max_timeouts && sc.slo_max_timeouts == 0);
    cr_expect(sc.slo_converged);
    scenario_free(&sc);
    unlink(path);
}

/* Replace the line starting with `what` in the good file by `with`, load,
 * and expect an error mentioning line `line` and `needle`. */
static void expect_error(const char *what, const char *with, int line, const char *needle)
{
    char text[4096];
    char where[32];
    char err[512];
    scenario_t sc;
    const char *p = strstr(good, what);

    cr_assert_not_null(p, "no '%s' in the good file", what);
    snprintf(text, sizeof(text), "%.*s%s%s", (int)(p - good), good, with,
             strchr(p, '\n'));
    write_file(text);
    cr_expect_lt(scenario_load(path, &sc, err, sizeof(err)), 0, "loaded: %s", with);
    snprintf(where, sizeof(where), ":%d:", line);
    cr_expect(strstr(err, path) != NULL && strstr(err, where) != NULL, "want %s in: %s",
              where, err);
    cr_expect(strstr(err, needle) != NULL, "want '%s' in: %s", needle, err);
    unlink(path);
}

Test(scenario, errors_name_file_line_section_key)
{
    expect_error("type = powerdns", "type = bind9", 6, "[target pdns] type");
    expect_error("address = 127.0.0.1:5301", "address = 127.0.0.300", 10,
                 "[nameserver primary] address");
    expect_error("role = primary", "role = master", 11, "role");
    expect_error("rate = 5..100", "rate = fast", 22, "[phase main] rate");
    expect_error("mix = record_create", "mix = record_create:6 record_rename:1", 23,
                 "record_rename");
    expect_error("record_types = A AAAA TXT", "record_types = A HINFO", 24, "HINFO");
    expect_error("threads = 2", "threds = 2", 17, "[probe] threds: unknown key");
    expect_error("seed = 42", "seed = -1", 4, "[campaign] seed");
    expect_error("converged = yes", "converged = perhaps", 28, "[slo] converged");
    expect_error("[slo]", "[sla]", 26, "unknown section");
}

Test(scenario, missing_parts_are_named)
{
    char err[512];
    scenario_t sc;

    write_file("[campaign]\nname = x\n[nameserver a]\naddress = 127.0.0.1\n[phase p]\n"
               "count = 1\nrate = 1\nmix = record_create\n");
    cr_expect_lt(scenario_load(path, &sc, err, sizeof(err)), 0);
    cr_expect(strstr(err, "no [target NAME]") != NULL, "%s", err);
    unlink(path);
    write_file(
        "[target t]\ntype = powerdns\nurl = http://x\napi_key = k\n[nameserver a]\n"
        "address = 127.0.0.1\n[phase p]\nrate = 1\nmix = record_create\n");
    cr_expect_lt(scenario_load(path, &sc, err, sizeof(err)), 0);
    /* the line of the section's first key (inih has no section callback) */
    cr_expect(strstr(err, ":8: [phase p] duration: give duration or count") != NULL, "%s",
              err);
    unlink(path);
    write_file(
        "[target t]\ntype = powerdns\nurl = http://x\napi_key = k\n[nameserver a]\n"
        "address = 127.0.0.1\ntarget = other\n[phase p]\ncount = 1\nrate = 1\n"
        "mix = record_create\n");
    cr_expect_lt(scenario_load(path, &sc, err, sizeof(err)), 0);
    cr_expect(strstr(err, "[nameserver a] target: no [target other]") != NULL, "%s", err);
    unlink(path);
}

Test(scenario, include_and_environment)
{
    char inc[64];
    char text[512];
    char err[512];
    scenario_t sc;
    int fd;
    FILE *f;

    snprintf(inc, sizeof(inc), "/tmp/dnsprop-inc-XXXXXX");
    fd = mkstemp(inc);
    f = fdopen(fd, "w");
    fputs("[target pdns]\ntype = powerdns\nurl = http://127.0.0.1:1/api\napi_key = "
          "${DP_KEY}\n"
          "[nameserver ns1]\naddress = 127.0.0.1:5300\n",
          f);
    fclose(f);
    setenv("DP_KEY", "k3y", 1);
    setenv("DP_INC", inc, 1);
    snprintf(text, sizeof(text),
             "[campaign]\ninclude = ${DP_INC}\n[phase p]\ncount = 3\nrate = 1\n"
             "mix = record_create\n");
    write_file(text);
    cr_assert_eq(scenario_load(path, &sc, err, sizeof(err)), 0, "%s", err);
    cr_expect_str_eq(sc.targets[0].api_key, "k3y");
    cr_expect_eq(sc.nns, 1);
    scenario_free(&sc);
    unsetenv("DP_KEY");
    cr_expect_lt(scenario_load(path, &sc, err, sizeof(err)), 0);
    cr_expect(strstr(err, inc) != NULL && strstr(err, ":4:") != NULL &&
                  strstr(err, "DP_KEY is not set") != NULL,
              "the error names the included file and its line: %s", err);
    unlink(path);
    unlink(inc);
}
