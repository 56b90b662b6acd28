/* dsp/qamrx.c: V.34 QAM receiver (see qamrx.h). */
#include "qamrx.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "level.h"
#include "qam.h"
#include "v34train.h"

#define IP_PHASES 256        /* interpolator: phases per sample (timing step 1/256 sample) */
#define ZBUF      128        /* baseband history (power of two, > matched filter length) */
#define ALIGN_SKIP 24        /* PP symbols skipped before correlating (transients) */
#define ALIGN_LEN  96        /* PP symbols correlated: two periods */
#define ALIGN_SEARCH 8       /* +- symbols around the S-bar estimate */
#define NCOL (2 * ALIGN_SEARCH + 192)  /* PP symbols collected for the least-squares start */
#define LS_FIRST 8           /* first collected snapshot used (clear of S-bar) */
#define LS_TRN 256           /* TRN symbols in the second least-squares solution */

struct hs_qamrx {
    hs_qamrx_config cfg;
    double   S, Ts, fc;            /* symbol rate, samples per symbol, nominal carrier */
    int      Lh;                   /* matched filter half length, samples */
    float   *ip;                   /* IP_PHASES x 2Lh */
    int      ntaps;                /* equalizer taps (T/2) */
    float complex *w;              /* taps */
    float complex *dl;             /* delay line, 2 x ntaps mirrored */
    int      dpos;
    /* front end */
    uint64_t n;                    /* samples consumed */
    double   agc_gain, pin;        /* gain, input power estimate */
    double   nco_re, nco_im;       /* NCO phasor e^{-j theta} */
    double   step_re, step_im;     /* its rotation per sample */
    double   dfc;                  /* carrier correction (Hz) */
    float complex zb[2 * ZBUF];    /* baseband history, mirrored */
    double   t_next;               /* next T/2 instant, in samples */
    int      half;                 /* which half of the symbol the next output is */
    double   rate_corr, tim_int;   /* timing loop: proportional + integral rate */
    double   slip;                 /* instants moved by the timing loop since TRN began (T) */
    int64_t  nslip;
    /* symbol level */
    hs_qamrx_state state;
    float complex u1, u2, v1, v2;  /* previous pre-equalizer samples (two T/2 phases) */
    double   d2_avg_re, d2_avg_im, p_avg;
    double complex d2_sum;
    int      s_count, good;
    uint64_t sbar_sample;
    int64_t  m;                    /* symbols since S-bar */
    int64_t  pp_start;             /* symbol number (m) of PP(0) */
    float complex align[NCOL];     /* on-time samples u */
    float complex alignv[NCOL];    /* half a symbol earlier, v */
    float complex *snap;           /* NCOL delay-line snapshots */
    double complex *A, *b;         /* least-squares normal equations (accumulated) */
    double complex *L, *y;         /* Cholesky work */
    int      nalign;
    int64_t  idx;                  /* PP-relative index of the current symbol */
    int64_t  ntrain;               /* symbols equalised since training began */
    int64_t  trn_start;            /* index of TRN(0): PP_LEN in phase 3, set by start_trn later */
    int      phase4;               /* a later TRN (hs_qamrx_start_trn): no PP, no least squares */
    int      hold;                 /* hs_qamrx_set_hold: decision-directed updates frozen */
    double   trn_snr_db;           /* SNR over the last 64 T of the latest reference training */
    hs_v34_mapper trn;             /* regenerates the far TRN */
    double   phi, nu;              /* carrier phase loop */
    double   mse;
    /* FIFO */
    hs_qamrx_sym *fifo;
    size_t   fcap, fhead, fcount;
};

static void ls_add(hs_qamrx *rx, const float complex *x, float complex t);
static void ls_solve(hs_qamrx *rx);

static const char *state_names[] = { "idle", "S", "PP-align", "train-PP", "train-TRN", "DD" };
const char *hs_qamrx_state_name(hs_qamrx_state s) { return state_names[s]; }

hs_qamrx_config hs_qamrx_config_default(int symbol_rate_index, int high_carrier)
{
    hs_qamrx_config c;
    c.symbol_rate_index = symbol_rate_index;
    c.high_carrier = high_carrier;
    c.carrier_hz = 0.0;
    c.rolloff = 0.12;
    c.rrc_span_symbols = 12;
    c.eq_span_symbols = 16;
    c.far_poly = HS_SCR_GPC;
    c.trn_points = 4;
    c.trn_train_symbols = 512;
    c.dd_points = 4;
    c.detect_level_dbm0 = -43.0;
    c.fifo_symbols = 2048;
    return c;
}

const char *hs_qamrx_config_problem(const hs_qamrx_config *c)
{
    if (c->symbol_rate_index < 0 || c->symbol_rate_index > 5) return "symbol_rate_index: must be 0..5";
    if (c->carrier_hz < 0.0 || c->carrier_hz >= HS_RATE / 2) return "carrier_hz: must be 0 (table) or below 4000 Hz";
    if (!(c->rolloff >= 0.05 && c->rolloff <= 0.5)) return "rolloff: must be 0.05..0.5";
    if (c->rrc_span_symbols < 4 || c->rrc_span_symbols > 16) return "rrc_span_symbols: must be 4..16";
    if (c->eq_span_symbols < 4 || c->eq_span_symbols > 64) return "eq_span_symbols: must be 4..64";
    if (c->trn_points != 4 && c->trn_points != 16) return "trn_points: must be 4 or 16";
    if (c->dd_points != 4 && c->dd_points != 16) return "dd_points: must be 4 or 16";
    if (c->trn_train_symbols < 64) return "trn_train_symbols: must be at least 64";
    if (c->fifo_symbols < 1 || c->fifo_symbols > 1 << 20) return "fifo_symbols: must be 1..1048576";
    return NULL;
}

/* Rate-dependent figures and the interpolator table for rx->cfg (no allocation: the table
 * is sized at create for the longest symbol, 2400 Bd). */
static void setup(hs_qamrx *rx)
{
    const hs_qamrx_config *c = &rx->cfg;
    rx->S = hs_qam_symbol_rate(c->symbol_rate_index);
    rx->Ts = HS_RATE / rx->S;
    rx->fc = c->carrier_hz > 0.0 ? c->carrier_hz : hs_qam_carrier_hz(c->symbol_rate_index, c->high_carrier);
    rx->Lh = (int)ceil(c->rrc_span_symbols * rx->Ts / 2.0);
    /* T[p][i] = g((p/P + Lh - 1 - i) / Ts) / Ts, a Hann-tapered RRC */
    double half = rx->Lh;
    for (int p = 0; p < IP_PHASES; p++)
        for (int i = 0; i < 2 * rx->Lh; i++) {
            double d = (double)p / IP_PHASES + rx->Lh - 1 - i;
            double win = fabs(d) < half ? 0.5 + 0.5 * cos(HS_PI * d / half) : 0.0;
            rx->ip[p * 2 * rx->Lh + i] = (float)(hs_rrc(d / rx->Ts, c->rolloff) / rx->Ts * sqrt(win));
        }
}

hs_err hs_qamrx_create(const hs_qamrx_config *c, hs_qamrx **out)
{
    *out = NULL;
    if (hs_qamrx_config_problem(c)) return HS_EINVAL;
    hs_qamrx *rx = calloc(1, sizeof *rx);
    if (!rx) return HS_ENOMEM;
    rx->cfg = *c;
    int lh_max = (int)ceil(c->rrc_span_symbols * (HS_RATE / 2400.0) / 2.0);
    rx->ntaps = 2 * c->eq_span_symbols;
    rx->ip = malloc(sizeof(float) * (size_t)(IP_PHASES * 2 * lh_max));
    rx->w = malloc(sizeof(float complex) * (size_t)rx->ntaps);
    rx->dl = malloc(sizeof(float complex) * (size_t)(2 * rx->ntaps));
    rx->fcap = (size_t)c->fifo_symbols;
    rx->fifo = malloc(sizeof(hs_qamrx_sym) * rx->fcap);
    rx->snap = malloc(sizeof(float complex) * (size_t)(NCOL * rx->ntaps));
    rx->A = malloc(sizeof(double complex) * (size_t)(rx->ntaps * rx->ntaps));
    rx->b = malloc(sizeof(double complex) * (size_t)rx->ntaps);
    rx->L = malloc(sizeof(double complex) * (size_t)(rx->ntaps * rx->ntaps));
    rx->y = malloc(sizeof(double complex) * (size_t)rx->ntaps);
    if (!rx->ip || !rx->w || !rx->dl || !rx->fifo || !rx->snap || !rx->A || !rx->b || !rx->L || !rx->y) {
        hs_qamrx_destroy(rx);
        return HS_ENOMEM;
    }
    setup(rx);
    hs_qamrx_reset(rx);
    *out = rx;
    return HS_OK;
}

hs_err hs_qamrx_configure(hs_qamrx *rx, int symbol_rate_index, int high_carrier, double carrier_hz,
                          hs_scr_poly far_poly)
{
    hs_qamrx_config c = rx->cfg;
    c.symbol_rate_index = symbol_rate_index;
    c.high_carrier = high_carrier;
    c.carrier_hz = carrier_hz;
    c.far_poly = far_poly;
    c.trn_points = 4;
    c.dd_points = 4;
    if (hs_qamrx_config_problem(&c)) return HS_EINVAL;
    rx->cfg = c;
    setup(rx);
    hs_qamrx_reset(rx);
    return HS_OK;
}

static void set_nco(hs_qamrx *rx)
{
    double w = 2.0 * HS_PI * (rx->fc + rx->dfc) / HS_RATE;
    rx->step_re = cos(w);
    rx->step_im = -sin(w);
}

void hs_qamrx_reset(hs_qamrx *rx)
{
    rx->n = 0;
    rx->agc_gain = 1.0;
    rx->pin = 0.0;
    rx->nco_re = 1.0;
    rx->nco_im = 0.0;
    rx->dfc = 0.0;
    set_nco(rx);
    memset(rx->zb, 0, sizeof rx->zb);
    rx->t_next = 2.0 * rx->Lh;
    rx->half = 0;
    rx->rate_corr = rx->tim_int = 0.0;
    rx->slip = 0.0;
    rx->nslip = 0;
    rx->state = HS_QAMRX_IDLE;
    rx->u1 = rx->u2 = rx->v1 = rx->v2 = 0.0f;
    rx->d2_avg_re = rx->d2_avg_im = rx->p_avg = 0.0;
    rx->d2_sum = 0.0;
    rx->s_count = rx->good = 0;
    rx->sbar_sample = 0;
    rx->m = 0;
    rx->pp_start = 0;
    rx->nalign = 0;
    rx->idx = -1;
    rx->ntrain = 0;
    rx->trn_start = HS_V34_PP_LEN;
    rx->phase4 = 0;
    rx->hold = 0;
    rx->trn_snr_db = 0.0;
    hs_v34_mapper_init(&rx->trn, rx->cfg.far_poly);
    rx->phi = rx->nu = 0.0;
    rx->mse = 1.0;
    memset(rx->w, 0, sizeof(float complex) * (size_t)rx->ntaps);
    memset(rx->dl, 0, sizeof(float complex) * (size_t)(2 * rx->ntaps));
    rx->dpos = 0;
    rx->fhead = rx->fcount = 0;
}

void hs_qamrx_destroy(hs_qamrx *rx)
{
    if (!rx) return;
    free(rx->ip);
    free(rx->w);
    free(rx->dl);
    free(rx->fifo);
    free(rx->snap);
    free(rx->A);
    free(rx->b);
    free(rx->L);
    free(rx->y);
    free(rx);
}

static void push_sym(hs_qamrx *rx, float complex y, float complex d)
{
    if (rx->fcount == rx->fcap) return;
    hs_qamrx_sym *s = &rx->fifo[(rx->fhead + rx->fcount) % rx->fcap];
    s->sample = rx->n;
    s->index = rx->idx;
    s->y = y;
    s->d = d;
    s->state = (uint8_t)rx->state;
    rx->fcount++;
}

size_t hs_qamrx_read(hs_qamrx *rx, hs_qamrx_sym *out, size_t max)
{
    size_t k = 0;
    while (k < max && rx->fcount) {
        out[k++] = rx->fifo[rx->fhead];
        rx->fhead = (rx->fhead + 1) % rx->fcap;
        rx->fcount--;
    }
    return k;
}

static float complex reference(hs_qamrx *rx)
{
    if (rx->idx < rx->trn_start) return hs_v34_pp_symbol((unsigned)rx->idx);
    if (rx->idx == rx->trn_start) hs_v34_mapper_start_trn(&rx->trn);
    return hs_v34_trn_symbol(&rx->trn, rx->cfg.trn_points, NULL);
}

/* One symbol through the equalizer: output, error, LMS, phase loop, timing loop. */
static void equalize(hs_qamrx *rx)
{
    const float complex *x = rx->dl + rx->dpos;
    const float *xf = (const float *)x;
    float *wf = (float *)rx->w;
    const int n = rx->ntaps;
    /* y = sum w_k x_k; yd = sum w_k (x_{k-1} - x_{k+1}), k = 1..n-2 (timing gradient below) */
    float yr = 0.0f, yi = 0.0f, pn = 1e-6f, dr = 0.0f, di = 0.0f;
    for (int k = 0; k < n; k++) {
        float xr = xf[2 * k], xi = xf[2 * k + 1], wr = wf[2 * k], wi = wf[2 * k + 1];
        yr += wr * xr - wi * xi;
        yi += wr * xi + wi * xr;
        pn += xr * xr + xi * xi;
    }
    for (int k = 1; k < n - 1; k++) {
        float xr = xf[2 * k - 2] - xf[2 * k + 2], xi = xf[2 * k - 1] - xf[2 * k + 3];
        float wr = wf[2 * k], wi = wf[2 * k + 1];
        dr += wr * xr - wi * xi;
        di += wr * xi + wi * xr;
    }
    float complex y = yr + yi * I, yd = dr + di * I;
    float complex rot = (float)cos(rx->phi) - (float)sin(rx->phi) * I;
    float complex q = y * rot;
    float complex d;
    int64_t t = rx->ntrain++;
    if (rx->state == HS_QAMRX_DD && rx->idx == rx->trn_start && rx->phase4)
        rx->state = HS_QAMRX_TRAIN_TRN;              /* the scheduled TRN begins */
    if (rx->state == HS_QAMRX_DD) d = hs_v34_slice(q, rx->cfg.dd_points, NULL, NULL);
    else d = reference(rx);
    float complex e = d - q;
    /* in silence (between the far modem's phase-3 and phase-4 signals) hold everything:
     * decisions on noise would walk the taps away; the loops keep their frequencies */
    /* the AGC made the trained signal ~1 per sample, so sum |x|^2 ~ n: far below is silence */
    if (rx->state == HS_QAMRX_DD &&
        (rx->hold || pn < 0.03f * (float)n || rx->pin < hs_dbm0_to_power(rx->cfg.detect_level_dbm0))) {
        rx->phi += rx->nu;
        if (rx->phi > HS_PI) rx->phi -= 2.0 * HS_PI;
        if (rx->phi < -HS_PI) rx->phi += 2.0 * HS_PI;
        rx->rate_corr = rx->tim_int;
        push_sym(rx, q, d);
        rx->idx++;
        return;
    }
    /* least squares: phase 3 on PP + the first LS_TRN symbols of TRN (started in ls_start);
     * a later TRN (phase 4) on its own first LS_TRN symbols */
    if (rx->state != HS_QAMRX_DD && rx->idx < rx->trn_start + LS_TRN) {
        if (rx->phase4 && rx->idx == rx->trn_start) {
            memset(rx->A, 0, sizeof(double complex) * (size_t)(n * n));
            memset(rx->b, 0, sizeof(double complex) * (size_t)n);
        }
        ls_add(rx, x, d * conjf(rot));
        if (rx->idx == rx->trn_start + LS_TRN - 1) {
            ls_solve(rx);
            rx->ntrain = 1000000;   /* LMS from here on with the tracking step */
        }
    }
    /* NLMS step: before / after the second least-squares solution [eng] */
    float mu = t < 1000000 ? 0.05f : 0.01f;
    float complex g = mu * e * conjf(rot) / (pn + 0.1f * (float)n);   /* regularised NLMS */
    float gr = crealf(g), gi = cimagf(g);
    for (int k = 0; k < n; k++) {                 /* w_k += g conj(x_k) */
        float xr = xf[2 * k], xi = xf[2 * k + 1];
        wf[2 * k] += gr * xr + gi * xi;
        wf[2 * k + 1] += gi * xr - gr * xi;
    }
    /* carrier phase loop, second order */
    float dd = crealf(d) * crealf(d) + cimagf(d) * cimagf(d);
    if (dd > 1e-6f) {
        double pe = (double)cimagf(q * conjf(d)) / (double)dd;
        rx->nu += 0.0005 * pe;
        rx->phi += rx->nu + 0.05 * pe;
        if (rx->phi > HS_PI) rx->phi -= 2.0 * HS_PI;
        if (rx->phi < -HS_PI) rx->phi += 2.0 * HS_PI;
    }
    double ee = (double)(crealf(e) * crealf(e) + cimagf(e) * cimagf(e));
    rx->mse += (ee - rx->mse) / 64.0;
    /* timing: gradient of |e|^2 with respect to the sampling instant. dx_k/dt ~ (x_{k-1} -
     * x_{k+1}) / T (x_0 newest, taps T/2 apart), so dq/dt = rot sum w_k (x_{k-1} - x_{k+1}).
     * Sampling late by delta gives e ~ -delta dq/dt, so ted = 2 Re{e* dq/dt} ~ -2 delta |dq/dt|^2
     * (|dq/dt|^2 ~ 3 per T^2 for unit power): a second-order loop moves the instants by
     * kp ted per symbol and integrates the rate (ki), which is the clock offset. */
    double ted = 2.0 * (double)crealf(conjf(e) * yd * rot);
    if (ted > 1.0) ted = 1.0;
    if (ted < -1.0) ted = -1.0;
    rx->tim_int += 6.7e-5 * ted;
    rx->rate_corr = rx->tim_int + 6.7e-3 * ted;
    if (rx->state != HS_QAMRX_TRAIN_PP) {          /* measure from the start of TRN */
        rx->nslip++;
        rx->slip += rx->rate_corr;
    }
    push_sym(rx, q, d);
    rx->idx++;
    if (rx->state != HS_QAMRX_DD && rx->idx >= rx->trn_start + rx->cfg.trn_train_symbols) {
        rx->state = HS_QAMRX_DD;
        rx->trn_snr_db = hs_qamrx_get_snr_db(rx);
    } else if (rx->state == HS_QAMRX_TRAIN_PP && rx->idx >= HS_V34_PP_LEN) {
        rx->state = HS_QAMRX_TRAIN_TRN;
    }
}

/* Least-squares equalizer (the fast training of digest §5.8): minimise sum |t - w.x|^2 over
 * the training symbols, i.e. solve (sum x* x^T + loading) w = sum x* t. It starts on the PP
 * snapshots collected for the alignment and is solved again, on PP and the first
 * LS_TRN symbols of TRN, before the LMS takes over with a small step. */
static void ls_add(hs_qamrx *rx, const float complex *x, float complex t)
{
    const int n = rx->ntaps;
    const float *xf = (const float *)x;
    double *bf = (double *)rx->b;
    double tr = (double)crealf(t), ti = (double)cimagf(t);
    for (int i = 0; i < n; i++) {
        double ar = (double)xf[2 * i], ai = -(double)xf[2 * i + 1];   /* conj(x_i) */
        bf[2 * i] += ar * tr - ai * ti;
        bf[2 * i + 1] += ar * ti + ai * tr;
        double *row = (double *)(rx->A + i * n);
        for (int k = 0; k <= i; k++) {
            double kr = (double)xf[2 * k], ki = (double)xf[2 * k + 1];
            row[2 * k] += ar * kr - ai * ki;
            row[2 * k + 1] += ar * ki + ai * kr;
        }
    }
}

static void ls_solve(hs_qamrx *rx)
{
    const int n = rx->ntaps;
    double complex *L = rx->L, *y = rx->y;
    double tr = 0.0;
    for (int i = 0; i < n; i++) tr += creal(rx->A[i * n + i]);
    double load = 3e-3 * tr / n;   /* keeps the out-of-band directions near zero */
    for (int i = 0; i < n; i++) {  /* Cholesky L L^H = A + load I, lower triangle */
        for (int k = 0; k <= i; k++) {
            double complex sum = rx->A[i * n + k] + (i == k ? load : 0.0);
            for (int j = 0; j < k; j++) sum -= L[i * n + j] * conj(L[k * n + j]);
            if (i == k) L[i * n + i] = sqrt(creal(sum) > 1e-30 ? creal(sum) : 1e-30);
            else L[i * n + k] = sum / L[k * n + k];
        }
    }
    for (int i = 0; i < n; i++) {           /* L y = b */
        double complex sum = rx->b[i];
        for (int j = 0; j < i; j++) sum -= L[i * n + j] * y[j];
        y[i] = sum / L[i * n + i];
    }
    for (int i = n - 1; i >= 0; i--) {      /* L^H w = y */
        double complex sum = y[i];
        for (int j = i + 1; j < n; j++) sum -= conj(L[j * n + i]) * y[j];
        y[i] = sum / L[i * n + i];
    }
    for (int i = 0; i < n; i++) rx->w[i] = (float complex)y[i];
}

/* Snapshot jj is symbol m = 32 + jj, whose wanted symbol is PP(jj + 16 - d). */
static void ls_start(hs_qamrx *rx, int d)
{
    const int n = rx->ntaps;
    memset(rx->A, 0, sizeof(double complex) * (size_t)(n * n));
    memset(rx->b, 0, sizeof(double complex) * (size_t)n);
    for (int jj = LS_FIRST; jj < NCOL; jj++)
        ls_add(rx, rx->snap + jj * n, hs_v34_pp_symbol((unsigned)(jj + 16 - d)));
    ls_solve(rx);
}

static void symbol(hs_qamrx *rx)
{
    /* pre-equalizer samples at the centre of the delay line: on-time and half a symbol early */
    float complex u = rx->dl[rx->dpos + rx->ntaps / 2];
    float complex v = rx->dl[rx->dpos + rx->ntaps / 2 + 1];
    float complex d2 = u * conjf(rx->u2) + v * conjf(rx->v2);
    double p = (double)(crealf(u) * crealf(u) + cimagf(u) * cimagf(u) +
                        crealf(v) * crealf(v) + cimagf(v) * cimagf(v));
    rx->u2 = rx->u1; rx->u1 = u;
    rx->v2 = rx->v1; rx->v1 = v;
    double thr = hs_dbm0_to_power(rx->cfg.detect_level_dbm0);

    switch (rx->state) {
    case HS_QAMRX_IDLE:
        /* S: energy and z_n z*_{n-2} ~ +|z|^2 for 16 symbols [digest §5.3] */
        rx->d2_avg_re += ((double)crealf(d2) - rx->d2_avg_re) / 8.0;
        rx->d2_avg_im += ((double)cimagf(d2) - rx->d2_avg_im) / 8.0;
        rx->p_avg += (p - rx->p_avg) / 8.0;
        if (rx->pin > thr && hypot(rx->d2_avg_re, rx->d2_avg_im) > 0.7 * rx->p_avg) rx->good++;
        else rx->good = 0;
        if (rx->good >= 16) {
            rx->state = HS_QAMRX_S;
            rx->d2_sum = 0.0;
            rx->s_count = 0;
        }
        break;
    case HS_QAMRX_S: {
        /* S-bar: the pattern turns by 180 degrees, z_n z*_{n-2} flips sign */
        double complex ref = rx->d2_sum;
        double proj = creal((double complex)d2 * conj(ref));
        if (rx->s_count >= 8 && proj < 0.0) {
            rx->sbar_sample = rx->n;
            rx->dfc = carg(ref) / 2.0 * rx->S / (2.0 * HS_PI);   /* rotation per symbol -> Hz */
            set_nco(rx);
            rx->agc_gain *= sqrt(0.5 / (rx->pin > 1e-20 ? rx->pin : 1e-20));
            rx->m = 0;
            rx->nalign = 0;
            rx->state = HS_QAMRX_PP_ALIGN;
            break;
        }
        if (rx->s_count >= 4) rx->d2_sum += (double complex)d2;
        rx->s_count++;
        if (rx->pin < thr / 4.0) { rx->state = HS_QAMRX_IDLE; rx->good = 0; }
        break;
    }
    case HS_QAMRX_PP_ALIGN: {
        /* S-bar detected at m = 0 (its first symbol, within +-1); PP(0) expected at m = 16 */
        int64_t first = HS_V34_SBAR_LEN + ALIGN_SKIP - ALIGN_SEARCH;
        if (rx->m >= first) {
            rx->alignv[rx->nalign] = v;
            memcpy(rx->snap + rx->nalign * rx->ntaps, rx->dl + rx->dpos, sizeof(float complex) * (size_t)rx->ntaps);
            rx->align[rx->nalign++] = u;
        }
        if (rx->nalign == NCOL) {
            /* PP has a zero periodic autocorrelation off lag 0 (§5.5): correlating the centre
             * samples with it under hypothesis "PP(0) at m = 16 + dlt" measures the gain of
             * the symbol that hypothesis places on the centre tap; take the strongest. */
            double best = -1.0;
            int bestd = 0;
            for (int dlt = -ALIGN_SEARCH; dlt <= ALIGN_SEARCH; dlt++) {
                float complex au = 0.0f, av = 0.0f;
                for (int j = 0; j < ALIGN_LEN; j++) {
                    int jj = j + ALIGN_SEARCH + dlt;    /* m = 16 + 24 + dlt + j */
                    float complex pc = conjf(hs_v34_pp_symbol((unsigned)(ALIGN_SKIP + j)));
                    au += rx->align[jj] * pc;
                    av += rx->alignv[jj] * pc;
                }
                double e = (double)(cabsf(au) * cabsf(au) + cabsf(av) * cabsf(av));
                if (e > best) { best = e; bestd = dlt; }
            }
            rx->pp_start = HS_V34_SBAR_LEN + bestd;
            rx->idx = rx->m - rx->pp_start + 1;     /* PP index of the next symbol */
            ls_start(rx, bestd);
            rx->phi = rx->nu = 0.0;
            rx->ntrain = 0;
            rx->state = HS_QAMRX_TRAIN_PP;
        }
        rx->m++;
        break;
    }
    case HS_QAMRX_TRAIN_PP:
    case HS_QAMRX_TRAIN_TRN:
    case HS_QAMRX_DD:
        equalize(rx);
        break;
    }
}

void hs_qamrx_process(hs_qamrx *rx, const float *in, size_t n)
{
    const int L2 = 2 * rx->Lh;
    for (size_t j = 0; j < n; j++) {
        double x = (double)in[j];
        rx->pin += (x * x - rx->pin) / 128.0;
        x *= 2.0 * rx->agc_gain;
        float complex z = (float)(x * rx->nco_re) + (float)(x * rx->nco_im) * I;
        double nr = rx->nco_re * rx->step_re - rx->nco_im * rx->step_im;
        double ni = rx->nco_re * rx->step_im + rx->nco_im * rx->step_re;
        double k = 1.5 - 0.5 * (nr * nr + ni * ni);      /* keep |phasor| = 1 */
        rx->nco_re = nr * k;
        rx->nco_im = ni * k;
        rx->zb[rx->n & (ZBUF - 1)] = z;
        rx->zb[(rx->n & (ZBUF - 1)) + ZBUF] = z;
        /* T/2 outputs whose filter window is complete */
        while ((double)rx->n >= floor(rx->t_next) + rx->Lh) {
            double fl = floor(rx->t_next);
            int p = (int)lround((rx->t_next - fl) * IP_PHASES);
            int64_t mf = (int64_t)fl;
            if (p == IP_PHASES) { p = 0; mf++; }
            const float *c = rx->ip + p * L2;
            int64_t m0 = mf - rx->Lh + 1;
            const float *zf = (const float *)(rx->zb + ((uint64_t)m0 & (ZBUF - 1)));
            float ar = 0.0f, ai = 0.0f;
            for (int i = 0; i < L2; i++) {
                ar += c[i] * zf[2 * i];
                ai += c[i] * zf[2 * i + 1];
            }
            float complex acc = ar + ai * I;
            rx->dpos = rx->dpos == 0 ? rx->ntaps - 1 : rx->dpos - 1;
            rx->dl[rx->dpos] = acc;
            rx->dl[rx->dpos + rx->ntaps] = acc;
            rx->t_next += rx->Ts / 2.0 * (1.0 + rx->rate_corr);
            rx->half ^= 1;
            if (!rx->half) symbol(rx);
        }
        rx->n++;
    }
}

hs_qamrx_state hs_qamrx_get_state(const hs_qamrx *rx) { return rx->state; }
double hs_qamrx_get_mse(const hs_qamrx *rx) { return rx->mse; }
double hs_qamrx_get_snr_db(const hs_qamrx *rx) { return -10.0 * log10(rx->mse > 1e-12 ? rx->mse : 1e-12); }
/* How far the timing loop has moved the sampling instants (in T) per symbol since TRN began:
 * the far clock's slip against ours. (What the equalizer absorbs meanwhile stays bounded.) */
double hs_qamrx_get_timing_offset_ppm(const hs_qamrx *rx)
{
    return rx->nslip ? rx->slip / (double)rx->nslip * 1e6 : 0.0;
}
double hs_qamrx_get_carrier_offset_hz(const hs_qamrx *rx)
{
    return rx->dfc + rx->nu * rx->S / (2.0 * HS_PI);
}
double hs_qamrx_get_agc_gain_db(const hs_qamrx *rx) { return 20.0 * log10(rx->agc_gain); }
size_t hs_qamrx_get_taps(const hs_qamrx *rx, float complex *taps, size_t max)
{
    size_t k = (size_t)rx->ntaps < max ? (size_t)rx->ntaps : max;
    memcpy(taps, rx->w, k * sizeof *taps);
    return k;
}
uint64_t hs_qamrx_get_sbar_sample(const hs_qamrx *rx) { return rx->sbar_sample; }
double   hs_qamrx_get_trn_snr_db(const hs_qamrx *rx) { return rx->trn_snr_db; }

void hs_qamrx_set_hold(hs_qamrx *rx, int hold) { rx->hold = hold ? 1 : 0; }

void hs_qamrx_start_trn(hs_qamrx *rx, int points, int64_t delay_symbols)
{
    if (rx->state != HS_QAMRX_DD) return;
    rx->phase4 = 1;
    rx->cfg.trn_points = points;
    rx->cfg.dd_points = points;
    rx->trn_start = rx->idx + (delay_symbols > 0 ? delay_symbols : 0);
}
int64_t hs_qamrx_get_symbol_index(const hs_qamrx *rx) { return rx->idx; }
