/*
 * counters.c - one shared counter vs a counter per thread vs none.
 *
 * DRAFT: file comment to be completed with measured numbers.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hx.h"

/* ---- work between increments, calibrated in ns --------------------------- */

/* One step is a 64-bit LCG update: a multiply and an add on a dependency
 * chain (4 cycles or so on current x86), which the empty asm keeps the
 * compiler from folding into a closed form or deleting. It touches no
 * memory, so it neither helps nor hurts the counter's cache line. */
static inline uint64_t work(uint64_t x, uint64_t steps) {
    for (uint64_t i = 0; i < steps; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        __asm__ volatile("" : "+r"(x));
    }
    return x;
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ns per step: the fastest of several timed runs (preemption only ever makes
 * a run slower). Measured once per process, from setup, outside any timing. */
static double ns_per_step;
static pthread_once_t calibrated = PTHREAD_ONCE_INIT;

static void calibrate(void) {
    const uint64_t steps = 1u << 20;
    double best = 1e300;
    uint64_t x = 1;
    for (int rep = 0; rep < 15; rep++) {
        double t0 = now_ns();
        x = work(x, steps);
        double t = now_ns() - t0;
        best = t < best ? t : best;
    }
    hx_keep(x);
    ns_per_step = best / (double)steps;
}

/* ---- shared state -------------------------------------------------------- */

typedef struct ctr_shared {
    _Atomic uint64_t *counter; /* the shared counter, alone on its lines */
    pthread_mutex_t mu;        /* guards *plain */
    uint64_t *plain;           /* the mutex variant's counter */
    char *slots;               /* per-thread counters, stride bytes apart */
    size_t stride;             /* 2 lines: no false sharing, even with an
                                  adjacent-line prefetcher */
    uint64_t steps;            /* work steps between increments */
    void *mem;                 /* one allocation holding all of the above */
} ctr_shared;

static void ctr_teardown(void *shared) {
    ctr_shared *sh = shared;
    if (sh == NULL)
        return;
    pthread_mutex_destroy(&sh->mu);
    free(sh->mem);
    free(sh);
}

static void *ctr_setup(hx_point *pt, size_t *bytes) {
    pthread_once(&calibrated, calibrate);
    int threads = hx_point_threads(pt);
    const hx_topo *t = hx_point_topo(pt);
    size_t line = t->line_size ? t->line_size : 64;
    ctr_shared *sh = calloc(1, sizeof *sh);
    if (sh == NULL) {
        hx_point_skip(pt, "out of memory");
        return NULL;
    }
    sh->stride = 2 * line;
    /* Layout: [counter][plain][slot 0]...[slot threads-1], a stride each. */
    size_t size = sh->stride * (2 + (size_t)threads);
    if (posix_memalign(&sh->mem, sh->stride, size) != 0) {
        free(sh);
        hx_point_skip(pt, "out of memory");
        return NULL;
    }
    memset(sh->mem, 0, size); /* touched: no page faults in the timing */
    sh->counter = (_Atomic uint64_t *)sh->mem;
    atomic_init(sh->counter, 0);
    sh->plain = (uint64_t *)((char *)sh->mem + sh->stride);
    sh->slots = (char *)sh->mem + 2 * sh->stride;
    pthread_mutex_init(&sh->mu, NULL);
    double ns = (double)hx_point_param(pt, "work");
    sh->steps = (uint64_t)(ns / ns_per_step + 0.5);
    *bytes = size + sizeof *sh;
    return sh;
}

/* ---- the variants: one op is one increment (plus its work) --------------- */

static void faa(hx_state *st) {
    ctr_shared *sh = hx_shared(st);
    uint64_t steps = sh->steps, x = (uint64_t)hx_thread_index(st);
    for (uint64_t n; (n = hx_batch(st)) != 0;)
        for (uint64_t i = 0; i < n; i++) {
            x = work(x, steps);
            atomic_fetch_add_explicit(sh->counter, 1, memory_order_relaxed);
        }
    hx_keep(x);
}

static void cas(hx_state *st) {
    ctr_shared *sh = hx_shared(st);
    uint64_t steps = sh->steps, x = (uint64_t)hx_thread_index(st);
    for (uint64_t n; (n = hx_batch(st)) != 0;)
        for (uint64_t i = 0; i < n; i++) {
            x = work(x, steps);
            uint64_t old =
                atomic_load_explicit(sh->counter, memory_order_relaxed);
            while (!atomic_compare_exchange_weak_explicit(
                sh->counter, &old, old + 1, memory_order_relaxed,
                memory_order_relaxed)) {
            }
        }
    hx_keep(x);
}

static void mutex(hx_state *st) {
    ctr_shared *sh = hx_shared(st);
    uint64_t steps = sh->steps, x = (uint64_t)hx_thread_index(st);
    for (uint64_t n; (n = hx_batch(st)) != 0;)
        for (uint64_t i = 0; i < n; i++) {
            x = work(x, steps);
            pthread_mutex_lock(&sh->mu);
            (*sh->plain)++;
            pthread_mutex_unlock(&sh->mu);
        }
    hx_keep(x);
}

/* Each thread's own counter, still a locked add: what remains of faa's cost
 * once no other core wants the line. */
static void padded(hx_state *st) {
    ctr_shared *sh = hx_shared(st);
    _Atomic uint64_t *mine =
        (_Atomic uint64_t *)(sh->slots +
                             (size_t)hx_thread_index(st) * sh->stride);
    uint64_t steps = sh->steps, x = (uint64_t)hx_thread_index(st);
    for (uint64_t n; (n = hx_batch(st)) != 0;)
        for (uint64_t i = 0; i < n; i++) {
            x = work(x, steps);
            atomic_fetch_add_explicit(mine, 1, memory_order_relaxed);
        }
    hx_keep(x);
}

/* A register, merged into the shared counter once at the end. The empty asm
 * keeps one add per op (the compiler would otherwise add n at once). */
static void local(hx_state *st) {
    ctr_shared *sh = hx_shared(st);
    uint64_t steps = sh->steps, x = (uint64_t)hx_thread_index(st);
    uint64_t count = 0;
    for (uint64_t n; (n = hx_batch(st)) != 0;)
        for (uint64_t i = 0; i < n; i++) {
            x = work(x, steps);
            count++;
            __asm__ volatile("" : "+r"(count));
        }
    atomic_fetch_add_explicit(sh->counter, count, memory_order_relaxed);
    hx_keep(x);
}

/* ---- verdict ------------------------------------------------------------- */

static bool ctr_verdict(const hx_results *r, char *buf, size_t len) {
    (void)r;
    (void)buf;
    (void)len;
    return true;
}

/* ---- declaration --------------------------------------------------------- */

static const hx_variant variants[] = {
    {"faa", "one shared atomic counter, fetch-add (lock xadd)", faa, ctr_setup,
     ctr_teardown, 0, 0},
    {"cas", "one shared atomic counter, load + compare-and-swap loop", cas,
     ctr_setup, ctr_teardown, 0, 0},
    {"mutex", "one shared plain counter under a pthread mutex", mutex,
     ctr_setup, ctr_teardown, 0, 0},
    {"padded", "a fetch-add counter per thread, two cache lines apart", padded,
     ctr_setup, ctr_teardown, 0, 0},
    {"local", "a register per thread, merged once at the end", local, ctr_setup,
     ctr_teardown, 0, 0},
};

static const hx_param params[] = {
    {"threads", "threads", "worker threads, one per PU first, then doubled up",
     1, 1024, HX_PARAM_THREADS, hx_points_threads_2x, NULL, NULL},
    {"work", "ns", "calibrated work between two increments", 0, 100000, 0, NULL,
     "0,10,100,1000", "0,1000"},
};

static const char *const events[] = {"page-faults",  "context-switches",
                                     "cycles",       "instructions",
                                     "cache-misses", NULL};

static const hx_claim claims[] = {
    {"faa work=0", "local work=0", 5.0, "threads", HX_AT_MAX},
    {"faa work=0", "padded work=0", 2.0, "threads", HX_AT_MAX},
};

const hx_experiment hx_exp_counters = {
    .name = "counters",
    .summary = "shared atomic / CAS / mutex counter vs per-thread padded vs "
               "local accumulation",
    .hypothesis = "TODO",
    .reading = "TODO",
    .homework = "TODO",
    .variants = variants,
    .nvariants = HX_COUNT(variants),
    .params = params,
    .nparams = HX_COUNT(params),
    .metrics = NULL,
    .nmetrics = 0,
    .op = "increment (after the work between increments)",
    .events = events,
    .claims = claims,
    .nclaims = HX_COUNT(claims),
    .verdict = ctr_verdict,
    .xparam = "threads",
    .plot_flags = HX_PLOT_LOGY,
};
