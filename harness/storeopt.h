/*
 * storeopt: the command-line options every subcommand that touches the
 * results store shares (--redis, --redis-password-file, --results), and
 * opening the store from them.
 */
#ifndef DP_STOREOPT_H
#define DP_STOREOPT_H

#include <stdbool.h>

#include "storage/store.h"

typedef struct {
    const char *redis; /* NULL: embedded under <results>/.redis */
    const char *password_file;
    const char *results; /* default "results" */
} storeopt_t;

#define STOREOPT_HELP                                                                    \
    "  --redis URL          results store: redis://[:password@]host[:port][/db] or\n"    \
    "                       unix:///path.sock[?db=N]; default: a private redis-server\n" \
    "                       under RESULTS/.redis, started and stopped as needed\n"       \
    "  --redis-password-file FILE   password (else REDISCLI_AUTH, else the URL)\n"       \
    "  --results DIR        results folder (default: results)\n"

void storeopt_init(storeopt_t *o);
/* Open the store; on failure print what and where to stderr. */
int storeopt_open(const storeopt_t *o, const char *prog, store_t **out);

#endif
