/* src/cmd_render.c: `handshake render (FILE | --sim [line options]) -o out.png`:
 * one annotated spectrogram PNG of a whole handshake. */
#include "cli.h"
#include "monitor.h"
#include "render.h"
#include "sim.h"
#include "wavio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hs_cmd_render(int argc, char **argv);

static const char usage[] =
    "usage: handshake render (FILE | --sim [line options]) -o OUT.png [options]\n"
    "Draws one annotated spectrogram of a whole handshake: 0-4000 Hz, phase bands and labels\n"
    "coloured by sender, decoded content (CM's modulations...), axes and legend.\n"
    "  FILE            a recording of the line (any format libsndfile reads); analysed with\n"
    "                  the passive monitor (all channels)\n"
    "  --sim           simulate caller + line + answerer instead (as fast as possible);\n"
    "                  the picture is the line as heard at the caller's end\n"
    "  -o, --out PNG   the image to write (required)\n"
    "  --width PX      image width, 320..16384 (1600)\n"
    "  --height PX     image height, 240..8192 (900)\n"
    "  --fft N         FFT length, 16..8192 samples (512)\n"
    "  --hop N         STFT hop, 1..FFT samples (32)\n"
    "  --window W      hann, rect or blackman-harris (hann)\n"
    "  --range LO:HI   colour map range in dBm0 per bin (-80:-10)\n"
    "  --title TEXT    heading\n"
    "  --max S         stop the sim after S simulated seconds (60)\n";

typedef struct {
    hs_sim *sim;
} sim_ctx;

static size_t sim_step(void *ctx, size_t n, float *a, float *b)
{
    return hs_sim_step(((sim_ctx *)ctx)->sim, n, a, NULL, b, NULL);   /* the caller's end */
}

static int sim_poll(void *ctx, hs_event *ev) { return hs_sim_poll(((sim_ctx *)ctx)->sim, ev); }

static int ev_cmp(const void *x, const void *y)
{
    const hs_event *a = x, *b = y;
    return a->sample < b->sample ? -1 : a->sample > b->sample;
}

/* A recording: the line is the mix of all channels; a monitor per channel finds the events. */
static int from_file(const char *path, float **line, size_t *n, hs_event **evs, size_t *nev)
{
    char err[HS_ERRLEN];
    float *ch[HS_AUDIO_MAX_CH] = { 0 };
    int nch = 0;
    size_t frames = 0;
    if (hs_audio_read_all(path, ch, &nch, &frames, err, sizeof err) != 0) {
        hs_cli_error("%s", err);
        return HS_EXIT_FILE;
    }
    int rc = HS_EXIT_FAIL;
    size_t cap = 256, k = 0;
    hs_event *ev = malloc(cap * sizeof *ev);
    float *mix = calloc(frames ? frames : 1, sizeof *mix);
    if (!ev || !mix) goto out;
    for (int c = 0; c < nch; c++) {
        for (size_t i = 0; i < frames; i++) mix[i] += ch[c][i];
        hs_monitor *m;
        if (hs_monitor_create((uint8_t)(c + 1), &m) != HS_OK) goto out;
        for (size_t i = 0; i <= frames; i += 160) {
            if (i < frames) hs_monitor_process(m, ch[c] + i, frames - i < 160 ? frames - i : 160);
            else hs_monitor_finish(m);
            for (;;) {
                if (k == cap) {
                    hs_event *t = realloc(ev, 2 * cap * sizeof *ev);
                    if (!t) { hs_monitor_destroy(m); goto out; }
                    ev = t;
                    cap *= 2;
                }
                if (!hs_monitor_poll(m, &ev[k])) break;
                k++;
            }
        }
        hs_monitor_destroy(m);
    }
    qsort(ev, k, sizeof *ev, ev_cmp);
    *line = mix;
    *n = frames;
    *evs = ev;
    *nev = k;
    mix = NULL;
    ev = NULL;
    rc = 0;
out:
    if (rc) hs_cli_error("%s: out of memory", path);
    for (int c = 0; c < nch; c++) free(ch[c]);
    free(mix);
    free(ev);
    return rc;
}

int hs_cmd_render(int argc, char **argv)
{
    hs_args a;
    hs_args_init(&a, "render", argc, argv);
    hs_render_options o = hs_render_options_default();
    hs_sim_config sc = hs_sim_config_default();
    const char *in = NULL, *out = NULL;
    int sim = 0, r;
    double d;
    static const char *const windows[] = { "rect", "hann", "blackman-harris", NULL };
    while (hs_args_more(&a)) {
        const char *cur = hs_args_cur(&a);
        if (strcmp(cur, "--help") == 0 || strcmp(cur, "-h") == 0) {
            printf("%s%s", usage, hs_line_options_help);
            return HS_EXIT_OK;
        }
        if ((r = hs_args_flag(&a, "--sim")) != 0) {
            if (r < 0) return HS_EXIT_USAGE;
            sim = 1;
        } else if ((r = hs_args_opt(&a, "-o")) != 0 || (r = hs_args_opt(&a, "--out")) != 0) {
            if (r < 0) return HS_EXIT_USAGE;
            out = a.val;
        } else if ((r = hs_args_opt(&a, "--width")) != 0) {
            if (r < 0 || hs_parse_double(a.name, a.val, 320, 16384, "px", &d) != 0) return HS_EXIT_USAGE;
            o.width = (int)d;
        } else if ((r = hs_args_opt(&a, "--height")) != 0) {
            if (r < 0 || hs_parse_double(a.name, a.val, 240, 8192, "px", &d) != 0) return HS_EXIT_USAGE;
            o.height = (int)d;
        } else if ((r = hs_args_opt(&a, "--fft")) != 0) {
            if (r < 0 || hs_parse_double(a.name, a.val, 16, 8192, "samples", &d) != 0) return HS_EXIT_USAGE;
            o.spec.size = (int)d;
        } else if ((r = hs_args_opt(&a, "--hop")) != 0) {
            if (r < 0 || hs_parse_double(a.name, a.val, 1, 8192, "samples", &d) != 0) return HS_EXIT_USAGE;
            o.spec.hop = (int)d;
        } else if ((r = hs_args_opt(&a, "--window")) != 0) {
            int w;
            if (r < 0 || hs_parse_choice(a.name, a.val, windows, &w) != 0) return HS_EXIT_USAGE;
            o.spec.window = (hs_window)w;
        } else if ((r = hs_args_opt(&a, "--range")) != 0) {
            double lo, hi;
            char tail;
            if (r < 0) return HS_EXIT_USAGE;
            if (sscanf(a.val, "%lf:%lf%c", &lo, &hi, &tail) != 2 || !(lo < hi) || lo < -200 || hi > 20) {
                hs_cli_error("--range %s: must be LO:HI in dBm0 with -200 <= LO < HI <= 20", a.val);
                return HS_EXIT_USAGE;
            }
            o.db_min = (float)lo;
            o.db_max = (float)hi;
        } else if ((r = hs_args_opt(&a, "--title")) != 0) {
            if (r < 0) return HS_EXIT_USAGE;
            o.title = a.val;
        } else if ((r = hs_args_opt(&a, "--max")) != 0) {
            if (r < 0 || hs_parse_double(a.name, a.val, 0.1, 3600, "s", &sc.max_s) != 0) return HS_EXIT_USAGE;
        } else if ((r = hs_line_option(&a, &sc.line)) != 0) {
            if (r < 0) return HS_EXIT_USAGE;
        } else if (cur[0] != '-' && !in) {
            in = cur;
            a.i++;
        } else {
            return hs_args_unknown(&a);
        }
    }
    if (!out) {
        hs_cli_error("render: -o OUT.png is required; try 'handshake render --help'");
        return HS_EXIT_USAGE;
    }
    if (sim == (in != NULL)) {
        hs_cli_error("render: give either a recording FILE or --sim; try 'handshake render --help'");
        return HS_EXIT_USAGE;
    }
    if (o.spec.hop > o.spec.size) {
        hs_cli_error("--hop %d: must not exceed --fft %d", o.spec.hop, o.spec.size);
        return HS_EXIT_USAGE;
    }
    if (in && hs_same_file(in, out)) {
        hs_cli_error("render: the output '%s' is the input recording; choose another name", out);
        return HS_EXIT_USAGE;
    }
    float *line = NULL;
    size_t n = 0, nev = 0;
    hs_event *ev = NULL;
    char title[256];
    if (sim) {
        const char *why = hs_sim_config_problem(&sc);
        if (why) {
            hs_cli_error("render --sim: %s", why);
            return HS_EXIT_USAGE;
        }
        sim_ctx ctx;
        if (hs_sim_create(&sc, &ctx.sim) != HS_OK) {
            hs_cli_error("render --sim: out of memory");
            return HS_EXIT_FAIL;
        }
        hs_av_source src = { &ctx, sim_step, sim_poll };
        int rc = hs_render_collect(&src, sc.max_s, &line, &n, &ev, &nev);
        hs_sim_destroy(ctx.sim);
        if (rc != 0) {
            hs_cli_error("render --sim: out of memory");
            return HS_EXIT_FAIL;
        }
        if (!o.title) {
            if (sc.line.snr_db > 100) snprintf(title, sizeof title, "Handshake: simulated call (noiseless line)");
            else snprintf(title, sizeof title, "Handshake: simulated call, SNR %.0f dB", sc.line.snr_db);
            o.title = title;
        }
    } else {
        int rc = from_file(in, &line, &n, &ev, &nev);
        if (rc) return rc;
        if (!o.title) {
            snprintf(title, sizeof title, "Handshake: %s", in);
            o.title = title;
        }
    }
    char err[HS_ERRLEN];
    int rc = HS_EXIT_OK;
    if (hs_render_png(line, n, ev, nev, &o, out, NULL, err, sizeof err) != 0) {
        hs_cli_error("render: %s", err);
        rc = HS_EXIT_FILE;
    }
    free(line);
    free(ev);
    return rc;
}
