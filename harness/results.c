/*
 * results.c - from samples to a verdict: statistics, claims, summary.txt.
 *
 * Points are grouped into series (run.c: variant plus the non-x parameters
 * it uses) along the plot's x parameter. Per point: median, MAD, p10/p90,
 * coefficient of variation, outliers (flagged, never dropped), and the
 * median of every counter that was available. Per claim of the experiment:
 * the ratio of medians slow/fast at the claimed point with a bootstrap 95%
 * CI (stats.c); the claim holds when the CI's lower bound reaches the
 * expected ratio, is inconclusive when only the point estimate does, and
 * fails otherwise. The experiment's own verdict function, if any, adds its
 * lines. The summary goes to the terminal and to summary.txt unchanged.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "run.h"
#include "stats.h"

#define HX_BOOT_ITERS 2000
#define HX_BOOT_SEED  0x6d6563686c6162ull /* "mechlab" */

typedef struct hx_rpoint {
    int64_t x;
    hx_point *pt;
    hx_summary s;
    double *vals; /* ns_per_op of each repetition */
    int nv;
    double ev[HX_MAX_EVENTS];   /* median per op; NAN if none */
    double met[HX_MAX_METRICS]; /* median; NAN if none */
} hx_rpoint;

typedef struct hx_series {
    char name[200];
    const hx_variant *var;
    hx_rpoint *pts;
    int npts;
} hx_series;

typedef struct hx_claim_result {
    bool evaluated;
    bool left_out; /* names a go: series and Go is not installed */
    int64_t at;
    double ratio, lo, hi;
    int state; /* 1 holds, 0 inconclusive, -1 fails */
    char why[200];
    char unsettled[120]; /* non-empty: a point is not settled (calibrate.c):
                            state is 0, whatever the ratio says */
} hx_claim_result;

struct hx_results {
    hx_run *r;
    hx_series *series;
    int nseries;
    int64_t *xs;
    int nx;
    hx_claim_result claims[HX_MAX_CLAIMS];
    char verdict[4096];
    bool custom_held, has_custom;
};

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t point_x(const hx_run *r, const hx_point *pt) {
    return r->xparam == r->thread_param ? pt->threads : pt->val[r->xparam];
}

static hx_series *series_for(struct hx_results *res, const char *name,
                             const hx_variant *v) {
    for (int i = 0; i < res->nseries; i++)
        if (strcmp(res->series[i].name, name) == 0)
            return &res->series[i];
    hx_series *s =
        realloc(res->series, sizeof(hx_series) * (size_t)(res->nseries + 1));
    if (!s)
        return NULL;
    res->series = s;
    s = &res->series[res->nseries++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->var = v;
    return s;
}

/* Median over the repetitions of event (which 0) or metric (1) idx; the
 * largest for a HX_METRIC_MAX metric (a peak, a worst pause). */
static double median_of(const hx_point *pt, int which, int idx) {
    double v[1024];
    int n = 0;
    for (int i = 0; i < pt->nsamples && n < 1024; i++) {
        double x = which == 0 ? pt->samples[i].events[idx]
                              : pt->samples[i].metrics[idx];
        if (!isnan(x))
            v[n++] = x;
    }
    if (n && which == 1 &&
        (pt->run->exp->metrics[idx].kind & HX_METRIC_MAX)) {
        double mx = v[0];
        for (int i = 1; i < n; i++)
            mx = v[i] > mx ? v[i] : mx;
        return mx;
    }
    return n ? hx_median(v, (size_t)n) : NAN;
}

static const hx_rpoint *find_point(const struct hx_results *res,
                                   const char *series, int pidx, int64_t at) {
    for (int i = 0; i < res->nseries; i++) {
        if (strcmp(res->series[i].name, series) != 0)
            continue;
        for (int k = 0; k < res->series[i].npts; k++) {
            const hx_rpoint *p = &res->series[i].pts[k];
            if (p->pt->val[pidx] == at && p->nv > 0)
                return p;
        }
    }
    return NULL;
}

static void eval_claim(struct hx_results *res, int ci) {
    hx_run *r = res->r;
    const hx_claim *c = &r->exp->claims[ci];
    hx_claim_result *cr = &res->claims[ci];
    int pidx = c->at_param ? hx_param_index(r->exp, c->at_param) : r->xparam;
    if (pidx < 0) {
        snprintf(cr->why, sizeof cr->why, "no parameter '%s'", c->at_param);
        return;
    }
    int64_t at = c->at_value;
    if (!c->at_param && at == 0)
        at = HX_AT_MAX; /* left out: the largest x */
    bool want_max = at == HX_AT_MAX;
    if (at == HX_AT_MAX || at == HX_AT_MIN) {
        bool found = false;
        for (int k = 0; k < r->npts[pidx]; k++) {
            int64_t v = r->pts[pidx][k];
            if (pidx == r->thread_param && v > r->topo.pus)
                continue;
            if (!found || (want_max ? v > at : v < at))
                at = v;
            found = true;
        }
        if (!found) {
            snprintf(cr->why, sizeof cr->why, "no point to evaluate at");
            return;
        }
    }
    cr->at = at;
    if (r->go_missing &&
        (hx_gotwin_series(c->slow) || hx_gotwin_series(c->fast))) {
        cr->left_out = true;
        snprintf(cr->why, sizeof cr->why,
                 "left out: Go is not installed here, no go: series");
        return;
    }
    const hx_rpoint *a = find_point(res, c->slow, pidx, at);
    const hx_rpoint *b = find_point(res, c->fast, pidx, at);
    if (!a || !b) {
        snprintf(cr->why, sizeof cr->why, "series '%s' not measured at %s=%lld",
                 !a ? c->slow : c->fast, r->exp->params[pidx].name,
                 (long long)at);
        return;
    }
    if (hx_ratio_ci(a->vals, (size_t)a->nv, b->vals, (size_t)b->nv,
                    HX_BOOT_ITERS, HX_BOOT_SEED + (uint64_t)ci, 0.95,
                    &cr->ratio, &cr->lo, &cr->hi) != 0) {
        snprintf(cr->why, sizeof cr->why, "ratio undefined");
        return;
    }
    cr->evaluated = true;
    cr->state = cr->lo >= c->min_ratio ? 1 : cr->ratio >= c->min_ratio ? 0 : -1;
    /* Threads or PUs of unequal speed: the ratio is no evidence either
     * way (calibrate.c). */
    const hx_rpoint *u = a->pt->unsettled ? a : b->pt->unsettled ? b : NULL;
    if (u) {
        snprintf(cr->unsettled, sizeof cr->unsettled, "'%s' not settled: %s",
                 u == a ? c->slow : c->fast, u->pt->unsettled_why);
        cr->state = 0;
    }
}

struct hx_results *hx_results_build(hx_run *r) {
    struct hx_results *res = calloc(1, sizeof *res);
    if (!res)
        return NULL;
    res->r = r;
    int cap = 0;
    for (int f = 0; f < r->nfams; f++) {
        for (int i = 0; i < r->fams[f].npoints; i++) {
            hx_point *pt = &r->fams[f].points[i];
            char name[200];
            hx_series_name(r, pt, name, sizeof name);
            hx_series *s = series_for(res, name, pt->var);
            if (!s)
                continue;
            hx_rpoint *np =
                realloc(s->pts, sizeof(hx_rpoint) * (size_t)(s->npts + 1));
            if (!np)
                continue;
            s->pts = np;
            hx_rpoint *rp = &s->pts[s->npts++];
            memset(rp, 0, sizeof *rp);
            rp->x = point_x(r, pt);
            rp->pt = pt;
            rp->vals = calloc((size_t)pt->nsamples + 1, sizeof(double));
            for (int k = 0; k < pt->nsamples; k++)
                if (!isnan(pt->samples[k].ns_per_op))
                    rp->vals[rp->nv++] = pt->samples[k].ns_per_op;
            hx_summarize(rp->vals, (size_t)rp->nv, &rp->s);
            for (size_t e = 0; e < r->nevents; e++)
                rp->ev[e] = median_of(pt, 0, (int)e);
            for (int m = 0; m < r->exp->nmetrics && m < HX_MAX_METRICS; m++)
                rp->met[m] = median_of(pt, 1, m);
            if (res->nx == cap) {
                int64_t *nx =
                    realloc(res->xs, sizeof(int64_t) * (size_t)(cap * 2 + 8));
                if (!nx)
                    continue;
                res->xs = nx;
                cap = cap * 2 + 8;
            }
            res->xs[res->nx++] = rp->x;
        }
    }
    if (res->nx > 1)
        qsort(res->xs, (size_t)res->nx, sizeof(int64_t), cmp_i64);
    int u = 0;
    for (int i = 0; i < res->nx; i++)
        if (u == 0 || res->xs[u - 1] != res->xs[i])
            res->xs[u++] = res->xs[i];
    res->nx = u;
    for (int c = 0; c < r->exp->nclaims && c < HX_MAX_CLAIMS; c++)
        eval_claim(res, c);
    if (r->exp->verdict) {
        res->has_custom = true;
        res->custom_held =
            r->exp->verdict(res, res->verdict, sizeof res->verdict);
    }
    return res;
}

void hx_results_free(struct hx_results *res) {
    if (!res)
        return;
    for (int i = 0; i < res->nseries; i++) {
        for (int k = 0; k < res->series[i].npts; k++)
            free(res->series[i].pts[k].vals);
        free(res->series[i].pts);
    }
    free(res->series);
    free(res->xs);
    free(res);
}

/* ---- hx.h accessors for verdict functions -------------------------------- */

double hx_results_median(const hx_results *res, const char *series, int64_t x) {
    for (int i = 0; i < res->nseries; i++) {
        if (strcmp(res->series[i].name, series) != 0)
            continue;
        for (int k = 0; k < res->series[i].npts; k++)
            if (res->series[i].pts[k].x == x && res->series[i].pts[k].nv)
                return res->series[i].pts[k].s.median;
    }
    return NAN;
}

int hx_results_series_variant(const hx_results *res, int i) {
    return hx_variant_index(res->r, res->series[i].var);
}

double hx_results_metric(const hx_results *res, const char *series, int64_t x,
                         const char *metric) {
    const hx_experiment *e = res->r->exp;
    int m = -1;
    for (int k = 0; k < e->nmetrics && k < HX_MAX_METRICS; k++)
        if (strcmp(e->metrics[k].name, metric) == 0)
            m = k;
    if (m < 0)
        return NAN;
    for (int i = 0; i < res->nseries; i++) {
        if (strcmp(res->series[i].name, series) != 0)
            continue;
        for (int k = 0; k < res->series[i].npts; k++)
            if (res->series[i].pts[k].x == x && res->series[i].pts[k].nv)
                return res->series[i].pts[k].met[m];
    }
    return NAN;
}

void hx_results_point_metric(const hx_results *res, int i, int k, int m,
                             hx_summary *s) {
    const hx_rpoint *p = &res->series[i].pts[k];
    double v[1024];
    int n = 0;
    for (int j = 0; j < p->pt->nsamples && n < 1024; j++)
        if (!p->pt->samples[j].failed && !isnan(p->pt->samples[j].metrics[m]))
            v[n++] = p->pt->samples[j].metrics[m];
    hx_summarize(v, (size_t)n, s);
}

double hx_results_cpu_median(const hx_results *res, const char *series,
                             int64_t x) {
    const hx_run *r = res->r;
    int tc = -1;
    for (size_t i = 0; i < r->nevents; i++)
        if (hx_counters_available(r->counters, i) &&
            strcmp(hx_counters_name(r->counters, i), "task-clock") == 0)
            tc = (int)i;
    if (tc < 0)
        return NAN;
    for (int i = 0; i < res->nseries; i++) {
        if (strcmp(res->series[i].name, series) != 0)
            continue;
        for (int k = 0; k < res->series[i].npts; k++)
            if (res->series[i].pts[k].x == x && res->series[i].pts[k].nv)
                return res->series[i].pts[k].ev[tc];
    }
    return NAN;
}

int hx_results_nx(const hx_results *res) {
    return res->nx;
}
int64_t hx_results_x(const hx_results *res, int i) {
    return i >= 0 && i < res->nx ? res->xs[i] : 0;
}
const hx_topo *hx_results_topo(const hx_results *res) {
    return &res->r->topo;
}

/* Used by plot.c and output.c. */
int hx_results_nseries(const hx_results *res) {
    return res->nseries;
}
const char *hx_results_series(const hx_results *res, int i) {
    return res->series[i].name;
}
int hx_results_series_points(const hx_results *res, int i) {
    return res->series[i].npts;
}
void hx_results_point(const hx_results *res, int i, int k, int64_t *x,
                      hx_summary *s, bool *oversub) {
    const hx_rpoint *p = &res->series[i].pts[k];
    *x = p->x;
    *s = p->s;
    *oversub = p->pt->oversub;
}

/* ---- the summary ----------------------------------------------------------- */

static void fmt_ns(double v, char *b, size_t n) {
    if (isnan(v))
        snprintf(b, n, "n/a");
    else if (v >= 100000)
        snprintf(b, n, "%.0f", v);
    else if (v >= 100)
        snprintf(b, n, "%.1f", v);
    else
        snprintf(b, n, "%.3g", v);
}

bool hx_results_summary(struct hx_results *res, FILE *f) {
    hx_run *r = res->r;
    const hx_experiment *e = r->exp;
    const hx_param *xp = &e->params[r->xparam];
    char line[512];
    hx_context_oneline(&r->topo, line, sizeof line);
    fprintf(f, "\n%s: %s\n", e->name, e->summary);
    fprintf(f, "machine: %s [%s]\n", line, r->mdir);
    fprintf(f,
            "ns per %s per thread: median of %d reps, MAD, p10..p90, "
            "coefficient of variation\n\n",
            e->op ? e->op : "op", r->reps);

    /* available counters become columns */
    size_t evcol[HX_MAX_EVENTS];
    size_t nevcol = 0;
    for (size_t i = 0; i < r->nevents; i++)
        if (hx_counters_available(r->counters, i))
            evcol[nevcol++] = i;

    size_t w = 6;
    for (int i = 0; i < res->nseries; i++)
        w = strlen(res->series[i].name) > w ? strlen(res->series[i].name) : w;
    fprintf(f, "%-*s %10s %9s %8s %19s %6s", (int)w, "series", xp->name,
            "median", "MAD", "p10..p90", "cv");
    for (int m = 0; m < e->nmetrics; m++)
        fprintf(f, " %12s", e->metrics[m].name);
    for (size_t k = 0; k < nevcol; k++)
        fprintf(f, " %14.14s/op", hx_counters_name(r->counters, evcol[k]));
    fprintf(f, "\n");

    int noisy = 0, skipped = 0, failed = 0, oversub = 0, run_skips = 0,
        partial = 0;
    char run_first[32] = "";
    for (int i = 0; i < res->nseries; i++) {
        for (int k = 0; k < res->series[i].npts; k++) {
            hx_rpoint *p = &res->series[i].pts[k];
            char xb[32], med[24], mad[24], lo[24], hi[24], cv[24], rng[64];
            hx_format_value(xp, p->x, xb, sizeof xb);
            if (p->pt->oversub) {
                strncat(xb, "*", sizeof xb - strlen(xb) - 1);
                oversub++;
            }
            if (p->nv == 0 && p->pt->skip[0]) {
                /* one line per run of skips with the same reason */
                const hx_rpoint *nx = k + 1 < res->series[i].npts
                                          ? &res->series[i].pts[k + 1]
                                          : NULL;
                skipped++;
                run_skips++;
                if (!run_first[0])
                    snprintf(run_first, sizeof run_first, "%s", xb);
                if (nx && nx->nv == 0 && strcmp(nx->pt->skip, p->pt->skip) == 0)
                    continue;
                if (run_skips == 1)
                    fprintf(f, "%-*s %10s  skipped: %s\n", (int)w,
                            res->series[i].name, xb, p->pt->skip);
                else
                    fprintf(f, "%-*s %10s  skipped at %d points up to %s: %s\n",
                            (int)w, res->series[i].name, run_first, run_skips,
                            xb, p->pt->skip);
                run_skips = 0;
                run_first[0] = 0;
                continue;
            }
            if (p->nv == 0) {
                fprintf(f, "%-*s %10s  failed: %s\n", (int)w,
                        res->series[i].name, xb,
                        p->pt->error[0] ? p->pt->error : "no samples");
                failed++;
                continue;
            }
            fmt_ns(p->s.median, med, sizeof med);
            fmt_ns(p->s.mad, mad, sizeof mad);
            fmt_ns(p->s.p10, lo, sizeof lo);
            fmt_ns(p->s.p90, hi, sizeof hi);
            snprintf(rng, sizeof rng, "%s..%s", lo, hi);
            bool hot = p->s.cv > HX_CV_WARN;
            noisy += hot;
            snprintf(cv, sizeof cv, "%.1f%%%s", p->s.cv * 100, hot ? "!" : "");
            fprintf(f, "%-*s %10s %9s %8s %19s %6s", (int)w,
                    res->series[i].name, xb, med, mad, rng, cv);
            for (int m = 0; m < e->nmetrics; m++) {
                char mb[24];
                fmt_ns(p->met[m], mb, sizeof mb);
                fprintf(f, " %12s", mb);
            }
            for (size_t c = 0; c < nevcol; c++) {
                double v = p->ev[evcol[c]];
                if (isnan(v))
                    fprintf(f, " %17s", "n/a");
                else
                    fprintf(f, " %17.4g", v);
            }
            if (p->s.outliers)
                fprintf(f, "  (%zu outlier%s)", p->s.outliers,
                        p->s.outliers > 1 ? "s" : "");
            if (p->nv < p->pt->nsamples) {
                fprintf(f, "  (%d of %d reps failed: %s)",
                        p->pt->nsamples - p->nv, p->pt->nsamples,
                        p->pt->error[0] ? p->pt->error : "no value");
                partial++;
            } else if (p->pt->skip[0]) {
                fprintf(f, "  (then skipped: %s)", p->pt->skip);
                partial++;
            }
            fprintf(f, "\n");
        }
    }
    if (oversub)
        fprintf(f,
                "* over-subscribed: more threads than the %d PUs; threads "
                "share PUs, so per-thread time includes waiting\n",
                r->topo.pus);
    /* CPU share: task-clock per op over wall ns per op. Below ~90% at a
     * point that is not over-subscribed, something else ran on these PUs
     * and the wall times include waiting for them. */
    int tc = -1;
    for (size_t i = 0; i < r->nevents; i++)
        if (hx_counters_available(r->counters, i) &&
            strcmp(hx_counters_name(r->counters, i), "task-clock") == 0)
            tc = (int)i;
    double worst = 1.0;
    if (tc >= 0 && !e->runtime)
        for (int i = 0; i < res->nseries; i++)
            for (int k = 0; k < res->series[i].npts; k++) {
                hx_rpoint *p = &res->series[i].pts[k];
                if (p->nv == 0 || p->pt->oversub || isnan(p->ev[tc]))
                    continue;
                double share = p->ev[tc] / p->s.median;
                worst = share < worst ? share : worst;
            }
    if (worst < 0.9)
        fprintf(f,
                "! busy machine: at some points the threads ran only %.0f%% "
                "of their timed wall time (task-clock); the numbers "
                "include waiting for other programs. Rerun when the "
                "machine is quiet.\n",
                worst * 100);
    if (noisy)
        fprintf(f,
                "! high variation (cv > %.0f%%) at %d point%s: rerun with "
                "more --reps on a quieter machine before trusting them\n",
                HX_CV_WARN * 100, noisy, noisy > 1 ? "s" : "");

    size_t unav = 0;
    for (size_t i = 0; i < r->nevents; i++)
        unav += !hx_counters_available(r->counters, i);
    if (unav) {
        fprintf(f, "\ncounters unavailable here (n/a, empty in data.csv):\n");
        for (size_t i = 0; i < r->nevents; i++)
            if (!hx_counters_available(r->counters, i))
                fprintf(f, "  %s: %s\n", hx_counters_name(r->counters, i),
                        hx_counters_reason(r->counters, i));
    }

    int held = 0, failedc = 0, inconc = 0, evaluated = 0, left_out = 0;
    if (e->nclaims)
        fprintf(f, "\nclaims (ratio of medians, bootstrap 95%% CI)\n");
    for (int c = 0; c < e->nclaims && c < HX_MAX_CLAIMS; c++) {
        const hx_claim *cl = &e->claims[c];
        hx_claim_result *cr = &res->claims[c];
        int pidx = cl->at_param ? hx_param_index(e, cl->at_param) : r->xparam;
        if (!cr->evaluated) {
            fprintf(f, "  '%s' vs '%s': %s%s%s\n", cl->slow, cl->fast,
                    cr->left_out ? "" : "not evaluated (", cr->why,
                    cr->left_out ? "" : ")");
            left_out += cr->left_out;
            continue;
        }
        evaluated++;
        char at[32];
        hx_format_value(&e->params[pidx], cr->at, at, sizeof at);
        char stb[160];
        if (cr->unsettled[0])
            snprintf(stb, sizeof stb, "not settled (%s)", cr->unsettled);
        const char *st = cr->unsettled[0]  ? stb
                         : cr->state > 0   ? "holds"
                         : cr->state == 0 ? "inconclusive (CI reaches below)"
                                          : "does not hold";
        held += cr->state > 0;
        inconc += cr->state == 0;
        failedc += cr->state < 0;
        if (cr->ratio >= 1)
            fprintf(f,
                    "  %s=%s: '%s' is %.2fx faster than '%s' (95%% CI "
                    "%.2f-%.2f; expected >= %.2gx): %s\n",
                    e->params[pidx].name, at, cl->fast, cr->ratio, cl->slow,
                    cr->lo, cr->hi, cl->min_ratio, st);
        else /* the CI of fast/slow, to match the number printed */
            fprintf(f,
                    "  %s=%s: '%s' is %.2fx slower than '%s' (95%% CI "
                    "%.2f-%.2f; expected it >= %.2gx faster): %s\n",
                    e->params[pidx].name, at, cl->fast, 1 / cr->ratio, cl->slow,
                    1 / cr->hi, 1 / cr->lo, cl->min_ratio, st);
    }
    if (res->has_custom && res->verdict[0])
        fprintf(f, "\n%s%s", res->verdict,
                res->verdict[strlen(res->verdict) - 1] == '\n' ? "" : "\n");

    bool ok = failedc == 0 && inconc == 0 &&
              evaluated == e->nclaims - left_out &&
              (!res->has_custom || res->custom_held);
    bool busy = worst < 0.9;
    const char *word = ok     ? "holds"
                       : busy ? "is not settled"
                       : failedc || (res->has_custom && !res->custom_held)
                           ? "does not hold"
                           : "is not settled";
    if (e->nclaims == 0 && !res->has_custom) {
        fprintf(f, "\nverdict: none (this experiment declares no claims; read "
                   "the table and the plot)\n");
        return true;
    }
    fprintf(f, "\nverdict: the hypothesis %s on this machine", word);
    if (e->nclaims)
        fprintf(f, " (%d of %d claims hold%s)", held, e->nclaims - left_out,
                inconc ? ", some inconclusive" : "");
    if (busy && !ok)
        fprintf(f, ": it was busy while measuring (see above)");
    fprintf(f, "\n");
    if (r->go_missing)
        fprintf(f, "note: Go is not installed here: no go: series were "
                   "measured%s\n",
                left_out ? ", and the claims against Go are left out" : "");
    if (skipped || failed)
        fprintf(f, "note: %d point%s skipped, %d failed (reasons above)\n",
                skipped, skipped == 1 ? "" : "s", failed);
    if (partial)
        fprintf(f,
                "note: %d point%s lost some repetitions (reasons above); "
                "their statistics use the rest\n",
                partial, partial == 1 ? "" : "s");
    return ok;
}
