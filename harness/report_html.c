/*
 * report_html.c - report.html: one self-contained page per run, and
 * results/index.html, a page of every run with links to them.
 *
 * A report is drawn from the run directory alone (rundata.c): its
 * summary.json when the run has one, else its data.csv and summary.txt
 * (runs from before summary.json, reference sets, runs copied from other
 * machines), plus context.json for the machine. The experiment's texts
 * come from summary.json (as they were when it ran), else from the
 * registry. So `mechlab report DIR` works on any run this harness ever
 * wrote, here or elsewhere.
 *
 * The page: the verdict first (coloured by status) with every reason that
 * decided it; the hypothesis; the plot as inline SVG (gnuplot draws it
 * from the run's points into a scratch directory; no file beside the page
 * is referenced, so the page can be mailed or copied alone); where the
 * experiment declares a second axis (.plot2: falseshare's stride at the
 * largest thread count), a second plot; the claims with their intervals;
 * the headline figures; the summary table; warnings; counters unavailable
 * and why; the experiment's notes; the machine; how to read the plot; the
 * homework. No script, no external style sheet or font.
 *
 * The index lists every machine directory under the results root and
 * under reference/, each experiment's runs newest first, with the verdict
 * and the headline figures of each, linking each run's report.html (made
 * when missing) and summary.txt.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gnuplot.h"
#include "gotwin.h"
#include "plotstyle.h"
#include "points.h"
#include "registry.h"
#include "report_html.h"
#include "run.h"
#include "rundata.h"

/* ---- small helpers ---------------------------------------------------------- */

/* HTML-escape s (NULL prints nothing): the one escaper of every page
 * mechlab writes (report.html, the index, fleet reports). Attributes are
 * always double-quoted, so a single quote needs no escape. */
void hx_html_escape(FILE *f, const char *s) {
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

static void esc(FILE *f, const char *s) {
    hx_html_escape(f, s);
}

static const char *jstr(json_t *o, const char *k) {
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static double jnum(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = (cap + 4096) * 2;
            char *nb = realloc(b, cap);
            if (!nb) {
                free(b);
                fclose(f);
                return NULL;
            }
            b = nb;
        }
        size_t k = fread(b + n, 1, 4096, f);
        n += k;
        if (k < 4096)
            break;
    }
    fclose(f);
    b[n] = 0;
    return b;
}

static void fmt_num(double v, char *b, size_t n) {
    if (isnan(v))
        snprintf(b, n, "n/a");
    else if (fabs(v) >= 100000)
        snprintf(b, n, "%.0f", v);
    else if (fabs(v) >= 100)
        snprintf(b, n, "%.1f", v);
    else
        snprintf(b, n, "%.3g", v);
}

static const char *status_class(const char *st) {
    if (strcmp(st, "holds") == 0)
        return "ok";
    if (strcmp(st, "does-not-hold") == 0)
        return "bad";
    if (strcmp(st, "inconclusive") == 0)
        return "warn";
    if (strcmp(st, "not-settled") == 0)
        return "grey";
    return "none";
}

/* A paragraph block: text with its line breaks kept. */
static void para(FILE *f, const char *title, const char *text) {
    if (!text || !*text)
        return;
    fprintf(f, "<h2>%s</h2>\n<div class=\"text\">", title);
    esc(f, text);
    fputs("</div>\n", f);
}

/* ---- the plot ------------------------------------------------------------- */

typedef struct plot_axes {
    const char *xname, *xunit;
    bool logx, logy, xbytes, x_is_threads;
    int pus;
    json_t *marks; /* [{x, label}] or NULL */
} plot_axes;

/* One line of a plot: points (x, median, p10, p90) of one series. */
typedef struct pline {
    char name[240];
    double *x, *m, *lo, *hi;
    int n;
} pline;

static pline *line_for(pline **ls, int *nl, const char *name) {
    for (int i = 0; i < *nl; i++)
        if (strcmp((*ls)[i].name, name) == 0)
            return &(*ls)[i];
    pline *p = realloc(*ls, sizeof(pline) * (size_t)(*nl + 1));
    if (!p)
        return NULL;
    *ls = p;
    p = &(*ls)[(*nl)++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    return p;
}

static void line_add(pline *l, double x, double m, double lo, double hi) {
    size_t sz = sizeof(double) * (size_t)(l->n + 1);
    double *a = realloc(l->x, sz), *b = a ? realloc(l->m, sz) : NULL,
           *c = b ? realloc(l->lo, sz) : NULL,
           *d = c ? realloc(l->hi, sz) : NULL;
    if (a)
        l->x = a;
    if (b)
        l->m = b;
    if (c)
        l->lo = c;
    if (!d)
        return;
    l->hi = d;
    l->x[l->n] = x;
    l->m[l->n] = m;
    l->lo[l->n] = lo;
    l->hi[l->n] = hi;
    l->n++;
}

static void lines_free(pline *ls, int nl) {
    for (int i = 0; i < nl; i++) {
        free(ls[i].x);
        free(ls[i].m);
        free(ls[i].lo);
        free(ls[i].hi);
    }
    free(ls);
}

static void gp_str(FILE *g, const char *s) {
    fputc('"', g);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', g);
        fputc(*s, g);
    }
    fputc('"', g);
}

/* Draws the lines with gnuplot into an SVG and returns its text from
 * "<svg" on (malloc'd), or NULL with a reason in msg. */
static char *draw_svg(const pline *ls, int nl, const plot_axes *ax,
                      const char *title, const char *ylabel, char *msg,
                      size_t len) {
    char dir[] = "/tmp/mechlab-report-XXXXXX";
    if (!mkdtemp(dir)) {
        snprintf(msg, len, "mkdtemp: %s", strerror(errno));
        return NULL;
    }
    char path[256];
    snprintf(path, sizeof path, "%s/p.dat", dir);
    FILE *d = fopen(path, "w");
    snprintf(path, sizeof path, "%s/p.gp", dir);
    FILE *g = fopen(path, "w");
    char *svg = NULL;
    double xmin = INFINITY, xmax = -INFINITY;
    int blocks = 0;
    if (!d || !g) {
        snprintf(msg, len, "cannot write a scratch plot");
        goto out;
    }
    fputs("set terminal svg size 960,520 font 'Sans,11'\n"
          "set output 'p.svg'\nset grid\nset key outside right top "
          "noenhanced\nset border lw 1.2\n",
          g);
    fputs("set title ", g);
    gp_str(g, title);
    fputs(" noenhanced\nset xlabel ", g);
    char xl[200];
    if (ax->xunit && *ax->xunit && strcmp(ax->xunit, ax->xname) != 0)
        snprintf(xl, sizeof xl, "%s (%s)", ax->xname, ax->xunit);
    else
        snprintf(xl, sizeof xl, "%s", ax->xname);
    gp_str(g, xl);
    fputs(" noenhanced\nset ylabel ", g);
    gp_str(g, ylabel);
    fputs(" noenhanced\n", g);
    for (int i = 0; i < nl; i++) {
        bool any = false;
        for (int k = 0; k < ls[i].n; k++) {
            if (isnan(ls[i].m[k]) || (ax->logx && ls[i].x[k] <= 0))
                continue;
            if (!any)
                fprintf(d, "%s# %s\n", blocks ? "\n\n" : "", ls[i].name);
            any = true;
            fprintf(d, "%.10g %.6g %.6g %.6g\n", ls[i].x[k], ls[i].m[k],
                    isnan(ls[i].lo[k]) ? ls[i].m[k] : ls[i].lo[k],
                    isnan(ls[i].hi[k]) ? ls[i].m[k] : ls[i].hi[k]);
            xmin = fmin(xmin, ls[i].x[k]);
            xmax = fmax(xmax, ls[i].x[k]);
        }
        blocks += any;
    }
    if (!blocks) {
        snprintf(msg, len, "nothing to plot (no measured point)");
        goto out;
    }
    if (ax->logx)
        fprintf(g, "set logscale x 2\nset xrange [%g:%g]\n", xmin / 1.3,
                xmax * 1.3);
    else
        fprintf(g, "set xrange [%g:%g]\n", xmin - 0.5, xmax + 0.5);
    if (!ax->logx && xmax - xmin <= 64)
        fputs("set xtics 1\n", g);
    if (ax->logy)
        fputs("set logscale y 10\n", g);
    else
        fputs("set yrange [0:*]\n", g);
    if (ax->xbytes)
        fputs("set format x \"%.0b %BB\"\n", g);
    size_t i;
    json_t *mk;
    int nm = 0;
    json_array_foreach(ax->marks, i, mk) {
        double x = jnum(mk, "x");
        if (isnan(x) || x < xmin || x > xmax)
            continue;
        fprintf(g,
                "set arrow from %g, graph 0 to %g, graph 1 nohead dt 2 lc "
                "rgb '#888888'\nset label ",
                x, x);
        gp_str(g, jstr(mk, "label"));
        fprintf(g,
                " at %g, graph %.2f left offset 0.3,0 font ',9' tc rgb "
                "'#555555' noenhanced\n",
                x, 0.97 - 0.05 * (nm++ % 4));
    }
    if (ax->x_is_threads && ax->pus > 0 && xmax > ax->pus) {
        double from = ax->logx ? ax->pus * 1.41 : ax->pus + 0.5;
        fprintf(g,
                "set object 1 rect from %g, graph 0 to graph 1, graph 1 "
                "behind fc rgb '#eeeeee' fs solid noborder\n"
                "set label \"over-subscribed\" at %g, graph 0.06 left font "
                "',9' tc rgb '#777777'\n",
                from, from);
    }
    fputs("plot \\\n", g);
    /* Styled as the run's own plot (plot.c): one palette colour per
     * variant, its series told apart by dash and point; a Go twin takes
     * its variant's colour, thin and dotted with hollow points, so
     * "go:strided" reads as the twin of "strided". */
    char vars[64][64];
    int nvars = 0, nth[2][64] = {{0}};
    for (int b = 0, k = 0; k < nl; k++) {
        bool any = false;
        for (int j = 0; j < ls[k].n; j++)
            any |= !isnan(ls[k].m[j]) && !(ax->logx && ls[k].x[j] <= 0);
        if (!any)
            continue;
        bool twin = hx_gotwin_series(ls[k].name);
        const char *base = ls[k].name + (twin ? 3 : 0);
        int vl = (int)strcspn(base, " "), v = 0;
        while (v < nvars && !(strlen(vars[v]) == (size_t)vl &&
                              strncmp(vars[v], base, (size_t)vl) == 0))
            v++;
        if (v == nvars && nvars < 64)
            snprintf(vars[nvars++], sizeof vars[0], "%.*s", vl, base);
        int n = v < 64 ? nth[twin][v]++ : b;
        fprintf(g,
                "  'p.dat' index %d using 1:2:3:4 with yerrorlines lw %d "
                "lc rgb '%s' dt %d pt %d ps 0.8 title ",
                b, twin ? 1 : 2, hx_plot_colour(v), twin ? 3 : 1 + n % 5,
                twin ? 4 + 2 * (n % 4) : hx_plot_point(n));
        gp_str(g, ls[k].name);
        fputs(++b < blocks ? ", \\\n" : "\n", g);
    }
    fclose(d);
    fclose(g);
    d = g = NULL;
    if (hx_run_gnuplot(dir, "p.gp", msg, len) != 0)
        goto out;
    snprintf(path, sizeof path, "%s/p.svg", dir);
    char *text = slurp(path);
    char *start = text ? strstr(text, "<svg") : NULL;
    if (start) {
        svg = strdup(start);
    } else {
        snprintf(msg, len, "gnuplot wrote no SVG");
    }
    free(text);
out:
    if (d)
        fclose(d);
    if (g)
        fclose(g);
    static const char *const files[] = {"p.dat", "p.gp", "p.svg"};
    for (size_t k = 0; k < 3; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[k]);
        unlink(path);
    }
    rmdir(dir);
    return svg;
}

/* The params of a point other than skip1 and skip2, as " a=1 b=2". */
static void other_params(json_t *params, const char *skip1, const char *skip2,
                         char *buf, size_t len) {
    size_t n = 0;
    buf[0] = 0;
    const char *k;
    json_t *v;
    json_object_foreach(params, k, v) {
        if ((skip1 && strcmp(k, skip1) == 0) ||
            (skip2 && strcmp(k, skip2) == 0))
            continue;
        if (n < len)
            n += (size_t)snprintf(buf + n, len - n, " %s=%g", k,
                                  json_number_value(v));
    }
}

static void plots(FILE *f, const hx_rundata *rd, const hx_experiment *e,
                  const char *machine) {
    json_t *s = rd->summary;
    json_t *pj = json_object_get(s, "plot");
    plot_axes ax = {0};
    if (pj) {
        ax.xname = jstr(pj, "x");
        ax.xunit = jstr(pj, "x_unit");
        ax.logx = json_is_true(json_object_get(pj, "logx"));
        ax.logy = json_is_true(json_object_get(pj, "logy"));
        ax.xbytes = json_is_true(json_object_get(pj, "x_bytes"));
        ax.x_is_threads = json_is_true(json_object_get(pj, "x_is_threads"));
        ax.pus = (int)json_integer_value(json_object_get(pj, "pus"));
        ax.marks = json_object_get(pj, "marks");
    } else if (e) {
        const hx_param *xp = &e->params[0];
        for (int i = 0; i < e->nparams; i++)
            if (e->xparam && strcmp(e->params[i].name, e->xparam) == 0)
                xp = &e->params[i];
        ax.xname = xp->name;
        ax.xunit = xp->unit;
        ax.logx = xp->flags & HX_PARAM_LOG;
        ax.xbytes = xp->flags & HX_PARAM_BYTES;
        ax.x_is_threads = xp->flags & HX_PARAM_THREADS;
        ax.logy = e->plot_flags & HX_PLOT_LOGY;
        ax.pus = (int)json_integer_value(
            json_object_get(json_object_get(rd->context, "machine"), "pus"));
    } else {
        ax.xname = "x";
        ax.xunit = "";
    }
    const char *op = s ? jstr(s, "op") : e && e->op ? e->op : "op";
    char ylabel[200], title[400];
    snprintf(ylabel, sizeof ylabel,
             "ns per %s per thread (median; bars "
             "p10-p90)",
             op);
    snprintf(title, sizeof title, "%s: ns per %s vs %s (%s, run %s)",
             rd->experiment, op, ax.xname, machine, rd->run_id);
    pline *ls = NULL;
    int nl = 0;
    for (int i = 0; i < rd->npts; i++) {
        pline *l = line_for(&ls, &nl, rd->pts[i].series);
        if (l)
            line_add(l, rd->pts[i].x, rd->pts[i].median, rd->pts[i].p10,
                     rd->pts[i].p90);
    }
    char msg[512] = "";
    fputs("<h2>The plot</h2>\n", f);
    char *svg = draw_svg(ls, nl, &ax, title, ylabel, msg, sizeof msg);
    lines_free(ls, nl);
    if (svg)
        fprintf(f, "<div class=\"plot\">%s</div>\n", svg);
    else {
        fputs("<p class=\"warn\">no plot: ", f);
        esc(f, msg);
        fputs("</p>\n", f);
    }
    free(svg);

    /* The second axis: points at the largest value of the main x (within
     * the PUs when it is the thread count), plotted along .plot2. */
    const char *x2 = e && e->plot2 ? e->plot2 : NULL;
    if (!x2 || !ax.xname[0])
        return;
    double at = -INFINITY;
    for (int i = 0; i < rd->npts; i++) {
        double x = rd->pts[i].x;
        if (isnan(rd->pts[i].median) ||
            (ax.x_is_threads && ax.pus > 0 && x > ax.pus))
            continue;
        at = fmax(at, x);
    }
    ls = NULL;
    nl = 0;
    for (int i = 0; i < rd->npts; i++) {
        json_t *v2 = json_object_get(rd->pts[i].params, x2);
        if (rd->pts[i].x != at || !json_is_number(v2))
            continue;
        char name[240], rest[200];
        other_params(rd->pts[i].params, x2, ax.xname, rest, sizeof rest);
        snprintf(name, sizeof name, "%s%s", rd->pts[i].variant, rest);
        pline *l = line_for(&ls, &nl, name);
        if (l)
            line_add(l, json_number_value(v2), rd->pts[i].median,
                     rd->pts[i].p10, rd->pts[i].p90);
    }
    const hx_param *p2 = NULL;
    for (int i = 0; i < e->nparams; i++)
        if (strcmp(e->params[i].name, x2) == 0)
            p2 = &e->params[i];
    /* only the series that vary along x2 (the others are one point) */
    int keep = 0;
    double lo2 = INFINITY, hi2 = -INFINITY;
    for (int i = 0; i < nl; i++) {
        if (ls[i].n < 2) {
            free(ls[i].x);
            free(ls[i].m);
            free(ls[i].lo);
            free(ls[i].hi);
            continue;
        }
        for (int k = 0; k < ls[i].n; k++) {
            lo2 = fmin(lo2, ls[i].x[k]);
            hi2 = fmax(hi2, ls[i].x[k]);
        }
        ls[keep++] = ls[i];
    }
    nl = keep;
    if (p2 && nl && isfinite(at)) {
        plot_axes a2 = {.xname = p2->name,
                        .xunit = p2->unit,
                        .logx = (p2->flags & HX_PARAM_LOG) ||
                                (lo2 > 0 && hi2 / lo2 >= 8),
                        .logy = ax.logy,
                        .xbytes = p2->flags & HX_PARAM_BYTES};
        snprintf(title, sizeof title, "%s: ns per %s vs %s at %s = %g (%s)",
                 rd->experiment, op, x2, ax.xname, at, machine);
        svg = draw_svg(ls, nl, &a2, title, ylabel, msg, sizeof msg);
        fprintf(f, "<h2>The same at %s = %g, along %s</h2>\n", ax.xname, at,
                x2);
        if (svg)
            fprintf(f, "<div class=\"plot\">%s</div>\n", svg);
        else {
            fputs("<p class=\"warn\">no plot: ", f);
            esc(f, msg);
            fputs("</p>\n", f);
        }
        free(svg);
    }
    lines_free(ls, nl);
}

/* ---- the page --------------------------------------------------------------- */

static const char css[] =
    "body{font-family:sans-serif;max-width:1000px;margin:1.5em auto;"
    "padding:0 1em;color:#222;line-height:1.4}"
    "h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;"
    "margin-top:1.6em;border-bottom:1px solid #ddd}"
    ".sub{color:#666;margin-top:0}"
    ".verdict{padding:.7em 1em;border-radius:6px;margin:1em 0;"
    "font-size:1.1em}"
    ".ok{background:#e3f4e1;border-left:6px solid #2e8b3a}"
    ".bad{background:#fbe3e1;border-left:6px solid #c0392b}"
    ".warn{background:#fff4d6;border-left:6px solid #d4a017}"
    ".grey{background:#eee;border-left:6px solid #888}"
    ".none{background:#eef2f7;border-left:6px solid #6a7f99}"
    ".text{white-space:pre-wrap;font-family:inherit}"
    "table{border-collapse:collapse;margin:.5em 0;font-size:.9em}"
    "td,th{border:1px solid #ddd;padding:.25em .5em;text-align:left;"
    "vertical-align:top}th{background:#f4f4f4}td.n{text-align:right;"
    "font-variant-numeric:tabular-nums}"
    ".plot svg{max-width:100%;height:auto}"
    "pre{background:#f7f7f7;padding:.6em;overflow-x:auto;font-size:.85em}"
    "ul.reasons{margin:.3em 0 0 0}"
    "span.tag{font-size:.8em;padding:.05em .4em;border-radius:3px}";

static void verdict_block(FILE *f, json_t *s, const char *summary_txt) {
    json_t *v = json_object_get(s, "verdict");
    if (!v) {
        /* an old run: the verdict line of summary.txt */
        const char *p = summary_txt ? strstr(summary_txt, "verdict:") : NULL;
        fputs("<div class=\"verdict none\">", f);
        if (p) {
            size_t n = strcspn(p, "\n");
            char *line = strndup(p, n);
            esc(f, line);
            free(line);
        } else {
            fputs("no verdict recorded", f);
        }
        fputs("</div>\n", f);
        return;
    }
    const char *st = jstr(v, "status");
    fprintf(f, "<div class=\"verdict %s\"><b>verdict:</b> ", status_class(st));
    esc(f, jstr(v, "text"));
    json_t *rs = json_object_get(v, "reasons");
    if (json_array_size(rs)) {
        fputs("<ul class=\"reasons\">", f);
        size_t i;
        json_t *r;
        json_array_foreach(rs, i, r) {
            fputs("<li>", f);
            esc(f, json_string_value(r));
            fputs("</li>", f);
        }
        fputs("</ul>", f);
    }
    fputs("</div>\n", f);
}

/* A parameter's value as the console prints it: sizes in bytes as
 * "64 MiB" (by the experiment's declaration, or the plot's x_bytes when
 * the experiment is not in this build), others as numbers. */
static void fmt_param(const hx_experiment *e, json_t *s, const char *name,
                      double v, char *buf, size_t len) {
    bool bytes = false;
    for (int i = 0; e && i < e->nparams; i++)
        if (strcmp(e->params[i].name, name) == 0)
            bytes = (e->params[i].flags & HX_PARAM_BYTES) != 0;
    json_t *pj = json_object_get(s, "plot");
    if (!e && pj && strcmp(jstr(pj, "x"), name) == 0)
        bytes = json_is_true(json_object_get(pj, "x_bytes"));
    if (bytes && v >= 0 && v < 9e18 && v == floor(v))
        hx_points_format_bytes((uint64_t)v, buf, len);
    else
        snprintf(buf, len, "%g", v);
}

static void claims_table(FILE *f, json_t *s, const hx_experiment *e) {
    json_t *cs = json_object_get(s, "claims");
    json_t *ks = json_object_get(s, "checks");
    if (!json_array_size(cs) && !json_array_size(ks))
        return;
    fputs("<h2>Claims and checks</h2>\n<table><tr><th>claim</th><th>at</th>"
          "<th>ratio</th><th>interval</th><th>expected</th><th>status</th>"
          "</tr>\n",
          f);
    size_t i;
    json_t *c;
    json_array_foreach(cs, i, c) {
        char r[32], lo[32], hi[32], ex[32], at[128] = "";
        fmt_num(jnum(c, "ratio"), r, sizeof r);
        fmt_num(jnum(c, "ci_lo"), lo, sizeof lo);
        fmt_num(jnum(c, "ci_hi"), hi, sizeof hi);
        fmt_num(jnum(c, "expected"), ex, sizeof ex);
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(c, "at"), k, v) {
            char val[48];
            fmt_param(e, s, k, json_number_value(v), val, sizeof val);
            snprintf(at, sizeof at, "%s=%s", k, val);
        }
        const char *kind = jstr(c, "ci_kind");
        fputs("<tr><td>'", f);
        esc(f, jstr(c, "slow"));
        fputs("' / '", f);
        esc(f, jstr(c, "fast"));
        fprintf(f, "'</td><td>%s</td><td class=\"n\">%s</td><td>", at, r);
        if (strcmp(kind, "none") == 0)
            fputs("none (too few repetitions)", f);
        else
            fprintf(f, "%s - %s (%s)", lo, hi,
                    strcmp(kind, "minmax") == 0 ? "min/max envelope"
                                                : "bootstrap 95%");
        fprintf(f, "</td><td class=\"n\">&ge; %s</td>", ex);
        fprintf(f, "<td class=\"%s\">", status_class(jstr(c, "status")));
        esc(f, jstr(c, "status"));
        fputs("</td></tr>\n", f);
        fputs("<tr><td colspan=\"6\" style=\"color:#555\">", f);
        esc(f, jstr(c, "text"));
        fputs("</td></tr>\n", f);
    }
    json_array_foreach(ks, i, c) {
        fputs("<tr><td colspan=\"5\">check: ", f);
        esc(f, jstr(c, "text"));
        fprintf(f, "</td><td class=\"%s\">", status_class(jstr(c, "status")));
        esc(f, jstr(c, "status"));
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void headlines_table(FILE *f, json_t *s) {
    json_t *hs = json_object_get(s, "headlines");
    if (!json_array_size(hs))
        return;
    fputs("<h2>Headline figures</h2>\n<table><tr><th>figure</th><th>value"
          "</th><th>interval</th><th>how</th></tr>\n",
          f);
    size_t i;
    json_t *h;
    json_array_foreach(hs, i, h) {
        char v[32], lo[32], hi[32];
        fmt_num(jnum(h, "value"), v, sizeof v);
        fmt_num(jnum(h, "ci_lo"), lo, sizeof lo);
        fmt_num(jnum(h, "ci_hi"), hi, sizeof hi);
        fputs("<tr><td>", f);
        esc(f, jstr(h, "name"));
        fprintf(f, "</td><td class=\"n\">%s %s</td><td>", v,
                isnan(jnum(h, "value")) ? "" : jstr(h, "unit"));
        if (!isnan(jnum(h, "ci_lo")))
            fprintf(f, "%s - %s", lo, hi);
        fputs("</td><td style=\"color:#555\">", f);
        esc(f, jstr(h, "how"));
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void points_table(FILE *f, const hx_rundata *rd,
                         const hx_experiment *e) {
    json_t *pts = json_object_get(rd->summary, "points");
    /* the x column is named after the plot's x parameter */
    json_t *pj = json_object_get(rd->summary, "plot");
    const char *xname = pj && *jstr(pj, "x") ? jstr(pj, "x")
                        : e && e->xparam     ? e->xparam
                                             : "x";
    fputs("<h2>Summary table</h2>\n<table><tr><th>series</th><th>", f);
    esc(f, xname);
    fputs("</th><th>median ns</th><th>p10 - p90</th><th>cv</th><th>reps</th>"
          "<th>status</th></tr>\n",
          f);
    if (pts) {
        size_t i;
        json_t *p;
        json_array_foreach(pts, i, p) {
            char m[32], lo[32], hi[32], xv[32], x[40];
            const char *pst = jstr(p, "status");
            if (strncmp(pst, "skipped: ", 9) == 0 &&
                hx_gotwin_left_out(jstr(p, "series"), pst + 9))
                continue; /* a twin's point left out by design */
            fmt_num(jnum(p, "median"), m, sizeof m);
            fmt_num(jnum(p, "p10"), lo, sizeof lo);
            fmt_num(jnum(p, "p90"), hi, sizeof hi);
            fmt_param(e, rd->summary, xname, jnum(p, "x"), xv, sizeof xv);
            snprintf(x, sizeof x, "%s%s", xv,
                     json_is_true(json_object_get(p, "oversubscribed")) ? "*"
                                                                        : "");
            double cv = jnum(p, "cv");
            fputs("<tr><td>", f);
            esc(f, jstr(p, "series"));
            fprintf(f,
                    "</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                    "<td class=\"n\">%s - %s</td><td class=\"n\">",
                    x, m, lo, hi);
            if (!isnan(cv))
                fprintf(f, "%.1f%%", cv * 100);
            fprintf(f, "</td><td class=\"n\">%lld</td><td>",
                    (long long)json_integer_value(json_object_get(p, "n")));
            esc(f, jstr(p, "status"));
            fputs("</td></tr>\n", f);
        }
    } else {
        for (int i = 0; i < rd->npts; i++) {
            char m[32], lo[32], hi[32], x[32];
            fmt_num(rd->pts[i].median, m, sizeof m);
            fmt_num(rd->pts[i].p10, lo, sizeof lo);
            fmt_num(rd->pts[i].p90, hi, sizeof hi);
            fmt_param(e, NULL, xname, rd->pts[i].x, x, sizeof x);
            fputs("<tr><td>", f);
            esc(f, rd->pts[i].series);
            fprintf(f,
                    "</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                    "<td class=\"n\">%s - %s</td><td></td><td></td><td>"
                    "from data.csv</td></tr>\n",
                    x, m, lo, hi);
        }
    }
    fputs("</table>\n<p class=\"sub\">* over-subscribed: more threads than "
          "PUs</p>\n",
          f);
}

static void list_block(FILE *f, json_t *s, const char *key, const char *title,
                       const char *a, const char *b) {
    json_t *l = json_object_get(s, key);
    if (!json_array_size(l))
        return;
    fprintf(f, "<h2>%s</h2>\n<ul>", title);
    size_t i;
    json_t *w;
    json_array_foreach(l, i, w) {
        fputs("<li>", f);
        if (json_is_string(w)) {
            esc(f, json_string_value(w));
        } else {
            fputs("<b>", f);
            esc(f, jstr(w, a));
            fputs("</b>: ", f);
            esc(f, jstr(w, b));
        }
        fputs("</li>", f);
    }
    fputs("</ul>\n", f);
}

static void machine_block(FILE *f, json_t *ctx) {
    json_t *m = json_object_get(ctx, "machine");
    if (!m)
        return;
    fputs("<h2>The machine</h2>\n<table>", f);
    const char *k;
    json_t *v;
    json_object_foreach(m, k, v) {
        if (json_is_object(v) || json_is_array(v))
            continue;
        fputs("<tr><th>", f);
        esc(f, k);
        fputs("</th><td>", f);
        if (json_is_string(v))
            esc(f, json_string_value(v));
        else {
            char *t = json_dumps(v, JSON_ENCODE_ANY);
            esc(f, t);
            free(t);
        }
        fputs("</td></tr>", f);
    }
    fputs("</table>\n<details><summary>everything context.json records"
          "</summary><pre>",
          f);
    char *all = json_dumps(ctx, JSON_INDENT(1) | JSON_SORT_KEYS);
    esc(f, all);
    free(all);
    fputs("</pre></details>\n", f);
}

static void homework(FILE *f, const char *text) {
    if (!text || !*text)
        return;
    fputs("<h2>Homework</h2>\n<div class=\"text\">", f);
    esc(f, text);
    fputs("</div>\n", f);
}

int hx_report_html(const char *rundir, char *err, size_t len) {
    hx_rundata rd;
    int rc = hx_rundata_load(rundir, NULL, &rd, err, len);
    if (rc)
        return rc;
    const hx_experiment *e = hx_find_experiment(rd.experiment);
    json_t *s = rd.summary;
    char path[1200];
    snprintf(path, sizeof path, "%s/summary.txt", rundir);
    char *summary_txt = slurp(path);
    const char *machine =
        s ? jstr(s, "machine")
          : jstr(json_object_get(rd.context, "run"), "machine_name");
    char tmp[1300];
    snprintf(tmp, sizeof tmp, "%s/.report.html.%ld", rundir, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, len, "%s: %s", tmp, strerror(errno));
        free(summary_txt);
        hx_rundata_free(&rd);
        return -errno;
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<title>",
          f);
    esc(f, rd.experiment);
    fputs(" on ", f);
    esc(f, machine);
    fprintf(f, "</title>\n<style>%s</style></head><body>\n", css);
    fputs("<h1>", f);
    esc(f, rd.experiment);
    fputs("</h1>\n<p class=\"sub\">", f);
    const char *summary = s                 ? jstr(s, "summary")
                          : e && e->summary ? e->summary
                                            : "";
    esc(f, summary);
    fputs("<br>", f);
    esc(f, s ? jstr(s, "machine_line") : machine);
    fputs(" &middot; ", f);
    esc(f, machine);
    fputs(" &middot; run ", f);
    esc(f, rd.run_id);
    if (s)
        fprintf(f, " &middot; %lld repetitions%s",
                (long long)json_integer_value(json_object_get(s, "reps")),
                json_is_true(json_object_get(s, "quick")) ? " (quick)" : "");
    if (!s)
        fputs(" &middot; from data.csv (this run predates summary.json)", f);
    fputs("</p>\n", f);
    verdict_block(f, s, summary_txt);
    para(f, "Hypothesis", s ? jstr(s, "hypothesis") : e ? e->hypothesis : NULL);
    plots(f, &rd, e, machine);
    if (s) {
        claims_table(f, s, e);
        headlines_table(f, s);
    } else if (summary_txt) {
        fputs("<h2>The summary as printed</h2>\n<pre>", f);
        esc(f, summary_txt);
        fputs("</pre>\n", f);
    }
    points_table(f, &rd, e);
    if (s) {
        list_block(f, s, "warnings", "Warnings", NULL, NULL);
        list_block(f, s, "unavailable", "Counters unavailable here, and why",
                   "counter", "reason");
        const char *notes = jstr(s, "notes");
        if (*notes) {
            fputs("<h2>What the experiment found</h2>\n<pre>", f);
            esc(f, notes);
            fputs("</pre>\n", f);
        }
    }
    machine_block(f, rd.context);
    para(f, "How to read the plot",
         s   ? jstr(s, "reading")
         : e ? e->reading
             : NULL);
    homework(f, s ? jstr(s, "homework") : e ? e->homework : NULL);
    fputs("<p class=\"sub\">Written by <code>mechlab report</code> from this "
          "run's ",
          f);
    fputs(s ? "summary.json" : "data.csv and summary.txt", f);
    fputs(" and context.json.</p>\n</body></html>\n", f);
    bool ok = !ferror(f);
    if (fclose(f) != 0)
        ok = false;
    free(summary_txt);
    hx_rundata_free(&rd);
    snprintf(path, sizeof path, "%s/report.html", rundir);
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, len, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -EIO;
    }
    return 0;
}
