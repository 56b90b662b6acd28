#include "v34p2.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dpsk.h"
#include "level.h"
#include "spectrum.h"

/* Probing window at the receiver, from the far reversal that precedes L1 (spec §4.9 step 1):
 * 10 ms of tone, 160 ms of L1, 20 ms of L2 settling, then 22 blocks (440 ms) of L2. */
#define PROBE_SKIP   (HS_MS(10) + HS_MS(160) + HS_MS(20))
#define PROBE_LEN    (22 * HS_PROBE_PERIOD)
#define REPLY        HS_MS(40)        /* reversal reply at the line: 40 +- 1 ms [11.2.1.1.3] */
#define TONE_MS      HS_MS(20)        /* a steady far tone for 20 ms counts as detected */

typedef enum {
    S_IDLE = 0,
    C_SILENCE1, C_INFO0, C_TONE_B, C_REV_B1, C_SILENCE2, C_TONE_B2, C_REV_B2, C_L1, C_L2,
    C_L2_QUIET, C_GAP, C_INFO1C, C_WAIT_INFO1A,
    A_SILENCE1, A_INFO0, A_TONE_A, A_WAIT_B1, A_REV_A2, A_L1, A_L2, A_L2_QUIET, A_TONE_A2,
    A_SILENCE2, A_TONE_A3, A_MARKS, A_INFO1A,
    S_DONE, S_FAILED, S_NSTATES
} state_t;

static const char *const state_names[S_NSTATES] = {
    "idle",
    "C1 silence", "C2 INFO0c", "C3 Tone B", "C4 reversal B1", "C5 silence, L1/L2 in",
    "C6 Tone B", "C7 reversal B2", "C8 L1", "C9 L2", "C9 silent after L2 cap", "C10 INFO1c",
    "C10 gap before INFO1c", "C11 wait INFO1a",
    "A1 silence", "A2 INFO0a", "A3 Tone A", "A4 wait B1", "A5 reversal A2", "A6 L1", "A7 L2",
    "A7 silent after L2 cap", "A8 Tone A, reversal A3", "A10 silence, L1/L2 in",
    "A11 Tone A", "A11 INFOMARKSa", "A12 INFO1a",
    "done", "failed",
};

/* Reason when the 20 s watchdog fires in a state V.34 gives no time-out for. */
static const char *const stuck_reasons[S_NSTATES] = {
    [C_SILENCE1] = "phase 2 stuck (C1)",
    [C_INFO0] = "no INFO0a with acknowledge within 20 s (INFO0c repeated)",
    [C_TONE_B] = "no INFO0a and reversal A1 within 20 s (Tone B sent)",
    [A_INFO0] = "no INFO0c with acknowledge within 20 s (INFO0a repeated)",
    [A_TONE_A] = "no INFO0c and Tone B within 20 s (Tone A sent)",
};

enum { OUT_SILENT = 0, OUT_DPSK, OUT_L1, OUT_L2 };

struct hs_v34p2 {
    hs_v34p2_config c;
    hs_evq      *ev;
    hs_dpsk_tx  *tx;
    hs_dpsk_rx  *rx;
    hs_probe_tx *ptx;
    hs_probe_rx *prx;
    int          started;
    uint64_t     t0, n;
    state_t      state;
    uint64_t     entered, deadline;
    const char  *reason;
    int          out;
    /* INFO0 exchange */
    uint64_t     info0_sent;
    int          have_far_info0, far_info0_count, far_ack, repeat_info0;
    hs_info0     far_info0;
    /* frame receiver */
    uint8_t      sh[HS_INFO_SYNC_BITS];
    int          collecting, fr_len, fr_n;
    uint8_t      fr[HS_INFO_MAX_BITS];
    /* reversals and RTD */
    double       own_rev;          /* scheduled own reversal (line time, local samples) */
    int          own_rev_pending;  /* waiting for the transmitter to accept it */
    double       far_rev;          /* last confirmed far reversal (line time) */
    int          far_rev_new;
    double       rtd;              /* samples, -1 until measured */
    double       t_b1;             /* call modem: departure of B1 */
    double       t_a1;             /* answer modem: departure of A1 */
    /* probing */
    uint64_t     probe_start, probe_end;
    int          probing, probe_done;
    hs_probe_result probe;
    hs_probe_choice pchoice;
    uint64_t     l2_start, tone_seen_at;
    /* INFO1 */
    int          have_info1c, have_info1a;
    int          bad_info1c;       /* answer: an INFO1c with a bad CRC came in */
    int          ones;             /* call: consecutive 1 bits (INFOMARKSa) */
    int          info1c_sent, watching;
    hs_info1c    info1c;
    hs_info1a    info1a;
    hs_v34p2_choice choice;
};

hs_v34p2_config hs_v34p2_config_default(int answer)
{
    hs_v34p2_config c;
    memset(&c, 0, sizeof c);
    c.answer = answer != 0;
    c.p0_dbm0 = -13.0f;
    c.info0 = hs_info0_default();
    c.source = answer ? HS_SRC_ANSWERER : HS_SRC_CALLER;
    c.silence_ms = 75;
    return c;
}

const char *hs_v34p2_config_problem(const hs_v34p2_config *c)
{
    if (c->p0_dbm0 > 0.0f || c->p0_dbm0 < -40.0f) return "p0_dbm0 must be between -40 and 0 dBm0";
    if (c->info0.max_rate_diff < 0 || c->info0.max_rate_diff > 5) return "info0.max_rate_diff must be 0..5";
    if (c->corrupt_info0 < 0 || c->mute_after_ms < 0) return "test hooks must be >= 0";
    if (c->silence_ms < 0 || c->silence_ms > 80) return "silence_ms must be 0 (done by V.8) or up to 80";
    return NULL;
}

hs_err hs_v34p2_create(const hs_v34p2_config *c, hs_evq *ev, hs_v34p2 **out)
{
    *out = NULL;
    if (!ev || hs_v34p2_config_problem(c)) return HS_EINVAL;
    hs_v34p2 *p = calloc(1, sizeof *p);
    if (!p) return HS_ENOMEM;
    p->c = *c;
    p->ev = ev;
    hs_dpsk_tx_config tc = hs_dpsk_tx_config_v34(c->answer, c->p0_dbm0);
    hs_dpsk_rx_config rc = hs_dpsk_rx_config_v34(c->answer);
    hs_err e = hs_dpsk_tx_create(&tc, &p->tx);
    if (e == HS_OK) e = hs_dpsk_rx_create(&rc, &p->rx);
    if (e == HS_OK) e = hs_probe_tx_create(c->p0_dbm0, &p->ptx);
    if (e == HS_OK) e = hs_probe_rx_create(c->p0_dbm0, &p->prx);   /* the far P0 is assumed equal */
    if (e != HS_OK) { hs_v34p2_destroy(p); return e; }
    hs_v34p2_reset(p);
    *out = p;
    return HS_OK;
}

void hs_v34p2_destroy(hs_v34p2 *p)
{
    if (!p) return;
    hs_dpsk_tx_destroy(p->tx);
    hs_dpsk_rx_destroy(p->rx);
    hs_probe_tx_destroy(p->ptx);
    hs_probe_rx_destroy(p->prx);
    free(p);
}

void hs_v34p2_reset(hs_v34p2 *p)
{
    hs_dpsk_tx_reset(p->tx);
    hs_dpsk_rx_reset(p->rx);
    hs_probe_tx_reset(p->ptx);
    hs_probe_rx_reset(p->prx);
    p->started = 0;
    p->t0 = p->n = 0;
    p->state = S_IDLE;
    p->entered = 0;
    p->deadline = UINT64_MAX;
    p->reason = "not started";
    p->out = OUT_SILENT;
    p->info0_sent = 0;
    p->have_far_info0 = p->far_info0_count = p->far_ack = p->repeat_info0 = 0;
    memset(&p->far_info0, 0, sizeof p->far_info0);
    memset(p->sh, 0, sizeof p->sh);
    p->collecting = p->fr_len = p->fr_n = 0;
    p->own_rev = 0.0;
    p->own_rev_pending = 0;
    p->far_rev = -1.0;
    p->far_rev_new = 0;
    p->rtd = -1.0;
    p->t_a1 = p->t_b1 = 0.0;
    p->probe_start = p->probe_end = 0;
    p->probing = p->probe_done = 0;
    memset(&p->probe, 0, sizeof p->probe);
    memset(&p->pchoice, 0, sizeof p->pchoice);
    p->l2_start = p->tone_seen_at = 0;
    p->have_info1c = p->have_info1a = 0;
    p->bad_info1c = p->ones = p->info1c_sent = p->watching = 0;
    memset(&p->info1c, 0, sizeof p->info1c);
    memset(&p->info1a, 0, sizeof p->info1a);
    memset(&p->choice, 0, sizeof p->choice);
}

/* ------------------------------------------------------------------ helpers */

static uint64_t stamp(const hs_v34p2 *p, double local)
{
    if (local < 0.0) local = 0.0;
    return p->t0 + (uint64_t)llround(local);
}

static void push(hs_v34p2 *p, hs_event *e) { hs_evq_push(p->ev, e); }

static void ev_tx(hs_v34p2 *p, const char *signal)
{
    hs_event e;
    hs_event_init(&e, HS_EV_TX, p->c.source, stamp(p, (double)p->n));
    hs_event_str(&e, "signal", signal);
    push(p, &e);
}

static void go(hs_v34p2 *p, state_t next, uint64_t timeout, const char *why)
{
    if (p->c.trace) {
        hs_event e;
        hs_event_init(&e, HS_EV_STATE, p->c.source, stamp(p, (double)p->n));
        hs_event_str(&e, "from", state_names[p->state]);
        hs_event_str(&e, "to", state_names[next]);
        hs_event_str(&e, "why", why);
        push(p, &e);
    }
    p->state = next;
    p->entered = p->n;
    p->deadline = timeout ? p->n + timeout : UINT64_MAX;
}

static void fail(hs_v34p2 *p, const char *why)
{
    p->reason = why;
    hs_dpsk_tx_stop(p->tx);
    p->out = OUT_DPSK;                 /* the tone fades out */
    go(p, S_FAILED, 0, why);
}

static uint64_t rtd_samples(const hs_v34p2 *p) { return p->rtd > 0.0 ? (uint64_t)p->rtd : 0; }

/* Queue an INFO frame after a reference symbol (spec §4.1); then tone or silence. */
static void send_frame(hs_v34p2 *p, const uint8_t *frame, int n, int tone_after)
{
    uint8_t ref = 0;
    hs_dpsk_tx_send_bits(p->tx, &ref, 1);
    hs_dpsk_tx_send_bits(p->tx, frame, (size_t)n);
    hs_dpsk_tx_set_tone(p->tx, tone_after);
    p->out = OUT_DPSK;
}

static void send_info0(hs_v34p2 *p)
{
    hs_info0 m = p->c.info0;
    m.ack = p->have_far_info0;         /* bit 28 [11.2.1.1.1, notes to 11.2.2] */
    uint8_t f[HS_INFO0_BITS];
    hs_info0_encode(&m, f);
    if (p->info0_sent < (uint64_t)p->c.corrupt_info0) f[30] ^= 1;   /* test hook */
    p->info0_sent++;
    if (p->c.answer) hs_dpsk_tx_set_guard(p->tx, 1, p->c.p0_dbm0 - 7.0f);  /* [10.1.2.3.1] */
    send_frame(p, f, HS_INFO0_BITS, 1);
    ev_tx(p, p->c.answer ? "INFO0a" : "INFO0c");
}

static void start_tone(hs_v34p2 *p)
{
    if (p->c.answer) hs_dpsk_tx_set_guard(p->tx, 1, p->c.p0_dbm0);   /* guard at P0 with Tone A [10.1.2.1] */
    if (!hs_dpsk_tx_in_tone(p->tx) && !hs_dpsk_tx_busy(p->tx)) {
        uint8_t ref = 0;
        hs_dpsk_tx_send_bits(p->tx, &ref, 1);
    }
    hs_dpsk_tx_set_tone(p->tx, 1);
    p->out = OUT_DPSK;
    ev_tx(p, p->c.answer ? "Tone A" : "Tone B");
}

static void schedule_reversal(hs_v34p2 *p, double t)
{
    p->own_rev = t;
    p->own_rev_pending = 1;
}

static void stop_tx(hs_v34p2 *p)
{
    hs_dpsk_tx_stop(p->tx);
    if (p->c.answer) hs_dpsk_tx_set_guard(p->tx, 0, p->c.p0_dbm0);
    ev_tx(p, "silence");
}

static int far_tone(const hs_v34p2 *p) { return hs_dpsk_rx_tone_samples(p->rx) >= TONE_MS; }

static void ev_tone(hs_v34p2 *p)
{
    hs_event e;
    hs_event_init(&e, p->c.answer ? HS_EV_V34_TONE_B : HS_EV_V34_TONE_A, p->c.source, stamp(p, (double)p->n));
    e.start = stamp(p, (double)p->n - (double)TONE_MS - hs_dpsk_rx_delay(p->rx));
    hs_event_num(&e, "freq_hz", p->c.answer ? 1200.0 : 2400.0);
    hs_event_num(&e, "level_dbm0", (double)hs_dpsk_rx_level_dbm0(p->rx));
    push(p, &e);
}

static void ev_rtd(hs_v34p2 *p)
{
    hs_event e;
    hs_event_init(&e, HS_EV_V34_RTD, p->c.source, stamp(p, (double)p->n));
    hs_event_num(&e, "rtd_ms", p->rtd * 1000.0 / HS_RATE);
    push(p, &e);
}

static void start_probe(hs_v34p2 *p)
{
    p->probe_start = (uint64_t)llround(p->far_rev) + PROBE_SKIP;
    p->probe_end = p->probe_start + PROBE_LEN;
    p->probing = 1;
    hs_probe_rx_reset(p->prx);
    hs_event e;
    hs_event_init(&e, HS_EV_V34_L1, p->c.source, stamp(p, (double)p->n));
    e.start = stamp(p, p->far_rev + (double)HS_MS(10));
    hs_event_num(&e, "duration_ms", 160.0);
    push(p, &e);
}

/* Probing finished: analyse, report, decide for the far transmitter. */
static int finish_probe(hs_v34p2 *p)
{
    p->probing = 0;
    if (hs_probe_rx_analyse(p->prx, &p->probe) != HS_OK || p->probe.rx_level_dbm0 < -48.0) {
        fail(p, p->c.answer ? "no L2 from the call modem" : "no L2 from the answer modem");
        return 0;
    }
    p->probe_done = 1;
    hs_event e;
    hs_event_init(&e, HS_EV_V34_L2, p->c.source, stamp(p, (double)p->n));
    e.start = stamp(p, p->far_rev + (double)HS_MS(170));
    hs_event_num(&e, "analysed_ms", PROBE_LEN * 1000.0 / HS_RATE);
    hs_event_num(&e, "level_dbm0", p->probe.rx_level_dbm0);
    if (p->probe.offset_valid) hs_event_num(&e, "freq_offset_hz", p->probe.freq_offset_hz);
    push(p, &e);
    for (int i = 0; i < HS_PROBE_TONES; i++) {
        hs_event_init(&e, HS_EV_V34_PROBE, p->c.source, stamp(p, (double)p->n));
        e.start = stamp(p, (double)p->probe_start);
        hs_event_int(&e, "tone_hz", (int64_t)p->probe.tone_hz[i]);
        hs_event_num(&e, "gain_db", floor(p->probe.gain_db[i] * 100.0 + 0.5) / 100.0);
        hs_event_num(&e, "snr_db", floor(p->probe.snr_db[i] * 100.0 + 0.5) / 100.0);
        push(p, &e);
    }
    const hs_info0 *far = p->have_far_info0 ? &p->far_info0 : &p->c.info0;
    hs_probe_decide(&p->probe, far, &p->c.info0, &p->pchoice);
    return 1;
}

static void ev_choice(hs_v34p2 *p)
{
    hs_event e;
    hs_event_init(&e, HS_EV_V34_CHOICE, p->c.source, stamp(p, (double)p->n));
    hs_event_str(&e, "direction", p->c.answer ? "answer->call" : "call->answer");
    hs_event_int(&e, "symbol_rate", p->choice.symbol_rate);
    hs_event_num(&e, "carrier_hz", floor(p->choice.carrier_hz * 1000.0 + 0.5) / 1000.0);
    hs_event_int(&e, "preemphasis", p->choice.preemphasis);
    hs_event_int(&e, "power_reduction_db", p->choice.power_reduction_db);
    hs_event_int(&e, "max_rate_bps", p->choice.max_rate_bps);
    push(p, &e);
}

/* ------------------------------------------------------------------ frames */

static int expected_len(const hs_v34p2 *p)
{
    if (p->c.answer)
        return (p->state >= A_L1 && p->state <= A_INFO1A) ? HS_INFO1C_BITS : HS_INFO0_BITS;
    return (p->state >= C_SILENCE2 && p->state <= C_WAIT_INFO1A) ? HS_INFO1A_BITS : HS_INFO0_BITS;
}

static void frame_done(hs_v34p2 *p)
{
    int n = p->fr_len;
    hs_event e;
    hs_ev_type type;
    int ok;
    int info_bits = n - HS_INFO_SYNC_BITS - 16 - HS_INFO_FILL_BITS;
    double start = (double)p->n - hs_dpsk_rx_delay(p->rx) - (n + 1) * (double)HS_RATE / HS_DPSK_BAUD;
    if (n == HS_INFO0_BITS) {
        hs_info0 m;
        ok = hs_info0_decode(p->fr, &m);
        type = p->c.answer ? HS_EV_V34_INFO0C : HS_EV_V34_INFO0A;
        hs_event_init(&e, type, p->c.source, stamp(p, (double)p->n));
        e.start = stamp(p, start);
        hs_event_bits(&e, p->fr + HS_INFO_SYNC_BITS, (size_t)info_bits);
        hs_event_bool(&e, "crc_ok", ok);
        hs_info0_describe(&m, &e);
        push(p, &e);
        if (ok) {
            p->far_info0 = m;
            p->have_far_info0 = 1;
            p->far_info0_count++;
            if (m.ack) p->far_ack = 1;
            if (p->far_info0_count >= 2 && !p->far_ack) p->repeat_info0 = 1;   /* [11.2.2] */
        }
    } else if (n == HS_INFO1C_BITS) {
        hs_info1c m;
        ok = hs_info1c_decode(p->fr, &m);
        hs_event_init(&e, HS_EV_V34_INFO1C, p->c.source, stamp(p, (double)p->n));
        e.start = stamp(p, start);
        hs_event_bits(&e, p->fr + HS_INFO_SYNC_BITS, (size_t)info_bits);
        hs_event_bool(&e, "crc_ok", ok);
        hs_info1c_describe(&m, &e);
        push(p, &e);
        if (ok && !p->have_info1c) { p->info1c = m; p->have_info1c = 1; }
        if (!ok) p->bad_info1c = 1;
    } else {
        hs_info1a m;
        ok = hs_info1a_decode(p->fr, &m);
        hs_event_init(&e, HS_EV_V34_INFO1A, p->c.source, stamp(p, (double)p->n));
        e.start = stamp(p, start);
        hs_event_bits(&e, p->fr + HS_INFO_SYNC_BITS, (size_t)info_bits);
        hs_event_bool(&e, "crc_ok", ok);
        hs_info1a_describe(&m, &e);
        push(p, &e);
        if (ok && !p->have_info1a) { p->info1a = m; p->have_info1a = 1; }
    }
}

/* Frames are only looked for when the protocol state expects one (the receiver also makes
 * bits from the echo of the own L1/L2, which must not start a false frame). */
static int frames_expected(const hs_v34p2 *p)
{
    if (p->c.answer)
        return (p->state >= A_SILENCE1 && p->state <= A_WAIT_B1) || p->state == A_TONE_A3
            || p->state == A_MARKS;
    return (p->state >= C_SILENCE1 && p->state <= C_TONE_B) || p->state == C_INFO1C
        || p->state == C_WAIT_INFO1A;
}

static void frame_bit(hs_v34p2 *p, uint8_t bit)
{
    p->ones = bit ? p->ones + 1 : 0;
    if (!frames_expected(p)) {
        p->collecting = 0;
        memset(p->sh, 0, sizeof p->sh);
        return;
    }
    if (p->collecting) {
        p->fr[p->fr_n++] = bit;
        if (p->fr_n == p->fr_len) {
            p->collecting = 0;
            frame_done(p);
            memset(p->sh, 0, sizeof p->sh);
        }
        return;
    }
    memmove(p->sh, p->sh + 1, HS_INFO_SYNC_BITS - 1);
    p->sh[HS_INFO_SYNC_BITS - 1] = bit;
    if (hs_info_sync_match(p->sh, 1)) {
        static const uint8_t sync[HS_INFO_SYNC_BITS] = { 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, 1, 0 };
        memcpy(p->fr, sync, sizeof sync);
        p->fr_n = HS_INFO_SYNC_BITS;
        p->fr_len = expected_len(p);
        p->collecting = 1;
    }
}

/* ------------------------------------------------------------------ state machine */

/* INFO0 repetition rule of [11.2.2] (spec §4.10.1). */
static void update_repeat(hs_v34p2 *p)
{
    if (far_tone(p) && !p->have_far_info0) p->repeat_info0 = 1;
    if (p->far_ack || (far_tone(p) && p->have_far_info0)) p->repeat_info0 = 0;
}

static void send_info1c(hs_v34p2 *p)
{
    uint8_t f[HS_INFO1C_BITS];
    hs_info1c_encode(&p->info1c, f);
    send_frame(p, f, HS_INFO1C_BITS, 0);
    p->info1c_sent++;
    ev_tx(p, "INFO1c");
}

static void step_call(hs_v34p2 *p)
{
    switch (p->state) {
    case C_SILENCE1:
        if (p->n >= p->deadline) { send_info0(p); go(p, C_INFO0, 0, "75 ms silence over"); }
        break;
    case C_INFO0:
        if (!hs_dpsk_tx_busy(p->tx)) {
            update_repeat(p);
            if (p->repeat_info0) send_info0(p);
            else { ev_tx(p, "Tone B"); go(p, C_TONE_B, 0, "INFO0c sent"); }
        }
        break;
    case C_TONE_B:
        update_repeat(p);
        if (p->repeat_info0) { send_info0(p); go(p, C_INFO0, 0, "far tone without INFO0a, or INFO0a again"); break; }
        if (p->far_rev_new && p->have_far_info0) {
            /* A1 arrived: B1 appears at the line 40 ms later [11.2.1.1.3] */
            hs_event e;
            hs_event_init(&e, HS_EV_V34_TONE_A, p->c.source, stamp(p, (double)p->n));
            hs_event_num(&e, "freq_hz", 2400.0);
            push(p, &e);
            schedule_reversal(p, p->far_rev + REPLY);
            p->t_b1 = p->far_rev + REPLY;
            go(p, C_REV_B1, 0, "INFO0a and reversal A1");
        }
        break;
    case C_REV_B1:
        if (!p->own_rev_pending && (double)p->n >= p->t_b1 + HS_MS(10)) {
            stop_tx(p);
            go(p, C_SILENCE2, HS_MS(2000), "B1 sent");    /* A2 within 2 s of A1 [11.2.2.1.3] */
        }
        break;
    case C_SILENCE2:
        if (p->far_rev_new && !p->probing && !p->probe_done) {
            p->rtd = p->far_rev - p->t_b1 - REPLY;        /* RTDEc [11.2.1.1.4] */
            ev_rtd(p);
            start_probe(p);
            p->deadline = UINT64_MAX;
        }
        if (p->probing && p->n >= p->probe_end) {
            if (!finish_probe(p)) break;
            start_tone(p);
            go(p, C_TONE_B2, HS_MS(900) + rtd_samples(p), "L2 analysed");   /* A3 limit [11.2.2.1.4] */
            p->entered = (uint64_t)llround(p->far_rev);   /* counted from A2 */
            p->deadline = p->entered + HS_MS(900) + rtd_samples(p);
        } else if (p->n >= p->deadline) {
            fail(p, "no reversal A2 within 2 s of A1");
        }
        break;
    case C_TONE_B2:
        if (p->far_rev_new && p->far_rev > (double)p->probe_end - 100.0) {
            schedule_reversal(p, p->far_rev + REPLY);
            p->own_rev = p->far_rev + REPLY;
            go(p, C_REV_B2, 0, "reversal A3");
        } else if (p->n >= p->deadline) {
            /* [11.2.2.1.4]: wait 40 ms, reverse Tone B anyway */
            schedule_reversal(p, (double)p->n + REPLY);
            go(p, C_REV_B2, 0, "no A3 in 900 ms + RTD: reversing anyway");
        }
        break;
    case C_REV_B2:
        if (!p->own_rev_pending && (double)p->n >= p->own_rev + HS_MS(10)) {
            hs_dpsk_tx_stop(p->tx);
            hs_probe_tx_reset(p->ptx);
            p->out = OUT_L1;
            ev_tx(p, "L1");
            go(p, C_L1, HS_MS(160), "B2 sent");
        }
        break;
    case C_L1:
        if (p->n >= p->deadline) {
            p->out = OUT_L2;
            p->l2_start = p->n;
            ev_tx(p, "L2");
            go(p, C_L2, HS_MS(550) + rtd_samples(p), "L1 sent");   /* L2 cap [10.1.2.4] */
        }
        break;
    case C_L2:
    case C_L2_QUIET:
        if (far_tone(p)) {
            ev_tone(p);
            hs_probe_to_info1c(&p->pchoice, &p->info1c);
            p->have_info1c = 1;
            /* 25 ms of silence between L2 and INFO1c [eng]: the far receiver sees the L2
             * end and acquires the INFO1c symbol timing afresh */
            p->out = OUT_SILENT;
            go(p, C_GAP, HS_MS(25), "Tone A during L2");
        } else if (p->state == C_L2 && p->n >= p->deadline) {
            p->out = OUT_SILENT;
            ev_tx(p, "silence");
            go(p, C_L2_QUIET, 0, "L2 cap 550 ms + RTD");
            p->deadline = p->l2_start + HS_MS(650) + rtd_samples(p);
        } else if (p->state == C_L2_QUIET && p->n >= p->deadline) {
            fail(p, "no Tone A within 650 ms + RTD of the start of L2");
        }
        break;
    case C_GAP:
        if (p->n >= p->deadline) { send_info1c(p); go(p, C_INFO1C, 0, "gap over"); }
        break;
    case C_INFO1C:
        if (!hs_dpsk_tx_busy(p->tx)) {
            ev_tx(p, "silence");
            go(p, C_WAIT_INFO1A, HS_MS(700) + rtd_samples(p), "INFO1c sent");   /* [11.2.2.1.6] */
        }
        break;
    case C_WAIT_INFO1A:
        if (p->have_info1a) {
            const hs_info1a *a = &p->info1a;
            p->choice.symbol_rate = hs_v34_nominal_rate[a->rate_ca % HS_V34_NRATES];
            p->choice.carrier_hz = hs_v34_carrier_hz(a->rate_ca % HS_V34_NRATES, a->carrier_high);
            p->choice.preemphasis = a->preemphasis;
            p->choice.power_reduction_db = a->min_power_reduction;
            p->choice.max_rate_bps = a->max_n * 2400;
            ev_choice(p);
            p->reason = "ok";
            go(p, S_DONE, 0, "INFO1a received");
        } else if (p->ones >= 24 && p->n >= p->entered + rtd_samples(p) + HS_MS(100)
                   && p->info1c_sent < 4) {
            /* INFOMARKSa: the answer modem did not get INFO1c: send it again [11.2.2.1.6] */
            send_info1c(p);
            p->ones = 0;
            go(p, C_INFO1C, 0, "INFOMARKSa: INFO1c again");
        } else if (p->n >= p->deadline && !p->watching) {
            /* [11.2.2.1.6]: watch for INFOMARKSa (-> INFO1c again) as long as the answer
             * modem may take to send them (2 s + 2 RTD) */
            p->watching = 1;
            p->deadline = p->n + HS_MS(2000) + 2 * rtd_samples(p);
        } else if (p->n >= p->deadline) {
            fail(p, "no INFO1a (nor INFOMARKSa) within 700 ms + RTD of the end of INFO1c");
        }
        break;
    default:
        break;
    }
}

static void step_answer(hs_v34p2 *p)
{
    switch (p->state) {
    case A_SILENCE1:
        if (p->n >= p->deadline) { send_info0(p); go(p, A_INFO0, 0, "75 ms silence over"); }
        break;
    case A_INFO0:
        if (!hs_dpsk_tx_busy(p->tx)) {
            update_repeat(p);
            if (p->repeat_info0) send_info0(p);
            else { start_tone(p); go(p, A_TONE_A, 0, "INFO0a sent"); }
        }
        break;
    case A_TONE_A:
    case A_WAIT_B1:
        update_repeat(p);
        if (p->repeat_info0) {
            p->own_rev_pending = 0;
            send_info0(p);
            go(p, A_INFO0, 0, "far tone without INFO0c, or INFO0c again");
            break;
        }
        if (p->state == A_TONE_A) {
            /* INFO0c and Tone B received and >= 50 ms of Tone A sent [11.2.1.2.3] */
            if (p->have_far_info0 && far_tone(p) && p->n >= p->entered + HS_MS(50)) {
                ev_tone(p);
                double t = (double)p->n + hs_dpsk_tx_reversal_lead() + 1.0;
                schedule_reversal(p, t);
                p->t_a1 = t;
                go(p, A_WAIT_B1, HS_MS(2000), "INFO0c and Tone B");   /* [11.2.2.2.2] */
            }
        } else if (p->far_rev_new && p->far_rev > p->t_a1) {
            p->rtd = p->far_rev - p->t_a1 - REPLY;           /* RTDEa [11.2.1.2.4] */
            ev_rtd(p);
            schedule_reversal(p, p->far_rev + REPLY);        /* A2 [11.2.1.2.5] */
            go(p, A_REV_A2, 0, "reversal B1");
        } else if (p->n >= p->deadline) {
            fail(p, "no reversal B1 within 2 s of A1");
        }
        break;
    case A_REV_A2:
        if (!p->own_rev_pending && (double)p->n >= p->own_rev + HS_MS(10)) {
            hs_dpsk_tx_stop(p->tx);
            hs_dpsk_tx_set_guard(p->tx, 0, p->c.p0_dbm0);
            hs_probe_tx_reset(p->ptx);
            p->out = OUT_L1;
            ev_tx(p, "L1");
            go(p, A_L1, HS_MS(160), "A2 sent");
        }
        break;
    case A_L1:
        if (p->n >= p->deadline) {
            p->out = OUT_L2;
            p->l2_start = p->n;
            ev_tx(p, "L2");
            go(p, A_L2, HS_MS(550) + rtd_samples(p), "L1 sent");
        }
        break;
    case A_L2:
    case A_L2_QUIET:
        if (far_tone(p) && p->n >= p->l2_start + HS_MS(50)) {
            ev_tone(p);
            p->tone_seen_at = p->n;
            start_tone(p);
            go(p, A_TONE_A2, 0, "Tone B during L2");
            schedule_reversal(p, (double)p->n + HS_MS(50));   /* 50 ms of Tone A, then A3 */
        } else if (p->state == A_L2 && p->n >= p->deadline) {
            p->out = OUT_SILENT;
            ev_tx(p, "silence");
            go(p, A_L2_QUIET, 0, "L2 cap 550 ms + RTD");
            p->deadline = p->l2_start + HS_MS(600) + rtd_samples(p);    /* [11.2.2.2.3] */
        } else if (p->state == A_L2_QUIET && p->n >= p->deadline) {
            fail(p, "no Tone B within 600 ms + RTD of the start of L2");
        }
        break;
    case A_TONE_A2:
        if (!p->own_rev_pending && (double)p->n >= p->own_rev + HS_MS(10)) {
            stop_tx(p);
            go(p, A_SILENCE2, HS_MS(2000), "A3 sent");
        }
        break;
    case A_SILENCE2:
        if (p->far_rev_new && !p->probing && !p->probe_done && p->far_rev > p->own_rev) {
            start_probe(p);
            p->deadline = UINT64_MAX;
        }
        if (p->probing && p->n >= p->probe_end) {
            if (!finish_probe(p)) break;
            start_tone(p);
            go(p, A_TONE_A3, 0, "L2 analysed");
            p->deadline = p->tone_seen_at + HS_MS(2000) + 2 * rtd_samples(p);   /* [11.2.2.2.4] */
        } else if (p->n >= p->deadline) {
            fail(p, "no reversal B2 within 2 s of A3");
        }
        break;
    case A_TONE_A3:
    case A_MARKS:
        if (p->have_info1c) {
            int s = hs_probe_choose_info1a(&p->info1c, &p->pchoice, &p->info1a);
            if (s < 0) { fail(p, "no symbol rate usable in both directions"); break; }
            p->have_info1a = 1;
            uint8_t f[HS_INFO1A_BITS];
            hs_info1a_encode(&p->info1a, f);
            hs_dpsk_tx_set_guard(p->tx, 1, p->c.p0_dbm0 - 7.0f);
            if (p->state == A_MARKS) hs_dpsk_tx_send_bits(p->tx, f, HS_INFO1A_BITS);  /* after the marks */
            else send_frame(p, f, HS_INFO1A_BITS, 0);
            hs_dpsk_tx_set_tone(p->tx, 0);
            ev_tx(p, "INFO1a");
            const hs_info1_rate *r = &p->info1c.rate[s];
            p->choice.symbol_rate = hs_v34_nominal_rate[p->info1a.rate_ac];
            p->choice.carrier_hz = hs_v34_carrier_hz(p->info1a.rate_ac, r->carrier_high);
            p->choice.preemphasis = r->preemphasis;
            p->choice.power_reduction_db = p->info1c.min_power_reduction;
            p->choice.max_rate_bps = r->max_n * 2400;
            ev_choice(p);
            go(p, A_INFO1A, 0, "INFO1c received");
        } else if (p->state == A_TONE_A3 && (p->bad_info1c || p->n >= p->deadline)) {
            /* [11.2.2.2.4]: INFOMARKSa until INFO1c arrives (also at once on a bad CRC) */
            hs_dpsk_tx_set_guard(p->tx, 1, p->c.p0_dbm0 - 7.0f);
            static const uint8_t marks[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
            hs_dpsk_tx_send_bits(p->tx, marks, 8);
            p->out = OUT_DPSK;
            ev_tx(p, "INFOMARKSa");
            go(p, A_MARKS, HS_MS(2000) + 2 * rtd_samples(p), p->bad_info1c ? "INFO1c with a bad CRC" : "no INFO1c in 2 s + 2 RTD");
        } else if (p->state == A_MARKS) {
            static const uint8_t marks[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
            if (hs_dpsk_tx_queued(p->tx) < 8) hs_dpsk_tx_send_bits(p->tx, marks, 8);
            if (p->n >= p->deadline) fail(p, "no INFO1c during 2 s + 2 RTD of INFOMARKSa");
        }
        break;
    case A_INFO1A:
        if (!hs_dpsk_tx_busy(p->tx)) {
            hs_dpsk_tx_set_guard(p->tx, 0, p->c.p0_dbm0);
            ev_tx(p, "silence");
            p->reason = "ok";
            go(p, S_DONE, 0, "INFO1a sent");
        }
        break;
    default:
        break;
    }
}

static void begin(hs_v34p2 *p, uint64_t t0, uint64_t silence, uint64_t announce)
{
    hs_v34p2_reset(p);
    p->started = 1;
    p->t0 = t0;
    p->reason = "running";
    hs_event e;
    hs_event_init(&e, HS_EV_PHASE, p->c.source, announce);
    hs_event_str(&e, "name", "V.34 phase 2");
    push(p, &e);
    if (silence > 0) {
        ev_tx(p, "silence");
        /* 75 +- 5 ms of silence [11.1.1.1, 11.1.2.2] */
        go(p, p->c.answer ? A_SILENCE1 : C_SILENCE1, silence, "end of phase 1");
    } else {
        go(p, p->c.answer ? A_SILENCE1 : C_SILENCE1, 0, "end of phase 1");
        send_info0(p);
        go(p, p->c.answer ? A_INFO0 : C_INFO0, 0, "V.8 sent the 75 ms silence");
    }
}

void hs_v34p2_start(hs_v34p2 *p, uint64_t now)
{
    begin(p, now, HS_MS(p->c.silence_ms), now);
}

static float one_sample(hs_v34p2 *p, float x);

void hs_v34p2_start_after_silence(hs_v34p2 *p, uint64_t now, const float *past, size_t n)
{
    if (n > now) n = (size_t)now;
    int trace = p->c.trace;
    p->c.trace = 0;                   /* the replayed silence is not news */
    begin(p, now - n, n, now);
    for (size_t i = 0; i < n; i++) (void)one_sample(p, past[i]);
    p->c.trace = trace;
}

static float one_sample(hs_v34p2 *p, float x)
{
    uint8_t bit;
    unsigned fl = hs_dpsk_rx_sample(p->rx, x, &bit);
    if (fl & HS_DPSK_BIT) frame_bit(p, bit);
    if (fl & HS_DPSK_REVERSAL) {
        p->far_rev = hs_dpsk_rx_reversal_time(p->rx);
        p->far_rev_new = 1;
        hs_event e;
        hs_event_init(&e, HS_EV_V34_REVERSAL, p->c.source, stamp(p, (double)p->n));
        e.start = stamp(p, p->far_rev);
        hs_event_str(&e, "tone", p->c.answer ? "B" : "A");
        hs_event_num(&e, "t_line_ms", (p->t0 + p->far_rev) * 1000.0 / HS_RATE);
        push(p, &e);
    }
    if (p->probing && p->n >= p->probe_start && p->n < p->probe_end) hs_probe_rx_push(p->prx, &x, 1);

    if (p->state != S_DONE && p->state != S_FAILED) {
        if (p->n >= HS_MS(20000))
            fail(p, stuck_reasons[p->state] ? stuck_reasons[p->state] : "phase 2 not finished within 20 s");
        else if (p->c.answer) step_answer(p);
        else step_call(p);
    }
    p->far_rev_new = 0;
    if (p->own_rev_pending && hs_dpsk_tx_in_tone(p->tx)) {
        if (hs_dpsk_tx_reverse_at(p->tx, p->own_rev) == HS_OK) p->own_rev_pending = 0;
        else if ((double)p->n + hs_dpsk_tx_reversal_lead() > p->own_rev) {
            p->own_rev = (double)p->n + hs_dpsk_tx_reversal_lead() + 1.0;   /* late: as soon as possible */
        }
    }
    float y = hs_dpsk_tx_sample(p->tx);
    if (p->out == OUT_L1) y = hs_probe_tx_sample(p->ptx, 1);
    else if (p->out == OUT_L2) y = hs_probe_tx_sample(p->ptx, 0);
    else if (p->out == OUT_SILENT) y = 0.0f;
    if (p->c.mute_after_ms > 0 && p->n >= HS_MS(p->c.mute_after_ms)) y = 0.0f;
    p->n++;
    return y;
}

void hs_v34p2_process(hs_v34p2 *p, const float *in, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float x = in ? in[i] : 0.0f;
        out[i] = p->started ? one_sample(p, x) : 0.0f;
    }
}

hs_v34p2_status hs_v34p2_get_status(const hs_v34p2 *p)
{
    return p->state == S_DONE ? HS_V34P2_DONE : p->state == S_FAILED ? HS_V34P2_FAILED : HS_V34P2_RUNNING;
}
const char *hs_v34p2_get_reason(const hs_v34p2 *p) { return p->reason; }
double hs_v34p2_get_rtd_ms(const hs_v34p2 *p) { return p->rtd < 0.0 ? -1.0 : p->rtd * 1000.0 / HS_RATE; }
const hs_info0 *hs_v34p2_get_far_info0(const hs_v34p2 *p) { return p->have_far_info0 ? &p->far_info0 : NULL; }
const hs_info1c *hs_v34p2_get_info1c(const hs_v34p2 *p) { return p->have_info1c ? &p->info1c : NULL; }
const hs_info1a *hs_v34p2_get_info1a(const hs_v34p2 *p) { return p->have_info1a ? &p->info1a : NULL; }
const hs_probe_result *hs_v34p2_get_probe(const hs_v34p2 *p) { return p->probe_done ? &p->probe : NULL; }
hs_v34p2_choice hs_v34p2_get_choice(const hs_v34p2 *p) { return p->choice; }
uint64_t hs_v34p2_get_info0_sent(const hs_v34p2 *p) { return p->info0_sent; }
