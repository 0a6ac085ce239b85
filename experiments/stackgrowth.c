/*
 * stackgrowth.c - what growing a goroutine stack costs, mechanism by
 * mechanism: our lazily committed reservations, Go's copy-doubling
 * stacks, segmented stacks with the hot split, and Go itself.
 *
 * The op. One deep call: recurse through `depth` bytes of stack in frames
 * of 256 bytes (each frame writes its first and last bytes, so every page
 * is touched), make 64 leaf calls at the bottom, and return. ns_per_op is
 * the time of one deep call; the cost of growth is the difference between
 * a variant that must grow and `grown`, which runs on a stack that is
 * already big enough.
 *
 *   grown        our runtime, on a stack already grown (its pages
 *                resident): the calls alone
 *   lazy         our runtime, on a stack whose pages were given back
 *                (grt_stack_shrink) before each deep call: a stack is a
 *                virtual reservation committed page by page, so growth is
 *                one page fault per 4 KiB touched - what a fresh goroutine
 *                pays the first time it goes deep (faults_per_op says how
 *                many)
 *   populate     the same shrunk stack committed in one system call
 *                (madvise MADV_POPULATE_WRITE) before the deep call: the
 *                pages at once instead of fault by fault
 *   copy_double  Go's mechanism, simulated: the frames live in a heap
 *                buffer that starts at 2 KiB; when a frame does not fit,
 *                a buffer twice as large is allocated, the stack copied
 *                into it and every frame's saved pointer to its caller's
 *                frame adjusted (Go adjusts pointers into the stack with
 *                the compiler's stack maps); each deep call starts small,
 *                as a new goroutine does
 *   segmented    segmented stacks (Go before 1.3), simulated: 8 KiB
 *                segments allocated when a frame does not fit and freed on
 *                return. The depth is a whole number of segments, so the
 *                64 leaf calls at the bottom each cross into a new segment
 *                and back: the hot split, an allocation and a free per
 *                call, that made Go move to copying
 *   go:grown, go:lazy   Go 1.x itself (scripts/gobench/stack_test.go):
 *                the same recursion in a goroutine that already grew, and
 *                in a fresh goroutine per deep call (2 KiB start, copying)
 *
 * Reading the plot. x: depth (bytes of stack, log); y: ns per deep call
 * (log). grown is the floor. lazy rises with the pages touched (a fault
 * costs far more than the 16 calls that fill a page); populate sits
 * between; copy_double pays about one copy of the final stack (2 + 4 +
 * ... + depth bytes) plus a pointer fix per frame per doubling; segmented
 * pays a malloc per 8 KiB and 64 hot splits. faults_per_op, copied_kib
 * and splits say which mechanism is at work.
 *
 * Our runtime's choice, said honestly: C has no stack maps, so stacks
 * cannot be moved; a big virtual reservation costs nothing until touched,
 * and the kernel's page-fault path is the growth mechanism. The price is a
 * fault per page the first time (a copying stack pays a copy instead), and
 * memory that stays committed until the stack is scavenged or shrunk.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "grt.h"
#include "hx.h"
#include "rtrun.h"
#include "rtsource.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

#define SG_FRAME  256  /* bytes per frame */
#define SG_LEAVES 64   /* leaf calls at the bottom */
#define SG_SEG    8192 /* segmented: bytes per segment */
#define SG_START  2048 /* copy_double: the first stack, as Go's */

/* ---- real recursion on our runtime's stacks ---------------------------- */

static __attribute__((noinline)) uint64_t sg_leaf(uint64_t x) {
    volatile char f[SG_FRAME - 32];
    f[0] = (char)x;
    return (uint64_t)f[0] + 1;
}

static __attribute__((noinline)) uint64_t sg_recurse(uint64_t d) {
    volatile char f[SG_FRAME - 32]; /* about SG_FRAME with the call's own */
    f[0] = (char)d;
    f[sizeof f - 1] = 1;
    if (d == 0) {
        uint64_t s = 0;
        for (int i = 0; i < SG_LEAVES; i++)
            s += sg_leaf((uint64_t)i);
        return s;
    }
    return sg_recurse(d - 1) + (uint64_t)f[0] + (uint64_t)f[sizeof f - 1];
}

enum { SG_GROWN = 0, SG_LAZY = 1, SG_POPULATE = 2 };

typedef struct sg_run {
    uint64_t n, frames, depth;
    int kind;
    uint64_t sink;
    int err;
    grt_waitgroup wg;
    hx_rt_rep *rep; /* the clock: the worker's loop (rtrun.h) */
} sg_run;

static void sg_worker(void *arg) {
    sg_run *r = arg;
    uint64_t s = 0;
    char here;
    if (r->kind == SG_GROWN) /* grow this fresh stack, untimed */
        s += sg_recurse(r->frames);
    hx_rt_clock_start(r->rep);
    for (uint64_t i = 0; i < r->n; i++) {
        if (r->kind != SG_GROWN)
            grt_stack_shrink();
        if (r->kind == SG_POPULATE) {
            /* the deep call's pages, below this frame */
            uintptr_t top = ((uintptr_t)&here & ~(uintptr_t)4095) - 4096;
            uintptr_t lo = top - ((r->depth + 8192 + 4095) & ~(uint64_t)4095);
            if (madvise((void *)lo, top - lo, MADV_POPULATE_WRITE) != 0)
                r->err = errno;
        }
        s += sg_recurse(r->frames);
    }
    hx_rt_clock_stop(r->rep);
    r->sink = s;
    grt_waitgroup_done(&r->wg);
}

static void sg_main(void *arg) {
    sg_run *r = arg;
    grt_waitgroup_add(&r->wg, 1);
    /* a 4 MiB reservation: room for 1 MiB of depth and more */
    grt_go_stack(sg_worker, r, 4u << 20);
    grt_waitgroup_wait(&r->wg);
}

static void sg_real(hx_state *st, int kind) {
    uint64_t depth = (uint64_t)hx_sparam(st, "depth");
    /* grown: one deep call first, outside the timing of the rest */
    hx_rt_rep rep = {0};
    for (uint64_t n; (n = hx_batch(st)) != 0;) {
        sg_run r = {.n = n,
                    .frames = depth / SG_FRAME,
                    .depth = depth,
                    .kind = kind,
                    .rep = &rep};
        hx_rt_run(st, &rep, sg_main, &r, n);
        if (r.err) {
            char why[160];
            snprintf(why, sizeof why, "madvise(MADV_POPULATE_WRITE): %s",
                     strerror(r.err));
            hx_fail(st, why);
        }
        hx_keep(r.sink);
    }
    hx_rt_report(st, &rep);
}

static void sg_grown(hx_state *st) {
    sg_real(st, SG_GROWN);
}
static void sg_lazy(hx_state *st) {
    sg_real(st, SG_LAZY);
}
static void sg_populate(hx_state *st) {
    sg_real(st, SG_POPULATE);
}

/* ---- simulated copy-doubling (Go's) ---------------------------------------- */

/* A frame: the address of its caller's frame (which copying must fix),
 * then the payload. */
typedef struct cd_stack {
    char *base;
    size_t cap, top;
    char *fp; /* the innermost frame */
    uint64_t copied, adjusted;
} cd_stack;

/* Freed stack buffers kept by size (one per power of two), as Go's
 * stackpool and stackLarge keep freed stacks: a copy then costs the copy,
 * not fresh pages from the kernel. Used by the harness thread only. */
static char *cd_cache[64];

static char *cd_alloc(size_t cap) {
    int k = __builtin_ctzll(cap);
    char *p = cd_cache[k];
    if (p) {
        cd_cache[k] = NULL;
        return p;
    }
    p = malloc(cap);
    if (!p)
        abort();
    memset(p, 0, cap); /* its pages committed once, here */
    return p;
}

static void cd_free(char *p, size_t cap) {
    int k = __builtin_ctzll(cap);
    if (cd_cache[k] == NULL)
        cd_cache[k] = p;
    else
        free(p);
}

static void cd_grow(cd_stack *s, size_t need) {
    size_t cap = s->cap;
    while (cap < need)
        cap *= 2;
    char *nb = cd_alloc(cap);
    memcpy(nb, s->base, s->top);
    s->copied += s->top;
    /* adjust every saved frame pointer into the old stack */
    ptrdiff_t delta = nb - s->base;
    for (char *f = s->fp ? s->fp + delta : NULL; f != NULL;) {
        char **link = (char **)f;
        if (*link != NULL)
            *link += delta;
        s->adjusted++;
        f = *link;
    }
    if (s->fp)
        s->fp += delta;
    cd_free(s->base, s->cap);
    s->base = nb;
    s->cap = cap;
}

static void cd_push(cd_stack *s) {
    if (s->top + SG_FRAME > s->cap)
        cd_grow(s, s->top + SG_FRAME);
    char *f = s->base + s->top;
    *(char **)f = s->fp;
    f[SG_FRAME - 1] = 1;
    s->fp = f;
    s->top += SG_FRAME;
}

static void cd_pop(cd_stack *s) {
    s->top -= SG_FRAME;
    s->fp = *(char **)s->fp;
}

static void sg_copy_double(hx_state *st) {
    uint64_t frames = (uint64_t)hx_sparam(st, "depth") / SG_FRAME;
    uint64_t copied = 0, adjusted = 0, ops = 0;
    for (uint64_t n; (n = hx_batch(st)) != 0;) {
        for (uint64_t i = 0; i < n; i++) {
            cd_stack s = {.base = cd_alloc(SG_START), .cap = SG_START};
            for (uint64_t d = 0; d <= frames; d++)
                cd_push(&s);
            for (int l = 0; l < SG_LEAVES; l++) {
                cd_push(&s);
                cd_pop(&s);
            }
            for (uint64_t d = 0; d <= frames; d++)
                cd_pop(&s);
            copied += s.copied;
            adjusted += s.adjusted;
            hx_keep((uint64_t)(uintptr_t)s.base);
            cd_free(s.base, s.cap);
        }
        ops += n;
    }
    if (ops) {
        hx_metric(st, "copied_kib", (double)copied / 1024.0 / (double)ops);
        hx_metric(st, "adjusted", (double)adjusted / (double)ops);
    }
}

/* ---- simulated segmented stacks ---------------------------------------------- */

typedef struct sg_seg {
    struct sg_seg *prev;
    size_t used;
    char data[SG_SEG];
} sg_seg;

typedef struct sg_segstack {
    sg_seg *cur;
    uint64_t splits;
} sg_segstack;

static void seg_push(sg_segstack *s) {
    if (s->cur == NULL || s->cur->used + SG_FRAME > SG_SEG) {
        sg_seg *n = malloc(sizeof *n); /* morestack */
        if (!n)
            abort();
        n->prev = s->cur;
        n->used = 0;
        s->cur = n;
        s->splits++;
    }
    s->cur->data[s->cur->used + SG_FRAME - 1] = 1;
    s->cur->used += SG_FRAME;
}

static void seg_pop(sg_segstack *s) {
    s->cur->used -= SG_FRAME;
    if (s->cur->used == 0) { /* lessstack: back to the caller's segment */
        sg_seg *p = s->cur->prev;
        free(s->cur);
        s->cur = p;
    }
}

static void sg_segmented(hx_state *st) {
    uint64_t frames = (uint64_t)hx_sparam(st, "depth") / SG_FRAME;
    uint64_t splits = 0, ops = 0;
    for (uint64_t n; (n = hx_batch(st)) != 0;) {
        for (uint64_t i = 0; i < n; i++) {
            sg_segstack s = {0};
            /* the frames of the recursion fill whole segments exactly */
            for (uint64_t d = 0; d < frames; d++)
                seg_push(&s);
            for (int l = 0; l < SG_LEAVES; l++) { /* the hot split */
                seg_push(&s);
                seg_pop(&s);
            }
            for (uint64_t d = 0; d < frames; d++)
                seg_pop(&s);
            splits += s.splits;
        }
        ops += n;
    }
    if (ops)
        hx_metric(st, "splits", (double)splits / (double)ops);
}

/* ---- declaration -------------------------------------------------------------- */

/* Depths: powers of 4 from 16 KiB to 1 MiB (whole segments, whole
 * pages); the page size sets the floor. */
static int sg_depths(const hx_topo *t, bool quick, int64_t *out, int max) {
    int64_t lo = t->page_size >= 4096 ? (int64_t)t->page_size * 4 : 16384;
    if (lo < 16384)
        lo = 16384;
    int n = 0;
    if (quick) {
        out[n++] = 64 * 1024;
        if (n < max)
            out[n++] = 1024 * 1024;
        return n;
    }
    for (int64_t d = lo; d <= 1024 * 1024 && n < max; d *= 4)
        out[n++] = d;
    return n;
}

static const hx_variant sg_variants[] = {
    {.name = "grown",
     .help = "our runtime, a stack already grown: the calls alone",
     .fn = sg_grown,
     .go = "StackGrown",
     .manual_time = true},
    {.name = "lazy",
     .help = "our runtime, pages given back before each deep call: a page "
             "fault per 4 KiB (lazy commit)",
     .fn = sg_lazy,
     .go = "StackFresh",
     .manual_time = true},
    {.name = "populate",
     .help = "our runtime, the shrunk stack committed in one madvise before "
             "the deep call",
     .fn = sg_populate,
     .manual_time = true},
    {.name = "copy_double",
     .help = "simulated copying stack: 2 KiB, doubled, copied, frame "
             "pointers adjusted (Go's mechanism)",
     .fn = sg_copy_double},
    {.name = "segmented",
     .help = "simulated segmented stack, 8 KiB segments malloc'd and freed "
             "at each split; 64 hot splits at the bottom",
     .fn = sg_segmented},
};

static const hx_param sg_params[] = {
    {.name = "depth",
     .unit = "bytes",
     .help = "stack bytes one deep call uses (frames of 256 bytes); a whole "
             "number of 8 KiB segments",
     .min = 16384,
     .max = 1024 * 1024,
     .flags = HX_PARAM_BYTES | HX_PARAM_LOG,
     .points = sg_depths},
};

static const hx_metric_decl sg_metrics[] = {
    HX_RT_OPS_PER_REP,
    {"faults_per_op", "faults", "page faults per deep call (whole process)",
     .source = "proc:minflt"},
    {"committed", "bytes", "stack bytes committed after the repetition",
     .source = "rt:stack_committed_bytes", .kind = HX_METRIC_LEVEL},
    {"copied_kib", "KiB", "copy_double: bytes copied per deep call", NULL, 0},
    {"adjusted", "pointers", "copy_double: frame pointers fixed per deep call",
     NULL, 0},
    {"splits", "segments", "segmented: segments allocated per deep call", NULL,
     0},
};

static const hx_claim sg_claims[] = {
    /* lazy commit: a fault per page costs more than the calls */
    {.slow = "lazy",
     .fast = "grown",
     .min_ratio = 2,
     .at_param = "depth",
     .at_value = HX_AT_MAX},
    /* the hot split: an allocation and a free per leaf call */
    {.slow = "segmented",
     .fast = "grown",
     .min_ratio = 1.5,
     .at_param = "depth",
     .at_value = HX_AT_MIN},
};

static void sg_verdict(const hx_results *r, hx_report *rep) {
    static const char *const series[] = {"lazy", "populate", "copy_double",
                                         "segmented", "go:lazy"};
    static const int64_t at[] = {64 * 1024, 1024 * 1024};
    hx_report_printf(rep, "growth cost: ns per deep call over 'grown' "
                          "(its own floor for go:lazy: go:grown)\n");
    hx_report_printf(rep, "  %-12s %14s %14s\n", "", "to 64 KiB", "to 1 MiB");
    double g1m = NAN;
    for (size_t i = 0; i < sizeof series / sizeof *series; i++) {
        const char *floor =
            strncmp(series[i], "go:", 3) == 0 ? "go:grown" : "grown";
        char line[128];
        int n = snprintf(line, sizeof line, "  %-12s", series[i]);
        bool any = false;
        for (int k = 0; k < 2; k++) {
            double a = hx_results_median(r, series[i], at[k]);
            double b = hx_results_median(r, floor, at[k]);
            if (a == a && b == b) {
                n += snprintf(line + n, sizeof line - (size_t)n, " %11.0f ns",
                              a - b);
                any = true;
                if (strcmp(series[i], "lazy") == 0 && k == 1)
                    g1m = a - b;
            } else {
                n +=
                    snprintf(line + n, sizeof line - (size_t)n, " %14s", "n/a");
            }
        }
        if (any)
            hx_report_printf(rep, "%s\n", line);
    }
    double f = hx_results_metric(r, "lazy", 1024 * 1024, "faults_per_op");
    if (f == f && g1m == g1m && f > 0)
        hx_report_printf(rep,
                         "lazy to 1 MiB: %.0f page faults per deep call, "
                         "%.0f ns each\n",
                         f, g1m / f);
    hx_report_headline(rep, "lazy_1m_ns", g1m);
}

static const hx_headline sg_headlines[] = {
    {"lazy_over_grown", "lazy commit / grown stack, deepest point", "x",
     "ratio of medians, 'lazy' over 'grown' at the largest depth (first "
     "claim)",
     HX_HEAD_CLAIM, 0, NULL, 0},
    {"hot_split", "segmented (hot split) / grown, smallest depth", "x",
     "ratio of medians, 'segmented' over 'grown' at the smallest depth "
     "(second claim)",
     HX_HEAD_CLAIM, 1, NULL, 0},
    {"lazy_1m_ns", "growth to 1 MiB by lazy commit", "ns",
     "median of 'lazy' minus 'grown' at 1 MiB", HX_HEAD_REPORT, 0, NULL, 0},
};

const hx_experiment hx_exp_stackgrowth = {
    .name = "stackgrowth",
    .runtime = true,
    .summary = "stack growth: lazy commit vs copy-doubling vs segmented "
               "(hot split) vs a grown stack, Go beside",
    .hypothesis =
        "Growing a stack costs more than using a grown one. On our lazily\n"
        "committed reservations growth is a page fault per 4 KiB: at 1 MiB\n"
        "the deep call costs at least 2x the same call on a grown stack\n"
        "(committing the pages in one madvise is shown beside it: on a VM\n"
        "the fault itself, not the kernel entry, may dominate). Go's\n"
        "copy-doubling pays a copy of the stack and a pointer fix per frame\n"
        "per doubling. Segmented stacks pay an allocation per segment, and\n"
        "a call that crosses a segment edge in a loop (the hot split) pays\n"
        "one per call: >= 1.5x the grown stack even at the smallest depth.\n"
        "That is why Go moved to copying.",
    .reading =
        "x: stack depth of one deep call (log); y: ns per deep call (log).\n"
        "grown is the floor; the others' distance above it is the cost of\n"
        "growth. faults_per_op shows lazy commit at work (about depth/4 KiB\n"
        "faults), copied_kib and adjusted the copying, splits the segments.\n"
        "go:lazy is Go growing a fresh goroutine, go:grown Go on a grown one.",
    .homework =
        "1. From faults_per_op and the lazy-grown difference: what does one\n"
        "   page fault cost here? Compare with a 4 KiB memcpy.\n"
        "2. Why is copy_double's copied_kib about the depth, not depth x\n"
        "   doublings?\n"
        "3. Move the recursion so that its bottom is not at a segment edge:\n"
        "   what happens to segmented? Why was the hot split so hard to\n"
        "   avoid in real programs?\n"
        "4. Our stacks never move. What would Go's escape analysis and\n"
        "   stack maps have to give C for copying to be possible?\n"
        "5. committed after lazy vs grown: who gives the memory back,\n"
        "   and when (grt_stack_shrink, the scavenger)?",
    .variants = sg_variants,
    .nvariants = HX_COUNT(sg_variants),
    .params = sg_params,
    .nparams = HX_COUNT(sg_params),
    .metrics = sg_metrics,
    .nmetrics = HX_COUNT(sg_metrics),
    .op = "deep call",
    .events = (const char *const[]){"task-clock", NULL},
    .claims = sg_claims,
    .nclaims = HX_COUNT(sg_claims),
    .verdict = sg_verdict,
    .headlines = sg_headlines,
    .nheadlines = HX_COUNT(sg_headlines),
    .xparam = "depth",
    .plot_flags = HX_PLOT_LOGY,
    .source = &hx_rt_source,
};
