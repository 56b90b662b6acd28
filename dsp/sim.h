/* dsp/sim.h: caller + answerer + simulated line, run as fast as the CPU allows.
 * Pure and deterministic: the same configs give the same audio and events, whatever
 * block sizes the runner asks for. (Implementation: dsp/sim.c.) */
#ifndef HS_SIM_H
#define HS_SIM_H

#include "events.h"
#include "line.h"
#include "modem.h"

typedef struct {
    hs_line_config  line;
    hs_modem_config caller;
    hs_modem_config answerer;
    double          max_s;        /* give up after this much simulated time (60 s) */
    double          tail_s;       /* keep running this long after both ends finished (0.3 s) */
} hs_sim_config;

hs_sim_config hs_sim_config_default(void);
const char   *hs_sim_config_problem(const hs_sim_config *c);

typedef struct hs_sim hs_sim;
hs_err hs_sim_create(const hs_sim_config *c, hs_sim **out);
void   hs_sim_destroy(hs_sim *s);

/* Advances the simulation by up to n samples and returns how many it ran (0 once finished).
 * Any output pointer may be NULL: caller_tx / answerer_tx are what each modem sent,
 * to_caller / to_answerer what each received (noise, echo and all). */
size_t hs_sim_step(hs_sim *s, size_t n, float *caller_tx, float *answerer_tx,
                   float *to_caller, float *to_answerer);
/* Takes the next event of either endpoint, in sample order; 1 if one was returned. */
int    hs_sim_poll(hs_sim *s, hs_event *ev);
int    hs_sim_finished(const hs_sim *s);
uint64_t hs_sim_get_now(const hs_sim *s);
const hs_modem *hs_sim_get_modem(const hs_sim *s, hs_role role);

#endif
