/* V.34 scramblers: digest §5.1 / §5.6 vectors, self-synchronisation, round trip. */
#include "scrambler.h"
#include "hs_test.h"
#include "rng.h"

static int bits_of(hs_scr_poly p, int n, char *out)
{
    hs_scrambler s;
    hs_scrambler_init(&s, p);
    for (int i = 0; i < n; i++) out[i] = (char)('0' + hs_scramble_bit(&s, 1));
    out[n] = 0;
    return 0;
}

static int trn_vectors(void)
{
    /* digest §5.6: scrambler output for binary ones from a zero register */
    char b[64];
    bits_of(HS_SCR_GPC, 56, b);
    hs_check_str("GPC ones", b, "11111111111111111100000111111111111100000000001111111100");
    bits_of(HS_SCR_GPA, 56, b);
    hs_check_str("GPA ones", b, "11111000001111100000111001111100011000001110010000100110");
    return 0;
}

static int round_trip_and_resync(void)
{
    /* A descrambler with a random start state must be right after 23 bits (§5.1, [derived]):
     * count errors after bit 23 over 100000 random bits: want exactly 0. */
    for (int p = 0; p < 2; p++) {
        hs_rng r;
        hs_rng_seed(&r, 11u + (uint64_t)p);
        hs_scrambler tx, rx;
        hs_scrambler_init(&tx, (hs_scr_poly)p);
        hs_scrambler_init(&rx, (hs_scr_poly)p);
        rx.reg = 0x5A5A5Au & 0x7FFFFFu;
        long errs_late = 0, errs_early = 0;
        for (int i = 0; i < 100000; i++) {
            int d = (int)(hs_rng_u64(&r) & 1u);
            int out = hs_descramble_bit(&rx, hs_scramble_bit(&tx, d));
            if (out != d) { if (i >= 23) errs_late++; else errs_early++; }
        }
        hs_check_int(p ? "GPA errors after 23 bits" : "GPC errors after 23 bits", errs_late, 0);
        hs_check_true("wrong start state gives early errors", errs_early > 0);
    }
    return 0;
}

static int polys_differ(void)
{
    /* A GPA descrambler on a GPC stream must not work: error rate ~ 1/2 (> 0.3). */
    hs_scrambler tx, rx;
    hs_scrambler_init(&tx, HS_SCR_GPC);
    hs_scrambler_init(&rx, HS_SCR_GPA);
    hs_rng r;
    hs_rng_seed(&r, 3);
    int errs = 0;
    for (int i = 0; i < 10000; i++) {
        int d = (int)(hs_rng_u64(&r) & 1u);
        errs += hs_descramble_bit(&rx, hs_scramble_bit(&tx, d)) != d;
    }
    hs_check_above("cross-polynomial error rate", errs / 10000.0, 0.3, "");
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(trn_vectors),
    HS_CASE(round_trip_and_resync),
    HS_CASE(polys_differ)
)
