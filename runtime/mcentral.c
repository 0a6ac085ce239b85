/*
 * mcentral.c - the central span lists, one per span class (Go's
 * mcentral.go).
 *
 * A P's cache asks its class's central for a span with free slots when its
 * current one runs out. The central keeps partial spans (some free slots)
 * and full ones, each split into swept and unswept by sweep generation:
 * index sg/2 % 2 holds this cycle's swept spans, the other index the
 * spans not yet swept since the last mark. The flip at mark termination
 * is just sweepgen += 2: every swept list becomes the unswept list in one
 * step, with no span touched (the previous unswept lists are empty: a
 * cycle begins only after sweeping finished).
 *
 * cache_span tries, in order: a swept partial span; an unswept partial
 * span, swept here (it had free slots before, it has at least as many
 * now); an unswept full span, swept here in the hope that some of its
 * objects died (Go's budget of 100 such attempts); and finally a new span
 * from the page heap. A span being swept is owned by whoever moved its
 * sweepgen from sg-2 to sg-1; it is on no list meanwhile.
 */
#include "grt_malloc.h"

static unsigned swept_idx(uint32_t sg) {
    return (sg / 2) % 2;
}

grt_mspan *grt_mcentral_pop_unswept(grt_mcentral *c, uint32_t sg) {
    unsigned u = 1 - swept_idx(sg);
    grt_lock_acquire(&c->lock);
    grt_mspan *s = grt_spanlist_pop(&c->partial[u]);
    if (s == NULL)
        s = grt_spanlist_pop(&c->full[u]);
    grt_lock_release(&c->lock);
    return s;
}

void grt_mcentral_put_swept(grt_mcentral *c, grt_mspan *s) {
    uint32_t sg = atomic_load(&grt_mheap.sweepgen);
    unsigned w = swept_idx(sg);
    if (atomic_load(&s->sweepgen) != sg ||
        atomic_load(&s->state) != GRT_SPAN_INUSE || s->next != NULL ||
        s->prev != NULL)
        grt_throw("mcentral: putting span %#lx with sweepgen %u (sg %u), "
                  "state %u on a swept list",
                  (unsigned long)s->base, atomic_load(&s->sweepgen), sg,
                  atomic_load(&s->state));
    grt_lock_acquire(&c->lock);
    if (s->alloccount < s->nelems)
        grt_spanlist_push(&c->partial[w], s);
    else
        grt_spanlist_push(&c->full[w], s);
    grt_lock_release(&c->lock);
}

static bool claim_for_sweep(grt_mspan *s, uint32_t sg) {
    uint32_t want = sg - 2;
    return atomic_compare_exchange_strong(&s->sweepgen, &want, sg - 1);
}

grt_mspan *grt_mcentral_cache_span(grt_mcentral *c) {
    unsigned cls = grt_spc_class(c->spc);
    size_t spanbytes = (size_t)grt_class_npages[cls] * GRT_PAGE_BYTES;
    grt_sweep_credit(spanbytes);
    uint32_t sg = atomic_load(&grt_mheap.sweepgen);
    unsigned w = swept_idx(sg), u = 1 - w;
    grt_mspan *s;
    grt_lock_acquire(&c->lock);
    if ((s = grt_spanlist_pop(&c->partial[w])) != NULL) {
        grt_lock_release(&c->lock);
        return s;
    }
    while ((s = grt_spanlist_pop(&c->partial[u])) != NULL) {
        grt_lock_release(&c->lock);
        if (claim_for_sweep(s, sg)) {
            grt_sweep_span(s, true);
            return s;
        }
        /* Someone else owns it (cannot happen for a listed span). */
        grt_lock_acquire(&c->lock);
    }
    for (int budget = 100; budget > 0; budget--) {
        if ((s = grt_spanlist_pop(&c->full[u])) == NULL)
            break;
        grt_lock_release(&c->lock);
        if (claim_for_sweep(s, sg)) {
            grt_sweep_span(s, true);
            if (s->alloccount < s->nelems)
                return s;
            grt_lock_acquire(&c->lock);
            grt_spanlist_push(&c->full[w], s);
        } else {
            grt_lock_acquire(&c->lock);
        }
    }
    grt_lock_release(&c->lock);
    s = grt_mheap_alloc(grt_class_npages[cls], c->spc, false);
    atomic_fetch_add(&grt_mheap.smallspan_n, 1);
    return s;
}

void grt_mcentral_uncache_span(grt_mcentral *c, grt_mspan *s) {
    grt_mcentral_put_swept(c, s);
}
