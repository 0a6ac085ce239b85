/*
 * mgcpacer.c - the GC pacer (Go 1.19's mgcpacer.go): when to start a
 * cycle and how large the heap may grow.
 *
 * Heap goal. With GOGC = g percent, after a cycle that found heapMarked
 * bytes live:
 *
 *     goal = heapMarked + (heapMarked + stackScan + globalsScan) * g / 100
 *
 * floored at heapMinimum = 4 MiB * g / 100 (Go's defaultHeapMinimum scaled
 * by GOGC, so a tiny program at GOGC=100 first collects near 4 MiB).
 * GOGC=off (g < 0) removes this goal. A memory limit (GOMEMLIMIT or
 * grt_set_memory_limit) gives a second goal: the limit minus the memory
 * that is not heap objects (mapped and not returned, less free heap and
 * less in-use heap spans), minus any overage, minus 1 MiB of headroom, but
 * never below heapMarked. The smaller goal wins.
 *
 * Trigger. A cycle must start early enough to finish marking before the
 * heap reaches the goal. Go measures the cons/mark ratio: bytes allocated
 * per byte of scan work during the last cycles, fed through a PI
 * controller (kp 0.9, ti 4, Go's tuning), and leaves a runway of
 *
 *     runway = consMark * (1 - u) / u * (lastHeapScan + stackScan + globals)
 *
 * with u = 0.25 the background utilization; trigger = goal - runway,
 * clamped to at least 0.7 (45/64) and at most 0.95 (61/64) of the way from
 * heapMarked to the goal, the upper clamp relaxed to goal - 4 MiB for
 * large heaps. A stop-the-world cycle allocates nothing while it marks, so
 * it does not move the ratio. As in Go 1.19, a cycle's allocation is
 * counted from the trigger it was due at (triggered), not from where it
 * actually began.
 *
 * Assists (Go's revise). While marking, an allocating goroutine owes
 * (scan work expected - done) / (goal - heap now) units of scan work per
 * byte. Past the expected work the heap is growing: the runway is
 * stretched over the worst case (all of the heap scannable) but never
 * past goal x (1 + GOGC/100); past the goal itself, the target becomes
 * goal x 1.1 with the worst case as the work left. The arithmetic is in
 * pure functions (grt_pacer_*_of) that tests/test_pacer.c checks; GODEBUG=
 * gcpacertrace=1 prints the pacer's view at each cycle's start and end.
 *
 * The scavenger's goals come from here too: keep retained heap memory
 * within 10% above the heap goal, and mapped memory at most 95% of the
 * memory limit (Go's retainExtraPercent and reduceExtraPercent).
 */
#include "grt_malloc.h"

#include <math.h>
#include <stdio.h>

#define TRIGGER_RATIO_DEN 64
#define MIN_TRIGGER_NUM   45
#define MAX_TRIGGER_NUM   61
#define GOAL_UTILIZATION  0.25
#define LIMIT_HEADROOM    ((uint64_t)1 << 20)
#define MIN_RUNWAY        ((uint64_t)64 << 10) /* Go's minRunway */
#define MAX_OVERSHOOT     1.1    /* past the goal: pace to goal x 1.1 */
#define MIN_SCAN_LEFT     1000.0 /* Go's floor on scan work remaining */

struct grt_pacer grt_pacer = {.triggered = UINT64_MAX};

uint64_t grt_pacer_mapped_ready(void) {
    uint64_t mapped = atomic_load(&grt_mheap.arena_used) - grt_mheap.arena_base;
    uint64_t scav = atomic_load(&grt_mheap.scavenged);
    uint64_t ready = mapped > scav ? mapped - scav : 0;
    return ready + atomic_load(&grt_mheap.meta) + grt_pacer.last_stack_scan;
}

static uint64_t memory_limit_goal(const struct grt_pacer *p,
                                  const grt_pacer_mem *m) {
    int64_t lim = atomic_load(&p->mem_limit);
    if (lim == INT64_MAX)
        return UINT64_MAX;
    uint64_t limit = (uint64_t)lim;
    uint64_t mapped = m->mapped_ready;
    uint64_t nonheap = mapped > m->heap_free + m->heap_inuse
                           ? mapped - m->heap_free - m->heap_inuse
                           : 0;
    uint64_t overage = mapped > limit ? mapped - limit : 0;
    if (nonheap + overage >= limit)
        return p->heap_marked;
    uint64_t goal = limit - (nonheap + overage);
    if (goal < LIMIT_HEADROOM || goal - LIMIT_HEADROOM < LIMIT_HEADROOM)
        goal = LIMIT_HEADROOM;
    else
        goal -= LIMIT_HEADROOM;
    if (goal < p->heap_marked)
        goal = p->heap_marked;
    return goal;
}

static uint64_t percent_goal(const struct grt_pacer *p) {
    int64_t pct = atomic_load(&p->gc_percent);
    if (pct < 0)
        return UINT64_MAX;
    uint64_t m = p->heap_marked;
    uint64_t g =
        m + (m + p->last_stack_scan + p->globals_scan) * (uint64_t)pct / 100;
    if (g < p->heap_minimum)
        g = p->heap_minimum;
    return g;
}

uint64_t grt_pacer_goal_of(const struct grt_pacer *p, const grt_pacer_mem *m) {
    uint64_t goal = percent_goal(p), lim = memory_limit_goal(p, m);
    if (lim < goal)
        return lim;
    /* Not limited: keep a little runway above the trigger the running
     * cycle started at (a late start or a large allocation can pass the
     * goal before the cycle begins), as Go does outside the limit regime,
     * where it would rather respond hard. */
    if (p->triggered != UINT64_MAX && goal != UINT64_MAX &&
        goal < p->triggered + MIN_RUNWAY)
        goal = p->triggered + MIN_RUNWAY;
    return goal;
}

uint64_t grt_pacer_runway_of(const struct grt_pacer *p) {
    double r =
        p->cons_mark * (1 - GOAL_UTILIZATION) / GOAL_UTILIZATION *
        (double)(p->last_heap_scan + p->last_stack_scan + p->globals_scan);
    return r >= 1.8e19 ? UINT64_MAX : (uint64_t)r;
}

uint64_t grt_pacer_trigger_of(const struct grt_pacer *p, uint64_t goal) {
    uint64_t marked = p->heap_marked;
    if (goal == UINT64_MAX)
        return UINT64_MAX;
    if (marked >= goal)
        return goal;
    uint64_t d = goal - marked;
    uint64_t min_t = d / TRIGGER_RATIO_DEN * MIN_TRIGGER_NUM + marked;
    uint64_t max_t = d / TRIGGER_RATIO_DEN * MAX_TRIGGER_NUM + marked;
    if (goal > GRT_HEAP_MINIMUM && goal - GRT_HEAP_MINIMUM > max_t)
        max_t = goal - GRT_HEAP_MINIMUM;
    if (max_t < min_t)
        max_t = min_t;
    uint64_t runway = grt_pacer_runway_of(p);
    uint64_t trigger = runway > goal ? min_t : goal - runway;
    if (trigger < min_t)
        trigger = min_t;
    if (trigger > max_t)
        trigger = max_t;
    return trigger;
}

double grt_pacer_assist_ratio_of(const struct grt_pacer *p, uint64_t goal,
                                 uint64_t live, uint64_t max_scan,
                                 uint64_t work_done) {
    int64_t pct = atomic_load(&p->gc_percent);
    if (pct < 0)
        pct = 100000; /* a forced cycle with GOGC=off: GOGC "huge" */
    double heap_goal = (double)goal;
    double expected =
        (double)(p->last_heap_scan + p->last_stack_scan + p->globals_scan);
    double work = (double)work_done, max_work = (double)max_scan;
    if (work > expected) {
        /* More scan work than last cycle's: the heap grew. Stretch the
         * runway we had for `expected` over the worst case (everything
         * scannable is live), but never past goal x (1 + GOGC/100): the
         * next cycle will use that much anyway. */
        double hard = (1.0 + (double)pct / 100.0) * heap_goal;
        double trig = p->triggered == UINT64_MAX ? (double)p->heap_marked
                                                 : (double)p->triggered;
        double ext = expected > 0
                         ? (heap_goal - trig) / expected * max_work + trig
                         : hard;
        if (ext > hard)
            ext = hard;
        heap_goal = ext;
        expected = max_work;
    }
    if ((double)live > heap_goal) {
        /* Past even that: leave a little room and bound the work left by
         * everything scannable. */
        heap_goal *= MAX_OVERSHOOT;
        expected = max_work;
    }
    double left = expected - work;
    if (left < MIN_SCAN_LEFT)
        left = MIN_SCAN_LEFT;
    double room = heap_goal - (double)live;
    if (room < 1)
        room = 1;
    return left / room;
}

double grt_pacer_cons_mark_of(uint64_t live, uint64_t triggered,
                              uint64_t scan_work, double utilization,
                              double idle_utilization) {
    if (live <= triggered || scan_work == 0 || utilization >= 1)
        return -1;
    return (double)(live - triggered) * (utilization + idle_utilization) /
           ((double)scan_work * (1 - utilization));
}

static void mem_now(grt_pacer_mem *m) {
    m->mapped_ready = grt_pacer_mapped_ready();
    m->heap_free = atomic_load(&grt_mheap.free_ready);
    m->heap_inuse = atomic_load(&grt_mheap.inuse);
}

uint64_t grt_pacer_heap_goal(void) {
    grt_pacer_mem m;
    mem_now(&m);
    return grt_pacer_goal_of(&grt_pacer, &m);
}

void grt_pacer_commit(void) {
    grt_pacer_mem m;
    mem_now(&m);
    uint64_t goal = grt_pacer_goal_of(&grt_pacer, &m);
    grt_pacer.runway = grt_pacer_runway_of(&grt_pacer);
    atomic_store(&grt_pacer.goal, goal);
    atomic_store(&grt_pacer.trigger, grt_pacer_trigger_of(&grt_pacer, goal));
}

/* Go's piController.next. */
static double pi_next(double input, double setpoint) {
    const double kp = 0.9, ti = 4.0, tt = 1000, lo = -1000, hi = 1000;
    double raw = kp * (setpoint - input) + grt_pacer.pi_err_integral;
    double out = raw;
    if (!isfinite(out)) {
        grt_pacer.pi_err_integral = 0;
        return 0;
    }
    if (out < lo)
        out = lo;
    else if (out > hi)
        out = hi;
    grt_pacer.pi_err_integral +=
        (kp * 1.0 / ti) * (setpoint - input) + (1.0 / tt) * (out - raw);
    if (!isfinite(grt_pacer.pi_err_integral)) {
        grt_pacer.pi_err_integral = 0;
        return 0;
    }
    return out;
}

void grt_pacer_end_cycle(uint64_t mark_ns, uint64_t assist_ns, uint64_t idle_ns,
                         int procs, uint64_t scan_work) {
    double u = GOAL_UTILIZATION, idle_u = 0;
    if (mark_ns > 0 && procs > 0) {
        u += (double)assist_ns / ((double)mark_ns * procs);
        idle_u = (double)idle_ns / ((double)mark_ns * procs);
    }
    uint64_t live = atomic_load(&grt_pacer.heap_live);
    double cur =
        grt_pacer_cons_mark_of(live, grt_pacer.triggered, scan_work, u, idle_u);
    if (cur < 0)
        return;
    /* The controller's output is the next cons/mark estimate: the input
     * is the old estimate, the setpoint the measured one. */
    double old = grt_pacer.cons_mark;
    grt_pacer.cons_mark = pi_next(grt_pacer.cons_mark, cur);
    if (grt_pacer.cons_mark < 0)
        grt_pacer.cons_mark = 0;
    if (grt_debug.gcpacertrace > 0)
        fprintf(stderr,
                "pacer: %d%% CPU (25 exp.) for %llu B work (%llu B exp.) in "
                "%llu B -> %llu B (goal %llu, cons/mark %g -> %g, measured "
                "%g, idle %d%%)\n",
                (int)(u * 100), (unsigned long long)scan_work,
                (unsigned long long)(grt_pacer.last_heap_scan +
                                     grt_pacer.last_stack_scan +
                                     grt_pacer.globals_scan),
                (unsigned long long)grt_pacer.triggered,
                (unsigned long long)live,
                (unsigned long long)atomic_load(&grt_pacer.goal), old,
                grt_pacer.cons_mark, cur, (int)(idle_u * 100));
}

uint64_t grt_pacer_scavenge_goal(void) {
    uint64_t goal = UINT64_MAX;
    uint64_t hg = atomic_load(&grt_pacer.goal);
    if (hg != UINT64_MAX && atomic_load(&grt_pacer.gc_percent) >= 0)
        goal = hg + hg / 10;
    int64_t lim = atomic_load(&grt_pacer.mem_limit);
    if (lim != INT64_MAX) {
        uint64_t l = (uint64_t)lim / 100 * 95;
        uint64_t other =
            atomic_load(&grt_mheap.meta) + grt_pacer.last_stack_scan;
        l = l > other ? l - other : 0;
        if (l < goal)
            goal = l;
    }
    return goal;
}

void grt_pacer_init(void) {
    int64_t pct = grt_debug.gogc;
    atomic_store(&grt_pacer.gc_percent, pct);
    grt_pacer.heap_minimum =
        pct >= 0 ? GRT_HEAP_MINIMUM * (uint64_t)pct / 100 : 0;
    atomic_store(&grt_pacer.mem_limit, grt_debug.gomemlimit);
    grt_pacer_commit();
}
