/*
 * lock.c - the runtime's internal lock and futex wrappers.
 *
 * grt_lock is Drepper's three-state futex mutex ("Futexes are tricky"):
 * 0 free, 1 held, 2 held and someone may sleep. Acquire tries a CAS, spins
 * briefly with PAUSE (critical sections in the runtime are a few dozen
 * instructions: queue links, a heap push), then swaps in 2 and sleeps on
 * the futex until it gets the lock with the swap. Release swaps in 0 and
 * wakes one sleeper only if the old value was 2, so the uncontended path is
 * one atomic each way and no system call.
 *
 * The lock parks the thread, never the goroutine: it is used from
 * scheduler context (run queues, timers, the netpoller) where there is no
 * goroutine to park, and holding it across a goroutine switch would be a
 * bug (grt_park's unlockf is where such a lock is released).
 *
 * Rejected: pthread_mutex (larger, and its robust/PI machinery is useless
 * here); a pure spinlock (a preempted holder would burn the other core on
 * a 2-core VM).
 */
#include "grt_runtime2.h"

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { GRT_LOCK_SPIN = 64 }; /* PAUSE rounds before sleeping (~1-2 us) */

/* Sleep while *addr == val, at most ns (< 0: forever). Spurious wake-ups
 * are allowed; callers loop. */
void grt_futex_wait(_Atomic uint32_t *addr, uint32_t val, int64_t ns) {
    struct timespec ts, *tp = NULL;
    if (ns >= 0) {
        ts.tv_sec = ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        tp = &ts;
    }
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, val, tp, NULL, 0);
}

void grt_futex_wake(_Atomic uint32_t *addr, int n) {
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

void grt_lock_acquire(grt_lock *l) {
    uint32_t c = 0;
    if (atomic_compare_exchange_strong_explicit(
            &l->key, &c, 1, memory_order_acquire, memory_order_relaxed))
        return;
    for (int i = 0; i < GRT_LOCK_SPIN; i++) {
        grt_cpu_relax();
        c = 0;
        if (atomic_load_explicit(&l->key, memory_order_relaxed) == 0 &&
            atomic_compare_exchange_weak_explicit(
                &l->key, &c, 1, memory_order_acquire, memory_order_relaxed))
            return;
    }
    while (atomic_exchange_explicit(&l->key, 2, memory_order_acquire) != 0)
        grt_futex_wait(&l->key, 2, -1);
}

void grt_lock_release(grt_lock *l) {
    if (atomic_exchange_explicit(&l->key, 0, memory_order_release) == 2)
        grt_futex_wake(&l->key, 1);
}

uint64_t grt_nanotime(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
