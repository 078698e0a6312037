/*
 * labenv: what integration tests need from the running lab
 * (tests/lab/lab.sh): its addresses from the environment, the PowerDNS
 * HTTP API through curl, and a helper that runs poll requests on a pool
 * and collects their results.
 */
#ifndef DP_LABENV_H
#define DP_LABENV_H

#include <stdbool.h>
#include <stddef.h>

#include "probes/pool.h"

/* The value of a LAB_* variable; aborts the test when it is missing. */
const char *lab_get(const char *var);
/* Call the PowerDNS API: METHOD path-under-server-url [JSON body].
 * Returns the HTTP status, or -1 when curl could not run. */
int lab_api(const char *method, const char *path, const char *body);
/* Create / delete a zone with kind Master in the lab's catalog, as the
 * driver would, via tests/lab/lab.sh. Returns 0 on success. */
int lab_zone_create(const char *zone);
int lab_zone_delete(const char *zone);
/* Replace the RRset (name, type) with the given zone-file contents;
 * n == 0 deletes it. Returns the HTTP status. */
int lab_rrset(const char *zone, const char *name, const char *type,
              const char *const *contents, size_t n);

/* Run the requests on a fresh pool and wait for every result (results[i]
 * belongs to reqs[i]). Returns 0 when all came back. */
int lab_run(probe_req_t *reqs, size_t n, probe_result_t *results, double max_wait_s);

/* A finished request for tests: ns text, name, condition, timeouts. */
void lab_req(probe_req_t *req, const char *ns, const char *name, bool is_zone,
             cond_kind_t cond, double frequency, double timeout);

#endif
