/* tests/common/tones_spandsp.h: spandsp 0.0.6's V.8 endpoint with the same shape as our
 * hs_modem (float samples at 8000 Hz, rx then tx per block), for interop tests and the
 * V.8 benchmark. Header-only (static functions) so that only users that link spandsp
 * (tests/interop, tests/bench) compile it; include it only when HS_HAVE_SPANDSP.
 * Levels: float 1.0 = int16 32767 (tests/common/tones_s16.h). */
#ifndef HS_TONES_SPANDSP_H
#define HS_TONES_SPANDSP_H

#include <spandsp.h>
#include <stdlib.h>
#include <string.h>
#include "tones_s16.h"

typedef struct {
    v8_state_t *v8;
    int         caller;
    int         done;          /* 0 running, 1 V.8 call negotiated, -1 failed/non-V.8 */
    int         status;        /* last V8_STATUS_* reported */
    unsigned    modulations;   /* reported by the result handler */
    int         call_function, protocol;
    uint64_t    now;           /* samples processed */
    uint64_t    done_at;       /* sample of the final report */
    int16_t     bin[160], bout[160];
} hs_sp_v8;

static void hs_sp_v8_handler(void *user, v8_parms_t *r)
{
    hs_sp_v8 *e = user;
    e->status = r->status;
    if (r->status == V8_STATUS_V8_CALL) {
        e->done = 1;
        e->modulations = r->modulations;
        e->call_function = r->call_function;
        e->protocol = r->protocol;
        e->done_at = e->now;
    } else if (r->status == V8_STATUS_NON_V8_CALL || r->status == V8_STATUS_FAILED) {
        e->done = -1;
        e->done_at = e->now;
    } else if (r->status == V8_STATUS_V8_OFFERED) {
        e->modulations = r->modulations;
    }
}

/* V.34 duplex + V.32bis + V.22bis (+ V.21), LAPM, data call, ANSam/ (answerer), CI on. */
static hs_sp_v8 *hs_sp_v8_create(int caller, unsigned modulations)
{
    hs_sp_v8 *e = calloc(1, sizeof *e);
    v8_parms_t p;
    memset(&p, 0, sizeof p);
    p.modem_connect_tone = MODEM_CONNECT_TONES_ANSAM_PR;
    p.send_ci = 1;
    p.v92 = -1;
    p.call_function = V8_CALL_V_SERIES;
    p.modulations = modulations;
    p.protocol = V8_PROTOCOL_LAPM_V42;
    p.pstn_access = 0;
    p.pcm_modem_availability = 0;
    p.nsf = -1;
    p.t66 = -1;
    e->caller = caller;
    e->v8 = v8_init(NULL, caller, &p, hs_sp_v8_handler, e);
    return e;
}

static void hs_sp_v8_destroy(hs_sp_v8 *e)
{
    if (!e) return;
    v8_free(e->v8);
    free(e);
}

/* in may be NULL (silence). After the negotiation spandsp sends nothing (zeros). */
static void hs_sp_v8_process(hs_sp_v8 *e, const float *in, float *out, size_t n)
{
    while (n) {
        size_t m = n < 160 ? n : 160;
        if (in) hs_f2s16(in, e->bin, m);
        else memset(e->bin, 0, m * sizeof e->bin[0]);
        v8_rx(e->v8, e->bin, (int)m);
        int k = v8_tx(e->v8, e->bout, (int)m);
        if (k < 0) k = 0;
        if ((size_t)k < m) memset(e->bout + k, 0, (m - (size_t)k) * sizeof e->bout[0]);
        hs_s162f(e->bout, out, m);
        e->now += m;
        if (in) in += m;
        out += m;
        n -= m;
    }
}

#endif
