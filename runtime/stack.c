/*
 * stack.c - goroutine stacks: slabs of aligned slots, per-P and global
 * pools by size order, lazy commit, high-water marks, scavenging, and
 * overflow detection.
 *
 * Mechanism. Go starts a goroutine on 2 KiB and grows it by copying, which
 * needs the compiler's stack maps; C has none, so a stack here is a fixed
 * virtual reservation (a slot) of 64 KiB, 256 KiB (default), 1 MiB or
 * 4 MiB, and the kernel commits it page by page as it is touched: growth
 * costs a page fault per new page instead of a copy. Slots are carved from
 * 64 MiB slabs mapped MAP_NORESERVE (no commit charge) and aligned to 64 MiB;
 * a slab holds slots of one order only and its slot 0 holds the slab
 * header, whose first byte is log2 of the slot size. So from any stack
 * pointer, grt_curg() masks to the slab, reads the shift and finds the G
 * header at the top of the slot. One mapping per slab, not per stack: a
 * mapping per stack (with its guard page, two VMAs) would hit
 * vm.max_map_count (65530 here) at about 32k goroutines.
 *
 * Pools. A free stack keeps its G header (status GDEAD) and is linked
 * through g->schedlink. Each P caches up to GRT_STACK_CACHE_MAX stacks per
 * order, touched only by its owner (no lock); when the cache is full, half
 * moves to the global pool (grt_stack_lock), and an empty cache refills
 * half from it. This is Go's stackcache/stackpool split: a spawn+exit loop
 * never takes a lock.
 *
 * Cold pages. A pooled stack that once ran deep keeps its pages committed.
 * Scavenging (the monitor every second, or grt_stack_scavenge()) gives the
 * pages of global-pool stacks back with madvise(MADV_DONTNEED), all but the
 * top page with the G header; mincore() first, so untouched stacks cost
 * nothing. Committed bytes and high-water marks come from mincore() over
 * the carved part of each slab when statistics are read: resident pages
 * are exactly what lazy commit charged, and the lowest resident page of a
 * slot is its deepest use since it was last scavenged.
 *
 * Overflow. The bottom GRT_STACK_REDZONE bytes of a slot are never used
 * legitimately. In release builds the top 64 bytes of that red zone are a
 * canary that must read as zero (an untouched page does, for free), checked
 * with the saved sp at every switch away from a goroutine: an overflow ends
 * in "fatal error: stack overflow" naming the goroutine at its next switch.
 * With GRT_STACK_GUARD (debug builds) the red zone is PROT_NONE and a
 * SIGSEGV handler on an alternate stack names the goroutine at the faulting
 * access; that costs a VMA split per stack, hence debug only.
 */
#include "grt_runtime2.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum { GRT_MAX_SLABS = 8192, GRT_PAGE = 4096 };

typedef struct grt_slab {
    uint8_t shift; /* log2 slot size; must be the first byte */
    uint8_t order;
    uint32_t nslots;         /* slots in the slab, slot 0 included */
    _Atomic uint32_t carved; /* slots handed out so far (>= 1) */
} grt_slab;

static struct {
    grt_lock lock;
    grt_g *pool[GRT_STACK_ORDERS]; /* global pools; lock */
    int npool[GRT_STACK_ORDERS];
    grt_slab *cur[GRT_STACK_ORDERS]; /* slab being carved; lock */
    grt_slab *slabs[GRT_MAX_SLABS];  /* append-only */
    _Atomic uint32_t nslabs;
    _Atomic uint64_t reserved; /* bytes of carved slots */
    _Atomic int64_t inuse;     /* stacks held by goroutines or Ms */
    _Atomic uint64_t hiwat;    /* deepest use seen */
} grt_stk;

int grt_stack_order(size_t bytes) {
    for (int o = 0; o < GRT_STACK_ORDERS; o++)
        if (bytes <= ((size_t)1 << (GRT_STACK_MIN_SHIFT + 2 * o)))
            return o;
    return GRT_STACK_ORDERS - 1;
}

static unsigned order_shift(int order) {
    return GRT_STACK_MIN_SHIFT + 2 * (unsigned)order;
}

static grt_slab *slab_new(int order) {
    size_t len = 2 * GRT_SLAB_BYTES;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        grt_throw("out of memory: cannot reserve a stack slab");
    uintptr_t a = ((uintptr_t)p + GRT_SLAB_BYTES - 1) & ~(GRT_SLAB_BYTES - 1);
    if (a > (uintptr_t)p)
        munmap(p, a - (uintptr_t)p);
    uintptr_t end = (uintptr_t)p + len;
    if (end > a + GRT_SLAB_BYTES)
        munmap((void *)(a + GRT_SLAB_BYTES), end - (a + GRT_SLAB_BYTES));
    madvise((void *)a, GRT_SLAB_BYTES, MADV_NOHUGEPAGE);
    grt_slab *s = (grt_slab *)a;
    s->shift = (uint8_t)order_shift(order);
    s->order = (uint8_t)order;
    s->nslots = (uint32_t)(GRT_SLAB_BYTES >> s->shift);
    atomic_store(&s->carved, 1);
    uint32_t n = atomic_load(&grt_stk.nslabs);
    if (n == GRT_MAX_SLABS)
        grt_throw("out of memory: too many stack slabs");
    grt_stk.slabs[n] = s;
    atomic_store_explicit(&grt_stk.nslabs, n + 1, memory_order_release);
    return s;
}

/* A fresh slot's G header; stack lock held. */
static grt_g *slot_carve(int order) {
    grt_slab *s = grt_stk.cur[order];
    if (s == NULL || atomic_load(&s->carved) == s->nslots)
        s = grt_stk.cur[order] = slab_new(order);
    uint32_t i = atomic_load(&s->carved);
    size_t size = (size_t)1 << s->shift;
    char *lo = (char *)s + (size_t)i * size;
#ifdef GRT_STACK_GUARD
    if (mprotect(lo, GRT_STACK_REDZONE, PROT_NONE) != 0)
        grt_throw("cannot protect a stack guard page (vm.max_map_count?)");
#endif
    grt_g *g = (grt_g *)(lo + size - GRT_G_BYTES);
    memset(g, 0, sizeof *g);
    g->lo = lo;
    g->size = size;
    g->order = (uint8_t)order;
    atomic_store_explicit(&s->carved, i + 1, memory_order_release);
    atomic_fetch_add(&grt_stk.reserved, size);
    return g;
}

grt_g *grt_stackalloc(struct grt_p *p, int order) {
    grt_g *g;
    atomic_fetch_add_explicit(&grt_stk.inuse, 1, memory_order_relaxed);
    if (p != NULL && (g = p->stackcache[order]) != NULL) {
        p->stackcache[order] = g->schedlink;
        p->nstackcache[order]--;
        grt_stat_add(&p->stats.stack_allocs, 1, false);
        grt_stat_add(&p->stats.stack_cache_hits, 1, false);
        g->schedlink = NULL;
        g->clean = 0;
        return g;
    }
    grt_lock_acquire(&grt_stk.lock);
    int want = p != NULL ? GRT_STACK_CACHE_MAX / 2 : 1;
    int carved = 0;
    for (int i = 0; i < want; i++) {
        if ((g = grt_stk.pool[order]) != NULL) {
            grt_stk.pool[order] = g->schedlink;
            grt_stk.npool[order]--;
        } else {
            g = slot_carve(order);
            carved++;
        }
        if (p == NULL)
            break;
        g->schedlink = p->stackcache[order];
        p->stackcache[order] = g;
        p->nstackcache[order]++;
    }
    grt_lock_release(&grt_stk.lock);
    if (p == NULL) {
        atomic_fetch_add(&grt_sched.shared_stats.stack_allocs, 1);
        atomic_fetch_add(&grt_sched.shared_stats.stack_slots_new,
                         (uint64_t)carved);
        g->schedlink = NULL;
        g->clean = 0;
        return g;
    }
    grt_stat_add(&p->stats.stack_slots_new, (uint64_t)carved, false);
    atomic_fetch_sub_explicit(&grt_stk.inuse, 1, memory_order_relaxed);
    return grt_stackalloc(p, order);
}

void grt_stackfree(struct grt_p *p, grt_g *g) {
    int o = g->order;
    atomic_fetch_sub_explicit(&grt_stk.inuse, 1, memory_order_relaxed);
    if (p != NULL) {
        g->schedlink = p->stackcache[o];
        p->stackcache[o] = g;
        if (++p->nstackcache[o] < GRT_STACK_CACHE_MAX)
            return;
    } else {
        g->schedlink = NULL;
    }
    /* Move half of the cache (or the single stack) to the global pool. */
    grt_g *head = p != NULL ? p->stackcache[o] : g, *tail = head;
    int n = 1;
    if (p != NULL) {
        while (n < GRT_STACK_CACHE_MAX / 2) {
            tail = tail->schedlink;
            n++;
        }
        p->stackcache[o] = tail->schedlink;
        p->nstackcache[o] -= n;
    }
    grt_lock_acquire(&grt_stk.lock);
    tail->schedlink = grt_stk.pool[o];
    grt_stk.pool[o] = head;
    grt_stk.npool[o] += n;
    grt_lock_release(&grt_stk.lock);
}

void grt_stack_flush_cache(struct grt_p *p) {
    for (int o = 0; o < GRT_STACK_ORDERS; o++) {
        while (p->stackcache[o] != NULL) {
            grt_g *g = p->stackcache[o];
            p->stackcache[o] = g->schedlink;
            p->nstackcache[o]--;
            atomic_fetch_add_explicit(&grt_stk.inuse, 1, memory_order_relaxed);
            grt_stackfree(NULL, g);
        }
    }
}

_Noreturn static void overflow(grt_g *g, const char *how) {
    grt_throw("stack overflow in goroutine %llu (%s; stack %zu KiB at %p)",
              (unsigned long long)g->goid, how, g->size >> 10, (void *)g->lo);
}

/* Called on g's own stack, just before it switches away. */
void grt_stack_check(grt_g *g) {
    if ((char *)grt_getsp() < g->lo + GRT_STACK_REDZONE)
        overflow(g, "sp below the stack limit");
#ifndef GRT_STACK_GUARD
    const uint64_t *c =
        (const uint64_t *)(g->lo + GRT_STACK_REDZONE - GRT_CANARY_BYTES);
    uint64_t v = 0;
    for (int i = 0; i < GRT_CANARY_BYTES / 8; i++)
        v |= c[i];
    if (v != 0)
        overflow(g, "canary overwritten");
#endif
}

void grt_stack_forall(void (*fn)(grt_g *g, void *arg), void *arg) {
    uint32_t n = atomic_load_explicit(&grt_stk.nslabs, memory_order_acquire);
    for (uint32_t i = 0; i < n; i++) {
        grt_slab *s = grt_stk.slabs[i];
        uint32_t c = atomic_load_explicit(&s->carved, memory_order_acquire);
        size_t size = (size_t)1 << s->shift;
        for (uint32_t k = 1; k < c; k++)
            fn((grt_g *)((char *)s + (k + 1) * size - GRT_G_BYTES), arg);
    }
}

/* Resident pages of slab s in vec (one byte per page); false on error. */
static bool slab_mincore(grt_slab *s, unsigned char *vec, uint32_t *carved) {
    *carved = atomic_load_explicit(&s->carved, memory_order_acquire);
    size_t len = (size_t)*carved << s->shift;
    return mincore(s, len, vec) == 0;
}

void grt_stack_stats(grt_stats *st) {
    static unsigned char vec[GRT_SLAB_BYTES / GRT_PAGE];
    static grt_lock veclock = GRT_LOCK_INIT;
    uint64_t committed = 0, hiwat = atomic_load(&grt_stk.hiwat);
    uint32_t n = atomic_load_explicit(&grt_stk.nslabs, memory_order_acquire);
    grt_lock_acquire(&veclock);
    for (uint32_t i = 0; i < n; i++) {
        grt_slab *s = grt_stk.slabs[i];
        uint32_t c;
        if (!slab_mincore(s, vec, &c))
            continue;
        size_t per = ((size_t)1 << s->shift) / GRT_PAGE;
        size_t red = GRT_STACK_REDZONE / GRT_PAGE;
        for (uint32_t k = 1; k < c; k++) {
            const unsigned char *v = vec + k * per;
            size_t lowest = per;
            for (size_t j = red; j < per; j++) {
                if (v[j] & 1) {
                    committed += GRT_PAGE;
                    if (lowest == per)
                        lowest = j;
                }
            }
            uint64_t depth = (uint64_t)(per - lowest) * GRT_PAGE;
            if (depth > hiwat)
                hiwat = depth;
        }
    }
    grt_lock_release(&veclock);
    uint64_t old = atomic_load(&grt_stk.hiwat);
    while (hiwat > old &&
           !atomic_compare_exchange_weak(&grt_stk.hiwat, &old, hiwat))
        ;
    st->stack_slabs = n;
    st->stack_reserved_bytes = atomic_load(&grt_stk.reserved);
    st->stack_committed_bytes = committed;
    st->stack_hiwat_bytes = hiwat;
    int64_t inuse = atomic_load(&grt_stk.inuse);
    st->stacks_in_use = inuse > 0 ? (uint64_t)inuse : 0;
}

uint64_t grt_stack_scavenge(void) {
    grt_g *lists[GRT_STACK_ORDERS];
    int counts[GRT_STACK_ORDERS];
    grt_lock_acquire(&grt_stk.lock);
    for (int o = 0; o < GRT_STACK_ORDERS; o++) {
        lists[o] = grt_stk.pool[o];
        counts[o] = grt_stk.npool[o];
        grt_stk.pool[o] = NULL;
        grt_stk.npool[o] = 0;
    }
    grt_lock_release(&grt_stk.lock);
    uint64_t returned = 0;
    static unsigned char vec[(4u << 20) / GRT_PAGE];
    static grt_lock veclock = GRT_LOCK_INIT;
    grt_lock_acquire(&veclock);
    for (int o = 0; o < GRT_STACK_ORDERS; o++) {
        grt_g *tail = NULL;
        for (grt_g *g = lists[o]; g != NULL; g = g->schedlink) {
            tail = g;
            if (g->clean)
                continue;
            g->clean = 1;
            size_t len = g->size - GRT_PAGE; /* keep the header page */
            if (mincore(g->lo, len, vec) != 0)
                continue;
            size_t res = 0;
            for (size_t j = GRT_STACK_REDZONE / GRT_PAGE; j < len / GRT_PAGE;
                 j++)
                res += vec[j] & 1;
            if (res == 0)
                continue;
            char *from = g->lo + GRT_STACK_REDZONE;
            madvise(from, (size_t)(g->lo + len - from), MADV_DONTNEED);
            returned += res * GRT_PAGE;
        }
        if (tail != NULL) {
            grt_lock_acquire(&grt_stk.lock);
            tail->schedlink = grt_stk.pool[o];
            grt_stk.pool[o] = lists[o];
            grt_stk.npool[o] += counts[o];
            grt_lock_release(&grt_stk.lock);
        }
    }
    grt_lock_release(&veclock);
    if (returned != 0)
        atomic_fetch_add(&grt_sched.shared_stats.stack_returned_bytes,
                         returned);
    return returned;
}

#ifdef GRT_STACK_GUARD
static void segv_handler(int sig, siginfo_t *si, void *ctx) {
    (void)ctx;
    uintptr_t a = (uintptr_t)si->si_addr;
    uint32_t n = atomic_load_explicit(&grt_stk.nslabs, memory_order_acquire);
    for (uint32_t i = 0; i < n; i++) {
        grt_slab *s = grt_stk.slabs[i];
        if ((a & ~(GRT_SLAB_BYTES - 1)) != (uintptr_t)s)
            continue;
        uintptr_t size = (uintptr_t)1 << s->shift;
        uintptr_t lo = a & ~(size - 1);
        if (a - lo < GRT_STACK_REDZONE && lo != (uintptr_t)s)
            overflow((grt_g *)(lo + size - GRT_G_BYTES), "guard page hit");
    }
    signal(sig, SIG_DFL); /* not ours: fault again with the default */
}

void grt_stack_install_overflow_handler(void) {
    stack_t ss = {.ss_sp = malloc(65536), .ss_size = 65536};
    if (ss.ss_sp != NULL)
        sigaltstack(&ss, NULL);
    static _Atomic int installed;
    if (atomic_exchange(&installed, 1))
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = segv_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
}
#else
void grt_stack_install_overflow_handler(void) {
}
#endif
