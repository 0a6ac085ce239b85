/*
 * report_text.c - the summary as text: what the console shows at the end
 * of a run and what summary.txt keeps.
 *
 * Two widths. summary.txt (and the console with --wide) has every column:
 * median, MAD, p10..p90, cv, every metric and available counter. The
 * console keeps to about HX_CONSOLE_WIDTH columns so a 120-column
 * terminal never wraps it: MAD is left to summary.txt, metric and counter
 * columns that are zero or unmeasured at every point are dropped (and
 * named as dropped), columns that still do not fit are dropped from the
 * right (named too), and prose lines longer than the width are wrapped.
 * A table longer than HX_CONSOLE_ROWS rows (traversal: 144) is shown as
 * medians only, one row per x and one column per series, so the claims
 * and the verdict stay on the screen. Units are in the headers, on a
 * second header line under each column's name.
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
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calibrate.h"
#include "console.h"
#include "context.h"
#include "counters_sim.h"
#include "gotwin.h"
#include "plan.h"
#include "result.h"

/* the x column's unit line: sizes and counts carry their own */
/* A Go twin's point left out by design has no row (gotwin.h). */
static bool twin_left_out(const hx_rseries *se, const hx_rpoint *p) {
    return p->nv == 0 && hx_gotwin_left_out(se->name, p->pt->skip);
}

static const char *unit_of(const hx_param *xp) {
    if ((xp->flags & (HX_PARAM_BYTES | HX_PARAM_THREADS)) || !xp->unit ||
        strcmp(xp->unit, xp->name) == 0)
        return "";
    return xp->unit;
}

static void table_wide(const struct hx_results *res, FILE *f) {
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
    fprintf(f, "\n%-*s %10s %9s %8s %19s %6s", (int)w, "", unit_of(xp), "ns",
            "ns", "ns", "%");
    for (int m = 0; m < e->nmetrics; m++)
        fprintf(f, " %12.12s", e->metrics[m].unit ? e->metrics[m].unit : "");
    for (size_t k = 0; k < nevcol; k++)
        fprintf(f, " %17s", "");
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
            if (twin_left_out(se, p))
                continue;
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

/* ---- the console's table (about HX_CONSOLE_WIDTH columns) -------------- */

typedef struct tcol {
    bool metric; /* else a counter */
    int idx;     /* metric index, or event index */
    char name[24], unit[16];
} tcol;

static double col_value(const hx_rpoint *p, const tcol *c) {
    return c->metric ? p->met[c->idx] : p->ev[c->idx];
}

static int nrows(const struct hx_results *res) {
    int n = 0;
    for (int i = 0; i < res->nseries; i++)
        n += res->series[i].npts;
    return n;
}

/* medians only: one row per x, one column per series (numbered) */
static bool table_pivot(const struct hx_results *res, FILE *f) {
    const hx_run *r = res->r;
    const hx_param *xp = &r->exp->params[r->xparam];
    const int cw = 8;
    if (12 + res->nseries * (cw + 1) > HX_CONSOLE_WIDTH)
        return false;
    fprintf(f,
            "median ns per %s (%d rows: one per %s; '!' cv > %.0f%%; "
            "every column: --wide or summary.txt)\n",
            r->exp->op ? r->exp->op : "op", nrows(res), xp->name,
            HX_CV_WARN * 100);
    for (int i = 0; i < res->nseries; i++)
        fprintf(f, "  %d  %s\n", i + 1, res->series[i].name);
    fprintf(f, "%11s", xp->name);
    for (int i = 0; i < res->nseries; i++)
        fprintf(f, " %*d", cw, i + 1);
    fprintf(f, "\n");
    /* the x values in order, over every series */
    int64_t xs[HX_MAX_POINTS];
    int nx = 0;
    for (int i = 0; i < res->nseries; i++)
        for (int k = 0; k < res->series[i].npts; k++) {
            int64_t x = res->series[i].pts[k].x;
            int j = 0;
            while (j < nx && xs[j] != x)
                j++;
            if (j == nx && nx < HX_MAX_POINTS)
                xs[nx++] = x;
        }
    for (int a = 1; a < nx; a++) /* insertion sort: a few dozen */
        for (int b = a; b > 0 && xs[b - 1] > xs[b]; b--) {
            int64_t t = xs[b];
            xs[b] = xs[b - 1];
            xs[b - 1] = t;
        }
    for (int j = 0; j < nx; j++) {
        char xb[32];
        hx_format_value(xp, xs[j], xb, sizeof xb);
        fprintf(f, "%11s", xb);
        for (int i = 0; i < res->nseries; i++) {
            const hx_rpoint *p = NULL;
            for (int k = 0; k < res->series[i].npts; k++)
                if (res->series[i].pts[k].x == xs[j])
                    p = &res->series[i].pts[k];
            char c[24] = "-";
            if (p && p->nv > 0) {
                hx_fmt_ns(p->s.median, c, sizeof c);
                if (p->s.cv > HX_CV_WARN)
                    strncat(c, "!", sizeof c - strlen(c) - 1);
            } else if (p && p->pt->skip[0]) {
                snprintf(c, sizeof c, "skip");
            } else if (p) {
                snprintf(c, sizeof c, "fail");
            }
            fprintf(f, " %*s", cw, c);
        }
        fprintf(f, "\n");
    }
    return true;
}

static void table_narrow(const struct hx_results *res, FILE *f) {
    const hx_run *r = res->r;
    const hx_experiment *e = r->exp;
    const hx_param *xp = &r->exp->params[r->xparam];
    if (nrows(res) > HX_CONSOLE_ROWS && table_pivot(res, f))
        return;
    tcol cols[HX_MAX_METRICS + HX_MAX_EVENTS];
    int nc = 0;
    char dropped_zero[400] = "", dropped_room[400] = "";
    for (int m = 0; m < e->nmetrics && m < HX_MAX_METRICS; m++)
        cols[nc++] = (tcol){.metric = true, .idx = m};
    for (size_t i = 0; i < r->nevents && i < HX_MAX_EVENTS; i++)
        if (hx_counters_available(r->counters, i))
            cols[nc++] = (tcol){.metric = false, .idx = (int)i};
    int keep = 0;
    for (int c = 0; c < nc; c++) {
        tcol *t = &cols[c];
        if (t->metric) {
            snprintf(t->name, sizeof t->name, "%s", e->metrics[t->idx].name);
            snprintf(t->unit, sizeof t->unit, "%s",
                     e->metrics[t->idx].unit ? e->metrics[t->idx].unit : "");
        } else {
            /* the common long names, short enough for a column */
            static const char *const abbr[][2] = {
                {"context-switches", "ctx-switches"},
                {"cpu-migrations", "migrations"},
                {"LLC-load-misses", "LLC-misses"},
                {"dTLB-load-misses", "dTLB-misses"},
                {"branch-misses", "br-misses"},
            };
            const char *nm = hx_counters_name(r->counters, (size_t)t->idx);
            for (size_t a = 0; a < sizeof abbr / sizeof abbr[0]; a++)
                if (strcmp(nm, abbr[a][0]) == 0)
                    nm = abbr[a][1];
            snprintf(t->name, sizeof t->name, "%s", nm);
            snprintf(t->unit, sizeof t->unit, "per op");
        }
        bool any = false;
        for (int i = 0; i < res->nseries && !any; i++)
            for (int k = 0; k < res->series[i].npts && !any; k++) {
                double v = col_value(&res->series[i].pts[k], t);
                any = !isnan(v) && v != 0;
            }
        if (!any) {
            size_t o = strlen(dropped_zero);
            snprintf(dropped_zero + o, sizeof dropped_zero - o, "%s%s",
                     o ? ", " : "", t->name);
            continue;
        }
        cols[keep++] = *t;
    }
    nc = keep;
    size_t w = 6;
    for (int i = 0; i < res->nseries; i++)
        w = strlen(res->series[i].name) > w ? strlen(res->series[i].name) : w;
    const int cw = 12; /* an extra column */
    int base = (int)w + 1 + 9 + 1 + 8 + 1 + 17 + 1 + 6;
    int room = (HX_CONSOLE_WIDTH - base) / (cw + 1);
    if (room < 0)
        room = 0;
    for (int c = room; c < nc; c++) {
        size_t o = strlen(dropped_room);
        snprintf(dropped_room + o, sizeof dropped_room - o, "%s%s",
                 o ? ", " : "", cols[c].name);
    }
    if (nc > room)
        nc = room;
    fprintf(f, "%-*s %9s %8s %17s %6s", (int)w, "series", xp->name, "median",
            "p10..p90", "cv");
    for (int c = 0; c < nc; c++)
        fprintf(f, " %*.*s", cw, cw, cols[c].name);
    fprintf(f, "\n%-*s %9s %8s %17s %6s", (int)w, "", unit_of(xp), "ns", "ns",
            "%");
    for (int c = 0; c < nc; c++)
        fprintf(f, " %*.*s", cw, cw, cols[c].unit);
    fprintf(f, "\n");
    for (int i = 0; i < res->nseries; i++) {
        const hx_rseries *se = &res->series[i];
        for (int k = 0; k < se->npts; k++) {
            const hx_rpoint *p = &se->pts[k];
            char xb[32], med[24], lo[24], hi[24], rng[64], cv[24];
            hx_format_value(xp, p->x, xb, sizeof xb);
            if (p->pt->oversub)
                strncat(xb, "*", sizeof xb - strlen(xb) - 1);
            if (twin_left_out(se, p))
                continue;
            if (p->nv == 0) {
                fprintf(f, "%-*s %9s  %s: %s\n", (int)w, se->name, xb,
                        p->pt->skip[0] ? "skipped" : "failed",
                        p->pt->skip[0]    ? p->pt->skip
                        : p->pt->error[0] ? p->pt->error
                                          : "no samples");
                continue;
            }
            hx_fmt_ns(p->s.median, med, sizeof med);
            hx_fmt_ns(p->s.p10, lo, sizeof lo);
            hx_fmt_ns(p->s.p90, hi, sizeof hi);
            snprintf(rng, sizeof rng, "%s..%s", lo, hi);
            snprintf(cv, sizeof cv, "%.0f%%%s", p->s.cv * 100,
                     p->s.cv > HX_CV_WARN ? "!" : "");
            fprintf(f, "%-*s %9s %8s %17s %6s", (int)w, se->name, xb, med, rng,
                    cv);
            for (int c = 0; c < nc; c++) {
                double v = col_value(p, &cols[c]);
                char b[24];
                if (isnan(v))
                    snprintf(b, sizeof b, "n/a");
                else
                    hx_fmt_ns(v, b, sizeof b);
                fprintf(f, " %*s", cw, b);
            }
            if (p->s.outliers)
                fprintf(f, " (%zu outl.)", p->s.outliers);
            if (p->nv < p->pt->nsamples)
                fprintf(f, " (%d of %d reps failed)", p->pt->nsamples - p->nv,
                        p->pt->nsamples);
            fprintf(f, "\n");
        }
    }
    if (dropped_zero[0])
        fprintf(f, "(zero or unmeasured at every point, not shown: %s)\n",
                dropped_zero);
    if (dropped_room[0])
        fprintf(f,
                "(no room here for: %s; --wide or summary.txt has every "
                "column)\n",
                dropped_room);
}

static void table(const struct hx_results *res, FILE *f, bool wide) {
    if (wide)
        table_wide(res, f);
    else
        table_narrow(res, f);
}

static void block(FILE *f, const char *text, const char *indent) {
    for (const char *s = text; s && *s;) {
        const char *nl = strchr(s, '\n');
        int n = nl ? (int)(nl - s) : (int)strlen(s);
        fprintf(f, "%s%.*s\n", indent, n, s);
        s += n + (nl ? 1 : 0);
    }
}

static void report(const struct hx_results *res, FILE *f, bool wide) {
    const hx_run *r = res->r;
    const hx_experiment *e = r->exp;
    char line[512];
    hx_context_oneline(&r->topo, line, sizeof line);
    fprintf(f, "\n%s: %s\n", e->name, e->summary);
    fprintf(f, "machine: %s [%s]\n", line, r->mdir);
    hx_context_cache_note(&r->topo, line, sizeof line);
    if (line[0])
        fprintf(f, "  %s\n", line);
    fprintf(f,
            "ns per %s per thread: median of %d reps, MAD, p10..p90, "
            "coefficient of variation\n\n",
            e->op ? e->op : "op", r->reps);
    table(res, f, wide);
    for (int i = 0; i < res->nwarnings; i++)
        fprintf(f, "%s %s\n",
                strncmp(res->warnings[i], "over-sub", 8) == 0 ? "*" : "!",
                res->warnings[i]);

    /* the clock reference, the loop floor, points not settled, passes */
    hx_calib_summary(r, f);

    size_t unav = 0;
    for (size_t i = 0; i < r->nevents; i++)
        unav += !hx_counters_available(r->counters, i);
    if (unav && !wide) { /* the reasons are in summary.txt */
        fprintf(f, "\ncounters unavailable here (n/a, empty in data.csv; "
                   "`mechlab counters` and summary.txt say why):");
        for (size_t i = 0, k = 0; i < r->nevents; i++)
            if (!hx_counters_available(r->counters, i))
                fprintf(f, "%s %s", k++ ? "," : "",
                        hx_counters_name(r->counters, i));
        fprintf(f, "\n");
    } else if (unav) {
        fprintf(f, "\ncounters unavailable here (n/a, empty in data.csv):\n");
        for (size_t i = 0; i < r->nevents; i++)
            if (!hx_counters_available(r->counters, i))
                fprintf(f, "  %s: %s\n", hx_counters_name(r->counters, i),
                        hx_counters_reason(r->counters, i));
    }
    /* --counters sim: the simulated misses (or, without it, the offer) */
    hx_sim_summary(r, f);
    if (res->nclaims) {
        fprintf(f,
                "\nclaims (ratio of medians; its interval: 95%% bootstrap "
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
    /* one column for the values: as wide as the longest name, 40..56 */
    int nw = 40;
    for (int i = 0; i < res->nhead; i++) {
        int l = (int)strlen(res->head[i].decl->name);
        nw = l > nw ? (l < 56 ? l : 56) : nw;
    }
    for (int i = 0; i < res->nhead; i++) {
        const hx_headline_value *h = &res->head[i];
        if (!any)
            fprintf(f, "\nheadline figures\n");
        any = true;
        char v[32];
        hx_fmt_ns(h->value, v, sizeof v);
        fprintf(f, "  %-*s %10s %s", nw, h->decl->name,
                isnan(h->value) ? "n/a" : v,
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

void hx_report_text(const struct hx_results *res, FILE *f, bool wide) {
    if (wide) {
        report(res, f, true);
        return;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) {
        report(res, f, true);
        return;
    }
    report(res, m, false);
    fclose(m);
    hx_console_wrap(f, buf, HX_CONSOLE_WIDTH);
    free(buf);
}
