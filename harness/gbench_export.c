/*
 * gbench_export.c - `mechlab gbench-json RUN_DIR...`: a gbench.json for a
 * run that has none (the reference runs made before runs kept one).
 *
 * Google Benchmark's tools/compare.py matches benchmarks by name, so a
 * run without gbench.json cannot be compared with it. This writes one
 * from the run's data.csv, in Google Benchmark's JSON layout, with the
 * names a run makes today (gbench_shim.cc): <experiment>/<variant>/
 * <param>:<raw value>.../real_time|manual_time/threads:<n>, a parameter
 * named when the variant varies with it, the thread count apart.
 *
 * What the numbers are: one "iteration" entry per data.csv repetition,
 * real_time = ns_per_op / threads and cpu_time = task-clock per op /
 * threads (ns_per_op / threads where task-clock is empty), iterations =
 * ops per thread x threads: Google Benchmark's own definition of its time
 * per iteration (wall time over the iterations of all threads) applied to
 * our per-thread figures (results/README.md, "gbench.json"); ns_per_op is
 * kept as a user counter. The context says where it came from
 * ("mechlab_converted_from": "data.csv") so nobody mistakes it for the
 * library's own output. An existing gbench.json is never overwritten.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "registry.h"
#include "run.h"
#include "rundata.h"

static int col(char **hdr, int nh, const char *name) {
    for (int i = 0; i < nh; i++)
        if (strcmp(hdr[i], name) == 0)
            return i;
    return -1;
}

static const hx_variant *variant_named(const hx_experiment *e,
                                       const char *name) {
    for (int i = 0; i < e->nvariants; i++)
        if (strcmp(e->variants[i].name, name) == 0)
            return &e->variants[i];
    return NULL;
}

/* One run directory: 0, or -errno with err. */
static int export_one(const char *dir, char *err, size_t len) {
    char path[1200];
    snprintf(path, sizeof path, "%s/gbench.json", dir);
    if (access(path, F_OK) == 0) {
        snprintf(err, len, "%s exists: left as it is", path);
        return -EEXIST;
    }
    snprintf(path, sizeof path, "%s/context.json", dir);
    json_t *ctx = json_load_file(path, 0, NULL);
    json_t *run = json_object_get(ctx, "run");
    const char *exn = json_string_value(json_object_get(run, "experiment"));
    const hx_experiment *e = exn ? hx_find_experiment(exn) : NULL;
    if (!e) {
        snprintf(err, len, "%s: no experiment this mechlab knows (%s)", path,
                 exn ? exn : "none named");
        json_decref(ctx);
        return -EINVAL;
    }
    snprintf(path, sizeof path, "%s/data.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, len, "%s: %s", path, strerror(errno));
        json_decref(ctx);
        return -ENOENT;
    }
    char *line = NULL, *hline = NULL, *hdr[160], *fld[160];
    size_t cap = 0;
    int nh = 0, c_var = -1, c_thr = -1, c_rep = -1, c_it = -1, c_ns = -1,
        c_cpu = -1, c_st = -1, c_p[HX_MAX_PARAMS];
    json_t *benches = json_array();
    json_t *fams = json_object(); /* family name -> index */
    int reps = (int)json_integer_value(json_object_get(run, "reps"));
    int rc = 0;
    while (getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\r\n")] = 0;
        if (!hline) {
            hline = strdup(line);
            nh = hline ? hx_csv_split(hline, hdr, 160) : 0;
            c_var = col(hdr, nh, "variant");
            c_thr = col(hdr, nh, "threads");
            c_rep = col(hdr, nh, "rep");
            c_it = col(hdr, nh, "iterations");
            c_ns = col(hdr, nh, "ns_per_op");
            c_cpu = col(hdr, nh, "task_clock_per_op");
            c_st = col(hdr, nh, "status");
            for (int i = 0; i < e->nparams && i < HX_MAX_PARAMS; i++)
                c_p[i] = col(hdr, nh, e->params[i].name);
            if (c_var < 0 || c_ns < 0 || c_st < 0 || c_thr < 0) {
                snprintf(err, len,
                         "%s: no variant, threads, ns_per_op or "
                         "status column",
                         path);
                rc = -EINVAL;
                break;
            }
            continue;
        }
        if (hx_csv_split(line, fld, 160) != nh || strcmp(fld[c_st], "ok") ||
            !fld[c_ns][0])
            continue;
        const hx_variant *v = variant_named(e, fld[c_var]);
        bool go = strncmp(fld[c_var], "go:", 3) == 0;
        char name[400];
        size_t n =
            (size_t)snprintf(name, sizeof name, "%s/%s", e->name, fld[c_var]);
        for (int i = 0; i < e->nparams && n < sizeof name; i++) {
            const hx_param *p = &e->params[i];
            if ((p->flags & HX_PARAM_THREADS) || c_p[i] < 0)
                continue;
            /* a twin uses what its variant uses */
            const hx_variant *uv = go ? variant_named(e, fld[c_var] + 3) : v;
            if (uv && uv->uses != 0 && !(uv->uses & (1u << i)))
                continue;
            double val = strtod(fld[c_p[i]], NULL);
            long long raw =
                (long long)llround(p->scale > 1 ? val * (double)p->scale : val);
            n += (size_t)snprintf(name + n, sizeof name - n, "/%s:%lld",
                                  p->name, raw);
        }
        long threads = strtol(fld[c_thr], NULL, 10);
        if (threads < 1)
            threads = 1;
        char fam[400];
        snprintf(fam, sizeof fam, "%s", name);
        snprintf(name + n, sizeof name - n, "/%s/threads:%ld",
                 v && v->manual_time ? "manual_time" : "real_time", threads);
        if (!json_object_get(fams, fam))
            json_object_set_new(
                fams, fam, json_integer((json_int_t)json_object_size(fams)));
        double ns = strtod(fld[c_ns], NULL);
        double cpu =
            c_cpu >= 0 && fld[c_cpu][0] ? strtod(fld[c_cpu], NULL) : ns;
        double its = c_it >= 0 ? strtod(fld[c_it], NULL) : 0;
        json_t *b = json_object();
        json_object_set_new(b, "name", json_string(name));
        json_object_set(b, "family_index", json_object_get(fams, fam));
        json_object_set_new(b, "per_family_instance_index",
                            json_integer(threads));
        json_object_set_new(b, "run_name", json_string(name));
        json_object_set_new(b, "run_type", json_string("iteration"));
        json_object_set_new(b, "repetitions", json_integer(reps));
        json_object_set_new(b, "repetition_index",
                            json_integer(c_rep >= 0 ? atoi(fld[c_rep]) : 0));
        json_object_set_new(b, "threads", json_integer(threads));
        json_object_set_new(b, "iterations",
                            json_integer((json_int_t)llround(its * threads)));
        json_object_set_new(b, "real_time", json_real(ns / (double)threads));
        json_object_set_new(b, "cpu_time", json_real(cpu / (double)threads));
        json_object_set_new(b, "time_unit", json_string("ns"));
        json_object_set_new(b, "ns_per_op", json_real(ns));
        json_array_append_new(benches, b);
    }
    free(line);
    free(hline);
    fclose(f);
    if (rc == 0 && json_array_size(benches) == 0) {
        snprintf(err, len, "%s: no repetition with a number", path);
        rc = -ENODATA;
    }
    if (rc == 0) {
        json_t *m = json_object_get(ctx, "machine");
        json_t *c = json_object();
        json_object_set(c, "date", json_object_get(m, "date"));
        json_object_set(c, "host_name", json_object_get(run, "machine_name"));
        json_object_set_new(c, "executable", json_string("mechlab"));
        json_object_set(c, "num_cpus", json_object_get(m, "pus"));
        json_object_set_new(c, "mhz_per_cpu", json_integer(0));
        json_object_set_new(c, "cpu_scaling_enabled", json_false());
        json_object_set_new(c, "caches", json_array());
        json_object_set_new(c, "library_build_type", json_string("release"));
        json_object_set_new(c, "mechlab_converted_from",
                            json_string("data.csv"));
        json_object_set_new(
            c, "mechlab_note",
            json_string("written by `mechlab gbench-json` from data.csv, not "
                        "by Google Benchmark: real_time = ns_per_op / "
                        "threads, cpu_time = task-clock per op / threads "
                        "(results/README.md)"));
        json_t *root = json_object();
        json_object_set_new(root, "context", c);
        json_object_set_new(root, "benchmarks", benches);
        benches = NULL;
        snprintf(path, sizeof path, "%s/gbench.json", dir);
        if (json_dump_file(root, path, JSON_INDENT(2)) != 0) {
            snprintf(err, len, "%s: cannot write", path);
            rc = -EIO;
        }
        json_decref(root);
    }
    json_decref(benches);
    json_decref(fams);
    json_decref(ctx);
    return rc;
}

int hx_gbench_export_main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: mechlab gbench-json RUN_DIR...\n"
                        "  writes RUN_DIR/gbench.json from its data.csv "
                        "(for runs that have none)\n");
        return HX_EXIT_USAGE;
    }
    int worst = 0;
    for (int i = 2; i < argc; i++) {
        char err[1400];
        int rc = export_one(argv[i], err, sizeof err);
        if (rc == 0) {
            printf("wrote %s/gbench.json\n", argv[i]);
        } else {
            fprintf(stderr, "mechlab: gbench-json: %s\n", err);
            worst = rc == -EEXIST ? worst : HX_EXIT_FAIL;
        }
    }
    return worst;
}
