/* V.21 FSK transmitter and receiver (dsp/fsk.h): tones, level, bit clock, BER against
 * theory, frequency-offset tolerance, rejection of ANSam and of the other channel,
 * determinism and chunking. */
#include "bitq.h"
#include "fsk.h"
#include "hs_test.h"
#include "level.h"
#include "rng.h"

#define RATE 8000.0

/* ---------------------------------------------------------------- helpers */

/* Random bits framed by 40 marks before and after, so the receiver has settled. */
static size_t make_bits(uint8_t *bits, size_t nrand, uint64_t seed)
{
    hs_rng r;
    hs_rng_seed(&r, seed);
    size_t n = 0;
    for (int i = 0; i < 40; i++) bits[n++] = 1;
    for (size_t i = 0; i < nrand; i++) bits[n++] = (uint8_t)(hs_rng_u64(&r) >> 63);
    for (int i = 0; i < 40; i++) bits[n++] = 1;
    return n;
}

/* Modulates bits (all of them, plus ~2 idle bits) into a new buffer; returns the sample count. */
static float *modulate(const hs_fsk_config *c, const uint8_t *bits, size_t nbits, size_t *nsamples)
{
    hs_fsk_tx *tx;
    if (hs_fsk_tx_create(c, &tx) != HS_OK) return NULL;
    size_t ns = (size_t)((double)(nbits + 2) * RATE / (double)c->baud) + 1;
    float *s = malloc(ns * sizeof *s);
    hs_bitq q;
    hs_bitq_init(&q);
    size_t fed = 0;
    for (size_t i = 0; i < ns; i++) {
        while (fed < nbits && hs_bitq_count(&q) < HS_BITQ_CAP) hs_bitq_push(&q, bits[fed++]);
        hs_fsk_tx_process(tx, &q, &s[i], 1);
    }
    hs_fsk_tx_destroy(tx);
    *nsamples = ns;
    return s;
}

/* Demodulates in blocks of `block` samples (0 = whole), collects up to cap bits. */
static size_t demodulate(const hs_fsk_config *c, const float *s, size_t ns, size_t block,
                         uint8_t *out, size_t cap)
{
    hs_fsk_rx *rx;
    if (hs_fsk_rx_create(c, &rx) != HS_OK) return 0;
    hs_bitq q;
    hs_bitq_init(&q);
    size_t n = 0;
    if (!block) block = ns;
    for (size_t i = 0; i < ns; i += block) {
        size_t m = ns - i < block ? ns - i : block;
        /* Drain often enough that the queue never overflows. */
        for (size_t j = 0; j < m; j += 4096) {
            size_t k = m - j < 4096 ? m - j : 4096;
            hs_fsk_rx_process(rx, s + i + j, k, &q);
            int b;
            while ((b = hs_bitq_pop(&q)) >= 0)
                if (n < cap) out[n++] = (uint8_t)b;
        }
    }
    hs_fsk_rx_destroy(rx);
    return n;
}

/* Bit errors between the sent random part (sent[40 .. nsent-40)) and the received bits.
 * Aligned block by block (256 bits), each block within +-3 bits of the previous block's
 * offset, so a clock slip costs a few errors instead of half the rest of the run; slips are
 * counted separately. */
static double ber_aligned(const uint8_t *sent, size_t nsent, const uint8_t *got, size_t ngot,
                          long *errors, int *slips)
{
    size_t len = nsent - 80;
    long best = -1;
    long off0 = 0;
    for (long off = 0; off < 200 && (size_t)off + 256 <= ngot; off++) {   /* first block */
        long e = 0;
        for (size_t i = 0; i < 256 && i < len; i++) e += sent[40 + i] != got[off + i];
        if (best < 0 || e < best) { best = e; off0 = off; }
    }
    long total = 0, off = off0;
    int ns = 0;
    for (size_t b = 0; b < len; b += 256) {
        size_t bl = len - b < 256 ? len - b : 256;
        long be = -1, bo = off;
        for (long o = off - 3; o <= off + 3; o++) {
            if (o + (long)b < 0 || (size_t)(o + (long)b) + bl > ngot) continue;
            long e = 0;
            for (size_t i = 0; i < bl; i++) e += sent[40 + b + i] != got[(size_t)(o + (long)b) + i];
            if (be < 0 || e < be || (e == be && o == off)) { be = e; bo = o; }
        }
        if (be < 0) be = (long)bl;
        if (bo != off) ns++;
        off = bo;
        total += be;
    }
    if (errors) *errors = total;
    if (slips) *slips = ns;
    return (double)total / (double)len;
}

static void add_noise(float *s, size_t n, double sigma, uint64_t seed)
{
    hs_rng r;
    hs_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) s[i] += (float)(sigma * hs_rng_gauss(&r));
}

/* Noise standard deviation per sample for a given Eb/N0 (white noise over 0..4 kHz).
 * Eb = P/baud with P = peak^2/2; N0 = 2*sigma^2/fs (two-sided density N0/2 = sigma^2/fs). */
static double sigma_for_ebn0(const hs_fsk_config *c, double ebn0_db)
{
    double p = hs_dbm0_to_power(c->level_dbm0);
    double ebn0 = pow(10.0, ebn0_db / 10.0);
    return sqrt(p * RATE / (2.0 * (double)c->baud * ebn0));
}

/* Theory for non-coherent detection of two equal-energy signals with complex correlation
 * |rho| (Proakis, Digital Communications, 5.4): Pb = Q1(a,b) - 0.5 exp(-(a^2+b^2)/2) I0(ab),
 * a,b = sqrt(g/2 (1 -+ sqrt(1-rho^2))), g = Eb/N0. For rho = 0 this is 0.5 exp(-g/2).
 * V.21's tones are 200 Hz apart at 300 bit/s: |rho| = |sinc(200/300)| = 0.4135 (not
 * orthogonal), which costs about 2.3 dB at high SNR. */
static double bessel_i0(double x)
{
    double sum = 1.0, term = 1.0;
    for (int k = 1; k < 200; k++) {
        term *= (x / (2.0 * k)) * (x / (2.0 * k));
        sum += term;
        if (term < 1e-17 * sum) break;
    }
    return sum;
}

static double marcum_q1(double a, double b)
{
    /* Simpson integration of x exp(-(x^2+a^2)/2) I0(ax) from b to b + 40. */
    const int n = 40000;
    const double h = 40.0 / n;
    double s = 0.0;
    for (int i = 0; i <= n; i++) {
        double x = b + i * h;
        double f = x * exp(-(x * x + a * a) / 2.0) * bessel_i0(a * x);
        s += f * (i == 0 || i == n ? 1.0 : (i % 2 ? 4.0 : 2.0));
    }
    return s * h / 3.0;
}

static double theory_ber(double ebn0_db, double rho)
{
    double g = pow(10.0, ebn0_db / 10.0);
    double r = sqrt(1.0 - rho * rho);
    double a = sqrt(g / 2.0 * (1.0 - r)), b = sqrt(g / 2.0 * (1.0 + r));
    return marcum_q1(a, b) - 0.5 * exp(-(a * a + b * b) / 2.0) * bessel_i0(a * b);
}

/* Frequency of a constant tone by counting upward zero crossings over n samples. */
static double zc_freq(const float *s, size_t n)
{
    double t0 = -1, t1 = -1;
    size_t c = 0;
    for (size_t i = 1; i < n; i++)
        if (s[i - 1] < 0.0f && s[i] >= 0.0f) {
            double t = (double)(i - 1) + (double)s[i - 1] / ((double)s[i - 1] - (double)s[i]);
            if (t0 < 0) t0 = t;
            t1 = t;
            c++;
        }
    return c > 1 ? (double)(c - 1) * RATE / (t1 - t0) : 0.0;
}

static double mean_power(const float *s, size_t n)
{
    double p = 0;
    for (size_t i = 0; i < n; i++) p += (double)s[i] * (double)s[i];
    return p / (double)n;
}

/* ---------------------------------------------------------------- cases */

static int tx_tones_and_level(void)
{
    for (int ch = 1; ch <= 2; ch++) {
        hs_fsk_config c = hs_fsk_config_v21(ch);
        hs_check_true("config usable", hs_fsk_config_problem(&c) == NULL);
        for (int bit = 1; bit >= 0; bit--) {
            uint8_t bits[300];
            for (int i = 0; i < 300; i++) bits[i] = (uint8_t)bit;
            size_t ns;
            float *s = modulate(&c, bits, 300, &ns);
            /* Spec §2: ch1 1 = 980, 0 = 1180; ch2 1 = 1650, 0 = 1850. A continuous tone
             * measured by zero crossings over ~1 s is exact to well under 0.1 Hz. */
            double want = bit ? (double)c.mark_hz : (double)c.space_hz;
            char what[64];
            snprintf(what, sizeof what, "ch%d bit %d tone", ch, bit);
            hs_check_near(what, zc_freq(s, 8000), want, 0.1, "Hz");
            /* Level: -13 dBm0 by construction (level.h); sampling a sine gives its power
             * to within 0.01 dB over a whole second. */
            snprintf(what, sizeof what, "ch%d bit %d level", ch, bit);
            hs_check_near(what, hs_power_to_dbm0(mean_power(s, 8000)), -13.0, 0.02, "dBm0");
            free(s);
        }
    }
    return 0;
}

static int tx_bit_clock_and_phase_continuity(void)
{
    hs_fsk_config c = hs_fsk_config_v21(1);
    hs_fsk_tx *tx;
    hs_check_int("create", hs_fsk_tx_create(&c, &tx), HS_OK);
    hs_bitq q;
    hs_bitq_init(&q);
    float s[8000];
    hs_rng r;
    hs_rng_seed(&r, 5);
    double max_step = 0.0;
    for (int i = 0; i < 8000; i++) {
        while (hs_bitq_count(&q) < 4) hs_bitq_push(&q, (int)(hs_rng_u64(&r) >> 63));
        hs_fsk_tx_process(tx, &q, &s[i], 1);
        if (i) {
            double d = fabs((double)s[i] - (double)s[i - 1]);
            if (d > max_step) max_step = d;
        }
    }
    /* 300 bit/s: exactly 300 bit boundaries in 8000 samples (boundary at sample 0 included). */
    hs_check_int("bits taken in 1 s", (long long)hs_fsk_tx_bits_sent(tx), 300);
    /* Phase continuity: the largest sample step of a sine of peak A at 1180 Hz is
     * A*2*sin(pi*1180/8000) = 0.889 A; a phase jump could give up to 2A. */
    double a = hs_dbm0_to_peak(-13.0);
    hs_check_below("largest sample step / peak", max_step / a, 2.0 * sin(HS_PI * 1180.0 / 8000.0) + 1e-3, "");
    hs_check_int("idle after the queue empties", (hs_fsk_tx_process(tx, NULL, s, 30), hs_fsk_tx_idle(tx)), 1);
    hs_fsk_tx_destroy(tx);
    return 0;
}

static int config_problems(void)
{
    hs_fsk_config c = hs_fsk_config_v21(2);
    c.mark_hz = 4100.0f;
    hs_check_true("mark above Nyquist rejected", hs_fsk_config_problem(&c) != NULL);
    hs_fsk_tx *tx = (hs_fsk_tx *)1;
    hs_check_int("create refuses", hs_fsk_tx_create(&c, &tx), HS_EINVAL);
    hs_check_true("out cleared", tx == NULL);
    c = hs_fsk_config_v21(2);
    c.baud = 5000.0f;
    hs_check_true("baud too high rejected", hs_fsk_config_problem(&c) != NULL);
    hs_fsk_tx_destroy(NULL);
    hs_fsk_rx_destroy(NULL);
    return 0;
}

static int clean_round_trip(void)
{
    for (int ch = 1; ch <= 2; ch++) {
        hs_fsk_config c = hs_fsk_config_v21(ch);
        static uint8_t bits[3100], got[3300];
        size_t nb = make_bits(bits, 3000, 11 + (uint64_t)ch), ns;
        float *s = modulate(&c, bits, nb, &ns);
        size_t ng = demodulate(&c, s, ns, 0, got, sizeof got);
        long e;
        ber_aligned(bits, nb, got, ng, &e, NULL);
        char what[64];
        snprintf(what, sizeof what, "ch%d clean: bit errors in 3000", ch);
        hs_check_int(what, e, 0);
        free(s);
    }
    return 0;
}

static double link_ber(const hs_fsk_config *ctx, const hs_fsk_config *crx, double ebn0_db,
                       size_t nbits, uint64_t seed, long *errors, int *slips)
{
    uint8_t *bits = malloc(nbits + 100), *got = malloc(nbits + 400);
    size_t nb = make_bits(bits, nbits, seed), ns;
    float *s = modulate(ctx, bits, nb, &ns);
    if (ebn0_db < 90.0) add_noise(s, ns, sigma_for_ebn0(ctx, ebn0_db), seed * 7 + 1);
    size_t ng = demodulate(crx, s, ns, 0, got, nbits + 400);
    double ber = ber_aligned(bits, nb, got, ng, errors, slips);
    free(bits); free(got); free(s);
    return ber;
}

static int ber_vs_ebn0(void)
{
    /* Limit: the theory of the ideal one-bit non-coherent correlator for these correlated
     * tones (|rho| = 0.4135, theory_ber; checked separately by a Monte Carlo of that ideal
     * detector: 3.8e-2, 1.1e-2, 1.4e-3 at 8, 10, 12 dB), plus 3 standard deviations of the
     * error count over N bits. Our receiver should not be worse than that detector: its
     * band-pass trims the correlators' noise side-lobes, which measures about 2-5x better
     * than it (close to the orthogonal-tone formula 0.5*exp(-Eb/N0/2), printed too). Slips
     * of the bit clock are counted apart (block-wise alignment) and must not happen at
     * >= 12 dB. */
    static const double ebn0s[] = { 8.0, 10.0, 12.0, 14.0 };
    const double rho = fabs(sin(HS_PI * 2.0 / 3.0) / (HS_PI * 2.0 / 3.0));
    for (int ch = 1; ch <= 2; ch++) {
        hs_fsk_config c = hs_fsk_config_v21(ch);
        for (size_t i = 0; i < sizeof ebn0s / sizeof ebn0s[0]; i++) {
            const size_t n = 20000;
            long e;
            int slips;
            double ber = link_ber(&c, &c, ebn0s[i], n, 100 + i + 10 * (uint64_t)ch, &e, &slips);
            double th = theory_ber(ebn0s[i], rho);
            double lim = th + 3.0 * sqrt(th / n) + 1.0 / n;
            printf("ch%d Eb/N0 %4.1f dB: BER %.2e (%ld/%zu, %d slips), theory rho=0.41 %.2e, orthogonal %.2e\n",
                   ch, ebn0s[i], ber, e, n, slips, th, 0.5 * exp(-pow(10.0, ebn0s[i] / 10.0) / 2.0));
            char what[64];
            snprintf(what, sizeof what, "ch%d BER at Eb/N0 %.0f dB", ch, ebn0s[i]);
            hs_check_below(what, ber, lim, "");
            if (ebn0s[i] >= 12.0) {
                snprintf(what, sizeof what, "ch%d clock slips at Eb/N0 %.0f dB", ch, ebn0s[i]);
                hs_check_int(what, slips, 0);
            }
        }
    }
    return 0;
}

static int frequency_offset_12hz(void)
{
    /* Spec §1.6: the V.21 receiver must cope with +-12 Hz. At Eb/N0 = 16 dB (the 6 dB SNR of
     * the V.8 tests: 6 + 10*log10(3100/300) = 16.1 dB) theory gives ~1e-7, so a 3000-bit
     * run must be error free; a clean run too. */
    for (int ch = 1; ch <= 2; ch++)
        for (int sgn = -1; sgn <= 1; sgn += 2) {
            hs_fsk_config c = hs_fsk_config_v21(ch), ct = c;
            ct.mark_hz += 12.0f * (float)sgn;
            ct.space_hz += 12.0f * (float)sgn;
            long e0, e1;
            link_ber(&ct, &c, 99.0, 3000, 21, &e0, NULL);
            link_ber(&ct, &c, 16.1, 3000, 22, &e1, NULL);
            char what[80];
            snprintf(what, sizeof what, "ch%d offset %+d Hz clean: errors", ch, 12 * sgn);
            hs_check_int(what, e0, 0);
            snprintf(what, sizeof what, "ch%d offset %+d Hz Eb/N0 16 dB: errors", ch, 12 * sgn);
            hs_check_int(what, e1, 0);
        }
    return 0;
}

static int rejects_ansam_and_other_channel(void)
{
    /* Channel 2 (JM) with a 2100 Hz tone at the same level (ANSam still on the line) and the
     * channel-1 signal (own CM echo) at the same level: the band-pass must remove both. */
    hs_fsk_config c2 = hs_fsk_config_v21(2), c1 = hs_fsk_config_v21(1);
    static uint8_t bits[3100], bits1[3100], got[3300];
    size_t nb = make_bits(bits, 3000, 31), ns, ns1;
    make_bits(bits1, 3000, 32);
    float *s = modulate(&c2, bits, nb, &ns);
    float *s1 = modulate(&c1, bits1, nb, &ns1);
    double a = hs_dbm0_to_peak(-13.0);
    for (size_t i = 0; i < ns; i++)
        s[i] += (float)(a * sin(2.0 * HS_PI * 2100.0 * (double)i / RATE)) + (i < ns1 ? s1[i] : 0.0f);
    long e;
    ber_aligned(bits, nb, got, demodulate(&c2, s, ns, 0, got, sizeof got), &e, NULL);
    hs_check_int("ch2 with 2100 Hz and ch1 at equal level: errors", e, 0);
    free(s); free(s1);

    /* Stop-band level: a -13 dBm0 tone at 2100 Hz read by the channel-2 receiver. The
     * Blackman FIR has >= 74 dB stop-band from 2081 Hz, so the level must read below
     * -13 - 60 dBm0. The other channel's tones likewise. */
    static const struct { int ch; double f; } t[] = { { 2, 2100.0 }, { 2, 1180.0 }, { 1, 1650.0 }, { 1, 2100.0 } };
    for (size_t k = 0; k < 4; k++) {
        hs_fsk_config c = hs_fsk_config_v21(t[k].ch);
        hs_fsk_rx *rx;
        hs_fsk_rx_create(&c, &rx);
        float buf[4000];
        for (int i = 0; i < 4000; i++) buf[i] = (float)(a * sin(2.0 * HS_PI * t[k].f * i / RATE));
        hs_fsk_rx_process(rx, buf, 4000, NULL);
        char what[64];
        snprintf(what, sizeof what, "ch%d level of a -13 dBm0 %.0f Hz tone", t[k].ch, t[k].f);
        hs_check_below(what, hs_fsk_rx_level_dbm0(rx), -73.0, "dBm0");
        hs_fsk_rx_destroy(rx);
    }
    return 0;
}

static int rx_level(void)
{
    /* The in-band level of an FSK signal at -13 dBm0: the band-pass keeps the main lobes
     * (sidelobes beyond +-240 Hz of the centre carry < 2 % of the power): -13 dB within
     * 0.3 dB, averaged over the last ~10 ms. */
    for (int ch = 1; ch <= 2; ch++) {
        hs_fsk_config c = hs_fsk_config_v21(ch);
        uint8_t bits[700];
        size_t nb = make_bits(bits, 600, 41), ns;
        float *s = modulate(&c, bits, nb, &ns);
        hs_fsk_rx *rx;
        hs_fsk_rx_create(&c, &rx);
        double sum = 0;
        int cnt = 0;
        for (size_t i = 0; i < ns; i++) {
            hs_fsk_rx_process(rx, &s[i], 1, NULL);
            if (i > 4000 && i < ns - 2000) { sum += (double)hs_fsk_rx_level_dbm0(rx); cnt++; }
        }
        char what[64];
        snprintf(what, sizeof what, "ch%d measured level", ch);
        hs_check_near(what, sum / cnt, -13.0, 0.3, "dBm0");
        hs_fsk_rx_destroy(rx);
        free(s);
    }
    return 0;
}

static int determinism_and_chunking(void)
{
    hs_fsk_config c = hs_fsk_config_v21(2);
    static uint8_t bits[1100], ref[1300], got[1300];
    size_t nb = make_bits(bits, 1000, 51), ns;
    float *s = modulate(&c, bits, nb, &ns);
    add_noise(s, ns, sigma_for_ebn0(&c, 7.0), 52);
    size_t nref = demodulate(&c, s, ns, 0, ref, sizeof ref);
    static const size_t blocks[] = { 1, 7, 160 };
    for (size_t k = 0; k < 3; k++) {
        size_t ng = demodulate(&c, s, ns, blocks[k], got, sizeof got);
        char what[64];
        snprintf(what, sizeof what, "rx blocks of %zu: same bits as whole", blocks[k]);
        hs_check_true(what, ng == nref && memcmp(got, ref, ng) == 0);
    }
    size_t ng = demodulate(&c, s, ns, 0, got, sizeof got);
    hs_check_true("rx run twice: identical", ng == nref && memcmp(got, ref, ng) == 0);

    /* Transmitter: chunked output identical to per-sample output. */
    size_t ns2;
    float *s2 = modulate(&c, bits, nb, &ns2);
    hs_fsk_tx *tx;
    hs_fsk_tx_create(&c, &tx);
    hs_bitq q;
    hs_bitq_init(&q);
    float *s3 = malloc(ns2 * sizeof *s3);
    size_t fed = 0;
    for (size_t i = 0; i < ns2; i += 7) {
        while (fed < nb && hs_bitq_count(&q) < HS_BITQ_CAP) hs_bitq_push(&q, bits[fed++]);
        hs_fsk_tx_process(tx, &q, s3 + i, ns2 - i < 7 ? ns2 - i : 7);
    }
    hs_check_true("tx blocks of 7 = per sample", memcmp(s2, s3, ns2 * sizeof *s3) == 0);
    hs_fsk_tx_destroy(tx);
    free(s); free(s2); free(s3);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(tx_tones_and_level),
    HS_CASE(tx_bit_clock_and_phase_continuity),
    HS_CASE(config_problems),
    HS_CASE(clean_round_trip),
    HS_CASE(ber_vs_ebn0),
    HS_CASE(frequency_offset_12hz),
    HS_CASE(rejects_ansam_and_other_channel),
    HS_CASE(rx_level),
    HS_CASE(determinism_and_chunking)
)
