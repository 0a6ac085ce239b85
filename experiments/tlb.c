/*
 * tlb.c - TLB reach and huge pages: one access per page.
 *
 * Mechanism. Every load translates its virtual address through the TLB, a
 * small cache of page-table entries: a first level of tens of entries
 * (about a cycle), a second of a few thousand (several cycles), and past
 * that a page walk, up to four dependent reads of page-table entries (in a
 * VM with nested paging, up to 24, as each guest table is itself reached
 * through the host's). The TLB covers entries x page size bytes, its
 * reach: with 4 KiB pages a few thousand entries cover only some MiB, and a
 * program that touches more pages than that walks the page tables on
 * every touch. A 2 MiB huge page needs one entry for 512 times the memory,
 * so the same entries reach GiBs.
 *
 * The walk. We touch one line per page over N pages, following a pointer
 * chain (each load depends on the previous one, so the latency shows), in
 * page order (seq) or in a random single cycle (random, Sattolo: no stride
 * for a prefetcher, and the order of page-table entries is random too).
 * The touched line moves by 64 bytes from page to page (page i is read at
 * offset 64*i mod 4096), so the N lines spread over all cache sets instead
 * of aliasing the few that offset 0 of every page maps to. The data
 * touched is N lines, 1/64 of the memory spanned, so up to about 16384
 * pages (1 MiB of lines) the data itself stays in L1/L2 and what grows
 * with N is mostly translation.
 *
 * Pages. "4k-*" maps with MADV_NOHUGEPAGE; "2m-*" maps 2 MiB-aligned with
 * MADV_HUGEPAGE, touches everything, and then checks /proc/self/smaps: if
 * the kernel did not back (almost) all of the buffer with huge pages (THP
 * off, or memory too fragmented), the point is skipped with the reason,
 * not silently measured on small pages. Same chain, same lines, same
 * order: the only difference between a 4k and a 2m series is the page
 * size, so their ratio is the price of translation.
 *
 * Expected: flat while N fits the first-level TLB, a knee at its reach
 * (N = its entries), a second knee at the second level's reach, and past
 * it a page walk per access with 4 KiB pages; with huge pages almost flat
 * (only the data-cache steps remain), so a large gain at the largest N,
 * larger in random order than in page order (sequential pages share page-
 * table lines and the walker's caches).
 *
 * Reading the plot. x: pages touched (log), y: ns per access (log), one
 * line per page size and order. The TLB entry counts come from cpuid where
 * the CPU reports them (a VM may report fiction); the verdict prints them
 * with their reach, the THP mode, each series' knees (rises of 1.4x or
 * more between neighbouring points) and the gain at the largest size. The
 * plot marks the TLB reaches cpuid reports.
 *
 * In a VM. A TLB entry caches the whole guest-virtual to host-physical
 * translation, so it covers the smaller of the guest page and the host
 * page backing it. If the hypervisor backs guest memory with 4 KiB pages,
 * guest huge pages do not extend the reach at all (the 2m lines show the
 * same knees as the 4k ones); they only shorten the guest's part of each
 * walk. The verdict detects this: a 2m line that slows down while its
 * span is inside one huge page and its data inside L1d.
 *
 * Measured on the development VM (2 vCPUs, Zen 5, THP madvise; `mechlab
 * run tlb`): every series has its first knee between 96 and 128 pages
 * (cpuid: 96 L1 dTLB entries) and a second between 4096 and 8192 (cpuid's
 * "128 L2 entries" is synthetic; Zen 5's L2 dTLB has a few thousand).
 * The 2m series show the same knees, so this host backs guest memory with
 * 4 KiB pages; huge pages still won 1.1x-5x at 1 GiB in random order
 * (3.2 us vs 0.65 us in one run), varying from run to run. Random page
 * order costs 10-40x page order at the largest size.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "chase.h"
#include "hx.h"

#define TLB_CAP_PAGES       ((int64_t)1 << 18) /* 1 GiB of 4 KiB pages */
#define TLB_QUICK_CAP_PAGES ((int64_t)1 << 16) /* 256 MiB */
#define TLB_DENSE_TOP       8192 /* powers of two up to here, then x4 steps */
#define TLB_SEED            0x71bu

enum { TLB_RANDOM = 1 << 4 }; /* variant arg: enum chase_pages | order */

/* ---- TLB sizes from cpuid ------------------------------------------------- */

struct tlb_info {
    int l1_4k, l2_4k, l1_2m, l2_2m; /* entries; 0 unknown */
    const char *source;
};

static struct tlb_info tlb_cpuid(void) {
    struct tlb_info ti = {0, 0, 0, 0, "unknown (no cpuid leaf for it)"};
#if defined(__x86_64__) || defined(__i386__)
    unsigned a = 0, b = 0, c = 0, d = 0;
    unsigned max_ext = __get_cpuid_max(0x80000000u, NULL);
    unsigned max_std = __get_cpuid_max(0, NULL);
    char vendor[13] = "";
    if (__get_cpuid(0, &a, &b, &c, &d)) {
        memcpy(vendor, &b, 4);
        memcpy(vendor + 4, &d, 4);
        memcpy(vendor + 8, &c, 4);
    }
    if (strcmp(vendor, "AuthenticAMD") == 0 && max_ext >= 0x80000006u) {
        __get_cpuid(0x80000005u, &a, &b, &c, &d);
        ti.l1_4k = (int)((b >> 16) & 0xff);
        ti.l1_2m = (int)((a >> 16) & 0xff);
        __get_cpuid(0x80000006u, &a, &b, &c, &d);
        ti.l2_4k = (b >> 28) ? (int)((b >> 16) & 0xfff) : 0;
        ti.l2_2m = (a >> 28) ? (int)((a >> 16) & 0xfff) : 0;
        ti.source = "cpuid 0x80000005/6";
    } else if (strcmp(vendor, "GenuineIntel") == 0 && max_std >= 0x18) {
        /* Deterministic address translation: one subleaf per structure. */
        __cpuid_count(0x18, 0, a, b, c, d);
        unsigned nsub = a;
        for (unsigned s = 0; s <= nsub && s < 64; s++) {
            __cpuid_count(0x18, s, a, b, c, d);
            unsigned type = d & 31, level = (d >> 5) & 7;
            int entries = (int)((b >> 16) * c);
            bool data = type == 1 || type == 3 || type == 4;
            if (!data || !entries)
                continue;
            if (level == 1 && (b & 1) && !ti.l1_4k)
                ti.l1_4k = entries;
            if (level == 1 && (b & 2) && !ti.l1_2m)
                ti.l1_2m = entries;
            if (level == 2 && (b & 1) && !ti.l2_4k)
                ti.l2_4k = entries;
            if (level == 2 && (b & 2) && !ti.l2_2m)
                ti.l2_2m = entries;
        }
        ti.source = ti.l1_4k || ti.l2_4k
                        ? "cpuid 0x18"
                        : "none listed by cpuid 0x18 (a VM may hide them)";
    }
#endif
    return ti;
}

/* ---- the chain ------------------------------------------------------------ */

static size_t round_up(size_t x, size_t to) {
    return (x + to - 1) / to * to;
}

static void *pages_setup(hx_point *pt, size_t *bytes) {
    const hx_topo *t = hx_point_topo(pt);
    size_t ps = t->page_size ? t->page_size : 4096;
    size_t line = t->line_size ? t->line_size : 64;
    size_t n = (size_t)hx_point_param(pt, "pages");
    int64_t arg = hx_variant_arg(pt);
    enum chase_pages kind = (enum chase_pages)(arg & 15);
    char mode[32];
    chase_thp_mode(mode, sizeof mode);
    if (kind == CHASE_PAGES_HUGE && strcmp(mode, "never") == 0) {
        hx_point_skip(pt, "transparent huge pages are off (THP mode "
                          "'never'; 'madvise' or 'always' in "
                          "/sys/kernel/mm/transparent_hugepage/enabled "
                          "turns them on)");
        return NULL;
    }
    struct chase_chain *p = calloc(1, sizeof *p);
    uint32_t *next = (arg & TLB_RANDOM) ? chase_cycle(n, TLB_SEED) : NULL;
    if (p) {
        p->bytes = n * ps;
        p->nodes = n;
        p->mem = chase_map(p->bytes, kind);
    }
    if (!p || !p->mem || ((arg & TLB_RANDOM) && !next)) {
        hx_point_skip(pt, "cannot map %zu pages", n);
        if (p)
            chase_unmap(p->mem, p->bytes);
        free(p);
        free(next);
        return NULL;
    }
    size_t span = round_up(p->bytes, CHASE_HUGE_SIZE);
    int64_t huge = chase_huge_bytes(p->mem);
    p->huge_frac = huge < 0 ? NAN : fmin(1, (double)huge / (double)span);
    if (kind == CHASE_PAGES_HUGE && !(p->huge_frac >= 0.9)) {
        if (huge < 0)
            hx_point_skip(pt, "cannot verify huge pages: /proc/self/smaps "
                              "unreadable");
        else
            hx_point_skip(pt,
                          "huge pages not granted: %lld of %zu KiB "
                          "(THP mode '%s'; memory too fragmented, or THP "
                          "disabled for this process)",
                          (long long)(huge / 1024), span / 1024, mode);
        chase_unmap(p->mem, p->bytes);
        free(p);
        free(next);
        return NULL;
    }
    /* Page i's slot is at 64*i mod page size within it. */
#define SLOT(i) (p->mem + (i)*ps + (i)*line % ps)
    for (size_t i = 0; i < n; i++)
        *(void **)SLOT(i) = SLOT(next ? (size_t)next[i] : (i + 1) % n);
    p->cursor = (void **)SLOT((size_t)0);
#undef SLOT
    free(next);
    *bytes = round_up(p->bytes, CHASE_HUGE_SIZE);
    return p;
}

/* ---- points ----------------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Powers of two from 16 to TLB_DENSE_TOP, then every 4x up to the cap
 * (each of those is a buffer per variant the harness keeps), plus 0.5x,
 * 1x and 2x each 4 KiB TLB level's entry count where cpuid gives it. The
 * cap also keeps one buffer under 1/16 of RAM (four variants, budget of a
 * quarter). */
static int tlb_points(const hx_topo *t, bool quick, int64_t *out, int max) {
    int64_t cap = quick ? TLB_QUICK_CAP_PAGES : TLB_CAP_PAGES;
    size_t ps = t->page_size ? t->page_size : 4096;
    if (t->mem_total && cap > (int64_t)(t->mem_total / 16 / ps))
        cap = (int64_t)(t->mem_total / 16 / ps);
    int64_t v[HX_MAX_POINTS];
    int n = 0;
    int64_t p = 16;
    for (; p <= cap && p <= TLB_DENSE_TOP && n < HX_MAX_POINTS - 8; p *= 2)
        v[n++] = p;
    for (; p <= cap && n < HX_MAX_POINTS - 8; p *= 4)
        v[n++] = p;
    if (n == 0 || v[n - 1] != cap)
        v[n++] = cap;
    struct tlb_info ti = tlb_cpuid();
    int e[2] = {ti.l1_4k, ti.l2_4k};
    for (int k = 0; k < 2; k++)
        for (int m = 1; m <= 4; m *= 2) {
            int64_t x = (int64_t)e[k] * m / 2;
            if (e[k] && x >= 16 && x <= cap)
                v[n++] = x;
        }
    qsort(v, (size_t)n, sizeof *v, cmp_i64);
    int m = 0;
    for (int i = 0; i < n; i++)
        if (m == 0 || v[i] != v[m - 1])
            v[m++] = v[i];
    int skip = m > max ? m - max : 0;
    memcpy(out, v + skip, (size_t)(m - skip) * sizeof *v);
    return m - skip;
}

/* ---- the verdict ------------------------------------------------------------ */

#define TLB_JUMP 1.4 /* a rise between neighbouring points that is a knee */
#define TLB_GAIN 1.3 /* huge-page gain expected at the largest size */

/* The points where a series rises by TLB_JUMP or more from the previous
 * point: its knees. Returns how many were written to out. */
static int knees(const hx_results *r, const char *series, int64_t *from,
                 int64_t *to, double *a, double *b, int max) {
    int k = 0;
    int64_t px = 0;
    double pv = NAN;
    for (int i = 0; i < hx_results_nx(r) && k < max; i++) {
        int64_t x = hx_results_x(r, i);
        double v = hx_results_median(r, series, x);
        if (isnan(v))
            continue;
        if (!isnan(pv) && v >= pv * TLB_JUMP) {
            from[k] = px, to[k] = x, a[k] = pv, b[k] = v;
            k++;
        }
        px = x, pv = v;
    }
    return k;
}

static void tlb_verdict(const hx_results *r, hx_report *rep) {
    char mode[32];
    chase_thp_mode(mode, sizeof mode);
    const hx_topo *t = hx_results_topo(r);
    double ps = t->page_size ? (double)t->page_size : 4096;
    unsigned line = t->line_size ? t->line_size : 64;
    const hx_cache *l1 = hx_topo_cache(t, 1);
    int64_t l1_lines = l1 && l1->size ? (int64_t)(l1->size / line) : 512;
    struct tlb_info ti = tlb_cpuid();
    hx_report_printf(rep, "THP mode: %s\n", mode);
    if (ti.l1_4k || ti.l2_4k)
        hx_report_printf(
            rep,
            "dTLB entries (%s; a VM may report fiction): 4 KiB pages L1 "
            "%d (reach %.0f KiB), L2 %d (reach %.1f MiB); 2 MiB pages "
            "L1 %d, L2 %d\n",
            ti.source, ti.l1_4k, ti.l1_4k * ps / 1024, ti.l2_4k,
            ti.l2_4k * ps / 1048576, ti.l1_2m, ti.l2_2m);
    else
        hx_report_printf(rep, "dTLB entry counts: %s\n", ti.source);

    /* Knees of each series. */
    static const char *const names[] = {"4k-random", "4k-seq", "2m-random",
                                        "2m-seq"};
    bool first_ok = false;
    for (int s = 0; s < 4; s++) {
        int64_t from[16], to[16];
        double a[16], b[16];
        int k = knees(r, names[s], from, to, a, b, 16);
        hx_report_printf(rep, "%-9s knees (rise >= %.1fx):", names[s],
                         TLB_JUMP);
        if (!k)
            hx_report_printf(rep, " none");
        for (int i = 0; i < k; i++)
            hx_report_printf(rep, " %lld->%lld pages (%.1f->%.1f ns)%s",
                             (long long)from[i], (long long)to[i], a[i], b[i],
                             i + 1 < k ? "," : "");
        hx_report_printf(rep, "\n");
        /* The first knee of 4k-random is the first-level TLB reach, where
         * that is known. Where it is not, all that can be checked is that
         * the knee is a translation cost at all: it must begin while the
         * data (one line per page) still fits L1d, where no data cache
         * adds a step of its own. */
        if (s == 0 && !k)
            hx_report_check(rep, false,
                            "4k-random has a first knee (a rise >= %.1fx) "
                            "at the first-level TLB reach: no knee found",
                            TLB_JUMP);
        if (s == 0 && k) {
            hx_report_headline(rep, "first_knee_pages", (double)to[0]);
            if (ti.l1_4k) {
                int64_t reach = ti.l1_4k;
                first_ok = to[0] > reach / 2 && from[0] <= reach * 2;
                hx_report_check(rep, first_ok,
                                "4k-random's first knee (%lld->%lld pages) "
                                "lies within 2x of the reported L1 dTLB "
                                "reach (%lld pages)",
                                (long long)from[0], (long long)to[0],
                                (long long)reach);
            } else {
                first_ok = to[0] <= l1_lines;
                hx_report_check(rep, first_ok,
                                "4k-random's first knee (%lld->%lld pages) "
                                "comes while the data, one line per page, "
                                "still fits L1d (%lld lines), so it is a "
                                "translation cost, not a cache one",
                                (long long)from[0], (long long)to[0],
                                (long long)l1_lines);
            }
            /* The second level: the steepest later knee while the data
             * (one line per page) still fits L2, where the data caches
             * add no step of their own. */
            const hx_cache *l2 = hx_topo_cache(t, 2);
            int64_t l2_lines =
                l2 && l2->size ? (int64_t)(l2->size / line) : 8192;
            int best = -1;
            for (int i = 1; i < k; i++)
                if (to[i] <= l2_lines &&
                    (best < 0 || b[i] / a[i] > b[best] / a[best]))
                    best = i;
            if (best >= 0) {
                hx_report_printf(
                    rep,
                    "  steepest later knee (data still in L2): between "
                    "%lld and %lld pages (%.1fx)",
                    (long long)from[best], (long long)to[best],
                    b[best] / a[best]);
                if (ti.l2_4k) {
                    bool agree = to[best] > ti.l2_4k / 2 &&
                                 from[best] <= (int64_t)ti.l2_4k * 2;
                    hx_report_printf(
                        rep, "; reported L2 dTLB reach %d pages: %s", ti.l2_4k,
                        agree ? "agrees"
                              : "DISAGREES (the reported count may be "
                                "synthetic)");
                }
                hx_report_printf(rep, "\n");
            }
        }
    }

    /* Are huge guest pages huge in the TLB? Inside one 2 MiB page and with
     * its lines in L1d, 2m-random must run at the L1 latency; if it is
     * 1.5x slower than at 16-64 pages, the TLB holds 4 KiB pieces. */
    double base[8], in[8];
    int nb = 0, ni = 0;
    for (int i = 0; i < hx_results_nx(r); i++) {
        int64_t x = hx_results_x(r, i);
        double v = hx_results_median(r, "2m-random", x);
        if (isnan(v))
            continue;
        if (x <= 64 && nb < 8)
            base[nb++] = v;
        else if (x >= 128 && x <= l1_lines / 2 &&
                 (double)x * ps <= CHASE_HUGE_SIZE && ni < 8)
            in[ni++] = v;
    }
    double bmin = INFINITY, imin = INFINITY;
    for (int i = 0; i < nb; i++)
        bmin = fmin(bmin, base[i]);
    for (int i = 0; i < ni; i++)
        imin = fmin(imin, in[i]);
    bool host_small = nb && ni && imin >= 1.5 * bmin;
    if (host_small)
        hx_report_printf(
            rep,
            "2m-random runs at %.1f ns from 128 pages on, against %.1f "
            "ns at 16-64, although those pages lie in one 2 MiB page and "
            "their lines fit L1d: the TLB holds 4 KiB translations even "
            "for huge guest pages. In a VM that means the host backs "
            "guest memory with 4 KiB pages (a nested TLB entry covers "
            "the smaller of the two), so guest huge pages cannot extend "
            "the TLB reach here. They still shorten every walk (a guest "
            "walk ends one level earlier, and its entries are 512x fewer "
            "and stay cached), so a gain at the largest size remains, "
            "but it measures walks, not reach, and varies from run to "
            "run with how the host backs each region. The reach half of "
            "the hypothesis cannot be tested on this machine; the gain "
            "below is reported, not judged.\n",
            imin, bmin);

    /* The gain at the largest size. */
    int nx = hx_results_nx(r);
    int64_t xm = nx ? hx_results_x(r, nx - 1) : 0;
    static const char *const order[] = {"random", "seq"};
    bool gain_ok = false;
    for (int k = 0; k < 2; k++) {
        char s4[32], s2[32];
        snprintf(s4, sizeof s4, "4k-%s", order[k]);
        snprintf(s2, sizeof s2, "2m-%s", order[k]);
        double a = hx_results_median(r, s4, xm),
               b = hx_results_median(r, s2, xm);
        if (isnan(a) || isnan(b)) {
            hx_report_printf(
                rep,
                "%s order at %lld pages: no 4k/2m pair (huge pages "
                "skipped?)\n",
                order[k], (long long)xm);
            continue;
        }
        hx_report_printf(
            rep,
            "%s order at %lld pages (%.0f MiB): %.1f ns per access on "
            "4 KiB pages, %.1f ns on 2 MiB pages: huge pages %.2fx "
            "%s\n",
            order[k], (long long)xm, (double)xm * ps / 1048576, a, b,
            a >= b ? a / b : b / a, a >= b ? "faster" : "slower");
        if (k == 0) {
            gain_ok = a / b >= TLB_GAIN;
            hx_report_headline(rep, "huge_gain", a / b);
            if (!host_small)
                hx_report_check(rep, gain_ok,
                                "huge pages at least %.1fx faster in random "
                                "order at the largest size (%.2fx)",
                                TLB_GAIN, a / b);
        }
    }
}

static const hx_headline tlb_headlines[] = {
    {"first_knee_pages", "first knee of 4k-random", "pages",
     "the first page count where 4k-random's median rises >= 1.4x over "
     "the point before (the first-level dTLB reach)",
     HX_HEAD_REPORT, 0, NULL, 0},
    {"random_seq_ratio", "4k random / sequential at the largest size", "x",
     "ratio of medians, '4k-random' over '4k-seq' (the claim)", HX_HEAD_CLAIM,
     0, NULL, 0},
    {"huge_gain", "4 KiB / 2 MiB pages, random, at the largest size", "x",
     "ratio of medians, '4k-random' over '2m-random', at the largest page "
     "count",
     HX_HEAD_REPORT, 0, NULL, 0},
};

/* ---- declaration ------------------------------------------------------------ */

static const hx_variant variants[] = {
    {.name = "4k-seq",
     .help = "4 KiB pages (MADV_NOHUGEPAGE), pages in address order",
     .fn = chase_walk,
     .warm = chase_warm,
     .setup = pages_setup,
     .teardown = chase_chain_free,
     .arg = CHASE_PAGES_SMALL},
    {.name = "4k-random",
     .help = "4 KiB pages, pages in a random single cycle",
     .fn = chase_walk,
     .warm = chase_warm,
     .setup = pages_setup,
     .teardown = chase_chain_free,
     .arg = CHASE_PAGES_SMALL | TLB_RANDOM},
    {.name = "2m-seq",
     .help = "2 MiB transparent huge pages (verified in smaps), in order",
     .fn = chase_walk,
     .warm = chase_warm,
     .setup = pages_setup,
     .teardown = chase_chain_free,
     .arg = CHASE_PAGES_HUGE},
    {.name = "2m-random",
     .help = "2 MiB transparent huge pages, random order",
     .fn = chase_walk,
     .warm = chase_warm,
     .setup = pages_setup,
     .teardown = chase_chain_free,
     .arg = CHASE_PAGES_HUGE | TLB_RANDOM},
};

static const hx_param params[] = {
    {.name = "pages",
     .unit = "pages",
     .help = "base (4 KiB) pages spanned, one access in each",
     .min = 2,
     .max = (int64_t)1 << 22,
     .flags = HX_PARAM_LOG,
     .points = tlb_points},
};

static const hx_metric_decl metrics[] = {
    {.name = "huge_frac",
     .unit = "fraction",
     .help = "share of the buffer backed by huge pages (smaps AnonHugePages)"},
};

static const char *const events[] = {
    "page-faults",
    "dTLB-load-misses",
    "LLC-load-misses",
    NULL,
};

/* At the largest page count. The huge-page gain is checked by the verdict,
 * not as a claim, because a VM whose host uses 4 KiB pages removes the
 * mechanism (see the file comment): there it is reported as untestable,
 * the way a missing THP is a skip, not a failure. */
static const hx_claim claims[] = {
    {"4k-random", "4k-seq", 2.0, NULL, HX_AT_MAX},
};

/* Plot marks: the TLB reaches cpuid reports, in pages (4 KiB entries). */
static int tlb_marks(const hx_topo *t, hx_mark *out, int max) {
    (void)t;
    struct tlb_info ti = tlb_cpuid();
    int n = 0;
    if (ti.l1_4k && n < max) {
        out[n].x = ti.l1_4k;
        snprintf(out[n++].label, sizeof out[0].label, "L1 dTLB %d", ti.l1_4k);
    }
    if (ti.l2_4k && n < max) {
        out[n].x = ti.l2_4k;
        snprintf(out[n++].label, sizeof out[0].label, "L2 dTLB %d (cpuid)",
                 ti.l2_4k);
    }
    return n;
}

const hx_experiment hx_exp_tlb = {
    .name = "tlb",
    .summary = "one dependent access per page over 16..2^18 pages: 4 KiB vs "
               "2 MiB transparent huge pages, in order and random",
    .hypothesis =
        "A TLB holds a few thousand translations; with 4 KiB pages that "
        "covers a few MiB, and touching more pages costs a page walk per "
        "access (more in a VM with nested paging). Huge pages cover 512x "
        "more per entry. Expect 4 KiB pages to stay as fast as huge ones "
        "up to the first-level TLB reach (its entry count, e.g. 64-96 "
        "pages), then a knee, a second one at the second level's reach "
        "(1-4 thousand pages), and at the largest size (2^18 pages, 1 GiB) "
        "huge pages at least 1.3x faster in random order (typically 2x or "
        "more), less in page order.",
    .reading =
        "x: pages touched, one line each (log); y: ns per access (log). "
        "One line per page size and order. Knees on the 4k lines are TLB "
        "levels running out; where the 4k lines leave the 2m lines is the "
        "reach of 4 KiB pages (on a VM whose host uses 4 KiB pages they "
        "never part: the verdict says so); the 2m lines show what the data "
        "caches "
        "alone cost (N lines of data: L1 up to ~768 pages, L2 up to ~16K). "
        "The verdict lists the reported TLB entries, the THP mode, where "
        "the 4k lines part from the 2m ones, and the gain at the largest "
        "size. Skipped 2m points say why huge pages were not available.",
    .homework =
        "Why does the touched line move by 64 bytes from page to page? "
        "What would offset 0 in every page do to the L1 cache?\n"
        "Compute the reach of each TLB level from the entry counts. Does "
        "the knee fall there? If not, what else could it be?\n"
        "Why is page order cheaper than random order even with 4 KiB pages, "
        "although every access is to a new page?\n"
        "A Go heap of 8 GiB with GC scanning it: how many 4 KiB pages, how "
        "many TLB misses per full scan? And with huge pages?\n"
        "What does THP mode 'madvise' mean for a program that never calls "
        "madvise? For the Go runtime?\n"
        "Why might huge pages hurt: think of memory returned to the OS and "
        "of page faults that must zero 2 MiB.",
    .variants = variants,
    .nvariants = HX_COUNT(variants),
    .params = params,
    .nparams = HX_COUNT(params),
    .metrics = metrics,
    .nmetrics = HX_COUNT(metrics),
    .op = "dependent load, one per page",
    .events = events,
    .claims = claims,
    .nclaims = HX_COUNT(claims),
    .verdict = tlb_verdict,
    .headlines = tlb_headlines,
    .nheadlines = HX_COUNT(tlb_headlines),
    .xparam = "pages",
    .plot_flags = HX_PLOT_LOGY,
    .marks = tlb_marks,
    .min_time = 0.02,
    .sim = "One line per page, the line moving 64 bytes per page, so N pages "
           "are N lines spread over all sets: sim_d1 ~0 up to D1/64 pages "
           "(768 for a 48 KiB D1), ~1 per access past about twice that; "
           "sim_l2 and sim_ll the same at L2/64 and LL/64 pages. The 4k and "
           "2m series simulate identically: the model has no TLB and no "
           "page walk, so wherever the timed 4k line leaves the 2m line "
           "with equal simulated misses, the difference is translation "
           "alone.",
};
