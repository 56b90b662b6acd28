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

/* Band-pass: windowed-sinc (Blackman) FIR, pass = centre +- (deviation + 140 Hz).
 * 241 taps at 8 kHz: transition width ~5.5*fs/N = 183 Hz, stop-band >= 74 dB, so for
 * channel 2 (cut-off 1990 Hz) ANSam at 2100 Hz is in the stop band. */
#define FIR_TAPS_8K 241
#define BP_MARGIN_HZ 140.0
#define FIR_LANES 8   /* partial sums in the FIR (fir() is written out for 8) */

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
#define DECIDE_LAG 16
#define DHIST 64   /* power of two > DECIDE_LAG + one bit */

struct hs_fsk_rx {
    hs_fsk_config c;
    int      ntaps;
    int      nhalf;     /* folded taps: (ntaps + 1) / 2 rounded up to a multiple of FIR_LANES */
    int      nring;     /* history ring length (>= ntaps) */
    float   *taps;      /* folded: taps[i] pairs samples i and ntaps-1-i ago; centre tap halved */
    float   *hist;      /* 2*nring, newest first: each sample written twice so a window is contiguous */
    float   *hrev;      /* 2*nring, oldest first, the same samples */
    int      hpos, rpos;
    int      nwin;      /* correlation window = one bit, rounded */
    float   *win;       /* 4 * nwin: mark I/Q, space I/Q products */
    int      wpos;
    double   sm_i, sm_q, ss_i, ss_q;   /* running sums over the window */
    double   dph_mark, dph_space;
    double   pm_re, pm_im, ps_re, ps_im;   /* mixer phasors at the current sample */
    double   rm_re, rm_im, rs_re, rs_im;   /* one-sample rotations */
    double   spb;       /* samples per bit */
    double   t_next;    /* sample index of the next bit decision */
    double   d_prev;
    double   t_edge;    /* time of the last accepted edge */
    double   t_zero;    /* time of the last zero crossing of the decision variable */
    int      hyst;      /* decision with hysteresis */
    double   dhist[DHIST];   /* recent decision variable, indexed by k */
    uint64_t k;         /* samples processed */
    double   pow_avg, pow_alpha;
    int      renorm;    /* countdown to recomputing the running sums exactly */
};

hs_err hs_fsk_rx_create(const hs_fsk_config *c, hs_fsk_rx **out)
{
    *out = NULL;
    if (hs_fsk_config_problem(c)) return HS_EINVAL;
    hs_fsk_rx *r = calloc(1, sizeof *r);
    if (!r) return HS_ENOMEM;
    r->c = *c;
    r->ntaps = (int)lround(FIR_TAPS_8K * (double)c->sample_rate / 8000.0) | 1;
    r->spb = (double)c->sample_rate / (double)c->baud;
    r->nwin = (int)lround(r->spb);
    r->nhalf = ((r->ntaps + 1) / 2 + FIR_LANES - 1) / FIR_LANES * FIR_LANES;
    r->nring = r->ntaps;
    r->taps = calloc((size_t)(r->ntaps > r->nhalf ? r->ntaps : r->nhalf), sizeof *r->taps);
    r->hist = calloc((size_t)r->nring * 2, sizeof *r->hist);
    r->hrev = calloc((size_t)r->nring * 2, sizeof *r->hrev);
    r->win = calloc((size_t)r->nwin * 4, sizeof *r->win);
    if (!r->taps || !r->hist || !r->hrev || !r->win) { hs_fsk_rx_destroy(r); return HS_ENOMEM; }

    double fc = 0.5 * ((double)c->mark_hz + (double)c->space_hz);
    double half = 0.5 * fabs((double)c->mark_hz - (double)c->space_hz) + BP_MARGIN_HZ;
    double f1 = (fc - half) / c->sample_rate, f2 = (fc + half) / c->sample_rate;
    if (f1 < 0.0) f1 = 0.0;
    if (f2 > 0.5) f2 = 0.5;
    int m = r->ntaps - 1;
    double gain_num = 0.0;
    for (int i = 0; i <= m; i++) {
        double x = i - m / 2.0;
        double h = x == 0.0 ? 2.0 * (f2 - f1)
                            : (sin(2.0 * HS_PI * f2 * x) - sin(2.0 * HS_PI * f1 * x)) / (HS_PI * x);
        double w = 0.42 - 0.5 * cos(2.0 * HS_PI * i / m) + 0.08 * cos(4.0 * HS_PI * i / m);
        r->taps[i] = (float)(h * w);
        gain_num += h * w * cos(2.0 * HS_PI * fc / c->sample_rate * x);
    }
    /* Normalise to unit gain at the centre frequency. */
    for (int i = 0; i <= m; i++) r->taps[i] = (float)((double)r->taps[i] / gain_num);
    /* Fold (linear phase: taps[i] == taps[m - i]): the filter sums taps[i] * (x[i ago] +
     * x[m - i ago]) for i <= m/2, the centre tap halved because it sees its sample twice. */
    r->taps[m / 2] *= 0.5f;
    for (int i = m / 2 + 1; i < r->nhalf || i <= m; i++) r->taps[i] = 0.0f;
    r->dph_mark = 2.0 * HS_PI * (double)c->mark_hz / c->sample_rate;
    r->dph_space = 2.0 * HS_PI * (double)c->space_hz / c->sample_rate;
    r->rm_re = cos(r->dph_mark); r->rm_im = sin(r->dph_mark);
    r->rs_re = cos(r->dph_space); r->rs_im = sin(r->dph_space);
    r->pow_alpha = 1.0 - exp(-1.0 / (0.010 * c->sample_rate));   /* 10 ms */
    hs_fsk_rx_reset(r);
    *out = r;
    return HS_OK;
}

void hs_fsk_rx_reset(hs_fsk_rx *r)
{
    for (int i = 0; i < 2 * r->nring; i++) r->hist[i] = r->hrev[i] = 0.0f;
    for (int i = 0; i < 4 * r->nwin; i++) r->win[i] = 0.0f;
    r->hpos = 0;
    r->rpos = 0;
    r->wpos = 0;
    r->sm_i = r->sm_q = r->ss_i = r->ss_q = 0.0;
    r->pm_re = r->ps_re = 1.0;
    r->pm_im = r->ps_im = 0.0;
    r->t_next = r->spb;
    r->d_prev = 0.0;
    r->t_zero = 0.0;
    r->t_edge = -1e9;
    r->hyst = 1;
    for (int i = 0; i < DHIST; i++) r->dhist[i] = 0.0;
    r->k = 0;
    r->pow_avg = 0.0;
    r->renorm = 4096;
}

void hs_fsk_rx_destroy(hs_fsk_rx *r)
{
    if (!r) return;
    free(r->taps);
    free(r->hist);
    free(r->hrev);
    free(r->win);
    free(r);
}

static float fir(hs_fsk_rx *r, float x)
{
    /* Two views of the last ntaps samples, each a ring written twice so that a window is
     * contiguous: h[i] = the sample i steps ago (hist, newest first) and o[i] = the sample
     * m - i steps ago (hrev, oldest first). */
    const int nr = r->nring, m = r->ntaps - 1;
    r->hpos = r->hpos == 0 ? nr - 1 : r->hpos - 1;
    r->hist[r->hpos] = x;
    r->hist[r->hpos + nr] = x;
    r->rpos = r->rpos + 1 == nr ? 0 : r->rpos + 1;
    r->hrev[r->rpos] = x;
    r->hrev[r->rpos + nr] = x;
    const float *restrict h = &r->hist[r->hpos];
    const float *restrict o = &r->hrev[r->rpos + nr - m];
    const float *restrict t = r->taps;
    /* FIR_LANES independent partial sums over contiguous folded taps: the compiler turns
     * each group into vector adds and multiplies (no reassociation, so no -ffast-math). */
    float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f, a4 = 0.0f, a5 = 0.0f, a6 = 0.0f, a7 = 0.0f;
    for (int i = 0; i < r->nhalf; i += FIR_LANES) {
        a0 += t[i] * (h[i] + o[i]);
        a1 += t[i + 1] * (h[i + 1] + o[i + 1]);
        a2 += t[i + 2] * (h[i + 2] + o[i + 2]);
        a3 += t[i + 3] * (h[i + 3] + o[i + 3]);
        a4 += t[i + 4] * (h[i + 4] + o[i + 4]);
        a5 += t[i + 5] * (h[i + 5] + o[i + 5]);
        a6 += t[i + 6] * (h[i + 6] + o[i + 6]);
        a7 += t[i + 7] * (h[i + 7] + o[i + 7]);
    }
    return ((a0 + a4) + (a1 + a5)) + ((a2 + a6) + (a3 + a7));
}

static void rotate(double *re, double *im, double cr, double ci)
{
    double a = *re * cr - *im * ci;
    *im = *im * cr + *re * ci;
    *re = a;
}

size_t hs_fsk_rx_process(hs_fsk_rx *r, const float *in, size_t n, hs_bitq *q)
{
    size_t got = 0;
    const int nw = r->nwin;
    for (size_t i = 0; i < n; i++) {
        double y = (double)fir(r, in ? in[i] : 0.0f);
        r->pow_avg += r->pow_alpha * (y * y - r->pow_avg);

        /* Sliding one-bit correlation with both tones (phasors rotated by recurrence,
         * re-normalised from the exact phase every 1024 samples). */
        float mi = (float)(y * r->pm_re), mq = (float)(-y * r->pm_im);
        float si = (float)(y * r->ps_re), sq = (float)(-y * r->ps_im);
        rotate(&r->pm_re, &r->pm_im, r->rm_re, r->rm_im);
        rotate(&r->ps_re, &r->ps_im, r->rs_re, r->rs_im);
        if ((r->k & 1023u) == 1023u) {
            double km = fmod((double)(r->k + 1) * r->dph_mark, 2.0 * HS_PI);
            double ks = fmod((double)(r->k + 1) * r->dph_space, 2.0 * HS_PI);
            r->pm_re = cos(km); r->pm_im = sin(km);
            r->ps_re = cos(ks); r->ps_im = sin(ks);
        }
        float *w = &r->win[4 * r->wpos];
        r->sm_i += (double)mi - (double)w[0];
        r->sm_q += (double)mq - (double)w[1];
        r->ss_i += (double)si - (double)w[2];
        r->ss_q += (double)sq - (double)w[3];
        w[0] = mi; w[1] = mq; w[2] = si; w[3] = sq;
        r->wpos = r->wpos + 1 == nw ? 0 : r->wpos + 1;
        if (--r->renorm == 0) {   /* remove accumulated rounding from the running sums */
            r->renorm = 4096;
            double a = 0, b = 0, c2 = 0, d2 = 0;
            for (int j = 0; j < nw; j++) {
                a += (double)r->win[4 * j]; b += (double)r->win[4 * j + 1];
                c2 += (double)r->win[4 * j + 2]; d2 += (double)r->win[4 * j + 3];
            }
            r->sm_i = a; r->sm_q = b; r->ss_i = c2; r->ss_q = d2;
        }
        double pm = r->sm_i * r->sm_i + r->sm_q * r->sm_q;
        double ps = r->ss_i * r->ss_i + r->ss_q * r->ss_q;
        double d = pm - ps;
        double dn = d / (pm + ps + 1e-30);

        double now = (double)r->k;
        /* Zero crossing of d: candidate bit edge (the window straddles it); the ideal decision
         * (window exactly on one bit) is half a bit later. */
        if ((d > 0.0) != (r->d_prev > 0.0)) {
            double den = r->d_prev - d;
            r->t_zero = now - 1.0 + (den != 0.0 ? r->d_prev / den : 0.5);
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
        r->dhist[r->k & (DHIST - 1)] = d;
        double v = now - DECIDE_LAG;
        if (v >= r->t_next) {
            uint64_t at = (uint64_t)ceil(r->t_next);
            if (at + DHIST <= r->k) at = r->k - DHIST + 1;   /* never older than the history */
            r->t_next += r->spb;
            if (q && hs_bitq_push(q, r->dhist[at & (DHIST - 1)] > 0.0 ? 1 : 0)) got++;
        }
        r->k++;
    }
    return got;
}

float hs_fsk_rx_level_dbm0(const hs_fsk_rx *r) { return (float)hs_power_to_dbm0(r->pow_avg); }

uint32_t hs_fsk_rx_latency_samples(const hs_fsk_rx *r)
{
    return (uint32_t)((r->ntaps - 1) / 2 + r->nwin + DECIDE_LAG);
}
