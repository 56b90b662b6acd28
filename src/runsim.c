/* src/runsim.c: the sim loop with a chain of sinks. */
#include "runsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modem.h"

hs_run_opts hs_run_opts_default(void)
{
    hs_run_opts o;
    memset(&o, 0, sizeof o);
    o.block = 160;
    return o;
}

void hs_sim_sink_append(hs_sim_sink **head, hs_sim_sink *s)
{
    while (*head) head = &(*head)->next;
    *head = s;
}

static const char *field_str(const hs_event *e, const char *key)
{
    const hs_field *f = hs_event_field(e, key);
    return f && f->kind == HS_F_STR ? f->v.s : NULL;
}

hs_run_status hs_run_sim(const hs_sim_config *cfg, const hs_run_opts *o, hs_sim_sink *sinks,
                         hs_run_result *r)
{
    memset(r, 0, sizeof *r);
    r->failed_endpoint = -1;
    r->status = HS_RUN_ERROR;
    size_t block = o && o->block ? o->block : 160;

    const char *why = hs_sim_config_problem(cfg);
    if (why) {
        snprintf(r->message, sizeof r->message, "%s", why);
        return r->status;
    }
    hs_sim *s = NULL;
    hs_err e = hs_sim_create(cfg, &s);
    float *buf = malloc(4 * block * sizeof *buf);
    if (e != HS_OK || !buf) {
        snprintf(r->message, sizeof r->message, "cannot start the simulation: %s",
                 hs_err_str(e != HS_OK ? e : HS_ENOMEM));
        hs_sim_destroy(s);
        free(buf);
        return r->status;
    }
    float *ctx = buf, *atx = buf + block, *toc = buf + 2 * block, *toa = buf + 3 * block;

    const char *phase[2] = { NULL, NULL };     /* current phase of each endpoint */
    int stop = 0;
    for (;;) {
        uint64_t t0 = hs_sim_get_now(s);
        size_t n = hs_sim_step(s, block, ctx, atx, toc, toa);
        if (n == 0) break;
        hs_sim_block b = { t0, n, ctx, atx, toc, toa };
        for (hs_sim_sink *k = sinks; k; k = k->next)
            if (k->on_audio && k->on_audio(k->user, &b)) stop = 1;
        hs_event ev;
        while (hs_sim_poll(s, &ev)) {
            int src = ev.source <= 1 ? ev.source : 0;
            if (ev.type == HS_EV_PHASE) {
                const char *name = field_str(&ev, "name");
                if (name) phase[src] = name;
            }
            const char *reason = ev.type == HS_EV_RESULT ? field_str(&ev, "reason") : NULL;
            if (reason && !r->ep[src].failed) {
                const char *in = field_str(&ev, "phase");
                r->ep[src].failed = 1;
                r->ep[src].at = ev.sample;
                r->ep[src].reason = reason;
                r->ep[src].phase = in ? in : phase[src] ? phase[src] : "start-up";
                if (r->failed_endpoint < 0) {
                    r->failed_endpoint = src;
                    r->failed_at = ev.sample;
                    r->reason = reason;
                    r->failed_phase = r->ep[src].phase;
                }
            }
            for (hs_sim_sink *k = sinks; k; k = k->next)
                if (k->on_event && k->on_event(k->user, &ev)) stop = 1;
        }
        if (stop) break;
    }

    r->end_sample = hs_sim_get_now(s);
    const hs_modem *mc = hs_sim_get_modem(s, HS_ROLE_CALLER);
    const hs_modem *ma = hs_sim_get_modem(s, HS_ROLE_ANSWERER);
    r->caller_status = mc ? (int)hs_modem_get_status(mc) : HS_MODEM_RUNNING;
    r->answerer_status = ma ? (int)hs_modem_get_status(ma) : HS_MODEM_RUNNING;
    r->caller_result = mc ? hs_modem_get_result(mc) : NULL;
    r->answerer_result = ma ? hs_modem_get_result(ma) : NULL;

    if (stop) {
        r->status = HS_RUN_INTERRUPTED;
    } else if (r->caller_status == HS_MODEM_FAILED || r->answerer_status == HS_MODEM_FAILED) {
        r->status = HS_RUN_FAILED;
        if (r->failed_endpoint < 0) {
            /* no result event carried a reason: take it from the modem */
            int who = r->caller_status == HS_MODEM_FAILED ? HS_SRC_CALLER : HS_SRC_ANSWERER;
            r->failed_endpoint = who;
            r->failed_at = r->end_sample;
            r->reason = who == HS_SRC_CALLER ? r->caller_result : r->answerer_result;
            r->failed_phase = phase[who];
        }
    } else if (r->caller_status == HS_MODEM_DONE && r->answerer_status == HS_MODEM_DONE) {
        const char *a = r->caller_result ? r->caller_result : "";
        const char *b = r->answerer_result ? r->answerer_result : "";
        if (strcmp(a, b) == 0) {
            r->status = HS_RUN_OK;
            r->mode = r->caller_result;
        } else {
            r->status = HS_RUN_FAILED;
            r->failed_endpoint = HS_SRC_CALLER;
            r->failed_at = r->end_sample;
            r->failed_phase = phase[0];
            r->reason = "the caller and the answerer chose different modes";
        }
    } else {
        r->status = HS_RUN_TIMEOUT;
        r->failed_endpoint = r->caller_status != HS_MODEM_DONE ? HS_SRC_CALLER : HS_SRC_ANSWERER;
        r->failed_at = r->end_sample;
        r->failed_phase = phase[r->failed_endpoint];
        r->reason = "no result before the time limit";
    }
    r->failed_phase = r->failed_endpoint >= 0 && !r->failed_phase ? "start-up" : r->failed_phase;

    for (hs_sim_sink *k = sinks; k; k = k->next)
        if (k->on_end) k->on_end(k->user, r);
    hs_sim_destroy(s);
    free(buf);
    return r->status;
}
