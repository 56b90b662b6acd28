/* src/gui_ring.c: SPSC ring with C11 atomics (acquire/release on the indices). */
#include "gui_ring.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct hs_gui_ring {
    size_t                  elem, mask;
    unsigned char          *buf;
    _Atomic size_t          head;      /* written by the producer */
    _Atomic size_t          tail;      /* written by the consumer */
    _Atomic uint64_t        dropped;
};

hs_gui_ring *hs_gui_ring_create(size_t elem_size, size_t capacity)
{
    if (!elem_size || !capacity || capacity > ((size_t)1 << 30)) return NULL;
    size_t cap = 1;
    while (cap < capacity) cap <<= 1;
    hs_gui_ring *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->buf = malloc(cap * elem_size);
    if (!r->buf) {
        free(r);
        return NULL;
    }
    r->elem = elem_size;
    r->mask = cap - 1;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    atomic_init(&r->dropped, 0);
    return r;
}

void hs_gui_ring_destroy(hs_gui_ring *r)
{
    if (!r) return;
    free(r->buf);
    free(r);
}

void *hs_gui_ring_reserve(hs_gui_ring *r)
{
    size_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (h - t > r->mask) {
        atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
        return NULL;
    }
    return r->buf + (h & r->mask) * r->elem;
}

void hs_gui_ring_commit(hs_gui_ring *r)
{
    size_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    atomic_store_explicit(&r->head, h + 1, memory_order_release);
}

int hs_gui_ring_push(hs_gui_ring *r, const void *elem)
{
    void *slot = hs_gui_ring_reserve(r);
    if (!slot) return 0;
    memcpy(slot, elem, r->elem);
    hs_gui_ring_commit(r);
    return 1;
}

int hs_gui_ring_pop(hs_gui_ring *r, void *elem)
{
    size_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t h = atomic_load_explicit(&r->head, memory_order_acquire);
    if (h == t) return 0;
    memcpy(elem, r->buf + (t & r->mask) * r->elem, r->elem);
    atomic_store_explicit(&r->tail, t + 1, memory_order_release);
    return 1;
}

size_t hs_gui_ring_count(hs_gui_ring *r)
{
    return atomic_load_explicit(&r->head, memory_order_acquire) -
           atomic_load_explicit(&r->tail, memory_order_acquire);
}

uint64_t hs_gui_ring_dropped(hs_gui_ring *r)
{
    return atomic_load_explicit(&r->dropped, memory_order_relaxed);
}
