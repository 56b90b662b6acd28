/* tests/common/gui_synth.c: see gui_synth.h. */
#include "gui_synth.h"
#include "level.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NEV 16

struct gui_synth {
    uint64_t n, len;
    double   ph_ans, ph_fsk_c, ph_fsk_a;
    uint32_t rng;
    int      bit_c, bit_a;
    hs_event ev[NEV];
    int      nev, next;
};

static uint32_t rnd(gui_synth *g)
{
    g->rng = g->rng * 1664525u + 1013904223u;
    return g->rng;
}

static uint64_t S(double s) { return (uint64_t)llround(s * HS_RATE); }

static void tx(gui_synth *g, double t, int src, const char *sig)
{
    hs_event *e = &g->ev[g->nev++];
    hs_event_init(e, HS_EV_TX, (uint8_t)src, S(t));
    hs_event_str(e, "signal", sig);
}

static int cmp(const void *a, const void *b)
{
    const hs_event *x = a, *y = b;
    return x->sample < y->sample ? -1 : x->sample > y->sample;
}

gui_synth *gui_synth_create(double length_s)
{
    gui_synth *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->len = S(length_s);
    g->rng = 1;
    tx(g, 0.0, HS_SRC_CALLER, "silence");
    tx(g, 0.0, HS_SRC_ANSWERER, "silence");
    tx(g, GUI_SYNTH_ANSAM_S, HS_SRC_ANSWERER, "ANSam/");
    tx(g, GUI_SYNTH_CM_S, HS_SRC_CALLER, "CM");
    tx(g, GUI_SYNTH_JM_S, HS_SRC_ANSWERER, "JM");
    tx(g, GUI_SYNTH_CJ_S, HS_SRC_CALLER, "CJ");
    tx(g, 3.6, HS_SRC_CALLER, "silence");
    tx(g, 3.6, HS_SRC_ANSWERER, "silence");
    hs_event *e = &g->ev[g->nev++];
    hs_event_init(e, HS_EV_TONE, HS_SRC_CALLER, S(0.95));
    e->start = S(GUI_SYNTH_ANSAM_S);
    hs_event_str(e, "name", "ANSam/");
    hs_event_num(e, "freq_hz", 2100.0);
    hs_event_num(e, "am_hz", 15.0);
    e = &g->ev[g->nev++];
    hs_event_init(e, HS_EV_V8_CM, HS_SRC_ANSWERER, S(2.0));
    e->start = S(GUI_SYNTH_CM_S);
    hs_event_dec_str(e, "call_function", "data");
    hs_event_dec_str(e, "modulation", "V.34 duplex");
    hs_event_dec_str(e, "modulation", "V.32bis");
    hs_event_dec_str(e, "modulation", "V.22bis");
    hs_event_dec_str(e, "modulation", "V.21");
    hs_event_dec_bool(e, "lapm", 1);
    e = &g->ev[g->nev++];
    hs_event_init(e, HS_EV_V8_JM, HS_SRC_CALLER, S(3.1));
    e->start = S(GUI_SYNTH_JM_S);
    hs_event_dec_str(e, "call_function", "data");
    hs_event_dec_str(e, "modulation", "V.34 duplex");
    hs_event_dec_bool(e, "lapm", 1);
    e = &g->ev[g->nev++];
    hs_event_init(e, HS_EV_V8_CJ, HS_SRC_ANSWERER, S(3.62));
    e->start = S(GUI_SYNTH_CJ_S);
    static const uint8_t cj[3] = { 0, 0, 0 };
    hs_event_octets(e, cj, 3);
    e = &g->ev[g->nev++];
    hs_event_init(e, HS_EV_RESULT, HS_SRC_CALLER, S(3.7));
    hs_event_str(e, "mode", "V.34 duplex");
    qsort(g->ev, (size_t)g->nev, sizeof g->ev[0], cmp);
    return g;
}

void gui_synth_destroy(gui_synth *g) { free(g); }

static size_t step(void *ctx, size_t n, float *caller, float *answerer)
{
    gui_synth *g = ctx;
    if (g->n >= g->len) return 0;
    if (n > g->len - g->n) n = (size_t)(g->len - g->n);
    const double a = hs_dbm0_to_peak(-13.0), noise = hs_dbm0_to_peak(-70.0);
    const double spb = HS_RATE / 300.0;                    /* samples per V.21 bit */
    for (size_t i = 0; i < n; i++, g->n++) {
        double t = (double)g->n / HS_RATE;
        double c = 0.0, s = 0.0;
        if (g->n % (uint64_t)spb == 0) {
            g->bit_c = (int)(rnd(g) >> 31);
            g->bit_a = (int)(rnd(g) >> 31);
        }
        if (t >= GUI_SYNTH_ANSAM_S && t < GUI_SYNTH_JM_S) {
            double tt = t - GUI_SYNTH_ANSAM_S;
            g->ph_ans += 2.0 * HS_PI * 2100.0 / HS_RATE;
            int rev = (int)(tt / 0.45) & 1;
            s = a * (1.0 + 0.2 * sin(2.0 * HS_PI * 15.0 * tt)) * sin(g->ph_ans + (rev ? HS_PI : 0.0));
        } else if (t >= GUI_SYNTH_JM_S && t < 3.6) {
            g->ph_fsk_a += 2.0 * HS_PI * (g->bit_a ? 1650.0 : 1850.0) / HS_RATE;
            s = a * sin(g->ph_fsk_a);
        }
        if (t >= GUI_SYNTH_CM_S && t < 3.6) {
            int bit = t >= GUI_SYNTH_CJ_S ? ((g->n / (uint64_t)spb) % 10 == 9) : g->bit_c;
            g->ph_fsk_c += 2.0 * HS_PI * (bit ? 980.0 : 1180.0) / HS_RATE;
            c = a * sin(g->ph_fsk_c);
        }
        double w = ((double)(rnd(g) >> 8) / 16777216.0 - 0.5) * 2.0 * noise;
        if (caller) caller[i] = (float)(c + w);
        if (answerer) answerer[i] = (float)s;
    }
    return n;
}

static int poll_ev(void *ctx, hs_event *ev)
{
    gui_synth *g = ctx;
    if (g->next >= g->nev || g->ev[g->next].sample > g->n) return 0;
    *ev = g->ev[g->next++];
    return 1;
}

hs_av_source gui_synth_source(gui_synth *g)
{
    hs_av_source s = { g, step, poll_ev };
    return s;
}
