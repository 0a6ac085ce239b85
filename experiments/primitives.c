/*
 * primitives.c - what the runtime's basic operations cost: a goroutine
 * switch, spawning a goroutine, a mutex, a sleep; each beside its OS-thread
 * counterpart where that is the lesson.
 *
 * Mechanism
 * ---------
 * A goroutine switch saves six callee-saved registers and the stack
 * pointer and loads another goroutine's: no system call, no kernel
 * scheduler, no TLB or cache flush. Go's Gosched goes through the global
 * run queue (a lock) and the scheduler stack, about 80 ns here; ours
 * switches straight to the next G of the P's run queue. Two OS threads
 * handing control back and forth need a futex wake and a futex wait per
 * switch, and the kernel's context switch: microseconds.
 *
 * Spawning a goroutine takes a stack from the P's cache (no lock, no
 * mmap; the pages are already committed from the stack's last use), writes
 * a G header and an initial frame, and puts the G in runnext. Creating an
 * OS thread is a clone() with its own stack mapping and a join.
 *
 * A mutex that nobody else holds costs one CAS to lock and one atomic add
 * to unlock, goroutine or thread alike (pthread_mutex is the same
 * instruction plus a function call). Contended, ours spins briefly and then
 * parks the goroutine (the thread moves on to other work); pthread parks
 * the thread in the kernel.
 *
 * Sleep: the goroutine parks on the timer heap and its thread runs other
 * goroutines or waits in epoll_pwait2 until the deadline; nanosleep parks
 * the thread. late_ns is how long after the deadline the sleeper ran.
 *
 * Variants (one op in brackets)
 * -----------------------------
 *   gosched_pingpong   two goroutines alternating with grt_gosched on one
 *                      P (GOMAXPROCS=1 for the run) [one switch]
 *   thread_pingpong    two OS threads alternating through a futex [one
 *                      switch]
 *   spawn_exit         grt_go of an empty goroutine, counted down on a
 *                      WaitGroup, in waves of 16 [one spawn+exit]
 *   thread_spawn       pthread_create + pthread_join of an empty thread
 *                      [one create+join]
 *   mutex_uncontended  grt_mutex lock+unlock in one goroutine [one pair]
 *   pthread_uncontended  pthread_mutex lock+unlock on one thread [one pair]
 *   mutex_contended    GOMAXPROCS goroutines on one grt_mutex, a few ns
 *                      of work inside [one pair]
 *   pthread_contended  as many OS threads on one pthread_mutex [one pair]
 *   sleep_20us         grt_sleep(20 us) [one sleep]
 *   nanosleep_20us     nanosleep(20 us) on the harness thread [one sleep]
 * The same workloads in Go: scripts/gobench/sched_test.go
 * (scripts/gobench.sh runs it when Go is installed).
 *
 * Reading the plot: one point per variant (at 1 thread); compare each
 * runtime variant with the OS-thread one below it. switches_per_op says what the runtime
 * did per op.
 */
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "grt.h"
#include "hx.h"
#include "rtsource.h"

#define PR_SLEEP_NS 20000u

typedef struct pr_run {
    uint64_t n;    /* ops to do in this grt_run */
    uint64_t sink; /* a result the compiler must keep */
    uint64_t late; /* sleep: total ns past the deadlines */
    _Atomic uint64_t turn;
    grt_waitgroup wg;
    grt_mutex mu;
    uint64_t counter; /* mu */
} pr_run;

static uint64_t pr_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- goroutine variants --------------------------------------------------- */

static void pr_yielder(void *arg) {
    pr_run *r = arg;
    for (uint64_t i = 0; i < r->n / 2; i++)
        grt_gosched();
    grt_waitgroup_done(&r->wg);
}

static void pr_gosched_main(void *arg) {
    pr_run *r = arg;
    grt_waitgroup_add(&r->wg, 1);
    grt_go(pr_yielder, r); /* runnext: it runs at our first gosched */
    for (uint64_t i = 0; i < r->n - r->n / 2; i++)
        grt_gosched();
    grt_waitgroup_wait(&r->wg);
}

static void pr_empty(void *arg) {
    grt_waitgroup_done(arg);
}

/* Waves of PR_WAVE goroutines: each wave's stacks come back to the P's
 * cache before the next wave takes them (a million goroutines alive at
 * once would measure first-touch page faults, not spawning). */
#define PR_WAVE 16u
static void pr_spawn_main(void *arg) {
    pr_run *r = arg;
    for (uint64_t done = 0; done < r->n;) {
        uint64_t k = r->n - done < PR_WAVE ? r->n - done : PR_WAVE;
        grt_waitgroup_add(&r->wg, (int)k);
        for (uint64_t i = 0; i < k; i++)
            grt_go(pr_empty, &r->wg);
        grt_waitgroup_wait(&r->wg);
        done += k;
    }
}

static void pr_mutex_main(void *arg) {
    pr_run *r = arg;
    for (uint64_t i = 0; i < r->n; i++) {
        grt_mutex_lock(&r->mu);
        r->counter++;
        grt_mutex_unlock(&r->mu);
    }
    r->sink = r->counter;
}

typedef struct pr_share {
    pr_run *r;
    uint64_t n;
} pr_share;

static void pr_mutex_worker(void *arg) {
    pr_share *s = arg;
    for (uint64_t i = 0; i < s->n; i++) {
        grt_mutex_lock(&s->r->mu);
        s->r->counter = s->r->counter * 3 + 1;
        grt_mutex_unlock(&s->r->mu);
    }
    grt_waitgroup_done(&s->r->wg);
}

static void pr_contended_main(void *arg) {
    pr_run *r = arg;
    int g = grt_gomaxprocs();
    pr_share s[64];
    if (g > 64)
        g = 64;
    grt_waitgroup_add(&r->wg, g);
    for (int i = 0; i < g; i++) {
        s[i] = (pr_share){r, r->n / (uint64_t)g +
                                 (i == 0 ? r->n % (uint64_t)g : 0)};
        grt_go(pr_mutex_worker, &s[i]);
    }
    grt_waitgroup_wait(&r->wg);
    r->sink = r->counter;
}

static void pr_sleep_main(void *arg) {
    pr_run *r = arg;
    for (uint64_t i = 0; i < r->n; i++) {
        uint64_t t0 = pr_now();
        grt_sleep(PR_SLEEP_NS);
        r->late += pr_now() - t0 - PR_SLEEP_NS;
    }
}

/* switches_per_op is sampled by the harness from the runtime's
 * statistics (pr_metrics); late_ns is ours to report. */
static void pr_runtime(hx_state *st, void (*main_fn)(void *), int procs) {
    uint64_t total = 0, late = 0;
    int old = procs > 0 ? grt_setmaxprocs(procs) : 0;
    for (uint64_t n; (n = hx_batch(st)) != 0;) {
        pr_run r = {.n = n};
        if (grt_run(main_fn, &r) != 0)
            hx_fail(st, "grt_run failed");
        total += n;
        late += r.late;
        hx_keep(r.sink);
    }
    if (procs > 0)
        grt_setmaxprocs(old);
    if (total == 0)
        return;
    if (main_fn == pr_sleep_main)
        hx_metric(st, "late_ns", (double)late / (double)total);
}

static void pr_gosched_pingpong(hx_state *st) {
    pr_runtime(st, pr_gosched_main, 1);
}
static void pr_spawn_exit(hx_state *st) {
    pr_runtime(st, pr_spawn_main, 0);
}
static void pr_mutex_uncontended(hx_state *st) {
    pr_runtime(st, pr_mutex_main, 0);
}
static void pr_mutex_contended(hx_state *st) {
    pr_runtime(st, pr_contended_main, 0);
}
static void pr_sleep(hx_state *st) {
    pr_runtime(st, pr_sleep_main, 0);
}

/* ---- OS-thread variants --------------------------------------------------- */

static void pr_futex_wait(_Atomic uint32_t *a, uint32_t v) {
    syscall(SYS_futex, (uint32_t *)a, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}
static void pr_futex_wake(_Atomic uint32_t *a) {
    syscall(SYS_futex, (uint32_t *)a, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

typedef struct pr_tpp {
    _Atomic uint32_t turn; /* counts switches; parity says whose turn */
    uint64_t n;
} pr_tpp;

/* Take turns: wait while it is not our parity, then pass the turn. */
static void pr_take_turns(pr_tpp *t, uint32_t me, uint64_t rounds) {
    for (uint64_t i = 0; i < rounds; i++) {
        uint32_t v;
        while (((v = atomic_load(&t->turn)) & 1) != me)
            pr_futex_wait(&t->turn, v);
        atomic_store(&t->turn, v + 1);
        pr_futex_wake(&t->turn);
    }
}

static void *pr_thread_other(void *arg) {
    pr_tpp *t = arg;
    pr_take_turns(t, 1, t->n / 2);
    return NULL;
}

static void pr_thread_pingpong(hx_state *st) {
    for (uint64_t n; (n = hx_batch(st)) != 0;) {
        pr_tpp t = {.n = n};
        pthread_t th;
        if (pthread_create(&th, NULL, pr_thread_other, &t) != 0)
            hx_fail(st, "pthread_create failed");
        pr_take_turns(&t, 0, n - n / 2);
        pthread_join(th, NULL);
    }
}

static void *pr_nothing(void *arg) {
    return arg;
}

static void pr_thread_spawn(hx_state *st) {
    for (uint64_t n; (n = hx_batch(st)) != 0;)
        for (uint64_t i = 0; i < n; i++) {
            pthread_t th;
            if (pthread_create(&th, NULL, pr_nothing, NULL) != 0)
                hx_fail(st, "pthread_create failed");
            pthread_join(th, NULL);
        }
}

static void pr_pthread_uncontended(hx_state *st) {
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    uint64_t c = 0;
    for (uint64_t n; (n = hx_batch(st)) != 0;)
        for (uint64_t i = 0; i < n; i++) {
            pthread_mutex_lock(&m);
            c++;
            pthread_mutex_unlock(&m);
        }
    hx_keep(c);
}

typedef struct pr_pshare {
    pthread_mutex_t *m;
    uint64_t *counter;
    uint64_t n;
} pr_pshare;

static void *pr_pthread_worker(void *arg) {
    pr_pshare *s = arg;
    for (uint64_t i = 0; i < s->n; i++) {
        pthread_mutex_lock(s->m);
        *s->counter = *s->counter * 3 + 1;
        pthread_mutex_unlock(s->m);
    }
    return NULL;
}

static void pr_pthread_contended(hx_state *st) {
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    uint64_t counter = 0;
    int g = grt_gomaxprocs();
    if (g > 64)
        g = 64;
    for (uint64_t n; (n = hx_batch(st)) != 0;) {
        pthread_t th[64];
        pr_pshare s[64];
        for (int i = 0; i < g; i++) {
            s[i] = (pr_pshare){
                &m, &counter, n / (uint64_t)g + (i == 0 ? n % (uint64_t)g : 0)};
            if (pthread_create(&th[i], NULL, pr_pthread_worker, &s[i]) != 0)
                hx_fail(st, "pthread_create failed");
        }
        for (int i = 0; i < g; i++)
            pthread_join(th[i], NULL);
    }
    hx_keep(counter);
}

static void pr_nanosleep(hx_state *st) {
    uint64_t late = 0, total = 0;
    for (uint64_t n; (n = hx_batch(st)) != 0;)
        for (uint64_t i = 0; i < n; i++) {
            struct timespec a, b, d = {0, PR_SLEEP_NS};
            clock_gettime(CLOCK_MONOTONIC, &a);
            nanosleep(&d, NULL);
            clock_gettime(CLOCK_MONOTONIC, &b);
            late += (uint64_t)((b.tv_sec - a.tv_sec) * 1000000000 +
                               (b.tv_nsec - a.tv_nsec)) -
                    PR_SLEEP_NS;
            total++;
        }
    if (total != 0)
        hx_metric(st, "late_ns", (double)late / (double)total);
}

/* ---- declaration ---------------------------------------------------------- */

static const hx_variant pr_variants[] = {
    {.name = "gosched_pingpong",
     .help = "two goroutines alternating with grt_gosched on one P; op = one "
             "switch",
     .fn = pr_gosched_pingpong,
     .go = "GoschedPingPong"},
    {.name = "thread_pingpong",
     .help = "two OS threads alternating through a futex; op = one switch",
     .fn = pr_thread_pingpong},
    {.name = "spawn_exit",
     .help = "grt_go of an empty goroutine (WaitGroup countdown); op = one "
             "spawn+exit",
     .fn = pr_spawn_exit,
     .go = "GoExit"},
    {.name = "thread_spawn",
     .help = "pthread_create + join of an empty thread; op = one",
     .fn = pr_thread_spawn},
    {.name = "mutex_uncontended",
     .help = "grt_mutex lock+unlock, one goroutine; op = one pair",
     .fn = pr_mutex_uncontended,
     .go = "MutexUncontended"},
    {.name = "pthread_uncontended",
     .help = "pthread_mutex lock+unlock, one thread; op = one pair",
     .fn = pr_pthread_uncontended},
    {.name = "mutex_contended",
     .help = "GOMAXPROCS goroutines on one grt_mutex; op = one pair",
     .fn = pr_mutex_contended,
     .go = "MutexContended"},
    {.name = "pthread_contended",
     .help = "GOMAXPROCS threads on one pthread_mutex; op = one pair",
     .fn = pr_pthread_contended},
    {.name = "sleep_20us",
     .help = "grt_sleep(20 us); op = one sleep (late_ns: past the deadline)",
     .fn = pr_sleep,
     .go = "Sleep20us"},
    {.name = "nanosleep_20us",
     .help = "nanosleep(20 us) on the thread; op = one sleep",
     .fn = pr_nanosleep},
};

static const hx_param pr_params[] = {
    {.name = "threads",
     .unit = "threads",
     .help = "harness threads driving the run (goroutines run on the "
             "runtime's own threads, GOMAXPROCS of them)",
     .min = 1,
     .max = 1,
     .flags = HX_PARAM_THREADS,
     .def = "1",
     .quick_def = "1"},
};

static const hx_metric_decl pr_metrics[] = {
    {"switches_per_op", "switches", "goroutine switches per op",
     .source = "rt:switches"},
    {"late_ns", "ns", "sleep: mean time past the deadline", NULL, 0},
};

static const char *const pr_events[] = {"task-clock", "context-switches",
                                        "cpu-migrations", NULL};

static const hx_claim pr_claims[] = {
    {"thread_pingpong", "gosched_pingpong", 5.0, NULL, HX_AT_MIN},
    {"thread_spawn", "spawn_exit", 5.0, NULL, HX_AT_MIN},
};

/* Each op's cost, and the two ratios the claims judge. */
static const hx_headline pr_headlines[] = {
    {"switch_ratio", "OS-thread handoff / goroutine switch", "x",
     "ratio of medians, 'thread_pingpong' over 'gosched_pingpong' (first "
     "claim)",
     HX_HEAD_CLAIM, 0, NULL, 0},
    {"spawn_ratio", "pthread create+join / goroutine spawn+exit", "x",
     "ratio of medians, 'thread_spawn' over 'spawn_exit' (second claim)",
     HX_HEAD_CLAIM, 1, NULL, 0},
    {"gosched_pingpong_ns", "gosched_pingpong", "ns", "median of 'gosched_pingpong' at 1 thread", HX_HEAD_MEDIAN, 0, "gosched_pingpong", HX_AT_MIN},
    {"thread_pingpong_ns", "thread_pingpong", "ns", "median of 'thread_pingpong' at 1 thread", HX_HEAD_MEDIAN, 0, "thread_pingpong", HX_AT_MIN},
    {"spawn_exit_ns", "spawn_exit", "ns", "median of 'spawn_exit' at 1 thread", HX_HEAD_MEDIAN, 0, "spawn_exit", HX_AT_MIN},
    {"thread_spawn_ns", "thread_spawn", "ns", "median of 'thread_spawn' at 1 thread", HX_HEAD_MEDIAN, 0, "thread_spawn", HX_AT_MIN},
    {"mutex_uncontended_ns", "mutex_uncontended", "ns", "median of 'mutex_uncontended' at 1 thread", HX_HEAD_MEDIAN, 0, "mutex_uncontended", HX_AT_MIN},
    {"pthread_uncontended_ns", "pthread_uncontended", "ns", "median of 'pthread_uncontended' at 1 thread", HX_HEAD_MEDIAN, 0, "pthread_uncontended", HX_AT_MIN},
    {"mutex_contended_ns", "mutex_contended", "ns", "median of 'mutex_contended' at 1 thread", HX_HEAD_MEDIAN, 0, "mutex_contended", HX_AT_MIN},
    {"pthread_contended_ns", "pthread_contended", "ns", "median of 'pthread_contended' at 1 thread", HX_HEAD_MEDIAN, 0, "pthread_contended", HX_AT_MIN},
    {"sleep_20us_ns", "sleep_20us", "ns", "median of 'sleep_20us' at 1 thread", HX_HEAD_MEDIAN, 0, "sleep_20us", HX_AT_MIN},
    {"nanosleep_20us_ns", "nanosleep_20us", "ns", "median of 'nanosleep_20us' at 1 thread", HX_HEAD_MEDIAN, 0, "nanosleep_20us", HX_AT_MIN},
};

const hx_experiment hx_exp_primitives = {
    .name = "primitives",
    .runtime = true,
    .summary = "runtime primitives: goroutine switch, spawn, mutex, sleep "
               "vs their OS-thread counterparts",
    .hypothesis =
        "A goroutine switch is a register swap in user space: well under\n"
        "Go's ~80 ns Gosched (target 20 ns) and at least 5x cheaper than\n"
        "two OS threads handing over through a futex. Spawning a goroutine\n"
        "reuses a cached stack: under 100 ns with its exit (Go: 0.7-1.9 us),\n"
        "at least 5x cheaper than pthread_create+join. An uncontended mutex\n"
        "is one CAS and one add: <= 10 ns (Go ~13 ns).",
    .reading = "One point per variant (at 1 thread), ns per op (see each "
               "variant's op); read each runtime variant against its "
               "OS-thread partner. "
               "late_ns says how late sleepers woke.",
    .homework =
        "1. Run gosched_pingpong with GODEBUG=schedtrace=100: which P runs\n"
        "   the pair, and why does the other stay idle?\n"
        "2. Why is spawn_exit so cheap? Look at stack_cache_hits in\n"
        "   grt_stats and at what a new stack costs the first time.\n"
        "3. mutex_contended vs pthread_contended: where does each spend\n"
        "   its time when the lock is held? (spinning, parking, futex)\n"
        "4. Compare with Go: scripts/gobench.sh. Which of Go's costs come\n"
        "   from the global run queue and the g0 switch?",
    .variants = pr_variants,
    .nvariants = HX_COUNT(pr_variants),
    .params = pr_params,
    .nparams = HX_COUNT(pr_params),
    .metrics = pr_metrics,
    .nmetrics = HX_COUNT(pr_metrics),
    .op = "runtime op (see each variant)",
    .events = pr_events,
    .claims = pr_claims,
    .nclaims = HX_COUNT(pr_claims),
    .headlines = pr_headlines,
    .nheadlines = HX_COUNT(pr_headlines),
    .xparam = "threads",
    .source = &hx_rt_source,
};
