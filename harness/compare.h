/*
 * compare.h - internal: `mechlab compare EXP` (compare.c).
 */
#ifndef MECHLAB_COMPARE_H
#define MECHLAB_COMPARE_H

#include "hx.h"

int hx_compare(const hx_experiment *e, const char *out_root);

#endif
