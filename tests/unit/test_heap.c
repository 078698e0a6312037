/*
 * heap: intrusive binary min-heap of timers. Random inserts, removes,
 * updates and pops checked against a brute-force reference.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>

#include "probes/heap.h"

#define NNODES 1500

typedef struct {
    heap_node_t node;
    int in; /* reference: is it in the heap */
} item_t;

static uint64_t rng_state;

static uint64_t rng(void)
{
    /* splitmix64: fixed seed, reproducible */
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a;
    int64_t y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Structural check: index back-pointers, heap order, count. */
static void check_heap(const heap_t *h, const item_t *items, size_t nitems)
{
    size_t i;
    size_t count = 0;

    for (i = 0; i < h->n; i++) {
        cr_assert_eq(h->v[i].node->idx, i, "node at %zu thinks it is at %zu", i,
                     h->v[i].node->idx);
        cr_assert_eq(h->v[i].key, h->v[i].node->key, "slot %zu's key is stale", i);
        if (i > 0)
            cr_assert_leq(h->v[(i - 1) / HEAP_ARITY].key, h->v[i].key,
                          "heap order broken at %zu", i);
    }
    for (i = 0; i < nitems; i++) {
        if (items[i].in) {
            count++;
            cr_assert_lt(items[i].node.idx, h->n);
            cr_assert_eq(h->v[items[i].node.idx].node, &items[i].node);
        } else {
            cr_assert_eq(items[i].node.idx, HEAP_NONE, "removed node %zu keeps an index",
                         i);
        }
    }
    cr_assert_eq(count, h->n);
}

static int64_t ref_min(const item_t *items, size_t nitems, int *found)
{
    int64_t m = INT64_MAX;
    size_t i;

    *found = 0;
    for (i = 0; i < nitems; i++) {
        if (items[i].in && (!*found || items[i].node.key < m)) {
            m = items[i].node.key;
            *found = 1;
        }
    }
    return m;
}

static int64_t rand_key(void)
{
    /* A narrow range gives many ties; sometimes the extremes. */
    uint64_t r = rng();
    switch (r % 16) {
    case 0:
        return INT64_MIN;
    case 1:
        return INT64_MAX;
    case 2:
    case 3:
    case 4:
        return (int64_t)(r >> 8) % 50 - 25;
    default:
        return (int64_t)(r >> 1) - (INT64_MAX / 2);
    }
}

Test(heap, empty)
{
    heap_t h;

    heap_init(&h);
    cr_assert_null(heap_top(&h));
    cr_assert_eq(h.n, 0);
    heap_clear(&h);
    cr_assert_null(heap_top(&h));
}

Test(heap, small_ordered_pops)
{
    static const int64_t keys[] = {50, 10, 40, 10, -5, 30, 20, 0, 60, -5};
    heap_node_t nodes[10];
    int64_t sorted[10];
    heap_t h;
    size_t i;

    heap_init(&h);
    for (i = 0; i < 10; i++) {
        nodes[i].key = keys[i];
        nodes[i].idx = HEAP_NONE;
        cr_assert_eq(heap_insert(&h, &nodes[i]), 0);
        sorted[i] = keys[i];
    }
    qsort(sorted, 10, sizeof(sorted[0]), cmp_i64);
    for (i = 0; i < 10; i++) {
        heap_node_t *t = heap_top(&h);
        cr_assert_not_null(t);
        cr_assert_eq(t->key, sorted[i], "pop %zu: got %lld want %lld", i,
                     (long long)t->key, (long long)sorted[i]);
        heap_remove(&h, t);
        cr_assert_eq(t->idx, HEAP_NONE);
    }
    cr_assert_null(heap_top(&h));
    heap_clear(&h);
}

Test(heap, remove_not_member_is_noop)
{
    heap_node_t a = {.key = 1, .idx = HEAP_NONE};
    heap_node_t b = {.key = 2, .idx = HEAP_NONE};
    heap_node_t stray = {.key = 0, .idx = HEAP_NONE};
    heap_t h;

    heap_init(&h);
    cr_assert_eq(heap_insert(&h, &a), 0);
    cr_assert_eq(heap_insert(&h, &b), 0);
    heap_remove(&h, &stray);
    cr_assert_eq(h.n, 2);
    stray.idx = 1; /* claims a slot held by someone else */
    heap_remove(&h, &stray);
    cr_assert_eq(h.n, 2);
    cr_assert_eq(heap_top(&h), &a);
    heap_remove(&h, &a);
    heap_remove(&h, &a); /* twice: no effect */
    cr_assert_eq(h.n, 1);
    cr_assert_eq(heap_top(&h), &b);
    heap_clear(&h);
}

Test(heap, update_moves_both_ways)
{
    heap_node_t n[5];
    heap_t h;
    size_t i;

    heap_init(&h);
    for (i = 0; i < 5; i++) {
        n[i].key = (int64_t)i * 10;
        cr_assert_eq(heap_insert(&h, &n[i]), 0);
    }
    cr_assert_eq(heap_top(&h), &n[0]);
    heap_update(&h, &n[4], -1); /* decrease to the top */
    cr_assert_eq(heap_top(&h), &n[4]);
    heap_update(&h, &n[4], 100); /* increase to the bottom */
    cr_assert_eq(heap_top(&h), &n[0]);
    heap_update(&h, &n[0], 25);
    cr_assert_eq(heap_top(&h), &n[1]);
    heap_update(&h, &n[1], 10); /* same key */
    cr_assert_eq(heap_top(&h), &n[1]);

    /* Updating a node that is not in the heap only changes its key. */
    heap_remove(&h, &n[2]);
    heap_update(&h, &n[2], -50);
    cr_assert_eq(n[2].key, -50);
    cr_assert_eq(n[2].idx, HEAP_NONE);
    cr_assert_eq(heap_top(&h), &n[1]);
    cr_assert_eq(h.n, 4);
    heap_clear(&h);
}

Test(heap, random_ops_against_reference)
{
    static item_t items[NNODES];
    heap_t h;
    size_t i;
    int op;

    rng_state = 20240101;
    heap_init(&h);
    for (i = 0; i < NNODES; i++) {
        items[i].node.key = 0;
        items[i].node.idx = HEAP_NONE;
        items[i].in = 0;
    }
    for (op = 0; op < 10000; op++) {
        size_t k = (size_t)(rng() % NNODES);
        unsigned what = (unsigned)(rng() % 10);
        int found;
        int64_t m;

        if (what < 4) { /* insert (a node not already in) */
            if (!items[k].in) {
                items[k].node.key = rand_key();
                cr_assert_eq(heap_insert(&h, &items[k].node), 0);
                items[k].in = 1;
            }
        } else if (what < 6) { /* remove an arbitrary node */
            heap_remove(&h, &items[k].node);
            items[k].in = 0;
        } else if (what < 8) { /* update, in or out of the heap */
            heap_update(&h, &items[k].node, rand_key());
        } else { /* pop the minimum */
            heap_node_t *t = heap_top(&h);
            m = ref_min(items, NNODES, &found);
            if (!found) {
                cr_assert_null(t);
            } else {
                item_t *it;
                cr_assert_not_null(t);
                cr_assert_eq(t->key, m);
                it = (item_t *)((char *)t - offsetof(item_t, node));
                cr_assert(it->in);
                heap_remove(&h, t);
                it->in = 0;
            }
        }
        m = ref_min(items, NNODES, &found);
        if (found)
            cr_assert_eq(heap_top(&h)->key, m, "op %d: top %lld, min %lld", op,
                         (long long)heap_top(&h)->key, (long long)m);
        else
            cr_assert_null(heap_top(&h), "op %d", op);
        if (op % 97 == 0)
            check_heap(&h, items, NNODES);
    }
    check_heap(&h, items, NNODES);

    /* Drain: keys come out as the sorted reference. */
    {
        static int64_t ref[NNODES];
        size_t n = 0;
        for (i = 0; i < NNODES; i++)
            if (items[i].in)
                ref[n++] = items[i].node.key;
        cr_assert_eq(n, h.n);
        qsort(ref, n, sizeof(ref[0]), cmp_i64);
        for (i = 0; i < n; i++) {
            heap_node_t *t = heap_top(&h);
            cr_assert_not_null(t);
            cr_assert_eq(t->key, ref[i], "drain %zu", i);
            heap_remove(&h, t);
        }
        cr_assert_null(heap_top(&h));
    }
    heap_clear(&h);
}

Test(heap, grows_past_initial_capacity)
{
    static heap_node_t nodes[5000];
    heap_t h;
    size_t i;
    int64_t prev;

    heap_init(&h);
    for (i = 0; i < 5000; i++) {
        /* descending keys: every insert sifts to the root */
        nodes[i].key = 5000 - (int64_t)i;
        cr_assert_eq(heap_insert(&h, &nodes[i]), 0);
        cr_assert_eq(heap_top(&h), &nodes[i]);
    }
    cr_assert_geq(h.cap, 5000);
    prev = INT64_MIN;
    while (heap_top(&h) != NULL) {
        heap_node_t *t = heap_top(&h);
        cr_assert_geq(t->key, prev);
        prev = t->key;
        heap_remove(&h, t);
    }
    cr_assert_eq(prev, 5000);
    heap_clear(&h);
}
