/*
 * mgcsweep.c - sweeping (Go's mgcsweep.go): lazy, proportional and
 * finished at the start of the next cycle.
 *
 * Marking leaves, per span, a mark bit per live object. Sweeping a span
 * makes those marks its allocation bits: the slots without a mark are
 * free again, and the cache's find-first-set will hand them out. That is
 * all; no object is touched, no free list is threaded through dead
 * objects (their memory is zeroed when reused). A pointer-free span costs
 * its metadata only, whatever its objects hold. An empty span goes back to
 * the page heap; a large object's span goes back when its one object is
 * unmarked.
 *
 * When: the flip at mark termination (world stopped) makes every span
 * unswept at once (sweepgen += 2). After that, spans are swept
 *   - by the allocator, on demand: mcentral sweeps the span it is about
 *     to hand out;
 *   - proportionally: before taking a span or a large object, the
 *     allocator sweeps enough other spans that sweeping finishes before
 *     the heap reaches the next trigger (Go's sweepPagesPerByte, computed
 *     at the flip from the pages in use and the distance to the trigger);
 *   - entirely by grt_gc() before it returns, and by the next cycle's
 *     first stop-the-world if anything is left (Go's finishsweep_m).
 * When the last span is swept, the scavenger runs to its goal (Go's
 * background scavenger is woken at that moment too).
 */
#include "grt_malloc.h"

#include <string.h>

static _Atomic uint64_t sweep_live_basis; /* heap_live at the flip */
static _Atomic double sweep_pages_per_byte;
static _Atomic uint64_t sweep_total_freed_objects;

static uint32_t popcount_bits(const uint64_t *b, uint32_t n) {
    uint32_t c = 0, full = n / 64;
    for (uint32_t i = 0; i < full; i++)
        c += (uint32_t)__builtin_popcountll(b[i]);
    if (n & 63)
        c += (uint32_t)__builtin_popcountll(b[full] &
                                            (((uint64_t)1 << (n & 63)) - 1));
    return c;
}

bool grt_sweep_span(grt_mspan *s, bool preserve) {
    uint32_t sg = atomic_load(&grt_mheap.sweepgen);
    GRT_ASSERT(atomic_load(&s->sweepgen) == sg - 1);
    atomic_fetch_add(&grt_mheap.pages_swept, s->npages);
    if (grt_spc_class(s->spc) == 0) {
        /* A large object. */
        bool live = s->markbits[0] & 1;
        if (live) {
            s->markbits[0] = 0;
            atomic_store(&s->sweepgen, sg);
            return true;
        }
        atomic_fetch_add(&sweep_total_freed_objects, 1);
        grt_mheap_free(s);
        return false;
    }
    uint32_t nalloc = popcount_bits(s->markbits, s->nelems);
    if (s->alloccount > nalloc)
        atomic_fetch_add(&sweep_total_freed_objects, s->alloccount - nalloc);
    uint64_t *t = s->allocbits;
    s->allocbits = s->markbits;
    s->markbits = t;
    memset(s->markbits, 0, ((s->nelems + 63) / 64) * sizeof(uint64_t));
    s->freeindex = 0;
    s->alloccount = nalloc;
    s->alloccache = ~s->allocbits[0];
    s->needzero = 1;
    if (nalloc == 0 && !preserve) {
        grt_mheap_free(s);
        return false;
    }
    atomic_store(&s->sweepgen, sg);
    return true;
}

size_t grt_sweepone(void) {
    uint32_t sg = atomic_load(&grt_mheap.sweepgen);
    if (atomic_load(&grt_mheap.sweep_drained))
        return 0;
    atomic_fetch_add(&grt_mheap.sweepers, 1);
    size_t pages = 0;
    uint32_t start = atomic_load(&grt_mheap.sweep_spc);
    for (uint32_t k = 0; k < GRT_NUM_SPANCLASSES; k++) {
        uint32_t spc = (start + k) % GRT_NUM_SPANCLASSES;
        grt_mcentral *c = &grt_mheap.central[spc];
        grt_mspan *s = grt_mcentral_pop_unswept(c, sg);
        if (s == NULL)
            continue;
        atomic_store(&grt_mheap.sweep_spc, spc);
        uint32_t want = sg - 2;
        if (!atomic_compare_exchange_strong(&s->sweepgen, &want, sg - 1))
            grt_throw("sweep: listed unswept span in state %u (sg %u)", want,
                      sg);
        pages = s->npages;
        if (grt_sweep_span(s, false))
            grt_mcentral_put_swept(c, s);
        break;
    }
    if (pages == 0)
        atomic_store(&grt_mheap.sweep_drained, 1);
    if (atomic_fetch_sub(&grt_mheap.sweepers, 1) == 1 && pages == 0 &&
        atomic_load(&grt_mheap.sweep_drained)) {
        uint32_t zero = 0;
        if (atomic_compare_exchange_strong(&grt_mheap.sweep_done, &zero, 1))
            grt_scavenge_background();
    }
    return pages;
}

void grt_sweep_all(void) {
    while (grt_sweepone() != 0)
        ;
    /* Others may still be sweeping spans they popped. */
    while (atomic_load(&grt_mheap.sweepers) != 0)
        ;
}

void grt_sweep_credit(size_t bytes) {
    (void)bytes;
    if (atomic_load_explicit(&grt_mheap.sweep_drained, memory_order_relaxed))
        return;
    double ppb =
        atomic_load_explicit(&sweep_pages_per_byte, memory_order_relaxed);
    if (ppb <= 0)
        return;
    uint64_t live = atomic_load(&grt_pacer.heap_live) + bytes;
    uint64_t basis = atomic_load(&sweep_live_basis);
    if (live <= basis)
        return;
    double goal = (double)(live - basis) * ppb;
    for (int guard = 0; guard < 1000; guard++) {
        if ((double)atomic_load(&grt_mheap.pages_swept) >= goal)
            break;
        if (grt_sweepone() == 0)
            break;
    }
}

void grt_sweep_flip(void) {
    uint32_t sg = atomic_load(&grt_mheap.sweepgen) + 2;
    atomic_store(&grt_mheap.sweepgen, sg);
    uint64_t pages = atomic_load(&grt_mheap.inuse) >> GRT_PAGE_SHIFT;
    atomic_store(&grt_mheap.pages_inuse_at_flip, pages);
    atomic_store(&grt_mheap.pages_swept, 0);
    atomic_store(&grt_mheap.sweep_drained, 0);
    atomic_store(&grt_mheap.sweep_done, 0);
    uint64_t live = atomic_load(&grt_pacer.heap_live);
    uint64_t trigger = atomic_load(&grt_pacer.trigger);
    atomic_store(&sweep_live_basis, live);
    /* Go's sweepPagesPerByte, with its 1 MiB minimum distance. */
    uint64_t dist = trigger > live ? trigger - live : 0;
    if (dist < (1u << 20))
        dist = 1u << 20;
    atomic_store(&sweep_pages_per_byte, (double)pages / (double)dist);
}

uint64_t grt_sweep_freed_objects(void);
uint64_t grt_sweep_freed_objects(void) {
    return atomic_load(&sweep_total_freed_objects);
}
