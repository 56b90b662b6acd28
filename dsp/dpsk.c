#include "dpsk.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "level.h"

/* Symbol period: 8000/600 = 40/3 samples. The transmitter works on a grid of 1/3 sample,
 * on which a symbol is exactly 40 steps: pulse tables at that resolution are exact. */
#define T3       40                    /* symbol period in 1/3-sample steps */
#define TX_SPAN  4                     /* transmit pulse: +-4 symbols */
#define M3       (T3 * TX_SPAN)        /* half-length of the pulse table (1/3 steps) */
#define MZ3      (M3 + T3 / 2)         /* half-length of the reversal envelope table */
#define RX_K     80                    /* receive filter: 161 taps = +-6 symbols */
#define RX_NT    (2 * RX_K + 1)
#define ROLLOFF  0.75                  /* spec §4.1: 75 % RRC lies inside the Figure 13 mask */
#define QCAP     512
#define SYMCAP   16
#define LAG      8                     /* phase-stability lag for the tone detector (1 ms) */

enum { TX_SILENT = 0, TX_DATA, TX_TONE };

/* Square-root raised cosine, unit symbol period, x in symbols. */
static double rrc(double x, double beta)
{
    if (fabs(x) < 1e-9) return 1.0 - beta + 4.0 * beta / HS_PI;
    double q = 4.0 * beta * x;
    if (fabs(fabs(q) - 1.0) < 1e-9) {
        double a = HS_PI / (4.0 * beta);
        return beta / sqrt(2.0) * ((1.0 + 2.0 / HS_PI) * sin(a) + (1.0 - 2.0 / HS_PI) * cos(a));
    }
    return (sin(HS_PI * x * (1.0 - beta)) + q * cos(HS_PI * x * (1.0 + beta)))
         / (HS_PI * x * (1.0 - q * q));
}

/* cos(2 pi f n / 8000) for integer f, exact phase bookkeeping. */
static double osc_cos(int f, uint64_t n)
{
    uint64_t idx = ((uint64_t)f * (n % HS_RATE)) % HS_RATE;
    return cos(2.0 * HS_PI * (double)idx / HS_RATE);
}
static double osc_sin(int f, uint64_t n)
{
    uint64_t idx = ((uint64_t)f * (n % HS_RATE)) % HS_RATE;
    return sin(2.0 * HS_PI * (double)idx / HS_RATE);
}

/* ------------------------------------------------------------------ transmitter */

struct hs_dpsk_tx {
    hs_dpsk_tx_config c;
    float    g[2 * M3 + 1];            /* pulse, normalised so shifted copies sum to 1 */
    float    e[2 * MZ3 + 1];           /* envelope of a +1 -> -1 reversal, zero crossing at 0 */
    double   peak, guard_peak;
    int      guard_on;
    uint64_t now;
    int      mode, tone_after, stopping;
    uint8_t  q[QCAP];
    size_t   qhead, qcount;
    int64_t  sc[SYMCAP];               /* active symbols: centre (1/3 steps), amplitude */
    int8_t   sa[SYMCAP];
    int      nsym;
    int64_t  c_next;
    int      a_prev;
    int      sign;                     /* tone mode: current sign of the envelope */
    int      rev_pending;
    int64_t  rev_t3;
};

hs_dpsk_tx_config hs_dpsk_tx_config_v34(int answer, float p0_dbm0)
{
    hs_dpsk_tx_config c;
    if (answer) {
        /* [10.1.2.3.1]: 2400 Hz at P0 - 1 dB, guard 1800 Hz at P0 - 7 dB with INFO. */
        c.carrier_hz = 2400;
        c.level_dbm0 = p0_dbm0 - 1.0f;
        c.guard_hz = 1800;
        c.guard_dbm0 = p0_dbm0 - 7.0f;
    } else {
        c.carrier_hz = 1200;
        c.level_dbm0 = p0_dbm0;
        c.guard_hz = 0;
        c.guard_dbm0 = -100.0f;
    }
    return c;
}

const char *hs_dpsk_tx_config_problem(const hs_dpsk_tx_config *c)
{
    if (c->carrier_hz < 600 || c->carrier_hz > 3400) return "carrier_hz must be between 600 and 3400";
    if (c->guard_hz < 0 || c->guard_hz > 3900) return "guard_hz must be between 0 and 3900";
    if (c->level_dbm0 > 3.14f || c->level_dbm0 < -80.0f) return "level_dbm0 must be between -80 and 3.14";
    return NULL;
}

hs_err hs_dpsk_tx_create(const hs_dpsk_tx_config *c, hs_dpsk_tx **out)
{
    *out = NULL;
    if (hs_dpsk_tx_config_problem(c)) return HS_EINVAL;
    hs_dpsk_tx *tx = calloc(1, sizeof *tx);
    if (!tx) return HS_ENOMEM;
    tx->c = *c;
    double g[2 * M3 + 1];
    for (int m = -M3; m <= M3; m++) g[m + M3] = rrc((double)m / T3, ROLLOFF);
    /* Per residue class: sum over the symbol grid = 1, so a steady tone is exactly flat. */
    for (int r = 0; r < T3; r++) {
        double s = 0.0;
        for (int m = -M3; m <= M3; m++)
            if (((m % T3) + T3) % T3 == r) s += g[m + M3];
        for (int m = -M3; m <= M3; m++)
            if (((m % T3) + T3) % T3 == r) tx->g[m + M3] = (float)(g[m + M3] / s);
    }
    /* Reversal envelope: +1 symbols centred at -T/2, -3T/2, ...; -1 at +T/2, +3T/2, ... */
    for (int d = -MZ3; d <= MZ3; d++) {
        double s = 0.0;
        for (int n = -TX_SPAN - 2; n <= TX_SPAN + 1; n++) {
            int cen = T3 / 2 + n * T3;           /* centre of symbol n (n >= 0: reversed) */
            int m = d - cen;
            if (m < -M3 || m > M3) continue;
            s += (n >= 0 ? -1.0 : 1.0) * (double)tx->g[m + M3];
        }
        tx->e[d + MZ3] = (float)s;
    }
    tx->peak = hs_dbm0_to_peak(c->level_dbm0);
    hs_dpsk_tx_reset(tx);
    *out = tx;
    return HS_OK;
}

void hs_dpsk_tx_reset(hs_dpsk_tx *tx)
{
    tx->now = 0;
    tx->mode = TX_SILENT;
    tx->tone_after = 0;
    tx->stopping = 0;
    tx->qhead = tx->qcount = 0;
    tx->nsym = 0;
    tx->a_prev = 1;
    tx->sign = 1;
    tx->rev_pending = 0;
    tx->guard_on = 0;                            /* hs_dpsk_tx_set_guard turns it on */
    tx->guard_peak = hs_dbm0_to_peak(tx->c.guard_dbm0);
}

void hs_dpsk_tx_destroy(hs_dpsk_tx *tx) { free(tx); }

/* Enter data mode from tone mode: virtual symbols of the tone's sign fill the support. */
static void tone_to_data(hs_dpsk_tx *tx)
{
    int64_t k3 = 3 * (int64_t)tx->now;
    tx->c_next = k3 + M3 + 1;
    tx->nsym = 0;
    for (int64_t cc = tx->c_next - T3 * (2 * TX_SPAN + 2); cc < tx->c_next; cc += T3) {
        tx->sc[tx->nsym] = cc;
        tx->sa[tx->nsym] = (int8_t)tx->sign;
        tx->nsym++;
    }
    tx->a_prev = tx->sign;
    tx->mode = TX_DATA;
}

size_t hs_dpsk_tx_send_bits(hs_dpsk_tx *tx, const uint8_t *bits, size_t n)
{
    size_t k = 0;
    for (; k < n && tx->qcount < QCAP; k++) {
        tx->q[(tx->qhead + tx->qcount) % QCAP] = bits[k] ? 1 : 0;
        tx->qcount++;
    }
    tx->stopping = 0;
    if (tx->mode == TX_SILENT && tx->qcount) {
        tx->mode = TX_DATA;
        tx->nsym = 0;
        tx->c_next = 3 * (int64_t)tx->now + M3;
        tx->a_prev = 1;
    }
    return k;
}

void hs_dpsk_tx_set_tone(hs_dpsk_tx *tx, int tone_after)
{
    tx->tone_after = tone_after != 0;
    if (tone_after) tx->stopping = 0;
}

void hs_dpsk_tx_stop(hs_dpsk_tx *tx)
{
    tx->qcount = 0;
    tx->tone_after = 0;
    if (tx->mode != TX_SILENT) tx->stopping = 1;
}

void hs_dpsk_tx_set_guard(hs_dpsk_tx *tx, int on, float level_dbm0)
{
    tx->guard_on = on && tx->c.guard_hz > 0;
    tx->guard_peak = hs_dbm0_to_peak(level_dbm0);
}

double hs_dpsk_tx_reversal_lead(void) { return (double)MZ3 / 3.0 + 1.0; }

hs_err hs_dpsk_tx_reverse_at(hs_dpsk_tx *tx, double t)
{
    if (tx->mode != TX_TONE || tx->rev_pending || tx->qcount || tx->stopping) return HS_ESTATE;
    int64_t t3 = (int64_t)llround(3.0 * t);
    if (t3 - MZ3 <= 3 * (int64_t)tx->now) return HS_ESTATE;
    tx->rev_pending = 1;
    tx->rev_t3 = t3;
    return HS_OK;
}

static double tx_envelope(hs_dpsk_tx *tx)
{
    int64_t k3 = 3 * (int64_t)tx->now;
    if (tx->mode == TX_TONE) {
        if (!tx->rev_pending && (tx->qcount || tx->stopping)) tone_to_data(tx);
        else {
            if (!tx->rev_pending) return tx->sign;
            int64_t d = k3 - tx->rev_t3;
            if (d < -MZ3) return tx->sign;
            if (d <= MZ3) return tx->sign * tx->e[d + MZ3];
            tx->sign = -tx->sign;
            tx->rev_pending = 0;
            if (tx->qcount || tx->stopping) tone_to_data(tx);
            else return tx->sign;
        }
    }
    if (tx->mode != TX_DATA) return 0.0;
    while (tx->c_next <= k3 + M3) {
        int a;
        if (tx->qcount) {
            uint8_t b = tx->q[tx->qhead];
            tx->qhead = (tx->qhead + 1) % QCAP;
            tx->qcount--;
            a = b ? -tx->a_prev : tx->a_prev;
            tx->a_prev = a;
        } else if (tx->tone_after && !tx->stopping) {
            a = tx->a_prev;
        } else {
            a = 0;
        }
        if (tx->nsym == SYMCAP) {              /* cannot happen: support is 9 symbols */
            memmove(tx->sc, tx->sc + 1, (SYMCAP - 1) * sizeof tx->sc[0]);
            memmove(tx->sa, tx->sa + 1, (SYMCAP - 1) * sizeof tx->sa[0]);
            tx->nsym--;
        }
        tx->sc[tx->nsym] = tx->c_next;
        tx->sa[tx->nsym] = (int8_t)a;
        tx->nsym++;
        tx->c_next += T3;
    }
    int drop = 0;
    while (drop < tx->nsym && tx->sc[drop] < k3 - M3) drop++;
    if (drop) {
        memmove(tx->sc, tx->sc + drop, (size_t)(tx->nsym - drop) * sizeof tx->sc[0]);
        memmove(tx->sa, tx->sa + drop, (size_t)(tx->nsym - drop) * sizeof tx->sa[0]);
        tx->nsym -= drop;
    }
    double env = 0.0;
    int all_same = 1;
    for (int i = 0; i < tx->nsym; i++) {
        env += tx->sa[i] * (double)tx->g[k3 - tx->sc[i] + M3];
        if (tx->sa[i] != tx->sa[0]) all_same = 0;
    }
    if (!tx->qcount && all_same && tx->nsym) {
        if (tx->sa[0] == 0) {
            if (!tx->tone_after || tx->stopping) { tx->mode = TX_SILENT; tx->stopping = 0; }
        } else if (tx->tone_after && !tx->stopping) {
            tx->mode = TX_TONE;          /* the grid sums to exactly 1: seamless */
            tx->sign = tx->sa[0];
        }
    }
    return env;
}

float hs_dpsk_tx_sample(hs_dpsk_tx *tx)
{
    double env = tx_envelope(tx);
    double y = 0.0;
    if (env != 0.0) y = tx->peak * env * osc_cos(tx->c.carrier_hz, tx->now);
    if (tx->guard_on) y += tx->guard_peak * osc_cos(tx->c.guard_hz, tx->now);
    tx->now++;
    return (float)y;
}

void hs_dpsk_tx_process(hs_dpsk_tx *tx, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = hs_dpsk_tx_sample(tx);
}

int hs_dpsk_tx_busy(const hs_dpsk_tx *tx) { return tx->qcount > 0 || tx->mode == TX_DATA; }
size_t hs_dpsk_tx_queued(const hs_dpsk_tx *tx) { return tx->qcount; }
int hs_dpsk_tx_in_tone(const hs_dpsk_tx *tx) { return tx->mode == TX_TONE && !tx->rev_pending && !tx->qcount && !tx->stopping; }
int hs_dpsk_tx_silent(const hs_dpsk_tx *tx) { return tx->mode == TX_SILENT; }
uint64_t hs_dpsk_tx_now(const hs_dpsk_tx *tx) { return tx->now; }

/* ------------------------------------------------------------------ receiver */

enum { R_IDLE = 0, R_CONFIRM };

struct hs_dpsk_rx {
    hs_dpsk_rx_config c;
    float    h[RX_NT];
    float    zr[2 * RX_NT], zi[2 * RX_NT];   /* doubled ring: contiguous windows */
    int      zpos;
    double   nb0, nb1, nb2, na1, na2;        /* notch biquad */
    double   nx1, nx2, ny1, ny2;
    double   delay;
    double   thr;                            /* |y|^2 threshold */
    uint64_t now;
    /* timing */
    double   cre, cim, next;
    int      acq;
    double   yr_prev, yi_prev;
    double   sr_prev, si_prev;
    int      have_prev;
    /* level, tone and reversals */
    double   pavg, pslow;
    double   bre, bim;                       /* 20 ms boxcar of y: the steady-tone part */
    float    br[160], bi[160];
    int      bpos;
    uint64_t tone_run;
    double   lr[LAG], li[LAG];
    int      lpos;
    uint64_t stable_run;
    int      armed, rstate, low_run;
    double   refr, refi, refmag2, r_prev, tz, rmax, rev_time;
    uint64_t rdeadline;
};

hs_dpsk_rx_config hs_dpsk_rx_config_v34(int answer)
{
    hs_dpsk_rx_config c;
    c.carrier_hz = answer ? 1200 : 2400;
    c.notch_hz = 1800;
    c.min_level_dbm0 = -43.0f;
    return c;
}

const char *hs_dpsk_rx_config_problem(const hs_dpsk_rx_config *c)
{
    if (c->carrier_hz < 600 || c->carrier_hz > 3400) return "carrier_hz must be between 600 and 3400";
    if (c->notch_hz < 0 || c->notch_hz > 3900) return "notch_hz must be between 0 and 3900";
    if (c->min_level_dbm0 > 0.0f || c->min_level_dbm0 < -90.0f) return "min_level_dbm0 must be between -90 and 0";
    return NULL;
}

/* Phase of the notch biquad at w (radians/sample). */
static double notch_phase(const hs_dpsk_rx *rx, double w)
{
    double nr = rx->nb0 + rx->nb1 * cos(w) + rx->nb2 * cos(2 * w);
    double ni = -rx->nb1 * sin(w) - rx->nb2 * sin(2 * w);
    double dr = 1.0 + rx->na1 * cos(w) + rx->na2 * cos(2 * w);
    double di = -rx->na1 * sin(w) - rx->na2 * sin(2 * w);
    return atan2(ni, nr) - atan2(di, dr);
}

hs_err hs_dpsk_rx_create(const hs_dpsk_rx_config *c, hs_dpsk_rx **out)
{
    *out = NULL;
    if (hs_dpsk_rx_config_problem(c)) return HS_EINVAL;
    hs_dpsk_rx *rx = calloc(1, sizeof *rx);
    if (!rx) return HS_ENOMEM;
    rx->c = *c;
    double s = 0.0, h[RX_NT];
    for (int k = -RX_K; k <= RX_K; k++) {
        /* matched RRC with a gentle taper at the ends to lower the far sidelobes */
        double w = 0.5 + 0.5 * cos(HS_PI * k / (RX_K + 1));
        h[k + RX_K] = rrc(3.0 * k / T3, ROLLOFF) * sqrt(w);
        s += h[k + RX_K];
    }
    for (int k = 0; k < RX_NT; k++) rx->h[k] = (float)(h[k] / s);   /* DC gain 1 */
    rx->nb0 = 1.0;
    rx->nb1 = rx->nb2 = rx->na1 = rx->na2 = 0.0;
    double wc = 2.0 * HS_PI * c->carrier_hz / HS_RATE;
    double gd = 0.0;
    if (c->notch_hz > 0) {
        double w0 = 2.0 * HS_PI * c->notch_hz / HS_RATE, r = 0.985;
        rx->nb1 = -2.0 * cos(w0);
        rx->nb2 = 1.0;
        rx->na1 = -2.0 * r * cos(w0);
        rx->na2 = r * r;
        /* normalise the gain at the carrier to 1 */
        double nr = 1.0 + rx->nb1 * cos(wc) + rx->nb2 * cos(2 * wc);
        double ni = -rx->nb1 * sin(wc) - rx->nb2 * sin(2 * wc);
        double dr = 1.0 + rx->na1 * cos(wc) + rx->na2 * cos(2 * wc);
        double di = -rx->na1 * sin(wc) - rx->na2 * sin(2 * wc);
        double gmag = sqrt((nr * nr + ni * ni) / (dr * dr + di * di));
        rx->nb0 /= gmag; rx->nb1 /= gmag; rx->nb2 /= gmag;
        double dw = 1e-4;
        double p1 = notch_phase(rx, wc - dw), p2 = notch_phase(rx, wc + dw);
        double dp = p2 - p1;
        while (dp > HS_PI) dp -= 2 * HS_PI;
        while (dp < -HS_PI) dp += 2 * HS_PI;
        gd = -dp / (2 * dw);
    }
    rx->delay = RX_K + gd;
    rx->thr = 2.0 * hs_dbm0_to_power(c->min_level_dbm0);
    hs_dpsk_rx_reset(rx);
    *out = rx;
    return HS_OK;
}

void hs_dpsk_rx_reset(hs_dpsk_rx *rx)
{
    memset(rx->zr, 0, sizeof rx->zr);
    memset(rx->zi, 0, sizeof rx->zi);
    rx->zpos = 0;
    rx->nx1 = rx->nx2 = rx->ny1 = rx->ny2 = 0.0;
    rx->now = 0;
    rx->cre = rx->cim = 0.0;
    rx->next = T3 / 3.0;
    rx->acq = 0;
    rx->yr_prev = rx->yi_prev = 0.0;
    rx->sr_prev = rx->si_prev = 0.0;
    rx->have_prev = 0;
    rx->pavg = rx->pslow = 0.0;
    memset(rx->lr, 0, sizeof rx->lr);
    memset(rx->li, 0, sizeof rx->li);
    rx->lpos = 0;
    rx->bre = rx->bim = 0.0;
    memset(rx->br, 0, sizeof rx->br);
    memset(rx->bi, 0, sizeof rx->bi);
    rx->bpos = 0;
    rx->tone_run = 0;
    rx->stable_run = 0;
    rx->armed = 0;
    rx->rstate = R_IDLE;
    rx->low_run = 0;
    rx->refr = rx->refi = rx->refmag2 = rx->r_prev = 0.0;
    rx->tz = rx->rmax = 0.0;
    rx->rev_time = -1.0;
    rx->rdeadline = 0;
}

void hs_dpsk_rx_destroy(hs_dpsk_rx *rx) { free(rx); }

static unsigned reversal_step(hs_dpsk_rx *rx, double yr, double yi)
{
    unsigned flags = 0;
    double mag2 = yr * yr + yi * yi;
    double lr = rx->lr[rx->lpos], li = rx->li[rx->lpos];
    rx->lr[rx->lpos] = yr;
    rx->li[rx->lpos] = yi;
    rx->lpos = (rx->lpos + 1) % LAG;
    double lmag2 = lr * lr + li * li;
    double dot = yr * lr + yi * li;
    rx->pslow += (mag2 - rx->pslow) * (1.0 / 256.0);
    int stable = mag2 > rx->thr && lmag2 > rx->thr && dot > 0.95 * sqrt(mag2 * lmag2)
              && mag2 > 0.5 * rx->pslow;
    rx->stable_run = stable ? rx->stable_run + 1 : 0;

    if (rx->rstate == R_IDLE) {
        if (!rx->armed && rx->stable_run >= 120) {     /* 15 ms of clean tone (spec §4.3: ~20) */
            rx->armed = 1;
            rx->refr = yr; rx->refi = yi; rx->refmag2 = mag2;
            rx->r_prev = 1.0;
            rx->low_run = 0;
        }
        if (rx->armed) {
            if (stable && mag2 > 0.6 * rx->refmag2) {
                rx->refr = yr; rx->refi = yi; rx->refmag2 = mag2;
            }
            double r = (yr * rx->refr + yi * rx->refi) / rx->refmag2;
            rx->low_run = mag2 < 0.1 * rx->refmag2 ? rx->low_run + 1 : 0;
            if (rx->low_run > 20) rx->armed = 0;          /* the tone went away */
            else if (rx->r_prev > 0.0 && r <= 0.0) {
                rx->tz = (double)rx->now - 1.0 + rx->r_prev / (rx->r_prev - r);
                rx->rstate = R_CONFIRM;
                rx->rdeadline = rx->now + 40;   /* clean 2-5 ms after the crossing: the far
                                                   * tone may end 10 ms after it (spec §4.3) */
                rx->rmax = -2.0;
            }
            rx->r_prev = r;
        }
    } else {
        double r = (yr * rx->refr + yi * rx->refi) / rx->refmag2;
        if ((double)rx->now > rx->tz + 16.0 && r > rx->rmax) rx->rmax = r;
        if (rx->now >= rx->rdeadline) {
            if (rx->rmax < -0.5) {
                rx->rev_time = rx->tz - rx->delay;
                flags |= HS_DPSK_REVERSAL;
            }
            rx->rstate = R_IDLE;
            rx->armed = 0;
        }
    }
    return flags;
}

unsigned hs_dpsk_rx_sample(hs_dpsk_rx *rx, float x, uint8_t *bit)
{
    unsigned flags = 0;
    /* notch */
    double v = x;
    if (rx->c.notch_hz > 0) {
        double yv = rx->nb0 * v + rx->nb1 * rx->nx1 + rx->nb2 * rx->nx2 - rx->na1 * rx->ny1 - rx->na2 * rx->ny2;
        rx->nx2 = rx->nx1; rx->nx1 = v;
        rx->ny2 = rx->ny1; rx->ny1 = yv;
        v = yv;
    }
    /* mix to baseband (x2 so a tone of peak A gives |y| = A) and matched filter */
    double cr = osc_cos(rx->c.carrier_hz, rx->now), ci = osc_sin(rx->c.carrier_hz, rx->now);
    rx->zr[rx->zpos] = rx->zr[rx->zpos + RX_NT] = (float)(2.0 * v * cr);
    rx->zi[rx->zpos] = rx->zi[rx->zpos + RX_NT] = (float)(-2.0 * v * ci);
    rx->zpos = (rx->zpos + 1) % RX_NT;
    const float *wr = rx->zr + rx->zpos, *wi = rx->zi + rx->zpos;   /* oldest first */
    float ar = 0.0f, ai = 0.0f;
    for (int k = 0; k < RX_NT; k++) {
        ar += rx->h[k] * wr[k];
        ai += rx->h[k] * wi[k];
    }
    double yr = ar, yi = ai, mag2 = yr * yr + yi * yi;
    rx->pavg += (mag2 - rx->pavg) * (1.0 / 64.0);

    /* symbol timing: the 600 Hz component of |y|^2 peaks at the symbol centres */
    int ph = (int)(rx->now % T3);                         /* 3k/40 cycles, exact */
    double ang = 2.0 * HS_PI * 3.0 * ph / T3;
    rx->cre += (mag2 * cos(ang) - rx->cre) * (1.0 / 100.0);
    rx->cim += (-mag2 * sin(ang) - rx->cim) * (1.0 / 100.0);
    int strobe = 0;
    double back = 0.0;
    if ((double)rx->now >= rx->next) {
        strobe = 1;
        back = (double)rx->now - rx->next;
        if (back > 1.0) back = 1.0;
        /* timing error: where the strobe falls relative to the |y|^2 peak, in symbols */
        double cm = sqrt(rx->cre * rx->cre + rx->cim * rx->cim);
        double gain = 0.0;
        /* after silence or a steady tone (no timing line at all) even a weak line has
         * the right phase: acquire fast on the first symbols (the INFO fill 1111) */
        if (rx->acq < 6 ? cm > 0.01 * rx->pavg : cm > 0.05 * rx->pavg) gain = rx->acq < 6 ? 0.5 : 0.15;
        if (rx->pavg <= rx->thr) gain = 0.0;
        double frac = 3.0 * fmod(rx->next, (double)T3) / T3 + atan2(rx->cim, rx->cre) / (2.0 * HS_PI);
        double e = frac - floor(frac + 0.5);          /* [-0.5, 0.5) */
        rx->next += (T3 / 3.0) * (1.0 - gain * e);
        if (rx->acq < 1000) rx->acq++;
        /* a steady tone longer than any run of zeros in an INFO frame (77 bits, 128 ms):
         * no timing in it, so acquire the next frame afresh */
        if (rx->stable_run >= 1200 && rx->tone_run >= 1000) rx->acq = 0;
    }
    if (strobe) {
        double sr = yr + (rx->yr_prev - yr) * back, si = yi + (rx->yi_prev - yi) * back;
        double smag2 = sr * sr + si * si;
        if (smag2 > rx->thr) {
            if (rx->have_prev) {
                *bit = (sr * rx->sr_prev + si * rx->si_prev) < 0.0;
                flags |= HS_DPSK_BIT;
            }
            rx->have_prev = 1;
        } else {
            rx->have_prev = 0;
            rx->acq = 0;                              /* signal gone: acquire anew */
        }
        rx->sr_prev = sr;
        rx->si_prev = si;
    }
    rx->yr_prev = yr;
    rx->yi_prev = yi;

    /* Steady tone: a 20 ms boxcar of y has nulls at every multiple of 50 Hz from the
     * carrier, so L1/L2 (150 Hz comb, no tone at 1200/2400 Hz) and DPSK data average out,
     * while a tone on the carrier passes (sinc: -0.6 dB at 10 Hz offset). */
    rx->bre += yr - (double)rx->br[rx->bpos];
    rx->bim += yi - (double)rx->bi[rx->bpos];
    rx->br[rx->bpos] = (float)yr;
    rx->bi[rx->bpos] = (float)yi;
    rx->bpos = (rx->bpos + 1) % 160;
    double bm2 = (rx->bre * rx->bre + rx->bim * rx->bim) / (160.0 * 160.0);
    rx->tone_run = bm2 > 4.0 * rx->thr && bm2 > 0.2 * rx->pavg ? rx->tone_run + 1 : 0;

    flags |= reversal_step(rx, yr, yi);
    rx->now++;
    return flags;
}

size_t hs_dpsk_rx_process(hs_dpsk_rx *rx, const float *in, size_t n, uint8_t *bits, size_t max)
{
    size_t nb = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t b;
        if ((hs_dpsk_rx_sample(rx, in ? in[i] : 0.0f, &b) & HS_DPSK_BIT) && nb < max) bits[nb++] = b;
    }
    return nb;
}

double hs_dpsk_rx_reversal_time(const hs_dpsk_rx *rx) { return rx->rev_time; }
uint64_t hs_dpsk_rx_tone_samples(const hs_dpsk_rx *rx) { return rx->tone_run; }
float hs_dpsk_rx_level_dbm0(const hs_dpsk_rx *rx) { return (float)hs_power_to_dbm0(rx->pavg / 2.0); }
int hs_dpsk_rx_signal(const hs_dpsk_rx *rx) { return rx->pavg > rx->thr; }
double hs_dpsk_rx_delay(const hs_dpsk_rx *rx) { return rx->delay; }
uint64_t hs_dpsk_rx_now(const hs_dpsk_rx *rx) { return rx->now; }
