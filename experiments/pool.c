/*
 * pool.c - reuse instead of allocation: a fresh object per use (malloc +
 * free, or the runtime's heap left to the collector) vs a global free
 * list behind one lock vs the runtime's Pool (Go's sync.Pool: a private
 * slot and a shared chain per P, a victim cache across one collection),
 * for objects of 64 B..1 MiB, used on one goroutine or handed across Ps.
 * Go's twins (scripts/gobench/pool_test.go) run beside ours.
 *
 * Mechanism
 * ---------
 * Allocation cost grows with size where it must be zeroed or faulted in:
 * the runtime's heap zeroes every object it hands out (Go's make does the
 * same) and later pays the collector for the garbage; glibc's malloc
 * serves big blocks (past its mmap threshold) with mmap/munmap, a page
 * fault per 4 KiB touched. A pool returns an object as it was left: no
 * zeroing, no fault, no garbage, at a cost independent of size. A global
 * free list does the same under one lock: cheap alone, a shared cache line
 * when several Ps use it. Pool's per-P storage avoids the shared line on
 * the same-goroutine pattern; when objects are put on one P and got on
 * another (a producer/consumer pipeline), Gets find their own P empty and
 * steal from the other's shared chain.
 *
 * A collection empties a Pool: its contents move to the victim cache,
 * which Get still drains; a second collection drops them. The pool-gc1 and
 * pool-gc2 variants show it as hits by source (rt:pool_get_* counters per
 * op): after one collection the object comes from the victim cache, after
 * two it is made anew.
 *
 * Variants (op in brackets; "use" writes the object's first and last
 * word)
 * --------
 *   malloc        malloc + use + free [one use]
 *   alloc         grt_new_bytes + use, dropped for the collector [one use]
 *   freelist      pop from a global grt_mutex-locked list (malloc if
 *                 empty) + use + push [one use]
 *   pool          grt_pool_get + use + grt_pool_put [one use]
 *   *-cross       the same four with the object got on one goroutine and
 *                 released on another, handed over a channel of 64 (the
 *                 two goroutines on different Ps when GOMAXPROCS >= 2)
 *                 [one object through the pipeline]
 *   pool-gc1      Get+Put, one collection, Get+Put [one such round]
 *   pool-gc2      the same with two collections
 * Go twins: go:alloc, go:freelist (sync.Mutex and a slice), go:pool, their
 * -cross forms, go:pool-gc1 and go:pool-gc2 (runtime.GC()). malloc has
 * no Go form.
 *
 * Timing: inside the runtime
 * --------------------------
 * A batch enters the runtime once and its main goroutine times its own
 * loop (rtrun.c: hx_rt_run, manual time), so entering and leaving the
 * runtime is not timed. It used to be, and under load Google Benchmark
 * accepted a single Get+Put with a 10 ms runtime entry as a whole
 * repetition (seen at 64 KiB). The ops of each repetition are the metric
 * ops_per_rep (Go's twins report their b.N the same way).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grt.h"
#include "hx.h"
#include "rtrun.h"
#include "rtsource.h"

#define PL_CHAN_CAP 64

enum pl_kind { PL_MALLOC, PL_ALLOC, PL_FREELIST, PL_POOL };

typedef struct pl_work {
    enum pl_kind kind;
    bool cross;
    int gcs; /* pool-gc1/2: collections between Put and Get */
    size_t bytes;
    grt_pool pool;
    grt_mutex mu; /* freelist */
    void *free;   /* freelist head (malloc'd objects, linked by word 0) */
    grt_chan *ch; /* cross: the handover */
    uint64_t n;   /* ops of the batch */
    uint64_t sink;
    grt_waitgroup wg;
} pl_work;

static size_t pl_new_bytes; /* the size new_fn makes (one run at a time) */

static void *pl_new(void) {
    return grt_new_bytes(pl_new_bytes);
}

static const uint64_t pl_ptr_mask[] = {0x1};
static const grt_type pl_ptr_type = {sizeof(void *), pl_ptr_mask,
                                     "pool handover pointer"};

static inline void pl_use(pl_work *w, void *x) {
    uint64_t *p = x;
    p[0] = w->sink;
    p[w->bytes / 8 - 1] = w->sink;
    w->sink += p[1];
}

static void *pl_get(pl_work *w) {
    switch (w->kind) {
    case PL_MALLOC:
        return malloc(w->bytes);
    case PL_ALLOC:
        return grt_new_bytes(w->bytes);
    case PL_FREELIST: {
        grt_mutex_lock(&w->mu);
        void *x = w->free;
        if (x != NULL)
            w->free = *(void **)x;
        grt_mutex_unlock(&w->mu);
        return x != NULL ? x : calloc(1, w->bytes);
    }
    case PL_POOL:
        return grt_pool_get(&w->pool);
    }
    return NULL;
}

static void pl_put(pl_work *w, void *x) {
    switch (w->kind) {
    case PL_MALLOC:
        free(x);
        break;
    case PL_ALLOC:
        grt_keepalive(x); /* dropped: garbage for the collector */
        break;
    case PL_FREELIST:
        grt_mutex_lock(&w->mu);
        *(void **)x = w->free;
        w->free = x;
        grt_mutex_unlock(&w->mu);
        break;
    case PL_POOL:
        grt_pool_put(&w->pool, x);
        break;
    }
}

static void pl_same_main(void *arg) {
    pl_work *w = arg;
    for (uint64_t i = 0; i < w->n; i++) {
        void *x = pl_get(w);
        pl_use(w, x);
        pl_put(w, x);
        if (w->gcs > 0) {
            for (int g = 0; g < w->gcs; g++)
                grt_gc();
            void *y = pl_get(w);
            pl_use(w, y);
            pl_put(w, y);
        }
    }
}

static void pl_consumer(void *arg) {
    pl_work *w = arg;
    for (uint64_t i = 0; i < w->n; i++) {
        void *x;
        grt_chan_recv(w->ch, &x);
        pl_use(w, x);
        pl_put(w, x);
    }
    grt_waitgroup_add(&w->wg, -1);
}

static void pl_cross_main(void *arg) {
    pl_work *w = arg;
    grt_waitgroup_add(&w->wg, 1);
    grt_go(pl_consumer, w);
    for (uint64_t i = 0; i < w->n; i++) {
        void *x = pl_get(w);
        pl_use(w, x);
        grt_chan_send(w->ch, &x);
    }
    grt_waitgroup_wait(&w->wg);
}

static void pl_run(hx_state *st) {
    pl_work *w = hx_shared(st);
    pl_new_bytes = w->bytes;
    int old = grt_set_gc_percent(100);
    hx_rt_rep rep = {0};
    for (uint64_t n; (n = hx_batch(st)) != 0;) {
        w->n = n;
        hx_rt_run(st, &rep, w->cross ? pl_cross_main : pl_same_main, w, n);
    }
    grt_set_gc_percent(old);
    hx_keep(w->sink);
    hx_rt_report(st, &rep);
}

static void pl_make_chan(void *arg) {
    pl_work *w = arg;
    w->ch = grt_chan_make_typed(&pl_ptr_type, PL_CHAN_CAP);
}

static void *pl_setup(hx_point *pt, enum pl_kind kind, bool cross, int gcs,
                      size_t *bytes) {
    pl_work *w = calloc(1, sizeof *w);
    if (w == NULL)
        return hx_point_skip(pt, "out of memory"), NULL;
    w->kind = kind;
    w->cross = cross;
    w->gcs = gcs;
    w->bytes = (size_t)hx_point_param(pt, "obj_bytes");
    if (w->bytes % 16 != 0) {
        free(w);
        return hx_point_skip(pt, "obj_bytes must be a multiple of 16"), NULL;
    }
    w->pool = (grt_pool)GRT_POOL_INIT(pl_new);
    w->mu = (grt_mutex)GRT_MUTEX_INIT;
    if (cross && grt_run(pl_make_chan, w) != 0) {
        free(w);
        return hx_point_skip(pt, "grt_run failed"), NULL;
    }
    *bytes = w->bytes;
    return w;
}

static void pl_teardown(void *shared) {
    pl_work *w = shared;
    if (w->kind == PL_POOL)
        grt_pool_destroy(&w->pool);
    while (w->free != NULL) {
        void *x = w->free;
        w->free = *(void **)x;
        free(x);
    }
    if (w->ch != NULL)
        grt_chan_free(w->ch);
    free(w);
}

#define PL_SETUP(fn, kind, cross, gcs)                                         \
    static void *fn(hx_point *pt, size_t *bytes) {                             \
        return pl_setup(pt, kind, cross, gcs, bytes);                          \
    }
PL_SETUP(pl_s_malloc, PL_MALLOC, false, 0)
PL_SETUP(pl_s_alloc, PL_ALLOC, false, 0)
PL_SETUP(pl_s_freelist, PL_FREELIST, false, 0)
PL_SETUP(pl_s_pool, PL_POOL, false, 0)
PL_SETUP(pl_s_malloc_x, PL_MALLOC, true, 0)
PL_SETUP(pl_s_alloc_x, PL_ALLOC, true, 0)
PL_SETUP(pl_s_freelist_x, PL_FREELIST, true, 0)
PL_SETUP(pl_s_pool_x, PL_POOL, true, 0)
PL_SETUP(pl_s_gc1, PL_POOL, false, 1)
PL_SETUP(pl_s_gc2, PL_POOL, false, 2)

/* ---- declaration ------------------------------------------------------------ */

enum { PL_P_THREADS, PL_P_BYTES };
#define PL_V(nm, hp, su, tw)                                                   \
    {                                                                          \
        .name = nm, .help = hp, .fn = pl_run, .setup = su,                     \
        .teardown = pl_teardown, .uses = 1u << PL_P_BYTES, .go = tw,           \
        .manual_time = true                                                    \
    }

static const hx_variant pl_variants[] = {
    PL_V("malloc", "malloc + use + free; op = one use", pl_s_malloc, NULL),
    PL_V("alloc", "grt_new_bytes + use, left to the collector; op = one use",
         pl_s_alloc, "PoolAlloc"),
    PL_V("freelist",
         "pop/push on a global grt_mutex-locked free list; op = one use",
         pl_s_freelist, "PoolFreelist"),
    PL_V("pool", "grt_pool_get + use + grt_pool_put; op = one use", pl_s_pool,
         "PoolGetPut"),
    PL_V("malloc-cross", "malloc on one goroutine, free on another",
         pl_s_malloc_x, NULL),
    PL_V("alloc-cross", "grt_new_bytes on one goroutine, dropped on another",
         pl_s_alloc_x, "PoolAllocCross"),
    PL_V("freelist-cross", "free-list pop on one goroutine, push on another",
         pl_s_freelist_x, "PoolFreelistCross"),
    PL_V("pool-cross", "Pool Get on one goroutine, Put on another", pl_s_pool_x,
         "PoolGetPutCross"),
    PL_V("pool-gc1", "Get+Put, one collection, Get+Put (the victim cache)",
         pl_s_gc1, "PoolGC1"),
    PL_V("pool-gc2", "Get+Put, two collections, Get+Put (made anew)", pl_s_gc2,
         "PoolGC2"),
};

static const hx_param pl_params[] = {
    [PL_P_THREADS] = {.name = "threads",
                      .unit = "threads",
                      .help = "harness threads driving the run (the work "
                              "runs on the runtime's threads)",
                      .min = 1,
                      .max = 1,
                      .flags = HX_PARAM_THREADS,
                      .def = "1",
                      .quick_def = "1"},
    [PL_P_BYTES] = {.name = "obj_bytes",
                    .unit = "bytes",
                    .help = "bytes of one object (a multiple of 16)",
                    .min = 16,
                    .max = (int64_t)1 << 30,
                    .flags = HX_PARAM_BYTES | HX_PARAM_LOG,
                    .def = "64,1024,16384,65536,1048576",
                    .quick_def = "64,65536"},
};

static const hx_metric_decl pl_metrics[] = {
    HX_RT_OPS_PER_REP,
    {"private_per_op", "gets", "Pool Gets served by the P's private slot",
     .source = "rt:pool_get_private"},
    {"shared_per_op", "gets", "...by the P's own shared chain",
     .source = "rt:pool_get_shared"},
    {"stolen_per_op", "gets", "...stolen from another P's shared chain",
     .source = "rt:pool_get_stolen"},
    {"victim_per_op", "gets", "...by the victim cache (last cycle's pool)",
     .source = "rt:pool_get_victim"},
    {"new_per_op", "gets", "...made anew by new_fn (the pool was empty)",
     .source = "rt:pool_get_new"},
};

static const char *const pl_events[] = {"task-clock", "page-faults",
                                        "context-switches", NULL};

/* At 64 KiB, the pool beats a fresh object from the heap (zeroing and the
 * collector) and from malloc; the lock-free per-P path beats the global
 * lock when objects cross Ps. */
static const hx_claim pl_claims[] = {
    {"alloc", "pool", 2.0, NULL, 65536},
    {"malloc", "pool", 1.0, NULL, 65536},
    {"go:alloc", "go:pool", 2.0, NULL, 65536},
};

static void pl_verdict(const hx_results *r, hx_report *rep) {
    int nx = hx_results_nx(r);
    if (nx == 0) {
        hx_report_unsettled(rep, "no points measured");
        return;
    }
    static const int64_t at[2] = {64, 65536};
    static const char *const keys[2][4] = {
        {"pool_64_ns", "malloc_64_ns", "go_pool_64_ns", "go_alloc_64_ns"},
        {"pool_64k_ns", "malloc_64k_ns", "go_pool_64k_ns", "go_alloc_64k_ns"}};
    static const char *const series[4] = {"pool", "malloc", "go:pool",
                                          "go:alloc"};
    for (int i = 0; i < 2; i++) {
        double v[4];
        for (int k = 0; k < 4; k++) {
            v[k] = hx_results_median(r, series[k], at[i]);
            hx_report_headline(rep, keys[i][k], v[k]);
        }
        if (!isnan(v[0]))
            hx_report_printf(rep,
                             "%6lld B: Pool Get+Put %.1f ns, malloc+free "
                             "%.1f ns, alloc %.1f ns; Go: Pool %.1f ns, "
                             "new %.1f ns\n",
                             (long long)at[i], v[0], v[1],
                             hx_results_median(r, "alloc", at[i]), v[2], v[3]);
    }
    /* The victim cache: survives one collection, not two. */
    int64_t x0 = hx_results_x(r, 0);
    double v1 = hx_results_metric(r, "pool-gc1", x0, "victim_per_op");
    double n1 = hx_results_metric(r, "pool-gc1", x0, "new_per_op");
    double v2 = hx_results_metric(r, "pool-gc2", x0, "victim_per_op");
    double n2 = hx_results_metric(r, "pool-gc2", x0, "new_per_op");
    if (isnan(v1) || isnan(v2))
        hx_report_unsettled(rep, "pool-gc1/pool-gc2: the runtime's pool "
                                 "counters were not read");
    else {
        hx_report_check(rep, v1 >= 0.9 && n1 <= 0.1,
                        "after one collection the pooled object comes from "
                        "the victim cache: %.2f victim, %.2f new per op "
                        "(expected 1, 0)",
                        v1, n1);
        hx_report_check(rep, n2 >= 0.9 && v2 <= 0.1,
                        "after two collections it is made anew: %.2f victim, "
                        "%.2f new per op (expected 0, 1)",
                        v2, n2);
    }
    double st = hx_results_metric(r, "pool-cross", x0, "stolen_per_op");
    double pr = hx_results_metric(r, "pool-cross", x0, "private_per_op");
    double sh = hx_results_metric(r, "pool-cross", x0, "shared_per_op");
    double nw = hx_results_metric(r, "pool-cross", x0, "new_per_op");
    if (!isnan(st))
        hx_report_printf(rep,
                         "pool-cross at %lld B, Gets by source per op: "
                         "private %.2f, shared %.2f, stolen %.2f, new %.2f\n",
                         (long long)x0, pr, sh, st, nw);
}

static const hx_headline pl_headlines[] = {
    {"pool_64_ns", "ours: Pool Get+Put, 64 B", "ns",
     "median of 'pool' at obj_bytes=64", HX_HEAD_REPORT, 0, NULL, 0},
    {"malloc_64_ns", "malloc+free, 64 B", "ns",
     "median of 'malloc' at obj_bytes=64", HX_HEAD_REPORT, 0, NULL, 0},
    {"go_pool_64_ns", "Go: sync.Pool Get+Put, 64 B", "ns",
     "median of 'go:pool' at obj_bytes=64", HX_HEAD_REPORT, 0, NULL, 0},
    {"go_alloc_64_ns", "Go: make([]byte, 64) + use", "ns",
     "median of 'go:alloc' at obj_bytes=64", HX_HEAD_REPORT, 0, NULL, 0},
    {"pool_64k_ns", "ours: Pool Get+Put, 64 KiB", "ns",
     "median of 'pool' at obj_bytes=65536", HX_HEAD_REPORT, 0, NULL, 0},
    {"malloc_64k_ns", "malloc+free, 64 KiB", "ns",
     "median of 'malloc' at obj_bytes=65536", HX_HEAD_REPORT, 0, NULL, 0},
    {"go_pool_64k_ns", "Go: sync.Pool Get+Put, 64 KiB", "ns",
     "median of 'go:pool' at obj_bytes=65536", HX_HEAD_REPORT, 0, NULL, 0},
    {"go_alloc_64k_ns", "Go: make([]byte, 65536) + use", "ns",
     "median of 'go:alloc' at obj_bytes=65536", HX_HEAD_REPORT, 0, NULL, 0},
};

const hx_experiment hx_exp_pool = {
    .name = "pool",
    .runtime = true,
    .summary = "object reuse: malloc/heap per use vs a locked free list vs "
               "the runtime's Pool, 64 B..1 MiB, same goroutine and across "
               "Ps, Go beside; the pool emptied by collections",
    .hypothesis =
        "A fresh object costs zeroing (the runtime's heap, Go's make) or\n"
        "faults (malloc past its mmap threshold), growing with size, plus\n"
        "collector work for the garbage; a pooled one costs the same few\n"
        "tens of ns at any size: at 64 KiB the Pool is >= 2x faster than a\n"
        "heap allocation and faster than malloc+free. A global locked list\n"
        "is as cheap alone but shares a lock across Ps. A collection moves\n"
        "the Pool to its victim cache: one collection later a Get still\n"
        "hits it, two later the object is made anew.",
    .reading = "x: object size; ns per use (cross: per object through the "
               "pipeline, channel included). Gets by source per op "
               "(private, shared, stolen, victim, new) are metrics.",
    .homework =
        "1. Where does malloc+free jump, and why there? (mallopt\n"
        "   M_MMAP_THRESHOLD; page-faults in data.csv.)\n"
        "2. Why does 'alloc' grow with size while 'pool' stays flat?\n"
        "3. pool-cross: which source serves the Gets, and what does that\n"
        "   cost compared with 'pool'?\n"
        "4. Why does a Pool not keep objects across two collections?",
    .variants = pl_variants,
    .nvariants = HX_COUNT(pl_variants),
    .params = pl_params,
    .nparams = HX_COUNT(pl_params),
    .metrics = pl_metrics,
    .nmetrics = HX_COUNT(pl_metrics),
    .op = "one use of an object (got, written, released)",
    .events = pl_events,
    .claims = pl_claims,
    .nclaims = HX_COUNT(pl_claims),
    .verdict = pl_verdict,
    .xparam = "obj_bytes",
    .plot_flags = HX_PLOT_LOGY,
    .headlines = pl_headlines,
    .nheadlines = HX_COUNT(pl_headlines),
    .source = &hx_rt_source,
};
