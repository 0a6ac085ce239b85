/*
 * compare.c - one plot across every machine's latest run of an experiment.
 *
 * `mechlab compare EXP` looks for <out>/<machine>/EXP/latest for every
 * machine directory under the results root (user runs and the committed
 * reference/ data sets alike), reads each run back from its summary.json,
 * or its data.csv when it predates summary.json (rundata.c), prints the
 * median of every series at every x for each machine side by side, and
 * draws <out>/compare/EXP.png and .svg with one line per (machine,
 * series) from <out>/compare/EXP.dat.
 * Machines differ in their sweep points (they come from each topology), so
 * the table shows n/a where a machine has no such point.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <math.h>

#include "run.h"
#include "rundata.h"
#include "gnuplot.h"

typedef struct cmp_src {
    char machine[280]; /* directory name plus " (reference)" */
    char path[1400];
} cmp_src;

static int find_sources(const char *root, const char *exp, cmp_src *out,
                        int max, int n, bool reference) {
    DIR *d = opendir(root);
    if (!d)
        return n;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < max) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, "compare") == 0 ||
            strcmp(de->d_name, "reference") == 0)
            continue;
        char p[1400];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s/%s/latest", root, de->d_name, exp);
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(out[n].machine, sizeof out[n].machine, "%s%s", de->d_name,
                     reference ? " (reference)" : "");
            snprintf(out[n].path, sizeof out[n].path, "%s", p);
            n++;
        }
    }
    closedir(d);
    return n;
}

static void print_table(const cmp_src *src, const hx_rundata *rd, int n) {
    printf("%-22s %-28s %10s %12s\n", "machine", "series", "x", "median ns");
    for (int i = 0; i < n; i++)
        for (int k = 0; k < rd[i].npts; k++)
            printf("%-22s %-28s %10g %12.4g\n", src[i].machine,
                   rd[i].pts[k].series, rd[i].pts[k].x, rd[i].pts[k].median);
}

static int write_plot(const hx_experiment *e, const cmp_src *src,
                      const hx_rundata *rd, int n, const char *out_root);

int hx_compare(const hx_experiment *e, const char *out_root) {
    const char *exp = e->name;
    cmp_src src[64];
    int n = find_sources(out_root, exp, src, 64, 0, false);
    char ref[1100];
    snprintf(ref, sizeof ref, "%s/reference", out_root);
    n = find_sources(ref, exp, src, 64, n, true);
    if (n == 0) {
        fprintf(stderr,
                "mechlab: compare: no runs of %s under %s (run "
                "`mechlab run %s` first)\n",
                exp, out_root, exp);
        return HX_EXIT_USAGE;
    }
    hx_rundata rd[64];
    int nrd = 0;
    for (int i = 0; i < n; i++) {
        char err[512];
        if (hx_rundata_load(src[i].path, e, &rd[nrd], err, sizeof err) != 0) {
            fprintf(stderr, "mechlab: compare: skipping %s: %s\n",
                    src[i].machine, err);
            continue;
        }
        src[nrd] = src[i];
        nrd++;
    }
    n = nrd;
    if (n == 0) {
        fprintf(stderr, "mechlab: compare: no readable run of %s\n", exp);
        return HX_EXIT_FAIL;
    }
    print_table(src, rd, n);
    int status = write_plot(e, src, rd, n, out_root);
    for (int i = 0; i < n; i++)
        hx_rundata_free(&rd[i]);
    return status;
}

static int write_plot(const hx_experiment *e, const cmp_src *src,
                      const hx_rundata *rd, int n, const char *out_root) {
    const char *exp = e->name;
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/compare", out_root);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "mechlab: %s: %s\n", dir, strerror(errno));
        return HX_EXIT_FAIL;
    }
    /* the data: one block per (machine, series), blocks in plot order */
    char dat[1200];
    snprintf(dat, sizeof dat, "%s/%s.dat", dir, exp);
    FILE *d = fopen(dat, "w");
    if (!d)
        return HX_EXIT_FAIL;
    char gp[1200];
    snprintf(gp, sizeof gp, "%s/%s.gp", dir, exp);
    FILE *g = fopen(gp, "w");
    if (!g) {
        fclose(d);
        return HX_EXIT_FAIL;
    }
    /* The experiment's own axes: its x parameter, log scales, byte ticks.
     * One colour per series, one dash type per machine. */
    const hx_param *xp = &e->params[0];
    for (int i = 0; i < e->nparams; i++)
        if (e->xparam && strcmp(e->params[i].name, e->xparam) == 0)
            xp = &e->params[i];
    fprintf(g,
            "set grid\nset key outside right top noenhanced\n"
            "set title \"%s: the latest run of every machine\" noenhanced\n"
            "set xlabel \"%s (%s)\" noenhanced\n"
            "set ylabel \"ns per %s per thread (median)\" noenhanced\n",
            exp, xp->name, xp->unit ? xp->unit : "", e->op ? e->op : "op");
    if (xp->flags & HX_PARAM_LOG)
        fprintf(g, "set logscale x 2\n");
    if (xp->flags & HX_PARAM_BYTES)
        fprintf(g, "set format x \"%%.0b %%BB\"\n");
    if (e->plot_flags & HX_PLOT_LOGY)
        fprintf(g, "set logscale y 10\n");
    fprintf(g,
            "set terminal pngcairo size 1300,720 font 'Sans,10'\n"
            "set output '%s.png'\nplot \\\n",
            exp);
    int lines = 0;
    for (int i = 0; i < n; i++) {
        /* series in first-seen order; each one's points in x order as
         * written by the run */
        int nser = 0;
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
                    fprintf(d, "%s# %s: %s\n", lines ? "\n\n" : "",
                            src[i].machine, rd[i].pts[k].series);
                fprintf(d, "%.6g %.6g\n", rd[i].pts[j].x, rd[i].pts[j].median);
                rows++;
            }
            if (rows == 0) /* no empty blocks: gnuplot would merge them */
                continue;
            fprintf(g,
                    "%s  '%s.dat' index %d using 1:2 with linespoints lw 2 "
                    "lc %d dt %d title \"%s: %s\"",
                    lines ? ", \\\n" : "", exp, lines, 1 + nser, 1 + i % 5,
                    src[i].machine, rd[i].pts[k].series);
            nser++;
            lines++;
        }
    }
    fclose(d);
    fprintf(g,
            "\nset terminal svg size 1300,720 dynamic\nset output "
            "'%s.svg'\nreplot\nset output\n",
            exp);
    fclose(g);
    char msg[512], script[300];
    snprintf(script, sizeof script, "%s.gp", exp);
    if (hx_run_gnuplot(dir, script, msg, sizeof msg) != 0) {
        fprintf(stderr, "mechlab: compare: %s\n", msg);
        return HX_EXIT_FAIL;
    }
    printf("\nwrote %s/%s.png and .svg (%d machine%s)\n", dir, exp, n,
           n > 1 ? "s" : "");
    return 0;
}
