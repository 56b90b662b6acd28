/* tests/common/gui_synth.h: a synthetic V.8-like handshake for GUI/render tests and benches
 * (until and besides the real sim): answerer ANSam/ (2100 Hz, 15 Hz AM, reversals) from
 * 0.4 s, caller CM (V.21(L) FSK 980/1180 Hz) from 1.4 s, answerer JM (V.21(H) 1650/1850 Hz)
 * from 2.6 s, caller CJ at 3.5 s, with tx events and decoded CM/JM/CJ events.
 * All at -13 dBm0; noise at -70 dBm0. Deterministic. */
#ifndef HS_GUI_SYNTH_H
#define HS_GUI_SYNTH_H

#include "render.h"

#define GUI_SYNTH_ANSAM_S 0.4
#define GUI_SYNTH_CM_S    1.4
#define GUI_SYNTH_JM_S    2.6
#define GUI_SYNTH_CJ_S    3.5

typedef struct gui_synth gui_synth;
/* length_s: total length (the handshake itself ends at 3.8 s; the rest is silence). */
gui_synth *gui_synth_create(double length_s);
void       gui_synth_destroy(gui_synth *g);
hs_av_source gui_synth_source(gui_synth *g);

#endif
