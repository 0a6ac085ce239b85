/*
 * points.c - sweep points: from the machine's topology, or from the user.
 *
 * EXPERIMENTS.md's first rule is that sweep points come from the machine:
 * a hard-coded size is a bug on somebody else's CPU. These generators turn
 * an hx_topo into the default points of the two parameters nearly every
 * experiment has, thread counts and working-set sizes.
 *
 * Threads (hx_points_threads)
 *   1, 2, 4, ... up to the PU count, plus the PU count itself (so 1,2,4,6 on
 *   6 PUs). Never over the PU count: an over-subscribed point measures the
 *   OS scheduler, not the mechanism. Quick: 1 and the PU count.
 * Threads, over-subscribed (hx_points_threads_2x)
 *   The same up to 2 x PUs, with PUs and 2 x PUs always present, for the
 *   experiments about over-subscription. Quick: 1, PUs, 2 x PUs.
 * Sizes (hx_points_sizes(t, quick, lo, mult, cap, ...))
 *   - cache-relative points: 0.5x, 1x and 2x the size of every cache level,
 *     so each level has a point well inside it, at its edge and past it;
 *   - log2 steps: lo, 2 lo, 4 lo, ... up to mult x LLC (up to the cap when
 *     no cache is known);
 *   - every point lies in [lo, top], where top is cap (0: no cap), at most
 *     a quarter of the RAM usable by this process (hx_topo.mem_total, so
 *     the buffer, a second one and the OS fit), and in quick mode also at
 *     most 2 x LLC and 256 MiB;
 *   - quick mode keeps every other log2 step (lo, 4 lo, 16 lo, ...) and all
 *     the cache-relative points, roughly halving the sweep;
 *   - the result is sorted and unique; when it would exceed max entries the
 *     log2 steps are thinned (every 2nd, 3rd, ... step, the first and last
 *     kept) and the cache-relative points never are (unless they alone
 *     exceed max, which 3 x HX_MAX_CACHES <= HX_MAX_POINTS rules out; then
 *     the smallest max of them are kept).
 *   It returns 0 when nothing fits (lo above the cap), -EINVAL on bad
 *   arguments (lo 0, max < 1).
 *
 * Sizes on VMs are what hwloc claims (see topo.c): a synthetic 508 MiB L3
 * gives points around 254 MiB..1 GiB, which is what we then measure.
 *
 * The parser (hx_points_parse, points.h) reads the lists a user gives with
 * --threads or --set NAME=...; its grammar is in points.h. Results are
 * sorted and unique like the generators', so a user's list and a default
 * list are treated alike downstream.
 */
#include "points.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hx.h"

#define HX_KIB ((uint64_t)1024)
#define HX_MIB (HX_KIB * 1024)
#define HX_GIB (HX_MIB * 1024)

/* Quick mode's ceiling on sizes: large enough to get past a typical LLC,
 * small enough that a quick run of every experiment stays short. */
#define HX_QUICK_SIZE_CAP (256 * HX_MIB)

/* Most log2 steps: 2^0 .. 2^63. */
#define HX_MAX_STEPS 64

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Sorts v[0..n) and removes duplicates; returns the new count. */
static int sort_unique(int64_t *v, int n) {
    if (n <= 1)
        return n;
    qsort(v, (size_t)n, sizeof *v, cmp_i64);
    int m = 1;
    for (int i = 1; i < n; i++)
        if (v[i] != v[m - 1])
            v[m++] = v[i];
    return m;
}

/* Copies a sorted list into out; over max, keeps the first max-1 and the
 * last (the largest point is the one claims usually look at). */
static int emit(const int64_t *v, int n, int64_t *out, int max) {
    if (n > max) {
        memcpy(out, v, (size_t)(max - 1) * sizeof *v);
        out[max - 1] = v[n - 1];
        return max;
    }
    memcpy(out, v, (size_t)n * sizeof *v);
    return n;
}

/* ---- threads ------------------------------------------------------------ */

static int threads_upto(int pus, int mult, bool quick, int64_t *out, int max) {
    if (out == NULL || max < 1)
        return -EINVAL;
    int64_t p = pus > 0 ? pus : 1, top = p * mult;
    int64_t v[HX_MAX_STEPS + 3];
    int n = 0;
    v[n++] = 1;
    if (!quick)
        for (int64_t k = 2; k <= top && n < HX_MAX_STEPS; k *= 2)
            v[n++] = k;
    v[n++] = p;
    v[n++] = top;
    return emit(v, sort_unique(v, n), out, max);
}

int hx_points_threads(const hx_topo *t, bool quick, int64_t *out, int max) {
    return threads_upto(t != NULL ? t->pus : 1, 1, quick, out, max);
}

int hx_points_threads_2x(const hx_topo *t, bool quick, int64_t *out, int max) {
    return threads_upto(t != NULL ? t->pus : 1, 2, quick, out, max);
}

/* ---- sizes -------------------------------------------------------------- */

static uint64_t min_u64(uint64_t a, uint64_t b) {
    return a < b ? a : b;
}

/* Cache points plus steps[i] for i % stride == 0 and the last one (all of
 * them with stride 1, none with stride 0), sorted and unique, into v. */
static int merge_sizes(const int64_t *cache, int nc, const int64_t *steps,
                       int ns, int stride, int64_t *v) {
    int n = 0;
    for (int i = 0; i < nc; i++)
        v[n++] = cache[i];
    for (int i = 0; stride > 0 && i < ns; i++)
        if (i % stride == 0 || i == ns - 1)
            v[n++] = steps[i];
    return sort_unique(v, n);
}

int hx_points_sizes(const hx_topo *t, bool quick, uint64_t lo, double mult,
                    uint64_t cap, int64_t *out, int max) {
    if (t == NULL || out == NULL || max < 1 || lo == 0)
        return -EINVAL;

    uint64_t top = cap != 0 ? min_u64(cap, INT64_MAX) : INT64_MAX;
    if (t->mem_total != 0)
        top = min_u64(top, t->mem_total / 4);
    uint64_t llc = hx_topo_llc(t);
    if (quick) {
        top = min_u64(top, HX_QUICK_SIZE_CAP);
        if (llc != 0 && llc <= INT64_MAX / 2)
            top = min_u64(top, 2 * llc);
    }

    int64_t cache[3 * HX_MAX_CACHES];
    int nc = 0;
    for (int i = 0; i < t->ncaches && i < HX_MAX_CACHES; i++) {
        uint64_t s = t->caches[i].size;
        uint64_t c3[3] = {s / 2, s, s <= INT64_MAX / 2 ? 2 * s : 0};
        for (int k = 0; k < 3; k++)
            if (c3[k] >= lo && c3[k] <= top)
                cache[nc++] = (int64_t)c3[k];
    }
    nc = sort_unique(cache, nc);

    /* The steps' end: mult x LLC, or the cap when no cache is known. */
    uint64_t end = top;
    if (llc != 0) {
        double e = mult * (double)llc;
        end = e <= 0 ? 0 : e >= (double)top ? top : (uint64_t)e;
    }
    int64_t steps[HX_MAX_STEPS];
    int ns = 0;
    for (uint64_t s = lo, i = 0; s <= end && ns < HX_MAX_STEPS; i++) {
        if (!quick || i % 2 == 0)
            steps[ns++] = (int64_t)s;
        if (s > end / 2)
            break;
        s *= 2;
    }

    int64_t v[3 * HX_MAX_CACHES + HX_MAX_STEPS];
    int n = 0;
    for (int stride = 1; stride <= ns + 1; stride++) {
        /* the last pass (stride ns + 1 -> 0) drops the steps altogether */
        n = merge_sizes(cache, nc, steps, ns, stride <= ns ? stride : 0, v);
        if (n <= max)
            break;
    }
    if (n > max) /* the cache points alone: keep the smallest */
        n = max;
    memcpy(out, v, (size_t)n * sizeof *v);
    return n;
}

/* ---- the parser --------------------------------------------------------- */

/* Parses one number with an optional binary suffix; the whole of s must be
 * used. */
static bool parse_num(const char *s, int64_t *out) {
    static const struct {
        const char *suffix;
        int64_t mult;
    } sfx[] = {
        {"", 1},        {"k", 1 << 10},   {"K", 1 << 10},   {"KiB", 1 << 10},
        {"m", 1 << 20}, {"M", 1 << 20},   {"MiB", 1 << 20}, {"g", 1 << 30},
        {"G", 1 << 30}, {"GiB", 1 << 30},
    };
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    if (!isdigit((unsigned char)*p))
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno == ERANGE)
        return false;
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        if (strcmp(end, sfx[i].suffix) != 0)
            continue;
        int64_t r;
        if (__builtin_mul_overflow((int64_t)v, sfx[i].mult, &r))
            return false;
        *out = r;
        return true;
    }
    return false;
}

/* Adds v to out[0..*n) unless already there; false when out is full. */
static bool add_value(int64_t v, int64_t *out, int *n, int maxn) {
    for (int i = 0; i < *n; i++)
        if (out[i] == v)
            return true;
    if (*n >= maxn)
        return false;
    out[(*n)++] = v;
    return true;
}

#define HX_TOKEN_MAX 128

int hx_points_parse(const char *spec, int64_t min, int64_t max, int64_t *out,
                    int maxn, char *err, size_t errlen) {
    char range[96];
    snprintf(range, sizeof range, "accepted range [%" PRId64 ", %" PRId64 "]",
             min, max);
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (out == NULL || maxn < 1) {
        snprintf(err, err != NULL ? errlen : 0, "no room for values (%s)",
                 range);
        return -EINVAL;
    }
    const char *p = spec != NULL ? spec : "";
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '\0') {
        snprintf(err, err != NULL ? errlen : 0,
                 "empty list: give values like 8,64,128 or 8..256 (%s)", range);
        return -EINVAL;
    }

    int n = 0;
    for (;;) {
        /* The next token, blanks trimmed. */
        size_t len = strcspn(p, ",");
        char tok[HX_TOKEN_MAX];
        const char *a = p, *b = p + len;
        while (a < b && isspace((unsigned char)*a))
            a++;
        while (b > a && isspace((unsigned char)b[-1]))
            b--;
        size_t tl = (size_t)(b - a);
        if (tl >= sizeof tok)
            tl = sizeof tok - 1;
        memcpy(tok, a, tl);
        tok[tl] = '\0';

        if (tok[0] == '\0') {
            snprintf(err, err != NULL ? errlen : 0, "empty value in '%s' (%s)",
                     spec, range);
            return -EINVAL;
        }

        int64_t lo, hi, step = 0;
        char *dots = strstr(tok, "..");
        bool ok;
        if (dots == NULL) {
            ok = parse_num(tok, &lo);
            hi = lo;
        } else {
            *dots = '\0';
            char *rest = dots + 2, *colon = strchr(rest, ':');
            if (colon != NULL)
                *colon = '\0';
            ok = parse_num(tok, &lo) && parse_num(rest, &hi) &&
                 (colon == NULL || parse_num(colon + 1, &step));
            *dots = '.';
            if (colon != NULL)
                *colon = ':';
            if (ok && colon == NULL && lo <= 0) {
                snprintf(err, err != NULL ? errlen : 0,
                         "'%s': a doubling range must start above 0 (%s)", tok,
                         range);
                return -EINVAL;
            }
            if (ok && colon != NULL && step <= 0) {
                snprintf(err, err != NULL ? errlen : 0,
                         "'%s': the step must be above 0 (%s)", tok, range);
                return -EINVAL;
            }
            if (ok && lo > hi) {
                snprintf(err, err != NULL ? errlen : 0,
                         "'%s' is an empty range (%s)", tok, range);
                return -EINVAL;
            }
        }
        if (!ok) {
            snprintf(err, err != NULL ? errlen : 0,
                     "bad value '%s': expected N, A..B or A..B:STEP, "
                     "N with an optional k/M/G suffix (%s)",
                     tok, range);
            return -EINVAL;
        }
        if (lo < min || hi > max) {
            snprintf(err, err != NULL ? errlen : 0, "'%s' is out of range: %s",
                     tok, range);
            return -EINVAL;
        }

        /* Expand: lo..hi by doubling (then hi) or by step. */
        bool room = true;
        for (int64_t v = lo; room;) {
            room = add_value(v, out, &n, maxn);
            if (v == hi)
                break;
            if (step > 0) {
                if (__builtin_add_overflow(v, step, &v) || v > hi)
                    break;
            } else {
                v = v > hi / 2 ? hi : v * 2;
            }
        }
        if (!room) {
            snprintf(err, err != NULL ? errlen : 0,
                     "'%s' makes more than %d values (%s)", tok, maxn, range);
            return -E2BIG;
        }

        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    return sort_unique(out, n);
}

/* ---- formatting --------------------------------------------------------- */

void hx_points_format_bytes(uint64_t v, char *buf, size_t len) {
    static const char *const unit[] = {"B",   "KiB", "MiB", "GiB",
                                       "TiB", "PiB", "EiB"};
    int u = 0;
    uint64_t scale = 1;
    while (u < 6 && v / scale >= 1024) {
        scale *= 1024;
        u++;
    }
    if (v % scale == 0) {
        snprintf(buf, len, "%" PRIu64 " %s", v / scale, unit[u]);
        return;
    }
    char num[48];
    snprintf(num, sizeof num, "%.2f", (double)v / (double)scale);
    size_t n = strlen(num);
    while (n > 0 && num[n - 1] == '0')
        num[--n] = '\0';
    if (n > 0 && num[n - 1] == '.')
        num[--n] = '\0';
    snprintf(buf, len, "%s %s", num, unit[u]);
}
