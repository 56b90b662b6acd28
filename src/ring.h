/* src/ring.h: single-producer / single-consumer lock-free ring of fixed-size items.
 *
 * One thread writes, one other thread reads; neither ever blocks, locks or allocates after
 * hs_ring_create (safe in a PortAudio callback). C11 atomics: the writer publishes with a
 * release store of `head`, the reader with a release store of `tail`; each side reads the
 * other's index with an acquire load. Capacity is rounded up to a power of two.
 *
 * Counters: the ring counts items it could not take (write to a full ring) so the producer's
 * loss is visible without a lock. */
#ifndef HS_RING_H
#define HS_RING_H

#include <stddef.h>
#include <stdint.h>

typedef struct hs_ring hs_ring;

/* NULL on bad arguments or out of memory. capacity_items >= 1, item_size >= 1. */
hs_ring *hs_ring_create(size_t capacity_items, size_t item_size);
void     hs_ring_destroy(hs_ring *r);                 /* NULL is a no-op */

size_t   hs_ring_capacity(const hs_ring *r);          /* items */
size_t   hs_ring_readable(const hs_ring *r);          /* items ready for the reader */
size_t   hs_ring_writable(const hs_ring *r);          /* free items for the writer */

/* Writer: copies up to n items, returns how many were copied (the rest count as dropped). */
size_t   hs_ring_write(hs_ring *r, const void *items, size_t n);
/* Reader: copies up to n items into out (out may be NULL to discard), returns how many. */
size_t   hs_ring_read(hs_ring *r, void *out, size_t n);

uint64_t hs_ring_total_written(const hs_ring *r);     /* items accepted since create */
uint64_t hs_ring_total_read(const hs_ring *r);        /* items consumed since create */
uint64_t hs_ring_dropped(const hs_ring *r);           /* items refused by hs_ring_write */

/* Only when neither side is running: empties the ring (counters kept). */
void     hs_ring_clear(hs_ring *r);

#endif
