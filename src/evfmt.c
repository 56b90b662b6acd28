/* src/evfmt.c: events -> text timeline, JSON lines, Audacity labels. */
#include "evfmt.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hs.h"

/* A bounded string builder: appends never overflow; len counts what fitted. */
typedef struct {
    char  *buf;
    size_t size, len;
} sb;

static void sb_init(sb *b, char *buf, size_t size)
{
    b->buf = buf;
    b->size = size;
    b->len = 0;
    if (size) buf[0] = 0;
}

static void sb_printf(sb *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void sb_printf(sb *b, const char *fmt, ...)
{
    if (b->len + 1 >= b->size) return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(b->buf + b->len, b->size - b->len, fmt, ap);
    va_end(ap);
    if (w < 0) return;
    b->len += (size_t)w;
    if (b->len >= b->size) b->len = b->size - 1;
}

static void sb_putc(sb *b, char c)
{
    if (b->len + 1 >= b->size) return;
    b->buf[b->len++] = c;
    b->buf[b->len] = 0;
}

static void sb_puts(sb *b, const char *s)
{
    while (*s) sb_putc(b, *s++);
}

static void sb_json_str(sb *b, const char *s)
{
    sb_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"':  sb_puts(b, "\\\""); break;
        case '\\': sb_puts(b, "\\\\"); break;
        case '\n': sb_puts(b, "\\n"); break;
        case '\r': sb_puts(b, "\\r"); break;
        case '\t': sb_puts(b, "\\t"); break;
        default:
            if (*p < 0x20) sb_printf(b, "\\u%04x", *p);
            else sb_putc(b, (char)*p);
        }
    }
    sb_putc(b, '"');
}

/* A number with a fixed number of decimals (3 in text, 6 in JSON) and no needless zeros:
 * 2100, 0.2, 450.25. JSON has no NaN/Inf: null. */
static void sb_num(sb *b, double x, int json)
{
    if (!isfinite(x)) {
        sb_puts(b, json ? "null" : (isnan(x) ? "nan" : (x > 0 ? "inf" : "-inf")));
        return;
    }
    char tmp[64];
    if (fabs(x) >= 1e15) snprintf(tmp, sizeof tmp, "%.6g", x);
    else {
        snprintf(tmp, sizeof tmp, "%.*f", json ? 6 : 3, x);
        char *dot = strchr(tmp, '.');
        if (dot) {
            char *end = tmp + strlen(tmp) - 1;
            while (end > dot && *end == '0') *end-- = 0;
            if (end == dot) *end = 0;
        }
        if (strcmp(tmp, "-0") == 0) snprintf(tmp, sizeof tmp, "0");
    }
    sb_puts(b, tmp);
}

static double seconds(uint64_t sample) { return (double)sample / HS_RATE; }

const char *hs_evfmt_source(const hs_event *e, hs_evsrc src, char *buf, size_t size)
{
    if (src == HS_EVSRC_CHANNEL) {
        snprintf(buf, size, "ch%u", (unsigned)e->source);
        return buf;
    }
    if (e->source == HS_SRC_CALLER) return "caller";
    if (e->source == HS_SRC_ANSWERER) return "answerer";
    snprintf(buf, size, "source%u", (unsigned)e->source);
    return buf;
}

static void sb_payload_text(sb *b, const hs_event *e)
{
    if (e->payload_kind == HS_PAYLOAD_OCTETS)
        for (unsigned i = 0; i < e->npayload; i++) sb_printf(b, "%s%02X", i ? " " : "", e->payload[i]);
    else if (e->payload_kind == HS_PAYLOAD_BITS)
        for (unsigned i = 0; i < e->npayload; i++) sb_putc(b, e->payload[i] ? '1' : '0');
}

/* Value of a field as text (no quotes). */
static void sb_value_text(sb *b, const hs_field *f)
{
    switch ((hs_field_kind)f->kind) {
    case HS_F_INT:  sb_printf(b, "%lld", (long long)f->v.i); break;
    case HS_F_NUM:  sb_num(b, f->v.x, 0); break;
    case HS_F_STR:  sb_puts(b, f->v.s ? f->v.s : ""); break;
    case HS_F_BOOL: sb_puts(b, f->v.i ? "yes" : "no"); break;
    }
}

static void sb_value_json(sb *b, const hs_field *f)
{
    switch ((hs_field_kind)f->kind) {
    case HS_F_INT:  sb_printf(b, "%lld", (long long)f->v.i); break;
    case HS_F_NUM:  sb_num(b, f->v.x, 1); break;
    case HS_F_STR:  sb_json_str(b, f->v.s); break;
    case HS_F_BOOL: sb_puts(b, f->v.i ? "true" : "false"); break;
    }
}

/* Fields whose value reads well on its own in the timeline ("tx ANSam/", "phase V.8"). */
static int bare_key(const char *k)
{
    return strcmp(k, "name") == 0 || strcmp(k, "signal") == 0;
}

static int first_decoded_with_key(const hs_event *e, unsigned i)
{
    for (unsigned j = 0; j < i; j++)
        if ((e->f[j].flags & HS_FF_DECODED) && strcmp(e->f[j].key, e->f[i].key) == 0) return 0;
    return 1;
}

static void summary(sb *b, const hs_event *e, hs_evsrc src, int pad)
{
    char tmp[32];
    const char *name = hs_evfmt_source(e, src, tmp, sizeof tmp);
    if (pad) sb_printf(b, "%-9s %s", name, hs_ev_type_name((hs_ev_type)e->type));
    else sb_printf(b, "%s %s", name, hs_ev_type_name((hs_ev_type)e->type));
    /* plain fields: bare values first, then key=value */
    for (unsigned i = 0; i < e->nfields; i++) {
        const hs_field *f = &e->f[i];
        if (!(f->flags & HS_FF_DECODED) && bare_key(f->key)) {
            sb_putc(b, ' ');
            sb_value_text(b, f);
        }
    }
    for (unsigned i = 0; i < e->nfields; i++) {
        const hs_field *f = &e->f[i];
        if (!(f->flags & HS_FF_DECODED) && !bare_key(f->key)) {
            sb_printf(b, " %s=", f->key);
            sb_value_text(b, f);
        }
    }
    /* the timeline shows message payloads; the equalizer's constellation points (v34.eq) are
     * for the GUI and the JSON stream, not for reading */
    if (e->payload_kind != HS_PAYLOAD_NONE && e->npayload && e->type != HS_EV_V34_EQ) {
        sb_puts(b, "  ");
        sb_payload_text(b, e);
    }
    /* decoded fields: one group per key ("; " between keys, ", " inside a repeated key) */
    int groups = 0;
    for (unsigned i = 0; i < e->nfields; i++) {
        const hs_field *f = &e->f[i];
        if (!(f->flags & HS_FF_DECODED) || !first_decoded_with_key(e, i)) continue;
        sb_puts(b, groups++ ? "; " : "  ");
        int n = 0;
        for (unsigned j = i; j < e->nfields; j++) {
            const hs_field *g = &e->f[j];
            if (!(g->flags & HS_FF_DECODED) || strcmp(g->key, f->key) != 0) continue;
            if (n++) sb_puts(b, ", ");
            if (g->kind == HS_F_STR) sb_value_text(b, g);
            else {
                sb_printf(b, "%s=", g->key);
                sb_value_text(b, g);
            }
        }
    }
}

size_t hs_evfmt_summary(char *buf, size_t size, const hs_event *e, hs_evsrc src)
{
    sb b;
    sb_init(&b, buf, size);
    summary(&b, e, src, 0);
    return b.len;
}

size_t hs_evfmt_text(char *buf, size_t size, const hs_event *e, hs_evsrc src)
{
    sb b;
    sb_init(&b, buf, size);
    sb_printf(&b, "%7.3f s  ", seconds(e->sample));
    summary(&b, e, src, 1);
    sb_putc(&b, '\n');
    return b.len;
}

size_t hs_evfmt_json(char *buf, size_t size, const hs_event *e, hs_evsrc src)
{
    sb b;
    sb_init(&b, buf, size);
    sb_puts(&b, "{\"t\":");
    sb_num(&b, seconds(e->sample), 1);
    sb_printf(&b, ",\"sample\":%llu,\"t_start\":", (unsigned long long)e->sample);
    sb_num(&b, seconds(e->start), 1);
    sb_printf(&b, ",\"start\":%llu", (unsigned long long)e->start);
    if (src == HS_EVSRC_CHANNEL) sb_printf(&b, ",\"channel\":%u", (unsigned)e->source);
    else {
        char tmp[32];
        sb_puts(&b, ",\"endpoint\":");
        sb_json_str(&b, hs_evfmt_source(e, src, tmp, sizeof tmp));
    }
    sb_puts(&b, ",\"type\":");
    sb_json_str(&b, hs_ev_type_name((hs_ev_type)e->type));
    int ndec = 0;
    for (unsigned i = 0; i < e->nfields; i++) {
        const hs_field *f = &e->f[i];
        if (f->flags & HS_FF_DECODED) { ndec++; continue; }
        sb_putc(&b, ',');
        sb_json_str(&b, f->key);
        sb_putc(&b, ':');
        sb_value_json(&b, f);
    }
    if (ndec) {
        sb_puts(&b, ",\"fields\":{");
        int groups = 0;
        for (unsigned i = 0; i < e->nfields; i++) {
            const hs_field *f = &e->f[i];
            if (!(f->flags & HS_FF_DECODED) || !first_decoded_with_key(e, i)) continue;
            int count = 0;
            for (unsigned j = i; j < e->nfields; j++)
                if ((e->f[j].flags & HS_FF_DECODED) && strcmp(e->f[j].key, f->key) == 0) count++;
            if (groups++) sb_putc(&b, ',');
            sb_json_str(&b, f->key);
            sb_putc(&b, ':');
            if (count > 1) sb_putc(&b, '[');
            int n = 0;
            for (unsigned j = i; j < e->nfields; j++) {
                const hs_field *g = &e->f[j];
                if (!(g->flags & HS_FF_DECODED) || strcmp(g->key, f->key) != 0) continue;
                if (n++) sb_putc(&b, ',');
                sb_value_json(&b, g);
            }
            if (count > 1) sb_putc(&b, ']');
        }
        sb_putc(&b, '}');
    }
    if (e->payload_kind == HS_PAYLOAD_OCTETS) {
        sb_puts(&b, ",\"octets\":\"");
        sb_payload_text(&b, e);
        sb_putc(&b, '"');
    } else if (e->payload_kind == HS_PAYLOAD_BITS) {
        sb_puts(&b, ",\"bits\":\"");
        sb_payload_text(&b, e);
        sb_putc(&b, '"');
    }
    sb_puts(&b, "}\n");
    return b.len;
}

/* ---- labels ---- */

struct hs_labels {
    hs_evsrc  src;
    hs_event *ev;
    size_t    n, cap;
};

hs_labels *hs_labels_create(hs_evsrc src)
{
    hs_labels *l = calloc(1, sizeof *l);
    if (l) l->src = src;
    return l;
}

void hs_labels_destroy(hs_labels *l)
{
    if (!l) return;
    free(l->ev);
    free(l);
}

size_t hs_labels_count(const hs_labels *l) { return l->n; }

int hs_labels_add(hs_labels *l, const hs_event *e)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        hs_event *ev = realloc(l->ev, cap * sizeof *ev);
        if (!ev) return -1;
        l->ev = ev;
        l->cap = cap;
    }
    l->ev[l->n++] = *e;
    return 0;
}

typedef struct {
    uint64_t start, end;
    size_t   index;   /* insertion order, for a stable sort */
} span;

static int span_cmp(const void *pa, const void *pb)
{
    const span *a = pa, *b = pb;
    if (a->start != b->start) return a->start < b->start ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

int hs_labels_write(const hs_labels *l, FILE *f, uint64_t end_sample)
{
    span *s = l->n ? malloc(l->n * sizeof *s) : NULL;
    if (l->n && !s) return -1;
    for (size_t i = 0; i < l->n; i++) {
        const hs_event *e = &l->ev[i];
        s[i].index = i;
        if (e->type == HS_EV_TX) {
            s[i].start = e->sample;
            s[i].end = end_sample > e->sample ? end_sample : e->sample;
            for (size_t j = i + 1; j < l->n; j++)
                if (l->ev[j].type == HS_EV_TX && l->ev[j].source == e->source) {
                    s[i].end = l->ev[j].sample;
                    break;
                }
        } else {
            s[i].start = e->start <= e->sample ? e->start : e->sample;
            s[i].end = e->sample;
        }
    }
    if (l->n) qsort(s, l->n, sizeof *s, span_cmp);
    int err = 0;
    char text[HS_EVFMT_MAX];
    for (size_t k = 0; k < l->n; k++) {
        const hs_event *e = &l->ev[s[k].index];
        /* silence on a tx track is the absence of a label */
        const hs_field *sig = e->type == HS_EV_TX ? hs_event_field(e, "signal") : NULL;
        if (sig && sig->kind == HS_F_STR && sig->v.s && strcmp(sig->v.s, "silence") == 0) continue;
        hs_evfmt_summary(text, sizeof text, e, l->src);
        for (char *p = text; *p; p++)
            if (*p == '\t' || *p == '\n') *p = ' ';
        if (fprintf(f, "%.6f\t%.6f\t%s\n", seconds(s[k].start), seconds(s[k].end), text) < 0) err = -1;
    }
    free(s);
    return err;
}
