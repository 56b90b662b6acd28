/* dsp/scrambler.h: the V.34 self-synchronising scramblers [V.34 clause 7, digest §5.1].
 *
 * call modem transmits with GPC = 1 + x^-18 + x^-23, answer modem with GPA = 1 + x^-5 + x^-23:
 *   scramble:   out(n) = in(n) ^ out(n-k) ^ out(n-23)
 *   descramble: d(n)   = r(n)  ^ r(n-k)   ^ r(n-23)     (k = 18 for GPC, 5 for GPA)
 * The descrambler is right after 23 received bits whatever its starting state.
 *
 * A scrambler is a 23-bit register and nothing else, so it is a plain value (no create /
 * destroy): it is embedded in the transmitter and receiver objects that own it. */
#ifndef HS_SCRAMBLER_H
#define HS_SCRAMBLER_H

#include <stdint.h>

typedef enum { HS_SCR_GPC = 0, HS_SCR_GPA = 1 } hs_scr_poly;

typedef struct {
    uint32_t reg;   /* bit i = the bit i+1 positions back (bit 0 = previous bit) */
    int      tap;   /* 18 (GPC) or 5 (GPA) */
} hs_scrambler;

/* Register cleared to all zeros, as before every TRN and before B1 [10.1.3.8, 10.1.3.1]. */
void hs_scrambler_init(hs_scrambler *s, hs_scr_poly poly);
void hs_scrambler_clear(hs_scrambler *s);
int  hs_scramble_bit(hs_scrambler *s, int in);     /* returns the line bit (0/1) */
int  hs_descramble_bit(hs_scrambler *s, int in);   /* returns the data bit (0/1) */

#endif
