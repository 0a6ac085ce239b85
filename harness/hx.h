/*
 * hx.h - the harness API: everything an experiment file may use.
 *
 * An experiment is a small family of variants that differ in one mechanism,
 * swept over the parameters that make the mechanism show. The file that
 * defines it declares (hx_experiment) its hypothesis, variants, parameters,
 * metrics, plot and claims; the harness does everything else: it derives the
 * sweep points from the machine's topology, registers every variant at every
 * point with Google Benchmark, pins the worker threads, samples counters
 * around each repetition, computes statistics and the verdict, and writes the
 * run directory (context.json, gbench.json, data.csv, summary.txt, plots).
 *
 * The timed loop
 * --------------
 * A variant function runs on every worker thread of one benchmark run. It
 * does its per-thread setup, then loops in batches:
 *
 *     static void bump(hx_state *st) {
 *         struct shared *sh = hx_shared(st);         // made by .setup
 *         _Atomic uint64_t *c = &sh->slot[hx_thread_index(st)];
 *         for (uint64_t n; (n = hx_batch(st)) != 0;)
 *             for (uint64_t i = 0; i < n; i++)
 *                 atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
 *     }
 *
 * The first hx_batch() call waits at a start barrier with the other
 * threads, samples counters and starts this thread's clock; the call that
 * returns 0 stops the clock and samples counters again. So the loop pays no
 * C++ call per iteration: one call per batch (one batch for a single
 * thread; with several, about 64, and every thread stops when the first
 * has done its quota, so none runs its tail alone). Each thread is timed
 * individually; the primary metric, ns_per_op, is the threads' wall time
 * over the ops they did (with equal threads, the mean of their ns/op). A variant must
 * therefore do exactly the n ops each hx_batch() returns.
 * One iteration is one "op" of the experiment (one increment, one load, one
 * channel handoff); say which in the experiment's metric text.
 *
 * Shared state and setup
 * ----------------------
 * .setup builds state shared by all threads of a point (a buffer, a pointer
 * chain) outside any timing; it runs once per (variant, point) and its
 * result is cached across repetitions and reused until the run ends, or
 * until the cache's memory budget forces an eviction (report the bytes you
 * hold through *bytes so the harness can budget). .teardown frees it.
 * A setup that cannot work on this machine (no huge pages, too little
 * memory) calls hx_point_skip() with a reason and returns NULL: that point is
 * reported as skipped, not failed.
 *
 * Warm-up
 * -------
 * Repetitions of all points are interleaved, so a repetition starts with
 * the caches full of another point's data. A variant whose op depends on
 * what is resident (a pointer chase near a cache's capacity) declares
 * .warm: it runs on every worker thread before each repetition's clock
 * starts (untimed; after setup, before the start barrier) and walks the
 * data in passes through hx_warm():
 *
 *     static void walk_warm(hx_state *st) {
 *         struct chain *c = hx_shared(st);
 *         void **p = c->cursor;
 *         for (uint64_t n; (n = hx_warm(st, c->nodes)) != 0;)
 *             for (uint64_t i = 0; i < n; i++)
 *                 p = (void **)*p;
 *         c->cursor = p;
 *     }
 *
 * The harness times the passes and stops when one is no longer faster
 * than the last (resident), or at its pass and time limits. Declaring the
 * pass also makes each timed repetition cover several passes where time
 * allows, and data.csv and the summary say how many each made.
 *
 * Nothing the compiler can delete: pass results to hx_keep() (an empty asm
 * with a memory clobber), or call hx_clobber() after storing them.
 *
 * The result. After the run the harness builds one in-memory result (the
 * statistics of every point, each claim's ratio with its interval, the
 * verdict with every reason that decided it, the headline figures the
 * experiment declares) and writes every output from it. An experiment adds
 * to it through its verdict function and the small report API below
 * (hx_report_printf, hx_report_check, hx_report_headline), never by
 * formatting into a buffer of its own.
 *
 * Runtime experiments
 * -------------------
 * Three declarations serve experiments whose work runs on the runtime's
 * threads. A metric may name a process-wide counter (.source =
 * "rt:parks", "proc:ctxsw"): the harness samples it around each
 * repetition, per op, per repetition or as a level (sources.c). A metric
 * may be a maximum (HX_METRIC_MAX: a worst pause, a peak), and the plot
 * may show a metric instead of ns per op (.plot_metric). A parameter may
 * be fixed point (.scale = 100: "0.25" workers per core). And a variant
 * may name its Go twin (.go), a benchmark in scripts/gobench that the run
 * measures beside ours as the series "go:<variant>" (gotwin.c).
 *
 * Naming: hx_ prefix for the harness, HX_ for its macros.
 */
#ifndef MECHLAB_HX_H
#define MECHLAB_HX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- limits ------------------------------------------------------------ */

#define HX_MAX_PARAMS    4 /* swept parameters per experiment, threads included */
#define HX_MAX_VARIANTS  16 /* variants per experiment */
#define HX_MAX_POINTS    64 /* values per parameter */
#define HX_MAX_CACHES    8  /* data/unified cache levels recorded */
#define HX_MAX_METRICS   12 /* extra metrics an experiment reports */
#define HX_MAX_CLAIMS    8  /* claims checked for the verdict */
#define HX_MAX_HEADLINES 24 /* headline figures per experiment */

/* ---- topology (filled by the harness from hwloc) ----------------------- */

typedef struct hx_cache {
    int level;      /* 1, 2, 3, ... */
    char type;      /* 'd' data, 'u' unified ('i' caches are not listed) */
    uint64_t size;  /* bytes, as hwloc reports it (VMs may invent it) */
    unsigned line;  /* line size in bytes; 0 when unknown */
    int assoc;      /* ways; 0 unknown, -1 fully associative */
    int shared_pus; /* PUs sharing one instance of this cache */
} hx_cache;

typedef struct hx_topo {
    int packages; /* sockets */
    int numa_nodes;
    int cores;                      /* physical cores */
    int pus;                        /* hardware threads (processing units) */
    bool smt;                       /* more than one PU on some core */
    int ncaches;                    /* entries used in caches[] */
    hx_cache caches[HX_MAX_CACHES]; /* data/unified caches, ascending level */
    unsigned line_size;             /* L1d line size (64 when unknown) */
    uint64_t page_size;             /* base page size, bytes */
    uint64_t huge_page_size;        /* default THP/hugetlb size, 0 if none */
    uint64_t mem_total;             /* bytes of RAM usable by this process */
    /* Placement: pu_order[i] is the OS index of the PU that worker thread i
     * is pinned to; one PU per core first, then SMT siblings. */
    int pu_order[1024];
    char cpu_vendor[64];
    char cpu_model[128];
    int cpu_family, cpu_model_num, cpu_stepping;
} hx_topo;

/* The cache of a level ('d' or 'u'); NULL when the topology has none. */
const hx_cache *hx_topo_cache(const hx_topo *t, int level);
/* Size of the last-level cache (0 if no cache is known). */
uint64_t hx_topo_llc(const hx_topo *t);

/* ---- running state, as seen from a variant function -------------------- */

typedef struct hx_state hx_state; /* one thread's view of one benchmark run */
typedef struct hx_point hx_point; /* one (variant, parameter point) */

/* Iterations to run now; 0 when the run is over. See the file comment. */
uint64_t hx_batch(hx_state *st);

int hx_thread_index(const hx_state *st); /* 0 .. threads of the point - 1 */
void *hx_shared(const hx_state *st);     /* what .setup returned */
const hx_point *hx_state_point(const hx_state *st);

/* Untimed warm-up, from a variant's .warm function only: the ops to walk
 * next (a chunk of a pass of pass_ops ops), 0 when warm. See above. */
uint64_t hx_warm(hx_state *st, uint64_t pass_ops);

/* Report an extra metric declared in hx_experiment.metrics, for this thread
 * and this repetition (averaged over threads). Call after the loop. */
void hx_metric(hx_state *st, const char *name, double value);

/* Manual time: a variant declared with .manual_time reports the time its
 * iterations took, in seconds, measured its own way (e.g. from timestamps
 * carried through a channel, excluding work inside the loop that is not the
 * op). It replaces this thread's clock for ns_per_op and is what Google
 * Benchmark records (UseManualTime). Call after the loop. */
void hx_manual_time(hx_state *st, double seconds);

/* Abandon this run with an error (a broken invariant, not a skip). */
void hx_fail(hx_state *st, const char *why);

/* ---- a parameter point, as seen from setup ----------------------------- */

/* The value of the named parameter at this point (setup-time lookup; the
 * name must be declared by the experiment). */
int64_t hx_point_param(const hx_point *pt, const char *name);
/* The same as a real number: the value over the parameter's .scale. */
double hx_point_paramf(const hx_point *pt, const char *name);
/* The values the run sweeps the named parameter over, in order (the
 * defaults or --set): *vals and their count; 0 for an unknown name. */
int hx_point_sweep(const hx_point *pt, const char *name, const int64_t **vals);
int64_t hx_variant_arg(const hx_point *pt); /* hx_variant.arg */
int hx_point_threads(const hx_point *pt);
const hx_topo *hx_point_topo(const hx_point *pt);
/* Mark the point as not runnable here; the reason goes to the summary. */
void hx_point_skip(hx_point *pt, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Convenience for variant functions. */
static inline int64_t hx_sparam(const hx_state *st, const char *name) {
    return hx_point_param(hx_state_point(st), name);
}
static inline double hx_sparamf(const hx_state *st, const char *name) {
    return hx_point_paramf(hx_state_point(st), name);
}
static inline int64_t hx_sarg(const hx_state *st) {
    return hx_variant_arg(hx_state_point(st));
}

/* ---- optimisation barriers --------------------------------------------- */

static inline void hx_keep(uint64_t v) {
    __asm__ volatile("" : : "r"(v) : "memory");
}
static inline void hx_clobber(void) {
    __asm__ volatile("" : : : "memory");
}

/* ---- declaring an experiment -------------------------------------------- */

typedef void (*hx_fn)(hx_state *st);
typedef void *(*hx_setup_fn)(hx_point *pt, size_t *bytes);
typedef void (*hx_teardown_fn)(void *shared);

typedef struct hx_variant {
    const char *name; /* short, [a-z0-9_-]: "packed", "pad64", "local" */
    const char *help; /* one line: what differs */
    hx_fn fn;
    hx_setup_fn setup;       /* optional */
    hx_teardown_fn teardown; /* optional; frees what setup made */
    int64_t arg;             /* fixed argument, read with hx_variant_arg() */
    unsigned uses;           /* bit i set: varies with params[i]; 0 means
                                 "all params" (most variants). A variant that
                                 ignores a param runs at its first point only. */
    bool manual_time;        /* times itself: see hx_manual_time() */
    bool contended;          /* its threads contend for one location by
                                design: the thread that wins it more often
                                does more ops, so the threads' spread is
                                the mechanism and does not unsettle a
                                point (the PUs' spread still does) */
    hx_fn warm;              /* optional untimed warm-up before each
                                repetition, on every worker: hx_warm() */
    /* Optional Go twin: the name of a benchmark in scripts/gobench with
     * the same workload and op ("ChanMutex" for BenchmarkChanMutex). When
     * `go` is installed the run adds a series "go:<name>" beside this one,
     * interleaved with ours (harness/gotwin.c says how). */
    const char *go;
    /* Optional, with go: whether the twin runs at this point; false skips
     * it there, as this variant's setup would (NULL: at every point). */
    bool (*go_at)(const hx_point *pt);
    /* Its ops run on the runtime's threads while the timed thread waits:
     * as hx_experiment.runtime, for this variant alone (valueptr's
     * ret_gc beside plain C variants). */
    bool runtime;
} hx_variant;

/* How a parameter's default points are made. */
typedef int (*hx_points_fn)(const hx_topo *t, bool quick, int64_t *out,
                            int max);

enum hx_param_flags {
    HX_PARAM_THREADS = 1u << 0, /* this is the worker thread count */
    HX_PARAM_BYTES = 1u << 1,   /* a size in bytes (printed as KiB/MiB) */
    HX_PARAM_LOG = 1u << 2,     /* log scale when it is the plot's x axis */
};

typedef struct hx_param {
    const char *name; /* [a-z0-9_]: used as --set NAME=..., CSV column */
    const char *unit; /* "threads", "bytes", "ns" */
    const char *help;
    int64_t min, max; /* accepted range for user values (inclusive) */
    unsigned flags;   /* hx_param_flags */
    /* Default points: points() if set (topology-derived), else the list in
     * def (e.g. "8,64,128"); quick_def/points(quick=true) for --quick. */
    hx_points_fn points;
    const char *def;
    const char *quick_def;
    /* Fixed-point parameters: 0 or 1 for integers; 100 means the value is
     * held in hundredths, so the user writes 0.25 (and min/max/def are
     * in hundredths: 25). Read it with hx_point_paramf(). */
    int64_t scale;
} hx_param;

/* How a metric is made and summarised (hx_metric_decl.kind). A metric
 * with a .source is sampled by the harness around each repetition
 * (harness/sources.c); one without is reported by the variant with
 * hx_metric(). */
enum hx_metric_kind {
    HX_METRIC_PER_OP = 0, /* source: (after - before) / ops of the repetition */
    HX_METRIC_DELTA = 1,  /* source: after - before, per repetition */
    HX_METRIC_LEVEL = 2,  /* source: the value after the repetition */
    HX_METRIC_KIND_MASK = 3,
    /* Not an average: a maximum pause, a peak. Threads and repetitions are
     * combined by taking the largest value, not the mean and median. */
    HX_METRIC_MAX = 1u << 4,
};

typedef struct hx_metric_decl {
    const char *name; /* CSV column, [a-z0-9_] */
    const char *unit;
    const char *help;
    /* Optional: a process-wide counter "PREFIX:NAME" the harness samples
     * around each repetition, e.g. "rt:parks" (the experiment's .source)
     * or "proc:rss_bytes" (built in, sources.c). */
    const char *source;
    unsigned kind; /* hx_metric_kind */
} hx_metric_decl;

/* A process-wide counter source (the runtime's statistics): the harness
 * reads every counter it offers at once, on thread 0, just before the
 * clock starts and just after it stops, as it samples perf counters. */
typedef struct hx_source {
    const char *prefix;       /* "rt": metrics name "rt:NAME" */
    const char *const *names; /* NULL-terminated */
    /* Every counter, in names order, into vals. */
    void (*read)(double *vals);
} hx_source;

/* A claim: "series `slow` takes at least `min_ratio` times as long per op as
 * series `fast`" at the point where the parameter `at_param` has value
 * `at_value` (HX_AT_MAX: its largest non-oversubscribed value; HX_AT_MIN: its
 * smallest). With at_param NULL (the x parameter) an at_value of 0 (left
 * out) also means HX_AT_MAX. A series is a variant name, optionally with fixed parameter
 * values: "strided stride=8". The verdict says, per claim, the measured
 * ratio with its bootstrap 95% CI and whether the hypothesis held. */
#define HX_AT_MAX INT64_MAX
#define HX_AT_MIN INT64_MIN
typedef struct hx_claim {
    const char *slow;
    const char *fast;
    double min_ratio;     /* holds when the CI's lower bound >= min_ratio */
    const char *at_param; /* NULL: the plot's x parameter */
    int64_t at_value;
} hx_claim;

typedef struct hx_results hx_results; /* statistics of a finished run */
typedef struct hx_report hx_report;   /* the experiment's part of a result */

/* Optional experiment-specific verdict, run after the claims are judged.
 * Read medians with hx_results_*; say what you found with
 * hx_report_printf; name every check that decides the verdict with
 * hx_report_check (a verdict function that only reports calls none); set
 * the headline figures declared HX_HEAD_REPORT with hx_report_headline. */
typedef void (*hx_verdict_fn)(const hx_results *r, hx_report *rep);

/* Append text to the experiment's notes in the summary (lines end with
 * '\n'; a missing final newline is added). */
void hx_report_printf(hx_report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A check that decides the verdict: `held` is its outcome, the text says
 * what was checked and what was measured ("the empty loop costs 1.02
 * cycles (expected <= 2)"). Every check is named in the verdict's reasons;
 * one that does not hold makes the hypothesis not hold. */
void hx_report_check(hx_report *rep, bool held, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A check that could not be made from these data (too few points, a
 * series missing): the verdict is "not settled", with this reason. */
void hx_report_unsettled(hx_report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The value of headline `key` (declared HX_HEAD_REPORT); NAN: not
 * measured. */
void hx_report_headline(hx_report *rep, const char *key, double value);

/* Headline figures: the few numbers that are the experiment's result on a
 * machine, collected by the fleet study from every run's summary.json. */
enum hx_headline_kind {
    HX_HEAD_CLAIM,  /* the ratio of claims[claim], with its interval */
    HX_HEAD_MEDIAN, /* median ns per op of `series` where the x parameter
                       is `at` (HX_AT_MAX, HX_AT_MIN, 0 = HX_AT_MAX) */
    HX_HEAD_REPORT, /* computed by the verdict function */
};

typedef struct hx_headline {
    const char *key;    /* [a-z0-9_], stable across runs: "xadd_ratio" */
    const char *name;   /* "xadd packed/padded at max threads" */
    const char *unit;   /* "x", "ns", "pages", "cycles" */
    const char *how;    /* how it is computed, one sentence */
    int kind;           /* hx_headline_kind */
    int claim;          /* HX_HEAD_CLAIM: index into claims */
    const char *series; /* HX_HEAD_MEDIAN */
    int64_t at;         /* HX_HEAD_MEDIAN */
} hx_headline;

enum hx_plot_flags {
    HX_PLOT_LOGY = 1u << 0,
    HX_PLOT_CACHE_MARKS = 1u << 1, /* vertical lines at L1/L2/L3 sizes */
    /* Variants are declared in comparable pairs (0,1), (2,3), ...: a plot
     * drawn as bars (every series at one x) groups each pair, Go twins
     * beside their variants, and labels the pair's ratio. */
    HX_PLOT_PAIRS = 1u << 2,
};

/* An extra vertical mark on the plot, at x in the x parameter's unit. */
typedef struct hx_mark {
    int64_t x;
    char label[48];
} hx_mark;
/* Optional: marks the experiment knows from the machine (a TLB reach);
 * returns how many it wrote (<= max). */
typedef int (*hx_marks_fn)(const hx_topo *t, hx_mark *out, int max);

/* hx_variant.uses for a variant that varies with no parameter: it runs at
 * one point (every parameter at its first value). */
#define HX_USES_NONE (1u << HX_MAX_PARAMS)

typedef struct hx_experiment {
    const char *name;       /* "falseshare" */
    const char *summary;    /* one line for `list` */
    const char *hypothesis; /* what we expect, and why (the mechanism) */
    const char *reading;    /* how to read the plot */
    const char *homework;   /* questions, one per line */
    const hx_variant *variants;
    int nvariants;
    const hx_param *params;
    int nparams;
    const hx_metric_decl *metrics;
    int nmetrics;              /* extra, beyond ns_per_op */
    const char *op;            /* what one op is: "increment", "load" */
    const char *const *events; /* counters to sample (NULL-terminated), e.g.
                                  "page-faults", "cycles"; NULL: defaults */
    const hx_claim *claims;
    int nclaims;
    hx_verdict_fn verdict;        /* optional, after the claims */
    const hx_headline *headlines; /* the figures that are the result */
    int nheadlines;
    const char *xparam;      /* plot x axis parameter name */
    unsigned plot_flags;     /* hx_plot_flags */
    hx_marks_fn marks;       /* optional extra plot marks */
    int min_cores;           /* skip the experiment below this (0: none) */
    bool runtime;            /* the ops run on the runtime's threads (its Ms);
                              the timed thread only waits, so its CPU time
                              says nothing about a busy machine and that
                              check is off */
    double min_time;         /* seconds per repetition (0: harness default) */
    const hx_source *source; /* optional: counters its metrics name */
    /* Optional: the metric the plot shows on y instead of ns_per_op
     * (its median with p10..p90 bars), and the y label for it. */
    const char *plot_metric;
    const char *sim; /* optional: what the simulated cache counters
                              (--counters sim) should show, for describe */
    /* Optional: a second plot in report.html along this parameter, at the
     * largest value of the x parameter (within the PUs for threads), where
     * the lesson lives on a second axis (falseshare: stride). */
    const char *plot2;
} hx_experiment;

#define HX_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- reading a finished run (for verdict functions) --------------------- */

/* Median ns_per_op of a series ("variant" or "variant p=v") at a point where
 * the x parameter equals x; NAN if absent. */
double hx_results_median(const hx_results *r, const char *series, int64_t x);
/* Median CPU time (task-clock) per op, ns, of a series at x: what the
 * thread itself consumed, which a busy machine does not inflate the way it
 * inflates wall time. NAN when task-clock is unavailable or absent. */
double hx_results_cpu_median(const hx_results *r, const char *series,
                             int64_t x);
/* Median (for a HX_METRIC_MAX metric, the largest value) over the
 * repetitions of a declared metric of a series at x; NAN if absent. */
double hx_results_metric(const hx_results *r, const char *series, int64_t x,
                         const char *metric);
/* Number of x points, and the i-th x value, in ascending order. */
int hx_results_nx(const hx_results *r);
int64_t hx_results_x(const hx_results *r, int i);
const hx_topo *hx_results_topo(const hx_results *r);
/* The directory the run's files are being written to (extra data files
 * and gnuplot scripts an experiment adds beside plot.dat); "" when the
 * results are not from a run being written (compare). */
const char *hx_results_dir(const hx_results *r);
/* Run gnuplot on script (a file name in dir); 0, or -errno with msg. */
int hx_run_gnuplot(const char *dir, const char *script, char *msg, size_t len);

/* ---- standard point generators (harness/points.c) ----------------------- */

/* 1, 2, 4, ... up to the PU count, plus the PU count itself; with quick, 1
 * and the PU count. Over-subscribed points are never generated here. */
int hx_points_threads(const hx_topo *t, bool quick, int64_t *out, int max);
/* 1..2x PUs, for experiments that show over-subscription. */
int hx_points_threads_2x(const hx_topo *t, bool quick, int64_t *out, int max);
/* Working-set sizes: 0.5x, 1x, 2x each cache level, log2 steps from lo up to
 * mult x LLC, capped at cap bytes (and at a quarter of RAM). Sorted, unique. */
int hx_points_sizes(const hx_topo *t, bool quick, uint64_t lo, double mult,
                    uint64_t cap, int64_t *out, int max);

#ifdef __cplusplus
}
#endif
#endif /* MECHLAB_HX_H */
