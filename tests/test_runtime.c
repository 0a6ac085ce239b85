/*
 * test_runtime.c - the scheduler, stacks and sync primitives, one test
 * each (ctest label: runtime).
 *
 * Every test runs as the main goroutine of its own grt_run(); CHECK records
 * a failure from any goroutine and the test goes on. A broken scheduler
 * usually shows as a hang, which ctest's timeout turns into a failure.
 * Fatal cases (deadlock, stack overflow, sync misuse) run in a child: the
 * executable re-executes itself with "--fatal NAME" and the parent asserts
 * exit status 2 and Go's message on stderr. No test asserts a timing: the
 * machine is shared; only orderings and counts that the design guarantees
 * are checked.
 *
 * Closing line: "N passed, M failed".
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grt.h"
#include "grt_internal.h"

/* after grt.h: check.h then declares stats_now() */
#include "check.h"

/* ---- goroutines, ordering, park/ready ------------------------------------ */

static void set_flag(void *arg) {
    atomic_store((_Atomic int *)arg, 1);
}

static void t_gosched_lets_others_run(void *arg) {
    (void)arg;
    _Atomic int flag = 0;
    grt_go(set_flag, &flag);
    while (!atomic_load(&flag))
        grt_gosched();
    CHECK(atomic_load(&flag) == 1);
}

typedef struct parker {
    grt_lock lock;
    grt_g *waiter; /* lock */
    int value;     /* lock */
} parker;

static bool unlock_parker(grt_g *g, void *arg) {
    parker *p = arg;
    p->waiter = g;
    grt_lock_release(&p->lock);
    return true;
}

static void wake_parker(void *arg) {
    parker *p = arg;
    for (;;) {
        grt_lock_acquire(&p->lock);
        grt_g *w = p->waiter;
        if (w != NULL) {
            p->waiter = NULL;
            p->value = 42;
            grt_lock_release(&p->lock);
            grt_ready(w);
            return;
        }
        grt_lock_release(&p->lock);
        grt_gosched();
    }
}

static bool refuse_park(grt_g *g, void *arg) {
    (void)g;
    (void)arg;
    return false;
}

static void t_park_ready(void *arg) {
    (void)arg;
    for (int i = 0; i < 200; i++) {
        parker p = {.lock = GRT_LOCK_INIT};
        grt_go(wake_parker, &p);
        grt_lock_acquire(&p.lock);
        grt_park(GRT_WAIT_USER, unlock_parker, &p);
        CHECK(p.value == 42);
    }
    /* unlockf returning false resumes the goroutine at once. */
    grt_park(GRT_WAIT_USER, refuse_park, NULL);
    grt_stats s = stats_now();
    CHECK(s.parks_by_reason[GRT_WAIT_USER] >= 201);
}

static void check_goid(void *arg) {
    grt_waitgroup *wg = arg;
    uint64_t id = grt_goid_self();
    for (int i = 0; i < 20; i++) {
        if (i % 3 == 0)
            grt_sleep(1000);
        else
            grt_gosched();
        CHECK(grt_goid_self() == id); /* curg from the stack, any thread */
    }
    grt_waitgroup_done(wg);
}

static void t_curg_survives_migration(void *arg) {
    (void)arg;
    grt_waitgroup wg = GRT_WAITGROUP_INIT;
    grt_waitgroup_add(&wg, 50);
    for (int i = 0; i < 50; i++)
        grt_go(check_goid, &wg);
    grt_waitgroup_wait(&wg);
    CHECK(grt_goid_self() != 0);
}

/* ---- sync ----------------------------------------------------------------- */

typedef struct adder {
    grt_waitgroup *wg;
    _Atomic long *sum;
    long v;
} adder;

static void add_and_done(void *arg) {
    adder *a = arg;
    atomic_fetch_add(a->sum, a->v);
    grt_waitgroup_done(a->wg);
}

static void t_waitgroup(void *arg) {
    (void)arg;
    enum { N = 2000 };
    static adder a[N];
    grt_waitgroup wg = GRT_WAITGROUP_INIT;
    _Atomic long sum = 0;
    grt_waitgroup_add(&wg, N);
    for (int i = 0; i < N; i++) {
        a[i] = (adder){&wg, &sum, i};
        grt_go(add_and_done, &a[i]);
    }
    grt_waitgroup_wait(&wg);
    CHECK(atomic_load(&sum) == (long)N * (N - 1) / 2);
    grt_waitgroup_wait(&wg); /* zero counter: returns at once */
}

static _Atomic int once_runs;
static _Atomic int once_value;

static void once_fn(void *arg) {
    (void)arg;
    atomic_fetch_add(&once_runs, 1);
    grt_sleep(100000); /* others must wait for us */
    atomic_store(&once_value, 7);
}

typedef struct once_job {
    grt_once *o;
    grt_waitgroup *wg;
} once_job;

static void call_once(void *arg) {
    once_job *j = arg;
    grt_once_do(j->o, once_fn, NULL);
    CHECK(atomic_load(&once_value) == 7);
    grt_waitgroup_done(j->wg);
}

static void t_once(void *arg) {
    (void)arg;
    grt_once o = GRT_ONCE_INIT;
    grt_waitgroup wg = GRT_WAITGROUP_INIT;
    once_job j = {&o, &wg};
    grt_waitgroup_add(&wg, 64);
    for (int i = 0; i < 64; i++)
        grt_go(call_once, &j);
    grt_waitgroup_wait(&wg);
    CHECK(atomic_load(&once_runs) == 1);
}

typedef struct mutex_job {
    grt_mutex *m;
    grt_waitgroup *wg;
    long *counter;       /* guarded by m, deliberately not atomic */
    _Atomic int *inside; /* goroutines inside the critical section */
    int iters;
} mutex_job;

static void mutex_worker(void *arg) {
    mutex_job *j = arg;
    for (int i = 0; i < j->iters; i++) {
        grt_mutex_lock(j->m);
        CHECK(atomic_fetch_add(j->inside, 1) == 0);
        long c = *j->counter;
        if (i % 16 == 0)
            grt_gosched(); /* hold the lock across a switch */
        *j->counter = c + 1;
        atomic_fetch_sub(j->inside, 1);
        grt_mutex_unlock(j->m);
    }
    grt_waitgroup_done(j->wg);
}

static void t_mutex_exclusion(void *arg) {
    (void)arg;
    enum { G = 64, ITERS = 2000 };
    grt_mutex m = GRT_MUTEX_INIT;
    grt_waitgroup wg = GRT_WAITGROUP_INIT;
    long counter = 0;
    _Atomic int inside = 0;
    mutex_job j = {&m, &wg, &counter, &inside, ITERS};
    grt_waitgroup_add(&wg, G);
    for (int i = 0; i < G; i++)
        grt_go(mutex_worker, &j);
    grt_waitgroup_wait(&wg);
    CHECK(counter == (long)G * ITERS);

    /* Contention parks the waiter. Whether the storm above ever parks
     * depends on scheduling (a spin may win), so force it: hold the lock
     * across a 5 ms sleep, far past any spin, while another goroutine
     * asks for it. */
    grt_stats before = stats_now();
    grt_mutex_lock(&m);
    grt_waitgroup_add(&wg, 1);
    mutex_job one = {&m, &wg, &counter, &inside, 1};
    grt_go(mutex_worker, &one);
    /* On a loaded machine the waiter may not even start within 5 ms:
     * keep holding the lock (up to 1 s) until it has parked on it. */
    for (int k = 0; k < 200 && stats_now().mutex_sleeps == before.mutex_sleeps;
         k++)
        grt_sleep(5000000);
    grt_mutex_unlock(&m);
    grt_waitgroup_wait(&wg);
    grt_stats after = stats_now();
    CHECK(counter == (long)G * ITERS + 1);
    CHECK(after.mutex_sleeps > before.mutex_sleeps); /* contention parked */
    CHECK(grt_mutex_trylock(&m));
    CHECK(!grt_mutex_trylock(&m));
    grt_mutex_unlock(&m);
}

static void starve_holder(void *arg) {
    mutex_job *j = arg;
    for (int i = 0; i < 5; i++) {
        grt_mutex_lock(j->m);
        grt_sleep(2000000); /* waiters wait > 1 ms: starvation mode */
        (*j->counter)++;
        grt_mutex_unlock(j->m);
    }
    grt_waitgroup_done(j->wg);
}

static void t_mutex_starvation(void *arg) {
    (void)arg;
    grt_mutex m = GRT_MUTEX_INIT;
    grt_waitgroup wg = GRT_WAITGROUP_INIT;
    long counter = 0;
    _Atomic int inside = 0;
    mutex_job j = {&m, &wg, &counter, &inside, 20};
    grt_waitgroup_add(&wg, 4);
    grt_go(starve_holder, &j);
    for (int i = 0; i < 3; i++)
        grt_go(mutex_worker, &j);
    grt_waitgroup_wait(&wg);
    CHECK(counter == 5 + 3 * 20);
    CHECK(atomic_load(&m.state) == 0); /* normal mode, unlocked, no waiters */
}

typedef struct rw_job {
    grt_rwmutex *rw;
    grt_waitgroup *wg;
    _Atomic int *readers, *writers;
    long *value;
} rw_job;

static void rw_reader(void *arg) {
    rw_job *j = arg;
    for (int i = 0; i < 500; i++) {
        grt_rwmutex_rlock(j->rw);
        atomic_fetch_add(j->readers, 1);
        CHECK(atomic_load(j->writers) == 0);
        if (i % 8 == 0)
            grt_gosched();
        atomic_fetch_sub(j->readers, 1);
        grt_rwmutex_runlock(j->rw);
    }
    grt_waitgroup_done(j->wg);
}

static void rw_writer(void *arg) {
    rw_job *j = arg;
    for (int i = 0; i < 200; i++) {
        grt_rwmutex_lock(j->rw);
        CHECK(atomic_fetch_add(j->writers, 1) == 0);
        CHECK(atomic_load(j->readers) == 0);
        (*j->value)++;
        atomic_fetch_sub(j->writers, 1);
        grt_rwmutex_unlock(j->rw);
        if (i % 4 == 0)
            grt_gosched();
    }
    grt_waitgroup_done(j->wg);
}

static void t_rwmutex(void *arg) {
    (void)arg;
    grt_rwmutex rw = GRT_RWMUTEX_INIT;
    grt_waitgroup wg = GRT_WAITGROUP_INIT;
    _Atomic int readers = 0, writers = 0;
    long value = 0;
    rw_job j = {&rw, &wg, &readers, &writers, &value};
    grt_waitgroup_add(&wg, 12);
    for (int i = 0; i < 8; i++)
        grt_go(rw_reader, &j);
    for (int i = 0; i < 4; i++)
        grt_go(rw_writer, &j);
    grt_waitgroup_wait(&wg);
    CHECK(value == 4 * 200);
}

/* ---- timers, sleep, netpoll, syscalls -------------------------------------- */

typedef struct order_rec {
    grt_lock lock;
    int n;        /* lock */
    int seen[16]; /* lock */
} order_rec;

static order_rec tord = {.lock = GRT_LOCK_INIT};

static void record_timer(void *arg, uint64_t now) {
    (void)now;
    grt_lock_acquire(&tord.lock);
    tord.seen[tord.n++] = (int)(intptr_t)arg;
    grt_lock_release(&tord.lock);
}

static void t_timer_order(void *arg) {
    (void)arg;
    grt_timer t[8];
    uint64_t base = grt_nanotime() + 2000000;
    /* Started out of order; deadlines 0.5 ms apart. */
    static const int perm[8] = {5, 1, 7, 0, 3, 6, 2, 4};
    for (int i = 0; i < 8; i++) {
        int k = perm[i];
        t[k] = (grt_timer){.when = base + (uint64_t)k * 500000,
                           .f = record_timer,
                           .arg = (void *)(intptr_t)k,
                           .heap_index = -1};
        grt_timer_start(&t[k]);
    }
    grt_timer extra = {.when = base + 1000000000ull,
                       .f = record_timer,
                       .arg = (void *)(intptr_t)99,
                       .heap_index = -1};
    grt_timer_start(&extra);
    CHECK(grt_timer_stop(&extra));
    CHECK(!grt_timer_stop(&extra));
    grt_sleep(8000000);
    for (;;) {
        grt_lock_acquire(&tord.lock);
        int n = tord.n;
        grt_lock_release(&tord.lock);
        if (n == 8)
            break;
        grt_sleep(1000000);
    }
    for (int i = 0; i < 8; i++)
        CHECK(tord.seen[i] == i);
    for (int i = 0; i < 8; i++)
        CHECK(!grt_timer_stop(&t[i]));
}

typedef struct sleeper {
    uint64_t ns;
    grt_waitgroup *wg;
} sleeper;

static void do_sleep(void *arg) {
    sleeper *s = arg;
    uint64_t t0 = grt_nanotime();
    grt_sleep(s->ns);
    CHECK(grt_nanotime() - t0 >= s->ns); /* never early */
    grt_waitgroup_done(s->wg);
}

static void t_sleep(void *arg) {
    (void)arg;
    grt_waitgroup wg = GRT_WAITGROUP_INIT;
    sleeper s[20];
    grt_waitgroup_add(&wg, 20);
    for (int i = 0; i < 20; i++) {
        s[i] = (sleeper){(uint64_t)(20 - i) * 300000, &wg};
        grt_go(do_sleep, &s[i]);
    }
    grt_waitgroup_wait(&wg);
    grt_stats st = stats_now();
    CHECK(st.parks_by_reason[GRT_WAIT_SLEEP] >= 20);
}

typedef struct pipe_job {
    int fd;
    int revents;
    char got;
    grt_waitgroup *wg;
} pipe_job;

static void pipe_reader(void *arg) {
    pipe_job *j = arg;
    j->revents = grt_netpoll_wait(j->fd, GRT_POLL_READ);
    if (j->revents > 0 && read(j->fd, &j->got, 1) != 1)
        j->got = 0;
    grt_waitgroup_done(j->wg);
}

static void t_netpoll_pipe(void *arg) {
    (void)arg;
    int p[2];
    CHECK(pipe(p) == 0);
    grt_waitgroup wg = GRT_WAITGROUP_INIT;
    pipe_job j = {.fd = p[0], .wg = &wg};
    grt_waitgroup_add(&wg, 1);
    grt_go(pipe_reader, &j);
    grt_sleep(2000000); /* the reader is parked in IO wait meanwhile */
    CHECK(j.revents == 0);
    CHECK(write(p[1], "x", 1) == 1);
    grt_waitgroup_wait(&wg);
    CHECK(j.revents & GRT_POLL_READ);
    CHECK(j.got == 'x');
    /* Already readable: returns without waiting for anything else. */
    CHECK(write(p[1], "y", 1) == 1);
    CHECK(grt_netpoll_wait(p[0], GRT_POLL_READ) & GRT_POLL_READ);
    char c;
    CHECK(read(p[0], &c, 1) == 1 && c == 'y');
    CHECK(grt_netpoll_wait(-1, GRT_POLL_READ) < 0);
    close(p[0]);
    close(p[1]);
    CHECK(stats_now().netpoll_ready >= 2);
}

static void blocking_reader(void *arg) {
    pipe_job *j = arg;
    grt_enter_syscall();
    ssize_t r = read(j->fd, &j->got, 1); /* blocks the thread */
    grt_exit_syscall();
    CHECK(r == 1);
    grt_waitgroup_done(j->wg);
}

/* With one P, main can only run while the reader blocks if the monitor
 * hands the P off: without the handoff this test hangs. */
static void t_syscall_handoff(void *arg) {
    (void)arg;
    int p[2];
    CHECK(pipe(p) == 0);
    grt_waitgroup wg = GRT_WAITGROUP_INIT;
    pipe_job j = {.fd = p[0], .wg = &wg};
    uint64_t before = stats_now().syscall_handoffs;
    grt_waitgroup_add(&wg, 1);
    grt_go(blocking_reader, &j);
    grt_gosched();
    while (stats_now().syscall_handoffs == before)
        grt_sleep(1000000);
    CHECK(write(p[1], "z", 1) == 1);
    grt_waitgroup_wait(&wg);
    CHECK(j.got == 'z');
    close(p[0]);
    close(p[1]);
}

/* ---- preemption, stealing --------------------------------------------------- */

static void spin_until(void *arg) {
    _Atomic int *stop = arg;
    while (!atomic_load(stop))
        GRT_SAFEPOINT();
}

/* One P: the spinner never yields by itself; the monitor must flag it. */
static void t_preemption(void *arg) {
    (void)arg;
    _Atomic int stop = 0;
    uint64_t before = stats_now().preemptions;
    grt_go(spin_until, &stop);
    grt_gosched(); /* the spinner runs now, and only preemption ends it */
    atomic_store(&stop, 1);
    CHECK(stats_now().preemptions > before);
}

typedef struct burn_job {
    grt_waitgroup *wg;
    _Atomic uint64_t *sink;
} burn_job;

static void burn(void *arg) {
    burn_job *j = arg;
    uint64_t x = 1;
    for (int i = 0; i < 200000; i++) {
        x = x * 6364136223846793005ull + 1;
        if (i % 1024 == 0)
            GRT_SAFEPOINT();
    }
    atomic_fetch_add(j->sink, x);
    grt_waitgroup_done(j->wg);
}

static void t_stealing(void *arg) {
    (void)arg;
    grt_waitgroup wg = GRT_WAITGROUP_INIT;
    _Atomic uint64_t sink = 0;
    burn_job j = {&wg, &sink};
    grt_stats before = stats_now();
    grt_waitgroup_add(&wg, 200);
    for (int i = 0; i < 200; i++)
        grt_go(burn, &j); /* all spawned on this P */
    grt_waitgroup_wait(&wg);
    grt_stats after = stats_now();
    CHECK(after.steal_successes > before.steal_successes);
    CHECK(after.steals_goroutines > before.steals_goroutines);
}

/* ---- stacks, stats ----------------------------------------------------------- */

static __attribute__((noinline)) int recurse(int depth) {
    volatile char frame[1024];
    frame[0] = (char)depth;
    if (depth == 0)
        return frame[0];
    return recurse(depth - 1) + frame[0];
}

typedef struct deep_job {
    grt_waitgroup ready; /* each goroutine has recursed */
    grt_waitgroup gate;  /* released by the test */
} deep_job;

static void deep(void *arg) {
    deep_job *j = arg;
    volatile int r = recurse(100); /* about 100 KiB of stack */
    (void)r;
    grt_waitgroup_done(&j->ready);
    grt_waitgroup_wait(&j->gate); /* all alive at once: the pool overflows */
}

static void t_stack_stats(void *arg) {
    (void)arg;
    enum { N = 80 };
    deep_job j = {GRT_WAITGROUP_INIT, GRT_WAITGROUP_INIT};
    grt_stats before = stats_now();
    grt_waitgroup_add(&j.gate, 1);
    grt_waitgroup_add(&j.ready, N);
    for (int i = 0; i < N; i++)
        grt_go(deep, &j);
    grt_waitgroup_wait(&j.ready);
    grt_stats mid = stats_now();
    if (getenv("GRT_TEST_VERBOSE"))
        fprintf(stderr, "hiwat %llu committed %llu reserved %llu inuse %llu\n",
                (unsigned long long)mid.stack_hiwat_bytes,
                (unsigned long long)mid.stack_committed_bytes,
                (unsigned long long)mid.stack_reserved_bytes,
                (unsigned long long)mid.stacks_in_use);
    CHECK(mid.stack_hiwat_bytes >= 100 * 1024);
    CHECK(mid.stack_committed_bytes >= (uint64_t)N * 100 * 1024);
    CHECK(mid.stack_reserved_bytes >= (uint64_t)N * 256 * 1024);
    CHECK(mid.stacks_in_use >= N);
    CHECK(mid.goroutines >= N + 1);
    grt_waitgroup_done(&j.gate);
    while (stats_now().goroutines > before.goroutines)
        grt_sleep(1000000);
    uint64_t returned = grt_stack_scavenge();
    grt_stats after = stats_now();
    CHECK(returned > 0); /* stacks beyond the P caches reached the pool */
    CHECK(after.stack_returned_bytes >= before.stack_returned_bytes + returned);
    CHECK(after.stack_committed_bytes < mid.stack_committed_bytes);
    CHECK(after.stack_allocs >= before.stack_allocs + N);
}

static void t_stats_counters(void *arg) {
    (void)arg;
    grt_stats s = stats_now();
    CHECK(s.gomaxprocs == grt_gomaxprocs());
    CHECK(s.goroutines_created >= s.goroutines_exited);
    CHECK(s.goroutines >= 1);
    CHECK(s.switches > 0);
    CHECK(s.threads >= 1);
    CHECK(strcmp(grt_stats_reason(GRT_WAIT_CHAN_RECV), "chan receive") == 0);
    CHECK(strcmp(grt_stats_reason(GRT_WAIT_SELECT_NO_CASES),
                 "select (no cases)") == 0);
}

/* ---- grt_run from several threads ----------------------------------------- */

static void tiny(void *arg) {
    atomic_fetch_add((_Atomic int *)arg, 1);
}

static void *run_many(void *arg) {
    for (int i = 0; i < 200; i++)
        grt_run(tiny, arg);
    return NULL;
}

static int t_run_threads(void) {
    _Atomic int n = 0;
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, run_many, &n);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    CHECK(atomic_load(&n) == 600);
    return 0;
}

/* ---- fatal cases, in a child ------------------------------------------------ */

static void block_forever_on_mutex(void *arg) {
    grt_mutex_lock(arg);
}

static void f_deadlock(void *arg) {
    (void)arg;
    static grt_mutex m = GRT_MUTEX_INIT;
    grt_waitgroup wg = GRT_WAITGROUP_INIT;
    grt_mutex_lock(&m);
    grt_go(block_forever_on_mutex, &m);
    grt_waitgroup_add(&wg, 1);
    grt_waitgroup_wait(&wg);
}

static __attribute__((noinline)) int overflow_rec(int d) {
    volatile char frame[512];
    frame[0] = (char)d;
    grt_gosched(); /* every switch checks the stack */
    if (d == -1)   /* never: keeps the recursion finite to the compiler */
        return 0;
    return overflow_rec(d + 1) + frame[0];
}

static void overflow_g(void *arg) {
    (void)arg;
    overflow_rec(0);
}

static void f_stack_overflow(void *arg) {
    (void)arg;
    grt_go_stack(overflow_g, NULL, 64 * 1024);
    for (;;)
        grt_gosched();
}

static void f_negative_wg(void *arg) {
    (void)arg;
    grt_waitgroup wg = GRT_WAITGROUP_INIT;
    grt_waitgroup_done(&wg);
}

static void f_unlock_unlocked(void *arg) {
    (void)arg;
    grt_mutex m = GRT_MUTEX_INIT;
    grt_mutex_unlock(&m);
}

static const struct fatal_case {
    const char *name;
    void (*fn)(void *);
    const char *expect[3];
} fatal_cases[] = {
    {"deadlock",
     f_deadlock,
     {"fatal error: all goroutines are asleep - deadlock!",
      "[sync.WaitGroup.Wait]:", "[sync.Mutex.Lock]:"}},
    {"stack_overflow",
     f_stack_overflow,
     {"fatal error: stack overflow in goroutine", NULL, NULL}},
    {"negative_wg",
     f_negative_wg,
     {"panic: sync: negative WaitGroup counter", "goroutine ", NULL}},
    {"unlock_unlocked",
     f_unlock_unlocked,
     {"fatal error: sync: unlock of unlocked mutex", NULL, NULL}},
};

static const char *self_path;

static void run_fatal(const struct fatal_case *fc) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' --fatal %s 2>&1", self_path, fc->name);
    FILE *f = popen(cmd, "r");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    static char out[1 << 16];
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = 0;
    int st = pclose(f);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    for (int i = 0; i < 3; i++)
        if (fc->expect[i] != NULL && strstr(out, fc->expect[i]) == NULL) {
            CHECK_FAIL("missing \"%s\" in:\n%s", fc->expect[i], out);
        }
}

/* ---- driver ------------------------------------------------------------------ */

static const struct test {
    const char *name;
    void (*fn)(void *);
    int procs; /* GOMAXPROCS for this test; 0: default */
} tests[] = {
    {"gosched_lets_others_run", t_gosched_lets_others_run, 0},
    {"park_ready", t_park_ready, 0},
    {"curg_survives_migration", t_curg_survives_migration, 0},
    {"waitgroup", t_waitgroup, 0},
    {"once", t_once, 0},
    {"mutex_exclusion", t_mutex_exclusion, 0},
    {"mutex_exclusion_4p", t_mutex_exclusion, 4},
    {"mutex_starvation", t_mutex_starvation, 0},
    {"rwmutex", t_rwmutex, 0},
    {"timer_order", t_timer_order, 0},
    {"sleep", t_sleep, 0},
    {"netpoll_pipe", t_netpoll_pipe, 0},
    {"syscall_handoff", t_syscall_handoff, 1},
    {"preemption", t_preemption, 1},
    {"stealing", t_stealing, 2},
    {"stack_stats", t_stack_stats, 0},
    {"stats_counters", t_stats_counters, 0},
};

int main(int argc, char **argv) {
    self_path = argv[0];
    if (argc == 3 && strcmp(argv[1], "--fatal") == 0) {
        for (size_t i = 0; i < sizeof fatal_cases / sizeof *fatal_cases; i++)
            if (strcmp(argv[2], fatal_cases[i].name) == 0) {
                grt_run(fatal_cases[i].fn, NULL);
                fprintf(stderr, "fatal case returned\n");
                return 0;
            }
        return 1;
    }
    int defprocs = grt_gomaxprocs();
    for (size_t i = 0; i < sizeof tests / sizeof *tests; i++) {
        int f0 = hx_check_failures();
        grt_setmaxprocs(tests[i].procs ? tests[i].procs : defprocs);
        grt_run(tests[i].fn, NULL);
        hx_check_case(hx_check_failures() == f0, "%s", tests[i].name);
    }
    grt_setmaxprocs(defprocs);
    int f0 = hx_check_failures();
    t_run_threads();
    hx_check_case(hx_check_failures() == f0, "run_from_threads");
    for (size_t i = 0; i < sizeof fatal_cases / sizeof *fatal_cases; i++) {
        f0 = hx_check_failures();
        run_fatal(&fatal_cases[i]);
        hx_check_case(hx_check_failures() == f0, "fatal_%s",
                      fatal_cases[i].name);
    }
    return hx_check_done();
}
