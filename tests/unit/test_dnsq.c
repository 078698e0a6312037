/*
 * Unit tests for dnsq, the DNS query helper: what needs no nameserver
 * (records' owner and value text, RRsets of an answer, names under a
 * zone, ldns status codes, server addresses and keys, argument errors),
 * plus a refused TCP connection and an unanswered UDP query on loopback
 * sockets of the test's own. Queries and transfers against real servers
 * are in tests/cli/test_assess.sh and tests/cli/test_zonesync.sh.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/common/errcode.h"
#include "probes/dnsq.h"
#include "probes/rdata.h"
#include "probes/tsig.h"

static ldns_rr *rr_new(const char *text)
{
    ldns_rr *rr = NULL;

    cr_assert_eq(ldns_rr_new_frm_str(&rr, text, 3600, NULL, NULL), LDNS_STATUS_OK, "%s",
                 text);
    return rr;
}

/* The owner and value text of the record in zone-file form text. */
static void texts(const char *text, const char *owner, const char *value)
{
    ldns_rr *rr = rr_new(text);
    char name[RDATA_NAME_TEXT_MAX];
    char *v = NULL;
    dnsq_rr_t view;

    dnsq_rr_view(rr, &view);
    cr_assert_eq(dnsq_rr_owner(&view, name, sizeof(name)), 0, "%s", text);
    cr_expect_str_eq(name, owner);
    cr_assert_eq(dnsq_rr_value(&view, &v), 0, "%s", text);
    cr_expect_str_eq(v, value, "%s -> '%s'", text, v);
    free(v);
    ldns_rr_free(rr);
}

Test(dnsq, owner_and_value_are_canonical)
{
    texts("WWW.Example.TEST. 60 IN A 192.0.2.1", "www.example.test.", "192.0.2.1");
    texts("a.example.test. 60 IN AAAA 2001:DB8:0::1", "a.example.test.", "2001:db8::1");
    texts("a.example.test. 60 IN MX 10 Mail.Example.TEST.", "a.example.test.",
          "10 mail.example.test.");
    texts("a.example.test. 60 IN TXT \"hello world\"", "a.example.test.",
          "\"hello world\"");
    /* A type probes/rdata.h does not compare: ldns's text of the canonical
     * form (RFC 4034 6.2: names in RDATA lower-cased). */
    texts("Z.example.test. 60 IN SOA NS1.Example.TEST. Host.Example.TEST. 7 3600 900 "
          "604800 60",
          "z.example.test.", "ns1.example.test. host.example.test. 7 3600 900 604800 60");
}

Test(dnsq, view_fields_and_soa_serial)
{
    ldns_rr *soa = rr_new("z.test. 300 IN SOA ns.z.test. h.z.test. 2024010101 1 2 3 4");
    ldns_rr *a = rr_new("z.test. 300 CH A 192.0.2.1");
    dnsq_rr_t v;
    uint32_t serial = 0;
    char cb[16];
    char tb[16];

    dnsq_rr_view(soa, &v);
    cr_expect_eq(v.type, RDATA_T_SOA);
    cr_expect_eq(v.ttl, 300);
    cr_expect_str_eq(dnsq_class_str(v.klass, cb), "IN");
    cr_expect(dnsq_rr_soa_serial(&v, &serial));
    cr_expect_eq(serial, 2024010101u);
    dnsq_rr_view(a, &v);
    cr_expect_not(dnsq_rr_soa_serial(&v, &serial));
    cr_expect_str_eq(dnsq_class_str(v.klass, cb), "CH");
    cr_expect_str_eq(dnsq_class_str(7, cb), "CLASS7");
    cr_expect_str_eq(dnsq_type_str(257, tb), "CAA");
    cr_expect_str_eq(dnsq_type_str(1, tb), "A");
    ldns_rr_free(soa);
    ldns_rr_free(a);
}

static void under(const char *name, const char *apex, bool want)
{
    unsigned char nw[256];
    unsigned char aw[256];

    cr_assert_geq(rdata_name_to_wire(name, nw, sizeof(nw)), 0);
    cr_assert_geq(rdata_name_to_wire(apex, aw, sizeof(aw)), 0);
    cr_expect_eq(dnsq_wire_under(nw, aw), want, "%s under %s", name, apex);
}

Test(dnsq, wire_under)
{
    under("example.test.", "example.test.", true);
    under("www.example.test.", "example.test.", true);
    under("a.b.WWW.Example.Test.", "example.TEST.", true);
    under("example.test.", "www.example.test.", false);
    under("badexample.test.", "example.test.", false);
    under("www.example.org.", "example.test.", false);
    under("anything.", ".", true);
    under(".", "test.", false);
}

Test(dnsq, answer_rrset_is_the_question_s_only)
{
    ldns_pkt *p = ldns_pkt_new();
    const char *rrs[] = {
        "www.z.test. 60 IN CNAME web.z.test.", "web.z.test. 60 IN A 192.0.2.9",
        "WWW.z.test. 60 IN A 192.0.2.1",       "www.z.test. 60 IN A 192.0.2.2",
        "www.z.test. 60 CH A 192.0.2.3",       "www.z.test. 60 IN AAAA ::1",
    };
    unsigned char qw[256];
    dnsq_rr_t *set = NULL;
    size_t n = 99;
    size_t i;

    cr_assert_not_null(p);
    for (i = 0; i < sizeof(rrs) / sizeof(rrs[0]); i++)
        cr_assert(ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr_new(rrs[i])));
    cr_assert_geq(rdata_name_to_wire("www.z.test.", qw, sizeof(qw)), 0);
    cr_assert_eq(dnsq_pkt_rrset(p, qw, RDATA_T_A, &set, &n), 0);
    cr_assert_eq(n, 2);
    cr_expect_eq(set[0].ttl, 60);
    for (i = 0; i < n; i++) {
        char *v = NULL;
        cr_assert_eq(dnsq_rr_value(&set[i], &v), 0);
        cr_expect_str_eq(v, i == 0 ? "192.0.2.1" : "192.0.2.2");
        free(v);
    }
    free(set);
    cr_assert_eq(dnsq_pkt_rrset(p, qw, RDATA_T_TXT, &set, &n), 0);
    cr_expect_eq(n, 0);
    cr_expect_null(set);
    cr_expect_eq(dnsq_pkt_rcode(p), DNSQ_RCODE_NOERROR);
    cr_expect_eq(dnsq_pkt_tsig_error(p), 0);
    dnsq_pkt_free(p);
}

Test(dnsq, status_text_and_codes)
{
    cr_expect_str_eq(dnsq_status_str(LDNS_STATUS_OK), ldns_get_errorstr_by_id(0));
    cr_expect_str_eq(dnsq_status_str(99999), "unknown ldns error");
    cr_expect_eq(dnsq_status_code(LDNS_STATUS_OK), 0);
    cr_expect_eq(dnsq_status_code(LDNS_STATUS_MEM_ERR), -ENOMEM);
    cr_expect_eq(dnsq_status_code(LDNS_STATUS_NETWORK_ERR), -EIO);
    cr_expect_eq(dnsq_status_code(LDNS_STATUS_RES_NO_NS), -EIO);
    cr_expect_eq(dnsq_status_code(LDNS_STATUS_SYNTAX_DNAME_ERR), DP_EBADNAME);
    cr_expect_eq(dnsq_status_code(LDNS_STATUS_SYNTAX_TTL_ERR), DP_EPARSE);
    cr_expect_eq(dnsq_status_code(LDNS_STATUS_SYNTAX_ERR), DP_EPARSE);
    cr_expect_eq(dnsq_status_code(LDNS_STATUS_CRYPTO_TSIG_BOGUS), -EPROTO);
}

Test(dnsq, server_addresses)
{
    const dnsq_opts_t o = {.timeout_s = 1};
    char err[512] = "";
    dnsq_t *q = NULL;

    cr_expect_eq(dnsq_create(&q, "nowhere", &o, err, sizeof(err)), DP_EBADADDR);
    cr_expect_null(q);
    cr_expect_str_eq(err, "server 'nowhere' is not an IPv4/IPv6 address with optional "
                          "port (ADDR, ADDR:PORT, [ADDR6]:PORT)");
    cr_expect_eq(dnsq_create(&q, NULL, &o, err, sizeof(err)), DP_EBADADDR);
    cr_expect_eq(dnsq_create(&q, "192.0.2.1:0", &o, err, sizeof(err)), DP_EBADADDR);
    cr_assert_eq(dnsq_create(&q, "192.0.2.1", &o, err, sizeof(err)), 0, "%s", err);
    cr_expect_str_eq(dnsq_server(q), "192.0.2.1:53");
    cr_expect_not(dnsq_keyed(q));
    cr_expect_str_eq(dnsq_keyname(q), "");
    dnsq_destroy(q);
    cr_assert_eq(dnsq_create(&q, "[2001:DB8::1]:5353", &o, err, sizeof(err)), 0);
    cr_expect_str_eq(dnsq_server(q), "[2001:db8::1]:5353");
    dnsq_destroy(q);
    dnsq_destroy(NULL);
}

Test(dnsq, keys)
{
    dnsq_opts_t o = {.timeout_s = 1,
                     .tsig = "hmac-sha384:k:c2VjcmV0",
                     .tsig_what = "[target t] tsig_key"};
    char err[512] = "";
    dnsq_t *q = NULL;
    ldns_pkt *p;

    cr_expect_eq(dnsq_create(&q, "127.0.0.1", &o, err, sizeof(err)), DP_EPARSE);
    cr_expect_null(q);
    cr_expect_str_eq(err,
                     "[target t] tsig_key: algorithm 'hmac-sha384' is not one ldns "
                     "can sign with (hmac-sha256, hmac-sha512, hmac-sha1, hmac-md5)");
    o.tsig = "k:not*base64";
    o.tsig_what = NULL;
    cr_expect_eq(dnsq_create(&q, "127.0.0.1", &o, err, sizeof(err)), DP_EPARSE);
    cr_expect_str_eq(err,
                     "tsig key: the secret of key 'k' is not base64 (RFC 4648); copy "
                     "it from the primary's key");
    cr_expect_eq(tsig_check("nocolon", "bad key", err, sizeof(err)), DP_EPARSE);
    cr_expect_not_null(strstr(err, "bad key: no ':' in it"), "%s", err);
    cr_expect_eq(tsig_check("hmac-sha512:key.example.:c2VjcmV0", "x", err, sizeof(err)),
                 0);

    o.tsig = "dnsprop-key:c2VjcmV0";
    cr_assert_eq(dnsq_create(&q, "127.0.0.1:53", &o, err, sizeof(err)), 0, "%s", err);
    cr_expect(dnsq_keyed(q));
    cr_expect_str_eq(dnsq_keyname(q), "dnsprop-key");
    p = ldns_pkt_query_new(ldns_dname_new_frm_str("z.test."), LDNS_RR_TYPE_SOA,
                           LDNS_RR_CLASS_IN, 0);
    cr_assert_not_null(p);
    cr_expect_null(ldns_pkt_tsig(p));
    cr_assert_eq(dnsq_tsig_sign(q, p, 300, err, sizeof(err)), 0, "%s", err);
    cr_expect_not_null(ldns_pkt_tsig(p));
    ldns_pkt_free(p);
    dnsq_destroy(q);
}

Test(dnsq, query_of_a_bad_name_sends_nothing)
{
    const dnsq_opts_t o = {.timeout_s = 1};
    char err[512] = "";
    char why[512] = "";
    struct ldns_struct_pkt *ans = (void *)1;
    dnsq_t *q = NULL;

    cr_assert_eq(dnsq_create(&q, "192.0.2.1", &o, err, sizeof(err)), 0);
    cr_expect_eq(dnsq_query(q, "a..b", RDATA_T_A, &ans, why, sizeof(why)), DP_EBADNAME);
    cr_expect_null(ans);
    cr_expect_str_eq(why, "'a..b' is not a domain name");
    dnsq_destroy(q);
}

static int never(const dnsq_rr_t *rr, void *arg, char *err, size_t errlen)
{
    (void)rr;
    (void)arg;
    (void)err;
    (void)errlen;
    cr_assert_fail("no record expected");
    return 0;
}

Test(dnsq, axfr_argument_errors)
{
    char canon[RDATA_NAME_TEXT_MAX];
    unsigned char apex[256];
    char err[1024] = "";
    probe_ns_t ns;

    cr_expect_eq(dnsq_axfr_each("nowhere", "z.test", NULL, "w", NULL, never, NULL, err,
                                sizeof(err)),
                 DP_EBADADDR);
    cr_expect_str_eq(err, "server 'nowhere' is not an IPv4/IPv6 address with optional "
                          "port (ADDR, ADDR:PORT, [ADDR6]:PORT)");
    cr_expect_eq(dnsq_axfr_each("127.0.0.1", "a..b", NULL, "w", NULL, never, NULL, err,
                                sizeof(err)),
                 DP_EBADNAME);
    cr_expect_str_eq(err, "zone 'a..b' is not a domain name");
    cr_expect_eq(dnsq_axfr_each("127.0.0.1", "z.test", "x:y", "w", NULL, never, NULL, err,
                                sizeof(err)),
                 DP_EPARSE);
    cr_expect_not_null(strstr(err, "tsig key: "), "%s", err);
    cr_assert_eq(
        dnsq_axfr_check("[::1]:53", "Z.Test", &ns, canon, apex, err, sizeof(err)), 0);
    cr_expect_str_eq(ns.text, "[::1]:53");
    cr_expect_str_eq(canon, "z.test.");
    cr_expect_eq(apex[0], 1);
}

/* A loopback port with a socket bound but not listening (TCP: refused)
 * or never answering (UDP), for as long as fd is open. */
static int dead_port(int type, char *server, size_t len)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    int fd = socket(AF_INET, type, 0);

    cr_assert_geq(fd, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    snprintf(server, len, "127.0.0.1:%u", (unsigned)ntohs(sa.sin_port));
    return fd;
}

Test(dnsq, send_says_why_there_is_no_answer)
{
    const dnsq_opts_t o = {.timeout_s = 1, .tries = 1, .tcp_timeout_s = 2};
    char server[64];
    char err[512] = "";
    char why[512] = "";
    ldns_pkt *ans = NULL;
    bool ok = false;
    dnsq_t *q = NULL;
    ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str("z.test."), LDNS_RR_TYPE_SOA,
                                     LDNS_RR_CLASS_IN, 0);
    int tcp = dead_port(SOCK_STREAM, server, sizeof(server));
    int udp;

    cr_assert_not_null(p);
    ldns_pkt_set_random_id(p);
    cr_assert_eq(dnsq_create(&q, server, &o, err, sizeof(err)), 0, "%s", err);
    cr_expect_eq(dnsq_send(q, p, true, &ans, &ok, why, sizeof(why)), -EIO);
    cr_expect_null(ans);
    cr_expect_str_eq(why, "cannot connect over TCP (Connection refused)");
    dnsq_destroy(q);
    close(tcp);

    udp = dead_port(SOCK_DGRAM, server, sizeof(server));
    cr_assert_eq(dnsq_create(&q, server, &o, err, sizeof(err)), 0, "%s", err);
    cr_expect_eq(dnsq_send(q, p, false, &ans, &ok, why, sizeof(why)), -EIO);
    cr_expect_null(ans);
    cr_expect(strncmp(why, "no answer over UDP (", 20) == 0, "%s", why);
    cr_expect_not_null(strstr(why, "; timeout 1 s)"), "%s", why);
    /* Asked again although the server failed once (ldns would not). */
    cr_expect_eq(dnsq_query(q, "z.test.", RDATA_T_SOA, &ans, why, sizeof(why)), -EIO);
    cr_expect_str_neq(why, dnsq_status_str(LDNS_STATUS_RES_NO_NS));
    dnsq_destroy(q);
    close(udp);
    ldns_pkt_free(p);
}
