/* dsp/tone.h: phase-continuous sine oscillator.
 *
 * Two forms:
 *  - hs_osc: a small value type (no allocation) that other blocks embed. The phase is a
 *    32-bit fixed-point accumulator (2^32 = one cycle), so it never drifts and a 180 degree
 *    reversal is exact. Frequency resolution 8000/2^32 = 1.9 uHz.
 *  - hs_tone: the block form (config/create/process) on top of hs_osc, for a steady tone
 *    at a level in dBm0 (dsp/level.h). */
#ifndef HS_TONE_H
#define HS_TONE_H

#include <math.h>
#include "hs.h"

typedef struct {
    uint32_t phase;     /* current phase, 2^32 = 1 cycle */
    uint32_t step;      /* phase increment per sample */
    float    peak;      /* amplitude (peak) */
} hs_osc;

/* Phase increment for freq_hz at HS_RATE (negative frequencies wrap, as they should). */
static inline uint32_t hs_osc_step(double freq_hz)
{
    double c = freq_hz / (double)HS_RATE;
    c -= floor(c);
    double s = floor(c * 4294967296.0 + 0.5);
    return (uint32_t)(uint64_t)s;
}
static inline void hs_osc_init(hs_osc *o, double freq_hz, double peak, double phase_deg)
{
    double p = phase_deg / 360.0;
    p -= floor(p);
    o->phase = (uint32_t)(uint64_t)floor(p * 4294967296.0 + 0.5);
    o->step  = hs_osc_step(freq_hz);
    o->peak  = (float)peak;
}
static inline void hs_osc_set_freq(hs_osc *o, double freq_hz) { o->step = hs_osc_step(freq_hz); }
static inline void hs_osc_reverse(hs_osc *o) { o->phase += 0x80000000u; }
/* Shift the phase by deg degrees (phase continuous apart from the shift itself). */
static inline void hs_osc_shift(hs_osc *o, double deg)
{
    double p = deg / 360.0;
    p -= floor(p);
    o->phase += (uint32_t)(uint64_t)floor(p * 4294967296.0 + 0.5);
}
/* Phase in radians, [0, 2 pi). */
static inline double hs_osc_phase_rad(const hs_osc *o) { return (double)o->phase * (2.0 * HS_PI / 4294967296.0); }
/* Next sample: peak * sin(phase), then advance. */
static inline float hs_osc_next(hs_osc *o)
{
    float v = o->peak * (float)sin(hs_osc_phase_rad(o));
    o->phase += o->step;
    return v;
}

/* ---- block form ---- */
typedef struct {
    float freq_hz;      /* 0 < f < HS_RATE/2 */
    float level_dbm0;   /* power of the sine, -13 by default */
    float phase_deg;    /* starting phase of sin() */
} hs_tone_config;

hs_tone_config hs_tone_config_make(float freq_hz, float level_dbm0);  /* phase 0 */
const char    *hs_tone_config_problem(const hs_tone_config *c);

typedef struct hs_tone hs_tone;
hs_err hs_tone_create(const hs_tone_config *c, hs_tone **out);
void   hs_tone_reset(hs_tone *t);                       /* back to the configured start */
void   hs_tone_destroy(hs_tone *t);                     /* NULL is a no-op */
void   hs_tone_process(hs_tone *t, float *out, size_t n);   /* writes exactly n samples */
void   hs_tone_add(hs_tone *t, float *out, size_t n);       /* adds n samples to out */
void   hs_tone_set_freq(hs_tone *t, float freq_hz);     /* phase continuous */
void   hs_tone_set_level(hs_tone *t, float level_dbm0);
void   hs_tone_reverse(hs_tone *t);                     /* 180 degree phase step, now */

#endif
