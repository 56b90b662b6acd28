/* src/render.c: the labelled spectrogram scene and the annotated PNG. See render.h. */
#include "render.h"
#include "pngout.h"

#include <SDL_ttf.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef HS_ASSETS_DIR
#define HS_ASSETS_DIR "assets"
#endif

#define MAX_ITEMS   1024
#define MAX_MARKS   256
#define MAX_PHASES  96
#define MAX_DL      1024
#define TEXT_CACHE  384
#define NFONTS      3
#define EQ_HIST     2048   /* MSE samples kept per receiver (every 50 ms: 100 s) */
#define EQ_SNAPS    6      /* point sets drawn, older ones fainter */
#define EQ_MAXPTS   (HS_EV_MAX_PAYLOAD / 2)

enum { F_SMALL = 0, F_NORMAL, F_TITLE };

/* colours (ARGB) */
#define C_BG       0xff121218u
#define C_PANEL    0xff1b1b22u
#define C_FRAME    0xff9a9aa8u
#define C_GRID     0x40ffffffu
#define C_TEXT     0xffe8e8eeu
#define C_DIM      0xffa0a0b0u
#define C_CALLER   0xff4dd0e1u   /* cyan */
#define C_ANSWERER 0xff9ccc65u   /* green */
#define C_MARK     0xfff0f0f0u

typedef struct {
    char         key[200];
    int          font;
    uint32_t     color;
    SDL_Texture *tex;
    int          w, h;
    uint64_t     used;
} text_entry;

typedef struct {
    int     have;                        /* a v34.eq arrived */
    double  t_s[EQ_HIST], mse_db[EQ_HIST];
    int     nmse;
    double  snr_db;
    int8_t  pts[EQ_SNAPS][2 * EQ_MAXPTS];  /* ring of the latest point sets */
    int     npts[EQ_SNAPS];
    int     snap_pos, nsnaps;
    int     ideal_points;
    int     connect_bps, connect_tx_bps, connect_rx_bps;
    double  connect_baud, connect_carrier_hz, connect_snr_db;
} eq_state;

struct hs_scene {
    hs_scene_config cfg;
    SDL_Renderer   *r;
    int             bins;
    double          bin_hz;
    uint32_t        cmap[256];
    /* spectrogram history */
    uint32_t       *pix;        /* history_cols x bins, row-major (y = bins-1-k) */
    SDL_Texture    *tex;
    int64_t         first_col, last_col;   /* absolute column indices; last < first: none */
    int64_t         dirty_lo, dirty_hi;    /* columns to upload [lo, hi] */
    uint64_t        now;
    /* timeline */
    hs_tl_item     *items;
    size_t          nitems;
    hs_tl_mark     *marks;
    size_t          nmarks;
    int             open_item[2];          /* index of the open tx item per sender, -1 */
    hs_phase_text  *phases;
    size_t          nphases;
    /* text */
    char            font_path[512];
    TTF_Font       *font[NFONTS];
    float           font_scale;
    text_entry     *cache;
    uint64_t        frame;
    hs_dl_item     *dl;
    int             ndl;
    int            *det_x, *det_row;       /* poster: where each item's detail goes */
    uint8_t        *det_short;             /* poster: 1 = the bare name only */
    eq_state       *eq;                    /* [2]: the receiver of each endpoint */
};

/* ------------------------------------------------------------------ assets */

const char *hs_assets_dir(const char *dir)
{
    if (dir && *dir) return dir;
    const char *e = getenv("HS_ASSETS");
    if (e && *e) return e;
    return HS_ASSETS_DIR;
}

const char *hs_font_find(const char *path)
{
    static char buf[512];
    if (path && *path) return path;
    const char *dflt = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    if (access(dflt, R_OK) == 0) return dflt;
    FILE *p = popen("fc-match -f '%{file}' 'DejaVu Sans' 2>/dev/null", "r");
    if (!p) return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    pclose(p);
    buf[n] = 0;
    return n && access(buf, R_OK) == 0 ? buf : NULL;
}

/* 9 magma anchors, used when assets/colormap cannot be read (same origin as the file). */
static void colormap_builtin(uint32_t *cm)
{
    static const uint32_t a[9] = { 0x000004, 0x1c1044, 0x4f127b, 0x812581, 0xb5367a,
                                   0xe55064, 0xfb8761, 0xfec287, 0xfcfdbf };
    for (int i = 0; i < 256; i++) {
        double x = i / 255.0 * 8.0;
        int k = x >= 8.0 ? 7 : (int)x;
        double t = x - k;
        uint32_t c = 0xff000000u;
        for (int sh = 0; sh <= 16; sh += 8) {
            double v = ((a[k] >> sh) & 255) * (1.0 - t) + ((a[k + 1] >> sh) & 255) * t;
            c |= (uint32_t)lround(v) << sh;
        }
        cm[i] = c;
    }
}

static int colormap_load(const char *path, uint32_t *cm)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[256];
    int n = 0;
    while (n < 256 && fgets(line, sizeof line, f)) {
        if (line[0] == '#') continue;
        int r, g, b;
        if (sscanf(line, "%d %d %d", &r, &g, &b) != 3) continue;
        cm[n++] = 0xff000000u | (uint32_t)(r & 255) << 16 | (uint32_t)(g & 255) << 8 | (uint32_t)(b & 255);
    }
    fclose(f);
    return n == 256 ? 0 : -1;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = 0;
    return s;
}

size_t hs_phases_load(const char *path, hs_phase_text *out, size_t max)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[512];
    size_t n = 0;
    while (n < max && fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        char *a = strchr(line, '|');
        char *b = a ? strchr(a + 1, '|') : NULL;
        if (!b) continue;
        *a = 0;
        *b = 0;
        snprintf(out[n].key, sizeof out[n].key, "%s", trim(line));
        snprintf(out[n].clause, sizeof out[n].clause, "%s", trim(a + 1));
        snprintf(out[n].text, sizeof out[n].text, "%s", trim(b + 1));
        n++;
    }
    fclose(f);
    return n;
}

const hs_phase_text *hs_phase_lookup(const hs_scene *s, const char *key)
{
    if (!key || !*key) return NULL;
    char k[32];
    snprintf(k, sizeof k, "%s", key);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < s->nphases; i++)
            if (strcasecmp(s->phases[i].key, k) == 0) return &s->phases[i];
        size_t n = strlen(k);
        if (n > 1 && k[n - 1] == '/') k[n - 1] = 0;
        else break;
    }
    const hs_phase_text *best = NULL;
    size_t bestlen = 0;
    for (size_t i = 0; i < s->nphases; i++) {
        size_t n = strlen(s->phases[i].key);
        if (n > bestlen && strncasecmp(s->phases[i].key, k, n) == 0) {
            best = &s->phases[i];
            bestlen = n;
        }
    }
    return best;
}

/* ------------------------------------------------------------------ events */

size_t hs_event_describe(const hs_event *e, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = 0;
    int done[HS_EV_MAX_FIELDS] = { 0 };
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < e->nfields; i++) {
            const hs_field *f = &e->f[i];
            if (done[i] || (pass == 0) != ((f->flags & HS_FF_DECODED) != 0)) continue;
            if (pass == 1 && (strcmp(f->key, "signal") == 0 || strcmp(f->key, "name") == 0)) continue;
            int w = snprintf(buf + used, size - used, "%s%s: ", used ? "; " : "", f->key);
            if (w < 0 || (size_t)w >= size - used) return used;
            used += (size_t)w;
            for (int j = i, first = 1; j < e->nfields; j++) {
                const hs_field *g = &e->f[j];
                if (done[j] || strcmp(g->key, f->key) != 0 || (g->flags ^ f->flags) & HS_FF_DECODED) continue;
                done[j] = 1;
                char v[96];
                switch (g->kind) {
                case HS_F_INT: snprintf(v, sizeof v, "%lld", (long long)g->v.i); break;
                case HS_F_NUM: snprintf(v, sizeof v, "%.4g", g->v.x); break;
                case HS_F_BOOL: snprintf(v, sizeof v, "%s", g->v.i ? "yes" : "no"); break;
                default: snprintf(v, sizeof v, "%s", g->v.s ? g->v.s : ""); break;
                }
                w = snprintf(buf + used, size - used, "%s%s", first ? "" : ", ", v);
                if (w < 0 || (size_t)w >= size - used) return used;
                used += (size_t)w;
                first = 0;
            }
        }
    }
    if (!used && e->payload_kind == HS_PAYLOAD_OCTETS && e->npayload) {
        used += (size_t)snprintf(buf, size, "octets:");
        for (int i = 0; i < e->npayload && used + 4 < size; i++)
            used += (size_t)snprintf(buf + used, size - used, " %02X", e->payload[i]);
    }
    return used;
}

static const char *field_str(const hs_event *e, const char *key)
{
    const hs_field *f = hs_event_field(e, key);
    return f && f->kind == HS_F_STR && f->v.s ? f->v.s : NULL;
}

/* Name and sender of the signal a decoded event describes; NULL if it is not one. */
static const char *decoded_signal(const hs_event *e, int *sender)
{
    int other = e->source <= 1 ? 1 - e->source : HS_SRC_CALLER;
    *sender = other;
    switch ((hs_ev_type)e->type) {
    case HS_EV_V8_CI: *sender = HS_SRC_CALLER; return "CI";
    case HS_EV_V8_CM: *sender = HS_SRC_CALLER; return "CM";
    case HS_EV_V8_JM: *sender = HS_SRC_ANSWERER; return "JM";
    case HS_EV_V8_CJ: *sender = HS_SRC_CALLER; return "CJ";
    case HS_EV_V34_INFO0C: *sender = HS_SRC_CALLER; return "INFO0c";
    case HS_EV_V34_INFO1C: *sender = HS_SRC_CALLER; return "INFO1c";
    case HS_EV_V34_INFO0A: *sender = HS_SRC_ANSWERER; return "INFO0a";
    case HS_EV_V34_INFO1A: *sender = HS_SRC_ANSWERER; return "INFO1a";
    case HS_EV_V34_TONE_A: *sender = HS_SRC_ANSWERER; return "Tone A";
    case HS_EV_V34_TONE_B: *sender = HS_SRC_CALLER; return "Tone B";
    case HS_EV_V34_L1: return "L1";
    case HS_EV_V34_L2: return "L2";
    case HS_EV_V34_S: return "S";
    case HS_EV_V34_PP: return "PP";
    case HS_EV_V34_TRN: return "TRN";
    case HS_EV_V34_J: return "J";
    case HS_EV_V34_MP: return "MP";
    case HS_EV_V34_E: return "E";
    case HS_EV_V34_B1: return "B1";
    case HS_EV_TONE: {
        const char *n = field_str(e, "name");
        if (!n) n = "tone";
        *sender = (strncmp(n, "CT", 2) == 0 || strncmp(n, "CNG", 3) == 0) ? HS_SRC_CALLER : HS_SRC_ANSWERER;
        return n;
    }
    default: return NULL;
    }
}

static int name_match(const char *item, const char *sig)
{
    size_t a = strlen(item), b = strlen(sig);
    size_t n = a < b ? a : b;
    if (n == 0) return 0;
    return strncasecmp(item, sig, n) == 0;
}

static void add_item(hs_scene *s, int src, const char *name, uint64_t start, uint64_t end,
                     const char *detail)
{
    if (s->nitems >= MAX_ITEMS) return;
    /* keep items ordered by start */
    size_t at = s->nitems;
    while (at > 0 && s->items[at - 1].start > start) at--;
    memmove(&s->items[at + 1], &s->items[at], (s->nitems - at) * sizeof *s->items);
    for (int k = 0; k < 2; k++)
        if (s->open_item[k] >= (int)at) s->open_item[k]++;
    hs_tl_item *it = &s->items[at];
    memset(it, 0, sizeof *it);
    it->start = start;
    it->end = end;
    it->source = (uint8_t)src;
    snprintf(it->name, sizeof it->name, "%s", name);
    if (detail) snprintf(it->detail, sizeof it->detail, "%s", detail);
    s->nitems++;
    if (end == UINT64_MAX) s->open_item[src] = (int)at;
}

static void add_mark(hs_scene *s, const hs_event *e, const char *name, const char *detail)
{
    if (s->nmarks >= MAX_MARKS) return;
    /* both endpoints report the same phase start or result: one mark is enough */
    for (size_t i = 0; i < s->nmarks; i++)
        if (strcmp(s->marks[i].name, name) == 0 &&
            (e->sample > s->marks[i].sample ? e->sample - s->marks[i].sample : s->marks[i].sample - e->sample) < HS_MS(100))
            return;
    hs_tl_mark *m = &s->marks[s->nmarks++];
    memset(m, 0, sizeof *m);
    m->sample = e->sample;
    m->source = e->source;
    snprintf(m->name, sizeof m->name, "%s", name);
    if (detail) snprintf(m->detail, sizeof m->detail, "%s", detail);
}

static double field_num(const hs_event *e, const char *key, double dflt)
{
    const hs_field *f = hs_event_field(e, key);
    if (!f) return dflt;
    return f->kind == HS_F_NUM ? f->v.x : (double)f->v.i;
}

/* v34.eq (equalizer report), v34.trn (training constellation), connect: per receiver. */
static void eq_event(hs_scene *s, const hs_event *e)
{
    if (e->source > 1) return;
    eq_state *q = &s->eq[e->source];
    if (e->type == HS_EV_V34_TRN) {
        int p = (int)field_num(e, "points", 4);
        if (p == 4 || p == 16) q->ideal_points = p;
        return;
    }
    if (e->type == HS_EV_CONNECT) {
        q->connect_bps = (int)field_num(e, "rate_bps", 0);
        q->connect_tx_bps = (int)field_num(e, "tx_rate_bps", 0);
        q->connect_rx_bps = (int)field_num(e, "rx_rate_bps", 0);
        q->connect_baud = field_num(e, "symbol_rate", NAN);
        q->connect_carrier_hz = field_num(e, "carrier_hz", NAN);
        q->connect_snr_db = field_num(e, "snr_db", NAN);
        return;
    }
    q->have = 1;
    double mse_db = field_num(e, "mse_db", NAN);
    if (!isnan(mse_db) && mse_db > -99.0) {
        if (q->nmse == EQ_HIST) {   /* full: keep every other sample */
            for (int i = 0; i < EQ_HIST / 2; i++) {
                q->t_s[i] = q->t_s[2 * i];
                q->mse_db[i] = q->mse_db[2 * i];
            }
            q->nmse = EQ_HIST / 2;
        }
        q->t_s[q->nmse] = (double)e->sample / HS_RATE;
        q->mse_db[q->nmse++] = mse_db;
    }
    double snr = field_num(e, "snr_db", NAN);
    if (!isnan(snr)) q->snr_db = snr;
    if (e->payload_kind == HS_PAYLOAD_OCTETS && e->npayload >= 2) {
        int n = e->npayload / 2;
        if (n > EQ_MAXPTS) n = EQ_MAXPTS;
        memcpy(q->pts[q->snap_pos], e->payload, (size_t)(2 * n));
        q->npts[q->snap_pos] = n;
        q->snap_pos = (q->snap_pos + 1) % EQ_SNAPS;
        if (q->nsnaps < EQ_SNAPS) q->nsnaps++;
    }
}

int hs_scene_eq(const hs_scene *s, int src, hs_eq_view *out)
{
    memset(out, 0, sizeof *out);
    out->snr_db = NAN;
    if (src < 0 || src > 1) return 0;
    const eq_state *q = &s->eq[src];
    out->connect_bps = q->connect_bps;
    out->ideal_points = q->ideal_points;
    if (!q->have) return 0;
    out->nmse = q->nmse;
    out->t_s = q->t_s;
    out->mse_db = q->mse_db;
    out->snr_db = q->snr_db;
    if (q->nsnaps) {
        int last = (q->snap_pos + EQ_SNAPS - 1) % EQ_SNAPS;
        out->npoints = q->npts[last];
        out->iq = q->pts[last];
    }
    return 1;
}

void hs_scene_add_event(hs_scene *s, const hs_event *e)
{
    char detail[256];
    int sender;
    const char *sig;
    if (e->type == HS_EV_V34_EQ || e->type == HS_EV_V34_TRN || e->type == HS_EV_CONNECT)
        eq_event(s, e);
    if (e->type == HS_EV_V34_EQ) return;
    if (e->type == HS_EV_TX) {
        int src = e->source <= 1 ? e->source : HS_SRC_CALLER;
        const char *name = field_str(e, "signal");
        if (s->open_item[src] >= 0) {
            s->items[s->open_item[src]].end = e->sample;
            s->open_item[src] = -1;
        }
        if (name && strcmp(name, "silence") != 0) add_item(s, src, name, e->sample, UINT64_MAX, NULL);
    } else if ((sig = decoded_signal(e, &sender)) != NULL) {
        hs_event_describe(e, detail, sizeof detail);
        for (size_t i = s->nitems; i-- > 0;) {
            hs_tl_item *it = &s->items[i];
            if (it->source != sender || it->start > e->sample + HS_MS(50) || !name_match(it->name, sig))
                continue;
            if (!it->detail[0]) snprintf(it->detail, sizeof it->detail, "%s", detail);
            return;
        }
        /* no tx event for it (a recording through the monitor): the event gives the span */
        add_item(s, sender, sig, e->start, e->sample, detail);
    } else if (e->type == HS_EV_PHASE) {
        const char *n = field_str(e, "name");
        add_mark(s, e, n ? n : "phase", NULL);
    } else if (e->type == HS_EV_CONNECT || e->type == HS_EV_RESULT) {
        hs_event_describe(e, detail, sizeof detail);
        char name[40] = "result";
        if (e->type == HS_EV_CONNECT) {
            int bps = (int)field_num(e, "rate_bps", 0);
            if (bps > 0) snprintf(name, sizeof name, "CONNECT %d bit/s", bps);
            else snprintf(name, sizeof name, "CONNECT");
        }
        add_mark(s, e, name, detail);
    }
}

/* ------------------------------------------------------------------ scene */

hs_scene_config hs_scene_config_default(void)
{
    hs_scene_config c;
    memset(&c, 0, sizeof c);
    c.spec = hs_spectrum_config_default();
    c.db_min = -80.0f;
    c.db_max = -10.0f;
    c.history_cols = 4096;
    c.font_scale = 1.0f;
    return c;
}

static int open_fonts(hs_scene *s, float scale, char *err, size_t errlen)
{
    static const int pt[NFONTS] = { 12, 14, 17 };
    for (int i = 0; i < NFONTS; i++) {
        if (s->font[i]) TTF_CloseFont(s->font[i]);
        s->font[i] = TTF_OpenFont(s->font_path, (int)lroundf((float)pt[i] * scale));
        if (!s->font[i]) {
            if (err) snprintf(err, errlen, "cannot open font '%s': %s", s->font_path, TTF_GetError());
            return -1;
        }
    }
    for (int i = 0; i < TEXT_CACHE; i++) {
        if (s->cache[i].tex) SDL_DestroyTexture(s->cache[i].tex);
        memset(&s->cache[i], 0, sizeof s->cache[i]);
    }
    s->font_scale = scale;
    return 0;
}

int hs_scene_create(const hs_scene_config *c, SDL_Renderer *r, hs_scene **out, char *err,
                    size_t errlen)
{
    *out = NULL;
    const char *why = hs_spectrum_config_problem(&c->spec);
    if (why || c->history_cols < 16 || !(c->db_max > c->db_min)) {
        snprintf(err, errlen, "bad spectrogram settings: %s", why ? why : "history or dB range");
        return -1;
    }
    if (!TTF_WasInit() && TTF_Init() != 0) {
        snprintf(err, errlen, "cannot start SDL_ttf: %s", TTF_GetError());
        return -1;
    }
    hs_scene *s = calloc(1, sizeof *s);
    if (!s) goto nomem;
    s->cfg = *c;
    s->r = r;
    s->bins = c->spec.size / 2 + 1;
    s->bin_hz = (double)HS_RATE / c->spec.size;
    s->pix = calloc((size_t)c->history_cols * (size_t)s->bins, sizeof *s->pix);
    s->items = calloc(MAX_ITEMS + 1, sizeof *s->items);
    s->marks = calloc(MAX_MARKS, sizeof *s->marks);
    s->phases = calloc(MAX_PHASES, sizeof *s->phases);
    s->cache = calloc(TEXT_CACHE, sizeof *s->cache);
    s->dl = calloc(MAX_DL, sizeof *s->dl);
    s->det_x = calloc(MAX_ITEMS + 1, sizeof *s->det_x);
    s->det_row = calloc(MAX_ITEMS + 1, sizeof *s->det_row);
    s->det_short = calloc(MAX_ITEMS + 1, sizeof *s->det_short);
    s->eq = calloc(2, sizeof *s->eq);
    if (!s->pix || !s->items || !s->marks || !s->phases || !s->cache || !s->dl || !s->det_x ||
        !s->det_row || !s->det_short || !s->eq)
        goto nomem;
    for (int k = 0; k < 2; k++) {
        s->eq[k].ideal_points = 4;
        s->eq[k].snr_db = NAN;
    }
    s->open_item[0] = s->open_item[1] = -1;
    s->first_col = 0;
    s->last_col = -1;
    s->dirty_lo = INT64_MAX;
    s->dirty_hi = -1;

    const char *dir = hs_assets_dir(c->assets_dir);
    char path[1024];
    snprintf(path, sizeof path, "%s/colormap", dir);
    if (colormap_load(path, s->cmap) != 0) colormap_builtin(s->cmap);
    for (int i = 0; i < c->history_cols * s->bins; i++) s->pix[i] = s->cmap[0];
    snprintf(path, sizeof path, "%s/phases.txt", dir);
    s->nphases = hs_phases_load(path, s->phases, MAX_PHASES);

    const char *fp = hs_font_find(c->font_path);
    if (!fp) {
        snprintf(err, errlen, "no font found: install fonts-dejavu-core (DejaVuSans.ttf)");
        hs_scene_destroy(s);
        return -1;
    }
    snprintf(s->font_path, sizeof s->font_path, "%s", fp);
    if (open_fonts(s, c->font_scale > 0 ? c->font_scale : 1.0f, err, errlen) != 0) {
        hs_scene_destroy(s);
        return -1;
    }
    s->tex = SDL_CreateTexture(r, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING,
                               c->history_cols, s->bins);
    if (!s->tex) {
        snprintf(err, errlen, "cannot create the spectrogram texture (%dx%d): %s",
                 c->history_cols, s->bins, SDL_GetError());
        hs_scene_destroy(s);
        return -1;
    }
    SDL_SetTextureScaleMode(s->tex, c->smooth ? SDL_ScaleModeLinear : SDL_ScaleModeNearest);
    SDL_UpdateTexture(s->tex, NULL, s->pix, c->history_cols * (int)sizeof *s->pix);
    *out = s;
    return 0;
nomem:
    hs_scene_destroy(s);
    snprintf(err, errlen, "out of memory for the spectrogram scene");
    return -1;
}

void hs_scene_destroy(hs_scene *s)
{
    if (!s) return;
    if (s->cache)
        for (int i = 0; i < TEXT_CACHE; i++)
            if (s->cache[i].tex) SDL_DestroyTexture(s->cache[i].tex);
    for (int i = 0; i < NFONTS; i++)
        if (s->font[i]) TTF_CloseFont(s->font[i]);
    if (s->tex) SDL_DestroyTexture(s->tex);
    free(s->pix);
    free(s->items);
    free(s->marks);
    free(s->phases);
    free(s->cache);
    free(s->dl);
    free(s->det_x);
    free(s->det_row);
    free(s->det_short);
    free(s->eq);
    free(s);
}

void hs_scene_set_font_scale(hs_scene *s, float scale)
{
    if (scale > 0 && fabsf(scale - s->font_scale) > 0.01f) open_fonts(s, scale, NULL, 0);
}

void hs_scene_set_now(hs_scene *s, uint64_t now) { if (now > s->now) s->now = now; }
uint64_t hs_scene_get_now(const hs_scene *s) { return s->now; }

const hs_tl_item *hs_scene_items(const hs_scene *s, size_t *n)
{
    *n = s->nitems;
    return s->items;
}

const hs_dl_item *hs_scene_draw_list(const hs_scene *s, int *n)
{
    *n = s->ndl;
    return s->dl;
}

static void put_column(hs_scene *s, int64_t col, const float *row)
{
    int hw = s->cfg.history_cols;
    int x = (int)(col % hw);
    float scale = 255.0f / (s->cfg.db_max - s->cfg.db_min);
    for (int k = 0; k < s->bins; k++) {
        float v = row ? (row[k] - s->cfg.db_min) * scale : 0.0f;
        int idx = v <= 0.0f ? 0 : v >= 255.0f ? 255 : (int)v;
        s->pix[(size_t)(s->bins - 1 - k) * (size_t)hw + (size_t)x] = s->cmap[idx];
    }
    if (col < s->dirty_lo) s->dirty_lo = col;
    if (col > s->dirty_hi) s->dirty_hi = col;
}

void hs_scene_add_row(hs_scene *s, const float *row_dbm0, uint64_t centre)
{
    int64_t half = s->cfg.spec.size / 2;
    int64_t col = ((int64_t)centre - half + s->cfg.spec.hop / 2) / s->cfg.spec.hop;
    if (col < 0) col = 0;
    if (s->last_col < s->first_col) s->first_col = col;          /* first row */
    else if (col <= s->last_col) return;                          /* out of order: ignore */
    for (int64_t c = s->last_col + 1; c < col && c > s->first_col; c++) {
        if (col - c >= s->cfg.history_cols) continue;
        put_column(s, c, NULL);                                   /* dropped rows: dark */
    }
    put_column(s, col, row_dbm0);
    s->last_col = col;
    if (s->first_col < col - s->cfg.history_cols + 1) s->first_col = col - s->cfg.history_cols + 1;
    hs_scene_set_now(s, centre + (uint64_t)half);
}

static void upload(hs_scene *s)
{
    if (s->dirty_hi < s->dirty_lo) return;
    int hw = s->cfg.history_cols;
    int64_t lo = s->dirty_lo, hi = s->dirty_hi;
    if (hi - lo + 1 >= hw) lo = hi - hw + 1;
    while (lo <= hi) {
        int x0 = (int)(lo % hw);
        int64_t cnt = hi - lo + 1;
        if (cnt > hw - x0) cnt = hw - x0;
        SDL_Rect rc = { x0, 0, (int)cnt, s->bins };
        SDL_UpdateTexture(s->tex, &rc, s->pix + x0, hw * (int)sizeof *s->pix);
        lo += cnt;
    }
    s->dirty_lo = INT64_MAX;
    s->dirty_hi = -1;
}

/* ------------------------------------------------------------------ drawing helpers */

static void color(SDL_Renderer *r, uint32_t c)
{
    /* blending only where needed: the software renderer blends opaque fills per pixel too */
    SDL_SetRenderDrawBlendMode(r, (c >> 24) == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(r, (Uint8)(c >> 16), (Uint8)(c >> 8), (Uint8)c, (Uint8)(c >> 24));
}

static void fill(hs_scene *s, int x, int y, int w, int h, uint32_t c)
{
    SDL_Rect rc = { x, y, w, h };
    color(s->r, c);
    SDL_RenderFillRect(s->r, &rc);
}

static void line(hs_scene *s, int x0, int y0, int x1, int y1, uint32_t c)
{
    color(s->r, c);
    SDL_RenderDrawLine(s->r, x0, y0, x1, y1);
}

static void rect(hs_scene *s, int x, int y, int w, int h, uint32_t c)
{
    SDL_Rect rc = { x, y, w, h };
    color(s->r, c);
    SDL_RenderDrawRect(s->r, &rc);
}

static text_entry *text_get(hs_scene *s, const char *txt, int font, uint32_t c)
{
    uint32_t hsh = 2166136261u ^ (uint32_t)font ^ c;
    for (const char *p = txt; *p; p++) hsh = (hsh ^ (uint8_t)*p) * 16777619u;
    int base = (int)(hsh % TEXT_CACHE);
    text_entry *victim = NULL;
    for (int i = 0; i < 8; i++) {
        text_entry *t = &s->cache[(base + i) % TEXT_CACHE];
        if (t->tex && t->font == font && t->color == c && strcmp(t->key, txt) == 0) {
            t->used = s->frame;
            return t;
        }
        if (!victim || !t->tex || (victim->tex && t->used < victim->used)) victim = t;
    }
    if (victim->tex) SDL_DestroyTexture(victim->tex);
    memset(victim, 0, sizeof *victim);
    SDL_Color col = { (Uint8)(c >> 16), (Uint8)(c >> 8), (Uint8)c, 255 };
    SDL_Surface *surf = TTF_RenderUTF8_Blended(s->font[font], txt, col);
    if (!surf) return NULL;
    victim->tex = SDL_CreateTextureFromSurface(s->r, surf);
    victim->w = surf->w;
    victim->h = surf->h;
    SDL_FreeSurface(surf);
    if (!victim->tex) return NULL;
    snprintf(victim->key, sizeof victim->key, "%s", txt);
    victim->font = font;
    victim->color = c;
    victim->used = s->frame;
    return victim;
}

static int text_w(hs_scene *s, const char *txt, int font)
{
    int w = 0, h = 0;
    TTF_SizeUTF8(s->font[font], txt, &w, &h);
    return w;
}

static int text_h(hs_scene *s, int font) { return TTF_FontHeight(s->font[font]); }

/* Copies txt into dst (size n), cutting a text that does not fit at a UTF-8 character
 * boundary, never inside a multi-byte character. */
static void utf8_copy(char *dst, size_t n, const char *txt)
{
    size_t len = strlen(txt);
    if (len >= n) {
        len = n - 1;
        while (len > 0 && ((unsigned char)txt[len] & 0xc0) == 0x80) len--;
    }
    memcpy(dst, txt, len);
    dst[len] = 0;
}

/* Draws txt with its top-left at (x, y) (align: 0 left, 1 centre, 2 right of x); records it. */
static int text(hs_scene *s, const char *txt, int x, int y, int font, uint32_t c, int align,
                uint8_t kind, uint8_t src, double t)
{
    if (!txt || !*txt) return 0;
    char buf[200];
    utf8_copy(buf, sizeof buf, txt);
    text_entry *e = text_get(s, buf, font, c);
    if (!e) return 0;
    if (align == 1) x -= e->w / 2;
    else if (align == 2) x -= e->w;
    SDL_Rect dst = { x, y, e->w, e->h };
    SDL_RenderCopy(s->r, e->tex, NULL, &dst);
    if (s->ndl < MAX_DL) {
        hs_dl_item *d = &s->dl[s->ndl++];
        utf8_copy(d->text, sizeof d->text, txt);
        d->x = x;
        d->y = y;
        d->w = e->w;
        d->h = e->h;
        d->kind = kind;
        d->source = src;
        d->t_s = t;
    }
    return e->w;
}

static uint32_t src_color(int src) { return src == HS_SRC_ANSWERER ? C_ANSWERER : C_CALLER; }

static double nice_step(double span, double min_steps_px, double px)
{
    static const double steps[] = { 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60 };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (steps[i] / span * px >= min_steps_px) return steps[i];
    return 60;
}

/* Shortens txt (in place, at a UTF-8 boundary) with a trailing "..." until it fits maxw. */
static void fit(hs_scene *s, char *txt, int font, int maxw)
{
    size_t n = strlen(txt);
    if (text_w(s, txt, font) <= maxw) return;
    while (n > 0) {
        do n--; while (n > 0 && ((unsigned char)txt[n] & 0xc0) == 0x80);
        memcpy(txt + n, "...", 4);
        if (text_w(s, txt, font) <= maxw) return;
    }
}

/* "1.5 s", "2 s", "0.25 s": up to 2 decimals, no trailing zeros, never "-0". */
static void fmt_seconds(char *buf, size_t n, double t)
{
    if (fabs(t) < 5e-3) t = 0.0;
    snprintf(buf, n, "%.2f", t);
    char *d = strchr(buf, '.');
    if (d) {
        char *e = buf + strlen(buf);
        while (e > d + 1 && e[-1] == '0') *--e = 0;
        if (e == d + 1) *d = 0;
    }
    size_t l = strlen(buf);
    snprintf(buf + l, n - l, " s");
}

/* Splits text into lines of at most maxw pixels (at '; ', ', ' or ' '); returns line count. */
static int wrap(hs_scene *s, const char *txt, int font, int maxw, char lines[][200], int maxlines)
{
    int n = 0;
    const char *p = txt;
    while (*p && n < maxlines) {
        char cur[200];
        size_t len = strlen(p), best = 0;
        for (size_t i = 1; i <= len && i < sizeof cur; i++) {
            if (i < len && p[i] != ' ') continue;
            memcpy(cur, p, i);
            cur[i] = 0;
            if (text_w(s, cur, font) > maxw && best) break;
            best = i;
            if (text_w(s, cur, font) > maxw) break;
        }
        if (!best) best = len < sizeof cur - 1 ? len : sizeof cur - 1;
        memcpy(lines[n], p, best);
        lines[n][best] = 0;
        n++;
        p += best;
        while (*p == ' ') p++;
    }
    return n;
}

/* ------------------------------------------------------------------ the frame */

static const hs_tl_item *current_item(const hs_scene *s)
{
    for (size_t i = s->nitems; i-- > 0;)
        if (s->items[i].start <= s->now) return &s->items[i];
    return NULL;
}

static void phase_line(hs_scene *s, const hs_tl_item *it, int outcome, char *buf, size_t n)
{
    /* after the last signal: the outcome (a result or CONNECT mark later than it) */
    for (size_t i = s->nmarks; outcome && i-- > 0;) {
        const hs_tl_mark *m = &s->marks[i];
        if (m->sample > s->now || (strcmp(m->name, "result") != 0 && strncmp(m->name, "CONNECT", 7) != 0))
            continue;
        if (!it || m->sample > it->start) {
            snprintf(buf, n, "%s: %s", strcmp(m->name, "result") == 0 ? "Result" : "CONNECT", m->detail);
            return;
        }
        break;
    }
    const hs_phase_text *p = it ? hs_phase_lookup(s, it->name) : NULL;
    if (p) snprintf(buf, n, "%s  [%s]", p->text, p->clause);
    else if (it) snprintf(buf, n, "%s (%s)", it->name, it->source == HS_SRC_CALLER ? "caller" : "answerer");
    else snprintf(buf, n, "%s", "Waiting for the first signal.");
}

/* ------------------------------------------------------------------ constellation view */

static void ring(hs_scene *s, int cx, int cy, int rad, uint32_t c)
{
    SDL_Point p[48];
    for (int i = 0; i < 48; i++) {
        double a = 6.283185307179586 * i / 48.0;
        p[i].x = cx + (int)lround(rad * cos(a));
        p[i].y = cy + (int)lround(rad * sin(a));
    }
    color(s->r, c);
    SDL_RenderDrawPoints(s->r, p, 48);
}

/* The receivers' constellations (latest points bright, older ones fainter, the ideal
 * training points as rings), the equalizer MSE over time and the SNR/CONNECT texts. */
static void draw_eq_panel(hs_scene *s, int px, int py, int pw, int ph, hs_scene_layout *L)
{
    float sc = s->font_scale;
    int pad = (int)(8 * sc), th = text_h(s, F_NORMAL), sh = text_h(s, F_SMALL);
    char buf[160];
    int y = py + pad;
    text(s, "Equalizers: constellation and MSE", px + pad, y, F_NORMAL, C_TEXT, 0, HS_DL_TEXT, 0, 0);
    y += th + pad / 2;
    int any = s->eq[0].have || s->eq[1].have;
    int box = (pw - 3 * pad) / 2;
    if (box > (ph - 3 * th) / 2) box = (ph - 3 * th) / 2;
    if (box < 20) return;
    double range = 1.6;   /* unit-power symbols: 4-point at +-0.71, 16-point up to +-0.95 */
    L->const_size = box;
    L->const_range = range;
    for (int k = 0; k < 2; k++) {
        int rcv = k == 0 ? HS_SRC_CALLER : HS_SRC_ANSWERER;
        const eq_state *q = &s->eq[rcv];
        int bx = px + pad + k * (box + pad);
        text(s, rcv == HS_SRC_CALLER ? "caller's receiver" : "answerer's receiver", bx, y, F_SMALL,
             src_color(rcv), 0, HS_DL_TEXT, (uint8_t)rcv, 0);
        int by = y + sh + (int)(2 * sc);
        L->const_x[rcv] = bx;
        L->const_y[rcv] = by;
        fill(s, bx, by, box, box, 0xff0d0d12u);
        rect(s, bx, by, box, box, C_FRAME);
        int cx = bx + box / 2, cy = by + box / 2;
        line(s, cx, by + 1, cx, by + box - 2, C_GRID);
        line(s, bx + 1, cy, bx + box - 2, cy, C_GRID);
        double ppu = box / (2.0 * range);
        /* ideal points: 4-point set (+-1, +-1)/sqrt 2, 16-point (+-1, +-3)/sqrt 10 */
        int np = q->ideal_points == 16 ? 16 : 4;
        for (int i = 0; i < np; i++) {
            double ix, iy;
            if (np == 4) {
                ix = (i & 1 ? 1 : -1) / sqrt(2.0);
                iy = (i & 2 ? 1 : -1) / sqrt(2.0);
            } else {
                ix = (2 * (i & 3) - 3) / sqrt(10.0);
                iy = (2 * (i >> 2) - 3) / sqrt(10.0);
            }
            ring(s, cx + (int)lround(ix * ppu), cy - (int)lround(iy * ppu), (int)(6 * sc), 0xc0ffffffu);
        }
        /* points: oldest first, fading in */
        SDL_Rect clip = { bx + 1, by + 1, box - 2, box - 2 };
        SDL_RenderSetClipRect(s->r, &clip);
        int dot = sc > 1.2f ? 3 : 2;
        for (int a = q->nsnaps; a-- > 0;) {
            int slot = (q->snap_pos - 1 - a + 2 * EQ_SNAPS) % EQ_SNAPS;
            uint32_t alpha = (uint32_t)(255 - a * (215 / (EQ_SNAPS - 1)));
            uint32_t c = (src_color(rcv) & 0x00ffffffu) | (alpha << 24);
            for (int i = 0; i < q->npts[slot]; i++) {
                double xi = q->pts[slot][2 * i] / 32.0, yq = q->pts[slot][2 * i + 1] / 32.0;
                int x = cx + (int)lround(xi * ppu), yy = cy - (int)lround(yq * ppu);
                fill(s, x - dot / 2, yy - dot / 2, dot + 1, dot + 1, c);
            }
        }
        SDL_RenderSetClipRect(s->r, NULL);
        if (!q->have && any) text(s, "no data yet", cx, cy - sh / 2, F_SMALL, C_DIM, 1, HS_DL_TEXT, 0, 0);
        if (!isnan(q->snr_db))
            snprintf(buf, sizeof buf, "SNR %.1f dB, %d-point", q->snr_db, np);
        else
            snprintf(buf, sizeof buf, "%d-point training", np);
        text(s, buf, bx, by + box + (int)(2 * sc), F_SMALL, C_TEXT, 0, HS_DL_TEXT, (uint8_t)rcv, 0);
    }
    if (!any) {
        const char *msg = "appears once phase 3 starts";
        int tw = text_w(s, msg, F_NORMAL);
        int my = y + sh + (int)(2 * sc) + box / 2 - th / 2;
        fill(s, px + pw / 2 - tw / 2 - pad, my - pad / 2, tw + 2 * pad, th + pad, C_PANEL);
        text(s, msg, px + pw / 2, my, F_NORMAL, C_DIM, 1, HS_DL_TEXT, 0, 0);
    }
    y += sh + (int)(2 * sc) + box + (int)(2 * sc) + sh + pad;
    /* MSE over time */
    int conn_h = sh + pad;
    int mh = py + ph - y - (sh + (int)(6 * sc)) - conn_h - pad;
    if (mh > (int)(200 * sc)) mh = (int)(200 * sc);
    int ax = (int)(34 * sc);
    int mx = px + pad + ax, mw = pw - 2 * pad - ax;
    text(s, "equalizer MSE (dB) over time", px + pad, y, F_SMALL, C_DIM, 0, HS_DL_TEXT, 0, 0);
    y += sh + (int)(2 * sc);
    if (mh < 30) return;
    L->mse_x = mx;
    L->mse_y = y;
    L->mse_w = mw;
    L->mse_h = mh;
    fill(s, mx, y, mw, mh, 0xff0d0d12u);
    double t0 = 1e30, t1 = -1e30, lo = 0.0, hi = 0.0;
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < s->eq[k].nmse; i++) {
            double t = s->eq[k].t_s[i], m = s->eq[k].mse_db[i];
            if (t < t0) t0 = t;
            if (t > t1) t1 = t;
            if (m < lo) lo = m;
            if (m > hi) hi = m;
        }
    if (t0 > t1) {
        t0 = 0.0;
        t1 = 1.0;
    }
    if (t1 - t0 < 0.2) t1 = t0 + 0.2;
    lo = floor(lo / 5.0) * 5.0;
    if (lo > -20.0) lo = -20.0;
    hi = ceil(hi / 5.0) * 5.0;
    double dstep = hi - lo > 30.0 ? 10.0 : 5.0;
    for (double d = hi; d >= lo - 1e-9; d -= dstep) {
        int yy = y + (int)lround((hi - d) / (hi - lo) * (mh - 1));
        line(s, mx, yy, mx + mw - 1, yy, C_GRID);
        snprintf(buf, sizeof buf, "%.0f", d);
        text(s, buf, mx - (int)(4 * sc), yy - sh / 2, F_SMALL, C_DIM, 2, HS_DL_AXIS_F, 0, d);
    }
    double step = nice_step(t1 - t0, 55 * sc, mw);
    for (double t = ceil(t0 / step - 1e-9) * step; t <= t1 + 1e-9; t += step) {
        int x = mx + (int)lround((t - t0) / (t1 - t0) * (mw - 1));
        line(s, x, y + mh, x, y + mh + (int)(4 * sc), C_FRAME);
        fmt_seconds(buf, sizeof buf, t);
        text(s, buf, x, y + mh + (int)(4 * sc), F_SMALL, C_DIM, 1, HS_DL_AXIS_T, 0, t);
    }
    rect(s, mx - 1, y - 1, mw + 2, mh + 2, C_FRAME);
    SDL_Rect clip = { mx, y, mw, mh };
    SDL_RenderSetClipRect(s->r, &clip);
    for (int k = 0; k < 2; k++) {
        const eq_state *q = &s->eq[k];
        for (int i = 0; i < q->nmse; i++) {
            int x = mx + (int)lround((q->t_s[i] - t0) / (t1 - t0) * (mw - 1));
            int yy = y + (int)lround((hi - q->mse_db[i]) / (hi - lo) * (mh - 1));
            if (i > 0 && q->t_s[i] - q->t_s[i - 1] < 0.15) {   /* a gap (receiver muted): no line */
                int xp = mx + (int)lround((q->t_s[i - 1] - t0) / (t1 - t0) * (mw - 1));
                int yp = y + (int)lround((hi - q->mse_db[i - 1]) / (hi - lo) * (mh - 1));
                line(s, xp, yp, x, yy, src_color(k));
                line(s, xp, yp + 1, x, yy + 1, src_color(k));
            }
            fill(s, x - 1, yy - 1, 3, 3, src_color(k));
        }
    }
    SDL_RenderSetClipRect(s->r, NULL);
    y += mh + (int)(6 * sc) + sh + pad / 2;
    /* CONNECT */
    int c0 = s->eq[HS_SRC_CALLER].connect_bps, c1 = s->eq[HS_SRC_ANSWERER].connect_bps;
    if (c0 || c1) {
        if (c0 && c1 && c0 != c1) snprintf(buf, sizeof buf, "CONNECT %d / %d bit/s", c0, c1);
        else snprintf(buf, sizeof buf, "CONNECT %d bit/s", c0 ? c0 : c1);
        text(s, buf, px + pad, y, F_NORMAL, 0xffffd54fu, 0, HS_DL_TEXT, 0, 0);
        y += th + pad / 2;
        /* what each endpoint reported with its connect */
        for (int k = 0; k < 2 && y + 2 * sh < py + ph; k++) {
            const eq_state *q = &s->eq[k];
            if (!q->connect_bps) continue;
            snprintf(buf, sizeof buf, "%s sends %d, receives %d bit/s", k == HS_SRC_CALLER ? "caller" : "answerer",
                     q->connect_tx_bps, q->connect_rx_bps);
            text(s, buf, px + pad, y, F_SMALL, src_color(k), 0, HS_DL_TEXT, (uint8_t)k, 0);
            y += sh;
            if (!isnan(q->connect_baud) && !isnan(q->connect_carrier_hz) && !isnan(q->connect_snr_db)) {
                snprintf(buf, sizeof buf, "  %.0f baud, carrier %.0f Hz, trained SNR %.1f dB", q->connect_baud,
                         q->connect_carrier_hz, q->connect_snr_db);
                text(s, buf, px + pad, y, F_SMALL, C_DIM, 0, HS_DL_TEXT, (uint8_t)k, 0);
                y += sh;
            }
            y += (int)(3 * sc);
        }
    } else if (any) {
        text(s, "training...", px + pad, y, F_SMALL, C_DIM, 0, HS_DL_TEXT, 0, 0);
    }
}

/* Pixels free for item i's lane label: from its start to the next signal of the same
 * sender (or the plot's right edge). */
static int lane_room(const hs_scene *s, size_t i, const hs_scene_layout *L)
{
    double pps = L->plot_w / (L->t_right_s - L->t_left_s);
    const hs_tl_item *it = &s->items[i];
    double t0 = (double)it->start / HS_RATE;
    if (t0 < L->t_left_s) t0 = L->t_left_s;
    double lim = L->plot_x + L->plot_w;
    for (size_t j = i + 1; j < s->nitems; j++)
        if (s->items[j].source == it->source) {
            double xn = L->plot_x + ((double)s->items[j].start / HS_RATE - L->t_left_s) * pps;
            if (xn < lim) lim = xn;
            break;
        }
    return (int)(lim - (L->plot_x + (t0 - L->t_left_s) * pps)) - (int)(3 * s->font_scale);
}

/* Poster callout text of an item: "name: detail", or the bare name (bare or no detail). */
static void det_text(hs_scene *s, const hs_tl_item *it, int bare, char *buf, size_t n, int maxw)
{
    if (it->detail[0] && !bare) snprintf(buf, n, "%s: %s", it->name, it->detail);
    else snprintf(buf, n, "%s", it->name);
    fit(s, buf, F_SMALL, maxw);
}

/* A lane label fits (in the small font at least). */
static int lane_fits(hs_scene *s, size_t i, const hs_scene_layout *L)
{
    return text_w(s, s->items[i].name, F_SMALL) <= lane_room(s, i, L);
}

void hs_scene_draw(hs_scene *s, int w, int h, const hs_scene_view *v, hs_scene_layout *out)
{
    SDL_Renderer *r = s->r;
    float sc = s->font_scale;
    s->frame++;
    s->ndl = 0;
    upload(s);
    fill(s, 0, 0, w, h, C_BG);

    int pad = (int)(8 * sc);
    int th = text_h(s, F_NORMAL), sh = text_h(s, F_SMALL), tth = text_h(s, F_TITLE);
    int left = (int)(70 * sc);
    /* the poster shows the equalizers once phase 3 has produced data */
    hs_panel panel = v->poster ? (s->eq[0].have || s->eq[1].have ? HS_PANEL_CONSTELLATION : HS_PANEL_NONE)
                               : v->panel;
    int panel_w = panel != HS_PANEL_NONE && w > 900 * sc ? (int)(340 * sc) : 0;
    int top = pad + tth + pad / 2 + th + pad;
    int lane_h = th + (int)(6 * sc);
    int bottom = (int)(4 * sc) + sh + pad           /* time axis labels */
                 + 2 * (lane_h + (int)(3 * sc))    /* lanes */
                 + (v->status ? sh + pad : 0);
    hs_scene_layout L;
    memset(&L, 0, sizeof L);
    L.plot_x = left;
    L.plot_y = top;
    L.plot_w = w - left - panel_w - (int)(24 * sc);
    if (L.plot_w < 50) L.plot_w = 50;
    double now_s = (double)s->now / HS_RATE;
    if (v->span_s > 0) {
        L.t_left_s = now_s > v->span_s ? now_s - v->span_s : 0.0;
        L.t_right_s = L.t_left_s + v->span_s;
    } else {
        L.t_left_s = 0.0;
        L.t_right_s = now_s > 0.1 ? now_s : 0.1;
    }
    char buf[512];
    /* poster: pack the decoded texts into rows under the lanes (greedy, left to right) */
    int ndetail_rows = 0;
    if (v->poster) {
        /* rows of callouts; each row keeps the spans it has given out. First the bare names
         * of signals whose band is too narrow for them (every signal gets a legible name),
         * then the decoded contents of the others, as room allows. */
        enum { MAXROWS = 12, MAXSPANS = 96 };
        int nspan[MAXROWS], span_a[MAXROWS][MAXSPANS], span_b[MAXROWS][MAXSPANS];
        int gap = (int)(10 * sc);
        for (int k = 0; k < MAXROWS; k++) nspan[k] = 0;
        for (size_t i = 0; i < s->nitems; i++) s->det_row[i] = -1;
        for (int pass = 0; pass < 2; pass++) {
            for (size_t i = 0; i < s->nitems; i++) {
                const hs_tl_item *it = &s->items[i];
                if (s->det_row[i] >= 0) continue;
                int fits = lane_fits(s, i, &L);
                int bare = pass == 0;
                if (pass == 0 && fits) continue;
                if (pass == 1 && !it->detail[0]) continue;
                det_text(s, it, bare, buf, sizeof buf, w - 2 * pad);
                int tw = text_w(s, buf, F_SMALL);
                double t0 = (double)it->start / HS_RATE;
                int x = L.plot_x + (int)lround((t0 - L.t_left_s) * L.plot_w / (L.t_right_s - L.t_left_s));
                if (x + tw > w - pad) x = w - pad - tw;
                if (x < pad) x = pad;
                int k = 0;
                for (; k < MAXROWS; k++) {
                    int free_ = nspan[k] < MAXSPANS;
                    for (int j = 0; j < nspan[k] && free_; j++)
                        if (x < span_b[k][j] + gap && span_a[k][j] < x + tw + gap) free_ = 0;
                    if (free_) break;
                }
                if (k == MAXROWS) continue;
                span_a[k][nspan[k]] = x;
                span_b[k][nspan[k]++] = x + tw;
                s->det_x[i] = x;
                s->det_row[i] = k;
                s->det_short[i] = (uint8_t)bare;
                if (k + 1 > ndetail_rows) ndetail_rows = k + 1;
            }
        }
        bottom += ndetail_rows * (sh + (int)(4 * sc)) + pad + th + pad; /* details + legend */
    }
    L.plot_h = h - top - bottom;
    if (L.plot_h < 40) L.plot_h = 40;
    L.f_top_hz = HS_RATE / 2.0 + s->bin_hz / 2.0;
    L.f_bottom_hz = -s->bin_hz / 2.0;
    double pps = L.plot_w / (L.t_right_s - L.t_left_s);
#define TX(t) (L.plot_x + (int)lround(((t) - L.t_left_s) * pps))
#define FY(f) (L.plot_y + (int)lround((L.f_top_hz - (f)) / (L.f_top_hz - L.f_bottom_hz) * L.plot_h))

    /* title and the current phase's explanation */
    const hs_tl_item *cur = current_item(s);
    snprintf(buf, sizeof buf, v->poster ? "%s    (%.2f s)" : "%s    t = %.2f s", v->title ? v->title : "Handshake", now_s);
    text(s, buf, left, pad, F_TITLE, C_TEXT, 0, HS_DL_TEXT, 0, 0);

    /* spectrogram */
    fill(s, L.plot_x, L.plot_y, L.plot_w, L.plot_h, s->cmap[0]);
    if (s->last_col >= s->first_col) {
        double hop_s = (double)s->cfg.spec.hop / HS_RATE;
        double c0_s = (double)(s->cfg.spec.size / 2) / HS_RATE - hop_s / 2;  /* column 0 left edge */
        int64_t a0 = (int64_t)floor((L.t_left_s - c0_s) / hop_s);
        int64_t a1 = (int64_t)ceil((L.t_right_s - c0_s) / hop_s);
        if (a0 < s->first_col) a0 = s->first_col;
        if (a1 > s->last_col) a1 = s->last_col;
        SDL_Rect clip = { L.plot_x, L.plot_y, L.plot_w, L.plot_h };
        SDL_RenderSetClipRect(r, &clip);
        int hw = s->cfg.history_cols;
        while (a0 <= a1) {
            int x0 = (int)(a0 % hw);
            int64_t cnt = a1 - a0 + 1;
            if (cnt > hw - x0) cnt = hw - x0;
            SDL_Rect src = { x0, 0, (int)cnt, s->bins };
            double t0 = c0_s + (double)a0 * hop_s, t1 = t0 + (double)cnt * hop_s;
            SDL_FRect dst = { (float)(L.plot_x + (t0 - L.t_left_s) * pps), (float)L.plot_y,
                              (float)((t1 - t0) * pps), (float)L.plot_h };
            SDL_RenderCopyF(r, s->tex, &src, &dst);
            a0 += cnt;
        }
        SDL_RenderSetClipRect(r, NULL);
    }
    /* frequency axis */
    for (int f = 0; f <= 4000; f += 500) {
        int y = FY(f);
        line(s, L.plot_x - (int)(5 * sc), y, L.plot_x - 1, y, C_FRAME);
        if (f % 1000 == 0 || L.plot_h > 300 * sc) {
            line(s, L.plot_x, y, L.plot_x + L.plot_w - 1, y, C_GRID);
            snprintf(buf, sizeof buf, "%d", f);
            text(s, buf, L.plot_x - (int)(8 * sc), y - sh / 2, F_SMALL, C_DIM, 2, HS_DL_AXIS_F, 0, f);
        }
    }
    text(s, "Hz", L.plot_x - (int)(8 * sc), L.plot_y - sh - sh / 2 - (int)(2 * sc), F_SMALL, C_DIM, 2,
         HS_DL_AXIS_F, 0, -1);
    /* time axis */
    double step = nice_step(L.t_right_s - L.t_left_s, 70 * sc, L.plot_w);
    int ty = L.plot_y + L.plot_h;
    for (double t = ceil(L.t_left_s / step - 1e-9) * step; t <= L.t_right_s + 1e-9; t += step) {
        int x = TX(t);
        line(s, x, ty, x, ty + (int)(5 * sc), C_FRAME);
        line(s, x, L.plot_y, x, ty - 1, C_GRID);
        fmt_seconds(buf, sizeof buf, t);
        text(s, buf, x, ty + (int)(6 * sc), F_SMALL, C_DIM, 1, HS_DL_AXIS_T, 0, t);
    }
    rect(s, L.plot_x - 1, L.plot_y - 1, L.plot_w + 2, L.plot_h + 2, C_FRAME);

    /* phase marks (phase starts, CONNECT, result) */
    {
        /* one row per mark label unless it would run into an earlier one; a label that
         * would leave the plot goes to the left of its line */
        enum { MROWS = 4 };
        int mrow_end[MROWS];
        for (int k = 0; k < MROWS; k++) mrow_end[k] = -1000000;
        for (size_t i = 0; i < s->nmarks; i++) {
            double t = (double)s->marks[i].sample / HS_RATE;
            if (t < L.t_left_s || t > L.t_right_s) continue;
            int x = TX(t);
            line(s, x, L.plot_y, x, ty - 1, 0xa0ffffffu);
            const char *nm = s->marks[i].name;
            int tw = text_w(s, nm, F_SMALL);
            int lx = x + (int)(3 * sc), align = 0;
            if (lx + tw > L.plot_x + L.plot_w - 2) {
                lx = x - (int)(3 * sc) - tw;
                align = 0;
            }
            int k = 0;
            while (k < MROWS - 1 && mrow_end[k] > lx - (int)(4 * sc)) k++;
            mrow_end[k] = lx + tw;
            int my = L.plot_y + (int)(2 * sc) + k * (sh + (int)(1 * sc));
            fill(s, lx - 1, my, tw + 2, sh, 0x90000000u);
            text(s, nm, lx, my, F_SMALL, strncmp(nm, "CONNECT", 7) == 0 ? 0xffffd54fu : C_MARK, align,
                 HS_DL_MARK, s->marks[i].source, t);
        }
    }

    /* lanes: answerer above caller */
    int ly = ty + (int)(4 * sc) + sh + pad;
    L.lane_h = lane_h;
    L.lane_y[HS_SRC_ANSWERER] = ly;
    L.lane_y[HS_SRC_CALLER] = ly + lane_h + (int)(3 * sc);
    const hs_tl_item *hover = NULL;
    for (int src = 0; src < 2; src++) {
        int y = L.lane_y[src];
        fill(s, L.plot_x, y, L.plot_w, lane_h, C_PANEL);
        text(s, src == HS_SRC_CALLER ? "caller" : "answerer", L.plot_x - (int)(8 * sc),
             y + (lane_h - sh) / 2, F_SMALL, src_color(src), 2, HS_DL_TEXT, (uint8_t)src, 0);
    }
    SDL_Rect lanes_clip = { L.plot_x, L.lane_y[HS_SRC_ANSWERER], L.plot_w,
                            2 * lane_h + (int)(3 * sc) };
    for (size_t i = 0; i < s->nitems; i++) {
        const hs_tl_item *it = &s->items[i];
        double t0 = (double)it->start / HS_RATE;
        double t1 = (double)(it->end == UINT64_MAX ? s->now : it->end) / HS_RATE;
        if (t1 < L.t_left_s || t0 > L.t_right_s) continue;
        int x0 = TX(t0 < L.t_left_s ? L.t_left_s : t0);
        int x1 = TX(t1 > L.t_right_s ? L.t_right_s : t1);
        if (x1 <= x0) x1 = x0 + 1;
        int y = L.lane_y[it->source];
        uint32_t c = src_color(it->source);
        SDL_RenderSetClipRect(r, &lanes_clip);
        fill(s, x0, y, x1 - x0, lane_h, (c & 0x00ffffffu) | 0x50000000u);
        line(s, x0, y, x0, y + lane_h - 1, c);
        SDL_RenderSetClipRect(r, NULL);
        /* a tick on the spectrogram where the signal starts */
        if (t0 >= L.t_left_s) {
            line(s, x0, L.plot_y + L.plot_h - (int)(10 * sc), x0, L.plot_y + L.plot_h - 1, c);
            line(s, x0, L.plot_y, x0, L.plot_y + (int)(10 * sc), c);
        }
        /* label, clipped to the lane up to the next signal of the same sender */
        int lim = L.plot_x + L.plot_w;
        for (size_t j = i + 1; j < s->nitems; j++)
            if (s->items[j].source == it->source) {
                int xn = TX((double)s->items[j].start / HS_RATE);
                if (xn < lim) lim = xn;
                break;
            }
        int lx = x0 + (int)(3 * sc);
        /* the normal font if the name fits, else the small one; a name too long even for
         * that is cut at the next signal (live view) or goes to a callout row (poster) */
        int fnt = text_w(s, it->name, F_NORMAL) <= lim - lx ? F_NORMAL : F_SMALL;
        int fits = text_w(s, it->name, fnt) <= lim - lx;
        if ((fits || (!v->poster && lim - lx > 8 * sc)) && lim > lx) {
            SDL_Rect clip = { lx, y, lim - lx, lane_h };
            SDL_RenderSetClipRect(r, &clip);
            int fh = fnt == F_NORMAL ? th : sh;
            text(s, it->name, lx, y + (lane_h - fh) / 2, fnt, C_TEXT, 0, HS_DL_SIGNAL,
                 it->source, t0);
            SDL_RenderSetClipRect(r, NULL);
        }
        if (v->mouse_x >= x0 && v->mouse_x < x1 &&
            ((v->mouse_y >= y && v->mouse_y < y + lane_h) ||
             (v->mouse_y >= L.plot_y && v->mouse_y < L.plot_y + L.plot_h)))
            hover = it;
    }
    if (hover) {
        double t0 = (double)hover->start / HS_RATE;
        int x0 = TX(t0 < L.t_left_s ? L.t_left_s : t0);
        double t1 = (double)(hover->end == UINT64_MAX ? s->now : hover->end) / HS_RATE;
        int x1 = TX(t1 > L.t_right_s ? L.t_right_s : t1);
        rect(s, x0, L.plot_y, x1 - x0 + 1, L.plot_h, src_color(hover->source));
    }

    /* the one-line explanation (of the hovered signal, else the current one) */
    if (v->poster) {
        size_t used = (size_t)snprintf(buf, sizeof buf, "Sequence:");
        for (size_t i = 0; i < s->nitems; i++) {
            char item[96];
            size_t k = (size_t)snprintf(item, sizeof item, "%s%s (%s)", i ? " \u2192 " : " ", s->items[i].name,
                                        s->items[i].source == HS_SRC_CALLER ? "caller" : "answerer");
            if (k >= sizeof item || used + k >= sizeof buf) break;   /* whole items only: no cut UTF-8 */
            memcpy(buf + used, item, k + 1);
            used += k;
        }
        fit(s, buf, F_NORMAL, w - left - pad);
    } else {
        phase_line(s, hover ? hover : cur, !hover, buf, sizeof buf);
    }
    text(s, buf, left, pad + tth + pad / 2, F_NORMAL, hover ? src_color(hover->source) : C_DIM, 0,
         HS_DL_TEXT, 0, 0);

    int by = L.lane_y[HS_SRC_CALLER] + lane_h + pad;
    /* poster: decoded content under the lanes, packed into rows, then the legend */
    if (v->poster) {
        int rowh = sh + (int)(4 * sc);
        for (size_t i = 0; i < s->nitems; i++) {
            const hs_tl_item *it = &s->items[i];
            if (s->det_row[i] < 0) continue;
            double t0 = (double)it->start / HS_RATE;
            det_text(s, it, s->det_short[i], buf, sizeof buf, w - 2 * pad);
            int x = s->det_x[i];
            int y = by + s->det_row[i] * rowh;
            int xs = TX(t0);
            line(s, xs, L.lane_y[it->source] + lane_h, xs, y + sh / 2, (src_color(it->source) & 0x00ffffffu) | 0x80000000u);
            text(s, buf, x, y, F_SMALL, src_color(it->source), 0, HS_DL_DETAIL, it->source, t0);
        }
        int lgy = by + ndetail_rows * rowh + pad;
        int x = left;
        for (int src = 0; src < 2; src++) {
            fill(s, x, lgy + (th - (int)(10 * sc)) / 2, (int)(18 * sc), (int)(10 * sc), src_color(src));
            x += (int)(24 * sc);
            x += text(s, src == HS_SRC_CALLER ? "sent by the caller" : "sent by the answerer", x, lgy,
                      F_NORMAL, C_TEXT, 0, HS_DL_LEGEND, (uint8_t)src, 0) + (int)(24 * sc);
        }
        /* colour bar */
        x += text(s, "power per bin:", x, lgy, F_NORMAL, C_TEXT, 0, HS_DL_LEGEND, 0, 0) + (int)(8 * sc);
        snprintf(buf, sizeof buf, "%.0f", (double)s->cfg.db_min);
        x += text(s, buf, x, lgy, F_SMALL, C_DIM, 0, HS_DL_LEGEND, 0, 0) + (int)(4 * sc);
        int cbw = (int)(200 * sc);
        for (int i = 0; i < cbw; i++)
            line(s, x + i, lgy + (int)(2 * sc), x + i, lgy + th - (int)(2 * sc), s->cmap[i * 255 / (cbw - 1)]);
        x += cbw + (int)(4 * sc);
        snprintf(buf, sizeof buf, "%.0f dBm0", (double)s->cfg.db_max);
        x += text(s, buf, x, lgy, F_SMALL, C_DIM, 0, HS_DL_LEGEND, 0, 0) + (int)(24 * sc);
        snprintf(buf, sizeof buf, "FFT %d, hop %d (%.1f ms), %s window", s->cfg.spec.size,
                 s->cfg.spec.hop, 1000.0 * s->cfg.spec.hop / HS_RATE,
                 s->cfg.spec.window == HS_WIN_HANN ? "Hann" : s->cfg.spec.window == HS_WIN_RECT ? "rectangular" : "Blackman-Harris");
        text(s, buf, x, lgy, F_SMALL, C_DIM, 0, HS_DL_LEGEND, 0, 0);
    }

    /* side panel */
    if (panel_w) {
        int px = w - panel_w - (int)(6 * sc), py = L.plot_y, pw = panel_w, ph = h - py - pad - (v->status ? sh + pad : 0);
        if (v->poster) ph = L.lane_y[HS_SRC_CALLER] + lane_h - py;
        fill(s, px, py, pw, ph, C_PANEL);
        int y = py + pad;
        if (panel == HS_PANEL_CONSTELLATION) {
            draw_eq_panel(s, px, py, pw, ph, &L);
        } else if (panel == HS_PANEL_DECODED) {
            text(s, "Decoded (hover a band for details)", px + pad, y, F_NORMAL, C_TEXT, 0, HS_DL_TEXT, 0, 0);
            y += th + pad;
            int c0 = s->eq[HS_SRC_CALLER].connect_bps, c1 = s->eq[HS_SRC_ANSWERER].connect_bps;
            if (c0 || c1) {
                if (c0 && c1 && c0 != c1) snprintf(buf, sizeof buf, "CONNECT %d / %d bit/s", c0, c1);
                else snprintf(buf, sizeof buf, "CONNECT %d bit/s", c0 ? c0 : c1);
                text(s, buf, px + pad, y, F_NORMAL, 0xffffd54fu, 0, HS_DL_TEXT, 0, 0);
                y += th + pad / 2;
            }
            /* hovered first, then the latest first */
            char lines[8][200];
            for (int pass = 0; pass < 2; pass++) {
                for (size_t i = s->nitems; i-- > 0 && y < py + ph - 2 * sh;) {
                    const hs_tl_item *it = &s->items[i];
                    if (pass == 0 ? it != hover : (it == hover || !it->detail[0])) continue;
                    snprintf(buf, sizeof buf, "%.2f s  %s  %s", (double)it->start / HS_RATE, it->name,
                             it->source == HS_SRC_CALLER ? "(caller)" : "(answerer)");
                    text(s, buf, px + pad, y, F_SMALL, src_color(it->source), 0, HS_DL_TEXT, it->source,
                         (double)it->start / HS_RATE);
                    y += sh;
                    const char *d = it->detail[0] ? it->detail : "(no decoded content)";
                    int nl = wrap(s, d, F_SMALL, pw - 3 * pad, lines, 8);
                    for (int k = 0; k < nl && y < py + ph - sh; k++, y += sh)
                        text(s, lines[k], px + 2 * pad, y, F_SMALL, C_TEXT, 0, HS_DL_DETAIL,
                             it->source, (double)it->start / HS_RATE);
                    if (pass == 0) {
                        const hs_phase_text *p = hs_phase_lookup(s, it->name);
                        if (p) {
                            nl = wrap(s, p->text, F_SMALL, pw - 3 * pad, lines, 4);
                            for (int k = 0; k < nl && y < py + ph - sh; k++, y += sh)
                                text(s, lines[k], px + 2 * pad, y, F_SMALL, C_DIM, 0, HS_DL_TEXT, 0, 0);
                        }
                    }
                    y += pad / 2;
                }
            }
        }
    }
    if (v->status)
        text(s, v->status, pad, h - sh - pad / 2, F_SMALL, C_DIM, 0, HS_DL_TEXT, 0, 0);
#undef TX
#undef FY
    if (out) *out = L;
}

/* ------------------------------------------------------------------ offline */

hs_render_options hs_render_options_default(void)
{
    hs_render_options o;
    memset(&o, 0, sizeof o);
    o.spec.size = 512;
    o.spec.hop = 32;
    o.spec.window = HS_WIN_HANN;
    o.width = 1600;
    o.height = 900;
    o.db_min = -80.0f;
    o.db_max = -10.0f;
    return o;
}

void hs_render_report_free(hs_render_report *r)
{
    if (!r) return;
    free(r->items);
    r->items = NULL;
    r->nitems = 0;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int hs_render_png(const float *line_in, size_t n, const hs_event *ev, size_t nev,
                  const hs_render_options *o, const char *path, hs_render_report *report,
                  char *err, size_t errlen)
{
    double t_start = mono_s();
    if (o->width < 320 || o->height < 240 || o->width > 16384 || o->height > 8192) {
        snprintf(err, errlen, "image size %dx%d: must be between 320x240 and 16384x8192", o->width, o->height);
        return -1;
    }
    hs_spectrum *sp = NULL;
    if (hs_spectrum_create(&o->spec, &sp) != HS_OK) {
        const char *why = hs_spectrum_config_problem(&o->spec);
        snprintf(err, errlen, "spectrogram: %s", why ? why : "out of memory");
        return -1;
    }
    int bins = hs_spectrum_bins(sp);
    size_t rows = n >= (size_t)o->spec.size ? (n - (size_t)o->spec.size) / (size_t)o->spec.hop + 1 : 1;
    SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, o->width, o->height, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *r = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;
    float *row = malloc((size_t)bins * sizeof *row);
    hs_scene *sc = NULL;
    int rc = -1;
    if (!surf || !r || !row) {
        snprintf(err, errlen, "cannot make a %dx%d image: %s", o->width, o->height, SDL_GetError());
        goto out;
    }
    hs_scene_config c = hs_scene_config_default();
    c.spec = o->spec;
    c.db_min = o->db_min;
    c.db_max = o->db_max;
    c.history_cols = (int)rows + 2;
    c.assets_dir = o->assets_dir;
    c.font_path = o->font_path;
    c.font_scale = o->width >= 2400 ? 1.5f : 1.0f;
    if (hs_scene_create(&c, r, &sc, err, errlen) != 0) goto out;
    size_t chunk = (size_t)o->spec.hop;     /* at most one row per push: none is dropped */
    for (size_t i = 0; i < n; i += chunk) {
        size_t m = n - i < chunk ? n - i : chunk;
        hs_spectrum_push(sp, line_in + i, m);
        uint64_t centre;
        while (hs_spectrum_pop_row(sp, row, &centre)) hs_scene_add_row(sc, row, centre);
    }
    for (size_t i = 0; i < nev; i++) hs_scene_add_event(sc, &ev[i]);
    hs_scene_set_now(sc, n);
    hs_scene_view v;
    memset(&v, 0, sizeof v);
    v.span_s = 0;
    v.poster = 1;
    v.mouse_x = v.mouse_y = -1;
    v.title = o->title ? o->title : "Handshake";
    hs_scene_layout L;
    hs_scene_draw(sc, o->width, o->height, &v, &L);
    SDL_RenderPresent(r);
    if (hs_png_write(path, surf->pixels, surf->w, surf->h, (size_t)surf->pitch, err, errlen) != 0) goto out;
    if (report) {
        int nd;
        const hs_dl_item *dl = hs_scene_draw_list(sc, &nd);
        report->layout = L;
        report->items = malloc((size_t)(nd ? nd : 1) * sizeof *dl);
        report->nitems = report->items ? nd : 0;
        if (report->items) memcpy(report->items, dl, (size_t)nd * sizeof *dl);
        report->render_s = mono_s() - t_start;
    }
    rc = 0;
out:
    hs_scene_destroy(sc);
    if (r) SDL_DestroyRenderer(r);
    if (surf) SDL_FreeSurface(surf);
    free(row);
    hs_spectrum_destroy(sp);
    return rc;
}

int hs_render_collect(const hs_av_source *src, double max_s, float **line_out, size_t *n_out,
                      hs_event **ev_out, size_t *nev_out)
{
    size_t cap = 8000 * 8, n = 0, evcap = 64, nev = 0;
    size_t max_n = max_s > 0 ? (size_t)(max_s * HS_RATE) : SIZE_MAX;
    float *ln = malloc(cap * sizeof *ln);
    hs_event *ev = malloc(evcap * sizeof *ev);
    float a[160], b[160];
    if (!ln || !ev) goto nomem;
    for (;;) {
        size_t want = max_n - n < 160 ? max_n - n : 160;
        if (!want) break;
        size_t got = src->step(src->ctx, want, a, b);
        if (!got) break;
        if (n + got > cap) {
            cap *= 2;
            float *t = realloc(ln, cap * sizeof *ln);
            if (!t) goto nomem;
            ln = t;
        }
        for (size_t i = 0; i < got; i++) ln[n + i] = a[i] + b[i];
        n += got;
        for (;;) {
            if (nev == evcap) {
                evcap *= 2;
                hs_event *t = realloc(ev, evcap * sizeof *ev);
                if (!t) goto nomem;
                ev = t;
            }
            if (!src->poll(src->ctx, &ev[nev])) break;
            nev++;
        }
    }
    *line_out = ln;
    *n_out = n;
    *ev_out = ev;
    *nev_out = nev;
    return 0;
nomem:
    free(ln);
    free(ev);
    return -1;
}
