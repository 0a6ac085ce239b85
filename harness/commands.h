/*
 * commands.h - internal: the mechlab command table.
 *
 * One row per command: its name, the arguments it takes, a one-line
 * summary for `mechlab --help`, the text `mechlab help CMD` (and `mechlab
 * CMD --help`) prints, and the function that runs it. main.c only looks
 * the command up and calls it; adding a command is adding a row (and its
 * function, in the file of its concept).
 *
 * A command function gets the whole argv (argv[1] is the command's name)
 * and returns the process's exit status (run.h: HX_EXIT_*).
 */
#ifndef MECHLAB_COMMANDS_H
#define MECHLAB_COMMANDS_H

#include <stdio.h>

typedef struct hx_command {
    const char *name;    /* "run" */
    const char *args;    /* "EXP|all [options]" */
    const char *summary; /* one line for the command list */
    const char *help;    /* the full help: what it does, its options */
    int (*fn)(int argc, char **argv);
} hx_command;

const hx_command *hx_command_find(const char *name);
int hx_command_count(void);
const hx_command *hx_command_at(int i);

/* `mechlab --help`: usage and the command list. */
void hx_usage(FILE *out);
/* `mechlab help CMD`: usage line and the command's help. */
void hx_command_help(const hx_command *c, FILE *out);
/* "list, describe, run, ..." for error messages. */
void hx_command_names(char *buf, size_t len);

/* main.c: dispatch, so that tests can drive the whole CLI in-process. */
int hx_main(int argc, char **argv);

#endif
