/* dsp/level.h: the one place where dBm0 meets float samples.
 * Convention (G.711, as in spandsp's DBM0_MAX_SINE_POWER): a full-scale sine (peak 1.0)
 * is +3.14 dBm0. See spec/v8.md §1.5. */
#ifndef HS_LEVEL_H
#define HS_LEVEL_H

#include <math.h>

#define HS_DBM0_FULL_SCALE_SINE 3.14      /* dBm0 of a sine with peak 1.0 */

/* Peak amplitude of a sine at level_dbm0. */
static inline double hs_dbm0_to_peak(double level_dbm0)
{
    return pow(10.0, (level_dbm0 - HS_DBM0_FULL_SCALE_SINE) / 20.0);
}
/* Mean power (mean of x^2) of any signal at level_dbm0: a sine's power is peak^2/2. */
static inline double hs_dbm0_to_power(double level_dbm0)
{
    double p = hs_dbm0_to_peak(level_dbm0);
    return 0.5 * p * p;
}
/* Level in dBm0 of a signal whose mean square is power (clamped at -200 dBm0). */
static inline double hs_power_to_dbm0(double power)
{
    if (power < 1e-30) return -200.0;
    return 10.0 * log10(power / 0.5) + HS_DBM0_FULL_SCALE_SINE;
}

#endif
