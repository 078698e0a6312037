/*
 * cmdutil: what the subcommands share on the command line.
 * Thread-safety: stateless; writes to stderr (commands only).
 */
#ifndef DP_CMDUTIL_H
#define DP_CMDUTIL_H

/* Print "dnsprop CMD: OPT: <message>" and where to find help, to stderr;
 * returns DP_EXIT_USAGE so that callers can `return cmd_bad(...)`. */
int cmd_bad(const char *cmd, const char *opt, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
