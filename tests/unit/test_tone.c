/* Sine oscillator (dsp/tone.h): frequency, level, phase continuity, chunking. */
#include "tone.h"
#include "level.h"
#include "hs_test.h"

/* Frequency by least-squares phase slope of the complex correlation with a reference at the
 * nominal frequency over 1 s blocks; level by mean square over whole cycles. */
static int freq_and_level(void)
{
    const float f[] = { 300.0f, 1100.0f, 1300.0f, 2100.0f, 3399.5f };
    const size_t n = 4 * HS_RATE;
    float *x = calloc(n, sizeof *x);
    for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
        hs_tone_config c = hs_tone_config_make(f[k], -13.0f);
        hs_tone *t;
        hs_check_int("create", hs_tone_create(&c, &t), HS_OK);
        hs_tone_process(t, x, n);
        hs_tone_destroy(t);
        /* phase of each 1 s block against exp(-j 2 pi f0 n): slope -> frequency error */
        double ph[4];
        double p = 0.0;
        for (int b = 0; b < 4; b++) {
            double re = 0, im = 0;
            for (size_t i = (size_t)b * HS_RATE; i < (size_t)(b + 1) * HS_RATE; i++) {
                double a = 2.0 * HS_PI * (double)f[k] * (double)i / HS_RATE;
                re += (double)x[i] * cos(a);
                im -= (double)x[i] * sin(a);
                p += (double)x[i] * (double)x[i];
            }
            ph[b] = atan2(im, re);
        }
        double d = remainder(ph[3] - ph[0], 2.0 * HS_PI) / 3.0;   /* radians per second */
        char what[64];
        /* resolution of the 32-bit accumulator is 1.9 uHz; allow 1 mHz */
        snprintf(what, sizeof what, "%.1f Hz tone: frequency error", (double)f[k]);
        hs_check_below(what, fabs(d / (2.0 * HS_PI)), 1e-3, "Hz");
        snprintf(what, sizeof what, "%.1f Hz tone: level", (double)f[k]);
        hs_check_near(what, hs_power_to_dbm0(p / (double)n), -13.0, 0.01, "dBm0");
    }
    hs_tone_config bad = hs_tone_config_make(4100.0f, -13.0f);
    hs_check_true("config problem names freq", hs_tone_config_problem(&bad) != NULL);
    free(x);
    return 0;
}

/* Phase continuity across a frequency change, exact 180 degree reversal, chunking. */
static int continuity_and_chunking(void)
{
    const size_t n = 4000;
    float a[4000], b[4000];
    hs_tone_config c = hs_tone_config_make(1000.0f, -10.0f);
    hs_tone *t;
    hs_tone_create(&c, &t);
    hs_tone_process(t, a, n);
    const size_t chunks[] = { 1, 7, 160, n };
    for (int k = 0; k < 4; k++) {
        hs_tone_reset(t);
        for (size_t i = 0; i < n; i += chunks[k]) hs_tone_process(t, b + i, n - i < chunks[k] ? n - i : chunks[k]);
        char what[48];
        snprintf(what, sizeof what, "chunk %zu identical", chunks[k]);
        hs_check_true(what, memcmp(a, b, sizeof a) == 0);
    }
    /* frequency change: the largest sample-to-sample step stays below the steepest slope of
     * the faster sine (2 pi f / 8000 * peak), i.e. no phase jump */
    hs_tone_reset(t);
    hs_tone_process(t, a, 1001);
    hs_tone_set_freq(t, 1800.0f);
    hs_tone_process(t, b, 10);
    double peak = hs_dbm0_to_peak(-10.0);
    hs_check_below("step at frequency change", fabs((double)b[0] - (double)a[1000]),
                   2.0 * HS_PI * 1800.0 / HS_RATE * peak * 1.01, "");
    /* reversal: next sample equals minus what it would have been */
    hs_osc o1, o2;
    hs_osc_init(&o1, 2100.0, 1.0, 10.0);
    o2 = o1;
    hs_osc_reverse(&o2);
    double worst = 0.0;
    for (int i = 0; i < 100; i++) worst = fmax(worst, fabs((double)hs_osc_next(&o1) + (double)hs_osc_next(&o2)));
    hs_check_below("reversed oscillator = -original", worst, 1e-6, "");
    hs_tone_destroy(t);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(freq_and_level),
    HS_CASE(continuity_and_chunking)
)
