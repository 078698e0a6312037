/*
 * target_pdns: the PowerDNS Authoritative HTTP API (v1) as a target.
 *
 *   zone_create    POST   /zones  {name, kind, nameservers, catalog, soa_edit_api}
 *   zone_update    PATCH  /zones/Z  (REPLACE a TXT at the apex: the serial moves)
 *   zone_delete    DELETE /zones/Z
 *   record_*       PATCH  /zones/Z  rrsets REPLACE / DELETE
 *
 * Keys: url, api_key (or api_key_file), catalog (optional: new zones
 * join it), zone_kind (Native | Master, default Master), dnssec (yes:
 * new zones are signed, the API making their key: "dnssec": true), and the
 * generic tsig_key (zone sync reads the primary by AXFR with it).
 *
 * One CURL easy handle per target_t keeps the connection alive between
 * calls. API errors carry the server's own message ({"error": ...}).
 */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/common/buf.h"
#include "harness/common/errcode.h"
#include "harness/targets/target.h"
#include "harness/common/timebase.h"
#include "probes/rdata.h"

typedef struct {
    target_api_conf_t api;
    char *zone_kind; /* Native | Master (NULL: Master) */
    char *dnssec;    /* "yes": new zones are signed */
} pdns_conf_t;

typedef struct {
    target_t base;
    const pdns_conf_t *conf;
    CURL *curl;
    struct curl_slist *hdrs;
    buf_t resp; /* the response body */
} pdns_t;

/* One API call; *status gets the HTTP status. err holds the server's
 * message (or curl's) when the status is not 2xx. */
static int call(pdns_t *t, const char *method, const char *path, json_t *body,
                long *status, char *err, size_t errlen)
{
    char url[2048];
    char *js = NULL;
    CURLcode rc;
    int ret = 0;

    snprintf(url, sizeof(url), "%s%s", t->conf->api.url, path);
    buf_clear(&t->resp);
    curl_easy_setopt(t->curl, CURLOPT_URL, url);
    curl_easy_setopt(t->curl, CURLOPT_CUSTOMREQUEST, method);
    if (body != NULL) {
        js = json_dumps(body, JSON_COMPACT);
        curl_easy_setopt(t->curl, CURLOPT_POSTFIELDS, js != NULL ? js : "");
    } else {
        /* Back to a request without a body, then the method. A handle
         * left in POST mode with no fields sends a chunked upload and
         * waits a second for a "100 Continue" PowerDNS never sends: every
         * zone DELETE was acknowledged a second late (and a campaign's
         * cleanup took a second a zone). */
        curl_easy_setopt(t->curl, CURLOPT_POSTFIELDS, NULL); /* (js of the last: freed) */
        curl_easy_setopt(t->curl, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(t->curl, CURLOPT_CUSTOMREQUEST,
                         strcmp(method, "GET") == 0 ? NULL : method);
    }
    rc = curl_easy_perform(t->curl);
    *status = 0;
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "%s %.300s: %s", method, url, curl_easy_strerror(rc));
        ret = DP_EEMPTY;
        goto out;
    }
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, status);
    if (*status < 200 || *status > 299) {
        json_error_t je;
        json_t *e = t->resp.p != NULL ? json_loads(t->resp.p, 0, &je) : NULL;
        const char *msg = json_string_value(json_object_get(e, "error"));
        snprintf(err, errlen, "%s %.200s: HTTP %ld: %.200s", method, path, *status,
                 msg != NULL ? msg : (t->resp.len > 0 ? t->resp.p : "no body"));
        json_decref(e);
        ret = DP_EEMPTY;
    }
out:
    free(js);
    return ret;
}

/* The PATCH body for op's RRset. generic: the type as TYPEnnn and the
 * values in RFC 3597 generic form, for a type this PowerDNS does not know
 * by name (it answers "unknown type given"); NULL on ENOMEM or a value
 * that has no generic form. */
static json_t *rrset(const target_op_t *op, const char *changetype, bool generic)
{
    char tb[16];
    char gt[16];
    json_t *rs = json_object();
    json_t *recs = json_array();
    size_t i;

    snprintf(gt, sizeof(gt), "TYPE%u", (unsigned)op->type);
    json_object_set_new(rs, "name", json_string(op->name));
    json_object_set_new(rs, "type",
                        json_string(generic ? gt : rdata_type_to_str(op->type, tb)));
    json_object_set_new(rs, "changetype", json_string(changetype));
    if (strcmp(changetype, "REPLACE") == 0) {
        json_object_set_new(rs, "ttl", json_integer(op->ttl));
        for (i = 0; i < op->nvalues; i++) {
            char *g = NULL;
            if (generic && rdata_generic(op->type, op->values[i], &g) < 0) {
                json_decref(recs);
                json_decref(rs);
                return NULL;
            }
            json_array_append_new(recs,
                                  json_pack("{s:s, s:b}", "content",
                                            generic ? g : op->values[i], "disabled", 0));
            free(g);
        }
        json_object_set_new(rs, "records", recs);
    } else {
        json_decref(recs);
    }
    return json_pack("{s:[o]}", "rrsets", rs);
}

/* Attempts after the first, and the longest pause between two (ms). */
#define PDNS_RETRIES      8
#define PDNS_RETRY_MAX_MS 1000u

/* The call, retried while the backend is busy: a busy backend (e.g.
 * sqlite's "database is locked", HTTP 500) or a throttle (429, 503) is
 * transient: try again after a growing pause (50 ms doubling up to 1 s,
 * about 4.5 s in all), jittered by +-50% so that the API workers that
 * collided do not collide again; the acknowledgement is the attempt that
 * succeeds. */
static int call_retrying(pdns_t *t, const char *method, const char *path, json_t *body,
                         target_ack_t *ack)
{
    int ret;

    for (;;) {
        unsigned ms;
        ret = call(t, method, path, body, &ack->status, ack->error, sizeof(ack->error));
        if (ret == 0 || ack->retries >= PDNS_RETRIES ||
            !(ack->status == 500 || ack->status == 429 || ack->status == 503))
            return ret;
        ms = ack->retries < 5 ? 50u << ack->retries : PDNS_RETRY_MAX_MS;
        ms = ms / 2 + (unsigned)(timebase_mono_ns() % (ms + 1));
        usleep(ms * 1000u);
        ack->retries++;
    }
}

static int pdns_apply(target_t *base, const target_op_t *op, target_ack_t *ack)
{
    pdns_t *t = (pdns_t *)(void *)base;
    char path[1200];
    json_t *body = NULL;
    const char *method = "PATCH";
    int ret;

    snprintf(path, sizeof(path), "/zones/%s", op->zone);
    switch (op->kind) {
    case OP_ZONE_CREATE: {
        char ns[600];
        char soa[1400];
        method = "POST";
        snprintf(path, sizeof(path), "/zones");
        snprintf(ns, sizeof(ns), "ns1.%s", op->zone);
        /* The first serial is the time: a zone deleted and created again
         * under the same name must not start below what secondaries that
         * still hold the old one have, or they would never refresh. */
        snprintf(soa, sizeof(soa), "%s hostmaster.%s %lld 10800 3600 604800 60", ns,
                 op->zone, (long long)timebase_real_s());
        body = json_pack(
            "{s:s, s:s, s:[s], s:s, s:[{s:s, s:s, s:i, s:[{s:s, s:b}]}]}", "name",
            op->zone, "kind", t->conf->zone_kind != NULL ? t->conf->zone_kind : "Master",
            "nameservers", ns, "soa_edit_api", "INCREASE", "rrsets", "name", op->zone,
            "type", "SOA", "ttl", 60, "records", "content", soa, "disabled", 0);
        if (t->conf->api.catalog != NULL)
            json_object_set_new(body, "catalog", json_string(t->conf->api.catalog));
        if (t->conf->dnssec != NULL && strcmp(t->conf->dnssec, "yes") == 0)
            json_object_set_new(body, "dnssec", json_true());
        break;
    }
    case OP_ZONE_DELETE:
        method = "DELETE";
        break;
    case OP_ZONE_UPDATE:
    case OP_RECORD_CREATE:
    case OP_RECORD_UPDATE:
        body = rrset(op, "REPLACE", false);
        break;
    case OP_RECORD_DELETE:
        body = rrset(op, "DELETE", false);
        break;
    default:
        return DP_EUSAGE;
    }
    ack->retries = 0;
    ack->status = 0;
    ack->error[0] = '\0';
    ack->submit_time = timebase_real_s();
    ret = call_retrying(t, method, path, body, ack);
    if (ret < 0 && ack->status == 422 && op->kind != OP_ZONE_CREATE &&
        op->kind != OP_ZONE_DELETE && strstr(ack->error, "unknown type given") != NULL) {
        /* RFC 3597 section 5: a type the server has no name for goes as
         * TYPEnnn with its RDATA as "\# LEN HEX" (PowerDNS 4.7 lacks e.g.
         * GPOS, ISDN, X25, PX, RT, WKS, NSAP, HIP by name). */
        json_t *g = rrset(op, op->kind == OP_RECORD_DELETE ? "DELETE" : "REPLACE", true);
        if (g != NULL) {
            json_decref(body);
            body = g;
            ret = call_retrying(t, method, path, body, ack);
        }
    }
    ack->ack_time = timebase_real_s();
    json_decref(body);
    return ret;
}

static int pdns_zone_serial(target_t *base, const char *zone, uint32_t *serial)
{
    pdns_t *t = (pdns_t *)(void *)base;
    char path[1200];
    char err[512];
    long status;
    json_error_t je;
    json_t *z;
    int ret;

    snprintf(path, sizeof(path), "/zones/%s?rrsets=false", zone);
    ret = call(t, "GET", path, NULL, &status, err, sizeof(err));
    if (ret < 0)
        return ret;
    z = t->resp.p != NULL ? json_loads(t->resp.p, 0, &je) : NULL;
    if (!json_is_integer(json_object_get(z, "serial"))) {
        json_decref(z);
        return DP_EPARSE;
    }
    *serial = (uint32_t)json_integer_value(json_object_get(z, "serial"));
    json_decref(z);
    return 0;
}

static void pdns_destroy(target_t *base)
{
    pdns_t *t = (pdns_t *)(void *)base;

    curl_slist_free_all(t->hdrs);
    curl_easy_cleanup(t->curl);
    buf_free(&t->resp);
    free(t);
}

static int pdns_create(target_t **out, const target_conf_t *cfg, char *err, size_t errlen)
{
    pdns_t *t = calloc(1, sizeof(*t));
    const pdns_conf_t *pc = cfg->conf;
    char hdr[600];

    if (t == NULL)
        return -ENOMEM;
    t->base.cfg = cfg;
    t->conf = pc;
    t->curl = curl_easy_init();
    if (t->curl == NULL) {
        free(t);
        snprintf(err, errlen, "[target %s]: cannot initialise libcurl", cfg->name);
        return -ENOMEM;
    }
    snprintf(hdr, sizeof(hdr), "X-API-Key: %s",
             pc->api.api_key != NULL ? pc->api.api_key : "");
    t->hdrs = curl_slist_append(NULL, hdr);
    t->hdrs = curl_slist_append(t->hdrs, "Content-Type: application/json");
    t->hdrs = curl_slist_append(t->hdrs, "Accept: application/json");
    /* no "100 Continue" round trip before a large body either */
    t->hdrs = curl_slist_append(t->hdrs, "Expect:");
    curl_easy_setopt(t->curl, CURLOPT_HTTPHEADER, t->hdrs);
    curl_easy_setopt(t->curl, CURLOPT_WRITEFUNCTION, buf_curl_write);
    curl_easy_setopt(t->curl, CURLOPT_WRITEDATA, &t->resp);
    curl_easy_setopt(t->curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(t->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(t->curl, CURLOPT_TCP_KEEPALIVE, 1L);
    *out = &t->base;
    return 0;
}

/* ---- configuration ----------------------------------------------------------- */

static int pdns_conf_key(void *conf, const char *key, const char *value, char *err,
                         size_t errlen)
{
    pdns_conf_t *pc = conf;

    if (strcmp(key, "zone_kind") == 0)
        return target_set_str(&pc->zone_kind, value);
    if (strcmp(key, "dnssec") == 0) {
        if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0) {
            snprintf(err, errlen, "'%s' is neither yes nor no", value);
            return DP_EPARSE;
        }
        return target_set_str(&pc->dnssec, value);
    }
    return target_api_conf_key(&pc->api, key, value, err, errlen);
}

static int pdns_conf_check(const void *conf, const char **key, char *err, size_t errlen)
{
    const pdns_conf_t *pc = conf;

    if (pc->api.url == NULL) {
        *key = "url";
        snprintf(err, errlen, "missing");
        return DP_EPARSE;
    }
    if (pc->api.api_key == NULL) {
        *key = "api_key";
        snprintf(err, errlen, "missing (or api_key_file)");
        return DP_EPARSE;
    }
    return 0;
}

static const char *pdns_conf_get(const void *conf, const char *key)
{
    const pdns_conf_t *pc = conf;

    if (strcmp(key, "zone_kind") == 0)
        return pc->zone_kind;
    if (strcmp(key, "dnssec") == 0)
        return pc->dnssec;
    return target_api_conf_get(&pc->api, key);
}

static void pdns_conf_clear(void *conf)
{
    pdns_conf_t *pc = conf;

    target_api_conf_clear(&pc->api);
    free(pc->zone_kind);
    free(pc->dnssec);
}

const target_kind_t target_kind_powerdns = {
    .name = "powerdns",
    .keys = TARGET_API_KEYS ", zone_kind, dnssec",
    .tsig = true,
    .conf_size = sizeof(pdns_conf_t),
    .conf_key = pdns_conf_key,
    .conf_check = pdns_conf_check,
    .conf_get = pdns_conf_get,
    .conf_clear = pdns_conf_clear,
    .create = pdns_create,
    .apply = pdns_apply,
    .zone_serial = pdns_zone_serial,
    .destroy = pdns_destroy,
};
