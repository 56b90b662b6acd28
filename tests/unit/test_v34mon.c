/* dsp/v34mon: passive V.34 phase-2 recognition on one channel. */
#include "hs_test.h"
#include "v34mon.h"
#include "v34mon_rec.h"
#include "evfmt.h"

static size_t run_mon(const float *x, size_t n, hs_event *out, size_t cap)
{
    hs_v34mon *m;
    if (hs_v34mon_create(1, &m) != HS_OK) return 0;
    hs_v34mon_process(m, x, n);
    hs_v34mon_finish(m);
    size_t k = 0;
    hs_event e;
    while (hs_v34mon_poll(m, &e)) if (k < cap) out[k++] = e;
    hs_v34mon_destroy(m);
    return k;
}

static int dump(void)
{
    v34mon_rec r;
    if (v34mon_rec_make(&r) != 0) return 1;
    printf("sim ok %d n %zu delay %.1f\n", r.ok, r.n, r.delay);
    char line[HS_EVFMT_MAX];
    for (size_t i = 0; i < r.nev; i++) {
        if (r.ev[i].type < HS_EV_TX) continue;
        hs_evfmt_text(line, sizeof line, &r.ev[i], HS_EVSRC_ENDPOINT);
        printf("SIM %llu/%llu %s", (unsigned long long)r.ev[i].start, (unsigned long long)r.ev[i].sample, line);
    }
    float *mix = malloc(r.n * sizeof *mix);
    for (size_t i = 0; i < r.n; i++) mix[i] = r.caller[i] + r.answerer[i];
    static hs_event ev[512];
    size_t ne = run_mon(mix, r.n, ev, 512);
    for (size_t i = 0; i < ne; i++) {
        hs_evfmt_text(line, sizeof line, &ev[i], HS_EVSRC_CHANNEL);
        printf("MON %llu/%llu %s", (unsigned long long)ev[i].start, (unsigned long long)ev[i].sample, line);
    }
    free(mix);
    v34mon_rec_free(&r);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(dump)
)
