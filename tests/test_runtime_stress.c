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
 *   runnext_steal      an unbuffered-channel ping-pong on all Ps whose
 *                      ping also readies a third goroutine each round
 *                      (kicking pong out of runnext into the ring, which
 *                      wakes a thief) and idles a varying while, and a
 *                      goroutine sleeping over and over, whose M steals
 *                      (runnext too) each time it parks: thieves race the
 *                      owner filling an empty runnext with a plain store
 *                      and replacing an occupant with an exchange. Every
 *                      message carries its sequence number, so a G run
 *                      twice or lost shows as a wrong value, a "not
 *                      waiting" throw or a hang (a plain store over an
 *                      occupant fails it at once).
 *   wake_resize        lost wake-ups in the spinning/idle-P protocol: rounds
 *                      of grt_run() with GOMAXPROCS alternating 1 and 2, each
 *                      leaving a syscall whose P the monitor retook while
 *                      the P's new M goes idle; then two threads spawning
 *                      from their grt_run() callers while GOMAXPROCS
 *                      changes among 1, 2 and 3 under them.
 *
 * The monitor has no global-queue backstop (it had one, which hid the
 * exit_syscall race; GRT_DEBUG=nobackstop=1 turned it off for this test
 * until the fix removed it), so a goroutine stranded in the global queue
 * with an idle P stays stranded.
 * A watchdog thread calls that a stall when no round completes for 5 s (a
 * liveness check, not a timing assertion: a healthy round takes about a
 * millisecond), reports the scheduler's state and fails the run.
 *
 * GRT_STRESS_SCALE (a divisor, default 1) shrinks the counts, which the
 * sanitized build uses. An argument runs only the test of that name, e.g.
 * `test_runtime_stress wake_resize`. Closing line: "N passed, M failed".
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "grt.h"
#include "grt_chan.h"
#include "grt_internal.h"

/* after grt.h: check.h then declares stats_now() */
#include "check.h"

static long scale = 1;

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

/* ---- runnext_steal ------------------------------------------------------ */

enum { RS_PAIRS = 1 };

static _Atomic int rs_done;

typedef struct rs_pair {
    grt_chan *ping, *pong, *side;
    long rounds;
    _Atomic long bad;
    grt_waitgroup *wg;
} rs_pair;

/* A few hundred cycles, varying with the round, and every 256th round
 * 30 us: long enough for the monitor to see a P that has not scheduled
 * with its runnext loaded and wake an idle P, whose thief takes it. */
static void rs_idle(long i) {
    if (i % 256 == 255) {
        uint64_t until = grt_nanotime() + 30000;
        while (grt_nanotime() < until)
            ;
        return;
    }
    for (volatile long k = 0; k < (i * 7) % 97; k++)
        ;
}

static void rs_ping(void *arg) {
    rs_pair *pr = arg;
    for (long i = 0; i < pr->rounds; i++) {
        long v = i, back = -1;
        grt_chan_send(pr->ping, &v);
        grt_chan_send(pr->side, &v); /* kicks pong out of runnext */
        rs_idle(i);
        grt_chan_recv(pr->pong, &back);
        if (back != i + 1)
            atomic_fetch_add(&pr->bad, 1);
    }
    grt_waitgroup_done(pr->wg);
}

static void rs_side(void *arg) {
    rs_pair *pr = arg;
    for (long i = 0; i < pr->rounds; i++) {
        long v = -1;
        grt_chan_recv(pr->side, &v);
        if (v != i)
            atomic_fetch_add(&pr->bad, 1);
    }
    grt_waitgroup_done(pr->wg);
}

static void rs_pong(void *arg) {
    rs_pair *pr = arg;
    for (long i = 0; i < pr->rounds; i++) {
        long v = -1;
        grt_chan_recv(pr->ping, &v);
        if (v != i)
            atomic_fetch_add(&pr->bad, 1);
        v++;
        grt_chan_send(pr->pong, &v);
        rs_idle(i + 3);
    }
    grt_waitgroup_done(pr->wg);
}

/* Sleeps over and over: each time it parks, its P finds nothing of its
 * own and its M goes stealing (runnext included in the last round) before
 * it idles, which is the thief this test needs. */
static void rs_thief(void *arg) {
    grt_waitgroup *wg = arg;
    while (!atomic_load(&rs_done))
        grt_sleep(1000);
    grt_waitgroup_done(wg);
}

static void t_runnext_steal(void *arg) {
    (void)arg;
    static rs_pair pairs[RS_PAIRS];
    static grt_waitgroup wg;
    memset(&wg, 0, sizeof wg);
    grt_stats b, e;
    grt_stats_read(&b);
    static grt_waitgroup thiefwg;
    memset(&thiefwg, 0, sizeof thiefwg);
    atomic_store(&rs_done, 0);
    grt_waitgroup_add(&thiefwg, 1);
    grt_go(rs_thief, &thiefwg);
    grt_waitgroup_add(&wg, 3 * RS_PAIRS);
    for (int i = 0; i < RS_PAIRS; i++) {
        pairs[i].ping = grt_chan_make(sizeof(long), 0);
        pairs[i].pong = grt_chan_make(sizeof(long), 0);
        pairs[i].side = grt_chan_make(sizeof(long), 0);
        pairs[i].rounds = 1000000 / scale;
        atomic_store(&pairs[i].bad, 0);
        pairs[i].wg = &wg;
        grt_go(rs_side, &pairs[i]);
        grt_go(rs_pong, &pairs[i]);
        grt_go(rs_ping, &pairs[i]);
    }
    grt_waitgroup_wait(&wg);
    atomic_store(&rs_done, 1);
    grt_waitgroup_wait(&thiefwg);
    grt_stats_read(&e);
    for (int i = 0; i < RS_PAIRS; i++) {
        CHECK(atomic_load(&pairs[i].bad) == 0);
        grt_chan_free(pairs[i].ping);
        grt_chan_free(pairs[i].pong);
        grt_chan_free(pairs[i].side);
    }
    if (grt_gomaxprocs() > 1)
        printf("  runnext_steal: %llu of %llu steals moved %llu goroutines\n",
               (unsigned long long)(e.steal_successes - b.steal_successes),
               (unsigned long long)(e.steal_attempts - b.steal_attempts),
               (unsigned long long)(e.steals_goroutines - b.steals_goroutines));
}

/* ---- wake_resize ------------------------------------------------------- */

typedef struct exit_race {
    _Atomic int in_syscall, release;
    grt_waitgroup wg;
} exit_race;

/* Sits in a "system call" (a busy wait, so that it leaves the moment it is
 * released, with no kernel wake-up latency to hide the race) until the
 * main goroutine releases it. */
static void syscall_sitter(void *arg) {
    exit_race *r = arg;
    grt_enter_syscall();
    atomic_store(&r->in_syscall, 1);
    while (!atomic_load(&r->release))
        ;
    grt_exit_syscall();
    grt_waitgroup_done(&r->wg);
}

/* With one P, this goroutine runs again only once the monitor has retaken
 * the sitter's P and handed it to a new M. It releases the sitter and
 * parks at once, so the sitter's exit_syscall (which finds no idle P)
 * races with this M idling the P. */
static void exit_race_round(void *arg) {
    (void)arg;
    exit_race r;
    memset(&r, 0, sizeof r);
    grt_waitgroup_add(&r.wg, 1);
    grt_go(syscall_sitter, &r);
    while (!atomic_load(&r.in_syscall))
        grt_gosched();
    atomic_store(&r.release, 1);
    grt_waitgroup_wait(&r.wg);
}

static void churn_leaf(void *arg) {
    grt_waitgroup_done(arg);
}

static void churn_round(void *arg) {
    (void)arg;
    grt_waitgroup wg = GRT_WAITGROUP_INIT;
    grt_waitgroup_add(&wg, 4);
    for (int i = 0; i < 4; i++)
        grt_go(churn_leaf, &wg);
    grt_waitgroup_wait(&wg);
}

/* Phase B's spawners and the watchdog. A slot is watched while busy. */
enum { WAKE_SLOTS = 3, WAKE_QUIET_MS = 5000 };
static _Atomic long wake_progress[WAKE_SLOTS];
static _Atomic int wake_busy[WAKE_SLOTS];
static _Atomic int wake_done;

static void *churn_thread(void *arg) {
    int slot = (int)(intptr_t)arg;
    for (long i = 0; i < 4000 / scale; i++) {
        grt_run(churn_round, NULL);
        atomic_fetch_add(&wake_progress[slot], 1);
    }
    atomic_store(&wake_busy[slot], 0);
    return NULL;
}

/* The liveness check: a stalled grt_run() never returns without the
 * backstop, so the watchdog reports and ends the process itself when a
 * busy thread has completed no round for WAKE_QUIET_MS. */
static void *wake_watchdog(void *arg) {
    (void)arg;
    long last[WAKE_SLOTS] = {0};
    int quiet_ms[WAKE_SLOTS] = {0};
    while (!atomic_load(&wake_done)) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        bool stalled = false;
        for (int i = 0; i < WAKE_SLOTS; i++) {
            long now = atomic_load(&wake_progress[i]);
            bool quiet = now == last[i] && atomic_load(&wake_busy[i]);
            quiet_ms[i] = quiet ? quiet_ms[i] + 10 : 0;
            last[i] = now;
            stalled |= quiet_ms[i] >= WAKE_QUIET_MS;
        }
        if (!stalled)
            continue;
        grt_stats s;
        grt_stats_read(&s);
        printf("  a grt_run() caller made no progress for %d ms: "
               "gomaxprocs=%d idle_procs=%d spinning=%d threads=%d "
               "idle_threads=%d (a lost wake-up)\n"
               "FAIL wake_resize\n%d passed, %d failed\n",
               WAKE_QUIET_MS, s.gomaxprocs, s.idle_procs, s.spinning_threads,
               s.threads, s.idle_threads, atomic_load(&hx_check_passed),
               atomic_load(&hx_check_failed) + 1);
        fflush(stdout);
        _exit(1);
    }
    return NULL;
}

/* Phase A: exit-race rounds alone (another thread's grt_run() would wake
 * a spinner that rescues the stranded goroutine), GOMAXPROCS alternating
 * 1 and 2 between rounds as the suites do between tests. Phase B: two
 * threads spawning from their grt_run() callers while this thread
 * changes GOMAXPROCS among 1, 2 and 3 (Ps destroyed and revived under
 * them). Returns only if nothing stalled. */
static void t_wake_resize(void) {
    pthread_t churn[2], dog;
    atomic_store(&wake_done, 0);
    atomic_store(&wake_busy[0], 1);
    pthread_create(&dog, NULL, wake_watchdog, NULL);
    for (long i = 0; i < 3000 / scale; i++) {
        grt_setmaxprocs(1 + (int)(i % 2));
        grt_run(exit_race_round, NULL);
        atomic_fetch_add(&wake_progress[0], 1);
    }
    atomic_store(&wake_busy[0], 0);
    for (int i = 0; i < 2; i++) {
        atomic_store(&wake_busy[1 + i], 1);
        pthread_create(&churn[i], NULL, churn_thread,
                       (void *)(intptr_t)(1 + i));
    }
    unsigned r = 1;
    while (atomic_load(&wake_busy[1]) || atomic_load(&wake_busy[2])) {
        r = r * 1103515245u + 12345u;
        grt_setmaxprocs(1 + (int)((r >> 16) % 3));
        for (int i = (int)((r >> 8) % 64); i > 0; i--)
            sched_yield();
    }
    for (int i = 0; i < 2; i++)
        pthread_join(churn[i], NULL);
    atomic_store(&wake_done, 1);
    pthread_join(dog, NULL);
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
    {"runnext_steal", t_runnext_steal, 0},
};

int main(int argc, char **argv) {
    const char *only = argc > 1 ? argv[1] : NULL;
    const char *e = getenv("GRT_STRESS_SCALE");
    if (e != NULL && atol(e) > 0)
        scale = atol(e);
    int defprocs = grt_gomaxprocs();
    for (size_t i = 0; i < sizeof tests / sizeof *tests; i++) {
        if (only != NULL && strcmp(only, tests[i].name) != 0)
            continue;
        int f0 = hx_check_failures();
        grt_setmaxprocs(tests[i].procs ? tests[i].procs : defprocs);
        grt_run(tests[i].fn, NULL);
        hx_check_case(hx_check_failures() == f0, "%s", tests[i].name);
    }
    /* A stall ends the process from the watchdog with its own lines. */
    if (only == NULL || strcmp(only, "wake_resize") == 0) {
        int f0 = hx_check_failures();
        t_wake_resize();
        hx_check_case(hx_check_failures() == f0, "wake_resize");
    }
    grt_setmaxprocs(defprocs);
    return hx_check_done();
}
