/* tests/gui/test_render.c: the annotated PNG of a whole handshake (src/render, `render`). */
#include "gui_synth.h"
#include "hs_test.h"
#include "pngout.h"
#include "render.h"
#include "sim.h"
#include "wavio.h"

int hs_cmd_render(int argc, char **argv);

#include <stdint.h>

static int find_label(const hs_render_report *r, int kind, const char *text)
{
    for (int i = 0; i < r->nitems; i++)
        if (r->items[i].kind == kind && strcmp(r->items[i].text, text) == 0) return i;
    return -1;
}

static uint32_t px(const uint32_t *p, int w, int x, int y) { return p[(size_t)y * (size_t)w + (size_t)x]; }
static int luma(uint32_t c) { return (int)((((c >> 16) & 255) * 3 + ((c >> 8) & 255) * 6 + (c & 255)) / 10); }

static int is_axis_t(const hs_dl_item *d, double *t)
{
    char unit[8];
    return d->kind == HS_DL_AXIS_T && sscanf(d->text, "%lf %7s", t, unit) == 2 && strcmp(unit, "s") == 0;
}

/* Synthetic V.8 handshake (4.5 s) -> PNG of the default size 1600x900. Checks: the file is a
 * 1600x900 PNG; the frequency axis has labels 0..4000 Hz and the time axis 0..4 s, each at
 * increasing positions; the frame around the plot is drawn; the signal labels read ANSam/,
 * CM, JM, CJ from left to right, each within 1 px + label margin of its start time; the CM
 * label carries its decoded modulations. */
static int render_synthetic(void)
{
    gui_synth *g = gui_synth_create(4.5);
    hs_av_source src = gui_synth_source(g);
    float *line;
    size_t n, nev;
    hs_event *ev;
    if (hs_render_collect(&src, 10.0, &line, &n, &ev, &nev) != 0) return 1;
    hs_check_int("samples collected", (long long)n, 36000);
    char path[512], err[256];
    hs_test_tmp_path("render_synth.png", path, sizeof path);
    hs_render_options o = hs_render_options_default();
    o.title = "Handshake: synthetic V.8 (test fixture)";
    hs_render_report rep;
    memset(&rep, 0, sizeof rep);
    int rc = hs_render_png(line, n, ev, nev, &o, path, &rep, err, sizeof err);
    if (!hs_check_true("hs_render_png", rc == 0)) { printf("%s\n", err); return 1; }
    printf("render time: %.3f s\n", rep.render_s);
    uint32_t *pix;
    int w, h;
    if (!hs_check_true("PNG readable", hs_png_read(path, &pix, &w, &h, err, sizeof err) == 0)) return 1;
    hs_check_int("width", w, 1600);
    hs_check_int("height", h, 900);
    const hs_scene_layout *L = &rep.layout;
    /* axes: labels 0, 1000, ... 4000 Hz from bottom to top */
    int prev_y = 1 << 30, nf = 0;
    for (int f = 0; f <= 4000; f += 1000) {
        char t[16];
        snprintf(t, sizeof t, "%d", f);
        int i = find_label(&rep, HS_DL_AXIS_F, t);
        if (i >= 0 && rep.items[i].y < prev_y) { nf++; prev_y = rep.items[i].y; }
    }
    hs_check_int("frequency axis labels in order", nf, 5);
    /* time axis: labels "0 s" ... "4 s" among the ticks, increasing to the right; each label
     * centred on its time within 2 px */
    int nt = 0, bad = 0, prev_x = -1;
    for (int i = 0; i < rep.nitems; i++) {
        double t;
        if (!is_axis_t(&rep.items[i], &t)) continue;
        double xc = rep.items[i].x + rep.items[i].w / 2.0;
        double xw = L->plot_x + (t - L->t_left_s) / (L->t_right_s - L->t_left_s) * L->plot_w;
        if (fabs(xc - xw) > 2 || rep.items[i].x <= prev_x) bad++;
        prev_x = rep.items[i].x;
        if (fabs(t - lround(t)) < 1e-9) nt++;
    }
    hs_check_int("time axis labels at whole seconds", nt, 5);
    hs_check_int("time axis labels misplaced or out of order", bad, 0);
    hs_check_near("time span", L->t_right_s, 4.5, 0.01, "s");
    /* frame: the pixel just left of the plot is the frame colour (light grey) */
    hs_check_above("frame left of the plot (luma)", luma(px(pix, w, L->plot_x - 1, L->plot_y + L->plot_h / 2)), 120, "");
    /* labels in order, at their start times */
    const char *want[] = { "ANSam/", "CM", "JM", "CJ" };
    const double at[] = { GUI_SYNTH_ANSAM_S, GUI_SYNTH_CM_S, GUI_SYNTH_JM_S, GUI_SYNTH_CJ_S };
    int last = -1;
    for (int k = 0; k < 4; k++) {
        int i = find_label(&rep, HS_DL_SIGNAL, want[k]);
        char what[64];
        snprintf(what, sizeof what, "label %s drawn", want[k]);
        if (!hs_check_true(what, i >= 0)) continue;
        double x_want = L->plot_x + (at[k] - L->t_left_s) / (L->t_right_s - L->t_left_s) * L->plot_w;
        snprintf(what, sizeof what, "label %s x", want[k]);
        hs_check_near(what, rep.items[i].x, x_want + 3, 2, "px");
        snprintf(what, sizeof what, "label %s after the previous one", want[k]);
        hs_check_true(what, rep.items[i].x > last);
        last = rep.items[i].x;
    }
    int found = 0;
    for (int i = 0; i < rep.nitems; i++)
        if (rep.items[i].kind == HS_DL_DETAIL && strncmp(rep.items[i].text, "CM: ", 4) == 0 &&
            strstr(rep.items[i].text, "V.34 duplex")) found = 1;
    hs_check_true("CM detail lists V.34 duplex", found);
    /* 2100 Hz bright during ANSam (t = 1 s), dark before it (t = 0.2 s) */
    int y2100 = L->plot_y + (int)lround((L->f_top_hz - 2100) / (L->f_top_hz - L->f_bottom_hz) * L->plot_h);
    int xa = L->plot_x + (int)lround((1.0 - L->t_left_s) / (L->t_right_s - L->t_left_s) * L->plot_w);
    int xb = L->plot_x + (int)lround((0.2 - L->t_left_s) / (L->t_right_s - L->t_left_s) * L->plot_w);
    hs_check_above("2100 Hz during ANSam (luma)", luma(px(pix, w, xa, y2100)), 150, "");
    hs_check_below("2100 Hz before ANSam (luma)", luma(px(pix, w, xb, y2100)), 40, "");
    free(pix);
    hs_render_report_free(&rep);
    free(line);
    free(ev);
    gui_synth_destroy(g);
    return 0;
}

/* ---- the real sim ---- */
static size_t sim_step(void *ctx, size_t n, float *a, float *b) { return hs_sim_step(ctx, n, a, NULL, b, NULL); }
static int sim_poll(void *ctx, hs_event *ev) { return hs_sim_poll(ctx, ev); }

/* The default sim (V.8 over a noise-free line), rendered: the signals ANSam/, CM, JM, CJ
 * are labelled left to right at their tx events' times (+3 px margin, within 2 px), CM's
 * decoded content names V.34 duplex, the axes cover 0..end, and the PNG is 1600x900. */
static int render_sim(void)
{
    hs_sim_config cfg = hs_sim_config_default();
    hs_sim *sim;
    if (hs_sim_create(&cfg, &sim) != HS_OK) return 1;
    hs_av_source src = { sim, sim_step, sim_poll };
    float *line;
    size_t n, nev;
    hs_event *ev;
    if (hs_render_collect(&src, 60.0, &line, &n, &ev, &nev) != 0) return 1;
    hs_sim_destroy(sim);
    printf("sim: %.3f s, %zu events\n", (double)n / HS_RATE, nev);
    const char *want[] = { "ANSam/", "CM", "JM", "CJ" };
    double at[4] = { -1, -1, -1, -1 };
    for (size_t i = 0; i < nev; i++) {
        const hs_field *f = hs_event_field(&ev[i], "signal");
        if (ev[i].type != HS_EV_TX || !f) continue;
        for (int k = 0; k < 4; k++)
            if (strcmp(f->v.s, want[k]) == 0 && at[k] < 0) at[k] = (double)ev[i].sample / HS_RATE;
    }
    char path[512], err[256];
    hs_test_tmp_path("render_sim.png", path, sizeof path);
    hs_render_options o = hs_render_options_default();
    hs_render_report rep;
    memset(&rep, 0, sizeof rep);
    if (!hs_check_true("hs_render_png", hs_render_png(line, n, ev, nev, &o, path, &rep, err, sizeof err) == 0)) {
        printf("%s\n", err);
        return 1;
    }
    printf("render time %.3f s -> %s\n", rep.render_s, path);
    uint32_t *pix;
    int w, h;
    if (!hs_check_true("PNG readable", hs_png_read(path, &pix, &w, &h, err, sizeof err) == 0)) return 1;
    hs_check_int("width", w, 1600);
    hs_check_int("height", h, 900);
    const hs_scene_layout *L = &rep.layout;
    hs_check_near("time axis ends at the end of the run", L->t_right_s, (double)n / HS_RATE, 1e-6, "s");
    int nt = 0;
    for (int i = 0; i < rep.nitems; i++) {
        double t;
        if (is_axis_t(&rep.items[i], &t) && fabs(t - lround(t)) < 1e-9) nt++;
    }
    hs_check_above("whole-second labels on the time axis", nt, (int)((double)n / HS_RATE), "");
    int last = -1;
    for (int k = 0; k < 4; k++) {
        char what[64];
        snprintf(what, sizeof what, "tx event %s", want[k]);
        if (!hs_check_true(what, at[k] >= 0)) continue;
        int i = find_label(&rep, HS_DL_SIGNAL, want[k]);
        snprintf(what, sizeof what, "label %s drawn", want[k]);
        if (!hs_check_true(what, i >= 0)) continue;
        double x_want = L->plot_x + (at[k] - L->t_left_s) / (L->t_right_s - L->t_left_s) * L->plot_w;
        snprintf(what, sizeof what, "label %s x", want[k]);
        hs_check_near(what, rep.items[i].x, x_want + 3, 2, "px");
        snprintf(what, sizeof what, "label %s after the previous one", want[k]);
        hs_check_true(what, rep.items[i].x > last);
        last = rep.items[i].x;
    }
    int found = 0;
    for (int i = 0; i < rep.nitems; i++)
        if (rep.items[i].kind == HS_DL_DETAIL && strncmp(rep.items[i].text, "CM: ", 4) == 0 &&
            strstr(rep.items[i].text, "V.34 duplex")) found = 1;
    hs_check_true("CM detail lists V.34 duplex", found);
    free(pix);
    hs_render_report_free(&rep);
    free(line);
    free(ev);
    return 0;
}

/* First time (s) at which a signal label or callout for `name` is drawn ("S", "S: ..."); -1 if none. */
static double label_time(const hs_render_report *r, const char *name)
{
    double t = -1;
    size_t n = strlen(name);
    for (int i = 0; i < r->nitems; i++) {
        const hs_dl_item *d = &r->items[i];
        if (d->kind != HS_DL_SIGNAL && d->kind != HS_DL_DETAIL) continue;
        if (strncmp(d->text, name, n) != 0 || (d->text[n] != 0 && d->text[n] != ':')) continue;
        if (t < 0 || d->t_s < t) t = d->t_s;
    }
    return t;
}

static int boxes_overlap(const hs_dl_item *a, const hs_dl_item *b)
{
    return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

/* The whole start-up (V.8 to CONNECT) rendered: the phase 3/4 signals S, PP, TRN, J, MP, E
 * and B1 are each labelled (in their lane, or in a callout row under the lanes when the band
 * is too narrow for the name: S-bar is 16 T = 4.7 ms = 1 px at this scale), first
 * occurrences in that order at their times; a CONNECT mark names the rate; no two labels
 * (signal, callout, mark) overlap, so each is legible; the equalizer panel is drawn. */
static int render_startup(void)
{
    hs_sim_config cfg = hs_sim_config_default();
    hs_sim *sim;
    if (hs_sim_create(&cfg, &sim) != HS_OK) return 1;
    hs_av_source src = { sim, sim_step, sim_poll };
    float *line;
    size_t n, nev;
    hs_event *ev;
    if (hs_render_collect(&src, 60.0, &line, &n, &ev, &nev) != 0) return 1;
    hs_sim_destroy(sim);
    double connect_s = -1;
    for (size_t i = 0; i < nev; i++)
        if (ev[i].type == HS_EV_CONNECT && connect_s < 0) connect_s = (double)ev[i].sample / HS_RATE;
    printf("sim: %.3f s, %zu events, first connect at %.3f s\n", (double)n / HS_RATE, nev, connect_s);
    char path[512], err[256];
    hs_test_tmp_path("render_startup.png", path, sizeof path);
    hs_render_options o = hs_render_options_default();
    hs_render_report rep;
    memset(&rep, 0, sizeof rep);
    if (!hs_check_true("hs_render_png", hs_render_png(line, n, ev, nev, &o, path, &rep, err, sizeof err) == 0)) {
        printf("%s\n", err);
        return 1;
    }
    printf("render time %.3f s -> %s\n", rep.render_s, path);
    hs_check_true("connect event", connect_s > 0);
    const char *want[] = { "S", "PP", "TRN", "J", "MP", "E", "B1" };
    double prev = -1;
    for (int k = 0; k < 7; k++) {
        char what[64];
        double t = label_time(&rep, want[k]);
        snprintf(what, sizeof what, "label %s drawn", want[k]);
        if (!hs_check_true(what, t >= 0)) continue;
        printf("label %s first at %.3f s\n", want[k], t);
        snprintf(what, sizeof what, "label %s after the previous one", want[k]);
        hs_check_true(what, t > prev);
        prev = t;
    }
    const hs_dl_item *conn = NULL;
    for (int i = 0; i < rep.nitems; i++)
        if (rep.items[i].kind == HS_DL_MARK && strncmp(rep.items[i].text, "CONNECT", 7) == 0) conn = &rep.items[i];
    if (hs_check_true("CONNECT mark drawn", conn != NULL)) {
        printf("mark: %s\n", conn->text);
        hs_check_true("CONNECT mark names the rate (bit/s)", strstr(conn->text, "bit/s") != NULL);
        hs_check_near("CONNECT mark time", conn->t_s, connect_s, 0.1, "s");
    }
    int overlaps = 0;
    for (int i = 0; i < rep.nitems; i++)
        for (int j = i + 1; j < rep.nitems; j++) {
            const hs_dl_item *a = &rep.items[i], *b = &rep.items[j];
            int ka = a->kind == HS_DL_SIGNAL || a->kind == HS_DL_DETAIL || a->kind == HS_DL_MARK;
            int kb = b->kind == HS_DL_SIGNAL || b->kind == HS_DL_DETAIL || b->kind == HS_DL_MARK;
            if (ka && kb && boxes_overlap(a, b)) {
                if (overlaps < 5) printf("overlap: '%s' and '%s'\n", a->text, b->text);
                overlaps++;
            }
        }
    hs_check_int("overlapping labels", overlaps, 0);
    hs_check_above("equalizer panel: constellation box", rep.layout.const_size, 60, "px");
    hs_render_report_free(&rep);
    free(line);
    free(ev);
    return 0;
}

/* The command: `render --sim` writes the PNG at the asked size; usage errors exit 2, a missing
 * recording 3; `render FILE` on a recording of the sim at the caller's end
 * goes through the monitor and writes the PNG. */
static int render_command(void)
{
    char path[512];
    hs_test_tmp_path("render_cmd.png", path, sizeof path);
    remove(path);
    char *a1[] = { "render", "--sim", "--snr", "30", "-o", path, "--width", "1200", "--height", "700", NULL };
    hs_check_int("render --sim exit status", hs_cmd_render(10, a1), 0);
    uint32_t *pix;
    int w = 0, h = 0;
    char err[256];
    if (hs_check_true("PNG written", hs_png_read(path, &pix, &w, &h, err, sizeof err) == 0)) {
        hs_check_int("width", w, 1200);
        hs_check_int("height", h, 700);
        free(pix);
    }
    char *a2[] = { "render", "--sim", NULL };
    hs_check_int("no -o: usage", hs_cmd_render(2, a2), 2);
    char *a3[] = { "render", "x.wav", "--sim", "-o", path, NULL };
    hs_check_int("FILE and --sim: usage", hs_cmd_render(5, a3), 2);
    char *a4[] = { "render", "/nonexistent/x.wav", "-o", path, NULL };
    hs_check_int("missing recording: file error", hs_cmd_render(4, a4), 3);
    char *a7[] = { "render", "--sim", "-o", "/nonexistent/dir/x.png", NULL };
    hs_check_int("unwritable output: file error", hs_cmd_render(4, a7), 3);
    char *a5[] = { "render", "--sim", "-o", path, "--fft", "256", "--hop", "300", NULL };
    hs_check_int("hop > fft: usage", hs_cmd_render(8, a5), 2);
    /* a recording of the sim (mono WAV) through the monitor */
    char wav[512], png2[512];
    hs_test_tmp_path("render_cmd.wav", wav, sizeof wav);
    hs_test_tmp_path("render_file.png", png2, sizeof png2);
    hs_sim_config cfg = hs_sim_config_default();
    hs_sim *sim;
    if (hs_sim_create(&cfg, &sim) != HS_OK) return 1;
    hs_wav_out *wo;
    if (!hs_check_true("WAV opened", hs_wav_out_open(wav, 1, &wo, err, sizeof err) == 0)) return 1;
    float a[160], b[160];
    size_t got;
    while ((got = hs_sim_step(sim, 160, a, NULL, b, NULL)) > 0) {   /* the caller's end */
        for (size_t i = 0; i < got; i++) a[i] += b[i];
        const float *ch[1] = { a };
        hs_wav_out_write(wo, ch, got, err, sizeof err);
    }
    hs_wav_out_close(wo, err, sizeof err);
    hs_sim_destroy(sim);
    char *a6[] = { "render", wav, "-o", png2, NULL };
    hs_check_int("render FILE exit status", hs_cmd_render(4, a6), 0);
    if (hs_check_true("PNG of the recording written", hs_png_read(png2, &pix, &w, &h, err, sizeof err) == 0)) {
        hs_check_int("width", w, 1600);
        free(pix);
    }
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(render_synthetic),
    HS_CASE(render_sim),
    HS_CASE(render_startup),
    HS_CASE(render_command)
)
