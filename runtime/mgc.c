/*
 * mgc.c - the collector's cycle (Go's mgc.go): start, phases, forced
 * collections, tuning, roots, cycle hooks, gctrace and statistics.
 *
 * A cycle, Go's two short pauses around a concurrent mark:
 *
 *   1. stop the world (sweep termination), after sweeping what is left
 *      of the previous cycle outside the pause (Go's gcStart): finish any
 *      sweeping still left, run the cycle hooks (the Pool's victim
 *      rotation), note heap0 = heap_live, turn on the write barrier and
 *      allocate-black, start a new stack generation, grey the registered
 *      globals, start the background workers; restart the world. The
 *      pause touches no goroutine stack.
 *   2. concurrent mark: goroutine stacks and channel buffers are scanned
 *      first (root jobs taken by the markers; each stack while its
 *      goroutine does not run, so never rescanned: mgcmark.c), then the
 *      heap from the per-P work buffers. Background workers at 25% of the
 *      Ps (Go's rule: round(P/4) dedicated workers, which keep their P for
 *      the whole mark unless other goroutines wait on it, unless that is
 *      off by more than 30%, else a fractional worker; at GOMAXPROCS=2 a
 *      fractional one running half of one CPU), idle Ps marking from the
 *      scheduler instead of sleeping, and assists: an allocating goroutine
 *      in debt (bytes allocated times scan work expected per byte) first
 *      takes the workers' banked credit, then scans itself, and what it
 *      still owes when no grey object is left to take it waits for on
 *      the assist queue, which the workers' credit pays first (Go's
 *      gcParkAssist). That wait is what holds the heap to the goal when
 *      marking is slower than allocation: forgiving the debt instead let
 *      the heap run 10-60% past the goal, everything allocated black, and
 *      the next goal grow with it. A marker that finds the roots done, no
 *      grey object anywhere (idle Ps' buffers flushed) and no marker busy
 *      ends the mark.
 *   3. stop the world (mark termination): collect every P's buffers; if
 *      a write barrier greyed objects since the check, restart the world
 *      and mark on (up to three times, then drain in the pause); turn the
 *      barrier off, gccheckmark if asked, flush every P's cache, the live
 *      heap is what was marked, the pacer computes the next goal and
 *      trigger, sweepgen flips; restart.
 *   4. sweeping proceeds lazily and proportionally (mgcsweep.c).
 *
 * GODEBUG=gcstoptheworld=1 marks everything in the first pause instead.
 *
 * A cycle starts when an allocation's slow path finds heap_live at the
 * trigger (grt_gc_maybe_start), or from grt_gc(), which also finishes the
 * sweep before returning and marks its trace line " (forced)". Starts are
 * serialized by gc_mu (a goroutine mutex: a second starter parks, which is
 * itself a safepoint, so it cannot hold up the first one's stop); the
 * phase word tells whether a cycle runs.
 *
 * GODEBUG=gctrace=1 prints Go's line (runtime/mgc.go, gcMarkTermination):
 *
 *   gc 7 @0.394s 3%: 0.012+1.2+0.010 ms clock, 0.024+0/1.2/0+0.020 ms cpu,
 *   4->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P
 *
 * (one line): cycle number, seconds since the runtime started, the
 * cumulative share of CPU spent in GC, wall time of sweep termination +
 * mark + mark termination, CPU time of sweep termination + assist /
 * background / idle marking + mark termination, heap at the start of the
 * cycle -> at mark termination -> marked live, the next goal, stack and
 * global bytes scanned, Ps. Times use Go's fmtNSAsMS: whole milliseconds
 * from 10 ms, else two significant digits with at most three decimals.
 * MB are bytes >> 20. Stop-the-world phases are charged for every P (the
 * stopped Ps do nothing else), as Go does.
 */
#include "grt_malloc.h"
#include "grt_stw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Atomic uint32_t grt_gcphase;
_Atomic uint32_t grt_gcblackenenabled;

static grt_mutex gc_mu = GRT_MUTEX_INIT;

/* ---- start-up -------------------------------------------------------------------- */

static _Atomic int heap_state; /* 0 none, 1 starting, 2 ready */

void grt_heap_init(void);
void grt_heap_init(void) {
    if (atomic_load_explicit(&heap_state, memory_order_acquire) == 2)
        return;
    int zero = 0;
    if (atomic_compare_exchange_strong(&heap_state, &zero, 1)) {
        grt_vars_init();
        grt_mheap_init();
        grt_pacer_init();
        atomic_store_explicit(&heap_state, 2, memory_order_release);
        return;
    }
    while (atomic_load_explicit(&heap_state, memory_order_acquire) != 2)
        ;
}

/* ---- roots and hooks ----------------------------------------------------------------- */

struct root {
    const void *start;
    size_t bytes;
};
static grt_lock roots_lock = GRT_LOCK_INIT;
static struct root *roots;
static size_t nroots, caproots;

void grt_gc_add_root(const void *start, size_t bytes) {
    grt_lock_acquire(&roots_lock);
    if (nroots == caproots) {
        size_t cap = caproots ? caproots * 2 : 16;
        struct root *r = realloc(roots, cap * sizeof *r);
        if (r == NULL)
            grt_throw("gc: out of memory registering a root");
        roots = r;
        caproots = cap;
    }
    roots[nroots].start = start;
    roots[nroots].bytes = bytes;
    nroots++;
    grt_lock_release(&roots_lock);
}

void grt_gc_remove_root(const void *start) {
    grt_lock_acquire(&roots_lock);
    for (size_t i = 0; i < nroots; i++)
        if (roots[i].start == start) {
            roots[i] = roots[--nroots];
            break;
        }
    grt_lock_release(&roots_lock);
}

void grt_gc_roots_forall(void (*fn)(const void *p, size_t n, void *arg),
                         void *arg) {
    grt_lock_acquire(&roots_lock);
    for (size_t i = 0; i < nroots; i++)
        fn(roots[i].start, roots[i].bytes, arg);
    grt_lock_release(&roots_lock);
}

#define MAX_HOOKS 16
static void (*hooks[MAX_HOOKS])(void);
static _Atomic int nhooks;
static grt_lock hooks_lock = GRT_LOCK_INIT;

void grt_gc_register_cycle_hook(void (*fn)(void)) {
    grt_lock_acquire(&hooks_lock);
    int n = atomic_load(&nhooks);
    for (int i = 0; i < n; i++)
        if (hooks[i] == fn) {
            grt_lock_release(&hooks_lock);
            return;
        }
    if (n == MAX_HOOKS)
        grt_throw("gc: more than %d cycle hooks", MAX_HOOKS);
    hooks[n] = fn;
    atomic_store(&nhooks, n + 1);
    grt_lock_release(&hooks_lock);
}

void grt_gc_run_cycle_hooks(void) {
    int n = atomic_load(&nhooks);
    for (int i = 0; i < n; i++)
        hooks[i]();
}

/* ---- statistics kept by the cycle ------------------------------------------------------ */

static struct {
    uint64_t cycles, forced;
    uint64_t last_heap0, last_heap1, last_heap2, last_goal, last_trigger;
    uint64_t mark_wall_ns, mark_assist_ns, mark_dedicated_ns,
        mark_fractional_ns, mark_idle_ns;
    uint64_t stw_ns_total;
    uint64_t gc_cpu_ns;
    uint64_t heap_scan_total, stack_scan_total, globals_scan_total,
        noscan_total, marked_total;
    uint64_t last_end_ns;
} gcs;
static grt_lock gcs_lock = GRT_LOCK_INIT;

/* ---- gctrace ----------------------------------------------------------------------- */

/* Go's itoaDiv: val with a decimal point dec digits from the right. */
static int itoa_div(char *out, uint64_t val, int dec) {
    char buf[32];
    int i = (int)sizeof buf - 1, idec = i - dec;
    while (val >= 10 || i >= idec) {
        buf[i--] = (char)('0' + val % 10);
        if (i == idec)
            buf[i--] = '.';
        val /= 10;
    }
    buf[i] = (char)('0' + val);
    int n = (int)sizeof buf - i;
    memcpy(out, &buf[i], (size_t)n);
    out[n] = 0;
    return n;
}

/* Go's fmtNSAsMS. */
static int fmt_ns_as_ms(char *buf, uint64_t ns) {
    if (ns >= 10000000)
        return itoa_div(buf, ns / 1000000, 0);
    uint64_t x = ns / 1000;
    if (x == 0) {
        buf[0] = '0';
        buf[1] = 0;
        return 1;
    }
    int dec = 3;
    while (x >= 100) {
        x /= 10;
        dec--;
    }
    return itoa_div(buf, x, dec);
}

static void gctrace_line(uint64_t n, uint64_t t_start, uint64_t t_mark,
                         uint64_t t_markterm, uint64_t t_end,
                         const uint64_t cpu[5], uint64_t heap0, uint64_t heap1,
                         uint64_t heap2, uint64_t goal, uint64_t stacks,
                         uint64_t globals, int procs, bool forced, int util) {
    char line[512], num[64];
    int len = 0;
    len += snprintf(line + len, sizeof line - (size_t)len, "gc %llu @",
                    (unsigned long long)n);
    itoa_div(num, (t_start - grt_sched.start_ns) / 1000000, 3);
    len += snprintf(line + len, sizeof line - (size_t)len, "%ss %d%%: ", num,
                    util);
    uint64_t clk[3] = {t_mark - t_start, t_markterm - t_mark,
                       t_end - t_markterm};
    for (int i = 0; i < 3; i++) {
        fmt_ns_as_ms(num, clk[i]);
        len += snprintf(line + len, sizeof line - (size_t)len, "%s%s",
                        i ? "+" : "", num);
    }
    len += snprintf(line + len, sizeof line - (size_t)len, " ms clock, ");
    for (int i = 0; i < 5; i++) {
        fmt_ns_as_ms(num, cpu[i]);
        const char *sep = i == 0 ? "" : (i == 2 || i == 3) ? "/" : "+";
        len +=
            snprintf(line + len, sizeof line - (size_t)len, "%s%s", sep, num);
    }
    len += snprintf(
        line + len, sizeof line - (size_t)len,
        " ms cpu, %llu->%llu->%llu MB, %llu MB goal, %llu MB "
        "stacks, %llu MB globals, %d P%s\n",
        (unsigned long long)(heap0 >> 20), (unsigned long long)(heap1 >> 20),
        (unsigned long long)(heap2 >> 20), (unsigned long long)(goal >> 20),
        (unsigned long long)(stacks >> 20), (unsigned long long)(globals >> 20),
        procs, forced ? " (forced)" : "");
    fputs(line, stderr);
}

/* ---- the cycle --------------------------------------------------------------------- */

static void flush_all_mcaches(void) {
    int n = atomic_load(&grt_sched.nprocs_made);
    for (int i = 0; i < n; i++)
        if (grt_allp[i].mcache != NULL)
            grt_mcache_flush(grt_allp[i].mcache);
}

/* The cycle in progress (gc_mu serializes starts; the phase word says
 * whether one runs; the rest belongs to the cycle's owner of the moment:
 * the starter during the first pause, whoever terminates during the
 * second). */
static struct {
    bool forced;
    int procs;
    uint64_t t_start, t_mark, t_markterm, t_end;
    uint64_t heap0;
    double frac_goal; /* fractional utilization goal per P */
    int dedicated;
    _Atomic uint64_t assist_ns, dedicated_ns, fractional_ns, idle_ns;
    _Atomic int64_t bg_credit; /* scan work done ahead by workers */
    _Atomic double assist_work_per_byte, assist_bytes_per_work;
    _Atomic uint32_t terminating;
    int mark_restarts; /* termination attempts that found work left */
} cyc;

/* Waiters for the end of the running cycle (grt_gc): counted under
 * done_lock, released on done_sema by the cycle's end. */
static grt_lock done_lock = GRT_LOCK_INIT;
static int32_t done_waiters;
static _Atomic uint32_t done_sema;

static void finish_cycle(uint64_t t_stw2); /* world stopped */

/* Go's revise(): scan work still expected per byte still allowed
 * (mgcpacer.c's arithmetic). The most scan work this cycle can find is
 * bounded by heap_live: we do not count scannable bytes apart, so every
 * byte of the heap is taken as possibly scannable. */
static void revise_assist_ratio(void) {
    uint64_t live = atomic_load(&grt_pacer.heap_live);
    uint64_t goal = atomic_load(&grt_pacer.goal);
    uint64_t done = atomic_load(&grt_gcwork.heap_scan) +
                    atomic_load(&grt_gcwork.stack_scan) +
                    atomic_load(&grt_gcwork.globals_scan);
    uint64_t max_scan =
        live + grt_pacer.last_stack_scan + grt_pacer.globals_scan;
    double wpb =
        grt_pacer_assist_ratio_of(&grt_pacer, goal, live, max_scan, done);
    atomic_store(&cyc.assist_work_per_byte, wpb);
    atomic_store(&cyc.assist_bytes_per_work, 1.0 / wpb);
}

/* ---- the assist queue (Go's work.assistQueue) ----------------------------------- */

/* A goroutine whose assist debt outlives the grey objects it could find
 * parks here until background marking has done its work for it (the
 * workers' credit pays queued debts first, in order) or the cycle ends.
 * This is what holds the heap to the goal: an allocating goroutine cannot
 * allocate on credit it has not earned. Nodes live on the parked
 * goroutines' stacks; aq_lock guards the list. */
struct assist_wait {
    grt_g *g;
    struct assist_wait *next;
};
static grt_lock aq_lock = GRT_LOCK_INIT;
static struct assist_wait *aq_head, *aq_tail;
static _Atomic int32_t aq_len;

static void aq_push(struct assist_wait *w) {
    w->next = NULL;
    if (aq_tail != NULL)
        aq_tail->next = w;
    else
        aq_head = w;
    aq_tail = w;
    atomic_fetch_add(&aq_len, 1);
}

static struct assist_wait *aq_pop(void) {
    struct assist_wait *w = aq_head;
    if (w == NULL)
        return NULL;
    aq_head = w->next;
    if (aq_head == NULL)
        aq_tail = NULL;
    atomic_fetch_sub(&aq_len, 1);
    return w;
}

static bool aq_unlock(grt_g *g, void *arg) {
    (void)g;
    (void)arg;
    grt_lock_release(&aq_lock);
    return true;
}

/* Go's gcParkAssist: true when the debt is settled (paid by the
 * workers, or the cycle is over); false: retry the assist (credit
 * arrived while queueing). */
static bool park_assist(void) {
    grt_lock_acquire(&aq_lock);
    if (!atomic_load(&grt_gcblackenenabled)) {
        grt_lock_release(&aq_lock);
        return true;
    }
    if (atomic_load(&cyc.bg_credit) > 0) {
        grt_lock_release(&aq_lock);
        return false;
    }
    struct assist_wait w = {.g = grt_curg()};
    aq_push(&w);
    grt_park(GRT_WAIT_GC_ASSIST, aq_unlock, NULL);
    return true;
}

/* Go's gcFlushBgCredit: scan work done by a background or idle marker
 * pays the queued assists' debts first, the rest goes to the pool that
 * assists draw on. Callable from goroutines and the scheduler. */
static void flush_bg_credit(int64_t work) {
    if (atomic_load(&aq_len) == 0) {
        atomic_fetch_add(&cyc.bg_credit, work);
        return;
    }
    double bpw = atomic_load(&cyc.assist_bytes_per_work);
    int64_t bytes = (int64_t)((double)work * bpw);
    grt_g *ready[64];
    int nready = 0;
    grt_lock_acquire(&aq_lock);
    while (aq_head != NULL && bytes > 0 && nready < 64) {
        struct assist_wait *w = aq_pop();
        grt_g *g = w->g;
        if (bytes + g->gcassist >= 0) {
            bytes += g->gcassist;
            g->gcassist = 0;
            ready[nready++] = g; /* w dies when g runs: not touched again */
        } else {
            /* Partly paid: to the back, so that one large debt does not
             * hold up the small ones behind it. */
            g->gcassist += bytes;
            bytes = 0;
            aq_push(w);
            break;
        }
    }
    if (bytes > 0) {
        double wpb = atomic_load(&cyc.assist_work_per_byte);
        atomic_fetch_add(&cyc.bg_credit, (int64_t)((double)bytes * wpb));
    }
    grt_lock_release(&aq_lock);
    for (int i = 0; i < nready; i++)
        grt_ready(ready[i]);
}

/* Go's gcWakeAllAssists: the cycle is over (blackening off), every
 * queued assist goes on with its debt forgotten. */
static void wake_all_assists(void) {
    grt_lock_acquire(&aq_lock);
    struct assist_wait *list = aq_head;
    aq_head = aq_tail = NULL;
    atomic_store(&aq_len, 0);
    grt_lock_release(&aq_lock);
    while (list != NULL) {
        struct assist_wait *next = list->next;
        grt_g *g = list->g;
        g->gcassist = 0;
        grt_ready(g); /* list's node is on g's stack: read next first */
        list = next;
    }
}

/* Stop-the-world phase 1 (sweep termination + root marking). */
static void gc_start(bool forced) {
    int procs = grt_gomaxprocs();
    cyc.forced = forced;
    cyc.procs = procs;
    /* Sweep what is left of the last cycle before stopping the world, so
     * that the pause finds little or nothing to sweep (Go's gcStart). */
    while (grt_sweepone() != 0)
        ;
    cyc.t_start = grt_stop_the_world();
    grt_sweep_all();
    grt_gc_run_cycle_hooks();
    cyc.heap0 = atomic_load(&grt_pacer.heap_live);
    /* Go 1.19 measures the cycle's allocation from the trigger it was
     * meant to start at, and keeps the goal a little above it. */
    grt_pacer.triggered = atomic_load(&grt_pacer.trigger);
    grt_pacer_commit();
    grt_gcmark_prepare();
    atomic_store(&cyc.assist_ns, 0);
    atomic_store(&cyc.dedicated_ns, 0);
    atomic_store(&cyc.fractional_ns, 0);
    atomic_store(&cyc.idle_ns, 0);
    atomic_store(&cyc.bg_credit, 0);
    atomic_store(&cyc.terminating, 0);
    cyc.mark_restarts = 0;
    /* Background workers: 25% of the Ps, Go's rounding rule. */
    double total = procs * 0.25;
    int ded = (int)(total + 0.5);
    double err = total > 0 ? ded / total - 1 : 0;
    cyc.frac_goal = 0;
    if (err < -0.3 || err > 0.3) {
        if (ded > total)
            ded--;
        cyc.frac_goal = (total - ded) / procs;
    }
    cyc.dedicated = ded;
    atomic_store(&grt_gcphase, GRT_GC_MARK);
    atomic_store(&grt_writebarrier, 1);
    atomic_store(&grt_gcblackenenabled, 1);
    /* The globals now; stacks and channel buffers during the concurrent
     * mark (mgcmark.c: each stack while its goroutine does not run, so it
     * needs no rescan at the end). */
    grt_gcmark_begin();
    if (grt_debug.gcstoptheworld) {
        cyc.t_mark = grt_nanotime();
        grt_gcmark_roots_stw();
        finish_cycle(0);
        return;
    }
    grt_gcmark_publish();
    revise_assist_ratio();
    if (grt_debug.gcpacertrace > 0)
        fprintf(stderr,
                "pacer: assist ratio=%g (scan %llu MB in %llu->%llu MB, "
                "trigger %llu MB) workers=%d+%g\n",
                atomic_load(&cyc.assist_work_per_byte),
                (unsigned long long)((grt_pacer.last_heap_scan +
                                      grt_pacer.last_stack_scan +
                                      grt_pacer.globals_scan) >>
                                     20),
                (unsigned long long)(cyc.heap0 >> 20),
                (unsigned long long)(atomic_load(&grt_pacer.goal) >> 20),
                (unsigned long long)(grt_pacer.triggered >> 20), ded,
                cyc.frac_goal);
    for (int i = 0; i < ded; i++)
        grt_go(grt_gc_bg_worker, (void *)(uintptr_t)0);
    if (cyc.frac_goal > 0)
        grt_go(grt_gc_bg_worker, (void *)(uintptr_t)1);
    cyc.t_mark = grt_nanotime();
    grt_start_the_world(cyc.t_start);
    grt_gcscan_self(); /* this goroutine runs on: its stack first */
}

/* Mark termination, world stopped: the rest of the grey objects (write
 * barrier shades), then flush caches, account, flip, restart. */
static void finish_cycle(uint64_t t_stw2) {
    grt_gcmark_end_roots();
    grt_gcmark_stw_collect();
    grt_gcmark_drain(-1);
    cyc.t_markterm = t_stw2 != 0 ? t_stw2 : grt_nanotime();
    atomic_store(&grt_gcblackenenabled, 0);
    atomic_store(&grt_writebarrier, 0);
    atomic_store(&grt_gcphase, GRT_GC_MARKTERM);
    if (grt_debug.gccheckmark)
        grt_gc_checkmark();
    grt_gcmark_done();
    int procs = cyc.procs;
    uint64_t heap1 = atomic_load(&grt_pacer.heap_live);
    flush_all_mcaches();
    uint64_t marked = grt_gcmark_bytes_marked();
    uint64_t scan_work = atomic_load(&grt_gcwork.heap_scan) +
                         atomic_load(&grt_gcwork.stack_scan) +
                         atomic_load(&grt_gcwork.globals_scan);
    grt_pacer_end_cycle(cyc.t_markterm - cyc.t_mark,
                        atomic_load(&cyc.assist_ns), atomic_load(&cyc.idle_ns),
                        procs, scan_work);
    grt_pacer.heap_marked = marked;
    grt_pacer.triggered = UINT64_MAX;
    grt_pacer.last_heap_scan = atomic_load(&grt_gcwork.heap_scan);
    grt_pacer.last_stack_scan = atomic_load(&grt_gcwork.stack_scan);
    grt_pacer.globals_scan = atomic_load(&grt_gcwork.globals_scan);
    atomic_store(&grt_pacer.heap_live, marked);
    grt_pacer_commit();
    grt_sweep_flip();
    atomic_store(&grt_gcphase, GRT_GC_OFF);
    uint64_t t_end = grt_nanotime();
    cyc.t_end = t_end;

    bool stw_mark = grt_debug.gcstoptheworld != 0;
    uint64_t t_start = cyc.t_start, t_mark = cyc.t_mark,
             t_markterm = cyc.t_markterm;
    uint64_t mark_ns = t_markterm - t_mark;
    uint64_t ded = atomic_load(&cyc.dedicated_ns),
             frac = atomic_load(&cyc.fractional_ns),
             assist = atomic_load(&cyc.assist_ns),
             idle = atomic_load(&cyc.idle_ns);
    if (stw_mark)
        ded = mark_ns;
    uint64_t cpu[5] = {(t_mark - t_start) * (uint64_t)procs, assist, ded + frac,
                       idle, (t_end - t_markterm) * (uint64_t)procs};
    grt_lock_acquire(&gcs_lock);
    uint64_t n = ++gcs.cycles;
    if (cyc.forced)
        gcs.forced++;
    gcs.last_heap0 = cyc.heap0;
    gcs.last_heap1 = heap1;
    gcs.last_heap2 = marked;
    gcs.last_goal = atomic_load(&grt_pacer.goal);
    gcs.last_trigger = atomic_load(&grt_pacer.trigger);
    gcs.mark_wall_ns += mark_ns;
    gcs.mark_assist_ns += assist;
    gcs.mark_dedicated_ns += ded;
    gcs.mark_fractional_ns += frac;
    gcs.mark_idle_ns += idle;
    gcs.gc_cpu_ns += cpu[0] + cpu[1] + cpu[2] + cpu[3] + cpu[4];
    gcs.heap_scan_total += grt_pacer.last_heap_scan;
    gcs.stack_scan_total += grt_pacer.last_stack_scan;
    gcs.globals_scan_total += grt_pacer.globals_scan;
    gcs.noscan_total += atomic_load(&grt_gcwork.noscan_bytes);
    gcs.marked_total += marked;
    gcs.last_end_ns = t_end;
    uint64_t elapsed = (t_end - grt_sched.start_ns) * (uint64_t)procs;
    int util = elapsed ? (int)(gcs.gc_cpu_ns * 100 / elapsed) : 0;
    grt_lock_release(&gcs_lock);
    bool forced = cyc.forced;
    uint64_t heap0 = cyc.heap0, goal = atomic_load(&grt_pacer.goal);
    grt_lock_acquire(&done_lock);
    int32_t waiters = done_waiters;
    done_waiters = 0;
    grt_lock_release(&done_lock);
    grt_start_the_world(stw_mark ? t_start : t_markterm);
    wake_all_assists();
    if (grt_debug.gctrace > 0)
        gctrace_line(n, t_start, t_mark, t_markterm, t_end, cpu, heap0, heap1,
                     marked, goal, grt_pacer.last_stack_scan,
                     grt_pacer.globals_scan, procs, forced, util);
    for (int32_t i = 0; i < waiters; i++)
        grt_semrelease(&done_sema, false);
}

/* Go's gcMarkDone: called by a marker that found no work. True if this
 * call ended the mark. */
static bool try_mark_done(void) {
    if (!grt_gcmark_roots_done()) {
        grt_gcmark_roots_job();
        if (!grt_gcmark_roots_done())
            return false;
    }
    if (!grt_gcmark_quiescent())
        return false;
    uint32_t zero = 0;
    if (!atomic_compare_exchange_strong(&cyc.terminating, &zero, 1))
        return false; /* another marker is checking; retry later */
    if (!grt_gcmark_quiescent()) {
        atomic_store(&cyc.terminating, 0);
        return false;
    }
    uint64_t t = grt_stop_the_world();
    /* A write barrier may have greyed objects on its P since the check
     * (Go's gcMarkDone finds the same): then mark on instead of draining
     * it all in the pause, up to a few times. */
    if (!grt_gcmark_stw_collect() && ++cyc.mark_restarts <= 3) {
        atomic_store(&cyc.terminating, 0);
        grt_start_the_world(t);
        return false;
    }
    finish_cycle(t); /* restarts the world */
    return true;
}

/* Background mark worker: a goroutine per dedicated worker, one for the
 * fractional share. Works in chunks of scan work small enough that a
 * stop-the-world request is seen within tens of microseconds. */
void grt_gc_bg_worker(void *arg) {
    bool fractional = (uintptr_t)arg != 0;
    double goal = cyc.frac_goal * cyc.procs; /* CPUs for this worker */
    uint64_t mine = 0;
    while (atomic_load(&grt_gcphase) == GRT_GC_MARK &&
           atomic_load(&grt_gcblackenenabled)) {
        uint64_t t0 = grt_nanotime();
        grt_gcmark_roots_job();
        int64_t w = grt_gcmark_drain_chunk(64 << 10);
        uint64_t dt = grt_nanotime() - t0;
        mine += dt;
        atomic_fetch_add(fractional ? &cyc.fractional_ns : &cyc.dedicated_ns,
                         dt);
        if (w > 0) {
            revise_assist_ratio();
            flush_bg_credit(w);
        } else if (try_mark_done()) {
            return;
        } else {
            grt_sleep(20000); /* others hold the last grey objects */
            continue;
        }
        if (fractional) {
            uint64_t now = grt_nanotime(), el = now - cyc.t_mark;
            if (goal > 0 && (double)mine > goal * (double)el) {
                uint64_t need = (uint64_t)((double)mine / goal) - el;
                grt_sleep(need < 20000 ? 20000 : need);
            } else {
                grt_gosched();
            }
        } else {
            /* Dedicated: this P is the worker's for the whole mark; it
             * yields only to goroutines waiting here (the safepoint still
             * answers a stop-the-world). */
            struct grt_p *p = grt_curg()->m->p;
            if (!grt_runqempty(p) ||
                atomic_load_explicit(&grt_sched.runqsize,
                                     memory_order_relaxed) > 0)
                grt_gosched();
            else
                GRT_SAFEPOINT();
        }
    }
}

/* An idle P's scheduler marks instead of sleeping (Go's idle worker). */
bool grt_gc_idle_mark(void) {
    if (!atomic_load_explicit(&grt_gcblackenenabled, memory_order_relaxed) ||
        (grt_gcmark_work_empty() && grt_gcmark_roots_done()))
        return false;
    uint64_t t0 = grt_nanotime();
    grt_gcmark_roots_job();
    int64_t w = grt_gcmark_drain_chunk(64 << 10);
    atomic_fetch_add(&cyc.idle_ns, grt_nanotime() - t0);
    if (w > 0)
        flush_bg_credit(w);
    return w > 0;
}

static void need_goroutine(const char *what) {
    if (!grt_tls_is_m || grt_curg()->is_g0 || grt_curg()->m->p == NULL)
        grt_throw("%s: call it from a goroutine (inside grt_run)", what);
}

void grt_gc_maybe_start(void) {
    if (atomic_load(&grt_gcphase) != GRT_GC_OFF)
        return;
    if (!grt_mutex_trylock(&gc_mu))
        return; /* a cycle is starting */
    if (atomic_load(&grt_gcphase) == GRT_GC_OFF && grt_gc_trigger_reached())
        gc_start(false);
    grt_mutex_unlock(&gc_mu);
}

/* The GOMEMLIMIT CPU limiter (Go 1.19's gcCPULimiter, simplified): while
 * a memory limit is set and GC work in this cycle has used more than half
 * of the CPU time available since marking began, assists stop and the
 * heap may overshoot the limit instead. */
static bool cpu_limited(void) {
    if (atomic_load(&grt_pacer.mem_limit) == INT64_MAX)
        return false;
    uint64_t el = (grt_nanotime() - cyc.t_mark) * (uint64_t)cyc.procs;
    uint64_t gc = atomic_load(&cyc.assist_ns) + atomic_load(&cyc.dedicated_ns) +
                  atomic_load(&cyc.fractional_ns);
    return el > 1000000 && gc * 2 > el;
}

/* Scan work an assist does at least (Go's gcOverAssistWork): a small
 * debt is over-paid, and the surplus is credit for the next allocations,
 * so that assists come in pieces worth their overhead. */
#define OVER_ASSIST_WORK ((int64_t)64 << 10)
/* Scan work between two safepoints of an assist. */
#define ASSIST_CHUNK ((int64_t)256 << 10)

/* Go's gcAssistAlloc: an allocating goroutine in debt (g->gcassist < 0,
 * bytes) pays it in scan work at the current ratio: first from the
 * workers' banked credit, then by marking itself; what it still owes when
 * no grey object is left to take, it waits for on the assist queue. */
void grt_gc_assist(grt_mcache *c, size_t bytes) {
    (void)c;
    if (!atomic_load_explicit(&grt_gcblackenenabled, memory_order_relaxed))
        return;
    grt_g *g = grt_curg();
    g->gcassist -= (int64_t)bytes;
    if (g->gcassist >= 0)
        return;
    revise_assist_ratio(); /* heap_live moved: Go revises on every refill */
    for (;;) {
        if (!atomic_load(&grt_gcblackenenabled)) {
            g->gcassist = 0; /* the cycle is over: debt forgotten */
            return;
        }
        if (cpu_limited())
            return; /* the limiter: no assists, the heap may overshoot */
        double wpb = atomic_load(&cyc.assist_work_per_byte);
        double bpw = atomic_load(&cyc.assist_bytes_per_work);
        int64_t debt = -g->gcassist;
        int64_t work = (int64_t)(wpb * (double)debt);
        if (work < OVER_ASSIST_WORK) {
            work = OVER_ASSIST_WORK;
            debt = (int64_t)(bpw * (double)work);
        }
        /* Steal the workers' credit (racy: the pool may dip below zero,
         * then steals fail until it refills). */
        int64_t credit = atomic_load(&cyc.bg_credit);
        if (credit > 0) {
            int64_t stolen = credit < work ? credit : work;
            if (stolen < work)
                g->gcassist += 1 + (int64_t)(bpw * (double)stolen);
            else
                g->gcassist += debt;
            atomic_fetch_sub(&cyc.bg_credit, stolen);
            work -= stolen;
            if (work == 0)
                return;
        }
        /* Mark, in chunks with a safepoint between them. */
        uint64_t t0 = grt_nanotime();
        int64_t done = 0;
        while (done < work) {
            int64_t want = work - done;
            int64_t d = grt_gcmark_drain_chunk(
                want < ASSIST_CHUNK ? want : ASSIST_CHUNK);
            done += d;
            if (d == 0)
                break;
            GRT_SAFEPOINT();
            if (!atomic_load(&grt_gcblackenenabled))
                break;
        }
        atomic_fetch_add(&cyc.assist_ns, grt_nanotime() - t0);
        g->gcassist += 1 + (int64_t)(bpw * (double)done);
        if (g->gcassist >= 0)
            return;
        /* Nothing left to take: maybe the mark is over (try_mark_done
         * also takes a root job if any is left). */
        if (try_mark_done()) {
            g->gcassist = 0;
            return;
        }
        if (park_assist())
            return;
    }
}

/* Park until the running cycle ends; false if none runs. */
static bool wait_cycle(void) {
    grt_lock_acquire(&done_lock);
    if (atomic_load(&grt_gcphase) == GRT_GC_OFF) {
        grt_lock_release(&done_lock);
        return false;
    }
    done_waiters++;
    grt_lock_release(&done_lock);
    grt_semacquire(&done_sema, false, GRT_WAIT_USER);
    return true;
}

void grt_gc(void) {
    grt_heap_init();
    need_goroutine("grt_gc");
    /* Go's runtime.GC: finish the cycle under way, then run a full one
     * and wait for it. */
    wait_cycle();
    grt_mutex_lock(&gc_mu);
    while (atomic_load(&grt_gcphase) != GRT_GC_OFF) {
        grt_mutex_unlock(&gc_mu);
        wait_cycle();
        grt_mutex_lock(&gc_mu);
    }
    /* Register as a waiter before the cycle can end. */
    grt_lock_acquire(&done_lock);
    done_waiters++;
    grt_lock_release(&done_lock);
    gc_start(true);
    grt_mutex_unlock(&gc_mu);
    grt_semacquire(&done_sema, false, GRT_WAIT_USER);
    grt_sweep_all();
}

int grt_set_gc_percent(int percent) {
    grt_heap_init();
    if (percent < 0)
        percent = -1;
    grt_lock_acquire(&grt_mheap.lock);
    int64_t old = atomic_exchange(&grt_pacer.gc_percent, percent);
    grt_pacer.heap_minimum =
        percent >= 0 ? GRT_HEAP_MINIMUM * (uint64_t)percent / 100 : 0;
    grt_pacer_commit();
    grt_lock_release(&grt_mheap.lock);
    /* Go's SetGCPercent: if the new trigger is already behind us, a cycle
     * starts at the next allocation slow path. */
    return (int)old;
}

int64_t grt_set_memory_limit(int64_t bytes) {
    grt_heap_init();
    if (bytes < 0)
        return atomic_load(&grt_pacer.mem_limit);
    grt_lock_acquire(&grt_mheap.lock);
    int64_t old = atomic_exchange(&grt_pacer.mem_limit, bytes);
    grt_pacer_commit();
    grt_lock_release(&grt_mheap.lock);
    return old;
}

void grt_free_os_memory(void) {
    grt_heap_init();
    grt_gc();
    grt_scavenge_to(0);
}

/* ---- statistics -------------------------------------------------------------------------- */

uint64_t grt_sweep_freed_objects(void);

void grt_gc_stats_fill(grt_stats *s) {
    if (atomic_load(&heap_state) != 2)
        return;
    grt_lock_acquire(&gcs_lock);
    s->gc_cycles = gcs.cycles;
    s->gc_forced = gcs.forced;
    s->gc_last_heap_start = gcs.last_heap0;
    s->gc_last_heap_end = gcs.last_heap1;
    s->gc_last_heap_live = gcs.last_heap2;
    s->gc_mark_wall_ns = gcs.mark_wall_ns;
    s->gc_mark_assist_ns = gcs.mark_assist_ns;
    s->gc_mark_dedicated_ns = gcs.mark_dedicated_ns;
    s->gc_mark_fractional_ns = gcs.mark_fractional_ns;
    s->gc_mark_idle_ns = gcs.mark_idle_ns;
    s->gc_cpu_ns = gcs.gc_cpu_ns;
    s->gc_heap_scan_bytes = gcs.heap_scan_total;
    s->gc_stack_scan_bytes = gcs.stack_scan_total;
    s->gc_globals_scan_bytes = gcs.globals_scan_total;
    s->gc_noscan_marked_bytes = gcs.noscan_total;
    s->gc_marked_bytes = gcs.marked_total;
    grt_lock_release(&gcs_lock);
    s->gc_heap_goal = atomic_load(&grt_pacer.goal);
    s->gc_trigger = atomic_load(&grt_pacer.trigger);
    s->heap_live = atomic_load(&grt_pacer.heap_live);
    s->heap_inuse = atomic_load(&grt_mheap.inuse);
    s->heap_free = atomic_load(&grt_mheap.free_ready);
    s->heap_released = atomic_load(&grt_mheap.scavenged);
    s->heap_scavenged_total = atomic_load(&grt_mheap.released_total);
    s->heap_mapped = atomic_load(&grt_mheap.arena_used) - grt_mheap.arena_base;
    s->heap_meta = atomic_load(&grt_mheap.meta);
    s->heap_freed_objects = grt_sweep_freed_objects();
    s->gc_percent = (int)atomic_load(&grt_pacer.gc_percent);
    s->gc_memory_limit = atomic_load(&grt_pacer.mem_limit);
    struct grt_stw_stats st;
    grt_stw_stats_read(&st);
    s->stw_pauses = st.pauses;
    s->stw_pause_total_ns = st.total_ns;
    s->stw_pause_max_ns = st.max_ns;
    memcpy(s->stw_pause_hist, st.hist, sizeof s->stw_pause_hist);
}
