/* QAM transmitter + receiver throughput: S, S-bar, PP, TRN and then random 4-point data at
 * 3429 Bd (the most expensive rate), through the receiver's full chain (AGC, NCO,
 * interpolating matched filter, 32-tap T/2 LMS equalizer, loops). Fixed seeded input, one
 * warm-up, median of 5 runs, CLOCK_MONOTONIC. */
#include <complex.h>
#include <stdlib.h>
#include <time.h>
#include "qam.h"
#include "qamrx.h"
#include "echocan.h"
#include "line.h"
#include "v34p34.h"
#include "v34train.h"
#include "rng.h"
#include "hs_test.h"

enum { SECONDS = 20, N = SECONDS * HS_RATE };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static float sig[N], out[N];

static void make_symbols(hs_qam_tx *tx, size_t nsym, hs_rng *r)
{
    hs_v34_mapper m;
    hs_v34_mapper_init(&m, HS_SCR_GPC);
    hs_v34_mapper_start_trn(&m);
    for (size_t k = 0; k < nsym; k++) {
        float complex s;
        if (k < 128) s = hs_v34_s_symbol((unsigned)k);
        else if (k < 144) s = hs_v34_sbar_symbol((unsigned)(k - 128));
        else if (k < 432) s = hs_v34_pp_symbol((unsigned)(k - 144));
        else if (k < 944) s = hs_v34_trn_symbol(&m, 4, NULL);
        else s = hs_v34_point_norm(4, 0, (int)(hs_rng_u64(r) & 3));
        hs_qam_tx_put(tx, s);
    }
}

static double run_tx(int sr)
{
    hs_qam_config c = hs_qam_config_default(sr, 0);
    c.fifo_symbols = 100000;
    hs_qam_tx *tx;
    hs_qam_tx_create(&c, &tx);
    hs_rng r;
    hs_rng_seed(&r, 1);
    make_symbols(tx, hs_qam_tx_symbols_needed(tx, N), &r);
    double t0 = now();
    hs_qam_tx_process(tx, sig, N);
    double t = now() - t0;
    hs_qam_tx_destroy(tx);
    return t;
}

static double run_rx(int sr, double *snr)
{
    hs_qamrx_config c = hs_qamrx_config_default(sr, 0);
    c.fifo_symbols = 1024;
    hs_qamrx *rx;
    hs_qamrx_create(&c, &rx);
    static hs_qamrx_sym syms[1024];
    double t0 = now();
    for (size_t d = 0; d < N; d += 160) {
        hs_qamrx_process(rx, sig + d, 160);
        hs_qamrx_read(rx, syms, 1024);
    }
    double t = now() - t0;
    *snr = hs_qamrx_get_snr_db(rx);
    hs_qamrx_destroy(rx);
    return t;
}

static double run_ec(void)
{
    hs_echocan_config c = hs_echocan_config_default();
    c.far_delay_samples = 240;
    hs_echocan *ec;
    hs_echocan_create(&c, &ec);
    hs_echocan_set_adapt(ec, 1);
    double t0 = now();
    hs_echocan_process(ec, sig, sig, out, N);
    double t = now() - t0;
    hs_echocan_destroy(ec);
    return t;
}

/* Phases 3 and 4, caller + answerer + line, until both connect (or 5 s). */
static double run_pair(int sr, int high, double *audio_s, int *rate)
{
    hs_line_config lc = hs_line_config_default();
    hs_line *ln;
    hs_line_create(&lc, &ln);
    hs_v34p34 *m[2];
    for (int k = 0; k < 2; k++) {
        hs_v34p34_config c = hs_v34p34_config_default(k ? HS_ROLE_ANSWERER : HS_ROLE_CALLER, sr, high);
        c.rtd_ms = 36;
        hs_v34p34_create(&c, NULL, &m[k]);
    }
    float ta = 0, tb = 0;
    size_t i = 0;
    double t0 = now();
    for (; i < 5 * HS_RATE; i++) {
        float tob, toa;
        hs_line_process(ln, &ta, &tb, &tob, &toa, 1);
        hs_v34p34_process(m[0], &toa, &ta, 1);
        hs_v34p34_process(m[1], &tob, &tb, 1);
        if ((i & 255) == 0 && hs_v34p34_get_status(m[0]) != HS_V34P34_RUNNING &&
            hs_v34p34_get_status(m[1]) != HS_V34P34_RUNNING) break;
    }
    double t = now() - t0;
    *audio_s = (double)i / HS_RATE;
    *rate = hs_v34p34_get_rate_bps(m[0], NULL, NULL);
    for (int k = 0; k < 2; k++) hs_v34p34_destroy(m[k]);
    hs_line_destroy(ln);
    return t;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(void)
{
    static const char *names[6] = { "2400", "2743", "2800", "3000", "3200", "3429" };
#ifdef NDEBUG
    const char *bt = "NDEBUG";
#else
    const char *bt = "assertions on";
#endif
    for (int sr = 0; sr < 6; sr++) {
        double ttx[5], trx[5], tec[5], snr = 0;
        run_tx(sr);
        run_rx(sr, &snr);
        for (int k = 0; k < 5; k++) {
            ttx[k] = run_tx(sr);
            trx[k] = run_rx(sr, &snr);
            tec[k] = run_ec();
        }
        qsort(ttx, 5, sizeof(double), cmp);
        qsort(trx, 5, sizeof(double), cmp);
        qsort(tec, 5, sizeof(double), cmp);
        printf("%s Bd  qam_tx %6.2f Msamples/s %6.0fx real time | qam_rx %6.2f Msamples/s %6.0fx | "
               "tx+rx %6.0fx | echocan(128 taps) %5.0fx | rx SNR %.1f dB (%s)\n",
               names[sr], N / ttx[2] / 1e6, SECONDS / ttx[2], N / trx[2] / 1e6, SECONDS / trx[2],
               SECONDS / (ttx[2] + trx[2]), SECONDS / tec[2], snr, bt);
    }
    for (int sr = 0; sr < 6; sr++) {
        double t[5], audio = 0;
        int rate = 0;
        run_pair(sr, 0, &audio, &rate);
        for (int k = 0; k < 5; k++) t[k] = run_pair(sr, 0, &audio, &rate);
        qsort(t, 5, sizeof(double), cmp);
        printf("%s Bd  phases 3+4 pair (2 modems + line, default line): %.2f s of audio to connect at %d bit/s, "
               "%.0fx real time (%s)\n", names[sr], audio, rate, audio / t[2], bt);
    }
    return 0;
}
