#include "bitq.h"

void hs_bitq_init(hs_bitq *q) { q->head = q->count = 0; }

int hs_bitq_push(hs_bitq *q, int bit)
{
    if (q->count >= HS_BITQ_CAP) return 0;
    q->b[(q->head + q->count) % HS_BITQ_CAP] = (uint8_t)(bit ? 1 : 0);
    q->count++;
    return 1;
}

int hs_bitq_pop(hs_bitq *q)
{
    if (!q->count) return -1;
    int bit = q->b[q->head];
    q->head = (q->head + 1) % HS_BITQ_CAP;
    q->count--;
    return bit;
}

size_t hs_bitq_count(const hs_bitq *q) { return q->count; }

size_t hs_bitq_push_bits(hs_bitq *q, const uint8_t *bits, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!hs_bitq_push(q, bits[i])) break;
    return i;
}
