/*
 * schedule: the open-loop pacing of a phase. The n-th operation is due at
 * a time fixed by the rate (each one 1/rate after the one before it was
 * due), whatever happened to the earlier ones, so a slow target shows as
 * an achieved rate below the offered one instead of slowing the offer.
 *
 * When the target holds the schedule back (a full API queue: a target
 * that hangs or cannot keep up), the operations due meanwhile cannot be
 * sent on time. They are not fired in one burst when it answers again:
 * sched_wait moves the rest of the schedule by the time lost (the phase
 * goes on at its rate from then), and the workers record each operation's
 * lateness (sent - due) and the stalls, which the summary and the report
 * show (schedule: late_ops, stalls, ...; the offered rate is measured on
 * the sent times, not the due ones).
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
    double lost;          /* s the schedule was moved by (sched_wait) */
} sched_t;

/* How late an operation may be sent before it counts as late, and before
 * the schedule is moved (s): a second, far above any sleep's jitter. */
#define SCHED_LATE_S 1.0

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
/* Sleep until the next operation is due; when it is over SCHED_LATE_S
 * past, move the schedule (t0 and due) by the lag instead, so that a
 * backlog is not fired in a burst. Returns the seconds moved (0 on time). */
double sched_wait(sched_t *s);
/* The next operation is due 1/rate after this one was. */
void sched_next(sched_t *s, double rate);
/* A progress line is due (one a second); notes the time if so. */
bool sched_progress_due(sched_t *s);

#endif
