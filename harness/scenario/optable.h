/*
 * optable: an explicit table of operations ([operations] file = ...), CSV
 * through libcsv with a header row naming the columns:
 *
 *   at,op,zone,name,type,ttl,value
 *
 * at: seconds from the campaign's start; op: zone_create zone_update
 * zone_delete record_create record_update record_delete; name: absolute,
 * or relative to zone; value: zone-file form ("10 mail.example.",
 * "\"quoted txt\"", or a raw TXT string). Errors name FILE:LINE and the
 * field; nothing is returned then. Rows come back sorted by `at` (stable).
 */
#ifndef DP_OPTABLE_H
#define DP_OPTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "harness/targets/target.h"

typedef struct {
    double at;
    op_kind_t kind;
    char *zone;    /* canonical */
    char *name;    /* canonical; the zone for zone operations */
    uint16_t type; /* 0 for zone operations */
    uint32_t ttl;
    char *value; /* canonical, NULL for deletes and zone operations */
    unsigned long line;
} optable_row_t;

int optable_load(const char *path, optable_row_t **rows, size_t *n, char *err,
                 size_t errlen);
void optable_free(optable_row_t *rows, size_t n);

#endif
