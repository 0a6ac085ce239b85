/*
 * procresize.c - starting the scheduler and changing GOMAXPROCS (Go's
 * schedinit and procresize).
 *
 * The Ps live in one static array, grt_allp[GRT_MAXPROCS]; "creating" a P
 * is making it idle, "destroying" one is marking it stopped. GOMAXPROCS
 * comes from the environment variable (else the CPUs in the affinity
 * mask) or from grt_setmaxprocs() before the first grt_run(); the first
 * grt_run() calls grt_schedinit, which puts the Ps on the idle list and
 * starts the poller and the monitor.
 *
 * Resizing does not stop the world, unlike Go's. Under sched.lock it
 * stores the new count and rebuilds the idle list: idle Ps at or beyond
 * it become stopped, stopped ones below it become idle. A P beyond it
 * that an M holds (running, or in a syscall) stays where it is; its M
 * notices at its next visit to the scheduler (findrunnable, or every 61st
 * switch) and gives it up: its run queue goes to the global queue and the
 * P is stopped (release_surplus in proc.c); one leaving a syscall keeps it
 * until then. grt_pidleput stops a surplus P instead of idling it, so no P
 * beyond GOMAXPROCS ever sits on the idle list.
 *
 * The wake-up rule: after a resize, wake one spinning M if a P is idle
 * (Go's startTheWorld does the same). Work queued while the list was being
 * rebuilt, or queued before and stranded by a submitter that saw no idle P,
 * is found by that spinner; see the comment at the call.
 *
 * Locking: grt_start_lock serializes start-up; the rest is sched.lock.
 */
#include "grt_runtime2.h"

#include <sched.h>
#include <stdlib.h>

static int default_procs(void) {
    grt_vars_init();
    if (grt_debug.gomaxprocs > 0)
        return grt_debug.gomaxprocs > GRT_MAXPROCS ? GRT_MAXPROCS
                                                   : (int)grt_debug.gomaxprocs;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    return 1;
}

static grt_lock grt_start_lock = GRT_LOCK_INIT;
static _Atomic int grt_requested_procs;

/* Go's schedinit: the Ps, the poller and the monitor, once. */
void grt_schedinit(void) {
    grt_lock_acquire(&grt_start_lock);
    if (!atomic_load(&grt_sched.started)) {
        int n = atomic_load(&grt_requested_procs);
        if (n <= 0)
            n = default_procs();
        grt_sched.start_ns = grt_nanotime();
        grt_heap_init();
        atomic_store(&grt_sched.goidgen, 1);
        atomic_store(&grt_sched.gomaxprocs, n);
        for (int i = 0; i < GRT_MAXPROCS; i++) {
            grt_allp[i].id = i;
            atomic_store(&grt_allp[i].status, GRT_PSTOPPED);
        }
        atomic_store(&grt_sched.nprocs_made, n);
        grt_lock_acquire(&grt_sched.lock);
        for (int i = n - 1; i >= 0; i--)
            grt_pidleput(&grt_allp[i]);
        grt_lock_release(&grt_sched.lock);
        grt_netpoll_init();
        grt_sysmon_start();
        atomic_store(&grt_sched.started, 1);
    }
    grt_lock_release(&grt_start_lock);
}

int grt_gomaxprocs(void) {
    if (!atomic_load(&grt_sched.started)) {
        int n = atomic_load(&grt_requested_procs);
        return n > 0 ? n : default_procs();
    }
    return atomic_load(&grt_sched.gomaxprocs);
}

int grt_setmaxprocs(int n) {
    int old = grt_gomaxprocs();
    if (n < 1)
        return old;
    if (n > GRT_MAXPROCS)
        n = GRT_MAXPROCS;
    if (!atomic_load(&grt_sched.started)) {
        atomic_store(&grt_requested_procs, n);
        return old;
    }
    grt_lock_acquire(&grt_sched.lock);
    atomic_store(&grt_sched.gomaxprocs, n);
    if (n > atomic_load(&grt_sched.nprocs_made))
        atomic_store(&grt_sched.nprocs_made, n);
    /* Rebuild the idle list: keep Ps below n, revive stopped ones. npidle
     * is read without the lock (wakep), so it must never pass through a
     * false zero: it only grows while the list is rebuilt (an over-count
     * sends a wakep to sched.lock, which then sees the real list) and
     * drops to the true count at the end. */
    struct grt_p *list = grt_sched.pidle;
    int32_t before = atomic_load(&grt_sched.npidle);
    grt_sched.pidle = NULL;
    for (struct grt_p *p = list, *nx; p != NULL; p = nx) {
        nx = p->link;
        grt_pidleput(p);
    }
    for (int i = 0; i < n; i++)
        if (atomic_load(&grt_allp[i].status) == GRT_PSTOPPED)
            grt_pidleput(&grt_allp[i]);
    atomic_fetch_sub(&grt_sched.npidle, before);
    grt_lock_release(&grt_sched.lock);
    /* Always, as Go's startTheWorld: revived Ps are idle with work maybe
     * queued, and a submitter whose wakep read npidle before this resize
     * published it woke nobody. The fence in wakep orders our npidle
     * store before its reads of the queues (Dekker with the submitter's
     * push, fence, npidle read). One spinner suffices: a spinner that
     * finds work wakes the next (resetspinning). */
    grt_wakep();
    return old;
}
