/*
 * sysmon.c - the monitor thread (Go's sysmon): retakes Ps from threads
 * blocked in system calls, asks long-running goroutines to yield, and
 * backs up the timer and netpoll machinery.
 *
 * It runs without a P on its own g0 stack (so grt_curg() works in the
 * timer callbacks it may run: they ready Gs into the global queue). It
 * sleeps 20 us while it keeps finding work, doubling after 50 quiet rounds
 * up to 10 ms, as Go's does. "Work" is what Go counts plus what our lazy
 * waking adds: a P retaken from a syscall, an idle P woken for a loaded
 * queue, timers run, descriptors readied. A preemption request is not
 * work (Go's retake does not count preemptone either): it used to reset
 * the backoff, so a single goroutine computing for a long time, flagged
 * every 10 ms, kept the monitor at 20 us for 50 rounds out of every
 * ~60, thousands of wake-ups a second for nothing. No duty is lost, some
 * are only less prompt while nothing happens, as in Go: a flag is set
 * once per 10 ms without scheduling and stays set until the G yields;
 * preemption and syscall retake compare ticks between two rounds, so at
 * the longest delay they act 10-20 ms after the P's last schedule or
 * syscall entry; the loaded-queue wake and overdue timers are noticed
 * within one delay and reset it to 20 us when they act. Each round:
 *
 *   - retake: a P in a syscall for a whole round is taken back (status
 *     CAS syscall -> idle, so the thread's exit_syscall slow path notices)
 *     if it has queued work, or no other P is idle or spinning, or it has
 *     been 10 ms; then it gets an M (or goes idle). A P whose schedule tick
 *     has not moved for 10 ms has its running G flagged for preemption; the
 *     G yields at its next safepoint (a runtime call or GRT_SAFEPOINT).
 *     Rejected: signals that switch goroutines inside the handler (async
 *     preemption); unsafe for arbitrary C code.
 *   - a P with queued work that has not scheduled since the last round,
 *     while Ps are idle and nobody spins: wake one (the thief then takes
 *     even runnext). This covers grt_ready's lazy waking, a choice of
 *     ours (Go wakes a P on every ready), so it is part of the design.
 *     There is no such round for the global queue: a G queued there with
 *     an idle P and nobody spinning is a lost wake-up in proc.c's protocol,
 *     and a monitor that woke a P for it would turn that bug into 20 us to
 *     10 ms of latency nobody can explain. Go's sysmon has none either.
 *     (One existed until the exit_syscall race described at proc.c's
 *     exitsyscall0 was fixed; the stress test wake_resize guards it.)
 *   - timers overdue and nobody polling: run them; descriptors waited on
 *     and nobody has polled for 10 ms: poll once.
 *   - GODEBUG=schedtrace=N: a line every N ms; pooled stacks scavenged
 *     every second.
 */
#include "grt_malloc.h"

#include "grt_asan.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GRT_SYSMON_MIN_NS    20000ull    /* 20 us */
#define GRT_SYSMON_MAX_NS    10000000ull /* 10 ms */
#define GRT_FORCE_PREEMPT_NS 10000000ull /* Go's forcePreemptNS */
#define GRT_SCAVENGE_NS      1000000000ull

static uint64_t trace_period_ns(void) {
    grt_vars_init();
    int64_t ms = grt_debug.schedtrace;
    return ms > 0 ? (uint64_t)ms * 1000000ull : 0;
}

static bool retake(uint64_t now) {
    bool did = false;
    int n = atomic_load(&grt_sched.nprocs_made);
    for (int i = 0; i < n; i++) {
        struct grt_p *p = &grt_allp[i];
        uint32_t s = atomic_load(&p->status);
        if (s == GRT_PSYSCALL) {
            uint32_t t = atomic_load(&p->syscalltick);
            if (t != p->sm_syscalltick) {
                p->sm_syscalltick = t;
                p->sm_syscallwhen = now;
                continue;
            }
            if (grt_runqempty(p) &&
                atomic_load(&grt_sched.nmspinning) +
                        atomic_load(&grt_sched.npidle) >
                    0 &&
                now - p->sm_syscallwhen < GRT_FORCE_PREEMPT_NS)
                continue;
            if (!atomic_compare_exchange_strong(&p->status, &s, GRT_PIDLE))
                continue;
            GRT_STAT_ADD_SHARED(syscall_handoffs);
            grt_handoffp_retaken(p);
            did = true;
        } else if (s == GRT_PRUNNING) {
            uint32_t t = atomic_load(&p->schedtick);
            if (t != p->sm_schedtick) {
                p->sm_schedtick = t;
                p->sm_schedwhen = now;
                continue;
            }
            if (!grt_runqempty(p) && atomic_load(&grt_sched.npidle) > 0 &&
                atomic_load(&grt_sched.nmspinning) == 0) {
                grt_wakep();
                did = true;
            }
            if (now - p->sm_schedwhen < GRT_FORCE_PREEMPT_NS)
                continue;
            struct grt_m *m = p->m;
            grt_g *g = m != NULL ? m->curg : NULL;
            p->sm_schedwhen = now;
            if (g == NULL || g->is_g0)
                continue;
            /* Not counted as work for the backoff (see the file
             * comment): the flag stays set until the G yields. */
            if (atomic_exchange(&g->preempt, 1) == 0) {
                atomic_fetch_add(&grt_preempt_pending, 1);
                GRT_STAT_ADD_SHARED(preempt_requests);
            }
        }
    }
    return did;
}

static void sysmon_main(void *arg) {
    (void)arg;
    grt_asan_finish_switch(NULL);
    uint64_t trace = trace_period_ns();
    uint64_t delay = GRT_SYSMON_MIN_NS, start = grt_nanotime();
    uint64_t last_trace = start, last_scavenge = start, last_poll = start;
    int idle = 0;
    for (;;) {
        if (idle == 0)
            delay = GRT_SYSMON_MIN_NS;
        else if (idle > 50)
            delay *= 2;
        if (delay > GRT_SYSMON_MAX_NS)
            delay = GRT_SYSMON_MAX_NS;
        uint64_t d = delay;
        if (trace != 0 && d > trace)
            d = trace;
        struct timespec ts = {(time_t)(d / 1000000000), (long)(d % 1000000000)};
        nanosleep(&ts, NULL);
        uint64_t now = grt_nanotime();
        bool did = retake(now);
        if (atomic_load(&grt_sched.npolling) == 0) {
            uint64_t next = grt_timers_next();
            if (next != 0 && next <= now && grt_timers_run(now) > 0)
                did = true;
            if (grt_netpoll_waiters() > 0 &&
                now - last_poll >= GRT_SYSMON_MAX_NS) {
                last_poll = now;
                if (grt_netpoll(0) > 0)
                    did = true;
            }
        }
        if (trace != 0 && now - last_trace >= trace) {
            last_trace = now;
            grt_schedtrace(now);
        }
        if (now - last_scavenge >= GRT_SCAVENGE_NS) {
            last_scavenge = now;
            grt_stack_scavenge();
            grt_scavenge_background();
        }
        idle = did ? 0 : idle + 1;
    }
}

void grt_sysmon_start(void) {
    grt_allocm(NULL, false, sysmon_main);
}
