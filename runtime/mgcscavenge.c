/*
 * mgcscavenge.c - returning free heap memory to the OS (Go's
 * mgcscavenge.go, by its goals rather than its pacing).
 *
 * Free spans keep their pages resident, so that reuse costs nothing; the
 * scavenger hands the surplus back with madvise(MADV_DONTNEED) (the pages
 * stay mapped and come back zero on the next touch, so a span built from
 * them needs no zeroing). Its goals are Go 1.19's:
 *
 *   - retained heap memory (in-use spans + resident free spans) at most
 *     10% above the heap goal (retainExtraPercent);
 *   - with a memory limit, everything the runtime keeps mapped at most 95%
 *     of the limit (reduceExtraPercent).
 *
 * It runs when sweeping finishes (the moment the free memory of the last
 * cycle is known), from the monitor thread about once a second, on
 * grt_free_os_memory (everything free), and synchronously when the heap is
 * about to grow past a memory limit. Go paces its background scavenger to
 * about 1% of one CPU; here each run is one pass over the free lists,
 * largest spans first, until the goal is met.
 */
#include "grt_malloc.h"

uint64_t grt_mheap_release(uint64_t want); /* mheap.c, heap lock held */

uint64_t grt_scavenge_to(uint64_t target) {
    grt_lock_acquire(&grt_mheap.lock);
    uint64_t retained =
        atomic_load(&grt_mheap.inuse) + atomic_load(&grt_mheap.free_ready);
    uint64_t done = 0;
    if (retained > target)
        done = grt_mheap_release(retained - target);
    grt_lock_release(&grt_mheap.lock);
    return done;
}

void grt_scavenge_background(void) {
    if (grt_mheap.arena_base == 0)
        return;
    uint64_t goal = grt_pacer_scavenge_goal();
    if (goal != UINT64_MAX)
        grt_scavenge_to(goal);
}
