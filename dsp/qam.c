/* dsp/qam.c: V.34 QAM transmitter (see qam.h). */
#include "qam.h"
#include "info.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "level.h"


#define PE_TAPS 31

struct hs_qam_tx {
    hs_qam_config  cfg;
    int            U, step, span;      /* polyphase branches, branch step per sample, taps */
    float         *coef;               /* U x span */
    float complex *hist;               /* 2 x span (mirrored) */
    int            hpos;
    int            ph;                 /* branch of the next sample */
    int            pending;            /* take a symbol before the next sample */
    /* carrier */
    int            cm, cstep, cph;     /* exact: phase index mod cm */
    float         *ccos, *csin;
    double         cinc, cphase;       /* override: radians */
    /* pre-emphasis */
    int            pe_on;
    float          pe[PE_TAPS];
    float          pe_hist[2 * PE_TAPS];
    int            pe_pos;
    /* FIFO */
    float complex *fifo;
    size_t         fcap, fhead, fcount;
    uint64_t       taken, underruns;
};

static int gcd(int a, int b) { while (b) { int t = a % b; a = b; b = t; } return a; }

double hs_qam_symbol_rate(int i)
{
    return hs_v34_symbol_rate_exact(i);   /* info.c: the one table */
}

double hs_qam_carrier_hz(int i, int high)
{
    return hs_v34_carrier_hz(i, high);
}

void hs_qam_samples_per_symbol(int i, int *num, int *den)
{
    int ra = 1, rc = 1;
    hs_v34_rate_ratios(i, 0, &ra, &rc, NULL, NULL);
    int n = 10 * rc, d = 3 * ra, g = gcd(n, d);
    *num = n / g;
    *den = d / g;
}

hs_qam_config hs_qam_config_default(int symbol_rate_index, int high_carrier)
{
    hs_qam_config c;
    c.symbol_rate_index = symbol_rate_index;
    c.high_carrier = high_carrier;
    c.carrier_hz = 0.0;
    c.preemph_index = 0;
    c.level_dbm0 = -13.0;
    c.rolloff = 0.12;
    c.span_symbols = 24;
    c.fifo_symbols = 256;
    return c;
}

const char *hs_qam_config_problem(const hs_qam_config *c)
{
    if (c->symbol_rate_index < 0 || c->symbol_rate_index > 5) return "symbol_rate_index: must be 0..5";
    if (c->carrier_hz < 0.0 || c->carrier_hz >= HS_RATE / 2) return "carrier_hz: must be 0 (table) or below 4000 Hz";
    if (c->preemph_index < 0 || c->preemph_index > 10) return "preemph_index: must be 0..10";
    if (c->level_dbm0 < -60.0 || c->level_dbm0 > 3.0) return "level_dbm0: must be -60..3";
    if (!(c->rolloff >= 0.05 && c->rolloff <= 0.5)) return "rolloff: must be 0.05..0.5";
    if (c->span_symbols < 8 || c->span_symbols > 64 || (c->span_symbols & 1)) return "span_symbols: must be even, 8..64";
    if (c->fifo_symbols < 1 || c->fifo_symbols > 1 << 20) return "fifo_symbols: must be 1..1048576";
    return NULL;
}

/* Square-root raised cosine, t in symbols, peak 1 - b + 4b/pi. */
double hs_rrc(double t, double b)
{
    double at = fabs(t);
    if (at < 1e-9) return 1.0 - b + 4.0 * b / HS_PI;
    if (fabs(at - 1.0 / (4.0 * b)) < 1e-9)
        return b / sqrt(2.0) * ((1.0 + 2.0 / HS_PI) * sin(HS_PI / (4.0 * b)) +
                                (1.0 - 2.0 / HS_PI) * cos(HS_PI / (4.0 * b)));
    double x = 4.0 * b * t;
    return (sin(HS_PI * t * (1.0 - b)) + 4.0 * b * t * cos(HS_PI * t * (1.0 + b))) /
           (HS_PI * t * (1.0 - x * x));
}

/* Pre-emphasis template in dB at normalised frequency u = f/S (§7.3). */
double hs_v34_preemph_db(int index, double u)
{
    if (u > 1.2) u = 1.2;
    if (u < 0.0) u = 0.0;
    if (index <= 0) return 0.0;
    if (index <= 5) return 2.0 * index * u;
    double b = 0.5 * (index - 5), g = 2.0 * b;
    if (u <= 0.4) return 0.0;
    if (u <= 0.8) return b * (u - 0.4) / 0.4;       /* unconstrained gap: straight line [eng] */
    return b + g * (u - 0.8) / 0.4;
}

/* Raised-cosine power spectrum of the transmit pulse at offset df from the carrier. */
static double rc_power(double df, double S, double b)
{
    double f = fabs(df) / S, lo = (1.0 - b) / 2.0, hi = (1.0 + b) / 2.0;
    if (f <= lo) return 1.0;
    if (f >= hi) return 0.0;
    return 0.5 * (1.0 + cos(HS_PI / b * (f - lo)));
}

static void design_preemph(hs_qam_tx *tx, double S, double fc)
{
    const int ng = 2000;
    int idx = tx->cfg.preemph_index;
    for (int n = 0; n < PE_TAPS; n++) {
        double m = n - (PE_TAPS - 1) / 2, acc = 0.0;
        for (int k = 0; k < ng; k++) {
            double f = (k + 0.5) * (HS_RATE / 2.0) / ng;
            double a = pow(10.0, hs_v34_preemph_db(idx, f / S) / 20.0);
            acc += a * cos(2.0 * HS_PI * f * m / HS_RATE);
        }
        double w = 0.54 + 0.46 * cos(2.0 * HS_PI * m / (PE_TAPS - 1));   /* Hamming */
        tx->pe[n] = (float)(acc / ng * w);
    }
    /* scale so that the shaped signal keeps its power */
    double num = 0.0, den = 0.0;
    for (int k = 0; k < ng; k++) {
        double f = (k + 0.5) * (HS_RATE / 2.0) / ng, hr = 0.0, hi = 0.0;
        for (int n = 0; n < PE_TAPS; n++) {
            hr += (double)tx->pe[n] * cos(2.0 * HS_PI * f * n / HS_RATE);
            hi += (double)tx->pe[n] * sin(2.0 * HS_PI * f * n / HS_RATE);
        }
        double w = rc_power(f - fc, S, tx->cfg.rolloff);
        num += (hr * hr + hi * hi) * w;
        den += w;
    }
    float g = (float)sqrt(den / num);
    for (int n = 0; n < PE_TAPS; n++) tx->pe[n] *= g;
}

/* Tables for tx->cfg into buffers sized for every symbol rate (no allocation). */
static void setup(hs_qam_tx *tx)
{
    const hs_qam_config *c = &tx->cfg;
    int i = c->symbol_rate_index, h = c->high_carrier ? 1 : 0;
    hs_qam_samples_per_symbol(i, &tx->U, &tx->step);
    int ra = 1, rc = 1, rd = 1, re = 1;
    hs_v34_rate_ratios(i, h, &ra, &rc, &rd, &re);
    tx->cm = 10 * rc * re;
    tx->cstep = 3 * ra * rd;
    int H = tx->span / 2;
    double e = 0.0;
    for (int p = 0; p < tx->U; p++)
        for (int k = 0; k < tx->span; k++) {
            double g = hs_rrc((double)p / tx->U + k - H, c->rolloff);
            tx->coef[p * tx->span + k] = (float)g;
            e += g * g;
        }
    /* unit-power symbols -> complex baseband power e/U -> passband power half that */
    double scale = sqrt(2.0 * hs_dbm0_to_power(c->level_dbm0) / (e / tx->U));
    for (int k = 0; k < tx->U * tx->span; k++) tx->coef[k] *= (float)scale;
    for (int k = 0; k < tx->cm; k++) {
        tx->ccos[k] = (float)cos(2.0 * HS_PI * k / tx->cm);
        tx->csin[k] = (float)sin(2.0 * HS_PI * k / tx->cm);
    }
    double S = hs_qam_symbol_rate(i), fc = c->carrier_hz > 0.0 ? c->carrier_hz : hs_qam_carrier_hz(i, h);
    tx->cinc = 2.0 * HS_PI * fc / HS_RATE;
    tx->pe_on = c->preemph_index != 0;
    if (tx->pe_on) design_preemph(tx, S, fc);
}

#define MAX_U  35      /* 2743 Bd: 35/12 samples per symbol */
#define MAX_CM 490     /* 10 c e for 3429 Bd (c = 7, e = 7) */

hs_err hs_qam_tx_create(const hs_qam_config *c, hs_qam_tx **out)
{
    *out = NULL;
    if (hs_qam_config_problem(c)) return HS_EINVAL;
    hs_qam_tx *tx = calloc(1, sizeof *tx);
    if (!tx) return HS_ENOMEM;
    tx->cfg = *c;
    tx->span = c->span_symbols;
    tx->coef = malloc(sizeof(float) * (size_t)(MAX_U * tx->span));
    tx->hist = malloc(sizeof(float complex) * (size_t)(2 * tx->span));
    tx->ccos = malloc(sizeof(float) * MAX_CM);
    tx->csin = malloc(sizeof(float) * MAX_CM);
    tx->fcap = (size_t)c->fifo_symbols;
    tx->fifo = malloc(sizeof(float complex) * tx->fcap);
    if (!tx->coef || !tx->hist || !tx->ccos || !tx->csin || !tx->fifo) {
        hs_qam_tx_destroy(tx);
        return HS_ENOMEM;
    }
    setup(tx);
    hs_qam_tx_reset(tx);
    *out = tx;
    return HS_OK;
}

hs_err hs_qam_tx_configure(hs_qam_tx *tx, int symbol_rate_index, int high_carrier, double carrier_hz,
                           int preemph_index, double level_dbm0)
{
    hs_qam_config c = tx->cfg;
    c.symbol_rate_index = symbol_rate_index;
    c.high_carrier = high_carrier;
    c.carrier_hz = carrier_hz;
    c.preemph_index = preemph_index;
    c.level_dbm0 = level_dbm0;
    if (hs_qam_config_problem(&c)) return HS_EINVAL;
    tx->cfg = c;
    setup(tx);
    hs_qam_tx_reset(tx);
    return HS_OK;
}

void hs_qam_tx_reset(hs_qam_tx *tx)
{
    memset(tx->hist, 0, sizeof(float complex) * (size_t)(2 * tx->span));
    memset(tx->pe_hist, 0, sizeof tx->pe_hist);
    tx->hpos = 0;
    tx->ph = 0;
    tx->pending = 1;
    tx->cph = 0;
    tx->cphase = 0.0;
    tx->pe_pos = 0;
    tx->fhead = tx->fcount = 0;
    tx->taken = tx->underruns = 0;
}

void hs_qam_tx_destroy(hs_qam_tx *tx)
{
    if (!tx) return;
    free(tx->coef);
    free(tx->hist);
    free(tx->ccos);
    free(tx->csin);
    free(tx->fifo);
    free(tx);
}

int hs_qam_tx_put(hs_qam_tx *tx, float complex sym)
{
    if (tx->fcount == tx->fcap) return 0;
    tx->fifo[(tx->fhead + tx->fcount) % tx->fcap] = sym;
    tx->fcount++;
    return 1;
}

size_t hs_qam_tx_fifo_count(const hs_qam_tx *tx) { return tx->fcount; }

size_t hs_qam_tx_symbols_needed(const hs_qam_tx *tx, size_t n)
{
    if (n == 0) return 0;
    return (size_t)tx->pending + ((size_t)tx->ph + (n - 1) * (size_t)tx->step) / (size_t)tx->U;
}

uint64_t hs_qam_tx_symbols_taken(const hs_qam_tx *tx) { return tx->taken; }
uint64_t hs_qam_tx_underruns(const hs_qam_tx *tx) { return tx->underruns; }

double hs_qam_tx_delay_samples(const hs_qam_tx *tx)
{
    return (double)(tx->span / 2) * tx->U / tx->step + (tx->pe_on ? (PE_TAPS - 1) / 2 : 0);
}

void hs_qam_tx_process(hs_qam_tx *tx, float *out, size_t n)
{
    const int span = tx->span;
    for (size_t j = 0; j < n; j++) {
        if (tx->pending) {
            float complex s = 0.0f;
            if (tx->fcount) {
                s = tx->fifo[tx->fhead];
                tx->fhead = (tx->fhead + 1) % tx->fcap;
                tx->fcount--;
            } else {
                tx->underruns++;
            }
            tx->taken++;
            tx->hpos = tx->hpos == 0 ? span - 1 : tx->hpos - 1;
            tx->hist[tx->hpos] = s;
            tx->hist[tx->hpos + span] = s;
            tx->pending = 0;
        }
        /* hist[hpos + i] is symbol kb - i */
        const float *c = tx->coef + tx->ph * span;
        const float complex *hp = tx->hist + tx->hpos;
        float yr = 0.0f, yi = 0.0f;
        for (int i = 0; i < span; i++) {
            yr += c[i] * crealf(hp[i]);
            yi += c[i] * cimagf(hp[i]);
        }
        float co, si;
        if (tx->cfg.carrier_hz > 0.0) {
            co = (float)cos(tx->cphase);
            si = (float)sin(tx->cphase);
            tx->cphase += tx->cinc;
            if (tx->cphase > 2.0 * HS_PI) tx->cphase -= 2.0 * HS_PI;
        } else {
            co = tx->ccos[tx->cph];
            si = tx->csin[tx->cph];
            tx->cph += tx->cstep;
            if (tx->cph >= tx->cm) tx->cph -= tx->cm;
        }
        float s = yr * co - yi * si;
        if (tx->pe_on) {
            tx->pe_pos = tx->pe_pos == 0 ? PE_TAPS - 1 : tx->pe_pos - 1;
            tx->pe_hist[tx->pe_pos] = s;
            tx->pe_hist[tx->pe_pos + PE_TAPS] = s;
            float acc = 0.0f;
            for (int i = 0; i < PE_TAPS; i++) acc += tx->pe[i] * tx->pe_hist[tx->pe_pos + i];
            s = acc;
        }
        out[j] = s;
        tx->ph += tx->step;
        if (tx->ph >= tx->U) {
            tx->ph -= tx->U;
            tx->pending = 1;
        }
    }
}
