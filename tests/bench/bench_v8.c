/* bench_v8: V.8 start-up, our pair (hs_modem, stop after V.8) against spandsp 0.0.6's pair,
 * both through the same line simulator (dsp/line.h, default line with the SNR varied).
 * Not a test. Build with -DHS_BUILD_BENCH=ON; run build/tests/bench_v8 [trials] [timing_runs].
 *
 *  1. completion rate vs SNR, 0..20 dB in 1 dB steps, `trials` seeded trials per point
 *     (default 100): success = both ends report V.8 done with V.34 duplex chosen (ours:
 *     HS_MODEM_DONE and result "V.34 duplex"; spandsp: V8_STATUS_V8_CALL with V8_MOD_V34
 *     in the common modulations) within 15 s.
 *  2. answer-tone detection time vs SNR: each implementation's detector on its own ANSam/
 *     (ours: hs_ansam_tx -> hs_ansdet; spandsp: modem_connect_tones_tx/rx ANSAM_PR) after the
 *     line, median and 90th percentile over seeds; "miss" = not detected within 5 s.
 *  3. x real time of each pair (endpoints + line), median of `timing_runs` runs (default 5)
 *     after one warm-up, CLOCK_MONOTONIC; then the line alone and each block alone (V.21
 *     transmitter and receiver, ANSam/ generator and detector, CT tone detector) on 60 s of
 *     its own signal at -13 dBm0 plus noise, fed sample by sample as the modem does.
 * `bench_v8 0 [runs] [what]` runs only the speed part; `what` (ours, spandsp, line or blocks)
 * keeps just that measurement, e.g. for `valgrind --tool=callgrind bench_v8 0 1 ours`.
 * Endpoints exchange 160-sample blocks (20 ms), which adds one block of delay per direction
 * on top of the line's. */
#include <time.h>
#include "hs_test.h"
#include "ansam.h"
#include "fsk.h"
#include "line.h"
#include "tonedet.h"
#include "modem.h"
#include "rng.h"

#if HS_HAVE_SPANDSP
#include "tones_spandsp.h"
#endif

#define RATE HS_RATE
#define BLOCK 160
#define MAX_S 15

typedef struct {
    const char *name;
    void *(*create)(int caller);
    void  (*process)(void *e, const float *in, float *out, size_t n);
    int   (*status)(void *e);           /* 0 running, 1 done with V.34 duplex, -1 other end */
    void  (*destroy)(void *e);
} impl;

/* ---- ours ---- */
#ifndef HS_BENCH_NO_OURS
static void *our_create(int caller)
{
    hs_modem_config c = hs_modem_config_default(caller ? HS_ROLE_CALLER : HS_ROLE_ANSWERER);
    c.stop_after = HS_STOP_AFTER_V8;
    hs_modem *m = NULL;
    if (hs_modem_create(&c, &m) != HS_OK) return NULL;
    return m;
}
static void our_process(void *e, const float *in, float *out, size_t n)
{
    hs_modem *m = e;
    hs_modem_process(m, in, out, n);
    hs_event ev;
    while (hs_modem_poll(m, &ev)) {}
}
static int our_status(void *e)
{
    hs_modem *m = e;
    hs_modem_status s = hs_modem_get_status(m);
    if (s == HS_MODEM_RUNNING) return 0;
    const char *r = hs_modem_get_result(m);
    return s == HS_MODEM_DONE && r && strcmp(r, "V.34 duplex") == 0 ? 1 : -1;
}
static void our_destroy(void *e) { hs_modem_destroy(e); }
#endif

/* ---- spandsp ---- */
#if HS_HAVE_SPANDSP
static void *sp_create(int caller) { return hs_sp_v8_create(caller, V8_MOD_V34 | V8_MOD_V32 | V8_MOD_V22 | V8_MOD_V21); }
static void sp_process(void *e, const float *in, float *out, size_t n) { hs_sp_v8_process(e, in, out, n); }
static int sp_status(void *e)
{
    hs_sp_v8 *s = e;
    if (s->done == 0) return 0;
    return s->done == 1 && (s->modulations & V8_MOD_V34) ? 1 : -1;
}
static void sp_destroy(void *e) { hs_sp_v8_destroy(e); }
#endif

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* One call; returns 1 on success; *samples = audio simulated, *at = completion sample. */
static int trial(const impl *im, double snr, uint64_t seed, uint64_t *samples, uint64_t *at)
{
    hs_line_config lc = hs_line_config_default();
    lc.snr_db = snr;
    lc.seed = seed;
    hs_line *l;
    if (hs_line_create(&lc, &l) != HS_OK) return 0;
    void *a = im->create(1), *b = im->create(0);
    float a_in[BLOCK] = { 0 }, b_in[BLOCK] = { 0 }, a_out[BLOCK], b_out[BLOCK];
    uint64_t n = 0;
    int ok = 0;
    *at = 0;
    while (n < (uint64_t)MAX_S * RATE) {
        im->process(a, a_in, a_out, BLOCK);
        im->process(b, b_in, b_out, BLOCK);
        hs_line_process(l, a_out, b_out, b_in, a_in, BLOCK);
        n += BLOCK;
        int sa = im->status(a), sb = im->status(b);
        if (sa && sb) { ok = sa == 1 && sb == 1; *at = n; break; }
    }
    *samples = n;
    im->destroy(a);
    im->destroy(b);
    hs_line_destroy(l);
    return ok;
}

static int cmp_d(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static double pct(double *v, int n, double p)
{
    if (n == 0) return NAN;
    qsort(v, (size_t)n, sizeof v[0], cmp_d);
    int i = (int)floor(p * (n - 1) + 0.5);
    return v[i];
}

/* ---- answer-tone detection through the line (caller side hears the answerer) ---- */
static double det_ours(double snr, uint64_t seed)
{
    hs_line_config lc = hs_line_config_default();
    lc.snr_db = snr;
    lc.seed = seed;
    hs_line *l;
    hs_line_create(&lc, &l);
    hs_ansam_config c = hs_ansam_config_ansam_pr();
    hs_ansam_tx *t;
    hs_ansam_tx_create(&c, &t);
    hs_ansdet *d;
    hs_ansdet_create(&d);
    float tx[BLOCK], rx[BLOCK];
    double res = -1.0;
    const uint64_t start = 1600;    /* 200 ms of silence first, as both answerers do */
    for (uint64_t n = 0; n < start + (uint64_t)5 * RATE; n += BLOCK) {
        if (n >= start) hs_ansam_tx_process(t, tx, BLOCK);
        else memset(tx, 0, sizeof tx);
        hs_line_process(l, NULL, tx, NULL, rx, BLOCK);
        hs_ansdet_process(d, rx, BLOCK);
        hs_ansdet_result r;
        hs_ansdet_get(d, &r);
        if (r.state == HS_ANSDET_ANSAM) {
            res = (double)(r.decided_at - start - hs_line_get_delay_samples(l)) / RATE;
            break;
        }
    }
    hs_ansdet_destroy(d);
    hs_ansam_tx_destroy(t);
    hs_line_destroy(l);
    return res;
}

#if HS_HAVE_SPANDSP
typedef struct { int hit; } sp_hit;
static void sp_tone_cb(void *u, int code, int level, int delay)
{
    (void)level;
    (void)delay;
    sp_hit *h = u;
    if (code == MODEM_CONNECT_TONES_ANSAM_PR && !h->hit) h->hit = 1;
}
static double det_spandsp(double snr, uint64_t seed)
{
    hs_line_config lc = hs_line_config_default();
    lc.snr_db = snr;
    lc.seed = seed;
    hs_line *l;
    hs_line_create(&lc, &l);
    modem_connect_tones_tx_state_t *t = modem_connect_tones_tx_init(NULL, MODEM_CONNECT_TONES_ANSAM_PR);
    sp_hit h = { 0 };
    modem_connect_tones_rx_state_t *d = modem_connect_tones_rx_init(NULL, MODEM_CONNECT_TONES_ANSAM_PR, sp_tone_cb, &h);
    int16_t s[BLOCK];
    float tx[BLOCK], rx[BLOCK];
    double res = -1.0;
    const uint64_t start = 1600;    /* spandsp's generator starts with 200 ms of silence */
    for (uint64_t n = 0; n < start + (uint64_t)5 * RATE; n += BLOCK) {
        int k = modem_connect_tones_tx(t, s, BLOCK);
        if (k < BLOCK) memset(s + (k > 0 ? k : 0), 0, (size_t)(BLOCK - (k > 0 ? k : 0)) * sizeof s[0]);
        hs_s162f(s, tx, BLOCK);
        hs_line_process(l, NULL, tx, NULL, rx, BLOCK);
        hs_f2s16(rx, s, BLOCK);
        modem_connect_tones_rx(d, s, BLOCK);
        if (h.hit) {   /* block resolution: the end of this block */
            res = (double)(n + BLOCK - start - hs_line_get_delay_samples(l)) / RATE;
            break;
        }
    }
    modem_connect_tones_rx_free(d);
    modem_connect_tones_tx_free(t);
    hs_line_destroy(l);
    return res;
}
#endif

/* ---- each block alone: 60 s of its signal, one sample per call ---- */
#define BLK_S 60

static void run_fsk_rx(const float *sig, size_t n)
{
    hs_fsk_config c = hs_fsk_config_v21(1);
    hs_fsk_rx *r;
    hs_fsk_rx_create(&c, &r);
    hs_bitq q;
    hs_bitq_init(&q);
    for (size_t i = 0; i < n; i++)
        if (hs_fsk_rx_process(r, sig + i, 1, &q)) hs_bitq_init(&q);
    hs_fsk_rx_destroy(r);
}
static void run_fsk_tx(const float *sig, size_t n)
{
    (void)sig;
    hs_fsk_config c = hs_fsk_config_v21(1);
    hs_fsk_tx *t;
    hs_fsk_tx_create(&c, &t);
    hs_bitq q;
    hs_bitq_init(&q);
    uint64_t bits = 1;
    float y;
    for (size_t i = 0; i < n; i++) {
        if (hs_bitq_count(&q) == 0) { bits = bits * 6364136223846793005ull + 1; hs_bitq_push(&q, (int)(bits >> 63)); }
        hs_fsk_tx_process(t, &q, &y, 1);
    }
    hs_fsk_tx_destroy(t);
}
static void run_ansam_tx(const float *sig, size_t n)
{
    (void)sig;
    hs_ansam_config c = hs_ansam_config_ansam_pr();
    hs_ansam_tx *t;
    hs_ansam_tx_create(&c, &t);
    float y;
    for (size_t i = 0; i < n; i++) hs_ansam_tx_process(t, &y, 1);
    hs_ansam_tx_destroy(t);
}
static void run_ansdet(const float *sig, size_t n)
{
    hs_ansdet *d;
    hs_ansdet_create(&d);
    for (size_t i = 0; i < n; i++) hs_ansdet_process(d, sig + i, 1);
    hs_ansdet_destroy(d);
}
static void run_tonedet(const float *sig, size_t n)
{
    hs_tonedet_config c = hs_tonedet_config_ct();
    hs_tonedet *d;
    hs_tonedet_create(&c, &d);
    hs_tonedet_edge e;
    for (size_t i = 0; i < n; i++)
        if (hs_tonedet_process(d, sig + i, 1)) while (hs_tonedet_next_edge(d, &e)) {}
    hs_tonedet_destroy(d);
}

static void bench_blocks(int runs)
{
    const size_t n = (size_t)BLK_S * RATE;
    float *fsk = calloc(n, sizeof *fsk), *ans = calloc(n, sizeof *ans);
    /* V.21(L) with random bits and ANSam/, both -13 dBm0, + noise at about 20 dB SNR */
    hs_fsk_config fc = hs_fsk_config_v21(1);
    hs_fsk_tx *ft;
    hs_fsk_tx_create(&fc, &ft);
    hs_ansam_config ac = hs_ansam_config_ansam_pr();
    hs_ansam_tx *at;
    hs_ansam_tx_create(&ac, &at);
    hs_bitq q;
    hs_bitq_init(&q);
    hs_rng rng;
    hs_rng_seed(&rng, 42);
    uint64_t bits = 7;
    for (size_t i = 0; i < n; i++) {
        if (hs_bitq_count(&q) == 0) { bits = bits * 6364136223846793005ull + 1; hs_bitq_push(&q, (int)(bits >> 63)); }
        hs_fsk_tx_process(ft, &q, &fsk[i], 1);
        hs_ansam_tx_process(at, &ans[i], 1);
        float w = 0.02f * (float)hs_rng_gauss(&rng);
        fsk[i] += w;
        ans[i] += w;
    }
    hs_fsk_tx_destroy(ft);
    hs_ansam_tx_destroy(at);
    const struct { const char *name; void (*run)(const float *, size_t); const float *sig; } b[] = {
        { "V.21 rx", run_fsk_rx, fsk },   { "V.21 tx", run_fsk_tx, NULL },
        { "ANSam tx", run_ansam_tx, NULL }, { "ANSam det", run_ansdet, ans },
        { "CT det", run_tonedet, fsk },
    };
    double *w = calloc((size_t)runs, sizeof *w);
    printf("\nEach block alone (%d s of its signal, one sample per call; median of %d runs after a warm-up)\n", BLK_S, runs);
    for (size_t k = 0; k < sizeof b / sizeof b[0]; k++) {
        for (int r = -1; r < runs; r++) {
            double t0 = now_s();
            b[k].run(b[k].sig, n);
            if (r >= 0) w[r] = now_s() - t0;
        }
        double med = pct(w, runs, 0.5);
        printf("  %-9s %8.0fx real time (%.1f ns/sample)\n", b[k].name, BLK_S / med, med / (double)n * 1e9);
    }
    free(w);
    free(fsk);
    free(ans);
}

int main(int argc, char **argv)
{
    int trials = argc > 1 ? atoi(argv[1]) : 100;
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    int det_trials = trials < 40 ? trials : 40;
    const char *only = argc > 3 ? argv[3] : NULL;
    impl ims[2];
    int nim = 0;
#ifndef HS_BENCH_NO_OURS
    ims[nim++] = (impl){ "ours", our_create, our_process, our_status, our_destroy };
#endif
#if HS_HAVE_SPANDSP
    ims[nim++] = (impl){ "spandsp", sp_create, sp_process, sp_status, sp_destroy };
#endif
#ifdef NDEBUG
    const char *bt = "NDEBUG";
#else
    const char *bt = "assertions on";
#endif
    printf("bench_v8: %d trials per SNR point, line = hs_line_config_default() (mu-law, 6 dB loss, "
           "10 ms delay) with SNR varied; build %s\n\n", trials, bt);

    double *tv = calloc((size_t)(trials > 0 ? trials : 1), sizeof *tv);
    double *dv = calloc((size_t)(det_trials > 0 ? det_trials : 1), sizeof *dv);
    if (trials <= 0) goto speed;

    /* 1. completion rate */
    printf("V.8 completion rate (V.34 duplex on both ends within %d s), median completion time\n", MAX_S);
    printf(" SNR dB");
    for (int i = 0; i < nim; i++) printf(" | %-8s rate   t_med s", ims[i].name);
    printf("\n");
    for (int snr = 0; snr <= 20; snr++) {
        printf(" %6d", snr);
        for (int i = 0; i < nim; i++) {
            int ok = 0, nt = 0;
            for (int k = 0; k < trials; k++) {
                uint64_t smp = 0, at = 0;
                if (trial(&ims[i], snr, 1000u * (uint64_t)snr + (uint64_t)k + 1, &smp, &at)) {
                    ok++;
                    tv[nt++] = (double)at / RATE;
                }
            }
            printf(" | %-8s %5.1f%% %7.2f", "", 100.0 * ok / trials, pct(tv, nt, 0.5));
        }
        printf("\n");
        fflush(stdout);
    }

    /* 2. answer tone detection time */
    printf("\nANSam/ detection time after the line (s from tone arrival; %d seeds per point)\n", det_trials);
    printf(" SNR dB | ours  median   p90  miss | spandsp median   p90  miss\n");
    for (int snr = 0; snr <= 20; snr += 2) {
        printf(" %6d", snr);
        for (int w = 0; w < 2; w++) {
            int nd = 0, miss = 0;
            for (int k = 0; k < det_trials; k++) {
                double t = -1.0;
                if (w == 0) t = det_ours(snr, 77u + (uint64_t)k);
#if HS_HAVE_SPANDSP
                else t = det_spandsp(snr, 77u + (uint64_t)k);
#endif
                if (t >= 0.0) dv[nd++] = t;
                else miss++;
            }
            printf(" |      %7.3f %5.3f %4d", pct(dv, nd, 0.5), pct(dv, nd, 0.9), miss);
        }
        printf("\n");
        fflush(stdout);
    }

    /* 3. speed */
speed:
    printf("\nSpeed (20 calls at 20 dB SNR per run, endpoints + line; median of %d runs after a warm-up)\n", runs);
    for (int i = 0; i < nim; i++) {
        if (only && strcmp(only, ims[i].name) != 0) continue;
        double *w = calloc((size_t)runs, sizeof *w);
        uint64_t audio = 0;
        for (int r = -1; r < runs; r++) {
            double t0 = now_s();
            uint64_t tot = 0;
            for (int k = 0; k < 20; k++) {
                uint64_t smp = 0, at = 0;
                trial(&ims[i], 20.0, 5000u + (uint64_t)k, &smp, &at);
                tot += smp;
            }
            double dt = now_s() - t0;
            if (r >= 0) w[r] = dt;
            audio = tot;
        }
        double med = pct(w, runs, 0.5);
        printf("  %-8s %.1f s of audio in %.3f s: %.2f Msamples/s, %.0fx real time\n", ims[i].name,
               (double)audio / RATE, med, (double)audio / med / 1e6, (double)audio / RATE / med);
        free(w);
    }
    /* the line alone, for reference */
    if (!only || strcmp(only, "line") == 0) {
        hs_line_config lc = hs_line_config_default();
        hs_line *l;
        hs_line_create(&lc, &l);
        float a[BLOCK] = { 0 }, b[BLOCK] = { 0 }, x[BLOCK], y[BLOCK];
        double *w = calloc((size_t)runs, sizeof *w);
        for (int r = -1; r < runs; r++) {
            double t0 = now_s();
            for (int k = 0; k < 100 * RATE / BLOCK; k++) hs_line_process(l, a, b, x, y, BLOCK);
            if (r >= 0) w[r] = now_s() - t0;
        }
        double med = pct(w, runs, 0.5);
        printf("  %-8s 100 s of audio (both directions) in %.3f s: %.0fx real time\n", "line", med, 100.0 / med);
        free(w);
        hs_line_destroy(l);
    }
    if (!only || strcmp(only, "blocks") == 0) bench_blocks(runs);
    free(tv);
    free(dv);
    return 0;
}
