/*
 * log: levelled logging to stderr (see log.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include "harness/common/log.h"

static enum dp_log_level g_level = DP_LOG_WARN;

void log_set_level(enum dp_log_level level)
{
    g_level = level;
}

enum dp_log_level log_get_level(void)
{
    return g_level;
}

void log_msg(enum dp_log_level level, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    char buf[1024];
    va_list ap;

    if (level > g_level)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    fprintf(stderr, "dnsprop: %s: %s\n", names[level], buf);
}
