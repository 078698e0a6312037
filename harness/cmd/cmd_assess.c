/*
 * cmd_assess: `dnsprop assess`, the multi-source convergence assessment
 * (plot/assess/assess.h), in three modes:
 *   --records FILE.csv   offline, records given in a CSV;
 *   --scenario FILE.ini  live: the campaign's intended state against what
 *                        every nameserver answers now (plot/assess/assess_live.h);
 *   --axfr               live: whole zones transferred from each server.
 * Exit 0 converged, 1 not, 2 error, 64 usage (harness/cmd/cmd.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmd/cmd.h"
#include "harness/cmd/cmdutil.h"
#include "harness/common/errcode.h"
#include "harness/scenario/scenario.h"
#include "plot/assess/assess.h"
#include "plot/assess/assess_live.h"
#include "probes/request.h"
#include "probes/tsig.h"

static void usage(FILE *f)
{
    fprintf(
        f, "usage: dnsprop assess --records FILE.csv --master SOURCE [--json]\n"
           "       dnsprop assess --scenario FILE.ini [--intended FILE.json | --campaign "
           "ID]\n"
           "                      [--master NAME] [--json]\n"
           "       dnsprop assess --axfr --zone ZONE --ns ADDR[:PORT] --ns ADDR[:PORT] "
           "...\n"
           "                      [--master ADDR[:PORT]] [--tsig ALG:NAME:SECRET] "
           "[--json]\n"
           "\n"
           "Are the sources converged with the master?\n"
           "\n"
           "  missing      PRESENT at the master, not present at the source\n"
           "  overpresent  present at the source, not PRESENT at the master\n"
           "\n"
           "--records: FILE.csv has the columns source,presence,name,type,class,ttl,\n"
           "  rdata (presence: present | absent; class defaults to IN, ttl to 86400;\n"
           "  an empty source is the source none, given as --master '').\n"
           "--scenario: live. The master is the campaign's intended state (the\n"
           "  source none, ''), or the nameserver --master NAME; every nameserver of\n"
           "  the scenario is asked now (RD=0, UDP then TCP) for every record and\n"
           "  zone SOA the campaign touched. The intended state is --intended FILE, or\n"
           "  RESULTS/ID/intended.json of --campaign ID, or of the newest campaign of\n"
           "  the scenario's name under its results directory. Zones are compared by\n"
           "  presence (SOA contents are not: serials are what the polls measure).\n"
           "--axfr: live. ZONE is transferred whole from each --ns (at least two; a\n"
           "  source is named as given) and every record is compared, SOA included;\n"
           "  the master defaults to the first --ns. A server that refuses the\n"
           "  transfer has no records.\n"
           "Servers that refuse, fail, do not answer or answer truncated are listed\n"
           "as errors (text), or in \"errors\": {source: [...]} (--json); what they\n"
           "did not answer is no evidence: converged with errors is not verified\n"
           "(\"verified\": false, exit 2).\n"
           "\n"
           "exit status: 0 converged, 1 not converged, 2 error, 64 usage error\n");
}

static void print_list(json_t *map, const char *what)
{
    const char *src;
    json_t *arr;
    size_t i;
    json_t *r;

    json_object_foreach(map, src, arr)
    {
        json_array_foreach(arr, i, r)
        {
            printf("%-11s %-12s %s %s %s %s\n", what, src[0] != '\0' ? src : "(none)",
                   json_string_value(json_object_get(r, "name")),
                   json_string_value(json_object_get(r, "class")),
                   json_string_value(json_object_get(r, "type")),
                   json_string_value(json_object_get(r, "rdata")));
        }
    }
}

static void print_errors(json_t *map)
{
    const char *src;
    json_t *arr;
    size_t i;
    json_t *e;

    json_object_foreach(map, src, arr)
    {
        json_array_foreach(arr, i, e)
        {
            printf("%-11s %-12s %s\n", "error", src[0] != '\0' ? src : "(none)",
                   json_string_value(e));
        }
    }
}

/* Print res and return the exit status. Converged where every query had
 * an answer to trust is 0; converged only because the queries that got no
 * such answer (no answer, truncated, not asked) count for nothing is not
 * a verdict: 2, and "verified": false says so (issue 12: no false PASS). */
static int report(json_t *res, bool json)
{
    bool conv = json_is_true(json_object_get(res, "converged"));
    bool unsure = json_object_size(json_object_get(res, "errors")) > 0;

    json_object_set_new(res, "verified", json_boolean(!unsure));
    if (json) {
        char *t = json_dumps(res, JSON_INDENT(2) | JSON_SORT_KEYS);
        printf("%s\n", t != NULL ? t : "{}");
        free(t);
    } else {
        print_list(json_object_get(res, "missing"), "missing");
        print_list(json_object_get(res, "overpresent"), "overpresent");
        print_errors(json_object_get(res, "errors"));
        printf("%s\n", !conv    ? "not converged"
                       : unsure ? "converged where answered; not verified (errors above)"
                                : "converged");
    }
    return !conv ? DP_EXIT_TIMEOUT : unsure ? DP_EXIT_ERROR : DP_EXIT_OK;
}

/* Has source any PRESENT record in set? */
static bool has_present(const assess_set_t *set, const char *source)
{
    size_t i;

    for (i = 0; i < set->n; i++) {
        if (set->recs[i].present && strcmp(set->recs[i].source, source) == 0)
            return true;
    }
    return false;
}

/* The errors of source, "; "-joined, for a message. */
static void errors_text(json_t *errors, const char *source, char *out, size_t outlen)
{
    json_t *arr = json_object_get(errors, source);
    size_t used = 0;
    size_t i;
    json_t *e;

    out[0] = '\0';
    json_array_foreach(arr, i, e)
    {
        int n = snprintf(out + used, outlen - used, "%s%s", i > 0 ? "; " : "",
                         json_string_value(e));
        if (n < 0 || (size_t)n >= outlen - used)
            break;
        used += (size_t)n;
    }
}

/* assess_run on set, the live modes' extra fields, output; frees nothing. */
static int assess_and_report(const assess_set_t *set, const char *master, json_t *errors,
                             const char *intended, const scenario_t *sc,
                             const json_t *istate, bool json)
{
    json_t *res = NULL;
    char err[1024];
    int rc;

    if (assess_run(set, master, &res, err, sizeof(err)) < 0) {
        fprintf(stderr, "dnsprop assess: %s\n", err);
        return DP_EXIT_ERROR;
    }
    json_object_set(res, "errors", errors);
    json_object_set_new(res, "master", json_string(master));
    if (intended != NULL)
        json_object_set_new(res, "intended", json_string(intended));
    if (sc != NULL)
        assess_live_providers(sc, istate, res);
    rc = report(res, json);
    json_decref(res);
    return rc;
}

static int run_records(const char *records, const char *master, bool json)
{
    assess_set_t set;
    json_t *res = NULL;
    char err[1024];
    int rc;

    if (assess_load_csv(records, &set, err, sizeof(err)) < 0) {
        fprintf(stderr, "dnsprop assess: %s\n", err);
        return DP_EXIT_USAGE;
    }
    if (assess_run(&set, master, &res, err, sizeof(err)) < 0) {
        fprintf(stderr, "dnsprop assess: %s\n", err);
        assess_set_free(&set);
        return DP_EXIT_ERROR;
    }
    rc = report(res, json);
    json_decref(res);
    assess_set_free(&set);
    return rc;
}

typedef struct {
    const char *scenario;
    const char *intended;
    const char *campaign;
    const char *master;
    bool json;
} scen_opts_t;

static int run_scenario(const scen_opts_t *o)
{
    scenario_t sc;
    assess_set_t set;
    json_t *intended = NULL;
    json_t *errors = NULL;
    const char *master = o->master != NULL ? o->master : "";
    const char *ipath = o->intended;
    char path[4096];
    char err[2048];
    char names[512] = "";
    bool known = master[0] == '\0';
    uint64_t tmask;
    size_t i;
    int rc = DP_EXIT_ERROR;

    memset(&set, 0, sizeof(set));
    if (scenario_load(o->scenario, &sc, err, sizeof(err)) < 0) {
        fprintf(stderr, "dnsprop assess: %s\n", err);
        return DP_EXIT_ERROR;
    }
    /* [nameserver] discover: the addresses, as a run would watch them */
    if (scenario_discover(&sc, err, sizeof(err)) < 0) {
        fprintf(stderr, "dnsprop assess: %s\n", err);
        scenario_free(&sc);
        return DP_EXIT_ERROR;
    }
    /* The sources are the nameservers of the targets the campaign changed
     * (assess_live_collect; the first, unless its phases named others):
     * the master must be a nameserver of the scenario, and of one of those
     * once the intended state says which (checked after it is loaded). */
    for (i = 0; i < sc.nns; i++) {
        size_t used = strlen(names);
        known |= strcmp(sc.ns[i].name, master) == 0;
        snprintf(names + used, sizeof(names) - used, "%s%s", used > 0 ? ", " : "",
                 sc.ns[i].name);
    }
    if (!known) {
        rc = cmd_bad("assess", "--master",
                     "'%s' is not a nameserver of %s serving target %s (%s; or '' for "
                     "the intended state)",
                     master, o->scenario, sc.ntargets > 1 ? "any" : sc.targets[0].name,
                     names);
        goto out;
    }
    if (ipath == NULL) {
        if (assess_intended_find(sc.results, sc.name, o->campaign, path, sizeof(path),
                                 err, sizeof(err)) < 0) {
            fprintf(stderr, "dnsprop assess: %s\n", err);
            goto out;
        }
        ipath = path;
    }
    if (assess_intended_load(ipath, &intended, err, sizeof(err)) < 0) {
        fprintf(stderr, "dnsprop assess: %s\n", err);
        goto out;
    }
    if (json_array_size(json_object_get(intended, "zones")) == 0 &&
        json_array_size(json_object_get(intended, "records")) == 0) {
        fprintf(stderr,
                "dnsprop assess: %s: the intended state lists no zone and no record: "
                "nothing to assess\n",
                ipath);
        goto out;
    }
    tmask = assess_intended_tmask(&sc, intended);
    for (i = 0; master[0] != '\0' && i < sc.nns; i++) {
        const target_conf_t *t = scenario_ns_target(&sc, &sc.ns[i]);
        if (strcmp(sc.ns[i].name, master) == 0 &&
            !(tmask & (UINT64_C(1) << scenario_target_index(&sc, t)))) {
            rc = cmd_bad("assess", "--master",
                         "'%s' serves target %s, which %s did not change (or '' for the "
                         "intended state)",
                         master, t->name, ipath);
            goto out;
        }
    }
    errors = json_object();
    if (errors == NULL ||
        assess_live_collect_errors(&sc, intended, &set, errors, err, sizeof(err)) < 0) {
        fprintf(stderr, "dnsprop assess: %s\n", errors == NULL ? "out of memory" : err);
        goto out;
    }
    /* A master nameserver that answered nothing because it failed (not
     * one that rightly serves nothing) leaves nothing to compare with. */
    if (master[0] != '\0' && !has_present(&set, master) &&
        json_object_get(errors, master) != NULL) {
        errors_text(errors, master, err, sizeof(err));
        fprintf(stderr, "dnsprop assess: the master %s answered nothing: %s\n", master,
                err);
        goto out;
    }
    rc = assess_and_report(&set, master, errors, ipath, &sc, intended, o->json);
out:
    assess_set_free(&set);
    json_decref(intended);
    json_decref(errors);
    scenario_free(&sc);
    return rc;
}

typedef struct {
    const char *zone;
    const char **ns;
    size_t nns;
    const char *master;
    const char *tsig;
    bool json;
} axfr_opts_t;

static int run_axfr(const axfr_opts_t *o)
{
    assess_set_t set;
    json_t *errors = NULL;
    const char *master;
    char err[2048];
    char name[RDATA_NAME_TEXT_MAX];
    probe_ns_t pn;
    size_t i;
    size_t j;
    int ret;
    int rc = DP_EXIT_ERROR;

    if (o->zone == NULL)
        return cmd_bad("assess", "--zone", "%s", "missing (the zone to transfer)");
    if (rdata_name_canon(o->zone, name, sizeof(name)) < 0)
        return cmd_bad("assess", "--zone", "'%s' is not a domain name", o->zone);
    if (o->nns < 2)
        return cmd_bad("assess", "--ns", "%s",
                       "give at least two servers to compare (--ns ADDR[:PORT] --ns "
                       "ADDR[:PORT] ...)");
    for (i = 0; i < o->nns; i++) {
        if (probe_ns_parse(o->ns[i], &pn) < 0)
            return cmd_bad("assess", "--ns",
                           "'%s' is not an IPv4/IPv6 address with optional port (ADDR, "
                           "ADDR:PORT, [ADDR6]:PORT)",
                           o->ns[i]);
        for (j = 0; j < i; j++) {
            if (strcmp(o->ns[i], o->ns[j]) == 0)
                return cmd_bad("assess", "--ns", "'%s' is given twice", o->ns[i]);
        }
    }
    master = o->master != NULL ? o->master : o->ns[0];
    for (i = 0; i < o->nns && strcmp(o->ns[i], master) != 0; i++)
        ;
    if (i == o->nns)
        return cmd_bad("assess", "--master",
                       "'%s' is not one of the --ns servers (give it exactly as given "
                       "to --ns)",
                       master);
    if (o->tsig != NULL) {
        ret = tsig_check(o->tsig, "bad key", err, sizeof(err));
        if (ret == -ENOMEM) {
            fprintf(stderr, "dnsprop assess: out of memory\n");
            return DP_EXIT_ERROR;
        }
        if (ret < 0)
            return cmd_bad("assess", "--tsig", "%s", err);
    }
    memset(&set, 0, sizeof(set));
    errors = json_object();
    if (errors == NULL) {
        fprintf(stderr, "dnsprop assess: out of memory\n");
        return DP_EXIT_ERROR;
    }
    ret = assess_axfr_collect_errors(name, o->ns, o->nns, o->tsig, &set, errors, err,
                                     sizeof(err));
    if (ret < 0) {
        fprintf(stderr, "dnsprop assess: %s\n", err);
        goto out;
    }
    if (!has_present(&set, master)) {
        errors_text(errors, master, err, sizeof(err));
        fprintf(stderr,
                "dnsprop assess: the master %s has no zone %s to compare with: %s\n",
                master, name, err[0] != '\0' ? err : "empty transfer");
        goto out;
    }
    rc = assess_and_report(&set, master, errors, NULL, NULL, NULL, o->json);
out:
    assess_set_free(&set);
    json_decref(errors);
    return rc;
}

/* The command line: what getopt gives, and the mode's checks. */
typedef struct {
    const char *records;
    const char *master;
    const char *scenario;
    const char *intended;
    const char *campaign;
    const char *zone;
    const char *tsig;
    const char **ns;
    size_t nns;
    bool axfr;
    bool json;
} cli_t;

/* Parse argv into *c (c->ns has room for every argument). Returns -1 to
 * go on, else the exit status (--help, a usage error). */
static int parse_args(int argc, char **argv, cli_t *c)
{
    static const struct option opts[] = {
        {"records", required_argument, NULL, 'r'},
        {"master", required_argument, NULL, 'm'},
        {"json", no_argument, NULL, 'j'},
        {"scenario", required_argument, NULL, 's'},
        {"intended", required_argument, NULL, 'i'},
        {"campaign", required_argument, NULL, 'c'},
        {"axfr", no_argument, NULL, 'a'},
        {"zone", required_argument, NULL, 'z'},
        {"ns", required_argument, NULL, 'n'},
        {"tsig", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int o;

    optind = 1;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 'h':
            usage(stdout);
            return DP_EXIT_OK;
        case 'r':
            c->records = optarg;
            break;
        case 'm':
            c->master = optarg;
            break;
        case 'j':
            c->json = true;
            break;
        case 's':
            c->scenario = optarg;
            break;
        case 'i':
            c->intended = optarg;
            break;
        case 'c':
            c->campaign = optarg;
            break;
        case 'a':
            c->axfr = true;
            break;
        case 'z':
            c->zone = optarg;
            break;
        case 'n':
            c->ns[c->nns++] = optarg;
            break;
        case 't':
            c->tsig = optarg;
            break;
        default:
            usage(stderr);
            return DP_EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cmd_bad("assess", "arguments", "unexpected '%s'", argv[optind]);
    return -1;
}

/* The options that belong to one mode only. -1 when they fit. */
static int check_mode(const cli_t *c)
{
    if ((c->records != NULL) + (c->scenario != NULL) + c->axfr != 1)
        return cmd_bad(
            "assess", "mode", "%s",
            "give exactly one of --records FILE.csv, --scenario FILE.ini, --axfr");
    if (!c->axfr && (c->zone != NULL || c->nns > 0 || c->tsig != NULL))
        return cmd_bad("assess",
                       c->zone != NULL ? "--zone"
                       : c->nns > 0    ? "--ns"
                                       : "--tsig",
                       "%s", "only with --axfr");
    if (c->scenario == NULL && (c->intended != NULL || c->campaign != NULL))
        return cmd_bad("assess", c->intended != NULL ? "--intended" : "--campaign", "%s",
                       "only with --scenario");
    return -1;
}

int cmd_assess(int argc, char **argv)
{
    cli_t c;
    int rc;

    memset(&c, 0, sizeof(c));
    /* Every --ns fits: at most one per argument. */
    c.ns = calloc((size_t)argc + 1, sizeof(*c.ns));
    if (c.ns == NULL) {
        fprintf(stderr, "dnsprop assess: out of memory\n");
        return DP_EXIT_ERROR;
    }
    rc = parse_args(argc, argv, &c);
    if (rc < 0)
        rc = check_mode(&c);
    if (rc >= 0)
        goto out;
    if (c.records != NULL) {
        if (c.master == NULL)
            rc = cmd_bad("assess", "--master", "%s",
                         "missing (the source the others are compared with)");
        else
            rc = run_records(c.records, c.master, c.json);
    } else if (c.scenario != NULL) {
        scen_opts_t so = {c.scenario, c.intended, c.campaign, c.master, c.json};
        if (c.intended != NULL && c.campaign != NULL)
            rc = cmd_bad("assess", "--campaign", "%s",
                         "give --intended FILE or --campaign ID, not both");
        else
            rc = run_scenario(&so);
    } else {
        axfr_opts_t ao = {c.zone, c.ns, c.nns, c.master, c.tsig, c.json};
        rc = run_axfr(&ao);
    }
out:
    free(c.ns);
    return rc;
}
