/*
 * schedule: the open-loop pacing of a phase. The n-th operation is due at
 * a time fixed by the rate (each one 1/rate after the one before it was
 * due), whatever happened to the earlier ones, so a slow target shows as
 * an achieved rate below the offered one instead of slowing the offer.
 *
 * Every instant here is on the monotonic clock (seconds, sched_now): a
 * step of the wall clock (NTP) during a campaign cannot change the
 * offered rate. Realtime is kept for the timestamps that are stored
 * (submit and acknowledgement times, the polls' start_time).
 *
 * Thread-safety: a sched_t belongs to the thread that runs its phase; the
 * functions without one are pure or read only the clock.
 */
#ifndef DP_DRIVER_SCHEDULE_H
#define DP_DRIVER_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#include "harness/scenario/scenario.h"

typedef struct {
    double t0;            /* monotonic s: the phase's start */
    double due;           /* monotonic s: the next operation's */
    uint64_t n;           /* operations scheduled so far */
    double last_progress; /* monotonic s of the last progress line */
} sched_t;

/* Seconds on the monotonic clock. */
double sched_now(void);
/* Sleep until monotonic instant t (at once if it is past; a signal cuts
 * the sleep short, and the caller then sees its stop flag). */
void sched_sleep_until(double t);

/* The phase's scheduled rate at fraction frac of it: rate_from, or along
 * the ramp rate_from..rate_to, held at rate_to past the end. */
double sched_phase_rate(const scen_phase_t *ph, double frac);

/* Start a phase's schedule now. */
void sched_start(sched_t *s);
/* The phase is over: its duration has passed (by due time) or its count
 * is reached. */
bool sched_over(const sched_t *s, const scen_phase_t *ph);
/* How far into the phase the next operation is, 0..1 (by time or count). */
double sched_frac(const sched_t *s, const scen_phase_t *ph);
/* The next operation is due 1/rate after this one was. */
void sched_next(sched_t *s, double rate);
/* A progress line is due (one a second); notes the time if so. */
bool sched_progress_due(sched_t *s);

#endif
