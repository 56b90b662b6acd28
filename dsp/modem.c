/* dsp/modem.c: one modem endpoint (contract: modem.h). It runs the start-up phases in order;
 * today that is V.8 (dsp/v8.h). The phase enum and the switch in process_sample() are where
 * V.34 phase 2 (and later 3 and 4) plug in. */
#include "modem.h"

#include "v34p2.h"
#include "v8.h"

#include <stdlib.h>
#include <string.h>

#define EVQ_CAPACITY 1024
#define HIST 600             /* 75 ms of received samples, replayed into phase 2 */

typedef enum {
    PH_V8 = 0,
    PH_V34_PHASE2,   /* hook: V.34 phase 2 (helper v34p2), after V.8 chose V.34 duplex */
    PH_END,          /* result reported; silent from here on */
} modem_phase;

struct hs_modem {
    hs_modem_config c;
    hs_evq         *ev;
    hs_v8          *v8;
    hs_v34p2       *p2;
    float           hist[HIST];   /* last received samples (V.8's final silence) */
    modem_phase     phase;
    hs_modem_status status;
    const char     *result;
    uint64_t        now;
};

hs_modem_config hs_modem_config_default(hs_role role)
{
    hs_modem_config c;
    memset(&c, 0, sizeof c);
    c.role = role;
    c.level_dbm0 = -13.0f;                      /* spec/v8.md §1.5 */
    c.modes = HS_MOD_V34_DUPLEX | HS_MOD_V32BIS | HS_MOD_V22BIS;   /* CM C1 45 13 10 2A */
    c.lapm = 1;
    c.send_ci = 0;
    c.answer_tone = HS_ANSWER_ANSAM_PR;
    c.stop_after = HS_STOP_AT_CONNECT;          /* as far as the engine goes */
    c.trace = 0;
    return c;
}

static hs_v8_config v8_config(const hs_modem_config *c)
{
    hs_v8_config v = hs_v8_config_default(c->role);
    v.level_dbm0 = c->level_dbm0;
    v.modes = c->modes;
    v.lapm = c->lapm;
    v.send_ci = c->send_ci;
    v.answer_tone = c->answer_tone;
    v.trace = c->trace;
    return v;
}

const char *hs_modem_config_problem(const hs_modem_config *c)
{
    if (!c) return "config is NULL";
    if ((unsigned)c->stop_after > HS_STOP_AT_CONNECT) return "stop_after is not an hs_stop_after";
    hs_v8_config v = v8_config(c);
    return hs_v8_config_problem(&v);
}

hs_err hs_modem_create(const hs_modem_config *c, hs_modem **out)
{
    *out = NULL;
    if (hs_modem_config_problem(c)) return HS_EINVAL;
    hs_modem *m = calloc(1, sizeof *m);
    if (!m) return HS_ENOMEM;
    m->c = *c;
    hs_err err = (hs_err)hs_evq_create(EVQ_CAPACITY, &m->ev);
    if (!err) {
        hs_v8_config v = v8_config(c);
        err = hs_v8_create(&v, m->ev, &m->v8);
    }
    if (!err) {
        hs_v34p2_config p = hs_v34p2_config_default(c->role == HS_ROLE_ANSWERER);
        p.p0_dbm0 = c->level_dbm0;
        p.trace = c->trace;
        p.silence_ms = 0;                        /* V.8 ends with the 75 ms of silence */
        err = hs_v34p2_create(&p, m->ev, &m->p2);
    }
    if (err) { hs_modem_destroy(m); return err; }
    hs_modem_reset(m);
    *out = m;
    return HS_OK;
}

static uint8_t source(const hs_modem *m) { return m->c.role == HS_ROLE_CALLER ? HS_SRC_CALLER : HS_SRC_ANSWERER; }

void hs_modem_reset(hs_modem *m)
{
    hs_evq_reset(m->ev);
    m->now = 0;
    m->phase = PH_V8;
    m->status = HS_MODEM_RUNNING;
    m->result = NULL;
    memset(m->hist, 0, sizeof m->hist);
    hs_event e;
    hs_event_init(&e, HS_EV_PHASE, source(m), 0);
    hs_event_str(&e, "name", "V.8");
    hs_evq_push(m->ev, &e);
    hs_v8_reset(m->v8);   /* emits its first events (tx silence) after the phase event */
    hs_v34p2_reset(m->p2);
}

void hs_modem_destroy(hs_modem *m)
{
    if (!m) return;
    hs_v8_destroy(m->v8);
    hs_v34p2_destroy(m->p2);
    hs_evq_destroy(m->ev);
    free(m);
}

static void finish(hs_modem *m, int ok, const char *what, const char *phase)
{
    hs_event e;
    hs_event_init(&e, HS_EV_RESULT, source(m), m->now);
    hs_event_bool(&e, "ok", ok);
    hs_event_str(&e, ok ? "mode" : "reason", what);
    hs_event_str(&e, "phase", phase);
    hs_evq_push(m->ev, &e);
    m->status = ok ? HS_MODEM_DONE : HS_MODEM_FAILED;
    m->result = what;
    m->phase = PH_END;
}

/* V.8 is over (after its 75 ms of silence): hand over or report. */
static void v8_ended(hs_modem *m)
{
    if (hs_v8_get_status(m->v8) == HS_V8_FAILED) {
        finish(m, 0, hs_v8_get_reason(m->v8), "V.8");
        return;
    }
    uint32_t mode = hs_v8_get_mode(m->v8);
    if (mode == HS_MOD_V34_DUPLEX && m->c.stop_after > HS_STOP_AFTER_V8) {
        /* V.34 phase 2 (dsp/v34p2.h) starts with the next sample; it emits its own
         * HS_EV_PHASE "V.34 phase 2". Phases 3 and 4 are not there yet: the endpoint's
         * result is phase 2's for every stop_after beyond V.8. */
        float past[HIST];
        for (size_t i = 0; i < HIST; i++) past[i] = m->hist[(m->now + 1 + i) % HIST];
        hs_v34p2_start_after_silence(m->p2, m->now + 1, past, HIST);
        m->phase = PH_V34_PHASE2;
        return;
    }
    finish(m, 1, hs_v8_get_mode_name(m->v8), "V.8");
}

static float process_sample(hs_modem *m, float x)
{
    float y = 0.0f;
    switch (m->phase) {
    case PH_V8:
        m->hist[m->now % HIST] = x;
        hs_v8_process(m->v8, &x, &y, 1);
        if (hs_v8_get_status(m->v8) != HS_V8_RUNNING) v8_ended(m);
        break;
    case PH_V34_PHASE2:
        hs_v34p2_process(m->p2, &x, &y, 1);
        if (hs_v34p2_get_status(m->p2) == HS_V34P2_DONE)
            finish(m, 1, hs_v8_get_mode_name(m->v8), "V.34 phase 2");
        else if (hs_v34p2_get_status(m->p2) == HS_V34P2_FAILED)
            finish(m, 0, hs_v34p2_get_reason(m->p2), "V.34 phase 2");
        break;
    case PH_END:
        break;
    }
    return y;
}

void hs_modem_process(hs_modem *m, const float *in, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = process_sample(m, in ? in[i] : 0.0f);
        m->now++;
    }
}

int hs_modem_poll(hs_modem *m, hs_event *ev) { return hs_evq_pop(m->ev, ev); }
hs_modem_status hs_modem_get_status(const hs_modem *m) { return m->status; }
uint64_t hs_modem_get_now(const hs_modem *m) { return m->now; }
const char *hs_modem_get_result(const hs_modem *m) { return m->result; }
