/*
 * valueptr.c - value vs pointer semantics: copying, escaping, chasing.
 *
 * DRAFT: file comment to be completed with measured numbers.
 */
#include <stdlib.h>
#include <string.h>

#include "hx.h"
#include "valueptr_callee.h"

/* ---- calls: pass and return, one loop per struct size ------------------- */

enum vp_kind { VP_PASS_VAL, VP_PASS_PTR, VP_RET_VAL, VP_RET_HEAP, VP_NKINDS };

typedef uint64_t (*vp_loop)(hx_state *st);

/* Each loop changes one word of its struct per call, so no call can be
 * hoisted, and sums what the callees return; the sum escapes via hx_keep. */
#define VP_LOOPS(N)                                                            \
    static uint64_t pass_val_##N(hx_state *st) {                               \
        vp_s##N v;                                                             \
        for (unsigned i = 0; i < (N) / 8; i++)                                 \
            v.w[i] = i;                                                        \
        uint64_t acc = 0;                                                      \
        for (uint64_t n; (n = hx_batch(st)) != 0;)                             \
            for (uint64_t i = 0; i < n; i++)                                   \
                acc += vp_take_val_##N(v);                                     \
        return acc;                                                            \
    }                                                                          \
    static uint64_t pass_ptr_##N(hx_state *st) {                               \
        vp_s##N v;                                                             \
        for (unsigned i = 0; i < (N) / 8; i++)                                 \
            v.w[i] = i;                                                        \
        uint64_t acc = 0;                                                      \
        for (uint64_t n; (n = hx_batch(st)) != 0;)                             \
            for (uint64_t i = 0; i < n; i++)                                   \
                acc += vp_take_ptr_##N(&v);                                    \
        return acc;                                                            \
    }                                                                          \
    static uint64_t ret_val_##N(hx_state *st) {                                \
        uint64_t acc = 0;                                                      \
        for (uint64_t n; (n = hx_batch(st)) != 0;)                             \
            for (uint64_t i = 0; i < n; i++) {                                 \
                vp_s##N r = vp_make_val_##N(i);                                \
                acc += r.w[0] + r.w[(N) / 8 - 1];                              \
            }                                                                  \
        return acc;                                                            \
    }                                                                          \
    static uint64_t ret_heap_##N(hx_state *st) {                               \
        uint64_t acc = 0;                                                      \
        for (uint64_t n; (n = hx_batch(st)) != 0;)                             \
            for (uint64_t i = 0; i < n; i++) {                                 \
                vp_s##N *p = vp_make_heap_##N(i);                              \
                if (p == NULL) {                                               \
                    hx_fail(st, "malloc failed");                              \
                    return acc;                                                \
                }                                                              \
                acc += p->w[0] + p->w[(N) / 8 - 1];                            \
                free(p);                                                       \
            }                                                                  \
        return acc;                                                            \
    }

VP_SIZES(VP_LOOPS)

/* One row per struct size; the setup of a call variant hands its row to
 * the threads as the shared state. */
typedef struct vp_sized {
    int64_t bytes;
    vp_loop loop[VP_NKINDS];
} vp_sized;

#define VP_ROW(N) {N, {pass_val_##N, pass_ptr_##N, ret_val_##N, ret_heap_##N}},
static const vp_sized vp_table[] = {VP_SIZES(VP_ROW)};

static void *call_setup(hx_point *pt, size_t *bytes) {
    int64_t size = hx_point_param(pt, "bytes");
    for (int i = 0; i < HX_COUNT(vp_table); i++)
        if (vp_table[i].bytes == size) {
            *bytes = 0;
            return (void *)&vp_table[i];
        }
    hx_point_skip(pt, "calls take structs of 8..4096 bytes (powers of two)");
    return NULL;
}

static void call(hx_state *st) {
    const vp_sized *row = hx_shared(st);
    hx_keep(row->loop[hx_sarg(st)](st));
}

/* ---- traversal: T[] vs T*[] -------------------------------------------- */

/* The element: 64 bytes, one cache line on most machines; the walk reads
 * its key. */
typedef struct vp_obj {
    uint64_t key;
    uint64_t payload[7];
} vp_obj;

enum vp_walk { VP_WALK_ARRAY, VP_WALK_PTRS, VP_WALK_SHUFFLED };

#define VP_WALK_MIN 8192 /* bytes; smaller points belong to the calls */

typedef struct vp_walkset {
    size_t count;  /* objects */
    vp_obj *objs;  /* count objects, contiguous: the allocation order */
    vp_obj **ptrs; /* count pointers into objs; NULL for the array walk */
} vp_walkset;

static uint64_t splitmix64(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static void walk_teardown(void *shared) {
    vp_walkset *w = shared;
    if (w == NULL)
        return;
    free(w->ptrs);
    free(w->objs);
    free(w);
}

static void *walk_setup(hx_point *pt, size_t *bytes) {
    int64_t ws = hx_point_param(pt, "bytes");
    int kind = (int)hx_variant_arg(pt);
    if (ws < VP_WALK_MIN) {
        hx_point_skip(pt, "walks start at %d bytes", VP_WALK_MIN);
        return NULL;
    }
    vp_walkset *w = calloc(1, sizeof *w);
    if (w == NULL)
        goto oom;
    w->count = (size_t)ws / sizeof(vp_obj);
    void *mem = NULL;
    if (posix_memalign(&mem, 4096, w->count * sizeof(vp_obj)) != 0)
        goto oom;
    w->objs = mem;
    /* Touch every page now: no page faults inside the timing. */
    for (size_t i = 0; i < w->count; i++) {
        w->objs[i].key = i;
        for (int j = 0; j < 7; j++)
            w->objs[i].payload[j] = i ^ (uint64_t)j;
    }
    *bytes = w->count * sizeof(vp_obj);
    if (kind == VP_WALK_ARRAY)
        return w;
    w->ptrs = malloc(w->count * sizeof *w->ptrs);
    if (w->ptrs == NULL)
        goto oom;
    for (size_t i = 0; i < w->count; i++)
        w->ptrs[i] = &w->objs[i];
    if (kind == VP_WALK_SHUFFLED) {
        uint64_t seed = 42;
        for (size_t i = w->count - 1; i > 0; i--) {
            size_t j = (size_t)(splitmix64(&seed) % (i + 1));
            vp_obj *t = w->ptrs[i];
            w->ptrs[i] = w->ptrs[j];
            w->ptrs[j] = t;
        }
    }
    *bytes += w->count * sizeof *w->ptrs;
    return w;
oom:
    walk_teardown(w);
    hx_point_skip(pt, "cannot allocate %lld bytes", (long long)ws);
    return NULL;
}

/* One op is one element visited; the walk wraps around at the end. */
static void walk_array(hx_state *st) {
    const vp_walkset *w = hx_shared(st);
    const vp_obj *o = w->objs;
    size_t pos = 0;
    uint64_t sum = 0;
    for (uint64_t n; (n = hx_batch(st)) != 0;)
        while (n > 0) {
            size_t m = w->count - pos;
            if (m > n)
                m = (size_t)n;
            for (size_t j = 0; j < m; j++)
                sum += o[pos + j].key;
            pos = pos + m == w->count ? 0 : pos + m;
            n -= m;
        }
    hx_keep(sum);
}

static void walk_ptrs(hx_state *st) {
    const vp_walkset *w = hx_shared(st);
    vp_obj *const *p = w->ptrs;
    size_t pos = 0;
    uint64_t sum = 0;
    for (uint64_t n; (n = hx_batch(st)) != 0;)
        while (n > 0) {
            size_t m = w->count - pos;
            if (m > n)
                m = (size_t)n;
            for (size_t j = 0; j < m; j++)
                sum += p[pos + j]->key;
            pos = pos + m == w->count ? 0 : pos + m;
            n -= m;
        }
    hx_keep(sum);
}

/* ---- sweep points -------------------------------------------------------- */

/* Struct sizes 8..4096 (quick: 8, 64, 512, 4096), then working sets from
 * the topology from 8 KiB to 4x the LLC, capped at 1 GiB (quick: 128 MiB)
 * so one sweep stays within a minute. */
static int vp_points(const hx_topo *t, bool quick, int64_t *out, int max) {
    int n = 0;
    for (int64_t s = 8; s <= 4096 && n < max; s *= quick ? 8 : 2)
        out[n++] = s;
    int64_t ws[HX_MAX_POINTS];
    uint64_t cap = quick ? (128u << 20) : (1u << 30);
    int k = hx_points_sizes(t, quick, VP_WALK_MIN, 4.0, cap, ws, HX_MAX_POINTS);
    for (int i = 0; i < k && n < max; i++)
        if (ws[i] > 4096)
            out[n++] = ws[i];
    return n;
}

/* ---- declaration --------------------------------------------------------- */

static const hx_variant variants[] = {
    {"pass_val", "callee takes the struct by value (the caller copies it)",
     call, call_setup, NULL, VP_PASS_VAL, 0},
    {"pass_ptr", "callee takes a pointer to the caller's struct", call,
     call_setup, NULL, VP_PASS_PTR, 0},
    {"ret_val", "callee builds the struct and returns it by value", call,
     call_setup, NULL, VP_RET_VAL, 0},
    {"ret_heap",
     "callee builds it in a fresh malloc'd object, returns the "
     "pointer; caller frees it",
     call, call_setup, NULL, VP_RET_HEAP, 0},
    {"walk_array", "T[]: sum one field of each element, in order", walk_array,
     walk_setup, walk_teardown, VP_WALK_ARRAY, 0},
    {"walk_ptrs", "T*[] to objects in allocation order", walk_ptrs, walk_setup,
     walk_teardown, VP_WALK_PTRS, 0},
    {"walk_shuf", "T*[] to objects in shuffled order", walk_ptrs, walk_setup,
     walk_teardown, VP_WALK_SHUFFLED, 0},
};

static const hx_param params[] = {
    {"bytes", "bytes",
     "struct size for pass_*/ret_* (8..4096); working set of 64-byte "
     "objects for walk_* (8 KiB up)",
     8, (int64_t)1 << 34, HX_PARAM_BYTES | HX_PARAM_LOG, vp_points, NULL, NULL},
};

static const char *const events[] = {"page-faults",      "cycles",
                                     "instructions",     "cache-misses",
                                     "dTLB-load-misses", NULL};

static const hx_claim claims[] = {
    {"pass_val", "pass_ptr", 3.0, "bytes", 4096},
    {"ret_heap", "ret_val", 2.0, "bytes", 64},
    {"walk_shuf", "walk_ptrs", 3.0, "bytes", HX_AT_MAX},
};

const hx_experiment hx_exp_valueptr = {
    .name = "valueptr",
    .summary = "pass/return a struct by value vs pointer, heap escape, "
               "T[] vs T*[] traversal",
    .hypothesis = "TODO",
    .reading = "TODO",
    .homework = "TODO",
    .variants = variants,
    .nvariants = HX_COUNT(variants),
    .params = params,
    .nparams = HX_COUNT(params),
    .metrics = NULL,
    .nmetrics = 0,
    .op = "call (pass_*, ret_*) or element visited (walk_*)",
    .events = events,
    .claims = claims,
    .nclaims = HX_COUNT(claims),
    .verdict = NULL,
    .xparam = "bytes",
    .plot_flags = HX_PLOT_LOGY | HX_PLOT_CACHE_MARKS,
};
