/*
 * mgcwork.c - the collector's work buffers (Go's mgcwork.go): the global
 * lock-free lists of full and empty buffers, and the slow paths of a P's
 * grt_gcw (grt_gcwork.h says how they fit together).
 *
 * Buffers are allocated 1024 at a time (4 MiB, one mmap) and never
 * returned: their number is bounded by the most grey objects ever waiting
 * at once, which depth-first marking keeps small. A buffer is named by an
 * id (its index + 1) so that a list head fits one 64-bit word with a
 * 32-bit update counter beside it; the chunk table turns an id into an
 * address. 4096 chunks of 1024 buffers hold 2^31 grey objects.
 *
 * Why lock-free: with one locked list, every marker and every write
 * barrier that greys an object serialized on that lock (the design this
 * replaces); here a marker touches shared state once per 510 objects, with
 * one CAS.
 */
#include "grt_gcwork.h"
#include "grt_internal.h"

#include <string.h>
#include <sys/mman.h>

#define CHUNK_BUFS 1024
#define MAX_CHUNKS 4096

_Atomic uint64_t grt_wbuf_full;
static _Atomic uint64_t wbuf_empty;

static grt_workbuf *_Atomic chunks[MAX_CHUNKS];
static _Atomic uint32_t nchunks;
static grt_lock grow_lock = GRT_LOCK_INIT;

static inline grt_workbuf *buf_of(uint32_t id) {
    uint32_t i = id - 1;
    grt_workbuf *c =
        atomic_load_explicit(&chunks[i / CHUNK_BUFS], memory_order_acquire);
    return &c[i % CHUNK_BUFS];
}

static void lf_push(_Atomic uint64_t *head, grt_workbuf *b) {
    uint64_t old = atomic_load_explicit(head, memory_order_relaxed);
    for (;;) {
        atomic_store_explicit(&b->next, (uint32_t)old, memory_order_relaxed);
        uint64_t nw = ((old >> 32) + 1) << 32 | b->id;
        if (atomic_compare_exchange_weak_explicit(
                head, &old, nw, memory_order_release, memory_order_relaxed))
            return;
    }
}

static grt_workbuf *lf_pop(_Atomic uint64_t *head) {
    uint64_t old = atomic_load_explicit(head, memory_order_acquire);
    for (;;) {
        uint32_t id = (uint32_t)old;
        if (id == 0)
            return NULL;
        grt_workbuf *b = buf_of(id);
        /* b may be popped and reused meanwhile: then the counter moved and
         * the CAS fails; the read itself is of memory never freed. */
        uint32_t next = atomic_load_explicit(&b->next, memory_order_relaxed);
        uint64_t nw = ((old >> 32) + 1) << 32 | next;
        if (atomic_compare_exchange_weak_explicit(
                head, &old, nw, memory_order_acquire, memory_order_acquire))
            return b;
    }
}

/* A new chunk of buffers: one is returned, the rest go to the empty list. */
static grt_workbuf *grow(void) {
    grt_lock_acquire(&grow_lock);
    grt_workbuf *b = lf_pop(&wbuf_empty); /* another grew meanwhile? */
    if (b != NULL) {
        grt_lock_release(&grow_lock);
        return b;
    }
    uint32_t k = atomic_load(&nchunks);
    if (k == MAX_CHUNKS)
        grt_throw("gc: out of work buffers (%u grey objects)",
                  (unsigned)(MAX_CHUNKS * CHUNK_BUFS * GRT_WBUF_OBJS));
    grt_workbuf *c =
        mmap(NULL, CHUNK_BUFS * sizeof(grt_workbuf), PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (c == MAP_FAILED)
        grt_throw("gc: out of memory for work buffers");
    for (uint32_t i = 0; i < CHUNK_BUFS; i++)
        c[i].id = k * CHUNK_BUFS + i + 1;
    atomic_store_explicit(&chunks[k], c, memory_order_release);
    atomic_store(&nchunks, k + 1);
    for (uint32_t i = 1; i < CHUNK_BUFS; i++)
        lf_push(&wbuf_empty, &c[i]);
    grt_lock_release(&grow_lock);
    return &c[0];
}

static grt_workbuf *getempty(void) {
    grt_workbuf *b = lf_pop(&wbuf_empty);
    if (b == NULL)
        b = grow();
    b->n = 0;
    return b;
}

static void putfull(grt_workbuf *b) {
    lf_push(&grt_wbuf_full, b);
}

void grt_gcwork_put_slow(grt_gcw *w, uintptr_t obj) {
    grt_workbuf *t = w->b1;
    w->b1 = w->b2;
    w->b2 = t;
    grt_workbuf *b = w->b1;
    if (b == NULL || b->n == GRT_WBUF_OBJS) {
        if (b != NULL)
            putfull(b);
        b = w->b1 = getempty();
    }
    b->obj[b->n++] = obj;
}

uintptr_t grt_gcwork_get_slow(grt_gcw *w) {
    grt_workbuf *t = w->b1;
    w->b1 = w->b2;
    w->b2 = t;
    grt_workbuf *b = w->b1;
    if (b == NULL || b->n == 0) {
        grt_workbuf *f = lf_pop(&grt_wbuf_full);
        if (f == NULL)
            return 0;
        if (b != NULL)
            lf_push(&wbuf_empty, b);
        b = w->b1 = f;
    }
    return b->obj[--b->n];
}

bool grt_gcwork_balance(grt_gcw *w) {
    grt_workbuf *b2 = w->b2;
    if (b2 != NULL && b2->n != 0) {
        putfull(b2);
        w->b2 = getempty();
        return true;
    }
    grt_workbuf *b1 = w->b1;
    if (b1 == NULL || b1->n <= 4)
        return false;
    grt_workbuf *nb = getempty();
    uint64_t half = b1->n / 2;
    memcpy(nb->obj, &b1->obj[b1->n - half], half * sizeof(uintptr_t));
    nb->n = half;
    b1->n -= half;
    putfull(nb);
    return true;
}

void grt_gcwork_dispose(grt_gcw *w) {
    if (w->b1 != NULL && w->b1->n != 0) {
        putfull(w->b1);
        w->b1 = NULL;
    }
    if (w->b2 != NULL && w->b2->n != 0) {
        putfull(w->b2);
        w->b2 = NULL;
    }
}

bool grt_gcwork_empty(const grt_gcw *w) {
    return (w->b1 == NULL || w->b1->n == 0) && (w->b2 == NULL || w->b2->n == 0);
}

void grt_gcwork_release(grt_gcw *w) {
    grt_gcwork_dispose(w);
    if (w->b1 != NULL)
        lf_push(&wbuf_empty, w->b1);
    if (w->b2 != NULL)
        lf_push(&wbuf_empty, w->b2);
    w->b1 = w->b2 = NULL;
}
