/*
 * cmd_run: `dnsprop run SCENARIO.ini`.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmd/cmd.h"
#include "harness/cmd/cmdutil.h"
#include "harness/driver/driver.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    g_stop = sig;
}

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: dnsprop run [--quiet] [--no-store] [--dry-run] [--force] [--statsd "
        "HOST:PORT]\n"
        "                   SCENARIO.ini\n"
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
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *statsd = NULL;
    driver_opts_t dopts;
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
        default:
            usage(stderr);
            return DP_EXIT_USAGE;
        }
    }
    if (optind != argc - 1)
        return cmd_bad("run", "SCENARIO", "give exactly one scenario file");
    if (scenario_load(argv[optind], &sc, err, sizeof(err)) < 0) {
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
    dopts.stop = &g_stop;
    rc = driver_run(&sc, &dopts);
    scenario_free(&sc);
    return rc;
}
