/*
 * stats.c - the statistics snapshot and GODEBUG=schedtrace lines.
 *
 * Counters live per P (written by the owner with plain relaxed stores, see
 * grt_internal.h) plus one shared set for code running without a P. A
 * snapshot sums them with relaxed loads: each counter is exact at some
 * instant during the call and never goes backwards, which is what an
 * experiment reading deltas around a repetition needs; the set as a whole
 * is not one atomic cut (that would need stopping the world). Gauges
 * (idle Ps, parked threads) are read from the scheduler's atomics; stack
 * commitment is measured with mincore() (stack.c), so reading statistics
 * costs a system call per stack slab: read them around a measurement, not
 * inside it.
 */
#include "grt_malloc.h"
#include "grt_runtime2.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void add_pstats(grt_stats *s, grt_pstats *ps) {
#define GRT_X_SUM(name)                                                        \
    s->name += atomic_load_explicit(&ps->name, memory_order_relaxed);
    GRT_STAT_COUNTERS(GRT_X_SUM)
#undef GRT_X_SUM
    for (int i = 0; i < GRT_NWAITREASONS; i++)
        s->parks_by_reason[i] +=
            atomic_load_explicit(&ps->parks_by_reason[i], memory_order_relaxed);
}

void grt_stats_read(grt_stats *s) {
    memset(s, 0, sizeof *s);
    int n = atomic_load(&grt_sched.nprocs_made);
    for (int i = 0; i < n; i++)
        add_pstats(s, &grt_allp[i].stats);
    add_pstats(s, &grt_sched.shared_stats);
    s->goroutines =
        (int64_t)s->goroutines_created - (int64_t)s->goroutines_exited;
    s->gomaxprocs = grt_gomaxprocs();
    s->threads = atomic_load(&grt_sched.nm);
    s->idle_procs = atomic_load(&grt_sched.npidle);
    s->idle_threads = atomic_load(&grt_sched.nmidle);
    s->spinning_threads = atomic_load(&grt_sched.nmspinning);
    grt_stack_stats(s);
    grt_gc_stats_fill(s);
}

const char *grt_stats_reason(int i) {
    return grt_wait_reason_name(i);
}

/* One line in the spirit of Go's schedtrace:
 * SCHED 1004ms: gomaxprocs=2 idleprocs=1 threads=4 spinningthreads=0
 * idlethreads=2 runqueue=0 [0 3] */
void grt_schedtrace(uint64_t now) {
    char buf[4096];
    int procs = atomic_load(&grt_sched.gomaxprocs);
    int len = snprintf(
        buf, sizeof buf,
        "SCHED %llums: gomaxprocs=%d idleprocs=%d threads=%d "
        "spinningthreads=%d idlethreads=%d runqueue=%d [",
        (unsigned long long)((now - grt_sched.start_ns) / 1000000), procs,
        atomic_load(&grt_sched.npidle), atomic_load(&grt_sched.nm),
        atomic_load(&grt_sched.nmspinning), atomic_load(&grt_sched.nmidle),
        atomic_load(&grt_sched.runqsize));
    for (int i = 0; i < procs && len < (int)sizeof buf - 32; i++) {
        struct grt_p *p = &grt_allp[i];
        uint32_t h = atomic_load(&p->runqhead), t = atomic_load(&p->runqtail);
        unsigned q = (t - h) + (atomic_load(&p->runnext) != NULL);
        len += snprintf(buf + len, sizeof buf - (size_t)len, "%s%u",
                        i ? " " : "", q);
    }
    len += snprintf(buf + len, sizeof buf - (size_t)len, "]\n");
    ssize_t r = write(2, buf, (size_t)len);
    (void)r;
}
