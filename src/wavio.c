/* src/wavio.c: sound files in (libsndfile + libsamplerate) and out (16-bit WAV, 8 kHz). */
#include "wavio.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <samplerate.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "g711.h"   /* the one float <-> int16 pair */
#include "hs.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* libsndfile's messages end with a full stop; ours continue after them. */
static void trim_dot(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '.' || s[n - 1] == '\n' || s[n - 1] == ' ')) s[--n] = 0;
}

/* ------------------------------------------------------------------ reading */

#define IN_BLOCK 4096   /* frames read from the file at a time */

struct hs_audio_in {
    SNDFILE   *sf;
    SF_INFO    info;
    int        ch;
    SRC_STATE *src;      /* NULL when the file is at 8000 Hz */
    double     ratio;    /* 8000 / file rate */
    float     *in;       /* interleaved, IN_BLOCK frames */
    long       in_pos, in_have;
    int        eof;      /* the file has no more frames */
    int        src_done; /* the resampler has flushed everything */
    float     *out;      /* interleaved, out_cap frames */
    long       out_cap, out_pos, out_have;
    int64_t    frames_read;
    int64_t    announced;   /* frames the header announces (> info.frames when truncated) */
    char       path[256];
};

int hs_audio_in_open(const char *path, hs_audio_in **out, char *err, size_t errlen)
{
    *out = NULL;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return fail(err, errlen, "cannot open '%s' for reading: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return fail(err, errlen, "cannot open '%s' for reading: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return fail(err, errlen, "cannot read '%s': it is a directory, not a sound file", path);
    }
    if (S_ISREG(st.st_mode) && st.st_size == 0) {
        close(fd);
        return fail(err, errlen, "cannot read '%s': the file is empty", path);
    }
    hs_audio_in *a = calloc(1, sizeof *a);
    if (!a) {
        close(fd);
        return fail(err, errlen, "cannot read '%s': out of memory", path);
    }
    snprintf(a->path, sizeof a->path, "%s", path);
    a->sf = sf_open_fd(fd, SFM_READ, &a->info, SF_TRUE);
    if (!a->sf) {
        char why[256];
        snprintf(why, sizeof why, "%s", sf_strerror(NULL));
        trim_dot(why);
        free(a);
        return fail(err, errlen, "cannot read '%s': not a sound file libsndfile understands (%s)",
                    path, why);
    }
    a->ch = a->info.channels;
    if (a->ch < 1 || a->ch > HS_AUDIO_MAX_CH) {
        int c = a->ch;
        hs_audio_in_close(a);
        return fail(err, errlen, "cannot read '%s': %d channels (at most %d supported)", path, c,
                    HS_AUDIO_MAX_CH);
    }
    if (a->info.samplerate < 1000 || a->info.samplerate > 1000000) {
        int r = a->info.samplerate;
        hs_audio_in_close(a);
        return fail(err, errlen, "cannot read '%s': sample rate %d Hz is outside 1000..1000000 Hz",
                    path, r);
    }
    if (a->info.frames <= 0) {
        hs_audio_in_close(a);
        return fail(err, errlen, "cannot read '%s': the file holds no audio (0 samples)", path);
    }
    a->announced = (int64_t)a->info.frames;
    {
        /* libsndfile shortens a truncated file to what is there and notes in its log
         * "data : <announced bytes> (should be <bytes present>)" */
        char log[4096] = "";
        sf_command(a->sf, SFC_GET_LOG_INFO, log, sizeof log);
        const char *d = strstr(log, "\ndata : ");
        long long said = 0, real = 0;
        if (d && sscanf(d, "\ndata : %lld (should be %lld)", &said, &real) == 2 && real > 0 && said > real)
            a->announced = (int64_t)((double)a->info.frames * (double)said / (double)real + 0.5);
    }
    a->in = malloc((size_t)IN_BLOCK * (size_t)a->ch * sizeof *a->in);
    if (a->info.samplerate != HS_RATE) {
        int e = 0;
        a->ratio = (double)HS_RATE / a->info.samplerate;
        a->src = src_new(SRC_SINC_MEDIUM_QUALITY, a->ch, &e);
        a->out_cap = (long)ceil(IN_BLOCK * a->ratio) + 64;
        a->out = malloc((size_t)a->out_cap * (size_t)a->ch * sizeof *a->out);
        if (!a->src || !a->out) {
            hs_audio_in_close(a);
            return fail(err, errlen, "cannot read '%s': cannot set up resampling (%s)", path,
                        e ? src_strerror(e) : "out of memory");
        }
    }
    if (!a->in) {
        hs_audio_in_close(a);
        return fail(err, errlen, "cannot read '%s': out of memory", path);
    }
    *out = a;
    return 0;
}

void hs_audio_in_close(hs_audio_in *a)
{
    if (!a) return;
    if (a->sf) sf_close(a->sf);
    if (a->src) src_delete(a->src);
    free(a->in);
    free(a->out);
    free(a);
}

int hs_audio_in_channels(const hs_audio_in *a) { return a->ch; }
int hs_audio_in_file_rate(const hs_audio_in *a) { return a->info.samplerate; }
int64_t hs_audio_in_file_frames(const hs_audio_in *a) { return a->announced; }
int64_t hs_audio_in_frames_read(const hs_audio_in *a) { return a->frames_read; }

/* Refills a->in from the file when it is used up. */
static int fill_in(hs_audio_in *a, char *err, size_t errlen)
{
    if (a->in_pos < a->in_have || a->eof) return 0;
    sf_count_t got = sf_readf_float(a->sf, a->in, IN_BLOCK);
    if (got < 0)
        return fail(err, errlen, "cannot read '%s': %s", a->path, sf_strerror(a->sf));
    if (got == 0) {
        int e = sf_error(a->sf);
        if (e != SF_ERR_NO_ERROR) {
            char why[256];
            snprintf(why, sizeof why, "%s", sf_error_number(e));
            trim_dot(why);
            return fail(err, errlen, "cannot read '%s': %s", a->path, why);
        }
        a->eof = 1;
    }
    /* a corrupt file can decode to NaN/Inf: treat those as silence rather than poison */
    for (sf_count_t i = 0; i < got * a->ch; i++)
        if (!isfinite(a->in[i])) a->in[i] = 0.0f;
    a->frames_read += got;
    a->in_pos = 0;
    a->in_have = (long)got;
    return 0;
}

long hs_audio_in_read(hs_audio_in *a, float *const *ch, size_t n, char *err, size_t errlen)
{
    size_t done = 0;
    while (done < n) {
        if (!a->src) {
            if (fill_in(a, err, errlen) < 0) return -1;
            if (a->in_pos >= a->in_have) break;   /* end of file */
            long take = a->in_have - a->in_pos;
            if ((size_t)take > n - done) take = (long)(n - done);
            for (long i = 0; i < take; i++)
                for (int c = 0; c < a->ch; c++)
                    ch[c][done + (size_t)i] = a->in[(size_t)(a->in_pos + i) * (size_t)a->ch + (size_t)c];
            a->in_pos += take;
            done += (size_t)take;
            continue;
        }
        if (a->out_pos < a->out_have) {
            long take = a->out_have - a->out_pos;
            if ((size_t)take > n - done) take = (long)(n - done);
            for (long i = 0; i < take; i++)
                for (int c = 0; c < a->ch; c++)
                    ch[c][done + (size_t)i] = a->out[(size_t)(a->out_pos + i) * (size_t)a->ch + (size_t)c];
            a->out_pos += take;
            done += (size_t)take;
            continue;
        }
        if (a->src_done) break;
        if (fill_in(a, err, errlen) < 0) return -1;
        SRC_DATA d;
        memset(&d, 0, sizeof d);
        d.data_in = a->in + (size_t)a->in_pos * (size_t)a->ch;
        d.input_frames = a->in_have - a->in_pos;
        d.data_out = a->out;
        d.output_frames = a->out_cap;
        d.src_ratio = a->ratio;
        d.end_of_input = a->eof;
        int e = src_process(a->src, &d);
        if (e) return fail(err, errlen, "cannot resample '%s': %s", a->path, src_strerror(e));
        a->in_pos += d.input_frames_used;
        a->out_pos = 0;
        a->out_have = d.output_frames_gen;
        if (a->eof && d.output_frames_gen == 0) a->src_done = 1;
    }
    return (long)done;
}

int hs_audio_read_all(const char *path, float **ch, int *channels, size_t *frames,
                      char *err, size_t errlen)
{
    hs_audio_in *a;
    *channels = 0;
    *frames = 0;
    if (hs_audio_in_open(path, &a, err, errlen) < 0) return -1;
    int nc = a->ch;
    size_t cap = 8192, len = 0;
    for (int c = 0; c < HS_AUDIO_MAX_CH; c++) ch[c] = NULL;
    for (int c = 0; c < nc; c++) ch[c] = malloc(cap * sizeof(float));
    for (;;) {
        int ok = 1;
        for (int c = 0; c < nc; c++) ok = ok && ch[c];
        if (!ok) {
            fail(err, errlen, "cannot read '%s': out of memory", path);
            goto bad;
        }
        if (len + 4096 > cap) {
            cap *= 2;
            for (int c = 0; c < nc; c++) {
                float *p = realloc(ch[c], cap * sizeof(float));
                if (!p) {
                    fail(err, errlen, "cannot read '%s': out of memory", path);
                    goto bad;
                }
                ch[c] = p;
            }
        }
        float *dst[HS_AUDIO_MAX_CH];
        for (int c = 0; c < nc; c++) dst[c] = ch[c] + len;
        long got = hs_audio_in_read(a, dst, 4096, err, errlen);
        if (got < 0) goto bad;
        if (got == 0) break;
        len += (size_t)got;
    }
    hs_audio_in_close(a);
    *channels = nc;
    *frames = len;
    return 0;
bad:
    for (int c = 0; c < nc; c++) { free(ch[c]); ch[c] = NULL; }
    hs_audio_in_close(a);
    return -1;
}

/* ------------------------------------------------------------------ writing */

/* Where to write: a temporary file beside a regular (or new) target, or straight into a
 * special file such as /dev/null. */
typedef struct {
    char path[1024];
    char tmp[1040];
    int  direct;     /* write straight into path */
    int  fd;
} safe_target;

static int safe_open(safe_target *t, const char *path, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->fd = -1;
    if (!*path) return fail(err, errlen, "cannot write '': empty file name");
    if (strlen(path) >= sizeof t->path)
        return fail(err, errlen, "cannot write '%s': file name too long", path);
    snprintf(t->path, sizeof t->path, "%s", path);
    struct stat st;
    mode_t mode;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return fail(err, errlen, "cannot write '%s': it is a directory", path);
        if (!S_ISREG(st.st_mode)) {
            t->direct = 1;
            t->fd = open(path, O_WRONLY);
            if (t->fd < 0)
                return fail(err, errlen, "cannot open '%s' for writing: %s", path, strerror(errno));
            return 0;
        }
        if (access(path, W_OK) != 0)
            return fail(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        mode = st.st_mode & 07777;
    } else {
        mode_t um = umask(0);
        umask(um);
        mode = 0666 & ~um;
    }
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(t->tmp, sizeof t->tmp, "%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
    else
        snprintf(t->tmp, sizeof t->tmp, ".%s.XXXXXX", path);
    t->fd = mkstemp(t->tmp);
    if (t->fd < 0)
        return fail(err, errlen, "cannot write '%s': %s", path, strerror(errno));
    if (fchmod(t->fd, mode) != 0) { /* keep going: the data matter more than the mode */ }
    return 0;
}

/* After the data are written and the descriptor closed: put the file in place. */
static int safe_commit(safe_target *t, char *err, size_t errlen)
{
    if (t->direct) return 0;
    if (rename(t->tmp, t->path) != 0) {
        int e = errno;
        unlink(t->tmp);
        return fail(err, errlen, "cannot write '%s': %s", t->path, strerror(e));
    }
    return 0;
}

static void safe_discard(safe_target *t)
{
    if (!t->direct && t->tmp[0]) unlink(t->tmp);
}

struct hs_wav_out {
    safe_target t;
    SNDFILE    *sf;
    int         ch;
    uint64_t    clips;
    float       fbuf[1024 * 2];
    int16_t     buf[1024 * 2];
};

int hs_wav_out_open(const char *path, int channels, hs_wav_out **out, char *err, size_t errlen)
{
    *out = NULL;
    if (channels < 1 || channels > 2)
        return fail(err, errlen, "cannot write '%s': %d channels (1 or 2 supported)", path, channels);
    hs_wav_out *w = calloc(1, sizeof *w);
    if (!w) return fail(err, errlen, "cannot write '%s': out of memory", path);
    if (safe_open(&w->t, path, err, errlen) < 0) {
        free(w);
        return -1;
    }
    SF_INFO info;
    memset(&info, 0, sizeof info);
    info.samplerate = HS_RATE;
    info.channels = channels;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    w->sf = sf_open_fd(w->t.fd, SFM_WRITE, &info, SF_TRUE);
    if (!w->sf) {
        char why[256];
        snprintf(why, sizeof why, "%s", sf_strerror(NULL));
        trim_dot(why);
        close(w->t.fd);
        safe_discard(&w->t);
        free(w);
        return fail(err, errlen, "cannot write '%s': %s", path, why);
    }
    w->ch = channels;
    *out = w;
    return 0;
}

int hs_wav_out_write(hs_wav_out *w, const float *const *ch, size_t n, char *err, size_t errlen)
{
    size_t done = 0;
    const size_t block = sizeof w->buf / sizeof w->buf[0] / 2;
    while (done < n) {
        size_t take = n - done < block ? n - done : block;
        for (size_t i = 0; i < take; i++)
            for (int c = 0; c < w->ch; c++) w->fbuf[i * (size_t)w->ch + (size_t)c] = ch[c][done + i];
        w->clips += hs_float_to_s16(w->fbuf, w->buf, take * (size_t)w->ch);
        sf_count_t put = sf_writef_short(w->sf, w->buf, (sf_count_t)take);
        if (put != (sf_count_t)take) {
            char why[256];
            snprintf(why, sizeof why, "%s", sf_strerror(w->sf));
            trim_dot(why);
            return fail(err, errlen, "cannot write '%s': %s", w->t.path, why);
        }
        done += take;
    }
    return 0;
}

int hs_wav_out_close(hs_wav_out *w, char *err, size_t errlen)
{
    if (!w) return 0;
    int e = sf_close(w->sf);   /* closes the descriptor too */
    int rc = 0;
    if (e != 0) {
        char why[256];
        snprintf(why, sizeof why, "%s", sf_error_number(e));
        trim_dot(why);
        rc = fail(err, errlen, "cannot write '%s': %s", w->t.path, why);
        safe_discard(&w->t);
    } else {
        rc = safe_commit(&w->t, err, errlen);
    }
    free(w);
    return rc;
}

void hs_wav_out_abort(hs_wav_out *w)
{
    if (!w) return;
    sf_close(w->sf);
    safe_discard(&w->t);
    free(w);
}

uint64_t hs_wav_out_clips(const hs_wav_out *w) { return w->clips; }

/* ------------------------------------------------------------------ text files */

struct hs_out_file {
    safe_target t;
    FILE       *f;
    int         is_stdout;
};

int hs_out_file_open(const char *path, hs_out_file **out, char *err, size_t errlen)
{
    *out = NULL;
    hs_out_file *o = calloc(1, sizeof *o);
    if (!o) return fail(err, errlen, "cannot write '%s': out of memory", path);
    if (strcmp(path, "-") == 0) {
        o->is_stdout = 1;
        o->f = stdout;
        *out = o;
        return 0;
    }
    if (safe_open(&o->t, path, err, errlen) < 0) {
        free(o);
        return -1;
    }
    o->f = fdopen(o->t.fd, "w");
    if (!o->f) {
        int e = errno;
        close(o->t.fd);
        safe_discard(&o->t);
        free(o);
        return fail(err, errlen, "cannot write '%s': %s", path, strerror(e));
    }
    *out = o;
    return 0;
}

void *hs_out_file_stream(hs_out_file *o) { return o->f; }

int hs_out_file_close(hs_out_file *o, char *err, size_t errlen)
{
    if (!o) return 0;
    int rc = 0;
    if (o->is_stdout) {
        if (fflush(stdout) != 0) rc = fail(err, errlen, "cannot write to standard output: %s", strerror(errno));
        free(o);
        return rc;
    }
    int bad = ferror(o->f);
    if (fclose(o->f) != 0 || bad) {
        rc = fail(err, errlen, "cannot write '%s': %s", o->t.path, bad ? "write error" : strerror(errno));
        safe_discard(&o->t);
    } else {
        rc = safe_commit(&o->t, err, errlen);
    }
    free(o);
    return rc;
}

void hs_out_file_abort(hs_out_file *o)
{
    if (!o) return;
    if (!o->is_stdout) {
        fclose(o->f);
        safe_discard(&o->t);
    }
    free(o);
}

int hs_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
