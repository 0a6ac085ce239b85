/*
 * grt_heap.h - the runtime's garbage-collected heap and sync.Pool: the
 * public API (a contract: the allocator and collector live in malloc.c,
 * mheap.c, mgc*.c; the pool in pool.c).
 *
 * Overview
 * --------
 * Every allocation names its type: a grt_type gives the object's size and
 * which of its words hold pointers (a bitmap, one bit per 8-byte word), or
 * says "no pointers" (ptrmask NULL). Pointer-free objects go to noscan
 * spans and are never scanned; the rest are scanned precisely by their
 * mask. Goroutine stacks (with their saved registers) and registered root
 * ranges are scanned conservatively; an interior pointer keeps its whole
 * object alive. Allocation and pointer stores happen on goroutines (inside
 * grt_run), as in Go.
 *
 *   static const uint64_t node_mask[] = {0x3};      // words 0 and 1
 *   static const grt_type node_type = GRT_TYPE(struct node, node_mask);
 *   struct node *n = grt_new(&node_type);            // zeroed
 *   GRT_STORE_PTR(&parent->left, n);                 // write barrier
 *
 * Every store of a pointer into a heap object must go through
 * GRT_STORE_PTR (Go's hybrid write barrier: while marking it shades the
 * old and the new value). Stores into the goroutine's own stack variables
 * need none (stacks are scanned); neither do stores into a freshly
 * allocated object before it is published (it is allocated black while
 * marking). A pointer stored into another goroutine's stack memory needs
 * GRT_STORE_PTR (stacks are scanned concurrently, each while its
 * goroutine does not run). Channel operations need none either: a send
 * or receive that copies pointers into a heap object takes the barrier
 * itself (grt_chan.h).
 *
 * Tuning, as Go: GOGC (percent, "off") and GOMEMLIMIT (bytes with an
 * optional KiB/MiB/GiB/TiB/B suffix, "off"/max) from the environment, and
 * the setters below. GODEBUG=gctrace=1 prints one line per cycle in Go's
 * layout; GODEBUG=gccheckmark=1 re-marks stop-the-world after each cycle
 * and reports anything the concurrent mark missed.
 */
#ifndef MECHLAB_GRT_HEAP_H
#define MECHLAB_GRT_HEAP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- types --------------------------------------------------------------- */

typedef struct grt_type {
    size_t size;             /* bytes of one object (> 0) */
    const uint64_t *ptrmask; /* bit i of word i/64: word i is a pointer;
                                 NULL: the object holds no pointers */
    const char *name;        /* for diagnostics */
} grt_type;

#define GRT_TYPE(T, mask)                                                      \
    { sizeof(T), (mask), #T }
#define GRT_TYPE_NOPTR(T)                                                      \
    { sizeof(T), NULL, #T }

/* ---- allocation (on a goroutine) ---------------------------------------- */

/* A zeroed object of type t. Never returns NULL (out of memory is fatal). */
void *grt_new(const grt_type *t);
/* A zeroed array of n objects of type t (the mask repeats per element). */
void *grt_new_array(const grt_type *t, size_t n);
/* A zeroed pointer-free block of `bytes` bytes (Go's []byte). */
void *grt_new_bytes(size_t bytes);

/* ---- the write barrier ---------------------------------------------------- */

/* Non-zero while the collector needs the barrier (marking). */
extern _Atomic uint32_t grt_writebarrier;
void grt_writebarrier_slow(void **slot, void *val);

static inline void grt_store_ptr(void **slot, void *val) {
    if (__builtin_expect(
            atomic_load_explicit(&grt_writebarrier, memory_order_relaxed), 0))
        grt_writebarrier_slow(slot, val);
    else
        *slot = val;
}
/* GRT_STORE_PTR(&obj->field, value): field must be a pointer lvalue. */
#define GRT_STORE_PTR(slotp, val)                                              \
    grt_store_ptr((void **)(void *)(slotp), (void *)(val))

/* ---- roots ------------------------------------------------------------------ */

/* Scan [start, start+bytes) conservatively as a root until removed (globals,
 * memory outside the heap that holds heap pointers). */
void grt_gc_add_root(const void *start, size_t bytes);
void grt_gc_remove_root(const void *start);
/* Keep p reachable up to this point (Go's runtime.KeepAlive). */
static inline void grt_keepalive(const void *p) {
    __asm__ volatile("" : : "r"(p) : "memory");
}

/* Called with the world stopped at the start of every cycle, before
 * marking (Go's clearpools: the Pool's victim rotation registers here). */
void grt_gc_register_cycle_hook(void (*fn)(void));

/* ---- control --------------------------------------------------------------- */

/* A full collection now, returning when it is complete and swept (Go's
 * runtime.GC()); its gctrace line ends in " (forced)". */
void grt_gc(void);
/* Go's debug.SetGCPercent: returns the previous value; negative = off. */
int grt_set_gc_percent(int percent);
/* Go's debug.SetMemoryLimit: bytes; returns the previous limit; a negative
 * argument only reads it. INT64_MAX means no limit. */
int64_t grt_set_memory_limit(int64_t bytes);
/* Return free heap memory to the OS now (Go's debug.FreeOSMemory). */
void grt_free_os_memory(void);

/* ---- sync.Pool ------------------------------------------------------------- */

/* Go's sync.Pool: Get takes any cached object (or calls new_fn), Put gives
 * one back; the collector may drop what a pool holds (an object survives
 * one collection in the victim cache, not two). On goroutines only. A pool
 * is usually static; one with a shorter life needs grt_pool_destroy
 * before its memory goes. The fields are pool.c's. */
typedef struct grt_pool {
    void *(*new_fn)(void);  /* may be NULL: Get then returns NULL when empty */
    _Atomic(void *) local;  /* this cycle's per-P storage, made on first use */
    _Atomic(void *) victim; /* last cycle's: Get drains it, Put never fills */
    struct grt_pool *next;  /* pools in use (pool.c's list and lock) */
    uint32_t listed;        /* on that list */
} grt_pool;
#define GRT_POOL_INIT(fn)                                                      \
    { (fn), NULL, NULL, NULL, 0 }
void *grt_pool_get(grt_pool *p);
void grt_pool_put(grt_pool *p, void *x);
/* Drop a pool's storage (no goroutine may use it meanwhile or after). */
void grt_pool_destroy(grt_pool *p);

#ifdef __cplusplus
}
#endif
#endif /* MECHLAB_GRT_HEAP_H */
