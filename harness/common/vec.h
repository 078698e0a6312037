/*
 * vec: the one growable array of the project (the shape of c-ares'
 * ares_array, kept to what a typed C array needs). An array is three
 * fields of its owner, a pointer, a count and a capacity:
 *
 *     zone_t *zones; size_t nzones, capzones;
 *     zone_t *z = VEC_PUSH(d->zones, d->nzones, d->capzones);
 *     if (z == NULL)
 *         return -ENOMEM;
 *
 * Growth doubles the capacity (amortised O(1) per push) and checks every
 * multiplied size, so a hostile count gives -ENOMEM, never a short
 * allocation. The pointer may move on growth: callers must not keep
 * element pointers across a push (index instead). Not locked: the owner
 * of the array serialises its pushes.
 */
#ifndef DP_VEC_H
#define DP_VEC_H

#include <stddef.h>

/* Make room for need elements of esz bytes in the array whose pointer is
 * at *pp (a T ** passed as void *) and whose capacity is *cap. 0, or
 * -ENOMEM when need * esz overflows or realloc fails (the array is then
 * unchanged). */
int vec_reserve(void *pp, size_t *cap, size_t need, size_t esz);

/* vec_reserve for a typed pointer p (an lvalue). */
#define VEC_RESERVE(p, cap, need) vec_reserve(&(p), &(cap), (need), sizeof(*(p)))

/* Append one zeroed element and return its address (count incremented),
 * or NULL on ENOMEM (nothing changed). */
#define VEC_PUSH(p, n, cap)                                                              \
    ((n) < (size_t)-1 && VEC_RESERVE(p, cap, (n) + 1) == 0                               \
         ? vec_zero(&(p)[(n)++], sizeof(*(p)))                                           \
         : NULL)

/* Zero esz bytes at p and return p (for VEC_PUSH). */
void *vec_zero(void *p, size_t esz);

#endif
