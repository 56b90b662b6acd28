/* dsp/v34mon34: the passive phase 3/4 recogniser on one modem's transmission from the real
 * sim (dsp/sim.h, V.8 -> CONNECT on its default line), fed directly (no monitor, no WAV):
 * the answerer's channel must give S, PP, TRN, J, S (phase 4), TRN, MP/MP' with good CRCs,
 * E and B1 at the sim's transmit times (tolerances derived in tests/e2e/test_analyze_v34p34.c:
 * 1 ms for symbol-derived starts, 5 ms for the S onset, J = tx + 16 T); the same events for
 * blocks of 1, 7, 160 and the whole recording; two runs give the same events; a direction
 * never started reports nothing; bad arguments are refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs.h"
#include "hs_test.h"
#include "mp.h"
#include "sim.h"
#include "v34mon34.h"
#include "v34p34.h"

#define MAXEV 128

typedef struct {
    float   *caller, *answerer;
    size_t   n;
    hs_event ev[1024];
    size_t   nev;
    int      sr, high_a, high_c;
} rec;

static rec R;
static hs_event got[MAXEV];

static int make(void)
{
    if (R.n) return 0;
    hs_sim_config c = hs_sim_config_default();
    c.max_s = 12.0;
    c.caller.stop_after = c.answerer.stop_after = HS_STOP_AT_CONNECT;
    hs_sim *s;
    if (hs_sim_create(&c, &s) != HS_OK) return -1;
    size_t cap = (size_t)(c.max_s * HS_RATE) + 160;
    R.caller = malloc(cap * sizeof(float));
    R.answerer = malloc(cap * sizeof(float));
    if (!R.caller || !R.answerer) { hs_sim_destroy(s); return -1; }
    size_t k;
    R.sr = -1;
    while (R.n + 160 <= cap && (k = hs_sim_step(s, 160, R.caller + R.n, R.answerer + R.n, NULL, NULL)) > 0) {
        R.n += k;
        hs_event e;
        while (hs_sim_poll(s, &e)) {
            if (R.nev < sizeof R.ev / sizeof R.ev[0]) R.ev[R.nev++] = e;
            if (e.type == HS_EV_CONNECT) {
                const hs_field *sr = hs_event_field(&e, "symbol_rate"), *fc = hs_event_field(&e, "carrier_hz");
                if (sr && fc) {
                    R.sr = hs_v34_symbol_rate_index((int)(sr->v.x + 0.5));
                    int h = hs_v34_is_high_carrier(R.sr, fc->v.x);
                    if (e.source == HS_SRC_CALLER) R.high_c = h; else R.high_a = h;
                }
            }
        }
    }
    hs_sim_destroy(s);
    return R.sr >= 0 ? 0 : -1;
}

/* Start of the i-th tx of `signal` by `src`, -1 if none. */
static long long tx_at(int src, const char *signal, int i)
{
    for (size_t k = 0; k < R.nev; k++) {
        const hs_event *e = &R.ev[k];
        const hs_field *f = hs_event_field(e, "signal");
        if (e->type == HS_EV_TX && e->source == src && f && strcmp(f->v.s, signal) == 0 && i-- == 0)
            return (long long)e->start;
    }
    return -1;
}

/* Runs the recogniser on the answerer's transmission in blocks of `blk` (0 = whole),
 * started 50 ms before the answerer's phase-3 S. Returns the number of events. */
static size_t run(size_t blk, int start_dir)
{
    hs_v34mon34 *m;
    if (hs_v34mon34_create(2, &m) != HS_OK) return 0;
    size_t at = (size_t)tx_at(HS_SRC_ANSWERER, "S", 0) - 400, n = 0, i = 0;
    int started = 0;
    while (i < R.n) {
        size_t take = blk ? blk : R.n;
        if (!started && i + take > at) take = at - i;
        if (!started && i == at) {
            if (start_dir) hs_v34mon34_start(m, 0, R.sr, R.high_a);
            started = 1;
            continue;
        }
        if (take > R.n - i) take = R.n - i;
        hs_v34mon34_process(m, R.answerer + i, take);
        i += take;
        while (n < MAXEV && hs_v34mon34_poll(m, &got[n])) n++;
    }
    hs_v34mon34_destroy(m);
    return n;
}

static const hs_event *find(size_t n, hs_ev_type t, int phase, int i)
{
    for (size_t k = 0; k < n; k++) {
        const hs_field *p = hs_event_field(&got[k], "phase");
        if (got[k].type == t && (phase < 0 || (p && p->v.i == phase)) && i-- == 0) return &got[k];
    }
    return NULL;
}

static void at(size_t n, hs_ev_type t, int phase, const char *signal, int i, double shift, double tol)
{
    char what[96];
    snprintf(what, sizeof what, "%s (phase %d) start - tx %s, samples", hs_ev_type_name(t), phase, signal);
    const hs_event *e = find(n, t, phase, 0);
    long long want = tx_at(HS_SRC_ANSWERER, signal, i);
    if (!hs_check_true(what, e && want >= 0)) return;
    hs_check_near(what, (double)((long long)e->start - want), shift, tol, "samples");
}

static int answerer_sequence(void)
{
    if (!hs_check_true("sim recording V.8 -> CONNECT", make() == 0)) return 0;
    size_t n = run(0, 1);
    for (size_t k = 0; k < n; k++) printf("  %s sample %llu start %llu\n", hs_ev_type_name((hs_ev_type)got[k].type),
                                          (unsigned long long)got[k].sample, (unsigned long long)got[k].start);
    const double T = HS_RATE / hs_v34_symbol_rate(R.sr);
    at(n, HS_EV_V34_S, 3, "S", 0, 0.0, 40.0);
    at(n, HS_EV_V34_PP, 3, "PP", 0, 0.0, 8.0);
    at(n, HS_EV_V34_TRN, 3, "TRN", 0, 0.0, 8.0);
    at(n, HS_EV_V34_J, 3, "J", 0, 16 * T, 8.0);
    at(n, HS_EV_V34_S, 4, "S", 1, 0.0, 40.0);
    at(n, HS_EV_V34_TRN, 4, "TRN", 1, 0.0, 8.0);
    at(n, HS_EV_V34_E, 4, "E", 0, 0.0, 8.0);
    at(n, HS_EV_V34_B1, 4, "B1", 0, 0.0, 8.0);
    int mp = 0, ok = 0;
    for (const hs_event *e; (e = find(n, HS_EV_V34_MP, 4, mp)); mp++) {
        const hs_field *f = hs_event_field(e, "crc_ok");
        ok += f && f->v.i;
    }
    hs_check_above("MP frames decoded", mp, 2, "");
    hs_check_int("MP frames with a good CRC", ok, mp);
    const hs_event *s = find(n, HS_EV_V34_S, 3, 0);
    const hs_field *lv = s ? hs_event_field(s, "level_dbm0") : NULL;
    /* the modem sends at -13 dBm0; the 16 ms average over S: within 1 dB */
    if (hs_check_true("S has level_dbm0", lv != NULL)) hs_check_near("S level", lv->v.x, -13.0, 1.0, "dBm0");
    return 0;
}

static int chunking_determinism(void)
{
    if (!hs_check_true("sim recording", make() == 0)) return 0;
    static hs_event ref[MAXEV];
    size_t nref = run(0, 1);
    memcpy(ref, got, sizeof ref);
    hs_check_above("events", (double)nref, 10, "");
    const size_t blks[4] = { 1, 7, 160, 0 };
    for (int b = 0; b < 4; b++) {
        size_t n = run(blks[b], 1);
        int same = n == nref;
        for (size_t k = 0; same && k < n; k++)
            same = got[k].type == ref[k].type && got[k].sample == ref[k].sample && got[k].start == ref[k].start &&
                   got[k].npayload == ref[k].npayload && !memcmp(got[k].payload, ref[k].payload, got[k].npayload);
        char what[64];
        snprintf(what, sizeof what, "blocks of %zu: same events as whole", blks[b]);
        hs_check_true(what, same);
    }
    hs_check_int("a direction never started: events", (long long)run(160, 0), 0);
    return 0;
}

static int bad_args(void)
{
    hs_v34mon34 *m;
    if (!hs_check_true("create", hs_v34mon34_create(1, &m) == HS_OK)) return 0;
    hs_check_int("symbol rate index 6 refused", hs_v34mon34_start(m, 1, 6, 0), HS_EINVAL);
    hs_check_int("symbol rate index -1 refused", hs_v34mon34_start(m, 0, -1, 0), HS_EINVAL);
    hs_check_int("not started", hs_v34mon34_started(m, 1), 0);
    hs_check_int("start 3200 Bd", hs_v34mon34_start(m, 1, 4, 1), HS_OK);
    hs_check_int("started", hs_v34mon34_started(m, 1), 1);
    float z[800] = { 0 };
    hs_v34mon34_process(m, z, 800);
    hs_event e;
    hs_check_int("silence: no events", hs_v34mon34_poll(m, &e), 0);
    hs_v34mon34_destroy(m);
    hs_v34mon34_destroy(NULL);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(answerer_sequence),
    HS_CASE(chunking_determinism),
    HS_CASE(bad_args)
)
