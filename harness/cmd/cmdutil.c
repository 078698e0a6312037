/*
 * cmdutil: shared command-line helpers (see cmdutil.h).
 */
#include <stdarg.h>
#include <stdio.h>

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
