/* V.8 caller and answerer state machines (dsp/v8.h), connected back to back through a
 * fixed delay (optionally with noise): timing of every signal against spec/v8.md §5, the
 * fallbacks and their reasons, JM content, determinism and chunking. */
#include "ansam.h"
#include "bitq.h"
#include "fsk.h"
#include "hs_test.h"
#include "level.h"
#include "rng.h"
#include "v8.h"
#include "v8msg.h"

#define MAXEV 256
#define BIT (80.0 / 3.0)   /* samples per bit at 300 bit/s */

typedef struct {
    hs_event ev[MAXEV];
    int      n;
} evlist;

typedef struct {
    hs_v8_config c, a;
    size_t   delay;        /* samples each way (>= block) */
    double   noise_sigma;  /* added to both received signals */
    uint64_t seed;
    double   max_s;
    size_t   block;        /* processing block (<= delay) */
    int      caller_deaf;  /* caller hears nothing (answerer alone) */
    int      answerer_off; /* no answerer at all (caller alone) */
    int      full;         /* run to max_s even when both have finished */
} pair_cfg;

typedef struct {
    evlist   ev;           /* both sides, in processing order */
    hs_v8_status cs, as;
    const char *cres, *ares;
    uint64_t end;          /* sample when both had finished (or max) */
    float   *ctx, *atx;    /* what each sent (if requested) */
    size_t   nsamp;
} pair_out;

static void drain(hs_evq *q, evlist *l)
{
    hs_event e;
    while (hs_evq_pop(q, &e))
        if (l->n < MAXEV) l->ev[l->n++] = e;
}

static pair_cfg pair_default(void)
{
    pair_cfg p;
    memset(&p, 0, sizeof p);
    p.c = hs_v8_config_default(HS_ROLE_CALLER);
    p.a = hs_v8_config_default(HS_ROLE_ANSWERER);
    p.c.trace = p.a.trace = 1;
    p.delay = 160;
    p.max_s = 40.0;
    p.block = 160;
    p.seed = 1;
    return p;
}

/* Runs both machines; keep_audio: store what each sent. */
static void run_pair(const pair_cfg *p, pair_out *o, int keep_audio)
{
    memset(o, 0, sizeof *o);
    hs_evq *qc, *qa;
    hs_evq_create(512, &qc);
    hs_evq_create(512, &qa);
    hs_v8 *c = NULL, *a = NULL;
    hs_v8_create(&p->c, qc, &c);
    if (!p->answerer_off) hs_v8_create(&p->a, qa, &a);
    size_t max = (size_t)(p->max_s * 8000.0), d = p->delay;
    float *line_ca = calloc(d, sizeof(float)), *line_ac = calloc(d, sizeof(float));  /* ring per direction */
    if (keep_audio) {
        o->ctx = calloc(max, sizeof(float));
        o->atx = calloc(max, sizeof(float));
    }
    hs_rng r;
    hs_rng_seed(&r, p->seed);
    float inc[1024], ina[1024], outc[1024], outa[1024];
    size_t t = 0, stop_at = max;
    while (t < stop_at) {
        size_t b = p->block;
        if (b > stop_at - t) b = stop_at - t;
        for (size_t i = 0; i < b; i++) {   /* what arrives now was sent d samples ago */
            size_t k = (t + i) % d;
            inc[i] = p->caller_deaf ? 0.0f : line_ac[k];
            ina[i] = line_ca[k];
            if (p->noise_sigma > 0.0) {
                inc[i] += (float)(p->noise_sigma * hs_rng_gauss(&r));
                ina[i] += (float)(p->noise_sigma * hs_rng_gauss(&r));
            }
        }
        hs_v8_process(c, inc, outc, b);
        if (a) hs_v8_process(a, ina, outa, b);
        else memset(outa, 0, b * sizeof(float));
        for (size_t i = 0; i < b; i++) {
            size_t k = (t + i) % d;
            line_ca[k] = outc[i];
            line_ac[k] = outa[i];
            if (keep_audio) { o->ctx[t + i] = outc[i]; o->atx[t + i] = outa[i]; }
        }
        drain(qc, &o->ev);
        drain(qa, &o->ev);
        t += b;
        int done = hs_v8_get_status(c) != HS_V8_RUNNING && (!a || hs_v8_get_status(a) != HS_V8_RUNNING);
        if (done && !p->full && stop_at == max) stop_at = t + 800 < max ? t + 800 : max;   /* 100 ms tail */
    }
    o->nsamp = t;
    o->end = t;
    o->cs = hs_v8_get_status(c);
    o->cres = o->cs == HS_V8_DONE ? hs_v8_get_mode_name(c) : hs_v8_get_reason(c);
    if (a) {
        o->as = hs_v8_get_status(a);
        o->ares = o->as == HS_V8_DONE ? hs_v8_get_mode_name(a) : hs_v8_get_reason(a);
    }
    hs_v8_destroy(c);
    hs_v8_destroy(a);
    hs_evq_destroy(qc);
    hs_evq_destroy(qa);
    free(line_ca);
    free(line_ac);
}

static void pair_free(pair_out *o) { free(o->ctx); free(o->atx); }

/* First event of a type from a source (with signal/name/to == str if str != NULL). */
static const hs_event *find(const evlist *l, hs_ev_type t, int src, const char *str)
{
    for (int i = 0; i < l->n; i++) {
        const hs_event *e = &l->ev[i];
        if (e->type != t || e->source != src) continue;
        if (!str) return e;
        for (unsigned k = 0; k < e->nfields; k++)
            if (e->f[k].kind == HS_F_STR && !strcmp(e->f[k].v.s, str)) return e;
    }
    return NULL;
}

static long at(const hs_event *e) { return e ? (long)e->sample : -1; }

static void print_events(const evlist *l)
{
    for (int i = 0; i < l->n; i++) {
        const hs_event *e = &l->ev[i];
        if (e->type == HS_EV_STATE) continue;
        printf("  %8.4f s %-8s %-7s", (double)e->sample / 8000.0, e->source ? "answerer" : "caller",
               hs_ev_type_name((hs_ev_type)e->type));
        for (unsigned k = 0; k < e->nfields && k < 3; k++)
            if (e->f[k].kind == HS_F_STR) printf(" %s=%s", e->f[k].key, e->f[k].v.s);
        printf("\n");
    }
}

/* ---------------------------------------------------------------- cases */

static int caller_timing(void)
{
    pair_cfg p = pair_default();
    pair_out o;
    run_pair(&p, &o, 1);
    print_events(&o.ev);
    hs_check_int("caller DONE", o.cs, HS_V8_DONE);
    hs_check_str("caller mode", o.cres, "V.34 duplex");
    const hs_event *tone = find(&o.ev, HS_EV_TONE, HS_SRC_CALLER, NULL);
    const hs_event *cm = find(&o.ev, HS_EV_TX, HS_SRC_CALLER, "CM");
    const hs_event *cj = find(&o.ev, HS_EV_TX, HS_SRC_CALLER, "CJ");
    const hs_event *res = find(&o.ev, HS_EV_STATE, HS_SRC_CALLER, "DONE");
    hs_check_true("tone, CM, CJ, DONE present", tone && cm && cj && res);
    if (!tone || !cm || !cj || !res) { pair_free(&o); return 0; }
    hs_check_str("tone classified", hs_event_field(tone, "name")->v.s, "ANSam/");
    /* V.8 §8.1.1: 1 s of silence first: the caller sends exact zeros until CM. */
    double e = 0;
    for (uint64_t i = 0; i < cm->sample; i++) e += fabs((double)o.ctx[i]);
    hs_check_near("caller output before CM (sum |x|)", e, 0.0, 0.0, "");
    /* Te = 1 s (V.8 §8.1.2, impl. 1.0 s) counted from the ANSam decision (no CI sent). */
    hs_check_int("CM starts Te after the ANSam decision (samples)", at(cm) - at(tone), 8000);
    /* CJ starts right after a whole octet: bits since CM start = k*70 + 20 + 10j. */
    double bits = (double)(at(cj) - at(cm)) / BIT;
    long b = lround(bits);
    hs_check_below("CJ start off the bit grid (samples)", fabs((double)(at(cj) - at(cm)) - (double)b * BIT), 1.0, "");
    long in_seq = b % 70;
    hs_check_true("CJ on an octet boundary", in_seq == 0 || (in_seq >= 20 && (in_seq - 20) % 10 == 0));
    /* CJ: 30 bits = 800 samples, then 75 ms = 600 samples of silence, then DONE. */
    const hs_event *sil = NULL;
    for (int i = 0; i < o.ev.n; i++)
        if (o.ev.ev[i].type == HS_EV_TX && o.ev.ev[i].source == HS_SRC_CALLER && o.ev.ev[i].sample > cj->sample) {
            sil = &o.ev.ev[i];
            break;
        }
    hs_check_near("CJ duration (samples)", (double)(at(sil) - at(cj)), 800.0, 1.0, "");
    hs_check_int("75 ms silence after CJ (samples)", at(res) - at(sil), 600);
    e = 0;
    for (uint64_t i = sil->sample; i < o.nsamp; i++) e += fabs((double)o.ctx[i]);
    hs_check_near("caller output after CJ (sum |x|)", e, 0.0, 0.0, "");
    pair_free(&o);
    return 0;
}

static int answerer_timing(void)
{
    pair_cfg p = pair_default();
    pair_out o;
    run_pair(&p, &o, 1);
    hs_check_int("answerer DONE", o.as, HS_V8_DONE);
    hs_check_str("answerer mode", o.ares, "V.34 duplex");
    const hs_event *ans = find(&o.ev, HS_EV_TX, HS_SRC_ANSWERER, "ANSam/");
    const hs_event *ccm = find(&o.ev, HS_EV_TX, HS_SRC_CALLER, "CM");
    const hs_event *rcm = find(&o.ev, HS_EV_V8_CM, HS_SRC_ANSWERER, NULL);
    const hs_event *jm = find(&o.ev, HS_EV_TX, HS_SRC_ANSWERER, "JM");
    const hs_event *ccj = find(&o.ev, HS_EV_TX, HS_SRC_CALLER, "CJ");
    const hs_event *rcj = find(&o.ev, HS_EV_V8_CJ, HS_SRC_ANSWERER, NULL);
    const hs_event *res = find(&o.ev, HS_EV_STATE, HS_SRC_ANSWERER, "DONE");
    hs_check_true("all events present", ans && ccm && rcm && jm && ccj && rcj && res);
    if (!ans || !ccm || !rcm || !jm || !ccj || !rcj || !res) { pair_free(&o); return 0; }
    /* V.8 §8.2: >= 0.2 s of silence (impl. exactly 0.2 s) before ANSam. */
    hs_check_int("ANSam starts at 0.2 s (samples)", at(ans), 1600);
    /* ANSam/ itself is the tones block's (tested there): our output must be it, sample for
     * sample, so reversals come every 3600 samples. */
    hs_ansam_tx *g;
    hs_ansam_config ac = hs_ansam_config_ansam_pr();
    hs_ansam_tx_create(&ac, &g);
    float ref[16000];
    hs_ansam_tx_process(g, ref, 16000);
    hs_ansam_tx_destroy(g);
    double diff = 0;
    for (int i = 0; i < 16000 && 1600 + (uint64_t)i < jm->sample; i++) diff += fabs((double)o.atx[1600 + i] - (double)ref[i]);
    hs_check_near("answerer ANSam/ = hs_ansam_tx output (sum |diff|)", diff, 0.0, 1e-3, "");
    /* CM accepted on the last bit of the 3rd header, which starts 159 bits after CM, plus
     * the line delay and the FSK receiver's latency from a bit's start to its decision
     * (band-pass 120 + one bit 27 + decision lag 16 = 163 samples), within one bit. */
    double want = (double)(at(ccm) + (long)p.delay) + 159.0 * BIT + 163.0;
    hs_check_near("CM accepted (samples)", (double)at(rcm), want, BIT, "");
    hs_check_int("JM starts when CM is accepted (no gap)", at(jm), at(rcm));
    hs_check_near("CM event start = CM sent + delay (samples)", (double)rcm->start, (double)(at(ccm) + (long)p.delay), 3.0, "");
    /* CJ recognised on its last stop bit: CJ start + delay + 29 bits + latency, within a bit;
     * JM stops on that sample and 75 ms of silence follow. */
    want = (double)(at(ccj) + (long)p.delay) + 29.0 * BIT + 163.0;
    hs_check_near("CJ recognised (samples)", (double)at(rcj), want, BIT, "");
    const hs_event *sil = NULL;
    for (int i = 0; i < o.ev.n; i++)
        if (o.ev.ev[i].type == HS_EV_TX && o.ev.ev[i].source == HS_SRC_ANSWERER && o.ev.ev[i].sample > jm->sample) {
            sil = &o.ev.ev[i];
            break;
        }
    hs_check_int("JM stops when CJ is recognised", at(sil), at(rcj));
    hs_check_int("75 ms silence after CJ (samples)", at(res) - at(sil), 600);
    /* JM content: the answerer has the same modes: (b2) C1 45 13 10 2A. */
    const hs_event *rjm = find(&o.ev, HS_EV_V8_JM, HS_SRC_CALLER, NULL);
    static const uint8_t b2[] = { 0xC1, 0x45, 0x13, 0x10, 0x2A };
    hs_check_true("caller received JM C1 45 13 10 2A", rjm && rjm->npayload == 5 && !memcmp(rjm->payload, b2, 5));
    hs_check_true("answerer received CM C1 45 13 10 2A", rcm->npayload == 5 && !memcmp(rcm->payload, b2, 5));
    /* Whole V.8 with a 20 ms line: about 3.5 s (spec §5.1 estimate) */
    printf("V.8 complete: caller %.3f s, answerer %.3f s\n",
           (double)at(find(&o.ev, HS_EV_STATE, HS_SRC_CALLER, "DONE")) / 8000.0, (double)at(res) / 8000.0);
    hs_check_below("answerer done by (s)", (double)at(res) / 8000.0, 4.0, "s");
    pair_free(&o);
    return 0;
}

static int v34_only_answerer(void)
{
    /* spec §11: caller (a) against an answerer with V.34 only -> JM (b1) C1 45 10 10 2A, both
     * select V.34 duplex. */
    pair_cfg p = pair_default();
    p.a.modes = HS_MOD_V34_DUPLEX;
    pair_out o;
    run_pair(&p, &o, 0);
    const hs_event *rjm = find(&o.ev, HS_EV_V8_JM, HS_SRC_CALLER, NULL);
    static const uint8_t b1[] = { 0xC1, 0x45, 0x10, 0x10, 0x2A };
    hs_check_true("JM C1 45 10 10 2A", rjm && rjm->npayload == 5 && !memcmp(rjm->payload, b1, 5));
    hs_check_str("caller mode", o.cres, "V.34 duplex");
    hs_check_str("answerer mode", o.ares, "V.34 duplex");
    /* Without V.34 on the answerer the lowest common item wins: V.32 bis. */
    p.a.modes = HS_MOD_V32BIS | HS_MOD_V22BIS;
    run_pair(&p, &o, 0);
    hs_check_str("caller mode without V.34", o.cres, "V.32 bis/V.32");
    hs_check_str("answerer mode without V.34", o.ares, "V.32 bis/V.32");
    return 0;
}

static int no_common_mode(void)
{
    pair_cfg p = pair_default();
    p.c.modes = HS_MOD_V21;
    p.a.modes = HS_MOD_V34_DUPLEX;
    pair_out o;
    run_pair(&p, &o, 0);
    hs_check_int("caller FAILED", o.cs, HS_V8_FAILED);
    hs_check_str("caller reason", o.cres, "no common mode");
    hs_check_str("answerer reason", o.ares, "no common mode");
    return 0;
}

static int ans_fallback(void)
{
    /* Plain ANS (with or without reversals): the caller classifies it and stops with "not
     * V.8 capable", never sending CM (V.8 §7.2). */
    static const hs_answer_tone tones[] = { HS_ANSWER_ANS, HS_ANSWER_ANS_PR };
    for (int k = 0; k < 2; k++) {
        pair_cfg p = pair_default();
        p.a.answer_tone = tones[k];
        pair_out o;
        run_pair(&p, &o, 0);
        const hs_event *tone = find(&o.ev, HS_EV_TONE, HS_SRC_CALLER, NULL);
        hs_check_str("tone name", tone ? hs_event_field(tone, "name")->v.s : NULL, k ? "ANS/" : "ANS");
        hs_check_int("caller FAILED", o.cs, HS_V8_FAILED);
        hs_check_str("caller reason", o.cres, "answerer is not V.8 capable");
        hs_check_true("caller never sent CM", find(&o.ev, HS_EV_TX, HS_SRC_CALLER, "CM") == NULL);
        /* The answerer's ANS ends after 3.3 s (V.25 §2.2), its CM wait after 5 s. */
        const hs_event *a_sil = NULL;
        for (int i = 0; i < o.ev.n; i++)
            if (o.ev.ev[i].type == HS_EV_TX && o.ev.ev[i].source == HS_SRC_ANSWERER && o.ev.ev[i].sample > 1600) {
                a_sil = &o.ev.ev[i];
                break;
            }
        hs_check_int("ANS lasts 3.3 s (samples)", a_sil ? at(a_sil) - 1600 : -1, 26400);
        hs_check_str("answerer reason", o.ares, "no CM");
    }
    return 0;
}

static int no_cm_timeout(void)
{
    /* Answerer alone: ANSam from 0.2 s for 5 s (V.8 §8.2.2), 75 ms of silence, "no CM". */
    pair_cfg p = pair_default();
    p.c.t_ans_ms = 1000;   /* the caller is there but deaf: keep it short */
    p.caller_deaf = 1;
    pair_out o;
    run_pair(&p, &o, 1);
    const hs_event *fail = find(&o.ev, HS_EV_STATE, HS_SRC_ANSWERER, "FAILED");
    const hs_event *sil = find(&o.ev, HS_EV_STATE, HS_SRC_ANSWERER, "A2' NO_CM_SILENCE");
    hs_check_str("answerer reason", o.ares, "no CM");
    hs_check_int("ANSam ends after 0.2 + 5 s (samples)", at(sil), 1600 + 40000);
    hs_check_int("failure 75 ms later (samples)", at(fail), 1600 + 40000 + 600);
    double e = 0;
    for (uint64_t i = 41600; i < o.nsamp; i++) e += fabs((double)o.atx[i]);
    hs_check_near("answerer silent after ANSam (sum |x|)", e, 0.0, 0.0, "");
    pair_free(&o);
    return 0;
}

static int no_answer_tone(void)
{
    /* Caller alone, default T_ans = 30 s after the 1 s initial silence: "no answer tone". */
    pair_cfg p = pair_default();
    p.answerer_off = 1;
    pair_out o;
    run_pair(&p, &o, 0);
    hs_check_str("caller reason", o.cres, "no answer tone");
    hs_check_int("at 1 + 30 s (samples)", at(find(&o.ev, HS_EV_STATE, HS_SRC_CALLER, "FAILED")), 8000 + 240000);
    /* With CI: the bursts are 4 CI sequences (400 ms), 500 ms apart; still no tone. */
    p.c.send_ci = 1;
    p.c.t_ans_ms = 3000;
    run_pair(&p, &o, 0);
    hs_check_str("caller with CI: reason", o.cres, "no answer tone");
    int bursts = 0;
    for (int i = 0; i < o.ev.n; i++)
        if (o.ev.ev[i].type == HS_EV_TX && !strcmp(hs_event_field(&o.ev.ev[i], "signal")->v.s, "CI")) bursts++;
    /* 3 s / (0.4 + 0.5 s) -> bursts at 1.0, 1.9, 2.8, 3.7 s: 4 */
    hs_check_int("CI bursts in 3 s", bursts, 4);
    return 0;
}

/* A fake peer: an ANSam/ source that never sends JM (caller gets "no JM"), or a CM source
 * that never sends CJ (answerer gets "no CJ"). */
static int no_jm_and_no_cj(void)
{
    hs_evq *q;
    hs_evq_create(256, &q);
    hs_v8_config cc = hs_v8_config_default(HS_ROLE_CALLER);
    cc.trace = 1;
    hs_v8 *c;
    hs_v8_create(&cc, q, &c);
    hs_ansam_config ac = hs_ansam_config_ansam_pr();
    hs_ansam_tx *g;
    hs_ansam_tx_create(&ac, &g);
    float x, y;
    uint64_t cm_at = 0, fail_at = 0;
    for (int i = 0; i < 8000 * 12 && hs_v8_get_status(c) == HS_V8_RUNNING; i++) {
        hs_ansam_tx_process(g, &x, 1);
        hs_v8_process(c, &x, &y, 1);
        hs_event e;
        while (hs_evq_pop(q, &e)) {
            const hs_field *f = hs_event_field(&e, "signal");
            if (e.type == HS_EV_TX && f && !strcmp(f->v.s, "CM")) cm_at = e.sample;
            if (e.type == HS_EV_STATE && !strcmp(hs_event_field(&e, "to")->v.s, "FAILED")) fail_at = e.sample;
        }
    }
    hs_check_str("caller reason", hs_v8_get_reason(c), "no JM");
    hs_check_int("5 s after CM start (samples)", (long long)(fail_at - cm_at), 40000);
    hs_v8_destroy(c);
    hs_ansam_tx_destroy(g);

    hs_v8_config a = hs_v8_config_default(HS_ROLE_ANSWERER);
    a.trace = 1;
    hs_v8 *an;
    hs_v8_create(&a, q, &an);
    hs_fsk_config fc = hs_fsk_config_v21(1);
    hs_fsk_tx *ft;
    hs_fsk_tx_create(&fc, &ft);
    uint8_t bits[100];
    static const uint8_t cmo[] = { 0xC1, 0x45, 0x13, 0x10, 0x2A };
    size_t nb = hs_v8msg_encode(HS_V8_CM, cmo, 5, bits, sizeof bits);
    hs_bitq bq;
    hs_bitq_init(&bq);
    uint64_t jm_at = 0;
    fail_at = 0;
    for (int i = 0; i < 8000 * 12 && hs_v8_get_status(an) == HS_V8_RUNNING; i++) {
        x = 0.0f;
        if (i >= 8000) {   /* CM from 1 s on, forever */
            if (hs_bitq_count(&bq) < 10) hs_bitq_push_bits(&bq, bits, nb);
            hs_fsk_tx_process(ft, &bq, &x, 1);
        }
        hs_v8_process(an, &x, &y, 1);
        hs_event e;
        while (hs_evq_pop(q, &e)) {
            const hs_field *f = hs_event_field(&e, "signal");
            if (e.type == HS_EV_TX && f && !strcmp(f->v.s, "JM")) jm_at = e.sample;
            if (e.type == HS_EV_STATE && !strcmp(hs_event_field(&e, "to")->v.s, "FAILED")) fail_at = e.sample;
        }
    }
    hs_check_str("answerer reason", hs_v8_get_reason(an), "no CJ");
    hs_check_int("5 s after JM start (samples)", (long long)(fail_at - jm_at), 40000);
    hs_v8_destroy(an);
    hs_fsk_tx_destroy(ft);
    hs_evq_destroy(q);
    return 0;
}

static int ci_then_ansam(void)
{
    /* CI bursts from 1 s: the answerer reports CI (C1), ANSam stops the bursts after the
     * current sequence, Te counts from the end of CI (spec §5.2 C3). */
    pair_cfg p = pair_default();
    p.c.send_ci = 1;
    pair_out o;
    run_pair(&p, &o, 0);
    print_events(&o.ev);
    hs_check_str("caller mode", o.cres, "V.34 duplex");
    const hs_event *ci = find(&o.ev, HS_EV_V8_CI, HS_SRC_ANSWERER, NULL);
    hs_check_true("answerer reported CI C1", ci && ci->npayload == 1 && ci->payload[0] == 0xC1);
    hs_check_int("first CI at 1 s", at(find(&o.ev, HS_EV_TX, HS_SRC_CALLER, "CI")), 8000);
    /* The last caller "silence" before CM ends the CI; CM comes Te = 1 s after it. */
    const hs_event *cm = find(&o.ev, HS_EV_TX, HS_SRC_CALLER, "CM");
    const hs_event *last_sil = NULL;
    for (int i = 0; i < o.ev.n; i++) {
        const hs_event *e = &o.ev.ev[i];
        if (e->type == HS_EV_TX && e->source == HS_SRC_CALLER && cm && e->sample < cm->sample &&
            !strcmp(hs_event_field(e, "signal")->v.s, "silence"))
            last_sil = e;
    }
    hs_check_true("CI ended with a whole sequence", last_sil != NULL);
    if (last_sil && cm) {
        hs_check_above("Te after CI (samples)", (double)(at(cm) - at(last_sil)), 8000.0, "");
        /* A CI sequence is 30 bits = 800 samples; bursts begin 0.9 s apart. */
        long since = (at(last_sil) - 8000) % 7200;
        hs_check_true("CI stopped on a sequence boundary", since % 800 == 0 && since <= 3200);
    }
    return 0;
}

static int noisy_line(void)
{
    /* White noise at 6 dB SNR in 300-3400 Hz relative to -13 dBm0: noise power =
     * P(-13 dBm0) / 10^0.6 over 3100 Hz; white over 4000 Hz: sigma^2 = that * 4000/3100. */
    pair_cfg p = pair_default();
    double pn = hs_dbm0_to_power(-13.0) / pow(10.0, 0.6) * 4000.0 / 3100.0;
    p.noise_sigma = sqrt(pn);
    int ok = 0;
    for (uint64_t s = 1; s <= 5; s++) {
        p.seed = s;
        pair_out o;
        run_pair(&p, &o, 0);
        ok += o.cs == HS_V8_DONE && o.as == HS_V8_DONE;
        printf("seed %llu: caller %s, answerer %s\n", (unsigned long long)s, o.cres, o.ares);
    }
    hs_check_int("completed at 6 dB SNR (5 seeds)", ok, 5);
    return 0;
}

static int determinism_and_chunking(void)
{
    /* Blocks of 1, 7 and 160 samples (the line delay is 160) give the same audio and the
     * same events; a second run gives the same again. */
    static const size_t blocks[] = { 160, 1, 7, 160 };
    pair_out ref;
    memset(&ref, 0, sizeof ref);
    for (int k = 0; k < 4; k++) {
        pair_cfg p = pair_default();
        p.noise_sigma = 0.01;
        p.block = blocks[k];
        p.max_s = 4.0;
        p.full = 1;
        pair_out o;
        run_pair(&p, &o, 1);
        if (k == 0) { ref = o; continue; }
        int same = o.nsamp == ref.nsamp && !memcmp(o.ctx, ref.ctx, o.nsamp * sizeof(float)) &&
                   !memcmp(o.atx, ref.atx, o.nsamp * sizeof(float)) && o.ev.n == ref.ev.n;
        /* Events per endpoint in order (the two endpoints' events interleave by block). */
        for (int src = 0; same && src < 2; src++) {
            int i = 0, j = 0;
            for (;;) {
                while (i < o.ev.n && o.ev.ev[i].source != src) i++;
                while (j < ref.ev.n && ref.ev.ev[j].source != src) j++;
                if (i >= o.ev.n || j >= ref.ev.n) { same = same && i >= o.ev.n && j >= ref.ev.n; break; }
                if (o.ev.ev[i].sample != ref.ev.ev[j].sample || o.ev.ev[i].type != ref.ev.ev[j].type ||
                    o.ev.ev[i].start != ref.ev.ev[j].start || o.ev.ev[i].nfields != ref.ev.ev[j].nfields) {
                    same = 0;
                    break;
                }
                i++; j++;
            }
        }
        char what[64];
        snprintf(what, sizeof what, "%s blocks of %zu: identical audio and events", k == 3 ? "again," : "", blocks[k]);
        hs_check_true(what, same);
        pair_free(&o);
    }
    hs_check_true("reference run completed", ref.cs == HS_V8_DONE && ref.as == HS_V8_DONE);
    pair_free(&ref);
    return 0;
}

static int config_checks(void)
{
    hs_v8_config c = hs_v8_config_default(HS_ROLE_CALLER);
    hs_check_true("default usable", hs_v8_config_problem(&c) == NULL);
    c.te_ms = 400;
    hs_check_true("Te 400 ms rejected", hs_v8_config_problem(&c) != NULL);
    c = hs_v8_config_default(HS_ROLE_CALLER);
    c.modes = 0;
    hs_check_true("caller without modes rejected", hs_v8_config_problem(&c) != NULL);
    hs_v8 *v = (hs_v8 *)1;
    hs_check_int("create refuses", hs_v8_create(&c, NULL, &v), HS_EINVAL);
    hs_check_true("out cleared", v == NULL);
    hs_v8_destroy(NULL);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(caller_timing),
    HS_CASE(answerer_timing),
    HS_CASE(v34_only_answerer),
    HS_CASE(no_common_mode),
    HS_CASE(ans_fallback),
    HS_CASE(no_cm_timeout),
    HS_CASE(no_answer_tone),
    HS_CASE(no_jm_and_no_cj),
    HS_CASE(ci_then_ansam),
    HS_CASE(noisy_line),
    HS_CASE(determinism_and_chunking),
    HS_CASE(config_checks)
)
