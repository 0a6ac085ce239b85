/*
 * waitgroup.c - grt_waitgroup, Go's sync.WaitGroup.
 *
 * One 64-bit word: the counter in the high half, the number of waiters in
 * the low half, so Add and Wait agree on both with single atomics. Add
 * that brings the counter to zero with waiters present resets the word and
 * releases the semaphore once per waiter. Misuse is fatal with Go's
 * messages: a negative counter, Add racing with Wait on a zero counter,
 * and reuse before the previous Wait returned.
 */
#include "grt_runtime2.h"

void grt_waitgroup_add(grt_waitgroup *wg, int delta) {
    uint64_t state =
        atomic_fetch_add(&wg->state, (uint64_t)(int64_t)delta << 32) +
        ((uint64_t)(int64_t)delta << 32);
    int32_t v = (int32_t)(state >> 32);
    uint32_t w = (uint32_t)state;
    if (v < 0)
        grt_panic("sync: negative WaitGroup counter");
    if (w != 0 && delta > 0 && v == delta)
        grt_panic("sync: WaitGroup misuse: Add called concurrently with Wait");
    if (v > 0 || w == 0)
        return;
    if (atomic_load(&wg->state) != state)
        grt_panic("sync: WaitGroup misuse: Add called concurrently with Wait");
    atomic_store(&wg->state, 0);
    for (; w != 0; w--)
        grt_semrelease(&wg->sema, false);
}

void grt_waitgroup_done(grt_waitgroup *wg) {
    grt_waitgroup_add(wg, -1);
}

void grt_waitgroup_wait(grt_waitgroup *wg) {
    GRT_SAFEPOINT();
    uint64_t state = atomic_load(&wg->state);
    for (;;) {
        if ((int32_t)(state >> 32) == 0)
            return;
        if (atomic_compare_exchange_weak(&wg->state, &state, state + 1)) {
            grt_semacquire(&wg->sema, false, GRT_WAIT_WAITGROUP);
            if (atomic_load(&wg->state) != 0)
                grt_panic("sync: WaitGroup is reused before previous Wait "
                          "has returned");
            return;
        }
    }
}
