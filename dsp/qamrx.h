/* dsp/qamrx.h: V.34 QAM receiver for phases 3/4 [digest §5.3-§5.8].
 *
 * Chain, sample by sample at 8000 Hz:
 *   AGC (power measured on S, frozen at S-bar) -> mix down with an NCO (f_c + estimated
 *   offset) -> interpolating square-root raised-cosine matched filter evaluated at T/2
 *   instants that a timing loop moves -> fractionally spaced (T/2) adaptive LMS equalizer ->
 *   carrier phase loop (second order) -> decision.
 *
 * Start-up it follows the far modem's phase-3 sequence: S (energy + the period-2 pattern,
 * carrier offset measured from z_n z*_{n-2}), S-bar (the pattern flips: symbol alignment),
 * PP (alignment by correlation with the 48-symbol period; a least-squares equalizer solved
 * on ~200 PP symbols, then NLMS), TRN (the regenerated TRN - far scrambler from zero,
 * config.trn_points - as reference; least squares again over PP + the first 256 TRN
 * symbols, then NLMS with a small step), then decision-directed on config.dd_points; in
 * silence the equalizer and loops hold. Symbol timing: a second-order loop on the
 * interpolator's rate driven by the MSE gradient with respect to the sampling instant
 * (tracks +-100 ppm; the measured offset is how far the loop moved the instants per symbol).
 * Carrier: frequency measured on S, then a second-order phase loop on the decisions.
 *
 * Measured values: MSE and SNR after equalisation, taps, timing offset (ppm, receive clock
 * against transmit clock), carrier offset (Hz), AGC gain, and every equalised symbol with its
 * decision or reference (hs_qamrx_read). */
#ifndef HS_QAMRX_H
#define HS_QAMRX_H

#include <complex.h>
#include "hs.h"
#include "scrambler.h"

typedef struct {
    int         symbol_rate_index;   /* 0..5 */
    int         high_carrier;
    double      carrier_hz;          /* 0: exact table carrier */
    double      rolloff;             /* matched filter roll-off; 0.12 */
    int         rrc_span_symbols;    /* matched filter length; 12 */
    int         eq_span_symbols;     /* equalizer length in symbols (2 taps each); 16 */
    hs_scr_poly far_poly;            /* scrambler of the far transmitter (TRN reference) */
    int         trn_points;          /* TRN received: 4 or 16 */
    int         trn_train_symbols;   /* TRN symbols trained with the reference; 512 */
    int         dd_points;           /* decisions after training: 4 or 16 */
    double      detect_level_dbm0;   /* S energy threshold; -43 */
    int         fifo_symbols;        /* capacity of the symbol FIFO; 2048 */
} hs_qamrx_config;

hs_qamrx_config hs_qamrx_config_default(int symbol_rate_index, int high_carrier);
const char     *hs_qamrx_config_problem(const hs_qamrx_config *c);

typedef enum {
    HS_QAMRX_IDLE = 0,   /* waiting for S */
    HS_QAMRX_S,          /* S seen: AGC, carrier offset; waiting for S-bar */
    HS_QAMRX_PP_ALIGN,   /* collecting PP for alignment */
    HS_QAMRX_TRAIN_PP,   /* LMS on PP */
    HS_QAMRX_TRAIN_TRN,  /* LMS on TRN */
    HS_QAMRX_DD,         /* decision directed */
} hs_qamrx_state;

const char *hs_qamrx_state_name(hs_qamrx_state s);

typedef struct {
    uint64_t       sample;   /* sample count when the symbol was decided */
    int64_t        index;    /* symbol number counted from the first PP symbol; -1 before */
    float complex  y;        /* equalised, phase-corrected */
    float complex  d;        /* reference (training) or decision */
    uint8_t        state;    /* hs_qamrx_state */
} hs_qamrx_sym;

typedef struct hs_qamrx hs_qamrx;
hs_err hs_qamrx_create(const hs_qamrx_config *c, hs_qamrx **out);
void   hs_qamrx_reset(hs_qamrx *rx);
void   hs_qamrx_destroy(hs_qamrx *rx);
/* New rate, carrier and far scrambler without allocating (tables are sized for every rate at
 * create), 4-point TRN and decisions, then reset. HS_EINVAL (unchanged) if out of range. */
hs_err hs_qamrx_configure(hs_qamrx *rx, int symbol_rate_index, int high_carrier, double carrier_hz,
                          hs_scr_poly far_poly);
void   hs_qamrx_process(hs_qamrx *rx, const float *in, size_t n);

/* Symbols equalised since the last read (FIFO; when full the newest are dropped). */
size_t hs_qamrx_read(hs_qamrx *rx, hs_qamrx_sym *out, size_t max);

hs_qamrx_state hs_qamrx_get_state(const hs_qamrx *rx);
double   hs_qamrx_get_mse(const hs_qamrx *rx);            /* mean |e|^2, unit-power symbols, ~64 T average */
double   hs_qamrx_get_snr_db(const hs_qamrx *rx);         /* -10 log10(mse) */
double   hs_qamrx_get_timing_offset_ppm(const hs_qamrx *rx);  /* receive clock vs far transmit clock */
double   hs_qamrx_get_carrier_offset_hz(const hs_qamrx *rx);  /* received carrier - nominal */
double   hs_qamrx_get_agc_gain_db(const hs_qamrx *rx);
size_t   hs_qamrx_get_taps(const hs_qamrx *rx, float complex *taps, size_t max);  /* T/2 taps, newest first */
uint64_t hs_qamrx_get_sbar_sample(const hs_qamrx *rx);    /* when S-bar was detected (0 = not yet) */
int64_t  hs_qamrx_get_symbol_index(const hs_qamrx *rx);   /* next symbol's index from PP start */
/* SNR (dB) over the last ~64 T when the latest reference training ended (0 before). */
double   hs_qamrx_get_trn_snr_db(const hs_qamrx *rx);

/* Phase 4 (and renegotiation): a trained receiver in decision-directed mode is told that a
 * new TRN (far scrambler from zero, `points` 4 or 16) begins delay_symbols symbols from now
 * (0: the next symbol is TRN(0)); it then trains on it with the regenerated reference for trn_train_symbols and
 * afterwards decides on that constellation. Ignored unless the state is DD. */
void     hs_qamrx_start_trn(hs_qamrx *rx, int points, int64_t delay_symbols);
/* Hold (1): in decision-directed mode the equalizer and the loops stop adapting (the carrier
 * phase keeps turning at the tracked frequency), as in silence, whatever comes in; for a
 * caller that cuts its input off while the far signal is still there. 0 after reset. */
void     hs_qamrx_set_hold(hs_qamrx *rx, int hold);

#endif
