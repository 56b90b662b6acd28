/* The sim runner: caller + answerer over the line, deterministic for any step size. */
#include "hs_test.h"
#include "sim.h"

#define MAX_SAMPLES (8000 * 45)
#define MAX_EVENTS  2000

typedef struct {
    float   *a_tx, *b_tx, *to_a, *to_b;
    hs_event *ev;
    size_t   n, nev;
    int      finished;
} run_out;

static void out_free(run_out *o)
{
    free(o->a_tx);
    free(o->b_tx);
    free(o->to_a);
    free(o->to_b);
    free(o->ev);
}

/* Runs c to its end in steps of `step` samples (at most MAX_SAMPLES), polling events
 * after every step. Returns 0, or -1 if create failed. */
static int run(const hs_sim_config *c, size_t step, run_out *o)
{
    memset(o, 0, sizeof *o);
    o->a_tx = calloc(MAX_SAMPLES, sizeof(float));
    o->b_tx = calloc(MAX_SAMPLES, sizeof(float));
    o->to_a = calloc(MAX_SAMPLES, sizeof(float));
    o->to_b = calloc(MAX_SAMPLES, sizeof(float));
    o->ev = calloc(MAX_EVENTS, sizeof(hs_event));
    hs_sim *s;
    if (hs_sim_create(c, &s) != HS_OK) return -1;
    for (;;) {
        size_t m = step;
        if (m > MAX_SAMPLES - o->n) m = MAX_SAMPLES - o->n;
        size_t got = m ? hs_sim_step(s, m, o->a_tx + o->n, o->b_tx + o->n, o->to_a + o->n,
                                     o->to_b + o->n)
                       : 0;
        o->n += got;
        hs_event e;
        while (hs_sim_poll(s, &e))
            if (o->nev < MAX_EVENTS) o->ev[o->nev++] = e;
        if (got == 0) break;
    }
    o->finished = hs_sim_finished(s);
    hs_check_int("sim clock = samples returned", (long long)hs_sim_get_now(s), (long long)o->n);
    hs_sim_destroy(s);
    return 0;
}

static int same_event(const hs_event *x, const hs_event *y)
{
    if (x->sample != y->sample || x->start != y->start || x->source != y->source ||
        x->type != y->type || x->nfields != y->nfields || x->payload_kind != y->payload_kind ||
        x->npayload != y->npayload || memcmp(x->payload, y->payload, x->npayload))
        return 0;
    for (int i = 0; i < x->nfields; i++) {
        const hs_field *a = &x->f[i], *b = &y->f[i];
        if (strcmp(a->key, b->key) || a->kind != b->kind || a->flags != b->flags) return 0;
        if (a->kind == HS_F_STR ? strcmp(a->v.s, b->v.s) != 0
            : a->kind == HS_F_NUM ? memcmp(&a->v.x, &b->v.x, sizeof a->v.x) != 0
                                  : a->v.i != b->v.i)
            return 0;
    }
    return 1;
}

static const hs_event *last_result(const run_out *o, int source)
{
    const hs_event *r = NULL;
    for (size_t i = 0; i < o->nev; i++)
        if (o->ev[i].type == HS_EV_RESULT && o->ev[i].source == source) r = &o->ev[i];
    return r;
}

static hs_sim_config impaired(uint64_t seed)
{
    hs_sim_config c = hs_sim_config_default();
    c.line.snr_db = 30;
    c.line.offset_hz = 2.5;
    c.line.ppm = 40;
    c.line.echo_db = -20;
    c.line.echo_ms = 25;
    c.line.delay_ms = 22;
    c.line.seed = seed;
    c.caller.stop_after = HS_STOP_AFTER_V8;
    c.answerer.stop_after = HS_STOP_AFTER_V8;
    c.max_s = 20;
    return c;
}

static int step_sizes_identical(void)
{
    /* Steps 1, 7, 160 and 4000 samples: the same audio on all four wires, bit for bit, and
     * the same event list (every field). */
    hs_sim_config c = impaired(11);
    run_out ref, o;
    hs_check_int("create", run(&c, 4000, &ref), 0);
    hs_check_true("reference run finished", ref.finished);
    hs_check_above("reference run has events", (double)ref.nev, 2, "");
    for (int src = 0; src < 2; src++) {   /* it is a real handshake, not two silent ends */
        const hs_event *r = last_result(&ref, src);
        const hs_field *ok = r ? hs_event_field(r, "ok") : NULL;
        hs_check_true(src ? "answerer: V.8 succeeded" : "caller: V.8 succeeded", ok && ok->v.i == 1);
    }
    const size_t steps[] = { 1, 7, 160 };
    for (int k = 0; k < 3; k++) {
        char what[80];
        run(&c, steps[k], &o);
        snprintf(what, sizeof what, "step %zu: length", steps[k]);
        hs_check_int(what, (long long)o.n, (long long)ref.n);
        size_t nb = (o.n < ref.n ? o.n : ref.n) * sizeof(float);
        snprintf(what, sizeof what, "step %zu: audio identical", steps[k]);
        hs_check_true(what, !memcmp(o.a_tx, ref.a_tx, nb) && !memcmp(o.b_tx, ref.b_tx, nb) &&
                                !memcmp(o.to_a, ref.to_a, nb) && !memcmp(o.to_b, ref.to_b, nb));
        int same = o.nev == ref.nev;
        for (size_t i = 0; same && i < o.nev; i++) same = same_event(&o.ev[i], &ref.ev[i]);
        snprintf(what, sizeof what, "step %zu: events identical (%zu)", steps[k], o.nev);
        hs_check_true(what, same);
        out_free(&o);
    }
    /* events come out in sample order */
    int ordered = 1;
    for (size_t i = 1; i < ref.nev; i++) ordered &= ref.ev[i].sample >= ref.ev[i - 1].sample;
    hs_check_true("events in sample order", ordered);
    out_free(&ref);
    return 0;
}

static int seeds_differ(void)
{
    hs_sim_config c1 = impaired(1), c2 = impaired(2);
    run_out a, b;
    run(&c1, 160, &a);
    run(&c2, 160, &b);
    size_t n = a.n < b.n ? a.n : b.n;
    hs_check_true("different line seeds give different received audio",
                  memcmp(a.to_a, b.to_a, n * sizeof(float)) != 0);
    /* the transmitters are not random: the first 100 ms the caller sends (before it can
     * have heard anything) are the same */
    hs_check_true("the caller's first 100 ms are the same", !memcmp(a.a_tx, b.a_tx, 800 * sizeof(float)));
    out_free(&a);
    out_free(&b);
    return 0;
}

static int silent_answerer_fails(void)
{
    /* The answerer never answers: the caller gives up by itself (its wait for an answer
     * tone is shorter than max_s = 40 s) and the run ends tail_s later, with a failure
     * result from each end. */
    hs_sim_config c = hs_sim_config_default();
    c.answerer.answer_tone = HS_ANSWER_SILENT;
    c.max_s = 40;
    run_out o;
    run(&c, 4000, &o);
    hs_check_true("finished", o.finished);
    hs_check_below("ended by", (double)o.n / HS_RATE, 40.0, "s");
    const hs_event *r = last_result(&o, HS_SRC_CALLER);
    hs_check_true("caller reported a result", r != NULL);
    const hs_field *ok = r ? hs_event_field(r, "ok") : NULL;
    hs_check_true("caller result is a failure", ok && ok->v.i == 0);
    const hs_field *why = r ? hs_event_field(r, "reason") : NULL;
    printf("caller result reason: %s at %.2f s\n", why && why->kind == HS_F_STR ? why->v.s : "?",
           r ? (double)r->sample / HS_RATE : -1.0);
    const hs_event *ra = last_result(&o, HS_SRC_ANSWERER);
    const hs_field *oka = ra ? hs_event_field(ra, "ok") : NULL;
    hs_check_true("answerer result is a failure", oka && oka->v.i == 0);
    /* the run ends tail_s (0.3 s, on the sim's 20 ms status grid) after the last result */
    if (r && ra) {
        double last = (double)(r->sample > ra->sample ? r->sample : ra->sample);
        hs_check_near("end after the last result", ((double)o.n - last) / HS_RATE, 0.31, 0.011, "s");
    }
    out_free(&o);
    return 0;
}

static int timeout_at_max_s(void)
{
    /* max_s = 0.5 s: V.8 cannot finish that soon (ANSam starts >= 0.2 s after connection,
     * V.8 §8.2, and the caller sends CM only after detecting it; CM/JM/CJ at 300 bit/s take
     * hundreds of ms more), so the run stops at exactly 4000 samples with a "timeout"
     * result for each endpoint. */
    hs_sim_config c = hs_sim_config_default();
    c.max_s = 0.5;
    run_out o;
    run(&c, 7, &o);
    hs_check_int("samples run", (long long)o.n, 4000);
    hs_check_true("finished", o.finished);
    for (int src = 0; src < 2; src++) {
        const hs_event *r = last_result(&o, src);
        const hs_field *why = r ? hs_event_field(r, "reason") : NULL;
        hs_check_str(src ? "answerer result reason" : "caller result reason",
                     why && why->kind == HS_F_STR ? why->v.s : NULL, "timeout");
        hs_check_int("  at sample", r ? (long long)r->sample : -1, 4000);
    }
    out_free(&o);
    return 0;
}

static int config_checks(void)
{
    hs_sim_config c = hs_sim_config_default();
    hs_check_true("default config usable", hs_sim_config_problem(&c) == NULL);
    c.max_s = 0;
    hs_check_true("max_s 0 rejected", hs_sim_config_problem(&c) != NULL);
    c = hs_sim_config_default();
    c.caller.role = HS_ROLE_ANSWERER;
    hs_check_true("two answerers rejected", hs_sim_config_problem(&c) != NULL);
    c = hs_sim_config_default();
    c.line.atten_db = -3;
    hs_sim *s = (hs_sim *)1;
    hs_check_int("bad line refused", hs_sim_create(&c, &s), HS_EINVAL);
    hs_check_true("no object", s == NULL);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(step_sizes_identical),
    HS_CASE(seeds_differ),
    HS_CASE(silent_answerer_fails),
    HS_CASE(timeout_at_max_s),
    HS_CASE(config_checks)
)
