/* V.34 line probing (dsp/probe.h): L1/L2 generator (tones, phases, levels, crest factor)
 * and the analysis on lines of known shape: gain per tone, SNR per tone, frequency offset,
 * and the symbol-rate decision of spec §4.9. */
#include "hs_test.h"
#include "level.h"
#include "probe.h"
#include "rng.h"
#include "spectrum.h"

#include <stdlib.h>

#define P0 (-13.0f)

static int generator_tones_phases_levels(void)
{
    hs_probe_tx *tx;
    hs_check_int("create", hs_probe_tx_create(P0, &tx), HS_OK);
    float l1[1280], l2[1280];
    for (int i = 0; i < 1280; i++) l1[i] = hs_probe_tx_sample(tx, 1);
    for (int i = 0; i < 1280; i++) l2[i] = hs_probe_tx_sample(tx, 0);
    double s1 = 0, s2 = 0, pk = 0;
    for (int i = 0; i < 1280; i++) {
        s1 += (double)l1[i] * (double)l1[i];
        s2 += (double)l2[i] * (double)l2[i];
        if (fabs((double)l2[i]) > pk) pk = fabs((double)l2[i]);
    }
    /* [10.1.2.4]: L1 at P0 + 6 dB, L2 at P0; exact for a periodic sum of 21 bin-centred tones */
    hs_check_near("L1 level (twice the L2 amplitude: +6.02 dB)", hs_power_to_dbm0(s1 / 1280), (double)P0 + 6.02, 0.01, "dBm0");
    hs_check_near("L2 level", hs_power_to_dbm0(s2 / 1280), (double)P0, 0.01, "dBm0");
    /* spec §4.8: crest factor about 1.58 with the Table 17 phases (6.5 with zero phases) */
    hs_check_near("L2 crest factor", pk / sqrt(s2 / 1280), 1.58, 0.05, "");
    /* each tone on bin 3k at P/21 with the Table 17 phase; missing tones empty */
    hs_spectrum_config c = { 160, 160, HS_WIN_RECT };
    hs_spectrum *sp;
    hs_spectrum_create(&c, &sp);
    float pw[81], ph[81];
    hs_spectrum_frame(sp, l2, pw, ph);       /* l2 starts at a multiple of 160 samples */
    double tone_dbm0 = (double)P0 - 10.0 * log10(21.0);
    int bad_level = 0, bad_phase = 0;
    for (int i = 0; i < HS_PROBE_TONES; i++) {
        int b = hs_probe_tone_hz(i) / 50;
        if (fabs(hs_power_to_dbm0((double)pw[b]) - tone_dbm0) > 0.01) bad_level++;
        double want = hs_probe_tone_phase_deg(i) * HS_PI / 180.0;
        double d = (double)ph[b] - want;
        d -= 2 * HS_PI * floor(d / (2 * HS_PI) + 0.5);
        if (fabs(d) > 1e-3) bad_phase++;
    }
    hs_check_int("tones off level (0.01 dB)", bad_level, 0);
    hs_check_int("tones off phase (1 mrad)", bad_phase, 0);
    static const int missing[] = { 900, 1200, 1800, 2400 };
    for (int i = 0; i < 4; i++) {
        char what[64];
        snprintf(what, sizeof what, "no tone at %d Hz", missing[i]);
        hs_check_below(what, hs_power_to_dbm0((double)pw[missing[i] / 50]), -100.0, "dBm0");
    }
    /* L1 -> L2 without a phase jump: L2 = L1 / 2 sample for sample */
    hs_check_near("L2 continues L1 (ratio)", (double)l2[7] / (double)l1[7], 0.5, 1e-6, "");
    hs_spectrum_destroy(sp);
    hs_probe_tx_destroy(tx);
    return 0;
}

/* Linear-phase FIR by windowed frequency sampling of a magnitude function. */
typedef double (*shape_fn)(double f);
static double flat(double f) { (void)f; return pow(10.0, -6.0 / 20.0); }
static double sloped(double f) { return pow(10.0, (-3.0 - 12.0 * f / 4000.0) / 20.0); }  /* -3 .. -15 dB */
static double edge3000(double f) { return f < 3060.0 ? 1.0 : 0.0; }
static double telband(double f) { return f > 290.0 && f < 3420.0 ? 0.5 : 0.0; }   /* 300-3400 Hz, -6 dB */
static double notch1650(double f) { return fabs(f - 1650.0) < 40.0 ? 0.003 : pow(10.0, -2.0 / 20.0); }

#define NT 601
static void design(shape_fn g, double *h)
{
    const int N = 4096;
    int c = NT / 2;
    for (int n = 0; n < NT; n++) {
        double s = 0.0;
        for (int k = 0; k <= N / 2; k++) {
            double f = (double)k * HS_RATE / N;
            double w = (k == 0 || k == N / 2) ? 1.0 : 2.0;
            s += w * g(f) * cos(2 * HS_PI * k * (n - c) / N);
        }
        double win = 0.42 - 0.5 * cos(2 * HS_PI * n / (NT - 1)) + 0.08 * cos(4 * HS_PI * n / (NT - 1));
        h[n] = s / N * win;
    }
}
static double response_db(const double *h, double f)
{
    double re = 0, im = 0;
    for (int n = 0; n < NT; n++) {
        re += h[n] * cos(2 * HS_PI * f * n / HS_RATE);
        im -= h[n] * sin(2 * HS_PI * f * n / HS_RATE);
    }
    return 10.0 * log10(re * re + im * im + 1e-30);
}

/* L2 (with an optional frequency offset) through filter h plus white noise at snr_db
 * (noise in 3100 Hz relative to P0 unfiltered); analyse 480 ms after 30 ms of settling. */
static void probe_line(const double *h, double snr_db, double off_hz, uint64_t seed,
                       hs_probe_result *r, size_t chunk)
{
    const int n = 4200 + NT;
    float *x = malloc(sizeof(float) * (size_t)n), *y = malloc(sizeof(float) * (size_t)n);
    hs_probe_tx *tx;
    hs_probe_tx_create(P0, &tx);
    double a = sqrt(2.0 * hs_dbm0_to_power(P0) / HS_PROBE_TONES);
    for (int i = 0; i < n; i++) {
        if (off_hz == 0.0) { x[i] = hs_probe_tx_sample(tx, 0); continue; }
        double s = 0;
        for (int k = 0; k < HS_PROBE_TONES; k++)
            s += cos(2 * HS_PI * (hs_probe_tone_hz(k) + off_hz) * i / HS_RATE + hs_probe_tone_phase_deg(k) * HS_PI / 180.0);
        x[i] = (float)(a * s);
    }
    hs_rng rg;
    hs_rng_seed(&rg, seed);
    double sigma = snr_db > 100 ? 0.0 : sqrt(hs_dbm0_to_power(P0) / pow(10.0, snr_db / 10.0) / (3100.0 / 4000.0));
    for (int i = 0; i < n; i++) {
        double s = 0;
        if (h) { for (int k = 0; k < NT && k <= i; k++) s += h[k] * (double)x[i - k]; }
        else s = x[i];
        y[i] = (float)(s + sigma * hs_rng_gauss(&rg));
    }
    hs_probe_rx *rx;
    hs_probe_rx_create(P0, &rx);
    size_t start = NT + 240, len = 3840;
    for (size_t s = 0; s < len; s += chunk) hs_probe_rx_push(rx, y + start + s, s + chunk > len ? len - s : chunk);
    hs_probe_rx_analyse(rx, r);
    hs_probe_rx_destroy(rx);
    hs_probe_tx_destroy(tx);
    free(x);
    free(y);
}

/* Truth for tone i: gain from the filter response, SNR = P0 gain / (N0 * 3100). */
static void truth(const double *h, double snr_db, hs_probe_result *t)
{
    memset(t, 0, sizeof *t);
    for (int i = 0; i < HS_PROBE_TONES; i++) {
        t->tone_hz[i] = hs_probe_tone_hz(i);
        t->gain_db[i] = h ? response_db(h, t->tone_hz[i]) : 0.0;
        t->snr_db[i] = snr_db + t->gain_db[i];
    }
    t->offset_valid = 1;
}

static int check_line(const char *name, shape_fn g, double snr_db)
{
    double *h = NULL;
    if (g) { h = malloc(sizeof(double) * NT); design(g, h); }
    hs_probe_result r, t;
    probe_line(h, snr_db, 0.0, 17, &r, 160);
    truth(h, snr_db, &t);
    /* Limits (issue): gain within 1 dB, SNR within 2 dB at 30 dB SNR. Estimator spread: 22
     * Blackman-Harris frames (2/3 overlap, ~11 independent) x 4 bins x 5 tones = ~220
     * exponential noise samples -> 0.3 dB rms, worst of 21 tones ~0.8 dB; the tone bin
     * carries noise 35 dB below the tone -> < 0.01 dB on the gain.
     * Tones whose true SNR is below 10 dB (in the notch / beyond the edge) are only
     * required to be reported below 12 dB. */
    int bad_g = 0, bad_s = 0, checked = 0;
    double worst_g = 0, worst_s = 0;
    for (int i = 0; i < HS_PROBE_TONES; i++) {
        if (t.snr_db[i] < 10.0) {
            if (r.snr_db[i] > 12.0) bad_s++;
            continue;
        }
        checked++;
        double eg = fabs(r.gain_db[i] - t.gain_db[i]), es = fabs(r.snr_db[i] - t.snr_db[i]);
        if (eg > worst_g) worst_g = eg;
        if (es > worst_s) worst_s = es;
        if (eg > 1.0) bad_g++;
        if (es > 2.0) bad_s++;
    }
    char what[96];
    snprintf(what, sizeof what, "%s, SNR %.0f: worst gain error over %d tones", name, snr_db, checked);
    hs_check_below(what, worst_g, 1.0, "dB");
    snprintf(what, sizeof what, "%s, SNR %.0f: worst SNR error", name, snr_db);
    hs_check_below(what, worst_s, 2.0, "dB");
    hs_check_int("tones out of limits", bad_g + bad_s, 0);
    /* The decision from the estimates equals the decision from the truth (same rule). */
    hs_info0 i0 = hs_info0_default();
    hs_probe_choice ce, ct;
    hs_probe_decide(&r, &i0, &i0, &ce);
    hs_probe_decide(&t, &i0, &i0, &ct);
    int se = hs_probe_best_rate(&ce), st = hs_probe_best_rate(&ct);
    snprintf(what, sizeof what, "%s, SNR %.0f: chosen symbol rate (N=%d)", name, snr_db, se >= 0 ? ce.rate[se].max_n : 0);
    hs_check_int(what, se >= 0 ? hs_v34_nominal_rate[se] : 0, st >= 0 ? hs_v34_nominal_rate[st] : 0);
    free(h);
    return se >= 0 ? hs_v34_nominal_rate[se] : 0;
}

static int flat_line(void)
{
    check_line("flat -6 dB", flat, 30.0);
    check_line("flat -6 dB", flat, 20.0);
    check_line("flat -6 dB", flat, 40.0);
    return 0;
}

static int sloped_line(void)
{
    check_line("sloped -3..-15 dB", sloped, 30.0);
    /* a 12 dB roll-off over 0..4 kHz, about 10 dB over 3429 Bd, asks for pre-emphasis */
    double *h = malloc(sizeof(double) * NT);
    design(sloped, h);
    hs_probe_result r;
    probe_line(h, 40.0, 0.0, 3, &r, 160);
    hs_info0 i0 = hs_info0_default();
    hs_probe_choice c;
    hs_probe_decide(&r, &i0, &i0, &c);
    hs_check_int("pre-emphasis index at 3429 (half of a 10.3 dB slope -> 5.1 dB -> index 3)",
                 c.rate[HS_V34_S3429].preemphasis, 3);
    free(h);
    return 0;
}

static int band_edge_and_notch(void)
{
    int s = check_line("band edge 3060 Hz", edge3000, 30.0);
    hs_check_below("band edge: symbol rate below 3000", s, 2800, "Bd");
    check_line("notch at 1650 Hz", notch1650, 30.0);
    return 0;
}

/* The telephone band (300-3400 Hz, the line simulator's default): 3429 Bd at 1959 Hz occupies
 * 245-3673 Hz, so the 3600 Hz tone is dead and 3429 is unusable; 3200 Bd at 1920 Hz (320-3520 Hz)
 * or at 1829 Hz (229-3429 Hz) fits apart from the filter's edges: 3200 it is. */
static int telephone_band_gets_3200(void)
{
    int s = check_line("300-3400 Hz", telband, 40.0);
    hs_check_int("telephone band: 3200 Bd", s, 3200);
    double *h = malloc(sizeof(double) * NT);
    design(telband, h);
    hs_probe_result r;
    probe_line(h, 40.0, 0.0, 5, &r, 160);
    hs_info0 i0 = hs_info0_default();
    hs_probe_choice c;
    hs_probe_decide(&r, &i0, &i0, &c);
    hs_check_int("3429 unusable (3600 Hz tone inside f_c + S/2 is dead)", c.rate[HS_V34_S3429].max_n, 0);
    hs_check_above("3200 projected N", c.rate[HS_V34_S3200].max_n, 10, "");
    free(h);
    return 0;
}

static int clean_wide_line_gets_3429(void)
{
    int s = check_line("no filter", NULL, 50.0);
    hs_check_int("clean wide line: 3429 Bd", s, 3429);
    hs_probe_result r;
    probe_line(NULL, 50.0, 0.0, 1, &r, 160);
    hs_info0 i0 = hs_info0_default();
    hs_probe_choice c;
    hs_probe_decide(&r, &i0, &i0, &c);
    hs_check_int("projected N at 3429 (33 600 bit/s)", c.rate[HS_V34_S3429].max_n, 14);
    i0.c1664 = 0;
    hs_probe_decide(&r, &i0, &i0, &c);
    hs_check_int("without 1664 points N is capped at 12", c.rate[HS_V34_S3429].max_n, 12);
    return 0;
}

static int frequency_offset(void)
{
    /* 1050 Hz tone at SNR ~ 30 dB: phase noise per block ~ 0.013 rad -> offset error
     * ~ 0.01 Hz over 24 blocks; limit 0.05 Hz (INFO1 wants 0.25 Hz). Gains stay within 1 dB
     * since the leakage of a 0.07-bin offset is removed. */
    hs_probe_result r, t;
    probe_line(NULL, 30.0, 3.7, 5, &r, 160);
    truth(NULL, 30.0, &t);
    hs_check_near("frequency offset", r.freq_offset_hz, 3.7, 0.05, "Hz");
    hs_check_true("offset valid", r.offset_valid);
    double worst = 0, worst_s = 0;
    for (int i = 0; i < HS_PROBE_TONES; i++) {
        if (fabs(r.gain_db[i]) > worst) worst = fabs(r.gain_db[i]);
        if (fabs(r.snr_db[i] - 30.0) > worst_s) worst_s = fabs(r.snr_db[i] - 30.0);
    }
    hs_check_below("worst gain error with 3.7 Hz offset", worst, 1.0, "dB");
    hs_check_below("worst SNR error with 3.7 Hz offset", worst_s, 2.0, "dB");
    hs_info0 i0 = hs_info0_default();
    hs_probe_choice c;
    hs_probe_decide(&r, &i0, &i0, &c);
    hs_check_near("INFO1 offset field (0.02 Hz units)", c.freq_offset, 185, 3, "");
    probe_line(NULL, 10.0, 3.7, 5, &r, 160);
    hs_probe_decide(&r, &i0, &i0, &c);
    hs_check_int("offset at 10 dB SNR is reported as -512", c.freq_offset, -512);
    return 0;
}

static int answer_rate_choice(void)
{
    /* INFO1a: maximise min(N a->c, N c->a), ties to the higher S. */
    hs_info1c ic = { 0 };
    hs_probe_choice own = { 0 };
    int nac[6] = { 9, 10, 10, 11, 12, 12 }, nca[6] = { 9, 11, 11, 12, 11, 13 };
    for (int s = 0; s < 6; s++) { ic.rate[s].max_n = nac[s]; own.rate[s].max_n = nca[s]; }
    hs_info1a a;
    int s = hs_probe_choose_info1a(&ic, &own, &a);
    hs_check_int("chosen index (3000: min 11; 3429: min 12)", s, HS_V34_S3429);
    own.rate[HS_V34_S3429].max_n = 0;
    s = hs_probe_choose_info1a(&ic, &own, &a);
    hs_check_int("3429 unusable one way -> 3200 (min 11) over 3000 (min 11): higher S", s, HS_V34_S3200);
    hs_check_int("INFO1a rates", a.rate_ac * 10 + a.rate_ca, 44);
    return 0;
}

static int chunking_and_determinism(void)
{
    double *h = malloc(sizeof(double) * NT);
    design(sloped, h);
    static const size_t chunks[] = { 1, 7, 160, 3840 };
    hs_probe_result r0, r;
    probe_line(h, 30.0, 0.0, 9, &r0, 1);
    for (int c = 0; c < 4; c++) {
        probe_line(h, 30.0, 0.0, 9, &r, chunks[c]);
        char what[64];
        snprintf(what, sizeof what, "identical result with blocks of %zu", chunks[c]);
        hs_check_true(what, memcmp(&r, &r0, sizeof r) == 0);
    }
    free(h);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(generator_tones_phases_levels),
    HS_CASE(flat_line),
    HS_CASE(sloped_line),
    HS_CASE(band_edge_and_notch),
    HS_CASE(telephone_band_gets_3200),
    HS_CASE(clean_wide_line_gets_3429),
    HS_CASE(frequency_offset),
    HS_CASE(answer_rate_choice),
    HS_CASE(chunking_and_determinism)
)
