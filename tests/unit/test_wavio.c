/* Sound files in and out (src/wavio.c): rate conversion, channels, safe writing, errors. */
#include <dirent.h>
#include <sndfile.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hs.h"
#include "hs_test.h"
#include "level.h"
#include "wavio.h"

/* Writes a file of `frames` frames at `rate`: channel c holds a sine at freq[c], peak amp. */
static int make_sine_file(const char *path, int format, int rate, int channels, const double *freq,
                          double amp, long frames)
{
    SF_INFO info;
    memset(&info, 0, sizeof info);
    info.samplerate = rate;
    info.channels = channels;
    info.format = format;
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (!sf) return -1;
    float *buf = malloc((size_t)frames * (size_t)channels * sizeof *buf);
    for (long i = 0; i < frames; i++)
        for (int c = 0; c < channels; c++)
            buf[i * channels + c] = (float)(amp * sin(2 * HS_PI * freq[c] * (double)i / rate));
    sf_writef_float(sf, buf, frames);
    free(buf);
    sf_close(sf);
    return 0;
}

/* Power of x at freq (Goertzel-style correlation), as the peak amplitude of that sine. */
static double sine_amp(const float *x, size_t n, double freq)
{
    double re = 0, im = 0;
    for (size_t i = 0; i < n; i++) {
        re += (double)x[i] * cos(2 * HS_PI * freq * (double)i / HS_RATE);
        im += (double)x[i] * sin(2 * HS_PI * freq * (double)i / HS_RATE);
    }
    return 2.0 * sqrt(re * re + im * im) / (double)n;
}

static int check_rate(int rate, int channels)
{
    char path[512], name[64], err[HS_ERRLEN];
    snprintf(name, sizeof name, "wavio_%d_%d.wav", rate, channels);
    hs_test_tmp_path(name, path, sizeof path);
    const double freq[2] = { 1000.0, 1850.0 };
    hs_check_int("make file", make_sine_file(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, rate, channels,
                                             freq, 0.5, rate), 0);   /* 1 s */
    float *ch[HS_AUDIO_MAX_CH];
    int nc;
    size_t n;
    int rc = hs_audio_read_all(path, ch, &nc, &n, err, sizeof err);
    if (!hs_check_int("read", rc, 0)) {
        printf("  %s\n", err);
        return 1;
    }
    hs_check_int("channels", nc, channels);
    /* 1 s of audio is 8000 samples at 8 kHz; the resampler may differ by a few samples at the
     * ends (its filter delay is compensated, its rounding is not): allow 2. */
    hs_check_near("frames at 8 kHz", (double)n, 8000, 2, "samples");
    for (int c = 0; c < channels; c++) {
        /* Skip 0.1 s at each end (resampler start-up). The sine stays at peak 0.5 within
         * 16-bit quantisation and the SRC pass-band ripple (< 0.01 dB): allow 0.005 (0.09 dB).
         * The other channel's frequency must be absent: at least 60 dB down. */
        double a = sine_amp(ch[c] + 800, 6400, freq[c]);
        hs_check_near("sine amplitude", a, 0.5, 0.005, "FS");
        if (channels == 2) hs_check_below("crosstalk", sine_amp(ch[c] + 800, 6400, freq[1 - c]), 0.0005, "FS");
        free(ch[c]);
    }
    return 0;
}

static int read_8k_mono(void) { return check_rate(8000, 1); }
static int read_44k1_stereo(void) { return check_rate(44100, 2); }
static int read_48k_mono(void) { return check_rate(48000, 1); }
static int read_16k_stereo(void) { return check_rate(16000, 2); }

static int count_tmp_leftovers(const char *base)
{
    DIR *d = opendir(hs_test_tmp());
    int n = 0;
    struct dirent *de;
    char pre[256];
    snprintf(pre, sizeof pre, ".%s.", base);
    while (d && (de = readdir(d)))
        if (strncmp(de->d_name, pre, strlen(pre)) == 0) n++;
    if (d) closedir(d);
    return n;
}

static int write_round_trip(void)
{
    char path[512], err[HS_ERRLEN];
    hs_test_tmp_path("wavio_out.wav", path, sizeof path);
    remove(path);
    float l[1000], r[1000];
    for (int i = 0; i < 1000; i++) {
        l[i] = (float)(0.3 * sin(0.1 * i));
        r[i] = i == 500 ? 1.5f : -0.25f;   /* one clipped sample */
    }
    hs_wav_out *w;
    hs_check_int("open", hs_wav_out_open(path, 2, &w, err, sizeof err), 0);
    const float *ch[2] = { l, r };
    hs_check_int("write", hs_wav_out_write(w, ch, 1000, err, sizeof err), 0);
    struct stat st;
    hs_check_true("nothing at the target before close", stat(path, &st) != 0);
    hs_check_int("clips", (long long)hs_wav_out_clips(w), 1);
    hs_check_int("close", hs_wav_out_close(w, err, sizeof err), 0);
    hs_check_int("no temporary files left", count_tmp_leftovers("wavio_out.wav"), 0);

    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    hs_check_true("readable", sf != NULL);
    if (!sf) return 1;
    hs_check_int("rate", info.samplerate, 8000);
    hs_check_int("channels", info.channels, 2);
    hs_check_int("format", info.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    hs_check_int("frames", (long long)info.frames, 1000);
    short s[2000];
    sf_readf_short(sf, s, 1000);
    sf_close(sf);
    int worst = 0;
    for (int i = 0; i < 1000; i++) {
        int want = (int)lround((double)l[i] * 32768.0);   /* dsp/g711.h scale */
        int d = abs(s[2 * i] - want);
        if (d > worst) worst = d;
    }
    hs_check_int("left channel rounding error (LSB)", worst, 0);
    hs_check_int("clipped sample", s[2 * 500 + 1], 32767);
    return 0;
}

static int abort_keeps_old_file(void)
{
    char path[512], err[HS_ERRLEN];
    hs_test_tmp_path("wavio_keep.txt", path, sizeof path);
    FILE *f = fopen(path, "w");
    fputs("precious\n", f);
    fclose(f);
    hs_wav_out *w;
    hs_check_int("open", hs_wav_out_open(path, 1, &w, err, sizeof err), 0);
    float x[100] = { 0 };
    const float *ch[1] = { x };
    hs_wav_out_write(w, ch, 100, err, sizeof err);
    hs_wav_out_abort(w);
    char got[64] = "";
    f = fopen(path, "r");
    size_t n = fread(got, 1, sizeof got - 1, f);
    got[n] = 0;
    fclose(f);
    hs_check_str("old file untouched", got, "precious\n");
    hs_check_int("no temporary files left", count_tmp_leftovers("wavio_keep.txt"), 0);

    hs_out_file *o;
    hs_check_int("text open", hs_out_file_open(path, &o, err, sizeof err), 0);
    fputs("new\n", (FILE *)hs_out_file_stream(o));
    hs_check_int("text close", hs_out_file_close(o, err, sizeof err), 0);
    f = fopen(path, "r");
    n = fread(got, 1, sizeof got - 1, f);
    got[n] = 0;
    fclose(f);
    hs_check_str("replaced on success", got, "new\n");

    hs_check_int("directory target refused", hs_wav_out_open(hs_test_tmp(), 1, &w, err, sizeof err), -1);
    printf("  %s\n", err);
    hs_check_true("message names the cause", strstr(err, "directory") != NULL);
    hs_check_int("missing directory refused",
                 hs_wav_out_open("/nonexistent-dir/x.wav", 1, &w, err, sizeof err), -1);
    printf("  %s\n", err);
    return 0;
}

static int bad_inputs(void)
{
    char path[512], err[HS_ERRLEN];
    hs_audio_in *a;
    struct { const char *name; const char *content; long len; const char *want; } cases[] = {
        { "wavio_missing.wav", NULL, -1, "No such file" },
        { "wavio_empty.wav", "", 0, "empty" },
        { "wavio_text.wav", "this is not a sound file, just some words\n", -1, "not a sound file" },
        { "wavio_hdr.wav", "RIFF\x24\x00\x00\x00WAVEfmt ", 16, "not a sound file" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hs_test_tmp_path(cases[i].name, path, sizeof path);
        remove(path);
        if (cases[i].content) {
            FILE *f = fopen(path, "wb");
            size_t len = cases[i].len >= 0 ? (size_t)cases[i].len : strlen(cases[i].content);
            fwrite(cases[i].content, 1, len, f);
            fclose(f);
        }
        err[0] = 0;
        hs_check_int(cases[i].name, hs_audio_in_open(path, &a, err, sizeof err), -1);
        printf("  %s\n", err);
        hs_check_true("names the file", strstr(err, cases[i].name) != NULL);
        hs_check_true("names the cause", strstr(err, cases[i].want) != NULL);
    }
    hs_check_int("directory", hs_audio_in_open(hs_test_tmp(), &a, err, sizeof err), -1);
    printf("  %s\n", err);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(read_8k_mono),
    HS_CASE(read_44k1_stereo),
    HS_CASE(read_48k_mono),
    HS_CASE(read_16k_stereo),
    HS_CASE(write_round_trip),
    HS_CASE(abort_keeps_old_file),
    HS_CASE(bad_inputs)
)
