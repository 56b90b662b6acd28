/* src/audio.c: PortAudio endpoint (see audio.h). */
#include "audio.h"

#include "ring.h"

#include <ctype.h>
#include <pthread.h>
#include <sched.h>
#include <fcntl.h>
#include <math.h>
#include <portaudio.h>
#include <samplerate.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef HS_HAVE_PA_JACK
#include <pa_jack.h>
#endif

#define ENGINE_RATE 8000
#define CHUNK 1024              /* device frames the engine converts at a time */

struct hs_audio {
    hs_audio_config cfg;
    char     jack_name[64];
    char     dev_name[128];
    char     api_name[64];
    int      dev;
    int      api_is_jack;
    PaStream *stream;
    int      pa_up;             /* Pa_Initialize succeeded and not yet terminated */
    int      started, stopped, lost;
    int      rate, period, resampling;
    double   ratio_down;        /* 8000 / rate */
    double   latency_ms;
    size_t   prime;             /* device frames of silence queued at start */
    hs_ring *rx, *tx;           /* device-rate float rings: callback <-> engine */
    SRC_STATE *down, *up;
    float   *dev_in;  size_t dev_in_n;            /* device-rate input waiting for `down` */
    float   *buf8;    size_t buf8_n, buf8_off;     /* 8 kHz input ready for the engine */
    size_t   buf8_cap;
    float   *up_buf;  size_t up_cap;             /* frames (of och samples) */
    int      och;                                  /* output channels: 1, or 2 (play) */

    /* written by the callback only (single writer), read by the engine */
    _Atomic uint64_t callbacks, in_frames, out_frames;
    _Atomic uint64_t overruns, overrun_frames, underruns, underrun_frames, xrun_flags;
    _Atomic size_t   rx_fill_max, tx_fill_min;
    _Atomic int      armed;     /* written by the engine: count underruns */

    /* engine side */
    uint64_t engine_in, engine_out;
    uint64_t seen_callbacks;
    double   seen_t, last_active_check;
    int      ev_open_done, ev_stats_done;
    uint64_t ev_xrun_sum, ev_xrun_sample, ev_fill_sample;
    int      ev_xrun_any;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void nap_ms(double ms)
{
    struct timespec ts = { 0, (long)(ms * 1e6) };
    nanosleep(&ts, NULL);
}

static void add(_Atomic uint64_t *c, uint64_t v)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v, memory_order_relaxed);
}

/* ---- the callback: copies and counts, nothing else ---- */

static int callback(const void *input, void *output, unsigned long frames,
                    const PaStreamCallbackTimeInfo *ti, PaStreamCallbackFlags flags, void *user)
{
    hs_audio *a = user;
    (void)ti;
    add(&a->callbacks, 1);
    if (flags & (paInputUnderflow | paInputOverflow | paOutputUnderflow | paOutputOverflow))
        add(&a->xrun_flags, 1);
    if (input) {
        size_t w = hs_ring_write(a->rx, input, frames);
        add(&a->in_frames, frames);
        if (w < frames) {
            add(&a->overruns, 1);
            add(&a->overrun_frames, frames - w);
        }
        size_t fill = hs_ring_readable(a->rx);
        if (fill > atomic_load_explicit(&a->rx_fill_max, memory_order_relaxed))
            atomic_store_explicit(&a->rx_fill_max, fill, memory_order_relaxed);
    }
    if (output) {
        float *out = output;
        int armed = atomic_load_explicit(&a->armed, memory_order_acquire);
        size_t fill = hs_ring_readable(a->tx);
        if (armed && fill < atomic_load_explicit(&a->tx_fill_min, memory_order_relaxed))
            atomic_store_explicit(&a->tx_fill_min, fill, memory_order_relaxed);
        size_t r = hs_ring_read(a->tx, out, frames);   /* frames of och interleaved samples */
        if (r < frames) {
            memset(out + r * (size_t)a->och, 0, (frames - r) * (size_t)a->och * sizeof *out);
            if (armed) {
                add(&a->underruns, 1);
                add(&a->underrun_frames, frames - r);
            }
        }
        add(&a->out_frames, r);
    }
    return paContinue;
}

/* ---- PortAudio set-up ---- */

/* Pa_Initialize with libjack's and ALSA's start-up chatter ("Cannot connect to server
 * socket", "cannot find card '0'") kept off the terminal; HS_AUDIO_DEBUG=1 shows it. */
static PaError pa_init_quiet(void)
{
    const char *dbg = getenv("HS_AUDIO_DEBUG");
    if (dbg && *dbg && strcmp(dbg, "0") != 0) return Pa_Initialize();
    fflush(stderr);
    int saved = dup(2);
    int devnull = open("/dev/null", O_WRONLY);
    if (saved >= 0 && devnull >= 0) dup2(devnull, 2);
    PaError e = Pa_Initialize();
    if (saved >= 0) {
        dup2(saved, 2);
        close(saved);
    }
    if (devnull >= 0) close(devnull);
    return e;
}

static int jack_api_index(void)
{
#ifdef HS_HAVE_PA_JACK
    PaHostApiIndex i = Pa_HostApiTypeIdToHostApiIndex(paJACK);
    return i >= 0 ? i : -1;
#else
    return -1;
#endif
}

static int has_channels(const PaDeviceInfo *d, int in, int out)
{
    return (!in || d->maxInputChannels >= 1) && (!out || d->maxOutputChannels >= 1);
}

static int ci_contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && tolower((unsigned char)p[i]) == tolower((unsigned char)needle[i])) i++;
        if (i == n) return 1;
    }
    return n == 0;
}

/* Returns a device index, or -1. *exists_wrong_dir is set when a device matches by name but
 * lacks the channels we need. */
static int find_device(const char *want, int in, int out, int *exists_wrong_dir)
{
    int nd = Pa_GetDeviceCount();
    *exists_wrong_dir = 0;
    if (nd <= 0) return -1;
    if (!want || !*want) {
        int j = jack_api_index();
        if (j >= 0) {                       /* a JACK server runs: its hardware ("system") */
            for (int i = 0; i < nd; i++) {
                const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
                if (d->hostApi == j && strcmp(d->name, "system") == 0 && has_channels(d, in, out)) return i;
            }
        }
        int di = in ? Pa_GetDefaultInputDevice() : Pa_GetDefaultOutputDevice();
        if (di >= 0 && has_channels(Pa_GetDeviceInfo(di), in, out)) return di;
        if (in && out) {
            di = Pa_GetDefaultOutputDevice();
            if (di >= 0 && has_channels(Pa_GetDeviceInfo(di), in, out)) return di;
        }
        return -1;
    }
    char *end;
    long idx = strtol(want, &end, 10);
    if (*end == 0 && end != want) {
        if (idx < 0 || idx >= nd) return -1;
        if (!has_channels(Pa_GetDeviceInfo((int)idx), in, out)) {
            *exists_wrong_dir = 1;
            return -1;
        }
        return (int)idx;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < nd; i++) {
            const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
            int match = pass == 0 ? strcmp(d->name, want) == 0 : ci_contains(d->name, want);
            if (!match) continue;
            if (has_channels(d, in, out)) return i;
            *exists_wrong_dir = 1;
        }
    }
    return -1;
}

static void say(char *why, size_t size, const char *fmt, const char *a1, const char *a2)
{
    if (why && size) snprintf(why, size, fmt, a1 ? a1 : "", a2 ? a2 : "");
}

static void describe_missing(char *why, size_t size, const char *want, int in, int out, int wrong_dir)
{
    char buf[512];
    int nd = Pa_GetDeviceCount();
    const char *dir = in && out ? "input and output" : in ? "input" : "output";
    if (nd <= 0) {
        snprintf(buf, sizeof buf,
                 "no audio device found (no sound card, and no JACK server running%s%s); "
                 "start one (see README: scripts/jack-test-server.sh) or use 'handshake loopback'",
                 getenv("JACK_DEFAULT_SERVER") ? " as " : "",
                 getenv("JACK_DEFAULT_SERVER") ? getenv("JACK_DEFAULT_SERVER") : "");
    } else if (wrong_dir) {
        snprintf(buf, sizeof buf, "audio device '%s' has no %s channel; see 'handshake devices'",
                 want ? want : "(default)", dir);
    } else if (!want || !*want) {
        snprintf(buf, sizeof buf, "no default audio device with %s; pick one with --device (see 'handshake devices')",
                 dir);
    } else {
        snprintf(buf, sizeof buf, "no audio device matches '%s' (%d devices%s); see 'handshake devices'", want, nd,
                 jack_api_index() < 0 ? ", no JACK server running" : "");
    }
    say(why, size, "%s%s", buf, "");
}

static int rate_ok(int dev, int in, int out, double rate)
{
    PaStreamParameters ip = { dev, 1, paFloat32, 0.05, NULL }, op = ip;
    return Pa_IsFormatSupported(in ? &ip : NULL, out ? &op : NULL, rate) == paFormatIsSupported;
}

hs_audio_config hs_audio_config_default(void)
{
    hs_audio_config c;
    memset(&c, 0, sizeof c);
    c.input = 1;
    c.output = 1;
    c.src_quality = -1;
    return c;
}

static void pa_down(hs_audio *a)
{
    if (a->pa_up) Pa_Terminate();
    a->pa_up = 0;
#ifdef HS_HAVE_PA_JACK
    PaJack_SetClientName("handshake");      /* PortAudio keeps the pointer: never a freed one */
#endif
}

static void free_all(hs_audio *a)
{
    if (!a) return;
    if (a->down) src_delete(a->down);
    if (a->up) src_delete(a->up);
    hs_ring_destroy(a->rx);
    hs_ring_destroy(a->tx);
    free(a->dev_in);
    free(a->buf8);
    free(a->up_buf);
    free(a);
}

/* Delay of the two converters (8 kHz -> device -> 8 kHz, the path one way between two
 * resampling instances), measured once with an impulse through fresh converters. */
static double src_delay_ms(const hs_audio *a)
{
    if (!a->resampling) return 0;
    int e = 0, q = a->cfg.src_quality >= 0 ? a->cfg.src_quality : SRC_SINC_MEDIUM_QUALITY;
    SRC_STATE *up = src_new(q, 1, &e), *down = up ? src_new(q, 1, &e) : NULL;
    float *x8 = calloc(800, sizeof(float)), *xd = calloc(800 * 24 + 64, sizeof(float)), *y8 = calloc(900, sizeof(float));
    double ms = 0;
    if (up && down && x8 && xd && y8 && a->rate <= 192000) {
        x8[0] = 1.0f;
        SRC_DATA sd;
        memset(&sd, 0, sizeof sd);
        sd.data_in = x8;
        sd.input_frames = 800;
        sd.data_out = xd;
        sd.output_frames = 800L * 24 + 64;
        sd.src_ratio = 1.0 / a->ratio_down;
        src_process(up, &sd);
        long nd = sd.output_frames_gen;
        memset(&sd, 0, sizeof sd);
        sd.data_in = xd;
        sd.input_frames = nd;
        sd.data_out = y8;
        sd.output_frames = 900;
        sd.src_ratio = a->ratio_down;
        src_process(down, &sd);
        long best = 0;
        for (long i = 1; i < sd.output_frames_gen; i++)
            if (fabsf(y8[i]) > fabsf(y8[best])) best = i;
        /* the converters emit their first output late (the filter's start-up): that part is
         * absorbed by warm_up, so count the impulse's position relative to the output count */
        ms = 1000.0 * (double)(best + (800 - sd.output_frames_gen)) / ENGINE_RATE;
    }
    if (up) src_delete(up);
    if (down) src_delete(down);
    free(x8), free(xd), free(y8);
    return ms > 0 ? ms : 0;
}

hs_audio_status hs_audio_open(const hs_audio_config *c, hs_audio **out, char *why, size_t why_size)
{
    *out = NULL;
    if (why && why_size) why[0] = 0;
    if (!c->input && !c->output) {
        say(why, why_size, "audio: neither input nor output requested%s%s", "", "");
        return HS_AUDIO_EFAIL;
    }
    hs_audio *a = calloc(1, sizeof *a);
    if (!a) {
        say(why, why_size, "out of memory%s%s", "", "");
        return HS_AUDIO_EFAIL;
    }
    a->cfg = *c;
    a->cfg.device = NULL;
    a->cfg.jack_name = NULL;
    snprintf(a->jack_name, sizeof a->jack_name, "%s", c->jack_name && *c->jack_name ? c->jack_name : "handshake");
    a->period = c->period_frames > 0 ? c->period_frames : 256;
    if (a->cfg.lost_after_s <= 0) a->cfg.lost_after_s = 1.5;

#ifdef HS_HAVE_PA_JACK
    PaJack_SetClientName(a->jack_name);
#endif
    PaError e = pa_init_quiet();
    if (e != paNoError) {
        say(why, why_size, "cannot start PortAudio: %s%s", Pa_GetErrorText(e), "");
        pa_down(a);
        free_all(a);
        return HS_AUDIO_EFAIL;
    }
    a->pa_up = 1;
    int wrong = 0;
    int dev = find_device(c->device, c->input, c->output, &wrong);
    double t0 = now_s();
    while (dev < 0 && now_s() - t0 < c->wait_device_s) {     /* e.g. a JACK peer not up yet */
        Pa_Terminate();
        a->pa_up = 0;
        nap_ms(200);
        if (pa_init_quiet() != paNoError) break;
        a->pa_up = 1;
        dev = find_device(c->device, c->input, c->output, &wrong);
    }
    if (dev < 0) {
        if (a->pa_up) describe_missing(why, why_size, c->device, c->input, c->output, wrong);
        else say(why, why_size, "cannot restart PortAudio while waiting for '%s'%s", c->device, "");
        pa_down(a);
        free_all(a);
        return HS_AUDIO_ENODEV;
    }
    const PaDeviceInfo *d = Pa_GetDeviceInfo(dev);
    a->dev = dev;
    snprintf(a->dev_name, sizeof a->dev_name, "%s", d->name);
    snprintf(a->api_name, sizeof a->api_name, "%s", Pa_GetHostApiInfo(d->hostApi)->name);
    a->api_is_jack = d->hostApi == jack_api_index();
    a->och = c->output && c->out_channels == 2 && d->maxOutputChannels >= 2 ? 2 : 1;

    /* rate: 8000 when offered, else 48000, 44100, the device's default */
    double rate = 0;
    if (c->rate_hz > 0) {
        if (rate_ok(dev, c->input, c->output, c->rate_hz)) rate = c->rate_hz;
    } else {
        const double cand[] = { 8000, 48000, 44100, d->defaultSampleRate };
        for (size_t i = 0; i < sizeof cand / sizeof cand[0] && rate == 0; i++)
            if (cand[i] >= 8000 && cand[i] <= 192000 && rate_ok(dev, c->input, c->output, cand[i])) rate = cand[i];
    }
    if (rate == 0) {
        char buf[300];
        if (c->rate_hz > 0)
            snprintf(buf, sizeof buf, "audio device '%s' does not run at %d Hz (its default rate is %.0f Hz%s)",
                     a->dev_name, c->rate_hz, d->defaultSampleRate,
                     a->api_is_jack ? "; a JACK device runs only at the server's rate" : "");
        else
            snprintf(buf, sizeof buf, "audio device '%s' offers none of 8000, 44100, 48000 Hz (default %.0f Hz)",
                     a->dev_name, d->defaultSampleRate);
        say(why, why_size, "%s%s", buf, "");
        pa_down(a);
        free_all(a);
        return HS_AUDIO_ERATE;
    }
    a->rate = (int)rate;
    /* JACK: callbacks of exactly one server period (PortAudio reports it as the low input
     * latency); splitting a period into smaller callbacks would only call them back to back */
    if (a->api_is_jack && c->period_frames <= 0) {
        /* the server's period shows on its own device "system"; another client's device
         * (the caller opening "hs-answer") reports that client's port latency instead */
        const PaDeviceInfo *sys = d;
        for (int i = 0; i < Pa_GetDeviceCount(); i++) {
            const PaDeviceInfo *x = Pa_GetDeviceInfo(i);
            if (x->hostApi == d->hostApi && strcmp(x->name, "system") == 0) sys = x;
        }
        long p = lround(sys->defaultLowInputLatency * sys->defaultSampleRate);
        if (p >= 16 && p <= 8192) a->period = (int)p;
    }
    a->resampling = a->rate != ENGINE_RATE;
    a->ratio_down = (double)ENGINE_RATE / rate;

    /* priming: one period so the first callback has output, plus a margin for the engine
     * thread's wake-up and for the uneven blocks the converters hand over */
    double margin_ms = c->margin_ms > 0 ? c->margin_ms : 25.0;   /* engine thread's wake-up under load */
    size_t margin = (size_t)(margin_ms * a->rate / 1000.0);
    if (margin < (size_t)a->period / 2) margin = (size_t)a->period / 2;
    a->prime = (size_t)a->period + margin;

    /* rings: at least half a second or 8 periods of device frames */
    size_t ring = (size_t)a->rate / 2;
    if (ring < (size_t)a->period * 8) ring = (size_t)a->period * 8;
    if (ring < a->prime + (size_t)a->period * 4) ring = a->prime + (size_t)a->period * 4;
    a->rx = hs_ring_create(ring, sizeof(float));
    a->tx = hs_ring_create(ring, sizeof(float) * (size_t)a->och);
    a->dev_in = malloc(CHUNK * sizeof(float));
    a->buf8_cap = CHUNK + 64;
    a->buf8 = malloc(a->buf8_cap * sizeof(float));
    a->up_cap = (size_t)(512.0 * rate / ENGINE_RATE) + 64;
    a->up_buf = malloc(a->up_cap * sizeof(float) * (size_t)a->och);
    int serr = 0;
    if (a->resampling) {
        int q = c->src_quality >= 0 ? c->src_quality : SRC_SINC_MEDIUM_QUALITY;
        a->down = src_new(q, 1, &serr);
        if (a->down) a->up = src_new(q, a->och, &serr);
    }
    if (!a->rx || !a->tx || !a->dev_in || !a->buf8 || !a->up_buf || (a->resampling && (!a->down || !a->up))) {
        say(why, why_size, "audio: out of memory or resampler failed (%s)%s",
            serr ? src_strerror(serr) : "allocation", "");
        pa_down(a);
        free_all(a);
        return HS_AUDIO_EFAIL;
    }
    PaStreamParameters ip = { dev, 1, paFloat32, d->defaultLowInputLatency, NULL };
    PaStreamParameters op = { dev, a->och, paFloat32, d->defaultLowOutputLatency, NULL };
    if (!a->api_is_jack) {   /* ALSA/OSS: ask for a comfortable buffer, the handshake is not interactive */
        if (ip.suggestedLatency < 0.05) ip.suggestedLatency = 0.05;
        if (op.suggestedLatency < 0.05) op.suggestedLatency = 0.05;
    }
    e = Pa_OpenStream(&a->stream, c->input ? &ip : NULL, c->output ? &op : NULL, rate, (unsigned long)a->period,
                      paNoFlag, callback, a);
    if (e != paNoError) {
        char buf[400];
        hs_audio_status st = HS_AUDIO_EBUSY;
        if (e == paInvalidSampleRate) {
            st = HS_AUDIO_ERATE;
            snprintf(buf, sizeof buf, "audio device '%s' refused %d Hz: %s", a->dev_name, a->rate, Pa_GetErrorText(e));
        } else if (e == paUnanticipatedHostError) {
            const PaHostErrorInfo *h = Pa_GetLastHostErrorInfo();
            snprintf(buf, sizeof buf, "cannot open audio device '%s': %s (is another program using it?)", a->dev_name,
                     h && h->errorText ? h->errorText : Pa_GetErrorText(e));
        } else {
            snprintf(buf, sizeof buf, "cannot open audio device '%s': %s (is another program using it?)", a->dev_name,
                     Pa_GetErrorText(e));
        }
        say(why, why_size, "%s%s", buf, "");
        a->stream = NULL;
        pa_down(a);
        free_all(a);
        return st;
    }
    const PaStreamInfo *si = Pa_GetStreamInfo(a->stream);
    double per = (double)a->period / rate;
    double il = c->input && si && si->inputLatency > 0 && si->inputLatency < 2 ? si->inputLatency : per;
    double ol = c->output && si && si->outputLatency > 0 && si->outputLatency < 2 ? si->outputLatency : per;
    if (a->api_is_jack) il = ol = per;   /* PortAudio's JACK figure is garbage for client ports */
    a->latency_ms = 1000.0 * ((double)a->prime / rate + ol + (c->input ? il : 0)) + src_delay_ms(a);
    *out = a;
    return HS_AUDIO_OK;
}

/* libsamplerate holds back the first filter length of output (measured with SINC_MEDIUM:
 * 281 frames at 48 kHz up, 46 samples at 8 kHz down): run 50 ms of silence through each
 * converter now, so that later every block comes out at the full ratio and the output
 * priming is not eaten up by the converters' start. */
static void src_run(SRC_STATE *st, const float *in, long n, double ratio, float *out, long cap)
{
    SRC_DATA sd;
    memset(&sd, 0, sizeof sd);
    sd.data_in = in;
    sd.input_frames = n;
    sd.data_out = out;
    sd.output_frames = cap;
    sd.src_ratio = ratio;
    src_process(st, &sd);
}

static void warm_up(hs_audio *a)
{
    static const float zero[400];    /* 80 frames of up to 2 channels, or 400 mono frames */
    float sink[4096];
    for (int i = 0; i < 5; i++) src_run(a->up, zero, 80, 1.0 / a->ratio_down, sink, 4096);
    for (int t = 0; t < a->rate / 20; t += 400) src_run(a->down, zero, 400, a->ratio_down, sink, 4096);
}

hs_audio_status hs_audio_start(hs_audio *a, char *why, size_t why_size)
{
    if (a->resampling) warm_up(a);
    if (a->cfg.output) {
        float z[512] = { 0 };            /* 256 frames of up to 2 channels */
        size_t left = a->prime;
        while (left) left -= hs_ring_write(a->tx, z, left < 256 ? left : 256);
    }
    atomic_store(&a->tx_fill_min, (size_t)SIZE_MAX);
    atomic_store(&a->armed, 1);
    PaError e = Pa_StartStream(a->stream);
    if (e != paNoError) {
        say(why, why_size, "cannot start audio device '%s': %s", a->dev_name, Pa_GetErrorText(e));
        return HS_AUDIO_EBUSY;
    }
    a->started = 1;
    a->seen_t = a->last_active_check = now_s();
    a->seen_callbacks = 0;
    return HS_AUDIO_OK;
}

/* ---- engine side ---- */

size_t hs_audio_read(hs_audio *a, float *in, size_t max)
{
    if (!a->cfg.input) return 0;
    if (!a->resampling) {
        size_t n = hs_ring_read(a->rx, in, max);
        a->engine_in += n;
        return n;
    }
    size_t given = 0;
    for (;;) {
        size_t have = a->buf8_n - a->buf8_off;
        if (have) {
            size_t take = have < max - given ? have : max - given;
            memcpy(in + given, a->buf8 + a->buf8_off, take * sizeof(float));
            given += take;
            a->buf8_off += take;
        }
        if (given == max) break;
        a->buf8_n = a->buf8_off = 0;
        a->dev_in_n += hs_ring_read(a->rx, a->dev_in + a->dev_in_n, CHUNK - a->dev_in_n);
        if (a->dev_in_n == 0) break;
        SRC_DATA sd;
        memset(&sd, 0, sizeof sd);
        sd.data_in = a->dev_in;
        sd.input_frames = (long)a->dev_in_n;
        sd.data_out = a->buf8;
        sd.output_frames = (long)a->buf8_cap;
        sd.src_ratio = a->ratio_down;
        if (src_process(a->down, &sd) != 0) break;
        size_t used = (size_t)sd.input_frames_used;
        memmove(a->dev_in, a->dev_in + used, (a->dev_in_n - used) * sizeof(float));
        a->dev_in_n -= used;
        a->buf8_n = (size_t)sd.output_frames_gen;
        if (a->buf8_n == 0 && used == 0) break;
    }
    a->engine_in += given;
    return given;
}

size_t hs_audio_write(hs_audio *a, const float *out, size_t n)
{
    if (!a->cfg.output) return 0;
    if (!a->resampling) {
        size_t w = hs_ring_write(a->tx, out, n);
        a->engine_out += w;
        return w;
    }
    size_t done = 0;
    while (done < n) {
        size_t part = n - done < 512 ? n - done : 512;
        SRC_DATA sd;
        memset(&sd, 0, sizeof sd);
        sd.data_in = out + done;
        sd.input_frames = (long)part;
        sd.data_out = a->up_buf;
        sd.output_frames = (long)a->up_cap;
        sd.src_ratio = 1.0 / a->ratio_down;
        if (src_process(a->up, &sd) != 0) break;
        hs_ring_write(a->tx, a->up_buf, (size_t)sd.output_frames_gen);
        done += (size_t)sd.input_frames_used;
        if (sd.input_frames_used == 0 && sd.output_frames_gen == 0) break;
    }
    a->engine_out += done;
    return done;
}

size_t hs_audio_writable(const hs_audio *a)
{
    double w = (double)hs_ring_writable(a->tx) * a->ratio_down - 16;
    return w > 0 ? (size_t)w : 0;
}

size_t hs_audio_queued(const hs_audio *a)
{
    return (size_t)((double)hs_ring_readable(a->tx) * a->ratio_down);
}

hs_audio_status hs_audio_health(hs_audio *a)
{
    if (a->lost) return HS_AUDIO_ELOST;
    if (!a->started || a->stopped) return HS_AUDIO_OK;
    double t = now_s();
    uint64_t cb = atomic_load_explicit(&a->callbacks, memory_order_relaxed);
    if (cb != a->seen_callbacks) {
        a->seen_callbacks = cb;
        a->seen_t = t;
    } else if (t - a->seen_t > a->cfg.lost_after_s) {
        a->lost = 1;
    }
    if (!a->lost && t - a->last_active_check > 0.05) {
        a->last_active_check = t;
        if (Pa_IsStreamActive(a->stream) != 1) a->lost = 1;
    }
    return a->lost ? HS_AUDIO_ELOST : HS_AUDIO_OK;
}

hs_audio_status hs_audio_wait(hs_audio *a, int timeout_ms, size_t want8k)
{
    double t0 = now_s();
    for (;;) {
        if (hs_audio_health(a) != HS_AUDIO_OK) return HS_AUDIO_ELOST;
        if (a->cfg.input) {
            if (hs_ring_readable(a->rx) > 0 || a->buf8_n > a->buf8_off) return HS_AUDIO_OK;
        } else if (hs_audio_writable(a) >= want8k) {
            return HS_AUDIO_OK;
        }
        if ((now_s() - t0) * 1000.0 >= timeout_ms) return HS_AUDIO_OK;
        nap_ms(1);
    }
}

void hs_audio_get_stats(const hs_audio *a, hs_audio_stats *s)
{
    hs_audio *m = (hs_audio *)a;
    memset(s, 0, sizeof *s);
    s->rate_hz = a->rate;
    s->period_frames = a->period;
    s->resampling = a->resampling;
    s->latency_ms = a->latency_ms;
    s->callbacks = atomic_load(&m->callbacks);
    s->in_frames = atomic_load(&m->in_frames);
    s->out_frames = atomic_load(&m->out_frames);
    s->overruns = atomic_load(&m->overruns);
    s->overrun_frames = atomic_load(&m->overrun_frames);
    s->underruns = atomic_load(&m->underruns);
    s->underrun_frames = atomic_load(&m->underrun_frames);
    s->xrun_flags = atomic_load(&m->xrun_flags);
    s->tx_dropped = hs_ring_dropped(a->tx);
    s->rx_fill = hs_ring_readable(a->rx);
    s->tx_fill = hs_ring_readable(a->tx);
    s->rx_fill_max = atomic_load(&m->rx_fill_max);
    size_t mn = atomic_load(&m->tx_fill_min);
    s->tx_fill_min = mn == SIZE_MAX ? 0 : mn;
    s->ring_frames = hs_ring_capacity(a->rx);
    s->engine_in = a->engine_in;
    s->engine_out = a->engine_out;
}

const char *hs_audio_device_name(const hs_audio *a) { return a->dev_name; }
int hs_audio_output_channels(const hs_audio *a) { return a->och; }
const char *hs_audio_host_api(const hs_audio *a) { return a->api_name; }

int hs_audio_poll_event(hs_audio *a, uint8_t source, uint64_t now, hs_event *ev)
{
    hs_audio_stats s;
    if (!a->ev_open_done) {
        a->ev_open_done = 1;
        hs_event_init(ev, HS_EV_AUDIO, source, now);
        hs_event_str(ev, "what", "open");
        hs_event_str(ev, "host_api", a->api_is_jack ? "JACK" : "other");
        hs_event_int(ev, "rate_hz", a->rate);
        hs_event_int(ev, "period_frames", a->period);
        hs_event_bool(ev, "resampling", a->resampling);
        hs_event_num(ev, "latency_ms", a->latency_ms);
        a->ev_fill_sample = now + 10 * ENGINE_RATE;
        return 1;
    }
    if (a->stopped) {
        if (a->ev_stats_done) return 0;
        a->ev_stats_done = 1;
        hs_audio_get_stats(a, &s);
        hs_event_init(ev, HS_EV_AUDIO, source, now);
        hs_event_str(ev, "what", "stats");
        hs_event_int(ev, "callbacks", (int64_t)s.callbacks);
        hs_event_int(ev, "in_frames", (int64_t)s.in_frames);
        hs_event_int(ev, "out_frames", (int64_t)s.out_frames);
        hs_event_int(ev, "underruns", (int64_t)s.underruns);
        hs_event_int(ev, "overruns", (int64_t)s.overruns);
        hs_event_int(ev, "xrun_flags", (int64_t)s.xrun_flags);
        hs_event_int(ev, "rx_fill_max", (int64_t)s.rx_fill_max);
        hs_event_int(ev, "tx_fill_min", (int64_t)s.tx_fill_min);
        hs_event_int(ev, "ring_frames", (int64_t)s.ring_frames);
        hs_event_bool(ev, "lost", a->lost);
        return 1;
    }
    hs_audio_get_stats(a, &s);
    uint64_t sum = s.underruns + s.overruns + s.xrun_flags + s.tx_dropped;
    if (sum != a->ev_xrun_sum && (!a->ev_xrun_any || now >= a->ev_xrun_sample + ENGINE_RATE)) {
        a->ev_xrun_sum = sum;
        a->ev_xrun_any = 1;
        a->ev_xrun_sample = now;
        hs_event_init(ev, HS_EV_AUDIO, source, now);
        hs_event_str(ev, "what", "xrun");
        hs_event_int(ev, "underruns", (int64_t)s.underruns);
        hs_event_int(ev, "underrun_frames", (int64_t)s.underrun_frames);
        hs_event_int(ev, "overruns", (int64_t)s.overruns);
        hs_event_int(ev, "overrun_frames", (int64_t)s.overrun_frames);
        hs_event_int(ev, "xrun_flags", (int64_t)s.xrun_flags);
        hs_event_int(ev, "tx_dropped", (int64_t)s.tx_dropped);
        return 1;
    }
    if (now >= a->ev_fill_sample) {
        a->ev_fill_sample = now + 10 * ENGINE_RATE;
        hs_event_init(ev, HS_EV_AUDIO, source, now);
        hs_event_str(ev, "what", "fill");
        hs_event_int(ev, "rx_fill", (int64_t)s.rx_fill);
        hs_event_int(ev, "tx_fill", (int64_t)s.tx_fill);
        hs_event_int(ev, "rx_fill_max", (int64_t)s.rx_fill_max);
        hs_event_int(ev, "tx_fill_min", (int64_t)s.tx_fill_min);
        hs_event_int(ev, "ring_frames", (int64_t)s.ring_frames);
        return 1;
    }
    return 0;
}

void hs_audio_stop(hs_audio *a, int drain_ms)
{
    if (!a || a->stopped) return;
    atomic_store(&a->armed, 0);   /* draining runs the ring dry on purpose: no underruns */
    if (a->started && !a->lost && a->cfg.output) {
        double t0 = now_s();
        while (hs_ring_readable(a->tx) > 0 && (now_s() - t0) * 1000.0 < drain_ms) {
            if (hs_audio_health(a) != HS_AUDIO_OK) break;
            nap_ms(2);
        }
    }
    if (a->started && !a->lost) {
        if (drain_ms > 0 && a->cfg.output) nap_ms(1000.0 * a->period / a->rate);   /* last period out */
        Pa_StopStream(a->stream);
    }
    a->stopped = 1;
}

void hs_audio_close(hs_audio *a)
{
    if (!a) return;
    if (a->lost) {
        /* PortAudio 19.6 asserts in Pa_CloseStream when the JACK server died under the stream,
         * and its threads may still touch our rings: leave everything to process exit. */
        return;
    }
    if (a->started && !a->stopped) Pa_StopStream(a->stream);
    if (a->stream) Pa_CloseStream(a->stream);
    pa_down(a);
    free_all(a);
}

int hs_audio_boost_thread(void)
{
    const char *no = getenv("HS_AUDIO_NO_RT");
    if (no && *no && strcmp(no, "0") != 0) return 0;
    struct sched_param sp;
    memset(&sp, 0, sizeof sp);
    sp.sched_priority = 1;   /* the lowest realtime priority: below JACK's own threads (10+) */
    return pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0;
}

/* ---- handshake devices ---- */

int hs_audio_list_devices(FILE *f)
{
#ifdef HS_HAVE_PA_JACK
    PaJack_SetClientName("handshake-devices");
#endif
    PaError e = pa_init_quiet();
    if (e != paNoError) {
        fprintf(stderr, "handshake: cannot start PortAudio: %s\n", Pa_GetErrorText(e));
        return 3;
    }
    int nd = Pa_GetDeviceCount();
    int din = Pa_GetDefaultInputDevice(), dout = Pa_GetDefaultOutputDevice();
    fprintf(f, "host APIs:");
    for (int i = 0; i < Pa_GetHostApiCount(); i++) fprintf(f, "%s %s", i ? "," : "", Pa_GetHostApiInfo(i)->name);
    fprintf(f, "\n");
    if (nd > 0) {
        fprintf(f, "%5s  %-32s %-28s %4s %4s %9s\n", "index", "name", "host API", "in", "out", "rate Hz");
        for (int i = 0; i < nd; i++) {
            const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
            char mark[4] = "";
            if (i == din) strcat(mark, "<");
            if (i == dout) strcat(mark, ">");
            fprintf(f, "%5d  %-32s %-28s %4d %4d %9.0f %s\n", i, d->name, Pa_GetHostApiInfo(d->hostApi)->name,
                    d->maxInputChannels, d->maxOutputChannels, d->defaultSampleRate, mark);
        }
        fprintf(f, "(< default input, > default output; pick one with --device INDEX or --device NAME)\n");
    }
    int jack = jack_api_index() >= 0;
    Pa_Terminate();
#ifdef HS_HAVE_PA_JACK
    PaJack_SetClientName("handshake");
#endif
    if (nd <= 0) {
        fprintf(stderr, "handshake: no audio device found (no sound card%s); for a virtual one start a JACK server "
                        "(scripts/jack-test-server.sh) or try 'handshake loopback'\n",
                jack ? "" : ", no JACK server running");
        return 3;
    }
    return 0;
}

/* ---- speaker sink for sim --play ---- */

struct hs_play {
    hs_audio *a;
    size_t    target8k;      /* keep about this much queued: real-time pacing */
    float     frame[2 * 160];
};

int hs_play_open(const char *device, const char *jack_name, int stereo, hs_play **out, char *err, size_t errlen)
{
    *out = NULL;
    hs_audio_config c = hs_audio_config_default();
    c.input = 0;
    c.out_channels = stereo ? 2 : 1;
    c.device = device;
    c.jack_name = jack_name ? jack_name : "handshake-play";
    hs_audio *a = NULL;
    if (hs_audio_open(&c, &a, err, errlen) != HS_AUDIO_OK || hs_audio_start(a, err, errlen) != HS_AUDIO_OK) {
        hs_audio_close(a);
        return 3;
    }
    hs_play *p = calloc(1, sizeof *p);
    if (!p) {
        hs_audio_close(a);
        snprintf(err, errlen, "out of memory");
        return 3;
    }
    p->a = a;
    p->target8k = ENGINE_RATE / 10;    /* 100 ms queued */
    *out = p;
    return 0;
}

int hs_play_channels(const hs_play *p) { return hs_audio_output_channels(p->a); }

int hs_play_write(hs_play *p, const float *left, const float *right, size_t n, char *err, size_t errlen)
{
    int och = hs_audio_output_channels(p->a);
    while (n) {
        size_t part = n < 160 ? n : 160;
        while (hs_audio_queued(p->a) > p->target8k || hs_audio_writable(p->a) < part) {
            if (hs_audio_wait(p->a, 5, part) != HS_AUDIO_OK) {
                snprintf(err, errlen, "audio device '%s' stopped playing (unplugged, or the JACK server ended)",
                         hs_audio_device_name(p->a));
                return 3;
            }
            if (hs_audio_queued(p->a) > p->target8k) nap_ms(5);
        }
        for (size_t i = 0; i < part; i++) {
            float l = left[i], r = right ? right[i] : 0.0f;
            if (och == 2) {
                p->frame[2 * i] = l;
                p->frame[2 * i + 1] = right ? r : l;
            } else {
                p->frame[i] = l + r;
            }
        }
        hs_audio_write(p->a, p->frame, part);
        left += part;
        if (right) right += part;
        n -= part;
    }
    return 0;
}

void hs_play_close(hs_play *p, int drain)
{
    if (!p) return;
    hs_audio_stop(p->a, drain ? 2000 : 0);
    hs_audio_close(p->a);
    free(p);
}

int hs_play_atm1_stops(const hs_event *e)
{
    if (e->type == HS_EV_CONNECT) return 1;
    if (e->type == HS_EV_RESULT) return 1;
    if (e->type == HS_EV_PHASE) {
        const hs_field *f = hs_event_field(e, "name");
        if (f && f->kind == HS_F_STR && f->v.s && strstr(f->v.s, "data")) return 1;
    }
    return 0;
}
