/* dsp/fsk.c: V.21 FSK transmitter and non-coherent receiver. See fsk.h. */
#include "fsk.h"
#include "level.h"

#include <math.h>
#include <stdlib.h>

hs_fsk_config hs_fsk_config_v21(int channel)
{
    hs_fsk_config c;
    c.sample_rate = HS_RATE;
    /* spec/v8.md §2: the lower tone is binary 1 in both channels. */
    c.mark_hz = channel == 2 ? 1650.0f : 980.0f;
    c.space_hz = channel == 2 ? 1850.0f : 1180.0f;
    c.baud = 300.0f;
    c.level_dbm0 = -13.0f;
    return c;
}

const char *hs_fsk_config_problem(const hs_fsk_config *c)
{
    if (!c) return "config is NULL";
    if (c->sample_rate < 4000 || c->sample_rate > 192000) return "sample_rate must be 4000..192000 Hz";
    float nyq = (float)c->sample_rate / 2.0f;
    if (!(c->mark_hz > 0.0f && c->mark_hz < nyq)) return "mark_hz must be above 0 and below sample_rate/2";
    if (!(c->space_hz > 0.0f && c->space_hz < nyq)) return "space_hz must be above 0 and below sample_rate/2";
    if (fabsf(c->mark_hz - c->space_hz) < 10.0f) return "mark_hz and space_hz must differ by at least 10 Hz";
    if (!(c->baud >= 10.0f && c->baud <= (float)c->sample_rate / 8.0f)) return "baud must be 10..sample_rate/8";
    if (!(c->level_dbm0 >= -60.0f && c->level_dbm0 <= 3.0f)) return "level_dbm0 must be -60..+3 dBm0";
    return NULL;
}

/* ------------------------------------------------------------------ transmitter */

struct hs_fsk_tx {
    hs_fsk_config c;
    double   amp;        /* peak */
    double   dph_mark, dph_space;
    double   phase;      /* radians, kept in [0, 2pi) */
    double   clock;      /* fractional bit clock: += baud per sample, boundary at >= rate */
    int      bit;        /* bit being sent */
    int      idle;
    uint64_t sent;
    uint64_t k;          /* samples since reset */
    /* cos/sin of phase, advanced by rotation and recomputed from `phase` every TX_RESYNC
     * samples (no sin() per sample) */
    double   p_re, p_im;
    double   rm_re, rm_im, rs_re, rs_im;
};

#define TX_RESYNC 256   /* power of two */

hs_err hs_fsk_tx_create(const hs_fsk_config *c, hs_fsk_tx **out)
{
    *out = NULL;
    if (hs_fsk_config_problem(c)) return HS_EINVAL;
    hs_fsk_tx *t = calloc(1, sizeof *t);
    if (!t) return HS_ENOMEM;
    t->c = *c;
    t->amp = hs_dbm0_to_peak(c->level_dbm0);
    t->dph_mark = 2.0 * HS_PI * (double)c->mark_hz / c->sample_rate;
    t->dph_space = 2.0 * HS_PI * (double)c->space_hz / c->sample_rate;
    t->rm_re = cos(t->dph_mark); t->rm_im = sin(t->dph_mark);
    t->rs_re = cos(t->dph_space); t->rs_im = sin(t->dph_space);
    hs_fsk_tx_reset(t);
    *out = t;
    return HS_OK;
}

void hs_fsk_tx_reset(hs_fsk_tx *t)
{
    t->phase = 0.0;
    t->clock = (double)t->c.sample_rate;   /* first sample starts a bit */
    t->bit = 1;
    t->idle = 1;
    t->sent = 0;
    t->k = 0;
}

void hs_fsk_tx_destroy(hs_fsk_tx *t) { free(t); }

void hs_fsk_tx_process(hs_fsk_tx *t, hs_bitq *q, float *out, size_t n)
{
    const double rate = (double)t->c.sample_rate;
    for (size_t i = 0; i < n; i++) {
        if (t->clock >= rate) {
            t->clock -= rate;
            int b = q ? hs_bitq_pop(q) : -1;
            if (b < 0) {
                t->bit = 1;
                t->idle = 1;
            } else {
                t->bit = b;
                t->idle = 0;
                t->sent++;
            }
        }
        if ((t->k++ & (TX_RESYNC - 1)) == 0) { t->p_re = cos(t->phase); t->p_im = sin(t->phase); }
        out[i] = (float)(t->amp * t->p_im);
        t->phase += t->bit ? t->dph_mark : t->dph_space;
        if (t->phase >= 2.0 * HS_PI) t->phase -= 2.0 * HS_PI;
        double cr = t->bit ? t->rm_re : t->rs_re, ci = t->bit ? t->rm_im : t->rs_im;
        double a = t->p_re * cr - t->p_im * ci;
        t->p_im = t->p_im * cr + t->p_re * ci;
        t->p_re = a;
        t->clock += (double)t->c.baud;
    }
}

int hs_fsk_tx_idle(const hs_fsk_tx *t) { return t->idle; }
uint64_t hs_fsk_tx_bits_sent(const hs_fsk_tx *t) { return t->sent; }

/* ------------------------------------------------------------------ receiver */

/* Receiver chain, cheapest first (V.21 at 8 kHz: D = 4):
 *  1. mix down to the channel centre fc and decimate by D with a third-order boxcar
 *     cascade (3 x D samples summed, 3D-2 taps, nulls at every multiple of fs/D, i.e.
 *     exactly where the decimation folds to DC): one complex dot product of the last
 *     3D-2 input samples with h[j] e^{j wc j} every D samples, then times e^{-j wc k}.
 *     For V.21 ch2 the image of ANSam at -3850 Hz (which folds to +150 Hz) is 74 dB down.
 *  2. complex low-pass at fs/D: Blackman windowed sinc with the old band-pass's width,
 *     pass +-(deviation + 140) Hz, transition ~5.5 fs/(D N) = 180 Hz, >= 74 dB stop band
 *     (ANSam at fc + 350 Hz and the other channel at fc -+ 670 Hz are in it). Real
 *     symmetric taps, folded, on the real and imaginary parts.
 *  3. correlation with the mark and space tones (at fc offsets) over one bit: spb/D
 *     decimated samples, the last one weighted by the fractional part.
 * Bit timing runs on the decimated decision variable d = |Cm|^2 - |Cs|^2 with zero
 * crossings interpolated between decimated samples (sub-sample edge times), decisions
 * interpolate d at the decision instant. */
#define LPF_TAPS_2K 61        /* taps of the low-pass at 2000 Hz (scaled with fs/D) */
#define BP_MARGIN_HZ 140.0
#define FIR_LANES 8   /* partial sums in the FIR (fir() is written out for 8) */
#define MAX_DECIM 4
#define CIC_ORDER 3

/* Timing loop gain: fraction of the measured phase error corrected at each edge. 1 would be
 * a pure UART re-phase; 0.5 keeps a noise-made edge from throwing the clock by more than a
 * quarter bit, and still locks within 3 edges. */
#define TIMING_GAIN 0.5
/* Edge hysteresis on the normalised decision variable (|Cm|^2-|Cs|^2)/(|Cm|^2+|Cs|^2): an
 * edge counts only once the variable has gone past +-EDGE_HYST; its time is the last zero
 * crossing before that. Noise wiggles around zero inside a bit do not move the clock. */
#define EDGE_HYST 0.4
/* A gap of more than this many bits between edges means the clock may be anywhere. */
#define IDLE_BITS 9.5
#define DECIDE_LAG 16          /* input samples */
#define DHIST 64   /* power of two, decimated samples > (DECIDE_LAG + D) / D + 2 */
#define XRING 16   /* power of two >= 3 * MAX_DECIM - 2 */

struct hs_fsk_rx {
    hs_fsk_config c;
    int      dec;       /* decimation factor D */
    int      ncic;      /* stage-1 taps: CIC_ORDER * (D - 1) + 1 */
    float    c1re[XRING], c1im[XRING];   /* stage-1 taps h[j] e^{j wc j}, j = samples ago,
                                           stored oldest first: c1*[ncic - 1 - j] */
    float    xr[2 * XRING];             /* input ring, written twice */
    int      xpos;
    int      ntaps;     /* low-pass taps */
    int      nhalf;     /* folded taps: (ntaps + 1) / 2 rounded up to a multiple of FIR_LANES */
    int      nring;     /* history ring length (>= ntaps) */
    float   *taps;      /* folded: taps[i] pairs samples i and ntaps-1-i ago; centre tap halved */
    float   *tt;        /* 2*nhalf: taps[i] twice (for re and im) */
    float   *hist;      /* complex (re, im interleaved), 2*nring, newest first, written twice */
    float   *hrev;      /* complex, 2*nring, oldest first, the same samples */
    int      hpos, rpos;
    int      nwin;      /* whole decimated samples in one bit */
    float    wfrac;     /* weight of the (nwin+1)-th, fractional part of the bit */
    float   *win;       /* 4 * (nwin + 1) ring: mark I/Q, space I/Q products */
    int      wpos;
    double   wc, wm, ws;              /* centre, mark and space offset, rad per input sample */
    double   pc_re, pc_im, rc_re, rc_im;   /* e^{-j wc k} at the decimation instant, step */
    double   pm_re, pm_im, ps_re, ps_im;   /* e^{-j wm k}, e^{-j ws k} */
    double   rm_re, rm_im, rs_re, rs_im;   /* their steps per decimated sample */
    int      phase;     /* input samples since the last decimated one */
    uint64_t m;         /* decimated samples */
    double   spb;       /* samples per bit */
    double   t_next;    /* sample index of the next bit decision */
    double   d_prev;
    double   t_edge;    /* time of the last accepted edge */
    double   t_zero;    /* time of the last zero crossing of the decision variable */
    int      hyst;      /* decision with hysteresis */
    double   dhist[DHIST];   /* recent decision variable, indexed by m */
    uint64_t k;         /* samples processed */
    double   pow_avg, pow_alpha;
};

hs_err hs_fsk_rx_create(const hs_fsk_config *c, hs_fsk_rx **out)
{
    *out = NULL;
    if (hs_fsk_config_problem(c)) return HS_EINVAL;
    hs_fsk_rx *r = calloc(1, sizeof *r);
    if (!r) return HS_ENOMEM;
    r->c = *c;
    const double fs = (double)c->sample_rate;
    double fc = 0.5 * ((double)c->mark_hz + (double)c->space_hz);
    double half = 0.5 * fabs((double)c->mark_hz - (double)c->space_hz) + BP_MARGIN_HZ;
    r->spb = fs / (double)c->baud;
    /* D: the decimated band (fs/2D) must hold the pass band plus the transition, and a
     * bit must keep at least 4 decimated samples. */
    int d = (int)floor(fs / (2.0 * (half + 300.0)));
    if (d > (int)floor(r->spb / 4.0)) d = (int)floor(r->spb / 4.0);
    if (d > MAX_DECIM) d = MAX_DECIM;
    if (d < 1) d = 1;
    r->dec = d;
    r->ncic = CIC_ORDER * (d - 1) + 1;
    double fsd = fs / d;
    r->ntaps = (int)lround(LPF_TAPS_2K * fsd / 2000.0) | 1;
    double wd = r->spb / d;
    r->nwin = (int)floor(wd);
    r->wfrac = (float)(wd - r->nwin);
    r->nhalf = ((r->ntaps + 1) / 2 + FIR_LANES - 1) / FIR_LANES * FIR_LANES;
    r->nring = r->ntaps;
    r->taps = calloc((size_t)(r->ntaps > r->nhalf ? r->ntaps : r->nhalf), sizeof *r->taps);
    r->tt = calloc((size_t)r->nhalf * 2, sizeof *r->tt);
    r->hist = calloc((size_t)r->nring * 4, sizeof *r->hist);
    r->hrev = calloc((size_t)r->nring * 4, sizeof *r->hrev);
    r->win = calloc((size_t)(r->nwin + 1) * 4, sizeof *r->win);
    if (!r->taps || !r->tt || !r->hist || !r->hrev || !r->win) {
        hs_fsk_rx_destroy(r);
        return HS_ENOMEM;
    }
    r->wc = 2.0 * HS_PI * fc / fs;
    r->wm = 2.0 * HS_PI * ((double)c->mark_hz - fc) / fs;
    r->ws = 2.0 * HS_PI * ((double)c->space_hz - fc) / fs;

    /* Stage 1: boxcar of D convolved CIC_ORDER times, unit DC gain. */
    double h[3 * MAX_DECIM] = { 1.0 }, tmp[3 * MAX_DECIM];
    int len = 1;
    for (int o = 0; o < CIC_ORDER; o++) {
        for (int i = 0; i < len + d - 1; i++) {
            tmp[i] = 0.0;
            for (int j = 0; j < d; j++)
                if (i - j >= 0 && i - j < len) tmp[i] += h[i - j];
        }
        len += d - 1;
        for (int i = 0; i < len; i++) h[i] = tmp[i] / d;
    }
    for (int j = 0; j < r->ncic; j++) {
        r->c1re[r->ncic - 1 - j] = (float)(h[j] * cos(r->wc * j));
        r->c1im[r->ncic - 1 - j] = (float)(h[j] * sin(r->wc * j));
    }
    r->rc_re = cos(r->wc * d); r->rc_im = -sin(r->wc * d);
    r->rm_re = cos(r->wm * d); r->rm_im = -sin(r->wm * d);
    r->rs_re = cos(r->ws * d); r->rs_im = -sin(r->ws * d);

    /* Stage 2: low-pass, cut-off `half` at fs/D, unit DC gain. */
    double f2 = half / fsd;
    if (f2 > 0.5) f2 = 0.5;
    int m = r->ntaps - 1;
    double gain = 0.0;
    for (int i = 0; i <= m; i++) {
        double x = i - m / 2.0;
        double hh = x == 0.0 ? 2.0 * f2 : sin(2.0 * HS_PI * f2 * x) / (HS_PI * x);
        double w = m > 0 ? 0.42 - 0.5 * cos(2.0 * HS_PI * i / m) + 0.08 * cos(4.0 * HS_PI * i / m) : 1.0;
        r->taps[i] = (float)(hh * w);
        gain += hh * w;
    }
    for (int i = 0; i <= m; i++) r->taps[i] = (float)((double)r->taps[i] / gain);
    /* Fold (linear phase: taps[i] == taps[m - i]): the filter sums taps[i] * (x[i ago] +
     * x[m - i ago]) for i <= m/2, the centre tap halved because it sees its sample twice. */
    r->taps[m / 2] *= 0.5f;
    for (int i = m / 2 + 1; i < r->nhalf || i <= m; i++) r->taps[i] = 0.0f;
    for (int i = 0; i < r->nhalf; i++) r->tt[2 * i] = r->tt[2 * i + 1] = r->taps[i];
    r->pow_alpha = 1.0 - exp(-(double)d / (0.010 * fs));   /* 10 ms */
    hs_fsk_rx_reset(r);
    *out = r;
    return HS_OK;
}

/* e^{-j w k} at the k of decimated sample number m (k = D m + D - 1). */
static void phasor_at(const hs_fsk_rx *r, double w, uint64_t m, double *re, double *im)
{
    double ph = fmod((double)(m * (uint64_t)r->dec + (uint64_t)r->dec - 1) * w, 2.0 * HS_PI);
    *re = cos(ph);
    *im = -sin(ph);
}

void hs_fsk_rx_reset(hs_fsk_rx *r)
{
    for (int i = 0; i < 4 * r->nring; i++) r->hist[i] = r->hrev[i] = 0.0f;
    for (int i = 0; i < 2 * XRING; i++) r->xr[i] = 0.0f;
    for (int i = 0; i < 4 * (r->nwin + 1); i++) r->win[i] = 0.0f;
    r->xpos = 0;
    r->hpos = 0;
    r->rpos = 0;
    r->wpos = 0;
    r->phase = 0;
    r->m = 0;
    phasor_at(r, r->wc, 0, &r->pc_re, &r->pc_im);
    phasor_at(r, r->wm, 0, &r->pm_re, &r->pm_im);
    phasor_at(r, r->ws, 0, &r->ps_re, &r->ps_im);
    r->t_next = r->spb;
    r->d_prev = 0.0;
    r->t_zero = 0.0;
    r->t_edge = -1e9;
    r->hyst = 1;
    for (int i = 0; i < DHIST; i++) r->dhist[i] = 0.0;
    r->k = 0;
    r->pow_avg = 0.0;
}

void hs_fsk_rx_destroy(hs_fsk_rx *r)
{
    if (!r) return;
    free(r->taps);
    free(r->tt);
    free(r->hist);
    free(r->hrev);
    free(r->win);
    free(r);
}

/* Folded FIR over the last ntaps complex values; (xr, xi) is the newest. */
static void fir(hs_fsk_rx *r, float xr, float xi, float *yr, float *yi)
{
    /* Two views of the last ntaps samples, each a ring written twice so that a window is
     * contiguous: h[i] = the sample i steps ago (hist, newest first) and o[i] = the sample
     * m - i steps ago (hrev, oldest first); re and im interleaved, the taps doubled to
     * match. hpos/rpos were advanced by the caller. */
    const int nr = r->nring, m = r->ntaps - 1;
    float *hp = &r->hist[2 * r->hpos], *hq = &r->hist[2 * (r->hpos + nr)];
    float *rp = &r->hrev[2 * r->rpos], *rq = &r->hrev[2 * (r->rpos + nr)];
    hp[0] = hq[0] = rp[0] = rq[0] = xr;
    hp[1] = hq[1] = rp[1] = rq[1] = xi;
    const float *restrict h = hp;
    const float *restrict o = &r->hrev[2 * (r->rpos + nr - m)];
    const float *restrict t = r->tt;
    /* eight independent partial sums (even lanes re, odd im) over contiguous taps: the
     * compiler turns them into vector adds and multiplies (no -ffast-math needed). */
    float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f, a4 = 0.0f, a5 = 0.0f, a6 = 0.0f, a7 = 0.0f;
    for (int i = 0; i < 2 * r->nhalf; i += FIR_LANES) {
        a0 += t[i] * (h[i] + o[i]);
        a1 += t[i + 1] * (h[i + 1] + o[i + 1]);
        a2 += t[i + 2] * (h[i + 2] + o[i + 2]);
        a3 += t[i + 3] * (h[i + 3] + o[i + 3]);
        a4 += t[i + 4] * (h[i + 4] + o[i + 4]);
        a5 += t[i + 5] * (h[i + 5] + o[i + 5]);
        a6 += t[i + 6] * (h[i + 6] + o[i + 6]);
        a7 += t[i + 7] * (h[i + 7] + o[i + 7]);
    }
    *yr = (a0 + a4) + (a2 + a6);
    *yi = (a1 + a5) + (a3 + a7);
}

static void rotate(double *re, double *im, double cr, double ci)
{
    double a = *re * cr - *im * ci;
    *im = *im * cr + *re * ci;
    *re = a;
}

/* d at (fractional) decimated index u, linear between the stored samples. */
static double d_at(const hs_fsk_rx *r, double u)
{
    double lo = floor(u);
    double f = u - lo;
    uint64_t i = (uint64_t)lo;
    double a = r->dhist[i & (DHIST - 1)], b = r->dhist[(i + 1) & (DHIST - 1)];
    return a + f * (b - a);
}

/* One decimated sample: x points at the newest input sample in the doubled ring. */
static int rx_decimated(hs_fsk_rx *r, const float *x, hs_bitq *q)
{
    /* 1. mix down + boxcar cascade */
    float yr = 0.0f, yi = 0.0f;
    const float *x0 = x - (r->ncic - 1);   /* oldest sample of the window */
    for (int j = 0; j < r->ncic; j++) {
        yr += r->c1re[j] * x0[j];
        yi += r->c1im[j] * x0[j];
    }
    float zr = (float)((double)yr * r->pc_re - (double)yi * r->pc_im);
    float zi = (float)((double)yr * r->pc_im + (double)yi * r->pc_re);
    /* 2. low-pass */
    const int nr = r->nring;
    r->hpos = r->hpos == 0 ? nr - 1 : r->hpos - 1;
    r->rpos = r->rpos + 1 == nr ? 0 : r->rpos + 1;
    float fr, fi;
    fir(r, zr, zi, &fr, &fi);
    double br = (double)fr, bi = (double)fi;
    /* real-signal power = 2 |analytic/2|^2 */
    r->pow_avg += r->pow_alpha * (2.0 * (br * br + bi * bi) - r->pow_avg);
    /* 3. correlators: products with the tones, window sums */
    float *w = &r->win[4 * r->wpos];
    w[0] = (float)(br * r->pm_re - bi * r->pm_im);
    w[1] = (float)(br * r->pm_im + bi * r->pm_re);
    w[2] = (float)(br * r->ps_re - bi * r->ps_im);
    w[3] = (float)(br * r->ps_im + bi * r->ps_re);
    const int nw = r->nwin + 1;
    int oldest = r->wpos + 1 == nw ? 0 : r->wpos + 1;   /* weighted by wfrac */
    r->wpos = oldest;
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    for (int j = 0; j < nw; j++) {
        const float *v = &r->win[4 * j];
        s0 += v[0]; s1 += v[1]; s2 += v[2]; s3 += v[3];
    }
    const float *o = &r->win[4 * oldest];
    const float g = r->wfrac - 1.0f;
    s0 += g * o[0]; s1 += g * o[1]; s2 += g * o[2]; s3 += g * o[3];
    rotate(&r->pc_re, &r->pc_im, r->rc_re, r->rc_im);
    rotate(&r->pm_re, &r->pm_im, r->rm_re, r->rm_im);
    rotate(&r->ps_re, &r->ps_im, r->rs_re, r->rs_im);
    r->m++;
    if ((r->m & 255u) == 0) {   /* re-normalise the phasors from the exact phase */
        phasor_at(r, r->wc, r->m, &r->pc_re, &r->pc_im);
        phasor_at(r, r->wm, r->m, &r->pm_re, &r->pm_im);
        phasor_at(r, r->ws, r->m, &r->ps_re, &r->ps_im);
    }

    double pm = (double)s0 * (double)s0 + (double)s1 * (double)s1;
    double ps = (double)s2 * (double)s2 + (double)s3 * (double)s3;
    double d = pm - ps;
    double dn = d / (pm + ps + 1e-30);
    const double D = r->dec;
    double now = (double)r->k;   /* input sample of this decimated sample */
    /* Zero crossing of d: candidate bit edge (the window straddles it); the ideal decision
     * (window exactly on one bit) is half a bit later. */
    if ((d > 0.0) != (r->d_prev > 0.0)) {
        double den = r->d_prev - d;
        r->t_zero = now - D + D * (den != 0.0 ? r->d_prev / den : 0.5);
    }
    r->d_prev = d;
    int hs = dn > EDGE_HYST ? 1 : dn < -EDGE_HYST ? 0 : r->hyst;
    if (hs != r->hyst) {
        r->hyst = hs;
        double err = r->t_zero + 0.5 * r->spb - r->t_next;
        err -= r->spb * floor(err / r->spb + 0.5);
        /* UART style: the first edge after a long run without edges (idle marks, the
         * 10-bit preamble before a sync field, or after silence) re-phases the clock
         * completely; later edges only pull it. */
        int idle = r->t_zero - r->t_edge > IDLE_BITS * r->spb;
        r->t_next += (idle ? 1.0 : TIMING_GAIN) * err;
        r->t_edge = r->t_zero;
    }
    /* Decisions lag real time by DECIDE_LAG samples, so that the edge that re-phases a
     * bit (seen a few samples after its zero crossing) is in before the bit is read. */
    uint64_t mi = r->m - 1;
    r->dhist[mi & (DHIST - 1)] = d;
    int got = 0;
    while (now - DECIDE_LAG >= r->t_next) {
        /* decimated index of t_next: sample mi is at input sample `now` */
        double u = (double)mi - (now - r->t_next) / D;
        double lo = (double)mi - (DHIST - 2);
        if (u < lo) u = lo;   /* never older than the history */
        r->t_next += r->spb;
        if (q && hs_bitq_push(q, d_at(r, u) > 0.0 ? 1 : 0)) got++;
    }
    return got;
}

size_t hs_fsk_rx_process(hs_fsk_rx *r, const float *in, size_t n, hs_bitq *q)
{
    size_t got = 0;
    for (size_t i = 0; i < n; i++) {
        float x = in ? in[i] : 0.0f;
        r->xpos = (r->xpos + 1) & (XRING - 1);
        r->xr[r->xpos] = x;
        r->xr[r->xpos + XRING] = x;
        if (++r->phase == r->dec) {
            r->phase = 0;
            got += (size_t)rx_decimated(r, &r->xr[r->xpos + XRING], q);
        }
        r->k++;
    }
    return got;
}

float hs_fsk_rx_level_dbm0(const hs_fsk_rx *r) { return (float)hs_power_to_dbm0(r->pow_avg); }

uint32_t hs_fsk_rx_latency_samples(const hs_fsk_rx *r)
{
    /* group delays of both filters + one bit + the decision lag */
    double gd = 0.5 * (r->ncic - 1) + 0.5 * (r->ntaps - 1) * r->dec;
    return (uint32_t)lround(gd + r->spb + DECIDE_LAG);
}
