/* src/gui_hook_stub.c: stand-in for the --gui hook (src/sim_hooks.h) until the GUI provides
 * it. Delete this file in the commit that adds hs_gui_sim_sink_create. */
#include <stdio.h>

#include "cli.h"
#include "sim_hooks.h"

int hs_gui_sim_sink_create(const hs_sim_hook_args *a, hs_sim_sink **out, char *err, size_t errlen)
{
    (void)a;
    *out = NULL;
    snprintf(err, errlen, "--gui: the spectrogram window is not available in this build");
    return HS_EXIT_USAGE;
}

void hs_gui_sim_sink_destroy(hs_sim_sink *s) { (void)s; }
