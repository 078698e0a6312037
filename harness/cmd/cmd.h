/*
 * cmd: the dnsprop subcommands. Each takes argc/argv after the subcommand
 * name (argv[0] is the subcommand) and returns the process exit status.
 * Only this folder turns the library's error codes into exit statuses and
 * prints to stderr directly.
 *
 * Ownership: argv belongs to main; a command owns whatever it opens (the
 * store, pools, handles) and closes it before returning. Thread-safety:
 * main calls one command per process, on the main thread; the commands
 * that run until interrupted install their own SIGINT/SIGTERM handlers.
 */
#ifndef DP_CMD_H
#define DP_CMD_H

/* Exit statuses shared by the subcommands (sysexits.h for usage). */
#define DP_EXIT_OK      0
#define DP_EXIT_TIMEOUT 1
#define DP_EXIT_ERROR   2
#define DP_EXIT_USAGE   64
#define DP_EXIT_SIGNAL  130

#define DNSPROP_VERSION "0.1.0"

#include "plot/report.h"
#include "storage/store.h"

int cmd_probe(int argc, char **argv);
int cmd_campaigns(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_compare(int argc, char **argv);
/* 0 fine, 1 the offset exceeds --max-offset-ms, 2 the SNTP exchange or
 * ntp_adjtime() failed, 64 usage error. */
int cmd_clock(int argc, char **argv);
/* 0 the SLOs hold, 1 they do not, 2 error, 130 interrupted. */
int cmd_run(int argc, char **argv);
/* 0 the SLOs hold or stopped by a signal, 1 they do not, 2 error, 64 usage. */
int cmd_monitor(int argc, char **argv);
/* 0 converged, 1 not, 2 error, 64 usage. */
int cmd_assess(int argc, char **argv);
/* 0 stopped by a signal, 2 error, 64 usage. */
int cmd_agent(int argc, char **argv);
/* 0 written and the SLOs hold, 1 they do not, 2 error, 64 usage. */
int cmd_report(int argc, char **argv);
/* Runs until SIGINT/SIGTERM: 0 stopped cleanly, 2 cannot start, 64 usage. */
int cmd_serve(int argc, char **argv);

/* Replay RESULTS/<campaign>/spool.jsonl (what a campaign spooled while
 * Redis was away, and never replayed) into the store: 0 done or nothing
 * there, < 0 with the reason printed after prog. */
int cmd_replay_spool(store_t *s, const char *results, const char *campaign,
                     const char *prog);
/* Read campaign back from the store and write its plots and reports under
 * dir (opts: width 0 takes the campaign's [report] settings); *doc (may be
 * NULL) gets report.json's document, *nresults the results read. */
/* Every result of campaign into ds (ds_init'ed), and its metadata into
 * *meta (the caller's) set as ds's campaign; a stored value that is not a
 * result is skipped. 0, or a negative code with err set. */
int cmd_read_dataset(store_t *s, const char *campaign, dataset_t *ds, json_t **meta,
                     char *err, size_t errlen);
int cmd_report_from_store(store_t *s, const char *campaign, const char *dir,
                          const report_opts_t *opts, json_t **doc, size_t *nresults,
                          char *err, size_t errlen);

#endif
