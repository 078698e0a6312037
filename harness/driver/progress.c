/*
 * progress: what the user is told while a campaign runs. Every message
 * goes to the caller's opts->say (the command decides where and how it is
 * shown); without one, errors go to the log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/log.h"
#include "harness/driver/drv_int.h"
#include "harness/driver/schedule.h"

void drv_say(drv_t *d, driver_msg_t kind, const char *fmt, ...)
{
    char *text = NULL;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&text, fmt, ap); /* plans and summaries have no size limit */
    va_end(ap);
    if (n < 0) {
        log_err("out of memory: a message is lost");
        return;
    }
    if (d->opts->say != NULL)
        d->opts->say(d->opts->say_arg, kind, text);
    else if (kind == DRIVER_MSG_ERROR)
        log_err("%s", text);
    free(text);
}

void drv_progress(drv_t *d, const char *phase)
{
    /* One line a second; the query rate is over the last interval. */
    bool done = strcmp(phase, "done") == 0;
    probe_stats_t ps;
    double now = sched_now();
    double qps;
    uint64_t pending;
    char stall[128] = "";

    if (d->opts->quiet)
        return;
    probe_pool_stats(d->pool, &ps);
    qps = d->prog_t > 0 && now > d->prog_t
              ? (double)(ps.queries - d->prog_queries) / (now - d->prog_t)
              : 0;
    d->prog_queries = ps.queries;
    d->prog_t = now;
    pthread_mutex_lock(&d->mu);
    pending = d->polls_submitted - polls_count(d, ACCT_DONE);
    /* A target that takes nothing must not freeze the line: it says so,
     * and how many operations went out late (schedule.h). */
    if (d->stall_since != 0)
        snprintf(stall, sizeof(stall),
                 " | STALLED %.0f s: the target takes no operation; %zu waiting, %llu "
                 "sent late",
                 now - d->stall_since, d->qlen, (unsigned long long)d->late_ops);
    else if (d->late_ops > 0)
        snprintf(stall, sizeof(stall), " | %llu late", (unsigned long long)d->late_ops);
    drv_say(
        d, done ? DRIVER_MSG_PROGRESS_END : DRIVER_MSG_PROGRESS,
        "[%7.1fs] %-8s ops %zu offered, %llu acked, %llu failed | polls %llu pending, "
        "%llu completed, %llu timed out | %.0f q/s%s",
        now - d->start_mono, phase, d->m.nops, (unsigned long long)d->acked,
        (unsigned long long)d->failed, (unsigned long long)pending,
        (unsigned long long)polls_count(d, ACCT_COMPLETED),
        (unsigned long long)polls_count(d, ACCT_TIMEOUTS), qps, stall);
    pthread_mutex_unlock(&d->mu);
}
