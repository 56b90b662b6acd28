/* dsp/ansam.h: V.25 ANS and V.8 ANSam answer tones: generator and detector/classifier.
 * See spec/v8.md §1.2-1.4 and §7.1-7.3. (Implementation: dsp/ansam.c.) */
#ifndef HS_ANSAM_H
#define HS_ANSAM_H

#include "hs.h"

/* ---- generator ---- */
typedef struct {
    float freq_hz;       /* 2100 */
    float level_dbm0;    /* power of the unmodulated carrier; -13 */
    int   am;            /* 1: 15 Hz AM at 20 % (ANSam); 0: plain ANS */
    float am_hz;         /* 15 */
    float am_depth;      /* 0.20 */
    int   reversals;     /* 1: 180 degree phase reversal every reversal_ms */
    float reversal_ms;   /* 450 */
} hs_ansam_config;

hs_ansam_config hs_ansam_config_ansam_pr(void);   /* ANSam/ : AM + reversals (V.34 duplex) */
const char     *hs_ansam_config_problem(const hs_ansam_config *c);

typedef struct hs_ansam_tx hs_ansam_tx;
hs_err hs_ansam_tx_create(const hs_ansam_config *c, hs_ansam_tx **out);
void   hs_ansam_tx_reset(hs_ansam_tx *t);
void   hs_ansam_tx_destroy(hs_ansam_tx *t);
void   hs_ansam_tx_process(hs_ansam_tx *t, float *out, size_t n);   /* exactly n samples */

/* ---- detector ----
 * Watches a received signal for a 2100 Hz answer tone, decides ANS versus ANSam from the
 * 15 Hz envelope, measures carrier frequency, AM rate and depth, and reversal period. */
typedef enum {
    HS_ANSDET_NONE = 0,   /* no answer tone */
    HS_ANSDET_TONE,       /* 2100 Hz present, not yet classified */
    HS_ANSDET_ANS,        /* classified: plain ANS (no AM) */
    HS_ANSDET_ANSAM,      /* classified: ANSam */
} hs_ansdet_state;

typedef struct {
    hs_ansdet_state state;
    uint64_t tone_start;      /* sample where the 2100 Hz tone was first present */
    uint64_t decided_at;      /* sample of the ANS/ANSam decision (0 if none yet) */
    uint64_t tone_end;        /* sample where the tone stopped (0 while present) */
    double   freq_hz;         /* measured carrier frequency */
    double   level_dbm0;      /* measured level */
    double   am_hz;           /* measured AM rate (0 if none) */
    double   am_depth;        /* measured AM depth m (0.20 nominal for ANSam) */
    int      reversals;       /* reversals seen so far */
    double   reversal_ms;     /* mean interval between reversals (0 if < 2) */
    uint64_t last_reversal;   /* sample of the last reversal */
} hs_ansdet_result;

typedef struct hs_ansdet hs_ansdet;
hs_err hs_ansdet_create(hs_ansdet **out);
void   hs_ansdet_reset(hs_ansdet *d);
void   hs_ansdet_destroy(hs_ansdet *d);
/* Consumes n samples (sample by sample inside: any block size gives the same result).
 * Returns 1 if the state changed at some sample of this block (poll hs_ansdet_get). For a
 * caller driving a state machine per sample, call with n = 1. */
int    hs_ansdet_process(hs_ansdet *d, const float *in, size_t n);
void   hs_ansdet_get(const hs_ansdet *d, hs_ansdet_result *r);

#endif
