/*
 * plots: a campaign's gnuplot data files, scripts and PNGs.
 *
 * Under dir (results/<campaign>/plots/): for every plot a script NAME.gp
 * that reads its data files NAME*.dat from the same folder and writes
 * NAME.png with the pngcairo terminal, kept so that users can restyle and
 * rerun them (`cd dir && gnuplot NAME.gp`). Names from scenarios
 * (nameservers, kinds, campaign, phases) only ever reach a script through
 * plot_gp_string(), so that no name can inject gnuplot commands; file
 * names are made from indexes, never from names.
 *
 * Ownership: plot_gp_string's string and plot_campaign's *index are the
 * caller's (free, json_decref); the files under dir are left for the
 * user. Thread-safety: no global state (gnuplot runs in a child process
 * that changes into dir itself), so plot_campaign may run in several
 * threads on different datasets and folders; the dataset belongs to the
 * calling thread (see dataset.h). plot_gp_string is pure.
 */
#ifndef DP_PLOTS_H
#define DP_PLOTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "plot/dataset.h"

/* Campaigns of more results than this get binned plots (densities,
 * per-bin percentiles, CDFs from quantiles: see plots.c), whose data
 * files stay under about 1 MB whatever their size; up to it, every poll
 * is drawn, as it always was. */
#define PLOT_BIN_ABOVE 10000

typedef struct {
    unsigned width, height; /* pixels; 0: 1280 x 720 */
    const char *gnuplot;    /* program; NULL: "gnuplot" from PATH */
    bool no_render;         /* write data and scripts only ([report] plots = no) */
    size_t bin_above;       /* results above which plots are binned; 0: PLOT_BIN_ABOVE */
} plot_opts_t;

/* A gnuplot string literal (single-quoted) that shows s as text and
 * cannot run anything, whatever s holds. Malloc'd; NULL on ENOMEM. */
char *plot_gp_string(const char *s);

/* Write every plot's data and script under dir (created), then render
 * them. stats is stats_json(ds). *index gets [{"name", "title", "script",
 * "png" (NULL when not rendered), "description"}] in a fixed order.
 * 0, or a negative code (err says why) when the files cannot be written,
 * a PNG included: gnuplot exiting 0 without writing its image (a full
 * disk) is -ENOSPC or -EIO, with *index set still (the PNGs that were
 * written). When gnuplot is missing or fails, the scripts stay,
 * *rendered is false, err says how to render them, and 0 is returned. */
int plot_campaign(dataset_t *ds, const json_t *stats, const char *dir,
                  const plot_opts_t *opts, json_t **index, bool *rendered, char *err,
                  size_t errlen);

/* Render the scripts an index lists ([{"name", "script"}], as
 * plot_campaign's) in dir, as plot_campaign does: each gets "png" when
 * its image was written. Same returns and *rendered. */
int plot_render(const char *dir, json_t *index, const char *gnuplot, bool *rendered,
                char *err, size_t errlen);

#endif
