/*
 * heap: a 4-ary min-heap of timers, the probe pool's schedule.
 *
 * Nodes are embedded in their owners (intrusive), keyed by a monotonic
 * time in nanoseconds, and remember their index so that a poll can be
 * rescheduled or removed in O(log n).
 *
 * Ownership: the heap owns its array of pointers (grown through
 * harness/common/vec.h, freed by heap_clear), never the nodes, which stay
 * their owners'. Thread-safety: not locked; a heap belongs to one thread
 * (each pool thread has its own).
 */
#ifndef DP_HEAP_H
#define DP_HEAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t key;
    size_t idx; /* position in the heap, HEAP_NONE when not in it */
} heap_node_t;

#define HEAP_NONE ((size_t)-1)

/* A slot of the array: the node's key is copied beside it (heap.c says
 * why); node->key and the slot's key are always equal. */
typedef struct {
    int64_t key;
    heap_node_t *node;
} heap_slot_t;

/* Slot i's children are 4i+1 .. 4i+4, its parent (i - 1) / 4. */
#define HEAP_ARITY 4

typedef struct {
    heap_slot_t *v;
    size_t n;
    size_t cap;
} heap_t;

void heap_init(heap_t *h);
void heap_clear(heap_t *h);
int heap_insert(heap_t *h, heap_node_t *node);
void heap_remove(heap_t *h, heap_node_t *node);
/* Change a node's key and restore the heap order. */
void heap_update(heap_t *h, heap_node_t *node, int64_t key);
static inline heap_node_t *heap_top(const heap_t *h)
{
    return h->n > 0 ? h->v[0].node : NULL;
}

#endif
