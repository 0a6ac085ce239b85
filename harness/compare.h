/*
 * compare.h - internal: `mechlab compare EXP` (compare.c).
 */
#ifndef MECHLAB_COMPARE_H
#define MECHLAB_COMPARE_H

#include "hx.h"

struct hx_opts;
/* `mechlab compare EXP`: the headline table (and its CSV) and the plot;
 * `mechlab compare all`: every experiment's table and all.csv. */
int hx_compare(const hx_experiment *e, const struct hx_opts *o);
int hx_compare_all(const struct hx_opts *o);
/* `mechlab gbench-json RUN_DIR...` (gbench_export.c) */
int hx_gbench_export_main(int argc, char **argv);

#endif
