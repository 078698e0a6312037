/*
 * cmdutil: shared command-line helpers (see cmdutil.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "harness/cmd/cmd.h"
#include "harness/cmd/cmdutil.h"

int cmd_bad(const char *cmd, const char *opt, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "dnsprop %s: %s: ", cmd, opt);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'dnsprop %s --help')\n", cmd);
    return DP_EXIT_USAGE;
}

int cmd_prom_start(cmd_prom_t *m, const char *cmd, const char *listen)
{
    char err[300];

    memset(m, 0, sizeof(*m));
    if (listen == NULL)
        return 0;
    m->reg = prom_new();
    if (m->reg == NULL || prom_std_init(&m->std, m->reg, cmd, DNSPROP_VERSION) < 0) {
        prom_free(m->reg);
        m->reg = NULL;
        fprintf(stderr, "dnsprop %s: out of memory\n", cmd);
        return DP_EXIT_ERROR;
    }
    if (prom_listen(m->reg, listen, err, sizeof(err)) < 0) {
        prom_free(m->reg);
        m->reg = NULL;
        return cmd_bad(cmd, "--metrics-listen", "%s", err);
    }
    return 0;
}

void cmd_prom_stop(cmd_prom_t *m, double linger_s, volatile sig_atomic_t *stop)
{
    struct timespec step = {0, 100 * 1000 * 1000};

    if (m->reg == NULL)
        return;
    for (double t = 0; t < linger_s && (stop == NULL || !*stop); t += 0.1)
        nanosleep(&step, NULL);
    prom_free(m->reg);
    m->reg = NULL;
}
