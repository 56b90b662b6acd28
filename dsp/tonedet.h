/* dsp/tonedet.h: single-tone presence detector with cadence measurement, for the calling
 * tones CT (V.25: 1300 +- 15 Hz, on 0.5-0.7 s, off 1.5-2.0 s) and CNG (T.30: 1100 +- 38 Hz,
 * 0.5 s on, 3 s off, +- 15 %), spec/v8.md §1.1.
 *
 * It emits no events: the owner (the passive monitor, a V.8 answerer) polls on/off edges with
 * hs_tonedet_next_edge() and the measured frequency, level and cadence with hs_tonedet_get().
 *
 * Method: complex mixing at freq_hz, 10 ms (80-sample) block sums (the boxcar has nulls every
 * 100 Hz, so V.21 marks/spaces 80-120 Hz away are rejected), the tone power corrected for the
 * boxcar loss at the offset measured from the block-to-block phase step (offset clamped to
 * the tolerance), compared with the total power of the block. A tone is on after
 * confirm_blocks consecutive blocks with tone >= min_ratio of the total and >= min_level_dbm0
 * and a mean frequency within tol_hz (+ 3 Hz measurement margin), each block's own
 * frequency within tol_hz + 20 Hz (rejects FSK); off after 3 consecutive failing blocks. Edge samples
 * are back-dated to the first block of the run (resolution 10 ms). Blocks are aligned to
 * absolute sample numbers: any chunking gives identical results. */
#ifndef HS_TONEDET_H
#define HS_TONEDET_H

#include "hs.h"

typedef struct {
    float freq_hz;         /* nominal frequency */
    float tol_hz;          /* accepted deviation of the measured frequency */
    float min_level_dbm0;  /* weakest tone reported (-43) */
    float min_ratio;       /* tone power / total power in the block (0.5 = -3 dB) */
    int   confirm_blocks;  /* 10 ms blocks of tone before "on" (>= 3; 8 by default) */
    /* cadence window (for cadence_ok) */
    float on_min_ms, on_max_ms, off_min_ms, off_max_ms;
} hs_tonedet_config;

hs_tonedet_config hs_tonedet_config_ct(void);    /* 1300 +- 15 Hz; on 500-700, off 1500-2000 ms */
hs_tonedet_config hs_tonedet_config_cng(void);   /* 1100 +- 38 Hz; on 425-575, off 2550-3450 ms */
const char       *hs_tonedet_config_problem(const hs_tonedet_config *c);

typedef struct {
    uint64_t sample;       /* where the tone started (on) or stopped (off) */
    int      on;           /* 1: tone started, 0: tone stopped */
    double   freq_hz;      /* measured frequency (on edge: over the confirmation blocks;
                              off edge: over the whole burst) */
    double   level_dbm0;   /* measured level, same spans */
    double   duration_ms;  /* off edge: length of the burst; on edge: gap since the last
                              burst ended (0 for the first burst) */
} hs_tonedet_edge;

typedef struct {
    int      on;              /* tone present now */
    uint64_t on_at, off_at;   /* last on edge, last off edge (0 if none) */
    int      bursts;          /* on edges so far */
    double   freq_hz;         /* measured over the current or last burst */
    double   level_dbm0;
    double   last_on_ms;      /* length of the last complete burst (0 if none) */
    double   last_off_ms;     /* last gap between bursts (0 if none) */
    int      cadence_ok;      /* last burst (and the gap before it, if any) in the window */
} hs_tonedet_result;

typedef struct hs_tonedet hs_tonedet;
hs_err hs_tonedet_create(const hs_tonedet_config *c, hs_tonedet **out);
void   hs_tonedet_reset(hs_tonedet *d);
void   hs_tonedet_destroy(hs_tonedet *d);
/* Consumes n samples; returns the number of edges that occurred in them (queued, up to 16
 * kept; older ones are dropped first). */
int    hs_tonedet_process(hs_tonedet *d, const float *in, size_t n);
int    hs_tonedet_next_edge(hs_tonedet *d, hs_tonedet_edge *e);   /* 1 if an edge was popped */
void   hs_tonedet_get(const hs_tonedet *d, hs_tonedet_result *r);

#endif
