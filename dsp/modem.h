/* dsp/modem.h: one modem endpoint (caller or answerer) that runs the start-up phases in
 * order: V.8, then (when both sides chose V.34 duplex) V.34 phases 2, 3 and 4.
 *
 * Full duplex, one call: for every sample the endpoint first takes the received sample,
 * then produces the transmitted one. Because all the work happens sample by sample inside,
 * the output and the events are identical for any split of the input into blocks
 * (1, 7, 160 samples or the whole signal). */
#ifndef HS_MODEM_H
#define HS_MODEM_H

#include "events.h"
#include "hs.h"

typedef enum { HS_ROLE_CALLER = 0, HS_ROLE_ANSWERER = 1 } hs_role;

/* V.8 modulation modes (bit i = V.8 priority item number i, spec/v8.md §4.4). */
enum {
    HS_MOD_PCM_PRESENT = 1u << 0,  /* modn0 b5 (flag only) */
    HS_MOD_V34_DUPLEX  = 1u << 1,
    HS_MOD_V34_HALF    = 1u << 2,
    HS_MOD_V32BIS      = 1u << 3,
    HS_MOD_V22BIS      = 1u << 4,
    HS_MOD_V17         = 1u << 5,
    HS_MOD_V29         = 1u << 6,
    HS_MOD_V27TER      = 1u << 7,
    HS_MOD_V26TER      = 1u << 8,
    HS_MOD_V26BIS      = 1u << 9,
    HS_MOD_V23_DUPLEX  = 1u << 10,
    HS_MOD_V23_HALF    = 1u << 11,
    HS_MOD_V21         = 1u << 12,
};

/* What the answerer sends as its answer tone (tests use the others to force fallbacks). */
typedef enum {
    HS_ANSWER_ANSAM_PR = 0, /* ANSam with phase reversals (V.34 duplex): the default */
    HS_ANSWER_ANSAM,        /* ANSam without reversals */
    HS_ANSWER_ANS,          /* plain V.25 ANS (no V.8): caller must fall back */
    HS_ANSWER_ANS_PR,       /* ANS with reversals */
    HS_ANSWER_SILENT,       /* never answers */
} hs_answer_tone;

/* How far the endpoint goes before it reports its result and falls silent. */
typedef enum {
    HS_STOP_AFTER_V8 = 0,
    HS_STOP_AFTER_PHASE2,
    HS_STOP_AFTER_PHASE3,
    HS_STOP_AT_CONNECT,     /* the whole start-up, as far as the engine goes */
} hs_stop_after;

typedef struct {
    hs_role        role;
    float          level_dbm0;    /* nominal transmit power P0 of every start-up signal; -13 */
    uint32_t       modes;         /* HS_MOD_* offered (CM) or available (JM) */
    int            lapm;          /* offer/accept LAPM (V.42) in prot0 */
    int            send_ci;       /* caller: send CI bursts while waiting for the answer tone */
    hs_answer_tone answer_tone;   /* answerer only */
    hs_stop_after  stop_after;
    int            trace;         /* emit HS_EV_STATE for every transition */
} hs_modem_config;

hs_modem_config hs_modem_config_default(hs_role role);
const char     *hs_modem_config_problem(const hs_modem_config *c);   /* NULL if usable */

typedef enum { HS_MODEM_RUNNING = 0, HS_MODEM_DONE, HS_MODEM_FAILED } hs_modem_status;

typedef struct hs_modem hs_modem;
hs_err hs_modem_create(const hs_modem_config *c, hs_modem **out);
void   hs_modem_reset(hs_modem *m);
void   hs_modem_destroy(hs_modem *m);                   /* NULL is a no-op */

/* Consumes in[0..n) and writes out[0..n). in may be NULL (silence received). */
void   hs_modem_process(hs_modem *m, const float *in, float *out, size_t n);
/* Takes the oldest pending event; 1 if one was returned. */
int    hs_modem_poll(hs_modem *m, hs_event *ev);

hs_modem_status hs_modem_get_status(const hs_modem *m);
uint64_t        hs_modem_get_now(const hs_modem *m);    /* samples processed */
/* After HS_MODEM_DONE/FAILED: the negotiated mode ("V.34 duplex") or the failure reason. */
const char     *hs_modem_get_result(const hs_modem *m);

#endif
