/* dsp/info.h: V.34 phase-2 INFO frames (INFO0a/INFO0c, INFO1c, INFO1a) [Tables 14-16].
 *
 * A frame is an array of bits in line order, bit 0 first: fill 1111, frame sync 01110010,
 * the information bits, a 16-bit CRC and fill 1111 (spec/v34-startup.md §4.4). Numeric
 * fields are sent LSB first. The CRC is x^16+x^12+x^5+1, register preset to all ones, no
 * final inversion, register bit 0 sent first, over the information bits only [10.1.2.3.2].
 * The DPSK reference symbol that precedes a frame on the line is not part of these arrays. */
#ifndef HS_INFO_H
#define HS_INFO_H

#include <stddef.h>
#include <stdint.h>

#include "events.h"

#define HS_INFO0_BITS  49
#define HS_INFO1C_BITS 109
#define HS_INFO1A_BITS 70
#define HS_INFO_MAX_BITS HS_INFO1C_BITS
#define HS_INFO_SYNC_BITS 12     /* fill + frame sync at the start */
#define HS_INFO_FILL_BITS 4      /* fill at the end */

/* Symbol rate indices as INFO1 codes them (0 = 2400 ... 5 = 3429). */
enum { HS_V34_S2400 = 0, HS_V34_S2743, HS_V34_S2800, HS_V34_S3000, HS_V34_S3200, HS_V34_S3429,
       HS_V34_NRATES };
extern const int    hs_v34_nominal_rate[HS_V34_NRATES];      /* 2400, 2743, ... (nominal) */
double hs_v34_symbol_rate_exact(int idx);                   /* 2400*a/c */
double hs_v34_carrier_hz(int idx, int high);                /* S*d/e */
int    hs_v34_max_n(int idx);                               /* Table 8: 9, 11, 11, 12, 13, 14 */
/* The integers behind them (the one table of [Tables 1, 2]: qam.c and mp.c use these):
 * S = 2400*a/c, carrier = S*d/e. Returns 0 (and leaves the outputs) if idx is out of range. */
int    hs_v34_rate_ratios(int idx, int high, int *a, int *c, int *d, int *e);

/* INFO0 [Table 14] (same layout for INFO0a and INFO0c). Flags are 0/1. */
typedef struct {
    int rate_2743;        /* bit 12: symbol rate 2743 supported */
    int rate_2800;        /* bit 13 */
    int rate_3429;        /* bit 14 */
    int tx_3000_low;      /* bit 15: can transmit at 3000 with the low carrier */
    int tx_3000_high;     /* bit 16 */
    int tx_3200_low;      /* bit 17 */
    int tx_3200_high;     /* bit 18 */
    int tx_3429_allowed;  /* bit 19: 0 = transmission at 3429 not allowed */
    int power_reduction;  /* bit 20: transmitter can reduce its power */
    int max_rate_diff;    /* bits 21-23: 0..5 steps between tx and rx symbol rates */
    int cme;              /* bit 24 */
    int c1664;            /* bit 25: constellations up to 1664 points */
    int clock_source;     /* bits 26-27: 0 internal, 1 loop, 2 external, 3 reserved */
    int ack;              /* bit 28: far INFO0 received correctly */
} hs_info0;

/* Per symbol rate results in INFO1c [Table 15]. */
typedef struct {
    int carrier_high;     /* 1 = use the high carrier */
    int preemphasis;      /* 0..10 (4 bits) */
    int max_n;            /* projected maximum data rate N x 2400, 0..14 (0 = unusable) */
} hs_info1_rate;

typedef struct {
    int min_power_reduction;     /* bits 12-14: 0..7 dB for the answer modem's transmitter */
    int extra_power_reduction;   /* bits 15-17: 0..7 dB further tolerated */
    int md_length;               /* bits 18-24: x 35 ms */
    hs_info1_rate rate[HS_V34_NRATES];  /* bits 25-33, 34-42, ... 70-78 */
    int freq_offset;             /* bits 79-88: 0.02 Hz units, -512 = not measured */
} hs_info1c;

typedef struct {
    int min_power_reduction;     /* bits 12-14: for the call modem's transmitter */
    int extra_power_reduction;   /* bits 15-17 */
    int md_length;               /* bits 18-24 */
    int carrier_high;            /* bit 25: call modem uses the high carrier */
    int preemphasis;             /* bits 26-29: for the call modem's transmitter */
    int max_n;                   /* bits 30-33: projected rate call->answer */
    int rate_ac;                 /* bits 34-36: symbol rate answer->call (index) */
    int rate_ca;                 /* bits 37-39: symbol rate call->answer (index) */
    int freq_offset;             /* bits 40-49 */
} hs_info1a;

/* CRC register over bits in line order (preset 0xFFFF by the caller; LSB-first form). The one
 * V.34 CRC: INFO frames here, MP frames in mp.c. */
uint16_t hs_info_crc(uint16_t reg, const uint8_t *bits, size_t n);

/* hs_info0 with every capability this engine supports (the digest's §10 example). */
hs_info0 hs_info0_default(void);

/* Encoders write the whole frame (HS_INFO*_BITS bits, 0/1 per byte). Fields are masked to
 * their widths. Decoders read a whole frame and return 1 if the CRC is right (the fields
 * are filled either way). */
void hs_info0_encode(const hs_info0 *m, uint8_t *frame);
int  hs_info0_decode(const uint8_t *frame, hs_info0 *m);
void hs_info1c_encode(const hs_info1c *m, uint8_t *frame);
int  hs_info1c_decode(const uint8_t *frame, hs_info1c *m);
void hs_info1a_encode(const hs_info1a *m, uint8_t *frame);
int  hs_info1a_decode(const uint8_t *frame, hs_info1a *m);

/* Add the decoded fields (HS_FF_DECODED, by name) to an event. */
void hs_info0_describe(const hs_info0 *m, hs_event *e);
void hs_info1c_describe(const hs_info1c *m, hs_event *e);
void hs_info1a_describe(const hs_info1a *m, hs_event *e);

/* Frame sync search helper: 1 if bits[0..12) are fill 11 + ... i.e. the last 12 received
 * bits "1111 01110010" (the first two fill bits are not required: pass loose = 1). */
int hs_info_sync_match(const uint8_t *last12, int loose);

#endif
