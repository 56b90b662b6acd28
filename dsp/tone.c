/* dsp/tone.c: phase-continuous sine oscillator block (see tone.h). */
#include <stdlib.h>
#include "tone.h"
#include "level.h"

struct hs_tone {
    hs_tone_config cfg;
    hs_osc         osc;
};

hs_tone_config hs_tone_config_make(float freq_hz, float level_dbm0)
{
    hs_tone_config c = { freq_hz, level_dbm0, 0.0f };
    return c;
}

const char *hs_tone_config_problem(const hs_tone_config *c)
{
    if (!c) return "config is NULL";
    if (!(c->freq_hz > 0.0f) || !(c->freq_hz < HS_RATE / 2))
        return "freq_hz must be between 0 and 4000 Hz (exclusive)";
    if (!(c->level_dbm0 >= -100.0f) || !(c->level_dbm0 <= 3.14f))
        return "level_dbm0 must be between -100 and +3.14 dBm0";
    if (!isfinite(c->phase_deg)) return "phase_deg must be finite";
    return NULL;
}

hs_err hs_tone_create(const hs_tone_config *c, hs_tone **out)
{
    if (!out) return HS_EINVAL;
    *out = NULL;
    if (hs_tone_config_problem(c)) return HS_EINVAL;
    hs_tone *t = calloc(1, sizeof *t);
    if (!t) return HS_ENOMEM;
    t->cfg = *c;
    hs_tone_reset(t);
    *out = t;
    return HS_OK;
}

void hs_tone_reset(hs_tone *t)
{
    hs_osc_init(&t->osc, t->cfg.freq_hz, hs_dbm0_to_peak(t->cfg.level_dbm0), t->cfg.phase_deg);
}

void hs_tone_destroy(hs_tone *t) { free(t); }

void hs_tone_process(hs_tone *t, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = hs_osc_next(&t->osc);
}

void hs_tone_add(hs_tone *t, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] += hs_osc_next(&t->osc);
}

void hs_tone_set_freq(hs_tone *t, float freq_hz) { hs_osc_set_freq(&t->osc, freq_hz); }
void hs_tone_set_level(hs_tone *t, float level_dbm0) { t->osc.peak = (float)hs_dbm0_to_peak(level_dbm0); }
void hs_tone_reverse(hs_tone *t) { hs_osc_reverse(&t->osc); }
