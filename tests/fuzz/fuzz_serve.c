/*
 * libFuzzer target: the bodies `dnsprop serve` reads from the network,
 * loaded as the service loads them (json_loadb, duplicate keys refused):
 * POST /requests and /poll_requests (serve_request_parse, both Digaas
 * shapes), POST /observers (serve_observer_parse, Digaas master) and POST
 * /stats (serve_stats_parse, serve_dstats_parse). Any input must be accepted
 * or refused with a field and a message, never crash or leak.
 *
 * Beyond "no crash", what the service relies on is checked (abort() is a
 * finding): an accepted body gives an echo, and that echo, stored as the
 * service stores it and parsed again as a restart resumes it, is accepted
 * again as the same poll; a refused body names a field, unless out of
 * memory, and gives no echo.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "harness/serve/parse.h"
#include "harness/serve/serve_int.h"

#define NOW 1700000000.0

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef int (*parse_fn)(const json_t *, double, probe_req_t *, json_t **, char *, size_t,
                        char *, size_t);

/* Parse body into req and *rec; checks what a refusal must give. */
static int parse_with(parse_fn fn, const json_t *body, probe_req_t *req, json_t **rec)
{
    char field[64];
    char msg[1200];
    int ret;

    memset(field, 'x', sizeof(field)); /* a refusal must set it */
    msg[0] = '\0';
    probe_req_init(req);
    ret = fn(body, NOW, req, rec, field, sizeof(field), msg, sizeof(msg));
    if (ret == 0 && *rec == NULL)
        abort();
    if (ret < 0 && *rec != NULL)
        abort();
    if (ret < 0 && ret != -ENOMEM &&
        (ret != DP_EPARSE || field[0] == '\0' ||
         memchr(field, '\0', sizeof(field)) == NULL || msg[0] == '\0'))
        abort();
    return ret;
}

/* Numbers go through JSON with 16 significant digits (the service's
 * JSON_REAL_PRECISION), so the last bit of a double may change. */
static bool near(double a, double b)
{
    return a == b || fabs(a - b) <= 1e-14 * fmax(fabs(a), fabs(b));
}

static bool same_poll(const probe_req_t *a, const probe_req_t *b)
{
    size_t i;

    if (strcmp(a->qname, b->qname) != 0 || a->qtype != b->qtype || a->cond != b->cond ||
        a->is_zone != b->is_zone || a->nvalues != b->nvalues ||
        a->has_serial != b->has_serial || a->serial != b->serial ||
        a->any_serial != b->any_serial || a->exact != b->exact ||
        strcmp(a->ns.text, b->ns.text) != 0 || !near(a->start_time, b->start_time) ||
        !near(a->timeout, b->timeout) || !near(a->frequency, b->frequency))
        return false;
    for (i = 0; i < a->nvalues; i++) {
        if (strcmp(a->values[i], b->values[i]) != 0)
            return false;
    }
    return true;
}

/* An accepted body, stored as the service stores it (its own fields
 * added) and parsed again as a restart resumes it, is the same poll. */
static void request_with(parse_fn fn, const json_t *body, json_t *id)
{
    probe_req_t req;
    probe_req_t again;
    json_t *rec = NULL;
    json_t *stored = NULL;
    json_t *rec2 = NULL;
    char *text = NULL;
    int ret;

    if (parse_with(fn, body, &req, &rec) < 0)
        goto out;
    (void)serve_cond_kind(json_string_value(json_object_get(rec, "condition")));
    /* as the service stores it (its own fields added), then resumes it */
    json_object_set_new(rec, "id", id);
    id = NULL;
    json_object_set_new(rec, "status", json_string("ACCEPTED"));
    json_object_set_new(rec, "accepted_at", json_real(NOW));
    text = json_dumps(rec, JSON_COMPACT | JSON_REAL_PRECISION(16));
    if (text == NULL)
        goto out;
    stored = json_loads(text, 0, NULL);
    if (stored == NULL)
        abort(); /* what the service writes it cannot read back */
    ret = parse_with(fn, stored, &again, &rec2);
    /* refused: a stored request would be ended as unreadable at restart */
    if ((ret < 0 && ret != -ENOMEM) || (ret == 0 && !same_poll(&req, &again)))
        abort();
    probe_req_clear(&again);
out:
    json_decref(id);
    free(text);
    json_decref(rec);
    json_decref(rec2);
    json_decref(stored);
    probe_req_clear(&req);
}

static void dstats(const json_t *body)
{
    char field[64];
    char msg[512];
    double start;
    double end;
    int ret =
        serve_dstats_parse(body, &start, &end, field, sizeof(field), msg, sizeof(msg));

    if (ret == 0 && !(isfinite(start) && isfinite(end) && start <= end))
        abort();
    if (ret < 0 && (ret != DP_EPARSE || field[0] == '\0'))
        abort();
}

static void stats(const json_t *body)
{
    char field[64];
    char msg[512];
    double start;
    double end;
    int ret =
        serve_stats_parse(body, &start, &end, field, sizeof(field), msg, sizeof(msg));

    if (ret == 0 && !(isfinite(start) && isfinite(end) && start < end))
        abort();
    if (ret < 0 && (ret != DP_EPARSE || field[0] == '\0'))
        abort();
}

/* A POST /requests record as the service writes it, from the echo's
 * text (serve_request_parse_text, serve_echo_texts), is byte for byte
 * the text of the same echo as a tree given its id and time. */
static void echo_texts(const json_t *body)
{
    static const char id[] = "0b5d5f4e-3c1e-4b7e-9a0b-2f4a1c9e8d7f";
    char field[64];
    char msg[1200];
    probe_req_t req;
    json_t *tree = NULL;
    char *echo = NULL;
    char *b1 = NULL, *t1 = NULL, *b2 = NULL, *t2 = NULL;

    probe_req_init(&req);
    if (serve_request_parse_text(body, NOW, &req, &echo, field, sizeof(field), msg,
                                 sizeof(msg)) < 0)
        goto out;
    tree = json_loads(echo, 0, NULL);
    if (tree == NULL)
        abort(); /* an echo that is not JSON */
    serve_accepted_fields(tree, id, NOW);
    if (serve_record_texts(tree, &b1, &t1) < 0 ||
        serve_echo_texts(echo, id, NOW, &b2, &t2) < 0)
        goto out; /* (out of memory) */
    echo = NULL;
    if (strcmp(b1, b2) != 0 || strcmp(t1, t2) != 0)
        abort();
out:
    free(echo);
    free(b1);
    free(t1);
    free(b2);
    free(t2);
    json_decref(tree);
    probe_req_clear(&req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);

    if (body == NULL)
        return 0;
    request_with(serve_request_parse, body,
                 json_string("0b5d5f4e-3c1e-4b7e-9a0b-2f4a1c9e8d7f"));
    echo_texts(body);
    request_with(serve_observer_parse, body, json_integer(7));
    stats(body);
    dstats(body);
    json_decref(body);
    return 0;
}
