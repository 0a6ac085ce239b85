/*
 * fleet_report.c - one study, every machine side by side.
 *
 * `mechlab fleet report STUDY` collects first (fleet_collect.c), then
 * reads collected.json and writes <fleet>/report/:
 *
 *   report.txt   the table printed on the terminal
 *   index.html   the same table; each machine's column heading links to
 *                its runs' context.json (the machine fingerprint), each
 *                cell to the run's summary; failed tasks with their log
 *   <exp>.png/.svg/.gp   per experiment, every machine's series, one
 *                colour per machine and one dash type per series (the
 *                data is each run's plot.dat, as `compare` draws it)
 *
 * The table has one column per task (its node; the legend gives the full
 * results directory, <machine>@<node>) and one row per headline figure of
 * each experiment: value [CI low, CI high] unit. A row is flagged "!" when
 * two machines' figures differ beyond their confidence intervals (both
 * intervals known and disjoint, hx_figure_differ); the pairs are listed
 * under the table. Figures without an interval are shown and never
 * flagged. A failed task's column says FAILED (or TIMEOUT, CANCELLED,
 * NODE_FAIL...) in every row, and the failures section gives its state,
 * exit code, reason and the last lines of its log: a failure is reported,
 * never dropped, and the other machines' results stay.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet.h"
#include "gnuplot.h"
#include "points.h"
#include "registry.h"
#include "report_html.h"
#include "run.h"

#define REPORT_MAX_ROWS 256
#define LOG_TAIL_LINES  15

typedef struct rep_col {
    json_t *task;
    char label[64];     /* node */
    char mdir[256];     /* <machine>@<node>, from a run directory */
    char ctx[PATH_MAX]; /* a context.json of this column */
    bool failed;
    char state[64];
} rep_col;

typedef struct rep_row {
    char exp[64], key[64], name[160], unit[32];
} rep_row;

static const char *jstr(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

static double jnum(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static json_t *find_run(json_t *task, const char *exp) {
    size_t i;
    json_t *r, *found = NULL;
    json_array_foreach(json_object_get(task, "runs"), i, r) {
        if (strcmp(jstr(r, "experiment"), exp) == 0)
            found = r; /* the last one wins (a requeued task) */
    }
    return found;
}

static json_t *find_head(json_t *run, const char *key) {
    size_t i;
    json_t *h;
    json_array_foreach(
        json_object_get(json_object_get(run, "summary"), "headlines"), i, h) {
        if (strcmp(jstr(h, "key"), key) == 0)
            return h;
    }
    return NULL;
}

static hx_fleet_figure to_head(json_t *h) {
    hx_fleet_figure x;
    memset(&x, 0, sizeof x);
    x.value = jnum(h, "value");
    x.ci_lo = jnum(h, "ci_lo");
    x.ci_hi = jnum(h, "ci_hi");
    return x;
}

/* A figure for people: sizes in bytes as 48 KiB, others to 4 digits. */
static const char *fmt(double v, const char *unit, char *buf, size_t len) {
    if (strcmp(unit, "bytes") == 0 && v >= 0 && v < 9e18 && v == floor(v))
        hx_points_format_bytes((uint64_t)v, buf, len);
    else
        snprintf(buf, len, "%.4g", v);
    return buf;
}

/* One cell's text. */
static void cell(const rep_col *c, json_t *run, json_t *h, char *buf,
                 size_t len) {
    if (h) {
        double v = jnum(h, "value"), lo = jnum(h, "ci_lo"),
               hi = jnum(h, "ci_hi");
        const char *u = jstr(h, "unit");
        char a[48], b[48], d[48];
        if (isnan(v))
            snprintf(buf, len, "not measured");
        else if (isnan(lo) || isnan(hi))
            snprintf(buf, len, "%s (no CI)", fmt(v, u, a, sizeof a));
        else
            snprintf(buf, len, "%s [%s, %s]", fmt(v, u, a, sizeof a),
                     fmt(lo, u, b, sizeof b), fmt(hi, u, d, sizeof d));
    } else if (c->failed &&
               (!run || json_integer_value(json_object_get(run, "rc")) != 0)) {
        snprintf(buf, len, "%s", c->state[0] ? c->state : "FAILED");
    } else if (!run) {
        snprintf(buf, len, "no run");
    } else if (json_integer_value(json_object_get(run, "rc")) == HX_EXIT_SKIP) {
        snprintf(buf, len, "skipped here");
    } else if (*jstr(json_object_get(run, "summary"), "error")) {
        snprintf(buf, len, "no summary.json");
    } else {
        snprintf(buf, len, "n/a");
    }
}

static void parent_name(const char *dir, int up, char *buf, size_t len) {
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (int i = 0; i < up; i++) {
        char *s = strrchr(tmp, '/');
        if (!s)
            break;
        *s = 0;
    }
    const char *b = strrchr(tmp, '/');
    (void)!snprintf(buf, len, "%s", b ? b + 1 : tmp);
}

/* Relative path from directory `from` to `to`, both absolute. */
static void relpath(const char *from, const char *to, char *buf, size_t len) {
    size_t common = 0, i = 0;
    while (from[i] && from[i] == to[i]) {
        if (from[i] == '/')
            common = i;
        i++;
    }
    if (from[i] == 0 && (to[i] == '/' || to[i] == 0))
        common = i;
    size_t n = 0;
    buf[0] = 0;
    for (const char *p = from + common; *p; p++)
        if (*p == '/' && n + 4 < len)
            n += (size_t)snprintf(buf + n, len - n, "../");
    snprintf(buf + n, len - n, "%s", to + common + (to[common] == '/'));
}

static void html_esc(FILE *f, const char *s) {
    hx_html_escape(f, s);
}

static void log_tail(const char *path, FILE *f, bool html, const char *pre) {
    FILE *l = fopen(path, "r");
    if (!l) {
        fprintf(f, "%s(no log at %s)\n", pre, path);
        return;
    }
    static char lines[LOG_TAIL_LINES][512];
    int n = 0;
    char line[512];
    while (fgets(line, sizeof line, l)) {
        snprintf(lines[n % LOG_TAIL_LINES], sizeof lines[0], "%s", line);
        n++;
    }
    fclose(l);
    int first = n > LOG_TAIL_LINES ? n - LOG_TAIL_LINES : 0;
    if (n == 0)
        fprintf(f, "%s(the log is empty)\n", pre);
    for (int i = first; i < n; i++) {
        char *s = lines[i % LOG_TAIL_LINES];
        s[strcspn(s, "\n")] = 0;
        fputs(pre, f);
        if (html)
            html_esc(f, s);
        else
            fputs(s, f);
        fputc('\n', f);
    }
}

/* ---- plots ---------------------------------------------------------------- */

static int plot_exp(const char *rdir, const char *exp, rep_col *cols, int ncols,
                    char *msg, size_t len) {
    const hx_experiment *e = hx_find_experiment(exp);
    char gp[PATH_MAX + 64];
    snprintf(gp, sizeof gp, "%s/%s.gp", rdir, exp);
    FILE *g = fopen(gp, "w");
    if (!g) {
        snprintf(msg, len, "%.400s: %s", gp, strerror(errno));
        return -1;
    }
    const hx_param *xp = e ? &e->params[0] : NULL;
    for (int i = 0; e && i < e->nparams; i++)
        if (e->xparam && strcmp(e->params[i].name, e->xparam) == 0)
            xp = &e->params[i];
    fprintf(g,
            "set grid\nset key outside right top noenhanced\n"
            "set title \"%s: every machine of the study\" noenhanced\n",
            exp);
    if (xp) {
        fprintf(g,
                "set xlabel \"%s (%s)\" noenhanced\n"
                "set ylabel \"ns per %s per thread (median)\" noenhanced\n",
                xp->name, xp->unit ? xp->unit : "", e->op ? e->op : "op");
        if (xp->flags & HX_PARAM_LOG)
            fprintf(g, "set logscale x 2\n");
        if (xp->flags & HX_PARAM_BYTES)
            fprintf(g, "set format x \"%%.0b %%BB\"\n");
        if (e->plot_flags & HX_PLOT_LOGY)
            fprintf(g, "set logscale y 10\n");
    }
    fprintf(g,
            "set terminal pngcairo size 1300,720 font 'Sans,10'\n"
            "set output '%s.png'\nplot \\\n",
            exp);
    int lines = 0;
    for (int c = 0; c < ncols; c++) {
        json_t *run = find_run(cols[c].task, exp);
        if (!run || !*jstr(run, "dir"))
            continue;
        char dat[PATH_MAX + 64];
        snprintf(dat, sizeof dat, "%s/plot.dat", jstr(run, "dir"));
        if (strchr(dat, '\'') || strchr(dat, '"'))
            continue; /* cannot be quoted for gnuplot; the table has it */
        FILE *f = fopen(dat, "r");
        if (!f)
            continue;
        char line[512];
        int block = 0;
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "# series: ", 10) != 0)
                continue;
            line[strcspn(line, "\n")] = 0;
            for (char *p = line; *p; p++)
                if (*p == '"' || *p == '\\')
                    *p = '\'';
            fprintf(g,
                    "%s  '%s' index %d using 1:2 with linespoints lw 2 "
                    "lc %d dt %d title \"%s: %s\"",
                    lines ? ", \\\n" : "", dat, block, 1 + c, 1 + block % 5,
                    cols[c].label, line + 10);
            block++;
            lines++;
        }
        fclose(f);
    }
    if (lines == 0) {
        fclose(g);
        remove(gp);
        snprintf(msg, len, "%s: no machine has plot data", exp);
        return 1;
    }
    fprintf(g,
            "\nset terminal svg size 1300,720 dynamic\nset output "
            "'%s.svg'\nreplot\nset output\n",
            exp);
    fclose(g);
    char script[200];
    snprintf(script, sizeof script, "%s.gp", exp);
    return hx_run_gnuplot(rdir, script, msg, len) == 0 ? 0 : -1;
}

/* ---- the report ----------------------------------------------------------- */

int hx_fleet_report(const char *dir, bool plot, FILE *out) {
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/collected.json", dir);
    json_error_t je;
    json_t *c = json_load_file(path, 0, &je);
    if (!c) {
        fprintf(stderr, "mechlab: fleet report: %s: %s\n", path, je.text);
        return HX_EXIT_FAIL;
    }
    json_t *tasks = json_object_get(c, "tasks");
    int ncols = (int)json_array_size(tasks);
    rep_col *cols = calloc((size_t)ncols + 1, sizeof *cols);
    rep_row *rows = calloc(REPORT_MAX_ROWS, sizeof *rows);
    char(*exps)[64] = calloc((size_t)HX_FLEET_MAX_RUNS * 4, 64);
    int nrows = 0, nexps = 0, nfailed = 0;
    if (!cols || !rows || !exps) {
        free(cols);
        free(rows);
        free(exps);
        json_decref(c);
        return HX_EXIT_FAIL;
    }
    for (int i = 0; i < ncols; i++) {
        rep_col *col = &cols[i];
        col->task = json_array_get(tasks, (size_t)i);
        const char *node = jstr(col->task, "node");
        snprintf(col->label, sizeof col->label, "%s", *node ? node : "?");
        col->failed = json_is_true(json_object_get(col->task, "failed"));
        snprintf(col->state, sizeof col->state, "%s", jstr(col->task, "state"));
        if (col->failed && strcmp(col->state, "COMPLETED") == 0)
            snprintf(col->state, sizeof col->state, "FAILED");
        nfailed += col->failed;
        /* the same node twice (a node list shorter than the array) */
        int same = 0;
        for (int k = 0; k < i; k++)
            same += strcmp(jstr(cols[k].task, "node"), node) == 0;
        if (same)
            snprintf(col->label + strlen(col->label),
                     sizeof col->label - strlen(col->label), "#%d", i);
        size_t k;
        json_t *r;
        json_array_foreach(json_object_get(col->task, "runs"), k, r) {
            const char *d = jstr(r, "dir");
            if (*d && !col->mdir[0]) {
                parent_name(d, 2, col->mdir, sizeof col->mdir);
                snprintf(col->ctx, sizeof col->ctx, "%s/context.json", d);
            }
            const char *exp = jstr(r, "experiment");
            int e = 0;
            while (e < nexps && strcmp(exps[e], exp) != 0)
                e++;
            if (e == nexps && nexps < HX_FLEET_MAX_RUNS * 4)
                snprintf(exps[nexps++], 64, "%s", exp);
            size_t m;
            json_t *h;
            json_array_foreach(
                json_object_get(json_object_get(r, "summary"), "headlines"), m,
                h) {
                int q = 0;
                while (q < nrows && !(strcmp(rows[q].exp, exp) == 0 &&
                                      strcmp(rows[q].key, jstr(h, "key")) == 0))
                    q++;
                if (q == nrows && nrows < REPORT_MAX_ROWS) {
                    snprintf(rows[q].exp, sizeof rows[q].exp, "%s", exp);
                    snprintf(rows[q].key, sizeof rows[q].key, "%s",
                             jstr(h, "key"));
                    snprintf(rows[q].name, sizeof rows[q].name, "%s",
                             jstr(h, "name"));
                    snprintf(rows[q].unit, sizeof rows[q].unit, "%s",
                             jstr(h, "unit"));
                    nrows++;
                }
            }
        }
    }
    /* every experiment gets a verdict row after its headlines; rows are
     * grouped by experiment, in the study's order */
    for (int e = 0; e < nexps && nrows < REPORT_MAX_ROWS; e++) {
        snprintf(rows[nrows].exp, sizeof rows[0].exp, "%s", exps[e]);
        snprintf(rows[nrows].key, sizeof rows[0].key, "(verdict)");
        nrows++;
    }
    {
        rep_row *sorted = calloc(REPORT_MAX_ROWS, sizeof *sorted);
        int m = 0;
        for (int e = 0; sorted && e < nexps; e++)
            for (int q = 0; q < nrows; q++)
                if (strcmp(rows[q].exp, exps[e]) == 0)
                    sorted[m++] = rows[q];
        if (sorted && m == nrows)
            memcpy(rows, sorted, (size_t)m * sizeof *rows);
        free(sorted);
    }

    char rdir[PATH_MAX + 16];
    snprintf(rdir, sizeof rdir, "%s/report", dir);
    if (mkdir(rdir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "mechlab: fleet report: %s: %s\n", rdir,
                strerror(errno));
        free(cols);
        free(rows);
        free(exps);
        json_decref(c);
        return HX_EXIT_FAIL;
    }
    /* written aside and renamed into place at the end, like
     * collected.json: an interrupted report leaves the last one whole */
    char txt_tmp[PATH_MAX + 64], html_tmp[PATH_MAX + 64];
    snprintf(txt_tmp, sizeof txt_tmp, "%s/.report.txt.%ld", rdir,
             (long)getpid());
    snprintf(html_tmp, sizeof html_tmp, "%s/.index.html.%ld", rdir,
             (long)getpid());
    FILE *txt = fopen(txt_tmp, "w");
    FILE *html = fopen(html_tmp, "w");
    if (!txt || !html) {
        fprintf(stderr, "mechlab: fleet report: cannot write in %s\n", rdir);
        if (txt)
            fclose(txt);
        if (html)
            fclose(html);
        free(cols);
        free(rows);
        free(exps);
        json_decref(c);
        return HX_EXIT_FAIL;
    }
    FILE *both[2] = {out, txt};

    /* heading and legend */
    for (int b = 0; b < 2; b++) {
        FILE *f = both[b];
        fprintf(f,
                "fleet report: study %s, job %s: %d task%s, %d failed "
                "(collected %s)\n",
                jstr(c, "study"), jstr(c, "job"), ncols, ncols == 1 ? "" : "s",
                nfailed, jstr(c, "collected"));
        for (int i = 0; i < ncols; i++)
            fprintf(f, "  %-8s task %d, %s, results %s\n", cols[i].label, i,
                    cols[i].state,
                    cols[i].mdir[0] ? cols[i].mdir : "(none written)");
        fprintf(f, "\n");
    }
    fprintf(html, "<!doctype html>\n<html><head><meta charset=\"utf-8\">"
                  "<title>mechlab fleet: ");
    html_esc(html, jstr(c, "study"));
    fprintf(html, "</title>\n<style>body{font-family:sans-serif}"
                  "table{border-collapse:collapse}td,th{border:1px solid #bbb;"
                  "padding:3px 8px}td.num{font-family:monospace}"
                  ".differ{background:#fed}.failed{background:#fcc}"
                  "pre{background:#f4f4f4;padding:6px}</style></head><body>\n"
                  "<h1>fleet study ");
    html_esc(html, jstr(c, "study"));
    fprintf(html, "</h1>\n<p>Slurm job ");
    html_esc(html, jstr(c, "job"));
    fprintf(html, ", %d tasks, %d failed, collected ", ncols, nfailed);
    html_esc(html, jstr(c, "collected"));
    fprintf(html, ". Study file: ");
    html_esc(html, jstr(c, "study_file"));
    fprintf(html, ". A column heading links to that machine's context (its "
                  "fingerprint); a cell to the run's summary.</p>\n"
                  "<table>\n<tr><th>experiment</th><th>headline</th>"
                  "<th>unit</th>");
    for (int i = 0; i < ncols; i++) {
        char rel[PATH_MAX];
        fprintf(html, "<th%s>", cols[i].failed ? " class=\"failed\"" : "");
        if (cols[i].ctx[0]) {
            relpath(rdir, cols[i].ctx, rel, sizeof rel);
            fprintf(html, "<a href=\"");
            html_esc(html, rel);
            fprintf(html, "\">");
        }
        html_esc(html, cols[i].label);
        if (cols[i].ctx[0])
            fprintf(html, "</a>");
        fprintf(html, "<br><small>");
        html_esc(html, cols[i].mdir[0] ? cols[i].mdir : cols[i].state);
        fprintf(html, "</small></th>");
    }
    fprintf(html, "<th>differs?</th></tr>\n");

    /* the table */
    int wexp = 10, wkey = 15, wcell = 10;
    char cbuf[128];
    for (int q = 0; q < nrows; q++) {
        wexp = (int)fmax(wexp, strlen(rows[q].exp));
        wkey = (int)fmax(wkey, strlen(rows[q].key) + strlen(rows[q].unit) + 3);
        for (int i = 0; i < ncols; i++) {
            json_t *run = find_run(cols[i].task, rows[q].exp);
            cell(&cols[i], run, find_head(run, rows[q].key), cbuf, sizeof cbuf);
            wcell = (int)fmax(wcell, strlen(cbuf));
        }
    }
    for (int i = 0; i < ncols; i++)
        wcell = (int)fmax(wcell, strlen(cols[i].label));
    for (int b = 0; b < 2; b++) {
        fprintf(both[b], "%-*s %-*s", wexp, "experiment", wkey,
                "headline (unit)");
        for (int i = 0; i < ncols; i++)
            fprintf(both[b], "  %-*s", wcell, cols[i].label);
        fprintf(both[b], "\n");
    }
    char notes[8192] = "";
    size_t nn = 0;
    int nflag = 0;
    for (int q = 0; q < nrows; q++) {
        rep_row *row = &rows[q];
        bool differ = false;
        for (int i = 0; i < ncols; i++)
            for (int k = i + 1; k < ncols; k++) {
                json_t *a =
                    find_head(find_run(cols[i].task, row->exp), row->key);
                json_t *bb =
                    find_head(find_run(cols[k].task, row->exp), row->key);
                if (!a || !bb)
                    continue;
                hx_fleet_figure ha = to_head(a), hb = to_head(bb);
                if (hx_figure_differ(&ha, &hb)) {
                    differ = true;
                    if (nn + 300 < sizeof notes)
                        nn += (size_t)snprintf(
                            notes + nn, sizeof notes - nn,
                            "  %s %s: %s %.4g [%.4g, %.4g] vs %s %.4g "
                            "[%.4g, %.4g] %s\n",
                            row->exp, row->key, cols[i].label, ha.value,
                            ha.ci_lo, ha.ci_hi, cols[k].label, hb.value,
                            hb.ci_lo, hb.ci_hi, row->unit);
                }
            }
        nflag += differ;
        char label[256];
        snprintf(label, sizeof label, "%s%s%s%s", row->key,
                 row->unit[0] ? " (" : "", row->unit, row->unit[0] ? ")" : "");
        fprintf(html, "<tr%s><td>", differ ? " class=\"differ\"" : "");
        html_esc(html, row->exp);
        fprintf(html, "</td><td title=\"");
        html_esc(html, row->name);
        fprintf(html, "\">");
        html_esc(html, row->key);
        fprintf(html, "</td><td>");
        html_esc(html, row->unit);
        fprintf(html, "</td>");
        for (int b = 0; b < 2; b++)
            fprintf(both[b], "%-*s %-*s", wexp, row->exp, wkey, label);
        for (int i = 0; i < ncols; i++) {
            json_t *run = find_run(cols[i].task, row->exp);
            if (strcmp(row->key, "(verdict)") == 0) {
                const char *v =
                    jstr(json_object_get(run, "summary"), "verdict");
                cell(&cols[i], run, NULL, cbuf, sizeof cbuf);
                if (*v)
                    snprintf(cbuf, sizeof cbuf, "%s", v);
            } else {
                cell(&cols[i], run, find_head(run, row->key), cbuf,
                     sizeof cbuf);
            }
            for (int b = 0; b < 2; b++)
                fprintf(both[b], "  %-*s", wcell, cbuf);
            fprintf(html, "<td class=\"num%s\">",
                    cols[i].failed && !find_head(run, row->key) ? " failed"
                                                                : "");
            if (run && *jstr(run, "dir")) {
                char rel[PATH_MAX], tgt[PATH_MAX + 32];
                snprintf(tgt, sizeof tgt, "%s/summary.txt", jstr(run, "dir"));
                relpath(rdir, tgt, rel, sizeof rel);
                fprintf(html, "<a href=\"");
                html_esc(html, rel);
                fprintf(html, "\">");
                html_esc(html, cbuf);
                fprintf(html, "</a>");
            } else {
                html_esc(html, cbuf);
            }
            fprintf(html, "</td>");
        }
        for (int b = 0; b < 2; b++)
            fprintf(both[b], "%s\n", differ ? "  !" : "");
        fprintf(html, "<td>%s</td></tr>\n", differ ? "! beyond the CIs" : "");
    }
    fprintf(html, "</table>\n");
    for (int b = 0; b < 2; b++) {
        if (nflag)
            fprintf(both[b],
                    "\n! differs beyond the confidence intervals (both "
                    "known, disjoint):\n%s",
                    notes);
        else
            fprintf(both[b], "\nno figure differs beyond its confidence "
                             "intervals between these machines\n");
    }
    if (nflag) {
        fprintf(html, "<h2>Differences beyond the confidence intervals</h2>"
                      "<pre>");
        html_esc(html, notes);
        fprintf(html, "</pre>\n");
    }

    /* failures, with their logs */
    if (nfailed)
        fprintf(html, "<h2>Failed tasks</h2>\n");
    for (int i = 0; i < ncols; i++) {
        if (!cols[i].failed)
            continue;
        json_t *t = cols[i].task;
        const char *log = jstr(t, "log");
        for (int b = 0; b < 2; b++) {
            fprintf(both[b],
                    "\nFAILED: task %d on %s: %s, exit %s%s%s (state from %s)"
                    "\n  log %s, last lines:\n",
                    i, cols[i].label, jstr(t, "state"),
                    *jstr(t, "exit_code") ? jstr(t, "exit_code") : "-",
                    *jstr(t, "reason") ? ", reason " : "", jstr(t, "reason"),
                    jstr(t, "source"), log);
            log_tail(log, both[b], false, "    | ");
        }
        char rel[PATH_MAX];
        relpath(rdir, log, rel, sizeof rel);
        fprintf(html, "<h3>task %d on ", i);
        html_esc(html, cols[i].label);
        fprintf(html, ": ");
        html_esc(html, jstr(t, "state"));
        fprintf(html, ", exit ");
        html_esc(html, jstr(t, "exit_code"));
        fprintf(html, " <a href=\"");
        html_esc(html, rel);
        fprintf(html, "\">log</a></h3>\n<pre>");
        log_tail(log, html, true, "");
        fprintf(html, "</pre>\n");
    }

    /* plots */
    if (plot) {
        fprintf(html, "<h2>Plots (one colour per machine)</h2>\n");
        for (int e = 0; e < nexps; e++) {
            char msg[512] = "";
            int rc = plot_exp(rdir, exps[e], cols, ncols, msg, sizeof msg);
            if (rc == 0) {
                fprintf(html, "<p><img src=\"");
                html_esc(html, exps[e]);
                fprintf(html, ".svg\" alt=\"");
                html_esc(html, exps[e]);
                fprintf(html, "\" width=\"1000\"></p>\n");
                fprintf(out, "plot: %s/%s.png\n", rdir, exps[e]);
            } else {
                fprintf(out, "no plot for %s: %s\n", exps[e], msg);
            }
        }
    }
    fprintf(html, "</body></html>\n");
    bool ok = !ferror(txt) && !ferror(html);
    ok &= fclose(txt) == 0;
    ok &= fclose(html) == 0;
    snprintf(path, sizeof path, "%s/report.txt", rdir);
    ok = ok && rename(txt_tmp, path) == 0;
    snprintf(path, sizeof path, "%s/index.html", rdir);
    ok = ok && rename(html_tmp, path) == 0;
    if (!ok) {
        fprintf(stderr, "mechlab: fleet report: cannot write in %s\n", rdir);
        unlink(txt_tmp);
        unlink(html_tmp);
    } else {
        fprintf(out, "report: %s/report.txt and %s/index.html\n", rdir, rdir);
    }
    free(cols);
    free(rows);
    free(exps);
    json_decref(c);
    return ok ? 0 : HX_EXIT_FAIL;
}
