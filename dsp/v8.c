/* dsp/v8.c: V.8 caller and answerer state machines (spec/v8.md §5.2-§5.4). See v8.h.
 *
 * Every transition goes through go(), which stamps a state event (when tracing), sets the
 * state's deadline on an exact sample and starts the state's transmit signal. Failures are
 * states with a reason. */
#include "v8.h"

#include "ansam.h"
#include "bitq.h"
#include "fsk.h"
#include "v8msg.h"

#include <stdlib.h>
#include <string.h>

typedef enum {
    /* caller, spec §5.2 */
    C_START, C_INITIAL_SILENCE, C_CALL_SIGNAL, C_LISTEN, C_TE_SILENCE, C_SEND_CM, C_SEND_CJ,
    C_POST_CJ_SILENCE,
    /* answerer, spec §5.3 */
    A_CONNECT, A_INITIAL_SILENCE, A_SEND_ANSAM, A_SEND_JM, A_POST_CJ_SILENCE, A_NO_CM_SILENCE,
    /* both */
    S_DONE, S_FAILED,
} v8_state;

static const char *const state_names[] = {
    [C_START] = "C0 START", [C_INITIAL_SILENCE] = "C1 INITIAL_SILENCE", [C_CALL_SIGNAL] = "C2 CALL_SIGNAL",
    [C_LISTEN] = "C2' LISTEN", [C_TE_SILENCE] = "C3 TE_SILENCE", [C_SEND_CM] = "C4 SEND_CM",
    [C_SEND_CJ] = "C5 SEND_CJ", [C_POST_CJ_SILENCE] = "C6 POST_CJ_SILENCE",
    [A_CONNECT] = "A0 CONNECT", [A_INITIAL_SILENCE] = "A1 INITIAL_SILENCE", [A_SEND_ANSAM] = "A2 SEND_ANSAM",
    [A_SEND_JM] = "A3 SEND_JM", [A_POST_CJ_SILENCE] = "A4 POST_CJ_SILENCE",
    [A_NO_CM_SILENCE] = "A2' NO_CM_SILENCE", [S_DONE] = "DONE", [S_FAILED] = "FAILED",
};

/* Failure reasons (static strings, also the modem's result). */
static const char WHY_NO_TONE[] = "no answer tone";
static const char WHY_ANS[] = "answerer is not V.8 capable";
static const char WHY_NO_JM[] = "no JM";
static const char WHY_NO_CM[] = "no CM";
static const char WHY_NO_CJ[] = "no CJ";
static const char WHY_NO_MODE[] = "no common mode";
static const char WHY_PCM[] = "JM offers PCM (V.90/V.92), not supported";

typedef enum { SIG_SILENCE, SIG_TONE, SIG_FSK } sig_kind;

#define MAX_BITS (20 + 10 * HS_V8_MAX_OCTETS)

/* CI bursts (spec §3.2, V.8 §7.1): ON >= 3 whole sequences and <= 2 s, OFF 0.4-2 s.
 * impl.: 4 sequences (400 ms) on, 500 ms off, as spandsp. */
#define CI_SEQS_PER_BURST 4
#define CI_OFF_MS 500
/* V.25 §2.2: ANS lasts 3.3 +- 0.7 s (only for the ANS answer-tone options). */
#define ANS_DURATION_MS 3300

struct hs_v8 {
    hs_v8_config c;
    hs_evq      *ev;
    uint8_t      src;
    int          caller;
    uint64_t     now, deadline;
    v8_state     state;
    hs_v8_status status;
    const char  *reason;
    uint32_t     mode;
    const char  *tx_name;      /* signal named in the last TX event */
    sig_kind     sig;
    uint64_t     sig_since;

    hs_fsk_tx   *ftx;
    hs_fsk_rx   *frx;
    hs_v8rx     *mrx;
    hs_ansam_tx *atx;
    hs_ansdet   *adet;
    hs_bitq      txq, rxq;
    uint32_t     latency;
    int          rx_on;         /* the V.21 receiver ran on the previous sample */

    /* FSK bit source */
    uint8_t      bits[MAX_BITS];
    size_t       nbits, pos;
    int          repeat;        /* repeat the sequence until told otherwise (CM, JM) */
    int          seqs_left;     /* otherwise: whole sequences still to send */
    uint64_t     cj_first_bit;  /* caller: bits_sent value at which CJ starts (0 = none) */
    int          cj_pending;    /* caller: JM accepted, CJ after the current octet */

    /* caller */
    int          tone_done;
    int          ci_stop;
    int          ci_on;
    uint64_t     ci_off_until;

    uint8_t      cm[HS_V8_MAX_OCTETS];
    size_t       ncm;
    uint8_t      jm[HS_V8_MAX_OCTETS];
    size_t       njm;
    int          have_jm;
    uint8_t      ci[HS_V8_MAX_OCTETS];
    size_t       nci;
};

hs_v8_config hs_v8_config_default(hs_role role)
{
    hs_v8_config c;
    memset(&c, 0, sizeof c);
    c.role = role;
    c.level_dbm0 = -13.0f;                     /* spec §1.5: proposed default for phase 1 */
    c.modes = HS_MOD_V34_DUPLEX | HS_MOD_V32BIS | HS_MOD_V22BIS;   /* CM C1 45 13 10 2A */
    c.lapm = 1;
    c.send_ci = 0;
    c.answer_tone = HS_ANSWER_ANSAM_PR;        /* V.34 §11.1.2.1: duplex needs reversals */
    c.trace = 0;
    c.caller_silence_ms = 1000;   /* V.8 §8.1.1: 1 s of silence before the call signal */
    c.te_ms = 1000;               /* V.8 §8.1.2: Te >= 0.5 s, >= 1 s to disable echo cancellers */
    c.t_ans_ms = 30000;           /* impl. (spec §5.2 C2): V.8 sets no limit; 30 s */
    c.t_jm_ms = 5000;             /* impl. (spec §5.2 C4, §10): 5 s after CM start, as spandsp */
    c.answer_silence_ms = 200;    /* V.8 §8.2, V.34 §11.1.2.1: >= 0.2 s before ANSam */
    c.t_cm_ms = 5000;             /* V.8 §8.2.2, V.34 §11.1.2.5: ANSam 5 +- 1 s without CM */
    c.t_cj_ms = 5000;             /* impl. (spec §5.3 A3, §10): 5 s after JM start, as spandsp */
    c.final_silence_ms = 75;      /* V.8 §8.1.2/§8.2.3, V.34 §11.1: 75 +- 5 ms after CJ */
    return c;
}

const char *hs_v8_config_problem(const hs_v8_config *c)
{
    if (!c) return "config is NULL";
    if (c->role != HS_ROLE_CALLER && c->role != HS_ROLE_ANSWERER) return "role must be caller or answerer";
    if (!(c->level_dbm0 >= -60.0f && c->level_dbm0 <= 0.0f)) return "level_dbm0 must be between -60 and 0 dBm0";
    if (c->modes & ~0x1FFFu) return "modes has bits beyond HS_MOD_V21";
    if (c->role == HS_ROLE_CALLER && !(c->modes & 0x1FFEu)) return "modes: a caller must offer at least one modulation";
    if ((unsigned)c->answer_tone > HS_ANSWER_SILENT) return "answer_tone is not an hs_answer_tone";
    if (c->te_ms < 500) return "te_ms must be >= 500 (V.8 §8.1.2)";
    if (c->final_silence_ms < 70 || c->final_silence_ms > 80) return "final_silence_ms must be 70..80 (75 +- 5 ms)";
    if (!c->t_ans_ms || !c->t_jm_ms || !c->t_cm_ms || !c->t_cj_ms) return "timeouts must be > 0 ms";
    return NULL;
}

/* ------------------------------------------------------------------ events */

static void push(hs_v8 *v, const hs_event *e)
{
    if (v->ev) hs_evq_push(v->ev, e);
}

static void tx_event(hs_v8 *v, const char *name)
{
    if (v->tx_name == name) return;
    v->tx_name = name;
    hs_event e;
    hs_event_init(&e, HS_EV_TX, v->src, v->now);
    hs_event_str(&e, "signal", name);
    push(v, &e);
}

static void msg_event(hs_v8 *v, hs_ev_type t, const uint8_t *oct, size_t n, uint64_t start)
{
    hs_event e;
    hs_event_init(&e, t, v->src, v->now);
    e.start = start < v->now ? start : v->now;
    if (t == HS_EV_V8_CJ) hs_event_octets(&e, oct, n);
    else hs_v8msg_describe(oct, n, &e);
    push(v, &e);
}

/* ------------------------------------------------------------------ transmit signals */

static const char *answer_tone_name(hs_answer_tone t)
{
    switch (t) {
    case HS_ANSWER_ANSAM_PR: return "ANSam/";
    case HS_ANSWER_ANSAM:    return "ANSam";
    case HS_ANSWER_ANS:      return "ANS";
    case HS_ANSWER_ANS_PR:   return "ANS/";
    default:                 return "silence";
    }
}

static void signal_silence(hs_v8 *v)
{
    v->sig = SIG_SILENCE;
    v->sig_since = v->now;
    tx_event(v, "silence");
}

/* Starts sending sequence bits (one sequence, repeated or `seqs` times). */
static void signal_fsk(hs_v8 *v, const char *name, const uint8_t *bits, size_t n, int repeat, int seqs)
{
    memcpy(v->bits, bits, n);
    v->nbits = n;
    v->pos = 0;
    v->repeat = repeat;
    v->seqs_left = seqs;
    hs_fsk_tx_reset(v->ftx);
    hs_bitq_init(&v->txq);
    v->sig = SIG_FSK;
    v->sig_since = v->now;
    tx_event(v, name);
}

static void start_message(hs_v8 *v, const char *name, hs_v8msg_kind kind, const uint8_t *oct,
                          size_t n, int repeat, int seqs)
{
    uint8_t bits[MAX_BITS];
    size_t nb = hs_v8msg_encode(kind, oct, n, bits, sizeof bits);
    signal_fsk(v, name, bits, nb, repeat, seqs);
}

static void start_ci_burst(hs_v8 *v)
{
    static const uint8_t ci[] = { HS_V8_CALLF0_DATA };   /* spec §6 (e) */
    start_message(v, "CI", HS_V8_CI, ci, 1, 0, CI_SEQS_PER_BURST);
    v->ci_on = 1;
}

/* ------------------------------------------------------------------ transitions */

static void enter(hs_v8 *v, v8_state s)
{
    switch (s) {
    case C_CALL_SIGNAL:
        start_ci_burst(v);
        break;
    case C_SEND_CM:
        start_message(v, "CM", HS_V8_CM, v->cm, v->ncm, 1, 0);
        break;
    case C_SEND_CJ:
        tx_event(v, "CJ");   /* the FSK stream continues: CJ follows the last CM octet */
        break;
    case A_SEND_ANSAM:
        if (v->c.answer_tone == HS_ANSWER_SILENT) { signal_silence(v); break; }
        hs_ansam_tx_reset(v->atx);
        v->sig = SIG_TONE;
        v->sig_since = v->now;
        tx_event(v, answer_tone_name(v->c.answer_tone));
        break;
    case A_SEND_JM:
        start_message(v, "JM", HS_V8_JM, v->jm, v->njm, 1, 0);
        break;
    default:
        signal_silence(v);
        break;
    }
}

static void go(hs_v8 *v, v8_state next, uint64_t timeout_samples, const char *why)
{
    if (v->c.trace) {
        hs_event e;
        hs_event_init(&e, HS_EV_STATE, v->src, v->now);
        hs_event_str(&e, "from", state_names[v->state]);
        hs_event_str(&e, "to", state_names[next]);
        hs_event_str(&e, "why", why);
        push(v, &e);
    }
    v->state = next;
    v->deadline = timeout_samples ? v->now + timeout_samples : UINT64_MAX;
    if (next == S_DONE) v->status = HS_V8_DONE;
    if (next == S_FAILED) v->status = HS_V8_FAILED;
    enter(v, next);
}

static void fail(hs_v8 *v, const char *reason)
{
    v->reason = reason;
    go(v, S_FAILED, 0, reason);
}

/* After the final silence: the mode both ends will run (spec §5.4.6). */
static void finish(hs_v8 *v)
{
    hs_v8_fields f;
    hs_v8msg_parse(v->jm, v->njm, &f);
    if (f.has_pcm) { fail(v, WHY_PCM); return; }
    uint32_t m = hs_v8_choose_mode(f.modes & v->c.modes);
    if (!m) { fail(v, WHY_NO_MODE); return; }
    v->mode = m;
    go(v, S_DONE, 0, hs_v8_mode_name(m));
}

/* ------------------------------------------------------------------ receive side */

static int same_octets(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    return na == nb && memcmp(a, b, na) == 0;
}

static void on_messages(hs_v8 *v, unsigned flags)
{
    uint8_t oct[HS_V8_MAX_OCTETS];
    uint64_t start;
    if (v->caller) {
        /* JM shares CM's sync: the V.21(H) receiver's "CM" is the answerer's JM. */
        if ((flags & HS_V8RX_CM) && v->state == C_SEND_CM && !v->have_jm) {
            size_t n = hs_v8rx_get(v->mrx, HS_V8RX_CM, oct, sizeof oct, &start);
            memcpy(v->jm, oct, n);
            v->njm = n;
            v->have_jm = 1;
            msg_event(v, HS_EV_V8_JM, oct, n, start);
            v->cj_pending = 1;   /* spec §3.2: finish the current octet, then CJ */
        }
        return;
    }
    if ((flags & HS_V8RX_CI) && (v->state == A_INITIAL_SILENCE || v->state == A_SEND_ANSAM)) {
        size_t n = hs_v8rx_get(v->mrx, HS_V8RX_CI, oct, sizeof oct, &start);
        if (!same_octets(oct, n, v->ci, v->nci)) {   /* informative (§5.5.8): report once */
            memcpy(v->ci, oct, n);
            v->nci = n;
            msg_event(v, HS_EV_V8_CI, oct, n, start);
        }
    }
    if ((flags & HS_V8RX_CM) && v->state == A_SEND_ANSAM) {
        size_t n = hs_v8rx_get(v->mrx, HS_V8RX_CM, oct, sizeof oct, &start);
        memcpy(v->cm, oct, n);
        v->ncm = n;
        msg_event(v, HS_EV_V8_CM, oct, n, start);
        hs_v8_fields f;
        hs_v8msg_parse(oct, n, &f);
        v->njm = hs_v8msg_build_jm(&f, v->c.modes, v->c.lapm, v->jm, sizeof v->jm);   /* §5.4 */
        go(v, A_SEND_JM, HS_MS(v->c.t_cj_ms), "2 identical CM");
    }
    if ((flags & HS_V8RX_CJ) && v->state == A_SEND_JM) {
        size_t n = hs_v8rx_get(v->mrx, HS_V8RX_CJ, oct, sizeof oct, &start);
        msg_event(v, HS_EV_V8_CJ, oct, n, start);
        /* spec §5.3 A3: stop JM at once (mid-sequence allowed), 75 ms of silence */
        go(v, A_POST_CJ_SILENCE, HS_MS(v->c.final_silence_ms), "CJ received");
    }
}

static void caller_tone(hs_v8 *v)
{
    hs_ansdet_result r;
    hs_ansdet_get(v->adet, &r);
    if (r.state != HS_ANSDET_ANS && r.state != HS_ANSDET_ANSAM) return;
    v->tone_done = 1;
    int ansam = r.state == HS_ANSDET_ANSAM;
    hs_event e;
    hs_event_init(&e, HS_EV_TONE, v->src, v->now);
    e.start = r.tone_start < v->now ? r.tone_start : v->now;
    hs_event_str(&e, "name", ansam ? (r.reversals ? "ANSam/" : "ANSam") : (r.reversals ? "ANS/" : "ANS"));
    hs_event_num(&e, "freq_hz", r.freq_hz);
    hs_event_num(&e, "level_dbm0", r.level_dbm0);
    hs_event_num(&e, "am_hz", r.am_hz);
    hs_event_num(&e, "am_depth", r.am_depth);
    hs_event_num(&e, "reversal_ms", r.reversal_ms);
    hs_event_int(&e, "reversals", r.reversals);
    push(v, &e);
    if (!ansam) {            /* V.8 §7.2: never CM on ANS alone; spec §5.2 F1 */
        fail(v, WHY_ANS);
        return;
    }
    if (v->state == C_CALL_SIGNAL && v->ci_on) {
        v->ci_stop = 1;      /* spec §5.2 C2: finish the CI sequence being sent, then Te */
        v->seqs_left = 1;
    } else {
        /* Te counts from the end of the call signal, or from the detection (spec §5.2 C3). */
        go(v, C_TE_SILENCE, HS_MS(v->c.te_ms), "ANSam detected");
    }
}

static void step(hs_v8 *v)
{
    int timeout = v->now >= v->deadline;
    if (!timeout && v->state != C_CALL_SIGNAL) return;   /* every other state waits for its deadline */
    switch (v->state) {
    case C_INITIAL_SILENCE:
        if (timeout)
            go(v, v->c.send_ci ? C_CALL_SIGNAL : C_LISTEN, HS_MS(v->c.t_ans_ms), "initial silence over");
        break;
    case C_CALL_SIGNAL:
        if (timeout) { fail(v, WHY_NO_TONE); break; }
        if (!v->ci_on && v->now >= v->ci_off_until) start_ci_burst(v);
        break;
    case C_LISTEN:
        if (timeout) fail(v, WHY_NO_TONE);
        break;
    case C_TE_SILENCE:
        if (timeout) go(v, C_SEND_CM, HS_MS(v->c.t_jm_ms), "Te over");
        break;
    case C_SEND_CM:
        if (timeout && !v->cj_pending) fail(v, WHY_NO_JM);
        break;
    case C_POST_CJ_SILENCE:
    case A_POST_CJ_SILENCE:
        if (timeout) finish(v);
        break;
    case A_INITIAL_SILENCE:
        if (timeout) go(v, A_SEND_ANSAM, HS_MS(v->c.t_cm_ms), "initial silence over");
        break;
    case A_SEND_ANSAM:
        if (timeout) go(v, A_NO_CM_SILENCE, HS_MS(v->c.final_silence_ms), "no CM within the ANSam time");
        break;
    case A_SEND_JM:
        if (timeout) fail(v, WHY_NO_CJ);
        break;
    case A_NO_CM_SILENCE:
        if (timeout) fail(v, WHY_NO_CM);
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------------ transmit side */

static void feed_bit(hs_v8 *v)
{
    if (v->pos >= v->nbits) {
        if (v->repeat) v->pos = 0;
        else if (v->seqs_left > 1) { v->seqs_left--; v->pos = 0; }
        else return;   /* done: the transmitter turns idle at the next bit boundary */
    }
    /* Caller after JM: CJ right after the stop bit of the current octet (spec §3.2). Our
     * impl. also completes a preamble and sync field before CJ (spec §3.3 caution). */
    if (v->cj_pending && !v->cj_first_bit && (v->pos == 0 || (v->pos >= 20 && (v->pos - 20) % 10 == 0))) {
        v->nbits = hs_v8msg_encode(HS_V8_CJ, NULL, 0, v->bits, sizeof v->bits);
        v->pos = 0;
        v->repeat = 0;
        v->seqs_left = 1;
        v->cj_first_bit = hs_fsk_tx_bits_sent(v->ftx) + 1;
    }
    hs_bitq_push(&v->txq, v->bits[v->pos++]);
}

static float tx(hs_v8 *v)
{
    float y = 0.0f;
    switch (v->sig) {
    case SIG_SILENCE:
        break;
    case SIG_TONE:
        if ((v->c.answer_tone == HS_ANSWER_ANS || v->c.answer_tone == HS_ANSWER_ANS_PR) &&
            v->now - v->sig_since >= HS_MS(ANS_DURATION_MS)) {
            signal_silence(v);
            break;
        }
        hs_ansam_tx_process(v->atx, &y, 1);
        break;
    case SIG_FSK:
        if (hs_bitq_count(&v->txq) == 0) feed_bit(v);
        hs_fsk_tx_process(v->ftx, &v->txq, &y, 1);
        if (v->state == C_SEND_CM && v->cj_first_bit && hs_fsk_tx_bits_sent(v->ftx) >= v->cj_first_bit)
            go(v, C_SEND_CJ, 0, "JM accepted, CM octet finished");
        if (hs_fsk_tx_idle(v->ftx)) {   /* the message has ended with the previous sample */
            y = 0.0f;
            if (v->state == C_SEND_CJ) {
                go(v, C_POST_CJ_SILENCE, HS_MS(v->c.final_silence_ms), "CJ sent");
            } else if (v->state == C_CALL_SIGNAL) {
                if (v->ci_stop) {
                    go(v, C_TE_SILENCE, HS_MS(v->c.te_ms), "CI finished after ANSam");
                } else {
                    v->ci_on = 0;
                    v->ci_off_until = v->now + HS_MS(CI_OFF_MS);
                    signal_silence(v);
                }
            } else {
                signal_silence(v);
            }
        }
        break;
    }
    return y;
}

/* ------------------------------------------------------------------ object */

hs_err hs_v8_create(const hs_v8_config *c, hs_evq *ev, hs_v8 **out)
{
    *out = NULL;
    if (hs_v8_config_problem(c)) return HS_EINVAL;
    hs_v8 *v = calloc(1, sizeof *v);
    if (!v) return HS_ENOMEM;
    v->c = *c;
    v->ev = ev;
    v->caller = c->role == HS_ROLE_CALLER;
    v->src = v->caller ? HS_SRC_CALLER : HS_SRC_ANSWERER;
    /* Caller sends on V.21(L) = channel 1 and listens on channel 2; the answerer the reverse. */
    hs_fsk_config ft = hs_fsk_config_v21(v->caller ? 1 : 2), fr = hs_fsk_config_v21(v->caller ? 2 : 1);
    ft.level_dbm0 = c->level_dbm0;
    hs_err err = hs_fsk_tx_create(&ft, &v->ftx);
    if (!err) err = hs_fsk_rx_create(&fr, &v->frx);
    if (!err) err = hs_v8rx_create(&v->mrx);
    if (!err && v->caller) err = hs_ansdet_create(&v->adet);
    if (!err && !v->caller) {
        hs_ansam_config ac = hs_ansam_config_ansam_pr();
        ac.level_dbm0 = c->level_dbm0;
        ac.am = c->answer_tone == HS_ANSWER_ANSAM_PR || c->answer_tone == HS_ANSWER_ANSAM;
        ac.reversals = c->answer_tone == HS_ANSWER_ANSAM_PR || c->answer_tone == HS_ANSWER_ANS_PR;
        err = hs_ansam_tx_create(&ac, &v->atx);
    }
    if (err) { hs_v8_destroy(v); return err; }
    v->latency = hs_fsk_rx_latency_samples(v->frx);
    hs_v8_reset(v);
    *out = v;
    return HS_OK;
}

void hs_v8_reset(hs_v8 *v)
{
    hs_fsk_tx_reset(v->ftx);
    hs_fsk_rx_reset(v->frx);
    hs_v8rx_reset(v->mrx);
    if (v->adet) hs_ansdet_reset(v->adet);
    if (v->atx) hs_ansam_tx_reset(v->atx);
    hs_bitq_init(&v->txq);
    hs_bitq_init(&v->rxq);
    v->rx_on = !v->caller;   /* the answerer listens from sample 0 (rx_needed()) */
    v->now = 0;
    v->status = HS_V8_RUNNING;
    v->reason = NULL;
    v->mode = 0;
    v->tx_name = NULL;
    v->nbits = v->pos = 0;
    v->repeat = v->seqs_left = 0;
    v->cj_first_bit = 0;
    v->cj_pending = 0;
    v->tone_done = v->ci_stop = v->ci_on = 0;
    v->ci_off_until = 0;
    v->njm = v->nci = 0;
    v->have_jm = 0;
    v->ncm = v->caller ? hs_v8msg_build_cm(v->c.modes, v->c.lapm, v->cm, sizeof v->cm) : 0;
    /* C0 -> C1 when the line is connected, A0 -> A1 on going off-hook: both at sample 0. */
    v->state = v->caller ? C_START : A_CONNECT;
    go(v, v->caller ? C_INITIAL_SILENCE : A_INITIAL_SILENCE,
       HS_MS(v->caller ? v->c.caller_silence_ms : v->c.answer_silence_ms),
       v->caller ? "line connected" : "off-hook");
}

void hs_v8_destroy(hs_v8 *v)
{
    if (!v) return;
    hs_fsk_tx_destroy(v->ftx);
    hs_fsk_rx_destroy(v->frx);
    hs_v8rx_destroy(v->mrx);
    hs_ansdet_destroy(v->adet);
    hs_ansam_tx_destroy(v->atx);
    free(v);
}

/* Whether the V.21 receiver's output can matter now: the caller acts only on JM while it
 * sends CM (the answerer starts JM only after two CMs, so the receiver has at least two CM
 * sequences to settle); the answerer on CI, CM and CJ until CJ is in. */
static int rx_needed(const hs_v8 *v)
{
    if (v->caller) return v->state == C_SEND_CM && !v->have_jm;
    return v->state == A_INITIAL_SILENCE || v->state == A_SEND_ANSAM || v->state == A_SEND_JM;
}

void hs_v8_process(hs_v8 *v, const float *in, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float x = in ? in[i] : 0.0f;
        /* receive: answer-tone detector while the caller waits for it, V.21 receiver */
        if (v->caller && !v->tone_done &&
            (v->state == C_INITIAL_SILENCE || v->state == C_CALL_SIGNAL || v->state == C_LISTEN)) {
            if (hs_ansdet_process(v->adet, &x, 1)) caller_tone(v);
        }
        /* V.21 receiver only in the states whose messages are acted on (on_messages()); it is
         * restarted from reset when it is needed again. Every message starts with a preamble
         * of ten ones, whose first edge after idle re-phases the bit clock, and the receiver
         * settles in 36 ms (filter + one bit + decision lag), so a message is decoded as if
         * the receiver had run all along. */
        int need = rx_needed(v);
        if (need && !v->rx_on) {
            hs_fsk_rx_reset(v->frx);
            hs_v8rx_reset(v->mrx);
            hs_bitq_init(&v->rxq);
        }
        v->rx_on = need;
        if (need && hs_fsk_rx_process(v->frx, &x, 1, &v->rxq)) {
            int b;
            while ((b = hs_bitq_pop(&v->rxq)) >= 0) {
                uint64_t at = v->now > v->latency ? v->now - v->latency : 0;
                unsigned f = hs_v8rx_bit(v->mrx, b, at);
                if (f) on_messages(v, f);
            }
        }
        step(v);
        out[i] = tx(v);
        v->now++;
    }
}

hs_v8_status hs_v8_get_status(const hs_v8 *v) { return v->status; }
uint64_t hs_v8_get_now(const hs_v8 *v) { return v->now; }
const char *hs_v8_get_state_name(const hs_v8 *v) { return state_names[v->state]; }
uint32_t hs_v8_get_mode(const hs_v8 *v) { return v->status == HS_V8_DONE ? v->mode : 0; }
const char *hs_v8_get_mode_name(const hs_v8 *v) { return v->status == HS_V8_DONE ? hs_v8_mode_name(v->mode) : NULL; }
const char *hs_v8_get_reason(const hs_v8 *v) { return v->status == HS_V8_FAILED ? v->reason : NULL; }

size_t hs_v8_get_jm(const hs_v8 *v, uint8_t *oct, size_t cap)
{
    size_t n = v->njm < cap ? v->njm : cap;
    if (oct && n) memcpy(oct, v->jm, n);
    return v->njm;
}
