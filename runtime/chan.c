/*
 * chan.c - channels: send, receive, close, len, cap (Go's runtime/chan.go).
 *
 * Mechanism
 * ---------
 * A channel is a lock, a ring buffer of cap elements and two FIFO queues of
 * blocked goroutines (receivers and senders), each represented by a sudog
 * living on the blocked goroutine's own stack (chan_internal.h). Every
 * operation takes the lock, looks at the other side's queue and the buffer,
 * and does the first thing that applies:
 *
 *   send:  closed            -> panic "send on closed channel"
 *          receiver waiting  -> copy straight into the receiver's
 *                               destination, ready it      (chan_direct)
 *          buffer not full   -> copy into buf[sendx]       (chan_buffered)
 *          otherwise         -> enqueue a sudog on sendq, park (chan_blocked)
 *   recv:  closed and empty  -> zero value, ok = false
 *          sender waiting    -> unbuffered: copy straight from the sender;
 *                               buffered (so full): take the head, move the
 *                               sender's value to the tail; ready the sender
 *                                                          (chan_direct)
 *          buffer not empty  -> take buf[recvx]            (chan_buffered)
 *          otherwise         -> enqueue on recvq, park      (chan_blocked)
 *   close: mark closed, dequeue every waiter (receivers get the zero value
 *          and ok = false, senders will panic), unlock, then ready them all.
 *
 * The direct copies are the point of the design: an unbuffered handoff never
 * touches a buffer, and the woken goroutine goes to the waker's P's runnext
 * slot (grt_ready), so a ping-pong pair runs back to back on one P with no
 * run-queue traffic and no other thread woken.
 *
 * Parking: a blocking operation enqueues its sudog and calls grt_park with
 * grt_chan_park_unlock, which releases the channel lock only after the
 * goroutine has switched out. A waker must hold the lock to dequeue the
 * sudog, so it can never grt_ready a goroutine that is still running. When
 * the parked goroutine resumes, the waker has already done the whole
 * operation for it (copied the value, set success); it only reads the
 * outcome.
 *
 * Fast paths without the lock (as Go): a non-blocking send on an open full
 * channel, and a non-blocking receive on an open empty channel, fail after a
 * few racy loads. The order of the loads in the receive case matters: empty
 * first, then closed, then empty again, so that "closed and drained" is
 * never reported while a value is still buffered.
 *
 * Rejected
 * --------
 * - Lock-free ring buffers (as in some C channel libraries): they make the
 *   buffered path a few ns faster but cannot give Go's semantics for close,
 *   select and direct handoff without a lock around the waiter queues anyway,
 *   and the two-mechanism version is much harder to get right.
 * - A heap-allocated sudog cache (Go's acquireSudog): our stacks never move,
 *   so a sudog on the blocked goroutine's stack is free and always valid.
 * - grt_lock (spin, then futex) as the channel lock: its release must be an
 *   atomic exchange to learn whether a sleeper needs waking, a second
 *   locked instruction per operation (about 6 ns here, 30% of a buffered
 *   send+receive). Channel critical sections are short and bounded, so a
 *   lock released by a plain store, whose waiters spin and then yield the
 *   thread, costs less and loses nothing (chan_internal.h).
 * - Clearing a buffer slot after a receive (Go does it for the GC, whose
 *   buffers are heap objects scanned whole): the collector here scans only
 *   the live range of a buffer (qcount elements from recvx), so a consumed
 *   slot keeps nothing alive and needs no store.
 *
 * The write barrier. Every element copy goes through grt_chan_copy_in
 * (into a buffer slot), grt_chan_copy_out (into a receiver's destination)
 * or grt_chan_clear_out (the zero value), which take the bulk write
 * barrier while the collector marks (chan_internal.h, mbarrier.c): a
 * receive into a heap object overwrites pointers as GRT_STORE_PTR does
 * and must tell the marker the same things.
 *
 * Preemption: the public entry points are safepoints (GRT_SAFEPOINT), so a
 * goroutine looping on channel operations that never block (a select with a
 * closed channel, a buffered ping on its own) still yields when the monitor
 * asks; the engines (grt_chansend_nb, grt_chanrecv_nb) are not, because the timer
 * callback calls them in scheduler context.
 *
 * Statistics: every completed send or receive (also inside select) counts as
 * chan_direct, chan_buffered or chan_blocked by the path it took; close and
 * receives from closed channels count nothing.
 */
#include <sched.h>
#include <stdlib.h>

#include "chan_internal.h"
#include "grt_malloc.h"

/* PAUSE rounds before a waiter starts yielding its thread: a few hundred
 * ns, longer than any channel critical section that is not preempted. */
enum { GRT_CHANLOCK_SPIN = 100 };

static inline void grt_chan_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

void grt_chan_lock_slow(grt_chanlock *l) {
    for (unsigned i = 0;; i++) {
        if (atomic_load_explicit(&l->held, memory_order_relaxed) == 0) {
            uint32_t z = 0;
            if (atomic_compare_exchange_weak_explicit(&l->held, &z, 1,
                                                      memory_order_acquire,
                                                      memory_order_relaxed))
                return;
        }
        if (i < GRT_CHANLOCK_SPIN)
            grt_chan_relax();
        else
            sched_yield();
    }
}

/* Channels whose buffers may hold heap pointers, for the collector. */
static grt_lock chan_reg_lock = GRT_LOCK_INIT;
static grt_chan *chan_reg;

static void chan_register(grt_chan *c) {
    grt_lock_acquire(&chan_reg_lock);
    c->gcnext = chan_reg;
    c->gcprev = NULL;
    if (chan_reg != NULL)
        chan_reg->gcprev = c;
    chan_reg = c;
    grt_lock_release(&chan_reg_lock);
}

static void chan_unregister(grt_chan *c) {
    grt_lock_acquire(&chan_reg_lock);
    if (c->gcprev != NULL)
        c->gcprev->gcnext = c->gcnext;
    else
        chan_reg = c->gcnext;
    if (c->gcnext != NULL)
        c->gcnext->gcprev = c->gcprev;
    grt_lock_release(&chan_reg_lock);
}

void grt_chan_forall_buffered(void (*fn)(const void *elem, grt_chan *c,
                                         void *arg),
                              void *arg) {
    grt_lock_acquire(&chan_reg_lock);
    for (grt_chan *c = chan_reg; c != NULL; c = c->gcnext) {
        grt_chan_lock(c);
        size_t n = c->qcount, i = c->recvx;
        for (size_t k = 0; k < n; k++) {
            fn(grt_chan_slot(c, i), c, arg);
            if (++i == c->cap)
                i = 0;
        }
        grt_chan_unlock(c);
    }
    grt_lock_release(&chan_reg_lock);
}

static grt_chan *chan_make(size_t elemsize, size_t cap,
                           const struct grt_type *t, int scan) {
    if (elemsize >= GRT_CHAN_MAX_ELEM)
        grt_throw("makechan: invalid channel element type");
    if (elemsize != 0 && cap > (SIZE_MAX / 2) / elemsize)
        grt_panic("makechan: size out of range");
    grt_chan *c = calloc(1, sizeof *c);
    if (c == NULL)
        grt_throw("makechan: out of memory");
    if (cap > 0 && elemsize > 0) {
        c->buf = calloc(cap, elemsize);
        if (c->buf == NULL)
            grt_throw("makechan: out of memory");
    }
    c->elemsize = elemsize;
    c->cap = cap;
    c->elemtype = t;
    c->elemscan = (uint8_t)scan;
    c->scan = (uint8_t)(c->buf != NULL ? scan : GRT_CHAN_SCAN_NONE);
    if (c->scan != GRT_CHAN_SCAN_NONE)
        chan_register(c);
    return c;
}

grt_chan *grt_chan_make(size_t elemsize, size_t cap) {
    return chan_make(elemsize, cap, NULL,
                     elemsize >= sizeof(void *) ? GRT_CHAN_SCAN_CONS
                                                : GRT_CHAN_SCAN_NONE);
}

grt_chan *grt_chan_make_typed(const struct grt_type *elem, size_t cap) {
    if (elem == NULL)
        grt_throw("makechan: NULL element type");
    return chan_make(elem->size, cap, elem,
                     elem->ptrmask != NULL ? GRT_CHAN_SCAN_TYPED
                                           : GRT_CHAN_SCAN_NONE);
}

void grt_chan_free(grt_chan *c) {
    if (c == NULL)
        return;
    if (c->timer != NULL)
        grt_chantimer_destroy(c);
    if (c->scan != GRT_CHAN_SCAN_NONE)
        chan_unregister(c);
    free(c->buf);
    free(c);
}

bool grt_chan_park_unlock(grt_g *g, void *arg) {
    (void)g;
    grt_chan_unlock((grt_chan *)arg);
    return true;
}

void grt_chan_wb(const grt_chan *c, void *dst, const void *src) {
    grt_bulkbarrier_prewrite(dst, src, c->elemsize,
                             c->elemscan == GRT_CHAN_SCAN_TYPED ? c->elemtype
                                                                : NULL);
}

grt_g *grt_chan_send_direct(grt_chan *c, grt_sudog *s, const void *src) {
    if (s->elem != NULL)
        grt_chan_copy_out(c, s->elem, src);
    s->success = true;
    if (s->sel != NULL)
        s->sel->winner = s;
    return s->g;
}

grt_g *grt_chan_recv_direct(grt_chan *c, grt_sudog *s, void *dst) {
    if (c->cap == 0) {
        if (dst != NULL)
            grt_chan_copy_out(c, dst, s->elem);
    } else {
        /* The buffer is full (a sender is waiting): take the head, and put
         * the sender's value in the slot just freed, which is now the
         * tail. FIFO order holds: the sender queued after every buffered
         * value. */
        void *slot = grt_chan_slot(c, c->recvx);
        if (dst != NULL)
            grt_chan_copy_out(c, dst, slot);
        grt_chan_copy_in(c, slot, s->elem);
        if (++c->recvx == c->cap)
            c->recvx = 0;
        c->sendx = c->recvx;
    }
    s->success = true;
    if (s->sel != NULL)
        s->sel->winner = s;
    return s->g;
}

/* The engines are inlined into the blocking entry points, where `block` is
 * a constant and the non-blocking fast paths fold away. */
static inline __attribute__((always_inline)) bool
grt_chansend_impl(grt_chan *c, const void *elem, bool block) {
    if (c == NULL) {
        if (!block)
            return false;
        grt_park(GRT_WAIT_CHAN_SEND_NIL, NULL, NULL);
        grt_throw("unreachable: woke from a send on a nil channel");
    }

    /* Fast path: an open channel that cannot take a value now. Reading
     * closed after full is enough: if the channel closed in between, the
     * send could not have proceeded at the instant full was observed. */
    if (!block && !grt_chan_closed_racy(c) && grt_chan_full_racy(c))
        return false;

    grt_chan_lock(c);
    if (c->closed) {
        grt_chan_unlock(c);
        grt_panic("send on closed channel");
    }
    grt_sudog *r = grt_waitq_dequeue(&c->recvq);
    if (r != NULL) {
        grt_g *g = grt_chan_send_direct(c, r, elem);
        grt_chan_unlock(c);
        grt_ready(g);
        GRT_CHAN_STAT_INC(chan_direct);
        return true;
    }
    if (c->qcount < c->cap) {
        grt_chan_copy_in(c, grt_chan_slot(c, c->sendx), elem);
        if (++c->sendx == c->cap)
            c->sendx = 0;
        grt_chan_set_qcount(c, c->qcount + 1);
        grt_chan_unlock(c);
        GRT_CHAN_STAT_INC(chan_buffered);
        return true;
    }
    if (!block) {
        grt_chan_unlock(c);
        return false;
    }

    grt_sudog s = {0};
    s.g = grt_curg();
    s.elem = (void *)elem; /* read only: the peer copies from it */
    s.c = c;
    grt_waitq_enqueue(&c->sendq, &s);
    GRT_CHAN_STAT_INC(chan_blocked);
    grt_park(GRT_WAIT_CHAN_SEND, grt_chan_park_unlock, c);
    if (!s.success)
        grt_panic("send on closed channel");
    return true;
}

static inline __attribute__((always_inline)) bool
grt_chanrecv_impl(grt_chan *c, void *elem, bool block, bool *received) {
    *received = false;
    if (c == NULL) {
        if (!block)
            return false;
        grt_park(GRT_WAIT_CHAN_RECV_NIL, NULL, NULL);
        grt_throw("unreachable: woke from a receive on a nil channel");
    }

    /* Fast path: nothing to receive. If the channel is open it cannot
     * proceed; if it is closed, check empty again (a value may have been
     * sent just before the close) and report the close. */
    if (!block && grt_chan_empty_racy(c)) {
        if (!grt_chan_closed_racy(c))
            return false;
        if (grt_chan_empty_racy(c)) {
            grt_chan_clear_out(c, elem);
            return true;
        }
    }

    grt_chan_lock(c);
    if (c->closed && c->qcount == 0) {
        grt_chan_unlock(c);
        grt_chan_clear_out(c, elem);
        return true;
    }
    grt_sudog *s = grt_waitq_dequeue(&c->sendq);
    if (s != NULL) {
        grt_g *g = grt_chan_recv_direct(c, s, elem);
        grt_chan_unlock(c);
        grt_ready(g);
        GRT_CHAN_STAT_INC(chan_direct);
        *received = true;
        return true;
    }
    if (c->qcount > 0) {
        if (elem != NULL)
            grt_chan_copy_out(c, elem, grt_chan_slot(c, c->recvx));
        if (++c->recvx == c->cap)
            c->recvx = 0;
        grt_chan_set_qcount(c, c->qcount - 1);
        grt_chan_unlock(c);
        GRT_CHAN_STAT_INC(chan_buffered);
        *received = true;
        return true;
    }
    if (!block) {
        grt_chan_unlock(c);
        return false;
    }

    grt_sudog me = {0};
    me.g = grt_curg();
    me.elem = elem;
    me.c = c;
    grt_waitq_enqueue(&c->recvq, &me);
    GRT_CHAN_STAT_INC(chan_blocked);
    grt_park(GRT_WAIT_CHAN_RECV, grt_chan_park_unlock, c);
    *received = me.success;
    return true;
}

bool grt_chansend_nb(grt_chan *c, const void *elem) {
    return grt_chansend_impl(c, elem, false);
}

bool grt_chanrecv_nb(grt_chan *c, void *elem, bool *received) {
    return grt_chanrecv_impl(c, elem, false, received);
}

void grt_chan_send(grt_chan *c, const void *elem) {
    GRT_SAFEPOINT();
    grt_chansend_impl(c, elem, true);
}

bool grt_chan_recv(grt_chan *c, void *elem) {
    GRT_SAFEPOINT();
    bool received;
    grt_chanrecv_impl(c, elem, true, &received);
    return received;
}

bool grt_chan_trysend(grt_chan *c, const void *elem) {
    GRT_SAFEPOINT();
    return grt_chansend_impl(c, elem, false);
}

bool grt_chan_tryrecv(grt_chan *c, void *elem, bool *ok) {
    GRT_SAFEPOINT();
    bool received;
    bool done = grt_chanrecv_impl(c, elem, false, &received);
    if (ok != NULL)
        *ok = received;
    return done;
}

void grt_chan_close(grt_chan *c) {
    if (c == NULL)
        grt_panic("close of nil channel");
    grt_chan_lock(c);
    if (c->closed) {
        grt_chan_unlock(c);
        grt_panic("close of closed channel");
    }
    __atomic_store_n(&c->closed, 1, __ATOMIC_RELEASE);

    /* Dequeue every waiter under the lock, ready them after it: a woken
     * goroutine that runs at once would otherwise spin on our lock. Read
     * each sudog's fields before readying its goroutine: its stack frame
     * is gone once it runs. */
    grt_sudog *list = NULL, **tail = &list;
    grt_sudog *s;
    while ((s = grt_waitq_dequeue(&c->recvq)) != NULL) {
        grt_chan_clear_out(c, s->elem);
        s->success = false;
        if (s->sel != NULL)
            s->sel->winner = s;
        s->wakelink = NULL;
        *tail = s;
        tail = &s->wakelink;
    }
    while ((s = grt_waitq_dequeue(&c->sendq)) != NULL) {
        s->success = false;
        if (s->sel != NULL)
            s->sel->winner = s;
        s->wakelink = NULL;
        *tail = s;
        tail = &s->wakelink;
    }
    grt_chan_unlock(c);
    while (list != NULL) {
        grt_sudog *next = list->wakelink;
        grt_ready(list->g);
        list = next;
    }
}

size_t grt_chan_len(grt_chan *c) {
    return c == NULL ? 0 : grt_chan_qcount_racy(c);
}

size_t grt_chan_cap(grt_chan *c) {
    return c == NULL ? 0 : c->cap;
}
