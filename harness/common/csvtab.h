/*
 * csvtab: a CSV file with a header row naming its columns (libcsv), read
 * record by record. Shared by the tables whose columns are fixed: the
 * operation tables (harness/scenario/optable.c) and the assessment records
 * (plot/assess/assess.c). Lines starting with '#' outside a quoted field are
 * comments; blank records are skipped; errors say "FILE:LINE: field 'X':
 * ...", LINE being where the record starts.
 *
 * Ownership: csvtab_read owns the table and its cells; the row callback
 * borrows them, and a cell (csvtab_get) is valid only until the callback
 * returns. Thread-safety: no global state; each csvtab_read call has its
 * own table, so several threads may read files at once.
 */
#ifndef DP_CSVTAB_H
#define DP_CSVTAB_H

#include <stddef.h>

typedef struct csvtab csvtab_t;

typedef struct {
    const char *const *cols; /* the known column names */
    int ncols;
    unsigned optional; /* bit i: column i may be missing from the header */
    const char *want;  /* the header to suggest, e.g. "at,op,zone,..." */
    /* called for every record after the header; < 0 stops (after
     * csvtab_fail, or -ENOMEM) */
    int (*row)(csvtab_t *t, void *arg);
    void *arg;
} csvtab_spec_t;

int csvtab_read(const char *path, const csvtab_spec_t *spec, char *err, size_t errlen);
/* The current record's cell of column col ("" when absent or empty). */
const char *csvtab_get(const csvtab_t *t, int col);
/* The line the current record starts on. */
unsigned long csvtab_line(const csvtab_t *t);
/* Record "FILE:LINE: field 'FIELD': ..." (the first error wins); returns
 * DP_EPARSE. */
int csvtab_fail(csvtab_t *t, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
