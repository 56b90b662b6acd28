/* src/gui.h: the live window: a scrolling spectrogram of the line (0-4000 Hz) labelled by the
 * modems' own events, a side panel with the decoded content (or the constellation view),
 * the current phase explained, and keys to pause, slow down, step by phase, zoom, switch
 * views, take a screenshot and quit.
 *
 * Threads: SDL runs on the main thread (hs_gui_run). One producer thread (the engine: the
 * sim runner below, or a live audio mode) feeds audio and events with hs_gui_feed_*: the
 * spectrum is computed on the producer's side and rows and events go through lock-free
 * rings; the producer never waits for the window (a full ring drops and counts).
 *
 * Keys: space pause, s slow motion x0.25, n run to the next phase (then pause), + / - zoom
 * the time axis, v toggle the side panel (decoded / constellation), p screenshot PNG,
 * q or Esc quit. Pause, slow motion and stepping act on a paced source (sim); in live modes
 * they do nothing. */
#ifndef HS_GUI_H
#define HS_GUI_H

#include <stdint.h>

#include "render.h"
#include "runsim.h"
#include "sim.h"

typedef struct {                 /* filled at exit when hs_gui_options.report is set */
    int      frames;
    double   wall_s;             /* time the window was open */
    double   cpu_s;              /* CPU time of the GUI (main) thread */
    double   frame_ms_mean, frame_ms_max;   /* work per frame (draw + upload), no waiting */
    uint64_t rows, dropped_rows, dropped_events, now;
    int      screenshots;
    hs_scene_layout layout;      /* of the last frame */
    hs_dl_item *items;           /* its draw list (malloc'ed) */
    int      nitems;
    uint32_t *pixels;            /* its pixels, ARGB8888, w x h (malloc'ed) */
    int      w, h;
    char     error[256];         /* SDL_GetError() at exit ("" if none) */
    char     video_driver[32], renderer[32];
    /* the equalizer data the constellation view plots, per receiver [HS_SRC_*] */
    int      nmse[2];
    double  *mse_t_s[2], *mse_db[2];   /* malloc'ed copies [nmse] */
    double   snr_db[2];                 /* latest (NAN if none) */
} hs_gui_report;
void hs_gui_report_free(hs_gui_report *r);

typedef struct {
    int    width, height;        /* initial window size in points (1280 x 720) */
    double exit_after_s;         /* > 0: close the window after this many seconds */
    double speed;                /* pacing of a source: 1 = real time */
    double span_s;               /* visible time span (10 s); +/- halve/double it */
    hs_spectrum_config spec;     /* 256 / hop 64 / Hann */
    float  db_min, db_max;       /* colour map range (-80 .. -10 dBm0) */
    const char *title;           /* window title and heading ("Handshake") */
    const char *screenshot_path; /* 'p' writes here (default handshake-shot-N.png) */
    const char *assets_dir, *font_path;
    int    start_paused;
    int    quiet;                /* 1: no messages on stderr */
    hs_gui_report *report;       /* tests and benches */
} hs_gui_options;

hs_gui_options hs_gui_options_default(void);

/* 1 if a window can be shown: DISPLAY or WAYLAND_DISPLAY is set, or SDL_VIDEODRIVER names a
 * driver explicitly (tests: dummy). Without a display SDL would silently fall back to an
 * invisible offscreen window; the main job writes the PNG instead (hs_cmd_render). */
int hs_gui_display_available(void);

typedef struct hs_gui hs_gui;
/* Main thread: initialises SDL video + SDL_ttf, opens the window. 0, or -1 with err set
 * (e.g. no display: "cannot open a window: ..."). */
int  hs_gui_open(const hs_gui_options *o, hs_gui **out, char *err, size_t errlen);
void hs_gui_close(hs_gui *g);
/* Main thread: runs the window until quit, --exit-after, or an SDL failure. 0 or -1. */
int  hs_gui_run(hs_gui *g);
/* Main thread, for callers with their own loop: serves one frame if one is due (60 fps).
 * 1 while the window is open, 0 once closed. hs_gui_frame_due_in: seconds to the next. */
int    hs_gui_frame(hs_gui *g);
double hs_gui_frame_due_in(hs_gui *g);

/* Producer thread (one): the line's audio (either pointer may be NULL; they are summed) and
 * events. Never blocks. Sample time = samples fed so far. */
void hs_gui_feed_audio(hs_gui *g, const float *caller_tx, const float *answerer_tx, size_t n);
void hs_gui_feed_event(hs_gui *g, const hs_event *e);
/* Producer: 1 once the window was closed (stop feeding). */
int  hs_gui_quit_requested(hs_gui *g);

/* Producer of a paced source: how many samples it may have run by now (real time x speed,
 * frozen while paused). A tx or phase event fed while single-stepping pauses it. */
uint64_t hs_gui_pace_target(hs_gui *g);

/* Runs a source on an engine thread paced at real time (x speed) and the window on this
 * (main) thread. Returns 0 when the window was closed normally, 1 on an SDL failure. */
int hs_gui_run_source(const hs_av_source *src, const hs_gui_options *o);

/* `handshake sim --gui`: the same with the simulated caller + line + answerer
 * (src/gui_sim.c). The sim is created on this thread before the engine thread starts. */
int hs_gui_run_sim(const hs_sim_config *cfg, const hs_gui_options *o);

/* `handshake sim --gui` as a sink of the sim runner (src/runsim.h; the hook of
 * src/sim_hooks.h, hs_gui_sim_sink_create, uses the default options): everything on the
 * main thread, the window served between blocks, the run paced at real time. The sink's
 * on_end keeps the window open until it is closed or --exit-after; destroy closes it and
 * fills o->report. Returns 0 or HS_EXIT_FILE (no display) with err set. */
int hs_gui_sim_sink_open(const hs_gui_options *o, hs_sim_sink **out, char *err, size_t errlen);

#endif
