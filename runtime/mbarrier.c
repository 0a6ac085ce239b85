/*
 * mbarrier.c - the write barrier (Go's mbarrier.go, the hybrid barrier of
 * Go 1.8: "shade the old value, and the new value").
 *
 * Experiments store pointers into heap objects with GRT_STORE_PTR
 * (grt_heap.h), which tests the global grt_writebarrier word and stores
 * directly when it is zero: one load and a predicted branch outside
 * marking. While a concurrent mark runs, the slow path greys both the
 * pointer being overwritten (so an object unlinked from the heap while a
 * goroutine's stack, already scanned, still holds it cannot be lost) and
 * the pointer being written (so an object moved from an unscanned stack
 * into an already scanned, black object cannot be lost). Go shades the new
 * pointer only while the current stack is grey; we do not track stack
 * colour and always shade it, which is the barrier's conservative form.
 *
 * Stores into stack variables need no barrier (stacks are roots scanned at
 * the end of marking too), nor stores into an object allocated during
 * this cycle before it is published (it was allocated black and is not
 * scanned).
 */
#include "grt_malloc.h"

_Atomic uint32_t grt_writebarrier;

void grt_writebarrier_slow(void **slot, void *val) {
    void *old = *(void *volatile *)slot;
    if (old != NULL)
        grt_shade((uintptr_t)old);
    if (val != NULL)
        grt_shade((uintptr_t)val);
    __atomic_store_n(slot, val, __ATOMIC_RELAXED);
}
