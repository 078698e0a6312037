/*
 * campaign_out: what a campaign stores about itself and what it leaves
 * behind (see campaign.h): its metadata, the convergence assessment at the
 * end, the summary and the report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

    for (size_t i = 0; i < sc->nns; i++)
        json_array_append_new(nss, json_pack("{s:s, s:s, s:s}", "name", sc->ns[i].name,
                                             "addr", sc->ns[i].addr.text, "role",
                                             ns_role_str(sc->ns[i].role)));
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
    }
    json_decref(errors);
    assess_set_free(&set);
    return out;
}

/* The report, from the results the driver saw (the same JSON texts it
 * stored) and the metadata as Redis will give it back. */
static void write_report(drv_t *d)
{
    json_t *all = json_deep_copy(d->begin_meta);
    json_t *norm;
    report_opts_t ro;
    char err[1024];

    json_object_update(all, d->end_meta);
    norm = store_meta_normalise(all);
    json_decref(all);
    ds_set_campaign(&d->ds, norm);
    json_decref(norm);
    memset(&ro, 0, sizeof(ro));
    ro.plot.width = d->sc->plot_width;
    ro.plot.height = d->sc->plot_height;
    ro.plot.no_render = !d->sc->plots;
    if (report_write(&d->ds, d->dir, &ro, NULL, err, sizeof(err)) < 0)
        drv_say(d, DRIVER_MSG_ERROR, "report: %s", err);
    else if (!d->opts->quiet)
        drv_say(d, DRIVER_MSG_NOTE, "report in %s/report.html (and .md, .json)", d->dir);
}

/* The summary: printed, and beside the results (summary.json), with the
 * intended state (intended.json). */
static void write_summary(drv_t *d)
{
    char *s = json_dumps(d->summary, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    json_t *intended = json_object_get(d->end_meta, "intended");
    char path[1200];
    FILE *f;

    drv_say(d, DRIVER_MSG_JSON, "%s", s != NULL ? s : "{}");
    if (d->id[0] != '\0') {
        snprintf(path, sizeof(path), "%s/%s/summary.json", d->sc->results, d->id);
        f = fopen(path, "w");
        if (f != NULL) {
            fprintf(f, "%s\n", s != NULL ? s : "{}");
            fclose(f);
        }
        snprintf(path, sizeof(path), "%s/%s/intended.json", d->sc->results, d->id);
        if (intended != NULL)
            json_dump_file(intended, path, JSON_INDENT(1));
    }
    free(s);
}

void campaign_outputs(drv_t *d)
{
    if (d->summary != NULL)
        write_summary(d);
    if (d->ran)
        write_report(d);
}
