/*
 * rtsource.c - the runtime's statistics snapshot (grt_stats_read) offered
 * to the harness as the counter source "rt" (harness/sources.c explains
 * how sources are sampled around each repetition).
 *
 * Every monotonic counter of GRT_STAT_COUNTERS (grt.h) is offered under
 * its own name - rt:parks, rt:chan_direct, rt:switches, rt:steal_successes,
 * rt:mutex_sleeps, rt:stack_allocs, ... - so the list cannot drift from the
 * runtime's: the same X-macro builds both. The gauges follow (rt:goroutines,
 * rt:threads, rt:idle_threads, rt:stack_committed_bytes,
 * rt:stack_reserved_bytes, rt:stack_hiwat_bytes, rt:stacks_in_use): declare
 * those with HX_METRIC_LEVEL, since their change per op means little.
 *
 * It lives with the experiments, not in the harness, because the harness
 * library does not link the runtime. One read is one grt_stats_read(),
 * which walks the stack slabs with mincore(): cheap around a repetition,
 * never inside one.
 */
#include "rtsource.h"

#include "grt.h"

#define RT_NAME(name) #name,
static const char *const rt_names[] = {GRT_STAT_COUNTERS(RT_NAME) "goroutines",
                                       "threads",
                                       "idle_threads",
                                       "stack_committed_bytes",
                                       "stack_reserved_bytes",
                                       "stack_hiwat_bytes",
                                       "stacks_in_use",
                                       NULL};
#undef RT_NAME

static void rt_read(double *v) {
    grt_stats s;
    grt_stats_read(&s);
    int n = 0;
#define RT_VAL(name) v[n++] = (double)s.name;
    GRT_STAT_COUNTERS(RT_VAL)
#undef RT_VAL
    v[n++] = (double)s.goroutines;
    v[n++] = (double)s.threads;
    v[n++] = (double)s.idle_threads;
    v[n++] = (double)s.stack_committed_bytes;
    v[n++] = (double)s.stack_reserved_bytes;
    v[n++] = (double)s.stack_hiwat_bytes;
    v[n++] = (double)s.stacks_in_use;
}

const hx_source hx_rt_source = {
    .prefix = "rt", .names = rt_names, .read = rt_read};
