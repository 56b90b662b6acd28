/* dsp/sim.c: caller + answerer + line, run in lock step (contract: dsp/sim.h).
 *
 * Each modem must receive a sample before it can send one, and the line brings what one
 * end sends to the other only after its delay. So the runner goes in chunks no longer than
 * the line's lookahead (capped at CHUNK_MAX): the line gives both receivers the chunk's
 * input (sent in earlier chunks), the modems run on it, and what they sent goes into the
 * line. Every block is sample-exact inside, so the split into chunks changes nothing.
 *
 * Everything that decides when the run ends looks only at fixed sample numbers: the modems'
 * status is read at multiples of the chunk length (a grid independent of the block sizes
 * the caller asks for), the run ends tail_s after that, or at exactly max_s. */
#include "sim.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_MAX  160        /* 20 ms */
#define EVQ_SIZE   4096

struct hs_sim {
    hs_sim_config c;
    hs_line  *line;
    hs_modem *m[2];           /* HS_ROLE_CALLER, HS_ROLE_ANSWERER */
    hs_evq   *q;
    size_t    chunk;
    uint64_t  now;
    uint64_t  max_samples;
    uint64_t  tail_samples;
    uint64_t  end;            /* UINT64_MAX until both modems finished */
    int       finished;
    hs_event  head[2];        /* next event of each modem, not yet merged */
    int       have[2];
    float     tx[2][CHUNK_MAX];
    float     rx[2][CHUNK_MAX];
};

hs_sim_config hs_sim_config_default(void)
{
    hs_sim_config c;
    c.line = hs_line_config_default();
    c.caller = hs_modem_config_default(HS_ROLE_CALLER);
    c.answerer = hs_modem_config_default(HS_ROLE_ANSWERER);
    c.max_s = 60.0;
    c.tail_s = 0.3;
    return c;
}

const char *hs_sim_config_problem(const hs_sim_config *c)
{
    if (!c) return "no sim config";
    const char *p = hs_line_config_problem(&c->line);
    if (p) return p;
    if (c->caller.role != HS_ROLE_CALLER) return "caller: role must be caller";
    if (c->answerer.role != HS_ROLE_ANSWERER) return "answerer: role must be answerer";
    if ((p = hs_modem_config_problem(&c->caller)) != NULL) return p;
    if ((p = hs_modem_config_problem(&c->answerer)) != NULL) return p;
    if (!(c->max_s > 0.0 && c->max_s <= 3600.0)) return "max_s must be between 0 and 3600 s";
    if (!(c->tail_s >= 0.0 && c->tail_s <= 10.0)) return "tail_s must be between 0 and 10 s";
    return NULL;
}

void hs_sim_destroy(hs_sim *s)
{
    if (!s) return;
    hs_line_destroy(s->line);
    hs_modem_destroy(s->m[0]);
    hs_modem_destroy(s->m[1]);
    hs_evq_destroy(s->q);
    free(s);
}

hs_err hs_sim_create(const hs_sim_config *c, hs_sim **out)
{
    if (!out) return HS_EINVAL;
    *out = NULL;
    if (hs_sim_config_problem(c)) return HS_EINVAL;
    hs_sim *s = calloc(1, sizeof *s);
    if (!s) return HS_ENOMEM;
    s->c = *c;
    hs_err e = hs_line_create(&c->line, &s->line);
    if (e == HS_OK) e = hs_modem_create(&c->caller, &s->m[HS_ROLE_CALLER]);
    if (e == HS_OK) e = hs_modem_create(&c->answerer, &s->m[HS_ROLE_ANSWERER]);
    if (e == HS_OK && hs_evq_create(EVQ_SIZE, &s->q) != 0) e = HS_ENOMEM;
    if (e != HS_OK) {
        hs_sim_destroy(s);
        return e;
    }
    size_t la = hs_line_get_lookahead(s->line);
    s->chunk = la < CHUNK_MAX ? la : CHUNK_MAX;
    s->max_samples = (uint64_t)llround(c->max_s * HS_RATE);
    s->tail_samples = (uint64_t)llround(c->tail_s * HS_RATE);
    s->end = UINT64_MAX;
    *out = s;
    return HS_OK;
}

/* Moves every pending modem event into the queue, in sample order (caller first on ties). */
static void merge_events(hs_sim *s)
{
    for (;;) {
        for (int k = 0; k < 2; k++)
            if (!s->have[k]) s->have[k] = hs_modem_poll(s->m[k], &s->head[k]);
        if (!s->have[0] && !s->have[1]) return;
        int k = !s->have[0] ? 1 : !s->have[1] ? 0 : s->head[1].sample < s->head[0].sample;
        hs_evq_push(s->q, &s->head[k]);
        s->have[k] = 0;
    }
}

static int modem_running(const hs_sim *s, int k)
{
    return hs_modem_get_status(s->m[k]) == HS_MODEM_RUNNING;
}

static void finish_at_limit(hs_sim *s)
{
    for (int k = 0; k < 2; k++) {
        if (!modem_running(s, k)) continue;
        hs_event e;
        hs_event_init(&e, HS_EV_RESULT, (uint8_t)(k == HS_ROLE_CALLER ? HS_SRC_CALLER : HS_SRC_ANSWERER),
                      s->now);
        hs_event_bool(&e, "ok", 0);
        hs_event_str(&e, "reason", "timeout");
        hs_evq_push(s->q, &e);
    }
    s->finished = 1;
}

size_t hs_sim_step(hs_sim *s, size_t n, float *caller_tx, float *answerer_tx,
                   float *to_caller, float *to_answerer)
{
    assert(s);
    size_t done = 0;
    while (done < n && !s->finished) {
        uint64_t limit = s->end < s->max_samples ? s->end : s->max_samples;
        uint64_t m = s->chunk - s->now % s->chunk;          /* up to the next grid point */
        if (m > n - done) m = n - done;
        if (m > limit - s->now) m = limit - s->now;
        size_t k = (size_t)m;
        float *rx_a = s->rx[HS_ROLE_CALLER], *rx_b = s->rx[HS_ROLE_ANSWERER];
        float *tx_a = s->tx[HS_ROLE_CALLER], *tx_b = s->tx[HS_ROLE_ANSWERER];
        hs_line_output(s->line, rx_b, rx_a, k);
        hs_modem_process(s->m[HS_ROLE_CALLER], rx_a, tx_a, k);
        hs_modem_process(s->m[HS_ROLE_ANSWERER], rx_b, tx_b, k);
        hs_line_input(s->line, tx_a, tx_b, k);
        if (caller_tx) memcpy(caller_tx + done, tx_a, k * sizeof *tx_a);
        if (answerer_tx) memcpy(answerer_tx + done, tx_b, k * sizeof *tx_b);
        if (to_caller) memcpy(to_caller + done, rx_a, k * sizeof *rx_a);
        if (to_answerer) memcpy(to_answerer + done, rx_b, k * sizeof *rx_b);
        s->now += m;
        done += k;
        merge_events(s);
        if (s->end == UINT64_MAX && s->now % s->chunk == 0 && !modem_running(s, 0) &&
            !modem_running(s, 1))
            s->end = s->now + s->tail_samples;
        if (s->now >= s->end) s->finished = 1;
        else if (s->now >= s->max_samples) finish_at_limit(s);
    }
    return done;
}

int hs_sim_poll(hs_sim *s, hs_event *ev) { return hs_evq_pop(s->q, ev); }
int hs_sim_finished(const hs_sim *s) { return s->finished; }
uint64_t hs_sim_get_now(const hs_sim *s) { return s->now; }

const hs_modem *hs_sim_get_modem(const hs_sim *s, hs_role role)
{
    return role == HS_ROLE_ANSWERER ? s->m[HS_ROLE_ANSWERER] : s->m[HS_ROLE_CALLER];
}
