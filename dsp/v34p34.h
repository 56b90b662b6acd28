/* dsp/v34p34.h: V.34 phases 3 and 4 for one modem (caller or answerer), full duplex
 * [V.34 11.3, 11.4; digest §3.4, §5, §6].
 *
 * Starts where phase 2 ended (after INFO1a) with the symbol rates, carriers, pre-emphasis and
 * level that phase 2 chose, and runs
 *   answerer: 70 ms silence, S, S-bar, PP, TRN, J... (until the caller's S -> S-bar), silence
 *             (trains on the caller's PP/TRN, waits for its J), S, S-bar, TRN (until its
 *             receiver has trained on the caller's TRN), MP..., MP'..., E, B1, data
 *   caller:   listens (trains on the answerer's PP/TRN, waits for J), S, S-bar, PP, TRN,
 *             J... (until the answerer's S -> S-bar), J', TRN, MP..., MP'..., E, B1, data
 * with the scrambler of its role (GPC caller, GPA answerer) reset before every TRN and B1.
 * Each modem trains its echo canceller during its own phase-3 transmission (the far end is
 * silent then) and its equalizer on the far PP and TRN; the SNR measured on the far phase-4
 * TRN gives the rate it can receive (digest §9 rule (b) + margin), which it places in its MP;
 * the final rate follows §6.4 from both MPs. Then `connect`.
 *
 * Not yet: MD, retrain/renegotiation, INFOMARKS recovery; B1 and data are scrambled ones on
 * the phase-4 constellation (the data-mode encoder does not exist yet), one data frame long.
 *
 * Events (source = config.source): tx (signal starts), v34.s (far S -> S-bar), v34.pp (PP
 * alignment), v34.trn (far TRN trained: SNR), v34.eq (equalizer/echo canceller figures), v34.j,
 * v34.mp (bits, crc_ok, decoded fields), v34.e, v34.b1, connect (rate_bps, symbol_rate,
 * carrier_hz, snr_db), result (failure with a reason, if config.emit_result), state (trace).
 * v34.eq "equalizer" every eq_report_ms while the receiver trains or decides, and once at
 * connect: mse, mse_db, snr_db, timing_ppm, carrier_offset_hz, residual_dbm0 (echo canceller),
 * erle_db, points + octets payload = the last `points` equalised symbols as int8 I,Q x32. */
#ifndef HS_V34P34_H
#define HS_V34P34_H

#include "events.h"
#include "hs.h"
#include "modem.h"

typedef struct {
    hs_role  role;
    int      tx_sr, tx_high;   /* own transmitter: symbol-rate index 0..5, high carrier */
    int      tx_preemph;       /* pre-emphasis index 0..10 asked by the far modem */
    int      rx_sr, rx_high;   /* far transmitter */
    double   level_dbm0;       /* P0 minus the power reduction; -13 */
    double   rtd_ms;           /* round-trip delay from phase 2: far echo window, time-outs */
    int      max_n;            /* highest rate N: 14 with 1664-point support on both sides, else 12 */
    double   margin_db;        /* SNR margin over §9 rule (b) for the rate this modem receives; 2 */
    int      trn3_symbols;     /* own phase-3 TRN, >= 512; 1024 */
    int      j_points;         /* constellation asked of the far modem for phase 4: 4 or 16 */
    int      trace;            /* emit state transitions */
    uint8_t  source;           /* event source */
    uint64_t start_sample;     /* engine time of this object's sample 0 (event stamps) */
    int      emit_result;      /* 1: a failure is also reported as HS_EV_RESULT (standalone);
                                * the modem sets 0 and reports the result itself */
    int      eq_report_ms;     /* HS_EV_V34_EQ period while the equalizer runs; 50 (0 = off) */
} hs_v34p34_config;

#define HS_V34P34_EQ_POINTS 64  /* equalised points carried by an HS_EV_V34_EQ */

hs_v34p34_config hs_v34p34_config_default(hs_role role, int symbol_rate_index, int high_carrier);
const char      *hs_v34p34_config_problem(const hs_v34p34_config *c);

typedef enum { HS_V34P34_RUNNING = 0, HS_V34P34_CONNECTED, HS_V34P34_FAILED } hs_v34p34_status;

typedef struct hs_v34p34 hs_v34p34;
hs_err hs_v34p34_create(const hs_v34p34_config *c, hs_evq *ev, hs_v34p34 **out);
void   hs_v34p34_reset(hs_v34p34 *p);
/* (Re)starts phase 3 with a new configuration (what phase 2 decided) without allocating:
 * the modem creates the object up front and starts it when phase 2 ends. Sample 0 of the
 * new run is c->start_sample. */
hs_err hs_v34p34_start(hs_v34p34 *p, const hs_v34p34_config *c);
void   hs_v34p34_destroy(hs_v34p34 *p);
/* Full duplex: for each sample, first takes in[i] (NULL = silence), then writes out[i]. */
void   hs_v34p34_process(hs_v34p34 *p, const float *in, float *out, size_t n);

hs_v34p34_status hs_v34p34_get_status(const hs_v34p34 *p);
int         hs_v34p34_get_phase(const hs_v34p34 *p);     /* 3 or 4 (where it failed, if it did) */
const char *hs_v34p34_get_state_name(const hs_v34p34 *p);
const char *hs_v34p34_get_reason(const hs_v34p34 *p);   /* failure reason, or NULL */
int    hs_v34p34_get_rate_bps(const hs_v34p34 *p, int *tx_bps, int *rx_bps);  /* 0 before */
double hs_v34p34_get_rx_snr_db(const hs_v34p34 *p);     /* on the far phase-4 TRN */
double hs_v34p34_get_erle_db(const hs_v34p34 *p);       /* echo canceller at the end of training */
uint64_t hs_v34p34_get_connect_sample(const hs_v34p34 *p);   /* 0 before */
struct hs_qamrx *hs_v34p34_get_rx(hs_v34p34 *p);        /* the receiver, for its getters */

/* Symbol-rate index (0..5) of a nominal rate in Bd (2400, 2743, 2800, 3000, 3200, 3429), -1 if
 * none; the high-carrier flag of a carrier at that rate (1 if it is the high one). */
int hs_v34_symbol_rate_index(int nominal_bd);
int hs_v34_is_high_carrier(int symbol_rate_index, double carrier_hz);

#endif
