/*
 * plot_bars.c - experiments measured at one point: grouped bars, log y.
 *
 * primitives, chanprims and noop measure ten or so series at a single x
 * (one thread): as lines they are ten dots stacked on one vertical, and on
 * a linear axis from 0 to 140000 ns the 28 ns goroutine switch sits flat
 * on zero. Here each series is a bar on a log axis (medians from 1 ns to
 * 1 ms side by side), with its p10..p90 as an error bar, and bars are
 * grouped so the comparisons the experiment is about stand together:
 *
 *   HX_PLOT_PAIRS   variants (0,1), (2,3), ... are pairs (a goroutine
 *                   primitive and its OS-thread counterpart): one group
 *                   each, both Go twins beside their variants, and the
 *                   pair's ratio (second / first) printed over the group
 *   otherwise       each variant with its Go twin (ours, then Go's, the
 *                   ratio Go / ours printed over the pair), or alone
 *
 * A Go twin is drawn in its variant's colour, hatched, so "ours" and
 * "Go's" read as one family. Bars start from a baseline
 * one decade below the smallest p10, so every bar has a visible height.
 * The data travel inside the script (a gnuplot datablock), so plot.gp
 * alone redraws the figure; plot.dat keeps its usual format.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plotstyle.h"
#include "result.h"

#define BAR_MAX 64

typedef struct bar {
    const hx_rseries *se;
    double med, lo, hi;
    int colour;
    bool go;
    int group;
} bar;

static const hx_rseries *series_named(const struct hx_results *res,
                                      const char *name) {
    for (int i = 0; i < res->nseries; i++)
        if (strcmp(res->series[i].name, name) == 0 && res->series[i].npts > 0 &&
            res->series[i].pts[0].nv > 0)
            return &res->series[i];
    return NULL;
}

static int add(bar *b, int n, const hx_rseries *se, int colour, bool go,
               int group) {
    if (!se || n >= BAR_MAX)
        return n;
    for (int i = 0; i < n; i++)
        if (b[i].se == se)
            return n;
    const hx_rpoint *p = &se->pts[0];
    b[n] = (bar){.se = se,
                 .med = p->s.median,
                 .lo = p->s.p10,
                 .hi = p->s.p90,
                 .colour = colour,
                 .go = go,
                 .group = group};
    return n + 1;
}

bool hx_plot_bars_wanted(const struct hx_results *res) {
    int n = 0;
    int64_t x0 = 0;
    for (int i = 0; i < res->nseries; i++) {
        const hx_rseries *se = &res->series[i];
        int with = 0;
        for (int k = 0; k < se->npts; k++) {
            if (se->pts[k].nv == 0)
                continue;
            if (n == 0 && with == 0)
                x0 = se->pts[k].x;
            else if (se->pts[k].x != x0)
                return false; /* more than one x: lines */
            with++;
        }
        n += with > 0;
    }
    return n >= 3;
}

/* Writes the bar plot's script to g (terminal and outputs included). */
void hx_plot_bars(const struct hx_results *res, FILE *g, const char *title,
                  const char *sub, const char *ylabel) {
    const hx_run *r = res->r;
    const hx_experiment *e = r->exp;
    bar b[BAR_MAX];
    int n = 0, groups = 0;
    char twin[96];
    if (e->plot_flags & HX_PLOT_PAIRS) {
        for (int v = 0; v < e->nvariants; v += 2, groups++)
            for (int k = v; k < v + 2 && k < e->nvariants; k++) {
                const char *nm = e->variants[k].name;
                n = add(b, n, series_named(res, nm), k, false, groups);
                snprintf(twin, sizeof twin, "go:%s", nm);
                n = add(b, n, series_named(res, twin), k, true, groups);
            }
    } else {
        for (int v = 0; v < e->nvariants; v++) {
            const char *nm = e->variants[v].name;
            int before = n;
            n = add(b, n, series_named(res, nm), v, false, groups);
            snprintf(twin, sizeof twin, "go:%s", nm);
            n = add(b, n, series_named(res, twin), v, true, groups);
            groups += n > before;
        }
    }
    /* any series not placed yet (variants with parameters): alone */
    for (int i = 0; i < res->nseries; i++) {
        int before = n;
        if (res->series[i].npts > 0 && res->series[i].pts[0].nv > 0)
            n = add(b, n, &res->series[i], res->nseries + i, false, groups);
        groups += n > before;
    }
    double ymin = INFINITY, ymax = 0;
    for (int i = 0; i < n; i++) {
        double lo = b[i].lo > 0 ? b[i].lo : b[i].med;
        ymin = lo > 0 && lo < ymin ? lo : ymin;
        ymax = b[i].hi > ymax ? b[i].hi : ymax;
    }
    if (!(ymin < INFINITY) || ymax <= 0) {
        ymin = 0.1;
        ymax = 10;
    }
    double base =
        pow(10, floor(log10(ymin)) - (log10(ymin) - floor(log10(ymin)) < 0.3));
    /* positions: bars 1 apart inside a group, a gap of 1 between groups */
    double pos[BAR_MAX];
    double x = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0)
            x += b[i].group != b[i - 1].group ? 2.0 : 1.0;
        pos[i] = x;
    }
    char sub2[1200];
    snprintf(sub2, sizeof sub2, "%s\n%s", sub,
             (e->plot_flags & HX_PLOT_PAIRS)
                 ? "hatched: Go's twin; over each group: right variant / "
                   "left variant (medians)"
                 : "hatched: Go's twin; over each pair: Go / ours (medians)");
    hx_plot_preamble(g, title, sub2);
    fprintf(g, "set key off\nset grid noxtics ytics lc rgb '#d0d0d0'\n");
    fprintf(g, "set logscale y 10\nset yrange [%g:%g]\n", base, ymax * 6);
    fprintf(g, "set format y '%%.0s %%c'\nset ylabel \"");
    hx_gp_put(g, ylabel, false);
    fprintf(g, "\" noenhanced\nset xrange [-0.8:%g]\n", x + 0.8);
    fprintf(g, "set xtics rotate by -35 left nomirror font ',11' (");
    for (int i = 0; i < n; i++) {
        fprintf(g, "%s\"", i ? ", " : "");
        hx_gp_put(g, b[i].se->name, true);
        fprintf(g, "\" %g", pos[i]);
    }
    fprintf(g, ")\nset bmargin 9\n");
    /* a group's ratio over it: pairs: second variant / first; twins: Go
     * / ours */
    for (int gi = 0; gi < groups; gi++) {
        const bar *a = NULL, *c = NULL;
        double top = 0, x0 = 0, x1 = 0;
        bool first = true;
        for (int i = 0; i < n; i++) {
            if (b[i].group != gi)
                continue;
            if (first)
                x0 = pos[i];
            x1 = pos[i];
            first = false;
            top = b[i].hi > top ? b[i].hi : top;
            if (e->plot_flags & HX_PLOT_PAIRS) {
                if (!b[i].go && !a)
                    a = &b[i];
                else if (!b[i].go && !c)
                    c = &b[i];
            } else if (!b[i].go) {
                a = &b[i];
            } else {
                c = &b[i];
            }
        }
        if (!a || !c || !(a->med > 0))
            continue;
        double ratio = c->med / a->med;
        fprintf(g,
                "set label \"%s%.3g×\" at %g, %g center font ',11' "
                "tc rgb '#222222' noenhanced\n",
                (e->plot_flags & HX_PLOT_PAIRS) ? "" : "", ratio, (x0 + x1) / 2,
                (top > 0 ? top : a->med) * 2.2);
    }
    fprintf(g, "$bars << EOD\n");
    for (int i = 0; i < n; i++) {
        const char *hex = hx_plot_colour(b[i].colour);
        fprintf(g, "%g %.6g %.6g %.6g %ld %d\n", pos[i], b[i].med,
                b[i].lo > 0 ? b[i].lo : b[i].med,
                b[i].hi > 0 ? b[i].hi : b[i].med, strtol(hex + 1, NULL, 16),
                b[i].go);
    }
    fprintf(g, "EOD\n");
    hx_plot_terminal(g, "png", e->name);
    fprintf(g,
            "plot $bars using 1:($6 == 0 ? $2 : 1/0):($1-0.42):($1+0.42):"
            "(%g):2:5 with boxxyerror lc rgb variable fs solid 0.85 "
            "border rgb '#333333', \\\n"
            "  $bars using 1:($6 == 1 ? $2 : 1/0):($1-0.42):($1+0.42):"
            "(%g):2:5 with boxxyerror lc rgb variable fs transparent "
            "pattern 4 border rgb '#333333', \\\n"
            "  $bars using 1:2:3:4 with yerrorbars lc rgb '#333333' pt -1 "
            "lw 1.2\n",
            base, base);
    hx_plot_terminal(g, "svg", e->name);
    fprintf(g, "replot\nset output\n");
}
