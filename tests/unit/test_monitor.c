/* The passive monitor (dsp/monitor.c) on a synthetic V.8 exchange built from the engine's
 * own transmitters: ANSam/ (answerer), CM then CJ on V.21 ch 1, JM on V.21 ch 2, all on one
 * channel as a 2-wire recording would have them. */
#include <string.h>

#include "ansam.h"
#include "fsk.h"
#include "hs_test.h"
#include "level.h"
#include "monitor.h"
#include "rng.h"
#include "v8msg.h"

#define SECONDS 5
#define N (SECONDS * HS_RATE)

static const uint8_t cm_oct[] = { 0xC1, 0x45, 0x13, 0x10, 0x2A };   /* spec/v8.md §6 (a) */

/* Sends `kind` repeatedly on V.21 channel ch from sample a to b (added into x). */
static void fsk_span(float *x, int ch, hs_v8msg_kind kind, size_t a, size_t b, int cj_after)
{
    hs_fsk_config c = hs_fsk_config_v21(ch);
    hs_fsk_tx *tx;
    hs_fsk_tx_create(&c, &tx);
    hs_bitq q;
    hs_bitq_init(&q);
    uint8_t bits[256];
    float y;
    for (size_t i = a; i < b; i++) {
        if (hs_bitq_count(&q) < 80) {
            size_t n = hs_v8msg_encode(kind, cm_oct, sizeof cm_oct, bits, sizeof bits);
            hs_bitq_push_bits(&q, bits, n);
        }
        hs_fsk_tx_process(tx, &q, &y, 1);
        x[i] += y;
    }
    if (cj_after) {
        /* CJ right after the stop bit of the last complete CM octet: here, after the whole
         * sequence (the queue is drained first) */
        size_t i = b;
        while (hs_bitq_count(&q) && i < N) { hs_fsk_tx_process(tx, &q, &y, 1); x[i++] += y; }
        size_t n = hs_v8msg_encode(HS_V8_CJ, NULL, 0, bits, sizeof bits);
        hs_bitq_push_bits(&q, bits, n);
        while (hs_bitq_count(&q) && i < N) { hs_fsk_tx_process(tx, &q, &y, 1); x[i++] += y; }
        for (int k = 0; k < 27 && i < N; k++) { hs_fsk_tx_process(tx, &q, &y, 1); x[i++] += y; }
    }
    hs_fsk_tx_destroy(tx);
}

static float *make_call(double snr_db)
{
    float *x = calloc(N, sizeof *x);
    hs_ansam_config ac = hs_ansam_config_ansam_pr();
    hs_ansam_tx *t;
    hs_ansam_tx_create(&ac, &t);
    hs_ansam_tx_process(t, x + 1600, 20000 - 1600);        /* ANSam/ 0.2 .. 2.5 s */
    hs_ansam_tx_destroy(t);
    fsk_span(x, 1, HS_V8_CM, 12000, 26000, 1);              /* CM 1.5 .. 3.25 s, then CJ */
    fsk_span(x, 2, HS_V8_JM, 20000, 27000, 0);              /* JM 2.5 .. 3.375 s */
    hs_rng r;
    hs_rng_seed(&r, 11);
    double sigma = sqrt(hs_dbm0_to_power(-13.0) / pow(10.0, snr_db / 10.0));
    for (size_t i = 0; i < N; i++) x[i] += (float)(sigma * hs_rng_gauss(&r));
    return x;
}

static size_t run(const float *x, size_t chunk, hs_event *ev, size_t cap)
{
    hs_monitor *m;
    if (hs_monitor_create(1, &m) != HS_OK) return 0;
    size_t n = 0;
    for (size_t i = 0; i < N; i += chunk) {
        hs_monitor_process(m, x + i, N - i < chunk ? N - i : chunk);
        while (n < cap && hs_monitor_poll(m, &ev[n])) n++;
    }
    hs_monitor_finish(m);
    while (n < cap && hs_monitor_poll(m, &ev[n])) n++;
    hs_monitor_destroy(m);
    return n;
}

static const hs_event *find(const hs_event *ev, size_t n, hs_ev_type type)
{
    for (size_t i = 0; i < n; i++)
        if (ev[i].type == type) return &ev[i];
    return NULL;
}

static int octets_are(const hs_event *e, const uint8_t *want, size_t n)
{
    return e && e->payload_kind == HS_PAYLOAD_OCTETS && e->npayload == n && memcmp(e->payload, want, n) == 0;
}

static int v8_exchange(void)
{
    static hs_event ev[64];
    float *x = make_call(30.0);
    size_t n = run(x, 160, ev, 64);
    free(x);
    const hs_event *tone = find(ev, n, HS_EV_TONE), *cm = find(ev, n, HS_EV_V8_CM);
    const hs_event *jm = find(ev, n, HS_EV_V8_JM), *cj = find(ev, n, HS_EV_V8_CJ);
    hs_check_true("tone found", tone != NULL);
    if (tone) {
        const hs_field *f = hs_event_field(tone, "name");
        hs_check_str("tone name", f ? f->v.s : NULL, "ANSam/");
        /* start 0.2 s, end 2.5 s, 10 ms blocks (+ 20 ms onset allowance) */
        hs_check_near("tone start", (double)tone->start / HS_RATE, 0.2, 0.03, "s");
        hs_check_near("tone end", (double)tone->sample / HS_RATE, 2.5, 0.03, "s");
    }
    hs_check_true("CM octets C1 45 13 10 2A", octets_are(cm, cm_oct, 5));
    hs_check_true("JM octets C1 45 13 10 2A", octets_are(jm, cm_oct, 5));
    static const uint8_t zeros[3] = { 0, 0, 0 };
    hs_check_true("CJ", octets_are(cj, zeros, 3));
    if (cm && jm && cj) {
        /* CM starts at 1.5 s with its first sequence; it is accepted after two 70-bit
         * sequences (466.7 ms) plus the header of the third (20 bits, 66.7 ms): 2.033 s.
         * Bits are dated at their start on the recording: within one bit (3.3 ms) + 1 ms. */
        hs_check_near("CM start", (double)cm->start / HS_RATE, 1.5, 0.0045, "s");
        hs_check_near("CM recognised", (double)cm->sample / HS_RATE, 2.0333, 0.0045, "s");
        hs_check_near("JM start", (double)jm->start / HS_RATE, 2.5, 0.0045, "s");
        hs_check_near("JM recognised", (double)jm->sample / HS_RATE, 3.0333, 0.0045, "s");
        const hs_field *v = hs_event_field(cm, "v21");
        hs_check_int("CM on V.21 ch 1", v ? v->v.i : 0, 1);
        v = hs_event_field(jm, "v21");
        hs_check_int("JM on V.21 ch 2", v ? v->v.i : 0, 2);
        const hs_field *l = hs_event_field(jm, "level_dbm0");
        /* JM sent at -13 dBm0; the in-band level estimate may include noise at 30 dB SNR */
        hs_check_near("JM level", l ? l->v.x : (double)NAN, -13.0, 1.0, "dBm0");
        hs_check_true("CM decoded call function", hs_event_field(cm, "call_function") != NULL);
    }
    return 0;
}

static int same_events(const hs_event *a, size_t na, const hs_event *b, size_t nb)
{
    if (na != nb) return 0;
    for (size_t i = 0; i < na; i++) {
        if (a[i].type != b[i].type || a[i].sample != b[i].sample || a[i].start != b[i].start ||
            a[i].nfields != b[i].nfields || a[i].npayload != b[i].npayload ||
            memcmp(a[i].payload, b[i].payload, a[i].npayload) != 0)
            return 0;
        for (unsigned k = 0; k < a[i].nfields; k++)
            if (memcmp(&a[i].f[k].v, &b[i].f[k].v, sizeof a[i].f[k].v) != 0) return 0;
    }
    return 1;
}

static int determinism_and_chunking(void)
{
    static hs_event ref[64], got[64];
    float *x = make_call(20.0);
    size_t nref = run(x, N, ref, 64);
    hs_check_above("events", (double)nref, 4, "");
    size_t again = run(x, N, got, 64);
    hs_check_true("same input, same events", same_events(ref, nref, got, again));
    static const size_t chunks[] = { 1, 7, 160 };
    for (int c = 0; c < 3; c++) {
        size_t n = run(x, chunks[c], got, 64);
        char what[64];
        snprintf(what, sizeof what, "blocks of %zu give the same events", chunks[c]);
        hs_check_true(what, same_events(ref, nref, got, n));
    }
    free(x);
    return 0;
}

static int silence_and_noise(void)
{
    static hs_event ev[64];
    float *x = calloc(N, sizeof *x);
    hs_check_int("silence: no events", (long long)run(x, 160, ev, 64), 0);
    hs_rng r;
    hs_rng_seed(&r, 3);
    for (size_t i = 0; i < N; i++) x[i] = (float)(0.1 * hs_rng_gauss(&r));
    hs_check_int("noise: no events", (long long)run(x, 160, ev, 64), 0);
    free(x);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(v8_exchange),
    HS_CASE(determinism_and_chunking),
    HS_CASE(silence_and_noise)
)
