/*
 * test_verdict.c - the verdict rules, driven by synthetic samples (no
 * timing, no Google Benchmark): what interval a claim may claim at each
 * repetition count, that an interval straddling the expectation is
 * inconclusive, that a busy machine settles nothing either way (and that
 * single-threaded claims are judged on CPU time there, both ways), that
 * every check deciding a verdict is named in it, that a run whose thread
 * counts all exceed the PUs says up front that no claim can be judged, and
 * the headline figures.
 *
 * Each case plans a tiny experiment (two variants, a thread parameter,
 * one claim) on this machine's topology, writes samples into its points
 * by hand, builds the result and reads the verdict back from it and from
 * the JSON and text reporters.
 */
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "plan.h"
#include "result.h"
#include "topo.h"

/* ---- pure rules ------------------------------------------------------------ */

static void test_judge_ratio(void) {
    hx_judgement j;
    const double s1[] = {10}, f1[] = {1};
    /* one repetition: a 10x ratio, but no interval and no decision */
    CHECK(hx_judge_ratio(s1, 1, f1, 1, 2.0, 1, &j) == 0);
    CHECK(j.ci == HX_CI_NONE && isnan(j.lo) && isnan(j.hi));
    CHECK(j.status == HX_ST_INCONCLUSIVE && fabs(j.ratio - 10) < 1e-9);
    const double s2[] = {10, 11}, f2[] = {1, 1};
    CHECK(hx_judge_ratio(s2, 2, f2, 2, 2.0, 1, &j) == 0);
    CHECK(j.ci == HX_CI_NONE && j.status == HX_ST_INCONCLUSIVE && j.n == 2);

    /* three: the min/max envelope, lo = min/max, hi = max/min */
    const double s3[] = {4, 5, 6}, f3[] = {1, 1, 2};
    CHECK(hx_judge_ratio(s3, 3, f3, 3, 1.5, 1, &j) == 0);
    CHECK(j.ci == HX_CI_MINMAX);
    CHECK(fabs(j.lo - 2.0) < 1e-9 && fabs(j.hi - 6.0) < 1e-9);
    CHECK(j.status == HX_ST_HOLDS);
    /* the envelope straddles 3: inconclusive, although the ratio (5) is
     * above it; and straddling 5.5 with the ratio below it: inconclusive,
     * not "does not hold" */
    CHECK(hx_judge_ratio(s3, 3, f3, 3, 3.0, 1, &j) == 0 &&
          j.status == HX_ST_INCONCLUSIVE);
    CHECK(hx_judge_ratio(s3, 3, f3, 3, 5.5, 1, &j) == 0 &&
          j.status == HX_ST_INCONCLUSIVE);
    CHECK(hx_judge_ratio(s3, 3, f3, 3, 7.0, 1, &j) == 0 &&
          j.status == HX_ST_FAILS);

    /* nine: bootstrap; tight data decide, spread data straddle */
    double a[9], b[9], w[9];
    for (int i = 0; i < 9; i++) {
        a[i] = 3.0 + 0.01 * i;
        b[i] = 1.0 + 0.001 * i;
        w[i] = i % 2 ? 1.0 : 3.0; /* half fast, half slow */
    }
    CHECK(hx_judge_ratio(a, 9, b, 9, 2.0, 7, &j) == 0);
    CHECK(j.ci == HX_CI_BOOT95 && j.status == HX_ST_HOLDS && j.lo >= 2.0);
    CHECK(hx_judge_ratio(a, 9, b, 9, 4.0, 7, &j) == 0 &&
          j.status == HX_ST_FAILS && j.hi < 4.0);
    CHECK(hx_judge_ratio(a, 9, w, 9, 2.0, 7, &j) == 0);
    CHECK(j.lo < 2.0 && j.hi >= 2.0 && j.status == HX_ST_INCONCLUSIVE);
    /* the same seed gives the same interval */
    hx_judgement k;
    CHECK(hx_judge_ratio(a, 9, w, 9, 2.0, 7, &k) == 0 && k.lo == j.lo &&
          k.hi == j.hi);
    /* undefined ratios */
    CHECK(hx_judge_ratio(a, 0, b, 9, 2.0, 7, &j) == -EINVAL);
    const double z[] = {0, 0, 0};
    CHECK(hx_judge_ratio(s3, 3, z, 3, 2.0, 7, &j) == -EINVAL);
}

static void test_combine(void) {
    const hx_status a[] = {HX_ST_HOLDS, HX_ST_FAILS, HX_ST_UNSETTLED};
    CHECK(hx_verdict_combine(a, 3) == HX_ST_FAILS);
    const hx_status b[] = {HX_ST_HOLDS, HX_ST_INCONCLUSIVE, HX_ST_UNSETTLED};
    CHECK(hx_verdict_combine(b, 3) == HX_ST_UNSETTLED);
    const hx_status c[] = {HX_ST_HOLDS, HX_ST_INCONCLUSIVE};
    CHECK(hx_verdict_combine(c, 2) == HX_ST_INCONCLUSIVE);
    const hx_status d[] = {HX_ST_HOLDS, HX_ST_NONE};
    CHECK(hx_verdict_combine(d, 2) == HX_ST_HOLDS);
    CHECK(hx_verdict_combine(NULL, 0) == HX_ST_NONE);
    CHECK(strcmp(hx_status_key(HX_ST_FAILS), "does-not-hold") == 0);
    CHECK(strcmp(hx_status_key(HX_ST_UNSETTLED), "not-settled") == 0);
    CHECK(strcmp(hx_ci_key(HX_CI_MINMAX), "minmax") == 0);
}

/* ---- through the result ------------------------------------------------------ */

static void fake_fn(hx_state *st) {
    (void)st;
}

/* what the experiment's verdict function reports, set per case */
static int check_mode; /* 0 none, 1 a check that holds, 2 one that fails */

static void fake_verdict(const hx_results *r, hx_report *rep) {
    (void)r;
    hx_report_printf(rep, "a note without a newline");
    hx_report_headline(rep, "custom", 42);
    if (check_mode)
        hx_report_check(rep, check_mode == 1, "the fake check (mode %d)",
                        check_mode);
}

static const hx_variant tv[] = {{.name = "slow", .help = "h", .fn = fake_fn},
                                {.name = "fast", .help = "h", .fn = fake_fn}};
static const hx_param tp[] = {{.name = "threads",
                               .unit = "threads",
                               .min = 1,
                               .max = 1024,
                               .flags = HX_PARAM_THREADS,
                               .def = "1,2"}};
static const hx_claim claim_max[] = {
    {.slow = "slow", .fast = "fast", .min_ratio = 2.0}};
static const hx_claim claim_one[] = {{.slow = "slow",
                                      .fast = "fast",
                                      .min_ratio = 2.0,
                                      .at_param = "threads",
                                      .at_value = HX_AT_MIN}};
static const hx_headline th[] = {
    {.key = "ratio",
     .name = "slow/fast",
     .unit = "x",
     .how = "the claim",
     .kind = HX_HEAD_CLAIM,
     .claim = 0},
    {.key = "fast_ns",
     .name = "fast",
     .unit = "ns",
     .how = "median",
     .kind = HX_HEAD_MEDIAN,
     .series = "fast",
     .at = HX_AT_MAX},
    {.key = "custom",
     .name = "custom",
     .unit = "u",
     .how = "the verdict function",
     .kind = HX_HEAD_REPORT},
};
static const char *const tev[] = {"task-clock", NULL};

#define TEST_EXP(cl)                                                           \
    {                                                                          \
        .name = "vtest", .summary = "s", .hypothesis = "h", .reading = "r",    \
        .homework = "w", .variants = tv, .nvariants = 2, .params = tp,         \
        .nparams = 1, .events = tev, .claims = cl, .nclaims = 1,               \
        .verdict = fake_verdict, .headlines = th, .nheadlines = 3,             \
        .xparam = "threads"                                                    \
    }
static const hx_experiment exp_max = TEST_EXP(claim_max);
static const hx_experiment exp_one = TEST_EXP(claim_one);

static int plan(hx_run *r, const hx_experiment *e, hx_opts *o,
                const char *threads, int reps) {
    memset(o, 0, sizeof *o);
    o->counters = "rusage"; /* task-clock from getrusage: always here */
    o->threads = threads;
    o->reps = reps;
    char err[512] = "";
    int rc = hx_plan(r, e, o, err, sizeof err);
    CHECK_MSG(rc == 0, "plan: %s", err);
    if (rc == 0) {
        snprintf(r->machine, sizeof r->machine, "testbox");
        r->reps = reps;
    }
    return rc;
}

/* n samples of ns around `ns`, with task-clock = share * wall (or
 * cpu_ns when given) */
static void fill(hx_point *pt, int tc, int n, double ns, double spread,
                 double share, double cpu_ns) {
    free(pt->samples);
    pt->samples = calloc((size_t)n, sizeof(hx_sample));
    pt->nsamples = pt->capsamples = n;
    for (int k = 0; k < n; k++) {
        double v = ns * (1 + spread * (k - n / 2) / n);
        hx_sample *s = &pt->samples[k];
        *s = (hx_sample){
            .rep = k, .iterations = 1000, .ns_per_op = v, .ns_per_op_max = v};
        for (int e = 0; e < HX_MAX_EVENTS; e++)
            s->events[e] = NAN;
        s->events[tc] = cpu_ns > 0 ? cpu_ns * (1 + 0.001 * k) : v * share;
    }
}

static hx_point *point(hx_run *r, const char *var, int threads) {
    for (int f = 0; f < r->nfams; f++)
        for (int i = 0; i < r->fams[f].npoints; i++)
            if (strcmp(r->fams[f].var->name, var) == 0 &&
                r->fams[f].points[i].threads == threads)
                return &r->fams[f].points[i];
    return NULL;
}

static int task_clock(const hx_run *r) {
    for (size_t i = 0; i < r->nevents; i++)
        if (strcmp(hx_counters_name(r->counters, i), "task-clock") == 0 &&
            hx_counters_available(r->counters, i))
            return (int)i;
    return -1;
}

static char *text_of(const struct hx_results *res) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    hx_report_text(res, f, true);
    fclose(f);
    return buf;
}

/* Fills slow and fast at threads 1 and 2; returns the result. */
static struct hx_results *build(hx_run *r, int n, double slow, double fast,
                                double spread, double share, double cpu_slow,
                                double cpu_fast) {
    int tc = task_clock(r);
    CHECK(tc >= 0);
    if (tc < 0)
        return NULL;
    for (int t = 1; t <= 2; t++) {
        hx_point *a = point(r, "slow", t), *b = point(r, "fast", t);
        if (a)
            fill(a, tc, n, slow, spread, share, cpu_slow);
        if (b)
            fill(b, tc, n, fast, spread, share, cpu_fast);
    }
    return hx_results_build(r);
}

static void test_quiet_holds(void) {
    hx_run r;
    hx_opts o;
    CHECK(hx_topo_load(&r.topo) == 0);
    if (r.topo.pus < 2) {
        CHECK_MSG(r.topo.pus >= 2, "these cases need 2 PUs, have %d",
                  r.topo.pus);
        return;
    }
    if (plan(&r, &exp_max, &o, "1,2", 9))
        return;
    check_mode = 1;
    struct hx_results *res = build(&r, 9, 3.0, 1.0, 0.02, 1.0, 0, 0);
    CHECK(res && !res->busy);
    CHECK(res && res->claims[0].evaluated && res->claims[0].at == 2);
    CHECK(res && res->claims[0].j.ci == HX_CI_BOOT95);
    CHECK(res && res->verdict == HX_ST_HOLDS);
    /* headlines: the claim's ratio with its interval, a median, the
     * verdict function's figure */
    CHECK(res && res->nhead == 3 && fabs(res->head[0].value - 3.0) < 0.01 &&
          !isnan(res->head[0].lo));
    CHECK(res && fabs(res->head[1].value - 1.0) < 0.01 &&
          isnan(res->head[1].lo));
    CHECK(res && res->head[2].value == 42);
    char *t = res ? text_of(res) : NULL;
    CHECK(t && strstr(t, "95% CI") &&
          strstr(t, "the hypothesis holds on this machine (1 of 1 claims "
                    "hold, 1 of 1 checks hold)"));
    CHECK(t && strstr(t, "a note without a newline\n"));
    free(t);
    /* summary.json: parses, and says the same */
    char path[] = "/tmp/hx-test-verdict-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    CHECK(res && hx_report_json(res, path) == 0);
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    unlink(path);
    CHECK(j != NULL);
    json_t *v = json_object_get(j, "verdict");
    CHECK(strcmp(json_string_value(json_object_get(v, "status")), "holds") ==
          0);
    json_t *c0 = json_array_get(json_object_get(j, "claims"), 0);
    CHECK(strcmp(json_string_value(json_object_get(c0, "ci_kind")),
                 "bootstrap95") == 0);
    CHECK(json_integer_value(
              json_object_get(json_object_get(c0, "at"), "threads")) == 2);
    json_t *h2 = json_array_get(json_object_get(j, "headlines"), 2);
    CHECK(json_number_value(json_object_get(h2, "value")) == 42);
    CHECK(json_is_null(json_object_get(
        json_array_get(json_object_get(j, "headlines"), 1), "ci_lo")));
    json_decref(j);
    hx_results_free(res);

    /* the same claims with a failing check: the verdict does not hold,
     * and names the check, not "1 of 1 claims hold" alone */
    check_mode = 2;
    res = hx_results_build(&r);
    CHECK(res && res->verdict == HX_ST_FAILS);
    CHECK(res && res->nreasons >= 2 &&
          strncmp(res->reasons[0], "check: the fake check", 21) == 0 &&
          res->reason_status[0] == HX_ST_FAILS);
    CHECK(res && strstr(res->verdict_text, "0 of 1 checks hold"));
    t = res ? text_of(res) : NULL;
    CHECK(t && strstr(t, "because check: the fake check (mode 2): does not "
                         "hold"));
    free(t);
    hx_results_free(res);
    hx_plan_free(&r);
}

static void test_busy(void) {
    hx_run r;
    hx_opts o;
    /* multi-threaded claim on a busy machine: the wall ratio would hold,
     * and it would fail the other way round; either way: not settled */
    if (plan(&r, &exp_max, &o, "1,2", 9))
        return;
    check_mode = 1;
    struct hx_results *res = build(&r, 9, 3.0, 1.0, 0.02, 0.5, 0, 0);
    CHECK(res && res->busy && res->worst_share < 0.6);
    CHECK(res && res->claims[0].j.status == HX_ST_HOLDS);
    CHECK(res && res->claims[0].status == HX_ST_UNSETTLED &&
          !res->claims[0].on_cpu);
    CHECK(res && res->rep.checks[0].status == HX_ST_UNSETTLED);
    CHECK(res && res->verdict == HX_ST_UNSETTLED);
    bool named = false;
    for (int i = 0; res && i < res->nreasons; i++)
        named |= strncmp(res->reasons[i], "busy machine", 12) == 0;
    CHECK(named);
    hx_results_free(res);
    res = build(&r, 9, 1.0, 3.0, 0.02, 0.5, 0, 0);
    CHECK(res && res->claims[0].j.status == HX_ST_FAILS &&
          res->claims[0].status == HX_ST_UNSETTLED &&
          res->verdict == HX_ST_UNSETTLED);
    hx_results_free(res);
    hx_plan_free(&r);

    /* single-threaded claim: judged on CPU time, both ways */
    if (plan(&r, &exp_one, &o, "1,2", 9))
        return;
    check_mode = 0;
    res = build(&r, 9, 3.0, 1.0, 0.02, 0.5, 1.0, 1.0); /* CPU: no gap */
    CHECK(res && res->busy && res->claims[0].on_cpu && res->claims[0].at == 1);
    CHECK(res && res->claims[0].status == HX_ST_FAILS &&
          res->verdict == HX_ST_FAILS);
    CHECK(res && strstr(res->claims[0].text, "on CPU time"));
    hx_results_free(res);
    /* wall: no gap (it would fail); CPU: 3x, at half the wall time */
    res = build(&r, 9, 6.0, 6.0, 0.02, 0.5, 3.0, 1.0);
    CHECK(res && res->claims[0].on_cpu &&
          res->claims[0].status == HX_ST_HOLDS && res->verdict == HX_ST_HOLDS);
    hx_results_free(res);
    hx_plan_free(&r);
}

static void test_few_reps(void) {
    hx_run r;
    hx_opts o;
    check_mode = 0;
    /* two repetitions: no interval, whatever the ratio */
    if (plan(&r, &exp_max, &o, "1,2", 2))
        return;
    struct hx_results *res = build(&r, 2, 10.0, 1.0, 0.01, 1.0, 0, 0);
    CHECK(res && res->claims[0].j.ci == HX_CI_NONE &&
          res->claims[0].status == HX_ST_INCONCLUSIVE &&
          res->verdict == HX_ST_INCONCLUSIVE);
    CHECK(res && isnan(res->head[0].lo) && !isnan(res->head[0].value));
    bool warned = false;
    for (int i = 0; res && i < res->nwarnings; i++)
        warned |= strstr(res->warnings[i], "no interval is claimed") != NULL;
    CHECK(warned);
    CHECK(res && strstr(res->claims[0].text, "too few for an interval"));
    hx_results_free(res);
    hx_plan_free(&r);

    /* three: the envelope, and the summary says so */
    if (plan(&r, &exp_max, &o, "1,2", 3))
        return;
    res = build(&r, 3, 3.0, 1.0, 0.02, 1.0, 0, 0);
    CHECK(res && res->claims[0].j.ci == HX_CI_MINMAX &&
          res->verdict == HX_ST_HOLDS);
    char *t = res ? text_of(res) : NULL;
    CHECK(t && strstr(t, "min/max envelope of 3 reps"));
    CHECK(t && strstr(t, "min/max envelope of the repetitions"));
    free(t);
    hx_results_free(res);
    hx_plan_free(&r);
}

static void test_oversubscribed(void) {
    hx_run r;
    hx_opts o;
    check_mode = 0;
    hx_topo topo;
    CHECK(hx_topo_load(&topo) == 0);
    char spec[32];
    snprintf(spec, sizeof spec, "%d", topo.pus + 1);
    /* every thread count above the PUs: said up front, not evaluated */
    if (plan(&r, &exp_max, &o, spec, 3))
        return;
    char where[HX_TEXT];
    hx_claims_where(&r, where, sizeof where);
    CHECK(strstr(where, "none can be judged") != NULL);
    int tc = task_clock(&r);
    hx_point *a = point(&r, "slow", topo.pus + 1),
             *b = point(&r, "fast", topo.pus + 1);
    CHECK(a && b && tc >= 0);
    if (!a || !b || tc < 0) {
        hx_plan_free(&r);
        return;
    }
    fill(a, tc, 3, 3.0, 0.01, 1.0, 0);
    fill(b, tc, 3, 1.0, 0.01, 1.0, 0);
    struct hx_results *res = hx_results_build(&r);
    CHECK(res && !res->claims[0].evaluated &&
          strstr(res->claims[0].why, "within the"));
    CHECK(res && res->verdict == HX_ST_UNSETTLED);
    bool warned = false;
    for (int i = 0; res && i < res->nwarnings; i++)
        warned |= strstr(res->warnings[i], "none can be judged") != NULL;
    CHECK(warned);
    hx_results_free(res);
    hx_plan_free(&r);

    /* within and above: judged at the PU count, and the header says so */
    snprintf(spec, sizeof spec, "1,%d", topo.pus + 1);
    if (plan(&r, &exp_max, &o, spec, 3))
        return;
    hx_claims_where(&r, where, sizeof where);
    char want[64];
    snprintf(want, sizeof want, "judged at %d threads or fewer", topo.pus);
    CHECK(strstr(where, want) != NULL);
    hx_plan_free(&r);
}

int main(void) {
    test_judge_ratio();
    test_combine();
    test_quiet_holds();
    test_busy();
    test_few_reps();
    test_oversubscribed();
    return hx_check_done();
}
