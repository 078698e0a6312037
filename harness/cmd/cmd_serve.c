/*
 * cmd_serve: `dnsprop serve`, the Digaas-compatible poll service (see
 * harness/serve/serve.h) until SIGINT or SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/cmd/cmd.h"
#include "harness/cmd/cmdutil.h"
#include "harness/serve/metrics.h"
#include "harness/common/errcode.h"
#include "harness/common/fsutil.h"
#include "harness/common/numparse.h"
#include "harness/serve/serve.h"
#include "harness/cmd/storeopt.h"

static volatile sig_atomic_t g_signal;

static void on_signal(int sig)
{
    g_signal = sig;
}

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: dnsprop serve [--listen ADDR:PORT] [--token-file FILE]\n"
        "                     [--threads N] [--http-threads N] [--query-timeout S]\n"
        "                     [--redis URL] [--redis-password-file FILE] [--results "
        "DIR]\n"
        "                     [--retention DURATION] [--statsd HOST:PORT]\n"
        "                     [--metrics-listen ADDR:PORT]\n"
        "                     [limits: --min-frequency S --max-timeout S ...]\n"
        "\n"
        "Serve poll requests over HTTP, as Digaas's three API generations do:\n"
        "POST /requests (or /poll_requests), GET /requests/{id}, POST /stats,\n"
        "GET /stats/{id}, GET /stats/{id}/summary, GET /images/{id},\n"
        "GET /stats-file; POST /observers, GET /observers/{id}, POST /stats\n"
        "{start, end}, GET /stats/{id}/plots/{type}. serial 0 means any serial.\n"
        "See README, 'dnsprop serve'.\n"
        "\n"
        "  --listen ADDR:PORT   where to listen (default %s; [::1]:9090 for IPv6)\n"
        "  --token-file FILE    require \"Authorization: Bearer TOKEN\" on every call,\n"
        "                       TOKEN being the file's first line\n"
        "  --threads N          probe threads (default: half the CPUs, at least 1)\n"
        "  --http-threads N     HTTP threads (default 2)\n"
        "  --query-timeout S    per-query timeout (default 1)\n"
        "  --retention D        keep each request and stats in Redis this long after\n"
        "                       its poll (30d, 12h, 90m, seconds; default 30d; 0:\n"
        "                       for ever, as Digaas did)\n"
        "  --statsd HOST:PORT   send metrics (requests accepted, polls, propagation\n"
        "                       per nameserver) to statsd\n"
        "  --metrics-listen ADDR:PORT  serve Prometheus metrics (polls by outcome,\n"
        "                       propagation histograms per nameserver) at\n"
        "                       http://ADDR:PORT/metrics\n"
        "\n"
        "Limits (a poll request past one is answered 429, {\"limit\": OPTION}; a\n"
        "client is an IP address):\n"
        "  --min-frequency S    least seconds between a poll's queries (default %g)\n"
        "  --max-timeout S      longest poll (default %g)\n"
        "  --max-values N       values per request (default %d)\n"
        "  --max-pending N      polls running at once, in all (default %d)\n"
        "  --max-pending-per-client N  the same per client (default %d)\n"
        "  --max-ns-rate Q      queries a second at one nameserver address, summed\n"
        "                       over the polls running (default %g)\n"
        "  --max-connections N  HTTP connections at once (default %d)\n"
        "  --max-connections-per-client N  the same per client (default %d)\n"
        "  --idle-timeout S     close a connection idle this long (default %d)\n"
        "  --request-timeout S  close a connection whose request (headers and body)\n"
        "                       takes longer to arrive (default %d)\n"
        "A POST with an \"Idempotency-Key: KEY\" header is stored once per KEY (24 h):\n"
        "a retry gets the same request. A 503 with \"stored\": \"unknown\" names an id\n"
        "Redis may still take; if it does, its polls start at once.\n"
        "\n"
        "Requests are kept in Redis as they arrive; unfinished ones are polled\n"
        "again at the next start. Stats plots go to RESULTS/serve/.\n" STOREOPT_HELP "\n"
        "SIGINT or SIGTERM stop it (exit 0); exit 2 when it cannot start, 64 usage.\n",
        SERVE_DEFAULT_LISTEN, SERVE_DEF_MIN_FREQUENCY, SERVE_DEF_MAX_TIMEOUT,
        SERVE_DEF_MAX_VALUES, SERVE_DEF_MAX_PENDING, SERVE_DEF_MAX_PENDING_CLIENT,
        SERVE_DEF_MAX_NS_RATE, SERVE_DEF_MAX_CONNS, SERVE_DEF_MAX_CONNS_CLIENT,
        SERVE_DEF_IDLE_TIMEOUT_S, SERVE_DEF_REQUEST_TIMEOUT_S);
}

/* The token: the file's first line, without its line end and blanks. */
static int read_token(const char *path, char *tok, size_t len)
{
    char why[256];
    int ret = fsutil_read_secret(path, tok, len, why, sizeof(why));

    if (ret < 0)
        return cmd_bad("serve", "--token-file", "cannot read %s: %s", path, why);
    if (tok[0] == '\0')
        return cmd_bad("serve", "--token-file",
                       "%s: the first line must hold the token (1 to %zu characters)",
                       path, len - 1);
    return DP_EXIT_OK;
}

enum {
    OPT_LISTEN = 256,
    OPT_TOKEN,
    OPT_THREADS,
    OPT_HTTP_THREADS,
    OPT_QTIMEOUT,
    OPT_STATSD,
    OPT_METRICS_LISTEN,
    OPT_MIN_FREQ,
    OPT_MAX_TIMEOUT,
    OPT_MAX_VALUES,
    OPT_MAX_PENDING,
    OPT_MAX_PENDING_CLIENT,
    OPT_MAX_NS_RATE,
    OPT_MAX_CONNS,
    OPT_MAX_CONNS_CLIENT,
    OPT_IDLE_TIMEOUT,
    OPT_REQUEST_TIMEOUT,
    OPT_RETENTION,
};

/* The limits' options: name, kind (a count: an unsigned field; else a
 * double), range, and the field of serve_limits_t. */
typedef struct {
    int opt;
    const char *name;
    bool count;
    double min;
    double max;
    size_t off;
} limopt_t;

#define LIM(o, n, c, lo, hi, f)                                                          \
    {                                                                                    \
        o, n, c, lo, hi, offsetof(serve_limits_t, f)                                     \
    }
static const limopt_t limopts[] = {
    LIM(OPT_MIN_FREQ, "min-frequency", false, PROBE_MIN_FREQUENCY, 86400, min_frequency),
    LIM(OPT_MAX_TIMEOUT, "max-timeout", false, 0.001, SERVE_MAX_TIMEOUT_S, max_timeout),
    LIM(OPT_MAX_VALUES, "max-values", true, 1, 100000, max_values),
    LIM(OPT_MAX_PENDING, "max-pending", true, 1, 10000000, max_pending),
    LIM(OPT_MAX_PENDING_CLIENT, "max-pending-per-client", true, 1, 10000000,
        max_pending_per_client),
    LIM(OPT_MAX_NS_RATE, "max-ns-rate", false, 0.001, 1e9, max_ns_rate),
    LIM(OPT_MAX_CONNS, "max-connections", true, 1, 1000000, max_connections),
    LIM(OPT_MAX_CONNS_CLIENT, "max-connections-per-client", true, 1, 1000000,
        max_connections_per_client),
    LIM(OPT_IDLE_TIMEOUT, "idle-timeout", true, 1, 86400, idle_timeout_s),
    LIM(OPT_REQUEST_TIMEOUT, "request-timeout", true, 1, 86400, request_timeout_s),
};

/* One limit's value into lim: DP_EXIT_OK or a usage error. */
static int parse_limit(serve_limits_t *lim, const limopt_t *lo, const char *arg)
{
    char *field = (char *)lim + lo->off;
    uint32_t u = 0;
    double d = 0;
    char flag[64];

    if (lo->count ? numparse_u32(arg, &u) < 0 || u < lo->min || u > lo->max
                  : numparse_double(arg, lo->min, lo->max, &d) < 0) {
        snprintf(flag, sizeof(flag), "--%s", lo->name);
        return cmd_bad("serve", flag, "'%s' is not a %s in [%g, %g]", arg,
                       lo->count ? "whole number" : "number", lo->min, lo->max);
    }
    if (lo->count)
        memcpy(field, &(unsigned){u}, sizeof(unsigned));
    else
        memcpy(field, &d, sizeof(double));
    return DP_EXIT_OK;
}

/* What the command line gives: the service's options, the store's, the
 * statsd address. */
typedef struct {
    serve_opts_t so;
    storeopt_t sto;
    const char *statsd;
    const char *metrics_listen;
    cmd_prom_t prom;
    char token[4096];
} args_t;

/* One option of ours (not the store's): DP_EXIT_OK, or the exit status of
 * a usage error. */
static int parse_opt(args_t *a, int c, const char *arg)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    uint32_t u;
    double d;

    switch (c) {
    case OPT_LISTEN:
        if (serve_parse_listen(arg, &ss, &sl) < 0)
            return cmd_bad("serve", "--listen",
                           "'%s' is not ADDR:PORT or [V6]:PORT (e.g. 127.0.0.1:9090)",
                           arg);
        a->so.listen = arg;
        return DP_EXIT_OK;
    case OPT_TOKEN:
        a->so.token = a->token;
        return read_token(arg, a->token, sizeof(a->token));
    case OPT_THREADS:
    case OPT_HTTP_THREADS:
        if (numparse_u32(arg, &u) < 0 || u == 0 || u > 256)
            return cmd_bad("serve", c == OPT_THREADS ? "--threads" : "--http-threads",
                           "'%s' is not a thread count in [1, 256]", arg);
        if (c == OPT_THREADS)
            a->so.probe_threads = u;
        else
            a->so.http_threads = u;
        return DP_EXIT_OK;
    case OPT_QTIMEOUT:
        if (numparse_double(arg, 0.001, 60, &d) < 0)
            return cmd_bad("serve", "--query-timeout", "'%s' is not seconds in (0, 60]",
                           arg);
        a->so.query_timeout_ms = (unsigned)(d * 1000 + 0.5);
        return DP_EXIT_OK;
    case OPT_STATSD:
        a->statsd = arg;
        return DP_EXIT_OK;
    case OPT_METRICS_LISTEN:
        a->metrics_listen = arg;
        return DP_EXIT_OK;
    case OPT_RETENTION:
        /* at most ten years: EX takes whole seconds, and more is for ever */
        if (numparse_duration(arg, 10 * 365 * 86400.0, &d) < 0)
            return cmd_bad("serve", "--retention",
                           "'%s' is not a duration (30d, 12h, 90m, 45s or seconds; 0: "
                           "keep for ever) of at most 3650d",
                           arg);
        a->so.retention_s = d > 0 ? d : -1;
        return DP_EXIT_OK;
    default:
        for (size_t i = 0; i < sizeof(limopts) / sizeof(limopts[0]); i++) {
            if (limopts[i].opt == c)
                return parse_limit(&a->so.limits, &limopts[i], arg);
        }
        return cmd_bad("serve", "options", "%s", "unknown option or missing argument");
    }
}

/* The command line into *a: -1 to go on, else the exit status (--help,
 * usage errors). */
static int parse_args(args_t *a, int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"token-file", required_argument, NULL, OPT_TOKEN},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"http-threads", required_argument, NULL, OPT_HTTP_THREADS},
        {"query-timeout", required_argument, NULL, OPT_QTIMEOUT},
        STOREOPT_LONGOPTS,
        {"statsd", required_argument, NULL, OPT_STATSD},
        {"metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN},
        {"min-frequency", required_argument, NULL, OPT_MIN_FREQ},
        {"max-timeout", required_argument, NULL, OPT_MAX_TIMEOUT},
        {"max-values", required_argument, NULL, OPT_MAX_VALUES},
        {"max-pending", required_argument, NULL, OPT_MAX_PENDING},
        {"max-pending-per-client", required_argument, NULL, OPT_MAX_PENDING_CLIENT},
        {"max-ns-rate", required_argument, NULL, OPT_MAX_NS_RATE},
        {"max-connections", required_argument, NULL, OPT_MAX_CONNS},
        {"max-connections-per-client", required_argument, NULL, OPT_MAX_CONNS_CLIENT},
        {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
        {"request-timeout", required_argument, NULL, OPT_REQUEST_TIMEOUT},
        {"retention", required_argument, NULL, OPT_RETENTION},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int rc;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (storeopt_getopt(&a->sto, c, optarg))
            continue;
        if (c == 'h') {
            usage(stdout);
            return DP_EXIT_OK;
        }
        rc = parse_opt(a, c, optarg);
        if (rc != DP_EXIT_OK)
            return rc;
    }
    if (optind < argc)
        return cmd_bad("serve", "arguments", "unexpected '%s'", argv[optind]);
    return -1;
}

/* Serve until SIGINT or SIGTERM. */
static int run(serve_opts_t *so, store_t *store)
{
    serve_t *srv = NULL;
    serve_info_t info;
    char err[1024];

    if (serve_create(&srv, so, err, sizeof(err)) < 0) {
        fprintf(stderr, "dnsprop serve: %s\n", err);
        return DP_EXIT_ERROR;
    }
    serve_info(srv, &info);
    fprintf(stderr,
            "dnsprop serve: listening on http://%s%s; requests in %s; %llu unfinished "
            "request%s resumed, %llu ended (timed out while the service was down), %llu "
            "stats resumed\n",
            serve_where(srv), so->token != NULL ? " (bearer token required)" : "",
            store_where(store), (unsigned long long)info.resumed,
            info.resumed == 1 ? "" : "s", (unsigned long long)info.expired,
            (unsigned long long)info.stats_resumed);
    fprintf(stderr,
            "dnsprop serve: %u HTTP threads waiting with %s, up to %u connections\n",
            info.http_threads, info.http_wait, info.max_connections);
    for (unsigned tick = 0; g_signal == 0; tick++) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
        if (so->prom != NULL && tick % 10 == 0) {
            serve_info(srv, &info);
            uint64_t in = info.resumed + info.accepted;
            prom_set(so->prom->pending, NULL,
                     in > info.finished ? (double)(in - info.finished) : 0);
            prom_std_rss(so->prom);
        }
    }
    fprintf(stderr, "dnsprop serve: %s: stopping\n",
            g_signal == SIGINT ? "SIGINT" : "SIGTERM");
    serve_info(srv, &info);
    serve_destroy(srv);
    fprintf(stderr,
            "dnsprop serve: %llu requests accepted, %llu polls finished; unfinished ones "
            "stay in Redis for the next start\n",
            (unsigned long long)info.accepted, (unsigned long long)info.finished);
    return DP_EXIT_OK;
}

int cmd_serve(int argc, char **argv)
{
    args_t a;
    store_t *store = NULL;
    struct sigaction sa;
    char err[1024];
    int rc;

    memset(&a, 0, sizeof(a));
    storeopt_init(&a.sto);
    rc = parse_args(&a, argc, argv);
    if (rc >= 0)
        return rc;
    if (a.statsd != NULL &&
        metrics_create(&a.so.metrics, a.statsd, "dnsprop.serve", err, sizeof(err)) < 0)
        return cmd_bad("serve", "--statsd", "%s", err);
    if ((rc = cmd_prom_start(&a.prom, "serve", a.metrics_listen)) != 0) {
        metrics_destroy(a.so.metrics);
        return rc;
    }
    a.so.prom = a.prom.reg != NULL ? &a.prom.std : NULL;

    /* SA_RESTART: the libraries' threads should not see EINTR for a stop
     * that this thread handles. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    if (storeopt_open(&a.sto, "dnsprop serve", &store) < 0) {
        cmd_prom_stop(&a.prom, 0, NULL);
        metrics_destroy(a.so.metrics);
        return DP_EXIT_ERROR;
    }
    a.so.store = store;
    a.so.results = a.sto.results;
    rc = run(&a.so, store);
    store_close(store);
    cmd_prom_stop(&a.prom, 0, NULL);
    metrics_destroy(a.so.metrics);
    return rc;
}
