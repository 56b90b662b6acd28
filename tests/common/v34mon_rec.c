/* tests/common/v34mon_rec.c: see v34mon_rec.h. */
#include "v34mon_rec.h"

#include <stdlib.h>
#include <string.h>

#include "line.h"
#include "modem.h"
#include "sim.h"

int v34mon_rec_make(v34mon_rec *r)
{
    memset(r, 0, sizeof *r);
    hs_sim_config c = hs_sim_config_default();
    c.caller.stop_after = HS_STOP_AFTER_PHASE2;
    c.answerer.stop_after = HS_STOP_AFTER_PHASE2;
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
