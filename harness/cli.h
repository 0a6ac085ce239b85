/*
 * cli.h - internal: parsing the options of the experiment commands
 * (cli.c).
 */
#ifndef MECHLAB_CLI_H
#define MECHLAB_CLI_H

#include "run.h"
#include <stddef.h>

/* Fills o from argv (argv[1] is the command). 0, or -EINVAL with a
 * sentence in err naming the flag and what it accepts. */
int hx_cli_parse(int argc, char **argv, hx_opts *o, char *err, size_t len);

#endif
