/* dsp/monitor.h: a passive monitor of one recorded channel (the analyser's engine).
 * Runs the answer-tone detector, calling-tone detectors (CT 1300 Hz, CNG 1100 Hz) and both
 * V.21 receivers (V.8 CI/CM/CJ on channel 1, JM on channel 2) over a received signal, and
 * reports what it recognises as events (source = the channel number).
 * It also recognises V.34 phase 2 (dsp/v34mon.h) and phases 3/4 (dsp/v34mon34.h; these run
 * 2 s behind the input, hs_monitor_finish flushes them). (Implementation: dsp/monitor.c.) */
#ifndef HS_MONITOR_H
#define HS_MONITOR_H

#include "events.h"
#include "hs.h"

typedef struct hs_monitor hs_monitor;
hs_err hs_monitor_create(uint8_t channel, hs_monitor **out);
void   hs_monitor_destroy(hs_monitor *m);
void   hs_monitor_process(hs_monitor *m, const float *in, size_t n);
/* Call at the end of the recording: reports what is still open (a tone still on). */
void   hs_monitor_finish(hs_monitor *m);
int    hs_monitor_poll(hs_monitor *m, hs_event *ev);
/* An event another channel's monitor reported (analyze hands every one over): phase 2's
 * INFO1a/INFO1c tell the symbol rates and carriers of phases 3/4, a J the constellation of
 * phase 4, also when only one direction is on this channel. */
void   hs_monitor_hear(hs_monitor *m, const hs_event *e);
/* Every event carries a plain field level_dbm0, for attributing a signal to the strongest
 * channel. */

#endif
