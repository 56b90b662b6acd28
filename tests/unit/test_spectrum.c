/* tests/unit/test_spectrum.c: dsp/spectrum (STFT on FFTW). */
#include "hs_test.h"
#include "level.h"
#include "spectrum.h"

#include <stdint.h>

static void sine(float *x, size_t n, double freq_hz, double peak, double phase)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(peak * sin(2.0 * HS_PI * freq_hz * (double)i / HS_RATE + phase));
}

static double db(double p) { return 10.0 * log10(p); }

/* A sine of peak 0.5 on a bin centre: power 0.125 (mean square), i.e.
 * 3.14 + 10 log10(0.125/0.5) = -2.88 dBm0 (dsp/level.h). Float FFT of 256 points: error
 * far below 0.01 dB; limit 0.1 dB as asked of the block. All three windows. */
static int sine_power_on_bin(void)
{
    const hs_window wins[] = { HS_WIN_RECT, HS_WIN_HANN, HS_WIN_BLACKMAN_HARRIS };
    const char *names[] = { "rect", "hann", "blackman-harris" };
    double want = 3.14 + 10.0 * log10(0.25);
    for (int w = 0; w < 3; w++) {
        hs_spectrum_config c = hs_spectrum_config_default();
        c.window = wins[w];
        hs_spectrum *s;
        if (hs_spectrum_create(&c, &s) != HS_OK) return 1;
        int k = 67;                                       /* 2093.75 Hz */
        double f = k * hs_spectrum_bin_hz(s);
        float x[256], p[129], row[129];
        sine(x, 256, f, 0.5, 0.3);
        hs_spectrum_frame(s, x, p, NULL);
        char what[80];
        snprintf(what, sizeof what, "%s: bin %d power of a 0.5-peak sine", names[w], k);
        hs_check_near(what, hs_power_to_dbm0(p[k]), want, 0.1, "dBm0");
        /* the same through the streaming STFT */
        hs_spectrum_push(s, x, 256);
        uint64_t centre = 0;
        hs_check_true("one row after size samples", hs_spectrum_pop_row(s, row, &centre) == 1);
        snprintf(what, sizeof what, "%s: STFT row at bin %d", names[w], k);
        hs_check_near(what, row[k], want, 0.1, "dBm0");
        hs_spectrum_destroy(s);
    }
    return 0;
}

/* Hann (periodic), sine on bin k: the window's spectrum is 0.5, 0.25, 0.25 at offsets 0, +-1,
 * so bins k+-1 are 20 log10(0.5) = -6.02 dB below bin k and bins k+-2 and beyond are zero
 * (float rounding: allow -90 dB). A sine half-way between bins loses 1.42 dB (the Hann
 * scalloping loss: |W(0.5)|/W(0) = 8/(3 pi) for large N, 20 log10 of it = -1.42 dB). */
static int hann_leakage(void)
{
    hs_spectrum_config c = hs_spectrum_config_default();
    hs_spectrum *s;
    if (hs_spectrum_create(&c, &s) != HS_OK) return 1;
    float x[256], p[129];
    int k = 40;
    sine(x, 256, k * 31.25, 0.5, 1.0);
    hs_spectrum_frame(s, x, p, NULL);
    hs_check_near("bin k-1 relative to k", db((double)(p[k - 1] / p[k])), -6.02, 0.05, "dB");
    hs_check_near("bin k+1 relative to k", db((double)(p[k + 1] / p[k])), -6.02, 0.05, "dB");
    double worst = -400.0;
    for (int i = 0; i < 129; i++)
        if (i < k - 1 || i > k + 1) worst = fmax(worst, db((double)(p[i] / p[k]) + 1e-40));
    hs_check_below("worst bin outside k+-1", worst, -90.0, "dB");
    /* half-bin: scalloping */
    sine(x, 256, (k + 0.5) * 31.25, 0.5, 1.0);
    hs_spectrum_frame(s, x, p, NULL);
    double loss = 10.0 * log10((double)p[k] / 0.125);
    hs_check_near("half-bin scalloping loss", loss, 20.0 * log10(8.0 / (3.0 * HS_PI)), 0.02, "dB");
    hs_check_near("bins k, k+1 equal at half-bin", db((double)(p[k + 1] / p[k])), 0.0, 0.05, "dB");
    hs_spectrum_destroy(s);
    /* Blackman-Harris: far side lobes at -92 dB: a half-bin sine, bins 5+ away */
    c.window = HS_WIN_BLACKMAN_HARRIS;
    if (hs_spectrum_create(&c, &s) != HS_OK) return 1;
    hs_spectrum_frame(s, x, p, NULL);
    worst = -400.0;
    for (int i = 0; i < 129; i++)
        if (i < k - 4 || i > k + 5) worst = fmax(worst, db((double)(p[i] / p[k]) + 1e-40));
    hs_check_below("blackman-harris worst bin 5+ bins away", worst, -90.0, "dB");
    hs_spectrum_destroy(s);
    return 0;
}

/* STFT with size 256, hop 64 over N samples: floor((N-256)/64)+1 rows, the first centred on
 * sample 128, then every 64 samples. */
static int stft_rows_and_hop(void)
{
    hs_spectrum_config c = { 256, 64, HS_WIN_HANN };
    hs_spectrum *s;
    if (hs_spectrum_create(&c, &s) != HS_OK) return 1;
    hs_check_int("bins", hs_spectrum_bins(s), 129);
    hs_check_near("bin width", hs_spectrum_bin_hz(s), 31.25, 0, "Hz");
    enum { N = 8000 };
    static float x[N];
    sine(x, N, 1000.0, 0.3, 0.0);
    float row[129];
    long rows = 0, produced = 0, bad_centre = 0;
    for (size_t i = 0; i < N; i += 100) {
        size_t n = N - i < 100 ? N - i : 100;
        produced += (long)hs_spectrum_push(s, x + i, n);
        uint64_t centre;
        while (hs_spectrum_pop_row(s, row, &centre)) {
            if (centre != 128 + (uint64_t)rows * 64) bad_centre++;
            rows++;
        }
    }
    hs_check_int("rows popped", rows, (N - 256) / 64 + 1);
    hs_check_int("rows produced", produced, (N - 256) / 64 + 1);
    hs_check_int("rows with a wrong centre sample", bad_centre, 0);
    hs_check_int("dropped", (long long)hs_spectrum_dropped_rows(s), 0);
    /* pushing everything at once keeps the newest 16 and counts the rest as dropped */
    hs_spectrum_reset(s);
    hs_spectrum_push(s, x, N);
    uint64_t centre = 0, first = 0;
    int kept = 0;
    while (hs_spectrum_pop_row(s, row, &centre)) { if (!kept) first = centre; kept++; }
    hs_check_int("rows kept", kept, 16);
    hs_check_int("rows dropped", (long long)hs_spectrum_dropped_rows(s), (N - 256) / 64 + 1 - 16);
    hs_check_int("first kept row centre", (long long)first, 128 + ((N - 256) / 64 + 1 - 16) * 64);
    hs_spectrum_destroy(s);
    return 0;
}

/* Same input -> bit-identical rows for two objects, after reset, and for blocks of 1, 7,
 * 160 and the whole signal (1216 samples = 16 rows, so nothing is dropped). */
static int determinism_and_chunking(void)
{
    enum { N = 256 + 15 * 64, ROWS = 16, B = 129 };
    static float x[N], ref[ROWS * B], got[ROWS * B];
    uint32_t r = 12345;
    for (int i = 0; i < N; i++) {
        r = r * 1664525u + 1013904223u;
        x[i] = (float)((double)(r >> 8) / 16777216.0 - 0.5) + 0.3f * sinf(0.7f * (float)i);
    }
    const size_t blocks[] = { N, 1, 7, 160, N };
    hs_spectrum_config c = { 256, 64, HS_WIN_HANN };
    hs_spectrum *s;
    if (hs_spectrum_create(&c, &s) != HS_OK) return 1;
    for (int b = 0; b < 5; b++) {
        hs_spectrum *t = s;
        if (b == 4 && hs_spectrum_create(&c, &t) != HS_OK) return 1;   /* a second object */
        hs_spectrum_reset(t);
        float *dst = b == 0 ? ref : got;
        int n = 0;
        for (size_t i = 0; i < N; i += blocks[b]) {
            size_t m = N - i < blocks[b] ? N - i : blocks[b];
            hs_spectrum_push(t, x + i, m);
            while (n < ROWS && hs_spectrum_pop_row(t, dst + (size_t)n * B, NULL)) n++;
        }
        if (b == 0) { hs_check_int("rows", n, ROWS); continue; }
        char what[64];
        snprintf(what, sizeof what, "%s %zu: rows identical", b == 4 ? "new object, block" : "block",
                 blocks[b]);
        hs_check_true(what, n == ROWS && memcmp(ref, got, sizeof ref) == 0);
        if (t != s) hs_spectrum_destroy(t);
    }
    hs_spectrum_destroy(s);
    return 0;
}

static int config_checks(void)
{
    hs_spectrum_config c = hs_spectrum_config_default();
    hs_check_int("default size", c.size, 256);
    hs_check_int("default hop", c.hop, 64);
    hs_check_true("default usable", hs_spectrum_config_problem(&c) == NULL);
    c.size = 8;
    hs_check_true("size 8 rejected", hs_spectrum_config_problem(&c) != NULL);
    c = hs_spectrum_config_default();
    c.hop = 0;
    hs_check_true("hop 0 rejected", hs_spectrum_config_problem(&c) != NULL);
    c.hop = 300;
    hs_check_true("hop > size rejected", hs_spectrum_config_problem(&c) != NULL);
    hs_spectrum *s = (hs_spectrum *)&c;
    hs_check_int("create refuses", hs_spectrum_create(&c, &s), HS_EINVAL);
    hs_check_true("out set to NULL", s == NULL);
    hs_spectrum_destroy(NULL);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(sine_power_on_bin),
    HS_CASE(hann_leakage),
    HS_CASE(stft_rows_and_hop),
    HS_CASE(determinism_and_chunking),
    HS_CASE(config_checks)
)
