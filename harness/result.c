/*
 * result.c - from samples to the one result: statistics, claims, checks,
 * headlines, warnings and the verdict with its reasons.
 *
 * Points are grouped into series (run.c: variant plus the non-x parameters
 * it uses) along the plot's x parameter. Per point: median, MAD, p10/p90,
 * coefficient of variation, outliers (flagged, never dropped), the median
 * of every counter that was available, and the CPU share (task-clock per
 * op over wall ns per op).
 *
 * Claims are judged by verdict.c at the point they name; a claim at the
 * largest thread count is judged at the largest count within the PUs
 * (over-subscribed points are shown, never judged), and the header says
 * so up front (hx_claims_where).
 *
 * Busy machine. Below HX_BUSY_SHARE of CPU share at a point that is not
 * over-subscribed, something else ran on these PUs and the wall times
 * include waiting for it. Then no wall-time claim or check settles
 * anything either way. A claim whose two points are single-threaded, in
 * an experiment whose timed thread does the work (not .runtime), with
 * task-clock read, is judged on CPU time per op instead: one thread's
 * task-clock is what its op consumed, which waiting does not inflate.
 * Multi-threaded points are not: a thread that waits for a PU lets the
 * others run uncontended, so even their CPU time is not the contended
 * cost.
 *
 * The verdict names every claim and check that decided it (reasons), so a
 * reader never sees "does not hold (3 of 3 claims hold)".
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gotwin.h"
#include "plan.h"
#include "result.h"

#define HX_BOOT_SEED 0x6d6563686c6162ull /* "mechlab" */

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t point_x(const hx_run *r, const hx_point *pt) {
    return r->xparam == r->thread_param ? pt->threads : pt->val[r->xparam];
}

void hx_fmt_ns(double v, char *b, size_t n) {
    if (isnan(v))
        snprintf(b, n, "n/a");
    else if (v >= 100000)
        snprintf(b, n, "%.0f", v);
    else if (v >= 100)
        snprintf(b, n, "%.1f", v);
    else
        snprintf(b, n, "%.3g", v);
}

static void warn(struct hx_results *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void warn(struct hx_results *res, const char *fmt, ...) {
    if (res->nwarnings == HX_MAX_WARNINGS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->warnings[res->nwarnings++], HX_TEXT, fmt, ap);
    va_end(ap);
}

static void reason(struct hx_results *res, hx_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void reason(struct hx_results *res, hx_status st, const char *fmt, ...) {
    if (res->nreasons == HX_MAX_REASONS)
        return;
    res->reason_status[res->nreasons] = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->reasons[res->nreasons++], HX_TEXT, fmt, ap);
    va_end(ap);
}

/* ---- the report API of hx.h ----------------------------------------------- */

void hx_report_printf(hx_report *rep, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    if (rep->len + (size_t)n + 2 > rep->cap) {
        size_t cap = (rep->cap + (size_t)n + 2) * 2;
        char *p = realloc(rep->notes, cap);
        if (!p)
            return;
        rep->notes = p;
        rep->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(rep->notes + rep->len, rep->cap - rep->len, fmt, ap);
    va_end(ap);
    rep->len += (size_t)n;
}

static void add_check(hx_report *rep, hx_status st, const char *fmt,
                      va_list ap) {
    if (rep->nchecks == HX_MAX_CHECKS)
        return;
    hx_check *c = &rep->checks[rep->nchecks++];
    c->status = st;
    vsnprintf(c->text, sizeof c->text, fmt, ap);
}

void hx_report_check(hx_report *rep, bool held, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    add_check(rep, held ? HX_ST_HOLDS : HX_ST_FAILS, fmt, ap);
    va_end(ap);
}

void hx_report_unsettled(hx_report *rep, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    add_check(rep, HX_ST_UNSETTLED, fmt, ap);
    va_end(ap);
}

void hx_report_headline(hx_report *rep, const char *key, double value) {
    const hx_experiment *e = rep->exp;
    for (int i = 0; i < e->nheadlines && i < HX_MAX_HEADLINES; i++)
        if (strcmp(e->headlines[i].key, key) == 0) {
            rep->head[i] = value;
            return;
        }
    fprintf(stderr, "mechlab: internal: %s declares no headline '%s'\n",
            e->name, key);
}

/* ---- building ----------------------------------------------------------- */

static hx_rseries *series_for(struct hx_results *res, const char *name,
                              const hx_variant *v) {
    for (int i = 0; i < res->nseries; i++)
        if (strcmp(res->series[i].name, name) == 0)
            return &res->series[i];
    hx_rseries *s =
        realloc(res->series, sizeof(hx_rseries) * (size_t)(res->nseries + 1));
    if (!s)
        return NULL;
    res->series = s;
    s = &res->series[res->nseries++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->var = v;
    return s;
}

static double median_of(const hx_point *pt, int which, int idx) {
    double *v = malloc(sizeof(double) * ((size_t)pt->nsamples + 1));
    int n = 0;
    for (int i = 0; v && i < pt->nsamples; i++) {
        if (pt->samples[i].failed)
            continue;
        double x = which == 0 ? pt->samples[i].events[idx]
                              : pt->samples[i].metrics[idx];
        if (which == 1 && !pt->samples[i].metric_set[idx])
            continue;
        if (!isnan(x))
            v[n++] = x;
    }
    double m = n ? hx_median(v, (size_t)n) : NAN;
    /* a HX_METRIC_MAX metric (a peak, a worst pause): the largest */
    if (n && which == 1 && (pt->run->exp->metrics[idx].kind & HX_METRIC_MAX))
        for (int i = 0; i < n; i++)
            m = v[i] > m ? v[i] : m;
    free(v);
    return m;
}

void hx_rpoint_metric(const hx_rpoint *p, int m, hx_summary *s) {
    double *v = malloc(sizeof(double) * ((size_t)p->pt->nsamples + 1));
    int n = 0;
    for (int j = 0; v && j < p->pt->nsamples; j++)
        if (!p->pt->samples[j].failed && !isnan(p->pt->samples[j].metrics[m]))
            v[n++] = p->pt->samples[j].metrics[m];
    hx_summarize(v, (size_t)n, s);
    free(v);
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

/* The value of parameter pidx a claim at `at` means (HX_AT_MAX/MIN: the
 * largest/smallest planned value, within the PUs for the thread count). */
static bool resolve_at(const hx_run *r, int pidx, int64_t at, int64_t *out) {
    if (at != HX_AT_MAX && at != HX_AT_MIN) {
        *out = at;
        return true;
    }
    bool found = false, want_max = at == HX_AT_MAX;
    for (int k = 0; k < r->npts[pidx]; k++) {
        int64_t v = r->pts[pidx][k];
        if (pidx == r->thread_param && v > r->topo.pus)
            continue;
        if (!found || (want_max ? v > *out : v < *out))
            *out = v;
        found = true;
    }
    return found;
}

void hx_claims_where(const hx_run *r, char *buf, size_t len) {
    buf[0] = 0;
    int tp = r->thread_param;
    if (tp < 0 || r->npts[tp] == 0 ||
        r->pts[tp][r->npts[tp] - 1] <= r->topo.pus)
        return;
    if (r->pts[tp][0] > r->topo.pus)
        snprintf(buf, len,
                 "every thread count here exceeds the %d PUs: claims are "
                 "judged only within the PUs, so none can be judged in "
                 "this run",
                 r->topo.pus);
    else
        snprintf(buf, len,
                 "claims are judged at %d threads or fewer (the %d PUs); "
                 "over-subscribed points are shown, not judged",
                 r->topo.pus, r->topo.pus);
}

static void claim_text(struct hx_results *res, int ci) {
    const hx_run *r = res->r;
    const hx_experiment *e = r->exp;
    const hx_claim *cl = &e->claims[ci];
    const hx_claim_result *cr = &res->claims[ci];
    char *t = res->claims[ci].text;
    size_t len = HX_TEXT;
    if (!cr->evaluated) {
        snprintf(t, len, "'%s' vs '%s': %s%s%s", cl->slow, cl->fast,
                 cr->left_out ? "" : "not evaluated (", cr->why,
                 cr->left_out ? "" : ")");
        return;
    }
    char at[32], iv[160];
    hx_format_value(&e->params[cr->pidx], cr->at, at, sizeof at);
    const hx_judgement *j = &cr->j;
    /* Print the ratio as a factor >= 1, with the interval of that same
     * ratio. */
    bool faster = j->ratio >= 1;
    double lo = faster ? j->lo : 1 / j->hi, hi = faster ? j->hi : 1 / j->lo;
    if (j->ci == HX_CI_BOOT95)
        snprintf(iv, sizeof iv, "95%% CI %.2f-%.2f", lo, hi);
    else if (j->ci == HX_CI_MINMAX)
        snprintf(iv, sizeof iv, "min/max envelope of %d reps %.2f-%.2f", j->n,
                 lo, hi);
    else
        snprintf(iv, sizeof iv, "%d rep%s: too few for an interval", j->n,
                 j->n == 1 ? "" : "s");
    const char *st;
    char stb[200];
    switch (cr->status) {
    case HX_ST_HOLDS:
        st = "holds";
        break;
    case HX_ST_FAILS:
        st = "does not hold";
        break;
    case HX_ST_INCONCLUSIVE:
        if (j->ci == HX_CI_NONE)
            snprintf(stb, sizeof stb,
                     "inconclusive (no interval below %d repetitions)",
                     HX_CI_MIN_REPS);
        else
            snprintf(stb, sizeof stb,
                     "inconclusive (the interval straddles %.2gx)",
                     cl->min_ratio);
        st = stb;
        break;
    default:
        if (cr->unsettled[0]) {
            snprintf(stb, sizeof stb, "not settled (%s)", cr->unsettled);
            st = stb;
        } else {
            st = "not settled (the machine was busy: wall time includes "
                 "waiting for other programs)";
        }
        break;
    }
    const char *on = cr->on_cpu ? "on CPU time (busy machine), " : "";
    if (faster)
        snprintf(t, len,
                 "%s=%s: %s'%s' is %.2fx faster than '%s' (%s; expected >= "
                 "%.2gx): %s",
                 e->params[cr->pidx].name, at, on, cl->fast, j->ratio, cl->slow,
                 iv, cl->min_ratio, st);
    else
        snprintf(t, len,
                 "%s=%s: %s'%s' is %.2fx slower than '%s' (%s; expected it "
                 ">= %.2gx faster): %s",
                 e->params[cr->pidx].name, at, on, cl->fast, 1 / j->ratio,
                 cl->slow, iv, cl->min_ratio, st);
}

static void eval_claim(struct hx_results *res, int ci) {
    hx_run *r = res->r;
    const hx_claim *c = &r->exp->claims[ci];
    hx_claim_result *cr = &res->claims[ci];
    cr->status = HX_ST_UNSETTLED;
    int pidx = c->at_param ? hx_param_index(r->exp, c->at_param) : r->xparam;
    cr->pidx = pidx < 0 ? 0 : pidx;
    if (pidx < 0) {
        snprintf(cr->why, sizeof cr->why, "no parameter '%s'", c->at_param);
        return;
    }
    int64_t at = c->at_value;
    if (!c->at_param && at == 0)
        at = HX_AT_MAX; /* left out: the largest x */
    if (!resolve_at(r, pidx, at, &at)) {
        snprintf(cr->why, sizeof cr->why,
                 pidx == r->thread_param
                     ? "no thread count within the %d PUs in this run"
                     : "no point to evaluate at",
                 r->topo.pus);
        return;
    }
    cr->at = at;
    if (r->go_missing &&
        (hx_gotwin_series(c->slow) || hx_gotwin_series(c->fast))) {
        cr->left_out = true;
        cr->status = HX_ST_NONE; /* counts neither way */
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
    uint64_t seed = HX_BOOT_SEED + (uint64_t)ci;
    bool cpu_sound = a->pt->threads == 1 && b->pt->threads == 1 &&
                     !r->exp->runtime && !a->pt->var->runtime &&
                     !b->pt->var->runtime && a->ncpu > 0 && b->ncpu > 0;
    int rc;
    if (res->busy && cpu_sound) {
        cr->on_cpu = true;
        rc = hx_judge_ratio(a->cpu, (size_t)a->ncpu, b->cpu, (size_t)b->ncpu,
                            c->min_ratio, seed, &cr->j);
    } else {
        rc = hx_judge_ratio(a->vals, (size_t)a->nv, b->vals, (size_t)b->nv,
                            c->min_ratio, seed, &cr->j);
    }
    if (rc != 0) {
        snprintf(cr->why, sizeof cr->why, "ratio undefined");
        return;
    }
    cr->evaluated = true;
    cr->status = res->busy && !cr->on_cpu ? HX_ST_UNSETTLED : cr->j.status;
    /* Threads or PUs of unequal speed at either point: the ratio is no
     * evidence either way (calibrate.c). */
    const hx_rpoint *u = a->pt->unsettled ? a : b->pt->unsettled ? b : NULL;
    if (u) {
        snprintf(cr->unsettled, sizeof cr->unsettled, "'%s' not settled: %s",
                 u == a ? c->slow : c->fast, u->pt->unsettled_why);
        cr->status = HX_ST_UNSETTLED;
    }
}

static void find_busy(struct hx_results *res) {
    const hx_run *r = res->r;
    res->worst_share = 1.0;
    for (int i = 0; i < res->nseries; i++)
        for (int k = 0; k < res->series[i].npts; k++) {
            hx_rpoint *p = &res->series[i].pts[k];
            p->cpu_share = NAN;
            if (res->tc < 0 || p->nv == 0 || isnan(p->ev[res->tc]) ||
                !(p->s.median > 0))
                continue;
            p->cpu_share = p->ev[res->tc] / p->s.median;
            if (r->exp->runtime || p->pt->var->runtime || p->pt->oversub)
                continue;
            if (p->cpu_share < res->worst_share) {
                char xb[32];
                res->worst_share = p->cpu_share;
                hx_format_value(&r->exp->params[r->xparam], p->x, xb,
                                sizeof xb);
                snprintf(res->busy_at, sizeof res->busy_at, "'%s' at %s=%s",
                         res->series[i].name, r->exp->params[r->xparam].name,
                         xb);
            }
        }
    res->busy = res->worst_share < HX_BUSY_SHARE;
}

static void headlines(struct hx_results *res) {
    const hx_run *r = res->r;
    const hx_experiment *e = r->exp;
    for (int i = 0; i < e->nheadlines && i < HX_MAX_HEADLINES; i++) {
        const hx_headline *h = &e->headlines[i];
        hx_headline_value *v = &res->head[res->nhead++];
        *v = (hx_headline_value){.decl = h, .value = NAN, .lo = NAN, .hi = NAN};
        if (h->kind == HX_HEAD_CLAIM && h->claim >= 0 &&
            h->claim < res->nclaims && res->claims[h->claim].evaluated) {
            const hx_judgement *j = &res->claims[h->claim].j;
            v->value = j->ratio;
            if (j->ci != HX_CI_NONE) {
                v->lo = j->lo;
                v->hi = j->hi;
            }
        } else if (h->kind == HX_HEAD_MEDIAN && h->series) {
            int64_t at = h->at == 0 ? HX_AT_MAX : h->at, x;
            if (resolve_at(r, r->xparam, at, &x))
                v->value = hx_results_median(res, h->series, x);
        } else if (h->kind == HX_HEAD_REPORT) {
            v->value = res->rep.head[i];
        }
    }
}

static void decide(struct hx_results *res) {
    hx_status st[HX_MAX_CLAIMS + HX_MAX_CHECKS];
    int n = 0, held = 0, nchecks = res->rep.nchecks, cheld = 0, judged = 0;
    for (int c = 0; c < res->nclaims; c++) {
        st[n++] = res->claims[c].status;
        held += res->claims[c].status == HX_ST_HOLDS;
        judged += !res->claims[c].left_out;
    }
    for (int c = 0; c < nchecks; c++) {
        /* the checks read wall-time medians: a busy run settles none */
        if (res->busy && res->rep.checks[c].status != HX_ST_UNSETTLED) {
            res->rep.checks[c].status = HX_ST_UNSETTLED;
            strncat(res->rep.checks[c].text, " (not settled: busy machine)",
                    HX_TEXT - strlen(res->rep.checks[c].text) - 1);
        }
        st[n++] = res->rep.checks[c].status;
        cheld += res->rep.checks[c].status == HX_ST_HOLDS;
    }
    res->verdict = hx_verdict_combine(st, n);
    if (res->verdict == HX_ST_NONE) {
        snprintf(res->verdict_text, sizeof res->verdict_text,
                 "none (this experiment declares no claims; read the table "
                 "and the plot)");
        return;
    }
    char counts[200] = "";
    size_t o = 0;
    if (judged)
        o += (size_t)snprintf(counts + o, sizeof counts - o,
                              "%d of %d claims hold", held, judged);
    if (nchecks && o < sizeof counts)
        o += (size_t)snprintf(counts + o, sizeof counts - o,
                              "%s%d of %d checks hold", o ? ", " : "", cheld,
                              nchecks);
    snprintf(res->verdict_text, sizeof res->verdict_text,
             "the hypothesis %s on this machine (%s)%s",
             hx_status_words(res->verdict), counts,
             res->busy && res->verdict == HX_ST_UNSETTLED
                 ? ": it was busy while measuring"
                 : "");
    /* Every claim and check, the ones that decided first. */
    for (int pass = 0; pass < 2; pass++) {
        for (int c = 0; c < res->nclaims; c++)
            if ((res->claims[c].status != HX_ST_HOLDS) == (pass == 0) &&
                !res->claims[c].left_out)
                reason(res, res->claims[c].status, "claim: %s",
                       res->claims[c].text);
        for (int c = 0; c < nchecks; c++)
            if ((res->rep.checks[c].status != HX_ST_HOLDS) == (pass == 0))
                reason(res, res->rep.checks[c].status, "check: %s: %s",
                       res->rep.checks[c].text,
                       res->rep.checks[c].status == HX_ST_HOLDS
                           ? "holds"
                           : hx_status_words(res->rep.checks[c].status));
    }
    int on_cpu = 0;
    for (int c = 0; c < res->nclaims; c++)
        on_cpu += res->claims[c].on_cpu;
    if (res->busy)
        reason(res, HX_ST_UNSETTLED,
               "busy machine: at %s the threads ran only %.0f%% of their "
               "timed wall time (task-clock), so wall-time figures settle "
               "nothing either way%s",
               res->busy_at, res->worst_share * 100,
               on_cpu ? "; the claims between single-threaded points were "
                        "judged on CPU time instead"
                      : "");
}

static void collect_warnings(struct hx_results *res) {
    const hx_run *r = res->r;
    char where[HX_TEXT];
    hx_claims_where(r, where, sizeof where);
    if (res->oversub)
        warn(res,
             "over-subscribed (*): more threads than the %d PUs; threads "
             "share PUs, so per-thread time includes waiting%s%s",
             r->topo.pus, where[0] && r->exp->nclaims ? "; " : "",
             r->exp->nclaims ? where : "");
    if (res->busy)
        warn(res,
             "busy machine: at %s the threads ran only %.0f%% of their "
             "timed wall time (task-clock); the numbers include waiting "
             "for other programs. Rerun when the machine is quiet.",
             res->busy_at, res->worst_share * 100);
    if (res->noisy)
        warn(res,
             "high variation (cv > %.0f%%) at %d point%s: rerun with more "
             "--reps on a quieter machine before trusting them",
             HX_CV_WARN * 100, res->noisy, res->noisy > 1 ? "s" : "");
    if (r->reps < HX_CI_MIN_REPS && r->exp->nclaims)
        warn(res,
             "%d repetition%s per point: no interval is claimed below %d, "
             "so every claim is inconclusive",
             r->reps, r->reps == 1 ? "" : "s", HX_CI_MIN_REPS);
    else if (r->reps < HX_CI_BOOT_REPS && r->exp->nclaims)
        warn(res,
             "%d repetitions per point: each claim's interval is the "
             "min/max envelope of the repetitions, not a 95%% bootstrap "
             "interval (that needs %d or more)",
             r->reps, HX_CI_BOOT_REPS);
    int left_out = 0;
    for (int c = 0; c < res->nclaims; c++)
        left_out += res->claims[c].left_out;
    if (r->go_missing)
        warn(res, "Go is not installed here: no go: series were measured%s",
             left_out ? ", and the claims against Go are left out" : "");
    if (res->skipped || res->failed)
        warn(res, "%d point%s skipped, %d failed (reasons in the table)",
             res->skipped, res->skipped == 1 ? "" : "s", res->failed);
    if (res->partial)
        warn(res,
             "%d point%s lost some repetitions (reasons in the table); "
             "their statistics use the rest",
             res->partial, res->partial == 1 ? "" : "s");
}

struct hx_results *hx_results_build(hx_run *r) {
    struct hx_results *res = calloc(1, sizeof *res);
    if (!res)
        return NULL;
    res->r = r;
    res->rep.exp = r->exp;
    for (int i = 0; i < HX_MAX_HEADLINES; i++)
        res->rep.head[i] = NAN;
    res->tc = -1;
    for (size_t i = 0; i < r->nevents; i++)
        if (hx_counters_available(r->counters, i) &&
            strcmp(hx_counters_name(r->counters, i), "task-clock") == 0)
            res->tc = (int)i;
    int cap = 0;
    for (int f = 0; f < r->nfams; f++) {
        for (int i = 0; i < r->fams[f].npoints; i++) {
            hx_point *pt = &r->fams[f].points[i];
            char name[200];
            hx_series_name(r, pt, name, sizeof name);
            hx_rseries *s = series_for(res, name, pt->var);
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
            rp->cpu = calloc((size_t)pt->nsamples + 1, sizeof(double));
            for (int k = 0; rp->vals && rp->cpu && k < pt->nsamples; k++) {
                const hx_sample *sm = &pt->samples[k];
                if (sm->failed || isnan(sm->ns_per_op))
                    continue;
                rp->vals[rp->nv++] = sm->ns_per_op;
                if (res->tc >= 0 && !isnan(sm->events[res->tc]))
                    rp->cpu[rp->ncpu++] = sm->events[res->tc];
            }
            hx_summarize(rp->vals, (size_t)rp->nv, &rp->s);
            for (size_t e = 0; e < r->nevents; e++)
                rp->ev[e] = hx_counters_available(r->counters, e)
                                ? median_of(pt, 0, (int)e)
                                : NAN;
            for (int m = 0; m < r->exp->nmetrics && m < HX_MAX_METRICS; m++)
                rp->met[m] = median_of(pt, 1, m);
            res->oversub |= pt->oversub;
            if (rp->nv == 0 && hx_gotwin_left_out(name, pt->skip))
                ; /* by design (gotwin.h): neither skipped nor failed */
            else if (rp->nv == 0 && pt->skip[0])
                res->skipped++;
            else if (rp->nv == 0)
                res->failed++;
            else if (rp->nv < pt->nsamples || pt->skip[0])
                res->partial++;
            if (rp->nv && rp->s.cv > HX_CV_WARN)
                res->noisy++;
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
    find_busy(res);
    res->nclaims =
        r->exp->nclaims < HX_MAX_CLAIMS ? r->exp->nclaims : HX_MAX_CLAIMS;
    for (int c = 0; c < res->nclaims; c++) {
        eval_claim(res, c);
        claim_text(res, c);
    }
    if (r->exp->verdict)
        r->exp->verdict(res, &res->rep);
    headlines(res);
    decide(res);
    collect_warnings(res);
    return res;
}

void hx_results_free(struct hx_results *res) {
    if (!res)
        return;
    for (int i = 0; i < res->nseries; i++) {
        for (int k = 0; k < res->series[i].npts; k++) {
            free(res->series[i].pts[k].vals);
            free(res->series[i].pts[k].cpu);
        }
        free(res->series[i].pts);
    }
    free(res->series);
    free(res->xs);
    free(res->rep.notes);
    free(res);
}

/* ---- hx.h accessors for verdict functions ---------------------------------- */

static const hx_rpoint *point_at(const hx_results *res, const char *series,
                                 int64_t x) {
    for (int i = 0; i < res->nseries; i++) {
        if (strcmp(res->series[i].name, series) != 0)
            continue;
        for (int k = 0; k < res->series[i].npts; k++)
            if (res->series[i].pts[k].x == x && res->series[i].pts[k].nv)
                return &res->series[i].pts[k];
    }
    return NULL;
}

double hx_results_median(const hx_results *res, const char *series, int64_t x) {
    const hx_rpoint *p = point_at(res, series, x);
    return p ? p->s.median : NAN;
}

double hx_results_metric(const hx_results *res, const char *series, int64_t x,
                         const char *metric) {
    const hx_experiment *e = res->r->exp;
    int m = -1;
    for (int k = 0; k < e->nmetrics && k < HX_MAX_METRICS; k++)
        if (strcmp(e->metrics[k].name, metric) == 0)
            m = k;
    const hx_rpoint *p = m >= 0 ? point_at(res, series, x) : NULL;
    return p ? p->met[m] : NAN;
}

double hx_results_cpu_median(const hx_results *res, const char *series,
                             int64_t x) {
    const hx_rpoint *p = point_at(res, series, x);
    return p && res->tc >= 0 ? p->ev[res->tc] : NAN;
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

const char *hx_results_dir(const hx_results *res) {
    return res->r->tmpdir;
}
