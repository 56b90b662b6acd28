/* Single-tone presence detector with cadence (dsp/tonedet.h) for CT and CNG, spec §1.1. */
#include "tonedet.h"
#include "level.h"
#include "rng.h"
#include "tone.h"
#include "line.h"
#include "hs_test.h"

#define RATE HS_RATE

/* noise with the dsp/line.h SNR definition (in-band 300-3400 Hz power snr_db below a sine at
 * ref_dbm0; white, so total = in-band * 4000/3100) */
static void add_noise(float *x, size_t n, double ref_dbm0, double snr_db, uint64_t seed)
{
    if (snr_db > 100.0) return;
    hs_rng r;
    hs_rng_seed(&r, seed);
    double sigma = sqrt(hs_dbm0_to_power(ref_dbm0) / pow(10.0, snr_db / 10.0) * 4000.0 / 3100.0);
    for (size_t i = 0; i < n; i++) x[i] += (float)(sigma * hs_rng_gauss(&r));
}

/* bursts of a tone: first at start, on_n samples on, off_n off, count bursts */
static void bursts(float *x, size_t n, double f, double level, size_t start, size_t on_n, size_t off_n, int count)
{
    hs_osc o;
    hs_osc_init(&o, f, hs_dbm0_to_peak(level), 0.0);
    for (int b = 0; b < count; b++) {
        size_t s = start + (size_t)b * (on_n + off_n);
        for (size_t i = s; i < s + on_n && i < n; i++) x[i] += hs_osc_next(&o);
    }
}

typedef struct { hs_tonedet_edge e[32]; int n; hs_tonedet_result r; } run_out;

static void run(const hs_tonedet_config *c, const float *x, size_t n, size_t chunk, run_out *o)
{
    hs_tonedet *d;
    hs_tonedet_create(c, &d);
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < n; i += chunk) {
        hs_tonedet_process(d, x + i, n - i < chunk ? n - i : chunk);
        hs_tonedet_edge e;
        while (hs_tonedet_next_edge(d, &e)) if (o->n < 32) o->e[o->n++] = e;
    }
    hs_tonedet_get(d, &o->r);
    hs_tonedet_destroy(d);
}

/* Edge times: 10 ms blocks, back-dated to the first block of the run; a block partly filled
 * by the tone may count or not, so |error| <= 1 block = 80 samples (+1 block at low SNR).
 * Frequency: mean block phase step over >= 0.4 s; at 10 dB the per-block phase noise is
 * ~ 1/sqrt(2 * 10 * 40) rad (tone vs noise in the 100 Hz boxcar), over 50 steps < 0.1 Hz;
 * allow 0.5 Hz. Level: mean of |B|^2 includes the noise in 100 Hz (-26 dB at 10 dB SNR),
 * allow 0.3 dB. */
static int cadence_case(const char *name, const hs_tonedet_config *c, double f, double on_ms, double off_ms,
                        double snr, uint64_t seed)
{
    size_t on_n = (size_t)(on_ms * 8), off_n = (size_t)(off_ms * 8), start = 4321;
    size_t n = start + 3 * (on_n + off_n);
    float *x = calloc(n, sizeof *x);
    bursts(x, n, f, -13.0, start, on_n, off_n, 3);
    add_noise(x, n, -13.0, snr, seed);
    run_out o;
    run(c, x, n, 160, &o);
    char what[128];
    double tol = snr >= 20.0 ? 80.0 : 160.0;
    snprintf(what, sizeof what, "%s SNR %.0f: edges", name, snr);
    hs_check_int(what, o.n, 6);
    for (int i = 0; i < o.n && i < 6; i++) {
        size_t want = start + (size_t)(i / 2) * (on_n + off_n) + (i % 2 ? on_n : 0);
        snprintf(what, sizeof what, "%s SNR %.0f: edge %d (%s) sample", name, snr, i, o.e[i].on ? "on" : "off");
        hs_check_near(what, (double)o.e[i].sample, (double)want, tol, "samples");
    }
    snprintf(what, sizeof what, "%s SNR %.0f: frequency", name, snr);
    hs_check_near(what, o.r.freq_hz, f, 0.5, "Hz");
    snprintf(what, sizeof what, "%s SNR %.0f: level", name, snr);
    hs_check_near(what, o.r.level_dbm0, -13.0, 0.3, "dBm0");
    snprintf(what, sizeof what, "%s SNR %.0f: last on", name, snr);
    hs_check_near(what, o.r.last_on_ms, on_ms, 2.0 * tol / 8.0, "ms");
    snprintf(what, sizeof what, "%s SNR %.0f: last off", name, snr);
    hs_check_near(what, o.r.last_off_ms, off_ms, 2.0 * tol / 8.0, "ms");
    snprintf(what, sizeof what, "%s SNR %.0f: cadence ok", name, snr);
    hs_check_true(what, o.r.cadence_ok && o.r.bursts == 3);
    free(x);
    return 0;
}

static int ct_cadence(void)
{
    hs_tonedet_config c = hs_tonedet_config_ct();
    const double snr[] = { 99.0, 30.0, 10.0, 6.0 };
    for (int i = 0; i < 4; i++) cadence_case("CT 1300", &c, 1300.0, 600.0, 1800.0, snr[i], 11 + (uint64_t)i);
    /* tolerance edges, V.25: +- 15 Hz */
    cadence_case("CT 1285", &c, 1285.0, 600.0, 1800.0, 10.0, 21);
    cadence_case("CT 1315", &c, 1315.0, 600.0, 1800.0, 10.0, 22);
    return 0;
}

static int cng_cadence(void)
{
    hs_tonedet_config c = hs_tonedet_config_cng();
    const double snr[] = { 99.0, 10.0, 6.0 };
    for (int i = 0; i < 3; i++) cadence_case("CNG 1100", &c, 1100.0, 500.0, 3000.0, snr[i], 31 + (uint64_t)i);
    cadence_case("CNG 1062", &c, 1062.0, 500.0, 3000.0, 10.0, 41);
    cadence_case("CNG 1138", &c, 1138.0, 500.0, 3000.0, 10.0, 42);
    return 0;
}

/* Cadence outside the window: bursts seen, cadence_ok false. */
static int wrong_cadence(void)
{
    hs_tonedet_config c = hs_tonedet_config_ct();
    size_t n = 6 * RATE;
    float *x = calloc(n, sizeof *x);
    bursts(x, n, 1300.0, -13.0, 800, 2 * RATE, RATE / 2, 2);    /* 2 s on: too long */
    run_out o;
    run(&c, x, n, n, &o);
    hs_check_int("2 s bursts: bursts", o.r.bursts, 2);
    hs_check_near("2 s bursts: last on", o.r.last_on_ms, 2000.0, 10.0, "ms");
    hs_check_true("2 s bursts: cadence not ok", !o.r.cadence_ok);
    free(x);
    return 0;
}

static void fsk(float *x, size_t n, double mark, double space, uint64_t seed)
{
    hs_rng r;
    hs_rng_seed(&r, seed);
    hs_osc o;
    hs_osc_init(&o, mark, hs_dbm0_to_peak(-13.0), 0.0);
    double pos = 0.0;
    for (size_t i = 0; i < n; i++) {
        pos += 300.0 / RATE;
        if (pos >= 1.0) { pos -= 1.0; hs_osc_set_freq(&o, (hs_rng_u64(&r) & 1) ? mark : space); }
        x[i] += hs_osc_next(&o);
    }
}

/* Nothing reported for: out-of-tolerance tones, the other calling tone, ANS 2100 Hz, V.21
 * FSK (CNG's 1100 Hz lies between V.21(L) 980/1180), noise, a too-weak tone (-46 dBm0 <
 * -43 dBm0 floor), and a tone accompanied by a 1 dB stronger tone elsewhere (the rule is
 * tone >= 0.5 of the total power, spec §7.1 / V.25 §11). */
static int rejection(void)
{
    const size_t n = 5 * RATE;
    float *x = calloc(n, sizeof *x);
    hs_tonedet_config ct = hs_tonedet_config_ct(), cng = hs_tonedet_config_cng();
    struct { const char *name; const hs_tonedet_config *c; int kind; } k[] = {
        { "CT det, 1340 Hz", &ct, 0 }, { "CT det, 1260 Hz", &ct, 1 }, { "CT det, CNG", &ct, 2 },
        { "CNG det, CT", &cng, 3 }, { "CNG det, 1160 Hz", &cng, 4 }, { "CT det, 2100 Hz", &ct, 5 },
        { "CNG det, V.21 ch1 FSK", &cng, 6 }, { "CT det, V.21 ch1 FSK", &ct, 6 },
        { "CT det, noise", &ct, 7 }, { "CT det, -46 dBm0", &ct, 8 },
        { "CT det, 1300 + 1 dB stronger 700 Hz", &ct, 9 },
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        memset(x, 0, n * sizeof *x);
        switch (k[i].kind) {
        case 0: bursts(x, n, 1340.0, -13.0, 100, 4000, 12000, 3); break;
        case 1: bursts(x, n, 1260.0, -13.0, 100, 4000, 12000, 3); break;
        case 2: bursts(x, n, 1100.0, -13.0, 100, 4000, 12000, 3); break;
        case 3: bursts(x, n, 1300.0, -13.0, 100, 4000, 12000, 3); break;
        case 4: bursts(x, n, 1160.0, -13.0, 100, 4000, 12000, 3); break;
        case 5: bursts(x, n, 2100.0, -13.0, 100, n, 0, 1); break;
        case 6: fsk(x, n, 980.0, 1180.0, 5); break;
        case 7: add_noise(x, n, -13.0, 0.0, 6); break;
        case 8: bursts(x, n, 1300.0, -46.0, 100, 4000, 12000, 3); break;
        case 9: bursts(x, n, 1300.0, -13.0, 100, n, 0, 1); bursts(x, n, 700.0, -12.0, 100, n, 0, 1); break;
        default: break;
        }
        run_out o;
        run(k[i].c, x, n, 160, &o);
        char what[96];
        snprintf(what, sizeof what, "%s: edges", k[i].name);
        hs_check_int(what, o.n, 0);
    }
    /* V.21(L) FSK with random data, more seeds (its 1080 Hz centre is 20 Hz from CNG) */
    for (uint64_t seed = 100; seed < 106; seed++) {
        memset(x, 0, n * sizeof *x);
        fsk(x, n, 980.0, 1180.0, seed);
        add_noise(x, n, -13.0, 20.0, seed);
        run_out o;
        run(&cng, x, n, 160, &o);
        char what[64];
        snprintf(what, sizeof what, "CNG det, V.21 ch1 FSK seed %llu: edges", (unsigned long long)seed);
        hs_check_int(what, o.n, 0);
    }
    /* but -40 dBm0 is found */
    memset(x, 0, n * sizeof *x);
    bursts(x, n, 1300.0, -40.0, 100, 4000, 12000, 3);
    run_out o;
    run(&ct, x, n, 160, &o);
    hs_check_int("CT det, -40 dBm0: edges", o.n, 6);
    hs_check_near("CT det, -40 dBm0: level", o.r.level_dbm0, -40.0, 0.2, "dBm0");
    free(x);
    return 0;
}

static int chunking(void)
{
    hs_tonedet_config c = hs_tonedet_config_ct();
    size_t n = 6 * RATE + 17;
    float *x = calloc(n, sizeof *x);
    bursts(x, n, 1303.0, -20.0, 999, 4800, 14400, 3);
    add_noise(x, n, -20.0, 10.0, 99);
    run_out ref, o;
    run(&c, x, n, 1, &ref);
    const size_t chunks[] = { 7, 160, n };
    for (int i = 0; i < 3; i++) {
        run(&c, x, n, chunks[i], &o);
        char what[48];
        snprintf(what, sizeof what, "chunk %zu identical", chunks[i]);
        hs_check_true(what, o.n == ref.n && memcmp(o.e, ref.e, sizeof o.e[0] * (size_t)o.n) == 0 &&
                            memcmp(&o.r, &ref.r, sizeof o.r) == 0);
    }
    run(&c, x, n, 1, &o);
    hs_check_true("deterministic", memcmp(&o, &ref, sizeof o) == 0);
    hs_check_int("edges", ref.n, 6);
    free(x);
    return 0;
}

/* CT and CNG through the line simulator (mu-law, 6 dB loss, band filter, 10 ms delay) with a
 * 7 Hz carrier offset and 100 ppm, SNR 10 dB: bursts and cadence found, frequency = nominal
 * + 7 Hz (+ 0.1 Hz from 100 ppm) within 1 Hz, level -13 - 6 = -19 dBm0 within 0.5 dB. */
static int through_line(void)
{
    struct { const char *name; hs_tonedet_config c; double f, on_ms, off_ms; } k[] = {
        { "CT via line", hs_tonedet_config_ct(), 1300.0, 600.0, 1800.0 },
        { "CNG via line", hs_tonedet_config_cng(), 1100.0, 500.0, 3000.0 },
    };
    for (int i = 0; i < 2; i++) {
        size_t on_n = (size_t)(k[i].on_ms * 8), off_n = (size_t)(k[i].off_ms * 8), n = 3 * (on_n + off_n);
        float *x = calloc(n, sizeof *x), *y = calloc(n, sizeof *y);
        bursts(x, n, k[i].f, -13.0, 800, on_n, off_n, 3);
        hs_line_config lc = hs_line_config_default();
        lc.snr_db = 10.0;
        lc.offset_hz = 7.0;
        lc.ppm = 100.0;
        lc.seed = 5 + (uint64_t)i;
        hs_line *l;
        hs_line_create(&lc, &l);
        hs_line_process(l, x, NULL, y, NULL, n);
        hs_line_destroy(l);
        run_out o;
        run(&k[i].c, y, n, 160, &o);
        char what[64];
        snprintf(what, sizeof what, "%s: bursts", k[i].name);
        hs_check_int(what, o.r.bursts, 3);
        snprintf(what, sizeof what, "%s: cadence ok", k[i].name);
        hs_check_true(what, o.r.cadence_ok);
        snprintf(what, sizeof what, "%s: frequency", k[i].name);
        hs_check_near(what, o.r.freq_hz, k[i].f * (1.0 + 1e-4) + 7.0, 1.0, "Hz");
        snprintf(what, sizeof what, "%s: level", k[i].name);
        hs_check_near(what, o.r.level_dbm0, -19.0, 0.5, "dBm0");
        free(x);
        free(y);
    }
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(ct_cadence),
    HS_CASE(cng_cadence),
    HS_CASE(wrong_cadence),
    HS_CASE(rejection),
    HS_CASE(chunking),
    HS_CASE(through_line)
)
