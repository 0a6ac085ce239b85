/*
 * runner_gbench.cc - the runner: Google Benchmark, driven from C.
 *
 * Experiments are C; Google Benchmark is C++. This file is the only place
 * the two meet. It registers one benchmark family per (variant, non-thread
 * parameter values) and one instance per thread count, lets Google
 * Benchmark choose iteration counts, repeat and randomly interleave the
 * instances, and takes the numbers back through a reporter of our own;
 * Google Benchmark's JSON (gbench.json) is written beside ours, so its
 * compare.py works on our runs.
 *
 * The timed loop. A C variant cannot call State::KeepRunning() per
 * iteration (a C++ call per iteration would be the overhead we measure), so
 * hx_batch() asks for the whole run in one batch:
 *
 *     first call:  KeepRunningBatch(max_iterations) -> true   (clock starts
 *                  inside Google Benchmark after its start barrier); we
 *                  sample counters, then read our own clock: t0
 *     second call: our clock: t1; sample counters; KeepRunningBatch() ->
 *                  false (Google Benchmark stops its clock, end barrier)
 *
 * so the C loop pays nothing per iteration but its own increment and
 * compare (the no-op experiment's number is this overhead).
 *
 * Between those two calls the ops are handed out by repeat.c's quota:
 * with several threads in chunks of about 1/64 of the quota, and all
 * threads stop when the first finishes its quota (each then counts the
 * ops it really did); a point whose variant declared a pass (hx_warm) goes
 * on past its quota until it has made a few passes, within a time cap.
 * Before the first call, the variant's .warm runs untimed (repeat.h).
 *
 * Timing. Each thread times itself (CLOCK_MONOTONIC around its own loop,
 * started together after a spin barrier); ns_per_op is the threads' summed
 * time over their summed ops (the mean of (t1 - t0) / ops when they are
 * equal),
 * ns_per_op_max the slowest thread's, thread_spread slowest / fastest.
 * Google Benchmark keeps its own real-time clock to decide iteration
 * counts (UseRealTime), and its times are what gbench.json reports: per
 * iteration of its quota, so where threads stopped early or a point went
 * on for its passes, gbench.json's time per iteration is not ns per op;
 * data.csv's is.
 *
 * Threads. Google Benchmark starts the workers (thread 0 is the calling
 * thread); each pins itself to its PU (topo.h) before anything else, and
 * thread 0 restores its original affinity afterwards. Thread 0 prepares
 * the point's shared state (the setup cache, run.c) while the others wait
 * at our barrier, so no thread starts timing during a setup.
 *
 * Counters are read raw before and after the loop (value, time enabled,
 * time running) and hx_counter_delta() subtracts before it scales, so a
 * multiplexed estimate can never go negative; a scaled value is marked
 * ("evs:" counters, then hx_sample.scaled and data.csv's multiplexed).
 * Counters travel as Google Benchmark user counters: per-op values set by
 * every thread with kAvgThreads (averaged over threads); an event that is
 * unavailable is simply not set, so it arrives as absent (NAN in our
 * samples), never as 0; one whose read failed on some thread is set to NAN
 * there, so the repetition's value is NAN rather than an average that is
 * missing a thread. A metric is averaged over the threads that reported it
 * ("mn:" counts them).
 *
 * A repetition that failed (hx_fail) becomes a sample marked failed, so it
 * is a row of data.csv and is counted in the summary, not silently dropped.
 *
 * Names. A benchmark is named <experiment>/<variant>/<param>:<value>/
 * real_time/threads:<n> (manual_time for manual-time variants), the same
 * in a quick and a full run, so Google Benchmark's tools/compare.py
 * matches them across runs and machines: min time, repetitions and
 * warm-up are given as the library's flags, never per benchmark, because
 * per-benchmark settings are spelt into the name.
 *
 * real_time and ns_per_op. gbench.json's real_time is Google Benchmark's
 * wall time of the repetition divided by its iteration count summed over
 * the threads, so with n threads it is about ns_per_op / n, and equal to
 * it (plus the batch's start and end) with one thread; data.csv's
 * ns_per_op is what a thread sees per op: its own time over its own
 * count. Compare real_time only between the same thread counts, which
 * is what compare.py does, name by name; ns_per_op is in gbench.json too,
 * as a user counter.
 *
 * Google Benchmark's custom context is process-global and keeps the first
 * value of a key, so `run all` (several experiments in one process) cannot
 * name the experiment there: context.json and the benchmark names do.
 */
#include <benchmark/benchmark.h>

#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <sched.h>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" {
#include "clock.h"
#include "counters_sim.h"
#include "gotwin.h"
#include "repeat.h"
#include "run.h"
#include "runner.h"
#include "setup_cache.h"
#include "topo.h"
}

struct hx_state {
    benchmark::State *s;
    hx_point *pt;
    int ti, nt;
    int phase;         /* 0 before the loop, 1 timing, 2 done */
    bool warming;      /* inside the variant's .warm */
    hx_warmup warm;    /* its progress */
    uint64_t pass_ops; /* one pass, as declared to hx_warm(); 0: none */
    hx_quota quota;
    bool quota_end; /* finish now (the variant returned inside its loop) */
    double t0, t1;
    uint64_t iters; /* ops this thread did */
    hx_counter_thread *ct;
    hx_counter_raw c0[HX_MAX_EVENTS], c1[HX_MAX_EVENTS];
    bool c_ok;
    double manual_s; /* hx_manual_time(); < 0 when not given */
    double metrics[HX_MAX_METRICS];
    bool mset[HX_MAX_METRICS];
    bool failed;
    bool src; /* samples the process-wide sources (sources.c) */
    double s0[HX_MAX_SRCVALS], s1[HX_MAX_SRCVALS];
};

static void barrier_wait(hx_point *pt, int n);
static void barrier_arrive(hx_point *pt, int n);

/* ---- the C API of hx.h that needs the running state -------------------- */

extern "C" uint64_t hx_batch(hx_state *st) {
    benchmark::State &s = *st->s;
    if (st->phase == 0) {
        uint64_t n = (uint64_t)s.max_iterations;
        /* Called even after hx_fail(): the other threads wait in Google
         * Benchmark's start and stop barriers for every thread that has
         * not returned, and ours waits for them at our barrier after the
         * variant: skipping these barriers here would deadlock. After
         * SkipWithError this passes both barriers and returns false. */
        /* Google Benchmark's start barrier wakes its threads through a
         * condition variable, which can take a scheduler tick on a busy
         * machine: the first one out would run alone. So a second barrier
         * of ours, spinning, follows it and the clocks start together.
         * Every thread comes here exactly once per repetition (a variant
         * that never called hx_batch() is brought here by body()). A
         * thread that already failed arrives at ours without waiting,
         * before Google Benchmark's: its KeepRunningBatch() passes the
         * start and the stop barrier in one call, and the others can only
         * leave the start barrier once it has. */
        bool go;
        if (st->failed) {
            barrier_arrive(st->pt, st->nt);
            go = s.KeepRunningBatch((benchmark::IterationCount)n);
        } else {
            go = s.KeepRunningBatch((benchmark::IterationCount)n);
            barrier_wait(st->pt, st->nt);
        }
        if (!go || st->failed) {
            st->phase = 2;
            if (go)
                while (s.KeepRunningBatch(1)) {
                }
            return 0;
        }
        if (st->src)
            hx_sources_read(st->pt->run, st->s0);
        hx_run *r = st->pt->run;
        /* Stop-together (repeat.h) where the threads are ours and equal:
         * not for manual-time or runtime variants, and not where process-
         * wide sources are sampled (thread 0 reads them around its own
         * loop and divides by the threads' ops as equal counts). */
        bool together = st->nt > 1 && !st->pt->var->manual_time &&
                        !r->exp->runtime && !hx_sources_used(r);
        hx_quota_init(&st->quota, n, &st->pt->stop, together, st->pass_ops,
                      r->min_time);
        if (st->ct)
            st->c_ok = hx_counters_thread_read(st->ct, st->c0) == 0;
        st->phase = 1;
        st->t0 = hx_now();
        hx_sim_window(st->pt->run->sim, true); /* no-op unless sim child */
        return hx_quota_first(&st->quota, st->t0);
    }
    if (st->phase == 1) {
        double now = hx_now();
        uint64_t more = st->quota_end ? 0 : hx_quota_next(&st->quota, now);
        if (more)
            return more;
        hx_sim_window(st->pt->run->sim, false);
        if (st->quota_end) { /* the variant left its loop: count the
                                chunk as done, and stop the others */
            st->quota.done += st->quota.last;
            if (st->quota.together)
                __atomic_store_n(&st->pt->stop, 1, __ATOMIC_RELEASE);
        }
        st->t1 = now;
        st->iters = st->quota.done;
        if (st->ct && st->c_ok)
            st->c_ok = hx_counters_thread_read(st->ct, st->c1) == 0;
        if (st->src)
            hx_sources_read(st->pt->run, st->s1);
        st->phase = 2;
        /* Google Benchmark's batch was all of max_iterations: this call
         * finishes it (its clock stops at its end barrier) */
        while (s.KeepRunningBatch(1)) {
        }
    }
    return 0;
}

extern "C" uint64_t hx_warm(hx_state *st, uint64_t pass_ops) {
    if (!st->warming) {
        hx_fail(st, "hx_warm() outside the variant's .warm function");
        return 0;
    }
    if (pass_ops == 0)
        return 0;
    st->pass_ops = pass_ops;
    return hx_warmup_next(&st->warm, pass_ops, hx_now());
}

extern "C" int hx_thread_index(const hx_state *st) {
    return st->ti;
}
extern "C" void *hx_shared(const hx_state *st) {
    return st->pt->shared;
}
extern "C" const hx_point *hx_state_point(const hx_state *st) {
    return st->pt;
}

extern "C" void hx_metric(hx_state *st, const char *name, double value) {
    const hx_experiment *e = st->pt->run->exp;
    for (int i = 0; i < e->nmetrics && i < HX_MAX_METRICS; i++) {
        if (strcmp(e->metrics[i].name, name) == 0) {
            st->metrics[i] = value;
            st->mset[i] = true;
            return;
        }
    }
    char why[200];
    snprintf(why, sizeof why, "metric '%s' is not declared by %s", name,
             e->name);
    hx_fail(st, why);
}

extern "C" void hx_manual_time(hx_state *st, double seconds) {
    if (!st->pt->var->manual_time) {
        hx_fail(st, "hx_manual_time() from a variant without .manual_time");
        return;
    }
    st->manual_s = seconds;
}

extern "C" void hx_fail(hx_state *st, const char *why) {
    if (st->failed)
        return;
    st->failed = true;
    snprintf(st->pt->error, sizeof st->pt->error, "%s", why);
    st->s->SkipWithError(why);
}

/* ---- the body Google Benchmark runs on every worker --------------------- */

static void barrier_wait(hx_point *pt, int n) {
    int gen = __atomic_load_n(&pt->bar_gen, __ATOMIC_ACQUIRE);
    if (__atomic_add_fetch(&pt->bar_count, 1, __ATOMIC_ACQ_REL) == n) {
        __atomic_store_n(&pt->bar_count, 0, __ATOMIC_RELAXED);
        __atomic_add_fetch(&pt->bar_gen, 1, __ATOMIC_RELEASE);
        return;
    }
    for (unsigned spins = 0;
         __atomic_load_n(&pt->bar_gen, __ATOMIC_ACQUIRE) == gen; spins++) {
        if (spins > 64)
            sched_yield(); /* over-subscribed points share PUs */
        else
            __builtin_ia32_pause();
    }
}

/* Counts this thread in the current barrier without waiting for it. */
static void barrier_arrive(hx_point *pt, int n) {
    if (__atomic_add_fetch(&pt->bar_count, 1, __ATOMIC_ACQ_REL) == n) {
        __atomic_store_n(&pt->bar_count, 0, __ATOMIC_RELAXED);
        __atomic_add_fetch(&pt->bar_gen, 1, __ATOMIC_RELEASE);
    }
}

static hx_point *point_for(hx_family *fam, int threads) {
    for (int i = 0; i < fam->npoints; i++)
        if (fam->points[i].threads == threads)
            return &fam->points[i];
    return nullptr;
}

/* Counts the repetition and tells the caller (runner.h: a callback). */
static void progress(hx_run *r, hx_point *pt, double ns) {
    __atomic_add_fetch(&r->done_runs, 1, __ATOMIC_RELAXED);
    if (r->progress)
        r->progress(r, pt, ns);
}

static void body(benchmark::State &s, hx_family *fam) {
    hx_run *r = fam->run;
    int ti = s.thread_index(), nt = s.threads();
    hx_point *pt = point_for(fam, nt);
    if (!pt) {
        s.SkipWithError("internal: no point for this thread count");
        return;
    }
    /* Pin the workers, except in runtime experiments: there the timed
     * thread only waits in grt_run while the runtime's own threads do the
     * work, and those threads (started lazily from this one) would inherit
     * a one-PU mask and all run on that PU. */
    cpu_set_t saved;
    bool pin = !r->exp->runtime;
    bool restore =
        pin && ti == 0 && sched_getaffinity(0, sizeof saved, &saved) == 0;
    if (ti < HX_MAX_THREADS)
        pt->pu[ti] = pin ? hx_topo_pin(&r->topo, ti) : HX_PU_UNPINNED;

    if (ti == 0) {
        hx_point_prepare(pt); /* setup, cached; may mark the point skipped */
        __atomic_store_n(&pt->stop, 0, __ATOMIC_RELAXED); /* a new rep */
        for (int i = 0; i < HX_MAX_METRICS; i++) {
            pt->mmax[i] = -INFINITY;
            pt->mmax_set[i] = false;
        }
    }
    barrier_wait(pt, nt);

    if (pt->skip[0]) {
        if (ti == 0) {
            std::string why = std::string("skipped: ") + pt->skip;
            s.SkipWithError(why.c_str());
        } else {
            s.SkipWithError("skipped");
        }
    } else {
        hx_state st;
        memset(&st, 0, sizeof st);
        st.s = &s;
        st.pt = pt;
        st.ti = ti;
        st.nt = nt;
        st.manual_s = -1;
        /* A Go twin works in a child process: this thread's counters
         * would describe the waiting, so its events stay unavailable. */
        st.ct = r->nevents && !hx_gotwin_series(fam->var->name)
                    ? hx_counters_thread_open(r->counters)
                    : nullptr;
        /* Sources describe our process: not sampled for a Go twin, whose
         * work runs in a child process. */
        st.src =
            ti == 0 && hx_sources_used(r) && !hx_gotwin_series(fam->var->name);
        /* The warm-up: untimed, before Google Benchmark's start barrier
         * (inside the first hx_batch), after our setup barrier. Its
         * budget is a few repetitions' min time. */
        hx_warmup_init(&st.warm, fmax(3 * r->min_time, 0.05));
        if (fam->var->warm) {
            st.warming = true;
            fam->var->warm(&st);
            st.warming = false;
        }
        fam->var->fn(&st);
        if (st.phase == 1) { /* the variant returned inside its loop */
            st.quota_end = true;
            hx_batch(&st);
        }
        if (st.phase == 0) {
            if (!st.failed)
                hx_fail(&st, "the variant never called hx_batch()");
            hx_batch(&st); /* Google Benchmark's barriers; returns 0 */
        }
        if (!st.failed && fam->var->manual_time) {
            if (st.manual_s < 0)
                hx_fail(&st, "a .manual_time variant never called "
                             "hx_manual_time()");
            else
                s.SetIterationTime(st.manual_s);
        }
        if (!st.failed && st.iters > 0) {
            double secs = fam->var->manual_time ? st.manual_s : st.t1 - st.t0;
            double ns = secs * 1e9 / (double)st.iters;
            pt->tns[ti < HX_MAX_THREADS ? ti : 0] = ns;
            pt->tit[ti < HX_MAX_THREADS ? ti : 0] = st.iters;
            /* Every thread sets every available event: a thread whose
             * counters could not be opened or read sets NAN, which makes
             * the sum over threads (and so the average) NAN. Leaving it
             * unset would divide the others' sum by all the threads. */
            {
                bool have = st.ct && st.c_ok;
                for (size_t i = 0; i < r->nevents; i++) {
                    if (!hx_counters_available(r->counters, i))
                        continue;
                    double d = NAN;
                    bool scaled = false;
                    if (!have || hx_counter_delta(&st.c0[i], &st.c1[i], &d,
                                                  &scaled) != 0)
                        d = NAN; /* no estimate: unavailable, not 0 */
                    double v = d / (double)st.iters;
                    const char *nm = hx_counters_name(r->counters, i);
                    s.counters[std::string("ev:") + nm] =
                        benchmark::Counter(v, benchmark::Counter::kAvgThreads);
                    if (scaled) /* summed over threads: > 0 if any scaled */
                        s.counters[std::string("evs:") + nm] = 1;
                }
            }
            const hx_experiment *e = r->exp;
            if (st.src) /* sourced metrics: thread 0 alone, exact */
                for (int i = 0; i < e->nmetrics && i < HX_MAX_METRICS; i++)
                    if (r->msrc[i] >= 0) {
                        st.metrics[i] = hx_sources_value(
                            r, i, st.s0, st.s1, st.iters * (uint64_t)nt);
                        st.mset[i] = !std::isnan(st.metrics[i]);
                    }
            for (int i = 0; i < e->nmetrics && i < HX_MAX_METRICS; i++) {
                if (!st.mset[i])
                    continue;
                if (e->metrics[i].kind & HX_METRIC_MAX) {
                    /* the largest over threads, published by thread 0
                     * after the end barrier */
                    double cur;
                    __atomic_load(&pt->mmax[i], &cur, __ATOMIC_RELAXED);
                    while (st.metrics[i] > cur &&
                           !__atomic_compare_exchange(
                               &pt->mmax[i], &cur, &st.metrics[i], true,
                               __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
                    }
                    __atomic_store_n(&pt->mmax_set[i], true, __ATOMIC_RELAXED);
                    continue;
                }
                std::string key = std::string("m:") + e->metrics[i].name;
                s.counters[key] = benchmark::Counter(
                    st.metrics[i], benchmark::Counter::kAvgThreads);
                /* the share of threads that reported it: the reporter
                 * divides by it, so the metric is the mean over the
                 * threads that set it, not over all threads */
                s.counters[std::string("mn:") + e->metrics[i].name] =
                    benchmark::Counter(1, benchmark::Counter::kAvgThreads);
            }
        }
        if (st.ct)
            hx_counters_thread_close(st.ct);
        barrier_wait(pt, nt); /* every tns[] written */
        if (ti == 0 && !st.failed && st.iters > 0) {
            double mx = 0, sum = 0, its = 0, tsum = 0;
            int k = nt < HX_MAX_THREADS ? nt : HX_MAX_THREADS;
            for (int i = 0; i < k; i++) {
                mx = pt->tns[i] > mx ? pt->tns[i] : mx;
                sum += pt->tns[i];
                its += (double)pt->tit[i];
                tsum += pt->tns[i] * (double)pt->tit[i];
            }
            /* ns per op per thread: the threads' time over their ops.
             * With equal threads this is the mean of their ns/op; when
             * one was starved (an unfair lock, a preempted vCPU) every op
             * weighs the same, instead of the starved thread's few ops
             * deciding the mean. Set by thread 0 alone: summed over the
             * threads by Google Benchmark, it stays this value. */
            s.counters["ns_per_op"] = tsum / its;
            s.counters["ns_per_op_max"] = mx;
            const hx_experiment *e = r->exp;
            for (int i = 0; i < e->nmetrics && i < HX_MAX_METRICS; i++)
                if ((e->metrics[i].kind & HX_METRIC_MAX) && pt->mmax_set[i]) {
                    /* set by thread 0 alone: value/threads over a share
                     * of 1/threads gives the value back (see the
                     * reporter) */
                    s.counters[std::string("m:") + e->metrics[i].name] =
                        benchmark::Counter(pt->mmax[i],
                                           benchmark::Counter::kAvgThreads);
                    s.counters[std::string("mn:") + e->metrics[i].name] =
                        benchmark::Counter(1, benchmark::Counter::kAvgThreads);
                }
            s.counters["thread_spread"] = hx_spread(pt->tns, k);
            s.counters["iters_per_thread"] = its / k;
            if (st.pass_ops) {
                s.counters["passes"] = its / k / (double)st.pass_ops;
                s.counters["warm_passes"] =
                    hx_warmup_passes(&st.warm, st.pass_ops);
                s.counters["warm_end"] = st.warm.end;
            }
            /* Google Benchmark accepts a run as a repetition once it lasted
             * min_time (or hit its iteration cap): count those for the
             * progress line. */
            if (st.t1 - st.t0 >= r->min_time * 0.98 || st.iters >= 1000000000u)
                progress(r, pt, sum / nt);
        }
    }
    if (restore)
        sched_setaffinity(0, sizeof saved, &saved);
}

/* ---- the reporter: Google Benchmark's runs back into our samples -------- */

class HxReporter : public benchmark::BenchmarkReporter {
  public:
    explicit HxReporter(hx_run *r) : r_(r) {}
    bool ReportContext(const Context &) override { return true; }
    void ReportRuns(const std::vector<Run> &runs) override {
        for (const Run &run : runs) {
            if (run.run_type != Run::RT_Iteration)
                continue;
            hx_point *pt = find(run.run_name.function_name, (int)run.threads);
            if (!pt)
                continue;
            if (run.error_occurred) {
                if (pt->skip[0])
                    continue;
                if (!pt->error[0])
                    snprintf(pt->error, sizeof pt->error, "%s",
                             run.error_message.c_str());
                add_failed(pt, run);
                continue;
            }
            add_sample(pt, run);
        }
    }

  private:
    hx_run *r_;

    hx_point *find(const std::string &fname, int threads) {
        for (int f = 0; f < r_->nfams; f++)
            if (fname == r_->fams[f].name)
                return point_for(&r_->fams[f], threads);
        return nullptr;
    }

    static double counter(const Run &run, const std::string &key) {
        auto it = run.counters.find(key);
        return it == run.counters.end() ? NAN : (double)it->second;
    }

    static hx_sample *new_sample(hx_point *pt, const Run &run) {
        if (pt->nsamples == pt->capsamples) {
            int cap = pt->capsamples ? pt->capsamples * 2 : 16;
            void *p = realloc(pt->samples, sizeof(hx_sample) * (size_t)cap);
            if (!p)
                return nullptr;
            pt->samples = (hx_sample *)p;
            pt->capsamples = cap;
        }
        hx_sample *sm = &pt->samples[pt->nsamples++];
        memset(sm, 0, sizeof *sm);
        sm->rep = (int)run.repetition_index;
        return sm;
    }

    void add_failed(hx_point *pt, const Run &run) {
        hx_sample *sm = new_sample(pt, run);
        if (!sm)
            return;
        sm->failed = true;
        sm->ns_per_op = sm->ns_per_op_max = NAN;
        sm->thread_spread = sm->passes = sm->warm_passes = NAN;
        for (int i = 0; i < HX_MAX_METRICS; i++)
            sm->metrics[i] = NAN;
        for (int i = 0; i < HX_MAX_EVENTS; i++)
            sm->events[i] = NAN;
    }

    void add_sample(hx_point *pt, const Run &run) {
        hx_sample *sm = new_sample(pt, run);
        if (!sm)
            return;
        double it = counter(run, "iters_per_thread");
        sm->iterations =
            std::isnan(it) ? (uint64_t)run.iterations : (uint64_t)it;
        sm->ns_per_op = counter(run, "ns_per_op");
        sm->ns_per_op_max = counter(run, "ns_per_op_max");
        sm->thread_spread = counter(run, "thread_spread");
        sm->passes = counter(run, "passes");
        sm->warm_passes = counter(run, "warm_passes");
        double we = counter(run, "warm_end");
        sm->warm_end = std::isnan(we) ? 0 : (int)we;
        const hx_experiment *e = r_->exp;
        for (int i = 0; i < e->nmetrics && i < HX_MAX_METRICS; i++) {
            double v = counter(run, std::string("m:") + e->metrics[i].name);
            double share =
                counter(run, std::string("mn:") + e->metrics[i].name);
            if (!std::isnan(share) && share > 0)
                v /= share;
            sm->metrics[i] = v;
            sm->metric_set[i] = !std::isnan(v);
        }
        for (size_t i = 0; i < r_->nevents && i < HX_MAX_EVENTS; i++) {
            const char *nm = hx_counters_name(r_->counters, i);
            sm->events[i] = counter(run, std::string("ev:") + nm);
            double sc = counter(run, std::string("evs:") + nm);
            if (!std::isnan(sc) && sc > 0 && i < 32)
                sm->scaled |= 1u << i;
        }
    }
};

/* ---- driving a whole run ----------------------------------------------- */

extern "C" int hx_runner_run(hx_run *r, const char *json_path) {
    char mt[64];
    snprintf(mt, sizeof mt, "%.4f", r->min_time);
    char reps[32], wu[64];
    snprintf(reps, sizeof reps, "%d", r->reps);
    snprintf(wu, sizeof wu, "%.4f", r->opts->warmup);
    /* min time, repetitions and warm-up as flags, not per benchmark: set
     * per benchmark they become part of its name ("min_time:0.010/
     * repeats:3/"), and a quick and a full run would share no name for
     * compare.py to match (see the top of this file) */
    std::vector<std::string> args = {
        "mechlab",
        std::string("--benchmark_out=") + json_path,
        "--benchmark_out_format=json",
        std::string("--benchmark_enable_random_interleaving=") +
            (r->opts->interleave ? "true" : "false"),
        std::string("--benchmark_min_time=") + mt,
        std::string("--benchmark_repetitions=") + reps,
        std::string("--benchmark_min_warmup_time=") + wu,
    };
    std::vector<char *> argv;
    for (auto &a : args)
        argv.push_back(&a[0]);
    argv.push_back(nullptr);
    int argc = (int)args.size();
    benchmark::Initialize(&argc, argv.data());

    for (int f = 0; f < r->nfams; f++) {
        hx_family *fam = &r->fams[f];
        auto *b = benchmark::RegisterBenchmark(
            fam->name, [fam](benchmark::State &s) { body(s, fam); });
        if (fam->var->manual_time)
            b->UseManualTime();
        else
            b->UseRealTime();
        if (r->fixed_iters) /* the sim child: counted, not timed (its name
                               then says iterations:N; min time, reps and
                               warm-up are the flags above) */
            b->Iterations((benchmark::IterationCount)r->fixed_iters);
        for (int i = 0; i < fam->npoints; i++)
            b->Threads(fam->points[i].threads);
    }
    HxReporter rep(r);
    r->t_start = hx_now();
    size_t n = benchmark::RunSpecifiedBenchmarks(&rep);
    benchmark::ClearRegisteredBenchmarks();
    return n > 0 ? 0 : -ENOENT;
}
