/* dsp/echocan.h: echo canceller for V.34 duplex [digest §5.8, eng].
 *
 * An adaptive FIR on the modem's own transmit signal (8000 Hz, real passband) estimates the
 * echo in the received signal and subtracts it. Two windows of taps: the near echo (the
 * local hybrid, delays 0 .. near_taps-1) and the far echo (the far hybrid, delays
 * far_delay .. far_delay+far_taps-1, placed from the round-trip delay measured in phase 2).
 * Adapted by normalised LMS while adaptation is on: during the modem's own phase-3
 * transmission, when the far end is silent (digest §3.4: each modem trains while the other
 * listens). Afterwards the taps are frozen (or adapted slowly) while both talk.
 *
 * Measured: the echo level at the input and the residual after cancellation (power averages
 * over ~32 ms, in dBm0), their ratio (ERLE) and the taps. */
#ifndef HS_ECHOCAN_H
#define HS_ECHOCAN_H

#include "hs.h"

typedef struct {
    int    near_taps;          /* 1..1024; 64 (8 ms) */
    int    far_taps;           /* 0..1024; 64 */
    int    far_delay_samples;  /* start of the far window; 0..16000 */
    double mu;                 /* NLMS step, 0 < mu < 2; 0.5 */
    int    max_far_delay_samples; /* room for hs_echocan_set_far_delay; 0: far_delay_samples */
} hs_echocan_config;

hs_echocan_config hs_echocan_config_default(void);
const char       *hs_echocan_config_problem(const hs_echocan_config *c);

typedef struct hs_echocan hs_echocan;
hs_err hs_echocan_create(const hs_echocan_config *c, hs_echocan **out);
void   hs_echocan_reset(hs_echocan *ec);
void   hs_echocan_destroy(hs_echocan *ec);

void   hs_echocan_set_adapt(hs_echocan *ec, int on);
/* Moves the far window (e.g. once the round-trip delay is known) and resets; no allocation.
 * HS_EINVAL beyond max_far_delay_samples. */
hs_err hs_echocan_set_far_delay(hs_echocan *ec, int samples);
void   hs_echocan_set_mu(hs_echocan *ec, double mu);
/* out[i] = rx[i] - echo estimate from tx[..i]; tx is what this modem sent at the same
 * instants. out may alias rx. */
void   hs_echocan_process(hs_echocan *ec, const float *tx, const float *rx, float *out, size_t n);

double hs_echocan_get_echo_level_dbm0(const hs_echocan *ec);      /* input (echo + far signal) */
double hs_echocan_get_residual_level_dbm0(const hs_echocan *ec);  /* after cancellation */
double hs_echocan_get_erle_db(const hs_echocan *ec);
size_t hs_echocan_get_taps(const hs_echocan *ec, float *near, size_t nmax, float *far, size_t fmax);

#endif
