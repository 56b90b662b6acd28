#include "probe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "level.h"
#include "spectrum.h"

#define NBINS    (HS_PROBE_PERIOD / 2 + 1)     /* 81 bins of 50 Hz */
#define MAXBLK   200                           /* 4 s */
#define NLONG    (3 * HS_PROBE_PERIOD)         /* 480-point Blackman-Harris frames for noise */
#define LBINS    (NLONG / 2 + 1)

/* k = f/150 of the 21 tones and their Table 17 phases (1 = 180 degrees). */
static const int tone_k[HS_PROBE_TONES] = { 1, 2, 3, 4, 5, 7, 9, 10, 11, 13, 14,
                                            15, 17, 18, 19, 20, 21, 22, 23, 24, 25 };
static const int tone_pi[HS_PROBE_TONES] = { 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0,
                                             1, 0, 1, 0, 1, 1, 1, 1, 0, 0 };

int hs_probe_tone_hz(int i) { return (i >= 0 && i < HS_PROBE_TONES) ? 150 * tone_k[i] : 0; }
int hs_probe_tone_phase_deg(int i) { return (i >= 0 && i < HS_PROBE_TONES) ? 180 * tone_pi[i] : 0; }

/* ------------------------------------------------------------------ generator */

struct hs_probe_tx {
    float    table[HS_PROBE_PERIOD];   /* L2 (total power P0) */
    unsigned pos;
};

hs_err hs_probe_tx_create(float p0_dbm0, hs_probe_tx **out)
{
    *out = NULL;
    if (p0_dbm0 > 0.0f || p0_dbm0 < -80.0f) return HS_EINVAL;
    hs_probe_tx *tx = calloc(1, sizeof *tx);
    if (!tx) return HS_ENOMEM;
    /* per-tone amplitude A = sqrt(2 P / 21) for total power P (spec §4.8) */
    double a = sqrt(2.0 * hs_dbm0_to_power(p0_dbm0) / HS_PROBE_TONES);
    for (int n = 0; n < HS_PROBE_PERIOD; n++) {
        double s = 0.0;
        for (int i = 0; i < HS_PROBE_TONES; i++) {
            int idx = (150 * tone_k[i] * n) % HS_RATE;
            s += cos(2.0 * HS_PI * idx / HS_RATE + (tone_pi[i] ? HS_PI : 0.0));
        }
        tx->table[n] = (float)(a * s);
    }
    tx->pos = 0;
    *out = tx;
    return HS_OK;
}

void hs_probe_tx_reset(hs_probe_tx *tx) { tx->pos = 0; }
void hs_probe_tx_destroy(hs_probe_tx *tx) { free(tx); }

float hs_probe_tx_sample(hs_probe_tx *tx, int l1)
{
    float v = tx->table[tx->pos];
    tx->pos = (tx->pos + 1) % HS_PROBE_PERIOD;
    return l1 ? 2.0f * v : v;          /* L1 = P0 + 6 dB: twice the amplitude */
}

/* ------------------------------------------------------------------ analysis */

struct hs_probe_rx {
    double       p0_power;
    hs_spectrum *sp;
    float        buf[HS_PROBE_PERIOD];
    int          fill;
    int          blocks;
    double       sum[NBINS];
    float        power[NBINS], phase[NBINS];
    double       ph1050[MAXBLK];
    double       total;                 /* sum of squares */
    hs_spectrum *spl;                   /* 480 points, Blackman-Harris: noise between tones */
    float        hist[NLONG];
    float        lpower[LBINS];
    double       lsum[LBINS];
    int          lframes;
    double       enbw_hz;               /* equivalent noise bandwidth of one long bin */
};

hs_err hs_probe_rx_create(float p0_dbm0, hs_probe_rx **out)
{
    *out = NULL;
    hs_probe_rx *rx = calloc(1, sizeof *rx);
    if (!rx) return HS_ENOMEM;
    hs_spectrum_config c = { HS_PROBE_PERIOD, HS_PROBE_PERIOD, HS_WIN_RECT };
    hs_err e = hs_spectrum_create(&c, &rx->sp);
    if (e != HS_OK) { free(rx); return e; }
    hs_spectrum_config cl = { NLONG, HS_PROBE_PERIOD, HS_WIN_BLACKMAN_HARRIS };
    e = hs_spectrum_create(&cl, &rx->spl);
    if (e != HS_OK) { hs_spectrum_destroy(rx->sp); free(rx); return e; }
    /* ENBW of the 4-term Blackman-Harris window dsp/spectrum uses (periodic form) */
    double s1 = 0.0, s2 = 0.0;
    for (int i = 0; i < NLONG; i++) {
        double x = 2.0 * HS_PI * i / NLONG;
        double w = 0.35875 - 0.48829 * cos(x) + 0.14128 * cos(2.0 * x) - 0.01168 * cos(3.0 * x);
        s1 += w;
        s2 += w * w;
    }
    rx->enbw_hz = NLONG * s2 / (s1 * s1) * HS_RATE / NLONG;
    rx->p0_power = hs_dbm0_to_power(p0_dbm0);
    hs_probe_rx_reset(rx);
    *out = rx;
    return HS_OK;
}

void hs_probe_rx_reset(hs_probe_rx *rx)
{
    rx->fill = 0;
    rx->blocks = 0;
    rx->total = 0.0;
    memset(rx->sum, 0, sizeof rx->sum);
    memset(rx->lsum, 0, sizeof rx->lsum);
    rx->lframes = 0;
}

void hs_probe_rx_destroy(hs_probe_rx *rx)
{
    if (!rx) return;
    hs_spectrum_destroy(rx->sp);
    hs_spectrum_destroy(rx->spl);
    free(rx);
}

void hs_probe_rx_push(hs_probe_rx *rx, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (rx->blocks >= MAXBLK) return;
        rx->buf[rx->fill++] = in ? in[i] : 0.0f;
        if (rx->fill < HS_PROBE_PERIOD) continue;
        rx->fill = 0;
        hs_spectrum_frame(rx->sp, rx->buf, rx->power, rx->phase);
        for (int k = 0; k < NBINS; k++) rx->sum[k] += (double)rx->power[k];
        for (int k = 0; k < HS_PROBE_PERIOD; k++) rx->total += (double)rx->buf[k] * (double)rx->buf[k];
        rx->ph1050[rx->blocks] = (double)rx->phase[21];
        rx->blocks++;
        memmove(rx->hist, rx->hist + HS_PROBE_PERIOD, (NLONG - HS_PROBE_PERIOD) * sizeof rx->hist[0]);
        memcpy(rx->hist + NLONG - HS_PROBE_PERIOD, rx->buf, HS_PROBE_PERIOD * sizeof rx->buf[0]);
        if (rx->blocks >= 3) {
            hs_spectrum_frame(rx->spl, rx->hist, rx->lpower, NULL);
            for (int k = 0; k < LBINS; k++) rx->lsum[k] += (double)rx->lpower[k];
            rx->lframes++;
        }
    }
}

int hs_probe_rx_blocks(const hs_probe_rx *rx) { return rx->blocks; }

/* Fraction of a tone's power that a rectangular 160-point DFT places in the bin d bins
 * away when the tone is delta bins off its own bin. */
static double leak(double delta, int d)
{
    double x = delta - d;
    if (fabs(x) < 1e-9) return 1.0;
    double s = sin(HS_PI * x) / (HS_PI * x);
    double s0 = fabs(delta) < 1e-9 ? 1.0 : sin(HS_PI * delta) / (HS_PI * delta);
    return (s * s) / (s0 * s0);
}

hs_err hs_probe_rx_analyse(hs_probe_rx *rx, hs_probe_result *r)
{
    memset(r, 0, sizeof *r);
    if (rx->blocks < 4) return HS_ESTATE;
    int nb = rx->blocks;
    r->blocks = nb;
    double mean[NBINS];
    for (int k = 0; k < NBINS; k++) mean[k] = rx->sum[k] / nb;
    r->rx_level_dbm0 = hs_power_to_dbm0(rx->total / (nb * (double)HS_PROBE_PERIOD));

    /* Frequency offset: the 1050 Hz tone makes exactly 21 cycles per block, so its phase
     * steps by 2 pi f_off 0.02 s per block (spec §4.9 step 7). */
    double acc = 0.0;
    for (int b = 1; b < nb; b++) {
        double d = rx->ph1050[b] - rx->ph1050[b - 1];
        d -= 2.0 * HS_PI * floor(d / (2.0 * HS_PI) + 0.5);
        acc += d;
    }
    r->freq_offset_hz = acc / (nb - 1) / (2.0 * HS_PI * HS_PROBE_PERIOD / HS_RATE);
    double delta = r->freq_offset_hz / 50.0;        /* in bins */

    /* Tone power from the rectangular DFT (bin-centred: no leakage but for the offset). */
    double tone_p[HS_PROBE_TONES], side[HS_PROBE_TONES];
    for (int i = 0; i < HS_PROBE_TONES; i++) {
        tone_p[i] = mean[3 * tone_k[i]] / leak(delta, 0);
        /* Noise density between the tones from the Blackman-Harris frames: tone k is on long
         * bin 9k; bins 9k-5, 9k-4, 9k+4, 9k+5 are outside every tone's main lobe (4 bins)
         * for offsets up to 0.2 long bins (3 Hz) and see -92 dB side lobes. */
        double sn = 0.0;
        int b9 = 9 * tone_k[i], cnt = 0;
        static const int offs[4] = { -5, -4, 4, 5 };
        for (int j = 0; j < 4; j++) {
            int b = b9 + offs[j];
            if (b < 1 || b >= LBINS - 1) continue;
            sn += rx->lsum[b] / (rx->lframes ? rx->lframes : 1);
            cnt++;
        }
        side[i] = (cnt ? sn / cnt : 0.0) / rx->enbw_hz;   /* density per Hz */
    }
    for (int i = 0; i < HS_PROBE_TONES; i++) {
        /* smooth the density over this tone and two neighbours each side (noise varies slowly) */
        double s = 0.0;
        int cnt = 0;
        for (int j = i - 2; j <= i + 2; j++) {
            if (j < 0 || j >= HS_PROBE_TONES) continue;
            s += side[j];
            cnt++;
        }
        double dens = s / cnt;
        if (dens < 1e-24) dens = 1e-24;
        double p = tone_p[i] - dens * 50.0;          /* the tone bin also holds 50 Hz of noise */
        if (p < dens * 5.0) p = dens * 5.0;          /* not seen: report 10 dB below the bin noise */
        double sent = rx->p0_power / HS_PROBE_TONES;
        double gain = p / sent;
        r->tone_hz[i] = 150.0 * tone_k[i];
        r->gain_db[i] = 10.0 * log10(gain);
        r->noise_dbm0_hz[i] = hs_power_to_dbm0(dens);
        r->snr_db[i] = 10.0 * log10(rx->p0_power * gain / (dens * 3100.0));
    }
    r->offset_valid = r->snr_db[5] >= 20.0;          /* tone 5 = 1050 Hz */
    return HS_OK;
}

/* ------------------------------------------------------------------ decision */

/* Whether the far transmitter may use symbol rate s with carrier `high` (spec §4.5). */
static int carrier_allowed(const hs_info0 *far, int s, int high)
{
    switch (s) {
    case HS_V34_S3000: return high ? far->tx_3000_high : far->tx_3000_low;
    case HS_V34_S3200: return high ? far->tx_3200_high : far->tx_3200_low;
    case HS_V34_S3429: return !high && far->tx_3429_allowed;   /* one carrier */
    default:           return 1;      /* 2400, 2743, 2800: either carrier [reading] */
    }
}

static int rate_supported(const hs_info0 *a, const hs_info0 *b, int s)
{
    switch (s) {
    case HS_V34_S2743: return a->rate_2743 && b->rate_2743;
    case HS_V34_S2800: return a->rate_2800 && b->rate_2800;
    case HS_V34_S3429: return a->rate_3429 && b->rate_3429;
    default:           return 1;
    }
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

void hs_probe_decide(const hs_probe_result *r, const hs_info0 *far, const hs_info0 *own,
                     hs_probe_choice *out)
{
    memset(out, 0, sizeof *out);
    int nmax_all = (far->c1664 && own->c1664) ? 14 : 12;
    double best_excess = -100.0;
    for (int s = 0; s < HS_V34_NRATES; s++) {
        out->snr_db[s] = -100.0;
        if (!rate_supported(far, own, s)) continue;
        double S = hs_v34_symbol_rate_exact(s);
        for (int high = 0; high <= 1; high++) {
            if (!carrier_allowed(far, s, high)) continue;
            if (s == HS_V34_S3429 && high) continue;
            double fc = hs_v34_carrier_hz(s, high);
            double inv = 0.0, su = 0.0, sg = 0.0, suu = 0.0, sug = 0.0;
            int cnt = 0;
            for (int i = 0; i < HS_PROBE_TONES; i++) {
                /* the whole occupied band f_c +- S/2 (digest §2.1): a tone the line does not
                 * carry at a band edge makes that symbol rate/carrier unusable */
                if (fabs(r->tone_hz[i] - fc) > 0.5 * S + 1e-9) continue;
                double lin = pow(10.0, r->snr_db[i] / 10.0);
                inv += 1.0 / lin;
                double u = r->tone_hz[i] / S;
                su += u; sg += r->gain_db[i]; suu += u * u; sug += u * r->gain_db[i];
                cnt++;
            }
            if (cnt < 2) continue;
            double snr = 10.0 * log10(cnt / inv);       /* harmonic mean */
            double bits = (snr - 4.0 - HS_PROBE_MARGIN_DB) / 3.01;
            int n = (int)floor(bits * S / 2400.0 + 1e-9);
            n = clampi(n, 0, hs_v34_max_n(s) < nmax_all ? hs_v34_max_n(s) : nmax_all);
            if (n < (s == HS_V34_S2400 ? 1 : 2)) n = 0;   /* Table 8: lowest rate per S */
            if (snr > out->snr_db[s] + 1e-9 || out->snr_db[s] < -99.0) {
                out->snr_db[s] = snr;
                out->rate[s].carrier_high = high;
                out->rate[s].max_n = n;
                /* pre-emphasis: compensate half of the received slope (dB per unit f/S) */
                double den = cnt * suu - su * su;
                double slope = den > 1e-12 ? (cnt * sug - su * sg) / den : 0.0;
                int idx = (int)floor(-slope / 2.0 / 2.0 + 0.5);
                out->rate[s].preemphasis = clampi(idx, 0, 5);
                if (n > 0) {
                    double need = 4.0 + HS_PROBE_MARGIN_DB + 3.01 * n * 2400.0 / S;
                    if (snr - need > best_excess) best_excess = snr - need;
                }
            }
        }
    }
    if (far->power_reduction) {
        /* received L2 within 3 dB of what was sent: the line is short, ask for less power */
        double loss = -(r->gain_db[5]);                 /* 1050 Hz tone loss */
        int red = loss < 3.0 ? clampi((int)floor(3.0 - loss + 0.5), 0, 7) : 0;
        out->min_power_reduction = red;
        int extra = best_excess > 0.0 ? (int)floor(best_excess) : 0;
        out->extra_power_reduction = clampi(extra, 0, 7 - red);
    }
    if (r->offset_valid) {
        int v = (int)lround(r->freq_offset_hz / 0.02);
        out->freq_offset = clampi(v, -511, 511);
    } else {
        out->freq_offset = -512;
    }
}

int hs_probe_best_rate(const hs_probe_choice *c)
{
    int best = -1;
    for (int s = 0; s < HS_V34_NRATES; s++)
        if (c->rate[s].max_n > 0 && (best < 0 || c->rate[s].max_n >= c->rate[best].max_n)) best = s;
    return best;
}

void hs_probe_to_info1c(const hs_probe_choice *c, hs_info1c *m)
{
    memset(m, 0, sizeof *m);
    m->min_power_reduction = c->min_power_reduction;
    m->extra_power_reduction = c->extra_power_reduction;
    m->md_length = 0;
    for (int s = 0; s < HS_V34_NRATES; s++) m->rate[s] = c->rate[s];
    m->freq_offset = c->freq_offset;
}

int hs_probe_choose_info1a(const hs_info1c *from_call, const hs_probe_choice *own, hs_info1a *m)
{
    int best = -1, best_min = 0;
    for (int s = 0; s < HS_V34_NRATES; s++) {
        int nac = from_call->rate[s].max_n, nca = own->rate[s].max_n;
        int mn = nac < nca ? nac : nca;
        if (mn > 0 && (best < 0 || mn >= best_min)) { best = s; best_min = mn; }
    }
    memset(m, 0, sizeof *m);
    m->min_power_reduction = own->min_power_reduction;
    m->extra_power_reduction = own->extra_power_reduction;
    m->md_length = 0;
    m->freq_offset = own->freq_offset;
    if (best < 0) return -1;
    m->carrier_high = own->rate[best].carrier_high;
    m->preemphasis = own->rate[best].preemphasis;
    m->max_n = own->rate[best].max_n;
    m->rate_ac = best;
    m->rate_ca = best;
    return best;
}
