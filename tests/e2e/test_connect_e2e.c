/* The whole start-up end to end: V.8 -> V.34 phase 2 -> phases 3 and 4 -> CONNECT, caller and
 * answerer endpoints (dsp/modem.h) over the line simulator (dsp/sim.h). Clean and impaired
 * lines, rate versus SNR against the digest's §9 rule (b), a line too poor for any rate, the
 * timeline of the whole handshake, and block-size independence. */
#include "hs_test.h"
#include "line.h"
#include "modem.h"
#include "sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int    done[2], ok[2];
    const char *res[2], *phase[2];
    int    tx_bps[2], rx_bps[2];       /* from each endpoint's connect */
    double sym[2], carrier[2], snr[2]; /* own transmitter; SNR of what it receives */
    double t_v8_end[2], t_p3[2], t_p4[2], t_connect[2], t_end;
    double t_tx_j[2], t_tx_s[2];        /* first tx J / S in phase 3 */
    int    n_eq[2], n_mp_ok[2], n_e[2], n_b1[2], n_trn[2];
    uint64_t hash, hev;
} run_out;

static uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001B3ull; }
static double sec(uint64_t s) { return (double)s / HS_RATE; }

static void take(run_out *o, const hs_event *e)
{
    o->hev = mix(mix(mix(o->hev, e->sample), e->type), e->source);
    int k = e->source == HS_SRC_CALLER ? 0 : 1;
    const hs_field *f;
    switch (e->type) {
    case HS_EV_RESULT:
        f = hs_event_field(e, "ok");
        o->done[k] = 1;
        o->ok[k] = f && f->v.i;
        f = hs_event_field(e, o->ok[k] ? "mode" : "reason");
        o->res[k] = f ? f->v.s : "?";
        f = hs_event_field(e, "phase");
        o->phase[k] = f ? f->v.s : "?";
        o->t_end = sec(e->sample);
        break;
    case HS_EV_PHASE:
        f = hs_event_field(e, "name");
        if (f && strcmp(f->v.s, "V.34 phase 2") == 0) o->t_v8_end[k] = sec(e->sample);
        if (f && strcmp(f->v.s, "V.34 phase 3") == 0) o->t_p3[k] = sec(e->sample);
        if (f && strcmp(f->v.s, "V.34 phase 4") == 0) o->t_p4[k] = sec(e->sample);
        break;
    case HS_EV_TX:
        f = hs_event_field(e, "signal");
        if (o->t_p3[k] > 0.0 && f && strcmp(f->v.s, "J") == 0 && o->t_tx_j[k] == 0.0) o->t_tx_j[k] = sec(e->sample);
        if (o->t_p3[k] > 0.0 && f && strcmp(f->v.s, "S") == 0 && o->t_tx_s[k] == 0.0) o->t_tx_s[k] = sec(e->sample);
        break;
    case HS_EV_CONNECT:
        o->tx_bps[k] = (int)hs_event_field(e, "tx_rate_bps")->v.i;
        o->rx_bps[k] = (int)hs_event_field(e, "rx_rate_bps")->v.i;
        o->sym[k] = hs_event_field(e, "symbol_rate")->v.x;
        o->carrier[k] = hs_event_field(e, "carrier_hz")->v.x;
        o->snr[k] = hs_event_field(e, "snr_db")->v.x;
        o->t_connect[k] = sec(e->sample);
        break;
    case HS_EV_V34_EQ: o->n_eq[k]++; break;
    case HS_EV_V34_TRN: o->n_trn[k]++; break;
    case HS_EV_V34_MP:
        f = hs_event_field(e, "crc_ok");
        if (f && f->v.i) o->n_mp_ok[k]++;
        break;
    case HS_EV_V34_E: o->n_e[k]++; break;
    case HS_EV_V34_B1: o->n_b1[k]++; break;
    default: break;
    }
}

static run_out run(const hs_sim_config *c, size_t block)
{
    run_out o;
    memset(&o, 0, sizeof o);
    o.res[0] = o.res[1] = o.phase[0] = o.phase[1] = "-";
    o.hash = o.hev = 1469598103934665603ull;
    hs_sim *s;
    if (hs_sim_create(c, &s) != HS_OK) return o;
    size_t cap = block > 8000 ? block : 8000;
    float *a = malloc(sizeof(float) * cap), *b = malloc(sizeof(float) * cap);
    size_t got;
    while ((got = hs_sim_step(s, block, a, b, NULL, NULL)) > 0) {
        for (size_t i = 0; i < got; i++) {
            uint32_t u, v;
            memcpy(&u, &a[i], 4);
            memcpy(&v, &b[i], 4);
            o.hash = mix(mix(o.hash, u), v);
        }
        hs_event e;
        while (hs_sim_poll(s, &e)) take(&o, &e);
    }
    hs_sim_destroy(s);
    free(a);
    free(b);
    return o;
}

static hs_sim_config base(void)
{
    hs_sim_config c = hs_sim_config_default();
    c.max_s = 30.0;
    return c;
}

/* Digest §9 rule (b): bits per 2D symbol = (SNR - 4 dB) / 3.01 dB; the data rate a receiver
 * with SNR `snr` after equalisation can carry at symbol rate `sym` (no margin). */
static double rule_b_bps(double snr, double sym)
{
    double b = (snr - 4.0) / 3.01;
    return b > 0.0 ? b * sym : 0.0;
}

static void show(const char *name, const run_out *o)
{
    printf("%s: caller %s (%s) tx %d rx %d bit/s at %.0f Bd, SNR %.1f dB; answerer %s (%s) tx %d rx %d at %.0f Bd,"
           " SNR %.1f dB; V.8 end %.2f s, connect %.2f / %.2f s\n",
           name, o->ok[0] ? "ok" : "FAILED", o->res[0], o->tx_bps[0], o->rx_bps[0], o->sym[0], o->snr[0],
           o->ok[1] ? "ok" : "FAILED", o->res[1], o->tx_bps[1], o->rx_bps[1], o->sym[1], o->snr[1],
           o->t_v8_end[0], o->t_connect[0], o->t_connect[1]);
}

/* Both endpoints connected, agree on the rates per direction, and each direction's rate is
 * no more than what the receiving end measured can carry by rule (b) (the engine adds a 2 dB
 * margin on top, so this is a strict upper bound). */
static int check_connect(const char *name, const run_out *o)
{
    char what[200];
    show(name, o);
    int ok = 1;
    for (int k = 0; k < 2; k++) {
        snprintf(what, sizeof what, "%s: %s connected (%s in %s)", name, k ? "answerer" : "caller", o->res[k], o->phase[k]);
        ok &= hs_check_true(what, o->ok[k] && o->t_connect[k] > 0.0 && strcmp(o->res[k], "V.34 duplex") == 0);
    }
    if (!ok) return 0;
    snprintf(what, sizeof what, "%s: caller->answerer rate agreed", name);
    ok &= hs_check_int(what, o->tx_bps[0], o->rx_bps[1]);
    snprintf(what, sizeof what, "%s: answerer->caller rate agreed", name);
    ok &= hs_check_int(what, o->tx_bps[1], o->rx_bps[0]);
    for (int k = 0; k < 2; k++) {
        /* direction k -> other: received by 1-k with SNR snr[1-k] at symbol rate sym[k] */
        double cap = rule_b_bps(o->snr[1 - k], o->sym[k]);
        snprintf(what, sizeof what, "%s: %s rate within rule (b) at the measured %.1f dB (bit/s)", name,
                 k ? "answerer->caller" : "caller->answerer", o->snr[1 - k]);
        ok &= hs_check_below(what, o->tx_bps[k], cap, "bit/s");
        snprintf(what, sizeof what, "%s: %s rate >= 2400", name, k ? "answerer->caller" : "caller->answerer");
        ok &= hs_check_above(what, o->tx_bps[k], 2400, "bit/s");
    }
    return ok;
}

/* ---- cases ---- */

static int default_line(void)
{
    hs_sim_config c = base();
    run_out o = run(&c, 160);
    int ok = check_connect("default line", &o);
    /* the GUI and the tests see the training: equalizer reports, TRN, MP with a good CRC, E, B1 */
    for (int k = 0; k < 2; k++) {
        hs_check_above(k ? "answerer v34.eq events" : "caller v34.eq events", o.n_eq[k], 5, "");
        hs_check_above(k ? "answerer v34.trn events" : "caller v34.trn events", o.n_trn[k], 2, "");
        hs_check_above(k ? "answerer MP with good CRC" : "caller MP with good CRC", o.n_mp_ok[k], 2, "");
        hs_check_int(k ? "answerer E" : "caller E", o.n_e[k], 1);
        hs_check_int(k ? "answerer B1" : "caller B1", o.n_b1[k], 1);
    }
    return ok ? 0 : 1;
}

/* A wide clean line (no band filter, no noise beyond G.711): the best case. */
static int wide_clean_line(void)
{
    hs_sim_config c = base();
    c.line.band_filter = 0;
    c.line.snr_db = 200.0;
    c.line.atten_db = 0.0;
    run_out o = run(&c, 160);
    return check_connect("wide clean line", &o) ? 0 : 1;
}

/* The live pair through JACK: a perfect digital loop (no filter, no noise, no codec, no loss)
 * with ~100 ms each way, 3429 Bd. It used to fail: when the caller starts its phase 3 it cuts
 * its receiver's input off in the middle of the answerer's J; the few symbols of that cut
 * went through the decision-directed loops, which then held a wrong carrier frequency
 * through ~0.9 s of silence, and the answerer's phase-4 S came back turned by ~45 degrees
 * (S -> S-bar missed). The receiver is now held over the cut (hs_qamrx_set_hold). */
static int digital_loop(void)
{
    hs_sim_config c = base();
    c.line.band_filter = 0;
    c.line.snr_db = 200.0;
    c.line.atten_db = 0.0;
    c.line.codec = HS_CODEC_NONE;
    c.line.delay_ms = 105.0;
    run_out o = run(&c, 160);
    return check_connect("digital loop, 105 ms", &o) ? 0 : 1;
}

static int impaired_lines(void)
{
    struct { const char *name; double snr, delay, off, ppm, echo_db, echo_ms; hs_codec codec; } L[] = {
        { "SNR 30, A-law", 30.0, 10.0, 0.0, 0.0, -100.0, 0.0, HS_CODEC_ALAW },
        { "delay 300 ms one way", 40.0, 300.0, 0.0, 0.0, -100.0, 0.0, HS_CODEC_ULAW },
        { "offset +7 Hz", 40.0, 10.0, 7.0, 0.0, -100.0, 0.0, HS_CODEC_ULAW },
        { "offset -7 Hz", 40.0, 10.0, -7.0, 0.0, -100.0, 0.0, HS_CODEC_ULAW },
        { "+100 ppm", 40.0, 10.0, 0.0, 100.0, -100.0, 0.0, HS_CODEC_ULAW },
        { "-100 ppm", 40.0, 10.0, 0.0, -100.0, -100.0, 0.0, HS_CODEC_ULAW },
        { "echo -15 dB at 20 ms", 40.0, 10.0, 0.0, 0.0, -15.0, 20.0, HS_CODEC_ULAW },
        { "echo -15 dB at 5 ms, delay 300 ms", 40.0, 300.0, 0.0, 0.0, -15.0, 5.0, HS_CODEC_ULAW },
        { "offset +10 Hz", 40.0, 10.0, 10.0, 0.0, -100.0, 0.0, HS_CODEC_ULAW },
        { "-10 Hz, +100 ppm, A-law, echo -15 dB at 5 ms, 300 ms, SNR 35", 35.0, 300.0, -10.0, 100.0, -15.0, 5.0,
          HS_CODEC_ALAW },
    };
    int fails = 0;
    for (size_t i = 0; i < sizeof L / sizeof L[0]; i++) {
        hs_sim_config c = base();
        c.line.snr_db = L[i].snr;
        c.line.delay_ms = L[i].delay;
        c.line.offset_hz = L[i].off;
        c.line.ppm = L[i].ppm;
        c.line.echo_db = L[i].echo_db;
        c.line.echo_ms = L[i].echo_ms;
        c.line.codec = L[i].codec;
        run_out o = run(&c, 160);
        fails += !check_connect(L[i].name, &o);
    }
    return fails ? 1 : 0;
}

/* Rate versus SNR: the rate never exceeds rule (b) at the measured SNR (check_connect) and
 * does not fall when the line gets better (monotone within one 2400 bit/s step, since phase 2
 * may pick a different symbol rate). */
static int rate_follows_snr(void)
{
    static const double snr[] = { 20.0, 25.0, 30.0, 35.0, 45.0 };
    int fails = 0, prev = 0;
    for (size_t i = 0; i < sizeof snr / sizeof snr[0]; i++) {
        hs_sim_config c = base();
        c.line.snr_db = snr[i];
        c.line.seed = 7;
        run_out o = run(&c, 160);
        char name[64];
        snprintf(name, sizeof name, "SNR %.0f dB", snr[i]);
        if (!check_connect(name, &o)) { fails++; continue; }
        int r = o.tx_bps[0] < o.tx_bps[1] ? o.tx_bps[0] : o.tx_bps[1];
        char what[160];
        snprintf(what, sizeof what, "%s: slower rate >= previous SNR's - 2400", name);
        fails += !hs_check_above(what, r, prev - 2400, "bit/s");
        if (r > prev) prev = r;
    }
    hs_check_above("rate at the best SNR", prev, 9600, "bit/s");
    return fails ? 1 : 0;
}

/* Lines that cannot carry the lowest rate: both endpoints fail with a reason, well before the
 * 30 s limit (no hang). At 3 dB nothing of phase 2 gets through; at 10 dB the probing finds
 * no usable symbol rate: 2400 bit/s at 2400 Bd needs rule (b) 4 + 3.01 dB plus the 5 dB
 * probing margin = 12 dB (at 13 dB the pair connects at 2400 bit/s, with ~10 dB measured
 * after equalisation against the 9 dB that rule (b) + the 2 dB training margin asks). */
static int too_noisy_fails(void)
{
    static const double snr[] = { 3.0, 10.0 };
    for (size_t i = 0; i < sizeof snr / sizeof snr[0]; i++) {
        hs_sim_config c = base();
        c.line.snr_db = snr[i];
        run_out o = run(&c, 160);
        char name[32], what[240];
        snprintf(name, sizeof name, "SNR %.0f dB", snr[i]);
        show(name, &o);
        for (int k = 0; k < 2; k++) {
            snprintf(what, sizeof what, "%s: %s fails with a reason (%s, in %s)", name, k ? "answerer" : "caller",
                     o.res[k], o.phase[k]);
            hs_check_true(what, o.done[k] && !o.ok[k] && strlen(o.res[k]) > 3 && strcmp(o.res[k], "timeout") != 0);
        }
        snprintf(what, sizeof what, "%s: end of the failed handshake", name);
        hs_check_below(what, o.t_end, 25.0, "s");
    }
    return 0;
}

/* Timeline of the whole start-up on the default line against the digest's windows:
 *   - the answerer's first S comes 70 +- 5 ms after it started phase 3 (end of INFO1a) [§3.4];
 *   - answerer: S .. end of TRN (start of J) <= 2000 ms + RTD [11.3.1.2.3];
 *   - caller: S .. end of TRN <= 2000 ms + 2 RTD [11.3.1.1.3];
 *   - V.8 end -> CONNECT: phase 2 (~1.2 s on a short line: INFO0, tones, reversals, 2 x 160 ms
 *     L1 + ~550 ms L2, INFO1) + phase 3 (each side 128+16+288+1024 T ~ 0.45 s at 3200 Bd, one
 *     after the other, plus the J exchange) + phase 4 (TRN >= 512 T, MP/MP'/E/B1 ~ 0.2 s).
 *     Real modems take ~4-6 s because they send MD, longer TRN (up to 2000 ms) and wait longer;
 *     we send no MD and the minimum-plus TRN, so the lower bound is the sum of the mandatory
 *     minimum lengths (phase 2 > 0.9 s, phase 3 >= 2 x (128+16+288+512) T at 3429 Bd = 0.55 s,
 *     phase 4 >= 512 T + 2 MP = 0.2 s: > 1.6 s) and the upper bound the sum of the time-outs
 *     that did not fire (< 8 s). */
static int timeline(void)
{
    hs_sim_config c = base();
    run_out o = run(&c, 160);
    if (!check_connect("timeline", &o)) return 1;
    double rtd = 2.0 * (c.line.delay_ms + 1.0) / 1000.0;
    hs_check_near("answerer silence before S (ms)", (o.t_tx_s[1] - o.t_p3[1]) * 1000.0, 70.0, 5.0, "ms");
    hs_check_below("answerer S .. J", o.t_tx_j[1] - o.t_tx_s[1], 2.0 + rtd, "s");
    hs_check_below("caller S .. J", o.t_tx_j[0] - o.t_tx_s[0], 2.0 + 2.0 * rtd, "s");
    hs_check_above("caller S after the answerer's S", o.t_tx_s[0], o.t_tx_s[1], "s");
    double v8_to_connect = o.t_connect[0] - o.t_v8_end[0];
    printf("V.8 end -> CONNECT (caller): %.3f s; V.8 end at %.3f s; phase 3 %.3f s, phase 4 %.3f s\n", v8_to_connect,
           o.t_v8_end[0], o.t_p4[0] - o.t_p3[0], o.t_connect[0] - o.t_p4[0]);
    hs_check_above("V.8 end -> CONNECT", v8_to_connect, 1.6, "s");
    hs_check_below("V.8 end -> CONNECT", v8_to_connect, 8.0, "s");
    hs_check_below("both connected within 0.3 s of each other", fabs(o.t_connect[0] - o.t_connect[1]), 0.3, "s");
    return 0;
}

/* --stop-after phase3: both endpoints end after phase 3 with success, no connect. */
static int stop_after_phase3(void)
{
    hs_sim_config c = base();
    c.caller.stop_after = c.answerer.stop_after = HS_STOP_AFTER_PHASE3;
    run_out o = run(&c, 160);
    for (int k = 0; k < 2; k++) {
        char what[160];
        snprintf(what, sizeof what, "%s: ok in %s", k ? "answerer" : "caller", o.phase[k]);
        hs_check_true(what, o.ok[k] && strcmp(o.phase[k], "V.34 phase 3") == 0);
        hs_check_true(k ? "answerer: no connect" : "caller: no connect", o.t_connect[k] == 0.0);
    }
    return 0;
}

/* Same events and audio for any block size. */
static int chunking(void)
{
    hs_sim_config c = base();
    c.line.snr_db = 35.0;
    run_out a = run(&c, 1), b = run(&c, 7), d = run(&c, 160), e = run(&c, 400000);
    hs_check_true("connected", a.ok[0] && a.ok[1] && a.t_connect[0] > 0.0);
    hs_check_true("audio: blocks 1 = 7", a.hash == b.hash);
    hs_check_true("audio: blocks 1 = 160", a.hash == d.hash);
    hs_check_true("audio: blocks 1 = whole", a.hash == e.hash);
    hs_check_true("events: blocks 1 = 7 = 160 = whole", a.hev == b.hev && a.hev == d.hev && a.hev == e.hev);
    run_out f = run(&c, 160);
    hs_check_true("deterministic", f.hash == d.hash && f.hev == d.hev);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(default_line),
    HS_CASE(wide_clean_line),
    HS_CASE(digital_loop),
    HS_CASE(impaired_lines),
    HS_CASE(rate_follows_snr),
    HS_CASE(too_noisy_fails),
    HS_CASE(timeline),
    HS_CASE(stop_after_phase3),
    HS_CASE(chunking)
)
