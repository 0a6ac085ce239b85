/*
 * console.h - internal: what the terminal gets, at a width people read.
 *
 * The console keeps to about HX_CONSOLE_WIDTH columns (a 120-column
 * terminal with room to spare, a slide's code block), unless --wide; the
 * files (summary.txt) keep everything. Tables are made narrow where they
 * are made (report_text.c, headtable.c); prose that comes out longer is
 * wrapped here, at spaces, each continuation indented under its line's
 * text.
 */
#ifndef MECHLAB_CONSOLE_H
#define MECHLAB_CONSOLE_H

#include <stdio.h>

#define HX_CONSOLE_WIDTH 100 /* columns */
#define HX_CONSOLE_ROWS  40  /* a longer table is pivoted to medians */

/* Writes text to out with every line longer than width broken at spaces;
 * continuation lines are indented by the line's own indent plus 4. A word
 * longer than the room is left whole. */
void hx_console_wrap(FILE *out, const char *text, int width);

#endif
