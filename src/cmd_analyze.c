/* src/cmd_analyze.c: `handshake analyze FILE`: find the handshake signals in a recording. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "evfmt.h"
#include "level.h"
#include "monitor.h"
#include "wavio.h"

static const char analyze_help[] =
    "usage: handshake analyze FILE [options]\n"
    "\n"
    "Finds the modem handshake signals in a recording (any sound file format libsndfile reads,\n"
    "any sample rate, mono or stereo): answer tones (ANS, ANSam, with or without phase\n"
    "reversals, with measured frequency, AM rate and depth), calling tones, V.8 messages\n"
    "(CI, CM, JM, CJ) with their decoded contents, and V.34 phase 2: INFO0a/INFO0c, INFO1c\n"
    "and INFO1a (fields, CRC check, carrier), Tone A and Tone B with their phase reversals,\n"
    "and the L1/L2 line probing bursts, all with their times. A frame's type comes from its\n"
    "own length and CRC and its direction from its carrier (1200 or 2400 Hz), not from the\n"
    "channel, so a mono mix of both modems works. Each channel is analysed on its own; a\n"
    "signal heard on both channels is reported on the channel where it is strongest.\n"
    "\n"
    "options:\n"
    "  --channel N        analyse only channel N (1 = left)\n"
    "  --events FORMAT    text (default), json (one JSON object per line) or none\n"
    "  --labels FILE      write an Audacity label track ('-' = standard output)\n"
    "\n"
    "exit status: 0 modem signals found, 1 none found (silence, noise, speech...),\n"
    "             2 usage error, 3 the file cannot be read\n";

typedef enum { FMT_TEXT = 0, FMT_JSON, FMT_NONE } ev_format;

typedef struct {
    hs_event *ev;
    size_t    n, cap;
    int       oom;
} ev_list;

static void list_add(ev_list *l, const hs_event *e)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        hs_event *p = realloc(l->ev, cap * sizeof *p);
        if (!p) { l->oom = 1; return; }
        l->ev = p;
        l->cap = cap;
    }
    l->ev[l->n++] = *e;
}

static double level_of(const hs_event *e)
{
    const hs_field *f = hs_event_field(e, "level_dbm0");
    return f && f->kind == HS_F_NUM ? f->v.x : -200.0;
}

/* Same signal on two channels: same type, and the spans [start, sample] overlap. */
static int same_signal(const hs_event *a, const hs_event *b)
{
    if (a->type != b->type || a->source == b->source) return 0;
    const hs_field *fa = hs_event_field(a, "from"), *fb = hs_event_field(b, "from");
    if (fa && fb && fa->kind == HS_F_STR && fb->kind == HS_F_STR && strcmp(fa->v.s, fb->v.s) != 0)
        return 0;   /* phases 3/4: the two directions overlap in time */
    return a->start <= b->sample && b->start <= a->sample;
}

static int by_time(const void *pa, const void *pb)
{
    const hs_event *a = pa, *b = pb;
    if (a->sample != b->sample) return a->sample < b->sample ? -1 : 1;
    if (a->start != b->start) return a->start < b->start ? -1 : 1;
    return (int)a->source - (int)b->source;
}

static const char *str_field(const hs_event *e, const char *key)
{
    const hs_field *f = hs_event_field(e, key);
    return f && f->kind == HS_F_STR ? f->v.s : NULL;
}

/* The final line: what kind of recording this is. */
static void conclude(FILE *out, const ev_list *l, const char *path)
{
    const hs_event *tone = NULL;
    int ci = 0, cm = 0, jm = 0, cj = 0, ct = 0;
    const char *call = NULL;
    for (size_t i = 0; i < l->n; i++) {
        const hs_event *e = &l->ev[i];
        switch (e->type) {
        case HS_EV_TONE: {
            const char *name = str_field(e, "name");
            if (name && (strncmp(name, "ANS", 3) == 0 || strcmp(name, "2100 Hz") == 0)) {
                if (!tone) tone = e;
            } else {
                ct++;
                if (!call) call = name;
            }
            break;
        }
        case HS_EV_V8_CI: ci++; break;
        case HS_EV_V8_CM: cm++; break;
        case HS_EV_V8_JM: jm++; break;
        case HS_EV_V8_CJ: cj++; break;
        default: break;
        }
    }
    int v8 = ci + cm + jm + cj;
    /* V.34 phase 2 */
    int info[4] = { 0 }, info_bad = 0, tone_a = 0, tone_b = 0, rev = 0, l1 = 0, l2 = 0;
    for (size_t i = 0; i < l->n; i++) {
        const hs_event *e = &l->ev[i];
        if (e->type >= HS_EV_V34_INFO0A && e->type <= HS_EV_V34_INFO1A) {
            const hs_field *f = hs_event_field(e, "crc_ok");
            if (f && f->v.i) info[e->type - HS_EV_V34_INFO0A]++;
            else info_bad++;
        }
        tone_a += e->type == HS_EV_V34_TONE_A;
        tone_b += e->type == HS_EV_V34_TONE_B;
        rev += e->type == HS_EV_V34_REVERSAL;
        l1 += e->type == HS_EV_V34_L1;
        l2 += e->type == HS_EV_V34_L2;
    }
    int p2 = info[0] + info[1] + info[2] + info[3] + info_bad + tone_a + tone_b + rev + l1 + l2;
    fprintf(out, "summary: ");
    if (tone) {
        const char *name = str_field(tone, "name");
        fprintf(out, "answer tone %s at %.3f s", name ? name : "?", (double)tone->start / HS_RATE);
    }
    if (v8) {
        fprintf(out, "%sV.8:%s%s%s%s", tone ? "; " : "", ci ? " CI" : "", cm ? " CM" : "",
                jm ? " JM" : "", cj ? " CJ" : "");
        if (cm && jm && cj) fprintf(out, " (complete V.8 exchange)");
        else if (cm && jm) fprintf(out, " (no CJ: the V.8 exchange did not finish)");
        else if (cm) fprintf(out, " (no JM: the answerer did not reply)");
        else if (jm) fprintf(out, " (JM without CM: the caller's side is missing or too weak)");
    } else if (tone) {
        const char *name = str_field(tone, "name");
        if (name && strncmp(name, "ANSam", 5) == 0)
            fprintf(out, "; no V.8 messages: the answerer offered V.8 but no CM followed");
        else
            fprintf(out, "; no V.8 messages: a plain V.25 answer (no V.8)");
    }
    if (p2) {
        static const char *const names[4] = { "INFO0a", "INFO0c", "INFO1c", "INFO1a" };
        static const int order[4] = { 1, 0, 2, 3 };          /* as on the line */
        fprintf(out, "%sV.34 phase 2:", tone || v8 ? "; " : "");
        int any = 0;
        for (int k = 0; k < 4; k++)
            if (info[order[k]]) fprintf(out, "%s %s", any++ ? "," : "", names[order[k]]);
        if (info_bad) fprintf(out, "%s %d frame%s with a bad CRC", any++ ? "," : "", info_bad, info_bad == 1 ? "" : "s");
        if (tone_a || tone_b) fprintf(out, "%s tone%s%s%s", any++ ? "," : "", tone_a && tone_b ? "s" : "",
                                      tone_a ? " A" : "", tone_a && tone_b ? " and B" : tone_b ? " B" : "");
        if (rev) fprintf(out, "%s %d reversal%s", any++ ? "," : "", rev, rev == 1 ? "" : "s");
        if (l1 + l2) fprintf(out, "%s L1 x%d, L2 x%d", any++ ? "," : "", l1, l2);
        if (info[0] && info[1] && info[2] && info[3]) fprintf(out, " (complete phase 2)");
        else if (!info[2]) fprintf(out, " (no INFO1c: phase 2 did not finish)");
        else if (!info[3]) fprintf(out, " (no INFO1a: phase 2 did not finish)");
    }
    /* V.34 phases 3/4: per direction the sequences found, MP frames with a good CRC */
    for (int d = 0; d < 2; d++) {
        const char *who = d ? "answerer" : "caller";
        int seen[HS_EV_V34_B1 - HS_EV_V34_S + 1] = { 0 }, mp_ok = 0;
        for (size_t i = 0; i < l->n; i++) {
            const hs_event *e = &l->ev[i];
            if (e->type < HS_EV_V34_S || e->type > HS_EV_V34_B1) continue;
            const char *from = str_field(e, "from");
            if (!from || strcmp(from, who) != 0) continue;
            seen[e->type - HS_EV_V34_S]++;
            const hs_field *f = hs_event_field(e, "crc_ok");
            if (e->type == HS_EV_V34_MP && f && f->v.i) mp_ok++;
        }
        static const char *const p34_names[] = { "S", "PP", "TRN", "J", "MP", "E", "B1" };
        int any = 0;
        for (int k = 0; k <= HS_EV_V34_B1 - HS_EV_V34_S; k++) {
            if (!seen[k]) continue;
            if (!any++) fprintf(out, "; V.34 phases 3/4 from the %s:", who);
            fprintf(out, " %s", p34_names[k]);
            if (k == HS_EV_V34_MP - HS_EV_V34_S) fprintf(out, " (%d/%d CRC ok)", mp_ok, seen[k]);
        }
    }
    if (!tone && !v8 && !p2)
        fprintf(out, "%d calling tone burst%s (%s), no answer tone, no V.8 messages", ct,
                ct == 1 ? "" : "s", call ? call : "?");
    fprintf(out, " in '%s'\n", path);
}

int hs_cmd_analyze(int argc, char **argv)
{
    static const char *const formats[] = { "text", "json", "none", NULL };
    const char *path = NULL, *labels_path = NULL;
    int fmt = FMT_TEXT, r;
    double chan = 0;

    hs_args a;
    hs_args_init(&a, "analyze", argc, argv);
    while (hs_args_more(&a)) {
        const char *arg = hs_args_cur(&a);
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(analyze_help, stdout);
            return HS_EXIT_OK;
        }
        if ((r = hs_args_opt(&a, "--channel"))) {
            if (r < 0 || hs_parse_double("--channel", a.val, 1, HS_AUDIO_MAX_CH, "", &chan) < 0)
                return HS_EXIT_USAGE;
            if (chan != floor(chan)) {
                hs_cli_error("--channel %s: must be a whole number", a.val);
                return HS_EXIT_USAGE;
            }
        } else if ((r = hs_args_opt(&a, "--events"))) {
            if (r < 0 || hs_parse_choice("--events", a.val, formats, &fmt) < 0) return HS_EXIT_USAGE;
        } else if ((r = hs_args_opt(&a, "--labels"))) {
            if (r < 0) return HS_EXIT_USAGE;
            labels_path = a.val;
        } else if (arg[0] == '-' && arg[1] != 0) {
            return hs_args_unknown(&a);
        } else if (!path) {
            path = arg;
            a.i++;
        } else {
            return hs_args_unknown(&a);
        }
    }
    if (!path) {
        hs_cli_error("analyze: which file? usage: handshake analyze FILE [options]");
        return HS_EXIT_USAGE;
    }
    if (labels_path && strcmp(labels_path, "-") == 0 && fmt != FMT_NONE) {
        hs_cli_error("analyze: --labels - writes to standard output; add --events none");
        return HS_EXIT_USAGE;
    }
    if (labels_path && hs_same_file(labels_path, path)) {
        hs_cli_error("analyze: --labels '%s' is the recording itself; refusing to overwrite it",
                     labels_path);
        return HS_EXIT_USAGE;
    }

    char err[HS_ERRLEN];
    hs_audio_in *in;
    if (hs_audio_in_open(path, &in, err, sizeof err) < 0) {
        hs_cli_error("%s", err);
        return HS_EXIT_FILE;
    }
    int nch = hs_audio_in_channels(in);
    if (chan > nch) {
        hs_cli_error("analyze: --channel %d: '%s' has %d channel%s", (int)chan, path, nch,
                     nch == 1 ? "" : "s");
        hs_audio_in_close(in);
        return HS_EXIT_USAGE;
    }

    int rc = HS_EXIT_OK;
    hs_monitor *mon[HS_AUDIO_MAX_CH] = { 0 };
    float *buf[HS_AUDIO_MAX_CH] = { 0 };
    double peak[HS_AUDIO_MAX_CH] = { 0 }, sumsq[HS_AUDIO_MAX_CH] = { 0 };
    ev_list list = { 0 };
    hs_out_file *lf = NULL;
    hs_labels *labels = NULL;
    const size_t block = 4096;
    uint64_t total = 0;

    for (int c = 0; c < nch; c++) {
        buf[c] = malloc(block * sizeof(float));
        if (!buf[c]) goto oom;
        if (chan && c != (int)chan - 1) continue;
        if (hs_monitor_create((uint8_t)(c + 1), &mon[c]) != HS_OK) goto oom;
    }
    if (labels_path) {
        labels = hs_labels_create(HS_EVSRC_CHANNEL);
        if (!labels) goto oom;
        if (hs_out_file_open(labels_path, &lf, err, sizeof err) < 0) {
            hs_cli_error("%s", err);
            rc = HS_EXIT_FILE;
            goto done;
        }
    }

    hs_cli_catch_interrupts();
    for (;;) {
        if (hs_cli_interrupted()) {
            hs_cli_error("analyze: interrupted after %.2f s of '%s'; no file written",
                         (double)total / HS_RATE, path);
            rc = HS_EXIT_FAIL;
            goto done;
        }
        long got = hs_audio_in_read(in, buf, block, err, sizeof err);
        if (got < 0) {
            hs_cli_error("%s", err);
            rc = HS_EXIT_FILE;
            goto done;
        }
        if (got == 0) break;
        for (int c = 0; c < nch; c++) {
            for (long i = 0; i < got; i++) {
                double x = buf[c][i];
                if (fabs(x) > peak[c]) peak[c] = fabs(x);
                sumsq[c] += x * x;
            }
            if (mon[c]) {
                hs_monitor_process(mon[c], buf[c], (size_t)got);
                hs_event e;
                while (hs_monitor_poll(mon[c], &e)) {
                    list_add(&list, &e);
                    for (int o = 0; o < nch; o++)   /* phase 2's results for phases 3/4 */
                        if (o != c && mon[o]) hs_monitor_hear(mon[o], &e);
                }
            }
        }
        total += (uint64_t)got;
    }
    for (int c = 0; c < nch; c++) {
        if (!mon[c]) continue;
        hs_monitor_finish(mon[c]);
        hs_event e;
        while (hs_monitor_poll(mon[c], &e)) {
            list_add(&list, &e);
            for (int o = 0; o < nch; o++)
                if (o != c && mon[o]) hs_monitor_hear(mon[o], &e);
        }
    }
    if (list.oom) goto oom;

    if (hs_audio_in_frames_read(in) < hs_audio_in_file_frames(in))
        hs_cli_error("warning: '%s' is truncated: its header announces %.2f s, it holds %.2f s; "
                     "analysed what is there", path,
                     (double)hs_audio_in_file_frames(in) / hs_audio_in_file_rate(in),
                     (double)hs_audio_in_frames_read(in) / hs_audio_in_file_rate(in));

    /* one signal, one channel: where it is strongest */
    for (size_t i = 0; i < list.n; i++) {
        for (size_t j = i + 1; j < list.n; j++) {
            hs_event *x = &list.ev[i], *y = &list.ev[j];
            if (x->type == HS_EV_NONE || y->type == HS_EV_NONE || !same_signal(x, y)) continue;
            if (level_of(y) > level_of(x)) x->type = HS_EV_NONE;
            else y->type = HS_EV_NONE;
        }
    }
    size_t kept = 0;
    for (size_t i = 0; i < list.n; i++)
        if (list.ev[i].type != HS_EV_NONE) list.ev[kept++] = list.ev[i];
    list.n = kept;
    if (list.n) qsort(list.ev, list.n, sizeof *list.ev, by_time);

    char line[HS_EVFMT_MAX];
    for (size_t i = 0; i < list.n; i++) {
        if (fmt == FMT_TEXT) hs_evfmt_text(line, sizeof line, &list.ev[i], HS_EVSRC_CHANNEL);
        else if (fmt == FMT_JSON) hs_evfmt_json(line, sizeof line, &list.ev[i], HS_EVSRC_CHANNEL);
        if (fmt != FMT_NONE) fputs(line, stdout);
        if (labels && hs_labels_add(labels, &list.ev[i]) < 0) goto oom;
    }

    FILE *out = fmt == FMT_TEXT ? stdout : stderr;
    if (list.n) {
        conclude(out, &list, path);
    } else {
        /* nothing recognised: say what the file holds instead */
        double pk = 0, ms = 0;
        int nmon = 0;
        for (int c = 0; c < nch; c++)
            if (mon[c]) {
                if (peak[c] > pk) pk = peak[c];
                ms += total ? sumsq[c] / (double)total : 0.0;
                nmon++;
            }
        ms = nmon ? ms / nmon : 0.0;
        char what[96];
        if (pk == 0.0) snprintf(what, sizeof what, "digital silence");
        else if (hs_power_to_dbm0(ms) < -60.0)
            snprintf(what, sizeof what, "near silence, %.1f dBm0", hs_power_to_dbm0(ms));
        else snprintf(what, sizeof what, "sound at %.1f dBm0, but no modem signal", hs_power_to_dbm0(ms));
        hs_cli_error("no modem signals found in '%s' (%.2f s, %d channel%s: %s)", path,
                     (double)total / HS_RATE, nch, nch == 1 ? "" : "s", what);
        rc = HS_EXIT_FAIL;
    }

    if (lf) {
        hs_labels_write(labels, hs_out_file_stream(lf), total);
        hs_out_file *f = lf;
        lf = NULL;
        if (hs_out_file_close(f, err, sizeof err) < 0) {
            hs_cli_error("%s", err);
            rc = HS_EXIT_FILE;
        }
    }
    goto done;

oom:
    hs_cli_error("analyze: out of memory reading '%s'", path);
    rc = HS_EXIT_FAIL;
done:
    hs_out_file_abort(lf);
    hs_labels_destroy(labels);
    for (int c = 0; c < nch; c++) {
        hs_monitor_destroy(mon[c]);
        free(buf[c]);
    }
    free(list.ev);
    hs_audio_in_close(in);
    if (fflush(stdout) != 0 && rc == HS_EXIT_OK) rc = HS_EXIT_FILE;
    return rc;
}
