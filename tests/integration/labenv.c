/*
 * labenv: integration-test helpers for the lab (see labenv.h).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness/common/errcode.h"
#include "harness/common/numparse.h"
#include "harness/common/timebase.h"
#include "tests/integration/labenv.h"

const char *lab_get(const char *var)
{
    const char *v = getenv(var);

    if (v == NULL || *v == '\0')
        cr_assert_fail(
            "%s is not set: run the integration tests through tests/run-tests.sh, "
            "which starts tests/lab/lab.sh",
            var);
    return v;
}

static int run_argv(char *const argv[], char *out, size_t outlen)
{
    int pfd[2];
    pid_t pid;
    int status;
    size_t got = 0;
    ssize_t n;

    if (pipe(pfd) < 0)
        return -1;
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(pfd[1], 1);
        close(pfd[0]);
        close(pfd[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(pfd[1]);
    while (out != NULL && got + 1 < outlen &&
           (n = read(pfd[0], out + got, outlen - got - 1)) > 0)
        got += (size_t)n;
    if (out != NULL)
        out[got] = '\0';
    /* drain whatever did not fit */
    {
        char junk[4096];
        while (read(pfd[0], junk, sizeof(junk)) > 0)
            ;
    }
    close(pfd[0]);
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int lab_api(const char *method, const char *path, const char *body)
{
    char url[1024];
    char hdr[512];
    char code[64];
    char *argv[16];
    int i = 0;

    snprintf(url, sizeof(url), "%s%s", lab_get("LAB_PDNS_API"), path);
    snprintf(hdr, sizeof(hdr), "X-API-Key: %s", lab_get("LAB_PDNS_API_KEY"));
    argv[i++] = (char *)"curl";
    argv[i++] = (char *)"-s";
    argv[i++] = (char *)"-o";
    argv[i++] = (char *)"/dev/null";
    argv[i++] = (char *)"-w";
    argv[i++] = (char *)"%{http_code}";
    argv[i++] = (char *)"-X";
    argv[i++] = (char *)method;
    argv[i++] = (char *)"-H";
    argv[i++] = hdr;
    if (body != NULL) {
        argv[i++] = (char *)"--data-binary";
        argv[i++] = (char *)body;
    }
    argv[i++] = url;
    argv[i] = NULL;
    uint32_t status;

    if (run_argv(argv, code, sizeof(code)) != 0 || numparse_u32(code, &status) < 0)
        return -1;
    return (int)status;
}

static int lab_sh(const char *verb, const char *zone)
{
    char *argv[] = {(char *)"tests/lab/lab.sh", (char *)verb, (char *)zone,
                    (char *)lab_get("LAB_DIR"), NULL};
    return run_argv(argv, NULL, 0);
}

int lab_zone_create(const char *zone)
{
    return lab_sh("zone-create", zone);
}

int lab_zone_delete(const char *zone)
{
    return lab_sh("zone-delete", zone);
}

int lab_rrset(const char *zone, const char *name, const char *type,
              const char *const *contents, size_t n)
{
    char body[16384];
    char path[512];
    size_t o;
    size_t i;

    if (n == 0) {
        o = (size_t)snprintf(body, sizeof(body),
                             "{\"rrsets\":[{\"name\":\"%s\",\"type\":\"%s\","
                             "\"changetype\":\"DELETE\"}]}",
                             name, type);
    } else {
        o = (size_t)snprintf(body, sizeof(body),
                             "{\"rrsets\":[{\"name\":\"%s\",\"type\":\"%s\",\"ttl\":60,"
                             "\"changetype\":\"REPLACE\",\"records\":[",
                             name, type);
        for (i = 0; i < n; i++) {
            const char *c = contents[i];
            o += (size_t)snprintf(body + o, sizeof(body) - o, "%s{\"content\":\"",
                                  i > 0 ? "," : "");
            /* JSON-escape quotes and backslashes of TXT contents */
            for (; *c != '\0' && o + 4 < sizeof(body); c++) {
                if (*c == '"' || *c == '\\')
                    body[o++] = '\\';
                body[o++] = *c;
            }
            o += (size_t)snprintf(body + o, sizeof(body) - o, "\",\"disabled\":false}");
        }
        o += (size_t)snprintf(body + o, sizeof(body) - o, "]}]}");
    }
    (void)o;
    snprintf(path, sizeof(path), "/zones/%s", zone);
    return lab_api("PATCH", path, body);
}

void lab_req(probe_req_t *req, const char *ns, const char *name, bool is_zone,
             cond_kind_t cond, double frequency, double timeout)
{
    char err[1100];

    probe_req_init(req);
    cr_assert_eq(probe_ns_parse(ns, &req->ns), 0, "bad lab address %s", ns);
    cr_assert_eq(probe_req_set_name(req, name, is_zone, err, sizeof(err)), 0, "%s", err);
    req->cond = cond;
    req->frequency = frequency;
    req->timeout = timeout;
}

int lab_run(probe_req_t *reqs, size_t n, probe_result_t *results, double max_wait_s)
{
    probe_pool_opts_t opts;
    probe_pool_t *pool = NULL;
    size_t got = 0;
    size_t i;
    int64_t end = timebase_mono_ns() + (int64_t)(max_wait_s * 1e9);
    char err[1100];

    memset(&opts, 0, sizeof(opts));
    opts.threads = 2;
    opts.query_timeout_ms = 500;
    cr_assert_eq(probe_pool_create(&pool, &opts), 0);
    for (i = 0; i < n; i++) {
        reqs[i].tag = i;
        cr_assert_eq(probe_req_finish(&reqs[i], err, sizeof(err)), 0, "%s", err);
        cr_assert_eq(probe_pool_submit(pool, &reqs[i]), 0);
    }
    memset(results, 0, n * sizeof(*results));
    while (got < n && timebase_mono_ns() < end) {
        probe_result_t r;
        if (probe_pool_next(pool, &r, 100) != 0)
            continue;
        cr_assert_lt(r.tag, n);
        results[r.tag] = r;
        got++;
    }
    probe_pool_destroy(pool);
    return got == n ? 0 : -1;
}
