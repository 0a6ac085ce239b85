/*
 * test_sim.c - unit tests for harness/counters_sim.c: the pieces of
 * `--counters sim` that need no valgrind (tests/sim.sh runs the real
 * thing on a walk whose misses are known by construction).
 *
 *  - the callgrind output parser, on a file written here in callgrind's
 *    format (events line, summary, totals with its trailing zeros left
 *    out), and its refusal of a file without the cache events;
 *  - hx_sim_fit: valgrind's power-of-two set count (a 12 MiB 16-way cache
 *    becomes 12-way, the capacity kept; a 48 KiB 12-way L1 is left alone;
 *    an odd line count is rounded down);
 *  - the staircase's measured last-level capacity from a data.csv written
 *    here: a synthetic curve with its memory step after 8 MiB, one with
 *    no memory step, and a file that is not a staircase's;
 *  - the geometry override (MECHLAB_SIM_CACHES) and its bad input;
 *  - which experiments can be simulated: the single-threaded memory
 *    experiments yes, the multithreaded ones (falseshare, counters) no,
 *    with the reason naming coherence.
 *
 * Output: one line per failed check, then "N passed, M failed"; the exit
 * status is non-zero when anything failed.
 */
#include "counters_sim.h"
#include "registry.h"
#include "run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static char tmpdir[256];

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) {
        printf("FAIL: cannot write %s\n", path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

static void test_parse(void) {
    char p[300], err[300];
    snprintf(p, sizeof p, "%s/cg.out", tmpdir);
    write_file(p, "# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\n"
                  "events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\n"
                  "fl=(1) x.c\nfn=(1) f\n0 5 1\n"
                  "summary: 0\n"
                  "totals: 800048 200015 8 1 200004 2\n");
    hx_sim_counts c;
    CHECK(hx_sim_parse_callgrind(p, &c, err, sizeof err) == 0);
    CHECK(c.ir == 800048 && c.dr == 200015 && c.dw == 8 && c.i1mr == 1);
    CHECK(c.d1mr == 200004 && c.d1mw == 2);
    CHECK(c.ilmr == 0 && c.dlmr == 0 && c.dlmw == 0); /* trailing zeros */

    write_file(p, "events: Ir\nsummary: 123\n");
    CHECK(hx_sim_parse_callgrind(p, &c, err, sizeof err) != 0);
    CHECK(strstr(err, "cache-sim") != NULL);

    write_file(p, "not a callgrind file\n");
    CHECK(hx_sim_parse_callgrind(p, &c, err, sizeof err) != 0);
    snprintf(p, sizeof p, "%s/absent.out", tmpdir);
    CHECK(hx_sim_parse_callgrind(p, &c, err, sizeof err) != 0);
}

static void test_fit(void) {
    hx_sim_cache c = {12u << 20, 16, 64, "t"};
    CHECK(hx_sim_fit(&c));
    CHECK(c.size == 12u << 20 && c.assoc == 12); /* 16384 sets */
    CHECK(strstr(c.source, "fitted") != NULL);

    hx_sim_cache l1 = {48u << 10, 12, 64, "t"};
    CHECK(!hx_sim_fit(&l1));
    CHECK(l1.size == 48u << 10 && l1.assoc == 12);

    /* 260 MiB 20-way: 4259840 lines = 65 x 2^16; 20-way fits no power
     * of two within reach... */
    hx_sim_cache big = {260u << 20, 20, 64, "t"};
    hx_sim_fit(&big);
    uint64_t sets = big.size / big.line / big.assoc;
    CHECK(sets > 0 && (sets & (sets - 1)) == 0);
    CHECK(big.size / big.line % big.assoc == 0);
    CHECK(big.size <= 260u << 20);

    /* a bad line becomes 64 */
    hx_sim_cache bad = {32768, 8, 48, "t"};
    hx_sim_fit(&bad);
    CHECK(bad.line == 64 && bad.size == 32768 && bad.assoc == 8);
}

/* A staircase data.csv: 'chase' at each size with latency ns(x). */
static void write_stair(const char *path, const double *x, const double *ns,
                        int n, const char *variant) {
    FILE *f = fopen(path, "w");
    fputs("experiment,variant,series,bytes,threads,oversubscribed,pus,rep,"
          "iterations,ns_per_op,ns_per_op_max,huge_frac,status\n",
          f);
    for (int i = 0; i < n; i++)
        for (int rep = 0; rep < 3; rep++)
            fprintf(f, "staircase,%s,%s,%.0f,1,0,0,%d,1000,%.3f,%.3f,1,ok\n",
                    variant, variant, x[i], rep, ns[i] * (1 + 0.01 * rep),
                    ns[i]);
    fprintf(f, "staircase,%s,%s,%.0f,1,0,,,,,,,\"skipped: no memory\"\n",
            variant, variant, x[n - 1] * 2);
    fclose(f);
}

static void test_staircase_llc(void) {
    char p[300], why[300];
    snprintf(p, sizeof p, "%s/data.csv", tmpdir);
    const double K = 1024, M = 1024 * 1024;
    const double x[] = {16 * K, 64 * K, 1 * M,  2 * M,  4 * M,
                        8 * M,  12 * M, 16 * M, 32 * M, 64 * M};
    const double ns[] = {1.2, 4, 4.2, 15, 16, 18, 60, 110, 140, 150};
    write_stair(p, x, ns, 10, "chase");
    /* above the 1 MiB L2: base 15, top 150, midpoint 47.4: 8 MiB */
    CHECK(hx_sim_staircase_llc(p, (uint64_t)(1 * M), why, sizeof why) ==
          (uint64_t)(8 * M));
    CHECK(strstr(why, "midpoint") != NULL);

    const double flat[] = {1.2, 4, 4.2, 15, 16, 18, 19, 20, 21, 22};
    write_stair(p, x, flat, 10, "chase");
    CHECK(hx_sim_staircase_llc(p, (uint64_t)(1 * M), why, sizeof why) == 0);
    CHECK(strstr(why, "no memory step") != NULL);

    write_stair(p, x, ns, 10, "rows"); /* no 'chase' rows */
    CHECK(hx_sim_staircase_llc(p, (uint64_t)(1 * M), why, sizeof why) == 0);

    write_file(p, "a,b,c\n1,2,3\n");
    CHECK(hx_sim_staircase_llc(p, 0, why, sizeof why) == 0);
    CHECK(strstr(why, "not a staircase") != NULL);
}

static void test_override(void) {
    hx_topo t;
    memset(&t, 0, sizeof t);
    hx_sim_geom g;
    char err[400];
    setenv(HX_SIM_ENV_CACHES,
           "I1=32768,8,64 D1=32768,8,64 LL=262144,8,64 L2=131072,8,64", 1);
    CHECK(hx_sim_geometry(&t, tmpdir, "m", &g, err, sizeof err) == 0);
    CHECK(g.d1.size == 32768 && g.d1.assoc == 8 && g.d1.line == 64);
    CHECK(g.ll.size == 262144 && g.have_l2 && g.l2.size == 131072);
    CHECK(strstr(g.ll.source, HX_SIM_ENV_CACHES) != NULL);

    setenv(HX_SIM_ENV_CACHES, "I1=32768,8,64 D1=32768,8", 1);
    CHECK(hx_sim_geometry(&t, tmpdir, "m", &g, err, sizeof err) != 0);
    CHECK(strstr(err, "D1=32768,8") != NULL);
    setenv(HX_SIM_ENV_CACHES, "D1=32768,8,64 LL=262144,8,64", 1);
    CHECK(hx_sim_geometry(&t, tmpdir, "m", &g, err, sizeof err) != 0);
    setenv(HX_SIM_ENV_CACHES, "I1=32768,8,60 D1=32768,8,64 LL=262144,8,64", 1);
    CHECK(hx_sim_geometry(&t, tmpdir, "m", &g, err, sizeof err) != 0);
    unsetenv(HX_SIM_ENV_CACHES);

    /* no override, a VM's implausible 508 MiB 2-way L3, no staircase
     * run: the default, and the source says why */
    t.ncaches = 3;
    t.caches[0] = (hx_cache){1, 'd', 48 << 10, 64, 12, 1};
    t.caches[1] = (hx_cache){2, 'u', 1 << 20, 64, 16, 1};
    t.caches[2] = (hx_cache){3, 'u', (uint64_t)508 << 20, 64, 2, 2};
    t.line_size = 64;
    CHECK(hx_sim_geometry(&t, tmpdir, "m", &g, err, sizeof err) == 0);
    CHECK(g.d1.size == 48 << 10 && g.d1.assoc == 12);
    CHECK(g.ll.size == 8u << 20 && strstr(g.ll.source, "default") != NULL);
    CHECK(strstr(g.ll.source, "not plausible") != NULL);
    CHECK(g.have_l2 && g.l2.size == 1 << 20);

    /* with a staircase run under out/m: its measured capacity */
    char d[400];
    snprintf(d, sizeof d, "mkdir -p %s/m/staircase/latest", tmpdir);
    CHECK(system(d) == 0);
    snprintf(d, sizeof d, "%s/m/staircase/latest/data.csv", tmpdir);
    const double K = 1024, M = 1024 * 1024;
    const double x[] = {16 * K, 64 * K, 1 * M,  2 * M,  4 * M,
                        8 * M,  12 * M, 16 * M, 32 * M, 64 * M};
    const double ns[] = {1.2, 4, 4.2, 15, 16, 18, 19, 110, 140, 150};
    write_stair(d, x, ns, 10, "chase");
    CHECK(hx_sim_geometry(&t, tmpdir, "m", &g, err, sizeof err) == 0);
    CHECK(g.ll.size == 12u << 20); /* fitted: 12-way, 16384 sets */
    CHECK(strstr(g.ll.source, "measured by the staircase") != NULL);

    /* a plausible reported L3 that agrees with the measurement: kept */
    t.caches[2] = (hx_cache){3, 'u', 16u << 20, 64, 16, 2};
    CHECK(hx_sim_geometry(&t, tmpdir, "m", &g, err, sizeof err) == 0);
    CHECK(g.ll.size == 16u << 20 && strstr(g.ll.source, "hwloc") != NULL);
}

static void test_supported(void) {
    const hx_experiment *e;
    const char *mem[] = {"staircase", "traversal", "tlb", "valueptr"};
    for (int i = 0; i < 4; i++)
        if ((e = hx_find_experiment(mem[i])) != NULL)
            CHECK(hx_sim_unsupported(e) == NULL);
        else
            CHECK(!"memory experiment not registered");
    const char *mt[] = {"falseshare", "counters"};
    for (int i = 0; i < 2; i++) {
        e = hx_find_experiment(mt[i]);
        CHECK(e != NULL);
        if (e) {
            const char *why = hx_sim_unsupported(e);
            CHECK(why != NULL && strstr(why, "coherence") != NULL);
        }
    }
    CHECK(hx_sim_mode("sim") && !hx_sim_mode("auto") && !hx_sim_mode(NULL));
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_sim-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        printf("FAIL: mkdtemp\n0 passed, 1 failed\n");
        return 1;
    }
    test_parse();
    test_fit();
    test_staircase_llc();
    test_override();
    test_supported();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        printf("note: could not remove %s\n", tmpdir);
    return hx_check_done();
}
