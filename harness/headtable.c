/*
 * headtable.c - headline figures of finished runs, side by side
 * (headtable.h).
 *
 * Reading. data.csv is read once into rows (series, every parameter's
 * value, over-subscribed, ns_per_op, task-clock per op) of the
 * repetitions whose status is ok. A figure's point is resolved the way
 * result.c resolves it for the run: HX_AT_MAX / HX_AT_MIN mean the
 * largest / smallest value of the parameter among the points that are not
 * over-subscribed, any other value is taken as given. summary.json, when
 * present, supplies the figures themselves (with the run's busy and
 * CPU-time rules already applied); data.csv then only supplies the
 * repetitions behind median figures, for the ratios between machines.
 *
 * Printing. One letter per machine (A, B, ...) keeps the columns narrow;
 * the legend above the table names each machine directory, the run used
 * and its flags (a flagged column's letter carries a '*'). A value cell is
 * "v [lo, hi]"; figures whose run claimed no interval show the value
 * alone, unknown ones "n/a".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "headtable.h"
#include "result.h"
#include "rundata.h"
#include "stats.h"
#include "verdict.h"

#define HT_SEED   0x68656164ull /* "head": fixed, so tables reproduce */
#define HT_BUSY   0.9           /* result.c's busy share */
#define HT_NAME_W 30            /* figure column, narrow table */
#define HT_CELL_W 23            /* one machine's column */
#define HT_WIDTH  100           /* the console's budget, in columns */

typedef struct ht_row {
    char *series;
    double p[HX_MAX_PARAMS]; /* NAN: the column is absent */
    bool oversub;
    double ns, cpu; /* ns_per_op, task_clock_per_op (NAN: empty) */
} ht_row;

typedef struct ht_data {
    ht_row *rows;
    int n;
} ht_data;

static void data_free(ht_data *d) {
    for (int i = 0; i < d->n; i++)
        free(d->rows[i].series);
    free(d->rows);
    d->rows = NULL;
    d->n = 0;
}

static double num_or_nan(const char *s) {
    if (!s || !*s)
        return NAN;
    char *end;
    double v = strtod(s, &end);
    return end == s ? NAN : v;
}

static int data_load(const hx_experiment *e, const char *dir, ht_data *d,
                     char *err, size_t len) {
    memset(d, 0, sizeof *d);
    char path[1200];
    snprintf(path, sizeof path, "%s/data.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, len, "%s: %s", path, strerror(errno));
        return -errno;
    }
    char *line = NULL, *hline = NULL, *hdr[160], *fld[160];
    size_t cap = 0;
    int nh = 0, c_ser = -1, c_ov = -1, c_ns = -1, c_cpu = -1, c_st = -1;
    int c_p[HX_MAX_PARAMS];
    for (int i = 0; i < HX_MAX_PARAMS; i++)
        c_p[i] = -1;
    int rc = 0;
    while (getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\r\n")] = 0;
        if (!hline) {
            hline = strdup(line);
            nh = hline ? hx_csv_split(hline, hdr, 160) : 0;
            for (int i = 0; i < nh; i++) {
                c_ser = strcmp(hdr[i], "series") == 0 ? i : c_ser;
                c_ov = strcmp(hdr[i], "oversubscribed") == 0 ? i : c_ov;
                c_ns = strcmp(hdr[i], "ns_per_op") == 0 ? i : c_ns;
                c_cpu = strcmp(hdr[i], "task_clock_per_op") == 0 ? i : c_cpu;
                c_st = strcmp(hdr[i], "status") == 0 ? i : c_st;
                for (int p = 0; p < e->nparams && p < HX_MAX_PARAMS; p++)
                    if (strcmp(hdr[i], e->params[p].name) == 0)
                        c_p[p] = i;
            }
            if (c_ser < 0 || c_ns < 0 || c_st < 0) {
                snprintf(err, len,
                         "%s: no series, ns_per_op or status "
                         "column",
                         path);
                rc = -EINVAL;
                break;
            }
            continue;
        }
        if (hx_csv_split(line, fld, 160) != nh || strcmp(fld[c_st], "ok"))
            continue;
        ht_row *nr = realloc(d->rows, sizeof *nr * (size_t)(d->n + 1));
        if (!nr) {
            rc = -ENOMEM;
            break;
        }
        d->rows = nr;
        ht_row *r = &d->rows[d->n++];
        r->series = strdup(fld[c_ser]);
        for (int p = 0; p < HX_MAX_PARAMS; p++)
            r->p[p] = c_p[p] >= 0 ? num_or_nan(fld[c_p[p]]) : NAN;
        r->oversub = c_ov >= 0 && strcmp(fld[c_ov], "1") == 0;
        r->ns = num_or_nan(fld[c_ns]);
        r->cpu = c_cpu >= 0 ? num_or_nan(fld[c_cpu]) : NAN;
    }
    free(line);
    free(hline);
    fclose(f);
    if (rc)
        data_free(d);
    return rc;
}

/* The value of parameter p an `at` means in these data (see the top). */
static bool resolve(const ht_data *d, int p, int64_t at, double *out) {
    if (at != HX_AT_MAX && at != HX_AT_MIN) {
        *out = (double)at;
        return true;
    }
    bool found = false;
    for (int i = 0; i < d->n; i++) {
        double v = d->rows[i].p[p];
        if (isnan(v) || d->rows[i].oversub)
            continue;
        if (!found || (at == HX_AT_MAX ? v > *out : v < *out))
            *out = v;
        found = true;
    }
    return found;
}

/* The ns_per_op repetitions of series where parameter p is v (and, when
 * the series spans several points there, at the first one met). */
static int values(const ht_data *d, const char *series, int p, double v, int xp,
                  double **out) {
    *out = NULL;
    int n = 0;
    double x0 = NAN;
    for (int i = 0; i < d->n; i++) {
        const ht_row *r = &d->rows[i];
        if (strcmp(r->series, series) != 0 || r->p[p] != v || isnan(r->ns))
            continue;
        if (xp >= 0 && xp != p) {
            if (isnan(x0))
                x0 = r->p[xp];
            else if (r->p[xp] != x0)
                continue;
        }
        double *nv = realloc(*out, sizeof(double) * (size_t)(n + 1));
        if (!nv)
            break;
        *out = nv;
        (*out)[n++] = r->ns;
    }
    return n;
}

static int xparam_index(const hx_experiment *e) {
    for (int i = 0; e->xparam && i < e->nparams; i++)
        if (strcmp(e->params[i].name, e->xparam) == 0)
            return i;
    return 0;
}

static int param_index(const hx_experiment *e, const char *name) {
    for (int i = 0; name && i < e->nparams; i++)
        if (strcmp(e->params[i].name, name) == 0)
            return i;
    return -1;
}

static double median_of(double *v, int n) {
    hx_summary s;
    hx_summarize(v, (size_t)n, &s);
    return s.median;
}

/* One figure from data.csv alone (no summary.json), and the repetitions
 * behind a median figure in any case. */
static void from_data(const hx_experiment *e, const ht_data *d, hx_hfig *f,
                      bool values_too) {
    const hx_headline *h = f->decl;
    int xp = xparam_index(e);
    if (h->kind == HX_HEAD_MEDIAN && h->series) {
        double at;
        if (!resolve(d, xp, h->at == 0 ? HX_AT_MAX : h->at, &at)) {
            snprintf(f->why, sizeof f->why, "no point to evaluate at");
            return;
        }
        f->nreps = values(d, h->series, xp, at, xp, &f->reps);
        if (values_too && f->nreps > 0) {
            f->value = median_of(f->reps, f->nreps);
            snprintf(f->ci, sizeof f->ci, "none");
            snprintf(f->from, sizeof f->from, "data.csv");
        } else if (values_too) {
            snprintf(f->why, sizeof f->why, "'%s' not measured", h->series);
        }
        return;
    }
    if (!values_too)
        return;
    if (h->kind == HX_HEAD_CLAIM && h->claim >= 0 && h->claim < e->nclaims) {
        const hx_claim *c = &e->claims[h->claim];
        int p = c->at_param ? param_index(e, c->at_param) : xp;
        int64_t atv =
            c->at_value == 0 && !c->at_param ? HX_AT_MAX : c->at_value;
        double at;
        if (p < 0 || !resolve(d, p, atv, &at)) {
            snprintf(f->why, sizeof f->why, "no point to evaluate at");
            return;
        }
        double *slow, *fast;
        int ns = values(d, c->slow, p, at, xp, &slow);
        int nf = values(d, c->fast, p, at, xp, &fast);
        hx_judgement j;
        if (ns > 0 && nf > 0 &&
            hx_judge_ratio(slow, (size_t)ns, fast, (size_t)nf, c->min_ratio,
                           HT_SEED + (uint64_t)h->claim, &j) == 0) {
            f->value = j.ratio;
            f->lo = j.ci == HX_CI_NONE ? NAN : j.lo;
            f->hi = j.ci == HX_CI_NONE ? NAN : j.hi;
            snprintf(f->ci, sizeof f->ci, "%s", hx_ci_key(j.ci));
            snprintf(f->from, sizeof f->from, "data.csv");
        } else {
            snprintf(f->why, sizeof f->why, "'%s' or '%s' not measured",
                     c->slow, c->fast);
        }
        free(slow);
        free(fast);
        return;
    }
    snprintf(f->why, sizeof f->why, "n/a (needs summary.json)");
}

static double jnum(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* busy from data.csv: the worst median task-clock share of a point that
 * is not over-subscribed (runtime experiments: unknown, as in result.c) */
static void busy_from_data(const hx_experiment *e, const ht_data *d,
                           hx_hrun *h) {
    h->cpu_share = NAN;
    if (e->runtime)
        return;
    int xp = xparam_index(e);
    double *share = malloc(sizeof(double) * (size_t)(d->n + 1));
    char *seen = calloc((size_t)d->n + 1, 1);
    if (!share || !seen) {
        free(share);
        free(seen);
        return;
    }
    for (int i = 0; i < d->n; i++) {
        if (seen[i] || d->rows[i].oversub)
            continue;
        int n = 0;
        for (int k = i; k < d->n; k++) {
            const ht_row *r = &d->rows[k];
            if (seen[k] || strcmp(r->series, d->rows[i].series) != 0 ||
                r->p[xp] != d->rows[i].p[xp])
                continue;
            seen[k] = 1;
            if (!isnan(r->cpu) && r->ns > 0)
                share[n++] = r->cpu / r->ns;
        }
        if (n == 0)
            continue;
        double m = median_of(share, n);
        if (isnan(h->cpu_share) || m < h->cpu_share)
            h->cpu_share = m;
    }
    free(share);
    free(seen);
    if (!isnan(h->cpu_share)) {
        h->busy_known = true;
        h->busy = h->cpu_share < HT_BUSY;
    }
}

int hx_hrun_load(const hx_experiment *e, const char *dir, hx_hrun *h, char *err,
                 size_t len) {
    hx_hrun keep = *h; /* label, mdir, reference: set by the caller */
    memset(h, 0, sizeof *h);
    snprintf(h->label, sizeof h->label, "%s", keep.label);
    snprintf(h->mdir, sizeof h->mdir, "%s", keep.mdir);
    h->reference = keep.reference;
    snprintf(h->dir, sizeof h->dir, "%s", dir);
    h->cpu_share = NAN;
    ht_data d;
    int rc = data_load(e, dir, &d, err, len);
    if (rc)
        return rc;
    char path[1200];
    snprintf(path, sizeof path, "%s/context.json", dir);
    json_t *ctx = json_load_file(path, 0, NULL);
    json_t *run = json_object_get(ctx, "run");
    const char *rid = json_string_value(json_object_get(run, "run_id"));
    snprintf(h->run_id, sizeof h->run_id, "%s", rid ? rid : "?");
    h->quick = json_is_true(json_object_get(run, "quick"));
    h->reps = (int)json_integer_value(json_object_get(run, "reps"));
    json_decref(ctx);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    json_t *sum = json_load_file(path, 0, NULL);
    const char *schema = json_string_value(json_object_get(sum, "schema"));
    if (sum && (!schema || strncmp(schema, "mechlab.summary/", 16) != 0)) {
        json_decref(sum);
        sum = NULL;
    }
    for (int i = 0; i < d.n && !h->oversub; i++)
        h->oversub = d.rows[i].oversub;
    if (sum) {
        h->quick = json_is_true(json_object_get(sum, "quick"));
        h->busy = json_is_true(json_object_get(sum, "busy"));
        h->busy_known = true;
        h->cpu_share = jnum(sum, "worst_cpu_share");
        h->oversub = json_is_true(json_object_get(sum, "oversubscribed"));
        const char *sid = json_string_value(json_object_get(sum, "run_id"));
        if (sid)
            snprintf(h->run_id, sizeof h->run_id, "%s", sid);
        if (json_is_integer(json_object_get(sum, "reps")))
            h->reps = (int)json_integer_value(json_object_get(sum, "reps"));
    } else {
        busy_from_data(e, &d, h);
    }
    for (int i = 0; i < e->nheadlines && i < HX_MAX_HEADLINES; i++) {
        hx_hfig *f = &h->fig[h->nfig++];
        f->decl = &e->headlines[i];
        f->value = f->lo = f->hi = NAN;
        json_t *hj = NULL, *x;
        size_t k;
        json_array_foreach(json_object_get(sum, "headlines"), k, x) {
            const char *key = json_string_value(json_object_get(x, "key"));
            if (key && strcmp(key, f->decl->key) == 0)
                hj = x;
        }
        if (hj) {
            f->value = jnum(hj, "value");
            f->lo = jnum(hj, "ci_lo");
            f->hi = jnum(hj, "ci_hi");
            snprintf(f->from, sizeof f->from, "summary.json");
            snprintf(f->ci, sizeof f->ci, "%s",
                     isnan(f->lo) ? "none" : "summary");
            if (isnan(f->value))
                snprintf(f->why, sizeof f->why, "not measured");
            from_data(e, &d, f, false);
        } else {
            from_data(e, &d, f, true);
        }
    }
    json_decref(sum);
    data_free(&d);
    return 0;
}

void hx_hrun_free(hx_hrun *h) {
    for (int i = 0; i < h->nfig; i++) {
        free(h->fig[i].reps);
        h->fig[i].reps = NULL;
    }
    h->nfig = 0;
}

int hx_hfig_ratio(const hx_hfig *a, const hx_hfig *b, double *ratio, double *lo,
                  double *hi, const char **kind) {
    *ratio = *lo = *hi = NAN;
    *kind = "none";
    if (isnan(a->value) || isnan(b->value) || a->value == 0)
        return -1;
    *ratio = b->value / a->value;
    if (a->decl->kind == HX_HEAD_MEDIAN && a->nreps > 0 && b->nreps > 0) {
        hx_judgement j;
        if (hx_judge_ratio(b->reps, (size_t)b->nreps, a->reps, (size_t)a->nreps,
                           1.0, HT_SEED, &j) == 0 &&
            j.ci != HX_CI_NONE) {
            *lo = j.lo;
            *hi = j.hi;
            *kind = hx_ci_key(j.ci);
        }
        return 0;
    }
    if (!isnan(a->lo) && !isnan(a->hi) && !isnan(b->lo) && !isnan(b->hi) &&
        a->lo > 0 && a->hi > 0) {
        *lo = b->lo / a->hi;
        *hi = b->hi / a->lo;
        *kind = "envelope";
    }
    return 0;
}

void hx_hrun_flags(const hx_hrun *h, char *buf, size_t len) {
    size_t o = 0;
    buf[0] = 0;
    if (h->quick)
        o += (size_t)snprintf(buf + o, len - o, "quick");
    if (h->busy && o < len) {
        if (!isnan(h->cpu_share))
            o += (size_t)snprintf(buf + o, len - o, "%sbusy (%.0f%% CPU)",
                                  o ? ", " : "", 100 * h->cpu_share);
        else
            o += (size_t)snprintf(buf + o, len - o, "%sbusy", o ? ", " : "");
    }
    if (h->oversub && o < len)
        snprintf(buf + o, len - o, "%sover-subscribed points", o ? ", " : "");
}

void hx_fmt_num(double v, char *buf, size_t len) {
    if (isnan(v))
        snprintf(buf, len, "n/a");
    else if (fabs(v) >= 1e7)
        snprintf(buf, len, "%.2e", v);
    else if (fabs(v) >= 1000)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%.3g", v);
}

static void cell(double v, double lo, double hi, char *buf, size_t len) {
    char a[24], b[24], c[24];
    hx_fmt_num(v, a, sizeof a);
    if (isnan(v) || isnan(lo) || isnan(hi)) {
        snprintf(buf, len, "%s", a);
        return;
    }
    hx_fmt_num(lo, b, sizeof b);
    hx_fmt_num(hi, c, sizeof c);
    snprintf(buf, len, "%s [%s, %s]", a, b, c);
}

static void fig_cell(const hx_hfig *f, char *buf, size_t len) {
    if (isnan(f->value)) {
        snprintf(buf, len, "%s",
                 strstr(f->why, "summary.json") ? "n/a (old run)" : "n/a");
        return;
    }
    cell(f->value, f->lo, f->hi, buf, len);
}

/* a column: padded, except the last (no trailing blanks) */
static void put_cell(FILE *out, const char *c, bool last) {
    if (last)
        fprintf(out, " %s", c);
    else
        fprintf(out, " %-*s", HT_CELL_W - 1, c);
}

void hx_htable_print(FILE *out, const hx_experiment *e, const hx_hrun *runs,
                     int n, bool wide) {
    int namew = HT_NAME_W, longest = 0;
    for (int i = 0; i < e->nheadlines; i++) {
        int w = (int)(strlen(e->headlines[i].name) +
                      strlen(e->headlines[i].unit) + 4);
        longest = w > longest ? w : longest;
    }
    /* the room left by fewer machines goes to the names */
    if (HT_WIDTH - n * HT_CELL_W > namew)
        namew = HT_WIDTH - n * HT_CELL_W;
    if (namew > longest)
        namew = longest > HT_NAME_W ? longest : HT_NAME_W;
    if (wide)
        for (int i = 0; i < e->nheadlines; i++) {
            int w = (int)(strlen(e->headlines[i].name) +
                          strlen(e->headlines[i].unit) + 3);
            namew = w > namew ? w : namew;
        }
    fprintf(out,
            "%s: headline figures, machines side by side (ratios: "
            "each machine / A)\n",
            e->name);
    for (int i = 0; i < n; i++) {
        char fl[160];
        hx_hrun_flags(&runs[i], fl, sizeof fl);
        fprintf(out, "  %c%s %s, run %s%s%s\n", 'A' + i % 26, fl[0] ? "*" : " ",
                runs[i].label, runs[i].run_id, fl[0] ? ": " : "", fl);
    }
    if (e->nheadlines == 0) {
        fprintf(out, "  (%s declares no headline figures: see the plot)\n",
                e->name);
        return;
    }
    fprintf(out, "%-*s", namew, "figure (unit)");
    for (int i = 0; i < n; i++) {
        char h[8];
        snprintf(h, sizeof h, "%c%s", 'A' + i % 26,
                 runs[i].quick || runs[i].busy || runs[i].oversub ? "*" : "");
        put_cell(out, h, i + 1 == n);
    }
    fputc('\n', out);
    int unmeasured = 0;
    for (int k = 0; k < e->nheadlines && k < HX_MAX_HEADLINES; k++) {
        const hx_headline *h = &e->headlines[k];
        bool any = false;
        for (int i = 0; i < n && !any; i++)
            any = !isnan(runs[i].fig[k].value);
        if (!any && !wide) { /* no machine has it: one line at the end */
            unmeasured++;
            continue;
        }
        char name[200];
        snprintf(name, sizeof name, "%s (%s)", h->name, h->unit);
        if ((int)strlen(name) > namew - 1) { /* on a line of its own */
            fprintf(out, "%s\n", name);
            name[0] = 0;
        }
        fprintf(out, "%-*s", namew, name);
        for (int i = 0; i < n; i++) {
            char c[96];
            fig_cell(&runs[i].fig[k], c, sizeof c);
            put_cell(out, c, i + 1 == n);
        }
        fputc('\n', out);
        bool ratio = false; /* a ratio line only where one exists */
        for (int i = 1; i < n && !ratio; i++)
            ratio =
                !isnan(runs[0].fig[k].value) && !isnan(runs[i].fig[k].value);
        if (n < 2 || !ratio)
            continue;
        fprintf(out, "%*s", namew, "x A  ");
        put_cell(out, "", false);
        for (int i = 1; i < n; i++) {
            double r, lo, hi;
            const char *kind;
            char c[96] = "n/a";
            if (hx_hfig_ratio(&runs[0].fig[k], &runs[i].fig[k], &r, &lo, &hi,
                              &kind) == 0)
                cell(r, lo, hi, c, sizeof c);
            put_cell(out, c, i + 1 == n);
        }
        fputc('\n', out);
    }
    if (unmeasured)
        fprintf(out,
                "(%d figure%s measured by none of these runs: --wide "
                "lists %s)\n",
                unmeasured, unmeasured > 1 ? "s" : "",
                unmeasured > 1 ? "them" : "it");
}

void hx_htable_csv(FILE *f, const hx_experiment *e, const hx_hrun *runs, int n,
                   bool header) {
    if (header)
        fputs("experiment,key,figure,unit,machine,reference,run_id,quick,"
              "busy,oversubscribed,value,ci_lo,ci_hi,source,ratio_to,"
              "ratio,ratio_lo,ratio_hi,ratio_interval\n",
              f);
    for (int k = 0; k < e->nheadlines && k < HX_MAX_HEADLINES; k++) {
        for (int i = 0; i < n; i++) {
            const hx_hfig *fg = &runs[i].fig[k];
            hx_csv_field(f, e->name);
            fputc(',', f);
            hx_csv_field(f, e->headlines[k].key);
            fputc(',', f);
            hx_csv_field(f, e->headlines[k].name);
            fputc(',', f);
            hx_csv_field(f, e->headlines[k].unit);
            fputc(',', f);
            hx_csv_field(f, runs[i].mdir);
            fprintf(f, ",%d,", runs[i].reference);
            hx_csv_field(f, runs[i].run_id);
            fprintf(f, ",%d,", runs[i].quick);
            if (runs[i].busy_known)
                fprintf(f, "%d", runs[i].busy);
            fprintf(f, ",%d,", runs[i].oversub);
            hx_csv_num(f, fg->value);
            fputc(',', f);
            hx_csv_num(f, fg->lo);
            fputc(',', f);
            hx_csv_num(f, fg->hi);
            fputc(',', f);
            hx_csv_field(f, isnan(fg->value) ? fg->why : fg->from);
            fputc(',', f);
            double r = NAN, lo = NAN, hi = NAN;
            const char *kind = "";
            if (i > 0) {
                hx_csv_field(f, runs[0].mdir);
                hx_hfig_ratio(&runs[0].fig[k], fg, &r, &lo, &hi, &kind);
            }
            fputc(',', f);
            hx_csv_num(f, r);
            fputc(',', f);
            hx_csv_num(f, lo);
            fputc(',', f);
            hx_csv_num(f, hi);
            fprintf(f, ",%s\n", i > 0 && !isnan(r) ? kind : "");
        }
    }
}
