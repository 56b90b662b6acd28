/* dsp/rng.h: a small deterministic PRNG whose state lives inside the object that owns it
 * (splitmix64 seeding + xoshiro256**), with uniform and Gaussian draws. */
#ifndef HS_RNG_H
#define HS_RNG_H

#include <math.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
    int      have_spare;
    double   spare;
} hs_rng;

static inline uint64_t hs_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline void hs_rng_seed(hs_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = hs_splitmix64(&seed);
    r->have_spare = 0;
    r->spare = 0.0;
}

static inline uint64_t hs_rng_u64(hs_rng *r)
{
    uint64_t *s = r->s;
    uint64_t x = s[1] * 5;
    uint64_t result = ((x << 7) | (x >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* Uniform in [0, 1). */
static inline double hs_rng_uniform(hs_rng *r) { return (double)(hs_rng_u64(r) >> 11) * 0x1.0p-53; }

/* Standard normal (mean 0, variance 1), polar Box-Muller. */
static inline double hs_rng_gauss(hs_rng *r)
{
    if (r->have_spare) { r->have_spare = 0; return r->spare; }
    double u, v, s;
    do {
        u = 2.0 * hs_rng_uniform(r) - 1.0;
        v = 2.0 * hs_rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double k = sqrt(-2.0 * log(s) / s);
    r->spare = v * k;
    r->have_spare = 1;
    return u * k;
}

#endif
