/* dsp/line.h: a simulated telephone line between a caller (A) and an answerer (B).
 *
 * Each direction: transmit signal -> attenuation -> telephone band (300-3400 Hz)
 * -> carrier frequency offset -> sample clock offset -> G.711 round trip -> fixed delay
 * -> additive white Gaussian noise -> receiver. Each receiver also hears the echo of its own
 * transmit signal (level, delay), as a 2-wire/4-wire hybrid returns it.
 *
 * SNR definition: noise power in the 300-3400 Hz band relative to the power of a signal
 * sent at the reference level (ref_level_dbm0, -13 dBm0 by default) after the line's
 * attenuation. It does not follow the actual signal, so silence stays noisy.
 *
 * Deterministic: noise comes from a PRNG seeded by `seed`, state inside the object.
 * Minimum one-way delay is 1 sample; the band filter (also used for a frequency offset) and
 * the clock-offset interpolator count towards the delay, so with them the minimum is
 * larger (8 ms with the filter): hs_line_get_delay_samples() says what was applied.
 * Processing is sample by sample, so any block size gives identical output. */
#ifndef HS_LINE_H
#define HS_LINE_H

#include "hs.h"

typedef enum { HS_CODEC_NONE = 0, HS_CODEC_ULAW, HS_CODEC_ALAW } hs_codec;

typedef struct {
    double   snr_db;          /* noise; > 100 means no noise */
    double   delay_ms;        /* one way, >= 0 (at least 1 sample is always applied) */
    double   offset_hz;       /* carrier frequency offset (frequency shift of the band) */
    double   ppm;             /* B's sample clock vs A's, parts per million: A->B sees its
                                 receive clock fast by ppm, B->A slow by as much */
    hs_codec codec;
    double   echo_db;         /* echo level relative to the talker's own signal; <= -100: none */
    double   echo_ms;         /* echo delay */
    double   atten_db;        /* loss, >= 0 */
    double   ref_level_dbm0;  /* reference for the SNR definition (-13) */
    int      band_filter;     /* 1: 300-3400 Hz telephone band (default) */
    uint64_t seed;
} hs_line_config;

hs_line_config hs_line_config_default(void);   /* a good local call */
const char    *hs_line_config_problem(const hs_line_config *c);

typedef struct hs_line hs_line;
hs_err hs_line_create(const hs_line_config *c, hs_line **out);
void   hs_line_reset(hs_line *l);
void   hs_line_destroy(hs_line *l);

/* a_tx, b_tx: what A and B transmit (NULL = silence); to_a, to_b: what they receive. */
void   hs_line_process(hs_line *l, const float *a_tx, const float *b_tx,
                       float *to_b, float *to_a, size_t n);
size_t hs_line_get_delay_samples(const hs_line *l);   /* one-way delay actually applied */

/* Split form of hs_line_process, for a runner whose endpoints react to what they receive
 * (dsp/sim.c): hs_line_output gives the next n received samples, then hs_line_input takes
 * the n samples both ends sent at the same instants. That is exact while n <= the lookahead
 * (the shortest path from a transmitter to any receiver, >= 1 sample): what arrives within
 * that span was sent before it began. Output then input equals hs_line_process. */
size_t hs_line_get_lookahead(const hs_line *l);
void   hs_line_output(hs_line *l, float *to_b, float *to_a, size_t n);
void   hs_line_input(hs_line *l, const float *a_tx, const float *b_tx, size_t n);

#endif
