/* dsp/probe.h: V.34 line probing (L1/L2, [10.1.2.4, Table 17]) and its analysis.
 *
 * Generator: 21 cosines of equal amplitude at k*150 Hz, k = 1..25 without 900, 1200, 1800
 * and 2400 Hz, phases of Table 17, period 160 samples (3 periods of 1/150 s). L1 is sent at
 * total power P0 + 6 dB, L2 at P0; L2 continues L1 without a phase jump.
 *
 * Analysis (spec §4.9): 160-sample blocks through dsp/spectrum (a 160-point real DFT on
 * FFTW, rectangular window: tone k sits exactly on bin 3k) give the tone powers and the
 * 1050 Hz phase per block (frequency offset). The noise density between the tones comes
 * from 480-point Blackman-Harris frames (hop 160), bins 4-5 long bins away from every tone,
 * so a frequency offset of a few Hz does not leak tone power into the noise estimate.
 * Per tone: gain relative to the L2 tone power, noise density, SNR.
 *
 * SNR per tone is defined like the line simulator's: the power of a whole signal sent at P0
 * through this tone's gain, over the noise in a 3100 Hz band at this tone's noise density:
 *     snr_k = P0 * gain_k / (noise_density_k * 3100 Hz).
 * On a flat line with white noise it equals the line's SNR.
 *
 * Decision (spec §4.9 steps 4-7): for every symbol rate and each carrier the far
 * transmitter may use, the tones inside the occupied band f_c +- S/2 are combined as a linear
 * equaliser would (harmonic mean of the linear SNRs: one dead tone at a band edge, e.g.
 * 3600 Hz for 3429 Bd at 1959 Hz behind a 300-3400 Hz filter, makes the rate unusable, as
 * the equaliser could not restore that part of the band either), bits/symbol = (SNR - 4 dB - margin) / 3.01 dB,
 * projected N = floor(bits * S / 2400) limited to Table 8 (N > 12 only with 1664 points);
 * the better carrier wins. Pre-emphasis: the index 0-5 whose slope is closest to half of
 * the received gain slope (dB per unit f/S). Power reduction: requested only when the far
 * transmitter can reduce (its INFO0 bit 20) and the received L2 is within 3 dB of P0. */
#ifndef HS_PROBE_H
#define HS_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "hs.h"
#include "info.h"

#define HS_PROBE_TONES   21
#define HS_PROBE_PERIOD  160        /* samples: 3 periods of the 150 Hz repetition */
#define HS_PROBE_MARGIN_DB 5.0      /* probing margin (SR uses 5 dB) */

/* Tone i (0..20): frequency in Hz and Table 17 phase in degrees. */
int hs_probe_tone_hz(int i);
int hs_probe_tone_phase_deg(int i);

/* ---- generator ---- */
typedef struct hs_probe_tx hs_probe_tx;
hs_err hs_probe_tx_create(float p0_dbm0, hs_probe_tx **out);
void   hs_probe_tx_reset(hs_probe_tx *tx);       /* next sample is the first of L1 */
void   hs_probe_tx_destroy(hs_probe_tx *tx);
float  hs_probe_tx_sample(hs_probe_tx *tx, int l1);   /* l1 = 1: L1 (P0 + 6 dB), 0: L2 (P0) */

/* ---- analysis ---- */
typedef struct {
    int    blocks;                        /* 160-sample blocks analysed */
    double tone_hz[HS_PROBE_TONES];
    double gain_db[HS_PROBE_TONES];       /* received tone power / sent L2 tone power */
    double snr_db[HS_PROBE_TONES];        /* as defined above */
    double noise_dbm0_hz[HS_PROBE_TONES]; /* noise density near the tone, dBm0 per Hz */
    double rx_level_dbm0;                 /* total received level */
    double freq_offset_hz;                /* received - sent (from the 1050 Hz tone) */
    int    offset_valid;                  /* the 1050 Hz tone SNR >= 20 dB */
} hs_probe_result;

typedef struct hs_probe_rx hs_probe_rx;
/* p0_dbm0: the far modem's nominal power (the level its L2 is sent at). */
hs_err hs_probe_rx_create(float p0_dbm0, hs_probe_rx **out);
void   hs_probe_rx_reset(hs_probe_rx *rx);
void   hs_probe_rx_destroy(hs_probe_rx *rx);
/* Feed received L2 samples (any block size; only whole 160-sample blocks count; at most
 * 4 s are kept). */
void   hs_probe_rx_push(hs_probe_rx *rx, const float *in, size_t n);
int    hs_probe_rx_blocks(const hs_probe_rx *rx);
/* Compute the result from everything pushed so far. HS_ESTATE if fewer than 4 blocks. */
hs_err hs_probe_rx_analyse(hs_probe_rx *rx, hs_probe_result *res);

/* ---- decision ---- */
typedef struct {
    hs_info1_rate rate[HS_V34_NRATES];    /* per symbol rate: carrier, pre-emphasis, N */
    double snr_db[HS_V34_NRATES];         /* combined SNR at the chosen carrier */
    int    min_power_reduction;           /* dB, 0..7 */
    int    extra_power_reduction;         /* dB, 0..7 */
    int    freq_offset;                   /* 0.02 Hz units, -512 = not measured */
} hs_probe_choice;

/* far: INFO0 of the modem whose transmitter was probed; own: this receiver's INFO0. */
void hs_probe_decide(const hs_probe_result *r, const hs_info0 *far, const hs_info0 *own,
                     hs_probe_choice *out);
/* Symbol rate index with the highest projected N (ties -> higher S); -1 if none usable. */
int  hs_probe_best_rate(const hs_probe_choice *c);
/* Fill INFO1c from a choice (md_length 0). */
void hs_probe_to_info1c(const hs_probe_choice *c, hs_info1c *m);
/* Answer modem: choose both symbol rates from the caller's INFO1c (answer->call
 * projections) and its own choice (call->answer): maximise min(N_ac, N_ca), ties -> higher
 * S, same rate both ways. Fills INFO1a; returns the index or -1 if no rate is usable. */
int  hs_probe_choose_info1a(const hs_info1c *from_call, const hs_probe_choice *own,
                            hs_info1a *m);

#endif
