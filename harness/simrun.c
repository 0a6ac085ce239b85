/*
 * simrun.c - `--counters sim`: every point of a run, replayed under
 * valgrind's cache simulator, one process per point.
 *
 * The mechanism. After the timed run (so no valgrind process competes
 * with a timing), hx_sim_run() re-executes this very binary
 * (/proc/<pid>/exe) under
 *
 *     valgrind --tool=callgrind --cache-sim=yes --instr-atstart=no
 *              --collect-atstart=no --I1=.. --D1=.. --LL=..
 *              --callgrind-out-file=TMP/p<k>-<pass>.out
 *         mechlab __sim-point EXP VARIANT ITERS quick|full NAME=VALUE...
 *
 * once per point (twice where an L2 pass is made, see counters_sim.c),
 * up to SIM_JOBS processes at a time. The child plans the experiment with
 * every parameter fixed at the point's values, keeps only that variant's
 * family, and runs it through the ordinary Google Benchmark path with a
 * fixed iteration count and two repetitions: the variant's own setup and
 * timed function, nothing rewritten for the simulation. hx_batch() opens
 * and closes the measuring window (counters_sim.c): the first repetition
 * warms the simulated caches, the second is collected. The parent reads
 * the totals callgrind writes at exit and divides by the iterations:
 * simulated misses per op, for that point.
 *
 * The iteration count. Short and fixed per point: enough for the warm-up
 * repetition to touch the whole working set, or twice the simulated last
 * level when the working set is larger (an op reads at least 8 bytes, so
 * x/8 ops for a working set of x bytes; the x value itself when the x
 * axis counts something else, such as pages), at least SIM_MIN_OPS and at
 * most SIM_MAX_OPS. Walks whose cursor survives between repetitions (all
 * of the memory experiments') then measure the steady state. The L2 pass
 * caps the count at twice the L2.
 *
 * What cannot be simulated. Multithreaded experiments (falseshare,
 * counters) and runtime experiments: valgrind serialises threads and has
 * no coherence in its cache model. For them the columns are empty and
 * the summary and context.json say why, as for any unavailable counter.
 * A missing valgrind is the same: unavailable, with the command that
 * installs it.
 *
 * Reporting. hx_sim_summary() prints the simulated misses beside the timed
 * median of each point (and, outside sim mode, offers the simulation when
 * the hardware cache counters are unavailable); data.csv gets columns
 * prefixed sim_ (hx_sim_csv_*); context.json a "simulated_counters" object
 * with the geometry and where each number came from.
 */
#define _GNU_SOURCE
#include "counters_sim.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plan.h"
#include "run.h"
#include "runner.h"
#include "setup_cache.h"

#define SIM_MIN_OPS ((uint64_t)500000)  /* ops per window, at least */
#define SIM_MAX_OPS ((uint64_t)4000000) /* and at most (~1 s simulated) */
#define SIM_JOBS    4                   /* valgrind processes at a time */
#define SIM_TIMEOUT 600.0               /* s per process before a kill */

/* ---- small helpers -------------------------------------------------------- */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool have_cache_events(const hx_run *r, bool *available) {
    bool any = false;
    *available = false;
    for (size_t i = 0; i < r->nevents; i++) {
        const char *n = hx_counters_name(r->counters, i);
        if (strstr(n, "cache") || strstr(n, "LLC") || strstr(n, "TLB")) {
            any = true;
            *available |= hx_counters_available(r->counters, i);
        }
    }
    return any;
}

/* By address: each family's points array stays put while r->fams grows. */
static int point_index(const hx_run *r, const hx_point *pt) {
    int k = 0;
    for (int f = 0; f < r->nfams; f++) {
        const hx_family *fam = &r->fams[f];
        if (pt >= fam->points && pt < fam->points + fam->npoints)
            return k + (int)(pt - fam->points);
        k += fam->npoints;
    }
    return -1;
}

static hx_sim_point *sim_of(const hx_run *r, const hx_point *pt) {
    if (!r->sim || !r->sim->pts)
        return NULL;
    int k = point_index(r, pt);
    return k >= 0 && k < r->sim->npts ? &r->sim->pts[k] : NULL;
}

double hx_sim_value(const hx_run *r, const hx_point *pt, enum hx_sim_col c) {
    const hx_sim_point *s = sim_of(r, pt);
    return s ? s->v[c] : NAN;
}

/* `valgrind --version` into buf; false when valgrind cannot be run. */
static bool valgrind_version(char *buf, size_t len) {
    FILE *p = popen("valgrind --version 2>/dev/null", "r");
    buf[0] = 0;
    if (!p)
        return false;
    if (!fgets(buf, (int)len, p))
        buf[0] = 0;
    int st = pclose(p);
    buf[strcspn(buf, "\r\n")] = 0;
    return st == 0 && strncmp(buf, "valgrind", 8) == 0;
}

static uint64_t ops_for(const hx_run *r, const hx_point *pt, uint64_t last) {
    const hx_param *xp = &r->exp->params[r->xparam];
    double x = (double)pt->val[r->xparam];
    double ops = (xp->flags & HX_PARAM_BYTES) ? x / 8 : x;
    ops = fmin(ops, 2.0 * (double)last / 8);
    ops = fmin(fmax(ops, (double)SIM_MIN_OPS), (double)SIM_MAX_OPS);
    return (uint64_t)ops;
}

/* ---- one valgrind process ------------------------------------------------ */

struct job {
    int point; /* index into sim->pts */
    bool l2;   /* the L2 pass */
    uint64_t iters;
    pid_t pid;
    double start;
    char out[600], log[600];
    char *argv[64];
    char argbuf[4096];
};

static void add_arg(struct job *j, int *n, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add_arg(struct job *j, int *n, size_t *used, const char *fmt, ...) {
    if (*n >= 62 || *used >= sizeof j->argbuf)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(j->argbuf + *used, sizeof j->argbuf - *used, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= sizeof j->argbuf - *used)
        return;
    j->argv[(*n)++] = j->argbuf + *used;
    j->argv[*n] = NULL;
    *used += (size_t)w + 1;
}

static void cache_arg(struct job *j, int *n, size_t *used, const char *flag,
                      const hx_sim_cache *c) {
    add_arg(j, n, used, "--%s=%llu,%u,%u", flag, (unsigned long long)c->size,
            c->assoc, c->line);
}

static int job_start(const hx_run *r, struct job *j, const hx_point *pt,
                     const char *exe, const char *dir) {
    const hx_sim_geom *g = &r->sim->geom;
    int n = 0;
    size_t used = 0;
    snprintf(j->out, sizeof j->out, "%s/p%d-%s.out", dir, j->point,
             j->l2 ? "l2" : "ll");
    snprintf(j->log, sizeof j->log, "%s/p%d-%s.log", dir, j->point,
             j->l2 ? "l2" : "ll");
    add_arg(j, &n, &used, "valgrind");
    add_arg(j, &n, &used, "--tool=callgrind");
    add_arg(j, &n, &used, "--cache-sim=yes");
    add_arg(j, &n, &used, "--instr-atstart=no");
    add_arg(j, &n, &used, "--collect-atstart=no");
    add_arg(j, &n, &used, "--dump-line=no");
    cache_arg(j, &n, &used, "I1", &g->i1);
    cache_arg(j, &n, &used, "D1", &g->d1);
    cache_arg(j, &n, &used, "LL", j->l2 ? &g->l2 : &g->ll);
    add_arg(j, &n, &used, "--callgrind-out-file=%s", j->out);
    add_arg(j, &n, &used, "%s", exe);
    add_arg(j, &n, &used, "%s", HX_SIM_CHILD_CMD);
    add_arg(j, &n, &used, "%s", r->exp->name);
    add_arg(j, &n, &used, "%s", pt->var->name);
    add_arg(j, &n, &used, "%llu", (unsigned long long)j->iters);
    add_arg(j, &n, &used, "%s", r->opts->quick ? "quick" : "full");
    for (int i = 0; i < r->exp->nparams; i++)
        add_arg(j, &n, &used, "%s=%lld", r->exp->params[i].name,
                (long long)pt->val[i]);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        int fd = open(j->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execvp("valgrind", j->argv);
        fprintf(stderr, "cannot run valgrind: %s\n", strerror(errno));
        _exit(127);
    }
    j->pid = pid;
    j->start = now_s();
    return 0;
}

/* The last non-empty line of the child's log that is not valgrind's own
 * chatter ("==pid=="), for a failure's reason. */
static void last_line(const char *path, char *buf, size_t len) {
    FILE *f = fopen(path, "r");
    snprintf(buf, len, "no output");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (line[0] && strncmp(line, "==", 2) != 0)
            snprintf(buf, len, "%.200s", line);
    }
    fclose(f);
}

/* The ops of the collected repetition, from the child's "ok:" line; 0
 * when it is missing. */
static uint64_t child_iters(const char *path) {
    FILE *f = fopen(path, "r");
    unsigned long long n = 0;
    if (!f)
        return 0;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "ok: iterations=%llu", &n) == 1)
            break;
    fclose(f);
    return n;
}

static void job_finish(hx_run *r, struct job *j, int status, bool killed) {
    hx_sim_point *sp = &r->sim->pts[j->point];
    char why[400] = "";
    if (killed) {
        snprintf(why, sizeof why, "valgrind ran over %.0f s and was killed",
                 SIM_TIMEOUT);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == HX_EXIT_SKIP) {
        char l[220];
        last_line(j->log, l, sizeof l);
        snprintf(why, sizeof why, "%s", l);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char l[220];
        last_line(j->log, l, sizeof l);
        snprintf(why, sizeof why, "valgrind child %s %d: %s",
                 WIFEXITED(status) ? "exited with" : "killed by signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), l);
    } else {
        hx_sim_counts c;
        char err[300];
        uint64_t done = child_iters(j->log);
        if (hx_sim_parse_callgrind(j->out, &c, err, sizeof err) != 0) {
            snprintf(why, sizeof why, "%s", err);
        } else if (done == 0) {
            snprintf(why, sizeof why,
                     "the child reported no iteration count (%s)", j->log);
        } else if (c.ir == 0) {
            snprintf(why, sizeof why,
                     "callgrind collected nothing (the window never opened)");
        } else {
            double it = (double)done;
            if (j->l2) {
                sp->v[HX_SIM_L2] = (double)(c.dlmr + c.dlmw) / it;
            } else {
                sp->v[HX_SIM_D1] = (double)(c.d1mr + c.d1mw) / it;
                sp->v[HX_SIM_LL] = (double)(c.dlmr + c.dlmw) / it;
                sp->v[HX_SIM_I1] = (double)c.i1mr / it;
                sp->iters = done;
            }
        }
    }
    if (why[0] && !sp->why[0])
        snprintf(sp->why, sizeof sp->why, "%s%s", j->l2 ? "L2 pass: " : "",
                 why);
    unlink(j->out);
    unlink(j->log);
}

/* ---- the parent ---------------------------------------------------------- */

static int rm_dir(const char *dir) {
    return rmdir(dir);
}

int hx_sim_run(hx_run *r) {
    struct hx_sim *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    r->sim = s;
    s->npts = r->total_points;
    s->pts = calloc((size_t)(s->npts > 0 ? s->npts : 1), sizeof *s->pts);
    if (!s->pts) {
        snprintf(s->unsupported, sizeof s->unsupported, "out of memory");
        return -ENOMEM;
    }
    for (int k = 0; k < s->npts; k++)
        for (int c = 0; c < HX_SIM_NCOLS; c++)
            s->pts[k].v[c] = NAN;
    const char *no = hx_sim_unsupported(r->exp);
    if (no) {
        snprintf(s->unsupported, sizeof s->unsupported, "%s: %s", r->exp->name,
                 no);
        return 0;
    }
    if (!valgrind_version(s->valgrind, sizeof s->valgrind)) {
        snprintf(s->unsupported, sizeof s->unsupported,
                 "valgrind is not installed (scripts/setup-deps.sh installs "
                 "it; or: sudo apt-get install valgrind)");
        return 0;
    }
    char err[512] = "";
    if (hx_sim_geometry(&r->topo, r->opts->out, r->mdir, &s->geom, err,
                        sizeof err) != 0) {
        snprintf(s->unsupported, sizeof s->unsupported, "%s", err);
        return 0;
    }
    /* This very binary, through our /proc entry: it stays the same file
     * even when a rebuild replaces build/mechlab during the run. */
    char exe[64];
    snprintf(exe, sizeof exe, "/proc/%ld/exe", (long)getpid());
    if (access(exe, X_OK) != 0) {
        snprintf(s->unsupported, sizeof s->unsupported,
                 "cannot find this program (%s): %s", exe, strerror(errno));
        return 0;
    }
    const char *td = getenv("TMPDIR");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/mechlab-sim-XXXXXX", td && *td ? td : "/tmp");
    if (!mkdtemp(dir)) {
        snprintf(s->unsupported, sizeof s->unsupported, "mkdtemp %s: %s", dir,
                 strerror(errno));
        return 0;
    }

    /* the jobs: every point that ran, one or two passes */
    int passes = s->geom.have_l2 ? 2 : 1;
    struct job *jobs =
        calloc((size_t)s->npts * (size_t)passes + 1, sizeof *jobs);
    const hx_point **pts = calloc((size_t)s->npts + 1, sizeof *pts);
    if (!jobs || !pts) {
        free(jobs);
        free(pts);
        rmdir(dir);
        snprintf(s->unsupported, sizeof s->unsupported, "out of memory");
        return -ENOMEM;
    }
    int nj = 0, k = 0;
    for (int f = 0; f < r->nfams; f++)
        for (int i = 0; i < r->fams[f].npoints; i++, k++) {
            const hx_point *pt = &r->fams[f].points[i];
            pts[k] = pt;
            if (pt->skip[0]) {
                snprintf(s->pts[k].why, sizeof s->pts[k].why, "skipped: %s",
                         pt->skip);
                continue;
            }
            for (int p = 0; p < passes; p++) {
                struct job *j = &jobs[nj++];
                j->point = k;
                j->l2 = p == 1;
                j->iters =
                    ops_for(r, pt, j->l2 ? s->geom.l2.size : s->geom.ll.size);
            }
        }
    int par = r->topo.pus < SIM_JOBS ? r->topo.pus : SIM_JOBS;
    if (par < 1)
        par = 1;
    fprintf(stderr,
            "simulating %d points under valgrind's cache model (%d "
            "process%s each, %d at a time)...\n",
            nj / passes, passes, passes > 1 ? "es" : "", par);
    double t0 = now_s();
    int next = 0, running = 0, done = 0;
    while (done < nj) {
        while (running < par && next < nj) {
            struct job *j = &jobs[next++];
            if (job_start(r, j, pts[j->point], exe, dir) != 0) {
                snprintf(s->pts[j->point].why, sizeof s->pts[j->point].why,
                         "cannot start valgrind: %s", strerror(errno));
                done++;
                continue;
            }
            running++;
        }
        bool reaped = false;
        for (int i = 0; i < next; i++) {
            struct job *j = &jobs[i];
            if (j->pid <= 0)
                continue;
            int st = 0;
            pid_t w = waitpid(j->pid, &st, WNOHANG);
            bool killed = false;
            if (w == 0 && now_s() - j->start > SIM_TIMEOUT) {
                kill(j->pid, SIGKILL);
                waitpid(j->pid, &st, 0);
                killed = true;
                w = j->pid;
            }
            if (w != j->pid)
                continue;
            j->pid = 0;
            job_finish(r, j, st, killed);
            running--;
            done++;
            reaped = true;
            if (r->opts->progress) {
                char series[200];
                hx_series_name(r, pts[j->point], series, sizeof series);
                fprintf(stderr, "\r\033[K[sim %d/%d] %s %s", done, nj,
                        r->exp->name, series);
                fflush(stderr);
            }
        }
        if (!reaped && running > 0) {
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    if (r->opts->progress)
        fprintf(stderr, "\r\033[K");
    s->seconds = now_s() - t0;
    for (int i = 0; i < s->npts; i++)
        s->nfailed += isnan(s->pts[i].v[HX_SIM_D1]);
    free(jobs);
    free(pts);
    rm_dir(dir);
    return 0;
}

void hx_sim_free(struct hx_sim *s) {
    if (!s || s->child)
        return;
    free(s->pts);
    free(s);
}

/* ---- the child ------------------------------------------------------------- */

int hx_sim_child_main(const hx_experiment *e, int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr,
                "usage: mechlab %s EXP VARIANT ITERS quick|full "
                "NAME=VALUE... (internal: run by --counters sim under "
                "valgrind)\n",
                HX_SIM_CHILD_CMD);
        return HX_EXIT_USAGE;
    }
    char *end;
    unsigned long long iters = strtoull(argv[4], &end, 10);
    if (!e || *end || iters == 0 || argc - 6 > HX_MAX_SETS) {
        fprintf(stderr, "%s: bad arguments\n", HX_SIM_CHILD_CMD);
        return HX_EXIT_USAGE;
    }
    hx_opts o;
    memset(&o, 0, sizeof o);
    o.command = "run";
    o.exp = e->name;
    o.counters = "none";
    o.out = "/nonexistent";
    o.reps = 2; /* warm-up, then the collected one */
    o.quick = strcmp(argv[5], "quick") == 0;
    o.min_time = 0.001;
    for (int i = 6; i < argc; i++)
        o.sets[o.nsets++] = argv[i];
    hx_run r;
    char err[1024] = "";
    if (hx_plan(&r, e, &o, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", HX_SIM_CHILD_CMD, err);
        hx_plan_free(&r);
        return HX_EXIT_USAGE;
    }
    int keep = -1;
    for (int f = 0; f < r.nfams && keep < 0; f++)
        if (strcmp(r.fams[f].var->name, argv[3]) == 0)
            keep = f;
    if (keep < 0) {
        fprintf(stderr, "%s: %s has no variant '%s'\n", HX_SIM_CHILD_CMD,
                e->name, argv[3]);
        hx_plan_free(&r);
        return HX_EXIT_USAGE;
    }
    for (int f = 0; f < r.nfams; f++)
        if (f != keep)
            free(r.fams[f].points);
    if (keep != 0)
        r.fams[0] = r.fams[keep];
    r.fams[0].index = 0;
    r.nfams = 1;
    r.total_points = r.fams[0].npoints;
    r.total_runs = r.total_points * r.reps;
    struct hx_sim s;
    memset(&s, 0, sizeof s);
    s.child = true;
    r.sim = &s;
    r.fixed_iters = iters;
    int rc = hx_runner_run(&r, "/dev/null");
    hx_point_release_all(&r);
    hx_point *pt = &r.fams[0].points[0];
    int ok = 0, failed = 0;
    for (int i = 0; i < pt->nsamples; i++) {
        if (pt->samples[i].failed)
            failed++;
        else
            ok++;
    }
    int status = 0;
    if (pt->skip[0]) {
        printf("skipped: %s\n", pt->skip);
        status = HX_EXIT_SKIP;
    } else if (rc != 0 || failed || ok != 2 || s.windows != 2) {
        printf("the point did not run cleanly: %s (%d ok, %d failed "
               "repetitions, %d windows)\n",
               pt->error[0] ? pt->error : "no error given", ok, failed,
               s.windows);
        status = HX_EXIT_FAIL;
    } else { /* the quota may run past the count asked for (passes) */
        uint64_t done = 0;
        for (int i = 0; i < pt->nsamples; i++)
            if (pt->samples[i].rep == 1)
                done = pt->samples[i].iterations;
        printf("ok: iterations=%llu\n", (unsigned long long)done);
    }
    r.sim = NULL;
    hx_plan_free(&r);
    return status;
}

/* ---- reporters ----------------------------------------------------------- */

void hx_sim_describe(const hx_experiment *e, FILE *out) {
    const char *no = hx_sim_unsupported(e);
    fprintf(out, "\nSimulated cache counters (--counters sim: valgrind's "
                 "cache model, not the hardware)\n");
    if (no) {
        fprintf(out, "  unavailable: %s\n", no);
        return;
    }
    fprintf(out, "  columns:");
    for (int c = 0; c < HX_SIM_NCOLS; c++)
        fprintf(out, " %s", hx_sim_col_names[c]);
    fprintf(out, " (l2: machines with three levels)\n");
    const char *s = e->sim ? e->sim : "no expectation declared";
    while (*s) { /* wrapped at 76 columns, indented */
        int n = (int)strlen(s), cut = n;
        if (n > 76)
            for (cut = 76; cut > 0 && s[cut] != ' '; cut--)
                ;
        if (cut == 0)
            cut = n > 76 ? 76 : n;
        const char *nl = memchr(s, '\n', (size_t)cut);
        if (nl)
            cut = (int)(nl - s);
        fprintf(out, "  %.*s\n", cut, s);
        s += cut;
        while (*s == ' ' || *s == '\n')
            s++;
    }
}

static double timed_median(const hx_point *pt) {
    double v[1024];
    int n = 0;
    for (int i = 0; i < pt->nsamples && n < 1024; i++)
        if (!pt->samples[i].failed && !isnan(pt->samples[i].ns_per_op))
            v[n++] = pt->samples[i].ns_per_op;
    if (!n)
        return NAN;
    for (int i = 1; i < n; i++) /* insertion sort: a few repetitions */
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void fmt_cache(const hx_sim_cache *c, char *buf, size_t len) {
    if (c->size >= ((uint64_t)1 << 20))
        snprintf(buf, len, "%.3g MiB %u-way", (double)c->size / 1048576.0,
                 c->assoc);
    else
        snprintf(buf, len, "%.3g KiB %u-way", (double)c->size / 1024.0,
                 c->assoc);
}

static void cell(FILE *f, double v) {
    if (isnan(v))
        fprintf(f, " %9s", "n/a");
    else
        fprintf(f, " %9.3f", v);
}

void hx_sim_summary(const hx_run *r, FILE *f) {
    const struct hx_sim *s = r->sim;
    if (!s) { /* not asked for: offer it where it would help */
        bool avail;
        if (!have_cache_events(r, &avail) || avail)
            return;
        const char *no = hx_sim_unsupported(r->exp);
        if (no)
            fprintf(f,
                    "\nhardware cache counters are unavailable here, and "
                    "simulated ones (--counters sim) cannot stand in: %s\n",
                    no);
        else
            fprintf(f,
                    "\nhardware cache counters are unavailable here; "
                    "simulated ones are not: rerun with --counters sim "
                    "(make run EXP=%s COUNTERS=sim) to replay each point "
                    "under valgrind's cache simulator (%d points, one "
                    "valgrind process each)\n",
                    r->exp->name, r->total_points);
        return;
    }
    fprintf(f,
            "\nsimulated cache misses per %s (valgrind callgrind cache "
            "model, NOT hardware counts: LRU, no prefetcher, no TLB)\n",
            r->exp->op ? r->exp->op : "op");
    if (s->unsupported[0]) {
        fprintf(f, "  unavailable: %s\n", s->unsupported);
        return;
    }
    char i1[48], d1[48], l2[48], ll[48];
    fmt_cache(&s->geom.i1, i1, sizeof i1);
    fmt_cache(&s->geom.d1, d1, sizeof d1);
    fmt_cache(&s->geom.ll, ll, sizeof ll);
    fmt_cache(&s->geom.l2, l2, sizeof l2);
    fprintf(f, "  geometry: I1 %s, D1 %s, LL %s", i1, d1, ll);
    if (s->geom.have_l2)
        fprintf(f, " (and a pass with L2 %s as the last level)", l2);
    fprintf(f, "\n  LL source: %s\n", s->geom.ll.source);
    const hx_param *xp = &r->exp->params[r->xparam];
    fprintf(f, "  %-26s %10s %9s %9s", "series", xp->name, "timed ns",
            "sim D1");
    if (s->geom.have_l2)
        fprintf(f, " %9s", "sim L2");
    fprintf(f, " %9s %9s\n", "sim LL", "sim I1");
    for (int fi = 0; fi < r->nfams; fi++)
        for (int pi = 0; pi < r->fams[fi].npoints; pi++) {
            const hx_point *pt = &r->fams[fi].points[pi];
            const hx_sim_point *sp = sim_of(r, pt);
            if (!sp || pt->skip[0])
                continue;
            char series[200], x[32];
            hx_series_name(r, pt, series, sizeof series);
            hx_format_value(xp, pt->val[r->xparam], x, sizeof x);
            fprintf(f, "  %-26s %10s", series, x);
            cell(f, timed_median(pt));
            cell(f, sp->v[HX_SIM_D1]);
            if (s->geom.have_l2)
                cell(f, sp->v[HX_SIM_L2]);
            cell(f, sp->v[HX_SIM_LL]);
            cell(f, sp->v[HX_SIM_I1]);
            fprintf(f, "\n");
        }
    int shown = 0;
    for (int k = 0; k < s->npts; k++)
        if (s->pts[k].why[0] && strncmp(s->pts[k].why, "skipped", 7) != 0 &&
            shown++ < 3)
            fprintf(f, "  not simulated: %s\n", s->pts[k].why);
    fprintf(f,
            "  %d points simulated in %.1f s (%s); misses per op over one "
            "collected repetition after a warm-up one\n",
            s->npts - s->nfailed, s->seconds, s->valgrind);
}

void hx_sim_csv_header(const hx_run *r, FILE *f) {
    if (!r->sim)
        return;
    for (int c = 0; c < HX_SIM_NCOLS; c++)
        if (c != HX_SIM_L2 || r->sim->geom.have_l2)
            fprintf(f, ",%s", hx_sim_col_names[c]);
}

void hx_sim_csv_cells(const hx_run *r, const hx_point *pt, FILE *f) {
    if (!r->sim)
        return;
    for (int c = 0; c < HX_SIM_NCOLS; c++) {
        if (c == HX_SIM_L2 && !r->sim->geom.have_l2)
            continue;
        double v = hx_sim_value(r, pt, (enum hx_sim_col)c);
        fputc(',', f);
        if (!isnan(v))
            fprintf(f, "%.6g", v);
    }
}

static json_t *cache_json(const hx_sim_cache *c) {
    json_t *o = json_object();
    json_object_set_new(o, "size", json_integer((json_int_t)c->size));
    json_object_set_new(o, "assoc", json_integer(c->assoc));
    json_object_set_new(o, "line", json_integer(c->line));
    json_object_set_new(o, "source", json_string(c->source));
    return o;
}

json_t *hx_sim_context(const hx_run *r) {
    const struct hx_sim *s = r->sim;
    if (!s)
        return NULL;
    json_t *o = json_object();
    json_object_set_new(o, "simulated", json_true());
    json_object_set_new(o, "tool",
                        json_string("valgrind --tool=callgrind "
                                    "--cache-sim=yes"));
    json_object_set_new(o, "valgrind", json_string(s->valgrind));
    json_object_set_new(o, "available", json_boolean(!s->unsupported[0]));
    if (s->unsupported[0]) {
        json_object_set_new(o, "reason", json_string(s->unsupported));
        return o;
    }
    json_t *g = json_object();
    json_object_set_new(g, "I1", cache_json(&s->geom.i1));
    json_object_set_new(g, "D1", cache_json(&s->geom.d1));
    json_object_set_new(g, "LL", cache_json(&s->geom.ll));
    if (s->geom.have_l2)
        json_object_set_new(g, "L2", cache_json(&s->geom.l2));
    json_object_set_new(o, "caches", g);
    json_t *cols = json_array();
    for (int c = 0; c < HX_SIM_NCOLS; c++)
        if (c != HX_SIM_L2 || s->geom.have_l2)
            json_array_append_new(cols, json_string(hx_sim_col_names[c]));
    json_object_set_new(o, "columns", cols);
    char rule[300];
    snprintf(rule, sizeof rule,
             "per point: a warm-up repetition, then one collected "
             "repetition of N ops; N = x/8 for a working set of x bytes "
             "(x for a count), at most 2x the simulated last level / 8, "
             "clamped to %llu..%llu",
             (unsigned long long)SIM_MIN_OPS, (unsigned long long)SIM_MAX_OPS);
    json_object_set_new(o, "iterations", json_string(rule));
    json_object_set_new(o, "points_simulated",
                        json_integer(s->npts - s->nfailed));
    json_object_set_new(o, "points_not_simulated", json_integer(s->nfailed));
    json_object_set_new(o, "seconds", json_real(s->seconds));
    return o;
}

/* ---- the plot's second axis ---------------------------------------------- */

/* The simulated lines drawn: per series with at least two simulated points
 * (duplicates of an earlier series dropped: 'chase-4k' simulates exactly
 * as 'chase', the model has no TLB), the D1, L2 and LL columns when at
 * most SIM_PLOT_FULL series remain, else only LL, to keep the plot
 * readable. Each line has its series' colour, dotted, on the y2 axis. */
#define SIM_PLOT_SERIES 32
#define SIM_PLOT_FULL   2

struct sim_series {
    char name[200];
    int variant;
    int n;
    int64_t x[HX_MAX_POINTS * 4];
    double v[HX_MAX_POINTS * 4][HX_SIM_NCOLS];
};

static int variant_index(const hx_run *r, const hx_variant *v) {
    for (int i = 0; i < r->exp->nvariants; i++)
        if (&r->exp->variants[i] == v)
            return i;
    return 0;
}

static bool same_line(const struct sim_series *a, const struct sim_series *b) {
    if (a->n != b->n)
        return false;
    for (int k = 0; k < a->n; k++) {
        if (a->x[k] != b->x[k])
            return false;
        for (int c = 0; c < HX_SIM_NCOLS; c++) {
            double p = a->v[k][c], q = b->v[k][c];
            if (isnan(p) != isnan(q) || (!isnan(p) && fabs(p - q) > 0.01))
                return false;
        }
    }
    return true;
}

/* Collects the plotted series into *out (malloc'd); returns their count
 * and the columns drawn in cols[] (ncols). */
static int sim_lines(const hx_run *r, struct sim_series **out, int *cols,
                     int *ncols) {
    *out = NULL;
    *ncols = 0;
    const struct hx_sim *s = r->sim;
    if (!s || s->unsupported[0] || !s->pts)
        return 0;
    struct sim_series *ss = calloc(SIM_PLOT_SERIES, sizeof *ss);
    if (!ss)
        return 0;
    int n = 0;
    for (int f = 0; f < r->nfams; f++)
        for (int i = 0; i < r->fams[f].npoints; i++) {
            const hx_point *pt = &r->fams[f].points[i];
            const hx_sim_point *sp = sim_of(r, pt);
            if (!sp || isnan(sp->v[HX_SIM_D1]))
                continue;
            char name[200];
            hx_series_name(r, pt, name, sizeof name);
            int k = 0;
            while (k < n && strcmp(ss[k].name, name) != 0)
                k++;
            if (k == n) {
                if (n == SIM_PLOT_SERIES)
                    continue;
                snprintf(ss[n].name, sizeof ss[n].name, "%s", name);
                ss[n].variant = variant_index(r, pt->var);
                n++;
            }
            struct sim_series *e = &ss[k];
            if (e->n == HX_MAX_POINTS * 4)
                continue;
            int j = e->n++; /* insert sorted by x */
            while (j > 0 && e->x[j - 1] > pt->val[r->xparam]) {
                e->x[j] = e->x[j - 1];
                memcpy(e->v[j], e->v[j - 1], sizeof e->v[j]);
                j--;
            }
            e->x[j] = pt->val[r->xparam];
            memcpy(e->v[j], sp->v, sizeof e->v[j]);
        }
    int m = 0;
    for (int k = 0; k < n; k++) {
        bool dup = ss[k].n < 2;
        for (int j = 0; j < m && !dup; j++)
            dup = same_line(&ss[j], &ss[k]);
        if (!dup)
            ss[m++] = ss[k];
    }
    if (m <= SIM_PLOT_FULL) {
        cols[(*ncols)++] = HX_SIM_D1;
        if (s->geom.have_l2)
            cols[(*ncols)++] = HX_SIM_L2;
    }
    cols[(*ncols)++] = HX_SIM_LL;
    *out = ss;
    return m;
}

int hx_sim_plot_setup(const hx_run *r, const char *dir, FILE *g) {
    struct sim_series *ss;
    int cols[HX_SIM_NCOLS], nc;
    int n = sim_lines(r, &ss, cols, &nc);
    if (n == 0) {
        free(ss);
        return 0;
    }
    char path[1200];
    snprintf(path, sizeof path, "%s/sim.dat", dir);
    FILE *d = fopen(path, "w");
    if (!d) {
        free(ss);
        return 0;
    }
    fprintf(d, "# simulated misses per op (valgrind's cache model, not "
               "hardware counters); one block per series and column\n");
    int b = 0;
    for (int k = 0; k < n; k++)
        for (int c = 0; c < nc; c++, b++) {
            fprintf(d, "%s# %s %s\n", b ? "\n\n" : "",
                    hx_sim_col_names[cols[c]], ss[k].name);
            for (int i = 0; i < ss[k].n; i++)
                if (!isnan(ss[k].v[i][cols[c]]))
                    fprintf(d, "%lld %.6g\n", (long long)ss[k].x[i],
                            ss[k].v[i][cols[c]]);
        }
    fclose(d);
    free(ss);
    fprintf(g, "set y2label \"simulated misses per op (valgrind's cache "
               "model; broken lines)\" noenhanced\n");
    fprintf(g, "set y2range [0:*]\nset y2tics\nset ytics nomirror\n");
    return n * nc;
}

void hx_sim_plot_terms(const hx_run *r, FILE *g) {
    struct sim_series *ss;
    int cols[HX_SIM_NCOLS], nc;
    int n = sim_lines(r, &ss, cols, &nc);
    static const char *const label[HX_SIM_NCOLS] = {"D1", "LL", "I1", "L2"};
    static const int pt[HX_SIM_NCOLS] = {1, 3, 4, 2};
    static const int dt[HX_SIM_NCOLS] = {3, 2, 5, 4};
    int b = 0;
    for (int k = 0; k < n; k++)
        for (int c = 0; c < nc; c++, b++) {
            fprintf(g,
                    ", \\\n  'sim.dat' index %d using 1:2 axes x1y2 with "
                    "linespoints lw 1.5 dt %d lc %d pt %d ps 0.8 title "
                    "\"sim %s: ",
                    b, dt[cols[c]], 1 + ss[k].variant, pt[cols[c]],
                    label[cols[c]]);
            for (const char *p = ss[k].name; *p; p++)
                if (*p != '"' && *p != '\\')
                    fputc(*p, g);
            fprintf(g, "\"");
        }
    free(ss);
}
