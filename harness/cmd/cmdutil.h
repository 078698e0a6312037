/*
 * cmdutil: what the subcommands share on the command line.
 * Thread-safety: stateless; writes to stderr (commands only).
 */
#ifndef DP_CMDUTIL_H
#define DP_CMDUTIL_H

#include <signal.h>

#include "harness/serve/prom.h"

/* Print "dnsprop CMD: OPT: <message>" and where to find help, to stderr;
 * returns DP_EXIT_USAGE so that callers can `return cmd_bad(...)`. */
int cmd_bad(const char *cmd, const char *opt, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* --metrics-listen ADDR:PORT: a registry of the usual families
 * (harness/serve/prom.h) served on listen, for command cmd. 0, or
 * DP_EXIT_USAGE after saying why. */
typedef struct cmd_prom {
    prom_t *reg;
    prom_std_t std;
} cmd_prom_t;
int cmd_prom_start(cmd_prom_t *m, const char *cmd, const char *listen);
/* --metrics-linger S: keep serving S seconds more (so that the last
 * figures are scraped) unless *stop is set, then stop. */
void cmd_prom_stop(cmd_prom_t *m, double linger_s, volatile sig_atomic_t *stop);

#endif
