/* src/evfmt.h: events (dsp/events.h) as text: a human timeline, JSON lines, and an
 * Audacity label track. Generic over the event fields: nothing here knows a message.
 *
 * JSON line (one object per event):
 *   {"t":1.234,"sample":9872,"t_start":1.1,"start":8800,"endpoint":"caller","type":"v8.jm",
 *    <each plain field>, "fields":{<decoded fields; a repeated key becomes an array>},
 *    "octets":"C1 45 13 10 2A"}            (or "bits":"0101..." for a bit payload)
 * "endpoint" is "caller"/"answerer" for a simulation, replaced by "channel":N (1-based)
 * for an analysis. */
#ifndef HS_EVFMT_H
#define HS_EVFMT_H

#include <stdio.h>

#include "events.h"

typedef enum {
    HS_EVSRC_ENDPOINT = 0,  /* source is HS_SRC_CALLER / HS_SRC_ANSWERER ("endpoint") */
    HS_EVSRC_CHANNEL,       /* source is a channel number ("channel") */
} hs_evsrc;

#define HS_EVFMT_MAX 8192   /* enough for any event in any format */

/* Each writes one line (with '\n') into buf like snprintf and returns its length
 * (truncated output is still NUL-terminated). */
size_t hs_evfmt_text(char *buf, size_t size, const hs_event *e, hs_evsrc src);
size_t hs_evfmt_json(char *buf, size_t size, const hs_event *e, hs_evsrc src);
/* The text of the event without time and newline ("caller v8.jm C1 45 ... data; ..."). */
size_t hs_evfmt_summary(char *buf, size_t size, const hs_event *e, hs_evsrc src);
/* Name of the source: "caller", "answerer", or "ch1". */
const char *hs_evfmt_source(const hs_event *e, hs_evsrc src, char *buf, size_t size);

/* Audacity label track: every event becomes "start\tend\ttext" (seconds). A decoded signal
 * spans from its start to the sample where it was recognised; an HS_EV_TX signal lasts
 * until the next tx event of the same source (or the end of the run). */
typedef struct hs_labels hs_labels;
hs_labels *hs_labels_create(hs_evsrc src);   /* NULL if out of memory */
int        hs_labels_add(hs_labels *l, const hs_event *e);   /* 0, or -1 out of memory */
size_t     hs_labels_count(const hs_labels *l);
/* end_sample: the end of the run (closes tx signals still on). Returns 0, or -1 on a write
 * error. Labels come out sorted by start time. */
int        hs_labels_write(const hs_labels *l, FILE *f, uint64_t end_sample);
void       hs_labels_destroy(hs_labels *l);

#endif
