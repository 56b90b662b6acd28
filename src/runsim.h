/* src/runsim.h: the `sim` runner: caller + answerer + simulated line (dsp/sim.h), driven
 * block by block, with the results handed to a chain of sinks.
 *
 * A sink is a set of callbacks. The command line attaches its own sinks (timeline printer,
 * WAV writer, label track); the GUI (--gui) and the speaker (--play) attach theirs the same
 * way (see src/sim_hooks.h). Every callback runs on the thread that called hs_run_sim, in
 * sample order: for each block, on_audio first, then on_event for the events of that block.
 * A callback may block (that is how --play paces the run to the sound card) and may ask to
 * stop the run by returning nonzero (a closed window). */
#ifndef HS_RUNSIM_H
#define HS_RUNSIM_H

#include <stddef.h>
#include <stdint.h>

#include "events.h"
#include "sim.h"

/* One block of the simulation. Pointers are valid during the callback only. */
typedef struct {
    uint64_t     t0;           /* sample number of the first sample of the block */
    size_t       n;            /* samples in the block */
    const float *caller_tx;    /* what the caller sent */
    const float *answerer_tx;  /* what the answerer sent */
    const float *to_caller;    /* what the caller received (line noise, echo and all) */
    const float *to_answerer;  /* what the answerer received */
} hs_sim_block;

typedef enum {
    HS_RUN_OK = 0,         /* both endpoints finished and agree on the mode */
    HS_RUN_FAILED,         /* an endpoint failed (reason in the result) */
    HS_RUN_TIMEOUT,        /* max_s ran out before both endpoints finished */
    HS_RUN_INTERRUPTED,    /* a sink asked to stop */
    HS_RUN_ERROR,          /* could not start (bad config, out of memory): message set */
} hs_run_status;

typedef struct {
    hs_run_status status;
    uint64_t      end_sample;        /* samples simulated */
    const char   *caller_result;     /* hs_modem_get_result: mode or failure reason (static) */
    const char   *answerer_result;
    int           caller_status;     /* hs_modem_status */
    int           answerer_status;
    const char   *mode;              /* negotiated mode when HS_RUN_OK */
    /* the failure: which endpoint, in which phase ("V.8"), when, and why */
    int           failed_endpoint;   /* HS_SRC_CALLER / HS_SRC_ANSWERER, -1 if none */
    const char   *failed_phase;
    uint64_t      failed_at;
    const char   *reason;
    struct {                         /* each endpoint's own failure, if any */
        int         failed;
        uint64_t    at;
        const char *phase, *reason;
    } ep[2];                         /* [HS_SRC_CALLER], [HS_SRC_ANSWERER] */
    char          message[256];      /* HS_RUN_ERROR: what went wrong */
} hs_run_result;

typedef struct hs_sim_sink hs_sim_sink;
struct hs_sim_sink {
    void *user;
    /* Each callback may be NULL. Return nonzero from on_audio/on_event to stop the run. */
    int  (*on_audio)(void *user, const hs_sim_block *b);
    int  (*on_event)(void *user, const hs_event *ev);
    /* Once, after the last block (also after an interruption). */
    void (*on_end)(void *user, const hs_run_result *r);
    hs_sim_sink *next;   /* the next sink in the chain, or NULL */
};

typedef struct {
    size_t block;           /* samples per step (160 = 20 ms); 0 means 160 */
} hs_run_opts;

hs_run_opts hs_run_opts_default(void);

/* Runs the simulation to its end, feeding every sink in the chain. Returns r->status. */
hs_run_status hs_run_sim(const hs_sim_config *cfg, const hs_run_opts *o, hs_sim_sink *sinks,
                         hs_run_result *r);

/* Appends sink s (s->next must be NULL) to the chain *head. */
void hs_sim_sink_append(hs_sim_sink **head, hs_sim_sink *s);

#endif
