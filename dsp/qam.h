/* dsp/qam.h: V.34 QAM transmitter for phases 3/4 and data [V.34 5.2-5.4, digest §2.1, §7].
 *
 * Symbol rate S = 2400 a/c and carrier f_c = S d/e exactly (digest §2.1 table): at 8000
 * samples/s a symbol lasts 10c/(3a) samples (e.g. 3429 Bd: 7/3, 2743 Bd: 35/12). The
 * pulse-shaping filter is a square-root raised cosine split into U polyphase branches, where
 * U/step (reduced) = samples per symbol; output sample n sits at symbol time n*step/U, an
 * integer ratio, so there is no rounding and no drift: after n samples exactly
 * floor((n-1)*step/U) + 1 symbols have been taken.
 *
 * Output: s(t) = Re{x(t) e^{j 2 pi f_c t}}, then the pre-emphasis filter of the chosen index
 * (linear-phase FIR from the template of §7.3), scaled so that a unit-power symbol stream
 * comes out at level_dbm0.
 *
 * Symbols come from an internal FIFO (hs_qam_tx_put); when it runs dry the transmitter sends
 * zero symbols (silence) and counts them as underruns. */
#ifndef HS_QAM_H
#define HS_QAM_H

#include <complex.h>
#include "hs.h"

typedef struct {
    int    symbol_rate_index;   /* 0..5: 2400, 2743, 2800, 3000, 3200, 3429 */
    int    high_carrier;        /* 0: low carrier, 1: high carrier (Table 2) */
    double carrier_hz;          /* 0: exact S*d/e; else this frequency (tests: offsets) */
    int    preemph_index;       /* 0..10 (§7.3); 0 = flat */
    double level_dbm0;          /* power of a unit-power symbol stream; -13 */
    double rolloff;             /* RRC roll-off, 0.05..0.5; 0.12 */
    int    span_symbols;        /* RRC length in symbols, even, 8..64; 24 */
    int    fifo_symbols;        /* FIFO capacity; 256 */
} hs_qam_config;

hs_qam_config hs_qam_config_default(int symbol_rate_index, int high_carrier);
const char   *hs_qam_config_problem(const hs_qam_config *c);

/* Square-root raised cosine pulse at t symbols from its centre (peak 1 - b + 4b/pi). */
double hs_rrc(double t_symbols, double rolloff);
/* Pre-emphasis template gain in dB at u = f/S for index 0..10 (§7.3; the unconstrained
 * gap of indices 6-10 is a straight line in dB). */
double hs_v34_preemph_db(int index, double u);

/* Exact figures of a symbol-rate index: a/c, d/e of the carrier. */
double hs_qam_symbol_rate(int symbol_rate_index);
double hs_qam_carrier_hz(int symbol_rate_index, int high_carrier);
/* Samples per symbol as a reduced fraction num/den (e.g. 7/3). */
void   hs_qam_samples_per_symbol(int symbol_rate_index, int *num, int *den);

typedef struct hs_qam_tx hs_qam_tx;
hs_err hs_qam_tx_create(const hs_qam_config *c, hs_qam_tx **out);
void   hs_qam_tx_reset(hs_qam_tx *tx);
void   hs_qam_tx_destroy(hs_qam_tx *tx);
/* New rate, carrier, pre-emphasis and level without allocating (buffers are sized for every
 * rate at create), then reset. HS_EINVAL (unchanged) if out of range. */
hs_err hs_qam_tx_configure(hs_qam_tx *tx, int symbol_rate_index, int high_carrier, double carrier_hz,
                           int preemph_index, double level_dbm0);

/* Queues one symbol (unit mean power scale). Returns 0 if the FIFO is full. */
int    hs_qam_tx_put(hs_qam_tx *tx, float complex sym);
size_t hs_qam_tx_fifo_count(const hs_qam_tx *tx);
/* How many symbols the next n output samples will take from the FIFO. */
size_t hs_qam_tx_symbols_needed(const hs_qam_tx *tx, size_t n);
/* Writes exactly n samples. */
void   hs_qam_tx_process(hs_qam_tx *tx, float *out, size_t n);

uint64_t hs_qam_tx_symbols_taken(const hs_qam_tx *tx);   /* symbols started so far */
uint64_t hs_qam_tx_underruns(const hs_qam_tx *tx);       /* zero symbols sent for lack of input */
/* Delay from a symbol being taken to its pulse peak at the output, in samples. */
double   hs_qam_tx_delay_samples(const hs_qam_tx *tx);

#endif
