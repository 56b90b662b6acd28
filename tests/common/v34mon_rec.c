/* tests/common/v34mon_rec.c: see v34mon_rec.h. */
#include "v34mon_rec.h"

#include <stdlib.h>
#include <string.h>

#include "line.h"
#include "modem.h"
#include "sim.h"

int v34mon_rec_make(v34mon_rec *r, double line_snr_db)
{
    memset(r, 0, sizeof *r);
    hs_sim_config c = hs_sim_config_default();
    c.caller.stop_after = HS_STOP_AFTER_PHASE2;
    c.answerer.stop_after = HS_STOP_AFTER_PHASE2;
    if (line_snr_db > 0.0) c.line.snr_db = line_snr_db;
    c.max_s = 20.0;
    c.tail_s = 0.3;
    hs_sim *s;
    if (hs_sim_create(&c, &s) != HS_OK) return -1;
    size_t cap = (size_t)(c.max_s * HS_RATE) + 160, ecap = 4096;
    r->caller = malloc(cap * sizeof(float));
    r->answerer = malloc(cap * sizeof(float));
    r->ev = malloc(ecap * sizeof *r->ev);
    if (!r->caller || !r->answerer || !r->ev) { hs_sim_destroy(s); v34mon_rec_free(r); return -1; }
    size_t got;
    int ok_c = 0, ok_a = 0;
    while ((got = hs_sim_step(s, 160, r->caller + r->n, r->answerer + r->n, NULL, NULL)) > 0) {
        r->n += got;
        hs_event e;
        while (hs_sim_poll(s, &e)) {
            if (e.type == HS_EV_RESULT) {
                const hs_field *f = hs_event_field(&e, "ok");
                if (e.source == HS_SRC_CALLER) ok_c = f && f->v.i; else ok_a = f && f->v.i;
            }
            if (r->nev < ecap) r->ev[r->nev++] = e;
        }
        if (r->n + 160 > cap) break;
    }
    hs_sim_destroy(s);
    hs_line *l;
    if (hs_line_create(&c.line, &l) == HS_OK) {
        r->delay = (double)hs_line_get_delay_samples(l);
        hs_line_destroy(l);
    }
    r->ok = ok_c && ok_a;
    return 0;
}

void v34mon_rec_free(v34mon_rec *r)
{
    free(r->caller);
    free(r->answerer);
    free(r->ev);
    memset(r, 0, sizeof *r);
}

int v34mon_rec_tx_span(const v34mon_rec *r, int source, const char *signal, int i,
                       uint64_t *start, uint64_t *end)
{
    for (size_t k = 0; k < r->nev; k++) {
        const hs_event *e = &r->ev[k];
        if (e->type != HS_EV_TX || e->source != source) continue;
        const hs_field *f = hs_event_field(e, "signal");
        if (!f || strcmp(f->v.s, signal) != 0) continue;
        if (i-- > 0) continue;
        *start = e->sample;
        *end = r->n;
        for (size_t j = k + 1; j < r->nev; j++)
            if (r->ev[j].type == HS_EV_TX && r->ev[j].source == source) { *end = r->ev[j].sample; break; }
        return 1;
    }
    return 0;
}

const hs_event *v34mon_rec_find(const v34mon_rec *r, hs_ev_type type, int i)
{
    for (size_t k = 0; k < r->nev; k++)
        if (r->ev[k].type == type && i-- == 0) return &r->ev[k];
    return NULL;
}

#include <stdio.h>

#include "cli_json.h"
#include "hs_test.h"

void v34mon_obs_from_event(const hs_event *e, v34mon_obs *o)
{
    memset(o, 0, sizeof *o);
    o->type = e->type;
    o->start = e->start;
    o->sample = e->sample;
    o->channel = e->source;
    const hs_field *f = hs_event_field(e, "crc_ok");
    o->crc_ok = f ? (int)f->v.i : -1;
    f = hs_event_field(e, "carrier_hz");
    o->carrier_hz = f ? (int)f->v.i : 0;
    if (e->payload_kind == HS_PAYLOAD_BITS) {
        size_t k = 0;
        for (; k < e->npayload && k + 1 < sizeof o->bits; k++) o->bits[k] = (char)('0' + e->payload[k]);
        o->bits[k] = 0;
    }
}

int v34mon_obs_from_json(const char *line, v34mon_obs *o)
{
    char v[256];
    memset(o, 0, sizeof *o);
    if (!cli_json_get(line, "type", v, sizeof v)) return 0;
    o->type = HS_EV_NONE;
    for (int t = HS_EV_V34_INFO0A; t <= HS_EV_V34_L2; t++)
        if (strcmp(v, hs_ev_type_name((hs_ev_type)t)) == 0) o->type = t;
    if (o->type == HS_EV_NONE) return 0;
    if (cli_json_get(line, "start", v, sizeof v)) o->start = strtoull(v, NULL, 10);
    if (cli_json_get(line, "sample", v, sizeof v)) o->sample = strtoull(v, NULL, 10);
    o->crc_ok = cli_json_get(line, "crc_ok", v, sizeof v) ? strcmp(v, "true") == 0 : -1;
    if (cli_json_get(line, "carrier_hz", v, sizeof v)) o->carrier_hz = atoi(v);
    if (cli_json_get(line, "channel", v, sizeof v)) o->channel = atoi(v);
    if (cli_json_get(line, "bits", v, sizeof v)) {
        size_t k = strlen(v) < sizeof o->bits - 1 ? strlen(v) : sizeof o->bits - 1;
        memcpy(o->bits, v, k);
        o->bits[k] = 0;
    }
    return 1;
}

static double ms_of(double samples) { return samples * 1000.0 / HS_RATE; }

/* The observation of `type` that overlaps [s, e] most. */
static const v34mon_obs *best_overlap(const v34mon_obs *obs, size_t n, int type, uint64_t s, uint64_t e)
{
    const v34mon_obs *best = NULL;
    int64_t bo = 0;
    for (size_t i = 0; i < n; i++) {
        if (obs[i].type != type) continue;
        uint64_t a = obs[i].start > s ? obs[i].start : s, b = obs[i].sample < e ? obs[i].sample : e;
        int64_t ov = (int64_t)b - (int64_t)a;
        if (!best || ov > bo) { best = &obs[i]; bo = ov; }
    }
    return best && bo > 0 ? best : NULL;
}

static int span_check(const char *label, const char *what, const v34mon_obs *obs, size_t n,
                      int type, uint64_t s, uint64_t e, double tol_ms, double *worst)
{
    char w[200];
    const v34mon_obs *o = best_overlap(obs, n, type, s, e);
    snprintf(w, sizeof w, "%s: %s found (truth %.1f-%.1f ms)", label, what, ms_of((double)s), ms_of((double)e));
    if (!hs_check_true(w, o != NULL)) return 1;
    double ds = ms_of((double)o->start - (double)s), de = ms_of((double)o->sample - (double)e);
    if (fabs(ds) > *worst) *worst = fabs(ds);
    if (fabs(de) > *worst) *worst = fabs(de);
    int f = 0;
    snprintf(w, sizeof w, "%s: %s start error", label, what);
    f += !hs_check_near(w, ds, 0.0, tol_ms, "ms");
    snprintf(w, sizeof w, "%s: %s end error", label, what);
    f += !hs_check_near(w, de, 0.0, tol_ms, "ms");
    return f;
}

int v34mon_rec_check(const v34mon_rec *r, const v34mon_obs *obs, size_t n, int caller,
                     int answerer, double tol_ms, const char *label)
{
    int fails = 0;
    char w[400];
    double worst = 0.0;
    /* INFO frames: what the sim's receivers decoded, sent by the modem that is present */
    static const struct { int type, from_caller; const char *name; } fr[] = {
        { HS_EV_V34_INFO0C, 1, "INFO0c" }, { HS_EV_V34_INFO1C, 1, "INFO1c" },
        { HS_EV_V34_INFO0A, 0, "INFO0a" }, { HS_EV_V34_INFO1A, 0, "INFO1a" },
    };
    for (size_t k = 0; k < 4; k++) {
        if (fr[k].from_caller ? !caller : !answerer) continue;
        const hs_event *t = v34mon_rec_find(r, (hs_ev_type)fr[k].type, 0);
        snprintf(w, sizeof w, "%s: the sim decoded %s", label, fr[k].name);
        if (!hs_check_true(w, t != NULL)) { fails++; continue; }
        v34mon_obs want;
        v34mon_obs_from_event(t, &want);
        const v34mon_obs *got = NULL;
        for (size_t i = 0; i < n && !got; i++)
            if (obs[i].type == fr[k].type && obs[i].crc_ok == 1 && strcmp(obs[i].bits, want.bits) == 0)
                got = &obs[i];
        snprintf(w, sizeof w, "%s: %s decoded, crc_ok, same %zu bits as the sim (%s)", label,
                 fr[k].name, strlen(want.bits), want.bits);
        if (!hs_check_true(w, got != NULL)) { fails++; continue; }
        snprintf(w, sizeof w, "%s: %s carrier", label, fr[k].name);
        fails += !hs_check_int(w, got->carrier_hz, fr[k].from_caller ? 1200 : 2400);
        /* the same receiver and dating rule as the sim's: within 2 ms of its line time */
        snprintf(w, sizeof w, "%s: %s start error", label, fr[k].name);
        fails += !hs_check_near(w, ms_of((double)got->start - ((double)t->start - r->delay)), 0.0, 2.0, "ms");
    }
    /* no frame with a bad CRC, no frame twice */
    int bad = 0, frames = 0;
    for (size_t i = 0; i < n; i++) {
        if (obs[i].type < HS_EV_V34_INFO0A || obs[i].type > HS_EV_V34_INFO1A) continue;
        frames++;
        bad += obs[i].crc_ok != 1;
    }
    snprintf(w, sizeof w, "%s: frames with a bad CRC", label);
    fails += !hs_check_int(w, bad, 0);
    snprintf(w, sizeof w, "%s: frames reported", label);
    fails += !hs_check_int(w, frames, 2 * (caller + answerer));

    /* tones, L1 and L2: from the transmit events of the modem that sent them */
    uint64_t s, e;
    for (int i = 0; caller && v34mon_rec_tx_span(r, HS_SRC_CALLER, "Tone B", i, &s, &e); i++) {
        snprintf(w, sizeof w, "Tone B #%d", i + 1);
        fails += span_check(label, w, obs, n, HS_EV_V34_TONE_B, s, e, tol_ms, &worst);
    }
    for (int i = 0; answerer && v34mon_rec_tx_span(r, HS_SRC_ANSWERER, "Tone A", i, &s, &e); i++) {
        snprintf(w, sizeof w, "Tone A #%d", i + 1);
        fails += span_check(label, w, obs, n, HS_EV_V34_TONE_A, s, e, tol_ms, &worst);
    }
    for (int side = 0; side < 2; side++) {
        if (side == 0 ? !caller : !answerer) continue;
        int src = side == 0 ? HS_SRC_CALLER : HS_SRC_ANSWERER;
        const char *who = side == 0 ? "caller" : "answerer";
        if (v34mon_rec_tx_span(r, src, "L1", 0, &s, &e)) {
            snprintf(w, sizeof w, "%s's L1", who);
            fails += span_check(label, w, obs, n, HS_EV_V34_L1, s, e, tol_ms, &worst);
        }
        if (v34mon_rec_tx_span(r, src, "L2", 0, &s, &e)) {
            /* L2 stops when the modem hears the far tone (its own tone event), even when it
             * then waits in silence before its next signal (the caller's gap before INFO1c) */
            for (size_t k = 0; k < r->nev; k++) {
                const hs_event *t = &r->ev[k];
                if (t->source == src && t->sample > s && t->sample < e
                    && (t->type == HS_EV_V34_TONE_A || t->type == HS_EV_V34_TONE_B)) { e = t->sample; break; }
            }
            snprintf(w, sizeof w, "%s's L2", who);
            fails += span_check(label, w, obs, n, HS_EV_V34_L2, s, e, tol_ms, &worst);
        }
    }
    /* reversals: the sim's receivers time them at their line terminals (+ the line delay) */
    int nrev = 0;
    double rworst = 0.0;
    for (size_t k = 0; k < r->nev; k++) {
        const hs_event *t = &r->ev[k];
        if (t->type != HS_EV_V34_REVERSAL) continue;
        int from_answerer = t->source == HS_SRC_CALLER;    /* the caller hears Tone A */
        if (from_answerer ? !answerer : !caller) continue;
        /* the sim's receivers also report a lone "1" after a run of zeros inside a frame
         * (INFO1c) as a reversal: that is no tone reversal */
        int in_frame = 0;
        for (size_t j = 0; j < r->nev; j++) {
            const hs_event *f = &r->ev[j];
            if (f->source == t->source && f->type >= HS_EV_V34_INFO0A && f->type <= HS_EV_V34_INFO1A
                && t->start >= f->start && t->start <= f->sample)
                in_frame = 1;
        }
        if (in_frame) continue;
        double tt = (double)t->start - r->delay;
        const v34mon_obs *best = NULL;
        for (size_t i = 0; i < n; i++)
            if (obs[i].type == HS_EV_V34_REVERSAL
                && (!best || fabs((double)obs[i].start - tt) < fabs((double)best->start - tt)))
                best = &obs[i];
        snprintf(w, sizeof w, "%s: reversal of Tone %s at %.1f ms", label, from_answerer ? "A" : "B", ms_of(tt));
        if (!hs_check_true(w, best != NULL)) { fails++; continue; }
        double d = ms_of((double)best->start - tt);
        if (fabs(d) > rworst) rworst = fabs(d);
        /* both use the dpsk receiver's zero-crossing time (RTD within 1 ms): 2 ms */
        fails += !hs_check_near(w, d, 0.0, 2.0, "ms");
        nrev++;
    }
    int got_rev = 0;
    for (size_t i = 0; i < n; i++) got_rev += obs[i].type == HS_EV_V34_REVERSAL;
    snprintf(w, sizeof w, "%s: reversals reported", label);
    fails += !hs_check_int(w, got_rev, nrev);
    printf("%s: worst tone/L1/L2 edge error %.2f ms, worst reversal error %.2f ms\n", label, worst, rworst);
    return fails;
}
