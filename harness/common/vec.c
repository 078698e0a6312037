/*
 * vec: overflow-checked array growth (see vec.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/vec.h"

/* The first allocation: small arrays (a phase's targets, a request's
 * values) stay small, large ones reach their size in a few doublings. */
#define VEC_MIN_CAP 8

int vec_reserve(void *pp, size_t *cap, size_t need, size_t esz)
{
    void *p;
    void *np;
    size_t ncap;

    if (need <= *cap)
        return 0;
    if (esz == 0)
        return -EINVAL;
    ncap = *cap > 0 ? *cap : VEC_MIN_CAP;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return -ENOMEM;
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / esz)
        return -ENOMEM;
    /* The pointer's bytes are copied rather than cast through void **,
     * which would alias a T * as a void *. */
    memcpy(&p, pp, sizeof(p));
    np = realloc(p, ncap * esz);
    if (np == NULL)
        return -ENOMEM;
    memcpy(pp, &np, sizeof(np));
    *cap = ncap;
    return 0;
}

void *vec_zero(void *p, size_t esz)
{
    memset(p, 0, esz);
    return p;
}
