/*
 * fleet_collect.c - what happened to every task of a study, as data.
 *
 * Three sources, each authoritative for one thing:
 *
 *   Slurm (scontrol)    the task's state (COMPLETED, FAILED, TIMEOUT,
 *                       CANCELLED, NODE_FAIL...), node, exit code, reason
 *   tasks/<i>.txt       what the task did: its node, one line per
 *                       experiment with mechlab's exit code and the run
 *                       directory it wrote, and an "end" line when it got
 *                       to the end (a task killed by its time limit has
 *                       none)
 *   <run>/summary.json  each run's verdict and headline figures
 *
 * collect joins them into <fleet>/collected.json. It only reads the
 * sources and never moves, rewrites or deletes them, and it writes the
 * new collected.json whole under a temporary name and renames it over the
 * old one: a collect interrupted at any point leaves the previous
 * collected.json and every result as they were, and running it again
 * finishes the job. Slurm forgets a finished job after MinJobAge (300 s by
 * default), so the states seen are kept: when scontrol no longer knows the
 * job, a task keeps the final state an earlier collect recorded, and a
 * task never seen by an earlier collect is judged by its record alone
 * (an "end" line: COMPLETED or FAILED by its experiments; none: UNKNOWN).
 *
 * A task has failed when Slurm says so, or when any of its experiments
 * exited with an error (exit 3, "cannot run on this machine", is a skip,
 * not a failure). The report shows failed tasks with the end of their log.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fleet.h"
#include "run.h"

int hx_fleet_dir(const char *root, const char *study, char *buf, size_t len,
                 char *err, size_t errlen) {
    struct stat st;
    char p[PATH_MAX + 64];
    if (strchr(study, '/')) { /* a fleet directory given as is */
        snprintf(p, sizeof p, "%s/fleet.json", study);
        if (stat(p, &st) == 0 && realpath(study, buf))
            return 0;
    } else {
        snprintf(p, sizeof p, "%s/fleet/%s/latest", root, study);
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode) && realpath(p, buf))
            return 0;
    }
    snprintf(err, errlen,
             "no submitted fleet run of '%s' under %s/fleet/ (submit one "
             "with `mechlab fleet run %s`)",
             study, root, study);
    (void)len;
    return -ENOENT;
}

/* ---- the task record ----------------------------------------------------- */

static json_t *read_record(const char *fleet, int task) {
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/tasks/%d.txt", fleet, task);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    json_t *rec = json_object();
    json_t *runs = json_array();
    json_object_set_new(rec, "runs", runs);
    char line[4200];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *sp = strchr(line, ' ');
        if (!sp)
            continue;
        *sp = 0;
        const char *v = sp + 1;
        if (strcmp(line, "node") == 0 || strcmp(line, "start") == 0 ||
            strcmp(line, "job") == 0) {
            json_object_set_new(rec, line, json_string(v));
        } else if (strcmp(line, "end") == 0) {
            char when[64];
            int worst = 0;
            if (sscanf(v, "%63s %d", when, &worst) >= 1) {
                json_object_set_new(rec, "end", json_string(when));
                json_object_set_new(rec, "worst", json_integer(worst));
            }
        } else if (strcmp(line, "run") == 0) {
            char exp[64], dir[4096] = "";
            int rc, used = 0;
            if (sscanf(v, "%63s %d %n", exp, &rc, &used) < 2)
                continue;
            snprintf(dir, sizeof dir, "%s", used ? v + used : "");
            json_t *r = json_object();
            json_object_set_new(r, "experiment", json_string(exp));
            json_object_set_new(r, "rc", json_integer(rc));
            json_object_set_new(r, "dir", json_string(dir));
            json_array_append_new(runs, r);
        }
    }
    fclose(f);
    return rec;
}

static json_t *summary_json(const char *dir) {
    hx_fleet_summary s;
    char err[512];
    json_t *o = json_object();
    int rc = hx_fleet_summary_read(dir, &s, err, sizeof err);
    if (rc != 0) {
        json_object_set_new(o, "error", json_string(err));
        return o;
    }
    json_object_set_new(o, "machine", json_string(s.machine));
    json_object_set_new(o, "host", json_string(s.host));
    json_object_set_new(o, "run_id", json_string(s.run_id));
    json_object_set_new(o, "verdict", json_string(s.verdict));
    json_object_set_new(o, "verdict_text", json_string(s.verdict_text));
    json_t *hs = json_array();
    for (int i = 0; i < s.nhead; i++) {
        const hx_fleet_figure *h = &s.head[i];
        json_t *x = json_object();
        json_object_set_new(x, "key", json_string(h->key));
        json_object_set_new(x, "name", json_string(h->name));
        json_object_set_new(x, "unit", json_string(h->unit));
        json_object_set_new(x, "how", json_string(h->how));
        json_object_set_new(x, "value",
                            h->value == h->value ? json_real(h->value)
                                                 : json_null());
        json_object_set_new(x, "ci_lo",
                            h->ci_lo == h->ci_lo ? json_real(h->ci_lo)
                                                 : json_null());
        json_object_set_new(x, "ci_hi",
                            h->ci_hi == h->ci_hi ? json_real(h->ci_hi)
                                                 : json_null());
        json_array_append_new(hs, x);
    }
    json_object_set_new(o, "headlines", hs);
    return o;
}

static const char *jstr(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

/* ---- collect --------------------------------------------------------------- */

static json_t *gather(const char *dir, bool *live, char *err, size_t len) {
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/fleet.json", dir);
    json_error_t je;
    json_t *fleet = json_load_file(path, 0, &je);
    if (!fleet) {
        snprintf(err, len, "%.900s: %s (was the study submitted?)", path,
                 je.text);
        return NULL;
    }
    const char *job = jstr(fleet, "job");
    int ntasks = (int)json_integer_value(json_object_get(fleet, "tasks"));
    if (ntasks < 1 || ntasks > HX_FLEET_MAX_TASKS) {
        snprintf(err, len, "%.900s: bad task count", path);
        json_decref(fleet);
        return NULL;
    }
    /* what an earlier collect saw */
    snprintf(path, sizeof path, "%s/collected.json", dir);
    json_t *prev = json_load_file(path, 0, &je);
    json_t *prev_tasks = json_object_get(prev, "tasks");

    char old_root[PATH_MAX], new_root[PATH_MAX], up[PATH_MAX + 16];
    snprintf(old_root, sizeof old_root, "%s", jstr(fleet, "root"));
    snprintf(up, sizeof up, "%s/../../..", dir);
    if (!realpath(up, new_root))
        new_root[0] = 0;
    static hx_task_state st[HX_FLEET_MAX_TASKS];
    char serr[512] = "";
    int nst = hx_slurm_states(job, st, HX_FLEET_MAX_TASKS, serr, sizeof serr);
    *live = nst > 0;

    json_t *out = json_object();
    json_object_set_new(out, "schema", json_string("mechlab.fleet/1"));
    json_object_set(out, "study", json_object_get(fleet, "study"));
    json_object_set(out, "study_file", json_object_get(fleet, "study_file"));
    json_object_set_new(out, "job", json_string(job));
    json_object_set(out, "submitted", json_object_get(fleet, "submitted"));
    json_object_set(out, "root", json_object_get(fleet, "root"));
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object_set_new(out, "collected", json_string(stamp));
    if (nst < 0)
        json_object_set_new(out, "slurm_error", json_string(serr));
    json_t *tasks = json_array();
    json_object_set_new(out, "tasks", tasks);
    for (int i = 0; i < ntasks; i++) {
        json_t *t = json_object();
        json_object_set_new(t, "task", json_integer(i));
        const hx_task_state *s = NULL;
        for (int k = 0; k < nst; k++)
            if (st[k].task == i)
                s = &st[k];
        json_t *old = NULL;
        size_t k;
        json_t *e;
        json_array_foreach(prev_tasks, k, e) {
            if (json_integer_value(json_object_get(e, "task")) == i)
                old = e;
        }
        json_t *rec = read_record(dir, i);
        char state[64] = "", source[32] = "", exit_code[32] = "",
             reason[160] = "", node[160] = "", runtime[32] = "";
        if (s) {
            snprintf(state, sizeof state, "%s", s->state);
            snprintf(source, sizeof source, "slurm");
            snprintf(exit_code, sizeof exit_code, "%s", s->exit_code);
            snprintf(reason, sizeof reason, "%s", s->reason);
            snprintf(node, sizeof node, "%s", s->node);
            snprintf(runtime, sizeof runtime, "%s", s->runtime);
        } else if (old && hx_slurm_state_final(jstr(old, "state")) &&
                   strcmp(jstr(old, "state"), "UNKNOWN") != 0) {
            snprintf(state, sizeof state, "%s", jstr(old, "state"));
            snprintf(source, sizeof source, "%s",
                     strcmp(jstr(old, "source"), "slurm") == 0
                         ? "slurm, earlier collect"
                         : jstr(old, "source"));
            snprintf(exit_code, sizeof exit_code, "%s", jstr(old, "exit_code"));
            snprintf(reason, sizeof reason, "%s", jstr(old, "reason"));
            snprintf(node, sizeof node, "%s", jstr(old, "node"));
            snprintf(runtime, sizeof runtime, "%s", jstr(old, "runtime"));
        } else if (rec && json_object_get(rec, "end")) {
            bool bad = json_integer_value(json_object_get(rec, "worst")) != 0;
            snprintf(state, sizeof state, "%s", bad ? "FAILED" : "COMPLETED");
            snprintf(source, sizeof source, "task record");
        } else {
            snprintf(state, sizeof state, "UNKNOWN");
            snprintf(source, sizeof source,
                     rec ? "task record without an end" : "nothing");
        }
        if (!node[0] && rec)
            snprintf(node, sizeof node, "%s", jstr(rec, "node"));
        json_object_set_new(t, "state", json_string(state));
        json_object_set_new(t, "source", json_string(source));
        json_object_set_new(t, "node", json_string(node));
        json_object_set_new(t, "exit_code", json_string(exit_code));
        json_object_set_new(t, "reason", json_string(reason));
        json_object_set_new(t, "runtime", json_string(runtime));
        char logp[PATH_MAX + 64];
        snprintf(logp, sizeof logp, "%s/logs/task-%d.log", dir, i);
        json_object_set_new(t, "log", json_string(logp));
        bool failed = hx_slurm_state_failed(state);
        json_t *runs = json_array();
        if (rec) {
            json_object_set(t, "start", json_object_get(rec, "start"));
            json_object_set(t, "end", json_object_get(rec, "end"));
            json_t *r;
            json_array_foreach(json_object_get(rec, "runs"), k, r) {
                json_t *x = json_deep_copy(r);
                int rc = (int)json_integer_value(json_object_get(r, "rc"));
                const char *d = jstr(r, "dir");
                /* a results root moved or copied since the run: the
                 * recorded directory, rebased onto where the fleet
                 * directory is now (<root>/fleet/<study>/<id>) */
                char moved[PATH_MAX + 64];
                struct stat sb;
                size_t rl = strlen(old_root);
                if (*d && stat(d, &sb) != 0 && rl &&
                    strncmp(d, old_root, rl) == 0 && d[rl] == '/' &&
                    (size_t)snprintf(moved, sizeof moved, "%s%s", new_root,
                                     d + rl) < sizeof moved &&
                    stat(moved, &sb) == 0) {
                    json_object_set_new(x, "dir", json_string(moved));
                    d = jstr(x, "dir");
                }
                char elog[PATH_MAX + 200];
                snprintf(elog, sizeof elog, "%s/logs/task-%d-%s.log", dir, i,
                         jstr(r, "experiment"));
                json_object_set_new(x, "log", json_string(elog));
                if (rc != 0 && rc != HX_EXIT_SKIP)
                    failed = true;
                if (*d)
                    json_object_set_new(x, "summary", summary_json(d));
                json_array_append_new(runs, x);
            }
        }
        json_object_set_new(t, "runs", runs);
        json_object_set_new(t, "failed", json_boolean(failed));
        json_array_append_new(tasks, t);
        json_decref(rec);
    }
    json_decref(prev);
    json_decref(fleet);
    return out;
}

int hx_fleet_collect(const char *dir, bool write, FILE *out) {
    char err[1024] = "";
    bool live = false;
    json_t *c = gather(dir, &live, err, sizeof err);
    if (!c) {
        fprintf(stderr, "mechlab: fleet collect: %s\n", err);
        return HX_EXIT_FAIL;
    }
    char tmp[PATH_MAX + 64], path[PATH_MAX + 64];
    snprintf(tmp, sizeof tmp, "%s/.collected.json.%ld", dir, (long)getpid());
    snprintf(path, sizeof path, "%s/collected.json", dir);
    int rc = 0;
    FILE *f = write ? fopen(tmp, "w") : NULL;
    if (!write)
        goto print;
    if (!f || json_dumpf(c, f, JSON_INDENT(1) | JSON_SORT_KEYS) != 0 ||
        fflush(f) != 0 || fsync(fileno(f)) != 0)
        rc = -1;
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf(stderr, "mechlab: fleet collect: cannot write %s: %s\n", path,
                strerror(errno));
        unlink(tmp);
        json_decref(c);
        return HX_EXIT_FAIL;
    }
print:
    if (*jstr(c, "slurm_error"))
        fprintf(out,
                "job %s (Slurm not reachable: %.200s; states from the "
                "last collect and the task records)\n",
                jstr(c, "job"), jstr(c, "slurm_error"));
    else
        fprintf(out, "job %s (%s)\n", jstr(c, "job"),
                live ? "states from Slurm"
                     : "Slurm no longer knows it: states from the last "
                       "collect and the task records");
    {
        size_t i;
        json_t *t;
        int nfail = 0, ndone = 0;
        json_array_foreach(json_object_get(c, "tasks"), i, t) {
            json_t *runs = json_object_get(t, "runs");
            int ok = 0;
            size_t k;
            json_t *r;
            json_array_foreach(runs, k, r) {
                ok += json_integer_value(json_object_get(r, "rc")) == 0;
            }
            bool failed = json_is_true(json_object_get(t, "failed"));
            nfail += failed;
            ndone += hx_slurm_state_final(jstr(t, "state"));
            fprintf(out, "task %-3zu %-12s %-10s %zu run%s, %d ok%s%s\n", i,
                    *jstr(t, "node") ? jstr(t, "node") : "-", jstr(t, "state"),
                    json_array_size(runs),
                    json_array_size(runs) == 1 ? "" : "s", ok,
                    failed ? "  FAILED: log " : "",
                    failed ? jstr(t, "log") : "");
        }
        fprintf(out, "%s %zu tasks (%d finished, %d failed)%s%s\n",
                write ? "collected" : "status:",
                json_array_size(json_object_get(c, "tasks")), ndone, nfail,
                write ? " into " : "", write ? path : "");
    }
    json_decref(c);
    return 0;
}
