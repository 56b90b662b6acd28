/* dsp/v8.h: the V.8 phase of one endpoint: caller (spec/v8.md §5.2) or answerer (§5.3)
 * state machine with its signals: answer tone generator/detector (ansam.h), V.21 FSK
 * (fsk.h) and the message codec/receiver (v8msg.h).
 *
 * Full duplex, sample by sample: for every sample the received sample is taken first
 * (detectors, FSK receiver, state machine), then the transmitted one is produced. Events
 * (tx, tone, v8.ci/cm/jm/cj, state when tracing) go into the hs_evq given at create.
 * The phase ends DONE (a mode was chosen) or FAILED (a reason), after the 75 ms silence. */
#ifndef HS_V8_H
#define HS_V8_H

#include "events.h"
#include "hs.h"
#include "modem.h"

typedef struct {
    hs_role        role;
    float          level_dbm0;       /* every V.8 signal; -13 */
    uint32_t       modes;            /* HS_MOD_* offered (CM) / available (JM) */
    int            lapm;
    int            send_ci;          /* caller: CI bursts while waiting for the answer tone */
    hs_answer_tone answer_tone;      /* answerer */
    int            trace;            /* HS_EV_STATE for every transition */
    /* Timers in ms (defaults and the clauses they come from in v8.c, hs_v8_config_default). */
    uint32_t caller_silence_ms;      /* 1000 */
    uint32_t te_ms;                  /* 1000 */
    uint32_t t_ans_ms;               /* 30000 */
    uint32_t t_jm_ms;                /* 5000 */
    uint32_t answer_silence_ms;      /* 200 */
    uint32_t t_cm_ms;                /* 5000 */
    uint32_t t_cj_ms;                /* 5000 */
    uint32_t final_silence_ms;       /* 75 */
} hs_v8_config;

hs_v8_config hs_v8_config_default(hs_role role);
const char  *hs_v8_config_problem(const hs_v8_config *c);   /* NULL if usable */

typedef enum { HS_V8_RUNNING = 0, HS_V8_DONE, HS_V8_FAILED } hs_v8_status;

typedef struct hs_v8 hs_v8;
/* ev: where events go (not owned; may be NULL). source: HS_SRC_CALLER/ANSWERER. */
hs_err hs_v8_create(const hs_v8_config *c, hs_evq *ev, hs_v8 **out);
void   hs_v8_reset(hs_v8 *v);
void   hs_v8_destroy(hs_v8 *v);                       /* NULL is a no-op */
/* Consumes in[0..n) (NULL: silence) and writes out[0..n). */
void   hs_v8_process(hs_v8 *v, const float *in, float *out, size_t n);

hs_v8_status hs_v8_get_status(const hs_v8 *v);
uint64_t     hs_v8_get_now(const hs_v8 *v);
const char  *hs_v8_get_state_name(const hs_v8 *v);   /* "C4 SEND_CM", ... */
uint32_t     hs_v8_get_mode(const hs_v8 *v);          /* one HS_MOD_* bit once DONE */
const char  *hs_v8_get_mode_name(const hs_v8 *v);     /* "V.34 duplex"; NULL unless DONE */
const char  *hs_v8_get_reason(const hs_v8 *v);        /* failure reason; NULL unless FAILED */
/* The JM that settled the call (sent by an answerer, accepted by a caller): octet count. */
size_t       hs_v8_get_jm(const hs_v8 *v, uint8_t *oct, size_t cap);

#endif
