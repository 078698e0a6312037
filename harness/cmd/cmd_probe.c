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
#include <sys/stat.h>
#include <unistd.h>

#include "harness/cmd/cmd.h"
#include "harness/cmd/probefeed.h"
#include "harness/cmd/cmdutil.h"
#include "harness/common/clock.h"
#include "harness/common/errcode.h"
#include "harness/common/fsutil.h"
#include "harness/common/numparse.h"
#include "probes/result.h"
#include "harness/cmd/storeopt.h"
#include "harness/common/timebase.h"
#include "probes/discover.h"
#include "probes/dnssec.h"
#include "probes/pool.h"

/* What the command line asks for beyond the request itself. */
typedef struct {
    const char *file;
    bool json;
    unsigned threads;
    unsigned qtimeout_ms;
    storeopt_t store;
    const char *campaign;
    bool no_store;
    bool no_report;
    size_t max_pending;
    const char *ntp_server;
    double max_offset_ms;
    const char *discover; /* --discover ZONE: poll every address of its NS */
    uint16_t discover_port;
    bool dnssec; /* --dnssec: only validly signed data counts */
} probe_cli_t;

/* A request file is read as it is probed (probefeed.h): its size costs no
 * memory, so the bound is only against a runaway input. */
#define PROBE_FILE_MAX ((size_t)4 << 30)

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
        "                     [--json] [--discover ZONE [--discover-port N]]\n"
        "       dnsprop probe --file REQUESTS.csv [--json]\n"
        "\n"
        "Poll a nameserver until a condition holds and print how long it took.\n"
        "\n"
        "  --ns ADDR[:PORT]     nameserver, IPv4 or IPv6 literal ([::1]:5353), port 53\n"
        "  --discover ZONE      ask --ns for ZONE's NS RRset and their A/AAAA (glue,\n"
        "                       else a query each) and poll every address instead;\n"
        "                       each result's id is NS-NAME/ADDR\n"
        "  --discover-port N    the port of the discovered addresses (default 53)\n"
        "  --dnssec             ask with DO; the condition holds only on data signed\n"
        "                       by the zone's DNSKEYs (asked of --ns), a denial only\n"
        "                       by validated NSEC/NSEC3; results add plain_duration\n"
        "  --zone ZONE          poll a zone (SOA); empty_response then also accepts\n"
        "                       REFUSED/NOTAUTH from a server that dropped the zone\n"
        "  --name NAME          poll a record name\n"
        "  --condition COND     serial_not_lower | value_present | empty_response\n"
        "  --serial N           serial_not_lower: wait for SOA serial >= N (RFC 1982)\n"
        "  --type TYPE          query type (default SOA for zones, A for names)\n"
        "  --value V            value_present: an expected value in zone-file form,\n"
        "                       repeatable ('192.0.2.1', '10 mail.example.', '\"txt\"',\n"
        "                       '0 issue \"ca.example\"', '\\# 4 0a000001'); any type,\n"
        "                       compared in canonical wire form (RFC 4034 6.2)\n"
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
        "Every result is stored in Redis as one campaign ('dnsprop campaigns',\n"
        "'dnsprop export'); its plots and report go to RESULTS/CAMPAIGN-ID/:\n"
        "  --campaign NAME      campaign name (default: probe); the id adds the "
        "time\n" STOREOPT_HELP "  --no-store           do not store the results\n"
        "  --retention D        keep the campaign's keys in Redis for D after its last\n"
        "                       write (30d, 12h, 3600s; default 0: forever)\n"
        "  --max-pending N      --file: at most N polls at once (default 100000); the\n"
        "                       next request starts when one ends\n"
        "  --no-report          store the results, write no plots or report (build them\n"
        "                       later with 'dnsprop report CAMPAIGN-ID')\n"
        "  --ntp-server HOST[:PORT]  measure the clock offset by SNTP at start and end\n"
        "  --max-offset-ms MS   refuse to start when the clock is off by more\n"
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
    OPT_CAMPAIGN,
    OPT_NO_STORE,
    OPT_NO_REPORT,
    OPT_RETENTION,
    OPT_MAX_PENDING,
    OPT_NTP,
    OPT_MAXOFF,
    OPT_DISCOVER,
    OPT_DISCOVER_PORT,
    OPT_DNSSEC,
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
    STOREOPT_LONGOPTS,
    {"campaign", required_argument, NULL, OPT_CAMPAIGN},
    {"no-store", no_argument, NULL, OPT_NO_STORE},
    {"no-report", no_argument, NULL, OPT_NO_REPORT},
    {"retention", required_argument, NULL, OPT_RETENTION},
    {"max-pending", required_argument, NULL, OPT_MAX_PENDING},
    {"ntp-server", required_argument, NULL, OPT_NTP},
    {"max-offset-ms", required_argument, NULL, OPT_MAXOFF},
    {"discover", required_argument, NULL, OPT_DISCOVER},
    {"discover-port", required_argument, NULL, OPT_DISCOVER_PORT},
    {"dnssec", no_argument, NULL, OPT_DNSSEC},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* What parse_single has seen of the single request so far. */
typedef struct {
    const char **vals; /* --value arguments, added once the type is known */
    size_t nvals;
    bool have_name;
    bool have_cond;
} seen_t;

/* Returned by the option handlers for an option that is not theirs. */
#define NOT_MINE (-2)

/* An option of the request itself into req (values into seen): 0, the
 * exit status of a usage error (said on stderr), or NOT_MINE. */
static int req_option(int c, const char *arg, probe_req_t *req, seen_t *seen)
{
    const char *opt = c == OPT_ZONE ? "--zone" : "--name";
    char err[1100];

    switch (c) {
    case OPT_NS:
        if (probe_ns_parse(arg, &req->ns) < 0)
            return cmd_bad("probe", "--ns",
                           "'%s' is not an IPv4 or IPv6 address with optional port "
                           "(e.g. 127.0.0.1:5300 or [::1]:5300)",
                           arg);
        return 0;
    case OPT_ZONE:
    case OPT_NAME:
        if (seen->have_name)
            return cmd_bad("probe", opt, "%s", "give exactly one of --zone and --name");
        seen->have_name = true;
        if (probe_req_set_name(req, arg, c == OPT_ZONE, err, sizeof(err)) < 0)
            return cmd_bad("probe", opt, "%s", err);
        return 0;
    case OPT_COND:
        seen->have_cond = true;
        if (cond_kind_from_str(arg, &req->cond) < 0)
            return cmd_bad("probe", "--condition",
                           "unknown condition '%s' (serial_not_lower, value_present, "
                           "empty_response)",
                           arg);
        return 0;
    case OPT_SERIAL:
        if (numparse_u32(arg, &req->serial) < 0)
            return cmd_bad("probe", "--serial",
                           "'%s' is not a serial number (0..4294967295)", arg);
        req->has_serial = true;
        return 0;
    case OPT_TYPE:
        if (rdata_type_from_str(arg, &req->qtype) < 0)
            return cmd_bad("probe", "--type", "unknown record type '%s'", arg);
        return 0;
    case OPT_VALUE:
        seen->vals[seen->nvals++] = arg;
        return 0;
    case OPT_MATCH:
        if (strcmp(arg, "exact") == 0)
            req->exact = true;
        else if (strcmp(arg, "subset") != 0)
            return cmd_bad("probe", "--match", "'%s' is neither subset nor exact", arg);
        return 0;
    case OPT_ID:
        free(req->id);
        req->id = strdup(arg);
        return 0;
    default:
        return NOT_MINE;
    }
}

/* An option of the request's timing into req: 0, the exit status of a
 * usage error, or NOT_MINE. */
static int timing_option(int c, const char *arg, probe_req_t *req)
{
    switch (c) {
    case OPT_FREQ:
        if (numparse_double(arg, PROBE_MIN_FREQUENCY, 86400, &req->frequency) < 0)
            return cmd_bad("probe", "--frequency",
                           "'%s' is not seconds in [0.001, 86400]", arg);
        return 0;
    case OPT_TIMEOUT:
        if (numparse_double(arg, 0.001, 604800, &req->timeout) < 0)
            return cmd_bad("probe", "--timeout", "'%s' is not seconds in (0, 604800]",
                           arg);
        return 0;
    case OPT_START:
        if (numparse_double(arg, 0, 1e11, &req->start_time) < 0)
            return cmd_bad("probe", "--start-time", "'%s' is not epoch seconds", arg);
        return 0;
    default:
        return NOT_MINE;
    }
}

/* An option of the command (not of a request) into cli: 0, the exit
 * status of a usage error, or NOT_MINE. */
static int cli_option(int c, const char *arg, probe_cli_t *cli)
{
    uint32_t t;
    double d;

    switch (c) {
    case OPT_QTIMEOUT:
        if (numparse_double(arg, 0.001, 60, &d) < 0)
            return cmd_bad("probe", "--query-timeout", "'%s' is not seconds in (0, 60]",
                           arg);
        cli->qtimeout_ms = (unsigned)(d * 1000 + 0.5);
        return 0;
    case OPT_THREADS:
        if (numparse_u32(arg, &t) < 0 || t == 0 || t > 1024)
            return cmd_bad("probe", "--threads",
                           "'%s' is not a thread count in [1, 1024]", arg);
        cli->threads = t;
        return 0;
    case OPT_FILE:
        cli->file = arg;
        return 0;
    case OPT_DISCOVER:
        cli->discover = arg;
        return 0;
    case OPT_DNSSEC:
        cli->dnssec = true;
        return 0;
    case OPT_DISCOVER_PORT: {
        uint64_t u;
        if (numparse_u64(arg, 65535, &u) < 0 || u == 0)
            return cmd_bad("probe", "--discover-port", "'%s' is not a port (1 to 65535)",
                           arg);
        cli->discover_port = (uint16_t)u;
        return 0;
    }
    case OPT_JSON:
        cli->json = true;
        return 0;
    case OPT_CAMPAIGN:
        if (arg[0] == '\0' || strpbrk(arg, "/: \t") != NULL)
            return cmd_bad("probe", "--campaign",
                           "'%s': use letters, digits, '-', '_' and '.'", arg);
        cli->campaign = arg;
        return 0;
    case OPT_NO_STORE:
        cli->no_store = true;
        return 0;
    case OPT_NO_REPORT:
        cli->no_report = true;
        return 0;
    case OPT_MAX_PENDING: {
        uint64_t n;
        if (numparse_u64(arg, 100000000, &n) < 0 || n == 0)
            return cmd_bad("probe", "--max-pending", "'%s': a count from 1", arg);
        cli->max_pending = (size_t)n;
        return 0;
    }
    case OPT_RETENTION:
        if (numparse_duration(arg, 10 * 365 * 86400.0, &cli->store.retention) < 0)
            return cmd_bad("probe", "--retention",
                           "'%s': a length of time (30d, 12h, 3600s; 0 forever)", arg);
        return 0;
    case OPT_NTP:
        cli->ntp_server = arg;
        return 0;
    case OPT_MAXOFF:
        if (numparse_double(arg, 0, 3.6e6, &cli->max_offset_ms) < 0)
            return cmd_bad("probe", "--max-offset-ms", "'%s' is not milliseconds", arg);
        return 0;
    default:
        return NOT_MINE;
    }
}

/* After the options: either --file alone, or a whole single request (its
 * values added now that its type is known). 0 or the exit status of a
 * usage error. */
static int check_single(int argc, char **argv, probe_req_t *req, const probe_cli_t *cli,
                        const seen_t *seen)
{
    char err[1100];

    if (optind < argc)
        return cmd_bad("probe", "arguments", "unexpected '%s'", argv[optind]);
    if (cli->file != NULL) {
        if (seen->have_name || seen->have_cond || req->ns.len != 0 || seen->nvals > 0)
            return cmd_bad("probe", "--file", "%s",
                           "give either --file or a single request, not both");
        return 0;
    }
    if (req->ns.len == 0)
        return cmd_bad("probe", "--ns", "%s", "missing (the nameserver to poll)");
    if (!seen->have_name)
        return cmd_bad("probe", "--zone/--name", "%s", "missing (what to poll)");
    if (!seen->have_cond)
        return cmd_bad("probe", "--condition", "%s",
                       "missing (serial_not_lower, value_present, empty_response)");
    for (size_t i = 0; i < seen->nvals; i++) {
        if (probe_req_add_value(req, seen->vals[i], err, sizeof(err)) < 0)
            return cmd_bad("probe", "--value", "%s", err);
    }
    if (probe_req_finish(req, err, sizeof(err)) < 0)
        return cmd_bad("probe", "request", "%s", err);
    return 0;
}

/* Build the single request from options; values are added last because
 * their syntax depends on the type. DP_EXIT_OK, -1 after --help, or the
 * exit status of an error. */
static int parse_single(int argc, char **argv, probe_req_t *req, probe_cli_t *cli)
{
    seen_t seen = {NULL, 0, false, false};
    int c;
    int rc = DP_EXIT_OK;

    seen.vals = calloc((size_t)argc + 1, sizeof(*seen.vals));
    if (seen.vals == NULL)
        return DP_EXIT_ERROR;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
        if (storeopt_getopt(&cli->store, c, optarg))
            continue;
        if (c == 'h') {
            usage(stdout);
            rc = -1;
            goto out;
        }
        rc = req_option(c, optarg, req, &seen);
        if (rc == NOT_MINE)
            rc = timing_option(c, optarg, req);
        if (rc == NOT_MINE)
            rc = cli_option(c, optarg, cli);
        if (rc == NOT_MINE)
            rc = cmd_bad("probe", "options", "%s", "unknown option or missing argument");
        if (rc != DP_EXIT_OK)
            goto out;
    }
    rc = check_single(argc, argv, req, cli, &seen);
out:
    free(seen.vals);
    return rc;
}

/* Open the store and the campaign; on failure say why. */
static int campaign_open(probe_cli_t *cli, int argc, char **argv, size_t nreqs,
                         const char *host, const clock_status_t *clk, store_t **sp,
                         char *id, size_t idlen)
{
    json_t *meta = json_object();
    char dir[1300];
    char cmdline[2048] = "";
    size_t o = 0;
    int i;
    int ret;

    ret = storeopt_open(&cli->store, "dnsprop probe", sp);
    if (ret < 0) {
        json_decref(meta);
        return ret;
    }
    for (i = 0; i < argc && o + 2 < sizeof(cmdline); i++)
        o += (size_t)snprintf(cmdline + o, sizeof(cmdline) - o, "%s%s", i > 0 ? " " : "",
                              argv[i]);
    json_object_set_new(meta, "scenario",
                        json_string(cli->file != NULL ? cli->file : "probe"));
    json_object_set_new(meta, "command", json_string(cmdline));
    json_object_set_new(meta, "host", json_string(host));
    json_object_set_new(meta, "version", json_string(DNSPROP_VERSION));
    json_object_set_new(meta, "requests", json_integer((json_int_t)nreqs));
    json_object_set_new(meta, "clock_start", clock_status_json(clk));
    ret = store_campaign_begin(*sp, cli->campaign, timebase_real_s(), meta, id, idlen);
    json_decref(meta);
    if (ret < 0) {
        fprintf(stderr, "dnsprop probe: cannot start a campaign: %s\n", dp_strerror(ret));
        return ret;
    }
    snprintf(dir, sizeof(dir), "%s/%s", cli->store.results, id);
    ret = fsutil_mkdirs(dir, 0755);
    if (ret < 0) {
        fprintf(stderr, "dnsprop probe: cannot create %s: %s\n", dir, strerror(-ret));
        return ret;
    }
    snprintf(dir, sizeof(dir), "%s/%s/spool.jsonl", cli->store.results, id);
    return store_set_spool(*sp, dir);
}

/* Flush the campaign; 0, or DP_EXIT_ERROR when results were lost. */
static int campaign_close(store_t *s, const char *id, const probe_cli_t *cli)
{
    store_stats_t st;
    json_t *meta = json_object();
    clock_status_t clk;
    int ret;

    /* The clock again at the end: a campaign records both. */
    clock_read(&clk, cli->ntp_server, 1000);
    json_object_set_new(meta, "clock_end", clock_status_json(&clk));

    ret = store_campaign_end(s, meta, timebase_real_s(), 30.0, &st);
    json_decref(meta);
    fprintf(stderr, "dnsprop probe: campaign %s: %llu results, %llu stored in %s", id,
            (unsigned long long)st.produced, (unsigned long long)st.stored,
            store_where(s));
    if (st.outages > 0)
        fprintf(stderr, " (%llu outage%s, %llu results spooled and replayed)",
                (unsigned long long)st.outages, st.outages == 1 ? "" : "s",
                (unsigned long long)st.spooled);
    fputc('\n', stderr);
    if (ret < 0 && st.in_spool > 0) {
        fprintf(stderr,
                "dnsprop probe: %llu results wait in the spool file under the "
                "campaign's folder; rerun with the same --results and Redis to "
                "replay them\n",
                (unsigned long long)st.in_spool);
        return DP_EXIT_ERROR;
    }
    return ret < 0 ? DP_EXIT_ERROR : 0;
}

/* The clock read (and checked against --ntp-server, --max-offset-ms),
 * then the campaign opened in the store unless --no-store. DP_EXIT_OK or
 * DP_EXIT_ERROR (said on stderr). */
static int clock_and_campaign(probe_cli_t *cli, int argc, char **argv, size_t nreqs,
                              const char *host, store_t **store, char *campaign,
                              size_t campaignlen)
{
    clock_status_t clk;
    char msg[512];
    int ret;

    if (cli->no_store && cli->ntp_server == NULL && cli->max_offset_ms <= 0)
        return DP_EXIT_OK;
    ret = clock_read(&clk, cli->ntp_server, 1000);
    if (cli->ntp_server != NULL && ret < 0) {
        fprintf(stderr, "dnsprop probe: --ntp-server %s: %s\n", cli->ntp_server,
                clk.sntp_error);
        return DP_EXIT_ERROR;
    }
    if (clock_check(&clk, cli->max_offset_ms, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "dnsprop probe: %s\n", msg);
        return DP_EXIT_ERROR;
    }
    if (cli->no_store)
        return DP_EXIT_OK;
    clock_warn_if_unsynced(&clk);
    if (campaign_open(cli, argc, argv, nreqs, host, &clk, store, campaign, campaignlen) <
        0)
        return DP_EXIT_ERROR;
    return DP_EXIT_OK;
}

/* probe_req_each_csv's callback for the first pass: count and check. */
static int count_req(probe_req_t *req, unsigned long line, void *arg)
{
    (void)line;
    (*(size_t *)arg)++;
    probe_req_clear(req);
    return 0;
}

static int feed_req(probe_req_t *req, unsigned long line, void *arg)
{
    (void)line;
    return pfeed_submit(arg, req);
}

/* Probe every request: the file's as they are read again (a regular file
 * was checked whole by the first pass), or those in reqs; print and store
 * each result as it comes; a signal cancels what is left. The worst exit
 * status of the results. */
static int run_requests(pfeed_t *f, const probe_cli_t *cli, bool stream,
                        probe_req_t *reqs, size_t nreqs)
{
    char err[1200];
    int ret = 0;

    if (stream) {
        ret =
            probe_req_each_csv(cli->file, PROBE_FILE_MAX, feed_req, f, err, sizeof(err));
        if (ret < 0 && ret != PROBE_REQ_STOP) {
            /* changed since the first pass: stop here, keep what was measured */
            fprintf(stderr, "dnsprop probe: %s\n", err);
            f->worst = DP_EXIT_ERROR;
        }
    } else {
        for (size_t i = 0; i < nreqs && ret == 0; i++)
            ret = pfeed_submit(f, &reqs[i]);
    }
    pfeed_drain(f);
    return f->worst;
}

/* The requests of --file: a regular file is read twice, once to check and
 * count it (errors before anything is probed) and once as it is probed; a
 * pipe, which cannot be read twice, is loaded. 0 or DP_EXIT_USAGE. */
static int load_requests(const probe_cli_t *cli, bool *stream, probe_req_t **reqs,
                         size_t *nreqs)
{
    struct stat st;
    char err[1200];
    int ret;

    *stream = stat(cli->file, &st) == 0 && S_ISREG(st.st_mode);
    if (*stream) {
        *nreqs = 0;
        ret = probe_req_each_csv(cli->file, PROBE_FILE_MAX, count_req, nreqs, err,
                                 sizeof(err));
    } else {
        ret = probe_req_load_csv(cli->file, reqs, nreqs, err, sizeof(err));
    }
    if (ret < 0) {
        fprintf(stderr, "dnsprop probe: %s\n", err);
        return DP_EXIT_USAGE;
    }
    return DP_EXIT_OK;
}

/* Close the campaign and leave its plots and report, read back from the
 * store like `dnsprop report` does. rc, or DP_EXIT_ERROR when results
 * were lost and rc was DP_EXIT_OK. */
static int campaign_finish(store_t *store, const char *campaign, const probe_cli_t *cli,
                           int rc)
{
    char dir[1024];
    char rerr[1024];
    report_opts_t ro;

    if (campaign_close(store, campaign, cli) != 0 && rc == DP_EXIT_OK)
        rc = DP_EXIT_ERROR;
    if (cli->no_report)
        return rc;
    memset(&ro, 0, sizeof(ro));
    snprintf(dir, sizeof(dir), "%s/%s", cli->store.results, campaign);
    if (cmd_report_from_store(store, campaign, dir, &ro, NULL, NULL, rerr, sizeof(rerr)) <
        0)
        fprintf(stderr, "dnsprop probe: report: %s\n", rerr);
    else
        fprintf(stderr, "dnsprop probe: report in %s/report.html\n", dir);
    return rc;
}

/* --dnssec: the keys of the zone of req's name, asked of req's server:
 * the name itself for a zone, else the closest enclosing name that has a
 * DNSKEY RRset. */
static int fetch_keys(const probe_req_t *req, dnssec_keys_t **keys)
{
    char err[600] = "";
    char first[600] = "";
    const char *z = req->qname;

    while (true) {
        if (dnssec_keys_fetch(z, req->ns.text, keys, err, sizeof(err)) == 0)
            return DP_EXIT_OK;
        if (first[0] == '\0')
            snprintf(first, sizeof(first), "%s", err);
        if (req->is_zone || strcmp(z, ".") == 0)
            break;
        z += strcspn(z, ".") + 1; /* canonical: no escaped dots */
        if (*z == '\0')
            z = ".";
    }
    /* the closest name's reason (the zone itself, or where the walk began) */
    fprintf(stderr, "dnsprop probe: --dnssec: %s (nor any enclosing name)\n", first);
    return DP_EXIT_ERROR;
}

/* --discover: the single request once per address of the zone's
 * nameservers, as asked of --ns. */
static int discover_reqs(const probe_cli_t *cli, const probe_req_t *single,
                         probe_req_t **reqs, size_t *nreqs)
{
    char err[1100];
    discover_t d;
    probe_req_t *v;

    if (discover_zone(cli->discover, single->ns.text,
                      cli->discover_port ? cli->discover_port : 53, &d, err,
                      sizeof(err)) < 0) {
        fprintf(stderr, "dnsprop probe: --discover %s: %s\n", cli->discover, err);
        return DP_EXIT_ERROR;
    }
    for (size_t i = 0; i < d.nnoaddr; i++)
        fprintf(stderr, "dnsprop probe: warning: NS %s has no address: not polled\n",
                d.noaddr[i]);
    v = calloc(d.n, sizeof(*v));
    for (size_t k = 0; v != NULL && k < d.n; k++) {
        probe_req_t *r = &v[k];
        *r = *single;
        r->values = NULL;
        r->nvalues = r->capvalues = 0;
        r->ns = d.eps[k].addr;
        r->id = strdup(d.eps[k].name);
        for (size_t i = 0; i < single->nvalues; i++)
            probe_req_add_value(r, single->values[i], err, sizeof(err));
        probe_req_finish(r, err, sizeof(err));
    }
    *nreqs = v != NULL ? d.n : 0;
    *reqs = v;
    discover_free(&d);
    return v != NULL ? DP_EXIT_OK : DP_EXIT_ERROR;
}

int cmd_probe(int argc, char **argv)
{
    probe_pool_opts_t opts;
    probe_pool_t *pool = NULL;
    probe_req_t single;
    probe_req_t *reqs = &single;
    dnssec_keys_t *keys = NULL;
    probe_cli_t cli;
    store_t *store = NULL;
    char campaign[512] = "";
    char host[256] = "localhost";
    size_t nreqs = 1;
    bool stream = false;
    pfeed_t feed;
    struct sigaction sa;
    int ret;
    int rc;

    memset(&cli, 0, sizeof(cli));
    pfeed_init(&feed);
    storeopt_init(&cli.store);
    cli.campaign = "probe";
    probe_req_init(&single);
    rc = parse_single(argc, argv, &single, &cli);
    if (rc != DP_EXIT_OK) {
        probe_req_clear(&single);
        return rc < 0 ? DP_EXIT_OK : rc;
    }
    if (cli.file != NULL && load_requests(&cli, &stream, &reqs, &nreqs) != DP_EXIT_OK) {
        probe_req_clear(&single);
        return DP_EXIT_USAGE;
    }
    if (cli.dnssec && cli.file != NULL) {
        probe_req_clear(&single);
        return cmd_bad("probe", "--dnssec", "%s", "not with --file");
    }
    if (cli.dnssec && fetch_keys(&single, &keys) != DP_EXIT_OK) {
        probe_req_clear(&single);
        return DP_EXIT_ERROR;
    }
    single.keys = keys;
    if (cli.discover != NULL && cli.file != NULL) {
        probe_req_clear(&single);
        return cmd_bad("probe", "--discover", "%s", "not with --file");
    }
    if (cli.discover != NULL &&
        discover_reqs(&cli, &single, &reqs, &nreqs) != DP_EXIT_OK) {
        probe_req_clear(&single);
        dnssec_keys_unref(keys);
        return DP_EXIT_ERROR;
    }
    gethostname(host, sizeof(host) - 1);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    rc = clock_and_campaign(&cli, argc, argv, nreqs, host, &store, campaign,
                            sizeof(campaign));
    if (rc != DP_EXIT_OK)
        goto out;
    memset(&opts, 0, sizeof(opts));
    opts.threads = cli.threads;
    opts.query_timeout_ms = cli.qtimeout_ms;
    ret = probe_pool_create(&pool, &opts);
    if (ret < 0) {
        fprintf(stderr, "dnsprop probe: cannot start the probe pool: %s\n",
                dp_strerror(ret));
        rc = DP_EXIT_ERROR;
        goto out;
    }
    feed.pool = pool;
    feed.store = store;
    feed.host = host;
    feed.json = cli.json;
    feed.signal = &g_signal;
    if (cli.max_pending > 0)
        feed.max_pending = cli.max_pending;
    rc = run_requests(&feed, &cli, stream, reqs, nreqs);
    if (g_signal != 0)
        rc = DP_EXIT_SIGNAL;
out:
    probe_pool_destroy(pool);
    pfeed_free(&feed);
    if (store != NULL) {
        if (campaign[0] != '\0')
            rc = campaign_finish(store, campaign, &cli, rc);
        store_close(store);
    }
    if (reqs != &single && !stream)
        probe_req_free_array(reqs, nreqs);
    probe_req_clear(&single);
    dnssec_keys_unref(keys);
    return rc;
}
