/* Answer and calling tones against spandsp 0.0.6 (modem_connect_tones_tx/rx).
 * Levels cross the int16 edge through tests/common/tones_s16.h (float 1.0 = 32767 = a
 * +3.14 dBm0 sine, the convention both sides use). */
#include "hs_test.h"
#include "tones_s16.h"
#include "ansam.h"
#include "tonedet.h"
#include "tone.h"
#include "level.h"
#include "rng.h"

#if HS_HAVE_SPANDSP
#include <spandsp.h>

#define RATE HS_RATE

typedef struct { int code[16]; long at[16]; int n; long now; } reports;

static void on_tone(void *user, int code, int level, int delay)
{
    (void)level;
    (void)delay;
    reports *r = user;
    if (r->n < 16) { r->code[r->n] = code; r->at[r->n] = r->now; r->n++; }
}

/* Feeds x (float) to a spandsp detector for tone_type in 160-sample blocks; records reports. */
static void sp_detect(int tone_type, const float *x, size_t n, reports *r)
{
    memset(r, 0, sizeof *r);
    modem_connect_tones_rx_state_t *rx = modem_connect_tones_rx_init(NULL, tone_type, on_tone, r);
    int16_t s[160];
    for (size_t i = 0; i < n; i += 160) {
        size_t m = n - i < 160 ? n - i : 160;
        hs_f2s16(x + i, s, m);
        r->now = (long)(i + m);
        modem_connect_tones_rx(rx, s, (int)m);
    }
    modem_connect_tones_rx_free(rx);
}

/* spandsp generator output as float */
static float *sp_generate(int tone_type, size_t lead, size_t n)
{
    float *x = calloc(n, sizeof *x);
    int16_t *s = calloc(n, sizeof *s);
    modem_connect_tones_tx_state_t *tx = modem_connect_tones_tx_init(NULL, tone_type);
    size_t got = 0;
    while (lead + got < n) {
        int k = modem_connect_tones_tx(tx, s + lead + got, (int)(n - lead - got > 160 ? 160 : n - lead - got));
        if (k <= 0) break;
        got += (size_t)k;
    }
    modem_connect_tones_tx_free(tx);
    hs_s162f(s, x, n);
    free(s);
    return x;
}

static float *our_tone(int am, int rev, float f, float level, size_t lead, size_t n)
{
    hs_ansam_config c = hs_ansam_config_ansam_pr();
    c.am = am;
    c.reversals = rev;
    c.freq_hz = f;
    c.level_dbm0 = level;
    float *x = calloc(n, sizeof *x);
    hs_ansam_tx *t;
    hs_ansam_tx_create(&c, &t);
    hs_ansam_tx_process(t, x + lead, n - lead);
    hs_ansam_tx_destroy(t);
    return x;
}

static const char *sp_name(int code) { return modem_connect_tone_to_str(code); }

/* spandsp's detector, set for the ANS family, names each of our four answer tones correctly.
 * spandsp reports an ANSam/ANS_PR only after 3 reversal cycles (~1.35 s) or 0.55 s of
 * unbroken tone without reversals (spec §7.2 notes), so 4 s of tone is plenty. */
static int spandsp_names_our_tones(void)
{
    struct { const char *name; int am, rev; float level; int rx_type, want; } k[] = {
        { "our ANSam/ -13 dBm0", 1, 1, -13.0f, MODEM_CONNECT_TONES_ANSAM_PR, MODEM_CONNECT_TONES_ANSAM_PR },
        { "our ANSam/ -30 dBm0", 1, 1, -30.0f, MODEM_CONNECT_TONES_ANSAM_PR, MODEM_CONNECT_TONES_ANSAM_PR },
        { "our ANSam  -13 dBm0", 1, 0, -13.0f, MODEM_CONNECT_TONES_ANSAM, MODEM_CONNECT_TONES_ANSAM },
        { "our ANS/   -13 dBm0", 0, 1, -13.0f, MODEM_CONNECT_TONES_ANS_PR, MODEM_CONNECT_TONES_ANS_PR },
        { "our ANS    -13 dBm0", 0, 0, -13.0f, MODEM_CONNECT_TONES_ANS, MODEM_CONNECT_TONES_ANS },
    };
    const size_t lead = 1600, n = lead + 4 * RATE;
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        float *x = our_tone(k[i].am, k[i].rev, 2100.0f, k[i].level, lead, n);
        reports r;
        sp_detect(k[i].rx_type, x, n, &r);
        int first = -1;
        long at = 0;
        for (int j = 0; j < r.n; j++) if (r.code[j] != MODEM_CONNECT_TONES_NONE) { first = r.code[j]; at = r.at[j]; break; }
        printf("  %s: spandsp reports %s after %.3f s\n", k[i].name, first >= 0 ? sp_name(first) : "nothing",
               first >= 0 ? (double)(at - (long)lead) / RATE : 0.0);
        char what[96];
        snprintf(what, sizeof what, "%s: spandsp says %s", k[i].name, sp_name(k[i].want));
        hs_check_int(what, first, k[i].want);
        free(x);
    }
    return 0;
}

/* Our detector on spandsp's generated tones: ANSam/ -> ANSAM with reversals every
 * 450 +- 25 ms (V.8 §7.2; we ask 450 +- 5 of a software generator), ANS -> ANS.
 * Measured values printed; levels compared with spandsp's documented defaults
 * (spec §1.5: ANSam -11, ANSam/ -12 dBm0) within 1 dB. */
static int ours_names_spandsp_tones(void)
{
    struct { const char *name; int tx_type; hs_ansdet_state want; int rev; double level; } k[] = {
        { "spandsp ANSam/", MODEM_CONNECT_TONES_ANSAM_PR, HS_ANSDET_ANSAM, 1, -12.0 },
        { "spandsp ANSam ", MODEM_CONNECT_TONES_ANSAM, HS_ANSDET_ANSAM, 0, -11.0 },
        { "spandsp ANS/  ", MODEM_CONNECT_TONES_ANS_PR, HS_ANSDET_ANS, 1, 99.0 },
        { "spandsp ANS   ", MODEM_CONNECT_TONES_ANS, HS_ANSDET_ANS, 0, 99.0 },
    };
    const size_t n = 1600 + 3 * RATE;
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        size_t lead = 1600;
        float *x = sp_generate(k[i].tx_type, lead, n);
        size_t on = lead;   /* spandsp starts its answer tones with 200 ms of silence */
        while (on < n && x[on] == 0.0f) on++;
        lead = on;
        hs_ansdet *d;
        hs_ansdet_create(&d);
        hs_ansdet_process(d, x, n);
        hs_ansdet_result r;
        hs_ansdet_get(d, &r);
        hs_ansdet_destroy(d);
        printf("  %s: state %d after %.3f s, freq %.2f Hz, level %.2f dBm0, AM %.3f Hz depth %.3f, "
               "%d reversals, period %.2f ms\n", k[i].name, r.state,
               r.decided_at ? (double)(r.decided_at - lead) / RATE : 0.0, r.freq_hz, r.level_dbm0,
               r.am_hz, r.am_depth, r.reversals, r.reversal_ms);
        char what[96];
        snprintf(what, sizeof what, "%s: our state", k[i].name);
        hs_check_int(what, r.state, k[i].want);
        snprintf(what, sizeof what, "%s: detection time", k[i].name);
        hs_check_below(what, (double)(r.decided_at - lead) / RATE, 1.0, "s");
        snprintf(what, sizeof what, "%s: carrier", k[i].name);
        hs_check_near(what, r.freq_hz, 2100.0, 1.0, "Hz");
        if (k[i].want == HS_ANSDET_ANSAM) {
            snprintf(what, sizeof what, "%s: AM depth", k[i].name);
            hs_check_near(what, r.am_depth, 0.20, 0.02, "");
            snprintf(what, sizeof what, "%s: AM rate", k[i].name);
            hs_check_near(what, r.am_hz, 15.0, 0.1, "Hz");
        }
        if (k[i].rev) {
            /* 3 s of tone: reversals at 0.45 .. 2.7 s -> 6 */
            snprintf(what, sizeof what, "%s: reversals", k[i].name);
            hs_check_above(what, r.reversals, 5, "");
            snprintf(what, sizeof what, "%s: reversal period", k[i].name);
            hs_check_near(what, r.reversal_ms, 450.0, 5.0, "ms");
        } else {
            snprintf(what, sizeof what, "%s: no reversals", k[i].name);
            hs_check_int(what, r.reversals, 0);
        }
        if (k[i].level < 50.0) {
            snprintf(what, sizeof what, "%s: level", k[i].name);
            hs_check_near(what, r.level_dbm0, k[i].level, 1.0, "dBm0");
        }
        free(x);
    }
    return 0;
}

/* Calling tones: our tonedet on spandsp's CNG and CT; spandsp's CNG detector on our 1100 Hz
 * bursts (0.5 s on / 3 s off at -13 dBm0). */
static int calling_tones(void)
{
    const size_t n = 8 * RATE;
    struct { const char *name; int tx_type; hs_tonedet_config c; double f; } k[] = {
        { "spandsp CNG", MODEM_CONNECT_TONES_FAX_CNG, hs_tonedet_config_cng(), 1100.0 },
        { "spandsp CT ", MODEM_CONNECT_TONES_CALLING_TONE, hs_tonedet_config_ct(), 1300.0 },
    };
    for (size_t i = 0; i < 2; i++) {
        float *x = sp_generate(k[i].tx_type, 800, n);
        hs_tonedet *d;
        hs_tonedet_create(&k[i].c, &d);
        hs_tonedet_process(d, x, n);
        hs_tonedet_result r;
        hs_tonedet_get(d, &r);
        hs_tonedet_destroy(d);
        printf("  %s: %d bursts, freq %.2f Hz, level %.2f dBm0, on %.0f ms, off %.0f ms, cadence_ok %d\n",
               k[i].name, r.bursts, r.freq_hz, r.level_dbm0, r.last_on_ms, r.last_off_ms, r.cadence_ok);
        char what[64];
        snprintf(what, sizeof what, "%s: bursts found", k[i].name);
        hs_check_above(what, r.bursts, 2, "");
        snprintf(what, sizeof what, "%s: frequency", k[i].name);
        hs_check_near(what, r.freq_hz, k[i].f, 2.0, "Hz");
        free(x);
    }
    float *x = calloc(n, sizeof *x);
    hs_tone_config tc = hs_tone_config_make(1100.0f, -13.0f);
    hs_tone *t;
    hs_tone_create(&tc, &t);
    for (size_t s = 800; s < n; s += 28000) hs_tone_process(t, x + s, s + 4000 <= n ? 4000 : n - s);
    hs_tone_destroy(t);
    reports r;
    sp_detect(MODEM_CONNECT_TONES_FAX_CNG, x, n, &r);
    int cng = 0;
    for (int j = 0; j < r.n; j++) if (r.code[j] == MODEM_CONNECT_TONES_FAX_CNG) cng++;
    printf("  our CNG bursts: spandsp reported CNG %d times\n", cng);
    hs_check_above("spandsp detects our CNG", cng, 1, "reports");
    free(x);
    return 0;
}

/* Both detectors on our ANSam/ in white noise (dsp/line.h SNR definition at -13 dBm0),
 * SNR 30 down to 0 dB in 3 dB steps. Ours must classify ANSam at every SNR >= 3 dB (the
 * target of spec §7.2); spandsp's must name it ANSam/ at >= 20 dB (it needs the notch to
 * leave well under 1/6 of the input, spec §7.1, so it gives up earlier: reported). */
static int noisy_cross_check(void)
{
    const size_t lead = 1600, n = lead + 4 * RATE;
    for (int snr = 30; snr >= 0; snr -= 3) {
        float *x = our_tone(1, 1, 2100.0f, -13.0f, lead, n);
        hs_rng g;
        hs_rng_seed(&g, 3 + (uint64_t)snr);
        double sigma = sqrt(hs_dbm0_to_power(-13.0) / pow(10.0, snr / 10.0) * 4000.0 / 3100.0);
        for (size_t i = 0; i < n; i++) x[i] += (float)(sigma * hs_rng_gauss(&g));
        reports r;
        sp_detect(MODEM_CONNECT_TONES_ANSAM_PR, x, n, &r);
        int first = r.n ? r.code[0] : -1;
        hs_ansdet *d;
        hs_ansdet_create(&d);
        hs_ansdet_process(d, x, n);
        hs_ansdet_result o;
        hs_ansdet_get(d, &o);
        hs_ansdet_destroy(d);
        printf("  our ANSam/ at %2d dB SNR: spandsp reports %-10s ours: state %d depth %.3f reversals %d\n", snr,
               first >= 0 ? sp_name(first) : "nothing", o.state, o.am_depth, o.reversals);
        char what[64];
        if (snr >= 20) {
            snprintf(what, sizeof what, "spandsp at %d dB: ANSam/", snr);
            hs_check_int(what, first, MODEM_CONNECT_TONES_ANSAM_PR);
        }
        if (snr >= 3) {
            snprintf(what, sizeof what, "ours at %d dB: ANSAM", snr);
            hs_check_int(what, o.state, HS_ANSDET_ANSAM);
            snprintf(what, sizeof what, "ours at %d dB: reversals (0.45 .. 3.6 s)", snr);
            hs_check_int(what, o.reversals, 8);
        }
        free(x);
    }
    return 0;
}

#else
static int spandsp_names_our_tones(void) { return HS_SKIP; }
static int ours_names_spandsp_tones(void) { return HS_SKIP; }
static int calling_tones(void) { return HS_SKIP; }
static int noisy_cross_check(void) { return HS_SKIP; }
#endif

HS_TEST_MAIN(
    HS_CASE(spandsp_names_our_tones),
    HS_CASE(ours_names_spandsp_tones),
    HS_CASE(calling_tones),
    HS_CASE(noisy_cross_check)
)
