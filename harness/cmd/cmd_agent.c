/*
 * cmd_agent: `dnsprop agent --redis URL --vantage NAME`: a probe agent
 * (harness/serve/agent.h) for campaigns run with [probe] mode = agents.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "harness/serve/agent.h"
#include "harness/cmd/cmd.h"
#include "harness/cmd/cmdutil.h"
#include "harness/serve/metrics.h"
#include "harness/common/log.h"
#include "harness/common/numparse.h"
#include "harness/cmd/storeopt.h"

static volatile sig_atomic_t g_stop;
static const char *g_metrics_listen; /* --metrics-listen */

static void on_signal(int sig)
{
    g_stop = sig;
}

enum {
    OPT_VANTAGE = 256,
    OPT_THREADS,
    OPT_RECLAIM,
    OPT_CONSUMER,
    OPT_STATSD,
    OPT_METRICS_LISTEN,
    OPT_NTP,
    OPT_QUIET,
    OPT_INFLIGHT,
};

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: dnsprop agent --redis URL --vantage NAME [--threads N]\n"
        "                     [--reclaim-after S] [--max-inflight N] [--consumer NAME]\n"
        "                     [--statsd HOST:PORT] [--metrics-listen ADDR:PORT]\n"
        "                     [--ntp-server HOST[:PORT]] [--quiet]\n"
        "\n"
        "Probe for campaigns run with [probe] mode = agents: take poll requests\n"
        "for vantage NAME from the campaign's Redis (a consumer group: the agents\n"
        "of one vantage share the work), probe, store each result tagged with the\n"
        "vantage, and acknowledge the request only then. Requests an agent left\n"
        "pending (it died) are taken over by the others after --reclaim-after\n"
        "seconds (default 10; the campaign's [probe] reclaim_after should match).\n"
        "Stops cleanly on SIGINT/SIGTERM (what it was probing goes back to the\n"
        "others).\n"
        "\n"
        "  --redis URL          the campaign's Redis (redis://[:pw@]host[:port][/db],\n"
        "                       unix:///path.sock[?db=N]); required\n"
        "  --redis-password-file FILE   password (else REDISCLI_AUTH, else the URL)\n"
        "  --vantage NAME       this agent's vantage point (letters, digits, - _ .)\n"
        "  --threads N          probe threads (default: one per core)\n"
        "  --max-inflight N     requests probed at once (default 4096)\n"
        "  --consumer NAME      consumer name in the group (default: HOST-PID)\n"
        "  --statsd HOST:PORT   send metrics (polls, propagation per nameserver)\n"
        "  --metrics-listen ADDR:PORT  serve them to Prometheus at\n"
        "                       http://ADDR:PORT/metrics\n"
        "  --ntp-server HOST    check the clock against it at start (SNTP)\n"
        "\n"
        "exit status: 0 stopped by a signal, 2 error, 64 usage error\n");
}

/* The options into so, ao and *statsd. -1 when the agent should start,
 * else the exit status to end with (DP_EXIT_OK after --help). */
static int parse_args(int argc, char **argv, storeopt_t *so, agent_opts_t *ao,
                      const char **statsd)
{
    static const struct option opts[] = {
        STOREOPT_LONGOPTS_REDIS,
        {"vantage", required_argument, NULL, OPT_VANTAGE},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"reclaim-after", required_argument, NULL, OPT_RECLAIM},
        {"max-inflight", required_argument, NULL, OPT_INFLIGHT},
        {"consumer", required_argument, NULL, OPT_CONSUMER},
        {"statsd", required_argument, NULL, OPT_STATSD},
        {"metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN},
        {"ntp-server", required_argument, NULL, OPT_NTP},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t u;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (storeopt_getopt(so, c, optarg))
            continue;
        switch (c) {
        case 'h':
            usage(stdout);
            return DP_EXIT_OK;
        case OPT_VANTAGE:
            if (optarg[0] == '\0' || strlen(optarg) > 64 ||
                strspn(optarg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "0123456789-_.") != strlen(optarg))
                return cmd_bad("agent", "--vantage",
                               "'%s': 1 to 64 letters, digits, '-', '_' or '.'", optarg);
            ao->vantage = optarg;
            break;
        case OPT_THREADS:
            if (numparse_u64(optarg, 1024, &u) < 0 || u == 0)
                return cmd_bad("agent", "--threads", "'%s': want 1 to 1024", optarg);
            ao->threads = (unsigned)u;
            break;
        case OPT_INFLIGHT:
            if (numparse_u64(optarg, 1000000, &u) < 0 || u == 0)
                return cmd_bad("agent", "--max-inflight", "'%s': want 1 to 1000000",
                               optarg);
            ao->max_inflight = (unsigned)u;
            break;
        case OPT_RECLAIM:
            if (numparse_double(optarg, 0.5, 3600, &ao->reclaim_after) < 0)
                return cmd_bad("agent", "--reclaim-after",
                               "'%s': want seconds, 0.5 to 3600", optarg);
            break;
        case OPT_CONSUMER:
            ao->consumer = optarg;
            break;
        case OPT_STATSD:
            *statsd = optarg;
            break;
        case OPT_METRICS_LISTEN:
            g_metrics_listen = optarg;
            break;
        case OPT_NTP:
            ao->ntp_server = optarg;
            break;
        case OPT_QUIET:
            ao->quiet = true;
            break;
        default:
            usage(stderr);
            return DP_EXIT_USAGE;
        }
    }
    if (optind != argc)
        return cmd_bad("agent", argv[optind], "unexpected argument");
    if (so->redis == NULL)
        return cmd_bad("agent", "--redis",
                       "missing: the agent works for campaigns in that Redis");
    if (ao->vantage == NULL)
        return cmd_bad("agent", "--vantage",
                       "missing: which vantage point this agent is");
    return -1;
}

int cmd_agent(int argc, char **argv)
{
    storeopt_t so;
    store_t *s = NULL;
    agent_opts_t ao;
    struct sigaction sa;
    const char *statsd = NULL;
    cmd_prom_t prom;
    char err[1024];
    int rc;

    storeopt_init(&so);
    memset(&ao, 0, sizeof(ao));
    rc = parse_args(argc, argv, &so, &ao, &statsd);
    if (rc >= 0)
        return rc;
    if (statsd != NULL) {
        char prefix[200];
        snprintf(prefix, sizeof(prefix), "dnsprop.agent.%s", ao.vantage);
        if (metrics_create(&ao.metrics, statsd, prefix, err, sizeof(err)) < 0)
            return cmd_bad("agent", "--statsd", "%s", err);
    }
    if ((rc = cmd_prom_start(&prom, "agent", g_metrics_listen)) != 0) {
        metrics_destroy(ao.metrics);
        return rc;
    }
    ao.prom = prom.reg != NULL ? &prom.std : NULL;
    if (storeopt_open(&so, "dnsprop agent", &s) < 0) {
        cmd_prom_stop(&prom, 0, NULL);
        metrics_destroy(ao.metrics);
        return DP_EXIT_ERROR;
    }
    /* the agent's progress lines are log_info: shown unless --quiet */
    if (!ao.quiet)
        log_set_level(DP_LOG_INFO);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    ao.stop = &g_stop;
    rc = DP_EXIT_OK;
    if (agent_run(s, &ao, err, sizeof(err)) < 0) {
        fprintf(stderr, "dnsprop agent: %s\n", err);
        rc = DP_EXIT_ERROR;
    }
    store_close(s);
    cmd_prom_stop(&prom, 0, NULL);
    metrics_destroy(ao.metrics);
    return rc;
}
