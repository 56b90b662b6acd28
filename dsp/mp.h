/* dsp/mp.h: V.34 MP / MP' frames (type 0: 88 bits, type 1: 188 bits) with their CRC, the
 * final data-rate rule and the approximate rate-versus-SNR rule
 * [V.34 10.1.3.9, Tables 20 and 21, 11.4.1.1.3, 11.4.1.2.3; digest §6.2, §6.4, §9].
 *
 * Bit 0 is the first bit on the line; numeric fields are LSB first. The CRC
 * (x^16 + x^12 + x^5 + 1, preset all ones, no inversion, register LSB sent first) covers
 * every bit except the sync, start and fill bits. */
#ifndef HS_MP_H
#define HS_MP_H

#include <stddef.h>
#include <stdint.h>

#include "events.h"

#define HS_MP0_BITS 88
#define HS_MP1_BITS 188

typedef struct {
    int      type;              /* 0: no precoder coefficients, 1: with */
    int      max_rate_c2a;      /* maximum call->answer data rate N (x 2400), 0..14 */
    int      max_rate_a2c;      /* maximum answer->call data rate N */
    int      aux;               /* auxiliary channel capable and enabled */
    int      trellis;           /* for the far transmitter: 0 16-, 1 32-, 2 64-state */
    int      nonlinear;         /* for the far transmitter: 1 = Theta 0.3125 */
    int      shaping;           /* for the far transmitter: 0 minimum, 1 expanded */
    int      ack;               /* 1: MP' (far MP received) */
    uint16_t rate_mask;         /* bit i = (i+1)*2400 bit/s enabled, i = 0..13 */
    int      asymmetric;        /* asymmetric data rates possible */
    int16_t  h[6];              /* type 1: h(1) re, im, h(2) re, im, h(3) re, im; Q2.14 */
} hs_mp;

/* The frame CRC is hs_info_crc (info.h): the same register as the INFO frames. */

/* Writes the frame (HS_MP0_BITS or HS_MP1_BITS bits, one per byte); returns its length. */
size_t hs_mp_encode(const hs_mp *mp, uint8_t *bits);
/* Decodes a frame starting with its sync. Returns the frame length (88/188) if the sync,
 * start bits and length fit (fields filled, *crc_ok set), 0 if the bits are not an MP.
 * n is the number of bits available. */
size_t hs_mp_decode(const uint8_t *bits, size_t n, hs_mp *mp, int *crc_ok);
/* Adds an MP's name ("MP" / "MP'") and every field by name (decoded fields) to an event. */
void   hs_mp_describe(const hs_mp *mp, hs_event *e);

/* Table 8: data rates (N x 2400) allowed at a symbol rate index 0..5. */
int hs_v34_min_rate_n(int symbol_rate_index);
int hs_v34_max_rate_n(int symbol_rate_index);
/* Exact symbol rate in Bd for index 0..5 (2400 a/c). */
double hs_v34_symbol_rate(int symbol_rate_index);

/* Final rate decision (§6.4) from the call modem's and the answer modem's MP, with the
 * symbol-rate index of each direction. Writes bit/s for each direction (0 = no common
 * rate). Returns 1 if both directions have a rate. */
int hs_mp_final_rates(const hs_mp *call_mp, const hs_mp *ans_mp, int sr_c2a, int sr_a2c,
                      int *rate_c2a_bps, int *rate_a2c_bps);

/* §9 rule (b): SNR (dB) a receiver needs for rate_bps at symbol rate sym_bd:
 * 4 dB + 3.01 dB per bit per 2D symbol (16-state trellis, ~1e-6, white noise, no margin). */
double hs_v34_required_snr_db(double rate_bps, double sym_bd);
/* §9 (a): Shannon minimum for the symbol-rate bandwidth. */
double hs_v34_shannon_snr_db(double rate_bps, double sym_bd);
/* Highest rate (bit/s) allowed at symbol rate index sr whose rule-(b) SNR plus margin_db
 * is at most snr_db; max_n caps N (12 without 1664-point support, else 14). 0 if none. */
int hs_v34_rate_for_snr(double snr_db, int sr, double margin_db, int max_n);

#endif
