/*
 * assess_live: the records of plot/assess/assess.h gathered from live nameservers,
 * for `dnsprop assess --scenario` and `--axfr` and for the driver's
 * assessment at the end of a campaign.
 *
 *   assess_intended_*    the campaign's intended state (intended.json, the
 *                        driver's): where it is, reading it, its records
 *   assess_live_collect  the intended state as the source "" (none), and
 *                        what every nameserver of a scenario answers now
 *                        for each expected (name, type) and zone SOA
 *   assess_axfr_collect  one zone transferred whole from each server
 *
 * Live queries (RFC 1034 4.3.2 answers) are non-recursive (RD=0) over UDP
 * with EDNS and fall back to TCP when truncated, one resolver per
 * nameserver, nameservers in parallel (one thread each, merged after):
 * the queries and transfers are probes/survey.h's (probes/dnsq.h below
 * it), this module gives them their meaning.
 * NOERROR with the RRset in the answer section: present records (canonical
 * rdata, probes/rdata.h; the answer's TTL). NXDOMAIN or NODATA: nothing.
 * REFUSED, NOTAUTH, SERVFAIL, no answer: nothing either (the source does
 * not serve it), and an error for the source. After a query gets no answer
 * at all (timeouts, retries spent), the source's remaining queries are not
 * sent: a dead server would otherwise cost the timeout once per record.
 *
 * Errors of sources go to an optional JSON object, {source: [text, ...]},
 * one text per kind of failure ("REFUSED: 3 queries (first a.z.example.
 * TXT)"); they do not make a collect fail. A collect fails (negative code,
 * err says what and what to do) only when it cannot work at all: a bad
 * intended state, bad arguments, out of memory, no thread.
 *
 * Every collect appends to *set: it must be initialised (all zero, or
 * filled by an earlier collect); the caller frees it with assess_set_free,
 * also after an error. A source answering nothing for a query gets an
 * ABSENT record (rdata ASSESS_ANY_RDATA): inert in assess_run, it marks the
 * source as seen, so that a master serving nothing is assessed rather than
 * refused. Thread-safe on distinct sets; the scenario and intended state
 * are only read.
 */
#ifndef DP_ASSESS_LIVE_H
#define DP_ASSESS_LIVE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/scenario/scenario.h"
#include "plot/assess/assess.h"

/* The rdata of a zone's SOA in live mode and of the ABSENT markers. Live
 * mode compares a zone's presence only: an SOA's contents (its serial
 * above all) differ between a primary and a secondary that has not
 * refreshed yet while the records are all there, and whether serials
 * caught up is what the serial polls measure; --axfr compares real SOAs. */
#define ASSESS_ANY_RDATA "(any)"

/* Per nameserver: seconds to wait for one answer, and retries after a
 * timeout. */
#define ASSESS_QUERY_TIMEOUT_S 1
#define ASSESS_QUERY_RETRIES   2

/* The targets the intended state's changes went to (its "targets", one
 * bit per [target] of sc; the first alone when it names none). */
uint64_t assess_intended_tmask(const scenario_t *sc, const json_t *intended);
/* With several targets: res (assess_run's, with "errors") gains
 * "providers": {target: {"converged", "sources": [nameserver...]}}. */
void assess_live_providers(const scenario_t *sc, const json_t *intended, json_t *res);

/* The path of the newest campaign's intended state under results:
 * results/<id>/intended.json for the subdirectory <id> named
 * "<name>-YYYYMMDDTHHMMSSZ" or "<name>-YYYYMMDDTHHMMSSZ-N" (campaign ids,
 * storage/store.c) that has one, newest by time then N; or, with campaign
 * (may be NULL) set, that campaign's. Returns 0, -ENOENT (err: "no
 * campaign of scenario X under DIR: run `dnsprop run FILE` first or give
 * --intended"), -ENAMETOOLONG or -errno of opendir. */
int assess_intended_find(const char *results, const char *name, const char *campaign,
                         char *path, size_t pathlen, char *err, size_t errlen);

/* Read and check an intended state file (the format of intended_state in
 * harness/driver/driver.c):
 *   {"zones":[{"zone":"z.example.","presence":"PRESENT"|"ABSENT"}, ...],
 *    "records":[{"name":"a.z.example.","zone":"z.example.","type":"TXT",
 *                "presence":"PRESENT"|"ABSENT","values":["\"text\""]}, ...]}
 * values: required when PRESENT, one or more (each a record of the RRset),
 * ignored when ABSENT; zone and ttl optional, other keys ignored. Returns
 * 0 (*out a new reference), -errno (cannot read), DP_EPARSE (err:
 * "PATH: records[3]: type 'XX': ..."). */
int assess_intended_load(const char *path, json_t **out, char *err, size_t errlen);

/* The intended state as records of source: each zone its SOA (rdata
 * ASSESS_ANY_RDATA), each record one per value, PRESENT or ABSENT as
 * stated (an ABSENT record with rdata ASSESS_ANY_RDATA), TTL the record's
 * "ttl" or 0 (unknown); names and values canonical, duplicates dropped.
 * Pure. Returns 0, DP_EPARSE (err: "records[3]: ...") or -ENOMEM. */
int assess_intended_records(const json_t *intended, const char *source, assess_set_t *set,
                            char *err, size_t errlen);

/* The master source "" (none): the intended state; plus, for every
 * nameserver of sc serving the target (the first target, the one the
 * driver sends every change to), source = the nameserver's name, what it
 * answers now for every expected (name, type) and each zone's SOA. */
int assess_live_collect(const scenario_t *sc, const json_t *intended, assess_set_t *set,
                        char *err, size_t errlen);
/* The same, and each source's errors into errors (may be NULL). REFUSED
 * and NOTAUTH for a name of a zone the intended state says is ABSENT are
 * the right answers, not errors. */
int assess_live_collect_errors(const scenario_t *sc, const json_t *intended,
                               assess_set_t *set, json_t *errors, char *err,
                               size_t errlen);

/* Each source's whole zone by AXFR (RFC 5936), every record (SOA, apex
 * NS, every type) with its real rdata: canonical text for the types
 * probes/rdata.h compares, ldns's text of the canonical form (RFC 4034
 * 6.2) for the others; source = the ns argument as given (ADDR[:PORT]).
 * tsig (may be NULL): "ALG:NAME:SECRET" (probes/tsig.h) signs every
 * request. A source that refuses the transfer or does not answer has no
 * records (everything missing) and an error. DP_EBADADDR / DP_EBADNAME /
 * DP_EPARSE for a bad server, zone or key, before anything is sent. */
int assess_axfr_collect(const char *zone, const char *const *ns, size_t nns,
                        const char *tsig, assess_set_t *set, char *err, size_t errlen);
/* The same, and each source's errors into errors (may be NULL). */
int assess_axfr_collect_errors(const char *zone, const char *const *ns, size_t nns,
                               const char *tsig, assess_set_t *set, json_t *errors,
                               char *err, size_t errlen);

#endif
