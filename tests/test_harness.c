/*
 * test_harness.c - unit tests of the harness's own logic: CLI parsing and
 * its error messages, the registry, value formatting and series names, and
 * the data.csv writer against a hand-built run with known samples
 * (including an unavailable counter, which must be an empty cell, never 0).
 */
#define _GNU_SOURCE /* open_memstream, mkdtemp */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "commands.h"
#include "console.h"
#include "plan.h"
#include "registry.h"
#include "result.h"
#include "runner.h"
#include "setup_cache.h"

static int parse(hx_opts *o, char *err, size_t len, int argc, ...) {
    char *argv[32];
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++)
        argv[i] = va_arg(ap, char *);
    va_end(ap);
    argv[argc] = NULL;
    return hx_cli_parse(argc, argv, o, err, len);
}

static void test_cli(void) {
    hx_opts o;
    char err[512];
    CHECK(parse(&o, err, sizeof err, 2, "mechlab", "list") == 0);
    CHECK(strcmp(o.command, "list") == 0);
    CHECK(parse(&o, err, sizeof err, 8, "mechlab", "run", "falseshare",
                "--threads", "1,2", "--reps=5", "--quick", "--no-plot") == 0);
    CHECK(strcmp(o.exp, "falseshare") == 0);
    CHECK(strcmp(o.threads, "1,2") == 0);
    CHECK(o.reps == 5 && o.quick && !o.plot);
    CHECK(strcmp(o.counters, "auto") == 0 && strcmp(o.out, "results") == 0);
    CHECK(parse(&o, err, sizeof err, 6, "mechlab", "run", "falseshare", "--set",
                "stride=8,64", "--set=threads=1") == 0);
    CHECK(o.nsets == 2 && strcmp(o.sets[0], "stride=8,64") == 0 &&
          strcmp(o.sets[1], "threads=1") == 0);

    /* bad input: each names the flag and what it accepts */
    CHECK(parse(&o, err, sizeof err, 5, "mechlab", "run", "falseshare",
                "--reps", "0") == -EINVAL);
    CHECK(strstr(err, "--reps") && strstr(err, "1..1000"));
    CHECK(parse(&o, err, sizeof err, 5, "mechlab", "run", "falseshare",
                "--reps", "9x") == -EINVAL);
    CHECK(parse(&o, err, sizeof err, 5, "mechlab", "run", "falseshare",
                "--counters", "pmu") == -EINVAL);
    CHECK(strstr(err, "--counters") && strstr(err, "rusage"));
    CHECK(parse(&o, err, sizeof err, 5, "mechlab", "run", "falseshare",
                "--min-time", "100") == -EINVAL);
    CHECK(strstr(err, "0.001..60") != NULL);
    CHECK(parse(&o, err, sizeof err, 5, "mechlab", "run", "falseshare",
                "--warmup", "-1") == -EINVAL);
    CHECK(strstr(err, "--warmup") && strstr(err, "0..60"));
    CHECK(parse(&o, err, sizeof err, 5, "mechlab", "run", "falseshare",
                "--warmup", "0.5") == 0 &&
          o.warmup == 0.5);
    CHECK(parse(&o, err, sizeof err, 4, "mechlab", "run", "falseshare",
                "--bogus") == -EINVAL);
    CHECK(strstr(err, "--bogus") != NULL);
    CHECK(parse(&o, err, sizeof err, 4, "mechlab", "run", "falseshare",
                "--reps") == -EINVAL);
    CHECK(strstr(err, "needs a value") != NULL);
    CHECK(parse(&o, err, sizeof err, 5, "mechlab", "run", "falseshare", "--set",
                "stride") == -EINVAL);
    CHECK(strstr(err, "NAME=LIST") != NULL);
    CHECK(parse(&o, err, sizeof err, 2, "mechlab", "run") == -EINVAL);
    CHECK(strstr(err, "needs an experiment") != NULL);
    CHECK(parse(&o, err, sizeof err, 2, "mechlab", "frobnicate") == -EINVAL);
    CHECK(strstr(err, "unknown command") != NULL);
    CHECK(parse(&o, err, sizeof err, 5, "mechlab", "run", "x", "--machine",
                "../etc") == -EINVAL);
    CHECK(parse(&o, err, sizeof err, 1, "mechlab") == -EINVAL);
}

/* The command table: every row complete, found by name, and the fleet and
 * report commands are rows like the others. */
static void test_commands(void) {
    CHECK(hx_command_count() >= 8);
    for (int i = 0; i < hx_command_count(); i++) {
        const hx_command *c = hx_command_at(i);
        CHECK(c && c->name && c->args && c->summary && c->help && c->fn);
        CHECK(c && hx_command_find(c->name) == c);
    }
    CHECK(hx_command_find("report") && hx_command_find("fleet") &&
          hx_command_find("help") && !hx_command_find("nosuch"));
    char names[256];
    hx_command_names(names, sizeof names);
    CHECK(strstr(names, "run") && strstr(names, "report"));
}

/* A broken invariant in a setup is fatal with a clear message: run in a
 * child (check.h). */
static void ask_unknown_param(void *arg) {
    hx_point_param((const hx_point *)arg, "nosuch");
}

static void test_registry(void) {
    CHECK(hx_experiment_count() >= 2);
    const hx_experiment *fs = hx_find_experiment("falseshare");
    CHECK(fs != NULL);
    CHECK(hx_find_experiment("nosuch") == NULL);
    for (int i = 0; i < hx_experiment_count(); i++) {
        const hx_experiment *e = hx_experiment_at(i);
        /* every experiment is self-describing and plottable */
        CHECK(e->name && e->summary && e->hypothesis && e->reading &&
              e->homework);
        CHECK(e->nvariants > 0 && e->nparams > 0 &&
              e->nparams <= HX_MAX_PARAMS);
        CHECK(e->xparam == NULL || hx_param_index(e, e->xparam) >= 0);
        for (int c = 0; c < e->nclaims; c++)
            CHECK(e->claims[c].min_ratio > 0);
    }
    char buf[256];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    hx_list_known(f);
    fclose(f);
    CHECK(strstr(buf, "falseshare") != NULL);
}

static void test_format(void) {
    char b[32];
    hx_param bytes = {.name = "size", .flags = HX_PARAM_BYTES};
    hx_format_value(&bytes, 48 * 1024, b, sizeof b);
    CHECK(strcmp(b, "48 KiB") == 0);
    hx_format_value(&bytes, 1536, b, sizeof b);
    CHECK(strcmp(b, "1.5 KiB") == 0);
    hx_format_value(&bytes, 8, b, sizeof b);
    CHECK(strcmp(b, "8 B") == 0);
    hx_format_value(NULL, -3, b, sizeof b);
    CHECK(strcmp(b, "-3") == 0);
}

/* A hand-built run: experiment with threads (x) and stride, one variant,
 * one point with two samples, counters "none" (all unavailable). */
static void fake_fn(hx_state *st) {
    (void)st;
}

static const hx_variant fv[] = {{.name = "v", .help = "h", .fn = fake_fn}};
static const hx_param fp[] = {
    {.name = "threads",
     .unit = "threads",
     .min = 1,
     .max = 8,
     .flags = HX_PARAM_THREADS,
     .def = "2"},
    {.name = "stride", .unit = "bytes", .min = 8, .max = 64, .def = "8"},
};
static const char *const fev[] = {"page-faults", NULL};
static const hx_experiment fx = {.name = "fake",
                                 .summary = "s",
                                 .hypothesis = "h",
                                 .reading = "r",
                                 .homework = "w",
                                 .variants = fv,
                                 .nvariants = 1,
                                 .params = fp,
                                 .nparams = 2,
                                 .events = fev,
                                 .xparam = "threads"};

static void test_plan_and_csv(void) {
    hx_opts o;
    memset(&o, 0, sizeof o);
    o.counters = "none";
    o.out = "results";
    hx_run r;
    char err[512] = "";
    CHECK(hx_plan(&r, &fx, &o, err, sizeof err) == 0);
    CHECK(r.nfams == 1 && r.fams[0].npoints == 1);
    CHECK(r.thread_param == 0 && r.xparam == 0);
    hx_point *pt = &r.fams[0].points[0];
    CHECK(pt->threads == 2 && pt->val[1] == 8);
    char series[200];
    hx_series_name(&r, pt, series, sizeof series);
    CHECK(strcmp(series, "v stride=8") == 0);
    CHECK(hx_check_dies(ask_unknown_param, pt,
                        "experiment fake has no parameter 'nosuch'"));
    /* page-faults, plus task-clock that the harness always samples */
    CHECK(r.nevents == 2 && !hx_counters_available(r.counters, 0) &&
          !hx_counters_available(r.counters, 1));

    pt->pu[0] = 0;
    pt->pu[1] = 1;
    pt->samples = calloc(2, sizeof(hx_sample));
    pt->nsamples = pt->capsamples = 2;
    pt->samples[0] = (hx_sample){.rep = 0,
                                 .iterations = 100,
                                 .ns_per_op = 1.5,
                                 .ns_per_op_max = 2,
                                 .thread_spread = 1.2,
                                 .passes = NAN,
                                 .warm_passes = NAN};
    pt->samples[1] = (hx_sample){.rep = 1,
                                 .iterations = 100,
                                 .ns_per_op = 2.5,
                                 .ns_per_op_max = 3,
                                 .thread_spread = 1.4,
                                 .passes = NAN,
                                 .warm_passes = NAN,
                                 .scaled = 1u << 0};
    pt->samples[0].events[0] = NAN;
    pt->samples[1].events[0] = NAN;
    pt->samples[0].events[1] = 0; /* unavailable: must not print as 0 */
    pt->samples[1].events[1] = 0;
    char path[] = "/tmp/hx-test-csv-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    struct hx_results *res = hx_results_build(&r);
    CHECK(res != NULL);
    CHECK(hx_report_csv(res, path) == 0);
    hx_results_free(res);
    FILE *f = fopen(path, "r");
    char got[2048] = "";
    size_t n = f ? fread(got, 1, sizeof got - 1, f) : 0;
    got[n] = 0;
    if (f)
        fclose(f);
    unlink(path);
    const char *want =
        "experiment,variant,series,threads,stride,oversubscribed,pus,rep,"
        "iterations,ns_per_op,ns_per_op_max,thread_spread,pu_spread,"
        "settled,passes,warm_passes,page_faults_per_op,"
        "task_clock_per_op,multiplexed,status\n"
        "fake,v,v stride=8,2,8,0,0;1,0,100,1.5,2,1.2,,1,,,,,,ok\n"
        "fake,v,v stride=8,2,8,0,0;1,1,100,2.5,3,1.4,,1,,,,,page-faults,ok\n";
    CHECK(strcmp(got, want) == 0);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "got:\n%s\nwant:\n%s\n", got, want);

    /* a bad --set names the parameter and its accepted range */
    hx_plan_free(&r);
    o.sets[0] = "stride=4";
    o.nsets = 1;
    CHECK(hx_plan(&r, &fx, &o, err, sizeof err) == -EINVAL);
    CHECK(strstr(err, "stride") && strstr(err, "8..64"));
    hx_plan_free(&r);
    o.sets[0] = "nope=1";
    CHECK(hx_plan(&r, &fx, &o, err, sizeof err) == -EINVAL);
    CHECK(strstr(err, "no parameter 'nope'") && strstr(err, "threads"));
    hx_plan_free(&r);
}

/* ---- bad --set combinations and oversized sweeps -------------------------- */

static const hx_param bigp[] = {
    {.name = "a", .unit = "n", .min = 1, .max = 1000, .def = "1"},
    {.name = "b", .unit = "n", .min = 1, .max = 1000, .def = "1"},
    {.name = "c", .unit = "n", .min = 1, .max = 1000, .def = "1"},
};
static const hx_experiment bigx = {.name = "big",
                                   .summary = "s",
                                   .hypothesis = "h",
                                   .reading = "r",
                                   .homework = "w",
                                   .variants = fv,
                                   .nvariants = 1,
                                   .params = bigp,
                                   .nparams = 3,
                                   .xparam = "a"};

static void test_set_conflicts(void) {
    hx_opts o;
    memset(&o, 0, sizeof o);
    o.counters = "none";
    hx_run r;
    char err[512] = "";
    /* the same parameter twice: the second used to be ignored silently */
    o.sets[0] = "stride=8";
    o.sets[1] = "stride=64";
    o.nsets = 2;
    CHECK(hx_plan(&r, &fx, &o, err, sizeof err) == -EINVAL);
    CHECK(strstr(err, "stride") && strstr(err, "already set"));
    hx_plan_free(&r);
    /* --set threads=... and --threads: one of them used to win silently */
    o.sets[0] = "threads=2";
    o.nsets = 1;
    o.threads = "1";
    CHECK(hx_plan(&r, &fx, &o, err, sizeof err) == -EINVAL);
    CHECK(strstr(err, "--threads") && strstr(err, "threads=2"));
    hx_plan_free(&r);
    o.threads = NULL;
    CHECK(hx_plan(&r, &fx, &o, err, sizeof err) == 0);
    CHECK(r.fams[0].points[0].threads == 2);
    hx_plan_free(&r);
    /* 64 x 64 x 64 points: refused at planning, not allocated */
    o.sets[0] = "a=1..64:1";
    o.sets[1] = "b=1..64:1";
    o.sets[2] = "c=1..64:1";
    o.nsets = 3;
    CHECK(hx_plan(&r, &bigx, &o, err, sizeof err) == -EINVAL);
    CHECK(strstr(err, "262144 points") != NULL);
    hx_plan_free(&r);
}

/* ---- the summary: claims, partial failures; the plot's series ---------- */

static const hx_variant twov[] = {{.name = "a", .help = "h", .fn = fake_fn},
                                  {.name = "b", .help = "h", .fn = fake_fn}};
static const hx_claim twoc[] = {
    {.slow = "a stride=8", .fast = "b stride=8", .min_ratio = 1.5}};
static const hx_experiment twox = {.name = "two",
                                   .summary = "s",
                                   .hypothesis = "h",
                                   .reading = "r",
                                   .homework = "w",
                                   .variants = twov,
                                   .nvariants = 2,
                                   .params = fp,
                                   .nparams = 2,
                                   .events = fev,
                                   .claims = twoc,
                                   .nclaims = 1,
                                   .xparam = "threads"};

static void set_samples(hx_point *pt, const double *ns, int n) {
    pt->samples = calloc((size_t)n, sizeof(hx_sample));
    pt->nsamples = pt->capsamples = n;
    for (int k = 0; k < n; k++) {
        pt->samples[k] = (hx_sample){.rep = k,
                                     .iterations = 100,
                                     .ns_per_op = ns[k],
                                     .ns_per_op_max = ns[k]};
        if (isnan(ns[k])) {
            pt->samples[k].failed = true;
            pt->samples[k].ns_per_op_max = NAN;
        }
    }
}

static char *slurp_file(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *b = calloc(1, 65536);
    size_t n = fread(b, 1, 65535, f);
    b[n] = 0;
    fclose(f);
    return b;
}

static void test_summary_and_plot(void) {
    hx_opts o;
    memset(&o, 0, sizeof o);
    o.counters = "none";
    hx_run r;
    char err[512] = "";
    CHECK(hx_plan(&r, &twox, &o, err, sizeof err) == 0);
    CHECK(r.nfams == 2);
    snprintf(r.machine, sizeof r.machine, "testbox");
    /* 'a' (claimed slow) is in fact twice as fast as 'b' */
    const double fa[] = {1, 1, 1}, fb[] = {2, 2, 2};
    set_samples(&r.fams[0].points[0], fa, 3);
    set_samples(&r.fams[1].points[0], fb, 3);
    struct hx_results *res = hx_results_build(&r);
    CHECK(res != NULL);
    char *buf = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&buf, &blen);
    hx_report_text(res, f, true);
    fclose(f);
    /* 'b' is 2x slower: the CI printed beside that 2.00 is of the same
     * ratio (2-2), not of slow/fast (0.5-0.5) */
    CHECK(strstr(buf, "'b stride=8' is 2.00x slower than 'a stride=8' "
                      "(min/max envelope of 3 reps 2.00-2.00") != NULL);
    CHECK(strstr(buf, "does not hold") != NULL);
    if (!strstr(buf, "reps 2.00-2.00"))
        fprintf(stderr, "%s\n", buf);
    free(buf);
    hx_results_free(res);

    /* one failed repetition of 'b': flagged in the summary, a row of its
     * own in data.csv with the header's field count */
    hx_point *pb = &r.fams[1].points[0];
    pb->samples[1].failed = true;
    pb->samples[1].ns_per_op = pb->samples[1].ns_per_op_max = NAN;
    snprintf(pb->error, sizeof pb->error, "boom, broken invariant");
    res = hx_results_build(&r);
    f = open_memstream(&buf, &blen);
    hx_report_text(res, f, true);
    fclose(f);
    CHECK(strstr(buf, "1 of 3 reps failed: boom") != NULL);
    CHECK(strstr(buf, "lost some repetitions") != NULL);
    free(buf);
    /* the console's form: the same facts within HX_CONSOLE_WIDTH columns,
     * units under the headers */
    f = open_memstream(&buf, &blen);
    hx_report_text(res, f, false);
    fclose(f);
    CHECK(strstr(buf, "1 of 3 reps failed") != NULL);
    CHECK(strstr(buf, "lost some repetitions") != NULL);
    CHECK(strstr(buf, "verdict:") != NULL);
    {
        size_t longest = 0;
        for (char *l = buf; *l;) {
            size_t n = strcspn(l, "\n");
            longest = n > longest ? n : longest;
            l += n + (l[n] == '\n');
        }
        CHECK(longest <= HX_CONSOLE_WIDTH);
        if (longest > HX_CONSOLE_WIDTH)
            fprintf(stderr, "console lines up to %zu columns:\n%s\n", longest,
                    buf);
    }
    CHECK(strstr(buf, "median") && strstr(buf, "\n") &&
          strstr(buf, "      ns ") != NULL);
    free(buf);
    /* wrapping: a long sentence breaks at spaces, indented under itself */
    f = open_memstream(&buf, &blen);
    hx_console_wrap(f,
                    "  claim: 'xadd-padded' is 3.34x faster than "
                    "'xadd-packed' (95% CI 3.21-3.43; expected >= 2x) at "
                    "threads=2 on this machine: holds\nshort\n",
                    60);
    fclose(f);
    CHECK(strcmp(buf, "  claim: 'xadd-padded' is 3.34x faster than "
                      "'xadd-packed'\n      (95% CI 3.21-3.43; expected "
                      ">= 2x) at threads=2 on\n      this machine: "
                      "holds\nshort\n") == 0);
    if (strncmp(buf, "  claim", 7) == 0 && strstr(buf, "holds\nshort"))
        ;
    else
        fprintf(stderr, "wrap: [%s]\n", buf);
    free(buf);
    char path[] = "/tmp/hx-test-csv2-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    CHECK(hx_report_csv(res, path) == 0);
    char *csv = slurp_file(path);
    unlink(path);
    CHECK(csv &&
          strstr(csv, "two,b,b stride=8,2,8,0,0;0,1,,,,,,,,,,,,\"failed: "
                      "boom, broken invariant\"\n"));
    if (csv && !strstr(csv, "failed: boom"))
        fprintf(stderr, "%s\n", csv);
    free(csv);
    hx_results_free(res);

    /* 'a' has no samples (skipped): the plot must not have an empty block
     * (gnuplot would shift every later index and mislabel the lines) */
    hx_point *pa = &r.fams[0].points[0];
    free(pa->samples);
    pa->samples = NULL;
    pa->nsamples = pa->capsamples = 0;
    snprintf(pa->skip, sizeof pa->skip, "not here");
    char dir[] = "/tmp/hx-test-plot-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    snprintf(r.tmpdir, sizeof r.tmpdir, "%s", dir);
    res = hx_results_build(&r);
    char msg[512];
    hx_plot(res, dir, false, msg, sizeof msg); /* files only, no gnuplot */
    char p2[1200];
    snprintf(p2, sizeof p2, "%s/plot.dat", dir);
    char *dat = slurp_file(p2);
    CHECK(dat && !strstr(dat, "# series: a") && strstr(dat, "# series: b"));
    free(dat);
    snprintf(p2, sizeof p2, "%s/plot.gp", dir);
    char *gp = slurp_file(p2);
    const char *i0 = gp ? strstr(gp, "index 0 ") : NULL;
    const char *t0 = i0 ? strstr(i0, "title \"") : NULL;
    CHECK(t0 && strncmp(t0, "title \"b stride=8\"", 18) == 0);
    CHECK(gp && !strstr(gp, "index 1 "));
    free(gp);
    hx_results_free(res);
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    hx_plan_free(&r);
}

/* ---- through Google Benchmark: failures on one thread, metrics --------- */

static void one_thread_fails_early(hx_state *st) {
    if (hx_thread_index(st) == 1) {
        hx_fail(st, "thread 1 failed before its loop");
        return; /* the other thread is already heading into its loop */
    }
    for (uint64_t n; (n = hx_batch(st)) != 0;)
        for (uint64_t i = 0; i < n; i++)
            hx_clobber();
}

static void one_thread_skips_loop(hx_state *st) {
    if (hx_thread_index(st) == 1)
        return; /* never calls hx_batch() */
    for (uint64_t n; (n = hx_batch(st)) != 0;)
        for (uint64_t i = 0; i < n; i++)
            hx_clobber();
}

static void metric_from_thread0(hx_state *st) {
    for (uint64_t n; (n = hx_batch(st)) != 0;)
        for (uint64_t i = 0; i < n; i++)
            hx_clobber();
    if (hx_thread_index(st) == 0)
        hx_metric(st, "m", 6.0);
}

static const hx_variant gbv[] = {
    {.name = "early", .help = "h", .fn = one_thread_fails_early},
    {.name = "noloop", .help = "h", .fn = one_thread_skips_loop},
    {.name = "metric", .help = "h", .fn = metric_from_thread0},
};
static const hx_metric_decl gbm[] = {{.name = "m", .unit = "n", .help = "h"}};
static const hx_param gbp[] = {{.name = "threads",
                                .unit = "threads",
                                .min = 1,
                                .max = 8,
                                .flags = HX_PARAM_THREADS,
                                .def = "2"}};
static const hx_experiment gbx1 = {.name = "gbfirst",
                                   .summary = "s",
                                   .hypothesis = "h",
                                   .reading = "r",
                                   .homework = "w",
                                   .variants = &gbv[2],
                                   .nvariants = 1,
                                   .params = gbp,
                                   .nparams = 1,
                                   .metrics = gbm,
                                   .nmetrics = 1,
                                   .xparam = "threads"};
static const hx_experiment gbx2 = {.name = "gbsecond",
                                   .summary = "s",
                                   .hypothesis = "h",
                                   .reading = "r",
                                   .homework = "w",
                                   .variants = gbv,
                                   .nvariants = 2,
                                   .params = gbp,
                                   .nparams = 1,
                                   .xparam = "threads"};

static void on_alarm(int sig) {
    (void)sig;
    static const char m[] = "FAIL: Google Benchmark run hung (deadlock)\n";
    (void)!write(2, m, sizeof m - 1);
    _exit(1);
}

static void test_gbench(void) {
    signal(SIGALRM, on_alarm);
    alarm(120);
    hx_opts o;
    memset(&o, 0, sizeof o);
    o.counters = "none";
    o.reps = 2;
    o.min_time = 0.001;
    o.interleave = true;
    hx_run r;
    char err[512] = "", json[] = "/tmp/hx-test-gb-XXXXXX";
    int fd = mkstemp(json);
    close(fd);

    /* a metric set by thread 0 only is thread 0's value, not half of it */
    CHECK(hx_plan(&r, &gbx1, &o, err, sizeof err) == 0);
    CHECK(hx_runner_run(&r, json) == 0);
    hx_point *pt = &r.fams[0].points[0];
    CHECK(pt->threads == 2 && pt->nsamples == 2);
    for (int k = 0; k < pt->nsamples; k++) {
        CHECK(!pt->samples[k].failed && pt->samples[k].metric_set[0]);
        CHECK(pt->samples[k].metrics[0] == 6.0);
    }
    hx_point_release_all(&r);
    hx_plan_free(&r);

    /* one thread fails before its loop, or never enters it: the run must
     * end (it used to deadlock in Google Benchmark's start barrier) and
     * every repetition is a failed sample with the reason */
    CHECK(hx_plan(&r, &gbx2, &o, err, sizeof err) == 0);
    CHECK(hx_runner_run(&r, json) == 0);
    for (int f = 0; f < r.nfams; f++) {
        pt = &r.fams[f].points[0];
        CHECK(pt->nsamples == 2);
        for (int k = 0; k < pt->nsamples; k++)
            CHECK(pt->samples[k].failed && isnan(pt->samples[k].ns_per_op));
    }
    CHECK(strstr(r.fams[0].points[0].error, "before its loop") != NULL);
    CHECK(strstr(r.fams[1].points[0].error, "never called hx_batch") != NULL);
    hx_point_release_all(&r);
    hx_plan_free(&r);

    /* Google Benchmark keeps the first value of a context key for the
     * whole process: the second experiment's gbench.json must not name
     * the first one */
    char *gb = slurp_file(json);
    CHECK(gb && strstr(gb, "gbsecond/early") != NULL);
    CHECK(gb && strstr(gb, "\"gbfirst\"") == NULL);
    free(gb);
    unlink(json);
    alarm(0);
}

int main(void) {
    test_cli();
    test_registry();
    test_commands();
    test_format();
    test_plan_and_csv();
    test_set_conflicts();
    test_summary_and_plot();
    test_gbench();
    return hx_check_done();
}
