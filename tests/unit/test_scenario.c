/*
 * Scenario files: the documented keys load; every error names the file,
 * the line, the section and the key. [target NAME] keys go to the kind
 * named by type = (harness/targets' table), which checks them.
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
    cr_expect_str_eq(target_conf_get(&sc.targets[0], "api_key"), "secret");
    cr_expect_eq(sc.targets[0].kind, &target_kind_powerdns);
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
    expect_error("type = powerdns", "type = bind9", 6,
                 "[target pdns] type: unknown target type 'bind9' (powerdns, rfc2136, "
                 "http, exec)");
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
    snprintf(
        text, sizeof(text),
        "[campaign]\ninclude = ${DP_INC}\n[phase p]\nzones = 1\ncount = 3\nrate = 1\n"
        "mix = record_create\n");
    write_file(text);
    cr_assert_eq(scenario_load(path, &sc, err, sizeof(err)), 0, "%s", err);
    cr_expect_str_eq(target_conf_get(&sc.targets[0], "api_key"), "k3y");
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

/* The nameserver, phase and campaign every target test below shares. */
#define REST                                                                             \
    "[nameserver a]\naddress = 127.0.0.1\n[phase p]\nzones = 1\ncount = 1\nrate = "      \
    "1\nmix = "                                                                          \
    "record_create\n"

/* Load text; on failure expect ":line: " and needle in the error. */
static int load(const char *text, scenario_t *sc, int line, const char *needle)
{
    char err[512];
    char where[32];
    int ret;

    write_file(text);
    ret = scenario_load(path, sc, err, sizeof(err));
    unlink(path);
    if (needle == NULL) {
        cr_expect_eq(ret, 0, "%s", err);
        return ret;
    }
    cr_expect_lt(ret, 0, "loaded, want '%s'", needle);
    snprintf(where, sizeof(where), ":%d: ", line);
    cr_expect(ret >= 0 || (strstr(err, path) != NULL && strstr(err, where) != NULL),
              "want %s in: %s", where, err);
    cr_expect(ret >= 0 || strstr(err, needle) != NULL, "want '%s' in: %s", needle, err);
    return ret;
}

Test(scenario, target_kinds_table)
{
    cr_expect_eq(target_kind_find("powerdns"), &target_kind_powerdns);
    cr_expect_eq(target_kind_find("rfc2136"), &target_kind_rfc2136);
    cr_expect_eq(target_kind_find("http"), &target_kind_http);
    cr_expect_eq(target_kind_find("exec"), &target_kind_exec);
    cr_expect_null(target_kind_find("bind9"));
    cr_expect_null(target_kind_find(""));
}

Test(scenario, target_key_of_another_kind)
{
    scenario_t sc;

    load("[target t]\ntype = powerdns\nurl = http://x\napi_key = k\nserver = "
         "127.0.0.1\n" REST,
         &sc, 5,
         "[target t] server: unknown key (type, url, api_key, api_key_file, catalog, "
         "zone_kind, dnssec, tsig_key, tsig_key_file)");
    load("[target t]\ntype = rfc2136\nserver = 127.0.0.1\nurl = http://x\n" REST, &sc, 4,
         "[target t] url: unknown key (type, server, tsig_key, tsig_key_file)");
    load("[target t]\ntype = exec\nrecord_create = true\ncatalog = c.\n" REST, &sc, 4,
         "[target t] catalog: unknown key (type, zone_create, ");
    load("[target t]\ntype = http\nurl = http://x\ntsig_key = a:b:c\n" REST, &sc, 4,
         "[target t] tsig_key: not used by http targets");
    load("[target t]\ntype = http\nurl = http://x\nrecord_create = true\n" REST, &sc, 4,
         "[target t] record_create: an http target takes record_create.method");
    load("[target t]\ntype = http\nurl = http://x\nserial = true\n" REST, &sc, 4,
         "[target t] serial: not used by http targets (serial.method");
    load("[target t]\ntype = http\nurl = http://x\nzone_kind = Native\n" REST, &sc, 4,
         "[target t] zone_kind: not used by http targets");
}

Test(scenario, target_required_keys)
{
    scenario_t sc;

    load("[campaign]\nname = x\n[target t]\ntype = powerdns\napi_key = k\n" REST, &sc, 4,
         "[target t] url: missing");
    load("[target t]\ntype = powerdns\nurl = http://x\n" REST, &sc, 2,
         "[target t] api_key: missing (or api_key_file)");
    load("[target t]\ntype = rfc2136\ntsig_key = a:b\n" REST, &sc, 2,
         "[target t] server: missing or not ADDR[:PORT]");
    load("[target t]\ntype = rfc2136\nserver = nowhere\n" REST, &sc, 2,
         "[target t] server: missing or not ADDR[:PORT] (the primary that takes the "
         "UPDATEs)");
    load("[target t]\ntype = exec\nserial = true\n" REST, &sc, 2,
         "[target t] record_create: an exec target needs a command for at least one "
         "operation kind");
    load("[target t]\ntype = http\nrecord_create.url = /x\n" REST, &sc, 2,
         "[target t] url: missing");
    if (load("[target t]\ntype = rfc2136\nserver = 127.0.0.1:5300\n" REST, &sc, 0,
             NULL) == 0) {
        cr_expect_str_eq(target_conf_get(&sc.targets[0], "server"), "127.0.0.1:5300");
        cr_expect_null(sc.targets[0].tsig, "no key: unsigned");
        scenario_free(&sc);
    }
}

Test(scenario, target_type_after_keys_and_default)
{
    scenario_t sc;

    /* keys before type = wait for it; an error in one names its own line */
    if (load("[target t]\nurl = http://x\nheaders = A: b\ntype = http\n" REST, &sc, 0,
             NULL) == 0) {
        cr_expect_eq(sc.targets[0].kind, &target_kind_http);
        cr_expect_str_eq(target_conf_get(&sc.targets[0], "headers"), "A: b");
        scenario_free(&sc);
    }
    load("[target t]\nurl = http://x\nserver = 1.2.3.4\ntype = powerdns\napi_key = "
         "k\n" REST,
         &sc, 3, "[target t] server: unknown key");
    /* no type: powerdns, as before the table */
    if (load("[target t]\nurl = http://x\napi_key = k\n" REST, &sc, 0, NULL) == 0) {
        cr_expect_eq(sc.targets[0].kind, &target_kind_powerdns);
        cr_expect_str_eq(target_conf_get(&sc.targets[0], "type"), "powerdns");
        scenario_free(&sc);
    }
    load("[target t]\nurl = http://x\nzone_create = true\n" REST, &sc, 3,
         "[target t] zone_create: unknown key");
    load("[target t]\ntype = http\nurl = http://x\n[target t]\ntype = exec\n" REST, &sc,
         5, "[target t] type: 'exec': [target t] is of type http already");
}

Test(scenario, target_variables_each_kind_keeps)
{
    scenario_t sc;

    setenv("DP_CMD", "/bin/true", 1);
    setenv("DP_TOKEN", "tok", 1);
    unsetenv("DP_UNSET");
    /* exec: its placeholders stay, the rest comes from the environment */
    if (load("[target t]\ntype = exec\nrecord_create = ${DP_CMD} ${zone} "
             "${relname}\n" REST,
             &sc, 0, NULL) == 0) {
        cr_expect_str_eq(target_conf_get(&sc.targets[0], "record_create"),
                         "/bin/true ${zone} ${relname}");
        scenario_free(&sc);
    }
    load("[target t]\ntype = exec\nrecord_create = ${DP_UNSET} ${zone}\n" REST, &sc, 3,
         "[target t] record_create: environment variable DP_UNSET is not set");
    /* http: a ${...} not in the environment is left for the templates */
    if (load("[target t]\ntype = http\nurl = http://x\nheaders = T: ${DP_TOKEN} "
             "${zone_id}\n" REST,
             &sc, 0, NULL) == 0) {
        cr_expect_str_eq(target_conf_get(&sc.targets[0], "headers"), "T: tok ${zone_id}");
        scenario_free(&sc);
    }
    load("[target t]\ntype = http\nurl = http://x/${DP_UNSET}\n" REST, &sc, 3,
         "[target t] url: environment variable DP_UNSET is not set");
    unsetenv("DP_CMD");
    unsetenv("DP_TOKEN");
}

Test(scenario, target_key_files)
{
    char key[64];
    char text[512];
    scenario_t sc;
    int fd;

    snprintf(key, sizeof(key), "/tmp/dnsprop-key-XXXXXX");
    fd = mkstemp(key);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "hmac-sha256:k:c2VjcmV0\nsecond line\n", 35), 35);
    close(fd);
    snprintf(text, sizeof(text),
             "[target t]\ntype = rfc2136\nserver = 127.0.0.1\ntsig_key_file = %s\n" REST,
             key);
    if (load(text, &sc, 0, NULL) == 0) {
        cr_expect_str_eq(sc.targets[0].tsig, "hmac-sha256:k:c2VjcmV0", "the first line");
        scenario_free(&sc);
    }
    snprintf(text, sizeof(text),
             "[target t]\ntype = powerdns\nurl = http://x\napi_key_file = %s\n" REST,
             key);
    if (load(text, &sc, 0, NULL) == 0) {
        cr_expect_str_eq(target_conf_get(&sc.targets[0], "api_key"),
                         "hmac-sha256:k:c2VjcmV0");
        scenario_free(&sc);
    }
    unlink(key);
    load(text, &sc, 4, "[target t] api_key_file: cannot read ");
}

/* The kinds' own checks when a target is made (not when the file is read,
 * as before the table): exec splits its templates, http compiles its. */
Test(scenario, target_create_checks_templates)
{
    scenario_t sc;
    target_t *t = NULL;
    char err[512];

    if (load("[target t]\ntype = exec\nrecord_create = 'unterminated\n" REST, &sc, 0,
             NULL) == 0) {
        cr_expect_lt(target_create(&t, &sc.targets[0], err, sizeof(err)), 0);
        cr_expect(strstr(err, "[target t] record_create: unterminated ' in") != NULL,
                  "%s", err);
        scenario_free(&sc);
    }
    if (load("[target t]\ntype = http\nurl = http://x\nrecord_crate.url = /zones\n" REST,
             &sc, 0, NULL) == 0) {
        cr_expect_lt(target_create(&t, &sc.targets[0], err, sizeof(err)), 0);
        cr_expect(strstr(err, "[target t] record_crate.url: unknown key") != NULL, "%s",
                  err);
        scenario_free(&sc);
    }
    if (load("[target t]\ntype = exec\nrecord_create = /bin/true ${zone}\n" REST, &sc, 0,
             NULL) == 0) {
        cr_expect_eq(target_create(&t, &sc.targets[0], err, sizeof(err)), 0, "%s", err);
        target_destroy(t);
        scenario_free(&sc);
    }
}

/* ---- hostile input (issue 12) ------------------------------------------------------ */

#define HEAD                                                                             \
    "[target t]\ntype = powerdns\nurl = http://127.0.0.1:1\napi_key = k\n"               \
    "[nameserver a]\naddress = 127.0.0.1\n"
#define PHASE "[phase p]\nzones = 1\ncount = 1\nrate = 1\nmix = record_create\n"

Test(scenario, special_files_are_refused)
{
    scenario_t sc;
    char err[512];

    /* /dev/zero used to spin forever in fgets; a FIFO blocked the open */
    load("[campaign]\ninclude = /dev/zero\n" HEAD PHASE, &sc, 2,
         "[campaign] include: /dev/zero: not a regular file (a character device)");
    cr_expect_lt(scenario_load("/dev/null", &sc, err, sizeof(err)), 0);
    cr_expect(strstr(err, "/dev/null: not a regular file") != NULL, "%s", err);
    cr_expect_lt(scenario_load("/tmp", &sc, err, sizeof(err)), 0);
    cr_expect(strstr(err, "/tmp: not a regular file (a directory)") != NULL, "%s", err);
}

Test(scenario, oversized_file_is_refused)
{
    char big[64];
    char text[512];
    scenario_t sc;
    int fd;

    snprintf(big, sizeof(big), "/tmp/dnsprop-big-XXXXXX");
    fd = mkstemp(big);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, SCENARIO_MAX_BYTES + 1), 0);
    close(fd);
    snprintf(text, sizeof(text), "[campaign]\ninclude = %s\n" HEAD PHASE, big);
    load(text, &sc, 2, "over the limit of 1048576 bytes");
    unlink(big);
}

Test(scenario, include_loop_is_an_error)
{
    char text[256];
    scenario_t sc;
    char err[512];

    /* the file includes itself: path is only known once written, so write
     * twice */
    write_file("x");
    snprintf(text, sizeof(text), "[campaign]\ninclude = %s\n" HEAD PHASE, path);
    {
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f);
        fputs(text, f);
        fclose(f);
    }
    cr_expect_lt(scenario_load(path, &sc, err, sizeof(err)), 0);
    cr_expect(strstr(err, ":2: [campaign] include: ") != NULL &&
                  strstr(err, "an include loop") != NULL,
              "%s", err);
    unlink(path);
}

Test(scenario, long_lines_name_their_own_line)
{
    char *text = malloc(3 * SCENARIO_MAX_LINE);
    scenario_t sc;
    size_t o;

    cr_assert_not_null(text);
    /* a line of exactly SCENARIO_MAX_LINE bytes loads (inih's default
     * buffer was 200: a 300-byte url failed) */
    o = (size_t)snprintf(text, 64, "[campaign]\n;");
    memset(text + o, 'c', SCENARIO_MAX_LINE - 1);
    o += SCENARIO_MAX_LINE - 1;
    snprintf(text + o, 2 * SCENARIO_MAX_LINE, "\n" HEAD PHASE);
    if (load(text, &sc, 0, NULL) == 0)
        scenario_free(&sc);
    /* one more byte: an error at that line, not "not INI" at the next */
    o = (size_t)snprintf(text, 64, "[campaign]\n;");
    memset(text + o, 'c', SCENARIO_MAX_LINE);
    o += SCENARIO_MAX_LINE;
    snprintf(text + o, 2 * SCENARIO_MAX_LINE, "\n" HEAD PHASE);
    load(text, &sc, 2, "the line is 4097 bytes, over the limit of 4096");
    free(text);
}

Test(scenario, long_variables_are_whole_or_an_error)
{
    char *v = malloc(SCENARIO_MAX_VALUE + 2);
    scenario_t sc;

    cr_assert_not_null(v);
    memset(v, 'r', 5000); /* over the old 4,095-byte cut */
    v[5000] = '\0';
    setenv("DP_LONG", v, 1);
    if (load("[campaign]\nresults = /tmp/${DP_LONG}\n" HEAD PHASE, &sc, 0, NULL) == 0) {
        cr_expect_eq(strlen(sc.results), 5005);
        scenario_free(&sc);
    }
    memset(v, 'r', SCENARIO_MAX_VALUE + 1);
    v[SCENARIO_MAX_VALUE + 1] = '\0';
    setenv("DP_LONG", v, 1);
    load("[campaign]\nresults = ${DP_LONG}\n" HEAD PHASE, &sc, 2,
         "[campaign] results: the value, ${...} expanded, is over 65536 bytes");
    unsetenv("DP_LONG");
    free(v);
}

Test(scenario, record_operations_without_zones_are_an_error)
{
    scenario_t sc;

    load(HEAD "[phase p]\nzones = 0\ncount = 5\nrate = 5\nmix = record_create "
              "record_update\n",
         &sc, 8, "[phase p] zones: 0 and no earlier phase makes a zone");
    /* zones from an earlier phase, or zone_create in the mix, are enough */
    if (load(HEAD PHASE "[phase q]\ncount = 5\nrate = 5\nmix = record_update\n", &sc, 0,
             NULL) == 0)
        scenario_free(&sc);
    if (load(HEAD "[phase p]\ncount = 5\nrate = 5\nmix = zone_create record_create\n",
             &sc, 0, NULL) == 0)
        scenario_free(&sc);
}

Test(scenario, messages_escape_control_bytes)
{
    scenario_t sc;
    char err[512];

    write_file("[campaign]\nseed = \x1b[31mX\x07\xff\n");
    cr_expect_lt(scenario_load(path, &sc, err, sizeof(err)), 0);
    cr_expect(strstr(err, "'\\x1b[31mX\\x07\\xff' is not a whole number") != NULL, "%s",
              err);
    cr_expect(strchr(err, 0x1b) == NULL && strchr(err, 0x07) == NULL, "%s", err);
    unlink(path);
}

/* A relative include is beside the file that includes it, whatever the
 * working directory (workloads/designate-ab-b.ini includes ...-a.ini). */
Test(scenario, relative_include_is_beside_the_includer)
{
    char dir[] = "/tmp/dnsprop-inc-XXXXXX";
    char a[128];
    char b[128];
    char err[512] = "";
    scenario_t sc;
    FILE *f;

    cr_assert_not_null(mkdtemp(dir));
    snprintf(a, sizeof(a), "%s/a.ini", dir);
    snprintf(b, sizeof(b), "%s/b.ini", dir);
    f = fopen(a, "w");
    cr_assert_not_null(f);
    fputs("[campaign]\nname = first\n" HEAD PHASE, f);
    fclose(f);
    f = fopen(b, "w");
    cr_assert_not_null(f);
    fputs("[campaign]\ninclude = a.ini\nname = second\n", f);
    fclose(f);
    cr_assert_eq(chdir("/"), 0);
    cr_assert_eq(scenario_load(b, &sc, err, sizeof(err)), 0, "%s", err);
    cr_expect_str_eq(sc.name, "second");
    scenario_free(&sc);
    unlink(a);
    unlink(b);
    rmdir(dir);
}

Test(scenario, storage_retention)
{
    scenario_t sc;
    char text[4096];

    snprintf(text, sizeof(text), "%s[storage]\nretention = 30d\n", good);
    cr_assert_eq(load(text, &sc, 0, NULL), 0);
    cr_expect_float_eq(sc.retention, 30 * 86400.0, 1e-6);
    scenario_free(&sc);
    snprintf(text, sizeof(text), "%s[storage]\nretention = a month\n", good);
    load(text, &sc, 30, "[storage] retention: 'a month' is not a length of time");
    snprintf(text, sizeof(text), "%s", good);
    cr_assert_eq(load(text, &sc, 0, NULL), 0);
    cr_expect_float_eq(sc.retention, 0.0, 1e-9, "kept forever unless said");
    scenario_free(&sc);
}

/* [phase] targets = NAME...: each a [target], in the scenario's order as
 * bits; an unknown or repeated one names its line. */
Test(scenario, phase_targets)
{
#define TWO_TARGETS(t)                                                                   \
    "[target a]\ntype = powerdns\nurl = http://x\napi_key = k\n"                         \
    "[target b]\ntype = rfc2136\nserver = 127.0.0.1:53\n"                                \
    "[nameserver n1]\naddress = 127.0.0.1\ntarget = a\n"                                 \
    "[nameserver n2]\naddress = 127.0.0.2\ntarget = b\n"                                 \
    "[phase p]\nzone = x.test.\ncount = 1\nrate = 1\n"                                   \
    "mix = record_create\ntargets = " t "\n"
    char err[512];
    scenario_t sc;

    write_file(TWO_TARGETS("b a"));
    cr_assert_eq(scenario_load(path, &sc, err, sizeof(err)), 0, "%s", err);
    cr_expect_eq(sc.phases[0].tmask, 3);
    cr_expect_eq(scenario_phase_tmask(&sc.phases[0]), 3);
    cr_expect_str_eq(sc.phases[0].sync_zone, "x.test.");
    scenario_free(&sc);
    unlink(path);

    write_file(TWO_TARGETS("b"));
    cr_assert_eq(scenario_load(path, &sc, err, sizeof(err)), 0, "%s", err);
    cr_expect_eq(sc.phases[0].tmask, 2);
    scenario_free(&sc);
    unlink(path);

    write_file(TWO_TARGETS("a c"));
    cr_expect_lt(scenario_load(path, &sc, err, sizeof(err)), 0);
    cr_expect(strstr(err, ":19: [phase p] targets: no such [target] 'c'") != NULL, "%s",
              err);
    unlink(path);

    write_file(TWO_TARGETS("a a"));
    cr_expect_lt(scenario_load(path, &sc, err, sizeof(err)), 0);
    cr_expect(strstr(err, "[phase p] targets: 'a' twice") != NULL, "%s", err);
    unlink(path);
}
