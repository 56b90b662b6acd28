/* dsp/v8msg.h: V.8 messages (spec/v8.md §3-§6): encoding CI/CM/JM/CJ to bit strings,
 * building CM and JM octets, parsing categories, describing a message as event fields, and
 * the receiver that turns demodulated V.21 bits into accepted messages (§5.5). */
#ifndef HS_V8MSG_H
#define HS_V8MSG_H

#include "events.h"
#include "hs.h"
#include "modem.h"   /* HS_MOD_* */

#include <stddef.h>
#include <stdint.h>

typedef enum {
    HS_V8_CI = 0,   /* sync 0000000001 */
    HS_V8_CM,       /* sync 0000001111 (CM and JM share it) */
    HS_V8_JM,
    HS_V8_CJ,       /* three framed zero octets, no preamble or sync */
    HS_V8_V92,      /* sync 0101010101 (recognised, never sent) */
} hs_v8msg_kind;

#define HS_V8_MAX_OCTETS 32

/* Octet values (spec/v8.md §4). */
#define HS_V8_CALLF0_DATA 0xC1u  /* call function: data, V-series modems */
#define HS_V8_PROT0_LAPM  0x2Au

/* ---- encoding ---- */
/* Bits in transmission order: 10 ONEs, the 10-bit sync, then start/b0..b7/stop per octet
 * (CI, CM, JM); CJ ignores oct and gives 30 bits. Returns the bit count (0 if cap is too
 * small). */
size_t hs_v8msg_encode(hs_v8msg_kind kind, const uint8_t *oct, size_t n, uint8_t *bits, size_t cap);

/* CM (and the shape of a JM): callf0 data, modn0/modn1/modn2 for `modes` (HS_MOD_*),
 * prot0 LAPM if lapm. Returns the octet count. The default CM is C1 45 13 10 2A. */
size_t hs_v8msg_build_cm(uint32_t modes, int lapm, uint8_t *oct, size_t cap);

/* ---- parsing ---- */
typedef struct {
    int      valid;          /* first octet is a call-function category */
    uint8_t  callf0;         /* call function octet (tag 0x01) */
    uint32_t modes;          /* HS_MOD_* from modn0..modn2 */
    int      n_mod_octets;   /* 0 = no modulation category, 1..3 (more are ignored) */
    int      has_prot;   uint8_t prot0;     /* LAPM if prot0 == 0x2A */
    int      has_access; uint8_t access0;
    int      has_pcm;    uint8_t pcm0;
    int      has_nsf;
    int      has_t66;
    int      unknown;        /* unknown categories or invalid octets skipped */
} hs_v8_fields;

/* Walks the categories (any order after callf0, extension octets, unknown ones skipped).
 * Returns 0 if valid (first octet a call function), -1 otherwise (f still filled). */
int hs_v8msg_parse(const uint8_t *oct, size_t n, hs_v8_fields *f);

/* JM for a received CM (spec §5.4): same call function if supported (only data is), the
 * modes common to CM and `our_modes` in as many modulation octets as CM had, prot0 LAPM if
 * both want it, access0 copied when CM's b5 (cellular) is set, never pcm0. */
size_t hs_v8msg_build_jm(const hs_v8_fields *cm, uint32_t our_modes, int our_lapm, uint8_t *oct, size_t cap);

/* Mode choice (spec §5.4.6): the common mode with the lowest item number (the PCM flag is
 * not a mode). Returns one HS_MOD_* bit, or 0. */
uint32_t hs_v8_choose_mode(uint32_t modes);
/* "V.34 duplex", "V.32 bis/V.32", ...; NULL for 0 or several bits. */
const char *hs_v8_mode_name(uint32_t mode);
/* "data (V-series modems)", ... */
const char *hs_v8_call_function_name(uint8_t callf0);

/* Adds the decoded fields of a CI/CM/JM to e (hs_event_dec_str): "call_function",
 * "modulation" once per mode, "protocol", "pstn_access", "pcm", "nsf", "t66", and the
 * octets as payload. */
void hs_v8msg_describe(const uint8_t *oct, size_t n, hs_event *e);

/* ---- receiver (spec §5.5) ---- */
enum {
    HS_V8RX_CI = 1u << 0,   /* a complete CI sequence */
    HS_V8RX_CM = 1u << 1,   /* two identical consecutive CM/JM sequences (new content) */
    HS_V8RX_CJ = 1u << 2,   /* three consecutive framed zero octets */
    HS_V8RX_V92 = 1u << 3,  /* a complete V.92 sequence */
};

typedef struct hs_v8rx hs_v8rx;
hs_err hs_v8rx_create(hs_v8rx **out);
void   hs_v8rx_reset(hs_v8rx *r);
void   hs_v8rx_destroy(hs_v8rx *r);
/* Feeds one demodulated bit, decided at `sample` (the caller's clock, already corrected for
 * the demodulator's latency if wanted). Returns a mask of HS_V8RX_* recognised at this bit. */
unsigned hs_v8rx_bit(hs_v8rx *r, int bit, uint64_t sample);
/* The message recognised last for `what` (HS_V8RX_CI, _CM, _CJ, _V92): its octets and the
 * sample where it began (first bit of the first of the identical sequences; for CJ the
 * start bit of the first zero octet). Returns the octet count (0 if none yet). */
size_t hs_v8rx_get(const hs_v8rx *r, unsigned what, uint8_t *oct, size_t cap, uint64_t *start);

#endif
