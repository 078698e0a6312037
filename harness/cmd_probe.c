/*
 * cmd_probe: `dnsprop probe`, one poll request from the command line or
 * many from a CSV file, run on the probe pool, one result line each.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmd.h"
#include "harness/errcode.h"
#include "harness/numparse.h"
#include "harness/output.h"
#include "probes/pool.h"

static volatile sig_atomic_t g_signal;

static void on_signal(int sig)
{
    g_signal = sig;
}

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: dnsprop probe --ns ADDR[:PORT] (--zone ZONE | --name NAME)\n"
        "                     --condition COND [--serial N] [--type TYPE]\n"
        "                     [--value V]... [--match subset|exact]\n"
        "                     [--frequency S] [--timeout S] [--start-time EPOCH]\n"
        "                     [--json]\n"
        "       dnsprop probe --file REQUESTS.csv [--json]\n"
        "\n"
        "Poll a nameserver until a condition holds and print how long it took.\n"
        "\n"
        "  --ns ADDR[:PORT]     nameserver, IPv4 or IPv6 literal ([::1]:5353), port 53\n"
        "  --zone ZONE          poll a zone (SOA); empty_response then also accepts\n"
        "                       REFUSED/NOTAUTH from a server that dropped the zone\n"
        "  --name NAME          poll a record name\n"
        "  --condition COND     serial_not_lower | value_present | empty_response\n"
        "  --serial N           serial_not_lower: wait for SOA serial >= N (RFC 1982)\n"
        "  --type TYPE          query type (default SOA for zones, A for names)\n"
        "  --value V            value_present: an expected value in zone-file form,\n"
        "                       repeatable ('192.0.2.1', '10 mail.example.', '\"txt\"')\n"
        "  --match MODE         subset (default): the RRset holds every value;\n"
        "                       exact: the RRset is exactly the values\n"
        "  --frequency S        seconds between queries (default %g)\n"
        "  --timeout S          give up after S seconds (default %g)\n"
        "  --query-timeout S    per-query timeout (default 1)\n"
        "  --start-time EPOCH   when the change was made (default: now)\n"
        "  --threads N          probe threads (default: number of CPUs)\n"
        "  --file FILE          CSV of requests with a header row; columns:\n"
        "                       id nameserver zone_name name type condition serial\n"
        "                       value (repeatable) start_time frequency timeout match\n"
        "  --json               one JSON object per result\n"
        "\n"
        "exit status: 0 all completed, 1 some timed out, 2 some failed (ERROR),\n"
        "             64 usage error, 130 interrupted\n",
        PROBE_DEFAULT_FREQUENCY, PROBE_DEFAULT_TIMEOUT);
}

enum {
    OPT_NS = 256,
    OPT_ZONE,
    OPT_NAME,
    OPT_COND,
    OPT_SERIAL,
    OPT_TYPE,
    OPT_VALUE,
    OPT_MATCH,
    OPT_FREQ,
    OPT_TIMEOUT,
    OPT_QTIMEOUT,
    OPT_START,
    OPT_THREADS,
    OPT_FILE,
    OPT_JSON,
    OPT_ID,
};

static const struct option long_opts[] = {
    {"ns", required_argument, NULL, OPT_NS},
    {"zone", required_argument, NULL, OPT_ZONE},
    {"name", required_argument, NULL, OPT_NAME},
    {"condition", required_argument, NULL, OPT_COND},
    {"serial", required_argument, NULL, OPT_SERIAL},
    {"type", required_argument, NULL, OPT_TYPE},
    {"value", required_argument, NULL, OPT_VALUE},
    {"match", required_argument, NULL, OPT_MATCH},
    {"frequency", required_argument, NULL, OPT_FREQ},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"query-timeout", required_argument, NULL, OPT_QTIMEOUT},
    {"start-time", required_argument, NULL, OPT_START},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"file", required_argument, NULL, OPT_FILE},
    {"json", no_argument, NULL, OPT_JSON},
    {"id", required_argument, NULL, OPT_ID},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

__attribute__((format(printf, 2, 3))) static int bad(const char *opt, const char *fmt,
                                                     ...)
{
    va_list ap;

    fprintf(stderr, "dnsprop probe: %s: ", opt);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'dnsprop probe --help')\n");
    return DP_EXIT_USAGE;
}

/* Build the single request from options; values are added last because
 * their syntax depends on the type. */
static int parse_single(int argc, char **argv, probe_req_t *req, const char **file,
                        bool *json, unsigned *threads, unsigned *qtimeout_ms)
{
    const char **vals = NULL;
    size_t nvals = 0;
    bool have_name = false;
    bool have_cond = false;
    char err[1100];
    double d;
    size_t i;
    int c;
    int rc = DP_EXIT_OK;

    vals = calloc((size_t)argc + 1, sizeof(*vals));
    if (vals == NULL)
        return DP_EXIT_ERROR;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            rc = -1;
            goto out;
        case OPT_NS:
            if (probe_ns_parse(optarg, &req->ns) < 0) {
                rc = bad("--ns",
                         "'%s' is not an IPv4 or IPv6 address with optional port "
                         "(e.g. 127.0.0.1:5300 or [::1]:5300)",
                         optarg);
                goto out;
            }
            break;
        case OPT_ZONE:
        case OPT_NAME:
            if (have_name) {
                rc = bad(c == OPT_ZONE ? "--zone" : "--name", "%s",
                         "give exactly one of --zone and --name");
                goto out;
            }
            have_name = true;
            if (probe_req_set_name(req, optarg, c == OPT_ZONE, err, sizeof(err)) < 0) {
                rc = bad(c == OPT_ZONE ? "--zone" : "--name", "%s", err);
                goto out;
            }
            break;
        case OPT_COND:
            have_cond = true;
            if (cond_kind_from_str(optarg, &req->cond) < 0) {
                rc = bad("--condition",
                         "unknown condition '%s' (serial_not_lower, value_present, "
                         "empty_response)",
                         optarg);
                goto out;
            }
            break;
        case OPT_SERIAL:
            if (numparse_u32(optarg, &req->serial) < 0) {
                rc = bad("--serial", "'%s' is not a serial number (0..4294967295)",
                         optarg);
                goto out;
            }
            req->has_serial = true;
            break;
        case OPT_TYPE:
            if (rdata_type_from_str(optarg, &req->qtype) < 0) {
                rc = bad("--type", "unknown record type '%s'", optarg);
                goto out;
            }
            break;
        case OPT_VALUE:
            vals[nvals++] = optarg;
            break;
        case OPT_MATCH:
            if (strcmp(optarg, "exact") == 0) {
                req->exact = true;
            } else if (strcmp(optarg, "subset") != 0) {
                rc = bad("--match", "'%s' is neither subset nor exact", optarg);
                goto out;
            }
            break;
        case OPT_FREQ:
            if (numparse_double(optarg, PROBE_MIN_FREQUENCY, 86400, &req->frequency) <
                0) {
                rc = bad("--frequency", "'%s' is not seconds in [0.001, 86400]", optarg);
                goto out;
            }
            break;
        case OPT_TIMEOUT:
            if (numparse_double(optarg, 0.001, 604800, &req->timeout) < 0) {
                rc = bad("--timeout", "'%s' is not seconds in (0, 604800]", optarg);
                goto out;
            }
            break;
        case OPT_QTIMEOUT:
            if (numparse_double(optarg, 0.001, 60, &d) < 0) {
                rc = bad("--query-timeout", "'%s' is not seconds in (0, 60]", optarg);
                goto out;
            }
            *qtimeout_ms = (unsigned)(d * 1000 + 0.5);
            break;
        case OPT_START:
            if (numparse_double(optarg, 0, 1e11, &req->start_time) < 0) {
                rc = bad("--start-time", "'%s' is not epoch seconds", optarg);
                goto out;
            }
            break;
        case OPT_THREADS: {
            uint32_t t;
            if (numparse_u32(optarg, &t) < 0 || t == 0 || t > 1024) {
                rc = bad("--threads", "'%s' is not a thread count in [1, 1024]", optarg);
                goto out;
            }
            *threads = t;
            break;
        }
        case OPT_FILE:
            *file = optarg;
            break;
        case OPT_JSON:
            *json = true;
            break;
        case OPT_ID:
            free(req->id);
            req->id = strdup(optarg);
            break;
        default:
            rc = bad("options", "%s", "unknown option or missing argument");
            goto out;
        }
    }
    if (optind < argc) {
        rc = bad("arguments", "unexpected '%s'", argv[optind]);
        goto out;
    }
    if (*file != NULL) {
        if (have_name || have_cond || req->ns.len != 0 || nvals > 0) {
            rc = bad("--file", "%s", "give either --file or a single request, not both");
            goto out;
        }
        goto out;
    }
    if (req->ns.len == 0) {
        rc = bad("--ns", "%s", "missing (the nameserver to poll)");
        goto out;
    }
    if (!have_name) {
        rc = bad("--zone/--name", "%s", "missing (what to poll)");
        goto out;
    }
    if (!have_cond) {
        rc = bad("--condition", "%s",
                 "missing (serial_not_lower, value_present, empty_response)");
        goto out;
    }
    for (i = 0; i < nvals; i++) {
        if (probe_req_add_value(req, vals[i], err, sizeof(err)) < 0) {
            rc = bad("--value", "%s", err);
            goto out;
        }
    }
    if (probe_req_finish(req, err, sizeof(err)) < 0) {
        rc = bad("request", "%s", err);
        goto out;
    }
out:
    free(vals);
    return rc;
}

int cmd_probe(int argc, char **argv)
{
    probe_pool_opts_t opts;
    probe_pool_t *pool = NULL;
    probe_req_t single;
    probe_req_t *reqs = NULL;
    size_t nreqs = 0;
    const char *file = NULL;
    bool json = false;
    unsigned threads = 0;
    unsigned qtimeout_ms = 0;
    size_t got = 0;
    size_t i;
    int worst = DP_EXIT_OK;
    char err[1200];
    struct sigaction sa;
    int ret;
    int rc;

    probe_req_init(&single);
    rc = parse_single(argc, argv, &single, &file, &json, &threads, &qtimeout_ms);
    if (rc != DP_EXIT_OK) {
        probe_req_clear(&single);
        return rc < 0 ? DP_EXIT_OK : rc;
    }
    if (file != NULL) {
        ret = probe_req_load_csv(file, &reqs, &nreqs, err, sizeof(err));
        if (ret < 0) {
            fprintf(stderr, "dnsprop probe: %s\n", err);
            probe_req_clear(&single);
            return DP_EXIT_USAGE;
        }
    } else {
        reqs = &single;
        nreqs = 1;
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    memset(&opts, 0, sizeof(opts));
    opts.threads = threads;
    opts.query_timeout_ms = qtimeout_ms;
    ret = probe_pool_create(&pool, &opts);
    if (ret < 0) {
        fprintf(stderr, "dnsprop probe: cannot start the probe pool: %s\n",
                dp_strerror(ret));
        rc = DP_EXIT_ERROR;
        goto out;
    }
    for (i = 0; i < nreqs; i++) {
        reqs[i].tag = i;
        ret = probe_pool_submit(pool, &reqs[i]);
        if (ret < 0) {
            fprintf(stderr, "dnsprop probe: request %s: %s\n",
                    reqs[i].id != NULL ? reqs[i].id : "1", dp_strerror(ret));
            worst = DP_EXIT_ERROR;
            got++; /* it will not come back */
        }
    }
    while (got < nreqs) {
        probe_result_t r;
        if (g_signal != 0)
            probe_pool_shutdown(pool);
        ret = probe_pool_next(pool, &r, 200);
        if (ret == -ETIMEDOUT)
            continue;
        if (ret < 0)
            break;
        got++;
        output_result_print(stdout, &r, json);
        fflush(stdout);
        if (r.status == PROBE_ERROR)
            worst = DP_EXIT_ERROR;
        else if (r.status == PROBE_TIMEOUT && worst == DP_EXIT_OK)
            worst = DP_EXIT_TIMEOUT;
        probe_result_clear(&r);
    }
    rc = g_signal != 0 ? DP_EXIT_SIGNAL : worst;
out:
    probe_pool_destroy(pool);
    if (reqs != &single)
        probe_req_free_array(reqs, nreqs);
    probe_req_clear(&single);
    return rc;
}
