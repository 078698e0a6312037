/*
 * campaign_out: what a campaign stores about itself and what it leaves
 * behind (see campaign.h): its metadata, the convergence assessment at the
 * end, the summary and the report.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/driver/campaign.h"
#include "harness/driver/drv_int.h"
#include "plot/assess/assess.h"
#include "plot/assess/assess_live.h"
#include "plot/report.h"

/* The scenario file's text, for the report (at most 256 KiB). */
static json_t *scenario_text(const char *path)
{
    enum { TEXT_MAX = 256 * 1024 };
    char *buf = malloc(TEXT_MAX);
    FILE *f = fopen(path, "r");
    json_t *t = NULL;
    size_t n;

    if (f != NULL && buf != NULL) {
        n = fread(buf, 1, TEXT_MAX - 1, f);
        buf[n] = '\0';
        t = json_stringn(buf, n); /* NULL unless UTF-8 */
        if (t == NULL)
            t = json_string("(the scenario file is not UTF-8 text)");
    }
    if (f != NULL)
        fclose(f);
    free(buf);
    return t != NULL ? t : json_null();
}

static json_t *nameservers(const scenario_t *sc)
{
    json_t *nss = json_array();

    for (size_t i = 0; i < sc->nns; i++) {
        const scen_ns_t *n = &sc->ns[i];
        json_t *o = json_pack("{s:s, s:s, s:s}", "name", n->name, "addr", n->addr.text,
                              "role", ns_role_str(n->role));
        if (n->discovered != NULL)
            /* found by [nameserver] discover: grouped by NS name in reports */
            json_object_update_new(o, json_pack("{s:s, s:s, s:s}", "discovered",
                                                n->discovered, "ns_name", n->group,
                                                "family", n->v6 ? "ipv6" : "ipv4"));
        json_array_append_new(nss, o);
    }
    return nss;
}

static json_t *phases(const scenario_t *sc)
{
    json_t *phases = json_array();

    for (size_t i = 0; i < sc->nphases; i++) {
        const scen_phase_t *ph = &sc->phases[i];
        json_array_append_new(
            phases, json_pack("{s:s, s:f, s:f, s:f, s:I}", "name", ph->name, "rate_from",
                              ph->rate_from, "rate_to", ph->rate_to, "duration",
                              ph->duration, "count", (json_int_t)ph->count));
    }
    return phases;
}

static json_t *slos(const scenario_t *sc)
{
    json_t *slo = json_object();

    if (sc->has_p99)
        json_object_set_new(slo, "p99", json_real(sc->slo_p99));
    if (sc->has_max_timeouts)
        json_object_set_new(slo, "max_timeouts",
                            json_integer((json_int_t)sc->slo_max_timeouts));
    json_object_set_new(slo, "converged", json_boolean(sc->slo_converged));
    if (sc->has_claim_before_served)
        json_object_set_new(slo, "claim_before_served",
                            json_integer((json_int_t)sc->slo_claim_before_served));
    return slo;
}

json_t *campaign_meta(drv_t *d, const clock_status_t *clk)
{
    const scenario_t *sc = d->sc;
    json_t *meta = json_object();

    json_object_set_new(meta, "scenario", json_string(sc->path));
    json_object_set_new(meta, "scenario_text", scenario_text(sc->path));
    json_object_set_new(meta, "host", json_string(d->host));
    json_object_set_new(meta, "version",
                        json_string(d->opts->version != NULL ? d->opts->version : "?"));
    json_object_set_new(meta, "seed", json_integer((json_int_t)sc->seed));
    json_object_set_new(meta, "clock_start", clock_status_json(clk));
    json_object_set_new(meta, "nameservers", nameservers(sc));
    if (sc->nnoaddr > 0) {
        /* discovered NS names without an address: never watched */
        json_t *no = json_array();
        for (size_t i = 0; i < sc->nnoaddr; i++)
            json_array_append_new(no, json_string(sc->noaddr[i]));
        json_object_set_new(meta, "ns_without_address", no);
    }
    json_object_set_new(meta, "phases", phases(sc));
    json_object_set_new(meta, "slo", slos(sc));
    json_object_set_new(meta, "report",
                        json_pack("{s:i, s:i, s:b}", "width", sc->plot_width, "height",
                                  sc->plot_height, "plots", sc->plots));
    return meta;
}

/* The convergence assessment at the end of the campaign (before any
 * cleanup): what every nameserver serves now against the intended state,
 * the master (NetDNS semantics, plot/assess/assess.h). */
json_t *campaign_assess(drv_t *d, const json_t *intended)
{
    assess_set_t set;
    json_t *errors = json_object();
    json_t *out = NULL;
    char err[1024];

    memset(&set, 0, sizeof(set));
    if (assess_live_collect_errors(d->sc, intended, &set, errors, err, sizeof(err)) < 0 ||
        assess_run(&set, "", &out, err, sizeof(err)) < 0) {
        out = json_pack("{s:s, s:b}", "error", err, "converged", 0);
    } else {
        json_object_set_new(out, "master", json_string("the campaign's intended state"));
        json_object_set(out, "errors", errors);
        assess_live_providers(d->sc, intended, out);
    }
    json_decref(errors);
    assess_set_free(&set);
    return out;
}

/* The report, from the results the driver saw (the same JSON texts it
 * stored) and the metadata as Redis will give it back. */
static int write_report(drv_t *d)
{
    json_t *all = json_deep_copy(d->begin_meta);
    json_t *norm;
    report_opts_t ro;
    char err[1024];
    int ret;

    json_object_update(all, d->end_meta);
    norm = store_meta_normalise(all);
    json_decref(all);
    ds_set_campaign(&d->ds, norm);
    json_decref(norm);
    memset(&ro, 0, sizeof(ro));
    ro.plot.width = d->sc->plot_width;
    ro.plot.height = d->sc->plot_height;
    ro.plot.no_render = !d->sc->plots;
    ret = report_write(&d->ds, d->dir, &ro, NULL, err, sizeof(err));
    if (ret < 0)
        drv_say(d, DRIVER_MSG_ERROR, "report: %s", err);
    else if (!d->opts->quiet)
        drv_say(d, DRIVER_MSG_NOTE, "report in %s/report.html (and .md, .json)", d->dir);
    return ret;
}

/* One file beside the results, every write checked (a full disk fails at
 * the flush); a partial file is removed. */
static int write_text(drv_t *d, const char *name, const char *text)
{
    char path[1200];
    FILE *f;
    int ret = 0;

    snprintf(path, sizeof(path), "%s/%s/%s", d->sc->results, d->id, name);
    f = fopen(path, "w");
    if (f == NULL || fprintf(f, "%s\n", text) < 0)
        ret = -errno;
    if (f != NULL && fclose(f) != 0 && ret == 0)
        ret = -errno;
    if (ret < 0) {
        drv_say(d, DRIVER_MSG_ERROR, "cannot write %s: %s", path, strerror(-ret));
        unlink(path);
    }
    return ret;
}

/* The summary: printed, and beside the results (summary.json), with the
 * intended state (intended.json). */
static int write_summary(drv_t *d)
{
    char *s = json_dumps(d->summary, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    json_t *intended = json_object_get(d->end_meta, "intended");
    char *it = intended != NULL ? json_dumps(intended, JSON_INDENT(1)) : NULL;
    int ret = 0;

    drv_say(d, DRIVER_MSG_JSON, "%s", s != NULL ? s : "{}");
    if (d->id[0] != '\0') {
        ret = write_text(d, "summary.json", s != NULL ? s : "{}");
        if (it != NULL && write_text(d, "intended.json", it) < 0 && ret == 0)
            ret = -EIO;
    }
    free(it);
    free(s);
    return ret;
}

/* What could not be written is lost only as files: say where the results
 * themselves are, and how to get the report back. */
static void tell_where(drv_t *d)
{
    bool embedded = strncmp(d->where, "embedded", 8) == 0;

    if (d->where[0] == '\0') {
        drv_say(d, DRIVER_MSG_ERROR,
                "the campaign's results were not stored (--no-store): free space under "
                "%s and run it again",
                d->sc->results);
        return;
    }
    drv_say(d, DRIVER_MSG_ERROR,
            "the results are kept: %llu in %s (campaign %s)%s%s%s; free space under %s, "
            "then rebuild the report with: dnsprop report %s --results %s%s%s",
            (unsigned long long)d->stored, d->where, d->id,
            d->spooled > 0 ? ", the rest in " : "", d->spooled > 0 ? d->dir : "",
            d->spooled > 0 ? "/spool.jsonl" : "", d->sc->results, d->id, d->sc->results,
            embedded ? "" : " --redis ", embedded ? "" : d->where);
}

int campaign_outputs(drv_t *d)
{
    int ret = 0;
    int r;

    if (d->summary != NULL)
        ret = write_summary(d);
    if (d->ran) {
        r = write_report(d);
        if (r < 0 && (ret == 0 || r == -ENOSPC))
            ret = r;
    }
    if (ret < 0)
        tell_where(d);
    return ret;
}
