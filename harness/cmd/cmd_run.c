/*
 * cmd_run: `dnsprop run SCENARIO.ini` and `dnsprop monitor SCENARIO.ini`
 * (the same campaign, its phases or its canaries): loads the scenario, opens nothing
 * itself but tells the driver how to open the results store, shows what
 * the driver says (progress and messages on stderr, JSON on stdout) and
 * turns its outcome into the exit status.
 */
#include <getopt.h>
#include <malloc.h>
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
static volatile sig_atomic_t g_signals; /* a second one cuts the cleanup */
static const char *g_cmd = "run";       /* for the messages */

static void on_signal(int sig)
{
    g_stop = sig;
    g_signals = g_signals + 1;
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
        fprintf(stderr, "dnsprop %s: %s\n", g_cmd, text);
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

static void usage(FILE *f, bool monitor)
{
    if (monitor)
        fprintf(
            f,
            "usage: dnsprop monitor [--quiet] [--no-store] [--duration S] [--statsd "
            "HOST:PORT]\n"
            "                       [--retention D] [--metrics-listen ADDR:PORT]\n"
            "                       [--metrics-linger S] SCENARIO.ini\n"
            "\n"
            "Make a canary change in each of [monitor] zones every [monitor] interval\n"
            "(a TXT at _dnsprop-canary.ZONE, replaced) through the scenario's target,\n"
            "and measure how long each takes to reach every nameserver, until stopped\n"
            "(SIGINT, SIGTERM) or its duration ends. The zones must exist; nothing is\n"
            "deleted at the end. A canary whose previous one still propagates is not\n"
            "made: the interval is counted missed. Results go to Redis (with\n"
            "[storage] retention) and RESULTS/<campaign>/, as a campaign's.\n"
            "\n"
            "  --duration S  stop after S (3600, 90m, 7d; over [monitor] duration)\n");
    else
        fprintf(
            f,
            "usage: dnsprop run [--quiet] [--no-store] [--dry-run] [--force] [--statsd "
            "HOST:PORT]\n"
            "                   [--retention D] [--metrics-listen ADDR:PORT]\n"
            "                   [--metrics-linger S] SCENARIO.ini\n"
            "\n"
            "Drive the scenario's changes through its targets and measure how long each\n"
            "takes to reach every nameserver. Prints a JSON summary; results go to "
            "Redis\n"
            "and RESULTS/<campaign>/.\n"
            "\n"
            "  --dry-run    plan the zone syncs ([phase] zonefile = ...), print the "
            "plans\n"
            "               (text on stderr, JSON on stdout) and change nothing\n"
            "  --force      apply zone-sync plans over max_update_pct/max_delete_pct\n");
    fprintf(f,
            "  --quiet      no progress lines\n"
            "  --no-store   do not store results in Redis\n"
            "  --statsd HOST:PORT  send live metrics there (over [metrics] statsd)\n"
            "  --retention D  keep the campaign's keys in Redis for D after its last\n"
            "               write (30d, 12h; 0 forever; over [storage] retention)\n"
            "  --metrics-listen ADDR:PORT  serve Prometheus metrics at\n"
            "               http://ADDR:PORT/metrics while it runs\n"
            "  --metrics-linger S  and S seconds after it ends (the last scrape)\n"
            "\n"
            "exit status: 0 the SLOs hold%s, 1 they do not,\n"
            "             2 error (bad scenario: the message names FILE:LINE,\n"
            "             section and key)%s\n",
            monitor ? " (or stopped by a signal)" : "",
            monitor ? "" : ", 130 interrupted");
}

/* What the command line gives, beside the driver's options. */
typedef struct {
    const char *cmd; /* "run", "monitor" */
    const char *statsd;
    const char *retention;
    const char *listen;
    double keep, linger, duration;
} runargs_t;

/* One option: -1 to go on, else the exit status. */
static int run_opt(runargs_t *a, driver_opts_t *dopts, int c, const char *arg)
{
    switch (c) {
    case 'h':
        usage(stdout, dopts->monitor);
        return DP_EXIT_OK;
    case 'q':
        dopts->quiet = true;
        return -1;
    case 'n':
        dopts->no_store = true;
        return -1;
    case 'f':
        dopts->force = true;
        return -1;
    case 'd':
        dopts->dry_run = true;
        return -1;
    case 's':
        a->statsd = arg;
        return -1;
    case 'r':
        if (numparse_duration(arg, 10 * 365 * 86400.0, &a->keep) < 0)
            return cmd_bad(a->cmd, "--retention",
                           "'%s': a length of time (30d, 12h, 3600s; 0 forever)", arg);
        a->retention = arg;
        return -1;
    case 'm':
        a->listen = arg;
        return -1;
    case 'l':
        if (numparse_duration(arg, 86400, &a->linger) < 0)
            return cmd_bad(a->cmd, "--metrics-linger",
                           "'%s': a length of time (30s, 5m; at most 1d)", arg);
        return -1;
    case 'D':
        if (numparse_duration(arg, 10 * 365 * 86400.0, &a->duration) < 0 ||
            a->duration <= 0)
            return cmd_bad(a->cmd, "--duration", "'%s': a length of time (3600, 90m, 7d)",
                           arg);
        dopts->monitor_duration = a->duration;
        return -1;
    default:
        usage(stderr, dopts->monitor);
        return DP_EXIT_USAGE;
    }
}

/* The scenario fits the command: a monitor needs [monitor]; a run needs
 * phases or operations. */
static int check_kind(const char *cmd, const scenario_t *sc, bool monitor)
{
    if (monitor && !sc->has_monitor) {
        fprintf(stderr, "dnsprop monitor: %s: no [monitor] section (interval, zones)\n",
                sc->path);
        return DP_EXIT_ERROR;
    }
    if (!monitor && sc->nphases == 0 && sc->ops_file == NULL) {
        fprintf(
            stderr,
            "dnsprop %s: %s: only a [monitor] section: run it with 'dnsprop monitor'\n",
            cmd, sc->path);
        return DP_EXIT_ERROR;
    }
    return 0;
}

static int campaign_cmd(int argc, char **argv, bool monitor)
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
        {"duration", required_argument, NULL, 'D'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    runargs_t a = {.cmd = monitor ? "monitor" : "run"};
    driver_opts_t dopts;
    store_opts_t so;
    char redis_dir[1100];
    scenario_t sc;
    struct sigaction sa;
    cmd_prom_t prom;
    char err[1200];
    int c;
    int rc;

    memset(&dopts, 0, sizeof(dopts));
    dopts.monitor = monitor;
    g_cmd = a.cmd;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
        if ((!monitor && c == 'D') || (monitor && (c == 'd' || c == 'f')))
            c = '?'; /* (the other command's) */
        if ((rc = run_opt(&a, &dopts, c, optarg)) >= 0)
            return rc;
    }
    if (optind != argc - 1)
        return cmd_bad(a.cmd, "SCENARIO", "give exactly one scenario file");
    if ((rc = cmd_prom_start(&prom, a.cmd, a.listen)) != 0)
        return rc;
    if (scenario_load(argv[optind], &sc, err, sizeof(err)) < 0) {
        cmd_prom_stop(&prom, 0, NULL);
        fprintf(stderr, "dnsprop %s: %s\n", a.cmd, err);
        return DP_EXIT_ERROR;
    }
    if ((rc = check_kind(a.cmd, &sc, monitor)) != 0)
        goto out;
    if (scenario_discover(&sc, err, sizeof(err)) < 0) {
        fprintf(stderr, "dnsprop %s: %s\n", a.cmd, err);
        rc = DP_EXIT_ERROR;
        goto out;
    }
    for (size_t i = 0; i < sc.nnoaddr; i++)
        fprintf(stderr, "dnsprop %s: warning: NS %s has no address: it is not watched\n",
                a.cmd, sc.noaddr[i]);
    if (a.statsd != NULL) {
        /* the command line wins over [metrics] statsd */
        free(sc.statsd);
        sc.statsd = strdup(a.statsd);
    }
    if (monitor)
        sc.cleanup = false; /* its zones are the operator's */
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
    so.retention = a.retention != NULL ? a.keep : sc.retention;
    dopts.store = &so;
    dopts.version = DNSPROP_VERSION;
    dopts.say = say;
    dopts.stop = &g_stop;
    dopts.signals = &g_signals;
    dopts.prom = prom.reg != NULL ? &prom.std : NULL;
    rc = driver_run(&sc, &dopts);
    /* a monitor's normal end is a signal: what it measured is kept */
    rc = monitor && rc == DRIVER_STOPPED ? DP_EXIT_OK : exit_status(rc);
out:
    cmd_prom_stop(&prom, a.linger, &g_stop);
    scenario_free(&sc);
    return rc;
}

/* One malloc arena: a campaign runs for hours or weeks, its few threads
 * allocating tens of thousands of times a second at most, and glibc's
 * arena per thread keeps each thread's freed pieces in a heap of its own.
 * A steady campaign at 40 operations a second (make soak) grew 288 KiB
 * from its 5th to its 8th minute with them, 44 KiB with one (the
 * summary's propagation sketch filling, plot/sketch.h). */
static int campaign_cmd_one_arena(int argc, char **argv, bool monitor)
{
    mallopt(M_ARENA_MAX, 1);
    return campaign_cmd(argc, argv, monitor);
}

int cmd_run(int argc, char **argv)
{
    return campaign_cmd_one_arena(argc, argv, false);
}

int cmd_monitor(int argc, char **argv)
{
    return campaign_cmd_one_arena(argc, argv, true);
}
