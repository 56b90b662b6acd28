/* src/play_sink.c: `handshake sim --play`: the simulated line through the speaker, at real
 * time (src/sim_hooks.h). The device paces the run: on_audio blocks until the block is
 * queued (about 100 ms ahead of the speaker). Stereo (caller left, answerer right, like the
 * WAV) unless --mono or the device has one channel, then both mixed.
 *
 * ATM1 (a modem's speaker on until the carrier): hs_play_sim_sink_create_atm1(..., 1, ...)
 * falls silent at the end of the start-up (hs_play_atm1_stops) and lets the run finish at
 * full speed. Ctrl-C stops the run (on_audio returns nonzero) and the sound at once. */
#include "audio.h"
#include "cli.h"
#include "sim_hooks.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    hs_sim_sink      sink;
    hs_play         *play;
    int              atm1;
    int              silent;        /* ATM1 reached, or the device failed */
    int              failed;
    struct sigaction old_int;
    char             err[512];
} play_sink;

static volatile sig_atomic_t play_interrupted;

static void on_int(int sig)
{
    (void)sig;
    play_interrupted = 1;
}

static int play_audio(void *user, const hs_sim_block *b)
{
    play_sink *s = user;
    if (play_interrupted) return 1;
    if (s->silent) return 0;
    if (hs_play_write(s->play, b->caller_tx, b->answerer_tx, b->n, s->err, sizeof s->err) != 0) {
        hs_cli_error("sim --play: %s", s->err);
        s->failed = 1;
        s->silent = 1;
        return 1;
    }
    return play_interrupted ? 1 : 0;
}

static int play_event(void *user, const hs_event *ev)
{
    play_sink *s = user;
    if (s->atm1 && !s->silent && hs_play_atm1_stops(ev)) {
        s->silent = 1;          /* speaker off; what is queued still plays out (on_end) */
    }
    return 0;
}

static void play_end(void *user, const hs_run_result *r)
{
    (void)r;
    play_sink *s = user;
    if (s->play) hs_play_close(s->play, !play_interrupted && !s->failed);
    s->play = NULL;
}

int hs_play_sim_sink_create_atm1(const hs_sim_hook_args *a, int atm1, hs_sim_sink **out, char *err, size_t errlen);

int hs_play_sim_sink_create_atm1(const hs_sim_hook_args *a, int atm1, hs_sim_sink **out, char *err, size_t errlen)
{
    *out = NULL;
    play_sink *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "--play: out of memory");
        return HS_EXIT_FILE;
    }
    if (hs_play_open(a->device, "handshake-play", !a->mono, &s->play, err, errlen) != 0) {
        free(s);
        return HS_EXIT_FILE;
    }
    s->atm1 = atm1;
    play_interrupted = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_int;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &s->old_int);
    s->sink.user = s;
    s->sink.on_audio = play_audio;
    s->sink.on_event = play_event;
    s->sink.on_end = play_end;
    s->sink.next = NULL;
    *out = &s->sink;
    return 0;
}

int hs_play_sim_sink_create(const hs_sim_hook_args *a, hs_sim_sink **out, char *err, size_t errlen)
{
    return hs_play_sim_sink_create_atm1(a, a->until_data, out, err, errlen);
}

void hs_play_sim_sink_destroy(hs_sim_sink *sink)
{
    if (!sink) return;
    play_sink *s = sink->user;
    if (s->play) hs_play_close(s->play, 0);
    sigaction(SIGINT, &s->old_int, NULL);
    free(s);
}
