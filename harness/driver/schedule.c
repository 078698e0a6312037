/*
 * schedule: open-loop pacing on the monotonic clock (see schedule.h).
 */
#include <errno.h>
#include <time.h>

#include "harness/common/timebase.h"
#include "harness/driver/schedule.h"

double sched_now(void)
{
    return (double)timebase_mono_ns() / 1e9;
}

void sched_sleep_until(double t)
{
    struct timespec ts;
    double whole;

    if (t <= sched_now())
        return;
    whole = (double)(int64_t)t;
    ts.tv_sec = (time_t)whole;
    ts.tv_nsec = (long)((t - whole) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    /* One absolute sleep: EINTR (a signal) returns early, as usleep did. */
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

double sched_phase_rate(const scen_phase_t *ph, double frac)
{
    return ph->rate_from + (ph->rate_to - ph->rate_from) * (frac < 1 ? frac : 1);
}

void sched_start(sched_t *s)
{
    s->t0 = sched_now();
    s->due = s->t0;
    s->n = 0;
    s->last_progress = 0;
    s->lost = 0;
}

double sched_wait(sched_t *s)
{
    double lag = sched_now() - s->due;

    if (lag <= SCHED_LATE_S) {
        sched_sleep_until(s->due);
        return 0;
    }
    /* Behind by more than a second: the time is lost, not owed. Moving t0
     * as well keeps a ramp's and a duration's fractions where they were. */
    s->due += lag;
    s->t0 += lag;
    s->lost += lag;
    return lag;
}

bool sched_over(const sched_t *s, const scen_phase_t *ph)
{
    return (ph->duration > 0 && s->due - s->t0 >= ph->duration) ||
           (ph->count > 0 && s->n >= ph->count);
}

double sched_frac(const sched_t *s, const scen_phase_t *ph)
{
    return ph->duration > 0 ? (s->due - s->t0) / ph->duration
                            : (double)s->n / (double)ph->count;
}

void sched_next(sched_t *s, double rate)
{
    s->n++;
    s->due += 1.0 / rate;
}

bool sched_progress_due(sched_t *s)
{
    double now = sched_now();

    if (now - s->last_progress < 1.0)
        return false;
    s->last_progress = now;
    return true;
}
