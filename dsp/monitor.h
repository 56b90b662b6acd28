/* dsp/monitor.h: a passive monitor of one recorded channel (the analyser's engine).
 * Runs the answer-tone detector, calling-tone detectors (CT 1300 Hz, CNG 1100 Hz) and both
 * V.21 receivers (V.8 CI/CM/CJ on channel 1, JM on channel 2) over a received signal, and
 * reports what it recognises as events (source = the channel number).
 * It also recognises V.34 phase 2 (dsp/v34mon.h). (Implementation: dsp/monitor.c.) */
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
/* Every event carries a plain field level_dbm0, for attributing a signal to the strongest
 * channel. */

#endif
