/* dsp/v34p34.c: V.34 phases 3 and 4 for one modem (see v34p34.h). */
#include "v34p34.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "echocan.h"
#include "info.h"
#include "mp.h"
#include "qam.h"
#include "qamrx.h"
#include "v34train.h"

typedef enum {
    P_SILENCE, P_LISTEN, P_S, P_SBAR, P_PP, P_TRN, P_J, P_QUIET, P_S4, P_SBAR4, P_JPRIME,
    P_TRN4, P_MP, P_MPP, P_E, P_B1, P_DATA, P_FAILED
} pstate;

static const char *pnames[] = { "silence", "listen", "S", "S-bar", "PP", "TRN", "J", "quiet",
    "S(4)", "S-bar(4)", "J'", "TRN(4)", "MP", "MP'", "E", "B1", "data", "failed" };
static const char *tx_names[] = { "silence", "silence", "S", "S-bar", "PP", "TRN", "J", "silence",
    "S", "S-bar", "J'", "TRN", "MP", "MP'", "E", "B1", "data", "silence" };

/* Table 8: data frame = B1 length in symbols */
static const int frame_symbols[6] = { 96, 96, 112, 120, 128, 120 };

struct hs_v34p34 {
    hs_v34p34_config c;
    hs_evq          *ev;
    hs_qam_tx       *tx;
    hs_qamrx        *rx;
    hs_echocan      *ec;
    hs_v34_mapper    map;
    hs_v34_demapper  dem;
    uint64_t         now;
    pstate           st;
    uint64_t         deadline, e_deadline, state_start, ec_adapt_at;
    const char      *reason;
    hs_v34p34_status status;
    int64_t          cnt;          /* symbols sent in this state */
    float            last_tx;
    int              rx_on, rx_mute;
    int              pts_tx;       /* own phase-4 constellation (the far J asked) */
    uint8_t          fbits[HS_MP1_BITS];
    int              fn, fpos;
    /* receive side */
    int              rx_state;     /* last seen hs_qamrx_state */
    int              rx_points;
    uint32_t         win;
    int64_t          bitcount, j_last_pos;
    int              j_count, j_type;
    int              got_far_j, got_jprime, sbar_far;
    int              s_run, last_q, sbar_first, q_two;
    int              rx4_started, rx4_trained;
    double           rx_snr;
    int              ones;
    int              collecting, mpn;
    uint8_t          mpbuf[HS_MP1_BITS];
    hs_mp            own_mp, far_mp;
    int              own_mp_ready, far_mp_ok, far_mpp_ok, mpp_sent;
    int              far_e, far_b1_done, own_b1_done;
    int64_t          far_b1_left;
    int              rate_tx, rate_rx;
    uint64_t         connect_sample;
    double           erle;
    int              fail_phase;
    int              trn3_len;     /* own phase-3 TRN length in symbols */
    /* the most recent equalised points (GUI constellation), a ring */
    float complex    pts[HS_V34P34_EQ_POINTS];
    int              npts, pts_pos;
};

hs_v34p34_config hs_v34p34_config_default(hs_role role, int sr, int high)
{
    hs_v34p34_config c;
    memset(&c, 0, sizeof c);
    c.role = role;
    c.tx_sr = c.rx_sr = sr;
    c.tx_high = c.rx_high = high;
    c.tx_preemph = 0;
    c.level_dbm0 = -13.0;
    c.rtd_ms = 0.0;
    c.max_n = 14;
    c.margin_db = 2.0;
    c.trn3_symbols = 1024;   /* as SR; long enough for the echo canceller (>= 512 T) */
    c.j_points = 4;
    c.trace = 0;
    c.source = role == HS_ROLE_CALLER ? HS_SRC_CALLER : HS_SRC_ANSWERER;
    c.start_sample = 0;
    c.emit_result = 1;
    c.eq_report_ms = 50;
    return c;
}

const char *hs_v34p34_config_problem(const hs_v34p34_config *c)
{
    if (c->role != HS_ROLE_CALLER && c->role != HS_ROLE_ANSWERER) return "role: caller or answerer";
    if (c->tx_sr < 0 || c->tx_sr > 5 || c->rx_sr < 0 || c->rx_sr > 5) return "tx_sr/rx_sr: must be 0..5";
    if (c->tx_preemph < 0 || c->tx_preemph > 10) return "tx_preemph: must be 0..10";
    if (c->level_dbm0 < -60.0 || c->level_dbm0 > 3.0) return "level_dbm0: must be -60..3";
    if (c->rtd_ms < 0.0 || c->rtd_ms > 1500.0) return "rtd_ms: must be 0..1500";
    if (c->max_n < 1 || c->max_n > 14) return "max_n: must be 1..14";
    if (c->margin_db < 0.0 || c->margin_db > 20.0) return "margin_db: must be 0..20";
    if (c->trn3_symbols < HS_V34_TRN_MIN || c->trn3_symbols > 8000) return "trn3_symbols: must be 512..8000";
    if (c->j_points != 4 && c->j_points != 16) return "j_points: must be 4 or 16";
    if (c->eq_report_ms < 0 || c->eq_report_ms > 10000) return "eq_report_ms: must be 0..10000";
    return NULL;
}

int hs_v34_symbol_rate_index(int bd)
{
    for (int i = 0; i < HS_V34_NRATES; i++) if (bd == hs_v34_nominal_rate[i]) return i;
    return -1;
}

int hs_v34_is_high_carrier(int sr, double carrier_hz)
{
    if (sr < 0 || sr > 5) return 0;
    return fabs(carrier_hz - hs_qam_carrier_hz(sr, 1)) < fabs(carrier_hz - hs_qam_carrier_hz(sr, 0));
}

static uint64_t ms(double v) { return (uint64_t)(v * HS_RATE / 1000.0 + 0.5); }

static void push(hs_v34p34 *p, hs_event *e) { if (p->ev) hs_evq_push(p->ev, e); }

static void ev_init(hs_v34p34 *p, hs_event *e, hs_ev_type t)
{
    hs_event_init(e, t, p->c.source, p->c.start_sample + p->now);
}

static void go(hs_v34p34 *p, pstate next, const char *why);

static void fail(hs_v34p34 *p, const char *reason)
{
    if (p->st == P_FAILED) return;
    p->reason = reason;
    p->fail_phase = p->st <= P_QUIET ? 3 : 4;
    if (p->c.emit_result) {
        hs_event e;
        ev_init(p, &e, HS_EV_RESULT);
        hs_event_bool(&e, "ok", 0);
        hs_event_str(&e, "phase", p->fail_phase == 3 ? "V.34 phase 3" : "V.34 phase 4");
        hs_event_str(&e, "reason", reason);
        push(p, &e);
    }
    go(p, P_FAILED, reason);
}

/* Own MP: the rate this modem can receive (from the SNR measured on the far phase-4 TRN,
 * §9 rule (b) + margin), no limit on what it transmits (digest §6.4, as SR does). */
static int build_own_mp(hs_v34p34 *p)
{
    int rx_bps = hs_v34_rate_for_snr(p->rx_snr, p->c.rx_sr, p->c.margin_db, p->c.max_n);
    if (rx_bps == 0) return 0;
    memset(&p->own_mp, 0, sizeof p->own_mp);
    int n = rx_bps / 2400;
    if (p->c.role == HS_ROLE_CALLER) {
        p->own_mp.max_rate_a2c = n;
        p->own_mp.max_rate_c2a = p->c.max_n;
    } else {
        p->own_mp.max_rate_c2a = n;
        p->own_mp.max_rate_a2c = p->c.max_n;
    }
    p->own_mp.rate_mask = (uint16_t)((1u << p->c.max_n) - 1u);
    p->own_mp_ready = 1;
    return 1;
}

static void load_mp_frame(hs_v34p34 *p, int ack)
{
    p->own_mp.ack = ack;
    p->fn = (int)hs_mp_encode(&p->own_mp, p->fbits);
    p->fpos = 0;
}

static void go(hs_v34p34 *p, pstate next, const char *why)
{
    if (p->c.trace) {
        hs_event e;
        ev_init(p, &e, HS_EV_STATE);
        hs_event_str(&e, "from", pnames[p->st]);
        hs_event_str(&e, "to", pnames[next]);
        hs_event_str(&e, "why", why);
        push(p, &e);
    }
    int announce = strcmp(tx_names[p->st], tx_names[next]) != 0 || next == P_S || next == P_S4;
    pstate prev = p->st;
    p->st = next;
    p->cnt = 0;
    p->state_start = p->now;
    p->deadline = UINT64_MAX;
    double rtd = p->c.rtd_ms;
    switch (next) {
    case P_SILENCE:
        break;
    case P_LISTEN:      /* [11.3.2.1.1]: 2800 ms + 2 RTD for the answer modem's J */
        p->rx_on = 1;
        p->deadline = p->now + ms(2800.0 + 2.0 * rtd);
        break;
    case P_S:           /* own phase 3: the far end goes silent, train the echo canceller */
        if (p->c.role == HS_ROLE_CALLER) {
            /* the answerer's J goes on until our S -> S-bar has reached it, one pattern has
             * been finished and that has come back: adapt from PP + RTD + 16 T on */
            p->rx_mute = 1;
            hs_qamrx_set_hold(p->rx, 1);   /* the far J is cut off mid-signal: learn nothing from that */
            double S = hs_qam_symbol_rate(p->c.tx_sr);
            double wait_t = rtd / 1000.0 * S + HS_V34_S_LEN + HS_V34_SBAR_LEN + 64;
            p->ec_adapt_at = p->now + (uint64_t)(wait_t * HS_RATE / S);
            /* on a long line that is late: send TRN long enough that the echo canceller still
             * adapts over 1024 T (S .. end of TRN stays far below 2000 ms + 2 RTD [11.3.1.1.6]) */
            int need = (int)ceil(wait_t) + 1024 - HS_V34_S_LEN - HS_V34_SBAR_LEN - HS_V34_PP_LEN;
            p->trn3_len = need > p->c.trn3_symbols ? need : p->c.trn3_symbols;
        } else {
            hs_echocan_set_adapt(p->ec, 1);
        }
        break;
    case P_J:
        hs_echocan_set_adapt(p->ec, 0);
        p->erle = hs_echocan_get_erle_db(p->ec);
        {
            hs_event e;
            ev_init(p, &e, HS_EV_V34_EQ);
            hs_event_str(&e, "what", "echo canceller trained");
            hs_event_num(&e, "echo_dbm0", hs_echocan_get_echo_level_dbm0(p->ec));
            hs_event_num(&e, "residual_dbm0", hs_echocan_get_residual_level_dbm0(p->ec));
            hs_event_num(&e, "erle_db", p->erle);
            push(p, &e);
        }
        if (p->c.role == HS_ROLE_ANSWERER) {   /* now listen for the caller's S */
            hs_qamrx_reset(p->rx);
            p->rx_state = HS_QAMRX_IDLE;
            p->rx_on = 1;
        }
        p->rx_mute = 0;
        hs_qamrx_set_hold(p->rx, 0);
        /* [11.3.2.2.1] / [11.4.2.1.1]: 600 ms + RTD for the far S -> S-bar */
        p->deadline = p->now + ms(600.0 + rtd);
        break;
    case P_QUIET:       /* [11.3.2.2.2]: 2600 ms + 2 RTD for the call modem's J */
        p->deadline = p->now + ms(2600.0 + 2.0 * rtd);
        break;
    case P_JPRIME:      /* [11.4.2.1.2]: E within 2500 ms + 2 RTD after J' */
        p->e_deadline = p->now + ms(2500.0 + 2.0 * rtd);
        break;
    case P_TRN4:
        if (p->c.role == HS_ROLE_ANSWERER)  /* [11.4.2.2.2]: 2500 ms + 3 RTD after S-bar */
            p->e_deadline = p->now + ms(2500.0 + 3.0 * rtd);
        break;
    case P_MP:
        load_mp_frame(p, 0);
        break;
    case P_MPP:
        load_mp_frame(p, 1);
        break;
    case P_E:
        memset(p->fbits, 1, HS_V34_E_BITS);
        p->fn = HS_V34_E_BITS;
        p->fpos = 0;
        break;
    case P_B1:          /* scrambler and differential encoder to zero before B1 [10.1.3.1] */
        hs_v34_mapper_start_trn(&p->map);
        p->map.z = 0;
        break;
    case P_FAILED:
        p->status = HS_V34P34_FAILED;
        break;
    default:
        break;
    }
    (void)prev;
    if (announce) {
        hs_event e;
        ev_init(p, &e, HS_EV_TX);
        hs_event_str(&e, "signal", tx_names[next]);
        if (next == P_TRN || next == P_TRN4 || next == P_MP || next == P_MPP || next == P_E)
            hs_event_int(&e, "points", next == P_TRN ? 4 : p->pts_tx);
        push(p, &e);
    }
}

/* The next symbol of the own transmission (called when the transmitter takes one). */
static float complex next_symbol(hs_v34p34 *p)
{
    float complex s = 0.0f;
    int bps = p->pts_tx == 16 ? 4 : 2;
    switch (p->st) {
    case P_S:
    case P_S4:
        s = hs_v34_s_symbol((unsigned)p->cnt);
        if (++p->cnt == HS_V34_S_LEN) go(p, p->st == P_S ? P_SBAR : P_SBAR4, "128 T of S");
        break;
    case P_SBAR:
    case P_SBAR4:
        s = hs_v34_sbar_symbol((unsigned)p->cnt);
        if (++p->cnt == HS_V34_SBAR_LEN) go(p, p->st == P_SBAR ? P_PP : P_TRN4, "16 T of S-bar");
        break;
    case P_PP:
        s = hs_v34_pp_symbol((unsigned)p->cnt);
        if (++p->cnt == HS_V34_PP_LEN) go(p, P_TRN, "288 T of PP");
        break;
    case P_TRN:
        if (p->cnt == 0) hs_v34_mapper_start_trn(&p->map);
        s = hs_v34_trn_symbol(&p->map, 4, NULL);
        if (++p->cnt >= p->trn3_len) go(p, P_J, "phase-3 TRN sent");
        break;
    case P_J: {
        const uint8_t *jb = hs_v34_j_bits(p->c.j_points);
        s = hs_v34_diff_symbol(&p->map, 4, jb + 2 * (p->cnt % 8));
        p->cnt++;
        /* a J is a whole number of patterns: stop at a pattern boundary */
        if (p->cnt % 8 == 0 && p->sbar_far)
            go(p, p->c.role == HS_ROLE_CALLER ? P_JPRIME : P_QUIET, "far S -> S-bar detected");
        break;
    }
    case P_JPRIME:
        s = hs_v34_diff_symbol(&p->map, 4, hs_v34_jprime_bits() + 2 * p->cnt);
        if (++p->cnt == 8) go(p, P_TRN4, "J' sent");
        break;
    case P_TRN4:
        if (p->cnt == 0) hs_v34_mapper_start_trn(&p->map);
        s = hs_v34_trn_symbol(&p->map, p->pts_tx, NULL);
        p->cnt++;
        /* >= 512 T and until the own receiver has trained on the far TRN; at most 2000 ms
         * [11.4.1.1.2, 11.4.1.2.2] */
        if (p->cnt >= HS_V34_TRN_MIN &&
            (p->rx4_trained || p->now - p->state_start >= ms(2000.0))) {
            if (!p->rx4_trained) p->rx_snr = hs_qamrx_get_snr_db(p->rx);
            if (!build_own_mp(p)) fail(p, "line SNR too low for the lowest data rate");
            else go(p, P_MP, "receiver trained on the far TRN");
        }
        break;
    case P_MP:
    case P_MPP:
    case P_E:
    case P_B1:
    case P_DATA: {
        uint8_t ones[4] = { 1, 1, 1, 1 };
        const uint8_t *b = ones;
        if (p->st != P_B1 && p->st != P_DATA) b = p->fbits + p->fpos;
        s = hs_v34_diff_symbol(&p->map, p->pts_tx, b);
        p->cnt++;
        if (p->st == P_B1) {
            if (p->cnt == frame_symbols[p->c.tx_sr]) {
                p->own_b1_done = 1;
                go(p, P_DATA, "B1 sent");
            }
            break;
        }
        if (p->st == P_DATA) break;
        p->fpos += bps;
        if (p->fpos < p->fn) break;
        if (p->st == P_MP) {            /* finish the MP in progress, then MP' [11.4.1.x.2] */
            if (p->far_mp_ok) go(p, P_MPP, "far MP received");
            else p->fpos = 0;
        } else if (p->st == P_MPP) {
            p->mpp_sent++;
            if (p->far_mpp_ok || p->far_e) go(p, P_E, "far MP' received");
            else p->fpos = 0;
        } else {
            go(p, P_B1, "E sent");
        }
        break;
    }
    default:
        break;
    }
    return s;
}

/* HS_EV_V34_EQ "equalizer": MSE/SNR after equalisation, loops, the echo canceller's residual
 * and the last points (payload: int8 I,Q pairs, x32, clipped; see events.h). */
static void emit_eq(hs_v34p34 *p, const char *what, int trained)
{
    hs_event ev;
    ev_init(p, &ev, HS_EV_V34_EQ);
    hs_event_str(&ev, "what", what);
    hs_event_str(&ev, "state", hs_qamrx_state_name((hs_qamrx_state)p->rx_state));
    /* At connect the receiver may already be hearing the far end's data or its signal
     * stopping: report the SNR measured on the training signals (as `connect` does). */
    double snr = trained ? p->rx_snr : hs_qamrx_get_snr_db(p->rx);
    double mse = trained ? pow(10.0, -snr / 10.0) : hs_qamrx_get_mse(p->rx);
    hs_event_num(&ev, "mse", mse);
    hs_event_num(&ev, "mse_db", mse > 0.0 ? 10.0 * log10(mse) : -99.0);
    hs_event_num(&ev, "snr_db", snr);
    hs_event_num(&ev, "timing_ppm", hs_qamrx_get_timing_offset_ppm(p->rx));
    hs_event_num(&ev, "carrier_offset_hz", hs_qamrx_get_carrier_offset_hz(p->rx));
    hs_event_num(&ev, "residual_dbm0", hs_echocan_get_residual_level_dbm0(p->ec));
    hs_event_num(&ev, "erle_db", hs_echocan_get_erle_db(p->ec));
    hs_event_int(&ev, "points", p->npts);
    uint8_t oct[2 * HS_V34P34_EQ_POINTS];
    for (int i = 0; i < p->npts; i++) {
        int k = (p->pts_pos - p->npts + i + HS_V34P34_EQ_POINTS) % HS_V34P34_EQ_POINTS;
        float v[2] = { crealf(p->pts[k]) * 32.0f, cimagf(p->pts[k]) * 32.0f };
        for (int j = 0; j < 2; j++) {
            float x = v[j] > 127.0f ? 127.0f : v[j] < -128.0f ? -128.0f : v[j];
            oct[2 * i + j] = (uint8_t)(int8_t)lrintf(x);
        }
    }
    hs_event_octets(&ev, oct, (size_t)(2 * p->npts));
    push(p, &ev);
}

static void emit_trn(hs_v34p34 *p, int phase, double snr)
{
    hs_event e;
    ev_init(p, &e, HS_EV_V34_TRN);
    hs_event_int(&e, "phase", phase);
    hs_event_int(&e, "points", phase == 3 ? 4 : p->c.j_points);
    hs_event_num(&e, "snr_db", snr);
    hs_event_num(&e, "mse", hs_qamrx_get_mse(p->rx));
    hs_event_num(&e, "timing_ppm", hs_qamrx_get_timing_offset_ppm(p->rx));
    hs_event_num(&e, "carrier_offset_hz", hs_qamrx_get_carrier_offset_hz(p->rx));
    push(p, &e);
}

static void on_mp(hs_v34p34 *p)
{
    hs_mp m;
    int ok = 0;
    size_t n = hs_mp_decode(p->mpbuf, (size_t)p->mpn, &m, &ok);
    if (!n) return;
    hs_event e;
    ev_init(p, &e, HS_EV_V34_MP);
    hs_event_bits(&e, p->mpbuf, n);
    hs_event_bool(&e, "crc_ok", ok);
    hs_mp_describe(&m, &e);
    push(p, &e);
    if (!ok) return;
    p->far_mp = m;
    p->far_mp_ok = 1;
    if (m.ack) p->far_mpp_ok = 1;
}

static void on_bit(hs_v34p34 *p, int bit)
{
    p->win = (p->win << 1) | (uint32_t)(bit & 1);
    p->bitcount++;
    unsigned v = p->win & 0xFFFFu;   /* last 16 bits, oldest in bit 15 = line order MSB first */
    int in_p3_listen = (p->c.role == HS_ROLE_CALLER && p->st == P_LISTEN) ||
                       (p->c.role == HS_ROLE_ANSWERER && p->st == P_QUIET);
    if (in_p3_listen && !p->got_far_j && (v == 0x0991u || v == 0x0D91u)) {
        int type = v == 0x0991u ? 4 : 16;
        /* two identical J in a row [impl: SR], 16 bits apart */
        if (p->bitcount - p->j_last_pos == 16 && type == p->j_type) p->j_count++;
        else p->j_count = 1;
        p->j_type = type;
        p->j_last_pos = p->bitcount;
        if (p->j_count >= 2) {
            p->got_far_j = 1;
            p->pts_tx = type;
            hs_event e;
            ev_init(p, &e, HS_EV_V34_J);
            uint8_t b[16];
            for (int i = 0; i < 16; i++) b[i] = (uint8_t)((v >> (15 - i)) & 1u);
            hs_event_bits(&e, b, 16);
            hs_event_str(&e, "name", "J");
            hs_event_dec_int(&e, "points", type);
            push(p, &e);
        }
    }
    /* answerer, phase 4: J' right after a J, then the caller's TRN starts with the next symbol */
    if (p->c.role == HS_ROLE_ANSWERER && p->got_far_j && !p->got_jprime && v == 0xF991u &&
        (((p->win >> 16) & 0xFFFFu) == 0x0991u || ((p->win >> 16) & 0xFFFFu) == 0x0D91u)) {
        p->got_jprime = 1;
        hs_event e;
        ev_init(p, &e, HS_EV_V34_J);
        uint8_t b[16];
        for (int i = 0; i < 16; i++) b[i] = (uint8_t)((v >> (15 - i)) & 1u);
        hs_event_bits(&e, b, 16);
        hs_event_str(&e, "name", "J'");
        push(p, &e);
    }
    if (!p->rx4_trained) return;
    /* MP: 17 ones and a start bit 0 [Tables 20, 21]; E: 20 ones [10.1.3.2] */
    if (p->collecting) {
        p->mpbuf[p->mpn++] = (uint8_t)bit;
        int len = p->mpn > 18 && p->mpbuf[18] ? HS_MP1_BITS : HS_MP0_BITS;
        if (p->mpn >= len) {
            on_mp(p);
            p->collecting = 0;
        }
    }
    if (bit) {
        p->ones++;
        if (p->ones == 20 && p->far_mp_ok && !p->far_e) {
            p->far_e = 1;
            p->collecting = 0;
            p->far_b1_left = -1;   /* B1 starts with the next symbol */
            hs_event e;
            ev_init(p, &e, HS_EV_V34_E);
            push(p, &e);
        }
    } else {
        if (p->ones >= 17 && !p->collecting && !p->far_e) {
            memset(p->mpbuf, 1, 17);
            p->mpbuf[17] = 0;
            p->mpn = 18;
            p->collecting = 1;
        }
        p->ones = 0;
    }
}

static void on_symbol(hs_v34p34 *p, const hs_qamrx_sym *s)
{
    if (s->state != HS_QAMRX_DD && s->state != HS_QAMRX_TRAIN_TRN) return;
    /* far B1: one data frame after E */
    if (p->far_e && !p->far_b1_done) {
        if (p->far_b1_left < 0) p->far_b1_left = frame_symbols[p->c.rx_sr] - 1;   /* B1(0) */
        else if (--p->far_b1_left == 0) {
            p->far_b1_done = 1;
            hs_event e;
            ev_init(p, &e, HS_EV_V34_B1);
            push(p, &e);
        }
    }
    /* caller, phase 4: the answerer's S (0, 3, 0, 3 ...) turning into S-bar (2, 1) [5.3],
     * on the quadrant labels relative to two symbols earlier, so that a carrier phase that
     * comes back from the far modem's silence turned by a multiple of 90 degrees does not
     * matter: S repeats every 2 symbols (q_n = q_{n-2} != q_{n-1}); the first two S-bar
     * symbols are each turned by 180 degrees against two symbols earlier. */
    if (p->c.role == HS_ROLE_CALLER && p->st == P_J && !p->sbar_far && s->state == HS_QAMRX_DD) {
        int label, q;
        hs_v34_slice(s->d, 4, &label, &q);
        int q2 = p->q_two;             /* q_{n-2} */
        if (q2 >= 0 && q == q2 && q != p->last_q && ((q - p->last_q + 4) % 4) != 2) {
            p->s_run++;
            p->sbar_first = 0;
        } else if (q2 >= 0 && q == (q2 + 2) % 4 && p->s_run >= 16 && !p->sbar_first) {
            p->sbar_first = 1;
            p->s_run = 0;
        } else if (q2 >= 0 && q == (q2 + 2) % 4 && p->sbar_first) {
            /* second S-bar symbol: TRN(0) follows the 16th, 14 symbols after the next */
            p->sbar_far = 1;
            hs_qamrx_start_trn(p->rx, p->c.j_points, 14);
            p->rx4_started = 1;
            p->rx_points = p->c.j_points;
            hs_event e;
            ev_init(p, &e, HS_EV_V34_S);
            hs_event_int(&e, "phase", 4);
            hs_event_str(&e, "what", "S -> S-bar");
            push(p, &e);
        } else {
            p->s_run = 0;
            p->sbar_first = 0;
        }
        p->q_two = p->last_q;
        p->last_q = q;
    }
    uint8_t bits[4];
    int nb = hs_v34_demap_diff(&p->dem, s->d, p->rx_points, bits);
    for (int i = 0; i < nb; i++) on_bit(p, bits[i]);
    if (p->got_jprime && !p->rx4_started) {        /* the next symbol is the caller's TRN(0) */
        hs_qamrx_start_trn(p->rx, p->c.j_points, 0);
        p->rx4_started = 1;
        p->rx_points = p->c.j_points;
    }
}

static void watch_rx(hs_v34p34 *p)
{
    int st = (int)hs_qamrx_get_state(p->rx);
    if (st == p->rx_state) return;
    int prev = p->rx_state;
    p->rx_state = st;
    hs_event e;
    if (prev == HS_QAMRX_S && st == HS_QAMRX_PP_ALIGN) {
        if (p->c.role == HS_ROLE_ANSWERER) p->sbar_far = 1;   /* stops the answerer's J */
        ev_init(p, &e, HS_EV_V34_S);
        hs_event_int(&e, "phase", 3);
        hs_event_str(&e, "what", "S -> S-bar");
        hs_event_num(&e, "carrier_offset_hz", hs_qamrx_get_carrier_offset_hz(p->rx));
        push(p, &e);
    } else if (st == HS_QAMRX_TRAIN_PP) {
        ev_init(p, &e, HS_EV_V34_PP);
        hs_event_str(&e, "what", "aligned, equalizer started");
        push(p, &e);
    } else if (st == HS_QAMRX_DD && prev == HS_QAMRX_TRAIN_TRN) {
        double snr = hs_qamrx_get_trn_snr_db(p->rx);
        if (p->rx4_started) {
            p->rx4_trained = 1;
            p->rx_snr = snr;
        }
        emit_trn(p, p->rx4_started ? 4 : 3, snr);
    }
}

static void step(hs_v34p34 *p)
{
    if (p->st == P_FAILED || p->st == P_DATA) {
        if (p->st == P_DATA && p->own_b1_done && p->far_b1_done && !p->connect_sample) {
            const hs_mp *cm = p->c.role == HS_ROLE_CALLER ? &p->own_mp : &p->far_mp;
            const hs_mp *am = p->c.role == HS_ROLE_CALLER ? &p->far_mp : &p->own_mp;
            int sr_c2a = p->c.role == HS_ROLE_CALLER ? p->c.tx_sr : p->c.rx_sr;
            int sr_a2c = p->c.role == HS_ROLE_CALLER ? p->c.rx_sr : p->c.tx_sr;
            int c2a, a2c;
            if (!hs_mp_final_rates(cm, am, sr_c2a, sr_a2c, &c2a, &a2c)) {
                fail(p, "no data rate common to both MPs");
                return;
            }
            p->rate_tx = p->c.role == HS_ROLE_CALLER ? c2a : a2c;
            p->rate_rx = p->c.role == HS_ROLE_CALLER ? a2c : c2a;
            p->connect_sample = p->c.start_sample + p->now;
            p->status = HS_V34P34_CONNECTED;
            hs_event e;
            ev_init(p, &e, HS_EV_CONNECT);
            hs_event_int(&e, "rate_bps", p->rate_rx < p->rate_tx ? p->rate_rx : p->rate_tx);
            hs_event_int(&e, "tx_rate_bps", p->rate_tx);
            hs_event_int(&e, "rx_rate_bps", p->rate_rx);
            hs_event_num(&e, "symbol_rate", hs_qam_symbol_rate(p->c.tx_sr));
            hs_event_num(&e, "carrier_hz", hs_qam_carrier_hz(p->c.tx_sr, p->c.tx_high));
            hs_event_num(&e, "rx_symbol_rate", hs_qam_symbol_rate(p->c.rx_sr));
            hs_event_num(&e, "snr_db", p->rx_snr);
            hs_event_num(&e, "erle_db", p->erle);
            push(p, &e);
            emit_eq(p, "equalizer at connect", 1);
        }
        return;
    }
    if (p->now >= p->deadline) {
        switch (p->st) {
        case P_LISTEN: fail(p, "no J from the answer modem within 2800 ms + 2 RTD"); return;
        case P_J: fail(p, p->c.role == HS_ROLE_CALLER ? "no S -> S-bar from the answer modem within 600 ms + RTD"
                                                    : "no S -> S-bar from the call modem within 600 ms + RTD"); return;
        case P_QUIET: fail(p, "no J from the call modem within 2600 ms + 2 RTD"); return;
        default: break;
        }
    }
    if (p->e_deadline && !p->far_e && p->now >= p->e_deadline) {
        fail(p, "no E from the far modem in phase 4");
        return;
    }
    if (p->ec_adapt_at && p->now >= p->ec_adapt_at) {
        p->ec_adapt_at = 0;
        if (p->st == P_S || p->st == P_SBAR || p->st == P_PP || p->st == P_TRN) hs_echocan_set_adapt(p->ec, 1);
    }
    switch (p->st) {
    case P_SILENCE:     /* 70 +- 5 ms after INFO1a [11.3.1.2.1] */
        if (p->now - p->state_start >= ms(70.0)) go(p, P_S, "70 ms silence");
        break;
    case P_LISTEN:
        if (p->got_far_j) go(p, P_S, "J received");
        break;
    case P_QUIET:
        if (p->got_far_j) go(p, P_S4, "J received");
        break;
    default:
        break;
    }
}

hs_err hs_v34p34_create(const hs_v34p34_config *c, hs_evq *ev, hs_v34p34 **out)
{
    *out = NULL;
    if (hs_v34p34_config_problem(c)) return HS_EINVAL;
    hs_v34p34 *p = calloc(1, sizeof *p);
    if (!p) return HS_ENOMEM;
    p->c = *c;
    p->ev = ev;
    hs_qam_config qc = hs_qam_config_default(c->tx_sr, c->tx_high);
    qc.fifo_symbols = 4;
    hs_qamrx_config rc = hs_qamrx_config_default(c->rx_sr, c->rx_high);
    rc.fifo_symbols = 16;
    hs_echocan_config ecc = hs_echocan_config_default();
    ecc.near_taps = 64;    /* 8 ms of near echo */
    ecc.far_taps = 32;     /* 4 ms around the round-trip delay */
    ecc.far_delay_samples = 64;
    ecc.max_far_delay_samples = 12000;
    ecc.mu = 1.0;          /* fastest NLMS: the training window is short (< 1500 T) */
    if (hs_qam_tx_create(&qc, &p->tx) != HS_OK || hs_qamrx_create(&rc, &p->rx) != HS_OK ||
        hs_echocan_create(&ecc, &p->ec) != HS_OK) {
        hs_v34p34_destroy(p);
        return HS_ENOMEM;
    }
    if (hs_v34p34_start(p, c) != HS_OK) {
        hs_v34p34_destroy(p);
        return HS_EINVAL;
    }
    *out = p;
    return HS_OK;
}

hs_err hs_v34p34_start(hs_v34p34 *p, const hs_v34p34_config *c)
{
    if (hs_v34p34_config_problem(c)) return HS_EINVAL;
    p->c = *c;
    hs_scr_poly far = c->role == HS_ROLE_CALLER ? HS_SCR_GPA : HS_SCR_GPC;
    int rtd = (int)(c->rtd_ms * HS_RATE / 1000.0);
    int d = rtd - 16 > 64 ? rtd - 16 : 64;
    if (hs_qam_tx_configure(p->tx, c->tx_sr, c->tx_high, 0.0, c->tx_preemph, c->level_dbm0) != HS_OK ||
        hs_qamrx_configure(p->rx, c->rx_sr, c->rx_high, 0.0, far) != HS_OK ||
        hs_echocan_set_far_delay(p->ec, d > 12000 ? 12000 : d) != HS_OK)
        return HS_EINVAL;
    hs_v34p34_reset(p);
    return HS_OK;
}

void hs_v34p34_reset(hs_v34p34 *p)
{
    hs_qam_tx_reset(p->tx);
    hs_qamrx_reset(p->rx);
    hs_echocan_reset(p->ec);
    hs_v34_mapper_init(&p->map, p->c.role == HS_ROLE_CALLER ? HS_SCR_GPC : HS_SCR_GPA);
    hs_v34_demapper_init(&p->dem, p->c.role == HS_ROLE_CALLER ? HS_SCR_GPA : HS_SCR_GPC);
    p->now = 0;
    p->deadline = UINT64_MAX;
    p->e_deadline = 0;
    p->ec_adapt_at = 0;
    p->reason = NULL;
    p->status = HS_V34P34_RUNNING;
    p->cnt = 0;
    p->last_tx = 0.0f;
    p->rx_on = p->rx_mute = 0;
    p->pts_tx = 4;
    p->fn = p->fpos = 0;
    p->rx_state = HS_QAMRX_IDLE;
    p->rx_points = 4;
    p->win = 0;
    p->bitcount = 0;
    p->j_last_pos = -100;
    p->j_count = p->j_type = 0;
    p->got_far_j = p->got_jprime = p->sbar_far = 0;
    p->s_run = p->sbar_first = 0;
    p->last_q = -1;
    p->q_two = -1;
    p->rx4_started = p->rx4_trained = 0;
    p->rx_snr = 0.0;
    p->ones = p->collecting = p->mpn = 0;
    memset(&p->own_mp, 0, sizeof p->own_mp);
    memset(&p->far_mp, 0, sizeof p->far_mp);
    p->own_mp_ready = p->far_mp_ok = p->far_mpp_ok = p->mpp_sent = 0;
    p->far_e = p->far_b1_done = p->own_b1_done = 0;
    p->far_b1_left = 0;
    p->rate_tx = p->rate_rx = 0;
    p->connect_sample = 0;
    p->erle = 0.0;
    p->fail_phase = 0;
    p->trn3_len = p->c.trn3_symbols;
    p->npts = p->pts_pos = 0;
    p->st = P_SILENCE;
    p->state_start = 0;
    go(p, p->c.role == HS_ROLE_CALLER ? P_LISTEN : P_SILENCE, "phase 3 starts");
}

void hs_v34p34_destroy(hs_v34p34 *p)
{
    if (!p) return;
    hs_qam_tx_destroy(p->tx);
    hs_qamrx_destroy(p->rx);
    hs_echocan_destroy(p->ec);
    free(p);
}

void hs_v34p34_process(hs_v34p34 *p, const float *in, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float r = in ? in[i] : 0.0f, e;
        hs_echocan_process(p->ec, &p->last_tx, &r, &e, 1);
        if (p->rx_on) {
            if (p->rx_mute) e = 0.0f;
            hs_qamrx_process(p->rx, &e, 1);
            hs_qamrx_sym s;
            while (hs_qamrx_read(p->rx, &s, 1)) {
                if (s.state >= HS_QAMRX_TRAIN_PP && !p->far_b1_done) {   /* not the far end's data */
                    p->pts[p->pts_pos] = s.y;
                    p->pts_pos = (p->pts_pos + 1) % HS_V34P34_EQ_POINTS;
                    if (p->npts < HS_V34P34_EQ_POINTS) p->npts++;
                }
                on_symbol(p, &s);
            }
            watch_rx(p);
            /* the equalizer over time while it runs (GUI, tests) */
            if (p->c.eq_report_ms > 0 && p->rx_state >= HS_QAMRX_TRAIN_PP && !p->rx_mute &&
                p->now % ms((double)p->c.eq_report_ms) == 0)
                emit_eq(p, "equalizer", 0);
        }
        step(p);
        if (hs_qam_tx_symbols_needed(p->tx, 1)) hs_qam_tx_put(p->tx, next_symbol(p));
        float o;
        hs_qam_tx_process(p->tx, &o, 1);
        out[i] = o;
        p->last_tx = o;
        p->now++;
    }
}

hs_v34p34_status hs_v34p34_get_status(const hs_v34p34 *p) { return p->status; }
int hs_v34p34_get_phase(const hs_v34p34 *p)
{
    if (p->st == P_FAILED) return p->fail_phase;
    return p->st <= P_QUIET ? 3 : 4;
}
const char *hs_v34p34_get_state_name(const hs_v34p34 *p) { return pnames[p->st]; }
const char *hs_v34p34_get_reason(const hs_v34p34 *p) { return p->reason; }
int hs_v34p34_get_rate_bps(const hs_v34p34 *p, int *tx_bps, int *rx_bps)
{
    if (tx_bps) *tx_bps = p->rate_tx;
    if (rx_bps) *rx_bps = p->rate_rx;
    return p->rate_tx < p->rate_rx ? p->rate_tx : p->rate_rx;
}
double hs_v34p34_get_rx_snr_db(const hs_v34p34 *p) { return p->rx_snr; }
double hs_v34p34_get_erle_db(const hs_v34p34 *p) { return p->erle; }
uint64_t hs_v34p34_get_connect_sample(const hs_v34p34 *p) { return p->connect_sample; }
struct hs_qamrx *hs_v34p34_get_rx(hs_v34p34 *p) { return p->rx; }
