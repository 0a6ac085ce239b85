/*
 * repeat.h - internal: what one worker thread does in one repetition,
 * as pure state machines that take the time as an argument.
 *
 * A repetition on a worker thread goes
 *
 *     pin -> (thread 0: setup, cached) -> barrier -> warm-up (untimed)
 *         -> Google Benchmark's start barrier -> t0 -> batches -> t1
 *
 * and two parts of it have rules worth testing without a clock:
 *
 *  - hx_warmup: the untimed warm-up an experiment asks for with
 *    hx_variant.warm and hx_warm(st, pass_ops) (hx.h). It hands out the
 *    ops of one pass in chunks and stops when a pass is no longer faster
 *    than the one before (the data is as resident as it will get), after
 *    HX_WARM_MAX_PASSES passes, or when the warm-up budget is spent (a
 *    1 GiB chain cannot become resident; walking a budget's worth of it
 *    still leaves the caches and TLB holding this chain, not the previous
 *    point's). The first pass of a chase over 16 MiB runs at DRAM latency
 *    when the previous repetition belonged to another point: that pass is
 *    now here, untimed, instead of inside the measurement.
 *
 *  - hx_quota: the timed batches. Every thread has the same quota (what
 *    Google Benchmark asked for), handed out in chunks of about 1/64 of
 *    it. The first thread to finish its quota raises the point's stop
 *    flag; every other thread stops at its next chunk boundary, having
 *    done fewer ops. So all threads stop within one chunk of each other
 *    and none runs its tail uncontended (the old fixed-count loop let the
 *    faster thread stop early and the slower one finish alone, which
 *    flattered it). Each thread's ns/op is its own time over its own
 *    count. A point that declared a pass (hx_warm) keeps going past its
 *    quota until it has made HX_MIN_PASSES passes or spent
 *    HX_PASS_TIME_CAP x min_time, so no repetition is one pass long.
 *    Single-threaded points without a pass get one batch, as before; and
 *    so do manual-time and runtime variants (their batches are whole
 *    runs of the runtime, and their threads depend on each other's
 *    counts).
 *
 * Both are driven by the runner (runner_gbench.cc) with hx_now(), and by
 * tests/test_repeat.c with made-up times. The stop flag is written with
 * __atomic builtins (this header is shared with C++).
 */
#ifndef MECHLAB_REPEAT_H
#define MECHLAB_REPEAT_H

#include <stdbool.h>
#include <stdint.h>

#define HX_WARM_MAX_PASSES 8          /* passes before giving up on settling */
#define HX_WARM_SETTLE     0.10       /* settled: a pass under 10% faster */
#define HX_WARM_CHUNK      (1u << 16) /* ops between budget checks */
#define HX_MIN_PASSES      3   /* timed passes per repetition, if it fits */
#define HX_PASS_TIME_CAP   4.0 /* ... within this x min_time */
#define HX_QUOTA_CHUNKS    64  /* chunks per quota with stop-together */

enum hx_warm_end {
    HX_WARM_RUNNING = 0,
    HX_WARM_SETTLED, /* a pass was not faster than the one before */
    HX_WARM_MAXED,   /* HX_WARM_MAX_PASSES passes */
    HX_WARM_BUDGET,  /* the time budget ran out */
};

typedef struct hx_warmup {
    double budget_s;  /* time allowed for the whole warm-up */
    double t0;        /* start of the warm-up */
    double pass_t0;   /* start of the current pass */
    double last_pass; /* duration of the last complete pass; <0 none */
    uint64_t done;    /* ops done in the current pass */
    uint64_t chunk;   /* ops handed out by the last call */
    uint64_t ops;     /* ops done in all */
    int passes;       /* complete passes */
    int end;          /* hx_warm_end */
    bool started;
} hx_warmup;

void hx_warmup_init(hx_warmup *w, double budget_s);
/* The ops to run next (a chunk of the current pass), or 0 when the
 * warm-up is over (w->end says why). Call it with the time now, before
 * each chunk; pass_ops is the length of one pass (> 0). */
uint64_t hx_warmup_next(hx_warmup *w, uint64_t pass_ops, double now);
/* Passes made, counting a partial last pass as its fraction. */
double hx_warmup_passes(const hx_warmup *w, uint64_t pass_ops);

typedef struct hx_quota {
    uint64_t quota;   /* ops asked for (per thread) */
    uint64_t chunk;   /* ops per chunk */
    uint64_t min_ops; /* keep going to this many while time allows */
    double cap_s;     /* ... for at most this long after t0 */
    double t0;
    uint64_t done; /* ops handed out and finished */
    uint64_t last; /* ops of the chunk being run */
    int *stop;     /* the point's stop flag, shared by its threads */
    bool together; /* stop with the first thread that finishes */
} hx_quota;

/* together: stop-together mode (several threads); pass_ops: one pass of
 * the data (0: none declared); min_time: the repetition's min time. */
void hx_quota_init(hx_quota *q, uint64_t quota, int *stop, bool together,
                   uint64_t pass_ops, double min_time);
/* First call (the clock has just started at t0): the first chunk. */
uint64_t hx_quota_first(hx_quota *q, double t0);
/* Later calls: the previous chunk is done; the next chunk, or 0 when this
 * thread stops (its own quota reached, or another thread's). */
uint64_t hx_quota_next(hx_quota *q, double now);

/* The ratio of the largest to the smallest of v[0..n) (positive values;
 * NAN and <= 0 are ignored); 1 with fewer than two values. */
double hx_spread(const double *v, int n);

#endif
