/*
 * calibrate.h - internal: how fast each PU runs right now, and what that
 * says about a run's points (calibrate.c has the essay).
 *
 *   hx_calibrate()        times a fixed-cost loop on each PU the run uses
 *                         (before and after the run)
 *   hx_calib_points()     per point, after the run: thread spread, PU
 *                         spread, "settled", cycles per op, at the floor
 *   hx_calib_summary()    the summary's lines about all that
 *   hx_calib_json()       context.json's "calibration" object
 *
 * The settle rule is data on the point (hx_point.unsettled and its
 * reason), for whatever judges claims to use.
 */
#ifndef MECHLAB_CALIBRATE_H
#define MECHLAB_CALIBRATE_H

#include <stdbool.h>
#include <stdio.h>

#include "hx.h"

#define HX_CALIB_MAX_PUS  256
#define HX_SETTLED_SPREAD 1.3 /* threads or PUs this much apart: unsettled */
#define HX_FLOOR_FACTOR   1.5 /* within this x the loop floor: at the floor */

typedef struct hx_calib {
    int n;                             /* PUs calibrated */
    double when;                       /* hx_now() at the start */
    int pu[HX_CALIB_MAX_PUS];          /* OS index; -1 when pinning failed */
    double cycle_ns[HX_CALIB_MAX_PUS]; /* ns per dependent add: 1 cycle */
    double loop_ns[HX_CALIB_MAX_PUS];  /* ns per empty timed-loop iteration */
} hx_calib;

struct hx_run;
struct hx_point;
struct json_t;

/* Calibrates PUs pu_order[0..npus) of t from the calling thread, pinning
 * it to each in turn and restoring its affinity after. Returns 0, or a
 * negative errno (then out->n PUs were done). */
int hx_calibrate(const hx_topo *t, int npus, hx_calib *out);

/* The PUs a run uses: as many as its largest thread count (all of them
 * for runtime experiments, whose threads are not pinned), at most pus. */
int hx_calib_pus(const struct hx_run *r);

/* Fills each point's spread, settled, cycles and floor fields from its
 * samples and the run's calibrations (either may be NULL). */
void hx_calib_points(struct hx_run *r);

/* Summary lines: the clock reference, the loop floor and the points at
 * it, the points not settled, passes per repetition. */
void hx_calib_summary(const struct hx_run *r, FILE *f);

/* context.json's "calibration": before, after, spread, the rules. */
struct json_t *hx_calib_json(const struct hx_run *r);

/* Median ns per cycle of a point's PUs (NAN when not calibrated). */
double hx_calib_point_cycle_ns(const struct hx_run *r,
                               const struct hx_point *pt);

/* The settle rule on its own, for tests: a point is settled when its
 * thread spread and its PU spread are both within HX_SETTLED_SPREAD. The
 * reason names the larger offender ("threads differ 1.9x"). */
bool hx_settled(double thread_spread, double pu_spread, char *why, size_t len);

#endif
