/*
 * gcbench.c - garbage collectors side by side: our runtime's heap, the
 * Boehm collector (default and incremental), and, through its twin in
 * scripts/gobench/gc_test.go, Go 1.19, on the same two workloads.
 *
 * Mechanism
 * ---------
 * A tracing collector's cost is the live pointer graph it must trace, not
 * the garbage: garbage is never visited. How that cost lands on the program
 * is the collector's design. A stop-the-world collector (Boehm by default,
 * with parallel markers) traces the whole live heap while the program
 * waits: its pause grows with the live heap. Boehm's incremental mode
 * traces in slices, each with the world stopped and bounded by a time
 * limit (GC_set_time_limit), remembering dirtied pages to re-trace.
 * Go, and ours, trace concurrently with the program: two short
 * stop-the-world phases per cycle (turn the barrier on, finish marking),
 * the tracing itself done by background workers and by allocating
 * goroutines paying their share (assists); the pause no longer depends on
 * the heap's size, the CPU cost still does.
 *
 * Workloads (one op in brackets)
 * ------------------------------
 *   churn     binary-trees as Go users know it: a long-lived tree of
 *             tree_bytes (16-byte nodes, two pointers each) stays live
 *             while short-lived trees of 2 MiB (depth 16) are built,
 *             walked and dropped [one short-lived tree]. The live heap
 *             sets the marking work per cycle; the short-lived trees
 *             drive the allocation rate, hence the cycle rate.
 *   gc-*      a forced full collection of a live heap of heap_bytes made
 *             of 64 KiB objects held by one pointer array: pointer-free
 *             objects (noscan) vs objects whose every word points to a
 *             random object of the heap (ptr) [one forced collection].
 *             Same objects, same bytes; only the type differs. A
 *             pointer-free object is marked and never scanned: the noscan
 *             heap costs a few thousand mark bits; the pointer-rich one
 *             costs every word.
 *
 * Variants
 * --------
 *   churn, gc-noscan, gc-ptr   ours: grt_new with the types' pointer masks
 *             (16-byte nodes with two pointer words; 64 KiB objects either
 *             grt_new_bytes or arrays of pointer words), grt_gc() for the
 *             forced collections. Their Go twins (go:churn, go:gc-noscan,
 *             go:gc-ptr) run scripts/gobench/gc_test.go in the same run.
 *             Our workloads share the process's heap, so only one is built
 *             at a time (see gb_ours_make_resident).
 *   boehm-churn, boehm-incr-churn   the churn with GC_malloc, in Boehm's
 *             default mode and in incremental mode (GC_enable_incremental,
 *             GC_set_time_limit of GB_BOEHM_TIME_LIMIT_MS)
 *   boehm-gc-noscan, boehm-gc-ptr   GC_gcollect() of a heap of
 *             GC_malloc_atomic (pointer-free) or GC_malloc objects
 * Boehm's mode is process-wide and incremental mode cannot be turned off,
 * so each Boehm variant runs in a child process of its own (forked at
 * setup, serving batches of ops over a pipe, timing itself: manual time);
 * this also gives each its own resident set to measure.
 * scripts/gcbench.sh runs the experiment and prints ours, Go and Boehm
 * as one table.
 *
 * Metrics
 * -------
 *   max_pause_us     longest stop-the-world pause in the repetition (ours:
 *                    grt_stw_pause_max_take; Boehm: its stop/start-world
 *                    events; Go: MemStats.PauseNs, a cycle's two pauses
 *                    summed)
 *   gc_cpu_pct       GC CPU time / (wall time x GOMAXPROCS) as Go's
 *                    GCCPUFraction counts it: stop-the-world time on every
 *                    P plus assist, dedicated and fractional marking, not
 *                    marking by idle Ps (gc_cpu_all_pct: ours with it).
 *                    Boehm: the collecting thread's CPU while the world is
 *                    stopped plus its marker threads' CPU
 *   cycles_per_100   collections per 100 ops
 *   peak_heap_mib    most bytes in allocated objects (live, or garbage not
 *                    yet reclaimed) seen after an op's allocations
 *   peak_rss_mib     peak resident set growth: VmHWM (reset at the start)
 *                    minus the resident set before the workload was built
 *
 * Reading the plot: one bar per variant, ns per op; the metrics are in
 * summary.txt and data.csv. Compare pauses and CPU share within the churn
 * variants, and gc-noscan against gc-ptr within each collector.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gc/gc.h>

#include "gcwork.h"
#include "grt.h"
#include "hx.h"
#include "rtrun.h"

#define GB_BOEHM_TIME_LIMIT_MS 1     /* Boehm's incremental slice target */
#define GB_OBJ_BYTES           65536 /* gc-*: each object of the heap */

enum gb_metric {
    GB_MAX_PAUSE_US,
    GB_GC_CPU_PCT,
    GB_CYCLES_PER_100,
    GB_PEAK_HEAP_GW_MIB,
    GB_PEAK_RSS_GW_MIB,
    GB_NMET
};
static const char *const gb_metric_names[GB_NMET] = {
    "max_pause_us", "gc_cpu_pct", "cycles_per_100", "peak_heap_mib",
    "peak_rss_mib"};

/* ---- Boehm, in a child process --------------------------------------------- */

enum gb_kind { GB_CHURN, GB_NOSCAN, GB_PTR };

/* The child's state: static, so Boehm scans it as a root (the data
 * segment of this executable). */
static struct {
    gw_node *tree; /* churn: the long-lived tree */
    void **holder; /* gc-*: the heap's objects */
    double stw_t0; /* wall clock at the stop-the-world event */
    double stw_c0; /* this thread's CPU clock then */
    double max_pause, stw_cpu;
} gb_boehm;

static void gb_boehm_event(GC_EventType e) {
    if (e == GC_EVENT_PRE_STOP_WORLD) {
        gb_boehm.stw_t0 = gw_clock(CLOCK_MONOTONIC);
        gb_boehm.stw_c0 = gw_clock(CLOCK_THREAD_CPUTIME_ID);
    } else if (e == GC_EVENT_POST_START_WORLD) {
        double d = gw_clock(CLOCK_MONOTONIC) - gb_boehm.stw_t0;
        if (d > gb_boehm.max_pause)
            gb_boehm.max_pause = d;
        gb_boehm.stw_cpu += gw_clock(CLOCK_THREAD_CPUTIME_ID) - gb_boehm.stw_c0;
    }
}

static gw_node *gb_boehm_tree(int depth) {
    if (depth <= 0)
        return GC_MALLOC(sizeof(gw_node));
    gw_node *l = gb_boehm_tree(depth - 1), *r = gb_boehm_tree(depth - 1);
    gw_node *n = GC_MALLOC(sizeof(gw_node));
    n->left = l;
    n->right = r;
    return n;
}

typedef struct gb_req {
    uint64_t n; /* ops to run; 0: exit */
} gb_req;
typedef struct gb_reply {
    int32_t err; /* 0, or an errno-style failure */
    double seconds;
    double met[GB_NMET];
    char why[160];
} gb_reply;

typedef struct gb_child {
    pid_t pid;
    int wfd, rfd;
} gb_child;

static bool gb_write_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        c += w;
        n -= (size_t)w;
    }
    return true;
}
static bool gb_read_all(int fd, void *p, size_t n) {
    char *c = p;
    while (n > 0) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        c += r;
        n -= (size_t)r;
    }
    return true;
}

/* Build the workload in this (child) process's Boehm heap. */
static void gb_boehm_build(enum gb_kind kind, int64_t bytes, int64_t objb) {
    if (kind == GB_CHURN) {
        gb_boehm.tree = gb_boehm_tree(gw_depth(bytes));
        return;
    }
    size_t n = (size_t)(bytes / objb);
    gb_boehm.holder = GC_MALLOC(n * sizeof(void *));
    for (size_t i = 0; i < n; i++) {
        void *o = kind == GB_NOSCAN ? GC_MALLOC_ATOMIC((size_t)objb)
                                    : GC_MALLOC((size_t)objb);
        memset(o, kind == GB_NOSCAN ? 0x5a : 0, (size_t)objb);
        gb_boehm.holder[i] = o;
    }
    if (kind == GB_PTR) {
        uint64_t s = 0x9e3779b97f4a7c15ull;
        size_t words = (size_t)objb / sizeof(void *);
        for (size_t i = 0; i < n; i++) {
            void **o = gb_boehm.holder[i];
            for (size_t w = 0; w < words; w++)
                o[w] = gb_boehm.holder[gw_rng(&s) % n];
        }
    }
    GC_gcollect();
}

/* The child: build, say ready, serve batches until told to exit. Never
 * returns. Nothing here writes to stdio (the parent's buffers). */
static _Noreturn void gb_boehm_serve(int rfd, int wfd, enum gb_kind kind,
                                     bool incremental, int64_t bytes,
                                     int64_t objb) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* The harness's interrupt handler speaks for the parent, not us. */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    gb_reply rep = {0};
    double rss0 = gw_status_bytes("VmRSS");
    bool hwm = gw_reset_hwm();
    GC_set_on_collection_event(gb_boehm_event);
    GC_INIT();
    /* This thread was forked from a harness thread: tell Boehm where its
     * stack is (it assumed the process's main stack). */
    struct GC_stack_base sb;
    if (GC_get_stack_base(&sb) == GC_SUCCESS)
        GC_set_stackbottom(NULL, &sb);
    if (incremental) {
        GC_enable_incremental();
        GC_set_time_limit(GB_BOEHM_TIME_LIMIT_MS);
    }
    gb_boehm_build(kind, bytes, objb);
    gb_write_all(wfd, &rep, sizeof rep); /* ready */
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    for (;;) {
        gb_req q;
        if (!gb_read_all(rfd, &q, sizeof q) || q.n == 0)
            _exit(0);
        memset(&rep, 0, sizeof rep);
        gb_boehm.max_pause = 0;
        gb_boehm.stw_cpu = 0;
        double peak_heap = 0;
        GC_word gc0 = GC_get_gc_no();
        double c0 = gw_clock(CLOCK_PROCESS_CPUTIME_ID);
        double m0 = gw_clock(CLOCK_THREAD_CPUTIME_ID);
        double t0 = gw_clock(CLOCK_MONOTONIC);
        uint64_t sum = 0;
        for (uint64_t i = 0; i < q.n; i++) {
            if (kind == GB_CHURN) {
                gw_node *t = gb_boehm_tree(GW_SHORT_DEPTH);
                double h = (double)(GC_get_heap_size() - GC_get_free_bytes());
                if (h > peak_heap)
                    peak_heap = h;
                sum += gw_check(t);
            } else {
                GC_gcollect();
            }
        }
        double t1 = gw_clock(CLOCK_MONOTONIC);
        double m1 = gw_clock(CLOCK_THREAD_CPUTIME_ID);
        double c1 = gw_clock(CLOCK_PROCESS_CPUTIME_ID);
        if (kind == GB_CHURN &&
            sum != q.n * (((uint64_t)2 << GW_SHORT_DEPTH) - 1)) {
            rep.err = -EIO;
            snprintf(rep.why, sizeof rep.why, "short-lived tree miscounted");
        }
        if (kind != GB_CHURN) {
            double h = (double)(GC_get_heap_size() - GC_get_free_bytes());
            peak_heap = h;
        }
        rep.seconds = t1 - t0;
        double gc_cpu = gb_boehm.stw_cpu + ((c1 - c0) - (m1 - m0));
        rep.met[GB_MAX_PAUSE_US] = gb_boehm.max_pause * 1e6;
        rep.met[GB_GC_CPU_PCT] =
            100.0 * gc_cpu / ((t1 - t0) * (double)(ncpu > 0 ? ncpu : 1));
        rep.met[GB_CYCLES_PER_100] =
            100.0 * (double)(GC_get_gc_no() - gc0) / (double)q.n;
        rep.met[GB_PEAK_HEAP_GW_MIB] = peak_heap / GW_MIB;
        rep.met[GB_PEAK_RSS_GW_MIB] =
            hwm ? (gw_status_bytes("VmHWM") - rss0) / GW_MIB : NAN;
        if (!gb_write_all(wfd, &rep, sizeof rep))
            _exit(1);
    }
}

static void gb_child_stop(gb_child *c) {
    gb_req q = {0};
    gb_write_all(c->wfd, &q, sizeof q);
    close(c->wfd);
    close(c->rfd);
    int st;
    while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR) {
    }
    free(c);
}

static void *gb_boehm_setup(hx_point *pt, enum gb_kind kind, bool incr,
                            size_t *bytes) {
    int64_t b = kind == GB_CHURN ? hx_point_param(pt, "tree_bytes")
                                 : hx_point_param(pt, "heap_bytes");
    int64_t objb = GB_OBJ_BYTES;
    int down[2], up[2];
    if (pipe(down) != 0)
        return hx_point_skip(pt, "pipe: %s", strerror(errno)), NULL;
    if (pipe(up) != 0) {
        close(down[0]);
        close(down[1]);
        return hx_point_skip(pt, "pipe: %s", strerror(errno)), NULL;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(down[0]), close(down[1]), close(up[0]), close(up[1]);
        return hx_point_skip(pt, "fork: %s", strerror(e)), NULL;
    }
    if (pid == 0) {
        close(down[1]);
        close(up[0]);
        gb_boehm_serve(down[0], up[1], kind, incr, b, objb);
    }
    close(down[0]);
    close(up[1]);
    gb_child *c = malloc(sizeof *c);
    if (c == NULL) {
        close(down[1]), close(up[0]);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return hx_point_skip(pt, "out of memory"), NULL;
    }
    *c = (gb_child){pid, down[1], up[0]};
    gb_reply rep;
    if (!gb_read_all(c->rfd, &rep, sizeof rep)) {
        gb_child_stop(c);
        hx_point_skip(pt, "the Boehm child died building %lld MiB",
                      (long long)(b >> 20));
        return NULL;
    }
    *bytes = (size_t)b;
    return c;
}

static void gb_boehm_teardown(void *shared) {
    gb_child_stop(shared);
}

static void gb_boehm_run(hx_state *st) {
    gb_child *c = hx_shared(st);
    double seconds = 0, met[GB_NMET] = {0};
    uint64_t total = 0;
    for (uint64_t n; (n = hx_batch(st)) != 0;) {
        gb_req q = {n};
        gb_reply rep;
        if (!gb_write_all(c->wfd, &q, sizeof q) ||
            !gb_read_all(c->rfd, &rep, sizeof rep)) {
            hx_fail(st, "the Boehm child died");
            continue;
        }
        if (rep.err != 0) {
            hx_fail(st, rep.why);
            continue;
        }
        seconds += rep.seconds;
        total += n;
        for (int i = 0; i < GB_NMET; i++)
            met[i] = rep.met[i]; /* one batch per repetition */
    }
    if (total == 0)
        return;
    hx_manual_time(st, seconds);
    for (int i = 0; i < GB_NMET; i++)
        if (!isnan(met[i]))
            hx_metric(st, gb_metric_names[i], met[i]);
}

static void *gb_setup_boehm_churn(hx_point *pt, size_t *bytes) {
    return gb_boehm_setup(pt, GB_CHURN, false, bytes);
}
static void *gb_setup_boehm_incr_churn(hx_point *pt, size_t *bytes) {
    return gb_boehm_setup(pt, GB_CHURN, true, bytes);
}
static void *gb_setup_boehm_noscan(hx_point *pt, size_t *bytes) {
    return gb_boehm_setup(pt, GB_NOSCAN, false, bytes);
}
static void *gb_setup_boehm_ptr(hx_point *pt, size_t *bytes) {
    return gb_boehm_setup(pt, GB_PTR, false, bytes);
}

/* ---- ours: the runtime's heap ------------------------------------------------ */

/* Our workloads share one heap (the process's), so only one is built at a
 * time: a variant whose workload is not the resident one drops the
 * resident one (its root cleared, two collections, memory returned to the
 * OS) and builds its own before its clock starts. Otherwise the churn's
 * collections would also trace the forced variants' 256 MiB heaps. */
typedef struct gb_ours {
    void *root; /* the long-lived tree or the holder; a registered root */
    enum gb_kind kind;
    int64_t bytes;
    double rss0; /* resident set before the build */
    bool hwm;    /* VmHWM was reset then */
} gb_ours;

static gb_ours *gb_resident; /* harness thread 0 only */

static const uint64_t gb_word_mask[] = {0x1};
static const grt_type gb_word_type = {sizeof(void *), gb_word_mask,
                                      "gcbench pointer word"};

static void gb_ours_build_main(void *arg) {
    gb_ours *o = arg;
    if (o->kind == GB_CHURN) {
        GRT_STORE_PTR(&o->root, gw_ours_tree(gw_depth(o->bytes)));
    } else {
        size_t n = (size_t)(o->bytes / GB_OBJ_BYTES);
        size_t words = GB_OBJ_BYTES / sizeof(void *);
        void **holder = grt_new_array(&gb_word_type, n);
        GRT_STORE_PTR(&o->root, holder);
        for (size_t i = 0; i < n; i++) {
            void *obj;
            if (o->kind == GB_NOSCAN) {
                obj = grt_new_bytes(GB_OBJ_BYTES);
                memset(obj, 0x5a, GB_OBJ_BYTES);
            } else {
                obj = grt_new_array(&gb_word_type, words);
            }
            GRT_STORE_PTR(&holder[i], obj);
        }
        if (o->kind == GB_PTR) {
            uint64_t s = 0x9e3779b97f4a7c15ull;
            for (size_t i = 0; i < n; i++) {
                void **obj = holder[i];
                for (size_t w = 0; w < words; w++)
                    GRT_STORE_PTR(&obj[w], holder[gw_rng(&s) % n]);
            }
        }
    }
    grt_gc();
}

static void gb_ours_drop_main(void *arg) {
    gb_ours *o = arg;
    GRT_STORE_PTR(&o->root, NULL);
    grt_gc();
    grt_gc();
    grt_free_os_memory();
}

static void gb_ours_make_resident(gb_ours *o) {
    if (gb_resident == o)
        return;
    if (gb_resident != NULL)
        grt_run(gb_ours_drop_main, gb_resident);
    gb_resident = NULL;
    grt_run(gb_ours_drop_main, o); /* garbage of earlier runs, if any */
    o->rss0 = gw_status_bytes("VmRSS");
    o->hwm = gw_reset_hwm();
    grt_run(gb_ours_build_main, o);
    gb_resident = o;
}

typedef struct gb_batch {
    gb_ours *o;
    uint64_t n;
    uint64_t sum;
    double peak_heap;
    hx_rt_rep *rep; /* the clock: the loop (rtrun.h) */
} gb_batch;

static void gb_ours_batch_main(void *arg) {
    gb_batch *b = arg;
    grt_stats s;
    for (uint64_t i = 0; i < b->n; i++) {
        if (b->o->kind == GB_CHURN) {
            gw_node *t = gw_ours_tree(GW_SHORT_DEPTH);
            grt_stats_read(&s);
            if ((double)s.heap_live > b->peak_heap)
                b->peak_heap = (double)s.heap_live;
            b->sum += gw_check(t);
        } else {
            grt_gc();
        }
    }
    hx_rt_clock_stop(b->rep);
    if (b->o->kind != GB_CHURN) {
        grt_stats_read(&s);
        b->peak_heap = (double)s.heap_live;
    }
}

static void *gb_ours_setup(hx_point *pt, enum gb_kind kind, size_t *bytes) {
    gb_ours *o = calloc(1, sizeof *o);
    if (o == NULL) {
        hx_point_skip(pt, "out of memory");
        return NULL;
    }
    o->kind = kind;
    o->bytes = kind == GB_CHURN ? hx_point_param(pt, "tree_bytes")
                                : hx_point_param(pt, "heap_bytes");
    grt_gc_add_root(&o->root, sizeof o->root);
    *bytes = (size_t)o->bytes;
    return o;
}

static void gb_ours_teardown(void *shared) {
    gb_ours *o = shared;
    if (gb_resident == o) {
        grt_run(gb_ours_drop_main, o);
        gb_resident = NULL;
    }
    grt_gc_remove_root(&o->root);
    free(o);
}

static void gb_ours_run(hx_state *st) {
    gb_ours *o = hx_shared(st);
    gb_ours_make_resident(o);
    grt_stats s0, s1;
    hx_rt_rep rep = {0};
    gb_batch b = {.o = o, .rep = &rep};
    uint64_t total = 0;
    grt_stw_pause_max_take();
    grt_stats_read(&s0);
    for (uint64_t n; (n = hx_batch(st)) != 0;) {
        b.n = n;
        hx_rt_run(st, &rep, gb_ours_batch_main, &b, n);
        total += n;
    }
    double max_pause = (double)grt_stw_pause_max_take();
    grt_stats_read(&s1);
    if (total == 0)
        return;
    if (o->kind == GB_CHURN &&
        b.sum != total * (((uint64_t)2 << GW_SHORT_DEPTH) - 1))
        hx_fail(st, "short-lived tree miscounted");
    hx_rt_report(st, &rep);
    double wall = rep.seconds * (double)s1.gomaxprocs;
    double cpu = (double)(s1.gc_cpu_ns - s0.gc_cpu_ns);
    double idle = (double)(s1.gc_mark_idle_ns - s0.gc_mark_idle_ns);
    hx_metric(st, "max_pause_us", max_pause / 1e3);
    hx_metric(st, "gc_cpu_pct", 100.0 * (cpu - idle) / 1e9 / wall);
    hx_metric(st, "gc_cpu_all_pct", 100.0 * cpu / 1e9 / wall);
    hx_metric(st, "cycles_per_100",
              100.0 * (double)(s1.gc_cycles - s0.gc_cycles) / (double)total);
    hx_metric(st, "peak_heap_mib", b.peak_heap / GW_MIB);
    if (o->hwm)
        hx_metric(st, "peak_rss_mib",
                  (gw_status_bytes("VmHWM") - o->rss0) / GW_MIB);
}

static void *gb_setup_churn(hx_point *pt, size_t *bytes) {
    return gb_ours_setup(pt, GB_CHURN, bytes);
}
static void *gb_setup_noscan(hx_point *pt, size_t *bytes) {
    return gb_ours_setup(pt, GB_NOSCAN, bytes);
}
static void *gb_setup_ptr(hx_point *pt, size_t *bytes) {
    return gb_ours_setup(pt, GB_PTR, bytes);
}

/* ---- declaration ------------------------------------------------------------ */

enum { GB_P_THREADS, GB_P_TREE, GB_P_HEAP };
/* The churn variants run at the first point of every parameter, so that
 * their series are plain "churn", "go:churn", "boehm-churn" (the verdict
 * names them); tree_bytes still sizes them (its first value). */
#define GB_USES_CHURN  HX_USES_NONE
#define GB_USES_FORCED (1u << GB_P_HEAP)

static const hx_variant gb_variants[] = {
    {.name = "churn",
     .help = "binary-trees churn in our heap (grt_new, concurrent mark); op = "
             "one 2 MiB tree",
     .fn = gb_ours_run,
     .manual_time = true,
     .setup = gb_setup_churn,
     .teardown = gb_ours_teardown,
     .uses = GB_USES_CHURN,
     .go = "GCChurn"},
    {.name = "gc-noscan",
     .help = "grt_gc() of a heap of pointer-free objects; op = one collection",
     .fn = gb_ours_run,
     .manual_time = true,
     .setup = gb_setup_noscan,
     .teardown = gb_ours_teardown,
     .uses = GB_USES_FORCED,
     .go = "GCForcedNoscan"},
    {.name = "gc-ptr",
     .help = "grt_gc() of the same bytes as pointer-rich objects; op = one "
             "collection",
     .fn = gb_ours_run,
     .manual_time = true,
     .setup = gb_setup_ptr,
     .teardown = gb_ours_teardown,
     .uses = GB_USES_FORCED,
     .go = "GCForcedPtr"},
    {.name = "boehm-churn",
     .help = "binary-trees churn with Boehm's GC_malloc, default (stop-the-"
             "world, parallel markers); op = one 2 MiB tree",
     .fn = gb_boehm_run,
     .setup = gb_setup_boehm_churn,
     .teardown = gb_boehm_teardown,
     .uses = GB_USES_CHURN,
     .manual_time = true},
    {.name = "boehm-incr-churn",
     .help = "the churn with Boehm in incremental mode (time limit 1 ms); "
             "op = one 2 MiB tree",
     .fn = gb_boehm_run,
     .setup = gb_setup_boehm_incr_churn,
     .teardown = gb_boehm_teardown,
     .uses = GB_USES_CHURN,
     .manual_time = true},
    {.name = "boehm-gc-noscan",
     .help = "GC_gcollect() of a heap of GC_malloc_atomic objects; op = one "
             "collection",
     .fn = gb_boehm_run,
     .setup = gb_setup_boehm_noscan,
     .teardown = gb_boehm_teardown,
     .uses = GB_USES_FORCED,
     .manual_time = true},
    {.name = "boehm-gc-ptr",
     .help = "GC_gcollect() of the same bytes as pointer-rich GC_malloc "
             "objects; op = one collection",
     .fn = gb_boehm_run,
     .setup = gb_setup_boehm_ptr,
     .teardown = gb_boehm_teardown,
     .uses = GB_USES_FORCED,
     .manual_time = true},
};

static const hx_param gb_params[] = {
    [GB_P_THREADS] = {.name = "threads",
                      .unit = "threads",
                      .help = "harness threads driving the run (the work "
                              "runs on the runtime's threads, or in Boehm's "
                              "child process)",
                      .min = 1,
                      .max = 1,
                      .flags = HX_PARAM_THREADS,
                      .def = "1",
                      .quick_def = "1"},
    [GB_P_TREE] = {.name = "tree_bytes",
                   .unit = "bytes",
                   .help = "churn: bytes of the long-lived tree (16-byte "
                           "nodes; the largest complete tree that fits)",
                   .min = 1 << 20,
                   .max = (int64_t)16 << 30,
                   .flags = HX_PARAM_BYTES,
                   .def = "67108864",
                   .quick_def = "8388608"},
    [GB_P_HEAP] = {.name = "heap_bytes",
                   .unit = "bytes",
                   .help = "gc-*: bytes of the live heap a forced collection "
                           "traces",
                   .min = 1 << 20,
                   .max = (int64_t)16 << 30,
                   .flags = HX_PARAM_BYTES | HX_PARAM_LOG,
                   .def = "268435456",
                   .quick_def = "16777216"},
};

static const hx_metric_decl gb_metrics[] = {
    HX_RT_OPS_PER_REP,
    {"max_pause_us", "us", "longest stop-the-world pause in the repetition",
     NULL, HX_METRIC_MAX},
    {"gc_cpu_pct", "%",
     "GC CPU time over wall time x CPUs (Go's GCCPUFraction: idle-P "
     "marking not counted)",
     NULL, 0},
    {"gc_cpu_all_pct", "%", "ours: the same with idle-P marking counted", NULL,
     0},
    {"cycles_per_100", "cycles", "collections per 100 ops", NULL, 0},
    {"peak_heap_mib", "MiB", "most bytes in allocated objects after an op",
     NULL, HX_METRIC_MAX},
    {"peak_rss_mib", "MiB",
     "peak resident set growth over the workload's start (VmHWM)", NULL,
     HX_METRIC_MAX},
};

static const char *const gb_events[] = {"task-clock", "page-faults",
                                        "context-switches", NULL};

static const hx_claim gb_claims[] = {
    /* Tracing cost is in the pointers: the same bytes, pointer-rich, take
     * far longer to collect than pointer-free. */
    {"gc-ptr", "gc-noscan", 10.0, NULL, HX_AT_MAX},
    {"boehm-gc-ptr", "boehm-gc-noscan", 10.0, NULL, HX_AT_MAX},
    /* Ours against Go's on the forced collections (targets of issue 8). */
    {"go:gc-noscan", "gc-noscan", 1.0, NULL, HX_AT_MAX},
    {"go:gc-ptr", "gc-ptr", 1.0, NULL, HX_AT_MAX},
};

/* The targets, judged on what this run measured: the churn's
 * worst pause, its GC CPU share and peak RSS against Go's, the forced
 * collection of the pointer-free heap. Boehm's figures are reported. */
static void gb_verdict(const hx_results *r, hx_report *rep) {
    int nx = hx_results_nx(r);
    if (nx == 0) {
        hx_report_unsettled(rep, "no points measured");
        return;
    }
    int64_t x0 = hx_results_x(r, 0), xmax = hx_results_x(r, nx - 1);
    static const char *const churns[] = {"churn", "go:churn", "boehm-churn",
                                         "boehm-incr-churn"};
    static const char *const pause_keys[] = {
        "churn_pause_us", "go_churn_pause_us", "boehm_churn_pause_us",
        "boehm_incr_churn_pause_us"};
    double pause[4], cpu[4], rss[4];
    for (int i = 0; i < 4; i++) {
        pause[i] = hx_results_metric(r, churns[i], x0, "max_pause_us");
        cpu[i] = hx_results_metric(r, churns[i], x0, "gc_cpu_pct");
        rss[i] = hx_results_metric(r, churns[i], x0, "peak_rss_mib");
        hx_report_headline(rep, pause_keys[i], pause[i]);
        if (!isnan(pause[i]))
            hx_report_printf(rep,
                             "%-17s worst pause %9.1f us, GC CPU %5.1f%%, "
                             "peak RSS +%.1f MiB\n",
                             churns[i], pause[i], cpu[i], rss[i]);
    }
    hx_report_headline(rep, "churn_gc_cpu_pct", cpu[0]);
    hx_report_headline(rep, "go_churn_gc_cpu_pct", cpu[1]);
    hx_report_headline(rep, "churn_peak_rss_mib", rss[0]);
    hx_report_headline(rep, "go_churn_peak_rss_mib", rss[1]);
    if (isnan(pause[0]))
        hx_report_unsettled(rep, "churn: no pause measured");
    else
        hx_report_check(rep, pause[0] <= 200.0,
                        "churn: worst stop-the-world pause %.1f us "
                        "(expected <= 200 us)",
                        pause[0]);
    if (!isnan(cpu[0]) && !isnan(cpu[1]))
        hx_report_check(rep, cpu[0] <= cpu[1],
                        "churn: GC CPU share %.1f%% vs Go's %.1f%% "
                        "(expected no higher)",
                        cpu[0], cpu[1]);
    if (!isnan(rss[0]) && !isnan(rss[1]))
        hx_report_check(rep, rss[0] <= rss[1],
                        "churn: peak RSS growth %.1f MiB vs Go's %.1f MiB "
                        "(expected no higher)",
                        rss[0], rss[1]);
    if (isnan(cpu[1]))
        hx_report_printf(rep, "no Go figures: the checks against Go were "
                              "not made\n");
    double noscan = hx_results_median(r, "gc-noscan", xmax);
    if (isnan(noscan))
        hx_report_unsettled(rep, "gc-noscan not measured");
    else
        hx_report_check(rep, noscan < 1e6,
                        "forced collection of %lld MiB pointer-free: %.3f ms "
                        "(expected < 1 ms)",
                        (long long)(xmax >> 20), noscan / 1e6);
}

/* The figures the fleet study collects (summary.json "headlines"). */
static const hx_headline gb_headlines[] = {
    {"ptr_noscan_ratio", "ours: collection, pointer-rich / pointer-free", "x",
     "ratio of medians, 'gc-ptr' over 'gc-noscan' at the largest heap (first "
     "claim)",
     HX_HEAD_CLAIM, 0, NULL, 0},
    {"boehm_ptr_noscan_ratio", "Boehm: collection, pointer-rich / pointer-free",
     "x",
     "ratio of medians, 'boehm-gc-ptr' over 'boehm-gc-noscan' at the "
     "largest heap (second claim)",
     HX_HEAD_CLAIM, 1, NULL, 0},
    {"go_noscan_ratio", "pointer-free collection, Go / ours", "x",
     "ratio of medians, 'go:gc-noscan' over 'gc-noscan' (third claim)",
     HX_HEAD_CLAIM, 2, NULL, 0},
    {"go_ptr_ratio", "pointer-rich collection, Go / ours", "x",
     "ratio of medians, 'go:gc-ptr' over 'gc-ptr' (fourth claim)",
     HX_HEAD_CLAIM, 3, NULL, 0},
    {"gc_noscan_ns", "ours: collection of a pointer-free heap", "ns",
     "median of 'gc-noscan' at the largest heap", HX_HEAD_MEDIAN, 0,
     "gc-noscan", HX_AT_MAX},
    {"gc_ptr_ns", "ours: collection of a pointer-rich heap", "ns",
     "median of 'gc-ptr' at the largest heap", HX_HEAD_MEDIAN, 0, "gc-ptr",
     HX_AT_MAX},
    {"boehm_gc_ptr_ns", "Boehm collection of a pointer-rich heap", "ns",
     "median of 'boehm-gc-ptr' at the largest heap", HX_HEAD_MEDIAN, 0,
     "boehm-gc-ptr", HX_AT_MAX},
    {"boehm_gc_noscan_ns", "Boehm collection of a pointer-free heap", "ns",
     "median of 'boehm-gc-noscan' at the largest heap", HX_HEAD_MEDIAN, 0,
     "boehm-gc-noscan", HX_AT_MAX},
    {"churn_pause_us", "ours: worst pause on the churn", "us",
     "largest max_pause_us of 'churn' over the repetitions", HX_HEAD_REPORT, 0,
     NULL, 0},
    {"go_churn_pause_us", "Go: worst pause on the churn", "us",
     "largest max_pause_us of 'go:churn' (MemStats.PauseNs)", HX_HEAD_REPORT, 0,
     NULL, 0},
    {"boehm_churn_pause_us", "Boehm: worst pause on the churn", "us",
     "largest max_pause_us of 'boehm-churn'", HX_HEAD_REPORT, 0, NULL, 0},
    {"boehm_incr_churn_pause_us",
     "Boehm incremental: worst pause on the "
     "churn",
     "us", "largest max_pause_us of 'boehm-incr-churn'", HX_HEAD_REPORT, 0,
     NULL, 0},
    {"churn_gc_cpu_pct", "ours: GC CPU share on the churn", "%",
     "median gc_cpu_pct of 'churn'", HX_HEAD_REPORT, 0, NULL, 0},
    {"go_churn_gc_cpu_pct", "Go: GC CPU share on the churn", "%",
     "median gc_cpu_pct of 'go:churn'", HX_HEAD_REPORT, 0, NULL, 0},
    {"churn_peak_rss_mib", "ours: peak RSS growth on the churn", "MiB",
     "largest peak_rss_mib of 'churn'", HX_HEAD_REPORT, 0, NULL, 0},
    {"go_churn_peak_rss_mib", "Go: peak RSS growth on the churn", "MiB",
     "largest peak_rss_mib of 'go:churn'", HX_HEAD_REPORT, 0, NULL, 0},
};

const hx_experiment hx_exp_gcbench = {
    .name = "gcbench",
    .runtime = true,
    .summary = "garbage collectors side by side: binary-trees churn and "
               "forced collections, ours vs Boehm (vs Go: gc_test.go)",
    .hypothesis =
        "Boehm's default collector stops the world for the whole trace: its\n"
        "pauses on the churn grow with the 64 MiB live tree (tens of ms);\n"
        "its incremental mode cuts them to a few ms slices. A concurrent\n"
        "collector (Go's, ours) pauses only to switch phases: <= 0.2 ms.\n"
        "A forced collection of pointer-free objects costs a few mark bits\n"
        "per object (under 1 ms for 256 MiB in 64 KiB objects); the same\n"
        "bytes full of pointers cost a trace of every word, >= 10x more.\n"
        "Ours collects either no slower than Go, at a GC CPU share and\n"
        "peak RSS on the churn no higher than Go's at GOGC=100.",
    .reading = "x: heap_bytes (the churn variants sit at its first point); "
               "ns per op (churn: one 2 MiB tree built, "
               "walked, dropped; gc-*: one forced collection). Pauses, GC CPU "
               "share, cycles and peaks are metrics (summary.txt, data.csv). "
               "Go's twin: scripts/gcbench.sh prints all three side by side.",
    .homework =
        "1. Run with GODEBUG=gctrace=1: how long are the two pauses of each\n"
        "   of our cycles, and what sets the time between cycles?\n"
        "2. Halve tree_bytes: which metrics of the churn change, and why\n"
        "   not ns per op by much?\n"
        "3. gc-noscan vs gc-ptr over heap_bytes=16777216,268435456: which\n"
        "   grows with the heap, and by how much?\n"
        "4. Why can Boehm's incremental mode not get its pauses under a\n"
        "   millisecond on this heap? (What must it re-scan at the end?)",
    .variants = gb_variants,
    .nvariants = HX_COUNT(gb_variants),
    .params = gb_params,
    .nparams = HX_COUNT(gb_params),
    .metrics = gb_metrics,
    .nmetrics = HX_COUNT(gb_metrics),
    .op = "one short-lived tree (churn) or one forced collection (gc-*)",
    .events = gb_events,
    .claims = gb_claims,
    .nclaims = HX_COUNT(gb_claims),
    .verdict = gb_verdict,
    .xparam = "heap_bytes",
    .plot_flags = HX_PLOT_LOGY,
    .min_time = 0.5,
    .headlines = gb_headlines,
    .nheadlines = HX_COUNT(gb_headlines),
};
