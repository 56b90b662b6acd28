/* V.34 INFO frames: the digest's test vectors (spec/v34-startup.md §4.4, §10) and
 * round trips of every field of INFO0, INFO1c and INFO1a. */
#include "hs_test.h"
#include "info.h"

#include <stdint.h>

static void to_bits(const char *s, uint8_t *b, int *n)
{
    *n = 0;
    for (; *s; s++)
        if (*s == '0' || *s == '1') b[(*n)++] = (uint8_t)(*s - '0');
}

static int same_bits(const uint8_t *a, const uint8_t *b, int n)
{
    for (int i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

static int info0_vector(void)
{
    /* §10: all rates, both carriers at 3000/3200, 3429 allowed, no power reduction,
     * difference 0, not CME, 1664 points, internal clock, ack 0. */
    hs_info0 m = hs_info0_default();
    uint8_t f[HS_INFO0_BITS], want[64];
    int n;
    hs_info0_encode(&m, f);
    to_bits("1111 01110010 11111111000001000 1011110011101000 1111", want, &n);
    hs_check_int("INFO0 length", n, HS_INFO0_BITS);
    hs_check_true("INFO0 frame equals the digest's 49 bits", same_bits(f, want, n));
    uint16_t crc = hs_info_crc(0xFFFF, f + 12, 17);
    hs_check_int("INFO0 CRC register (LSB first 0x173D = MSB-first 0xBCE8)", crc, 0x173D);
    /* bit 28 = 1: CRC bits 1010110011001001 (0xACC9). */
    m.ack = 1;
    hs_info0_encode(&m, f);
    to_bits("1010110011001001", want, &n);
    hs_check_true("INFO0 ack=1 CRC bits equal the digest's", same_bits(f + 29, want, 16));
    /* Receiver residue is 0 and a corrupted bit is caught. */
    hs_info0 d;
    hs_check_int("decode crc ok", hs_info0_decode(f, &d), 1);
    hs_check_int("decoded ack", d.ack, 1);
    for (int i = 12; i < 45; i++) {
        f[i] ^= 1;
        if (hs_info0_decode(f, &d)) hs_check_true("single bit error detected", 0);
        f[i] ^= 1;
    }
    return 0;
}

static int info0_fields_round_trip(void)
{
    uint8_t f[HS_INFO0_BITS];
    int bad = 0;
    for (int k = 0; k < 17 * 8; k++) {
        hs_info0 m = { 0 }, d;
        /* walk a one through every flag and every value of each multi-bit field */
        int b = k % 17;
        m.rate_2743 = b == 0; m.rate_2800 = b == 1; m.rate_3429 = b == 2;
        m.tx_3000_low = b == 3; m.tx_3000_high = b == 4; m.tx_3200_low = b == 5;
        m.tx_3200_high = b == 6; m.tx_3429_allowed = b == 7; m.power_reduction = b == 8;
        m.max_rate_diff = (k / 17) % 6; m.cme = b == 9; m.c1664 = b == 10;
        m.clock_source = (k / 3) % 4; m.ack = b == 11;
        hs_info0_encode(&m, f);
        int ok = hs_info0_decode(f, &d);
        if (!ok || memcmp(&m, &d, sizeof m) != 0) bad++;
    }
    hs_check_int("INFO0 round trips with a wrong field", bad, 0);
    return 0;
}

static int info1c_fields_round_trip(void)
{
    uint8_t f[HS_INFO1C_BITS];
    int bad = 0;
    for (int k = 0; k < 300; k++) {
        hs_info1c m, d;
        m.min_power_reduction = k % 8;
        m.extra_power_reduction = (k / 8) % 8;
        m.md_length = (k * 37) % 128;
        for (int r = 0; r < HS_V34_NRATES; r++) {
            m.rate[r].carrier_high = (k + r) & 1;
            m.rate[r].preemphasis = (k + 3 * r) % 11;
            m.rate[r].max_n = (k + 5 * r) % 15;
        }
        m.freq_offset = (k * 7) % 1024 - 512;
        hs_info1c_encode(&m, f);
        int ok = hs_info1c_decode(f, &d);
        if (!ok || memcmp(&m, &d, sizeof m) != 0) bad++;
    }
    hs_check_int("INFO1c round trips with a wrong field", bad, 0);
    /* Positions from Table 15: per-rate pre-emphasis at 26-29, 35-38, ..., offset sign bit 88. */
    hs_info1c m = { 0 };
    m.rate[HS_V34_S3429].preemphasis = 0xF;
    m.freq_offset = -1;
    hs_info1c_encode(&m, f);
    hs_check_true("3429 pre-emphasis at bits 71-74", f[71] && f[72] && f[73] && f[74] && !f[70] && !f[75]);
    hs_check_true("frequency offset -1 fills bits 79-88", f[79] && f[88]);
    hs_check_true("fill at 105-108", f[105] && f[106] && f[107] && f[108]);
    return 0;
}

static int info1a_fields_round_trip(void)
{
    uint8_t f[HS_INFO1A_BITS];
    int bad = 0;
    for (int k = 0; k < 300; k++) {
        hs_info1a m, d;
        m.min_power_reduction = k % 8;
        m.extra_power_reduction = (k / 8) % 8;
        m.md_length = (k * 37) % 128;
        m.carrier_high = k & 1;
        m.preemphasis = k % 11;
        m.max_n = k % 15;
        m.rate_ac = k % 6;
        m.rate_ca = (k / 6) % 6;
        m.freq_offset = (k * 13) % 1024 - 512;
        hs_info1a_encode(&m, f);
        int ok = hs_info1a_decode(f, &d);
        if (!ok || memcmp(&m, &d, sizeof m) != 0) bad++;
    }
    hs_check_int("INFO1a round trips with a wrong field", bad, 0);
    hs_info1a m = { 0 };
    m.rate_ca = 5;
    m.freq_offset = -512;
    hs_info1a_encode(&m, f);
    hs_check_true("rate_ca 5 at bits 37-39 (LSB first: 1 0 1)", f[37] == 1 && f[38] == 0 && f[39] == 1);
    hs_check_true("offset -512: only the sign bit 49", f[49] == 1 && f[40] == 0 && f[48] == 0);
    hs_check_int("CRC residue", hs_info_crc(0xFFFF, f + 12, 54), 0);
    return 0;
}

static int describe_fields(void)
{
    hs_event e;
    hs_info0 m = hs_info0_default();
    hs_event_init(&e, HS_EV_V34_INFO0C, HS_SRC_CALLER, 0);
    hs_info0_describe(&m, &e);
    const hs_field *f = hs_event_field(&e, "rate_3429");
    hs_check_true("rate_3429 present and decoded", f && (f->flags & HS_FF_DECODED) && f->v.i == 1);
    hs_info1c c = { 0 };
    hs_event_init(&e, HS_EV_V34_INFO1C, HS_SRC_CALLER, 0);
    hs_info1c_describe(&c, &e);
    hs_check_true("INFO1c fields fit in one event", e.nfields <= HS_EV_MAX_FIELDS - 2);
    hs_check_true("s3429_max_n present", hs_event_field(&e, "s3429_max_n") != NULL);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(info0_vector),
    HS_CASE(info0_fields_round_trip),
    HS_CASE(info1c_fields_round_trip),
    HS_CASE(info1a_fields_round_trip),
    HS_CASE(describe_fields)
)
