/*
 * rtrun.c - running an experiment's batch on the runtime, with the clock
 * read inside it.
 *
 * An experiment whose ops need a goroutine enters the runtime with
 * grt_run() once per batch that hx_batch() hands it. Entering and leaving
 * are not ops: grt_run wakes a P's thread to run the main goroutine and
 * parks the caller until that goroutine ends, which costs microseconds,
 * and milliseconds on a loaded machine. Timed from the harness thread,
 * that cost was inside every batch, and it did more than add a constant.
 * Google Benchmark chooses a point's iteration count once, from its first
 * runs, starting at 1 iteration, and accepts the first run that lasts
 * min time: under load, one op plus a 10 ms runtime start-up was
 * accepted, and every repetition of that point then measured one op and
 * one start-up.
 *
 * So the clock is read on the main goroutine itself. hx_rt_run() enters
 * the runtime with a wrapper as the main goroutine; the wrapper reads
 * CLOCK_MONOTONIC right before it calls the experiment's main function and
 * right after it returns, and adds the difference to the repetition's
 * seconds. The variant is declared .manual_time, and hx_rt_report() hands
 * those seconds to the harness (hx_manual_time(): Google Benchmark's
 * UseManualTime, and the names read .../manual_time/...). One op never
 * lasts min time by itself, so the iteration count grows until the ops
 * do. The ops of each repetition are shown as the metric ops_per_rep, so
 * a reader can see that they are many (Go's twins report their b.N the
 * same way where they do).
 *
 * What the timing covers is the main function's call: setup inside it
 * that is the op (primitives' spawn_exit spawns goroutines: that is what
 * it measures) stays inside. Setup that is not the op (making the
 * channels of a ping-pong, spawning its partner) can be left out with
 * hx_rt_clock_start() after it, and teardown with hx_rt_clock_stop()
 * before it. The process-wide counter sources (rtsource.c: the runtime's
 * statistics) are still sampled by the harness around the whole
 * repetition, entries included, and divided by its ops.
 */
#include "rtrun.h"

#include <time.h>

#include "grt.h"

typedef struct rt_call {
    hx_rt_rep *rep;
    void (*fn)(void *);
    void *arg;
} rt_call;

static double rt_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void hx_rt_clock_start(hx_rt_rep *rep) {
    rep->t0 = rt_now();
}

void hx_rt_clock_stop(hx_rt_rep *rep) {
    rep->t1 = rt_now();
}

static void rt_main(void *arg) {
    rt_call *c = arg;
    c->rep->t1 = 0;
    c->rep->t0 = rt_now();
    c->fn(c->arg);
    double t1 = c->rep->t1 != 0 ? c->rep->t1 : rt_now();
    c->rep->seconds += t1 - c->rep->t0;
}

void hx_rt_run(hx_state *st, hx_rt_rep *rep, void (*fn)(void *), void *arg,
               uint64_t n) {
    rt_call c = {rep, fn, arg};
    if (grt_run(rt_main, &c) != 0) {
        hx_fail(st, "grt_run failed");
        return;
    }
    rep->ops += n;
}

void hx_rt_report(hx_state *st, const hx_rt_rep *rep) {
    if (rep->ops == 0)
        return;
    hx_manual_time(st, rep->seconds);
    hx_metric(st, "ops_per_rep", (double)rep->ops);
}
