/* dsp/v34p2.h: V.34 phase 2 (probing and ranging, [11.2]) for the call and the answer modem.
 *
 * Starts where V.8 ends (the call modem after sending CJ, the answer modem after receiving
 * CJ) with 75 ms of silence, then: INFO0 exchange (with the error recovery of [11.2.2]:
 * a modem that hears the far tone without a good far INFO0, or gets the far INFO0 again,
 * repeats its own INFO0 with the acknowledge bit set once it holds the far one), Tone A /
 * Tone B, the phase reversals with the 40 ms reply rule and the round-trip delay at both
 * ends, L1/L2 both ways with the probing analysis (dsp/probe.h), INFO1c and INFO1a. Ends
 * (HS_V34P2_DONE) when the call modem has received INFO1a or the answer modem has sent it.
 *
 * Full duplex, per sample: each sample is first received, then one is transmitted, like
 * dsp/modem.h. Events (HS_EV_PHASE, HS_EV_TX, HS_EV_V34_*) go into the hs_evq given at
 * create, stamped with the caller's sample clock (hs_v34p2_start sets its origin).
 * Failures are a state with a reason (hs_v34p2_get_reason), never a hang. */
#ifndef HS_V34P2_H
#define HS_V34P2_H

#include <stddef.h>
#include <stdint.h>

#include "events.h"
#include "hs.h"
#include "info.h"
#include "probe.h"

typedef struct {
    int      answer;            /* 0 = call modem, 1 = answer modem */
    float    p0_dbm0;           /* nominal transmit power P0 (-13) */
    hs_info0 info0;             /* own capabilities (bit 28 is managed here) */
    uint8_t  source;            /* event source: HS_SRC_CALLER / HS_SRC_ANSWERER */
    int      trace;             /* HS_EV_STATE for every transition */
    int      silence_ms;        /* initial silence (75); 0 when V.8 has already sent it */
    /* test hooks */
    int      corrupt_info0;     /* corrupt the CRC of this many first INFO0 sent */
    int      mute_after_ms;     /* > 0: stop transmitting after this long (a frame never comes) */
} hs_v34p2_config;

hs_v34p2_config hs_v34p2_config_default(int answer);
const char     *hs_v34p2_config_problem(const hs_v34p2_config *c);

typedef enum { HS_V34P2_RUNNING = 0, HS_V34P2_DONE, HS_V34P2_FAILED } hs_v34p2_status;

typedef struct hs_v34p2 hs_v34p2;
hs_err hs_v34p2_create(const hs_v34p2_config *c, hs_evq *ev, hs_v34p2 **out);
void   hs_v34p2_reset(hs_v34p2 *p);
void   hs_v34p2_destroy(hs_v34p2 *p);
/* Phase 2 begins with the next sample; `now` is the caller's clock at that sample. */
void   hs_v34p2_start(hs_v34p2 *p, uint64_t now);
/* Start after the 75 ms of silence that V.8 has already sent: past[0..n) are the samples
 * received during it (the last one just before `now`). They go through the receiver, so an
 * INFO0 the far modem began during that silence is not missed (the answer modem's silence
 * starts only once it has recognised CJ). The first INFO0 goes out at `now`. */
void   hs_v34p2_start_after_silence(hs_v34p2 *p, uint64_t now, const float *past, size_t n);
/* in may be NULL (silence). out receives n samples. Before start and after the end the
 * object transmits silence. */
void   hs_v34p2_process(hs_v34p2 *p, const float *in, float *out, size_t n);

hs_v34p2_status hs_v34p2_get_status(const hs_v34p2 *p);
const char     *hs_v34p2_get_reason(const hs_v34p2 *p);    /* failure reason or "ok" */
double          hs_v34p2_get_rtd_ms(const hs_v34p2 *p);    /* -1 until measured */
/* Far INFO0 / INFO1c / INFO1a as received (NULL until received with a good CRC). */
const hs_info0  *hs_v34p2_get_far_info0(const hs_v34p2 *p);
const hs_info1c *hs_v34p2_get_info1c(const hs_v34p2 *p);  /* sent (call) or received (answer) */
const hs_info1a *hs_v34p2_get_info1a(const hs_v34p2 *p);  /* received (call) or sent (answer) */
const hs_probe_result *hs_v34p2_get_probe(const hs_v34p2 *p);  /* NULL until analysed */
/* Symbol rate (Bd, nominal), carrier (Hz), pre-emphasis and power reduction of this modem's
 * own transmitter for phase 3, once decided; symbol_rate 0 before. */
typedef struct {
    int    symbol_rate;
    double carrier_hz;
    int    preemphasis;
    int    power_reduction_db;
    int    max_rate_bps;         /* projected maximum data rate for this direction */
} hs_v34p2_choice;
hs_v34p2_choice hs_v34p2_get_choice(const hs_v34p2 *p);
uint64_t        hs_v34p2_get_info0_sent(const hs_v34p2 *p);   /* how many INFO0 were sent */


#endif
