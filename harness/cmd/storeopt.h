/*
 * storeopt: the command-line options every subcommand that touches the
 * results store shares (--redis, --redis-password-file, --results), and
 * opening the store from them.
 *
 * Ownership: a storeopt_t points into argv (it copies nothing); the store
 * storeopt_open gives is the caller's (store_close). Thread-safety: for
 * the command's main thread, which parses its options.
 */
#ifndef DP_STOREOPT_H
#define DP_STOREOPT_H

#include <getopt.h>
#include <stdbool.h>

#include "storage/store.h"

typedef struct {
    const char *redis; /* NULL: embedded under <results>/.redis */
    const char *password_file;
    const char *results; /* default "results" */
    double retention;    /* store_opts_t's: 0 keeps forever (commands that write) */
} storeopt_t;

#define STOREOPT_HELP                                                                    \
    "  --redis URL          results store: redis://[:password@]host[:port][/db] or\n"    \
    "                       unix:///path.sock[?db=N]; default: a private redis-server\n" \
    "                       under RESULTS/.redis, started and stopped as needed\n"       \
    "  --redis-password-file FILE   password (else REDISCLI_AUTH, else the URL)\n"       \
    "  --results DIR        results folder (default: results)\n"

/* getopt_long codes of the options, above any command's own (those start
 * at 256 and stay far below). */
enum {
    STOREOPT_REDIS = 0x5300,
    STOREOPT_PWFILE,
    STOREOPT_RESULTS,
};

/* Entries for a command's struct option table, in this order:
 * STOREOPT_LONGOPTS_REDIS for a command that only talks to a given Redis
 * (no results folder), STOREOPT_LONGOPTS for all three. (clang-format
 * would lay these brace lists out as blocks.) */
/* clang-format off */
#define STOREOPT_LONGOPTS_REDIS                                          \
    {"redis", required_argument, NULL, STOREOPT_REDIS},                  \
    {"redis-password-file", required_argument, NULL, STOREOPT_PWFILE}
#define STOREOPT_LONGOPTS                                                \
    STOREOPT_LONGOPTS_REDIS,                                             \
    {"results", required_argument, NULL, STOREOPT_RESULTS}
/* clang-format on */

void storeopt_init(storeopt_t *o);
/* Take option c (from getopt_long, arg its optarg) when it is one of the
 * above: 1 when it was, 0 when c is for the caller. */
int storeopt_getopt(storeopt_t *o, int c, const char *arg);
/* Open the store; on failure print what and where to stderr. */
int storeopt_open(const storeopt_t *o, const char *prog, store_t **out);

#endif
