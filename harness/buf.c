/*
 * buf: growing byte buffers (see buf.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/buf.h"

void buf_add(buf_t *b, const void *s, size_t n)
{
    size_t need;

    if (b->oom)
        return;
    if (n > SIZE_MAX / 2 - b->len) {
        b->oom = true;
        return;
    }
    need = b->len + n + 1;
    if (need > b->cap) {
        size_t ncap = b->cap == 0 ? 64 : b->cap;
        char *np;
        while (ncap < need)
            ncap *= 2;
        np = realloc(b->p, ncap);
        if (np == NULL) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = ncap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void buf_clear(buf_t *b)
{
    b->len = 0;
    b->oom = false;
    if (b->p != NULL)
        b->p[0] = '\0';
}

void buf_free(buf_t *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}

size_t buf_curl_write(char *p, size_t size, size_t n, void *arg)
{
    buf_t *b = arg;

    buf_add(b, p, size * n);
    return b->oom ? 0 : size * n; /* 0 makes libcurl stop with an error */
}
