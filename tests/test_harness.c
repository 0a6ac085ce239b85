/*
 * test_harness.c - unit tests of the harness's own logic: CLI parsing and
 * its error messages, the registry, value formatting and series names, and
 * the data.csv writer against a hand-built run with known samples
 * (including an unavailable counter, which must be an empty cell, never 0).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"

static int passed, failed;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (cond) {                                                            \
            passed++;                                                          \
        } else {                                                               \
            failed++;                                                          \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);    \
        }                                                                      \
    } while (0)

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
    CHECK(r.nevents == 1 && !hx_counters_available(r.counters, 0));

    pt->pu[0] = 0;
    pt->pu[1] = 1;
    pt->samples = calloc(2, sizeof(hx_sample));
    pt->nsamples = pt->capsamples = 2;
    pt->samples[0] = (hx_sample){
        .rep = 0, .iterations = 100, .ns_per_op = 1.5, .ns_per_op_max = 2};
    pt->samples[1] = (hx_sample){
        .rep = 1, .iterations = 100, .ns_per_op = 2.5, .ns_per_op_max = 3};
    pt->samples[0].events[0] = NAN;
    pt->samples[1].events[0] = NAN;
    char path[] = "/tmp/hx-test-csv-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    CHECK(hx_output_csv(&r, path) == 0);
    FILE *f = fopen(path, "r");
    char got[2048] = "";
    size_t n = f ? fread(got, 1, sizeof got - 1, f) : 0;
    got[n] = 0;
    if (f)
        fclose(f);
    unlink(path);
    const char *want =
        "experiment,variant,series,threads,stride,oversubscribed,pus,rep,"
        "iterations,ns_per_op,ns_per_op_max,page_faults_per_op,status\n"
        "fake,v,v stride=8,2,8,0,0;1,0,100,1.5,2,,ok\n"
        "fake,v,v stride=8,2,8,0,0;1,1,100,2.5,3,,ok\n";
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

int main(void) {
    test_cli();
    test_registry();
    test_format();
    test_plan_and_csv();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
