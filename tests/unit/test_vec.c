/*
 * Unit tests for vec: growth, zeroed pushes, overflow-checked sizes.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "harness/common/vec.h"

typedef struct {
    int a;
    double b;
} pair_t;

Test(vec, push_keeps_values_and_zeroes_new_elements)
{
    pair_t *v = NULL;
    size_t n = 0;
    size_t cap = 0;

    for (int i = 0; i < 1000; i++) {
        pair_t *e = VEC_PUSH(v, n, cap);
        cr_assert_not_null(e);
        cr_assert_eq(e->a, 0);
        cr_assert_eq(e->b, 0.0);
        e->a = i;
    }
    cr_assert_eq(n, 1000);
    cr_assert_geq(cap, 1000);
    cr_assert_lt(cap, 2048 + 1);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(v[i].a, i);
    free(v);
}

Test(vec, reserve_is_a_no_op_within_capacity)
{
    char *p = NULL;
    size_t cap = 0;

    cr_assert_eq(VEC_RESERVE(p, cap, 3), 0);
    cr_assert_eq(cap, 8);
    char *before = p;
    cr_assert_eq(VEC_RESERVE(p, cap, 8), 0);
    cr_assert_eq(p, before);
    cr_assert_eq(VEC_RESERVE(p, cap, 9), 0);
    cr_assert_eq(cap, 16);
    free(p);
}

Test(vec, multiplied_size_overflow_is_enomem_and_leaves_the_array)
{
    pair_t *v = NULL;
    size_t cap = 0;

    cr_assert_eq(VEC_RESERVE(v, cap, 4), 0);
    pair_t *before = v;
    /* need * sizeof(pair_t) overflows size_t */
    cr_assert_eq(VEC_RESERVE(v, cap, SIZE_MAX / sizeof(pair_t) + 2), -ENOMEM);
    cr_assert_eq(v, before);
    cr_assert_eq(cap, 8);
    cr_assert_eq(VEC_RESERVE(v, cap, SIZE_MAX), -ENOMEM);
    cr_assert_eq(cap, 8);
    free(v);
}

Test(vec, push_at_the_largest_count_fails_cleanly)
{
    char *p = NULL;
    size_t n = SIZE_MAX;
    size_t cap = 0;

    cr_assert_null(VEC_PUSH(p, n, cap));
    cr_assert_eq(n, SIZE_MAX);
    cr_assert_null(p);
}
