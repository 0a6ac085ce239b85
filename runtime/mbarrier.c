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
 * A goroutine's stores into its own stack variables need no barrier (its
 * stack is scanned, once, before it runs in a marking cycle: mgcmark.c),
 * nor stores into an object allocated during this cycle before it is
 * published (it was allocated black and is not scanned), nor stores into
 * registered globals (scanned in the first pause). A store of a heap
 * pointer into ANOTHER goroutine's stack memory does need GRT_STORE_PTR:
 * that stack may already be scanned.
 *
 * Bulk copies (Go's typedmemmove and bulkBarrierPreWrite). A channel
 * moves whole elements with memcpy: from a sender into a buffer slot, from
 * a slot or a sender into a receiver's destination, which may be a heap
 * object. Each pointer word of such a copy gets the same treatment as one
 * GRT_STORE_PTR, done before the copy: the word about to be overwritten is
 * shaded when the destination is in the heap (a receive into a heap field
 * deletes the pointer that was there, and that deletion is what the
 * snapshot needs to see), and the word being written is always shaded (the
 * destination may be black: a buffer scanned already, an
 * object allocated during the cycle). Which words are pointers comes from
 * the element's type; without one, every aligned word is treated as a
 * possible pointer, as the conservative scan of an untyped buffer does.
 * The caller tests grt_writebarrier first, so all of this costs nothing
 * outside marking.
 */
#include "grt_malloc.h"

#include <string.h>

_Atomic uint32_t grt_writebarrier;

void grt_writebarrier_slow(void **slot, void *val) {
    void *old = *(void *volatile *)slot;
    if (old != NULL)
        grt_shade((uintptr_t)old);
    if (val != NULL)
        grt_shade((uintptr_t)val);
    __atomic_store_n(slot, val, __ATOMIC_RELAXED);
}

/* Is p inside the heap arena (a heap object's memory, not a stack, a global
 * or malloc'd memory)? */
static bool in_arena(const void *p) {
    return (uintptr_t)p - grt_mheap.arena_base < GRT_ARENA_BYTES;
}

static uintptr_t load_word(const char *p) {
    uintptr_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

void grt_bulkbarrier_prewrite(void *dst, const void *src, size_t size,
                              const grt_type *t) {
    const char *d = in_arena(dst) ? dst : NULL; /* old values to shade */
    const char *s = src;
    size_t words = size / sizeof(uintptr_t);
    for (size_t i = 0; i < words; i++) {
        if (t != NULL) {
            if (t->ptrmask == NULL)
                return;
            if (((t->ptrmask[i / 64] >> (i % 64)) & 1) == 0)
                continue;
        }
        size_t off = i * sizeof(uintptr_t);
        if (d != NULL) {
            uintptr_t old = load_word(d + off);
            if (old != 0)
                grt_shade(old);
        }
        if (s != NULL) {
            uintptr_t val = load_word(s + off);
            if (val != 0)
                grt_shade(val);
        }
    }
}
