/*
 * test_runtime_stress.c - the runtime under load (ctest label: stress).
 *
 *   hundred_thousand   100,000 goroutines alive at once (each parked on a
 *                      WaitGroup gate), then released; checks the count
 *                      seen by the statistics and that every one ran.
 *   gosched_pingpong   a million Gosched switches between two goroutines
 *                      on one P, each checking it alternates with the other.
 *   park_pingpong      a million park/ready hand-offs between two goroutines
 *                      (the channel's path), on all Ps.
 *   spawn_storm        a million short goroutines spawned in waves on all
 *                      Ps, with the stack pools cycling.
 *   mutex_storm        many goroutines hammering one mutex on all Ps.
 *
 * GRT_STRESS_SCALE (a divisor, default 1) shrinks the counts, which the
 * sanitized build uses. Closing line: "N passed, M failed".
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grt.h"
#include "grt_internal.h"

static _Atomic int t_fail;
static long scale = 1;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                    \
            atomic_store(&t_fail, 1);                                          \
        }                                                                      \
    } while (0)

typedef struct crowd {
    grt_waitgroup alive, gate, done;
    _Atomic long ran;
} crowd;

static void crowd_member(void *arg) {
    crowd *c = arg;
    grt_waitgroup_done(&c->alive);
    grt_waitgroup_wait(&c->gate);
    atomic_fetch_add(&c->ran, 1);
    grt_waitgroup_done(&c->done);
}

static void t_hundred_thousand(void *arg) {
    (void)arg;
    long n = 100000 / scale;
    static crowd c;
    memset(&c, 0, sizeof c);
    grt_waitgroup_add(&c.alive, (int)n);
    grt_waitgroup_add(&c.gate, 1);
    grt_waitgroup_add(&c.done, (int)n);
    for (long i = 0; i < n; i++)
        grt_go(crowd_member, &c);
    grt_waitgroup_wait(&c.alive);
    grt_stats s;
    grt_stats_read(&s);
    CHECK(s.goroutines >= n + 1);
    CHECK(s.stacks_in_use >= (uint64_t)n);
    printf("  %ld goroutines alive: %llu MiB of stack committed, "
           "%llu GiB reserved\n",
           n, (unsigned long long)(s.stack_committed_bytes >> 20),
           (unsigned long long)(s.stack_reserved_bytes >> 30));
    grt_waitgroup_done(&c.gate);
    grt_waitgroup_wait(&c.done);
    CHECK(atomic_load(&c.ran) == n);
}

typedef struct pingpong {
    _Atomic long turn; /* whose turn: even = ping, odd = pong */
    long rounds;
    grt_waitgroup wg;
    /* park/ready variant */
    grt_lock lock;
    grt_g *waiting[2]; /* lock */
    long count[2];
} pingpong;

static void gosched_player(void *arg) {
    pingpong *pp = *(pingpong **)arg;
    int me = (int)((intptr_t *)arg)[1];
    for (long i = 0; i < pp->rounds; i++) {
        while ((atomic_load(&pp->turn) & 1) != me)
            grt_gosched();
        atomic_fetch_add(&pp->turn, 1);
    }
    grt_waitgroup_done(&pp->wg);
}

static void t_gosched_pingpong(void *arg) {
    (void)arg;
    static pingpong pp;
    memset(&pp, 0, sizeof pp);
    pp.rounds = 500000 / scale;
    void *a0[2] = {&pp, (void *)0}, *a1[2] = {&pp, (void *)1};
    grt_stats b, e;
    grt_stats_read(&b);
    grt_waitgroup_add(&pp.wg, 2);
    grt_go(gosched_player, a0);
    grt_go(gosched_player, a1);
    grt_waitgroup_wait(&pp.wg);
    grt_stats_read(&e);
    CHECK(atomic_load(&pp.turn) == 2 * pp.rounds);
    CHECK(e.switches - b.switches >= (uint64_t)(2 * pp.rounds));
}

static bool pp_unlock(grt_g *g, void *arg) {
    void **a = arg;
    pingpong *pp = a[0];
    pp->waiting[(intptr_t)a[1]] = g;
    grt_lock_release(&pp->lock);
    return true;
}

/* Each round: wake the other player if it waits, then wait to be woken,
 * unless the other has finished all its rounds (it would never wake us). */
static void park_player(void *arg) {
    pingpong *pp = *(pingpong **)arg;
    intptr_t me = ((intptr_t *)arg)[1];
    for (long i = 0; i < pp->rounds; i++) {
        grt_lock_acquire(&pp->lock);
        pp->count[me]++;
        CHECK(pp->count[me] - pp->count[1 - me] <= 1 &&
              pp->count[1 - me] - pp->count[me] <= 1);
        grt_g *other = pp->waiting[1 - me];
        pp->waiting[1 - me] = NULL;
        if (other != NULL)
            grt_ready(other);
        if (pp->count[1 - me] == pp->rounds) {
            grt_lock_release(&pp->lock);
            continue;
        }
        grt_park(GRT_WAIT_USER, pp_unlock, arg);
    }
    grt_waitgroup_done(&pp->wg);
}

static void t_park_pingpong(void *arg) {
    (void)arg;
    static pingpong pp;
    memset(&pp, 0, sizeof pp);
    pp.lock = (grt_lock)GRT_LOCK_INIT;
    pp.rounds = 500000 / scale;
    void *a0[2] = {&pp, (void *)0}, *a1[2] = {&pp, (void *)1};
    grt_waitgroup_add(&pp.wg, 2);
    grt_go(park_player, a0);
    grt_go(park_player, a1);
    grt_waitgroup_wait(&pp.wg);
    CHECK(pp.count[0] == pp.rounds && pp.count[1] == pp.rounds);
}

typedef struct storm {
    grt_waitgroup wg;
    _Atomic long n;
    grt_mutex m;
    long counter; /* m */
} storm;

static void tick(void *arg) {
    storm *s = arg;
    atomic_fetch_add_explicit(&s->n, 1, memory_order_relaxed);
    grt_waitgroup_done(&s->wg);
}

static void t_spawn_storm(void *arg) {
    (void)arg;
    static storm s;
    memset(&s, 0, sizeof s);
    long waves = 100 / scale + 1, per = 10000;
    for (long w = 0; w < waves; w++) {
        grt_waitgroup_add(&s.wg, (int)per);
        for (long i = 0; i < per; i++)
            grt_go(tick, &s);
        grt_waitgroup_wait(&s.wg);
    }
    CHECK(atomic_load(&s.n) == waves * per);
}

static void hammer(void *arg) {
    storm *s = arg;
    for (int i = 0; i < 5000; i++) {
        grt_mutex_lock(&s->m);
        s->counter++;
        grt_mutex_unlock(&s->m);
    }
    grt_waitgroup_done(&s->wg);
}

static void t_mutex_storm(void *arg) {
    (void)arg;
    static storm s;
    memset(&s, 0, sizeof s);
    long g = 200 / scale + 2;
    grt_waitgroup_add(&s.wg, (int)g);
    for (long i = 0; i < g; i++)
        grt_go(hammer, &s);
    grt_waitgroup_wait(&s.wg);
    CHECK(s.counter == g * 5000);
}

static const struct test {
    const char *name;
    void (*fn)(void *);
    int procs;
} tests[] = {
    {"hundred_thousand", t_hundred_thousand, 0},
    {"gosched_pingpong", t_gosched_pingpong, 1},
    {"park_pingpong", t_park_pingpong, 0},
    {"spawn_storm", t_spawn_storm, 0},
    {"mutex_storm", t_mutex_storm, 0},
};

int main(void) {
    const char *e = getenv("GRT_STRESS_SCALE");
    if (e != NULL && atol(e) > 0)
        scale = atol(e);
    int passed = 0, failed = 0, defprocs = grt_gomaxprocs();
    for (size_t i = 0; i < sizeof tests / sizeof *tests; i++) {
        atomic_store(&t_fail, 0);
        grt_setmaxprocs(tests[i].procs ? tests[i].procs : defprocs);
        grt_run(tests[i].fn, NULL);
        bool ok = !atomic_load(&t_fail);
        printf("%s %s\n", ok ? "ok  " : "FAIL", tests[i].name);
        fflush(stdout);
        ok ? passed++ : failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
