/*
 * dnsq: the one DNS query helper (see dnsq.h), on ldns 1.8.3.
 *
 * resolver_new is the only place an ldns resolver is set up: one server,
 * its port, RD clear (the server answers from its own data), no random
 * server order, no search list or default domain; each call then sets the
 * transport and the timeouts it needs.
 *
 * ldns 1.8.3 behaviour this module works around or depends on:
 *   - a nameserver that failed once is marked unreachable (RTT_INF) and
 *     never asked again (LDNS_STATUS_RES_NO_NS): every call starts afresh;
 *   - ldns_resolver_send_pkt frees an answer whose TSIG does not verify,
 *     which is the very answer that says what is wrong: dnsq_send uses
 *     ldns_send, which returns it with LDNS_STATUS_CRYPTO_TSIG_BOGUS;
 *   - ldns_send does not check that the answer is one to the request (ID,
 *     opcode): dnsq_send does;
 *   - ldns_resolver_send with flags 0 and a non-recursive resolver sends
 *     RD=0; with fallback on, a truncated UDP answer is asked again over
 *     TCP (the query already has EDNS, so there is no EDNS retry first);
 *   - ldns_axfr_start sends the query with ID 0, and ldns_axfr_next checks
 *     neither the ID nor the question of the answers, nor their TSIG; it
 *     returns NULL for the end, an error RCODE (the answer stays in
 *     ldns_axfr_last_pkt), a timeout or a closed connection alike:
 *     ldns_axfr_complete() tells which;
 *   - when ldns_axfr_start cannot sign the request it leaves the resolver's
 *     socket as 0 (stdin), which ldns_resolver_deep_free would close.
 */
#include <errno.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "harness/common/buf.h"
#include "harness/common/errcode.h"
#include "harness/common/vec.h"
#include "probes/dnsq.h"
#include "probes/rdata.h"
#include "probes/tsig.h"

struct dnsq {
    ldns_resolver *res; /* the server as its only nameserver, and the key */
    dnsq_opts_t o;      /* tsig and tsig_what are not kept */
    bool keyed;
    char keyname[256];
    char server[PROBE_NS_TEXT_MAX];
};

#define BAD_SERVER_FMT                                                                   \
    "server '%.100s' is not an IPv4/IPv6 address with optional port (ADDR, ADDR:PORT, "  \
    "[ADDR6]:PORT)"

/* ---- resolvers --------------------------------------------------------------------- */

/* A resolver for ns alone: RD clear, no random order, no search list. */
static int resolver_new(const probe_ns_t *ns, ldns_resolver **out)
{
    ldns_resolver *res = ldns_resolver_new();
    uint16_t port = 53;
    ldns_rdf *addr;

    *out = NULL;
    if (res == NULL)
        return -ENOMEM;
    addr = ldns_sockaddr_storage2rdf(&ns->sa, &port);
    if (addr == NULL || ldns_resolver_push_nameserver(res, addr) != LDNS_STATUS_OK) {
        ldns_rdf_deep_free(addr);
        ldns_resolver_deep_free(res);
        return -ENOMEM;
    }
    ldns_rdf_deep_free(addr);
    ldns_resolver_set_port(res, port);
    ldns_resolver_set_recursive(res, false);
    ldns_resolver_set_random(res, false);
    ldns_resolver_set_dnsrch(res, false);
    ldns_resolver_set_defnames(res, false);
    *out = res;
    return 0;
}

static void set_timeout(ldns_resolver *res, unsigned s)
{
    struct timeval tv;

    tv.tv_sec = s;
    tv.tv_usec = 0;
    ldns_resolver_set_timeout(res, tv);
}

int dnsq_create_ns(dnsq_t **out, const probe_ns_t *ns, const dnsq_opts_t *opts, char *err,
                   size_t errlen)
{
    dnsq_t *q = calloc(1, sizeof(*q));
    int ret;

    *out = NULL;
    if (q == NULL) {
        snprintf(err, errlen, "cannot set up an ldns resolver for %s", ns->text);
        return -ENOMEM;
    }
    q->o = *opts;
    q->o.tsig = NULL;
    q->o.tsig_what = NULL;
    if (q->o.tcp_timeout_s == 0)
        q->o.tcp_timeout_s = q->o.timeout_s;
    snprintf(q->server, sizeof(q->server), "%s", ns->text);
    ret = resolver_new(ns, &q->res);
    if (ret < 0) {
        snprintf(err, errlen, "cannot set up an ldns resolver for %s", q->server);
        goto out;
    }
    ldns_resolver_set_fallback(q->res, !opts->no_fallback);
    ldns_resolver_set_edns_udp_size(q->res, opts->edns_size);
    if (opts->retrans_s > 0)
        ldns_resolver_set_retrans(q->res, (uint8_t)opts->retrans_s);
    if (opts->tsig != NULL) {
        ret = tsig_resolver_set(q->res, opts->tsig,
                                opts->tsig_what != NULL ? opts->tsig_what : "tsig key",
                                q->keyname, sizeof(q->keyname), err, errlen);
        if (ret < 0)
            goto out;
        q->keyed = true;
    }
    *out = q;
    q = NULL;
out:
    dnsq_destroy(q);
    return ret;
}

int dnsq_create(dnsq_t **out, const char *server, const dnsq_opts_t *opts, char *err,
                size_t errlen)
{
    probe_ns_t ns;

    *out = NULL;
    if (server == NULL || probe_ns_parse(server, &ns) < 0) {
        snprintf(err, errlen, BAD_SERVER_FMT, server != NULL ? server : "");
        return DP_EBADADDR;
    }
    return dnsq_create_ns(out, &ns, opts, err, errlen);
}

void dnsq_destroy(dnsq_t *q)
{
    if (q == NULL)
        return;
    ldns_resolver_deep_free(q->res);
    free(q);
}

const char *dnsq_server(const dnsq_t *q)
{
    return q->server;
}

bool dnsq_keyed(const dnsq_t *q)
{
    return q->keyed;
}

const char *dnsq_keyname(const dnsq_t *q)
{
    return q->keyname;
}

/* The transport and timeouts of one exchange. ldns marks a nameserver
 * that failed once as unreachable (RTT_INF) and never sends to it again
 * (LDNS_STATUS_RES_NO_NS): one timeout would end every later exchange, so
 * each starts afresh. Returns the timeout set. */
static unsigned prepare(dnsq_t *q, bool tcp)
{
    unsigned s = tcp ? q->o.tcp_timeout_s : q->o.timeout_s;

    ldns_resolver_set_usevc(q->res, tcp);
    if (tcp)
        ldns_resolver_set_retry(q->res, 1);
    else if (q->o.tries > 0)
        ldns_resolver_set_retry(q->res, (uint8_t)q->o.tries);
    set_timeout(q->res, s);
    ldns_resolver_set_nameserver_rtt(q->res, 0, LDNS_RESOLV_RTT_MIN);
    return s;
}

int dnsq_send(dnsq_t *q, const ldns_pkt *req, bool tcp, ldns_pkt **answer, bool *tsig_ok,
              char *why, size_t whylen)
{
    ldns_pkt *r = NULL;
    ldns_status st;
    unsigned timeout;
    int sys_err;

    *answer = NULL;
    *tsig_ok = true;
    timeout = prepare(q, tcp);
    /* ldns_send, not ldns_resolver_send_pkt: see the top of the file. */
    errno = 0;
    st = ldns_send(&r, q->res, req);
    sys_err = errno;
    if (r == NULL) {
        /* ldns says LDNS_STATUS_ERR when the TCP connection failed (errno
         * tells why, or nothing when it timed out), NETWORK_ERR when no
         * answer came in time. */
        if (tcp && st == LDNS_STATUS_ERR)
            snprintf(why, whylen, "cannot connect over TCP (%s)",
                     sys_err != 0 ? dp_strerror(-sys_err) : "timed out");
        else
            snprintf(why, whylen, "no answer over %s (%s; timeout %d s)",
                     tcp ? "TCP" : "UDP", dnsq_status_str(st), (int)timeout);
        return -EIO;
    }
    if (st != LDNS_STATUS_OK && st != LDNS_STATUS_CRYPTO_TSIG_BOGUS) {
        snprintf(why, whylen, "%s", dnsq_status_str(st));
        ldns_pkt_free(r);
        return -EPROTO;
    }
    if (!ldns_pkt_qr(r) || ldns_pkt_id(r) != ldns_pkt_id(req) ||
        ldns_pkt_get_opcode(r) != ldns_pkt_get_opcode(req)) {
        snprintf(why, whylen,
                 "the answer does not match the request (id %u/%u, opcode %d/%d)",
                 (unsigned)ldns_pkt_id(r), (unsigned)ldns_pkt_id(req),
                 (int)ldns_pkt_get_opcode(r), (int)ldns_pkt_get_opcode(req));
        ldns_pkt_free(r);
        return -EPROTO;
    }
    *tsig_ok = st == LDNS_STATUS_OK;
    *answer = r;
    return 0;
}

int dnsq_query(dnsq_t *q, const char *name, uint16_t type, ldns_pkt **answer, char *why,
               size_t whylen)
{
    ldns_rdf *qname = ldns_dname_new_frm_str(name);
    ldns_pkt *pkt = NULL;
    ldns_status st;

    *answer = NULL;
    if (qname == NULL) {
        snprintf(why, whylen, "'%.300s' is not a domain name", name);
        return DP_EBADNAME;
    }
    prepare(q, q->o.tcp_only);
    st = ldns_resolver_send(&pkt, q->res, qname, (ldns_rr_type)type, LDNS_RR_CLASS_IN, 0);
    ldns_rdf_deep_free(qname);
    if (st != LDNS_STATUS_OK || pkt == NULL) {
        snprintf(why, whylen, "%s", dnsq_status_str(st));
        ldns_pkt_free(pkt);
        return -EIO;
    }
    *answer = pkt;
    return 0;
}

int dnsq_tsig_sign(const dnsq_t *q, ldns_pkt *msg, uint16_t fudge, char *why,
                   size_t whylen)
{
    ldns_status st;

    if (!q->keyed)
        return 0;
    /* (ldns_update_pkt_tsig_add() does the same with the fudge
     * hard-wired.) */
    st = ldns_pkt_tsig_sign(msg, ldns_resolver_tsig_keyname(q->res),
                            ldns_resolver_tsig_keydata(q->res), fudge,
                            ldns_resolver_tsig_algorithm(q->res), NULL);
    if (st != LDNS_STATUS_OK) {
        snprintf(why, whylen, "cannot sign with TSIG key %s: %s", q->keyname,
                 dnsq_status_str(st));
        return DP_EPARSE;
    }
    return 0;
}

/* ---- messages ---------------------------------------------------------------------- */

int dnsq_pkt_rcode(const ldns_pkt *p)
{
    return (int)ldns_pkt_get_rcode(p);
}

bool dnsq_pkt_aa(const ldns_pkt *p)
{
    return ldns_pkt_aa(p);
}

bool dnsq_pkt_tc(const ldns_pkt *p)
{
    return ldns_pkt_tc(p);
}

unsigned dnsq_pkt_tsig_error(const ldns_pkt *p)
{
    return tsig_answer_error(p);
}

void dnsq_pkt_free(ldns_pkt *p)
{
    ldns_pkt_free(p);
}

/* ---- records ----------------------------------------------------------------------- */

void dnsq_rr_view(const ldns_rr *rr, dnsq_rr_t *out)
{
    const ldns_rdf *o = ldns_rr_owner(rr);

    out->rr = rr;
    out->owner = NULL;
    if (o != NULL && ldns_rdf_get_type(o) == LDNS_RDF_TYPE_DNAME &&
        ldns_rdf_size(o) >= 1 && ldns_rdf_size(o) <= 255)
        out->owner = ldns_rdf_data(o);
    out->type = (uint16_t)ldns_rr_get_type(rr);
    out->klass = (uint16_t)ldns_rr_get_class(rr);
    out->ttl = ldns_rr_ttl(rr);
}

int dnsq_pkt_rrset(const ldns_pkt *p, const unsigned char *owner, uint16_t type,
                   dnsq_rr_t **rrs, size_t *n)
{
    const ldns_rr_list *an = ldns_pkt_answer(p);
    size_t cap = 0;
    size_t i;

    *rrs = NULL;
    *n = 0;
    for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
        dnsq_rr_t v;
        dnsq_rr_t *e;

        dnsq_rr_view(ldns_rr_list_rr(an, i), &v);
        if (v.type != type || v.klass != LDNS_RR_CLASS_IN || v.owner == NULL ||
            !rdata_name_wire_equal(v.owner, owner))
            continue;
        e = VEC_PUSH(*rrs, *n, cap);
        if (e == NULL) {
            free(*rrs);
            *rrs = NULL;
            *n = 0;
            return -ENOMEM;
        }
        *e = v;
    }
    return 0;
}

int dnsq_rr_owner(const dnsq_rr_t *rr, char *text, size_t textlen)
{
    if (rr->owner == NULL)
        return DP_EBADNAME;
    return rdata_wire_to_canon(rr->owner, text, textlen) < 0 ? DP_EBADNAME : 0;
}

/* ldns's text of the canonical form of rr's RDATA (RFC 4034 6.2), fields
 * joined by a space. */
static int text_value(const ldns_rr *rr, char **out)
{
    ldns_rr *c = ldns_rr_clone(rr);
    buf_t b = {0};
    size_t i;

    *out = NULL;
    if (c == NULL)
        return -ENOMEM;
    ldns_rr2canonical(c);
    for (i = 0; !b.oom && i < ldns_rr_rd_count(c); i++) {
        char *f = ldns_rdf2str(ldns_rr_rdf(c, i));
        if (f == NULL) {
            b.oom = true;
            break;
        }
        if (i > 0)
            buf_add(&b, " ", 1);
        buf_add(&b, f, strlen(f));
        free(f);
    }
    ldns_rr_free(c);
    if (!b.oom && b.p == NULL)
        b.p = strdup("");
    if (b.oom || b.p == NULL) {
        buf_free(&b);
        return -ENOMEM;
    }
    *out = b.p;
    return 0;
}

int dnsq_rr_value(const dnsq_rr_t *rr, char **out)
{
    ldns_buffer *buf;
    int ret;

    *out = NULL;
    if (!rdata_type_comparable(rr->type))
        return text_value(rr->rr, out);
    /* Grows as needed (ldns_rdf2buffer_wire reserves). */
    buf = ldns_buffer_new(256);
    if (buf == NULL)
        return -ENOMEM;
    if (ldns_rr_rdata2buffer_wire(buf, rr->rr) != LDNS_STATUS_OK) {
        ret = DP_EMALFORMED;
    } else {
        const unsigned char *data = ldns_buffer_begin(buf);
        size_t len = ldns_buffer_position(buf);
        /* Uncompressed: the RDATA is its own message for rdata_from_wire. */
        ret = rdata_from_wire(rr->type, data, len, data, len, out);
    }
    ldns_buffer_free(buf);
    return ret;
}

bool dnsq_rr_soa_serial(const dnsq_rr_t *rr, uint32_t *serial)
{
    if (rr->type != LDNS_RR_TYPE_SOA || ldns_rr_rd_count(rr->rr) < 3)
        return false;
    /* RFC 1035 3.3.13: MNAME RNAME SERIAL ... */
    *serial = ldns_rdf2native_int32(ldns_rr_rdf(rr->rr, 2));
    return true;
}

const char *dnsq_type_str(uint16_t type, char buf[16])
{
    const ldns_rr_descriptor *d = ldns_rr_descript(type);

    if (d != NULL && d->_name != NULL)
        return d->_name;
    return rdata_type_to_str(type, buf);
}

const char *dnsq_class_str(uint16_t klass, char buf[16])
{
    if (klass == LDNS_RR_CLASS_IN)
        return "IN";
    if (klass == LDNS_RR_CLASS_CH)
        return "CH";
    if (klass == LDNS_RR_CLASS_HS)
        return "HS";
    snprintf(buf, 16, "CLASS%u", (unsigned)klass);
    return buf;
}

bool dnsq_wire_under(const unsigned char *name, const unsigned char *apex)
{
    size_t nl = 0;
    size_t al = 0;
    size_t i = 0;

    while (name[nl] != 0)
        nl += (size_t)name[nl] + 1;
    while (apex[al] != 0)
        al += (size_t)apex[al] + 1;
    /* Walk name's labels until what is left is as long as apex. */
    while (nl - i > al && name[i] != 0)
        i += (size_t)name[i] + 1;
    return nl - i == al && rdata_name_wire_equal(name + i, apex);
}

/* ---- zone transfer ----------------------------------------------------------------- */

/* Why the server refused the transfer, and what to do: "RCODE (TSIG X): hint",
 * the server called peer in the hint. */
static void explain_refusal(const ldns_pkt *r, const char *peer, bool keyed, char *out,
                            size_t outlen)
{
    int rcode = (int)ldns_pkt_get_rcode(r);
    unsigned te = tsig_answer_error(r);
    char rb[16];
    char tsig[32];
    const char *pre = "see the ";
    const char *post = "'s log";

    tsig_error_text(te, tsig);
    if (te == 16) {
        pre = "the key's secret (or algorithm) differs from the ";
        post = "'s";
    } else if (te == 17) {
        pre = "the ";
        post = " does not know this key name with this algorithm";
    } else if (te == 18) {
        pre = "our clock and the ";
        post = "'s differ by more than 300 s: synchronise them";
    } else if (rcode == LDNS_RCODE_NOTAUTH || rcode == LDNS_RCODE_REFUSED) {
        pre = "the ";
        post = keyed ? " does not serve the zone, or its ACL does not allow a transfer "
                       "with this key"
                     : " does not serve the zone, or its ACL does not allow transfers to "
                       "this address without a key (give a TSIG key, or allow the "
                       "address: Knot acl action transfer, BIND allow-transfer, NSD "
                       "provide-xfr, PowerDNS allow-axfr-ips)";
    }
    snprintf(out, outlen, "%s%s: %s%s%s", rdata_rcode_str(rcode, rb), tsig, pre, peer,
             post);
}

/* One transfer's state. */
typedef struct {
    const char *w;  /* where, or "" */
    const char *ws; /* ": " after where, or "" */
    const char *peer;
    unsigned char apex[256];
    char keyname[256];
    ldns_resolver *res;
    size_t nrr;
} axfr_t;

int dnsq_axfr_check(const char *server, const char *zone, probe_ns_t *ns,
                    char canon[RDATA_NAME_TEXT_MAX], unsigned char apex[256], char *err,
                    size_t errlen)
{
    if (server == NULL || probe_ns_parse(server, ns) < 0) {
        snprintf(err, errlen, BAD_SERVER_FMT, server != NULL ? server : "");
        return DP_EBADADDR;
    }
    if (zone == NULL || rdata_name_canon(zone, canon, RDATA_NAME_TEXT_MAX) < 0 ||
        rdata_name_to_wire(canon, apex, 256) < 0) {
        snprintf(err, errlen, "zone '%.300s' is not a domain name",
                 zone != NULL ? zone : "");
        return DP_EBADNAME;
    }
    return 0;
}

/* server, zone and key checked, the resolver set up and the request sent. */
static int axfr_start(axfr_t *x, const char *server, const char *zone, const char *tsig,
                      char *err, size_t errlen)
{
    char canon[RDATA_NAME_TEXT_MAX];
    probe_ns_t ns;
    ldns_rdf *zrdf = NULL;
    ldns_status st;
    int ret;

    ret = dnsq_axfr_check(server, zone, &ns, canon, x->apex, err, errlen);
    if (ret < 0)
        return ret;
    ret = resolver_new(&ns, &x->res);
    zrdf = ldns_dname_new_frm_str(canon);
    if (ret < 0 || zrdf == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    set_timeout(x->res, DNSQ_AXFR_TIMEOUT_S);
    if (tsig != NULL) {
        ret = tsig_resolver_set(x->res, tsig, "tsig key", x->keyname, sizeof(x->keyname),
                                err, errlen);
        if (ret < 0)
            goto out;
    }
    errno = 0;
    st = ldns_axfr_start(x->res, zrdf, LDNS_RR_CLASS_IN);
    if (st != LDNS_STATUS_OK) {
        int e = errno;
        /* Every failure path of ldns_axfr_start has closed the socket, but
         * after a TSIG signing failure it leaves _socket = 0 instead of
         * -1: ldns_axfr_next would then read stdin and
         * ldns_resolver_deep_free would close it. */
        x->res->_socket = -1;
        if (st == LDNS_STATUS_CRYPTO_TSIG_ERR) {
            snprintf(err, errlen, "%s%scannot sign the request with TSIG key %s", x->w,
                     x->ws, x->keyname);
            ret = DP_EPARSE;
        } else {
            snprintf(err, errlen, "%s%scannot connect over TCP or send (%s%s%s)", x->w,
                     x->ws, dnsq_status_str(st), e != 0 ? ": " : "",
                     e != 0 ? dp_strerror(-e) : "");
            ret = st == LDNS_STATUS_MEM_ERR ? -ENOMEM : -EIO;
        }
    }
out:
    ldns_rdf_deep_free(zrdf);
    return ret;
}

/* Every record to each: RFC 5936 2.2, the zone's SOA, the other RRs, the
 * same SOA again; ldns_axfr_next stops after the second SOA. */
static int axfr_records(axfr_t *x, dnsq_axfr_fn each, void *arg, char *err, size_t errlen)
{
    uint32_t first_serial = 0;
    ldns_rr *rr;
    int ret = 0;

    while (ret == 0 && (rr = ldns_axfr_next(x->res)) != NULL) {
        dnsq_rr_t v;
        uint32_t serial;

        dnsq_rr_view(rr, &v);
        if (x->nrr == 0) {
            if (!dnsq_rr_soa_serial(&v, &first_serial) || v.owner == NULL ||
                !rdata_name_wire_equal(v.owner, x->apex)) {
                snprintf(err, errlen,
                         "%s%sthe transfer does not start with the zone's SOA (RFC 5936 "
                         "2.2)",
                         x->w, x->ws);
                ret = -EPROTO;
            }
        } else if (v.type == LDNS_RR_TYPE_SOA && ldns_axfr_complete(x->res)) {
            if (!dnsq_rr_soa_serial(&v, &serial) || serial != first_serial) {
                snprintf(err, errlen,
                         "%s%sthe closing SOA's serial differs from the opening one's "
                         "(%u): the zone changed during the transfer; try again",
                         x->w, x->ws, (unsigned)first_serial);
                ret = -EPROTO;
            }
            ldns_rr_free(rr);
            return ret; /* the closing copy of the first record: not given to each */
        }
        if (ret == 0) {
            x->nrr++;
            ret = each(&v, arg, err, errlen);
        }
        ldns_rr_free(rr);
    }
    return ret;
}

int dnsq_axfr_each(const char *server, const char *zone, const char *tsig,
                   const char *where, const char *peer, dnsq_axfr_fn each, void *arg,
                   char *err, size_t errlen)
{
    axfr_t x;
    int ret;

    memset(&x, 0, sizeof(x));
    /* where, if given, and ": " in front of the transfer's own messages */
    x.w = where != NULL ? where : "";
    x.ws = where != NULL ? ": " : "";
    x.peer = peer != NULL ? peer : "server";
    ret = axfr_start(&x, server, zone, tsig, err, errlen);
    if (ret == 0)
        ret = axfr_records(&x, each, arg, err, errlen);
    if (ret == 0 && !ldns_axfr_complete(x.res)) {
        const ldns_pkt *last = ldns_axfr_last_pkt(x.res);
        char why[1024];

        if (last != NULL && ldns_pkt_get_rcode(last) != LDNS_RCODE_NOERROR) {
            explain_refusal(last, x.peer, x.keyname[0] != '\0', why, sizeof(why));
            snprintf(err, errlen, "%s%s%s", x.w, x.ws, why);
            ret = -EACCES;
        } else {
            snprintf(err, errlen,
                     "%s%sthe transfer ended after %zu records without the closing SOA "
                     "(connection closed, malformed message, or no message for %d s)",
                     x.w, x.ws, x.nrr, DNSQ_AXFR_TIMEOUT_S);
            ret = -EIO;
        }
    }
    if (ret == -ENOMEM)
        snprintf(err, errlen, "%s%sout of memory", x.w, x.ws);
    /* Closes the connection of an unfinished transfer too. */
    ldns_resolver_deep_free(x.res);
    return ret;
}

/* ---- ldns status codes ------------------------------------------------------------- */

const char *dnsq_status_str(int status)
{
    /* ldns_get_errorstr_by_id() is NULL for a status it does not know. */
    const char *msg = ldns_get_errorstr_by_id((ldns_status)status);

    return msg != NULL ? msg : "unknown ldns error";
}

int dnsq_status_code(int status)
{
    switch (status) {
    case LDNS_STATUS_OK:
        return 0;
    case LDNS_STATUS_MEM_ERR:
        return -ENOMEM;
    case LDNS_STATUS_NETWORK_ERR:
    case LDNS_STATUS_SOCKET_ERROR:
    case LDNS_STATUS_ADDRESS_ERR:
    case LDNS_STATUS_RES_NO_NS:
    case LDNS_STATUS_RES_QUERY:
    case LDNS_STATUS_ERR:
        return -EIO;
    case LDNS_STATUS_EMPTY_LABEL:
    case LDNS_STATUS_LABEL_OVERFLOW:
    case LDNS_STATUS_DOMAINNAME_OVERFLOW:
    case LDNS_STATUS_DOMAINNAME_UNDERFLOW:
    case LDNS_STATUS_SYNTAX_DNAME_ERR:
        return DP_EBADNAME;
    default:
        if ((status >= LDNS_STATUS_SYNTAX_TYPE_ERR &&
             status <= LDNS_STATUS_SYNTAX_BAD_ESCAPE) ||
            status == LDNS_STATUS_SYNTAX_ERR ||
            status == LDNS_STATUS_SYNTAX_SUPERFLUOUS_TEXT_ERR ||
            (status >= LDNS_STATUS_INVALID_INT && status <= LDNS_STATUS_INVALID_TIME))
            return DP_EPARSE;
        return -EPROTO;
    }
}
