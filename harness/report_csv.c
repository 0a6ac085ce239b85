/*
 * report_csv.c - data.csv: every repetition of every point, one row each.
 *
 * Tidy data (one observation per row), the schema documented in
 * results/README.md: the point's parameters, the PUs its threads were
 * pinned to, the repetition's iterations and times, the extra metrics and
 * the counters per op. A counter that is unavailable is an empty cell,
 * never 0. A failed repetition is a row of its own with empty measurements
 * and its reason in `status`; a skipped point is one row with its reason.
 * Rows follow the plan's order (variant, then parameter points).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "counters_sim.h"
#include "plan.h"
#include "result.h"

void hx_csv_field(FILE *f, const char *s) {
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void hx_csv_num(FILE *f, double v) {
    if (!isnan(v))
        fprintf(f, "%.6g", v);
}

int hx_report_csv(const struct hx_results *res, const char *path) {
    const hx_run *r = res->r;
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "mechlab: %s: %s\n", path, strerror(errno));
        return -errno;
    }
    const hx_experiment *e = r->exp;
    fputs("experiment,variant,series", f);
    for (int i = 0; i < e->nparams; i++)
        fprintf(f, ",%s", e->params[i].name);
    if (r->thread_param < 0)
        fputs(",threads", f);
    fputs(",oversubscribed,pus,rep,iterations,ns_per_op,ns_per_op_max", f);
    fputs(",thread_spread,pu_spread,settled,passes,warm_passes", f);
    for (int m = 0; m < e->nmetrics; m++)
        fprintf(f, ",%s", e->metrics[m].name);
    for (size_t i = 0; i < r->nevents; i++) {
        fputc(',', f);
        for (const char *c = hx_counters_name(r->counters, i); *c; c++)
            fputc(*c == '-' ? '_' : *c, f);
        fputs("_per_op", f);
    }
    fputs(",multiplexed", f);
    hx_sim_csv_header(r, f); /* --counters sim: simulated, never hardware */
    fputs(",status\n", f);

    for (int fi = 0; fi < r->nfams; fi++) {
        for (int pi = 0; pi < r->fams[fi].npoints; pi++) {
            const hx_point *pt = &r->fams[fi].points[pi];
            /* every worker's PU: up to 11 characters and a ';' each */
            char series[200], pus[HX_MAX_THREADS * 12 + 1] = "";
            hx_series_name(r, pt, series, sizeof series);
            size_t n = 0;
            for (int t = 0; t < pt->threads && t < HX_MAX_THREADS; t++)
                if (pt->pu[t] != HX_PU_UNPINNED)
                    n += (size_t)snprintf(pus + n, sizeof pus - n, "%s%d",
                                          t ? ";" : "", pt->pu[t]);
            int rows = pt->nsamples ? pt->nsamples : 1;
            for (int k = 0; k < rows; k++) {
                const hx_sample *s = pt->nsamples ? &pt->samples[k] : NULL;
                fprintf(f, "%s,%s,", e->name, pt->var->name);
                hx_csv_field(f, series);
                for (int i = 0; i < e->nparams; i++)
                    if (e->params[i].scale > 1) /* fixed point: 0.25 */
                        fprintf(f, ",%.6g",
                                hx_param_real(&e->params[i], pt->val[i]));
                    else
                        fprintf(f, ",%lld", (long long)pt->val[i]);
                if (r->thread_param < 0)
                    fprintf(f, ",%d", pt->threads);
                fprintf(f, ",%d,%s,", pt->oversub ? 1 : 0, pus);
                if (!s) {
                    fputs(",,,,,,,,", f);
                    for (int m = 0; m < e->nmetrics; m++)
                        fputc(',', f);
                    for (size_t i = 0; i < r->nevents; i++)
                        fputc(',', f);
                    fputc(',', f); /* multiplexed */
                    hx_sim_csv_cells(r, pt, f);
                    char st[300];
                    snprintf(st, sizeof st, "%s: %s",
                             pt->skip[0] ? "skipped" : "failed",
                             pt->skip[0]    ? pt->skip
                             : pt->error[0] ? pt->error
                                            : "no samples");
                    fputc(',', f);
                    hx_csv_field(f, st);
                    fputc('\n', f);
                    continue;
                }
                if (s->failed) { /* a repetition that failed */
                    fprintf(f, "%d,,,,,,,,", s->rep);
                    for (int m = 0; m < e->nmetrics; m++)
                        fputc(',', f);
                    for (size_t i = 0; i < r->nevents; i++)
                        fputc(',', f);
                    fputc(',', f); /* multiplexed */
                    hx_sim_csv_cells(r, pt, f);
                    char st[300];
                    snprintf(st, sizeof st, "failed: %s",
                             pt->error[0] ? pt->error : "no samples");
                    fputc(',', f);
                    hx_csv_field(f, st);
                    fputc('\n', f);
                    continue;
                }
                fprintf(f, "%d,%llu,", s->rep,
                        (unsigned long long)s->iterations);
                hx_csv_num(f, s->ns_per_op);
                fputc(',', f);
                hx_csv_num(f, s->ns_per_op_max);
                fputc(',', f);
                hx_csv_num(f, s->thread_spread);
                fputc(',', f);
                hx_csv_num(f, pt->pu_spread);
                fprintf(f, ",%d,", pt->unsettled ? 0 : 1);
                hx_csv_num(f, s->passes);
                fputc(',', f);
                hx_csv_num(f, s->warm_passes);
                for (int m = 0; m < e->nmetrics; m++) {
                    fputc(',', f);
                    if (s->metric_set[m])
                        hx_csv_num(f, s->metrics[m]);
                }
                for (size_t i = 0; i < r->nevents; i++) {
                    fputc(',', f);
                    if (hx_counters_available(r->counters, i))
                        hx_csv_num(f, s->events[i]);
                }
                /* the events whose value in this row is a multiplexed
                 * estimate (scaled by enabled/running), ';'-separated */
                fputc(',', f);
                for (size_t i = 0, nsc = 0; i < r->nevents && i < 32; i++)
                    if (s->scaled & (1u << i))
                        fprintf(f, "%s%s", nsc++ ? ";" : "",
                                hx_counters_name(r->counters, i));
                hx_sim_csv_cells(r, pt, f);
                fputs(",ok\n", f);
            }
        }
    }
    int rc = ferror(f) ? -EIO : 0;
    if (fclose(f) != 0)
        rc = -errno;
    return rc;
}
