/* dsp/mp.c: V.34 MP frames, CRC and rate rules (see mp.h). */
#include "mp.h"
#include "info.h"

#include <math.h>
#include <string.h>

static void put(uint8_t *bits, int pos, int width, unsigned v)
{
    for (int i = 0; i < width; i++) bits[pos + i] = (uint8_t)((v >> i) & 1u);
}

static unsigned get(const uint8_t *bits, int pos, int width)
{
    unsigned v = 0;
    for (int i = 0; i < width; i++) v |= (unsigned)(bits[pos + i] & 1u) << i;
    return v;
}

/* The information bits (CRC coverage) of a frame of type t: runs of [start, end]. */
static int ranges(int type, int r[][2])
{
    int n = 0;
    r[n][0] = 18; r[n++][1] = 33;
    r[n][0] = 35; r[n++][1] = 50;
    if (type == 1)
        for (int k = 0; k < 6; k++) { r[n][0] = 52 + 17 * k; r[n++][1] = 67 + 17 * k; }
    int res = type == 1 ? 154 : 52;
    r[n][0] = res; r[n++][1] = res + 15;
    return n;
}

static uint16_t frame_crc(const uint8_t *bits, int type)
{
    int r[9][2];
    int n = ranges(type, r);
    uint16_t reg = 0xFFFF;
    for (int i = 0; i < n; i++)
        reg = hs_info_crc(reg, bits + r[i][0], (size_t)(r[i][1] - r[i][0] + 1));
    return reg;
}

size_t hs_mp_encode(const hs_mp *mp, uint8_t *bits)
{
    int type = mp->type ? 1 : 0;
    int len = type ? HS_MP1_BITS : HS_MP0_BITS;
    memset(bits, 0, (size_t)len);
    for (int i = 0; i < 17; i++) bits[i] = 1;          /* sync; start bit 17 = 0 */
    bits[18] = (uint8_t)type;
    put(bits, 20, 4, (unsigned)mp->max_rate_c2a);
    put(bits, 24, 4, (unsigned)mp->max_rate_a2c);
    bits[28] = (uint8_t)(mp->aux & 1);
    put(bits, 29, 2, (unsigned)mp->trellis);
    bits[31] = (uint8_t)(mp->nonlinear & 1);
    bits[32] = (uint8_t)(mp->shaping & 1);
    bits[33] = (uint8_t)(mp->ack & 1);
    put(bits, 35, 14, mp->rate_mask & 0x3FFFu);        /* bit 49 reserved = 0 */
    bits[50] = (uint8_t)(mp->asymmetric & 1);
    if (type)
        for (int k = 0; k < 6; k++) put(bits, 52 + 17 * k, 16, (uint16_t)mp->h[k]);
    int crc_pos = type ? 171 : 69;
    put(bits, crc_pos, 16, frame_crc(bits, type));
    return (size_t)len;
}

size_t hs_mp_decode(const uint8_t *bits, size_t n, hs_mp *mp, int *crc_ok)
{
    if (n < HS_MP0_BITS) return 0;
    for (int i = 0; i < 17; i++) if (!bits[i]) return 0;
    if (bits[17] != 0) return 0;
    int type = bits[18] & 1;
    size_t len = type ? HS_MP1_BITS : HS_MP0_BITS;
    if (n < len) return 0;
    if (bits[34] != 0) return 0;
    int starts0[] = { 51, 68 }, starts1[] = { 51, 68, 85, 102, 119, 136, 153, 170 };
    const int *st = type ? starts1 : starts0;
    int nst = type ? 8 : 2;
    for (int i = 0; i < nst; i++) if (bits[st[i]] != 0) return 0;
    memset(mp, 0, sizeof *mp);
    mp->type = type;
    mp->max_rate_c2a = (int)get(bits, 20, 4);
    mp->max_rate_a2c = (int)get(bits, 24, 4);
    mp->aux = bits[28];
    mp->trellis = (int)get(bits, 29, 2);
    mp->nonlinear = bits[31];
    mp->shaping = bits[32];
    mp->ack = bits[33];
    mp->rate_mask = (uint16_t)get(bits, 35, 14);
    mp->asymmetric = bits[50];
    if (type)
        for (int k = 0; k < 6; k++) mp->h[k] = (int16_t)(uint16_t)get(bits, 52 + 17 * k, 16);
    int crc_pos = type ? 171 : 69;
    *crc_ok = frame_crc(bits, type) == (uint16_t)get(bits, crc_pos, 16);
    return len;
}

static const int min_n[6] = { 1, 2, 2, 2, 2, 2 };   /* Table 8: 2400 only at 2400 Bd */

int hs_v34_min_rate_n(int sr) { return sr >= 0 && sr < 6 ? min_n[sr] : 0; }
int hs_v34_max_rate_n(int sr) { return hs_v34_max_n(sr); }
double hs_v34_symbol_rate(int sr) { return hs_v34_symbol_rate_exact(sr); }

static int pick(unsigned mask, int limit, int sr)
{
    int hi = limit < hs_v34_max_n(sr) ? limit : hs_v34_max_n(sr);
    for (int nn = hi; nn >= min_n[sr]; nn--)
        if (mask & (1u << (nn - 1))) return nn * 2400;
    return 0;
}

static int min4(int a, int b, int c, int d)
{
    int m = a < b ? a : b;
    m = m < c ? m : c;
    return m < d ? m : d;
}

int hs_mp_final_rates(const hs_mp *cm, const hs_mp *am, int sr_c2a, int sr_a2c,
                      int *rate_c2a_bps, int *rate_a2c_bps)
{
    unsigned mask = (unsigned)(cm->rate_mask & am->rate_mask);
    int c2a, a2c;
    if (cm->asymmetric && am->asymmetric) {
        c2a = cm->max_rate_c2a < am->max_rate_c2a ? cm->max_rate_c2a : am->max_rate_c2a;
        a2c = cm->max_rate_a2c < am->max_rate_a2c ? cm->max_rate_a2c : am->max_rate_a2c;
        *rate_c2a_bps = pick(mask, c2a, sr_c2a);
        *rate_a2c_bps = pick(mask, a2c, sr_a2c);
    } else {
        int lim = min4(cm->max_rate_c2a, am->max_rate_c2a, cm->max_rate_a2c, am->max_rate_a2c);
        /* one rate for both directions: it must exist at both symbol rates */
        int r = 0;
        for (int nn = lim; nn >= 1 && !r; nn--) {
            if (!(mask & (1u << (nn - 1)))) continue;
            if (nn >= min_n[sr_c2a] && nn <= hs_v34_max_n(sr_c2a) &&
                nn >= min_n[sr_a2c] && nn <= hs_v34_max_n(sr_a2c)) r = nn * 2400;
        }
        *rate_c2a_bps = r;
        *rate_a2c_bps = r;
    }
    return *rate_c2a_bps > 0 && *rate_a2c_bps > 0;
}

double hs_v34_required_snr_db(double rate_bps, double sym_bd)
{
    return 4.0 + 3.01 * rate_bps / sym_bd;
}

double hs_v34_shannon_snr_db(double rate_bps, double sym_bd)
{
    return 10.0 * log10(pow(2.0, rate_bps / sym_bd) - 1.0);
}

int hs_v34_rate_for_snr(double snr_db, int sr, double margin_db, int max_n_cap)
{
    if (sr < 0 || sr > 5) return 0;
    double s = hs_v34_symbol_rate(sr);
    int hi = hs_v34_max_n(sr) < max_n_cap ? hs_v34_max_n(sr) : max_n_cap;
    for (int nn = hi; nn >= min_n[sr]; nn--)
        if (hs_v34_required_snr_db(nn * 2400.0, s) + margin_db <= snr_db) return nn * 2400;
    return 0;
}

void hs_mp_describe(const hs_mp *mp, hs_event *e)
{
    static const int trellis_states[4] = { 16, 32, 64, 0 };
    hs_event_str(e, "name", mp->ack ? "MP'" : "MP");
    hs_event_dec_int(e, "type", mp->type);
    hs_event_dec_int(e, "max_rate_c2a_bps", mp->max_rate_c2a * 2400);
    hs_event_dec_int(e, "max_rate_a2c_bps", mp->max_rate_a2c * 2400);
    hs_event_dec_bool(e, "aux", mp->aux);
    hs_event_dec_int(e, "trellis_states", trellis_states[mp->trellis & 3]);
    hs_event_dec_bool(e, "nonlinear", mp->nonlinear);
    hs_event_dec_str(e, "shaping", mp->shaping ? "expanded" : "minimum");
    hs_event_dec_bool(e, "ack", mp->ack);
    hs_event_dec_int(e, "rate_mask", mp->rate_mask);
    hs_event_dec_bool(e, "asymmetric", mp->asymmetric);
}
