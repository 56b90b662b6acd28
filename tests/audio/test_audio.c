/* tests/audio/test_audio.c: the live audio path on a real (headless) audio server.
 *
 * Each case starts its own private JACK dummy server (recipe shared/recipes/headless-audio.md),
 * runs PortAudio streams on it, stops the instances and then the server. */
#include "hs_test.h"

#include "audio.h"
#include "audio_jack.h"
#include "hs.h"
#include "level.h"

#include <stdint.h>
#include <unistd.h>

/* ---- tone through the loopback ---- */

/* One stream whose output is wired back to its own input (one JACK hop). Sends a tone for
 * `secs` and keeps what came back. */
static int tone_loop(int rate, double freq, double level_dbm0, double secs, float **rx_out, size_t *n_out,
                     hs_audio_stats *st)
{
    audio_jack j;
    /* recipe: period 256 at 8000 Hz (32 ms), 1024 at 48000 Hz (21 ms; 256 gives xruns there) */
    int rc = audio_jack_start(&j, "tone", rate, rate > 8000 ? 1024 : 256);
    if (rc) return rc == 77 ? HS_SKIP : -1;
    hs_audio_config c = hs_audio_config_default();
    c.device = "system";
    c.jack_name = "hs-tone";
    char why[512];
    hs_audio *a;
    if (hs_audio_open(&c, &a, why, sizeof why) != HS_AUDIO_OK) {
        printf("open: %s\n", why);
        audio_jack_stop(&j);
        return -1;
    }
    /* ports exist from Pa_OpenStream on: wire out -> in before the stream starts, so the
     * engine below never pauses for the jack tools (PortAudio adds system:capture_1 -> in,
     * out -> system:playback_1 at start; the dummy capture is digital silence) */
    hs_check_true("own ports appeared", audio_jack_wait_port("hs-tone:out_0", 5));
    hs_check_int("jack_connect out->in", audio_jack_cmd("jack_connect hs-tone:out_0 hs-tone:in_0"), 0);
    if (hs_audio_start(a, why, sizeof why) != HS_AUDIO_OK) {
        printf("start: %s\n", why);
        hs_audio_close(a);
        audio_jack_stop(&j);
        return -1;
    }
    size_t total = (size_t)(secs * 8000), got = 0;
    float *rx = calloc(total, sizeof *rx);
    float buf[512], tx[512];
    double ph = 0, amp = hs_dbm0_to_peak(level_dbm0), dph = 2 * HS_PI * freq / 8000.0;
    while (got < total) {
        if (hs_audio_wait(a, 100, 0) != HS_AUDIO_OK) {
            printf("stream lost\n");
            break;
        }
        size_t n = hs_audio_read(a, buf, total - got < 512 ? total - got : 512);
        for (size_t i = 0; i < n; i++) {
            tx[i] = (float)(amp * sin(ph));
            ph = fmod(ph + dph, 2 * HS_PI);
        }
        hs_audio_write(a, tx, n);
        memcpy(rx + got, buf, n * sizeof *rx);
        got += n;
    }
    hs_audio_stop(a, 0);
    hs_audio_get_stats(a, st);
    hs_audio_close(a);
    hs_check_int("jackd exit status", audio_jack_stop(&j), 0);
    *rx_out = rx;
    *n_out = got;
    return 0;
}

/* Frequency from the phase slope of x mixed down by f0 (10 ms blocks, least squares), level
 * from the mean square. */
static void measure_tone(const float *x, size_t n, double f0, double *freq, double *dbm0)
{
    size_t nb = n / 80;
    double *ph = malloc(nb * sizeof *ph), e = 0;
    double prev = 0, off = 0;
    for (size_t b = 0; b < nb; b++) {
        double sr = 0, si = 0;
        for (size_t i = 0; i < 80; i++) {
            size_t k = b * 80 + i;
            double w = 2 * HS_PI * f0 * (double)k / 8000.0;
            sr += (double)x[k] * cos(w);
            si -= (double)x[k] * sin(w);
            e += (double)x[k] * (double)x[k];
        }
        double p = atan2(si, sr);
        if (b) {
            while (p + off - prev > HS_PI) off -= 2 * HS_PI;
            while (p + off - prev < -HS_PI) off += 2 * HS_PI;
        }
        ph[b] = p + off;
        prev = ph[b];
    }
    double st = 0, sp = 0, stt = 0, stp = 0;
    for (size_t b = 0; b < nb; b++) {
        double t = (double)b * 0.01;
        st += t, sp += ph[b], stt += t * t, stp += t * ph[b];
    }
    double slope = ((double)nb * stp - st * sp) / ((double)nb * stt - st * st);   /* rad/s */
    *freq = f0 + slope / (2 * HS_PI);
    *dbm0 = hs_power_to_dbm0(e / (double)(nb * 80));
    free(ph);
}

static int tone_case(int rate)
{
    float *rx;
    size_t n;
    hs_audio_stats st;
    const double f = 1000, lvl = -13;
    int rc = tone_loop(rate, f, lvl, 3.0, &rx, &n, &st);
    if (rc) return rc;
    printf("device rate %d Hz, resampling %d, callbacks %llu, underruns %llu, overruns %llu, xrun flags %llu\n",
           st.rate_hz, st.resampling, (unsigned long long)st.callbacks, (unsigned long long)st.underruns,
           (unsigned long long)st.overruns, (unsigned long long)st.xrun_flags);
    hs_check_int("stream rate = server rate", st.rate_hz, rate);
    size_t start = 0;
    double thr = 0.5 * hs_dbm0_to_peak(lvl);
    while (start < n && fabs((double)rx[start]) < thr) start++;
    printf("tone arrives at received sample %zu\n", start);
    /* skip 0.25 s after the tone appears (connection transient, resampler filters), then
     * measure 1.5 s: phase slope over 1.5 s resolves far below 0.01 Hz */
    start += 2000;
    hs_check_true("enough tone received", start + 12000 <= n);
    if (start + 12000 > n) {
        free(rx);
        return 1;
    }
    double fm, lm;
    measure_tone(rx + start, 12000, f, &fm, &lm);
    /* limits from the issue: +-1 Hz, +-1 dB. Through JACK the gain is exactly 1 and the two
     * libsamplerate conversions (SINC_MEDIUM, flat to 0.9*4 kHz) change 1 kHz by << 0.1 dB. */
    hs_check_near("tone frequency", fm, f, 1.0, "Hz");
    hs_check_near("tone level", lm, lvl, 1.0, "dBm0");
    /* underruns are printed above, not asserted here: they measure the scheduler under the
     * test machine's load, not the path; the lossless case asserts them with a wide margin */
    hs_check_int("overruns", (long long)st.overruns, 0);
    free(rx);
    return 0;
}

static int tone_48000(void) { return tone_case(48000); }
static int tone_8000(void) { return tone_case(8000); }

/* ---- rings lossless ---- */

static float seq_value(uint64_t k) { return (float)((int)(k % 32768u) - 16384) / 32768.0f; }  /* exact in float */

/* 8000 Hz (no resampler: bit-exact), own output wired to own input. The engine sends a
 * counting sequence; everything that comes back after the leading silence must be the same
 * sequence with no sample missing or repeated, and the counters must balance. */
static int lossless(double secs)
{
    audio_jack j;
    int rc = audio_jack_start(&j, "ring", 8000, 256);
    if (rc) return rc == 77 ? HS_SKIP : -1;
    hs_audio_config c = hs_audio_config_default();
    c.device = "system";
    c.jack_name = "hs-ring";
    c.margin_ms = 200;     /* the test is about the rings, not the scheduler: wide margin */
    char why[512];
    hs_audio *a;
    if (hs_audio_open(&c, &a, why, sizeof why) != HS_AUDIO_OK) {
        printf("open: %s\n", why);
        audio_jack_stop(&j);
        return -1;
    }
    audio_jack_wait_port("hs-ring:out_0", 5);
    hs_check_int("jack_connect out->in", audio_jack_cmd("jack_connect hs-ring:out_0 hs-ring:in_0"), 0);
    if (hs_audio_start(a, why, sizeof why) != HS_AUDIO_OK) {
        printf("start: %s\n", why);
        hs_audio_close(a);
        audio_jack_stop(&j);
        return -1;
    }
    uint64_t total = (uint64_t)(secs * 8000), sent = 0, got = 0, lead = 0, checked = 0, bad = 0;
    int synced = 0;
    float in[512], out[512];
    double t0 = audio_now_s();
    while (got < total && audio_now_s() - t0 < secs * 2 + 5) {
        if (hs_audio_wait(a, 100, 0) != HS_AUDIO_OK) break;
        size_t n = hs_audio_read(a, in, 512);
        for (size_t i = 0; i < n; i++) out[i] = seq_value(sent + i);
        sent += hs_audio_write(a, out, n);
        for (size_t i = 0; i < n; i++) {
            if (!synced && in[i] == 0.0f) {
                lead++;
                continue;
            }
            synced = 1;
            bad += in[i] != seq_value(checked);
            checked++;
        }
        got += n;
    }
    hs_audio_stop(a, 0);
    hs_audio_stats st;
    hs_audio_get_stats(a, &st);
    hs_audio_close(a);
    hs_check_int("jackd exit status", audio_jack_stop(&j), 0);
    printf("ran %.1f s: callbacks %llu, in %llu, out %llu frames; leading silence %llu samples (%.1f ms)\n",
           audio_now_s() - t0, (unsigned long long)st.callbacks, (unsigned long long)st.in_frames,
           (unsigned long long)st.out_frames, (unsigned long long)lead, (double)lead / 8.0);
    printf("rx ring fill max %zu, tx ring fill min %zu of %zu frames\n", st.rx_fill_max, st.tx_fill_min, st.ring_frames);
    hs_check_above("samples received", (double)got, (double)total, "samples");
    hs_check_above("sequence samples checked", (double)checked, (double)total - 8000, "samples");
    hs_check_int("sequence errors (missing/repeated/changed samples)", (long long)bad, 0);
    hs_check_int("rx ring overruns (callback found ring full)", (long long)st.overruns, 0);
    hs_check_int("tx ring underruns (callback found ring short)", (long long)st.underruns, 0);
    hs_check_int("tx ring refused engine output", (long long)st.tx_dropped, 0);
    hs_check_int("host API xrun flags", (long long)st.xrun_flags, 0);
    /* conservation: everything the callback took in is read by the engine or still queued;
     * everything the engine (and the priming) queued went out or is still queued */
    hs_check_int("in_frames = engine_in + rx_fill", (long long)st.in_frames, (long long)(st.engine_in + st.rx_fill));
    hs_check_int("engine_out + priming = out_frames + tx_fill", (long long)(st.engine_out + (256 + 1600)),
                 (long long)(st.out_frames + st.tx_fill));
    return 0;
}

static int lossless_5s(void) { return lossless(5); }
static int lossless_60s(void) { return lossless(60); }

static const hs_case cases[] = {
    HS_CASE(tone_48000),
    HS_CASE(tone_8000),
    HS_CASE(lossless_5s),
    HS_CASE_SLOW(lossless_60s),
};

int main(int argc, char **argv)
{
    return hs_test_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
