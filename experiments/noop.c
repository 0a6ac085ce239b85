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
 * of each iteration. ns_per_op is per iteration.
 */
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

/* The loop's cost is what every other number includes: it must stay well
 * below anything we measure (the target is 0.5 ns per iteration). */
static bool noop_verdict(const hx_results *r, char *buf, size_t len) {
    double ns = hx_results_median(r, "empty", 1);
    bool ok = ns == ns && ns <= 0.5;
    snprintf(buf, len,
             "the empty timed loop costs %.3f ns per iteration (target <= "
             "0.5 ns): %s\n",
             ns, ok ? "holds" : "does not hold");
    return ok;
}

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
        "The timed loop costs about one cycle per iteration (<= 0.5 ns):\n"
        "no call into Google Benchmark per iteration.",
    .reading = "One point per variant; the value is the loop's own cost.",
    .homework = "1. How many cycles per iteration is this at your clock?\n"
                "2. What would a C++ call per iteration add?",
    .variants = noop_variants,
    .nvariants = HX_COUNT(noop_variants),
    .params = noop_params,
    .nparams = HX_COUNT(noop_params),
    .op = "iteration",
    .verdict = noop_verdict,
    .xparam = "threads",
};
