/* dsp/v34mon34.h: a passive recogniser of V.34 phases 3 and 4 on one recorded channel (part
 * of the analyser's engine, dsp/monitor.h) [V.34 11.3, 11.4; digest §5, §6].
 *
 * It is started per direction once phase 2 told the symbol rate and carrier that direction
 * uses (INFO1a: symbol rates both ways and the caller's carrier; INFO1c: the answerer's
 * carrier at that rate). Per direction a QAM receiver (dsp/qamrx.h, the modem's own) runs
 * on the channel and follows the transmitter's sequence as the far modem's receiver would:
 *   answerer: S, S-bar, PP, TRN (4 points), J..., silence, S, S-bar, TRN, MP..., MP'..., E, B1
 *   caller:   S, S-bar, PP, TRN (4 points), J..., J', TRN, MP..., MP'..., E, B1
 * The receiver trains on S/S-bar/PP/TRN with the transmitter's scrambler (GPC caller, GPA
 * answerer) as TRN reference; J, J', MP and E are decided, differentially decoded and
 * descrambled like the modem does. The phase-4 constellation is what the other direction's J
 * asked for (4 unless told otherwise, hs_v34mon34_set_points).
 *
 * Events (source = the channel; every one with "from" caller/answerer, "phase" 3/4,
 * "level_dbm0" = the channel's power over the last ~16 ms when it was recognised, and
 * "both_directions" true when both directions were started on this channel, i.e. a mono
 * mix, where the sequences overlap and decoding may fail):
 *   v34.s   start = S onset (energy + period-2 pattern), sample = S -> S-bar detected;
 *           carrier_offset_hz.
 *   v34.pp  start = first PP symbol, sample = aligned (phase 3 only).
 *   v34.trn start = first TRN symbol, sample = trained; snr_db, points.
 *   v34.j   start = first symbol of the first of two identical J (J: "points" asked; the
 *           first two J sent are lost while the descrambler still holds TRN bits), or of J'
 *           (phase 4).
 *   v34.mp  start = first sync bit's symbol, sample = last bit; bits, crc_ok, name MP/MP',
 *           decoded fields as the modem's own v34.mp.
 *   v34.e   20 ones after an MP with a good CRC; v34.b1 one data frame after E.
 * Start instants are the decided symbols' sample stamps minus the receiver's latency
 * (HS_V34MON34_LATENCY_SYMBOLS symbols), i.e. when the symbol was on the line.
 *
 * Per sample inside: the same events for any block size. Time = the object's sample count. */
#ifndef HS_V34MON34_H
#define HS_V34MON34_H

#include <stddef.h>
#include <stdint.h>

#include "events.h"
#include "hs.h"

/* Receiver latency (matched filter + equalizer centre) taken off decided symbols' stamps. */
#define HS_V34MON34_LATENCY_SYMBOLS 26.8

typedef struct hs_v34mon34 hs_v34mon34;
hs_err hs_v34mon34_create(uint8_t channel, hs_v34mon34 **out);
void   hs_v34mon34_reset(hs_v34mon34 *m);
void   hs_v34mon34_destroy(hs_v34mon34 *m);
/* Start (or restart) recognising the direction sent by the caller (from_caller 1) or the
 * answerer, at symbol-rate index sr 0..5 and the high (1) or low carrier. HS_EINVAL if out
 * of range. */
hs_err hs_v34mon34_start(hs_v34mon34 *m, int from_caller, int sr, int high);
int    hs_v34mon34_started(const hs_v34mon34 *m, int from_caller);
/* Phase-4 constellation (4 or 16) of the direction sent by from_caller (what the other
 * modem's J asked for). */
void   hs_v34mon34_set_points(hs_v34mon34 *m, int from_caller, int points);
void   hs_v34mon34_process(hs_v34mon34 *m, const float *in, size_t n);
int    hs_v34mon34_poll(hs_v34mon34 *m, hs_event *ev);   /* 1 if an event was returned */

#endif
