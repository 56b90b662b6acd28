/* dsp/spectrum.c: short-time FFT on FFTW (single precision). See spectrum.h.
 *
 * Normalisation: for a window w[0..N), a sine of peak A whose frequency is the centre of bin
 * k (0 < k < N/2) gives |X[k]| = A/2 * S1 with S1 = sum(w). We report power = 2|X[k]|^2/S1^2
 * = A^2/2, the sine's mean square (0.5 for a full-scale sine). At DC and Nyquist the spectrum
 * has no mirror image, so power = |X|^2/S1^2 (the mean square of a constant).
 *
 * Windows are the periodic ("DFT-even") forms, as usual for spectral analysis. */
#include "spectrum.h"
#include "level.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PENDING 16

struct hs_spectrum {
    hs_spectrum_config cfg;
    int            bins;
    float         *win;        /* window, size */
    float         *fin;        /* FFTW input (fftwf_malloc) */
    fftwf_complex *fout;       /* FFTW output, bins */
    fftwf_plan     plan;
    float          scale;      /* 2/S1^2 */
    float         *power;      /* scratch, bins */
    /* streaming */
    float         *hist;       /* circular history of the last `size` samples */
    size_t         hpos;       /* next write position in hist */
    uint64_t       nin;        /* samples pushed since reset */
    int            to_hop;     /* samples until the next row (after the first) */
    float         *rows;       /* MAX_PENDING * bins, circular */
    uint64_t       centre[MAX_PENDING];
    int            rhead, rcount;
    uint64_t       dropped;
};

hs_spectrum_config hs_spectrum_config_default(void)
{
    hs_spectrum_config c = { 256, 64, HS_WIN_HANN };
    return c;
}

const char *hs_spectrum_config_problem(const hs_spectrum_config *c)
{
    if (!c) return "config is NULL";
    if (c->size < 16) return "size is below 16 samples";
    if (c->size > 65536) return "size is above 65536 samples";
    if (c->hop < 1) return "hop is below 1 sample";
    if (c->hop > c->size) return "hop is above size";
    if (c->window != HS_WIN_RECT && c->window != HS_WIN_HANN && c->window != HS_WIN_BLACKMAN_HARRIS)
        return "window is not RECT, HANN or BLACKMAN_HARRIS";
    return NULL;
}

static void make_window(hs_window w, float *out, int n)
{
    for (int i = 0; i < n; i++) {
        double x = 2.0 * HS_PI * i / n;
        double v = 1.0;
        if (w == HS_WIN_HANN) v = 0.5 - 0.5 * cos(x);
        else if (w == HS_WIN_BLACKMAN_HARRIS)   /* 4-term, -92 dB side lobes (Harris 1978) */
            v = 0.35875 - 0.48829 * cos(x) + 0.14128 * cos(2.0 * x) - 0.01168 * cos(3.0 * x);
        out[i] = (float)v;
    }
}

hs_err hs_spectrum_create(const hs_spectrum_config *c, hs_spectrum **out)
{
    if (!out) return HS_EINVAL;
    *out = NULL;
    if (hs_spectrum_config_problem(c)) return HS_EINVAL;
    hs_spectrum *s = calloc(1, sizeof *s);
    if (!s) return HS_ENOMEM;
    s->cfg = *c;
    s->bins = c->size / 2 + 1;
    size_t n = (size_t)c->size, b = (size_t)s->bins;
    s->win = malloc(n * sizeof *s->win);
    s->fin = fftwf_malloc(n * sizeof *s->fin);
    s->fout = fftwf_malloc(b * sizeof *s->fout);
    s->power = malloc(b * sizeof *s->power);
    s->hist = calloc(n, sizeof *s->hist);
    s->rows = malloc(MAX_PENDING * b * sizeof *s->rows);
    if (!s->win || !s->fin || !s->fout || !s->power || !s->hist || !s->rows) {
        hs_spectrum_destroy(s);
        return HS_ENOMEM;
    }
    s->plan = fftwf_plan_dft_r2c_1d(c->size, s->fin, s->fout, FFTW_ESTIMATE);
    if (!s->plan) {
        hs_spectrum_destroy(s);
        return HS_ENOMEM;
    }
    make_window(c->window, s->win, c->size);
    double s1 = 0.0;
    for (int i = 0; i < c->size; i++) s1 += (double)s->win[i];
    s->scale = (float)(2.0 / (s1 * s1));
    hs_spectrum_reset(s);
    *out = s;
    return HS_OK;
}

void hs_spectrum_reset(hs_spectrum *s)
{
    memset(s->hist, 0, (size_t)s->cfg.size * sizeof *s->hist);
    s->hpos = 0;
    s->nin = 0;
    s->to_hop = 0;
    s->rhead = 0;
    s->rcount = 0;
    s->dropped = 0;
}

void hs_spectrum_destroy(hs_spectrum *s)
{
    if (!s) return;
    if (s->plan) fftwf_destroy_plan(s->plan);
    free(s->win);
    fftwf_free(s->fin);
    fftwf_free(s->fout);
    free(s->power);
    free(s->hist);
    free(s->rows);
    free(s);
}

int hs_spectrum_bins(const hs_spectrum *s) { return s->bins; }
double hs_spectrum_bin_hz(const hs_spectrum *s) { return (double)HS_RATE / s->cfg.size; }

/* Windows s->fin in place, transforms, and writes power (and phase). */
static void transform(hs_spectrum *s, float *power, float *phase)
{
    int n = s->cfg.size;
    for (int i = 0; i < n; i++) s->fin[i] *= s->win[i];
    fftwf_execute(s->plan);
    for (int k = 0; k < s->bins; k++) {
        float re = s->fout[k][0], im = s->fout[k][1];
        float p = (re * re + im * im) * s->scale;
        if (k == 0 || 2 * k == n) p *= 0.5f;
        power[k] = p;
        if (phase) phase[k] = atan2f(im, re);
    }
}

void hs_spectrum_frame(hs_spectrum *s, const float *in, float *power, float *phase)
{
    memcpy(s->fin, in, (size_t)s->cfg.size * sizeof *in);
    transform(s, power, phase);
}

static void emit_row(hs_spectrum *s)
{
    size_t n = (size_t)s->cfg.size;
    /* oldest sample is at hpos */
    size_t first = n - s->hpos;
    memcpy(s->fin, s->hist + s->hpos, first * sizeof *s->fin);
    memcpy(s->fin + first, s->hist, s->hpos * sizeof *s->fin);
    transform(s, s->power, NULL);
    if (s->rcount == MAX_PENDING) {          /* drop the oldest */
        s->rhead = (s->rhead + 1) % MAX_PENDING;
        s->rcount--;
        s->dropped++;
    }
    int slot = (s->rhead + s->rcount) % MAX_PENDING;
    float *row = s->rows + (size_t)slot * (size_t)s->bins;
    for (int k = 0; k < s->bins; k++) row[k] = (float)hs_power_to_dbm0(s->power[k]);
    s->centre[slot] = s->nin - n / 2;        /* nin samples in: frame covers [nin-n, nin) */
    s->rcount++;
}

size_t hs_spectrum_push(hs_spectrum *s, const float *in, size_t n)
{
    size_t rows = 0, size = (size_t)s->cfg.size;
    for (size_t i = 0; i < n; i++) {
        s->hist[s->hpos] = in[i];
        s->hpos = (s->hpos + 1) % size;
        s->nin++;
        if (s->nin < size) continue;
        if (s->nin == size || --s->to_hop == 0) {
            emit_row(s);
            s->to_hop = s->cfg.hop;
            rows++;
        }
    }
    return rows;
}

int hs_spectrum_pop_row(hs_spectrum *s, float *row_dbm0, uint64_t *centre_sample)
{
    if (s->rcount == 0) return 0;
    const float *row = s->rows + (size_t)s->rhead * (size_t)s->bins;
    memcpy(row_dbm0, row, (size_t)s->bins * sizeof *row);
    if (centre_sample) *centre_sample = s->centre[s->rhead];
    s->rhead = (s->rhead + 1) % MAX_PENDING;
    s->rcount--;
    return 1;
}

uint64_t hs_spectrum_dropped_rows(const hs_spectrum *s) { return s->dropped; }
