/*
 * grt_runtime2.h - the scheduler's data structures: G, M, P and the global
 * scheduler state (Go's runtime2.go). Included by the scheduler's own files
 * (proc.c, procresize.c, runq.c, stack.c, timer.c, netpoll.c, sysmon.c,
 * stats.c, panic.c).
 *
 * Ownership, in one paragraph: a P is owned by at most one M (p->m, the
 * M's m->p); the owner alone pushes to the P's run queue tail, its stack
 * cache and its counters; thieves take from the run queue head with CAS. A
 * G's saved context (sp) is written by the M switching away from it and
 * read by the M switching to it; the run queue handoff (release/acquire)
 * orders the two. Everything in `grt_sched` marked "sched.lock" is guarded
 * by that lock; counters read without it are atomics.
 *
 * Stack slot layout (one slot of a slab, addresses growing up):
 *
 *   base                                                       base+size
 *   | red zone (4 KiB, never touched) | <- stack grows down ... | G header |
 *                                                                256 bytes
 *
 * grt_curg() finds the header from any sp inside the slot. The red zone is
 * PROT_NONE in guard builds (GRT_STACK_GUARD), plain memory otherwise.
 */
#ifndef MECHLAB_GRT_RUNTIME2_H
#define MECHLAB_GRT_RUNTIME2_H

#include "grt_internal.h"

#include <pthread.h>

#define GRT_RUNQ_SIZE           256 /* per-P ring, as Go's */
#define GRT_MAXPROCS            256 /* upper bound on GOMAXPROCS */
#define GRT_STACK_ORDERS        4   /* 64 KiB, 256 KiB, 1 MiB, 4 MiB */
#define GRT_STACK_MIN_SHIFT     16  /* order 0 = 64 KiB */
#define GRT_STACK_DEFAULT_ORDER 1
#define GRT_STACK_REDZONE       4096 /* bytes at the bottom never used */
#define GRT_STACK_CACHE_MAX     32   /* per P per order; half moves when full */

/* Callee-saved registers grt_enter_syscall records: rbx, rbp, r12-r15 on
 * x86-64; x19-x30 on aarch64. */
#if defined(__aarch64__)
#define GRT_SYSCALL_REGS 12
#else
#define GRT_SYSCALL_REGS 6
#endif

enum grt_gstatus {
    GRT_GDEAD = 0, /* free slot or exited: zero, as an untouched page */
    GRT_GRUNNABLE,
    GRT_GRUNNING,
    GRT_GWAITING,
    GRT_GSYSCALL,
};

enum grt_pstatus {
    GRT_PIDLE = 0,
    GRT_PRUNNING,
    GRT_PSYSCALL,
    GRT_PSTOPPED, /* beyond GOMAXPROCS */
    GRT_PGCSTOP,  /* taken by a stop-the-world (stw.c) */
};

/* What the context that resumes after a switch must do for the one that
 * left (the post-switch hook). */
enum grt_hook {
    GRT_HOOK_NONE = 0,
    GRT_HOOK_PARK,         /* run unlockf(prev, arg); false: ready it */
    GRT_HOOK_YIELD,        /* prev runnable: local run queue tail */
    GRT_HOOK_YIELD_GLOBAL, /* prev runnable: global queue (preempted) */
    GRT_HOOK_EXIT,         /* prev exited: free its stack */
    GRT_HOOK_SYSCALL,      /* prev left a syscall with no P: global queue */
};

/* An M's park word (proc.c, grt_stopm). */
enum grt_mpark {
    GRT_MPARK_AWAKE = 0,    /* running, or handed a P by startm */
    GRT_MPARK_SPINNING = 1, /* parked, watching the word before sleeping */
    GRT_MPARK_ASLEEP = 2,   /* parked in futex_wait: startm must wake it */
};

struct grt_m;
struct grt_p;

struct grt_g {
    void *sp;                /* saved context; see file comment */
    _Atomic uint32_t status; /* grt_gstatus */
    uint8_t waitreason;      /* grt_wait_reason while GWAITING */
    uint8_t order;           /* stack size order of this slot */
    uint8_t is_g0;           /* an M's scheduler stack */
    uint8_t clean;           /* pooled and scavenged: nothing to return */
    _Atomic uint8_t preempt; /* monitor asks for a yield */
    struct grt_m *m;         /* M running it (set before switching in) */
    grt_g *schedlink;        /* global queue / free list; owner of list */
    uint64_t goid;           /* set at spawn, 0 for g0 */
    void (*fn)(void *);      /* entry; written before the G is queued */
    void *arg;
    void (*done)(void *); /* grt_run completion, run after fn */
    void *done_arg;
    uint64_t waitsince; /* ns when parked (for the deadlock list) */
    void *asan_fake;    /* ASan fake stack handle across a switch */
    char *lo;           /* slot base */
    size_t size;        /* slot size */
    int64_t gcassist;   /* mark assist credit in bytes (< 0: debt) */
    /* Recorded by grt_enter_syscall (its assembly half, asm_*.S): the
     * caller's stack pointer and callee-saved registers. While the G is in
     * a syscall its thread runs on below syscallsp, so the collector scans
     * [syscallsp, top of slot), this header and so these registers
     * included, and never the pages below that the G may not have used. */
    uintptr_t syscallsp;
    uintptr_t syscallregs[GRT_SYSCALL_REGS];
    /* Concurrent stack scanning (mgcmark.c). gcscangen: the cycle whose
     * scan of this stack is done (a new G gets the current one: created
     * black). gcscanlock: held by whoever scans it; a G is never switched
     * in while its stack is unscanned in a marking cycle. ctxsaved: 1 once
     * the G's context is saved by a switch (set by the next context before
     * the post-switch hook), 0 from the moment an M switches it in. */
    _Atomic uint32_t gcscangen;
    _Atomic uint32_t gcscanlock;
    _Atomic uint32_t ctxsaved;
};
_Static_assert(sizeof(struct grt_g) <= GRT_G_BYTES,
               "the G header must fit the top of its stack slot");

struct grt_m {
    grt_g *g0;           /* scheduler stack */
    grt_g *curg;         /* running G; own thread only */
    struct grt_p *p;     /* attached P; own thread (+ sysmon reads) */
    struct grt_p *nextp; /* P handed over by startm; sched.lock */
    struct grt_p *oldp;  /* P held before a syscall */
    int hook;            /* grt_hook for the next resumed context */
    grt_g *hook_g;
    bool (*hook_unlockf)(grt_g *, void *);
    void *hook_arg;
    _Atomic uint32_t park;   /* futex word: grt_mpark, see grt_stopm */
    bool spinning;           /* looking for work; counted in nmspinning */
    bool polling;            /* blocked in the netpoller */
    struct grt_m *schedlink; /* idle list; sched.lock */
    struct grt_m *alllink;   /* all Ms; written once under sched.lock */
    uint64_t rand;           /* per-M xorshift state */
    int id;
    void *boot_sp; /* pthread stack context (never resumed) */
};

struct grt_p {
    /* Ring run queue: head advanced by owner and thieves (CAS), tail by
     * the owner only. runnext: owner sets; thieves may CAS it away. */
    _Atomic uint32_t runqhead;
    _Atomic uint32_t runqtail;
    _Atomic(grt_g *) runnext;
    _Atomic(grt_g *) runq[GRT_RUNQ_SIZE];
    int id;
    _Atomic uint32_t status;    /* grt_pstatus */
    struct grt_m *m;            /* owner; sched.lock / handoff */
    struct grt_p *link;         /* idle list; sched.lock */
    _Atomic uint32_t schedtick; /* incremented per schedule by owner */
    _Atomic uint32_t syscalltick;
    /* sysmon's observations (sysmon only) */
    uint32_t sm_schedtick, sm_syscalltick;
    uint64_t sm_schedwhen, sm_syscallwhen;
    /* stack cache per order, owner only */
    grt_g *stackcache[GRT_STACK_ORDERS];
    int nstackcache[GRT_STACK_ORDERS];
    _Atomic int64_t stackinuse;       /* owner: stacks allocated - freed here */
    uint64_t goidcache, goidcacheend; /* owner only */
    grt_pstats stats;                 /* owner writes; anyone reads */
    struct grt_mcache *mcache;        /* heap allocation cache (mcache.c) */
    void *pool_local;                 /* reserved for pool.c */
} __attribute__((aligned(64)));

struct grt_sched {
    grt_lock lock;
    /* global run queue; sched.lock */
    grt_g *runqhead, *runqtail;
    _Atomic int32_t runqsize;
    /* idle Ps and Ms; sched.lock (counts readable without it) */
    struct grt_p *pidle;
    _Atomic int32_t npidle;
    struct grt_m *midle;
    _Atomic int32_t nmidle;
    _Atomic int32_t nmspinning;
    _Atomic int32_t nm; /* Ms created */
    struct grt_m *allm;
    _Atomic int32_t gomaxprocs;
    _Atomic int32_t nprocs_made;  /* P structs initialised (<= GRT_MAXPROCS) */
    _Atomic int32_t npolling;     /* Ms blocked in the netpoller */
    _Atomic uint64_t poll_until;  /* deadline of the blocked poller, 0 none */
    _Atomic int64_t ngoroutines;  /* alive */
    _Atomic int32_t nrun_callers; /* grt_run callers waiting */
    _Atomic uint64_t goidgen;
    _Atomic int started;
    uint64_t start_ns;
    grt_pstats shared_stats; /* counters updated without a P */
    /* stop-the-world (stw.c) */
    _Atomic uint32_t gcwaiting; /* a stop is under way or in force */
    int32_t stopwait;           /* Ps still to stop; sched.lock */
    _Atomic uint32_t stopnote;  /* futex: 1 when stopwait reached 0 */
    _Atomic(grt_g *) stw_owner; /* the G that stopped the world: it must
                                   not yield at a safepoint meanwhile */
};

extern struct grt_sched grt_sched;

/* Counters bumped without a P (monitor, thread wake-ups). */
#define GRT_STAT_ADD_SHARED(field)                                             \
    atomic_fetch_add_explicit(&grt_sched.shared_stats.field, 1,                \
                              memory_order_relaxed)
extern struct grt_p grt_allp[GRT_MAXPROCS];

/* proc.c */
void grt_wakep(void);
void grt_pidleput(struct grt_p *p); /* sched.lock */
void grt_startm(struct grt_p *p, bool spinning);
void grt_globrunqput(grt_g *g);
struct grt_m *grt_allocm(struct grt_p *p, bool spinning, void (*g0fn)(void *));
extern __thread int grt_tls_is_m;
bool grt_handoffp_retaken(struct grt_p *p);
void grt_stopm(struct grt_m *mp); /* park the M until startm gives a P */
void grt_acquirep(struct grt_m *mp, struct grt_p *p);
static inline struct grt_m *grt_getm(void) {
    return grt_curg()->m;
}

/* procresize.c */
void grt_schedinit(void); /* once, from the first grt_run() */

/* runq.c */
bool grt_runqput(struct grt_p *p, grt_g *g, bool next);
grt_g *grt_runqget(struct grt_p *p);
bool grt_runqempty(struct grt_p *p);
grt_g *grt_runqsteal(struct grt_p *p, struct grt_p *victim, bool stealnext);
void grt_globrunqput_batch(grt_g *head, grt_g *tail, int n); /* sched.lock */
grt_g *grt_globrunqget(struct grt_p *p, int max);            /* sched.lock */
uint32_t grt_fastrand(struct grt_m *m);

/* stack.c */
grt_g *grt_stackalloc(struct grt_p *p, int order);
void grt_stackfree(struct grt_p *p, grt_g *g);
void grt_stack_check(grt_g *g);
void grt_stack_stats(grt_stats *s);
void grt_stack_flush_cache(struct grt_p *p);
int grt_stack_order(size_t bytes);
void grt_stack_forall(void (*fn)(grt_g *g, void *arg), void *arg);
void grt_stack_install_overflow_handler(void);
/* The slabs' base addresses (each GRT_SLAB_BYTES long), for tests that
 * compare the statistics with the kernel's view; returns how many exist. */
int grt_stack_slabs(uintptr_t *base, int max);

/* lock.c: futex wrappers */
void grt_futex_wait(_Atomic uint32_t *addr, uint32_t val, int64_t ns);
void grt_futex_wake(_Atomic uint32_t *addr, int n);

/* timer.c */
uint64_t grt_timers_next(void);   /* 0 when none pending */
int grt_timers_run(uint64_t now); /* run due timers; how many */
int64_t grt_timers_pending(void);

/* netpoll.c */
void grt_netpoll_init(void);
int grt_netpoll(int64_t timeout_ns); /* readies Gs; how many */
void grt_netpoll_break(void);
int64_t grt_netpoll_waiters(void);

/* sema.c: goroutine semaphores keyed by address */
void grt_semacquire(_Atomic uint32_t *addr, bool lifo, grt_wait_reason why);
void grt_semrelease(_Atomic uint32_t *addr, bool handoff);

/* mgc.c: the heap, once (from schedinit or the first heap call) */
void grt_heap_init(void);
/* mgcmark.c: concurrent stack scanning. grt_gcscan_on is set from the
 * first pause of a cycle until every stack is scanned; while it is, a G
 * about to be switched in is scanned first unless already scanned
 * (grt_gcscan_before_run, on the switching M), and a G leaving a syscall
 * scans itself (grt_gcscan_self). */
extern _Atomic uint32_t grt_gcscan_on;
void grt_gcscan_before_run(grt_g *g);
void grt_gcscan_self(void);
extern _Atomic uint32_t grt_gcscan_gen; /* the cycle's stack generation */
static inline uint32_t grt_gcscan_gen_now(void) {
    return atomic_load_explicit(&grt_gcscan_gen, memory_order_relaxed);
}
bool grt_gc_idle_mark(void); /* an idle P's scheduler marks (g0) */

/* stw.c */
void grt_gcstopm(struct grt_m *mp); /* an M with a P saw gcwaiting */
void grt_stopwait_dec(void);        /* sched.lock: one more P stopped */

/* sysmon.c */
void grt_sysmon_start(void);

/* stats.c */
void grt_schedtrace(uint64_t now);

/* panic.c */
void grt_checkdead(void); /* sched.lock held */

/* asm: switch stacks. Saves callee-saved registers and sp in *save_sp,
 * loads new_sp and returns into that context. */
void grt_ctx_switch(void **save_sp, void *new_sp);
/* First instruction of a new context (pops the entry and argument). */
void grt_ctx_start(void);
void *grt_ctx_init(char *sp_top, void (*entry)(void *), void *arg);

#endif /* MECHLAB_GRT_RUNTIME2_H */
