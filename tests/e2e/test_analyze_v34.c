/* `handshake analyze` on V.34 phase 2: a V.8 + phase 2 exchange made by the real sim
 * (dsp/sim.h, stop_after HS_STOP_AFTER_PHASE2) is written to WAV files (src/wavio.h) as a
 * stereo tap (each modem on its own channel, the other one leaking in 20 dB down) and as a
 * mono mix, clean and with noise at 20 dB SNR. `analyze --events json` must decode INFO0a,
 * INFO0c, INFO1c and INFO1a with a good CRC and the sim's own bits, and find tones A/B,
 * the reversals and L1/L2 at the sim's times; in stereo each signal once, on the channel of
 * the modem that sent it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs.h"
#include "hs_test.h"
#include "level.h"
#include "rng.h"
#include "v34mon_rec.h"
#include "wavio.h"

/* Edges of tones and L1/L2 within 20 ms of the sim's transmit events: 5 ms for the
 * analyser's 10 ms window, 7 ms for the transmit pulse tail, 6.7 ms for the sim's tone
 * event coming up to 4 symbols after the frame before it ended (tests/unit/test_v34mon.c);
 * the WAV's 16-bit rounding (-98 dBm0 noise) changes nothing. */
#define TOL_MS 20.0
#define CROSSTALK 0.1f      /* -20 dB */
#define MAXOBS 256

static char out[1 << 18];
static v34mon_obs obs[MAXOBS];

static void add_noise(float *x, size_t n, double snr_db, uint32_t seed)
{
    hs_rng g;
    hs_rng_seed(&g, seed);
    /* noise in the 3100 Hz band snr_db below P0 = -13 dBm0, as the line simulator counts */
    double sd = sqrt(hs_dbm0_to_power(-13.0 - snr_db) * 4000.0 / 3100.0);
    for (size_t i = 0; i < n; i++) x[i] += (float)(sd * hs_rng_gauss(&g));
}

static int write_wav(const char *path, int channels, float *const *ch, size_t n)
{
    char err[HS_ERRLEN];
    hs_wav_out *w;
    if (hs_wav_out_open(path, channels, &w, err, sizeof err) < 0) { printf("%s\n", err); return -1; }
    if (hs_wav_out_write(w, (const float *const *)ch, n, err, sizeof err) < 0) { hs_wav_out_abort(w); return -1; }
    return hs_wav_out_close(w, err, sizeof err);
}

/* Runs analyze, parses the V.34 events; returns their number (-1 on a bad exit). */
static int analyze_json(const char *path, size_t *nobs)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' analyze '%s' --events json 2>/dev/null", hs_test_bin(), path);
    int rc = hs_test_run(cmd, out, sizeof out);
    *nobs = 0;
    for (char *line = out; line && *line;) {
        char *eol = strchr(line, '\n');
        if (eol) *eol = 0;
        if (*nobs < MAXOBS && v34mon_obs_from_json(line, &obs[*nobs])) {
            printf("  %s\n", line);
            (*nobs)++;
        }
        line = eol ? eol + 1 : NULL;
    }
    return rc;
}

static int run_case(int stereo, double snr_db)
{
    v34mon_rec r;
    if (!hs_check_true("sim recording made", v34mon_rec_make(&r, snr_db < 100.0 ? snr_db : 0.0) == 0)) return 0;
    hs_check_true("sim: both modems completed phase 2", r.ok);
    float *a = malloc(r.n * sizeof *a), *b = malloc(r.n * sizeof *b);
    for (size_t i = 0; i < r.n; i++) {
        a[i] = r.caller[i] + (stereo ? CROSSTALK : 1.0f) * r.answerer[i];
        b[i] = r.answerer[i] + CROSSTALK * r.caller[i];
    }
    if (snr_db < 100.0) {
        add_noise(a, r.n, snr_db, 21);
        add_noise(b, r.n, snr_db, 22);
    }
    if (!stereo)   /* the mono mix at half scale (both modems at -19 dBm0): no clipping */
        for (size_t i = 0; i < r.n; i++) a[i] *= 0.5f;
    char name[64], path[512], label[96];
    snprintf(name, sizeof name, "analyze_v34_%s_%s.wav", stereo ? "stereo" : "mono", snr_db < 100 ? "snr20" : "clean");
    hs_test_tmp_path(name, path, sizeof path);
    float *ch[2] = { a, b };
    if (!hs_check_true("WAV written", write_wav(path, stereo ? 2 : 1, ch, r.n) == 0)) goto done;
    size_t n;
    int rc = analyze_json(path, &n);
    hs_check_int("analyze exit status", rc, 0);
    snprintf(label, sizeof label, "%s%s", stereo ? "stereo" : "mono", snr_db < 100 ? ", SNR 20 dB" : "");
    v34mon_rec_check(&r, obs, n, 1, 1, TOL_MS, label);
    if (stereo) {
        /* attribution: each signal on the channel of the modem that sent it */
        int wrong = 0;
        for (size_t i = 0; i < n; i++) {
            int from_caller = -1;
            switch (obs[i].type) {
            case HS_EV_V34_INFO0C: case HS_EV_V34_INFO1C: case HS_EV_V34_TONE_B: from_caller = 1; break;
            case HS_EV_V34_INFO0A: case HS_EV_V34_INFO1A: case HS_EV_V34_TONE_A: from_caller = 0; break;
            default: break;
            }
            if (from_caller >= 0 && obs[i].channel != (from_caller ? 1 : 2)) wrong++;
        }
        hs_check_int("stereo: frames and tones on another channel than their sender's", wrong, 0);
        int l_ch[2] = { 0, 0 };
        for (size_t i = 0; i < n; i++)
            if (obs[i].type == HS_EV_V34_L1 && obs[i].channel >= 1 && obs[i].channel <= 2) l_ch[obs[i].channel - 1]++;
        hs_check_true("stereo: one L1 on each channel (answerer's first, then the caller's)",
                      l_ch[0] == 1 && l_ch[1] == 1);
    }
    if (!stereo && snr_db > 100.0) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "'%s' analyze '%s' 2>&1 | tail -n 1", hs_test_bin(), path);
        hs_test_run(cmd, out, sizeof out);
        printf("%s", out);
        hs_check_true("summary names a complete phase 2", strstr(out, "V.34 phase 2: INFO0c, INFO0a, INFO1c, INFO1a") != NULL
                                                      && strstr(out, "(complete phase 2)") != NULL);
    }
done:
    free(a);
    free(b);
    v34mon_rec_free(&r);
    return 0;
}

static int stereo_clean(void) { return run_case(1, 200.0); }
static int mono_clean(void) { return run_case(0, 200.0); }
static int stereo_snr20(void) { return run_case(1, 20.0); }
static int mono_snr20(void) { return run_case(0, 20.0); }

HS_TEST_MAIN(
    HS_CASE(stereo_clean),
    HS_CASE(mono_clean),
    HS_CASE(stereo_snr20),
    HS_CASE(mono_snr20)
)
