/*
 * heap: a 4-ary min-heap of timers (see heap.h).
 *
 * Each slot holds the key beside the node pointer, so sifting compares
 * keys in the one array and touches a node only to record its new index:
 * with 100,000 polls the nodes are spread over the memory and each
 * dereference was a cache miss (the sifts were the engine's largest cost
 * in user space). Four children per node halve the depth of a binary
 * heap; the four keys of a family sit in one or two cache lines.
 */
#include <errno.h>
#include <stdlib.h>

#include "harness/common/vec.h"
#include "probes/heap.h"

#define ARITY HEAP_ARITY

void heap_init(heap_t *h)
{
    h->v = NULL;
    h->n = 0;
    h->cap = 0;
}

void heap_clear(heap_t *h)
{
    free(h->v);
    heap_init(h);
}

static void place(heap_t *h, size_t i, heap_slot_t s)
{
    h->v[i] = s;
    s.node->idx = i;
}

static void sift_up(heap_t *h, size_t i)
{
    heap_slot_t s = h->v[i];

    while (i > 0) {
        size_t parent = (i - 1) / ARITY;
        if (h->v[parent].key <= s.key)
            break;
        place(h, i, h->v[parent]);
        i = parent;
    }
    place(h, i, s);
}

static void sift_down(heap_t *h, size_t i)
{
    heap_slot_t s = h->v[i];

    for (;;) {
        size_t c = ARITY * i + 1;
        size_t end = c + ARITY < h->n ? c + ARITY : h->n;
        size_t m = i;
        int64_t mk = s.key;

        for (; c < end; c++) {
            if (h->v[c].key < mk) {
                m = c;
                mk = h->v[c].key;
            }
        }
        if (m == i)
            break;
        place(h, i, h->v[m]);
        i = m;
    }
    place(h, i, s);
}

int heap_insert(heap_t *h, heap_node_t *node)
{
    /* the test inline: vec_reserve is called only when the array is full */
    if (h->n == h->cap && VEC_RESERVE(h->v, h->cap, h->n + 1) < 0)
        return -ENOMEM;
    h->v[h->n].key = node->key;
    h->v[h->n].node = node;
    node->idx = h->n;
    h->n++;
    sift_up(h, node->idx);
    return 0;
}

void heap_remove(heap_t *h, heap_node_t *node)
{
    size_t i = node->idx;
    heap_slot_t last;

    if (i == HEAP_NONE || i >= h->n || h->v[i].node != node)
        return;
    node->idx = HEAP_NONE;
    last = h->v[--h->n];
    if (i == h->n)
        return;
    place(h, i, last);
    if (i > 0 && h->v[(i - 1) / ARITY].key > last.key)
        sift_up(h, i);
    else
        sift_down(h, i);
}

void heap_update(heap_t *h, heap_node_t *node, int64_t key)
{
    int64_t old = node->key;

    node->key = key;
    if (node->idx == HEAP_NONE)
        return;
    h->v[node->idx].key = key;
    if (key < old)
        sift_up(h, node->idx);
    else
        sift_down(h, node->idx);
}
