/*
 * gnuplot.h - internal: running gnuplot on a script (plot.c).
 */
#ifndef MECHLAB_GNUPLOT_H
#define MECHLAB_GNUPLOT_H

#include <stddef.h>

/* Runs gnuplot on script in dir; 0, or -errno with a sentence in msg. */
int hx_run_gnuplot(const char *dir, const char *script, char *msg, size_t len);

#endif
