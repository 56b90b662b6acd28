/* dsp/v34train.c: V.34 training symbols (see v34train.h). */
#include "v34train.h"

#include <math.h>
#include "hs.h"

static const int base_pt[4][2] = { { 1, 1 }, { -3, 1 }, { 1, -3 }, { -3, -3 } };

void hs_v34_point(int label, int q, int *x, int *y)
{
    int px = base_pt[label & 3][0], py = base_pt[label & 3][1];
    for (int i = 0; i < (q & 3); i++) {      /* clockwise: (x, y) -> (y, -x) */
        int t = px;
        px = py;
        py = -t;
    }
    *x = px;
    *y = py;
}

float complex hs_v34_point_norm(int points, int label, int q)
{
    int x, y;
    hs_v34_point(points == 16 ? label : 0, q, &x, &y);
    float k = points == 16 ? 0.316227766f : 0.707106781f;
    return (float)x * k + (float)y * k * I;
}

float complex hs_v34_slice(float complex y, int points, int *label, int *q)
{
    float k = points == 16 ? 0.316227766f : 0.707106781f;
    float re = crealf(y) / k, im = cimagf(y) / k;
    int x, yy;
    if (points == 16) {
        x = re < -2.0f ? -3 : re < 0.0f ? -1 : re < 2.0f ? 1 : 3;
        yy = im < -2.0f ? -3 : im < 0.0f ? -1 : im < 2.0f ? 1 : 3;
    } else {
        x = re < 0.0f ? -1 : 1;
        yy = im < 0.0f ? -1 : 1;
    }
    /* (label, q) of the grid point: label * 4 + q, indexed by (x, y) = -3, -1, 1, 3 (§5.2) */
    static const uint8_t lq[4][4] = { { 12, 9, 4, 13 }, { 7, 2, 3, 10 }, { 8, 1, 0, 5 }, { 15, 6, 11, 14 } };
    int v = lq[(x + 3) / 2][(yy + 3) / 2];
    int lab = v >> 2, qq = v & 3;
    if (label) *label = lab;
    if (q) *q = qq;
    return (float)x * k + (float)yy * k * I;
}

float complex hs_v34_s_symbol(unsigned i)
{
    const float k = 0.707106781f;
    return (i & 1u) ? -k + k * I : k + k * I;
}

float complex hs_v34_sbar_symbol(unsigned i) { return -hs_v34_s_symbol(i); }

float complex hs_v34_pp_symbol(unsigned i)
{
    i %= HS_V34_PP_PERIOD;
    unsigned k = i / 4, l = i % 4;
    unsigned ph = k * l + (k % 3 == 1 ? 4u : 0u);      /* units of pi/6 */
    double a = HS_PI / 6.0 * (double)(ph % 12);
    return (float)cos(a) + (float)sin(a) * I;
}

static const uint8_t j4[16]  = { 0,0,0,0, 1,0,0,1, 1,0,0,1, 0,0,0,1 };
static const uint8_t j16[16] = { 0,0,0,0, 1,1,0,1, 1,0,0,1, 0,0,0,1 };
static const uint8_t jp[16]  = { 1,1,1,1, 1,0,0,1, 1,0,0,1, 0,0,0,1 };

const uint8_t *hs_v34_j_bits(int points) { return points == 16 ? j16 : j4; }
const uint8_t *hs_v34_jprime_bits(void) { return jp; }

int hs_v34_j_match(const uint8_t bits[16])
{
    int m4 = 1, m16 = 1, mp = 1;
    for (int i = 0; i < 16; i++) {
        m4 &= bits[i] == j4[i];
        m16 &= bits[i] == j16[i];
        mp &= bits[i] == jp[i];
    }
    return m4 ? 4 : m16 ? 16 : mp ? 1 : 0;
}

void hs_v34_mapper_init(hs_v34_mapper *m, hs_scr_poly poly)
{
    hs_scrambler_init(&m->scr, poly);
    m->z = 0;
}

void hs_v34_mapper_start_trn(hs_v34_mapper *m) { hs_scrambler_clear(&m->scr); }

float complex hs_v34_trn_symbol(hs_v34_mapper *m, int points, int *q_out)
{
    int i1 = hs_scramble_bit(&m->scr, 1);
    int i2 = hs_scramble_bit(&m->scr, 1);
    int label = 0;
    if (points == 16) {
        int q1 = hs_scramble_bit(&m->scr, 1);
        int q2 = hs_scramble_bit(&m->scr, 1);
        label = q1 + 2 * q2;
    }
    m->z = i1 + 2 * i2;
    if (q_out) *q_out = m->z;
    return hs_v34_point_norm(points, label, m->z);
}

float complex hs_v34_diff_symbol(hs_v34_mapper *m, int points, const uint8_t *bits)
{
    int i1 = hs_scramble_bit(&m->scr, bits[0]);
    int i2 = hs_scramble_bit(&m->scr, bits[1]);
    int label = 0;
    if (points == 16) {
        int q1 = hs_scramble_bit(&m->scr, bits[2]);
        int q2 = hs_scramble_bit(&m->scr, bits[3]);
        label = q1 + 2 * q2;
    }
    m->z = (m->z + i1 + 2 * i2) & 3;
    return hs_v34_point_norm(points, label, m->z);
}

void hs_v34_demapper_init(hs_v34_demapper *d, hs_scr_poly far_poly)
{
    hs_scrambler_init(&d->scr, far_poly);
    d->z = 0;
}

int hs_v34_demap_diff(hs_v34_demapper *d, float complex y, int points, uint8_t *bits)
{
    int label, q;
    hs_v34_slice(y, points, &label, &q);
    int dq = (q - d->z) & 3;
    d->z = q;
    bits[0] = (uint8_t)hs_descramble_bit(&d->scr, dq & 1);
    bits[1] = (uint8_t)hs_descramble_bit(&d->scr, dq >> 1);
    if (points != 16) return 2;
    bits[2] = (uint8_t)hs_descramble_bit(&d->scr, label & 1);
    bits[3] = (uint8_t)hs_descramble_bit(&d->scr, label >> 1);
    return 4;
}

void hs_v34_demap_trn(hs_v34_demapper *d, float complex y, int points)
{
    int label, q;
    hs_v34_slice(y, points, &label, &q);
    d->z = q;
    hs_descramble_bit(&d->scr, q & 1);
    hs_descramble_bit(&d->scr, q >> 1);
    if (points == 16) {
        hs_descramble_bit(&d->scr, label & 1);
        hs_descramble_bit(&d->scr, label >> 1);
    }
}
