/*
 * timer.c - the timer heap and grt_sleep.
 *
 * One global binary min-heap of grt_timer pointers ordered by (when, seq),
 * behind grt_timer_lock. Go keeps a heap per P to avoid this lock; with a
 * handful of Ps and timers used for sleeps and timeouts, one heap is
 * simpler and its lock is uncontended in practice. The earliest deadline is
 * mirrored in an atomic (next_when) so the scheduler checks "anything due?"
 * without the lock.
 *
 * Who runs timers: an M looking for work (on g0), every 61st schedule tick
 * (by going to g0), the M blocked in the netpoller (whose epoll timeout is
 * the next deadline), and the monitor as a backstop. grt_timers_run pops
 * due timers under the lock, re-arms periodic ones, and calls the callback
 * with the lock released (callbacks may start timers and call grt_ready).
 *
 * Starting a timer that becomes the earliest wakes the poller if it sleeps
 * past the new deadline (netpoll break), or wakes an idle P whose M will
 * become the poller.
 *
 * grt_timer_stop returns whether the timer was still pending; once it has
 * been popped its callback may be running or about to run (the caller must
 * keep arg valid, or synchronise, as with Go's time.Timer.Stop).
 */
#include "grt_runtime2.h"

#include <stdlib.h>

static struct {
    grt_lock lock;
    grt_timer **heap;           /* lock */
    int32_t len, cap;           /* lock */
    uint32_t seq;               /* lock */
    _Atomic uint64_t next_when; /* heap[0]->when, 0 when empty */
    _Atomic int64_t len_hint;
} grt_tm;

static bool before(const grt_timer *a, const grt_timer *b) {
    return a->when < b->when ||
           (a->when == b->when && (int32_t)(a->seq - b->seq) < 0);
}

static void place(int32_t i, grt_timer *t) {
    grt_tm.heap[i] = t;
    t->heap_index = i;
}

static void sift_up(int32_t i) {
    grt_timer *t = grt_tm.heap[i];
    while (i > 0) {
        int32_t parent = (i - 1) / 2;
        if (!before(t, grt_tm.heap[parent]))
            break;
        place(i, grt_tm.heap[parent]);
        i = parent;
    }
    place(i, t);
}

static void sift_down(int32_t i) {
    grt_timer *t = grt_tm.heap[i];
    for (;;) {
        int32_t c = 2 * i + 1;
        if (c >= grt_tm.len)
            break;
        if (c + 1 < grt_tm.len && before(grt_tm.heap[c + 1], grt_tm.heap[c]))
            c++;
        if (!before(grt_tm.heap[c], t))
            break;
        place(i, grt_tm.heap[c]);
        i = c;
    }
    place(i, t);
}

static void publish(void) {
    atomic_store(&grt_tm.next_when, grt_tm.len > 0 ? grt_tm.heap[0]->when : 0);
    atomic_store(&grt_tm.len_hint, grt_tm.len);
}

static void push_locked(grt_timer *t) {
    if (grt_tm.len == grt_tm.cap) {
        int32_t cap = grt_tm.cap ? grt_tm.cap * 2 : 64;
        grt_timer **h = realloc(grt_tm.heap, (size_t)cap * sizeof *h);
        if (h == NULL)
            grt_throw("out of memory growing the timer heap");
        grt_tm.heap = h;
        grt_tm.cap = cap;
    }
    t->seq = grt_tm.seq++;
    place(grt_tm.len++, t);
    sift_up(t->heap_index);
}

static void remove_locked(grt_timer *t) {
    int32_t i = t->heap_index;
    grt_timer *last = grt_tm.heap[--grt_tm.len];
    t->heap_index = -1;
    if (i == grt_tm.len)
        return;
    place(i, last);
    sift_down(i);
    sift_up(last->heap_index);
}

void grt_timer_start(grt_timer *t) {
    if (t->when == 0)
        t->when = 1;
    grt_lock_acquire(&grt_tm.lock);
    push_locked(t);
    bool first = grt_tm.heap[0] == t;
    uint64_t when = t->when; /* t may be gone once the lock is released */
    publish();
    grt_lock_release(&grt_tm.lock);
    if (!first)
        return;
    if (atomic_load(&grt_sched.npolling) > 0) {
        uint64_t until = atomic_load(&grt_sched.poll_until);
        if (until == 0 || when < until)
            grt_netpoll_break();
    } else {
        grt_wakep();
    }
}

bool grt_timer_stop(grt_timer *t) {
    grt_lock_acquire(&grt_tm.lock);
    bool pending = t->heap_index >= 0 && t->heap_index < grt_tm.len &&
                   grt_tm.heap[t->heap_index] == t;
    if (pending) {
        remove_locked(t);
        publish();
    }
    grt_lock_release(&grt_tm.lock);
    return pending;
}

uint64_t grt_timers_next(void) {
    return atomic_load_explicit(&grt_tm.next_when, memory_order_acquire);
}

/* Timers taken off the heap whose function has not returned yet: such a
 * timer may still ready a goroutine (a sleep's), so it counts as pending.
 * Without it, the deadlock check could see an empty heap and a sleeping
 * goroutine between the removal and grt_ready, and stop the process. */
static _Atomic int64_t timers_firing;

int64_t grt_timers_pending(void) {
    return atomic_load(&grt_tm.len_hint) + atomic_load(&timers_firing);
}

int grt_timers_run(uint64_t now) {
    int n = 0;
    grt_lock_acquire(&grt_tm.lock);
    while (grt_tm.len > 0 && grt_tm.heap[0]->when <= now) {
        grt_timer *t = grt_tm.heap[0];
        void (*f)(void *, uint64_t) = t->f;
        void *arg = t->arg;
        atomic_fetch_add(&timers_firing, 1); /* before the heap shrinks */
        remove_locked(t);
        if (t->period != 0) {
            t->when += t->period;
            if (t->when <= now)
                t->when = now + t->period;
            push_locked(t);
        }
        publish();
        grt_lock_release(&grt_tm.lock);
        GRT_STAT_INC(timers_fired);
        f(arg, now);
        atomic_fetch_sub(&timers_firing, 1);
        n++;
        grt_lock_acquire(&grt_tm.lock);
    }
    publish();
    grt_lock_release(&grt_tm.lock);
    return n;
}

/* ---- sleep ----------------------------------------------------------------- */

static void sleep_wake(void *arg, uint64_t now) {
    (void)now;
    grt_ready(arg);
}

static bool sleep_arm(grt_g *g, void *arg) {
    grt_timer *t = arg;
    t->arg = g;
    grt_timer_start(t);
    return true;
}

void grt_sleep(uint64_t ns) {
    if (ns == 0) {
        grt_gosched();
        return;
    }
    grt_timer t = {.when = grt_nanotime() + ns,
                   .period = 0,
                   .f = sleep_wake,
                   .heap_index = -1};
    grt_park(GRT_WAIT_SLEEP, sleep_arm, &t);
}
