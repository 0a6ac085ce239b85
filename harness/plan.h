/*
 * plan.h - internal: planning a run (plan.c), and the formats every output
 * shares (a parameter's value, a point's series name).
 */
#ifndef MECHLAB_PLAN_H
#define MECHLAB_PLAN_H

#include "run.h"
#include <stddef.h>
#include <stdint.h>

/* Plans e on this machine for o: topology, every parameter's points,
 * families and points, counters. 0, or -errno with a sentence in err
 * naming the flag and what it accepts (-EINVAL: bad input). */
int hx_plan(hx_run *r, const hx_experiment *e, const hx_opts *o, char *err,
            size_t len);
void hx_plan_free(hx_run *r);
int hx_param_index(const hx_experiment *e, const char *name);
/* "strided stride=8": the variant and the non-x parameters it uses. */
void hx_series_name(const hx_run *r, const hx_point *pt, char *buf, size_t len);
/* 48 KiB for a byte parameter, 0.25 for a fixed-point one, else 8. */
void hx_format_value(const hx_param *p, int64_t v, char *buf, size_t len);
/* A fixed-point parameter's value in its user units. */
double hx_param_real(const hx_param *p, int64_t v);

#endif
