/* src/pngout.h: write (and, for tests, read) 8-bit RGB PNG files with libpng. */
#ifndef HS_PNGOUT_H
#define HS_PNGOUT_H

#include <stddef.h>
#include <stdint.h>

/* Writes w x h pixels of ARGB8888 (0xAARRGGBB in native uint32, alpha ignored), rows pitch
 * bytes apart, as an 8-bit RGB PNG. Returns 0, or -1 with a reason in err. */
int hs_png_write(const char *path, const uint32_t *argb, int w, int h, size_t pitch,
                 char *err, size_t errlen);

/* Reads a PNG into a malloc'ed ARGB8888 buffer (pitch = 4*w); caller frees *argb.
 * Returns 0, or -1 with a reason in err. */
int hs_png_read(const char *path, uint32_t **argb, int *w, int *h, char *err, size_t errlen);

#endif
