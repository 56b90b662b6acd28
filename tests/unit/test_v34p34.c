/* V.34 phases 3 and 4: a caller and an answerer over the line simulator train their
 * equalizers and echo cancellers, exchange J, MP and E and connect at the rate the line
 * carries (digest §3.4, §5, §6.4, §9). */
#include <stdlib.h>
#include "v34p34.h"
#include "line.h"
#include "mp.h"
#include "qam.h"
#include "hs_test.h"

typedef struct {
    int      status[2];
    int      rate[2], tx_rate[2], rx_rate[2];
    double   snr[2], erle[2];
    uint64_t connect[2];
    const char *reason[2];
    uint64_t hash;
    int      nev;
    int      order_ok;
    double   t_s[2], t_j[2], t_jp, t_e_rx[2], t_connect[2];   /* event times, s */
    int      neq[2];
} pair_res;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= 0x100000001b3ull; }
    return h;
}

/* Runs both modems over the line for up to max_s seconds, in blocks of `chunk` samples
 * (the line runs sample by sample in between, one sample of extra delay each way). */
static void run_pair_pts(const hs_line_config *lc, int sr, int high, double max_s, size_t chunk,
                         int j_points, pair_res *R)
{
    memset(R, 0, sizeof *R);
    hs_evq *ev;
    hs_evq_create(4096, &ev);
    hs_line *ln;
    hs_line_create(lc, &ln);
    hs_v34p34 *m[2];
    double rtd = 2.0 * (lc->delay_ms + 8.0);
    for (int k = 0; k < 2; k++) {
        hs_v34p34_config c = hs_v34p34_config_default(k ? HS_ROLE_ANSWERER : HS_ROLE_CALLER, sr, high);
        c.rtd_ms = rtd;
        c.j_points = j_points;
        hs_v34p34_create(&c, ev, &m[k]);
    }
    size_t n = (size_t)(max_s * HS_RATE);
    float *buf_a = calloc(chunk, sizeof(float)), *buf_b = calloc(chunk, sizeof(float));
    float *in_a = calloc(chunk, sizeof(float)), *in_b = calloc(chunk, sizeof(float));
    float ta = 0, tb = 0;
    uint64_t h = 1469598103934665603ull, hb = h, he = h;   /* A samples, B samples, events */
    /* event order per source: tx S .. connect */
    int seen_j[2] = { 0, 0 }, seen_mp[2] = { 0, 0 }, seen_e[2] = { 0, 0 };
    R->order_ok = 1;
    for (size_t done = 0; done < n; done += chunk) {
        size_t k = n - done < chunk ? n - done : chunk;
        /* the line, sample by sample, then the two modems on the block: the modems' inputs
         * lag by one block, so blocks must be the same in every run for identical output;
         * here chunking is applied only to the modems (the line gets one sample at a time) */
        for (size_t i = 0; i < k; i++) {
            float tob, toa;
            hs_line_process(ln, &ta, &tb, &tob, &toa, 1);
            in_a[i] = toa;
            in_b[i] = tob;
            hs_v34p34_process(m[0], in_a + i, buf_a + i, 1);
            hs_v34p34_process(m[1], in_b + i, buf_b + i, 1);
            ta = buf_a[i];
            tb = buf_b[i];
        }
        h = fnv(h, buf_a, k * sizeof(float));
        hb = fnv(hb, buf_b, k * sizeof(float));
        hs_event e;
        while (hs_evq_pop(ev, &e)) {
            R->nev++;
            he = fnv(he, &e.sample, sizeof e.sample);
            he = fnv(he, &e.type, sizeof e.type);
            int s = e.source;
            if (e.type == HS_EV_V34_J) seen_j[s] = 1;
            if (e.type == HS_EV_V34_MP) { if (!seen_j[s]) R->order_ok = 0; seen_mp[s] = 1; }
            if (e.type == HS_EV_V34_E) { if (!seen_mp[s]) R->order_ok = 0; seen_e[s] = 1; }
            if (e.type == HS_EV_CONNECT && !seen_e[s]) R->order_ok = 0;
            double t = (double)e.sample / HS_RATE;
            const hs_field *sig = hs_event_field(&e, "signal");
            if (e.type == HS_EV_TX && sig && !strcmp(sig->v.s, "S") && R->t_s[s] == 0) R->t_s[s] = t;
            if (e.type == HS_EV_TX && sig && !strcmp(sig->v.s, "J") && R->t_j[s] == 0) R->t_j[s] = t;
            if (e.type == HS_EV_TX && sig && !strcmp(sig->v.s, "J'")) R->t_jp = t;
            if (e.type == HS_EV_V34_E) R->t_e_rx[s] = t;
            if (e.type == HS_EV_CONNECT) R->t_connect[s] = t;
            if (e.type == HS_EV_V34_EQ) R->neq[s]++;
            if (getenv("HS_V34P34_TRACE")) {
                const hs_field *f = hs_event_field(&e, "signal");
                fprintf(stderr, "%8.3f %s %-10s %s\n", (double)e.sample / HS_RATE, s ? "ans" : "cal",
                        hs_ev_type_name((hs_ev_type)e.type), f ? f->v.s : "");
            }
        }
        if (chunk == 160 && hs_v34p34_get_status(m[0]) != HS_V34P34_RUNNING &&
            hs_v34p34_get_status(m[1]) != HS_V34P34_RUNNING)
            break;
    }
    for (int k = 0; k < 2; k++) {
        R->status[k] = hs_v34p34_get_status(m[k]);
        R->rate[k] = hs_v34p34_get_rate_bps(m[k], &R->tx_rate[k], &R->rx_rate[k]);
        R->snr[k] = hs_v34p34_get_rx_snr_db(m[k]);
        R->erle[k] = hs_v34p34_get_erle_db(m[k]);
        R->connect[k] = hs_v34p34_get_connect_sample(m[k]);
        R->reason[k] = hs_v34p34_get_reason(m[k]);
        hs_v34p34_destroy(m[k]);
    }
    R->hash = h ^ (hb * 7u) ^ (he * 31u);
    hs_line_destroy(ln);
    hs_evq_destroy(ev);
    free(buf_a); free(buf_b); free(in_a); free(in_b);
}

static void run_pair(const hs_line_config *lc, int sr, int high, double max_s, size_t chunk,
                     pair_res *R)
{
    run_pair_pts(lc, sr, high, max_s, chunk, 4, R);
}

static int connects_clean_line(void)
{
    /* Default line (40 dB, mu-law, 300-3400 Hz, 6 dB loss, 10 ms) at 3200 Bd high carrier
     * and at 2400 Bd: both modems connect at the same rate; the rate is the highest allowed by
     * §9 rule (b) + 2 dB margin for the measured SNR, so it never exceeds what was measured;
     * phases 3 + 4 take less than 3 s (answer: 70 ms + 944 T + J, call the same, phase 4
     * ~700 T + MP exchange: about 1.2-1.6 s at 2400-3200 Bd). */
    /* 40 dB line, mu-law: ~31-33 dB after equalisation -> 26400 at 3200 Bd and 19200 at
     * 2400 Bd (rule (b) + 2 dB); ask for at least one step less */
    int rates[2] = { 4, 0 }, highs[2] = { 1, 0 }, want_min[2] = { 24000, 16800 };
    for (int i = 0; i < 2; i++) {
        hs_line_config lc = hs_line_config_default();
        lc.echo_db = -10;      /* hybrid echo 10 dB below the talker, 4 ms */
        lc.echo_ms = 4;
        pair_res R;
        run_pair(&lc, rates[i], highs[i], 5.0, 160, &R);
        double S = hs_qam_symbol_rate(rates[i]);
        for (int k = 0; k < 2; k++) {
            char what[128];
            snprintf(what, sizeof what, "%.0f Bd %s: connected (%s)", S, k ? "answerer" : "caller",
                     R.reason[k] ? R.reason[k] : "no failure");
            hs_check_int(what, R.status[k], HS_V34P34_CONNECTED);
            snprintf(what, sizeof what, "%.0f Bd %s: SNR on the far phase-4 TRN", S, k ? "answerer" : "caller");
            hs_check_above(what, R.snr[k], 25.0, "dB");
            snprintf(what, sizeof what, "%.0f Bd %s: echo canceller ERLE at the end of training", S, k ? "answerer" : "caller");
            /* echo -10 dB, noise 40 dB below the received signal (6 dB loss): the canceller
             * can show at most ~36 dB; want 20 */
            hs_check_above(what, R.erle[k], 20.0, "dB");
            int sr = rates[i];
            snprintf(what, sizeof what, "%.0f Bd %s: rate received within what its SNR allows", S, k ? "answerer" : "caller");
            hs_check_below(what, R.rx_rate[k], hs_v34_rate_for_snr(R.snr[k], sr, 2.0, 14), "bit/s");
            snprintf(what, sizeof what, "%.0f Bd %s: connect time", S, k ? "answerer" : "caller");
            hs_check_below(what, (double)R.connect[k] / HS_RATE, 3.0, "s");
        }
        hs_check_int("same rate at both ends", R.rate[0], R.rate[1]);
        hs_check_above("rate on a clean line", R.rate[0], want_min[i], "bit/s");
        hs_check_true("event order J < MP < E < connect", R.order_ok);
        /* timeline windows (digest §3.4): own S to the end of own phase-3 TRN (= start of J)
         * at most 2000 ms + RTD (answerer; call modem 2000 ms + 2 RTD) [11.3.1.2.3,
         * 11.3.1.1.6]; the caller receives E within 2500 ms + 2 RTD after J' [11.4.2.1.2] */
        double rtd = 2.0 * (lc.delay_ms + 8.0) / 1000.0;
        hs_check_below("answerer S .. end of TRN", R.t_j[1] - R.t_s[1], 2.0 + rtd, "s");
        hs_check_below("caller S .. end of TRN", R.t_j[0] - R.t_s[0], 2.0 + 2 * rtd, "s");
        hs_check_below("caller J' .. far E", R.t_e_rx[0] - R.t_jp, 2.5 + 2 * rtd, "s");
        hs_check_above("equalizer reports (every 100 ms) from each modem", R.neq[0] < R.neq[1] ? R.neq[0] : R.neq[1], 5, "");
    }
    return 0;
}

static int rate_follows_snr(void)
{
    /* Lower line SNR -> lower (never higher) rate; each rate within what the measured SNR
     * allows; at 45 dB without codec the rate is at least 24000 at 3200 Bd. */
    double snrs[4] = { 45, 35, 28, 20 };
    int prev = 1 << 30;
    for (int i = 0; i < 4; i++) {
        hs_line_config lc = hs_line_config_default();
        lc.snr_db = snrs[i];
        lc.codec = HS_CODEC_NONE;
        pair_res R;
        run_pair(&lc, 4, 1, 5.0, 160, &R);
        char what[96];
        snprintf(what, sizeof what, "line %.0f dB: both connected (caller SNR %.1f, answerer %.1f dB)",
                 snrs[i], R.snr[0], R.snr[1]);
        hs_check_true(what, R.status[0] == HS_V34P34_CONNECTED && R.status[1] == HS_V34P34_CONNECTED);
        snprintf(what, sizeof what, "line %.0f dB: rate", snrs[i]);
        hs_check_below(what, R.rate[0], prev, "bit/s");
        prev = R.rate[0];
    }
    return 0;
}

static int impaired_line(void)
{
    /* Carrier offset 7 Hz, +-100 ppm between the clocks, 30 ms each way, echo -10 dB at 4 ms,
     * 35 dB, mu-law; 16-point phase-4 TRN/MP asked by both J in the second run. Both connect
     * at the same rate, within what each measured SNR allows. */
    double ppms[2] = { 100, -100 };
    for (int k = 0; k < 2; k++) {
        hs_line_config lc = hs_line_config_default();
        lc.snr_db = 35;
        lc.offset_hz = 7;
        lc.ppm = ppms[k];
        lc.delay_ms = 30;
        lc.echo_db = -10;
        lc.echo_ms = 4;
        pair_res R;
        run_pair_pts(&lc, 4, 1, 6.0, 160, k ? 16 : 4, &R);
        char what[160];
        snprintf(what, sizeof what, "%+.0f ppm, 7 Hz, %d-point phase 4: both connected (%s / %s; SNR %.1f / %.1f dB)",
                 ppms[k], k ? 16 : 4, R.reason[0] ? R.reason[0] : "ok", R.reason[1] ? R.reason[1] : "ok",
                 R.snr[0], R.snr[1]);
        hs_check_true(what, R.status[0] == HS_V34P34_CONNECTED && R.status[1] == HS_V34P34_CONNECTED);
        hs_check_int("same rate at both ends", R.rate[0], R.rate[1]);
        for (int e = 0; e < 2; e++) {
            snprintf(what, sizeof what, "%s: rate received within what its SNR allows", e ? "answerer" : "caller");
            hs_check_below(what, R.rx_rate[e], hs_v34_rate_for_snr(R.snr[e], 4, 2.0, 14), "bit/s");
        }
        hs_check_above("rate", R.rate[0], 19200, "bit/s");
    }
    return 0;
}

static int too_noisy_fails(void)
{
    /* 6 dB: below what 2400 bit/s needs (10 dB at 2400 Bd by rule (b)): a failure with a
     * reason within the phase 3/4 time limits (a few seconds), not a hang. */
    hs_line_config lc = hs_line_config_default();
    lc.snr_db = 6;
    pair_res R;
    run_pair(&lc, 0, 0, 10.0, 160, &R);
    for (int k = 0; k < 2; k++) {
        char what[128];
        snprintf(what, sizeof what, "%s fails (%s)", k ? "answerer" : "caller", R.reason[k] ? R.reason[k] : "-");
        hs_check_int(what, R.status[k], HS_V34P34_FAILED);
    }
    return 0;
}

static int determinism_and_chunking(void)
{
    hs_line_config lc = hs_line_config_default();
    pair_res ref, R;
    /* a fixed 2.5 s (no early stop), whole-run reference in blocks of 20000 samples */
    run_pair(&lc, 4, 1, 2.5, 20000, &ref);
    hs_check_above("events in 2.5 s", ref.nev, 20, "");
    size_t chunks[3] = { 1, 7, 160 + 1 };
    for (int k = 0; k < 3; k++) {
        run_pair(&lc, 4, 1, 2.5, chunks[k], &R);
        char what[64];
        snprintf(what, sizeof what, "chunk %zu: identical samples and events", chunks[k]);
        hs_check_true(what, R.hash == ref.hash && R.nev == ref.nev);
    }
    return 0;
}

static int chunking_by_replay(void)
{
    /* Each modem alone: record what the answerer received in a pair run, then feed that to a
     * fresh answerer in blocks of 1, 7, 160 and whole; outputs and events must be identical. */
    enum { N = 2 * HS_RATE };
    static float rx_in[N], ref_out[N], out[N];
    hs_line_config lc = hs_line_config_default();
    hs_line *ln;
    hs_line_create(&lc, &ln);
    hs_v34p34 *m[2];
    for (int k = 0; k < 2; k++) {
        hs_v34p34_config c = hs_v34p34_config_default(k ? HS_ROLE_ANSWERER : HS_ROLE_CALLER, 4, 1);
        c.rtd_ms = 36;
        hs_v34p34_create(&c, NULL, &m[k]);
    }
    float ta = 0, tb = 0;
    for (int i = 0; i < N; i++) {
        float tob, toa;
        hs_line_process(ln, &ta, &tb, &tob, &toa, 1);
        rx_in[i] = tob;
        hs_v34p34_process(m[0], &toa, &ta, 1);
        hs_v34p34_process(m[1], &tob, &tb, 1);
    }
    hs_v34p34_destroy(m[0]);
    hs_v34p34_destroy(m[1]);
    hs_line_destroy(ln);
    size_t chunks[4] = { N, 1, 7, 160 };
    uint64_t ref_ev = 0;
    for (int k = 0; k < 4; k++) {
        hs_evq *ev;
        hs_evq_create(1024, &ev);
        hs_v34p34_config c = hs_v34p34_config_default(HS_ROLE_ANSWERER, 4, 1);
        c.rtd_ms = 36;
        hs_v34p34 *a;
        hs_v34p34_create(&c, ev, &a);
        for (size_t d = 0; d < N; d += chunks[k]) {
            size_t n = N - d < chunks[k] ? N - d : chunks[k];
            hs_v34p34_process(a, rx_in + d, (k ? out : ref_out) + d, n);
        }
        uint64_t h = 1469598103934665603ull;
        hs_event e;
        int nev = 0;
        while (hs_evq_pop(ev, &e)) {
            nev++;
            h = fnv(h, &e.sample, sizeof e.sample);
            h = fnv(h, &e.type, sizeof e.type);
        }
        if (k == 0) {
            ref_ev = h;
            hs_check_above("answerer events in 2 s", nev, 10, "");
        } else {
            char what[64];
            snprintf(what, sizeof what, "answerer in blocks of %zu: same samples and events", chunks[k]);
            hs_check_true(what, memcmp(out, ref_out, sizeof out) == 0 && h == ref_ev);
        }
        hs_v34p34_destroy(a);
        hs_evq_destroy(ev);
    }
    return 0;
}

static int start_reconfigures(void)
{
    /* An object created for 2400 Bd and started (no allocation) for 3200 Bd high carrier,
     * pre-emphasis 3, RTD 40 ms behaves exactly like one created that way: same output for
     * the same input (the far answerer's first 0.8 s, replayed). */
    enum { N = 6400 };
    static float in[N], o1[N], o2[N];
    hs_v34p34_config ca = hs_v34p34_config_default(HS_ROLE_ANSWERER, 4, 1);
    hs_v34p34 *a;
    hs_v34p34_create(&ca, NULL, &a);
    hs_v34p34_process(a, NULL, in, N);        /* a real V.34 signal as input */
    hs_v34p34_destroy(a);
    hs_v34p34_config c = hs_v34p34_config_default(HS_ROLE_CALLER, 4, 1);
    c.tx_preemph = 3;
    c.rtd_ms = 40;
    hs_v34p34 *x, *y;
    hs_v34p34_create(&c, NULL, &x);
    hs_v34p34_config c0 = hs_v34p34_config_default(HS_ROLE_CALLER, 0, 0);
    hs_v34p34_create(&c0, NULL, &y);
    hs_v34p34_process(y, in, o2, 100);         /* run a little at 2400 Bd first */
    hs_check_int("start", hs_v34p34_start(y, &c), HS_OK);
    hs_v34p34_process(x, in, o1, N);
    hs_v34p34_process(y, in, o2, N);
    hs_check_true("started object == created object (samples)", memcmp(o1, o2, sizeof o1) == 0);
    hs_check_true("both in the same state", strcmp(hs_v34p34_get_state_name(x), hs_v34p34_get_state_name(y)) == 0);
    c.tx_sr = 9;
    hs_check_int("start refuses a bad config", hs_v34p34_start(y, &c), HS_EINVAL);
    hs_v34p34_destroy(x);
    hs_v34p34_destroy(y);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(connects_clean_line),
    HS_CASE(rate_follows_snr),
    HS_CASE(impaired_line),
    HS_CASE(too_noisy_fails),
    HS_CASE(determinism_and_chunking),
    HS_CASE(chunking_by_replay),
    HS_CASE(start_reconfigures)
)
