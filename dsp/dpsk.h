/* dsp/dpsk.h: V.34 phase-2 600 bit/s DPSK modulator and demodulator [10.1.2.3.1],
 * also used for Tone A / Tone B and their phase reversals [10.1.2.1, 10.1.2.2].
 *
 * Transmitter: binary DPSK at 600 Bd (bit 1 = 180 degree change), square-root raised cosine
 * pulses with 75 % roll-off (inside the Figure 13 mask, spec §4.1), on a 1200 Hz (call
 * modem) or 2400 Hz (answer modem) carrier, plus an optional 1800 Hz guard tone that is
 * never reversed. After its bits it either falls silent or continues as a steady tone (the
 * modulator fed with zeros, without a phase jump). A tone reversal can be placed at any
 * instant (1/3-sample resolution): the envelope then follows the same pulse-shaped
 * transition as a DPSK "1", with its zero crossing at that instant.
 *
 * Receiver: optional 1800 Hz notch (guard tone / own guard echo), mix to baseband, matched
 * RRC filter, symbol timing from the 600 Hz line of |y|^2 (square-law, feed-forward),
 * differential decisions. It also detects a steady tone and timed tone reversals (zero
 * crossing of the projection onto the pre-reversal phasor, referred back to the line by
 * the known filter delay).
 *
 * Time is the object's own sample count (samples processed since create/reset). */
#ifndef HS_DPSK_H
#define HS_DPSK_H

#include <stddef.h>
#include <stdint.h>

#include "hs.h"

#define HS_DPSK_BAUD 600

typedef struct {
    int   carrier_hz;     /* 1200 (call modem) or 2400 (answer modem); integer Hz */
    float level_dbm0;     /* carrier level (the answer modem sends at P0 - 1 dB) */
    int   guard_hz;       /* 1800 for the answer modem, 0 = no guard tone */
    float guard_dbm0;     /* guard level while sending bits (P0 - 7 dB); see set_guard */
} hs_dpsk_tx_config;

/* Call (answer = 0) or answer (answer = 1) modem transmitter at nominal power p0_dbm0. */
hs_dpsk_tx_config hs_dpsk_tx_config_v34(int answer, float p0_dbm0);
const char       *hs_dpsk_tx_config_problem(const hs_dpsk_tx_config *c);

typedef struct hs_dpsk_tx hs_dpsk_tx;
hs_err hs_dpsk_tx_create(const hs_dpsk_tx_config *c, hs_dpsk_tx **out);
void   hs_dpsk_tx_reset(hs_dpsk_tx *tx);
void   hs_dpsk_tx_destroy(hs_dpsk_tx *tx);

/* Queue bits (0/1 per byte) for differential modulation. From silence the first queued bit
 * rides on the first symbol (send a 0 first as the reference symbol). Returns the number
 * queued (the queue holds 512 bits). */
size_t hs_dpsk_tx_send_bits(hs_dpsk_tx *tx, const uint8_t *bits, size_t n);
/* What to do once the queue is empty: 1 = steady tone (default after create: 0 = silent). */
void   hs_dpsk_tx_set_tone(hs_dpsk_tx *tx, int tone_after);
/* Stop now: a steady tone or data fades out with the pulse tail (about 7 ms). */
void   hs_dpsk_tx_stop(hs_dpsk_tx *tx);
/* Guard tone: off (on = 0) or on at level_dbm0. Changes take effect at once. */
void   hs_dpsk_tx_set_guard(hs_dpsk_tx *tx, int on, float level_dbm0);
/* In tone mode: reverse the tone so that the envelope crosses zero at sample time t (the
 * object's clock; fractional). Needs t >= now + hs_dpsk_tx_reversal_lead(). Returns 0 if
 * accepted, HS_ESTATE if not in steady tone or too late. */
hs_err hs_dpsk_tx_reverse_at(hs_dpsk_tx *tx, double t);
double hs_dpsk_tx_reversal_lead(void);          /* samples of look-ahead a reversal needs */

void   hs_dpsk_tx_process(hs_dpsk_tx *tx, float *out, size_t n);   /* writes n samples */
float  hs_dpsk_tx_sample(hs_dpsk_tx *tx);                          /* one sample */
int    hs_dpsk_tx_busy(const hs_dpsk_tx *tx);     /* bits queued or still being shaped */
size_t hs_dpsk_tx_queued(const hs_dpsk_tx *tx);   /* bits waiting in the queue */
int    hs_dpsk_tx_in_tone(const hs_dpsk_tx *tx);  /* steady tone (no reversal pending) */
int    hs_dpsk_tx_silent(const hs_dpsk_tx *tx);
uint64_t hs_dpsk_tx_now(const hs_dpsk_tx *tx);

typedef struct {
    int   carrier_hz;      /* 2400 at the call modem, 1200 at the answer modem */
    int   notch_hz;        /* 1800: reject the guard tone (and its echo); 0 = none */
    float min_level_dbm0;  /* below this the receiver reports no signal (-43) */
} hs_dpsk_rx_config;

hs_dpsk_rx_config hs_dpsk_rx_config_v34(int answer);   /* receiver of that modem */
const char       *hs_dpsk_rx_config_problem(const hs_dpsk_rx_config *c);

typedef struct hs_dpsk_rx hs_dpsk_rx;
hs_err hs_dpsk_rx_create(const hs_dpsk_rx_config *c, hs_dpsk_rx **out);
void   hs_dpsk_rx_reset(hs_dpsk_rx *rx);
void   hs_dpsk_rx_destroy(hs_dpsk_rx *rx);

/* Flags returned by hs_dpsk_rx_sample. */
#define HS_DPSK_BIT      1u   /* a bit decision is in *bit */
#define HS_DPSK_REVERSAL 2u   /* a tone reversal was confirmed: see hs_dpsk_rx_reversal_time */

/* One received sample. */
unsigned hs_dpsk_rx_sample(hs_dpsk_rx *rx, float x, uint8_t *bit);
/* Convenience: consumes n samples, appends bits to bits[] (up to max), returns the count. */
size_t hs_dpsk_rx_process(hs_dpsk_rx *rx, const float *in, size_t n, uint8_t *bits, size_t max);

double   hs_dpsk_rx_reversal_time(const hs_dpsk_rx *rx);  /* last reversal at the line (samples) */
uint64_t hs_dpsk_rx_tone_samples(const hs_dpsk_rx *rx);   /* length of the current steady tone */
float    hs_dpsk_rx_level_dbm0(const hs_dpsk_rx *rx);     /* in-band level (smoothed) */
int      hs_dpsk_rx_signal(const hs_dpsk_rx *rx);         /* level above min_level_dbm0 */
double   hs_dpsk_rx_delay(const hs_dpsk_rx *rx);          /* filter delay, samples */
uint64_t hs_dpsk_rx_now(const hs_dpsk_rx *rx);

#endif
