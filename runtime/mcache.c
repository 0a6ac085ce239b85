/*
 * mcache.c - the per-P allocation cache (Go's mcache.go).
 *
 * Each P owns one cache: for every span class the span it currently
 * allocates from. Only the P's owner touches it, so the fast path (find
 * the next free slot with a count-trailing-zeros on the span's cached
 * inverted allocation bits) needs no lock and no atomic instruction. An
 * exhausted span goes back to its central list (full) and the central
 * supplies another. Empty slots point at a static span with no objects,
 * so the fast path never tests for NULL.
 *
 * Accounting follows Go: when a span enters a cache, heap_live grows by
 * all of its free slots at once, as if they were allocated; when it
 * leaves, the slots still free are subtracted. heap_live therefore moves
 * once per span, not per object, and the trigger test happens on the slow
 * path only. Caches are flushed with the world stopped at each mark
 * termination, so that every span can be swept.
 */
#include "grt_malloc.h"

#include <stdlib.h>

grt_mspan grt_emptyspan; /* nelems 0: the fast path always misses */

grt_mcache *grt_mcache_get(struct grt_p *p) {
    if (p->mcache == NULL) {
        grt_mcache *c = calloc(1, sizeof *c);
        if (c == NULL)
            grt_throw("heap: out of memory for an mcache");
        for (int i = 0; i < GRT_NUM_SPANCLASSES; i++)
            c->alloc[i] = &grt_emptyspan;
        p->mcache = c;
    }
    return p->mcache;
}

static void uncache(grt_mspan *s) {
    uint64_t unused = (uint64_t)(s->nelems - s->alloccount) * s->elemsize;
    atomic_fetch_sub(&grt_pacer.heap_live, unused);
    grt_mcentral_uncache_span(&grt_mheap.central[s->spc], s);
}

void grt_mcache_refill(grt_mcache *c, uint8_t spc) {
    grt_mspan *s = c->alloc[spc];
    if (s != &grt_emptyspan)
        uncache(s);
    c->alloc[spc] = &grt_emptyspan;
    s = grt_mcentral_cache_span(&grt_mheap.central[spc]);
    /* The cache covers allocbits from freeindex (slots below it are
     * allocated whatever allocbits say: allocation never sets them). */
    uint32_t fi = s->freeindex;
    s->alloccache = ~s->allocbits[fi >> 6] >> (fi & 63);
    uint64_t free_bytes = (uint64_t)(s->nelems - s->alloccount) * s->elemsize;
    atomic_fetch_add(&grt_pacer.heap_live, free_bytes);
    c->alloc[spc] = s;
    c->refills++;
}

void grt_mcache_flush(grt_mcache *c) {
    for (int i = 0; i < GRT_NUM_SPANCLASSES; i++) {
        grt_mspan *s = c->alloc[i];
        if (s != &grt_emptyspan) {
            uncache(s);
            c->alloc[i] = &grt_emptyspan;
        }
    }
}
