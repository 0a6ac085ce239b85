/*
 * sema.c - goroutine semaphores keyed by address (Go's sema.go), the
 * parking layer under grt_mutex, grt_rwmutex and grt_waitgroup.
 *
 * A semaphore is any uint32 counter. Acquire decrements it if positive
 * (one CAS, no lock); otherwise the goroutine queues itself in the bucket
 * its address hashes to and parks. Release increments the counter and, if
 * the bucket has waiters, dequeues the first waiter for that address and
 * readies it; the waiter then retries the decrement (it may lose to a
 * newcomer: barging, which is what makes the uncontended path fast).
 *
 * Handoff (release with handoff=true, used by a mutex in starvation mode):
 * the releaser takes the count on the waiter's behalf (sets its ticket) and
 * yields, so the woken waiter owns the semaphore and runs next.
 *
 * The waiter record lives on the waiter's stack; it is linked into its
 * bucket under the bucket lock, and the lock is released by the park's
 * unlockf, after the goroutine has switched out, so a release can never
 * ready a goroutine that is still running. The nwait counter per bucket
 * lets release skip the lock when nobody waits; acquire bumps nwait before
 * its last re-check of the count (both sequentially consistent), so a
 * release that misses the waiter must have left a count the waiter sees.
 *
 * Queueing: FIFO, or LIFO on request (a mutex waiter that was woken and
 * lost the race goes back to the front, as Go's does). Rejected: Go's treap
 * per address; a list per bucket is enough while few distinct addresses
 * wait at once.
 */
#include "grt_runtime2.h"

enum { GRT_SEMA_BUCKETS = 251 };

typedef struct grt_sudog {
    _Atomic uint32_t *addr;
    grt_g *g;
    struct grt_sudog *next, *prev;
    bool ticket; /* set by a handoff release: the count is ours */
} grt_sudog;

typedef struct grt_semroot {
    grt_lock lock;
    grt_sudog *head, *tail; /* lock */
    _Atomic uint32_t nwait;
} __attribute__((aligned(64))) grt_semroot;

static grt_semroot grt_semtable[GRT_SEMA_BUCKETS];

static grt_semroot *root_of(_Atomic uint32_t *addr) {
    return &grt_semtable[((uintptr_t)addr >> 3) % GRT_SEMA_BUCKETS];
}

static bool cansemacquire(_Atomic uint32_t *addr) {
    uint32_t v = atomic_load(addr);
    while (v != 0)
        if (atomic_compare_exchange_weak(addr, &v, v - 1))
            return true;
    return false;
}

static bool unlock_root(grt_g *g, void *arg) {
    (void)g;
    grt_lock_release(&((grt_semroot *)arg)->lock);
    return true;
}

void grt_semacquire(_Atomic uint32_t *addr, bool lifo, grt_wait_reason why) {
    if (cansemacquire(addr))
        return;
    grt_semroot *r = root_of(addr);
    grt_sudog s = {.addr = addr, .g = grt_curg()};
    for (;;) {
        grt_lock_acquire(&r->lock);
        atomic_fetch_add(&r->nwait, 1);
        if (cansemacquire(addr)) {
            atomic_fetch_sub(&r->nwait, 1);
            grt_lock_release(&r->lock);
            return;
        }
        s.ticket = false;
        if (lifo && r->head != NULL) {
            s.prev = NULL;
            s.next = r->head;
            r->head->prev = &s;
            r->head = &s;
        } else {
            s.next = NULL;
            s.prev = r->tail;
            if (r->tail != NULL)
                r->tail->next = &s;
            else
                r->head = &s;
            r->tail = &s;
        }
        GRT_STAT_INC(sema_parks);
        grt_park(why, unlock_root, r);
        if (s.ticket || cansemacquire(addr))
            return;
    }
}

void grt_semrelease(_Atomic uint32_t *addr, bool handoff) {
    grt_semroot *r = root_of(addr);
    atomic_fetch_add(addr, 1);
    if (atomic_load(&r->nwait) == 0)
        return;
    grt_lock_acquire(&r->lock);
    if (atomic_load(&r->nwait) == 0) {
        grt_lock_release(&r->lock);
        return;
    }
    grt_sudog *s = r->head;
    while (s != NULL && s->addr != addr)
        s = s->next;
    if (s == NULL) {
        grt_lock_release(&r->lock);
        return;
    }
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        r->head = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    else
        r->tail = s->prev;
    atomic_fetch_sub(&r->nwait, 1);
    bool gave = handoff && cansemacquire(addr);
    s->ticket = gave;
    grt_g *g = s->g;
    grt_lock_release(&r->lock);
    grt_ready(g); /* s may be gone from here on */
    if (gave)
        grt_gosched();
}
