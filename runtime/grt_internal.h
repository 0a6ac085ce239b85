/*
 * grt_internal.h - what the runtime's own files share (never included by
 * grt.h, never by experiments).
 *
 * This header is the contract between the scheduler side of the runtime
 * (proc.c, stack.c, lock.c, timer.c, netpoll.c, sema.c, ...) and the files
 * that build on it (chan.c, select.c, the sync primitives). It names:
 *
 *   - the current goroutine, found from the stack pointer, never from
 *     thread-local storage (a goroutine may resume on another thread, and
 *     compilers cache TLS addresses across calls): every goroutine stack,
 *     and every M's scheduler stack (g0), is a slot of a slab that is
 *     aligned to the slab size; the slab's first byte holds log2 of its slot
 *     size, and the G header sits in the top GRT_G_BYTES of each slot. So
 *     grt_curg() is a mask, one load and a shift, and is valid on any
 *     runtime stack: in scheduler context it returns the M's g0.
 *
 *   - parking (grt_park, Go's gopark) and readying (grt_ready, goready).
 *     grt_park switches away first and calls unlockf on the next context, so
 *     the parked G's registers are saved before anyone can see it in a wait
 *     queue: a grt_ready() issued after unlockf ran always finds a G that
 *     can be resumed. grt_ready() puts the G in the current P's runnext slot,
 *     which is why an unbuffered ping-pong stays on one P.
 *
 *   - the internal lock (spin, then futex; never parks the goroutine, so it
 *     is usable from scheduler context and timer callbacks). Hold it only
 *     for short critical sections, and never across grt_park() except by
 *     releasing it in unlockf.
 *
 *   - timers: callbacks run in scheduler context (on an M's g0 or the
 *     monitor thread, not in a goroutine); they may call grt_ready() and
 *     take grt_locks but must not park. A pending timer keeps the deadlock
 *     detector quiet.
 *
 *   - fatal errors with Go's words and exit status 2.
 *
 *   - statistics: per-P counters, summed by grt_stats_read(). Increment with
 *     GRT_STAT_INC(field) / GRT_STAT_ADD(field, n), field being any name of
 *     GRT_STAT_COUNTERS in grt.h (chan_direct, chan_buffered, chan_blocked,
 *     select_fast, select_blocked, ...). From goroutine code the increment
 *     goes to the running P's counters (a plain relaxed load+store, no
 *     locked instruction: only the P's owner writes them); without a P it
 *     falls back to shared counters updated with atomic adds.
 *
 * The full G/M/P layout lives in grt_runtime2.h, which files other than the
 * scheduler's should not need.
 */
#ifndef MECHLAB_GRT_INTERNAL_H
#define MECHLAB_GRT_INTERNAL_H

#include "grt.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the current goroutine ------------------------------------------- */

typedef struct grt_g grt_g;

/* Bytes at the top of every stack slot that hold the G header. */
#define GRT_G_BYTES 256
/* Slabs of stack slots: size and alignment (64 MiB). */
#define GRT_SLAB_SHIFT 26
#define GRT_SLAB_BYTES ((uintptr_t)1 << GRT_SLAB_SHIFT)

static inline uintptr_t grt_getsp(void) {
    uintptr_t sp;
#if defined(__x86_64__)
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
#elif defined(__aarch64__)
    __asm__ volatile("mov %0, sp" : "=r"(sp));
#else
    sp = (uintptr_t)__builtin_frame_address(0);
#endif
    return sp;
}

/* A spin-wait hint (PAUSE; YIELD on arm64). */
static inline void grt_cpu_relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

/* The running G (goroutine code), or the M's g0 (scheduler context). Only
 * valid on runtime stacks: not on an ordinary thread such as grt_run()'s
 * caller. */
static inline grt_g *grt_curg(void) {
    uintptr_t sp = grt_getsp();
    unsigned shift = *(const volatile uint8_t *)(sp & ~(GRT_SLAB_BYTES - 1));
    uintptr_t top = ((sp >> shift) + 1) << shift;
    return (grt_g *)(top - GRT_G_BYTES);
}

uint64_t grt_goid(grt_g *g);

/* ---- wait reasons ---------------------------------------------------- */

typedef enum grt_wait_reason {
    GRT_WAIT_NONE = 0,
    GRT_WAIT_CHAN_SEND,       /* "chan send" */
    GRT_WAIT_CHAN_RECV,       /* "chan receive" */
    GRT_WAIT_CHAN_SEND_NIL,   /* "chan send (nil chan)" */
    GRT_WAIT_CHAN_RECV_NIL,   /* "chan receive (nil chan)" */
    GRT_WAIT_SELECT,          /* "select" */
    GRT_WAIT_SELECT_NO_CASES, /* "select (no cases)" */
    GRT_WAIT_SLEEP,           /* "sleep" */
    GRT_WAIT_MUTEX,           /* "sync.Mutex.Lock" */
    GRT_WAIT_RWMUTEX_R,       /* "sync.RWMutex.RLock" */
    GRT_WAIT_RWMUTEX_W,       /* "sync.RWMutex.Lock" */
    GRT_WAIT_WAITGROUP,       /* "sync.WaitGroup.Wait" */
    GRT_WAIT_SEMACQUIRE,      /* "semacquire" */
    GRT_WAIT_IO,              /* "IO wait" */
    GRT_WAIT_USER,            /* "wait" (generic) */
    GRT_WAIT_GC_ASSIST,       /* "GC assist wait" */
    GRT_WAIT_NREASONS
} grt_wait_reason;

/* "chan receive", ...; "?" out of range. */
const char *grt_wait_reason_name(int r);

/* ---- parking and readying -------------------------------------------- */

/* Park the current goroutine with reason r. After it has switched out,
 * unlockf(g, arg) runs on the next context (another goroutine or the
 * scheduler); if it returns false, g is made runnable again at once.
 * unlockf may be NULL (then nothing runs and g stays parked). */
void grt_park(grt_wait_reason r, bool (*unlockf)(grt_g *g, void *arg),
              void *arg);

/* Make a parked g runnable: into the current P's runnext slot (or the
 * global queue when called without a P); wakes an idle P when there is
 * work to spare. Callable from goroutines, timer callbacks and the
 * scheduler. */
void grt_ready(grt_g *g);

/* ---- the runtime-internal lock --------------------------------------- */

typedef struct grt_lock {
    _Atomic uint32_t key; /* 0 free, 1 held, 2 held with sleepers */
} grt_lock;
#define GRT_LOCK_INIT                                                          \
    { 0 }

void grt_lock_acquire(grt_lock *l);
void grt_lock_release(grt_lock *l);

/* ---- timers ---------------------------------------------------------- */

typedef struct grt_timer {
    uint64_t when;   /* CLOCK_MONOTONIC ns at which f runs */
    uint64_t period; /* ns; 0: one-shot, else re-armed at when+period */
    void (*f)(void *arg, uint64_t now);
    void *arg;
    /* internal, guarded by the timer heap's lock: */
    int32_t heap_index; /* position in the heap, -1 when not pending */
    uint32_t seq;       /* insertion order, breaks ties in `when` */
} grt_timer;

void grt_timer_start(grt_timer *t); /* t must not be pending */
bool grt_timer_stop(grt_timer *t);  /* true if it was pending */
uint64_t grt_nanotime(void);        /* CLOCK_MONOTONIC, ns */

/* ---- fatal errors ----------------------------------------------------- */

/* "fatal error: ..." on stderr, exit status 2. */
_Noreturn void grt_throw(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* "panic: ...", a blank line, "goroutine N [running]:", exit status 2. */
_Noreturn void grt_panic(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* ---- tuning and debug variables (runtimevars.c) ------------------------ */

/* Parsed once from GODEBUG, GOGC, GOMEMLIMIT and GOMAXPROCS by
 * grt_vars_init() (called at start-up; idempotent, thread-safe). */
typedef struct grt_debugvars {
    int64_t schedtrace;     /* GODEBUG=schedtrace=ms */
    int64_t gctrace;        /* GODEBUG=gctrace=1: one line per GC cycle */
    int64_t gccheckmark;    /* GODEBUG=gccheckmark=1: verify each mark */
    int64_t gcstoptheworld; /* GODEBUG=gcstoptheworld=1: mark with the
                               world stopped */
    int64_t gcpacertrace;   /* GODEBUG=gcpacertrace=1: the pacer's state
                               at each cycle's start and end */
    int64_t gccollectevery; /* GODEBUG=gccollectevery=N: a forced cycle
                               every N span refills (torture) */
    int64_t gcverify;       /* GODEBUG=gcverify=1: heap checks (slow) */
    int64_t madvdontneed;   /* accepted for Go compatibility */
    int64_t gogc;           /* GOGC percent, -1 = off */
    int64_t gomemlimit;     /* GOMEMLIMIT bytes, INT64_MAX = none */
    int64_t gomaxprocs;     /* GOMAXPROCS, 0 = unset */
} grt_debugvars;
extern grt_debugvars grt_debug;
void grt_vars_init(void);
/* The parsers behind GOGC and GOMEMLIMIT; *ok false on a bad value (then
 * the default is returned). */
int64_t grt_parse_gogc(const char *s, bool *ok);
int64_t grt_parse_memlimit(const char *s, bool *ok);

/* ---- assertions --------------------------------------------------------- */

/* GRT_ASSERT: cheap invariants, checked in debug builds (no NDEBUG).
 * GRT_VERIFY: expensive ones (heap verification), only when
 * GODEBUG=gcverify=1 asks, in any build. Both end in grt_throw. */
#ifndef NDEBUG
#define GRT_ASSERT(c)                                                          \
    do {                                                                       \
        if (__builtin_expect(!(c), 0))                                         \
            grt_throw("assertion failed: %s (%s:%d)", #c, __FILE__, __LINE__); \
    } while (0)
#else
#define GRT_ASSERT(c) ((void)0)
#endif
#define GRT_VERIFY(c)                                                          \
    do {                                                                       \
        if (grt_debug.gcverify && __builtin_expect(!(c), 0))                   \
            grt_throw("heap verification failed: %s (%s:%d)", #c, __FILE__,    \
                      __LINE__);                                               \
    } while (0)

/* ---- statistics ------------------------------------------------------- */

typedef struct grt_pstats {
#define GRT_X_PSTAT(name) _Atomic uint64_t name;
    GRT_STAT_COUNTERS(GRT_X_PSTAT)
#undef GRT_X_PSTAT
    _Atomic uint64_t parks_by_reason[GRT_NWAITREASONS];
} grt_pstats;

/* The running P's counters, or the shared fallback (atomics) without one. */
grt_pstats *grt_stats_local(bool *shared);

static inline void grt_stat_add(_Atomic uint64_t *c, uint64_t n, bool shared) {
    if (shared)
        atomic_fetch_add_explicit(c, n, memory_order_relaxed);
    else
        atomic_store_explicit(c,
                              atomic_load_explicit(c, memory_order_relaxed) + n,
                              memory_order_relaxed);
}

#define GRT_STAT_ADD(field, n)                                                 \
    do {                                                                       \
        bool grt_sh_;                                                          \
        grt_pstats *grt_ps_ = grt_stats_local(&grt_sh_);                       \
        grt_stat_add(&grt_ps_->field, (n), grt_sh_);                           \
    } while (0)
#define GRT_STAT_INC(field) GRT_STAT_ADD(field, 1)

#endif /* MECHLAB_GRT_INTERNAL_H */
