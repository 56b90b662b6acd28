/* src/wavio.h: sound files in and out.
 *
 * In: any format libsndfile reads, any rate, 1..HS_AUDIO_MAX_CH channels, converted to one
 * float stream per channel at 8000 Hz (libsamplerate when the file's rate differs).
 * Out: 16-bit PCM WAV at 8000 Hz, 1 or 2 channels. The writer writes to a temporary file
 * beside the target and renames it over the target only on success, so a failed run never
 * leaves a half-written file where the user's file was.
 *
 * Every function that can fail fills err (one sentence naming the file and the cause, no
 * "handshake:" prefix, no newline) and returns -1. */
#ifndef HS_WAVIO_H
#define HS_WAVIO_H

#include <stddef.h>
#include <stdint.h>

#define HS_AUDIO_MAX_CH 8
#define HS_ERRLEN 512

/* ---- reading ---- */
typedef struct hs_audio_in hs_audio_in;

int    hs_audio_in_open(const char *path, hs_audio_in **out, char *err, size_t errlen);
void   hs_audio_in_close(hs_audio_in *a);            /* NULL is a no-op */
int    hs_audio_in_channels(const hs_audio_in *a);
int    hs_audio_in_file_rate(const hs_audio_in *a);  /* the file's own rate, Hz */
/* Frames the header announces, at the file's rate (may exceed what is really there). */
int64_t hs_audio_in_file_frames(const hs_audio_in *a);
/* Reads up to n frames at 8000 Hz: ch[c][0..returned) for every channel c. Returns the number
 * of frames (0 at the end), or -1 on a read error (err filled). */
long   hs_audio_in_read(hs_audio_in *a, float *const *ch, size_t n, char *err, size_t errlen);
/* Frames actually read from the file so far (file rate): after the end, compare with
 * hs_audio_in_file_frames to spot a truncated file. */
int64_t hs_audio_in_frames_read(const hs_audio_in *a);

/* Convenience for small files and tests: the whole file at 8000 Hz; *ch[c] are malloc'd
 * (free each). Returns 0 or -1. */
int hs_audio_read_all(const char *path, float **ch, int *channels, size_t *frames,
                      char *err, size_t errlen);

/* ---- writing ---- */
typedef struct hs_wav_out hs_wav_out;

int  hs_wav_out_open(const char *path, int channels, hs_wav_out **out, char *err, size_t errlen);
/* ch[c][0..n) for every channel, converted by hs_float_to_s16 (dsp/g711.h: x * 32768,
 * rounded, saturated, clips counted). */
int  hs_wav_out_write(hs_wav_out *w, const float *const *ch, size_t n, char *err, size_t errlen);
/* Finishes the file and puts it in place. Frees w whatever happens. */
int  hs_wav_out_close(hs_wav_out *w, char *err, size_t errlen);
/* Throws the temporary file away, leaves the target as it was. Frees w. NULL is a no-op. */
void hs_wav_out_abort(hs_wav_out *w);
uint64_t hs_wav_out_clips(const hs_wav_out *w);

/* ---- safe text output (labels) ----
 * Same temporary-file-and-rename rule for any output file; "-" means stdout. */
typedef struct hs_out_file hs_out_file;
int  hs_out_file_open(const char *path, hs_out_file **out, char *err, size_t errlen);
void *hs_out_file_stream(hs_out_file *o);   /* FILE * */
int  hs_out_file_close(hs_out_file *o, char *err, size_t errlen);   /* frees o */
void hs_out_file_abort(hs_out_file *o);                             /* frees o */

/* 1 if the two paths name the same existing file. */
int  hs_same_file(const char *a, const char *b);

#endif
