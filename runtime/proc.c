/*
 * proc.c - the G/M/P scheduler (Go's proc.go): goroutine creation and
 * exit, switching, parking and readying, finding work, and parking
 * threads.
 *
 * Vocabulary: a G is a goroutine, an M an OS thread, a P a processor token
 * (GOMAXPROCS of them). An M runs goroutines only while it holds a P; the P
 * carries the run queue, the stack cache and the counters, so work and its
 * cache follow the token, not the thread.
 *
 * Switching goes straight from G to G. When the running G yields, parks or
 * exits, it picks the next G from its own P (runnext, the ring, and the
 * global queue every 61st tick for fairness) and switches to it directly;
 * only when the P has nothing does it switch to the M's scheduler stack
 * (g0), which looks further: timers, the global queue, the netpoller,
 * stealing, and finally parking the thread. A direct switch is one register
 * swap (about 5 ns) where Go pays two (G -> g0 -> G).
 *
 * The post-switch hook. What happens to the G that left (put it on a run
 * queue, run its unlockf, free its stack) must happen after its registers
 * are saved, or another M could resume it while it is still running here.
 * So the leaving side writes a hook into its M and the context that
 * resumes (always on the same M) runs it first thing (after_switch). That
 * is what makes grt_park's contract hold: unlockf runs once the parked G
 * is fully switched out, so a grt_ready() issued after unlockf is safe.
 *
 * Spinning and parking Ms (Go's design). wakep() starts one spinning M if
 * a P is idle and nobody spins; a spinning M that finds work stops
 * spinning and, if it was the last spinner, wakes another. An M that
 * finds nothing drops its P, stops spinning, then re-checks every run
 * queue before sleeping: with the submitter's "push, fence, check idle Ps"
 * this Dekker pattern guarantees a queued G is never stranded. The global
 * queue has a second rule: an M idles a P only after finding the global
 * queue empty under sched.lock, so whoever queues a G there and finds no
 * idle P must do both under that same lock, or wake a P after (see
 * exitsyscall0 for the race that broke this). The last M to go idle while
 * no timer, descriptor or syscall can wake anything runs the deadlock
 * check. A parked M watches its own park word for 20 us before it sleeps
 * in the kernel, so a wake soon after costs no system call (grt_stopm).
 * Start-up and GOMAXPROCS changes live in procresize.c.
 *
 * grt_ready() puts the G in runnext and wakes another P only if the ring
 * holds work besides it ("work to spare"); the monitor wakes an idle P if
 * a queue stays loaded. Go wakes a P on every ready, which on a
 * channel ping-pong costs a futex wake per message for a thief that
 * finds nothing.
 *
 * Locking: grt_sched.lock guards the global queue and the idle P and M
 * lists; it is never held across a switch. Per-P state is owner-only
 * except the run queue head/runnext (atomics).
 */
#include "grt_runtime2.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "grt_asan.h"

struct grt_sched grt_sched;
struct grt_p grt_allp[GRT_MAXPROCS];
_Atomic uint32_t grt_preempt_pending;
/* Set on runtime threads only; read at grt_run() entry and by fatal
 * errors, never in goroutine code that may migrate. */
__thread int grt_tls_is_m;

static void g0_main(void *arg);
static void exitsyscall0(struct grt_m *mp, grt_g *gp);

#ifdef GRT_ASAN
/* Fake stacks would hide frames from switches and from conservative
 * scanning; RUNTIME.md asks for detect_stack_use_after_return off. */
const char *__asan_default_options(void) {
    return "detect_stack_use_after_return=0";
}
#endif

/* ---- switching ---------------------------------------------------------- */

static void switch_to(struct grt_m *mp, grt_g *from, grt_g *to, bool exiting) {
    if (!to->is_g0) {
        /* Marking: a G runs only once its stack is scanned (mgcmark.c). */
        if (__builtin_expect(
                atomic_load_explicit(&grt_gcscan_on, memory_order_relaxed), 0))
            grt_gcscan_before_run(to);
        atomic_store_explicit(&to->ctxsaved, 0, memory_order_relaxed);
    }
    mp->curg = to;
    to->m = mp;
    if (!to->is_g0) {
        atomic_store_explicit(&to->status, GRT_GRUNNING, memory_order_relaxed);
        if (mp->p != NULL)
            grt_stat_add(&mp->p->stats.switches, 1, false);
    }
    grt_asan_start_switch(exiting ? NULL : &from->asan_fake, to->lo, to->size);
    grt_ctx_switch(&from->sp, to->sp);
}

static void run_hook(struct grt_m *mp) {
    int hook = mp->hook;
    grt_g *prev = mp->hook_g;
    mp->hook = GRT_HOOK_NONE;
    switch (hook) {
    case GRT_HOOK_PARK:
        if (mp->hook_unlockf != NULL && !mp->hook_unlockf(prev, mp->hook_arg)) {
            atomic_store(&prev->status, GRT_GRUNNABLE);
            grt_runqput(mp->p, prev, true);
        }
        break;
    case GRT_HOOK_YIELD:
        grt_runqput(mp->p, prev, false);
        break;
    case GRT_HOOK_YIELD_GLOBAL:
        /* Preempted: another P may be idle while this M runs its next G
         * (Go's goschedImpl wakes one too). */
        grt_globrunqput(prev);
        grt_wakep();
        break;
    case GRT_HOOK_SYSCALL:
        exitsyscall0(mp, prev);
        break;
    case GRT_HOOK_EXIT:
        /* Frames left poisoned by the exited goroutine's final calls. */
        grt_asan_unpoison(prev->sp, (size_t)((char *)prev - (char *)prev->sp));
        grt_stackfree(mp->p, prev);
        break;
    default:
        break;
    }
}

/* First thing in a resumed context: finish the switch, run the hook. */
static inline void after_switch(grt_g *self) {
    grt_asan_finish_switch(self->asan_fake);
    struct grt_m *mp = self->m;
    if (mp->hook != GRT_HOOK_NONE) {
        /* The G that left is saved: the collector may scan it now (before
         * the hook can make it runnable elsewhere). */
        atomic_store_explicit(&mp->hook_g->ctxsaved, 1, memory_order_release);
        run_hook(mp);
    }
}

static void clear_preempt(grt_g *g) {
    if (atomic_load_explicit(&g->preempt, memory_order_relaxed) &&
        atomic_exchange(&g->preempt, 0))
        atomic_fetch_sub(&grt_preempt_pending, 1);
}

static bool timers_due(void) {
    uint64_t next = grt_timers_next();
    return next != 0 && next <= grt_nanotime();
}

static void run_timers_if_due(void) {
    if (timers_due())
        grt_timers_run(grt_nanotime());
}

/* Leave the running G gp (which set its status) with `hook`; returns when
 * gp is resumed, except for GRT_HOOK_EXIT. */
static void gswitch(grt_g *gp, int hook) {
    struct grt_m *mp = gp->m;
    struct grt_p *p = mp->p;
    grt_g *next = NULL;
    clear_preempt(gp);
    grt_stack_check(gp);
    if (p != NULL) {
        uint32_t tick =
            atomic_load_explicit(&p->schedtick, memory_order_relaxed) + 1;
        atomic_store_explicit(&p->schedtick, tick, memory_order_relaxed);
        if (tick % 61 == 0) {
            /* Timers run on g0, after this G's unlockf: a callback may
             * need a lock the parking G still holds. */
            if (timers_due())
                next = mp->g0;
            else if (atomic_load_explicit(&grt_sched.runqsize,
                                          memory_order_relaxed) > 0) {
                grt_lock_acquire(&grt_sched.lock);
                next = grt_globrunqget(p, 1);
                grt_lock_release(&grt_sched.lock);
            }
            if (p->id >= atomic_load(&grt_sched.gomaxprocs)) {
                if (next != NULL && next != mp->g0)
                    grt_globrunqput(next);
                next = mp->g0;
            }
        }
        if (next == NULL &&
            atomic_load_explicit(&grt_sched.gcwaiting, memory_order_relaxed))
            next = mp->g0; /* stop the world: the scheduler parks this M */
        if (next == NULL)
            next = grt_runqget(p);
    }
    if (next == NULL)
        next = mp->g0;
    mp->hook = hook;
    mp->hook_g = gp;
    switch_to(mp, gp, next, hook == GRT_HOOK_EXIT);
    after_switch(gp);
}

/* ---- goroutines ----------------------------------------------------------- */

static void goexit(grt_g *g) {
    struct grt_p *p = g->m->p; /* a goroutine's code runs with a P */
    if (p != NULL)
        grt_stat_add(&p->stats.goroutines_exited, 1, false);
    else
        GRT_STAT_INC(goroutines_exited);
    clear_preempt(g);
    /* Relaxed, not seq_cst (an xchg, a locked instruction, on x86): only
     * this G writes its status while it runs, and the slot is reused only
     * after the post-switch hook on this same M frees it. */
    atomic_store_explicit(&g->status, GRT_GDEAD, memory_order_relaxed);
    gswitch(g, GRT_HOOK_EXIT);
    grt_throw("dead goroutine resumed");
}

static void gstart(void *arg) {
    grt_g *g = arg;
    after_switch(g);
    g->fn(g->arg);
    if (g->done != NULL)
        g->done(g->done_arg);
    goexit(g);
}

static void g_init(grt_g *g, void (*fn)(void *), void *arg, uint64_t goid) {
    g->fn = fn;
    g->arg = arg;
    g->done = NULL;
    g->goid = goid;
    g->is_g0 = 0;
    g->waitreason = 0;
    g->asan_fake = NULL;
    g->gcassist = 0;
    clear_preempt(g);
    g->sp = grt_ctx_init((char *)g, gstart, g);
    /* Created black: its stack holds only what its creator (scanned, as
     * it runs) passed it. */
    atomic_store_explicit(&g->gcscangen, grt_gcscan_gen_now(),
                          memory_order_relaxed);
    atomic_store_explicit(&g->ctxsaved, 1, memory_order_relaxed);
    /* Release: a marker that loads the status with acquire sees sp,
     * gcscangen and ctxsaved as written here. */
    atomic_store_explicit(&g->status, GRT_GRUNNABLE, memory_order_release);
}

static void go_order(void (*fn)(void *), void *arg, int order) {
    grt_g *cur = grt_curg();
    struct grt_p *p = cur->m->p;
    if (p == NULL)
        grt_throw("grt_go called without a P (inside a syscall?)");
    grt_g *g = grt_stackalloc(p, order);
    if (p->goidcache == p->goidcacheend) {
        p->goidcache = atomic_fetch_add(&grt_sched.goidgen, 16);
        p->goidcacheend = p->goidcache + 16;
    }
    g_init(g, fn, arg, p->goidcache++);
    grt_stat_add(&p->stats.goroutines_created, 1, false);
    if (grt_runqput(p, g, true))
        grt_wakep();
    GRT_SAFEPOINT();
}

void grt_go(void (*fn)(void *), void *arg) {
    go_order(fn, arg, GRT_STACK_DEFAULT_ORDER);
}

void grt_go_stack(void (*fn)(void *), void *arg, size_t bytes) {
    go_order(fn, arg, grt_stack_order(bytes));
}

uint64_t grt_goid(grt_g *g) {
    return g->goid;
}

uint64_t grt_goid_self(void) {
    if (!grt_tls_is_m)
        return 0;
    grt_g *g = grt_curg();
    return g->is_g0 ? 0 : g->goid;
}

int64_t grt_numgoroutine(void) {
    grt_stats s;
    memset(&s, 0, sizeof s);
    grt_stats_read(&s);
    return s.goroutines;
}

void grt_gosched(void) {
    grt_g *g = grt_curg();
    struct grt_p *p = g->m->p;
    grt_stat_add(&p->stats.gosched, 1, false);
    if (grt_runqempty(p) &&
        atomic_load_explicit(&grt_sched.runqsize, memory_order_relaxed) == 0 &&
        !atomic_load_explicit(&grt_sched.gcwaiting, memory_order_relaxed)) {
        clear_preempt(g); /* nothing else to run here: keep going */
        grt_stack_check(g);
        return;
    }
    atomic_store_explicit(&g->status, GRT_GRUNNABLE, memory_order_relaxed);
    gswitch(g, GRT_HOOK_YIELD);
}

void grt_safepoint_slow(void) {
    if (!grt_tls_is_m)
        return;
    grt_g *g = grt_curg();
    if (g->is_g0 || !atomic_load(&g->preempt) || g->m->p == NULL)
        return;
    /* The goroutine that stopped the world runs alone until it starts it
     * again: yielding would stop its own P. */
    if (atomic_load(&grt_sched.stw_owner) == g)
        return;
    GRT_STAT_INC(preemptions);
    atomic_store(&g->status, GRT_GRUNNABLE);
    gswitch(g, GRT_HOOK_YIELD_GLOBAL);
}

void grt_park(grt_wait_reason r, bool (*unlockf)(grt_g *g, void *arg),
              void *arg) {
    grt_g *g = grt_curg();
    struct grt_m *mp = g->m;
    struct grt_p *p = mp->p;
    g->waitreason = (uint8_t)r;
    grt_stat_add(&p->stats.parks, 1, false);
    grt_stat_add(&p->stats.parks_by_reason[r], 1, false);
    atomic_store_explicit(&g->status, GRT_GWAITING, memory_order_relaxed);
    mp->hook_unlockf = unlockf;
    mp->hook_arg = arg;
    gswitch(g, GRT_HOOK_PARK);
}

/* The status change is a load and a plain store, not a CAS (Go's goready
 * uses casgstatus; here a CAS is a locked instruction, about 6 ns, on
 * every channel handoff). It is safe because a parked G has exactly one
 * possible readier, and nobody else writes its status meanwhile: grt_park
 * stored GWAITING before switching out (its own M), and from then on only
 * whoever took it out of its wait structure may touch it; every waker
 * claims it exclusively (a dequeue under the channel or semaphore lock, a
 * select's done CAS, a one-shot epoll event, a timer that fires once, the
 * caller's own lock for a bare grt_park). The monitor and the deadlock check
 * only read it. The store needs no ordering of its own: grt_runqput
 * publishes g (release store or exchange on runnext, release store of the
 * ring tail, or sched.lock) and whoever runs g acquires that. The check
 * still catches a ready of a G that is not waiting (running, or readied
 * twice in sequence); two readiers racing would be a bug the CAS only
 * turned into a throw. */
void grt_ready(grt_g *g) {
    uint32_t s = atomic_load_explicit(&g->status, memory_order_relaxed);
    if (s != GRT_GWAITING)
        grt_throw("grt_ready: goroutine %llu has status %u, not waiting",
                  (unsigned long long)g->goid, s);
    atomic_store_explicit(&g->status, GRT_GRUNNABLE, memory_order_relaxed);
    struct grt_p *p = grt_curg()->m->p;
    if (p != NULL) {
        if (grt_runqput(p, g, true))
            grt_wakep();
    } else {
        grt_globrunqput(g);
        grt_wakep();
    }
}

grt_pstats *grt_stats_local(bool *shared) {
    struct grt_p *p = grt_curg()->m->p;
    *shared = p == NULL;
    return p != NULL ? &p->stats : &grt_sched.shared_stats;
}

/* ---- Ps and Ms ------------------------------------------------------------ */

void grt_pidleput(struct grt_p *p) /* sched.lock */
{
    p->m = NULL;
    if (atomic_load(&grt_sched.gcwaiting)) {
        /* A stop-the-world is collecting Ps: this one is stopped now. */
        atomic_store(&p->status, GRT_PGCSTOP);
        grt_stopwait_dec();
        return;
    }
    if (p->id >= atomic_load(&grt_sched.gomaxprocs)) {
        atomic_store(&p->status, GRT_PSTOPPED);
        return;
    }
    atomic_store(&p->status, GRT_PIDLE);
    p->link = grt_sched.pidle;
    grt_sched.pidle = p;
    atomic_fetch_add(&grt_sched.npidle, 1);
}

static struct grt_p *pidleget(void) /* sched.lock */
{
    struct grt_p *p = grt_sched.pidle;
    if (p != NULL) {
        grt_sched.pidle = p->link;
        atomic_fetch_sub(&grt_sched.npidle, 1);
        atomic_store(&p->status, GRT_PRUNNING);
    }
    return p;
}

void grt_acquirep(struct grt_m *mp, struct grt_p *p) {
    mp->p = p;
    p->m = mp;
    atomic_store(&p->status, GRT_PRUNNING);
}

static void *mstart(void *arg) {
    struct grt_m *mp = arg;
    grt_tls_is_m = 1;
    /* Timer slack 1 us instead of the default 50 us: the poller's
     * epoll_pwait2 timeout is how sleeping goroutines wake. */
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
    grt_stack_install_overflow_handler();
    grt_asan_start_switch(NULL, mp->g0->lo, mp->g0->size);
    grt_ctx_switch(&mp->boot_sp, mp->g0->sp);
    return NULL; /* never reached */
}

/* A thread that starts on its own g0 stack running g0fn(m); used for Ms
 * and for the monitor (which has no P and is not counted in nm). */
struct grt_m *grt_allocm(struct grt_p *p, bool spinning, void (*g0fn)(void *)) {
    struct grt_m *mp = calloc(1, sizeof *mp);
    if (mp == NULL)
        grt_throw("out of memory allocating an M");
    mp->g0 = grt_stackalloc(NULL, GRT_STACK_DEFAULT_ORDER);
    mp->g0->is_g0 = 1;
    mp->g0->m = mp;
    mp->g0->sp = grt_ctx_init((char *)mp->g0, g0fn, mp);
    mp->nextp = p;
    mp->spinning = spinning;
    mp->rand = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)mp;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_t th;
    if (pthread_create(&th, &attr, mstart, mp) != 0)
        grt_throw("cannot create a thread");
    pthread_attr_destroy(&attr);
    return mp;
}

static void newm(struct grt_p *p, bool spinning) {
    /* Counted before it runs, so the deadlock check never sees a parked M
     * that is not counted yet. */
    int id = atomic_fetch_add(&grt_sched.nm, 1);
    struct grt_m *mp = grt_allocm(p, spinning, g0_main);
    grt_lock_acquire(&grt_sched.lock);
    mp->id = id;
    mp->alllink = grt_sched.allm;
    grt_sched.allm = mp;
    grt_lock_release(&grt_sched.lock);
}

void grt_startm(struct grt_p *p, bool spinning) {
    grt_lock_acquire(&grt_sched.lock);
    if (p == NULL) {
        p = pidleget();
        if (p == NULL) {
            grt_lock_release(&grt_sched.lock);
            if (spinning)
                atomic_fetch_sub(&grt_sched.nmspinning, 1);
            return;
        }
    }
    struct grt_m *mp = grt_sched.midle;
    if (mp != NULL) {
        grt_sched.midle = mp->schedlink;
        atomic_fetch_sub(&grt_sched.nmidle, 1);
    }
    grt_lock_release(&grt_sched.lock);
    if (mp == NULL) {
        newm(p, spinning);
        return;
    }
    mp->spinning = spinning;
    mp->nextp = p;
    GRT_STAT_ADD_SHARED(m_wakeups);
    if (atomic_exchange(&mp->park, GRT_MPARK_AWAKE) == GRT_MPARK_ASLEEP)
        grt_futex_wake(&mp->park, 1);
}

void grt_wakep(void) {
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load(&grt_sched.npidle) == 0)
        return;
    int32_t zero = 0;
    if (atomic_load(&grt_sched.nmspinning) != 0 ||
        !atomic_compare_exchange_strong(&grt_sched.nmspinning, &zero, 1))
        return;
    grt_startm(NULL, true);
}

/* How a parked M waits for startm (its park word). An M that parks
 * watches its own word for GRT_M_SPIN_NS before it sleeps in the kernel,
 * and says so (SPINNING, then ASLEEP); startm exchanges the word to AWAKE
 * and makes the futex system call only for an M that is ASLEEP. Work
 * often comes back within microseconds of an M parking (a WaitGroup wave
 * of `go` statements wakes an M per wave; a channel ping-pong across Ps
 * wakes one per round trip), and a futex wake then costs the waker a
 * system call (about a microsecond here, more in a VM, where waking an
 * idle vCPU is an interrupt through the hypervisor) and the woken thread
 * a kernel context switch. The spin reads one word of the M's own (no
 * P, no stealing, nothing another CPU writes until the wake), so it slows
 * no one; it is bounded, so an idle program sleeps within microseconds. */
enum { GRT_M_SPIN_NS = 20000 };

static void m_wait_for_p(struct grt_m *mp) {
    uint64_t start = grt_nanotime();
    do {
        for (int i = 0; i < 64; i++) {
            if (atomic_load_explicit(&mp->park, memory_order_acquire) ==
                GRT_MPARK_AWAKE)
                return;
            grt_cpu_relax();
        }
    } while (grt_nanotime() - start < GRT_M_SPIN_NS);
    uint32_t spinning = GRT_MPARK_SPINNING;
    if (!atomic_compare_exchange_strong(&mp->park, &spinning, GRT_MPARK_ASLEEP))
        return; /* woken meanwhile */
    while (atomic_load(&mp->park) != GRT_MPARK_AWAKE)
        grt_futex_wait(&mp->park, GRT_MPARK_ASLEEP, -1);
}

/* Park the M until startm hands it a P. */
void grt_stopm(struct grt_m *mp) {
    if (mp->spinning) { /* e.g. released a surplus P while spinning */
        mp->spinning = false;
        atomic_fetch_sub(&grt_sched.nmspinning, 1);
    }
    grt_lock_acquire(&grt_sched.lock);
    mp->schedlink = grt_sched.midle;
    grt_sched.midle = mp;
    atomic_fetch_add(&grt_sched.nmidle, 1);
    atomic_store(&mp->park, GRT_MPARK_SPINNING);
    GRT_STAT_ADD_SHARED(m_parks);
    grt_checkdead();
    grt_lock_release(&grt_sched.lock);
    m_wait_for_p(mp);
    struct grt_p *p = mp->nextp;
    mp->nextp = NULL;
    grt_acquirep(mp, p);
}

static void resetspinning(struct grt_m *mp) {
    mp->spinning = false;
    if (atomic_fetch_sub(&grt_sched.nmspinning, 1) == 1)
        grt_wakep(); /* the last spinner found work: maybe there is more */
}

/* Random victim order: a start and a stride coprime with n. */
static unsigned gcd(unsigned a, unsigned b) {
    while (b != 0) {
        unsigned t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static grt_g *steal_work(struct grt_m *mp, struct grt_p *p) {
    unsigned n = (unsigned)atomic_load(&grt_sched.nprocs_made);
    for (int round = 0; round < 4; round++) {
        unsigned start = grt_fastrand(mp) % n;
        unsigned stride = grt_fastrand(mp) % n + 1;
        while (gcd(stride, n) != 1)
            stride++;
        for (unsigned i = 0, k = start; i < n; i++, k = (k + stride) % n) {
            struct grt_p *v = &grt_allp[k];
            if (v == p || atomic_load_explicit(
                              &v->status, memory_order_relaxed) == GRT_PIDLE)
                continue;
            grt_g *g = grt_runqsteal(p, v, round == 3);
            if (g != NULL)
                return g;
        }
    }
    return NULL;
}

/* Give up a P beyond GOMAXPROCS: its queue goes to the global queue. */
static void release_surplus(struct grt_m *mp, struct grt_p *p) {
    grt_g *g;
    while ((g = grt_runqget(p)) != NULL)
        grt_globrunqput(g);
    grt_stack_flush_cache(p);
    grt_lock_acquire(&grt_sched.lock);
    grt_pidleput(p);
    grt_lock_release(&grt_sched.lock);
    mp->p = NULL;
}

static bool any_runq_work(void) {
    int n = atomic_load(&grt_sched.nprocs_made);
    for (int i = 0; i < n; i++)
        if (!grt_runqempty(&grt_allp[i]))
            return true;
    return atomic_load(&grt_sched.runqsize) > 0;
}

/* After giving up its P, a spinning M stops spinning and then re-checks
 * every queue (a submitter that saw it spinning woke nobody: Dekker with
 * grt_wakep's fence). True if it took a P back to go on looking. */
static bool drop_spinning_recheck(struct grt_m *mp) {
    if (!mp->spinning)
        return false;
    mp->spinning = false;
    atomic_fetch_sub(&grt_sched.nmspinning, 1);
    atomic_thread_fence(memory_order_seq_cst);
    if (!any_runq_work())
        return false;
    grt_lock_acquire(&grt_sched.lock);
    struct grt_p *p = pidleget();
    grt_lock_release(&grt_sched.lock);
    if (p == NULL)
        return false;
    grt_acquirep(mp, p);
    mp->spinning = true;
    atomic_fetch_add(&grt_sched.nmspinning, 1);
    return true;
}

/* Block in the netpoller until a descriptor or the next timer is ready.
 * True if this M was the poller. */
static bool poll_blocking(void) {
    uint64_t next = grt_timers_next();
    if (next == 0 && grt_netpoll_waiters() == 0)
        return false;
    int32_t zero = 0;
    if (!atomic_compare_exchange_strong(&grt_sched.npolling, &zero, 1))
        return false;
    next = grt_timers_next(); /* re-read: a timer may have come meanwhile */
    uint64_t now = grt_nanotime();
    atomic_store(&grt_sched.poll_until, next);
    int64_t timeout = next == 0 ? -1 : next > now ? (int64_t)(next - now) : 0;
    if (next != 0 || grt_netpoll_waiters() != 0)
        grt_netpoll(timeout);
    atomic_store(&grt_sched.poll_until, 0);
    atomic_store(&grt_sched.npolling, 0);
    run_timers_if_due();
    return true;
}

/* Find a runnable G; returns with mp->p held. Runs on g0. */
static grt_g *findrunnable(struct grt_m *mp) {
    grt_g *g;
top:
    if (mp->p == NULL)
        grt_stopm(mp);
    if (atomic_load(&grt_sched.gcwaiting)) {
        grt_gcstopm(mp);
        goto top;
    }
    struct grt_p *p = mp->p;
    if (p->id >= atomic_load(&grt_sched.gomaxprocs)) {
        release_surplus(mp, p);
        /* A submitter that saw us spinning did not wake anyone. */
        if (!drop_spinning_recheck(mp))
            grt_wakep();
        goto top;
    }
    run_timers_if_due();
    if ((g = grt_runqget(p)) != NULL)
        goto found;
    if (atomic_load(&grt_sched.runqsize) > 0) {
        grt_lock_acquire(&grt_sched.lock);
        g = grt_globrunqget(p, 0);
        grt_lock_release(&grt_sched.lock);
        if (g != NULL)
            goto found;
    }
    if (grt_netpoll_waiters() > 0 && atomic_load(&grt_sched.npolling) == 0 &&
        grt_netpoll(0) > 0 && (g = grt_runqget(p)) != NULL)
        goto found;
    int procs = atomic_load(&grt_sched.gomaxprocs);
    if (mp->spinning || 2 * atomic_load(&grt_sched.nmspinning) <
                            procs - atomic_load(&grt_sched.npidle)) {
        if (!mp->spinning) {
            mp->spinning = true;
            atomic_fetch_add(&grt_sched.nmspinning, 1);
        }
        if ((g = steal_work(mp, p)) != NULL)
            goto found;
    }
    /* Nothing to run: mark for the collector if a cycle has work (Go's
     * idle mark worker), in chunks, looking for goroutines in between. */
    if (grt_gc_idle_mark())
        goto top;
    /* Nothing: give up the P. */
    grt_lock_acquire(&grt_sched.lock);
    if (atomic_load(&grt_sched.runqsize) > 0) {
        g = grt_globrunqget(p, 0);
        grt_lock_release(&grt_sched.lock);
        goto found;
    }
    grt_pidleput(p);
    mp->p = NULL;
    grt_lock_release(&grt_sched.lock);
    if (drop_spinning_recheck(mp))
        goto top;
    if (poll_blocking()) {
        grt_lock_acquire(&grt_sched.lock);
        p = pidleget();
        grt_lock_release(&grt_sched.lock);
        if (p != NULL)
            grt_acquirep(mp, p);
    }
    goto top;
found:
    if (mp->spinning)
        resetspinning(mp);
    return g;
}

static void g0_main(void *arg) {
    struct grt_m *mp = arg;
    grt_g *g0 = mp->g0;
    grt_asan_finish_switch(NULL);
    if (mp->nextp != NULL) {
        grt_acquirep(mp, mp->nextp);
        mp->nextp = NULL;
    }
    for (;;) {
        grt_g *g = findrunnable(mp);
        switch_to(mp, g0, g, false);
        after_switch(g0);
    }
}

/* ---- syscalls --------------------------------------------------------------- */

/* The C half of grt_enter_syscall (asm_*.S): regs holds the caller's
 * callee-saved registers, sp its stack pointer at the call. They are
 * recorded before the status says GSYSCALL (the collector reads them
 * after loading the status). */
void grt_enter_syscall_regs(const uintptr_t *regs, uintptr_t sp);
void grt_enter_syscall_regs(const uintptr_t *regs, uintptr_t sp) {
    grt_g *g = grt_curg();
    struct grt_m *mp = g->m;
    memcpy(g->syscallregs, regs, sizeof g->syscallregs);
    g->syscallsp = sp;
    struct grt_p *p = mp->p;
    grt_stat_add(&p->stats.syscalls, 1, false);
    atomic_fetch_add_explicit(&p->syscalltick, 1, memory_order_relaxed);
    mp->oldp = p;
    mp->p = NULL;
    atomic_store(&g->status, GRT_GSYSCALL);
    atomic_store(&p->status, GRT_PSYSCALL);
}

/* A goroutine leaving a syscall during a marking cycle scans its own stack
 * before it runs on (a marker may be doing it from syscallsp: then it
 * waits for that scan). This is asked only once the goroutine holds a P
 * and runs: a first pause cannot start between that and the check, which
 * comes before any safepoint, whereas a check made before taking the P
 * could read "not marking", then lose the thread while a whole first
 * pause ran, and let the goroutine run the cycle with an unscanned stack. */
static inline void exit_syscall_scan(void) {
    if (__builtin_expect(
            atomic_load_explicit(&grt_gcscan_on, memory_order_acquire), 0))
        grt_gcscan_self();
}

void grt_exit_syscall(void) {
    grt_g *g = grt_curg();
    struct grt_m *mp = g->m;
    struct grt_p *p = mp->oldp;
    uint32_t s = GRT_PSYSCALL;
    mp->oldp = NULL;
    if (atomic_compare_exchange_strong(&p->status, &s, GRT_PRUNNING)) {
        mp->p = p;
        atomic_store(&g->status, GRT_GRUNNING);
        exit_syscall_scan();
        GRT_SAFEPOINT();
        return;
    }
    grt_lock_acquire(&grt_sched.lock);
    p = pidleget();
    grt_lock_release(&grt_sched.lock);
    if (p != NULL) {
        grt_acquirep(mp, p);
        atomic_store(&g->status, GRT_GRUNNING);
        exit_syscall_scan();
        return;
    }
    /* The status stays GSYSCALL until exitsyscall0, after the switch: the
     * collector scans a GSYSCALL goroutine from its syscallsp, a runnable
     * one from its saved sp, which is only written by the switch. */
    gswitch(g, GRT_HOOK_SYSCALL);
}

/* The post-switch half of grt_exit_syscall's slow path (Go's
 * exitsyscall0): gp left its syscall, found no idle P and is switched out;
 * this M is on g0 without a P. Look for an idle P once more and, finding
 * none, queue gp globally IN THE SAME critical section.
 *
 * This is the lost wake-up the monitor used to paper over. Queueing gp
 * with a separate lock, after the failed pidleget and with no wakep,
 * loses it:
 *
 *   M1 (gp leaving a syscall)          M2 (owns the retaken P)
 *   CAS p.status syscall->running
 *     fails: the monitor retook p
 *   pidleget: none (M2 holds p)
 *                                      its G parks; findrunnable finds
 *                                      nothing; under sched.lock sees an
 *                                      empty global queue, grt_pidleput(p)
 *                                      stopm: parked
 *   switch to g0, globrunqput(gp)
 *   stopm: parked
 *
 * gp sits in the global queue with p idle and every M parked; nothing
 * wakes anyone (the deadlock check stays quiet: a G is runnable). With
 * GOMAXPROCS=1 it takes one syscall that the monitor retakes while its P's
 * new M goes idle, the syscall_handoff test's shape, run right after a
 * GOMAXPROCS change. Under one lock it cannot happen: every M that idles a
 * P looks at the global queue under sched.lock before pidleput, so either
 * it ran first and pidleget below finds its P, or it runs after and finds
 * gp. */
static void exitsyscall0(struct grt_m *mp, grt_g *gp) {
    atomic_store(&gp->status, GRT_GRUNNABLE);
    grt_lock_acquire(&grt_sched.lock);
    struct grt_p *p = pidleget();
    if (p == NULL)
        grt_globrunqput_batch(gp, gp, 1);
    grt_lock_release(&grt_sched.lock);
    if (p != NULL) {
        grt_acquirep(mp, p);
        grt_runqput(p, gp, true); /* findrunnable runs it next */
    }
}

/* Sysmon took p from a thread in a syscall: give it work or idle it. The
 * global queue is checked again under sched.lock right before pidleput,
 * as findrunnable does (Go's handoffp): a G queued after the unlocked
 * check, whose submitter saw no idle P yet, must not be left behind. */
bool grt_handoffp_retaken(struct grt_p *p) {
    p->m = NULL;
    if (!grt_runqempty(p) || atomic_load(&grt_sched.runqsize) > 0) {
        grt_startm(p, false);
        return true;
    }
    int32_t zero = 0;
    if (atomic_load(&grt_sched.npidle) == 0 &&
        atomic_compare_exchange_strong(&grt_sched.nmspinning, &zero, 1)) {
        grt_startm(p, true);
        return true;
    }
    grt_lock_acquire(&grt_sched.lock);
    if (atomic_load(&grt_sched.runqsize) > 0) {
        grt_lock_release(&grt_sched.lock);
        grt_startm(p, false);
        return true;
    }
    grt_pidleput(p);
    grt_lock_release(&grt_sched.lock);
    return false;
}

/* ---- grt_run ------------------------------------------------------------- */

struct run_wait {
    _Atomic uint32_t done;
};

static void run_done(void *arg) {
    struct run_wait *w = arg;
    atomic_fetch_sub(&grt_sched.nrun_callers, 1);
    atomic_store(&w->done, 1);
    grt_futex_wake(&w->done, 1);
}

int grt_run(void (*fn)(void *), void *arg) {
    if (grt_tls_is_m)
        return -EDEADLK;
    if (!atomic_load(&grt_sched.started))
        grt_schedinit();
    struct run_wait w = {0};
    grt_g *g = grt_stackalloc(NULL, GRT_STACK_DEFAULT_ORDER);
    g_init(g, fn, arg, atomic_fetch_add(&grt_sched.goidgen, 1));
    g->done = run_done;
    g->done_arg = &w;
    atomic_fetch_add(&grt_sched.shared_stats.goroutines_created, 1);
    grt_lock_acquire(&grt_sched.lock);
    atomic_fetch_add(&grt_sched.nrun_callers, 1);
    grt_globrunqput_batch(g, g, 1);
    grt_lock_release(&grt_sched.lock);
    grt_wakep();
    while (atomic_load(&w.done) == 0)
        grt_futex_wait(&w.done, 0, -1);
    return 0;
}
