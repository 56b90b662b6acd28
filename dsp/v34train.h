/* dsp/v34train.h: the V.34 phase-3/4 training signals as symbol sequences
 * [V.34 10.1.3, digest §5 and §6.3].
 *
 * Points are returned normalised to unit mean power (4-point set / sqrt 2, 16-point set
 * / sqrt 10, PP already on the unit circle), digest §7.1. Rotation "clockwise by q quarter
 * turns" is (x, y) -> (y, -x) applied q times (digest §0).
 *
 *   S      (1,1), (-1,1), ...         128 T  [10.1.3.7]
 *   S-bar  (-1,-1), (1,-1), ...        16 T
 *   PP     48-symbol period, x 6     288 T  [10.1.3.6]
 *   TRN    scrambled ones, absolute q = I1 + 2 I2 (+ label Q1 + 2 Q2 for 16 points) [10.1.3.8]
 *   J, J', MP, MP', E: scrambled bits, differential Z = Z + I1 + 2 I2 from the last TRN
 *          symbol; 16 points: label Q1 + 2 Q2 not differential [10.1.3.3, 10.1.3.9, 10.1.3.2]
 */
#ifndef HS_V34TRAIN_H
#define HS_V34TRAIN_H

#include <complex.h>
#include <stdint.h>
#include "scrambler.h"

#define HS_V34_S_LEN     128
#define HS_V34_SBAR_LEN  16
#define HS_V34_PP_PERIOD 48
#define HS_V34_PP_LEN    288
#define HS_V34_TRN_MIN   512
#define HS_V34_E_BITS    20

/* Grid point (odd integers) of label 0..3 turned clockwise by q quarter turns (§5.2 table). */
void hs_v34_point(int label, int q, int *x, int *y);
/* Normalised point of the 4- or 16-point set (points = 4 uses label 0 only). */
float complex hs_v34_point_norm(int points, int label, int q);
/* Nearest point of the 4- or 16-point set to y (normalised units): returns it and its
 * (label, q). */
float complex hs_v34_slice(float complex y, int points, int *label, int *q);

float complex hs_v34_s_symbol(unsigned i);      /* i-th symbol of S (period 2) */
float complex hs_v34_sbar_symbol(unsigned i);   /* i-th symbol of S-bar */
float complex hs_v34_pp_symbol(unsigned i);     /* i-th symbol of PP (period 48) */

/* J patterns in line order, 16 bits each [Table 18, 19]. */
const uint8_t *hs_v34_j_bits(int points);       /* J asking for 4- or 16-point */
const uint8_t *hs_v34_jprime_bits(void);
/* Which J a 16-bit window (line order) is: 4 or 16, 1 for J', 0 for none. */
int hs_v34_j_match(const uint8_t bits[16]);

/* Transmit mapper: scrambler + differential encoder state. */
typedef struct {
    hs_scrambler scr;
    int          z;       /* rotation index of the last symbol sent */
} hs_v34_mapper;

void hs_v34_mapper_init(hs_v34_mapper *m, hs_scr_poly poly);
void hs_v34_mapper_start_trn(hs_v34_mapper *m);                 /* register to zero */
/* Next TRN symbol (scrambled ones), 4 or 16 points; q_out (may be NULL) gets q. */
float complex hs_v34_trn_symbol(hs_v34_mapper *m, int points, int *q_out);
/* Next differential symbol carrying bits[0..bps-1] (bps = 2 for 4 points, 4 for 16). */
float complex hs_v34_diff_symbol(hs_v34_mapper *m, int points, const uint8_t *bits);

/* Receive demapper: decide, differentially decode and descramble. */
typedef struct {
    hs_scrambler scr;
    int          z;       /* rotation index of the last symbol received */
} hs_v34_demapper;

void hs_v34_demapper_init(hs_v34_demapper *d, hs_scr_poly far_poly);
/* Decides y; writes 2 or 4 descrambled bits; returns the number of bits. */
int  hs_v34_demap_diff(hs_v34_demapper *d, float complex y, int points, uint8_t *bits);
/* For a TRN symbol (absolute mapping): keep the descrambler and z in step. */
void hs_v34_demap_trn(hs_v34_demapper *d, float complex y, int points);

#endif
