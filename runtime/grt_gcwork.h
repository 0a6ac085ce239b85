/*
 * grt_gcwork.h - the collector's grey-object work buffers (Go's
 * mgcwork.go): what mgcwork.c provides to mgcmark.c. Private to the
 * runtime.
 *
 * A grey object waits in a work buffer: a 4 KiB block of object
 * addresses. Every P owns a grt_gcw holding two buffers (Go's wbuf1 and
 * wbuf2: with two, a marker that alternates between pushing and popping
 * around a buffer boundary does not hand a buffer back and forth to the
 * global lists). Marking on a P (its background worker, its idle marking,
 * an assist, the write barrier of the goroutine running there) puts and
 * gets through that P's grt_gcw with no atomic operation at all; only
 * a full buffer goes to the global full list and an empty one comes from
 * the global empty list, both lock-free stacks (Go's lfstack: the head
 * word packs the buffer's index with a counter that changes at every
 * update, so a CAS cannot succeed on a head that was popped and pushed
 * back meanwhile, the ABA problem). Buffers are never freed, only
 * recycled, so reading a popped buffer's link is always safe.
 *
 * Load balancing (Go's gcWork.balance): a marker that sees the full list
 * empty hands one of its buffers (or half of its only one) to it, so that
 * idle markers find work; the caller then wakes an idle P to mark it (Go's
 * enlistWorker).
 *
 * Each grt_gcw also carries a lock word, taken by its P's owner around
 * a marking session (a chunk, one write-barrier shade) and tried by the
 * goroutine that checks for mark termination: a P whose lock it gets is
 * not marking, and its buffers are moved to the full list (Go flushes
 * them with a ragged barrier, forEachP). Sessions are short and have no
 * safepoint inside, so the try fails only while that P is in one.
 */
#ifndef MECHLAB_GRT_GCWORK_H
#define MECHLAB_GRT_GCWORK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GRT_WBUF_OBJS 510 /* a buffer is 4 KiB */

typedef struct grt_workbuf {
    _Atomic uint32_t next; /* list link: the next buffer's id, 0 none */
    uint32_t id;           /* this buffer's id (index + 1) */
    uint64_t n;            /* objects held */
    uintptr_t obj[GRT_WBUF_OBJS];
} grt_workbuf;

typedef struct grt_gcw {
    _Atomic uint32_t lock; /* 1 while a session uses it */
    grt_workbuf *b1, *b2;  /* b1 is used first; either may be NULL */
    /* Work not yet added to the cycle's counters (grt_gcwork_stats): */
    uint64_t heap_scan, marked, noscan;
} __attribute__((aligned(64))) grt_gcw;

/* The full list's head: id in the low 32 bits (0: empty), counter above. */
extern _Atomic uint64_t grt_wbuf_full;

static inline bool grt_wbuf_full_empty(void) {
    return (atomic_load_explicit(&grt_wbuf_full, memory_order_relaxed) &
            0xffffffffu) == 0;
}

void grt_gcwork_put_slow(grt_gcw *w, uintptr_t obj);
uintptr_t grt_gcwork_get_slow(grt_gcw *w);

/* Grey obj. */
static inline void grt_gcwork_put(grt_gcw *w, uintptr_t obj) {
    grt_workbuf *b = w->b1;
    if (__builtin_expect(b != NULL && b->n < GRT_WBUF_OBJS, 1)) {
        b->obj[b->n++] = obj;
        return;
    }
    grt_gcwork_put_slow(w, obj);
}

/* A grey object, or 0 when neither w nor the full list has one. */
static inline uintptr_t grt_gcwork_get(grt_gcw *w) {
    grt_workbuf *b = w->b1;
    if (__builtin_expect(b != NULL && b->n > 0, 1))
        return b->obj[--b->n];
    return grt_gcwork_get_slow(w);
}

/* Share some of w's work through the full list (call when it is empty);
 * true if it did. */
bool grt_gcwork_balance(grt_gcw *w);
/* Move w's non-empty buffers to the full list. */
void grt_gcwork_dispose(grt_gcw *w);
bool grt_gcwork_empty(const grt_gcw *w);
/* Dispose, and give w's empty buffers back (a grt_gcw that is not a
 * P's, at the end of its use). */
void grt_gcwork_release(grt_gcw *w);

#endif /* MECHLAB_GRT_GCWORK_H */
