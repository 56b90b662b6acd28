/* dsp/line.c: the simulated telephone line (contract: dsp/line.h).
 *
 * One direction (A->B uses +ppm, B->A the reciprocal clock ratio):
 *   x * gain                              attenuation
 *   -> complex FIR, 129 taps              telephone band 300-3400 Hz and the analytic signal
 *                                         in one filter (a Kaiser-windowed low-pass of
 *                                         half-width 1620 Hz moved to 1850 Hz, times 2)
 *   -> Re{z e^{j phi}}                    carrier frequency offset (a unit phasor rotating
 *                                         at offset_hz)
 *   -> 32-tap windowed-sinc interpolator  sample clock offset (polyphase table, 128 phases)
 *   -> float -> int16 -> G.711 -> float   codec round trip
 *   -> fixed delay (>= 1 sample)          the rest of the configured one-way delay
 *   -> + white Gaussian noise             sigma from the SNR definition in line.h
 * and each receiver adds echo_gain * (its own transmit signal, echo delay earlier).
 *
 * The FIR's group delay (64 samples) and the interpolator's latency count towards the
 * one-way delay, so the configured delay is exact as long as it is at least their sum + 1;
 * below that the minimum is applied (hs_line_get_delay_samples tells).
 *
 * Clock offset with a lock-stepped simulator: if B's clock is fast by ppm, B reads A's
 * signal at 1/(1 + ppm 1e-6) samples per tick (the A->B delay grows) and A reads B's at
 * 1 + ppm 1e-6 (the B->A delay shrinks). The drift stops after PPM_HORIZON samples (the
 * clocks lock from then on), and B->A starts with enough extra latency to shrink for that
 * long; A->B is padded with plain delay so both directions start at the same delay. */
#include "line.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "g711.h"
#include "level.h"
#include "rng.h"

#define FILT_K      64                 /* band filter: 2K+1 taps, group delay K samples */
#define FILT_N      (2 * FILT_K + 1)
#define FILT_ATTEN  40.0               /* Kaiser design stopband, dB */
#define RES_HALF    16                 /* interpolator: 2*RES_HALF taps */
#define RES_TAPS    (2 * RES_HALF)
#define RES_PHASES  128
#define RES_BETA    6.0                /* Kaiser beta: about 60 dB image rejection */
#define PPM_HORIZON ((uint64_t)60 * HS_RATE)   /* clock drift lasts 60 s, then locks */
#define MAX_MS      2000.0             /* longest delay and echo delay */
#define NOISE_BAND_FRACTION (3100.0 / 4000.0)  /* share of white noise in 300-3400 Hz */

typedef struct {
    /* from the config */
    double   step_m1;         /* interpolator read step - 1 (0: no clock offset) */
    size_t   res_lat0;        /* interpolator latency at the start, samples */
    size_t   dfix;            /* fixed delay, samples, >= 1 */
    float    noise_sigma;
    uint64_t seed;
    /* state */
    float   *fhist;           /* 2*FILT_N: filter history, newest at fpos, mirrored */
    float   *frev;            /* 2*FILT_N: the same samples oldest first, newest at rpos and rpos + FILT_N */
    size_t   fpos, rpos;
    double   rot_re, rot_im;  /* carrier offset phasor e^{j phi} */
    double   cos_d, sin_d;    /* its step e^{j dphi} */
    float   *rbuf;            /* interpolator input ring */
    size_t   rmask;
    float   *dline;           /* fixed delay ring */
    size_t   dmask;
    hs_rng   rng;
} line_dir;

struct hs_line {
    hs_line_config c;
    float    gain;            /* attenuation as a factor */
    int      filt_on;         /* band filter or frequency shift active */
    int      shift_on;
    int      res_on;
    int      codec;
    float    hre[FILT_N], him[FILT_N];          /* complex band filter taps */
    float    hfold[FILT_K + 8];  /* hre folded (it is even): hfold[i] pairs i and 2K-i ago, centre halved */
    float    *rtab;           /* (RES_PHASES + 1) * RES_TAPS interpolator taps (ppm != 0) */
    float    cdec[256];       /* G.711 code -> float (hs_s16_to_float of the decoded value) */
    int      echo_on;
    float    echo_gain;
    size_t   echo_d;
    float   *ebuf[2];         /* own transmit signal of A (0) and B (1) */
    size_t   emask;
    size_t   delay;           /* one-way delay applied at the start */
    size_t   lookahead;
    uint64_t nin, nout;       /* samples taken / produced */
    line_dir d[2];            /* 0: A->B, 1: B->A */
};

hs_line_config hs_line_config_default(void)
{
    /* A good local call: one digital exchange (one mu-law stage), 6 dB of loop loss,
     * 40 dB SNR, 10 ms one way (the band filter alone takes 8 ms), clocks and carrier
     * exact, no echo. */
    hs_line_config c = {
        .snr_db = 40.0,
        .delay_ms = 10.0,
        .offset_hz = 0.0,
        .ppm = 0.0,
        .codec = HS_CODEC_ULAW,
        .echo_db = -120.0,
        .echo_ms = 0.0,
        .atten_db = 6.0,
        .ref_level_dbm0 = -13.0,
        .band_filter = 1,
        .seed = 1,
    };
    return c;
}

static int in_range(double v, double lo, double hi) { return v >= lo && v <= hi; }

const char *hs_line_config_problem(const hs_line_config *c)
{
    if (!c) return "no line config";
    if (!(c->snr_db >= -30.0)) return "snr_db must be at least -30 dB (above 100: no noise)";
    if (!in_range(c->delay_ms, 0.0, MAX_MS)) return "delay_ms must be between 0 and 2000 ms";
    if (!in_range(c->offset_hz, -200.0, 200.0)) return "offset_hz must be between -200 and 200 Hz";
    if (!in_range(c->ppm, -1000.0, 1000.0)) return "ppm must be between -1000 and 1000";
    if (c->codec != HS_CODEC_NONE && c->codec != HS_CODEC_ULAW && c->codec != HS_CODEC_ALAW)
        return "codec must be none, ulaw or alaw";
    if (!(c->echo_db <= 0.0)) return "echo_db must be at most 0 dB (<= -100: no echo)";
    if (!in_range(c->echo_ms, 0.0, MAX_MS)) return "echo_ms must be between 0 and 2000 ms";
    if (!in_range(c->atten_db, 0.0, 60.0)) return "atten_db must be between 0 and 60 dB";
    if (!in_range(c->ref_level_dbm0, -60.0, 3.0))
        return "ref_level_dbm0 must be between -60 and 3 dBm0";
    if (c->band_filter != 0 && c->band_filter != 1) return "band_filter must be 0 or 1";
    return NULL;
}

/* Modified Bessel function of the first kind, order 0 (power series). */
static double bessel_i0(double x)
{
    double sum = 1.0, term = 1.0, q = x * x / 4.0;
    for (int k = 1; k < 50; k++) {
        term *= q / ((double)k * k);
        sum += term;
        if (term < sum * 1e-17) break;
    }
    return sum;
}

static double kaiser(double t, double half, double beta)   /* t in [-half, half] */
{
    double r = t / half;
    if (r * r >= 1.0) return 0.0;
    return bessel_i0(beta * sqrt(1.0 - r * r)) / bessel_i0(beta);
}

static double sinc(double x) { return x == 0.0 ? 1.0 : sin(HS_PI * x) / (HS_PI * x); }

/* Complex band-pass: passes lo_hz..hi_hz (the -6 dB points) of positive frequencies with
 * gain 2, rejects negative ones; Re{} of its output is the band-passed input. */
static void design_band(hs_line *l, double lo_hz, double hi_hz)
{
    double beta = 0.5842 * pow(FILT_ATTEN - 21.0, 0.4) + 0.07886 * (FILT_ATTEN - 21.0);
    double fc = 0.5 * (lo_hz + hi_hz) / HS_RATE, bw = 0.5 * (hi_hz - lo_hz) / HS_RATE;
    for (int i = 0; i < FILT_N; i++) {
        double m = i - FILT_K;
        double h = 2.0 * bw * sinc(2.0 * bw * m) * kaiser(m, FILT_K + 1, beta);
        l->hre[i] = (float)(2.0 * h * cos(2.0 * HS_PI * fc * m));
        l->him[i] = (float)(2.0 * h * sin(2.0 * HS_PI * fc * m));
    }
    /* hre[i] == hre[FILT_N-1-i] exactly (h and cos are even in m): fold it. Lanes pad to a
     * multiple of 8 with zeros. */
    for (int i = 0; i < FILT_K + 8; i++) l->hfold[i] = i < FILT_K ? l->hre[i] : i == FILT_K ? 0.5f * l->hre[i] : 0.0f;
}

/* Interpolator phases: row p gives the taps for a read point p/RES_PHASES past sample i,
 * tap j multiplying x[i + j - RES_HALF + 1]. Each row has unit DC gain. */
static void design_resampler(float *tab)
{
    for (int p = 0; p <= RES_PHASES; p++) {
        double mu = (double)p / RES_PHASES, sum = 0.0, h[RES_TAPS];
        for (int j = 0; j < RES_TAPS; j++) {
            double t = (double)(j - RES_HALF + 1) - mu;
            h[j] = sinc(t) * kaiser(t, RES_HALF, RES_BETA);
            sum += h[j];
        }
        for (int j = 0; j < RES_TAPS; j++) tab[p * RES_TAPS + j] = (float)(h[j] / sum);
    }
}

static size_t pow2_at_least(size_t n)
{
    size_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

void hs_line_reset(hs_line *l)
{
    assert(l);
    for (int k = 0; k < 2; k++) {
        line_dir *d = &l->d[k];
        memset(d->fhist, 0, 2 * FILT_N * sizeof *d->fhist);
        memset(d->frev, 0, 2 * FILT_N * sizeof *d->frev);
        d->fpos = 0;
        d->rpos = 0;
        d->rot_re = 1.0;
        d->rot_im = 0.0;
        memset(d->rbuf, 0, (d->rmask + 1) * sizeof *d->rbuf);
        memset(d->dline, 0, (d->dmask + 1) * sizeof *d->dline);
        hs_rng_seed(&d->rng, d->seed);
        memset(l->ebuf[k], 0, (l->emask + 1) * sizeof *l->ebuf[k]);
    }
    l->nin = l->nout = 0;
}

void hs_line_destroy(hs_line *l)
{
    if (!l) return;
    for (int k = 0; k < 2; k++) {
        free(l->d[k].fhist);
        free(l->d[k].frev);
        free(l->d[k].rbuf);
        free(l->d[k].dline);
        free(l->ebuf[k]);
    }
    free(l->rtab);
    free(l);
}

hs_err hs_line_create(const hs_line_config *c, hs_line **out)
{
    if (!out) return HS_EINVAL;
    *out = NULL;
    if (hs_line_config_problem(c)) return HS_EINVAL;
    hs_line *l = calloc(1, sizeof *l);
    if (!l) return HS_ENOMEM;
    l->c = *c;
    l->gain = (float)pow(10.0, -c->atten_db / 20.0);
    l->shift_on = c->offset_hz != 0.0;
    l->filt_on = c->band_filter || l->shift_on;
    l->res_on = c->ppm != 0.0;
    l->codec = (int)c->codec;
    /* -6 dB points: 230 / 3470 Hz put the 0 dB edges of the ~140 Hz wide Kaiser transition
     * at 300 / 3400 Hz. Without the band filter a frequency shift still needs the analytic
     * signal: then the filter passes about 140-3860 Hz. */
    if (c->band_filter) design_band(l, 230.0, 3470.0);
    else design_band(l, 70.0, 3930.0);

    double eps = c->ppm * 1e-6;
    l->d[0].step_m1 = l->res_on ? 1.0 / (1.0 + eps) - 1.0 : 0.0;   /* A->B: B's clock */
    l->d[1].step_m1 = l->res_on ? eps : 0.0;                        /* B->A: A's clock */

    size_t lat_max = 0;
    for (int k = 0; k < 2; k++) {
        line_dir *d = &l->d[k];
        d->cos_d = cos(2.0 * HS_PI * c->offset_hz / HS_RATE);
        d->sin_d = sin(2.0 * HS_PI * c->offset_hz / HS_RATE);
        double drift = (double)PPM_HORIZON * fabs(d->step_m1);
        if (l->res_on) {
            d->res_lat0 = RES_HALF + 1 + (d->step_m1 > 0.0 ? (size_t)ceil(drift) : 0);
            d->rmask = pow2_at_least((size_t)ceil(drift) + d->res_lat0 + RES_TAPS + 2) - 1;
        } else {
            d->res_lat0 = 0;
            d->rmask = 0;
        }
        if (d->res_lat0 > lat_max) lat_max = d->res_lat0;
    }
    size_t k_filt = l->filt_on ? FILT_K : 0;
    size_t want = (size_t)llround(c->delay_ms * HS_RATE / 1000.0);
    size_t dmin = k_filt + lat_max + 1;
    l->delay = want > dmin ? want : dmin;

    l->echo_on = c->echo_db > -100.0;
    l->echo_gain = l->echo_on ? (float)pow(10.0, c->echo_db / 20.0) : 0.0f;
    size_t ems = (size_t)llround(c->echo_ms * HS_RATE / 1000.0);
    l->echo_d = ems < 1 ? 1 : ems;
    l->emask = pow2_at_least(l->echo_d + 1) - 1;

    /* Noise: white over 0-4000 Hz, so the 300-3400 Hz band holds 3100/4000 of its power. */
    double g = pow(10.0, -c->atten_db / 20.0);
    double psig = hs_dbm0_to_power(c->ref_level_dbm0) * g * g;
    double pband = psig * pow(10.0, -c->snr_db / 10.0);
    float sigma = c->snr_db > 100.0 ? 0.0f : (float)sqrt(pband / NOISE_BAND_FRACTION);

    uint64_t sx = c->seed;
    l->lookahead = l->echo_on ? l->echo_d : SIZE_MAX;
    for (int k = 0; k < 2; k++) {
        line_dir *d = &l->d[k];
        d->dfix = l->delay - k_filt - d->res_lat0;
        d->dmask = pow2_at_least(d->dfix + 1) - 1;
        d->noise_sigma = sigma;
        d->seed = hs_splitmix64(&sx);
        if (d->dfix < l->lookahead) l->lookahead = d->dfix;
        d->fhist = malloc(2 * FILT_N * sizeof *d->fhist);
        d->frev = malloc(2 * FILT_N * sizeof *d->frev);
        d->rbuf = malloc((d->rmask + 1) * sizeof *d->rbuf);
        d->dline = malloc((d->dmask + 1) * sizeof *d->dline);
        l->ebuf[k] = malloc((l->emask + 1) * sizeof *l->ebuf[k]);
        if (!d->fhist || !d->frev || !d->rbuf || !d->dline || !l->ebuf[k]) {
            hs_line_destroy(l);
            return HS_ENOMEM;
        }
    }
    if (l->res_on) {   /* without a clock offset the interpolator is never used */
        l->rtab = malloc((RES_PHASES + 1) * RES_TAPS * sizeof *l->rtab);
        if (!l->rtab) {
            hs_line_destroy(l);
            return HS_ENOMEM;
        }
        design_resampler(l->rtab);
    }
    for (int code = 0; code < 256; code++) {
        int16_t s = l->codec == HS_CODEC_ALAW ? hs_alaw_decode((uint8_t)code) : hs_ulaw_decode((uint8_t)code);
        hs_s16_to_float(&s, &l->cdec[code], 1);
    }
    hs_line_reset(l);
    *out = l;
    return HS_OK;
}

size_t hs_line_get_delay_samples(const hs_line *l) { return l->delay; }
size_t hs_line_get_lookahead(const hs_line *l) { return l->lookahead; }

/* FIR dot product over FILT_N taps in eight interleaved partial sums (a fixed order, so
 * the result is the same on every run; the compiler can vectorise it). */
static float dot(const float *h, const float *x)
{
    float acc[8] = { 0 };
    int i = 0;
    for (; i + 8 <= FILT_N; i += 8)
        for (int j = 0; j < 8; j++) acc[j] += h[i + j] * x[i + j];
    float y = 0.0f;
    for (; i < FILT_N; i++) y += h[i] * x[i];
    return y + ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

/* The real band filter folded: sum of hfold[i] * (x[i ago] + x[2K - i ago]) for i <= K
 * (FILT_K + 1 = 65 terms padded to 72, eight partial sums; o[i] = the sample 2K - i ago). */
static float dot_fold(const float *h, const float *x, const float *o)
{
    float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f, a4 = 0.0f, a5 = 0.0f, a6 = 0.0f, a7 = 0.0f;
    for (int i = 0; i < FILT_K + 8; i += 8) {
        a0 += h[i] * (x[i] + o[i]);
        a1 += h[i + 1] * (x[i + 1] + o[i + 1]);
        a2 += h[i + 2] * (x[i + 2] + o[i + 2]);
        a3 += h[i + 3] * (x[i + 3] + o[i + 3]);
        a4 += h[i + 4] * (x[i + 4] + o[i + 4]);
        a5 += h[i + 5] * (x[i + 5] + o[i + 5]);
        a6 += h[i + 6] * (x[i + 6] + o[i + 6]);
        a7 += h[i + 7] * (x[i + 7] + o[i + 7]);
    }
    return ((a0 + a4) + (a1 + a5)) + ((a2 + a6) + (a3 + a7));
}

/* One sample of one direction up to the fixed delay's input (time index n). */
static void dir_input(const hs_line *l, line_dir *d, float x, uint64_t n)
{
    x *= l->gain;
    if (l->filt_on) {
        d->fpos = d->fpos == 0 ? FILT_N - 1 : d->fpos - 1;
        d->fhist[d->fpos] = d->fhist[d->fpos + FILT_N] = x;
        d->rpos = d->rpos + 1 == FILT_N ? 0 : d->rpos + 1;
        d->frev[d->rpos] = d->frev[d->rpos + FILT_N] = x;
        const float *h = d->fhist + d->fpos;
        /* frev + rpos + FILT_N is the newest sample, so o[i] = frev[rpos + 1 + i] is 2K - i ago */
        float re = l->shift_on ? dot(l->hre, h) : dot_fold(l->hfold, h, d->frev + d->rpos + 1);
        if (l->shift_on) {
            float im = dot(l->him, h);
            re = re * (float)d->rot_re - im * (float)d->rot_im;
            /* rotate by dphi; renormalise to |rot| = 1 (first-order correction) */
            double c = d->rot_re * d->cos_d - d->rot_im * d->sin_d;
            double sn = d->rot_re * d->sin_d + d->rot_im * d->cos_d;
            double k = 1.5 - 0.5 * (c * c + sn * sn);
            d->rot_re = c * k;
            d->rot_im = sn * k;
        }
        x = re;
    }
    if (l->res_on) {
        d->rbuf[n & d->rmask] = x;
        uint64_t m = n < PPM_HORIZON ? n : PPM_HORIZON;
        double pos = (double)m * d->step_m1 - (double)d->res_lat0;   /* relative to n */
        double fl = floor(pos);
        double ph = (pos - fl) * RES_PHASES;
        int p = (int)ph;
        float a = (float)(ph - p);
        const float *t0 = l->rtab + (size_t)p * RES_TAPS, *t1 = t0 + RES_TAPS;
        uint64_t i0 = n + (uint64_t)(int64_t)fl - RES_HALF + 1;  /* wraps like the ring */
        float y = 0.0f;
        for (int j = 0; j < RES_TAPS; j++) {
            float v = d->rbuf[(i0 + (uint64_t)j) & d->rmask];
            y += v * (t0[j] + a * (t1[j] - t0[j]));
        }
        x = y;
    }
    if (l->codec != HS_CODEC_NONE) {
        /* hs_float_to_s16, the encoder, then the decoded value from the table: the same
         * result as hs_s16_to_float(hs_*_decode(hs_*_encode(s))) */
        float v = roundf(x * HS_S16_SCALE);
        int16_t s = v > 32767.0f ? 32767 : v < -32768.0f ? -32768 : v != v ? 0 : (int16_t)v;
        x = l->cdec[l->codec == HS_CODEC_ULAW ? hs_ulaw_encode(s) : hs_alaw_encode(s)];
    }
    d->dline[n & d->dmask] = x;
}

static float dir_output(line_dir *d, uint64_t n)
{
    float y = n >= d->dfix ? d->dline[(n - d->dfix) & d->dmask] : 0.0f;
    if (d->noise_sigma > 0.0f) y += d->noise_sigma * (float)hs_rng_gauss(&d->rng);
    return y;
}

static float echo_output(const hs_line *l, int end, uint64_t n)
{
    if (!l->echo_on || n < l->echo_d) return 0.0f;
    return l->echo_gain * l->ebuf[end][(n - l->echo_d) & l->emask];
}

void hs_line_output(hs_line *l, float *to_b, float *to_a, size_t n)
{
    assert(l && l->nout + n <= l->nin + l->lookahead);
    for (size_t i = 0; i < n; i++) {
        uint64_t t = l->nout++;
        float b = dir_output(&l->d[0], t) + echo_output(l, 1, t);
        float a = dir_output(&l->d[1], t) + echo_output(l, 0, t);
        if (to_b) to_b[i] = b;
        if (to_a) to_a[i] = a;
    }
}

void hs_line_input(hs_line *l, const float *a_tx, const float *b_tx, size_t n)
{
    assert(l && l->nin + n <= l->nout);
    for (size_t i = 0; i < n; i++) {
        uint64_t t = l->nin++;
        float a = a_tx ? a_tx[i] : 0.0f, b = b_tx ? b_tx[i] : 0.0f;
        l->ebuf[0][t & l->emask] = a;
        l->ebuf[1][t & l->emask] = b;
        dir_input(l, &l->d[0], a, t);
        dir_input(l, &l->d[1], b, t);
    }
}

void hs_line_process(hs_line *l, const float *a_tx, const float *b_tx,
                     float *to_b, float *to_a, size_t n)
{
    assert(l && l->nout + 1 <= l->nin + l->lookahead && l->nin + 1 <= l->nout + 1);
    for (size_t i = 0; i < n; i++) {
        /* Read both inputs first: the outputs may share their buffers. One sample out,
         * then one in: hs_line_output + hs_line_input of one sample, written out. */
        float a = a_tx ? a_tx[i] : 0.0f, b = b_tx ? b_tx[i] : 0.0f;
        uint64_t t = l->nout++;
        float yb = dir_output(&l->d[0], t) + echo_output(l, 1, t);
        float ya = dir_output(&l->d[1], t) + echo_output(l, 0, t);
        uint64_t u = l->nin++;
        l->ebuf[0][u & l->emask] = a;
        l->ebuf[1][u & l->emask] = b;
        dir_input(l, &l->d[0], a, u);
        dir_input(l, &l->d[1], b, u);
        if (to_b) to_b[i] = yb;
        if (to_a) to_a[i] = ya;
    }
}
