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
 * already full the tick is dropped, so a slow reader sees one pending tick
 * and never blocks the timer heap. The callback never blocks, as the timer
 * rule of grt_internal.h requires (it takes grt_locks and may grt_ready).
 *
 * Lifetime. timer.c pops a due timer under its heap lock, re-arms a periodic
 * one, then calls the callback with the lock released; grt_timer_stop only
 * removes a pending timer. So a callback may still be on its way when the
 * channel is stopped or freed, and its argument must stay valid. We make it
 * so by never freeing the timer records: they live in chunks of a global
 * pool (type-stable memory) and are recycled through a free list. The
 * callback's argument is not a pointer but (slot index << 32 | generation);
 * the callback looks the slot up, takes its lock and sends only if the
 * generation still matches and the timer was not stopped. Freeing bumps the
 * generation under the same lock, so after grt_chan_free no callback can
 * reach the channel, whatever the timing. A recycled slot's grt_timer is
 * not in the heap any more: grt_timer_stop removed it, and timer.c re-arms
 * a periodic timer only at the moment it pops it, under the heap lock.
 *
 * Locking: slot->lock guards gen, c and stopped; the pool lock guards the
 * free list and chunk creation; the order is slot lock, then the channel's
 * lock (inside the non-blocking send). The heap lock is never held with
 * either (timer.c calls us without it).
 *
 * Rejected:
 * - A goroutine per timer channel that sleeps and sends (Go did this long
 *   ago): a goroutine and a stack per pending timer, two switches per tick.
 * - Freeing the record and asking timer.c to wait for running callbacks:
 *   a callback may itself stop timers, so waiting invites deadlock, and it
 *   would change the timer contract for every user.
 */
#include <stdlib.h>

#include "chan_internal.h"
#include "grt_heap.h"

/* Pool geometry: chunks of 256 records, up to 4096 chunks (a million timer
 * channels alive at once; the chunk table is 32 KiB of static pointers). */
#define GRT_CT_CHUNK     256u
#define GRT_CT_MAXCHUNKS 4096u

typedef struct grt_chantimer {
    grt_timer t;    /* guarded by timer.c's heap lock while pending */
    grt_lock lock;  /* guards gen, c, stopped */
    uint32_t gen;   /* bumped when the channel is freed */
    uint32_t index; /* position in the pool; immutable */
    grt_chan *c;    /* the channel fed, NULL when free */
    bool stopped;   /* grt_chan_stop was called */
    struct grt_chantimer *nextfree; /* guarded by the pool lock */
} grt_chantimer;

static struct {
    grt_lock lock;                                   /* guards free, nchunks */
    grt_chantimer *free;                             /* recycled records */
    uint32_t nchunks;                                /* chunks allocated */
    grt_chantimer *_Atomic chunks[GRT_CT_MAXCHUNKS]; /* never freed */
} grt_ct_pool;

static grt_chantimer *grt_ct_alloc(void) {
    grt_lock_acquire(&grt_ct_pool.lock);
    if (grt_ct_pool.free == NULL) {
        uint32_t k = grt_ct_pool.nchunks;
        grt_chantimer *chunk =
            k < GRT_CT_MAXCHUNKS ? calloc(GRT_CT_CHUNK, sizeof *chunk) : NULL;
        if (chunk == NULL) {
            grt_lock_release(&grt_ct_pool.lock);
            grt_throw("timer channel: out of memory");
        }
        for (uint32_t i = GRT_CT_CHUNK; i-- > 0;) {
            chunk[i].index = k * GRT_CT_CHUNK + i;
            chunk[i].nextfree = grt_ct_pool.free;
            grt_ct_pool.free = &chunk[i];
        }
        atomic_store_explicit(&grt_ct_pool.chunks[k], chunk,
                              memory_order_release);
        grt_ct_pool.nchunks = k + 1;
    }
    grt_chantimer *ct = grt_ct_pool.free;
    grt_ct_pool.free = ct->nextfree;
    grt_lock_release(&grt_ct_pool.lock);
    return ct;
}

static void grt_ct_release(grt_chantimer *ct) {
    grt_lock_acquire(&grt_ct_pool.lock);
    ct->nextfree = grt_ct_pool.free;
    grt_ct_pool.free = ct;
    grt_lock_release(&grt_ct_pool.lock);
}

static void grt_chantimer_fire(void *arg, uint64_t now) {
    uint64_t key = (uint64_t)(uintptr_t)arg;
    uint32_t index = (uint32_t)(key >> 32), gen = (uint32_t)key;
    grt_chantimer *chunk = atomic_load_explicit(
        &grt_ct_pool.chunks[index / GRT_CT_CHUNK], memory_order_acquire);
    grt_chantimer *ct = &chunk[index % GRT_CT_CHUNK];
    grt_lock_acquire(&ct->lock);
    if (ct->gen == gen && !ct->stopped && ct->c != NULL)
        grt_chansend_nb(ct->c, &now);
    grt_lock_release(&ct->lock);
}

static grt_chan *grt_chantimer_make(uint64_t d_ns, uint64_t period) {
    static const grt_type tick_type = GRT_TYPE_NOPTR(uint64_t);
    grt_chan *c = grt_chan_make_typed(&tick_type, 1);
    grt_chantimer *ct = grt_ct_alloc();
    grt_lock_acquire(&ct->lock);
    uint32_t gen = ct->gen;
    ct->c = c;
    ct->stopped = false;
    grt_lock_release(&ct->lock);
    ct->t.when = grt_nanotime() + d_ns;
    ct->t.period = period;
    ct->t.f = grt_chantimer_fire;
    /* A key, not a pointer (see the essay). */
    ct->t.arg = (void *)(uintptr_t)((uint64_t)ct->index << 32 | // NOLINT
                                    gen);
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
    /* The flag silences a callback already on its way (and a periodic
     * timer's next firings); the stop takes it out of the heap. */
    grt_lock_acquire(&ct->lock);
    ct->stopped = true;
    grt_lock_release(&ct->lock);
    return grt_timer_stop(&ct->t);
}

void grt_chantimer_destroy(grt_chan *c) {
    grt_chantimer *ct = c->timer;
    grt_timer_stop(&ct->t);
    grt_lock_acquire(&ct->lock);
    ct->gen++;
    ct->c = NULL;
    grt_lock_release(&ct->lock);
    c->timer = NULL;
    grt_ct_release(ct);
}
