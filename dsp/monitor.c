/* dsp/monitor.c: passive monitor of one recorded channel (contract: dsp/monitor.h).
 *
 * Blocks, all fed the same samples, sample by sample inside:
 *  - answer tone: hs_ansdet (dsp/ansam.h). One HS_EV_TONE per tone, reported when the tone
 *    ends (or at hs_monitor_finish), so that it carries the whole measurement: name
 *    ANS / ANS/ / ANSam / ANSam/ ("/" = phase reversals seen), freq_hz, level_dbm0, am_hz,
 *    am_depth, reversals, reversal_ms, duration_ms, decided_ms (classification delay).
 *    The event's start is the tone start, its sample the tone end.
 *  - calling tones: hs_tonedet (dsp/tonedet.h) for CT (1300 Hz) and CNG (1100 Hz). One
 *    HS_EV_TONE per burst, reported at its end: name CT / CNG, freq_hz, level_dbm0,
 *    duration_ms, gap_ms (silence since the previous burst, 0 for the first), cadence_ok.
 *  - V.21 channel 1 (980/1180 Hz) and channel 2 (1650/1850 Hz) receivers (dsp/fsk.h), each
 *    feeding a V.8 receiver (dsp/v8msg.h). Channel 1: CI (the first sequence of a burst),
 *    CM (two identical sequences), CJ; channel 2: JM (two identical sequences). Event start
 *    = first bit of the message, sample = the bit that completed it; decoded fields from
 *    hs_v8msg_describe, octets as payload, plus "v21" (1 or 2).
 *  - V.34 phase 2: dsp/v34mon.h (INFO0a/c, INFO1c/a on both DPSK carriers, tones A and B,
 *    their reversals, L1 and L2). Its events are handed on at the 80-sample boundaries, after
 *    the V.21 events of the same piece, so the order does not depend on the block size.
 * Every event carries "level_dbm0": the analyser attributes a signal heard on two channels
 * to the channel where it is strongest. */
#include "monitor.h"

#include <stdlib.h>
#include <string.h>

#include "ansam.h"
#include "fsk.h"
#include "tonedet.h"
#include "v34mon.h"
#include "v34mon34.h"
#include "v34p34.h"
#include "v8msg.h"

#define ANS_BLK 80           /* hs_ansdet decides on 80-sample blocks aligned to sample 0 */
#define MIN_TONE_MS 400.0    /* an unclassified 2100 Hz burst shorter than this is not reported */
#define QUEUE_CAP 1024
#define V21_BIT 27           /* samples per V.21 bit (26.67), rounded up */
#define CI_GAP_MS 200.0      /* CI sequences closer than this belong to one burst (100 ms each) */

struct hs_monitor {
    uint8_t          ch;
    uint64_t         now;
    hs_evq          *q;
    hs_ansdet       *ans;
    int              tone_on;   /* a tone is open in the detector */
    hs_tonedet      *call[2];   /* CT, CNG */
    hs_tonedet_edge  call_on[2];/* the on edge of the burst in progress */
    int              call_open[2];
    hs_fsk_rx       *v21[2];    /* V.21 channel 1 (caller), channel 2 (answerer) */
    hs_v8rx         *v8[2];
    hs_bitq          bits;
    uint32_t         latency[2];
    uint64_t         last_ci;   /* sample of the last CI sequence + 1 (0: none) */
    hs_v34mon       *v34;       /* V.34 phase 2 */
    /* V.34 phases 3/4 (dsp/v34mon34.h), run P34_DELAY samples behind so that phase 2's
     * results (from this channel or, via hs_monitor_hear, another) are known in time */
    hs_v34mon34     *p34;
    float           *dl;        /* the last P34_DELAY samples, a ring */
    uint64_t         fed;       /* samples given to p34 */
    int              seen[2];   /* [1] the caller, [0] the answerer sent phase 2 here */
    int              sr[2];     /* symbol-rate index of the direction from [1] caller / [0] answerer */
    int              high_ca;   /* INFO1a: the caller's carrier */
    int              high_ac[6];/* INFO1c: the answerer's carrier per symbol rate */
    uint64_t         p34_at[2]; /* start the direction when p34 reaches this sample */
    int              p34_pending[2];
    int              finished;
};

#define P34_DELAY 16000     /* 2 s: phase-2 frames are reported < 0.3 s late, analyze hands
                             * over other channels' events every 4096 samples */

hs_err hs_monitor_create(uint8_t channel, hs_monitor **out)
{
    *out = NULL;
    hs_monitor *m = calloc(1, sizeof *m);
    if (!m) return HS_ENOMEM;
    m->ch = channel;
    hs_err e = (hs_err)hs_evq_create(QUEUE_CAP, &m->q);
    if (e == HS_OK) e = hs_ansdet_create(&m->ans);
    hs_tonedet_config ct = hs_tonedet_config_ct(), cng = hs_tonedet_config_cng();
    if (e == HS_OK) e = hs_tonedet_create(&ct, &m->call[0]);
    if (e == HS_OK) e = hs_tonedet_create(&cng, &m->call[1]);
    for (int k = 0; k < 2 && e == HS_OK; k++) {
        hs_fsk_config fc = hs_fsk_config_v21(k + 1);
        e = hs_fsk_rx_create(&fc, &m->v21[k]);
        if (e == HS_OK) e = hs_v8rx_create(&m->v8[k]);
        if (e == HS_OK) m->latency[k] = hs_fsk_rx_latency_samples(m->v21[k]);
    }
    if (e == HS_OK) e = hs_v34mon_create(channel, &m->v34);
    if (e == HS_OK) e = hs_v34mon34_create(channel, &m->p34);
    if (e == HS_OK && !(m->dl = calloc(P34_DELAY, sizeof *m->dl))) e = HS_ENOMEM;
    m->sr[0] = m->sr[1] = m->high_ca = -1;
    for (int k = 0; k < 6; k++) m->high_ac[k] = -1;
    hs_bitq_init(&m->bits);
    if (e != HS_OK) {
        hs_monitor_destroy(m);
        return e;
    }
    *out = m;
    return HS_OK;
}

void hs_monitor_destroy(hs_monitor *m)
{
    if (!m) return;
    hs_evq_destroy(m->q);
    hs_ansdet_destroy(m->ans);
    hs_tonedet_destroy(m->call[0]);
    hs_tonedet_destroy(m->call[1]);
    for (int k = 0; k < 2; k++) {
        hs_fsk_rx_destroy(m->v21[k]);
        hs_v8rx_destroy(m->v8[k]);
    }
    hs_v34mon_destroy(m->v34);
    hs_v34mon34_destroy(m->p34);
    free(m->dl);
    free(m);
}

static double ms(uint64_t samples) { return (double)samples * (1000.0 / HS_RATE); }

static void emit_tone(hs_monitor *m, const hs_ansdet_result *r, uint64_t end, int still_on)
{
    const char *name;
    int rev = r->reversals >= 1;   /* as the modem names it (dsp/v8.c) */
    switch (r->state) {
    case HS_ANSDET_ANSAM: name = rev ? "ANSam/" : "ANSam"; break;
    case HS_ANSDET_ANS:   name = rev ? "ANS/" : "ANS"; break;
    default:
        if (ms(end - r->tone_start) < MIN_TONE_MS) return;
        name = "2100 Hz";   /* too short to classify */
        break;
    }
    hs_event e;
    hs_event_init(&e, HS_EV_TONE, m->ch, end);
    e.start = r->tone_start;
    hs_event_str(&e, "name", name);
    hs_event_num(&e, "freq_hz", r->freq_hz);
    hs_event_num(&e, "level_dbm0", r->level_dbm0);
    hs_event_num(&e, "am_hz", r->am_hz);
    hs_event_num(&e, "am_depth", r->am_depth);
    hs_event_int(&e, "reversals", r->reversals);
    hs_event_num(&e, "reversal_ms", r->reversal_ms);
    hs_event_num(&e, "duration_ms", ms(end - r->tone_start));
    if (r->decided_at > r->tone_start) hs_event_num(&e, "decided_ms", ms(r->decided_at - r->tone_start));
    if (still_on) hs_event_bool(&e, "still_on", 1);
    hs_evq_push(m->q, &e);
}

static const char *const call_names[2] = { "CT", "CNG" };

static void emit_call(hs_monitor *m, int k, uint64_t end, double freq_hz, double level_dbm0,
                      int still_on)
{
    hs_tonedet_result r;
    hs_tonedet_get(m->call[k], &r);
    const hs_tonedet_edge *on = &m->call_on[k];
    hs_event e;
    hs_event_init(&e, HS_EV_TONE, m->ch, end);
    e.start = on->sample;
    hs_event_str(&e, "name", call_names[k]);
    hs_event_num(&e, "freq_hz", freq_hz);
    hs_event_num(&e, "level_dbm0", level_dbm0);
    hs_event_num(&e, "duration_ms", ms(end - on->sample));
    hs_event_num(&e, "gap_ms", on->duration_ms);
    if (still_on) hs_event_bool(&e, "still_on", 1);
    else hs_event_bool(&e, "cadence_ok", r.cadence_ok);
    hs_evq_push(m->q, &e);
}

static void calling_tones(hs_monitor *m, const float *in, size_t n)
{
    for (int k = 0; k < 2; k++) {
        if (!hs_tonedet_process(m->call[k], in, n)) continue;
        hs_tonedet_edge edge;
        while (hs_tonedet_next_edge(m->call[k], &edge)) {
            if (edge.on) {
                m->call_on[k] = edge;
                m->call_open[k] = 1;
            } else if (m->call_open[k]) {
                m->call_open[k] = 0;
                emit_call(m, k, edge.sample, edge.freq_hz, edge.level_dbm0, 0);
            }
        }
    }
}

static void emit_v8(hs_monitor *m, int k, hs_ev_type type, unsigned what, uint64_t at)
{
    uint8_t oct[HS_V8_MAX_OCTETS];
    uint64_t start = at;
    size_t n = hs_v8rx_get(m->v8[k], what, oct, sizeof oct, &start);
    hs_event e;
    hs_event_init(&e, type, m->ch, at);
    e.start = start <= at ? start : at;
    hs_event_num(&e, "level_dbm0", hs_fsk_rx_level_dbm0(m->v21[k]));
    hs_event_int(&e, "v21", k + 1);
    if (type == HS_EV_V8_CJ) hs_event_octets(&e, oct, n);
    else hs_v8msg_describe(oct, n, &e);
    hs_evq_push(m->q, &e);
}

/* One demodulated bit of V.21 channel k+1 that began at sample t of the recording. */
static void v21_bit(hs_monitor *m, int k, int bit, uint64_t t)
{
    unsigned got = hs_v8rx_bit(m->v8[k], bit, t);
    if (!got) return;
    uint64_t at = t + V21_BIT;   /* the message ends with this bit */
    if (k == 0) {
        if (got & HS_V8RX_CI) {
            int new_burst = !m->last_ci || ms(at - (m->last_ci - 1)) > CI_GAP_MS;
            if (new_burst) emit_v8(m, 0, HS_EV_V8_CI, HS_V8RX_CI, at);
            m->last_ci = at + 1;
        }
        if (got & HS_V8RX_CM) emit_v8(m, 0, HS_EV_V8_CM, HS_V8RX_CM, at);
        if (got & HS_V8RX_CJ) emit_v8(m, 0, HS_EV_V8_CJ, HS_V8RX_CJ, at);
    } else {
        /* the answerer's channel: CM-shaped sequences there are JM */
        if (got & HS_V8RX_CM) emit_v8(m, 1, HS_EV_V8_JM, HS_V8RX_CM, at);
    }
}

static void v21(hs_monitor *m, const float *in, size_t n)
{
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < n; i++) {
            /* one sample at a time: every bit gets the exact sample it was decided at */
            if (!hs_fsk_rx_process(m->v21[k], in + i, 1, &m->bits)) continue;
            int bit;
            /* date the bit where it began on the recording, not where it was decided */
            uint64_t at = m->now + i, lat = m->latency[k];
            uint64_t t = at > lat ? at - lat : 0;
            while ((bit = hs_bitq_pop(&m->bits)) >= 0) v21_bit(m, k, bit, t);
        }
}

/* After the answer-tone detector changed state at the end of a block. */
static void tone_changed(hs_monitor *m)
{
    hs_ansdet_result r;
    hs_ansdet_get(m->ans, &r);
    int on = r.state != HS_ANSDET_NONE && r.tone_end == 0;
    if (m->tone_on && !on && r.tone_end) emit_tone(m, &r, r.tone_end, 0);
    m->tone_on = on;
}

static int64_t dec_int(const hs_event *e, const char *key, int64_t dflt)
{
    const hs_field *f = hs_event_field(e, key);
    return f && (f->kind == HS_F_INT || f->kind == HS_F_BOOL) ? f->v.i : dflt;
}

/* Starts a phase 3/4 direction once its transmitter was heard here and its symbol rate and
 * carrier are known. */
static void p34_arm(hs_monitor *m, uint64_t at)
{
    for (int k = 0; k < 2; k++) {
        if (!m->seen[k] || m->p34_pending[k] || hs_v34mon34_started(m->p34, k) || m->sr[k] < 0) continue;
        int high = k ? m->high_ca : m->high_ac[m->sr[k]];
        if (high < 0) continue;
        m->p34_pending[k] = 1 + high;
        m->p34_at[k] = at;
    }
}

void hs_monitor_hear(hs_monitor *m, const hs_event *e)
{
    const hs_field *ok = hs_event_field(e, "crc_ok");
    if (e->type == HS_EV_V34_INFO1A && ok && ok->v.i) {
        int ac = hs_v34_symbol_rate_index((int)dec_int(e, "symbol_rate_ac", -1));
        int ca = hs_v34_symbol_rate_index((int)dec_int(e, "symbol_rate_ca", -1));
        if (ac >= 0 && ca >= 0) {
            m->sr[0] = ac;
            m->sr[1] = ca;
            m->high_ca = (int)dec_int(e, "high_carrier", 0) ? 1 : 0;
        }
    } else if (e->type == HS_EV_V34_INFO1C && ok && ok->v.i) {
        static const char *const keys[6] = { "s2400_high_carrier", "s2743_high_carrier",
            "s2800_high_carrier", "s3000_high_carrier", "s3200_high_carrier", "s3429_high_carrier" };
        for (int k = 0; k < 6; k++) m->high_ac[k] = (int)dec_int(e, keys[k], 0) ? 1 : 0;
    } else if (e->type == HS_EV_V34_J) {
        const hs_field *from = hs_event_field(e, "from");
        int pts = (int)dec_int(e, "points", 0);
        /* a J asks the other modem for its phase-4 constellation */
        if (from && from->kind == HS_F_STR && pts)
            hs_v34mon34_set_points(m->p34, strcmp(from->v.s, "caller") == 0 ? 0 : 1, pts);
    }
    p34_arm(m, e->sample);
}

static void v34_events(hs_monitor *m)
{
    hs_event e;
    while (hs_v34mon_poll(m->v34, &e)) {
        if (e.type == HS_EV_V34_INFO0C || e.type == HS_EV_V34_INFO1C) m->seen[1] = 1;
        if (e.type == HS_EV_V34_INFO0A || e.type == HS_EV_V34_INFO1A) m->seen[0] = 1;
        hs_monitor_hear(m, &e);
        hs_evq_push(m->q, &e);
    }
    while (hs_v34mon34_poll(m->p34, &e)) {
        hs_monitor_hear(m, &e);
        hs_evq_push(m->q, &e);
    }
}

/* Feeds p34 with the recording up to sample `upto` (exclusive) from the delay ring. */
static void p34_feed(hs_monitor *m, uint64_t upto)
{
    while (m->fed < upto) {
        for (int k = 0; k < 2; k++)
            if (m->p34_pending[k] && m->fed >= m->p34_at[k]) {
                hs_v34mon34_start(m->p34, k, m->sr[k], m->p34_pending[k] - 1);
                m->p34_pending[k] = 0;
            }
        hs_v34mon34_process(m->p34, &m->dl[m->fed % P34_DELAY], 1);
        m->fed++;
    }
}

void hs_monitor_process(hs_monitor *m, const float *in, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* Work in pieces that end on the 80-sample block boundaries of the tone detectors
         * (aligned to sample 0), and within a piece run V.21 first, then the calling tones,
         * then the answer tone: the detectors only change state at a block's last sample,
         * so the events come out in the same order for any block size the caller uses. */
        size_t take = ANS_BLK - (size_t)(m->now % ANS_BLK);
        if (take > n - i) take = n - i;
        v21(m, in + i, take);
        calling_tones(m, in + i, take);
        if (hs_ansdet_process(m->ans, in + i, take)) tone_changed(m);
        hs_v34mon_process(m->v34, in + i, take);
        for (size_t j = 0; j < take; j++) {
            uint64_t t = m->now + j;
            if (t >= P34_DELAY) p34_feed(m, t - P34_DELAY + 1);
            m->dl[t % P34_DELAY] = in[i + j];
        }
        m->now += take;
        i += take;
        if (m->now % ANS_BLK == 0) v34_events(m);
    }
}

void hs_monitor_finish(hs_monitor *m)
{
    if (m->finished) return;
    m->finished = 1;
    if (m->tone_on) {
        hs_ansdet_result r;
        hs_ansdet_get(m->ans, &r);
        emit_tone(m, &r, m->now, 1);
        m->tone_on = 0;
    }
    for (int k = 0; k < 2; k++)
        if (m->call_open[k]) {
            hs_tonedet_result r;
            hs_tonedet_get(m->call[k], &r);
            emit_call(m, k, m->now, r.freq_hz, r.level_dbm0, 1);
            m->call_open[k] = 0;
        }
    hs_v34mon_finish(m->v34);
    v34_events(m);
    p34_feed(m, m->now);
    v34_events(m);
}

int hs_monitor_poll(hs_monitor *m, hs_event *ev) { return hs_evq_pop(m->q, ev); }
