/*
 * chase.c - see chase.h.
 *
 * Mapping layout. chase_map() reserves the region with PROT_NONE, turns a
 * 2 MiB-aligned window of it read-write and unmaps the rest but one guard
 * page on each side:
 *
 *     | guard 4 KiB, PROT_NONE | data, RW, 2 MiB aligned | guard 4 KiB |
 *
 * The alignment lets the kernel back the data with huge pages from its
 * first byte; the guards keep the data's VMA from merging with a
 * neighbouring anonymous mapping (the next setup's buffer, say), so the
 * smaps entry that starts at the data describes exactly this buffer and
 * its AnonHugePages is this buffer's alone. chase_unmap() removes guards
 * and data together.
 */
#define _GNU_SOURCE
#include "chase.h"

#include "hx.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define GUARD ((size_t)4096)

#ifdef MADV_POPULATE_WRITE
#define CHASE_MADV_POPULATE_WRITE MADV_POPULATE_WRITE
#else
#define CHASE_MADV_POPULATE_WRITE 23 /* Linux 5.14 uapi value */
#endif

static size_t round_up(size_t x, size_t to) {
    return (x + to - 1) / to * to;
}

static size_t data_len(size_t bytes) {
    return round_up(bytes ? bytes : 1, CHASE_HUGE_SIZE);
}

void *chase_map(size_t bytes, enum chase_pages pages) {
    size_t len = data_len(bytes);
    size_t total = len + CHASE_HUGE_SIZE + 2 * GUARD;
    char *r = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r == MAP_FAILED)
        return NULL;
    char *p = (char *)round_up((uintptr_t)r + GUARD, CHASE_HUGE_SIZE);
    char *head = p - GUARD, *tail = p + len + GUARD, *end = r + total;
    if (head > r)
        munmap(r, (size_t)(head - r));
    if (end > tail)
        munmap(tail, (size_t)(end - tail));
    if (mprotect(p, len, PROT_READ | PROT_WRITE) != 0) {
        munmap(head, len + 2 * GUARD);
        return NULL;
    }
#ifdef MADV_HUGEPAGE
    if (pages == CHASE_PAGES_HUGE)
        madvise(p, len, MADV_HUGEPAGE);
    else if (pages == CHASE_PAGES_SMALL)
        madvise(p, len, MADV_NOHUGEPAGE);
#endif
    /* Populate: MADV_POPULATE_WRITE (Linux 5.14) faults the range in from
     * the kernel side, about 20x faster in a VM than one user fault per
     * page; then one write per base page makes sure of it where the advice
     * is unknown (a write, so the shared zero page is not what we get).
     * Huge mappings are populated whole so each 2 MiB region comes in as
     * one huge page. */
    long ps = sysconf(_SC_PAGESIZE);
    size_t step = ps > 0 ? (size_t)ps : 4096;
    size_t touch = pages == CHASE_PAGES_HUGE ? len : round_up(bytes, step);
    madvise(p, touch, CHASE_MADV_POPULATE_WRITE);
    for (size_t off = 0; off < touch; off += step)
        ((volatile char *)p)[off] = 0;
    return p;
}

void chase_unmap(void *p, size_t bytes) {
    if (p)
        munmap((char *)p - GUARD, data_len(bytes) + 2 * GUARD);
}

int64_t chase_huge_bytes(const void *p) {
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    char line[512];
    int in = 0;
    int64_t kb = -1;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') &&
            line[0] != ' ') {
            in = lo == (uintptr_t)p;
            continue;
        }
        long long v;
        if (in && sscanf(line, "AnonHugePages: %lld kB", &v) == 1) {
            kb = v;
            break;
        }
    }
    fclose(f);
    return kb < 0 ? -1 : kb * 1024;
}

void chase_thp_mode(char *buf, size_t len) {
    snprintf(buf, len, "unavailable");
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (!f)
        return;
    char line[128];
    if (fgets(line, sizeof line, f)) {
        char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;
        if (a && b)
            snprintf(buf, len, "%.*s", (int)(b - a - 1), a + 1);
    }
    fclose(f);
}

uint64_t chase_rand(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* A uniform-enough draw from [0, bound), bound <= 2^32: 32 random bits
 * times bound, high half (Lemire's reduction without the rejection step;
 * its bias is below bound / 2^32, invisible here). */
static uint32_t below(uint64_t *s, uint64_t bound) {
    return (uint32_t)(((chase_rand(s) >> 32) * bound) >> 32);
}

#define AHEAD 32 /* draws made ahead of use; a power of two */

uint32_t *chase_cycle(size_t n, uint64_t seed) {
    if (n < 2 || n > UINT32_MAX)
        return NULL;
    uint32_t *a = malloc(n * sizeof *a);
    if (!a)
        return NULL;
    for (size_t i = 0; i < n; i++)
        a[i] = (uint32_t)i;
    /* Sattolo: for i = n-1 down to 1, swap a[i] with a[j], j in [0, i).
     * The j for step i is drawn AHEAD steps early and its slot prefetched,
     * so about AHEAD cache misses are in flight instead of one. The draws
     * happen in the same order as without the look-ahead. */
    uint32_t ring[AHEAD];
    size_t drawn = n - 1; /* next i to draw a j for */
    for (unsigned k = 0; k < AHEAD && drawn >= 1; k++, drawn--) {
        ring[k] = below(&seed, drawn);
        __builtin_prefetch(&a[ring[k]], 1);
    }
    unsigned slot = 0;
    for (size_t i = n - 1; i >= 1; i--) {
        uint32_t j = ring[slot];
        if (drawn >= 1) {
            ring[slot] = below(&seed, drawn);
            __builtin_prefetch(&a[ring[slot]], 1);
            drawn--;
        }
        slot = (slot + 1) & (AHEAD - 1);
        uint32_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
    return a;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int chase_sizes(const struct hx_topo *t, uint64_t lo, uint64_t cap,
                uint64_t dense_top, int64_t *out, int max) {
    int64_t v[2 * HX_MAX_POINTS + 8];
    int n = hx_points_sizes(t, false, lo, 4.0, cap, v, HX_MAX_POINTS);
    if (n <= 0 || max < 1)
        return n <= 0 ? n : -1;
    int64_t top = v[n - 1];
    for (int64_t p = (int64_t)lo; p + p / 2 <= (int64_t)dense_top &&
                                  p + p / 2 < top && n < 2 * HX_MAX_POINTS;
         p *= 2)
        v[n++] = p + p / 2;
    qsort(v, (size_t)n, sizeof *v, cmp_i64);
    int m = 0;
    for (int i = 0; i < n; i++) {
        while (m > 0 && (double)v[m - 1] >= 0.95 * (double)v[i])
            m--; /* equal or within 5% below: the larger one stays */
        v[m++] = v[i];
    }
    int skip = m > max ? m - max : 0;
    memcpy(out, v + skip, (size_t)(m - skip) * sizeof *v);
    return m - skip;
}

void chase_warm(hx_state *st) {
    struct chase_chain *c = hx_shared(st);
    void **p = c->cursor;
    for (uint64_t n; (n = hx_warm(st, c->nodes)) != 0;)
        for (uint64_t i = 0; i < n; i++)
            p = (void **)*p;
    c->cursor = p;
    hx_keep((uint64_t)(uintptr_t)p);
}

void chase_walk(hx_state *st) {
    struct chase_chain *c = hx_shared(st);
    void **p = c->cursor;
    for (uint64_t n; (n = hx_batch(st)) != 0;)
        for (uint64_t i = 0; i < n; i++)
            p = (void **)*p;
    c->cursor = p;
    hx_keep((uint64_t)(uintptr_t)p);
    if (!isnan(c->huge_frac))
        hx_metric(st, "huge_frac", c->huge_frac);
}

void chase_chain_free(void *shared) {
    struct chase_chain *c = shared;
    chase_unmap(c->mem, c->bytes);
    free(c);
}
