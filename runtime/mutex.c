/*
 * mutex.c - grt_mutex, Go's sync.Mutex.
 *
 * state: bit 0 locked, bit 1 woken (a waiter is awake and trying, so
 * unlock need not wake another), bit 2 starving, the rest the number of
 * waiters. Lock is one CAS 0 -> locked; unlock one atomic add, plus a
 * wake-up only if someone waits.
 *
 * Normal mode: waiters queue FIFO but a woken waiter competes with
 * newcomers, which usually win (they are running, with the lock's line in
 * their cache); that is throughput. Before parking, a locker spins a few
 * rounds (4 x 30 PAUSEs) if spinning can pay: more than one P, another P
 * running (so the holder may release soon) and nothing else runnable here.
 * A woken waiter that lost goes back to the front of the queue. When a
 * waiter has waited more than 1 ms it switches the mutex to starvation
 * mode: unlock hands the lock directly to the first waiter, newcomers do
 * not try to take it and queue at the tail. The last waiter, or one that
 * waited less than 1 ms, switches back to normal mode. This bounds tail
 * latency without giving up normal mode's throughput.
 *
 * Parking is through the address-keyed semaphores of sema.c; the state
 * machine is Go's (sync/mutex.go), written anew. One difference in the
 * layer below: our grt_ready() wakes no idle P unless the run queue has
 * work to spare (it keeps a channel ping-pong on one P), so unlock wakes
 * one itself after readying a waiter (see unlock_slow).
 */
#include "grt_runtime2.h"

enum {
    GRT_MUTEX_LOCKED = 1,
    GRT_MUTEX_WOKEN = 2,
    GRT_MUTEX_STARVING = 4,
    GRT_MUTEX_WAITER_SHIFT = 3,
    GRT_MUTEX_SPIN_ROUNDS = 4, /* Go's active_spin */
    GRT_MUTEX_SPIN_PAUSES = 30,
};
#define GRT_STARVATION_NS 1000000ull /* 1 ms, Go's starvationThresholdNs */

static bool can_spin(int iter) {
    if (iter >= GRT_MUTEX_SPIN_ROUNDS)
        return false;
    int procs =
        atomic_load_explicit(&grt_sched.gomaxprocs, memory_order_relaxed);
    if (procs <= 1 || procs <= atomic_load(&grt_sched.npidle) +
                                   atomic_load(&grt_sched.nmspinning) + 1)
        return false;
    struct grt_p *p = grt_curg()->m->p;
    return p != NULL && grt_runqempty(p);
}

static void spin(void) {
    for (int i = 0; i < GRT_MUTEX_SPIN_PAUSES; i++) {
#if defined(__x86_64__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ volatile("yield");
#endif
    }
}

static void lock_slow(grt_mutex *m) {
    uint64_t wait_start = 0;
    bool starving = false, awoke = false;
    int iter = 0;
    int32_t old = atomic_load(&m->state);
    for (;;) {
        if ((old & (GRT_MUTEX_LOCKED | GRT_MUTEX_STARVING)) ==
                GRT_MUTEX_LOCKED &&
            can_spin(iter)) {
            if (!awoke && (old & GRT_MUTEX_WOKEN) == 0 &&
                (old >> GRT_MUTEX_WAITER_SHIFT) != 0 &&
                atomic_compare_exchange_strong(&m->state, &old,
                                               old | GRT_MUTEX_WOKEN))
                awoke = true;
            spin();
            GRT_STAT_INC(mutex_spins);
            iter++;
            old = atomic_load(&m->state);
            continue;
        }
        int32_t nw = old;
        if ((old & GRT_MUTEX_STARVING) == 0)
            nw |= GRT_MUTEX_LOCKED;
        if ((old & (GRT_MUTEX_LOCKED | GRT_MUTEX_STARVING)) != 0)
            nw += 1 << GRT_MUTEX_WAITER_SHIFT;
        if (starving && (old & GRT_MUTEX_LOCKED) != 0)
            nw |= GRT_MUTEX_STARVING;
        if (awoke) {
            if ((nw & GRT_MUTEX_WOKEN) == 0)
                grt_throw("sync: inconsistent mutex state");
            nw &= ~GRT_MUTEX_WOKEN;
        }
        if (!atomic_compare_exchange_strong(&m->state, &old, nw))
            continue; /* old reloaded by the failed CAS */
        if ((old & (GRT_MUTEX_LOCKED | GRT_MUTEX_STARVING)) == 0)
            return; /* locked it */
        if ((nw & GRT_MUTEX_STARVING) && !(old & GRT_MUTEX_STARVING))
            GRT_STAT_INC(mutex_starving);
        bool lifo = wait_start != 0;
        if (wait_start == 0)
            wait_start = grt_nanotime();
        GRT_STAT_INC(mutex_sleeps);
        grt_semacquire(&m->sema, lifo, GRT_WAIT_MUTEX);
        starving = starving || grt_nanotime() - wait_start > GRT_STARVATION_NS;
        old = atomic_load(&m->state);
        if (old & GRT_MUTEX_STARVING) {
            /* Handed to us; we are still counted as a waiter. */
            if ((old & (GRT_MUTEX_LOCKED | GRT_MUTEX_WOKEN)) != 0 ||
                (old >> GRT_MUTEX_WAITER_SHIFT) == 0)
                grt_throw("sync: inconsistent mutex state");
            int32_t delta = GRT_MUTEX_LOCKED - (1 << GRT_MUTEX_WAITER_SHIFT);
            if (!starving || (old >> GRT_MUTEX_WAITER_SHIFT) == 1)
                delta -= GRT_MUTEX_STARVING; /* leave starvation mode */
            atomic_fetch_add(&m->state, delta);
            return;
        }
        awoke = true;
        iter = 0;
    }
}

void grt_mutex_lock_slow(grt_mutex *m) {
    GRT_SAFEPOINT();
    lock_slow(m);
}

bool grt_mutex_trylock(grt_mutex *m) {
    int32_t old = atomic_load_explicit(&m->state, memory_order_relaxed);
    if (old & (GRT_MUTEX_LOCKED | GRT_MUTEX_STARVING))
        return false;
    return atomic_compare_exchange_strong_explicit(
        &m->state, &old, old | GRT_MUTEX_LOCKED, memory_order_acquire,
        memory_order_relaxed);
}

static void unlock_slow(grt_mutex *m, int32_t nw) {
    if (((nw + GRT_MUTEX_LOCKED) & GRT_MUTEX_LOCKED) == 0)
        grt_throw("sync: unlock of unlocked mutex");
    if ((nw & GRT_MUTEX_STARVING) == 0) {
        int32_t old = nw;
        for (;;) {
            if ((old >> GRT_MUTEX_WAITER_SHIFT) == 0 ||
                (old & (GRT_MUTEX_LOCKED | GRT_MUTEX_WOKEN |
                        GRT_MUTEX_STARVING)) != 0)
                return;
            nw = (old - (1 << GRT_MUTEX_WAITER_SHIFT)) | GRT_MUTEX_WOKEN;
            if (atomic_compare_exchange_strong(&m->state, &old, nw)) {
                grt_semrelease(&m->sema, false);
                /* The woken waiter went to this P's runnext, where it
                 * would wait until this goroutine blocks: with the lock
                 * free again that may be its whole run, while the WOKEN
                 * bit pushes every lock and unlock here onto the slow
                 * path and the waiter's wait grows into starvation mode
                 * (handoffs, a switch per lock). Wake an idle P to take
                 * it (Go's ready() always does): the waiter then competes
                 * from another core, as it would have before parking. */
                grt_wakep();
                return;
            }
        }
    }
    grt_semrelease(&m->sema, true); /* starvation: hand off */
}

void grt_mutex_unlock_slow(grt_mutex *m, int32_t nw) {
    unlock_slow(m, nw);
}
