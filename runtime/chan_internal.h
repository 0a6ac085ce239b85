/*
 * chan_internal.h - what chan.c, select.c and timerchan.c share: the channel
 * structure, the waiting-goroutine record (sudog), wait queues, element
 * copies and the channel lock. Private to those files; grt_chan.h is the
 * public face and never includes this.
 *
 * The shape follows Go's runtime/chan.go (hchan, sudog, waitq):
 *
 *   grt_chan                         a goroutine blocked on it
 *   +-------------------+            +-------------------------+
 *   | lock              |  recvq --> | sudog (on the goroutine's|
 *   | qcount, cap       |            | own stack): g, elem, c, |
 *   | buf: ring of cap  |  sendq --> | sel, success, next/prev |
 *   | sendx, recvx      |            +-------------------------+
 *   | closed            |
 *   +-------------------+
 *
 * Sudogs live on the blocked goroutine's stack. Our stacks never move (a
 * virtual reservation committed lazily, see stack.c), so a pointer to a
 * sudog, or to the goroutine's elem buffer, stays valid for as long as the
 * goroutine is parked. That removes Go's sudog cache and its
 * "parkingOnChan" dance with stack shrinking.
 *
 * Invariants (all under c->lock):
 *   - cap == 0 (unbuffered): qcount == 0 always.
 *   - Apart from select sudogs (a select may wait to send and to receive on
 *     the same channel, and a select that already won elsewhere leaves
 *     sudogs behind until it removes them), at most one of recvq and sendq
 *     holds goroutines that can still be woken: recvq non-empty implies
 *     qcount == 0, sendq non-empty implies qcount == cap.
 *   - closed never goes back to 0; once closed, sendq is empty.
 *   - A sudog is on at most one queue; a dequeued sudog has next == prev ==
 *     NULL (grt_waitq_remove relies on it).
 *
 * Fields read without the lock (the non-blocking fast paths and len/cap,
 * as Go does): qcount, closed, recvq.first, sendq.first. They are written
 * under the lock with relaxed atomic stores and read with atomic loads, so
 * the racy reads are defined behaviour and sanitizer-clean.
 *
 * Lock order: channels are locked in increasing address order (select
 * takes several). The only lock ever held while taking a channel lock is a
 * timer channel's record lock (timerchan.c). grt_ready is always called
 * after the channel locks are released, to keep hold times short: the woken
 * goroutine may run at once on another P and would spin on our lock.
 */
#ifndef MECHLAB_GRT_CHAN_INTERNAL_H
#define MECHLAB_GRT_CHAN_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "grt_chan.h"
#include "grt_heap.h"
#include "grt_internal.h"

/* Go's limit on element size (chan.go: "if elem.size >= 1<<16"). */
#define GRT_CHAN_MAX_ELEM ((size_t)1 << 16)

typedef struct grt_sudog grt_sudog;

/* The state a blocked select shares among its sudogs. Lives on the
 * selecting goroutine's stack for the duration of the select. */
typedef struct grt_selwait {
    /* 0 until some waker claims the select by CAS to 1 (the first wake-up
     * wins; later wakers skip this select's sudogs). Never reset: a select
     * uses a fresh grt_selwait each time it blocks. */
    _Atomic uint32_t done;
    /* The sudog whose case ran; written by the winning waker before
     * grt_ready, read by the owner after it resumes. */
    grt_sudog *winner;
} grt_selwait;

/* One goroutine waiting on one channel (Go's sudog). */
struct grt_sudog {
    grt_g *g;            /* immutable while queued */
    grt_sudog *next;     /* guarded by c->lock */
    grt_sudog *prev;     /* guarded by c->lock */
    void *elem;          /* send: value to send; recv: destination or NULL.
                          Touched by the peer only under c->lock, after
                          dequeueing this sudog. */
    grt_chan *c;         /* immutable while queued */
    grt_selwait *sel;    /* NULL for a plain send/recv; immutable */
    grt_sudog *wakelink; /* close's private list of sudogs to ready */
    int casei;           /* select case index; immutable */
    bool success;        /* written by the waker before grt_ready: true when
                          the operation happened, false when woken by
                          close */
};

typedef struct grt_chanlock {
    _Atomic uint32_t held; /* 0 free, 1 held (see grt_chanlock_acquire) */
} grt_chanlock;

typedef struct grt_waitq {
    grt_sudog *first; /* guarded by lock; read racily by fast paths */
    grt_sudog *last;  /* guarded by lock */
} grt_waitq;

struct grt_chan {
    grt_chanlock lock; /* guards the fields below as marked */
    uint32_t closed;   /* guarded by lock; racy reads use atomic loads */
    size_t qcount;     /* elements in buf; guarded by lock; racy reads */
    size_t cap;        /* ring size in elements; immutable */
    size_t elemsize;   /* immutable */
    char *buf;         /* ring; immutable pointer, contents guarded */
    size_t sendx;      /* next slot to write; guarded by lock */
    size_t recvx;      /* next slot to read; guarded by lock */
    grt_waitq recvq;   /* blocked receivers; guarded by lock */
    grt_waitq sendq;   /* blocked senders; guarded by lock */
    struct grt_chantimer *timer; /* timer feeding this channel, or NULL;
                                    immutable (timerchan.c) */
    /* For the collector (typed channels): how the buffer is scanned. */
    const struct grt_type *elemtype; /* typed: scan by its mask; immutable */
    uint8_t scan;                    /* GRT_CHAN_SCAN_*; immutable */
    /* How an element's pointer words are found, buffer or not: the write
     * barrier of every element copy (GRT_CHAN_SCAN_*; immutable). */
    uint8_t elemscan;
    grt_chan *gcnext, *gcprev; /* scanned channels; chan_reg lock */
};

enum {
    GRT_CHAN_SCAN_NONE = 0, /* no pointers (typed, or no buffer) */
    GRT_CHAN_SCAN_CONS,     /* untyped: every aligned word of live elements */
    GRT_CHAN_SCAN_TYPED,    /* the element type's pointer mask */
};

/* ---- racy reads and their paired stores ---------------------------------- */

static inline size_t grt_chan_qcount_racy(const grt_chan *c) {
    return __atomic_load_n(&c->qcount, __ATOMIC_RELAXED);
}
static inline void grt_chan_set_qcount(grt_chan *c, size_t v) {
    __atomic_store_n(&c->qcount, v, __ATOMIC_RELAXED);
}
static inline bool grt_chan_closed_racy(const grt_chan *c) {
    return __atomic_load_n(&c->closed, __ATOMIC_ACQUIRE) != 0;
}
static inline bool grt_waitq_empty_racy(const grt_waitq *q) {
    return __atomic_load_n(&q->first, __ATOMIC_RELAXED) == NULL;
}

/* A send could not proceed without blocking (Go's full()). */
static inline bool grt_chan_full_racy(const grt_chan *c) {
    if (c->cap == 0)
        return grt_waitq_empty_racy(&c->recvq);
    return grt_chan_qcount_racy(c) == c->cap;
}
/* A receive could not proceed without blocking (Go's empty()). */
static inline bool grt_chan_empty_racy(const grt_chan *c) {
    if (c->cap == 0)
        return grt_waitq_empty_racy(&c->sendq);
    return grt_chan_qcount_racy(c) == 0;
}

/* ---- statistics ------------------------------------------------------------ */

#define GRT_CHAN_STAT_INC(field) GRT_STAT_INC(field)

/* ---- the channel lock ------------------------------------------------------ */

/* A test-and-set lock whose release is a plain store: an uncontended
 * lock/unlock pair costs one locked instruction (the CAS) instead of two
 * (grt_lock's futex protocol must exchange on release to learn whether a
 * sleeper needs waking: about 6 ns more per pair here, and a buffered
 * send+receive takes two pairs). Affordable because every channel critical
 * section is short and bounded: pointer updates and one element copy, no
 * allocation, no system call, no blocking, never held across a switch
 * except for the few instructions between grt_park and its unlockf on the
 * same M. A waiter spins with PAUSE, then yields its thread to the OS
 * (sched_yield), so a holder preempted by the kernel gets the CPU back. */
void grt_chan_lock_slow(grt_chanlock *l);

static inline void grt_chanlock_acquire(grt_chanlock *l) {
    uint32_t z = 0;
    if (__builtin_expect(
            atomic_compare_exchange_strong_explicit(
                &l->held, &z, 1, memory_order_acquire, memory_order_relaxed),
            1))
        return;
    grt_chan_lock_slow(l);
}
static inline void grt_chanlock_release(grt_chanlock *l) {
    atomic_store_explicit(&l->held, 0, memory_order_release);
}
static inline void grt_chan_lock(grt_chan *c) {
    grt_chanlock_acquire(&c->lock);
}
static inline void grt_chan_unlock(grt_chan *c) {
    grt_chanlock_release(&c->lock);
}

/* ---- element copies ---------------------------------------------------------- */

/* memcpy with the common sizes unrolled, so an int channel costs a move. */
static inline void grt_elem_copy(void *dst, const void *src, size_t n) {
    switch (n) {
    case 0:
        return;
    case 1:
        memcpy(dst, src, 1);
        return;
    case 2:
        memcpy(dst, src, 2);
        return;
    case 4:
        memcpy(dst, src, 4);
        return;
    case 8:
        memcpy(dst, src, 8);
        return;
    case 16:
        memcpy(dst, src, 16);
        return;
    default:
        memcpy(dst, src, n);
    }
}

static inline void grt_elem_clear(void *dst, size_t n) {
    if (dst != NULL && n != 0)
        memset(dst, 0, n);
}

/* ---- element copies with the write barrier ------------------------------------ */

/* The rule (grt_chan.h tells users): while the collector marks
 * (grt_writebarrier set), every element copy of a channel whose elements
 * may hold pointers takes the bulk write barrier before it copies (Go's
 * typedmemmove): each pointer word written is shaded, and when the
 * destination is a heap object each pointer word overwritten is shaded
 * too (mbarrier.c). A buffer slot's old contents are dead (consumed), so
 * copies into slots shade only the new words. Pointer words come from the
 * element type's mask (typed channels), or are every aligned word
 * (untyped channels of elements of 8 bytes or more); pointer-free element
 * types skip it all. Outside marking the cost is one load of
 * grt_writebarrier and a predicted branch. */
void grt_chan_wb(const grt_chan *c, void *dst, const void *src);

static inline bool grt_chan_wb_on(const grt_chan *c) {
    return c->elemscan != GRT_CHAN_SCAN_NONE &&
           __builtin_expect(atomic_load_explicit(&grt_writebarrier,
                                                 memory_order_relaxed) != 0,
                            0);
}

/* Into a receiver's destination (a heap object, a stack, anywhere). */
static inline void grt_chan_copy_out(const grt_chan *c, void *dst,
                                     const void *src) {
    if (grt_chan_wb_on(c))
        grt_chan_wb(c, dst, src);
    grt_elem_copy(dst, src, c->elemsize);
}

/* Into a buffer slot of c. */
static inline void grt_chan_copy_in(const grt_chan *c, void *slot,
                                    const void *src) {
    if (grt_chan_wb_on(c))
        grt_chan_wb(c, NULL, src);
    grt_elem_copy(slot, src, c->elemsize);
}

/* The zero value into a receiver's destination (dst may be NULL). */
static inline void grt_chan_clear_out(const grt_chan *c, void *dst) {
    if (dst == NULL)
        return;
    if (grt_chan_wb_on(c))
        grt_chan_wb(c, dst, NULL);
    grt_elem_clear(dst, c->elemsize);
}

/* The collector visits the buffered elements of every channel that may
 * hold pointers (chan.c): fn(elem, c) per buffered element, under the
 * channel's lock; concurrently with the mutators during a marking cycle,
 * which the element copies' write barrier makes safe (mbarrier.c). */
void grt_chan_forall_buffered(void (*fn)(const void *elem, grt_chan *c,
                                         void *arg),
                              void *arg);

static inline void *grt_chan_slot(const grt_chan *c, size_t i) {
    return c->buf + i * c->elemsize;
}

/* ---- wait queues (guarded by the channel lock) -------------------------------- */

static inline void grt_waitq_enqueue(grt_waitq *q, grt_sudog *s) {
    s->next = NULL;
    s->prev = q->last;
    if (q->last == NULL)
        __atomic_store_n(&q->first, s, __ATOMIC_RELAXED);
    else
        q->last->next = s;
    q->last = s;
}

/* Removes and returns the first sudog that can still be woken: a select
 * sudog whose select was already claimed by another channel is unlinked and
 * skipped (its owner will not find it and does nothing). NULL when none. */
static inline grt_sudog *grt_waitq_dequeue(grt_waitq *q) {
    for (;;) {
        grt_sudog *s = q->first;
        if (s == NULL)
            return NULL;
        grt_sudog *y = s->next;
        __atomic_store_n(&q->first, y, __ATOMIC_RELAXED);
        if (y == NULL)
            q->last = NULL;
        else
            y->prev = NULL;
        s->next = NULL;
        s->prev = NULL;
        if (s->sel != NULL) {
            uint32_t zero = 0;
            if (!atomic_compare_exchange_strong_explicit(
                    &s->sel->done, &zero, 1, memory_order_acq_rel,
                    memory_order_relaxed))
                continue;
        }
        return s;
    }
}

/* Removes s if it is still queued on q (a select's losing sudogs). A sudog
 * that a waker already unlinked has next == prev == NULL and is not
 * q->first, which tells the two cases apart. */
static inline void grt_waitq_remove(grt_waitq *q, grt_sudog *s) {
    grt_sudog *x = s->prev, *y = s->next;
    if (x != NULL)
        x->next = y;
    else if (q->first == s)
        __atomic_store_n(&q->first, y, __ATOMIC_RELAXED);
    else
        return; /* not queued */
    if (y != NULL)
        y->prev = x;
    else
        q->last = x;
    s->next = NULL;
    s->prev = NULL;
}

/* ---- shared operations (chan.c) ------------------------------------------------ */

/* Under c->lock, with s dequeued from c->recvq: hands *src to s's receiver
 * and marks it done (Go's send()). Returns the goroutine to grt_ready once
 * the caller has released its channel lock(s). */
grt_g *grt_chan_send_direct(grt_chan *c, grt_sudog *s, const void *src);
/* Under c->lock, with s dequeued from c->sendq: receives into dst (Go's
 * recv(): straight from the sender when unbuffered; else the head of the
 * full buffer, the sender's value moving to the tail). Returns the sender's
 * goroutine, to grt_ready after unlocking. */
grt_g *grt_chan_recv_direct(grt_chan *c, grt_sudog *s, void *dst);

/* Go's chansend/chanrecv with block == false: the non-blocking engines
 * behind select's fast pass and the timer callback (which runs in scheduler
 * context, so these are not safepoints). grt_chansend_nb returns whether it
 * sent; grt_chanrecv_nb returns whether it completed, *received whether a
 * value came (false: closed and drained). */
bool grt_chansend_nb(grt_chan *c, const void *elem);
bool grt_chanrecv_nb(grt_chan *c, void *elem, bool *received);

/* select.c: true (the default) enables the fast pass. Tests set it false
 * to drive every select through the locked pass 1, which otherwise only
 * runs when readiness changes between the two passes. */
extern bool grt_select_fastpass;

/* The park callback for a single channel: releases the lock in arg. */
bool grt_chan_park_unlock(grt_g *g, void *arg);

/* Timer-channel hooks (timerchan.c): stop and free the timer of c. */
void grt_chantimer_destroy(grt_chan *c);

#endif /* MECHLAB_GRT_CHAN_INTERNAL_H */
