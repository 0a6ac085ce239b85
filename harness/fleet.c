/*
 * fleet.c - `mechlab fleet`: a study across the nodes of a Slurm cluster.
 *
 *   mechlab fleet run STUDY [--out ROOT] [--dry-run]
 *   mechlab fleet status [STUDY] [--out ROOT]   (no STUDY: every study)
 *   mechlab fleet wait STUDY [--out ROOT] [--timeout S]
 *   mechlab fleet collect STUDY [--out ROOT]
 *   mechlab fleet report STUDY [--out ROOT] [--no-plot] [--no-collect]
 *
 * STUDY is a study name (studies/STUDY.study) or a file for `run`, and a
 * study name or a fleet directory for the others (the latest fleet run of
 * the study under ROOT/fleet/STUDY/ by default). ROOT is the results root
 * (default results), which the nodes must share.
 *
 * `run` does everything that can fail before anything is written: the
 * study is checked against the experiments (fleet_study.c), the paths
 * against what an #SBATCH line can hold, a node list is expanded and its
 * complement computed through Slurm (an array cannot be pinned to a node
 * list: every task would ask for all of it, so the other nodes of the
 * partition are excluded instead). Only then is the fleet directory made,
 * the job script written, and `sbatch --parsable` run; fleet.json, which
 * the other commands read, is written only once Slurm accepted the job.
 * With --dry-run it stops after writing the script and says how to submit
 * it by hand. Exit codes as for `run`: 2 bad input (nothing written or
 * submitted), 1 failure.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fleet.h"
#include "run.h"

static void usage(FILE *f) {
    fputs("usage: mechlab fleet ACTION STUDY [options]\n"
          "\n"
          "  run STUDY       check the study, write its Slurm job script and "
          "submit it\n"
          "                  (--dry-run: write the script only)\n"
          "  status [STUDY]  each task's state, node and runs (no STUDY: "
          "every study)\n"
          "  wait STUDY      wait until every task has ended (--timeout S, "
          "default 3600)\n"
          "  collect STUDY   gather states, records and results into "
          "collected.json\n"
          "  report STUDY    collect, then the side-by-side table, plots and "
          "index.html\n"
          "                  (--no-plot, --no-collect)\n"
          "\n"
          "  STUDY: a name (studies/NAME.study) or a study file for run; a "
          "name or a\n"
          "  fleet directory for the others. --out ROOT: the shared results "
          "root\n"
          "  (default results). Study file format: studies/README.md.\n",
          f);
}

static int mkdir_p(const char *path) {
    char buf[PATH_MAX];
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

/* An absolute, normalised path for a directory that may not exist yet. */
static int abs_path(const char *p, char *buf, size_t len) {
    char tmp[PATH_MAX];
    int n;
    if (realpath(p, tmp))
        n = snprintf(buf, len, "%s", tmp);
    else if (p[0] == '/')
        n = snprintf(buf, len, "%s", p);
    else if (!getcwd(tmp, sizeof tmp))
        return -errno;
    else
        n = snprintf(buf, len, "%s/%s", tmp, p);
    if (n < 0 || (size_t)n >= len) {
        errno = ENAMETOOLONG;
        return -ENAMETOOLONG;
    }
    return 0;
}

/* Hostnames of a Slurm host list, comma-separated, and how many. */
static int hostnames(const char *list, char *buf, size_t len, char *err,
                     size_t errlen) {
    char *argv[] = {"scontrol", "show", "hostnames", (char *)list, NULL};
    char out[16384];
    int rc = hx_fleet_exec(argv, out, sizeof out);
    if (rc != 0) {
        snprintf(err, errlen, "scontrol show hostnames %s: %.400s", list,
                 rc < 0 ? "cannot run scontrol" : out);
        return -1;
    }
    int n = 0;
    size_t w = 0;
    buf[0] = 0;
    for (char *save = NULL, *t = strtok_r(out, "\n", &save); t;
         t = strtok_r(NULL, "\n", &save)) {
        w += (size_t)snprintf(buf + w, len > w ? len - w : 0, "%s%s",
                              n ? "," : "", t);
        n++;
    }
    return n;
}

/* The nodes of the partition (or the cluster) not in `keep`. */
static int complement(const char *partition, const char *keep, char *buf,
                      size_t len, char *err, size_t errlen) {
    char *argv[8] = {"sinfo", "-h", "-N", "-o", "%N", NULL, NULL, NULL};
    if (partition[0]) {
        argv[5] = "-p";
        argv[6] = (char *)partition;
    }
    char out[65536];
    int rc = hx_fleet_exec(argv, out, sizeof out);
    if (rc != 0) {
        snprintf(err, errlen, "sinfo: %.400s",
                 rc < 0 ? "cannot run sinfo" : out);
        return -1;
    }
    size_t w = 0;
    buf[0] = 0;
    char kept[16384];
    snprintf(kept, sizeof kept, ",%s,", keep);
    for (char *save = NULL, *t = strtok_r(out, "\n", &save); t;
         t = strtok_r(NULL, "\n", &save)) {
        char pat[300];
        snprintf(pat, sizeof pat, ",%s,", t);
        if (strstr(kept, pat))
            continue;
        snprintf(pat, sizeof pat, ",%s,", t); /* sinfo repeats per partition */
        char have[65600];
        snprintf(have, sizeof have, ",%s,", buf);
        if (strstr(have, pat))
            continue;
        w += (size_t)snprintf(buf + w, len > w ? len - w : 0, "%s%s",
                              w ? "," : "", t);
    }
    return 0;
}

static void utc_stamp(char *buf, size_t len, const char *fmt) {
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, len, fmt, &tm);
}

static int write_json(json_t *j, const char *dir, const char *name) {
    char tmp[PATH_MAX + 64], path[PATH_MAX + 64];
    snprintf(tmp, sizeof tmp, "%s/.%s.%ld", dir, name, (long)getpid());
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (json_dump_file(j, tmp, JSON_INDENT(1) | JSON_SORT_KEYS) != 0 ||
        rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int copy_file(const char *from, const char *to) {
    FILE *a = fopen(from, "r"), *b = a ? fopen(to, "w") : NULL;
    int rc = (a && b) ? 0 : -1;
    char buf[8192];
    size_t n;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, a)) > 0)
        if (fwrite(buf, 1, n, b) != n)
            rc = -1;
    if (a)
        fclose(a);
    if (b && fclose(b) != 0)
        rc = -1;
    return rc;
}

static int fleet_run(const char *arg, const char *out, bool dry) {
    char path[PATH_MAX], err[4096];
    hx_study_path(arg, path, sizeof path);
    static hx_study s;
    if (hx_study_load(path, &s, err, sizeof err) != 0) {
        fprintf(stderr, "mechlab: fleet run: %s\nnothing was submitted\n", err);
        return HX_EXIT_USAGE;
    }
    hx_fleet_paths p;
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        fprintf(stderr, "mechlab: fleet run: cannot find my own binary\n");
        return HX_EXIT_FAIL;
    }
    self[n] = 0;
    if ((size_t)snprintf(p.mechlab, sizeof p.mechlab, "%s", self) >=
        sizeof p.mechlab) {
        fprintf(stderr, "mechlab: fleet run: path too long: %s\n", self);
        return HX_EXIT_FAIL;
    }
    if (abs_path(out, p.root, sizeof p.root) != 0) {
        fprintf(stderr, "mechlab: fleet run: --out %s: %s\n", out,
                strerror(errno));
        return HX_EXIT_FAIL;
    }
    char id[64];
    utc_stamp(id, sizeof id, "%Y%m%d-%H%M%S");
    char sdir[PATH_MAX];
    snprintf(sdir, sizeof sdir, "%s/fleet/%s", p.root, s.name);
    if ((size_t)snprintf(p.dir, sizeof p.dir, "%s/%s", sdir, id) + 8 >=
        sizeof p.dir) {
        fprintf(stderr, "mechlab: fleet run: --out path too long\n");
        return HX_EXIT_USAGE;
    }
    if (!hx_sbatch_safe(p.dir)) {
        fprintf(stderr,
                "mechlab: fleet run: the results root %s cannot go into an "
                "#SBATCH line: use a path of [A-Za-z0-9._/-] only\nnothing "
                "was submitted\n",
                p.root);
        return HX_EXIT_USAGE;
    }
    /* a node list: its size, and the nodes to exclude */
    char exclude[16384] = "";
    if (s.nodelist[0]) {
        char names[16384];
        int k = hostnames(s.nodelist, names, sizeof names, err, sizeof err);
        if (k <= 0) {
            fprintf(stderr,
                    "mechlab: fleet run: %s: nodelist %s: %s\nnothing was "
                    "submitted\n",
                    path, s.nodelist, k == 0 ? "no nodes" : err);
            return HX_EXIT_USAGE;
        }
        if (!s.nodes_set)
            s.nodes = k;
        else if (s.nodes > k) {
            fprintf(stderr,
                    "mechlab: fleet run: %s: nodes %d but nodelist %s has "
                    "%d: one task per node\nnothing was submitted\n",
                    path, s.nodes, s.nodelist, k);
            return HX_EXIT_USAGE;
        }
        if (complement(s.partition, names, exclude, sizeof exclude, err,
                       sizeof err) != 0) {
            fprintf(stderr, "mechlab: fleet run: %s\nnothing was submitted\n",
                    err);
            return HX_EXIT_FAIL;
        }
    }
    if (!dry) {
        char *argv[] = {"sbatch", "--version", NULL};
        char buf[512];
        if (hx_fleet_exec(argv, buf, sizeof buf) != 0) {
            fprintf(stderr, "mechlab: fleet run: cannot run sbatch (is Slurm "
                            "installed, is SLURM_CONF set?)\nnothing was "
                            "submitted\n");
            return HX_EXIT_FAIL;
        }
    }
    /* the fleet directory: a fresh one, made atomically by mkdir */
    int rc = mkdir_p(sdir);
    for (int k = 2; rc == 0 && mkdir(p.dir, 0777) != 0; k++) {
        if (errno != EEXIST || k > 100) {
            rc = -errno;
            break;
        }
        (void)!snprintf(p.dir, sizeof p.dir, "%s/%s-%d", sdir, id, k);
    }
    char sub[PATH_MAX + 32];
    snprintf(sub, sizeof sub, "%s/tasks", p.dir);
    if (rc == 0)
        rc = mkdir_p(sub);
    snprintf(sub, sizeof sub, "%s/logs", p.dir);
    if (rc == 0)
        rc = mkdir_p(sub);
    if (rc != 0) {
        fprintf(stderr, "mechlab: fleet run: cannot create %s: %s\n", p.dir,
                strerror(-rc));
        return HX_EXIT_FAIL;
    }
    char job_sh[PATH_MAX + 32];
    snprintf(sub, sizeof sub, "%s/study.txt", p.dir);
    snprintf(job_sh, sizeof job_sh, "%s/job.sh", p.dir);
    if (copy_file(path, sub) != 0 ||
        hx_fleet_write_script(&s, &p, exclude, job_sh, err, sizeof err) != 0) {
        fprintf(stderr, "mechlab: fleet run: %s\n",
                err[0] ? err : "cannot write the fleet directory");
        return HX_EXIT_FAIL;
    }
    printf("study %s: %d experiment%s on %d node%s; job script %s\n", s.name,
           s.nruns, s.nruns == 1 ? "" : "s", s.nodes, s.nodes == 1 ? "" : "s",
           job_sh);
    if (dry) {
        printf("--dry-run: not submitted; submit it by hand with: sbatch %s\n",
               job_sh);
        return 0;
    }
    char *argv[] = {"sbatch", "--parsable", job_sh, NULL};
    char buf[4096];
    rc = hx_fleet_exec(argv, buf, sizeof buf);
    char job[64];
    if (rc != 0 || sscanf(buf, "%63[0-9]", job) != 1) {
        fprintf(stderr,
                "mechlab: fleet run: sbatch refused the job (exit %d): %s\n"
                "the script is %s\n",
                rc, buf, job_sh);
        return HX_EXIT_FAIL;
    }
    char stamp[32], study_abs[PATH_MAX];
    utc_stamp(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ");
    if (!realpath(path, study_abs))
        snprintf(study_abs, sizeof study_abs, "%s", path);
    json_t *j = json_object();
    json_object_set_new(j, "schema", json_string("mechlab.fleet/1"));
    json_object_set_new(j, "study", json_string(s.name));
    json_object_set_new(j, "study_file", json_string(study_abs));
    json_object_set_new(j, "job", json_string(job));
    json_object_set_new(j, "tasks", json_integer(s.nodes));
    json_object_set_new(j, "root", json_string(p.root));
    json_object_set_new(j, "mechlab", json_string(p.mechlab));
    json_object_set_new(j, "submitted", json_string(stamp));
    json_t *exps = json_array();
    for (int i = 0; i < s.nruns; i++)
        json_array_append_new(exps, json_string(s.runs[i].exp->name));
    json_object_set_new(j, "experiments", exps);
    rc = write_json(j, p.dir, "fleet.json");
    json_decref(j);
    /* latest -> this fleet run */
    char tmp[PATH_MAX + 64], latest[PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s/.latest-%ld", sdir, (long)getpid());
    snprintf(latest, sizeof latest, "%s/latest", sdir);
    const char *base = strrchr(p.dir, '/') + 1;
    unlink(tmp);
    if (rc != 0 || symlink(base, tmp) != 0 || rename(tmp, latest) != 0) {
        fprintf(stderr,
                "mechlab: fleet run: job %s submitted, but cannot record it "
                "in %s: %s\n",
                job, p.dir, strerror(errno));
        return HX_EXIT_FAIL;
    }
    printf("submitted Slurm job %s (%d task%s) into %s\nfollow it: mechlab "
           "fleet status %s; then: mechlab fleet report %s\n",
           job, s.nodes, s.nodes == 1 ? "" : "s", p.dir, s.name, s.name);
    return 0;
}

static int fleet_wait(const char *dir, double timeout) {
    char ferr[512];
    double t0 = hx_now();
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/fleet.json", dir);
    json_error_t je;
    json_t *f = json_load_file(path, 0, &je);
    if (!f) {
        fprintf(stderr, "mechlab: fleet wait: %s: %s\n", path, je.text);
        return HX_EXIT_FAIL;
    }
    char job[64];
    snprintf(job, sizeof job, "%s",
             json_string_value(json_object_get(f, "job"))
                 ? json_string_value(json_object_get(f, "job"))
                 : "");
    int ntasks = (int)json_integer_value(json_object_get(f, "tasks"));
    json_decref(f);
    static hx_task_state st[HX_FLEET_MAX_TASKS];
    for (;;) {
        int n = hx_slurm_states(job, st, HX_FLEET_MAX_TASKS, ferr, sizeof ferr);
        if (n < 0) {
            fprintf(stderr, "mechlab: fleet wait: %s\n", ferr);
            return HX_EXIT_FAIL;
        }
        int done = 0;
        for (int i = 0; i < n; i++)
            done += hx_slurm_state_final(st[i].state);
        if (n == 0 || done >= ntasks) {
            printf("job %s: %s\n", job,
                   n == 0 ? "no longer known to Slurm (ended)"
                          : "every task has ended");
            return 0;
        }
        if (hx_now() - t0 > timeout) {
            fprintf(stderr,
                    "mechlab: fleet wait: job %s: %d of %d tasks ended "
                    "after %.0f s\n",
                    job, done, ntasks, timeout);
            return HX_EXIT_FAIL;
        }
        usleep(250 * 1000);
    }
}

/* `fleet status` without a study: the latest fleet run of every study. */
static int status_all(const char *out) {
    char root[PATH_MAX + 16];
    snprintf(root, sizeof root, "%s/fleet", out);
    DIR *d = opendir(root);
    if (!d) {
        printf("no fleet studies under %s/ (submit one with `mechlab fleet "
               "run STUDY`)\n",
               out);
        return 0;
    }
    struct dirent *de;
    int n = 0, worst = 0;
    while ((de = readdir(d)) != NULL) {
        char dir[PATH_MAX], err[1024];
        if (de->d_name[0] == '.' ||
            hx_fleet_dir(out, de->d_name, dir, sizeof dir, err, sizeof err))
            continue;
        printf("%sstudy %s (%s)\n", n++ ? "\n" : "", de->d_name, dir);
        if (hx_fleet_collect(dir, false, stdout) != 0)
            worst = HX_EXIT_FAIL;
    }
    closedir(d);
    if (n == 0)
        printf("no submitted fleet studies under %s/fleet/\n", out);
    return worst;
}

int hx_fleet_main(int argc, char **argv) {
    if (argc < 3 || strcmp(argv[2], "help") == 0 ||
        strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0) {
        usage(argc < 3 ? stderr : stdout);
        return argc < 3 ? HX_EXIT_USAGE : 0;
    }
    const char *action = argv[2], *study = NULL, *out = "results";
    bool dry = false, plot = true, collect = true;
    double timeout = 3600;
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--out") == 0 && i + 1 < argc && argv[i + 1][0]) {
            out = argv[++i];
        } else if (strncmp(a, "--out=", 6) == 0 && a[6]) {
            out = a + 6;
        } else if (strcmp(a, "--dry-run") == 0) {
            dry = true;
        } else if (strcmp(a, "--no-plot") == 0) {
            plot = false;
        } else if (strcmp(a, "--no-collect") == 0) {
            collect = false;
        } else if (strcmp(a, "--timeout") == 0 && i + 1 < argc) {
            char *end;
            timeout = strtod(argv[++i], &end);
            if (*end || !(timeout > 0 && timeout <= 1e6)) {
                fprintf(stderr,
                        "mechlab: fleet: --timeout '%s': expected "
                        "seconds in 1..1000000\n",
                        argv[i]);
                return HX_EXIT_USAGE;
            }
        } else if (a[0] == '-' || study) {
            fprintf(stderr, "mechlab: fleet %s: unexpected argument '%s'\n\n",
                    action, a);
            usage(stderr);
            return HX_EXIT_USAGE;
        } else {
            study = a;
        }
    }
    static const char *const actions[] = {"run", "status", "wait", "collect",
                                          "report"};
    bool known = false;
    for (size_t i = 0; i < HX_COUNT(actions); i++)
        known |= strcmp(action, actions[i]) == 0;
    if (!known) {
        fprintf(stderr,
                "mechlab: fleet: unknown action '%s' (actions: run, "
                "status, wait, collect, report)\n",
                action);
        return HX_EXIT_USAGE;
    }
    if (!study && strcmp(action, "status") == 0)
        return status_all(out);
    if (!study) {
        fprintf(stderr, "mechlab: fleet %s needs a study\n", action);
        return HX_EXIT_USAGE;
    }
    if (strcmp(action, "run") == 0)
        return fleet_run(study, out, dry);
    char dir[PATH_MAX], err[1024];
    if (hx_fleet_dir(out, study, dir, sizeof dir, err, sizeof err) != 0) {
        fprintf(stderr, "mechlab: fleet %s: %s\n", action, err);
        return HX_EXIT_USAGE;
    }
    if (strcmp(action, "wait") == 0)
        return fleet_wait(dir, timeout);
    if (strcmp(action, "status") == 0)
        return hx_fleet_collect(dir, false, stdout);
    if (strcmp(action, "collect") == 0 || collect) {
        int rc = hx_fleet_collect(dir, true, stdout);
        if (rc != 0 || strcmp(action, "collect") == 0)
            return rc;
        printf("\n");
    }
    return hx_fleet_report(dir, plot, stdout);
}
