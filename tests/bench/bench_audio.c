/* tests/bench/bench_audio.c: the live audio path on a private JACK dummy server.
 *
 *   latency   one-way, engine to engine through one JACK hop (own output wired to own
 *             input): a PRBS burst is written at a known engine sample and found again by
 *             cross-correlation; 8000 Hz (no resampler) and 48000 Hz (both resamplers)
 *   cpu       `answer` + `call` as two processes through the loopback (the real live engine:
 *             modem + rings + resampling + PortAudio/JACK threads): CPU seconds / wall seconds
 *             of each process, from wait4's rusage; 5 runs, median
 *   xruns     a long run (default 120 s; argv[1] = seconds) of the engine loop with a counting
 *             sequence through the loopback: underruns, overruns, host xrun flags and sample
 *             errors, at 8000 and 48000 Hz
 *
 * Build: cmake -DHS_BUILD_BENCH=ON; run: build/tests/bench_audio [seconds]. */
#define _DEFAULT_SOURCE   /* wait4 */
#include "hs_test.h"

#include "audio.h"
#include "audio_jack.h"

#include <stdint.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int hs_cmd_answer(int argc, char **argv);
int hs_cmd_call(int argc, char **argv);

static hs_audio *open_self_loop(const char *name, double margin_ms)
{
    hs_audio_config c = hs_audio_config_default();
    c.device = "system";
    c.jack_name = name;
    c.margin_ms = margin_ms;
    char why[512], port[128];
    hs_audio *a = NULL;
    if (hs_audio_open(&c, &a, why, sizeof why) != HS_AUDIO_OK) {
        printf("open: %s\n", why);
        return NULL;
    }
    snprintf(port, sizeof port, "%s:out_0", name);
    audio_jack_wait_port(port, 5);
    audio_jack_cmd("jack_connect %s:out_0 %s:in_0", name, name);
    if (hs_audio_start(a, why, sizeof why) != HS_AUDIO_OK) {
        printf("start: %s\n", why);
        hs_audio_close(a);
        return NULL;
    }
    return a;
}

/* ---- latency ---- */

static void latency(int rate, int period)
{
    audio_jack j;
    if (audio_jack_start(&j, "blat", rate, period)) return;
    hs_audio *a = open_self_loop("hs-lat", 0);
    if (!a) {
        audio_jack_stop(&j);
        return;
    }
    enum { LEN = 8000 * 4, BURST = 512, AT = 8000 };   /* burst at engine sample 8000 (1 s) */
    static float rx[LEN], burst[BURST];
    uint32_t x = 1;
    for (int i = 0; i < BURST; i++) {
        x = x * 1103515245u + 12345u;
        burst[i] = (x >> 16) & 1 ? 0.3f : -0.3f;
    }
    size_t got = 0, sent = 0;
    float in[512], out[512];
    double t_written = 0;
    while (got < LEN) {
        hs_audio_wait(a, 100, 0);
        size_t n = hs_audio_read(a, in, 512 < LEN - got ? 512 : LEN - got);
        for (size_t i = 0; i < n; i++) {
            size_t k = sent + i;
            out[i] = k >= AT && k < AT + BURST ? burst[k - AT] : 0.0f;
        }
        hs_audio_write(a, out, n);
        if (!t_written && sent + n > AT) t_written = audio_now_s();
        memcpy(rx + got, in, n * sizeof *rx);
        sent += n;
        got += n;
    }
    hs_audio_stats st;
    hs_audio_stop(a, 0);
    hs_audio_get_stats(a, &st);
    hs_audio_close(a);
    audio_jack_stop(&j);
    double best = 0;
    long lag = -1;
    for (long d = 0; d + AT + BURST < LEN; d++) {
        double c = 0;
        for (int i = 0; i < BURST; i++) c += (double)rx[AT + d + i] * (double)burst[i];
        if (c > best) best = c, lag = d;
    }
    printf("latency  %5d Hz  period %4d: one way engine->engine %ld samples = %.1f ms (estimate reported: %.1f ms)"
           "  corr %.2f\n",
           rate, period, lag, (double)lag / 8.0, st.latency_ms, best / (BURST * 0.09));
}

/* ---- cpu ---- */

static double spawn_cpu(const char *self, char **args, pid_t *pid)
{
    (void)self;
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        FILE *f = freopen("/dev/null", "w", stdout);
        (void)f;
        execv(args[0], args);
        _exit(127);
    }
    *pid = p;
    return 0;
}

static void cpu(int rate, int period)
{
    audio_jack j;
    if (audio_jack_start(&j, "bcpu", rate, period)) return;
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = 0;
    double share_a[5], share_c[5], wall[5];
    for (int r = 0; r < 5; r++) {
        char *aa[] = { self, "answer", "--device", "system", "--jack-name", "hs-answer", "--timeout", "30", NULL };
        char *ca[] = { self, "call", "--device", "hs-answer", "--wait-device", "10", "--jack-name", "hs-call",
                       "--timeout", "30", NULL };
        pid_t pa, pc;
        double t0 = audio_now_s();
        spawn_cpu(self, aa, &pa);
        spawn_cpu(self, ca, &pc);
        struct rusage ua, uc;
        int st;
        wait4(pc, &st, 0, &uc);
        double tc = audio_now_s() - t0;
        wait4(pa, &st, 0, &ua);
        double ta = audio_now_s() - t0;
        double ca_s = (double)ua.ru_utime.tv_sec + (double)ua.ru_utime.tv_usec * 1e-6 + (double)ua.ru_stime.tv_sec +
                      (double)ua.ru_stime.tv_usec * 1e-6;
        double cc_s = (double)uc.ru_utime.tv_sec + (double)uc.ru_utime.tv_usec * 1e-6 + (double)uc.ru_stime.tv_sec +
                      (double)uc.ru_stime.tv_usec * 1e-6;
        share_a[r] = ca_s / ta;
        share_c[r] = cc_s / tc;
        wall[r] = ta;
    }
    audio_jack_stop(&j);
    for (int i = 0; i < 5; i++)   /* sort for the median */
        for (int k = i + 1; k < 5; k++) {
            double t;
            if (share_a[k] < share_a[i]) t = share_a[i], share_a[i] = share_a[k], share_a[k] = t;
            if (share_c[k] < share_c[i]) t = share_c[i], share_c[i] = share_c[k], share_c[k] = t;
            if (wall[k] < wall[i]) t = wall[i], wall[i] = wall[k], wall[k] = t;
        }
    printf("cpu      %5d Hz  period %4d: answer %.1f %% of one core, call %.1f %% (median of 5 runs of %.1f s wall; "
           "process CPU incl. PortAudio/JACK threads, start-up included)\n",
           rate, period, 100 * share_a[2], 100 * share_c[2], wall[2]);
}

/* ---- long run: xruns ---- */

static float seq_value(uint64_t k) { return (float)((int)(k % 32768u) - 16384) / 32768.0f; }

static void long_run(int rate, int period, double secs)
{
    audio_jack j;
    if (audio_jack_start(&j, "blong", rate, period)) return;
    hs_audio *a = open_self_loop("hs-long", 0);   /* the default margin, as answer/call use */
    int rt = hs_audio_boost_thread();               /* as answer/call do */
    printf("engine thread realtime (SCHED_FIFO 1): %s\n", rt ? "yes" : "no");
    if (!a) {
        audio_jack_stop(&j);
        return;
    }
    uint64_t total = (uint64_t)(secs * 8000), sent = 0, got = 0, checked = 0, bad = 0, lead = 0, slips = 0;
    int synced = 0;
    float in[512], out[512];
    double t0 = audio_now_s();
    struct timespec c0, c1;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    while (got < total) {
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
            /* at 48000 Hz the resamplers change the values: count only gross errors there */
            /* at 48000 Hz the resamplers smear the sawtooth's wrap: values are checked only
             * at 8000 Hz (bit-exact); at 48000 Hz the counters alone tell */
            int wrong = rate == 8000 && in[i] != seq_value(checked);
            bad += wrong;
            if (wrong && rate == 8000 && in[i] != 0.0f) {   /* re-synchronise: count a slip */
                long v = lround((double)in[i] * 32768.0) + 16384, base = (long)(checked % 32768u);
                long delta = v - base;
                if (delta > 16384) delta -= 32768;
                if (delta < -16384) delta += 32768;
                checked = (uint64_t)((long)checked + delta);
                slips++;
            }
            checked++;
        }
        got += n;
    }
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    double wall = audio_now_s() - t0;
    double eng = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) * 1e-9;
    hs_audio_stats st;
    hs_audio_stop(a, 0);
    hs_audio_get_stats(a, &st);
    hs_audio_close(a);
    audio_jack_stop(&j);
    printf("xruns    %5d Hz  period %4d: %.0f s: underruns %llu, overruns %llu, host xrun flags %llu, tx dropped %llu, "
           "sample errors %llu of %llu%s, slips %llu; rx fill max %zu, tx fill min %zu (ring %zu frames); engine thread CPU %.2f %%\n",
           rate, period, wall, (unsigned long long)st.underruns, (unsigned long long)st.overruns,
           (unsigned long long)st.xrun_flags, (unsigned long long)st.tx_dropped, (unsigned long long)bad,
           (unsigned long long)checked, rate == 8000 ? " (bit-exact check)" : " (not checked: resampled)",
           (unsigned long long)slips,
           st.rx_fill_max, st.tx_fill_min, st.ring_frames, 100 * eng / wall);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "answer") == 0) return hs_cmd_answer(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "call") == 0) return hs_cmd_call(argc - 1, argv + 1);
    double secs = argc > 1 ? atof(argv[1]) : 120;
    if (secs <= 0) secs = 120;
#ifdef NDEBUG
    printf("build: optimised (NDEBUG)\n");
#else
    printf("build: assertions on\n");
#endif
    latency(8000, 256);
    latency(8000, 128);
    latency(48000, 1024);
    cpu(8000, 256);
    cpu(48000, 1024);
    long_run(8000, 256, secs);
    long_run(48000, 1024, secs);
    return 0;
}
