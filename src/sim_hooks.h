/* src/sim_hooks.h: how `handshake sim --gui` and `--play` attach to the sim runner.
 *
 * Each hook creates a sink (src/runsim.h) that cmd_sim appends to its chain before
 * hs_run_sim, and destroys after hs_run_sim returns (on_end has been called by then).
 * The sink's callbacks run on the main thread, in sample order; they may block (the player
 * paces the run to the sound card; the window may keep running in on_end until closed) and
 * may return nonzero to stop the run (window closed, Ctrl-C).
 *
 * Each hook returns 0, or an exit status (HS_EXIT_USAGE when the feature is not in this build,
 * HS_EXIT_FILE when the display or audio device cannot be opened) with err filled: one
 * sentence naming the device and the cause, no "handshake:" prefix.
 *
 *   --gui   hs_gui_sim_sink_create / hs_gui_sim_sink_destroy    helper gui   (src/gui_*.c)
 *   --play  hs_play_sim_sink_create / hs_play_sim_sink_destroy  helper audio (src/play_*.c)
 *
 * Until a helper provides its pair, src/gui_hook_stub.c / src/play_hook_stub.c define
 * stand-ins that report "not available in this build"; delete the stub file in the commit
 * that adds the real functions. */
#ifndef HS_SIM_HOOKS_H
#define HS_SIM_HOOKS_H

#include <stddef.h>

#include "runsim.h"

typedef struct {
    const hs_sim_config *cfg;    /* the run about to start */
    int                  mono;   /* --mono was given */
    const char          *device; /* --device NAME, or NULL for the default device */
    int                  until_data; /* --play-until-data: speaker off once the start-up ends (ATM1) */
    double               exit_after_s; /* --exit-after S: close the window after S seconds (0: never) */
} hs_sim_hook_args;

int  hs_gui_sim_sink_create(const hs_sim_hook_args *a, hs_sim_sink **out, char *err, size_t errlen);
void hs_gui_sim_sink_destroy(hs_sim_sink *s);   /* NULL is a no-op */

int  hs_play_sim_sink_create(const hs_sim_hook_args *a, hs_sim_sink **out, char *err, size_t errlen);
void hs_play_sim_sink_destroy(hs_sim_sink *s);  /* NULL is a no-op */

#endif
