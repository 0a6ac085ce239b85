/*
 * mgcmark.c - marking (Go's mgcmark.go): roots, grey objects, scanning.
 *
 * Tri-colour: an object is white (no mark bit), grey (mark bit set, on a
 * work list, fields not yet scanned) or black (marked and scanned). A
 * pointer-free object never becomes grey: marking it sets its bit and
 * stops there, so a heap of pointer-free objects costs the marker one bit
 * per object reached and nothing more; large pointer-free blocks cost one
 * bit per block. This is the "pointer-free heaps are cheap" lesson.
 *
 * Roots, scanned conservatively (any aligned word that points into an
 * allocated object keeps that object alive, interior pointers included):
 *   - goroutine stacks (during the concurrent mark: see "Concurrent stack
 *     scanning" below) from their saved stack pointer to the top of their
 *     slot. A parked or runnable goroutine's callee-saved registers were
 *     pushed on its own stack by the context switch, just below the saved
 *     sp, so they are inside the range. The goroutine running the
 *     collection spills its registers first (__builtin_unwind_init in the
 *     scanning frame). A goroutine in a syscall has no saved context (its
 *     thread runs on, below the caller of grt_enter_syscall): it is
 *     scanned from the stack pointer grt_enter_syscall recorded, and the
 *     callee-saved registers it recorded in the G header (Go's
 *     g.syscallsp). The G header at the top of the slot holds a new
 *     goroutine's argument, so it is part of the range too.
 *   - the ranges registered with grt_gc_add_root (globals).
 *   - the buffered elements of channels: by the element type's mask for
 *     typed channels, every word for untyped ones.
 * The heap is scanned precisely: small objects by the heap bits written at
 * allocation, large ones by their type's mask repeated per element.
 *
 * Grey objects wait in per-P work buffers (grt_gcwork.h, mgcwork.c: Go's
 * gcWork, two buffers per P, full ones on a lock-free global list, a
 * marker that sees that list empty shares part of its work and wakes an
 * idle P). Concurrent markers (workers, idle Ps, assists, the write
 * barrier) work on their P's buffers in sessions with no safepoint inside;
 * what a session leaves stays with the P. Mark termination moves the
 * buffers of Ps not in a session to the full list and ends the mark only
 * when nothing is left anywhere; the pause then checks again and resumes
 * the mark if a write barrier greyed something meanwhile. Pointers found
 * in heap objects are marked in batches with prefetching (batch_flush).
 * Mark bits are set with an atomic bit-test-and-set on their word; heap
 * words are read with relaxed atomic loads, as the mutators write them
 * concurrently. A marker stops its chunk early when a stop-the-world
 * waits, so the pause is not held up by a chunk of scanning.
 *
 * gccheckmark: after the cycle's mark, the whole graph is marked again
 * from the roots with the world stopped into separate bits; an object
 * reachable then but not marked by the cycle is reported and the process
 * stops (Go's "checkmark found unmarked object"). Objects reached only
 * through conservative roots are exempt (a stale stack word may name an
 * object that was garbage when the cycle began; see greyobject): the
 * check covers everything reached through precise heap pointers.
 */
#include "chan_internal.h"
#include "grt_asan.h"
#include "grt_chan.h"
#include "grt_gcwork.h"
#include "grt_malloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct grt_gcwork_stats grt_gcwork;

/* ---- work lists -------------------------------------------------------------- */

/* Grey objects wait in work buffers (grt_gcwork.h, mgcwork.c): each P
 * has its own pair, used by whatever marks on that P; the full buffers
 * are shared through a lock-free list. */
typedef grt_gcw gcw;

static grt_gcw pgcw[GRT_MAXPROCS]; /* per P, by id */

static bool checkmark_mode;
static bool checkmark_conservative; /* scanning a conservative root */

static inline void gcw_push(gcw *w, uintptr_t obj) {
    grt_gcwork_put(w, obj);
}

/* Marking sessions. A session on a P locks that P's buffers (against the
 * termination check, which moves idle Ps' buffers to the full list); a
 * context without a P (a goroutine leaving a syscall, a timer on the
 * monitor thread) uses a private grt_gcwork, released to the global lists
 * at the end. `busy` counts sessions in progress: mark termination needs
 * none. */
static _Atomic int32_t busy;

static inline void gcw_lock(gcw *w) {
    while (atomic_exchange_explicit(&w->lock, 1, memory_order_acquire) != 0)
        while (atomic_load_explicit(&w->lock, memory_order_relaxed) != 0)
            ;
}

static inline bool gcw_trylock(gcw *w) {
    return atomic_exchange_explicit(&w->lock, 1, memory_order_acquire) == 0;
}

static inline void gcw_unlock(gcw *w) {
    atomic_store_explicit(&w->lock, 0, memory_order_release);
}

static inline struct grt_p *current_p(void) {
    return grt_tls_is_m ? grt_curg()->m->p : NULL;
}

/* Add w's pending counts to the cycle's counters. */
static void gcw_flush_counts(gcw *w) {
    if (w->heap_scan != 0)
        atomic_fetch_add_explicit(&grt_gcwork.heap_scan, w->heap_scan,
                                  memory_order_relaxed);
    if (w->marked != 0)
        atomic_fetch_add_explicit(&grt_gcwork.marked_bytes, w->marked,
                                  memory_order_relaxed);
    if (w->noscan != 0)
        atomic_fetch_add_explicit(&grt_gcwork.noscan_bytes, w->noscan,
                                  memory_order_relaxed);
    w->heap_scan = w->marked = w->noscan = 0;
}

static gcw *session_begin(gcw *priv) {
    atomic_fetch_add(&busy, 1);
    struct grt_p *p = current_p();
    if (p == NULL) {
        memset(priv, 0, sizeof *priv);
        return priv;
    }
    gcw *w = &pgcw[p->id];
    gcw_lock(w);
    return w;
}

static void session_end(gcw *w) {
    gcw_flush_counts(w);
    if (w >= pgcw && w < pgcw + GRT_MAXPROCS)
        gcw_unlock(w);
    else
        grt_gcwork_release(w);
    atomic_fetch_sub(&busy, 1);
}

bool grt_gcmark_work_empty(void) {
    if (!grt_wbuf_full_empty())
        return false;
    struct grt_p *p = current_p();
    return p == NULL || grt_gcwork_empty(&pgcw[p->id]);
}

/* The termination check: move the buffers of every P not in a session to
 * the full list. False if some P is in a session. */
static bool flush_idle_ps(void) {
    int n = atomic_load(&grt_sched.nprocs_made);
    for (int i = 0; i < n; i++) {
        gcw *w = &pgcw[i];
        if (!gcw_trylock(w))
            return false;
        if (!grt_gcwork_empty(w))
            grt_gcwork_dispose(w);
        gcw_unlock(w);
    }
    return true;
}

/* ---- marking one object ---------------------------------------------------------- */

static uint64_t **checkbits;   /* per span struct, in checkmark mode */
static grt_mspan **checkspans; /* spans that got check bits */
static size_t ncheck, capcheck;

static uint64_t *check_bits_of(grt_mspan *s) {
    /* Linear map from span to bits: a small open-addressed table. */
    size_t h = ((uintptr_t)s >> 4) % capcheck;
    while (checkspans[h] != NULL && checkspans[h] != s)
        h = (h + 1) % capcheck;
    if (checkspans[h] == NULL) {
        checkspans[h] = s;
        checkbits[h] = calloc((s->nelems + 63) / 64 + 1, sizeof(uint64_t));
        if (checkbits[h] == NULL)
            grt_throw("gccheckmark: out of memory");
        ncheck++;
    }
    return checkbits[h];
}

static size_t obj_bytes(const grt_mspan *s) {
    return grt_spc_class(s->spc) == 0 ? s->npages * GRT_PAGE_BYTES
                                      : s->elemsize;
}

/* Grey the object at index idx of s (base obj). */
static inline void greyobject(grt_mspan *s, uint32_t idx, uintptr_t obj,
                              gcw *w) {
    if (__builtin_expect(checkmark_mode, 0)) {
        /* A conservative root may hold a stale word (a dead frame's slot
         * that was below sp at the first pause and is inside the frame of
         * a deeper call now) naming an object that was already garbage
         * when marking began: the collector rightly left it white. So
         * from conservative roots only marked objects are followed; every
         * object reached through the heap's precise pointers must be
         * marked. */
        if (checkmark_conservative && !grt_bit_get(s->markbits, idx))
            return;
        uint64_t *cb = check_bits_of(s);
        if ((cb[idx >> 6] >> (idx & 63)) & 1)
            return;
        cb[idx >> 6] |= (uint64_t)1 << (idx & 63);
        if (!grt_bit_get(s->markbits, idx)) {
            fprintf(stderr,
                    "runtime: checkmark found unmarked object %#lx "
                    "(span %#lx, %u-byte objects, %s)\n",
                    (unsigned long)obj, (unsigned long)s->base, s->elemsize,
                    grt_spc_noscan(s->spc) ? "noscan" : "scan");
            grt_throw("checkmark found unmarked object");
        }
        if (!grt_spc_noscan(s->spc))
            gcw_push(w, obj);
        return;
    }
    /* A plain load first (most pointers name marked objects), then one
     * locked bit-test-and-set on the word (lock bts: no CAS loop). */
    uint64_t *mw = &s->markbits[idx >> 6];
    uint64_t bit = (uint64_t)1 << (idx & 63);
    if (__atomic_load_n(mw, __ATOMIC_RELAXED) & bit)
        return;
    if (__atomic_fetch_or(mw, bit, __ATOMIC_RELAXED) & bit)
        return;
    size_t bytes = obj_bytes(s);
    w->marked += bytes;
    if (grt_spc_noscan(s->spc)) {
        w->noscan += bytes;
        return;
    }
    gcw_push(w, obj);
}

/* If p points into an allocated object, grey it. */
static inline bool mark_ptr(uintptr_t p, gcw *w) {
    grt_mspan *s = grt_span_of(p);
    if (s == NULL ||
        atomic_load_explicit(&s->state, memory_order_acquire) !=
            GRT_SPAN_INUSE ||
        p < s->base || p >= s->limit)
        return false;
    uint32_t idx = grt_span_objindex(s, p);
    if (grt_span_isfree(s, idx))
        return false;
    greyobject(s, idx, s->base + (uintptr_t)idx * s->elemsize, w);
    return true;
}

void grt_gcmark_alloc_black(grt_mspan *s, uintptr_t obj) {
    uint32_t idx = grt_span_objindex(s, obj);
    __atomic_fetch_or(&s->markbits[idx >> 6], (uint64_t)1 << (idx & 63),
                      __ATOMIC_RELAXED);
    /* Counted on the allocating P (its owner is the only writer of these
     * counts outside the pauses, which collect them). */
    pgcw[grt_curg()->m->p->id].marked += obj_bytes(s);
}

/* Write barrier and shading from outside the marker: grey p's object in
 * the current P's buffers. */
bool grt_shade(uintptr_t p) {
    if (p - grt_mheap.arena_base >= GRT_ARENA_BYTES)
        return false;
    struct grt_p *pp = current_p();
    if (pp != NULL) {
        gcw *w = &pgcw[pp->id];
        gcw_lock(w);
        bool r = mark_ptr(p, w);
        gcw_unlock(w);
        return r;
    }
    gcw priv;
    gcw *w = session_begin(&priv);
    bool r = mark_ptr(p, w);
    session_end(w);
    return r;
}

/* ---- scanning ----------------------------------------------------------------- */

/* Every aligned word of [b, b+n) may be a pointer. */
GRT_NO_ASAN static void scan_conservative(const void *b, size_t n, gcw *w) {
    if (checkmark_mode)
        checkmark_conservative = true;
    uintptr_t p = ((uintptr_t)b + 7) & ~(uintptr_t)7;
    uintptr_t end = (uintptr_t)b + n;
    uintptr_t lo = grt_mheap.arena_base;
    for (; p + 8 <= end; p += 8) {
        uintptr_t v = *(const volatile uintptr_t *)p;
        if (v - lo < GRT_ARENA_BYTES)
            mark_ptr(v, w);
    }
    if (checkmark_mode)
        checkmark_conservative = false;
}

/* Words of one element of t at b, by t's mask. */
static void scan_typed(uintptr_t b, const grt_type *t, gcw *w) {
    size_t words = t->size >> 3;
    uintptr_t lo = grt_mheap.arena_base;
    for (size_t i = 0; i < words; i += 64) {
        uint64_t m = t->ptrmask[i >> 6];
        if (words - i < 64)
            m &= ((uint64_t)1 << (words - i)) - 1;
        while (m != 0) {
            unsigned k = (unsigned)__builtin_ctzll(m);
            m &= m - 1;
            uintptr_t v = __atomic_load_n((uintptr_t *)(b + 8 * (i + k)),
                                          __ATOMIC_RELAXED);
            if (v - lo < GRT_ARENA_BYTES)
                mark_ptr(v, w);
        }
    }
}

/* Precise pointers found in heap objects are marked in batches (the
 * scanning of a pointer-rich heap is bound by cache misses: a pointer to
 * a random object costs a span-table entry, a span struct and a mark
 * byte, each load depending on the one before). A batch looks up every
 * candidate's span and prefetches the span structs, then computes every
 * object index and prefetches the mark bytes, then greys: within a stage
 * the loads are independent, so their misses overlap instead of queueing.
 * A precise pointer never names a free slot (the collector never frees a
 * reachable object, and allocation zeroes), so the batch does not check
 * the allocation bits, which the conservative path (mark_ptr) must. */
#define MARK_BATCH 32
struct markbatch {
    int n;
    uintptr_t v[MARK_BATCH];
};

static void batch_flush(struct markbatch *b, gcw *w) {
    grt_mspan *sp[MARK_BATCH];
    uint32_t ix[MARK_BATCH];
    int n = b->n;
    b->n = 0;
    uintptr_t base = grt_mheap.arena_base;
    uintptr_t used =
        atomic_load_explicit(&grt_mheap.arena_used, memory_order_relaxed) -
        base;
    grt_mspan **spans = grt_mheap.spans;
    for (int i = 0; i < n; i++) {
        uintptr_t off = b->v[i] - base;
        grt_mspan *s = off < used ? spans[off >> GRT_PAGE_SHIFT] : NULL;
        sp[i] = s;
        if (s != NULL) {
            __builtin_prefetch(s);
            __builtin_prefetch(&s->markbits);
        }
    }
    for (int i = 0; i < n; i++) {
        grt_mspan *s = sp[i];
        uintptr_t p = b->v[i];
        if (s == NULL ||
            atomic_load_explicit(&s->state, memory_order_acquire) !=
                GRT_SPAN_INUSE ||
            p < s->base || p >= s->limit) {
            sp[i] = NULL;
            continue;
        }
        uint32_t idx = grt_span_objindex(s, p);
        ix[i] = idx;
        __builtin_prefetch((const uint8_t *)s->markbits + (idx >> 3));
    }
    for (int i = 0; i < n; i++) {
        grt_mspan *s = sp[i];
        if (s != NULL)
            greyobject(s, ix[i], s->base + (uintptr_t)ix[i] * s->elemsize, w);
    }
}

static inline void batch_add(struct markbatch *b, uintptr_t v, gcw *w) {
    b->v[b->n++] = v;
    if (b->n == MARK_BATCH)
        batch_flush(b, w);
}

/* The words of [b, b + 8*nw) whose bit is set in mask m (bit 0: word 0). */
static inline void scan_masked(uintptr_t b, uint64_t m, struct markbatch *mb,
                               gcw *w) {
    uintptr_t lo = grt_mheap.arena_base;
    while (m != 0) {
        unsigned k = (unsigned)__builtin_ctzll(m);
        m &= m - 1;
        uintptr_t v =
            __atomic_load_n((uintptr_t *)(b + 8 * k), __ATOMIC_RELAXED);
        if (v - lo < GRT_ARENA_BYTES)
            batch_add(mb, v, w);
    }
}

/* Scan a grey object; returns the bytes scanned. */
static size_t scanobject(uintptr_t obj, gcw *w, struct markbatch *mb) {
    grt_mspan *s = grt_span_of(obj);
    if (grt_spc_class(s->spc) == 0) {
        const grt_type *t = s->ltype;
        if (t == NULL)
            return 0;
        size_t tw = t->size >> 3, total = s->lcount * tw;
        if (tw == 1 && (t->ptrmask[0] & 1)) {
            /* An array of pointers: every word. */
            for (size_t i = 0; i < total; i += 64)
                scan_masked(obj + 8 * i,
                            total - i >= 64 ? ~(uint64_t)0
                                            : ((uint64_t)1 << (total - i)) - 1,
                            mb, w);
        } else {
            for (size_t e = 0; e < s->lcount; e++) {
                uintptr_t b = obj + e * t->size;
                for (size_t i = 0; i < tw; i += 64) {
                    uint64_t m = t->ptrmask[i >> 6];
                    if (tw - i < 64)
                        m &= ((uint64_t)1 << (tw - i)) - 1;
                    scan_masked(b + 8 * i, m, mb, w);
                }
            }
        }
        return s->lcount * t->size;
    }
    size_t w0 = (obj - s->base) >> 3, nw = s->elemsize >> 3;
    const uint64_t *hb = s->heapbits;
    for (size_t i = 0; i < nw;) {
        size_t b = w0 + i, sh = b & 63;
        uint64_t m = __atomic_load_n(&hb[b >> 6], __ATOMIC_RELAXED) >> sh;
        size_t take = 64 - sh;
        if (take > nw - i)
            take = nw - i;
        if (take < 64)
            m &= ((uint64_t)1 << take) - 1;
        scan_masked(obj + 8 * i, m, mb, w);
        i += take;
    }
    return s->elemsize;
}

static int64_t drain(gcw *w, int64_t budget) {
    int64_t done = 0;
    struct markbatch mb;
    mb.n = 0;
    for (;;) {
        /* Go's gcDrain: keep some work where idle markers can find it. */
        if (grt_wbuf_full_empty() && grt_gcwork_balance(w) && !checkmark_mode)
            grt_wakep(); /* an idle P marks it (Go's enlistWorker) */
        uintptr_t obj = grt_gcwork_get(w);
        if (obj == 0) {
            if (mb.n == 0)
                break;
            batch_flush(&mb, w); /* may grey more */
            continue;
        }
        /* The next object to scan, on its way while this one is. */
        if (w->b1 != NULL && w->b1->n != 0)
            __builtin_prefetch((const void *)w->b1->obj[w->b1->n - 1]);
        done += (int64_t)scanobject(obj, w, &mb);
        if (budget >= 0 &&
            (done >= budget ||
             atomic_load_explicit(&grt_sched.gcwaiting, memory_order_relaxed)))
            break; /* the budget, or a stop-the-world is waiting for us */
    }
    if (mb.n != 0)
        batch_flush(&mb, w);
    if (!checkmark_mode)
        w->heap_scan += (uint64_t)done;
    return done;
}

/* Markers (background workers, idle Ps, assists, the stop-the-world
 * drain) drain through their P's buffers in chunks of bounded scan work
 * with no safepoint inside; what is left stays in the P's buffers for
 * the next chunk on that P, or for whoever takes it from the full list. */
__attribute__((noinline)) int64_t grt_gcmark_drain_chunk(int64_t budget) {
    gcw priv;
    gcw *w = session_begin(&priv);
    int64_t done = drain(w, budget);
    session_end(w);
    return done;
}

int64_t grt_gcmark_drain(int64_t budget) {
    return grt_gcmark_drain_chunk(budget);
}

int32_t grt_gcmark_busy(void) {
    return atomic_load(&busy);
}

/* Every marker idle, every P's buffers flushed, the full list empty. */
bool grt_gcmark_quiescent(void) {
    if (atomic_load(&busy) != 0 || !grt_wbuf_full_empty())
        return false;
    if (!flush_idle_ps())
        return false;
    return atomic_load(&busy) == 0 && grt_wbuf_full_empty();
}

/* World stopped: every P's buffers to the full list, every P's counts to
 * the cycle's; true if there is no grey object left. */
bool grt_gcmark_stw_collect(void) {
    int n = atomic_load(&grt_sched.nprocs_made);
    for (int i = 0; i < n; i++) {
        grt_gcwork_dispose(&pgcw[i]);
        gcw_flush_counts(&pgcw[i]);
    }
    return grt_wbuf_full_empty();
}

/* ---- roots ----------------------------------------------------------------------- */

/* Concurrent stack scanning (Go's markroot stack jobs and suspendG, in our
 * terms). The first pause only starts a new stack generation
 * (grt_gcscan_gen) and sets grt_gcscan_on; every goroutine stack is then
 * scanned during the concurrent mark, each while its goroutine is not
 * running, and exactly once per cycle:
 *
 *   - a parked or runnable G by a marker (the stack pass below), which
 *     takes the G's scan lock with a CAS: the scheduler never switches in
 *     a G whose stack is unscanned in this cycle without taking that lock
 *     itself (grt_gcscan_before_run, from switch_to), so the G cannot run
 *     while it is scanned. The marker scans only a G whose context is
 *     saved (ctxsaved, set by the context that runs after the switch), from
 *     its saved sp; a G still on its way out is left for the next pass.
 *   - a G about to be switched in, by the M switching it in, from its
 *     saved sp, before it runs: so a G never runs in a marking cycle with
 *     an unscanned stack, and no G's stack changes between the first
 *     pause and its scan.
 *   - a G in a syscall (its thread runs on below the recorded syscallsp)
 *     by a marker from syscallsp and the recorded registers; if it leaves
 *     the syscall first, it scans itself (grt_gcscan_self) before
 *     running on, waiting for a marker that holds its lock.
 *   - the goroutine that ran the first pause scans itself right after it.
 *   - a G created during the cycle is black (its gcscangen is the
 *     cycle's): its stack holds only its argument, which came from a
 *     scanned stack.
 *
 * Why this needs no stack rescan at the end: a goroutine only ever runs
 * with a scanned (black) stack during marking, so every pointer it loads
 * comes from a black stack, the heap, a global or a channel buffer, and
 * what it deletes from the heap is shaded by the write barrier (both
 * halves: old and new, mbarrier.c); stacks that have not been scanned yet
 * do not change, as their goroutines do not run. This keeps the old
 * contract that stores into registered globals and into objects allocated
 * during the cycle need no barrier. What it does not cover: one
 * goroutine writing a heap pointer into another goroutine's stack memory
 * with a plain store; such stores must use GRT_STORE_PTR.
 *
 * Channel buffers are scanned concurrently too (a marker takes the job
 * once): every element copy in or out of a buffer goes through the bulk
 * barrier while marking (chan_internal.h), so an element taken out of an
 * unscanned buffer is shaded. Registered globals are scanned in the first
 * pause: stores into them take no barrier.
 *
 * Mark termination waits until every stack and the channel buffers are
 * done (grt_gcmark_roots_done). */
_Atomic uint32_t grt_gcscan_on;
_Atomic uint32_t grt_gcscan_gen;
static _Atomic uint32_t stacks_done; /* every stack of this cycle scanned */
static _Atomic uint32_t stackjob;    /* a marker runs the stack pass */
static _Atomic uint32_t chans_state; /* 0 to do, 1 claimed, 2 done */

static inline void cpu_relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static inline bool scanlock_try(grt_g *g) {
    uint32_t z = 0;
    return atomic_compare_exchange_strong_explicit(
        &g->gcscanlock, &z, 1, memory_order_acquire, memory_order_relaxed);
}

static inline void scanlock_acquire(grt_g *g) {
    while (!scanlock_try(g))
        cpu_relax();
}

static inline void scanlock_release(grt_g *g) {
    atomic_store_explicit(&g->gcscanlock, 0, memory_order_release);
}

/* Scan g's stack from lo to the top of its slot (the G header included);
 * the bytes scanned. */
static uint64_t scan_stack_from(grt_g *g, uintptr_t lo, gcw *w) {
    uintptr_t top = (uintptr_t)g + GRT_G_BYTES;
    if (lo < (uintptr_t)g->lo + GRT_STACK_REDZONE || lo > top)
        grt_throw("gc: goroutine %llu: stack pointer %#lx outside its stack",
                  (unsigned long long)g->goid, (unsigned long)lo);
    scan_conservative((const void *)lo, top - lo, w);
    return top - lo;
}

static void count_stack_scan(uint64_t bytes) {
    if (bytes != 0)
        atomic_fetch_add_explicit(&grt_gcwork.stack_scan, bytes,
                                  memory_order_relaxed);
}

/* g's scan lock is held and g is not g0. Scan its stack if this cycle has
 * not and g is not running; false if it could not be scanned now. */
GRT_NO_ASAN static bool scan_locked(grt_g *g, gcw *w, uint64_t *bytes) {
    uint32_t gen = grt_gcscan_gen_now();
    if (atomic_load_explicit(&g->gcscangen, memory_order_acquire) == gen)
        return true;
    uint32_t st = atomic_load_explicit(&g->status, memory_order_acquire);
    if (st == GRT_GDEAD)
        return true;
    uintptr_t lo;
    if (st == GRT_GSYSCALL) {
        lo = g->syscallsp;
    } else if (st != GRT_GRUNNING &&
               atomic_load_explicit(&g->ctxsaved, memory_order_acquire)) {
        lo = (uintptr_t)g->sp;
    } else {
        return false; /* running (the first pause's caller) or switching */
    }
    /* A new cycle's assist account. A goroutine in a syscall does not
     * allocate until it has left it and scanned itself, which waits for
     * this scan's lock. */
    g->gcassist = 0;
    *bytes += scan_stack_from(g, lo, w);
    atomic_store_explicit(&g->gcscangen, gen, memory_order_release);
    return true;
}

void grt_gcscan_before_run(grt_g *g) {
    uint32_t gen = grt_gcscan_gen_now();
    if (atomic_load_explicit(&g->gcscangen, memory_order_acquire) == gen)
        return;
    scanlock_acquire(g); /* a marker may be scanning it: wait */
    gcw priv;
    gcw *w = session_begin(&priv);
    uint64_t bytes = 0;
    if (!scan_locked(g, w, &bytes))
        grt_throw("gc: goroutine %llu switched in while not saved",
                  (unsigned long long)g->goid);
    session_end(w);
    scanlock_release(g);
    count_stack_scan(bytes);
}

/* noinline + unwind_init: the callee-saved registers of the caller chain
 * are in this frame, inside the range scanned. */
__attribute__((noinline)) GRT_NO_ASAN void grt_gcscan_self(void) {
    __builtin_unwind_init();
    grt_g *g = grt_curg();
    uint32_t gen = grt_gcscan_gen_now();
    if (g->is_g0 ||
        atomic_load_explicit(&g->gcscangen, memory_order_acquire) == gen)
        return;
    scanlock_acquire(g);
    if (atomic_load_explicit(&g->gcscangen, memory_order_acquire) != gen) {
        gcw priv;
        gcw *w = session_begin(&priv);
        uint64_t bytes = scan_stack_from(g, grt_getsp(), w);
        g->gcassist = 0;
        atomic_store_explicit(&g->gcscangen, gen, memory_order_release);
        session_end(w);
        count_stack_scan(bytes);
    }
    scanlock_release(g);
    __asm__ volatile("" ::: "memory");
}

struct stackpass {
    gcw *w;
    int skipped;
    uint64_t bytes;
};

static void stackpass_one(grt_g *g, void *arg) {
    struct stackpass *ps = arg;
    if (atomic_load_explicit(&grt_sched.gcwaiting, memory_order_relaxed)) {
        ps->skipped++; /* a stop-the-world waits: finish the pass later */
        return;
    }
    if (g->is_g0 || atomic_load_explicit(&g->gcscangen, memory_order_relaxed) ==
                        grt_gcscan_gen_now())
        return;
    if (atomic_load_explicit(&g->status, memory_order_relaxed) == GRT_GDEAD)
        return;
    if (!scanlock_try(g)) {
        ps->skipped++; /* someone scans it now */
        return;
    }
    if (!scan_locked(g, ps->w, &ps->bytes))
        ps->skipped++;
    scanlock_release(g);
}

/* One marker at a time passes over every stack slot. */
static void stack_pass(void) {
    uint32_t z = 0;
    if (atomic_load(&stacks_done) ||
        !atomic_compare_exchange_strong(&stackjob, &z, 1))
        return;
    gcw priv;
    gcw *w = session_begin(&priv);
    struct stackpass ps = {w, 0, 0};
    grt_stack_forall(stackpass_one, &ps);
    if (ps.skipped == 0)
        atomic_store(&stacks_done, 1);
    session_end(w);
    count_stack_scan(ps.bytes);
    atomic_store(&stackjob, 0);
}

static void chan_elem(const void *elem, grt_chan *c, void *arg);

static void chan_pass(void) {
    uint32_t z = 0;
    if (atomic_load(&chans_state) == 2 ||
        !atomic_compare_exchange_strong(&chans_state, &z, 1))
        return;
    gcw priv;
    gcw *w = session_begin(&priv);
    grt_chan_forall_buffered(chan_elem, w);
    atomic_store(&chans_state, 2);
    session_end(w);
}

void grt_gcmark_roots_job(void) {
    if (atomic_load_explicit(&stacks_done, memory_order_relaxed) &&
        atomic_load_explicit(&chans_state, memory_order_relaxed) == 2)
        return;
    stack_pass();
    chan_pass();
}

bool grt_gcmark_roots_done(void) {
    return atomic_load(&stacks_done) && atomic_load(&chans_state) == 2;
}

struct stackscan {
    grt_g *self;
    uintptr_t self_sp;
    gcw *w;
    uint64_t bytes;
};

static void scan_one_stack(grt_g *g, void *arg) {
    struct stackscan *ss = arg;
    if (g->is_g0)
        return;
    uint32_t st = atomic_load(&g->status);
    if (st == GRT_GDEAD)
        return;
    uintptr_t top = (uintptr_t)g + GRT_G_BYTES;
    uintptr_t lo;
    if (g == ss->self)
        lo = ss->self_sp;
    else if (st == GRT_GSYSCALL)
        lo = g->syscallsp;
    else if (st == GRT_GRUNNING)
        lo = (uintptr_t)g->lo + GRT_STACK_REDZONE; /* not with the world
                                                     stopped: a safety net */
    else
        lo = (uintptr_t)g->sp;
    if (lo < (uintptr_t)g->lo + GRT_STACK_REDZONE || lo > top)
        lo = (uintptr_t)g->lo + GRT_STACK_REDZONE;
    scan_conservative((const void *)lo, top - lo, ss->w);
    ss->bytes += top - lo;
}

/* noinline + unwind_init: every callee-saved register of the caller chain
 * is stored in this frame, below which nothing of the caller lives. */
__attribute__((noinline)) GRT_NO_ASAN static uint64_t scan_stacks(gcw *w) {
    __builtin_unwind_init();
    struct stackscan ss;
    ss.self = grt_tls_is_m ? grt_curg() : NULL;
    ss.self_sp = grt_getsp();
    ss.w = w;
    ss.bytes = 0;
    grt_stack_forall(scan_one_stack, &ss);
    __asm__ volatile("" ::: "memory");
    return ss.bytes;
}

static void root_range(const void *p, size_t n, void *arg) {
    gcw *w = arg;
    scan_conservative(p, n, w);
    if (!checkmark_mode)
        atomic_fetch_add(&grt_gcwork.globals_scan, n);
}

static void chan_elem(const void *elem, grt_chan *c, void *arg) {
    gcw *w = arg;
    if (c->scan == GRT_CHAN_SCAN_TYPED)
        scan_typed((uintptr_t)elem, c->elemtype, w);
    else
        scan_conservative(elem, c->elemsize, w);
    if (!checkmark_mode)
        atomic_fetch_add(&grt_gcwork.chan_scan, c->elemsize);
}

void grt_gcmark_prepare(void) {
    atomic_store(&grt_gcwork.heap_scan, 0);
    atomic_store(&grt_gcwork.stack_scan, 0);
    atomic_store(&grt_gcwork.globals_scan, 0);
    atomic_store(&grt_gcwork.noscan_bytes, 0);
    atomic_store(&grt_gcwork.marked_bytes, 0);
    atomic_store(&grt_gcwork.chan_scan, 0);
}

static void mark_roots(gcw *w) {
    uint64_t sb = scan_stacks(w);
    if (!checkmark_mode)
        atomic_fetch_add(&grt_gcwork.stack_scan, sb);
    grt_gc_roots_forall(root_range, w);
    grt_chan_forall_buffered(chan_elem, w);
}

/* The first pause: a new stack generation, the globals. */
void grt_gcmark_begin(void) {
    atomic_store(&stacks_done, 0);
    atomic_store(&stackjob, 0);
    atomic_store(&chans_state, 0);
    atomic_fetch_add(&grt_gcscan_gen, 1);
    atomic_store(&grt_gcscan_on, 1);
    gcw priv;
    gcw *w = session_begin(&priv);
    grt_gc_roots_forall(root_range, w);
    session_end(w);
}

/* GODEBUG=gcstoptheworld=1: every root now, in the first pause (every
 * other goroutine is switched out or in a syscall). */
void grt_gcmark_roots_stw(void) {
    grt_gcscan_self();
    while (!grt_gcmark_roots_done())
        grt_gcmark_roots_job();
}

void grt_gcmark_end_roots(void) {
    atomic_store(&grt_gcscan_on, 0);
}

void grt_gcmark_publish(void) {
    struct grt_p *p = current_p();
    if (p != NULL) {
        gcw *w = &pgcw[p->id];
        gcw_lock(w);
        grt_gcwork_dispose(w);
        gcw_unlock(w);
    }
}

uint64_t grt_gcmark_bytes_marked(void) {
    return atomic_load(&grt_gcwork.marked_bytes);
}

void grt_gcmark_done(void) {
    /* Buffers stay with their Ps for the next cycle. */
}

/* ---- gccheckmark ------------------------------------------------------------------ */

void grt_gc_checkmark(void) {
    size_t spans = (atomic_load(&grt_mheap.inuse) >> GRT_PAGE_SHIFT) + 64;
    capcheck = spans * 2 + 1;
    checkspans = calloc(capcheck, sizeof *checkspans);
    checkbits = calloc(capcheck, sizeof *checkbits);
    if (checkspans == NULL || checkbits == NULL)
        grt_throw("gccheckmark: out of memory");
    checkmark_mode = true;
    gcw w;
    memset(&w, 0, sizeof w);
    mark_roots(&w);
    drain(&w, -1);
    grt_gcwork_release(&w);
    checkmark_mode = false;
    for (size_t i = 0; i < capcheck; i++)
        free(checkbits[i]);
    free(checkbits);
    free(checkspans);
    checkbits = NULL;
    checkspans = NULL;
    ncheck = 0;
}
