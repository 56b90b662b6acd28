/* dsp/bitq.h: a small FIFO of bits (0/1) with fixed inline storage: no allocation, so an
 * object can embed one. Used between the V.21 FSK blocks and the V.8 message layer. */
#ifndef HS_BITQ_H
#define HS_BITQ_H

#include <stddef.h>
#include <stdint.h>

#define HS_BITQ_CAP 1024   /* bits; more than one V.8 sequence (at most ~700 bits) */

typedef struct {
    uint8_t  b[HS_BITQ_CAP];
    uint32_t head, count;
} hs_bitq;

void   hs_bitq_init(hs_bitq *q);
int    hs_bitq_push(hs_bitq *q, int bit);     /* 1 if stored, 0 if the queue was full */
int    hs_bitq_pop(hs_bitq *q);               /* the oldest bit, or -1 if empty */
size_t hs_bitq_count(const hs_bitq *q);
/* Appends n bits (each 0 or 1); returns how many were stored. */
size_t hs_bitq_push_bits(hs_bitq *q, const uint8_t *bits, size_t n);

#endif
