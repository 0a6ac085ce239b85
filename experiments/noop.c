/*
 * noop.c - the harness's own overhead: an empty timed loop.
 *
 * Every experiment's ns_per_op includes the loop that drives it. The
 * harness hands a C variant its whole repetition as one batch (hx_batch:
 * one C++ call into Google Benchmark at the start and one at the end), so
 * the only per-iteration cost left is the loop's own increment, compare
 * and branch: about one cycle. This experiment measures exactly that, so
 * readers can subtract it (and see it is far below anything we measure).
 *
 * Variants. `empty`: the loop with an empty asm statement as its body
 * (the compiler must keep the iterations, but nothing else happens).
 * `keep`: the same with a value passed through hx_keep each iteration,
 * the barrier other experiments use. `manual`: the empty loop timed by
 * the variant (manual time), the path for experiments that time only part
 * of each iteration. `adds`: eight dependent adds per iteration, a clock
 * (8 cycles per iteration) for judging the others in cycles. ns_per_op is
 * per iteration.
 */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "hx.h"

static void noop_empty(hx_state *st) {
    for (uint64_t n; (n = hx_batch(st)) != 0;)
        for (uint64_t i = 0; i < n; i++)
            __asm__ volatile("");
}

static void noop_keep(hx_state *st) {
    for (uint64_t n; (n = hx_batch(st)) != 0;)
        for (uint64_t i = 0; i < n; i++)
            hx_keep(i);
}

/* A clock: eight dependent register-register adds per iteration. Their
 * latency is one cycle on every x86-64 and Arm core of the last decade,
 * so the chain takes 8 cycles per iteration and the loop's own overhead
 * hides under it. Not add-immediate: Golden Cove and later Intel cores
 * execute chains of those at rename, in no time (8.9 "GHz" on a Sapphire
 * Rapids VM). */
static void noop_adds(hx_state *st) {
    uint64_t x = 1;
    for (uint64_t n; (n = hx_batch(st)) != 0;)
        for (uint64_t i = 0; i < n; i++) {
#if defined(__x86_64__)
            __asm__ volatile("add %0, %0\n\tadd %0, %0\n\tadd %0, %0\n\t"
                             "add %0, %0\n\tadd %0, %0\n\tadd %0, %0\n\t"
                             "add %0, %0\n\tadd %0, %0"
                             : "+r"(x));
#elif defined(__aarch64__)
            __asm__ volatile("add %0, %0, %0\n\tadd %0, %0, %0\n\t"
                             "add %0, %0, %0\n\tadd %0, %0, %0\n\t"
                             "add %0, %0, %0\n\tadd %0, %0, %0\n\t"
                             "add %0, %0, %0\n\tadd %0, %0, %0"
                             : "+r"(x));
#else
#error "noop: add chain for this architecture"
#endif
        }
    hx_keep(x);
}

/* The loop's cost is what every other number includes: it must stay well
 * below anything we measure. Judged in cycles (about one is expected: an
 * increment, a compare and a branch that issue together), so the verdict
 * carries across CPUs; the figure for the development machine was
 * 0.5 ns. */
static void noop_verdict(const hx_results *r, hx_report *rep) {
    double ns = hx_results_median(r, "empty", 1);
    double cyc = hx_results_median(r, "adds", 1) / 8;
    if (isnan(ns) || isnan(cyc) || !(cyc > 0)) {
        hx_report_unsettled(rep, "the empty loop or the add chain was not "
                                 "measured at 1 thread");
        return;
    }
    hx_report_headline(rep, "loop_cycles", ns / cyc);
    hx_report_headline(rep, "clock_ghz", 1 / cyc);
    hx_report_check(rep, ns <= 2 * cyc,
                    "the empty timed loop costs %.3f ns per iteration; one "
                    "cycle is %.3f ns here (%.2f GHz, from the add chain), "
                    "so %.2f cycles (expected <= 2)",
                    ns, cyc, 1 / cyc, ns / cyc);
}

static const hx_headline noop_headlines[] = {
    {.key = "loop_ns",
     .name = "empty timed loop, ns per iteration",
     .unit = "ns",
     .how = "median of 'empty' at 1 thread",
     .kind = HX_HEAD_MEDIAN,
     .series = "empty",
     .at = HX_AT_MIN},
    {.key = "loop_cycles",
     .name = "empty timed loop, cycles per iteration",
     .unit = "cycles",
     .how = "'empty' over one cycle, the 'adds' chain's time / 8",
     .kind = HX_HEAD_REPORT},
    {.key = "clock_ghz",
     .name = "core clock from the add chain",
     .unit = "GHz",
     .how = "8 / the median of 'adds' at 1 thread",
     .kind = HX_HEAD_REPORT},
};

/* The same empty loop timed by the variant itself (manual time): the
 * path experiments use when only part of each iteration is the op. */
static void noop_manual(hx_state *st) {
    struct timespec a, b;
    uint64_t total = 0;
    for (uint64_t n; (n = hx_batch(st)) != 0;) {
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (uint64_t i = 0; i < n; i++)
            __asm__ volatile("");
        clock_gettime(CLOCK_MONOTONIC, &b);
        total += (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000u +
                 (uint64_t)b.tv_nsec - (uint64_t)a.tv_nsec;
    }
    hx_manual_time(st, (double)total * 1e-9);
}

static const hx_variant noop_variants[] = {
    {.name = "empty",
     .help = "an empty loop body (asm volatile(\"\"))",
     .fn = noop_empty},
    {.name = "keep", .help = "hx_keep(i) per iteration", .fn = noop_keep},
    {.name = "adds",
     .help = "8 dependent adds per iteration: the clock (8 cycles)",
     .fn = noop_adds},
    {.name = "manual",
     .help = "the empty loop timed by the variant itself (manual time)",
     .fn = noop_manual,
     .manual_time = true},
};

static const hx_param noop_params[] = {
    {.name = "threads",
     .unit = "threads",
     .help = "worker threads (each runs its own empty loop)",
     .min = 1,
     .max = 1024,
     .flags = HX_PARAM_THREADS,
     .def = "1",
     .quick_def = "1"},
};

const hx_experiment hx_exp_noop = {
    .name = "noop",
    .summary = "harness overhead: an empty timed loop (ns per iteration)",
    .hypothesis =
        "The timed loop costs about one cycle per iteration (at most two;\n"
        "0.5 ns on the development machine): no call into Google\n"
        "Benchmark per iteration.",
    .reading = "One point per variant; the value is the loop's own cost.",
    .homework = "1. How many cycles per iteration is this at your clock?\n"
                "2. What would a C++ call per iteration add?",
    .variants = noop_variants,
    .nvariants = HX_COUNT(noop_variants),
    .params = noop_params,
    .nparams = HX_COUNT(noop_params),
    .op = "iteration",
    .verdict = noop_verdict,
    .headlines = noop_headlines,
    .nheadlines = HX_COUNT(noop_headlines),
    .xparam = "threads",
};
