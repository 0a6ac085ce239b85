/*
 * sources.h - process-wide counter sources sampled around each repetition
 * (internal; sources.c explains the mechanism).
 */
#ifndef MECHLAB_SOURCES_H
#define MECHLAB_SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hx.h"

#define HX_MAX_SRCVALS 128 /* counters in one snapshot, all sources */

struct hx_run;

/* Resolves every metric's .source against the built-in "proc" source and
 * the experiment's own; fills r->msrc. 0, or -EINVAL with a message naming
 * the metric and the counters that exist. */
int hx_sources_plan(struct hx_run *r, char *err, size_t len);
/* Whether any metric of the run is sampled from a source. */
bool hx_sources_used(const struct hx_run *r);
/* One snapshot of every source (r->nsrcvals values). */
void hx_sources_read(const struct hx_run *r, double *vals);
/* Metric m's value for one repetition from the snapshots before and after
 * it, by the metric's kind; ops is the repetition's ops over all threads.
 * NAN when the counter went missing. */
double hx_sources_value(const struct hx_run *r, int m, const double *before,
                        const double *after, uint64_t ops);
/* `describe`: the counters a source offers, one line. */
void hx_sources_describe(const hx_experiment *e, FILE *out);

#endif
