/* src/main.c: the handshake command. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        printf("usage: handshake <command> [options]\n");
        return argc < 2 ? 2 : 0;
    }
    fprintf(stderr, "handshake: unknown command '%s'; try 'handshake --help'\n", argv[1]);
    return 2;
}
