/*
 * compare.c - every machine's latest run of an experiment, side by side.
 *
 * `mechlab compare EXP` looks for <out>/<machine>/EXP/latest for every
 * machine directory under the results root (user runs and the committed
 * reference/ data sets alike) and reads each run back from its public
 * files only: summary.json, or data.csv for runs made before summary.json
 * existed (rundata.c for the points, headtable.c for the figures).
 *
 * What it writes:
 *
 *   terminal                 the headline table (headtable.h): one row per
 *                            figure, one column per machine, each value
 *                            with its interval and its ratio to machine A
 *                            with the ratio's interval; --wide adds every
 *                            point's median, machines side by side
 *   <out>/compare/EXP.csv    the table as CSV, one row per figure x machine
 *   <out>/compare/EXP.png/.svg, .gp, .dat   the plot
 *
 * `mechlab compare all` prints every experiment's table and writes them to
 * <out>/compare/all.csv (no plots: one per experiment is `compare EXP`).
 *
 * Machine order: this host's own runs first (the directories ending in
 * @<this host>; A is the base of the ratios), then other runs, then the
 * references, each group by name, so the letters do not depend on the
 * order readdir happens to return.
 *
 * The plot keys colours by series: a series has the same colour on every
 * machine (the union of the machines' series, in A's order first), and a
 * machine has the same dash and point type on every series. The key lists
 * the series once (colour) and the machines once (dash and point, with the
 * run used and its flags: quick, busy, over-subscribed), so neither is
 * told by position. Machines differ in their sweep points (they come from
 * each topology): the wide listing shows n/a where a machine has no point.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compare.h"
#include "gnuplot.h"
#include "headtable.h"
#include "pipeline.h"
#include "plotstyle.h"
#include "registry.h"
#include "run.h"
#include "rundata.h"

#define CMP_MAX 32 /* machines */

typedef struct cmp_src {
    char mdir[260];
    char path[1400];
    int group; /* 0 this host, 1 other runs, 2 references */
} cmp_src;

static int find_sources(const char *root, const char *exp, const char *host,
                        cmp_src *out, int max, int n, bool reference) {
    DIR *d = opendir(root);
    if (!d)
        return n;
    struct dirent *de;
    size_t hl = strlen(host);
    while ((de = readdir(d)) != NULL && n < max) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, "compare") == 0 ||
            strcmp(de->d_name, "reference") == 0 ||
            strcmp(de->d_name, "fleet") == 0)
            continue;
        char p[1400];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s/%s/latest", root, de->d_name, exp);
        if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        snprintf(out[n].mdir, sizeof out[n].mdir, "%s", de->d_name);
        snprintf(out[n].path, sizeof out[n].path, "%s", p);
        const char *at = strrchr(de->d_name, '@');
        out[n].group = reference                                 ? 2
                       : (hl && at && strcmp(at + 1, host) == 0) ? 0
                                                                 : 1;
        n++;
    }
    closedir(d);
    return n;
}

static int src_cmp(const void *a, const void *b) {
    const cmp_src *x = a, *y = b;
    if (x->group != y->group)
        return x->group - y->group;
    return strcmp(x->mdir, y->mdir);
}

/* Every machine's latest run of exp, in table order. */
static int sources(const hx_opts *o, const char *exp, cmp_src *src) {
    char host[80];
    hx_opts ho = *o;
    ho.machine = NULL; /* this host's name, whatever --machine says */
    hx_run_host(&ho, host, sizeof host);
    int n = find_sources(o->out, exp, host, src, CMP_MAX, 0, false);
    char ref[1100];
    snprintf(ref, sizeof ref, "%s/reference", o->out);
    n = find_sources(ref, exp, host, src, CMP_MAX, n, true);
    qsort(src, (size_t)n, sizeof *src, src_cmp);
    return n;
}

static int load_runs(const hx_experiment *e, const cmp_src *src, int n,
                     hx_hrun *hr) {
    int k = 0;
    for (int i = 0; i < n; i++) {
        char err[512];
        memset(&hr[k], 0, sizeof hr[k]);
        snprintf(hr[k].mdir, sizeof hr[k].mdir, "%s", src[i].mdir);
        snprintf(hr[k].label, sizeof hr[k].label, "%s%s", src[i].mdir,
                 src[i].group == 2 ? " (reference)" : "");
        hr[k].reference = src[i].group == 2;
        if (hx_hrun_load(e, src[i].path, &hr[k], err, sizeof err) != 0) {
            fprintf(stderr, "mechlab: compare: skipping %s: %s\n", src[i].mdir,
                    err);
            continue;
        }
        k++;
    }
    return k;
}

static FILE *open_out(const char *root, const char *name, char *path,
                      size_t len) {
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/compare", root);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "mechlab: %s: %s\n", dir, strerror(errno));
        return NULL;
    }
    snprintf(path, len, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "mechlab: %s: %s\n", path, strerror(errno));
    return f;
}

/* --wide: every point's median, one column per machine */
static void print_points(const hx_hrun *hr, const hx_rundata *rd, int n) {
    printf("\nmedian ns per op at every point (n/a: no such point there)\n");
    printf("%-32s %10s", "series", "x");
    for (int i = 0; i < n; i++)
        printf(" %10c", 'A' + i % 26);
    printf("\n");
    (void)hr;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < rd[i].npts; k++) {
            const hx_rd_point *p = &rd[i].pts[k];
            bool before = false; /* listed with an earlier machine */
            for (int j = 0; j < i && !before; j++)
                for (int q = 0; q < rd[j].npts && !before; q++)
                    before = rd[j].pts[q].x == p->x &&
                             strcmp(rd[j].pts[q].series, p->series) == 0;
            bool dup = false; /* an earlier point of this machine */
            for (int q = 0; q < k && !dup; q++)
                dup = rd[i].pts[q].x == p->x &&
                      strcmp(rd[i].pts[q].series, p->series) == 0;
            if (before || dup)
                continue;
            printf("%-32.32s %10g", p->series, p->x);
            for (int j = 0; j < n; j++) {
                double m = NAN;
                for (int q = 0; q < rd[j].npts; q++)
                    if (rd[j].pts[q].x == p->x &&
                        strcmp(rd[j].pts[q].series, p->series) == 0)
                        m = rd[j].pts[q].median;
                char c[24];
                hx_fmt_num(m, c, sizeof c);
                printf(" %10s", c);
            }
            printf("\n");
        }
}

static int write_plot(const hx_experiment *e, const hx_hrun *hr,
                      const hx_rundata *rd, int n, const char *out_root);

int hx_compare(const hx_experiment *e, const hx_opts *o) {
    cmp_src src[CMP_MAX];
    int n = sources(o, e->name, src);
    if (n == 0) {
        fprintf(stderr,
                "mechlab: compare: no runs of %s under %s (run "
                "`mechlab run %s` first)\n",
                e->name, o->out, e->name);
        return HX_EXIT_USAGE;
    }
    hx_hrun *hr = calloc(CMP_MAX, sizeof *hr);
    hx_rundata *rd = calloc(CMP_MAX, sizeof *rd);
    if (!hr || !rd) {
        free(hr);
        free(rd);
        return HX_EXIT_FAIL;
    }
    int k = 0;
    for (int i = 0; i < n; i++) {
        char err[512];
        if (hx_rundata_load(src[i].path, e, &rd[k], err, sizeof err) != 0) {
            fprintf(stderr, "mechlab: compare: skipping %s: %s\n", src[i].mdir,
                    err);
            continue;
        }
        if (load_runs(e, &src[i], 1, &hr[k]) != 1) {
            hx_rundata_free(&rd[k]);
            continue;
        }
        k++;
    }
    n = k;
    int status = 0;
    if (n == 0) {
        fprintf(stderr, "mechlab: compare: no readable run of %s\n", e->name);
        status = HX_EXIT_FAIL;
    } else {
        hx_htable_print(stdout, e, hr, n, o->wide);
        if (o->wide)
            print_points(hr, rd, n);
        char path[1300], name[200];
        snprintf(name, sizeof name, "%s.csv", e->name);
        FILE *f = open_out(o->out, name, path, sizeof path);
        if (f) {
            hx_htable_csv(f, e, hr, n, true);
            fclose(f);
            printf("\ntable: %s\n", path);
        }
        status = write_plot(e, hr, rd, n, o->out);
    }
    for (int i = 0; i < n; i++) {
        hx_rundata_free(&rd[i]);
        hx_hrun_free(&hr[i]);
    }
    free(hr);
    free(rd);
    return status;
}

int hx_compare_all(const hx_opts *o) {
    char path[1300];
    FILE *f = open_out(o->out, "all.csv", path, sizeof path);
    if (!f)
        return HX_EXIT_FAIL;
    hx_hrun *hr = calloc(CMP_MAX, sizeof *hr);
    if (!hr) {
        fclose(f);
        return HX_EXIT_FAIL;
    }
    int shown = 0;
    for (int x = 0; x < hx_experiment_count(); x++) {
        const hx_experiment *e = hx_experiment_at(x);
        cmp_src src[CMP_MAX];
        int n = sources(o, e->name, src);
        n = load_runs(e, src, n, hr);
        if (n == 0)
            continue;
        printf("%s", shown ? "\n" : "");
        hx_htable_print(stdout, e, hr, n, o->wide);
        hx_htable_csv(f, e, hr, n, shown == 0);
        shown++;
        for (int i = 0; i < n; i++)
            hx_hrun_free(&hr[i]);
    }
    free(hr);
    fclose(f);
    if (!shown) {
        fprintf(stderr,
                "mechlab: compare: no runs under %s (run `mechlab "
                "run all --quick` first)\n",
                o->out);
        remove(path);
        return HX_EXIT_USAGE;
    }
    printf("\ntable: %s (plots: mechlab compare EXP)\n", path);
    return 0;
}

/* The series of every machine, A's first: their index is their colour. */
static int series_index(char (*names)[200], int *nn, const char *s) {
    for (int i = 0; i < *nn; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    if (*nn >= 256)
        return 255;
    snprintf(names[*nn], 200, "%s", s);
    return (*nn)++;
}

/* Every machine measured at one x (primitives, chanprims, noop): bars on a
 * log axis, one group per series (named under it), one bar per machine in
 * the machine's colour (the key names them), p10..p90 as error bars. As
 * lines these would be a stack of dots on one vertical. */
static bool one_x(const hx_rundata *rd, int n) {
    double x0 = NAN;
    int pts = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < rd[i].npts; k++) {
            if (isnan(rd[i].pts[k].median))
                continue;
            if (isnan(x0))
                x0 = rd[i].pts[k].x;
            else if (rd[i].pts[k].x != x0)
                return false;
            pts++;
        }
    return pts >= 3;
}

static double write_bars(FILE *g, const hx_hrun *hr, const hx_rundata *rd,
                         int n, char (*names)[200], int nn) {
    double ymin = INFINITY, ymax = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < rd[i].npts; k++) {
            const hx_rd_point *p = &rd[i].pts[k];
            double lo = p->p10 > 0 ? p->p10 : p->median;
            if (lo > 0 && lo < ymin)
                ymin = lo;
            if (p->p90 > ymax)
                ymax = p->p90;
            if (p->median > ymax)
                ymax = p->median;
        }
    if (!(ymin < INFINITY) || ymax <= 0) {
        ymin = 0.1;
        ymax = 10;
    }
    double base = pow(10, floor(log10(ymin)));
    fprintf(g, "set logscale y 10\nset yrange [%g:%g]\n", base, ymax * 3);
    fprintf(g, "set format y '%%.0s %%c'\nset grid noxtics ytics\n");
    fprintf(g, "set xtics rotate by -35 left nomirror font ',10' (");
    for (int s = 0; s < nn; s++) {
        fprintf(g, "%s\"", s ? ", " : "");
        hx_gp_put(g, names[s], true);
        fprintf(g, "\" %g", s * (n + 1) + (n - 1) / 2.0);
    }
    fprintf(g, ")\nset xrange [-1:%d]\nset bmargin 9\n", nn * (n + 1));
    fprintf(g, "$bars << EOD\n");
    for (int s = 0; s < nn; s++)
        for (int i = 0; i < n; i++)
            for (int k = 0; k < rd[i].npts; k++) {
                const hx_rd_point *p = &rd[i].pts[k];
                if (strcmp(p->series, names[s]) != 0 || isnan(p->median))
                    continue;
                fprintf(g, "%d %.6g %.6g %.6g %ld\n", s * (n + 1) + i,
                        p->median, p->p10 > 0 ? p->p10 : p->median,
                        p->p90 > 0 ? p->p90 : p->median,
                        strtol(hx_plot_colour(i) + 1, NULL, 16));
                break;
            }
    fprintf(g, "EOD\n");
    (void)hr;
    return base;
}

static int write_plot(const hx_experiment *e, const hx_hrun *hr,
                      const hx_rundata *rd, int n, const char *out_root) {
    const char *exp = e->name;
    char dat[1300], gp[1300], name[200];
    snprintf(name, sizeof name, "%s.dat", exp);
    FILE *d = open_out(out_root, name, dat, sizeof dat);
    if (!d)
        return HX_EXIT_FAIL;
    snprintf(name, sizeof name, "%s.gp", exp);
    FILE *g = open_out(out_root, name, gp, sizeof gp);
    if (!g) {
        fclose(d);
        return HX_EXIT_FAIL;
    }
    char(*names)[200] = calloc(256, 200);
    if (!names) {
        fclose(d);
        fclose(g);
        return HX_EXIT_FAIL;
    }
    int nn = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < rd[i].npts; k++)
            series_index(names, &nn, rd[i].pts[k].series);
    const hx_param *xp = &e->params[0];
    for (int i = 0; i < e->nparams; i++)
        if (e->xparam && strcmp(e->params[i].name, e->xparam) == 0)
            xp = &e->params[i];
    char ylabel[160];
    snprintf(ylabel, sizeof ylabel, "ns per %s", e->op ? e->op : "op");
    char title[300], sub[1200] = "";
    snprintf(title, sizeof title, "%s: %d machine%s, latest run of each", exp,
             n, n > 1 ? "s" : "");
    size_t so = 0;
    for (int i = 0; i < n && so < sizeof sub; i++) {
        char fl[160];
        hx_hrun_flags(&hr[i], fl, sizeof fl);
        so += (size_t)snprintf(
            sub + so, sizeof sub - so, "%s%c: %s%s, run %s%s%s", i ? "\n" : "",
            'A' + i % 26, hr[i].mdir, hr[i].reference ? " (reference)" : "",
            hr[i].run_id, fl[0] ? ": " : "", fl);
    }
    hx_plot_preamble(g, title, sub);
    bool bars = one_x(rd, n);
    double bbase = 0;
    if (bars) {
        fprintf(g, "set ylabel \"");
        hx_gp_put(g, ylabel, false);
        fprintf(g, "\" noenhanced\n");
        bbase = write_bars(g, hr, rd, n, names, nn);
    } else {
        hx_plot_axes(g, xp, ylabel, (e->plot_flags & HX_PLOT_LOGY) != 0);
    }
    /* thread counts from 1 to 32 machines: doublings, evenly spaced */
    double xlo = INFINITY, xhi = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < rd[i].npts; k++) {
            xlo = rd[i].pts[k].x < xlo ? rd[i].pts[k].x : xlo;
            xhi = rd[i].pts[k].x > xhi ? rd[i].pts[k].x : xhi;
        }
    if (!bars && (xp->flags & HX_PARAM_THREADS) &&
        !(xp->flags & HX_PARAM_LOG) && xlo > 0 && xhi / xlo >= 8)
        fprintf(g, "set logscale x 2\nset xrange [%g:%g]\n", xlo / 1.2,
                xhi * 1.2);
    fprintf(g, "set key outside right top vertical noenhanced spacing "
               "1.15\n");
    hx_plot_terminal(g, "png", exp);
    if (bars) { /* the key: one colour per machine */
        fprintf(g,
                "plot $bars using 1:2:($1-0.45):($1+0.45):(%g):2:5 with "
                "boxxyerror lc rgb variable fs solid 0.85 border rgb "
                "'#333333' notitle, \\\n"
                "  $bars using 1:2:3:4 with yerrorbars lc rgb '#333333' "
                "pt -1 notitle",
                bbase);
    } else {
        fprintf(g, "plot \\\n");
    }
    int lines = 0;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < rd[i].npts; k++) {
            bool seen = false;
            for (int j = 0; j < k && !seen; j++)
                seen = strcmp(rd[i].pts[j].series, rd[i].pts[k].series) == 0;
            if (seen)
                continue;
            int rows = 0;
            for (int j = k; j < rd[i].npts; j++) {
                if (strcmp(rd[i].pts[j].series, rd[i].pts[k].series) != 0 ||
                    isnan(rd[i].pts[j].median))
                    continue;
                if (rows == 0)
                    fprintf(d, "%s# %c %s: %s\n", lines ? "\n\n" : "",
                            'A' + i % 26, hr[i].mdir, rd[i].pts[k].series);
                fprintf(d, "%.6g %.6g\n", rd[i].pts[j].x, rd[i].pts[j].median);
                rows++;
            }
            if (rows == 0) /* no empty blocks: gnuplot would merge them */
                continue;
            int si = series_index(names, &nn, rd[i].pts[k].series);
            if (bars) { /* drawn from $bars above */
                lines++;
                continue;
            }
            fprintf(g,
                    "  '%s.dat' index %d using 1:2 with linespoints lw 2 "
                    "lc rgb '%s' dt %d pt %d ps 0.9 notitle, \\\n",
                    exp, lines, hx_plot_colour(si), 1 + i % 5,
                    hx_plot_point(i));
            lines++;
        }
    }
    /* the key: series by colour, then machines by dash and point (bars:
     * machines by colour) */
    for (int i = 0; bars && i < n; i++)
        fprintf(g,
                ", \\\n  keyentry with boxes fs solid 0.85 lc rgb '%s' "
                "title \"machine %c%s%s%s\"",
                hx_plot_colour(i), 'A' + i % 26, hr[i].quick ? " (quick)" : "",
                hr[i].busy ? " (busy)" : "", hr[i].reference ? " (ref)" : "");
    for (int s = 0; !bars && s < nn; s++) {
        fprintf(g, "%s  keyentry with lines lw 3 lc rgb '%s' title \"",
                s ? ", \\\n" : "", hx_plot_colour(s));
        hx_gp_put(g, names[s], false);
        fprintf(g, "\"");
    }
    for (int i = 0; !bars && i < n; i++) {
        fprintf(g,
                ", \\\n  keyentry with linespoints lw 2 lc rgb '#444444' "
                "dt %d pt %d title \"machine %c%s%s%s\"",
                1 + i % 5, hx_plot_point(i), 'A' + i % 26,
                hr[i].quick ? " (quick)" : "", hr[i].busy ? " (busy)" : "",
                hr[i].reference ? " (ref)" : "");
    }
    fprintf(g, "\n");
    hx_plot_terminal(g, "svg", exp);
    fprintf(g, "replot\nset output\n");
    free(names);
    fclose(d);
    fclose(g);
    char msg[512], dir[1100];
    snprintf(dir, sizeof dir, "%s/compare", out_root);
    snprintf(name, sizeof name, "%s.gp", exp);
    if (hx_run_gnuplot(dir, name, msg, sizeof msg) != 0) {
        fprintf(stderr, "mechlab: compare: %s\n", msg);
        return HX_EXIT_FAIL;
    }
    char svg[1300];
    snprintf(svg, sizeof svg, "%s/%s.svg", dir, exp);
    hx_svg_set_title(svg, title);
    printf("plot: %s/%s.png and .svg (%d machine%s)\n", dir, exp, n,
           n > 1 ? "s" : "");
    return 0;
}
