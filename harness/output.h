/*
 * output: how probe results are shown, as one text line or one JSON
 * object (jansson) per result. The JSON fields are a contract for scripts:
 * id, status, nameserver, name, type, condition, start_time, observed_at,
 * duration, lower_bound, queries, answers, rcode, reason, serial, values,
 * empty. Not thread-safe: call from one thread.
 */
#ifndef DP_OUTPUT_H
#define DP_OUTPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "probes/pool.h"

/* A new JSON object for r (caller json_decref()s it), NULL on ENOMEM. */
json_t *output_result_json(const probe_result_t *r);
/* Print r as one line of text or JSON (compact) followed by a newline. */
int output_result_print(FILE *f, const probe_result_t *r, bool json);

#endif
