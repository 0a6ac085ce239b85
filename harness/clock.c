/*
 * clock.c - the harness's clock: CLOCK_MONOTONIC in seconds.
 *
 * One definition for the runner, the warm-up, the calibration and the
 * pipeline, so every duration the harness reports is on the same clock.
 * Never gettimeofday (it jumps with the wall clock).
 */
#include <time.h>

#include "clock.h"

double hx_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
