/*
 * test_points.c - unit tests of harness/points.c.
 *
 * The generators are checked against hand-built topologies with known
 * caches, so every expected list is exact and written out below: the
 * cache-relative points (0.5x, 1x, 2x each level), the log2 steps up to
 * mult x LLC, quick mode (every other step, cap at 2 x LLC and 256 MiB),
 * the caps (explicit, a quarter of RAM), thinning to max entries without
 * losing a cache point, sortedness and uniqueness. The parser is checked on
 * each accepted form and on every error it reports, each of which must name
 * the bad token and the accepted range.
 *
 * Prints one line per failure and a closing "N passed, M failed"; exits
 * non-zero when anything failed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hx.h"
#include "points.h"

static int passed, failed;

static void check(int ok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void check(int ok, const char *fmt, ...) {
    if (ok) {
        passed++;
        return;
    }
    failed++;
    va_list ap;
    va_start(ap, fmt);
    fputs("FAIL: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
}

#define K ((int64_t)1024)
#define M (K * 1024)
#define G (M * 1024)

static void show(char *buf, size_t len, const int64_t *v, int n) {
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%" PRId64, i ? "," : "",
                              v[i]);
}

/* got[0..n) equals want[0..nw) */
static void expect_list(const char *what, const int64_t *got, int n,
                        const int64_t *want, int nw) {
    int ok = n == nw;
    for (int i = 0; ok && i < n; i++)
        ok = got[i] == want[i];
    if (!ok) {
        char g[1024], w[1024];
        show(g, sizeof g, got, n < 0 ? 0 : n);
        show(w, sizeof w, want, nw);
        check(0, "%s: got (%d) %s, want (%d) %s", what, n, g, nw, w);
    } else {
        check(1, "%s", what);
    }
}

static void expect_sorted_unique(const char *what, const int64_t *v, int n) {
    int ok = 1;
    for (int i = 1; i < n; i++)
        ok &= v[i] > v[i - 1];
    check(ok, "%s: sorted and unique", what);
}

static int contains(const int64_t *v, int n, int64_t x) {
    for (int i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

/* L1d 48 KiB, L2 1.25 MiB, L3 30 MiB, 16 GiB of RAM, 6 PUs. */
static hx_topo known_topo(void) {
    hx_topo t;
    memset(&t, 0, sizeof t);
    t.packages = t.numa_nodes = 1;
    t.cores = t.pus = 6;
    t.ncaches = 3;
    t.caches[0] = (hx_cache){1, 'd', 48 * K, 64, 12, 1};
    t.caches[1] = (hx_cache){2, 'u', 1280 * K, 64, 10, 1};
    t.caches[2] = (hx_cache){3, 'u', 30 * M, 64, 12, 6};
    t.line_size = 64;
    t.page_size = 4096;
    t.mem_total = 16 * G;
    return t;
}

/* ---- threads ------------------------------------------------------------ */

static void test_threads(void) {
    hx_topo t = known_topo();
    int64_t v[HX_MAX_POINTS];
    int n;

    n = hx_points_threads(&t, false, v, HX_MAX_POINTS);
    expect_list("threads, 6 PUs", v, n, (int64_t[]){1, 2, 4, 6}, 4);
    n = hx_points_threads(&t, true, v, HX_MAX_POINTS);
    expect_list("threads quick, 6 PUs", v, n, (int64_t[]){1, 6}, 2);
    n = hx_points_threads_2x(&t, false, v, HX_MAX_POINTS);
    expect_list("threads 2x, 6 PUs", v, n, (int64_t[]){1, 2, 4, 6, 8, 12}, 6);
    n = hx_points_threads_2x(&t, true, v, HX_MAX_POINTS);
    expect_list("threads 2x quick, 6 PUs", v, n, (int64_t[]){1, 6, 12}, 3);

    t.pus = 8;
    n = hx_points_threads(&t, false, v, HX_MAX_POINTS);
    expect_list("threads, 8 PUs", v, n, (int64_t[]){1, 2, 4, 8}, 4);
    t.pus = 2;
    n = hx_points_threads(&t, false, v, HX_MAX_POINTS);
    expect_list("threads, 2 PUs", v, n, (int64_t[]){1, 2}, 2);
    n = hx_points_threads_2x(&t, true, v, HX_MAX_POINTS);
    expect_list("threads 2x quick, 2 PUs", v, n, (int64_t[]){1, 2, 4}, 3);
    t.pus = 1;
    n = hx_points_threads(&t, false, v, HX_MAX_POINTS);
    expect_list("threads, 1 PU", v, n, (int64_t[]){1}, 1);
    n = hx_points_threads(&t, true, v, HX_MAX_POINTS);
    expect_list("threads quick, 1 PU", v, n, (int64_t[]){1}, 1);
    n = hx_points_threads_2x(&t, false, v, HX_MAX_POINTS);
    expect_list("threads 2x, 1 PU", v, n, (int64_t[]){1, 2}, 2);

    /* Never over-subscribed, whatever the PU count. */
    for (int p = 1; p <= 300; p++) {
        t.pus = p;
        n = hx_points_threads(&t, false, v, HX_MAX_POINTS);
        int ok = n >= 1 && v[0] == 1 && v[n - 1] == p;
        for (int i = 0; i < n; i++)
            ok &= v[i] <= p;
        if (!ok)
            check(0, "threads with %d PUs end at %d, none above", p, p);
    }
    check(1, "threads with 1..300 PUs end at the PU count");

    t.pus = 1000;
    n = hx_points_threads(&t, false, v, 3);
    expect_list("threads, max 3 keeps the PU count", v, n,
                (int64_t[]){1, 2, 1000}, 3);
    check(hx_points_threads(&t, false, v, 0) == -EINVAL, "threads max 0");
}

/* ---- sizes -------------------------------------------------------------- */

static void test_sizes(void) {
    hx_topo t = known_topo();
    int64_t v[HX_MAX_POINTS];
    int n;

    /* cache points 24K 48K 96K, 640K 1280K 2560K, 15M 30M 60M; steps
     * 4K .. 64M (the last one <= 4 x 30M = 120M) */
    n = hx_points_sizes(&t, false, 4 * K, 4.0, 1 * G, v, HX_MAX_POINTS);
    const int64_t full[] = {
        4 * K,   8 * K,   16 * K,  24 * K,  32 * K, 48 * K,   64 * K, 96 * K,
        128 * K, 256 * K, 512 * K, 640 * K, 1 * M,  1280 * K, 2 * M,  2560 * K,
        4 * M,   8 * M,   15 * M,  16 * M,  30 * M, 32 * M,   60 * M, 64 * M};
    expect_list("sizes, full", v, n, full, HX_COUNT(full));
    expect_sorted_unique("sizes, full", v, n);

    /* quick: cap min(1G, 2 x 30M, 256M) = 60M, steps 4K 16K .. 16M */
    n = hx_points_sizes(&t, true, 4 * K, 4.0, 1 * G, v, HX_MAX_POINTS);
    const int64_t quick[] = {
        4 * K, 16 * K,   24 * K,   48 * K, 64 * K, 96 * K, 256 * K, 640 * K,
        1 * M, 1280 * K, 2560 * K, 4 * M,  15 * M, 16 * M, 30 * M,  60 * M};
    expect_list("sizes, quick", v, n, quick, HX_COUNT(quick));
    check(n <= (HX_COUNT(full) + 1) / 2 + 4, "quick roughly halves: %d of %d",
          n, HX_COUNT(full));

    /* quick with a huge LLC: the 256 MiB ceiling */
    hx_topo big = t;
    big.caches[2].size = 508 * M;
    n = hx_points_sizes(&big, true, 4 * K, 4.0, 0, v, HX_MAX_POINTS);
    check(n > 0 && v[n - 1] <= 256 * M && contains(v, n, 254 * M),
          "quick caps at 256 MiB and keeps 0.5 x L3 = 254 MiB");

    /* an explicit cap */
    n = hx_points_sizes(&t, false, 4 * K, 4.0, 2 * M, v, HX_MAX_POINTS);
    const int64_t capped[] = {4 * K,   8 * K,   16 * K, 24 * K,   32 * K,
                              48 * K,  64 * K,  96 * K, 128 * K,  256 * K,
                              512 * K, 640 * K, 1 * M,  1280 * K, 2 * M};
    expect_list("sizes, cap 2 MiB", v, n, capped, HX_COUNT(capped));

    /* a quarter of RAM: 64 MiB of RAM caps at 16 MiB */
    hx_topo small = t;
    small.mem_total = 64 * M;
    n = hx_points_sizes(&small, false, 4 * K, 4.0, 0, v, HX_MAX_POINTS);
    const int64_t ram[] = {4 * K,    8 * K,   16 * K, 24 * K,   32 * K,
                           48 * K,   64 * K,  96 * K, 128 * K,  256 * K,
                           512 * K,  640 * K, 1 * M,  1280 * K, 2 * M,
                           2560 * K, 4 * M,   8 * M,  15 * M,   16 * M};
    expect_list("sizes, RAM/4", v, n, ram, HX_COUNT(ram));

    /* lo is a floor for cache points too */
    n = hx_points_sizes(&t, false, 1 * M, 2.0, 0, v, HX_MAX_POINTS);
    const int64_t floor1m[] = {1 * M,  1280 * K, 2 * M,  2560 * K, 4 * M, 8 * M,
                               15 * M, 16 * M,   30 * M, 32 * M,   60 * M};
    expect_list("sizes from 1 MiB to 2 x LLC", v, n, floor1m,
                HX_COUNT(floor1m));

    /* thinning: 9 cache points and 15 steps into 12 entries */
    n = hx_points_sizes(&t, false, 4 * K, 4.0, 1 * G, v, 12);
    const int64_t thin[] = {4 * K,   24 * K,  48 * K,   96 * K,
                            512 * K, 640 * K, 1280 * K, 2560 * K,
                            15 * M,  30 * M,  60 * M,   64 * M};
    expect_list("sizes thinned to 12", v, n, thin, HX_COUNT(thin));
    for (int i = 0; i < t.ncaches; i++) {
        int64_t s = (int64_t)t.caches[i].size;
        check(contains(v, n, s / 2) && contains(v, n, s) &&
                  contains(v, n, 2 * s),
              "thinning keeps L%d's points", t.caches[i].level);
    }
    for (int max = 1; max <= 30; max++) {
        n = hx_points_sizes(&t, false, 4 * K, 4.0, 1 * G, v, max);
        int ok = n >= 1 && n <= max;
        for (int i = 1; ok && i < n; i++)
            ok = v[i] > v[i - 1];
        check(ok, "sizes with max %d: %d points, sorted, unique", max, n);
    }
    n = hx_points_sizes(&t, false, 4 * K, 4.0, 1 * G, v, 5);
    expect_list("cache points alone over max: the smallest", v, n,
                (int64_t[]){24 * K, 48 * K, 96 * K, 640 * K, 1280 * K}, 5);

    /* no caches known: steps up to the cap */
    hx_topo bare = t;
    bare.ncaches = 0;
    n = hx_points_sizes(&bare, false, 4 * K, 4.0, 1 * M, v, HX_MAX_POINTS);
    const int64_t steps[] = {4 * K,   8 * K,   16 * K,  32 * K, 64 * K,
                             128 * K, 256 * K, 512 * K, 1 * M};
    expect_list("sizes without caches", v, n, steps, HX_COUNT(steps));
    bare.mem_total = 0;
    n = hx_points_sizes(&bare, false, 1, 4.0, 0, v, HX_MAX_POINTS);
    check(n == 63 && v[0] == 1 && v[62] == INT64_C(1) << 62,
          "no cap, no RAM: 1 .. 2^62 (%d points)", n);
    n = hx_points_sizes(&bare, true, 1, 4.0, 0, v, HX_MAX_POINTS);
    check(n > 0 && v[n - 1] <= 256 * M, "quick without caches: <= 256 MiB");

    /* edges */
    check(hx_points_sizes(&t, false, 0, 4.0, 0, v, HX_MAX_POINTS) == -EINVAL,
          "lo 0 is -EINVAL");
    check(hx_points_sizes(&t, false, 4 * K, 4.0, 0, v, 0) == -EINVAL,
          "max 0 is -EINVAL");
    check(hx_points_sizes(&t, false, 4 * M, 4.0, 1 * M, v, HX_MAX_POINTS) == 0,
          "lo above the cap: no points");
}

/* ---- parser ------------------------------------------------------------- */

static void parse_ok(const char *spec, int64_t min, int64_t max,
                     const int64_t *want, int nw) {
    int64_t v[HX_MAX_POINTS];
    char err[256] = "";
    int n = hx_points_parse(spec, min, max, v, HX_MAX_POINTS, err, sizeof err);
    char what[300];
    snprintf(what, sizeof what, "parse '%s'%s%s", spec, *err ? ": " : "", err);
    expect_list(what, v, n, want, nw);
}

static void parse_bad(const char *spec, int64_t min, int64_t max, int maxn,
                      int want_rc, const char *token) {
    int64_t v[HX_MAX_POINTS];
    char err[256] = "";
    int n = hx_points_parse(spec, min, max, v, maxn, err, sizeof err);
    char range[80];
    snprintf(range, sizeof range, "[%" PRId64 ", %" PRId64 "]", min, max);
    check(n == want_rc, "parse '%s' = %d, want %d", spec ? spec : "(null)", n,
          want_rc);
    check(strstr(err, range) != NULL, "error for '%s' names %s: %s",
          spec ? spec : "(null)", range, err);
    if (token != NULL)
        check(strstr(err, token) != NULL, "error for '%s' names '%s': %s", spec,
              token, err);
}

static void test_parse(void) {
    parse_ok("8,64,128", 1, 1024, (int64_t[]){8, 64, 128}, 3);
    parse_ok("8..256", 1, 1024, (int64_t[]){8, 16, 32, 64, 128, 256}, 6);
    parse_ok("1..4:1", 1, 1024, (int64_t[]){1, 2, 3, 4}, 4);
    parse_ok("1..10:4", 1, 1024, (int64_t[]){1, 5, 9}, 3);
    parse_ok("1..6", 1, 1024, (int64_t[]){1, 2, 4, 6}, 4);
    parse_ok("5..5", 1, 1024, (int64_t[]){5}, 1);
    parse_ok("7", 1, 1024, (int64_t[]){7}, 1);
    parse_ok(" 16 , 8 ,8,  4..8 ", 1, 1024, (int64_t[]){4, 8, 16}, 3);
    parse_ok("-4..4:4", -10, 10, (int64_t[]){-4, 0, 4}, 3);
    parse_ok("4k,1M,2G", 1, 4 * G, (int64_t[]){4 * K, 1 * M, 2 * G}, 3);
    parse_ok("4K,3KiB,1m,1MiB,1g,1GiB", 1, 4 * G,
             (int64_t[]){3 * K, 4 * K, 1 * M, 1 * G}, 4);
    parse_ok("32KiB..4MiB", 1, 4 * G,
             (int64_t[]){32 * K, 64 * K, 128 * K, 256 * K, 512 * K, 1 * M,
                         2 * M, 4 * M},
             8);
    parse_ok("1k..4k:1k", 1, 1 * M, (int64_t[]){1 * K, 2 * K, 3 * K, 4 * K}, 4);
    {
        int64_t v[HX_MAX_POINTS];
        char err[128];
        int n = hx_points_parse("1..64:1", 1, 1024, v, HX_MAX_POINTS, err,
                                sizeof err);
        check(n == 64 && v[0] == 1 && v[63] == 64, "1..64:1 fills 64 slots");
    }

    parse_bad("", 1, 1024, HX_MAX_POINTS, -EINVAL, NULL);
    parse_bad("   ", 1, 1024, HX_MAX_POINTS, -EINVAL, NULL);
    parse_bad(NULL, 1, 1024, HX_MAX_POINTS, -EINVAL, NULL);
    parse_bad("8,,16", 1, 1024, HX_MAX_POINTS, -EINVAL, "8,,16");
    parse_bad("8,", 1, 1024, HX_MAX_POINTS, -EINVAL, "8,");
    parse_bad("8,x", 1, 1024, HX_MAX_POINTS, -EINVAL, "'x'");
    parse_bad("8k5", 1, 1 * M, HX_MAX_POINTS, -EINVAL, "'8k5'");
    parse_bad("1.5M", 1, 1 * G, HX_MAX_POINTS, -EINVAL, "'1.5M'");
    parse_bad("10Q", 1, 1024, HX_MAX_POINTS, -EINVAL, "'10Q'");
    parse_bad("10kb", 1, 1 * M, HX_MAX_POINTS, -EINVAL, "'10kb'");
    parse_bad("..4", 1, 1024, HX_MAX_POINTS, -EINVAL, "'..4'");
    parse_bad("1..", 1, 1024, HX_MAX_POINTS, -EINVAL, "'1..'");
    parse_bad("1..4:", 1, 1024, HX_MAX_POINTS, -EINVAL, "'1..4:'");
    parse_bad("1..2..3", 1, 1024, HX_MAX_POINTS, -EINVAL, "'1..2..3'");
    parse_bad("99999999999999999999", 1, 1024, HX_MAX_POINTS, -EINVAL,
              "'99999999999999999999'");
    parse_bad("9999999999G", 1, 1024, HX_MAX_POINTS, -EINVAL, "'9999999999G'");
    parse_bad("2048", 1, 1024, HX_MAX_POINTS, -EINVAL, "'2048'");
    parse_bad("8,0", 1, 1024, HX_MAX_POINTS, -EINVAL, "'0'");
    parse_bad("512..2048", 1, 1024, HX_MAX_POINTS, -EINVAL, "'512..2048'");
    parse_bad("2M", 1, 1024, HX_MAX_POINTS, -EINVAL, "'2M'");
    parse_bad("8..4", 1, 1024, HX_MAX_POINTS, -EINVAL, "'8..4'");
    parse_bad("0..8", 0, 1024, HX_MAX_POINTS, -EINVAL, "'0..8'");
    parse_bad("1..8:0", 1, 1024, HX_MAX_POINTS, -EINVAL, "'1..8:0'");
    parse_bad("1..8:-1", 1, 1024, HX_MAX_POINTS, -EINVAL, "'1..8:-1'");
    parse_bad("1..100:1", 1, 1024, HX_MAX_POINTS, -E2BIG, "'1..100:1'");
    parse_bad("1,2,3", 1, 1024, 2, -E2BIG, "'3'");
    parse_bad("8", 1, 1024, 0, -EINVAL, NULL);

    /* err may be NULL */
    int64_t v[4];
    check(hx_points_parse("x", 1, 2, v, 4, NULL, 0) == -EINVAL,
          "parse with no err buffer");
}

static void test_format(void) {
    static const struct {
        uint64_t v;
        const char *want;
    } cases[] = {
        {0, "0 B"},
        {100, "100 B"},
        {1023, "1023 B"},
        {1024, "1 KiB"},
        {1536, "1.5 KiB"},
        {48 * 1024, "48 KiB"},
        {1280 * 1024, "1.25 MiB"},
        {532676608, "508 MiB"},
        {(uint64_t)1 << 30, "1 GiB"},
        {(uint64_t)3 << 40, "3 TiB"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        hx_points_format_bytes(cases[i].v, buf, sizeof buf);
        check(strcmp(buf, cases[i].want) == 0, "format %llu: '%s', want '%s'",
              (unsigned long long)cases[i].v, buf, cases[i].want);
    }
}

int main(void) {
    test_threads();
    test_sizes();
    test_parse();
    test_format();
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
