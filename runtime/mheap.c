/*
 * mheap.c - the page heap (Go's mheap.go, in its pre-1.14 shape: free
 * spans on lists by size, coalesced with their neighbours).
 *
 * The arena is one reservation (GRT_ARENA_BYTES of address space,
 * MAP_NORESERVE: pages cost nothing until touched) aligned to 8 KiB pages
 * and handed out from the bottom up (arena_used is the frontier). A
 * parallel table spans[] maps every page to the span that owns it, so any
 * address, interior pointers included, finds its span with one subtraction,
 * one shift and one load; that is what conservative stack scanning and
 * precise heap scanning both do for every candidate pointer. In-use spans
 * fill every page's entry; free spans only their first and last page's
 * (all coalescing needs).
 *
 * Free spans sit on free[n] for n = 1..127 pages and free[0] for larger
 * ones (best fit by a scan: large frees are rare). Allocation takes the
 * smallest span that fits, splits off the rest, and grows the frontier when
 * nothing fits. Freeing coalesces with free neighbours, but only with
 * neighbours in the same state: pages returned to the OS (scav) are kept
 * apart from resident free pages, so the heap's count of resident memory
 * stays exact (Go tracks this per page with a bitmap; a span-level flag is
 * the simple version). A span reused from returned pages needs no zeroing
 * (the kernel gives zero pages); any other reused span does.
 *
 * Span structures and their bitmaps are ordinary malloc memory outside the
 * arena (never scanned). Span structures are recycled, never freed: a stale
 * spans[] entry then still points at a valid structure whose state says
 * whether it is in use.
 */
#include "grt_malloc.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct grt_mheap grt_mheap;

static grt_mspan *span_freelist; /* recycled structs; heap lock */

void grt_spanlist_push(grt_spanlist *l, grt_mspan *s) {
    s->next = NULL;
    s->prev = l->last;
    if (l->last != NULL)
        l->last->next = s;
    else
        l->first = s;
    l->last = s;
    l->n++;
}

void grt_spanlist_remove(grt_spanlist *l, grt_mspan *s) {
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        l->first = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    else
        l->last = s->prev;
    s->next = s->prev = NULL;
    l->n--;
}

grt_mspan *grt_spanlist_pop(grt_spanlist *l) {
    grt_mspan *s = l->first;
    if (s != NULL)
        grt_spanlist_remove(l, s);
    return s;
}

void grt_mheap_init(void) {
    grt_sizeclasses_init();
    size_t len = GRT_ARENA_BYTES + GRT_PAGE_BYTES;
    void *a = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (a == MAP_FAILED)
        grt_throw("heap: cannot reserve %zu GiB of address space",
                  (size_t)(GRT_ARENA_BYTES >> 30));
    uintptr_t base =
        ((uintptr_t)a + GRT_PAGE_BYTES - 1) & ~(GRT_PAGE_BYTES - 1);
    grt_mheap.arena_base = base;
    grt_mheap.arena_end = base + GRT_ARENA_BYTES;
    atomic_store(&grt_mheap.arena_used, base);
    size_t tbl = (GRT_ARENA_BYTES >> GRT_PAGE_SHIFT) * sizeof(grt_mspan *);
    void *t = mmap(NULL, tbl, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (t == MAP_FAILED)
        grt_throw("heap: cannot reserve the span table");
    grt_mheap.spans = t;
    for (unsigned i = 0; i < GRT_NUM_SPANCLASSES; i++)
        grt_mheap.central[i].spc = (uint8_t)i;
    atomic_store(&grt_mheap.sweepgen, 2);
    atomic_store(&grt_mheap.sweep_done, 1);
    atomic_store(&grt_mheap.sweep_drained, 1);
}

static grt_mspan *span_struct_alloc(void) /* heap lock */
{
    if (span_freelist == NULL) {
        enum { CHUNK = 256 };
        grt_mspan *c = calloc(CHUNK, sizeof *c);
        if (c == NULL)
            grt_throw("heap: out of memory for span structures");
        atomic_fetch_add(&grt_mheap.meta, CHUNK * sizeof *c);
        for (int i = 0; i < CHUNK; i++) {
            c[i].next = span_freelist;
            span_freelist = &c[i];
        }
    }
    grt_mspan *s = span_freelist;
    span_freelist = s->next;
    memset(s, 0, sizeof *s);
    return s;
}

static void span_struct_free(grt_mspan *s) /* heap lock */
{
    atomic_store(&s->state, GRT_SPAN_DEAD);
    s->next = span_freelist;
    span_freelist = s;
}

static size_t page_of(uintptr_t a) {
    return (a - grt_mheap.arena_base) >> GRT_PAGE_SHIFT;
}

static grt_spanlist *free_list_for(size_t npages) {
    return &grt_mheap.free[npages < GRT_FREE_LISTS ? npages : 0];
}

static void free_insert(grt_mspan *s) /* heap lock */
{
    atomic_store(&s->state, GRT_SPAN_FREE);
    grt_mheap.spans[page_of(s->base)] = s;
    grt_mheap.spans[page_of(s->base) + s->npages - 1] = s;
    /* Resident spans at the head (reused first), returned ones at the
     * tail (the scavenger stops at the first one it meets). */
    grt_spanlist *l = free_list_for(s->npages);
    if (s->scav || l->first == NULL) {
        grt_spanlist_push(l, s);
    } else {
        s->prev = NULL;
        s->next = l->first;
        l->first->prev = s;
        l->first = s;
        l->n++;
    }
    if (s->scav)
        atomic_fetch_add(&grt_mheap.scavenged, s->npages * GRT_PAGE_BYTES);
    else
        atomic_fetch_add(&grt_mheap.free_ready, s->npages * GRT_PAGE_BYTES);
}

static void free_remove(grt_mspan *s) /* heap lock */
{
    grt_spanlist_remove(free_list_for(s->npages), s);
    if (s->scav)
        atomic_fetch_sub(&grt_mheap.scavenged, s->npages * GRT_PAGE_BYTES);
    else
        atomic_fetch_sub(&grt_mheap.free_ready, s->npages * GRT_PAGE_BYTES);
}

/* Merge s (not on a list) with free neighbours in the same state. */
static grt_mspan *coalesce(grt_mspan *s) /* heap lock */
{
    size_t pg = page_of(s->base);
    if (pg > 0) {
        grt_mspan *b = grt_mheap.spans[pg - 1];
        if (b != NULL && atomic_load(&b->state) == GRT_SPAN_FREE &&
            b->scav == s->scav &&
            b->base + b->npages * GRT_PAGE_BYTES == s->base) {
            free_remove(b);
            b->npages += s->npages;
            b->needzero |= s->needzero;
            span_struct_free(s);
            s = b;
        }
    }
    uintptr_t end = s->base + s->npages * GRT_PAGE_BYTES;
    if (end < atomic_load(&grt_mheap.arena_used)) {
        grt_mspan *a = grt_mheap.spans[page_of(end)];
        if (a != NULL && atomic_load(&a->state) == GRT_SPAN_FREE &&
            a->scav == s->scav && a->base == end) {
            free_remove(a);
            s->npages += a->npages;
            s->needzero |= a->needzero;
            span_struct_free(a);
        }
    }
    return s;
}

/* Free span of at least npages, removed from its list, or NULL. */
static grt_mspan *find_free(size_t npages) /* heap lock */
{
    for (size_t n = npages; n < GRT_FREE_LISTS; n++)
        if (grt_mheap.free[n].first != NULL) {
            grt_mspan *s = grt_mheap.free[n].first;
            free_remove(s);
            return s;
        }
    grt_mspan *best = NULL;
    for (grt_mspan *s = grt_mheap.free[0].first; s != NULL; s = s->next)
        if (s->npages >= npages &&
            (best == NULL || s->npages < best->npages ||
             (s->npages == best->npages && s->base < best->base)))
            best = s;
    if (best != NULL)
        free_remove(best);
    return best;
}

/* Allocate the bitmaps of an in-use span. */
void grt_span_init_bits(grt_mspan *s) {
    size_t words = (s->nelems + 63) / 64 + 1; /* + a padding word */
    size_t hwords = 0;
    if (!grt_spc_noscan(s->spc) && grt_spc_class(s->spc) != 0)
        hwords = (s->npages * GRT_PAGE_BYTES / 8 + 63) / 64 + 1;
    size_t bytes = (2 * words + hwords) * sizeof(uint64_t);
    uint64_t *b = calloc(1, bytes);
    if (b == NULL)
        grt_throw("heap: out of memory for span bitmaps");
    atomic_fetch_add(&grt_mheap.meta, bytes);
    s->bits = b;
    s->allocbits = b;
    s->markbits = b + words;
    s->heapbits = hwords != 0 ? b + 2 * words : NULL;
}

static void span_free_bits(grt_mspan *s) {
    size_t words = (s->nelems + 63) / 64 + 1;
    size_t hwords = 0;
    if (s->heapbits != NULL)
        hwords = (s->npages * GRT_PAGE_BYTES / 8 + 63) / 64 + 1;
    atomic_fetch_sub(&grt_mheap.meta, (2 * words + hwords) * sizeof(uint64_t));
    free(s->bits);
    s->bits = NULL;
    s->allocbits = s->markbits = s->heapbits = NULL;
}

uint64_t grt_mheap_release(uint64_t want);

/* Pages about to become resident (fresh from the frontier, or returned
 * ones reused): under a memory limit, return other free pages first so
 * that mapped-and-ready memory stays within the scavenger's limit goal
 * (Go scavenges synchronously in allocSpan the same way). Heap lock. */
static void limit_scavenge(size_t npages) {
    int64_t lim =
        atomic_load_explicit(&grt_pacer.mem_limit, memory_order_relaxed);
    if (lim == INT64_MAX)
        return;
    uint64_t goal = (uint64_t)lim / 100 * 95;
    uint64_t ready = grt_pacer_mapped_ready() + npages * GRT_PAGE_BYTES;
    if (ready > goal)
        grt_mheap_release(ready - goal);
}

grt_mspan *grt_mheap_alloc(size_t npages, uint8_t spc, bool large) {
    grt_lock_acquire(&grt_mheap.lock);
    limit_scavenge(npages);
    grt_mspan *s = find_free(npages);
    if (s != NULL)
        atomic_store(&s->state, GRT_SPAN_DEAD); /* taken: not coalescable */
    if (s == NULL) {
        uintptr_t base = atomic_load(&grt_mheap.arena_used);
        if (npages > (grt_mheap.arena_end - base) >> GRT_PAGE_SHIFT) {
            grt_lock_release(&grt_mheap.lock);
            grt_throw("out of memory: the heap arena (%zu GiB) is full",
                      (size_t)(GRT_ARENA_BYTES >> 30));
        }
        s = span_struct_alloc();
        s->base = base;
        s->npages = npages;
        s->needzero = 0;
        s->scav = 0;
        atomic_store(&grt_mheap.arena_used, base + npages * GRT_PAGE_BYTES);
    } else if (s->npages > npages) {
        grt_mspan *r = span_struct_alloc();
        r->base = s->base + npages * GRT_PAGE_BYTES;
        r->npages = s->npages - npages;
        r->needzero = s->needzero;
        r->scav = s->scav;
        s->npages = npages;
        free_insert(r);
    }
    if (s->scav) {
        /* Returned pages come back zero. */
        s->needzero = 0;
        s->scav = 0;
    }
    size_t pg = page_of(s->base);
    for (size_t i = 0; i < npages; i++)
        grt_mheap.spans[pg + i] = s;
    s->spc = spc;
    if (large) {
        s->elemsize = (uint32_t)(npages * GRT_PAGE_BYTES > UINT32_MAX
                                     ? 0
                                     : npages * GRT_PAGE_BYTES);
        s->nelems = 1;
        s->divmul = 0;
        s->limit = s->base + npages * GRT_PAGE_BYTES;
    } else {
        unsigned c = grt_spc_class(spc);
        s->elemsize = grt_class_size[c];
        s->nelems = grt_class_nelems[c];
        s->divmul = grt_class_divmul[c];
        s->limit = s->base + (uintptr_t)s->nelems * s->elemsize;
    }
    s->freeindex = 0;
    s->alloccount = 0;
    s->ltype = NULL;
    s->lcount = 0;
    s->onlist = 0;
    s->next = s->prev = NULL;
    atomic_store(&s->sweepgen, atomic_load(&grt_mheap.sweepgen));
    atomic_fetch_add(&grt_mheap.inuse, npages * GRT_PAGE_BYTES);
    grt_lock_release(&grt_mheap.lock);
    grt_span_init_bits(s);
    s->alloccache = ~(uint64_t)0;
    /* Published last: conservative scanners test the state. */
    atomic_store_explicit(&s->state, GRT_SPAN_INUSE, memory_order_release);
    return s;
}

void grt_mheap_free(grt_mspan *s) {
    span_free_bits(s);
    grt_lock_acquire(&grt_mheap.lock);
    atomic_store(&s->state, GRT_SPAN_FREE);
    atomic_fetch_sub(&grt_mheap.inuse, s->npages * GRT_PAGE_BYTES);
    size_t pg = page_of(s->base);
    for (size_t i = 1; i + 1 < s->npages; i++)
        grt_mheap.spans[pg + i] = NULL;
    s->needzero = 1;
    s->scav = 0;
    s = coalesce(s);
    free_insert(s);
    grt_lock_release(&grt_mheap.lock);
}

/* The scavenger's walk (mgcscavenge.c): return resident free spans, largest
 * lists first, until `want` bytes are released. Heap lock held by the
 * caller. */
uint64_t grt_mheap_release(uint64_t want);
uint64_t grt_mheap_release(uint64_t want) {
    uint64_t done = 0;
    for (int pass = 0; pass < GRT_FREE_LISTS && done < want; pass++) {
        int idx = pass == 0 ? 0 : GRT_FREE_LISTS - pass;
        grt_spanlist *l = &grt_mheap.free[idx];
        /* Take resident spans off the head first: coalescing below may
         * move spans between lists, so the list is not walked while it
         * changes. */
        grt_spanlist tmp = {0};
        uint64_t taken = 0;
        while (done + taken < want && l->first != NULL && !l->first->scav) {
            grt_mspan *s = l->first;
            free_remove(s);
            grt_spanlist_push(&tmp, s);
            taken += s->npages * GRT_PAGE_BYTES;
        }
        grt_mspan *s;
        while ((s = grt_spanlist_pop(&tmp)) != NULL) {
            size_t bytes = s->npages * GRT_PAGE_BYTES;
            madvise((void *)s->base, bytes, MADV_DONTNEED);
            s->scav = 1;
            s->needzero = 0;
            done += bytes;
            atomic_fetch_add(&grt_mheap.released_total, bytes);
            s = coalesce(s);
            free_insert(s);
        }
    }
    return done;
}
