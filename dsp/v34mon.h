/* dsp/v34mon.h: a passive recogniser of V.34 phase 2 on one recorded channel (part of the
 * analyser's engine, dsp/monitor.h).
 *
 * Both modems may be on the channel (a mono mix) or only one (one side of a stereo tap), so
 * two 600 bit/s DPSK receivers (dsp/dpsk.h) run side by side, one on the 1200 Hz carrier and
 * one on 2400 Hz, each behind the receiver's own matched filter and an 1800 Hz notch (the
 * guard tone). What a signal is comes from its own content, never from the channel:
 *  - INFO frames (spec/v34-startup.md §4.4-4.7): a frame is recognised by its fill and frame
 *    sync and by its length, which the CRC and the closing fill confirm (49 bits INFO0,
 *    70 bits INFO1a, 109 bits INFO1c). INFO0 is INFO0a on 2400 Hz and INFO0c on 1200 Hz
 *    (the frame itself has no direction bit); every frame reports "carrier_hz", so a V.90
 *    call where the digital modem sends on 1200 Hz is still read correctly.
 *    Events HS_EV_V34_INFO0A/INFO0C/INFO1C/INFO1A: payload bits = the information bits
 *    (frame bits 12 .. end of CRC), "crc_ok", "carrier_hz", "level_dbm0", decoded fields
 *    (hs_info*_describe). start = the reference symbol, sample = the last frame bit decided.
 *    A frame with a bad CRC is reported (crc_ok false) only when its sync and closing fill
 *    are intact and it began from silence or a steady tone.
 *  - Tone A (2400 Hz, with the 1800 Hz guard tone) and Tone B (1200 Hz): a carrier steady
 *    for 20 ms (the receiver's 20 ms boxcar) and within 10 Hz (so V.21's 1180 Hz is no
 *    Tone B); it ends when the carrier falls 6 dB below the tone's level for 8 ms (a 10 ms
 *    window whose nulls fall on the guard tone, the other carrier and the L1/L2 tones 300 Hz
 *    away) or where an INFO frame begins on that carrier; a "tone" that began inside a
 *    frame (INFO1c opens with 18 zeros) is dropped. One HS_EV_V34_TONE_A/B per tone: start,
 *    sample = end, freq_hz and level_dbm0 (measured), duration_ms, reversals, and for Tone A
 *    guard_dbm0 (the 1800 Hz level).
 *  - Phase reversals of Tone A/B: HS_EV_V34_REVERSAL, "tone" A or B, "t_line_ms" (the zero
 *    crossing referred back to the recording), start = that instant. A lone "1" after a run
 *    of zeros inside a frame is dropped.
 *  Tones and reversals are reported ~190 ms after they happened (sample = when they
 *  happened), once no frame still being received can turn out to contain them.
 *  - L1 and L2 (§4.8): the 21-tone comb, found with 160-sample rectangular DFTs every
 *    40 samples (dsp/spectrum.h; 160 samples hold exactly 3 periods, so the comb sits on
 *    bins 3k whatever the alignment). The comb's share of the power outside the four
 *    missing-tone bins (900, 1200, 1800, 2400 Hz, where tones A/B and the guard tone fall)
 *    marks the burst; the 6 dB step marks L1 -> L2. HS_EV_V34_L1 and HS_EV_V34_L2 with
 *    start, sample = end, duration_ms, level_dbm0.
 * Every event carries "level_dbm0" (the analyser keeps the louder copy of a signal heard on
 * two channels).
 *
 * Per sample inside: events and their sample stamps are the same for any block size.
 * Time is the object's own sample count since create/reset. */
#ifndef HS_V34MON_H
#define HS_V34MON_H

#include <stddef.h>
#include <stdint.h>

#include "events.h"
#include "hs.h"

typedef struct hs_v34mon hs_v34mon;
/* channel: the event source (the recording's channel number). */
hs_err hs_v34mon_create(uint8_t channel, hs_v34mon **out);
void   hs_v34mon_reset(hs_v34mon *m);
void   hs_v34mon_destroy(hs_v34mon *m);                 /* NULL is a no-op */
void   hs_v34mon_process(hs_v34mon *m, const float *in, size_t n);
/* End of the recording: report a tone or a probing burst still open. */
void   hs_v34mon_finish(hs_v34mon *m);
int    hs_v34mon_poll(hs_v34mon *m, hs_event *ev);     /* 1 if an event was returned */

#endif
