/*
 * heap: binary min-heap of timers (see heap.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "harness/common/vec.h"
#include "probes/heap.h"

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

static void place(heap_t *h, size_t i, heap_node_t *node)
{
    h->v[i] = node;
    node->idx = i;
}

static void sift_up(heap_t *h, size_t i)
{
    heap_node_t *node = h->v[i];

    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h->v[parent]->key <= node->key)
            break;
        place(h, i, h->v[parent]);
        i = parent;
    }
    place(h, i, node);
}

static void sift_down(heap_t *h, size_t i)
{
    heap_node_t *node = h->v[i];

    for (;;) {
        size_t l = 2 * i + 1;
        size_t m = i;
        int64_t mk = node->key;

        if (l < h->n && h->v[l]->key < mk) {
            m = l;
            mk = h->v[l]->key;
        }
        if (l + 1 < h->n && h->v[l + 1]->key < mk)
            m = l + 1;
        if (m == i)
            break;
        place(h, i, h->v[m]);
        i = m;
    }
    place(h, i, node);
}

int heap_insert(heap_t *h, heap_node_t *node)
{
    /* the test inline: vec_reserve is called only when the array is full */
    if (h->n == h->cap && VEC_RESERVE(h->v, h->cap, h->n + 1) < 0)
        return -ENOMEM;
    h->v[h->n] = node;
    node->idx = h->n;
    h->n++;
    sift_up(h, node->idx);
    return 0;
}

void heap_remove(heap_t *h, heap_node_t *node)
{
    size_t i = node->idx;
    heap_node_t *last;

    if (i == HEAP_NONE || i >= h->n || h->v[i] != node)
        return;
    node->idx = HEAP_NONE;
    last = h->v[--h->n];
    if (i == h->n)
        return;
    place(h, i, last);
    if (i > 0 && h->v[(i - 1) / 2]->key > last->key)
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
    if (key < old)
        sift_up(h, node->idx);
    else
        sift_down(h, node->idx);
}
