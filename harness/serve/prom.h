/*
 * prom: live figures for Prometheus, served as GET /metrics in the text
 * exposition format 0.0.4 (counters, gauges, histograms with labels).
 *
 * A registry holds families (a metric name, its help, its type and its
 * label names) and, in each, series by label values. Recording (prom_add,
 * prom_set, prom_observe) takes one mutex for a hash lookup and an add:
 * cheap enough for every poll result. A family holds at most
 * PROM_MAX_SERIES series: values under new label values beyond it are
 * counted in dnsprop_metrics_series_dropped_total, so a label that turns
 * out unbounded (a reason with a server's text in it) costs bounded
 * memory, never a crash or a scrape of megabytes.
 *
 * Names follow Prometheus' conventions (snake_case, base units: seconds,
 * bytes; counters end in _total); label values are escaped as the format
 * requires (backslash, double quote, newline), help text too (backslash,
 * newline). A histogram's buckets are cumulative, with le="+Inf", _sum
 * and _count.
 *
 * prom_listen serves the registry over HTTP (libmicrohttpd, one thread of
 * its own); GET /metrics answers the text, anything else 404 or 405.
 *
 * Ownership: the registry owns its families, series and strings (names and
 * label values are copied); prom_free stops the listener first. Calls on
 * a NULL registry or family are no-ops, so that callers without
 * --metrics-listen need no conditionals. Thread-safety: every call from
 * any thread, except prom_free, the last.
 */
#ifndef DP_PROM_H
#define DP_PROM_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/common/buf.h"

#define PROM_MAX_LABELS 5
#define PROM_MAX_SERIES 10000

typedef enum { PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM } prom_type_t;

typedef struct prom prom_t;
typedef struct prom_family prom_family_t;

/* The buckets of propagation times (seconds): 5 ms to 1 h, about three per
 * decade and finer between 1 s and 10 s, where a healthy platform's
 * propagation falls, so that histogram_quantile's interpolation stays
 * within a bucket's width of the exact figure. */
extern const double prom_propagation_buckets[];
extern const size_t prom_npropagation_buckets;

prom_t *prom_new(void);
void prom_free(prom_t *p);

/* A family, registered once (again: the same family; NULL on no memory or
 * a bad name). labels: NULL-terminated label names, at most
 * PROM_MAX_LABELS. buckets: a histogram's upper bounds, increasing (the
 * +Inf bucket is implied); NULL for the others. */
prom_family_t *prom_family(prom_t *p, const char *name, const char *help,
                           prom_type_t type, const char *const *labels,
                           const double *buckets, size_t nbuckets);

/* A counter's series plus v (v >= 0), a gauge's set to v, a histogram's
 * observation of v. values: one per label name, in order (NULL for a family
 * without labels; a NULL value is ""). */
void prom_add(prom_family_t *f, const char *const *values, double v);
void prom_set(prom_family_t *f, const char *const *values, double v);
void prom_observe(prom_family_t *f, const char *const *values, double v);

/* The exposition text of every family (b->oom on no memory). */
void prom_write(prom_t *p, buf_t *b);

/* Serve GET /metrics on listen ("ADDR:PORT", "[::1]:PORT"). 0, or a
 * negative error code with a message in err. */
int prom_listen(prom_t *p, const char *listen, char *err, size_t errlen);
/* The port it listens on (for listen's port 0), 0 when not listening. */
unsigned prom_port(const prom_t *p);

/* ---- the families every command exports ------------------------------------------ */

typedef struct {
    prom_t *reg;
    prom_family_t *propagation; /* histogram {nameserver, kind, vantage} */
    prom_family_t *polls;       /* counter {nameserver, outcome, reason} */
    prom_family_t *stages;      /* histogram {stage, kind} */
    prom_family_t *queries;     /* counter: probe queries sent */
    prom_family_t *pending;     /* gauge: polls in flight */
    prom_family_t *ops; /* counter {kind, result}: offered, acknowledged, failed */
    prom_family_t *last_canary;   /* gauge {nameserver, zone}: the last canary's time */
    prom_family_t *canary_missed; /* counter {zone}: canaries not made (one pending) */
    prom_family_t *serial;        /* gauge {nameserver, zone}: the last serial seen */
    prom_family_t *clock_sync, *clock_offset, *clock_maxerror;
    prom_family_t *rss; /* process_resident_memory_bytes */
} prom_std_t;

/* Registers the families in reg, and dnsprop_build_info{version, command}
 * 1 and process_start_time_seconds. 0 or -ENOMEM. */
int prom_std_init(prom_std_t *m, prom_t *reg, const char *command, const char *version);
/* A reason's class for the reason label: numbers as N, nothing from the
 * first '(' on ("unreachable: no answer to N queries"). */
void prom_reason_class(const char *reason, char *out, size_t size);
/* A finished poll: its outcome ("COMPLETED", "TIMEOUT", "ERROR"...) and
 * its reason's class, and for a completed one its propagation time. */
void prom_std_poll(prom_std_t *m, const char *ns, const char *kind, const char *vantage,
                   const char *outcome, const char *reason, double duration);
/* The clock's state (harness/common/clock.h): synchronised, offset (the
 * SNTP one when a server was asked, else the kernel's), max error. */
void prom_std_clock(prom_std_t *m, bool synchronised, double offset_s, double maxerror_s);
/* A change's stage (api, primary, secondaries, transfer, all: the
 * report's stages) took v seconds. */
void prom_std_stage(prom_std_t *m, const char *stage, const char *kind, double v);
/* The process's resident memory now (/proc/self/statm). */
void prom_std_rss(prom_std_t *m);

#endif
