/*
 * setup_cache.h - internal: each point's setup, kept across repetitions
 * within a memory budget (setup_cache.c).
 */
#ifndef MECHLAB_SETUP_CACHE_H
#define MECHLAB_SETUP_CACHE_H

#include "run.h"

/* Called by thread 0 of a point before its workers start; returns 0 when
 * the point is ready, 1 when it is skipped (pt->skip says why). */
int hx_point_prepare(hx_point *pt);
/* Tears down every kept setup (after the run). */
void hx_point_release_all(hx_run *r);

#endif
