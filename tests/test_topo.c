/*
 * test_topo.c - unit tests of harness/topo.c on whatever machine runs them.
 *
 * Nothing here knows the machine: the tests assert what must hold on any
 * one (pus >= cores >= 1, caches ascending by level with sizes > 0, the
 * placement order a permutation of the PUs this process may use, with one
 * PU per core first), and that pinning really moves the thread:
 * sched_getcpu() must return the OS index hx_topo_pin() gave, from the main
 * thread and from many threads pinning at once (which also exercises the
 * first, locked hx_topo_load). It then runs itself again bound to a single
 * PU, as `taskset -c N` would, to check that the process's binding is
 * respected.
 * Machine-name slugging is checked on CPU strings from real machines.
 *
 * Prints one line per failure and a closing "N passed, M failed"; exits
 * non-zero when anything failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "topo.h"

static int passed, failed;
static cpu_set_t startmask; /* this process's CPUs, read before pinning */

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

/* ---- pinning from many threads at once ---------------------------------- */

struct pinner {
    pthread_t tid;
    int index;
    int got;     /* hx_topo_pin's result */
    int cpu;     /* sched_getcpu() after it */
    int loaderr; /* hx_topo_load's result in this thread */
};

static pthread_barrier_t start;

static void *pin_thread(void *arg) {
    struct pinner *p = arg;
    hx_topo t;
    pthread_barrier_wait(&start);
    p->loaderr = hx_topo_load(&t);
    if (p->loaderr != 0)
        return NULL;
    p->got = hx_topo_pin(&t, p->index);
    /* Let the scheduler act on the new mask before asking where we are. */
    sched_yield();
    p->cpu = sched_getcpu();
    return NULL;
}

static void test_concurrent_pin(void) {
    enum { N = 8 };
    struct pinner p[N];
    pthread_barrier_init(&start, NULL, N);
    for (int i = 0; i < N; i++) {
        p[i] = (struct pinner){.index = i, .got = -1, .cpu = -1};
        pthread_create(&p[i].tid, NULL, pin_thread, &p[i]);
    }
    for (int i = 0; i < N; i++)
        pthread_join(p[i].tid, NULL);
    pthread_barrier_destroy(&start);

    hx_topo t;
    check(hx_topo_load(&t) == 0, "hx_topo_load after the threads");
    for (int i = 0; i < N; i++) {
        check(p[i].loaderr == 0, "thread %d: hx_topo_load = %d", i,
              p[i].loaderr);
        check(p[i].got == t.pu_order[i % t.pus],
              "thread %d pinned to %d, expected pu_order[%d] = %d", i, p[i].got,
              i % t.pus, t.pu_order[i % t.pus]);
        check(p[i].cpu == p[i].got, "thread %d runs on cpu %d, pinned to %d", i,
              p[i].cpu, p[i].got);
    }
}

/* ---- invariants --------------------------------------------------------- */

static int sysfs_int(int cpu, const char *what) {
    char path[256];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/%s",
             cpu, what);
    FILE *f = fopen(path, "r");
    int v = -1;
    if (f != NULL) {
        if (fscanf(f, "%d", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

static int is_pow2(uint64_t v) {
    return v != 0 && (v & (v - 1)) == 0;
}

static void test_invariants(const hx_topo *t) {
    check(t->cores >= 1, "cores = %d >= 1", t->cores);
    check(t->pus >= t->cores, "pus = %d >= cores = %d", t->pus, t->cores);
    check(t->pus <= 1024, "pus = %d fit pu_order", t->pus);
    check(t->smt == (t->pus > t->cores), "smt = %d iff pus > cores", t->smt);
    check(t->packages >= 1 && t->packages <= t->cores, "packages = %d",
          t->packages);
    check(t->numa_nodes >= 1, "numa_nodes = %d", t->numa_nodes);

    check(t->ncaches >= 0 && t->ncaches <= HX_MAX_CACHES, "ncaches = %d",
          t->ncaches);
    for (int i = 0; i < t->ncaches; i++) {
        const hx_cache *c = &t->caches[i];
        check(c->size > 0, "L%d size > 0", c->level);
        check(c->type == 'd' || c->type == 'u', "L%d type '%c'", c->level,
              c->type);
        check(c->line == 0 || is_pow2(c->line), "L%d line %u", c->level,
              c->line);
        check(c->assoc >= -1, "L%d assoc %d", c->level, c->assoc);
        check(c->shared_pus >= 1, "L%d shared_pus %d", c->level, c->shared_pus);
        if (i > 0)
            check(c->level > t->caches[i - 1].level,
                  "caches ascending: L%d after L%d", c->level,
                  t->caches[i - 1].level);
        check(hx_topo_cache(t, c->level) == c, "hx_topo_cache(L%d)", c->level);
    }
    check(hx_topo_cache(t, 9) == NULL, "no L9 cache");
    check(hx_topo_llc(t) ==
              (t->ncaches > 0 ? t->caches[t->ncaches - 1].size : 0),
          "hx_topo_llc is the last level's size");
    check(is_pow2(t->line_size) && t->line_size >= 16, "line_size %u",
          t->line_size);

    check(t->page_size == (uint64_t)sysconf(_SC_PAGESIZE), "page_size %llu",
          (unsigned long long)t->page_size);
    check(t->huge_page_size == 0 || (t->huge_page_size > t->page_size &&
                                     t->huge_page_size % t->page_size == 0),
          "huge_page_size %llu", (unsigned long long)t->huge_page_size);
    check(t->mem_total > 0, "mem_total > 0");

    check(t->cpu_vendor[0] != '\0', "cpu_vendor set");
    check(t->cpu_model[0] != '\0', "cpu_model set");

    /* pu_order: a permutation of the PUs this process may run on. */
    cpu_set_t mask = startmask;
    check(CPU_COUNT(&mask) == t->pus, "pus = %d, affinity has %d", t->pus,
          CPU_COUNT(&mask));
    cpu_set_t seen;
    CPU_ZERO(&seen);
    for (int i = 0; i < t->pus; i++) {
        int pu = t->pu_order[i];
        int ok = pu >= 0 && pu < CPU_SETSIZE;
        check(ok && CPU_ISSET(pu, &mask), "pu_order[%d] = %d is allowed", i,
              pu);
        check(ok && !CPU_ISSET(pu, &seen), "pu_order[%d] = %d is new", i, pu);
        if (ok)
            CPU_SET(pu, &seen);
    }

    /* The first `cores` entries sit on distinct cores (sysfs's view). */
    for (int i = 0; i < t->cores; i++) {
        int ci = sysfs_int(t->pu_order[i], "core_id");
        int pi = sysfs_int(t->pu_order[i], "physical_package_id");
        if (ci < 0 || pi < 0)
            break;
        for (int j = 0; j < i; j++)
            check(ci != sysfs_int(t->pu_order[j], "core_id") ||
                      pi != sysfs_int(t->pu_order[j], "physical_package_id"),
                  "pu_order[%d] and [%d] share a core", i, j);
    }

    hx_topo again;
    check(hx_topo_load(&again) == 0 && memcmp(&again, t, sizeof again) == 0,
          "hx_topo_load is idempotent");
}

static void test_pin_main(const hx_topo *t) {
    for (int i = 0; i <= t->pus; i++) { /* i == pus wraps to 0 */
        int pu = hx_topo_pin(t, i);
        check(pu == t->pu_order[i % t->pus], "pin(%d) = %d", i, pu);
        sched_yield();
        check(sched_getcpu() == pu, "pin(%d): running on cpu %d, not %d", i,
              sched_getcpu(), pu);
    }
    check(hx_topo_pin(t, -1) == -EINVAL, "pin(-1) is -EINVAL");
    hx_topo empty;
    memset(&empty, 0, sizeof empty);
    check(hx_topo_pin(&empty, 0) == -EINVAL, "pin with 0 PUs is -EINVAL");
}

/* ---- names -------------------------------------------------------------- */

static void name_case(const char *vendor, const char *model, int cores,
                      const char *want_slug, const char *want_name) {
    hx_topo t;
    memset(&t, 0, sizeof t);
    snprintf(t.cpu_vendor, sizeof t.cpu_vendor, "%s", vendor);
    snprintf(t.cpu_model, sizeof t.cpu_model, "%s", model);
    t.cores = t.pus = cores;
    char got[128];
    hx_topo_machine_name(&t, got, sizeof got);
    check(strcmp(got, want_slug) == 0, "machine name of '%s': '%s', want '%s'",
          model, got, want_slug);
    if (want_name != NULL) {
        hx_topo_cpu_name(&t, got, sizeof got);
        check(strcmp(got, want_name) == 0, "cpu name of '%s': '%s', want '%s'",
              model, got, want_name);
    }
}

static void test_names(const hx_topo *t) {
    name_case("AuthenticAMD", "AMD EPYC", 2, "amd-epyc-2c", "AMD EPYC");
    name_case("GenuineIntel", "Intel(R) Xeon(R) Platinum 8480+", 16,
              "intel-xeon-platinum-8480-16c", "Intel Xeon Platinum 8480+");
    name_case("GenuineIntel", "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz", 6,
              "intel-core-i7-8700k-6c", "Intel Core i7-8700K");
    name_case("GenuineIntel", "Intel(R) Xeon(R) CPU E5-2686 v4 @ 2.30GHz", 4,
              "intel-xeon-e5-2686-v4-4c", "Intel Xeon E5-2686 v4");
    name_case("AuthenticAMD", "AMD EPYC 7763 64-Core Processor", 64,
              "amd-epyc-7763-64c", "AMD EPYC 7763");
    name_case("AuthenticAMD", "AMD Ryzen 7 PRO 4750U with Radeon Graphics", 8,
              "amd-ryzen-7-pro-4750u-8c", "AMD Ryzen 7 PRO 4750U");
    name_case("AuthenticAMD", "Oxide Virtual Turin-like Processor         ", 2,
              "amd-oxide-virtual-turin-like-2c",
              "AMD Oxide Virtual Turin-like");
    name_case("GenuineIntel", "13th Gen Intel(R) Core(TM) i9-13900K", 24,
              "13th-gen-intel-core-i9-13900k-24c", NULL);
    name_case("unknown", "unknown", 1, "unknown-1c", "unknown");
    name_case("AuthenticAMD", "unknown", 4, "amd-4c", "AMD");
    name_case("GenuineIntel",
              "Intel(R) Xeon(R) Very Long Model Name That Goes On And On "
              "Forever 9999",
              8, "intel-xeon-very-long-model-name-that-8c", NULL);

    char name[128];
    hx_topo_machine_name(t, name, sizeof name);
    int ok = name[0] != '\0' && strlen(name) < 64;
    for (const char *p = name; *p != '\0'; p++)
        ok &= (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-';
    check(ok, "this machine's name '%s' is [a-z0-9-], short", name);
    char tail[32];
    snprintf(tail, sizeof tail, "-%dc", t->cores);
    size_t nl = strlen(name), tl = strlen(tail);
    check(nl > tl && strcmp(name + nl - tl, tail) == 0,
          "this machine's name '%s' ends in '%s'", name, tail);

    char small[8];
    hx_topo_machine_name(t, small, sizeof small);
    check(strlen(small) == sizeof small - 1, "machine name truncates");
}

static void describe(const hx_topo *t) {
    char name[128], cpu[128];
    hx_topo_machine_name(t, name, sizeof name);
    hx_topo_cpu_name(t, cpu, sizeof cpu);
    printf("machine %s: %s [%s] family %d model %d stepping %d\n", name, cpu,
           t->cpu_vendor, t->cpu_family, t->cpu_model_num, t->cpu_stepping);
    printf("  %d package(s), %d NUMA node(s), %d cores, %d PUs, smt %s\n",
           t->packages, t->numa_nodes, t->cores, t->pus, t->smt ? "yes" : "no");
    for (int i = 0; i < t->ncaches; i++) {
        const hx_cache *c = &t->caches[i];
        printf("  L%d%c %llu bytes, line %u, %d ways, %d PUs sharing\n",
               c->level, c->type, (unsigned long long)c->size, c->line,
               c->assoc, c->shared_pus);
    }
    printf("  pages %llu / huge %llu, mem_total %llu, order:",
           (unsigned long long)t->page_size,
           (unsigned long long)t->huge_page_size,
           (unsigned long long)t->mem_total);
    for (int i = 0; i < t->pus && i < 32; i++)
        printf(" %d", t->pu_order[i]);
    printf("\n");
}

/* Runs this program again bound to one PU (the last allowed one, so that
 * nothing can assume PU 0), as `taskset -c N` would: its topology must
 * shrink to that PU and its own checks must pass. */
static void test_restricted(const char *self) {
    cpu_set_t mask = startmask; /* main is pinned by now */
    if (CPU_COUNT(&mask) < 2)
        return;
    int last = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &mask))
            last = c;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        CPU_ZERO(&mask);
        CPU_SET(last, &mask);
        if (sched_setaffinity(0, sizeof mask, &mask) != 0)
            _exit(2);
        execl(self, self, "--restricted", (char *)NULL);
        _exit(3);
    }
    int status = 0;
    check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
              WEXITSTATUS(status) == 0,
          "bound to PU %d only, the checks pass (status %d)", last, status);
}

int main(int argc, char **argv) {
    bool restricted = argc > 1 && strcmp(argv[1], "--restricted") == 0;
    CPU_ZERO(&startmask);
    check(sched_getaffinity(0, sizeof startmask, &startmask) == 0,
          "sched_getaffinity");
    if (restricted)
        printf("-- again, bound to one PU --\n");
    test_concurrent_pin(); /* first: the threads race to load */
    hx_topo t;
    int r = hx_topo_load(&t);
    check(r == 0, "hx_topo_load = %d", r);
    if (r == 0) {
        describe(&t);
        test_invariants(&t);
        test_pin_main(&t);
        test_names(&t);
        if (restricted)
            check(t.pus == 1 && t.cores == 1, "one PU, one core");
    }
    if (!restricted)
        test_restricted("/proc/self/exe");
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
