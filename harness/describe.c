/*
 * describe.c - `mechlab describe EXP`: what an experiment tests and how.
 *
 * Plans the experiment on this machine (so the default points shown are
 * this machine's) without running anything, and prints its hypothesis,
 * variants, parameters with their points, metrics, the counters it would
 * sample and from which backend, its claims, how to read the plot and the
 * homework. A plan that fails (a bad --set) is noted at the end, not fatal.
 * Parameters show their --quick points too, and a homework question that
 * names a point --quick does not measure (falseshare's "stride 32") is
 * marked as needing a full run.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "context.h"
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

/* Values of parameter p that a homework line names: each integer in it
 * (with an optional K/KiB/M/MiB/G/GiB) when the line names p ("stride 32
 * behaves like stride 8, and stride 64 like 256" names stride 32, 8, 64,
 * 256). */
static int named_values(const char *line, const hx_param *p, int64_t *out,
                        int max) {
    size_t ln = strlen(p->name);
    const char *hit = NULL;
    for (const char *q = line; (q = strstr(q, p->name)) != NULL; q += ln) {
        bool left = q == line || !isalnum((unsigned char)q[-1]);
        bool right = !isalnum((unsigned char)q[ln]) && q[ln] != '_';
        if (left && right) {
            hit = q;
            break;
        }
    }
    if (!hit)
        return 0;
    int n = 0;
    for (const char *q = line; *q && n < max;) {
        if (!isdigit((unsigned char)*q) ||
            (q > line && (isalnum((unsigned char)q[-1]) || q[-1] == '.'))) {
            q++;
            continue;
        }
        char *end;
        long long v = strtoll(q, &end, 10);
        const char *u = end;
        while (*u == ' ')
            u++;
        int64_t mul = 1;
        if (*u == 'K')
            mul = 1024;
        else if (*u == 'M')
            mul = 1024 * 1024;
        else if (*u == 'G')
            mul = 1024LL * 1024 * 1024;
        if (mul > 1 && !(p->flags & HX_PARAM_BYTES))
            mul = 1;
        if (*end != '.' && *end != 'x')
            out[n++] = (int64_t)v * mul;
        q = end;
    }
    return n;
}

/* The homework, each question marked where it names points the quick run
 * does not measure. full / quick: the two plans (NULL: unknown). */
static void print_homework(FILE *out, const hx_experiment *e,
                           const hx_run *full, const hx_run *quick) {
    if (!e->homework || !*e->homework)
        return;
    fprintf(out, "\nHomework\n");
    for (const char *s = e->homework; *s;) {
        size_t n = strcspn(s, "\n");
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)n, s);
        fprintf(out, "  %s\n", line);
        char miss[256] = "";
        size_t mo = 0;
        for (int i = 0; full && quick && i < e->nparams; i++) {
            int64_t v[16];
            int nv = named_values(line, &e->params[i], v, 16);
            for (int k = 0; k < nv; k++) {
                bool inf = false, inq = false;
                for (int j = 0; j < full->npts[i]; j++)
                    inf |= full->pts[i][j] == v[k];
                for (int j = 0; j < quick->npts[i]; j++)
                    inq |= quick->pts[i][j] == v[k];
                if (inf && !inq && mo < sizeof miss) {
                    char b[32];
                    hx_format_value(&e->params[i], v[k], b, sizeof b);
                    mo +=
                        (size_t)snprintf(miss + mo, sizeof miss - mo, "%s%s %s",
                                         mo ? ", " : "", e->params[i].name, b);
                }
            }
        }
        if (miss[0])
            fprintf(out, "     [needs a full run: %s %s not in --quick]\n",
                    miss, strchr(miss, ',') ? "are" : "is");
        s += n + (s[n] == '\n');
    }
}

static int describe(const hx_experiment *e, const hx_opts *o, FILE *out);

/* On the console's width (console.h) unless --wide. */
int hx_describe(const hx_experiment *e, const hx_opts *o, FILE *out) {
    char *buf = NULL;
    size_t len = 0;
    FILE *m = o->wide ? NULL : open_memstream(&buf, &len);
    if (!m)
        return describe(e, o, out);
    int rc = describe(e, o, m);
    fclose(m);
    hx_console_wrap(out, buf, HX_CONSOLE_WIDTH);
    free(buf);
    return rc;
}

static int describe(const hx_experiment *e, const hx_opts *o, FILE *out) {
    hx_run r, rq;
    char err[512] = "", errq[512] = "";
    hx_opts q = *o;
    q.quick = false;
    int rc = hx_plan(&r, e, &q, err, sizeof err);
    q.quick = true;
    int rcq = hx_plan(&rq, e, &q, errq, sizeof errq);
    fprintf(out, "%s: %s\n", e->name, e->summary);
    if (rc == 0) {
        char line[512];
        hx_context_oneline(&r.topo, line, sizeof line);
        fprintf(out, "machine: %s\n", line);
        hx_context_cache_note(&r.topo, line, sizeof line);
        if (line[0])
            fprintf(out, "  %s\n", line);
    }
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
        fprintf(out, "  %-10s %s [%s, %s..%s]%s\n", p->name, p->help, p->unit,
                lo, hi,
                (p->flags & HX_PARAM_THREADS) ? " (also --threads)" : "");
        for (int pass = 0; pass < 2; pass++) {
            const hx_run *pr = pass ? &rq : &r;
            if ((pass ? rcq : rc) != 0)
                continue;
            bool same = pass && r.npts[i] == rq.npts[i] &&
                        memcmp(r.pts[i], rq.pts[i],
                               sizeof(int64_t) * (size_t)r.npts[i]) == 0;
            if (same) {
                fprintf(out, "             --quick: the same\n");
                continue;
            }
            fprintf(out, "             %s", pass ? "--quick:" : "points:");
            for (int k = 0; k < pr->npts[i]; k++) {
                char b[32];
                hx_format_value(p, pr->pts[i][k], b, sizeof b);
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
    print_homework(out, e, rc == 0 ? &r : NULL, rcq == 0 ? &rq : NULL);
    if (rc != 0)
        fprintf(out, "\n(note: %s)\n", err);
    hx_plan_free(&r);
    hx_plan_free(&rq);
    return 0;
}
