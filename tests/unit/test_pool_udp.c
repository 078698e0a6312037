/*
 * The probe pool's own UDP path (probes/pool.c) against a nameserver that
 * lies on purpose: a UDP socket on loopback, answered from a thread.
 *   silent   reads every query, answers none: each query times out and
 *            the poll ends unreachable, with the reason c-ares gave;
 *   forged   before each true answer (NODATA) sends two that carry the
 *            awaited value: one with another ID, one with the query's ID
 *            but another question. Neither may count (RFC 5452 9.1).
 * The lab's tests (tests/integration/test_probe_lab.c) cover real servers,
 * TCP after truncation and ICMP errors.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probes/pool.h"

typedef struct {
    int fd;
    bool forged;
    atomic_bool stop;
    atomic_uint queries;
} liar_t;

/* An A record of 192.0.2.7 for owner (wire, or a pointer to the
 * question when NULL) appended to msg at off; the new length. */
static size_t add_a(unsigned char *msg, size_t off, const unsigned char *owner,
                    size_t olen)
{
    static const unsigned char rr[] = {0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7};

    if (owner == NULL) {
        msg[off++] = 0xc0;
        msg[off++] = 12;
    } else {
        memcpy(msg + off, owner, olen);
        off += olen;
    }
    memcpy(msg + off, rr, sizeof(rr));
    msg[7] = 1; /* ANCOUNT */
    return off + sizeof(rr);
}

static void reply(liar_t *l, const unsigned char *q, size_t qlen,
                  struct sockaddr_in *from)
{
    unsigned char m[600];
    size_t n;

    memcpy(m, q, qlen);
    m[2] |= 0x84; /* QR, AA */
    m[3] = 0;
    if (l->forged) {
        /* another ID (the same slot in the pool's table), the value */
        n = add_a(m, qlen, NULL, 0);
        m[0] ^= 0x80;
        sendto(l->fd, m, n, 0, (struct sockaddr *)from, sizeof(*from));
        m[0] ^= 0x80;
        /* the ID, another question (its first letter changed), and the
         * value at the name asked for */
        m[13] ^= 0x01;
        n = add_a(m, qlen, q + 12, qlen - 16);
        sendto(l->fd, m, n, 0, (struct sockaddr *)from, sizeof(*from));
        /* the true answer: NODATA */
        memcpy(m, q, qlen);
        m[2] |= 0x84;
        m[3] = 0;
        sendto(l->fd, m, qlen, 0, (struct sockaddr *)from, sizeof(*from));
    }
}

static void *liar_main(void *arg)
{
    liar_t *l = arg;
    unsigned char q[600];

    while (!atomic_load(&l->stop)) {
        struct pollfd pfd = {.fd = l->fd, .events = POLLIN};
        struct sockaddr_in from;
        socklen_t fl = sizeof(from);
        ssize_t n;

        if (poll(&pfd, 1, 50) <= 0)
            continue;
        n = recvfrom(l->fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
        if (n < 17)
            continue;
        atomic_fetch_add(&l->queries, 1);
        reply(l, q, (size_t)n, &from);
    }
    return NULL;
}

/* Start a liar on a free loopback port; its address as "127.0.0.1:P". */
static pthread_t liar_start(liar_t *l, bool forged, char addr[32])
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    pthread_t t;

    memset(l, 0, sizeof(*l));
    l->forged = forged;
    l->fd = socket(AF_INET, SOCK_DGRAM, 0);
    cr_assert_geq(l->fd, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(getsockname(l->fd, (struct sockaddr *)&sa, &sl), 0);
    snprintf(addr, 32, "127.0.0.1:%u", ntohs(sa.sin_port));
    cr_assert_eq(pthread_create(&t, NULL, liar_main, l), 0);
    return t;
}

/* One value_present poll of www.example.test. A 192.0.2.7 against addr;
 * its result and the pool's statistics. */
static void run_poll(const char *addr, probe_result_t *res, probe_stats_t *st)
{
    probe_pool_opts_t opts = {.threads = 1, .query_timeout_ms = 300};
    probe_pool_t *pool = NULL;
    probe_req_t req;
    char err[256];

    probe_req_init(&req);
    cr_assert_eq(probe_ns_parse(addr, &req.ns), 0);
    req.cond = COND_VALUE_PRESENT;
    req.qtype = RDATA_T_A;
    req.frequency = 0.1;
    req.timeout = 1.0;
    cr_assert_eq(probe_req_set_name(&req, "www.example.test.", false, err, sizeof(err)),
                 0);
    cr_assert_eq(probe_req_add_value(&req, "192.0.2.7", err, sizeof(err)), 0);
    cr_assert_eq(probe_req_finish(&req, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(probe_pool_create(&pool, &opts), 0);
    cr_assert_eq(probe_pool_submit(pool, &req), 0);
    cr_assert_eq(probe_pool_next(pool, res, 10000), 0);
    probe_pool_stats(pool, st);
    probe_pool_destroy(pool);
    probe_req_clear(&req);
}

/* A liar (forged or silent) for one poll; the queries it received. */
static unsigned liar_poll(bool forged, probe_result_t *res, probe_stats_t *st)
{
    liar_t l;
    char addr[32];
    pthread_t t = liar_start(&l, forged, addr);

    run_poll(addr, res, st);
    atomic_store(&l.stop, true);
    pthread_join(t, NULL);
    close(l.fd);
    return atomic_load(&l.queries);
}

Test(pool_udp, silent_server_times_out_each_query, .timeout = 30)
{
    probe_result_t res;
    probe_stats_t st;
    unsigned served = liar_poll(false, &res, &st);

    cr_expect_eq(res.status, PROBE_ERROR, "%s", probe_status_str(res.status));
    cr_expect(strstr(res.reason, "unreachable: no answer to") != NULL, "%s", res.reason);
    cr_expect(strstr(res.reason, "Timeout") != NULL, "%s", res.reason);
    cr_expect_geq(res.queries, 8, "10 slots in 1 s, got %u queries", res.queries);
    cr_expect_eq(res.queries, served, "every query reached the server");
    cr_expect_eq(res.answers, 0);
    /* queries sent in the last 300 ms are still in flight at the deadline */
    cr_expect_geq(st.query_timeouts, res.queries - 4, "%llu timeouts of %u queries",
                  (unsigned long long)st.query_timeouts, res.queries);
    probe_result_clear(&res);
}

Test(pool_udp, forged_answers_do_not_count, .timeout = 30)
{
    probe_result_t res;
    probe_stats_t st;

    liar_poll(true, &res, &st);
    /* had either forged answer been taken, the poll would be COMPLETED */
    cr_expect_eq(res.status, PROBE_TIMEOUT, "%s: %s", probe_status_str(res.status),
                 res.reason);
    cr_expect_geq(res.answers, 5);
    cr_expect_eq(res.answers, res.queries,
                 "%u answers to %u queries: forged ones counted", res.answers,
                 res.queries);
    cr_expect_eq(st.malformed, 0);
    cr_expect_eq(res.nvalues, 0);
    probe_result_clear(&res);
}
