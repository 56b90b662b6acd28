/* dsp/ansam.c: V.25 ANS / V.8 ANSam generator and detector/classifier (spec/v8.md §1.2-1.4,
 * §7.1-7.3). Contract: dsp/ansam.h.
 *
 * Detector outline (everything sample by sample, blocks are aligned to absolute sample
 * numbers, so any input chunking gives identical results):
 *  - Complex mixing with a 2100 Hz table. 2100/8000 = 21/80, so the table has exactly
 *    80 entries and a 10 ms block (80 samples) is a whole number of mixer periods.
 *  - The mixed signal is summed over 20-sample sub-blocks. Four consecutive sub-blocks make
 *    an 80-sample boxcar (nulls every 100 Hz: the 4200 Hz image falls on one). That boxcar,
 *    sampled every 20 samples (400 Hz), is the tone envelope; sampled every 80 samples it is
 *    the 10 ms block correlation used for presence, frequency and reversals.
 *  - Presence (§7.1): tone power / total power over the last 40 ms >= -2.6 dB and the tone
 *    >= -43 dBm0, two blocks in a row. Absence: 3 blocks in a row below -4.6 dB or -46 dBm0.
 *  - Reversals (§7.3): phase step between blocks k-1 and k+1 minus twice the median
 *    one-block step; > 90 degrees is a hit; hits less than 3 blocks apart merge. The reversal
 *    instant inside the block is interpolated from the block's projection on the predicted
 *    phasor (a block with fraction a before the reversal sums to (2a - 1) times a full one).
 *  - Frequency: mean of the one-block phase steps that are not near a reversal.
 *  - AM (§7.2): 15 Hz correlation of the mean-removed envelope over 0.4 s windows (six whole
 *    AM cycles), leaving out -5..+15 ms around each reversal; windows end 60 ms in the past
 *    so that reversals are known before their neighbourhood is used. depth = 2|C|/mean/G,
 *    G = boxcar gain at 15 Hz = sinc(0.15) = 0.9634. A window says ANSam if depth > 0.11,
 *    ANS if depth < 0.08, undecided between. Windows are evaluated every 50 ms; the decision
 *    is taken when a window and the non-overlapping window 0.4 s before it agree (spec:
 *    "decide after 0.5-1 s of stable tone, held for two windows"). The first possible
 *    decision comes 880 ms after the detected tone start.
 *  - AM rate: phase advance of the 15 Hz correlation between those two windows, 0.4 s apart.
 *  After the tone ends a decided state (ANS/ANSAM) is kept with tone_end set; an undecided
 *  tone returns to NONE. A new tone restarts the measurement. */
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "ansam.h"
#include "level.h"
#include "tone.h"

/* ------------------------------------------------------------------ generator */

struct hs_ansam_tx {
    hs_ansam_config cfg;
    hs_osc   car;
    uint32_t am_phase, am_step;
    float    peak;
    uint64_t rev_period;    /* samples between reversals (0: none) */
    uint64_t n;             /* samples produced since reset */
    uint64_t to_rev;        /* samples until the next reversal (counts down; no division) */
    /* cos/sin of the carrier and AM phases, advanced by rotation and recomputed from the
     * exact fixed-point phases every RESYNC samples (no sin() per sample) */
    double   c_re, c_im, a_re, a_im;
    double   rc_re, rc_im, ra_re, ra_im;
    /* When the carrier and the AM both repeat within TABLE_MAX samples (2100 Hz and 15 Hz:
     * every 1600 samples), one period is computed at create and played from the table; a
     * reversal only flips the sign. Otherwise the phasors above are used. */
    float   *table;
    size_t   period, pos;
    float    sign;
};

#define TABLE_MAX 8000   /* samples: a period of at most 1 s is tabulated */

/* Smallest N <= TABLE_MAX with a whole number of carrier and AM cycles, 0 if none. */
static size_t common_period(const hs_ansam_config *c)
{
    for (size_t n = 1; n <= TABLE_MAX; n++) {
        double kc = (double)c->freq_hz * (double)n / HS_RATE;
        double ka = c->am ? (double)c->am_hz * (double)n / HS_RATE : 0.0;
        if (fabs(kc - round(kc)) < 1e-6 && fabs(ka - round(ka)) < 1e-6) return n;
    }
    return 0;
}

#define RESYNC 256   /* samples between exact phasor recomputations (power of two) */
static const double PH2RAD = 2.0 * HS_PI / 4294967296.0;

static void tx_resync(hs_ansam_tx *t)
{
    double c = (double)t->car.phase * PH2RAD, a = (double)t->am_phase * PH2RAD;
    t->c_re = cos(c); t->c_im = sin(c);
    t->a_re = cos(a); t->a_im = sin(a);
}

hs_ansam_config hs_ansam_config_ansam_pr(void)
{
    hs_ansam_config c = { 2100.0f, -13.0f, 1, 15.0f, 0.20f, 1, 450.0f };
    return c;
}

const char *hs_ansam_config_problem(const hs_ansam_config *c)
{
    if (!c) return "config is NULL";
    if (!(c->freq_hz >= 1900.0f && c->freq_hz <= 2300.0f))
        return "freq_hz must be between 1900 and 2300 Hz (2100 nominal)";
    if (!(c->level_dbm0 >= -100.0f && c->level_dbm0 <= 0.0f))
        return "level_dbm0 must be between -100 and 0 dBm0 (AM peaks need headroom)";
    if (c->am) {
        if (!(c->am_hz >= 1.0f && c->am_hz <= 100.0f)) return "am_hz must be between 1 and 100 Hz (15 nominal)";
        if (!(c->am_depth >= 0.0f && c->am_depth <= 0.9f)) return "am_depth must be between 0 and 0.9 (0.20 nominal)";
    }
    if (c->reversals && !(c->reversal_ms >= 50.0f && c->reversal_ms <= 5000.0f))
        return "reversal_ms must be between 50 and 5000 ms (450 nominal)";
    return NULL;
}

hs_err hs_ansam_tx_create(const hs_ansam_config *c, hs_ansam_tx **out)
{
    if (!out) return HS_EINVAL;
    *out = NULL;
    if (hs_ansam_config_problem(c)) return HS_EINVAL;
    hs_ansam_tx *t = calloc(1, sizeof *t);
    if (!t) return HS_ENOMEM;
    t->cfg = *c;
    t->period = common_period(c);
    if (t->period) {
        t->table = malloc(t->period * sizeof *t->table);
        if (!t->table) { free(t); return HS_ENOMEM; }
        const double peak = hs_dbm0_to_peak(c->level_dbm0), m = c->am ? (double)c->am_depth : 0.0;
        for (size_t i = 0; i < t->period; i++) {
            double env = 1.0 + m * sin(2.0 * HS_PI * (double)c->am_hz * (double)i / HS_RATE);
            t->table[i] = (float)(peak * env * sin(2.0 * HS_PI * (double)c->freq_hz * (double)i / HS_RATE));
        }
    }
    hs_ansam_tx_reset(t);
    *out = t;
    return HS_OK;
}

void hs_ansam_tx_reset(hs_ansam_tx *t)
{
    const hs_ansam_config *c = &t->cfg;
    t->peak = (float)hs_dbm0_to_peak(c->level_dbm0);
    hs_osc_init(&t->car, c->freq_hz, 1.0, 0.0);
    t->am_phase = 0;
    t->am_step = c->am ? hs_osc_step(c->am_hz) : 0;
    t->rev_period = c->reversals ? (uint64_t)llround((double)c->reversal_ms * (HS_RATE / 1000.0)) : 0;
    t->n = 0;
    t->to_rev = t->rev_period;
    t->rc_re = cos((double)t->car.step * PH2RAD); t->rc_im = sin((double)t->car.step * PH2RAD);
    t->ra_re = cos((double)t->am_step * PH2RAD); t->ra_im = sin((double)t->am_step * PH2RAD);
    tx_resync(t);
    t->pos = 0;
    t->sign = 1.0f;
}

void hs_ansam_tx_destroy(hs_ansam_tx *t)
{
    if (!t) return;
    free(t->table);
    free(t);
}

void hs_ansam_tx_process(hs_ansam_tx *t, float *out, size_t n)
{
    if (t->table) {
        for (size_t i = 0; i < n; i++) {
            /* V.8 §7.2 / V.25 §2.3: instantaneous 180 degree step every reversal period */
            if (t->rev_period && t->to_rev-- == 0) {
                t->to_rev = t->rev_period - 1;
                t->sign = -t->sign;
            }
            out[i] = t->sign * t->table[t->pos];
            if (++t->pos == t->period) t->pos = 0;
        }
        t->n += n;
        return;
    }
    const double m = t->cfg.am ? (double)t->cfg.am_depth : 0.0;
    for (size_t i = 0; i < n; i++) {
        if ((t->n & (RESYNC - 1)) == 0) tx_resync(t);
        /* V.8 §7.2 / V.25 §2.3: instantaneous 180 degree step every reversal period */
        if (t->rev_period && t->to_rev-- == 0) {   /* n > 0 and n % rev_period == 0 */
            t->to_rev = t->rev_period - 1;
            hs_osc_reverse(&t->car);
            t->c_re = -t->c_re;
            t->c_im = -t->c_im;
        }
        double env = 1.0 + m * t->a_im;
        out[i] = (float)((double)t->peak * env * t->c_im);
        t->car.phase += t->car.step;
        t->am_phase += t->am_step;
        double cr = t->c_re * t->rc_re - t->c_im * t->rc_im;
        t->c_im = t->c_im * t->rc_re + t->c_re * t->rc_im;
        t->c_re = cr;
        double ar = t->a_re * t->ra_re - t->a_im * t->ra_im;
        t->a_im = t->a_im * t->ra_re + t->a_re * t->ra_im;
        t->a_re = ar;
        t->n++;
    }
}

/* ------------------------------------------------------------------ detector */

#define SUB       20                    /* sub-block, samples (envelope rate 400 Hz) */
#define BLK       80                    /* 10 ms block */
#define NSUB      (BLK / SUB)
#define ENV_N     512                   /* envelope history, entries (1.28 s) */
#define WIN_ENV   160                   /* 0.4 s window in envelope entries */
#define EVAL_BLKS 5                     /* evaluate every 50 ms */
#define HIST      9                     /* evaluations kept: now and 0.4 s ago */
#define LAG       480                   /* window ends 60 ms in the past */
#define START_SKIP 160                  /* first window starts 20 ms after tone start */
#define MED_N     15                    /* one-block steps for the median */
#define POW_BLKS  4                     /* 40 ms power comparison */

/* thresholds (spec §7.1, §7.2) */
#define ON_RATIO   0.55                 /* tone > -2.6 dB of total: an equal tone elsewhere fails */
#define OFF_RATIO  0.35                 /* hysteresis: off below -4.6 dB */
#define ON_DBM0   (-43.0)
#define OFF_DBM0  (-46.0)
#define DEPTH_AM   0.11
#define DEPTH_NOAM 0.08
#define G15        0.96340049           /* sin(0.15 pi) / (0.15 pi) */

typedef struct {
    int    valid;
    int    cls;         /* 0 undecided, 1 ANS, 2 ANSam */
    double depth, mean;
    double cre, cim;    /* 15 Hz correlation */
} eval_rec;

struct hs_ansdet {
    double mix_re[BLK], mix_im[BLK];    /* e^{-j 2 pi 2100 n / 8000} */
    double am_re[BLK], am_im[BLK];      /* e^{-j 2 pi 15 n / 8000} at n = 20 i (period 1600) */

    uint64_t n;                         /* samples consumed */
    /* current sub-block accumulators */
    double acc_re, acc_im, acc_p;
    /* last NSUB sub-block sums (ring) */
    double sub_re[NSUB], sub_im[NSUB];
    int    sub_i;
    /* envelope history */
    double   env[ENV_N];
    uint8_t  blank[ENV_N];
    uint64_t env_count;                 /* entries written; entry j ends at sample 20(j+1)-1 */
    /* blocks */
    uint64_t blk_count;                 /* blocks completed */
    double   bre[3], bim[3];            /* blocks k-2, k-1, k (index 2 = newest) */
    double   bpow[POW_BLKS], btot[POW_BLKS];   /* tone and total power of the last blocks */
    double   blk_p;                     /* total energy accumulator of current block */
    double   steps[MED_N];
    int      nsteps, step_i;
    /* presence */
    int      present;
    int      on_run, off_run;
    uint64_t last_good_end;             /* end sample (exclusive) of the last block with tone */
    /* reversal group */
    int      grp_open;
    uint64_t grp_first_blk;
    double   grp_best_r;
    uint64_t grp_best_t;
    uint64_t first_rev;
    double   int_sum;
    int      int_n;
    /* frequency */
    double   fstep_sum;
    long     fstep_n;
    /* evaluation */
    uint64_t blks_since_start;
    eval_rec hist[HIST];
    int      hist_i;
    double   am_sum;
    long     am_n;
    double   mean_amp;
    hs_ansdet_result r;
};

static double wrap_pi(double a)
{
    while (a > HS_PI) a -= 2.0 * HS_PI;
    while (a < -HS_PI) a += 2.0 * HS_PI;
    return a;
}

hs_err hs_ansdet_create(hs_ansdet **out)
{
    if (!out) return HS_EINVAL;
    hs_ansdet *d = calloc(1, sizeof *d);
    if (!d) { *out = NULL; return HS_ENOMEM; }
    for (int i = 0; i < BLK; i++) {
        double a = 2.0 * HS_PI * 21.0 * i / 80.0;
        d->mix_re[i] = cos(a);
        d->mix_im[i] = -sin(a);
        double b = 2.0 * HS_PI * 3.0 * i / 80.0;    /* 15 Hz * 20 samples / 8000 = 3/80 cycle */
        d->am_re[i] = cos(b);
        d->am_im[i] = -sin(b);
    }
    hs_ansdet_reset(d);
    *out = d;
    return HS_OK;
}

static void restart_measurement(hs_ansdet *d)
{
    d->grp_open = 0;
    d->first_rev = 0;
    d->int_sum = 0.0;
    d->int_n = 0;
    d->fstep_sum = 0.0;
    d->fstep_n = 0;
    d->blks_since_start = 0;
    memset(d->hist, 0, sizeof d->hist);
    d->hist_i = 0;
    d->am_sum = 0.0;
    d->am_n = 0;
    d->mean_amp = 0.0;
    memset(d->blank, 0, sizeof d->blank);
}

void hs_ansdet_reset(hs_ansdet *d)
{
    d->n = 0;
    d->acc_re = d->acc_im = d->acc_p = 0.0;
    memset(d->sub_re, 0, sizeof d->sub_re);
    memset(d->sub_im, 0, sizeof d->sub_im);
    d->sub_i = 0;
    memset(d->env, 0, sizeof d->env);
    d->env_count = 0;
    d->blk_count = 0;
    memset(d->bre, 0, sizeof d->bre);
    memset(d->bim, 0, sizeof d->bim);
    memset(d->bpow, 0, sizeof d->bpow);
    memset(d->btot, 0, sizeof d->btot);
    d->blk_p = 0.0;
    d->nsteps = d->step_i = 0;
    d->present = 0;
    d->on_run = d->off_run = 0;
    d->last_good_end = 0;
    restart_measurement(d);
    memset(&d->r, 0, sizeof d->r);
}

void hs_ansdet_destroy(hs_ansdet *d) { free(d); }

void hs_ansdet_get(const hs_ansdet *d, hs_ansdet_result *r) { *r = d->r; }

static double median_step(const hs_ansdet *d)
{
    double v[MED_N];
    int n = d->nsteps;
    memcpy(v, d->steps, (size_t)n * sizeof v[0]);
    for (int i = 1; i < n; i++) {               /* insertion sort, n <= 15 */
        double x = v[i];
        int j = i - 1;
        while (j >= 0 && v[j] > x) { v[j + 1] = v[j]; j--; }
        v[j + 1] = x;
    }
    return n ? v[n / 2] : 0.0;
}

/* Mark envelope entries around a reversal at sample t as unusable. */
static void blank_around(hs_ansdet *d, uint64_t t)
{
    /* boxcar output at entry end e covers [e-79, e]: affected for e in [t, t+79]. */
    uint64_t lo = t > 40 ? t - 40 : 0, hi = t + 120;
    for (uint64_t j = lo / SUB; j <= hi / SUB; j++) {
        if (j >= d->env_count || d->env_count - j > ENV_N) continue;
        d->blank[j % ENV_N] = 1;
    }
}

static void close_group(hs_ansdet *d)
{
    d->grp_open = 0;
    if (!d->present) return;
    uint64_t t = d->grp_best_t;
    blank_around(d, t);
    if (d->r.reversals > 0) {
        double ms = (double)(t - d->r.last_reversal) * (1000.0 / HS_RATE);
        if (ms >= 300.0 && ms <= 600.0) {  /* accept one-period intervals (§7.3: 425-475) */
            d->int_sum += ms;
            d->int_n++;
            d->r.reversal_ms = d->int_sum / d->int_n;
        }
    } else {
        d->first_rev = t;
    }
    d->r.reversals++;
    d->r.last_reversal = t;
}

/* Evaluate the 0.4 s window ending LAG samples ago. */
static int evaluate(hs_ansdet *d, uint64_t now)
{
    eval_rec e;
    memset(&e, 0, sizeof e);
    uint64_t end = now > LAG ? now - LAG : 0;           /* window end sample (inclusive-ish) */
    uint64_t start = end > (uint64_t)WIN_ENV * SUB ? end - (uint64_t)WIN_ENV * SUB : 0;
    if (start >= d->r.tone_start + START_SKIP && end / SUB + 1 <= d->env_count) {
        uint64_t j1 = (end + 1) / SUB;                  /* entries whose end sample is <= end */
        uint64_t j0 = j1 - WIN_ENV;
        double s = 0.0;
        int cnt = 0;
        for (uint64_t j = j0; j < j1; j++) {
            if (d->blank[j % ENV_N]) continue;
            s += d->env[j % ENV_N];
            cnt++;
        }
        if (cnt >= WIN_ENV / 2 && s > 0.0) {
            double mean = s / cnt, cr = 0.0, ci = 0.0;
            for (uint64_t j = j0; j < j1; j++) {
                if (d->blank[j % ENV_N]) continue;
                double v = d->env[j % ENV_N] - mean;
                int k = (int)(j % BLK);                 /* entry j ends at 20 j + 19 */
                cr += v * d->am_re[k];
                ci += v * d->am_im[k];
            }
            cr /= cnt;
            ci /= cnt;
            e.valid = 1;
            e.mean = mean;
            e.cre = cr;
            e.cim = ci;
            e.depth = 2.0 * sqrt(cr * cr + ci * ci) / mean / G15;
            e.cls = e.depth > DEPTH_AM ? 2 : e.depth < DEPTH_NOAM ? 1 : 0;
        }
    }
    const eval_rec *old = &d->hist[(d->hist_i + 1) % HIST];   /* 8 evaluations = 0.4 s ago */
    d->hist[d->hist_i] = e;
    d->hist_i = (d->hist_i + 1) % HIST;
    if (!e.valid) return 0;
    d->mean_amp = e.mean;
    double df = d->r.freq_hz - 2100.0, x = HS_PI * df * (BLK / (double)HS_RATE);
    double g = fabs(x) > 1e-9 ? sin(x) / x : 1.0;
    double amp = e.mean / g;
    d->r.level_dbm0 = hs_power_to_dbm0(0.5 * amp * amp);
    if (!old->valid) {
        d->r.am_depth = e.depth;
        return 0;
    }
    d->r.am_depth = 0.5 * (e.depth + old->depth);
    if (e.cls == 2 && old->cls == 2) {
        double dphi = atan2(e.cim * old->cre - e.cre * old->cim, e.cre * old->cre + e.cim * old->cim);
        /* correlation with e^{-j w15 t}: a rate of 15 + f gives a phase advancing by 2 pi f dt */
        d->am_sum += 15.0 + dphi / (2.0 * HS_PI * 0.4);
        d->am_n++;
        d->r.am_hz = d->am_sum / d->am_n;
    }
    if (d->r.state == HS_ANSDET_TONE && e.cls != 0 && e.cls == old->cls) {
        d->r.state = e.cls == 2 ? HS_ANSDET_ANSAM : HS_ANSDET_ANS;
        d->r.decided_at = now;
        if (e.cls == 1) d->r.am_hz = 0.0;
        return 1;
    }
    return 0;
}

/* Called at the end of every 80-sample block; `now` is its last sample. */
static int end_block(hs_ansdet *d, uint64_t now)
{
    int changed = 0;
    double re = 0.0, im = 0.0;
    for (int i = 0; i < NSUB; i++) { re += d->sub_re[i]; im += d->sub_im[i]; }
    d->bre[0] = d->bre[1]; d->bim[0] = d->bim[1];
    d->bre[1] = d->bre[2]; d->bim[1] = d->bim[2];
    d->bre[2] = re;        d->bim[2] = im;
    uint64_t k = d->blk_count++;                 /* index of this block */
    uint64_t bstart = now + 1 - BLK;

    /* powers: tone power = (amplitude)^2 / 2, amplitude = 2|B|/80 */
    double amp2 = (re * re + im * im) * (4.0 / (BLK * BLK));
    for (int i = POW_BLKS - 1; i > 0; i--) { d->bpow[i] = d->bpow[i - 1]; d->btot[i] = d->btot[i - 1]; }
    d->bpow[0] = 0.5 * amp2;
    d->btot[0] = d->blk_p / BLK;
    d->blk_p = 0.0;
    double tp = 0.0, tt = 0.0;
    for (int i = 0; i < POW_BLKS; i++) { tp += d->bpow[i]; tt += d->btot[i]; }
    double ratio = tt > 0.0 ? tp / tt : 0.0;
    double blk_dbm0 = hs_power_to_dbm0(d->bpow[0]);

    /* one-block phase step (newest two blocks) */
    double mag1 = sqrt(d->bre[1] * d->bre[1] + d->bim[1] * d->bim[1]);
    double mag2 = sqrt(re * re + im * im);
    if (k >= 1 && mag1 > 0.0 && mag2 > 0.0) {
        double st = atan2(d->bim[2] * d->bre[1] - d->bre[2] * d->bim[1],
                          d->bre[2] * d->bre[1] + d->bim[2] * d->bim[1]);
        d->steps[d->step_i] = st;
        d->step_i = (d->step_i + 1) % MED_N;
        if (d->nsteps < MED_N) d->nsteps++;
        if (d->present && d->nsteps == MED_N) {
            double med = median_step(d);
            /* frequency: steps between two strong blocks, close to the median */
            double ref = d->mean_amp > 0.0 ? d->mean_amp * (BLK / 2.0) : 0.0;
            if (fabs(wrap_pi(st - med)) < HS_PI / 4 && mag1 > 0.5 * ref && mag2 > 0.5 * ref) {
                d->fstep_sum += st;
                d->fstep_n++;
                d->r.freq_hz = 2100.0 + (d->fstep_sum / d->fstep_n) / (2.0 * HS_PI * BLK / HS_RATE);
            } else if (d->fstep_n == 0) {
                d->r.freq_hz = 2100.0 + med / (2.0 * HS_PI * BLK / HS_RATE);
            }
        }
    }

    /* reversal test centred on block k-1: compare blocks k and k-2 */
    double mag0 = sqrt(d->bre[0] * d->bre[0] + d->bim[0] * d->bim[0]);
    if (d->present && k >= 2 && d->nsteps == MED_N && mag0 > 0.0 && mag2 > 0.0) {
        double med = median_step(d);
        double two = atan2(d->bim[2] * d->bre[0] - d->bre[2] * d->bim[0],
                           d->bre[2] * d->bre[0] + d->bim[2] * d->bim[0]);
        double res = wrap_pi(two - 2.0 * med);
        if (fabs(res) > HS_PI / 2) {
            /* fraction a of block k-1 before the reversal: projection on the predicted phasor */
            double pr = d->bre[0] * cos(med) - d->bim[0] * sin(med);
            double pi_ = d->bre[0] * sin(med) + d->bim[0] * cos(med);
            double r = (d->bre[1] * pr + d->bim[1] * pi_) / (mag0 * mag0);
            if (r > 1.0) r = 1.0;
            if (r < -1.0) r = -1.0;
            uint64_t t = bstart - BLK + (uint64_t)llround((r + 1.0) * 0.5 * BLK);
            if (!d->grp_open) {
                d->grp_open = 1;
                d->grp_first_blk = k;
                d->grp_best_r = fabs(r);
                d->grp_best_t = t;
            } else if (fabs(r) < d->grp_best_r) {
                d->grp_best_r = fabs(r);
                d->grp_best_t = t;
            }
        }
    }
    if (d->grp_open && k >= d->grp_first_blk + 3) close_group(d);

    /* presence with hysteresis */
    if (!d->present) {
        if (ratio >= ON_RATIO && blk_dbm0 >= ON_DBM0) d->on_run++;
        else d->on_run = 0;
        if (d->on_run >= 2) {
            /* tone start: earliest of the last POW_BLKS blocks holding >= 1/4 of the newest
             * block's tone power, walking back without a gap */
            int back = 0;
            while (back + 1 < POW_BLKS && d->bpow[back + 1] >= 0.25 * d->bpow[0]) back++;
            d->present = 1;
            d->off_run = 0;
            restart_measurement(d);
            d->nsteps = d->step_i = 0;   /* steps before the tone are noise: no median from them */
            uint64_t ts = bstart >= (uint64_t)back * BLK ? bstart - (uint64_t)back * BLK : 0;
            if (d->r.tone_end || d->r.state == HS_ANSDET_NONE) {   /* a new tone */
                memset(&d->r, 0, sizeof d->r);
            }
            d->r.state = HS_ANSDET_TONE;
            d->r.tone_start = ts;
            d->r.tone_end = 0;
            d->r.freq_hz = 2100.0;
            d->mean_amp = sqrt(2.0 * d->bpow[0]);
            d->r.level_dbm0 = blk_dbm0;
            d->last_good_end = now + 1;
            changed = 1;
        }
    } else {
        if (ratio < OFF_RATIO || blk_dbm0 < OFF_DBM0) d->off_run++;
        else d->off_run = 0;
        if (d->bpow[0] >= 0.25 * 0.5 * d->mean_amp * d->mean_amp && blk_dbm0 >= OFF_DBM0)
            d->last_good_end = now + 1;
        if (d->off_run >= 3) {
            d->present = 0;
            d->on_run = 0;
            d->grp_open = 0;
            d->r.tone_end = d->last_good_end > d->r.tone_start ? d->last_good_end : now + 1;
            if (d->r.state == HS_ANSDET_TONE) d->r.state = HS_ANSDET_NONE;
            changed = 1;
        }
    }

    if (d->present) {
        d->blks_since_start++;
        if (d->blks_since_start % EVAL_BLKS == 0 && evaluate(d, now)) changed = 1;
    }
    return changed;
}

int hs_ansdet_process(hs_ansdet *d, const float *in, size_t n)
{
    int changed = 0;
    for (size_t i = 0; i < n; i++) {
        double x = in[i];
        int m = (int)(d->n % BLK);
        d->acc_re += x * d->mix_re[m];
        d->acc_im += x * d->mix_im[m];
        d->blk_p += x * x;
        if ((d->n + 1) % SUB == 0) {
            d->sub_re[d->sub_i] = d->acc_re;
            d->sub_im[d->sub_i] = d->acc_im;
            d->sub_i = (d->sub_i + 1) % NSUB;
            d->acc_re = d->acc_im = 0.0;
            double re = 0.0, im = 0.0;
            for (int s = 0; s < NSUB; s++) { re += d->sub_re[s]; im += d->sub_im[s]; }
            uint64_t j = d->env_count++;
            d->env[j % ENV_N] = (2.0 * sqrt(re * re + im * im) / BLK);
            d->blank[j % ENV_N] = 0;
            if ((d->n + 1) % BLK == 0 && end_block(d, d->n)) changed = 1;
        }
        d->n++;
    }
    return changed;
}
