/* src/gui_sim.c: `handshake sim --gui`: the simulated handshake in the live window.
 * Separate from gui.c so that the window links without the sim. */
#include "gui.h"

#include <stdio.h>

/* The line as heard at the caller's end: what it sends plus what it receives. */
static size_t sim_step(void *ctx, size_t n, float *a, float *b)
{
    return hs_sim_step(ctx, n, a, NULL, b, NULL);
}

static int sim_poll(void *ctx, hs_event *ev) { return hs_sim_poll(ctx, ev); }

int hs_gui_run_sim(const hs_sim_config *cfg, const hs_gui_options *o)
{
    const char *why = hs_sim_config_problem(cfg);
    if (why) {
        fprintf(stderr, "handshake: sim: %s\n", why);
        return 2;
    }
    hs_sim *sim;
    if (hs_sim_create(cfg, &sim) != HS_OK) {      /* on this thread: FFTW plans are made here */
        fprintf(stderr, "handshake: sim: out of memory\n");
        return 1;
    }
    hs_av_source src = { sim, sim_step, sim_poll };
    int rc = hs_gui_run_source(&src, o);
    hs_sim_destroy(sim);
    return rc;
}
