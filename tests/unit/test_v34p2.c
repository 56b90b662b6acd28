/* V.34 phase 2 state machines (dsp/v34p2.h): a call and an answer modem over the line
 * simulator (dsp/line.h). Round-trip delay at both ends, INFO0 error recovery, time-outs
 * with reasons, impaired lines, determinism and block-size independence. */
#include "hs_test.h"
#include "line.h"
#include "v34p2.h"

#include <stdlib.h>

typedef struct {
    hs_v34p2_status st_c, st_a;
    const char *why_c, *why_a;
    double rtd_c, rtd_a, line_rtd_ms;
    hs_v34p2_choice ch_c, ch_a;
    uint64_t samples, info0_c, info0_a;
    int n_info0_bad, n_info0_ok, n_probe, n_rtd, n_choice, n_info1_ok;
    uint64_t hash;               /* of both transmit signals and all events */
    uint64_t hev[2];             /* events per side (the drain order between sides varies) */
} pair_result;

static uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001B3ull; }

static void drain(hs_evq *q, pair_result *r, int side)
{
    hs_event e;
    while (hs_evq_pop(q, &e)) {
        r->hev[side] = mix(r->hev[side], e.sample);
        r->hev[side] = mix(r->hev[side], e.type);
        r->hev[side] = mix(r->hev[side], e.nfields);
        const hs_field *ok = hs_event_field(&e, "crc_ok");
        switch (e.type) {
        case HS_EV_V34_INFO0A:
        case HS_EV_V34_INFO0C:
            if (ok && ok->v.i) r->n_info0_ok++; else r->n_info0_bad++;
            break;
        case HS_EV_V34_INFO1A:
        case HS_EV_V34_INFO1C:
            if (ok && ok->v.i) r->n_info1_ok++;
            break;
        case HS_EV_V34_PROBE: r->n_probe++; break;
        case HS_EV_V34_RTD: r->n_rtd++; break;
        case HS_EV_V34_CHOICE: r->n_choice++; break;
        default: break;
        }
    }
}

/* Runs both modems (started at sample 0) over the line in blocks of `chunk` samples (0 =
 * as large as the line's look-ahead allows) until both stopped or max_s. */
static float *rec_c, *rec_a;      /* when set: what each modem sent (max_s long) */

static pair_result run_pair_ex(const hs_line_config *lc, const hs_v34p2_config *cc,
                               const hs_v34p2_config *ac, size_t chunk, double max_s, int fixed)
{
    pair_result r;
    memset(&r, 0, sizeof r);
    r.hash = 1469598103934665603ull;
    hs_line *line;
    hs_evq *qc, *qa;
    hs_v34p2 *c, *a;
    hs_line_create(lc, &line);
    hs_evq_create(4096, &qc);
    hs_evq_create(4096, &qa);
    hs_v34p2_create(cc, qc, &c);
    hs_v34p2_create(ac, qa, &a);
    hs_v34p2_start(c, 0);
    hs_v34p2_start(a, 0);
    size_t la = hs_line_get_lookahead(line);
    size_t blk = chunk ? chunk : la;
    if (blk > la) blk = la;
    if (blk > 4096) blk = 4096;
    float rc[4096], ra[4096], tc[4096], ta[4096];
    uint64_t n = 0, end = (uint64_t)(max_s * HS_RATE), stop_at = UINT64_MAX;
    while (n < end && n < stop_at) {
        size_t k = blk;
        if (k > end - n) k = (size_t)(end - n);
        hs_line_output(line, ra, rc, k);
        hs_v34p2_process(c, rc, tc, k);
        hs_v34p2_process(a, ra, ta, k);
        hs_line_input(line, tc, ta, k);
        if (rec_c) memcpy(rec_c + n, tc, k * sizeof *tc);
        if (rec_a) memcpy(rec_a + n, ta, k * sizeof *ta);
        for (size_t i = 0; i < k; i++) {
            uint32_t u, v;
            memcpy(&u, &tc[i], 4);
            memcpy(&v, &ta[i], 4);
            r.hash = mix(mix(r.hash, u), v);
        }
        n += k;
        drain(qc, &r, 0);
        drain(qa, &r, 1);
        if (!fixed && stop_at == UINT64_MAX && hs_v34p2_get_status(c) != HS_V34P2_RUNNING
            && hs_v34p2_get_status(a) != HS_V34P2_RUNNING)
            stop_at = n + 800;
    }
    r.samples = n;
    r.hash = mix(mix(r.hash, r.hev[0]), r.hev[1]);
    r.st_c = hs_v34p2_get_status(c);
    r.st_a = hs_v34p2_get_status(a);
    r.why_c = hs_v34p2_get_reason(c);
    r.why_a = hs_v34p2_get_reason(a);
    r.rtd_c = hs_v34p2_get_rtd_ms(c);
    r.rtd_a = hs_v34p2_get_rtd_ms(a);
    r.ch_c = hs_v34p2_get_choice(c);
    r.ch_a = hs_v34p2_get_choice(a);
    r.info0_c = hs_v34p2_get_info0_sent(c);
    r.info0_a = hs_v34p2_get_info0_sent(a);
    r.line_rtd_ms = 2.0 * (double)hs_line_get_delay_samples(line) * 1000.0 / HS_RATE;
    hs_v34p2_destroy(c);
    hs_v34p2_destroy(a);
    hs_evq_destroy(qc);
    hs_evq_destroy(qa);
    hs_line_destroy(line);
    return r;
}

static pair_result run_pair(const hs_line_config *lc, const hs_v34p2_config *cc,
                            const hs_v34p2_config *ac, size_t chunk, double max_s)
{
    return run_pair_ex(lc, cc, ac, chunk, max_s, 0);
}

static int completed(const char *name, const pair_result *r)
{
    char what[160];
    snprintf(what, sizeof what, "%s: call modem done (%s)", name, r->why_c);
    int ok = hs_check_int(what, r->st_c, HS_V34P2_DONE);
    snprintf(what, sizeof what, "%s: answer modem done (%s)", name, r->why_a);
    ok &= hs_check_int(what, r->st_a, HS_V34P2_DONE);
    return ok;
}

static int clean_line_completes(void)
{
    hs_line_config lc = hs_line_config_default();
    hs_v34p2_config cc = hs_v34p2_config_default(0), ac = hs_v34p2_config_default(1);
    pair_result r = run_pair(&lc, &cc, &ac, 0, 8.0);
    completed("default line", &r);
    /* RTD: both ends measure the line's round trip (2 x one-way delay incl. band filter) */
    hs_check_near("call modem RTD", r.rtd_c, r.line_rtd_ms, 1.0, "ms");
    hs_check_near("answer modem RTD", r.rtd_a, r.line_rtd_ms, 1.0, "ms");
    hs_check_int("INFO0 received with good CRC", r.n_info0_ok, 2);
    hs_check_int("INFO0 with bad CRC", r.n_info0_bad, 0);
    hs_check_int("INFO1c and INFO1a received", r.n_info1_ok, 2);
    hs_check_int("probe events (21 tones x 2)", r.n_probe, 42);
    hs_check_int("choices", r.n_choice, 2);
    /* default line: 300-3400 Hz band, 40+ dB SNR -> a high symbol rate both ways */
    hs_check_above("call->answer symbol rate", r.ch_c.symbol_rate, 3000, "Bd");
    hs_check_above("answer->call symbol rate", r.ch_a.symbol_rate, 3000, "Bd");
    hs_check_int("same symbol rate both ways", r.ch_c.symbol_rate, r.ch_a.symbol_rate);
    /* V.8 end -> INFO1a: 75 + 83 + ~100 + RTD + 170 + ~480 + ... about 2 s on a short line */
    hs_check_below("phase 2 length", r.samples / 8000.0, 4.0, "s");
    return 0;
}

static int rtd_sweep(void)
{
    /* Round-trip delays from the minimum (about 17 ms: band filter) to 1200 ms. The reply
     * is scheduled on the 1/3-sample grid and reversals are timed to ~0.1 sample on a clean
     * line: limit +-1 ms (issue). */
    static const double one_way_ms[] = { 0.0, 20.0, 75.0, 150.0, 300.0, 450.0, 600.0 };
    for (size_t i = 0; i < sizeof one_way_ms / sizeof one_way_ms[0]; i++) {
        hs_line_config lc = hs_line_config_default();
        lc.delay_ms = one_way_ms[i];
        lc.seed = 100 + i;
        hs_v34p2_config cc = hs_v34p2_config_default(0), ac = hs_v34p2_config_default(1);
        pair_result r = run_pair(&lc, &cc, &ac, 0, 12.0);
        char what[96];
        snprintf(what, sizeof what, "one-way %.0f ms", one_way_ms[i]);
        completed(what, &r);
        snprintf(what, sizeof what, "call modem RTD, line RTD %.2f ms", r.line_rtd_ms);
        hs_check_near(what, r.rtd_c, r.line_rtd_ms, 1.0, "ms");
        snprintf(what, sizeof what, "answer modem RTD, line RTD %.2f ms", r.line_rtd_ms);
        hs_check_near(what, r.rtd_a, r.line_rtd_ms, 1.0, "ms");
    }
    return 0;
}

static int info0_error_recovery(void)
{
    /* A bad INFO0 (CRC) from either side, or both: the receiver hears the far tone without a
     * good INFO0 and repeats its own; the acknowledge bit ends the repetition [11.2.2]. */
    for (int who = 1; who <= 3; who++) {
        hs_line_config lc = hs_line_config_default();
        hs_v34p2_config cc = hs_v34p2_config_default(0), ac = hs_v34p2_config_default(1);
        cc.corrupt_info0 = (who & 1) ? 1 : 0;
        ac.corrupt_info0 = (who & 2) ? 1 : 0;
        pair_result r = run_pair(&lc, &cc, &ac, 0, 10.0);
        char what[96];
        snprintf(what, sizeof what, "bad first INFO0 from %s", who == 1 ? "caller" : who == 2 ? "answerer" : "both");
        completed(what, &r);
        hs_check_above("INFO0 with bad CRC seen", r.n_info0_bad, who == 3 ? 2 : 1, "");
        hs_check_above("INFO0 sent by the side with the bad one", (double)((who & 1) ? r.info0_c : r.info0_a), 2, "");
        hs_check_near("RTD still right", r.rtd_a, r.line_rtd_ms, 1.0, "ms");
    }
    return 0;
}

static int missing_frame_fails_with_reason(void)
{
    /* The far modem goes quiet at various points: the other one must stop with a reason
     * within its time-outs (largest: 2000 ms + 2 RTD for INFO1c), never hang. */
    static const int mute_ms[] = { 100, 400, 1000, 1500, 1900 };
    for (int side = 0; side < 2; side++)
        for (size_t i = 0; i < sizeof mute_ms / sizeof mute_ms[0]; i++) {
            hs_line_config lc = hs_line_config_default();
            hs_v34p2_config cc = hs_v34p2_config_default(0), ac = hs_v34p2_config_default(1);
            if (side) ac.mute_after_ms = mute_ms[i]; else cc.mute_after_ms = mute_ms[i];
            pair_result r = run_pair(&lc, &cc, &ac, 0, 25.0);
            char what[160];
            hs_v34p2_status st = side ? r.st_c : r.st_a;
            const char *why = side ? r.why_c : r.why_a;
            snprintf(what, sizeof what, "%s muted at %d ms: %s stops (%s)", side ? "answerer" : "caller",
                     mute_ms[i], side ? "caller" : "answerer", why);
            hs_check_int(what, st, HS_V34P2_FAILED);
            hs_check_true("reason given", why && strlen(why) > 5 && strcmp(why, "ok") != 0);
            hs_check_below("stopped within (s)", r.samples / 8000.0, 21.0, "s");
        }
    return 0;
}

static int impaired_lines(void)
{
    struct { const char *name; double snr, off, ppm, echo_db, atten; hs_codec codec; } cases[] = {
        { "SNR 25 dB", 25.0, 0.0, 0.0, -100.0, 0.0, HS_CODEC_NONE },
        { "SNR 15 dB", 15.0, 0.0, 0.0, -100.0, 0.0, HS_CODEC_NONE },
        { "offset 7 Hz", 40.0, 7.0, 0.0, -100.0, 0.0, HS_CODEC_NONE },
        { "clock 100 ppm", 40.0, 0.0, 100.0, -100.0, 0.0, HS_CODEC_NONE },
        { "mu-law", 101.0, 0.0, 0.0, -100.0, 0.0, HS_CODEC_ULAW },
        { "A-law, 20 dB loss, echo -10 dB", 35.0, 0.0, 0.0, -10.0, 20.0, HS_CODEC_ALAW },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hs_line_config lc = hs_line_config_default();
        lc.snr_db = cases[i].snr;
        lc.offset_hz = cases[i].off;
        lc.ppm = cases[i].ppm;
        lc.echo_db = cases[i].echo_db;
        lc.echo_ms = 15.0;
        lc.atten_db = cases[i].atten;
        lc.codec = cases[i].codec;
        lc.seed = 7 + i;
        hs_v34p2_config cc = hs_v34p2_config_default(0), ac = hs_v34p2_config_default(1);
        pair_result r = run_pair(&lc, &cc, &ac, 0, 10.0);
        if (!completed(cases[i].name, &r)) continue;
        char what[96];
        snprintf(what, sizeof what, "%s: RTD (call) within 1 ms", cases[i].name);
        hs_check_near(what, r.rtd_c, r.line_rtd_ms, cases[i].ppm > 0 ? 1.5 : 1.0, "ms");
        snprintf(what, sizeof what, "%s: symbol rate %d, %d bit/s", cases[i].name, r.ch_c.symbol_rate, r.ch_c.max_rate_bps);
        hs_check_above(what, r.ch_c.symbol_rate, 2400, "Bd");
    }
    return 0;
}

static int determinism_and_chunking(void)
{
    hs_line_config lc = hs_line_config_default();
    lc.snr_db = 30.0;
    lc.delay_ms = 37.0;
    hs_v34p2_config cc = hs_v34p2_config_default(0), ac = hs_v34p2_config_default(1);
    cc.trace = ac.trace = 1;
    static const size_t chunks[] = { 1, 7, 160, 0 };
    pair_result r0 = run_pair_ex(&lc, &cc, &ac, 1, 4.0, 1);
    completed("reference run", &r0);
    pair_result again = run_pair_ex(&lc, &cc, &ac, 1, 4.0, 1);
    hs_check_true("same seed: identical signals and events", again.hash == r0.hash);
    for (int i = 1; i < 4; i++) {
        pair_result r = run_pair_ex(&lc, &cc, &ac, chunks[i], 4.0, 1);
        char what[80];
        snprintf(what, sizeof what, "blocks of %zu: identical signals and events", chunks[i]);
        hs_check_true(what, r.hash == r0.hash && r.samples == r0.samples);
    }
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(clean_line_completes),
    HS_CASE(rtd_sweep),
    HS_CASE(info0_error_recovery),
    HS_CASE(missing_frame_fails_with_reason),
    HS_CASE(impaired_lines),
    HS_CASE(determinism_and_chunking)
)
