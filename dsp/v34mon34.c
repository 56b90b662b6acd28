/* dsp/v34mon34.c: passive recogniser of V.34 phases 3 and 4 (see v34mon34.h). The receive
 * side follows dsp/v34p34.c's (the modem's) rules for S -> S-bar, J, J', MP and E. */
#include "v34mon34.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "level.h"
#include "mp.h"
#include "qamrx.h"
#include "v34train.h"

/* Data frame length in symbols per symbol rate (B1 is one frame) [V.34 Table 8 note]. */
static const int frame_symbols[6] = { 96, 96, 112, 120, 128, 120 };

#define BIT_RING 256
#define ONSET_DBM0 (-43.0)

typedef struct {
    int           on, from_caller, sr, points;
    int           hold;               /* mono mix: the caller's S cannot come yet */
    hs_qamrx     *rx;
    hs_v34_demapper dem;
    int           rx_state, rx_points;
    uint64_t      t0;                 /* object time of the receiver's sample 0 */
    uint64_t      pp_start;
    int           trn_started;
    uint64_t      trn_start;
    uint32_t      win;
    int64_t       bitcount, j_last_pos;
    int           j_count, j_type, got_j, got_jprime;
    uint64_t      j_first_start;
    int           s_run, last_q, q_two, sbar_first, sbar4;
    int           rx4_started, rx4_trained;
    int           ones, collecting, mpn, mp_ok, far_e, b1_done;
    int64_t       b1_left;
    uint64_t      e_start, b1_start;
    uint8_t       mpbuf[HS_MP1_BITS];
    uint64_t      bit_at[BIT_RING];   /* line time of the symbol that carried bit k */
} dir_t;

struct hs_v34mon34 {
    uint8_t  ch;
    hs_evq  *q;
    uint64_t now;
    double   pw;          /* ~16 ms power (levels) */
    double   pf;          /* ~4 ms power (onsets) */
    int      loud;
    uint64_t onset;       /* last silence -> signal instant */
    dir_t    d[2];        /* [0] answerer's transmission, [1] caller's */
};

hs_err hs_v34mon34_create(uint8_t channel, hs_v34mon34 **out)
{
    *out = NULL;
    hs_v34mon34 *m = calloc(1, sizeof *m);
    if (!m) return HS_ENOMEM;
    m->ch = channel;
    hs_err e = hs_evq_create(256, &m->q) == 0 ? HS_OK : HS_ENOMEM;
    for (int k = 0; k < 2 && e == HS_OK; k++) {
        hs_qamrx_config c = hs_qamrx_config_default(4, 0);
        e = hs_qamrx_create(&c, &m->d[k].rx);
    }
    if (e != HS_OK) { hs_v34mon34_destroy(m); return e; }
    hs_v34mon34_reset(m);
    *out = m;
    return HS_OK;
}

void hs_v34mon34_destroy(hs_v34mon34 *m)
{
    if (!m) return;
    for (int k = 0; k < 2; k++) hs_qamrx_destroy(m->d[k].rx);
    hs_evq_destroy(m->q);
    free(m);
}

static void dir_reset(dir_t *d)
{
    hs_qamrx *rx = d->rx;
    int from_caller = d->from_caller, sr = d->sr, points = d->points, on = d->on;
    memset(d, 0, sizeof *d);
    d->rx = rx;
    d->on = on;
    d->from_caller = from_caller;
    d->sr = sr;
    d->points = points ? points : 4;
    d->rx_state = HS_QAMRX_IDLE;
    d->rx_points = 4;
    d->j_last_pos = -100;
    d->last_q = d->q_two = -1;
    hs_qamrx_reset(rx);
    hs_v34_demapper_init(&d->dem, from_caller ? HS_SCR_GPC : HS_SCR_GPA);
}

void hs_v34mon34_reset(hs_v34mon34 *m)
{
    hs_evq_reset(m->q);
    m->now = 0;
    m->pw = m->pf = 0.0;
    m->loud = 0;
    m->onset = 0;
    for (int k = 0; k < 2; k++) {
        m->d[k].on = 0;
        m->d[k].from_caller = k;
        m->d[k].points = 4;
        dir_reset(&m->d[k]);
    }
}

hs_err hs_v34mon34_start(hs_v34mon34 *m, int from_caller, int sr, int high)
{
    dir_t *d = &m->d[from_caller ? 1 : 0];
    if (sr < 0 || sr > 5) return HS_EINVAL;
    if (hs_qamrx_configure(d->rx, sr, high ? 1 : 0, 0.0, from_caller ? HS_SCR_GPC : HS_SCR_GPA) != HS_OK)
        return HS_EINVAL;
    d->on = 1;
    d->from_caller = from_caller ? 1 : 0;
    d->sr = sr;
    dir_reset(d);
    d->t0 = m->now;
    d->hold = from_caller && !m->d[0].got_j;
    return HS_OK;
}

int hs_v34mon34_started(const hs_v34mon34 *m, int from_caller) { return m->d[from_caller ? 1 : 0].on; }

void hs_v34mon34_set_points(hs_v34mon34 *m, int from_caller, int points)
{
    if (points == 4 || points == 16) m->d[from_caller ? 1 : 0].points = points;
}

int hs_v34mon34_poll(hs_v34mon34 *m, hs_event *ev) { return hs_evq_pop(m->q, ev); }

static void ev_init(hs_v34mon34 *m, const dir_t *d, hs_event *e, hs_ev_type t, uint64_t start, int phase)
{
    hs_event_init(e, t, m->ch, m->now);
    e->start = start <= m->now ? start : m->now;
    hs_event_str(e, "from", d->from_caller ? "caller" : "answerer");
    hs_event_int(e, "phase", phase);
    hs_event_num(e, "level_dbm0", hs_power_to_dbm0(m->pw > 1e-12 ? m->pw : 1e-12));
    hs_event_bool(e, "both_directions", m->d[0].on && m->d[1].on);
}

/* Line time of a symbol decided at `sample`: the receiver's latency taken off. */
static uint64_t line_time(const dir_t *d, uint64_t sample)
{
    uint64_t lat = (uint64_t)(HS_V34MON34_LATENCY_SYMBOLS * HS_RATE / hs_v34_symbol_rate(d->sr) + 0.5);
    sample += d->t0;
    return sample > lat ? sample - lat : 0;
}

static uint64_t bit_time(const dir_t *d, int64_t k)
{
    if (k < 0 || d->bitcount - k >= BIT_RING) return 0;
    return d->bit_at[k % BIT_RING];
}

static void on_mp(hs_v34mon34 *m, dir_t *d)
{
    hs_mp mp;
    int ok = 0;
    size_t n = hs_mp_decode(d->mpbuf, (size_t)d->mpn, &mp, &ok);
    if (!n) return;
    hs_event e;
    ev_init(m, d, &e, HS_EV_V34_MP, bit_time(d, d->bitcount - (int64_t)n), 4);
    hs_event_bits(&e, d->mpbuf, n);
    hs_event_bool(&e, "crc_ok", ok);
    hs_mp_describe(&mp, &e);
    hs_evq_push(m->q, &e);
    if (ok) d->mp_ok = 1;
}

static void emit_j(hs_v34mon34 *m, dir_t *d, unsigned v, const char *name, int points, uint64_t start)
{
    hs_event e;
    ev_init(m, d, &e, HS_EV_V34_J, start, points ? 3 : 4);   /* J' opens the caller's phase 4 */
    uint8_t b[16];
    for (int i = 0; i < 16; i++) b[i] = (uint8_t)((v >> (15 - i)) & 1u);
    hs_event_bits(&e, b, 16);
    hs_event_str(&e, "name", name);
    if (points) hs_event_dec_int(&e, "points", points);
    hs_evq_push(m->q, &e);
}

static void on_bit(hs_v34mon34 *m, dir_t *d, int bit, uint64_t t)
{
    d->bit_at[d->bitcount % BIT_RING] = t;
    d->win = (d->win << 1) | (uint32_t)(bit & 1);
    d->bitcount++;
    unsigned v = d->win & 0xFFFFu;
    if (!d->got_j && !d->rx4_started && (v == 0x0991u || v == 0x0D91u)) {
        int type = v == 0x0991u ? 4 : 16;
        if (d->bitcount - d->j_last_pos == 16 && type == d->j_type) d->j_count++;
        else {
            d->j_count = 1;
            d->j_first_start = bit_time(d, d->bitcount - 16);
        }
        d->j_type = type;
        d->j_last_pos = d->bitcount;
        if (d->j_count >= 2) {
            d->got_j = 1;
            emit_j(m, d, v, "J", type, d->j_first_start);
        }
    }
    if (d->from_caller && d->got_j && !d->got_jprime && v == 0xF991u &&
        (((d->win >> 16) & 0xFFFFu) == 0x0991u || ((d->win >> 16) & 0xFFFFu) == 0x0D91u)) {
        d->got_jprime = 1;
        emit_j(m, d, v, "J'", 0, bit_time(d, d->bitcount - 16));
    }
    if (!d->rx4_trained) return;
    if (d->collecting) {
        d->mpbuf[d->mpn++] = (uint8_t)bit;
        int len = d->mpn > 18 && d->mpbuf[18] ? HS_MP1_BITS : HS_MP0_BITS;
        if (d->mpn >= len) {
            on_mp(m, d);
            d->collecting = 0;
        }
    }
    if (bit) {
        d->ones++;
        if (d->ones == 20 && d->mp_ok && !d->far_e) {
            d->far_e = 1;
            d->collecting = 0;
            d->b1_left = -1;
            hs_event e;
            ev_init(m, d, &e, HS_EV_V34_E, bit_time(d, d->bitcount - 20), 4);
            hs_evq_push(m->q, &e);
        }
    } else {
        if (d->ones >= 17 && !d->collecting && !d->far_e) {
            memset(d->mpbuf, 1, 17);
            d->mpbuf[17] = 0;
            d->mpn = 18;
            d->collecting = 1;
        }
        d->ones = 0;
    }
}

static void emit_s(hs_v34mon34 *m, dir_t *d, int phase, uint64_t start)
{
    hs_event e;
    ev_init(m, d, &e, HS_EV_V34_S, start, phase);
    hs_event_str(&e, "what", "S -> S-bar");
    hs_event_num(&e, "carrier_offset_hz", hs_qamrx_get_carrier_offset_hz(d->rx));
    hs_evq_push(m->q, &e);
}

static void on_symbol(hs_v34mon34 *m, dir_t *d, const hs_qamrx_sym *s)
{
    uint64_t t = line_time(d, s->sample);
    if (s->state == HS_QAMRX_TRAIN_TRN && !d->trn_started) {
        d->trn_started = 1;
        d->trn_start = t;
    }
    if (s->state != HS_QAMRX_DD && s->state != HS_QAMRX_TRAIN_TRN) return;
    if (d->far_e && !d->b1_done) {
        if (d->b1_left < 0) {
            d->b1_left = frame_symbols[d->sr] - 1;
            d->b1_start = t;
        } else if (--d->b1_left == 0) {
            d->b1_done = 1;
            hs_event e;
            ev_init(m, d, &e, HS_EV_V34_B1, d->b1_start, 4);
            hs_evq_push(m->q, &e);
        }
    }
    /* the answerer's phase-4 S -> S-bar, on quadrant labels relative to two symbols earlier */
    if (!d->from_caller && d->got_j && !d->sbar4 && s->state == HS_QAMRX_DD &&
        (!m->d[1].on || m->d[1].got_j)) {
        int label, q;
        hs_v34_slice(s->d, 4, &label, &q);
        int q2 = d->q_two;
        if (q2 >= 0 && q == q2 && q != d->last_q && ((q - d->last_q + 4) % 4) != 2) {
            d->s_run++;
            d->sbar_first = 0;
        } else if (q2 >= 0 && q == (q2 + 2) % 4 && d->s_run >= 16 && !d->sbar_first) {
            d->sbar_first = 1;
            d->s_run = 0;
        } else if (q2 >= 0 && q == (q2 + 2) % 4 && d->sbar_first) {
            d->sbar4 = 1;
            hs_qamrx_start_trn(d->rx, d->points, 14);
            d->rx4_started = 1;
            d->rx_points = d->points;
            d->trn_started = 0;
            emit_s(m, d, 4, m->onset);
        } else {
            d->s_run = 0;
            d->sbar_first = 0;
        }
        d->q_two = d->last_q;
        d->last_q = q;
    }
    uint8_t bits[4];
    int nb = hs_v34_demap_diff(&d->dem, s->d, d->rx_points, bits);
    for (int i = 0; i < nb; i++) on_bit(m, d, bits[i], t);
    if (d->got_jprime && !d->rx4_started) {
        hs_qamrx_start_trn(d->rx, d->points, 0);
        d->rx4_started = 1;
        d->rx_points = d->points;
        d->trn_started = 0;
    }
}

static void watch_rx(hs_v34mon34 *m, dir_t *d)
{
    int st = (int)hs_qamrx_get_state(d->rx);
    if (st == d->rx_state) return;
    int prev = d->rx_state;
    d->rx_state = st;
    hs_event e;
    if (prev == HS_QAMRX_S && st == HS_QAMRX_PP_ALIGN) {
        emit_s(m, d, 3, m->onset);
    } else if (st == HS_QAMRX_TRAIN_PP) {
        /* the next symbol's index counts from the first PP symbol */
        double back = (double)hs_qamrx_get_symbol_index(d->rx) * HS_RATE / hs_v34_symbol_rate(d->sr);
        uint64_t t = line_time(d, m->now - d->t0);
        d->pp_start = (double)t > back ? t - (uint64_t)(back + 0.5) : 0;
        ev_init(m, d, &e, HS_EV_V34_PP, d->pp_start, 3);
        hs_event_str(&e, "what", "aligned");
        hs_evq_push(m->q, &e);
    } else if (st == HS_QAMRX_DD && prev == HS_QAMRX_TRAIN_TRN) {
        int phase = d->rx4_started ? 4 : 3;
        if (d->rx4_started) d->rx4_trained = 1;
        ev_init(m, d, &e, HS_EV_V34_TRN, d->trn_start, phase);
        hs_event_int(&e, "points", phase == 3 ? 4 : d->points);
        hs_event_num(&e, "snr_db", hs_qamrx_get_trn_snr_db(d->rx));
        hs_event_num(&e, "timing_ppm", hs_qamrx_get_timing_offset_ppm(d->rx));
        hs_event_num(&e, "carrier_offset_hz", hs_qamrx_get_carrier_offset_hz(d->rx));
        hs_evq_push(m->q, &e);
    }
}

void hs_v34mon34_process(hs_v34mon34 *m, const float *in, size_t n)
{
    const double thr_on = hs_dbm0_to_power(ONSET_DBM0), thr_off = hs_dbm0_to_power(ONSET_DBM0 - 6.0);
    for (size_t i = 0; i < n; i++) {
        double x2 = (double)in[i] * (double)in[i];
        m->pw += (1.0 / 128.0) * (x2 - m->pw);
        m->pf += (1.0 / 32.0) * (x2 - m->pf);
        /* a -13 dBm0 signal lifts the 4 ms average over -43 dBm0 within a sample or two */
        if (!m->loud && m->pf > thr_on) {
            m->loud = 1;
            m->onset = m->now;
        } else if (m->loud && m->pf < thr_off) {
            m->loud = 0;
        }
        /* both directions on one channel (a mono mix): the caller sends S only after it
         * received the answerer's J, and the answerer its phase-4 S only after the caller's
         * J; until then the other modem's signal is not mistaken for them */
        int mix = m->d[0].on && m->d[1].on;
        if (mix && m->d[1].hold && m->d[0].got_j) {
            m->d[1].hold = 0;
            dir_reset(&m->d[1]);
            m->d[1].t0 = m->now;
        }
        for (int k = 0; k < 2; k++) {
            dir_t *d = &m->d[k];
            if (!d->on || (mix && d->hold)) continue;
            hs_qamrx_process(d->rx, &in[i], 1);
            hs_qamrx_sym s;
            while (hs_qamrx_read(d->rx, &s, 1)) on_symbol(m, d, &s);
            watch_rx(m, d);
        }
        m->now++;
    }
}
