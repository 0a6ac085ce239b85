/*
 * gotwin.h - internal: Go twins (gotwin.c has the essay).
 */
#ifndef MECHLAB_GOTWIN_H
#define MECHLAB_GOTWIN_H

#include "run.h"
#include <stdbool.h>

void hx_gotwin_plan(hx_run *r);   /* adds r->twins when `go` is installed */
int hx_gotwin_prepare(hx_run *r); /* builds the test binary, once per run */
bool hx_gotwin_series(const char *series); /* "go:..." */
/* A twin's point that its variant's go_at leaves out, by design: not a
 * failure or a skip worth a warning, and no row of the text tables
 * (summary.json keeps it, with its reason). */
bool hx_gotwin_left_out(const char *series, const char *skip);
/* Variant index of v for colours and output: its place in the
 * experiment's table, or after it for a twin. */
int hx_variant_index(const hx_run *r, const hx_variant *v);

#endif
