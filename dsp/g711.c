/* dsp/g711.c: G.711 mu-law and A-law, written from the segment tables of the Recommendation.
 *
 * mu-law (Table 2): magnitude m in 14-bit units, biased by 33: m + 33 lies in
 * [32 << s, 64 << s) for segment s = 0..7, and the segment holds 16 steps of 2 << s.
 * In 16-bit units (x4) the bias is 132 and the steps are 8 << s.
 * A-law (Table 1): magnitude in 12-bit units (13-bit signed); segments 0 and 1 both have
 * steps of 2, segment s >= 2 covers [16 << s, 32 << s) in steps of 1 << s.
 * In 16-bit units (x8) segment 0 is [0, 256) in steps of 16, segment s >= 1 is
 * [128 << s, 256 << s) in steps of 8 << s. */
#include "g711.h"

#include <math.h>

#define ULAW_BIAS 132      /* 33 in 14-bit units, x4 */
#define ULAW_CLIP 32635    /* largest magnitude before the bias pushes past 15 bits */

/* Index of the highest set bit of i, 1 <= i <= 255 (entry 0 unused). */
static const uint8_t top_bit_tab[256] = {
    0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
};

static int top_bit(unsigned v)         /* index of the highest set bit; 128 <= v <= 32767 */
{
    return 7 + top_bit_tab[v >> 7];
}

uint8_t hs_ulaw_encode(int16_t x)
{
    int      neg = x < 0;
    unsigned mag = neg ? (unsigned)(-(int)x) : (unsigned)x;
    if (mag > ULAW_CLIP) mag = ULAW_CLIP;
    mag += ULAW_BIAS;                                  /* 132 .. 32767 */
    int      seg = top_bit(mag) - 7;                   /* [128 << s, 256 << s) */
    unsigned q   = (mag >> (seg + 3)) & 0x0F;
    unsigned code = ((unsigned)seg << 4) | q;
    if (neg) code |= 0x80;                             /* inverted below: + has MSB 1 */
    return (uint8_t)(~code & 0xFF);
}

int16_t hs_ulaw_decode(uint8_t code)
{
    unsigned c   = (unsigned)(~code) & 0xFF;
    int      seg = (int)((c >> 4) & 7);
    int      q   = (int)(c & 0x0F);
    int      mag = ((2 * q + 33) << (seg + 2)) - ULAW_BIAS;   /* mid value of the step */
    return (int16_t)((c & 0x80) ? -mag : mag);
}

uint8_t hs_alaw_encode(int16_t x)
{
    int      neg = x < 0;
    unsigned mag = neg ? (unsigned)(-(int)x) : (unsigned)x;
    if (mag > 32767) mag = 32767;
    unsigned code;
    if (mag < 256) {
        code = mag >> 4;                               /* segment 0 */
    } else {
        int seg = top_bit(mag) - 7;                    /* 1 .. 7 */
        code = ((unsigned)seg << 4) | ((mag >> (seg + 3)) & 0x0F);
    }
    if (!neg) code |= 0x80;
    return (uint8_t)(code ^ 0x55);
}

int16_t hs_alaw_decode(uint8_t code)
{
    unsigned c   = (unsigned)code ^ 0x55;
    int      seg = (int)((c >> 4) & 7);
    int      q   = (int)(c & 0x0F);
    int      mag = seg == 0 ? (q << 4) + 8 : (2 * q + 33) << (seg + 2);
    return (int16_t)((c & 0x80) ? mag : -mag);
}

size_t hs_float_to_s16(const float *in, int16_t *out, size_t n)
{
    size_t clips = 0;
    for (size_t i = 0; i < n; i++) {
        float v = roundf(in[i] * HS_S16_SCALE);
        if (v > 32767.0f)       { v = 32767.0f;  clips++; }
        else if (v < -32768.0f) { v = -32768.0f; clips++; }
        else if (v != v)        { v = 0.0f;      clips++; }   /* NaN */
        out[i] = (int16_t)v;
    }
    return clips;
}

void hs_s16_to_float(const int16_t *in, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = (float)in[i] / HS_S16_SCALE;
}
