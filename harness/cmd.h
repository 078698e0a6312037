/*
 * cmd: the dnsprop subcommands. Each takes argc/argv after the subcommand
 * name (argv[0] is the subcommand) and returns the process exit status.
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

int cmd_probe(int argc, char **argv);
int cmd_campaigns(int argc, char **argv);
int cmd_export(int argc, char **argv);
/* 0 fine, 1 the offset exceeds --max-offset-ms, 2 the SNTP exchange or
 * ntp_adjtime() failed, 64 usage error. */
int cmd_clock(int argc, char **argv);
/* 0 the SLOs hold, 1 they do not, 2 error, 130 interrupted. */
int cmd_run(int argc, char **argv);
/* 0 converged, 1 not, 2 error, 64 usage. */
int cmd_assess(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
