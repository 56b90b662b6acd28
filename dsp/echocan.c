/* dsp/echocan.c: NLMS echo canceller with a near and a far window (see echocan.h). */
#include "echocan.h"

#include <stdlib.h>
#include <string.h>
#include "level.h"

struct hs_echocan {
    hs_echocan_config cfg;
    float  *wn, *wf;          /* near / far taps */
    float  *h;                /* transmit history, mirrored: h[pos + k] = tx[n - k] */
    int     hlen, pos;
    double  en, ef;           /* energy of the transmit samples under each window */
    double  p_in, p_out;      /* power averages */
    int     adapt;
    float   mu;
    double  reg;              /* NLMS regularisation: taps x power at -40 dBm0 */
};

#define PAVG 256.0            /* power average time constant, samples (32 ms) */

hs_echocan_config hs_echocan_config_default(void)
{
    hs_echocan_config c = { 64, 64, 0, 0.5, 0 };
    return c;
}

hs_err hs_echocan_set_far_delay(hs_echocan *ec, int samples)
{
    int dmax = ec->hlen - ec->cfg.far_taps;
    if (samples < 0 || samples > dmax) return HS_EINVAL;
    ec->cfg.far_delay_samples = samples;
    hs_echocan_reset(ec);
    return HS_OK;
}

const char *hs_echocan_config_problem(const hs_echocan_config *c)
{
    if (c->near_taps < 1 || c->near_taps > 1024) return "near_taps: must be 1..1024";
    if (c->far_taps < 0 || c->far_taps > 1024) return "far_taps: must be 0..1024";
    if (c->far_delay_samples < 0 || c->far_delay_samples > 16000) return "far_delay_samples: must be 0..16000";
    if (!(c->mu > 0.0 && c->mu < 2.0)) return "mu: must be between 0 and 2";
    if (c->max_far_delay_samples < 0 || c->max_far_delay_samples > 16000) return "max_far_delay_samples: must be 0..16000";
    return NULL;
}

hs_err hs_echocan_create(const hs_echocan_config *c, hs_echocan **out)
{
    *out = NULL;
    if (hs_echocan_config_problem(c)) return HS_EINVAL;
    hs_echocan *ec = calloc(1, sizeof *ec);
    if (!ec) return HS_ENOMEM;
    ec->cfg = *c;
    int dmax = c->max_far_delay_samples > c->far_delay_samples ? c->max_far_delay_samples : c->far_delay_samples;
    int need = c->far_taps ? dmax + c->far_taps : 0;
    ec->hlen = need > c->near_taps ? need : c->near_taps;
    ec->reg = (c->near_taps + c->far_taps) * hs_dbm0_to_power(-40.0);
    ec->wn = calloc((size_t)c->near_taps, sizeof(float));
    ec->wf = calloc((size_t)(c->far_taps ? c->far_taps : 1), sizeof(float));
    ec->h = calloc((size_t)(2 * ec->hlen), sizeof(float));
    if (!ec->wn || !ec->wf || !ec->h) {
        hs_echocan_destroy(ec);
        return HS_ENOMEM;
    }
    hs_echocan_reset(ec);
    *out = ec;
    return HS_OK;
}

void hs_echocan_reset(hs_echocan *ec)
{
    memset(ec->wn, 0, sizeof(float) * (size_t)ec->cfg.near_taps);
    memset(ec->wf, 0, sizeof(float) * (size_t)(ec->cfg.far_taps ? ec->cfg.far_taps : 1));
    memset(ec->h, 0, sizeof(float) * (size_t)(2 * ec->hlen));
    ec->pos = 0;
    ec->en = ec->ef = 0.0;
    ec->p_in = ec->p_out = 0.0;
    ec->adapt = 0;
    ec->mu = (float)ec->cfg.mu;
}

void hs_echocan_destroy(hs_echocan *ec)
{
    if (!ec) return;
    free(ec->wn);
    free(ec->wf);
    free(ec->h);
    free(ec);
}

void hs_echocan_set_adapt(hs_echocan *ec, int on) { ec->adapt = on != 0; }
void hs_echocan_set_mu(hs_echocan *ec, double mu) { if (mu > 0.0 && mu < 2.0) ec->mu = (float)mu; }

void hs_echocan_process(hs_echocan *ec, const float *tx, const float *rx, float *out, size_t n)
{
    const int nn = ec->cfg.near_taps, nf = ec->cfg.far_taps, D = ec->cfg.far_delay_samples;
    for (size_t i = 0; i < n; i++) {
        /* the sample leaving each window, then the new one */
        float old_n = ec->h[ec->pos + nn - 1];
        float old_f = nf ? ec->h[ec->pos + D + nf - 1] : 0.0f;
        ec->pos = ec->pos == 0 ? ec->hlen - 1 : ec->pos - 1;
        float x = tx ? tx[i] : 0.0f;
        ec->h[ec->pos] = x;
        ec->h[ec->pos + ec->hlen] = x;
        ec->en += (double)x * (double)x - (double)old_n * (double)old_n;
        if (nf) {
            /* the far window starts at delay D: it gains the sample now at delay D */
            float new_f = ec->h[ec->pos + D];
            ec->ef += (double)new_f * (double)new_f - (double)old_f * (double)old_f;
        }
        if (ec->en < 0.0) ec->en = 0.0;
        if (ec->ef < 0.0) ec->ef = 0.0;
        const float *hn = ec->h + ec->pos, *hf = ec->h + ec->pos + D;
        float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;   /* four partial sums */
        int k = 0;
        for (; k + 4 <= nn; k += 4) {
            s0 += ec->wn[k] * hn[k];
            s1 += ec->wn[k + 1] * hn[k + 1];
            s2 += ec->wn[k + 2] * hn[k + 2];
            s3 += ec->wn[k + 3] * hn[k + 3];
        }
        for (; k < nn; k++) s0 += ec->wn[k] * hn[k];
        for (k = 0; k + 4 <= nf; k += 4) {
            s0 += ec->wf[k] * hf[k];
            s1 += ec->wf[k + 1] * hf[k + 1];
            s2 += ec->wf[k + 2] * hf[k + 2];
            s3 += ec->wf[k + 3] * hf[k + 3];
        }
        for (; k < nf; k++) s0 += ec->wf[k] * hf[k];
        float est = (s0 + s1) + (s2 + s3);
        float r = rx ? rx[i] : 0.0f;
        float e = r - est;
        if (ec->adapt) {
            /* regularised: a transmit signal below ~-40 dBm0 (silence, ramps) barely adapts,
             * or the noise would push the taps far out while ||x|| is tiny */
            float g = ec->mu * e / (float)(ec->en + ec->ef + ec->reg);
            for (k = 0; k < nn; k++) ec->wn[k] += g * hn[k];
            for (k = 0; k < nf; k++) ec->wf[k] += g * hf[k];
        }
        ec->p_in += ((double)r * (double)r - ec->p_in) / PAVG;
        ec->p_out += ((double)e * (double)e - ec->p_out) / PAVG;
        out[i] = e;
    }
}

double hs_echocan_get_echo_level_dbm0(const hs_echocan *ec) { return hs_power_to_dbm0(ec->p_in); }
double hs_echocan_get_residual_level_dbm0(const hs_echocan *ec) { return hs_power_to_dbm0(ec->p_out); }
double hs_echocan_get_erle_db(const hs_echocan *ec)
{
    return hs_echocan_get_echo_level_dbm0(ec) - hs_echocan_get_residual_level_dbm0(ec);
}

size_t hs_echocan_get_taps(const hs_echocan *ec, float *near, size_t nmax, float *far, size_t fmax)
{
    size_t a = (size_t)ec->cfg.near_taps < nmax ? (size_t)ec->cfg.near_taps : nmax;
    if (near) memcpy(near, ec->wn, a * sizeof(float));
    size_t b = (size_t)ec->cfg.far_taps < fmax ? (size_t)ec->cfg.far_taps : fmax;
    if (far && b) memcpy(far, ec->wf, b * sizeof(float));
    return a + b;
}
