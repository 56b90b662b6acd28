/* tests/gui/test_gui.c: the live window, headless (SDL dummy video driver + software
 * renderer, see shared/recipes/headless-gui.md): run a few seconds of a handshake at real
 * time, read the last frame's pixels back and check what a person would see. */
#include "gui.h"
#include "gui_synth.h"
#include "hs_test.h"
#include "pngout.h"

#include <stdint.h>
#include <stdlib.h>

static void headless(void)
{
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    setenv("SDL_RENDER_DRIVER", "software", 1);
}

static int luma(uint32_t c) { return (int)((((c >> 16) & 255) * 3 + ((c >> 8) & 255) * 6 + (c & 255)) / 10); }

static int x_of(const hs_scene_layout *L, double t)
{
    return L->plot_x + (int)lround((t - L->t_left_s) / (L->t_right_s - L->t_left_s) * L->plot_w);
}

static int y_of(const hs_scene_layout *L, double f)
{
    return L->plot_y + (int)lround((L->f_top_hz - f) / (L->f_top_hz - L->f_bottom_hz) * L->plot_h);
}

/* Mean luma over +-2 px around (x, y). */
static double area_luma(const hs_gui_report *r, int x, int y)
{
    double s = 0;
    int n = 0;
    for (int dy = -2; dy <= 2; dy++)
        for (int dx = -2; dx <= 2; dx++) {
            int xx = x + dx, yy = y + dy;
            if (xx < 0 || yy < 0 || xx >= r->w || yy >= r->h) continue;
            s += luma(r->pixels[(size_t)yy * (size_t)r->w + (size_t)xx]);
            n++;
        }
    return n ? s / n : 0;
}

static const hs_dl_item *label(const hs_gui_report *r, int kind, const char *text)
{
    for (int i = 0; i < r->nitems; i++)
        if (r->items[i].kind == kind && strcmp(r->items[i].text, text) == 0) return &r->items[i];
    return NULL;
}

/* 2.6 s of the synthetic V.8 handshake at real time in a 1280x720 window: ANSam/ from 0.4 s,
 * CM from 1.4 s. The colour map puts -13 dBm0 (the tone's level on its bin) at
 * (77/80) of the range: luma well above 150; the noise floor (-70 dBm0 per sample, about
 * -90 dBm0 per bin) at the bottom of the map: luma below 40. */
static int window_synthetic(void)
{
    headless();
    gui_synth *syn = gui_synth_create(6.0);
    hs_av_source src = gui_synth_source(syn);
    hs_gui_report rep;
    hs_gui_options o = hs_gui_options_default();
    o.exit_after_s = 2.6;
    o.quiet = 1;
    o.report = &rep;
    int rc = hs_gui_run_source(&src, &o);
    hs_check_int("hs_gui_run_source exit status", rc, 0);
    printf("video driver %s, renderer %s, %d frames in %.2f s, work per frame %.2f ms (max %.2f), "
           "GUI thread CPU %.1f %%\n", rep.video_driver, rep.renderer, rep.frames, rep.wall_s,
           rep.frame_ms_mean, rep.frame_ms_max, 100.0 * rep.cpu_s / rep.wall_s);
    hs_check_str("SDL error at exit", rep.error, "");
    hs_check_str("video driver", rep.video_driver, "dummy");
    hs_check_true("pixels read back", rep.pixels != NULL);
    if (!rep.pixels) return 1;
    hs_check_int("frame width", rep.w, 1280);
    hs_check_int("frame height", rep.h, 720);
    /* ~60 fps for 2.6 s; allow a loaded CI machine half of that */
    hs_check_above("frames", rep.frames, 78, "");
    hs_check_int("dropped rows", (long long)rep.dropped_rows, 0);
    /* time ran: ~2.6 s of audio fed (the engine may lag the window by a few ms) */
    hs_check_near("engine time", (double)rep.now / HS_RATE, 2.6, 0.2, "s");
    const hs_scene_layout *L = &rep.layout;
    int y = y_of(L, 2100.0);
    hs_check_above("2100 Hz during ANSam (t = 1.0 s), luma", area_luma(&rep, x_of(L, 1.0), y), 150, "");
    hs_check_above("2100 Hz during ANSam (t = 2.0 s), luma", area_luma(&rep, x_of(L, 2.0), y), 150, "");
    hs_check_below("2100 Hz before ANSam (t = 0.2 s), luma", area_luma(&rep, x_of(L, 0.2), y), 40, "");
    hs_check_below("3500 Hz during ANSam (t = 1.0 s), luma", area_luma(&rep, x_of(L, 1.0), y_of(L, 3500.0)), 40, "");
    /* labels at their start times (+3 px margin), within 2 px */
    const hs_dl_item *a = label(&rep, HS_DL_SIGNAL, "ANSam/");
    const hs_dl_item *c = label(&rep, HS_DL_SIGNAL, "CM");
    if (hs_check_true("label ANSam/ drawn", a != NULL))
        hs_check_near("label ANSam/ x", a->x, x_of(L, GUI_SYNTH_ANSAM_S) + 3, 2, "px");
    if (hs_check_true("label CM drawn", c != NULL)) {
        hs_check_near("label CM x", c->x, x_of(L, GUI_SYNTH_CM_S) + 3, 2, "px");
        hs_check_int("CM in the caller's lane", c->source, HS_SRC_CALLER);
    }
    if (a) hs_check_int("ANSam/ in the answerer's lane", a->source, HS_SRC_ANSWERER);
    /* the side panel shows CM's decoded modulations; the phase line explains CM (V.8 §7.3) */
    int decoded = 0, phase = 0;   /* at 2.6 s JM has just started: CM or JM is explained */
    for (int i = 0; i < rep.nitems; i++) {
        if (rep.items[i].kind == HS_DL_DETAIL && strstr(rep.items[i].text, "V.34 duplex")) decoded = 1;
        if (rep.items[i].kind == HS_DL_TEXT && (strstr(rep.items[i].text, "[V.8 §7.3]") || strstr(rep.items[i].text, "[V.8 §7.4]"))) phase = 1;
    }
    hs_check_true("decoded CM content in the side panel", decoded);
    hs_check_true("phase explanation of CM or JM shown with its clause", phase);
    char path[512], err[256];
    hs_test_tmp_path("gui_synthetic.png", path, sizeof path);
    hs_png_write(path, rep.pixels, rep.w, rep.h, (size_t)rep.w * 4, err, sizeof err);
    printf("last frame: %s\n", path);
    hs_gui_report_free(&rep);
    gui_synth_destroy(syn);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(window_synthetic)
)
