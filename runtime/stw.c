/*
 * stw.c - stopping and starting the world (Go's stopTheWorldWithSema and
 * startTheWorldWithSema), on the scheduler's own safepoints.
 *
 * The caller is a goroutine holding a P. It sets sched.gcwaiting and
 * counts the other Ps it must collect (stopwait). Under sched.lock it
 * takes every idle P off the idle list and every P whose M is in a
 * syscall (CAS PSYSCALL -> PGCSTOP: the thread in the syscall finds its P
 * gone when it returns and queues its goroutine, as when the monitor
 * retakes a P). The Ps still running goroutines are asked to yield: their
 * current G gets the preempt flag, so it switches at its next safepoint
 * (GRT_SAFEPOINT, any allocation, any runtime call). A switching G sees
 * gcwaiting and goes to its M's scheduler stack instead of to the next G;
 * the scheduler (findrunnable) sees gcwaiting, marks its P PGCSTOP, counts
 * it (grt_gcstopm) and parks the M. Every other path that gives up a P
 * (going idle, the monitor's handoff, a surplus P) goes through
 * grt_pidleput, which counts the P instead of idling it while gcwaiting is
 * set. The last P counted wakes the stopper. The stopper re-asks the
 * running goroutines every 100 us, as Go does, since a G that started
 * running after the first request never saw it.
 *
 * A goroutine in a tight loop with no safepoint delays the stop for as
 * long as it loops (Go before 1.14 had the same limit); put
 * GRT_SAFEPOINT() in such loops.
 *
 * Starting the world hands each stopped P (below GOMAXPROCS) to an M if
 * its run queue holds work, else puts it back on the idle list, and wakes
 * a spinning M when something is runnable anywhere.
 *
 * The pause is measured from the stop request to the moment the world
 * runs again and recorded in a histogram (grt_stw_pause_record), which the
 * statistics snapshot reports. While the world is stopped, the caller is
 * the only goroutine running: every other G is parked, runnable or in a
 * syscall with its context saved on its stack.
 */
#include "grt_runtime2.h"
#include "grt_stw.h"

#include <string.h>

static grt_lock stw_lock = GRT_LOCK_INIT; /* one stopper at a time */
static struct grt_stw_stats stw_stats;
static grt_lock stw_stats_lock = GRT_LOCK_INIT;
static uint64_t stw_window_max_ns; /* stw_stats_lock; grt_stw_pause_max_take */

void grt_stopwait_dec(void) /* sched.lock */
{
    if (--grt_sched.stopwait == 0) {
        atomic_store(&grt_sched.stopnote, 1);
        grt_futex_wake(&grt_sched.stopnote, 1);
    }
}

void grt_gcstopm(struct grt_m *mp) {
    struct grt_p *p = mp->p;
    if (mp->spinning) {
        mp->spinning = false;
        atomic_fetch_sub(&grt_sched.nmspinning, 1);
    }
    grt_lock_acquire(&grt_sched.lock);
    if (atomic_load(&grt_sched.gcwaiting)) {
        p->m = NULL;
        mp->p = NULL;
        atomic_store(&p->status, GRT_PGCSTOP);
        grt_stopwait_dec();
    }
    grt_lock_release(&grt_sched.lock);
    if (mp->p == NULL)
        grt_stopm(mp);
}

static void preempt_all(grt_g *self) {
    int n = atomic_load(&grt_sched.nprocs_made);
    for (int i = 0; i < n; i++) {
        struct grt_p *p = &grt_allp[i];
        if (atomic_load(&p->status) != GRT_PRUNNING)
            continue;
        struct grt_m *m = p->m;
        grt_g *g = m != NULL ? m->curg : NULL;
        if (g == NULL || g == self || g->is_g0)
            continue;
        if (atomic_exchange(&g->preempt, 1) == 0)
            atomic_fetch_add(&grt_preempt_pending, 1);
    }
}

uint64_t grt_stop_the_world(void) {
    grt_g *self = grt_curg();
    struct grt_p *own = self->m->p;
    if (own == NULL || self->is_g0)
        grt_throw("grt_stop_the_world: not on a goroutine with a P");
    grt_lock_acquire(&stw_lock);
    uint64_t t0 = grt_nanotime();
    grt_lock_acquire(&grt_sched.lock);
    atomic_store(&grt_sched.stopnote, 0);
    int procs = atomic_load(&grt_sched.gomaxprocs);
    int made = atomic_load(&grt_sched.nprocs_made);
    int32_t wait = 0;
    for (int i = 0; i < made; i++) {
        uint32_t s = atomic_load(&grt_allp[i].status);
        if (&grt_allp[i] != own && s != GRT_PSTOPPED)
            wait++;
    }
    grt_sched.stopwait = wait;
    atomic_store(&grt_sched.stw_owner, self);
    atomic_store(&grt_sched.gcwaiting, 1);
    /* Idle Ps: off the idle list. */
    struct grt_p *p;
    while ((p = grt_sched.pidle) != NULL) {
        grt_sched.pidle = p->link;
        atomic_fetch_sub(&grt_sched.npidle, 1);
        atomic_store(&p->status, GRT_PGCSTOP);
        grt_sched.stopwait--;
    }
    /* Ps of threads in syscalls. */
    for (int i = 0; i < made; i++) {
        uint32_t s = GRT_PSYSCALL;
        if (atomic_compare_exchange_strong(&grt_allp[i].status, &s,
                                           GRT_PGCSTOP))
            grt_sched.stopwait--;
    }
    bool done = grt_sched.stopwait == 0;
    grt_lock_release(&grt_sched.lock);
    (void)procs;
    while (!done) {
        preempt_all(self);
        grt_futex_wait(&grt_sched.stopnote, 0, 100000);
        done = atomic_load(&grt_sched.stopnote) != 0;
    }
    return t0;
}

void grt_start_the_world(uint64_t t0) {
    grt_lock_acquire(&grt_sched.lock);
    atomic_store(&grt_sched.gcwaiting, 0);
    atomic_store(&grt_sched.stw_owner, NULL);
    int procs = atomic_load(&grt_sched.gomaxprocs);
    int made = atomic_load(&grt_sched.nprocs_made);
    struct grt_p *work[GRT_MAXPROCS];
    int nwork = 0;
    for (int i = 0; i < made; i++) {
        struct grt_p *p = &grt_allp[i];
        if (atomic_load(&p->status) != GRT_PGCSTOP)
            continue;
        if (i >= procs) {
            atomic_store(&p->status, GRT_PSTOPPED);
            continue;
        }
        if (!grt_runqempty(p)) {
            atomic_store(&p->status, GRT_PIDLE); /* startm takes it */
            work[nwork++] = p;
        } else {
            grt_pidleput(p);
        }
    }
    grt_lock_release(&grt_sched.lock);
    for (int i = 0; i < nwork; i++)
        grt_startm(work[i], false);
    /* Wake a spinning M only when something is queued globally: an idle
     * P's M woken for nothing would have to be stopped again next time. */
    if (atomic_load(&grt_sched.runqsize) > 0)
        grt_wakep();
    uint64_t pause = grt_nanotime() - t0;
    grt_lock_release(&stw_lock);
    grt_stw_pause_record(pause);
}

void grt_stw_pause_record(uint64_t ns) {
    grt_lock_acquire(&stw_stats_lock);
    stw_stats.pauses++;
    stw_stats.total_ns += ns;
    if (ns > stw_stats.max_ns)
        stw_stats.max_ns = ns;
    if (ns > stw_window_max_ns)
        stw_window_max_ns = ns;
    int b = 0;
    uint64_t lim = 1000; /* bucket 0: < 1 us; then doubling */
    while (b < GRT_STW_BUCKETS - 1 && ns >= lim) {
        b++;
        lim *= 2;
    }
    stw_stats.hist[b]++;
    grt_lock_release(&stw_stats_lock);
}

void grt_stw_stats_read(struct grt_stw_stats *out) {
    grt_lock_acquire(&stw_stats_lock);
    *out = stw_stats;
    grt_lock_release(&stw_stats_lock);
}

uint64_t grt_stw_pause_max_take(void) {
    grt_lock_acquire(&stw_stats_lock);
    uint64_t v = stw_window_max_ns;
    stw_window_max_ns = 0;
    grt_lock_release(&stw_stats_lock);
    return v;
}
