/*
 * chase.h - memory and random-cycle helpers shared by the memory-hierarchy
 * experiments (staircase, traversal, tlb).
 *
 * Three things every one of those experiments needs, outside the timing:
 *
 *  - Memory whose page size is known. chase_map() maps anonymous memory,
 *    asks for 4 KiB pages (MADV_NOHUGEPAGE), 2 MiB transparent huge pages
 *    (a 2 MiB-aligned mapping with MADV_HUGEPAGE) or leaves the kernel's
 *    default, and touches every page, so the timed loop takes no page
 *    fault. chase_huge_bytes() then reads back from /proc/self/smaps how
 *    much of the mapping the kernel really backed with huge pages: asking
 *    is not getting (THP can be off, or memory too fragmented).
 *
 *  - A random single cycle. chase_cycle() runs Sattolo's algorithm: the
 *    Fisher-Yates shuffle with j drawn from [0, i) instead of [0, i], which
 *    yields a uniformly random cyclic permutation, i.e. next[i] visits every
 *    index exactly once before coming back. A chase through it has no
 *    stride for a prefetcher to learn and no short sub-cycle that would
 *    shrink the working set. The swaps touch random slots of the index
 *    array; the loop draws its random indices a few steps ahead and
 *    prefetches them, so a 2^24-entry cycle builds in about 0.3 s (2^27 in about 3 s)
 *    instead of paying one DRAM miss per step in series.
 *
 *  - A deterministic PRNG (splitmix64) so every run builds the same cycle.
 *
 * Names: chase_ prefix; nothing here is timed.
 */
#ifndef MECHLAB_CHASE_H
#define MECHLAB_CHASE_H

#include <stddef.h>
#include <stdint.h>

enum chase_pages {
    CHASE_PAGES_DEFAULT = 0, /* whatever the kernel's THP mode gives */
    CHASE_PAGES_SMALL = 1,   /* base pages only: MADV_NOHUGEPAGE */
    CHASE_PAGES_HUGE = 2,    /* 2 MiB aligned + MADV_HUGEPAGE */
};

#define CHASE_HUGE_SIZE ((size_t)2 << 20) /* x86-64 and arm64 THP size */

/* Maps at least `bytes` of zeroed anonymous memory with the requested page
 * policy and writes one byte per base page so it is all resident. Returns
 * NULL when the mapping fails. Free with chase_unmap(p, bytes). */
void *chase_map(size_t bytes, enum chase_pages pages);
void chase_unmap(void *p, size_t bytes);

/* Bytes of the mapping that starts at p (one smaps entry) backed by
 * transparent huge pages (smaps' AnonHugePages), or -1 if the mapping is
 * not found or /proc/self/smaps cannot be read. */
int64_t chase_huge_bytes(const void *p);

/* The kernel's THP mode: the bracketed word of
 * /sys/kernel/mm/transparent_hugepage/enabled ("always", "madvise",
 * "never"), or "unavailable". */
void chase_thp_mode(char *buf, size_t len);

/* A random cyclic permutation of 0..n-1 (Sattolo): next[i] is the
 * successor of i and following it from any index visits all n. n must be
 * >= 2 and < 2^32. Returns a malloc'd array (free()), or NULL. */
uint32_t *chase_cycle(size_t n, uint64_t seed);

/* Working-set sizes for a memory sweep: hx_points_sizes(t, quick=false,
 * lo, 4 x LLC, cap) (the cache-relative points and every power of two; the
 * caller's cap is what makes a sweep quick), plus 1.5x each power of two
 * below dense_top (0: none), minus any point within 5% of the next larger
 * one (a VM's 508 MiB "L3" gives 254 MiB beside 256 MiB: one buffer's
 * worth of setup for no new information). Sorted, unique, at most max; over
 * max the smallest are dropped. Returns the count or a negative errno. */
struct hx_topo;
int chase_sizes(const struct hx_topo *t, uint64_t lo, uint64_t cap,
                uint64_t dense_top, int64_t *out, int max);

/* splitmix64: the next value of the generator whose state is *s. */
uint64_t chase_rand(uint64_t *s);

/* A pointer chain in one mapping, the shared state of a point whose op is
 * one dependent load (staircase, tlb). mem/bytes as from chase_map. */
struct chase_chain {
    void **cursor; /* where the last repetition stopped; thread 0 only */
    char *mem;
    size_t bytes;   /* mapped, as passed to chase_map */
    uint64_t nodes; /* nodes in the cycle: one pass (chase_warm) */
    double
        huge_frac; /* share of mem on huge pages (smaps), 0..1; NAN unknown */
};

/* Variant function: one op is one dependent load along the chain. The
 * cursor survives between repetitions, so a short repetition continues
 * round the cycle instead of re-walking the same first nodes (which would
 * then be cached). Reports the metric "huge_frac" when known. */
struct hx_state;
void chase_walk(struct hx_state *st);
/* Warm-up (hx_variant.warm): walks the chain from the cursor in passes of
 * `nodes` loads, untimed, until the harness finds it resident (a pass no
 * faster than the last) or its limits stop it; the cursor moves on, so
 * the timed walk continues where the warm-up left off. */
void chase_warm(struct hx_state *st);
/* Teardown for a struct chase_chain made with calloc + chase_map. */
void chase_chain_free(void *shared);

#endif
