/*
 * fleet_script.c - the Slurm job script of a study, written to be read.
 *
 * The script is the study's whole plan in a form a person can check and
 * submit by hand (`sbatch job.sh`): #SBATCH lines for where and how long,
 * then one `run_exp` line per experiment with exactly the arguments
 * `mechlab run` gets. Each array task
 *
 *   - takes one node to itself (--exclusive, --nodes=1: mechlab pins its
 *     threads inside the allocation, which is the whole node);
 *   - runs each experiment with --host set to the Slurm node name, so its
 *     results land in <root>/<machine>@<node>/ and never in another
 *     node's directory, even when the nodes share a CPU model;
 *   - appends one line per experiment to tasks/<i>.txt ("run EXP RC DIR"),
 *     between "start" and "end" lines, so collect can tell a finished task
 *     from one that was killed half-way, and which run directories are its
 *     own; each experiment's output is also kept in logs/task-<i>-EXP.log.
 *
 * Quoting. Everything in the script that came from the study is first
 * validated (fleet_study.c), then written from the parsed values, and on
 * top of that single-quoted (hx_sh_quote: ' becomes '\''), so the shell
 * never interprets it. #SBATCH lines are not shell: sbatch reads them
 * itself, so what goes there must be in Slurm's plain alphabet
 * (hx_sbatch_safe) or the script is not written at all; that includes the
 * absolute paths of the results root and the fleet directory.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fleet.h"
#include "run.h"

void hx_sh_quote(const char *s, char *buf, size_t len) {
    size_t n = 0;
    if (len < 3) {
        if (len)
            buf[0] = 0;
        return;
    }
    buf[n++] = '\'';
    for (; *s; s++) {
        if (*s == '\'') {
            if (n + 5 >= len)
                break;
            memcpy(buf + n, "'\\''", 4);
            n += 4;
        } else {
            if (n + 2 >= len)
                break;
            buf[n++] = *s;
        }
    }
    buf[n++] = '\'';
    buf[n] = 0;
}

bool hx_sbatch_safe(const char *s) {
    return *s && s[strspn(s, "abcdefghijklmnopqrstuvwxyz"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                             "._/%-,[]&|*")] == 0;
}

/* s for a comment line: control characters (a newline would end the
 * comment) become '?'. */
static const char *plain(const char *s, char *buf, size_t len) {
    size_t n = 0;
    for (; *s && n + 1 < len; s++)
        buf[n++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
    buf[n] = 0;
    return buf;
}

static void sbatch_opt(FILE *f, const char *name, const char *value) {
    if (value && *value)
        fprintf(f, "#SBATCH --%s=%s\n", name, value);
}

int hx_fleet_write_script(const hx_study *s, const hx_fleet_paths *p,
                          const char *exclude, const char *path, char *err,
                          size_t len) {
    const char *checks[][2] = {
        {"the results root", p->root},   {"the fleet directory", p->dir},
        {"the partition", s->partition}, {"the constraint", s->constraint},
        {"the account", s->account},     {"the excluded nodes", exclude},
    };
    for (size_t i = 0; i < HX_COUNT(checks); i++) {
        const char *v = checks[i][1];
        if (v && *v && !hx_sbatch_safe(v)) {
            snprintf(err, len,
                     "%s '%s' cannot go into an #SBATCH line: use only "
                     "[A-Za-z0-9._/%%-,[]&|*] (no blanks or quotes)",
                     checks[i][0], v);
            return -EINVAL;
        }
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        int e = errno;
        snprintf(err, len, "%s: %s", path, strerror(e));
        return -e;
    }
    char stamp[32], q1[4 * 4096 + 8], q2[4 * 4096 + 8], q3[4 * 4096 + 8];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char array[32], tl[16], logpat[sizeof p->dir + 32];
    snprintf(array, sizeof array, "0-%d", s->nodes - 1);
    snprintf(tl, sizeof tl, "%d", s->time_min);
    snprintf(logpat, sizeof logpat, "%s/logs/task-%%a.log", p->dir);

    fprintf(
        f,
        "#!/bin/bash\n"
        "# mechlab fleet job: study '%s' (%s), generated %s by\n"
        "# `mechlab fleet run`. To submit it by hand: sbatch %s\n"
        "#\n"
        "# A job array of %d task%s: each takes one node to itself and runs "
        "every\n"
        "# experiment of the study there with `mechlab run`, into the "
        "shared results\n"
        "# root, under <machine>@<node>/. Each task appends what it did to\n"
        "# tasks/<task>.txt here (collect and report read it); its output "
        "is\n"
        "# logs/task-<task>.log, and each experiment's is "
        "logs/task-<task>-<exp>.log.\n",
        s->name, plain(s->path, q1, sizeof q1), stamp,
        plain(path, q2, sizeof q2), s->nodes, s->nodes > 1 ? "s" : "");
    fprintf(f, "#SBATCH --job-name=mechlab-%s\n", s->name);
    sbatch_opt(f, "array", array);
    fprintf(f, "#SBATCH --nodes=1\n#SBATCH --ntasks=1\n#SBATCH --exclusive\n");
    sbatch_opt(f, "time", tl);
    sbatch_opt(f, "output", logpat);
    sbatch_opt(f, "partition", s->partition);
    sbatch_opt(f, "constraint", s->constraint);
    sbatch_opt(f, "account", s->account);
    sbatch_opt(f, "exclude", exclude);
    hx_sh_quote(p->mechlab, q1, sizeof q1);
    hx_sh_quote(p->root, q2, sizeof q2);
    hx_sh_quote(p->dir, q3, sizeof q3);
    fprintf(f,
            "set -u\n"
            "MECHLAB=%s\n"
            "ROOT=%s\n"
            "FLEET=%s\n"
            "TASK=${SLURM_ARRAY_TASK_ID:-0}\n"
            "NODE=${SLURMD_NODENAME:-$(hostname -s)}\n"
            "REC=\"$FLEET/tasks/$TASK.txt\"\n"
            "stamp() { date -u +%%Y-%%m-%%dT%%H:%%M:%%SZ; }\n"
            "\n"
            "mkdir -p \"$FLEET/tasks\" \"$FLEET/logs\" || exit 1\n"
            "{\n"
            "    printf 'task %%s\\n' \"$TASK\"\n"
            "    printf 'node %%s\\n' \"$NODE\"\n"
            "    printf 'job %%s\\n' \"${SLURM_JOB_ID:-none}\"\n"
            "    printf 'start %%s\\n' \"$(stamp)\"\n"
            "} >\"$REC\" || exit 1\n"
            "worst=0\n"
            "\n"
            "# run_exp EXP [ARGS...]: one experiment on this node; records\n"
            "# \"run EXP RC DIR\" (DIR empty when no run directory was "
            "written).\n"
            "run_exp() {\n"
            "    local exp=$1 log rc dir\n"
            "    shift\n"
            "    log=\"$FLEET/logs/task-$TASK-$exp.log\"\n"
            "    echo \"== $(stamp) $NODE: mechlab run $exp $*\"\n"
            "    \"$MECHLAB\" run \"$exp\" \"$@\" --out \"$ROOT\" --host "
            "\"$NODE\" \\\n"
            "        --no-progress >\"$log\" 2>&1\n"
            "    rc=$?\n"
            "    cat \"$log\"\n"
            "    dir=$(sed -n 's|^wrote \\(/.*\\)/ in .*|\\1|p' \"$log\" | "
            "tail -n 1)\n"
            "    printf 'run %%s %%d %%s\\n' \"$exp\" \"$rc\" \"$dir\" "
            ">>\"$REC\"\n"
            "    # 3: the experiment cannot run on this machine (skipped), "
            "not a failure\n"
            "    if [ \"$rc\" -ne 0 ] && [ \"$rc\" -ne 3 ]; then worst=1; fi\n"
            "}\n"
            "\n",
            q1, q2, q3);
    for (int i = 0; i < s->nruns; i++) {
        const hx_study_run *r = &s->runs[i];
        char q[sizeof r->sets[0] + 64];
        hx_sh_quote(r->exp->name, q, sizeof q);
        fprintf(f, "run_exp %s", q);
        if (s->quick)
            fprintf(f, " --quick");
        if (s->reps)
            fprintf(f, " --reps '%d'", s->reps);
        if (s->min_time > 0)
            fprintf(f, " --min-time '%g'", s->min_time);
        if (strcmp(s->counters, "auto") != 0) {
            hx_sh_quote(s->counters, q, sizeof q);
            fprintf(f, " --counters %s", q);
        }
        if (!s->plot)
            fprintf(f, " --no-plot");
        for (int k = 0; k < r->nsets; k++) {
            hx_sh_quote(r->sets[k], q, sizeof q);
            fprintf(f, " --set %s", q);
        }
        fprintf(f, "   # %s:%d\n", plain(s->path, q1, sizeof q1), r->line);
    }
    fprintf(f, "\nprintf 'end %%s %%d\\n' \"$(stamp)\" \"$worst\" >>\"$REC\"\n"
               "exit \"$worst\"\n");
    bool ok = !ferror(f);
    if (fclose(f) != 0)
        ok = false;
    if (!ok) {
        snprintf(err, len, "%s: write error", path);
        return -EIO;
    }
    chmod(path, 0755);
    return 0;
}
