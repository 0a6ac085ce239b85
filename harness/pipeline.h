/*
 * pipeline.h - internal: one experiment run end to end (run.c).
 */
#ifndef MECHLAB_PIPELINE_H
#define MECHLAB_PIPELINE_H

#include "run.h"
#include <stddef.h>

/* Plans, runs, builds the result and writes the run directory; returns
 * the exit status (HX_EXIT_*). */
int hx_run_experiment(const hx_experiment *e, const hx_opts *o);
/* The host part of the results directory (<machine>@<host>). */
void hx_run_host(const hx_opts *o, char *buf, size_t len);

#endif
