/* tests/common/tones_s16.h: float <-> int16 at the edge to 16-bit peers (spandsp, WAV).
 * Scale (documented once, used by every interop test of the "tones" area):
 *   float 1.0 (a full-scale sine, +3.14 dBm0 per dsp/level.h) <-> int16 32767.
 * spandsp uses the same G.711 convention (DBM0_MAX_SINE_POWER = +3.14 dBm0 for a sine of
 * peak 32767), so a level in dBm0 means the same on both sides. Rounds to nearest, clips. */
#ifndef HS_TONES_S16_H
#define HS_TONES_S16_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#define HS_S16_SCALE 32767.0f

static inline size_t hs_f2s16(const float *in, int16_t *out, size_t n)
{
    size_t clips = 0;
    for (size_t i = 0; i < n; i++) {
        float v = roundf(in[i] * HS_S16_SCALE);
        if (v > 32767.0f) { v = 32767.0f; clips++; }
        if (v < -32768.0f) { v = -32768.0f; clips++; }
        out[i] = (int16_t)v;
    }
    return clips;
}

static inline void hs_s162f(const int16_t *in, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = (float)in[i] / HS_S16_SCALE;
}

#endif
