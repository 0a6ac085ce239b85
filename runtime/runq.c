/*
 * runq.c - run queues: the per-P lock-free ring with its runnext slot, and
 * the global queue.
 *
 * Per-P ring (Go's runq): 256 slots, head and tail as free-running 32-bit
 * counters. Only the owning P writes the tail (push), with a release store
 * that publishes the slot; the owner and thieves take from the head with a
 * CAS. A thief copies half of the victim's queue into its own ring first
 * and then CASes the victim's head: if the CAS fails, someone else took
 * those Gs and the copy is simply discarded (the thief's tail has not moved
 * so the copies are invisible).
 *
 * runnext: a single slot in front of the ring. A G made runnable by the
 * running G (grt_ready, grt_go) goes there, kicking the previous occupant
 * into the ring; the owner runs it next, inheriting the rest of the time
 * slice. This keeps a producer-consumer pair on one P, hot in its cache.
 * Thieves take runnext only in their last stealing round, and from a P
 * that is running only once the G has sat there 3 us (runnext_settled).
 *
 * Overflow: when the ring is full, half of it plus the new G move to the
 * global queue in one batch (one lock for 129 Gs), counted as runq_spills.
 *
 * Global queue: a singly linked list through g->schedlink under
 * grt_sched.lock, with runqsize readable without the lock (a hint). A P
 * takes its fair share (size/GOMAXPROCS + 1, at most half a ring) and keeps
 * the extra in its own ring.
 */
#include "grt_runtime2.h"

enum { GRT_RUNQ_MASK = GRT_RUNQ_SIZE - 1 };

uint32_t grt_fastrand(struct grt_m *m) {
    uint64_t x = m->rand;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    m->rand = x;
    return (uint32_t)(x >> 32);
}

bool grt_runqempty(struct grt_p *p) {
    for (;;) {
        uint32_t h = atomic_load_explicit(&p->runqhead, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&p->runqtail, memory_order_acquire);
        grt_g *n = atomic_load_explicit(&p->runnext, memory_order_acquire);
        if (t == atomic_load_explicit(&p->runqtail, memory_order_acquire))
            return h == t && n == NULL;
    }
}

/* Move half the ring plus g to the global queue. False if the ring changed
 * under us (a thief took some): the caller retries the fast path. */
static bool runqputslow(struct grt_p *p, grt_g *g, uint32_t h, uint32_t t) {
    grt_g *batch[GRT_RUNQ_SIZE / 2 + 1];
    uint32_t n = (t - h) / 2;
    for (uint32_t i = 0; i < n; i++)
        batch[i] = atomic_load_explicit(&p->runq[(h + i) & GRT_RUNQ_MASK],
                                        memory_order_relaxed);
    if (!atomic_compare_exchange_strong_explicit(&p->runqhead, &h, h + n,
                                                 memory_order_release,
                                                 memory_order_relaxed))
        return false;
    batch[n] = g;
    for (uint32_t i = 0; i < n; i++)
        batch[i]->schedlink = batch[i + 1];
    g->schedlink = NULL;
    grt_lock_acquire(&grt_sched.lock);
    grt_globrunqput_batch(batch[0], g, (int)n + 1);
    grt_lock_release(&grt_sched.lock);
    grt_stat_add(&p->stats.runq_spills, 1, false);
    return true;
}

/* Returns true when the ring (not counting runnext) holds work, the hint
 * grt_ready uses to decide whether another P is worth waking. */
bool grt_runqput(struct grt_p *p, grt_g *g, bool next) {
    if (next) {
        /* Who writes runnext: the owner stores any G there (only the owner
         * calls this), and a thief (runqgrab) or the owner (grt_runqget)
         * clears it, each with a CAS from the non-NULL G it saw. So once
         * the owner reads NULL, nobody else can change the slot until the
         * owner itself writes it: no CAS compares against NULL, and all
         * earlier non-NULL stores are the owner's own (or its
         * predecessor's, ordered by the P handoff), so read coherence
         * makes that NULL the latest value. A release store then
         * publishes g (its fields and saved context) to whichever owner or
         * thief takes it with its acquiring CAS; no locked instruction.
         * This is the ping-pong case: the slot was emptied when this G was
         * switched in. Go's runqput CASes here; with an occupant we must
         * too (exchange), or a thief's CAS could take the old G while we
         * also kick it into the ring, and it would run twice. */
        grt_g *old = atomic_load_explicit(&p->runnext, memory_order_relaxed);
        if (old == NULL)
            atomic_store_explicit(&p->runnext, g, memory_order_release);
        else
            old =
                atomic_exchange_explicit(&p->runnext, g, memory_order_acq_rel);
        g = old;
        if (g == NULL)
            return atomic_load_explicit(&p->runqtail, memory_order_relaxed) !=
                   atomic_load_explicit(&p->runqhead, memory_order_relaxed);
    }
    for (;;) {
        uint32_t h = atomic_load_explicit(&p->runqhead, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&p->runqtail, memory_order_relaxed);
        if (t - h < GRT_RUNQ_SIZE) {
            atomic_store_explicit(&p->runq[t & GRT_RUNQ_MASK], g,
                                  memory_order_relaxed);
            atomic_store_explicit(&p->runqtail, t + 1, memory_order_release);
            return true;
        }
        if (runqputslow(p, g, h, t))
            return true;
    }
}

grt_g *grt_runqget(struct grt_p *p) {
    grt_g *next = atomic_load_explicit(&p->runnext, memory_order_relaxed);
    if (next != NULL && atomic_compare_exchange_strong_explicit(
                            &p->runnext, &next, NULL, memory_order_acquire,
                            memory_order_relaxed))
        return next;
    for (;;) {
        uint32_t h = atomic_load_explicit(&p->runqhead, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&p->runqtail, memory_order_relaxed);
        if (t == h)
            return NULL;
        grt_g *g = atomic_load_explicit(&p->runq[h & GRT_RUNQ_MASK],
                                        memory_order_relaxed);
        if (atomic_compare_exchange_weak_explicit(&p->runqhead, &h, h + 1,
                                                  memory_order_release,
                                                  memory_order_relaxed))
            return g;
    }
}

/* Go's backoff before stealing runnext from a running P (runqgrab): the
 * G there was usually just readied by the running G, which often blocks a
 * moment later and runs it on this P, warm. A thief that takes it at once
 * turns a producer/consumer pair into a relay across CPUs: each item costs
 * a park, a ready and a steal (a channel whose buffer stays full, the
 * receiver readying one blocked sender per item, measured 3-8x slower per
 * item). So a thief first watches the slot for GRT_STEAL_NEXT_BACKOFF_NS
 * (reading it only) and steals only a G that stayed there that long and
 * whose P is still running something else. Go sleeps 3 us here; a pause
 * loop on the reads costs the victim nothing. */
enum { GRT_STEAL_NEXT_BACKOFF_NS = 3000 };

static bool runnext_settled(struct grt_p *victim, grt_g *next) {
    if (atomic_load_explicit(&victim->status, memory_order_relaxed) !=
        GRT_PRUNNING)
        return true;
    uint64_t until = grt_nanotime() + GRT_STEAL_NEXT_BACKOFF_NS;
    do {
        for (int i = 0; i < 32; i++)
            grt_cpu_relax();
        if (atomic_load_explicit(&victim->runnext, memory_order_relaxed) !=
            next)
            return false;
    } while (grt_nanotime() < until);
    return true;
}

/* Copy half of victim's ring into p's ring starting at slot `at`; returns
 * how many were taken (committed by the CAS on victim's head). */
static uint32_t runqgrab(struct grt_p *victim, struct grt_p *p, uint32_t at,
                         bool stealnext) {
    for (;;) {
        uint32_t h =
            atomic_load_explicit(&victim->runqhead, memory_order_acquire);
        uint32_t t =
            atomic_load_explicit(&victim->runqtail, memory_order_acquire);
        uint32_t n = t - h;
        n = n - n / 2;
        if (n == 0) {
            if (!stealnext)
                return 0;
            grt_g *next =
                atomic_load_explicit(&victim->runnext, memory_order_acquire);
            if (next != NULL && !runnext_settled(victim, next))
                return 0;
            if (next == NULL || !atomic_compare_exchange_strong_explicit(
                                    &victim->runnext, &next, NULL,
                                    memory_order_acq_rel, memory_order_relaxed))
                return 0;
            atomic_store_explicit(&p->runq[at & GRT_RUNQ_MASK], next,
                                  memory_order_relaxed);
            return 1;
        }
        if (n > GRT_RUNQ_SIZE / 2)
            continue; /* read h and t inconsistently */
        for (uint32_t i = 0; i < n; i++) {
            grt_g *g = atomic_load_explicit(
                &victim->runq[(h + i) & GRT_RUNQ_MASK], memory_order_relaxed);
            atomic_store_explicit(&p->runq[(at + i) & GRT_RUNQ_MASK], g,
                                  memory_order_relaxed);
        }
        if (atomic_compare_exchange_strong_explicit(&victim->runqhead, &h,
                                                    h + n, memory_order_acq_rel,
                                                    memory_order_relaxed))
            return n;
    }
}

grt_g *grt_runqsteal(struct grt_p *p, struct grt_p *victim, bool stealnext) {
    uint32_t t = atomic_load_explicit(&p->runqtail, memory_order_relaxed);
    uint32_t n = runqgrab(victim, p, t, stealnext);
    grt_stat_add(&p->stats.steal_attempts, 1, false);
    if (n == 0)
        return NULL;
    grt_stat_add(&p->stats.steal_successes, 1, false);
    grt_stat_add(&p->stats.steals_goroutines, n, false);
    n--;
    grt_g *g = atomic_load_explicit(&p->runq[(t + n) & GRT_RUNQ_MASK],
                                    memory_order_relaxed);
    if (n != 0)
        atomic_store_explicit(&p->runqtail, t + n, memory_order_release);
    return g;
}

void grt_globrunqput_batch(grt_g *head, grt_g *tail, int n) {
    tail->schedlink = NULL;
    if (grt_sched.runqtail != NULL)
        grt_sched.runqtail->schedlink = head;
    else
        grt_sched.runqhead = head;
    grt_sched.runqtail = tail;
    atomic_fetch_add_explicit(&grt_sched.runqsize, n, memory_order_seq_cst);
}

void grt_globrunqput(grt_g *g) {
    grt_lock_acquire(&grt_sched.lock);
    grt_globrunqput_batch(g, g, 1);
    grt_lock_release(&grt_sched.lock);
}

grt_g *grt_globrunqget(struct grt_p *p, int max) {
    int size = atomic_load_explicit(&grt_sched.runqsize, memory_order_relaxed);
    if (size == 0)
        return NULL;
    int procs =
        atomic_load_explicit(&grt_sched.gomaxprocs, memory_order_relaxed);
    int n = size / (procs > 0 ? procs : 1) + 1;
    if (n > size)
        n = size;
    if (max > 0 && n > max)
        n = max;
    if (n > GRT_RUNQ_SIZE / 2)
        n = GRT_RUNQ_SIZE / 2;
    atomic_fetch_sub_explicit(&grt_sched.runqsize, n, memory_order_relaxed);
    grt_g *g = grt_sched.runqhead;
    grt_sched.runqhead = g->schedlink;
    for (int i = 1; i < n; i++) {
        grt_g *g1 = grt_sched.runqhead;
        grt_sched.runqhead = g1->schedlink;
        grt_runqput(p, g1, false);
    }
    if (grt_sched.runqhead == NULL)
        grt_sched.runqtail = NULL;
    grt_stat_add(&p->stats.globrunq_gets, (uint64_t)n, false);
    return g;
}
