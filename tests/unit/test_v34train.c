/* V.34 training symbols: constellation table, S/S-bar/PP, TRN vectors, J, differential
 * mapping round trip (digest §5.2-§5.7, §10). */
#include <complex.h>
#include "v34train.h"
#include "hs_test.h"
#include "rng.h"
#include "hs.h"

static int constellation_table(void)
{
    /* digest §5.2 table, rows label 0..3, columns q = 0..3 */
    static const int want[4][4][2] = {
        { { 1, 1 }, { 1, -1 }, { -1, -1 }, { -1, 1 } },
        { { -3, 1 }, { 1, 3 }, { 3, -1 }, { -1, -3 } },
        { { 1, -3 }, { -3, -1 }, { -1, 3 }, { 3, 1 } },
        { { -3, -3 }, { -3, 3 }, { 3, 3 }, { 3, -3 } } };
    int bad = 0;
    for (int l = 0; l < 4; l++)
        for (int q = 0; q < 4; q++) {
            int x, y;
            hs_v34_point(l, q, &x, &y);
            bad += x != want[l][q][0] || y != want[l][q][1];
            int ll, qq;
            hs_v34_slice(hs_v34_point_norm(16, l, q) * 1.1f, 16, &ll, &qq);
            bad += ll != l || qq != q;
        }
    hs_check_int("points differing from the table (and slicer inverse)", bad, 0);
    /* unit mean power of the normalised 16-point set */
    double p = 0;
    for (int l = 0; l < 4; l++)
        for (int q = 0; q < 4; q++) {
            float complex z = hs_v34_point_norm(16, l, q);
            p += (double)(crealf(z) * crealf(z) + cimagf(z) * cimagf(z));
        }
    hs_check_near("16-point mean power", p / 16, 1.0, 1e-6, "");
    return 0;
}

static int s_sbar_pp(void)
{
    const float k = 0.70710678f;
    hs_check_true("S(0) = (1,1)", cabsf(hs_v34_s_symbol(0) - (k + k * I)) < 1e-6f);
    hs_check_true("S(127) = (-1,1)", cabsf(hs_v34_s_symbol(127) - (-k + k * I)) < 1e-6f);
    hs_check_true("Sbar(0) = (-1,-1)", cabsf(hs_v34_sbar_symbol(0) - (-k - k * I)) < 1e-6f);
    hs_check_true("Sbar(1) = (1,-1)", cabsf(hs_v34_sbar_symbol(1) - (k - k * I)) < 1e-6f);
    /* PP phase table of §5.5, rows k, units of 30 degrees */
    static const int ph[12][4] = { { 0, 0, 0, 0 }, { 4, 5, 6, 7 }, { 0, 2, 4, 6 }, { 0, 3, 6, 9 },
        { 4, 8, 0, 4 }, { 0, 5, 10, 3 }, { 0, 6, 0, 6 }, { 4, 11, 6, 1 }, { 0, 8, 4, 0 },
        { 0, 9, 6, 3 }, { 4, 2, 0, 10 }, { 0, 11, 10, 9 } };
    double maxerr = 0;
    for (int i = 0; i < 48; i++) {
        double a = ph[i / 4][i % 4] * HS_PI / 6.0;
        float complex w = (float)cos(a) + (float)sin(a) * I;
        double e = (double)cabsf(hs_v34_pp_symbol((unsigned)i) - w);
        if (e > maxerr) maxerr = e;
        e = (double)cabsf(hs_v34_pp_symbol((unsigned)i + 240) - w);   /* period 48 */
        if (e > maxerr) maxerr = e;
    }
    hs_check_below("PP vs phase table, max |error|", maxerr, 1e-5, "");
    /* periodic autocorrelation zero at every non-zero lag (§5.5) */
    double worst = 0;
    for (int lag = 1; lag < 48; lag++) {
        float complex c = 0;
        for (int i = 0; i < 48; i++)
            c += hs_v34_pp_symbol((unsigned)i) * conjf(hs_v34_pp_symbol((unsigned)(i + lag)));
        if ((double)cabsf(c) / 48 > worst) worst = (double)cabsf(c) / 48;
    }
    hs_check_below("PP periodic autocorrelation, worst non-zero lag", worst, 1e-5, "");
    return 0;
}

static void trn_q(hs_scr_poly p, char *out)
{
    hs_v34_mapper m;
    hs_v34_mapper_init(&m, p);
    hs_v34_mapper_start_trn(&m);
    for (int i = 0; i < 32; i++) {
        int q;
        hs_v34_trn_symbol(&m, 4, &q);
        out[2 * i] = (char)('0' + q);
        out[2 * i + 1] = i == 31 ? 0 : ' ';
    }
}

static int trn_vectors(void)
{
    char b[80];
    trn_q(HS_SCR_GPC, b);
    hs_check_str("TRN call q", b, "3 3 3 3 3 3 3 3 3 0 0 2 3 3 3 3 3 3 0 0 0 0 0 3 3 3 3 0 0 2 3 3");
    trn_q(HS_SCR_GPA, b);
    hs_check_str("TRN answer q", b, "3 3 1 0 0 3 3 1 0 0 3 1 2 3 3 0 2 1 0 0 3 1 2 0 0 1 2 1 0 0 3 1");
    return 0;
}

static int j_patterns(void)
{
    /* Table 18/19 as integers, bit 0 first (SD column of §5.7) */
    unsigned v4 = 0, v16 = 0, vp = 0;
    for (int i = 0; i < 16; i++) {
        v4 |= (unsigned)hs_v34_j_bits(4)[i] << i;
        v16 |= (unsigned)hs_v34_j_bits(16)[i] << i;
        vp |= (unsigned)hs_v34_jprime_bits()[i] << i;
    }
    hs_check_int("J 4-point", v4, 0x8990);
    hs_check_int("J 16-point", v16, 0x89B0);
    hs_check_int("J'", vp, 0x899F);
    hs_check_int("match J4", hs_v34_j_match(hs_v34_j_bits(4)), 4);
    hs_check_int("match J'", hs_v34_j_match(hs_v34_jprime_bits()), 1);
    return 0;
}

static int diff_round_trip(void)
{
    /* TRN then differential bits through mapper and demapper, with a noiseless channel
     * rotated by 0: bits must match exactly (4 and 16 points, both polynomials). */
    for (int pts = 4; pts <= 16; pts += 12)
        for (int p = 0; p < 2; p++) {
            hs_v34_mapper m;
            hs_v34_demapper d;
            hs_v34_mapper_init(&m, (hs_scr_poly)p);
            hs_v34_demapper_init(&d, (hs_scr_poly)p);
            hs_v34_mapper_start_trn(&m);
            for (int i = 0; i < 64; i++) hs_v34_demap_trn(&d, hs_v34_trn_symbol(&m, pts, NULL), pts);
            hs_rng r;
            hs_rng_seed(&r, 5);
            int errs = 0, bps = pts == 16 ? 4 : 2;
            for (int i = 0; i < 2000; i++) {
                uint8_t b[4], o[4];
                for (int k = 0; k < bps; k++) b[k] = (uint8_t)(hs_rng_u64(&r) & 1u);
                int nb = hs_v34_demap_diff(&d, hs_v34_diff_symbol(&m, pts, b), pts, o);
                for (int k = 0; k < nb; k++) errs += o[k] != b[k];
            }
            hs_check_int(pts == 4 ? "4-point diff bit errors" : "16-point diff bit errors", errs, 0);
        }
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(constellation_table),
    HS_CASE(s_sbar_pp),
    HS_CASE(trn_vectors),
    HS_CASE(j_patterns),
    HS_CASE(diff_round_trip)
)
