#include "info.h"

#include <string.h>

const int hs_v34_nominal_rate[HS_V34_NRATES] = { 2400, 2743, 2800, 3000, 3200, 3429 };

/* [5.2, 5.3, Table 1]: S = 2400*a/c, carrier = S*d/e (low, high). */
static const int rate_ac[HS_V34_NRATES][2] = { {1, 1}, {8, 7}, {7, 6}, {5, 4}, {4, 3}, {10, 7} };
static const int carrier_de[HS_V34_NRATES][2][2] = {
    { {2, 3}, {3, 4} }, { {3, 5}, {2, 3} }, { {3, 5}, {2, 3} },
    { {3, 5}, {2, 3} }, { {4, 7}, {3, 5} }, { {4, 7}, {4, 7} },
};
static const int max_n[HS_V34_NRATES] = { 9, 11, 11, 12, 13, 14 };   /* Table 8 */

double hs_v34_symbol_rate_exact(int idx)
{
    if (idx < 0 || idx >= HS_V34_NRATES) return 0.0;
    return 2400.0 * rate_ac[idx][0] / rate_ac[idx][1];
}

double hs_v34_carrier_hz(int idx, int high)
{
    if (idx < 0 || idx >= HS_V34_NRATES) return 0.0;
    const int *de = carrier_de[idx][high ? 1 : 0];
    return hs_v34_symbol_rate_exact(idx) * de[0] / de[1];
}

int hs_v34_max_n(int idx) { return (idx < 0 || idx >= HS_V34_NRATES) ? 0 : max_n[idx]; }

int hs_v34_rate_ratios(int idx, int high, int *a, int *c, int *d, int *e)
{
    if (idx < 0 || idx >= HS_V34_NRATES) return 0;
    const int *de = carrier_de[idx][high ? 1 : 0];
    if (a) *a = rate_ac[idx][0];
    if (c) *c = rate_ac[idx][1];
    if (d) *d = de[0];
    if (e) *e = de[1];
    return 1;
}

uint16_t hs_info_crc(uint16_t reg, const uint8_t *bits, size_t n)
{
    /* Figure 14 register, LSB-first form (spec §4.4). */
    for (size_t i = 0; i < n; i++) {
        unsigned fb = (reg & 1u) ^ (bits[i] & 1u);
        reg = (uint16_t)((reg >> 1) ^ (fb ? 0x8408u : 0u));
    }
    return reg;
}

hs_info0 hs_info0_default(void)
{
    hs_info0 m;
    memset(&m, 0, sizeof m);
    m.rate_2743 = m.rate_2800 = m.rate_3429 = 1;
    m.tx_3000_low = m.tx_3000_high = m.tx_3200_low = m.tx_3200_high = 1;
    m.tx_3429_allowed = 1;
    m.c1664 = 1;
    return m;
}

static const uint8_t sync_bits[HS_INFO_SYNC_BITS] = { 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, 1, 0 };

static void put(uint8_t *f, int pos, int width, int v)
{
    for (int i = 0; i < width; i++) f[pos + i] = (uint8_t)(((unsigned)v >> i) & 1u);
}

static int get(const uint8_t *f, int pos, int width)
{
    unsigned v = 0;
    for (int i = 0; i < width; i++) v |= (unsigned)(f[pos + i] & 1u) << i;
    return (int)v;
}

static int get_signed(const uint8_t *f, int pos, int width)
{
    int v = get(f, pos, width);
    if (v & (1 << (width - 1))) v -= 1 << width;
    return v;
}

/* Frame of n bits: sync at 0, information already in place at 12..n-21; add CRC and fill. */
static void finish(uint8_t *f, int n)
{
    memcpy(f, sync_bits, sizeof sync_bits);
    int info = n - HS_INFO_SYNC_BITS - 16 - HS_INFO_FILL_BITS;
    uint16_t crc = hs_info_crc(0xFFFF, f + HS_INFO_SYNC_BITS, (size_t)info);
    put(f, HS_INFO_SYNC_BITS + info, 16, crc);
    for (int i = n - HS_INFO_FILL_BITS; i < n; i++) f[i] = 1;
}

static int check(const uint8_t *f, int n)
{
    /* The register over information + received CRC leaves 0 (spec §4.4). */
    return hs_info_crc(0xFFFF, f + HS_INFO_SYNC_BITS, (size_t)(n - HS_INFO_SYNC_BITS - HS_INFO_FILL_BITS)) == 0;
}

void hs_info0_encode(const hs_info0 *m, uint8_t *f)
{
    put(f, 12, 1, m->rate_2743);
    put(f, 13, 1, m->rate_2800);
    put(f, 14, 1, m->rate_3429);
    put(f, 15, 1, m->tx_3000_low);
    put(f, 16, 1, m->tx_3000_high);
    put(f, 17, 1, m->tx_3200_low);
    put(f, 18, 1, m->tx_3200_high);
    put(f, 19, 1, m->tx_3429_allowed);
    put(f, 20, 1, m->power_reduction);
    put(f, 21, 3, m->max_rate_diff);
    put(f, 24, 1, m->cme);
    put(f, 25, 1, m->c1664);
    put(f, 26, 2, m->clock_source);
    put(f, 28, 1, m->ack);
    finish(f, HS_INFO0_BITS);
}

int hs_info0_decode(const uint8_t *f, hs_info0 *m)
{
    m->rate_2743 = get(f, 12, 1);
    m->rate_2800 = get(f, 13, 1);
    m->rate_3429 = get(f, 14, 1);
    m->tx_3000_low = get(f, 15, 1);
    m->tx_3000_high = get(f, 16, 1);
    m->tx_3200_low = get(f, 17, 1);
    m->tx_3200_high = get(f, 18, 1);
    m->tx_3429_allowed = get(f, 19, 1);
    m->power_reduction = get(f, 20, 1);
    m->max_rate_diff = get(f, 21, 3);
    m->cme = get(f, 24, 1);
    m->c1664 = get(f, 25, 1);
    m->clock_source = get(f, 26, 2);
    m->ack = get(f, 28, 1);
    return check(f, HS_INFO0_BITS);
}

void hs_info1c_encode(const hs_info1c *m, uint8_t *f)
{
    put(f, 12, 3, m->min_power_reduction);
    put(f, 15, 3, m->extra_power_reduction);
    put(f, 18, 7, m->md_length);
    for (int r = 0; r < HS_V34_NRATES; r++) {
        int p = 25 + 9 * r;
        put(f, p, 1, m->rate[r].carrier_high);
        put(f, p + 1, 4, m->rate[r].preemphasis);
        put(f, p + 5, 4, m->rate[r].max_n);
    }
    put(f, 79, 10, m->freq_offset);
    finish(f, HS_INFO1C_BITS);
}

int hs_info1c_decode(const uint8_t *f, hs_info1c *m)
{
    m->min_power_reduction = get(f, 12, 3);
    m->extra_power_reduction = get(f, 15, 3);
    m->md_length = get(f, 18, 7);
    for (int r = 0; r < HS_V34_NRATES; r++) {
        int p = 25 + 9 * r;
        m->rate[r].carrier_high = get(f, p, 1);
        m->rate[r].preemphasis = get(f, p + 1, 4);
        m->rate[r].max_n = get(f, p + 5, 4);
    }
    m->freq_offset = get_signed(f, 79, 10);
    return check(f, HS_INFO1C_BITS);
}

void hs_info1a_encode(const hs_info1a *m, uint8_t *f)
{
    put(f, 12, 3, m->min_power_reduction);
    put(f, 15, 3, m->extra_power_reduction);
    put(f, 18, 7, m->md_length);
    put(f, 25, 1, m->carrier_high);
    put(f, 26, 4, m->preemphasis);
    put(f, 30, 4, m->max_n);
    put(f, 34, 3, m->rate_ac);
    put(f, 37, 3, m->rate_ca);
    put(f, 40, 10, m->freq_offset);
    finish(f, HS_INFO1A_BITS);
}

int hs_info1a_decode(const uint8_t *f, hs_info1a *m)
{
    m->min_power_reduction = get(f, 12, 3);
    m->extra_power_reduction = get(f, 15, 3);
    m->md_length = get(f, 18, 7);
    m->carrier_high = get(f, 25, 1);
    m->preemphasis = get(f, 26, 4);
    m->max_n = get(f, 30, 4);
    m->rate_ac = get(f, 34, 3);
    m->rate_ca = get(f, 37, 3);
    m->freq_offset = get_signed(f, 40, 10);
    return check(f, HS_INFO1A_BITS);
}

static const char *const clock_names[4] = { "internal", "loop", "external", "reserved" };

void hs_info0_describe(const hs_info0 *m, hs_event *e)
{
    hs_event_dec_bool(e, "rate_2743", m->rate_2743);
    hs_event_dec_bool(e, "rate_2800", m->rate_2800);
    hs_event_dec_bool(e, "rate_3429", m->rate_3429);
    hs_event_dec_bool(e, "tx_3000_low_carrier", m->tx_3000_low);
    hs_event_dec_bool(e, "tx_3000_high_carrier", m->tx_3000_high);
    hs_event_dec_bool(e, "tx_3200_low_carrier", m->tx_3200_low);
    hs_event_dec_bool(e, "tx_3200_high_carrier", m->tx_3200_high);
    hs_event_dec_bool(e, "tx_3429_allowed", m->tx_3429_allowed);
    hs_event_dec_bool(e, "power_reduction", m->power_reduction);
    hs_event_dec_int(e, "max_rate_diff", m->max_rate_diff);
    hs_event_dec_bool(e, "cme", m->cme);
    hs_event_dec_bool(e, "constellation_1664", m->c1664);
    hs_event_dec_str(e, "clock", clock_names[m->clock_source & 3]);
    hs_event_dec_bool(e, "ack", m->ack);
}

static const char *const rate_keys[HS_V34_NRATES][3] = {
    { "s2400_high_carrier", "s2400_preemphasis", "s2400_max_n" },
    { "s2743_high_carrier", "s2743_preemphasis", "s2743_max_n" },
    { "s2800_high_carrier", "s2800_preemphasis", "s2800_max_n" },
    { "s3000_high_carrier", "s3000_preemphasis", "s3000_max_n" },
    { "s3200_high_carrier", "s3200_preemphasis", "s3200_max_n" },
    { "s3429_high_carrier", "s3429_preemphasis", "s3429_max_n" },
};

void hs_info1c_describe(const hs_info1c *m, hs_event *e)
{
    hs_event_dec_int(e, "min_power_reduction_db", m->min_power_reduction);
    hs_event_dec_int(e, "extra_power_reduction_db", m->extra_power_reduction);
    hs_event_dec_int(e, "md_length", m->md_length);
    for (int r = 0; r < HS_V34_NRATES; r++) {
        hs_event_dec_bool(e, rate_keys[r][0], m->rate[r].carrier_high);
        hs_event_dec_int(e, rate_keys[r][1], m->rate[r].preemphasis);
        hs_event_dec_int(e, rate_keys[r][2], m->rate[r].max_n);
    }
    hs_event_dec_int(e, "freq_offset", m->freq_offset);   /* x 0.02 Hz; -512 = not measured */
}

void hs_info1a_describe(const hs_info1a *m, hs_event *e)
{
    hs_event_dec_int(e, "min_power_reduction_db", m->min_power_reduction);
    hs_event_dec_int(e, "extra_power_reduction_db", m->extra_power_reduction);
    hs_event_dec_int(e, "md_length", m->md_length);
    hs_event_dec_bool(e, "high_carrier", m->carrier_high);
    hs_event_dec_int(e, "preemphasis", m->preemphasis);
    hs_event_dec_int(e, "max_n", m->max_n);
    hs_event_dec_int(e, "symbol_rate_ac", (m->rate_ac >= 0 && m->rate_ac < HS_V34_NRATES)
                                                 ? hs_v34_nominal_rate[m->rate_ac] : -1);
    hs_event_dec_int(e, "symbol_rate_ca", (m->rate_ca >= 0 && m->rate_ca < HS_V34_NRATES)
                                                 ? hs_v34_nominal_rate[m->rate_ca] : -1);
    hs_event_dec_int(e, "freq_offset", m->freq_offset);
}

int hs_info_sync_match(const uint8_t *last12, int loose)
{
    for (int i = loose ? 2 : 0; i < HS_INFO_SYNC_BITS; i++)
        if ((last12[i] & 1u) != sync_bits[i]) return 0;
    return 1;
}
