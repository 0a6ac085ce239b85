/*
 * malloc.c - allocation (Go's mallocgc): grt_new, grt_new_array,
 * grt_new_bytes.
 *
 * Small objects (up to 32 KiB) come from the running P's cache: the size
 * picks a size class, the type picks scan or noscan, and the pair names
 * the span class whose current span supplies the slot. The fast path is a
 * safepoint check, two loads to reach the P's cache, a count-trailing-
 * zeros on the span's alloccache and a few stores; then the slot is zeroed
 * if the span's memory may be dirty, and for a scan span the type's
 * pointer mask is copied into the span's heap bits for the slot's words.
 * Nothing is locked, nothing atomic.
 *
 * The slow path (a span ran out) first checks the GC trigger (heap_live,
 * which moves only when spans enter or leave caches, against the pacer's
 * trigger) and starts a cycle when it is reached; during a concurrent
 * mark it charges the goroutine an assist; then the cache takes a new span
 * from its central list. Large objects get their own span straight from
 * the page heap, zeroed unless its pages are fresh, with their type and
 * element count on the span for the scanner; heap_live grows by the
 * span's size at once.
 *
 * While a cycle is marking, new objects are allocated black (their mark
 * bit set), so the sweep keeps them and the marker never needs to scan
 * them: their pointer fields are either zero or written through the write
 * barrier.
 *
 * Allocation needs a P: call it from goroutines (inside grt_run), not from
 * a goroutine between grt_enter_syscall and grt_exit_syscall.
 */
#include "grt_malloc.h"

#include <string.h>

/* Write the pointer bits of n elements of t at object v of small span s:
 * the slot's words are all rewritten (stale bits cleared). */
static void heapbits_set(grt_mspan *s, uintptr_t v, const grt_type *t,
                         size_t n) {
    uint64_t *hb = s->heapbits;
    size_t w0 = (v - s->base) >> 3;
    size_t ew = s->elemsize >> 3;
    size_t tw = t->size >> 3;
    if (n == 1 && ew <= 64) {
        uint64_t bits = t->ptrmask[0];
        if (tw < 64)
            bits &= ((uint64_t)1 << tw) - 1;
        uint64_t keep = ew == 64 ? 0 : ~(((uint64_t)1 << ew) - 1);
        size_t i = w0 >> 6, sh = w0 & 63;
        uint64_t x = __atomic_load_n(&hb[i], __ATOMIC_RELAXED);
        x = (x & ~(~keep << sh)) | (bits << sh);
        __atomic_store_n(&hb[i], x, __ATOMIC_RELAXED);
        if (sh != 0 && sh + ew > 64) {
            uint64_t y = __atomic_load_n(&hb[i + 1], __ATOMIC_RELAXED);
            size_t hi = sh + ew - 64; /* bits in the next word */
            uint64_t m = ((uint64_t)1 << hi) - 1;
            y = (y & ~m) | ((bits >> (64 - sh)) & m);
            __atomic_store_n(&hb[i + 1], y, __ATOMIC_RELAXED);
        }
        return;
    }
    for (size_t k = 0; k < ew; k++) {
        size_t b = w0 + k;
        uint64_t bit = (uint64_t)1 << (b & 63);
        bool ptr = false;
        size_t e = tw != 0 ? k / tw : n;
        if (e < n) {
            size_t j = k - e * tw;
            ptr = (t->ptrmask[j >> 6] >> (j & 63)) & 1;
        }
        uint64_t x = __atomic_load_n(&hb[b >> 6], __ATOMIC_RELAXED);
        x = ptr ? x | bit : x & ~bit;
        __atomic_store_n(&hb[b >> 6], x, __ATOMIC_RELAXED);
    }
}

/* Go's nextFreeFast: a free slot from the cached bits, or 0. */
static inline uintptr_t next_free_fast(grt_mspan *s) {
    uint64_t cache = s->alloccache;
    if (cache == 0)
        return 0;
    unsigned bit = (unsigned)__builtin_ctzll(cache);
    uint32_t result = s->freeindex + bit;
    if (result >= s->nelems)
        return 0;
    uint32_t freeidx = result + 1;
    if ((freeidx & 63) == 0 && freeidx != s->nelems)
        return 0; /* the cache needs a refill: slow path */
    s->alloccache = bit == 63 ? 0 : cache >> (bit + 1);
    s->freeindex = freeidx;
    s->alloccount++;
    return s->base + (uintptr_t)result * s->elemsize;
}

/* Go's nextFreeIndex: the next free slot index, nelems when none. */
static uint32_t next_free_index(grt_mspan *s) {
    uint32_t fi = s->freeindex, n = s->nelems;
    if (fi >= n)
        return n;
    uint64_t cache = s->alloccache;
    while (cache == 0) {
        fi = (fi + 64) & ~63u;
        if (fi >= n) {
            s->freeindex = n;
            return n;
        }
        cache = ~s->allocbits[fi >> 6];
    }
    unsigned bit = (unsigned)__builtin_ctzll(cache);
    uint32_t result = fi + bit;
    if (result >= n) {
        s->freeindex = n;
        return n;
    }
    cache = bit == 63 ? 0 : cache >> (bit + 1);
    fi = result + 1;
    if ((fi & 63) == 0 && fi != n)
        cache = ~s->allocbits[fi >> 6];
    s->alloccache = cache;
    s->freeindex = fi;
    s->alloccount++;
    return result;
}

static inline void after_alloc(grt_mspan *s, uintptr_t v, size_t size,
                               const grt_type *t, size_t n) {
    if (s->needzero)
        memset((void *)v, 0, (size + 7) & ~(size_t)7);
    if (t != NULL && t->ptrmask != NULL)
        heapbits_set(s, v, t, n);
    if (__builtin_expect(
            atomic_load_explicit(&grt_gcblackenenabled, memory_order_relaxed),
            0))
        grt_gcmark_alloc_black(s, v);
}

static grt_mcache *current_cache(void) {
    if (!grt_tls_is_m)
        grt_throw("grt_new: allocation outside a goroutine (call it inside "
                  "grt_run)");
    grt_g *g = grt_curg();
    struct grt_p *p = g->m->p;
    if (p == NULL || g->is_g0)
        grt_throw("grt_new: allocation without a P (inside a syscall?)");
    return grt_mcache_get(p);
}

static void *alloc_large(size_t bytes, const grt_type *t, size_t n) {
    grt_mcache *c = current_cache();
    if (grt_gc_trigger_reached())
        grt_gc_maybe_start();
    c = current_cache();
    grt_gc_assist(c, bytes);
    size_t npages = (bytes + GRT_PAGE_BYTES - 1) >> GRT_PAGE_SHIFT;
    grt_sweep_credit(npages * GRT_PAGE_BYTES);
    bool noscan = t == NULL || t->ptrmask == NULL;
    grt_mspan *s = grt_mheap_alloc(npages, (uint8_t)noscan, true);
    s->ltype = noscan ? NULL : t;
    s->lcount = n;
    if (s->needzero)
        memset((void *)s->base, 0, bytes);
    s->freeindex = 1;
    s->alloccount = 1;
    atomic_fetch_add(&grt_mheap.largealloc_n, 1);
    atomic_fetch_add(&grt_pacer.heap_live, npages * GRT_PAGE_BYTES);
    if (atomic_load_explicit(&grt_gcblackenenabled, memory_order_relaxed))
        grt_gcmark_alloc_black(s, s->base);
    grt_mcentral_put_swept(&grt_mheap.central[s->spc], s);
    return (void *)s->base;
}

static void *malloc_slow(size_t size, const grt_type *t, size_t n) {
    if (size > GRT_MAX_SMALL)
        return alloc_large(size, t, n);
    grt_mcache *c = current_cache();
    bool noscan = t == NULL || t->ptrmask == NULL;
    uint8_t spc = (uint8_t)(grt_size_class(size) << 1 | noscan);
    grt_mspan *s = c->alloc[spc];
    uint32_t idx = next_free_index(s);
    if (idx >= s->nelems) {
        if (grt_debug.gccollectevery > 0 &&
            c->refills >= (uint64_t)grt_debug.gccollectevery &&
            (atomic_load(&grt_pacer.gc_percent) >= 0 ||
             atomic_load(&grt_pacer.mem_limit) != INT64_MAX)) {
            c->refills = 0;
            grt_gc();
        } else if (grt_gc_trigger_reached()) {
            grt_gc_maybe_start();
        }
        c = current_cache(); /* a cycle may have moved us to another P */
        grt_gc_assist(c, GRT_PAGE_BYTES);
        c = current_cache();
        s = c->alloc[spc];
        idx = next_free_index(s);
        if (idx >= s->nelems) {
            grt_mcache_refill(c, spc);
            s = c->alloc[spc];
            idx = next_free_index(s);
            if (idx >= s->nelems)
                grt_throw("heap: a fresh span has no free slot");
        }
    }
    uintptr_t v = s->base + (uintptr_t)idx * s->elemsize;
    after_alloc(s, v, size, t, n);
    return (void *)v;
}

static inline void *mallocgc(size_t size, const grt_type *t, size_t n) {
    GRT_SAFEPOINT();
    if (__builtin_expect(size <= GRT_MAX_SMALL, 1)) {
        struct grt_p *p = grt_curg()->m->p;
        if (__builtin_expect(p != NULL && p->mcache != NULL, 1)) {
            bool noscan = t == NULL || t->ptrmask == NULL;
            unsigned spc = grt_size_class(size) << 1 | noscan;
            grt_mspan *s = p->mcache->alloc[spc];
            uintptr_t v = next_free_fast(s);
            if (__builtin_expect(v != 0, 1)) {
                after_alloc(s, v, size, t, n);
                return (void *)v;
            }
        }
    }
    return malloc_slow(size, t, n);
}

static void check_type(const grt_type *t) {
    if (t == NULL || t->size == 0)
        grt_throw("grt_new: NULL type or zero size");
    if (t->ptrmask != NULL && (t->size & 7) != 0)
        grt_throw("grt_new: type %s holds pointers but its size %zu is not "
                  "a multiple of 8",
                  t->name != NULL ? t->name : "?", t->size);
}

void *grt_new(const grt_type *t) {
    if (__builtin_expect(t == NULL || t->size == 0, 0))
        check_type(t);
    if (t->ptrmask != NULL && __builtin_expect((t->size & 7) != 0, 0))
        check_type(t);
    return mallocgc(t->size, t, 1);
}

void *grt_new_array(const grt_type *t, size_t n) {
    check_type(t);
    if (n == 0)
        n = 1; /* Go's zero-length allocations share one address; we give
                  each a minimal object */
    if (t->size > (SIZE_MAX / 2) / n)
        grt_panic("runtime error: makeslice: len out of range");
    size_t bytes = t->size * n;
    if (n == 1)
        return mallocgc(bytes, t, 1);
    /* A small array with pointers: heapbits_set repeats the mask. */
    return mallocgc(bytes, t, n);
}

void *grt_new_bytes(size_t bytes) {
    if (bytes > SIZE_MAX / 2)
        grt_panic("runtime error: makeslice: len out of range");
    return mallocgc(bytes == 0 ? 1 : bytes, NULL, 1);
}
