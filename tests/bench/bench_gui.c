/* tests/bench/bench_gui.c: the GUI's cost and the render time (not a test).
 *   1. dsp/spectrum STFT throughput (256/64 Hann, as the live view).
 *   2. The live window at 60 fps, spectrogram running (synthetic handshake at real time):
 *      work per frame and CPU share of the GUI (main) thread. Uses SDL_VIDEODRIVER and
 *      SDL_RENDER_DRIVER from the environment (default here: dummy + software, the worst
 *      case: every pixel drawn by the CPU on this thread).
 *   3. `render` of a 30 s recording to a 1600x900 PNG (collect + STFT + draw + PNG write).
 * Fixed seeded input, one warm-up, median of 5 runs, CLOCK_MONOTONIC. */
#include "gui.h"
#include "gui_synth.h"
#include "hs_test.h"
#include "spectrum.h"

#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median5(double *v)
{
    qsort(v, 5, sizeof *v, cmpd);
    return v[2];
}

#ifdef NDEBUG
#define BUILD "Release/RelWithDebInfo"
#else
#define BUILD "Debug"
#endif

int main(int argc, char **argv)
{
    double live_s = argc > 1 ? atof(argv[1]) : 5.0;
    /* 1. STFT */
    {
        enum { N = 8000 * 30 };
        float *x = malloc(N * sizeof *x), row[129];
        uint32_t r = 1;
        for (int i = 0; i < N; i++) {
            r = r * 1664525u + 1013904223u;
            x[i] = (float)((double)(r >> 8) / 16777216.0 - 0.5);
        }
        hs_spectrum_config c = hs_spectrum_config_default();
        hs_spectrum *s;
        hs_spectrum_create(&c, &s);
        double t[5];
        for (int run = -1; run < 5; run++) {
            hs_spectrum_reset(s);
            double t0 = now_s();
            for (int i = 0; i < N; i += 64) {
                hs_spectrum_push(s, x + i, 64);
                while (hs_spectrum_pop_row(s, row, NULL)) {}
            }
            if (run >= 0) t[run] = now_s() - t0;
        }
        double m = median5(t);
        printf("spectrum 256/64 Hann  %.1f Msamples/s  %.0fx real time  (%s, -O2)\n",
               N / m / 1e6, N / m / HS_RATE, BUILD);
        hs_spectrum_destroy(s);
        free(x);
    }
    /* 2. live window */
    {
        if (!getenv("SDL_VIDEODRIVER")) setenv("SDL_VIDEODRIVER", "dummy", 1);
        if (!getenv("SDL_RENDER_DRIVER") && strcmp(getenv("SDL_VIDEODRIVER"), "dummy") == 0)
            setenv("SDL_RENDER_DRIVER", "software", 1);
        gui_synth *g = gui_synth_create(live_s + 2.0);
        hs_av_source src = gui_synth_source(g);
        hs_gui_report rep;
        hs_gui_options o = hs_gui_options_default();
        o.exit_after_s = live_s;
        o.quiet = 1;
        o.report = &rep;
        hs_gui_run_source(&src, &o);
        printf("gui 1280x720 @60 fps  video %s, renderer %s: %d frames in %.2f s (%.1f fps), "
               "work per frame %.2f ms mean / %.2f ms max, GUI thread CPU %.1f %% of one core\n",
               rep.video_driver, rep.renderer, rep.frames, rep.wall_s, rep.frames / rep.wall_s,
               rep.frame_ms_mean, rep.frame_ms_max, 100.0 * rep.cpu_s / rep.wall_s);
        hs_gui_report_free(&rep);
        gui_synth_destroy(g);
    }
    /* 3. render of 30 s */
    {
        double tc[5], tr[5];
        char path[512], err[256];
        hs_test_tmp_path("bench_render30.png", path, sizeof path);
        for (int run = -1; run < 5; run++) {
            gui_synth *g = gui_synth_create(30.0);
            hs_av_source src = gui_synth_source(g);
            float *line;
            size_t n, nev;
            hs_event *ev;
            double t0 = now_s();
            hs_render_collect(&src, 60.0, &line, &n, &ev, &nev);
            double t1 = now_s();
            hs_render_options o = hs_render_options_default();
            if (hs_render_png(line, n, ev, nev, &o, path, NULL, err, sizeof err) != 0) {
                fprintf(stderr, "render: %s\n", err);
                return 1;
            }
            double t2 = now_s();
            if (run >= 0) {
                tc[run] = t1 - t0;
                tr[run] = t2 - t1;
            }
            free(line);
            free(ev);
            gui_synth_destroy(g);
        }
        printf("render 30 s recording -> 1600x900 PNG (FFT 512, hop 32): %.3f s "
               "(+ %.3f s to generate the synthetic input)  (%s, -O2)\n",
               median5(tr), median5(tc), BUILD);
    }
    return 0;
}
