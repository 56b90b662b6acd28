/* dsp/scrambler.c: V.34 GPC/GPA scramblers (see scrambler.h). */
#include "scrambler.h"

#define REG_MASK 0x7FFFFFu   /* 23 stages */

void hs_scrambler_init(hs_scrambler *s, hs_scr_poly poly)
{
    s->reg = 0;
    s->tap = poly == HS_SCR_GPA ? 5 : 18;
}

void hs_scrambler_clear(hs_scrambler *s) { s->reg = 0; }

static int fb(const hs_scrambler *s)
{
    return (int)(((s->reg >> (s->tap - 1)) ^ (s->reg >> 22)) & 1u);
}

int hs_scramble_bit(hs_scrambler *s, int in)
{
    int out = (in & 1) ^ fb(s);
    s->reg = ((s->reg << 1) | (uint32_t)out) & REG_MASK;
    return out;
}

int hs_descramble_bit(hs_scrambler *s, int in)
{
    int out = (in & 1) ^ fb(s);
    s->reg = ((s->reg << 1) | (uint32_t)(in & 1)) & REG_MASK;
    return out;
}
