/*
 * test_repeat.c - unit tests for what makes a number trustworthy
 * (issue 9): the warm-up and stop-together rules of harness/repeat.c, the
 * spread and settle rules of harness/calibrate.c, and the order in which
 * a real run calls a variant's warm-up and its timed loop.
 *
 * No timing assertions. The state machines take the time as an argument,
 * so they are driven with made-up times (a fake clock); the run-order test
 * records what the harness called, in what order, on which thread, not
 * how long anything took.
 *
 * Output: one line per failed check, then "N passed, M failed"; the exit
 * status is non-zero when anything failed.
 */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calibrate.h"
#include "pipeline.h"
#include "repeat.h"
#include "run.h"

#include "check.h"

/* ---- warm-up -------------------------------------------------------------- */

/* Runs a warm-up over passes of `pass` ops whose k-th pass takes
 * pass_s[k] seconds of fake time (the last entry repeats). Returns the
 * passes completed; *ops gets the ops handed out. */
static int drive_warm(hx_warmup *w, uint64_t pass, const double *pass_s,
                      int npass_s, uint64_t *ops) {
    double now = 100.0; /* any origin */
    *ops = 0;
    for (int guard = 0; guard < 100000; guard++) {
        uint64_t n = hx_warmup_next(w, pass, now);
        if (n == 0)
            break;
        CHECK(n <= pass && n <= HX_WARM_CHUNK);
        *ops += n;
        int k = w->passes < npass_s ? w->passes : npass_s - 1;
        now += pass_s[k] * (double)n / (double)pass; /* this chunk's time */
    }
    return w->passes;
}

static void test_warm_settles(void) {
    /* A chase over a working set near the LLC: the first pass runs at
     * DRAM latency (another point's data was resident), the second much
     * faster, the third as fast as the second: settled after 3. */
    const double t[] = {0.030, 0.005, 0.0049};
    hx_warmup w;
    uint64_t ops;
    hx_warmup_init(&w, 1.0);
    int p = drive_warm(&w, 1000, t, 3, &ops);
    CHECK(p == 3);
    CHECK(w.end == HX_WARM_SETTLED);
    CHECK(ops == 3000);
    CHECK(fabs(hx_warmup_passes(&w, 1000) - 3.0) < 1e-9);

    /* Never settles (every pass 20% faster): stops at the pass cap. */
    double shrink[HX_WARM_MAX_PASSES + 2];
    for (int i = 0; i < HX_WARM_MAX_PASSES + 2; i++)
        shrink[i] = 0.001 * pow(0.8, i);
    hx_warmup_init(&w, 10.0);
    p = drive_warm(&w, 500, shrink, HX_WARM_MAX_PASSES + 2, &ops);
    CHECK(p == HX_WARM_MAX_PASSES);
    CHECK(w.end == HX_WARM_MAXED);

    /* A pass that is slower than the last (noise) also counts as settled:
     * nothing more is becoming resident. */
    const double slower[] = {0.002, 0.0021};
    hx_warmup_init(&w, 10.0);
    p = drive_warm(&w, 100, slower, 2, &ops);
    CHECK(p == 2 && w.end == HX_WARM_SETTLED);
}

static void test_warm_budget(void) {
    /* A 1 GiB chain: one pass takes 3 s, the budget is 0.15 s. The
     * warm-up stops inside its first pass, having walked about a budget's
     * worth, in chunks (the budget is checked between chunks). */
    const double t[] = {3.0};
    uint64_t pass = (uint64_t)1 << 24, ops;
    hx_warmup w;
    hx_warmup_init(&w, 0.15);
    int p = drive_warm(&w, pass, t, 1, &ops);
    CHECK(p == 0);
    CHECK(w.end == HX_WARM_BUDGET);
    double frac = hx_warmup_passes(&w, pass);
    CHECK(frac > 0.04 && frac < 0.06); /* 0.15 / 3 s, within a chunk */

    /* Nothing to warm: no ops. */
    hx_warmup_init(&w, 1.0);
    CHECK(hx_warmup_next(&w, 0, 0.0) == 0);
}

/* ---- stop-together --------------------------------------------------------- */

/* Two threads with one quota; thread 0 runs twice as fast (an op costs 1
 * fake ns on it, 2 on thread 1). Steps them in fake time, always the one
 * that is behind, the way they would interleave. */
static void test_quota_together(void) {
    int stop = 0;
    hx_quota q[2];
    const double cost[2] = {1e-9, 2e-9};
    double now[2] = {0, 0};
    uint64_t quota = 64000;
    for (int i = 0; i < 2; i++)
        hx_quota_init(&q[i], quota, &stop, true, 0, 0.01);
    CHECK(q[0].chunk == quota / HX_QUOTA_CHUNKS);
    uint64_t n[2];
    for (int i = 0; i < 2; i++) {
        n[i] = hx_quota_first(&q[i], 0.0);
        CHECK(n[i] == q[i].chunk);
    }
    bool done[2] = {false, false};
    double t_end[2] = {0, 0};
    for (int guard = 0; guard < 100000 && !(done[0] && done[1]); guard++) {
        int i = done[0] ? 1 : done[1] ? 0 : now[0] <= now[1] ? 0 : 1;
        now[i] += cost[i] * (double)n[i];
        n[i] = hx_quota_next(&q[i], now[i]);
        if (n[i] == 0) {
            done[i] = true;
            t_end[i] = now[i];
        }
    }
    CHECK(done[0] && done[1]);
    /* the fast thread did its quota and raised the flag */
    CHECK(q[0].done == quota);
    CHECK(stop == 1);
    /* the slow one stopped at its next chunk: about half the quota */
    CHECK(q[1].done < quota);
    CHECK(q[1].done >= quota / 2 - q[1].chunk &&
          q[1].done <= quota / 2 + q[1].chunk);
    /* and within one chunk of the other's stop, not after a solo tail */
    CHECK(t_end[1] - t_end[0] <= cost[1] * (double)q[1].chunk + 1e-12);
    /* ns/op from each thread's own count and time: 1 and 2 */
    double ns0 = t_end[0] * 1e9 / (double)q[0].done;
    double ns1 = t_end[1] * 1e9 / (double)q[1].done;
    CHECK(fabs(ns0 - 1.0) < 1e-6 && fabs(ns1 - 2.0) < 1e-6);
    double tns[2] = {ns0, ns1};
    CHECK(fabs(hx_spread(tns, 2) - 2.0) < 1e-6);
}

static void test_quota_single(void) {
    /* One thread, no pass: the whole quota in one batch, as before. */
    int stop = 0;
    hx_quota q;
    hx_quota_init(&q, 12345, &stop, false, 0, 0.01);
    CHECK(hx_quota_first(&q, 0.0) == 12345);
    CHECK(hx_quota_next(&q, 1.0) == 0);
    CHECK(q.done == 12345);
    CHECK(stop == 0); /* not together: the flag is nobody's business */

    /* A declared pass of 1000 ops and a quota of 1000: it goes on to
     * HX_MIN_PASSES passes while the time cap allows... */
    hx_quota_init(&q, 1000, &stop, false, 1000, 0.01);
    uint64_t total = hx_quota_first(&q, 0.0), n;
    double now = 0;
    while ((n = hx_quota_next(&q, now += 0.001)) != 0)
        total += n;
    CHECK(q.done == 1000 * HX_MIN_PASSES && total == q.done);

    /* ... and stops at the cap (HX_PASS_TIME_CAP x min_time) when a pass
     * is slow. */
    hx_quota_init(&q, 1000, &stop, false, 1000, 0.01);
    hx_quota_first(&q, 0.0);
    CHECK(hx_quota_next(&q, HX_PASS_TIME_CAP * 0.01 + 0.001) == 0);
    CHECK(q.done == 1000);

    /* A quota already above the passes wanted is not extended. */
    hx_quota_init(&q, 100000, &stop, false, 10, 0.01);
    CHECK(hx_quota_first(&q, 0.0) == 100000);
    CHECK(hx_quota_next(&q, 0.0) == 0);
}

/* ---- spread and the settle rule ------------------------------------------- */

static void test_spread_rule(void) {
    const double a[] = {0.29, 0.59};
    CHECK(fabs(hx_spread(a, 2) - 0.59 / 0.29) < 1e-12);
    const double b[] = {1.0, NAN, 1.2, 0, -3};
    CHECK(fabs(hx_spread(b, 5) - 1.2) < 1e-12);
    const double c[] = {5.0};
    CHECK(hx_spread(c, 1) == 1.0);
    CHECK(hx_spread(NULL, 0) == 1.0);

    char why[96];
    CHECK(hx_settled(1.0, 1.0, why, sizeof why) && why[0] == 0);
    CHECK(hx_settled(HX_SETTLED_SPREAD, 1.29, why, sizeof why));
    CHECK(!hx_settled(1.9, 1.1, why, sizeof why));
    CHECK(strstr(why, "threads differ 1.90x") != NULL);
    CHECK(!hx_settled(1.1, 2.03, why, sizeof why));
    CHECK(strstr(why, "PUs differ 2.03x") != NULL);
}

/* The rule applied to a run's points: synthetic samples and a synthetic
 * calibration (no timing). */
static void test_points_rule(void) {
    static hx_variant v = {.name = "v"};
    static const hx_param p[] = {{.name = "threads",
                                  .unit = "threads",
                                  .help = "h",
                                  .min = 1,
                                  .max = 8,
                                  .flags = HX_PARAM_THREADS}};
    static hx_experiment e = {.name = "fake",
                              .variants = &v,
                              .nvariants = 1,
                              .params = p,
                              .nparams = 1,
                              .xparam = "threads"};
    hx_run r;
    memset(&r, 0, sizeof r);
    r.exp = &e;
    r.thread_param = 0;
    hx_family fam;
    memset(&fam, 0, sizeof fam);
    hx_point pts[3];
    memset(pts, 0, sizeof pts);
    fam.run = &r;
    fam.var = &v;
    fam.points = pts;
    fam.npoints = 3;
    r.fams = &fam;
    r.nfams = 1;
    hx_sample s[3][3];
    memset(s, 0, sizeof s);
    /* point 0: one thread on PU 0; point 1: two threads on PUs 0 and 1,
     * even; point 2: two threads, one twice as slow */
    const double spread[3] = {1.0, 1.05, 2.0};
    for (int i = 0; i < 3; i++) {
        pts[i].run = &r;
        pts[i].var = &v;
        pts[i].threads = i == 0 ? 1 : 2;
        pts[i].pu[0] = 0;
        pts[i].pu[1] = 1;
        for (int k = 0; k < 3; k++)
            s[i][k] = (hx_sample){.rep = k,
                                  .iterations = 100,
                                  .ns_per_op = i == 0 ? 0.34 : 0.5,
                                  .thread_spread = spread[i]};
        pts[i].samples = s[i];
        pts[i].nsamples = 3;
    }
    /* PU 1 ran at 1.1x PU 0's cycle time: within the rule */
    hx_calib before = {.n = 2,
                       .pu = {0, 1},
                       .cycle_ns = {0.30, 0.33},
                       .loop_ns = {0.30, 0.33}};
    r.calib_before = &before;
    hx_calib_points(&r);
    CHECK(!pts[0].unsettled && !pts[1].unsettled);
    CHECK(pts[2].unsettled && strstr(pts[2].unsettled_why, "threads"));
    CHECK(fabs(pts[1].pu_spread - 1.1) < 1e-9);
    /* the 1-thread point at 0.34 ns is 1.13 cycles of PU 0 and its loop
     * floor is 1 cycle: at the floor; 0.5 ns on PUs 0/1 is 1.59 cycles */
    CHECK(pts[0].at_floor && fabs(pts[0].cycles_per_op - 0.34 / 0.30) < 1e-9);
    CHECK(!pts[1].at_floor);
    /* The same 2x between the threads of a contended variant is who wins
     * the shared line, not a slow PU: the point stays settled. */
    hx_variant vc = v;
    vc.contended = true;
    pts[2].var = &vc;
    hx_calib_points(&r);
    CHECK(!pts[2].unsettled);
    pts[2].var = &v;

    /* After the run PU 1 is twice as slow: the two-thread points are no
     * longer evidence, the one-thread point on PU 0 still is. */
    hx_calib after = {.n = 2,
                      .pu = {0, 1},
                      .cycle_ns = {0.30, 0.60},
                      .loop_ns = {0.30, 0.60}};
    r.calib_after = &after;
    hx_calib_points(&r);
    CHECK(!pts[0].unsettled);
    CHECK(pts[1].unsettled && strstr(pts[1].unsettled_why, "PUs differ 2.00x"));

    /* the summary names them */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    hx_calib_summary(&r, f);
    fclose(f);
    CHECK(strstr(buf, "spread 2.00x") != NULL);
    CHECK(strstr(buf, "not settled") != NULL);
    CHECK(strstr(buf, "v threads=2: its PUs differ 2.00x") != NULL);
    CHECK(strstr(buf, "at that floor") != NULL);
    free(buf);
}

/* ---- the order a real run calls things in ---------------------------------- */

/* Every call is logged as (thread, what) under a lock: 'W' a warm-up
 * chunk, 'B' a timed batch, 'E' the end of the timed loop. */
#define LOGMAX 200000
static struct {
    pthread_mutex_t mu;
    int n;
    struct {
        int ti;
        char what;
    } ev[LOGMAX];
} logbook = {PTHREAD_MUTEX_INITIALIZER, 0, {{0, 0}}};

static void note(int ti, char what) {
    pthread_mutex_lock(&logbook.mu);
    if (logbook.n < LOGMAX) {
        logbook.ev[logbook.n].ti = ti;
        logbook.ev[logbook.n].what = what;
        logbook.n++;
    }
    pthread_mutex_unlock(&logbook.mu);
}

struct ord_shared {
    volatile uint64_t sink;
};

static void *ord_setup(hx_point *pt, size_t *bytes) {
    (void)pt;
    *bytes = sizeof(struct ord_shared);
    return calloc(1, sizeof(struct ord_shared));
}

static void ord_warm(hx_state *st) {
    struct ord_shared *sh = hx_shared(st);
    for (uint64_t n; (n = hx_warm(st, 1000)) != 0;) {
        note(hx_thread_index(st), 'W');
        for (uint64_t i = 0; i < n; i++)
            sh->sink += i;
    }
}

static void ord_fn(hx_state *st) {
    int ti = hx_thread_index(st);
    uint64_t x = 0;
    for (uint64_t n; (n = hx_batch(st)) != 0;) {
        note(ti, 'B');
        for (uint64_t i = 0; i < n; i++)
            x += i;
    }
    hx_keep(x);
    note(ti, 'E');
}

static void test_run_order(void) {
    static const hx_variant v[] = {{.name = "ord",
                                    .help = "h",
                                    .fn = ord_fn,
                                    .warm = ord_warm,
                                    .setup = ord_setup,
                                    .teardown = free}};
    static const hx_param p[] = {{.name = "threads",
                                  .unit = "threads",
                                  .help = "h",
                                  .min = 1,
                                  .max = 2,
                                  .flags = HX_PARAM_THREADS,
                                  .def = "2"}};
    static const hx_experiment e = {.name = "order",
                                    .summary = "s",
                                    .hypothesis = "h",
                                    .reading = "r",
                                    .homework = "w",
                                    .variants = v,
                                    .nvariants = 1,
                                    .params = p,
                                    .nparams = 1,
                                    .xparam = "threads"};
    char dir[] = "/tmp/hx-test-order-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    hx_opts o;
    memset(&o, 0, sizeof o);
    o.command = "run";
    o.counters = "none";
    o.out = dir;
    o.reps = 3;
    o.min_time = 0.002;
    o.interleave = true;
    /* the run's own output is not what is tested */
    fflush(stdout);
    int saved = dup(1);
    FILE *devnull = freopen("/dev/null", "w", stdout);
    int rc = hx_run_experiment(&e, &o);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    stdout = fdopen(1, "w");
    (void)devnull;
    CHECK(rc == HX_EXIT_OK);

    /* Per thread, the log is a sequence of bodies, each: warm-up chunks
     * (at least one: the chunk before the first pass is timed), then timed
     * batches, then the end. A 'B' never comes before that body's 'W', and
     * a 'W' never comes between a 'B' and its 'E'. */
    int bodies[2] = {0, 0}, bad = 0;
    for (int ti = 0; ti < 2; ti++) {
        char state = 'E'; /* between bodies */
        for (int i = 0; i < logbook.n; i++) {
            if (logbook.ev[i].ti != ti)
                continue;
            char w = logbook.ev[i].what;
            if (w == 'W' && state == 'B')
                bad++; /* warming inside a timed loop */
            if (w == 'B' && state == 'E')
                bad++; /* timing without a warm-up first */
            if (w == 'E') {
                if (state != 'B')
                    bad++;
                bodies[ti]++;
            }
            state = w;
        }
        if (state != 'E')
            bad++;
    }
    CHECK(bad == 0);
    /* at least the 3 repetitions ran on both threads */
    CHECK(bodies[0] >= 3 && bodies[1] >= 3);
    CHECK(logbook.n < LOGMAX);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

int main(void) {
    test_warm_settles();
    test_warm_budget();
    test_quota_together();
    test_quota_single();
    test_spread_rule();
    test_points_rule();
    test_run_order();
    return hx_check_done();
}
