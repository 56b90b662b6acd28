/* tests/common/v34mon_rec.h: a recording of V.8 + V.34 phase 2 made by the real sim
 * (dsp/sim.h, both modems with stop_after HS_STOP_AFTER_PHASE2), for the analyser tests:
 * what each modem sent (no line delay in these), and the sim's own events as the truth. */
#ifndef V34MON_REC_H
#define V34MON_REC_H

#include <stddef.h>
#include <stdint.h>

#include "events.h"

typedef struct {
    float    *caller, *answerer;  /* what each modem sent, n samples */
    size_t    n;
    hs_event *ev;                 /* every sim event, in order */
    size_t    nev;
    double    delay;              /* the line's one-way delay, samples (sim receivers' clock
                                   * minus the transmitter's for a received signal) */
    int       ok;                 /* both modems finished phase 2 */
} v34mon_rec;

/* Runs the sim on its default line (seed fixed) with the line's SNR set to line_snr_db
 * (0 = the default line's): the modems' probing, and so INFO1c/INFO1a, follow it. 0 on
 * success. */
int  v34mon_rec_make(v34mon_rec *r, double line_snr_db);
void v34mon_rec_free(v34mon_rec *r);

/* Truth from the sim's events. */
/* i-th (0-based) transmit span of `signal` by `source` ("Tone A", "L1", ...): from its
 * HS_EV_TX event to the next HS_EV_TX of the same source. 1 if found. */
int  v34mon_rec_tx_span(const v34mon_rec *r, int source, const char *signal, int i,
                        uint64_t *start, uint64_t *end);
/* i-th received event of `type` (as the far modem decoded it). NULL if none. */
const hs_event *v34mon_rec_find(const v34mon_rec *r, hs_ev_type type, int i);

#endif

/* What the analyser reported, in a form both the engine's events and `analyze --events
 * json` lines convert to. */
typedef struct {
    int      type;                /* hs_ev_type */
    uint64_t start, sample;
    int      crc_ok;              /* -1 if absent */
    int      carrier_hz;          /* 0 if absent */
    int      channel;             /* event source / JSON "channel" */
    char     bits[160];           /* "" if none */
} v34mon_obs;

void v34mon_obs_from_event(const hs_event *e, v34mon_obs *o);
/* One JSON line of `analyze --events json`; 0 if it is not a V.34 phase-2 event. */
int  v34mon_obs_from_json(const char *line, v34mon_obs *o);

/* Compares the analyser's findings with the sim's truth for the modems present in the
 * recording (caller / answerer) and runs the checks (prints each). tol_ms: tone and L1/L2
 * edges; reversals and frame starts are held to 2 ms. Returns the number of failed checks. */
int  v34mon_rec_check(const v34mon_rec *r, const v34mon_obs *obs, size_t n, int caller,
                      int answerer, double tol_ms, const char *label);
