/* dsp/fsk.h: V.21 FSK at 300 bit/s (spec/v8.md §2, §7.4), transmitter and receiver.
 *
 * Transmitter: phase-continuous FSK, bit boundaries from a fractional clock (26.667 samples
 * per bit at 8000 Hz). Takes bits from an hs_bitq; sends marks (binary 1) while it is empty.
 *
 * Receiver: band-pass FIR around the channel (rejects ANSam at 2100 Hz and the other V.21
 * channel, i.e. the modem's own transmit echo), non-coherent detection (sliding one-bit
 * correlation with the mark and space tones, |C_mark|^2 versus |C_space|^2), UART-style bit
 * timing re-phased on every zero crossing of the decision variable. Works sample by sample:
 * any block split gives the same bits. */
#ifndef HS_FSK_H
#define HS_FSK_H

#include "bitq.h"
#include "hs.h"

typedef struct {
    int   sample_rate;   /* Hz */
    float mark_hz;       /* binary 1 */
    float space_hz;      /* binary 0 */
    float baud;          /* bit/s */
    float level_dbm0;    /* transmit level */
} hs_fsk_config;

hs_fsk_config hs_fsk_config_v21(int channel);  /* ch 1: 980/1180 Hz, ch 2: 1650/1850 Hz; 300 bit/s, -13 dBm0 */
const char   *hs_fsk_config_problem(const hs_fsk_config *c); /* NULL if usable, else a reason */

/* ---- transmitter ---- */
typedef struct hs_fsk_tx hs_fsk_tx;
hs_err   hs_fsk_tx_create(const hs_fsk_config *c, hs_fsk_tx **out);
void     hs_fsk_tx_reset(hs_fsk_tx *tx);
void     hs_fsk_tx_destroy(hs_fsk_tx *tx);                      /* NULL is a no-op */
/* Writes exactly n samples. A new bit is taken from q at every bit boundary (the first
 * sample after create/reset is a boundary); while q is empty the transmitter sends marks. */
void     hs_fsk_tx_process(hs_fsk_tx *tx, hs_bitq *q, float *out, size_t n);
/* 1 while the bit being sent is an idle mark (q was empty at its boundary). */
int      hs_fsk_tx_idle(const hs_fsk_tx *tx);
uint64_t hs_fsk_tx_bits_sent(const hs_fsk_tx *tx);               /* bits taken from queues */

/* ---- receiver ---- */
typedef struct hs_fsk_rx hs_fsk_rx;
hs_err hs_fsk_rx_create(const hs_fsk_config *c, hs_fsk_rx **out);
void   hs_fsk_rx_reset(hs_fsk_rx *rx);
void   hs_fsk_rx_destroy(hs_fsk_rx *rx);                        /* NULL is a no-op */
/* Consumes all n samples (in may be NULL: silence); returns how many bits it appended to q
 * (bits that do not fit in q are lost). */
size_t hs_fsk_rx_process(hs_fsk_rx *rx, const float *in, size_t n, hs_bitq *q);
/* Measured in-band level (after the band-pass, ~10 ms average), dBm0. */
float  hs_fsk_rx_level_dbm0(const hs_fsk_rx *rx);
/* Samples from the start of a bit on the input to the sample at which it is decided
 * (band-pass group delay + one bit): subtract it to date a received bit. */
uint32_t hs_fsk_rx_latency_samples(const hs_fsk_rx *rx);

#endif
