/*
 * result: the poll result record, as text and JSON (see result.h).
 */
#include <math.h>
#include <stdlib.h>

#include "harness/common/jsonw.h"
#include "probes/rdata.h"
#include "probes/result.h"

const char *probe_status_str(probe_status_t status)
{
    switch (status) {
    case PROBE_COMPLETED:
        return "COMPLETED";
    case PROBE_TIMEOUT:
        return "TIMEOUT";
    case PROBE_ERROR:
        return "ERROR";
    case PROBE_CANCELLED:
        return "CANCELLED";
    }
    return "UNKNOWN";
}

void probe_result_clear(probe_result_t *res)
{
    free(res->id);
    free(res->qname);
    for (size_t i = 0; res->values != NULL && i < res->nvalues; i++)
        free(res->values[i]);
    free(res->values);
    free(res->query_log);
    res->query_log = NULL;
    res->nquery_log = 0;
    res->id = NULL;
    res->qname = NULL;
    res->values = NULL;
    res->nvalues = 0;
}

static json_t *num_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

json_t *probe_result_json(const probe_result_t *r)
{
    char tb[16];
    char rb[16];
    const char *empty = cond_empty_str(r->empty);
    json_t *o = json_object();
    json_t *vals = json_array();
    size_t i;

    if (o == NULL || vals == NULL) {
        json_decref(o);
        json_decref(vals);
        return NULL;
    }
    for (i = 0; i < r->nvalues; i++)
        json_array_append_new(vals, json_string(r->values[i]));
    json_object_set_new(o, "id", r->id != NULL ? json_string(r->id) : json_null());
    json_object_set_new(o, "status", json_string(probe_status_str(r->status)));
    json_object_set_new(o, "nameserver", json_string(r->ns));
    json_object_set_new(o, "name", json_string(r->qname != NULL ? r->qname : ""));
    json_object_set_new(o, "type", json_string(rdata_type_to_str(r->qtype, tb)));
    json_object_set_new(o, "condition", json_string(cond_kind_str(r->cond)));
    json_object_set_new(o, "start_time", json_real(r->start_time));
    json_object_set_new(o, "observed_at",
                        r->status == PROBE_COMPLETED ? json_real(r->observed_at)
                                                     : json_null());
    json_object_set_new(o, "duration", num_or_null(r->duration));
    json_object_set_new(o, "lower_bound", json_real(r->lower_bound));
    json_object_set_new(o, "queries", json_integer(r->queries));
    json_object_set_new(o, "answers", json_integer(r->answers));
    json_object_set_new(o, "rcode",
                        r->rcode >= 0 ? json_string(rdata_rcode_str(r->rcode, rb))
                                      : json_null());
    json_object_set_new(o, "reason", json_string(r->reason));
    json_object_set_new(o, "serial",
                        r->have_serial ? json_integer(r->serial) : json_null());
    json_object_set_new(o, "values", vals);
    json_object_set_new(o, "empty", empty != NULL ? json_string(empty) : json_null());
    if (r->dnssec) {
        json_object_set_new(o, "dnssec", json_true());
        json_object_set_new(o, "plain_duration", num_or_null(r->plain_duration));
    }
    if (r->nsid_asked) {
        json_object_set_new(o, "nsid",
                            r->nsid != NULL ? json_string(r->nsid) : json_null());
        json_object_set_new(o, "nsid_last",
                            r->nsid_last != NULL ? json_string(r->nsid_last)
                                                 : json_null());
    }
    if (r->query_log != NULL) {
        json_t *ql = json_array();
        /* to the microsecond, as the durations */
        for (i = 0; ql != NULL && i < r->nquery_log; i++)
            json_array_append_new(
                ql, json_pack("[f, f]", round(r->query_log[2 * i] * 1e6) / 1e6,
                              round(r->query_log[2 * i + 1] * 1e6) / 1e6));
        json_object_set_new(o, "query_log", ql);
    }
    return o;
}

int probe_result_print(FILE *f, const probe_result_t *r, bool json)
{
    char tb[16];
    char rb[16];
    size_t i;

    if (json) {
        json_t *o = probe_result_json(r);
        char *s;
        if (o == NULL)
            return -1;
        s = jsonw_dumps(o);
        json_decref(o);
        if (s == NULL)
            return -1;
        fprintf(f, "%s\n", s);
        free(s);
        return 0;
    }
    fprintf(f, "%-9s ns=%s name=%s type=%s condition=%s", probe_status_str(r->status),
            r->ns, r->qname != NULL ? r->qname : "", rdata_type_to_str(r->qtype, tb),
            cond_kind_str(r->cond));
    if (r->id != NULL)
        fprintf(f, " id=%s", r->id);
    if (r->status == PROBE_COMPLETED)
        fprintf(f, " duration=%.3f", r->duration);
    fprintf(f, " lower_bound=%.3f queries=%u rcode=%s", r->lower_bound, r->queries,
            r->rcode >= 0 ? rdata_rcode_str(r->rcode, rb) : "-");
    if (r->have_serial)
        fprintf(f, " serial=%u", r->serial);
    if (r->nvalues > 0) {
        fprintf(f, " values=");
        for (i = 0; i < r->nvalues; i++)
            fprintf(f, "%s%s", i > 0 ? "|" : "", r->values[i]);
    }
    if (r->dnssec && !isnan(r->plain_duration))
        fprintf(f, " plain_duration=%.3f", r->plain_duration);
    if (r->nsid != NULL)
        fprintf(f, " nsid=\"%s\"", r->nsid);
    if (r->nsid_last != NULL)
        fprintf(f, " nsid_last=\"%s\"", r->nsid_last);
    if (r->reason[0] != '\0')
        fprintf(f, " reason=\"%s\"", r->reason);
    fputc('\n', f);
    return 0;
}
