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
/* The skip reason of a twin at a point its variant's go_at leaves out: by
 * design, not a failure, so the console table leaves the point out. */
#define HX_GOTWIN_NOT_HERE "Go twin: not at this point"
/* Variant index of v for colours and output: its place in the
 * experiment's table, or after it for a twin. */
int hx_variant_index(const hx_run *r, const hx_variant *v);

#endif
