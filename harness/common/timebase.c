/*
 * timebase: monotonic and realtime clocks (see timebase.h).
 */
#include <time.h>

#include "harness/common/timebase.h"

static int64_t read_clock(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * TB_NS_PER_S + ts.tv_nsec;
}

int64_t timebase_mono_ns(void)
{
    return read_clock(CLOCK_MONOTONIC);
}

int64_t timebase_real_ns(void)
{
    return read_clock(CLOCK_REALTIME);
}

double timebase_real_s(void)
{
    return (double)timebase_real_ns() / 1e9;
}

int64_t timebase_real_to_mono(double epoch_s)
{
    int64_t mono = timebase_mono_ns();
    /* The offset from now, in seconds first: epoch_s * 1e9 overflows
     * int64 past the year 2262 (and is undefined for NaN), so any double
     * becomes an instant at most TIMEBASE_MAX_SPAN_S away. */
    double d = epoch_s - (double)timebase_real_ns() / 1e9;

    if (!(d >= -TIMEBASE_MAX_SPAN_S))
        d = -TIMEBASE_MAX_SPAN_S;
    else if (d > TIMEBASE_MAX_SPAN_S)
        d = TIMEBASE_MAX_SPAN_S;
    return mono + (int64_t)(d * 1e9);
}

double timebase_mono_to_real(int64_t mono_ns)
{
    int64_t mono = timebase_mono_ns();
    int64_t real = timebase_real_ns();

    return (double)(real - (mono - mono_ns)) / 1e9;
}

time_t timebase_epoch_time(double epoch_s)
{
    const double last = 253402300799.0; /* 9999-12-31T23:59:59Z */

    return epoch_s > 0 ? (time_t)(epoch_s < last ? epoch_s : last) : 0;
}

static int cond_wait_on(clockid_t id, pthread_cond_t *cond, pthread_mutex_t *mu, int ms)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return pthread_cond_timedwait(cond, mu, &ts);
}

int timebase_cond_wait_ms(pthread_cond_t *cond, pthread_mutex_t *mu, int ms)
{
    return cond_wait_on(CLOCK_REALTIME, cond, mu, ms);
}

int timebase_cond_init_mono(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    int ret;

    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    ret = pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
    return ret;
}

int timebase_cond_wait_mono_ms(pthread_cond_t *cond, pthread_mutex_t *mu, int ms)
{
    return cond_wait_on(CLOCK_MONOTONIC, cond, mu, ms);
}
