/* src/cmd_sim.c: `handshake sim`: caller + answerer over a simulated line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "evfmt.h"
#include "modem.h"
#include "runsim.h"
#include "sim_hooks.h"
#include "wavio.h"

static const char sim_help[] =
    "usage: handshake sim [line options] [options]\n"
    "\n"
    "Runs a caller and an answerer modem against each other over a simulated telephone line,\n"
    "as fast as the CPU allows, prints the timeline of what each one sends and recognises,\n"
    "and ends with the negotiated mode or the reason the handshake failed.\n"
    "\n"
    "options:\n"
    "  --wav FILE         write the line as a 16-bit 8000 Hz WAV: left = caller transmit,\n"
    "                     right = answerer transmit\n"
    "  --mono             write one channel instead: the sum of both\n"
    "  --events FORMAT    timeline on standard output: text (default), json (one JSON object\n"
    "                     per line) or none\n"
    "  --labels FILE      write an Audacity label track of the events ('-' = standard output)\n"
    "  --trace            include every state-machine transition\n"
    "  --ci               the caller sends CI while it waits for the answer tone\n"
    "  --answer-tone T    answerer's answer tone: ansam-pr (default), ansam, ans, ans-pr, silent\n"
    "  --stop-after P     stop after v8, phase2, phase3 or connect (default: connect)\n"
    "  --max-seconds S    give up after S seconds of simulated time (default 60)\n"
    "  --gui              show the live spectrogram window\n"
    "  --exit-after S     with --gui: close the window after S seconds\n"
    "  --play             play the line through the sound card, in real time\n"
    "  --play-until-data  like --play, but the speaker falls silent when the start-up ends (ATM1)\n"
    "  --device NAME      sound device for --play\n"
    "\n";
static const char sim_help_end[] =
    "\n"
    "exit status: 0 handshake completed, 1 handshake failed, 2 usage error,\n"
    "             3 file or audio device problem\n";

typedef enum { FMT_TEXT = 0, FMT_JSON, FMT_NONE } ev_format;

typedef struct {
    ev_format   fmt;
    int         trace;
    hs_labels  *labels;
    int         oom;
    struct { int got, tx_bps; double sym, snr; } conn[2];   /* each endpoint's connect event */
} print_sink;

static int check_interrupt(void *user, const hs_sim_block *b)
{
    (void)user;
    (void)b;
    return hs_cli_interrupted();
}

static int print_event(void *user, const hs_event *ev)
{
    print_sink *p = user;
    if (ev->type == HS_EV_CONNECT && ev->source < 2) {
        const hs_field *r = hs_event_field(ev, "tx_rate_bps"), *y = hs_event_field(ev, "symbol_rate"),
                       *n = hs_event_field(ev, "snr_db");
        p->conn[ev->source].got = 1;
        p->conn[ev->source].tx_bps = r ? (int)r->v.i : 0;
        p->conn[ev->source].sym = y ? y->v.x : 0.0;
        p->conn[ev->source].snr = n ? n->v.x : 0.0;
    }
    if (ev->type == HS_EV_STATE && !p->trace) return 0;
    char line[HS_EVFMT_MAX];
    if (p->fmt == FMT_TEXT) {
        hs_evfmt_text(line, sizeof line, ev, HS_EVSRC_ENDPOINT);
        fputs(line, stdout);
    } else if (p->fmt == FMT_JSON) {
        hs_evfmt_json(line, sizeof line, ev, HS_EVSRC_ENDPOINT);
        fputs(line, stdout);
    }
    if (p->labels && hs_labels_add(p->labels, ev) < 0) p->oom = 1;
    return 0;
}

typedef struct {
    hs_wav_out *w;
    int         mono;
    int         failed;
    char        err[HS_ERRLEN];
    float       mix[1024];
} wav_sink;

static int wav_audio(void *user, const hs_sim_block *b)
{
    wav_sink *s = user;
    if (s->failed) return 0;
    if (s->mono) {
        for (size_t done = 0; done < b->n;) {
            size_t take = b->n - done < 1024 ? b->n - done : 1024;
            for (size_t i = 0; i < take; i++) s->mix[i] = b->caller_tx[done + i] + b->answerer_tx[done + i];
            const float *ch[1] = { s->mix };
            if (hs_wav_out_write(s->w, ch, take, s->err, sizeof s->err) < 0) { s->failed = 1; return 1; }
            done += take;
        }
        return 0;
    }
    const float *ch[2] = { b->caller_tx, b->answerer_tx };
    if (hs_wav_out_write(s->w, ch, b->n, s->err, sizeof s->err) < 0) {
        s->failed = 1;
        return 1;   /* no point simulating on without the file the user asked for */
    }
    return 0;
}

static double secs(uint64_t samples) { return (double)samples / HS_RATE; }

static const char *endpoint_name(int who) { return who == HS_SRC_ANSWERER ? "answerer" : "caller"; }

/* The last line: what was negotiated, or where and why it failed. */
static void summarize(const hs_run_result *r, ev_format fmt, const hs_sim_config *cfg, const print_sink *p)
{
    FILE *out = fmt == FMT_TEXT ? stdout : stderr;
    /* V.34: "CONNECT <slower rate> (caller->answerer ... at ... Bd, SNR measured by the
     * answerer; answerer->caller ...)" */
    char conn[256] = "";
    if (p->conn[0].got && p->conn[1].got) {
        int lo = p->conn[0].tx_bps < p->conn[1].tx_bps ? p->conn[0].tx_bps : p->conn[1].tx_bps;
        snprintf(conn, sizeof conn,
                 "; CONNECT %d (caller->answerer %d bit/s at %.0f Bd, SNR %.1f dB; "
                 "answerer->caller %d bit/s at %.0f Bd, SNR %.1f dB)",
                 lo, p->conn[0].tx_bps, p->conn[0].sym, p->conn[1].snr, p->conn[1].tx_bps, p->conn[1].sym,
                 p->conn[0].snr);
    }
    switch (r->status) {
    case HS_RUN_OK:
        if (fmt == FMT_TEXT)
            fprintf(out, "%7.3f s  result    %s negotiated%s; both endpoints done\n",
                    secs(r->end_sample), r->mode ? r->mode : "?", conn);
        else
            fprintf(out, "handshake: %s negotiated%s; both endpoints done at %.3f s\n",
                    r->mode ? r->mode : "?", conn, secs(r->end_sample));
        break;
    case HS_RUN_FAILED: {
        int first = r->failed_endpoint, other = !first;
        char also[160] = "";
        if (r->ep[other].failed && r->ep[other].reason)
            snprintf(also, sizeof also, "; %s (at %.2f s): %s", endpoint_name(other),
                     secs(r->ep[other].at), r->ep[other].reason);
        hs_cli_error("%s failed at %.2f s: %s: %s%s; try --trace", r->failed_phase,
                     secs(r->failed_at), endpoint_name(first),
                     r->reason ? r->reason : "no reason", also);
        break;
    }
    case HS_RUN_TIMEOUT:
        hs_cli_error("no result after %.1f s of simulated time (%s still in %s); "
                     "raise --max-seconds or try --trace",
                     cfg->max_s, endpoint_name(r->failed_endpoint), r->failed_phase);
        break;
    case HS_RUN_INTERRUPTED:
        hs_cli_error("stopped at %.2f s before the handshake finished", secs(r->end_sample));
        break;
    case HS_RUN_ERROR:
        hs_cli_error("sim: %s", r->message);
        break;
    }
}

int hs_cmd_sim(int argc, char **argv)
{
    static const char *const formats[] = { "text", "json", "none", NULL };
    static const char *const tones[] = { "ansam-pr", "ansam", "ans", "ans-pr", "silent", NULL };
    static const char *const stops[] = { "v8", "phase2", "phase3", "connect", NULL };
    static const hs_stop_after stop_value[] = { HS_STOP_AFTER_V8, HS_STOP_AFTER_PHASE2,
                                                HS_STOP_AFTER_PHASE3, HS_STOP_AT_CONNECT };

    hs_sim_config cfg = hs_sim_config_default();
    const char *wav_path = NULL, *labels_path = NULL, *device = NULL;
    int mono = 0, trace = 0, ci = 0, gui = 0, play = 0, until_data = 0, fmt = FMT_TEXT, r;
    double exit_after_s = 0;

    hs_args a;
    hs_args_init(&a, "sim", argc, argv);
    while (hs_args_more(&a)) {
        const char *arg = hs_args_cur(&a);
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(sim_help, stdout);
            hs_line_options_print(stdout);
            fputs(sim_help_end, stdout);
            return HS_EXIT_OK;
        }
        if ((r = hs_line_option(&a, &cfg.line))) {
            if (r < 0) return HS_EXIT_USAGE;
        } else if ((r = hs_args_opt(&a, "--wav"))) {
            if (r < 0) return HS_EXIT_USAGE;
            wav_path = a.val;
        } else if ((r = hs_args_opt(&a, "--labels"))) {
            if (r < 0) return HS_EXIT_USAGE;
            labels_path = a.val;
        } else if ((r = hs_args_opt(&a, "--events"))) {
            if (r < 0 || hs_parse_choice("--events", a.val, formats, &fmt) < 0) return HS_EXIT_USAGE;
        } else if ((r = hs_args_opt(&a, "--answer-tone"))) {
            int t;
            if (r < 0 || hs_parse_choice("--answer-tone", a.val, tones, &t) < 0) return HS_EXIT_USAGE;
            cfg.answerer.answer_tone = (hs_answer_tone)t;
        } else if ((r = hs_args_opt(&a, "--stop-after"))) {
            int s;
            if (r < 0 || hs_parse_choice("--stop-after", a.val, stops, &s) < 0) return HS_EXIT_USAGE;
            cfg.caller.stop_after = cfg.answerer.stop_after = stop_value[s];
        } else if ((r = hs_args_opt(&a, "--max-seconds"))) {
            if (r < 0 || hs_parse_double("--max-seconds", a.val, 0.1, 3600, "s", &cfg.max_s) < 0)
                return HS_EXIT_USAGE;
        } else if ((r = hs_args_opt(&a, "--exit-after"))) {
            if (r < 0 || hs_parse_double("--exit-after", a.val, 0.1, 86400, "s", &exit_after_s) < 0)
                return HS_EXIT_USAGE;
        } else if ((r = hs_args_opt(&a, "--device"))) {
            if (r < 0) return HS_EXIT_USAGE;
            device = a.val;
        } else if ((r = hs_args_flag(&a, "--mono")) || (r = hs_args_flag(&a, "--trace")) ||
                   (r = hs_args_flag(&a, "--ci")) || (r = hs_args_flag(&a, "--gui")) ||
                   (r = hs_args_flag(&a, "--play")) || (r = hs_args_flag(&a, "--play-until-data"))) {
            if (r < 0) return HS_EXIT_USAGE;
            if (strcmp(a.name, "--mono") == 0) mono = 1;
            else if (strcmp(a.name, "--trace") == 0) trace = 1;
            else if (strcmp(a.name, "--ci") == 0) ci = 1;
            else if (strcmp(a.name, "--gui") == 0) gui = 1;
            else if (strcmp(a.name, "--play-until-data") == 0) play = until_data = 1;
            else play = 1;
        } else {
            return hs_args_unknown(&a);
        }
    }
    if (wav_path && strcmp(wav_path, "-") == 0) {
        hs_cli_error("sim: --wav -: a WAV file needs a seekable file, not standard output");
        return HS_EXIT_USAGE;
    }
    if (mono && !wav_path && !play) {
        hs_cli_error("sim: --mono needs --wav FILE (or --play)");
        return HS_EXIT_USAGE;
    }
    if (wav_path && labels_path && strcmp(wav_path, labels_path) == 0 && strcmp(wav_path, "-") != 0) {
        hs_cli_error("sim: --wav and --labels both name '%s'", wav_path);
        return HS_EXIT_USAGE;
    }
    if (labels_path && strcmp(labels_path, "-") == 0 && fmt != FMT_NONE) {
        hs_cli_error("sim: --labels - writes to standard output; add --events none");
        return HS_EXIT_USAGE;
    }
    cfg.caller.trace = cfg.answerer.trace = trace;
    if (ci) cfg.caller.send_ci = 1;
    const char *why = hs_sim_config_problem(&cfg);
    if (why) {
        hs_cli_error("sim: %s", why);
        return HS_EXIT_USAGE;
    }

    /* open every output first: a bad path fails before the run, not after it */
    char err[HS_ERRLEN];
    int rc = HS_EXIT_OK;
    hs_sim_sink *chain = NULL;
    hs_sim_sink psink = { 0 }, wsink = { 0 };
    hs_sim_sink *gsink = NULL, *asink = NULL;
    print_sink pr;
    memset(&pr, 0, sizeof pr);
    pr.fmt = (ev_format)fmt;
    pr.trace = trace;
    wav_sink *ws = NULL;
    hs_out_file *lf = NULL;

    if (labels_path) {
        pr.labels = hs_labels_create(HS_EVSRC_ENDPOINT);
        if (!pr.labels) {
            hs_cli_error("sim: out of memory");
            return HS_EXIT_FAIL;
        }
        if (hs_out_file_open(labels_path, &lf, err, sizeof err) < 0) {
            hs_cli_error("%s", err);
            hs_labels_destroy(pr.labels);
            return HS_EXIT_FILE;
        }
    }
    if (wav_path) {
        ws = calloc(1, sizeof *ws);
        if (!ws) {
            hs_cli_error("sim: out of memory");
            rc = HS_EXIT_FAIL;
            goto done;
        }
        ws->mono = mono;
        if (hs_wav_out_open(wav_path, mono ? 1 : 2, &ws->w, err, sizeof err) < 0) {
            hs_cli_error("%s", err);
            rc = HS_EXIT_FILE;
            goto done;
        }
        wsink.user = ws;
        wsink.on_audio = wav_audio;
        hs_sim_sink_append(&chain, &wsink);
    }
    psink.user = &pr;
    psink.on_event = print_event;
    psink.on_audio = check_interrupt;
    hs_sim_sink_append(&chain, &psink);

    hs_sim_hook_args ha = { &cfg, mono, device, until_data, exit_after_s };
    if (gui) {
        int e = hs_gui_sim_sink_create(&ha, &gsink, err, sizeof err);
        if (e) {
            hs_cli_error("%s", err);
            rc = e;
            goto done;
        }
        hs_sim_sink_append(&chain, gsink);
    }
    if (play) {
        int e = hs_play_sim_sink_create(&ha, &asink, err, sizeof err);
        if (e) {
            hs_cli_error("%s", err);
            rc = e;
            goto done;
        }
        hs_sim_sink_append(&chain, asink);
    }

    hs_cli_catch_interrupts();
    hs_run_opts o = hs_run_opts_default();
    hs_run_result res;
    hs_run_status st = hs_run_sim(&cfg, &o, chain, &res);
    fflush(stdout);

    if (ws && ws->failed) {
        hs_cli_error("%s", ws->err);
        rc = HS_EXIT_FILE;
        goto done;
    }
    if (hs_cli_interrupted()) {
        /* the user stopped it: leave every output file as it was */
        hs_cli_error("interrupted at %.2f s of simulated time; no file written", secs(res.end_sample));
        rc = HS_EXIT_FAIL;
        goto done;
    }
    summarize(&res, (ev_format)fmt, &cfg, &pr);
    rc = st == HS_RUN_OK ? HS_EXIT_OK : HS_EXIT_FAIL;

    if (ws) {
        uint64_t clips = hs_wav_out_clips(ws->w);
        hs_wav_out *w = ws->w;
        ws->w = NULL;
        if (hs_wav_out_close(w, err, sizeof err) < 0) {
            hs_cli_error("%s", err);
            rc = HS_EXIT_FILE;
        } else if (clips) {
            hs_cli_error("warning: %llu samples clipped in '%s'", (unsigned long long)clips, wav_path);
        }
    }
    if (lf) {
        if (pr.oom) hs_cli_error("warning: out of memory: some labels are missing");
        hs_labels_write(pr.labels, hs_out_file_stream(lf), res.end_sample);
        hs_out_file *f = lf;
        lf = NULL;
        if (hs_out_file_close(f, err, sizeof err) < 0) {
            hs_cli_error("%s", err);
            rc = HS_EXIT_FILE;
        }
    }

done:
    if (ws) {
        hs_wav_out_abort(ws->w);
        free(ws);
    }
    hs_out_file_abort(lf);
    hs_labels_destroy(pr.labels);
    hs_gui_sim_sink_destroy(gsink);
    hs_play_sim_sink_destroy(asink);
    if (fflush(stdout) != 0 && rc == HS_EXIT_OK) rc = HS_EXIT_FILE;
    return rc;
}
