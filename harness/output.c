/*
 * output.c - the run directory and its data files.
 *
 *   results/<machine>@<host>/<exp>/<run-id>/   context.json gbench.json
 *                                   data.csv summary.txt summary.json
 *                                   plot.dat plot.gp <exp>.png <exp>.svg
 *   results/<machine>@<host>/<exp>/latest  ->  <run-id>
 *
 * <machine> is the CPU-model group (compare lines machines up by it),
 * <host> the node, so that two nodes with one CPU model never share a
 * directory or its `latest` (hx_run_host; `--machine NAME` alone names the
 * directory outright, as the tests do).
 *
 * A run never overwrites an earlier one. It is written under a hidden
 * temporary name (.tmp-<run-id>-<pid>) and renamed into place only when
 * every file is complete; then `latest` is replaced atomically (a new
 * symlink renamed over the old one). An interrupted run leaves only its
 * .tmp directory, which the next run in the same place removes once the
 * process that made it is gone.
 *
 * The result files are written by the reporters (result.h); this file
 * writes context.json, built with jansson (machine fingerprint from context.c,
 * run settings, and Google Benchmark's own context from gbench.json).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "calibrate.h"
#include "clock.h"
#include "context.h"
#include "counters_sim.h"
#include "output.h"
#include "run.h"

static int mkdir_p(const char *path) {
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return -errno;
    return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void hx_output_cleanup_stale(const char *expdir) {
    DIR *d = opendir(expdir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, ".tmp-", 5) != 0)
            continue;
        const char *dash = strrchr(de->d_name, '-');
        long pid = dash ? strtol(dash + 1, NULL, 10) : 0;
        if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM))
            continue; /* its run is still going */
        char p[1400];
        snprintf(p, sizeof p, "%s/%s", expdir, de->d_name);
        nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    }
    closedir(d);
}

int hx_output_begin(hx_run *r, char *err, size_t len) {
    char expdir[sizeof r->dir - 128];
    int w = snprintf(expdir, sizeof expdir, "%s/%s/%s", r->opts->out, r->mdir,
                     r->exp->name);
    if (w < 0 || (size_t)w >= sizeof expdir) {
        snprintf(err, len, "--out path too long");
        return -ENAMETOOLONG;
    }
    int rc = mkdir_p(expdir);
    if (rc) {
        snprintf(err, len, "cannot create %s: %s", expdir, strerror(-rc));
        return rc;
    }
    hx_output_cleanup_stale(expdir);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y%m%d-%H%M%S", &tm);
    snprintf(r->run_id, sizeof r->run_id, "%s", base);
    for (int k = 2;; k++) {
        struct stat st;
        snprintf(r->dir, sizeof r->dir, "%s/%s", expdir, r->run_id);
        if (stat(r->dir, &st) != 0)
            break;
        snprintf(r->run_id, sizeof r->run_id, "%s-%d", base, k);
    }
    snprintf(r->tmpdir, sizeof r->tmpdir, "%s/.tmp-%s-%ld", expdir, r->run_id,
             (long)getpid());
    if (mkdir(r->tmpdir, 0777) != 0) {
        snprintf(err, len, "cannot create %s: %s", r->tmpdir, strerror(errno));
        return -errno;
    }
    return 0;
}

/* Two runs of one experiment into one machine directory in the same second
 * (two shells on one host, two fleet tasks given one --host) both find the
 * same free run id; rename(2) refuses to replace a non-empty directory, so
 * the second takes the next free suffix and tries again: two runs never
 * share a directory. */
int hx_output_commit(hx_run *r) {
    char base[64];
    snprintf(base, sizeof base, "%.20s", r->run_id);
    base[strcspn(base, "-") + 7] = 0; /* YYYYMMDD-HHMMSS without -N */
    char *slash = strrchr(r->dir, '/');
    size_t keep = slash ? (size_t)(slash - r->dir) : 0;
    int k = 2;
    while (rename(r->tmpdir, r->dir) != 0) {
        if ((errno != EEXIST && errno != ENOTEMPTY) || k > 1000) {
            fprintf(stderr, "mechlab: cannot rename %s to %s: %s\n", r->tmpdir,
                    r->dir, strerror(errno));
            return -errno;
        }
        (void)!snprintf(r->run_id, sizeof r->run_id, "%.20s-%d", base, k++);
        snprintf(r->dir + keep, sizeof r->dir - keep, "/%s", r->run_id);
    }
    char expdir[1024], tmp[1200], latest[1200];
    snprintf(expdir, sizeof expdir, "%s/%s/%s", r->opts->out, r->mdir,
             r->exp->name);
    snprintf(tmp, sizeof tmp, "%s/.latest-%ld", expdir, (long)getpid());
    snprintf(latest, sizeof latest, "%s/latest", expdir);
    unlink(tmp);
    if (symlink(r->run_id, tmp) != 0 || rename(tmp, latest) != 0) {
        fprintf(stderr, "mechlab: cannot update %s: %s\n", latest,
                strerror(errno));
        return -errno;
    }
    return 0;
}

/* ---- context.json ------------------------------------------------------- */

/* Google Benchmark writes non-finite numbers as bare NaN / Infinity (its
 * cv aggregate of a counter that is 0 in every repetition is 0/0). That is
 * what its own Python tools read, so gbench.json is kept exactly as it was
 * written; strict JSON parsers such as jansson refuse those tokens, so we
 * read it through a copy where they are null. */
json_t *hx_json_load_lenient(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *in = n >= 0 ? malloc((size_t)n + 1) : NULL;
    char *out = n >= 0 ? malloc((size_t)n * 2 + 1) : NULL;
    json_t *j = NULL;
    if (in && out && fread(in, 1, (size_t)n, f) == (size_t)n) {
        in[n] = 0;
        size_t o = 0;
        bool str = false;
        for (long i = 0; i < n; i++) {
            char c = in[i];
            if (str) {
                out[o++] = c;
                if (c == '\\' && i + 1 < n)
                    out[o++] = in[++i];
                else if (c == '"')
                    str = false;
                continue;
            }
            if (c == '"')
                str = true;
            const char *rest = in + i + (c == '-');
            size_t skip = strncmp(rest, "NaN", 3) == 0        ? 3
                          : strncmp(rest, "Infinity", 8) == 0 ? 8
                                                              : 0;
            if (skip) {
                memcpy(out + o, "null", 4);
                o += 4;
                i += (long)skip - 1 + (c == '-');
                continue;
            }
            out[o++] = c;
        }
        json_error_t err;
        j = json_loadb(out, o, 0, &err);
    }
    free(in);
    free(out);
    fclose(f);
    return j;
}

int hx_output_context(const hx_run *r, const char *path,
                      const char *gbench_json) {
    json_t *root = json_object();
    json_object_set_new(root, "machine",
                        hx_context_machine(&r->topo, r->counters));
    json_t *run = json_object();
    const hx_experiment *e = r->exp;
    json_object_set_new(run, "experiment", json_string(e->name));
    json_object_set_new(run, "run_id", json_string(r->run_id));
    json_object_set_new(run, "machine_name", json_string(r->machine));
    json_object_set_new(run, "host", json_string(r->host));
    json_object_set_new(run, "machine_dir", json_string(r->mdir));
    json_object_set_new(run, "reps", json_integer(r->reps));
    json_object_set_new(run, "min_time_s", json_real(r->min_time));
    json_object_set_new(run, "warmup_s", json_real(r->opts->warmup));
    json_object_set_new(run, "quick", json_boolean(r->opts->quick));
    json_object_set_new(run, "interleaved", json_boolean(r->opts->interleave));
    json_object_set_new(run, "counters_mode", json_string(r->opts->counters));
    json_t *params = json_object();
    for (int i = 0; i < e->nparams; i++) {
        json_t *a = json_array();
        for (int k = 0; k < r->npts[i]; k++)
            json_array_append_new(a, json_integer(r->pts[i][k]));
        json_object_set_new(params, e->params[i].name, a);
    }
    json_object_set_new(run, "params", params);
    json_object_set_new(run, "duration_s", json_real(hx_now() - r->t_start));
    json_object_set_new(root, "run", run);
    json_object_set_new(root, "calibration", hx_calib_json(r));
    json_t *sim = hx_sim_context(r);
    if (sim)
        json_object_set_new(root, "simulated_counters", sim);

    json_t *gb = hx_json_load_lenient(gbench_json);
    json_t *gctx = gb ? json_object_get(gb, "context") : NULL;
    if (gctx) {
        json_object_set(root, "gbench", gctx);
        const char *bt =
            json_string_value(json_object_get(gctx, "library_build_type"));
        if (bt && strcmp(bt, "debug") == 0)
            json_object_set_new(
                root, "gbench_note",
                json_string("the system's Google Benchmark library is a "
                            "debug build; our timed loops do not run its "
                            "code per iteration (one batch per repetition), "
                            "so its speed affects only set-up and "
                            "iteration-count estimation"));
    } else {
        json_object_set_new(root, "gbench", json_null());
    }
    json_decref(gb);
    int rc = json_dump_file(
        root, path, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
    json_decref(root);
    return rc == 0 ? 0 : -EIO;
}
