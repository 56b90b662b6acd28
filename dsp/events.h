/* dsp/events.h: the one event stream.
 *
 * Every endpoint (and the passive monitor) reports what it does and what it recognises as
 * sample-stamped events. The CLI prints them (text, JSON lines, Audacity labels), the GUI
 * draws them, and the tests assert on them. Nothing else carries protocol state out of the
 * engine.
 *
 * An event is a fixed-size value (no pointers to mutable memory): it can be copied through
 * rings between threads. Strings in fields are always static (string literals / static const
 * tables), never built at run time.
 *
 * Printing is generic (src/evfmt.c): every field becomes a JSON member; fields flagged
 * HS_FF_DECODED go into the "fields" object of the event, and a key repeated among decoded
 * fields becomes a JSON array (e.g. several "modulation" entries of a CM). The payload is
 * printed as "octets" (upper-case hex, space separated) or "bits" (a 0/1 string).
 */
#ifndef HS_EVENTS_H
#define HS_EVENTS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    HS_EV_NONE = 0,
    /* general */
    HS_EV_PHASE,        /* "phase": a phase starts; field "name" */
    HS_EV_STATE,        /* "state": state machine transition (trace); "from", "to", "why" */
    HS_EV_TONE,         /* "tone": name ANS/ANSam/ANSam//CT/CNG, freq_hz, am_hz, am_depth, reversal_ms */
    HS_EV_RESULT,       /* "result": ok, mode or reason */
    HS_EV_TX,           /* "tx": the source endpoint starts sending "signal" (ANSam, CM, JM, CJ, INFO0c, ...; "silence") */
    /* V.8 */
    HS_EV_V8_CI,        /* "v8.ci" */
    HS_EV_V8_CM,        /* "v8.cm" */
    HS_EV_V8_JM,        /* "v8.jm" */
    HS_EV_V8_CJ,        /* "v8.cj" */
    /* V.34 phase 2 */
    HS_EV_V34_INFO0A, HS_EV_V34_INFO0C, HS_EV_V34_INFO1C, HS_EV_V34_INFO1A,
    HS_EV_V34_TONE_A, HS_EV_V34_TONE_B, HS_EV_V34_REVERSAL,
    HS_EV_V34_L1, HS_EV_V34_L2, HS_EV_V34_RTD, HS_EV_V34_PROBE, HS_EV_V34_CHOICE,
    /* V.34 phases 3 and 4 */
    HS_EV_V34_S, HS_EV_V34_PP, HS_EV_V34_TRN, HS_EV_V34_J, HS_EV_V34_MP,
    HS_EV_V34_E, HS_EV_V34_B1, HS_EV_V34_EQ, HS_EV_CONNECT,  /* v34.eq octets: last equalised points, int8 I,Q pairs x32 */
    /* application (emitted by src/, same stream) */
    HS_EV_AUDIO,        /* "audio": xruns, ring fill, latency */
    HS_EV_COUNT
} hs_ev_type;

/* JSON "type" string of an event type ("v8.cm", "tone", ...). */
const char *hs_ev_type_name(hs_ev_type t);

typedef enum { HS_F_INT, HS_F_NUM, HS_F_STR, HS_F_BOOL } hs_field_kind;

#define HS_FF_DECODED 1u   /* field belongs to the decoded "fields" object */

typedef struct {
    const char   *key;     /* static string */
    uint8_t       kind;    /* hs_field_kind */
    uint8_t       flags;   /* HS_FF_* */
    union {
        int64_t     i;     /* HS_F_INT, HS_F_BOOL */
        double      x;     /* HS_F_NUM */
        const char *s;     /* HS_F_STR: static string */
    } v;
} hs_field;

typedef enum { HS_PAYLOAD_NONE, HS_PAYLOAD_OCTETS, HS_PAYLOAD_BITS } hs_payload_kind;

#define HS_EV_MAX_FIELDS  32
#define HS_EV_MAX_PAYLOAD 256   /* octets, or bits (one bit per byte, 0 or 1) */

typedef struct {
    uint64_t  sample;      /* when it happened (for a decoded signal: when it was recognised) */
    uint64_t  start;       /* when the signal it describes began (== sample if unknown) */
    uint8_t   source;      /* endpoint (HS_SRC_CALLER/ANSWERER) or channel number */
    uint8_t   type;        /* hs_ev_type */
    uint8_t   payload_kind;/* hs_payload_kind */
    uint8_t   nfields;
    uint16_t  npayload;
    hs_field  f[HS_EV_MAX_FIELDS];
    uint8_t   payload[HS_EV_MAX_PAYLOAD];
} hs_event;

enum { HS_SRC_CALLER = 0, HS_SRC_ANSWERER = 1 };

/* Building an event (fields beyond HS_EV_MAX_FIELDS are dropped silently; the payload is
 * truncated to HS_EV_MAX_PAYLOAD). */
void hs_event_init(hs_event *e, hs_ev_type type, uint8_t source, uint64_t sample);
void hs_event_int(hs_event *e, const char *key, int64_t v);
void hs_event_num(hs_event *e, const char *key, double v);
void hs_event_str(hs_event *e, const char *key, const char *s);
void hs_event_bool(hs_event *e, const char *key, int v);
/* The same, flagged HS_FF_DECODED. */
void hs_event_dec_int(hs_event *e, const char *key, int64_t v);
void hs_event_dec_str(hs_event *e, const char *key, const char *s);
void hs_event_dec_bool(hs_event *e, const char *key, int v);
void hs_event_octets(hs_event *e, const uint8_t *oct, size_t n);
void hs_event_bits(hs_event *e, const uint8_t *bits, size_t n);   /* bits[i] is 0 or 1 */
/* Lookups for tests and readers: NULL if absent (first match). */
const hs_field *hs_event_field(const hs_event *e, const char *key);

/* A bounded FIFO of events with storage allocated once at create. Push never allocates;
 * when full, the newest event is dropped and counted. */
typedef struct hs_evq hs_evq;
int      hs_evq_create(size_t capacity, hs_evq **out);   /* 0 or HS_ENOMEM/HS_EINVAL */
void     hs_evq_destroy(hs_evq *q);
void     hs_evq_reset(hs_evq *q);
void     hs_evq_push(hs_evq *q, const hs_event *e);
int      hs_evq_pop(hs_evq *q, hs_event *out);           /* 1 if an event was returned */
size_t   hs_evq_count(const hs_evq *q);
uint64_t hs_evq_dropped(const hs_evq *q);

#endif
