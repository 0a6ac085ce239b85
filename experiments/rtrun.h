/*
 * rtrun.h - a batch of an experiment's ops on the runtime, timed from
 * inside it (rtrun.c explains why). An experiment whose ops run on the
 * runtime declares its variant `.manual_time = true`, its metric table
 * holds HX_RT_OPS_PER_REP, and its variant function reads:
 *
 *     hx_rt_rep rep = {0};
 *     for (uint64_t n; (n = hx_batch(st)) != 0;) {
 *         my_run r = {.n = n};
 *         hx_rt_run(st, &rep, my_main, &r, n);
 *     }
 *     hx_rt_report(st, &rep);
 *
 * my_main may call hx_rt_clock_start() after setup that is not the op
 * (making channels, spawning a partner) and hx_rt_clock_stop() before
 * teardown that is not either.
 */
#ifndef MECHLAB_RTRUN_H
#define MECHLAB_RTRUN_H

#include <stdint.h>

#include "hx.h"

typedef struct hx_rt_rep {
    double seconds; /* the timed parts of the batches so far */
    uint64_t ops;   /* the ops of those batches */
    double t0, t1;  /* the current batch's clock (t1 = 0: still running) */
} hx_rt_rep;

/* Enter the runtime once and run fn(arg), n ops of the batch, on its main
 * goroutine, which reads the clock right before and after the call. A
 * failure to enter is hx_fail()ed. */
void hx_rt_run(hx_state *st, hx_rt_rep *rep, void (*fn)(void *), void *arg,
               uint64_t n);

/* From fn, or from a goroutine that fn waits for (stackgrowth's worker):
 * (re)start the clock now, after setup that is not the op; stop it now,
 * before teardown that is not either. */
void hx_rt_clock_start(hx_rt_rep *rep);
void hx_rt_clock_stop(hx_rt_rep *rep);

/* After the batch loop: hx_manual_time() with the timed seconds and the
 * metric ops_per_rep. Nothing when no batch ran (a failed repetition). */
void hx_rt_report(hx_state *st, const hx_rt_rep *rep);

/* The declaration of ops_per_rep, for the experiment's metric table. */
#define HX_RT_OPS_PER_REP                                                      \
    {                                                                          \
        "ops_per_rep", "ops",                                                  \
            "ops timed in the repetition (the runtime entered once per "       \
            "batch, timed inside it; Go: b.N)",                                \
            NULL, 0                                                            \
    }

#endif
