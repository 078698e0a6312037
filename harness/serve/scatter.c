/*
 * scatter: Digaas's plots (a scatter of points per series, its
 * plot.py's GnuplotScript: points, a key below the box, rotated x tics)
 * drawn with gnuplot's pngcairo terminal (see serve_int.h). Data files
 * are named by index, and labels reach the script only through
 * plot_gp_string, so that no nameserver or type name can inject gnuplot
 * commands. A plot without any point still gets a PNG that says so:
 * Digaas always drew one, and its clients save whatever they fetch.
 *
 * gnuplot runs in a child that changes into dir itself (no chdir in this
 * process, which has threads); the child calls only async-signal-safe
 * functions before exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/common/fsutil.h"
#include "harness/serve/serve_int.h"
#include "plot/plots.h"

/* `gnuplot NAME.gp` in dir, its output to NAME.log: 0 when it exited 0. */
static int run_gnuplot(const char *dir, const char *name, char *err, size_t errlen)
{
    char script[128];
    char logp[4200];
    char prog[] = "gnuplot";
    char *argv[] = {prog, script, NULL};
    int logfd;
    int status = 0;
    pid_t pid;

    snprintf(script, sizeof(script), "%s.gp", name);
    snprintf(logp, sizeof(logp), "%s/%s.log", dir, name);
    logfd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (logfd < 0) {
        snprintf(err, errlen, "cannot write %s: %s", logp, strerror(errno));
        return -errno;
    }
    pid = fork();
    if (pid == 0) {
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0)
            dup2(nul, 0);
        dup2(logfd, 1);
        dup2(logfd, 2);
        if (chdir(dir) == 0)
            execvp(argv[0], argv);
        _exit(127);
    }
    close(logfd);
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        return -errno;
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -errno;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errlen,
                 "gnuplot failed on %s/%s.gp (exit %d; see %s; apt-get install "
                 "gnuplot-nox)",
                 dir, name, WIFEXITED(status) ? WEXITSTATUS(status) : -1, logp);
        return -ECHILD;
    }
    return 0;
}

/* One series' points into dir/name-i.dat. */
static int write_series(const char *dir, const char *name, size_t i,
                        const serve_series_t *sr)
{
    char path[4200];
    FILE *f;
    size_t k;

    snprintf(path, sizeof(path), "%s/%s-%zu.dat", dir, name, i);
    f = fopen(path, "w");
    if (f == NULL)
        return -errno;
    for (k = 0; k < sr->n; k++)
        fprintf(f, "%.6f %.6f\n", sr->xy[2 * k], sr->xy[2 * k + 1]);
    return fclose(f) == 0 ? 0 : -EIO;
}

/* The script's head: Digaas's look, our escaping. */
static void script_head(FILE *f, const char *name, const char *title, const char *xlabel,
                        const char *ylabel)
{
    char *t = plot_gp_string(title);
    char *x = plot_gp_string(xlabel);
    char *y = plot_gp_string(ylabel);

    fprintf(f,
            "set terminal pngcairo size 1280,720\n"
            "set output '%s.png'\n"
            "set key outside below box\n"
            "set xtics rotate\n"
            "set format x '%%.1f'\n"
            "set title %s\nset xlabel %s\nset ylabel %s\n",
            name, t != NULL ? t : "''", x != NULL ? x : "''", y != NULL ? y : "''");
    free(t);
    free(x);
    free(y);
}

/* The plot command: a series per data file, or a plot that says there was
 * nothing to draw. */
static void script_plot(FILE *f, const char *name, const serve_series_t *series,
                        size_t nseries)
{
    size_t i;
    size_t points = 0;
    bool first = true;

    for (i = 0; i < nseries; i++)
        points += series[i].n;
    if (points == 0) {
        fprintf(f, "unset key\n"
                   "set label 1 'nothing finished in this time range' at graph 0.5, "
                   "graph 0.5 center\n"
                   "set xrange [0:1]\nset yrange [0:1]\n"
                   "plot -1 notitle\n");
        return;
    }
    fprintf(f, "plot ");
    for (i = 0; i < nseries; i++) {
        char *label;
        if (series[i].n == 0)
            continue;
        label = plot_gp_string(series[i].label != NULL ? series[i].label : "");
        fprintf(f, "%s'%s-%zu.dat' using 1:2 title %s with points pointtype 5",
                first ? "" : ", \\\n     ", name, i, label != NULL ? label : "''");
        free(label);
        first = false;
    }
    fprintf(f, "\n");
}

int serve_scatter_png(const char *dir, const char *name, const char *title,
                      const char *xlabel, const char *ylabel,
                      const serve_series_t *series, size_t nseries, char *err,
                      size_t errlen)
{
    char path[4200];
    FILE *f;
    size_t i;
    int ret = fsutil_mkdirs(dir, 0755);

    if (ret < 0) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(-ret));
        return ret;
    }
    for (i = 0; i < nseries; i++) {
        if (series[i].n > 0 && (ret = write_series(dir, name, i, &series[i])) < 0) {
            snprintf(err, errlen, "cannot write the data of %s in %s: %s", name, dir,
                     strerror(-ret));
            return ret;
        }
    }
    snprintf(path, sizeof(path), "%s/%s.gp", dir, name);
    f = fopen(path, "w");
    if (f == NULL) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -errno;
    }
    script_head(f, name, title, xlabel, ylabel);
    script_plot(f, name, series, nseries);
    if (fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %s", path);
        return -EIO;
    }
    return run_gnuplot(dir, name, err, errlen);
}
