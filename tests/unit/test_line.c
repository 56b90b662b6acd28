/* The line simulator: every impairment measured on what comes out. */
#include <fftw3.h>
#include <stdint.h>

#include "hs.h"
#include "hs_test.h"
#include "level.h"
#include "line.h"
#include "rng.h"

/* A line with nothing on: no noise, no codec, no filter, no echo, no loss. */
static hs_line_config clean(void)
{
    hs_line_config c = hs_line_config_default();
    c.snr_db = 200;
    c.codec = HS_CODEC_NONE;
    c.band_filter = 0;
    c.atten_db = 0;
    c.delay_ms = 0;
    c.echo_db = -120;
    return c;
}

/* Runs the line over a_tx/b_tx (either may be NULL) in blocks of `block` samples. */
static int run(const hs_line_config *c, const float *a_tx, const float *b_tx, float *to_b,
               float *to_a, size_t n, size_t block, size_t *delay)
{
    hs_line *l;
    if (hs_line_create(c, &l) != HS_OK) return -1;
    for (size_t i = 0; i < n; i += block) {
        size_t m = n - i < block ? n - i : block;
        hs_line_process(l, a_tx ? a_tx + i : NULL, b_tx ? b_tx + i : NULL,
                        to_b ? to_b + i : NULL, to_a ? to_a + i : NULL, m);
    }
    if (delay) *delay = hs_line_get_delay_samples(l);
    hs_line_destroy(l);
    return 0;
}

static float *tone(size_t n, double f, double level_dbm0)
{
    float *x = malloc(n * sizeof *x);
    double a = hs_dbm0_to_peak(level_dbm0);
    for (size_t i = 0; i < n; i++) x[i] = (float)(a * sin(2 * HS_PI * f * (double)i / HS_RATE));
    return x;
}

static float *noise(size_t n, double rms, uint64_t seed)
{
    float *x = malloc(n * sizeof *x);
    hs_rng r;
    hs_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) x[i] = (float)(rms * hs_rng_gauss(&r));
    return x;
}

static double power(const float *x, size_t n)
{
    double p = 0;
    for (size_t i = 0; i < n; i++) p += (double)x[i] * (double)x[i];
    return p / (double)n;
}

static double db(double ratio) { return 10 * log10(ratio); }

/* Mean square of x in lo..hi Hz (periodogram, Parseval). */
static double band_power(const float *x, size_t n, double lo, double hi)
{
    float *in = fftwf_malloc(n * sizeof *in);
    fftwf_complex *out = fftwf_malloc((n / 2 + 1) * sizeof *out);
    fftwf_plan p = fftwf_plan_dft_r2c_1d((int)n, in, out, FFTW_ESTIMATE);
    memcpy(in, x, n * sizeof *in);
    fftwf_execute(p);
    double sum = 0;
    for (size_t k = 1; k < n / 2; k++) {
        double f = (double)k * HS_RATE / (double)n;
        if (f >= lo && f <= hi) sum += 2.0 * ((double)out[k][0] * (double)out[k][0] + (double)out[k][1] * (double)out[k][1]);
    }
    fftwf_destroy_plan(p);
    fftwf_free(in);
    fftwf_free(out);
    return sum / ((double)n * (double)n);
}

/* Frequency from the upward zero crossings (linearly interpolated): least-squares slope of
 * crossing time against crossing number. The interpolation error of each crossing is
 * periodic and averages out, unlike with the first and last crossing alone (which is off
 * by 4 ppm for a 3300 Hz tone). */
static double zc_freq(const float *x, size_t n)
{
    double st = 0, sk = 0, skk = 0, skt = 0, k = 0;
    for (size_t i = 1; i < n; i++) {
        if (x[i - 1] < 0 && x[i] >= 0) {
            double t = (double)(i - 1) + (double)x[i - 1] / ((double)x[i - 1] - (double)x[i]);
            st += t;
            sk += k;
            skk += k * k;
            skt += k * t;
            k++;
        }
    }
    if (k < 2) return (double)NAN;
    double slope = (k * skt - sk * st) / (k * skk - sk * sk);   /* samples per cycle */
    return HS_RATE / slope;
}

/* Lag (0..max_lag) where y best matches x, and the normalised peak value. */
static long xcorr_peak(const float *x, const float *y, size_t n, long max_lag, double *peak)
{
    long best = -1;
    double bv = -1;
    for (long lag = 0; lag <= max_lag; lag++) {
        double s = 0;
        for (size_t i = (size_t)lag; i < n; i++) s += (double)y[i] * (double)x[i - (size_t)lag];
        if (fabs(s) > bv) { bv = fabs(s); best = lag; }
    }
    if (peak) *peak = bv;
    return best;
}

static int config_checks(void)
{
    hs_line_config c = hs_line_config_default();
    hs_check_true("default config is usable", hs_line_config_problem(&c) == NULL);
    struct { const char *what; hs_line_config c; } bad[8];
    for (int i = 0; i < 8; i++) bad[i].c = c;
    bad[0].what = "negative delay";   bad[0].c.delay_ms = -1;
    bad[1].what = "huge ppm";         bad[1].c.ppm = 5000;
    bad[2].what = "codec 7";          bad[2].c.codec = (hs_codec)7;
    bad[3].what = "echo louder";      bad[3].c.echo_db = 3;
    bad[4].what = "gain, not loss";   bad[4].c.atten_db = -1;
    bad[5].what = "NaN snr";          bad[5].c.snr_db = NAN;
    bad[6].what = "band_filter 2";    bad[6].c.band_filter = 2;
    bad[7].what = "offset 1 kHz";     bad[7].c.offset_hz = 1000;
    for (int i = 0; i < 8; i++) {
        char what[80];
        const char *p = hs_line_config_problem(&bad[i].c);
        snprintf(what, sizeof what, "%s rejected (%s)", bad[i].what, p ? p : "accepted");
        hs_check_true(what, p != NULL);
        hs_line *l = (hs_line *)1;
        hs_check_int("create refuses it", hs_line_create(&bad[i].c, &l), HS_EINVAL);
        hs_check_true("and leaves no object", l == NULL);
    }
    return 0;
}

static int snr_accuracy(void)
{
    /* line.h: SNR = noise power in 300-3400 Hz / power of a ref_level_dbm0 signal after the
     * loss. Signal: a -13 dBm0 1 kHz tone through the noiseless line; noise: silence through
     * the noisy line, periodogram over 2^17 samples. Estimator spread with ~50000 bins:
     * sqrt(1/50000) = 0.5% = 0.02 dB, so 0.5 dB leaves room for the band filter ripple and
     * edges (the noise is added after the filter, so they do not enter at all). */
    const size_t n = 1u << 17;
    const struct { double snr, atten; int band; hs_codec codec; } set[] = {
        { 10, 0, 1, HS_CODEC_NONE }, { 20, 6, 1, HS_CODEC_ULAW }, { 30, 20, 0, HS_CODEC_NONE },
        { 40, 6, 1, HS_CODEC_NONE }, { 0, 3, 1, HS_CODEC_NONE },
    };
    float *sig = tone(n, 1000, -13), *yb = malloc(n * sizeof *yb), *ya = malloc(n * sizeof *ya);
    for (size_t k = 0; k < sizeof set / sizeof set[0]; k++) {
        hs_line_config c = clean();
        c.atten_db = set[k].atten;
        c.band_filter = set[k].band;
        c.codec = HS_CODEC_NONE;
        run(&c, sig, sig, yb, ya, n, n, NULL);
        double ps = power(yb + 4000, n - 4000);
        c.snr_db = set[k].snr;
        c.codec = set[k].codec;
        c.seed = 100 + k;
        run(&c, NULL, NULL, yb, ya, n, 4096, NULL);
        char what[96];
        snprintf(what, sizeof what, "SNR A->B (set %.0f dB, loss %.0f dB, %s)", set[k].snr,
                 set[k].atten, set[k].codec ? "mu-law" : "no codec");
        hs_check_near(what, db(ps / band_power(yb, n, 300, 3400)), set[k].snr, 0.5, "dB");
        snprintf(what, sizeof what, "SNR B->A (set %.0f dB)", set[k].snr);
        hs_check_near(what, db(ps / band_power(ya, n, 300, 3400)), set[k].snr, 0.5, "dB");
    }
    /* The two directions' noises are independent. */
    double r = 0;
    for (size_t i = 0; i < n; i++) r += (double)ya[i] * (double)yb[i];
    r /= sqrt(power(ya, n) * power(yb, n)) * (double)n;
    hs_check_below("correlation of A's and B's noise", fabs(r), 0.02, "");
    free(sig);
    free(yb);
    free(ya);
    return 0;
}

static int delay_by_xcorr(void)
{
    /* Peak of the cross-correlation of white noise in and out. The band filter is linear
     * phase, so its 64 samples count exactly; limit +-1 sample. */
    const struct { double ms; int band; double offset, ppm; long want; } set[] = {
        { 10, 1, 0, 0, 80 },      { 25, 1, 0, 0, 200 },   { 0, 0, 0, 0, 1 },
        { 3.3, 0, 0, 0, 26 },     { 2, 1, 0, 0, 65 },     { 100, 1, 0, 0, 800 },
        { 12.5, 0, 5, 0, 100 },   { 20, 1, 0, 40, 160 },
    };
    const size_t n = 16000;
    float *x = noise(n, 0.1, 5), *y = malloc(n * sizeof *y), *y2 = malloc(n * sizeof *y2);
    for (size_t k = 0; k < sizeof set / sizeof set[0]; k++) {
        hs_line_config c = clean();
        c.delay_ms = set[k].ms;
        c.band_filter = set[k].band;
        c.offset_hz = set[k].offset;
        c.ppm = set[k].ppm;
        size_t applied;
        run(&c, x, x, y, y2, n, 160, &applied);
        /* a frequency shift turns the peak's sign; |peak| is what counts */
        long lag = xcorr_peak(x, y, 4000, 1000, NULL);
        long lag2 = xcorr_peak(x, y2, 4000, 1000, NULL);
        char what[96];
        snprintf(what, sizeof what, "delay %.1f ms band %d offset %.0f ppm %.0f: reported",
                 set[k].ms, set[k].band, set[k].offset, set[k].ppm);
        hs_check_int(what, (long long)applied, set[k].want);
        hs_check_near("  measured A->B", (double)lag, (double)set[k].want, 1, "samples");
        hs_check_near("  measured B->A", (double)lag2, (double)set[k].want, 1, "samples");
    }
    free(x);
    free(y);
    free(y2);
    return 0;
}

static int frequency_offset(void)
{
    /* Tone 1000 Hz in, 1000 + offset out, 5 s: zero-crossing timing resolves ~1e-5 Hz,
     * so +-0.1 Hz is the line's accuracy, not the measurement's. */
    const size_t n = 40000;
    const double offs[] = { 7.3, -3.1, 0.5, 50 };
    float *x = tone(n, 1000, -13), *yb = malloc(n * sizeof *yb), *ya = malloc(n * sizeof *ya);
    for (int k = 0; k < 4; k++) {
        for (int band = 0; band < 2; band++) {
            hs_line_config c = clean();
            c.offset_hz = offs[k];
            c.band_filter = band;
            run(&c, x, x, yb, ya, n, 7, NULL);
            char what[96];
            snprintf(what, sizeof what, "offset %.1f Hz band %d: A->B tone - 1000 Hz", offs[k], band);
            hs_check_near(what, zc_freq(yb + 1000, n - 1000) - 1000, offs[k], 0.1, "Hz");
            hs_check_near("  B->A tone - 1000 Hz", zc_freq(ya + 1000, n - 1000) - 1000, offs[k], 0.1, "Hz");
            /* the shift keeps the level (no image of the other sideband) */
            hs_check_near("  level", hs_power_to_dbm0(power(yb + 1000, n - 1000)), -13, 0.1, "dBm0");
        }
    }
    free(x);
    free(yb);
    free(ya);
    return 0;
}

static int clock_ppm(void)
{
    /* B's clock fast by ppm: B hears A's tone at f / (1 + ppm 1e-6), A hears B's at
     * f (1 + ppm 1e-6). Measured over 10 s by zero crossings (resolution ~0.001 ppm);
     * limit 5 ppm. The interpolator must keep the level near the band edge too. */
    const size_t n = 80000;
    const double ppms[] = { 80, -250, 1000, -33 };
    const double fs[] = { 1800, 3300 };
    for (int k = 0; k < 4; k++) {
        for (int j = 0; j < 2; j++) {
            float *x = tone(n, fs[j], -13), *yb = malloc(n * sizeof *yb), *ya = malloc(n * sizeof *ya);
            hs_line_config c = clean();
            c.ppm = ppms[k];
            c.band_filter = 1;
            c.delay_ms = 20;
            run(&c, x, x, yb, ya, n, 160, NULL);
            double fb = zc_freq(yb + 2000, n - 2000), fa = zc_freq(ya + 2000, n - 2000);
            char what[96];
            snprintf(what, sizeof what, "ppm %.0f, %.0f Hz tone: A->B measured", ppms[k], fs[j]);
            hs_check_near(what, (fs[j] / fb - 1) * 1e6, ppms[k], 5, "ppm");
            hs_check_near("  B->A measured", (fa / fs[j] - 1) * 1e6, ppms[k], 5, "ppm");
            hs_check_near("  level after interpolation", hs_power_to_dbm0(power(yb + 2000, n - 2000)),
                          -13, 0.1, "dBm0");
            free(x);
            free(yb);
            free(ya);
        }
    }
    return 0;
}

/* Lag of y behind x around sample `at` (window of 4000 samples, lags lo..hi). */
static long lag_at(const float *x, const float *y, size_t at, long lo, long hi)
{
    long best = lo;
    double bv = -1;
    for (long lag = lo; lag <= hi; lag++) {
        double s = 0;
        for (size_t i = at; i < at + 4000; i++) s += (double)y[i] * (double)x[i - (size_t)lag];
        if (s > bv) { bv = s; best = lag; }
    }
    return best;
}

static int clock_drift_and_lock(void)
{
    /* ppm = 250: the A->B delay grows by 250e-6/(1 + 250e-6) samples per sample, the B->A
     * delay shrinks by 250e-6 per sample, for the first 60 s (480000 samples), then both
     * stay put: +-120 samples at 60 s. Measured by cross-correlating noise over 0.5 s
     * windows at 1 s, 30 s and 70 s; limit +-1 sample. */
    const size_t n = 8000 * 71;
    const double eps = 250e-6;
    float *x = noise(n, 0.1, 3), *yb = malloc(n * sizeof *yb), *ya = malloc(n * sizeof *ya);
    hs_line_config c = clean();
    c.ppm = 250;
    c.band_filter = 1;
    size_t d0;
    run(&c, x, x, yb, ya, n, 160, &d0);
    const double at_s[] = { 1, 30, 70 };
    for (int k = 0; k < 3; k++) {
        size_t at = (size_t)(at_s[k] * 8000);
        double t = fmin((double)at + 2000, 480000);
        char what[80];
        snprintf(what, sizeof what, "A->B delay at %.0f s", at_s[k]);
        hs_check_near(what, (double)lag_at(x, yb, at, 0, 500), (double)d0 + t * eps / (1 + eps), 1,
                      "samples");
        snprintf(what, sizeof what, "B->A delay at %.0f s", at_s[k]);
        hs_check_near(what, (double)lag_at(x, ya, at, 0, 500), (double)d0 - t * eps, 1, "samples");
    }
    free(x);
    free(yb);
    free(ya);
    return 0;
}

static int echo_level_and_delay(void)
{
    /* A talks (white noise), B is silent, the line is noiseless: all A hears is its echo. */
    const struct { double db, ms; } set[] = { { -12, 30 }, { -25, 3 }, { -6, 0 }, { -40, 500 } };
    const size_t n = 16000;
    float *x = noise(n, 0.1, 9), *ya = malloc(n * sizeof *ya), *yb = malloc(n * sizeof *yb);
    for (int k = 0; k < 4; k++) {
        hs_line_config c = clean();
        c.echo_db = set[k].db;
        c.echo_ms = set[k].ms;
        c.band_filter = 1;
        c.delay_ms = 10;
        run(&c, x, NULL, yb, ya, n, 7, NULL);
        long want = (long)llround(set[k].ms * 8);
        if (want < 1) want = 1;
        long lag = xcorr_peak(x, ya, n, 4200, NULL);
        char what[96];
        snprintf(what, sizeof what, "echo %.0f dB %.0f ms: delay", set[k].db, set[k].ms);
        hs_check_near(what, (double)lag, (double)want, 1, "samples");
        hs_check_near("  level vs A's own signal",
                      db(power(ya + want, n - (size_t)want) / power(x, n - (size_t)want)),
                      set[k].db, 0.1, "dB");
        /* B hears A over the line (10 ms), not an echo of its own silence */
        hs_check_near("  B hears A after", (double)xcorr_peak(x, yb, 4000, 200, NULL), 80, 1,
                      "samples");
    }
    free(x);
    free(ya);
    free(yb);
    return 0;
}

static int attenuation(void)
{
    /* -13 dBm0 1000 Hz in, -13 - loss out. With the band filter the design ripple
     * (+-0.09 dB for 40 dB Kaiser) adds to the allowed error; limit 0.1 dB either way. */
    const double losses[] = { 0, 6, 20.5, 45 };
    const size_t n = 16000;
    float *x = tone(n, 1000, -13), *y = malloc(n * sizeof *y);
    for (int k = 0; k < 4; k++) {
        for (int band = 0; band < 2; band++) {
            hs_line_config c = clean();
            c.atten_db = losses[k];
            c.band_filter = band;
            run(&c, x, NULL, y, NULL, n, n, NULL);
            char what[80];
            snprintf(what, sizeof what, "loss %.1f dB band %d: level", losses[k], band);
            hs_check_near(what, hs_power_to_dbm0(power(y + 2000, n - 2000)), -13 - losses[k], 0.1,
                          "dBm0");
        }
    }
    free(x);
    free(y);
    return 0;
}

/* Gain of the band filter at each of freqs[0..nf) (multiples of 0.25 Hz), measured in one
 * run: a sum of tones with scattered phases, and after the filter has settled, one DFT bin
 * per tone over exactly 32000 samples (4 s, a whole number of cycles of every tone, so no
 * leakage between them). */
static void gains_db(const double *freqs, int nf, double *g)
{
    const size_t settle = 2000, len = 32000, n = settle + len;
    float *x = calloc(n, sizeof *x), *y = malloc(n * sizeof *y);
    for (int k = 0; k < nf; k++) {
        double ph = 2.4 * k * k;               /* spread the peaks */
        for (size_t i = 0; i < n; i++)
            x[i] += (float)(0.004 * cos(2 * HS_PI * freqs[k] * (double)i / HS_RATE + ph));
    }
    hs_line_config c = clean();
    c.band_filter = 1;
    run(&c, x, NULL, y, NULL, n, n, NULL);
    for (int k = 0; k < nf; k++) {
        double xr = 0, xi = 0, yr = 0, yi = 0, w = 2 * HS_PI * freqs[k] / HS_RATE;
        for (size_t i = settle; i < n; i++) {
            double cs = cos(w * (double)i), sn = sin(w * (double)i);
            xr += (double)x[i] * cs;
            xi += (double)x[i] * sn;
            yr += (double)y[i] * cs;
            yi += (double)y[i] * sn;
        }
        g[k] = db((yr * yr + yi * yi) / (xr * xr + xi * xi));
    }
    free(x);
    free(y);
}

static int band_response(void)
{
    /* Kaiser design, 129 taps, 40 dB: ripple +-0.09 dB (0.17 dB peak to peak) in
     * 300-3400 Hz, -40 dB beyond the ~140 Hz wide transitions (below ~160 Hz and above
     * ~3540 Hz). Limits: ripple <= 0.3 dB, 200 Hz at least 10 dB down, 3700 Hz at least
     * 35 dB down, everything below 150 Hz or above 3600 Hz at least 35 dB down. */
    double f[320], g[320];
    int nf = 0;
    for (double fr = 300; fr <= 3400; fr += 12.5) f[nf++] = fr;   /* passband: 0 .. 248 */
    int npass = nf;
    f[nf++] = 200;
    f[nf++] = 3700;
    int nstop0 = nf;
    for (double fr = 20; fr <= 150; fr += 10) f[nf++] = fr;
    for (double fr = 3600; fr <= 3980; fr += 20) f[nf++] = fr;
    gains_db(f, nf, g);
    double lo = 1e9, hi = -1e9, g1000 = NAN, stop = -1e9;
    for (int k = 0; k < npass; k++) {
        lo = fmin(lo, g[k]);
        hi = fmax(hi, g[k]);
        if (f[k] == 1000) g1000 = g[k];
    }
    for (int k = nstop0; k < nf; k++) stop = fmax(stop, g[k]);
    hs_check_near("gain at 1000 Hz", g1000, 0, 0.1, "dB");
    hs_check_below("passband ripple 300-3400 Hz (max - min)", hi - lo, 0.3, "dB");
    hs_check_below("gain at 200 Hz vs 1000 Hz", g[npass] - g1000, -10, "dB");
    hs_check_below("gain at 3700 Hz vs 1000 Hz", g[npass + 1] - g1000, -35, "dB");
    hs_check_below("worst stopband gain (<150 Hz, >3600 Hz)", stop - g1000, -35, "dB");
    return 0;
}

static int g711_path_sqnr(void)
{
    /* The codec stage on a -13 dBm0 tone (no loss): the difference between the line with
     * and without the codec is its quantization error. G.711 theory (see test_g711): 38 dB
     * for the continuous laws, about 36.4-37 dB for the segmented ones at this level; allow
     * 2 dB around 38. */
    const size_t n = 80000;
    float *x = tone(n, 1013.7, -13), *y0 = malloc(n * sizeof *y0), *y1 = malloc(n * sizeof *y1);
    const hs_codec codecs[] = { HS_CODEC_ULAW, HS_CODEC_ALAW };
    for (int k = 0; k < 2; k++) {
        hs_line_config c = clean();
        c.band_filter = 1;
        run(&c, x, NULL, y0, NULL, n, n, NULL);
        c.codec = codecs[k];
        run(&c, x, NULL, y1, NULL, n, n, NULL);
        double pe = 0;
        for (size_t i = 1000; i < n; i++) pe += ((double)y1[i] - (double)y0[i]) * ((double)y1[i] - (double)y0[i]);
        double s = db(power(y0 + 1000, n - 1000) * (double)(n - 1000) / pe);
        hs_check_near(k ? "A-law line SQNR" : "mu-law line SQNR", s, 38, 2, "dB");
    }
    free(x);
    free(y0);
    free(y1);
    return 0;
}

static hs_line_config everything_on(uint64_t seed)
{
    hs_line_config c = hs_line_config_default();
    c.snr_db = 25;
    c.delay_ms = 17;
    c.offset_hz = 3.7;
    c.ppm = -120;
    c.codec = HS_CODEC_ALAW;
    c.echo_db = -18;
    c.echo_ms = 31;
    c.atten_db = 9;
    c.seed = seed;
    return c;
}

static int determinism_and_chunking(void)
{
    const size_t n = 24000;
    float *a = noise(n, 0.1, 1), *b = noise(n, 0.1, 2);
    float *ref_b = malloc(n * sizeof(float)), *ref_a = malloc(n * sizeof(float));
    float *yb = malloc(n * sizeof(float)), *ya = malloc(n * sizeof(float));
    hs_line_config c = everything_on(42);
    run(&c, a, b, ref_b, ref_a, n, n, NULL);
    const size_t blocks[] = { 1, 7, 160, 4001 };
    for (int k = 0; k < 4; k++) {
        run(&c, a, b, yb, ya, n, blocks[k], NULL);
        char what[64];
        snprintf(what, sizeof what, "blocks of %zu identical to whole", blocks[k]);
        hs_check_true(what, !memcmp(yb, ref_b, n * sizeof(float)) && !memcmp(ya, ref_a, n * sizeof(float)));
    }
    /* split form (output, then input) in chunks up to the lookahead */
    hs_line *l;
    hs_line_create(&c, &l);
    size_t la = hs_line_get_lookahead(l);
    hs_check_int("lookahead = 17 ms - 8 ms filter - interpolator latency", (long long)la,
                 (long long)(hs_line_get_delay_samples(l) - 64 - 17 - 58));
    for (size_t i = 0; i < n;) {
        size_t m = (i * 7 + 3) % la + 1;
        if (m > n - i) m = n - i;
        hs_line_output(l, yb + i, ya + i, m);
        hs_line_input(l, a + i, b + i, m);
        i += m;
    }
    hs_check_true("split output/input identical to process",
                  !memcmp(yb, ref_b, n * sizeof(float)) && !memcmp(ya, ref_a, n * sizeof(float)));
    hs_line_reset(l);
    hs_line_process(l, a, b, yb, ya, n);
    hs_check_true("after reset identical", !memcmp(yb, ref_b, n * sizeof(float)));
    /* in place: to_b over a_tx, to_a over b_tx */
    hs_line_reset(l);
    memcpy(yb, a, n * sizeof(float));
    memcpy(ya, b, n * sizeof(float));
    hs_line_process(l, yb, ya, yb, ya, n);
    hs_check_true("in place identical", !memcmp(yb, ref_b, n * sizeof(float)) && !memcmp(ya, ref_a, n * sizeof(float)));
    hs_line_destroy(l);
    c = everything_on(43);
    run(&c, a, b, yb, ya, n, n, NULL);
    hs_check_true("another seed differs", memcmp(yb, ref_b, n * sizeof(float)) != 0);
    free(a);
    free(b);
    free(ref_a);
    free(ref_b);
    free(ya);
    free(yb);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(config_checks),
    HS_CASE(snr_accuracy),
    HS_CASE(delay_by_xcorr),
    HS_CASE(frequency_offset),
    HS_CASE(clock_ppm),
    HS_CASE(clock_drift_and_lock),
    HS_CASE(echo_level_and_delay),
    HS_CASE(attenuation),
    HS_CASE(band_response),
    HS_CASE(g711_path_sqnr),
    HS_CASE(determinism_and_chunking)
)
