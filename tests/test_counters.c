/*
 * test_counters.c - unit tests for harness/counters*.c.
 *
 * What is asserted, on any machine (these VMs have no PMU; a workstation
 * has one; both must pass):
 *   - bad input: an unknown event or mode, or an event listed twice, is
 *     -EINVAL with a message that names the accepted values;
 *   - the unavailable path, never skipped: mode "none" makes every event
 *     unavailable with its reason and no backend; cycles under mode
 *     "rusage" is unavailable with a reason; a thread read leaves
 *     unavailable slots untouched (a sentinel survives, no 0 written);
 *   - the plan is consistent: available <=> a backend, unavailable <=> a
 *     non-empty reason; in auto mode the software events are always
 *     available (getrusage is the floor of the chain);
 *   - rusage really counts: a worker thread touches fresh mmap pages and
 *     its minor-faults grow by at least the page count;
 *   - perf software events count the same way when perf_event_open works
 *     here; when it does not, the test prints why and checks the reason;
 *   - PAPI initialisation and the report keep stderr clean, and the report
 *     names every event and every backend.
 * No timing assertions: task-clock is only required to grow.
 *
 * Output: one line per failed check, then "N passed, M failed"; the exit
 * status is non-zero when anything failed.
 */
#define _GNU_SOURCE
#include "counters.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

/* Never a real counter value in these tests: marks "left untouched". */
#define SENTINEL 0xdeadbeefcafef00dull
/* Fresh pages touched by a worker; each is one minor fault. */
#define TOUCH_PAGES 256

static const char *const all_events[] = {
    "cycles",           "instructions",     "cache-references",
    "cache-misses",     "branch-misses",    "L1-dcache-load-misses",
    "LLC-load-misses",  "dTLB-load-misses", "task-clock",
    "page-faults",      "minor-faults",     "major-faults",
    "context-switches", "cpu-migrations",   NULL};

static long find(const hx_counters *c, const char *name) {
    for (size_t i = 0; i < hx_counters_count(c); i++)
        if (strcmp(hx_counters_name(c, i), name) == 0)
            return (long)i;
    return -1;
}

/* Touches TOUCH_PAGES fresh anonymous pages (no huge pages, so one fault
 * per page). Returns 0, or -1 if mmap failed. */
static int touch_fresh_pages(void) {
    long page = sysconf(_SC_PAGESIZE);
    size_t len = (size_t)page * TOUCH_PAGES;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    madvise(p, len, MADV_NOHUGEPAGE);
    for (size_t i = 0; i < len; i += (size_t)page)
        ((volatile char *)p)[i] = 1;
    munmap(p, len);
    return 0;
}

/* Long enough to span several scheduler ticks: getrusage(RUSAGE_THREAD)
 * reads the thread's runtime as last accounted (at a tick or a switch),
 * so a burn shorter than a tick (4 ms at HZ=250) can read no growth. */
static void burn_cpu(void) {
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 30000000; i++)
        x += i;
    (void)x;
}

/* ---- plan-level checks (no threads) ---------------------------------- */

static void test_bad_input(void) {
    hx_counters *c = (hx_counters *)&c; /* must be reset to NULL */
    char err[512] = "";
    const char *bad[] = {"cycles", "bogus-event", NULL};
    CHECK(hx_counters_plan(&c, "auto", bad, err, sizeof err) == -EINVAL);
    CHECK(c == NULL);
    CHECK(strstr(err, "bogus-event") != NULL);
    CHECK(strstr(err, "accepted") != NULL && strstr(err, "page-faults"));
    printf("  unknown event: %s\n", err);

    err[0] = '\0';
    CHECK(hx_counters_plan(&c, "fast", NULL, err, sizeof err) == -EINVAL);
    CHECK(c == NULL);
    CHECK(strstr(err, "fast") != NULL);
    CHECK(strstr(err, "auto, papi, perf, rusage, none") != NULL);
    printf("  unknown mode: %s\n", err);

    const char *twice[] = {"page-faults", "page-faults", NULL};
    CHECK(hx_counters_plan(&c, "rusage", twice, err, sizeof err) == -EINVAL);
    CHECK(strstr(err, "twice") != NULL);
    /* Even mode none validates names. */
    CHECK(hx_counters_plan(&c, "none", bad, err, sizeof err) == -EINVAL);
    /* A tiny or missing error buffer is fine. */
    CHECK(hx_counters_plan(&c, "none", bad, err, 4) == -EINVAL);
    CHECK(strlen(err) <= 3);
    CHECK(hx_counters_plan(&c, "none", bad, NULL, 0) == -EINVAL);
}

static void test_backend_names(void) {
    CHECK(strcmp(hx_backend_name(HX_BACKEND_PAPI), "papi") == 0);
    CHECK(strcmp(hx_backend_name(HX_BACKEND_PERF), "perf") == 0);
    CHECK(strcmp(hx_backend_name(HX_BACKEND_RUSAGE), "rusage") == 0);
    CHECK(strcmp(hx_backend_name(HX_BACKEND_NONE), "none") == 0);
}

static void test_mode_none(void) {
    hx_counters *c = NULL;
    char err[256];
    CHECK(hx_counters_plan(&c, "none", NULL, err, sizeof err) == 0);
    if (c == NULL)
        return;
    CHECK(hx_counters_count(c) == 6); /* the default set */
    CHECK(find(c, "cycles") >= 0 && find(c, "task-clock") >= 0 &&
          find(c, "page-faults") >= 0 && find(c, "context-switches") >= 0);
    for (size_t i = 0; i < hx_counters_count(c); i++) {
        CHECK(!hx_counters_available(c, i));
        CHECK(hx_counters_backend(c, i) == HX_BACKEND_NONE);
        CHECK(strcmp(hx_counters_reason(c, i),
                     "counters disabled (--counters none)") == 0);
    }
    /* Sampling with nothing available: works, writes nothing. */
    hx_counter_thread *t = hx_counters_thread_open(c);
    CHECK(t != NULL);
    hx_counter_raw v[6];
    for (int i = 0; i < 6; i++)
        v[i].value = SENTINEL;
    CHECK(hx_counters_thread_read(t, v) == 0);
    for (int i = 0; i < 6; i++)
        CHECK(v[i].value == SENTINEL);
    hx_counters_thread_close(t);
    hx_counters_free(c);

    /* Out-of-range queries are harmless. */
    CHECK(!hx_counters_available(NULL, 0));
    CHECK(hx_counters_count(NULL) == 0);
}

static void test_plan_consistent(const char *mode) {
    hx_counters *c = NULL;
    char err[256];
    CHECK(hx_counters_plan(&c, mode, all_events, err, sizeof err) == 0);
    if (c == NULL)
        return;
    CHECK(hx_counters_count(c) == 14);
    for (size_t i = 0; i < hx_counters_count(c); i++) {
        const char *r = hx_counters_reason(c, i);
        CHECK(r != NULL);
        CHECK(strcmp(hx_counters_name(c, i), all_events[i]) == 0);
        if (hx_counters_available(c, i)) {
            hx_backend b = hx_counters_backend(c, i);
            CHECK(b == HX_BACKEND_PAPI || b == HX_BACKEND_PERF ||
                  b == HX_BACKEND_RUSAGE);
            if (strcmp(mode, "auto") != 0)
                CHECK(strcmp(hx_backend_name(b), mode) == 0);
        } else {
            CHECK(hx_counters_backend(c, i) == HX_BACKEND_NONE);
            CHECK(r[0] != '\0');
        }
    }
    if (strcmp(mode, "auto") == 0) {
        /* getrusage is the floor: these are countable everywhere. */
        const char *floor[] = {"task-clock", "page-faults", "minor-faults",
                               "major-faults", "context-switches"};
        for (int k = 0; k < 5; k++)
            CHECK(hx_counters_available(c, (size_t)find(c, floor[k])));
    }
    hx_counters_free(c);
}

static void test_rusage_plan(void) {
    hx_counters *c = NULL;
    char err[256];
    const char *evs[] = {"cycles", "minor-faults", "cpu-migrations", NULL};
    CHECK(hx_counters_plan(&c, "rusage", evs, err, sizeof err) == 0);
    if (c == NULL)
        return;
    /* cycles cannot exist under rusage: unavailable, with a reason. */
    CHECK(!hx_counters_available(c, 0));
    CHECK(hx_counters_backend(c, 0) == HX_BACKEND_NONE);
    CHECK(strncmp(hx_counters_reason(c, 0), "rusage:", 7) == 0);
    CHECK(!hx_counters_available(c, 2));
    CHECK(hx_counters_reason(c, 2)[0] != '\0');
    /* minor-faults is rusage's own: available, first backend, no reason. */
    CHECK(hx_counters_available(c, 1));
    CHECK(hx_counters_backend(c, 1) == HX_BACKEND_RUSAGE);
    CHECK(strcmp(hx_counters_reason(c, 1), "") == 0);
    printf("  rusage: cycles unavailable: %s\n", hx_counters_reason(c, 0));
    hx_counters_free(c);
}

/* ---- sampling on a worker thread ------------------------------------- */

typedef struct fault_job {
    const hx_counters *c;
    long minor, page, clock, cycles; /* plan indices, -1 if absent */
    int open_ok, read_rc0, read_rc1, touch_rc, foreign_rc;
    hx_counter_raw v0[16], v1[16];
    int multiplexed;
    hx_counter_thread *t; /* left open for the foreign-thread check */
} fault_job;

static void *fault_worker(void *arg) {
    fault_job *j = arg;
    for (int i = 0; i < 16; i++)
        j->v0[i].value = j->v1[i].value = SENTINEL;
    j->t = hx_counters_thread_open(j->c);
    j->open_ok = j->t != NULL;
    if (!j->open_ok)
        return NULL;
    j->read_rc0 = hx_counters_thread_read(j->t, j->v0);
    j->touch_rc = touch_fresh_pages();
    burn_cpu();
    j->read_rc1 = hx_counters_thread_read(j->t, j->v1);
    return NULL;
}

/* Runs fault_worker on a fresh thread; the handle is closed here, after a
 * read from this (foreign) thread was refused. Returns 0 if it ran. */
static int run_fault_job(fault_job *j) {
    pthread_t th;
    if (pthread_create(&th, NULL, fault_worker, j) != 0)
        return -1;
    pthread_join(th, NULL);
    if (j->t) {
        hx_counter_raw v[16];
        j->foreign_rc = hx_counters_thread_read(j->t, v);
        /* Closing from another thread is allowed for perf/rusage state;
         * these plans hold no PAPI event set. */
        hx_counters_thread_close(j->t);
        j->t = NULL;
    }
    return 0;
}

static void check_fault_job(fault_job *j, const char *what) {
    CHECK(j->open_ok);
    if (!j->open_ok) {
        printf("  %s: thread open failed: %s\n", what, strerror(errno));
        return;
    }
    CHECK(j->read_rc0 == 0 && j->read_rc1 == 0);
    CHECK(j->touch_rc == 0);
    CHECK(j->foreign_rc == -EINVAL);
    uint64_t dmin = j->v1[j->minor].value - j->v0[j->minor].value;
    uint64_t dpage = j->v1[j->page].value - j->v0[j->page].value;
    uint64_t dclock = j->v1[j->clock].value - j->v0[j->clock].value;
    printf("  %s: %d fresh pages -> minor-faults +%llu, page-faults +%llu, "
           "task-clock +%llu ns\n",
           what, TOUCH_PAGES, (unsigned long long)dmin,
           (unsigned long long)dpage, (unsigned long long)dclock);
    CHECK(j->v0[j->minor].value != SENTINEL &&
          j->v1[j->minor].value != SENTINEL);
    CHECK(dmin >= TOUCH_PAGES);
    CHECK(dpage >= TOUCH_PAGES);
    CHECK(dmin < 100u * TOUCH_PAGES); /* sanity: not garbage */
    CHECK(j->v1[j->clock].value > j->v0[j->clock].value);
    if (j->cycles >= 0 && !hx_counters_available(j->c, (size_t)j->cycles))
        CHECK(j->v0[j->cycles].value == SENTINEL &&
              j->v1[j->cycles].value == SENTINEL);
}

static void test_rusage_counts(void) {
    hx_counters *c = NULL;
    char err[256];
    const char *evs[] = {"cycles",     "minor-faults",     "page-faults",
                         "task-clock", "context-switches", NULL};
    CHECK(hx_counters_plan(&c, "rusage", evs, err, sizeof err) == 0);
    if (c == NULL)
        return;
    fault_job j = {.c = c, .minor = 1, .page = 2, .clock = 3, .cycles = 0};
    CHECK(run_fault_job(&j) == 0);
    check_fault_job(&j, "rusage");
    hx_counters_free(c);
}

static void test_perf_counts(void) {
    hx_counters *c = NULL;
    char err[256];
    const char *evs[] = {"cycles", "minor-faults", "page-faults", "task-clock",
                         NULL};
    CHECK(hx_counters_plan(&c, "perf", evs, err, sizeof err) == 0);
    if (c == NULL)
        return;
    bool sw = hx_counters_available(c, 1) && hx_counters_available(c, 2) &&
              hx_counters_available(c, 3);
    if (!sw) {
        /* perf_event_open does not work here: say why, check it is said. */
        for (size_t i = 1; i <= 3; i++) {
            if (hx_counters_available(c, i))
                continue;
            printf("  perf: %s unavailable here: %s\n", hx_counters_name(c, i),
                   hx_counters_reason(c, i));
            CHECK(hx_counters_reason(c, i)[0] != '\0');
            CHECK(strncmp(hx_counters_reason(c, i), "perf:", 5) == 0);
        }
    } else {
        for (size_t i = 1; i <= 3; i++)
            CHECK(hx_counters_backend(c, i) == HX_BACKEND_PERF);
        fault_job j = {.c = c, .minor = 1, .page = 2, .clock = 3, .cycles = 0};
        CHECK(run_fault_job(&j) == 0);
        check_fault_job(&j, "perf");
    }
    if (!hx_counters_available(c, 0)) {
        printf("  perf: cycles unavailable here: %s\n",
               hx_counters_reason(c, 0));
        CHECK(strncmp(hx_counters_reason(c, 0), "perf:", 5) == 0);
    } else {
        printf("  perf: cycles available here (a PMU is exposed)\n");
    }
    hx_counters_free(c);
}

/* Auto mode on a worker: whatever is available reads without error, and
 * unavailable slots stay untouched. */
static void *auto_worker(void *arg) {
    const hx_counters *c = arg;
    static hx_counter_raw v0[16], v[16];
    for (int i = 0; i < 16; i++)
        v[i].value = SENTINEL;
    hx_counter_thread *t = hx_counters_thread_open(c);
    if (t == NULL)
        return NULL;
    int rc = hx_counters_thread_read(t, v0);
    burn_cpu();
    rc |= hx_counters_thread_read(t, v);
    for (size_t i = 0; i < hx_counters_count(c); i++) {
        double d;
        bool scaled;
        if (hx_counters_available(c, i) &&
            hx_counter_delta(&v0[i], &v[i], &d, &scaled) == 0 && scaled)
            printf("  auto: %s was multiplexed (scaled)\n",
                   hx_counters_name(c, i));
    }
    hx_counters_thread_close(t);
    return rc == 0 ? v : NULL;
}

static void test_auto_sampling(void) {
    hx_counters *c = NULL;
    char err[256];
    CHECK(hx_counters_plan(&c, "auto", all_events, err, sizeof err) == 0);
    if (c == NULL)
        return;
    pthread_t th;
    void *res = NULL;
    CHECK(pthread_create(&th, NULL, auto_worker, c) == 0);
    pthread_join(th, &res);
    CHECK(res != NULL);
    if (res) {
        const hx_counter_raw *v = res;
        for (size_t i = 0; i < hx_counters_count(c); i++) {
            if (hx_counters_available(c, i))
                CHECK(v[i].value != SENTINEL);
            else
                CHECK(v[i].value == SENTINEL);
        }
    }
    hx_counters_free(c);
}

/* ---- PAPI noise and the report --------------------------------------- */

/* Runs the first plan of the process (PAPI initialises here) and the
 * report with fd 2 captured, and checks nothing was written to it. */
static void test_quiet_and_report(void) {
    FILE *cap = tmpfile();
    FILE *rep = tmpfile();
    CHECK(cap != NULL && rep != NULL);
    if (cap == NULL || rep == NULL)
        return;
    fflush(stderr);
    int saved = dup(2);
    dup2(fileno(cap), 2);

    hx_counters *c = NULL;
    char err[256];
    int rc = hx_counters_plan(&c, "auto", all_events, err, sizeof err);
    hx_counters_report(rep);

    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    CHECK(rc == 0);
    hx_counters_free(c);

    long noise = (fseek(cap, 0, SEEK_END), ftell(cap));
    CHECK(noise == 0);
    if (noise > 0)
        printf("  stderr got %ld bytes during plan/report\n", noise);
    fclose(cap);

    long len = (fseek(rep, 0, SEEK_END), ftell(rep));
    char *text = calloc(1, (size_t)len + 1);
    rewind(rep);
    CHECK(text && fread(text, 1, (size_t)len, rep) == (size_t)len);
    fclose(rep);
    if (text == NULL)
        return;
    for (int i = 0; all_events[i]; i++)
        CHECK(strstr(text, all_events[i]) != NULL);
    CHECK(strstr(text, "\nPAPI\n") != NULL);
    CHECK(strstr(text, "\nperf_event_open\n") != NULL);
    CHECK(strstr(text, "perf_event_paranoid") != NULL);
    CHECK(strstr(text, "hardware PMU") != NULL);
    CHECK(strstr(text, "\ngetrusage(RUSAGE_THREAD)\n") != NULL);
    free(text);
}

/* Multiplexed deltas from synthetic readings (no PMU needed). Scaling each
 * cumulative reading before subtracting, as the harness once did, makes
 * these wrap: before = 1000 counted in 250 of 1000 ns (estimate 4000),
 * after = 1500 in 1000 of 2000 ns (estimate 3000 < 4000). The deltas
 * (500 counted in 750 of 1000 ns) scale to 666.7. */
static bool near(double a, double b) {
    return a > b - 1e-6 * (b > 1 ? b : 1) && a < b + 1e-6 * (b > 1 ? b : 1);
}

static void test_delta_multiplexed(void) {
    double d = -1;
    bool sc = true;
    hx_counter_raw a = {1000, 1000, 250}, b = {1500, 2000, 1000};
    CHECK(hx_counter_delta(&a, &b, &d, &sc) == 0);
    CHECK(near(d, 500.0 * 1000.0 / 750.0));
    CHECK(sc);
    CHECK(d < 1e6); /* the old way: (uint64_t)(3000 - 4000) ~ 1.8e19 */

    /* Ran the whole interval (even if not the whole life): not scaled. */
    hx_counter_raw c = {1000, 1000, 250}, e = {1600, 1500, 750};
    CHECK(hx_counter_delta(&c, &e, &d, &sc) == 0);
    CHECK(near(d, 600) && !sc);

    /* A backend that keeps no times (rusage, PAPI): the plain delta. */
    hx_counter_raw r0 = {7, 0, 0}, r1 = {19, 0, 0};
    CHECK(hx_counter_delta(&r0, &r1, &d, &sc) == 0);
    CHECK(near(d, 12) && !sc);

    /* Never ran in the interval: no estimate, not 0. */
    hx_counter_raw n0 = {500, 1000, 400}, n1 = {500, 3000, 400};
    d = -1;
    CHECK(hx_counter_delta(&n0, &n1, &d, &sc) == -ENODATA);
    CHECK(d == -1);

    /* Anything going backwards is refused, never wrapped. */
    hx_counter_raw w0 = {500, 1000, 400}, w1 = {499, 2000, 900};
    CHECK(hx_counter_delta(&w0, &w1, &d, &sc) == -EINVAL);
    hx_counter_raw t1 = {600, 900, 900};
    CHECK(hx_counter_delta(&w0, &t1, &d, &sc) == -EINVAL);

    /* Large counts keep their precision (2^62 events, half the time). */
    hx_counter_raw big0 = {0, 0, 0},
                   big1 = {(uint64_t)1 << 62, (uint64_t)2e12, (uint64_t)1e12};
    CHECK(hx_counter_delta(&big0, &big1, &d, &sc) == 0);
    CHECK(near(d, 2.0 * (double)((uint64_t)1 << 62)) && sc);
}

int main(void) {
    test_quiet_and_report(); /* first: PAPI initialises in here */
    test_bad_input();
    test_delta_multiplexed();
    test_backend_names();
    test_mode_none();
    test_plan_consistent("auto");
    test_plan_consistent("papi");
    test_plan_consistent("perf");
    test_plan_consistent("rusage");
    test_rusage_plan();
    test_rusage_counts();
    test_perf_counts();
    test_auto_sampling();
    return hx_check_done();
}
