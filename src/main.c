/* src/main.c: the handshake command: a table of commands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);   /* argv[0] is the command name */
    const char *summary;
} command;

static const command commands[] = {
    { "sim",     hs_cmd_sim,     "caller + answerer over a simulated line: timeline, WAV, labels" },
    { "analyze", hs_cmd_analyze, "find the handshake signals in a recording" },
    { "answer",  hs_cmd_answer,  "answer a call on a sound device (one live modem)" },
    { "call",    hs_cmd_call,    "place a call on a sound device (one live modem)" },
    { "loopback",hs_cmd_loopback,"two live modems connected through a JACK loopback" },
    { "devices", hs_cmd_devices, "list the sound devices" },
    { "render",  hs_cmd_render,  "annotated spectrogram PNG of a whole handshake" },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f,
            "usage: handshake <command> [options]\n"
            "       handshake <command> --help\n"
            "       handshake --version\n"
            "\n"
            "A dial-up modem handshake emulator: V.8 and the V.34 start-up as real signal processing.\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++) fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(f,
            "\n"
            "exit status: 0 success, 1 handshake or processing failed, 2 usage error,\n"
            "             3 file or audio device problem\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return HS_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        if (strcmp(cmd, "help") == 0 && argc > 2) {
            for (size_t i = 0; i < NCOMMANDS; i++)
                if (strcmp(argv[2], commands[i].name) == 0) {
                    char *sub[] = { argv[2], (char *)"--help", NULL };
                    return commands[i].run(2, sub);
                }
            hs_cli_error("unknown command '%s'; try 'handshake --help'", argv[2]);
            return HS_EXIT_USAGE;
        }
        usage(stdout);
        return HS_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("handshake %s\n", HS_VERSION);
        return HS_EXIT_OK;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(cmd, commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    if (cmd[0] == '-')
        hs_cli_error("unknown option '%s'; a command comes first, try 'handshake --help'", cmd);
    else
        hs_cli_error("unknown command '%s'; try 'handshake --help'", cmd);
    return HS_EXIT_USAGE;
}
