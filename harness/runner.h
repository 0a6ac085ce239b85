/*
 * runner.h - internal: the runner, which executes a planned run's points
 * (runner_gbench.cc: through Google Benchmark) and fills their samples.
 *
 * Progress is a callback: the runner calls r->progress (when set) after
 * every repetition with the point and its mean ns per op, from the
 * thread that ran it; what to show is the caller's business (run.c draws
 * a line on a terminal).
 */
#ifndef MECHLAB_RUNNER_H
#define MECHLAB_RUNNER_H

#include "run.h"

#ifdef __cplusplus
extern "C" {
#endif
/* Runs every point of r, repeated and interleaved as planned; Google
 * Benchmark's own JSON goes to json_path. 0, or -1 when nothing ran. */
int hx_runner_run(hx_run *r, const char *json_path);
#ifdef __cplusplus
}
#endif

#endif
