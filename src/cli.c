/* src/cli.c: option parsing helpers and the shared line options. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hs_cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("handshake: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = 1;
    signal(sig, SIG_DFL);   /* a second Ctrl-C ends the program at once */
}

void hs_cli_catch_interrupts(void)
{
    interrupted = 0;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
}

int hs_cli_interrupted(void) { return interrupted != 0; }

void hs_args_init(hs_args *a, const char *cmd, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    a->argc = argc;
    a->argv = argv;
    a->i = 1;
    a->cmd = cmd;
}

int hs_args_more(const hs_args *a) { return a->i < a->argc; }
const char *hs_args_cur(const hs_args *a) { return a->i < a->argc ? a->argv[a->i] : NULL; }

/* Does arg spell option name, as "--name" or "--name=..."? Returns 1 (bare), 2 (with =), 0. */
static int spelled(const char *arg, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0) return 0;
    if (arg[n] == 0) return 1;
    if (arg[n] == '=') return 2;
    return 0;
}

static void set_name(hs_args *a, const char *name)
{
    snprintf(a->name, sizeof a->name, "%s", name);
}

int hs_args_flag(hs_args *a, const char *name)
{
    const char *arg = hs_args_cur(a);
    if (!arg) return 0;
    int s = spelled(arg, name);
    if (!s) return 0;
    set_name(a, name);
    if (s == 2) {
        hs_cli_error("%s takes no value (got '%s'); try 'handshake %s --help'", name, arg,
                     a->cmd);
        return -1;
    }
    a->i++;
    return 1;
}

int hs_args_opt(hs_args *a, const char *name)
{
    const char *arg = hs_args_cur(a);
    if (!arg) return 0;
    int s = spelled(arg, name);
    if (!s) return 0;
    set_name(a, name);
    if (s == 2) {
        a->val = arg + strlen(name) + 1;
        a->i++;
        return 1;
    }
    if (a->i + 1 >= a->argc) {
        hs_cli_error("%s needs a value; try 'handshake %s --help'", name, a->cmd);
        return -1;
    }
    a->val = a->argv[a->i + 1];
    a->i += 2;
    return 1;
}

int hs_args_unknown(const hs_args *a)
{
    const char *arg = hs_args_cur(a);
    if (arg && arg[0] == '-' && arg[1] != 0)
        hs_cli_error("%s: unknown option '%s'; try 'handshake %s --help'", a->cmd, arg, a->cmd);
    else
        hs_cli_error("%s: unexpected argument '%s'; try 'handshake %s --help'", a->cmd,
                     arg ? arg : "", a->cmd);
    return HS_EXIT_USAGE;
}

/* %g without needless digits, for ranges in messages. */
static void fmt_num(char *buf, size_t size, double x) { snprintf(buf, size, "%g", x); }

int hs_parse_double(const char *opt, const char *s, double lo, double hi, const char *unit,
                    double *out)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || *end != 0 || errno == ERANGE || !isfinite(x)) {
        hs_cli_error("%s '%s': not a number", opt, s);
        return -1;
    }
    if (x < lo || x > hi) {
        char a[32], b[32];
        fmt_num(a, sizeof a, lo);
        fmt_num(b, sizeof b, hi);
        hs_cli_error("%s %s: must be between %s and %s%s%s", opt, s, a, b, *unit ? " " : "",
                     unit);
        return -1;
    }
    *out = x;
    return 0;
}

int hs_parse_u64(const char *opt, const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s == '-' || *s == '+' || *s == 0) {
        hs_cli_error("%s '%s': must be a whole number from 0 to 18446744073709551615", opt, s);
        return -1;
    }
    unsigned long long v = strtoull(s, &end, 0);
    if (*end != 0 || errno == ERANGE) {
        hs_cli_error("%s '%s': must be a whole number from 0 to 18446744073709551615", opt, s);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

int hs_parse_choice(const char *opt, const char *s, const char *const *choices, int *out)
{
    char list[256] = "";
    size_t used = 0;
    for (int i = 0; choices[i]; i++) {
        if (strcmp(s, choices[i]) == 0) { *out = i; return 0; }
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", choices[i]);
        if (w > 0 && (size_t)w < sizeof list - used) used += (size_t)w;
    }
    hs_cli_error("%s '%s': must be one of %s", opt, s, list);
    return -1;
}

const char hs_line_options_help[] =
    "line options (the simulated telephone line):\n"
    "  --snr DB        noise: SNR in the 300-3400 Hz band, -10..60 dB, or 'off'\n"
    "  --delay MS      one-way delay, 0..2000 ms\n"
    "  --offset HZ     carrier frequency offset, -100..100 Hz\n"
    "  --ppm PPM       sample clock offset, -1000..1000 ppm\n"
    "  --codec C       G.711 stage: none, ulaw or alaw\n"
    "  --echo DB@MS    talker echo: level -100..0 dB at delay 0..2000 ms, or 'off'\n"
    "  --atten DB      line loss, 0..60 dB\n"
    "  --seed N        noise seed (same seed, same run)\n";

void hs_line_options_print(FILE *f)
{
    hs_line_config d = hs_line_config_default();
    static const char *const codec_names[] = { "none", "ulaw", "alaw" };
    char snr[32], echo[48];
    if (d.snr_db > 100.0) snprintf(snr, sizeof snr, "off");
    else snprintf(snr, sizeof snr, "%g", d.snr_db);
    if (d.echo_db <= -100.0) snprintf(echo, sizeof echo, "off");
    else snprintf(echo, sizeof echo, "%g@%g", d.echo_db, d.echo_ms);
    fprintf(f,
            "line options (the simulated telephone line; default in brackets):\n"
            "  --snr DB        noise: SNR in the 300-3400 Hz band, -10..60 dB, or 'off' [%s]\n"
            "  --delay MS      one-way delay, 0..2000 ms [%g]\n"
            "  --offset HZ     carrier frequency offset, -100..100 Hz [%g]\n"
            "  --ppm PPM       sample clock offset, -1000..1000 ppm [%g]\n"
            "  --codec C       G.711 stage: none, ulaw or alaw [%s]\n"
            "  --echo DB@MS    talker echo: level -100..0 dB at delay 0..2000 ms, or 'off' [%s]\n"
            "  --atten DB      line loss, 0..60 dB [%g]\n"
            "  --seed N        noise seed: same seed, same run [%llu]\n",
            snr, d.delay_ms, d.offset_hz, d.ppm,
            (unsigned)d.codec < 3 ? codec_names[d.codec] : "?", echo, d.atten_db,
            (unsigned long long)d.seed);
}

static int parse_echo(const char *s, hs_line_config *lc)
{
    if (strcmp(s, "off") == 0 || strcmp(s, "none") == 0) {
        lc->echo_db = -200.0;
        return 0;
    }
    const char *at = strchr(s, '@');
    if (!at || at == s || !at[1] || at - s >= 32) {
        hs_cli_error("--echo '%s': expected DB@MS, e.g. --echo -20@30 (or 'off')", s);
        return -1;
    }
    char db[32];
    memcpy(db, s, (size_t)(at - s));
    db[at - s] = 0;
    double level, ms;
    if (hs_parse_double("--echo level", db, -100, 0, "dB", &level) < 0) return -1;
    if (hs_parse_double("--echo delay", at + 1, 0, 2000, "ms", &ms) < 0) return -1;
    lc->echo_db = level;
    lc->echo_ms = ms;
    return 0;
}

int hs_line_option(hs_args *a, hs_line_config *lc)
{
    static const char *const codecs[] = { "none", "ulaw", "alaw", NULL };
    int r;
    if ((r = hs_args_opt(a, "--snr"))) {
        if (r < 0) return -1;
        if (strcmp(a->val, "off") == 0 || strcmp(a->val, "none") == 0) {
            lc->snr_db = 200.0;   /* line.h: > 100 means no noise */
            return 1;
        }
        return hs_parse_double("--snr", a->val, -10, 60, "dB", &lc->snr_db) < 0 ? -1 : 1;
    }
    if ((r = hs_args_opt(a, "--delay"))) {
        if (r < 0) return -1;
        return hs_parse_double("--delay", a->val, 0, 2000, "ms", &lc->delay_ms) < 0 ? -1 : 1;
    }
    if ((r = hs_args_opt(a, "--offset"))) {
        if (r < 0) return -1;
        return hs_parse_double("--offset", a->val, -100, 100, "Hz", &lc->offset_hz) < 0 ? -1 : 1;
    }
    if ((r = hs_args_opt(a, "--ppm"))) {
        if (r < 0) return -1;
        return hs_parse_double("--ppm", a->val, -1000, 1000, "ppm", &lc->ppm) < 0 ? -1 : 1;
    }
    if ((r = hs_args_opt(a, "--codec"))) {
        if (r < 0) return -1;
        int c;
        if (hs_parse_choice("--codec", a->val, codecs, &c) < 0) return -1;
        lc->codec = c == 1 ? HS_CODEC_ULAW : c == 2 ? HS_CODEC_ALAW : HS_CODEC_NONE;
        return 1;
    }
    if ((r = hs_args_opt(a, "--echo"))) {
        if (r < 0) return -1;
        return parse_echo(a->val, lc) < 0 ? -1 : 1;
    }
    if ((r = hs_args_opt(a, "--atten"))) {
        if (r < 0) return -1;
        return hs_parse_double("--atten", a->val, 0, 60, "dB", &lc->atten_db) < 0 ? -1 : 1;
    }
    if ((r = hs_args_opt(a, "--seed"))) {
        if (r < 0) return -1;
        return hs_parse_u64("--seed", a->val, &lc->seed) < 0 ? -1 : 1;
    }
    return 0;
}
