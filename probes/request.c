/*
 * request: poll request parsing (see request.h). CSV through
 * harness/common/csvtab.h, in the words the requests' errors always had.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/csvtab.h"
#include "harness/common/errcode.h"
#include "harness/common/fmt.h"
#include "harness/common/numparse.h"
#include "harness/common/vec.h"
#include "probes/request.h"

/* "host:port" ("[host]:port" for IPv6, RFC 3986 3.2.2), as snprintf
 * would write it: every POST to the service parses its nameserver. */
static void ns_text(char *out, size_t cap, const char *open, const char *host,
                    const char *close, uint16_t port)
{
    char num[FMT_INT_MAX];
    size_t n = fmt_copy(out, cap, open);

    n = fmt_cat(out, cap, n, host, cap);
    n = fmt_cat(out, cap, n, close, cap);
    n = fmt_cat(out, cap, n, ":", 1);
    fmt_int(num, port);
    fmt_cat(out, cap, n, num, sizeof(num));
}

int probe_ns_parse(const char *s, probe_ns_t *out)
{
    char host[INET6_ADDRSTRLEN + 1];
    const char *port_s = NULL;
    uint16_t port = 53;
    size_t hl;

    memset(out, 0, sizeof(*out));
    if (s == NULL || *s == '\0')
        return DP_EBADADDR;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL)
            return DP_EBADADDR;
        hl = (size_t)(close - s - 1);
        if (hl >= sizeof(host))
            return DP_EBADADDR;
        memcpy(host, s + 1, hl);
        host[hl] = '\0';
        if (close[1] == ':')
            port_s = close + 2;
        else if (close[1] != '\0')
            return DP_EBADADDR;
    } else {
        const char *colon = strchr(s, ':');
        /* One colon: IPv4 with port. More: a bare IPv6 literal. */
        if (colon != NULL && strchr(colon + 1, ':') == NULL) {
            hl = (size_t)(colon - s);
            port_s = colon + 1;
        } else {
            hl = strlen(s);
        }
        if (hl >= sizeof(host))
            return DP_EBADADDR;
        memcpy(host, s, hl);
        host[hl] = '\0';
    }
    if (port_s != NULL && (numparse_u16(port_s, &port) < 0 || port == 0))
        return DP_EBADADDR;

    struct sockaddr_in *v4 = (struct sockaddr_in *)&out->sa;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->sa;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        out->len = sizeof(*v4);
        ns_text(out->text, sizeof(out->text), "", host, "", port);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        char canon[INET6_ADDRSTRLEN];
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        out->len = sizeof(*v6);
        inet_ntop(AF_INET6, &v6->sin6_addr, canon, sizeof(canon));
        ns_text(out->text, sizeof(out->text), "[", canon, "]", port);
    } else {
        return DP_EBADADDR;
    }
    return 0;
}

void probe_req_init(probe_req_t *req)
{
    memset(req, 0, sizeof(*req));
    req->cond = COND_SERIAL_NOT_LOWER;
    req->start_time = -1.0;
    req->frequency = PROBE_DEFAULT_FREQUENCY;
    req->timeout = PROBE_DEFAULT_TIMEOUT;
    req->edns = DNSMSG_Q_NSID;
}

void probe_req_clear(probe_req_t *req)
{
    size_t i;

    for (i = 0; i < req->nvalues; i++)
        free(req->values[i]);
    free(req->values);
    free(req->id);
    req->values = NULL;
    req->nvalues = 0;
    req->capvalues = 0;
    req->id = NULL;
}

int probe_req_set_name(probe_req_t *req, const char *name, bool is_zone, char *err,
                       size_t errlen)
{
    if (rdata_name_canon(name, req->qname, sizeof(req->qname)) < 0) {
        snprintf(err, errlen, "'%s' is not a valid domain name", name);
        return DP_EBADNAME;
    }
    req->is_zone = is_zone;
    return 0;
}

int probe_req_add_value(probe_req_t *req, const char *text, char *err, size_t errlen)
{
    char type_buf[16];
    uint16_t type = req->qtype;
    char *v = NULL;
    char **slot;
    int ret;

    if (type == 0)
        type = req->is_zone ? RDATA_T_SOA : RDATA_T_A;
    if (!rdata_type_comparable(type)) {
        snprintf(err, errlen,
                 "values of type %s cannot be compared (every data type can, typed or "
                 "as \\# LEN HEX; not OPT or meta types such as ANY, AXFR, IXFR)",
                 rdata_type_to_str(type, type_buf));
        return DP_EBADTYPE;
    }
    ret = rdata_from_text(type, text, &v);
    if (ret < 0) {
        snprintf(err, errlen, "'%s' is not a valid %s value%s", text,
                 rdata_type_to_str(type, type_buf),
                 type == RDATA_T_MX ? " (want 'PREFERENCE NAME', e.g. '10 mail.example.')"
                 : type == RDATA_T_SRV ? " (want 'PRIORITY WEIGHT PORT TARGET')"
                                       : "");
        return ret;
    }
    slot = VEC_PUSH(req->values, req->nvalues, req->capvalues);
    if (slot == NULL) {
        free(v);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    *slot = v;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int probe_req_finish(probe_req_t *req, char *err, size_t errlen)
{
    size_t i;
    size_t w = 0;

    if (req->ns.len == 0) {
        snprintf(err, errlen, "field 'nameserver': missing");
        return DP_EUSAGE;
    }
    if (req->qname[0] == '\0') {
        snprintf(err, errlen, "field 'zone_name' or 'name': missing");
        return DP_EUSAGE;
    }
    if (req->qtype == 0)
        req->qtype =
            req->is_zone || req->cond == COND_SERIAL_NOT_LOWER ? RDATA_T_SOA : RDATA_T_A;
    switch (req->cond) {
    case COND_SERIAL_NOT_LOWER:
        if (!req->has_serial) {
            snprintf(err, errlen, "field 'serial': serial_not_lower needs a serial");
            return DP_EUSAGE;
        }
        if (req->qtype != RDATA_T_SOA) {
            snprintf(err, errlen, "field 'type': serial_not_lower queries SOA");
            return DP_EUSAGE;
        }
        break;
    case COND_VALUE_PRESENT:
        if (req->nvalues == 0) {
            snprintf(err, errlen,
                     "field 'value': value_present needs at least one value");
            return DP_EUSAGE;
        }
        break;
    case COND_EMPTY_RESPONSE:
        break;
    }
    if (req->frequency < PROBE_MIN_FREQUENCY) {
        snprintf(err, errlen, "field 'frequency': must be at least %g s",
                 PROBE_MIN_FREQUENCY);
        return DP_ERANGE;
    }
    if (req->timeout <= 0) {
        snprintf(err, errlen, "field 'timeout': must be positive");
        return DP_ERANGE;
    }
    /* Values are a set: sort, drop duplicates. */
    if (req->nvalues > 1) {
        qsort(req->values, req->nvalues, sizeof(char *), cmp_str);
        for (i = 0; i < req->nvalues; i++) {
            if (w > 0 && strcmp(req->values[w - 1], req->values[i]) == 0) {
                free(req->values[i]);
                continue;
            }
            req->values[w++] = req->values[i];
        }
        req->nvalues = w;
    }
    return 0;
}

/* ---- CSV ---------------------------------------------------------------- */

/* The columns, in csvtab's order; aliases are columns of their own that
 * mean the same (nameserver and ns, zone_name and zone). */
enum col {
    COL_ID,
    COL_NS,
    COL_NS_ALIAS,
    COL_ZONE,
    COL_ZONE_ALIAS,
    COL_NAME,
    COL_TYPE,
    COL_COND,
    COL_SERIAL,
    COL_VALUE,
    COL_START,
    COL_FREQ,
    COL_TIMEOUT,
    COL_MATCH,
    COL_N
};

static const char *const col_names[COL_N] = {
    "id",        "nameserver", "ns",    "zone_name",  "zone",      "name",    "type",
    "condition", "serial",     "value", "start_time", "frequency", "timeout", "match",
};

/* The errors as they were worded before csvtab read these files. */
static const csvtab_style_t csv_style = {
    NULL,
    "unterminated quoted field at end of file",
    "empty file (want a header row, e.g. nameserver,zone_name,condition,serial)",
    true,
};

typedef struct {
    probe_req_t *reqs;
    size_t nreqs;
    size_t cap;
    probe_req_each_fn each; /* probe_req_each_csv: instead of reqs */
    void *each_arg;
} csv_ctx_t;

/* csvtab_fail with field (NULL: none) and msg, returning code. */
static int csv_fail(csvtab_t *t, int code, const char *field, const char *msg)
{
    csvtab_fail(t, field, "%s", msg);
    return code;
}

static enum col col_of(int c)
{
    return c == COL_NS_ALIAS ? COL_NS : c == COL_ZONE_ALIAS ? COL_ZONE : (enum col)c;
}

/* The header names a nameserver and a name. */
static int csv_head(csvtab_t *t, void *arg)
{
    bool has_ns = false;
    bool has_name = false;
    size_t i;
    int c;

    (void)arg;
    for (i = 0; i < csvtab_nfields(t); i++) {
        csvtab_field(t, i, &c);
        has_ns |= col_of(c) == COL_NS;
        has_name |= col_of(c) == COL_ZONE || col_of(c) == COL_NAME;
    }
    if (!has_ns)
        return csv_fail(t, DP_EPARSE, "nameserver", "header has no nameserver column");
    if (!has_name)
        return csv_fail(t, DP_EPARSE, "zone_name",
                        "header has neither zone_name nor name");
    return 0;
}

/* The numeric and match cells of csv_cell. */
static int csv_cell_timing(probe_req_t *req, enum col col, const char *v, char *msg,
                           size_t msglen)
{
    int ret = 0;

    switch (col) {
    case COL_SERIAL:
        ret = numparse_u32(v, &req->serial);
        req->has_serial = ret == 0;
        if (ret < 0)
            snprintf(msg, msglen, "'%s' is not a serial (0..4294967295)", v);
        break;
    case COL_START:
        ret = numparse_double(v, 0, 1e11, &req->start_time);
        if (ret < 0)
            snprintf(msg, msglen, "'%s' is not epoch seconds", v);
        break;
    case COL_FREQ:
        ret = numparse_double(v, PROBE_MIN_FREQUENCY, 86400, &req->frequency);
        if (ret < 0)
            snprintf(msg, msglen, "'%s' is not seconds in [%g, 86400]", v,
                     PROBE_MIN_FREQUENCY);
        break;
    case COL_TIMEOUT:
        ret = numparse_double(v, 0.001, 86400 * 7, &req->timeout);
        if (ret < 0)
            snprintf(msg, msglen, "'%s' is not seconds in (0, 604800]", v);
        break;
    case COL_MATCH:
        if (strcmp(v, "exact") == 0) {
            req->exact = true;
        } else if (strcmp(v, "subset") != 0) {
            snprintf(msg, msglen, "'%s' is neither subset nor exact", v);
            ret = DP_EPARSE;
        }
        break;
    default:
        break;
    }
    return ret;
}

/* One cell (not a value: those come after the type is known) into req;
 * msg gets why when it is bad. */
static int csv_cell(probe_req_t *req, enum col col, const char *v, char *msg,
                    size_t msglen)
{
    char sub[1024];
    int ret = 0;

    switch (col) {
    case COL_ID:
        free(req->id); /* a repeated id column: the last one wins */
        req->id = strdup(v);
        if (req->id == NULL)
            ret = -ENOMEM;
        break;
    case COL_NS:
        ret = probe_ns_parse(v, &req->ns);
        if (ret < 0)
            snprintf(msg, msglen, "'%s' is not an IPv4/IPv6 address with optional port",
                     v);
        break;
    case COL_ZONE:
    case COL_NAME:
        if (req->qname[0] != '\0') {
            snprintf(msg, msglen, "both zone_name and name are set");
            ret = DP_EPARSE;
            break;
        }
        ret = probe_req_set_name(req, v, col == COL_ZONE, sub, sizeof(sub));
        if (ret < 0)
            snprintf(msg, msglen, "%s", sub);
        break;
    case COL_TYPE:
        ret = rdata_type_from_str(v, &req->qtype);
        if (ret < 0)
            snprintf(msg, msglen, "unknown record type '%s'", v);
        break;
    case COL_COND:
        ret = cond_kind_from_str(v, &req->cond);
        if (ret < 0)
            snprintf(msg, msglen,
                     "unknown condition '%s' (serial_not_lower, value_present, "
                     "empty_response)",
                     v);
        break;
    default:
        return csv_cell_timing(req, col, v, msg, msglen);
    }
    return ret;
}

/* The cells of the current record into req, the values last. */
static int csv_fill(csvtab_t *t, probe_req_t *req)
{
    char msg[1200];
    char sub[1024];
    const char *v;
    size_t i;
    int c;
    int ret;

    for (i = 0; i < csvtab_nfields(t); i++) {
        v = csvtab_field(t, i, &c);
        if (v[0] == '\0' || col_of(c) == COL_VALUE)
            continue;
        ret = csv_cell(req, col_of(c), v, msg, sizeof(msg));
        if (ret == -ENOMEM)
            snprintf(msg, sizeof(msg), "out of memory");
        if (ret < 0)
            return csv_fail(t, ret, col_names[c], msg);
    }
    for (i = 0; i < csvtab_nfields(t); i++) {
        v = csvtab_field(t, i, &c);
        if (col_of(c) != COL_VALUE || v[0] == '\0')
            continue;
        if (probe_req_add_value(req, v, sub, sizeof(sub)) < 0)
            return csv_fail(t, DP_EBADVALUE, "value", sub);
    }
    return 0;
}

/* One record: a request appended to the context's. */
static int csv_row(csvtab_t *t, void *arg)
{
    csv_ctx_t *ctx = arg;
    probe_req_t req;
    probe_req_t *slot;
    char sub[1024];
    size_t i;
    int c;
    int ret;

    for (i = 0; i < csvtab_nfields(t); i++) {
        csvtab_field(t, i, &c);
        if (c < 0)
            return csv_fail(t, DP_EPARSE, NULL,
                            "more fields than the header has columns");
    }
    probe_req_init(&req);
    ret = csv_fill(t, &req);
    if (ret == 0 && probe_req_finish(&req, sub, sizeof(sub)) < 0)
        ret = csv_fail(t, DP_EPARSE, NULL, sub);
    if (ret == 0 && req.id == NULL) {
        char idbuf[32];
        snprintf(idbuf, sizeof(idbuf), "%lu", csvtab_line(t));
        req.id = strdup(idbuf);
    }
    if (ret == 0 && ctx->each != NULL) {
        /* streamed: the callback takes the request */
        ret = ctx->each(&req, csvtab_line(t), ctx->each_arg);
        if (ret < 0 && ret != PROBE_REQ_STOP)
            ret = csv_fail(t, ret, NULL, dp_strerror(ret));
        return ret;
    }
    slot = ret == 0 ? VEC_PUSH(ctx->reqs, ctx->nreqs, ctx->cap) : NULL;
    if (ret == 0 && slot == NULL)
        ret = csv_fail(t, -ENOMEM, NULL, "out of memory");
    if (ret < 0) {
        probe_req_clear(&req);
        return ret;
    }
    *slot = req;
    return 0;
}

void probe_req_free_array(probe_req_t *reqs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        probe_req_clear(&reqs[i]);
    free(reqs);
}

/* The requests of the CSV at path, to each() or into ctx's array. */
static int read_csv(const char *path, csv_ctx_t *ctx, size_t max, char *err,
                    size_t errlen)
{
    csvtab_spec_t spec = {
        col_names,
        COL_N,
        (1u << COL_N) - 1, /* any column may be missing: csv_head checks */
        "known: id nameserver zone_name name type condition serial value start_time "
        "frequency timeout match",
        csv_row,
        ctx,
        csv_head,
        &csv_style,
        max,
    };

    return csvtab_read(path, &spec, err, errlen);
}

int probe_req_load_csv(const char *path, probe_req_t **reqs, size_t *nreqs, char *err,
                       size_t errlen)
{
    csv_ctx_t ctx;
    int ret;

    memset(&ctx, 0, sizeof(ctx));
    *reqs = NULL;
    *nreqs = 0;
    ret = read_csv(path, &ctx, 0, err, errlen);
    if (ret < 0) {
        probe_req_free_array(ctx.reqs, ctx.nreqs);
        return ret;
    }
    *reqs = ctx.reqs;
    *nreqs = ctx.nreqs;
    return 0;
}

int probe_req_each_csv(const char *path, size_t max, probe_req_each_fn each, void *arg,
                       char *err, size_t errlen)
{
    csv_ctx_t ctx;

    memset(&ctx, 0, sizeof(ctx));
    ctx.each = each;
    ctx.each_arg = arg;
    return read_csv(path, &ctx, max, err, errlen);
}

/* ---- JSON, for requests that travel (probe agents over Redis Streams) ------- */

json_t *probe_req_to_json(const probe_req_t *req)
{
    json_t *o = json_object();
    json_t *vals = json_array();
    char tb[16];
    size_t i;

    for (i = 0; i < req->nvalues; i++)
        json_array_append_new(vals, json_string(req->values[i]));
    json_object_set_new(o, "nameserver", json_string(req->ns.text));
    json_object_set_new(o, "name", json_string(req->qname));
    json_object_set_new(o, "is_zone", json_boolean(req->is_zone));
    json_object_set_new(o, "type", json_string(rdata_type_to_str(req->qtype, tb)));
    json_object_set_new(o, "condition", json_string(cond_kind_str(req->cond)));
    json_object_set_new(o, "serial",
                        req->has_serial ? json_integer(req->serial) : json_null());
    json_object_set_new(o, "values", vals);
    json_object_set_new(o, "exact", json_boolean(req->exact));
    json_object_set_new(o, "start_time", json_real(req->start_time));
    json_object_set_new(o, "frequency", json_real(req->frequency));
    json_object_set_new(o, "timeout", json_real(req->timeout));
    json_object_set_new(o, "tag", json_integer((json_int_t)req->tag));
    json_object_set_new(o, "nsid", json_boolean(req->edns & DNSMSG_Q_NSID));
    json_object_set_new(o, "dnssec", json_boolean(req->edns & DNSMSG_Q_DO));
    if (req->id != NULL)
        json_object_set_new(o, "id", json_string(req->id));
    return o;
}

int probe_req_from_json(const json_t *o, probe_req_t *req, char *err, size_t errlen)
{
    const char *ns = json_string_value(json_object_get(o, "nameserver"));
    const char *name = json_string_value(json_object_get(o, "name"));
    const char *type = json_string_value(json_object_get(o, "type"));
    const char *cond = json_string_value(json_object_get(o, "condition"));
    const char *id = json_string_value(json_object_get(o, "id"));
    json_t *serial = json_object_get(o, "serial");
    json_t *v;
    size_t i;
    int ret;

    probe_req_init(req);
    if (!json_is_object(o)) {
        snprintf(err, errlen, "not a JSON object");
        return DP_EPARSE;
    }
    if (ns == NULL || probe_ns_parse(ns, &req->ns) < 0) {
        snprintf(err, errlen, "field 'nameserver': missing or not ADDR[:PORT]");
        return DP_EBADADDR;
    }
    if (name == NULL) {
        snprintf(err, errlen, "field 'name': missing");
        return DP_EPARSE;
    }
    ret = probe_req_set_name(req, name, json_is_true(json_object_get(o, "is_zone")), err,
                             errlen);
    if (ret < 0)
        return ret;
    if (type != NULL && rdata_type_from_str(type, &req->qtype) < 0) {
        snprintf(err, errlen, "field 'type': unknown type '%.32s'", type);
        return DP_EBADTYPE;
    }
    if (cond == NULL || cond_kind_from_str(cond, &req->cond) < 0) {
        snprintf(err, errlen, "field 'condition': missing or unknown");
        return DP_EPARSE;
    }
    if (json_is_integer(serial)) {
        req->has_serial = true;
        req->serial = (uint32_t)json_integer_value(serial);
    }
    req->exact = json_is_true(json_object_get(o, "exact"));
    req->start_time = json_is_number(json_object_get(o, "start_time"))
                          ? json_number_value(json_object_get(o, "start_time"))
                          : -1;
    if (json_is_number(json_object_get(o, "frequency")))
        req->frequency = json_number_value(json_object_get(o, "frequency"));
    if (json_is_number(json_object_get(o, "timeout")))
        req->timeout = json_number_value(json_object_get(o, "timeout"));
    req->tag = (uint64_t)json_integer_value(json_object_get(o, "tag"));
    /* absent: the defaults (a request from before EDNS asks for the NSID) */
    if (json_is_false(json_object_get(o, "nsid")))
        req->edns &= ~DNSMSG_Q_NSID;
    if (json_is_true(json_object_get(o, "dnssec")))
        req->edns |= DNSMSG_Q_DO;
    if (id != NULL && (req->id = strdup(id)) == NULL)
        return -ENOMEM;
    json_array_foreach(json_object_get(o, "values"), i, v)
    {
        if (!json_is_string(v)) {
            snprintf(err, errlen, "field 'values': not a list of strings");
            return DP_EPARSE;
        }
        ret = probe_req_add_value(req, json_string_value(v), err, errlen);
        if (ret < 0)
            return ret;
    }
    return probe_req_finish(req, err, errlen);
}
