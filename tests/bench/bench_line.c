/* Throughput of the line simulator (both directions per sample), default line and with
 * every impairment on. Fixed seeded input, one warm-up, median of 5 runs, CLOCK_MONOTONIC. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "line.h"
#include "rng.h"

#define N (8000 * 60)        /* one minute of line per run */
#define BLOCK 160

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void bench(const char *name, const hs_line_config *c, const float *a, const float *b,
                  float *ya, float *yb)
{
    hs_line *l;
    if (hs_line_create(c, &l) != HS_OK) {
        fprintf(stderr, "bench_line: cannot create line '%s'\n", name);
        exit(1);
    }
    double t[6];
    for (int r = 0; r < 6; r++) {            /* run 0 is the warm-up */
        hs_line_reset(l);
        double t0 = now_s();
        for (size_t i = 0; i < N; i += BLOCK) hs_line_process(l, a + i, b + i, yb + i, ya + i, BLOCK);
        t[r] = now_s() - t0;
    }
    hs_line_destroy(l);
    qsort(t + 1, 5, sizeof t[0], cmp);
    double sps = N / t[3];
    printf("line %-14s %6.2f Msamples/s  %6.0fx real time  (%s)\n", name, sps * 1e-6, sps / 8000,
#ifdef NDEBUG
           "optimised, NDEBUG"
#else
           "asserts on"
#endif
    );
}

int main(void)
{
    float *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    float *ya = malloc(N * sizeof *ya), *yb = malloc(N * sizeof *yb);
    if (!a || !b || !ya || !yb) return 1;
    hs_rng r;
    hs_rng_seed(&r, 7);
    for (size_t i = 0; i < N; i++) {
        a[i] = (float)(0.1 * hs_rng_gauss(&r));
        b[i] = (float)(0.1 * hs_rng_gauss(&r));
    }
    hs_line_config c = hs_line_config_default();
    bench("default", &c, a, b, ya, yb);
    c.snr_db = 25;
    c.offset_hz = 3.7;
    c.ppm = -120;
    c.codec = HS_CODEC_ALAW;
    c.echo_db = -18;
    c.echo_ms = 31;
    c.delay_ms = 40;
    bench("all impairments", &c, a, b, ya, yb);
    free(a);
    free(b);
    free(ya);
    free(yb);
    return 0;
}
