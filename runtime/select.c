/*
 * select.c - select over any number of send and receive cases (Go's
 * runtime/select.go, selectgo).
 *
 * Mechanism
 * ---------
 * grt_select(cases, n, has_default) runs in up to four passes:
 *
 *   pass 0  Poll order: a uniformly random permutation of the cases whose
 *           channel is not nil (Fisher-Yates, one random draw per case).
 *           Lock order: the same cases sorted by channel address.
 *   fast    Try each case alone, in poll order, with the single-channel
 *           non-blocking operation (one lock, or none when a racy look says
 *           the case cannot proceed). The first that completes is the
 *           select's result (select_fast).
 *   pass 1  Nothing completed: lock every distinct channel in address order
 *           and check the cases again in poll order, now atomically. Then
 *           either a case runs (select_fast), or with a default we unlock
 *           and return -1.
 *   pass 2  Block: enqueue one sudog per case (all on this goroutine's
 *           stack, sharing one grt_selwait), park; the park callback
 *           unlocks every channel after we have switched out.
 *   pass 3  Woken: the waker that won the CAS on grt_selwait.done already
 *           did the operation for its case (copied the value, set
 *           success) and recorded its sudog as the winner. Lock all the
 *           channels again, unlink the losing sudogs still queued, unlock,
 *           and return the winner's index (select_blocked).
 *
 * The fast pass is our addition to Go's algorithm. It keeps every property
 * a program can observe: a case it completes was ready at the instant it
 * completed (that instant linearizes the select), and the choice is uniform
 * among the cases found ready because the order is a random permutation.
 * It never concludes "nothing is ready": that conclusion (take the default,
 * or block) is only drawn in pass 1, under all the locks at once, because
 * readiness seen one channel at a time is no snapshot (a could fill after
 * we looked at it and b drain before we look at b, while some goroutine's
 * program order guarantees one of them always holds a value). What it buys:
 * a select with a ready case locks one channel instead of all of them.
 *
 * First wake-up wins: all of a blocked select's sudogs point at one
 * grt_selwait on its stack. A waker dequeueing one of them (under that
 * channel's lock) must first CAS done from 0 to 1; if the CAS fails another
 * channel already won, so it unlinks the sudog and looks at the next
 * waiter (grt_waitq_dequeue). The losing sudogs of the winner stay queued
 * on the other channels until pass 3 removes them, which is safe because
 * no one can claim them any more.
 *
 * Locking rules: channels are locked in increasing address order, each
 * distinct channel once (a select may name a channel in several cases).
 * The park callback releases them in reverse order and must not touch the
 * select's stack after releasing the last one (lowest address): from that
 * moment the goroutine may be readied, run its pass 3 and return. Until
 * then it cannot get past its own relock, so reading the lock order array
 * up to that point is safe.
 *
 * Randomness: a per-thread xorshift state (Go keeps one per M), touched
 * only in pass 0, before anything in grt_select can switch goroutines: the
 * safepoint comes after it, and no other call in between can park. So no
 * thread-local address computed by the compiler is ever used after the
 * goroutine may have moved to another thread (the hazard RUNTIME.md warns
 * about). grt_select is an out-of-line library function, so a caller's
 * loop cannot hoist the address either. The state's address is never taken
 * (the seed mixes the clock and the stack address instead), so each access
 * is a single %fs-relative load or store.
 *
 * Rejected
 * --------
 * - Go's heap sort for the lock order: insertion sort is faster for the
 *   small case counts programs use; above 16 cases we fall back to a heap
 *   sort so a huge select stays O(n log n).
 * - A global atomic counter as the random source: one contended cache line
 *   shared by every P, for every select.
 */
#include <stdlib.h>

#include "chan_internal.h"

bool grt_select_fastpass = true;

/* Cases handled with arrays on the goroutine's stack; larger selects
 * allocate (8 covers nearly every select written by hand). */
#define GRT_SELECT_STACK_CASES 8

static __thread uint64_t grt_select_rng;

/* A uniformly random integer in [0, n). See the essay about TLS. */
static inline uint32_t grt_select_randn(uint32_t n) {
    uint64_t x = grt_select_rng;
    if (x == 0) /* first use on this thread: seed from time and stack */
        x = (grt_nanotime() * 0x9E3779B97F4A7C15ULL) ^
            (uint64_t)(uintptr_t)__builtin_frame_address(0) ^
            0x2545F4914F6CDD1DULL;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    grt_select_rng = x;
    uint32_t r = (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 32);
    return (uint32_t)(((uint64_t)r * n) >> 32); /* Lemire's reduction */
}

/* The select's view needed by the lock helpers and the park callback. */
typedef struct grt_selstate {
    grt_select_case *cases;
    int *lockorder; /* indexes into cases, by channel address */
    int nlock;      /* entries in lockorder (cases with a channel) */
} grt_selstate;

static void grt_sel_lock(const grt_selstate *st) {
    grt_chan *last = NULL;
    for (int i = 0; i < st->nlock; i++) {
        grt_chan *c = st->cases[st->lockorder[i]].c;
        if (c != last) {
            grt_chan_lock(c);
            last = c;
        }
    }
}

/* Reverse order; touches nothing of st after the final release. */
static void grt_sel_unlock(const grt_selstate *st) {
    grt_chan *last = NULL;
    for (int i = st->nlock - 1; i >= 0; i--) {
        grt_chan *c = st->cases[st->lockorder[i]].c;
        if (c == last)
            continue;
        if (last != NULL)
            grt_chan_unlock(last);
        last = c;
    }
    if (last != NULL)
        grt_chan_unlock(last);
}

static bool grt_sel_park_unlock(grt_g *g, void *arg) {
    (void)g;
    grt_sel_unlock((const grt_selstate *)arg);
    return true;
}

static bool grt_sel_less(const grt_select_case *cases, int a, int b) {
    return (uintptr_t)cases[a].c < (uintptr_t)cases[b].c;
}

static void grt_sel_siftdown(const grt_select_case *cases, int *o, int i,
                             int n) {
    for (;;) {
        int k = 2 * i + 1;
        if (k >= n)
            return;
        if (k + 1 < n && grt_sel_less(cases, o[k], o[k + 1]))
            k++;
        if (!grt_sel_less(cases, o[i], o[k]))
            return;
        int t = o[i];
        o[i] = o[k];
        o[k] = t;
        i = k;
    }
}

static void grt_sel_sort(const grt_select_case *cases, int *o, int n) {
    if (n <= 16) {
        for (int i = 1; i < n; i++) {
            int v = o[i], j = i;
            for (; j > 0 && grt_sel_less(cases, v, o[j - 1]); j--)
                o[j] = o[j - 1];
            o[j] = v;
        }
        return;
    }
    for (int i = n / 2 - 1; i >= 0; i--)
        grt_sel_siftdown(cases, o, i, n);
    for (int end = n - 1; end > 0; end--) {
        int t = o[0];
        o[0] = o[end];
        o[end] = t;
        grt_sel_siftdown(cases, o, 0, end);
    }
}

/* Pass 1 for one case, all channels locked. Returns true when the case ran
 * (all channels are then unlocked); panics on a send to a closed channel. */
static bool grt_sel_try_locked(const grt_selstate *st, grt_select_case *k) {
    grt_chan *c = k->c;
    grt_sudog *s;
    grt_g *g;
    if (k->dir == GRT_SELECT_RECV) {
        if ((s = grt_waitq_dequeue(&c->sendq)) != NULL) {
            g = grt_chan_recv_direct(c, s, k->elem);
            grt_sel_unlock(st);
            grt_ready(g);
            GRT_CHAN_STAT_INC(chan_direct);
            k->ok = true;
            return true;
        }
        if (c->qcount > 0) {
            if (k->elem != NULL)
                grt_chan_copy_out(c, k->elem, grt_chan_slot(c, c->recvx));
            if (++c->recvx == c->cap)
                c->recvx = 0;
            grt_chan_set_qcount(c, c->qcount - 1);
            grt_sel_unlock(st);
            GRT_CHAN_STAT_INC(chan_buffered);
            k->ok = true;
            return true;
        }
        if (c->closed) {
            grt_sel_unlock(st);
            grt_chan_clear_out(c, k->elem);
            k->ok = false;
            return true;
        }
        return false;
    }
    if (c->closed) {
        grt_sel_unlock(st);
        grt_panic("send on closed channel");
    }
    if ((s = grt_waitq_dequeue(&c->recvq)) != NULL) {
        g = grt_chan_send_direct(c, s, k->elem);
        grt_sel_unlock(st);
        grt_ready(g);
        GRT_CHAN_STAT_INC(chan_direct);
        return true;
    }
    if (c->qcount < c->cap) {
        grt_chan_copy_in(c, grt_chan_slot(c, c->sendx), k->elem);
        if (++c->sendx == c->cap)
            c->sendx = 0;
        grt_chan_set_qcount(c, c->qcount + 1);
        grt_sel_unlock(st);
        GRT_CHAN_STAT_INC(chan_buffered);
        return true;
    }
    return false;
}

/* The fast pass for one case: the single-channel non-blocking operation.
 * The racy look that rules a case out comes first, inline, so a case that
 * cannot run costs a few loads and no call. */
static inline bool grt_sel_try_alone(grt_select_case *k) {
    grt_chan *c = k->c;
    if (k->dir == GRT_SELECT_SEND) {
        if (!grt_chan_closed_racy(c) && grt_chan_full_racy(c))
            return false;
        return grt_chansend_nb(c, k->elem);
    }
    if (grt_chan_empty_racy(c) && !grt_chan_closed_racy(c))
        return false;
    bool received;
    if (!grt_chanrecv_nb(c, k->elem, &received))
        return false;
    k->ok = received;
    return true;
}

int grt_select(grt_select_case *cases, int n, bool has_default) {
    if (n < 0 || n > 65536)
        grt_throw("select: bad number of cases %d", n);
    if (n == 0) {
        if (has_default)
            return -1;
        grt_park(GRT_WAIT_SELECT_NO_CASES, NULL, NULL);
        grt_throw("unreachable: woke from select {}");
    }

    int orderbuf[2 * GRT_SELECT_STACK_CASES];
    int *order = orderbuf;
    if (n > GRT_SELECT_STACK_CASES) {
        order = malloc(2 * (size_t)n * sizeof *order);
        if (order == NULL)
            grt_throw("select: out of memory");
    }
    int *pollorder = order, *lockorder = order + n;
    int result;

    /* Pass 0: random poll order over the non-nil cases (inside-out
     * Fisher-Yates), then the fast pass. */
    int np = 0;
    for (int i = 0; i < n; i++) {
        if (cases[i].c == NULL)
            continue;
        int j = (int)grt_select_randn((uint32_t)np + 1);
        pollorder[np] = pollorder[j];
        pollorder[j] = i;
        np++;
    }
    /* A select that is always ready still yields when asked. After pass 0:
     * the random state is thread-local (see the essay). */
    GRT_SAFEPOINT();
    for (int k = 0; k < np && grt_select_fastpass; k++) {
        if (grt_sel_try_alone(&cases[pollorder[k]])) {
            GRT_CHAN_STAT_INC(select_fast);
            result = pollorder[k];
            goto out;
        }
    }

    memcpy(lockorder, pollorder, (size_t)np * sizeof *lockorder);
    grt_sel_sort(cases, lockorder, np);
    grt_selstate st = {cases, lockorder, np};

    /* Pass 1: everything locked, an atomic look at every case. A single
     * case with a default was decided exactly by the fast pass. */
    if (!(has_default && np == 1 && grt_select_fastpass)) {
        grt_sel_lock(&st);
        for (int k = 0; k < np; k++) {
            if (grt_sel_try_locked(&st, &cases[pollorder[k]])) {
                GRT_CHAN_STAT_INC(select_fast);
                result = pollorder[k];
                goto out;
            }
        }
        if (has_default) {
            grt_sel_unlock(&st);
            result = -1;
            goto out;
        }
    } else {
        result = -1;
        goto out;
    }

    /* Pass 2: enqueue on every channel and park. With only nil channels
     * (np == 0) nothing can ever wake us: Go parks the same way. */
    grt_sudog sgbuf[GRT_SELECT_STACK_CASES];
    grt_sudog *sgs = sgbuf;
    if (np > GRT_SELECT_STACK_CASES) {
        sgs = calloc((size_t)np, sizeof *sgs);
        if (sgs == NULL) {
            grt_sel_unlock(&st);
            grt_throw("select: out of memory");
        }
    }
    grt_g *self = grt_curg();
    grt_selwait sw;
    atomic_init(&sw.done, 0);
    sw.winner = NULL;
    for (int k = 0; k < np; k++) {
        int i = lockorder[k];
        grt_sudog *s = &sgs[k];
        memset(s, 0, sizeof *s);
        s->g = self;
        s->elem = cases[i].elem;
        s->c = cases[i].c;
        s->sel = &sw;
        s->casei = i;
        grt_waitq_enqueue(
            cases[i].dir == GRT_SELECT_SEND ? &s->c->sendq : &s->c->recvq, s);
    }
    GRT_CHAN_STAT_INC(select_blocked);
    GRT_CHAN_STAT_INC(chan_blocked);
    grt_park(GRT_WAIT_SELECT, grt_sel_park_unlock, &st);

    /* Pass 3: the winner's operation is done; unlink the losers. */
    grt_sel_lock(&st);
    grt_sudog *w = sw.winner;
    if (w == NULL)
        grt_throw("select: woken without a winning case");
    for (int k = 0; k < np; k++) {
        grt_sudog *s = &sgs[k];
        if (s == w)
            continue;
        int i = lockorder[k];
        grt_waitq_remove(
            cases[i].dir == GRT_SELECT_SEND ? &s->c->sendq : &s->c->recvq, s);
    }
    grt_sel_unlock(&st);
    result = w->casei;
    if (cases[result].dir == GRT_SELECT_RECV) {
        cases[result].ok = w->success;
    } else if (!w->success) {
        if (sgs != sgbuf)
            free(sgs);
        if (order != orderbuf)
            free(order);
        grt_panic("send on closed channel");
    }
    if (sgs != sgbuf)
        free(sgs);
out:
    if (order != orderbuf)
        free(order);
    return result;
}
