/*
 * gogc.c - the GC pacer's one knob: GOGC (and GOMEMLIMIT) traded between
 * heap size and GC CPU, on our runtime's heap and, through its twin in
 * scripts/gobench/gogc_test.go, on Go 1.19's, in the same run.
 *
 * Mechanism
 * ---------
 * A cycle starts when the heap reaches the goal live x (1 + GOGC/100),
 * live being what the previous cycle marked. The allocation between two
 * cycles is therefore about live x GOGC/100 bytes, and each cycle costs a
 * trace of the live heap (fixed by the program, not by GOGC). So the
 * number of cycles per byte allocated, hence the GC CPU, goes as
 * 100/GOGC: doubling GOGC halves it; the heap overhead above live goes as
 * GOGC/100: doubling GOGC doubles it. GOGC=off never collects: no GC
 * CPU, and a heap that grows with everything ever allocated, paid in page
 * faults for memory never touched before (about 11 us each on this VM:
 * off can be the slowest case). GOMEMLIMIT turns the goal into
 * min(goal, limit): with GOGC=off and a limit, the heap grows to the
 * limit and is collected there, fewer cycles than GOGC=100 when the limit
 * is well above the live heap.
 *
 * The trace cost of a cycle is in the pointer words it scans. A
 * pointer-free object (a []byte, grt_new_bytes) is marked by one bit and
 * never scanned: a live heap of pointer-free objects costs almost nothing
 * per cycle; the same bytes full of pointers cost every word.
 *
 * Workloads (one op: one short-lived binary tree of 2 MiB, built, walked
 * and dropped; gcwork.h's, the same as gcbench's churn)
 * ----------------------------------------------------------------------
 *   churn         the long-lived structure is a binary tree of
 *                 tree_bytes (16-byte nodes, two pointers each)
 *   churn-limit   the same with GOMEMLIMIT = 3 x tree_bytes (the long-
 *                 lived tree, 2 MiB in flight, the rest for garbage)
 *   live-ptr      the long-lived structure is live_bytes of 64 KiB objects
 *                 whose every word points to a random one of them
 *   live-noscan   the same bytes as pointer-free objects
 * Each at every GOGC of the x axis (-1 is off). Go's twins (go:churn,
 * go:churn-limit, go:live-ptr, go:live-noscan) set debug.SetGCPercent and
 * debug.SetMemoryLimit the same way.
 *
 * Metrics (per repetition; a repetition starts from a collected heap
 * with its garbage returned to the OS)
 * -------------------------------------------------------------------
 * The GC figures cover whole cycles of the steady state: after the full
 * collection that starts the repetition, ops run untimed until the first
 * cycle ends (that cycle starts from the live heap alone, without the
 * floating garbage of a running program, so its goal is low); the window
 * opens there and closes at the end of the first cycle that ends after
 * the timed loop (more ops run, untimed, until then; each wait at most
 * GG_TAIL_MAX_S). GC CPU is booked when a cycle
 * ends, in Go's GCCPUFraction as in our statistics, so a window that
 * stops between two cycles would miss a cycle's cost or hold none at
 * all. Where no cycle can come (GOGC=off, no limit) the cycle-derived
 * figures are n/a, "no cycle", never 0. Go's twin does the same.
 *   window_ops       ops in the window (timed + untimed tail)
 *   cycles_per_100   collections per 100 ops
 *   gc_cpu_pct       GC CPU / (wall x GOMAXPROCS), as Go's GCCPUFraction
 *   gc_cpu_ms_cycle  GC CPU per cycle, ms (the mark cost of the live heap)
 *   max_pause_us     longest stop-the-world pause
 *   pause_us_per_100 stop-the-world time per 100 ops
 *   peak_heap_mib    most bytes in allocated objects after an op
 *   live_mib         the heap after a full collection at the start
 *   overhead_mib     peak_heap_mib - live_mib: what GOGC buys
 *   heap_goal_mib    the pacer's goal at the end (gctrace's "MB goal")
 *   peak_rss_mib     peak resident set growth over the repetition's start
 * Wall time is ns per op.
 *
 * Files beside plot.dat (written by the verdict, gnuplot run on them):
 *   tradeoff.dat/.gp/.png  peak heap overhead vs GC CPU, one point per
 *                          GOGC, one line per runtime and workload
 *   sawtooth.dat/.gp/.png  our heap after each op over time, for GOGC 100
 *                          and 400 (the last repetition of churn at each)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcwork.h"
#include "grt.h"
#include "hx.h"

#define GG_OBJ_BYTES 65536 /* live-*: each object of the live heap */
#define GG_SAW_MAX   4096  /* sawtooth samples kept per GOGC value */
#define GG_OFF       (-1)  /* the x value that means GOGC=off */
#define GG_LIMIT_X   3     /* churn-limit: GOMEMLIMIT = 3 x tree_bytes */
/* Longest untimed tail that waits for a cycle to end, seconds (GOGC=800
 * over 64 MiB live takes about 3 s per cycle here). */
#define GG_TAIL_MAX_S 20.0

enum gg_kind { GG_CHURN, GG_LIVE_PTR, GG_LIVE_NOSCAN };

/* A point's workload: which long-lived structure, how big, which GOGC and
 * memory limit. */
typedef struct gg_work {
    enum gg_kind kind;
    int64_t bytes;
    int gogc;
    int64_t limit; /* bytes; 0: none */
} gg_work;

/* The resident long-lived structure: one at a time (the process has one
 * heap; another workload's structure would be traced too). Harness thread
 * 0 only. */
static struct {
    void *root; /* a registered root */
    bool rooted;
    bool built;
    enum gg_kind kind;
    int64_t bytes;
} gg_res;

/* The sawtooth of two GOGC values: (seconds, heap MiB) after each op. */
static const int gg_saw_gogc[2] = {100, 400};
static struct {
    int n;
    double t[GG_SAW_MAX], heap[GG_SAW_MAX];
} gg_saw[2];

static const uint64_t gg_word_mask[] = {0x1};
static const grt_type gg_word_type = {sizeof(void *), gg_word_mask,
                                      "gogc pointer word"};

static void gg_build_main(void *arg) {
    const gg_work *w = arg;
    if (w->kind == GG_CHURN) {
        GRT_STORE_PTR(&gg_res.root, gw_ours_tree(gw_depth(w->bytes)));
        return;
    }
    size_t n = (size_t)(w->bytes / GG_OBJ_BYTES);
    size_t words = GG_OBJ_BYTES / sizeof(void *);
    void **holder = grt_new_array(&gg_word_type, n);
    GRT_STORE_PTR(&gg_res.root, holder);
    for (size_t i = 0; i < n; i++) {
        void *obj;
        if (w->kind == GG_LIVE_NOSCAN) {
            obj = grt_new_bytes(GG_OBJ_BYTES);
            memset(obj, 0x5a, GG_OBJ_BYTES);
        } else {
            obj = grt_new_array(&gg_word_type, words);
        }
        GRT_STORE_PTR(&holder[i], obj);
    }
    if (w->kind == GG_LIVE_PTR) {
        uint64_t s = 0x9e3779b97f4a7c15ull;
        for (size_t i = 0; i < n; i++) {
            void **obj = holder[i];
            for (size_t k = 0; k < words; k++)
                GRT_STORE_PTR(&obj[k], holder[gw_rng(&s) % n]);
        }
    }
}

static void gg_drop_main(void *arg) {
    (void)arg;
    GRT_STORE_PTR(&gg_res.root, NULL);
    grt_gc();
    grt_gc();
    grt_free_os_memory();
}

/* A full collection and the garbage's memory back to the OS: every
 * repetition starts from the live structure alone. */
static void gg_settle_main(void *arg) {
    (void)arg;
    grt_gc();
    grt_free_os_memory();
}

static void gg_make_resident(const gg_work *w) {
    if (!gg_res.rooted) {
        grt_gc_add_root(&gg_res.root, sizeof gg_res.root);
        gg_res.rooted = true;
    }
    if (gg_res.built && gg_res.kind == w->kind && gg_res.bytes == w->bytes)
        return;
    grt_set_gc_percent(100);
    grt_set_memory_limit(INT64_MAX);
    grt_run(gg_drop_main, NULL);
    gg_res.built = false;
    grt_run(gg_build_main, (void *)w);
    gg_res.kind = w->kind;
    gg_res.bytes = w->bytes;
    gg_res.built = true;
}

typedef struct gg_batch {
    uint64_t n;
    uint64_t sum;
    double seconds;
    double peak_heap;
    double t0; /* the repetition's start, for the sawtooth */
    int saw;   /* index into gg_saw, or -1 */
    /* The untimed tail: stop once gc_cycles passes until_cycles (0: run
     * n ops), or after GG_TAIL_MAX_S. */
    uint64_t until_cycles;
    uint64_t done; /* ops run */
} gg_batch;

static void gg_batch_main(void *arg) {
    gg_batch *b = arg;
    grt_stats s;
    double t0 = gw_clock(CLOCK_MONOTONIC);
    for (uint64_t i = 0; i < b->n; i++) {
        gw_node *t = gw_ours_tree(GW_SHORT_DEPTH);
        grt_stats_read(&s);
        double h = (double)s.heap_live;
        if (h > b->peak_heap)
            b->peak_heap = h;
        if (b->saw >= 0 && gg_saw[b->saw].n < GG_SAW_MAX) {
            int k = gg_saw[b->saw].n++;
            gg_saw[b->saw].t[k] = gw_clock(CLOCK_MONOTONIC) - b->t0;
            gg_saw[b->saw].heap[k] = h / GW_MIB;
        }
        b->sum += gw_check(t);
        b->done++;
        if (b->until_cycles != 0 &&
            (s.gc_cycles > b->until_cycles ||
             gw_clock(CLOCK_MONOTONIC) - t0 > GG_TAIL_MAX_S))
            break;
    }
    b->seconds += gw_clock(CLOCK_MONOTONIC) - t0;
}

static void gg_run(hx_state *st) {
    const gg_work *w = hx_shared(st);
    gg_make_resident(w);
    grt_set_gc_percent(100);
    grt_set_memory_limit(INT64_MAX);
    grt_run(gg_settle_main, NULL);
    grt_stats s0, s1;
    grt_stats_read(&s0);
    double live = (double)s0.heap_live;
    double rss0 = gw_status_bytes("VmRSS");
    bool hwm = gw_reset_hwm();
    grt_set_gc_percent(w->gogc);
    grt_set_memory_limit(w->limit > 0 ? w->limit : INT64_MAX);
    bool cycles_possible = w->gogc >= 0 || w->limit > 0;
    if (cycles_possible) {
        /* Warm-up, untimed: the first cycle after the full collection
         * starts from the live heap alone (no floating garbage, a lower
         * goal), not from the steady state; the window opens at its end. */
        grt_stats sw;
        grt_stats_read(&sw);
        gg_batch warm = {
            .saw = -1, .until_cycles = sw.gc_cycles, .n = UINT64_MAX};
        if (grt_run(gg_batch_main, &warm) != 0)
            hx_fail(st, "grt_run failed");
        if (warm.sum != warm.done * gw_tree_nodes(GW_SHORT_DEPTH))
            hx_fail(st, "short-lived tree miscounted");
    }
    gg_batch b = {.saw = -1, .t0 = gw_clock(CLOCK_MONOTONIC)};
    if (w->kind == GG_CHURN && w->limit == 0)
        for (int i = 0; i < 2; i++)
            if (w->gogc == gg_saw_gogc[i]) {
                b.saw = i;
                gg_saw[i].n = 0; /* keep the last repetition's */
            }
    uint64_t total = 0;
    grt_stw_pause_max_take();
    grt_stats_read(&s0);
    for (uint64_t n; (n = hx_batch(st)) != 0;) {
        b.n = n;
        if (grt_run(gg_batch_main, &b) != 0)
            hx_fail(st, "grt_run failed");
        total += n;
    }
    if (total == 0) {
        grt_set_gc_percent(100);
        grt_set_memory_limit(INT64_MAX);
        return;
    }
    double timed = b.seconds;
    /* Whole cycles: the window opened at a cycle's end (the warm-up's);
     * it closes at the end of the first cycle that ends after the timed
     * loop, running more ops untimed until then, so that GC CPU, cycles
     * and peak heap describe whole cycles at every GOGC (a short window
     * at GOGC=400 would hold no cycle at all). With GOGC=off and no limit
     * no cycle comes: the window is the timed loop and the cycle-derived
     * figures are "no cycle" (n/a). */
    if (cycles_possible) {
        grt_stats sm;
        grt_stats_read(&sm);
        b.until_cycles = sm.gc_cycles;
        b.n = UINT64_MAX;
        if (grt_run(gg_batch_main, &b) != 0)
            hx_fail(st, "grt_run failed");
    }
    double max_pause = (double)grt_stw_pause_max_take();
    grt_stats_read(&s1);
    double rss = gw_status_bytes("VmHWM");
    grt_set_gc_percent(100);
    grt_set_memory_limit(INT64_MAX);
    hx_manual_time(st, timed);
    uint64_t ops = b.done;
    if (b.sum != ops * gw_tree_nodes(GW_SHORT_DEPTH))
        hx_fail(st, "short-lived tree miscounted");
    double cycles = (double)(s1.gc_cycles - s0.gc_cycles);
    double cpu = (double)(s1.gc_cpu_ns - s0.gc_cpu_ns) -
                 (double)(s1.gc_mark_idle_ns - s0.gc_mark_idle_ns);
    double wall = b.seconds * (double)s1.gomaxprocs;
    hx_metric(st, "cycles_per_100", 100.0 * cycles / (double)ops);
    if (cycles > 0) {
        hx_metric(st, "gc_cpu_pct", 100.0 * cpu / 1e9 / wall);
        hx_metric(st, "gc_cpu_ms_cycle", cpu / 1e6 / cycles);
        hx_metric(st, "max_pause_us", max_pause / 1e3);
    }
    hx_metric(st, "pause_us_per_100",
              100.0 * (double)(s1.stw_pause_total_ns - s0.stw_pause_total_ns) /
                  1e3 / (double)ops);
    hx_metric(st, "window_ops", (double)ops);
    hx_metric(st, "peak_heap_mib", b.peak_heap / GW_MIB);
    hx_metric(st, "live_mib", live / GW_MIB);
    hx_metric(st, "overhead_mib", (b.peak_heap - live) / GW_MIB);
    if (s1.gc_heap_goal != UINT64_MAX)
        hx_metric(st, "heap_goal_mib", (double)s1.gc_heap_goal / GW_MIB);
    if (hwm && !isnan(rss) && !isnan(rss0))
        hx_metric(st, "peak_rss_mib", (rss - rss0) / GW_MIB);
}

static void *gg_setup(hx_point *pt, enum gg_kind kind, bool limit,
                      size_t *bytes) {
    gg_work *w = calloc(1, sizeof *w);
    if (w == NULL)
        return hx_point_skip(pt, "out of memory"), NULL;
    w->kind = kind;
    w->bytes = kind == GG_CHURN ? hx_point_param(pt, "tree_bytes")
                                : hx_point_param(pt, "live_bytes");
    w->gogc = (int)hx_point_param(pt, "gogc");
    w->limit = limit ? GG_LIMIT_X * w->bytes : 0;
    *bytes = (size_t)w->bytes;
    return w;
}

static void *gg_setup_churn(hx_point *pt, size_t *bytes) {
    return gg_setup(pt, GG_CHURN, false, bytes);
}
static void *gg_setup_limit(hx_point *pt, size_t *bytes) {
    return gg_setup(pt, GG_CHURN, true, bytes);
}
static void *gg_setup_ptr(hx_point *pt, size_t *bytes) {
    return gg_setup(pt, GG_LIVE_PTR, false, bytes);
}
static void *gg_setup_noscan(hx_point *pt, size_t *bytes) {
    return gg_setup(pt, GG_LIVE_NOSCAN, false, bytes);
}

static void gg_teardown(void *shared) {
    free(shared);
}

/* ---- declaration ------------------------------------------------------------ */

enum { GG_P_THREADS, GG_P_GOGC, GG_P_TREE, GG_P_LIVE };
#define GG_USES_CHURN (1u << GG_P_GOGC)
#define GG_USES_LIVE  (1u << GG_P_GOGC)

static const hx_variant gg_variants[] = {
    {.name = "churn",
     .help = "2 MiB trees built and dropped beside a long-lived tree of "
             "tree_bytes; op = one short-lived tree",
     .fn = gg_run,
     .setup = gg_setup_churn,
     .teardown = gg_teardown,
     .uses = GG_USES_CHURN,
     .manual_time = true,
     .go = "GOGCChurn"},
    {.name = "churn-limit",
     .help = "the churn with GOMEMLIMIT = 3 x tree_bytes",
     .fn = gg_run,
     .setup = gg_setup_limit,
     .teardown = gg_teardown,
     .uses = GG_USES_CHURN,
     .manual_time = true,
     .go = "GOGCChurnLimit"},
    {.name = "live-ptr",
     .help = "the churn beside live_bytes of pointer-rich 64 KiB objects",
     .fn = gg_run,
     .setup = gg_setup_ptr,
     .teardown = gg_teardown,
     .uses = GG_USES_LIVE,
     .manual_time = true,
     .go = "GOGCLivePtr"},
    {.name = "live-noscan",
     .help = "the churn beside the same bytes of pointer-free objects",
     .fn = gg_run,
     .setup = gg_setup_noscan,
     .teardown = gg_teardown,
     .uses = GG_USES_LIVE,
     .manual_time = true,
     .go = "GOGCLiveNoscan"},
};

static const hx_param gg_params[] = {
    [GG_P_THREADS] = {.name = "threads",
                      .unit = "threads",
                      .help = "harness threads driving the run (the work "
                              "runs on the runtime's threads)",
                      .min = 1,
                      .max = 1,
                      .flags = HX_PARAM_THREADS,
                      .def = "1",
                      .quick_def = "1"},
    [GG_P_GOGC] = {.name = "gogc",
                   .unit = "%",
                   .help = "GOGC: heap growth over live before a cycle, "
                           "percent; -1 is off",
                   .min = -1,
                   .max = 10000,
                   .def = "-1,25,50,100,200,400,800",
                   .quick_def = "100,200"},
    [GG_P_TREE] = {.name = "tree_bytes",
                   .unit = "bytes",
                   .help = "churn*: bytes of the long-lived tree (16-byte "
                           "nodes; the largest complete tree that fits)",
                   .min = 1 << 20,
                   .max = (int64_t)16 << 30,
                   .flags = HX_PARAM_BYTES,
                   .def = "67108864",
                   .quick_def = "4194304"},
    [GG_P_LIVE] = {.name = "live_bytes",
                   .unit = "bytes",
                   .help = "live-*: bytes of the long-lived 64 KiB objects",
                   .min = 1 << 20,
                   .max = (int64_t)16 << 30,
                   .flags = HX_PARAM_BYTES,
                   .def = "67108864",
                   .quick_def = "4194304"},
};

static const hx_metric_decl gg_metrics[] = {
    {"cycles_per_100", "cycles", "collections per 100 ops", NULL, 0},
    {"gc_cpu_pct", "%", "GC CPU over wall x CPUs (Go's GCCPUFraction)", NULL,
     0},
    {"gc_cpu_ms_cycle", "ms", "GC CPU per cycle: the mark cost of the heap",
     NULL, 0},
    {"max_pause_us", "us", "longest stop-the-world pause in the repetition",
     NULL, HX_METRIC_MAX},
    {"pause_us_per_100", "us", "stop-the-world time per 100 ops", NULL, 0},
    {"window_ops", "ops",
     "ops in the GC window: the timed ones and the untimed ones that ran "
     "on to the end of a cycle",
     NULL, 0},
    {"peak_heap_mib", "MiB", "most bytes in allocated objects after an op",
     NULL, HX_METRIC_MAX},
    {"live_mib", "MiB", "heap after a full collection at the start", NULL, 0},
    {"overhead_mib", "MiB", "peak heap minus live: the space GOGC buys", NULL,
     HX_METRIC_MAX},
    {"heap_goal_mib", "MiB",
     "the pacer's heap goal at the end (gctrace's "
     "'MB goal')",
     NULL, 0},
    {"peak_rss_mib", "MiB", "peak resident set growth over the start (VmHWM)",
     NULL, HX_METRIC_MAX},
};

static const char *const gg_events[] = {"task-clock", "page-faults",
                                        "context-switches", NULL};

/* GOGC 100 -> 400: cycles fall (the time per op with them); at the
 * largest GOGC the pointer-rich live heap costs more than the
 * pointer-free one. */
static const hx_claim gg_claims[] = {
    {"live-ptr", "live-noscan", 1.0, NULL, 100},
};

/* ---- verdict, trade-off and sawtooth files ----------------------------------- */

static const char *const gg_series[] = {"churn",       "go:churn",
                                        "live-ptr",    "go:live-ptr",
                                        "live-noscan", "go:live-noscan"};

static double gg_m(const hx_results *r, const char *s, int64_t g,
                   const char *m) {
    return hx_results_metric(r, s, g, m);
}

static void gg_write_files(const hx_results *r) {
    const char *dir = hx_results_dir(r);
    if (dir == NULL || dir[0] == '\0')
        return;
    char path[1200], msg[256];
    int nx = hx_results_nx(r);
    snprintf(path, sizeof path, "%s/tradeoff.dat", dir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return;
    int blocks = 0;
    for (size_t s = 0; s < HX_COUNT(gg_series); s++) {
        fprintf(f, "# %s: gogc gc_cpu_pct overhead_mib peak_heap_mib\n",
                gg_series[s]);
        for (int i = 0; i < nx; i++) {
            int64_t g = hx_results_x(r, i);
            double c = gg_m(r, gg_series[s], g, "gc_cpu_pct");
            double o = gg_m(r, gg_series[s], g, "overhead_mib");
            double p = gg_m(r, gg_series[s], g, "peak_heap_mib");
            if (g == GG_OFF || isnan(c) || isnan(o))
                continue;
            fprintf(f, "%lld %.4f %.3f %.3f\n", (long long)g, c, o, p);
        }
        fprintf(f, "\n\n");
        blocks++;
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/tradeoff.gp", dir);
    f = fopen(path, "w");
    if (f == NULL)
        return;
    fprintf(f, "set terminal pngcairo size 900,600\n"
               "set output 'tradeoff.png'\n"
               "set title 'gogc: heap overhead vs GC CPU, one point per "
               "GOGC (labels)'\n"
               "set xlabel 'GC CPU, %% of wall x CPUs'\n"
               "set ylabel 'peak heap - live heap, MiB'\n"
               "set logscale y\nset key outside right\nset grid\n"
               "plot ");
    for (int b = 0; b < blocks; b++)
        fprintf(f,
                "%s'tradeoff.dat' index %d using 2:3 with linespoints "
                "title '%s', '' index %d using 2:3:1 with labels offset 1,1 "
                "notitle",
                b ? ", \\\n     " : "", b, gg_series[b], b);
    fprintf(f, "\n");
    fclose(f);
    (void)hx_run_gnuplot(dir, "tradeoff.gp", msg, sizeof msg);
}

static void gg_write_sawtooth(const hx_results *r, hx_report *rep) {
    const char *dir = hx_results_dir(r);
    if (dir == NULL || dir[0] == '\0' || (gg_saw[0].n == 0 && gg_saw[1].n == 0))
        return;
    char path[1200], msg[256];
    snprintf(path, sizeof path, "%s/sawtooth.dat", dir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return;
    for (int i = 0; i < 2; i++) {
        fprintf(f, "# churn at GOGC=%d: seconds heap_mib (after each op)\n",
                gg_saw_gogc[i]);
        for (int k = 0; k < gg_saw[i].n; k++)
            fprintf(f, "%.6f %.3f\n", gg_saw[i].t[k], gg_saw[i].heap[k]);
        fprintf(f, "\n\n");
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/sawtooth.gp", dir);
    f = fopen(path, "w");
    if (f == NULL)
        return;
    fprintf(f,
            "set terminal pngcairo size 900,500\n"
            "set output 'sawtooth.png'\n"
            "set title 'gogc: our heap over time (churn, last repetition)'\n"
            "set xlabel 'seconds'\nset ylabel 'heap (heap_live), MiB'\n"
            "set grid\n"
            "plot 'sawtooth.dat' index 0 using 1:2 with steps title "
            "'GOGC=%d', '' index 1 using 1:2 with steps title 'GOGC=%d'\n",
            gg_saw_gogc[0], gg_saw_gogc[1]);
    fclose(f);
    int rc = hx_run_gnuplot(dir, "sawtooth.gp", msg, sizeof msg);
    hx_report_printf(rep, "files: tradeoff.dat/.gp, sawtooth.dat/.gp%s\n",
                     rc == 0 ? " (and their .png)" : " (gnuplot failed)");
}

/* Ratio a/b, NAN unless both are positive numbers. */
static double gg_ratio(double a, double b) {
    return a > 0 && b > 0 ? a / b : NAN;
}

static void gg_verdict(const hx_results *r, hx_report *rep) {
    int nx = hx_results_nx(r);
    if (nx == 0) {
        hx_report_unsettled(rep, "no points measured");
        return;
    }
    gg_write_files(r);
    /* Our gctrace-derived figures beside Go's, per GOGC. */
    hx_report_printf(rep, "churn, ours vs Go (gctrace-derived: cycles, goal, "
                          "pauses; GC CPU, heap):\n"
                          " GOGC | cyc/100 ours   go | goal MiB ours     go |"
                          " GC CPU%% ours   go | overhead MiB ours     go |"
                          " max pause us ours      go\n");
    bool no_cycle = false;
    for (int i = 0; i < nx; i++) {
        int64_t g = hx_results_x(r, i);
        char gs[8], c[2][16], p[2][16];
        snprintf(gs, sizeof gs, g == GG_OFF ? "off" : "%lld", (long long)g);
        for (int k = 0; k < 2; k++) {
            const char *sr = k ? "go:churn" : "churn";
            double cv = gg_m(r, sr, g, "gc_cpu_pct");
            double pv = gg_m(r, sr, g, "max_pause_us");
            /* n/a where the window held no cycle: "no cycle", not 0. */
            bool none = isnan(cv) && gg_m(r, sr, g, "cycles_per_100") == 0;
            no_cycle |= none;
            if (isnan(cv))
                snprintf(c[k], sizeof c[k], "%s", none ? "none" : "n/a");
            else
                snprintf(c[k], sizeof c[k], "%.1f", cv);
            if (isnan(pv))
                snprintf(p[k], sizeof p[k], "%s", none ? "none" : "n/a");
            else
                snprintf(p[k], sizeof p[k], "%.0f", pv);
        }
        hx_report_printf(rep,
                         "%5s | %12.1f %4.1f | %13.1f %6.1f | %11s %4s | "
                         "%17.1f %6.1f | %16s %7s\n",
                         gs, gg_m(r, "churn", g, "cycles_per_100"),
                         gg_m(r, "go:churn", g, "cycles_per_100"),
                         gg_m(r, "churn", g, "heap_goal_mib"),
                         gg_m(r, "go:churn", g, "heap_goal_mib"), c[0], c[1],
                         gg_m(r, "churn", g, "overhead_mib"),
                         gg_m(r, "go:churn", g, "overhead_mib"), p[0], p[1]);
    }
    if (no_cycle)
        hx_report_printf(rep,
                         "none: no cycle in the window (GOGC=off: no cycle "
                         "ever comes), so no GC CPU or pause to report; n/a "
                         "in summary.json, never 0.\n");
    static const int hg[4] = {50, 100, 200, 400};
    static const char *const cpu_keys[2][4] = {
        {"gc_cpu_pct_50", "gc_cpu_pct_100", "gc_cpu_pct_200", "gc_cpu_pct_400"},
        {"go_gc_cpu_pct_50", "go_gc_cpu_pct_100", "go_gc_cpu_pct_200",
         "go_gc_cpu_pct_400"}};
    static const char *const heap_keys[2][4] = {
        {"peak_heap_mib_50", "peak_heap_mib_100", "peak_heap_mib_200",
         "peak_heap_mib_400"},
        {"go_peak_heap_mib_50", "go_peak_heap_mib_100", "go_peak_heap_mib_200",
         "go_peak_heap_mib_400"}};
    double maxp[2] = {NAN, NAN};
    for (int k = 0; k < 2; k++) {
        const char *s = k ? "go:churn" : "churn";
        for (int j = 0; j < 4; j++) {
            hx_report_headline(rep, cpu_keys[k][j],
                               gg_m(r, s, hg[j], "gc_cpu_pct"));
            hx_report_headline(rep, heap_keys[k][j],
                               gg_m(r, s, hg[j], "peak_heap_mib"));
        }
        for (int i = 0; i < nx; i++) {
            double p = gg_m(r, s, hx_results_x(r, i), "max_pause_us");
            if (!isnan(p) && (isnan(maxp[k]) || p > maxp[k]))
                maxp[k] = p;
        }
    }
    hx_report_headline(rep, "max_pause_us", maxp[0]);
    hx_report_headline(rep, "go_max_pause_us", maxp[1]);
    /* The textbook: doubling GOGC halves GC CPU, doubles the overhead.
     * "Roughly": a halving counts when the ratio is at least 1.4, a
     * doubling when the overhead grows at least 1.4x. */
    int checks = 0;
    for (int i = 0; i < nx; i++) {
        int64_t g = hx_results_x(r, i);
        if (g <= 0)
            continue;
        double c1 = gg_m(r, "churn", g, "gc_cpu_pct");
        double c2 = gg_m(r, "churn", 2 * g, "gc_cpu_pct");
        double o1 = gg_m(r, "churn", g, "overhead_mib");
        double o2 = gg_m(r, "churn", 2 * g, "overhead_mib");
        double cr = gg_ratio(c1, c2), orr = gg_ratio(o2, o1);
        if (isnan(cr) || isnan(orr))
            continue;
        checks++;
        hx_report_check(rep, cr >= 1.4,
                        "churn: GOGC %lld -> %lld divides GC CPU by %.2f "
                        "(%.1f%% -> %.1f%%; expected about 2, >= 1.4)",
                        (long long)g, (long long)(2 * g), cr, c1, c2);
        hx_report_check(rep, orr >= 1.4,
                        "churn: GOGC %lld -> %lld multiplies the heap "
                        "overhead by %.2f (%.1f -> %.1f MiB; expected about "
                        "2, >= 1.4)",
                        (long long)g, (long long)(2 * g), orr, o1, o2);
        double gc1 = gg_m(r, "go:churn", g, "gc_cpu_pct");
        double gc2 = gg_m(r, "go:churn", 2 * g, "gc_cpu_pct");
        double go1 = gg_m(r, "go:churn", g, "overhead_mib");
        double go2 = gg_m(r, "go:churn", 2 * g, "overhead_mib");
        if (!isnan(gg_ratio(gc1, gc2)))
            hx_report_printf(rep,
                             "Go, GOGC %lld -> %lld: GC CPU / %.2f, "
                             "overhead x %.2f\n",
                             (long long)g, (long long)(2 * g),
                             gg_ratio(gc1, gc2), gg_ratio(go2, go1));
    }
    if (checks == 0)
        hx_report_unsettled(rep, "no two measured GOGC values a doubling "
                                 "apart: the GOGC claims were not checked");
    /* Pointer-free heaps cost almost nothing to mark: GC CPU per cycle. */
    int64_t gref = 100;
    double mp = gg_m(r, "live-ptr", gref, "gc_cpu_ms_cycle");
    double mn = gg_m(r, "live-noscan", gref, "gc_cpu_ms_cycle");
    double gmp = gg_m(r, "go:live-ptr", gref, "gc_cpu_ms_cycle");
    double gmn = gg_m(r, "go:live-noscan", gref, "gc_cpu_ms_cycle");
    hx_report_headline(rep, "mark_ms_ptr", mp);
    hx_report_headline(rep, "mark_ms_noscan", mn);
    hx_report_headline(rep, "go_mark_ms_ptr", gmp);
    hx_report_headline(rep, "go_mark_ms_noscan", gmn);
    if (isnan(mp) || isnan(mn))
        hx_report_unsettled(rep, "live-ptr/live-noscan at GOGC=100 not "
                                 "measured");
    else
        hx_report_check(rep, mp >= 4.0 * mn,
                        "GC CPU per cycle at GOGC=100: pointer-rich live heap "
                        "%.2f ms vs pointer-free %.2f ms (expected >= 4x: "
                        "pointer-free objects are marked, never scanned)",
                        mp, mn);
    if (!isnan(gmp))
        hx_report_printf(rep,
                         "Go: GC CPU per cycle, pointer-rich %.2f ms, "
                         "pointer-free %.2f ms\n",
                         gmp, gmn);
    /* GOGC=off: no GC CPU, but every op's memory is new to the process. */
    double off = hx_results_median(r, "churn", GG_OFF);
    double best = NAN;
    int64_t bestg = 0;
    for (int i = 0; i < nx; i++) {
        int64_t g = hx_results_x(r, i);
        double v = hx_results_median(r, "churn", g);
        if (g != GG_OFF && !isnan(v) && (isnan(best) || v < best))
            best = v, bestg = g;
    }
    if (!isnan(off) && !isnan(best))
        hx_report_printf(
            rep,
            "GOGC=off: %.2f ms per op vs %.2f ms at GOGC=%lld, the best "
            "collected value.%s\n",
            off / 1e6, best / 1e6, (long long)bestg,
            off > best ? " Off is slower although it does no GC work: "
                         "every op's 2 MiB is memory the process never "
                         "touched (page-faults in data.csv: a fault costs "
                         "about 11 us on this VM, 512 per op), whereas a "
                         "collected heap reuses warm pages."
                       : "");
    gg_write_sawtooth(r, rep);
}

static const hx_headline gg_headlines[] = {
    {"gc_cpu_pct_50", "ours: GC CPU share at GOGC=50 (churn)", "%",
     "median gc_cpu_pct of 'churn' at gogc=50", HX_HEAD_REPORT, 0, NULL, 0},
    {"gc_cpu_pct_100", "ours: GC CPU share at GOGC=100", "%",
     "median gc_cpu_pct of 'churn' at gogc=100", HX_HEAD_REPORT, 0, NULL, 0},
    {"gc_cpu_pct_200", "ours: GC CPU share at GOGC=200", "%",
     "median gc_cpu_pct of 'churn' at gogc=200", HX_HEAD_REPORT, 0, NULL, 0},
    {"gc_cpu_pct_400", "ours: GC CPU share at GOGC=400", "%",
     "median gc_cpu_pct of 'churn' at gogc=400", HX_HEAD_REPORT, 0, NULL, 0},
    {"go_gc_cpu_pct_50", "Go: GC CPU share at GOGC=50", "%",
     "median gc_cpu_pct of 'go:churn' at gogc=50", HX_HEAD_REPORT, 0, NULL, 0},
    {"go_gc_cpu_pct_100", "Go: GC CPU share at GOGC=100", "%",
     "median gc_cpu_pct of 'go:churn' at gogc=100", HX_HEAD_REPORT, 0, NULL, 0},
    {"go_gc_cpu_pct_200", "Go: GC CPU share at GOGC=200", "%",
     "median gc_cpu_pct of 'go:churn' at gogc=200", HX_HEAD_REPORT, 0, NULL, 0},
    {"go_gc_cpu_pct_400", "Go: GC CPU share at GOGC=400", "%",
     "median gc_cpu_pct of 'go:churn' at gogc=400", HX_HEAD_REPORT, 0, NULL, 0},
    {"peak_heap_mib_50", "ours: peak heap at GOGC=50", "MiB",
     "largest peak_heap_mib of 'churn' at gogc=50", HX_HEAD_REPORT, 0, NULL, 0},
    {"peak_heap_mib_100", "ours: peak heap at GOGC=100", "MiB",
     "largest peak_heap_mib of 'churn' at gogc=100", HX_HEAD_REPORT, 0, NULL,
     0},
    {"peak_heap_mib_200", "ours: peak heap at GOGC=200", "MiB",
     "largest peak_heap_mib of 'churn' at gogc=200", HX_HEAD_REPORT, 0, NULL,
     0},
    {"peak_heap_mib_400", "ours: peak heap at GOGC=400", "MiB",
     "largest peak_heap_mib of 'churn' at gogc=400", HX_HEAD_REPORT, 0, NULL,
     0},
    {"go_peak_heap_mib_50", "Go: peak heap at GOGC=50", "MiB",
     "largest peak_heap_mib of 'go:churn' at gogc=50", HX_HEAD_REPORT, 0, NULL,
     0},
    {"go_peak_heap_mib_100", "Go: peak heap at GOGC=100", "MiB",
     "largest peak_heap_mib of 'go:churn' at gogc=100", HX_HEAD_REPORT, 0, NULL,
     0},
    {"go_peak_heap_mib_200", "Go: peak heap at GOGC=200", "MiB",
     "largest peak_heap_mib of 'go:churn' at gogc=200", HX_HEAD_REPORT, 0, NULL,
     0},
    {"go_peak_heap_mib_400", "Go: peak heap at GOGC=400", "MiB",
     "largest peak_heap_mib of 'go:churn' at gogc=400", HX_HEAD_REPORT, 0, NULL,
     0},
    {"max_pause_us", "ours: worst pause, churn at any GOGC", "us",
     "largest max_pause_us of 'churn' over every GOGC", HX_HEAD_REPORT, 0, NULL,
     0},
    {"go_max_pause_us", "Go: worst pause, churn at any GOGC", "us",
     "largest max_pause_us of 'go:churn' (MemStats.PauseNs)", HX_HEAD_REPORT, 0,
     NULL, 0},
    {"mark_ms_ptr", "ours: GC CPU per cycle, pointer-rich live heap", "ms",
     "median gc_cpu_ms_cycle of 'live-ptr' at gogc=100", HX_HEAD_REPORT, 0,
     NULL, 0},
    {"mark_ms_noscan", "ours: GC CPU per cycle, pointer-free live heap", "ms",
     "median gc_cpu_ms_cycle of 'live-noscan' at gogc=100", HX_HEAD_REPORT, 0,
     NULL, 0},
    {"go_mark_ms_ptr", "Go: GC CPU per cycle, pointer-rich live heap", "ms",
     "median gc_cpu_ms_cycle of 'go:live-ptr' at gogc=100", HX_HEAD_REPORT, 0,
     NULL, 0},
    {"go_mark_ms_noscan", "Go: GC CPU per cycle, pointer-free live heap", "ms",
     "median gc_cpu_ms_cycle of 'go:live-noscan' at gogc=100", HX_HEAD_REPORT,
     0, NULL, 0},
};

const hx_experiment hx_exp_gogc = {
    .name = "gogc",
    .runtime = true,
    .summary = "GOGC and GOMEMLIMIT: heap size traded for GC CPU, ours vs "
               "Go (gogc_test.go); pointer-rich vs pointer-free live heaps",
    .hypothesis =
        "A cycle starts when the heap reaches live x (1 + GOGC/100): the\n"
        "allocation between cycles is live x GOGC/100 and each cycle traces\n"
        "the live heap. Doubling GOGC roughly halves the GC CPU share and\n"
        "roughly doubles the heap overhead over live. GOGC=off does no GC\n"
        "work but faults in fresh memory for every op; GOMEMLIMIT caps the\n"
        "heap at the limit. A live heap of pointer-free objects costs\n"
        "almost nothing per cycle (>= 4x less than the same bytes of\n"
        "pointers). Ours follows Go's pacer, so Go's figures sit beside.",
    .reading = "x: GOGC (-1 = off); ns per op (one 2 MiB tree). The metrics "
               "(cycles, GC CPU, pauses, peak heap, overhead, goal, RSS) are "
               "in summary.txt and data.csv; tradeoff.png plots overhead vs "
               "GC CPU per GOGC, sawtooth.png our heap over time at GOGC 100 "
               "and 400.",
    .homework =
        "1. From the table of the summary: is cycles/100 x GOGC constant?\n"
        "   What does that say about the pacer?\n"
        "2. Why does the overhead at GOGC=100 come out near the live heap,\n"
        "   and what sets the live heap here?\n"
        "3. churn-limit at gogc=-1 (GOGC=off, GOMEMLIMIT = 3 x tree_bytes):\n"
        "   where does the heap level off, and how many cycles does it run?\n"
        "4. live-ptr vs live-noscan: which one's cycles get dearer as\n"
        "   live_bytes grows? Try --set live_bytes=268435456.",
    .variants = gg_variants,
    .nvariants = HX_COUNT(gg_variants),
    .params = gg_params,
    .nparams = HX_COUNT(gg_params),
    .metrics = gg_metrics,
    .nmetrics = HX_COUNT(gg_metrics),
    .op = "one short-lived 2 MiB tree built, walked and dropped",
    .events = gg_events,
    .claims = gg_claims,
    .nclaims = HX_COUNT(gg_claims),
    .verdict = gg_verdict,
    .xparam = "gogc",
    .min_time = 0.3,
    .headlines = gg_headlines,
    .nheadlines = HX_COUNT(gg_headlines),
};
