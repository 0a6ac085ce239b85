/*
 * test_sources.c - unit tests of the harness support for the runtime
 * experiments: process-wide counter sources sampled around each
 * repetition (per op, per repetition, level), metrics combined by their
 * maximum, fixed-point parameters (0.25 workers per core), the plot
 * metric, and Go twins (planned when Go is installed, said and left out
 * of the verdict when it is not).
 *
 * The fake source counts what the variant did, so every sourced metric
 * has one exact expected value.
 */
#define _GNU_SOURCE /* open_memstream, setenv */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan.h"
#include "result.h"
#include "runner.h"
#include "setup_cache.h"

#include "check.h"

/* ---- a fake process-wide source ------------------------------------------ */

static double fake_ticks, fake_level;
static const char *const fake_names[] = {"ticks", "level", NULL};
static void fake_read(double *v) {
    v[0] = *(volatile double *)&fake_ticks;
    v[1] = fake_level;
}
static const hx_source fake_source = {
    .prefix = "fake", .names = fake_names, .read = fake_read};

/* Thread 0 adds 3 ticks per op; every thread reports peak = 10 + index. */
static void fk_fn(hx_state *st) {
    uint64_t n, total = 0;
    while ((n = hx_batch(st)) != 0) {
        if (hx_thread_index(st) == 0) {
            fake_ticks +=
                3.0 * (double)n * hx_point_threads(hx_state_point(st));
            fake_level = 42;
        }
        total += n;
    }
    hx_keep(total);
    hx_metric(st, "peak", 10 + hx_thread_index(st));
}

static const hx_variant fk_vars[] = {{.name = "v", .help = "h", .fn = fk_fn}};
static const hx_param fk_params[] = {
    {.name = "threads",
     .unit = "threads",
     .help = "h",
     .min = 1,
     .max = 2,
     .flags = HX_PARAM_THREADS,
     .def = "2"},
};
static const hx_metric_decl fk_metrics[] = {
    {"ticks_per_op", "ticks", "per op", .source = "fake:ticks"},
    {"ticks_rep", "ticks", "per repetition", .source = "fake:ticks",
     .kind = HX_METRIC_DELTA},
    {"level", "units", "after", .source = "fake:level",
     .kind = HX_METRIC_LEVEL},
    {"peak", "units", "largest over threads", .kind = HX_METRIC_MAX},
    {"rss", "bytes", "resident", .source = "proc:rss_bytes",
     .kind = HX_METRIC_LEVEL},
};
static const hx_experiment fk = {.name = "fakesrc",
                                 .summary = "s",
                                 .hypothesis = "h",
                                 .reading = "r",
                                 .homework = "w",
                                 .variants = fk_vars,
                                 .nvariants = 1,
                                 .params = fk_params,
                                 .nparams = 1,
                                 .metrics = fk_metrics,
                                 .nmetrics = HX_COUNT(fk_metrics),
                                 .source = &fake_source,
                                 .xparam = "threads"};

static void on_alarm(int sig) {
    (void)sig;
    fprintf(stderr, "FAIL: test_sources timed out\n0 passed, 1 failed\n");
    _exit(1);
}

static void test_sources(void) {
    hx_opts o;
    memset(&o, 0, sizeof o);
    o.counters = "none";
    o.reps = 3;
    o.min_time = 0.001;
    o.interleave = true;
    hx_run r;
    char err[512] = "", json[] = "/tmp/hx-test-src-XXXXXX";
    int fd = mkstemp(json);
    close(fd);
    CHECK(hx_plan(&r, &fk, &o, err, sizeof err) == 0);
    CHECK(hx_sources_used(&r));
    CHECK(r.msrc[0] >= 0 && r.msrc[3] < 0 && r.msrc[4] >= 0);
    CHECK(hx_runner_run(&r, json) == 0);
    hx_point *pt = &r.fams[0].points[0];
    CHECK(pt->threads == 2 && pt->nsamples == 3);
    for (int k = 0; k < pt->nsamples; k++) {
        hx_sample *s = &pt->samples[k];
        CHECK(!s->failed);
        CHECK(s->metric_set[0] && fabs(s->metrics[0] - 3.0) < 1e-9);
        CHECK(s->metric_set[1] &&
              fabs(s->metrics[1] - 6.0 * (double)s->iterations) < 1e-6);
        CHECK(s->metric_set[2] && s->metrics[2] == 42);
        /* the largest of 10 and 11, not their mean */
        CHECK(s->metric_set[3] && s->metrics[3] == 11);
        CHECK(s->metric_set[4] && s->metrics[4] > 4096); /* resident bytes */
    }
    /* a HX_METRIC_MAX metric is summarised by its largest repetition */
    pt->samples[1].metrics[3] = 99;
    struct hx_results *res = hx_results_build(&r);
    CHECK(hx_results_metric(res, "v", 2, "peak") == 99);
    CHECK(hx_results_metric(res, "v", 2, "ticks_per_op") == 3);
    hx_results_free(res);
    hx_point_release_all(&r);
    hx_plan_free(&r);
    unlink(json);

    /* a metric naming a counter no source offers is refused at plan time,
     * with the counters that exist */
    static const hx_metric_decl bad_m[] = {
        {"x", "u", "h", .source = "fake:nope"}};
    hx_experiment bad = fk;
    bad.metrics = bad_m;
    bad.nmetrics = 1;
    CHECK(hx_plan(&r, &bad, &o, err, sizeof err) == -EINVAL);
    CHECK(strstr(err, "fake:nope") && strstr(err, "fake:ticks") &&
          strstr(err, "proc:ctxsw"));
    hx_plan_free(&r);
}

/* ---- fixed-point parameters ----------------------------------------------- */

static void nop_fn(hx_state *st) {
    while (hx_batch(st) != 0) {
    }
}
static const hx_variant fp_vars[] = {
    {.name = "v", .help = "h", .fn = nop_fn, .go = "NoSuchTwin"},
    {.name = "w", .help = "h", .fn = nop_fn}};
static const hx_param fp_params[] = {
    {.name = "wpc",
     .unit = "workers per core",
     .help = "h",
     .min = 25,
     .max = 1600,
     .scale = 100,
     .def = "0.25,1..4"},
    {.name = "cap",
     .unit = "slots",
     .help = "h",
     .min = 0,
     .max = 8,
     .def = "0,8",
     .flags = HX_PARAM_LOG},
};
static const hx_claim fp_claims[] = {
    {.slow = "go:v wpc=0.25",
     .fast = "v wpc=0.25",
     .min_ratio = 1,
     .at_param = "cap",
     .at_value = 0},
    {.slow = "w wpc=0.25",
     .fast = "v wpc=0.25",
     .min_ratio = 1,
     .at_param = "cap",
     .at_value = 0},
};
static const hx_experiment fp = {.name = "fixedpt",
                                 .summary = "s",
                                 .hypothesis = "h",
                                 .reading = "r",
                                 .homework = "w",
                                 .variants = fp_vars,
                                 .nvariants = 2,
                                 .params = fp_params,
                                 .nparams = 2,
                                 .claims = fp_claims,
                                 .nclaims = 2,
                                 .xparam = "cap"};

static void test_fixed_point(void) {
    hx_opts o;
    memset(&o, 0, sizeof o);
    o.counters = "none";
    hx_run r;
    char err[512] = "";
    setenv("MECHLAB_NO_GO", "1", 1);
    CHECK(hx_plan(&r, &fp, &o, err, sizeof err) == 0);
    CHECK(r.npts[0] == 4 && r.pts[0][0] == 25 && r.pts[0][1] == 100 &&
          r.pts[0][3] == 400);
    char b[32];
    hx_format_value(&fp_params[0], 25, b, sizeof b);
    CHECK(strcmp(b, "0.25") == 0);
    hx_point *pt = &r.fams[0].points[0];
    CHECK(hx_point_paramf(pt, "wpc") == 0.25);
    CHECK(hx_point_param(pt, "wpc") == 25);
    char series[200];
    hx_series_name(&r, pt, series, sizeof series);
    CHECK(strcmp(series, "v wpc=0.25") == 0);
    /* Go absent: no twin planned, said in the summary, and the claim
     * against Go left out of the verdict instead of failing it */
    CHECK(r.go_missing && r.ntwins == 0);
    for (int f = 0; f < r.nfams; f++)
        for (int i = 0; i < r.fams[f].npoints; i++) {
            hx_point *p = &r.fams[f].points[i];
            p->samples = calloc(3, sizeof(hx_sample));
            p->nsamples = p->capsamples = 3;
            for (int k = 0; k < 3; k++)
                p->samples[k] = (hx_sample){
                    .rep = k, .iterations = 10, .ns_per_op = f % 2 ? 20 : 10};
        }
    snprintf(r.machine, sizeof r.machine, "testbox");
    struct hx_results *res = hx_results_build(&r);
    char *buf = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&buf, &blen);
    hx_report_text(res, f, true);
    bool ok = res->verdict == HX_ST_HOLDS;
    fclose(f);
    CHECK(ok);
    CHECK(strstr(buf, "left out: Go is not installed") != NULL);
    CHECK(strstr(buf, "1 of 1 claims hold") != NULL);
    CHECK(strstr(buf, "Go is not installed here: no go: series") != NULL);
    if (!ok || !strstr(buf, "1 of 1 claims hold"))
        fprintf(stderr, "%s\n", buf);
    free(buf);
    hx_results_free(res);
    hx_plan_free(&r);

    /* bad fixed-point input names the parameter and its range in the
     * user's units */
    o.sets[0] = "wpc=0.125";
    o.nsets = 1;
    CHECK(hx_plan(&r, &fp, &o, err, sizeof err) == -EINVAL);
    CHECK(strstr(err, "0.125") && strstr(err, "wpc"));
    hx_plan_free(&r);
    o.sets[0] = "wpc=0.1";
    CHECK(hx_plan(&r, &fp, &o, err, sizeof err) == -EINVAL);
    CHECK(strstr(err, "0.25..16") != NULL);
    if (!strstr(err, "0.25..16"))
        fprintf(stderr, "%s\n", err);
    hx_plan_free(&r);
    o.sets[0] = "wpc=0.5..2";
    CHECK(hx_plan(&r, &fp, &o, err, sizeof err) == 0);
    CHECK(r.npts[0] == 3 && r.pts[0][0] == 50 && r.pts[0][2] == 200);
    hx_plan_free(&r);

    /* Go present: one twin per variant that names one, with its series
     * name and the variant's parameters */
    unsetenv("MECHLAB_NO_GO");
    o.nsets = 0;
    CHECK(hx_plan(&r, &fp, &o, err, sizeof err) == 0);
    if (system("command -v go >/dev/null 2>&1") == 0) {
        CHECK(!r.go_missing && r.ntwins == 1);
        CHECK(strcmp(r.twins[0].name, "go:v") == 0);
        CHECK(r.twins[0].manual_time && r.nfams == 3 * 4 * 2);
        bool found = false;
        for (int k = 0; k < r.nfams; k++)
            found |= strncmp(r.fams[k].name, "fixedpt/go:v/", 13) == 0;
        CHECK(found);
    } else {
        CHECK(r.go_missing && r.ntwins == 0);
    }
    hx_plan_free(&r);
}

int main(void) {
    signal(SIGALRM, on_alarm);
    alarm(120);
    test_sources();
    test_fixed_point();
    return hx_check_done();
}
