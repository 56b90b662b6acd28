/* src/cmd_live.c: the live commands on sound devices.
 *
 *   handshake devices                       list PortAudio devices
 *   handshake answer [options]              one answering modem on a sound device
 *   handshake call [options]                one calling modem on a sound device
 *   handshake loopback [options]            answer + call on a JACK dummy server, one command
 *
 * Threads: the PortAudio callback moves samples through the rings of src/audio.c; this file's
 * loop is the engine thread (the main thread): it reads what arrived, runs the modem
 * (dsp/modem.h) on it and queues what the modem sends.
 *
 * Exit status: 0 the handshake completed, 1 it failed / timed out / was interrupted (Ctrl-C),
 * 2 usage, 3 file or audio device (no device, busy, unsupported rate, device lost mid-call). */
#include "cli.h"
#include "evfmt.h"
#include "modem.h"
#include "wavio.h"

#include "audio.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


/* Set by SIGINT/SIGTERM; the engine loop ends the call politely when it sees it. */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void nap_s(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    nanosleep(&ts, NULL);
}

/* ---- devices ---- */

static const char devices_help[] =
    "usage: handshake devices\n"
    "Lists the sound devices PortAudio sees: index, name, host API, input and output channels,\n"
    "default rate. A running JACK server shows up as host API JACK with device 'system' (and one\n"
    "device per JACK client with ports). Use the index or (part of) the name with --device.\n"
    "Exit status: 0, or 3 when there is no device at all.\n";

int hs_cmd_devices(int argc, char **argv)
{
    hs_args a;
    hs_args_init(&a, "devices", argc, argv);
    while (hs_args_more(&a)) {
        int r;
        if ((r = hs_args_flag(&a, "--help"))) {
            if (r < 0) return HS_EXIT_USAGE;
            fputs(devices_help, stdout);
            return HS_EXIT_OK;
        }
        return hs_args_unknown(&a);
    }
    return hs_audio_list_devices(stdout) == 0 ? HS_EXIT_OK : HS_EXIT_FILE;
}

/* ---- answer / call ---- */

static const char live_help[] =
    "usage: handshake %s [options]\n"
    "Runs one %s modem on a sound device, full duplex, until the start-up is complete (as far\n"
    "as the engine goes), it fails, --timeout passes, or Ctrl-C ends the call.\n"
    "  --device D        device index or name (part of it); default: the JACK server's 'system'\n"
    "                    when a JACK server runs, else the default device ('handshake devices')\n"
    "  --jack-name N     JACK client name (default %s); another instance can use it as --device\n"
    "  --wait-device S   keep looking up to S seconds for the device to appear (a JACK peer)\n"
    "  --rate HZ         device rate (default: 8000 when offered, else 48000/44100, resampled)\n"
    "  --events FMT      timeline on stdout: text (default) or json (JSON lines)\n"
    "  --record FILE     write a stereo WAV (8000 Hz, 16 bit): left = sent, right = heard\n"
    "  --timeout S       give up after S seconds (default 60)\n"
    "  --trace           also print every state machine transition\n"
    "  --quiet           no timeline (result on stderr only)\n"
    "Exit status: 0 completed, 1 failed/timed out/interrupted, 2 usage, 3 audio device or file\n"
    "(no device, busy, unsupported rate, device lost mid-call, cannot write --record).\n";

typedef struct {
    hs_role     role;
    const char *device, *jack_name, *record;
    double      timeout_s, wait_device_s;
    int         rate_hz;
    int         json, trace, quiet;
} live_opts;

static int parse_live(live_opts *o, const char *cmd, int argc, char **argv)
{
    hs_args a;
    hs_args_init(&a, cmd, argc, argv);
    static const char *const fmts[] = { "text", "json", NULL };
    while (hs_args_more(&a)) {
        int r;
        double x;
        if ((r = hs_args_flag(&a, "--help"))) {
            if (r < 0) return HS_EXIT_USAGE;
            printf(live_help, cmd, o->role == HS_ROLE_CALLER ? "calling" : "answering", o->jack_name);
            return -1;
        } else if ((r = hs_args_opt(&a, "--device"))) {
            if (r < 0) return HS_EXIT_USAGE;
            o->device = a.val;
        } else if ((r = hs_args_opt(&a, "--jack-name"))) {
            if (r < 0) return HS_EXIT_USAGE;
            if (!*a.val || strlen(a.val) > 60 || strchr(a.val, ':')) {
                hs_cli_error("--jack-name '%s': must be 1..60 characters without ':'", a.val);
                return HS_EXIT_USAGE;
            }
            o->jack_name = a.val;
        } else if ((r = hs_args_opt(&a, "--wait-device"))) {
            if (r < 0 || hs_parse_double("--wait-device", a.val, 0, 600, "s", &o->wait_device_s)) return HS_EXIT_USAGE;
        } else if ((r = hs_args_opt(&a, "--rate"))) {
            if (r < 0 || hs_parse_double("--rate", a.val, 8000, 192000, "Hz", &x)) return HS_EXIT_USAGE;
            o->rate_hz = (int)x;
        } else if ((r = hs_args_opt(&a, "--events"))) {
            int k;
            if (r < 0 || hs_parse_choice("--events", a.val, fmts, &k)) return HS_EXIT_USAGE;
            o->json = k == 1;
        } else if ((r = hs_args_opt(&a, "--record"))) {
            if (r < 0) return HS_EXIT_USAGE;
            o->record = a.val;
        } else if ((r = hs_args_opt(&a, "--timeout"))) {
            if (r < 0 || hs_parse_double("--timeout", a.val, 0.1, 86400, "s", &o->timeout_s)) return HS_EXIT_USAGE;
        } else if ((r = hs_args_flag(&a, "--trace"))) {
            if (r < 0) return HS_EXIT_USAGE;
            o->trace = 1;
        } else if ((r = hs_args_flag(&a, "--quiet"))) {
            if (r < 0) return HS_EXIT_USAGE;
            o->quiet = 1;
        } else {
            return hs_args_unknown(&a);
        }
    }
    return 0;
}

static void print_event(const live_opts *o, const hs_event *e)
{
    if (o->quiet) return;
    char buf[HS_EVFMT_MAX];
    if (o->json) hs_evfmt_json(buf, sizeof buf, e, HS_EVSRC_ENDPOINT);
    else hs_evfmt_text(buf, sizeof buf, e, HS_EVSRC_ENDPOINT);
    fputs(buf, stdout);
}

static int run_live(live_opts *o)
{
    const char *me = o->role == HS_ROLE_CALLER ? "call" : "answer";
    uint8_t src = o->role == HS_ROLE_CALLER ? HS_SRC_CALLER : HS_SRC_ANSWERER;
    setvbuf(stdout, NULL, _IOLBF, 0);   /* timelines go through pipes (loopback) line by line */

    hs_modem_config mc = hs_modem_config_default(o->role);
    mc.stop_after = HS_STOP_AT_CONNECT;
    mc.trace = o->trace;
    const char *problem = hs_modem_config_problem(&mc);
    if (problem) {
        hs_cli_error("%s: %s", me, problem);
        return HS_EXIT_FAIL;
    }
    hs_modem *m = NULL;
    if (hs_modem_create(&mc, &m) != HS_OK) {
        hs_cli_error("%s: out of memory creating the modem", me);
        return HS_EXIT_FAIL;
    }

    char err[HS_ERRLEN];
    hs_wav_out *wav = NULL;
    if (o->record && hs_wav_out_open(o->record, 2, &wav, err, sizeof err) != 0) {
        hs_cli_error("%s", err);
        hs_modem_destroy(m);
        return HS_EXIT_FILE;
    }

    hs_audio_config ac = hs_audio_config_default();
    ac.device = o->device;
    ac.jack_name = o->jack_name;
    ac.rate_hz = o->rate_hz;
    ac.wait_device_s = o->wait_device_s;
    char why[512];
    hs_audio *au = NULL;
    hs_audio_status as = hs_audio_open(&ac, &au, why, sizeof why);
    if (as == HS_AUDIO_OK) as = hs_audio_start(au, why, sizeof why);
    if (as != HS_AUDIO_OK) {
        hs_cli_error("%s", why);
        hs_audio_close(au);
        hs_wav_out_abort(wav);
        hs_modem_destroy(m);
        return HS_EXIT_FILE;
    }
    hs_audio_stats st;
    hs_audio_get_stats(au, &st);
    fprintf(stderr, "handshake: %s on '%s' (%s), %d Hz%s, about %.0f ms one way; Ctrl-C ends the call\n", me,
            hs_audio_device_name(au), hs_audio_host_api(au), st.rate_hz, st.resampling ? " resampled to 8000" : "",
            st.latency_ms);

    catch_signals();
    hs_audio_boost_thread();
    const uint64_t tail = HS_RATE / 2;   /* after the result: 0.5 s more so our last signal gets out */
    const uint64_t limit = (uint64_t)(o->timeout_s * HS_RATE);
    uint64_t now = 0, done_at = 0;
    int lost = 0, timed_out = 0, interrupted = 0, werr = 0;
    float in[256], out[256];
    hs_event ev;
    for (;;) {
        if (stop_requested) {
            interrupted = 1;
            break;
        }
        if (hs_audio_wait(au, 20, 0) != HS_AUDIO_OK) {
            lost = 1;
            break;
        }
        size_t n = hs_audio_read(au, in, sizeof in / sizeof in[0]);
        if (n) {
            hs_modem_process(m, in, out, n);
            hs_audio_write(au, out, n);
            if (wav && !werr) {
                const float *ch[2] = { out, in };
                if (hs_wav_out_write(wav, ch, n, err, sizeof err) != 0) werr = 1;
            }
            now += n;
        }
        while (hs_modem_poll(m, &ev)) print_event(o, &ev);
        while (hs_audio_poll_event(au, src, now, &ev)) print_event(o, &ev);
        if (!done_at && hs_modem_get_status(m) != HS_MODEM_RUNNING) done_at = now ? now : 1;
        if (done_at && now >= done_at + tail) break;
        if (!done_at && now >= limit) {
            timed_out = 1;
            break;
        }
    }
    if (!lost) hs_audio_stop(au, interrupted ? 0 : 300);
    else hs_audio_stop(au, 0);
    while (hs_modem_poll(m, &ev)) print_event(o, &ev);
    while (hs_audio_poll_event(au, src, now, &ev)) print_event(o, &ev);
    hs_audio_get_stats(au, &st);

    int rc;
    hs_modem_status ms = hs_modem_get_status(m);
    const char *res = hs_modem_get_result(m);
    if (lost) {
        hs_cli_error("%s: audio device '%s' stopped at %.2f s (unplugged, or the JACK server ended); call abandoned",
                     me, hs_audio_device_name(au), (double)now / HS_RATE);
        rc = HS_EXIT_FILE;
    } else if (ms == HS_MODEM_DONE) {
        fprintf(stderr, "handshake: %s: %s at %.2f s\n", me, res ? res : "done", (double)done_at / HS_RATE);
        rc = HS_EXIT_OK;
    } else if (ms == HS_MODEM_FAILED) {
        hs_cli_error("%s: failed at %.2f s: %s", me, (double)done_at / HS_RATE, res ? res : "unknown reason");
        rc = HS_EXIT_FAIL;
    } else if (interrupted) {
        hs_cli_error("%s: call ended by the user at %.2f s, before the start-up completed", me, (double)now / HS_RATE);
        rc = HS_EXIT_FAIL;
    } else {
        hs_cli_error("%s: no complete start-up within %.1f s (%s); is the other side running and connected?", me,
                     o->timeout_s, timed_out ? "timeout" : "stopped");
        rc = HS_EXIT_FAIL;
    }
    if (st.underruns || st.overruns || st.xrun_flags)
        fprintf(stderr, "handshake: %s: audio glitches: %llu underruns, %llu overruns, %llu xruns flagged\n", me,
                (unsigned long long)st.underruns, (unsigned long long)st.overruns, (unsigned long long)st.xrun_flags);
    if (wav) {
        if (werr || hs_wav_out_close(wav, err, sizeof err) != 0) {
            if (werr) hs_wav_out_abort(wav);
            hs_cli_error("%s", err);
            if (rc == HS_EXIT_OK) rc = HS_EXIT_FILE;
        }
    }
    fflush(stdout);
    if (lost) {
        /* PortAudio cannot be shut down cleanly under a dead JACK server: leave it to _exit */
        fflush(stderr);
        _exit(rc);
    }
    hs_audio_close(au);
    hs_modem_destroy(m);
    return rc;
}

int hs_cmd_answer(int argc, char **argv)
{
    live_opts o = { HS_ROLE_ANSWERER, NULL, "hs-answer", NULL, 60, 0, 0, 0, 0, 0 };
    int r = parse_live(&o, "answer", argc, argv);
    if (r) return r < 0 ? HS_EXIT_OK : r;
    return run_live(&o);
}

int hs_cmd_call(int argc, char **argv)
{
    live_opts o = { HS_ROLE_CALLER, NULL, "hs-call", NULL, 60, 0, 0, 0, 0, 0 };
    int r = parse_live(&o, "call", argc, argv);
    if (r) return r < 0 ? HS_EXIT_OK : r;
    return run_live(&o);
}

/* ---- loopback ---- */

static const char loopback_help[] =
    "usage: handshake loopback [options]\n"
    "Runs 'handshake answer' and 'handshake call' as two processes on a JACK server and wires\n"
    "them together (the caller opens the answerer's JACK client as its device), so you can see\n"
    "two instances connect over a real audio path with one command. When no JACK server is\n"
    "running it starts a private dummy one (jackd -d dummy, no sound card needed) and stops\n"
    "it at the end. Both timelines are printed, each line prefixed with its instance.\n"
    "  --rate HZ        rate of the JACK server it starts (default 8000; 48000 exercises\n"
    "                   the resampler)\n"
    "  --events FMT     text (default) or json (JSON lines, not prefixed)\n"
    "  --record PREFIX  record PREFIX-answer.wav and PREFIX-call.wav (left sent, right heard)\n"
    "  --timeout S      per instance (default 60)\n"
    "  --trace          pass --trace to both\n"
    "Exit status: 0 both completed, 1 a handshake failed, 2 usage, 3 audio (no jackd, device).\n";

typedef struct {
    pid_t pid;
    int   fd;
    const char *tag;
    char  line[8192];
    size_t used;
    int   status;
} child;

static int run_quiet(char *const argv[])
{
    fflush(stdout);
    pid_t p = fork();
    if (p < 0) return -1;
    if (p == 0) {
        int dn = open("/dev/null", O_RDWR);
        if (dn >= 0) {
            dup2(dn, 1);
            dup2(dn, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(p, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int jack_server_up(void)
{
    char *const lsp[] = { "jack_lsp", NULL };
    return run_quiet(lsp) == 0;
}

/* Starts `jackd -n NAME -d dummy -r RATE -p 256` in its own process group (a Ctrl-C at the
 * terminal must reach the instances, not the server under them). */
static pid_t start_jackd(const char *name, int rate, char *why, size_t whysize)
{
    char r[16];
    snprintf(r, sizeof r, "%d", rate);
    fflush(stdout);
    pid_t p = fork();
    if (p < 0) {
        snprintf(why, whysize, "loopback: cannot start jackd: %s", strerror(errno));
        return -1;
    }
    if (p == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);   /* if loopback itself is killed, the server goes too */
        int dn = open("/dev/null", O_RDWR);
        if (dn >= 0) {
            dup2(dn, 0);
            dup2(dn, 1);
            dup2(dn, 2);
        }
        execlp("jackd", "jackd", "-n", name, "-d", "dummy", "-r", r, "-p", "256", (char *)NULL);
        _exit(127);
    }
    setenv("JACK_DEFAULT_SERVER", name, 1);
    double t0 = mono_s();
    while (mono_s() - t0 < 10) {
        int st;
        if (waitpid(p, &st, WNOHANG) == p) {
            if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
                snprintf(why, whysize, "loopback: jackd not found; install it with 'apt-get install jackd2'");
            else
                snprintf(why, whysize, "loopback: jackd exited at start (status %d); try 'jackd -n %s -d dummy -r %d' by hand",
                         WIFEXITED(st) ? WEXITSTATUS(st) : -1, name, rate);
            return -1;
        }
        if (jack_server_up()) return p;
        nap_s(0.1);
    }
    kill(p, SIGKILL);
    waitpid(p, NULL, 0);
    snprintf(why, whysize, "loopback: jackd did not come up within 10 s");
    return -1;
}

static int stop_jackd(pid_t p)
{
    kill(p, SIGTERM);
    double t0 = mono_s();
    int st;
    for (;;) {
        pid_t w = waitpid(p, &st, WNOHANG);
        if (w == p) return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        if (mono_s() - t0 > 5) {
            kill(p, SIGKILL);
            waitpid(p, &st, 0);
            return -1;
        }
        nap_s(0.02);
    }
}

static pid_t spawn(const char *self, char **args, int *fd_out)
{
    int pfd[2];
    if (pipe(pfd) != 0) return -1;
    fflush(stdout);
    pid_t p = fork();
    if (p < 0) return -1;
    if (p == 0) {
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        close(pfd[0]);
        close(pfd[1]);
        execv(self, args);
        _exit(127);
    }
    close(pfd[1]);
    *fd_out = pfd[0];
    return p;
}

static void flush_lines(child *c, int json, int final)
{
    char *start = c->line;
    for (;;) {
        char *nl = memchr(start, '\n', c->used - (size_t)(start - c->line));
        if (!nl) break;
        *nl = 0;
        if (json && start[0] == '{') printf("%s\n", start);
        else printf("%-6s | %s\n", c->tag, start);
        start = nl + 1;
    }
    size_t rest = c->used - (size_t)(start - c->line);
    memmove(c->line, start, rest);
    c->used = rest;
    if (final && c->used) {
        c->line[c->used] = 0;
        printf("%-6s | %s\n", c->tag, c->line);
        c->used = 0;
    }
    fflush(stdout);
}

int hs_cmd_loopback(int argc, char **argv)
{
    hs_args a;
    hs_args_init(&a, "loopback", argc, argv);
    static const char *const fmts[] = { "text", "json", NULL };
    int rate = 8000, json = 0, trace = 0;
    const char *record = NULL, *timeout = "60";
    while (hs_args_more(&a)) {
        int r;
        double x;
        if ((r = hs_args_flag(&a, "--help"))) {
            if (r < 0) return HS_EXIT_USAGE;
            fputs(loopback_help, stdout);
            return HS_EXIT_OK;
        } else if ((r = hs_args_opt(&a, "--rate"))) {
            if (r < 0 || hs_parse_double("--rate", a.val, 8000, 192000, "Hz", &x)) return HS_EXIT_USAGE;
            rate = (int)x;
        } else if ((r = hs_args_opt(&a, "--events"))) {
            if (r < 0 || hs_parse_choice("--events", a.val, fmts, &json)) return HS_EXIT_USAGE;
        } else if ((r = hs_args_opt(&a, "--record"))) {
            if (r < 0) return HS_EXIT_USAGE;
            record = a.val;
        } else if ((r = hs_args_opt(&a, "--timeout"))) {
            if (r < 0 || hs_parse_double("--timeout", a.val, 0.1, 86400, "s", &x)) return HS_EXIT_USAGE;
            timeout = a.val;
        } else if ((r = hs_args_flag(&a, "--trace"))) {
            if (r < 0) return HS_EXIT_USAGE;
            trace = 1;
        } else {
            return hs_args_unknown(&a);
        }
    }
    char self[4096];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0) {
        hs_cli_error("loopback: cannot find my own program (/proc/self/exe): %s", strerror(errno));
        return HS_EXIT_FILE;
    }
    self[sl] = 0;

    pid_t jackd = 0;
    char why[512];
    if (jack_server_up()) {
        const char *srv = getenv("JACK_DEFAULT_SERVER");
        fprintf(stderr, "handshake: loopback: using the running JACK server '%s'\n", srv && *srv ? srv : "default");
    } else {
        char name[64];
        snprintf(name, sizeof name, "handshake-loop-%d", (int)getpid());
        jackd = start_jackd(name, rate, why, sizeof why);
        if (jackd < 0) {
            hs_cli_error("%s", why);
            return HS_EXIT_FILE;
        }
        fprintf(stderr, "handshake: loopback: started JACK dummy server '%s' at %d Hz (no sound card needed)\n", name,
                rate);
    }
    catch_signals();

    char rec_a[4200], rec_c[4200];
    if (record) {
        snprintf(rec_a, sizeof rec_a, "%s-answer.wav", record);
        snprintf(rec_c, sizeof rec_c, "%s-call.wav", record);
    }
    const char *ev = json ? "json" : "text";
    char *args_a[20], *args_c[20];
    int na = 0, nc = 0;
    args_a[na++] = self;
    args_a[na++] = "answer";
    args_a[na++] = "--device";
    args_a[na++] = "system";
    args_a[na++] = "--jack-name";
    args_a[na++] = "hs-answer";
    args_c[nc++] = self;
    args_c[nc++] = "call";
    args_c[nc++] = "--device";       /* the answerer's JACK client: PortAudio wires both ways */
    args_c[nc++] = "hs-answer";
    args_c[nc++] = "--wait-device";
    args_c[nc++] = "10";
    args_c[nc++] = "--jack-name";
    args_c[nc++] = "hs-call";
    char **lists[2] = { args_a, args_c };
    int *counts[2] = { &na, &nc };
    for (int k = 0; k < 2; k++) {
        char **l = lists[k];
        int *n = counts[k];
        l[(*n)++] = "--events";
        l[(*n)++] = (char *)ev;
        l[(*n)++] = "--timeout";
        l[(*n)++] = (char *)timeout;
        if (trace) l[(*n)++] = "--trace";
        if (record) {
            l[(*n)++] = "--record";
            l[(*n)++] = k == 0 ? rec_a : rec_c;
        }
        l[*n] = NULL;
    }
    child ch[2];
    memset(ch, 0, sizeof ch);
    ch[0].tag = "answer";
    ch[1].tag = "call";
    ch[0].pid = spawn(self, args_a, &ch[0].fd);
    ch[1].pid = ch[0].pid > 0 ? spawn(self, args_c, &ch[1].fd) : -1;
    int alive = (ch[0].pid > 0) + (ch[1].pid > 0);
    if (alive < 2) hs_cli_error("loopback: cannot start the instances: %s", strerror(errno));
    double stop_t = 0;
    int open_fds = alive;
    while (open_fds > 0) {
        struct pollfd pf[2];
        int map[2], np = 0;
        for (int k = 0; k < 2; k++)
            if (ch[k].pid > 0 && ch[k].fd >= 0) {
                pf[np].fd = ch[k].fd;
                pf[np].events = POLLIN;
                map[np++] = k;
            }
        if (np == 0) break;
        int r = poll(pf, (nfds_t)np, 200);
        if (stop_requested && stop_t == 0) stop_t = mono_s();   /* the instances got the Ctrl-C too */
        if (stop_t > 0 && mono_s() - stop_t > 5) {
            for (int k = 0; k < 2; k++)
                if (ch[k].pid > 0) kill(ch[k].pid, SIGKILL);
        }
        if (r <= 0) continue;
        for (int i = 0; i < np; i++) {
            child *c = &ch[map[i]];
            if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t got = read(c->fd, c->line + c->used, sizeof c->line - 1 - c->used);
            if (got > 0) {
                c->used += (size_t)got;
                if (c->used == sizeof c->line - 1) {   /* overlong line: print as is */
                    c->line[c->used++] = '\n';
                }
                flush_lines(c, json, 0);
            } else {
                flush_lines(c, json, 1);
                close(c->fd);
                c->fd = -1;
                open_fds--;
            }
        }
    }
    int rc = HS_EXIT_OK;
    for (int k = 0; k < 2; k++) {
        if (ch[k].pid <= 0) {
            rc = HS_EXIT_FILE;
            continue;
        }
        int st;
        while (waitpid(ch[k].pid, &st, 0) < 0 && errno == EINTR) {
        }
        int code = WIFEXITED(st) ? WEXITSTATUS(st) : HS_EXIT_FAIL;
        ch[k].status = code;
        if (code == HS_EXIT_FILE || code == HS_EXIT_USAGE) rc = code;
        else if (code != 0 && rc == HS_EXIT_OK) rc = HS_EXIT_FAIL;
    }
    if (jackd > 0) stop_jackd(jackd);   /* after the instances (PortAudio aborts otherwise) */
    fprintf(stderr, "handshake: loopback: answer exited %d, call exited %d\n", ch[0].status, ch[1].status);
    return rc;
}
