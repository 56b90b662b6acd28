/* V.34 MP frames: digest §10 vectors, round trips, CRC, the rate rule (§6.4), §9 table. */
#include "mp.h"
#include "hs_test.h"
#include "rng.h"

static void to_str(const uint8_t *b, size_t n, char *s)
{
    for (size_t i = 0; i < n; i++) s[i] = (char)('0' + b[i]);
    s[n] = 0;
}

static void strip(const char *in, char *out)
{
    while (*in) { if (*in != ' ') *out++ = *in; in++; }
    *out = 0;
}

static int vectors(void)
{
    static const struct { int c2a, a2c, ack; uint16_t mask; const char *frame; } v[] = {
        { 12, 12, 0, 0x0FFF, "11111111111111111 0 0000110011000000 0 1111111111110000 0 0000000000000000 0 1001111010111010 000" },
        { 12, 12, 1, 0x0FFF, "11111111111111111 0 0000110011000001 0 1111111111110000 0 0000000000000000 0 0011010011101011 000" },
        { 14, 14, 0, 0x3FFF, "11111111111111111 0 0001110111000000 0 1111111111111100 0 0000000000000000 0 1011010011111111 000" },
    };
    for (int i = 0; i < 3; i++) {
        hs_mp mp = { 0 };
        mp.max_rate_c2a = v[i].c2a;
        mp.max_rate_a2c = v[i].a2c;
        mp.ack = v[i].ack;
        mp.rate_mask = v[i].mask;
        uint8_t bits[HS_MP1_BITS];
        size_t n = hs_mp_encode(&mp, bits);
        char got[200], want[200];
        to_str(bits, n, got);
        strip(v[i].frame, want);
        hs_check_str("MP type 0 frame (digest §10)", got, want);
        hs_mp d;
        int ok = 0;
        hs_check_int("decoded length", (long long)hs_mp_decode(bits, n, &d, &ok), 88);
        hs_check_int("crc ok", ok, 1);
    }
    /* CRC: the first vector's CRC read MSB first is 0x9EBA (LM variant would give 0xB07F) */
    return 0;
}

static int round_trips_and_crc(void)
{
    hs_rng r;
    hs_rng_seed(&r, 9);
    int bad = 0, missed = 0;
    for (int i = 0; i < 2000; i++) {
        hs_mp a = { 0 }, b;
        a.type = (int)(hs_rng_u64(&r) & 1u);
        a.max_rate_c2a = (int)(hs_rng_u64(&r) % 15);
        a.max_rate_a2c = (int)(hs_rng_u64(&r) % 15);
        a.aux = (int)(hs_rng_u64(&r) & 1u);
        a.trellis = (int)(hs_rng_u64(&r) % 3);
        a.nonlinear = (int)(hs_rng_u64(&r) & 1u);
        a.shaping = (int)(hs_rng_u64(&r) & 1u);
        a.ack = (int)(hs_rng_u64(&r) & 1u);
        a.rate_mask = (uint16_t)(hs_rng_u64(&r) & 0x3FFFu);
        a.asymmetric = (int)(hs_rng_u64(&r) & 1u);
        if (a.type) for (int k = 0; k < 6; k++) a.h[k] = (int16_t)(hs_rng_u64(&r) & 0xFFFFu);
        uint8_t bits[HS_MP1_BITS];
        size_t n = hs_mp_encode(&a, bits);
        int ok = 0;
        size_t m = hs_mp_decode(bits, n, &b, &ok);
        bad += m != n || !ok || b.type != a.type || b.max_rate_c2a != a.max_rate_c2a ||
               b.max_rate_a2c != a.max_rate_a2c || b.aux != a.aux || b.trellis != a.trellis ||
               b.nonlinear != a.nonlinear || b.shaping != a.shaping || b.ack != a.ack ||
               b.rate_mask != a.rate_mask || b.asymmetric != a.asymmetric;
        for (int k = 0; k < 6; k++) bad += b.h[k] != a.h[k];
        /* flip one covered bit: the CRC (distance >= 4 for 16-bit CRC-CCITT) must catch it */
        int pos = 18 + (int)(hs_rng_u64(&r) % 16);
        bits[pos] ^= 1;
        hs_mp c;
        if (hs_mp_decode(bits, n, &c, &ok) && ok) missed++;
    }
    hs_check_int("round-trip mismatches in 2000 frames", bad, 0);
    hs_check_int("single-bit errors the CRC missed", missed, 0);
    uint8_t zeros[100] = { 0 };
    hs_mp d;
    int ok;
    hs_check_int("no sync -> not an MP", (long long)hs_mp_decode(zeros, 100, &d, &ok), 0);
    return 0;
}

static int rate_rule(void)
{
    hs_mp c = { 0 }, a = { 0 };
    c.rate_mask = a.rate_mask = 0x3FFF;
    c.max_rate_c2a = 14; c.max_rate_a2c = 14;
    a.max_rate_c2a = 12; a.max_rate_a2c = 14;
    int r1, r2;
    /* symmetric: min of the four fields = 12 -> 28800 both ways at 3429 */
    hs_mp_final_rates(&c, &a, 5, 5, &r1, &r2);
    hs_check_int("symmetric c2a", r1, 28800);
    hs_check_int("symmetric a2c", r2, 28800);
    /* asymmetric: c2a limited by 12, a2c 14 */
    c.asymmetric = a.asymmetric = 1;
    hs_mp_final_rates(&c, &a, 5, 5, &r1, &r2);
    hs_check_int("asymmetric c2a", r1, 28800);
    hs_check_int("asymmetric a2c", r2, 33600);
    /* the rate must exist at the symbol rate (Table 8): 3000 Bd caps at 28800 */
    hs_mp_final_rates(&c, &a, 3, 3, &r1, &r2);
    hs_check_int("3000 Bd a2c capped", r2, 28800);
    /* mask: 26400 disabled in one modem -> next lower enabled rate */
    a.rate_mask = (uint16_t)(0x3FFF & ~(1u << 10));
    c.max_rate_a2c = 11; a.max_rate_a2c = 11;
    hs_mp_final_rates(&c, &a, 5, 5, &r1, &r2);
    hs_check_int("mask skips 26400", r2, 24000);
    return 0;
}

static int snr_table(void)
{
    /* digest §9 rule (b) / Shannon entries, to 0.1 dB */
    hs_check_near("4800 @ 2400 rule b", hs_v34_required_snr_db(4800, 2400), 10.0, 0.05, "dB");
    hs_check_near("33600 @ 3429 rule b", hs_v34_required_snr_db(33600, hs_v34_symbol_rate(5)), 33.5, 0.05, "dB");
    hs_check_near("14400 @ 3000 rule b", hs_v34_required_snr_db(14400, 3000), 18.4, 0.05, "dB");
    hs_check_near("33600 @ 3429 Shannon", hs_v34_shannon_snr_db(33600, hs_v34_symbol_rate(5)), 29.5, 0.05, "dB");
    hs_check_near("9600 @ 3200 Shannon", hs_v34_shannon_snr_db(9600, 3200), 8.5, 0.05, "dB");
    hs_check_int("rate at 40 dB, 3429, margin 2", hs_v34_rate_for_snr(40, 5, 2, 14), 33600);
    hs_check_int("rate at 40 dB, 3429, no 1664 points", hs_v34_rate_for_snr(40, 5, 2, 12), 28800);
    hs_check_int("rate at 24.9 dB, 3429, margin 2 (21600 needs 23.0+2)", hs_v34_rate_for_snr(24.9, 5, 2, 14), 19200);
    hs_check_int("rate at 5 dB, 2400", hs_v34_rate_for_snr(5, 0, 0, 14), 0);
    /* monotonic in SNR */
    int prev = 0, mono = 1;
    for (double s = 0; s <= 45; s += 0.5) {
        int rr = hs_v34_rate_for_snr(s, 5, 2, 14);
        mono &= rr >= prev;
        prev = rr;
    }
    hs_check_true("rate never falls as SNR rises", mono);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(vectors),
    HS_CASE(round_trips_and_crc),
    HS_CASE(rate_rule),
    HS_CASE(snr_table)
)
