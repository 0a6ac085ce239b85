/*
 * plotstyle.h - internal: how every mechlab plot looks (plot.c, compare.c,
 * the bar plots).
 *
 * Plots are read on screens and projected on slides, so the choices are
 * made once here: a palette readable on white and by most colour-blind
 * readers (Okabe-Ito without its yellow, then darker Tableau tones; no
 * pale yellow, nothing lighter than #56B4E9), a white background in PNG
 * and SVG alike, a real title in the SVG's <title>, short axis labels with
 * a unit only where the tick labels do not already carry one (sizes are
 * ticked "4 KiB", so their axis says "working set", not "bytes (bytes)").
 */
#ifndef MECHLAB_PLOTSTYLE_H
#define MECHLAB_PLOTSTYLE_H

#include <stdbool.h>
#include <stdio.h>

#include "hx.h"

#define HX_PLOT_NCOLOURS 12

/* Colour i (any i >= 0; wraps), "#rrggbb". */
const char *hx_plot_colour(int i);
/* A filled-or-open point type for machine/series i that prints well. */
int hx_plot_point(int i);
/* Encoding, grid, border, background and the title (plain text; sub, an
 * optional smaller second line). */
void hx_plot_preamble(FILE *g, const char *title, const char *sub);
/* Axis labels and scales for parameter xp on x and ylabel on y. */
void hx_plot_axes(FILE *g, const hx_param *xp, const char *ylabel, bool logy);
/* The x axis label for a parameter: its name, and its unit in
 * parentheses only where the ticks do not show it. */
void hx_plot_xlabel(const hx_param *xp, char *buf, size_t len);
/* "set terminal png|svg ... / set output 'base.png|svg'" */
void hx_plot_terminal(FILE *g, const char *kind, const char *base);
/* Replaces the <title> gnuplot writes into an SVG with title (escaped).
 * 0, or -errno. */
int hx_svg_set_title(const char *path, const char *title);
/* A string inside double quotes in a gnuplot script; enhanced: escape the
 * enhanced-text markup too. */
void hx_gp_put(FILE *f, const char *s, bool enhanced);

/* plot_bars.c: every series measured at one x (primitives, chanprims,
 * noop) is drawn as grouped bars on a log axis instead of lines. */
struct hx_results;
bool hx_plot_bars_wanted(const struct hx_results *res);
void hx_plot_bars(const struct hx_results *res, FILE *g, const char *title,
                  const char *sub, const char *ylabel);

#endif
