/* V.8 against spandsp 0.0.6 (Debian; V.8 and V.21, no V.34).
 *  - spandsp_exchange_decoded: a spandsp caller/answerer exchange is decoded by our own
 *    receivers, independent of our state machines: ANSam/ by dsp/ansam, CI/CM/CJ and JM by
 *    dsp/fsk + dsp/v8msg.
 *  - (with dsp/modem.h implemented) our caller against spandsp's answerer and spandsp's
 *    caller against our answerer, both must end in V.34 duplex.
 * Levels: float 1.0 = int16 32767 (tests/common/tones_s16.h). */
#include "hs_test.h"
#include "ansam.h"
#include "bitq.h"
#include "fsk.h"
#include "modem.h"
#include "v8msg.h"

#if HS_HAVE_SPANDSP
#include "tones_spandsp.h"

#define RATE HS_RATE
#define SP_MODES (V8_MOD_V34 | V8_MOD_V32 | V8_MOD_V22 | V8_MOD_V21)
#define OUR_MODES (HS_MOD_V34_DUPLEX | HS_MOD_V32BIS | HS_MOD_V22BIS | HS_MOD_V21)

typedef struct {
    int      ci, cm, cj;
    uint8_t  cm_oct[HS_V8_MAX_OCTETS];
    size_t   cm_n;
    uint64_t cm_at, cj_at;
} decoded;

/* Our V.21 receiver for channel ch + V.8 message receiver over x[0..n). */
static void decode_v21(const float *x, size_t n, int ch, decoded *d)
{
    memset(d, 0, sizeof *d);
    hs_fsk_config c = hs_fsk_config_v21(ch);
    hs_fsk_rx *rx;
    hs_fsk_rx_create(&c, &rx);
    hs_v8rx *v;
    hs_v8rx_create(&v);
    hs_bitq q;
    hs_bitq_init(&q);
    for (size_t i = 0; i < n; i += 160) {
        size_t m = n - i < 160 ? n - i : 160;
        hs_fsk_rx_process(rx, x + i, m, &q);
        int b;
        while ((b = hs_bitq_pop(&q)) >= 0) {
            unsigned f = hs_v8rx_bit(v, b, i + m);
            if (f & HS_V8RX_CI) d->ci++;
            if (f & HS_V8RX_CM) {
                d->cm++;
                d->cm_n = hs_v8rx_get(v, HS_V8RX_CM, d->cm_oct, sizeof d->cm_oct, &d->cm_at);
            }
            if (f & HS_V8RX_CJ) {
                d->cj++;
                uint8_t o[4];
                hs_v8rx_get(v, HS_V8RX_CJ, o, sizeof o, &d->cj_at);
            }
        }
    }
    hs_v8rx_destroy(v);
    hs_fsk_rx_destroy(rx);
}

static void hexs(const uint8_t *o, size_t n, char *s, size_t cap)
{
    size_t u = 0;
    s[0] = 0;
    for (size_t i = 0; i < n && u + 4 < cap; i++) u += (size_t)snprintf(s + u, cap - u, "%02X ", o[i]);
}

static int spandsp_exchange_decoded(void)
{
    const size_t max = 12 * RATE;
    float *a = calloc(max, sizeof *a), *b = calloc(max, sizeof *b);
    hs_sp_v8 *caller = hs_sp_v8_create(1, SP_MODES), *answerer = hs_sp_v8_create(0, SP_MODES);
    size_t n = 0;
    float za[160] = { 0 }, zb[160] = { 0 };
    /* caller hears the answerer's previous block and vice versa (one block of delay) */
    while (n + 160 <= max) {
        hs_sp_v8_process(caller, n ? b + n - 160 : zb, a + n, 160);
        hs_sp_v8_process(answerer, n ? a + n - 160 : za, b + n, 160);
        n += 160;
        if (caller->done && answerer->done && n > caller->done_at + RATE / 2) break;
    }
    printf("  spandsp pair: caller done=%d at %.2f s, answerer done=%d at %.2f s, modulations 0x%x\n",
           caller->done, (double)caller->done_at / RATE, answerer->done, (double)answerer->done_at / RATE,
           caller->modulations);
    hs_check_int("spandsp pair negotiated (caller)", caller->done, 1);
    hs_check_int("spandsp pair negotiated (answerer)", answerer->done, 1);

    /* answer tone, from the answerer's transmit signal */
    hs_ansdet *d;
    hs_ansdet_create(&d);
    hs_ansdet_process(d, b, n);
    hs_ansdet_result r;
    hs_ansdet_get(d, &r);
    hs_ansdet_destroy(d);
    printf("  spandsp answer tone: state %d, start %.3f s, decided %.3f s, end %.3f s, %.2f Hz, "
           "%.2f dBm0, depth %.3f, %d reversals (%.1f ms)\n", r.state, (double)r.tone_start / RATE,
           (double)r.decided_at / RATE, (double)r.tone_end / RATE, r.freq_hz, r.level_dbm0, r.am_depth,
           r.reversals, r.reversal_ms);
    hs_check_int("spandsp answerer sends ANSam (ours: ANSAM)", r.state, HS_ANSDET_ANSAM);

    /* caller's V.21(L): CI, CM, CJ */
    decoded dc, dj;
    decode_v21(a, n, 1, &dc);
    char s[128];
    hexs(dc.cm_oct, dc.cm_n, s, sizeof s);
    printf("  caller V.21(L): %d CI, CM [%s] at %.3f s, CJ %d at %.3f s\n", dc.ci, s,
           (double)dc.cm_at / RATE, dc.cj, (double)dc.cj_at / RATE);
    hs_v8_fields f;
    /* spandsp 0.0.6's caller sends nothing before the answer tone even with send_ci = 1
     * (checked: v8_tx returns 0 samples for 6 s of silence), so no CI is expected here. */
    hs_check_above("CM accepted", dc.cm, 1, "");
    hs_check_int("CM parses", hs_v8msg_parse(dc.cm_oct, dc.cm_n, &f), 0);
    hs_check_int("CM call function: data", f.callf0, HS_V8_CALLF0_DATA);
    hs_check_int("CM modes = V.34 duplex, V.32bis, V.22bis, V.21 (what spandsp offers)", f.modes, OUR_MODES);
    hs_check_true("CM protocol LAPM", f.has_prot && f.prot0 == HS_V8_PROT0_LAPM);
    hs_check_above("CJ decoded", dc.cj, 1, "");
    /* answerer's V.21(H): JM */
    decode_v21(b, n, 2, &dj);
    hexs(dj.cm_oct, dj.cm_n, s, sizeof s);
    printf("  answerer V.21(H): JM [%s] at %.3f s\n", s, (double)dj.cm_at / RATE);
    hs_check_above("JM accepted", dj.cm, 1, "");
    hs_check_int("JM parses", hs_v8msg_parse(dj.cm_oct, dj.cm_n, &f), 0);
    hs_check_int("JM modes", f.modes, OUR_MODES);
    hs_check_int("mode choice: V.34 duplex", hs_v8_choose_mode(f.modes), HS_MOD_V34_DUPLEX);
    hs_check_true("order: ANSam decided < CM < JM < CJ",
                  r.decided_at < dc.cm_at && dc.cm_at < dj.cm_at && dj.cm_at < dc.cj_at);
    hs_sp_v8_destroy(caller);
    hs_sp_v8_destroy(answerer);
    free(a);
    free(b);
    return 0;
}

#else
static int spandsp_exchange_decoded(void) { return HS_SKIP; }
#endif

HS_TEST_MAIN(
    HS_CASE(spandsp_exchange_decoded)
)
