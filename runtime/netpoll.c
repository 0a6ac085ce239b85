/*
 * netpoll.c - parking goroutines on file descriptors (epoll).
 *
 * grt_netpoll_wait(fd, events) parks the calling goroutine, not its
 * thread. The descriptor is registered with EPOLLONESHOT from the park's
 * unlockf, that is after the goroutine has switched out, so readiness
 * reported at once by another M's epoll_wait can ready it safely. The
 * registration carries a pointer to a small record on the waiter's stack;
 * the poller fills in the ready events and readies the G, and never
 * touches the record afterwards. The waiter removes the registration when
 * it resumes, so the next wait on the same fd starts clean. One waiter per
 * descriptor (a second gets -EBUSY; Go allows a reader and a writer, which
 * would need a per-fd record shared between them).
 *
 * Polling: non-blocking from an M looking for work, blocking from the one
 * M that has nothing else to do (its timeout is the next timer deadline;
 * an eventfd "break" wakes it when an earlier timer appears), and from the
 * monitor when nobody has polled for 10 ms. epoll_pwait2 gives nanosecond
 * timeouts; epoll_wait (milliseconds, rounded up) is the fallback.
 *
 * Deadlock detection counts waiters: a goroutine waiting on a descriptor
 * can be woken from outside, so it never counts as deadlocked.
 */
#include "grt_runtime2.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

typedef struct grt_pollrec {
    grt_g *g;
    int fd;
    int events;
    int revents; /* written by the poller before grt_ready */
    int err;
} grt_pollrec;

static int grt_epfd = -1;
static int grt_breakfd = -1;
static _Atomic int64_t grt_nwaiters;
static _Atomic uint32_t grt_break_pending;
static _Atomic int grt_have_pwait2 = 1;
static char grt_break_marker;

void grt_netpoll_init(void) {
    grt_epfd = epoll_create1(EPOLL_CLOEXEC);
    grt_breakfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (grt_epfd < 0 || grt_breakfd < 0)
        grt_throw("netpoll: cannot create epoll/eventfd");
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &grt_break_marker};
    if (epoll_ctl(grt_epfd, EPOLL_CTL_ADD, grt_breakfd, &ev) != 0)
        grt_throw("netpoll: cannot register the break eventfd");
}

int64_t grt_netpoll_waiters(void) {
    return atomic_load(&grt_nwaiters);
}

void grt_netpoll_break(void) {
    if (atomic_exchange(&grt_break_pending, 1) != 0)
        return;
    uint64_t one = 1;
    ssize_t r = write(grt_breakfd, &one, sizeof one);
    (void)r;
}

int grt_netpoll(int64_t timeout_ns) {
    struct epoll_event evs[64];
    int n = -1;
    if (atomic_load_explicit(&grt_have_pwait2, memory_order_relaxed)) {
        struct timespec ts, *tp = NULL;
        if (timeout_ns >= 0) {
            ts.tv_sec = timeout_ns / 1000000000;
            ts.tv_nsec = timeout_ns % 1000000000;
            tp = &ts;
        }
        n = epoll_pwait2(grt_epfd, evs, 64, tp, NULL);
        if (n < 0 && errno == ENOSYS)
            atomic_store(&grt_have_pwait2, 0);
    }
    if (!atomic_load_explicit(&grt_have_pwait2, memory_order_relaxed)) {
        int ms = timeout_ns < 0 ? -1 : (int)((timeout_ns + 999999) / 1000000);
        n = epoll_wait(grt_epfd, evs, 64, ms);
    }
    int readied = 0;
    for (int i = 0; i < n; i++) {
        if (evs[i].data.ptr == &grt_break_marker) {
            uint64_t v;
            ssize_t r = read(grt_breakfd, &v, sizeof v);
            (void)r;
            atomic_store(&grt_break_pending, 0);
            continue;
        }
        grt_pollrec *pr = evs[i].data.ptr;
        grt_g *g = pr->g;
        pr->revents = (int)evs[i].events;
        atomic_fetch_sub(&grt_nwaiters, 1);
        GRT_STAT_INC(netpoll_ready);
        grt_ready(g); /* pr may be gone from here on */
        readied++;
    }
    return readied;
}

static bool poll_arm(grt_g *g, void *arg) {
    grt_pollrec *pr = arg;
    pr->g = g;
    atomic_fetch_add(&grt_nwaiters, 1);
    struct epoll_event ev = {.events = (uint32_t)pr->events | EPOLLONESHOT,
                             .data.ptr = pr};
    if (epoll_ctl(grt_epfd, EPOLL_CTL_ADD, pr->fd, &ev) != 0) {
        pr->err = errno == EEXIST ? EBUSY : errno;
        atomic_fetch_sub(&grt_nwaiters, 1);
        return false;
    }
    /* From here the poller may ready g at any time: do not touch pr. */
    if (atomic_load(&grt_sched.npolling) == 0)
        grt_wakep();
    return true;
}

int grt_netpoll_wait(int fd, int events) {
    GRT_SAFEPOINT();
    grt_pollrec pr = {.g = NULL, .fd = fd, .events = events};
    grt_park(GRT_WAIT_IO, poll_arm, &pr);
    if (pr.err != 0)
        return -pr.err;
    epoll_ctl(grt_epfd, EPOLL_CTL_DEL, fd, NULL);
    return pr.revents;
}
