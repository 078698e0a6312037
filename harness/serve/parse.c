/*
 * parse: the service's listen address and request bodies (see parse.h).
 *
 * A request body is read field by field in a fixed order, and the first
 * field that is wrong is the one named in the 400 (clients and tests rely
 * on which field a body with several mistakes gets blamed for). The
 * condition is read last because it decides what the other fields mean:
 * a zone's SOA or a record, and which of serial/value it needs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/buf.h"
#include "harness/common/errcode.h"
#include "harness/common/jsonw.h"
#include "harness/common/numparse.h"
#include "harness/serve/parse.h"

int serve_parse_listen(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[INET6_ADDRSTRLEN + 2];
    const char *colon;
    const char *port_s;
    uint16_t port;
    size_t hl;

    memset(ss, 0, sizeof(*ss));
    if (text == NULL)
        return DP_EBADADDR;
    if (text[0] == '[') {
        const char *end = strchr(text, ']');
        if (end == NULL || end[1] != ':')
            return DP_EBADADDR;
        hl = (size_t)(end - text - 1);
        if (hl >= sizeof(host))
            return DP_EBADADDR;
        memcpy(host, text + 1, hl);
        host[hl] = '\0';
        port_s = end + 2;
    } else {
        colon = strrchr(text, ':');
        if (colon == NULL || strchr(text, ':') != colon)
            return DP_EBADADDR;
        hl = (size_t)(colon - text);
        if (hl >= sizeof(host))
            return DP_EBADADDR;
        memcpy(host, text, hl);
        host[hl] = '\0';
        port_s = colon + 1;
    }
    if (numparse_u16(port_s, &port) < 0)
        return DP_EBADADDR;
    if (text[0] == '[') {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
            return DP_EBADADDR;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        *len = sizeof(*s6);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
            return DP_EBADADDR;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        *len = sizeof(*s4);
    }
    return 0;
}

typedef struct {
    char *field;
    size_t fieldlen;
    char *msg;
    size_t msglen;
} perr_t;

static int bad(perr_t *pe, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(perr_t *pe, const char *field, const char *fmt, ...)
{
    va_list ap;

    snprintf(pe->field, pe->fieldlen, "%s", field);
    va_start(ap, fmt);
    vsnprintf(pe->msg, pe->msglen, fmt, ap);
    va_end(ap);
    return DP_EPARSE;
}

/* A field that is absent or null is "not given" (Digaas clients send
 * null for what does not apply). */
static json_t *given(const json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);

    return json_is_null(v) ? NULL : v;
}

/* An optional number in [min, max]; *out untouched when not given. */
static int opt_number(const json_t *body, const char *k, double min, double max,
                      bool min_open, double *out, perr_t *pe, const char *what)
{
    json_t *v = given(body, k);
    double d;

    if (v == NULL)
        return 0;
    if (!json_is_number(v))
        return bad(pe, k, "must be a number (%s)", what);
    d = json_number_value(v);
    if (!isfinite(d) || d > max || d < min || (min_open && d <= min))
        return bad(pe, k, "%g is out of range (%s)", d, what);
    *out = d;
    return 0;
}

static const char *cond_help = "serial_not_lower, value_present, empty_response; "
                               "Digaas's data=<value>, zone_removed";

/* A request body on its way through the parser. */
typedef struct {
    perr_t pe;
    const json_t *body;
    probe_req_t *req;
    const char *ns_s;
    const char *zone_field; /* "zone_name" or Digaas's "query_name" */
    const char *zone_s;
    const char *name_s;
    const char *cond_s;
    const char *type_s;
    const char *data_value; /* Digaas's condition data=<value> */
    json_t *values;         /* the value field as an array (owned) */
    bool record;            /* a record is polled, not the zone's SOA */
} rparse_t;

static int parse_nameserver(rparse_t *p)
{
    json_t *v = given(p->body, "nameserver");

    if (v == NULL)
        return bad(&p->pe, "nameserver",
                   "missing (an IP address with an optional port: 192.0.2.1, "
                   "192.0.2.1:5353, [2001:db8::1]:5353)");
    p->ns_s = json_string_value(v);
    if (p->ns_s == NULL)
        return bad(&p->pe, "nameserver",
                   "must be a string (an IP address, optional port)");
    if (probe_ns_parse(p->ns_s, &p->req->ns) < 0)
        return bad(&p->pe, "nameserver",
                   "'%.200s' is not an IP address with an optional port (192.0.2.1, "
                   "192.0.2.1:5353, [2001:db8::1]:5353; port 53 by default)",
                   p->ns_s);
    return 0;
}

/* Our shape names the zone; Digaas's /poll_requests names the query. */
static int parse_names(rparse_t *p)
{
    json_t *v;

    if (given(p->body, "zone_name") != NULL) {
        p->zone_field = "zone_name";
    } else if (given(p->body, "query_name") != NULL) {
        p->zone_field = "query_name";
    } else {
        return bad(&p->pe, "zone_name",
                   "missing (the zone to poll; Digaas's /poll_requests clients send "
                   "query_name)");
    }
    p->zone_s = json_string_value(json_object_get(p->body, p->zone_field));
    if (p->zone_s == NULL || p->zone_s[0] == '\0')
        return bad(&p->pe, p->zone_field, "must be a non-empty string (a domain name)");
    if ((v = given(p->body, "name")) != NULL) {
        p->name_s = json_string_value(v);
        if (p->name_s == NULL || p->name_s[0] == '\0')
            return bad(&p->pe, "name", "must be a non-empty string (the record's name)");
    }
    return 0;
}

/* condition (its text only: it is interpreted last), rdatatype, serial. */
static int parse_cond_type_serial(rparse_t *p)
{
    json_t *v = given(p->body, "condition");

    if (v == NULL)
        return bad(&p->pe, "condition", "missing (%s)", cond_help);
    p->cond_s = json_string_value(v);
    if (p->cond_s == NULL)
        return bad(&p->pe, "condition", "must be a string (%s)", cond_help);
    if ((v = given(p->body, "rdatatype")) != NULL) {
        p->type_s = json_string_value(v);
        if (p->type_s == NULL)
            return bad(&p->pe, "rdatatype", "must be a string (A, AAAA, TXT, ...)");
        if (rdata_type_from_str(p->type_s, &p->req->qtype) < 0)
            return bad(&p->pe, "rdatatype", "unknown record type '%.100s'", p->type_s);
    }
    if ((v = given(p->body, "serial")) != NULL) {
        json_int_t s = json_is_integer(v) ? json_integer_value(v) : -1;
        if (s < 0 || s > (json_int_t)UINT32_MAX)
            return bad(&p->pe, "serial", "must be an integer in [0, 4294967295]");
        p->req->serial = (uint32_t)s;
        p->req->has_serial = true;
        /* Digaas's clients send 0 for "any serial" (designate-locust's zone
         * import does); RFC 1982 would make 0 newer than 3000000000 */
        p->req->any_serial = s == 0;
    }
    return 0;
}

/* value: a string or a non-empty array of strings, kept as an array. */
static int parse_values(rparse_t *p)
{
    json_t *v = given(p->body, "value");
    json_t *e;
    size_t i;

    if (v == NULL)
        return 0;
    if (json_is_string(v)) {
        p->values = json_array();
        if (p->values == NULL || json_array_append(p->values, v) < 0)
            return -ENOMEM;
        return 0;
    }
    if (!json_is_array(v) || json_array_size(v) == 0)
        return bad(&p->pe, "value",
                   "must be a string or a non-empty array of strings (zone-file "
                   "form: 192.0.2.1, \"10 mail.example.\")");
    json_array_foreach(v, i, e)
    {
        if (!json_is_string(e))
            return bad(&p->pe, "value", "must be a string or an array of strings");
    }
    p->values = json_incref(v);
    return 0;
}

/* start_time: epoch seconds up to SERVE_MAX_AHEAD_S past this host's now
 * (clients' clocks drift; a later one is no API call yet). It becomes a
 * monotonic instant and a duration's origin: 1e10 once overflowed the
 * conversion and crashed the service at every restart (issue 12). */
static int start_time_number(const json_t *body, double now, double *out, perr_t *pe)
{
    char what[128];

    if (given(body, "start_time") == NULL)
        return 0; /* (now: the message below is made only when needed) */
    snprintf(what, sizeof(what),
             "epoch seconds no later than %.0f (a day after this host's clock), or null "
             "for now",
             now + SERVE_MAX_AHEAD_S);
    return opt_number(body, "start_time", 0, now + SERVE_MAX_AHEAD_S, false, out, pe,
                      what);
}

/* match, then the numbers: start_time (default now), timeout, frequency. */
static int parse_match_numbers(rparse_t *p, double now)
{
    json_t *v = given(p->body, "match");
    probe_req_t *req = p->req;
    int ret;

    if (v != NULL) {
        const char *m = json_string_value(v);
        if (m != NULL && strcmp(m, "exact") == 0)
            req->exact = true;
        else if (m == NULL || strcmp(m, "subset") != 0)
            return bad(&p->pe, "match", "must be \"subset\" or \"exact\"");
    }
    req->start_time = now;
    if ((ret = start_time_number(p->body, now, &req->start_time, &p->pe)) < 0 ||
        (ret = opt_number(p->body, "timeout", 0, SERVE_MAX_TIMEOUT_S, true, &req->timeout,
                          &p->pe, "seconds in (0, 604800]")) < 0 ||
        (ret = opt_number(p->body, "frequency", PROBE_MIN_FREQUENCY, 86400, false,
                          &req->frequency, &p->pe, "seconds in [0.001, 86400]")) < 0)
        return ret;
    return 0;
}

/* The condition decides what is queried: a zone's SOA, or a record
 * (name defaults to the zone: its apex, as Digaas's data= polls). */
static int parse_condition(rparse_t *p)
{
    const char *c = p->cond_s;
    probe_req_t *req = p->req;

    if (strcmp(c, "serial_not_lower") == 0) {
        req->cond = COND_SERIAL_NOT_LOWER;
        p->record = false;
        if (!req->has_serial)
            return bad(&p->pe, "serial",
                       "missing (serial_not_lower waits for an SOA serial >= serial, "
                       "RFC 1982 arithmetic)");
    } else if (strcmp(c, "zone_removed") == 0) {
        req->cond = COND_EMPTY_RESPONSE;
        p->record = false;
    } else if (strcmp(c, "empty_response") == 0) {
        req->cond = COND_EMPTY_RESPONSE;
        p->record = p->name_s != NULL || p->type_s != NULL;
    } else if (strcmp(c, "value_present") == 0) {
        req->cond = COND_VALUE_PRESENT;
        p->record = true;
        if (p->values == NULL)
            return bad(&p->pe, "value",
                       "missing (value_present waits for the value(s) in the RRset)");
    } else if (strncmp(c, "data=", 5) == 0) {
        req->cond = COND_VALUE_PRESENT;
        p->record = true;
        p->data_value = c + 5;
        if (p->data_value[0] == '\0')
            return bad(&p->pe, "condition", "data= needs a value (data=192.0.2.1)");
        if (p->values != NULL)
            return bad(&p->pe, "value",
                       "give the value either in condition (data=...) or in value, not "
                       "both");
    } else {
        return bad(&p->pe, "condition", "unknown condition '%.100s' (%s)", c, cond_help);
    }
    if (!p->record && p->type_s != NULL && req->qtype != RDATA_T_SOA)
        return bad(&p->pe, "rdatatype", "%s polls the zone's SOA; leave rdatatype out",
                   c);
    return 0;
}

/* The query (type, name, values) into req, and probe_req_finish's check. */
static int build_query(rparse_t *p)
{
    probe_req_t *req = p->req;
    char err[1100];
    json_t *v;
    size_t i;

    if (!p->record)
        req->qtype = RDATA_T_SOA;
    else if (req->qtype == 0)
        req->qtype = RDATA_T_A;
    if (p->record && p->name_s != NULL) {
        if (probe_req_set_name(req, p->name_s, false, err, sizeof(err)) < 0)
            return bad(&p->pe, "name", "%s", err);
    } else {
        /* a zone in a NOTAUTH/REFUSED answer counts as removed only for
         * zone polls (probes/condition.h) */
        if (probe_req_set_name(req, p->zone_s, !p->record, err, sizeof(err)) < 0)
            return bad(&p->pe, p->zone_field, "%s", err);
    }
    if (p->data_value != NULL &&
        probe_req_add_value(req, p->data_value, err, sizeof(err)) < 0)
        return bad(&p->pe, "condition", "%s", err);
    json_array_foreach(p->values, i, v)
    {
        if (probe_req_add_value(req, json_string_value(v), err, sizeof(err)) < 0)
            return bad(&p->pe, "value", "%s", err);
    }
    if (probe_req_finish(req, err, sizeof(err)) < 0)
        return bad(&p->pe, "request", "%s", err);
    return 0;
}

/* A copy of the body's field k, or dflt (taken) when it is not given. */
static json_t *echo_of(const json_t *body, const char *k, json_t *dflt)
{
    json_t *v = given(body, k);

    if (v == NULL)
        return dflt;
    json_decref(dflt);
    return json_deep_copy(v);
}

/* "k": and the body's field k as sent, or dflt when it is not given
 * (written as JSON text; NULL: null). */
static void echo_field(buf_t *b, const json_t *body, const char *k, const char *dflt)
{
    const json_t *v = given(body, k);

    jsonw_add_key(b, k);
    if (v != NULL)
        jsonw_add(b, v);
    else if (dflt != NULL)
        buf_add(b, dflt, strlen(dflt));
    else
        buf_add(b, "null", 4);
}

static void echo_str(buf_t *b, const char *k, const char *v)
{
    jsonw_add_key(b, k);
    if (v != NULL)
        jsonw_add_string(b, v);
    else
        buf_add(b, "null", 4);
}

#define ECHO_FIRST_CAP 768

/* The echo: what was sent (numbers as sent), start_time resolved, as the
 * JSON text of an object (malloc'd; NULL: no memory). Written as text,
 * not built as a jansson tree: every POST /requests pays for it, and the
 * tree cost 28 allocations and their frees. */
static char *echo_text(const rparse_t *p)
{
    const json_t *body = p->body;
    char num[JSONW_REAL_MAX];
    buf_t b = {0};

    b.p = malloc(ECHO_FIRST_CAP); /* (a request's echo at once) */
    if (b.p == NULL)
        return NULL;
    b.cap = ECHO_FIRST_CAP;
    buf_add(&b, "{\"nameserver\":", 14);
    jsonw_add_string(&b, p->ns_s);
    echo_str(&b, p->zone_field, p->zone_s);
    if (p->name_s != NULL)
        echo_str(&b, "name", p->name_s);
    echo_str(&b, "rdatatype", p->type_s);
    if (given(body, "value") != NULL)
        echo_field(&b, body, "value", NULL);
    if (given(body, "match") != NULL)
        echo_field(&b, body, "match", NULL);
    echo_field(&b, body, "serial", NULL);
    echo_str(&b, "condition", p->cond_s);
    jsonw_add_key(&b, "start_time");
    buf_add(&b, num, jsonw_real(num, p->req->start_time));
    jsonw_real(num, p->req->timeout);
    echo_field(&b, body, "timeout", num);
    jsonw_real(num, p->req->frequency);
    echo_field(&b, body, "frequency", num);
    buf_add(&b, "}", 1);
    if (b.oom) {
        buf_free(&b);
        return NULL;
    }
    return b.p;
}

int serve_request_parse_text(const json_t *body, double now, probe_req_t *req,
                             char **text, char *field, size_t fieldlen, char *msg,
                             size_t msglen)
{
    rparse_t p;
    int ret;

    memset(&p, 0, sizeof(p));
    p.pe = (perr_t){field, fieldlen, msg, msglen};
    p.body = body;
    p.req = req;
    *text = NULL;
    if (fieldlen > 0)
        field[0] = '\0';
    if (!json_is_object(body))
        return bad(&p.pe, "body", "must be a JSON object");
    if ((ret = parse_nameserver(&p)) < 0 || (ret = parse_names(&p)) < 0 ||
        (ret = parse_cond_type_serial(&p)) < 0 || (ret = parse_values(&p)) < 0 ||
        (ret = parse_match_numbers(&p, now)) < 0 || (ret = parse_condition(&p)) < 0 ||
        (ret = build_query(&p)) < 0)
        goto out;
    *text = echo_text(&p);
    if (*text == NULL)
        ret = -ENOMEM;
out:
    json_decref(p.values);
    return ret;
}

/* The same echo as a tree: its text read back (resume, the tests). */
int serve_request_parse(const json_t *body, double now, probe_req_t *req, json_t **rec,
                        char *field, size_t fieldlen, char *msg, size_t msglen)
{
    char *text = NULL;
    int ret =
        serve_request_parse_text(body, now, req, &text, field, fieldlen, msg, msglen);

    *rec = NULL;
    if (ret == 0) {
        *rec = json_loads(text, 0, NULL);
        if (*rec == NULL)
            ret = -ENOMEM;
    }
    free(text);
    return ret;
}

int serve_stats_parse(const json_t *body, double *start, double *end, char *field,
                      size_t fieldlen, char *msg, size_t msglen)
{
    perr_t pe = {field, fieldlen, msg, msglen};

    *start = NAN;
    *end = NAN;
    if (!json_is_object(body))
        return bad(&pe, "body", "must be a JSON object");
    if (given(body, "start_time") == NULL || given(body, "end_time") == NULL)
        return bad(&pe, given(body, "start_time") == NULL ? "start_time" : "end_time",
                   "missing (epoch seconds: the requests whose start_time is in "
                   "[start_time, end_time])");
    if (opt_number(body, "start_time", 0, SERVE_MAX_EPOCH_S, false, start, &pe,
                   "epoch seconds") < 0 ||
        opt_number(body, "end_time", 0, SERVE_MAX_EPOCH_S, false, end, &pe,
                   "epoch seconds") < 0)
        return DP_EPARSE;
    /* Digaas's /poll_requests generation refused an empty range
     * (old-master's StatsRequest.validate: end_time <= start_time) */
    if (*end <= *start)
        return bad(&pe, "end_time", "must come after start_time");
    return 0;
}

const char *serve_cond_kind(const char *cond)
{
    if (cond == NULL)
        return "unknown";
    if (strcmp(cond, "zone_removed") == 0)
        return "empty_response";
    if (strncmp(cond, "data=", 5) == 0)
        return "value_present";
    return cond;
}

/* ---- Digaas's /observers ------------------------------------------------------------
 */

/* Digaas's observer types and what each waits for (Digaas master's
 * observe.py: a zone is created when its SOA answers, updated when its
 * serial is not lower, deleted when it no longer answers; a record is
 * created or updated when its RRset holds rdata, deleted when the name
 * has no RR of rdatatype). */
static const struct {
    const char *type;
    cond_kind_t cond;
    bool record;
} obs_types[] = {
    {"ZONE_CREATE", COND_SERIAL_NOT_LOWER, false},
    {"ZONE_UPDATE", COND_SERIAL_NOT_LOWER, false},
    {"ZONE_DELETE", COND_EMPTY_RESPONSE, false},
    {"RECORD_CREATE", COND_VALUE_PRESENT, true},
    {"RECORD_UPDATE", COND_VALUE_PRESENT, true},
    {"RECORD_DELETE", COND_EMPTY_RESPONSE, true},
};

static const char *obs_help = "ZONE_CREATE, ZONE_UPDATE, ZONE_DELETE, RECORD_CREATE, "
                              "RECORD_UPDATE, RECORD_DELETE";

/* An observer body on its way through the parser. */
typedef struct {
    perr_t pe;
    const json_t *body;
    probe_req_t *req;
    const char *ns_s;
    const char *name_s;
    const char *type_s;  /* the observer's type */
    const char *rtype_s; /* rdatatype */
    const char *rdata_s;
    int kind; /* index in obs_types */
} oparse_t;

static int obs_strings(oparse_t *p)
{
    json_t *v = given(p->body, "type");
    size_t i;

    if (v == NULL || (p->type_s = json_string_value(v)) == NULL)
        return bad(&p->pe, "type", "missing or not a string (%s)", obs_help);
    p->kind = -1;
    for (i = 0; i < sizeof(obs_types) / sizeof(obs_types[0]); i++) {
        if (strcmp(p->type_s, obs_types[i].type) == 0)
            p->kind = (int)i;
    }
    if (p->kind < 0)
        return bad(&p->pe, "type", "unknown type '%.100s' (%s)", p->type_s, obs_help);
    v = given(p->body, "name");
    if (v == NULL || (p->name_s = json_string_value(v)) == NULL || p->name_s[0] == '\0')
        return bad(&p->pe, "name",
                   "missing or not a non-empty string (the name to query)");
    if ((v = given(p->body, "rdatatype")) != NULL &&
        (p->rtype_s = json_string_value(v)) == NULL)
        return bad(&p->pe, "rdatatype", "must be a string (A, AAAA, TXT, ...)");
    if ((v = given(p->body, "rdata")) != NULL &&
        (p->rdata_s = json_string_value(v)) == NULL)
        return bad(&p->pe, "rdata", "must be a string (zone-file form: 192.0.2.1)");
    return 0;
}

/* serial, start_time (null: now), interval (Digaas's frequency), timeout. */
static int obs_numbers(oparse_t *p, double now)
{
    json_t *v = given(p->body, "serial");
    probe_req_t *req = p->req;
    int ret;

    if (v != NULL) {
        json_int_t s = json_is_integer(v) ? json_integer_value(v) : -1;
        if (s < 0 || s > (json_int_t)UINT32_MAX)
            return bad(&p->pe, "serial", "must be an integer in [0, 4294967295]");
        req->serial = (uint32_t)s;
    }
    req->has_serial = true;
    /* serial 0 or none: any SOA answer (Digaas's ZONE_CREATE ignores it) */
    req->any_serial = v == NULL || req->serial == 0;
    req->start_time = now;
    req->frequency = 1.0; /* Digaas's README examples */
    if ((ret = start_time_number(p->body, now, &req->start_time, &p->pe)) < 0 ||
        (ret = opt_number(p->body, "timeout", 0, SERVE_MAX_TIMEOUT_S, true, &req->timeout,
                          &p->pe, "seconds in (0, 604800]")) < 0 ||
        (ret = opt_number(p->body, "interval", PROBE_MIN_FREQUENCY, 86400, false,
                          &req->frequency, &p->pe, "seconds in [0.001, 86400]")) < 0)
        return ret;
    if (strcmp(p->type_s, "ZONE_UPDATE") == 0 && v == NULL)
        return bad(&p->pe, "serial",
                   "missing (ZONE_UPDATE waits for a serial >= serial)");
    return 0;
}

/* The probe request an observer stands for. */
static int obs_query(oparse_t *p)
{
    probe_req_t *req = p->req;
    bool record = obs_types[p->kind].record;
    char err[1100];

    req->cond = obs_types[p->kind].cond;
    if (record) {
        if (p->rtype_s == NULL)
            return bad(&p->pe, "rdatatype", "missing (%s needs the record's type)",
                       p->type_s);
        if (rdata_type_from_str(p->rtype_s, &req->qtype) < 0)
            return bad(&p->pe, "rdatatype", "unknown record type '%.100s'", p->rtype_s);
        if (req->cond == COND_VALUE_PRESENT && p->rdata_s == NULL)
            return bad(&p->pe, "rdata", "missing (%s waits for rdata in the RRset)",
                       p->type_s);
    } else {
        req->qtype = RDATA_T_SOA;
    }
    if (req->cond != COND_SERIAL_NOT_LOWER)
        req->has_serial = false;
    if (probe_req_set_name(req, p->name_s, !record, err, sizeof(err)) < 0)
        return bad(&p->pe, "name", "%s", err);
    if (req->cond == COND_VALUE_PRESENT &&
        probe_req_add_value(req, p->rdata_s, err, sizeof(err)) < 0)
        return bad(&p->pe, "rdata", "%s", err);
    if (probe_req_finish(req, err, sizeof(err)) < 0)
        return bad(&p->pe, "body", "%s", err);
    return 0;
}

/* Digaas's echo: every field of its model, numbers as sent, and the
 * condition it became (ours). */
static json_t *obs_echo(const oparse_t *p)
{
    json_t *out = json_object();
    json_t *v;

    if (out == NULL)
        return NULL;
    json_object_set_new(out, "name", json_string(p->name_s));
    json_object_set_new(out, "nameserver", json_string(p->ns_s));
    v = given(p->body, "start_time");
    json_object_set_new(out, "start_time",
                        v != NULL ? json_deep_copy(v) : json_real(p->req->start_time));
    json_object_set_new(out, "interval",
                        echo_of(p->body, "interval", json_real(p->req->frequency)));
    json_object_set_new(out, "timeout",
                        echo_of(p->body, "timeout", json_real(p->req->timeout)));
    json_object_set_new(out, "type", json_string(p->type_s));
    json_object_set_new(out, "serial", echo_of(p->body, "serial", json_null()));
    json_object_set_new(out, "rdata",
                        p->rdata_s != NULL ? json_string(p->rdata_s) : json_null());
    json_object_set_new(out, "rdatatype",
                        p->rtype_s != NULL ? json_string(p->rtype_s) : json_null());
    json_object_set_new(out, "condition", json_string(cond_kind_str(p->req->cond)));
    return out;
}

int serve_observer_parse(const json_t *body, double now, probe_req_t *req, json_t **rec,
                         char *field, size_t fieldlen, char *msg, size_t msglen)
{
    oparse_t p;
    rparse_t rp;
    int ret;

    memset(&p, 0, sizeof(p));
    memset(&rp, 0, sizeof(rp));
    p.pe = (perr_t){field, fieldlen, msg, msglen};
    p.body = body;
    p.req = req;
    *rec = NULL;
    if (fieldlen > 0)
        field[0] = '\0';
    if (!json_is_object(body))
        return bad(&p.pe, "body", "must be a JSON object");
    rp.pe = p.pe;
    rp.body = body;
    rp.req = req;
    if ((ret = parse_nameserver(&rp)) < 0 || (ret = obs_strings(&p)) < 0 ||
        (ret = obs_numbers(&p, now)) < 0 || (ret = obs_query(&p)) < 0)
        return ret;
    p.ns_s = rp.ns_s;
    *rec = obs_echo(&p);
    return *rec != NULL ? 0 : -ENOMEM;
}

int serve_dstats_parse(const json_t *body, double *start, double *end, char *field,
                       size_t fieldlen, char *msg, size_t msglen)
{
    perr_t pe = {field, fieldlen, msg, msglen};

    *start = NAN;
    *end = NAN;
    if (!json_is_object(body))
        return bad(&pe, "body", "must be a JSON object");
    if (given(body, "start") == NULL || given(body, "end") == NULL)
        return bad(&pe, given(body, "start") == NULL ? "start" : "end",
                   "missing (epoch seconds: the observers whose start_time is in "
                   "[start, end])");
    if (opt_number(body, "start", 0, SERVE_MAX_EPOCH_S, false, start, &pe,
                   "epoch seconds") < 0 ||
        opt_number(body, "end", 0, SERVE_MAX_EPOCH_S, false, end, &pe, "epoch seconds") <
            0)
        return DP_EPARSE;
    /* Digaas master's spec posts start == end and wants 201; only an end
     * before the start is refused (its ObserverStats.validate) */
    if (*end < *start)
        return bad(&pe, "end", "is before start");
    return 0;
}
