/* dsp/tonedet.c: single-tone presence detector with cadence (see tonedet.h). */
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "tonedet.h"
#include "level.h"
#include "tone.h"

#define BLK   80      /* 10 ms */
#define LO_RESYNC 256 /* power of two */
#define OFF_N 3       /* failing blocks before off */
#define EQ_N  16      /* edge queue */
#define STEADY_HZ 20.0  /* per-block frequency deviation allowed beyond tol_hz: the phase noise
                           of one step at 6 dB SNR is ~ 2 Hz rms (25 dB in the 100 Hz boxcar) */
#define MEAS_HZ 3.0     /* margin on the mean frequency at confirmation: a partly filled
                           first block and noise bias a few-step mean by up to ~ 3 Hz */

struct hs_tonedet {
    hs_tonedet_config cfg;
    hs_osc   lo;                  /* local oscillator at -freq (cos, sin via phase) */
    double   lo_re, lo_im;        /* cos, sin of lo.phase: rotated each sample, recomputed
                                     exactly every LO_RESYNC samples (no cos/sin per sample) */
    double   rot_re, rot_im;      /* one-step rotation */
    uint64_t n;
    double   acc_re, acc_im, acc_p;
    double   prev_re, prev_im;
    int      have_prev;
    /* run tracking */
    int      on, run, off_run;
    uint64_t run_start, off_start;
    double   run_step_sum, run_amp2_sum;   /* over the candidate run */
    int      run_steps, run_amps;
    double   burst_step_sum, burst_amp2_sum;
    int      burst_steps, burst_amps;
    hs_tonedet_edge q[EQ_N];
    int      qh, qn;
    hs_tonedet_result r;
};

hs_tonedet_config hs_tonedet_config_ct(void)
{
    /* V.25 §2.1: 1300 +- 15 Hz, on 0.5-0.7 s, off 1.5-2.0 s */
    hs_tonedet_config c = { 1300.0f, 15.0f, -43.0f, 0.5f, 8, 500.0f, 700.0f, 1500.0f, 2000.0f };
    return c;
}

hs_tonedet_config hs_tonedet_config_cng(void)
{
    /* T.30 via spec §1.1 (single source): 1100 +- 38 Hz, 0.5 s on, 3 s off, +- 15 % */
    hs_tonedet_config c = { 1100.0f, 38.0f, -43.0f, 0.5f, 8, 425.0f, 575.0f, 2550.0f, 3450.0f };
    return c;
}

const char *hs_tonedet_config_problem(const hs_tonedet_config *c)
{
    if (!c) return "config is NULL";
    if (!(c->freq_hz >= 200.0f && c->freq_hz <= 3800.0f)) return "freq_hz must be between 200 and 3800 Hz";
    if (!(c->tol_hz >= 0.0f && c->tol_hz <= 45.0f)) return "tol_hz must be between 0 and 45 Hz (10 ms blocks)";
    if (!(c->min_level_dbm0 >= -70.0f && c->min_level_dbm0 <= 0.0f)) return "min_level_dbm0 must be between -70 and 0";
    if (!(c->min_ratio > 0.0f && c->min_ratio <= 1.0f)) return "min_ratio must be in (0, 1]";
    if (c->confirm_blocks < 3 || c->confirm_blocks > 100) return "confirm_blocks must be between 3 and 100";
    if (!(c->on_min_ms >= 0.0f && c->on_max_ms >= c->on_min_ms)) return "on_min_ms..on_max_ms is not a range";
    if (!(c->off_min_ms >= 0.0f && c->off_max_ms >= c->off_min_ms)) return "off_min_ms..off_max_ms is not a range";
    return NULL;
}

hs_err hs_tonedet_create(const hs_tonedet_config *c, hs_tonedet **out)
{
    if (!out) return HS_EINVAL;
    *out = NULL;
    if (hs_tonedet_config_problem(c)) return HS_EINVAL;
    hs_tonedet *d = calloc(1, sizeof *d);
    if (!d) return HS_ENOMEM;
    d->cfg = *c;
    hs_tonedet_reset(d);
    *out = d;
    return HS_OK;
}

void hs_tonedet_reset(hs_tonedet *d)
{
    hs_tonedet_config c = d->cfg;
    memset(d, 0, sizeof *d);
    d->cfg = c;
    hs_osc_init(&d->lo, c.freq_hz, 1.0, 0.0);
    double st = (double)d->lo.step * (2.0 * HS_PI / 4294967296.0);
    d->rot_re = cos(st);
    d->rot_im = sin(st);
}

void hs_tonedet_destroy(hs_tonedet *d) { free(d); }

void hs_tonedet_get(const hs_tonedet *d, hs_tonedet_result *r) { *r = d->r; }

int hs_tonedet_next_edge(hs_tonedet *d, hs_tonedet_edge *e)
{
    if (!d->qn) return 0;
    *e = d->q[d->qh];
    d->qh = (d->qh + 1) % EQ_N;
    d->qn--;
    return 1;
}

static void push(hs_tonedet *d, const hs_tonedet_edge *e)
{
    if (d->qn == EQ_N) { d->qh = (d->qh + 1) % EQ_N; d->qn--; }
    d->q[(d->qh + d->qn) % EQ_N] = *e;
    d->qn++;
}

static double step_to_hz(double step) { return step / (2.0 * HS_PI * BLK / HS_RATE); }

static int in_range(double v, float lo, float hi) { return v >= (double)lo && v <= (double)hi; }

static int end_block(hs_tonedet *d, uint64_t now)
{
    const hs_tonedet_config *c = &d->cfg;
    double re = d->acc_re, im = d->acc_im, tot = d->acc_p / BLK;
    d->acc_re = d->acc_im = d->acc_p = 0.0;
    uint64_t bstart = now + 1 - BLK;
    /* phase step -> frequency offset; boxcar loss at that offset (clamped to the tolerance) */
    double step = 0.0;
    int have_step = 0;
    if (d->have_prev && (re != 0.0 || im != 0.0) && (d->prev_re != 0.0 || d->prev_im != 0.0)) {
        step = atan2(im * d->prev_re - re * d->prev_im, re * d->prev_re + im * d->prev_im);
        have_step = 1;
    }
    d->prev_re = re;
    d->prev_im = im;
    d->have_prev = 1;
    double off = have_step ? step_to_hz(step) : 0.0;
    /* a steady tone keeps its block-to-block frequency; FSK (V.21(L) centre 1080 Hz lies
     * near CNG) jumps by ~ +-100 Hz between blocks */
    int steady = !have_step || fabs(off) <= (double)c->tol_hz + STEADY_HZ;
    if (off > (double)c->tol_hz) off = c->tol_hz;
    if (off < -(double)c->tol_hz) off = -(double)c->tol_hz;
    double x = HS_PI * off * BLK / HS_RATE, g = fabs(x) > 1e-12 ? sin(x) / x : 1.0;
    double amp2 = (re * re + im * im) * (4.0 / (BLK * BLK)) / (g * g);
    double tp = 0.5 * amp2;
    int good = steady && tot > 0.0 && tp >= (double)c->min_ratio * tot && hs_power_to_dbm0(tp) >= (double)c->min_level_dbm0;
    int edges = 0;

    if (!d->on) {
        if (good) {
            if (d->run == 0) {
                d->run_start = bstart;
                d->run_step_sum = d->run_amp2_sum = 0.0;
                d->run_steps = d->run_amps = 0;
            } else if (have_step && d->run >= 2) {   /* skip the step from a partial first block */
                d->run_step_sum += step;
                d->run_steps++;
            }
            d->run_amp2_sum += amp2;
            d->run_amps++;
            d->run++;
            if (d->run >= c->confirm_blocks) {
                double f = (double)c->freq_hz + (d->run_steps ? step_to_hz(d->run_step_sum / d->run_steps) : 0.0);
                if (fabs(f - (double)c->freq_hz) <= (double)c->tol_hz + MEAS_HZ) {
                    hs_tonedet_edge e;
                    memset(&e, 0, sizeof e);
                    e.sample = d->run_start;
                    e.on = 1;
                    e.freq_hz = f;
                    e.level_dbm0 = hs_power_to_dbm0(0.5 * d->run_amp2_sum / d->run_amps);
                    e.duration_ms = d->r.off_at ? (double)(d->run_start - d->r.off_at) * 1000.0 / HS_RATE : 0.0;
                    push(d, &e);
                    edges++;
                    d->on = 1;
                    d->off_run = 0;
                    d->burst_step_sum = d->run_step_sum;
                    d->burst_steps = d->run_steps;
                    d->burst_amp2_sum = d->run_amp2_sum;
                    d->burst_amps = d->run_amps;
                    d->r.on = 1;
                    d->r.on_at = d->run_start;
                    d->r.bursts++;
                    d->r.freq_hz = f;
                    d->r.level_dbm0 = e.level_dbm0;
                    if (d->r.off_at) d->r.last_off_ms = e.duration_ms;
                } else {
                    d->run = 0;   /* wrong frequency: start over */
                }
            }
        } else {
            d->run = 0;
        }
    } else {
        if (good) {
            d->off_run = 0;
            if (have_step) { d->burst_step_sum += step; d->burst_steps++; }
            d->burst_amp2_sum += amp2;
            d->burst_amps++;
            d->r.freq_hz = (double)c->freq_hz + (d->burst_steps ? step_to_hz(d->burst_step_sum / d->burst_steps) : 0.0);
            d->r.level_dbm0 = hs_power_to_dbm0(0.5 * d->burst_amp2_sum / d->burst_amps);
        } else {
            if (d->off_run == 0) d->off_start = bstart;
            if (++d->off_run >= OFF_N) {
                hs_tonedet_edge e;
                memset(&e, 0, sizeof e);
                e.sample = d->off_start;
                e.on = 0;
                e.freq_hz = d->r.freq_hz;
                e.level_dbm0 = d->r.level_dbm0;
                e.duration_ms = (double)(d->off_start - d->r.on_at) * 1000.0 / HS_RATE;
                push(d, &e);
                edges++;
                d->on = 0;
                d->run = 0;
                d->r.on = 0;
                d->r.off_at = d->off_start;
                d->r.last_on_ms = e.duration_ms;
                d->r.cadence_ok = in_range(d->r.last_on_ms, c->on_min_ms, c->on_max_ms) &&
                                  (d->r.bursts < 2 || in_range(d->r.last_off_ms, c->off_min_ms, c->off_max_ms));
            }
        }
    }
    return edges;
}

int hs_tonedet_process(hs_tonedet *d, const float *in, size_t n)
{
    int edges = 0;
    for (size_t i = 0; i < n; i++) {
        double x = in[i];
        if ((d->n & (LO_RESYNC - 1)) == 0) {
            double ph = hs_osc_phase_rad(&d->lo);
            d->lo_re = cos(ph);
            d->lo_im = sin(ph);
        }
        d->lo.phase += d->lo.step;
        d->acc_re += x * d->lo_re;
        d->acc_im -= x * d->lo_im;
        double a = d->lo_re * d->rot_re - d->lo_im * d->rot_im;
        d->lo_im = d->lo_im * d->rot_re + d->lo_re * d->rot_im;
        d->lo_re = a;
        d->acc_p += x * x;
        if ((d->n + 1) % BLK == 0) edges += end_block(d, d->n);
        d->n++;
    }
    return edges;
}
