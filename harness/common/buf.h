/*
 * buf: a growing byte buffer, always NUL-terminated, that remembers an
 * allocation failure instead of failing every caller (check oom once at
 * the end). Shared by the HTTP targets (response bodies, templates) and
 * the store (RESP batches).
 *
 * Ownership: a buf_t owns p (buf_free frees it; a zeroed buf_t is an empty
 * buffer). Thread-safety: not locked; a buffer belongs to one thread.
 */
#ifndef DP_BUF_H
#define DP_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *p;
    size_t len;
    size_t cap;
    bool oom;
} buf_t;

/* Append n bytes of s. */
void buf_add(buf_t *b, const void *s, size_t n);
/* Empty it, keeping the memory. */
void buf_clear(buf_t *b);
void buf_free(buf_t *b);
/* A libcurl CURLOPT_WRITEFUNCTION appending to the buf_t in arg. */
size_t buf_curl_write(char *p, size_t size, size_t n, void *arg);

#endif
