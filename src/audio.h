/* src/audio.h: a PortAudio endpoint for the engine (live answer/call, loopback, sim --play).
 *
 * Threads: PortAudio's callback only copies between the device buffers and two lock-free SPSC
 * rings (src/ring.h) and bumps counters; it never blocks, allocates, locks or prints. The
 * engine thread (the caller of hs_audio_read/_write) resamples between the device rate and
 * the engine's 8000 Hz with libsamplerate (only when the device does not offer 8000 Hz).
 *
 * The stream is mono float. The device is chosen by index ("3") or by name (exact, then
 * case-insensitive substring); with no name, the JACK server's "system" device when a JACK
 * server runs, else PortAudio's default device. Rate: 8000 Hz when the device offers it,
 * else 48000 or 44100 Hz (or its default rate), resampled both ways.
 *
 * Errors carry one sentence for the user (why[]) and a status; the command line maps every
 * status to exit code 3 ("file or audio device"). */
#ifndef HS_AUDIO_H
#define HS_AUDIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "events.h"

typedef enum {
    HS_AUDIO_OK = 0,
    HS_AUDIO_ENODEV,    /* no such device / no device at all / needed channels missing */
    HS_AUDIO_EBUSY,     /* device exists but cannot be opened (used by another program) */
    HS_AUDIO_ERATE,     /* no usable sample rate */
    HS_AUDIO_ELOST,     /* device stopped delivering audio (unplugged, JACK server gone) */
    HS_AUDIO_EFAIL,     /* PortAudio or libsamplerate failed otherwise (out of memory, ...) */
} hs_audio_status;

typedef struct {
    const char *device;        /* NULL or "": default; "3": index; else name (exact, then substring) */
    const char *jack_name;     /* JACK client name (NULL: "handshake"); set before Pa_Initialize */
    int         input;         /* 1: open the input side (microphone / line in) */
    int         output;        /* 1: open the output side */
    int         out_channels;  /* 2: stereo output when the device has it (play); else mono */
    int         rate_hz;       /* 0: automatic (8000 if offered, else 48000/44100/default) */
    int         period_frames; /* frames per callback; 0: 256 */
    double      wait_device_s; /* keep re-scanning this long until the device appears (JACK peer) */
    double      lost_after_s;  /* no callback for this long = device lost; 0: 1.5 s */
    double      margin_ms;     /* output queued beyond one period, for the engine thread's
                                  scheduling delays; 0: 25 ms (at least half a period) */
    int         src_quality;   /* libsamplerate converter (SRC_SINC_*); -1: SRC_SINC_MEDIUM_QUALITY */
} hs_audio_config;

hs_audio_config hs_audio_config_default(void);   /* full duplex, automatic everything */

typedef struct {
    int      rate_hz;          /* device stream rate */
    int      period_frames;
    int      resampling;       /* 1 when rate_hz != 8000 */
    double   latency_ms;       /* estimated one-way: output ring priming + device in/out latency */
    uint64_t callbacks;
    uint64_t in_frames;        /* device frames delivered by the callback (input) */
    uint64_t out_frames;       /* device frames handed to the device (output) */
    uint64_t overruns;         /* callbacks whose input did not fit the rx ring (engine too slow) */
    uint64_t overrun_frames;   /* input frames lost that way */
    uint64_t underruns;        /* callbacks that found the tx ring short (after start-up) */
    uint64_t underrun_frames;  /* output frames filled with silence that way */
    uint64_t xrun_flags;       /* callbacks the host API flagged (JACK xrun, ALSA under/overflow) */
    uint64_t tx_dropped;       /* engine output frames refused by a full tx ring */
    size_t   rx_fill, tx_fill; /* ring fill now (device frames) */
    size_t   rx_fill_max;      /* largest rx fill seen by the callback */
    size_t   tx_fill_min;      /* smallest tx fill seen by the callback (after start-up) */
    size_t   ring_frames;      /* ring capacity (device frames) */
    uint64_t engine_in;        /* 8 kHz samples returned by hs_audio_read */
    uint64_t engine_out;       /* 8 kHz samples accepted by hs_audio_write */
} hs_audio_stats;

typedef struct hs_audio hs_audio;

/* Initialises PortAudio, finds the device, opens (does not start) the stream. On error
 * *out is NULL and why holds one sentence naming the device and a hint. */
hs_audio_status hs_audio_open(const hs_audio_config *c, hs_audio **out, char *why, size_t why_size);
/* Primes the output with one period (+ resampler slack) of silence and starts the stream. */
hs_audio_status hs_audio_start(hs_audio *a, char *why, size_t why_size);

/* Engine side, 8000 Hz, never blocks. read returns how many samples (<= max) it could give;
 * write returns how many frames it accepted (the rest counts as tx_dropped); with two output
 * channels (hs_audio_output_channels) out holds n interleaved frames (left, right). */
size_t hs_audio_read(hs_audio *a, float *in, size_t max);
size_t hs_audio_write(hs_audio *a, const float *out, size_t n);
/* 8 kHz samples the output ring can take now (for output-only pacing). */
size_t hs_audio_writable(const hs_audio *a);
/* 8 kHz samples waiting in the output ring. */
size_t hs_audio_queued(const hs_audio *a);

/* Sleeps up to timeout_ms (short naps) until input is readable (input streams) or the output
 * ring has room for want8k samples (output-only). Returns HS_AUDIO_OK, or HS_AUDIO_ELOST when
 * the stream stopped or no callback came for lost_after_s. */
hs_audio_status hs_audio_wait(hs_audio *a, int timeout_ms, size_t want8k);
/* HS_AUDIO_ELOST once the device stopped delivering (checked by hs_audio_wait). */
hs_audio_status hs_audio_health(hs_audio *a);

void hs_audio_get_stats(const hs_audio *a, hs_audio_stats *s);
const char *hs_audio_device_name(const hs_audio *a);    /* "system" */
const char *hs_audio_host_api(const hs_audio *a);       /* "JACK Audio Connection Kit" */
int         hs_audio_output_channels(const hs_audio *a);  /* 1 or 2 */

/* HS_EV_AUDIO events for the timeline: "open" once (rate, period, resampling, latency),
 * "xrun" when a counter moved (at most once a second), "fill" every 10 s, and "stats" after
 * hs_audio_stop. now = engine sample count to stamp them with. 1 if one was returned. */
int hs_audio_poll_event(hs_audio *a, uint8_t source, uint64_t now, hs_event *ev);

/* Lets the output ring drain (at most drain_ms), then stops the stream. */
void hs_audio_stop(hs_audio *a, int drain_ms);
/* Closes the stream and terminates PortAudio. After HS_AUDIO_ELOST it skips PortAudio's own
 * teardown (PortAudio 19.6 aborts closing a JACK stream whose server died). NULL: no-op. */
void hs_audio_close(hs_audio *a);

/* Puts the calling (engine) thread at the lowest SCHED_FIFO priority when allowed (root or
 * rtprio), so that other programs' load cannot delay it past the output margin; the engine
 * uses a few % of a core. 1 if it worked; HS_AUDIO_NO_RT=1 disables it. */
int hs_audio_boost_thread(void);

/* `handshake devices`: prints the table of devices to f. Returns 0, or 3 when PortAudio fails. */
int hs_audio_list_devices(FILE *f);

/* Speaker sink for `sim --play`: plays 8 kHz samples at real time, paced by the device
 * (about 100 ms queued ahead). Stereo when asked and the device has two output channels,
 * else mono (left + right mixed). All return 0, or 3 with one sentence in err (no prefix). */
typedef struct hs_play hs_play;
int  hs_play_open(const char *device, const char *jack_name, int stereo, hs_play **out, char *err, size_t errlen);
/* Blocks until left[0..n) (and right, or NULL for mono) are queued. */
int  hs_play_write(hs_play *p, const float *left, const float *right, size_t n, char *err, size_t errlen);
/* drain 1: let the queued sound play out first; 0: stop now (ATM1 at the data phase, Ctrl-C). */
void hs_play_close(hs_play *p, int drain);
int  hs_play_channels(const hs_play *p);     /* 1 or 2 */
/* ATM1 rule (speaker on until the carrier): 1 when this event marks the end of the start-up. */
int  hs_play_atm1_stops(const hs_event *e);

#endif
