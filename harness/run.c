/*
 * run.c - the pipeline of one experiment run, end to end.
 *
 *   plan     plan.c: options and topology -> points (every user error is
 *            found there, before anything is written)
 *   run      the runner (runner_gbench.cc): Google Benchmark runs every
 *            point, repeated and interleaved; setups come from the setup
 *            cache (setup_cache.c); the progress line is a callback of
 *            this file's
 *   result   result.c builds the one in-memory result: statistics, claims,
 *            verdict, headlines
 *   report   its reporters write summary.txt (and the console),
 *            summary.json, data.csv and the plot; output.c writes
 *            context.json; report.html is drawn from those files; then the
 *            run directory is renamed into place and `latest` moved to it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calibrate.h"
#include "clock.h"
#include "console.h"
#include "counters_sim.h"
#include "gotwin.h"
#include "output.h"
#include "pipeline.h"
#include "plan.h"
#include "report_html.h"
#include "result.h"
#include "runner.h"
#include "setup_cache.h"
#include "topo.h"

/* ---- the pipeline ---------------------------------------------------------- */

static void print_header(const hx_run *r, FILE *out) {
    const hx_experiment *e = r->exp;
    fprintf(out, "%s on %s: %d points x %d reps, >= %.3g s each%s\n", e->name,
            r->mdir, r->total_points, r->reps, r->min_time,
            r->opts->quick ? " (quick)" : "");
    for (int i = 0; i < e->nparams; i++) {
        fprintf(out, "  %-10s", e->params[i].name);
        for (int k = 0; k < r->npts[i]; k++) {
            char b[32];
            hx_format_value(&e->params[i], r->pts[i][k], b, sizeof b);
            fprintf(out, "%s%s", k ? ", " : " ", b);
        }
        if (i == r->thread_param && r->pts[i][r->npts[i] - 1] > r->topo.pus)
            fprintf(out, "  (> %d PUs: over-subscribed)", r->topo.pus);
        fprintf(out, "\n");
    }
    char where[512];
    hx_claims_where(r, where, sizeof where);
    if (where[0] && e->nclaims)
        fprintf(out, "  note       %s\n", where);
    size_t unavailable = 0;
    for (size_t i = 0; i < r->nevents; i++)
        unavailable += !hx_counters_available(r->counters, i);
    if (r->nevents)
        fprintf(out,
                "  counters   %zu of %zu available here (`mechlab "
                "counters` says why)\n",
                r->nevents - unavailable, r->nevents);
}

/* The progress line on a terminal: the runner's callback (runner.h).
 * "[ 40/144] traversal  rows pad=8  at 256 KiB  1 thread  1.2 ns/op
 * ~1m05s left": the series, the x point (the working set where x is a
 * size), and the time left at the pace so far. */
static void progress_line(const hx_run *r, const hx_point *pt, double ns) {
    int done = __atomic_load_n(&r->done_runs, __ATOMIC_RELAXED);
    char series[160], xb[40] = "", left[40] = "";
    hx_series_name(r, pt, series, sizeof series);
    const hx_param *xp = &r->exp->params[r->xparam];
    if (r->xparam != r->thread_param) {
        char v[32];
        hx_format_value(xp, pt->val[r->xparam], v, sizeof v);
        snprintf(xb, sizeof xb, "  %s %s",
                 (xp->flags & HX_PARAM_BYTES) ? "at" : xp->name, v);
    }
    double el = hx_now() - r->t_start;
    if (done >= 3 && done < r->total_runs && el > 0) {
        double rem = el * (double)(r->total_runs - done) / done;
        if (rem >= 60)
            snprintf(left, sizeof left, "  ~%dm%02ds left", (int)rem / 60,
                     (int)rem % 60);
        else
            snprintf(left, sizeof left, "  ~%ds left", (int)rem + 1);
    }
    fprintf(stderr, "\r\033[K[%3d/%d] %s  %s%s  %d thread%s  %.3g ns/op%s",
            done, r->total_runs, r->exp->name, series, xb, pt->threads,
            pt->threads > 1 ? "s" : "", ns, left);
    fflush(stderr);
}

/* The host part of the machine directory: --host, else this host's short
 * name (up to the first dot, [A-Za-z0-9._-] kept, others become '-'); none
 * when --machine names the directory outright without --host. */
void hx_run_host(const hx_opts *o, char *buf, size_t len) {
    char name[256] = "";
    if (o->host)
        snprintf(name, sizeof name, "%s", o->host);
    else if (!o->machine && gethostname(name, sizeof name - 1) != 0)
        name[0] = 0;
    name[sizeof name - 1] = 0;
    if (!o->host)
        name[strcspn(name, ".")] = 0;
    size_t n = 0;
    for (const char *p = name; *p && n + 1 < len; p++)
        buf[n++] =
            (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789._-",
                    *p) != NULL)
                ? *p
                : '-';
    buf[n] = 0;
}

int hx_run_experiment(const hx_experiment *e, const hx_opts *o) {
    hx_run r;
    char err[1024] = "";
    int rc = hx_plan(&r, e, o, err, sizeof err);
    if (rc) {
        fprintf(stderr, "mechlab: %s\n", err);
        hx_plan_free(&r);
        return rc == -EINVAL ? HX_EXIT_USAGE : HX_EXIT_FAIL;
    }
    if (e->min_cores > 0 && r.topo.cores < e->min_cores) {
        printf("%s: skipped: needs %d cores, this machine has %d\n", e->name,
               e->min_cores, r.topo.cores);
        hx_plan_free(&r);
        return HX_EXIT_SKIP;
    }
    if (o->machine)
        snprintf(r.machine, sizeof r.machine, "%s", o->machine);
    else
        hx_topo_machine_name(&r.topo, r.machine, sizeof r.machine);
    hx_run_host(o, r.host, sizeof r.host);
    snprintf(r.mdir, sizeof r.mdir, "%s%s%s", r.machine, r.host[0] ? "@" : "",
             r.host);
    if (hx_output_begin(&r, err, sizeof err) != 0) {
        fprintf(stderr, "mechlab: %s\n", err);
        hx_plan_free(&r);
        return HX_EXIT_FAIL;
    }
    {
        char *hb = NULL;
        size_t hl = 0;
        FILE *hm = o->wide ? NULL : open_memstream(&hb, &hl);
        if (hm) { /* the point lists wrap at the console's width */
            print_header(&r, hm);
            fclose(hm);
            hx_console_wrap(stdout, hb, HX_CONSOLE_WIDTH);
            free(hb);
        } else {
            print_header(&r, stdout);
        }
    }
    fflush(stdout);

    hx_gotwin_prepare(&r); /* says once if Go is absent; twins then skip */
    fflush(stdout);
    /* Each PU's speed before and after (calibrate.c): the clock
     * reference, the loop floor, and which points can be evidence. */
    static hx_calib cal_before, cal_after;
    int cal_pus = hx_calib_pus(&r);
    if (hx_calibrate(&r.topo, cal_pus, &cal_before) == 0 || cal_before.n)
        r.calib_before = &cal_before;
    char path[1200];
    snprintf(path, sizeof path, "%s/gbench.json", r.tmpdir);
    if (o->progress)
        r.progress = progress_line;
    rc = hx_runner_run(&r, path);
    if (r.progress) /* clear the progress line */
        fprintf(stderr, "\r\033[K");
    hx_point_release_all(&r);
    if (hx_calibrate(&r.topo, cal_pus, &cal_after) == 0 || cal_after.n)
        r.calib_after = &cal_after;
    hx_calib_points(&r);
    if (rc) {
        fprintf(stderr, "mechlab: %s: Google Benchmark ran nothing\n", e->name);
        hx_plan_free(&r);
        return HX_EXIT_FAIL;
    }
    double elapsed = hx_now() - r.t_start;
    if (hx_sim_mode(o->counters))
        hx_sim_run(&r); /* after the timing: valgrind competes with nothing */

    int status = HX_EXIT_OK;
    struct hx_results *res = hx_results_build(&r);
    if (!res) {
        fprintf(stderr, "mechlab: out of memory building the result\n");
        hx_plan_free(&r);
        return HX_EXIT_FAIL;
    }
    hx_report_text(res, stdout, o->wide);
    snprintf(path, sizeof path, "%s/summary.txt", r.tmpdir);
    FILE *sf = fopen(path, "w");
    if (sf)
        hx_report_text(res, sf, true);
    bool sf_ok = sf && !ferror(sf);
    if (sf && fclose(sf) != 0)
        sf_ok = false;
    if (!sf_ok) { /* no complete summary.txt: the run is not committed */
        fprintf(stderr, "mechlab: cannot write %s\n", path);
        status = HX_EXIT_FAIL;
    }
    snprintf(path, sizeof path, "%s/summary.json", r.tmpdir);
    if (hx_report_json(res, path) != 0) {
        fprintf(stderr, "mechlab: cannot write %s\n", path);
        status = HX_EXIT_FAIL;
    }
    snprintf(path, sizeof path, "%s/data.csv", r.tmpdir);
    if (hx_report_csv(res, path) != 0)
        status = HX_EXIT_FAIL;
    char gb[1200];
    snprintf(gb, sizeof gb, "%s/gbench.json", r.tmpdir);
    snprintf(path, sizeof path, "%s/context.json", r.tmpdir);
    if (hx_output_context(&r, path, gb) != 0)
        status = HX_EXIT_FAIL;
    char pmsg[512] = "";
    /* plot.dat and plot.gp are always written; --no-plot only skips
     * running gnuplot. */
    int prc = hx_plot(res, r.tmpdir, o->plot, pmsg, sizeof pmsg);
    /* report.html is drawn from the files just written, as `mechlab
     * report` draws it for any run directory */
    char hmsg[1024] = "";
    int hrc =
        status == HX_EXIT_OK ? hx_report_html(r.tmpdir, hmsg, sizeof hmsg) : -1;
    if (hrc != 0 && status == HX_EXIT_OK)
        fprintf(stderr, "mechlab: no report.html: %s\n", hmsg);
    if (status == HX_EXIT_OK && hx_output_commit(&r) != 0)
        status = HX_EXIT_FAIL;
    if (status == HX_EXIT_OK) {
        printf("\nwrote %s/ in %.1f s:\n  summary.txt (all columns), "
               "summary.json, data.csv, gbench.json, context.json, "
               "plot.gp%s\n",
               r.dir, elapsed, hrc == 0 ? ", report.html" : "");
        if (prc == 0 && o->plot)
            printf("plot: %s/%s.png (and .svg)\n", r.dir, e->name);
        else if (prc < 0)
            printf("no plot: %s\n", pmsg);
    }
    hx_results_free(res);
    hx_plan_free(&r);
    return status;
}
