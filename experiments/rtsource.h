/*
 * rtsource.h - the runtime's statistics as a harness counter source
 * (rtsource.c). An experiment that runs on the runtime sets
 * `.source = &hx_rt_source` and declares metrics such as
 * {"parks_per_op", "parks", "goroutine parks per op", .source = "rt:parks"}.
 */
#ifndef MECHLAB_RTSOURCE_H
#define MECHLAB_RTSOURCE_H

#include "hx.h"

extern const hx_source hx_rt_source;

#endif
