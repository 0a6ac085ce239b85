/*
 * run.h - internal: one experiment run, from options to data.
 *
 * The data model of a run, shared by the planner (plan.c), the runner
 * (runner_gbench.cc), the setup cache, the pipeline (run.c), the result
 * (result.h) and its reporters. Types only: each file's functions are
 * declared in its own header (plan.h, runner.h, output.h, ...).
 * Experiments never see it: they see hx.h.
 *
 *   hx_opts     what the user asked for (CLI flags / make variables)
 *   hx_run      one experiment's run: topology, counter plan, the sweep
 *   hx_family   a variant at fixed non-thread parameter values: one Google
 *               Benchmark family, instantiated once per thread count
 *   hx_point    a family at one thread count: one Google Benchmark
 *               instance, repeated; owns its setup state and its samples
 *   hx_sample   one repetition's numbers (per-thread values averaged)
 *
 * Threads and ownership: Google Benchmark runs one instance at a time, so a
 * point's fields are written by its worker threads only while it runs, and
 * read by the reporter (the main thread) after. The setup cache is touched
 * by thread 0 of the running point only.
 */
#ifndef MECHLAB_RUN_H
#define MECHLAB_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "counters.h"
#include "hx.h"
#include "sources.h"

#define HX_MAX_SETS    8
#define HX_MAX_EVENTS  16
#define HX_MAX_THREADS 1024      /* workers per point */
#define HX_PU_UNPINNED INT32_MIN /* pu[] of a thread left unpinned */

/* Exit codes of the CLI. */
enum {
    HX_EXIT_OK = 0,
    HX_EXIT_FAIL = 1,  /* a run failed, or an internal error */
    HX_EXIT_USAGE = 2, /* bad input: nothing was changed */
    HX_EXIT_SKIP = 3,  /* the experiment cannot run on this machine */
};

typedef struct hx_opts {
    const char *command;           /* list, describe, run, counters, compare */
    const char *exp;               /* experiment name or "all" */
    const char *threads;           /* --threads spec, or NULL */
    const char *sets[HX_MAX_SETS]; /* --set NAME=SPEC */
    int nsets;
    int reps; /* 0: default (9, or 3 with quick) */
    bool quick;
    const char *counters; /* auto|papi|perf|rusage|none */
    const char *out;      /* results root */
    const char *machine;  /* machine name override */
    const char *host;     /* host name override (fleet tasks: the node) */
    double min_time;      /* seconds per repetition; 0: default */
    double warmup;        /* seconds of warm-up per point; 0: none */
    bool plot;            /* draw PNG/SVG (default on) */
    bool interleave;      /* random interleaving (default on) */
    bool progress;        /* progress line (default: stderr is a tty) */
    bool wide;            /* --wide: every column, no width limit */
} hx_opts;

typedef struct hx_sample {
    int rep;
    bool failed;          /* the repetition failed (hx_fail): no numbers */
    uint64_t iterations;  /* per thread: the mean of the threads' counts
                             (with stop-together they differ) */
    double ns_per_op;     /* mean over threads */
    double ns_per_op_max; /* slowest thread */
    double thread_spread; /* slowest / fastest thread's ns/op (repeat.h) */
    double passes;        /* timed passes over the data (NAN: no pass) */
    double warm_passes;   /* untimed warm-up passes before it (NAN: none) */
    int warm_end;         /* hx_warm_end of thread 0's warm-up */
    uint32_t scaled;      /* bit i: events[i] is a multiplexed estimate */
    double metrics[HX_MAX_METRICS];
    bool metric_set[HX_MAX_METRICS];
    double events[HX_MAX_EVENTS]; /* per op; NAN when unavailable */
} hx_sample;

struct hx_run;

struct hx_point {
    struct hx_run *run;
    const hx_variant *var;
    int64_t val[HX_MAX_PARAMS]; /* every param's value at this point */
    int threads;
    bool oversub;    /* threads > PUs */
    char skip[256];  /* non-empty: skipped, with reason */
    char error[256]; /* non-empty: failed (hx_fail) */
    /* setup cache (thread 0 of the running point only) */
    void *shared;
    size_t bytes;
    bool ready;
    uint64_t last_use;
    /* barrier for the workers of one repetition (GCC __atomic builtins:
     * this header is shared with C++, which has no _Atomic) */
    int bar_count;
    int bar_gen;
    double tns[HX_MAX_THREADS]; /* each worker's ns/op, this repetition */
    /* HX_METRIC_MAX metrics: the largest value any worker reported this
     * repetition (reset by thread 0 before the start barrier) */
    double mmax[HX_MAX_METRICS];
    bool mmax_set[HX_MAX_METRICS];
    /* per-thread results of the current repetition, then the samples */
    int pu[HX_MAX_THREADS];       /* PU each worker was pinned to */
    uint64_t tit[HX_MAX_THREADS]; /* each worker's op count, this rep */
    int stop; /* stop-together flag of the running repetition (repeat.h) */
    hx_sample *samples;
    int nsamples, capsamples;
    /* after the run (calibrate.c): can this point count as evidence? */
    double thread_spread; /* median over reps; NAN: no samples */
    double pu_spread;     /* calibrated speeds of its PUs; NAN: unknown */
    bool unsettled;       /* threads or PUs apart by > HX_SETTLED_SPREAD */
    char unsettled_why[96];
    double cycles_per_op; /* median ns/op in its PUs' cycles; NAN */
    bool at_floor;        /* within HX_FLOOR_FACTOR of the loop floor */
};

typedef struct hx_family {
    struct hx_run *run;
    const hx_variant *var;
    int index;
    char name[200];          /* Google Benchmark family name */
    struct hx_point *points; /* one per thread count */
    int npoints;
} hx_family;

struct hx_point;
/* The runner's progress callback (runner.h): after each repetition. */
typedef void (*hx_progress_fn)(const struct hx_run *r,
                               const struct hx_point *pt, double ns_per_op);

typedef struct hx_run {
    const hx_experiment *exp;
    const hx_opts *opts;
    hx_topo topo;
    hx_counters *counters;
    size_t nevents;
    int thread_param; /* index of the threads param, or -1 */
    int xparam;       /* index of the plot's x param */
    int64_t pts[HX_MAX_PARAMS][HX_MAX_POINTS];
    int npts[HX_MAX_PARAMS];
    hx_family *fams;
    int nfams;
    /* sources.c: metric m is sampled from snapshot value msrc[m] (-1: the
     * variant reports it) */
    int msrc[HX_MAX_METRICS];
    int nsrcvals;
    /* gotwin.c: the synthesised "go:<name>" variants of this run */
    hx_variant twins[HX_MAX_VARIANTS];
    char twin_names[HX_MAX_VARIANTS][64];
    int ntwins;
    bool go_missing;  /* the experiment has twins but `go` is not here */
    int total_points; /* instances */
    int reps;
    double min_time;
    /* setup cache accounting */
    size_t cache_bytes, cache_budget;
    uint64_t use_clock;
    /* progress */
    hx_progress_fn progress; /* NULL: none */
    int done_runs;           /* repetitions finished (approx.) */
    int total_runs;
    double t_start;
    struct hx_calib *calib_before, *calib_after; /* NULL: not measured */
    char machine[96];  /* the CPU-model group: amd-epyc-9654-96c */
    char host[72];     /* the node within it; "" with --machine alone */
    char mdir[176];    /* results/<mdir>/: machine@host, or machine */
    char dir[1024];    /* final run directory */
    char tmpdir[1024]; /* where it is written */
    char run_id[64];
    /* --counters sim (counters_sim.h): the parent's simulated results, or
     * the child's measuring window; NULL otherwise */
    struct hx_sim *sim;
    uint64_t fixed_iters; /* > 0: every repetition runs exactly this many
                             iterations (the sim child), not min_time */
} hx_run;

#endif
