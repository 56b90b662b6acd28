/* dsp/spectrum.h: every spectrum in Handshake, on FFTW (single precision).
 * One module for line probing (V.34 L1/L2 analysis), the analyser and the GUI/PNG
 * spectrogram. Plans are made in create (FFTW_ESTIMATE, internal aligned buffers, so
 * results are deterministic); process never allocates. FFTW's planner is not thread-safe:
 * a program that creates spectra from several threads calls fftwf_make_planner_thread_safe()
 * once at start-up (src/). (Implementation: dsp/spectrum.c.) */
#ifndef HS_SPECTRUM_H
#define HS_SPECTRUM_H

#include "hs.h"

typedef enum { HS_WIN_RECT = 0, HS_WIN_HANN, HS_WIN_BLACKMAN_HARRIS } hs_window;

typedef struct {
    int       size;    /* FFT length in samples (any size >= 16) */
    int       hop;     /* STFT hop in samples (1..size) */
    hs_window window;
} hs_spectrum_config;

hs_spectrum_config hs_spectrum_config_default(void);   /* 256, hop 64, Hann */
const char        *hs_spectrum_config_problem(const hs_spectrum_config *c);

typedef struct hs_spectrum hs_spectrum;
hs_err hs_spectrum_create(const hs_spectrum_config *c, hs_spectrum **out);
void   hs_spectrum_reset(hs_spectrum *s);
void   hs_spectrum_destroy(hs_spectrum *s);
int    hs_spectrum_bins(const hs_spectrum *s);          /* size/2 + 1 */
double hs_spectrum_bin_hz(const hs_spectrum *s);        /* HS_RATE / size */

/* One frame: in[0..size) -> power[0..bins) as the mean-square amplitude a sine centred on
 * that bin would have (window gain normalised: a full-scale sine on a bin gives 0.5 there),
 * and, if phase != NULL, its phase in radians. */
void   hs_spectrum_frame(hs_spectrum *s, const float *in, float *power, float *phase);

/* Streaming STFT: feed any number of samples; every `hop` samples (once `size` are in)
 * a row of log power (dBm0 per bin, via dsp/level.h) becomes available. Returns the number
 * of complete rows produced by this call; rows are read with hs_spectrum_pop_row in order.
 * At most `max_pending` rows (16) are kept; older ones are dropped and counted. */
size_t hs_spectrum_push(hs_spectrum *s, const float *in, size_t n);
int    hs_spectrum_pop_row(hs_spectrum *s, float *row_dbm0, uint64_t *centre_sample);
uint64_t hs_spectrum_dropped_rows(const hs_spectrum *s);

#endif
