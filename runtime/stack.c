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
 * Returning stacks. A pooled stack that once ran deep keeps its pages
 * committed, and even a small one keeps the page that holds its G header
 * (written when it was freed: the pool is linked through it). Scavenging
 * (the monitor every second, or grt_stack_scavenge()) takes every stack
 * of the global pools, decommits its whole slot with
 * madvise(MADV_DONTNEED) - header page included, contiguous slots in one
 * call - and keeps only its address, in a compact "bare" list per order
 * (8 bytes per slot) and a bit per slot in its slab header. A bare slot is
 * revived when the pools run dry (its header is written afresh: one page
 * fault), before any new slot is carved. So after 100k goroutines have
 * exited and a scavenge has run, each costs 8 bytes of bare list, not a
 * resident page; the P caches (GRT_STACK_CACHE_MAX per order per P) stay
 * committed, as Go's stackcache does.
 *
 * Statistics. Committed bytes and high-water marks come from mincore()
 * over each whole slab when statistics are read: the slab's mappings are
 * exactly what lazy commit charged, so the figure is the kernel's resident
 * set of the stack mappings (a runtime test compares it with smaps). That
 * holds only because no code reads a page no goroutine wrote: a read fault
 * on an untouched anonymous page maps the shared zero page, which mincore
 * reports as resident and RSS does not (and some VMs back with a real page).
 * The lowest resident page of a slot is its deepest use since it was last
 * scavenged.
 *
 * Overflow. The bottom GRT_STACK_REDZONE bytes of a slot are never used
 * legitimately, and nothing reads or writes them: at every switch away
 * from a goroutine its saved sp is checked against the red zone (a
 * register compare, no memory touched), and every mincore() sweep (the
 * monitor's each second, every statistics read) checks that no red-zone
 * page is resident. A resident red zone means a goroutine wrote below its
 * stack: "fatal error: stack overflow" naming the slot's goroutine. This
 * replaced a canary in the red zone read at every switch, which faulted
 * in the red-zone page of every stack (the zero page, or on some VMs a
 * real one) and made it uncountable and unreturnable. With GRT_STACK_GUARD
 * (debug builds) the red zone is PROT_NONE and a SIGSEGV handler on an
 * alternate stack names the goroutine at the faulting access; that costs
 * a VMA split per stack, hence debug only.
 */
#include "grt_runtime2.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum { GRT_MAX_SLABS = 8192, GRT_PAGE = 4096 };

#define GRT_SLAB_MAX_SLOTS (GRT_SLAB_BYTES >> GRT_STACK_MIN_SHIFT)

typedef struct grt_slab {
    uint8_t shift; /* log2 slot size; must be the first byte */
    uint8_t order;
    uint32_t nslots;         /* slots in the slab, slot 0 included */
    _Atomic uint32_t carved; /* slots handed out so far (>= 1) */
    /* bit k: slot k is bare (decommitted, in a bare list, no header);
     * set by the scavenger before it decommits, cleared after revival */
    _Atomic uint64_t bare[GRT_SLAB_MAX_SLOTS / 64];
} grt_slab;

static struct {
    grt_lock lock;
    grt_g *pool[GRT_STACK_ORDERS]; /* global pools; lock */
    int npool[GRT_STACK_ORDERS];
    /* decommitted slots by order (their lo addresses); lock */
    uintptr_t *bare[GRT_STACK_ORDERS];
    size_t nbare[GRT_STACK_ORDERS], capbare[GRT_STACK_ORDERS];
    grt_slab *cur[GRT_STACK_ORDERS]; /* slab being carved; lock */
    grt_slab *slabs[GRT_MAX_SLABS];  /* append-only */
    _Atomic uint32_t nslabs;
    _Atomic uint64_t reserved; /* bytes of carved slots */
    _Atomic int64_t inuse;     /* stacks held, counted without a P (the
                                  rest: each P's stackinuse) */
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

static grt_slab *slab_of(const void *p) {
    return (grt_slab *)((uintptr_t)p & ~(GRT_SLAB_BYTES - 1));
}

static void bare_mark(char *lo, bool on) {
    grt_slab *s = slab_of(lo);
    uint32_t k = (uint32_t)(((uintptr_t)lo - (uintptr_t)s) >> s->shift);
    uint64_t bit = (uint64_t)1 << (k % 64);
    if (on)
        atomic_fetch_or_explicit(&s->bare[k / 64], bit, memory_order_release);
    else
        atomic_fetch_and_explicit(&s->bare[k / 64], ~bit, memory_order_release);
}

static bool slot_is_bare(const grt_slab *s, uint32_t k) {
    return (atomic_load_explicit(&s->bare[k / 64], memory_order_acquire) >>
            (k % 64)) &
           1;
}

/* A bare slot's G header written afresh (its first write faults the page
 * in); stack lock held. */
static grt_g *slot_revive(char *lo, int order) {
    size_t size = (size_t)1 << order_shift(order);
    grt_g *g = (grt_g *)(lo + size - GRT_G_BYTES);
    memset(g, 0, sizeof *g);
    g->lo = lo;
    g->size = size;
    g->order = (uint8_t)order;
    bare_mark(lo, false);
    return g;
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

/* Stacks in use: the global count for allocations and frees without a P
 * (an atomic add), the P's own for the rest (a plain add by the owner; a
 * stack allocated on one P and freed on another leaves one count +1 and
 * the other -1, and only the sum means anything). A shared counter here
 * was two locked instructions per spawn+exit and, with goroutines stolen
 * to another P, a cache line moving between cores on each. */
static inline void inuse_add(struct grt_p *p, int64_t d) {
    if (p != NULL)
        atomic_store_explicit(
            &p->stackinuse,
            atomic_load_explicit(&p->stackinuse, memory_order_relaxed) + d,
            memory_order_relaxed);
    else
        atomic_fetch_add_explicit(&grt_stk.inuse, d, memory_order_relaxed);
}

grt_g *grt_stackalloc(struct grt_p *p, int order) {
    grt_g *g;
    if (p != NULL && (g = p->stackcache[order]) != NULL) {
        inuse_add(p, 1);
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
        } else if (grt_stk.nbare[order] > 0) {
            g = slot_revive((char *)grt_stk.bare[order][--grt_stk.nbare[order]],
                            order);
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
        inuse_add(NULL, 1);
        atomic_fetch_add(&grt_sched.shared_stats.stack_allocs, 1);
        atomic_fetch_add(&grt_sched.shared_stats.stack_slots_new,
                         (uint64_t)carved);
        g->schedlink = NULL;
        g->clean = 0;
        return g;
    }
    grt_stat_add(&p->stats.stack_slots_new, (uint64_t)carved, false);
    return grt_stackalloc(p, order);
}

void grt_stackfree(struct grt_p *p, grt_g *g) {
    int o = g->order;
    inuse_add(p, -1);
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
            inuse_add(NULL, 1); /* not a free: the stack moves pools */
            grt_stackfree(NULL, g);
        }
    }
}

_Noreturn static void overflow(grt_g *g, const char *how) {
    grt_throw("stack overflow in goroutine %llu (%s; stack %zu KiB at %p)",
              (unsigned long long)g->goid, how, g->size >> 10, (void *)g->lo);
}

/* Called on g's own stack, just before it switches away: a register
 * compare, no memory read (see "Overflow" above for the red zone). */
void grt_stack_check(grt_g *g) {
    if ((char *)grt_getsp() < g->lo + GRT_STACK_REDZONE)
        overflow(g, "sp below the stack limit");
}

void grt_stack_forall(void (*fn)(grt_g *g, void *arg), void *arg) {
    uint32_t n = atomic_load_explicit(&grt_stk.nslabs, memory_order_acquire);
    for (uint32_t i = 0; i < n; i++) {
        grt_slab *s = grt_stk.slabs[i];
        uint32_t c = atomic_load_explicit(&s->carved, memory_order_acquire);
        size_t size = (size_t)1 << s->shift;
        for (uint32_t k = 1; k < c; k++)
            if (!slot_is_bare(s, k)) /* a bare header would fault in */
                fn((grt_g *)((char *)s + (k + 1) * size - GRT_G_BYTES), arg);
    }
}

/* A resident red-zone page: some goroutine wrote below its stack. */
_Noreturn static void redzone_hit(grt_slab *s, uint32_t k) {
    size_t size = (size_t)1 << s->shift;
    char *lo = (char *)s + (size_t)k * size;
    grt_g *g = (grt_g *)(lo + size - GRT_G_BYTES);
    overflow(g, "its red zone was written");
}

/* One mincore() over all of slab s: adds its resident bytes to
 * *committed, raises *hiwat to the deepest slot, and dies on a resident
 * red zone. vec holds one byte per page of a slab. */
static void slab_scan(grt_slab *s, unsigned char *vec, uint64_t *committed,
                      uint64_t *hiwat) {
    if (mincore(s, GRT_SLAB_BYTES, vec) != 0)
        return;
    uint32_t c = atomic_load_explicit(&s->carved, memory_order_acquire);
    size_t per = ((size_t)1 << s->shift) / GRT_PAGE;
    size_t red = GRT_STACK_REDZONE / GRT_PAGE;
    for (size_t j = 0; j < GRT_SLAB_BYTES / GRT_PAGE; j++)
        *committed += (vec[j] & 1) * (uint64_t)GRT_PAGE;
    for (uint32_t k = 1; k < c; k++) {
        const unsigned char *v = vec + k * per;
        for (size_t j = 0; j < red; j++)
            if (v[j] & 1)
                redzone_hit(s, k);
        size_t lowest = per;
        for (size_t j = red; j < per && lowest == per; j++)
            if (v[j] & 1)
                lowest = j;
        uint64_t depth = (uint64_t)(per - lowest) * GRT_PAGE;
        if (depth > *hiwat)
            *hiwat = depth;
    }
}

static unsigned char grt_slabvec[GRT_SLAB_BYTES / GRT_PAGE];
static grt_lock grt_slabvec_lock = GRT_LOCK_INIT;

/* committed: resident bytes of every slab; returns the high-water mark. */
static uint64_t sweep_slabs(uint64_t *committed) {
    uint64_t hiwat = atomic_load(&grt_stk.hiwat);
    uint32_t n = atomic_load_explicit(&grt_stk.nslabs, memory_order_acquire);
    *committed = 0;
    grt_lock_acquire(&grt_slabvec_lock);
    for (uint32_t i = 0; i < n; i++)
        slab_scan(grt_stk.slabs[i], grt_slabvec, committed, &hiwat);
    grt_lock_release(&grt_slabvec_lock);
    uint64_t old = atomic_load(&grt_stk.hiwat);
    while (hiwat > old &&
           !atomic_compare_exchange_weak(&grt_stk.hiwat, &old, hiwat))
        ;
    return hiwat;
}

void grt_stack_stats(grt_stats *st) {
    uint64_t committed;
    uint64_t hiwat = sweep_slabs(&committed);
    st->stack_slabs = atomic_load(&grt_stk.nslabs);
    st->stack_reserved_bytes = atomic_load(&grt_stk.reserved);
    st->stack_committed_bytes = committed;
    st->stack_hiwat_bytes = hiwat;
    int64_t inuse = atomic_load(&grt_stk.inuse);
    int np = atomic_load(&grt_sched.nprocs_made);
    for (int i = 0; i < np; i++)
        inuse +=
            atomic_load_explicit(&grt_allp[i].stackinuse, memory_order_relaxed);
    st->stacks_in_use = inuse > 0 ? (uint64_t)inuse : 0;
}

int grt_stack_slabs(uintptr_t *base, int max) {
    int n = (int)atomic_load_explicit(&grt_stk.nslabs, memory_order_acquire);
    for (int i = 0; i < n && i < max; i++)
        base[i] = (uintptr_t)grt_stk.slabs[i];
    return n;
}

static int cmp_addr(const void *a, const void *b) {
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return (x > y) - (x < y);
}

/* Decommits [lo, hi) (inside one slab); returns the bytes that were
 * resident. vec: grt_slabvec, its lock held. */
static uint64_t decommit(uintptr_t lo, uintptr_t hi, unsigned char *vec) {
    uint64_t res = 0;
    size_t len = hi - lo;
    if (mincore((void *)lo, len, vec) == 0)
        for (size_t j = 0; j < len / GRT_PAGE; j++)
            res += vec[j] & 1;
    madvise((void *)lo, len, MADV_DONTNEED);
    return res * GRT_PAGE;
}

uint64_t grt_stack_shrink(void) {
    grt_g *g = grt_curg();
    if (g->is_g0)
        return 0;
    /* keep the current page and the one below (the caller's frames and
     * this call's own) */
    uintptr_t keep = (grt_getsp() & ~(uintptr_t)(GRT_PAGE - 1)) - GRT_PAGE;
    uintptr_t lo = (uintptr_t)g->lo + GRT_STACK_REDZONE;
    if (keep <= lo)
        return 0;
    uint64_t res = 0;
    grt_lock_acquire(&grt_slabvec_lock);
    res = decommit(lo, keep, grt_slabvec);
    grt_lock_release(&grt_slabvec_lock);
    if (res != 0)
        GRT_STAT_ADD(stack_returned_bytes, res);
    return res;
}

uint64_t grt_stack_scavenge(void) {
    /* One pass at a time: a caller returns only once the pools are
     * scavenged, even when the monitor's pass had taken them first. */
    static grt_lock scav_lock = GRT_LOCK_INIT;
    grt_lock_acquire(&scav_lock);
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
    for (int o = 0; o < GRT_STACK_ORDERS; o++) {
        if (counts[o] == 0)
            continue;
        uintptr_t *addr = malloc((size_t)counts[o] * sizeof *addr);
        if (addr == NULL) { /* keep them pooled, committed */
            grt_g *tail = lists[o];
            while (tail->schedlink != NULL)
                tail = tail->schedlink;
            grt_lock_acquire(&grt_stk.lock);
            tail->schedlink = grt_stk.pool[o];
            grt_stk.pool[o] = lists[o];
            grt_stk.npool[o] += counts[o];
            grt_lock_release(&grt_stk.lock);
            continue;
        }
        int n = 0;
        for (grt_g *g = lists[o]; g != NULL && n < counts[o];
             g = g->schedlink) {
            addr[n++] = (uintptr_t)g->lo;
            bare_mark(g->lo, true); /* before its header goes */
        }
        /* Contiguous slots of one slab in one madvise. */
        qsort(addr, (size_t)n, sizeof *addr, cmp_addr);
        size_t size = (size_t)1 << order_shift(o);
        grt_lock_acquire(&grt_slabvec_lock);
        for (int i = 0; i < n;) {
            int j = i + 1;
            while (j < n && addr[j] == addr[j - 1] + size &&
                   slab_of((void *)addr[j]) == slab_of((void *)addr[i]))
                j++;
            returned += decommit(addr[i], addr[j - 1] + size, grt_slabvec);
            i = j;
        }
        grt_lock_release(&grt_slabvec_lock);
        grt_lock_acquire(&grt_stk.lock);
        size_t need = grt_stk.nbare[o] + (size_t)n;
        if (need > grt_stk.capbare[o]) {
            size_t cap = need * 2;
            uintptr_t *nb = realloc(grt_stk.bare[o], cap * sizeof *nb);
            if (nb == NULL)
                grt_throw("out of memory: the bare stack list");
            grt_stk.bare[o] = nb;
            grt_stk.capbare[o] = cap;
        }
        memcpy(grt_stk.bare[o] + grt_stk.nbare[o], addr,
               (size_t)n * sizeof *addr);
        grt_stk.nbare[o] += (size_t)n;
        grt_lock_release(&grt_stk.lock);
        free(addr);
    }
    /* The red zones: one mincore per slab (dies on a written one). */
    uint64_t committed;
    sweep_slabs(&committed);
    if (returned != 0)
        atomic_fetch_add(&grt_sched.shared_stats.stack_returned_bytes,
                         returned);
    grt_lock_release(&scav_lock);
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
