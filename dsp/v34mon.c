/* dsp/v34mon.c: passive V.34 phase-2 recogniser for one channel (contract: dsp/v34mon.h). */
#include "v34mon.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dpsk.h"
#include "info.h"
#include "level.h"
#include "probe.h"
#include "spectrum.h"

#define QUEUE_CAP   256
#define T_SYM       (8000.0 / 600.0)     /* DPSK symbol period, samples */
#define HIST        128                  /* bit history (>= the longest frame + 1) */
#define SW          80                   /* tone window: nulls every 100 Hz (guard, other carrier,
                                          * L1/L2 tones 300 Hz away), L1/L2 at 150 Hz -14 dB */
#define LAGF        80                   /* frequency check over 10 ms */
#define MAX_DF_HZ   10.0                 /* a tone within +-10 Hz of the carrier */
#define TONE_ON     160                  /* 20 ms of steady carrier (the receiver's boxcar) */
#define TONE_HANG   64                   /* 8 ms below -6 dB ends a tone (a reversal dips 5 ms) */
#define TONE_MIN    120                  /* shorter tones are not reported (15 ms) */
#define NFFT        160                  /* 3 periods of L1/L2: the comb sits on bins 3k */
#define HOP         40
#define COMB_ON     0.8                  /* comb share of the power to open a burst */
#define COMB_OFF    0.5
#define COMB_MIN_DBM0 (-50.0)
#define AHIST       16
#define REV_CAP     8

static const int frame_len[3] = { HS_INFO0_BITS, HS_INFO1A_BITS, HS_INFO1C_BITS };

/* One carrier: 0 = 1200 Hz (call modem's, or a V.90 digital modem's), 1 = 2400 Hz. */
typedef struct {
    int         hz;
    hs_dpsk_rx *rx;
    /* INFO framing */
    uint8_t     hb[HIST];         /* last bits, newest at hb[HIST-1] */
    int         run;              /* bits in hb */
    int         fresh;            /* bits since the bit stream (re)started */
    uint64_t    last_bit_at;
    int         bad_pending, bad_len;
    uint64_t    bad_sync_at;      /* sample of the sync's last bit (identifies the frame) */
    uint8_t     bad_fr[HS_INFO_MAX_BITS];
    double      bad_level;
    uint64_t    bad_at;
    uint64_t    good_sync_at;     /* sync of the last good frame (no bad report for it) */
    uint64_t    frame_end;        /* line time of the end of the last good frame */
    float       zr[LAGF], zi[LAGF];/* past window sums, for the frequency check */
    int         zpos;
    double      df_sum;
    int         df_n;
    uint64_t    df_run;           /* samples in a row within MAX_DF_HZ */
    /* tone */
    float       sre[SW], sim[SW];
    double      sumre, sumim;
    int         spos;
    int         open;
    uint64_t    start, last_hi;
    double      amp;              /* short-window amplitude of the steady tone */
    double      amp_sum, guard_sum;
    int         amp_n, reversals;
    /* a finished tone waits until no frame can claim its end any more */
    int         pend, pend_still_on, pend_reversals;
    uint64_t    pend_start, pend_end;
    double      pend_level, pend_guard, pend_freq;
    /* reversals wait the same way: a lone "1" after a run of zeros inside a frame looks
     * like a tone reversal to the receiver */
    double      rev_t[REV_CAP];
    uint64_t    rev_at[REV_CAP];
    float       rev_level[REV_CAP];
    int8_t      rev_counted[REV_CAP];  /* 1 open tone, 2 pending tone, 0 none */
    int         nrev;
} carrier;

enum { P_OFF = 0, P_L1, P_L2 };

struct hs_v34mon {
    uint8_t      ch;
    uint64_t     now;
    hs_evq      *q;
    carrier      c[2];
    hs_spectrum *sp;
    float        ring[NFFT];
    float        lin[NFFT];
    float        pw[NFFT / 2 + 1];
    double       guard_pw;        /* 1800 Hz bin of the last frame */
    /* probing */
    int          pstate, on_hops, off_hops;
    uint64_t     off_t;           /* first hop of a possible end, and its amplitude ratio */
    double       off_r;
    uint64_t     ht[AHIST];       /* rising edge: hop times and comb amplitudes */
    double       ha[AHIST];
    int          hn;
    uint64_t     open_at, l1_start, l1_end;
    double       a1, a2_sum;
    int          a2_n, have_l1_start;
    uint64_t     last_probe;      /* last hop with a burst open (bad-frame gate) */
};

static double ms(uint64_t samples) { return (double)samples * (1000.0 / HS_RATE); }
static uint64_t clamp_t(double t) { return t <= 0.0 ? 0 : (uint64_t)llround(t); }

hs_err hs_v34mon_create(uint8_t channel, hs_v34mon **out)
{
    *out = NULL;
    hs_v34mon *m = calloc(1, sizeof *m);
    if (!m) return HS_ENOMEM;
    m->ch = channel;
    hs_err e = (hs_err)hs_evq_create(QUEUE_CAP, &m->q);
    for (int k = 0; k < 2 && e == HS_OK; k++) {
        hs_dpsk_rx_config rc = hs_dpsk_rx_config_v34(k == 0);   /* answer modem's rx: 1200 */
        m->c[k].hz = rc.carrier_hz;
        e = hs_dpsk_rx_create(&rc, &m->c[k].rx);
    }
    if (e == HS_OK) {
        hs_spectrum_config sc = { NFFT, HOP, HS_WIN_RECT };
        e = hs_spectrum_create(&sc, &m->sp);
    }
    if (e != HS_OK) {
        hs_v34mon_destroy(m);
        return e;
    }
    hs_v34mon_reset(m);
    *out = m;
    return HS_OK;
}

void hs_v34mon_reset(hs_v34mon *m)
{
    m->now = 0;
    hs_evq_reset(m->q);
    for (int k = 0; k < 2; k++) {
        carrier *c = &m->c[k];
        hs_dpsk_rx *rx = c->rx;
        int hz = c->hz;
        memset(c, 0, sizeof *c);
        c->rx = rx;
        c->hz = hz;
        hs_dpsk_rx_reset(rx);
        c->good_sync_at = UINT64_MAX;
    }
    hs_spectrum_reset(m->sp);
    memset(m->ring, 0, sizeof m->ring);
    m->guard_pw = 0.0;
    m->pstate = P_OFF;
    m->on_hops = m->hn = 0;
    m->open_at = m->l1_start = m->l1_end = 0;
    m->a1 = m->a2_sum = 0.0;
    m->a2_n = m->have_l1_start = 0;
    m->last_probe = 0;
}

void hs_v34mon_destroy(hs_v34mon *m)
{
    if (!m) return;
    hs_evq_destroy(m->q);
    for (int k = 0; k < 2; k++) hs_dpsk_rx_destroy(m->c[k].rx);
    hs_spectrum_destroy(m->sp);
    free(m);
}

int hs_v34mon_poll(hs_v34mon *m, hs_event *ev) { return hs_evq_pop(m->q, ev); }

/* ------------------------------------------------------------------ INFO frames */

static void emit_frame(hs_v34mon *m, carrier *c, const uint8_t *fr, int len, int ok,
                       double level, uint64_t at)
{
    hs_event e;
    hs_ev_type type = len == HS_INFO1C_BITS ? HS_EV_V34_INFO1C
                    : len == HS_INFO1A_BITS ? HS_EV_V34_INFO1A
                    : c->hz == 2400 ? HS_EV_V34_INFO0A : HS_EV_V34_INFO0C;
    hs_event_init(&e, type, m->ch, at);
    /* reference symbol + len bits before the last decision (as dsp/v34p2.c dates frames) */
    e.start = clamp_t((double)at - hs_dpsk_rx_delay(c->rx) - (len + 1) * T_SYM);
    hs_event_bits(&e, fr + HS_INFO_SYNC_BITS, (size_t)(len - HS_INFO_SYNC_BITS - 16 - HS_INFO_FILL_BITS));
    hs_event_bool(&e, "crc_ok", ok);
    hs_event_int(&e, "carrier_hz", c->hz);
    hs_event_num(&e, "level_dbm0", level);
    if (len == HS_INFO0_BITS) {
        hs_info0 i0;
        hs_info0_decode(fr, &i0);
        hs_info0_describe(&i0, &e);
    } else if (len == HS_INFO1A_BITS) {
        hs_info1a i1;
        hs_info1a_decode(fr, &i1);
        hs_info1a_describe(&i1, &e);
    } else {
        hs_info1c i1;
        hs_info1c_decode(fr, &i1);
        hs_info1c_describe(&i1, &e);
    }
    hs_evq_push(m->q, &e);
}

static void close_tone(hs_v34mon *m, carrier *c, uint64_t end, int still_on);

static void emit_reversal(hs_v34mon *m, carrier *c)
{
    hs_event e;
    hs_event_init(&e, HS_EV_V34_REVERSAL, m->ch, c->rev_at[0]);
    e.start = clamp_t(c->rev_t[0]);
    hs_event_str(&e, "tone", c->hz == 2400 ? "A" : "B");
    hs_event_num(&e, "t_line_ms", c->rev_t[0] * 1000.0 / HS_RATE);
    hs_event_num(&e, "level_dbm0", (double)c->rev_level[0]);
    hs_evq_push(m->q, &e);
    c->nrev--;
    memmove(c->rev_t, c->rev_t + 1, (size_t)c->nrev * sizeof c->rev_t[0]);
    memmove(c->rev_at, c->rev_at + 1, (size_t)c->nrev * sizeof c->rev_at[0]);
    memmove(c->rev_level, c->rev_level + 1, (size_t)c->nrev * sizeof c->rev_level[0]);
    memmove(c->rev_counted, c->rev_counted + 1, (size_t)c->nrev * sizeof c->rev_counted[0]);
}

/* A good frame spans [fs, fe] (line time): reversals inside it were its bits. */
static void drop_reversals(carrier *c, double fs, double fe)
{
    int k = 0;
    for (int i = 0; i < c->nrev; i++) {
        if (c->rev_t[i] >= fs && c->rev_t[i] <= fe) {
            if (c->rev_counted[i] == 1 && c->open && c->reversals > 0) c->reversals--;
            if (c->rev_counted[i] == 2 && c->pend && c->pend_reversals > 0) c->pend_reversals--;
            continue;
        }
        c->rev_t[k] = c->rev_t[i];
        c->rev_at[k] = c->rev_at[i];
        c->rev_level[k] = c->rev_level[i];
        c->rev_counted[k] = c->rev_counted[i];
        k++;
    }
    c->nrev = k;
}

static void flush_bad(hs_v34mon *m, carrier *c)
{
    if (!c->bad_pending) return;
    c->bad_pending = 0;
    if (c->bad_sync_at == c->good_sync_at) return;
    emit_frame(m, c, c->bad_fr, c->bad_len, 0, c->bad_level, c->bad_at);
}

static void frame_bit(hs_v34mon *m, carrier *c, uint8_t bit)
{
    uint64_t t = m->now;
    /* a gap of more than 1.5 symbols: the receiver lost the signal, a new stream begins.
     * (The receiver can also miss the first fill bits where a long tone turns into a frame,
     * which the loose sync tolerates: good frames only need the bits, not the stream.) */
    if (c->fresh && (double)(t - c->last_bit_at) > 1.5 * T_SYM) c->fresh = 0;
    c->last_bit_at = t;
    memmove(c->hb, c->hb + 1, HIST - 1);
    c->hb[HIST - 1] = bit;
    if (c->run < HIST) c->run++;
    if (c->fresh < HIST) c->fresh++;
    if (c->bad_pending && (double)(t - c->bad_sync_at) > (HS_INFO1C_BITS + 2) * T_SYM) flush_bad(m, c);

    for (int i = 0; i < 3; i++) {
        int len = frame_len[i];
        if (c->run < len) continue;
        const uint8_t *fr = c->hb + HIST - len;
        if (!hs_info_sync_match(fr, 1)) continue;                 /* "11 01110010" */
        int fill = 1;
        for (int k = len - HS_INFO_FILL_BITS; k < len; k++) fill &= fr[k];
        if (!fill) continue;
        uint64_t sync_at = t - (uint64_t)llround((len - HS_INFO_SYNC_BITS) * T_SYM);
        int ok = hs_info_crc(0xFFFF, fr + HS_INFO_SYNC_BITS, (size_t)(len - HS_INFO_SYNC_BITS - HS_INFO_FILL_BITS)) == 0;
        double level = hs_dpsk_rx_level_dbm0(c->rx);
        if (ok) {
            /* a tone on this carrier ends where the frame begins */
            /* a tone that began inside the frame was its content (INFO1c opens with
             * 18 zeros): drop it; one that began before ends where the frame begins */
            double fs = (double)t - hs_dpsk_rx_delay(c->rx) - (len + 1) * T_SYM;
            drop_reversals(c, fs, (double)t - hs_dpsk_rx_delay(c->rx));
            if (c->open) {
                if (fs > (double)c->start + T_SYM) close_tone(m, c, clamp_t(fs), 0);
                else c->open = 0;
            }
            if (c->pend && (double)c->pend_end > fs) {
                if (fs > (double)c->pend_start + T_SYM) c->pend_end = clamp_t(fs);
                else c->pend = 0;
            }
            if (c->bad_pending && c->bad_sync_at + 8 >= sync_at && c->bad_sync_at <= sync_at + 8)
                c->bad_pending = 0;
            c->good_sync_at = sync_at;
            c->frame_end = clamp_t((double)t - hs_dpsk_rx_delay(c->rx) + 0.5 * T_SYM);
            emit_frame(m, c, fr, len, 1, level, t);
            continue;
        }
        /* bad CRC: only with the whole 12-bit opening, from silence or a steady tone, and
         * not inside a probing burst (L1/L2 make random bits) */
        if (!hs_info_sync_match(fr, 0)) continue;
        if (c->fresh < len) continue;
        /* from silence (the stream began at most 2 decisions before: the signal's ramp)
         * or after a steady tone (zeros) */
        if (c->fresh > len + 2 && c->hb[HIST - len - 1] != 0) continue;
        if (m->pstate != P_OFF || (m->last_probe && t < m->last_probe + HS_MS(50))) continue;
        if (c->bad_pending && c->bad_sync_at != sync_at) flush_bad(m, c);
        c->bad_pending = 1;
        c->bad_len = len;
        c->bad_sync_at = sync_at;
        memcpy(c->bad_fr, fr, (size_t)len);
        c->bad_level = level;
        c->bad_at = t;
    }
}

/* ------------------------------------------------------------------ tones */

static void emit_tone(hs_v34mon *m, carrier *c)
{
    if (!c->pend) return;
    c->pend = 0;
    for (int i = 0; i < c->nrev; i++)
        if (c->rev_counted[i] == 2) c->rev_counted[i] = 0;
    if (c->pend_end < c->pend_start + TONE_MIN) return;
    hs_event e;
    int a = c->hz == 2400;
    hs_event_init(&e, a ? HS_EV_V34_TONE_A : HS_EV_V34_TONE_B, m->ch, c->pend_end);
    e.start = c->pend_start;
    hs_event_num(&e, "freq_hz", c->pend_freq);
    hs_event_num(&e, "level_dbm0", c->pend_level);
    hs_event_num(&e, "duration_ms", ms(c->pend_end - c->pend_start));
    hs_event_int(&e, "reversals", c->pend_reversals);
    if (a && c->pend_guard > 0.0) hs_event_num(&e, "guard_dbm0", hs_power_to_dbm0(c->pend_guard));
    if (c->pend_still_on) hs_event_bool(&e, "still_on", 1);
    hs_evq_push(m->q, &e);
}

/* The tone ends at `end`; it is reported once no INFO frame on this carrier can still turn
 * out to have begun before that (a frame is known only at its last bit). */
static void close_tone(hs_v34mon *m, carrier *c, uint64_t end, int still_on)
{
    emit_tone(m, c);
    for (int i = 0; i < c->nrev; i++)
        if (c->rev_counted[i] == 1) c->rev_counted[i] = 2;
    c->open = 0;
    c->pend = 1;
    c->pend_start = c->start;
    c->pend_end = end < c->start ? c->start : end;
    c->pend_still_on = still_on;
    c->pend_reversals = c->reversals;
    double amp = c->amp_n ? c->amp_sum / c->amp_n : c->amp;
    c->pend_level = hs_power_to_dbm0(amp * amp / 2.0);
    c->pend_guard = c->amp_n ? c->guard_sum / c->amp_n : 0.0;
    c->pend_freq = c->hz + (c->df_n ? c->df_sum / c->df_n : 0.0);
}

static void tone_sample(hs_v34mon *m, carrier *c, float x)
{
    /* 10 ms window at the carrier (see SW) */
    uint64_t idx = ((uint64_t)c->hz * (m->now % HS_RATE)) % HS_RATE;
    double ph = 2.0 * HS_PI * (double)idx / HS_RATE;
    float re = (float)((double)x * cos(ph)), im = (float)(-(double)x * sin(ph));
    c->sumre += (double)re - (double)c->sre[c->spos];
    c->sumim += (double)im - (double)c->sim[c->spos];
    c->sre[c->spos] = re;
    c->sim[c->spos] = im;
    c->spos = (c->spos + 1) % SW;
    if (c->spos == 0) {       /* re-sum now and then: no drift */
        double sr = 0.0, si = 0.0;
        for (int k = 0; k < SW; k++) { sr += (double)c->sre[k]; si += (double)c->sim[k]; }
        c->sumre = sr;
        c->sumim = si;
    }
    double amp = 2.0 * sqrt(c->sumre * c->sumre + c->sumim * c->sumim) / SW;
    /* frequency offset from the phase turn of the window sum over LAGF samples */
    double pr = (double)c->zr[c->zpos], pi = (double)c->zi[c->zpos];
    c->zr[c->zpos] = (float)c->sumre;
    c->zi[c->zpos] = (float)c->sumim;
    c->zpos = (c->zpos + 1) % LAGF;
    double df = atan2(c->sumim * pr - c->sumre * pi, c->sumre * pr + c->sumim * pi)
              * HS_RATE / (2.0 * HS_PI * LAGF);
    c->df_run = fabs(df) < MAX_DF_HZ ? c->df_run + 1 : 0;

    uint64_t run = hs_dpsk_rx_tone_samples(c->rx);
    if (!c->open) {
        if (run >= TONE_ON && c->df_run >= TONE_ON) {
            c->open = 1;
            /* the receiver's 20 ms boxcar passes its test about 40 samples after the tone
             * began at its input (measured), plus the receiver's filter delay */
            double st = (double)m->now - (double)run - 40.0 - hs_dpsk_rx_delay(c->rx);
            c->start = clamp_t(st);
            if (c->start < c->frame_end) c->start = c->frame_end;
            c->last_hi = m->now;
            c->amp = amp;
            c->amp_sum = c->guard_sum = c->df_sum = 0.0;
            c->amp_n = c->reversals = c->df_n = 0;
        }
        return;
    }
    if (run > 0) {
        c->amp += (amp - c->amp) * (1.0 / 64.0);
        /* measure where the window holds clean tone (not across a reversal) */
        if (run >= TONE_ON && (m->now % HOP) == 0 && fabs(df) < MAX_DF_HZ && amp > 0.8 * c->amp) {
            c->amp_sum += amp;
            c->guard_sum += m->guard_pw;
            c->amp_n++;
            c->df_sum += df;
            c->df_n++;
        }
    }
    if (amp >= 0.5 * c->amp) c->last_hi = m->now;
    else if (m->now - c->last_hi >= TONE_HANG) {
        /* the window is at half amplitude SW/2 samples after the tone ended */
        close_tone(m, c, c->last_hi + 1 > SW / 2 ? c->last_hi + 1 - SW / 2 : 0, 0);
    }
}

/* ------------------------------------------------------------------ L1 / L2 */

static void emit_probe(hs_v34mon *m, hs_ev_type type, uint64_t start, uint64_t end, double amp,
                       int still_on)
{
    if (end < start) end = start;
    hs_event e;
    hs_event_init(&e, type, m->ch, end);
    e.start = start;
    hs_event_num(&e, "level_dbm0", hs_power_to_dbm0(amp * amp));
    hs_event_num(&e, "duration_ms", ms(end - start));
    if (still_on) hs_event_bool(&e, "still_on", 1);
    hs_evq_push(m->q, &e);
}

/* Onset of L1 from the rising comb amplitude: a window holding a samples of the burst has
 * amplitude a/160 of the steady one. */
static void find_l1_start(hs_v34mon *m)
{
    m->l1_start = m->open_at;
    for (int i = 0; i < m->hn; i++) {
        double r = m->ha[i] / m->a1;
        if (r >= 0.25) {
            if (r > 1.0) r = 1.0;
            double st = (double)m->ht[i] - NFFT * r;
            m->l1_start = clamp_t(st);
            break;
        }
    }
    m->have_l1_start = 1;
}

static void probe_hop(hs_v34mon *m)
{
    uint64_t t = m->now + 1;                 /* window = [t - 160, t) */
    int pos = (int)((m->now + 1) % NFFT);    /* oldest sample */
    memcpy(m->lin, m->ring + pos, (size_t)(NFFT - pos) * sizeof(float));
    memcpy(m->lin + (NFFT - pos), m->ring, (size_t)pos * sizeof(float));
    hs_spectrum_frame(m->sp, m->lin, m->pw, NULL);
    double comb = 0.0, omit = 0.0, total = 0.0;
    for (int k = 0; k <= NFFT / 2; k++) total += (double)m->pw[k];
    for (int i = 0; i < HS_PROBE_TONES; i++) comb += (double)m->pw[hs_probe_tone_hz(i) / 50];   /* 50 Hz bins */
    omit = (double)m->pw[18] + (double)m->pw[24] + (double)m->pw[36] + (double)m->pw[48];
    m->guard_pw = (double)m->pw[36];
    double rest = total - omit;
    double ratio = rest > 1e-15 ? comb / rest : 0.0;
    double amp = sqrt(comb);
    /* a comb, not one tone that happens to sit on a comb bin (ANSam's 2100 Hz does) */
    double top = 0.0;
    int strong = 0;
    for (int i = 0; i < HS_PROBE_TONES; i++) {
        double p = (double)m->pw[hs_probe_tone_hz(i) / 50];
        if (p > top) top = p;
        if (p > 0.01 * comb) strong++;
    }
    if (top > 0.25 * comb || strong < 8) ratio = 0.0;
    int comb_on = ratio > COMB_ON && hs_power_to_dbm0(comb) > COMB_MIN_DBM0;

    switch (m->pstate) {
    case P_OFF:
        if (ratio > COMB_OFF) {
            if (m->hn == AHIST) m->hn = 0;
            m->ht[m->hn] = t;
            m->ha[m->hn] = amp;
            m->hn++;
        } else {
            m->hn = 0;
        }
        m->on_hops = comb_on ? m->on_hops + 1 : 0;
        if (m->on_hops >= 2) {
            m->pstate = P_L1;
            m->open_at = t;
            m->a1 = amp;
            m->have_l1_start = 0;
        }
        break;
    case P_L1:
        if (t < m->open_at + NFFT) {          /* L1 still rising into the window */
            if (amp > m->a1) m->a1 = amp;
            if (m->hn < AHIST) { m->ht[m->hn] = t; m->ha[m->hn] = amp; m->hn++; }
            break;
        }
        if (!m->have_l1_start) { if (amp > m->a1) m->a1 = amp; find_l1_start(m); }
        if (ratio < COMB_OFF || amp < 0.35 * m->a1) {
            /* ended without L2 */
            double r = amp / m->a1;
            if (r > 1.0) r = 1.0;
            m->l1_end = clamp_t((double)t - NFFT * (1.0 - r));
            emit_probe(m, HS_EV_V34_L1, m->l1_start, m->l1_end, m->a1, 0);
            m->pstate = P_OFF;
            m->hn = m->on_hops = 0;
        } else if (amp < 0.9 * m->a1) {
            /* L1 -> L2, half the amplitude: a window with a samples of L1 has (1 + a/160)/2 */
            double r = amp / m->a1;
            if (r < 0.5) r = 0.5;
            m->l1_end = clamp_t((double)t - 2.0 * NFFT * (1.0 - r));
            emit_probe(m, HS_EV_V34_L1, m->l1_start, m->l1_end, m->a1, 0);
            m->pstate = P_L2;
            m->a2_sum = 0.0;
            m->a2_n = m->off_hops = 0;
        } else if (amp > m->a1) {
            m->a1 += (amp - m->a1) * 0.25;
        }
        break;
    case P_L2: {
        double a2 = m->a2_n ? m->a2_sum / m->a2_n : 0.5 * m->a1;
        /* Ends when the comb falls to half, or when other signal swamps a comb that has
         * dropped (a frame that follows L2 leaves a quarter of its power on the comb bins),
         * for two hops in a row. A tone starting beside a weak L2 (the other modem's
         * reply, 20 dB above a crosstalk copy) smears over the bins for a few windows but
         * leaves the comb amplitude where it was: that is no end. */
        if (amp < 0.5 * a2 || (ratio < COMB_OFF && amp < 0.8 * a2)) {
            if (m->off_hops++ == 0) {
                double r = amp / a2;
                m->off_t = t;
                m->off_r = r > 1.0 ? 1.0 : r;
            }
            if (m->off_hops >= 2) {
                emit_probe(m, HS_EV_V34_L2, m->l1_end, clamp_t((double)m->off_t - NFFT * (1.0 - m->off_r)), a2, 0);
                m->pstate = P_OFF;
                m->hn = m->on_hops = 0;
            }
            break;
        }
        m->off_hops = 0;
        if (t >= m->l1_end + NFFT + HOP) {
            m->a2_sum += amp;
            m->a2_n++;
        }
        break;
    }
    default:
        break;
    }
    if (m->pstate != P_OFF) m->last_probe = t;
}

/* ------------------------------------------------------------------ per sample */

static void one_sample(hs_v34mon *m, float x)
{
    m->ring[m->now % NFFT] = x;
    if ((m->now + 1) % HOP == 0 && m->now + 1 >= NFFT) probe_hop(m);
    for (int k = 0; k < 2; k++) {
        carrier *c = &m->c[k];
        uint8_t bit;
        unsigned fl = hs_dpsk_rx_sample(c->rx, x, &bit);
        if (fl & HS_DPSK_BIT) frame_bit(m, c, bit);
        else if (c->bad_pending && (double)(m->now - c->bad_sync_at) > (HS_INFO1C_BITS + 2) * T_SYM)
            flush_bad(m, c);
        if (fl & HS_DPSK_REVERSAL) {
            if (c->nrev == REV_CAP) emit_reversal(m, c);
            int i = c->nrev++;
            c->rev_t[i] = hs_dpsk_rx_reversal_time(c->rx);
            c->rev_at[i] = m->now;
            c->rev_level[i] = hs_dpsk_rx_level_dbm0(c->rx);
            c->rev_counted[i] = c->open ? 1 : 0;
            if (c->open) c->reversals++;
        }
        /* a reversal is news once no frame can claim it (a frame is known at its end) */
        while (c->nrev && (double)m->now > c->rev_t[0] + hs_dpsk_rx_delay(c->rx) + (HS_INFO1C_BITS + 3) * T_SYM)
            emit_reversal(m, c);
        tone_sample(m, c, x);
        if (c->pend && (double)m->now > (double)c->pend_end + hs_dpsk_rx_delay(c->rx) + (HS_INFO1C_BITS + 3) * T_SYM)
            emit_tone(m, c);
    }
    m->now++;
}

void hs_v34mon_process(hs_v34mon *m, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++) one_sample(m, in ? in[i] : 0.0f);
}

void hs_v34mon_finish(hs_v34mon *m)
{
    for (int k = 0; k < 2; k++) {
        carrier *c = &m->c[k];
        flush_bad(m, c);
        if (c->open) close_tone(m, c, m->now, 1);
        emit_tone(m, c);
        while (c->nrev) emit_reversal(m, c);
    }
    if (m->pstate == P_L1) {
        if (!m->have_l1_start) find_l1_start(m);
        emit_probe(m, HS_EV_V34_L1, m->l1_start, m->now, m->a1, 1);
    } else if (m->pstate == P_L2) {
        double a2 = m->a2_n ? m->a2_sum / m->a2_n : 0.5 * m->a1;
        emit_probe(m, HS_EV_V34_L2, m->l1_end, m->now, a2, 1);
    }
    m->pstate = P_OFF;
}
