/*
 * timebase: the two clocks dnsprop uses.
 *
 * Scheduling, timeouts and durations use CLOCK_MONOTONIC, so a step of
 * the wall clock during a campaign cannot corrupt them. Stored timestamps
 * (start_time, observed_at) are wall-clock (CLOCK_REALTIME, NTP
 * disciplined); a realtime instant is mapped to the monotonic clock once,
 * when a request is submitted, and back once per result.
 *
 * Thread-safety: no state (each call reads the clocks afresh); any thread
 * may call any function.
 */
#ifndef DP_TIMEBASE_H
#define DP_TIMEBASE_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* Nanoseconds on the monotonic clock. */
int64_t timebase_mono_ns(void);
/* Nanoseconds since the epoch on the realtime clock. */
int64_t timebase_real_ns(void);
/* Seconds since the epoch on the realtime clock, as a double. */
double timebase_real_s(void);
/* Map a realtime instant (epoch seconds) to the monotonic clock, using a
 * fresh reading of both clocks. Instants more than TIMEBASE_MAX_SPAN_S
 * from now (and NaN) are clamped to that span: no overflow, whatever the
 * input. */
#define TIMEBASE_MAX_SPAN_S 1e9
int64_t timebase_real_to_mono(double epoch_s);
/* Map a monotonic instant to epoch seconds. */
double timebase_mono_to_real(int64_t mono_ns);
/* Epoch seconds read from a file or Redis as a time_t for gmtime_r:
 * clamped to [0, 9999-12-31] and NaN to 0, since converting a double
 * outside time_t's range is undefined (C11 6.3.1.4). */
time_t timebase_epoch_time(double epoch_s);

/* pthread_cond_timedwait for at most ms milliseconds (the condition's
 * clock is the default, realtime one); returns its result. */
int timebase_cond_wait_ms(pthread_cond_t *cond, pthread_mutex_t *mu, int ms);
/* A condition variable on the monotonic clock (pthread_cond_init's
 * result), and a wait of at most ms milliseconds on it: a step of the
 * wall clock neither stretches nor cuts the wait. */
int timebase_cond_init_mono(pthread_cond_t *cond);
int timebase_cond_wait_mono_ms(pthread_cond_t *cond, pthread_mutex_t *mu, int ms);

#define TB_NS_PER_S  INT64_C(1000000000)
#define TB_NS_PER_MS INT64_C(1000000)

#endif
