/*
 * csvtab: a CSV file with a header row naming its columns (libcsv), read
 * record by record. Shared by the tables of the project: the operation
 * tables (harness/scenario/optable.c), the assessment records
 * (plot/assess/assess.c) and the poll requests (probes/request.c). Lines
 * starting with '#' outside a quoted field are comments; blank records are
 * skipped; errors say "FILE:LINE: field 'X': ...", LINE being where the
 * record starts. Records may have any number of fields; columns may repeat
 * (each cell is there by position).
 *
 * Ownership: csvtab_read owns the table and its cells; the row callback
 * borrows them, and a cell (csvtab_get, csvtab_field) is valid only until
 * the callback returns. Thread-safety: no global state; each csvtab_read
 * call has its own table, so several threads may read files at once.
 */
#ifndef DP_CSVTAB_H
#define DP_CSVTAB_H

#include <stdbool.h>
#include <stddef.h>

typedef struct csvtab csvtab_t;

/* How the reader words its own errors, for a table whose messages predate
 * csvtab (the poll requests, probes/request.c). */
typedef struct {
    const char *syntax_field; /* field named by a libcsv error; NULL: none */
    const char *unterminated; /* the error for a quoted field open at the end */
    const char *empty;        /* the message after "FILE: " when there is no header */
    bool blank_header;        /* the first record is the header even when blank */
} csvtab_style_t;

typedef struct {
    const char *const *cols; /* the known column names */
    int ncols;
    unsigned optional; /* bit i: column i may be missing from the header */
    const char *want;  /* the header to suggest, e.g. "at,op,zone,..." */
    /* called for every record after the header; < 0 stops (after
     * csvtab_fail, or -ENOMEM) */
    int (*row)(csvtab_t *t, void *arg);
    void *arg;
    /* optional: called once the header is read and checked, the header
     * being the current record; < 0 stops, as row */
    int (*head)(csvtab_t *t, void *arg);
    const csvtab_style_t *style; /* optional: NULL, csvtab's own wording */
    size_t max;                  /* bytes at most; 0: CSVTAB_MAX_BYTES */
} csvtab_spec_t;

/* The largest table csvtab_read reads (a regular file; see fsutil.h). */
#define CSVTAB_MAX_BYTES ((size_t)64 << 20)
/* What csvtab_read holds of a table at once (it grows only for a longer
 * line): it reads a chunk at a time. */
#define CSVTAB_CHUNK ((size_t)1 << 20)

/* Read the table at path: a regular file of at most CSVTAB_MAX_BYTES,
 * every cell UTF-8 ("FILE:LINE: field 'X': ... is not UTF-8" otherwise).
 * 0, or a negative code with err set (bytes it quotes escaped, quote.h). */
int csvtab_read(const char *path, const csvtab_spec_t *spec, char *err, size_t errlen);
/* The current record's cell of column col ("" when absent or empty). */
const char *csvtab_get(const csvtab_t *t, int col);
/* The current record's cells by position (repeated columns, such as the
 * requests' value): how many, and cell i (i < csvtab_nfields) with *col
 * its column, -1 for a cell beyond the header's columns. */
size_t csvtab_nfields(const csvtab_t *t);
const char *csvtab_field(const csvtab_t *t, size_t i, int *col);
/* The line the current record starts on. */
unsigned long csvtab_line(const csvtab_t *t);
/* Record "FILE:LINE: field 'FIELD': ..." ("FILE:LINE: ..." when field is
 * NULL; the first error wins); returns DP_EPARSE. A row or head callback
 * may return another negative code: csvtab_read returns it. */
int csvtab_fail(csvtab_t *t, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
