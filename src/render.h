/* src/render.h: the labelled spectrogram, shared by the live window (src/gui.c) and the
 * annotated PNG of a whole handshake (`handshake render`, src/cmd_render.c).
 *
 * A scene holds a history of spectrogram rows (colour-mapped, in a texture) and a timeline
 * built from the event stream: which endpoint sent which signal when, with the decoded
 * content of each message. hs_scene_draw draws it with any SDL_Renderer: the window's, or a
 * software renderer on a surface for the PNG (no window, no video driver needed). Every
 * text it draws is recorded in a draw list, so tests can check labels and axes. */
#ifndef HS_RENDER_H
#define HS_RENDER_H

#include <SDL.h>
#include <stddef.h>
#include <stdint.h>

#include "events.h"
#include "spectrum.h"

/* ---- a source of audio and events (the sim, a test fixture, a recording) ---- */
typedef struct {
    void *ctx;
    /* Runs up to n samples and writes two signals whose sum is what is drawn: for the sim,
     * what the caller sends and what it receives (the line as heard at the caller's end,
     * noise and all); for a fixture, caller and answerer transmit. Either pointer may be
     * NULL. Returns the number of samples run, 0 once finished. */
    size_t (*step)(void *ctx, size_t n, float *a, float *b);
    /* Takes the next event; 1 if one was returned. */
    int (*poll)(void *ctx, hs_event *ev);
} hs_av_source;

/* ---- timeline ---- */
typedef struct {
    uint64_t start, end;      /* samples; end == UINT64_MAX while the signal is still on */
    uint8_t  source;          /* sender: HS_SRC_CALLER or HS_SRC_ANSWERER */
    char     name[24];        /* "ANSam/", "CM", "INFO0c", ... */
    char     detail[256];     /* decoded content ("" if none) */
} hs_tl_item;

typedef struct {
    uint64_t sample;
    uint8_t  source;
    char     name[24];        /* phase name, "CONNECT", "result" */
    char     detail[256];
} hs_tl_mark;

/* ---- one line of assets/phases.txt ---- */
typedef struct {
    char key[16];
    char clause[40];
    char text[200];
} hs_phase_text;

/* ---- draw list: every text drawn by the last hs_scene_draw ---- */
enum { HS_DL_SIGNAL = 1, HS_DL_DETAIL, HS_DL_AXIS_T, HS_DL_AXIS_F, HS_DL_TEXT, HS_DL_MARK,
       HS_DL_LEGEND };
typedef struct {
    char    text[200];        /* first 199 bytes of the text */
    int     x, y, w, h;       /* where it was drawn, output pixels */
    uint8_t kind;             /* HS_DL_* */
    uint8_t source;           /* sender for SIGNAL/DETAIL */
    double  t_s;              /* time it stands for (SIGNAL, DETAIL, AXIS_T, MARK) */
} hs_dl_item;

typedef struct {
    int    plot_x, plot_y, plot_w, plot_h;   /* the spectrogram, output pixels */
    double t_left_s, t_right_s;              /* times at plot_x and plot_x + plot_w */
    double f_top_hz, f_bottom_hz;            /* frequencies at plot_y and plot_y + plot_h */
    int    lane_y[2], lane_h;                /* band lanes: [HS_SRC_CALLER], [HS_SRC_ANSWERER] */
    /* constellation view (0 size when not drawn): box of each receiver's constellation,
     * indexed by the receiving endpoint; it spans -const_range..+const_range in I and Q
     * (unit-power symbols), centre at const_x + const_size / 2 */
    int    const_x[2], const_y[2], const_size;
    double const_range;
    int    mse_x, mse_y, mse_w, mse_h;       /* the MSE plot area */
} hs_scene_layout;

/* ---- what the scene knows about one receiver's equalizer (from "v34.eq" events) ---- */
typedef struct {
    int           nmse;          /* MSE history (events that carry mse_db) */
    const double *t_s, *mse_db;  /* [nmse]: event time (s) and MSE (dB) */
    double        snr_db;        /* latest SNR after equalisation (NAN if none) */
    int           npoints;       /* latest decided points */
    const int8_t *iq;            /* [2 * npoints]: I,Q pairs, unit-power symbols x32 */
    int           ideal_points;  /* training constellation of the latest TRN: 4 or 16 */
    int           connect_bps;   /* rate of the connect event (0: none yet) */
} hs_eq_view;

/* ---- the scene ---- */
typedef struct {
    hs_spectrum_config spec;   /* window and hop of the rows that will be added */
    float  db_min, db_max;     /* colour map range, dBm0 per bin (-80, -10) */
    int    history_cols;       /* rows kept (circular), e.g. 4096 = 32 s at hop 64 */
    float  font_scale;         /* 1.0; 2.0 on a HiDPI screen */
    int    smooth;             /* 1: interpolate bins when stretched (live view); 0: exact
                                  blocks, one per bin and hop (PNG: smaller file, no blur) */
    const char *assets_dir;    /* NULL: $HS_ASSETS, else the build's assets/ */
    const char *font_path;     /* NULL: DejaVu Sans (fonts-dejavu-core), else fc-match */
} hs_scene_config;

hs_scene_config hs_scene_config_default(void);

typedef struct hs_scene hs_scene;
/* The renderer must outlive the scene (textures belong to it). 0, or -1 with err set. */
int  hs_scene_create(const hs_scene_config *c, SDL_Renderer *r, hs_scene **out,
                     char *err, size_t errlen);
void hs_scene_destroy(hs_scene *s);
void hs_scene_add_row(hs_scene *s, const float *row_dbm0, uint64_t centre_sample);
void hs_scene_add_event(hs_scene *s, const hs_event *e);
void hs_scene_set_now(hs_scene *s, uint64_t now);   /* engine time (samples) */
uint64_t hs_scene_get_now(const hs_scene *s);
void hs_scene_set_font_scale(hs_scene *s, float scale);

typedef enum { HS_PANEL_NONE = 0, HS_PANEL_DECODED, HS_PANEL_CONSTELLATION } hs_panel;

typedef struct {
    double      span_s;        /* visible time span; <= 0: from 0 to now (whole) */
    hs_panel    panel;         /* side panel */
    int         poster;        /* 1: PNG layout: title, decoded lane, legend, no status bar */
    int         mouse_x, mouse_y;  /* hover (output pixels); -1: none */
    const char *title;
    const char *status;        /* bottom line (GUI keys and state); NULL: none */
} hs_scene_view;

/* Draws the whole frame into the renderer's current target (w x h output pixels). */
void hs_scene_draw(hs_scene *s, int w, int h, const hs_scene_view *v, hs_scene_layout *out);
/* The draw list of the last hs_scene_draw (valid until the next one). */
const hs_dl_item *hs_scene_draw_list(const hs_scene *s, int *n);

/* The equalizer of the receiver of endpoint src (HS_SRC_CALLER: what the caller receives).
 * Returns 1 once a v34.eq event of that endpoint has arrived, else 0 (out zeroed). */
int hs_scene_eq(const hs_scene *s, int src, hs_eq_view *out);

/* Timeline and phase texts (for the GUI and tests). */
const hs_tl_item *hs_scene_items(const hs_scene *s, size_t *n);
const hs_phase_text *hs_phase_lookup(const hs_scene *s, const char *key);
/* A decoded event as one line: decoded fields (repeated keys joined), then the others. */
size_t hs_event_describe(const hs_event *e, char *buf, size_t size);
/* Loads a phases.txt file; returns the number of entries (0 if unreadable). */
size_t hs_phases_load(const char *path, hs_phase_text *out, size_t max);
/* Finds the font: path if given, DejaVu Sans, or fc-match; NULL if none (static buffer). */
const char *hs_font_find(const char *path);
const char *hs_assets_dir(const char *dir);

/* ---- offline render of a whole handshake to PNG ---- */
typedef struct {
    hs_spectrum_config spec;   /* 512 / hop 32 / Hann: finer than the live view */
    int    width, height;      /* 1600 x 900 */
    float  db_min, db_max;
    const char *title;         /* NULL: "Handshake" */
    const char *assets_dir, *font_path;
} hs_render_options;

hs_render_options hs_render_options_default(void);

typedef struct {                /* filled by hs_render_png when asked (tests) */
    hs_scene_layout layout;
    hs_dl_item     *items;      /* malloc'ed copy of the draw list */
    int             nitems;
    double          render_s;   /* wall time spent */
} hs_render_report;
void hs_render_report_free(hs_render_report *r);

/* line[0..n): the line signal; ev[0..nev): the events. Writes path.
 * Returns 0, or -1 with a reason in err. report may be NULL. */
int hs_render_png(const float *line, size_t n, const hs_event *ev, size_t nev,
                  const hs_render_options *o, const char *path, hs_render_report *report,
                  char *err, size_t errlen);

/* Runs a source to its end (or max_s), collecting the line (a + b) and the events into
 * malloc'ed arrays. 0, or -1 (out of memory). */
int hs_render_collect(const hs_av_source *src, double max_s, float **line, size_t *n,
                      hs_event **ev, size_t *nev);

#endif
