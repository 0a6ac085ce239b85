/*
 * describe.h - internal: `mechlab describe EXP` (describe.c).
 */
#ifndef MECHLAB_DESCRIBE_H
#define MECHLAB_DESCRIBE_H

#include "run.h"
#include <stdio.h>

int hx_describe(const hx_experiment *e, const hx_opts *o, FILE *out);

#endif
