/* tests/common/audio_jack.c: private JACK dummy server for the audio tests. */
#include "audio_jack.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void nap_s(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    nanosleep(&ts, NULL);
}

double audio_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int audio_jack_cmd(const char *fmt, ...)
{
    char cmd[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    char full[600];
    snprintf(full, sizeof full, "%s >/dev/null 2>&1", cmd);
    int st = system(full);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int start_named(audio_jack *j, const char *name, int rate, int period);

int audio_jack_start(audio_jack *j, const char *tag, int rate, int period)
{
    char name[64];
    snprintf(name, sizeof name, "hs-%s-%d", tag, (int)getpid());
    return start_named(j, name, rate, period);
}

int audio_jack_reclaim(const char *name)
{
    audio_jack j;
    if (start_named(&j, name, 8000, 256) != 0) return -1;
    int rc = audio_jack_stop(&j);
    audio_jack_cmd("rm -f /dev/shm/jack_sem.*_%s_*", name);   /* left by the aborted client */
    return rc;
}

static int start_named(audio_jack *j, const char *name, int rate, int period)
{
    memset(j, 0, sizeof *j);
    if (access("/usr/bin/jackd", X_OK) != 0 && system("command -v jackd >/dev/null 2>&1") != 0) {
        printf("jackd not installed: skipping (apt-get install jackd2)\n");
        return 77;
    }
    j->rate = rate;
    snprintf(j->name, sizeof j->name, "%s", name);
    const char *tmp = getenv("HS_TMP");
    snprintf(j->log, sizeof j->log, "%s/%s.jackd.log", tmp && *tmp ? tmp : "/tmp", j->name);
    char r[16], p[16];
    snprintf(r, sizeof r, "%d", rate);
    snprintf(p, sizeof p, "%d", period);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        setpgid(0, 0);     /* a terminal's Ctrl-C must not kill the server before its clients */
        prctl(PR_SET_PDEATHSIG, SIGTERM);   /* a killed test (timeout) takes its server along */
        FILE *lf = freopen(j->log, "w", stdout);
        (void)lf;
        dup2(1, 2);
        execlp("jackd", "jackd", "-n", j->name, "-d", "dummy", "-r", r, "-p", p, (char *)NULL);
        _exit(127);
    }
    j->pid = pid;
    setenv("JACK_DEFAULT_SERVER", j->name, 1);
    double t0 = audio_now_s();
    while (audio_now_s() - t0 < 10) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            printf("jackd exited at start; log %s\n", j->log);
            j->pid = 0;
            return -1;
        }
        if (audio_jack_cmd("jack_lsp") == 0) {
            printf("jackd '%s' up at %d Hz, period %d, after %.2f s\n", j->name, rate, period, audio_now_s() - t0);
            return 0;
        }
        nap_s(0.1);
    }
    printf("jackd did not come up in 10 s; log %s\n", j->log);
    audio_jack_stop(j);
    return -1;
}

int audio_jack_stop(audio_jack *j)
{
    int rc = -1;
    if (j->pid > 0) {
        kill(j->pid, SIGTERM);
        double t0 = audio_now_s();
        int st = 0;
        for (;;) {
            pid_t w = waitpid(j->pid, &st, WNOHANG);
            if (w == j->pid) {
                rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                break;
            }
            if (audio_now_s() - t0 > 5) {
                kill(j->pid, SIGKILL);
                waitpid(j->pid, &st, 0);
                rc = 137;
                break;
            }
            nap_s(0.02);
        }
        j->pid = 0;
    }
    unsetenv("JACK_DEFAULT_SERVER");
    return rc;
}

int audio_jack_wait_port(const char *port, double timeout_s)
{
    double t0 = audio_now_s();
    while (audio_now_s() - t0 < timeout_s) {
        if (audio_jack_cmd("jack_lsp 2>/dev/null | grep -qx '%s'", port) == 0) return 1;
        nap_s(0.05);
    }
    return 0;
}
