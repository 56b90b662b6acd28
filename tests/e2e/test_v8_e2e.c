/* V.8 end to end: caller and answerer modems (dsp/modem.h) over the simulated line
 * (dsp/sim.h, dsp/line.h): negotiated mode, event order and timing windows of spec/v8.md
 * §5 on a clean line and on impaired lines, the failure reasons, and the completion rate at
 * low SNR. */
#include "hs_test.h"
#include "sim.h"

#define MAXEV 512

typedef struct {
    hs_event ev[MAXEV];
    int      n;
    int      finished;
    uint64_t now;
    const char *cres, *ares;
    hs_modem_status cs, as;
    double   delay_s;   /* one-way delay the line actually applies */
} run_out;

static void run(const hs_sim_config *c, run_out *o)
{
    memset(o, 0, sizeof *o);
    hs_sim *s;
    if (hs_sim_create(c, &s) != HS_OK) { hs_check_true("sim config usable", 0); return; }
    while (hs_sim_step(s, 8000, NULL, NULL, NULL, NULL) > 0) {
        hs_event e;
        while (hs_sim_poll(s, &e))
            if (o->n < MAXEV) o->ev[o->n++] = e;
    }
    hs_event e;
    while (hs_sim_poll(s, &e))
        if (o->n < MAXEV) o->ev[o->n++] = e;
    o->finished = hs_sim_finished(s);
    hs_line *l;
    if (hs_line_create(&c->line, &l) == HS_OK) {
        o->delay_s = (double)hs_line_get_delay_samples(l) / 8000.0;
        hs_line_destroy(l);
    }
    o->now = hs_sim_get_now(s);
    const hs_modem *mc = hs_sim_get_modem(s, HS_ROLE_CALLER), *ma = hs_sim_get_modem(s, HS_ROLE_ANSWERER);
    o->cs = hs_modem_get_status(mc);
    o->as = hs_modem_get_status(ma);
    o->cres = hs_modem_get_result(mc);
    o->ares = hs_modem_get_result(ma);
    hs_sim_destroy(s);
}

static const hs_event *find(const run_out *o, hs_ev_type t, int src, const char *str)
{
    for (int i = 0; i < o->n; i++) {
        const hs_event *e = &o->ev[i];
        if (e->type != t || e->source != src) continue;
        if (!str) return e;
        for (unsigned k = 0; k < e->nfields; k++)
            if (e->f[k].kind == HS_F_STR && !strcmp(e->f[k].v.s, str)) return e;
    }
    return NULL;
}

static double sec(const hs_event *e) { return e ? (double)e->sample / 8000.0 : -1.0; }

static void print_timeline(const run_out *o)
{
    for (int i = 0; i < o->n; i++) {
        const hs_event *e = &o->ev[i];
        printf("  %8.4f s %-8s %-7s", sec(e), e->source ? "answerer" : "caller", hs_ev_type_name((hs_ev_type)e->type));
        for (unsigned k = 0; k < e->nfields && k < 4; k++) {
            if (e->f[k].kind == HS_F_STR) printf(" %s=%s", e->f[k].key, e->f[k].v.s);
            else if (e->f[k].kind == HS_F_NUM) printf(" %s=%.3f", e->f[k].key, e->f[k].v.x);
        }
        if (e->payload_kind == HS_PAYLOAD_OCTETS) {
            printf(" [");
            for (int k = 0; k < e->npayload; k++) printf("%s%02X", k ? " " : "", e->payload[k]);
            printf("]");
        }
        if (e->start != e->sample) printf(" (began %.4f s)", (double)e->start / 8000.0);
        printf("\n");
    }
}

/* The checks every successful V.8 run must pass; returns the caller's completion time. */
static double check_success(const run_out *o, const hs_sim_config *c, const char *label)
{
    char what[128];
    snprintf(what, sizeof what, "%s: caller result", label);
    hs_check_str(what, o->cres, "V.34 duplex");
    snprintf(what, sizeof what, "%s: answerer result", label);
    hs_check_str(what, o->ares, "V.34 duplex");
    const hs_event *ans = find(o, HS_EV_TX, HS_SRC_ANSWERER, "ANSam/");
    const hs_event *tone = find(o, HS_EV_TONE, HS_SRC_CALLER, NULL);
    const hs_event *cm = find(o, HS_EV_TX, HS_SRC_CALLER, "CM");
    const hs_event *rcm = find(o, HS_EV_V8_CM, HS_SRC_ANSWERER, NULL);
    const hs_event *jm = find(o, HS_EV_TX, HS_SRC_ANSWERER, "JM");
    const hs_event *rjm = find(o, HS_EV_V8_JM, HS_SRC_CALLER, NULL);
    const hs_event *cj = find(o, HS_EV_TX, HS_SRC_CALLER, "CJ");
    const hs_event *rcj = find(o, HS_EV_V8_CJ, HS_SRC_ANSWERER, NULL);
    const hs_event *cres = find(o, HS_EV_RESULT, HS_SRC_CALLER, NULL);
    const hs_event *ares = find(o, HS_EV_RESULT, HS_SRC_ANSWERER, NULL);
    snprintf(what, sizeof what, "%s: every V.8 event present", label);
    if (!hs_check_true(what, ans && tone && cm && rcm && jm && rjm && cj && rcj && cres && ares)) {
        print_timeline(o);
        return -1.0;
    }
    double delay = o->delay_s;   /* delay_ms plus what the clock-offset interpolator adds */
    (void)c;
    /* V.8 §8.2: >= 0.2 s of silence before ANSam. */
    snprintf(what, sizeof what, "%s: ANSam/ starts (s)", label);
    hs_check_above(what, sec(ans), 0.2, "s");
    /* V.25 §3.9: the answer tone is recognised 100-600 ms after it arrives... our detector
     * decides ANS/ANSam from the 15 Hz AM, which needs >= 0.88 s (tones helper); allow up to
     * 1.5 s after arrival at the caller. */
    snprintf(what, sizeof what, "%s: ANSam decision after arrival (s)", label);
    hs_check_below(what, sec(tone) - sec(ans) - delay, 1.5, "s");
    hs_check_str("tone classified", hs_event_field(tone, "name")->v.s, "ANSam/");
    /* V.8 §8.1.2: Te >= 0.5 s; impl. 1 s (echo cancellers): CM >= 1 s after the decision. */
    snprintf(what, sizeof what, "%s: Te, ANSam decision to CM (s)", label);
    hs_check_above(what, sec(cm) - sec(tone), 1.0, "s");
    /* Answerer: 2 identical CMs need 2 sequences + the next header: >= 159 bits (0.53 s)
     * after CM arrives, and within 2 more sequences (0.47 s) unless errors. */
    double cm_arrive = sec(cm) + delay;
    snprintf(what, sizeof what, "%s: CM accepted after it arrives (s)", label);
    hs_check_above(what, sec(rcm) - cm_arrive, 159.0 / 300.0, "s");
    hs_check_below(what, sec(rcm) - cm_arrive, 1.2, "s");
    snprintf(what, sizeof what, "%s: JM starts when CM is accepted (samples)", label);
    hs_check_int(what, (long long)jm->sample, (long long)rcm->sample);
    snprintf(what, sizeof what, "%s: JM accepted after it arrives (s)", label);
    hs_check_above(what, sec(rjm) - sec(jm) - delay, 159.0 / 300.0, "s");
    hs_check_below(what, sec(rjm) - sec(jm) - delay, 1.2, "s");
    /* CJ: after the current CM octet (<= 10 bits = 33 ms, or <= 20 bits in a header). */
    snprintf(what, sizeof what, "%s: CJ after JM accepted (s)", label);
    hs_check_below(what, sec(cj) - sec(rjm), 20.0 / 300.0 + 0.001, "s");
    /* Both end 75 ms after their last signal: caller 100 ms CJ + 75 ms after CJ start. */
    snprintf(what, sizeof what, "%s: caller result after CJ start (s)", label);
    hs_check_near(what, sec(cres) - sec(cj), 0.175, 0.0002, "s");
    snprintf(what, sizeof what, "%s: answerer result after CJ recognised (s)", label);
    hs_check_near(what, sec(ares) - sec(rcj), 0.075, 0.0002, "s");
    /* The received messages' contents: CM (a) and, from an equal answerer, JM (b2). */
    static const uint8_t a[] = { 0xC1, 0x45, 0x13, 0x10, 0x2A };
    snprintf(what, sizeof what, "%s: CM and JM are C1 45 13 10 2A", label);
    hs_check_true(what, rcm->npayload == 5 && !memcmp(rcm->payload, a, 5) && rjm->npayload == 5 &&
                            !memcmp(rjm->payload, a, 5));
    /* Events carry where the message began on the receiver's input: CM start + delay,
     * within a few samples (the demodulator's latency is a fixed estimate). */
    snprintf(what, sizeof what, "%s: CM event start vs CM arrival (ms)", label);
    hs_check_near(what, ((double)rcm->start / 8000.0 - cm_arrive) * 1000.0, 0.0, 2.0, "ms");
    return sec(cres);
}

static hs_sim_config base(void)
{
    hs_sim_config c = hs_sim_config_default();
    c.caller.trace = c.answerer.trace = 0;
    c.caller.stop_after = c.answerer.stop_after = HS_STOP_AFTER_V8;   /* V.8 alone */
    c.max_s = 40.0;
    return c;
}

static int clean_line(void)
{
    hs_sim_config c = base();
    run_out o;
    run(&c, &o);
    print_timeline(&o);
    hs_check_true("event order: phase V.8 first", o.n > 0 && o.ev[0].type == HS_EV_PHASE);
    double t = check_success(&o, &c, "clean");
    printf("V.8 complete on the default line (10 ms, 40 dB, mu-law): %.3f s\n", t);
    /* spec §5.1: "the whole V.8 phase ends roughly 3.5 s after the answerer goes off-hook" */
    hs_check_below("completion time (s)", t, 3.8, "s");
    return 0;
}

typedef struct { const char *label; double snr, delay_ms, offset_hz, ppm, echo_db, echo_ms; hs_codec codec; } impair;

static int impaired_lines(void)
{
    static const impair cases[] = {
        { "SNR 6 dB", 6.0, 10.0, 0.0, 0.0, -120.0, 0.0, HS_CODEC_ULAW },
        { "300 ms one way", 40.0, 300.0, 0.0, 0.0, -120.0, 0.0, HS_CODEC_ULAW },
        { "+10 Hz offset", 40.0, 10.0, 10.0, 0.0, -120.0, 0.0, HS_CODEC_ULAW },
        { "-10 Hz offset", 40.0, 10.0, -10.0, 0.0, -120.0, 0.0, HS_CODEC_ULAW },
        { "100 ppm", 40.0, 10.0, 0.0, 100.0, -120.0, 0.0, HS_CODEC_ULAW },
        { "-100 ppm", 40.0, 10.0, 0.0, -100.0, -120.0, 0.0, HS_CODEC_ULAW },
        { "A-law", 40.0, 10.0, 0.0, 0.0, -120.0, 0.0, HS_CODEC_ALAW },
        { "no codec", 40.0, 10.0, 0.0, 0.0, -120.0, 0.0, HS_CODEC_NONE },
        { "echo -15 dB 20 ms", 40.0, 10.0, 0.0, 0.0, -15.0, 20.0, HS_CODEC_ULAW },
        { "all at once", 10.0, 300.0, 10.0, 100.0, -15.0, 40.0, HS_CODEC_ALAW },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hs_sim_config c = base();
        c.line.snr_db = cases[i].snr;
        c.line.delay_ms = cases[i].delay_ms;
        c.line.offset_hz = cases[i].offset_hz;
        c.line.ppm = cases[i].ppm;
        c.line.echo_db = cases[i].echo_db;
        c.line.echo_ms = cases[i].echo_ms;
        c.line.codec = cases[i].codec;
        c.line.seed = 100 + i;
        run_out o;
        run(&c, &o);
        double t = check_success(&o, &c, cases[i].label);
        printf("%s: V.8 complete at %.3f s\n", cases[i].label, t);
    }
    return 0;
}

static int answerer_silent(void)
{
    /* Nothing answers: the caller gives up after its 1 s silence + T_ans 30 s (impl.);
     * the answerer (never sending) after 0.2 + 5 s + 75 ms. */
    hs_sim_config c = base();
    c.answerer.answer_tone = HS_ANSWER_SILENT;
    run_out o;
    run(&c, &o);
    hs_check_str("caller reason", o.cres, "no answer tone");
    hs_check_str("answerer reason", o.ares, "no CM");
    const hs_event *r = find(&o, HS_EV_RESULT, HS_SRC_CALLER, NULL);
    hs_check_near("caller gives up at (s)", sec(r), 31.0, 0.0002, "s");
    hs_check_true("result says ok=0, phase V.8", r && !hs_event_field(r, "ok")->v.i &&
                      !strcmp(hs_event_field(r, "phase")->v.s, "V.8"));
    hs_check_true("caller never sent CM", find(&o, HS_EV_TX, HS_SRC_CALLER, "CM") == NULL);
    return 0;
}

static int answerer_plain_ans(void)
{
    static const hs_answer_tone t[] = { HS_ANSWER_ANS, HS_ANSWER_ANS_PR };
    for (int k = 0; k < 2; k++) {
        hs_sim_config c = base();
        c.answerer.answer_tone = t[k];
        run_out o;
        run(&c, &o);
        hs_check_str("caller reason", o.cres, "answerer is not V.8 capable");
        hs_check_true("caller never sent CM", find(&o, HS_EV_TX, HS_SRC_CALLER, "CM") == NULL);
        const hs_event *tone = find(&o, HS_EV_TONE, HS_SRC_CALLER, NULL);
        hs_check_str("tone", tone ? hs_event_field(tone, "name")->v.s : NULL, k ? "ANS/" : "ANS");
        if (tone) printf("ANS%s classified at %.3f s, AM depth %.3f\n", k ? "/" : "", sec(tone),
                         hs_event_field(tone, "am_depth")->v.x);
    }
    return 0;
}

static int with_ci(void)
{
    hs_sim_config c = base();
    c.caller.send_ci = 1;
    c.line.echo_db = -15.0;   /* the caller hears its own CI 15 dB down */
    c.line.echo_ms = 20.0;
    run_out o;
    run(&c, &o);
    double t = check_success(&o, &c, "CI + echo");
    printf("with CI: V.8 complete at %.3f s\n", t);
    const hs_event *ci = find(&o, HS_EV_V8_CI, HS_SRC_ANSWERER, NULL);
    hs_check_true("answerer reported CI C1", ci && ci->npayload == 1 && ci->payload[0] == 0xC1);
    return 0;
}

static int low_snr_rate(void)
{
    /* Completion rate at 6 dB SNR: 10 seeds must all complete (an FSK message at Eb/N0 =
     * 16 dB has BER ~1e-6; what limits is the answer-tone classifier). The slow case below
     * runs 100 seeds for the >= 99 % claim. */
    int ok = 0, n = 10;
    for (int s = 0; s < n; s++) {
        hs_sim_config c = base();
        c.line.snr_db = 6.0;
        c.line.seed = 1000 + (uint64_t)s;
        run_out o;
        run(&c, &o);
        ok += o.cs == HS_MODEM_DONE && o.as == HS_MODEM_DONE;
    }
    printf("6 dB SNR: %d/%d completed\n", ok, n);
    hs_check_int("completed at 6 dB SNR", ok, n);
    return 0;
}

static int low_snr_rate_100(void)
{
    /* >= 99 % at 6 dB: 100 seeds, at most 1 failure. */
    int ok = 0, n = 100;
    for (int s = 0; s < n; s++) {
        hs_sim_config c = base();
        c.line.snr_db = 6.0;
        c.line.seed = 5000 + (uint64_t)s;
        run_out o;
        run(&c, &o);
        ok += o.cs == HS_MODEM_DONE && o.as == HS_MODEM_DONE;
    }
    printf("6 dB SNR: %d/%d completed\n", ok, n);
    hs_check_above("completion rate at 6 dB SNR", ok / (double)n, 0.99, "");
    return 0;
}

static int snr_sweep(void)
{
    /* Lower the SNR in 1 dB steps until a run fails (3 seeds per step); the failure point
     * must lie below 3 dB (the 6 dB requirement with a 3 dB margin), so the sweep starts
     * there. Measured: first failure at 0 dB. */
    double fail_at = 99.0;
    for (double snr = 3.0; snr >= -6.0; snr -= 1.0) {
        int ok = 0;
        for (int s = 0; s < 3; s++) {
            hs_sim_config c = base();
            c.line.snr_db = snr;
            c.line.seed = 77 + (uint64_t)s;
            c.caller.stop_after = c.answerer.stop_after = HS_STOP_AFTER_V8;
            run_out o;
            run(&c, &o);
            ok += o.cs == HS_MODEM_DONE && o.as == HS_MODEM_DONE;
        }
        printf("SNR %4.1f dB: %d/3 completed\n", snr, ok);
        if (ok < 3) { fail_at = snr; break; }
    }
    hs_check_below("highest SNR with a failure (dB)", fail_at, 2.0, "dB");
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(clean_line),
    HS_CASE(impaired_lines),
    HS_CASE(answerer_silent),
    HS_CASE(answerer_plain_ans),
    HS_CASE(with_ci),
    HS_CASE(low_snr_rate),
    HS_CASE_SLOW(low_snr_rate_100),
    HS_CASE(snr_sweep)
)
