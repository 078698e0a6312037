/*
 * cmd_run: `dnsprop run SCENARIO.ini`: loads the scenario, opens nothing
 * itself but tells the driver how to open the results store, shows what
 * the driver says (progress and messages on stderr, JSON on stdout) and
 * turns its outcome into the exit status.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cmd/cmd.h"
#include "harness/common/numparse.h"
#include "harness/cmd/cmdutil.h"
#include "harness/driver/driver.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    g_stop = sig;
}

/* The driver's messages: lines on stderr after "dnsprop run: ", the
 * progress line rewritten in place on a terminal (plain lines otherwise:
 * logs, CI), documents on stdout. One stdio call each (thread-safe). */
static void say(void *arg, driver_msg_t kind, const char *text)
{
    bool tty = isatty(2);

    (void)arg;
    switch (kind) {
    case DRIVER_MSG_PROGRESS:
        fprintf(stderr, "%s%s%s", tty ? "\r\033[K" : "", text, tty ? "" : "\n");
        break;
    case DRIVER_MSG_PROGRESS_END:
        fprintf(stderr, "%s%s\n", tty ? "\r\033[K" : "", text);
        break;
    case DRIVER_MSG_TEXT:
        fputs(text, stderr);
        break;
    case DRIVER_MSG_JSON:
        printf("%s\n", text);
        break;
    default:
        fprintf(stderr, "dnsprop run: %s\n", text);
        break;
    }
}

/* driver_run's outcome as the exit status. */
static int exit_status(int ret)
{
    switch (ret) {
    case DRIVER_SLO_OK:
        return DP_EXIT_OK;
    case DRIVER_SLO_FAIL:
        return DP_EXIT_TIMEOUT;
    case DRIVER_STOPPED:
        return DP_EXIT_SIGNAL;
    default:
        return DP_EXIT_ERROR;
    }
}

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: dnsprop run [--quiet] [--no-store] [--dry-run] [--force] [--statsd "
        "HOST:PORT]\n"
        "                   [--retention D] [--metrics-listen ADDR:PORT]\n"
        "                   [--metrics-linger S] SCENARIO.ini\n"
        "\n"
        "Drive the scenario's changes through its targets and measure how long each\n"
        "takes to reach every nameserver. Prints a JSON summary; results go to Redis\n"
        "and RESULTS/<campaign>/.\n"
        "\n"
        "  --quiet      no progress lines\n"
        "  --no-store   do not store results in Redis\n"
        "  --dry-run    plan the zone syncs ([phase] zonefile = ...), print the plans\n"
        "               (text on stderr, JSON on stdout) and change nothing\n"
        "  --force      apply zone-sync plans over max_update_pct/max_delete_pct\n"
        "  --statsd HOST:PORT  send live metrics there (over [metrics] statsd)\n"
        "  --retention D  keep the campaign's keys in Redis for D after its last\n"
        "               write (30d, 12h; 0 forever; over [storage] retention)\n"
        "  --metrics-listen ADDR:PORT  serve Prometheus metrics at\n"
        "               http://ADDR:PORT/metrics while the campaign runs\n"
        "  --metrics-linger S  and S seconds after it ends (the last scrape)\n"
        "\n"
        "exit status: 0 the SLOs hold, 1 they do not, 2 error (bad scenario: the\n"
        "             message names FILE:LINE, section and key), 130 interrupted\n");
}

int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"quiet", no_argument, NULL, 'q'},
        {"no-store", no_argument, NULL, 'n'},
        {"force", no_argument, NULL, 'f'},
        {"dry-run", no_argument, NULL, 'd'},
        {"statsd", required_argument, NULL, 's'},
        {"retention", required_argument, NULL, 'r'},
        {"metrics-listen", required_argument, NULL, 'm'},
        {"metrics-linger", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *statsd = NULL;
    const char *retention = NULL;
    const char *listen = NULL;
    double keep = 0;
    double linger = 0;
    cmd_prom_t prom;
    driver_opts_t dopts;
    store_opts_t so;
    char redis_dir[1100];
    scenario_t sc;
    struct sigaction sa;
    char err[1200];
    int c;
    int rc;

    memset(&dopts, 0, sizeof(dopts));
    optind = 1;
    while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return DP_EXIT_OK;
        case 'q':
            dopts.quiet = true;
            break;
        case 'n':
            dopts.no_store = true;
            break;
        case 'f':
            dopts.force = true;
            break;
        case 'd':
            dopts.dry_run = true;
            break;
        case 's':
            statsd = optarg;
            break;
        case 'r':
            if (numparse_duration(optarg, 10 * 365 * 86400.0, &keep) < 0)
                return cmd_bad("run", "--retention",
                               "'%s': a length of time (30d, 12h, 3600s; 0 forever)",
                               optarg);
            retention = optarg;
            break;
        case 'm':
            listen = optarg;
            break;
        case 'l':
            if (numparse_duration(optarg, 86400, &linger) < 0)
                return cmd_bad("run", "--metrics-linger",
                               "'%s': a length of time (30s, 5m; at most 1d)", optarg);
            break;
        default:
            usage(stderr);
            return DP_EXIT_USAGE;
        }
    }
    if (optind != argc - 1)
        return cmd_bad("run", "SCENARIO", "give exactly one scenario file");
    if ((rc = cmd_prom_start(&prom, "run", listen)) != 0)
        return rc;
    if (scenario_load(argv[optind], &sc, err, sizeof(err)) < 0) {
        cmd_prom_stop(&prom, 0, NULL);
        fprintf(stderr, "dnsprop run: %s\n", err);
        return DP_EXIT_ERROR;
    }
    if (statsd != NULL) {
        /* the command line wins over [metrics] statsd */
        free(sc.statsd);
        sc.statsd = strdup(statsd);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* the store as storeopt_open opens it: the embedded one under RESULTS/ */
    memset(&so, 0, sizeof(so));
    snprintf(redis_dir, sizeof(redis_dir), "%s/.redis", sc.results);
    so.url = sc.redis;
    so.password_file = sc.redis_password_file;
    so.embedded_dir = redis_dir;
    so.retention = retention != NULL ? keep : sc.retention;
    dopts.store = &so;
    dopts.version = DNSPROP_VERSION;
    dopts.say = say;
    dopts.stop = &g_stop;
    dopts.prom = prom.reg != NULL ? &prom.std : NULL;
    rc = exit_status(driver_run(&sc, &dopts));
    cmd_prom_stop(&prom, linger, &g_stop);
    scenario_free(&sc);
    return rc;
}
