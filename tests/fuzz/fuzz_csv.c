/*
 * libFuzzer target: probe_req_load_csv() on arbitrary file contents.
 * The input is written to one temporary file (created once per process).
 * Invariants (abort when broken): on error nothing is returned and the
 * message names the file; on success every request is complete (address,
 * canonical name, type, serial for serial_not_lower, values for
 * value_present, sorted and unique).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probes/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_csv: invariant broken: %s [%s]\n", what, detail ? detail : "");
    abort();
}

static void remove_tmp(void)
{
    if (path[0] != '\0')
        unlink(path);
}

static void check_req(const probe_req_t *r)
{
    char canon[RDATA_NAME_TEXT_MAX];
    size_t i;

    if (r->ns.len == 0 || r->ns.text[0] == '\0')
        fail("request without nameserver", r->id);
    if (rdata_name_canon(r->qname, canon, sizeof(canon)) != 0 ||
        strcmp(canon, r->qname) != 0)
        fail("qname not canonical", r->qname);
    if (r->qtype == 0)
        fail("qtype left at 0", r->id);
    if (r->id == NULL)
        fail("request without id", NULL);
    if (r->cond == COND_SERIAL_NOT_LOWER && (!r->has_serial || r->qtype != RDATA_T_SOA))
        fail("serial_not_lower without serial or SOA", r->id);
    if (r->cond == COND_VALUE_PRESENT && r->nvalues == 0)
        fail("value_present without values", r->id);
    if (r->frequency < PROBE_MIN_FREQUENCY || !(r->timeout > 0))
        fail("frequency or timeout out of range", r->id);
    for (i = 0; i < r->nvalues; i++) {
        char *again = NULL;
        if (i > 0 && strcmp(r->values[i - 1], r->values[i]) >= 0)
            fail("values not strictly sorted", r->values[i]);
        if (rdata_from_text(r->qtype, r->values[i], &again) != 0 ||
            strcmp(again, r->values[i]) != 0)
            fail("value not canonical", r->values[i]);
        free(again);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static probe_req_t sentinel;
    probe_req_t *reqs = &sentinel; /* must be overwritten */
    size_t n = 12345;
    char err[4096];
    FILE *f;
    size_t i;
    int ret;

    if (path[0] == '\0') {
        int fd;
        snprintf(path, sizeof(path), "/tmp/dnsprop-fuzz-csv-XXXXXX");
        fd = mkstemp(path);
        if (fd < 0)
            abort();
        close(fd);
        atexit(remove_tmp);
    }
    f = fopen(path, "wb");
    if (f == NULL)
        abort();
    if (size > 0 && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);

    err[0] = '\0';
    ret = probe_req_load_csv(path, &reqs, &n, err, sizeof(err));
    if (ret < 0) {
        if (reqs != NULL || n != 0)
            fail("requests returned with an error", err);
        if (strstr(err, path) == NULL)
            fail("error message does not name the file", err);
        return 0;
    }
    if (n > 0 && reqs == NULL)
        fail("count without array", NULL);
    for (i = 0; i < n; i++)
        check_req(&reqs[i]);
    probe_req_free_array(reqs, n);
    return 0;
}
