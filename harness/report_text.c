/*
 * report_text.c - the summary as text: what the console shows at the end
 * of a run and what summary.txt keeps, byte for byte the same.
 *
 * Layout: the experiment and machine; one table row per series and x
 * point (median, MAD, p10..p90, cv flagged '!' above HX_CV_WARN, extra
 * metrics, available counters; skipped runs of points folded into one
 * line); the warnings; the clock reference, loop floor, points not
 * settled and passes (calibrate.c); the counters unavailable here and
 * why; the claims;
 * the experiment's notes and checks; the headline figures; the verdict
 * and, when it is not "holds", every reason that decided it.
 *
 * Nothing is decided here: every number and sentence comes from the
 * result (result.c).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "calibrate.h"
#include "context.h"
#include "counters_sim.h"
#include "result.h"
#include "plan.h"

static void table(const struct hx_results *res, FILE *f) {
    const hx_run *r = res->r;
    const hx_experiment *e = r->exp;
    const hx_param *xp = &e->params[r->xparam];
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

    int run_skips = 0;
    char run_first[32] = "";
    for (int i = 0; i < res->nseries; i++) {
        const hx_rseries *se = &res->series[i];
        for (int k = 0; k < se->npts; k++) {
            const hx_rpoint *p = &se->pts[k];
            char xb[32], med[24], mad[24], lo[24], hi[24], cv[24], rng[64];
            hx_format_value(xp, p->x, xb, sizeof xb);
            if (p->pt->oversub)
                strncat(xb, "*", sizeof xb - strlen(xb) - 1);
            if (p->nv == 0 && p->pt->skip[0]) {
                /* one line per run of skips with the same reason */
                const hx_rpoint *nx = k + 1 < se->npts ? &se->pts[k + 1] : NULL;
                run_skips++;
                if (!run_first[0])
                    snprintf(run_first, sizeof run_first, "%s", xb);
                if (nx && nx->nv == 0 && strcmp(nx->pt->skip, p->pt->skip) == 0)
                    continue;
                if (run_skips == 1)
                    fprintf(f, "%-*s %10s  skipped: %s\n", (int)w, se->name, xb,
                            p->pt->skip);
                else
                    fprintf(f, "%-*s %10s  skipped at %d points up to %s: %s\n",
                            (int)w, se->name, run_first, run_skips, xb,
                            p->pt->skip);
                run_skips = 0;
                run_first[0] = 0;
                continue;
            }
            if (p->nv == 0) {
                fprintf(f, "%-*s %10s  failed: %s\n", (int)w, se->name, xb,
                        p->pt->error[0] ? p->pt->error : "no samples");
                continue;
            }
            hx_fmt_ns(p->s.median, med, sizeof med);
            hx_fmt_ns(p->s.mad, mad, sizeof mad);
            hx_fmt_ns(p->s.p10, lo, sizeof lo);
            hx_fmt_ns(p->s.p90, hi, sizeof hi);
            snprintf(rng, sizeof rng, "%s..%s", lo, hi);
            snprintf(cv, sizeof cv, "%.1f%%%s", p->s.cv * 100,
                     p->s.cv > HX_CV_WARN ? "!" : "");
            fprintf(f, "%-*s %10s %9s %8s %19s %6s", (int)w, se->name, xb, med,
                    mad, rng, cv);
            for (int m = 0; m < e->nmetrics; m++) {
                char mb[24];
                hx_fmt_ns(p->met[m], mb, sizeof mb);
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
            if (p->nv < p->pt->nsamples)
                fprintf(f, "  (%d of %d reps failed: %s)",
                        p->pt->nsamples - p->nv, p->pt->nsamples,
                        p->pt->error[0] ? p->pt->error : "no value");
            else if (p->pt->skip[0])
                fprintf(f, "  (then skipped: %s)", p->pt->skip);
            fprintf(f, "\n");
        }
    }
}

static void block(FILE *f, const char *text, const char *indent) {
    for (const char *s = text; s && *s;) {
        const char *nl = strchr(s, '\n');
        int n = nl ? (int)(nl - s) : (int)strlen(s);
        fprintf(f, "%s%.*s\n", indent, n, s);
        s += n + (nl ? 1 : 0);
    }
}

void hx_report_text(const struct hx_results *res, FILE *f) {
    const hx_run *r = res->r;
    const hx_experiment *e = r->exp;
    char line[512];
    hx_context_oneline(&r->topo, line, sizeof line);
    fprintf(f, "\n%s: %s\n", e->name, e->summary);
    fprintf(f, "machine: %s [%s]\n", line, r->mdir);
    fprintf(f,
            "ns per %s per thread: median of %d reps, MAD, p10..p90, "
            "coefficient of variation\n\n",
            e->op ? e->op : "op", r->reps);
    table(res, f);
    for (int i = 0; i < res->nwarnings; i++)
        fprintf(f, "%s %s\n", strncmp(res->warnings[i], "over-sub", 8) == 0
                                  ? "*"
                                  : "!",
                res->warnings[i]);

    /* the clock reference, the loop floor, points not settled, passes */
    hx_calib_summary(r, f);

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
    /* --counters sim: the simulated misses (or, without it, the offer) */
    hx_sim_summary(r, f);
    if (res->nclaims) {
        fprintf(f, "\nclaims (ratio of medians; its interval: 95%% bootstrap "
                   "from %d reps, the min/max envelope from %d, none "
                   "below)\n",
                HX_CI_BOOT_REPS, HX_CI_MIN_REPS);
        for (int c = 0; c < res->nclaims; c++)
            fprintf(f, "  %s\n", res->claims[c].text);
    }
    if (res->rep.len) {
        fprintf(f, "\n");
        block(f, res->rep.notes, "");
    }
    if (res->rep.nchecks) {
        fprintf(f, "\nchecks\n");
        for (int c = 0; c < res->rep.nchecks; c++)
            fprintf(f, "  %s: %s\n", res->rep.checks[c].text,
                    res->rep.checks[c].status == HX_ST_HOLDS
                        ? "holds"
                        : hx_status_words(res->rep.checks[c].status));
    }
    bool any = false;
    for (int i = 0; i < res->nhead; i++) {
        const hx_headline_value *h = &res->head[i];
        if (!any)
            fprintf(f, "\nheadline figures\n");
        any = true;
        char v[32];
        hx_fmt_ns(h->value, v, sizeof v);
        fprintf(f, "  %-40s %10s %s", h->decl->name, isnan(h->value) ? "n/a" : v,
                isnan(h->value) ? "" : h->decl->unit);
        if (!isnan(h->lo))
            fprintf(f, " (%.3g-%.3g)", h->lo, h->hi);
        fprintf(f, "\n");
    }
    fprintf(f, "\nverdict: %s\n", res->verdict_text);
    if (res->verdict != HX_ST_HOLDS && res->verdict != HX_ST_NONE)
        for (int i = 0; i < res->nreasons; i++)
            if (res->reason_status[i] != HX_ST_HOLDS)
                fprintf(f, "  because %s\n", res->reasons[i]);
}
