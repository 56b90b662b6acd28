/* src/ring.c: SPSC lock-free ring (see ring.h). */
#include "ring.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct hs_ring {
    /* head: items written so far (only the writer stores it); tail: items read so far (only
     * the reader stores it). Both run freely as 64-bit counts, so fill = head - tail. They sit
     * on separate cache lines to avoid false sharing between the two threads. */
    _Alignas(64) _Atomic uint64_t head;
    _Alignas(64) _Atomic uint64_t tail;
    _Alignas(64) _Atomic uint64_t dropped;   /* written by the writer only */
    size_t   cap;        /* power of two */
    size_t   mask;
    size_t   item;       /* bytes */
    unsigned char *buf;
};

hs_ring *hs_ring_create(size_t capacity_items, size_t item_size)
{
    if (capacity_items == 0 || item_size == 0 || capacity_items > ((size_t)1 << 30)) return NULL;
    size_t cap = 1;
    while (cap < capacity_items) cap <<= 1;
    if (cap > SIZE_MAX / item_size) return NULL;
    hs_ring *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->buf = calloc(cap, item_size);
    if (!r->buf) {
        free(r);
        return NULL;
    }
    r->cap = cap;
    r->mask = cap - 1;
    r->item = item_size;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    atomic_init(&r->dropped, 0);
    return r;
}

void hs_ring_destroy(hs_ring *r)
{
    if (!r) return;
    free(r->buf);
    free(r);
}

size_t hs_ring_capacity(const hs_ring *r) { return r->cap; }

size_t hs_ring_readable(const hs_ring *r)
{
    uint64_t h = atomic_load_explicit(&((hs_ring *)r)->head, memory_order_acquire);
    uint64_t t = atomic_load_explicit(&((hs_ring *)r)->tail, memory_order_acquire);
    return (size_t)(h - t);
}

size_t hs_ring_writable(const hs_ring *r) { return r->cap - hs_ring_readable(r); }

size_t hs_ring_write(hs_ring *r, const void *items, size_t n)
{
    uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);   /* own index */
    uint64_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
    size_t space = r->cap - (size_t)(h - t);
    size_t take = n < space ? n : space;
    if (take) {
        size_t at = (size_t)h & r->mask;
        size_t first = r->cap - at < take ? r->cap - at : take;
        const unsigned char *src = items;
        memcpy(r->buf + at * r->item, src, first * r->item);
        if (take > first) memcpy(r->buf, src + first * r->item, (take - first) * r->item);
        atomic_store_explicit(&r->head, h + take, memory_order_release);
    }
    if (take < n) {
        uint64_t d = atomic_load_explicit(&r->dropped, memory_order_relaxed);
        atomic_store_explicit(&r->dropped, d + (n - take), memory_order_relaxed);
    }
    return take;
}

size_t hs_ring_read(hs_ring *r, void *out, size_t n)
{
    uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);   /* own index */
    uint64_t h = atomic_load_explicit(&r->head, memory_order_acquire);
    size_t avail = (size_t)(h - t);
    size_t take = n < avail ? n : avail;
    if (take && out) {
        size_t at = (size_t)t & r->mask;
        size_t first = r->cap - at < take ? r->cap - at : take;
        unsigned char *dst = out;
        memcpy(dst, r->buf + at * r->item, first * r->item);
        if (take > first) memcpy(dst + first * r->item, r->buf, (take - first) * r->item);
    }
    if (take) atomic_store_explicit(&r->tail, t + take, memory_order_release);
    return take;
}

uint64_t hs_ring_total_written(const hs_ring *r)
{
    return atomic_load_explicit(&((hs_ring *)r)->head, memory_order_acquire);
}

uint64_t hs_ring_total_read(const hs_ring *r)
{
    return atomic_load_explicit(&((hs_ring *)r)->tail, memory_order_acquire);
}

uint64_t hs_ring_dropped(const hs_ring *r)
{
    return atomic_load_explicit(&((hs_ring *)r)->dropped, memory_order_relaxed);
}

void hs_ring_clear(hs_ring *r)
{
    uint64_t h = atomic_load_explicit(&r->head, memory_order_acquire);
    atomic_store_explicit(&r->tail, h, memory_order_release);
}
