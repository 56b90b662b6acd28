/* `handshake analyze` on V.34 phases 3 and 4: a whole start-up (V.8 -> phase 2 -> phases
 * 3/4 -> CONNECT) made by `handshake sim --wav` (left = caller transmit, right = answerer
 * transmit; --mono: the sum) at 40 and 30 dB SNR. `analyze --events json` must find, per
 * direction, S, PP, TRN, J (J'), MP/MP', E and B1 at the sim's own transmit times ("tx"
 * events), and on the stereo files decode every MP with a good CRC and the rate fields the
 * far modem decoded (the sim's own v34.mp). On the mono mix the answerer's phase 3 is found
 * (the caller's S starts under the answerer's J at the same carrier; see README).
 *
 * Tolerances (derived):
 *  - starts taken from decided symbols (PP, TRN, J, J', MP, E, B1): the receiver latency
 *    HS_V34MON34_LATENCY_SYMBOLS is a constant, so 1 ms (3.2 T at 3200 Bd) covers the timing
 *    loop's movement and the decision instants' rounding to samples;
 *  - S onsets from energy: the transmit pulse tail (6 T = 15 samples at 3200 Bd) plus the
 *    4 ms power average's rise to -43 dBm0 (< 1 sample at -13 dBm0) and the +-1 ms above:
 *    5 ms;
 *  - the first J found is the third one sent: the descrambler holds 23 bits of TRN (absolute
 *    mapping, not the differential bits) until 23 J bits came in, which spoils J(0) and J(1),
 *    and J is found on two identical ones in a row: start = tx J + 16 T;
 *  - MP: the receiver trains on the phase-4 TRN for 512 T while MP already goes out, so the
 *    first MP frame(s) may be lost: the first MP found starts k whole frames (88 bits = 44 T)
 *    after the tx MP event, within 1 ms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs.h"
#include "hs_test.h"
#include "v34mon34.h"

#define TOL_SYM   8.0     /* 1 ms, samples */
#define TOL_ONSET 40.0    /* 5 ms */

static char sim_out[1 << 20], an_out[1 << 20];

/* Value of "key": in a JSON line (number or string start); NULL if absent. */
static const char *val(const char *line, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *p = strstr(line, k);
    return p ? p + strlen(k) : NULL;
}
static long long ival(const char *line, const char *key, long long dflt)
{
    const char *p = val(line, key);
    return p ? strtoll(p, NULL, 10) : dflt;
}
static int is(const char *line, const char *key, const char *s)
{
    const char *p = val(line, key);
    size_t n = strlen(s);
    return p && p[0] == '"' && strncmp(p + 1, s, n) == 0 && p[1 + n] == '"';
}
static const char *eol(const char *p)
{
    const char *e = strchr(p, '\n');
    return e ? e : p + strlen(p);
}
/* i-th line (0-based) that has type and the two key/value string pairs (k2 may be NULL). */
static const char *find(const char *text, const char *type, const char *k1, const char *v1,
                        const char *k2, const char *v2, int i)
{
    for (const char *l = text; *l; l = *eol(l) ? eol(l) + 1 : eol(l)) {
        char line[4096];
        size_t n = (size_t)(eol(l) - l);
        if (n >= sizeof line) n = sizeof line - 1;
        memcpy(line, l, n);
        line[n] = 0;
        if (is(line, "type", type) && (!k1 || is(line, k1, v1)) && (!k2 || is(line, k2, v2)) && i-- == 0)
            return l;
    }
    return NULL;
}
static int count(const char *text, const char *type, const char *from)
{
    int n = 0;
    while (find(text, type, "from", from, NULL, NULL, n)) n++;
    return n;
}
static long long tx_at(const char *who, const char *signal, int i)
{
    const char *l = find(sim_out, "tx", "endpoint", who, "signal", signal, i);
    return l ? ival(l, "start", -1) : -1;
}

/* `what` start of the analyser's i-th `type` from `who` (phase: -1 any) against want + shift. */
static void check_at(const char *type, const char *who, int phase, int i, long long want,
                     double shift, double tol)
{
    char what[128];
    snprintf(what, sizeof what, "%s %s from the %s (phase %d) start - tx, samples", type,
             i ? "(2nd)" : "", who, phase);
    const char *l = NULL;
    for (int k = 0, n = 0; (l = find(an_out, type, "from", who, NULL, NULL, k)); k++)
        if ((phase < 0 || ival(l, "phase", 0) == phase) && n++ == i) break;
    if (!hs_check_true(what, l != NULL && want >= 0)) return;
    hs_check_near(what, (double)(ival(l, "start", 0) - want), shift, tol, "samples");
}

static int run(double snr, int mono)
{
    char wav[512], cmd[2048];
    char name[64];
    snprintf(name, sizeof name, "an_p34_%s_%d.wav", mono ? "mono" : "stereo", (int)snr);
    hs_test_tmp_path(name, wav, sizeof wav);
    snprintf(cmd, sizeof cmd, "'%s' sim --snr %g --wav '%s' %s --events json 2>/dev/null",
             hs_test_bin(), snr, wav, mono ? "--mono" : "");
    hs_check_int("sim exit status", hs_test_run(cmd, sim_out, sizeof sim_out), 0);
    hs_check_true("sim connected", find(sim_out, "connect", NULL, NULL, NULL, NULL, 1) != NULL);
    snprintf(cmd, sizeof cmd, "'%s' analyze '%s' --events json 2>/dev/null", hs_test_bin(), wav);
    hs_check_int("analyze exit status", hs_test_run(cmd, an_out, sizeof an_out), 0);
    for (const char *l = an_out; *l; l = *eol(l) ? eol(l) + 1 : eol(l))
        if (strstr(l, "\"from\":") && (size_t)(eol(l) - l) < 400) printf("  %.*s\n", (int)(eol(l) - l), l);
    return 0;
}

static void check_phase3(const char *who)
{
    const double T = 2.5;   /* samples per symbol at 3200 Bd (the sim's choice on its line) */
    check_at("v34.s", who, 3, 0, tx_at(who, "S", 0), 0.0, TOL_ONSET);
    check_at("v34.pp", who, 3, 0, tx_at(who, "PP", 0), 0.0, TOL_SYM);
    check_at("v34.trn", who, 3, 0, tx_at(who, "TRN", 0), 0.0, TOL_SYM);
    check_at("v34.j", who, 3, 0, tx_at(who, "J", 0), 16 * T, TOL_SYM);
}

static void check_stereo(void)
{
    const double T = 2.5;
    const char *who[2] = { "caller", "answerer" };
    hs_check_true("sim ran at 3200 Bd both ways (T = 2.5 samples)",
                  strstr(find(sim_out, "connect", NULL, NULL, NULL, NULL, 0), "\"symbol_rate\":3200") != NULL);
    for (int k = 0; k < 2; k++) {
        const char *w = who[k], *peer = who[1 - k];
        check_phase3(w);
        if (k == 0) check_at("v34.j", w, 4, 0, tx_at(w, "J'", 0), 0.0, TOL_SYM);   /* J' */
        else check_at("v34.s", w, 4, 0, tx_at(w, "S", 1), 0.0, TOL_ONSET);
        check_at("v34.trn", w, 4, 0, tx_at(w, "TRN", 1), 0.0, TOL_SYM);
        check_at("v34.e", w, 4, 0, tx_at(w, "E", 0), 0.0, TOL_SYM);
        check_at("v34.b1", w, 4, 0, tx_at(w, "B1", 0), 0.0, TOL_SYM);
        /* MP frames: every one with a good CRC, MP and MP' both seen, fields as the far
         * modem decoded them */
        int n = count(an_out, "v34.mp", w), bad = 0, mpp = 0;
        char what[128];
        snprintf(what, sizeof what, "MP frames decoded from the %s (>= 2)", w);
        hs_check_above(what, n, 2, "");
        const char *ref = find(sim_out, "v34.mp", "endpoint", peer, NULL, NULL, 0);
        hs_check_true("the sim's own v34.mp of that direction", ref != NULL);
        for (int i = 0; i < n; i++) {
            const char *l = find(an_out, "v34.mp", "from", w, NULL, NULL, i);
            const char *ok = val(l, "crc_ok");
            if (!ok || strncmp(ok, "true", 4) != 0) bad++;
            if (is(l, "name", "MP'")) mpp++;
            if (ref && (ival(l, "max_rate_c2a_bps", -1) != ival(ref, "max_rate_c2a_bps", -2) ||
                        ival(l, "max_rate_a2c_bps", -1) != ival(ref, "max_rate_a2c_bps", -2) ||
                        ival(l, "rate_mask", -1) != ival(ref, "rate_mask", -2))) bad++;
        }
        snprintf(what, sizeof what, "MP from the %s with a bad CRC or other rate fields than the sim's", w);
        hs_check_int(what, bad, 0);
        snprintf(what, sizeof what, "MP' frames from the %s", w);
        hs_check_above(what, mpp, 1, "");
        /* the first MP found: whole frames (44 T) after the tx MP */
        const char *l = find(an_out, "v34.mp", "from", w, NULL, NULL, 0);
        long long t0 = tx_at(w, "MP", 0);
        if (l && t0 >= 0) {
            double d = (double)(ival(l, "start", 0) - t0), fr = 44 * T;
            double nf = (double)(long long)(d / fr + 0.5);
            snprintf(what, sizeof what, "first MP from the %s: start - (tx MP + %g frames)", w, nf);
            hs_check_near(what, d - nf * fr, 0.0, TOL_SYM, "samples");
        }
        snprintf(what, sizeof what, "S events from the %s (phase 3 + phase 4 for the answerer)", w);
        hs_check_int(what, count(an_out, "v34.s", w), k == 0 ? 1 : 2);
    }
}

static int stereo_40db(void) { run(40.0, 0); check_stereo(); return 0; }
static int stereo_30db(void) { run(30.0, 0); check_stereo(); return 0; }

static int mono_40db(void)
{
    run(40.0, 1);
    check_phase3("answerer");
    hs_check_true("mono: events say both directions share the channel",
                  strstr(an_out, "\"both_directions\":true") != NULL);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(stereo_40db),
    HS_CASE(stereo_30db),
    HS_CASE(mono_40db)
)
