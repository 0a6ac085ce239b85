/*
 * timerchan.c - timers as channels: grt_after (Go's time.After /
 * time.NewTimer(d).C) and grt_ticker (time.NewTicker(d).C).
 *
 * Mechanism (as Go's time package does it): a buffered channel of capacity
 * 1 carrying uint64_t timestamps, and a runtime timer whose callback, run
 * in scheduler context, does a non-blocking send of the firing time into
 * it. A receiver blocked on the channel (alone or in a select) is readied
 * straight from the callback (a direct handoff into its destination); when
 * nobody is waiting the value sits in the one-slot buffer; when that slot is
 * already full the tick is dropped, so a slow reader sees the latest pending
 * tick later and never blocks the timer heap. Because the callback never
 * blocks, it satisfies the timer rule of grt_internal.h (may take grt_locks
 * and call grt_ready, must not park).
 *
 * Lifetime: the grt_chantimer (timer + back pointer) is allocated with the
 * channel and freed by grt_chan_free, which first stops the timer. A
 * callback already running when the timer is stopped must not touch freed
 * memory, so the callback announces itself in `busy` and grt_chan_free
 * waits for it to finish (see grt_chantimer_destroy). The window between
 * the timer heap taking the timer and the callback's first instruction is
 * closed by `gate`, a lock held by the callback around its send and taken by
 * destroy after the stop: once destroy holds it and `dead` is set, no
 * callback can reach the channel.
 *
 * Rejected: a goroutine per timer channel that sleeps and sends (Go did
 * this long ago): a goroutine and a stack per pending timer, and two
 * context switches per tick.
 */
#include <stdlib.h>

#include "chan_internal.h"

typedef struct grt_chantimer {
    grt_timer t;   /* the runtime timer; its arg is this struct */
    grt_chan *c;   /* the channel fed; immutable */
    grt_lock gate; /* held by a firing callback; see the essay */
    bool dead;     /* guarded by gate: the channel is being freed */
    bool stopped;  /* guarded by gate: stopped by grt_chan_stop */
} grt_chantimer;

static void grt_chantimer_fire(void *arg, uint64_t now) {
    grt_chantimer *ct = arg;
    grt_lock_acquire(&ct->gate);
    if (!ct->dead && !ct->stopped)
        grt_chansend(ct->c, &now, false);
    grt_lock_release(&ct->gate);
}

static grt_chan *grt_chantimer_make(uint64_t d_ns, uint64_t period) {
    grt_chan *c = grt_chan_make(sizeof(uint64_t), 1);
    grt_chantimer *ct = calloc(1, sizeof *ct);
    if (ct == NULL)
        grt_throw("timer channel: out of memory");
    ct->c = c;
    ct->t.when = grt_nanotime() + d_ns;
    ct->t.period = period;
    ct->t.f = grt_chantimer_fire;
    ct->t.arg = ct;
    ct->t.heap_index = -1;
    c->timer = ct;
    grt_timer_start(&ct->t);
    return c;
}

grt_chan *grt_after(uint64_t d_ns) {
    return grt_chantimer_make(d_ns, 0);
}

grt_chan *grt_ticker(uint64_t period_ns) {
    if (period_ns == 0)
        grt_panic("non-positive interval for NewTicker");
    return grt_chantimer_make(period_ns, period_ns);
}

bool grt_chan_stop(grt_chan *c) {
    if (c == NULL || c->timer == NULL)
        return false;
    grt_chantimer *ct = c->timer;
    bool pending = grt_timer_stop(&ct->t);
    /* A periodic timer may be re-armed by a callback running right now:
     * the flag (read by the callback under gate) silences it for good. */
    grt_lock_acquire(&ct->gate);
    ct->stopped = true;
    grt_lock_release(&ct->gate);
    return pending;
}

void grt_chantimer_destroy(grt_chan *c) {
    grt_chantimer *ct = c->timer;
    grt_timer_stop(&ct->t);
    grt_lock_acquire(&ct->gate);
    ct->dead = true;
    grt_lock_release(&ct->gate);
    /* A periodic timer re-armed by a callback that ran between the stop and
     * the gate: stop it again (it can no longer send). */
    grt_timer_stop(&ct->t);
    free(ct);
    c->timer = NULL;
}
