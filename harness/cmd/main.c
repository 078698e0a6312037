/*
 * dnsprop: command-line entry point. Dispatches to the subcommands; only
 * this file and the subcommands decide the exit status.
 */
#include <ares.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "harness/cmd/cmd.h"
#include "harness/common/log.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: dnsprop COMMAND [OPTIONS]\n"
               "\n"
               "Measure how long DNS changes take to reach nameservers.\n"
               "\n"
               "commands:\n"
               "  run       run a scenario: drive changes, measure their propagation\n"
               "  monitor   canary changes every interval, measured until stopped\n"
               "  probe     poll nameservers until a condition holds, print durations\n"
               "  campaigns list the campaigns in the results store\n"
               "  export    write a campaign's results as CSV\n"
               "  assess    multi-source convergence: missing and overpresent records\n"
               "  report    rebuild a campaign's plots and report from the store\n"
               "  compare   how a campaign differs from another (confidence, a gate)\n"
               "  serve     poll requests over HTTP (Digaas-compatible), until stopped\n"
               "  agent     probe for campaigns on other hosts (Redis Streams)\n"
               "  clock     how far this host's clock can be trusted (NTP state, SNTP)\n"
               "  version   print the version\n"
               "  help      this text; 'dnsprop COMMAND --help' for a command\n");
}

int main(int argc, char **argv)
{
    const char *cmd;
    int ret;

    if (argc < 2) {
        usage(stderr);
        return DP_EXIT_USAGE;
    }
    cmd = argv[1];
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ||
        strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return DP_EXIT_OK;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("dnsprop %s (c-ares %s)\n", DNSPROP_VERSION, ares_version(NULL));
        return DP_EXIT_OK;
    }
    /* Peers (Redis, HTTP APIs) that go away must give EPIPE, not kill us. */
    signal(SIGPIPE, SIG_IGN);
    if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
        log_err("cannot initialise c-ares");
        return DP_EXIT_ERROR;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (strcmp(cmd, "run") == 0) {
        ret = cmd_run(argc - 1, argv + 1);
    } else if (strcmp(cmd, "monitor") == 0) {
        ret = cmd_monitor(argc - 1, argv + 1);
    } else if (strcmp(cmd, "probe") == 0) {
        ret = cmd_probe(argc - 1, argv + 1);
    } else if (strcmp(cmd, "campaigns") == 0) {
        ret = cmd_campaigns(argc - 1, argv + 1);
    } else if (strcmp(cmd, "export") == 0) {
        ret = cmd_export(argc - 1, argv + 1);
    } else if (strcmp(cmd, "assess") == 0) {
        ret = cmd_assess(argc - 1, argv + 1);
    } else if (strcmp(cmd, "compare") == 0) {
        ret = cmd_compare(argc - 1, argv + 1);
    } else if (strcmp(cmd, "report") == 0) {
        ret = cmd_report(argc - 1, argv + 1);
    } else if (strcmp(cmd, "agent") == 0) {
        ret = cmd_agent(argc - 1, argv + 1);
    } else if (strcmp(cmd, "serve") == 0) {
        ret = cmd_serve(argc - 1, argv + 1);
    } else if (strcmp(cmd, "clock") == 0) {
        ret = cmd_clock(argc - 1, argv + 1);
    } else {
        fprintf(stderr, "dnsprop: unknown command '%s'\n\n", cmd);
        usage(stderr);
        ret = DP_EXIT_USAGE;
    }
    curl_global_cleanup();
    ares_library_cleanup();
    return ret;
}
