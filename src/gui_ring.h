/* src/gui_ring.h: a lock-free single-producer/single-consumer ring of fixed-size elements
 * (spectrum rows, events) from the engine thread to the SDL main thread. The producer never
 * waits: when the ring is full the element is dropped and counted. */
#ifndef HS_GUI_RING_H
#define HS_GUI_RING_H

#include <stddef.h>
#include <stdint.h>

typedef struct hs_gui_ring hs_gui_ring;

/* capacity is rounded up to a power of two. NULL if out of memory. */
hs_gui_ring *hs_gui_ring_create(size_t elem_size, size_t capacity);
void         hs_gui_ring_destroy(hs_gui_ring *r);
/* Producer: 1 if pushed, 0 if full (dropped). */
int          hs_gui_ring_push(hs_gui_ring *r, const void *elem);
/* Producer, zero-copy: a slot to fill (NULL if full, counted as dropped), then commit. */
void        *hs_gui_ring_reserve(hs_gui_ring *r);
void         hs_gui_ring_commit(hs_gui_ring *r);
/* Consumer: 1 if an element was copied to elem. */
int          hs_gui_ring_pop(hs_gui_ring *r, void *elem);
size_t       hs_gui_ring_count(hs_gui_ring *r);
uint64_t     hs_gui_ring_dropped(hs_gui_ring *r);

#endif
