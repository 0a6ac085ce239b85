/*
 * describe.c - `mechlab describe EXP`: what an experiment tests and how.
 *
 * Plans the experiment on this machine (so the default points shown are
 * this machine's) without running anything, and prints its hypothesis,
 * variants, parameters with their points, metrics, the counters it would
 * sample and from which backend, its claims, how to read the plot and the
 * homework. A plan that fails (a bad --set) is noted at the end, not fatal.
 */
#include <stdio.h>
#include <string.h>

#include "counters_sim.h"
#include "describe.h"
#include "plan.h"

/* ---- describe ------------------------------------------------------------ */

static void print_block(FILE *out, const char *title, const char *text) {
    if (!text || !*text)
        return;
    fprintf(out, "\n%s\n", title);
    const char *s = text;
    while (*s) {
        const char *nl = strchr(s, '\n');
        int n = nl ? (int)(nl - s) : (int)strlen(s);
        fprintf(out, "  %.*s\n", n, s);
        s += n + (nl ? 1 : 0);
    }
}

int hx_describe(const hx_experiment *e, const hx_opts *o, FILE *out) {
    hx_run r;
    char err[512] = "";
    hx_opts q = *o;
    int rc = hx_plan(&r, e, &q, err, sizeof err);
    fprintf(out, "%s: %s\n", e->name, e->summary);
    print_block(out, "Hypothesis", e->hypothesis);
    fprintf(out, "\nVariants\n");
    for (int i = 0; i < e->nvariants; i++)
        fprintf(out, "  %-12s %s\n", e->variants[i].name, e->variants[i].help);
    for (int i = 0; i < e->nvariants; i++)
        if (e->variants[i].go)
            fprintf(out,
                    "  go:%-9s the same in Go: Benchmark%s in "
                    "scripts/gobench (run when Go is installed%s)\n",
                    e->variants[i].name, e->variants[i].go,
                    rc == 0 && r.go_missing ? "; it is not, here" : "");
    fprintf(out, "\nParameters (--set NAME=LIST; default points on this "
                 "machine)\n");
    for (int i = 0; i < e->nparams; i++) {
        const hx_param *p = &e->params[i];
        char lo[32], hi[32];
        hx_format_value(p->scale > 1 ? p : NULL, p->min, lo, sizeof lo);
        hx_format_value(p->scale > 1 ? p : NULL, p->max, hi, sizeof hi);
        fprintf(out, "  %-10s %s [%s, %s..%s]%s\n", p->name, p->help,
                p->unit, lo, hi,
                (p->flags & HX_PARAM_THREADS) ? " (also --threads)" : "");
        if (rc == 0) {
            fprintf(out, "             points:");
            for (int k = 0; k < r.npts[i]; k++) {
                char b[32];
                hx_format_value(p, r.pts[i][k], b, sizeof b);
                fprintf(out, "%s%s", k ? ", " : " ", b);
            }
            fprintf(out, "\n");
        }
    }
    fprintf(out,
            "\nMetrics\n  ns_per_op  ns per %s, per thread (each "
            "thread timed individually; mean over threads)\n",
            e->op ? e->op : "op");
    for (int i = 0; i < e->nmetrics; i++) {
        const hx_metric_decl *m = &e->metrics[i];
        fprintf(out, "  %-10s %s [%s]", m->name, m->help, m->unit);
        if (m->source)
            fprintf(out, " (%s, %s)", m->source,
                    (m->kind & HX_METRIC_KIND_MASK) == HX_METRIC_LEVEL
                        ? "after each repetition"
                    : (m->kind & HX_METRIC_KIND_MASK) == HX_METRIC_DELTA
                        ? "change over a repetition"
                        : "change per op");
        if (m->kind & HX_METRIC_MAX)
            fprintf(out, " (the largest, not the median)");
        fprintf(out, "\n");
    }
    if (e->plot_metric)
        fprintf(out, "  (the plot shows %s)\n", e->plot_metric);
    if (rc == 0 && r.nevents) {
        fprintf(out, "\nCounters sampled (per %s)\n", e->op ? e->op : "op");
        for (size_t i = 0; i < r.nevents; i++)
            fprintf(out, "  %-22s %s\n", hx_counters_name(r.counters, i),
                    hx_counters_available(r.counters, i)
                        ? hx_backend_name(hx_counters_backend(r.counters, i))
                        : "unavailable here");
    }
    hx_sim_describe(e, out);
    if (e->nclaims) {
        fprintf(out, "\nClaims checked for the verdict\n");
        for (int i = 0; i < e->nclaims; i++)
            fprintf(out, "  '%s' is at least %.2gx slower per %s than '%s'\n",
                    e->claims[i].slow, e->claims[i].min_ratio,
                    e->op ? e->op : "op", e->claims[i].fast);
    }
    print_block(out, "How to read the plot", e->reading);
    print_block(out, "Homework", e->homework);
    if (rc != 0)
        fprintf(out, "\n(note: %s)\n", err);
    hx_plan_free(&r);
    return 0;
}

