/* src/pngout.c: PNG files through libpng. */
#include "pngout.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "cannot open 'x.png' for writing: why" / "cannot write 'x.png': why" */
static void seterr(char *err, size_t errlen, const char *what, const char *path, const char *why)
{
    if (!err || !errlen) return;
    if (strncmp(what, "open ", 5) == 0) snprintf(err, errlen, "cannot open '%s' %s: %s", path, what + 5, why);
    else snprintf(err, errlen, "cannot %s '%s': %s", what, path, why);
}

int hs_png_write(const char *path, const uint32_t *argb, int w, int h, size_t pitch,
                 char *err, size_t errlen)
{
    if (w <= 0 || h <= 0 || !argb) {
        seterr(err, errlen, "write", path, "empty image");
        return -1;
    }
    /* write beside the target, rename over it only when complete: a failed run never leaves
     * a half-written file where the user's file was */
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        seterr(err, errlen, "write", path, "path too long");
        return -1;
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        seterr(err, errlen, "open for writing", path, strerror(errno));
        return -1;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    uint8_t *row = malloc((size_t)w * 3);
    if (!png || !info || !row) {
        png_destroy_write_struct(&png, &info);
        free(row);
        fclose(f);
        remove(tmp);
        seterr(err, errlen, "write", path, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(row);
        fclose(f);
        remove(tmp);
        seterr(err, errlen, "write", path, "libpng error (disk full?)");
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 6);
    png_write_info(png, info);
    for (int y = 0; y < h; y++) {
        const uint32_t *src = (const uint32_t *)((const uint8_t *)argb + (size_t)y * pitch);
        for (int x = 0; x < w; x++) {
            row[3 * x + 0] = (uint8_t)(src[x] >> 16);
            row[3 * x + 1] = (uint8_t)(src[x] >> 8);
            row[3 * x + 2] = (uint8_t)src[x];
        }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    if (fclose(f) != 0) {
        seterr(err, errlen, "write", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        seterr(err, errlen, "write", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

int hs_png_read(const char *path, uint32_t **argb, int *w, int *h, char *err, size_t errlen)
{
    *argb = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        seterr(err, errlen, "open for reading", path, strerror(errno));
        return -1;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    uint8_t *row = NULL;
    uint32_t *volatile pix = NULL;
    if (!png || !info) {
        png_destroy_read_struct(&png, &info, NULL);
        fclose(f);
        seterr(err, errlen, "read", path, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(row);
        free(pix);
        fclose(f);
        seterr(err, errlen, "read", path, "not a valid PNG file");
        return -1;
    }
    png_init_io(png, f);
    png_read_info(png, info);
    png_set_expand(png);
    png_set_strip_16(png);
    png_set_gray_to_rgb(png);
    png_set_strip_alpha(png);
    png_read_update_info(png, info);
    int pw = (int)png_get_image_width(png, info), ph = (int)png_get_image_height(png, info);
    row = malloc(png_get_rowbytes(png, info));
    pix = malloc((size_t)pw * (size_t)ph * sizeof *pix);
    if (!row || !pix) png_error(png, "out of memory");
    for (int y = 0; y < ph; y++) {
        png_read_row(png, row, NULL);
        for (int x = 0; x < pw; x++)
            pix[(size_t)y * (size_t)pw + (size_t)x] = 0xff000000u | (uint32_t)row[3 * x] << 16 |
                                                      (uint32_t)row[3 * x + 1] << 8 | row[3 * x + 2];
    }
    png_destroy_read_struct(&png, &info, NULL);
    free(row);
    fclose(f);
    *argb = pix;
    *w = pw;
    *h = ph;
    return 0;
}
