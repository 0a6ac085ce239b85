/*
 * test_stacks.c - the runtime's stack accounting against the kernel's
 * (ctest label: runtime).
 *
 *   committed_matches_kernel  100,000 goroutines with small stacks alive at
 *                      once: grt_stats' stack_committed_bytes equals the
 *                      resident set of the stack slabs as /proc/self/smaps
 *                      reports it (Rss of the slab mappings), and no red
 *                      zone page is resident (mincore): the overflow check
 *                      commits nothing.
 *   exited_returned    the same goroutines exit; after a scavenge the
 *                      process keeps under 2 KiB of RSS per exited
 *                      goroutine (Go 1.19 keeps about 0.6 KiB; we kept
 *                      8 KiB when every stack's header page and the page a
 *                      canary was read from stayed), and the statistic
 *                      still matches smaps.
 *   overflow_detected  (in a child process) a goroutine that writes into
 *                      its red zone, below its stack, is named by
 *                      "fatal error: stack overflow in goroutine N" at the
 *                      next sweep, exit status 2.
 *
 * GRT_STRESS_SCALE (a divisor, default 1) shrinks the count. Closing line:
 * "N passed, M failed".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grt.h"
#include "grt_runtime2.h"

#include "check.h"

enum { MAX_SLABS = 8192 };
static uintptr_t slabs[MAX_SLABS];
static int nslabs;

static bool in_slabs(uintptr_t lo, uintptr_t hi) {
    for (int i = 0; i < nslabs; i++)
        if (lo >= slabs[i] && hi <= slabs[i] + GRT_SLAB_BYTES)
            return true;
    return false;
}
static bool touches_slabs(uintptr_t lo, uintptr_t hi) {
    for (int i = 0; i < nslabs; i++)
        if (lo < slabs[i] + GRT_SLAB_BYTES && hi > slabs[i])
            return true;
    return false;
}

/* Rss of the mappings inside the slabs, from /proc/self/smaps; -1 when a
 * mapping straddles a slab's edge (its Rss could not be attributed). A
 * merged mapping of adjacent slabs is inside their union. */
static long long smaps_slab_rss(void) {
    nslabs = grt_stack_slabs(slabs, MAX_SLABS);
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    char line[512];
    long long total = 0;
    bool cur = false, bad = false;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        long long kb;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, ' ') &&
            line[strcspn(line, " ")] == ' ' && strchr(line, '-') &&
            strchr(line, '-') < strchr(line, ' ')) {
            cur = false;
            if (!touches_slabs(lo, hi))
                continue;
            /* a merged VMA over adjacent slabs: check it slab by slab */
            bool inside = true;
            for (uintptr_t a = lo; a < hi && inside;) {
                uintptr_t b = (a & ~(GRT_SLAB_BYTES - 1)) + GRT_SLAB_BYTES;
                if (b > hi || b < a)
                    b = hi;
                inside = in_slabs(a, b);
                a = b;
            }
            cur = inside;
            bad |= !inside;
            continue;
        }
        if (cur && sscanf(line, "Rss: %lld kB", &kb) == 1)
            total += kb * 1024;
    }
    fclose(f);
    return bad ? -1 : total;
}

static long long rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &res) != 2)
            res = 0;
        fclose(f);
    }
    return (long long)res * sysconf(_SC_PAGESIZE);
}

/* Resident red-zone pages over every carved slot (slot 0 is the slab's
 * own header). */
static long redzone_resident(void) {
    static unsigned char vec[GRT_SLAB_BYTES / 4096];
    long n = 0;
    for (int i = 0; i < nslabs; i++) {
        const char *s = (const char *)slabs[i];
        unsigned shift = *(const unsigned char *)s;
        if (mincore((void *)slabs[i], GRT_SLAB_BYTES, vec) != 0)
            continue;
        size_t per = ((size_t)1 << shift) / 4096;
        for (size_t k = 1; k < GRT_SLAB_BYTES >> shift; k++)
            for (size_t j = 0; j < GRT_STACK_REDZONE / 4096; j++)
                n += vec[k * per + j] & 1;
    }
    return n;
}

/* ---- 100k goroutines ----------------------------------------------------- */

typedef struct many {
    long n;
    grt_waitgroup ready, gate, gone;
    _Atomic long ran;
} many;

static void small(void *arg) {
    many *m = arg;
    volatile char frame[256]; /* a small stack: its top page only */
    frame[0] = 1;
    atomic_fetch_add(&m->ran, frame[0]);
    grt_waitgroup_done(&m->ready);
    grt_waitgroup_wait(&m->gate);
    grt_waitgroup_done(&m->gone);
}

static long long rss_before, slab_before;
static uint64_t returned_before;
static long n_alive;

static void compare(const char *when) {
    grt_stats s;
    grt_stats_read(&s);
    long long smaps = smaps_slab_rss();
    long long diff = (long long)s.stack_committed_bytes - smaps;
    printf("  %s: stack_committed_bytes %llu KiB, smaps Rss of the slabs "
           "%lld KiB (%+lld KiB), %d slabs\n",
           when, (unsigned long long)s.stack_committed_bytes >> 10, smaps >> 10,
           diff / 1024, nslabs);
    CHECK(smaps > 0);
    /* equal but for pages faulted in or dropped between the two reads
     * (nothing runs: every goroutine is parked) */
    CHECK(diff <= 64 * 1024 && diff >= -64 * 1024);
}

static void t_many(void *arg) {
    many *m = arg;
    grt_waitgroup_add(&m->ready, (int)m->n);
    grt_waitgroup_add(&m->gone, (int)m->n);
    grt_waitgroup_add(&m->gate, 1);
    for (long i = 0; i < m->n; i++)
        grt_go(small, m);
    grt_waitgroup_wait(&m->ready);
    CHECK(atomic_load(&m->ran) == m->n);
    compare("100k alive");
    long red = redzone_resident();
    printf("  red-zone pages resident: %ld (of %ld stacks)\n", red, m->n);
    CHECK(red == 0);
    grt_waitgroup_done(&m->gate);
    grt_waitgroup_wait(&m->gone);
}

static void t_after(void *arg) {
    many *m = arg;
    /* wait for every goroutine to have exited (its stack freed) */
    for (int i = 0; i < 1000; i++) {
        grt_stats s;
        grt_stats_read(&s);
        if (s.goroutines <= 1)
            break;
        grt_sleep(1000000);
    }
    grt_stack_scavenge(); /* with the monitor's: either may do the work */
    grt_stats st;
    grt_stats_read(&st);
    uint64_t returned = st.stack_returned_bytes - returned_before;
    long long rss = rss_bytes();
    double per = (double)(rss - rss_before) / (double)m->n;
    printf("  after exit and scavenge: %llu KiB returned; RSS %+lld KiB over "
           "the start, %.2f KiB per exited goroutine (Go 1.19: about 0.6)\n",
           (unsigned long long)returned >> 10, (rss - rss_before) / 1024,
           per / 1024);
    CHECK(returned > 0);
    CHECK(per < 2048);
    compare("after exit and scavenge");
    CHECK(redzone_resident() == 0);
}

static void t_start(void *arg) {
    (void)arg;
    grt_stack_scavenge(); /* a clean start */
    rss_before = rss_bytes();
    slab_before = smaps_slab_rss();
    grt_stats s;
    grt_stats_read(&s);
    returned_before = s.stack_returned_bytes;
}

/* ---- overflow, in a child ---------------------------------------------------- */

static void scribble(void *arg) {
    (void)arg;
    grt_g *g = grt_curg();
    volatile char *red = (volatile char *)g->lo + 100; /* below the stack */
    *red = 1;
    grt_waitgroup_done((grt_waitgroup *)arg);
}

static void overflow_main(void *arg) {
    (void)arg;
    grt_waitgroup wg = GRT_WAITGROUP_INIT;
    grt_waitgroup_add(&wg, 1);
    grt_go(scribble, &wg);
    grt_waitgroup_wait(&wg);
    grt_stats s;
    grt_stats_read(&s); /* the sweep finds the written red zone */
    printf("not detected\n");
}

static void t_overflow(void) {
    int p[2];
    if (pipe(p) != 0) {
        CHECK(!"pipe");
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 2);
        dup2(p[1], 1);
        grt_run(overflow_main, NULL);
        _exit(0);
    }
    close(p[1]);
    char out[4096] = "";
    size_t n = 0;
    ssize_t r;
    while (n < sizeof out - 1 &&
           (r = read(p[0], out + n, sizeof out - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = 0;
    close(p[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 2 &&
              strstr(out, "fatal error: stack overflow in goroutine") &&
              strstr(out, "red zone");
    printf("  overflow into the red zone: %s\n",
           ok ? "fatal error naming the goroutine" : out);
    CHECK(ok);
}

int main(void) {
    long scale = 1;
    if (getenv("GRT_STRESS_SCALE"))
        scale = atol(getenv("GRT_STRESS_SCALE"));
    if (scale < 1)
        scale = 1;
    t_overflow(); /* first: fork before this process starts the runtime */
    static many m;
    m.n = 100000 / scale;
    n_alive = m.n;
    grt_run(t_start, NULL);
    grt_run(t_many, &m);
    grt_run(t_after, &m);
    return hx_check_done();
}
