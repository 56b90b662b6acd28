#include "events.h"
#include "hs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[HS_EV_COUNT] = {
    [HS_EV_NONE] = "none",
    [HS_EV_PHASE] = "phase",
    [HS_EV_STATE] = "state",
    [HS_EV_TONE] = "tone",
    [HS_EV_RESULT] = "result",
    [HS_EV_TX] = "tx",
    [HS_EV_V8_CI] = "v8.ci",
    [HS_EV_V8_CM] = "v8.cm",
    [HS_EV_V8_JM] = "v8.jm",
    [HS_EV_V8_CJ] = "v8.cj",
    [HS_EV_V34_INFO0A] = "v34.info0a",
    [HS_EV_V34_INFO0C] = "v34.info0c",
    [HS_EV_V34_INFO1C] = "v34.info1c",
    [HS_EV_V34_INFO1A] = "v34.info1a",
    [HS_EV_V34_TONE_A] = "v34.tone_a",
    [HS_EV_V34_TONE_B] = "v34.tone_b",
    [HS_EV_V34_REVERSAL] = "v34.reversal",
    [HS_EV_V34_L1] = "v34.l1",
    [HS_EV_V34_L2] = "v34.l2",
    [HS_EV_V34_RTD] = "v34.rtd",
    [HS_EV_V34_PROBE] = "v34.probe",
    [HS_EV_V34_CHOICE] = "v34.choice",
    [HS_EV_V34_S] = "v34.s",
    [HS_EV_V34_PP] = "v34.pp",
    [HS_EV_V34_TRN] = "v34.trn",
    [HS_EV_V34_J] = "v34.j",
    [HS_EV_V34_MP] = "v34.mp",
    [HS_EV_V34_E] = "v34.e",
    [HS_EV_V34_B1] = "v34.b1",
    [HS_EV_V34_EQ] = "v34.eq",
    [HS_EV_CONNECT] = "connect",
    [HS_EV_AUDIO] = "audio",
};

const char *hs_ev_type_name(hs_ev_type t)
{
    if ((unsigned)t >= HS_EV_COUNT || !type_names[t]) return "unknown";
    return type_names[t];
}

void hs_event_init(hs_event *e, hs_ev_type type, uint8_t source, uint64_t sample)
{
    memset(e, 0, sizeof *e);
    e->type = (uint8_t)type;
    e->source = source;
    e->sample = sample;
    e->start = sample;
}

static hs_field *add(hs_event *e, const char *key, hs_field_kind kind, unsigned flags)
{
    if (e->nfields >= HS_EV_MAX_FIELDS) return NULL;
    hs_field *f = &e->f[e->nfields++];
    f->key = key;
    f->kind = (uint8_t)kind;
    f->flags = (uint8_t)flags;
    return f;
}

#define SETTER(name, ctype, kind, member, flags)                         \
    void name(hs_event *e, const char *key, ctype v)                     \
    {                                                                    \
        hs_field *f = add(e, key, kind, flags);                          \
        if (f) f->v.member = v;                                          \
    }
SETTER(hs_event_int, int64_t, HS_F_INT, i, 0)
SETTER(hs_event_num, double, HS_F_NUM, x, 0)
SETTER(hs_event_str, const char *, HS_F_STR, s, 0)
SETTER(hs_event_dec_int, int64_t, HS_F_INT, i, HS_FF_DECODED)
SETTER(hs_event_dec_str, const char *, HS_F_STR, s, HS_FF_DECODED)
#undef SETTER

void hs_event_bool(hs_event *e, const char *key, int v)
{
    hs_field *f = add(e, key, HS_F_BOOL, 0);
    if (f) f->v.i = v != 0;
}

void hs_event_dec_bool(hs_event *e, const char *key, int v)
{
    hs_field *f = add(e, key, HS_F_BOOL, HS_FF_DECODED);
    if (f) f->v.i = v != 0;
}

static void payload(hs_event *e, hs_payload_kind kind, const uint8_t *p, size_t n)
{
    if (n > HS_EV_MAX_PAYLOAD) n = HS_EV_MAX_PAYLOAD;
    e->payload_kind = (uint8_t)kind;
    e->npayload = (uint16_t)n;
    if (n) memcpy(e->payload, p, n);
}

void hs_event_octets(hs_event *e, const uint8_t *oct, size_t n) { payload(e, HS_PAYLOAD_OCTETS, oct, n); }

void hs_event_bits(hs_event *e, const uint8_t *bits, size_t n)
{
    payload(e, HS_PAYLOAD_BITS, bits, n);
    for (size_t i = 0; i < e->npayload; i++) e->payload[i] = e->payload[i] ? 1 : 0;
}

const hs_field *hs_event_field(const hs_event *e, const char *key)
{
    for (unsigned i = 0; i < e->nfields; i++)
        if (strcmp(e->f[i].key, key) == 0) return &e->f[i];
    return NULL;
}

struct hs_evq {
    hs_event *ev;
    size_t    cap, head, count;
    uint64_t  dropped;
};

int hs_evq_create(size_t capacity, hs_evq **out)
{
    *out = NULL;
    if (capacity == 0) return HS_EINVAL;
    hs_evq *q = calloc(1, sizeof *q);
    if (!q) return HS_ENOMEM;
    /* Not zeroed: a slot is only read (pop) after push has written it. */
    q->ev = capacity <= SIZE_MAX / sizeof *q->ev ? malloc(capacity * sizeof *q->ev) : NULL;
    if (!q->ev) { free(q); return HS_ENOMEM; }
    q->cap = capacity;
    *out = q;
    return HS_OK;
}

void hs_evq_destroy(hs_evq *q)
{
    if (!q) return;
    free(q->ev);
    free(q);
}

void hs_evq_reset(hs_evq *q) { q->head = q->count = 0; q->dropped = 0; }

void hs_evq_push(hs_evq *q, const hs_event *e)
{
    if (q->count == q->cap) { q->dropped++; return; }
    q->ev[(q->head + q->count) % q->cap] = *e;
    q->count++;
}

int hs_evq_pop(hs_evq *q, hs_event *out)
{
    if (!q->count) return 0;
    *out = q->ev[q->head];
    q->head = (q->head + 1) % q->cap;
    q->count--;
    return 1;
}

size_t hs_evq_count(const hs_evq *q) { return q->count; }
uint64_t hs_evq_dropped(const hs_evq *q) { return q->dropped; }
