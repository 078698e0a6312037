/*
 * metrics: the statsd client against a UDP listener of the test's own on
 * 127.0.0.1 (port 0, so the kernel picks a free one). Every datagram the
 * listener gets is checked for size and line syntax, and the lines are
 * tallied per name and type, so that the counter sums, the number of timer
 * values and the gauges can be compared with exactly what was recorded.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness/common/errcode.h"
#include "harness/serve/metrics.h"
#include "harness/common/timebase.h"

/* ---- the listener -------------------------------------------------------- */

typedef struct {
    char name[METRICS_NAME_MAX + 1];
    char type[4];
    int64_t sum;    /* c: sum of values */
    size_t nvalues; /* lines seen */
    double vsum;    /* ms: sum of values */
    double last;    /* g: last value */
} tally_t;

typedef struct {
    int fd;
    int family;
    uint16_t port;
    pthread_t thread;
    atomic_bool done;
    pthread_mutex_t mu;
    /* What was received (guarded by mu while the reader runs). */
    char **dgrams;
    size_t *lens;
    size_t n;
    size_t cap;
} listener_t;

static void *listener_main(void *arg)
{
    listener_t *l = arg;
    char buf[65536];

    for (;;) {
        ssize_t r = recv(l->fd, buf, sizeof(buf), 0);
        if (r < 0) {
            /* Timeout: done once the sender has finished and the queue is
             * empty. */
            if ((errno == EAGAIN || errno == EWOULDBLOCK) && atomic_load(&l->done))
                break;
            continue;
        }
        pthread_mutex_lock(&l->mu);
        if (l->n == l->cap) {
            l->cap = l->cap == 0 ? 1024 : l->cap * 2;
            l->dgrams = realloc(l->dgrams, l->cap * sizeof(*l->dgrams));
            l->lens = realloc(l->lens, l->cap * sizeof(*l->lens));
            cr_assert(l->dgrams != NULL && l->lens != NULL);
        }
        l->dgrams[l->n] = malloc((size_t)r + 1);
        cr_assert(l->dgrams[l->n] != NULL);
        memcpy(l->dgrams[l->n], buf, (size_t)r);
        l->dgrams[l->n][r] = '\0';
        l->lens[l->n] = (size_t)r;
        l->n++;
        pthread_mutex_unlock(&l->mu);
    }
    return NULL;
}

/* false when the address family is not available here (IPv6 off). */
static bool listener_start(listener_t *l, int family)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    struct timeval tv = {.tv_sec = 0, .tv_usec = 100000};
    int big = 32 << 20;

    memset(l, 0, sizeof(*l));
    pthread_mutex_init(&l->mu, NULL);
    l->family = family;
    l->fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (l->fd < 0)
        return false;
    /* A flush of tens of thousands of timers is a burst of hundreds of
     * datagrams; loopback drops what does not fit the receive buffer
     * silently, and the sender cannot know. Root may force a big one. */
    if (setsockopt(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0)
        setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    setsockopt(l->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    memset(&ss, 0, sizeof(ss));
    if (family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        sin->sin_family = AF_INET;
        sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sl = sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_addr = in6addr_loopback;
        sl = sizeof(*sin6);
    }
    if (bind(l->fd, (struct sockaddr *)&ss, sl) < 0) {
        close(l->fd);
        return false;
    }
    sl = sizeof(ss);
    cr_assert_eq(getsockname(l->fd, (struct sockaddr *)&ss, &sl), 0);
    l->port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                      : ((struct sockaddr_in6 *)&ss)->sin6_port);
    cr_assert_eq(pthread_create(&l->thread, NULL, listener_main, l), 0);
    return true;
}

static void listener_hostport(const listener_t *l, char *out, size_t outlen)
{
    if (l->family == AF_INET)
        snprintf(out, outlen, "127.0.0.1:%u", (unsigned)l->port);
    else
        snprintf(out, outlen, "[::1]:%u", (unsigned)l->port);
}

/* Wait until the queue is drained (call after the sender flushed). */
static void listener_stop(listener_t *l)
{
    atomic_store(&l->done, true);
    pthread_join(l->thread, NULL);
    close(l->fd);
}

static void listener_free(listener_t *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        free(l->dgrams[i]);
    free(l->dgrams);
    free(l->lens);
    pthread_mutex_destroy(&l->mu);
}

static size_t listener_count(listener_t *l)
{
    size_t n;

    pthread_mutex_lock(&l->mu);
    n = l->n;
    pthread_mutex_unlock(&l->mu);
    return n;
}

static bool name_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
}

static tally_t *tally_find(tally_t *t, size_t *nt, size_t cap, const char *name,
                           const char *type)
{
    size_t i;

    for (i = 0; i < *nt; i++) {
        if (strcmp(t[i].name, name) == 0 && strcmp(t[i].type, type) == 0)
            return &t[i];
    }
    cr_assert_lt(*nt, cap, "more distinct names than expected");
    memset(&t[*nt], 0, sizeof(t[*nt]));
    snprintf(t[*nt].name, sizeof(t[*nt].name), "%s", name);
    snprintf(t[*nt].type, sizeof(t[*nt].type), "%s", type);
    return &t[(*nt)++];
}

/* Check every datagram and line; tally the lines. Returns the number of
 * lines. */
static size_t parse_all(const listener_t *l, tally_t *t, size_t *nt, size_t cap)
{
    size_t d;
    size_t lines = 0;

    *nt = 0;
    for (d = 0; d < l->n; d++) {
        const char *p = l->dgrams[d];
        const char *end = p + l->lens[d];

        cr_assert_leq(l->lens[d], METRICS_DGRAM_MAX, "datagram %zu is %zu bytes", d,
                      l->lens[d]);
        cr_assert_gt(l->lens[d], 0);
        cr_assert_eq(end[-1], '\n', "datagram %zu does not end a line", d);
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *colon;
            const char *bar;
            char name[METRICS_NAME_MAX + 1];
            char value[64];
            char type[4];
            char *vend;
            tally_t *x;
            size_t k;

            cr_assert_not_null(nl);
            colon = memchr(p, ':', (size_t)(nl - p));
            cr_assert_not_null(colon, "no ':' in '%.*s'", (int)(nl - p), p);
            bar = memchr(colon, '|', (size_t)(nl - colon));
            cr_assert_not_null(bar, "no '|' in '%.*s'", (int)(nl - p), p);
            cr_assert_gt(colon - p, 0, "empty name");
            cr_assert_leq((size_t)(colon - p), METRICS_NAME_MAX);
            for (k = 0; p + k < colon; k++)
                cr_assert(name_char_ok(p[k]), "bad byte 0x%02x in name '%.*s'",
                          (unsigned char)p[k], (int)(colon - p), p);
            memcpy(name, p, (size_t)(colon - p));
            name[colon - p] = '\0';
            cr_assert(bar - colon - 1 > 0 && (size_t)(bar - colon - 1) < sizeof(value));
            memcpy(value, colon + 1, (size_t)(bar - colon - 1));
            value[bar - colon - 1] = '\0';
            cr_assert(nl - bar - 1 > 0 && (size_t)(nl - bar - 1) < sizeof(type),
                      "bad type in '%.*s'", (int)(nl - p), p);
            memcpy(type, bar + 1, (size_t)(nl - bar - 1));
            type[nl - bar - 1] = '\0';
            cr_assert(strcmp(type, "c") == 0 || strcmp(type, "ms") == 0 ||
                          strcmp(type, "g") == 0,
                      "unknown type '%s'", type);

            x = tally_find(t, nt, cap, name, type);
            x->nvalues++;
            errno = 0;
            if (strcmp(type, "c") == 0) {
                long long v = strtoll(value, &vend, 10);
                cr_assert(errno == 0 && *vend == '\0', "counter value '%s'", value);
                x->sum += v;
            } else {
                double v = strtod(value, &vend);
                cr_assert(errno == 0 && *vend == '\0' && isfinite(v), "value '%s'",
                          value);
                if (strcmp(type, "ms") == 0) {
                    /* Timers go out with three decimals. */
                    const char *dot = strchr(value, '.');
                    cr_assert(dot != NULL && strlen(dot + 1) == 3, "ms value '%s'",
                              value);
                    x->vsum += v;
                } else {
                    x->last = v;
                }
            }
            lines++;
            p = nl + 1;
        }
    }
    return lines;
}

static const tally_t *tally_get(const tally_t *t, size_t nt, const char *name,
                                const char *type)
{
    size_t i;

    for (i = 0; i < nt; i++) {
        if (strcmp(t[i].name, name) == 0 && strcmp(t[i].type, type) == 0)
            return &t[i];
    }
    return NULL;
}

static metrics_t *create_to(const listener_t *l, const char *prefix,
                            const metrics_opts_t *opts)
{
    char hp[64];
    char err[256] = "";
    metrics_t *m = NULL;
    int ret;

    listener_hostport(l, hp, sizeof(hp));
    ret = metrics_create_opts(&m, hp, prefix, opts, err, sizeof(err));
    cr_assert_eq(ret, 0, "metrics_create(%s): %s", hp, err);
    cr_assert_not_null(m);
    return m;
}

/* ---- many threads, exact totals ------------------------------------------ */

#define NTHREADS 4
#define NITER    10000

typedef struct {
    metrics_t *m;
    int id;
} worker_t;

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    int i;

    for (i = 0; i < NITER; i++) {
        metrics_count(w->m, "ops.offered", 1);
        metrics_count(w->m, "probe queries/sent", 3);
        metrics_count(w->m, "polls.timed_out", i % 2 == 0 ? 1 : -1);
        metrics_timing_ms(w->m, "ns.knot dns.propagation_ms", (double)i * 0.5);
        if (i % 1000 == 999)
            metrics_gauge(w->m, "polls.pending", (double)(w->id * 100 + i / 1000));
    }
    return NULL;
}

Test(metrics, threads_exact_totals)
{
    listener_t l;
    tally_t t[16];
    size_t nt;
    size_t lines;
    metrics_t *m;
    worker_t w[NTHREADS];
    pthread_t th[NTHREADS];
    metrics_stats_t st;
    const tally_t *x;
    double want_vsum = 0;
    int i;

    cr_assert(listener_start(&l, AF_INET));
    m = create_to(&l, "dnsprop.quick start:x", NULL);
    for (i = 0; i < NTHREADS; i++) {
        w[i].m = m;
        w[i].id = i;
        cr_assert_eq(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    metrics_flush(m); /* what destroy does too; stats are read before it */
    metrics_stats_get(m, &st);
    metrics_destroy(m);
    listener_stop(&l);

    lines = parse_all(&l, t, &nt, 16);
    cr_assert_eq(st.dropped_values, 0);
    cr_assert_eq(st.dropped_datagrams, 0);
    cr_assert_eq(st.dropped_lines, 0);
    cr_assert_eq(st.sent_datagrams, l.n, "sent %llu datagrams, received %zu",
                 (unsigned long long)st.sent_datagrams, l.n);
    cr_assert_eq(st.sent_lines, lines);

    x = tally_get(t, nt, "dnsprop.quick_start_x.ops.offered", "c");
    cr_assert_not_null(x);
    cr_assert_eq(x->sum, NTHREADS * NITER);
    x = tally_get(t, nt, "dnsprop.quick_start_x.probe_queries_sent", "c");
    cr_assert_not_null(x, "sanitised counter name missing");
    cr_assert_eq(x->sum, 3 * NTHREADS * NITER);
    x = tally_get(t, nt, "dnsprop.quick_start_x.polls.timed_out", "c");
    cr_assert_not_null(x);
    cr_assert_eq(x->sum, 0);

    x = tally_get(t, nt, "dnsprop.quick_start_x.ns.knot_dns.propagation_ms", "ms");
    cr_assert_not_null(x, "sanitised timer name missing");
    cr_assert_eq(x->nvalues, NTHREADS * NITER);
    for (i = 0; i < NITER; i++)
        want_vsum += (double)i * 0.5;
    cr_assert_float_eq(x->vsum, NTHREADS * want_vsum, 1e-6);

    /* The last gauge flushed is the last one some thread set. */
    x = tally_get(t, nt, "dnsprop.quick_start_x.polls.pending", "g");
    cr_assert_not_null(x);
    cr_assert(x->last == 9 || x->last == 109 || x->last == 209 || x->last == 309,
              "gauge %g", x->last);
    cr_assert_eq(nt, 5, "unexpected names");
    fprintf(stderr, "metrics: %zu lines in %zu datagrams (%.0f lines each)\n", lines, l.n,
            (double)lines / (double)l.n);
    listener_free(&l);
}

/* ---- bounds and accounting ------------------------------------------------ */

Test(metrics, timer_bound_accounts_drops)
{
    listener_t l;
    tally_t t[4];
    size_t nt;
    metrics_opts_t o = {.flush_interval_ms = 60000, .max_timers = 100};
    metrics_t *m;
    metrics_stats_t st;
    const tally_t *x;
    int i;

    cr_assert(listener_start(&l, AF_INET));
    m = create_to(&l, "", &o);
    for (i = 0; i < 1000; i++)
        metrics_timing_ms(m, "t", 1.0);
    metrics_flush(m);
    metrics_stats_get(m, &st);
    metrics_destroy(m);
    listener_stop(&l);
    parse_all(&l, t, &nt, 4);
    x = tally_get(t, nt, "t", "ms");
    cr_assert_not_null(x);
    /* The half-full kick may let the flusher take some early: at least
     * max_timers arrive, and every one that did not is counted. */
    cr_assert_geq(x->nvalues, 100);
    cr_assert_eq(x->nvalues + st.dropped_values, 1000, "%zu received + %llu dropped",
                 x->nvalues, (unsigned long long)st.dropped_values);
    listener_free(&l);
}

Test(metrics, name_bound_and_bad_values)
{
    listener_t l;
    tally_t t[16];
    size_t nt;
    metrics_opts_t o = {.max_names = 8};
    metrics_t *m;
    uint64_t sent;
    uint64_t dropped;
    char name[16];
    int i;

    cr_assert(listener_start(&l, AF_INET));
    m = create_to(&l, "p", &o);
    for (i = 0; i < 20; i++) {
        snprintf(name, sizeof(name), "n%d", i);
        metrics_count(m, name, 1);
    }
    metrics_timing_ms(m, "nan", NAN);
    metrics_gauge(m, "inf", INFINITY);
    metrics_gauge(m, "huge", 1e300);
    metrics_count(m, "", 1);
    metrics_count(m, NULL, 1);
    metrics_flush(m);
    metrics_stats(m, &sent, &dropped);
    metrics_destroy(m);
    listener_stop(&l);
    parse_all(&l, t, &nt, 16);
    cr_assert_eq(nt, 8);
    cr_assert_eq(dropped, 12 + 5);
    cr_assert_geq(sent, 1);
    listener_free(&l);
}

/* ---- line format ----------------------------------------------------------- */

Test(metrics, negative_gauge_resets_first)
{
    metrics_opts_t o = {.flush_interval_ms = 60000};
    listener_t l;
    metrics_t *m;
    size_t i;
    bool seen = false;

    /* No background flush in between: one datagram, in recording order. */
    cr_assert(listener_start(&l, AF_INET));
    m = create_to(&l, "p", &o);
    metrics_gauge(m, "lag", -5);
    metrics_gauge(m, "ok", 2.5);
    metrics_count(m, "big", INT64_MAX);
    metrics_count(m, "big", 1); /* saturates */
    metrics_destroy(m);
    listener_stop(&l);
    for (i = 0; i < l.n; i++) {
        if (strstr(l.dgrams[i], "p.lag:0|g\np.lag:-5.000|g\n") != NULL)
            seen = true;
    }
    cr_assert(seen, "no reset-then-set for a negative gauge");
    cr_assert_eq(l.n, 1);
    cr_assert_not_null(strstr(l.dgrams[0], "p.ok:2.500|g\n"));
    cr_assert_not_null(strstr(l.dgrams[0], "p.big:9223372036854775807|c\n"));
    listener_free(&l);
}

Test(metrics, sanitize_and_cut)
{
    char out[METRICS_NAME_MAX + 1];
    char longname[400];
    listener_t l;
    tally_t t[4];
    size_t nt;
    metrics_t *m;

    cr_assert_eq(metrics_sanitize("ns.knot-1.prop_ms", out, sizeof(out)), 17);
    cr_assert_str_eq(out, "ns.knot-1.prop_ms");
    metrics_sanitize("a b:c|d@e#f\ng/é", out, sizeof(out));
    cr_assert_str_eq(out, "a_b_c_d_e_f_g___");
    cr_assert_eq(metrics_sanitize("abcdef", out, 4), 3);
    cr_assert_str_eq(out, "abc");
    cr_assert_eq(metrics_sanitize(NULL, out, sizeof(out)), 0);
    cr_assert_str_eq(out, "");

    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    cr_assert(listener_start(&l, AF_INET));
    m = create_to(&l, "pre.fix..", NULL);
    metrics_count(m, longname, 7);
    metrics_destroy(m);
    listener_stop(&l);
    parse_all(&l, t, &nt, 4);
    cr_assert_eq(nt, 1);
    cr_assert_eq(strlen(t[0].name), METRICS_NAME_MAX);
    cr_assert_eq(strncmp(t[0].name, "pre.fix.xxx", 11), 0, "%s", t[0].name);
    cr_assert_eq(t[0].sum, 7);
    listener_free(&l);
}

/* ---- handles and addresses ------------------------------------------------- */

Test(metrics, null_handle_is_a_noop)
{
    uint64_t a = 1;
    uint64_t b = 1;
    metrics_stats_t st;

    metrics_count(NULL, "x", 1);
    metrics_timing_ms(NULL, "x", 1);
    metrics_gauge(NULL, "x", 1);
    metrics_flush(NULL);
    metrics_stats(NULL, &a, &b);
    cr_assert_eq(a, 0);
    cr_assert_eq(b, 0);
    metrics_stats(NULL, NULL, NULL);
    metrics_stats_get(NULL, &st);
    cr_assert_eq(st.sent_datagrams + st.dropped_values, 0);
    metrics_destroy(NULL);
}

Test(metrics, bad_addresses_fail_with_a_message)
{
    static const char *const bad[] = {
        "",
        "127.0.0.1",
        "127.0.0.1:",
        "127.0.0.1:0",
        "127.0.0.1:65536",
        "127.0.0.1:8x",
        ":8125",
        "::1:8125",
        "[::1",
        "[::1]8125",
        "[::1]:",
        "[]:8125",
        "[not-an-ip]:8125",
    };
    char err[256];
    metrics_t *m;
    size_t i;
    int ret;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        m = (metrics_t *)&err; /* must be reset */
        err[0] = '\0';
        ret = metrics_create(&m, bad[i], "p", err, sizeof(err));
        cr_assert_lt(ret, 0, "'%s' accepted", bad[i]);
        cr_assert_null(m, "'%s': handle not NULL", bad[i]);
        cr_assert_gt(strlen(err), 0, "'%s': no message", bad[i]);
        cr_assert_not_null(strstr(err, "statsd"), "'%s': %s", bad[i], err);
    }
    m = (metrics_t *)&err;
    ret = metrics_create(&m, NULL, "p", err, sizeof(err));
    cr_assert_lt(ret, 0);
    cr_assert_null(m);
    {
        metrics_opts_t o = {.flush_interval_ms = -1};
        cr_assert_eq(metrics_create_opts(&m, "127.0.0.1:8125", "p", &o, err, sizeof(err)),
                     DP_ERANGE);
    }
}

Test(metrics, host_name_and_ipv6)
{
    listener_t l;
    char err[256];
    char hp[64];
    metrics_t *m = NULL;
    int ret;

    /* /etc/hosts, no network: resolved once at create. */
    ret = metrics_create(&m, "localhost:8125", "p", err, sizeof(err));
    cr_assert_eq(ret, 0, "%s", err);
    metrics_count(m, "x", 1);
    metrics_destroy(m);

    if (!listener_start(&l, AF_INET6)) {
        fprintf(stderr, "metrics: no IPv6 loopback here, [::1] not tried\n");
        return;
    }
    listener_hostport(&l, hp, sizeof(hp));
    ret = metrics_create(&m, hp, "p", err, sizeof(err));
    cr_assert_eq(ret, 0, "%s: %s", hp, err);
    metrics_count(m, "v6", 2);
    metrics_destroy(m);
    listener_stop(&l);
    cr_assert_eq(l.n, 1);
    cr_assert_str_eq(l.dgrams[0], "p.v6:2|c\n");
    listener_free(&l);
}

/* ---- the background flush ----------------------------------------------- */

Test(metrics, background_flush_without_asking)
{
    listener_t l;
    metrics_opts_t o = {.flush_interval_ms = 20};
    metrics_t *m;
    int64_t t0;
    int64_t waited;

    cr_assert(listener_start(&l, AF_INET));
    m = create_to(&l, "p", &o);
    t0 = timebase_mono_ns();
    metrics_count(m, "tick", 1);
    while (listener_count(&l) == 0 && timebase_mono_ns() - t0 < 5 * TB_NS_PER_S)
        usleep(1000);
    waited = timebase_mono_ns() - t0;
    cr_assert_eq(listener_count(&l), 1, "nothing flushed within 5 s");
    fprintf(stderr, "metrics: background flush after %.1f ms (interval 20 ms)\n",
            (double)waited / 1e6);
    metrics_destroy(m);
    listener_stop(&l);
    cr_assert_str_eq(l.dgrams[0], "p.tick:1|c\n");
    listener_free(&l);
}

/* ---- nobody listening ----------------------------------------------------- */

Test(metrics, refused_port_never_blocks)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    char hp[64];
    char err[256];
    metrics_t *m = NULL;
    metrics_stats_t st;
    int fd;
    int i;
    int64_t t0;
    double burst_ms;

    /* A port that was free a moment ago and that nobody listens on now. */
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
    close(fd);
    snprintf(hp, sizeof(hp), "127.0.0.1:%u", (unsigned)ntohs(sin.sin_port));
    cr_assert_eq(metrics_create(&m, hp, "p", err, sizeof(err)), 0, "%s", err);

    /* Each flush sends; the ICMP port unreachable the first send provokes
     * makes a later one fail with ECONNREFUSED. */
    t0 = timebase_mono_ns();
    for (i = 0; i < 100000; i++) {
        metrics_count(m, "c", 1);
        metrics_timing_ms(m, "t", (double)i);
        if (i % 10000 == 0)
            metrics_flush(m);
    }
    metrics_flush(m);
    burst_ms = (double)(timebase_mono_ns() - t0) / 1e6;
    for (i = 0; i < 50; i++) {
        metrics_stats_get(m, &st);
        if (st.dropped_datagrams > 0)
            break;
        metrics_count(m, "c", 1);
        metrics_flush(m);
        usleep(5000);
    }
    metrics_stats_get(m, &st);
    fprintf(stderr,
            "metrics: refused port: 200000 calls + 11 flushes in %.1f ms; %llu datagrams "
            "sent, %llu dropped\n",
            burst_ms, (unsigned long long)st.sent_datagrams,
            (unsigned long long)st.dropped_datagrams);
    /* Generous (sanitizers, a loaded machine): a blocking send would hang. */
    cr_assert_lt(burst_ms, 10000.0);
    cr_assert_gt(st.sent_datagrams + st.dropped_datagrams, 0);
    cr_assert_gt(st.dropped_datagrams, 0, "ECONNREFUSED never counted");
    cr_assert_eq(st.dropped_values, 0);
    t0 = timebase_mono_ns();
    metrics_destroy(m);
    cr_assert_lt(timebase_mono_ns() - t0, 5 * TB_NS_PER_S);
}

/* ---- throughput (printed, not asserted) ------------------------------------ */

typedef struct {
    metrics_t *m;
    int n;
} bench_t;

static void *bench_main(void *arg)
{
    bench_t *b = arg;
    int i;

    for (i = 0; i < b->n; i++) {
        metrics_count(b->m, "bench.count", 1);
        if (i % 4 == 0)
            metrics_timing_ms(b->m, "bench.ms", 1.5);
    }
    return NULL;
}

Test(metrics, throughput)
{
    listener_t l;
    metrics_t *m;
    pthread_t th[NTHREADS];
    bench_t b;
    int64_t t0;
    double s1;
    double s4;
    int i;
    uint64_t sent;
    uint64_t dropped;
    const int n = 200000;

    cr_assert(listener_start(&l, AF_INET));
    m = create_to(&l, "p", NULL);
    b.m = m;
    b.n = n;
    t0 = timebase_mono_ns();
    bench_main(&b);
    s1 = (double)(timebase_mono_ns() - t0) / 1e9;
    t0 = timebase_mono_ns();
    for (i = 0; i < NTHREADS; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, bench_main, &b), 0);
    for (i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    s4 = (double)(timebase_mono_ns() - t0) / 1e9;
    metrics_flush(m);
    metrics_stats(m, &sent, &dropped);
    metrics_destroy(m);
    listener_stop(&l);
    fprintf(
        stderr,
        "metrics: throughput (this build): 1 thread %.2f M calls/s, %d threads %.2f M "
        "calls/s in all; %llu datagrams sent, %zu received, %llu values dropped\n",
        (double)n * 1.25 / s1 / 1e6, NTHREADS, (double)n * 1.25 * NTHREADS / s4 / 1e6,
        (unsigned long long)sent, l.n, (unsigned long long)dropped);
    listener_free(&l);
}
