/*
 * pool.c - grt_pool, Go's sync.Pool: a cache of free objects that the
 * collector may empty, with per-P storage so that Get and Put of a busy
 * pool touch no shared cache line and take no lock.
 *
 * Where an object can be
 * ----------------------
 * Each P has, per pool and per generation, one pool_local (two cache lines,
 * so that neighbouring Ps do not share one):
 *
 *   private   one object, used by the P's owner only: Put fills it when
 *             empty, Get takes it first. No atomic instruction at all.
 *   shared    a chain of lock-free dequeues (Go's poolChain of
 *             poolDequeues): the owner pushes and pops at the head; other
 *             Ps, when their own cache is empty, steal from the tail with a
 *             CAS. Each dequeue is a power-of-two ring with head and tail
 *             packed in one 64-bit word (head high, so the owner's push is
 *             one atomic add). When the head dequeue is full the owner links
 *             a new one of twice the size; thieves drop drained dequeues
 *             from the tail of the chain.
 *
 * Get looks at: its P's private slot, its P's chain (head), the other Ps'
 * chains (tail), then the victim generation (its P's private slot, every
 * chain's tail), and only then calls new_fn. Every Get is counted by where
 * it was served (pool_get_private/shared/stolen/victim/new; a Get that
 * found nothing counts as "new" even without new_fn, so the five sum to
 * the Gets) and every Put in pool_puts.
 *
 * Generations and the victim cache
 * --------------------------------
 * A pool has two generations of per-P storage: `local`, which Put and Get
 * use, and `victim`, last cycle's, which Get drains but Put never fills.
 * At the start of every collection, with the world stopped (the cycle hook,
 * Go's poolCleanup), the victim generation is emptied and becomes the new,
 * empty `local`, and the old `local` becomes the victim. So an object put
 * before a collection survives it (the victim is still a root) and can be
 * had from the victim afterwards; if nobody takes it, the next collection
 * drops it. Reusing the emptied generation's storage means that a pool in
 * steady use allocates nothing per cycle.
 *
 * What the collector sees
 * -----------------------
 * pool_local blocks are malloc'd and registered as roots (scanned
 * conservatively): they hold the private object and the chain's head and
 * tail. The chain elements and their rings are heap objects with pointer
 * masks, so the collector follows them precisely and frees a dequeue that
 * a thief unlinked once nobody holds it (as Go leaves it to its GC; we
 * cannot free it ourselves, since another thief may still be reading it).
 * Every pointer store into pool storage, NULL included, goes through the
 * hybrid barrier: storing shades the new object, clearing shades the old
 * one, which matters because a Get moves an object from pool storage to a
 * goroutine's stack that the collector may already have scanned. Where a
 * store has to be atomic (ring slots, the chain's tail, links) the barrier
 * shades through a scratch slot first and the atomic store follows.
 *
 * Pinning
 * -------
 * Go disables preemption around the per-P access (procPin). Our goroutines
 * are switched only when they call into the scheduler or reach a
 * safepoint, and nothing between "read the current P" and "done with its
 * storage" does either: the P cannot change under us, and no collection
 * (whose stop-the-world waits at safepoints) can rotate the generations
 * meanwhile. The three things that may park, allocating a chain element,
 * registering a new pool_local as a root and calling new_fn, happen
 * outside those sections, and the code reads the current P again after
 * them (the goroutine may have moved). The file reads the P from the
 * scheduler's own structures (grt_runtime2.h) for that reason: Go's
 * sync.Pool reaches into its runtime for procPin in the same way.
 *
 * Locking: pools_lock (an internal lock, never held across anything that
 * may park) guards the list of pools and the installation of new
 * generations and pool_locals; the hook runs with the world stopped, when
 * no goroutine is inside a pool operation.
 *
 * Rejected: one mutex-guarded free list per pool (every Get and Put would
 * bounce the lock's line between Ps); per-P arrays sized to GOMAXPROCS and
 * reallocated when it changes, as Go does (the old array would have to be
 * retired by hand, since we cannot rely on the collector for malloc'd
 * roots): a generation here is a table of GRT_MAXPROCS pointers filled on
 * first use per P.
 */
#include "grt_runtime2.h"

#include <stdlib.h>
#include <string.h>

/* First ring size and the largest (Go's initSize and dequeueLimit). */
#define POOL_RING_MIN 8u
#define POOL_RING_MAX (1u << 30)

/* A dequeue of the shared chain: a heap object. The first three words are
 * pointers (the mask below); headtail is head << 32 | tail: [tail, head)
 * holds values, the owner pushes at head, thieves pop at tail. A slot is
 * free for the owner again only once the thief that claimed it has
 * cleared it (vals[i] == NULL). */
struct pool_elt {
    _Atomic(void *) *vals;           /* ring of n slots (a heap array) */
    _Atomic(struct pool_elt *) next; /* newer dequeue: owner writes once */
    _Atomic(struct pool_elt *) prev; /* older dequeue: thieves clear it */
    _Atomic uint64_t headtail;
    uint32_t n; /* power of two */
};
static const uint64_t pool_elt_mask[] = {0x7};
static const grt_type pool_elt_type = GRT_TYPE(struct pool_elt, pool_elt_mask);
static const uint64_t pool_slot_mask[] = {0x1};
static const grt_type pool_slot_type = {sizeof(void *), pool_slot_mask,
                                        "pool ring slot"};

/* One P's storage in one generation of one pool (malloc'd, a root). */
struct pool_local {
    void *private;                   /* owner P only (and the hook) */
    struct pool_elt *head;           /* owner P only (and the hook) */
    _Atomic(struct pool_elt *) tail; /* owner sets it first; thieves CAS */
} __attribute__((aligned(128)));

/* One generation of one pool: a P's pool_local is made on its first use
 * and kept for the pool's lifetime. */
struct pool_gen {
    _Atomic uint32_t drained; /* victim: a Get found nothing in it */
    _Atomic int nmax;         /* 1 + highest P id with a pool_local */
    _Atomic(struct pool_local *) per_p[GRT_MAXPROCS];
};

static grt_lock pools_lock = GRT_LOCK_INIT;
static grt_pool *pools; /* every pool in use, through ->next; pools_lock */
static _Atomic uint32_t pools_hooked;

/* ---- the write barrier for atomic stores ---------------------------------- */

/* Shade `old` (about to be overwritten) and `val` (about to be stored) if
 * the collector is marking; the caller then does the atomic store. */
static inline void pool_shade(void *old, void *val) {
    if (__builtin_expect(
            atomic_load_explicit(&grt_writebarrier, memory_order_relaxed), 0)) {
        void *scratch = old;
        grt_writebarrier_slow(&scratch, val);
    }
}

/* ---- the current P ----------------------------------------------------------- */

static inline struct grt_p *pool_curp(void) {
    return grt_getm()->p;
}

/* ---- one dequeue ------------------------------------------------------------ */

static inline uint64_t pool_pack(uint32_t head, uint32_t tail) {
    return (uint64_t)head << 32 | tail;
}

/* Owner only. False if full (or a thief is still clearing the slot). */
static bool deq_push_head(struct pool_elt *d, void *x) {
    uint64_t ht = atomic_load_explicit(&d->headtail, memory_order_acquire);
    uint32_t head = (uint32_t)(ht >> 32), tail = (uint32_t)ht;
    if (tail + d->n == head)
        return false;
    _Atomic(void *) *slot = &d->vals[head & (d->n - 1)];
    if (atomic_load_explicit(slot, memory_order_acquire) != NULL)
        return false;
    pool_shade(NULL, x);
    atomic_store_explicit(slot, x, memory_order_relaxed);
    /* Publishes the slot to thieves (they load headtail with acquire). */
    atomic_fetch_add_explicit(&d->headtail, (uint64_t)1 << 32,
                              memory_order_release);
    return true;
}

/* Owner only. */
static void *deq_pop_head(struct pool_elt *d) {
    uint64_t ht = atomic_load_explicit(&d->headtail, memory_order_acquire);
    uint32_t head;
    for (;;) {
        uint32_t tail = (uint32_t)ht;
        head = (uint32_t)(ht >> 32);
        if (head == tail)
            return NULL;
        head--;
        if (atomic_compare_exchange_weak_explicit(
                &d->headtail, &ht, pool_pack(head, tail), memory_order_acq_rel,
                memory_order_acquire))
            break;
    }
    _Atomic(void *) *slot = &d->vals[head & (d->n - 1)];
    void *x = atomic_load_explicit(slot, memory_order_relaxed);
    pool_shade(x, NULL);
    atomic_store_explicit(slot, NULL, memory_order_relaxed);
    return x;
}

/* Any P. */
static void *deq_pop_tail(struct pool_elt *d) {
    uint64_t ht = atomic_load_explicit(&d->headtail, memory_order_acquire);
    uint32_t tail;
    for (;;) {
        uint32_t head = (uint32_t)(ht >> 32);
        tail = (uint32_t)ht;
        if (head == tail)
            return NULL;
        if (atomic_compare_exchange_weak_explicit(
                &d->headtail, &ht, pool_pack(head, tail + 1),
                memory_order_acq_rel, memory_order_acquire))
            break;
    }
    _Atomic(void *) *slot = &d->vals[tail & (d->n - 1)];
    void *x = atomic_load_explicit(slot, memory_order_relaxed);
    if (x == NULL)
        grt_throw("sync: Pool dequeue slot claimed empty");
    pool_shade(x, NULL);
    /* Hands the slot back to the owner's push. */
    atomic_store_explicit(slot, NULL, memory_order_release);
    return x;
}

static struct pool_elt *elt_new(uint32_t n) {
    struct pool_elt *d = grt_new(&pool_elt_type);
    void *vals = grt_new_array(&pool_slot_type, n);
    GRT_STORE_PTR(&d->vals, vals);
    d->n = n;
    return d;
}

/* ---- the chain --------------------------------------------------------------- */

/* Owner only. Push x; if the head dequeue is full, link *spare (a fresh
 * element) as the new head. False if that was needed and there was none. */
static bool chain_push_head(struct pool_local *l, void *x,
                            struct pool_elt **spare) {
    struct pool_elt *d = l->head;
    if (d != NULL && deq_push_head(d, x))
        return true;
    struct pool_elt *e = *spare;
    if (e == NULL)
        return false;
    *spare = NULL;
    if (!deq_push_head(e, x))
        grt_throw("sync: Pool fresh dequeue refused a push");
    pool_shade(NULL, d);
    atomic_store_explicit(&e->prev, d, memory_order_relaxed);
    GRT_STORE_PTR(&l->head, e);
    if (d != NULL) {
        pool_shade(NULL, e);
        atomic_store_explicit(&d->next, e, memory_order_release);
    } else {
        struct pool_elt *old = atomic_load(&l->tail);
        pool_shade(old, e);
        atomic_store_explicit(&l->tail, e, memory_order_release);
    }
    return true;
}

/* Owner only: newest first, backing up through older dequeues. */
static void *chain_pop_head(struct pool_local *l) {
    for (struct pool_elt *d = l->head; d != NULL;
         d = atomic_load_explicit(&d->prev, memory_order_acquire)) {
        void *x = deq_pop_head(d);
        if (x != NULL)
            return x;
    }
    return NULL;
}

/* Any P: oldest first, dropping drained dequeues from the chain. */
static void *chain_pop_tail(struct pool_local *l) {
    struct pool_elt *d = atomic_load_explicit(&l->tail, memory_order_acquire);
    if (d == NULL)
        return NULL;
    for (;;) {
        /* next is read before the pop: if it was set and the pop then
         * fails, d is empty for good (the owner pushes only at the head)
         * and may be dropped. */
        struct pool_elt *d2 =
            atomic_load_explicit(&d->next, memory_order_acquire);
        void *x = deq_pop_tail(d);
        if (x != NULL)
            return x;
        if (d2 == NULL)
            return NULL;
        struct pool_elt *expect = d;
        pool_shade(d, d2);
        if (atomic_compare_exchange_strong_explicit(&l->tail, &expect, d2,
                                                    memory_order_acq_rel,
                                                    memory_order_acquire)) {
            struct pool_elt *old = atomic_load(&d2->prev);
            pool_shade(old, NULL);
            atomic_store_explicit(&d2->prev, NULL, memory_order_release);
        }
        d = d2;
    }
}

/* ---- generations --------------------------------------------------------------- */

/* World stopped: drop everything a generation holds. The chain's
 * elements are also cut from their rings and from each other: a stale
 * copy of an element's address in some goroutine's saved registers (the
 * stacks are scanned conservatively) then keeps 40 bytes alive, not a
 * ring and every object in it. O(elements): a chain of n slots has about
 * log2(n) of them. */
static void gen_clear(struct pool_gen *g) {
    int n = atomic_load_explicit(&g->nmax, memory_order_relaxed);
    for (int i = 0; i < n; i++) {
        struct pool_local *l = atomic_load(&g->per_p[i]);
        if (l == NULL)
            continue;
        struct pool_elt *e = atomic_load(&l->tail);
        while (e != NULL) {
            struct pool_elt *next = atomic_load(&e->next);
            e->vals = NULL;
            atomic_store(&e->next, NULL);
            atomic_store(&e->prev, NULL);
            e = next;
        }
        l->private = NULL;
        l->head = NULL;
        atomic_store(&l->tail, NULL);
    }
    atomic_store(&g->drained, 0);
}

/* Go's poolCleanup: runs with the world stopped at the start of every
 * collection, before marking. */
static void pool_cleanup(void) {
    grt_lock_acquire(&pools_lock);
    for (grt_pool *p = pools; p != NULL; p = p->next) {
        struct pool_gen *v = atomic_load(&p->victim);
        struct pool_gen *l = atomic_load(&p->local);
        if (v != NULL)
            gen_clear(v);
        atomic_store(&p->victim, l);
        atomic_store(&p->local, v);
    }
    grt_lock_release(&pools_lock);
}

static void pool_free_local(struct pool_local *l) {
    grt_gc_remove_root(l);
    free(l);
}

/* The slow half of pinning: give the current P a pool_local in the local
 * generation (making the generation, registering the pool and the cycle
 * hook as needed). May park; the caller pins again afterwards. */
static __attribute__((noinline)) void pool_grow(grt_pool *p) {
    if (!atomic_load_explicit(&pools_hooked, memory_order_acquire)) {
        bool first = false;
        grt_lock_acquire(&pools_lock);
        if (!atomic_load(&pools_hooked)) {
            atomic_store(&pools_hooked, 2); /* being registered */
            first = true;
        }
        grt_lock_release(&pools_lock);
        if (first) {
            grt_gc_register_cycle_hook(pool_cleanup);
            atomic_store_explicit(&pools_hooked, 1, memory_order_release);
        }
    }
    struct pool_local *fresh = aligned_alloc(128, sizeof *fresh);
    struct pool_gen *gen = calloc(1, sizeof *gen);
    if (fresh == NULL || gen == NULL)
        grt_throw("sync: Pool: out of memory");
    memset(fresh, 0, sizeof *fresh);
    grt_gc_add_root(fresh, sizeof *fresh); /* may park */

    /* Nothing below parks: the P is ours until the end. */
    grt_lock_acquire(&pools_lock);
    if (!p->listed) {
        p->listed = 1;
        p->next = pools;
        pools = p;
    }
    struct pool_gen *g = atomic_load(&p->local);
    if (g == NULL) {
        atomic_store(&p->local, gen);
        g = gen;
        gen = NULL;
    }
    int id = pool_curp()->id;
    if (atomic_load(&g->per_p[id]) == NULL) {
        atomic_store(&g->per_p[id], fresh);
        fresh = NULL;
        if (atomic_load(&g->nmax) <= id)
            atomic_store(&g->nmax, id + 1);
    }
    grt_lock_release(&pools_lock);
    free(gen);
    if (fresh != NULL)
        pool_free_local(fresh);
}

/* This P's pool_local in the local generation (Go's pin), or NULL when it
 * has none yet. On return the goroutine must not park until it is done
 * with the storage. */
static inline struct pool_local *pool_pin_fast(grt_pool *p, struct grt_p **pp) {
    struct grt_p *P = pool_curp();
    struct pool_gen *g = atomic_load_explicit(&p->local, memory_order_acquire);
    if (__builtin_expect(g == NULL, 0))
        return NULL;
    *pp = P;
    return atomic_load_explicit(&g->per_p[P->id], memory_order_acquire);
}

static __attribute__((noinline)) struct pool_local *
pool_pin_slow(grt_pool *p, struct grt_p **pp) {
    for (;;) {
        pool_grow(p); /* may park: pin again afterwards */
        struct pool_local *l = pool_pin_fast(p, pp);
        if (l != NULL)
            return l;
    }
}

static inline struct pool_local *pool_pin(grt_pool *p, struct grt_p **pp) {
    struct pool_local *l = pool_pin_fast(p, pp);
    if (__builtin_expect(l == NULL, 0))
        l = pool_pin_slow(p, pp);
    return l;
}

/* Bump a counter of the P we are pinned to (owner-only plain store). */
#define POOL_STAT(P, field) grt_stat_add(&(P)->stats.field, 1, false)

/* ---- Get and Put ---------------------------------------------------------------- */

/* Other Ps' chains, then the victim generation. Still pinned to P. */
static void *pool_get_slow(grt_pool *p, struct grt_p *P) {
    int pid = P->id;
    struct pool_gen *g = atomic_load_explicit(&p->local, memory_order_acquire);
    int n = atomic_load_explicit(&g->nmax, memory_order_acquire);
    for (int i = 1; i < n; i++) {
        struct pool_local *l = atomic_load_explicit(&g->per_p[(pid + i) % n],
                                                    memory_order_acquire);
        void *x = l != NULL ? chain_pop_tail(l) : NULL;
        if (x != NULL) {
            POOL_STAT(P, pool_get_stolen);
            return x;
        }
    }
    struct pool_gen *v = atomic_load_explicit(&p->victim, memory_order_acquire);
    if (v == NULL || atomic_load_explicit(&v->drained, memory_order_relaxed))
        return NULL;
    n = atomic_load_explicit(&v->nmax, memory_order_acquire);
    if (pid < n) {
        struct pool_local *l =
            atomic_load_explicit(&v->per_p[pid], memory_order_acquire);
        if (l != NULL && l->private != NULL) {
            void *x = l->private;
            GRT_STORE_PTR(&l->private, NULL);
            POOL_STAT(P, pool_get_victim);
            return x;
        }
    }
    for (int i = 0; i < n; i++) {
        struct pool_local *l = atomic_load_explicit(&v->per_p[(pid + i) % n],
                                                    memory_order_acquire);
        void *x = l != NULL ? chain_pop_tail(l) : NULL;
        if (x != NULL) {
            POOL_STAT(P, pool_get_victim);
            return x;
        }
    }
    /* Puts never refill a victim: later Gets need not look again. Another
     * P's victim private slot may still hold one object; Go accepts the
     * same (it goes at the next collection). */
    atomic_store_explicit(&v->drained, 1, memory_order_relaxed);
    return NULL;
}

/* Get past the private slot: the P's chain, other Ps, the victim, new_fn.
 * Out of line, so that the common case needs no saved registers. */
static __attribute__((noinline)) void *
pool_get_miss(grt_pool *p, struct pool_local *l, struct grt_p *P) {
    void *x = chain_pop_head(l);
    if (x != NULL) {
        POOL_STAT(P, pool_get_shared);
        return x;
    }
    x = pool_get_slow(p, P);
    if (x != NULL)
        return x;
    POOL_STAT(P, pool_get_new);
    /* Unpinned from here: new_fn may allocate, collect, park. */
    return p->new_fn != NULL ? p->new_fn() : NULL;
}

void *grt_pool_get(grt_pool *p) {
    struct grt_p *P;
    struct pool_local *l = pool_pin(p, &P);
    void *x = l->private;
    if (__builtin_expect(x != NULL, 1)) {
        GRT_STORE_PTR(&l->private, NULL);
        POOL_STAT(P, pool_get_private);
        return x;
    }
    return pool_get_miss(p, l, P);
}

/* Put when the private slot is taken: the P's chain, growing it. */
static __attribute__((noinline)) void pool_put_shared(grt_pool *p, void *x) {
    struct pool_elt *spare = NULL;
    for (;;) {
        struct grt_p *P;
        struct pool_local *l = pool_pin(p, &P);
        if (l->private == NULL) {
            GRT_STORE_PTR(&l->private, x);
            POOL_STAT(P, pool_puts);
            return;
        }
        if (chain_push_head(l, x, &spare)) {
            POOL_STAT(P, pool_puts);
            return;
        }
        /* The head dequeue is full (or there is none): make one twice its
         * size, unpinned, then pin again (we may be on another P now). */
        uint32_t n = l->head != NULL ? l->head->n * 2 : POOL_RING_MIN;
        if (n > POOL_RING_MAX)
            n = POOL_RING_MAX;
        spare = elt_new(n); /* may park */
    }
}

void grt_pool_put(grt_pool *p, void *x) {
    if (x == NULL)
        return;
    struct grt_p *P;
    struct pool_local *l = pool_pin(p, &P);
    if (__builtin_expect(l->private == NULL, 1)) {
        GRT_STORE_PTR(&l->private, x);
        POOL_STAT(P, pool_puts);
        return;
    }
    pool_put_shared(p, x);
}

void grt_pool_destroy(grt_pool *p) {
    grt_lock_acquire(&pools_lock);
    if (p->listed) {
        for (grt_pool **pp = &pools; *pp != NULL; pp = &(*pp)->next)
            if (*pp == p) {
                *pp = p->next;
                break;
            }
        p->listed = 0;
    }
    struct pool_gen *gens[2] = {atomic_load(&p->local),
                                atomic_load(&p->victim)};
    atomic_store(&p->local, NULL);
    atomic_store(&p->victim, NULL);
    grt_lock_release(&pools_lock);
    for (int k = 0; k < 2; k++) {
        if (gens[k] == NULL)
            continue;
        for (int i = 0; i < GRT_MAXPROCS; i++) {
            struct pool_local *l = atomic_load(&gens[k]->per_p[i]);
            if (l != NULL)
                pool_free_local(l);
        }
        free(gens[k]);
    }
}
