/*
 * valueptr_callee.h - the structs and callees of the valueptr experiment.
 *
 * The callees live in their own translation unit (valueptr_callee.c) and are
 * also marked noipa (noinline on clang), so that neither the compiler nor an
 * LTO build can inline them, clone them, or turn a by-value struct into a few
 * registers (GCC's IPA-SRA does exactly that for local callees). What the
 * caller pays is then what the ABI makes it pay: on x86-64 SysV a struct of
 * 8 or 16 bytes travels in registers, a larger one is copied by the caller
 * into the outgoing argument area of its stack frame, and a larger return
 * value is written by the callee through a hidden pointer to a slot in the
 * caller's frame.
 *
 * One struct type and four callees per size, made by an X-macro over the
 * sizes: a struct size is a compile-time fact in C, so a runtime size
 * parameter selects among these.
 */
#ifndef MECHLAB_VALUEPTR_CALLEE_H
#define MECHLAB_VALUEPTR_CALLEE_H

#include <stdint.h>

/* The struct sizes in bytes, powers of two (the experiment's sweep). */
#define VP_SIZES(X)                                                            \
    X(8) X(16) X(32) X(64) X(128) X(256) X(512) X(1024) X(2048) X(4096)

/* vp_sN: N bytes of uint64_t words. The callees read the first and the last
 * word (a callee that looks at two fields), make_* write every word (a
 * constructor), so by-value and by-pointer callees do the same work. */
#define VP_DECLARE(N)                                                          \
    typedef struct vp_s##N {                                                   \
        uint64_t w[(N) / 8];                                                   \
    } vp_s##N;                                                                 \
    uint64_t vp_take_val_##N(vp_s##N v);                                       \
    uint64_t vp_take_ptr_##N(const vp_s##N *p);                                \
    vp_s##N vp_make_val_##N(uint64_t seed);                                    \
    vp_s##N *vp_make_heap_##N(uint64_t seed);                                  \
    vp_s##N *vp_make_gc_##N(uint64_t seed);

VP_SIZES(VP_DECLARE)

#endif /* MECHLAB_VALUEPTR_CALLEE_H */
