/*
 * plot.c - gnuplot driver.
 *
 * Writes plot.dat (one block per series: x, median, p10, p90; blocks
 * separated by two blank lines, each headed "# series: NAME") and plot.gp,
 * a self-contained script that draws <exp>.png and <exp>.svg from it, then
 * runs gnuplot in the run directory. The script stays with the run so a
 * reader can restyle a plot without rerunning anything. plot.dat is this
 * script's data, not a public format: other programs read summary.json
 * and data.csv.
 *
 * What every plot shows: labelled axes with units, the machine in the
 * title, medians joined by lines with p10-p90 bars, log axes where the
 * experiment asks, vertical lines at the cache sizes the topology reports
 * (HX_PLOT_CACHE_MARKS), and a shaded band where threads outnumber PUs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "context.h"
#include "counters_sim.h"
#include "gnuplot.h"
#include "gotwin.h"
#include "plan.h"
#include "plotstyle.h"
#include "result.h"
#include "topo.h"

#ifndef MECHLAB_GNUPLOT
#define MECHLAB_GNUPLOT ""
#endif

static void gp_plain(FILE *f, const char *s) {
    hx_gp_put(f, s, false);
}

static const char *gnuplot_path(void) {
    static const char *const tries[] = {MECHLAB_GNUPLOT, "/usr/bin/gnuplot",
                                        "/usr/local/bin/gnuplot"};
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++)
        if (tries[i][0] && access(tries[i], X_OK) == 0)
            return tries[i];
    return NULL;
}

int hx_run_gnuplot(const char *dir, const char *script, char *msg, size_t len) {
    const char *gp = gnuplot_path();
    if (!gp) {
        snprintf(msg, len,
                 "gnuplot not found (install gnuplot-nox; the data "
                 "and %s are written, run gnuplot on them later)",
                 script);
        return -ENOENT;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(msg, len, "fork: %s", strerror(errno));
        return -errno;
    }
    if (pid == 0) {
        if (chdir(dir) != 0)
            _exit(126);
        execl(gp, "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        snprintf(msg, len, "gnuplot failed on %s/%s", dir, script);
        return -EIO;
    }
    return 0;
}

int hx_plot(const struct hx_results *res, const char *dir, bool draw, char *msg,
            size_t len) {
    const hx_run *r = res->r;
    const hx_experiment *e = r->exp;
    const hx_param *xp = &e->params[r->xparam];
    char path[1200];
    snprintf(path, sizeof path, "%s/plot.dat", dir);
    FILE *d = fopen(path, "w");
    if (!d) {
        snprintf(msg, len, "%s: %s", path, strerror(errno));
        return -errno;
    }
    int ns = res->nseries;
    /* y: ns per op, or the metric the experiment chose to show */
    int pm = -1;
    for (int m = 0; e->plot_metric && m < e->nmetrics; m++)
        if (strcmp(e->metrics[m].name, e->plot_metric) == 0)
            pm = m;
    char ylabel[256];
    if (pm >= 0)
        snprintf(ylabel, sizeof ylabel, "%s (%s)", /* short: a slide's axis */
                 strlen(e->metrics[pm].help) <= 32 ? e->metrics[pm].help
                                                   : e->metrics[pm].name,
                 e->metrics[pm].unit);
    else
        snprintf(ylabel, sizeof ylabel, "ns per %s", e->op ? e->op : "op");
    double xs = xp->scale > 1 ? (double)xp->scale : 1.0; /* fixed point */
    fprintf(d, "# %s: x=%s (%s); columns: x median p10 p90 (%s)\n", e->name,
            xp->name, xp->unit, ylabel);
    /* Only series with data get a block: gnuplot merges consecutive
     * blank-line pairs, so an empty block would shift every later index
     * and put each series' data under the next series' title. */
    int blocks = 0;
    int *block_series = calloc((size_t)ns + 1, sizeof(int));
    if (!block_series) {
        fclose(d);
        snprintf(msg, len, "out of memory");
        return -ENOMEM;
    }
    /* A 0 on a log x axis (channel capacity 0) is drawn half a step left
     * of the smallest other x and labelled 0. */
    bool logx = xp->flags & HX_PARAM_LOG;
    int64_t minpos = INT64_MAX;
    for (int i = 0; logx && i < ns; i++)
        for (int k = 0; k < res->series[i].npts; k++) {
            int64_t x = res->series[i].pts[k].x;
            if (x > 0 && x < minpos)
                minpos = x;
        }
    double zero_at = minpos == INT64_MAX ? 0.5 : (double)minpos / xs / 2;
    bool has_zero = false, anyp = false;
    int64_t xmax = 0, xmin = INT64_MAX;
    for (int i = 0; i < ns; i++) {
        bool header = false;
        for (int k = 0; k < res->series[i].npts; k++) {
            const hx_rpoint *rp = &res->series[i].pts[k];
            int64_t x = rp->x;
            hx_summary s = rp->s;
            if (s.n == 0)
                continue;
            if (pm >= 0) {
                hx_rpoint_metric(rp, pm, &s);
                if (s.n == 0)
                    continue;
            }
            if (!header)
                fprintf(d, "%s# series: %s\n", blocks ? "\n\n" : "",
                        res->series[i].name);
            header = true;
            double px = (double)x / xs;
            if (logx && x == 0) {
                px = zero_at;
                has_zero = true;
            }
            fprintf(d, "%.6g %.6g %.6g %.6g\n", px, s.median, s.p10, s.p90);
            xmax = x > xmax ? x : xmax;
            xmin = (x > 0 || !logx) && x < xmin ? x : xmin;
            anyp = true;
        }
        if (header)
            block_series[blocks++] = i;
    }
    fclose(d);
    if (!anyp) {
        free(block_series);
        snprintf(msg, len, "nothing to plot (no samples)");
        return -ENODATA;
    }

    snprintf(path, sizeof path, "%s/plot.gp", dir);
    FILE *g = fopen(path, "w");
    if (!g) {
        int rc = -errno;
        free(block_series);
        snprintf(msg, len, "%s: %s", path, strerror(-rc));
        return rc;
    }
    char machine[512];
    hx_context_oneline(&r->topo, machine, sizeof machine);
    /* the machine line on lines of at most ~110 characters, broken after
     * a comma; then where and when */
    char sub[1000];
    size_t so = 0, col = 0;
    for (const char *p = machine; *p && so + 2 < sizeof sub; p++) {
        sub[so++] = *p;
        col++;
        if (*p == ',' && p[1] == ' ' && col > 80) {
            sub[so++] = '\n';
            p++;
            col = 0;
        }
    }
    snprintf(sub + so, sizeof sub - so,
             "\n[%s], run %s; median per thread, bars p10-p90", r->mdir,
             r->run_id);
    if (pm < 0 && hx_plot_bars_wanted(res)) { /* plot_bars.c */
        char title[300];
        snprintf(title, sizeof title, "%s: %s", e->name, ylabel);
        fprintf(g, "# %s plot; run: gnuplot plot.gp (in this directory)\n",
                e->name);
        hx_plot_bars(res, g, title, sub, ylabel);
        fclose(g);
        free(block_series);
        if (!draw)
            return 0;
        int rc = hx_run_gnuplot(dir, "plot.gp", msg, len);
        if (rc == 0) {
            char svg[1300];
            snprintf(svg, sizeof svg, "%s/%s.svg", dir, e->name);
            hx_svg_set_title(svg, title);
        }
        return rc;
    }
    fprintf(g, "# %s plot; run: gnuplot plot.gp (in this directory)\n",
            e->name);
    fprintf(g, "set encoding utf8\nset grid lc rgb '#d0d0d0'\nset key "
               "outside right top noenhanced\nset border lw 1.2\n");
    {
        char title[300];
        snprintf(title, sizeof title, "%s: %s vs %s", e->name,
                 pm >= 0 ? e->metrics[pm].name : ylabel, xp->name);
        hx_plot_preamble(g, title, sub);
    }
    char xl[160];
    hx_plot_xlabel(xp, xl, sizeof xl);
    fprintf(g, "set xlabel \"");
    gp_plain(g, xl);
    fprintf(g, "\" noenhanced\nset ylabel \"");
    gp_plain(g, ylabel);
    fprintf(g, "\" noenhanced\n");
    if (logx)
        fprintf(g, "set logscale x 2\n");
    if (e->plot_flags & HX_PLOT_LOGY)
        fprintf(g, "set logscale y 10\n");
    else
        fprintf(g, "set yrange [0:*]\n");
    if (xp->flags & HX_PARAM_BYTES)
        fprintf(g, "set format x \"%%.0b %%BB\"\n");
    if (logx) {
        double lo = has_zero || xmin == INT64_MAX ? zero_at : (double)xmin / xs;
        fprintf(g, "set xrange [%g:%g]\n", lo / 1.3, (double)xmax / xs * 1.3);
        if (has_zero)
            fprintf(g, "set xtics add (\"0\" %g)\n", zero_at);
    } else
        fprintf(g, "set xrange [%g:%g]\n", (double)xmin / xs - 0.5,
                (double)xmax / xs + 0.5);
    if (!logx && xs == 1.0 && xmax - xmin <= 64)
        fprintf(g, "set xtics 1\n");
    if (e->plot_flags & HX_PLOT_CACHE_MARKS) {
        for (int c = 0; c < r->topo.ncaches; c++) {
            const hx_cache *ca = &r->topo.caches[c];
            char sz[32];
            hx_format_value(&(hx_param){.flags = HX_PARAM_BYTES},
                            (int64_t)ca->size, sz, sizeof sz);
            if ((int64_t)ca->size < xmin || (int64_t)ca->size > xmax)
                continue;
            fprintf(g,
                    "set arrow from %llu, graph 0 to %llu, graph 1 "
                    "nohead dt 2 lc rgb '#888888'\n",
                    (unsigned long long)ca->size, (unsigned long long)ca->size);
            fprintf(g,
                    "set label \"L%d%s %s%s\" at %llu, graph 0.97 left "
                    "offset 0.3,0 font ',9' tc rgb '#555555' noenhanced\n",
                    ca->level, ca->type == 'd' ? "d" : "", sz,
                    hx_topo_cache_unlikely(ca) ? " (hwloc; synthetic?)" : "",
                    (unsigned long long)ca->size);
        }
    }
    if (e->marks) {
        hx_mark mk[8];
        int nm = e->marks(&r->topo, mk, 8);
        for (int i = 0; i < nm && i < 8; i++) {
            if (mk[i].x < xmin || mk[i].x > xmax)
                continue;
            fprintf(g,
                    "set arrow from %lld, graph 0 to %lld, graph 1 nohead "
                    "dt 4 lc rgb '#b05050'\n",
                    (long long)mk[i].x, (long long)mk[i].x);
            fprintf(g, "set label \"");
            gp_plain(g, mk[i].label);
            fprintf(g,
                    "\" at %lld, graph %.2f left offset 0.3,0 font ',9' "
                    "tc rgb '#b05050' noenhanced\n",
                    (long long)mk[i].x, 0.90 - 0.05 * i);
        }
    }
    if (r->xparam == r->thread_param && xmax > r->topo.pus) {
        double from = logx ? r->topo.pus * 1.41 : r->topo.pus + 0.5;
        fprintf(g,
                "set object 1 rect from %g, graph 0 to graph 1, graph 1 "
                "behind fc rgb '#eeeeee' fs solid noborder\n",
                from);
        fprintf(g,
                "set label \"over-subscribed\\n(> %d PUs)\" at %g, graph "
                "0.06 left font ',9' tc rgb '#777777'\n",
                r->topo.pus, from);
    }
    /* --counters sim: simulated misses on a second axis (sim.dat) */
    int nsim = hx_sim_plot_setup(r, dir, g);
    hx_plot_terminal(g, "png", e->name);
    /* One colour per variant; the series of one variant (its other
     * parameters' values) differ by dash and point type. */
    fprintf(g, "plot \\\n");
    int nth[2 * HX_MAX_VARIANTS] = {0};
    for (int i = 0; i < blocks; i++) {
        int si = block_series[i];
        int v = hx_variant_index(r, res->series[si].var);
        int k = v >= 0 && v < 2 * HX_MAX_VARIANTS ? nth[v]++ : i;
        /* A Go twin takes its variant's colour, thin and dotted, with
         * hollow points: "go:chan" beside "chan" */
        const char *sn = res->series[si].name;
        int colour = 1 + v, lw = 2, dt = 1 + k % 5, pt = hx_plot_point(k);
        if (hx_gotwin_series(sn))
            for (int o = 0; o < e->nvariants; o++) {
                size_t l = strlen(e->variants[o].name);
                if (strncmp(sn + 3, e->variants[o].name, l) == 0 &&
                    (sn[3 + l] == 0 || sn[3 + l] == ' ')) {
                    colour = 1 + o;
                    lw = 1;
                    dt = 3;
                    pt = 4 + 2 * (k % 4);
                }
            }
        fprintf(g,
                "  'plot.dat' index %d using 1:2:3:4 with yerrorlines lw "
                "%d lc rgb '%s' pt %d ps 0.9 dt %d title \"",
                i, lw, hx_plot_colour(colour - 1), pt, dt);
        gp_plain(g, sn);
        fprintf(g, "\"%s", i + 1 < blocks ? ", \\\n" : "");
    }
    if (nsim)
        hx_sim_plot_terms(r, g);
    fprintf(g, "\n");
    free(block_series);
    fprintf(g, "\n");
    hx_plot_terminal(g, "svg", e->name);
    fprintf(g, "replot\nset output\n");
    fclose(g);
    if (!draw)
        return 0;
    int rc = hx_run_gnuplot(dir, "plot.gp", msg, len);
    if (rc == 0) {
        char svg[1300], title[700];
        snprintf(svg, sizeof svg, "%s/%s.svg", dir, e->name);
        snprintf(title, sizeof title, "%s: %s vs %s (%s, run %s)", e->name,
                 ylabel, xp->name, r->mdir, r->run_id);
        hx_svg_set_title(svg, title);
    }
    return rc;
}
