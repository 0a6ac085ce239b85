/*
 * sched.c - how many workers: CPU-bound work peaks at the core count,
 * blocking work keeps gaining past it; goroutines vs OS threads, and a
 * goroutine switch vs an OS thread switch.
 *
 * The job. N tasks in a shared pool; W workers take tasks one at a time
 * (an atomic counter) until the pool is empty. W is `wpc` workers per
 * core times the cores the runtime runs on (GOMAXPROCS, the CPUs by
 * default), at least 1: 0.25 .. 16 workers per core. One op is one task;
 * ns_per_op is the wall time of the whole job over N, and tasks_per_ms
 * (what the plot shows) its inverse: throughput.
 *
 *   cpu          a cache-resident computation of a few microseconds
 *                (a multiply-xorshift chain in registers: no memory traffic
 *                that more workers could fight over)
 *   sleep        a 1 ms sleep (grt_sleep: the goroutine parks on the
 *                timer heap, its thread runs other goroutines meanwhile)
 *   pipe         a request-response over a socketpair with a 1 ms server:
 *                the worker writes a byte and waits in the netpoller; an
 *                echo goroutine (one per worker), also parked in the
 *                netpoller, reads it, sleeps 1 ms ("the device"), answers
 *   thread_cpu, thread_sleep, thread_pipe   the same with W OS threads
 *                (nanosleep; blocking read/write; echo threads)
 *   gswitch      two goroutines alternating with grt_gosched on one P
 *                [op: one switch]
 *   tswitch      two OS threads alternating through a futex [op: one
 *                switch]
 *   go:...       the same in Go (scripts/gobench/sched_exp_test.go)
 *
 * Mechanism. CPU-bound work is limited by the cores: W workers finish
 * W tasks per task time while W <= cores, and no faster past it, since the
 * extra workers only wait for a core (goroutines in a run queue; threads
 * time-shared by the kernel, which adds context switches and cache
 * refills). Blocking work is limited by the waits: a sleeping or
 * I/O-waiting worker holds no core, so W workers complete about W tasks
 * per millisecond until the CPU cost of parking, waking and polling fills
 * the cores: far past one worker per core. On goroutines a park is a
 * register switch and the timer heap and netpoller wake them in batches;
 * each OS thread sleep is a kernel context switch and a futex or hrtimer
 * wake-up, and each thread has a kernel stack and scheduling entity.
 *
 * Reading the plot. x: workers per core (log); y: tasks per ms (log).
 * cpu lines rise until 1 worker per core and flatten; sleep and pipe lines
 * keep rising (doubling with the workers) to 16 per core. The switch
 * variants are single points (they do not vary with workers): compare
 * their ns per op in the table. go: lines are Go measured in the same run;
 * Go 1.19 rounds timer sleeps up to whole milliseconds on Linux, which
 * shows in its sleep and pipe lines.
 *
 * Pitfalls handled. Threads and goroutines are started inside the timing
 * (it is part of what a worker costs: about 10-30 us per thread, 0.2 us
 * per goroutine), and so are the pipe variants' socketpairs, but a
 * repetition lasts at least the harness's minimum time (50 ms: 50 rounds
 * of 1 ms sleeps), so starting is a small share. Entering the runtime is
 * not a worker's cost: the goroutine variants are timed from inside it
 * (rtrun.c), and the switch variants' partner is spawned before the clock;
 * the compute result escapes through hx_keep; every task is counted, and a
 * repetition whose count is off fails.
 */
#include <errno.h>
#include <linux/futex.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "grt.h"
#include "hx.h"
#include "rtrun.h"
#include "rtsource.h"

#define SC_CPU_ITERS   1500     /* multiply-xorshift steps per cpu task */
#define SC_BLOCK_NS    1000000u /* 1 ms: the sleep, the echo's latency */
#define SC_MAX_WORKERS 4096

enum sc_kind { SC_CPU = 0, SC_SLEEP = 1, SC_PIPE = 2 };

/* The cpu task: a dependent chain in registers (the same in the Go twin). */
static uint64_t sc_compute(uint64_t x) {
    for (int i = 0; i < SC_CPU_ITERS; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        x ^= x >> 29;
    }
    return x;
}

/* W = wpc x GOMAXPROCS, rounded, at least 1. */
static int sc_workers(hx_state *st) {
    double w = hx_sparamf(st, "wpc") * (double)grt_gomaxprocs();
    long n = lround(w);
    if (n < 1)
        n = 1;
    if (n > SC_MAX_WORKERS)
        n = SC_MAX_WORKERS;
    return (int)n;
}

static void sc_report(hx_state *st, uint64_t tasks, double secs, int w) {
    if (secs > 0)
        hx_metric(st, "tasks_per_ms", (double)tasks / (secs * 1e3));
    hx_metric(st, "workers", w);
}

static double sc_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- goroutines ---------------------------------------------------------- */

typedef struct sc_job {
    _Atomic uint64_t next; /* the pool: tasks handed out */
    _Atomic uint64_t done;
    uint64_t n;
    int kind;
    int workers;
    grt_waitgroup wg;
    _Atomic uint64_t sink;
    int (*fds)[2]; /* pipe: per worker, [0] worker's end, [1] echo's */
    int err;
    int pipe_err; /* goroutines' pipe: socketpair's -errno */
} sc_job;

typedef struct sc_arg {
    sc_job *job;
    int i;
} sc_arg;

static int sc_recv1(int fd, bool poll) {
    char b;
    for (;;) {
        ssize_t r = read(fd, &b, 1);
        if (r == 1)
            return 1;
        if (r == 0)
            return 0; /* EOF */
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN || !poll)
            return -errno;
        int ev = grt_netpoll_wait(fd, GRT_POLL_READ);
        if (ev < 0)
            return ev;
    }
}

static void sc_echo(void *arg) {
    sc_arg *a = arg;
    int fd = a->job->fds[a->i][1];
    char b = 'r';
    while (sc_recv1(fd, true) == 1) {
        grt_sleep(SC_BLOCK_NS);
        if (write(fd, &b, 1) != 1)
            a->job->err = errno;
    }
    grt_waitgroup_done(&a->job->wg);
}

static void sc_worker(void *arg) {
    sc_arg *a = arg;
    sc_job *j = a->job;
    uint64_t acc = (uint64_t)a->i, mine = 0;
    for (uint64_t t; (t = atomic_fetch_add(&j->next, 1)) < j->n; mine++) {
        switch (j->kind) {
        case SC_CPU:
            acc = sc_compute(acc + t);
            GRT_SAFEPOINT();
            break;
        case SC_SLEEP:
            grt_sleep(SC_BLOCK_NS);
            break;
        default: {
            char b = 'q';
            int fd = j->fds[a->i][0];
            if (write(fd, &b, 1) != 1 || sc_recv1(fd, true) != 1)
                j->err = EIO;
        }
        }
    }
    atomic_fetch_add(&j->sink, acc);
    atomic_fetch_add(&j->done, mine);
    if (j->kind == SC_PIPE)
        shutdown(j->fds[a->i][0], SHUT_WR); /* the echo reads EOF */
    grt_waitgroup_done(&j->wg);
}

static int sc_pipes(int (**fds)[2], int w, bool nonblock);

/* The socketpairs are made here, inside the timing, as the threads' are. */
static void sc_main(void *arg) {
    sc_job *j = arg;
    if (j->kind == SC_PIPE &&
        (j->pipe_err = sc_pipes(&j->fds, j->workers, true)) != 0)
        return;
    sc_arg *a = calloc((size_t)j->workers, sizeof *a);
    if (!a) {
        j->err = ENOMEM;
        return;
    }
    int echo = j->kind == SC_PIPE ? j->workers : 0;
    grt_waitgroup_add(&j->wg, j->workers + echo);
    for (int i = 0; i < j->workers; i++) {
        a[i] = (sc_arg){j, i};
        if (echo)
            grt_go(sc_echo, &a[i]);
        grt_go(sc_worker, &a[i]);
    }
    grt_waitgroup_wait(&j->wg);
    free(a);
}

static int sc_pipes(int (**fds)[2], int w, bool nonblock) {
    *fds = calloc((size_t)w, sizeof **fds);
    if (!*fds)
        return -ENOMEM;
    for (int i = 0; i < w; i++)
        if (socketpair(AF_UNIX, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0,
                       (*fds)[i]) != 0) {
            int e = -errno;
            for (int k = 0; k < i; k++) {
                close((*fds)[k][0]);
                close((*fds)[k][1]);
            }
            free(*fds);
            *fds = NULL;
            return e;
        }
    return 0;
}

static void sc_close_pipes(int (*fds)[2], int w) {
    for (int i = 0; fds && i < w; i++) {
        close(fds[i][0]);
        close(fds[i][1]);
    }
    free(fds);
}

static void sc_runtime(hx_state *st, int kind) {
    int w = sc_workers(st);
    hx_rt_rep rep = {0};
    for (uint64_t n; (n = hx_batch(st)) != 0;) {
        sc_job j = {.n = n, .kind = kind, .workers = w};
        hx_rt_run(st, &rep, sc_main, &j, n);
        sc_close_pipes(j.fds, w);
        if (j.pipe_err) {
            char why[128];
            snprintf(why, sizeof why, "socketpair: %s", strerror(-j.pipe_err));
            hx_fail(st, why);
        } else if (j.err)
            hx_fail(st, "a task's I/O failed");
        if (atomic_load(&j.done) != n)
            hx_fail(st, "tasks lost: the pool's count is off");
        hx_keep(atomic_load(&j.sink));
    }
    hx_rt_report(st, &rep);
    if (rep.ops > 0)
        sc_report(st, rep.ops, rep.seconds, w);
}

static void sc_cpu(hx_state *st) {
    sc_runtime(st, SC_CPU);
}
static void sc_sleep(hx_state *st) {
    sc_runtime(st, SC_SLEEP);
}
static void sc_pipe(hx_state *st) {
    sc_runtime(st, SC_PIPE);
}

/* ---- OS threads ---------------------------------------------------------- */

static void sc_nanosleep(uint64_t ns) {
    struct timespec d = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    while (nanosleep(&d, &d) != 0 && errno == EINTR) {
    }
}

static void *sc_techo(void *arg) {
    sc_arg *a = arg;
    int fd = a->job->fds[a->i][1];
    char b = 'r';
    while (sc_recv1(fd, false) == 1) {
        sc_nanosleep(SC_BLOCK_NS);
        if (write(fd, &b, 1) != 1)
            a->job->err = errno;
    }
    return NULL;
}

static void *sc_tworker(void *arg) {
    sc_arg *a = arg;
    sc_job *j = a->job;
    uint64_t acc = (uint64_t)a->i, mine = 0;
    for (uint64_t t; (t = atomic_fetch_add(&j->next, 1)) < j->n; mine++) {
        if (j->kind == SC_CPU) {
            acc = sc_compute(acc + t);
        } else if (j->kind == SC_SLEEP) {
            sc_nanosleep(SC_BLOCK_NS);
        } else {
            char b = 'q';
            int fd = j->fds[a->i][0];
            if (write(fd, &b, 1) != 1 || sc_recv1(fd, false) != 1)
                j->err = EIO;
        }
    }
    atomic_fetch_add(&j->sink, acc);
    atomic_fetch_add(&j->done, mine);
    if (j->kind == SC_PIPE)
        shutdown(j->fds[a->i][0], SHUT_WR);
    return NULL;
}

static void sc_threads(hx_state *st, int kind) {
    int w = sc_workers(st);
    int echo = kind == SC_PIPE ? w : 0;
    pthread_t *th = calloc((size_t)(w + echo), sizeof *th);
    sc_arg *a = calloc((size_t)w, sizeof *a);
    if (!th || !a) {
        free(th);
        free(a);
        hx_fail(st, "out of memory");
        return;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024); /* like a goroutine's */
    uint64_t tasks = 0;
    double secs = 0;
    for (uint64_t n; (n = hx_batch(st)) != 0;) {
        double t0 = sc_now();
        sc_job j = {.n = n, .kind = kind, .workers = w};
        if (kind == SC_PIPE && sc_pipes(&j.fds, w, false) != 0) {
            hx_fail(st, "socketpair failed");
            continue;
        }
        int started = 0;
        for (int i = 0; i < w; i++) {
            a[i] = (sc_arg){&j, i};
            if (echo &&
                pthread_create(&th[started], &attr, sc_techo, &a[i]) == 0)
                started++;
            if (pthread_create(&th[started], &attr, sc_tworker, &a[i]) == 0)
                started++;
        }
        for (int i = 0; i < started; i++)
            pthread_join(th[i], NULL);
        sc_close_pipes(j.fds, w);
        if (started != w + echo)
            hx_fail(st, "pthread_create failed (too many threads?)");
        else if (j.err)
            hx_fail(st, "a task's I/O failed");
        else if (atomic_load(&j.done) != n)
            hx_fail(st, "tasks lost: the pool's count is off");
        hx_keep(atomic_load(&j.sink));
        secs += sc_now() - t0;
        tasks += n;
    }
    pthread_attr_destroy(&attr);
    free(th);
    free(a);
    sc_report(st, tasks, secs, w);
}

static void sc_thread_cpu(hx_state *st) {
    sc_threads(st, SC_CPU);
}
static void sc_thread_sleep(hx_state *st) {
    sc_threads(st, SC_SLEEP);
}
static void sc_thread_pipe(hx_state *st) {
    sc_threads(st, SC_PIPE);
}

/* ---- switches -------------------------------------------------------------- */

typedef struct sc_sw {
    uint64_t n;
    hx_rt_rep *rep;
    grt_waitgroup wg;
} sc_sw;

static void sc_yielder(void *arg) {
    sc_sw *s = arg;
    for (uint64_t i = 0; i < s->n / 2; i++)
        grt_gosched();
    grt_waitgroup_done(&s->wg);
}

static void sc_gswitch_main(void *arg) {
    sc_sw *s = arg;
    grt_waitgroup_add(&s->wg, 1);
    grt_go(sc_yielder, s);
    hx_rt_clock_start(s->rep); /* the partner's spawn is not a switch */
    for (uint64_t i = 0; i < s->n - s->n / 2; i++)
        grt_gosched();
    grt_waitgroup_wait(&s->wg);
}

static void sc_gswitch(hx_state *st) {
    int old = grt_setmaxprocs(1); /* both on one P: each gosched switches */
    hx_rt_rep rep = {0};
    for (uint64_t n; (n = hx_batch(st)) != 0;) {
        sc_sw s = {.n = n, .rep = &rep};
        hx_rt_run(st, &rep, sc_gswitch_main, &s, n);
    }
    grt_setmaxprocs(old);
    hx_rt_report(st, &rep);
}

typedef struct sc_turns {
    _Atomic uint32_t turn; /* parity says whose turn */
    uint64_t rounds;
} sc_turns;

static void sc_take_turns(sc_turns *t, uint32_t me, uint64_t rounds) {
    for (uint64_t i = 0; i < rounds; i++) {
        uint32_t v;
        while (((v = atomic_load(&t->turn)) & 1) != me)
            syscall(SYS_futex, (uint32_t *)&t->turn, FUTEX_WAIT_PRIVATE, v,
                    NULL, NULL, 0);
        atomic_store(&t->turn, v + 1);
        syscall(SYS_futex, (uint32_t *)&t->turn, FUTEX_WAKE_PRIVATE, 1, NULL,
                NULL, 0);
    }
}

static void *sc_tother(void *arg) {
    sc_turns *t = arg;
    sc_take_turns(t, 1, t->rounds);
    return NULL;
}

static void sc_tswitch(hx_state *st) {
    for (uint64_t n; (n = hx_batch(st)) != 0;) {
        sc_turns t = {.rounds = n / 2};
        pthread_t th;
        if (pthread_create(&th, NULL, sc_tother, &t) != 0) {
            hx_fail(st, "pthread_create failed");
            continue;
        }
        sc_take_turns(&t, 0, n - n / 2);
        pthread_join(th, NULL);
    }
}

/* ---- declaration ------------------------------------------------------------ */

static int sc_wpc_points(const hx_topo *t, bool quick, int64_t *out, int max) {
    (void)t;
    static const int64_t full[] = {25, 50, 100, 200, 400, 800, 1600};
    static const int64_t q[] = {100, 200, 800};
    const int64_t *src = quick ? q : full;
    int n = quick ? HX_COUNT(q) : HX_COUNT(full);
    for (int i = 0; i < n && i < max; i++)
        out[i] = src[i];
    return n < max ? n : max;
}

#define SC_NO_WPC HX_USES_NONE /* the switch variants: one point */

static const hx_variant sc_variants[] = {
    {.name = "cpu",
     .help = "W goroutines take cache-resident compute tasks (a few us)",
     .fn = sc_cpu,
     .go = "SchedCPU",
     .manual_time = true},
    {.name = "sleep",
     .help = "W goroutines take tasks that sleep 1 ms (timer heap)",
     .fn = sc_sleep,
     .go = "SchedSleep",
     .manual_time = true},
    {.name = "pipe",
     .help = "W goroutines do request/response with a 1 ms echo goroutine "
             "over a socketpair, waiting in the netpoller",
     .fn = sc_pipe,
     .go = "SchedPipe",
     .manual_time = true},
    {.name = "thread_cpu",
     .help = "the cpu tasks on W OS threads",
     .fn = sc_thread_cpu},
    {.name = "thread_sleep",
     .help = "the sleep tasks on W OS threads (nanosleep)",
     .fn = sc_thread_sleep},
    {.name = "thread_pipe",
     .help = "the pipe tasks on W OS threads, blocking read/write, echo "
             "threads",
     .fn = sc_thread_pipe},
    {.name = "gswitch",
     .help = "two goroutines alternating with grt_gosched on one P; op = one "
             "switch",
     .fn = sc_gswitch,
     .uses = SC_NO_WPC,
     .go = "GoschedPingPong",
     .manual_time = true},
    {.name = "tswitch",
     .help = "two OS threads alternating through a futex; op = one switch",
     .fn = sc_tswitch,
     .uses = SC_NO_WPC},
};

static const hx_param sc_params[] = {
    {.name = "wpc",
     .unit = "workers per core",
     .help = "workers per core: W = wpc x GOMAXPROCS (the CPUs), at least 1",
     .min = 25,
     .max = 1600,
     .scale = 100,
     .flags = HX_PARAM_LOG,
     .points = sc_wpc_points},
};

static const hx_metric_decl sc_metrics[] = {
    HX_RT_OPS_PER_REP,
    {"tasks_per_ms", "tasks/ms", "throughput: tasks completed per ms", NULL, 0},
    {"workers", "workers", "workers W at this point", NULL, 0},
    {"gswitch_per_task", "switches", "goroutine switches per task",
     .source = "rt:switches"},
    {"ctxsw_per_task", "switches",
     "OS context switches per task (whole process)", .source = "proc:ctxsw"},
    {"cpu_ns_per_task", "ns", "CPU time per task (all threads of the process)",
     .source = "proc:cpu_ns"},
};

static const hx_claim sc_claims[] = {
    /* a goroutine switch is a register swap, an OS thread switch goes
     * through the kernel */
    {.slow = "tswitch",
     .fast = "gswitch",
     .min_ratio = 5,
     .at_param = "wpc",
     .at_value = HX_AT_MIN},
    /* our runtime must not tilt the lesson: its switch at least as
     * cheap as Go's (within 5%) */
    {.slow = "go:gswitch",
     .fast = "gswitch",
     .min_ratio = 0.95,
     .at_param = "wpc",
     .at_value = HX_AT_MIN},
};

/* Throughput of a series at wpc (hundredths), or NAN. */
static double sc_tput(const hx_results *r, const char *s, int64_t wpc) {
    return hx_results_metric(r, s, wpc, "tasks_per_ms");
}

static void sc_verdict(const hx_results *r, hx_report *rep) {
    static const char *const series[] = {"cpu",   "thread_cpu",   "go:cpu",
                                         "sleep", "thread_sleep", "go:sleep",
                                         "pipe",  "thread_pipe",  "go:pipe"};
    hx_report_printf(rep, "throughput (tasks/ms) at 1, 2 and 8 workers per "
                          "core, and the gain from 1 to 8:\n");
    double gain[3] = {NAN, NAN, NAN}; /* cpu, sleep, pipe */
    for (size_t i = 0; i < sizeof series / sizeof *series; i++) {
        double a = sc_tput(r, series[i], 100), b = sc_tput(r, series[i], 200),
               c = sc_tput(r, series[i], 800);
        if (a != a)
            continue;
        hx_report_printf(rep, "  %-13s %9.2f %9.2f %9.2f   x%.2f\n", series[i],
                         a, b, c, c / a);
        if (i % 3 == 0)
            gain[i / 3] = c / a;
    }
    hx_report_headline(rep, "cpu_gain", gain[0]);
    hx_report_headline(rep, "sleep_gain", gain[1]);
    hx_report_headline(rep, "pipe_gain", gain[2]);
    /* our runtime's own lines are judged: cpu flat past one worker per
     * core (within 25%), blocking work gaining at least 3x */
    if (gain[0] != gain[0] || gain[1] != gain[1]) {
        hx_report_unsettled(rep, "scaling not judged: 1 and 8 workers per "
                                 "core not both measured");
        return;
    }
    hx_report_check(rep, gain[0] > 0.75 && gain[0] < 1.25,
                    "cpu throughput from 1 to 8 workers per core: x%.2f "
                    "(expected flat, 0.75..1.25)",
                    gain[0]);
    hx_report_check(rep, gain[1] >= 3,
                    "sleep throughput from 1 to 8 workers per core: x%.2f "
                    "(expected >= 3)",
                    gain[1]);
    if (gain[2] == gain[2])
        hx_report_check(rep, gain[2] >= 3,
                        "pipe throughput from 1 to 8 workers per core: x%.2f "
                        "(expected >= 3)",
                        gain[2]);
}

static const hx_headline sc_headlines[] = {
    {"cpu_gain", "cpu-bound throughput, 8 vs 1 workers per core", "x",
     "tasks_per_ms of 'cpu' at wpc=8 over wpc=1", HX_HEAD_REPORT, 0, NULL, 0},
    {"sleep_gain", "sleeping tasks' throughput, 8 vs 1 workers per core", "x",
     "tasks_per_ms of 'sleep' at wpc=8 over wpc=1", HX_HEAD_REPORT, 0, NULL, 0},
    {"pipe_gain", "netpoller I/O throughput, 8 vs 1 workers per core", "x",
     "tasks_per_ms of 'pipe' at wpc=8 over wpc=1", HX_HEAD_REPORT, 0, NULL, 0},
    {"thread_goroutine_switch", "OS thread switch / goroutine switch", "x",
     "ratio of medians, 'tswitch' over 'gswitch' (first claim)", HX_HEAD_CLAIM,
     0, NULL, 0},
    {"gswitch_ns", "goroutine switch, ns", "ns", "median of 'gswitch'",
     HX_HEAD_MEDIAN, 0, "gswitch", HX_AT_MIN},
};

const hx_experiment hx_exp_sched = {
    .name = "sched",
    .runtime = true,
    .summary = "workers per core: CPU-bound work peaks at the cores, "
               "blocking work keeps gaining; goroutines vs OS threads",
    .hypothesis =
        "CPU-bound, cache-resident tasks complete no faster with more\n"
        "workers than cores: throughput rises to one worker per core and\n"
        "stays flat (within 25%) to 8 per core. Tasks that block (a 1 ms\n"
        "sleep, a request to a 1 ms server through the netpoller) hold no\n"
        "core while they wait, so throughput keeps rising with the workers,\n"
        "at least 3x from 1 to 8 per core, on goroutines and on threads\n"
        "alike at these counts. A goroutine switch is at least 5x cheaper\n"
        "than an OS thread switch (a register swap against a kernel\n"
        "context switch), and ours no dearer than Go's.",
    .reading =
        "x: workers per core (log); y: tasks per ms (log), higher is better.\n"
        "cpu lines flatten at 1; sleep and pipe lines keep rising. The\n"
        "switch variants do not vary with workers: read their ns per op in\n"
        "the table. gswitch_per_task and ctxsw_per_task say where the waits\n"
        "went: goroutine switches or kernel context switches.",
    .homework =
        "1. Why does cpu not gain past 1 worker per core, and why does\n"
        "   thread_cpu sometimes lose a little (look at ctxsw_per_task)?\n"
        "2. At which workers per core would sleep stop gaining here? Work\n"
        "   it out from cpu_ns_per_task and the core count.\n"
        "3. Go's sleep and pipe lines: why is a 1 ms sleep in Go 1.19 often\n"
        "   2 ms? (Look at how its netpoller converts timeouts.)\n"
        "4. Run with GOMAXPROCS=1: which lines change, and why not the\n"
        "   blocking ones until many workers?\n"
        "5. How many OS threads would a server with 100k blocked clients\n"
        "   need on each model, and what does each one cost in memory?",
    .variants = sc_variants,
    .nvariants = HX_COUNT(sc_variants),
    .params = sc_params,
    .nparams = HX_COUNT(sc_params),
    .metrics = sc_metrics,
    .nmetrics = HX_COUNT(sc_metrics),
    .op = "task (switch, for the switch variants)",
    .events = (const char *const[]){"task-clock", NULL},
    .claims = sc_claims,
    .nclaims = HX_COUNT(sc_claims),
    .verdict = sc_verdict,
    .headlines = sc_headlines,
    .nheadlines = HX_COUNT(sc_headlines),
    .xparam = "wpc",
    .plot_flags = HX_PLOT_LOGY,
    .plot_metric = "tasks_per_ms",
    .source = &hx_rt_source,
};
