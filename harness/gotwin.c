/*
 * gotwin.c - Go beside ours: an experiment's variants measured again by
 * Go's own runtime, in the same run, as series of their own.
 *
 * Why. Our runtime copies Go's design, so its figures mean something only
 * beside Go's on the same machine, at the same moment: a channel handoff
 * of 40 ns is good or bad depending on what Go does here today. Running
 * `go test -bench` by hand afterwards measures at another time, under
 * another load. So a variant may name its Go twin (hx_variant.go): a
 * benchmark in scripts/gobench with the same workload, the same op and
 * the same parameters, and the harness runs it as one more series,
 * "go:<variant>", interleaved with ours, into data.csv, the summary, the
 * claims and the plot.
 *
 * Mechanism. A twin is a synthesised variant (r->twins) that Google
 * Benchmark schedules like any other, with manual time. Its function runs
 * the Go test binary for one repetition:
 *
 *     gobench.test -test.run '^$' -test.bench '^BenchmarkX$'
 *                  -test.benchtime <n>x -test.count 1
 *
 * with the point's parameters in the environment (MECHLAB_<PARAM>=value,
 * upper case, fixed-point parameters as decimals; MECHLAB_VARIANT is the
 * variant's name), parses the "ns/op" figure of Go's result line and
 * reports n x ns/op as the repetition's time. Process start and Go's own
 * calibration run (b.N = 1) are outside Go's timing and so outside ours.
 * Any other "value unit" pair on that line whose unit is a metric the
 * experiment declares becomes that metric (b.ReportMetric(v, "name")), so
 * Go can report what it can see (its own RSS per goroutine, say); our
 * runtime's source counters (rt:...) are not sampled for a twin, since
 * they would describe our runtime, not Go's.
 *
 * Affinity. The twin's function runs on the harness's thread 0, which
 * the runner pins to one PU for the repetition, and a child inherits its
 * parent thread's CPU mask: Go sizes GOMAXPROCS from that mask, so every
 * twin ran with GOMAXPROCS=1 and its goroutines took turns. The child
 * therefore gets back the mask the process started with (taken once,
 * before any pinning) before it execs Go, and Go sees the same CPUs our
 * runtime does. At more than one thread, only thread 0 starts the Go
 * process, which runs all the point's goroutines (twin_fn).
 *
 * The binary is built once per process with `go test -c -gcflags=-m` into
 * the build directory (beside the mechlab executable; the compiler's
 * escape analysis lands in gobench.log there) and rebuilt only when a file
 * of scripts/gobench is newer. The module has no dependencies and is
 * built offline (GOFLAGS=-mod=mod, GOPROXY=off); a build that fails is
 * said once, and its twins are skipped with the reason. Where `go` is not
 * installed (or MECHLAB_NO_GO is set, which the tests use) no twin is
 * added, the run says so once, and claims that name a go: series are left
 * out of the verdict rather than failed.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gotwin.h"
#include "plan.h"
#include "run.h"

#ifndef MECHLAB_SOURCE_DIR
#define MECHLAB_SOURCE_DIR "."
#endif

/* Process-wide: the binary serves every experiment of `run all`. */
static struct {
    bool tried; /* prepare ran */
    bool ok;    /* bin is usable */
    char bin[PATH_MAX];
    char why[256]; /* why not, for skips */
    bool said_missing;
    bool mask_ok;   /* mask holds the process's CPUs, before pinning */
    cpu_set_t mask; /* given back to each twin's process (see Affinity) */
} gt;

static bool go_installed(void) {
    const char *no = getenv("MECHLAB_NO_GO");
    if (no && *no && strcmp(no, "0") != 0)
        return false;
    const char *path = getenv("PATH");
    if (!path)
        return false;
    char dir[PATH_MAX];
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, ":");
        snprintf(dir, sizeof dir, "%.*s/go", (int)n, p);
        if (n && access(dir, X_OK) == 0)
            return true;
        p += n + (p[n] == ':');
    }
    return false;
}

bool hx_gotwin_series(const char *series) {
    return strncmp(series, "go:", 3) == 0;
}

int hx_variant_index(const hx_run *r, const hx_variant *v) {
    const hx_experiment *e = r->exp;
    if (v >= e->variants && v < e->variants + e->nvariants)
        return (int)(v - e->variants);
    if (v >= r->twins && v < r->twins + r->ntwins)
        return e->nvariants + (int)(v - r->twins);
    return 0;
}

/* ---- one repetition ---------------------------------------------------- */

#define GOTWIN_NOT_HERE "Go twin: not at this point"

bool hx_gotwin_left_out(const char *series, const char *skip) {
    return hx_gotwin_series(series) &&
           strncmp(skip, GOTWIN_NOT_HERE, strlen(GOTWIN_NOT_HERE)) == 0;
}

static void *twin_setup(hx_point *pt, size_t *bytes) {
    static char token;
    *bytes = 0;
    const hx_variant *o = &pt->run->exp->variants[pt->var->arg];
    if (o->go_at && !o->go_at(pt)) {
        hx_point_skip(pt, GOTWIN_NOT_HERE " (as '%s')", o->name);
        return NULL;
    }
    if (!gt.ok) {
        hx_point_skip(pt, "Go twin not run: %s",
                      gt.why[0] ? gt.why : "Go test binary not built");
        return NULL;
    }
    return &token;
}

/* Parses Go's result line for `name`; fills *ns and declared metrics. */
static int parse_line(hx_state *st, const char *line, double *ns) {
    const hx_experiment *e = hx_state_point(st)->run->exp;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", line);
    char *save = NULL;
    char *tok = strtok_r(buf, " \t\n", &save); /* BenchmarkX-2 */
    tok = strtok_r(NULL, " \t\n", &save);      /* N */
    if (!tok)
        return -EINVAL;
    *ns = NAN;
    for (;;) {
        char *val = strtok_r(NULL, " \t\n", &save);
        char *unit = strtok_r(NULL, " \t\n", &save);
        if (!val || !unit)
            break;
        double v = strtod(val, NULL);
        if (strcmp(unit, "ns/op") == 0) {
            *ns = v;
            continue;
        }
        for (int m = 0; m < e->nmetrics; m++)
            if (strcmp(e->metrics[m].name, unit) == 0)
                hx_metric(st, unit, v);
    }
    return isnan(*ns) ? -EINVAL : 0;
}

/* The child's environment: ours plus the point's parameters, built in
 * the parent (after fork, a multithreaded process may only exec). */
extern char **environ;
typedef struct twin_env {
    char *envp[512];
    char vars[HX_MAX_PARAMS + 1][160];
} twin_env;

static void make_env(const hx_point *pt, twin_env *te) {
    const hx_run *r = pt->run;
    const hx_experiment *e = r->exp;
    int n = 0, k = 0;
    for (int i = 0; i < e->nparams; i++) {
        char name[80];
        snprintf(name, sizeof name, "MECHLAB_%s", e->params[i].name);
        for (char *c = name; *c; c++)
            *c = (char)toupper((unsigned char)*c);
        int64_t v = hx_point_param(pt, e->params[i].name);
        if (e->params[i].scale > 1)
            snprintf(te->vars[k], sizeof te->vars[k], "%s=%.6g", name,
                     hx_param_real(&e->params[i], v));
        else
            snprintf(te->vars[k], sizeof te->vars[k], "%s=%lld", name,
                     (long long)v);
        k++;
    }
    snprintf(te->vars[k++], sizeof te->vars[0], "MECHLAB_VARIANT=%s",
             pt->var->name + 3);
    for (int i = 0; i < k; i++)
        te->envp[n++] = te->vars[i];
    for (char **ev = environ; *ev && n < 510; ev++)
        if (strncmp(*ev, "MECHLAB_", 8) != 0)
            te->envp[n++] = *ev;
    te->envp[n] = NULL;
}

/* The Go process runs all of the point's threads itself (MECHLAB_THREADS
 * goroutines), so only harness thread 0 starts it; the others pass their
 * batches at once and wait in Google Benchmark's stop barrier, idle, then
 * report thread 0's time. Two threads each starting a Go process ran two
 * processes of MECHLAB_THREADS goroutines on the point's CPUs: twice the
 * goroutines, and go:local at 2 threads measured twice its 1-thread time.
 * Thread 0 stores its time before its last hx_batch(), whose stop barrier
 * orders it before the others read it. One point runs at a time. */
static double twin_seconds;

static void twin_fn(hx_state *st) {
    const hx_point *pt = hx_state_point(st);
    if (hx_thread_index(st) != 0) {
        while (hx_batch(st) != 0) {
        }
        double secs;
        __atomic_load(&twin_seconds, &secs, __ATOMIC_ACQUIRE);
        hx_manual_time(st, secs);
        return;
    }
    double total_s = 0;
    __atomic_store(&twin_seconds, &total_s, __ATOMIC_RELEASE);
    for (uint64_t n; (n = hx_batch(st)) != 0;) {
        static twin_env te; /* one point runs at a time, on thread 0 */
        make_env(pt, &te);
        char bench[128], bt[64];
        snprintf(bench, sizeof bench, "-test.bench=^Benchmark%s$", pt->var->go);
        snprintf(bt, sizeof bt, "-test.benchtime=%llux", (unsigned long long)n);
        char *argv[] = {gt.bin, "-test.run=^$",  bench,
                        bt,     "-test.count=1", NULL};
        int fd[2];
        if (pipe(fd) != 0) {
            hx_fail(st, "Go twin: pipe failed");
            return;
        }
        pid_t pid = fork();
        if (pid < 0) {
            close(fd[0]);
            close(fd[1]);
            hx_fail(st, "Go twin: fork failed");
            return;
        }
        if (pid == 0) {
            dup2(fd[1], 1);
            dup2(fd[1], 2);
            close(fd[0]);
            close(fd[1]);
            if (gt.mask_ok) /* not this pinned thread's one PU */
                sched_setaffinity(0, sizeof gt.mask, &gt.mask);
            execve(gt.bin, argv, te.envp);
            _exit(127);
        }
        close(fd[1]);
        FILE *f = fdopen(fd[0], "r");
        char line[1024], last[1024] = "", want[128];
        snprintf(want, sizeof want, "Benchmark%s", pt->var->go);
        size_t wl = strlen(want);
        double ns = NAN;
        int procs = 0; /* Go names it BenchmarkX-<GOMAXPROCS>, or no suffix
                          for 1 */
        while (f && fgets(line, sizeof line, f)) {
            if (strncmp(line, want, wl) == 0 &&
                (line[wl] == '-' || isspace((unsigned char)line[wl])) &&
                strstr(line, "ns/op")) {
                parse_line(st, line, &ns);
                procs = line[wl] == '-' ? atoi(line + wl + 1) : 1;
            } else if (line[0] != '\n')
                snprintf(last, sizeof last, "%s", line);
        }
        if (f)
            fclose(f);
        else
            close(fd[0]);
        int ws;
        waitpid(pid, &ws, 0);
        if (isnan(ns)) {
            char why[300];
            last[strcspn(last, "\n")] = 0;
            snprintf(why, sizeof why, "Go twin Benchmark%s gave no ns/op: %s",
                     pt->var->go, last[0] ? last : "no output");
            hx_fail(st, why);
            return;
        }
        /* The check behind Affinity (above): Go saw every CPU we may
         * use, unless the user set GOMAXPROCS. */
        int cpus = gt.mask_ok ? CPU_COUNT(&gt.mask) : 0;
        if (cpus > 0 && procs != cpus && !getenv("GOMAXPROCS")) {
            char why[200];
            snprintf(why, sizeof why,
                     "Go twin Benchmark%s ran with GOMAXPROCS=%d, not the %d "
                     "CPUs this process may use",
                     pt->var->go, procs, cpus);
            hx_fail(st, why);
            return;
        }
        total_s += ns * (double)n * 1e-9;
        __atomic_store(&twin_seconds, &total_s, __ATOMIC_RELEASE);
    }
    hx_manual_time(st, total_s);
}

/* ---- planning and building ------------------------------------------------ */

void hx_gotwin_plan(hx_run *r) {
    const hx_experiment *e = r->exp;
    r->ntwins = 0;
    r->go_missing = false;
    bool any = false;
    for (int v = 0; v < e->nvariants; v++)
        any |= e->variants[v].go != NULL;
    if (!any)
        return;
    if (!go_installed()) {
        r->go_missing = true;
        return;
    }
    for (int v = 0; v < e->nvariants && r->ntwins < HX_MAX_VARIANTS; v++) {
        const hx_variant *o = &e->variants[v];
        if (!o->go)
            continue;
        int i = r->ntwins++;
        snprintf(r->twin_names[i], sizeof r->twin_names[i], "go:%s", o->name);
        hx_variant *t = &r->twins[i];
        memset(t, 0, sizeof *t);
        t->name = r->twin_names[i];
        t->help = "the same workload in Go (scripts/gobench)";
        t->fn = twin_fn;
        t->setup = twin_setup;
        t->uses = o->uses;
        t->manual_time = true;
        t->go = o->go;
        t->arg = v; /* the variant it twins (twin_setup) */
    }
}

static bool newer_than(const char *dir, time_t t) {
    DIR *d = opendir(dir);
    if (!d)
        return true;
    struct dirent *de;
    bool newer = false;
    while (!newer && (de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (!(n > 3 && strcmp(de->d_name + n - 3, ".go") == 0) &&
            strcmp(de->d_name, "go.mod") != 0)
            continue;
        char p[PATH_MAX];
        struct stat sb;
        snprintf(p, sizeof p, "%.3000s/%.255s", dir, de->d_name);
        if (stat(p, &sb) == 0 && sb.st_mtime >= t)
            newer = true;
    }
    closedir(d);
    return newer;
}

int hx_gotwin_prepare(hx_run *r) {
    /* Called on the main thread before the runner pins anything. */
    if (!gt.mask_ok)
        gt.mask_ok = sched_getaffinity(0, sizeof gt.mask, &gt.mask) == 0;
    if (r->go_missing && !gt.said_missing) {
        gt.said_missing = true;
        printf("go: not installed here (no `go` in PATH%s): the Go twins "
               "(go:...) are not run; install Go (Debian: golang-go) to "
               "measure Go beside ours\n",
               getenv("MECHLAB_NO_GO") ? ", or MECHLAB_NO_GO is set" : "");
    }
    if (r->ntwins == 0 || gt.tried)
        return gt.ok || r->ntwins == 0 ? 0 : -ENOENT;
    gt.tried = true;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        snprintf(gt.why, sizeof gt.why, "cannot find the build directory");
        return -ENOENT;
    }
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = 0;
    snprintf(gt.bin, sizeof gt.bin, "%.3000s/gobench.test", exe);
    char src[PATH_MAX], log[PATH_MAX];
    snprintf(src, sizeof src, "%.3000s/scripts/gobench", MECHLAB_SOURCE_DIR);
    snprintf(log, sizeof log, "%.3000s/gobench.log", exe);
    struct stat sb;
    struct stat lb; /* an empty log: built before -gcflags=-m */
    if (stat(gt.bin, &sb) == 0 && !newer_than(src, sb.st_mtime) &&
        stat(log, &lb) == 0 && lb.st_size > 0) {
        gt.ok = true;
        return 0;
    }
    printf("go: building the Go twins (go test -c in %s)\n", src);
    fflush(stdout);
    static char vars[3][PATH_MAX + 16];
    static char *envp[512];
    int ne = 0;
    snprintf(vars[0], sizeof vars[0], "GOFLAGS=-mod=mod");
    snprintf(vars[1], sizeof vars[1], "GOPROXY=off");
    envp[ne++] = vars[0];
    envp[ne++] = vars[1];
    if (!getenv("GOCACHE") && !getenv("HOME")) {
        snprintf(vars[2], sizeof vars[2], "GOCACHE=%.3000s/go-cache", exe);
        envp[ne++] = vars[2];
    }
    for (char **ev = environ; *ev && ne < 510; ev++)
        if (strncmp(*ev, "GOFLAGS=", 8) != 0 &&
            strncmp(*ev, "GOPROXY=", 8) != 0)
            envp[ne++] = *ev;
    envp[ne] = NULL;
    /* -gcflags=-m: the escape analysis of the twins goes to the log,
     * where valueptr's verdict reads it. */
    char *argv[] = {"go", "test", "-c", "-gcflags=-m", "-o", gt.bin, NULL};
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (chdir(src) != 0)
            _exit(126);
        execvpe("go", argv, envp);
        _exit(127);
    }
    int ws = 0;
    if (pid < 0 || waitpid(pid, &ws, 0) < 0 || !WIFEXITED(ws) ||
        WEXITSTATUS(ws) != 0) {
        snprintf(gt.why, sizeof gt.why,
                 "`go test -c` failed in scripts/gobench (see %.150s)", log);
        printf("go: %s; the Go twins are skipped\n", gt.why);
        return -EIO;
    }
    gt.ok = true;
    return 0;
}
