/*
 * panic.c - fatal errors and the deadlock detector.
 *
 * grt_throw ("fatal error: ...") is for broken runtime invariants and
 * unrecoverable conditions; grt_panic ("panic: ..." and the goroutine line)
 * for misuse that Go reports as a panic (negative WaitGroup counter, send
 * on a closed channel). Both exit with status 2 as Go does, through
 * _exit: other threads keep running and atexit handlers could deadlock on
 * their locks. Messages are formatted into a buffer and written with one
 * write(2) so lines from several threads do not interleave.
 *
 * Deadlock (Go's checkdead): called with grt_sched.lock held by each M
 * that parks for lack of work. The process is deadlocked when every M is
 * parked, a grt_run() caller still waits for its goroutine, no timer is
 * pending, no goroutine waits on a descriptor, and no G is runnable. Then
 * every goroutine is asleep forever: print Go's message and each blocked
 * goroutine with its wait reason, and exit 2. Without a waiting grt_run()
 * caller, blocked goroutines are merely leaked (as in Go after main
 * returns) and nothing is reported. Ms in a syscall are not parked, so a
 * blocking call in progress never counts as deadlock.
 */
#include "grt_runtime2.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const grt_wait_names[GRT_WAIT_NREASONS] = {
    [GRT_WAIT_NONE] = "",
    [GRT_WAIT_CHAN_SEND] = "chan send",
    [GRT_WAIT_CHAN_RECV] = "chan receive",
    [GRT_WAIT_CHAN_SEND_NIL] = "chan send (nil chan)",
    [GRT_WAIT_CHAN_RECV_NIL] = "chan receive (nil chan)",
    [GRT_WAIT_SELECT] = "select",
    [GRT_WAIT_SELECT_NO_CASES] = "select (no cases)",
    [GRT_WAIT_SLEEP] = "sleep",
    [GRT_WAIT_MUTEX] = "sync.Mutex.Lock",
    [GRT_WAIT_RWMUTEX_R] = "sync.RWMutex.RLock",
    [GRT_WAIT_RWMUTEX_W] = "sync.RWMutex.Lock",
    [GRT_WAIT_WAITGROUP] = "sync.WaitGroup.Wait",
    [GRT_WAIT_SEMACQUIRE] = "semacquire",
    [GRT_WAIT_IO] = "IO wait",
    [GRT_WAIT_USER] = "wait",
    [GRT_WAIT_GC_ASSIST] = "GC assist wait",
};
_Static_assert(GRT_WAIT_NREASONS <= GRT_NWAITREASONS,
               "grt_stats.parks_by_reason too small");
_Static_assert(sizeof(struct grt_g) <= GRT_G_BYTES, "G header too large");

const char *grt_wait_reason_name(int r) {
    if (r < 0 || r >= GRT_WAIT_NREASONS)
        return "?";
    return grt_wait_names[r];
}

static void write_all(const char *buf, size_t len) {
    while (len > 0) {
        ssize_t w = write(2, buf, len);
        if (w <= 0)
            return;
        buf += w;
        len -= (size_t)w;
    }
}

static uint64_t current_goid(void) {
    if (!grt_tls_is_m)
        return 0;
    grt_g *g = grt_curg();
    return g->is_g0 ? 0 : g->goid;
}

_Noreturn void grt_throw(const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    int n = snprintf(buf, sizeof buf, "fatal error: ");
    va_start(ap, fmt);
    n += vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 2)
        n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    write_all(buf, (size_t)n);
    _exit(2);
}

_Noreturn void grt_panic(const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    int n = snprintf(buf, sizeof buf, "panic: ");
    va_start(ap, fmt);
    n += vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 64)
        n = (int)sizeof buf - 64;
    n += snprintf(buf + n, sizeof buf - (size_t)n,
                  "\n\ngoroutine %llu [running]:\n",
                  (unsigned long long)current_goid());
    write_all(buf, (size_t)n);
    _exit(2);
}

struct dead_scan {
    int runnable; /* G runnable, running or in a syscall */
    int waiting;
};

static void scan_g(grt_g *g, void *arg) {
    struct dead_scan *d = arg;
    if (g->is_g0)
        return;
    uint32_t s = atomic_load(&g->status);
    if (s == GRT_GWAITING)
        d->waiting++;
    else if (s != GRT_GDEAD)
        d->runnable++;
}

static void print_g(grt_g *g, void *arg) {
    (void)arg;
    if (g->is_g0 || atomic_load(&g->status) != GRT_GWAITING)
        return;
    char buf[512];
    Dl_info info;
    const char *fname = NULL;
    if (dladdr((void *)(uintptr_t)g->fn, &info) && info.dli_sname != NULL)
        fname = info.dli_sname;
    int n = snprintf(buf, sizeof buf, "goroutine %llu [%s]:\n\t%s%s%p\n\n",
                     (unsigned long long)g->goid,
                     grt_wait_reason_name(g->waitreason), fname ? fname : "",
                     fname ? " " : "entry ", (void *)(uintptr_t)g->fn);
    write_all(buf, (size_t)n);
}

void grt_checkdead(void) {
    if (atomic_load(&grt_sched.nrun_callers) == 0)
        return;
    if (atomic_load(&grt_sched.nm) - atomic_load(&grt_sched.nmidle) > 0)
        return;
    if (grt_timers_pending() > 0 || grt_netpoll_waiters() > 0)
        return;
    if (atomic_load(&grt_sched.runqsize) > 0)
        return;
    struct dead_scan d = {0, 0};
    grt_stack_forall(scan_g, &d);
    if (d.runnable > 0)
        return;
    static const char msg[] =
        "fatal error: all goroutines are asleep - deadlock!\n\n";
    write_all(msg, sizeof msg - 1);
    grt_stack_forall(print_g, NULL);
    _exit(2);
}
