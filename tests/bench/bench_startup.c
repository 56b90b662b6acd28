/* Benchmark (not a test): the whole start-up V.8 -> V.34 phase 2 -> phases 3/4 -> CONNECT
 * through dsp/sim (caller + answerer + line) versus line SNR: success rate (both endpoints
 * connected), the connect rate (the slower direction; mean, min, max), the SNR after training
 * (each receiver's, on the far phase-4 TRN) against the line's SNR, the time from the end of
 * V.8 to CONNECT, and the speed in x real time of the whole simulation on one core.
 * Seeded trials: seed k also sets the one-way delay (k % 50 ms).
 * Usage: bench_startup [trials per SNR point (100)] [SNR list, e.g. 15,20,30 (10..50 step 5)] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "line.h"
#include "sim.h"

typedef struct {
    int ok[2], rate[2];
    double snr[2], v8_end, connect;
    double sim_s;
    const char *why;
} trial;

static trial run_trial(double snr, uint64_t seed)
{
    trial t;
    memset(&t, 0, sizeof t);
    t.why = "-";
    hs_sim_config c = hs_sim_config_default();
    c.max_s = 30.0;
    c.tail_s = 0.0;
    c.line.snr_db = snr;
    c.line.seed = seed;
    c.line.delay_ms = (double)(seed % 50);
    hs_sim *s;
    if (hs_sim_create(&c, &s) != HS_OK) return t;
    while (hs_sim_step(s, 8000, NULL, NULL, NULL, NULL) > 0) {
        hs_event e;
        while (hs_sim_poll(s, &e)) {
            int k = e.source == HS_SRC_CALLER ? 0 : 1;
            const hs_field *f;
            if (e.type == HS_EV_CONNECT) {
                t.ok[k] = 1;
                t.rate[k] = (int)hs_event_field(&e, "tx_rate_bps")->v.i;
                t.snr[k] = hs_event_field(&e, "snr_db")->v.x;
                t.connect = (double)e.sample / HS_RATE;
            } else if (e.type == HS_EV_PHASE && k == 0 && (f = hs_event_field(&e, "name")) &&
                       strcmp(f->v.s, "V.34 phase 2") == 0) {
                t.v8_end = (double)e.sample / HS_RATE;
            } else if (e.type == HS_EV_RESULT && (f = hs_event_field(&e, "reason"))) {
                if (strcmp(t.why, "-") == 0) t.why = f->v.s;
            }
        }
    }
    t.sim_s = (double)hs_sim_get_now(s) / HS_RATE;
    hs_sim_destroy(s);
    return t;
}

int main(int argc, char **argv)
{
    int trials = argc > 1 ? atoi(argv[1]) : 100;
    double snrs[32];
    int ns = 0;
    if (argc > 2) {
        for (char *p = strtok(argv[2], ","); p && ns < 32; p = strtok(NULL, ",")) snrs[ns++] = atof(p);
    } else {
        for (double x = 10.0; x <= 50.0; x += 5.0) snrs[ns++] = x;
    }
    printf("whole start-up, %d seeded trials per point (delay = seed %% 50 ms one way), default line otherwise\n",
           trials);
    printf("%6s %8s %9s %9s %9s %12s %12s %10s  %s\n", "SNR", "success", "rate avg", "rate min", "rate max",
           "SNR eq c<-a", "SNR eq a<-c", "V.8->CON", "first failure");
    double total_sim = 0.0, total_cpu = 0.0;
    for (int i = 0; i < ns; i++) {
        int ok = 0, rmin = 1 << 30, rmax = 0;
        double rsum = 0.0, sc = 0.0, sa = 0.0, dt = 0.0;
        const char *why = "-";
        for (int k = 0; k < trials; k++) {
            clock_t c0 = clock();
            trial t = run_trial(snrs[i], 1000u + (uint64_t)k);
            total_cpu += (double)(clock() - c0) / CLOCKS_PER_SEC;
            total_sim += t.sim_s;
            if (t.ok[0] && t.ok[1]) {
                ok++;
                int r = t.rate[0] < t.rate[1] ? t.rate[0] : t.rate[1];
                rsum += r;
                if (r < rmin) rmin = r;
                if (r > rmax) rmax = r;
                sc += t.snr[0];
                sa += t.snr[1];
                dt += t.connect - t.v8_end;
            } else if (strcmp(why, "-") == 0) {
                why = t.why;
            }
        }
        if (!ok) rmin = 0;
        printf("%6.1f %7.1f%% %9.0f %9d %9d %12.1f %12.1f %9.2fs  %s\n", snrs[i], 100.0 * ok / trials,
               ok ? rsum / ok : 0.0, rmin, rmax, ok ? sc / ok : 0.0, ok ? sa / ok : 0.0, ok ? dt / ok : 0.0, why);
        fflush(stdout);
    }
    printf("speed: %.1f s simulated in %.1f s CPU = %.0fx real time (caller + answerer + line, one core)\n",
           total_sim, total_cpu, total_cpu > 0.0 ? total_sim / total_cpu : 0.0);
    return 0;
}
