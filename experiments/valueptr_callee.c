/*
 * valueptr_callee.c - callees of the valueptr experiment, kept out of the
 * caller's translation unit (see valueptr_callee.h for why).
 *
 * vp_take_val_N receives its struct by value and vp_take_ptr_N by pointer;
 * both read the same two words. vp_make_val_N returns a freshly built struct
 * by value (into the caller's frame); vp_make_heap_N builds the same struct
 * in a fresh malloc'd object and returns the pointer (the "escape"): the
 * caller frees it. Returns NULL when malloc fails; the caller fails the run.
 * vp_make_gc_N builds it in a fresh object of the runtime's GC heap
 * (grt_new_bytes: the struct holds no pointers, as Go's struct of ints is
 * noscan) and returns the pointer; the caller drops it and the collector
 * reclaims it. Go's "moved to heap". It must run on a goroutine; without
 * the runtime (MECHLAB_HAVE_GRT unset) it returns NULL.
 */
#include <stdlib.h>

#include "valueptr_callee.h"

#ifdef MECHLAB_HAVE_GRT
#include "grt.h"
#define VP_GC_NEW(n) grt_new_bytes(n)
#else
#define VP_GC_NEW(n) NULL
#endif

/* noipa: no inlining, cloning or interprocedural changes of the signature
 * (GCC; clang knows only noinline, and the separate file does the rest). */
#if defined(__clang__)
#define VP_OPAQUE __attribute__((noinline))
#else
#define VP_OPAQUE __attribute__((noipa))
#endif

#define VP_DEFINE(N)                                                           \
    VP_OPAQUE uint64_t vp_take_val_##N(vp_s##N v) {                            \
        return v.w[0] + v.w[(N) / 8 - 1];                                      \
    }                                                                          \
    VP_OPAQUE uint64_t vp_take_ptr_##N(const vp_s##N *p) {                     \
        return p->w[0] + p->w[(N) / 8 - 1];                                    \
    }                                                                          \
    VP_OPAQUE vp_s##N vp_make_val_##N(uint64_t seed) {                         \
        vp_s##N v;                                                             \
        for (unsigned i = 0; i < (N) / 8; i++)                                 \
            v.w[i] = seed + i;                                                 \
        return v;                                                              \
    }                                                                          \
    VP_OPAQUE vp_s##N *vp_make_heap_##N(uint64_t seed) {                       \
        vp_s##N *p = malloc(sizeof *p);                                        \
        if (p == NULL)                                                         \
            return NULL;                                                       \
        for (unsigned i = 0; i < (N) / 8; i++)                                 \
            p->w[i] = seed + i;                                                \
        return p;                                                              \
    }                                                                          \
    VP_OPAQUE vp_s##N *vp_make_gc_##N(uint64_t seed) {                         \
        vp_s##N *p = VP_GC_NEW(sizeof *p);                                     \
        if (p == NULL)                                                         \
            return NULL;                                                       \
        for (unsigned i = 0; i < (N) / 8; i++)                                 \
            p->w[i] = seed + i;                                                \
        return p;                                                              \
    }

VP_SIZES(VP_DEFINE)
