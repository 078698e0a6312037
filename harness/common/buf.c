/*
 * buf: growing byte buffers (see buf.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/buf.h"
#include "harness/common/vec.h"

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
    if (vec_reserve(&b->p, &b->cap, need, 1) < 0) {
        b->oom = true;
        return;
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
