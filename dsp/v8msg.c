/* dsp/v8msg.c: V.8 message codec and receiver. See v8msg.h and spec/v8.md §3-§6. */
#include "v8msg.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ encoding */

/* Sync fields in transmission order (spec §3.1). */
static const char *const sync_bits[] = {
    [HS_V8_CI] = "0000000001",
    [HS_V8_CM] = "0000001111",
    [HS_V8_JM] = "0000001111",
    [HS_V8_V92] = "0101010101",
};

static size_t put_octet(uint8_t *bits, size_t pos, uint8_t o)
{
    bits[pos++] = 0;                                    /* start */
    for (int k = 0; k < 8; k++) bits[pos++] = (uint8_t)((o >> k) & 1u);   /* b0 first */
    bits[pos++] = 1;                                    /* stop */
    return pos;
}

size_t hs_v8msg_encode(hs_v8msg_kind kind, const uint8_t *oct, size_t n, uint8_t *bits, size_t cap)
{
    size_t pos = 0;
    if (kind == HS_V8_CJ) {   /* spec §3.3: three framed zero octets, no preamble, no sync */
        if (cap < 30) return 0;
        for (int i = 0; i < 3; i++) pos = put_octet(bits, pos, 0x00);
        return pos;
    }
    if ((unsigned)kind > HS_V8_V92 || cap < 20 + 10 * n) return 0;
    for (int i = 0; i < 10; i++) bits[pos++] = 1;        /* preamble: ten ONEs */
    for (int i = 0; i < 10; i++) bits[pos++] = (uint8_t)(sync_bits[kind][i] - '0');
    for (size_t i = 0; i < n; i++) pos = put_octet(bits, pos, oct[i]);
    return pos;
}

/* Option bits of the three modulation octets (spec §4.4, V.8 Table 4), by HS_MOD_ item. */
static const struct { uint8_t octet, mask; } mod_bits[13] = {
    { 0, 0x20 }, /* 0  PCM category present (flag) */
    { 0, 0x40 }, /* 1  V.34 duplex */
    { 0, 0x80 }, /* 2  V.34 half-duplex */
    { 1, 0x01 }, /* 3  V.32 bis/V.32 */
    { 1, 0x02 }, /* 4  V.22 bis/V.22 */
    { 1, 0x04 }, /* 5  V.17 */
    { 1, 0x40 }, /* 6  V.29 half-duplex */
    { 1, 0x80 }, /* 7  V.27 ter */
    { 2, 0x01 }, /* 8  V.26 ter */
    { 2, 0x02 }, /* 9  V.26 bis */
    { 2, 0x04 }, /* 10 V.23 duplex */
    { 2, 0x40 }, /* 11 V.23 half-duplex */
    { 2, 0x80 }, /* 12 V.21 */
};

static const char *const mode_names[13] = {
    NULL, "V.34 duplex", "V.34 half-duplex", "V.32 bis/V.32", "V.22 bis/V.22", "V.17",
    "V.29 half-duplex", "V.27 ter", "V.26 ter", "V.26 bis", "V.23 duplex", "V.23 half-duplex",
    "V.21",
};

static size_t put_modn(uint32_t modes, int noct, uint8_t *oct, size_t pos, size_t cap)
{
    uint8_t m[3] = { 0x05, 0x10, 0x10 };   /* modn0 category, modn1/modn2 extension octets */
    for (int i = 0; i < 13; i++)
        if (modes & (1u << i)) m[mod_bits[i].octet] |= mod_bits[i].mask;
    for (int i = 0; i < noct && i < 3 && pos < cap; i++) oct[pos++] = m[i];
    return pos;
}

size_t hs_v8msg_build_cm(uint32_t modes, int lapm, uint8_t *oct, size_t cap)
{
    size_t pos = 0;
    if (cap < 5) return 0;
    oct[pos++] = HS_V8_CALLF0_DATA;
    pos = put_modn(modes, 3, oct, pos, cap);   /* every CM observed sends all three */
    if (lapm && pos < cap) oct[pos++] = HS_V8_PROT0_LAPM;
    return pos;
}

/* ------------------------------------------------------------------ parsing */

#define IS_CATEGORY(o)  (((o) & 0x10u) == 0)
#define IS_EXTENSION(o) (((o) & 0x38u) == 0x10u)

enum { TAG_CALLF = 0x1, TAG_MODN = 0x5, TAG_PCM = 0x7, TAG_PROT = 0xA, TAG_ACCESS = 0xD,
       TAG_T66 = 0xE, TAG_NSF = 0xF };

int hs_v8msg_parse(const uint8_t *oct, size_t n, hs_v8_fields *f)
{
    memset(f, 0, sizeof *f);
    if (n == 0 || !IS_CATEGORY(oct[0]) || (oct[0] & 0x0Fu) != TAG_CALLF) return -1;
    f->valid = 1;
    f->callf0 = oct[0];
    size_t i = 0;
    while (i < n) {
        uint8_t o = oct[i++];
        if (!IS_CATEGORY(o)) { f->unknown++; continue; }   /* orphan extension or invalid */
        size_t ext = i;
        while (i < n && IS_EXTENSION(oct[i])) i++;
        size_t next = i;
        switch (o & 0x0Fu) {
        case TAG_CALLF:
            if (ext != 1) f->unknown++;   /* a second call function: ignore it */
            break;
        case TAG_MODN: {
            int k = 0;
            uint8_t m[3] = { o, 0, 0 };
            for (size_t j = ext; j < next && k < 2; j++) m[++k] = oct[j];
            f->n_mod_octets = 1 + k;
            for (int b = 0; b < 13; b++)
                if (mod_bits[b].octet <= k && (m[mod_bits[b].octet] & mod_bits[b].mask))
                    f->modes |= 1u << b;
            break;
        }
        case TAG_PROT:   f->has_prot = 1;   f->prot0 = o;   break;
        case TAG_ACCESS: f->has_access = 1; f->access0 = o; break;
        case TAG_PCM:    f->has_pcm = 1;    f->pcm0 = o;    break;
        case TAG_NSF:    f->has_nsf = 1;                    break;
        case TAG_T66:    f->has_t66 = 1;                    break;
        default:         f->unknown++;                      break;   /* unknown: skip with its extensions */
        }
    }
    return 0;
}

size_t hs_v8msg_build_jm(const hs_v8_fields *cm, uint32_t our_modes, int our_lapm, uint8_t *oct, size_t cap)
{
    size_t pos = 0;
    if (cap < 6) return 0;
    /* §5.4.1: our only call function is data; for another one JM names data and carries
     * all modulation bits zero. */
    int same_callf = cm->valid && cm->callf0 == HS_V8_CALLF0_DATA;
    oct[pos++] = HS_V8_CALLF0_DATA;
    /* §5.4.2: the common modes, in as many modulation octets as CM had; modn0 b5 (PCM
     * category present) cleared since we never send pcm0 (§5.4.5). */
    uint32_t common = same_callf ? (cm->modes & our_modes & ~(uint32_t)HS_MOD_PCM_PRESENT) : 0;
    pos = put_modn(common, cm->n_mod_octets, oct, pos, cap);
    /* §5.4.3: LAPM if CM offered it and we want it. */
    if (same_callf && our_lapm && cm->has_prot && cm->prot0 == HS_V8_PROT0_LAPM && pos < cap)
        oct[pos++] = HS_V8_PROT0_LAPM;
    /* §5.4.4: access0 when CM's b5 (call DCE on cellular) is set: copy b5, we are neither
     * cellular (b6 = 0) nor on a digital connection (b7 = 0). */
    if (cm->has_access && (cm->access0 & 0x20u) && pos < cap) oct[pos++] = 0x0D | 0x20;
    return pos;
}

uint32_t hs_v8_choose_mode(uint32_t modes)
{
    for (int i = 1; i <= 12; i++)
        if (modes & (1u << i)) return 1u << i;
    return 0;
}

const char *hs_v8_mode_name(uint32_t mode)
{
    for (int i = 1; i <= 12; i++)
        if (mode == (1u << i)) return mode_names[i];
    return NULL;
}

const char *hs_v8_call_function_name(uint8_t callf0)
{
    static const char *const names[8] = {
        "reserved", "PSTN multimedia terminal (H.324)", "textphone (V.18)", "videotext (T.101)",
        "transmit facsimile (T.30)", "receive facsimile (T.30)", "data (V-series modems)",
        "in extension octet",
    };
    /* b5 b6 b7 of the octet, b5 as the lowest bit of the code (spec §4.3). */
    return names[(callf0 >> 5) & 7u];
}

void hs_v8msg_describe(const uint8_t *oct, size_t n, hs_event *e)
{
    static const char *const access_names[8] = {
        "analogue, not cellular", "analogue, call DCE on cellular",
        "analogue, answer DCE on cellular", "analogue, call and answer DCE on cellular",
        "digital network", "digital network, call DCE on cellular",
        "digital network, answer DCE on cellular", "digital network, call and answer DCE on cellular",
    };
    hs_v8_fields f;
    hs_event_octets(e, oct, n);
    if (hs_v8msg_parse(oct, n, &f) != 0) {
        hs_event_dec_str(e, "error", "first octet is not a call function");
        return;
    }
    hs_event_dec_str(e, "call_function", hs_v8_call_function_name(f.callf0));
    for (int i = 1; i <= 12; i++)
        if (f.modes & (1u << i)) hs_event_dec_str(e, "modulation", mode_names[i]);
    if (f.modes & HS_MOD_PCM_PRESENT) hs_event_dec_bool(e, "pcm_category", 1);
    if (f.has_prot)
        hs_event_dec_str(e, "protocol", f.prot0 == HS_V8_PROT0_LAPM ? "LAPM (V.42)"
                                        : (f.prot0 & 0xE0u) == 0xE0u ? "in extension octet"
                                                                      : "reserved");
    if (f.has_access) hs_event_dec_str(e, "pstn_access", access_names[(f.access0 >> 5) & 7u]);
    if (f.has_pcm) {
        if (f.pcm0 & 0x20u) hs_event_dec_str(e, "pcm", "V.90/V.92 analogue");
        if (f.pcm0 & 0x40u) hs_event_dec_str(e, "pcm", "V.90/V.92 digital");
        if (f.pcm0 & 0x80u) hs_event_dec_str(e, "pcm", "V.91");
        if (!(f.pcm0 & 0xE0u)) hs_event_dec_str(e, "pcm", "none");
    }
    if (f.has_nsf) hs_event_dec_bool(e, "nsf", 1);
    if (f.has_t66) hs_event_dec_bool(e, "t66", 1);
}

/* ------------------------------------------------------------------ receiver */

#define HDR_CI  0xFFC01u
#define HDR_CM  0xFFC0Fu
#define HDR_V92 0xFFD55u
/* Samples in n bits at 300 bit/s and 8000 Hz (26.667 per bit), rounded. */
#define BITS_TO_SAMPLES(n) ((uint64_t)(((n) * 80u + 1u) / 3u))

typedef struct {
    uint8_t  oct[HS_V8_MAX_OCTETS];
    size_t   n;
    uint64_t start;
} msg;

struct hs_v8rx {
    uint32_t reg;
    uint64_t nbits;
    int      in_seq;
    int      seq_kind;       /* hs_v8msg_kind of the sequence being collected */
    int      seq_valid;
    msg      seq;
    int      ch_state;       /* 0 hunting a start bit, 1..8 data bits, 9 stop bit */
    uint8_t  ch_val;
    uint64_t ch_start;
    msg      prev;           /* last complete valid CM/JM sequence */
    int      prev_valid;
    int      run;            /* identical consecutive CM/JM sequences so far */
    uint64_t run_start;
    msg      cm, ci, v92, cj;
    int      have_cm;
    int      zeros;
    uint64_t zero_start;
};

hs_err hs_v8rx_create(hs_v8rx **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out) return HS_ENOMEM;
    hs_v8rx_reset(*out);
    return HS_OK;
}

void hs_v8rx_reset(hs_v8rx *r) { memset(r, 0, sizeof *r); }
void hs_v8rx_destroy(hs_v8rx *r) { free(r); }

static int same(const msg *a, const msg *b) { return a->n == b->n && memcmp(a->oct, b->oct, a->n) == 0; }

static unsigned close_seq(hs_v8rx *r)
{
    unsigned flags = 0;
    if (!r->in_seq) return 0;
    int ok = r->seq_valid && r->seq.n > 0;
    switch (r->seq_kind) {
    case HS_V8_CM:
        /* §5.5.5: two complete consecutive identical sequences. */
        if (!ok) { r->run = 0; r->prev_valid = 0; break; }
        if (r->prev_valid && same(&r->prev, &r->seq)) {
            r->run++;
        } else {
            r->run = 1;
            r->run_start = r->seq.start;
            r->prev = r->seq;
            r->prev_valid = 1;
        }
        if (r->run >= 2 && (!r->have_cm || !same(&r->cm, &r->seq))) {
            r->cm = r->seq;
            r->cm.start = r->run_start;
            r->have_cm = 1;
            flags |= HS_V8RX_CM;
        }
        break;
    case HS_V8_CI:   /* §5.5.8: one clean CI is enough (informative only) */
        if (ok) { r->ci = r->seq; flags |= HS_V8RX_CI; }
        break;
    case HS_V8_V92:
        if (ok) { r->v92 = r->seq; flags |= HS_V8RX_V92; }
        break;
    default:
        break;
    }
    return flags;
}

static unsigned on_char(hs_v8rx *r, uint8_t v)
{
    unsigned flags = 0;
    if (r->seq_valid) {
        if (r->seq.n < HS_V8_MAX_OCTETS) r->seq.oct[r->seq.n++] = v;
        else r->seq_valid = 0;   /* longer than any V.8 message: not one */
    }
    /* §3.3 / §5.5.7: CJ = three consecutive framed zero characters, across sequence
     * boundaries (0x00 never occurs as CM/JM content). */
    if (v == 0) {
        if (r->zeros++ == 0) r->zero_start = r->ch_start;
        if (r->zeros == 3) {
            memset(r->cj.oct, 0, 3);
            r->cj.n = 3;
            r->cj.start = r->zero_start;
            r->zeros = 0;
            flags |= HS_V8RX_CJ;
        }
    } else {
        r->zeros = 0;
    }
    return flags;
}

unsigned hs_v8rx_bit(hs_v8rx *r, int bit, uint64_t sample)
{
    unsigned flags = 0;
    bit = bit ? 1 : 0;
    r->reg = ((r->reg << 1) | (uint32_t)bit) & 0xFFFFFu;
    r->nbits++;
    if (r->nbits >= 20 && (r->reg == HDR_CI || r->reg == HDR_CM || r->reg == HDR_V92)) {
        /* §5.5.2: a header closes the sequence being collected and opens a new one. */
        int prev_cm = r->in_seq && r->seq_kind == HS_V8_CM;
        flags |= close_seq(r);
        int kind = r->reg == HDR_CI ? HS_V8_CI : r->reg == HDR_CM ? HS_V8_CM : HS_V8_V92;
        /* §3.3 caution (impl.): a CI sync right after CM data is CJ after a bare preamble;
         * count it as the first zero octet. */
        if (kind == HS_V8_CI && prev_cm) {
            r->zeros = 1;
            r->zero_start = sample > BITS_TO_SAMPLES(9) ? sample - BITS_TO_SAMPLES(9) : 0;
        } else {
            r->zeros = 0;
        }
        r->in_seq = 1;
        r->seq_kind = kind;
        r->seq_valid = 1;
        r->seq.n = 0;
        r->seq.start = sample > BITS_TO_SAMPLES(19) ? sample - BITS_TO_SAMPLES(19) : 0;
        r->ch_state = 0;
        return flags;
    }
    if (!r->in_seq) return flags;   /* §5.5.4: ignore octets before the first header */
    /* §5.5.3: asynchronous characters, start 0, b0..b7, stop 1. */
    if (r->ch_state == 0) {
        if (bit == 0) { r->ch_state = 1; r->ch_val = 0; r->ch_start = sample; }
    } else if (r->ch_state <= 8) {
        r->ch_val |= (uint8_t)(bit << (r->ch_state - 1));
        r->ch_state++;
    } else {
        r->ch_state = 0;
        if (bit) {
            flags |= on_char(r, r->ch_val);
        } else {   /* framing error invalidates the sequence */
            r->seq_valid = 0;
            r->zeros = 0;
        }
    }
    return flags;
}

size_t hs_v8rx_get(const hs_v8rx *r, unsigned what, uint8_t *oct, size_t cap, uint64_t *start)
{
    const msg *m = what == HS_V8RX_CI ? &r->ci : what == HS_V8RX_CM ? &r->cm
                 : what == HS_V8RX_CJ ? &r->cj : what == HS_V8RX_V92 ? &r->v92 : NULL;
    if (!m) return 0;
    size_t n = m->n < cap ? m->n : cap;
    if (oct && n) memcpy(oct, m->oct, n);
    if (start) *start = m->start;
    return m->n;
}
