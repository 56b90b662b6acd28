/* Our V.21 CM (channel 1) and JM (channel 2) decoded by minimodem (Debian 0.24), an
 * independent FSK demodulator: `minimodem --rx -M <mark> -S <space> -f x.wav 300` prints the
 * octets of async 8N1 frames (start 0, b0..b7, stop 1: the V.8 framing of spec §3.1) as raw
 * bytes on stdout. The preamble/sync produce other characters (the sync reads as 0xE0), so
 * we assert that the octet sequence of the message appears, repeated.
 * WAV: 16-bit PCM, 8000 Hz, float 1.0 = 32767 (tests/common/tones_s16.h). */
#include <sndfile.h>
#include "hs_test.h"
#include "tones_s16.h"
#include "fsk.h"
#include "bitq.h"
#include "level.h"
#include "rng.h"
#include "v8msg.h"

#define RATE HS_RATE

/* `reps` back-to-back sequences of msg on V.21 channel ch, 100 ms of marks before and after,
 * optional white noise (snr_db relative to the -13 dBm0 signal, in 300-3400 Hz). */
static int write_wav(const char *path, int ch, const uint8_t *oct, size_t n, int reps, double snr_db)
{
    uint8_t bits[1024];
    size_t nb = hs_v8msg_encode(ch == 1 ? HS_V8_CM : HS_V8_JM, oct, n, bits, sizeof bits);
    hs_fsk_config c = hs_fsk_config_v21(ch);
    hs_fsk_tx *tx;
    if (hs_fsk_tx_create(&c, &tx) != HS_OK) return -1;
    size_t total = (size_t)((double)(nb * (size_t)reps + 60) * RATE / 300.0) + 1;
    float *x = calloc(total, sizeof *x);
    int16_t *s = calloc(total, sizeof *s);
    hs_bitq q;
    hs_bitq_init(&q);
    for (int i = 0; i < 30; i++) hs_bitq_push(&q, 1);
    size_t done = 0;
    for (int r = 0; r < reps; r++) {
        hs_bitq_push_bits(&q, bits, nb);
        /* run until the queue is nearly empty (a whole sequence fits in the queue) */
        while (hs_bitq_count(&q) > 0 && done < total) { hs_fsk_tx_process(tx, &q, x + done, 1); done++; }
    }
    hs_fsk_tx_process(tx, &q, x + done, total - done);   /* trailing marks */
    hs_fsk_tx_destroy(tx);
    if (snr_db < 100.0) {
        hs_rng g;
        hs_rng_seed(&g, 17);
        double sigma = sqrt(hs_dbm0_to_power(-13.0) / pow(10.0, snr_db / 10.0) * 4000.0 / 3100.0);
        for (size_t i = 0; i < total; i++) x[i] += (float)(sigma * hs_rng_gauss(&g));
    }
    size_t clips = hs_f2s16(x, s, total);
    SF_INFO info;
    memset(&info, 0, sizeof info);
    info.samplerate = RATE;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SNDFILE *f = sf_open(path, SFM_WRITE, &info);
    int ok = f && sf_write_short(f, s, (sf_count_t)total) == (sf_count_t)total;
    if (f) sf_close(f);
    free(x);
    free(s);
    return ok && clips == 0 ? 0 : -1;
}

/* Runs minimodem on the WAV; returns how many times oct[0..n) appears in its output. */
static int minimodem_count(const char *wav, int ch, const uint8_t *oct, size_t n, char *shown, size_t shown_cap)
{
    char out[600], cmd[1300];
    snprintf(out, sizeof out, "%s.ch%d.bin", wav, ch);   /* one output per WAV: cases may run in parallel */
    snprintf(cmd, sizeof cmd, "minimodem --rx -q -M %d -S %d -f '%s' 300 > '%s' 2>/dev/null",
             ch == 1 ? 980 : 1650, ch == 1 ? 1180 : 1850, wav, out);
    int st = hs_test_run(cmd, NULL, 0);
    if (st != 0) { printf("  minimodem exit status %d\n", st); return -1; }
    FILE *f = fopen(out, "rb");
    if (!f) return -1;
    uint8_t buf[4096];
    size_t got = fread(buf, 1, sizeof buf, f);
    fclose(f);
    size_t used = 0;
    for (size_t i = 0; i < got && used + 4 < shown_cap; i++) used += (size_t)snprintf(shown + used, shown_cap - used, "%02X ", buf[i]);
    int count = 0;
    for (size_t i = 0; i + n <= got; i++) if (memcmp(buf + i, oct, n) == 0) count++;
    return count;
}

static int have_minimodem(void) { return hs_test_run("minimodem --version >/dev/null 2>&1", NULL, 0) == 0; }

/* 4 sequences sent; minimodem needs a few bits to find the carrier, so at least 3 must be
 * read back intact (clean) and at 10 dB SNR. */
static int run_case(int ch, double snr)
{
    if (!have_minimodem()) return HS_SKIP;
    uint8_t cm[HS_V8_MAX_OCTETS];
    size_t n = hs_v8msg_build_cm(HS_MOD_V34_DUPLEX | HS_MOD_V32BIS | HS_MOD_V22BIS, 1, cm, sizeof cm);
    const uint8_t want[] = { 0xC1, 0x45, 0x13, 0x10, 0x2A };
    hs_check_true("our CM octets are C1 45 13 10 2A", n == 5 && memcmp(cm, want, 5) == 0);
    uint8_t msg[HS_V8_MAX_OCTETS];
    size_t m = n;
    memcpy(msg, cm, n);
    if (ch == 2) {   /* JM answering that CM from an answerer with the same modes (spec §6 b2) */
        hs_v8_fields f;
        hs_v8msg_parse(cm, n, &f);
        m = hs_v8msg_build_jm(&f, HS_MOD_V34_DUPLEX | HS_MOD_V32BIS | HS_MOD_V22BIS, 1, msg, sizeof msg);
        hs_check_true("our JM octets are C1 45 13 10 2A", m == 5 && memcmp(msg, want, 5) == 0);
    }
    char wav[512], name[64];
    snprintf(name, sizeof name, "v21_ch%d_snr%.0f.wav", ch, snr);
    hs_test_tmp_path(name, wav, sizeof wav);
    hs_check_int("WAV written without clipping", write_wav(wav, ch, msg, m, 4, snr), 0);
    char shown[4096] = "";
    int c = minimodem_count(wav, ch, msg, m, shown, sizeof shown);
    printf("  minimodem output: %s\n", shown);
    char what[96];
    snprintf(what, sizeof what, "minimodem reads %s (ch %d, SNR %.0f dB) intact", ch == 1 ? "CM" : "JM", ch, snr);
    hs_check_above(what, c, 3, "times of 4");
    return 0;
}

static int cm_channel1(void) { return run_case(1, 999.0); }
static int jm_channel2(void) { return run_case(2, 999.0); }
static int cm_channel1_noisy(void) { return run_case(1, 10.0); }
static int jm_channel2_noisy(void) { return run_case(2, 10.0); }

HS_TEST_MAIN(
    HS_CASE(cm_channel1),
    HS_CASE(jm_channel2),
    HS_CASE(cm_channel1_noisy),
    HS_CASE(jm_channel2_noisy)
)
