/*
 * counters_sim.c - the cache model behind `--counters sim`.
 *
 * Why simulate. The machines this project runs on are VMs without a
 * virtual PMU: cache-miss counters are unavailable, so the memory
 * experiments show that a walk got slower but not why. Valgrind's cache
 * simulator (callgrind --cache-sim=yes) can say why: it runs the program
 * on a synthetic CPU and feeds every instruction fetch and data access to
 * a model of I1, D1 and one last level (LL): set-associative, LRU,
 * write-allocate, no prefetcher, threads serialised. Its counts are
 * deterministic and exact for that model; they are not the hardware's
 * (no prefetching, no L2 unless we make it the last level, no TLB, no
 * coherence), which is why they live in columns of their own.
 *
 * The geometry. Valgrind would read the caches from CPUID, and CPUID on
 * these VMs invents them (a 508 MiB 2-way L3 on the AMD VM, 260 MiB on the
 * Xeon one), so we always pass --I1/--D1/--LL ourselves, and record where
 * each number came from:
 *   I1  /sys/devices/system/cpu/cpu0/cache (hwloc's topology here lists
 *       data and unified caches only), when sane; else 32 KiB 8-way.
 *   D1  the topology's L1d (hwloc), when sane; else 32 KiB 8-way.
 *   LL  the topology's last level when it is plausible (256 KiB..128 MiB,
 *       >= 4 ways, a power-of-two line) and does not disagree by more than
 *       2x with the capacity the staircase experiment measured; else that
 *       measured capacity; else, with no staircase run to read, 8 MiB
 *       16-way: below the last-level share a core gets on current server
 *       parts, so a simulation with it errs towards more LL misses, never
 *       hides one.
 *   L2  on machines with three levels, a second pass with the L2 as
 *       valgrind's last level gives sim_l2_miss_per_op (valgrind models two
 *       levels only), when the L2 is sane and smaller than the LL.
 * MECHLAB_SIM_CACHES="I1=size,assoc,line D1=... LL=... [L2=...]" replaces
 * all of it (another CPU's caches; the tests' tiny ones).
 *
 * Valgrind's constraints: a power-of-two line of at least 16 bytes and a
 * power-of-two number of sets. A 12 MiB 16-way LL has 12288 sets, so
 * hx_sim_fit() moves the associativity to the nearest value that gives a
 * power of two (12-way: 16384 sets), keeping the capacity, which is what
 * the miss counts depend on; the change is written into the source note.
 *
 * The staircase's measured capacity (hx_sim_staircase_llc). From the
 * medians of the 'chase' variant above the L2: `base` is the lowest
 * latency there (the LL step), `top` the latency at the largest size
 * (memory). With top < 3x base the sweep shows no memory step and nothing
 * is claimed. Otherwise the LL capacity is the last size before the first
 * one slower than sqrt(base x top), the geometric midpoint: a random
 * chase over 2x a cache hits it about half the time, which puts the 2x
 * point above the midpoint and the 1x point below it.
 *
 * The window. The child (simrun.c) runs one point through the ordinary
 * Google Benchmark path with a fixed iteration count and two repetitions;
 * hx_batch() calls hx_sim_window() right after it starts its clock and
 * right before it stops it. Valgrind starts with instrumentation off
 * (--instr-atstart=no: set-up runs at a few times native speed) and
 * collection off (--collect-atstart=no). The first window switches the
 * instrumentation on, so the warm-up repetition runs through the
 * simulated caches and fills them, uncounted; the second toggles
 * collection on and off around the measured repetition, so the totals
 * callgrind writes at exit are exactly that repetition's loop (plus the
 * few instructions of hx_batch's return and re-entry). Client requests
 * are a few no-op instructions outside valgrind, and they run only in a
 * child: the parent's hx_batch sees a NULL sim state or one not marked
 * child.
 */
#define _GNU_SOURCE
#include "counters_sim.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <valgrind/callgrind.h>

#include "run.h"

#define KIB ((uint64_t)1024)
#define MIB (KIB * 1024)

/* Defaults, used only where the machine's numbers are not sane. */
#define SIM_L1_DEFAULT_SIZE  (32 * KIB)
#define SIM_L1_DEFAULT_ASSOC 8
#define SIM_LL_DEFAULT_SIZE  (8 * MIB)
#define SIM_LL_DEFAULT_ASSOC 16
#define SIM_LINE_DEFAULT     64
/* Plausible bounds (bytes) for a real cache of each kind. */
#define SIM_L1_MIN  (4 * KIB)
#define SIM_L1_MAX  (1 * MIB)
#define SIM_LL_MIN  (256 * KIB)
#define SIM_LL_MAX  (128 * MIB)
#define SIM_MEMSTEP 3.0 /* top/base below this: no memory step measured */

const char *const hx_sim_col_names[HX_SIM_NCOLS] = {
    [HX_SIM_D1] = "sim_d1_miss_per_op",
    [HX_SIM_LL] = "sim_ll_miss_per_op",
    [HX_SIM_I1] = "sim_i1_miss_per_op",
    [HX_SIM_L2] = "sim_l2_miss_per_op",
};

bool hx_sim_mode(const char *mode) {
    return mode && strcmp(mode, HX_SIM_MODE) == 0;
}

const char *hx_sim_unsupported(const hx_experiment *e) {
    if (e->runtime)
        return "its ops run on the runtime's threads, which valgrind "
               "serialises; simulated counters describe single-threaded "
               "memory walks only";
    for (int i = 0; i < e->nparams; i++)
        if (e->params[i].flags & HX_PARAM_THREADS)
            return "it is multithreaded: valgrind runs threads one at a "
                   "time and its cache model has no coherence, so the "
                   "line transfers between cores this experiment is about "
                   "cannot be simulated";
    if (!e->sim)
        return "it declares no simulated-counter expectation (.sim): the "
               "simulation is for single-threaded memory walks (staircase, "
               "traversal, tlb, valueptr)";
    return NULL;
}

/* ---- geometry -------------------------------------------------------------- */

static bool pow2(uint64_t x) {
    return x && (x & (x - 1)) == 0;
}

static void fmt_size(uint64_t b, char *buf, size_t len) {
    if (b >= MIB && b % MIB == 0)
        snprintf(buf, len, "%llu MiB", (unsigned long long)(b / MIB));
    else if (b >= MIB)
        snprintf(buf, len, "%.3g MiB", (double)b / (double)MIB);
    else
        snprintf(buf, len, "%.3g KiB", (double)b / (double)KIB);
}

bool hx_sim_fit(hx_sim_cache *c) {
    if (!pow2(c->line) || c->line < 16)
        c->line = SIM_LINE_DEFAULT;
    uint64_t lines = c->size / c->line;
    if (lines < 2)
        lines = 2;
    unsigned a = c->assoc ? c->assoc : 1;
    if (a > lines)
        a = (unsigned)lines;
    uint64_t size0 = c->size;
    unsigned a0 = c->assoc;
    unsigned best = 0;
    for (unsigned d = 0; d <= 4 * a && !best; d++) {
        unsigned cand[2] = {a + d, a > d ? a - d : 0};
        for (int k = 0; k < 2 && !best; k++)
            if (cand[k] && cand[k] <= lines && lines % cand[k] == 0 &&
                pow2(lines / cand[k]))
                best = cand[k];
    }
    if (best) {
        c->assoc = best;
        c->size = lines * c->line;
    } else { /* round the capacity down to a power-of-two set count */
        uint64_t sets = 1;
        while (sets * 2 * a <= lines)
            sets *= 2;
        c->assoc = a;
        c->size = sets * a * c->line;
    }
    bool changed = c->size != size0 || c->assoc != a0;
    if (changed) {
        size_t n = strlen(c->source);
        char a_[32], b_[32];
        fmt_size(size0, a_, sizeof a_);
        fmt_size(c->size, b_, sizeof b_);
        snprintf(c->source + n, sizeof c->source - n,
                 "; fitted for valgrind (power-of-two sets): %s %u-way -> "
                 "%s %u-way",
                 a_, a0, b_, c->assoc);
    }
    return changed;
}

static void set_cache(hx_sim_cache *c, uint64_t size, unsigned assoc,
                      unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void set_cache(hx_sim_cache *c, uint64_t size, unsigned assoc,
                      unsigned line, const char *fmt, ...) {
    c->size = size;
    c->assoc = assoc;
    c->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->source, sizeof c->source, fmt, ap);
    va_end(ap);
}

static bool sane(uint64_t size, int assoc, unsigned line, uint64_t lo,
                 uint64_t hi, int min_assoc) {
    return size >= lo && size <= hi && pow2(line) && line >= 16 &&
           line <= 256 && (assoc == -1 || (assoc >= min_assoc && assoc <= 64));
}

/* A number from a sysfs file such as "32K" or "12"; 0 when unreadable. */
static uint64_t sysfs_num(const char *dir, const char *name) {
    char p[300], buf[64] = "";
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "r");
    if (!f)
        return 0;
    if (!fgets(buf, sizeof buf, f))
        buf[0] = 0;
    fclose(f);
    char *end;
    unsigned long long v = strtoull(buf, &end, 10);
    if (*end == 'K')
        v *= KIB;
    else if (*end == 'M')
        v *= MIB;
    return v;
}

/* The L1 instruction cache of cpu0 from sysfs; false if there is none. */
static bool sysfs_l1i(uint64_t *size, int *assoc, unsigned *line) {
    for (int i = 0; i < 8; i++) {
        char dir[128], p[160], type[32] = "";
        snprintf(dir, sizeof dir, "/sys/devices/system/cpu/cpu0/cache/index%d",
                 i);
        snprintf(p, sizeof p, "%s/type", dir);
        FILE *f = fopen(p, "r");
        if (!f)
            continue;
        if (!fgets(type, sizeof type, f))
            type[0] = 0;
        fclose(f);
        if (strncmp(type, "Instruction", 11) != 0 ||
            sysfs_num(dir, "level") != 1)
            continue;
        *size = sysfs_num(dir, "size");
        *assoc = (int)sysfs_num(dir, "ways_of_associativity");
        *line = (unsigned)sysfs_num(dir, "coherency_line_size");
        return *size > 0;
    }
    return false;
}

static int cmp_xy(const void *a, const void *b) {
    const double *x = a, *y = b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* xy: pairs (bytes, ns) of every ok 'chase' repetition; n pairs. Sorted
 * here; the medians per size go to the rule in the file comment. */
static uint64_t llc_rule(double *xy, int n, uint64_t above, char *why,
                         size_t len) {
    qsort(xy, (size_t)n, 2 * sizeof *xy, cmp_xy);
    double xs[HX_MAX_POINTS * 2], ms[HX_MAX_POINTS * 2];
    int m = 0;
    for (int i = 0; i < n && m < HX_MAX_POINTS * 2;) {
        int j = i;
        double v[256];
        int k = 0;
        while (j < n && xy[2 * j] == xy[2 * i]) {
            if (k < 256)
                v[k++] = xy[2 * j + 1];
            j++;
        }
        qsort(v, (size_t)k, sizeof *v, cmp_d);
        if ((uint64_t)xy[2 * i] > above) {
            xs[m] = xy[2 * i];
            ms[m++] = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
        }
        i = j;
    }
    if (m < 3) {
        snprintf(why, len, "fewer than 3 working sets above the L2 (%d)", m);
        return 0;
    }
    double base = ms[0], top = ms[m - 1];
    for (int i = 0; i < m; i++)
        base = fmin(base, ms[i]);
    if (top < SIM_MEMSTEP * base) {
        snprintf(why, len,
                 "no memory step in the sweep (largest size %.3g ns vs "
                 "%.3g ns lowest above the L2)",
                 top, base);
        return 0;
    }
    double thr = sqrt(base * top);
    if (ms[0] > thr) {
        snprintf(why, len,
                 "the first size above the L2 is already past "
                 "the last level");
        return 0;
    }
    int k = 0;
    while (k + 1 < m && ms[k + 1] <= thr)
        k++;
    snprintf(why, len,
             "the last size before the chase's latency passes %.3g ns (the "
             "geometric midpoint of %.3g ns and %.3g ns)",
             thr, base, top);
    return (uint64_t)xs[k];
}

/* The index of a named column in a CSV header line, or -1. */
static int csv_col(const char *header, const char *name) {
    int col = 0;
    size_t n = strlen(name);
    for (const char *p = header;; col++) {
        if (strncmp(p, name, n) == 0 &&
            (p[n] == ',' || p[n] == '\n' || p[n] == '\r' || p[n] == 0))
            return col;
        p = strchr(p, ',');
        if (!p)
            return -1;
        p++;
    }
}

/* The field of column col in a CSV line (no quoted fields before it). */
static const char *csv_field(const char *line, int col, char *buf, size_t len) {
    const char *p = line;
    for (int c = 0; c < col && p; c++) {
        if (*p == '"') { /* skip a quoted field */
            p++;
            while (*p && !(*p == '"' && p[1] != '"'))
                p += *p == '"' ? 2 : 1;
            if (*p)
                p++;
        }
        p = strchr(p, ',');
        if (p)
            p++;
    }
    if (!p)
        return NULL;
    size_t n = strcspn(p, ",\r\n");
    snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), p);
    return buf;
}

uint64_t hx_sim_staircase_llc(const char *path, uint64_t above, char *why,
                              size_t len) {
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(why, len, "no staircase run (%s: %s)", path, strerror(errno));
        return 0;
    }
    char line[4096];
    int cv = -1, cb = -1, cn = -1, cs = -1;
    if (fgets(line, sizeof line, f)) {
        cv = csv_col(line, "variant");
        cb = csv_col(line, "bytes");
        cn = csv_col(line, "ns_per_op");
        cs = csv_col(line, "status");
    }
    if (cv < 0 || cb < 0 || cn < 0 || cs < 0) {
        fclose(f);
        snprintf(why, len, "%s is not a staircase data.csv", path);
        return 0;
    }
    int cap = 1024, n = 0;
    double *xy = malloc(sizeof *xy * 2 * (size_t)cap);
    while (xy && fgets(line, sizeof line, f)) {
        char v[64], b[64], t[64], s[64];
        if (!csv_field(line, cv, v, sizeof v) || strcmp(v, "chase") != 0 ||
            !csv_field(line, cs, s, sizeof s) || strcmp(s, "ok") != 0 ||
            !csv_field(line, cb, b, sizeof b) ||
            !csv_field(line, cn, t, sizeof t) || !*t)
            continue;
        if (n == cap) {
            cap *= 2;
            double *p = realloc(xy, sizeof *xy * 2 * (size_t)cap);
            if (!p)
                break;
            xy = p;
        }
        xy[2 * n] = strtod(b, NULL);
        xy[2 * n + 1] = strtod(t, NULL);
        n++;
    }
    fclose(f);
    uint64_t llc = xy ? llc_rule(xy, n, above, why, len) : 0;
    free(xy);
    return llc;
}

/* "I1=32768,8,64 D1=... LL=... L2=..." */
static int parse_override(const char *s, hx_sim_geom *g, char *err,
                          size_t len) {
    bool have[3] = {false, false, false};
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    char *save = NULL;
    for (char *tok = strtok_r(buf, " \t", &save); tok;
         tok = strtok_r(NULL, " \t", &save)) {
        hx_sim_cache *c = NULL;
        int idx = -1;
        if (strncasecmp(tok, "I1=", 3) == 0)
            c = &g->i1, idx = 0;
        else if (strncasecmp(tok, "D1=", 3) == 0)
            c = &g->d1, idx = 1;
        else if (strncasecmp(tok, "LL=", 3) == 0)
            c = &g->ll, idx = 2;
        else if (strncasecmp(tok, "L2=", 3) == 0)
            c = &g->l2;
        unsigned long long size;
        unsigned assoc, line;
        char extra;
        if (!c ||
            sscanf(tok + 3, "%llu,%u,%u%c", &size, &assoc, &line, &extra) !=
                3 ||
            !pow2(line) || line < 16 || assoc < 1 || size < 2ull * line) {
            snprintf(err, len,
                     "%s: bad entry '%s'; expected 'I1=SIZE,ASSOC,LINE "
                     "D1=... LL=... [L2=...]' in bytes, ways, bytes (a "
                     "power-of-two line of at least 16)",
                     HX_SIM_ENV_CACHES, tok);
            return -EINVAL;
        }
        set_cache(c, size, assoc, line, "%s", HX_SIM_ENV_CACHES);
        if (idx >= 0)
            have[idx] = true;
        else
            g->have_l2 = true;
    }
    if (!have[0] || !have[1] || !have[2]) {
        snprintf(err, len, "%s='%s': I1, D1 and LL are all required",
                 HX_SIM_ENV_CACHES, s);
        return -EINVAL;
    }
    return 0;
}

int hx_sim_geometry(const hx_topo *t, const char *out_root, const char *machine,
                    hx_sim_geom *g, char *err, size_t len) {
    memset(g, 0, sizeof *g);
    const char *ov = getenv(HX_SIM_ENV_CACHES);
    if (ov && *ov) {
        int rc = parse_override(ov, g, err, len);
        if (rc)
            return rc;
        hx_sim_fit(&g->i1);
        hx_sim_fit(&g->d1);
        hx_sim_fit(&g->ll);
        if (g->have_l2)
            hx_sim_fit(&g->l2);
        return 0;
    }
    unsigned line0 = t->line_size && pow2(t->line_size) ? t->line_size : 64;
    char a[32], b[32];

    /* I1 */
    uint64_t isz = 0;
    int ias = 0;
    unsigned iln = 0;
    if (sysfs_l1i(&isz, &ias, &iln) &&
        sane(isz, ias, iln, SIM_L1_MIN, SIM_L1_MAX, 1) && ias > 0)
        set_cache(&g->i1, isz, (unsigned)ias, iln,
                  "sysfs cpu0 L1i (hwloc's topology lists no "
                  "instruction caches)");
    else
        set_cache(&g->i1, SIM_L1_DEFAULT_SIZE, SIM_L1_DEFAULT_ASSOC, line0,
                  "default 32 KiB 8-way: no sane L1i in sysfs");

    /* D1 */
    const hx_cache *l1 = hx_topo_cache(t, 1);
    if (l1 && sane(l1->size, l1->assoc, l1->line, SIM_L1_MIN, SIM_L1_MAX, 1))
        set_cache(&g->d1, l1->size,
                  l1->assoc > 0 ? (unsigned)l1->assoc
                                : (unsigned)(l1->size / l1->line),
                  l1->line, "hwloc L1d");
    else
        set_cache(&g->d1, SIM_L1_DEFAULT_SIZE, SIM_L1_DEFAULT_ASSOC, line0,
                  "default 32 KiB 8-way: hwloc reports no sane L1d");

    /* the last level as reported, and L2 */
    int nc = t->ncaches < HX_MAX_CACHES ? t->ncaches : HX_MAX_CACHES;
    const hx_cache *rl = nc >= 2 ? &t->caches[nc - 1] : NULL;
    const hx_cache *l2 = nc >= 3 ? hx_topo_cache(t, 2) : NULL;
    uint64_t above = l2 ? l2->size : l1 ? l1->size : 0;

    /* what the staircase measured */
    char path[1400], why[300] = "";
    snprintf(path, sizeof path, "%s/%s/staircase/latest/data.csv", out_root,
             machine);
    uint64_t meas = hx_sim_staircase_llc(path, above, why, sizeof why);

    bool plaus = rl && rl->level >= 2 &&
                 sane(rl->size, rl->assoc, rl->line, SIM_LL_MIN, SIM_LL_MAX, 4);
    bool agrees = !meas || (rl && (double)rl->size <= 2.0 * (double)meas &&
                            (double)rl->size >= 0.5 * (double)meas);
    char rep[96] = "none";
    if (rl) {
        fmt_size(rl->size, a, sizeof a);
        snprintf(rep, sizeof rep, "L%d %s %d-way", rl->level, a, rl->assoc);
    }
    unsigned ll_line =
        rl && pow2(rl->line) && rl->line >= 16 ? rl->line : line0;
    unsigned ll_assoc = rl && rl->assoc >= 4 && rl->assoc <= 64
                            ? (unsigned)rl->assoc
                            : SIM_LL_DEFAULT_ASSOC;
    if (plaus && agrees) {
        if (meas) {
            fmt_size(meas, b, sizeof b);
            set_cache(&g->ll, rl->size,
                      rl->assoc > 0 ? (unsigned)rl->assoc : 16, rl->line,
                      "hwloc %s (within 2x of the %s the staircase "
                      "measured in %s)",
                      rep, b, path);
        } else {
            set_cache(&g->ll, rl->size,
                      rl->assoc > 0 ? (unsigned)rl->assoc : 16, rl->line,
                      "hwloc %s (plausible; not checked: %s)", rep, why);
        }
    } else if (meas) {
        fmt_size(meas, b, sizeof b);
        set_cache(&g->ll, meas, ll_assoc, ll_line,
                  "measured by the staircase: %s in %s, %s; hwloc reports "
                  "%s, %s",
                  b, path, why, rep,
                  plaus ? "which disagrees by more than 2x"
                        : "which is not plausible");
    } else {
        set_cache(&g->ll, SIM_LL_DEFAULT_SIZE, SIM_LL_DEFAULT_ASSOC, line0,
                  "default 8 MiB 16-way (below a core's share of the last "
                  "level on current server parts, so it errs towards more "
                  "LL misses): hwloc reports %s, which is not plausible, "
                  "and the staircase gives no capacity (%s); run `make run "
                  "EXP=staircase` to measure it",
                  rep, why);
    }

    if (l2 && sane(l2->size, l2->assoc, l2->line, 64 * KIB, 16 * MIB, 2) &&
        l2->size > g->d1.size && l2->size < g->ll.size) {
        g->have_l2 = true;
        set_cache(&g->l2, l2->size, l2->assoc > 0 ? (unsigned)l2->assoc : 16,
                  l2->line,
                  "hwloc L2, simulated as valgrind's last level in a second "
                  "pass");
    }
    hx_sim_fit(&g->i1);
    hx_sim_fit(&g->d1);
    hx_sim_fit(&g->ll);
    if (g->have_l2)
        hx_sim_fit(&g->l2);
    return 0;
}

/* ---- callgrind's output -------------------------------------------------- */

int hx_sim_parse_callgrind(const char *path, hx_sim_counts *c, char *err,
                           size_t len) {
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, len, "cannot read callgrind output %s: %s", path,
                 strerror(errno));
        return -errno;
    }
    static const char *const names[] = {"Ir",   "Dr",   "Dw",   "I1mr", "D1mr",
                                        "D1mw", "ILmr", "DLmr", "DLmw"};
    enum { NEV = sizeof names / sizeof names[0] };
    uint64_t *slot[NEV] = {&c->ir,   &c->dr,   &c->dw,   &c->i1mr, &c->d1mr,
                           &c->d1mw, &c->ilmr, &c->dlmr, &c->dlmw};
    int map[32];
    int nev = -1;
    bool have_totals = false, have_summary = false;
    uint64_t sum[32] = {0};
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "events:", 7) == 0) {
            nev = 0;
            char *save = NULL;
            for (char *t = strtok_r(line + 7, " \t\r\n", &save); t && nev < 32;
                 t = strtok_r(NULL, " \t\r\n", &save)) {
                map[nev] = -1;
                for (int k = 0; k < NEV; k++)
                    if (strcmp(t, names[k]) == 0)
                        map[nev] = k;
                nev++;
            }
            continue;
        }
        bool tot = strncmp(line, "totals:", 7) == 0;
        bool summ = strncmp(line, "summary:", 8) == 0;
        if (!(tot || (summ && !have_totals)) || nev < 0)
            continue;
        char *p = line + (tot ? 7 : 8);
        memset(sum, 0, sizeof sum);
        for (int i = 0; i < nev; i++) {
            char *end;
            unsigned long long v = strtoull(p, &end, 10);
            if (end == p)
                break; /* callgrind drops trailing zeros */
            sum[i] = v;
            p = end;
        }
        for (int i = 0; i < nev; i++)
            if (map[i] >= 0)
                *slot[map[i]] = sum[i];
        have_totals |= tot;
        have_summary |= summ;
    }
    fclose(f);
    if (nev < 0 || !(have_totals || have_summary)) {
        snprintf(err, len,
                 "%s: no events/totals lines (not a callgrind "
                 "output?)",
                 path);
        return -EINVAL;
    }
    int found = 0;
    for (int i = 0; i < nev; i++)
        found += map[i] >= 0;
    if (found < NEV) {
        snprintf(err, len,
                 "%s lists %d of the %d cache-simulation events (was "
                 "--cache-sim=yes given?)",
                 path, found, (int)NEV);
        return -EINVAL;
    }
    return 0;
}

/* ---- the child's window ------------------------------------------------ */

void hx_sim_window(struct hx_sim *s, bool open) {
    if (!s || !s->child)
        return;
    if (open) {
        s->windows++;
        if (s->windows == 1) {
            CALLGRIND_START_INSTRUMENTATION;
        } else if (s->windows == 2) {
            CALLGRIND_ZERO_STATS;
            CALLGRIND_TOGGLE_COLLECT;
        }
    } else if (s->windows == 2) {
        CALLGRIND_TOGGLE_COLLECT;
        CALLGRIND_STOP_INSTRUMENTATION;
    }
}
