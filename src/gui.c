/* src/gui.c: the live window (SDL2 + SDL2_ttf). See gui.h. */
#include "gui.h"
#include "cli.h"
#include "gui_ring.h"
#include "pngout.h"
#include "sim_hooks.h"

#include <SDL.h>
#include <SDL_ttf.h>
#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FEED_CHUNK 256
#define ROW_RING   1024      /* 8 s of rows at hop 64 */
#define EV_RING    1024

struct hs_gui {
    hs_gui_options  o;
    SDL_Window     *win;
    SDL_Renderer   *ren;
    hs_scene       *scene;
    int             sdl_started, ttf_started;
    /* producer side */
    hs_spectrum    *spec;
    int             bins;
    float          *mix, *row;
    hs_gui_ring    *rows, *events;
    _Atomic uint64_t fed;
    double          pace_wall, pace_vt;
    int             pace_started;
    /* control (main thread writes, producer reads) */
    _Atomic int     quit, paused, stepping, slow;
    /* main thread */
    unsigned char  *rowbuf;
    double          span_s;
    hs_panel        panel;
    int             mouse_x, mouse_y;
    int             shots;
    uint64_t        nrows;
    /* frame loop */
    int             running, finished, frames;
    double          t_open, next, cpu0, work_sum, work_max;
    hs_scene_layout layout;
    hs_sim_sink     sink;
};

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

hs_gui_options hs_gui_options_default(void)
{
    hs_gui_options o;
    memset(&o, 0, sizeof o);
    o.width = 1280;
    o.height = 720;
    o.speed = 1.0;
    o.span_s = 10.0;
    o.spec = hs_spectrum_config_default();
    o.db_min = -80.0f;
    o.db_max = -10.0f;
    o.title = "Handshake";
    return o;
}

int hs_gui_display_available(void)
{
    const char *v = getenv("SDL_VIDEODRIVER");
    const char *d = getenv("DISPLAY");
    const char *w = getenv("WAYLAND_DISPLAY");
    return (v && *v) || (d && *d) || (w && *w);
}

void hs_gui_report_free(hs_gui_report *r)
{
    if (!r) return;
    free(r->items);
    free(r->pixels);
    r->items = NULL;
    r->pixels = NULL;
    for (int k = 0; k < 2; k++) {
        free(r->mse_t_s[k]);
        free(r->mse_db[k]);
        r->mse_t_s[k] = r->mse_db[k] = NULL;
        r->nmse[k] = 0;
    }
}

void hs_gui_close(hs_gui *g)
{
    if (!g) return;
    hs_scene_destroy(g->scene);
    if (g->ren) SDL_DestroyRenderer(g->ren);
    if (g->win) SDL_DestroyWindow(g->win);
    if (g->ttf_started) TTF_Quit();
    if (g->sdl_started) SDL_QuitSubSystem(SDL_INIT_VIDEO);
    hs_spectrum_destroy(g->spec);
    hs_gui_ring_destroy(g->rows);
    hs_gui_ring_destroy(g->events);
    free(g->mix);
    free(g->row);
    free(g->rowbuf);
    free(g);
}

static float output_scale(hs_gui *g)
{
    int ww, wh, ow, oh;
    SDL_GetWindowSize(g->win, &ww, &wh);
    SDL_GetRendererOutputSize(g->ren, &ow, &oh);
    return ww > 0 && ow > ww ? (float)ow / (float)ww : 1.0f;
}

int hs_gui_open(const hs_gui_options *o, hs_gui **out, char *err, size_t errlen)
{
    *out = NULL;
    const char *why = hs_spectrum_config_problem(&o->spec);
    if (why) {
        snprintf(err, errlen, "spectrogram window/hop: %s", why);
        return -1;
    }
    if (!(o->span_s > 0) || !(o->speed > 0)) {
        snprintf(err, errlen, "time span and speed must be positive");
        return -1;
    }
#ifdef HS_HAVE_FFTW_THREADS
    fftwf_make_planner_thread_safe();   /* spectra may now be planned from several threads */
#endif
    hs_gui *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    g->o = *o;
    g->span_s = o->span_s;
    g->panel = HS_PANEL_DECODED;
    g->mouse_x = g->mouse_y = -1;
    g->running = 1;
    atomic_init(&g->fed, 0);
    atomic_init(&g->quit, 0);
    atomic_init(&g->paused, o->start_paused ? 1 : 0);
    atomic_init(&g->stepping, 0);
    atomic_init(&g->slow, 0);
    /* the producer's spectrum is planned here, on the main thread, before any producer runs */
    if (hs_spectrum_create(&o->spec, &g->spec) != HS_OK) goto nomem;
    g->bins = hs_spectrum_bins(g->spec);
    size_t rowsize = sizeof(uint64_t) + (size_t)g->bins * sizeof(float);
    g->mix = malloc(FEED_CHUNK * sizeof *g->mix);
    g->row = malloc((size_t)g->bins * sizeof *g->row);
    g->rowbuf = malloc(rowsize);
    g->rows = hs_gui_ring_create(rowsize, ROW_RING);
    g->events = hs_gui_ring_create(sizeof(hs_event), EV_RING);
    if (!g->mix || !g->row || !g->rowbuf || !g->rows || !g->events) goto nomem;

    SDL_SetHint(SDL_HINT_VIDEO_HIGHDPI_DISABLED, "0");
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        snprintf(err, errlen, "cannot open a window: %s (no display? use `render` for a PNG)", SDL_GetError());
        hs_gui_close(g);
        return -1;
    }
    g->sdl_started = 1;
    if (TTF_Init() != 0) {
        snprintf(err, errlen, "cannot start SDL_ttf: %s", TTF_GetError());
        hs_gui_close(g);
        return -1;
    }
    g->ttf_started = 1;
    g->win = SDL_CreateWindow(o->title ? o->title : "Handshake", SDL_WINDOWPOS_CENTERED,
                              SDL_WINDOWPOS_CENTERED, o->width, o->height,
                              SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!g->win) {
        snprintf(err, errlen, "cannot open a window: %s", SDL_GetError());
        hs_gui_close(g);
        return -1;
    }
    SDL_SetWindowMinimumSize(g->win, 640, 400);
    /* no vsync: the loop paces itself at 60 fps (vsync plus our own timer beat to ~54 fps
     * under Xvfb, and a 144 Hz screen would triple the work) */
    g->ren = SDL_CreateRenderer(g->win, -1, 0);
    if (!g->ren) {
        snprintf(err, errlen, "cannot create a renderer: %s", SDL_GetError());
        hs_gui_close(g);
        return -1;
    }
    hs_scene_config sc = hs_scene_config_default();
    sc.spec = o->spec;
    sc.db_min = o->db_min;
    sc.db_max = o->db_max;
    sc.history_cols = 4096;
    sc.smooth = 1;
    int cols_needed = (int)(64.0 * HS_RATE / o->spec.hop) + 2;   /* up to 64 s visible */
    if (cols_needed < sc.history_cols) sc.history_cols = cols_needed;
    SDL_RendererInfo ri;
    if (SDL_GetRendererInfo(g->ren, &ri) == 0 && ri.max_texture_width > 0 &&
        sc.history_cols > ri.max_texture_width)
        sc.history_cols = ri.max_texture_width;
    sc.assets_dir = o->assets_dir;
    sc.font_path = o->font_path;
    sc.font_scale = output_scale(g);
    if (hs_scene_create(&sc, g->ren, &g->scene, err, errlen) != 0) {
        hs_gui_close(g);
        return -1;
    }
    if (!o->quiet)
        fprintf(stderr, "handshake: window: video driver %s, renderer %s\n",
                SDL_GetCurrentVideoDriver(), SDL_GetRendererInfo(g->ren, &ri) == 0 ? ri.name : "?");
    SDL_ClearError();
    *out = g;
    return 0;
nomem:
    hs_gui_close(g);
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* ------------------------------------------------------------------ producer side */

void hs_gui_feed_audio(hs_gui *g, const float *a, const float *b, size_t n)
{
    uint64_t fed = atomic_load_explicit(&g->fed, memory_order_relaxed);
    while (n) {
        size_t m = n < FEED_CHUNK ? n : FEED_CHUNK;
        for (size_t i = 0; i < m; i++) g->mix[i] = (a ? a[i] : 0.0f) + (b ? b[i] : 0.0f);
        /* push at most one hop at a time so the spectrum's 16-row queue never overflows */
        for (size_t i = 0; i < m;) {
            size_t k = m - i < (size_t)g->o.spec.hop ? m - i : (size_t)g->o.spec.hop;
            hs_spectrum_push(g->spec, g->mix + i, k);
            i += k;
            uint64_t centre;
            while (hs_spectrum_pop_row(g->spec, g->row, &centre)) {
                unsigned char *slot = hs_gui_ring_reserve(g->rows);
                if (!slot) continue;                      /* GUI behind: dropped, counted */
                memcpy(slot, &centre, sizeof centre);
                memcpy(slot + sizeof centre, g->row, (size_t)g->bins * sizeof(float));
                hs_gui_ring_commit(g->rows);
            }
        }
        if (a) a += m;
        if (b) b += m;
        n -= m;
        fed += m;
    }
    atomic_store_explicit(&g->fed, fed, memory_order_release);
}

void hs_gui_feed_event(hs_gui *g, const hs_event *e)
{
    hs_gui_ring_push(g->events, e);
    if ((e->type == HS_EV_TX || e->type == HS_EV_PHASE) && atomic_load(&g->stepping)) {
        atomic_store(&g->paused, 1);
        atomic_store(&g->stepping, 0);
    }
}

int hs_gui_quit_requested(hs_gui *g) { return atomic_load(&g->quit); }

uint64_t hs_gui_pace_target(hs_gui *g)
{
    double now = mono_s();
    if (!g->pace_started) {
        g->pace_started = 1;
        g->pace_wall = now;
        g->pace_vt = 0.0;
    }
    double dt = now - g->pace_wall;
    g->pace_wall = now;
    if (dt > 0.25) dt = 0.25;                        /* after a stall: don't race to catch up */
    int paused = atomic_load(&g->paused) && !atomic_load(&g->stepping);
    if (!paused) g->pace_vt += dt * HS_RATE * g->o.speed * (atomic_load(&g->slow) ? 0.25 : 1.0);
    return (uint64_t)g->pace_vt;
}

/* ------------------------------------------------------------------ main thread */

static void drain(hs_gui *g)
{
    while (hs_gui_ring_pop(g->rows, g->rowbuf)) {
        uint64_t centre;
        memcpy(&centre, g->rowbuf, sizeof centre);
        hs_scene_add_row(g->scene, (const float *)(g->rowbuf + sizeof centre), centre);
        g->nrows++;
    }
    hs_event e;
    while (hs_gui_ring_pop(g->events, &e)) hs_scene_add_event(g->scene, &e);
    hs_scene_set_now(g->scene, atomic_load_explicit(&g->fed, memory_order_acquire));
}

static void status_line(hs_gui *g, char *buf, size_t n)
{
    int paused = atomic_load(&g->paused) && !atomic_load(&g->stepping);
    snprintf(buf, n,
             "space pause   s slow x0.25   n next phase   +/- zoom (%g s)   v view   p screenshot   "
             "q quit        %s%s",
             g->span_s, paused ? "PAUSED" : atomic_load(&g->stepping) ? "stepping" : "running",
             atomic_load(&g->slow) ? "  x0.25" : "");
}

static int read_frame(hs_gui *g, uint32_t **pix, int *w, int *h)
{
    SDL_GetRendererOutputSize(g->ren, w, h);
    *pix = malloc((size_t)*w * (size_t)*h * 4);
    if (!*pix) return -1;
    if (SDL_RenderReadPixels(g->ren, NULL, SDL_PIXELFORMAT_ARGB8888, *pix, *w * 4) != 0) {
        free(*pix);
        *pix = NULL;
        return -1;
    }
    return 0;
}

static void screenshot(hs_gui *g)
{
    char path[512], err[512];
    if (g->o.screenshot_path) snprintf(path, sizeof path, "%s", g->o.screenshot_path);
    else snprintf(path, sizeof path, "handshake-shot-%d.png", g->shots + 1);
    uint32_t *pix;
    int w, h;
    if (read_frame(g, &pix, &w, &h) != 0) {
        fprintf(stderr, "handshake: screenshot failed: %s\n", SDL_GetError());
        return;
    }
    if (hs_png_write(path, pix, w, h, (size_t)w * 4, err, sizeof err) != 0)
        fprintf(stderr, "handshake: %s\n", err);
    else {
        g->shots++;
        if (!g->o.quiet) fprintf(stderr, "handshake: screenshot saved to %s\n", path);
    }
    free(pix);
}

static void draw(hs_gui *g, hs_scene_layout *L)
{
    int w, h;
    SDL_GetRendererOutputSize(g->ren, &w, &h);
    hs_scene_set_font_scale(g->scene, output_scale(g));
    char status[256];
    status_line(g, status, sizeof status);
    hs_scene_view v;
    memset(&v, 0, sizeof v);
    v.span_s = g->span_s;
    v.panel = g->panel;
    float sc = output_scale(g);
    v.mouse_x = g->mouse_x < 0 ? -1 : (int)((float)g->mouse_x * sc);
    v.mouse_y = g->mouse_y < 0 ? -1 : (int)((float)g->mouse_y * sc);
    v.title = g->o.title ? g->o.title : "Handshake";
    v.status = status;
    hs_scene_draw(g->scene, w, h, &v, L);
}

static void key(hs_gui *g, SDL_Keycode k, int *running, int *shot)
{
    switch (k) {
    case SDLK_SPACE:
        atomic_store(&g->stepping, 0);
        atomic_store(&g->paused, !atomic_load(&g->paused));
        break;
    case SDLK_s: atomic_store(&g->slow, !atomic_load(&g->slow)); break;
    case SDLK_n:
        atomic_store(&g->paused, 1);
        atomic_store(&g->stepping, 1);
        break;
    case SDLK_PLUS: case SDLK_EQUALS: case SDLK_KP_PLUS:
        if (g->span_s > 0.5) g->span_s /= 2.0;
        break;
    case SDLK_MINUS: case SDLK_KP_MINUS:
        if (g->span_s < 32.0) g->span_s *= 2.0;
        break;
    case SDLK_v: g->panel = g->panel == HS_PANEL_DECODED ? HS_PANEL_CONSTELLATION : HS_PANEL_DECODED; break;
    case SDLK_p: *shot = 1; break;
    case SDLK_q: case SDLK_ESCAPE: *running = 0; break;
    default: break;
    }
}

#define FRAME_S (1.0 / 60.0)

/* One frame if one is due: input, rows and events from the rings, draw, present.
 * Returns 1 while the window stays open, 0 once it was closed (q, Esc, the close button,
 * --exit-after). */
int hs_gui_frame(hs_gui *g)
{
    if (!g->running) return 0;
    double now = mono_s();
    if (!g->t_open) {
        g->t_open = now;
        g->next = now;
        g->cpu0 = thread_cpu_s();
    }
    if (now < g->next) return 1;
    SDL_Event e;
    int shot = 0;
    while (SDL_PollEvent(&e)) {
        if (e.type == SDL_QUIT) g->running = 0;
        else if (e.type == SDL_KEYDOWN) key(g, e.key.keysym.sym, &g->running, &shot);
        else if (e.type == SDL_MOUSEMOTION) {
            g->mouse_x = e.motion.x;
            g->mouse_y = e.motion.y;
        } else if (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_LEAVE)
            g->mouse_x = g->mouse_y = -1;
    }
    if (g->o.exit_after_s > 0 && now - g->t_open >= g->o.exit_after_s) g->running = 0;
    if (hs_cli_interrupted()) g->running = 0;            /* Ctrl-C / SIGTERM (src/cli.c) */
    if (!g->running) {
        atomic_store(&g->quit, 1);
        return 0;
    }
    double w0 = thread_cpu_s();
    drain(g);
    draw(g, &g->layout);
    if (shot) screenshot(g);
    double work = thread_cpu_s() - w0;
    g->work_sum += work;
    if (work > g->work_max) g->work_max = work;
    SDL_RenderPresent(g->ren);
    g->frames++;
    g->next += FRAME_S;
    now = mono_s();
    if (now - g->next > 0.1) g->next = now;          /* fell behind: don't burst */
    return 1;
}

double hs_gui_frame_due_in(hs_gui *g)
{
    double d = g->next - mono_s();
    return d > 0 ? d : 0.0;
}

static void sleep_s(double s)
{
    if (s <= 0) return;
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    nanosleep(&ts, NULL);
}

/* Fills the report (once): statistics, and the final frame drawn again and read back
 * before presenting (the back buffer is undefined after a present). */
static int finish(hs_gui *g)
{
    if (g->finished) return 0;
    g->finished = 1;
    atomic_store(&g->quit, 1);
    if (!g->o.report) return 0;
    hs_gui_report *r = g->o.report;
    memset(r, 0, sizeof *r);
    r->wall_s = g->t_open ? mono_s() - g->t_open : 0.0;
    r->cpu_s = g->t_open ? thread_cpu_s() - g->cpu0 : 0.0;
    r->frames = g->frames;
    r->frame_ms_mean = g->frames ? 1000.0 * g->work_sum / g->frames : 0.0;
    r->frame_ms_max = 1000.0 * g->work_max;
    drain(g);
    draw(g, &g->layout);
    int rc = read_frame(g, &r->pixels, &r->w, &r->h);
    r->layout = g->layout;
    int n;
    const hs_dl_item *dl = hs_scene_draw_list(g->scene, &n);
    r->items = malloc((size_t)(n ? n : 1) * sizeof *dl);
    if (r->items) {
        memcpy(r->items, dl, (size_t)n * sizeof *dl);
        r->nitems = n;
    }
    for (int k = 0; k < 2; k++) {
        hs_eq_view q;
        hs_scene_eq(g->scene, k, &q);
        r->snr_db[k] = q.snr_db;
        r->mse_t_s[k] = malloc((size_t)(q.nmse ? q.nmse : 1) * sizeof(double));
        r->mse_db[k] = malloc((size_t)(q.nmse ? q.nmse : 1) * sizeof(double));
        if (r->mse_t_s[k] && r->mse_db[k] && q.nmse) {
            memcpy(r->mse_t_s[k], q.t_s, (size_t)q.nmse * sizeof(double));
            memcpy(r->mse_db[k], q.mse_db, (size_t)q.nmse * sizeof(double));
            r->nmse[k] = q.nmse;
        }
    }
    r->rows = g->nrows;
    r->dropped_rows = hs_gui_ring_dropped(g->rows) + hs_spectrum_dropped_rows(g->spec);
    r->dropped_events = hs_gui_ring_dropped(g->events);
    r->now = hs_scene_get_now(g->scene);
    r->screenshots = g->shots;
    snprintf(r->error, sizeof r->error, "%s", SDL_GetError());
    snprintf(r->video_driver, sizeof r->video_driver, "%s", SDL_GetCurrentVideoDriver());
    SDL_RendererInfo ri;
    if (SDL_GetRendererInfo(g->ren, &ri) == 0) snprintf(r->renderer, sizeof r->renderer, "%s", ri.name);
    return rc;
}

int hs_gui_run(hs_gui *g)
{
    while (hs_gui_frame(g)) sleep_s(hs_gui_frame_due_in(g));
    return finish(g);
}

/* ------------------------------------------------------------------ sim sink (main thread) */

/* `handshake sim --gui` through the runner's sink chain (src/runsim.h, src/sim_hooks.h): the
 * sink's callbacks run on the main thread in sample order, so the window is served between
 * blocks: each block is fed, then frames are drawn until real time (x speed, paused, slow
 * motion) has caught up with the block's end. After the run, the window stays open (the
 * clock runs on with silence) until it is closed or --exit-after. */
static int sink_audio(void *user, const hs_sim_block *b)
{
    hs_gui *g = user;
    for (;;) {
        if (!hs_gui_frame(g)) return 1;                 /* window closed: stop the run */
        if (hs_gui_pace_target(g) >= b->t0 + b->n) break;
        double d = hs_gui_frame_due_in(g);
        sleep_s(d < 0.002 ? d : 0.002);
    }
    hs_gui_feed_audio(g, b->caller_tx, b->to_caller, b->n);   /* the line at the caller's end */
    return 0;
}

static int sink_event(void *user, const hs_event *ev)
{
    hs_gui_feed_event(user, ev);
    return 0;
}

static void sink_end(void *user, const hs_run_result *r)
{
    hs_gui *g = user;
    (void)r;
    static const float zero[160];
    while (hs_gui_frame(g)) {
        uint64_t fed = atomic_load(&g->fed), t = hs_gui_pace_target(g);
        while (fed < t) {
            size_t m = t - fed < 160 ? (size_t)(t - fed) : 160;
            hs_gui_feed_audio(g, zero, NULL, m);
            fed += m;
        }
        sleep_s(hs_gui_frame_due_in(g));
    }
    finish(g);
}

int hs_gui_sim_sink_open(const hs_gui_options *o, hs_sim_sink **out, char *err, size_t errlen)
{
    *out = NULL;
    hs_gui *g;
    if (hs_gui_open(o, &g, err, errlen) != 0) return HS_EXIT_FILE;
    g->sink.user = g;
    g->sink.on_audio = sink_audio;
    g->sink.on_event = sink_event;
    g->sink.on_end = sink_end;
    *out = &g->sink;
    return 0;
}

int hs_gui_sim_sink_create(const hs_sim_hook_args *a, hs_sim_sink **out, char *err, size_t errlen)
{
    hs_gui_options o = hs_gui_options_default();
    o.exit_after_s = a->exit_after_s;
    if (!hs_gui_display_available()) {
        *out = NULL;
        snprintf(err, errlen, "--gui: no display (DISPLAY is not set); use 'handshake render --sim -o FILE.png' for a picture");
        return HS_EXIT_FILE;
    }
    return hs_gui_sim_sink_open(&o, out, err, errlen);
}

void hs_gui_sim_sink_destroy(hs_sim_sink *s)
{
    if (!s) return;
    hs_gui *g = s->user;
    finish(g);
    hs_gui_close(g);
}

/* ------------------------------------------------------------------ a paced source */

typedef struct {
    hs_gui             *g;
    const hs_av_source *src;
    int                 finished;
} engine_arg;

static void *engine(void *p)
{
    engine_arg *a = p;
    hs_gui *g = a->g;
    float ca[80], an[80];
    uint64_t done = 0;
    hs_event ev;
    while (!hs_gui_quit_requested(g)) {
        uint64_t target = hs_gui_pace_target(g);
        while (done < target && !a->finished && !hs_gui_quit_requested(g)) {
            size_t want = target - done < 80 ? (size_t)(target - done) : 80;
            size_t got = a->src->step(a->src->ctx, want, ca, an);
            if (!got) {
                a->finished = 1;
                break;
            }
            hs_gui_feed_audio(g, ca, an, got);
            done += got;
            while (a->src->poll(a->src->ctx, &ev)) hs_gui_feed_event(g, &ev);
            if (atomic_load(&g->paused) && !atomic_load(&g->stepping)) break;   /* stepped */
        }
        if (a->finished) {
            /* the handshake is over: keep the clock running with silence so it scrolls on */
            uint64_t t = hs_gui_pace_target(g);
            static const float zero[80];
            while (done < t) {
                size_t m = t - done < 80 ? (size_t)(t - done) : 80;
                hs_gui_feed_audio(g, zero, NULL, m);
                done += m;
            }
        }
        struct timespec ts = { 0, 2000000 };   /* 2 ms */
        nanosleep(&ts, NULL);
    }
    return NULL;
}

int hs_gui_run_source(const hs_av_source *src, const hs_gui_options *o)
{
    char err[512];
    hs_gui *g;
    if (hs_gui_open(o, &g, err, sizeof err) != 0) {
        fprintf(stderr, "handshake: %s\n", err);
        return 1;
    }
    engine_arg a = { g, src, 0 };
    pthread_t th;
    if (pthread_create(&th, NULL, engine, &a) != 0) {
        fprintf(stderr, "handshake: cannot start the engine thread\n");
        hs_gui_close(g);
        return 1;
    }
    int rc = hs_gui_run(g);
    atomic_store(&g->quit, 1);
    pthread_join(th, NULL);
    hs_gui_close(g);
    return rc == 0 ? 0 : 1;
}
