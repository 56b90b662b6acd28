/* src/play_hook_stub.c: stand-in for the --play hook (src/sim_hooks.h) until the audio
 * output provides it. Delete this file in the commit that adds hs_play_sim_sink_create. */
#include <stdio.h>

#include "cli.h"
#include "sim_hooks.h"

int hs_play_sim_sink_create(const hs_sim_hook_args *a, hs_sim_sink **out, char *err, size_t errlen)
{
    (void)a;
    *out = NULL;
    snprintf(err, errlen, "--play: sound output is not available in this build");
    return HS_EXIT_USAGE;
}

void hs_play_sim_sink_destroy(hs_sim_sink *s) { (void)s; }
