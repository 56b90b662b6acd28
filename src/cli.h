/* src/cli.h: command-line helpers shared by every `handshake` command.
 *
 * Messages follow STYLE.md §4: one line on stderr, "handshake: <what>: <why>". Exit codes:
 * 0 success, 1 handshake/processing failed, 2 usage, 3 file or audio device. */
#ifndef HS_CLI_H
#define HS_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "line.h"

enum {
    HS_EXIT_OK    = 0,   /* success */
    HS_EXIT_FAIL  = 1,   /* the handshake (or the processing) failed */
    HS_EXIT_USAGE = 2,   /* bad command line */
    HS_EXIT_FILE  = 3,   /* file or audio device problem */
};

/* Prints "handshake: <message>\n" on stderr. */
void hs_cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* A cursor over argv for one command. argv[0] is the command name ("sim"). */
typedef struct {
    int          argc;
    char       **argv;
    int          i;       /* index of the argument being looked at */
    const char  *cmd;     /* command name, for hints */
    const char  *val;     /* value of the option just matched */
    char         name[48];/* the option just matched, without "=value" */
} hs_args;

void hs_args_init(hs_args *a, const char *cmd, int argc, char **argv);
/* 1 while there is an argument left to look at (a->argv[a->i]). */
int  hs_args_more(const hs_args *a);
const char *hs_args_cur(const hs_args *a);
/* Matches a flag without value ("--mono"); advances on a match. "--mono=x" is a usage error
 * (returns -1, message printed). */
int  hs_args_flag(hs_args *a, const char *name);
/* Matches "--name VALUE" or "--name=VALUE"; on a match sets a->val and advances.
 * Returns 1 matched, 0 not this option, -1 matched but the value is missing (message printed). */
int  hs_args_opt(hs_args *a, const char *name);
/* Prints "unknown option" / "unexpected argument" for the current argument; returns 2. */
int  hs_args_unknown(const hs_args *a);

/* Value parsers. Each prints one line naming the option and value on failure and returns
 * -1; 0 on success. */
int hs_parse_double(const char *opt, const char *s, double lo, double hi, const char *unit,
                    double *out);
int hs_parse_u64(const char *opt, const char *s, uint64_t *out);
/* choices: NULL-terminated; *out = index of the match. */
int hs_parse_choice(const char *opt, const char *s, const char *const *choices, int *out);

/* The shared line options:
 *   --snr DB (-10..60, or "off")  --delay MS (0..2000)  --offset HZ (-100..100)
 *   --ppm PPM (-1000..1000)  --codec none|ulaw|alaw  --echo DB@MS (DB -100..0, MS 0..2000;
 *   or "off")  --atten DB (0..60)  --seed N
 * Returns 1 if the current argument was a line option (consumed, value stored), 0 if it is
 * not one, -1 on a bad value (message printed). */
int hs_line_option(hs_args *a, hs_line_config *lc);
extern const char hs_line_options_help[];   /* the help text */
void hs_line_options_print(FILE *f);        /* the same, with the defaults of this build */

/* Ctrl-C / SIGTERM: after hs_cli_catch_interrupts(), the first signal only sets a flag that
 * the long loops poll (so that temporary files are cleaned up); a second one kills. */
void hs_cli_catch_interrupts(void);
int  hs_cli_interrupted(void);

/* Program version (CMake's project version when built by CMake). */
#ifndef HS_VERSION
#define HS_VERSION "0.1.0"
#endif

/* The commands (src/cmd_*.c). argv[0] is the command name; they return an exit status. */
int hs_cmd_sim(int argc, char **argv);
int hs_cmd_analyze(int argc, char **argv);
int hs_cmd_devices(int argc, char **argv);    /* src/cmd_live.c */
int hs_cmd_answer(int argc, char **argv);
int hs_cmd_call(int argc, char **argv);
int hs_cmd_loopback(int argc, char **argv);
int hs_cmd_render(int argc, char **argv);     /* src/cmd_render.c */

#endif
