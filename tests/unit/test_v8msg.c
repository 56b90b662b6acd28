/* V.8 message codec (dsp/v8msg.h): the test vectors of spec/v8.md §6 bit-exact, the
 * decoder cases of §11, JM building (§5.4), mode choice and the decoded event fields. */
#include "hs_test.h"
#include "v8msg.h"

static const char *VEC_A = "1111111111000000111101000001110101000101011001000100000100010010101001";
static const char *VEC_B1 = "1111111111000000111101000001110101000101000001000100000100010010101001";
static const char *VEC_C = "000000000100000000010000000001";
static const char *VEC_D = "111111111100000011110100000111010100110101100100010000010001001010100101011000010111001001";
static const char *VEC_E = "111111111100000000010100000111";

static const uint8_t CM_A[] = { 0xC1, 0x45, 0x13, 0x10, 0x2A };
static const uint8_t JM_B1[] = { 0xC1, 0x45, 0x10, 0x10, 0x2A };
static const uint8_t CM_D[] = { 0xC1, 0x65, 0x13, 0x10, 0x2A, 0x0D, 0x27 };

static void to_str(const uint8_t *bits, size_t n, char *s)
{
    for (size_t i = 0; i < n; i++) s[i] = (char)('0' + bits[i]);
    s[n] = 0;
}

static int check_encode(const char *what, hs_v8msg_kind k, const uint8_t *oct, size_t n, const char *want)
{
    uint8_t bits[400];
    char s[401];
    size_t nb = hs_v8msg_encode(k, oct, n, bits, sizeof bits);
    to_str(bits, nb, s);
    return hs_check_str(what, s, want);
}

static int encoder_vectors(void)
{
    check_encode("(a) CM C1 45 13 10 2A", HS_V8_CM, CM_A, 5, VEC_A);
    check_encode("(b1) JM C1 45 10 10 2A", HS_V8_JM, JM_B1, 5, VEC_B1);
    check_encode("(b2) JM = (a) bit for bit", HS_V8_JM, CM_A, 5, VEC_A);
    check_encode("(c) CJ", HS_V8_CJ, NULL, 0, VEC_C);
    check_encode("(d) CM with PCM", HS_V8_CM, CM_D, 7, VEC_D);
    static const uint8_t ci[] = { 0xC1 };
    check_encode("(e) CI data", HS_V8_CI, ci, 1, VEC_E);
    uint8_t bits[20];
    hs_check_int("encode refuses a too small buffer", (long long)hs_v8msg_encode(HS_V8_CM, CM_A, 5, bits, 20), 0);

    /* The default CM of the project, from HS_MOD_* bits. */
    uint8_t oct[16];
    size_t n = hs_v8msg_build_cm(HS_MOD_V34_DUPLEX | HS_MOD_V32BIS | HS_MOD_V22BIS, 1, oct, sizeof oct);
    hs_check_true("build_cm V.34+V.32bis+V.22bis+LAPM = C1 45 13 10 2A", n == 5 && memcmp(oct, CM_A, 5) == 0);

    /* §3.1: no HDLC flag 01111110 anywhere in three back-to-back copies of each vector. */
    const char *vecs[] = { VEC_A, VEC_B1, VEC_D, VEC_E };
    for (int i = 0; i < 4; i++) {
        char three[400];
        snprintf(three, sizeof three, "%s%s%s", vecs[i], vecs[i], vecs[i]);
        hs_check_true("no 01111110 in 3 copies", strstr(three, "01111110") == NULL);
    }
    return 0;
}

/* Feeds a '0'/'1' string to the receiver, bit i dated i*80/3 samples after base; returns
 * the OR of the flags and records the bit index of the first CM and CJ recognition. */
typedef struct { long cm_at, cj_at, ci_at, cm_count; } feed_result;

static unsigned feed(hs_v8rx *r, const char *s, uint64_t *bitno, feed_result *fr)
{
    unsigned all = 0;
    for (const char *p = s; *p; p++, (*bitno)++) {
        unsigned f = hs_v8rx_bit(r, *p == '1', *bitno * 80 / 3);
        if ((f & HS_V8RX_CM)) { fr->cm_count++; if (fr->cm_at < 0) fr->cm_at = (long)*bitno; }
        if ((f & HS_V8RX_CJ) && fr->cj_at < 0) fr->cj_at = (long)*bitno;
        if ((f & HS_V8RX_CI) && fr->ci_at < 0) fr->ci_at = (long)*bitno;
        all |= f;
    }
    return all;
}

static int decoder_clean(void)
{
    hs_v8rx *r;
    hs_check_int("create", hs_v8rx_create(&r), HS_OK);
    feed_result fr = { -1, -1, -1, 0 };
    uint64_t b = 0;
    feed(r, "1111111111", &b, &fr);   /* idle marks first */
    feed(r, VEC_A, &b, &fr);
    feed(r, VEC_A, &b, &fr);
    feed(r, VEC_A, &b, &fr);
    feed(r, VEC_C, &b, &fr);
    /* Two identical sequences are complete when the third header ends: bit 10 + 2*70 + 19. */
    hs_check_int("CM accepted at bit", fr.cm_at, 10 + 140 + 19);
    /* CJ: the stop bit of its third zero octet, bit 10 + 3*70 + 29. */
    hs_check_int("CJ recognised at bit", fr.cj_at, 10 + 210 + 29);
    hs_check_int("CM recognised once", fr.cm_count, 1);
    uint8_t oct[HS_V8_MAX_OCTETS];
    uint64_t start;
    size_t n = hs_v8rx_get(r, HS_V8RX_CM, oct, sizeof oct, &start);
    hs_check_true("CM octets C1 45 13 10 2A", n == 5 && memcmp(oct, CM_A, 5) == 0);
    hs_check_int("CM start sample (first preamble bit)", (long long)start, 10 * 80 / 3);
    n = hs_v8rx_get(r, HS_V8RX_CJ, oct, sizeof oct, &start);
    hs_check_int("CJ start sample (first zero octet)", (long long)start, (10 + 210) * 80 / 3);
    hs_check_int("CJ octets", (long long)n, 3);
    hs_v8rx_destroy(r);
    return 0;
}

static int decoder_partial_start(void)
{
    hs_v8rx *r;
    hs_v8rx_create(&r);
    feed_result fr = { -1, -1, -1, 0 };
    uint64_t b = 0;
    feed(r, VEC_A + 33, &b, &fr);   /* starts mid-sequence */
    long first = (long)b;
    feed(r, VEC_A, &b, &fr);
    feed(r, VEC_A, &b, &fr);
    feed(r, VEC_A, &b, &fr);
    /* The partial sequence is ignored; the first two complete ones are closed by the
     * fourth header. */
    hs_check_int("accepted after 2 complete sequences", fr.cm_at, first + 140 + 19);
    hs_v8rx_destroy(r);
    return 0;
}

static int decoder_change(void)
{
    uint8_t bits[400];
    char a[200], bb[200];
    to_str(bits, hs_v8msg_encode(HS_V8_CM, CM_A, 5, bits, sizeof bits), a);
    to_str(bits, hs_v8msg_encode(HS_V8_CM, JM_B1, 5, bits, sizeof bits), bb);
    /* A, B, B (+ header) -> B. */
    hs_v8rx *r;
    hs_v8rx_create(&r);
    feed_result fr = { -1, -1, -1, 0 };
    uint64_t n = 0;
    feed(r, a, &n, &fr); feed(r, bb, &n, &fr); feed(r, bb, &n, &fr); feed(r, "11111111110000001111", &n, &fr);
    uint8_t oct[HS_V8_MAX_OCTETS];
    size_t k = hs_v8rx_get(r, HS_V8RX_CM, oct, sizeof oct, NULL);
    hs_check_int("A,B,B: one acceptance", fr.cm_count, 1);
    hs_check_true("A,B,B accepted as B", k == 5 && memcmp(oct, JM_B1, 5) == 0);
    /* A, B, A, B, A, B (+ header) -> never. */
    hs_v8rx_reset(r);
    fr = (feed_result){ -1, -1, -1, 0 };
    n = 0;
    for (int i = 0; i < 3; i++) { feed(r, a, &n, &fr); feed(r, bb, &n, &fr); }
    feed(r, "11111111110000001111", &n, &fr);
    hs_check_int("A,B,A,B,...: never accepted", fr.cm_count, 0);
    /* A framing error breaks a run: A, A(stop bit of octet 2 flipped), A, header -> not yet. */
    hs_v8rx_reset(r);
    fr = (feed_result){ -1, -1, -1, 0 };
    n = 0;
    char bad[200];
    strcpy(bad, a);
    bad[20 + 10 + 9] = '0';
    feed(r, a, &n, &fr); feed(r, bad, &n, &fr); feed(r, a, &n, &fr); feed(r, "11111111110000001111", &n, &fr);
    hs_check_int("A, A with framing error, A: not accepted", fr.cm_count, 0);
    feed(r, a + 20, &n, &fr); feed(r, "11111111110000001111", &n, &fr);
    hs_check_int("... then one more A: accepted", fr.cm_count, 1);
    hs_v8rx_destroy(r);
    return 0;
}

static int decoder_cj_after_bare_preamble(void)
{
    /* §3.3 caution: CM stopped right after a preamble, then CJ: the line carries a CI header
     * followed by only two zero characters; the CI sync counts as the first zero octet. */
    hs_v8rx *r;
    hs_v8rx_create(&r);
    feed_result fr = { -1, -1, -1, 0 };
    uint64_t n = 0;
    feed(r, VEC_A, &n, &fr); feed(r, VEC_A, &n, &fr); feed(r, VEC_A, &n, &fr);
    feed(r, "1111111111", &n, &fr);
    feed(r, VEC_C, &n, &fr);
    hs_check_int("CJ recognised at the end of the stream", fr.cj_at, (long)n - 1);
    /* A CI on its own (no CM before) never makes a CJ: CI, CI, CI. */
    hs_v8rx_reset(r);
    fr = (feed_result){ -1, -1, -1, 0 };
    n = 0;
    for (int i = 0; i < 4; i++) feed(r, VEC_E, &n, &fr);
    hs_check_int("CI x4: no CJ", fr.cj_at, -1);
    hs_check_int("CI recognised when the 2nd header closes the 1st", fr.ci_at, 30 + 19);
    uint8_t oct[4];
    hs_check_true("CI octet C1", hs_v8rx_get(r, HS_V8RX_CI, oct, 4, NULL) == 1 && oct[0] == 0xC1);
    hs_v8rx_destroy(r);
    return 0;
}

static int decoder_tolerates_v92_frames(void)
{
    /* spec §5.3 note / §10: a V.92 caller may send frames with the V.92 sync 0101010101
     * before CM; a V.34 answerer ignores them and accepts the CM that follows. */
    static const uint8_t qc[] = { 0x55, 0x13 };
    uint8_t bits[100];
    char q[101];
    to_str(bits, hs_v8msg_encode(HS_V8_V92, qc, 2, bits, sizeof bits), q);
    hs_check_true("V.92 sequence starts with the 0xFFD55 header", !strncmp(q, "11111111110101010101", 20));
    hs_v8rx *r;
    hs_v8rx_create(&r);
    feed_result fr = { -1, -1, -1, 0 };
    uint64_t n = 0;
    unsigned f = feed(r, q, &n, &fr);
    f |= feed(r, VEC_A, &n, &fr);
    long second_cm = (long)n;   /* the 1st CM began right after the V.92 frame */
    f |= feed(r, VEC_A, &n, &fr);
    f |= feed(r, VEC_A, &n, &fr);
    hs_check_true("V.92 frame recognised", (f & HS_V8RX_V92) != 0);
    hs_check_int("CM accepted after two CMs + header", fr.cm_at, second_cm + 70 + 19);
    hs_v8rx_destroy(r);
    return 0;
}

static int parse_unknown_content(void)
{
    /* CM (a) with an unknown category (tag 0011 = 0x0C) followed by two extension octets,
     * reserved bits set in modn2 (b6 of an extension is an option, b3/b5 make it invalid),
     * a fourth modulation extension octet (reserved), and an invalid octet 0x18. */
    static const uint8_t m[] = { 0xC1, 0x45, 0x13, 0x10, 0x10, 0x0C, 0x13, 0x92, 0x2A, 0x18 };
    hs_v8_fields f;
    hs_check_int("parse ok", hs_v8msg_parse(m, sizeof m, &f), 0);
    hs_check_int("modes = V.34 duplex, V.32bis, V.22bis", f.modes,
                 HS_MOD_V34_DUPLEX | HS_MOD_V32BIS | HS_MOD_V22BIS);
    hs_check_int("modulation octets counted (max 3)", f.n_mod_octets, 3);
    hs_check_true("LAPM found after the unknown category", f.has_prot && f.prot0 == 0x2A);
    hs_check_true("unknown / invalid octets counted", f.unknown >= 2);
    static const uint8_t notcm[] = { 0x45, 0x13 };
    hs_check_int("first octet not a call function: invalid", hs_v8msg_parse(notcm, 2, &f), -1);
    /* Categories in any order after callf0. */
    static const uint8_t m2[] = { 0xC1, 0x2A, 0x0D, 0x45, 0x13, 0x94 };
    hs_v8msg_parse(m2, sizeof m2, &f);
    hs_check_int("any order: modes incl. V.23 duplex and V.21", f.modes,
                 HS_MOD_V34_DUPLEX | HS_MOD_V32BIS | HS_MOD_V22BIS | HS_MOD_V23_DUPLEX | HS_MOD_V21);
    hs_check_true("any order: access0 and prot0", f.has_access && f.has_prot);
    return 0;
}

static int build_jm_and_choose(void)
{
    hs_v8_fields cm;
    uint8_t jm[16];
    size_t n;
    hs_v8msg_parse(CM_A, 5, &cm);
    n = hs_v8msg_build_jm(&cm, HS_MOD_V34_DUPLEX, 1, jm, sizeof jm);
    hs_check_true("(a) vs V.34-only answerer -> JM (b1) C1 45 10 10 2A", n == 5 && memcmp(jm, JM_B1, 5) == 0);
    n = hs_v8msg_build_jm(&cm, HS_MOD_V34_DUPLEX | HS_MOD_V32BIS | HS_MOD_V22BIS, 1, jm, sizeof jm);
    hs_check_true("(a) vs V.34/V.32bis/V.22bis -> JM (b2) C1 45 13 10 2A", n == 5 && memcmp(jm, CM_A, 5) == 0);
    hs_v8msg_parse(CM_D, 7, &cm);
    n = hs_v8msg_build_jm(&cm, HS_MOD_V34_DUPLEX | HS_MOD_V32BIS | HS_MOD_V22BIS, 1, jm, sizeof jm);
    hs_check_true("(d) vs V.34/V.32bis/V.22bis -> C1 45 13 10 2A (b5 cleared, no pcm0)", n == 5 && memcmp(jm, CM_A, 5) == 0);
    hs_v8msg_parse(CM_A, 5, &cm);
    n = hs_v8msg_build_jm(&cm, HS_MOD_V21, 0, jm, sizeof jm);
    static const uint8_t none[] = { 0xC1, 0x05, 0x10, 0x10 };
    hs_check_true("nothing common, no LAPM -> C1 05 10 10", n == 4 && memcmp(jm, none, 4) == 0);
    static const uint8_t fax[] = { 0x81, 0x05, 0x10, 0x10 };
    hs_v8msg_parse(fax, 4, &cm);
    n = hs_v8msg_build_jm(&cm, HS_MOD_V34_DUPLEX, 1, jm, sizeof jm);
    hs_check_true("fax call function -> data, modulation bits zero", n == 4 && memcmp(jm, none, 4) == 0);
    static const uint8_t cell[] = { 0xC1, 0x45, 0x2D };
    hs_v8msg_parse(cell, 3, &cm);
    n = hs_v8msg_build_jm(&cm, HS_MOD_V34_DUPLEX, 1, jm, sizeof jm);
    static const uint8_t cellj[] = { 0xC1, 0x45, 0x2D };
    hs_check_true("CM access0 b5 (cellular) is copied into JM", n == 3 && memcmp(jm, cellj, 3) == 0);

    hs_check_int("choose from (a)", hs_v8_choose_mode(HS_MOD_V34_DUPLEX | HS_MOD_V32BIS | HS_MOD_V22BIS), HS_MOD_V34_DUPLEX);
    hs_check_int("choose V.22bis over V.21", hs_v8_choose_mode(HS_MOD_V22BIS | HS_MOD_V21 | HS_MOD_PCM_PRESENT), HS_MOD_V22BIS);
    hs_check_int("PCM flag alone is no mode", hs_v8_choose_mode(HS_MOD_PCM_PRESENT), 0);
    hs_check_str("name V.34 duplex", hs_v8_mode_name(HS_MOD_V34_DUPLEX), "V.34 duplex");
    hs_check_str("name V.32 bis", hs_v8_mode_name(HS_MOD_V32BIS), "V.32 bis/V.32");
    hs_check_true("name of two bits is NULL", hs_v8_mode_name(HS_MOD_V32BIS | HS_MOD_V21) == NULL);
    return 0;
}

static int describe_fields(void)
{
    hs_event e;
    hs_event_init(&e, HS_EV_V8_CM, HS_SRC_ANSWERER, 0);
    hs_v8msg_describe(CM_D, 7, &e);
    const hs_field *f = hs_event_field(&e, "call_function");
    hs_check_str("call_function", f ? f->v.s : NULL, "data (V-series modems)");
    hs_check_true("call_function is a decoded field", f && (f->flags & HS_FF_DECODED));
    const char *want[] = { "V.34 duplex", "V.32 bis/V.32", "V.22 bis/V.22" };
    int k = 0;
    for (unsigned i = 0; i < e.nfields; i++)
        if (!strcmp(e.f[i].key, "modulation")) {
            hs_check_str("modulation entry", e.f[i].v.s, k < 3 ? want[k] : "(extra)");
            k++;
        }
    hs_check_int("modulation entries", k, 3);
    f = hs_event_field(&e, "protocol");
    hs_check_str("protocol", f ? f->v.s : NULL, "LAPM (V.42)");
    f = hs_event_field(&e, "pstn_access");
    hs_check_str("pstn_access", f ? f->v.s : NULL, "analogue, not cellular");
    f = hs_event_field(&e, "pcm");
    hs_check_str("pcm", f ? f->v.s : NULL, "V.90/V.92 analogue");
    hs_check_true("octets payload", e.payload_kind == HS_PAYLOAD_OCTETS && e.npayload == 7 && e.payload[6] == 0x27);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(encoder_vectors),
    HS_CASE(decoder_clean),
    HS_CASE(decoder_partial_start),
    HS_CASE(decoder_change),
    HS_CASE(decoder_cj_after_bare_preamble),
    HS_CASE(decoder_tolerates_v92_frames),
    HS_CASE(parse_unknown_content),
    HS_CASE(build_jm_and_choose),
    HS_CASE(describe_fields)
)
