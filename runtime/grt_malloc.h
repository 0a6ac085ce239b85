/*
 * grt_malloc.h - what the heap's files share (malloc.c, sizeclasses.c,
 * mheap.c, mcentral.c, mcache.c, mgc.c, mgcmark.c, mgcsweep.c, mgcpacer.c,
 * mbarrier.c, mgcscavenge.c). Private to the runtime.
 *
 * The heap in one picture (Go's malloc.go):
 *
 *   arena: one reservation of GRT_ARENA_BYTES, 8 KiB pages, handed out
 *   from the bottom; spans[page] names the span that owns each page.
 *
 *   grt_new -> P's mcache: one current span per span class (size class x
 *              scan/noscan); allocation is a find-first-set on the span's
 *              inverted allocation bits (alloccache), no lock, no atomic
 *           -> mcentral (one per span class, locked): partial and full
 *              span lists, swept and unswept (indexed by sweepgen parity)
 *           -> mheap (locked): free spans by page count, coalesced;
 *              grows into the arena; the scavenger returns free pages.
 *
 * A span holds objects of one size class (or one large object). Its bits:
 * allocbits (1 = allocated at the last sweep), markbits (this cycle's
 * marks; the sweeper swaps the two), and for scan spans of small objects
 * heapbits (1 bit per 8-byte word: is it a pointer), written at
 * allocation from the type's mask. A large object's span keeps its type
 * and element count instead.
 *
 * Sweep generations (Go's mspan.sweepgen against mheap.sweepgen = sg):
 * sg-2 the span needs sweeping, sg-1 it is being swept, sg swept. Caches
 * are flushed at every mark termination, so a cached span is always
 * swept (Go's +1/+3 states are not needed).
 */
#ifndef MECHLAB_GRT_MALLOC_H
#define MECHLAB_GRT_MALLOC_H

#include "grt_heap.h"
#include "grt_runtime2.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define GRT_PAGE_SHIFT      13
#define GRT_PAGE_BYTES      ((size_t)1 << GRT_PAGE_SHIFT)
#define GRT_MAX_SMALL       32768
#define GRT_NUM_CLASSES     68
#define GRT_NUM_SPANCLASSES (GRT_NUM_CLASSES * 2)
#define GRT_ARENA_BYTES     ((uintptr_t)64 << 30)
#define GRT_FREE_LISTS      128 /* free spans of 1..127 pages; [0]: larger */
#define GRT_HEAP_MINIMUM    ((uint64_t)4 << 20) /* Go's defaultHeapMinimum */

/* ---- size classes (sizeclasses.c) ---------------------------------------- */

extern uint32_t grt_class_size[GRT_NUM_CLASSES];
extern uint8_t grt_class_npages[GRT_NUM_CLASSES];
extern uint32_t grt_class_nelems[GRT_NUM_CLASSES];
extern uint32_t grt_class_divmul[GRT_NUM_CLASSES];
extern uint8_t grt_size_to_class8[1024 / 8 + 1];
extern uint8_t grt_size_to_class128[(GRT_MAX_SMALL - 1024) / 128 + 1];
void grt_sizeclasses_init(void);

static inline unsigned grt_size_class(size_t size) {
    if (size <= 1024 - 8)
        return grt_size_to_class8[(size + 7) >> 3];
    return grt_size_to_class128[(size - 1024 + 127) >> 7];
}

/* ---- spans ------------------------------------------------------------------ */

enum { GRT_SPAN_DEAD = 0, GRT_SPAN_FREE, GRT_SPAN_INUSE };

typedef struct grt_mspan {
    uintptr_t base;
    uintptr_t limit; /* base + nelems * elemsize */
    size_t npages;
    struct grt_mspan *next, *prev; /* the list it is on */
    uint32_t elemsize;
    uint32_t nelems;
    uint32_t freeindex;  /* slots below are allocated */
    uint32_t alloccount; /* allocated objects */
    uint64_t alloccache; /* ~allocbits from freeindex, shifted */
    uint32_t divmul;     /* (off * divmul) >> 32 == off / elemsize */
    uint8_t spc;         /* span class: sizeclass << 1 | noscan */
    _Atomic uint8_t state;
    uint8_t needzero; /* memory may be dirty */
    uint8_t scav;     /* free span: its pages were returned to the OS */
    uint8_t onlist;   /* 0 none, else which list (debug) */
    _Atomic uint32_t sweepgen;
    uint64_t *allocbits; /* nelems bits (+ padding word) */
    uint64_t *markbits;
    uint64_t *heapbits;    /* small scan spans: 1 bit per word */
    void *bits;            /* the block holding the three */
    const grt_type *ltype; /* large: element type (NULL: noscan) */
    size_t lcount;         /* large: number of elements */
} grt_mspan;

static inline bool grt_spc_noscan(uint8_t spc) {
    return spc & 1;
}
static inline unsigned grt_spc_class(uint8_t spc) {
    return spc >> 1;
}

typedef struct grt_spanlist {
    grt_mspan *first, *last;
    size_t n;
} grt_spanlist;
void grt_spanlist_push(grt_spanlist *l, grt_mspan *s);
grt_mspan *grt_spanlist_pop(grt_spanlist *l);
void grt_spanlist_remove(grt_spanlist *l, grt_mspan *s);

/* ---- central lists (mcentral.c) ----------------------------------------- */

typedef struct grt_mcentral {
    grt_lock lock;
    uint8_t spc;
    grt_spanlist partial[2]; /* [sg/2 % 2] swept, the other unswept */
    grt_spanlist full[2];
} grt_mcentral;

grt_mspan *grt_mcentral_cache_span(grt_mcentral *c);
void grt_mcentral_uncache_span(grt_mcentral *c, grt_mspan *s);
void grt_mcentral_put_swept(grt_mcentral *c, grt_mspan *s);
/* Pops one unswept span of c, or NULL. */
grt_mspan *grt_mcentral_pop_unswept(grt_mcentral *c, uint32_t sg);

/* ---- the page heap (mheap.c) --------------------------------------------- */

struct grt_mheap {
    grt_lock lock;
    uintptr_t arena_base, arena_end;
    _Atomic uintptr_t arena_used; /* the frontier */
    grt_mspan **spans;            /* per page */
    grt_spanlist free[GRT_FREE_LISTS];
    _Atomic uint32_t sweepgen;
    grt_mcentral central[GRT_NUM_SPANCLASSES];
    /* accounting (bytes; heap lock, read racily) */
    _Atomic uint64_t inuse;          /* pages of in-use spans */
    _Atomic uint64_t free_ready;     /* free and not returned */
    _Atomic uint64_t scavenged;      /* free and returned to the OS */
    _Atomic uint64_t released_total; /* ever returned (stats) */
    _Atomic uint64_t meta;           /* span structs and bitmaps */
    _Atomic uint64_t largealloc_n, smallspan_n;
    /* sweeping */
    _Atomic uint64_t pages_inuse_at_flip; /* pages to sweep this cycle */
    _Atomic uint64_t pages_swept;
    _Atomic uint32_t sweepers;      /* sweeps in progress */
    _Atomic uint32_t sweep_drained; /* no unswept span left in lists */
    _Atomic uint32_t sweep_done;    /* drained and no sweeper active */
    _Atomic uint32_t sweep_spc;     /* next span class sweepone tries */
};
extern struct grt_mheap grt_mheap;

void grt_mheap_init(void);
grt_mspan *grt_mheap_alloc(size_t npages, uint8_t spc, bool large);
void grt_mheap_free(grt_mspan *s);
void grt_span_init_bits(grt_mspan *s);

static inline grt_mspan *grt_span_of(uintptr_t p) {
    uintptr_t off = p - grt_mheap.arena_base;
    if (off >=
        atomic_load_explicit(&grt_mheap.arena_used, memory_order_relaxed) -
            grt_mheap.arena_base)
        return NULL;
    return grt_mheap.spans[off >> GRT_PAGE_SHIFT];
}

/* Index of the object holding p in s (p within [base, limit)). */
static inline uint32_t grt_span_objindex(const grt_mspan *s, uintptr_t p) {
    return (uint32_t)(((uint64_t)(p - s->base) * s->divmul) >> 32);
}

static inline bool grt_bit_get(const uint64_t *bm, size_t i) {
    return (__atomic_load_n(&bm[i >> 6], __ATOMIC_RELAXED) >> (i & 63)) & 1;
}

/* Go's isFree: slots below freeindex are allocated; above, allocbits. */
static inline bool grt_span_isfree(const grt_mspan *s, uint32_t idx) {
    if (idx < s->freeindex)
        return false;
    return !grt_bit_get(s->allocbits, idx);
}

/* Refill alloccache from allocbits at the 64-aligned index `from`. */
static inline void grt_span_refill_cache(grt_mspan *s, uint32_t from) {
    s->alloccache = ~s->allocbits[from >> 6];
}

/* ---- per-P caches (mcache.c) ---------------------------------------------- */

typedef struct grt_mcache {
    grt_mspan *alloc[GRT_NUM_SPANCLASSES];
    uint64_t refills; /* spans taken since the last torture cycle */
} grt_mcache;

extern grt_mspan grt_emptyspan;
grt_mcache *grt_mcache_get(struct grt_p *p);
/* Replace c's span of class spc with one that has a free slot. */
void grt_mcache_refill(grt_mcache *c, uint8_t spc);
/* Return all of c's spans to their centrals (world stopped). */
void grt_mcache_flush(grt_mcache *c);

/* ---- sweeping (mgcsweep.c) --------------------------------------------------- */

/* Sweep s (owned: its sweepgen was CAS'd from sg-2 to sg-1). preserve:
 * keep it even when empty (the caller will allocate from it). Returns
 * false when the span was freed to the heap. */
bool grt_sweep_span(grt_mspan *s, bool preserve);
/* Sweep one unswept span anywhere; pages swept, 0 when none left. */
size_t grt_sweepone(void);
/* Sweep everything (finish the cycle's sweep). */
void grt_sweep_all(void);
/* Proportional sweep before allocating (Go's deductSweepCredit). */
void grt_sweep_credit(size_t bytes);
/* World stopped: flip sweepgen, every span becomes unswept. */
void grt_sweep_flip(void);

/* ---- the collector (mgc.c, mgcmark.c, mbarrier.c) ------------------------- */

enum { GRT_GC_OFF = 0, GRT_GC_MARK, GRT_GC_MARKTERM };
extern _Atomic uint32_t grt_gcphase;
extern _Atomic uint32_t grt_gcblackenenabled; /* allocate black, assist */

/* Grey the object holding p if p points into an allocated heap object.
 * Returns true if p was a heap pointer. */
bool grt_shade(uintptr_t p);
/* The write barrier for a bulk copy of size bytes from src to dst, called
 * before the copy while grt_writebarrier is set (Go's bulkBarrierPreWrite;
 * mbarrier.c): shades every pointer word about to be overwritten when dst
 * is in the heap, and every pointer word of src (src NULL: a clear, only
 * the old words). Pointer words come from t's mask; t NULL: every aligned
 * word may be a pointer. */
void grt_bulkbarrier_prewrite(void *dst, const void *src, size_t size,
                              const grt_type *t);
/* Mark machinery (mgcmark.c). */
void grt_gcmark_prepare(void);
/* The first pause: start a new stack generation (stacks are scanned
 * concurrently, see mgcmark.c) and grey the registered globals. */
void grt_gcmark_begin(void);
/* GODEBUG=gcstoptheworld=1: all the roots in the first pause. */
void grt_gcmark_roots_stw(void);
/* Concurrent root jobs (stacks, channel buffers), done by markers; mark
 * termination needs grt_gcmark_roots_done(). */
void grt_gcmark_roots_job(void);
bool grt_gcmark_roots_done(void);
/* Mark termination: no more stack scanning this cycle. */
void grt_gcmark_end_roots(void);
/* Hand the root marking's grey objects to the concurrent markers. */
void grt_gcmark_publish(void);
/* Drain grey objects; budget < 0: until empty; returns scan work done. */
int64_t grt_gcmark_drain(int64_t budget);
bool grt_gcmark_work_empty(void);
/* Concurrent markers: drain up to budget scan bytes through a private
 * list, flushed before returning; busy counts chunks under way. */
int64_t grt_gcmark_drain_chunk(int64_t budget);
int32_t grt_gcmark_busy(void);
/* No marker busy, every idle P's buffers flushed, no grey object left:
 * the mark may end (world running; a P marking makes it false). */
bool grt_gcmark_quiescent(void);
/* World stopped: every P's buffers and counts collected; true if no grey
 * object is left. */
bool grt_gcmark_stw_collect(void);
void grt_gc_bg_worker(void *arg);
uint64_t grt_gcmark_bytes_marked(void);
void grt_gcmark_done(void);
/* gccheckmark: re-mark from the roots into separate bits and report any
 * reachable object without a mark bit. */
void grt_gc_checkmark(void);
/* Mark a freshly allocated object black (concurrent cycle). */
void grt_gcmark_alloc_black(grt_mspan *s, uintptr_t obj);

/* Work counters of the cycle (mgcmark.c). */
struct grt_gcwork_stats {
    _Atomic uint64_t heap_scan;  /* bytes of heap objects scanned */
    _Atomic uint64_t stack_scan; /* bytes of stacks scanned */
    _Atomic uint64_t globals_scan;
    _Atomic uint64_t noscan_bytes; /* marked pointer-free bytes (skipped) */
    _Atomic uint64_t marked_bytes;
    _Atomic uint64_t chan_scan;
};
extern struct grt_gcwork_stats grt_gcwork;

/* Registered roots (mgc.c). */
void grt_gc_roots_forall(void (*fn)(const void *p, size_t n, void *arg),
                         void *arg);
void grt_gc_run_cycle_hooks(void);

/* The allocator asks for a cycle (mgc.c): heap trigger reached. */
void grt_gc_maybe_start(void);
/* Mark assist (mgc.c) for `bytes` about to be allocated. */
void grt_gc_assist(grt_mcache *c, size_t bytes);

/* ---- the pacer (mgcpacer.c) ------------------------------------------------- */

struct grt_pacer {
    _Atomic uint64_t heap_live; /* bytes in spans handed out + large */
    _Atomic uint64_t trigger;   /* start a cycle at this heap_live */
    _Atomic uint64_t goal;      /* heap goal of the next cycle */
    uint64_t heap_marked;       /* live after the last mark (black
                                   allocations of that cycle included) */
    uint64_t heap_minimum;      /* 4 MiB x GOGC/100 */
    _Atomic int64_t gc_percent; /* -1: off */
    _Atomic int64_t mem_limit;  /* bytes; INT64_MAX: none */
    uint64_t last_heap_scan, last_stack_scan, globals_scan;
    uint64_t triggered; /* the trigger the running cycle started at
                           (Go 1.19); UINT64_MAX outside a cycle */
    double cons_mark;   /* estimated cons/mark ratio (the PI's output) */
    double pi_err_integral;
    uint64_t runway; /* bytes of allocation a cycle's mark needs */
};
extern struct grt_pacer grt_pacer;

/* What the memory limit measures besides the pacer's own fields (mapped
 * and not returned, free heap spans, in-use heap spans), bytes. */
typedef struct grt_pacer_mem {
    uint64_t mapped_ready, heap_free, heap_inuse;
} grt_pacer_mem;

/* The pacer's arithmetic as pure functions of a pacer state (its
 * gc_percent, mem_limit, heap_marked, heap_minimum, scans, cons_mark and
 * triggered fields), so that tests can check the rules directly:
 *   goal_of     min(GOGC goal, memory-limit goal), Go's heapGoalInternal
 *   runway_of   cons/mark x (1-u)/u x expected scan work (Go's commit)
 *   trigger_of  goal - runway clamped to [0.7, 0.95] of marked -> goal
 *               (the upper clamp goal - 4 MiB for large heaps)
 *   assist_ratio_of  scan work per byte allocated that an assist owes,
 *               given the heap now, the scan work done and the most
 *               scan work the cycle can find (Go's revise)
 *   cons_mark_of     one cycle's measured cons/mark (Go's endCycle)
 * UINT64_MAX means "none" for a goal and a trigger. */
uint64_t grt_pacer_goal_of(const struct grt_pacer *p, const grt_pacer_mem *m);
uint64_t grt_pacer_runway_of(const struct grt_pacer *p);
uint64_t grt_pacer_trigger_of(const struct grt_pacer *p, uint64_t goal);
double grt_pacer_assist_ratio_of(const struct grt_pacer *p, uint64_t goal,
                                 uint64_t live, uint64_t max_scan,
                                 uint64_t work_done);
double grt_pacer_cons_mark_of(uint64_t live, uint64_t triggered,
                              uint64_t scan_work, double utilization,
                              double idle_utilization);

void grt_pacer_init(void);
/* Recompute goal and trigger (heap lock or world stopped). */
void grt_pacer_commit(void);
/* Mark termination, before heap_marked and the scans are reset: feed
 * this cycle's cons/mark to the controller. */
void grt_pacer_end_cycle(uint64_t mark_ns, uint64_t assist_ns, uint64_t idle_ns,
                         int procs, uint64_t scan_work);
/* Memory mapped and not returned, the memory limit's measure. */
uint64_t grt_pacer_mapped_ready(void);
uint64_t grt_pacer_heap_goal(void);
/* The scavenger's retained-memory target (mgcscavenge.c uses it). */
uint64_t grt_pacer_scavenge_goal(void);

static inline bool grt_gc_trigger_reached(void) {
    return atomic_load_explicit(&grt_pacer.heap_live, memory_order_relaxed) >=
           atomic_load_explicit(&grt_pacer.trigger, memory_order_relaxed);
}

/* ---- the scavenger (mgcscavenge.c) -------------------------------------- */

/* Return free pages until mapped-and-ready heap memory <= target bytes;
 * returns the bytes released. */
uint64_t grt_scavenge_to(uint64_t target);
/* Periodic, from the monitor: scavenge down to the pacer's goal. */
void grt_scavenge_background(void);

/* ---- statistics (mgc.c) ------------------------------------------------------ */

void grt_gc_stats_fill(grt_stats *s);

#endif /* MECHLAB_GRT_MALLOC_H */
