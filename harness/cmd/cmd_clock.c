/*
 * cmd_clock: `dnsprop clock`, the kernel's NTP state and, with
 * --ntp-server, the offset measured against a server by SNTP, so that a
 * campaign can refuse to start (exit 1) on a host whose timestamps would
 * not be comparable with the others'.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/common/clock.h"
#include "harness/cmd/cmd.h"
#include "harness/cmd/cmdutil.h"
#include "harness/common/numparse.h"

#define CLOCK_DEFAULT_TIMEOUT_MS 1000
#define CLOCK_MAX_TIMEOUT_MS     60000

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: dnsprop clock [--ntp-server HOST[:PORT]] [--max-offset-ms MS]\n"
        "                     [--timeout-ms MS] [--json]\n"
        "\n"
        "Show whether this host's clock can be trusted for timestamps compared\n"
        "across hosts: the kernel's NTP state and, with --ntp-server, the offset\n"
        "measured by one SNTP exchange (RFC 4330).\n"
        "\n"
        "  --ntp-server HOST[:PORT]  NTP server: name, IPv4, or [IPv6]:port; port 123\n"
        "  --max-offset-ms MS        exit 1 when |offset| exceeds MS (the SNTP offset\n"
        "                            when measured, else the kernel's); 0 disables\n"
        "  --timeout-ms MS           wait for the reply at most MS (default %d)\n"
        "  --json                    one JSON object\n"
        "\n"
        "exit status: 0 fine, 1 offset above --max-offset-ms, 2 SNTP exchange or\n"
        "             ntp_adjtime() failed, 64 usage error\n",
        CLOCK_DEFAULT_TIMEOUT_MS);
}

enum {
    OPT_SERVER = 256,
    OPT_MAX_OFFSET,
    OPT_TIMEOUT,
    OPT_JSON,
};

static const struct option long_opts[] = {
    {"ntp-server", required_argument, NULL, OPT_SERVER},
    {"max-offset-ms", required_argument, NULL, OPT_MAX_OFFSET},
    {"timeout-ms", required_argument, NULL, OPT_TIMEOUT},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void print_text(FILE *f, const clock_status_t *st, double max_offset_ms, int check,
                       const char *check_msg)
{
    fprintf(f, "kernel clock\n");
    if (st->kernel_ok) {
        fprintf(f, "  synchronised  %s (state %s, status 0x%04x)\n",
                st->synchronised ? "yes" : "no", clock_state_str(st->state),
                (unsigned)st->kernel_status);
        fprintf(f, "  offset        %+.9f s\n", st->kernel_offset_s);
        fprintf(f, "  max error     %.6f s\n", st->maxerror_s);
        fprintf(f, "  est error     %.6f s\n", st->esterror_s);
    } else {
        fprintf(f, "  error         %s\n", st->kernel_error);
    }
    fprintf(f, "SNTP\n");
    if (!st->sntp_used) {
        fprintf(f, "  not measured  (give --ntp-server HOST[:PORT])\n");
    } else if (st->sntp_ok) {
        fprintf(f, "  server        %s\n", st->sntp_server);
        fprintf(f, "  offset        %+.9f s\n", st->sntp_offset_s);
        fprintf(f, "  delay         %.9f s\n", st->sntp_delay_s);
        fprintf(f, "  stratum       %d\n", st->sntp_stratum);
    } else {
        fprintf(f, "  server        %s\n", st->sntp_server);
        fprintf(f, "  error         %s\n", st->sntp_error);
    }
    if (max_offset_ms > 0)
        fprintf(f, "offset check    %s\n", check == 0 ? check_msg : "FAILED");
}

static int print_json(FILE *f, const clock_status_t *st, double max_offset_ms, int check,
                      const char *check_msg)
{
    json_t *o = clock_status_json(st);
    bool on = max_offset_ms > 0;
    int ret = -1;

    if (o == NULL)
        goto out;
    /* The check is the command's, not the status': added here. */
    json_object_set_new(o, "max_offset_ms", on ? json_real(max_offset_ms) : json_null());
    json_object_set_new(o, "offset_ok", on ? json_boolean(check == 0) : json_null());
    json_object_set_new(o, "offset_check", on ? json_string(check_msg) : json_null());
    if (json_dumpf(o, f, JSON_COMPACT) < 0)
        goto out;
    fputc('\n', f);
    ret = 0;
out:
    json_decref(o);
    return ret;
}

int cmd_clock(int argc, char **argv)
{
    clock_status_t st;
    const char *server = NULL;
    double max_offset_ms = 0;
    uint32_t timeout_ms = CLOCK_DEFAULT_TIMEOUT_MS;
    bool json = false;
    char host[256];
    char port[8];
    char msg[512];
    int check;
    int ret;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return DP_EXIT_OK;
        case OPT_SERVER:
            if (clock_parse_server(optarg, host, sizeof(host), port, sizeof(port)) < 0)
                return cmd_bad("clock", "--ntp-server",
                               "'%s' is not HOST[:PORT] (port 1..65535, IPv6 as "
                               "[addr]:port)",
                               optarg);
            server = optarg;
            break;
        case OPT_MAX_OFFSET:
            if (numparse_double(optarg, 0, 1e9, &max_offset_ms) < 0)
                return cmd_bad("clock", "--max-offset-ms",
                               "'%s' is not milliseconds in [0, 1e9] (0 disables)",
                               optarg);
            break;
        case OPT_TIMEOUT:
            if (numparse_u32(optarg, &timeout_ms) < 0 || timeout_ms == 0 ||
                timeout_ms > CLOCK_MAX_TIMEOUT_MS)
                return cmd_bad("clock", "--timeout-ms",
                               "'%s' is not milliseconds in [1, %d]", optarg,
                               CLOCK_MAX_TIMEOUT_MS);
            break;
        case OPT_JSON:
            json = true;
            break;
        default:
            return cmd_bad("clock", "options", "%s",
                           "unknown option or missing argument");
        }
    }
    if (optind < argc)
        return cmd_bad("clock", "arguments", "unexpected '%s'", argv[optind]);

    ret = clock_read(&st, server, (int)timeout_ms);
    clock_warn_if_unsynced(&st);
    check = clock_check(&st, max_offset_ms, msg, sizeof(msg));
    if (json) {
        if (print_json(stdout, &st, max_offset_ms, check, msg) < 0) {
            fprintf(stderr, "dnsprop clock: cannot write JSON: out of memory\n");
            return DP_EXIT_ERROR;
        }
    } else {
        print_text(stdout, &st, max_offset_ms, check, msg);
    }
    fflush(stdout);
    if (st.sntp_used && !st.sntp_ok)
        fprintf(stderr, "dnsprop clock: SNTP failed: %s\n", st.sntp_error);
    if (!st.kernel_ok)
        fprintf(stderr, "dnsprop clock: %s\n", st.kernel_error);
    if (check < 0)
        fprintf(stderr, "dnsprop clock: %s\n", msg);
    /* A failed measurement outranks an exceeded limit: the offset the
     * check used may not be the one that was asked for. */
    if (ret < 0)
        return DP_EXIT_ERROR;
    if (check < 0)
        return check == -ERANGE ? DP_EXIT_TIMEOUT : DP_EXIT_ERROR;
    return DP_EXIT_OK;
}
