/* tests/common/audio_jack.h: a private JACK dummy server for the audio tests
 * (recipe: shared/recipes/headless-audio.md). Each test starts its own server under a unique
 * name, exports JACK_DEFAULT_SERVER so PortAudio and the jack_* tools find it, and stops it
 * after the instances. */
#ifndef HS_AUDIO_JACK_H
#define HS_AUDIO_JACK_H

#include <sys/types.h>

typedef struct {
    pid_t pid;
    char  name[64];
    char  log[256];
    int   rate;
} audio_jack;

/* Starts `jackd -n NAME -d dummy -r RATE -p PERIOD` in its own process group, waits until it
 * answers (jack_lsp), sets JACK_DEFAULT_SERVER. 0 on success; 77 when jackd is not installed
 * (never in CI); -1 when it did not come up (log kept). */
int  audio_jack_start(audio_jack *j, const char *tag, int rate, int period);
/* SIGTERM, wait (at most 5 s, then SIGKILL); unsets JACK_DEFAULT_SERVER. Returns jackd's exit status. */
int  audio_jack_stop(audio_jack *j);
/* After a server was killed (SIGKILL): starts and stops one under the same name, which frees
 * its slot in JACK's shared registry (jackd2 keeps at most 8 servers there and reclaims a dead
 * one's slot only for the same name). 0 on success. */
int  audio_jack_reclaim(const char *name);
/* Polls jack_lsp until the port exists (at most timeout_s). 1 if it appeared. */
int  audio_jack_wait_port(const char *port, double timeout_s);
/* Runs a jack tool command line ("jack_connect a b") quietly; its exit status. */
int  audio_jack_cmd(const char *fmt, ...);
double audio_now_s(void);

#endif
