/*
 * grt.h - the Go-style runtime: goroutines on an M:N scheduler, their
 * stacks, sync primitives, timers, a netpoller and statistics.
 *
 * Overview
 * --------
 * Ordinary threads enter the runtime through grt_run(fn, arg): it starts
 * the runtime on first use (GOMAXPROCS Ps from the environment, default the
 * CPUs this process may use), runs fn as a goroutine and blocks the calling
 * thread until fn returns. It may be called again, from any thread that is
 * not itself running goroutines. Inside, goroutines use:
 *
 *   grt_go(fn, arg)           start a goroutine (256 KiB virtual stack,
 *                             committed page by page as it is touched)
 *   grt_gosched()             yield the processor
 *   grt_sleep(ns)             park for at least ns (the thread keeps working)
 *   GRT_SAFEPOINT()           yield here if the monitor asked us to (put one
 *                             in long loops that make no runtime calls)
 *   grt_mutex, grt_rwmutex, grt_waitgroup, grt_once   as Go's sync package
 *   grt_enter_syscall() / grt_exit_syscall()   around a blocking call, so
 *                             the P can run other goroutines meanwhile
 *   grt_netpoll_wait(fd, ev)  park until fd is readable/writable
 *   grt_stats_read(&s)        counters: scheduler, stacks, sync, channels
 *
 * Fatal conditions end the process with Go's messages and exit status 2:
 * "fatal error: all goroutines are asleep - deadlock!" (while a grt_run()
 * caller waits and no goroutine can ever run again), "fatal error: stack
 * overflow", "panic: sync: negative WaitGroup counter", ...
 *
 * GODEBUG=schedtrace=N prints one scheduler line every N ms to stderr.
 *
 * Naming: grt_ prefix, GRT_ macros. Internals are in grt_internal.h.
 */
#ifndef MECHLAB_GRT_H
#define MECHLAB_GRT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- running goroutines ----------------------------------------------- */

/* Run fn(arg) as a goroutine and wait for it; 0, or -EDEADLK when called
 * from a runtime thread (use grt_go there). */
int grt_run(void (*fn)(void *), void *arg);

void grt_go(void (*fn)(void *), void *arg);
/* As grt_go with a stack reservation of at least `bytes` (rounded up to
 * 64 KiB, 256 KiB, 1 MiB or 4 MiB). */
void grt_go_stack(void (*fn)(void *), void *arg, size_t bytes);

void grt_gosched(void);
void grt_sleep(uint64_t ns);
uint64_t grt_goid_self(void); /* current goroutine's id; 0 outside */
int64_t grt_numgoroutine(void);

/* Number of Ps. Setting returns the previous value; it may be called
 * before or between grt_run()s, or from a goroutine (growing takes effect
 * at once, shrinking as the surplus Ps next look for work). */
int grt_setmaxprocs(int n);
int grt_gomaxprocs(void);

/* Cooperative preemption. A global word says "some goroutine was asked to
 * yield"; only then is the current G's own flag checked. */
extern _Atomic uint32_t grt_preempt_pending;
void grt_safepoint_slow(void);
#define GRT_SAFEPOINT()                                                        \
    do {                                                                       \
        if (__builtin_expect(atomic_load_explicit(&grt_preempt_pending,        \
                                                  memory_order_relaxed),       \
                             0))                                               \
            grt_safepoint_slow();                                              \
    } while (0)

/* ---- blocking calls and descriptors ------------------------------------ */

/* Between the two, the goroutine's thread runs on without its P, and the
 * collector may scan the goroutine's stack meanwhile from the stack pointer
 * and callee-saved registers recorded at grt_enter_syscall: so code between
 * them must not load, create or drop heap pointers (Go's compiler keeps
 * the same rule for entersyscall/exitsyscall). Make the blocking call, and
 * nothing else, inside. */
void grt_enter_syscall(void);
void grt_exit_syscall(void);

#define GRT_POLL_READ  0x001 /* EPOLLIN */
#define GRT_POLL_WRITE 0x004 /* EPOLLOUT */
/* Park until fd is ready for `events`; returns the ready events (> 0,
 * EPOLLHUP/EPOLLERR included), or a negative errno (-EBUSY when another
 * goroutine already waits on fd). */
int grt_netpoll_wait(int fd, int events);

/* ---- sync ------------------------------------------------------------- */

typedef struct grt_mutex {
    _Atomic int32_t state; /* locked, woken, starving bits; waiter count */
    _Atomic uint32_t sema;
} grt_mutex;
#define GRT_MUTEX_INIT                                                         \
    { 0, 0 }
void grt_mutex_lock_slow(grt_mutex *m);
void grt_mutex_unlock_slow(grt_mutex *m, int32_t new_state);
/* Fast paths inline (one CAS to lock, one atomic add to unlock); the slow
 * paths in mutex.c spin, park and hand off. */
static inline void grt_mutex_lock(grt_mutex *m) {
    int32_t z = 0;
    if (__builtin_expect(
            atomic_compare_exchange_strong_explicit(
                &m->state, &z, 1, memory_order_acquire, memory_order_relaxed),
            1))
        return;
    grt_mutex_lock_slow(m);
}
static inline void grt_mutex_unlock(grt_mutex *m) {
    int32_t n = atomic_fetch_sub_explicit(&m->state, 1, memory_order_release);
    if (__builtin_expect(n != 1, 0))
        grt_mutex_unlock_slow(m, n - 1);
}
bool grt_mutex_trylock(grt_mutex *m);

typedef struct grt_rwmutex {
    grt_mutex w;                  /* held by a writer while pending */
    _Atomic uint32_t writer_sem;  /* writer waits for departing readers */
    _Atomic uint32_t reader_sem;  /* readers wait for the writer */
    _Atomic int32_t reader_count; /* readers; -GRT_RWMUTEX_MAX if writer */
    _Atomic int32_t reader_wait;  /* departing readers a writer awaits */
} grt_rwmutex;
#define GRT_RWMUTEX_INIT                                                       \
    { GRT_MUTEX_INIT, 0, 0, 0, 0 }
void grt_rwmutex_rlock(grt_rwmutex *rw);
void grt_rwmutex_runlock(grt_rwmutex *rw);
void grt_rwmutex_lock(grt_rwmutex *rw);
void grt_rwmutex_unlock(grt_rwmutex *rw);

typedef struct grt_waitgroup {
    _Atomic uint64_t state; /* counter << 32 | waiters */
    _Atomic uint32_t sema;
} grt_waitgroup;
#define GRT_WAITGROUP_INIT                                                     \
    { 0, 0 }
void grt_waitgroup_add(grt_waitgroup *wg, int delta);
void grt_waitgroup_done(grt_waitgroup *wg);
void grt_waitgroup_wait(grt_waitgroup *wg);

typedef struct grt_once {
    _Atomic uint32_t done;
    grt_mutex m;
} grt_once;
#define GRT_ONCE_INIT                                                          \
    { 0, GRT_MUTEX_INIT }
void grt_once_do(grt_once *o, void (*fn)(void *), void *arg);

/* ---- statistics -------------------------------------------------------- */

/* Counters (monotonic, summed over Ps). X-macro so that the public
 * snapshot and the internal per-P counters cannot drift apart. */
#define GRT_STAT_COUNTERS(X)                                                   \
    X(goroutines_created) /* grt_go and grt_run */                             \
    X(goroutines_exited)                                                       \
    X(switches)          /* goroutine context switches (g0 excluded) */        \
    X(gosched)           /* voluntary yields */                                \
    X(parks)             /* grt_park calls (see parks_by_reason) */            \
    X(steal_attempts)    /* victims tried by idle Ps */                        \
    X(steal_successes)   /* steals that got at least one G */                  \
    X(steals_goroutines) /* Gs moved by stealing */                            \
    X(runq_spills)       /* local run queue full: half moved to global */      \
    X(globrunq_gets)     /* Gs taken from the global queue */                  \
    X(m_wakeups)         /* parked threads woken */                            \
    X(m_parks)           /* threads that parked for lack of work */            \
    X(syscalls)          /* grt_enter_syscall calls */                         \
    X(syscall_handoffs)  /* Ps retaken from threads blocked in syscalls */     \
    X(preempt_requests)  /* monitor flagged a long-running goroutine */        \
    X(preemptions)       /* flagged goroutines that yielded at a safepoint */  \
    X(timers_fired)                                                            \
    X(netpoll_ready)        /* goroutines readied by the netpoller */          \
    X(chan_direct)          /* channel op handed straight to a waiting peer */ \
    X(chan_buffered)        /* channel op through the buffer */                \
    X(chan_blocked)         /* channel op that parked */                       \
    X(select_fast)          /* select completed without parking */             \
    X(select_blocked)       /* select that parked */                           \
    X(mutex_spins)          /* spin iterations in grt_mutex_lock */            \
    X(mutex_sleeps)         /* grt_mutex_lock parks */                         \
    X(mutex_starving)       /* starvation-mode episodes begun */               \
    X(sema_parks)           /* semaphore acquisitions that parked */           \
    X(stack_allocs)         /* stacks handed to goroutines */                  \
    X(stack_cache_hits)     /* ...of which from the P's own cache */           \
    X(stack_slots_new)      /* fresh slots carved from slabs */                \
    X(stack_returned_bytes) /* cold stack bytes given back with madvise */     \
    X(pool_puts)            /* grt_pool_put calls */                           \
    X(pool_get_private)     /* Get served by the P's private slot */           \
    X(pool_get_shared)      /* ...by the P's own shared chain */               \
    X(pool_get_stolen)      /* ...by another P's shared chain */               \
    X(pool_get_victim)      /* ...by the victim cache (last cycle's pool) */   \
    X(pool_get_new)         /* ...by new_fn (the pool was empty) */

#define GRT_NWAITREASONS 24

typedef struct grt_stats {
#define GRT_X_STAT(name) uint64_t name;
    GRT_STAT_COUNTERS(GRT_X_STAT)
#undef GRT_X_STAT
    uint64_t parks_by_reason[GRT_NWAITREASONS]; /* see grt_stats_reason */
    /* Gauges at the time of the snapshot. */
    int64_t goroutines; /* alive (created, not exited) */
    int gomaxprocs;
    int threads; /* Ms (OS threads running goroutines) */
    int idle_procs;
    int idle_threads; /* Ms parked on their futex */
    int spinning_threads;
    uint64_t stack_slabs;           /* 64 MiB MAP_NORESERVE reservations */
    uint64_t stack_reserved_bytes;  /* slots carved (virtual) */
    uint64_t stack_committed_bytes; /* resident stack pages (mincore) */
    uint64_t stack_hiwat_bytes;     /* deepest stack use seen in any slot */
    uint64_t stacks_in_use;
    /* Heap and GC (grt_heap.h). Totals since start-up unless "last"; all
     * zero before the heap's first use. */
    uint64_t gc_cycles;             /* completed collections */
    uint64_t gc_forced;             /* ...of which grt_gc() */
    uint64_t gc_last_heap_start;    /* heap_live when the last cycle began */
    uint64_t gc_last_heap_end;      /* ...at its mark termination */
    uint64_t gc_last_heap_live;     /* ...marked live */
    uint64_t gc_heap_goal;          /* heap goal now (UINT64_MAX: none) */
    uint64_t gc_trigger;            /* heap_live that starts the next cycle */
    int gc_percent;                 /* GOGC now, -1 off */
    int64_t gc_memory_limit;        /* bytes, INT64_MAX none */
    uint64_t gc_mark_wall_ns;       /* wall time of mark phases */
    uint64_t gc_mark_assist_ns;     /* mark CPU by allocating goroutines */
    uint64_t gc_mark_dedicated_ns;  /* ...by dedicated workers */
    uint64_t gc_mark_fractional_ns; /* ...by fractional workers */
    uint64_t gc_mark_idle_ns;       /* ...by idle Ps */
    uint64_t gc_cpu_ns;             /* all GC CPU (pauses count every P) */
    uint64_t gc_heap_scan_bytes;    /* heap object bytes scanned */
    uint64_t gc_stack_scan_bytes;
    uint64_t gc_globals_scan_bytes;
    uint64_t gc_noscan_marked_bytes; /* pointer-free bytes marked, never
                                        scanned */
    uint64_t gc_marked_bytes;
    uint64_t heap_live;            /* bytes of spans in caches + objects */
    uint64_t heap_inuse;           /* bytes of in-use spans */
    uint64_t heap_free;            /* free span bytes still resident */
    uint64_t heap_released;        /* free span bytes returned to the OS now */
    uint64_t heap_scavenged_total; /* bytes ever returned */
    uint64_t heap_mapped;          /* arena bytes ever used (virtual) */
    uint64_t heap_meta;            /* span structs and bitmaps (malloc) */
    uint64_t heap_freed_objects;   /* objects freed by sweeping */
    /* Stop-the-world pauses (GC and any other stopper). */
    uint64_t stw_pauses;
    uint64_t stw_pause_total_ns;
    uint64_t stw_pause_max_ns;
    uint64_t stw_pause_hist[24]; /* [0] < 1 us, [i] < 2^i us, [23] rest */
} grt_stats;

void grt_stats_read(grt_stats *s);
/* The longest stop-the-world pause since the previous call, ns (0: none):
 * the worst pause of a window, for a benchmark (one caller at a time). */
uint64_t grt_stw_pause_max_take(void);
/* Name of parks_by_reason[i] ("chan receive", "sleep", ...). */
const char *grt_stats_reason(int i);
/* Return cold pages of unused pooled stacks to the OS now (the monitor
 * does it periodically); returns the bytes given back. */
uint64_t grt_stack_scavenge(void);
/* From a goroutine: give the pages of its own stack below the current
 * frame back to the OS now (Go shrinks stacks at GC; ours are lazily
 * committed reservations, so shrinking is a madvise). The next call that
 * goes deeper faults them in again. Returns the bytes that were
 * resident. */
uint64_t grt_stack_shrink(void);

#ifdef __cplusplus
}
#endif

#if defined(__has_include)
#if __has_include("grt_chan.h")
#include "grt_chan.h"
#endif
#if __has_include("grt_heap.h")
#include "grt_heap.h"
#endif
#endif

#endif /* MECHLAB_GRT_H */
