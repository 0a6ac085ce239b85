/*
 * staircase.c - the latency of each cache level and of memory.
 *
 * Mechanism. A load whose address depends on the previous load cannot
 * start before that one finishes, so a chain of such loads runs at exactly
 * the latency of wherever the data lives. We build one random cycle
 * (Sattolo's algorithm, chase.h) through nodes one cache line apart, over a
 * working set of W bytes, and follow it: p = *p. The cycle visits every
 * line before it repeats, so the whole of W is in use; its order is random,
 * so no prefetcher can guess the next line; each load touches a new line,
 * so no load is served by the line the previous one brought in. While W
 * fits in L1 every load costs the L1 hit latency (4-5 cycles); when W
 * outgrows L1 the loads begin to miss into L2, then into L3, then into
 * DRAM. Latency against W is therefore a staircase: one flat step per
 * level, a ramp at each capacity (a random walk over 2x the cache hits in
 * it about half the time), and the step heights are the level latencies.
 *
 * Pages. Past a few MiB a random chase also misses the TLB on nearly every
 * load, and each miss adds a page walk. "chase" maps its nodes on 2 MiB
 * transparent huge pages where the kernel grants them (huge_frac metric:
 * the share smaps says is huge), so its top step is memory latency with
 * little translation in it; "chase-4k" forces 4 KiB pages, the ordinary
 * case, and the gap between the two at the largest sizes is the page-walk
 * cost (the tlb experiment isolates it). On a VM each guest walk may also
 * need host walks (nested paging), so both DRAM steps sit higher than on
 * bare metal, and keep rising with W instead of staying flat.
 *
 * Warm caches. The harness interleaves the repetitions of all points, so
 * a repetition starts with the caches full of another point's data. Near
 * the last level's capacity that matters: a 16 MiB chain walked about
 * twice per repetition spent its first pass at DRAM latency, and a 4 MiB
 * point read 192 ns interleaved against 18 ns alone, which put the L3
 * knee a level too early. So each repetition first walks the chain
 * untimed (chase_warm, hx_variant.warm) until a pass is no faster than
 * the one before, and each timed repetition covers at least three passes
 * where that fits in four times its minimum time; data.csv's passes and
 * warm_passes, and the summary, say how many each point made. Past the
 * caches no warm-up makes the chain resident: it stops at its time budget
 * having left the caches and TLB holding this chain, which is all a DRAM
 * point needs.
 *
 * The clock. There is no PMU here to count cycles, so "clock" times a
 * chain of dependent integer adds: one add has a latency of one cycle on
 * every x86 and Arm core, so its ns per op is the period of the clock the
 * core really runs at (turbo included). The verdict converts each plateau
 * to cycles with it. It runs at the first point only.
 *
 * The verdict. The sweep's points come from the cache sizes hwloc reports
 * (0.5x, 1x, 2x each level, plus powers of two), capped at 1 GiB (64 MiB
 * with --quick) because a VM can report a fictional L3 (508 MiB here).
 * The verdict finds the plateaus in the measured curve itself: consecutive
 * points within 1.5x of the lowest of them form a step; single points
 * between steps are ramps. It names the steps L1, L2, ..., DRAM, gives each
 * one's median latency in ns and cycles, and puts each measured knee (the
 * last size on a step and the first past it) beside the size hwloc
 * reports for that level: the honest check of the topology.
 *
 * Reading the plot. x: working set (log), y: ns per load (log); vertical
 * lines at the cache sizes the topology reports. Flat steps are levels;
 * a step that ends far from its vertical line means the reported size is
 * not what a program gets (a VM's synthetic topology, a shared L3 that
 * neighbours fill, or an L3 split into slices per core complex).
 *
 * Measured on the development VM (AMD EPYC Zen 5 "Turin-like", 2 vCPUs,
 * Firecracker; `mechlab run staircase`): clock 3.48 GHz; L1 1.15 ns (4.0
 * cycles) up to 32-48 KiB; L2 4.0-4.2 ns (14 cycles) up to 512-768 KiB;
 * L3 14-19 ns (50-65 cycles) with its knee at 8-12 MiB when the machine is
 * quiet, and at 1.5-2 MiB while other jobs fill the shared L3; DRAM
 * 140-250 ns on huge pages, rising with the working set (the host's page
 * walks), 360 ns to 3.4 us at 1 GiB on 4 KiB pages. hwloc's L1 and L2
 * agree with the knees; its 508 MiB L3 is synthetic. The hypothesis holds
 * for the structure and the L1/L2/L3 numbers; DRAM is above the bare-metal
 * range, as expected in a VM.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chase.h"
#include "hx.h"

#define KIB ((uint64_t)1024)
#define MIB (KIB * 1024)
#define GIB (MIB * 1024)

/* Sweep caps: 4x a real LLC is far below these; a fictional one is not. */
#define SC_CAP       (1 * GIB)
#define SC_QUICK_CAP (64 * MIB)
#define SC_SEED      0x5ca1ab1eu

/* A variant's uses mask with no parameter's bit: it runs at the first
 * point only (run.c: uses_param). */
#define SC_NO_PARAMS HX_USES_NONE

/* ---- the chain ----------------------------------------------------------- */

static void *chain_setup(hx_point *pt, size_t *bytes) {
    const hx_topo *t = hx_point_topo(pt);
    size_t line = t->line_size ? t->line_size : 64;
    size_t ws = (size_t)hx_point_param(pt, "bytes");
    size_t n = ws / line < 2 ? 2 : ws / line;
    struct chase_chain *c = calloc(1, sizeof *c);
    uint32_t *next = chase_cycle(n, SC_SEED);
    if (c) {
        c->bytes = n * line;
        c->nodes = n;
    }
    if (c)
        c->mem = chase_map(c->bytes, (enum chase_pages)hx_variant_arg(pt));
    if (!c || !next || !c->mem) {
        hx_point_skip(pt, "cannot allocate %zu bytes", n * line);
        if (c)
            chase_unmap(c->mem, c->bytes);
        free(c);
        free(next);
        return NULL;
    }
    /* Node i holds the address of node next[i]: a pass in address order,
     * while the chase itself jumps at random. */
    for (size_t i = 0; i < n; i++)
        *(void **)(c->mem + i * line) = c->mem + (size_t)next[i] * line;
    free(next);
    int64_t huge = chase_huge_bytes(c->mem);
    c->huge_frac = huge < 0 ? NAN : (double)huge / (double)c->bytes;
    if (c->huge_frac > 1)
        c->huge_frac = 1;
    c->cursor = (void **)c->mem;
    *bytes = c->bytes;
    return c;
}

/* One op: one integer add that depends on the previous one (1 cycle).
 * Register + register, in asm: recent Intel cores (Golden Cove and later)
 * execute chains of add-immediate at rename, in no time at all, so a
 * `x += 1` chain is no clock there (it read 8.9 GHz on a Sapphire Rapids
 * VM); `add x, x` has a real one-cycle latency everywhere. */
static inline uint64_t add1(uint64_t x) {
#if defined(__x86_64__)
    __asm__ volatile("add %0, %0" : "+r"(x));
#elif defined(__aarch64__)
    __asm__ volatile("add %0, %0, %0" : "+r"(x));
#else
    x += x;
    __asm__ volatile("" : "+r"(x));
#endif
    return x;
}

static void clock_ref(hx_state *st) {
    uint64_t x = 0;
    for (uint64_t n; (n = hx_batch(st)) != 0;)
        for (uint64_t i = 0; i < n; i += 8) {
            x = add1(add1(add1(add1(x))));
            x = add1(add1(add1(add1(x))));
        }
    hx_keep(x);
}

/* The topology's points (0.5x/1x/2x each cache, powers of two) plus 1.5x
 * each power of two: a step can be as narrow as one octave (an L3 slice of
 * a few MiB) and needs two points to be seen. Dense up to an eighth of the
 * cap: above that it is all DRAM, and every point there is a buffer of
 * hundreds of MiB the harness must keep or rebuild. Quick mode only lowers
 * the cap. */
static int sc_sizes(const hx_topo *t, bool quick, int64_t *out, int max) {
    uint64_t cap = quick ? SC_QUICK_CAP : SC_CAP;
    return chase_sizes(t, 1 * KIB, cap, quick ? cap : cap / 8, out, max);
}

/* ---- the verdict ----------------------------------------------------------- */

#define SC_STEP 1.5 /* points within this factor of a step's lowest join it */

struct step {
    int first, last; /* indices into the measured points */
    double ns;       /* median over the step's points */
};

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(const double *v, int n) {
    double s[HX_MAX_POINTS];
    memcpy(s, v, (size_t)n * sizeof *v);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Greedy steps: a run of consecutive points all within SC_STEP of its
 * lowest; runs of one point are ramps, not steps. Then, while there are
 * more steps than levels + memory, merge the two adjacent steps closest in
 * latency (noise can split one plateau in two). */
static int find_steps(const double *v, int n, int want, struct step *s) {
    int ns = 0;
    for (int i = 0; i < n;) {
        int j = i;
        double lo = v[i];
        while (j + 1 < n && v[j + 1] <= lo * SC_STEP &&
               v[j + 1] >= lo / SC_STEP) {
            j++;
            lo = fmin(lo, v[j]);
        }
        if (j > i)
            s[ns++] = (struct step){i, j, median_of(v + i, j - i + 1)};
        i = j + 1;
    }
    while (ns > want && want > 0) {
        int best = 0;
        for (int k = 1; k + 1 < ns; k++)
            if (s[k + 1].ns / s[k].ns < s[best + 1].ns / s[best].ns)
                best = k;
        s[best].last = s[best + 1].last;
        s[best].ns =
            median_of(v + s[best].first, s[best].last - s[best].first + 1);
        memmove(&s[best + 1], &s[best + 2],
                (size_t)(ns - best - 2) * sizeof *s);
        ns--;
    }
    return ns;
}

static void fmt_bytes(uint64_t b, char *buf, size_t len) {
    if (b >= GIB)
        snprintf(buf, len, "%.3g GiB", (double)b / (double)GIB);
    else if (b >= MIB)
        snprintf(buf, len, "%.3g MiB", (double)b / (double)MIB);
    else
        snprintf(buf, len, "%.3g KiB", (double)b / (double)KIB);
}

static void sc_verdict(const hx_results *r, hx_report *rep) {
    const hx_topo *t = hx_results_topo(r);
    int64_t x[HX_MAX_POINTS];
    double v[HX_MAX_POINTS], clk = NAN;
    int n = 0;
    for (int i = 0; i < hx_results_nx(r) && n < HX_MAX_POINTS; i++) {
        int64_t xi = hx_results_x(r, i);
        double m = hx_results_median(r, "chase", xi);
        double c = hx_results_median(r, "clock", xi);
        if (isnan(clk) && !isnan(c))
            clk = c;
        if (!isnan(m)) {
            x[n] = xi;
            v[n++] = m;
        }
    }
    if (n < 3) {
        hx_report_unsettled(rep,
                            "too few measured points (%d) for a "
                            "staircase",
                            n);
        return;
    }
    int levels = t->ncaches;
    struct step s[HX_MAX_POINTS];
    int ns = find_steps(v, n, levels + 1, s);
    if (isnan(clk) || clk <= 0)
        hx_report_printf(rep, "clock: not measured; latencies in ns only\n");
    else
        hx_report_printf(
            rep,
            "clock: one dependent add takes %.3f ns, so the core runs at "
            "about %.2f GHz (cycles below are ns / that period)\n",
            clk, 1 / clk);
    hx_report_printf(
        rep,
        "steps found in 'chase' (%d, expected %d: one per cache level "
        "and memory):\n",
        ns, levels + 1);
    bool ok = ns == levels + 1;
    static const char *const lat_key[] = {"l1_ns", "l2_ns", "l3_ns", "l4_ns"};
    static const char *const cap_key[] = {"l1_bytes", "l2_bytes", "l3_bytes",
                                          "l4_bytes"};
    if (!isnan(clk) && clk > 0)
        hx_report_headline(rep, "clock_ghz", 1 / clk);
    for (int k = 0; k < ns; k++) {
        if (ns == levels + 1 && k == levels)
            hx_report_headline(rep, "mem_ns", s[k].ns);
        else if (ns == levels + 1 && k < 4) {
            hx_report_headline(rep, lat_key[k], s[k].ns);
            hx_report_headline(rep, cap_key[k], (double)x[s[k].last]);
        }
        char name[16], lo[32], hi[32], rsz[32];
        if (ns == levels + 1)
            snprintf(name, sizeof name, k < levels ? "L%d" : "DRAM", k + 1);
        else
            snprintf(name, sizeof name, "step %d", k + 1);
        fmt_bytes((uint64_t)x[s[k].first], lo, sizeof lo);
        fmt_bytes((uint64_t)x[s[k].last], hi, sizeof hi);
        hx_report_printf(rep, "  %-6s %7.2f ns", name, s[k].ns);
        if (!isnan(clk) && clk > 0)
            hx_report_printf(rep, " = %5.1f cycles", s[k].ns / clk);
        hx_report_printf(rep, "  over %s .. %s", lo, hi);
        if (k > 0 && s[k].ns <= s[k - 1].ns)
            ok = false;
        if (k + 1 < ns && s[k].last + 1 < n) {
            char nx[32];
            fmt_bytes((uint64_t)x[s[k].last + 1], nx, sizeof nx);
            hx_report_printf(rep, "; knee between %s and %s", hi, nx);
            const hx_cache *c = ns == levels + 1 ? &t->caches[k] : NULL;
            if (c) {
                fmt_bytes(c->size, rsz, sizeof rsz);
                double lo_ok = (double)x[s[k].last] / 1.5,
                       hi_ok = (double)x[s[k].last + 1] * 1.5;
                bool agree =
                    (double)c->size >= lo_ok && (double)c->size <= hi_ok;
                double off = (double)c->size / (double)x[s[k].last];
                hx_report_printf(rep, "; hwloc says L%d = %s: %s", c->level,
                                 rsz, agree ? "agrees" : "DISAGREES");
                if (!agree)
                    hx_report_printf(
                        rep, " (%.3gx the measured capacity%s)", off,
                        c->shared_pus > 1 || k + 1 == levels
                            ? "; a synthetic size, or a cache that other "
                              "cores or VMs fill"
                            : "");
            }
        }
        hx_report_printf(rep, "\n");
    }
    hx_report_check(rep, ok,
                    "one step per cache level and memory, each slower than "
                    "the one before (found %d steps, expected %d)%s",
                    ns, levels + 1,
                    ok ? ""
                       : ": not a clean staircase here (noise, or a "
                         "level without a point of its own)");
    /* The page-walk share of the top step. */
    int64_t xm = x[n - 1];
    double h = hx_results_median(r, "chase", xm),
           k4 = hx_results_median(r, "chase-4k", xm);
    if (!isnan(h) && !isnan(k4)) {
        char b[32];
        fmt_bytes((uint64_t)xm, b, sizeof b);
        hx_report_printf(
            rep,
            "at %s: %.1f ns per load on 4 KiB pages vs %.1f ns on huge "
            "pages (%.2fx): the page walks\n",
            b, k4, h, k4 / h);
    }
    uint64_t llc = hx_topo_llc(t), want = 4 * llc;
    if (llc && (uint64_t)xm < want) {
        char a[32], b[32];
        fmt_bytes((uint64_t)xm, a, sizeof a);
        fmt_bytes(want, b, sizeof b);
        hx_report_printf(
            rep,
            "the sweep stops at %s, short of 4x the reported LLC (%s): "
            "capped (quick mode, the 1 GiB cap, or a quarter of RAM)\n",
            a, b);
    }
}

static const hx_headline sc_headlines[] = {
    {"l1_ns", "L1 latency (load to use)", "ns",
     "median of 'chase' over the first step of the measured curve",
     HX_HEAD_REPORT, 0, NULL, 0},
    {"l2_ns", "L2 latency", "ns", "median of 'chase' over the second step",
     HX_HEAD_REPORT, 0, NULL, 0},
    {"l3_ns", "L3 latency", "ns",
     "median of 'chase' over the third step (null on a machine with two "
     "cache levels)",
     HX_HEAD_REPORT, 0, NULL, 0},
    {"mem_ns", "memory latency (largest sizes, huge pages)", "ns",
     "median of 'chase' over the last step", HX_HEAD_REPORT, 0, NULL, 0},
    {"l1_bytes", "L1 capacity as measured", "bytes",
     "the largest working set on the L1 step (the knee follows)",
     HX_HEAD_REPORT, 0, NULL, 0},
    {"l2_bytes", "L2 capacity as measured", "bytes",
     "the largest working set on the L2 step", HX_HEAD_REPORT, 0, NULL, 0},
    {"l3_bytes", "L3 capacity as measured", "bytes",
     "the largest working set on the L3 step", HX_HEAD_REPORT, 0, NULL, 0},
    {"clock_ghz", "core clock from the add chain", "GHz",
     "1 / the median time of one dependent add ('clock')", HX_HEAD_REPORT, 0,
     NULL, 0},
};

/* ---- declaration ---------------------------------------------------------- */

static const hx_variant variants[] = {
    {.name = "chase",
     .help = "random cycle over line-sized nodes, on 2 MiB pages if granted",
     .fn = chase_walk,
     .warm = chase_warm,
     .setup = chain_setup,
     .teardown = chase_chain_free,
     .arg = CHASE_PAGES_HUGE},
    {.name = "chase-4k",
     .help = "the same cycle on 4 KiB pages (adds a page walk per TLB miss)",
     .fn = chase_walk,
     .warm = chase_warm,
     .setup = chain_setup,
     .teardown = chase_chain_free,
     .arg = CHASE_PAGES_SMALL},
    {.name = "clock",
     .help = "reference: one dependent integer add, i.e. one cycle",
     .fn = clock_ref,
     .uses = SC_NO_PARAMS},
};

static const hx_param params[] = {
    {.name = "bytes",
     .unit = "bytes",
     .help = "working set: nodes one cache line apart, chased in random "
             "order",
     .min = 256,
     .max = (int64_t)64 * GIB,
     .flags = HX_PARAM_BYTES | HX_PARAM_LOG,
     .points = sc_sizes},
};

static const hx_metric_decl metrics[] = {
    {.name = "huge_frac",
     .unit = "fraction",
     .help = "share of the buffer backed by huge pages (smaps AnonHugePages)"},
};

static const char *const events[] = {
    "page-faults",
    "L1-dcache-load-misses",
    "LLC-load-misses",
    "dTLB-load-misses",
    NULL,
};

const hx_experiment hx_exp_staircase = {
    .name = "staircase",
    .summary = "random pointer chase, 1 KiB..4x LLC (capped at 1 GiB): the "
               "latency of each cache level and of memory",
    .hypothesis =
        "Each load of a random pointer chase waits for the previous one, so "
        "ns per load is the latency of the level that holds the working "
        "set. Expect a staircase with one flat step per cache level and one "
        "for memory: L1 about 1 ns (4-5 cycles), L2 3-5 ns (12-16 cycles), "
        "L3 10-20 ns (40-70 cycles), DRAM 80-120 ns on bare metal (more in "
        "a VM, where a miss may also need a host page walk). The knees "
        "should fall at the cache sizes the topology reports; where they do "
        "not, the topology is wrong (VMs often report a synthetic L3). On "
        "4 KiB pages the top step is higher by the page-walk cost.",
    .reading =
        "x: working set (log), y: ns per load (log). Vertical lines mark "
        "the L1/L2/L3 sizes hwloc reports. Each flat stretch is a level; "
        "its height is that level's latency; the ramps between are where "
        "the working set outgrows a level. 'clock' is a single point at "
        "the smallest size: one cycle, for scale. The gap between "
        "'chase-4k' and 'chase' on the top step is translation (TLB "
        "misses and page walks). huge_frac in data.csv says whether huge "
        "pages were really granted.",
    .homework =
        "Why must each load depend on the previous one? What would a loop "
        "of independent random loads measure instead?\n"
        "Why a random cycle and not a fixed stride? Try to predict what a "
        "64-byte stride would show, and why.\n"
        "Where does the L3 step end on this machine, and what does hwloc "
        "claim? Which do you trust, and why?\n"
        "The curve rises between 0.5x and 2x each cache size rather than "
        "jumping. What fraction of loads hit at 2x, if the cache kept a "
        "random subset?\n"
        "Why does 'chase-4k' part from 'chase' only past a few MiB? Work "
        "out the TLB reach from the tlb experiment.\n"
        "Convert the DRAM step into cycles. How many independent "
        "instructions could the core have run while waiting?",
    .variants = variants,
    .nvariants = HX_COUNT(variants),
    .params = params,
    .nparams = HX_COUNT(params),
    .metrics = metrics,
    .nmetrics = HX_COUNT(metrics),
    .op = "dependent load (one node of the chase)",
    .events = events,
    .claims = NULL,
    .nclaims = 0,
    .verdict = sc_verdict,
    .headlines = sc_headlines,
    .nheadlines = HX_COUNT(sc_headlines),
    .xparam = "bytes",
    .plot_flags = HX_PLOT_LOGY | HX_PLOT_CACHE_MARKS,
    .min_time = 0.05,
    .sim = "Every load of the chase is to a new line in random order, and the "
           "model is LRU with no prefetcher, so each column is a clean step "
           "from 0 to 1 miss per load: sim_d1 ~0 while the working set fits "
           "the simulated D1 and ~1 once it is about twice as large; sim_l2 "
           "(the L2 pass) the same at the L2; sim_ll the same at the "
           "simulated last level: about one LL miss per load past the LL. "
           "sim_i1 stays ~0 (a two-instruction loop). Each rise should sit "
           "at the matching knee of the timed curve; an LL rise far from the "
           "timed DRAM knee means the LL geometry (context.json says where "
           "it came from) is not this machine's. 'chase' and 'chase-4k' "
           "simulate identically: the model has no TLB, so the time between "
           "them is translation.",
};
