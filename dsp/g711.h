/* dsp/g711.h: ITU-T G.711 PCM (mu-law and A-law) and the one float <-> int16 conversion.
 *
 * Codes are the 8-bit values as sent on the line (mu-law: all bits inverted, 0xFF = +0 and
 * 0x7F = -0; A-law: even bits inverted, 0xD5/0x55 are the smallest positive/negative values).
 * Linear values are 16-bit: mu-law's 14-bit range (+-8159) and A-law's 13-bit range (+-4096)
 * are shifted up by 2 and 3 bits, so the largest decoded values are +-32124 (mu-law) and
 * +-32256 (A-law). Encoding rounds to the nearest decision interval of G.711 Tables 1 and 2;
 * decoding returns the interval's mid value.
 *
 * Float scale: full scale +-1.0 maps to +-32768, i.e. s16 = round(x * 32768) and
 * x = s16 / 32768. The int16 range is [-32768, 32767], so +1.0 itself is one step beyond the
 * positive end: it saturates to 32767 and counts as a clip, like anything outside
 * [-1.0, 32767.5/32768). */
#ifndef HS_G711_H
#define HS_G711_H

#include <stddef.h>
#include <stdint.h>

#define HS_S16_SCALE 32768.0f   /* int16 units per 1.0 of float full scale */

uint8_t hs_ulaw_encode(int16_t x);
int16_t hs_ulaw_decode(uint8_t code);
uint8_t hs_alaw_encode(int16_t x);
int16_t hs_alaw_decode(uint8_t code);

/* Rounds to nearest (halves away from zero), saturates; returns how many samples clipped. */
size_t hs_float_to_s16(const float *in, int16_t *out, size_t n);
void   hs_s16_to_float(const int16_t *in, float *out, size_t n);

#endif
