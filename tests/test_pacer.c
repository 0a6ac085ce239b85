/*
 * test_pacer.c - the GC pacer's arithmetic (runtime/mgcpacer.c), checked
 * against Go 1.19's rules with made-up inputs, no heap and no goroutine:
 *
 *   goal     marked + (marked + stacks + globals) x GOGC/100, floored at
 *            4 MiB x GOGC/100; none with GOGC=off; the memory limit's
 *            goal (limit - non-heap memory - overage - 1 MiB, never below
 *            marked) when smaller; 64 KiB above the running cycle's
 *            trigger when not limited
 *   trigger  goal - runway, runway = cons/mark x 3 x expected scan work,
 *            clamped to [0.7, 0.95] of the way from marked to the goal
 *            (0.95 relaxed to goal - 4 MiB for large heaps)
 *   assists  scan work left / heap left to the goal; past the estimate,
 *            the goal stretched over the worst case but at most goal x
 *            (1 + GOGC/100); past the goal, goal x 1.1 and the worst case
 *   cons/mark the measured ratio of one cycle (Go's endCycle)
 *
 * Each check names the rule it guards: change the rule and one fails.
 */
#include "check.h"
#include "grt_malloc.h"

#include <math.h>
#include <stdint.h>

#define MIB ((uint64_t)1 << 20)

static struct grt_pacer pacer(int64_t gogc, uint64_t marked, double cm) {
    struct grt_pacer p = {.triggered = UINT64_MAX};
    atomic_store(&p.gc_percent, gogc);
    atomic_store(&p.mem_limit, INT64_MAX);
    p.heap_minimum = gogc >= 0 ? GRT_HEAP_MINIMUM * (uint64_t)gogc / 100 : 0;
    p.heap_marked = marked;
    p.last_heap_scan = marked;
    p.cons_mark = cm;
    return p;
}

static const grt_pacer_mem no_mem = {0, 0, 0};

static bool near(double a, double b, double tol) {
    return fabs(a - b) <= tol * fabs(b);
}

static void test_goal(void) {
    /* GOGC scales the growth over the live heap, stacks and globals. */
    struct grt_pacer p = pacer(100, 64 * MIB, 0);
    CHECK(grt_pacer_goal_of(&p, &no_mem) == 128 * MIB);
    p = pacer(50, 64 * MIB, 0);
    CHECK(grt_pacer_goal_of(&p, &no_mem) == 96 * MIB);
    p = pacer(200, 64 * MIB, 0);
    CHECK(grt_pacer_goal_of(&p, &no_mem) == 192 * MIB);
    p = pacer(400, 64 * MIB, 0);
    CHECK(grt_pacer_goal_of(&p, &no_mem) == 320 * MIB);
    p = pacer(100, 64 * MIB, 0);
    p.last_stack_scan = 2 * MIB;
    p.globals_scan = 1 * MIB;
    CHECK(grt_pacer_goal_of(&p, &no_mem) == 131 * MIB);
    /* The heap minimum: 4 MiB x GOGC/100. */
    p = pacer(100, 1 * MIB, 0);
    CHECK(grt_pacer_goal_of(&p, &no_mem) == 4 * MIB);
    p = pacer(200, 1 * MIB, 0);
    CHECK(grt_pacer_goal_of(&p, &no_mem) == 8 * MIB);
    /* GOGC=off: no goal, no trigger. */
    p = pacer(-1, 64 * MIB, 0);
    CHECK(grt_pacer_goal_of(&p, &no_mem) == UINT64_MAX);
    CHECK(grt_pacer_trigger_of(&p, UINT64_MAX) == UINT64_MAX);
    /* A cycle running since trigger T: the goal stays 64 KiB above T. */
    p = pacer(100, 64 * MIB, 0);
    p.triggered = 128 * MIB;
    CHECK(grt_pacer_goal_of(&p, &no_mem) == 128 * MIB + (64 << 10));
}

static void test_memory_limit(void) {
    /* GOGC=400 over 32 MiB marked: a GOGC goal of 160 MiB. A limit of
     * 100 MiB with 120 MiB mapped, 30 free and 70 in heap spans: 20 MiB
     * outside the heap, 20 MiB over the limit, 1 MiB of headroom: 59. */
    struct grt_pacer p = pacer(400, 32 * MIB, 0);
    atomic_store(&p.mem_limit, (int64_t)(100 * MIB));
    grt_pacer_mem m = {.mapped_ready = 120 * MIB,
                       .heap_free = 30 * MIB,
                       .heap_inuse = 70 * MIB};
    CHECK(grt_pacer_goal_of(&p, &m) == 100 * MIB - 20 * MIB - 20 * MIB - MIB);
    /* Within the limit: no overage, 10 MiB outside the heap: 89. */
    m.mapped_ready = 90 * MIB;
    m.heap_free = 10 * MIB;
    m.heap_inuse = 70 * MIB;
    CHECK(grt_pacer_goal_of(&p, &m) == 100 * MIB - 10 * MIB - MIB);
    /* Never below the marked heap: 40 - 10 - 1 < 32. */
    atomic_store(&p.mem_limit, (int64_t)(40 * MIB));
    CHECK(grt_pacer_goal_of(&p, &m) == 32 * MIB);
    /* The GOGC goal wins when smaller. */
    atomic_store(&p.mem_limit, (int64_t)(1024 * MIB));
    CHECK(grt_pacer_goal_of(&p, &m) == 160 * MIB);
    /* GOGC=off with a limit: the limit's goal alone. */
    p = pacer(-1, 64 * MIB, 0);
    atomic_store(&p.mem_limit, (int64_t)(200 * MIB));
    CHECK(grt_pacer_goal_of(&p, &m) == 200 * MIB - 10 * MIB - MIB);
    /* In the limit regime the trigger's 64 KiB runway does not apply. */
    atomic_store(&p.mem_limit, (int64_t)(50 * MIB));
    p.triggered = 64 * MIB;
    CHECK(grt_pacer_goal_of(&p, &m) == 64 * MIB);
}

static void test_trigger(void) {
    /* No cons/mark yet: no runway, the trigger at the upper clamp, 0.95
     * (61/64) of the way... */
    struct grt_pacer p = pacer(100, 64 * MIB, 0);
    uint64_t goal = grt_pacer_goal_of(&p, &no_mem);
    CHECK(grt_pacer_runway_of(&p) == 0);
    CHECK(grt_pacer_trigger_of(&p, goal) == 64 * MIB + 64 * MIB / 64 * 61);
    /* ...or goal - 4 MiB for a large heap, where that is higher. */
    p = pacer(100, 640 * MIB, 0);
    goal = grt_pacer_goal_of(&p, &no_mem);
    CHECK(grt_pacer_trigger_of(&p, goal) == 1276 * MIB);
    /* A small heap: 0.95 of the way (61/64). */
    p = pacer(100, 2 * MIB, 0);
    goal = grt_pacer_goal_of(&p, &no_mem); /* 4 MiB minimum */
    CHECK(goal == 4 * MIB);
    CHECK(grt_pacer_trigger_of(&p, goal) == 2 * MIB + 2 * MIB / 64 * 61);
    /* runway = cons/mark x (1-0.25)/0.25 x scan: 0.05 x 3 x 64 MiB. */
    p = pacer(100, 64 * MIB, 0.05);
    goal = grt_pacer_goal_of(&p, &no_mem);
    CHECK(near((double)grt_pacer_runway_of(&p), 0.15 * 64 * MIB, 1e-6));
    CHECK(near((double)grt_pacer_trigger_of(&p, goal),
               (double)goal - 0.15 * 64 * MIB, 1e-6));
    /* A large cons/mark: clamped at 0.7 (45/64) of the way. */
    p = pacer(100, 64 * MIB, 5.0);
    goal = grt_pacer_goal_of(&p, &no_mem);
    CHECK(grt_pacer_trigger_of(&p, goal) == 64 * MIB + 64 * MIB / 64 * 45);
    /* The same at GOGC=400: the clamps scale with the distance. */
    p = pacer(400, 64 * MIB, 5.0);
    goal = grt_pacer_goal_of(&p, &no_mem);
    CHECK(goal == 320 * MIB);
    CHECK(grt_pacer_trigger_of(&p, goal) == 64 * MIB + 256 * MIB / 64 * 45);
    /* Doubling GOGC doubles the distance marked -> trigger at a fixed
     * cons/mark in the clamped regime. */
    struct grt_pacer a = pacer(100, 64 * MIB, 5.0),
                     b = pacer(200, 64 * MIB, 5.0);
    uint64_t ta = grt_pacer_trigger_of(&a, grt_pacer_goal_of(&a, &no_mem));
    uint64_t tb = grt_pacer_trigger_of(&b, grt_pacer_goal_of(&b, &no_mem));
    CHECK(tb - 64 * MIB == 2 * (ta - 64 * MIB));
    /* marked at or past the goal (the limit): trigger = goal. */
    p = pacer(100, 64 * MIB, 0.1);
    CHECK(grt_pacer_trigger_of(&p, 64 * MIB) == 64 * MIB);
    /* The trigger never passes the goal. */
    for (double cm = 0; cm < 3; cm += 0.05) {
        p = pacer(100, 10 * MIB, cm);
        goal = grt_pacer_goal_of(&p, &no_mem);
        uint64_t t = grt_pacer_trigger_of(&p, goal);
        CHECK(t < goal && t >= 10 * MIB + 10 * MIB / 64 * 45);
    }
}

static void test_assist_ratio(void) {
    /* Steady state: 64 MiB of scan work expected, 32 MiB of heap to the
     * goal, 16 MiB of it done: 48 MiB left over 32 MiB... */
    struct grt_pacer p = pacer(100, 64 * MIB, 0.1);
    p.triggered = 96 * MIB;
    double r =
        grt_pacer_assist_ratio_of(&p, 128 * MIB, 96 * MIB, 200 * MIB, 16 * MIB);
    CHECK(near(r, 48.0 / 32.0, 1e-9));
    /* No work done, halfway to the goal: 64 / 16. */
    r = grt_pacer_assist_ratio_of(&p, 128 * MIB, 112 * MIB, 200 * MIB, 0);
    CHECK(near(r, 4.0, 1e-9));
    /* Past the goal: goal x 1.1, work bounded by the worst case (all of
     * max_scan): (150 MiB - 10 MiB) / (140.8 MiB - 130 MiB). */
    r = grt_pacer_assist_ratio_of(&p, 128 * MIB, 130 * MIB, 150 * MIB,
                                  10 * MIB);
    CHECK(near(r, 140.0 / (128 * 1.1 - 130), 1e-9));
    /* Past even goal x 1.1: one byte of room, all the work due now. */
    r = grt_pacer_assist_ratio_of(&p, 128 * MIB, 150 * MIB, 150 * MIB,
                                  10 * MIB);
    CHECK(r >= 140.0 * MIB);
    /* More work than expected (the heap grew): the goal stretches over
     * the worst case, (128-96)/64 x 160 + 96 = 176 MiB, below the hard
     * goal 128 x 2 = 256 MiB; work left 160 - 80 = 80 MiB over 176-120. */
    r = grt_pacer_assist_ratio_of(&p, 128 * MIB, 120 * MIB, 160 * MIB,
                                  80 * MIB);
    CHECK(near(r, 80.0 / 56.0, 1e-9));
    /* ...but never past goal x (1 + GOGC/100): at GOGC=25 the hard goal
     * is 160 MiB: 400 MiB of worst-case work stretched would pass it. */
    p = pacer(25, 64 * MIB, 0.1);
    p.triggered = 70 * MIB;
    r = grt_pacer_assist_ratio_of(&p, 80 * MIB, 75 * MIB, 400 * MIB, 70 * MIB);
    CHECK(near(r, (400.0 - 70.0) / (100.0 - 75.0), 1e-9));
    /* The floor on work left: 1000 units. */
    p = pacer(100, 64 * MIB, 0.1);
    r = grt_pacer_assist_ratio_of(&p, 128 * MIB, 100 * MIB, 64 * MIB, 64 * MIB);
    CHECK(near(r, 1000.0 / (28 * MIB), 1e-9));
}

static void test_cons_mark(void) {
    /* 32 MiB allocated past the trigger while 64 MiB were scanned at
     * 25% utilization, no idle: 32 x 0.25 / (64 x 0.75) = 1/6. */
    double c = grt_pacer_cons_mark_of(128 * MIB, 96 * MIB, 64 * MIB, 0.25, 0);
    CHECK(near(c, 1.0 / 6.0, 1e-12));
    /* Idle marking counts as scanning CPU: (0.25+0.25)/0.75 x 0.5. */
    c = grt_pacer_cons_mark_of(128 * MIB, 96 * MIB, 64 * MIB, 0.25, 0.25);
    CHECK(near(c, 1.0 / 3.0, 1e-12));
    /* Nothing allocated past the trigger, or no scan work: no figure. */
    CHECK(grt_pacer_cons_mark_of(96 * MIB, 96 * MIB, 64 * MIB, 0.25, 0) < 0);
    CHECK(grt_pacer_cons_mark_of(128 * MIB, 96 * MIB, 0, 0.25, 0) < 0);
    /* The runway it gives: cons/mark 1/6 over 64 MiB scanned: 32 MiB,
     * what the cycle allocated. */
    struct grt_pacer p = pacer(100, 64 * MIB, 1.0 / 6.0);
    CHECK(near((double)grt_pacer_runway_of(&p), 32.0 * MIB, 1e-9));
}

int main(void) {
    test_goal();
    test_memory_limit();
    test_trigger();
    test_assist_ratio();
    test_cons_mark();
    return hx_check_done();
}
