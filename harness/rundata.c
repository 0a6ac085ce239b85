/*
 * rundata.c - a finished run read back from its directory (rundata.h).
 *
 * summary.json first: its `points` already carry series, x, median, p10
 * and p90. Without it (runs older than the file), data.csv: the header
 * names the columns; rows whose status is "ok" are grouped by (series,
 * x) in the order they first appear, and each group's ns_per_op values
 * give the median and the p10/p90 (stats.c, the same definitions the run
 * used). A data.csv without an x column the experiment names is refused
 * with the reason, not guessed at.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "run.h"
#include "rundata.h"
#include "stats.h"

int hx_csv_split(char *line, char **field, int max) {
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == max)
            return n;
        if (*p == '"') {
            char *w = ++p;
            field[n++] = w;
            while (*p) {
                if (*p == '"' && p[1] == '"') {
                    *w++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *w++ = *p++;
                }
            }
            *w = 0;
        } else {
            field[n++] = p;
            while (*p && *p != ',')
                p++;
        }
        if (*p != ',') {
            *p = 0;
            return n;
        }
        *p++ = 0;
    }
}

static double jnum(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static int add_point(hx_rundata *rd, const char *series, const char *variant,
                     double x) {
    hx_rd_point *p =
        realloc(rd->pts, sizeof(hx_rd_point) * (size_t)(rd->npts + 1));
    if (!p)
        return -ENOMEM;
    rd->pts = p;
    p = &rd->pts[rd->npts++];
    memset(p, 0, sizeof *p);
    snprintf(p->series, sizeof p->series, "%s", series);
    snprintf(p->variant, sizeof p->variant, "%s", variant ? variant : "");
    p->x = x;
    p->median = p->p10 = p->p90 = NAN;
    return 0;
}

static int from_summary(hx_rundata *rd, char *err, size_t len) {
    json_t *s = rd->summary;
    const char *schema = json_string_value(json_object_get(s, "schema"));
    if (!schema || strncmp(schema, "mechlab.summary/", 16) != 0) {
        snprintf(err, len,
                 "%s/summary.json: schema '%s' is not "
                 "mechlab.summary/N",
                 rd->dir, schema ? schema : "(none)");
        return -EINVAL;
    }
    snprintf(rd->experiment, sizeof rd->experiment, "%s",
             json_string_value(json_object_get(s, "experiment"))
                 ? json_string_value(json_object_get(s, "experiment"))
                 : "");
    snprintf(rd->run_id, sizeof rd->run_id, "%s",
             json_string_value(json_object_get(s, "run_id"))
                 ? json_string_value(json_object_get(s, "run_id"))
                 : "");
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(s, "points"), i, pt) {
        const char *series = json_string_value(json_object_get(pt, "series"));
        if (!series)
            continue;
        if (add_point(rd, series,
                      json_string_value(json_object_get(pt, "variant")),
                      jnum(pt, "x")))
            return -ENOMEM;
        hx_rd_point *p = &rd->pts[rd->npts - 1];
        p->threads =
            (int64_t)json_integer_value(json_object_get(pt, "threads"));
        p->median = jnum(pt, "median");
        p->p10 = jnum(pt, "p10");
        p->p90 = jnum(pt, "p90");
        p->params = json_incref(json_object_get(pt, "params"));
    }
    rd->source = "summary.json";
    return 0;
}

static int from_csv(hx_rundata *rd, const hx_experiment *e, char *err,
                    size_t len) {
    char path[1200];
    snprintf(path, sizeof path, "%s/data.csv", rd->dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, len, "%s: neither summary.json nor data.csv (%s)",
                 rd->dir, strerror(errno));
        return -ENOENT;
    }
    char *line = NULL;
    size_t cap = 0;
    char *hdr[128], *fld[128];
    int nh = 0, rc = 0;
    int c_series = -1, c_var = -1, c_x = -1, c_ns = -1, c_st = -1, c_thr = -1;
    /* values per point, parallel to rd->pts */
    double **vals = NULL;
    int *nv = NULL;
    char *hline = NULL;
    while (getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\r\n")] = 0;
        if (!hline) {
            hline = strdup(line);
            nh = hline ? hx_csv_split(hline, hdr, 128) : 0;
            for (int i = 0; i < nh; i++) {
                c_series = strcmp(hdr[i], "series") == 0 ? i : c_series;
                c_var = strcmp(hdr[i], "variant") == 0 ? i : c_var;
                c_ns = strcmp(hdr[i], "ns_per_op") == 0 ? i : c_ns;
                c_st = strcmp(hdr[i], "status") == 0 ? i : c_st;
                c_thr = strcmp(hdr[i], "threads") == 0 ? i : c_thr;
            }
            continue;
        }
        int n = hx_csv_split(line, fld, 128);
        if (n != nh)
            continue;
        if (!e && !rd->experiment[0]) {
            snprintf(rd->experiment, sizeof rd->experiment, "%s", fld[0]);
            e = hx_find_experiment(fld[0]);
        }
        if (c_x < 0 && e) {
            const char *xn = e->xparam ? e->xparam : e->params[0].name;
            for (int i = 0; i < nh; i++)
                if (strcmp(hdr[i], xn) == 0)
                    c_x = i;
        }
        if (c_series < 0 || c_ns < 0 || c_st < 0 || c_x < 0) {
            snprintf(err, len,
                     "%s: data.csv lacks the series, ns_per_op, status or "
                     "x-parameter column%s",
                     rd->dir, e ? "" : " (unknown experiment)");
            rc = -EINVAL;
            break;
        }
        double x = strtod(fld[c_x], NULL);
        int k;
        for (k = 0; k < rd->npts; k++)
            if (rd->pts[k].x == x &&
                strcmp(rd->pts[k].series, fld[c_series]) == 0)
                break;
        if (k == rd->npts) {
            if (add_point(rd, fld[c_series], c_var >= 0 ? fld[c_var] : "", x)) {
                rc = -ENOMEM;
                break;
            }
            rd->pts[k].threads = c_thr >= 0 ? strtoll(fld[c_thr], NULL, 10) : 1;
            json_t *pm = json_object();
            for (int i = 0; e && i < e->nparams; i++)
                for (int c = 0; c < nh; c++)
                    if (strcmp(hdr[c], e->params[i].name) == 0)
                        json_object_set_new(pm, hdr[c],
                                            json_real(strtod(fld[c], NULL)));
            rd->pts[k].params = pm;
            vals = realloc(vals, sizeof(double *) * (size_t)rd->npts);
            nv = realloc(nv, sizeof(int) * (size_t)rd->npts);
            if (!vals || !nv) {
                rc = -ENOMEM;
                break;
            }
            vals[k] = NULL;
            nv[k] = 0;
        }
        if (strcmp(fld[c_st], "ok") != 0 || !fld[c_ns][0])
            continue;
        double *nvp = realloc(vals[k], sizeof(double) * (size_t)(nv[k] + 1));
        if (!nvp) {
            rc = -ENOMEM;
            break;
        }
        vals[k] = nvp;
        vals[k][nv[k]++] = strtod(fld[c_ns], NULL);
    }
    for (int k = 0; k < rd->npts && vals && nv; k++) {
        if (rc == 0 && nv[k] > 0) {
            hx_summary s;
            hx_summarize(vals[k], (size_t)nv[k], &s);
            rd->pts[k].median = s.median;
            rd->pts[k].p10 = s.p10;
            rd->pts[k].p90 = s.p90;
        }
        free(vals[k]);
    }
    free(vals);
    free(nv);
    free(hline);
    free(line);
    fclose(f);
    if (rc == 0 && rd->npts == 0) {
        snprintf(err, len, "%s: data.csv has no rows", rd->dir);
        rc = -ENODATA;
    }
    rd->source = "data.csv";
    return rc;
}

int hx_rundata_load(const char *dir, const hx_experiment *e, hx_rundata *rd,
                    char *err, size_t len) {
    memset(rd, 0, sizeof *rd);
    snprintf(rd->dir, sizeof rd->dir, "%s", dir);
    char path[1200];
    snprintf(path, sizeof path, "%s/context.json", dir);
    rd->context = json_load_file(path, 0, NULL);
    json_t *run = json_object_get(rd->context, "run");
    const char *rid = json_string_value(json_object_get(run, "run_id"));
    const char *ex = json_string_value(json_object_get(run, "experiment"));
    snprintf(rd->run_id, sizeof rd->run_id, "%s", rid ? rid : "");
    snprintf(rd->experiment, sizeof rd->experiment, "%s",
             e    ? e->name
             : ex ? ex
                  : "");
    if (!e && ex)
        e = hx_find_experiment(ex);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    json_error_t jerr;
    rd->summary = json_load_file(path, 0, &jerr);
    int rc =
        rd->summary ? from_summary(rd, err, len) : from_csv(rd, e, err, len);
    if (rc)
        hx_rundata_free(rd);
    return rc;
}

void hx_rundata_free(hx_rundata *rd) {
    for (int i = 0; i < rd->npts; i++)
        json_decref(rd->pts[i].params);
    free(rd->pts);
    json_decref(rd->summary);
    json_decref(rd->context);
    rd->pts = NULL;
    rd->npts = 0;
    rd->summary = rd->context = NULL;
}
