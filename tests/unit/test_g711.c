/* G.711 mu-law / A-law and the float <-> int16 conversion. */
#include "g711.h"
#include "hs.h"
#include "hs_test.h"
#include "level.h"

static int ulaw_round_trip_all_codes(void)
{
    /* Every code decodes to its interval's mid value, which encodes back to the same code.
     * The one exception is mu-law's negative zero 0x7F: it decodes to 0, which is +0 (0xFF). */
    int bad = 0;
    for (int c = 0; c < 256; c++) {
        int16_t v = hs_ulaw_decode((uint8_t)c);
        uint8_t back = hs_ulaw_encode(v);
        if (back != (c == 0x7F ? 0xFF : c)) bad++;
    }
    hs_check_int("mu-law codes that do not round trip", bad, 0);
    hs_check_int("mu-law encode(0)", hs_ulaw_encode(0), 0xFF);
    hs_check_int("mu-law decode(0x7F) (-0)", hs_ulaw_decode(0x7F), 0);
    /* G.711 Table 2: the outermost mid value is 8031 in 14-bit units = 32124 in 16-bit. */
    hs_check_int("mu-law decode(0x80)", hs_ulaw_decode(0x80), 32124);
    hs_check_int("mu-law decode(0x00)", hs_ulaw_decode(0x00), -32124);
    hs_check_int("mu-law encode(32767)", hs_ulaw_encode(32767), 0x80);
    hs_check_int("mu-law encode(-32768)", hs_ulaw_encode(-32768), 0x00);
    return 0;
}

static int alaw_round_trip_all_codes(void)
{
    int bad = 0;
    for (int c = 0; c < 256; c++) {
        int16_t v = hs_alaw_decode((uint8_t)c);
        if (hs_alaw_encode(v) != c) bad++;
    }
    hs_check_int("A-law codes that do not round trip", bad, 0);
    /* G.711 Table 1: smallest outputs +-1 (12-bit) = +-8; largest 4032 = 32256 (16-bit).
     * Character signals: +0..1 -> 0xD5, -0..1 -> 0x55 (even bits inverted). */
    hs_check_int("A-law encode(0)", hs_alaw_encode(0), 0xD5);
    hs_check_int("A-law encode(-1)", hs_alaw_encode(-1), 0x55);
    hs_check_int("A-law decode(0xD5)", hs_alaw_decode(0xD5), 8);
    hs_check_int("A-law decode(0x55)", hs_alaw_decode(0x55), -8);
    hs_check_int("A-law decode(0xAA)", hs_alaw_decode(0xAA), 32256);
    hs_check_int("A-law decode(0x2A)", hs_alaw_decode(0x2A), -32256);
    return 0;
}

/* decode(encode(x)) never decreases as x grows, is odd-symmetric (apart from the -32768 end
 * and zero, which A-law codes as +8), and stays within half a step of x inside the coding range. */
static int check_monotone(const char *name, uint8_t (*enc)(int16_t), int16_t (*dec)(uint8_t),
                          int max_out)
{
    int prev = -40000, nonmono = 0, asym = 0, toofar = 0;
    for (int x = -32768; x <= 32767; x++) {
        int y = dec(enc((int16_t)x));
        if (y < prev) nonmono++;
        prev = y;
        if (x > -32768 && x != 0 && dec(enc((int16_t)-x)) != -y) asym++;
        /* step = 2 * distance from the mid value to the interval's end; find the step by
         * looking at the neighbouring codes' values. Simpler bound: |x - y| <= y / 32 + 8
         * (steps are at most 1/16 of the magnitude at the start of a segment, 16 at zero). */
        int ax = x < 0 ? -x : x;
        if (ax <= max_out && abs(x - y) > (abs(y) / 32) + 8 + 1) toofar++;
    }
    char what[96];
    snprintf(what, sizeof what, "%s: decreasing steps", name);
    hs_check_int(what, nonmono, 0);
    snprintf(what, sizeof what, "%s: asymmetric values", name);
    hs_check_int(what, asym, 0);
    snprintf(what, sizeof what, "%s: errors beyond half a step", name);
    hs_check_int(what, toofar, 0);
    return 0;
}

static int monotonic(void)
{
    check_monotone("mu-law", hs_ulaw_encode, hs_ulaw_decode, 32124);
    check_monotone("A-law", hs_alaw_encode, hs_alaw_decode, 32256);
    return 0;
}

/* SQNR of a sine at level_dbm0 through a codec. */
static double sqnr_db(uint8_t (*enc)(int16_t), int16_t (*dec)(uint8_t), double level_dbm0)
{
    const int n = 80000;                  /* 10 s */
    const double f = 1013.7;              /* 10137/80000 in lowest terms: no short period, so the
                                           * error samples every part of each step like noise */
    double a = hs_dbm0_to_peak(level_dbm0), ps = 0, pn = 0;
    for (int i = 0; i < n; i++) {
        float x = (float)(a * sin(2 * HS_PI * f * i / HS_RATE + 0.3));
        int16_t s;
        hs_float_to_s16(&x, &s, 1);
        int16_t y = dec(enc(s));
        double e = (double)y - (double)s;
        ps += (double)s * s;
        pn += e * e;
    }
    return 10 * log10(ps / pn);
}

/* Expected SQNR from the segment tables alone: x = A sin(phi) with phi uniform, each value
 * replaced by the mid value of its step (continuous x, no int16 rounding). The error is
 * integrated exactly rather than taken as step^2/12, because a sine lingers near its peak:
 * where the peak falls inside its step shifts the result by several tenths of a dB. */
static double sqnr_theory_db(int alaw, double level_dbm0)
{
    double a = hs_dbm0_to_peak(level_dbm0) * 32768.0, ps = 0, pn = 0;
    const int n = 400000;
    for (int i = 0; i < n; i++) {
        double x = fabs(a * sin(2 * HS_PI * (i + 0.5) / n)), q;
        if (alaw) {
            double step = x < 256 ? 16 : 8 * pow(2, floor(log2(x / 128)));
            q = floor(x / step) * step + step / 2;
        } else {
            double m = x + 132, step = 8 * pow(2, floor(log2(m / 128)));
            q = floor(m / step) * step + step / 2 - 132;
        }
        ps += x * x;
        pn += (x - q) * (x - q);
    }
    return 10 * log10(ps / pn);
}

static int sqnr_at_minus_13_dbm0(void)
{
    /* G.711 theory: in the logarithmic region the step is proportional to the amplitude, so
     * the SQNR does not depend on the level: for 256 levels (n = 8 bits)
     *   mu-law (mu = 255):  6.02 n + 4.77 - 20 log10(ln(1 + mu)) = 48.16 + 4.77 - 14.88 = 38.1 dB
     *   A-law  (A = 87.6):  6.02 n + 4.77 - 20 log10(1 + ln A)   = 48.16 + 4.77 - 14.76 = 38.2 dB
     * The segmented laws (15 / 13 segments) let the step/amplitude ratio swing from 1/16 to
     * 1/32 inside each segment instead of the continuous law's constant 1/23: at -13 dBm0 the
     * sine's peak (5110 of 32768) sits just above a segment start, where the ratio is worst,
     * so the table-exact integral (sqnr_theory_db) predicts about 37.0 (mu) / 36.4 (A) dB.
     * Allow 2 dB around 38 dB for the continuous-law figure, and 0.2 dB around the
     * table-exact value (10 s of a tone: 80000 error samples). */
    double u = sqnr_db(hs_ulaw_encode, hs_ulaw_decode, -13.0);
    double al = sqnr_db(hs_alaw_encode, hs_alaw_decode, -13.0);
    double ut = sqnr_theory_db(0, -13.0), at = sqnr_theory_db(1, -13.0);
    hs_check_near("mu-law SQNR at -13 dBm0", u, 38.0, 2.0, "dB");
    hs_check_near("A-law SQNR at -13 dBm0", al, 38.0, 2.0, "dB");
    hs_check_near("mu-law SQNR vs segment theory", u, ut, 0.2, "dB");
    hs_check_near("A-law SQNR vs segment theory", al, at, 0.2, "dB");
    return 0;
}

static int float_s16_conversion(void)
{
    const float in[] = { 0.0f, 0.5f, -0.5f, 1.0f, -1.0f, 1.5f, -2.0f, 1.0f / 65536.0f,
                         -1.0f / 65536.0f, 32767.0f / 32768.0f, 3.0f / 65536.0f };
    const int16_t want[] = { 0, 16384, -16384, 32767, -32768, 32767, -32768, 1, -1, 32767, 2 };
    int16_t out[11];
    size_t clips = hs_float_to_s16(in, out, 11);
    int bad = 0;
    for (int i = 0; i < 11; i++) bad += out[i] != want[i];
    hs_check_int("float->s16 values wrong", bad, 0);
    /* +1.0 (32768), 1.5 and -2.0 are beyond the int16 range; -1.0 is exactly -32768. */
    hs_check_int("float->s16 clips", (long long)clips, 3);
    float back[11];
    hs_s16_to_float(out, back, 11);
    hs_check_near("s16->float 16384", back[1], 0.5, 0, "");
    hs_check_near("s16->float -32768", back[4], -1.0, 0, "");
    /* Every int16 survives s16 -> float -> s16 exactly, without clips. */
    int rt_bad = 0;
    size_t rt_clips = 0;
    for (int x = -32768; x <= 32767; x++) {
        int16_t s = (int16_t)x, r;
        float f;
        hs_s16_to_float(&s, &f, 1);
        rt_clips += hs_float_to_s16(&f, &r, 1);
        rt_bad += r != s;
    }
    hs_check_int("int16 round trips that fail", rt_bad, 0);
    hs_check_int("int16 round trip clips", (long long)rt_clips, 0);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(ulaw_round_trip_all_codes),
    HS_CASE(alaw_round_trip_all_codes),
    HS_CASE(monotonic),
    HS_CASE(sqnr_at_minus_13_dbm0),
    HS_CASE(float_s16_conversion)
)
