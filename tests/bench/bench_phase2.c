/* Benchmark (not a test): V.34 phase 2 completion rate, chosen symbol rate and projected
 * data rate versus line SNR (seeded trials of a call/answer pair over dsp/line), and the
 * speed of a whole V.8 + phase 2 run through dsp/sim in x real time.
 * Usage: bench_phase2 [trials per SNR point (100)] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

#include "line.h"
#include "sim.h"
#include "v34p2.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct { int done; int rate; int bps; double rtd_err; } trial;

static trial run_trial(double snr, uint64_t seed)
{
    hs_line_config lc = hs_line_config_default();
    lc.snr_db = snr;
    lc.seed = seed;
    lc.delay_ms = (double)(seed % 50);          /* vary the delay too: 0..49 ms one way */
    hs_line *line;
    hs_evq *qc, *qa;
    hs_v34p2 *c, *a;
    hs_line_create(&lc, &line);
    hs_evq_create(4096, &qc);
    hs_evq_create(4096, &qa);
    hs_v34p2_config cc = hs_v34p2_config_default(0), ac = hs_v34p2_config_default(1);
    hs_v34p2_create(&cc, qc, &c);
    hs_v34p2_create(&ac, qa, &a);
    hs_v34p2_start(c, 0);
    hs_v34p2_start(a, 0);
    size_t la = hs_line_get_lookahead(line);
    if (la > 256) la = 256;
    float rc[256], ra[256], tc[256], ta[256];
    for (uint64_t n = 0; n < 25 * 8000; n += la) {
        hs_line_output(line, ra, rc, la);
        hs_v34p2_process(c, rc, tc, la);
        hs_v34p2_process(a, ra, ta, la);
        hs_line_input(line, tc, ta, la);
        hs_evq_reset(qc);
        hs_evq_reset(qa);
        if (hs_v34p2_get_status(c) != HS_V34P2_RUNNING && hs_v34p2_get_status(a) != HS_V34P2_RUNNING) break;
    }
    trial t;
    t.done = hs_v34p2_get_status(c) == HS_V34P2_DONE && hs_v34p2_get_status(a) == HS_V34P2_DONE;
    hs_v34p2_choice ch = hs_v34p2_get_choice(c);
    t.rate = t.done ? ch.symbol_rate : 0;
    t.bps = t.done ? ch.max_rate_bps : 0;
    double truth = 2.0 * (double)hs_line_get_delay_samples(line) * 1000.0 / HS_RATE;
    double e1 = fabs(hs_v34p2_get_rtd_ms(c) - truth), e2 = fabs(hs_v34p2_get_rtd_ms(a) - truth);
    t.rtd_err = t.done ? (e1 > e2 ? e1 : e2) : 0.0;
    hs_v34p2_destroy(c);
    hs_v34p2_destroy(a);
    hs_evq_destroy(qc);
    hs_evq_destroy(qa);
    hs_line_destroy(line);
    return t;
}

static int cmp_d(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

int main(int argc, char **argv)
{
    int trials = argc > 1 ? atoi(argv[1]) : 100;
    if (trials < 1) trials = 1;
    static const double snrs[] = { 6, 9, 12, 13, 15, 18, 21, 24, 27, 30, 35, 40, 50 };
    static const int rates[6] = { 2400, 2743, 2800, 3000, 3200, 3429 };
    printf("V.34 phase 2, call/answer pair over dsp/line (300-3400 Hz, delay 0..49 ms), %d seeded trials per point\n", trials);
    printf("%6s %8s %6s %6s %6s %6s %6s %6s %10s %10s %8s\n", "SNR", "complete", "2400", "2743", "2800", "3000",
           "3200", "3429", "mean bit/s", "min..max", "max RTD err");
    for (size_t i = 0; i < sizeof snrs / sizeof snrs[0]; i++) {
        int done = 0, hist[6] = { 0 }, bmin = 1 << 30, bmax = 0;
        double bsum = 0.0, rmax = 0.0;
        for (int k = 0; k < trials; k++) {
            trial t = run_trial(snrs[i], 1000 * (uint64_t)i + (uint64_t)k + 1);
            if (!t.done) continue;
            done++;
            for (int r = 0; r < 6; r++) if (rates[r] == t.rate) hist[r]++;
            bsum += t.bps;
            if (t.bps < bmin) bmin = t.bps;
            if (t.bps > bmax) bmax = t.bps;
            if (t.rtd_err > rmax) rmax = t.rtd_err;
        }
        printf("%5.0f %7.0f%% %6d %6d %6d %6d %6d %6d %10.0f %5d..%-5d %7.3f ms\n", snrs[i], 100.0 * done / trials,
               hist[0], hist[1], hist[2], hist[3], hist[4], hist[5], done ? bsum / done : 0.0,
               done ? bmin : 0, bmax, rmax);
        fflush(stdout);
    }

    /* Speed: V.8 + phase 2 through dsp/sim on the default line; one warm-up, median of 5. */
    double t[5], sim_s = 0.0;
    for (int r = -1; r < 5; r++) {
        hs_sim_config c = hs_sim_config_default();
        hs_sim *s;
        hs_sim_create(&c, &s);
        double t0 = now_s();
        size_t n = 0, got;
        hs_event e;
        while ((got = hs_sim_step(s, 160, NULL, NULL, NULL, NULL)) > 0) {
            n += got;
            while (hs_sim_poll(s, &e)) {}
        }
        double dt = now_s() - t0;
        if (r >= 0) t[r] = dt;
        sim_s = (double)n / HS_RATE;
        hs_sim_destroy(s);
    }
    qsort(t, 5, sizeof t[0], cmp_d);
    printf("V.8 + phase 2 pair (sim, default line): %.2f s simulated in %.4f s: %.0fx real time (median of 5)\n",
           sim_s, t[2], sim_s / t[2]);
    return 0;
}
