/*
 * target_rfc2136: DNS UPDATE (RFC 2136) signed with TSIG (RFC 8945), sent
 * to the primary named by [target NAME] server (see target_rfc2136.h).
 *
 * Every change is one UPDATE message over TCP: the zone section names the
 * zone, there are no prerequisites, and the update section deletes the
 * RRset (CLASS ANY, RFC 2136 2.5.2) before adding the new RRs (2.5.1).
 * The primary applies the section in order and atomically (3.4.2), so
 * the result is "replace the RRset" whatever was there before. Trade-off:
 * without prerequisites a concurrent writer's change to the same RRset is
 * overwritten rather than detected; the harness changes each name from
 * one worker at a time, so it never races with itself.
 *
 * TCP, not UDP, for UPDATE: one attempt, no resend. ldns resends a UDP
 * request after a timeout, and a resent UPDATE whose first copy was
 * applied late would be applied twice, possibly after a later change to
 * the same name. The SOA query (zone_serial) is idempotent: UDP with
 * retries, TCP if the answer is truncated.
 *
 * ldns 1.8.3 quirks handled here (see the comments where they matter):
 * ldns_update_pkt_new() sets RD, which is a Z bit in UPDATE; a nameserver
 * that failed once is marked unreachable for good; ldns_resolver_send_pkt
 * drops the answer when its TSIG does not verify, which is the very
 * answer (NOTAUTH + BADSIG/BADKEY) that says what is wrong; hmac-md5 must
 * be named hmac-md5.sig-alg.reg.int.; hmac-sha384 is misspelt inside
 * ldns ("hmac-shac384.") and cannot be used.
 */
#include <errno.h>
#include <ldns/ldns.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness/common/errcode.h"
#include "harness/common/log.h"
#include "harness/targets/target_rfc2136.h"
#include "harness/common/timebase.h"
#include "probes/dnsq.h"
#include "probes/rdata.h"
#include "probes/tsig.h"
#include "probes/request.h"

/* One attempt for an UPDATE (see above); a primary that takes longer than
 * this to apply one change is reported as not answering. */
#define RFC2136_UPDATE_TIMEOUT_S 10
#define RFC2136_QUERY_TIMEOUT_S  2
#define RFC2136_QUERY_TRIES      3
/* TSIG fudge: the clock difference the primary allows between its time
 * and our Time Signed; 300 s is the recommended value (RFC 2845 6.4,
 * kept by RFC 8945). */
#define RFC2136_TSIG_FUDGE 300

#define RFC2136_NO_ZONES                                                                 \
    "rfc2136: zones cannot be created or deleted with dynamic UPDATE (RFC 2136); "       \
    "create them on the primary first"

typedef struct {
    char *server; /* the primary, ADDR[:PORT] */
} rfc2136_conf_t;

typedef struct {
    target_t base;
    dnsq_t *q; /* the primary, and the key (probes/dnsq.h) */
} rfc2136_t;

/* ---- one exchange --------------------------------------------------------------- */

/* Send q to the primary and return its answer in *out. *tsig_ok is false
 * when q was signed and the answer's TSIG does not verify (RFC 8945 5.4).
 * err gets "what: why" when there is no usable answer. */
static int exchange(rfc2136_t *t, ldns_pkt *q, bool tcp, const char *what, ldns_pkt **out,
                    bool *tsig_ok, char *err, size_t errlen)
{
    char why[256];
    int ret = dnsq_send(t->q, q, tcp, out, tsig_ok, why, sizeof(why));

    if (ret < 0)
        snprintf(err, errlen, "rfc2136: %.200s at %s: %.200s", what, dnsq_server(t->q),
                 why);
    return ret;
}

/* ---- UPDATE --------------------------------------------------------------------- */

/* "REFUSED: why and what to do" for an answer that is not a verified
 * NOERROR. */
static void explain(const rfc2136_t *t, const char *what, const ldns_pkt *r, bool tsig_ok,
                    char *err, size_t errlen)
{
    int rcode = (int)ldns_pkt_get_rcode(r);
    unsigned te = dnsq_pkt_tsig_error(r);
    char rb[16];
    char tsig[32];
    const char *hint = "";

    tsig_error_text(te, tsig);
    switch (te) {
    case 16:
        hint = "the primary computes another signature: the secret (or algorithm) of "
               "the key differs from the primary's";
        break;
    case 17:
        hint = "the primary does not know this key name with this algorithm";
        break;
    case 18:
        hint = "our clock and the primary's differ by more than the TSIG fudge (300 s): "
               "synchronise them (NTP)";
        break;
    default:
        switch (rcode) {
        case LDNS_RCODE_NOERROR:
            hint = tsig_ok ? ""
                           : "the answer's TSIG does not verify (RFC 8945 5.4): the "
                             "change may or may not have been made";
            break;
        case LDNS_RCODE_REFUSED:
            /* BIND also refuses, by its check-integrity, an MX or SRV whose
             * target inside the zone has no address */
            hint = dnsq_keyed(t->q)
                       ? "the primary's policy does not allow it (its ACL / "
                         "allow-update for this key, or a zone check such as BIND's "
                         "check-integrity; see its log)"
                       : "the primary's policy does not allow unsigned updates: set "
                         "tsig_key";
            break;
        case LDNS_RCODE_NOTAUTH:
            /* Knot answers NOTAUTH, BIND REFUSED, to an update no ACL allows */
            hint = dnsq_keyed(t->q)
                       ? "the primary is not authoritative for the zone, or its ACL "
                         "does not allow this update with this key"
                       : "the primary's ACL does not allow unsigned updates (set "
                         "tsig_key), or it is not authoritative for the zone";
            break;
        case LDNS_RCODE_NOTZONE:
            hint = "the name is not inside the zone (RFC 2136 3.4.1.3)";
            break;
        case LDNS_RCODE_SERVFAIL:
            hint = "the primary could not apply it (see its log)";
            break;
        case LDNS_RCODE_FORMERR:
            hint = "the primary could not parse the UPDATE";
            break;
        case LDNS_RCODE_NOTIMPL:
            hint = "the server does not implement UPDATE";
            break;
        default:
            break;
        }
        break;
    }
    snprintf(err, errlen, "rfc2136: %.200s at %s: %s%s%s%s", what, dnsq_server(t->q),
             rdata_rcode_str(rcode, rb), tsig, hint[0] != '\0' ? ": " : "", hint);
}

/* RFC 2136 2.5.2: "Delete An RRset": CLASS ANY, TTL 0, RDLENGTH 0. */
static ldns_rr *rr_delete_rrset(const ldns_rdf *owner, uint16_t type)
{
    ldns_rr *rr = ldns_rr_new();
    ldns_rdf *o;

    if (rr == NULL)
        return NULL;
    o = ldns_rdf_clone(owner);
    if (o == NULL) {
        ldns_rr_free(rr);
        return NULL;
    }
    ldns_rr_set_owner(rr, o);
    ldns_rr_set_type(rr, (ldns_rr_type)type);
    ldns_rr_set_class(rr, LDNS_RR_CLASS_ANY);
    ldns_rr_set_ttl(rr, 0); /* ldns_rr_new() starts at 3600 */
    return rr;
}

/* RFC 2136 2.5.1: "Add To An RRset": CLASS IN, the TTL, the RDATA, from
 * the value in zone-file form (parsed by ldns like a zone-file line). */
static int rr_add(const target_op_t *op, const ldns_rdf *zone, ldns_rr **out,
                  const char *value, char *err, size_t errlen)
{
    char tb[16];
    const char *tname = rdata_type_to_str(op->type, tb);
    uint32_t ttl = op->ttl;
    ldns_rr *rr = NULL;
    ldns_status st;
    char *line;
    int n;

    *out = NULL;
    n = snprintf(NULL, 0, "%s %u IN %s %s", op->name, (unsigned)ttl, tname, value);
    if (n < 0)
        return DP_EBADVALUE;
    line = malloc((size_t)n + 1);
    if (line == NULL)
        return -ENOMEM;
    snprintf(line, (size_t)n + 1, "%s %u IN %s %s", op->name, (unsigned)ttl, tname,
             value);
    st = ldns_rr_new_frm_str(&rr, line, ttl, zone, NULL);
    free(line);
    if (st != LDNS_STATUS_OK || rr == NULL) {
        snprintf(err, errlen, "rfc2136: %s %s value '%.200s' does not parse as an RR: %s",
                 op->name, tname, value, dnsq_status_str(st));
        ldns_rr_free(rr);
        return DP_EBADVALUE;
    }
    if (ldns_rr_get_type(rr) != (ldns_rr_type)op->type) {
        snprintf(err, errlen, "rfc2136: %s %s value '%.200s' parses as another type",
                 op->name, tname, value);
        ldns_rr_free(rr);
        return DP_EBADVALUE;
    }
    *out = rr;
    return 0;
}

/* The UPDATE for op: delete the RRset, then (replace) add the values. */
static int build_update(rfc2136_t *t, const target_op_t *op, bool replace, ldns_pkt **out,
                        char *err, size_t errlen)
{
    ldns_rdf *zone = NULL;
    ldns_rdf *owner = NULL;
    ldns_rr_list *up = NULL;
    ldns_rr *rr = NULL;
    ldns_pkt *p = NULL;
    char why[400];
    size_t i;
    int ret = 0;

    *out = NULL;
    zone = ldns_dname_new_frm_str(op->zone);
    owner = ldns_dname_new_frm_str(op->name);
    if (zone == NULL || owner == NULL) {
        snprintf(err, errlen, "rfc2136: '%.300s' is not a domain name",
                 zone == NULL ? op->zone : op->name);
        ret = DP_EBADNAME;
        goto out;
    }
    up = ldns_rr_list_new();
    rr = rr_delete_rrset(owner, op->type);
    if (up == NULL || rr == NULL || !ldns_rr_list_push_rr(up, rr)) {
        ldns_rr_free(rr);
        ret = -ENOMEM;
        goto out;
    }
    /* Deleting then adding replaces the RRset, except where RFC 2136
     * 3.4.2 makes the primary ignore part of it: the SOA and the apex NS
     * RRset are never deleted (3.4.2.3, so values are added to the apex
     * NS set), and a CNAME and other data cannot share a name (3.4.2.2).
     * Those changes come back NOERROR; the probes see what really
     * changed. */
    for (i = 0; replace && i < op->nvalues; i++) {
        ret = rr_add(op, zone, &rr, op->values[i], err, errlen);
        if (ret < 0)
            goto out;
        if (!ldns_rr_list_push_rr(up, rr)) {
            ldns_rr_free(rr);
            ret = -ENOMEM;
            goto out;
        }
    }
    /* Takes zone (the question's owner); clones up. */
    p = ldns_update_pkt_new(zone, LDNS_RR_CLASS_IN, NULL, up, NULL);
    if (p == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    zone = NULL;
    /* ldns_update_pkt_new() builds on ldns_pkt_query_new(.., LDNS_RD):
     * in an UPDATE that bit is part of Z, which must be zero (RFC 2136
     * 2.2). */
    ldns_pkt_set_rd(p, false);
    ldns_pkt_set_random_id(p);
    /* RFC 8945 5.1: the HMAC of the whole message, appended as the last
     * additional RR (nothing without a key). */
    ret = dnsq_tsig_sign(t->q, p, RFC2136_TSIG_FUDGE, why, sizeof(why));
    if (ret < 0) {
        snprintf(err, errlen, "rfc2136: %s", why);
        goto out;
    }
    *out = p;
    p = NULL;
out:
    ldns_pkt_free(p);
    ldns_rr_list_deep_free(up);
    ldns_rdf_deep_free(owner);
    ldns_rdf_deep_free(zone);
    return ret;
}

static int rfc2136_apply(target_t *base, const target_op_t *op, target_ack_t *ack)
{
    rfc2136_t *t = (rfc2136_t *)(void *)base;
    char what[600];
    char tb[16];
    ldns_pkt *q = NULL;
    ldns_pkt *r = NULL;
    bool replace;
    bool tsig_ok;
    int ret;

    ack->status = -1;
    ack->error[0] = '\0';
    ack->submit_time = timebase_real_s();
    ack->ack_time = ack->submit_time;
    switch (op->kind) {
    case OP_ZONE_CREATE:
    case OP_ZONE_DELETE:
        /* RFC 2136 changes the records of an existing zone; making and
         * removing zones is the primary's own configuration (knotc
         * zone-begin / rndc addzone / catalog zones). Nothing is sent. */
        snprintf(ack->error, sizeof(ack->error), "%s", RFC2136_NO_ZONES);
        return DP_EUSAGE;
    case OP_ZONE_UPDATE:
    case OP_RECORD_CREATE:
    case OP_RECORD_UPDATE:
        replace = true;
        break;
    case OP_RECORD_DELETE:
        replace = false;
        break;
    default:
        snprintf(ack->error, sizeof(ack->error), "rfc2136: unknown operation %d",
                 (int)op->kind);
        return DP_EUSAGE;
    }
    snprintf(what, sizeof(what), "UPDATE %.250s (%.250s %s)", op->zone, op->name,
             rdata_type_to_str(op->type, tb));
    ret = build_update(t, op, replace, &q, ack->error, sizeof(ack->error));
    if (ret < 0)
        goto out;
    ack->submit_time = timebase_real_s();
    ret = exchange(t, q, true, what, &r, &tsig_ok, ack->error, sizeof(ack->error));
    ack->ack_time = timebase_real_s();
    if (ret < 0)
        goto out;
    ack->status = (long)ldns_pkt_get_rcode(r);
    if (ack->status != LDNS_RCODE_NOERROR || !tsig_ok) {
        explain(t, what, r, tsig_ok, ack->error, sizeof(ack->error));
        ret = -EPROTO;
    }
out:
    ldns_pkt_free(r);
    ldns_pkt_free(q);
    return ret;
}

/* ---- SOA serial ----------------------------------------------------------------- */

static int rfc2136_zone_serial(target_t *base, const char *zone, uint32_t *serial)
{
    rfc2136_t *t = (rfc2136_t *)(void *)base;
    char what[300];
    char err[512];
    char rb[16];
    ldns_rdf *zr = ldns_dname_new_frm_str(zone);
    ldns_rdf *qname = NULL;
    ldns_pkt *q = NULL;
    ldns_pkt *r = NULL;
    ldns_rr_list *an;
    bool tsig_ok;
    size_t i;
    int ret;

    if (zr == NULL)
        return DP_EBADNAME;
    snprintf(what, sizeof(what), "SOA %.250s", zone);
    qname = ldns_rdf_clone(zr);
    if (qname == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    /* RD clear: the primary answers from its own copy of the zone. The
     * query is not signed: an SOA answer is public data. */
    q = ldns_pkt_query_new(qname, LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0);
    if (q == NULL) {
        ldns_rdf_deep_free(qname);
        ret = -ENOMEM;
        goto out;
    }
    ldns_pkt_set_random_id(q);
    ret = exchange(t, q, false, what, &r, &tsig_ok, err, sizeof(err));
    if (ret == 0 && ldns_pkt_tc(r)) {
        ldns_pkt_free(r);
        ret = exchange(t, q, true, what, &r, &tsig_ok, err, sizeof(err));
    }
    if (ret < 0) {
        log_warn("%s", err);
        goto out;
    }
    if (ldns_pkt_get_rcode(r) != LDNS_RCODE_NOERROR || !ldns_pkt_aa(r)) {
        log_warn("rfc2136: %s at %s: %s%s", what, dnsq_server(t->q),
                 rdata_rcode_str((int)ldns_pkt_get_rcode(r), rb),
                 ldns_pkt_aa(r) ? "" : ", not authoritative (no AA): is it the primary?");
        ret = -EPROTO;
        goto out;
    }
    an = ldns_pkt_answer(r);
    ret = DP_EEMPTY;
    for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(an, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && ldns_rr_rd_count(rr) >= 3 &&
            ldns_dname_compare(ldns_rr_owner(rr), zr) == 0) {
            /* RFC 1035 3.3.13: MNAME RNAME SERIAL ... */
            *serial = ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
            ret = 0;
            break;
        }
    }
    if (ret < 0)
        log_warn("rfc2136: %s at %s: no SOA in the answer", what, dnsq_server(t->q));
out:
    ldns_pkt_free(r);
    ldns_pkt_free(q);
    ldns_rdf_deep_free(zr);
    return ret;
}

static void rfc2136_destroy(target_t *base)
{
    rfc2136_t *t = (rfc2136_t *)(void *)base;

    dnsq_destroy(t->q);
    free(t);
}

static int rfc2136_create(target_t **out, const target_conf_t *cfg, char *err,
                          size_t errlen)
{
    static atomic_flag warned = ATOMIC_FLAG_INIT;
    const char *server = ((const rfc2136_conf_t *)cfg->conf)->server;
    char what[300];
    char sub[512] = "";
    dnsq_opts_t o = {
        .timeout_s = RFC2136_QUERY_TIMEOUT_S, /* the SOA query: UDP, retried */
        .tries = RFC2136_QUERY_TRIES,
        .tcp_timeout_s = RFC2136_UPDATE_TIMEOUT_S, /* UPDATE: TCP, one attempt */
        .no_fallback = true, /* zone_serial asks again over TCP itself */
        .tsig = cfg->tsig,
        .tsig_what = what,
    };
    rfc2136_t *t = NULL;
    probe_ns_t ns;
    int ret;

    *out = NULL;
    if (server == NULL || server[0] == '\0') {
        snprintf(err, errlen,
                 "[target %s] server: missing; set it to the primary's ADDR[:PORT] (e.g. "
                 "192.0.2.1 or [2001:db8::1]:5353)",
                 cfg->name);
        return DP_EBADADDR;
    }
    if (probe_ns_parse(server, &ns) < 0) {
        snprintf(err, errlen,
                 "[target %s] server: '%.100s' is not an IPv4/IPv6 address with optional "
                 "port (ADDR, ADDR:PORT, [ADDR6]:PORT)",
                 cfg->name, server);
        return DP_EBADADDR;
    }
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -ENOMEM;
    t->base.cfg = cfg;
    snprintf(what, sizeof(what), "[target %.200s] tsig_key", cfg->name);
    ret = dnsq_create_ns(&t->q, &ns, &o, sub, sizeof(sub));
    if (ret == -ENOMEM)
        snprintf(err, errlen, "[target %s]: %s", cfg->name, sub);
    else if (ret < 0)
        snprintf(err, errlen, "%s", sub);
    if (ret < 0)
        goto out;
    if (cfg->tsig == NULL && !atomic_flag_test_and_set(&warned)) {
        /* Some labs allow unsigned UPDATE (by address). A production
         * primary should require TSIG: anyone who can reach it, or spoof
         * its allowed addresses over UDP, could otherwise rewrite zones. */
        log_warn("[target %s]: no tsig_key: UPDATEs to %s go unsigned (production "
                 "primaries should require TSIG, RFC 8945)",
                 cfg->name, dnsq_server(t->q));
    }
    *out = &t->base;
    t = NULL;
out:
    free(t);
    return ret;
}

/* ---- configuration ----------------------------------------------------------- */

static int rfc2136_conf_key(void *conf, const char *key, const char *value, char *err,
                            size_t errlen)
{
    rfc2136_conf_t *rc = conf;

    (void)err;
    (void)errlen;
    if (strcmp(key, "server") == 0)
        return target_set_str(&rc->server, value);
    return DP_EEMPTY;
}

static int rfc2136_conf_check(const void *conf, const char **key, char *err,
                              size_t errlen)
{
    const rfc2136_conf_t *rc = conf;
    probe_ns_t tmp;

    if (rc->server != NULL && probe_ns_parse(rc->server, &tmp) == 0)
        return 0;
    *key = "server";
    snprintf(err, errlen,
             "missing or not ADDR[:PORT] (the primary that takes the UPDATEs)");
    return DP_EPARSE;
}

static const char *rfc2136_conf_get(const void *conf, const char *key)
{
    const rfc2136_conf_t *rc = conf;

    return strcmp(key, "server") == 0 ? rc->server : NULL;
}

static void rfc2136_conf_clear(void *conf)
{
    rfc2136_conf_t *rc = conf;

    free(rc->server);
}

const target_kind_t target_kind_rfc2136 = {
    .name = "rfc2136",
    .keys = "server",
    .tsig = true,
    .conf_size = sizeof(rfc2136_conf_t),
    .conf_key = rfc2136_conf_key,
    .conf_check = rfc2136_conf_check,
    .conf_get = rfc2136_conf_get,
    .conf_clear = rfc2136_conf_clear,
    .create = rfc2136_create,
    .apply = rfc2136_apply,
    .zone_serial = rfc2136_zone_serial,
    .destroy = rfc2136_destroy,
};
