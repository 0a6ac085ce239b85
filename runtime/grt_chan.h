/*
 * grt_chan.h - channels, select and timer channels: the public API.
 *
 * A channel carries fixed-size elements (elemsize bytes, copied by value,
 * 0 allowed for "struct{}" signals) between goroutines. cap == 0 makes an
 * unbuffered channel: a send completes only when a receiver takes the value,
 * copied straight from the sender's buffer to the receiver's. cap > 0 gives a
 * FIFO ring of cap elements. The semantics are Go's, all of them:
 *
 *   - A nil channel (NULL) blocks a send or a receive forever; the goroutine
 *     counts as asleep for deadlock detection. In a select, a NULL channel's
 *     case is never ready.
 *   - Send on a closed channel, close of a closed channel and close of a nil
 *     channel are fatal: "panic: send on closed channel", "panic: close of
 *     closed channel", "panic: close of nil channel" (exit status 2).
 *   - Receive on a closed channel first drains the buffer; then it returns at
 *     once with the element zeroed and ok == false.
 *   - Close wakes every blocked receiver (zero value, ok == false) and every
 *     blocked sender (which then panics, as in Go).
 *   - Values from one sender arrive in the order they were sent.
 *
 * Blocking calls must run on a goroutine (inside grt_run). Non-blocking
 * calls (try variants, select with default, close, len, cap) may run
 * anywhere the runtime is live. Channels are freed explicitly with
 * grt_chan_free once no goroutine can touch them (channels themselves are
 * not collected; the buffered elements are roots of the collector, see
 * grt_chan_make_typed).
 *
 * select: grt_select(cases, n, has_default) takes an array of send and
 * receive cases, picks uniformly at random among the ready ones, or returns
 * -1 at once when none is ready and has_default is set, or blocks until one
 * is ready. It returns the index of the case that ran; a receive case's `ok`
 * says whether a value came (false: the channel was closed). A select with
 * n == 0 and no default blocks forever ("select {}").
 *
 * Timers as channels (Go's time.After, time.NewTimer and time.NewTicker):
 * grt_after and grt_ticker return a buffered channel of capacity 1 carrying
 * uint64_t values (grt_nanotime() at the firing). A runtime timer callback
 * does a non-blocking send into it, so a slow reader misses ticks rather
 * than blocking the timer. Free it with grt_chan_free (which stops the timer
 * first); grt_chan_stop stops it early, as Timer.Stop / Ticker.Stop do.
 *
 * Naming: grt_chan_* for channels, grt_select* for select.
 */
#ifndef MECHLAB_GRT_CHAN_H
#define MECHLAB_GRT_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grt_chan grt_chan;

/* A channel of elemsize-byte elements with a buffer of cap elements (0:
 * unbuffered). Fatal when elemsize is 64 KiB or more (Go's limit) or the
 * buffer cannot be allocated. */
grt_chan *grt_chan_make(size_t elemsize, size_t cap);
/* A typed channel (Go's make(chan T, cap)): elements of elem->size bytes.
 * The collector scans buffered elements by elem's pointer mask; a type
 * without pointers (ptrmask NULL) is never scanned. grt_chan_make's
 * untyped channels are scanned conservatively (every aligned word of a
 * buffered element may be a pointer): pass a type when elements hold heap
 * pointers, or a NOPTR type when they never do, to skip that work. */
struct grt_type;
grt_chan *grt_chan_make_typed(const struct grt_type *elem, size_t cap);

/* Channels and the collector's write barrier (grt_heap.h). A send or a
 * receive copies a whole element, and that copy is the channel's own
 * pointer store: while the collector marks, every copy of an element that
 * may hold pointers (a typed channel whose type has a pointer mask, or an
 * untyped channel of elements of 8 bytes or more) takes the write barrier
 * for each pointer word, as GRT_STORE_PTR would (Go's typedmemmove):
 *
 *   - into a buffer slot (a send that does not find a receiver): each
 *     pointer being written is shaded (the slot's old contents are dead);
 *   - into a receiver's destination (a receive from the buffer or from a
 *     parked sender, a send handed straight to a parked receiver, a
 *     select's receive case, the zero value of a closed channel): each
 *     pointer being written is shaded, and when the destination lies in
 *     the heap (a field of a grt_new object) so is each pointer it
 *     overwrites.
 *
 * So receiving straight into a heap object's field is as safe as
 * GRT_STORE_PTR, and user code needs no barrier of its own around a
 * channel operation. Pointer words come from the type's mask; an untyped
 * channel treats every aligned word as a possible pointer, a pointer-free
 * type (ptrmask NULL) takes no barrier at all. Outside marking the barrier
 * costs one load and a predicted branch per copy. */
/* Frees c (NULL is a no-op); a timer channel's timer is stopped first. No
 * goroutine may be blocked on c or use it afterwards. */
void grt_chan_free(grt_chan *c);

/* Blocking send: copies elemsize bytes from elem. */
void grt_chan_send(grt_chan *c, const void *elem);
/* Blocking receive into elem (NULL discards the value). Returns ok: false
 * when c is closed and drained (elem is then zeroed). */
bool grt_chan_recv(grt_chan *c, void *elem);

/* Non-blocking send (select with one send case and a default): true when the
 * value was sent. Panics on a closed channel, as Go does. */
bool grt_chan_trysend(grt_chan *c, const void *elem);
/* Non-blocking receive: returns true when the receive happened (a value, or
 * the zero value from a closed channel); *ok (may be NULL) tells which. */
bool grt_chan_tryrecv(grt_chan *c, void *elem, bool *ok);

/* Close: fatal on a nil or already closed channel. */
void grt_chan_close(grt_chan *c);

/* Elements buffered now, and the buffer's capacity (0 for a nil channel). */
size_t grt_chan_len(grt_chan *c);
size_t grt_chan_cap(grt_chan *c);

/* ---- select ------------------------------------------------------------- */

typedef enum grt_select_dir {
    GRT_SELECT_SEND, /* elem: the value to send (read only) */
    GRT_SELECT_RECV, /* elem: where the value goes (NULL discards) */
} grt_select_dir;

typedef struct grt_select_case {
    grt_chan *c;        /* NULL: a nil channel, never ready */
    void *elem;         /* see grt_select_dir */
    grt_select_dir dir; /* send or receive */
    bool ok;            /* out, receive cases: a value came (false: closed) */
} grt_select_case;

/* Runs one ready case chosen uniformly at random and returns its index;
 * returns -1 when has_default is set and no case is ready; otherwise blocks
 * until a case can run. n may be 0 (blocks forever without a default). */
int grt_select(grt_select_case *cases, int n, bool has_default);

/* Case builders, for readable call sites. */
static inline grt_select_case grt_select_send(grt_chan *c, const void *elem) {
    grt_select_case k = {c, (void *)elem, GRT_SELECT_SEND, false};
    return k;
}
static inline grt_select_case grt_select_recv(grt_chan *c, void *elem) {
    grt_select_case k = {c, elem, GRT_SELECT_RECV, false};
    return k;
}

/* ---- timer channels ----------------------------------------------------- */

/* A channel (uint64_t elements, cap 1) that receives grt_nanotime() once,
 * after d_ns nanoseconds: Go's time.After / time.NewTimer(d).C. */
grt_chan *grt_after(uint64_t d_ns);
/* A channel (uint64_t elements, cap 1) that receives grt_nanotime() every
 * period_ns nanoseconds, dropping ticks a slow reader misses: Go's
 * time.NewTicker(d).C. period_ns must be > 0. */
grt_chan *grt_ticker(uint64_t period_ns);
/* Stops a timer channel's timer (Timer.Stop / Ticker.Stop). Returns true if
 * this call stopped it before a one-shot timer fired. The channel stays
 * valid (free it with grt_chan_free). A no-op on other channels. */
bool grt_chan_stop(grt_chan *c);

#ifdef __cplusplus
}
#endif
#endif /* MECHLAB_GRT_CHAN_H */
