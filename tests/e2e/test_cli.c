/* The handshake command line end to end: help, usage errors, `sim` output formats (text,
 * JSON lines, labels, WAV) and `analyze` reading back what `sim` wrote. */
#include <sndfile.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli_json.h"
#include "hs.h"
#include "hs_test.h"

static char out[1 << 18];

/* Runs `handshake <args>`; stderr folded into out when with_stderr, else thrown away. */
static int hs(const char *args, int with_stderr)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s %s", hs_test_bin(), args, with_stderr ? "2>&1" : "2>/dev/null");
    int rc = hs_test_run(cmd, out, sizeof out);
    size_t len = strlen(out);
    printf("$ handshake %s  -> %d\n%s%s", args, rc, len > 3000 ? "(long output)\n" : out,
           len && len <= 3000 && out[len - 1] != '\n' ? "\n" : "");
    return rc;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

static int help_and_version(void)
{
    hs_check_int("--help", hs("--help", 1), 0);
    hs_check_true("lists sim", strstr(out, "sim ") != NULL);
    hs_check_true("lists analyze", strstr(out, "analyze ") != NULL);
    hs_check_true("documents exit status", strstr(out, "exit status") != NULL);
    hs_check_int("sim --help", hs("sim --help", 1), 0);
    hs_check_true("sim help has line options", strstr(out, "--snr DB") != NULL);
    hs_check_int("analyze --help", hs("analyze --help", 1), 0);
    hs_check_int("help sim", hs("help sim", 1), 0);
    hs_check_int("--version", hs("--version", 1), 0);
    hs_check_true("version line", strncmp(out, "handshake ", 10) == 0);
    hs_check_int("no command", hs("", 1), 2);
    return 0;
}

/* Each must be a usage error: exit 2 and exactly one line on stderr, "handshake: ...". */
static int usage_errors(void)
{
    static const char *const bad[] = {
        "frobnicate", "--frobnicate", "sim --bogus", "sim extra", "sim --snr 95", "sim --snr abc",
        "sim --delay 2001", "sim --codec gsm", "sim --echo 5@10", "sim --seed -1",
        "sim --events xml", "sim --answer-tone loud", "sim --stop-after v90", "sim --wav",
        "sim --mono", "sim --trace=yes",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hs_check_int(bad[i], hs(bad[i], 1), 2);
        hs_check_int("one line", count_lines(out), 1);
        hs_check_true("starts with handshake:", strncmp(out, "handshake: ", 11) == 0);
        if (strcmp(bad[i], "sim --snr 95") == 0)
            hs_check_str("range message", out, "handshake: --snr 95: must be between -10 and 60 dB\n");
    }
    return 0;
}

static int sim_text(void)
{
    hs_check_int("exit status", hs("sim", 0), 0);
    /* the last line says what was negotiated */
    size_t len = strlen(out);
    const char *last = out + len - 1;
    while (last > out && last[-1] != '\n') last--;
    hs_check_true("summary names the mode", strstr(last, "V.34 duplex") != NULL);
    hs_check_true("timeline has ANSam/", strstr(out, "answerer  tx ANSam/") != NULL);
    hs_check_true("timeline has the caller's JM", strstr(out, "caller    v8.jm  C1 45 13 10 2A") != NULL);
    return 0;
}

static int sim_json(void)
{
    hs_check_int("exit status", hs("sim --events json", 0), 0);
    int lines = 0, objects = 0, complete = 0, jm = 0, cm = 0, consistent = 0;
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lines++;
        if (!cli_json_is_object(line)) {
            printf("not a JSON object: %s\n", line);
            continue;
        }
        objects++;
        char t[64], sample[64], ep[64], type[64], oct[256];
        if (cli_json_get(line, "t", t, sizeof t) && cli_json_get(line, "sample", sample, sizeof sample) &&
            cli_json_get(line, "endpoint", ep, sizeof ep) && cli_json_get(line, "type", type, sizeof type) &&
            (strcmp(ep, "caller") == 0 || strcmp(ep, "answerer") == 0))
            complete++;
        else
            continue;
        /* t is the sample number in seconds, printed to 1 us */
        if (fabs(atof(t) - atof(sample) / HS_RATE) <= 1e-6) consistent++;
        int has_oct = cli_json_get(line, "octets", oct, sizeof oct);
        if (strcmp(type, "v8.jm") == 0 && strcmp(ep, "caller") == 0 && has_oct && strcmp(oct, "C1 45 13 10 2A") == 0) jm++;
        if (strcmp(type, "v8.cm") == 0 && strcmp(ep, "answerer") == 0 && has_oct && strcmp(oct, "C1 45 13 10 2A") == 0) cm++;
    }
    hs_check_above("lines", lines, 8, "");
    hs_check_int("JSON objects", objects, lines);
    hs_check_int("with t, sample, endpoint, type", complete, lines);
    hs_check_int("t == sample / 8000", consistent, lines);
    hs_check_int("answerer decoded CM C1 45 13 10 2A", cm, 1);
    hs_check_int("caller decoded JM C1 45 13 10 2A", jm, 1);
    return 0;
}

static int sim_options(void)
{
    hs_check_int("exit status", hs("sim --trace --ci --stop-after v8 --answer-tone ansam --events json", 0), 0);
    int state = 0, ci = 0, ansam = 0;
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char type[64] = "", sig[64] = "";
        cli_json_get(line, "type", type, sizeof type);
        cli_json_get(line, "signal", sig, sizeof sig);
        state += strcmp(type, "state") == 0;
        ci += strcmp(type, "v8.ci") == 0;
        ansam += strcmp(type, "tx") == 0 && strcmp(sig, "ANSam") == 0;
    }
    hs_check_above("--trace: state events", state, 4, "");
    hs_check_above("--ci: CI decoded by the answerer", ci, 1, "");
    hs_check_int("--answer-tone ansam: ANSam without reversals", ansam, 1);
    return 0;
}

static int sim_labels(void)
{
    char lab[512], args[700];
    hs_test_tmp_path("cli_labels.txt", lab, sizeof lab);
    remove(lab);
    snprintf(args, sizeof args, "sim --events none --labels '%s'", lab);
    hs_check_int("exit status", hs(args, 1), 0);
    FILE *f = fopen(lab, "r");
    hs_check_true("label file", f != NULL);
    if (!f) return 1;
    char line[1024];
    int n = 0, ok = 0, sorted = 1, ansam = 0;
    double prev = -1;
    while (fgets(line, sizeof line, f)) {
        double a, b;
        char text[900];
        n++;
        if (sscanf(line, "%lf\t%lf\t%899[^\n]", &a, &b, text) == 3 && a >= 0 && b >= a) ok++;
        if (a < prev) sorted = 0;
        prev = a;
        /* ANSam/ runs from 0.2 s until the answerer's next tx signal (JM) */
        if (strstr(line, "answerer tx ANSam/") && fabs(a - 0.2) < 0.001 && b > 1.0) ansam++;
    }
    fclose(f);
    hs_check_above("labels", n, 5, "");
    hs_check_int("well-formed (start <= end, 3 fields)", ok, n);
    hs_check_true("sorted by start", sorted);
    hs_check_int("ANSam/ label 0.2 s .. JM", ansam, 1);
    return 0;
}

static int wav_info(const char *path, SF_INFO *info)
{
    memset(info, 0, sizeof *info);
    SNDFILE *sf = sf_open(path, SFM_READ, info);
    if (!sf) return -1;
    sf_close(sf);
    return 0;
}

/* sim --wav, then analyze must find CM and JM with the octets of spec/v8.md §6 (a)/(b2). */
static int wav_round_trip(int mono)
{
    char wav[512], args[700];
    hs_test_tmp_path(mono ? "cli_sim_mono.wav" : "cli_sim_stereo.wav", wav, sizeof wav);
    remove(wav);
    snprintf(args, sizeof args, "sim --events none --wav '%s'%s", wav, mono ? " --mono" : "");
    hs_check_int("sim exit status", hs(args, 1), 0);
    SF_INFO info;
    hs_check_int("WAV readable", wav_info(wav, &info), 0);
    hs_check_int("channels", info.channels, mono ? 1 : 2);
    hs_check_int("rate", info.samplerate, 8000);
    hs_check_int("16-bit PCM WAV", info.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    /* the run ends 0.3 s after both endpoints finish V.8 (~3.5 s): 3-10 s of audio */
    hs_check_near("duration", (double)info.frames / 8000.0, 6.5, 3.5, "s");

    snprintf(args, sizeof args, "analyze '%s' --events json", wav);
    hs_check_int("analyze exit status", hs(args, 0), 0);
    int cm = 0, jm = 0, cj = 0, tone = 0;
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char type[64] = "", oct[256] = "", ch[16] = "", name[64] = "";
        if (!cli_json_is_object(line)) continue;
        cli_json_get(line, "type", type, sizeof type);
        cli_json_get(line, "octets", oct, sizeof oct);
        cli_json_get(line, "channel", ch, sizeof ch);
        cli_json_get(line, "name", name, sizeof name);
        /* stereo: left = caller (CM, CJ), right = answerer (ANSam/, JM); mono: all on 1 */
        const char *caller_ch = "1", *answerer_ch = mono ? "1" : "2";
        if (strcmp(type, "v8.cm") == 0 && strcmp(oct, "C1 45 13 10 2A") == 0 && strcmp(ch, caller_ch) == 0) cm++;
        if (strcmp(type, "v8.jm") == 0 && strcmp(oct, "C1 45 13 10 2A") == 0 && strcmp(ch, answerer_ch) == 0) jm++;
        if (strcmp(type, "v8.cj") == 0 && strcmp(ch, caller_ch) == 0) cj++;
        if (strcmp(type, "tone") == 0 && strcmp(name, "ANSam/") == 0 && strcmp(ch, answerer_ch) == 0) tone++;
    }
    hs_check_int("CM C1 45 13 10 2A on the caller's channel", cm, 1);
    hs_check_int("JM C1 45 13 10 2A on the answerer's channel", jm, 1);
    hs_check_int("CJ", cj, 1);
    hs_check_int("ANSam/", tone, 1);
    return 0;
}

static int wav_stereo_analyze(void) { return wav_round_trip(0); }
static int wav_mono_analyze(void) { return wav_round_trip(1); }

static int deterministic_wav(void)
{
    char a[512], b[512], args[1200];
    hs_test_tmp_path("cli_det_a.wav", a, sizeof a);
    hs_test_tmp_path("cli_det_b.wav", b, sizeof b);
    const char *line = "--snr 20 --delay 30 --offset 3 --ppm 50 --codec alaw --echo -25@10 --atten 6 --seed 42";
    snprintf(args, sizeof args, "sim --events none %s --wav '%s'", line, a);
    hs_check_int("first run", hs(args, 1), 0);
    snprintf(args, sizeof args, "sim --events none %s --wav '%s'", line, b);
    hs_check_int("second run", hs(args, 1), 0);
    snprintf(args, sizeof args, "cmp -s '%s' '%s'", a, b);
    hs_check_int("same seed, same WAV", hs_test_run(args, NULL, 0), 0);
    return 0;
}

static int failures(void)
{
    hs_check_int("plain ANS answer: handshake fails", hs("sim --answer-tone ans --events none", 1), 1);
    hs_check_int("one line", count_lines(out), 1);
    hs_check_true("says why", strstr(out, "not V.8 capable") != NULL);
    hs_check_int("time limit", hs("sim --max-seconds 1 --events none", 1), 1);
    hs_check_true("says no result", strstr(out, "no result after 1.0 s") != NULL);
    return 0;
}

static int output_errors(void)
{
    char args[700], keep[512];
    hs_check_int("WAV into a missing directory", hs("sim --events none --wav /nonexistent-dir/x.wav", 1), 3);
    hs_check_int("one line", count_lines(out), 1);
    snprintf(args, sizeof args, "sim --events none --wav '%s'", hs_test_tmp());
    hs_check_int("WAV onto a directory", hs(args, 1), 3);
    /* a failed start leaves an existing file alone */
    hs_test_tmp_path("cli_keep.txt", keep, sizeof keep);
    FILE *f = fopen(keep, "w");
    fputs("keep me\n", f);
    fclose(f);
    snprintf(args, sizeof args, "sim --events none --wav '%s' --labels /nonexistent-dir/l.txt", keep);
    hs_check_int("labels into a missing directory", hs(args, 1), 3);
    char got[64] = "";
    f = fopen(keep, "r");
    size_t n = fread(got, 1, sizeof got - 1, f);
    got[n] = 0;
    fclose(f);
    hs_check_str("existing file untouched", got, "keep me\n");
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(help_and_version),
    HS_CASE(usage_errors),
    HS_CASE(sim_text),
    HS_CASE(sim_json),
    HS_CASE(sim_options),
    HS_CASE(sim_labels),
    HS_CASE(wav_stereo_analyze),
    HS_CASE(wav_mono_analyze),
    HS_CASE(deterministic_wav),
    HS_CASE(failures),
    HS_CASE(output_errors)
)
