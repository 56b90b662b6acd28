/* V.34 QAM transmitter: exact symbol rate, carrier, level at P0, occupied band,
 * pre-emphasis shape, determinism and chunking (digest §2.1, §7). */
#include <complex.h>
#include "qam.h"
#include "v34train.h"
#include "level.h"
#include "rng.h"
#include "hs_test.h"

#define JD ((double complex)I)

typedef enum { SRC_RANDOM4, SRC_RANDOM16, SRC_S, SRC_IMPULSE } src_kind;

/* Runs the transmitter for n samples in chunks, feeding exactly the symbols it needs. */
static void run_tx(const hs_qam_config *c, src_kind src, uint64_t seed, float *out, size_t n,
                   size_t chunk)
{
    hs_qam_tx *tx;
    hs_qam_config cc = *c;
    cc.fifo_symbols = 1 << 20;
    if (hs_qam_tx_create(&cc, &tx) != HS_OK) { hs_check_true("create", 0); return; }
    hs_rng r;
    hs_rng_seed(&r, seed);
    unsigned k = 0;
    for (size_t done = 0; done < n;) {
        size_t m = n - done < chunk ? n - done : chunk;
        size_t need = hs_qam_tx_symbols_needed(tx, m);
        for (size_t i = 0; i < need; i++) {
            float complex s;
            uint64_t u = hs_rng_u64(&r);
            if (src == SRC_S) s = hs_v34_s_symbol(k++);
            else if (src == SRC_IMPULSE) s = k++ == 0 ? 1.0f : 0.0f;
            else if (src == SRC_RANDOM4) s = hs_v34_point_norm(4, 0, (int)(u & 3));
            else s = hs_v34_point_norm(16, (int)((u >> 2) & 3), (int)(u & 3));
            hs_qam_tx_put(tx, s);
        }
        hs_qam_tx_process(tx, out + done, m);
        done += m;
    }
    hs_check_int("no underruns", (long long)hs_qam_tx_underruns(tx), 0);
    hs_qam_tx_destroy(tx);
}

static const char *rate_name[6] = { "2400", "2743", "2800", "3000", "3200", "3429" };

static int symbol_rate_exact(void)
{
    /* Over n = U*K samples exactly K*step symbols must be taken: the symbol clock is the exact
     * rational 2400a/c (§2.1), never rounded. K = 20000 periods (up to 700000 samples). */
    for (int i = 0; i < 6; i++) {
        hs_qam_config c = hs_qam_config_default(i, 0);
        hs_qam_tx *tx;
        hs_qam_tx_create(&c, &tx);
        int U, step;
        hs_qam_samples_per_symbol(i, &U, &step);
        size_t n = (size_t)U * 20000;
        size_t need = hs_qam_tx_symbols_needed(tx, n);
        char what[96];
        snprintf(what, sizeof what, "%s Bd: symbols in %zu samples (samples/symbol %d/%d)",
                 rate_name[i], n, U, step);
        hs_check_int(what, (long long)need, (long long)step * 20000);
        double rate = (double)need / ((double)n / HS_RATE);
        snprintf(what, sizeof what, "%s Bd: measured symbol rate", rate_name[i]);
        hs_check_near(what, rate, hs_qam_symbol_rate(i), 1e-9, "Bd");
        hs_qam_tx_destroy(tx);
    }
    return 0;
}

/* Frequency of the tone near f0 in x: phase advance of a 1 s single-bin DFT between two
 * consecutive seconds (resolution far below the 0.01 % tolerance of §2.1). */
static double tone_freq(const float *x, double f0)
{
    double complex a = 0, b = 0;
    for (int n = 0; n < HS_RATE; n++) {
        double complex w = cexp(-JD * 2.0 * HS_PI * f0 * n / HS_RATE);
        a += (double)x[n] * w;
        b += (double)x[n + HS_RATE] * w * cexp(-JD * 2.0 * HS_PI * f0);
    }
    double dphi = carg(b * conj(a));
    return f0 + dphi / (2.0 * HS_PI);
}

static int carrier_and_lines(void)
{
    /* S = three lines: f_c and f_c +- S/2 (digest §5.3). Both carriers of every rate: each line
     * within 0.01 % (§2.1 tolerance; expect ~1e-6 Hz). Skip lines above 3990 Hz. */
    static float x[3 * HS_RATE];
    for (int i = 0; i < 6; i++)
        for (int h = 0; h < 2; h++) {
            hs_qam_config c = hs_qam_config_default(i, h);
            run_tx(&c, SRC_S, 1, x, 3 * HS_RATE, 3 * HS_RATE);
            double fc = hs_qam_carrier_hz(i, h), S = hs_qam_symbol_rate(i);
            double lines[3] = { fc, fc - S / 2, fc + S / 2 };
            for (int k = 0; k < 3; k++) {
                if (lines[k] > 3990.0) continue;
                double f = tone_freq(x + HS_RATE / 2, lines[k]);
                char what[96];
                snprintf(what, sizeof what, "%s Bd %s carrier: S line %d", rate_name[i], h ? "high" : "low", k);
                hs_check_near(what, f, lines[k], 1e-4 * lines[k], "Hz");
            }
        }
    return 0;
}

/* Welch PSD at frequency f (Hann, 512-sample blocks, hop 256). */
static double psd(const float *x, size_t n, double f)
{
    double acc = 0;
    int blocks = 0;
    for (size_t s = 0; s + 512 <= n; s += 256, blocks++) {
        double complex z = 0;
        for (int k = 0; k < 512; k++) {
            double w = 0.5 - 0.5 * cos(2.0 * HS_PI * k / 512);
            z += (double)x[s + (size_t)k] * w * cexp(-JD * 2.0 * HS_PI * f * k / HS_RATE);
        }
        acc += creal(z * conj(z));
    }
    return acc / blocks;
}

static int level_at_p0(void)
{
    /* Unit-power symbols must come out at P0 = -13 dBm0 (§7.1). Statistical error of the mean
     * square over 4 s of 4-point QAM is < 0.02 dB; allow 0.1 dB. With pre-emphasis the
     * power is normalised numerically over the raised-cosine band: allow 0.3 dB. */
    static float x[4 * HS_RATE];
    for (int i = 0; i < 6; i++) {
        hs_qam_config c = hs_qam_config_default(i, 1);
        for (int pe = 0; pe <= 10; pe += 5) {
            c.preemph_index = pe;
            run_tx(&c, SRC_RANDOM16, 2, x, 4 * HS_RATE, 4 * HS_RATE);
            double p = 0;
            for (int n = 0; n < 4 * HS_RATE; n++) p += (double)x[n] * (double)x[n];
            char what[80];
            snprintf(what, sizeof what, "%s Bd level, pre-emphasis %d", rate_name[i], pe);
            hs_check_near(what, hs_power_to_dbm0(p / (4 * HS_RATE)), -13.0, pe ? 0.3 : 0.1, "dBm0");
        }
    }
    return 0;
}

/* |spectrum|^2 of x[0..n-1] at f (plain DFT). */
static double dft_pow(const float *x, size_t n, double f)
{
    double complex z = 0;
    for (size_t k = 0; k < n; k++) z += (double)x[k] * cexp(-JD * 2.0 * HS_PI * f * (double)k / HS_RATE);
    return creal(z * conj(z));
}

static int occupied_band(void)
{
    /* The spectrum of a random symbol stream is |pulse response|^2, so measure the response to
     * one symbol exactly (no estimation noise). Flat within +-1 dB over f_c +- 0.45 S
     * ([5.4.1]; 12 % RRC is flat to 0.44 S and -0.1 dB at 0.45 S); at least 30 dB down
     * beyond f_c +- 0.6 S (RRC is zero beyond 0.56 S, leaving the truncation sidelobes of the
     * 24-symbol pulse). Both carriers of every symbol rate. */
    static float x[512];
    for (int i = 0; i < 6; i++)
        for (int h = 0; h < 2; h++) {
            hs_qam_config c = hs_qam_config_default(i, h);
            run_tx(&c, SRC_IMPULSE, 3, x, 512, 512);
            double fc = hs_qam_carrier_hz(i, h), S = hs_qam_symbol_rate(i);
            double ref = dft_pow(x, 512, fc), worst_in = 0, worst_out = -200;
            for (double u = -0.45; u <= 0.4501; u += 0.01) {
                double d = 10 * log10(dft_pow(x, 512, fc + u * S) / ref);
                if (fabs(d) > fabs(worst_in)) worst_in = d;
            }
            for (double u = 0.6; u <= 1.2; u += 0.01)
                for (int sg = -1; sg <= 1; sg += 2) {
                    double f = fc + sg * u * S;
                    if (f < 20 || f > 3980) continue;
                    double d = 10 * log10(dft_pow(x, 512, f) / ref);
                    if (d > worst_out) worst_out = d;
                }
            char what[80];
            snprintf(what, sizeof what, "%s Bd %s: in-band ripple (fc +- 0.45 S)", rate_name[i], h ? "high" : "low");
            hs_check_below(what, fabs(worst_in), 1.0, "dB");
            snprintf(what, sizeof what, "%s Bd %s: out of band (|f - fc| >= 0.6 S)", rate_name[i], h ? "high" : "low");
            hs_check_below(what, worst_out, -30.0, "dB");
        }
    return 0;
}

static int preemphasis_shape(void)
{
    /* The gain relative to the flat transmitter, with its mean removed, must follow the
     * template within +-1 dB over f_c +- 0.45 S ([5.4.1]); indices 6-10 only outside the
     * unconstrained u = 0.4..0.8. Checked for every index at 2400 Bd low carrier and 3429 Bd. */
    static float x0[4 * HS_RATE], x1[4 * HS_RATE];
    int rates[2] = { 0, 5 };
    for (int ri = 0; ri < 2; ri++) {
        int i = rates[ri];
        hs_qam_config c = hs_qam_config_default(i, 0);
        run_tx(&c, SRC_RANDOM4, 4, x0, 4 * HS_RATE, 4 * HS_RATE);
        double fc = hs_qam_carrier_hz(i, 0), S = hs_qam_symbol_rate(i);
        for (int pe = 1; pe <= 10; pe++) {
            c.preemph_index = pe;
            run_tx(&c, SRC_RANDOM4, 4, x1, 4 * HS_RATE, 4 * HS_RATE);
            double g[19], t[19], mg = 0, mt = 0;
            int m = 0;
            for (double u = -0.45; u <= 0.4501; u += 0.05) {
                double f = fc + u * S, un = f / S;
                if (pe >= 6 && un > 0.4 && un < 0.8) continue;
                g[m] = 10 * log10(psd(x1, 4 * HS_RATE, f) / psd(x0, 4 * HS_RATE, f));
                t[m] = hs_v34_preemph_db(pe, un);
                mg += g[m];
                mt += t[m];
                m++;
            }
            double worst = 0;
            for (int k = 0; k < m; k++) {
                double d = (g[k] - mg / m) - (t[k] - mt / m);
                if (fabs(d) > worst) worst = fabs(d);
            }
            char what[80];
            snprintf(what, sizeof what, "%s Bd pre-emphasis %d: worst deviation from template", rate_name[i], pe);
            hs_check_below(what, worst, 1.0, "dB");
        }
    }
    return 0;
}

static int determinism_and_chunking(void)
{
    /* Same config and seed, blocks of 1, 7, 160 and whole: bit-identical outputs. */
    enum { N = 12000 };
    static float ref[N], y[N];
    hs_qam_config c = hs_qam_config_default(1, 1);
    c.preemph_index = 3;
    run_tx(&c, SRC_RANDOM16, 7, ref, N, N);
    size_t chunks[3] = { 1, 7, 160 };
    for (int k = 0; k < 3; k++) {
        run_tx(&c, SRC_RANDOM16, 7, y, N, chunks[k]);
        char what[64];
        snprintf(what, sizeof what, "chunk %zu identical to whole", chunks[k]);
        hs_check_true(what, memcmp(ref, y, sizeof ref) == 0);
    }
    run_tx(&c, SRC_RANDOM16, 7, y, N, N);
    hs_check_true("second run identical (determinism)", memcmp(ref, y, sizeof ref) == 0);
    return 0;
}

static int config_problems(void)
{
    hs_qam_config c = hs_qam_config_default(6, 0);
    hs_check_true("index 6 rejected", hs_qam_config_problem(&c) != NULL);
    c = hs_qam_config_default(5, 0);
    c.preemph_index = 11;
    hs_check_true("pre-emphasis 11 rejected", hs_qam_config_problem(&c) != NULL);
    hs_qam_tx *tx;
    hs_check_int("create refuses", hs_qam_tx_create(&c, &tx), HS_EINVAL);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(symbol_rate_exact),
    HS_CASE(carrier_and_lines),
    HS_CASE(level_at_p0),
    HS_CASE(occupied_band),
    HS_CASE(preemphasis_shape),
    HS_CASE(determinism_and_chunking),
    HS_CASE(config_problems)
)
