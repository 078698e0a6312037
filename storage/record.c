/*
 * record: the compact form of a stored result (record.h says the format).
 *
 * The table below is the format: appending a field at the end keeps every
 * record already stored readable (a shorter record has the new field
 * absent) only when the record has no extras, which sit after the last
 * field: so a field added changes the magic ("R1" had none of RF_NSID on,
 * "R2" none of RF_TARGET on),
 * and reordering or removing one needs a new magic too.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "harness/common/jsonw.h"
#include "harness/common/vec.h"
#include "probes/condition.h"
#include "probes/rdata.h"
#include "probes/result.h"
#include "storage/record.h"

typedef enum {
    T_STR, /* usually a string */
    T_NUM, /* usually a number */
    T_ANY, /* any JSON value, stored as its JSON text */
} record_type_t;

typedef struct {
    const char *name;
    record_type_t type;
    int same; /* the partner field whose value this one often repeats; -1 */
    const char *const *usual; /* up to 10 frequent values, NULL-terminated */
} record_def_t;

static const char *const st_usual[] = {"COMPLETED", "TIMEOUT", "ERROR", "CANCELLED",
                                       NULL};
static const char *const type_usual[] = {"A",  "AAAA", "SOA", "NS",  "CNAME", "TXT",
                                         "MX", "SRV",  "PTR", "CAA", NULL};
static const char *const cond_usual[] = {"serial_not_lower", "value_present",
                                         "empty_response", NULL};
static const char *const rcode_usual[] = {"NOERROR", "NXDOMAIN", "SERVFAIL", "REFUSED",
                                          "FORMERR", "NOTIMP",   "NOTAUTH",  NULL};
static const char *const empty_usual[] = {"NXDOMAIN", "NODATA", "REFUSED", "NOTAUTH",
                                          NULL};
static const char *const kind_usual[] = {
    "probe",         "zone_create",   "zone_update",   "zone_delete",
    "record_create", "record_update", "record_delete", NULL};
static const char *const claim_usual[] = {"none",    "in_sync", "failed",    "gone",
                                          "timeout", "error",   "cancelled", NULL};
static const char *const measure_usual[] = {"answer", "referral", "glue", "serial", NULL};

/* In storing order: record_field_t's order. */
static const record_def_t record_fields[RF_COUNT] = {
    [RF_SEQ] = {"seq", T_NUM, -1, NULL},
    [RF_ID] = {"id", T_ANY, -1, NULL},
    [RF_STATUS] = {"status", T_STR, -1, st_usual},
    [RF_NAMESERVER] = {"nameserver", T_STR, -1, NULL},
    [RF_NAME] = {"name", T_STR, -1, NULL},
    [RF_TYPE] = {"type", T_STR, -1, type_usual},
    [RF_CONDITION] = {"condition", T_STR, -1, cond_usual},
    [RF_START_TIME] = {"start_time", T_NUM, -1, NULL},
    [RF_OBSERVED_AT] = {"observed_at", T_NUM, -1, NULL},
    [RF_DURATION] = {"duration", T_NUM, -1, NULL},
    [RF_LOWER_BOUND] = {"lower_bound", T_NUM, -1, NULL},
    [RF_QUERIES] = {"queries", T_NUM, -1, NULL},
    [RF_ANSWERS] = {"answers", T_NUM, -1, NULL},
    [RF_RCODE] = {"rcode", T_STR, -1, rcode_usual},
    [RF_REASON] = {"reason", T_STR, -1, NULL},
    [RF_SERIAL] = {"serial", T_ANY, -1, NULL},
    [RF_VALUES] = {"values", T_ANY, -1, NULL},
    [RF_EMPTY] = {"empty", T_STR, -1, empty_usual},
    [RF_OP_ID] = {"op_id", T_ANY, RF_ID, NULL},
    [RF_OP_KIND] = {"op_kind", T_STR, -1, kind_usual},
    [RF_NS_NAME] = {"ns_name", T_STR, RF_NAMESERVER, NULL},
    [RF_VANTAGE] = {"vantage", T_STR, -1, NULL},
    [RF_AGENT] = {"agent", T_STR, -1, NULL},
    [RF_FREQUENCY] = {"frequency", T_NUM, -1, NULL},
    [RF_TIMEOUT] = {"timeout", T_NUM, -1, NULL},
    [RF_EXPECTED] = {"expected", T_ANY, RF_VALUES, NULL},
    [RF_ZONE] = {"zone", T_STR, -1, NULL},
    [RF_SUBMIT_TIME] = {"submit_time", T_NUM, -1, NULL},
    [RF_ACK_TIME] = {"ack_time", T_NUM, -1, NULL},
    [RF_API_RETRIES] = {"api_retries", T_NUM, -1, NULL},
    [RF_PHASE] = {"phase", T_STR, -1, NULL},
    [RF_OFFERED_RATE] = {"offered_rate", T_NUM, -1, NULL},
    [RF_CLAIM_STATUS] = {"claim_status", T_STR, -1, claim_usual},
    [RF_CLAIMED_AT] = {"claimed_at", T_NUM, -1, NULL},
    [RF_MEASURED_BY] = {"measured_by", T_STR, -1, measure_usual},
    [RF_CUT] = {"cut", T_STR, -1, NULL},
    [RF_RRSET_NAME] = {"rrset_name", T_STR, -1, NULL},
    [RF_RRSET_TYPE] = {"rrset_type", T_STR, -1, type_usual},
    [RF_QUERY_LOG] = {"query_log", T_ANY, -1, NULL},
    [RF_NSID] = {"nsid", T_STR, -1, NULL},
    [RF_NSID_LAST] = {"nsid_last", T_STR, -1, NULL},
    [RF_DNSSEC] = {"dnssec", T_ANY, -1, NULL},
    [RF_PLAIN_DURATION] = {"plain_duration", T_NUM, -1, NULL},
    [RF_TARGET] = {"target", T_STR, -1, NULL},
    [RF_CHANGE] = {"change", T_ANY, -1, NULL},
    [RF_CHANGE_TARGETS] = {"change_targets", T_ANY, -1, NULL},
};

const char *record_field_name(record_field_t f)
{
    return (unsigned)f < RF_COUNT ? record_fields[f].name : "?";
}

bool record_is_compact(const char *text, size_t len)
{
    return len >= REC_MAGIC_LEN && (memcmp(text, REC_MAGIC, REC_MAGIC_LEN) == 0 ||
                                    memcmp(text, REC_MAGIC_R2, REC_MAGIC_LEN) == 0 ||
                                    memcmp(text, REC_MAGIC_R1, REC_MAGIC_LEN) == 0);
}

/* ---- encoding -------------------------------------------------------------------- */

static void add_escaped(buf_t *out, const char *s, size_t n)
{
    size_t from = 0;

    for (size_t i = 0; i < n; i++) {
        char e;
        switch (s[i]) {
        case '\\':
            e = '\\';
            break;
        case '\t':
            e = 't';
            break;
        case '\n':
            e = 'n';
            break;
        case '\r':
            e = 'r';
            break;
        default:
            continue;
        }
        buf_add(out, s + from, i - from);
        buf_add(out, "\\", 1);
        buf_add(out, &e, 1);
        from = i + 1;
    }
    buf_add(out, s + from, n - from);
}

/* A JSON value's text: jsonw's (a real with the digits that read back
 * the same, and a decimal point so that it reads back as a real). */
static void add_json(buf_t *out, const json_t *v)
{
    char num[JSONW_REAL_MAX];

    if (json_is_real(v)) {
        buf_add(out, num, jsonw_real(num, json_real_value(v)));
    } else if (json_is_integer(v)) {
        jsonw_add(out, v);
    } else {
        char *t = jsonw_dumps(v);
        if (t == NULL) {
            out->oom = true;
            return;
        }
        /* JSON text holds no raw tab or newline, but escape anyway */
        add_escaped(out, t, strlen(t));
        free(t);
    }
}

static void add_string(buf_t *out, const record_def_t *d, const char *s, size_t n)
{
    if (n == 0) {
        buf_add(out, "\\e", 2);
        return;
    }
    for (int i = 0; d->usual != NULL && d->usual[i] != NULL; i++) {
        if (strcmp(s, d->usual[i]) == 0) {
            char code[2] = {'\\', (char)('0' + i)};
            buf_add(out, code, 2);
            return;
        }
    }
    add_escaped(out, s, n);
}

static void add_field(buf_t *out, const json_t *o, record_field_t f, const json_t *v)
{
    const record_def_t *d = &record_fields[f];

    if (json_is_null(v)) {
        buf_add(out, "\\N", 2);
    } else if (d->same >= 0 &&
               json_equal((json_t *)v, json_object_get(o, record_fields[d->same].name))) {
        buf_add(out, "\\=", 2);
    } else if (d->type == T_ANY) {
        add_json(out, v);
    } else if (json_is_string(v)) {
        if (d->type == T_NUM)
            buf_add(out, "\\s", 2);
        if (d->type == T_NUM)
            add_escaped(out, json_string_value(v), json_string_length(v));
        else
            add_string(out, d, json_string_value(v), json_string_length(v));
    } else {
        if (d->type == T_STR)
            buf_add(out, "\\j", 2);
        add_json(out, v);
    }
}

static bool known(const char *key)
{
    if (strcmp(key, "campaign") == 0)
        return true;
    for (int f = 0; f < RF_COUNT; f++) {
        if (strcmp(key, record_fields[f].name) == 0)
            return true;
    }
    return false;
}

/* Fields the table does not know, as one JSON object (NULL: none). */
static json_t *extras_of(const json_t *o, size_t nknown)
{
    json_t *x;
    const char *k;
    json_t *v;

    if (json_object_size(o) == nknown)
        return NULL;
    x = json_object();
    json_object_foreach((json_t *)o, k, v)
    {
        if (x != NULL && !known(k))
            json_object_set(x, k, v);
    }
    return x;
}

int record_encode(const json_t *o, bool skip_seq, buf_t *out)
{
    size_t nknown = json_object_get(o, "campaign") != NULL;
    size_t tabs = 0; /* separators owed to the fields written so far */
    json_t *x;

    if (!json_is_object(o))
        return DP_EPARSE;
    if (!skip_seq)
        buf_add(out, REC_MAGIC, REC_MAGIC_LEN);
    for (int f = skip_seq ? RF_SEQ + 1 : RF_SEQ; f < RF_COUNT; f++) {
        const json_t *v = json_object_get(o, record_fields[f].name);
        if (v == NULL) {
            tabs++; /* absent: an empty field, written only if one follows */
            continue;
        }
        nknown++;
        for (; tabs > 0; tabs--)
            buf_add(out, "\t", 1);
        add_field(out, o, (record_field_t)f, v);
        tabs = 1;
    }
    x = extras_of(o, nknown);
    if (x != NULL && json_object_size(x) > 0) {
        for (; tabs > 0; tabs--)
            buf_add(out, "\t", 1);
        add_json(out, x);
    }
    json_decref(x);
    return out->oom ? -ENOMEM : 0;
}

/* ---- decoding -------------------------------------------------------------------- */

/* Unescape [s, s + n) into dst (room for n + 1). */
static size_t unescape(char *dst, const char *s, size_t n)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 == n) {
            dst[o++] = s[i];
            continue;
        }
        switch (s[++i]) {
        case 't':
            dst[o++] = '\t';
            break;
        case 'n':
            dst[o++] = '\n';
            break;
        case 'r':
            dst[o++] = '\r';
            break;
        default:
            dst[o++] = s[i];
            break;
        }
    }
    dst[o] = '\0';
    return o;
}

/* One field's text [s, s + n) into r (its text copied to *dst). */
static int decode_field(record_t *r, record_field_t f, const char *s, size_t n,
                        char **dst)
{
    const record_def_t *d = &record_fields[f];

    r->text[f] = "";
    if (n == 0) {
        r->kind[f] = RK_ABSENT;
        return 0;
    }
    if (n == 2 && s[0] == '\\') {
        if (s[1] == 'N') {
            r->kind[f] = RK_NULL;
            return 0;
        }
        if (s[1] == 'e') {
            r->kind[f] = RK_STR;
            return 0;
        }
        if (s[1] == '=') {
            if (d->same < 0 || (int)d->same >= (int)f)
                return DP_EPARSE;
            r->kind[f] = r->kind[d->same];
            r->text[f] = r->text[d->same];
            return 0;
        }
        if (s[1] >= '0' && s[1] <= '9') {
            int i = s[1] - '0';
            for (int k = 0; k <= i; k++) {
                if (d->usual == NULL || d->usual[k] == NULL)
                    return DP_EPARSE;
            }
            r->kind[f] = RK_STR;
            r->text[f] = d->usual[i];
            return 0;
        }
    }
    if (n >= 2 && s[0] == '\\' && (s[1] == 'j' || s[1] == 's')) {
        r->kind[f] = s[1] == 'j' ? RK_JSON : RK_STR;
        s += 2;
        n -= 2;
    } else {
        r->kind[f] = d->type == T_STR ? RK_STR : RK_JSON;
    }
    r->text[f] = *dst;
    *dst += unescape(*dst, s, n) + 1;
    return 0;
}

int record_decode(record_t *r, const char *text, size_t len)
{
    const char *p;
    const char *end = text + len;
    char *dst;
    int f = RF_SEQ;
    int nf;

    if (!record_is_compact(text, len))
        return DP_EPARSE;
    nf = text[1] == '1' ? RF_R1_COUNT : text[1] == '2' ? RF_R2_COUNT : RF_COUNT;
    if (VEC_RESERVE(r->buf, r->cap, len + RF_COUNT + 2) < 0)
        return -ENOMEM;
    dst = r->buf;
    r->extras = NULL;
    for (int k = 0; k < RF_COUNT; k++) {
        r->kind[k] = RK_ABSENT;
        r->text[k] = "";
    }
    for (p = text + REC_MAGIC_LEN; p <= end; f++) {
        const char *tab = memchr(p, '\t', (size_t)(end - p));
        const char *fe = tab != NULL ? tab : end;
        if (f < nf) {
            if (decode_field(r, (record_field_t)f, p, (size_t)(fe - p), &dst) < 0)
                return DP_EPARSE;
        } else if (f == nf && fe > p) {
            r->extras = dst;
            dst += unescape(dst, p, (size_t)(fe - p)) + 1;
        } else if (fe > p) {
            return DP_EPARSE; /* more fields than the format has */
        }
        p = fe + 1;
    }
    return 0;
}

void record_clear(record_t *r)
{
    free(r->buf);
    r->buf = NULL;
    r->cap = 0;
}

const char *record_str(const record_t *r, record_field_t f)
{
    return r->kind[f] == RK_STR ? r->text[f] : "";
}

double record_num(const record_t *r, record_field_t f)
{
    char *e = NULL;
    double v;

    if (r->kind[f] != RK_JSON)
        return NAN;
    v = strtod(r->text[f], &e);
    return e != r->text[f] && *e == '\0' ? v : NAN;
}

bool record_int(const record_t *r, record_field_t f, int64_t *v)
{
    const char *s = r->text[f];
    char *e = NULL;

    if (r->kind[f] != RK_JSON || (*s != '-' && (*s < '0' || *s > '9')))
        return false;
    errno = 0;
    *v = strtoll(s, &e, 10);
    return errno == 0 && *e == '\0';
}

/* ---- back to JSON ---------------------------------------------------------------- */

json_t *record_to_json(const record_t *r, const char *campaign)
{
    json_t *o = json_object();

    if (o == NULL)
        return NULL;
    for (int f = 0; f < RF_COUNT; f++) {
        json_t *v = NULL;
        json_error_t je;
        switch (r->kind[f]) {
        case RK_ABSENT:
            continue;
        case RK_NULL:
            v = json_null();
            break;
        case RK_STR:
            v = json_string(r->text[f]);
            break;
        case RK_JSON:
            v = json_loads(r->text[f], JSON_DECODE_ANY, &je);
            break;
        }
        if (v == NULL || json_object_set_new(o, record_fields[f].name, v) < 0) {
            json_decref(o);
            return NULL;
        }
    }
    if (r->extras != NULL) {
        json_error_t je;
        json_t *x = json_loads(r->extras, 0, &je);
        if (json_is_object(x))
            json_object_update(o, x);
        json_decref(x);
    }
    if (campaign != NULL)
        json_object_set_new(o, "campaign", json_string(campaign));
    return o;
}

json_t *record_text_to_json(const char *text, size_t len, const char *campaign)
{
    record_t r = {0};
    json_t *o = NULL;
    json_error_t je;

    if (record_is_compact(text, len)) {
        if (record_decode(&r, text, len) == 0)
            o = record_to_json(&r, campaign);
        record_clear(&r);
        return o;
    }
    o = json_loadb(text, len, 0, &je);
    if (!json_is_object(o)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- a probe's result, straight to its record ------------------------------ */

json_t *record_probe_json(const probe_result_t *r, const record_probe_t *x)
{
    json_t *rec = probe_result_json(r);
    json_t *exp;

    if (rec == NULL)
        return NULL;
    json_object_set_new(rec, "op_kind", json_string("probe"));
    json_object_set_new(rec, "op_id", r->id != NULL ? json_string(r->id) : json_null());
    json_object_set_new(rec, "ns_name", json_string(r->ns));
    json_object_set_new(rec, "vantage", json_string(x->vantage));
    json_object_set_new(rec, "frequency", json_real(x->frequency));
    json_object_set_new(rec, "timeout", json_real(x->timeout));
    if (x->serial_cond) {
        exp = json_integer(x->serial);
    } else {
        exp = json_array();
        for (size_t i = 0; i < x->nvalues; i++)
            json_array_append_new(exp, json_string(x->values[i]));
    }
    json_object_set_new(rec, "expected", exp);
    return rec;
}

/* Writing fields in order, each preceded by the tabs of those skipped. */
typedef struct {
    buf_t *out;
    int last; /* the last field written; -1: none yet (the first is field 1) */
} builder_t;

static void at(builder_t *b, record_field_t f)
{
    int tabs = b->last < 0 ? (int)f - (int)RF_ID : (int)f - b->last;

    for (; tabs > 0; tabs--)
        buf_add(b->out, "\t", 1);
    b->last = (int)f;
}

static void put_str(builder_t *b, record_field_t f, const char *s)
{
    at(b, f);
    if (s == NULL)
        buf_add(b->out, "\\N", 2);
    else
        add_string(b->out, &record_fields[f], s, strlen(s));
}

static void put_json(builder_t *b, record_field_t f, json_t *v)
{
    at(b, f);
    if (v == NULL || json_is_null(v))
        buf_add(b->out, "\\N", 2);
    else
        add_json(b->out, v);
    json_decref(v);
}

static void put_real(builder_t *b, record_field_t f, double v)
{
    put_json(b, f, isnan(v) ? NULL : json_real(v));
}

static void put_same(builder_t *b, record_field_t f)
{
    at(b, f);
    buf_add(b->out, "\\=", 2);
}

/* The result's values as its JSON array, or NULL for none (no memory). */
static json_t *strings(char *const *v, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; a != NULL && i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static bool same_values(const probe_result_t *r, const record_probe_t *x)
{
    if (x->serial_cond || r->nvalues != x->nvalues)
        return false;
    for (size_t i = 0; i < r->nvalues; i++) {
        if (strcmp(r->values[i], x->values[i]) != 0)
            return false;
    }
    return true;
}

int record_encode_probe(const probe_result_t *r, const record_probe_t *x, buf_t *out)
{
    builder_t b = {out, -1};
    const char *empty = cond_empty_str(r->empty);
    char tb[16];
    char rb[16];

    if (r->query_log != NULL) {
        /* rare (the service's query statistics): through the JSON */
        json_t *o = record_probe_json(r, x);
        int ret = o != NULL ? record_encode(o, true, out) : -ENOMEM;
        json_decref(o);
        return ret;
    }
    put_json(&b, RF_ID, r->id != NULL ? json_string(r->id) : NULL);
    put_str(&b, RF_STATUS, probe_status_str(r->status));
    put_str(&b, RF_NAMESERVER, r->ns);
    put_str(&b, RF_NAME, r->qname != NULL ? r->qname : "");
    put_str(&b, RF_TYPE, rdata_type_to_str(r->qtype, tb));
    put_str(&b, RF_CONDITION, cond_kind_str(r->cond));
    put_real(&b, RF_START_TIME, r->start_time);
    put_real(&b, RF_OBSERVED_AT, r->status == PROBE_COMPLETED ? r->observed_at : NAN);
    put_real(&b, RF_DURATION, r->duration);
    put_real(&b, RF_LOWER_BOUND, r->lower_bound);
    put_json(&b, RF_QUERIES, json_integer(r->queries));
    put_json(&b, RF_ANSWERS, json_integer(r->answers));
    put_str(&b, RF_RCODE, r->rcode >= 0 ? rdata_rcode_str(r->rcode, rb) : NULL);
    put_str(&b, RF_REASON, r->reason);
    put_json(&b, RF_SERIAL, r->have_serial ? json_integer(r->serial) : NULL);
    put_json(&b, RF_VALUES, strings(r->values, r->nvalues));
    put_str(&b, RF_EMPTY, empty);
    if (r->id != NULL)
        put_same(&b, RF_OP_ID);
    else
        put_json(&b, RF_OP_ID, NULL); /* null first, as record_encode checks it */
    put_str(&b, RF_OP_KIND, "probe");
    put_same(&b, RF_NS_NAME);
    put_str(&b, RF_VANTAGE, x->vantage);
    put_real(&b, RF_FREQUENCY, x->frequency);
    put_real(&b, RF_TIMEOUT, x->timeout);
    if (same_values(r, x))
        put_same(&b, RF_EXPECTED);
    else
        put_json(&b, RF_EXPECTED,
                 x->serial_cond ? json_integer(x->serial)
                                : strings(x->values, x->nvalues));
    if (r->nsid_asked) {
        put_str(&b, RF_NSID, r->nsid);
        put_str(&b, RF_NSID_LAST, r->nsid_last);
    }
    if (r->dnssec) {
        put_json(&b, RF_DNSSEC, json_true());
        put_real(&b, RF_PLAIN_DURATION, r->plain_duration);
    }
    return out->oom ? -ENOMEM : 0;
}
