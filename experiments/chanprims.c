/*
 * chanprims.c - what a channel operation costs: goroutine handoff through
 * our runtime's channels against the same handoff between OS threads.
 *
 * Mechanism
 * ---------
 * An unbuffered send to a goroutine already blocked in a receive copies the
 * value straight into the receiver's destination and readies it into the
 * sender's P's runnext slot. The sender then blocks on the reply channel,
 * the scheduler picks runnext at once, and the pair ping-pongs on one P:
 * per handoff, two short channel critical sections (a lock each) and one
 * user-space context switch of a few registers. No system call, no other
 * thread, no idle P woken. Between OS threads the same handoff through a
 * mutex and a condition variable needs a futex wake, a futex wait and a
 * kernel context switch: microseconds instead of tens of nanoseconds.
 *
 * A buffered send followed by a receive on the same goroutine never
 * blocks: two lock/unlock pairs and two copies into and out of the ring.
 * A select pays for building a random poll order and, when no case can run
 * at once, for locking every channel; our select first tries each case
 * alone in random order (one lock), Go's always locks all of them.
 *
 * Variants (one op in brackets)
 * -----------------------------
 *   unbuf_pingpong  two goroutines, two unbuffered channels, values going
 *                   back and forth [one handoff]
 *   buffered        one goroutine: send then receive on a channel of
 *                   capacity 1 [one send+receive pair]
 *   select2         one goroutine: select { case c <- i: case v = <-c: } on
 *                   a channel of capacity 1: exactly one case is ready each
 *                   time [one select]
 *   select2_refill  Go's BenchmarkSelectUncontended: select over receives
 *                   from two channels of capacity 1, the chosen branch
 *                   refilling the other channel [one select + one send]
 *   thread_condvar  the unbuf_pingpong workload between two OS threads
 *                   through a mutex+condvar one-slot channel [one handoff]
 * The same workloads in Go: scripts/gobench/chan_test.go (run it beside
 * this: `cd scripts/gobench && go test -bench Chan -benchtime 2000000x`).
 *
 * Reading the plot: one point per variant (threads = 1: one harness thread
 * drives each run; the goroutines run on the runtime's own threads). The
 * extra metrics say what the runtime did per op: switches_per_op should be
 * 1 for the ping-pong (runnext at work) and 0 for the others, wakeups_per_op
 * about 0 (no other thread involved).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "grt.h"
#include "hx.h"
#include "rtrun.h"
#include "rtsource.h"

/* ---- runtime variants -------------------------------------------------- */

typedef struct cp_run {
    uint64_t n;       /* ops to do in this grt_run */
    hx_rt_rep *rep;   /* its clock (rtrun.h) */
    grt_chan *a, *b;  /* the ping and the pong channel */
    grt_waitgroup wg; /* the pong goroutine has left */
    uint64_t sink;    /* a result the compiler must keep */
} cp_run;

static void cp_pong(void *arg) {
    cp_run *r = arg;
    grt_chan *a = r->a, *b = r->b;
    uint64_t rounds = (r->n + 1) / 2;
    int64_t v;
    for (uint64_t i = 0; i < rounds; i++) {
        grt_chan_recv(a, &v);
        grt_chan_send(b, &v);
    }
    grt_waitgroup_done(&r->wg);
}

static void cp_pingpong_main(void *arg) {
    cp_run *r = arg;
    r->a = grt_chan_make(sizeof(int64_t), 0);
    r->b = grt_chan_make(sizeof(int64_t), 0);
    grt_waitgroup_add(&r->wg, 1);
    grt_go(cp_pong, r);
    hx_rt_clock_start(r->rep); /* the channels and the partner: not ops */
    int64_t v = 0, sum = 0;
    for (uint64_t i = 0; i < (r->n + 1) / 2; i++) {
        v = (int64_t)i;
        grt_chan_send(r->a, &v);
        grt_chan_recv(r->b, &v);
        sum += v;
    }
    r->sink = (uint64_t)sum;
    grt_waitgroup_wait(&r->wg); /* then neither channel is in use */
    hx_rt_clock_stop(r->rep);
    grt_chan_free(r->a);
    grt_chan_free(r->b);
}

static void cp_buffered_main(void *arg) {
    cp_run *r = arg;
    grt_chan *c = grt_chan_make(sizeof(int64_t), 1);
    hx_rt_clock_start(r->rep);
    int64_t v, sum = 0;
    for (uint64_t i = 0; i < r->n; i++) {
        v = (int64_t)i;
        grt_chan_send(c, &v);
        grt_chan_recv(c, &v);
        sum += v;
    }
    r->sink = (uint64_t)sum;
    hx_rt_clock_stop(r->rep);
    grt_chan_free(c);
}

static void cp_select2_main(void *arg) {
    cp_run *r = arg;
    grt_chan *c = grt_chan_make(sizeof(int64_t), 1);
    int64_t in = 0, out = 0, sum = 0;
    grt_select_case k[2] = {grt_select_send(c, &out), grt_select_recv(c, &in)};
    hx_rt_clock_start(r->rep);
    for (uint64_t i = 0; i < r->n; i++) {
        out = (int64_t)i;
        sum += grt_select(k, 2, false);
    }
    r->sink = (uint64_t)(sum + in);
    hx_rt_clock_stop(r->rep);
    grt_chan_free(c);
}

static void cp_select2_refill_main(void *arg) {
    cp_run *r = arg;
    grt_chan *c1 = grt_chan_make(sizeof(int64_t), 1);
    grt_chan *c2 = grt_chan_make(sizeof(int64_t), 1);
    int64_t v = 0, sum = 0;
    grt_chan_send(c1, &v);
    grt_select_case k[2] = {grt_select_recv(c1, &v), grt_select_recv(c2, &v)};
    hx_rt_clock_start(r->rep);
    for (uint64_t i = 0; i < r->n; i++) {
        int x = grt_select(k, 2, false);
        grt_chan_send(x == 0 ? c2 : c1, &v);
        sum += x;
    }
    r->sink = (uint64_t)sum;
    hx_rt_clock_stop(r->rep);
    grt_chan_free(c1);
    grt_chan_free(c2);
}

/* The runtime's counters per op (switches, wake-ups, direct handoffs)
 * are sampled by the harness around the repetition: see cp_metrics. */
static void cp_runtime(hx_state *st, void (*main_fn)(void *)) {
    hx_rt_rep rep = {0};
    cp_run r = {.rep = &rep};
    for (uint64_t n; (n = hx_batch(st)) != 0;) {
        r.n = n;
        hx_rt_run(st, &rep, main_fn, &r, n);
        hx_keep(r.sink);
    }
    hx_rt_report(st, &rep);
}

static void cp_unbuf_pingpong(hx_state *st) {
    cp_runtime(st, cp_pingpong_main);
}
static void cp_buffered(hx_state *st) {
    cp_runtime(st, cp_buffered_main);
}
static void cp_select2(hx_state *st) {
    cp_runtime(st, cp_select2_main);
}
static void cp_select2_refill(hx_state *st) {
    cp_runtime(st, cp_select2_refill_main);
}

/* ---- the OS-thread contrast --------------------------------------------- */

/* A one-slot channel between threads: a mutex, a condition variable, the
 * value and whether it is there. Each box has one sender and one receiver,
 * and in a ping-pong they never wait at the same time, so one condvar with
 * signal is enough. */
typedef struct cp_box {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int64_t v;
    bool full;
} cp_box;

static void cp_box_send(cp_box *b, int64_t v) {
    pthread_mutex_lock(&b->mu);
    while (b->full)
        pthread_cond_wait(&b->cv, &b->mu);
    b->v = v;
    b->full = true;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

static int64_t cp_box_recv(cp_box *b) {
    pthread_mutex_lock(&b->mu);
    while (!b->full)
        pthread_cond_wait(&b->cv, &b->mu);
    int64_t v = b->v;
    b->full = false;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
    return v;
}

typedef struct cp_threads {
    cp_box a, b;
    uint64_t rounds;
} cp_threads;

static void *cp_thread_pong(void *arg) {
    cp_threads *t = arg;
    for (uint64_t i = 0; i < t->rounds; i++)
        cp_box_send(&t->b, cp_box_recv(&t->a));
    return NULL;
}

static void cp_thread_condvar(hx_state *st) {
    cp_threads t = {
        .a = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false},
        .b = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false}};
    int64_t sum = 0;
    for (uint64_t n; (n = hx_batch(st)) != 0;) {
        pthread_t th;
        t.rounds = (n + 1) / 2;
        if (pthread_create(&th, NULL, cp_thread_pong, &t) != 0) {
            hx_fail(st, "pthread_create failed");
            return;
        }
        for (uint64_t i = 0; i < t.rounds; i++) {
            cp_box_send(&t.a, (int64_t)i);
            sum += cp_box_recv(&t.b);
        }
        pthread_join(th, NULL);
    }
    hx_keep((uint64_t)sum);
}

/* ---- declaration ---------------------------------------------------------- */

static const hx_variant cp_variants[] = {
    {.name = "unbuf_pingpong",
     .help = "two goroutines, unbuffered channels both ways; op = one handoff",
     .fn = cp_unbuf_pingpong,
     .go = "ChanUnbufPingPong",
     .manual_time = true},
    {.name = "buffered",
     .help = "one goroutine: send then receive, capacity 1; op = the pair",
     .fn = cp_buffered,
     .go = "ChanBuffered",
     .manual_time = true},
    {.name = "select2",
     .help = "select { c <- i | v = <-c } on capacity 1 (one case ready)",
     .fn = cp_select2,
     .go = "Select2",
     .manual_time = true},
    {.name = "select2_refill",
     .help = "select over <-c1, <-c2 + send refilling the other "
             "(Go's SelectUncontended)",
     .fn = cp_select2_refill,
     .go = "Select2Refill",
     .manual_time = true},
    {.name = "thread_condvar",
     .help = "the ping-pong between two OS threads, mutex+condvar slots",
     .fn = cp_thread_condvar},
};

static const hx_param cp_params[] = {
    {.name = "threads",
     .unit = "threads",
     .help = "harness threads driving the run (the goroutines run on the "
             "runtime's own threads, GOMAXPROCS of them)",
     .min = 1,
     .max = 1,
     .flags = HX_PARAM_THREADS,
     .def = "1",
     .quick_def = "1"},
};

/* Sampled from the runtime's statistics around each repetition (the
 * OS-thread variant reads 0: it does not use the runtime). */
static const hx_metric_decl cp_metrics[] = {
    HX_RT_OPS_PER_REP,
    {"switches_per_op", "switches", "goroutine switches per op",
     .source = "rt:switches"},
    {"wakeups_per_op", "wakeups", "parked OS threads woken per op",
     .source = "rt:m_wakeups"},
    {"direct_per_op", "ops", "channel ops handed straight to a waiting peer",
     .source = "rt:chan_direct"},
};

static const char *const cp_events[] = {"task-clock", "context-switches",
                                        "cpu-migrations", NULL};

static const hx_claim cp_claims[] = {
    {"thread_condvar", "unbuf_pingpong", 5.0, NULL, HX_AT_MIN},
};

static const hx_headline cp_headlines[] = {
    {"condvar_ratio", "OS-thread condvar handoff / channel handoff", "x",
     "ratio of medians, 'thread_condvar' over 'unbuf_pingpong' (the claim)",
     HX_HEAD_CLAIM, 0, NULL, 0},
    {"unbuf_pingpong_ns", "unbuf_pingpong", "ns",
     "median of 'unbuf_pingpong' at 1 thread", HX_HEAD_MEDIAN, 0,
     "unbuf_pingpong", HX_AT_MIN},
    {"buffered_ns", "buffered", "ns", "median of 'buffered' at 1 thread",
     HX_HEAD_MEDIAN, 0, "buffered", HX_AT_MIN},
    {"select2_ns", "select2", "ns", "median of 'select2' at 1 thread",
     HX_HEAD_MEDIAN, 0, "select2", HX_AT_MIN},
    {"select2_refill_ns", "select2_refill", "ns",
     "median of 'select2_refill' at 1 thread", HX_HEAD_MEDIAN, 0,
     "select2_refill", HX_AT_MIN},
    {"thread_condvar_ns", "thread_condvar", "ns",
     "median of 'thread_condvar' at 1 thread", HX_HEAD_MEDIAN, 0,
     "thread_condvar", HX_AT_MIN},
};

const hx_experiment hx_exp_chanprims = {
    .name = "chanprims",
    .runtime = true,
    .summary = "channel primitives: goroutine handoff, buffered ops, select "
               "vs an OS-thread condvar handoff",
    .hypothesis =
        "An unbuffered handoff between goroutines costs two channel lock\n"
        "sections and one user-space switch (the receiver goes to runnext,\n"
        "so the pair stays on one P): tens of ns, at least 5x less than the\n"
        "same handoff between OS threads through a mutex and a condvar,\n"
        "which needs a futex wake and a kernel context switch each way.\n"
        "Targets here: handoff <= 40 ns, buffered send+receive <= 20 ns,\n"
        "two-case select <= 30 ns. Go 1.19 on the development VM\n"
        "(scripts/gobench/chan_test.go, same workloads): ping-pong 125-180,\n"
        "buffered 37-48, select2 32-38, select2_refill 64-90 ns.",
    .reading = "One point per variant (at 1 thread), ns per op (see each "
               "variant's op). switches_per_op near 1 for the ping-pong and "
               "wakeups_per_op near 0 mean runnext kept the pair on one P. "
               "The harness leaves runtime experiments unpinned (their "
               "timed thread only waits; the runtime's threads do the "
               "work), as Go's benchmarks run, so the OS places the "
               "runtime's threads and its monitor.",
    .homework =
        "1. Run with GOMAXPROCS=1: does unbuf_pingpong change? Why not?\n"
        "2. Why is thread_condvar so much slower? Count the system calls\n"
        "   per handoff with strace -c.\n"
        "3. select2_refill minus buffered/2: what does the select itself\n"
        "   cost? Compare with Go (scripts/gobench).\n"
        "4. Make the channel buffered (capacity 100) in the ping-pong: what\n"
        "   happens to switches_per_op, and why?",
    .variants = cp_variants,
    .nvariants = HX_COUNT(cp_variants),
    .params = cp_params,
    .nparams = HX_COUNT(cp_params),
    .metrics = cp_metrics,
    .nmetrics = HX_COUNT(cp_metrics),
    .op = "channel op (see each variant)",
    .events = cp_events,
    .claims = cp_claims,
    .nclaims = HX_COUNT(cp_claims),
    .headlines = cp_headlines,
    .nheadlines = HX_COUNT(cp_headlines),
    .xparam = "threads",
    .source = &hx_rt_source,
};
