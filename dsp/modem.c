/* dsp/modem.c: one modem endpoint (contract: modem.h). It runs the start-up phases in order:
 * V.8 (dsp/v8.h), then, when V.8 chose V.34 duplex, V.34 phase 2 (dsp/v34p2.h) and phases 3
 * and 4 (dsp/v34p34.h) up to CONNECT. */
#include "modem.h"

#include "info.h"
#include "v34p2.h"
#include "v34p34.h"
#include "v8.h"

#include <stdlib.h>
#include <string.h>

#define EVQ_CAPACITY 1024
#define HIST 600             /* 75 ms of received samples, replayed into phase 2 */

typedef enum {
    PH_V8 = 0,
    PH_V34_PHASE2,   /* V.34 phase 2, after V.8 chose V.34 duplex */
    PH_V34_P34,      /* V.34 phases 3 and 4, after INFO1a */
    PH_END,          /* result reported; silent from here on */
} modem_phase;

struct hs_modem {
    hs_modem_config c;
    hs_evq         *ev;
    hs_v8          *v8;
    hs_v34p2       *p2;
    hs_v34p34      *p34;
    float           hist[HIST];   /* last received samples (V.8's final silence) */
    size_t          hist_pos;     /* where the next received sample goes: (now) % HIST */
    modem_phase     phase;
    int             p4_announced;
    uint64_t        j_since;       /* caller: when its phase-3 J began (stop after phase 3) */
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
    /* Later phases are allocated up front, but only when this endpoint may reach them: a
     * modem that stops after V.8 carries no V.34 objects (their set-up costs more than the
     * whole V.8 exchange). */
    if (!err && c->stop_after > HS_STOP_AFTER_V8) {
        hs_v34p2_config p = hs_v34p2_config_default(c->role == HS_ROLE_ANSWERER);
        p.p0_dbm0 = c->level_dbm0;
        p.trace = c->trace;
        p.silence_ms = 0;                        /* V.8 ends with the 75 ms of silence */
        err = hs_v34p2_create(&p, m->ev, &m->p2);
    }
    if (!err && c->stop_after > HS_STOP_AFTER_PHASE2) {   /* hs_v34p34_start() configures it when phase 2 ends */
        hs_v34p34_config q = hs_v34p34_config_default(c->role, HS_V34_S2400, 0);
        q.level_dbm0 = c->level_dbm0;
        q.trace = c->trace;
        err = hs_v34p34_create(&q, m->ev, &m->p34);
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
    m->p4_announced = 0;
    m->j_since = 0;
    m->status = HS_MODEM_RUNNING;
    m->result = NULL;
    memset(m->hist, 0, sizeof m->hist);
    m->hist_pos = 0;
    hs_event e;
    hs_event_init(&e, HS_EV_PHASE, source(m), 0);
    hs_event_str(&e, "name", "V.8");
    hs_evq_push(m->ev, &e);
    hs_v8_reset(m->v8);   /* emits its first events (tx silence) after the phase event */
    if (m->p2) hs_v34p2_reset(m->p2);
}

void hs_modem_destroy(hs_modem *m)
{
    if (!m) return;
    hs_v8_destroy(m->v8);
    hs_v34p2_destroy(m->p2);
    hs_v34p34_destroy(m->p34);
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
         * HS_EV_PHASE "V.34 phase 2". */
        float past[HIST];
        for (size_t i = 0; i < HIST; i++) past[i] = m->hist[(m->hist_pos + i) % HIST];   /* oldest first */
        hs_v34p2_start_after_silence(m->p2, m->now + 1, past, HIST);
        m->phase = PH_V34_PHASE2;
        return;
    }
    finish(m, 1, hs_v8_get_mode_name(m->v8), "V.8");
}

/* Phase 2 is over (caller: INFO1a received; answerer: INFO1a sent): start phases 3 and 4
 * with what phase 2 decided [11.3.1, digest §3.4]. The caller listens for the answerer's S;
 * the answerer sends its own 70 ms of silence first (inside hs_v34p34). Returns 0 and
 * reports a failure if the decision is unusable. */
static int start_p34(hs_modem *m)
{
    hs_v34p2_choice ch = hs_v34p2_get_choice(m->p2);
    const hs_info1a *a = hs_v34p2_get_info1a(m->p2);
    const hs_info1c *ic = hs_v34p2_get_info1c(m->p2);
    const hs_info0 *far0 = hs_v34p2_get_far_info0(m->p2);
    int tx_sr = hs_v34_symbol_rate_index(ch.symbol_rate);
    if (tx_sr < 0 || !a || !far0) return 0;
    hs_v34p34_config q = hs_v34p34_config_default(m->c.role, tx_sr, 0);
    q.tx_high = hs_v34_is_high_carrier(tx_sr, ch.carrier_hz);
    q.tx_preemph = ch.preemphasis;
    q.level_dbm0 = (double)m->c.level_dbm0 - ch.power_reduction_db;
    if (m->c.role == HS_ROLE_CALLER) {        /* far = answer -> call: INFO1a bits 34-36 */
        q.rx_sr = a->rate_ac % HS_V34_NRATES;
        q.rx_high = ic ? ic->rate[q.rx_sr].carrier_high : 0;   /* the carrier INFO1c asked for */
    } else {                                  /* far = call -> answer: bits 37-39, bit 25 */
        q.rx_sr = a->rate_ca % HS_V34_NRATES;
        q.rx_high = a->carrier_high;
    }
    double rtd = hs_v34p2_get_rtd_ms(m->p2);
    q.rtd_ms = rtd < 0.0 ? 0.0 : rtd > 1500.0 ? 1500.0 : rtd;
    q.max_n = hs_info0_default().c1664 && far0->c1664 ? 14 : 12;
    q.trace = m->c.trace;
    q.emit_result = 0;   /* finish() reports it */
    q.source = source(m);
    q.start_sample = m->now + 1;
    if (q.level_dbm0 < -60.0) q.level_dbm0 = -60.0;
    if (hs_v34p34_start(m->p34, &q) != HS_OK) return 0;
    hs_event e;
    hs_event_init(&e, HS_EV_PHASE, source(m), m->now + 1);
    hs_event_str(&e, "name", "V.34 phase 3");
    hs_evq_push(m->ev, &e);
    m->phase = PH_V34_P34;
    return 1;
}

/* Stop point after phase 3: the answerer once it has the caller's J (it would start phase 4);
 * the caller once its J has gone out long enough for the answerer to have two of them
 * (one round trip + 100 ms), since the answerer will not send its phase-4 S. */
static int phase3_over(hs_modem *m)
{
    if (hs_v34p34_get_status(m->p34) != HS_V34P34_RUNNING) return 0;
    if (hs_v34p34_get_phase(m->p34) >= 4) return 1;
    if (m->c.role != HS_ROLE_CALLER || strcmp(hs_v34p34_get_state_name(m->p34), "J") != 0) return 0;
    if (!m->j_since) m->j_since = m->now;
    double rtd = hs_v34p2_get_rtd_ms(m->p2);
    return m->now - m->j_since >= (uint64_t)HS_MS((rtd > 0.0 ? rtd : 0.0) + 100.0);
}

static float process_sample(hs_modem *m, float x)
{
    float y = 0.0f;
    switch (m->phase) {
    case PH_V8:
        if (m->p2) {   /* only a modem that goes on to phase 2 replays V.8's last 75 ms */
            m->hist[m->hist_pos] = x;
            if (++m->hist_pos == HIST) m->hist_pos = 0;
        }
        hs_v8_process(m->v8, &x, &y, 1);
        if (hs_v8_get_status(m->v8) != HS_V8_RUNNING) v8_ended(m);
        break;
    case PH_V34_PHASE2:
        hs_v34p2_process(m->p2, &x, &y, 1);
        if (hs_v34p2_get_status(m->p2) == HS_V34P2_DONE) {
            if (m->c.stop_after < HS_STOP_AFTER_PHASE3)
                finish(m, 1, hs_v8_get_mode_name(m->v8), "V.34 phase 2");
            else if (!start_p34(m))
                finish(m, 0, "phase 2 ended without a usable symbol rate", "V.34 phase 2");
        }
        else if (hs_v34p2_get_status(m->p2) == HS_V34P2_FAILED)
            finish(m, 0, hs_v34p2_get_reason(m->p2), "V.34 phase 2");
        break;
    case PH_V34_P34:
        hs_v34p34_process(m->p34, &x, &y, 1);
        if (!m->p4_announced && hs_v34p34_get_phase(m->p34) == 4 &&
            hs_v34p34_get_status(m->p34) == HS_V34P34_RUNNING) {
            m->p4_announced = 1;
            hs_event e;
            hs_event_init(&e, HS_EV_PHASE, source(m), m->now);
            hs_event_str(&e, "name", "V.34 phase 4");
            hs_evq_push(m->ev, &e);
        }
        if (m->c.stop_after == HS_STOP_AFTER_PHASE3 && phase3_over(m)) {
            finish(m, 1, hs_v8_get_mode_name(m->v8), "V.34 phase 3");
        } else if (hs_v34p34_get_status(m->p34) == HS_V34P34_CONNECTED) {
            finish(m, 1, hs_v8_get_mode_name(m->v8), "V.34 phase 4");
        } else if (hs_v34p34_get_status(m->p34) == HS_V34P34_FAILED) {
            const char *r = hs_v34p34_get_reason(m->p34);
            finish(m, 0, r ? r : "V.34 phases 3/4 failed", "V.34 phase 3/4");
        }
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
