/* dsp/hs.h: conventions shared by every block of the engine.
 * The engine is pure computation: no I/O, no globals, no clocks, no threads.
 * Time is a sample count at HS_RATE (8000 Hz). */
#ifndef HS_HS_H
#define HS_HS_H

#include <stddef.h>
#include <stdint.h>

#define HS_RATE 8000                       /* engine sample rate, Hz */
#define HS_MS(ms) ((uint64_t)((ms) * (HS_RATE / 1000)))   /* milliseconds -> samples */
#define HS_PI 3.14159265358979323846

typedef enum { HS_OK = 0, HS_EINVAL, HS_ENOMEM, HS_ESTATE } hs_err;
const char *hs_err_str(hs_err e);

#endif
