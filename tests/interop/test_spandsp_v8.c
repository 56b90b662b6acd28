/* V.8 against spandsp 0.0.6 (Debian; V.8 and V.21, no V.34).
 *  - spandsp_exchange_decoded: a spandsp caller/answerer exchange is decoded by our own
 *    receivers, independent of our state machines: ANSam/ by dsp/ansam, CI/CM/CJ and JM by
 *    dsp/fsk + dsp/v8msg.
 *  - (with dsp/modem.h implemented) our caller against spandsp's answerer and spandsp's
 *    caller against our answerer, both must end in V.34 duplex.
 * Levels: float 1.0 = int16 32767 (tests/common/tones_s16.h). */
#include "hs_test.h"
#include "ansam.h"
#include "bitq.h"
#include "fsk.h"
#include "modem.h"
#include "v8msg.h"

#if HS_HAVE_SPANDSP
#include "tones_spandsp.h"
#include "wavio.h"

#define RATE HS_RATE
#define SP_MODES (V8_MOD_V34 | V8_MOD_V32 | V8_MOD_V22 | V8_MOD_V21)
#define OUR_MODES (HS_MOD_V34_DUPLEX | HS_MOD_V32BIS | HS_MOD_V22BIS | HS_MOD_V21)

typedef struct {
    int      ci, cm, cj;
    uint8_t  cm_oct[HS_V8_MAX_OCTETS];
    size_t   cm_n;
    uint64_t cm_at, cj_at;
} decoded;

/* Our V.21 receiver for channel ch + V.8 message receiver over x[0..n). */
static void decode_v21(const float *x, size_t n, int ch, decoded *d)
{
    memset(d, 0, sizeof *d);
    hs_fsk_config c = hs_fsk_config_v21(ch);
    hs_fsk_rx *rx;
    hs_fsk_rx_create(&c, &rx);
    hs_v8rx *v;
    hs_v8rx_create(&v);
    hs_bitq q;
    hs_bitq_init(&q);
    for (size_t i = 0; i < n; i += 160) {
        size_t m = n - i < 160 ? n - i : 160;
        hs_fsk_rx_process(rx, x + i, m, &q);
        int b;
        while ((b = hs_bitq_pop(&q)) >= 0) {
            unsigned f = hs_v8rx_bit(v, b, i + m);
            if (f & HS_V8RX_CI) d->ci++;
            if (f & HS_V8RX_CM) {
                d->cm++;
                d->cm_n = hs_v8rx_get(v, HS_V8RX_CM, d->cm_oct, sizeof d->cm_oct, &d->cm_at);
            }
            if (f & HS_V8RX_CJ) {
                d->cj++;
                uint8_t o[4];
                hs_v8rx_get(v, HS_V8RX_CJ, o, sizeof o, &d->cj_at);
            }
        }
    }
    hs_v8rx_destroy(v);
    hs_fsk_rx_destroy(rx);
}

static void hexs(const uint8_t *o, size_t n, char *s, size_t cap)
{
    size_t u = 0;
    s[0] = 0;
    for (size_t i = 0; i < n && u + 4 < cap; i++) u += (size_t)snprintf(s + u, cap - u, "%02X ", o[i]);
}

static int spandsp_exchange_decoded(void)
{
    const size_t max = 12 * RATE;
    float *a = calloc(max, sizeof *a), *b = calloc(max, sizeof *b);
    hs_sp_v8 *caller = hs_sp_v8_create(1, SP_MODES), *answerer = hs_sp_v8_create(0, SP_MODES);
    size_t n = 0;
    float za[160] = { 0 }, zb[160] = { 0 };
    /* caller hears the answerer's previous block and vice versa (one block of delay) */
    while (n + 160 <= max) {
        hs_sp_v8_process(caller, n ? b + n - 160 : zb, a + n, 160);
        hs_sp_v8_process(answerer, n ? a + n - 160 : za, b + n, 160);
        n += 160;
        if (caller->done && answerer->done && n > caller->done_at + RATE / 2) break;
    }
    printf("  spandsp pair: caller done=%d at %.2f s, answerer done=%d at %.2f s, modulations 0x%x\n",
           caller->done, (double)caller->done_at / RATE, answerer->done, (double)answerer->done_at / RATE,
           caller->modulations);
    hs_check_int("spandsp pair negotiated (caller)", caller->done, 1);
    hs_check_int("spandsp pair negotiated (answerer)", answerer->done, 1);

    /* answer tone, from the answerer's transmit signal */
    hs_ansdet *d;
    hs_ansdet_create(&d);
    hs_ansdet_process(d, b, n);
    hs_ansdet_result r;
    hs_ansdet_get(d, &r);
    hs_ansdet_destroy(d);
    printf("  spandsp answer tone: state %d, start %.3f s, decided %.3f s, end %.3f s, %.2f Hz, "
           "%.2f dBm0, depth %.3f, %d reversals (%.1f ms)\n", r.state, (double)r.tone_start / RATE,
           (double)r.decided_at / RATE, (double)r.tone_end / RATE, r.freq_hz, r.level_dbm0, r.am_depth,
           r.reversals, r.reversal_ms);
    hs_check_int("spandsp answerer sends ANSam (ours: ANSAM)", r.state, HS_ANSDET_ANSAM);

    /* caller's V.21(L): CI, CM, CJ */
    decoded dc, dj;
    decode_v21(a, n, 1, &dc);
    char s[128];
    hexs(dc.cm_oct, dc.cm_n, s, sizeof s);
    printf("  caller V.21(L): %d CI, CM [%s] at %.3f s, CJ %d at %.3f s\n", dc.ci, s,
           (double)dc.cm_at / RATE, dc.cj, (double)dc.cj_at / RATE);
    hs_v8_fields f;
    /* spandsp 0.0.6's caller sends nothing before the answer tone even with send_ci = 1
     * (checked: v8_tx returns 0 samples for 6 s of silence), so no CI is expected here. */
    hs_check_above("CM accepted", dc.cm, 1, "");
    hs_check_int("CM parses", hs_v8msg_parse(dc.cm_oct, dc.cm_n, &f), 0);
    hs_check_int("CM call function: data", f.callf0, HS_V8_CALLF0_DATA);
    hs_check_int("CM modes = V.34 duplex, V.32bis, V.22bis, V.21 (what spandsp offers)", f.modes, OUR_MODES);
    hs_check_true("CM protocol LAPM", f.has_prot && f.prot0 == HS_V8_PROT0_LAPM);
    hs_check_above("CJ decoded", dc.cj, 1, "");
    /* answerer's V.21(H): JM */
    decode_v21(b, n, 2, &dj);
    hexs(dj.cm_oct, dj.cm_n, s, sizeof s);
    printf("  answerer V.21(H): JM [%s] at %.3f s\n", s, (double)dj.cm_at / RATE);
    hs_check_above("JM accepted", dj.cm, 1, "");
    hs_check_int("JM parses", hs_v8msg_parse(dj.cm_oct, dj.cm_n, &f), 0);
    hs_check_int("JM modes", f.modes, OUR_MODES);
    hs_check_int("mode choice: V.34 duplex", hs_v8_choose_mode(f.modes), HS_MOD_V34_DUPLEX);
    hs_check_true("order: ANSam decided < CM < JM < CJ",
                  r.decided_at < dc.cm_at && dc.cm_at < dj.cm_at && dj.cm_at < dc.cj_at);

    /* the same exchange as a recording (left: spandsp's caller, right: its answerer), read
     * by `handshake analyze` as a user would */
    char wav[512], err[256], cmd[1400], out[16384];
    hs_test_tmp_path("spandsp_v8_exchange.wav", wav, sizeof wav);
    hs_wav_out *w;
    const float *chans[2] = { a, b };
    int wok = hs_wav_out_open(wav, 2, &w, err, sizeof err) == 0 &&
              hs_wav_out_write(w, chans, n, err, sizeof err) == 0 && hs_wav_out_close(w, err, sizeof err) == 0;
    hs_check_true("spandsp exchange written as a stereo WAV", wok);
    snprintf(cmd, sizeof cmd, "'%s' analyze '%s' --events json", hs_test_bin(), wav);
    int st = hs_test_run(cmd, out, sizeof out);
    hs_check_int("analyze exit status (signals found)", st, 0);
    hs_check_true("analyze: ANSam/ with reversals", strstr(out, "\"name\":\"ANSam/\"") != NULL);
    hs_check_true("analyze: CM C1 45 13 90 2A on channel 1",
                  strstr(out, "\"channel\":1,\"type\":\"v8.cm\"") && strstr(out, "\"octets\":\"C1 45 13 90 2A\""));
    hs_check_true("analyze: JM on channel 2", strstr(out, "\"channel\":2,\"type\":\"v8.jm\"") != NULL);
    hs_check_true("analyze: CJ", strstr(out, "\"type\":\"v8.cj\"") != NULL);
    hs_sp_v8_destroy(caller);
    hs_sp_v8_destroy(answerer);
    free(a);
    free(b);
    return 0;
}

/* ---- our endpoint against spandsp's ---- */

typedef struct {
    int      result_ok;           /* HS_EV_RESULT seen: 1 ok, -1 failed, 0 none */
    char     mode[32];
    uint64_t result_at;
    int      tone;                /* HS_EV_TONE seen */
    char     tone_name[16];
    double   tone_depth, tone_rev_ms;
    uint64_t tone_at;
    int      cm, jm, cj;
    uint8_t  msg[HS_V8_MAX_OCTETS];
    size_t   msg_n;
} our_log;

static void drain(hs_modem *m, our_log *g)
{
    hs_event e;
    while (hs_modem_poll(m, &e)) {
        const hs_field *f;
        switch (e.type) {
        case HS_EV_RESULT:
            f = hs_event_field(&e, "ok");
            g->result_ok = f && f->v.i ? 1 : -1;
            f = hs_event_field(&e, g->result_ok == 1 ? "mode" : "reason");
            snprintf(g->mode, sizeof g->mode, "%s", f && f->kind == HS_F_STR ? f->v.s : "?");
            g->result_at = e.sample;
            break;
        case HS_EV_TONE:
            if (g->tone) break;
            g->tone = 1;
            g->tone_at = e.sample;
            f = hs_event_field(&e, "name");
            snprintf(g->tone_name, sizeof g->tone_name, "%s", f && f->kind == HS_F_STR ? f->v.s : "?");
            f = hs_event_field(&e, "am_depth");
            g->tone_depth = f ? f->v.x : 0.0;
            f = hs_event_field(&e, "reversal_ms");
            g->tone_rev_ms = f ? f->v.x : 0.0;
            break;
        case HS_EV_V8_CM:
        case HS_EV_V8_JM:
            if (e.type == HS_EV_V8_CM) g->cm++;
            else g->jm++;
            if (e.payload_kind == HS_PAYLOAD_OCTETS) {
                g->msg_n = e.npayload < sizeof g->msg ? e.npayload : sizeof g->msg;
                memcpy(g->msg, e.payload, g->msg_n);
            }
            break;
        case HS_EV_V8_CJ: g->cj++; break;
        default: break;
        }
    }
}

/* Runs our endpoint (role) against spandsp's opposite endpoint, directly connected with one
 * 160-sample block of delay each way, for up to 15 s. */
static void run_mixed(hs_role role, hs_sp_v8 **sp_out, our_log *g)
{
    hs_modem_config c = hs_modem_config_default(role);
    c.modes = OUR_MODES;
    c.stop_after = HS_STOP_AFTER_V8;    /* spandsp 0.0.6 has no V.34: V.8 is the common part */
    hs_modem *m;
    hs_check_int("our modem created", hs_modem_create(&c, &m), HS_OK);
    hs_sp_v8 *sp = hs_sp_v8_create(role == HS_ROLE_CALLER ? 0 : 1, SP_MODES);
    memset(g, 0, sizeof *g);
    float to_us[160] = { 0 }, to_sp[160] = { 0 }, ours[160], theirs[160];
    for (uint64_t n = 0; n < (uint64_t)15 * RATE; n += 160) {
        hs_modem_process(m, to_us, ours, 160);
        hs_sp_v8_process(sp, to_sp, theirs, 160);
        drain(m, g);
        memcpy(to_sp, ours, sizeof ours);
        memcpy(to_us, theirs, sizeof theirs);
        if (g->result_ok && sp->done && n > sp->done_at + RATE / 2) break;
    }
    hs_modem_destroy(m);
    *sp_out = sp;
}

static void report(const char *who, const our_log *g, const hs_sp_v8 *sp)
{
    char s[128];
    hexs(g->msg, g->msg_n, s, sizeof s);
    printf("  %s: our result %s \"%s\" at %.2f s; our tone event %s (depth %.3f, rev %.1f ms) at %.2f s;"
           " last CM/JM [%s]\n", who, g->result_ok == 1 ? "ok" : g->result_ok ? "FAILED" : "none", g->mode,
           (double)g->result_at / RATE, g->tone ? g->tone_name : "-", g->tone_depth, g->tone_rev_ms,
           (double)g->tone_at / RATE, s);
    printf("  spandsp: status %d (%s) at %.2f s, modulations 0x%x:", sp->status,
           sp->done == 1 ? "V.8 call" : "not V.8", (double)sp->done_at / RATE, sp->modulations);
    for (int b = 0; b < 16; b++) if (sp->modulations & (1u << b)) printf(" [%s]", v8_modulation_to_str(1 << b));
    printf("\n");
}

/* Our caller, spandsp's answerer: both end with V.34 duplex (spandsp reports V8_CALL and
 * V.34 in the common modulations; we report HS_EV_RESULT ok, mode "V.34 duplex"). */
static int our_caller_spandsp_answerer(void)
{
    hs_sp_v8 *sp;
    our_log g;
    run_mixed(HS_ROLE_CALLER, &sp, &g);
    report("our caller vs spandsp answerer", &g, sp);
    hs_check_int("our caller: result ok", g.result_ok, 1);
    hs_check_str("our caller: mode", g.mode, "V.34 duplex");
    hs_check_str("our caller: answer tone recognised", g.tone_name, "ANSam/");
    hs_check_above("our caller: JM accepted", g.jm, 1, "");
    hs_check_int("spandsp answerer: V.8 call", sp->status, V8_STATUS_V8_CALL);
    hs_check_true("spandsp answerer: V.34 in the common modulations", (sp->modulations & V8_MOD_V34) != 0);
    hs_check_below("negotiated within", (double)g.result_at / RATE, 8.0, "s");
    hs_sp_v8_destroy(sp);
    return 0;
}

/* spandsp's caller, our answerer. */
static int spandsp_caller_our_answerer(void)
{
    hs_sp_v8 *sp;
    our_log g;
    run_mixed(HS_ROLE_ANSWERER, &sp, &g);
    report("spandsp caller vs our answerer", &g, sp);
    hs_check_int("our answerer: result ok", g.result_ok, 1);
    hs_check_str("our answerer: mode", g.mode, "V.34 duplex");
    hs_check_above("our answerer: CM accepted", g.cm, 1, "");
    hs_check_above("our answerer: CJ seen", g.cj, 1, "");
    hs_check_int("spandsp caller: V.8 call", sp->status, V8_STATUS_V8_CALL);
    hs_check_true("spandsp caller: V.34 in the common modulations", (sp->modulations & V8_MOD_V34) != 0);
    hs_check_below("negotiated within", (double)g.result_at / RATE, 8.0, "s");
    hs_sp_v8_destroy(sp);
    return 0;
}

#else
static int spandsp_exchange_decoded(void) { return HS_SKIP; }
static int our_caller_spandsp_answerer(void) { return HS_SKIP; }
static int spandsp_caller_our_answerer(void) { return HS_SKIP; }
#endif

HS_TEST_MAIN(
    HS_CASE(spandsp_exchange_decoded),
    HS_CASE(our_caller_spandsp_answerer),
    HS_CASE(spandsp_caller_our_answerer)
)
