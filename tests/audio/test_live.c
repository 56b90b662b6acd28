/* tests/audio/test_live.c: `handshake answer`, `call`, `loopback`, `devices` on a headless
 * JACK dummy server: two processes, each with its own PortAudio stream, cross-connected
 * through JACK (the caller opens the answerer's JACK client as its device).
 *
 * The programs under test are $HS_BIN when its main() has the live commands, else this test
 * executable itself (its main() dispatches answer/call/loopback/devices like handshake's). */
#include "hs_test.h"

#include "audio.h"
#include "audio_jack.h"
#include "wavio.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int hs_cmd_devices(int argc, char **argv);
int hs_cmd_answer(int argc, char **argv);
int hs_cmd_call(int argc, char **argv);
int hs_cmd_loopback(int argc, char **argv);
int hs_cmd_sim(int argc, char **argv);

static char bin[4096];

static const char *prog(void)
{
    if (bin[0]) return bin;
    char cmd[4200], out[256];
    snprintf(cmd, sizeof cmd, "'%s' answer --help 2>/dev/null", hs_test_bin());
    if (hs_test_run(cmd, out, sizeof out) == 0 && strstr(out, "answer")) {
        snprintf(bin, sizeof bin, "%s", hs_test_bin());
    } else {
        ssize_t n = readlink("/proc/self/exe", bin, sizeof bin - 1);
        bin[n > 0 ? n : 0] = 0;
    }
    printf("programs under test: %s\n", bin);
    return bin;
}

static void nap(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    nanosleep(&ts, NULL);
}

/* Starts prog() with args (NULL-terminated, without argv[0]), stdout/stderr to files. */
static pid_t start(const char *out, const char *err, const char *const *args)
{
    char *argv[32];
    int n = 0;
    argv[n++] = (char *)prog();
    while (*args && n < 31) argv[n++] = (char *)*args++;
    argv[n] = NULL;
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644), fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fo, 1);
        dup2(fe, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    return p;
}

/* Waits for p at most timeout_s (then SIGKILL, returns -2); exit status. */
static int finish(pid_t p, double timeout_s, double *took)
{
    double t0 = audio_now_s();
    int st;
    for (;;) {
        pid_t w = waitpid(p, &st, WNOHANG);
        if (w == p) break;
        if (audio_now_s() - t0 > timeout_s) {
            kill(p, SIGKILL);
            waitpid(p, &st, 0);
            if (took) *took = audio_now_s() - t0;
            return -2;
        }
        nap(0.02);
    }
    if (took) *took = audio_now_s() - t0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return calloc(1, 1);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = calloc((size_t)n + 1, 1);
    if (n > 0 && fread(s, 1, (size_t)n, f) != (size_t)n) s[0] = 0;
    fclose(f);
    return s;
}

static void show(const char *what, const char *text)
{
    printf("---- %s ----\n%s", what, text);
    if (*text && text[strlen(text) - 1] != '\n') printf("\n");
}

/* The negotiated mode from a JSON-lines timeline: "mode" of the first "result" event. */
static int result_mode(const char *json, char *mode, size_t size)
{
    const char *p = json;
    while ((p = strstr(p, "\"type\":\"result\""))) {
        const char *bol = p;
        while (bol > json && bol[-1] != '\n') bol--;
        const char *eol = strchr(p, '\n');
        if (!eol) eol = p + strlen(p);
        const char *m = strstr(bol, "\"mode\":\"");
        if (m && m < eol) {
            m += 8;
            const char *q = strchr(m, '"');
            size_t n = (size_t)(q - m) < size - 1 ? (size_t)(q - m) : size - 1;
            memcpy(mode, m, n);
            mode[n] = 0;
            return 1;
        }
        p = eol;
    }
    mode[0] = 0;
    return 0;
}

/* ---- cases ---- */

/* One answer + one call through the server; 0 when both completed and agree. */
static int one_pair(int round, double *secs)
{
    char ao[512], ae[512], co[512], ce[512], tag[32];
    snprintf(tag, sizeof tag, "live-%d-a.out", round);
    hs_test_tmp_path(tag, ao, sizeof ao);
    snprintf(tag, sizeof tag, "live-%d-a.err", round);
    hs_test_tmp_path(tag, ae, sizeof ae);
    snprintf(tag, sizeof tag, "live-%d-c.out", round);
    hs_test_tmp_path(tag, co, sizeof co);
    snprintf(tag, sizeof tag, "live-%d-c.err", round);
    hs_test_tmp_path(tag, ce, sizeof ce);
    const char *aa[] = { "answer", "--device", "system", "--jack-name", "hs-answer", "--events", "json",
                         "--timeout", "30", NULL };
    const char *ca[] = { "call", "--device", "hs-answer", "--wait-device", "10", "--jack-name", "hs-call",
                         "--events", "json", "--timeout", "30", NULL };
    double t0 = audio_now_s();
    pid_t pa = start(ao, ae, aa);
    pid_t pc = start(co, ce, ca);
    int rc_c = finish(pc, 45, NULL);
    int rc_a = finish(pa, 45, NULL);
    *secs = audio_now_s() - t0;
    char *sao = slurp(ao), *sae = slurp(ae), *sco = slurp(co), *sce = slurp(ce);
    char ma[128], mc[128];
    int ha = result_mode(sao, ma, sizeof ma), hc = result_mode(sco, mc, sizeof mc);
    /* the audio path reports itself in the same stream: "open" (rate, latency) and "stats"
     * (callbacks, underruns, overruns, ring fill) events from both instances */
    int audio_ev = strstr(sao, "\"type\":\"audio\",\"what\":\"open\"") && strstr(sao, "\"what\":\"stats\"") &&
                   strstr(sco, "\"type\":\"audio\",\"what\":\"open\"") && strstr(sco, "\"underruns\":");
    if (!audio_ev) printf("round %d: audio events missing from a timeline\n", round);
    int ok = rc_a == 0 && rc_c == 0 && ha && hc && strcmp(ma, mc) == 0 && audio_ev;
    printf("round %d: answer exit %d mode \"%s\", call exit %d mode \"%s\", %.2f s wall %s\n", round, rc_a, ma, rc_c,
           mc, *secs, ok ? "ok" : "FAIL");
    if (!ok) {
        show("answer stdout", sao);
        show("answer stderr", sae);
        show("call stdout", sco);
        show("call stderr", sce);
    }
    free(sao), free(sae), free(sco), free(sce);
    return ok ? 0 : 1;
}

static int pairs(int rate, int rounds)
{
    audio_jack j;
    /* recipe: period 256 at 8000 Hz; at 48000 Hz 256 frames (5 ms) gave xruns, 1024 did not */
    int rc = audio_jack_start(&j, "live", rate, rate > 8000 ? 1024 : 256);
    if (rc) return rc == 77 ? HS_SKIP : 1;
    int fails = 0;
    double s, smax = 0;
    for (int i = 1; i <= rounds; i++) {
        fails += one_pair(i, &s);
        if (s > smax) smax = s;
    }
    hs_check_int("jackd exit status (stopped after the instances)", audio_jack_stop(&j), 0);
    printf("rounds: %d\n", rounds);
    hs_check_int("failed rounds", fails, 0);
    printf("slowest round %.2f s\n", smax);
    return 0;
}

/* one round each (fast), and 5 rounds in a row on one server (about 5 s a round: V.8 itself
 * takes ~3.7 s of protocol time, so these are slow cases) */
static int pair_8000(void) { return pairs(8000, 1); }
static int pair_48000(void) { return pairs(48000, 1); }
static int pair_8000_x5(void) { return pairs(8000, 5); }
static int pair_48000_x5(void) { return pairs(48000, 5); }

/* No JACK server and (in CI) no sound card: one sentence, exit status 3, quickly. */
static int no_device(void)
{
    char name[64], out[512], err[512];
    snprintf(name, sizeof name, "hs-none-%d", (int)getpid());
    setenv("JACK_DEFAULT_SERVER", name, 1);    /* a server that does not exist */
    hs_test_tmp_path("nodev.out", out, sizeof out);
    hs_test_tmp_path("nodev.err", err, sizeof err);
    const char *aa[] = { "answer", "--timeout", "5", NULL };
    double took;
    int rc = finish(start(out, err, aa), 20, &took);
    char *se = slurp(err);
    show("answer stderr", se);
    hs_check_int("answer with no device: exit status", rc, 3);
    hs_check_below("answer with no device: time to fail", took, 5, "s");
    hs_check_true("one sentence naming the problem", strstr(se, "handshake: no audio device") != NULL &&
                                                         strchr(se, '\n') == se + strlen(se) - 1);
    free(se);
    const char *ca[] = { "call", "--device", "nonexistent-card", "--timeout", "5", NULL };
    rc = finish(start(out, err, ca), 20, &took);
    se = slurp(err);
    show("call --device nonexistent-card stderr", se);
    hs_check_int("call on a missing device: exit status", rc, 3);
    free(se);
    const char *da[] = { "devices", NULL };
    rc = finish(start(out, err, da), 20, &took);
    se = slurp(err);
    show("devices stderr", se);
    hs_check_int("devices with no device: exit status", rc, 3);
    free(se);
    unsetenv("JACK_DEFAULT_SERVER");
    return 0;
}

/* A JACK server at 48000 Hz and --rate 8000: the device does not offer it -> exit 3. */
static int bad_rate(void)
{
    audio_jack j;
    int rc = audio_jack_start(&j, "rate", 48000, 1024);
    if (rc) return rc == 77 ? HS_SKIP : 1;
    char out[512], err[512];
    hs_test_tmp_path("rate.out", out, sizeof out);
    hs_test_tmp_path("rate.err", err, sizeof err);
    const char *aa[] = { "answer", "--device", "system", "--rate", "8000", "--timeout", "5", NULL };
    int r = finish(start(out, err, aa), 20, NULL);
    char *se = slurp(err);
    show("answer --rate 8000 stderr", se);
    hs_check_int("unsupported rate: exit status", r, 3);
    hs_check_true("sentence names the rate", strstr(se, "8000 Hz") != NULL);
    free(se);
    hs_check_int("jackd exit status", audio_jack_stop(&j), 0);
    return 0;
}

/* The JACK server dies under a running instance: one sentence, exit 3, no hang, no abort. */
static int device_lost(void)
{
    audio_jack j;
    int rc = audio_jack_start(&j, "lost", 8000, 256);
    if (rc) return rc == 77 ? HS_SKIP : 1;
    char out[512], err[512];
    hs_test_tmp_path("lost.out", out, sizeof out);
    hs_test_tmp_path("lost.err", err, sizeof err);
    const char *aa[] = { "answer", "--device", "system", "--jack-name", "hs-lost", "--timeout", "30", NULL };
    pid_t p = start(out, err, aa);
    hs_check_true("answer's port appeared", audio_jack_wait_port("hs-lost:out_0", 10));
    nap(0.5);
    kill(j.pid, SIGKILL);        /* the "device" vanishes mid-call */
    waitpid(j.pid, NULL, 0);
    j.pid = 0;
    double took;
    int r = finish(p, 15, &took);
    char *se = slurp(err);
    show("answer stderr", se);
    hs_check_int("device lost: exit status", r, 3);
    hs_check_below("device lost: time to give up", took, 5, "s");
    hs_check_true("sentence says the device stopped", strstr(se, "stopped") != NULL);
    free(se);
    audio_jack_stop(&j);
    hs_check_int("killed server's registry slot reclaimed", audio_jack_reclaim(j.name), 0);
    return 0;
}

/* `handshake loopback` with no server running: starts one, runs both, stops it. */
static int loopback_cmd(void)
{
    char name[64], out[512], err[512];
    snprintf(name, sizeof name, "hs-loopcmd-%d", (int)getpid());
    setenv("JACK_DEFAULT_SERVER", name, 1);    /* none running under this name */
    hs_test_tmp_path("loop.out", out, sizeof out);
    hs_test_tmp_path("loop.err", err, sizeof err);
    const char *la[] = { "loopback", "--timeout", "30", NULL };
    double took;
    int rc = finish(start(out, err, la), 60, &took);
    char *so = slurp(out), *se = slurp(err);
    show("loopback stdout", so);
    show("loopback stderr", se);
    hs_check_int("loopback exit status", rc, 0);
    hs_check_true("answer timeline printed", strstr(so, "answer | ") != NULL);
    hs_check_true("call timeline printed", strstr(so, "call   | ") != NULL);
    hs_check_true("it started its own server", strstr(se, "started JACK dummy server") != NULL);
    printf("loopback took %.2f s\n", took);
    free(so), free(se);
    unsetenv("JACK_DEFAULT_SERVER");
    return 0;
}

/* `sim --play` on a 48000 Hz server: a recorder stream in this process hears the answer
 * tone (2100 Hz) and the play takes about as long as the simulated handshake (real time). */
static int sim_play(void)
{
    audio_jack j;
    int rc = audio_jack_start(&j, "play", 48000, 1024);
    if (rc) return rc == 77 ? HS_SKIP : 1;
    hs_audio_config c = hs_audio_config_default();
    c.output = 0;
    c.device = "system";
    c.jack_name = "hs-rec";
    char why[512];
    hs_audio *rec = NULL;
    if (hs_audio_open(&c, &rec, why, sizeof why) != HS_AUDIO_OK || hs_audio_start(rec, why, sizeof why) != HS_AUDIO_OK) {
        printf("recorder: %s\n", why);
        hs_audio_close(rec);
        audio_jack_stop(&j);
        return 1;
    }
    char out[512], err[512];
    hs_test_tmp_path("play.out", out, sizeof out);
    hs_test_tmp_path("play.err", err, sizeof err);
    const char *pa[] = { "sim", "--play", "--device", "system", "--mono", "--stop-after", "v8", NULL };
    double t0 = audio_now_s();
    pid_t p = start(out, err, pa);
    int connected = audio_jack_wait_port("handshake-play:out_0", 10) &&
                    audio_jack_cmd("jack_connect handshake-play:out_0 hs-rec:in_0") == 0;
    hs_check_true("player's port connected to the recorder", connected);
    /* record until the player exits; measure 2100 Hz power against the total */
    static float buf[8000 * 30];
    size_t got = 0;
    int st = -1;
    while (audio_now_s() - t0 < 30) {
        hs_audio_wait(rec, 20, 0);
        got += hs_audio_read(rec, buf + got, sizeof buf / sizeof buf[0] - got);
        if (waitpid(p, &st, WNOHANG) == p) break;
    }
    double took = audio_now_s() - t0;
    hs_audio_stop(rec, 0);
    hs_audio_close(rec);
    hs_check_int("jackd exit status", audio_jack_stop(&j), 0);
    char *so = slurp(out), *se = slurp(err);
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (code != 0) {
        show("sim stdout", so);
        show("sim stderr", se);
    }
    hs_check_int("sim --play exit status", code, 0);
    /* the timeline's last event time = simulated length; playing must take at least that */
    double last_t = 0;
    for (const char *q = so; (q = strstr(q, " s ")); q++) {
        const char *b = q;
        while (b > so && b[-1] != '\n') b--;
        double t = atof(b);
        if (t > last_t) last_t = t;
    }
    printf("simulated %.2f s, sim --play took %.2f s wall, recorded %.2f s\n", last_t, took, (double)got / 8000);
    hs_check_above("wall time / simulated time (real-time pacing)", took / (last_t > 0 ? last_t : 1), 0.95, "");
    /* ANSam (2100 Hz, 15 Hz AM at 20 %, reversals every 450 ms) fills most of a V.8
     * exchange: in its 100 ms blocks nearly all the power sits at 2100 Hz (AM sidebands take
     * 0.2^2/2 = 2 %; a reversal inside a block costs more), so the best block must show
     * a 2100 Hz share above 0.8; silence or noise would give ~0. */
    double e = 0, best = 0;
    for (size_t b = 0; b + 800 <= got; b += 800) {
        double eb = 0, re = 0, im = 0;
        for (size_t i = b; i < b + 800; i++) {
            double w = 2 * 3.14159265358979 * 2100.0 * (double)i / 8000.0;
            eb += (double)buf[i] * (double)buf[i];
            re += (double)buf[i] * cos(w);
            im += (double)buf[i] * sin(w);
        }
        e += eb;
        double share = eb > 1e-12 ? 2 * (re * re + im * im) / (800.0 * eb) : 0;
        if (share > best) best = share;
    }
    hs_check_above("best 100 ms block: 2100 Hz share of the power (answer tone heard)", best, 0.8, "");
    hs_check_above("recorded signal power (not silence)", e / (got ? (double)got : 1), 1e-5, "");
    free(so), free(se);
    return 0;
}

/* Ctrl-C during a call: the instance stops its stream, finishes its --record file, says so
 * in one sentence and exits 1 (not completed) promptly; the server then stops cleanly. */
static int ctrl_c(void)
{
    audio_jack j;
    int rc = audio_jack_start(&j, "int", 8000, 256);
    if (rc) return rc == 77 ? HS_SKIP : 1;
    char out[512], err[512], wav[512];
    hs_test_tmp_path("int.out", out, sizeof out);
    hs_test_tmp_path("int.err", err, sizeof err);
    hs_test_tmp_path("int.wav", wav, sizeof wav);
    remove(wav);
    const char *aa[] = { "answer", "--device", "system", "--jack-name", "hs-int", "--record", wav, NULL };
    pid_t p = start(out, err, aa);
    hs_check_true("answer's port appeared", audio_jack_wait_port("hs-int:out_0", 10));
    nap(1.5);
    kill(p, SIGINT);
    double took;
    int r = finish(p, 10, &took);
    char *se = slurp(err);
    show("answer stderr", se);
    hs_check_int("Ctrl-C: exit status", r, 1);
    hs_check_below("Ctrl-C: time to exit", took, 1.0, "s");
    hs_check_true("sentence says the user ended the call", strstr(se, "ended by the user") != NULL);
    free(se);
    float *ch[HS_AUDIO_MAX_CH] = { 0 };
    int nch = 0;
    size_t frames = 0;
    char e[512];
    int ok = hs_audio_read_all(wav, ch, &nch, &frames, e, sizeof e) == 0;
    if (!ok) printf("%s\n", e);
    hs_check_true("--record file readable", ok);
    hs_check_int("--record channels (sent, heard)", nch, 2);
    /* ~1.5 s ran after the port appeared; the answerer sends ANSam after 0.2 s of silence */
    hs_check_above("--record length", (double)frames / 8000, 1.0, "s");
    double sent = 0;
    for (size_t i = 0; ok && i < frames; i++) sent += (double)ch[0][i] * (double)ch[0][i];
    hs_check_above("--record left channel holds what was sent (ANSam power)", sent / (frames ? (double)frames : 1),
                   1e-4, "");
    for (int c = 0; c < nch; c++) free(ch[c]);
    hs_check_int("jackd exit status (stream was closed cleanly)", audio_jack_stop(&j), 0);
    return 0;
}

static const hs_case cases[] = {
    HS_CASE(pair_8000),
    HS_CASE(pair_48000),
    HS_CASE_SLOW(pair_8000_x5),
    HS_CASE_SLOW(pair_48000_x5),
    HS_CASE(no_device),
    HS_CASE(bad_rate),
    HS_CASE(device_lost),
    HS_CASE(loopback_cmd),
    HS_CASE(sim_play),
    HS_CASE(ctrl_c),
};

int main(int argc, char **argv)
{
    /* driver mode: this executable stands in for handshake until main.c has the commands */
    if (argc > 1) {
        if (strcmp(argv[1], "answer") == 0) return hs_cmd_answer(argc - 1, argv + 1);
        if (strcmp(argv[1], "call") == 0) return hs_cmd_call(argc - 1, argv + 1);
        if (strcmp(argv[1], "loopback") == 0) return hs_cmd_loopback(argc - 1, argv + 1);
        if (strcmp(argv[1], "devices") == 0) return hs_cmd_devices(argc - 1, argv + 1);
        if (strcmp(argv[1], "sim") == 0) return hs_cmd_sim(argc - 1, argv + 1);
    }
    return hs_test_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
